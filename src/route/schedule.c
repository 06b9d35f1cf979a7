/*
 * schedule.c - time control: is a number open, closed or on holiday at
 * a moment, and is a schedule sound before it is saved.  Pure logic over
 * route_sched (route.h), no store, no clock of its own: the caller passes
 * the moment, so tests can ask any date, both summer-time switch days
 * included.
 *
 *   moment (UTC) --time_berlin--> local date, weekday, minute of day
 *        |
 *        +-- exceptions of that date?  closed/holiday, or open in them
 *        +-- public holiday of the region?  holiday
 *        +-- inside a weekly range of that weekday?  open : closed
 */
#include <re.h>
#include "core/core.h"
#include "route/route.h"

static const char *const wday_names[7] = {
    "Monday", "Tuesday",  "Wednesday", "Thursday",
    "Friday", "Saturday", "Sunday",
};

enum { DAY_MIN = 24 * 60 };

enum store_sched_state route_sched_state(const struct route_sched *s,
					 uint64_t utc_ms, const char **why)
{
	struct time_local lt;
	const char *hol, *dummy;
	bool dated = false, open = false;
	unsigned min;
	size_t i;

	if (!why)
		why = &dummy;
	if (!s) {
		*why = "outside hours";
		return STORE_SCHED_CLOSED;
	}
	time_berlin(utc_ms, &lt);
	min = lt.hour * 60 + lt.minute;

	for (i = 0; i < s->excc; i++) {
		const struct store_sched_exception *e = &s->excv[i];

		if (e->year != lt.year || e->month != lt.month ||
		    e->day != lt.day)
			continue;
		*why = "exception";
		if (e->state != STORE_SCHED_OPEN)
			return e->state;
		dated = true;
		open |= min >= e->start && min < e->end;
	}
	if (dated)
		return open ? STORE_SCHED_OPEN : STORE_SCHED_CLOSED;

	hol = route_holiday(s->region, lt.year, lt.month, lt.day);
	if (hol) {
		*why = hol;
		return STORE_SCHED_HOLIDAY;
	}

	for (i = 0; i < s->rangec; i++) {
		const struct store_sched_range *r = &s->rangev[i];

		if ((r->days & (1u << lt.wday)) && min >= r->start &&
		    min < r->end) {
			*why = "hours";
			return STORE_SCHED_OPEN;
		}
	}
	*why = "outside hours";
	return STORE_SCHED_CLOSED;
}

/* start-end within a day: "" or the problem (after the prefix) */
static int span_check(char *err, size_t sz, const char *what, size_t i,
		      unsigned start, unsigned end)
{
	if (end > DAY_MIN) {
		re_snprintf(err, sz, "%s[%zu]: end %02u:%02u is after 24:00",
			    what, i, end / 60, end % 60);
		return EINVAL;
	}
	if (start >= end) {
		re_snprintf(err, sz,
			    "%s[%zu]: start %02u:%02u is not before end "
			    "%02u:%02u",
			    what, i, start / 60, start % 60, end / 60,
			    end % 60);
		return EINVAL;
	}
	return 0;
}

static bool overlap(unsigned s1, unsigned e1, unsigned s2, unsigned e2)
{
	return s1 < e2 && s2 < e1;
}

static int ranges_check(const struct route_sched *s, char *err, size_t sz)
{
	size_t i, j;
	int e;

	for (i = 0; i < s->rangec; i++) {
		const struct store_sched_range *r = &s->rangev[i];

		if (!r->days || r->days > 0x7f) {
			re_snprintf(err, sz,
				    "ranges[%zu]: days must name one to seven "
				    "weekdays",
				    i);
			return EINVAL;
		}
		e = span_check(err, sz, "ranges", i, r->start, r->end);
		if (e)
			return e;
		for (j = 0; j < i; j++) {
			const struct store_sched_range *q = &s->rangev[j];
			unsigned common = r->days & q->days, d = 0;

			if (!common ||
			    !overlap(r->start, r->end, q->start, q->end))
				continue;
			while (!(common & (1u << d)))
				d++;
			re_snprintf(err, sz,
				    "ranges[%zu] overlaps ranges[%zu] on %s", i,
				    j, wday_names[d]);
			return EINVAL;
		}
	}
	return 0;
}

static bool same_date(const struct store_sched_exception *a,
		      const struct store_sched_exception *b)
{
	return a->year == b->year && a->month == b->month && a->day == b->day;
}

static int exceptions_check(const struct route_sched *s, char *err, size_t sz)
{
	size_t i, j;
	int e;

	for (i = 0; i < s->excc; i++) {
		const struct store_sched_exception *x = &s->excv[i];

		if (x->year < 1970 || x->year > 9999 || x->day < 1 ||
		    x->day > time_days_in_month(x->year, x->month)) {
			re_snprintf(err, sz,
				    "exceptions[%zu]: no such date "
				    "%04u-%02u-%02u",
				    i, x->year, x->month, x->day);
			return EINVAL;
		}
		if (!store_names_has(&store_names_sched_state, (int)x->state)) {
			re_snprintf(err, sz, "exceptions[%zu]: bad state", i);
			return EINVAL;
		}
		if (x->state == STORE_SCHED_OPEN) {
			e = span_check(err, sz, "exceptions", i, x->start,
				       x->end);
			if (e)
				return e;
		}
		for (j = 0; j < i; j++) {
			const struct store_sched_exception *y = &s->excv[j];

			if (!same_date(x, y))
				continue;
			if (x->state != STORE_SCHED_OPEN ||
			    y->state != STORE_SCHED_OPEN) {
				re_snprintf(err, sz,
					    "exceptions[%zu] contradicts "
					    "exceptions[%zu] on %04u-%02u-%02u",
					    i, j, x->year, x->month, x->day);
				return EINVAL;
			}
			if (overlap(x->start, x->end, y->start, y->end)) {
				re_snprintf(err, sz,
					    "exceptions[%zu] overlaps "
					    "exceptions[%zu] on %04u-%02u-%02u",
					    i, j, x->year, x->month, x->day);
				return EINVAL;
			}
		}
	}
	return 0;
}

int route_sched_check(const struct route_sched *s, char *err, size_t sz)
{
	int e;

	if (!s || !err || !sz)
		return EINVAL;
	*err = '\0';
	if (!store_names_has(&store_names_region, (int)s->region)) {
		re_snprintf(err, sz, "region: not a German federal state");
		return EINVAL;
	}
	if ((s->rangec && !s->rangev) || (s->excc && !s->excv)) {
		re_snprintf(err, sz, "ranges: missing");
		return EINVAL;
	}
	e = ranges_check(s, err, sz);
	if (e)
		return e;
	return exceptions_check(s, err, sz);
}
