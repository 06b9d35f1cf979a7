/*
 * oncall.c - who is on duty for a client at a moment (Bereitschaft,
 * Notdienst: the doctor on call at night), as on-call systems such as
 * PagerDuty and Opsgenie answer it: a rotation layer with overrides on
 * top.  No clock of its own: the caller passes the moment.
 *
 *   handoffs (Berlin wall clock, every rotation_days days from
 *   start_date: daily, weekly, every two weeks, ...):
 *
 *     H(0)          H(1)          H(2)          H(3)
 *     |--member 0---|--member 1---|--member 2---|--member 0-- ...
 *                        [override: X]
 *
 *   at t: an override running at t wins (source "override", from/until
 *   its own times); else the turn k with H(k) <= t < H(k+1) (source
 *   "rotation"), from/until cut by the overrides ending/starting inside
 *   that turn; before H(0) nobody ("none").
 *
 * H(k) is computed in Berlin local time for each k (the date start_date
 * + k * rotation_days), not as H(0) plus k periods of milliseconds, so a
 * handoff at 08:00 stays at 08:00 across the summer-time switches (the
 * day, week or period that contains one is an hour shorter or longer).  Local times that do not exist or occur twice are
 * read as RFC 5545 reads them (core: time_berlin_utc).
 */
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "secretariat/secretariat.h"

enum {
	DAY_S = 86400,
	DAY_MS = DAY_S * 1000,
};

uint32_t secr_oncall_period(const struct store_oncall_schedule *s)
{
	return s->rotation_days ? s->rotation_days : 7;
}

const char *secr_oncall_source_name(enum secr_oncall_source s)
{
	switch (s) {
	case SECR_ONCALL_ROTATION:
		return "rotation";
	case SECR_ONCALL_OVERRIDE:
		return "override";
	default:
		return "none";
	}
}

/* The start date of s as a day number (days since 1970-01-01). */
static int start_day(const struct store_oncall_schedule *s, int64_t *dayp)
{
	unsigned y, m, d;
	int n = 0;

	if (sscanf(s->start_date, "%4u-%2u-%2u%n", &y, &m, &d, &n) != 3 ||
	    n != 10 || y < 1970 || y > 9999 || d < 1 ||
	    d > time_days_in_month(y, m))
		return EINVAL;
	*dayp = time_days(y, m, d);
	return 0;
}

/* y-m-d of day number n (n >= 0). */
static void civil(int64_t n, unsigned *y, unsigned *m, unsigned *d)
{
	struct time_local lt;

	/* noon UTC is the same date in Berlin */
	time_berlin((uint64_t)(n * DAY_S + DAY_S / 2) * 1000, &lt);
	*y = lt.year;
	*m = lt.month;
	*d = lt.day;
}

int secr_oncall_handoff(const struct store_oncall_schedule *s, uint64_t k,
			uint64_t *msp)
{
	unsigned y, m, d;
	int64_t day;
	int err;

	if (!s || !msp || k > 366 * 8000 / secr_oncall_period(s))
		return EINVAL;
	err = start_day(s, &day);
	if (err)
		return err;
	civil(day + (int64_t)k * secr_oncall_period(s), &y, &m, &d);
	return time_berlin_utc(y, m, d, s->handoff_time, msp);
}

/* The turn k whose shift holds t (H(k) <= t < H(k+1)); false before
 * H(0).  *hk and *hk1 get H(k) and H(k+1). */
static int turn_of(const struct store_oncall_schedule *s, uint64_t t,
		   bool *startedp, uint64_t *kp, uint64_t *hk, uint64_t *hk1)
{
	uint64_t h0, k;
	int err;

	err = secr_oncall_handoff(s, 0, &h0);
	if (err)
		return err;
	*startedp = t >= h0;
	if (!*startedp) {
		*kp = 0;
		*hk = 0;
		*hk1 = h0;
		return 0;
	}
	/* a period of N days is N * 24 h +- 1 h: the estimate is off by one
	 * at most, and the loop corrects it */
	k = (t - h0) / ((uint64_t)secr_oncall_period(s) * DAY_MS);
	for (;;) {
		err = secr_oncall_handoff(s, k, hk);
		if (!err && *hk > t && k > 0) {
			k--;
			continue;
		}
		if (!err)
			err = secr_oncall_handoff(s, k + 1, hk1);
		if (err)
			return err;
		if (*hk1 <= t) {
			k++;
			continue;
		}
		break;
	}
	*kp = k;
	return 0;
}

int secr_oncall_at(const struct store_oncall_schedule *s,
		   const struct store_oncall_override *ovrv, size_t ovrc,
		   uint64_t utc_ms, struct secr_oncall *out)
{
	uint64_t k, hk, hk1;
	bool started;
	size_t i;
	int err;

	if (!s || !out || !s->memberc || s->memberc > STORE_ONCALL_MEMBERS ||
	    (ovrc && !ovrv))
		return EINVAL;
	memset(out, 0, sizeof(*out));

	for (i = 0; i < ovrc; i++) {
		const struct store_oncall_override *o = &ovrv[i];

		if (o->starts_at <= utc_ms && utc_ms < o->ends_at) {
			out->source = SECR_ONCALL_OVERRIDE;
			out->employee_id = o->employee_id;
			out->override_id = o->id;
			out->from = o->starts_at;
			out->until = o->ends_at;
			return 0;
		}
	}

	err = turn_of(s, utc_ms, &started, &k, &hk, &hk1);
	if (err)
		return err;
	if (started) {
		out->source = SECR_ONCALL_ROTATION;
		out->turn = (size_t)(k % s->memberc);
		out->employee_id = s->memberv[out->turn];
	}
	out->from = hk;
	out->until = hk1;
	/* an override that ended inside the turn hands back to it; one
	 * that starts before the turn's end takes over */
	for (i = 0; i < ovrc; i++) {
		const struct store_oncall_override *o = &ovrv[i];

		if (o->ends_at <= utc_ms && o->ends_at > out->from)
			out->from = o->ends_at;
		if (o->starts_at > utc_ms && o->starts_at < out->until)
			out->until = o->starts_at;
	}
	if (!started)
		out->from = 0;
	return 0;
}

enum { OVERRIDES_MAX = 64 }; /* overrides of a schedule around t */

struct collect {
	struct store_oncall_override *v;
	size_t n;
};

static int collect_h(const struct store_oncall_override *o, void *arg)
{
	struct collect *c = arg;

	if (c->n < OVERRIDES_MAX)
		c->v[c->n++] = *o;
	return 0;
}

int secr_oncall_now(struct store *st, int64_t schedule_id, uint64_t utc_ms,
		    struct secr_oncall *out)
{
	struct store_oncall_schedule *s;
	struct collect c = {NULL, 0};
	uint64_t from, until, span, h0 = 0;
	int err;

	if (!st || schedule_id <= 0 || !out)
		return EINVAL;
	s = mem_zalloc(sizeof(*s), NULL);
	c.v = mem_zalloc(OVERRIDES_MAX * sizeof(*c.v), NULL);
	if (!s || !c.v) {
		err = ENOMEM;
		goto out;
	}
	err = store_oncall_schedule_get(st, schedule_id, s);
	if (err)
		goto out;
	/* the overrides that can touch the turn around t: a turn is at
	 * most its period + 1 h long; before the first handoff, those up
	 * to it */
	span = (uint64_t)secr_oncall_period(s) * DAY_MS + 2 * 3600000ULL;
	from = utc_ms > span ? utc_ms - span : 1;
	until = utc_ms + span;
	if (!secr_oncall_handoff(s, 0, &h0) && h0 > until)
		until = h0;
	err = store_oncall_override_list(st, 0, schedule_id, from, until,
					 collect_h, &c);
	if (!err)
		err = secr_oncall_at(s, c.v, c.n, utc_ms, out);
out:
	mem_deref(c.v);
	mem_deref(s);
	return err;
}

struct first_walk {
	struct store *st;
	uint64_t at;
	int64_t employee_id; /* the first found on duty */
	int err;
};

static int first_h(const struct store_oncall_schedule *s, void *arg)
{
	struct first_walk *w = arg;
	struct secr_oncall o;
	int err;

	if (w->employee_id)
		return 0;
	err = secr_oncall_now(w->st, s->id, w->at, &o);
	if (err == EINVAL || err == ENOENT)
		return 0; /* a broken or vanished schedule: the next */
	if (err) {
		w->err = err;
		return err;
	}
	w->employee_id = o.employee_id;
	return 0;
}

int secr_oncall_first(struct store *st, int64_t tenant_id, uint64_t at,
		      int64_t *employee_idp)
{
	struct first_walk w = {st, at, 0, 0};
	int err;

	if (!st || tenant_id <= 0 || !employee_idp)
		return EINVAL;
	err = store_oncall_schedule_list(st, tenant_id, first_h, &w);
	if (w.err)
		err = w.err;
	if (!err)
		*employee_idp = w.employee_id;
	return err;
}
