/*
 * bill.c - the itemised bill of a client's month (billing.h): a line per
 * ended call answered by agents that started in the Berlin month, rated
 * with the tariff valid at its start (a call whose agent's wrap-up still
 * runs is listed as pending, not billed yet); the SMS sent in the month; the net
 * per VAT rate rounded once from the exact sum (billing_cents()), VAT and
 * gross.  billing_bill_load() reads the store; the rest is pure, so the
 * unit tests build bills from made-up calls.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "billing/billing.h"

enum { HOUR_MS = 3600000 };

static void destructor(void *arg)
{
	struct billing_bill *b = arg;

	mem_deref(b->linev);
	mem_deref(b->pendv);
}

/* Room for one more of *vp's n elements of size elem (*szp allocated):
 * 0 or ENOMEM (then *vp is unchanged). */
static int grow(void **vp, size_t *szp, size_t n, size_t elem)
{
	size_t sz;
	void *nv;

	if (n < *szp)
		return 0;
	sz = *szp ? *szp * 2 : 64;
	/* libre's mem_realloc() takes no NULL */
	nv = *vp ? mem_realloc(*vp, sz * elem) : mem_alloc(sz * elem, NULL);
	if (!nv)
		return ENOMEM;
	*vp = nv;
	*szp = sz;
	return 0;
}

int billing_bill_alloc(struct billing_bill **bp, int64_t tenant_id, unsigned y,
		       unsigned m, uint64_t created_at)
{
	struct billing_bill *b;
	char s[16];
	int err;

	if (!bp)
		return EINVAL;
	b = mem_zalloc(sizeof(*b), destructor);
	if (!b)
		return ENOMEM;
	re_snprintf(s, sizeof(s), "%04u-%02u", y, m);
	err = billing_month(s, &b->year, &b->month, &b->from, &b->until);
	if (err) {
		mem_deref(b);
		return err;
	}
	b->tenant_id = tenant_id;
	b->created_at = created_at;
	*bp = b;
	return 0;
}

/* The end of the trial by tariff t for a tenant created at created. */
static uint64_t trial_end(const struct store_tariff *t, uint64_t created)
{
	return created + (uint64_t)t->trial_hours * HOUR_MS;
}

/* The VAT group of rate bp (a new one if there is room); NULL if a
 * month has more rates than BILLING_VATS. */
static struct billing_vat_sum *vat_group(struct billing_bill *b, uint32_t bp)
{
	size_t i;

	for (i = 0; i < b->vatc; i++) {
		if (b->vatv[i].vat_bp == bp)
			return &b->vatv[i];
	}
	if (b->vatc == BILLING_VATS)
		return NULL;
	b->vatv[b->vatc].vat_bp = bp;
	return &b->vatv[b->vatc++];
}

int billing_bill_call(struct billing_bill *b, const struct store_tariff *v,
		      size_t n, const struct store_billed_call *c)
{
	const struct store_tariff *t;
	struct billing_vat_sum *g;
	struct billing_line *l;
	int err;

	if (!b || !c)
		return EINVAL;
	if (c->pending) { /* its wrap-up still runs: billed when it ended */
		err = grow((void **)&b->pendv, &b->pendsz, b->pendc,
			   sizeof(*b->pendv));
		if (err)
			return err;
		b->pendv[b->pendc].call_id = c->call_id;
		b->pendv[b->pendc++].started_at = c->started_at;
		return 0;
	}
	t = billing_tariff_at(v, n, c->started_at);
	if (!t)
		return ENOENT;
	g = vat_group(b, t->vat_bp);
	if (!g)
		return E2BIG;
	err = grow((void **)&b->linev, &b->linesz, b->linec, sizeof(*b->linev));
	if (err)
		return err;
	l = &b->linev[b->linec];
	err = billing_rate(t, c, trial_end(t, b->created_at), l);
	if (err)
		return err;
	b->linec++;
	b->calls_x += l->amount_x;
	g->net_x += l->amount_x;
	return 0;
}

int billing_bill_sms(struct billing_bill *b, const struct store_tariff *v,
		     size_t n, uint64_t sent_at)
{
	const struct store_tariff *t;
	struct billing_vat_sum *g;
	uint64_t x;

	if (!b)
		return EINVAL;
	t = billing_tariff_at(v, n, sent_at);
	if (!t)
		return ENOENT;
	if (sent_at < trial_end(t, b->created_at)) {
		b->sms_trial++;
		return 0;
	}
	g = vat_group(b, t->vat_bp);
	if (!g)
		return E2BIG;
	x = (uint64_t)t->sms_cents * BILLING_X;
	b->sms_count++;
	b->sms_x += x;
	g->net_x += x;
	return 0;
}

void billing_bill_total(struct billing_bill *b)
{
	size_t i;

	if (!b)
		return;
	b->net_cents = b->vat_cents = 0;
	for (i = 0; i < b->vatc; i++) {
		struct billing_vat_sum *g = &b->vatv[i];

		g->net_cents = billing_cents(g->net_x);
		g->vat_cents = billing_vat(g->net_cents, g->vat_bp);
		b->net_cents += g->net_cents;
		b->vat_cents += g->vat_cents;
	}
	b->gross_cents = b->net_cents + b->vat_cents;
}

/* ---- from the store ------------------------------------------------------ */

struct load {
	struct billing_bill *b;
	const struct store_tariff *v;
	size_t n;
};

static int call_add(const struct store_billed_call *c, void *arg)
{
	const struct load *ld = arg;

	return billing_bill_call(ld->b, ld->v, ld->n, c);
}

static int sms_add(uint64_t sent_at, void *arg)
{
	const struct load *ld = arg;

	return billing_bill_sms(ld->b, ld->v, ld->n, sent_at);
}

int billing_bill_load(struct billing_bill **bp, struct store *st,
		      int64_t tenant_id, const char *month)
{
	struct load ld = {NULL, NULL, 0};
	struct store_tenant *t = NULL;
	struct billing_bill *b = NULL;
	struct store_tariff *v = NULL;
	unsigned y, m;
	uint64_t from, until;
	int err;

	if (!bp || !st || tenant_id <= 0)
		return EINVAL;
	err = billing_month(month, &y, &m, &from, &until);
	if (err)
		return err;
	t = mem_zalloc(sizeof(*t), NULL);
	if (!t)
		return ENOMEM;
	err = store_tenant_get(st, tenant_id, t);
	if (!err)
		err = billing_bill_alloc(&b, tenant_id, y, m, t->created_at);
	if (!err)
		err = billing_tariffs_load(st, tenant_id, &v, &ld.n);
	ld.b = b;
	ld.v = v;
	if (!err)
		err = store_billing_calls(st, tenant_id, from, until, call_add,
					  &ld);
	if (!err)
		err =
		    store_billing_sms(st, tenant_id, from, until, sms_add, &ld);
	if (!err) {
		billing_bill_total(b);
		*bp = b;
		b = NULL;
	}
	mem_deref(b);
	mem_deref(v);
	mem_deref(t);
	return err;
}
