/*
 * api_task_report.c - the assistants' monthly report (issue 18,
 * seeds/000: the softphone's use is monitored, private use is not
 * allowed):
 *
 *   GET /api/v1/billing/assistants?month=YYYY-MM[&employee_id=3]
 *       [&format=csv]   (default: this Berlin month)
 *
 * "tasks": per assistant and task the working minutes booked on days of
 * the month, the whole talk seconds of the ended calls booked to the
 * task that started in it, phone seconds per booked working hour,
 * whether the 15 minutes per hour were passed, whether the area's
 * factor was applied, and the billed time exact in 1/1000 minute
 * (billing_task_rate_pm(), billing.h); "no_task": every outbound call of
 * an assistant in the month booked to no task.  The operator's only
 * (roles.c): the service's staff.
 */
#include <string.h>
#include "http/http_int.h"
#include "billing/billing.h"

/* billed [1/1000 min] as exact minutes: "234", "9.1", "0.125" */
static void minutes_fmt(char *buf, size_t sz, uint64_t mmin)
{
	uint64_t frac = mmin % 1000;
	size_t n;

	if (!frac) {
		re_snprintf(buf, sz, "%llu", (unsigned long long)(mmin / 1000));
		return;
	}
	re_snprintf(buf, sz, "%llu.%03llu", (unsigned long long)(mmin / 1000),
		    (unsigned long long)frac);
	n = strlen(buf);
	while (n && buf[n - 1] == '0')
		buf[--n] = '\0';
}

static int row_obj(struct odict *o, const struct billing_task_row *w)
{
	char billed[32];
	int err = 0;

	minutes_fmt(billed, sizeof(billed), w->m.billed_mmin);
	err |= api_add_int(o, "employee_id", w->s.employee_id);
	err |= api_add_str(o, "employee", w->s.employee_name);
	err |= api_add_int(o, "task_id", w->s.task_id);
	err |= api_add_str(o, "task", w->s.task_name);
	err |= api_add_int(o, "tenant_id", w->s.tenant_id);
	err |= api_add_str(o, "area", w->s.area);
	err |= api_add_int(o, "factor_pm", w->m.factor_pm);
	err |= api_add_int(o, "work_minutes", w->m.work_min);
	err |= api_add_int(o, "calls", w->s.calls);
	err |= api_add_int(o, "phone_seconds", (int64_t)w->m.phone_s);
	err |= api_add_int(o, "included_seconds", (int64_t)w->m.included_s);
	err |= api_add_int(o, "phone_seconds_per_hour",
			   (int64_t)w->m.phone_s_per_h);
	err |= api_add_bool(o, "threshold_passed", w->m.passed);
	err |= api_add_bool(o, "factor_applied", w->m.factor_applied);
	err |= api_add_int(o, "billed_milliminutes", (int64_t)w->m.billed_mmin);
	err |= api_add_str(o, "billed_minutes", billed);
	/* the client's hourly rate on each booked day: null if a day has
	 * none (tariff assistant_cents_per_hour 0) */
	if (w->priced)
		err |= api_add_int(o, "amount_cents", (int64_t)w->amount_cents);
	else
		err |= odict_entry_add(o, "amount_cents", ODICT_NULL);
	return err ? ENOMEM : 0;
}

static int untasked_obj(struct odict *o, const struct store_task_untasked *c)
{
	int err = 0;

	err |= api_add_int(o, "employee_id", c->employee_id);
	err |= api_add_int(o, "call_id", c->call_id);
	err |= api_add_time(o, "started_at", c->started_at);
	err |= api_add_str(o, "to_number", c->to_number);
	err |= api_add_int(o, "seconds", (int64_t)c->talk_s);
	return err ? ENOMEM : 0;
}

/* Append an object filled by fill(o, i) for each i < n to arr. */
static int list_fill(struct odict *arr, size_t n,
		     int (*fill)(struct odict *o, const void *v, size_t i),
		     const void *v)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < n; i++) {
		struct odict *o = NULL;

		err = odict_alloc(&o, 24);
		if (!err)
			err = fill(o, v, i);
		if (!err)
			err = api_list_append(arr, o);
		mem_deref(o);
	}
	return err;
}

static int row_fill(struct odict *o, const void *v, size_t i)
{
	return row_obj(o, &((const struct billing_task_row *)v)[i]);
}

static int untasked_fill(struct odict *o, const void *v, size_t i)
{
	return untasked_obj(o, &((const struct store_task_untasked *)v)[i]);
}

static int report_json(struct api_req *req, const struct billing_task_report *r,
		       const char *month)
{
	struct odict *o = NULL, *rows = NULL, *unt = NULL;
	int err;

	err = odict_alloc(&o, 8);
	if (!err)
		err = api_list_alloc(&rows);
	if (!err)
		err = api_list_alloc(&unt);
	if (!err)
		err = list_fill(rows, r->rowc, row_fill, r->rowv);
	if (!err)
		err = list_fill(unt, r->untc, untasked_fill, r->untv);
	if (!err) {
		err |= api_add_str(o, "month", month);
		err |= odict_entry_add(o, "tasks", ODICT_ARRAY, rows);
		err |= odict_entry_add(o, "no_task", ODICT_ARRAY, unt);
	}
	mem_deref(rows);
	mem_deref(unt);
	return api_reply_encoded(req, 200, err ? ENOMEM : 0, o, 0);
}

/* s without the CSV's separators, quotes and line breaks, and with an
 * apostrophe before what a spreadsheet would run as a formula */
static void csv_clean(char *buf, size_t sz, const char *s)
{
	size_t k;

	if (sz > 1 && api_csv_formula(s)) {
		buf[0] = '\'';
		++buf;
		--sz;
	}
	str_ncpy(buf, s, sz);
	for (k = 0; buf[k]; k++)
		if (strchr(";\"\r\n", buf[k]))
			buf[k] = ' ';
}

static int report_csv(struct api_req *req, const struct billing_task_report *r,
		      const char *month)
{
	struct mbuf *mb = mbuf_alloc(2048);
	char emp[140], task[140], billed[32], at[32], amount[24];
	size_t i;
	int err = 0;

	if (!mb)
		return ENOMEM;
	err |= mbuf_printf(mb, "kind;employee_id;employee;task_id;task;"
			       "tenant_id;area;work_minutes;calls;"
			       "phone_seconds;phone_seconds_per_hour;"
			       "threshold_passed;factor_applied;"
			       "billed_minutes;amount_cents;call_id;"
			       "started_at;to_number;seconds\r\n");
	for (i = 0; i < r->rowc; i++) {
		const struct billing_task_row *w = &r->rowv[i];

		csv_clean(emp, sizeof(emp), w->s.employee_name);
		csv_clean(task, sizeof(task), w->s.task_name);
		minutes_fmt(billed, sizeof(billed), w->m.billed_mmin);
		amount[0] = '\0';
		if (w->priced)
			re_snprintf(amount, sizeof(amount), "%llu",
				    (unsigned long long)w->amount_cents);
		err |= mbuf_printf(
		    mb,
		    "task;%lld;%s;%lld;%s;%lld;%s;%u;%u;%llu;%llu;%s;%s;%s;%s;"
		    ";;;\r\n",
		    (long long)w->s.employee_id, emp, (long long)w->s.task_id,
		    task, (long long)w->s.tenant_id, w->s.area, w->m.work_min,
		    w->s.calls, (unsigned long long)w->m.phone_s,
		    (unsigned long long)w->m.phone_s_per_h,
		    w->m.passed ? "yes" : "no",
		    w->m.factor_applied ? "yes" : "no", billed, amount);
	}
	for (i = 0; i < r->untc; i++) {
		const struct store_task_untasked *c = &r->untv[i];

		err |= mbuf_printf(
		    mb, "no_task;%lld;;;;;;;;;;;;;;%lld;%s;%s;%llu\r\n",
		    (long long)c->employee_id, (long long)c->call_id,
		    time_iso(at, sizeof(at), c->started_at), c->to_number,
		    (unsigned long long)c->talk_s);
	}
	if (!err)
		err = api_reply_attachment(req, API_CSV, mb,
					   "assistants-%s.csv", month);
	mem_deref(mb);
	return err;
}

static const struct api_param params[] = {
    {"month", AP_STR, 0, 0, 0, 0},
    {"format", AP_STR, 0, 0, 0, 0},
    {"employee_id", AP_ID, offsetof(struct api_query, employee_id), 0, 0, 0},
};

static int report_get(struct api_req *req)
{
	struct billing_task_report *r = NULL;
	struct api_query q;
	char month[16];
	bool csv = false;
	int err;

	err = api_query_read(req, params, ARRAY_SIZE(params), &q);
	if (!err)
		err = api_billing_month_query(req, month, sizeof(month), &csv);
	if (err)
		return err;
	err = billing_task_report_load(&r, req->api->st, month, q.employee_id);
	if (err)
		return api_fail(req, err, "report: %m", err);
	err = csv ? report_csv(req, r, month) : report_json(req, r, month);
	mem_deref(r);
	return err;
}

static const struct api_action actions[] = {
    {"GET", "/assistants", report_get},
};

const struct api_resource api_task_report = {
    .path = "/api/v1/billing",
    .noun = "billing",
    .label = "assistants",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
