/*
 * route_test_schedule.c - time control without a clock: Berlin local
 * time on both summer-time switch days, Easter, the public holidays of
 * several federal states, schedules at fixed moments (weekly ranges,
 * holidays, dated exceptions, 24/7) and the checks a schedule must pass
 * before it is saved, each with its exact message.
 *
 * Expected values are written out from the calendar (dates of Easter and
 * of the holidays as published, e.g. Fronleichnam 2026 = 4 June), not
 * computed by the code under test.
 */
#include "core/core.h"
#include "route/route.h"
#include "test.h"

static uint64_t at(const char *iso)
{
	uint64_t ms = 0;

	(void)time_iso_parse(iso, &ms);
	return ms;
}

int test_time_berlin(void)
{
	static const struct {
		const char *utc;
		unsigned y, mo, d, h, mi, s, wday;
		int offset;
	} v[] = {
	    /* spring 2026: 02:00 CET -> 03:00 CEST at 01:00 UTC */
	    {"2026-03-29T00:59:59Z", 2026, 3, 29, 1, 59, 59, 6, 60},
	    {"2026-03-29T01:00:00Z", 2026, 3, 29, 3, 0, 0, 6, 120},
	    /* autumn 2026: 03:00 CEST -> 02:00 CET at 01:00 UTC */
	    {"2026-10-25T00:59:59Z", 2026, 10, 25, 2, 59, 59, 6, 120},
	    {"2026-10-25T01:00:00Z", 2026, 10, 25, 2, 0, 0, 6, 60},
	    /* 2027: last Sundays are 28 March and 31 October */
	    {"2027-03-28T00:59:59Z", 2027, 3, 28, 1, 59, 59, 6, 60},
	    {"2027-03-28T01:00:00Z", 2027, 3, 28, 3, 0, 0, 6, 120},
	    {"2027-10-31T00:59:59Z", 2027, 10, 31, 2, 59, 59, 6, 120},
	    {"2027-10-31T01:00:00Z", 2027, 10, 31, 2, 0, 0, 6, 60},
	    /* a week before the switch: still winter time */
	    {"2026-03-22T02:00:00Z", 2026, 3, 22, 3, 0, 0, 6, 60},
	    /* new year in Berlin an hour before UTC */
	    {"2026-12-31T23:30:00Z", 2027, 1, 1, 0, 30, 0, 4, 60},
	    {"2026-07-01T22:00:00Z", 2026, 7, 2, 0, 0, 0, 3, 120},
	    {"2024-02-29T12:00:00Z", 2024, 2, 29, 13, 0, 0, 3, 60},
	    {"1970-01-01T00:00:00Z", 1970, 1, 1, 1, 0, 0, 3, 60},
	};
	struct time_local lt;
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		time_berlin(at(v[i].utc), &lt);
		if (lt.year != v[i].y || lt.month != v[i].mo ||
		    lt.day != v[i].d || lt.hour != v[i].h ||
		    lt.minute != v[i].mi || lt.second != v[i].s ||
		    lt.wday != v[i].wday || lt.offset != v[i].offset) {
			fprintf(stderr, "  %s: %u-%u-%u %u:%u:%u wday %u +%d\n",
				v[i].utc, lt.year, lt.month, lt.day, lt.hour,
				lt.minute, lt.second, lt.wday, lt.offset);
			TEST_ASSERT(false);
		}
	}
	TEST_EQ_INT(time_wday(2026, 12, 5), 5); /* a Saturday */
	TEST_EQ_INT(time_wday(2000, 2, 29), 1); /* a Tuesday  */
	TEST_EQ_INT(time_days_in_month(2026, 2), 28);
	TEST_EQ_INT(time_days_in_month(2028, 2), 29);
	TEST_EQ_INT(time_days_in_month(1900, 2), 28);
	TEST_EQ_INT(time_days_in_month(2026, 13), 0);
out:
	return err;
}

int test_time_easter(void)
{
	static const unsigned v[][3] = {
	    {2008, 3, 23}, {2011, 4, 24}, {2019, 4, 21}, {2024, 3, 31},
	    {2025, 4, 20}, {2026, 4, 5},  {2027, 3, 28}, {2038, 4, 25},
	    {2285, 3, 22}, /* the earliest possible date */
	    {1943, 4, 25}, /* the latest */
	};
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		unsigned m = 0, d = 0;

		time_easter(v[i][0], &m, &d);
		if (m != v[i][1] || d != v[i][2]) {
			fprintf(stderr, "  Easter %u: %u-%u\n", v[i][0], m, d);
			TEST_ASSERT(false);
		}
	}
out:
	return err;
}

int test_route_holiday(void)
{
	static const struct {
		enum store_region region;
		unsigned y, m, d;
		const char *name; /* NULL: a working day there */
	} v[] = {
	    {STORE_REGION_BY, 2026, 1, 6, "Heilige Drei Könige"},
	    {STORE_REGION_BE, 2026, 1, 6, NULL},
	    {STORE_REGION_BE, 2026, 3, 9, NULL},
	    {STORE_REGION_BE, 2027, 3, 8, "Internationaler Frauentag"},
	    {STORE_REGION_BE, 2018, 3, 8, NULL},
	    {STORE_REGION_MV, 2023, 3, 8, "Internationaler Frauentag"},
	    {STORE_REGION_MV, 2022, 3, 8, NULL},
	    {STORE_REGION_BY, 2027, 3, 8, NULL},
	    {STORE_REGION_HH, 2026, 4, 3, "Karfreitag"},
	    {STORE_REGION_BB, 2026, 4, 5, "Ostersonntag"},
	    {STORE_REGION_BY, 2026, 4, 5, NULL},
	    {STORE_REGION_NW, 2026, 4, 6, "Ostermontag"},
	    {STORE_REGION_SH, 2026, 5, 1, "Tag der Arbeit"},
	    {STORE_REGION_BE, 2025, 5, 8, "Tag der Befreiung"},
	    {STORE_REGION_BE, 2026, 5, 8, NULL},
	    {STORE_REGION_BE, 2026, 5, 14, "Christi Himmelfahrt"},
	    {STORE_REGION_HE, 2026, 5, 24, "Pfingstsonntag"},
	    {STORE_REGION_BE, 2026, 5, 25, "Pfingstmontag"},
	    {STORE_REGION_BY, 2026, 6, 4, "Fronleichnam"},
	    {STORE_REGION_BE, 2026, 6, 4, NULL},
	    {STORE_REGION_SN, 2026, 6, 4, NULL},
	    {STORE_REGION_SL, 2026, 8, 15, "Mariä Himmelfahrt"},
	    {STORE_REGION_BY, 2026, 8, 15, NULL},
	    {STORE_REGION_TH, 2026, 9, 20, "Weltkindertag"},
	    {STORE_REGION_TH, 2018, 9, 20, NULL},
	    {STORE_REGION_BE, 2026, 10, 3, "Tag der Deutschen Einheit"},
	    {STORE_REGION_SN, 2026, 10, 31, "Reformationstag"},
	    {STORE_REGION_NI, 2016, 10, 31, NULL},
	    {STORE_REGION_NI, 2017, 10, 31, "Reformationstag"},
	    {STORE_REGION_NI, 2018, 10, 31, "Reformationstag"},
	    {STORE_REGION_BY, 2017, 10, 31, "Reformationstag"},
	    {STORE_REGION_BY, 2018, 10, 31, NULL},
	    {STORE_REGION_BY, 2026, 11, 1, "Allerheiligen"},
	    {STORE_REGION_HB, 2026, 11, 1, NULL},
	    {STORE_REGION_SN, 2026, 11, 18, "Buß- und Bettag"},
	    {STORE_REGION_SN, 2023, 11, 22, "Buß- und Bettag"},
	    {STORE_REGION_SN, 2025, 11, 19, "Buß- und Bettag"},
	    {STORE_REGION_BY, 2026, 11, 18, NULL},
	    {STORE_REGION_RP, 2026, 12, 25, "1. Weihnachtstag"},
	    {STORE_REGION_RP, 2026, 12, 26, "2. Weihnachtstag"},
	    {STORE_REGION_RP, 2026, 12, 24, NULL},
	    {STORE_REGION_NONE, 2026, 12, 25, NULL},
	    {STORE_REGION_BW, 2008, 3, 21, "Karfreitag"},
	};
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		const char *n =
		    route_holiday(v[i].region, v[i].y, v[i].m, v[i].d);

		if (!!n != !!v[i].name || (n && strcmp(n, v[i].name))) {
			fprintf(stderr, "  %s %u-%u-%u: %s\n",
				store_region_name(v[i].region), v[i].y, v[i].m,
				v[i].d, n ? n : "(none)");
			TEST_ASSERT(false);
		}
	}
out:
	return err;
}

struct hlist {
	char buf[512];
	size_t n;
};

static int hlist_add(const char *name, unsigned m, unsigned d, void *arg)
{
	struct hlist *l = arg;

	l->n += (size_t)re_snprintf(l->buf + l->n, sizeof(l->buf) - l->n,
				    "%02u-%02u %s;", m, d, name);
	return 0;
}

static int hlist_stop(const char *name, unsigned m, unsigned d, void *arg)
{
	(void)name;
	(void)m;
	(void)d;
	(void)arg;
	return EINTR;
}

int test_route_holiday_list(void)
{
	struct hlist l;
	int err = 0;

	memset(&l, 0, sizeof(l));
	TEST_EQ_INT(route_holiday_list(STORE_REGION_BE, 2026, hlist_add, &l),
		    0);
	TEST_EQ_STR(l.buf, "01-01 Neujahr;03-08 Internationaler Frauentag;"
			   "04-03 Karfreitag;04-06 Ostermontag;"
			   "05-01 Tag der Arbeit;05-14 Christi Himmelfahrt;"
			   "05-25 Pfingstmontag;10-03 Tag der Deutschen "
			   "Einheit;12-25 1. Weihnachtstag;"
			   "12-26 2. Weihnachtstag;");
	memset(&l, 0, sizeof(l));
	TEST_EQ_INT(route_holiday_list(STORE_REGION_BY, 2026, hlist_add, &l),
		    0);
	TEST_EQ_STR(l.buf, "01-01 Neujahr;01-06 Heilige Drei Könige;"
			   "04-03 Karfreitag;04-06 Ostermontag;"
			   "05-01 Tag der Arbeit;05-14 Christi Himmelfahrt;"
			   "05-25 Pfingstmontag;06-04 Fronleichnam;"
			   "10-03 Tag der Deutschen Einheit;"
			   "11-01 Allerheiligen;12-25 1. Weihnachtstag;"
			   "12-26 2. Weihnachtstag;");
	memset(&l, 0, sizeof(l));
	TEST_EQ_INT(route_holiday_list(STORE_REGION_NONE, 2026, hlist_add, &l),
		    0);
	TEST_EQ_STR(l.buf, "");
	TEST_EQ_INT(route_holiday_list(STORE_REGION_SN, 2026, hlist_stop, NULL),
		    EINTR);
	TEST_EQ_INT(
	    route_holiday_list((enum store_region)40, 2026, hlist_add, &l),
	    EINVAL);
	TEST_EQ_INT(route_holiday_list(STORE_REGION_SN, 2026, NULL, NULL),
		    EINVAL);
out:
	return err;
}

#define WEEKDAYS 0x1f
#define SUNDAY   0x40
#define ALLDAYS  0x7f

struct sched_case {
	const char *utc;
	enum store_sched_state state;
	const char *why;
};

static int sched_cases(const struct route_sched *s, const struct sched_case *v,
		       size_t n)
{
	size_t i;
	int err = 0;

	for (i = 0; i < n; i++) {
		const char *why = NULL;
		enum store_sched_state st =
		    route_sched_state(s, at(v[i].utc), &why);

		if (st != v[i].state || !why || strcmp(why, v[i].why)) {
			fprintf(stderr, "  %s: %s (%s), want %s (%s)\n",
				v[i].utc, store_sched_state_name(st),
				why ? why : "-",
				store_sched_state_name(v[i].state), v[i].why);
			TEST_ASSERT(false);
		}
	}
out:
	return err;
}

int test_route_sched_hours(void)
{
	/* Mon-Fri 08:00-18:00 */
	static const struct store_sched_range office[] = {
	    {WEEKDAYS, 8 * 60, 18 * 60}};
	static const struct sched_case by[] = {
	    /* Monday in summer time: 08:00 local is 06:00 UTC */
	    {"2026-03-30T05:59:59Z", STORE_SCHED_CLOSED, "outside hours"},
	    {"2026-03-30T06:00:00Z", STORE_SCHED_OPEN, "hours"},
	    {"2026-03-30T15:59:59Z", STORE_SCHED_OPEN, "hours"},
	    {"2026-03-30T16:00:00Z", STORE_SCHED_CLOSED, "outside hours"},
	    /* Monday in winter time: 08:00 local is 07:00 UTC */
	    {"2026-12-07T06:59:59Z", STORE_SCHED_CLOSED, "outside hours"},
	    {"2026-12-07T07:00:00Z", STORE_SCHED_OPEN, "hours"},
	    {"2026-12-07T17:00:00Z", STORE_SCHED_CLOSED, "outside hours"},
	    /* Saturday */
	    {"2026-12-05T10:00:00Z", STORE_SCHED_CLOSED, "outside hours"},
	    /* holidays of Bavaria on working days */
	    {"2026-04-03T10:00:00Z", STORE_SCHED_HOLIDAY, "Karfreitag"},
	    {"2026-01-06T10:00:00Z", STORE_SCHED_HOLIDAY,
	     "Heilige Drei Könige"},
	    {"2026-06-04T10:00:00Z", STORE_SCHED_HOLIDAY, "Fronleichnam"},
	    /* a holiday on a Sunday is a holiday, not just closed */
	    {"2026-11-01T10:00:00Z", STORE_SCHED_HOLIDAY, "Allerheiligen"},
	    /* Berlin's Frauentag is a working day in Bavaria */
	    {"2027-03-08T10:00:00Z", STORE_SCHED_OPEN, "hours"},
	};
	static const struct sched_case be[] = {
	    {"2026-01-06T10:00:00Z", STORE_SCHED_OPEN, "hours"},
	    {"2026-06-04T10:00:00Z", STORE_SCHED_OPEN, "hours"},
	    {"2027-03-08T10:00:00Z", STORE_SCHED_HOLIDAY,
	     "Internationaler Frauentag"},
	    {"2026-04-03T10:00:00Z", STORE_SCHED_HOLIDAY, "Karfreitag"},
	};
	static const struct sched_case none[] = {
	    {"2026-04-03T10:00:00Z", STORE_SCHED_OPEN, "hours"},
	    {"2026-12-25T10:00:00Z", STORE_SCHED_OPEN, "hours"},
	};
	struct route_sched s = {STORE_REGION_BY, office, 1, NULL, 0};
	int err = 0;

	err = sched_cases(&s, by, ARRAY_SIZE(by));
	if (err)
		goto out;
	s.region = STORE_REGION_BE;
	err = sched_cases(&s, be, ARRAY_SIZE(be));
	if (err)
		goto out;
	s.region = STORE_REGION_NONE;
	err = sched_cases(&s, none, ARRAY_SIZE(none));
out:
	return err;
}

int test_route_sched_dst(void)
{
	/* Sundays 01:00-04:00 and 02:00-02:30 local: the hours that move */
	static const struct store_sched_range spring[] = {
	    {SUNDAY, 1 * 60, 4 * 60}};
	static const struct store_sched_range autumn[] = {
	    {SUNDAY, 2 * 60, 2 * 60 + 30}};
	static const struct sched_case sv[] = {
	    {"2026-03-29T00:30:00Z", STORE_SCHED_OPEN, "hours"}, /* 01:30 */
	    {"2026-03-29T00:59:59Z", STORE_SCHED_OPEN, "hours"}, /* 01:59 */
	    {"2026-03-29T01:00:00Z", STORE_SCHED_OPEN, "hours"}, /* 03:00 */
	    {"2026-03-29T01:59:59Z", STORE_SCHED_OPEN, "hours"}, /* 03:59 */
	    /* 02:00 UTC is 04:00 CEST: closed; a week earlier 03:00 CET */
	    {"2026-03-29T02:00:00Z", STORE_SCHED_CLOSED, "outside hours"},
	    {"2026-03-22T02:00:00Z", STORE_SCHED_OPEN, "hours"},
	    {"2026-03-22T02:59:59Z", STORE_SCHED_OPEN, "hours"},
	    {"2026-03-22T03:00:00Z", STORE_SCHED_CLOSED, "outside hours"},
	};
	static const struct sched_case av[] = {
	    {"2026-10-24T23:59:59Z", STORE_SCHED_CLOSED, "outside hours"},
	    {"2026-10-25T00:00:00Z", STORE_SCHED_OPEN, "hours"}, /* 02:00+2 */
	    {"2026-10-25T00:15:00Z", STORE_SCHED_OPEN, "hours"}, /* 02:15+2 */
	    {"2026-10-25T00:45:00Z", STORE_SCHED_CLOSED, "outside hours"},
	    {"2026-10-25T01:00:00Z", STORE_SCHED_OPEN, "hours"}, /* 02:00+1 */
	    {"2026-10-25T01:29:59Z", STORE_SCHED_OPEN, "hours"}, /* 02:29+1 */
	    {"2026-10-25T01:30:00Z", STORE_SCHED_CLOSED, "outside hours"},
	};
	struct route_sched s = {STORE_REGION_NONE, spring, 1, NULL, 0};
	int err = 0;

	err = sched_cases(&s, sv, ARRAY_SIZE(sv));
	if (err)
		goto out;
	s.rangev = autumn;
	err = sched_cases(&s, av, ARRAY_SIZE(av));
out:
	return err;
}

int test_route_sched_exceptions(void)
{
	static const struct store_sched_range office[] = {
	    {WEEKDAYS, 8 * 60, 18 * 60}};
	static const struct store_sched_exception exc[] = {
	    {2026, 12, 24, STORE_SCHED_OPEN, 9 * 60, 12 * 60},
	    {2026, 12, 24, STORE_SCHED_OPEN, 13 * 60, 14 * 60},
	    {2026, 12, 31, STORE_SCHED_CLOSED, 0, 0},
	    {2026, 4, 3, STORE_SCHED_OPEN, 10 * 60, 14 * 60},
	    {2026, 12, 28, STORE_SCHED_HOLIDAY, 0, 0},
	    {2026, 12, 27, STORE_SCHED_OPEN, 10 * 60, 12 * 60}, /* Sunday */
	};
	static const struct sched_case v[] = {
	    /* Christmas Eve (Thursday): 09-12 and 13-14 only */
	    {"2026-12-24T07:59:59Z", STORE_SCHED_CLOSED, "exception"},
	    {"2026-12-24T08:00:00Z", STORE_SCHED_OPEN, "exception"},
	    {"2026-12-24T11:00:00Z", STORE_SCHED_CLOSED, "exception"},
	    {"2026-12-24T12:30:00Z", STORE_SCHED_OPEN, "exception"},
	    {"2026-12-24T13:00:00Z", STORE_SCHED_CLOSED, "exception"},
	    {"2026-12-31T10:00:00Z", STORE_SCHED_CLOSED, "exception"},
	    /* open on Good Friday although Bavaria keeps it */
	    {"2026-04-03T08:00:00Z", STORE_SCHED_OPEN, "exception"},
	    {"2026-04-03T12:00:00Z", STORE_SCHED_CLOSED, "exception"},
	    {"2026-12-28T10:00:00Z", STORE_SCHED_HOLIDAY, "exception"},
	    {"2026-12-27T10:00:00Z", STORE_SCHED_OPEN, "exception"},
	    /* the days around them follow the week */
	    {"2026-12-23T10:00:00Z", STORE_SCHED_OPEN, "hours"},
	    {"2026-12-25T10:00:00Z", STORE_SCHED_HOLIDAY, "1. Weihnachtstag"},
	    {"2026-12-29T10:00:00Z", STORE_SCHED_OPEN, "hours"},
	};
	struct route_sched s = {STORE_REGION_BY, office, 1, exc,
				ARRAY_SIZE(exc)};
	char msg[128];
	int err = 0;

	TEST_EQ_INT(route_sched_check(&s, msg, sizeof(msg)), 0);
	TEST_EQ_STR(msg, "");
	err = sched_cases(&s, v, ARRAY_SIZE(v));
out:
	return err;
}

int test_route_sched_always(void)
{
	static const struct store_sched_range always[] = {
	    {ALLDAYS, 0, 24 * 60}};
	static const struct sched_case open[] = {
	    {"2026-12-05T23:59:59Z", STORE_SCHED_OPEN, "hours"},
	    {"2026-12-25T03:00:00Z", STORE_SCHED_OPEN, "hours"},
	    {"2026-03-29T01:30:00Z", STORE_SCHED_OPEN, "hours"},
	    {"2026-10-25T01:30:00Z", STORE_SCHED_OPEN, "hours"},
	};
	static const struct sched_case nw[] = {
	    {"2026-12-25T03:00:00Z", STORE_SCHED_HOLIDAY, "1. Weihnachtstag"},
	    {"2026-12-24T22:59:59Z", STORE_SCHED_OPEN, "hours"},
	    {"2026-12-24T23:00:00Z", STORE_SCHED_HOLIDAY, "1. Weihnachtstag"},
	};
	struct route_sched s = {STORE_REGION_NONE, always, 1, NULL, 0};
	int err = 0;

	err = sched_cases(&s, open, ARRAY_SIZE(open));
	if (err)
		goto out;
	s.region = STORE_REGION_NW;
	err = sched_cases(&s, nw, ARRAY_SIZE(nw));
	if (err)
		goto out;
	/* no schedule, no ranges: closed */
	s.rangec = 0;
	s.region = STORE_REGION_NONE;
	TEST_EQ_INT(route_sched_state(&s, at("2026-12-07T10:00:00Z"), NULL),
		    STORE_SCHED_CLOSED);
	TEST_EQ_INT(route_sched_state(NULL, at("2026-12-07T10:00:00Z"), NULL),
		    STORE_SCHED_CLOSED);
out:
	return err;
}

int test_route_sched_check(void)
{
	static const struct store_sched_range inverted[] = {
	    {WEEKDAYS, 18 * 60, 8 * 60}};
	static const struct store_sched_range empty[] = {{WEEKDAYS, 600, 600}};
	static const struct store_sched_range late[] = {{0x01, 480, 1500}};
	static const struct store_sched_range nodays[] = {{0, 480, 720}};
	static const struct store_sched_range eighth[] = {{0x80, 480, 720}};
	static const struct store_sched_range adjacent[] = {
	    {WEEKDAYS, 480, 720}, {WEEKDAYS, 720, 1080}};
	static const struct store_sched_range overlapping[] = {
	    {WEEKDAYS, 480, 720}, {0x60, 0, 1440}, {0x10, 700, 800}};
	static const struct store_sched_exception badday[] = {
	    {2026, 2, 30, STORE_SCHED_CLOSED, 0, 0}};
	static const struct store_sched_exception badmonth[] = {
	    {2026, 13, 1, STORE_SCHED_CLOSED, 0, 0}};
	static const struct store_sched_exception exc_overlap[] = {
	    {2026, 12, 24, STORE_SCHED_OPEN, 540, 720},
	    {2026, 12, 24, STORE_SCHED_OPEN, 660, 780}};
	static const struct store_sched_exception exc_contra[] = {
	    {2026, 12, 24, STORE_SCHED_CLOSED, 0, 0},
	    {2026, 12, 24, STORE_SCHED_OPEN, 540, 720}};
	static const struct store_sched_exception exc_inverted[] = {
	    {2026, 12, 24, STORE_SCHED_OPEN, 780, 720}};
	static const struct {
		struct route_sched s;
		int err;
		const char *msg;
	} v[] = {
	    {{STORE_REGION_BY, adjacent, 2, NULL, 0}, 0, ""},
	    {{STORE_REGION_NONE, NULL, 0, NULL, 0}, 0, ""},
	    {{STORE_REGION_BY, inverted, 1, NULL, 0},
	     EINVAL,
	     "ranges[0]: start 18:00 is not before end 08:00"},
	    {{STORE_REGION_BY, empty, 1, NULL, 0},
	     EINVAL,
	     "ranges[0]: start 10:00 is not before end 10:00"},
	    {{STORE_REGION_BY, late, 1, NULL, 0},
	     EINVAL,
	     "ranges[0]: end 25:00 is after 24:00"},
	    {{STORE_REGION_BY, nodays, 1, NULL, 0},
	     EINVAL,
	     "ranges[0]: days must name one to seven weekdays"},
	    {{STORE_REGION_BY, eighth, 1, NULL, 0},
	     EINVAL,
	     "ranges[0]: days must name one to seven weekdays"},
	    {{STORE_REGION_BY, overlapping, 3, NULL, 0},
	     EINVAL,
	     "ranges[2] overlaps ranges[0] on Friday"},
	    {{STORE_REGION_BY, adjacent, 2, badday, 1},
	     EINVAL,
	     "exceptions[0]: no such date 2026-02-30"},
	    {{STORE_REGION_BY, adjacent, 2, badmonth, 1},
	     EINVAL,
	     "exceptions[0]: no such date 2026-13-01"},
	    {{STORE_REGION_BY, adjacent, 2, exc_overlap, 2},
	     EINVAL,
	     "exceptions[1] overlaps exceptions[0] on 2026-12-24"},
	    {{STORE_REGION_BY, adjacent, 2, exc_contra, 2},
	     EINVAL,
	     "exceptions[1] contradicts exceptions[0] on 2026-12-24"},
	    {{STORE_REGION_BY, adjacent, 2, exc_inverted, 1},
	     EINVAL,
	     "exceptions[0]: start 13:00 is not before end 12:00"},
	    {{(enum store_region)17, adjacent, 2, NULL, 0},
	     EINVAL,
	     "region: not a German federal state"},
	};
	char msg[128];
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		int e = route_sched_check(&v[i].s, msg, sizeof(msg));

		if (e != v[i].err || strcmp(msg, v[i].msg)) {
			fprintf(stderr, "  case %zu: %d \"%s\"\n", i, e, msg);
			TEST_ASSERT(false);
		}
	}
	TEST_EQ_INT(route_sched_check(NULL, msg, sizeof(msg)), EINVAL);
out:
	return err;
}
