/*
 * api_billing.c - a client's tariffs and its itemised bill (issue 18,
 * src/billing/billing.h has the rules and the rounding rule):
 *
 *   GET  /api/v1/tenants/:id/tariffs   its own tariffs and the list price
 *   POST /api/v1/tenants/:id/tariffs   a new tariff from a Berlin date on
 *                                      (the operator's; fields not given
 *                                      are the list price's then)
 *   GET  /api/v1/tenants/:id/bill?month=YYYY-MM[&format=csv]
 *        the itemised bill of a Europe/Berlin month (default: this
 *        one), JSON or CSV
 *
 * Roles (roles.c): the operator; a client admin its own tenant (another
 * tenant's is 404); agents and subaccounts 403.  Reads only the call
 * records; a bill is computed when asked for (no invoice is issued yet).
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "billing/billing.h"

enum { VAT_BP_MAX = 10000, SECONDS_MAX = 3600, TRIAL_HOURS_MAX = 8760 };

static const char rounding_rule[] =
    "amounts are exact in 1/60 cent (sixtieth_cents: cents per minute times "
    "seconds); the net is the sum of the exact amounts of all lines and SMS "
    "(per VAT rate), rounded once to whole cents, half up; the cents shown "
    "per line are rounded half up for reading only; VAT is the net times "
    "the rate, rounded half up to cents; gross is net plus VAT";

/* A tariff as a body gives it: its first day as a Berlin date. */
struct tariff_in {
	struct store_tariff t;
	char valid_from[16];
};

#define T struct tariff_in
static const struct api_field fields[] = {
    {API_F("valid_from", AK_STR, FF_REQUIRED), API_M(T, valid_from), .max = 10},
    {API_F("acceptance_cents", AK_INT, 0), API_M(T, t.acceptance_cents),
     .max = 100000, .unit = "cents"},
    {API_F("acceptance_threshold_s", AK_INT, 0),
     API_M(T, t.acceptance_threshold_s), .max = SECONDS_MAX, .unit = "s"},
    {API_F("processing_cents_per_min", AK_INT, 0),
     API_M(T, t.processing_cents_per_min), .max = 100000, .unit = "cents"},
    {API_F("wrapup_cap_s", AK_INT, 0), API_M(T, t.wrapup_cap_s),
     .max = SECONDS_MAX, .unit = "s"},
    {API_F("sms_cents", AK_INT, 0), API_M(T, t.sms_cents), .max = 100000,
     .unit = "cents"},
    {API_F("vat_bp", AK_INT, 0), API_M(T, t.vat_bp), .max = VAT_BP_MAX,
     .unit = "1/100 %"},
    {API_F("trial_hours", AK_INT, 0), API_M(T, t.trial_hours),
     .max = TRIAL_HOURS_MAX, .unit = "h"},
    {API_F("assistant_cents_per_hour", AK_INT, 0),
     API_M(T, t.assistant_cents_per_hour), .max = 1000000, .unit = "cents"},
};
#undef T

int api_billing_tenant_check(struct api_req *req)
{
	struct store_tenant *t;
	int err;

	if (!api_tenant_visible(req, req->id))
		return api_not_found(req);
	t = mem_zalloc(sizeof(*t), NULL);
	if (!t)
		return ENOMEM;
	err = store_tenant_get(req->api->st, req->id, t);
	mem_deref(t);
	if (err == ENOENT)
		return api_not_found(req);
	return err ? api_fail(req, err, "tenant: %m", err) : 0;
}

/* ---- tariffs -------------------------------------------------------------- */

/* Tariff t as a JSON object into *op. */
static int tariff_obj(struct odict **op, const struct store_tariff *t)
{
	struct odict *o = NULL;
	struct time_local lt;
	char date[16];
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	time_berlin(t->valid_from, &lt);
	re_snprintf(date, sizeof(date), "%04u-%02u-%02u", lt.year, lt.month,
		    lt.day);
	err |= api_add_int(o, "id", t->id);
	err |= api_add_id(o, "tenant_id", t->tenant_id);
	err |= api_add_str(o, "valid_from", date);
	err |= api_add_int(o, "valid_from_ms", (int64_t)t->valid_from);
	err |= api_add_int(o, "acceptance_cents", t->acceptance_cents);
	err |=
	    api_add_int(o, "acceptance_threshold_s", t->acceptance_threshold_s);
	err |= api_add_int(o, "processing_cents_per_min",
			   t->processing_cents_per_min);
	err |= api_add_int(o, "wrapup_cap_s", t->wrapup_cap_s);
	err |= api_add_int(o, "sms_cents", t->sms_cents);
	err |= api_add_int(o, "vat_bp", t->vat_bp);
	err |= api_add_int(o, "trial_hours", t->trial_hours);
	err |= api_add_int(o, "assistant_cents_per_hour",
			   t->assistant_cents_per_hour);
	err |= api_add_time(o, "created_at", t->created_at);
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

static int tariff_encode(const struct store_tariff *t, void *arg)
{
	struct odict *o = NULL;
	int err = tariff_obj(&o, t);

	if (!err)
		err = api_list_append(arg, o);
	mem_deref(o);
	return err;
}

static int tariffs_get(struct api_req *req)
{
	struct odict *o = NULL, *own = NULL, *list = NULL;
	int err;

	err = api_billing_tenant_check(req);
	if (err)
		return err;
	err = odict_alloc(&o, 4);
	if (!err)
		err = api_list_alloc(&own);
	if (!err)
		err = api_list_alloc(&list);
	if (!err)
		err = store_tariff_list(req->api->st, req->id, tariff_encode,
					own);
	if (!err)
		err = store_tariff_list(req->api->st, 0, tariff_encode, list);
	if (!err) {
		err |= api_add_int(o, "tenant_id", req->id);
		err |= odict_entry_add(o, "tariffs", ODICT_ARRAY, own);
		err |= odict_entry_add(o, "list_price", ODICT_ARRAY, list);
	}
	mem_deref(own);
	mem_deref(list);
	return api_reply_encoded(req, 200, err, o, 0);
}

static int tariff_create(struct api_req *req)
{
	struct store_tariff *v = NULL;
	const struct store_tariff *cur;
	struct odict *o = NULL;
	struct tariff_in in;
	size_t n = 0;
	int err;

	err = api_billing_tenant_check(req);
	if (!err)
		err = api_body_check(req, fields, ARRAY_SIZE(fields));
	if (err)
		return err;
	if (!api_str(req, "valid_from")) /* FF_REQUIRED: api_body_check() */
		return api_error(req, 400, "valid_from: is required");
	memset(&in, 0, sizeof(in));
	str_ncpy(in.valid_from, api_str(req, "valid_from"),
		 sizeof(in.valid_from));
	if (billing_date(in.valid_from, &in.t.valid_from))
		return api_error(req, 422,
				 "valid_from: must be a date YYYY-MM-DD");
	/* what is not given stays as the tariff valid then */
	err = billing_tariffs_load(req->api->st, req->id, &v, &n);
	if (err)
		return api_fail(req, err, "tariffs: %m", err);
	cur = billing_tariff_at(v, n, in.t.valid_from);
	if (cur)
		in.t = *cur;
	mem_deref(v);
	(void)billing_date(in.valid_from, &in.t.valid_from);
	in.t.id = 0;
	in.t.tenant_id = req->id;
	in.t.created_at = req->now;
	err = api_fields_apply(req, &in);
	if (err)
		return err;
	err = store_tariff_add(req->api->st, &in.t);
	if (err == EEXIST)
		return api_error(req, 409,
				 "valid_from: the tenant has a tariff from "
				 "%s already",
				 in.valid_from);
	if (err)
		return api_fail(req, err, "tariff: %m", err);
	info("http: tenant %lld: tariff %lld from %s\n", (long long)req->id,
	     (long long)in.t.id, in.valid_from);
	err = tariff_obj(&o, &in.t);
	return api_reply_encoded(req, 201, err, o, in.t.id);
}

/* ---- the bill ------------------------------------------------------------- */

/* "59.9833": exact units x as cents with four decimals (display). */
static void cents_exact(char *buf, size_t sz, uint64_t x)
{
	uint64_t frac = (x % BILLING_X) * 10000 / BILLING_X;

	re_snprintf(buf, sz, "%llu.%04llu", (unsigned long long)(x / BILLING_X),
		    (unsigned long long)frac);
}

/* "2026-11-30 23:59:30": the Berlin wall-clock time of ms. */
static void berlin_str(char *buf, size_t sz, uint64_t ms)
{
	struct time_local lt;

	time_berlin(ms, &lt);
	re_snprintf(buf, sz, "%04u-%02u-%02u %02u:%02u:%02u", lt.year, lt.month,
		    lt.day, lt.hour, lt.minute, lt.second);
}

static int line_obj(struct odict *arr, const struct billing_line *l)
{
	struct odict *o = NULL;
	char buf[32];
	int err;

	err = odict_alloc(&o, 24);
	if (err)
		return err;
	err |= api_add_int(o, "call_id", l->call_id);
	err |= api_add_time(o, "started_at", l->started_at);
	berlin_str(buf, sizeof(buf), l->started_at);
	err |= api_add_str(o, "started_berlin", buf);
	err |= api_add_id(o, "tariff_id", l->tariff_id);
	err |= api_add_int(o, "talk_s", l->talk_s);
	err |= api_add_int(o, "wrapup_s", l->wrapup_s);
	err |= api_add_int(o, "wrapup_counted_s", l->wrapup_counted_s);
	err |= api_add_bool(o, "trial", l->trial);
	err |= api_add_bool(o, "acceptance", l->acceptance);
	err |= api_add_str(o, "acceptance_why", l->why);
	err |= api_add_int(o, "acceptance_cents",
			   (int64_t)billing_cents(l->acceptance_x));
	err |= api_add_int(o, "processing_sixtieth_cents",
			   (int64_t)l->processing_x);
	cents_exact(buf, sizeof(buf), l->processing_x);
	err |= api_add_str(o, "processing_exact", buf);
	err |= api_add_int(o, "processing_cents",
			   (int64_t)billing_cents(l->processing_x));
	err |= api_add_int(o, "amount_sixtieth_cents", (int64_t)l->amount_x);
	err |=
	    api_add_int(o, "amount_cents", (int64_t)billing_cents(l->amount_x));
	if (!err)
		err = api_list_append(arr, o);
	mem_deref(o);
	return err;
}

static int vat_obj(struct odict *arr, const struct billing_vat_sum *g)
{
	struct odict *o = NULL;
	int err;

	err = odict_alloc(&o, 8);
	if (err)
		return err;
	err |= api_add_int(o, "vat_bp", g->vat_bp);
	err |= api_add_int(o, "net_sixtieth_cents", (int64_t)g->net_x);
	err |= api_add_int(o, "net_cents", (int64_t)g->net_cents);
	err |= api_add_int(o, "vat_cents", (int64_t)g->vat_cents);
	if (!err)
		err = api_list_append(arr, o);
	mem_deref(o);
	return err;
}

/* A call not billed yet (its agent's wrap-up runs) into arr. */
static int pending_obj(struct odict *arr, const struct billing_pending *p)
{
	struct odict *o = NULL;
	int err = odict_alloc(&o, 4);

	if (err)
		return err;
	err |= api_add_int(o, "call_id", p->call_id);
	err |= api_add_time(o, "started_at", p->started_at);
	err |= api_add_str(o, "why", "wrap-up running");
	if (!err)
		err = api_list_append(arr, o);
	mem_deref(o);
	return err ? ENOMEM : 0;
}

static int bill_json(struct api_req *req, const struct billing_bill *b,
		     const char *month)
{
	struct odict *o = NULL, *lines = NULL, *sms = NULL, *vat = NULL;
	struct odict *pend = NULL;
	size_t i;
	int err;

	err = odict_alloc(&o, 24);
	if (!err)
		err = api_list_alloc(&lines);
	if (!err)
		err = api_list_alloc(&pend);
	for (i = 0; !err && i < b->pendc; i++)
		err = pending_obj(pend, &b->pendv[i]);
	if (!err)
		err = api_list_alloc(&vat);
	if (!err)
		err = odict_alloc(&sms, 8);
	for (i = 0; !err && i < b->linec; i++)
		err = line_obj(lines, &b->linev[i]);
	for (i = 0; !err && i < b->vatc; i++)
		err = vat_obj(vat, &b->vatv[i]);
	if (err)
		goto out;
	err |= api_add_int(o, "tenant_id", b->tenant_id);
	err |= api_add_str(o, "month", month);
	err |= api_add_time(o, "from", b->from);
	err |= api_add_time(o, "until", b->until);
	err |= api_add_time(o, "tenant_created_at", b->created_at);
	err |= api_add_str(o, "rounding", rounding_rule);
	err |= odict_entry_add(o, "lines", ODICT_ARRAY, lines);
	err |= odict_entry_add(o, "pending", ODICT_ARRAY, pend);
	err |= api_add_int(o, "calls", (int64_t)b->linec);
	err |= api_add_int(o, "calls_sixtieth_cents", (int64_t)b->calls_x);
	err |=
	    api_add_int(o, "calls_cents", (int64_t)billing_cents(b->calls_x));
	err |= api_add_int(sms, "count", b->sms_count);
	err |= api_add_int(sms, "trial_count", b->sms_trial);
	err |=
	    api_add_int(sms, "amount_cents", (int64_t)billing_cents(b->sms_x));
	err |= odict_entry_add(o, "sms", ODICT_OBJECT, sms);
	err |= odict_entry_add(o, "vat", ODICT_ARRAY, vat);
	err |= api_add_int(o, "net_cents", (int64_t)b->net_cents);
	err |= api_add_int(o, "vat_cents", (int64_t)b->vat_cents);
	err |= api_add_int(o, "gross_cents", (int64_t)b->gross_cents);
	if (err)
		err = ENOMEM;
out:
	mem_deref(lines);
	mem_deref(pend);
	mem_deref(vat);
	mem_deref(sms);
	return api_reply_encoded(req, 200, err, o, 0);
}

/* The bill as CSV: ';', CRLF, a header, a row per call, then the sums
 * (kind in the first column: call, sms, vat, net, gross). */
static int bill_csv(struct api_req *req, const struct billing_bill *b,
		    const char *month)
{
	struct mbuf *mb = mbuf_alloc(4096);
	char at[32], ex[32];
	size_t i;
	int err = 0;

	if (!mb)
		return ENOMEM;
	err |= mbuf_printf(mb, "kind;call_id;started_berlin;talk_s;wrapup_s;"
			       "wrapup_counted_s;trial;acceptance;"
			       "acceptance_why;acceptance_cents;"
			       "processing_exact;processing_cents;"
			       "amount_sixtieth_cents;amount_cents\r\n");
	for (i = 0; i < b->linec; i++) {
		const struct billing_line *l = &b->linev[i];

		berlin_str(at, sizeof(at), l->started_at);
		cents_exact(ex, sizeof(ex), l->processing_x);
		err |= mbuf_printf(
		    mb,
		    "call;%lld;%s;%u;%u;%u;%s;%s;%s;%llu;%s;%llu;%llu;%llu\r\n",
		    (long long)l->call_id, at, l->talk_s, l->wrapup_s,
		    l->wrapup_counted_s, l->trial ? "yes" : "no",
		    l->acceptance ? "yes" : "no", l->why,
		    (unsigned long long)billing_cents(l->acceptance_x), ex,
		    (unsigned long long)billing_cents(l->processing_x),
		    (unsigned long long)l->amount_x,
		    (unsigned long long)billing_cents(l->amount_x));
	}
	for (i = 0; i < b->pendc; i++) {
		berlin_str(at, sizeof(at), b->pendv[i].started_at);
		err |= mbuf_printf(mb,
				   "pending;%lld;%s;;;;;;wrap-up running;;;;;"
				   "\r\n",
				   (long long)b->pendv[i].call_id, at);
	}
	err |= mbuf_printf(mb, "sms;;;;;;;;%u SMS;;;;%llu;%llu\r\n",
			   b->sms_count, (unsigned long long)b->sms_x,
			   (unsigned long long)billing_cents(b->sms_x));
	for (i = 0; i < b->vatc; i++)
		err |= mbuf_printf(mb, "vat;;;;;;;;%u.%02u %%;;;;;%llu\r\n",
				   b->vatv[i].vat_bp / 100,
				   b->vatv[i].vat_bp % 100,
				   (unsigned long long)b->vatv[i].vat_cents);
	err |= mbuf_printf(mb, "net;;;;;;;;;;;;%llu;%llu\r\n",
			   (unsigned long long)(b->calls_x + b->sms_x),
			   (unsigned long long)b->net_cents);
	err |= mbuf_printf(mb, "gross;;;;;;;;;;;;;%llu\r\n",
			   (unsigned long long)b->gross_cents);
	if (err) {
		mem_deref(mb);
		return ENOMEM;
	}
	err = api_reply_attachment(req, API_CSV, mb, "bill-%lld-%s.csv",
				   (long long)b->tenant_id, month);
	mem_deref(mb);
	return err;
}

static const struct api_param bill_params[] = {
    {"month", AP_STR, 0, 0, 0, 0},
    {"format", AP_STR, 0, 0, 0, 0},
};

int api_billing_month_query(struct api_req *req, char *month, size_t sz,
			    bool *csvp)
{
	char format[8];
	uint64_t from, until;
	int r;

	r = api_query_str(req, "month", month, sz);
	if (r == 0) { /* this month in Berlin */
		struct time_local lt;

		time_berlin(req->now, &lt);
		re_snprintf(month, sz, "%04u-%02u", lt.year, lt.month);
	}
	if (r < 0 || billing_month(month, NULL, NULL, &from, &until))
		return api_error(req, 422, "month: must be a month YYYY-MM");
	r = api_query_str(req, "format", format, sizeof(format));
	if (r < 0 || (r > 0 && strcmp(format, "json") && strcmp(format, "csv")))
		return api_error(req, 422, "format: must be json or csv");
	*csvp = r > 0 && !strcmp(format, "csv");
	return 0;
}

static int bill_get(struct api_req *req)
{
	struct billing_bill *b = NULL;
	struct api_query q;
	char month[16];
	bool csv = false;
	int err;

	err = api_billing_tenant_check(req);
	if (!err)
		err = api_query_read(req, bill_params, ARRAY_SIZE(bill_params),
				     &q);
	if (err)
		return err;
	err = api_billing_month_query(req, month, sizeof(month), &csv);
	if (err)
		return err;
	err = billing_bill_load(&b, req->api->st, req->id, month);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "bill: %m", err);
	err = csv ? bill_csv(req, b, month) : bill_json(req, b, month);
	mem_deref(b);
	return err;
}

static const struct api_action actions[] = {
    {"GET", "/:id/tariffs", tariffs_get},
    {"POST", "/:id/tariffs", tariff_create},
    {"GET", "/:id/bill", bill_get},
};

const struct api_resource api_billing = {
    .path = "/api/v1/tenants",
    .noun = "tenant",
    .label = "billing",
    API_FIELDS(fields),
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
