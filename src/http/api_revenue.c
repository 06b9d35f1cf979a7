/*
 * api_revenue.c - the operator's revenue report (issue 18):
 *
 *   GET /api/v1/billing/revenue?month=YYYY-MM[&format=csv]  (default:
 *       this Berlin month)
 *
 * Per client: its calls, billed seconds (talk plus counted wrap-up), SMS,
 * net, VAT and gross of the month's bill (billing_bill_load(): the bills,
 * not the invoices, so a month not invoiced yet is in it too), and the
 * totals.  The operator's only (roles.c).
 */
#include <string.h>
#include "http/http_int.h"
#include "billing/billing.h"

/* One client's row, or the totals. */
struct rev_row {
	int64_t tenant_id;
	char name[128];
	uint64_t calls, seconds, sms, net, vat, gross;
};

struct rev {
	struct rev_row *v; /* (owned) */
	size_t n, sz;
	struct rev_row total;
};

static void rev_destructor(void *arg)
{
	struct rev *r = arg;

	mem_deref(r->v);
}

static int tenant_add(const struct store_tenant *t, void *arg)
{
	struct rev *r = arg;

	if (r->n == r->sz) {
		size_t sz = r->sz ? r->sz * 2 : 16;
		struct rev_row *nv = r->v ? mem_realloc(r->v, sz * sizeof(*nv))
					  : mem_alloc(sz * sizeof(*nv), NULL);

		if (!nv)
			return ENOMEM;
		r->v = nv;
		r->sz = sz;
	}
	memset(&r->v[r->n], 0, sizeof(r->v[r->n]));
	r->v[r->n].tenant_id = t->id;
	str_ncpy(r->v[r->n].name, t->name, sizeof(r->v[r->n].name));
	r->n++;
	return 0;
}

/* The row of r from its tenant's bill of month. */
static int row_fill(struct store *st, struct rev_row *w, const char *month)
{
	struct billing_bill *b = NULL;
	size_t i;
	int err;

	err = billing_bill_load(&b, st, w->tenant_id, month);
	if (err)
		return err;
	w->calls = b->linec;
	for (i = 0; i < b->linec; i++)
		w->seconds +=
		    (uint64_t)b->linev[i].talk_s + b->linev[i].wrapup_counted_s;
	w->sms = b->sms_count;
	w->net = b->net_cents;
	w->vat = b->vat_cents;
	w->gross = b->gross_cents;
	mem_deref(b);
	return 0;
}

static void total_add(struct rev_row *t, const struct rev_row *w)
{
	t->calls += w->calls;
	t->seconds += w->seconds;
	t->sms += w->sms;
	t->net += w->net;
	t->vat += w->vat;
	t->gross += w->gross;
}

static int row_add(struct odict *o, const struct rev_row *w)
{
	int err = 0;

	err |= api_add_int(o, "calls", (int64_t)w->calls);
	err |= api_add_int(o, "billed_seconds", (int64_t)w->seconds);
	err |= api_add_int(o, "sms", (int64_t)w->sms);
	err |= api_add_int(o, "net_cents", (int64_t)w->net);
	err |= api_add_int(o, "vat_cents", (int64_t)w->vat);
	err |= api_add_int(o, "gross_cents", (int64_t)w->gross);
	return err ? ENOMEM : 0;
}

static int rev_json(struct api_req *req, const struct rev *r, const char *month)
{
	struct odict *o = NULL, *list = NULL, *tot = NULL;
	size_t i;
	int err;

	err = odict_alloc(&o, 8);
	if (!err)
		err = api_list_alloc(&list);
	if (!err)
		err = odict_alloc(&tot, 8);
	for (i = 0; !err && i < r->n; i++) {
		struct odict *c = NULL;

		err = odict_alloc(&c, 12);
		if (!err) {
			err |= api_add_int(c, "tenant_id", r->v[i].tenant_id);
			err |= api_add_str(c, "name", r->v[i].name);
			err |= row_add(c, &r->v[i]);
		}
		if (!err)
			err = api_list_append(list, c);
		mem_deref(c);
	}
	if (!err)
		err = row_add(tot, &r->total);
	if (!err) {
		err |= api_add_str(o, "month", month);
		err |= odict_entry_add(o, "clients", ODICT_ARRAY, list);
		err |= odict_entry_add(o, "total", ODICT_OBJECT, tot);
	}
	mem_deref(list);
	mem_deref(tot);
	return api_reply_encoded(req, 200, err ? ENOMEM : 0, o, 0);
}

static int rev_csv(struct api_req *req, const struct rev *r, const char *month)
{
	struct mbuf *mb = mbuf_alloc(2048);
	char hdr[128];
	size_t i;
	int err = 0;

	if (!mb)
		return ENOMEM;
	err |= mbuf_printf(mb, "tenant_id;name;calls;billed_seconds;sms;"
			       "net_cents;vat_cents;gross_cents\r\n");
	for (i = 0; i <= r->n; i++) {
		const struct rev_row *w = i < r->n ? &r->v[i] : &r->total;
		char name[140];
		size_t k;

		/* no separators or line breaks in a CSV field */
		str_ncpy(name, i < r->n ? w->name : "total", sizeof(name));
		for (k = 0; name[k]; k++)
			if (name[k] == ';' || name[k] == '\r' ||
			    name[k] == '\n' || name[k] == '"')
				name[k] = ' ';
		if (i < r->n)
			err |=
			    mbuf_printf(mb, "%lld;", (long long)w->tenant_id);
		else
			err |= mbuf_printf(mb, ";");
		err |= mbuf_printf(
		    mb, "%s;%llu;%llu;%llu;%llu;%llu;%llu\r\n", name,
		    (unsigned long long)w->calls,
		    (unsigned long long)w->seconds, (unsigned long long)w->sms,
		    (unsigned long long)w->net, (unsigned long long)w->vat,
		    (unsigned long long)w->gross);
	}
	if (!err) {
		re_snprintf(hdr, sizeof(hdr),
			    "Content-Disposition: attachment; "
			    "filename=\"revenue-%s.csv\"\r\n",
			    month);
		err = api_reply_bytes(req, "text/csv; charset=utf-8", hdr,
				      mb->buf, mb->end);
	}
	mem_deref(mb);
	return err;
}

static const struct api_param params[] = {
    {"month", AP_STR, 0, 0, 0, 0},
    {"format", AP_STR, 0, 0, 0, 0},
};

static int revenue_get(struct api_req *req)
{
	struct api_query q;
	char month[16];
	struct rev *r;
	bool csv = false;
	size_t i;
	int err;

	err = api_query_read(req, params, ARRAY_SIZE(params), &q);
	if (err)
		return err;
	err = api_billing_month_query(req, month, sizeof(month), &csv);
	if (err)
		return err;
	r = mem_zalloc(sizeof(*r), rev_destructor);
	if (!r)
		return ENOMEM;
	err = store_tenant_list(req->api->st, tenant_add, r);
	for (i = 0; !err && i < r->n; i++) {
		err = row_fill(req->api->st, &r->v[i], month);
		total_add(&r->total, &r->v[i]);
	}
	if (err)
		err = api_fail(req, err, "revenue: %m", err);
	else
		err = csv ? rev_csv(req, r, month) : rev_json(req, r, month);
	mem_deref(r);
	return err;
}

static const struct api_action actions[] = {
    {"GET", "/revenue", revenue_get},
};

const struct api_resource api_revenue = {
    .path = "/api/v1/billing",
    .noun = "billing",
    .label = "revenue",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
