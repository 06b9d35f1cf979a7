/*
 * invoice.c - issuing invoices and credit notes (billing.h, issue 18):
 * an invoice is the itemised bill of a client's month (bill.c, the one
 * way money is computed) frozen into rows with a number of the
 * installation's gapless sequence (the store allocates it in the
 * transaction of the rows); a credit note copies an invoice with every
 * amount negated.  Neither is ever changed.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "billing/billing.h"

static void destructor(void *arg)
{
	struct billing_invoice *bi = arg;

	mem_deref(bi->linev);
}

static int invoice_alloc(struct billing_invoice **bip)
{
	struct billing_invoice *bi;

	bi = mem_zalloc(sizeof(*bi), destructor);
	if (!bi)
		return ENOMEM;
	*bip = bi;
	return 0;
}

/* Room for one more line; the new line (zeroed) or NULL on ENOMEM. */
static struct store_invoice_line *line_new(struct billing_invoice *bi)
{
	struct store_invoice_line *l;

	if (bi->linec == bi->linesz) {
		size_t sz = bi->linesz ? bi->linesz * 2 : 32;
		/* libre's mem_realloc() takes no NULL */
		struct store_invoice_line *nv =
		    bi->linev ? mem_realloc(bi->linev, sz * sizeof(*nv))
			      : mem_alloc(sz * sizeof(*nv), NULL);

		if (!nv)
			return NULL;
		bi->linev = nv;
		bi->linesz = sz;
	}
	l = &bi->linev[bi->linec++];
	memset(l, 0, sizeof(*l));
	l->pos = (int64_t)bi->linec;
	return l;
}

/* The lines of bill b into bi: each call, the SMS, the net per rate. */
static int lines_from_bill(struct billing_invoice *bi,
			   const struct billing_bill *b)
{
	struct store_invoice_line *l;
	size_t i;

	for (i = 0; i < b->linec; i++) {
		const struct billing_line *bl = &b->linev[i];

		l = line_new(bi);
		if (!l)
			return ENOMEM;
		str_ncpy(l->kind, "call", sizeof(l->kind));
		l->call_id = bl->call_id;
		l->started_at = bl->started_at;
		l->talk_s = bl->talk_s;
		l->wrapup_s = bl->wrapup_s;
		l->wrapup_counted_s = bl->wrapup_counted_s;
		l->acceptance = bl->acceptance;
		str_ncpy(l->why, bl->why, sizeof(l->why));
		l->quantity = 1;
		l->vat_bp = bl->vat_bp;
		l->amount_x = (int64_t)bl->amount_x;
		l->cents = (int64_t)billing_cents(bl->amount_x);
	}
	l = line_new(bi);
	if (!l)
		return ENOMEM;
	str_ncpy(l->kind, "sms", sizeof(l->kind));
	str_ncpy(l->why, "SMS", sizeof(l->why));
	l->quantity = b->sms_count;
	l->vat_bp = b->vatc == 1 ? b->vatv[0].vat_bp : 0;
	l->amount_x = (int64_t)b->sms_x;
	l->cents = (int64_t)billing_cents(b->sms_x);
	for (i = 0; i < b->vatc; i++) {
		l = line_new(bi);
		if (!l)
			return ENOMEM;
		str_ncpy(l->kind, "vat", sizeof(l->kind));
		l->vat_bp = b->vatv[i].vat_bp;
		l->amount_x = (int64_t)b->vatv[i].net_x;
		l->cents = (int64_t)b->vatv[i].net_cents;
		l->vat_cents = (int64_t)b->vatv[i].vat_cents;
	}
	return 0;
}

/* The customer of tenant_id: its billing address, else its name. */
static int customer(struct store *st, int64_t tenant_id,
		    struct store_invoice *inv)
{
	struct store_billing_address *a;
	struct store_tenant *t;
	int err;

	a = mem_zalloc(sizeof(*a), NULL);
	t = mem_zalloc(sizeof(*t), NULL);
	if (!a || !t) {
		err = ENOMEM;
		goto out;
	}
	err = store_tenant_get(st, tenant_id, t);
	if (err)
		goto out;
	str_ncpy(inv->customer_name, t->name, sizeof(inv->customer_name));
	err = store_billing_address_get(st, tenant_id, a);
	if (err == ENOENT) {
		err = 0;
		goto out;
	}
	if (err)
		goto out;
	if (a->name[0])
		str_ncpy(inv->customer_name, a->name,
			 sizeof(inv->customer_name));
	str_ncpy(inv->customer_address, a->address,
		 sizeof(inv->customer_address));
out:
	mem_deref(a);
	mem_deref(t);
	return err;
}

/* "RE-2026-": the number's prefix in the Berlin year of now. */
static void prefix(char *buf, size_t sz, uint64_t now)
{
	struct time_local lt;

	time_berlin(now, &lt);
	re_snprintf(buf, sz, "RE-%04u-", lt.year);
}

int billing_invoice_issue(struct billing_invoice **ip, struct store *st,
			  int64_t tenant_id, const char *month, uint64_t now,
			  const struct billing_issuer *is)
{
	struct billing_invoice *bi = NULL;
	struct billing_bill *b = NULL;
	struct store_invoice *inv;
	uint64_t from, until;
	int64_t running = 0;
	char pfx[16];
	int err;

	if (!ip || !st || !is || tenant_id <= 0)
		return EINVAL;
	err = billing_month(month, NULL, NULL, &from, &until);
	if (err)
		return err;
	if (now < until)
		return ERANGE;
	err = store_billing_running(st, tenant_id, from, until, &running);
	if (err)
		return err;
	if (running)
		return EBUSY;
	err = billing_bill_load(&b, st, tenant_id, month);
	if (!err && b->pendc) /* an agent still in wrap-up after a call */
		err = EBUSY;
	if (!err)
		err = invoice_alloc(&bi);
	if (err)
		goto out;
	inv = &bi->inv;
	inv->tenant_id = tenant_id;
	str_ncpy(inv->kind, "invoice", sizeof(inv->kind));
	str_ncpy(inv->month, month, sizeof(inv->month));
	inv->period_from = from;
	inv->period_until = until;
	inv->issued_at = now;
	str_ncpy(inv->issuer_name, is->name ? is->name : "",
		 sizeof(inv->issuer_name));
	str_ncpy(inv->issuer_address, is->address ? is->address : "",
		 sizeof(inv->issuer_address));
	str_ncpy(inv->issuer_vat_id, is->vat_id ? is->vat_id : "",
		 sizeof(inv->issuer_vat_id));
	str_ncpy(inv->issuer_tax_number, is->tax_number ? is->tax_number : "",
		 sizeof(inv->issuer_tax_number));
	inv->calls = (int64_t)b->linec;
	inv->sms_count = b->sms_count;
	inv->net_cents = (int64_t)b->net_cents;
	inv->vat_cents = (int64_t)b->vat_cents;
	inv->gross_cents = (int64_t)b->gross_cents;
	err = customer(st, tenant_id, inv);
	if (!err)
		err = lines_from_bill(bi, b);
	if (err)
		goto out;
	prefix(pfx, sizeof(pfx), now);
	err = store_invoice_issue(st, inv, pfx, bi->linev, bi->linec);
	if (err)
		goto out;
	info("billing: tenant %lld: invoice %s for %s\n", (long long)tenant_id,
	     inv->number, month);
	*ip = bi;
	bi = NULL;
out:
	mem_deref(b);
	mem_deref(bi);
	return err;
}

static int line_load(const struct store_invoice_line *l, void *arg)
{
	struct store_invoice_line *nl = line_new(arg);

	if (!nl)
		return ENOMEM;
	*nl = *l;
	return 0;
}

/* The number of the invoice credit note bi cancels. */
static int credits_number(struct store *st, struct billing_invoice *bi)
{
	struct store_invoice *o = mem_zalloc(sizeof(*o), NULL);
	int err;

	if (!o)
		return ENOMEM;
	err = store_invoice_get(st, bi->inv.credits_id, o);
	if (!err)
		str_ncpy(bi->credits_number, o->number,
			 sizeof(bi->credits_number));
	mem_deref(o);
	return err;
}

int billing_invoice_load(struct billing_invoice **ip, struct store *st,
			 int64_t id)
{
	struct billing_invoice *bi = NULL;
	int err;

	if (!ip || !st || id <= 0)
		return EINVAL;
	err = invoice_alloc(&bi);
	if (!err)
		err = store_invoice_get(st, id, &bi->inv);
	if (!err)
		err = store_invoice_lines(st, id, line_load, bi);
	if (!err && bi->inv.credits_id)
		err = credits_number(st, bi);
	if (err) {
		mem_deref(bi);
		return err;
	}
	*ip = bi;
	return 0;
}

int billing_invoice_credit(struct billing_invoice **ip, struct store *st,
			   int64_t id, const char *reason, uint64_t now)
{
	struct billing_invoice *bi = NULL;
	struct store_invoice *inv;
	char pfx[16];
	size_t i;
	int err;

	if (!ip || !st || !reason)
		return EINVAL;
	err = billing_invoice_load(&bi, st, id);
	if (err)
		return err;
	inv = &bi->inv;
	if (strcmp(inv->kind, "invoice")) {
		err = EINVAL;
		goto out;
	}
	/* the same invoice, every amount negated */
	str_ncpy(bi->credits_number, inv->number, sizeof(bi->credits_number));
	str_ncpy(inv->kind, "credit_note", sizeof(inv->kind));
	inv->credits_id = inv->id;
	str_ncpy(inv->reason, reason, sizeof(inv->reason));
	inv->issued_at = now;
	inv->net_cents = -inv->net_cents;
	inv->vat_cents = -inv->vat_cents;
	inv->gross_cents = -inv->gross_cents;
	for (i = 0; i < bi->linec; i++) {
		bi->linev[i].amount_x = -bi->linev[i].amount_x;
		bi->linev[i].cents = -bi->linev[i].cents;
		bi->linev[i].vat_cents = -bi->linev[i].vat_cents;
	}
	prefix(pfx, sizeof(pfx), now);
	err = store_invoice_issue(st, inv, pfx, bi->linev, bi->linec);
	if (err)
		goto out;
	info("billing: tenant %lld: credit note %s\n",
	     (long long)inv->tenant_id, inv->number);
	*ip = bi;
	bi = NULL;
out:
	mem_deref(bi);
	return err;
}

void billing_eur(char *buf, size_t sz, int64_t cents)
{
	uint64_t a = cents < 0 ? (uint64_t)(-(cents + 1)) + 1 : (uint64_t)cents;
	uint64_t e = a / 100;
	char grp[32];
	size_t n = 0, len, i;
	char tmp[32];

	re_snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)e);
	len = strlen(tmp);
	for (i = 0; i < len && n < sizeof(grp) - 1; i++) {
		if (i && (len - i) % 3 == 0)
			grp[n++] = '.';
		grp[n++] = tmp[i];
	}
	grp[n] = '\0';
	re_snprintf(buf, sz, "%s%s,%02llu \xe2\x82\xac", cents < 0 ? "-" : "",
		    grp, (unsigned long long)(a % 100));
}
