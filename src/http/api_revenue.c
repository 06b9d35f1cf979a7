/*
 * api_revenue.c - the operator's revenue report (issue 18):
 *
 *   GET /api/v1/billing/revenue?month=YYYY-MM[&format=csv]  (default:
 *       this Berlin month)
 *
 * Per client: its calls, billed seconds (talk plus counted wrap-up), SMS,
 * net, VAT and gross of the month's bill (billing_bill_load(): the bills,
 * not the invoices, so a month not invoiced yet is in it too), and the
 * totals.  A client deleted since keeps its invoice (the law keeps
 * invoices, store/sqlite_tenant_data.c): its row is that invoice's, not
 * credited, of the month, under the name it was invoiced to.  The
 * operator's only (roles.c).
 */
#include <string.h>
#include "http/http_int.h"
#include "billing/billing.h"

/* One client's row, or the totals. */
struct rev_row {
	int64_t tenant_id;
	int64_t invoice_id; /* a deleted client's: its invoice, else 0 */
	char name[128];
	uint64_t calls, seconds, sms, net, vat, gross;
};

struct rev {
	struct rev_row *v; /* (owned) */
	size_t n, sz;
	struct rev_row total;
	size_t live;       /* v[0..live-1] are the clients in the store */
	const char *month; /* of the report */
};

static void rev_destructor(void *arg)
{
	struct rev *r = arg;

	mem_deref(r->v);
}

/* A new zeroed row at the end of r; NULL on ENOMEM. */
static struct rev_row *row_new(struct rev *r)
{
	if (r->n == r->sz) {
		size_t sz = r->sz ? r->sz * 2 : 16;
		struct rev_row *nv = r->v ? mem_realloc(r->v, sz * sizeof(*nv))
					  : mem_alloc(sz * sizeof(*nv), NULL);

		if (!nv)
			return NULL;
		r->v = nv;
		r->sz = sz;
	}
	memset(&r->v[r->n], 0, sizeof(r->v[r->n]));
	return &r->v[r->n++];
}

static int tenant_add(const struct store_tenant *t, void *arg)
{
	struct rev *r = arg;
	struct rev_row *w = row_new(r);

	if (!w)
		return ENOMEM;
	w->tenant_id = t->id;
	str_ncpy(w->name, t->name, sizeof(w->name));
	r->live = r->n;
	return 0;
}

static bool live(const struct rev *r, int64_t tenant_id)
{
	size_t i;

	for (i = 0; i < r->live; i++) {
		if (r->v[i].tenant_id == tenant_id)
			return true;
	}
	return false;
}

/* An invoice (by number) of a client deleted since: its month's invoice
 * is its row; a credit note cancels the row of the invoice it credits
 * (a later invoice of the month, re-issued, is the row then). */
static int invoice_add(const struct store_invoice *inv, void *arg)
{
	struct rev *r = arg;
	struct rev_row *w;
	size_t i;

	if (strcmp(inv->month, r->month) || live(r, inv->tenant_id))
		return 0;
	if (inv->credits_id) {
		for (i = r->live; i < r->n; i++) {
			if (r->v[i].invoice_id == inv->credits_id)
				r->v[i].invoice_id = -1; /* cancelled */
		}
		return 0;
	}
	w = row_new(r);
	if (!w)
		return ENOMEM;
	w->tenant_id = inv->tenant_id;
	w->invoice_id = inv->id;
	str_ncpy(w->name, inv->customer_name, sizeof(w->name));
	w->calls = (uint64_t)inv->calls;
	w->sms = (uint64_t)inv->sms_count;
	w->net = (uint64_t)inv->net_cents;
	w->vat = (uint64_t)inv->vat_cents;
	w->gross = (uint64_t)inv->gross_cents;
	return 0;
}

/* The billed seconds of w's invoice (its call lines). */
static int invoice_seconds(struct store *st, struct rev_row *w)
{
	struct billing_invoice *bi = NULL;
	size_t i;
	int err;

	err = billing_invoice_load(&bi, st, w->invoice_id);
	if (err)
		return err;
	for (i = 0; i < bi->linec; i++) {
		const struct store_invoice_line *l = &bi->linev[i];

		if (!strcmp(l->kind, "call"))
			w->seconds += (uint64_t)l->talk_s + l->wrapup_counted_s;
	}
	mem_deref(bi);
	return 0;
}

/* The rows of deleted clients: appended after the live ones, the
 * cancelled ones dropped. */
static int deleted_add(struct store *st, struct rev *r)
{
	size_t i, n;
	int err;

	err = store_invoice_list(st, 0, invoice_add, r);
	for (i = n = r->live; !err && i < r->n; i++) {
		if (r->v[i].invoice_id < 0)
			continue;
		r->v[n] = r->v[i];
		err = invoice_seconds(st, &r->v[n++]);
	}
	if (!err)
		r->n = n;
	return err;
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
	if (!err)
		err = api_reply_attachment(req, API_CSV, mb, "revenue-%s.csv",
					   month);
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
	r->month = month;
	err = store_tenant_list(req->api->st, tenant_add, r);
	for (i = 0; !err && i < r->n; i++)
		err = row_fill(req->api->st, &r->v[i], month);
	if (!err)
		err = deleted_add(req->api->st, r);
	for (i = 0; !err && i < r->n; i++)
		total_add(&r->total, &r->v[i]);
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
