/*
 * rate.c - the rating of one call, and the rounding rule (billing.h):
 * amounts are exact integers of 1/60 cent until a bill's net is rounded
 * once, half up, by billing_cents(); nothing else rounds money.
 */
#include <string.h>
#include <re.h>
#include "billing/billing.h"

uint64_t billing_cents(uint64_t x)
{
	return (x + BILLING_X / 2) / BILLING_X;
}

uint64_t billing_vat(uint64_t net_cents, uint32_t vat_bp)
{
	return (net_cents * vat_bp + 5000) / 10000;
}

/* Whole seconds of ms: a started second is not billed. */
static uint32_t seconds(uint64_t ms)
{
	uint64_t s = ms / 1000;

	return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

int billing_rate(const struct store_tariff *t,
		 const struct store_billed_call *c, uint64_t trial_until,
		 struct billing_line *l)
{
	uint32_t cap;

	if (!t || !c || !l)
		return EINVAL;
	memset(l, 0, sizeof(*l));
	l->call_id = c->call_id;
	l->started_at = c->started_at;
	l->tariff_id = t->id;
	l->vat_bp = t->vat_bp;
	l->talk_s = seconds(c->talk_ms);
	l->wrapup_s = seconds(c->wrapup_ms);
	cap = t->wrapup_cap_s;
	l->wrapup_counted_s = l->wrapup_s > cap ? cap : l->wrapup_s;
	if (c->started_at < trial_until) {
		l->trial = true;
		str_ncpy(l->why, "trial", sizeof(l->why));
		return 0;
	}
	l->acceptance = l->talk_s > t->acceptance_threshold_s;
	re_snprintf(l->why, sizeof(l->why), "talk %u s: %s %u s", l->talk_s,
		    l->acceptance ? "more than" : "not more than",
		    t->acceptance_threshold_s);
	if (l->acceptance)
		l->acceptance_x = (uint64_t)t->acceptance_cents * BILLING_X;
	/* cents per minute for s seconds: cents * s / 60 cents, exactly
	 * cents * s units of 1/60 cent */
	l->processing_x = (uint64_t)t->processing_cents_per_min *
			  ((uint64_t)l->talk_s + l->wrapup_counted_s);
	l->amount_x = l->acceptance_x + l->processing_x;
	return 0;
}

/* processing_x above is cents * seconds: 1/60 cent because a minute has
 * 60 seconds */
_Static_assert(BILLING_X == 60, "the exact unit is 1/60 cent");
