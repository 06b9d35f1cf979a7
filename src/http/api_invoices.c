/*
 * api_invoices.c - invoices and credit notes (issue 18; the rules are in
 * src/billing/billing.h, invoice.c):
 *
 *   POST /api/v1/tenants/:id/invoices {"month"}   issue the month's
 *        invoice (the operator's): 201; 409 invoiced already or a call
 *        still running; 422 a month not over yet (Berlin)
 *   GET  /api/v1/tenants/:id/invoices             the client's invoices
 *   GET  /api/v1/tenants/:id/billing_address      its invoice address
 *   PUT  /api/v1/tenants/:id/billing_address      set it (operator, client
 *        admin): {"name", "address" (lines), "vat_id"}
 *   GET  /api/v1/invoices/:id[?format=csv|pdf]    one, as JSON, CSV, PDF
 *   POST /api/v1/invoices/:id/credit_note {"reason"}  cancel it (operator)
 *
 * Errors as everywhere in the API (docs/api.md): a malformed body (no
 * JSON object, an unknown field, a wrong type, a required field missing,
 * a string too long) 400; a well-formed value refused (a bad month, an
 * empty reason) 422.
 *
 * Roles (roles.c): the operator; a client admin its own tenant's (another
 * tenant's invoice is 404); agents and subaccounts 403.  There is no
 * update or delete: an invoice once issued is changed only by a credit
 * note.
 */
#include <string.h>
#include "http/http_int.h"
#include "billing/billing.h"

struct invoice_in {
	char month[8];
	char reason[256];
};

#define T struct invoice_in
static const struct api_field issue_fields[] = {
    {API_F("month", AK_STR, FF_REQUIRED), API_M(T, month), .max = 7},
};
static const struct api_field credit_fields[] = {
    {API_F("reason", AK_STR, FF_REQUIRED), API_M(T, reason), .max = 255},
};
#undef T

#define A struct store_billing_address
static const struct api_field addr_fields[] = {
    {API_F("name", AK_STR, 0), API_M(A, name), .max = 127},
    {API_F("address", AK_STR, 0), API_M(A, address), .max = 511},
    {API_F("vat_id", AK_STR, 0), API_M(A, vat_id), .max = 127},
};
#undef A

/* "2026-12-01": the Berlin date of ms. */
static void berlin_date(char *buf, size_t sz, uint64_t ms)
{
	struct time_local lt;

	time_berlin(ms, &lt);
	re_snprintf(buf, sz, "%04u-%02u-%02u", lt.year, lt.month, lt.day);
}

/* The head of an invoice (no lines) into o. */
static int head_add(struct odict *o, const struct store_invoice *inv)
{
	char d[16];
	int err = 0;

	err |= api_add_int(o, "id", inv->id);
	err |= api_add_str(o, "number", inv->number);
	err |= api_add_str(o, "kind", inv->kind);
	err |= api_add_int(o, "tenant_id", inv->tenant_id);
	err |= api_add_id(o, "credits_id", inv->credits_id);
	err |= api_add_str(o, "month", inv->month);
	berlin_date(d, sizeof(d), inv->issued_at);
	err |= api_add_str(o, "issue_date", d);
	err |= api_add_time(o, "issued_at", inv->issued_at);
	berlin_date(d, sizeof(d), inv->period_from);
	err |= api_add_str(o, "period_from", d);
	berlin_date(d, sizeof(d), inv->period_until - 1);
	err |= api_add_str(o, "period_until", d);
	err |= api_add_int(o, "calls", inv->calls);
	err |= api_add_int(o, "sms", inv->sms_count);
	err |= api_add_int(o, "net_cents", inv->net_cents);
	err |= api_add_int(o, "vat_cents", inv->vat_cents);
	err |= api_add_int(o, "gross_cents", inv->gross_cents);
	return err ? ENOMEM : 0;
}

static int party_add(struct odict *o, const char *key, const char *name,
		     const char *address, const char *vat_id,
		     const char *tax_number)
{
	struct odict *p = NULL;
	int err = odict_alloc(&p, 8);

	if (err)
		return err;
	err |= api_add_str(p, "name", name);
	err |= api_add_str(p, "address", address);
	if (vat_id)
		err |= api_add_str(p, "vat_id", vat_id);
	if (tax_number)
		err |= api_add_str(p, "tax_number", tax_number);
	err |= odict_entry_add(o, key, ODICT_OBJECT, p);
	mem_deref(p);
	return err ? ENOMEM : 0;
}

static int line_add(struct odict *arr, const struct store_invoice_line *l)
{
	struct odict *o = NULL;
	int err = odict_alloc(&o, 16);

	if (err)
		return err;
	err |= api_add_int(o, "pos", l->pos);
	err |= api_add_str(o, "kind", l->kind);
	if (!strcmp(l->kind, "call")) {
		err |= api_add_int(o, "call_id", l->call_id);
		err |= api_add_time(o, "started_at", l->started_at);
		err |= api_add_int(o, "talk_s", l->talk_s);
		err |= api_add_int(o, "wrapup_s", l->wrapup_s);
		err |= api_add_int(o, "wrapup_counted_s", l->wrapup_counted_s);
		err |= api_add_bool(o, "acceptance", l->acceptance);
		err |= api_add_str(o, "acceptance_why", l->why);
	}
	else if (!strcmp(l->kind, "sms")) {
		err |= api_add_int(o, "count", l->quantity);
	}
	else {
		err |= api_add_int(o, "vat_cents", l->vat_cents);
	}
	err |= api_add_int(o, "vat_bp", l->vat_bp);
	err |= api_add_int(o, "amount_sixtieth_cents", l->amount_x);
	err |= api_add_int(o, "amount_cents", l->cents);
	if (!err)
		err = api_list_append(arr, o);
	mem_deref(o);
	return err ? ENOMEM : 0;
}

static int invoice_json(struct api_req *req, uint16_t status,
			const struct billing_invoice *bi)
{
	const struct store_invoice *inv = &bi->inv;
	struct odict *o = NULL, *lines = NULL;
	size_t i;
	int err;

	err = odict_alloc(&o, 32);
	if (!err)
		err = api_list_alloc(&lines);
	if (!err)
		err = head_add(o, inv);
	if (!err && inv->credits_id) {
		err |= api_add_str(o, "credits_number", bi->credits_number);
		err |= api_add_str(o, "reason", inv->reason);
	}
	if (!err)
		err = party_add(o, "customer", inv->customer_name,
				inv->customer_address, NULL, NULL);
	if (!err)
		err = party_add(o, "issuer", inv->issuer_name,
				inv->issuer_address, inv->issuer_vat_id,
				inv->issuer_tax_number);
	for (i = 0; !err && i < bi->linec; i++)
		err = line_add(lines, &bi->linev[i]);
	if (!err)
		err = odict_entry_add(o, "lines", ODICT_ARRAY, lines);
	mem_deref(lines);
	return api_reply_encoded(req, status, err ? ENOMEM : 0, o, inv->id);
}

/* The invoice as CSV: ';', CRLF; a row per line, then net, VAT, gross. */
static int invoice_csv(struct api_req *req, const struct billing_invoice *bi)
{
	const struct store_invoice *inv = &bi->inv;
	struct mbuf *mb = mbuf_alloc(4096);
	char d[16];
	size_t i;
	int err = 0;

	if (!mb)
		return ENOMEM;
	berlin_date(d, sizeof(d), inv->issued_at);
	err |= mbuf_printf(mb,
			   "number;kind;issue_date;month;credits\r\n"
			   "%s;%s;%s;%s;%s\r\n",
			   inv->number, inv->kind, d, inv->month,
			   bi->credits_number);
	err |=
	    mbuf_printf(mb, "kind;call_id;started_at;talk_s;"
			    "wrapup_counted_s;acceptance;count;vat_bp;"
			    "amount_sixtieth_cents;amount_cents;vat_cents\r\n");
	for (i = 0; i < bi->linec; i++) {
		const struct store_invoice_line *l = &bi->linev[i];
		char at[32] = "";

		if (l->started_at)
			time_iso(at, sizeof(at), l->started_at);
		err |= mbuf_printf(
		    mb,
		    "%s;%lld;%s;%u;%u;%s;%lld;%u;%lld;%lld;"
		    "%lld\r\n",
		    l->kind, (long long)l->call_id, at, l->talk_s,
		    l->wrapup_counted_s, l->acceptance ? "yes" : "no",
		    (long long)l->quantity, l->vat_bp, (long long)l->amount_x,
		    (long long)l->cents, (long long)l->vat_cents);
	}
	err |=
	    mbuf_printf(mb, "net;;;;;;;;;%lld;\r\n", (long long)inv->net_cents);
	err |=
	    mbuf_printf(mb, "vat;;;;;;;;;%lld;\r\n", (long long)inv->vat_cents);
	err |= mbuf_printf(mb, "gross;;;;;;;;;%lld;\r\n",
			   (long long)inv->gross_cents);
	if (!err)
		err = api_reply_attachment(req, API_CSV, mb, "%s.csv",
					   inv->number);
	mem_deref(mb);
	return err;
}

static int invoice_pdf(struct api_req *req, const struct billing_invoice *bi)
{
	struct mbuf *mb = NULL;
	int err;

	err = billing_invoice_pdf(&mb, bi);
	if (err)
		return api_fail(req, err, "invoice pdf: %m", err);
	err = api_reply_attachment(req, "application/pdf", mb, "%s.pdf",
				   bi->inv.number);
	mem_deref(mb);
	return err;
}

/* ---- /tenants/:id/... ---------------------------------------------------- */

static int invoice_issue(struct api_req *req)
{
	const struct config *cfg = req->api->cfg;
	struct billing_invoice *bi = NULL;
	struct billing_issuer is;
	char month[8];
	int err;

	err = api_billing_tenant_check(req);
	if (!err)
		err =
		    api_body_check(req, issue_fields, ARRAY_SIZE(issue_fields));
	if (err)
		return err;
	if (!api_str(req, "month")) /* FF_REQUIRED: as api_body_check() */
		return api_error(req, 400, "month: is required");
	str_ncpy(month, api_str(req, "month"), sizeof(month));
	is.name = cfg->invoice_issuer_name;
	is.address = cfg->invoice_issuer_address;
	is.vat_id = cfg->invoice_issuer_vat_id;
	is.tax_number = cfg->invoice_issuer_tax_number;
	err = billing_invoice_issue(&bi, req->api->st, req->id, month, req->now,
				    &is);
	switch (err) {
	case 0:
		break;
	case EINVAL:
		return api_error(req, 422, "month: must be a month YYYY-MM");
	case ERANGE:
		return api_error(req, 422,
				 "month: %s is not over yet (Europe/Berlin)",
				 month);
	case EBUSY:
		return api_error(req, 409,
				 "month: a call of %s is still running (or "
				 "its agent in wrap-up)",
				 month);
	case EEXIST:
		return api_error(req, 409,
				 "month: %s is invoiced already (a credit note "
				 "cancels the invoice)",
				 month);
	case ENOENT:
		return api_not_found(req);
	default:
		return api_fail(req, err, "invoice: %m", err);
	}
	req->audit_object = bi->inv.id;
	err = invoice_json(req, 201, bi);
	mem_deref(bi);
	return err;
}

static int list_encode(const struct store_invoice *inv, void *arg)
{
	struct odict *o = NULL;
	int err = odict_alloc(&o, 24);

	if (!err)
		err = head_add(o, inv);
	if (!err)
		err = api_list_append(arg, o);
	mem_deref(o);
	return err;
}

static int invoices_get(struct api_req *req)
{
	struct odict *o = NULL, *list = NULL;
	int err;

	err = api_billing_tenant_check(req);
	if (err)
		return err;
	err = odict_alloc(&o, 4);
	if (!err)
		err = api_list_alloc(&list);
	if (!err)
		err = store_invoice_list(req->api->st, req->id, list_encode,
					 list);
	if (!err) {
		err |= api_add_int(o, "tenant_id", req->id);
		err |= odict_entry_add(o, "invoices", ODICT_ARRAY, list);
	}
	mem_deref(list);
	return api_reply_encoded(req, 200, err, o, 0);
}

static int address_reply(struct api_req *req,
			 const struct store_billing_address *a)
{
	struct odict *o = NULL;
	int err = odict_alloc(&o, 8);

	if (!err) {
		err |= api_add_int(o, "tenant_id", req->id);
		err |= api_add_str(o, "name", a->name);
		err |= api_add_str(o, "address", a->address);
		err |= api_add_str(o, "vat_id", a->vat_id);
		err |= api_add_time(o, "updated_at", a->updated_at);
	}
	return api_reply_encoded(req, 200, err ? ENOMEM : 0, o, 0);
}

static int address_get(struct api_req *req)
{
	struct store_billing_address *a;
	int err;

	err = api_billing_tenant_check(req);
	if (err)
		return err;
	a = mem_zalloc(sizeof(*a), NULL);
	if (!a)
		return ENOMEM;
	err = store_billing_address_get(req->api->st, req->id, a);
	if (err == ENOENT)
		err = 0; /* none yet: all empty */
	err = err ? api_fail(req, err, "billing address: %m", err)
		  : address_reply(req, a);
	mem_deref(a);
	return err;
}

static int address_put(struct api_req *req)
{
	struct store_billing_address *a;
	int err;

	err = api_billing_tenant_check(req);
	if (!err && !req->body)
		err = api_body_decode(req);
	if (!err)
		err = api_body_check(req, addr_fields, ARRAY_SIZE(addr_fields));
	if (err)
		return err;
	a = mem_zalloc(sizeof(*a), NULL);
	if (!a)
		return ENOMEM;
	err = store_billing_address_get(req->api->st, req->id, a);
	if (err && err != ENOENT) {
		err = api_fail(req, err, "billing address: %m", err);
		goto out;
	}
	a->tenant_id = req->id;
	if (api_str(req, "name"))
		str_ncpy(a->name, api_str(req, "name"), sizeof(a->name));
	if (api_str(req, "address"))
		str_ncpy(a->address, api_str(req, "address"),
			 sizeof(a->address));
	if (api_str(req, "vat_id"))
		str_ncpy(a->vat_id, api_str(req, "vat_id"), sizeof(a->vat_id));
	a->updated_at = req->now;
	err = store_billing_address_set(req->api->st, a);
	if (err) {
		err = api_fail(req, err, "billing address: %m", err);
		goto out;
	}
	info("http: tenant %lld: billing address set (%s)\n",
	     (long long)req->id, req->token.name);
	err = address_reply(req, a);
out:
	mem_deref(a);
	return err;
}

static const struct api_action tenant_actions[] = {
    {"POST", "/:id/invoices", invoice_issue},
    {"GET", "/:id/invoices", invoices_get},
    {"GET", "/:id/billing_address", address_get},
    {"PUT", "/:id/billing_address", address_put},
};

const struct api_resource api_invoices_tenant = {
    .path = "/api/v1/tenants",
    .noun = "tenant",
    .label = "invoices",
    API_FIELDS(issue_fields),
    .actionv = tenant_actions,
    .actionc = ARRAY_SIZE(tenant_actions),
};

/* ---- /invoices/:id ------------------------------------------------------- */

/* Invoice :id as the token may see it into *bip: 0, or an errno after
 * the reply (404 for none or another tenant's). */
static int invoice_load(struct api_req *req, struct billing_invoice **bip)
{
	int err = billing_invoice_load(bip, req->api->st, req->id);

	if (err == ENOENT ||
	    (!err && !api_tenant_visible(req, (*bip)->inv.tenant_id))) {
		if (!err)
			*bip = mem_deref(*bip);
		return api_not_found(req);
	}
	if (err)
		return api_fail(req, err, "invoice: %m", err);
	req->audit_tenant = (*bip)->inv.tenant_id;
	return 0;
}

static const struct api_param get_params[] = {
    {"format", AP_STR, 0, 0, 0, 0},
};

static int invoice_get(struct api_req *req)
{
	struct billing_invoice *bi = NULL;
	struct api_query q;
	char format[8] = "json";
	int r, err;

	err = api_query_read(req, get_params, ARRAY_SIZE(get_params), &q);
	if (err)
		return err;
	r = api_query_str(req, "format", format, sizeof(format));
	if (r < 0 || (r > 0 && strcmp(format, "json") &&
		      strcmp(format, "csv") && strcmp(format, "pdf")))
		return api_error(req, 422, "format: must be json, csv or pdf");
	err = invoice_load(req, &bi);
	if (err)
		return err;
	if (!strcmp(format, "csv"))
		err = invoice_csv(req, bi);
	else if (!strcmp(format, "pdf"))
		err = invoice_pdf(req, bi);
	else
		err = invoice_json(req, 200, bi);
	mem_deref(bi);
	return err;
}

static int credit_note(struct api_req *req)
{
	struct billing_invoice *bi = NULL, *cn = NULL;
	int err;

	err = invoice_load(req, &bi);
	if (err)
		return err;
	err = api_body_check(req, credit_fields, ARRAY_SIZE(credit_fields));
	if (err)
		goto out;
	/* missing: 400 (api_body_check); empty: a value refused, 422 */
	if (!api_str(req, "reason") || !api_str(req, "reason")[0]) {
		err = api_error(req, 422, "reason: must not be empty");
		goto out;
	}
	err = billing_invoice_credit(&cn, req->api->st, req->id,
				     api_str(req, "reason"), req->now);
	if (err == EINVAL)
		err = api_error(req, 422, "id: %s is a credit note itself",
				bi->inv.number);
	else if (err == EEXIST)
		err = api_error(req, 409, "id: %s has a credit note already",
				bi->inv.number);
	else if (err)
		err = api_fail(req, err, "credit note: %m", err);
	else
		err = invoice_json(req, 201, cn);
out:
	mem_deref(cn);
	mem_deref(bi);
	return err;
}

static const struct api_action actions[] = {
    {"GET", "/:id", invoice_get},
    {"POST", "/:id/credit_note", credit_note},
};

const struct api_resource api_invoices = {
    .path = "/api/v1/invoices",
    .noun = "invoice",
    .label = "invoice",
    API_FIELDS(credit_fields),
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
