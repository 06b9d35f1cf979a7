/*
 * billing_test_task_report.c - the assistants' monthly report from a
 * real store (task_report.c, sqlite_task.c, migration 40): a client's
 * tasks in two areas (their factors read from task_areas), the minutes
 * an assistant booked per Berlin day, the calls booked to the tasks
 * (whole seconds per call), a call of 30 September 23:30 Berlin that
 * is not October's, and an outbound call from the assistant's phone
 * booked to no task.  Also billing_task_rate_pm(), the pure rating by a
 * factor given as data.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "billing/billing.h"
#include "test.h"
#include "store_test.h"

/* 2026-10-05 10:00 Berlin, 2026-09-30 23:30 Berlin, 2026-10-07 08:15 */
#define OCT5  1791187200000ULL
#define SEP30 1790803800000ULL
#define OCT7  1791353700000ULL

int test_billing_task_rate_pm(void)
{
	struct billing_task_month m;
	int err = 0;

	TEST_EQ_INT(billing_task_rate_pm(999, 60, 0, &m), EINVAL);
	TEST_EQ_INT(billing_task_rate_pm(1300, 60, 0, NULL), EINVAL);
	/* the seed: 180 min x 1.3 = 234 min once 45 min are passed */
	TEST_EQ_INT(billing_task_rate_pm(1300, 180, 45 * 60 + 1, &m), 0);
	TEST_ASSERT(m.passed && m.factor_applied);
	TEST_EQ_INT(m.billed_mmin, 234000);
	TEST_EQ_INT(billing_task_rate_pm(1300, 180, 45 * 60, &m), 0);
	TEST_ASSERT(!m.passed && !m.factor_applied);
	TEST_EQ_INT(m.billed_mmin, 180000);
	/* a factor of 1: passed, but no factor applied */
	TEST_EQ_INT(billing_task_rate_pm(1000, 60, 901, &m), 0);
	TEST_ASSERT(m.passed && !m.factor_applied);
	TEST_EQ_INT(m.billed_mmin, 60000);
	/* the amount: minutes x factor x cents/h, exact, then half up */
	TEST_EQ_INT(billing_task_rate_pm(1300, 180, 45 * 60 + 1, &m), 0);
	TEST_EQ_INT(billing_task_day_x(&m, 180, 4000), 936000000);
	TEST_EQ_INT(billing_task_cents(936000000), 15600); /* 234 min */
	TEST_EQ_INT(billing_task_rate_pm(1300, 180, 45 * 60, &m), 0);
	TEST_EQ_INT(billing_task_day_x(&m, 180, 4000), 720000000);
	TEST_EQ_INT(billing_task_cents(29999), 0);
	TEST_EQ_INT(billing_task_cents(30000), 1);
	TEST_EQ_INT(billing_task_cents(89999), 1);
	TEST_EQ_INT(billing_task_cents(90000), 2);
out:
	return err;
}

/* The client's tariff from Berlin day `from` with an assistants' rate. */
static int rate(struct store *st, int64_t client, const char *from,
		uint32_t cents_per_hour)
{
	struct store_tariff t;

	memset(&t, 0, sizeof(t));
	t.tenant_id = client;
	if (billing_date(from, &t.valid_from))
		return EINVAL;
	t.acceptance_cents = 59;
	t.acceptance_threshold_s = 15;
	t.processing_cents_per_min = 59;
	t.wrapup_cap_s = 120;
	t.sms_cents = 10;
	t.vat_bp = 1900;
	t.assistant_cents_per_hour = cents_per_hour;
	return store_tariff_add(st, &t);
}

/* An outbound call of the service tenant by leg, talking talk_ms. */
static int call(struct store *st, int64_t tenant, const char *leg,
		uint64_t start, uint64_t talk_ms, int64_t *idp)
{
	struct store_call *c = mem_zalloc(sizeof(*c), NULL);
	int err;

	if (!c)
		return ENOMEM;
	c->tenant_id = tenant;
	c->direction = STORE_DIR_OUTBOUND;
	str_copy(c->to_number, "+4930123456", sizeof(c->to_number));
	str_copy(c->caller_leg, leg, sizeof(c->caller_leg));
	c->started_at = start;
	err = store_call_add(st, c);
	*idp = c->id;
	mem_deref(c);
	if (!err)
		err = store_call_answered(st, *idp, start + 4000, "trunk:1");
	if (!err)
		err = store_call_ended(st, *idp, start + 4000 + talk_ms,
				       STORE_DISP_ANSWERED, 200,
				       STORE_PARTY_CALLER);
	return err;
}

static int book(struct store *st, int64_t task, int64_t emp, const char *date,
		uint32_t minutes)
{
	struct store_task_time tt;
	int err;

	memset(&tt, 0, sizeof(tt));
	tt.task_id = task;
	tt.employee_id = emp;
	str_copy(tt.date, date, sizeof(tt.date));
	tt.minutes = minutes;
	err = billing_date(date, &tt.day_at);
	return err ? err : store_task_time_add(st, &tt);
}

static int task(struct store *st, int64_t tenant, const char *area,
		const char *name, int64_t *idp)
{
	struct store_task t;
	int err;

	memset(&t, 0, sizeof(t));
	t.tenant_id = tenant;
	str_copy(t.area, area, sizeof(t.area));
	str_copy(t.name, name, sizeof(t.name));
	t.active = true;
	err = store_task_add(st, &t);
	*idp = t.id;
	return err;
}

int test_billing_task_report(void)
{
	struct billing_task_report *r = NULL;
	struct tdb db;
	int64_t svc, client, emp, dev, t1, t2, c1, c2, c3, c4, c5, tk;
	uint32_t pm = 0;
	int err;

	err = tdb_open(&db);
	if (err)
		return err;
	TEST_EQ_INT(fx_tenants(db.st, &svc, &client), 0);
	TEST_EQ_INT(fx_employee(db.st, svc, "Max", "1001", &emp), 0);
	TEST_EQ_INT(fx_device(db.st, svc, emp, "1001", &dev), 0);
	TEST_EQ_INT(store_task_area(db.st, "sales_eu", &pm), 0);
	TEST_EQ_INT(pm, 2100);
	TEST_EQ_INT(store_task_area(db.st, "sales_us", &pm), ENOENT);
	TEST_EQ_INT(task(db.st, client, "backoffice_eu", "Orders", &t1), 0);
	TEST_EQ_INT(task(db.st, client, "sales_de", "Leads", &t2), 0);
	TEST_EQ_INT(task(db.st, client, "sales_de", "Leads", &tk), EEXIST);
	TEST_EQ_INT(task(db.st, client, "sales_us", "X", &tk), ENOENT);
	TEST_EQ_INT(book(db.st, t1, emp, "2026-10-05", 120), 0);
	TEST_EQ_INT(book(db.st, t1, emp, "2026-10-31", 60), 0);
	TEST_EQ_INT(book(db.st, t1, emp, "2026-11-01", 45), 0);
	TEST_EQ_INT(book(db.st, t2, emp, "2026-10-06", 60), 0);
	/* 1500.5 s + 1260.7 s on Orders; 900.9 s on Leads; September's */
	TEST_EQ_INT(call(db.st, svc, "employee:1", OCT5, 1500500, &c1), 0);
	TEST_EQ_INT(
	    call(db.st, svc, "employee:1", OCT5 + 3600000, 1260700, &c2), 0);
	TEST_EQ_INT(call(db.st, svc, "employee:1", OCT5 + 7200000, 900900, &c3),
		    0);
	TEST_EQ_INT(call(db.st, svc, "employee:1", SEP30, 600000, &c4), 0);
	TEST_EQ_INT(call(db.st, svc, "device:1001", OCT7, 42800, &c5), 0);
	TEST_EQ_INT(store_task_call_add(db.st, c1, t1, emp), 0);
	TEST_EQ_INT(store_task_call_add(db.st, c2, t1, emp), 0);
	TEST_EQ_INT(store_task_call_add(db.st, c3, t2, emp), 0);
	TEST_EQ_INT(store_task_call_add(db.st, c4, t1, emp), 0);
	TEST_EQ_INT(store_task_call_add(db.st, c1, t2, emp), EEXIST);
	TEST_EQ_INT(store_task_call_get(db.st, c3, &tk), 0);
	TEST_EQ_INT(tk, t2);
	TEST_EQ_INT(store_task_call_get(db.st, c5, &tk), ENOENT);

	TEST_EQ_INT(billing_task_report_load(&r, db.st, "2026-13", 0), EINVAL);
	TEST_EQ_INT(billing_task_report_load(&r, db.st, "2026-10", 0), 0);
	TEST_EQ_INT(r->rowc, 2);
	TEST_EQ_INT(r->rowv[0].s.task_id, t1);
	TEST_EQ_INT(r->rowv[0].s.factor_pm, 1300);
	TEST_EQ_INT(r->rowv[0].m.work_min, 180);
	TEST_EQ_INT(r->rowv[0].s.calls, 2);
	TEST_EQ_INT(r->rowv[0].m.phone_s, 2760);
	TEST_ASSERT(r->rowv[0].m.passed && r->rowv[0].m.factor_applied);
	TEST_EQ_INT(r->rowv[0].m.billed_mmin, 234000);
	TEST_EQ_INT(r->rowv[1].s.task_id, t2);
	TEST_EQ_INT(r->rowv[1].m.work_min, 60);
	TEST_EQ_INT(r->rowv[1].m.phone_s, 900);
	TEST_ASSERT(!r->rowv[1].m.passed && !r->rowv[1].m.factor_applied);
	TEST_EQ_INT(r->rowv[1].m.billed_mmin, 60000);
	TEST_EQ_INT(r->untc, 1);
	TEST_EQ_INT(r->untv[0].call_id, c5);
	TEST_EQ_INT(r->untv[0].employee_id, emp);
	TEST_EQ_INT(r->untv[0].talk_s, 42);
	/* no hourly rate agreed (the list price has none): no amount */
	TEST_ASSERT(!r->rowv[0].priced && !r->rowv[1].priced);
	TEST_EQ_INT(r->rowv[0].amount_cents, 0);
	r = mem_deref(r);
	/* 40 EUR/h from 1 October, 45 EUR/h from 20 October: each booked
	 * day at its own rate, the month's factor on every day: Orders
	 * 120 min x 1.3 x 40 + 60 min x 1.3 x 45 = 104.00 + 58.50 EUR */
	TEST_EQ_INT(rate(db.st, client, "2026-10-01", 4000), 0);
	TEST_EQ_INT(rate(db.st, client, "2026-10-20", 4500), 0);
	TEST_EQ_INT(billing_task_report_load(&r, db.st, "2026-10", 0), 0);
	TEST_ASSERT(r->rowv[0].priced && r->rowv[1].priced);
	TEST_EQ_INT(r->rowv[0].amount_x, 975000000);
	TEST_EQ_INT(r->rowv[0].amount_cents, 16250);
	/* Leads: 60 min, not passed: 60 min x 40 EUR/h */
	TEST_EQ_INT(r->rowv[1].amount_cents, 4000);
	r = mem_deref(r);
	/* another employee: nothing */
	TEST_EQ_INT(billing_task_report_load(&r, db.st, "2026-10", emp + 1), 0);
	TEST_EQ_INT(r->rowc, 0);
	TEST_EQ_INT(r->untc, 0);
out:
	mem_deref(r);
	tdb_close(&db);
	return err;
}
