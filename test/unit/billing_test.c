/*
 * billing_test.c - the rules of src/billing/ without a store (billing.h):
 * the acceptance fee at 15 s and 16 s, the wrap-up cap at 119/120/121 s,
 * a per-second amount (61 s: 59 * 61 / 60 = 59.9833 cents), the one
 * rounding (half up, once per bill), VAT, the Berlin month (summer time
 * and the year's end), the tariff valid at a call's start (a change in
 * the middle of a month), a trial that converts, and a month of 1000
 * pseudo-random calls whose total is the sum of its exact lines, to the
 * cent.  Expected figures are worked out by hand in the comments.
 */
#include <re.h>
#include "billing/billing.h"
#include "test.h"

enum { SEC = 1000, MIN = 60 * SEC, HOUR = 60 * MIN };

/* 2026-11-02 10:00 Berlin (CET) = 09:00 UTC */
#define NOV2 1793610000000ULL

/* The list price of seeds/002 and /001. */
static const struct store_tariff list = {
    .id = 1,
    .tenant_id = 0,
    .valid_from = 0,
    .acceptance_cents = 59,
    .acceptance_threshold_s = 15,
    .processing_cents_per_min = 59,
    .wrapup_cap_s = 120,
    .sms_cents = 10,
    .vat_bp = 1900,
    .trial_hours = 48,
};

static int rate(uint64_t talk_ms, uint64_t wrapup_ms, struct billing_line *l)
{
	struct store_billed_call c = {7, NOV2, talk_ms, wrapup_ms, false};

	return billing_rate(&list, &c, 0, l);
}

int test_billing_rate(void)
{
	struct billing_line l;
	int err = 0;

	TEST_EQ_INT(billing_rate(NULL, NULL, 0, &l), EINVAL);
	/* exactly 15 s is not more than 15 s: no fee; 15 * 59 = 885/60 c */
	TEST_EQ_INT(rate(15 * SEC, 0, &l), 0);
	TEST_EQ_INT(l.talk_s, 15);
	TEST_ASSERT(!l.acceptance);
	TEST_EQ_STR(l.why, "talk 15 s: not more than 15 s");
	TEST_EQ_INT(l.acceptance_x, 0);
	TEST_EQ_INT(l.processing_x, 885);
	TEST_EQ_INT(l.amount_x, 885);
	TEST_EQ_INT(billing_cents(l.amount_x), 15); /* 14.75 */
	/* 15.999 s is 15 whole seconds: still no fee */
	TEST_EQ_INT(rate(15 * SEC + 999, 0, &l), 0);
	TEST_EQ_INT(l.talk_s, 15);
	TEST_ASSERT(!l.acceptance);
	/* 16 s: the fee, 59 c = 3540/60; 16 * 59 = 944 */
	TEST_EQ_INT(rate(16 * SEC, 0, &l), 0);
	TEST_ASSERT(l.acceptance);
	TEST_EQ_STR(l.why, "talk 16 s: more than 15 s");
	TEST_EQ_INT(l.acceptance_x, 3540);
	TEST_EQ_INT(l.processing_x, 944);
	TEST_EQ_INT(l.amount_x, 4484);
	TEST_EQ_INT(billing_cents(l.amount_x), 75); /* 74.73 */
	/* 61 s, per second: 59 * 61 / 60 = 59.9833 c; with the fee
	 * 118.9833 c */
	TEST_EQ_INT(rate(61 * SEC, 0, &l), 0);
	TEST_EQ_INT(l.processing_x, 3599);
	TEST_EQ_INT(billing_cents(l.processing_x), 60);
	TEST_EQ_INT(l.amount_x, 7139);
	TEST_EQ_INT(billing_cents(l.amount_x), 119);
	/* wrap-up: 119 and 120 s count whole, 121 s counts 120 */
	TEST_EQ_INT(rate(20 * SEC, 119 * SEC, &l), 0);
	TEST_EQ_INT(l.wrapup_s, 119);
	TEST_EQ_INT(l.wrapup_counted_s, 119);
	TEST_EQ_INT(l.processing_x, 59 * 139);
	TEST_EQ_INT(rate(20 * SEC, 120 * SEC, &l), 0);
	TEST_EQ_INT(l.wrapup_counted_s, 120);
	TEST_EQ_INT(l.processing_x, 59 * 140);
	TEST_EQ_INT(rate(20 * SEC, 121 * SEC, &l), 0);
	TEST_EQ_INT(l.wrapup_s, 121);
	TEST_EQ_INT(l.wrapup_counted_s, 120);
	TEST_EQ_INT(l.processing_x, 59 * 140);
	/* from second 0: a 0 s call with wrap-up still pays its wrap-up */
	TEST_EQ_INT(rate(0, 30 * SEC, &l), 0);
	TEST_EQ_INT(l.processing_x, 59 * 30);
	TEST_ASSERT(!l.acceptance);
out:
	return err;
}

int test_billing_round(void)
{
	int err = 0;

	/* half up: 29/60 c is 0, 30/60 c is 1, 89/60 is 1, 90/60 is 2 */
	TEST_EQ_INT(billing_cents(0), 0);
	TEST_EQ_INT(billing_cents(29), 0);
	TEST_EQ_INT(billing_cents(30), 1);
	TEST_EQ_INT(billing_cents(89), 1);
	TEST_EQ_INT(billing_cents(90), 2);
	/* VAT 19 %: 10.00 -> 1.90; 0.05 -> 0.0095 -> 0.01; 0.02 -> 0 */
	TEST_EQ_INT(billing_vat(1000, 1900), 190);
	TEST_EQ_INT(billing_vat(5, 1900), 1);
	TEST_EQ_INT(billing_vat(2, 1900), 0);
	/* 2.50 * 19 % = 0.475 -> 0.48 (half up) */
	TEST_EQ_INT(billing_vat(250, 1900), 48);
out:
	return err;
}

int test_billing_month(void)
{
	uint64_t from = 0, until = 0, d = 0;
	unsigned y = 0, m = 0;
	int err = 0;

	/* November 2026: 2026-10-31T23:00Z (CET) to 2026-11-30T23:00Z */
	TEST_EQ_INT(billing_month("2026-11", &y, &m, &from, &until), 0);
	TEST_EQ_INT(y, 2026);
	TEST_EQ_INT(m, 11);
	TEST_EQ_INT(from, 1793487600000ULL);
	TEST_EQ_INT(until, 1796079600000ULL);
	/* October: starts in summer time (22:00Z), ends in winter time */
	TEST_EQ_INT(billing_month("2026-10", NULL, NULL, &from, &until), 0);
	TEST_EQ_INT(from, 1790805600000ULL);
	TEST_EQ_INT(until, 1793487600000ULL);
	/* December ends at the new year in Berlin: 2026-12-31T23:00Z */
	TEST_EQ_INT(billing_month("2026-12", NULL, NULL, &from, &until), 0);
	TEST_EQ_INT(until, 1798758000000ULL);
	TEST_EQ_INT(billing_month("2026-13", NULL, NULL, &from, &until),
		    EINVAL);
	TEST_EQ_INT(billing_month("2026-00", NULL, NULL, &from, &until),
		    EINVAL);
	TEST_EQ_INT(billing_month("2026-1", NULL, NULL, &from, &until), EINVAL);
	TEST_EQ_INT(billing_month("2026/11", NULL, NULL, &from, &until),
		    EINVAL);
	TEST_EQ_INT(billing_month("1969-12", NULL, NULL, &from, &until),
		    EINVAL);
	TEST_EQ_INT(billing_month("2026-11x", NULL, NULL, &from, &until),
		    EINVAL);
	TEST_EQ_INT(billing_month(NULL, NULL, NULL, &from, &until), EINVAL);
	/* a date: 00:00 Berlin */
	TEST_EQ_INT(billing_date("2026-11-15", &d), 0);
	TEST_EQ_INT(d, 1794697200000ULL);
	TEST_EQ_INT(billing_date("2026-02-29", &d), EINVAL);
	TEST_EQ_INT(billing_date("2026-11-1", &d), EINVAL);
out:
	return err;
}

/* A call whose agent is still in wrap-up is pending: listed apart, in
 * no sum, not a line of 0 s wrap-up (billing.h). */
int test_billing_pending(void)
{
	struct billing_bill *b = NULL;
	struct store_billed_call done = {1, NOV2, 61 * SEC, 30 * SEC, false};
	struct store_billed_call busy = {2, NOV2 + SEC, 16 * SEC, 0, true};
	int err = 0;

	TEST_EQ_INT(billing_bill_alloc(&b, 5, 2026, 11, 0), 0);
	TEST_EQ_INT(billing_bill_call(b, &list, 1, &done), 0);
	TEST_EQ_INT(billing_bill_call(b, &list, 1, &busy), 0);
	billing_bill_total(b);
	TEST_EQ_INT(b->linec, 1);
	TEST_EQ_INT(b->linev[0].call_id, 1);
	TEST_EQ_INT(b->pendc, 1);
	TEST_EQ_INT(b->pendv[0].call_id, 2);
	TEST_EQ_INT(b->pendv[0].started_at, NOV2 + SEC);
	/* 59 * 60 + 59 * 91 = 8909 / 60 = 148.48 -> 148 */
	TEST_EQ_INT(b->calls_x, 8909);
	TEST_EQ_INT(b->net_cents, 148);
out:
	mem_deref(b);
	return err;
}

int test_billing_tariff_change(void)
{
	struct store_tariff v[3];
	struct billing_bill *b = NULL;
	uint64_t mid = 1794697200000ULL; /* 2026-11-15 00:00 Berlin */
	struct store_billed_call c1 = {1, mid - SEC, 61 * SEC, 0, false};
	struct store_billed_call c2 = {2, mid, 61 * SEC, 0, false};
	int err = 0;

	v[0] = list;
	v[1] = list; /* the client's own from Nov 15: 100 c/min, no fee */
	v[1].id = 2;
	v[1].tenant_id = 5;
	v[1].valid_from = mid;
	v[1].processing_cents_per_min = 100;
	v[1].acceptance_cents = 0;
	v[2] = list; /* a later list price does not touch the client */
	v[2].id = 3;
	v[2].valid_from = mid - HOUR;
	v[2].processing_cents_per_min = 1;
	TEST_ASSERT(billing_tariff_at(v, 3, mid - 2 * HOUR) == &v[0]);
	TEST_ASSERT(billing_tariff_at(v, 3, mid - SEC) == &v[2]);
	TEST_ASSERT(billing_tariff_at(v, 3, mid) == &v[1]);
	TEST_ASSERT(billing_tariff_at(v, 1, mid) == &v[0]);
	TEST_ASSERT(billing_tariff_at(NULL, 0, mid) == NULL);

	v[2].valid_from = mid + HOUR; /* now after the client's: unused */
	TEST_EQ_INT(billing_bill_alloc(&b, 5, 2026, 11, 0), 0);
	/* 23:59:59 the day before: the old (list) price, 7139/60 c */
	TEST_EQ_INT(billing_bill_call(b, v, 3, &c1), 0);
	/* from 00:00: 100 c/min for 61 s = 101.6667 c, fee 0 */
	TEST_EQ_INT(billing_bill_call(b, v, 3, &c2), 0);
	TEST_EQ_INT(b->linec, 2);
	TEST_EQ_INT(b->linev[0].tariff_id, 1);
	TEST_EQ_INT(b->linev[0].amount_x, 7139);
	TEST_EQ_INT(b->linev[1].tariff_id, 2);
	TEST_EQ_INT(b->linev[1].amount_x, 6100);
	billing_bill_total(b);
	/* (7139 + 6100) / 60 = 220.65 -> 221; VAT 41.99 -> 42 */
	TEST_EQ_INT(b->net_cents, 221);
	TEST_EQ_INT(b->vat_cents, 42);
	TEST_EQ_INT(b->gross_cents, 263);
out:
	mem_deref(b);
	return err;
}

int test_billing_trial(void)
{
	struct billing_bill *b = NULL;
	/* created 2026-11-10 12:00 Berlin (11:00Z): free until Nov 12
	 * 12:00 Berlin */
	uint64_t created = 1794308400000ULL;
	uint64_t end = created + 48ULL * HOUR;
	struct store_billed_call in = {1, end - SEC, 61 * SEC, 0, false};
	struct store_billed_call after = {2, end, 61 * SEC, 0, false};
	int err = 0;

	TEST_EQ_INT(billing_bill_alloc(&b, 5, 2026, 11, created), 0);
	TEST_EQ_INT(billing_bill_call(b, &list, 1, &in), 0);
	TEST_EQ_INT(billing_bill_call(b, &list, 1, &after), 0);
	TEST_EQ_INT(billing_bill_sms(b, &list, 1, created + HOUR), 0);
	TEST_EQ_INT(billing_bill_sms(b, &list, 1, end), 0);
	billing_bill_total(b);
	/* the trial's call: listed, 0, "trial"; its talk still shown */
	TEST_ASSERT(b->linev[0].trial);
	TEST_EQ_STR(b->linev[0].why, "trial");
	TEST_EQ_INT(b->linev[0].talk_s, 61);
	TEST_EQ_INT(b->linev[0].amount_x, 0);
	/* it converted by itself: the next one is charged */
	TEST_ASSERT(!b->linev[1].trial);
	TEST_EQ_INT(b->linev[1].amount_x, 7139);
	TEST_EQ_INT(b->sms_trial, 1);
	TEST_EQ_INT(b->sms_count, 1);
	/* (7139 + 600) / 60 = 128.98 -> 129; VAT 24.51 -> 25 */
	TEST_EQ_INT(b->net_cents, 129);
	TEST_EQ_INT(b->vat_cents, 25);
	TEST_EQ_INT(b->gross_cents, 154);
out:
	mem_deref(b);
	return err;
}

/* A month of calls: the net is the sum of the exact lines rounded once,
 * computed here by the rule written out, independently of bill.c. */
int test_billing_month_sum(void)
{
	struct billing_bill *b = NULL;
	uint64_t seed = 20261101, x = 0, shown = 0, want_net;
	size_t i;
	int err = 0;

	TEST_EQ_INT(billing_bill_alloc(&b, 5, 2026, 11, 0), 0);
	for (i = 0; i < 1000; i++) {
		struct store_billed_call c;
		uint64_t talk, wrap, s;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		talk = (seed >> 33) % (900 * SEC);
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		wrap = (seed >> 33) % (300 * SEC);
		c.call_id = (int64_t)i + 1;
		c.started_at = NOV2 + i * MIN;
		c.talk_ms = talk;
		c.wrapup_ms = wrap;
		c.pending = false;
		TEST_EQ_INT(billing_bill_call(b, &list, 1, &c), 0);
		s = talk / SEC + (wrap / SEC > 120 ? 120 : wrap / SEC);
		x += (talk / SEC > 15 ? 59 * 60 : 0) + 59 * s;
		shown += billing_cents(b->linev[i].amount_x);
	}
	billing_bill_total(b);
	TEST_EQ_INT(b->linec, 1000);
	TEST_EQ_INT(b->calls_x, x);
	want_net = (x + 30) / 60;
	TEST_EQ_INT(b->net_cents, want_net);
	TEST_EQ_INT(b->vat_cents, (want_net * 1900 + 5000) / 10000);
	TEST_EQ_INT(b->gross_cents, b->net_cents + b->vat_cents);
	/* the rule's point: rounding each shown line drifts (here by more
	 * than a cent), the net of the exact lines does not */
	TEST_ASSERT(shown != want_net);
out:
	mem_deref(b);
	return err;
}
