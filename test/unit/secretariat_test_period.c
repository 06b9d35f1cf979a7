/*
 * secretariat_test_period.c - on-call rotations beyond weekly
 * (rotation_days, migration 25): daily, every three days and every two
 * weeks, across the week boundary and both summer-time switch days of
 * 2026 (the day of 2026-03-29 is 23 h long, that of 2026-10-25 25 h), a
 * daily handoff at 02:30 that does not exist on 2026-03-29 (03:30 CEST).
 * Expected moments are written out from the calendar (CET = UTC+1 until
 * 2026-03-29 01:00 UTC, CEST = UTC+2 until 2026-10-25 01:00 UTC).
 */
#include "core/core.h"
#include "secretariat/secretariat.h"
#include "test.h"

static uint64_t at(const char *iso)
{
	uint64_t ms = 0;

	(void)time_iso_parse(iso, &ms);
	return ms;
}

static void rota(struct store_oncall_schedule *s, const char *start,
		 uint32_t days, uint32_t time)
{
	memset(s, 0, sizeof(*s));
	s->id = 1;
	s->tenant_id = 1;
	str_copy(s->name, "Notdienst", sizeof(s->name));
	str_copy(s->start_date, start, sizeof(s->start_date));
	s->rotation_days = days;
	s->handoff_time = time;
	s->memberc = 3;
	s->memberv[0] = 11;
	s->memberv[1] = 12;
	s->memberv[2] = 13;
}

struct pcase {
	const char *at;
	int64_t employee;
	const char *from, *until;
};

static int check(const struct store_oncall_schedule *s, const struct pcase *v,
		 size_t c)
{
	struct secr_oncall r;
	size_t i;
	int err = 0;

	for (i = 0; i < c; i++) {
		TEST_EQ_INT(secr_oncall_at(s, NULL, 0, at(v[i].at), &r), 0);
		if (r.employee_id != v[i].employee ||
		    r.from != (v[i].from ? at(v[i].from) : 0) ||
		    r.until != at(v[i].until)) {
			char f[32], u[32];

			fprintf(stderr, "  at %s: employee %lld %s..%s\n",
				v[i].at, (long long)r.employee_id,
				time_iso(f, sizeof(f), r.from),
				time_iso(u, sizeof(u), r.until));
			TEST_ASSERT(false);
		}
	}
out:
	return err;
}

int test_secr_oncall_period(void)
{
	/* daily 08:00 from Saturday 2026-03-28 (CET): the Sunday of the
	 * switch is 23 h, Monday 08:00 is 06:00 UTC */
	static const struct pcase daily_spring[] = {
	    {"2026-03-28T06:59:59Z", 0, NULL, "2026-03-28T07:00:00Z"},
	    {"2026-03-28T07:00:00Z", 11, "2026-03-28T07:00:00Z",
	     "2026-03-29T06:00:00Z"},
	    {"2026-03-29T05:59:59.999Z", 11, "2026-03-28T07:00:00Z",
	     "2026-03-29T06:00:00Z"},
	    {"2026-03-29T06:00:00Z", 12, "2026-03-29T06:00:00Z",
	     "2026-03-30T06:00:00Z"},
	    /* the week boundary (Sunday to Monday) */
	    {"2026-03-29T22:00:00Z", 12, "2026-03-29T06:00:00Z",
	     "2026-03-30T06:00:00Z"},
	    {"2026-03-30T06:00:00Z", 13, "2026-03-30T06:00:00Z",
	     "2026-03-31T06:00:00Z"},
	    {"2026-03-31T06:00:00Z", 11, "2026-03-31T06:00:00Z",
	     "2026-04-01T06:00:00Z"},
	};
	/* daily 08:00 from Saturday 2026-10-24 (CEST): the Sunday is 25 h */
	static const struct pcase daily_autumn[] = {
	    {"2026-10-24T06:00:00Z", 11, "2026-10-24T06:00:00Z",
	     "2026-10-25T07:00:00Z"},
	    {"2026-10-25T06:30:00Z", 11, "2026-10-24T06:00:00Z",
	     "2026-10-25T07:00:00Z"},
	    {"2026-10-25T07:00:00Z", 12, "2026-10-25T07:00:00Z",
	     "2026-10-26T07:00:00Z"},
	    /* a year on: 2027-10-24 is day 365 -> 365 % 3 = 2 -> 13 */
	    {"2027-10-24T06:00:00Z", 13, "2027-10-24T06:00:00Z",
	     "2027-10-25T06:00:00Z"},
	};
	/* daily 02:30 from 2026-03-28: on the 29th 02:30 does not exist and
	 * is 03:30 CEST (01:30 UTC), the day after 00:30 UTC */
	static const struct pcase daily_gap[] = {
	    {"2026-03-28T01:30:00Z", 11, "2026-03-28T01:30:00Z",
	     "2026-03-29T01:30:00Z"},
	    {"2026-03-29T01:30:00Z", 12, "2026-03-29T01:30:00Z",
	     "2026-03-30T00:30:00Z"},
	    {"2026-03-30T00:30:00Z", 13, "2026-03-30T00:30:00Z",
	     "2026-03-31T00:30:00Z"},
	};
	/* every 3 days at 02:30 from Friday 2026-10-23 (CEST, 00:30 UTC):
	 * the turn over the autumn switch is 73 h */
	static const struct pcase three[] = {
	    {"2026-10-23T00:30:00Z", 11, "2026-10-23T00:30:00Z",
	     "2026-10-26T01:30:00Z"},
	    {"2026-10-25T01:30:00Z", 11, "2026-10-23T00:30:00Z",
	     "2026-10-26T01:30:00Z"},
	    {"2026-10-26T01:30:00Z", 12, "2026-10-26T01:30:00Z",
	     "2026-10-29T01:30:00Z"},
	};
	/* every two weeks, Monday 08:00 from 2026-03-16 (CET): the first
	 * turn is 335 h and covers the week boundary of the 23rd */
	static const struct pcase fortnight[] = {
	    {"2026-03-23T07:00:00Z", 11, "2026-03-16T07:00:00Z",
	     "2026-03-30T06:00:00Z"},
	    {"2026-03-30T05:59:59Z", 11, "2026-03-16T07:00:00Z",
	     "2026-03-30T06:00:00Z"},
	    {"2026-03-30T06:00:00Z", 12, "2026-03-30T06:00:00Z",
	     "2026-04-13T06:00:00Z"},
	    {"2026-04-13T06:00:00Z", 13, "2026-04-13T06:00:00Z",
	     "2026-04-27T06:00:00Z"},
	};
	struct store_oncall_schedule *s;
	uint64_t ms;
	int err = 0;

	s = mem_zalloc(sizeof(*s), NULL);
	TEST_ASSERT(s != NULL);
	rota(s, "2026-03-28", 1, 8 * 60);
	TEST_EQ_INT(secr_oncall_period(s), 1);
	err = check(s, daily_spring, ARRAY_SIZE(daily_spring));
	if (err)
		goto out;
	rota(s, "2026-10-24", 1, 8 * 60);
	err = check(s, daily_autumn, ARRAY_SIZE(daily_autumn));
	if (err)
		goto out;
	rota(s, "2026-03-28", 1, 2 * 60 + 30);
	err = check(s, daily_gap, ARRAY_SIZE(daily_gap));
	if (err)
		goto out;
	rota(s, "2026-10-23", 3, 2 * 60 + 30);
	err = check(s, three, ARRAY_SIZE(three));
	if (err)
		goto out;
	rota(s, "2026-03-16", 14, 8 * 60);
	err = check(s, fortnight, ARRAY_SIZE(fortnight));
	if (err)
		goto out;
	TEST_EQ_INT(secr_oncall_handoff(s, 2, &ms), 0);
	TEST_EQ_INT(ms, at("2026-04-13T06:00:00Z"));
	/* 0 is weekly, as before migration 25 */
	rota(s, "2026-03-16", 0, 8 * 60);
	TEST_EQ_INT(secr_oncall_period(s), 7);
	TEST_EQ_INT(secr_oncall_handoff(s, 2, &ms), 0);
	TEST_EQ_INT(ms, at("2026-03-30T06:00:00Z"));
out:
	mem_deref(s);
	return err;
}
