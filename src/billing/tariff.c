/*
 * tariff.c - which tariff prices a moment, and the Berlin months and days
 * bills and tariffs are given in (billing.h).  A client's own tariff
 * wins over the list price from its valid_from on; before its first
 * one (or without any) the list price applies.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "billing/billing.h"

/* The latest of v valid at t whose tenant is (own: > 0; else 0). */
static const struct store_tariff *latest(const struct store_tariff *v, size_t n,
					 uint64_t t, bool own)
{
	const struct store_tariff *best = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((v[i].tenant_id > 0) != own || v[i].valid_from > t)
			continue;
		if (!best || v[i].valid_from >= best->valid_from)
			best = &v[i];
	}
	return best;
}

const struct store_tariff *billing_tariff_at(const struct store_tariff *v,
					     size_t n, uint64_t t)
{
	const struct store_tariff *own;

	if (!v)
		return NULL;
	own = latest(v, n, t, true);
	return own ? own : latest(v, n, t, false);
}

/* n digits of s as a number into *vp; false unless all are digits. */
static bool digits(const char *s, size_t n, unsigned *vp)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*vp = v;
	return true;
}

int billing_month(const char *s, unsigned *yp, unsigned *mp, uint64_t *fromp,
		  uint64_t *untilp)
{
	unsigned y, m;

	if (!s || strlen(s) != 7 || s[4] != '-' || !digits(s, 4, &y) ||
	    !digits(s + 5, 2, &m) || y < 1970 || m < 1 || m > 12)
		return EINVAL;
	if (time_berlin_utc(y, m, 1, 0, fromp) ||
	    time_berlin_utc(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1, 0,
			    untilp))
		return EINVAL;
	if (yp)
		*yp = y;
	if (mp)
		*mp = m;
	return 0;
}

int billing_date(const char *s, uint64_t *msp)
{
	unsigned y, m, d;

	if (!s || !msp || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    !digits(s, 4, &y) || !digits(s + 5, 2, &m) ||
	    !digits(s + 8, 2, &d) || m < 1 || m > 12 || d < 1 ||
	    d > time_days_in_month(y, m))
		return EINVAL;
	return time_berlin_utc(y, m, d, 0, msp);
}

/* Tariffs being loaded. */
struct tariffs {
	struct store_tariff *v; /* (owned) */
	size_t n, sz;
};

static int tariff_add(const struct store_tariff *t, void *arg)
{
	struct tariffs *ts = arg;

	if (ts->n == ts->sz) {
		size_t sz = ts->sz ? ts->sz * 2 : 8;
		struct store_tariff *nv =
		    ts->v ? mem_realloc(ts->v, sz * sizeof(*nv))
			  : mem_alloc(sz * sizeof(*nv), NULL);

		if (!nv)
			return ENOMEM;
		ts->v = nv;
		ts->sz = sz;
	}
	ts->v[ts->n++] = *t;
	return 0;
}

int billing_tariffs_load(struct store *st, int64_t tenant_id,
			 struct store_tariff **vp, size_t *np)
{
	struct tariffs ts = {NULL, 0, 0};
	int err;

	if (!st || tenant_id <= 0 || !vp || !np)
		return EINVAL;
	err = store_tariff_list(st, tenant_id, tariff_add, &ts);
	if (!err)
		err = store_tariff_list(st, 0, tariff_add, &ts);
	if (err) {
		mem_deref(ts.v);
		return err;
	}
	*vp = ts.v;
	*np = ts.n;
	return 0;
}
