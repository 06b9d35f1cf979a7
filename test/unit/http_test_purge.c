/*
 * http_test_purge.c - the purge timer of api_retention.c on its own path:
 * its tick (the handler the timer runs, fired as libre's tmr_poll() fires
 * it) on a fake clock over a real SQLite store.  A deletion request made
 * at T is carried out by the tick at T + 30 days, not one second before,
 * and a cancelled one never; audit entries older than their client's
 * keep-time go with the first tick after the boundary, not before.
 * The routes (POST .../deletion/run, POST /retention/purge?at=) are the
 * audit suite's.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "core/core.h"
#include "http/http_int.h"
#include "store_test.h"
#include "test.h"

#define DAY 86400000ULL /* [ms] */

static uint64_t now_ms = T0;

static uint64_t clock_fake(void)
{
	return now_ms;
}

/* An API with the store of t and no listener: only what the purge uses. */
struct papi {
	struct config cfg;
	struct http_api api;
};

static void papi_init(struct papi *p, struct store *st)
{
	memset(p, 0, sizeof(*p));
	re_snprintf(p->cfg.data_dir, sizeof(p->cfg.data_dir),
		    "/tmp/sb-purge-test-%d", (int)getpid());
	re_snprintf(p->cfg.prompts_dir, sizeof(p->cfg.prompts_dir),
		    "/tmp/sb-purge-test-%d", (int)getpid());
	p->cfg.purge_interval = 3600; /* the default */
	p->api.cfg = &p->cfg;
	p->api.st = st;
	tmr_init(&p->api.purge_tmr);
	api_retention_start(&p->api);
}

/* The clock at `at`, then the timer's tick; it must have restarted. */
static int tick_at(struct papi *p, uint64_t at)
{
	tmr_h *th = p->api.purge_tmr.th;
	int err = 0;

	TEST_ASSERT(tmr_isrunning(&p->api.purge_tmr));
	TEST_ASSERT(th != NULL);
	now_ms = at;
	th(p->api.purge_tmr.arg);
	TEST_ASSERT(tmr_isrunning(&p->api.purge_tmr));
	TEST_ASSERT(p->api.purge_tmr.th == th);
out:
	return err;
}

static int request(struct store *st, int64_t tenant_id, uint64_t at)
{
	struct store_deletion d;

	memset(&d, 0, sizeof(d));
	d.tenant_id = tenant_id;
	d.requested_at = at;
	d.due_at = api_deletion_due_at(at);
	str_copy(d.requested_by, "admin (client_admin)",
		 sizeof(d.requested_by));
	return store_deletion_add(st, &d);
}

int test_purge_timer_deletion(void)
{
	const uint64_t t = T0 + 5 * DAY + 12345;
	struct store_deletion d;
	struct store_tenant tn;
	struct tdb db;
	struct papi p;
	int64_t t1 = 0, t2 = 0;
	int err;

	err = tdb_open(&db);
	TEST_ASSERT(!err);
	now_ms = T0;
	time_clock_set(clock_fake);
	papi_init(&p, db.st);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);

	/* the grace period is 30 days */
	TEST_EQ_INT(api_deletion_due_at(t), t + 30 * DAY);
	now_ms = t;
	TEST_EQ_INT(request(db.st, t1, t), 0);
	TEST_EQ_INT(request(db.st, t2, t), 0);
	TEST_EQ_INT(store_deletion_cancel(db.st, t2, t + DAY, "op (operator)"),
		    0);

	/* a tick before: nothing is carried out */
	TEST_EQ_INT(tick_at(&p, t + DAY), 0);
	/* a second before the due time: still nothing */
	TEST_EQ_INT(tick_at(&p, t + 30 * DAY - 1000), 0);
	TEST_EQ_INT(store_deletion_get(db.st, t1, &d), 0);
	TEST_EQ_INT(d.done_at, 0);
	TEST_EQ_INT(store_tenant_get(db.st, t1, &tn), 0);

	/* at the due time: carried out by the tick */
	TEST_EQ_INT(tick_at(&p, t + 30 * DAY), 0);
	TEST_EQ_INT(store_deletion_get(db.st, t1, &d), 0);
	TEST_EQ_INT(d.done_at, t + 30 * DAY);
	TEST_EQ_STR(d.requested_by, "");
	TEST_ASSERT(d.rows > 0);
	TEST_EQ_INT(store_tenant_get(db.st, t1, &tn), ENOENT);

	/* the cancelled one never, not even much later */
	TEST_EQ_INT(tick_at(&p, t + 365 * DAY), 0);
	TEST_EQ_INT(store_deletion_get(db.st, t2, &d), 0);
	TEST_EQ_INT(d.done_at, 0);
	TEST_EQ_INT(d.cancelled_at, t + DAY);
	TEST_EQ_INT(store_tenant_get(db.st, t2, &tn), 0);
	TEST_EQ_STR(tn.name, "Two");
out:
	api_retention_stop(&p.api);
	TEST_ASSERT(!tmr_isrunning(&p.api.purge_tmr));
	tdb_close(&db);
	return err;
}

static int audit_at(struct store *st, int64_t tenant_id, uint64_t at)
{
	struct store_audit a;

	memset(&a, 0, sizeof(a));
	a.at = at;
	a.tenant_id = tenant_id;
	str_copy(a.token_name, "test", sizeof(a.token_name));
	str_copy(a.role, "operator", sizeof(a.role));
	str_copy(a.method, "PATCH", sizeof(a.method));
	str_copy(a.route, "/api/v1/tenants/:id", sizeof(a.route));
	a.object_id = tenant_id;
	a.status = 200;
	return store_audit_add(st, &a);
}

static int audit_count(const char *path, int64_t tenant_id, const char *want)
{
	char sql[96];

	re_snprintf(sql, sizeof(sql),
		    "SELECT count(*) FROM audit WHERE tenant_id = %lld",
		    (long long)tenant_id);
	return raw_is(path, sql, want);
}

int test_purge_timer_retention(void)
{
	const uint64_t a = T0 + 1000;
	struct store_retention r;
	struct tdb db;
	struct papi p;
	int64_t t1 = 0, t2 = 0;
	int err;

	err = tdb_open(&db);
	TEST_ASSERT(!err);
	now_ms = T0;
	time_clock_set(clock_fake);
	papi_init(&p, db.st);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);

	/* One keeps its audit trail 365 days, Two the default 1095 */
	TEST_EQ_INT(store_retention_get(db.st, t1, &r), 0);
	r.audit_days = 365;
	r.updated_at = T0;
	TEST_EQ_INT(store_retention_set(db.st, &r), 0);
	TEST_EQ_INT(audit_at(db.st, t1, a), 0);
	TEST_EQ_INT(audit_at(db.st, t1, a + DAY), 0);
	TEST_EQ_INT(audit_at(db.st, t2, a), 0);

	/* an entry goes when it is older than the keep-time: at exactly
	 * 365 days of age it is kept, a millisecond later it is gone */
	TEST_EQ_INT(tick_at(&p, a + 364 * DAY), 0);
	TEST_EQ_INT(audit_count(db.path, t1, "2"), 0);
	TEST_EQ_INT(tick_at(&p, a + 365 * DAY), 0);
	TEST_EQ_INT(audit_count(db.path, t1, "2"), 0);
	TEST_EQ_INT(tick_at(&p, a + 365 * DAY + 1), 0);
	TEST_EQ_INT(audit_count(db.path, t1, "1"), 0);
	TEST_EQ_INT(tick_at(&p, a + 366 * DAY), 0);
	TEST_EQ_INT(audit_count(db.path, t1, "1"), 0);
	TEST_EQ_INT(tick_at(&p, a + 366 * DAY + 1), 0);
	TEST_EQ_INT(audit_count(db.path, t1, "0"), 0);

	/* Two's by its own (default) keep-time */
	TEST_EQ_INT(audit_count(db.path, t2, "1"), 0);
	TEST_EQ_INT(tick_at(&p, a + 1095 * DAY), 0);
	TEST_EQ_INT(audit_count(db.path, t2, "1"), 0);
	TEST_EQ_INT(tick_at(&p, a + 1095 * DAY + 1), 0);
	TEST_EQ_INT(audit_count(db.path, t2, "0"), 0);
out:
	api_retention_stop(&p.api);
	tdb_close(&db);
	return err;
}

/* --purge-interval: 0 starts no timer; a short one runs first after
 * itself (not after a minute), and then every interval. */
int test_purge_timer_interval(void)
{
	struct tdb db;
	struct papi p;
	int err;

	err = tdb_open(&db);
	TEST_ASSERT(!err);
	papi_init(&p, db.st);
	TEST_ASSERT(tmr_isrunning(&p.api.purge_tmr));
	TEST_ASSERT(tmr_get_expire(&p.api.purge_tmr) > 50000);
	TEST_ASSERT(tmr_get_expire(&p.api.purge_tmr) <= 60000);
	api_retention_stop(&p.api);

	p.cfg.purge_interval = 0;
	api_retention_start(&p.api);
	TEST_ASSERT(!tmr_isrunning(&p.api.purge_tmr));

	p.cfg.purge_interval = 20;
	api_retention_start(&p.api);
	TEST_ASSERT(tmr_isrunning(&p.api.purge_tmr));
	TEST_ASSERT(tmr_get_expire(&p.api.purge_tmr) <= 20000);
	TEST_ASSERT(tmr_get_expire(&p.api.purge_tmr) > 10000);
	api_retention_stop(&p.api);
out:
	api_retention_stop(&p.api);
	tdb_close(&db);
	return err;
}
