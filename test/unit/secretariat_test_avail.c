/*
 * secretariat_test.c - the answering service's rules with a fixed
 * clock: Berlin wall-clock times back to UTC (both switch days of 2026),
 * appointments replacing the absence info only while they run (start
 * inclusive, end exclusive, overlaps), on-call rotations at the week
 * boundary and on both switch days (a handoff Monday 08:00 and Sunday
 * 02:30, which does not exist on 2026-03-29 and comes twice on
 * 2026-10-25), overrides winning over the rotation; and the store's
 * records of migration 20.
 *
 * Expected moments are written out from the calendar (CET = UTC+1 until
 * 2026-03-29 01:00 UTC, CEST = UTC+2 until 2026-10-25 01:00 UTC), not
 * computed by the code under test.
 */
#include "core/core.h"
#include "secretariat/secretariat.h"
#include "test.h"
#include "store_test.h"

static uint64_t at(const char *iso)
{
	uint64_t ms = 0;

	(void)time_iso_parse(iso, &ms);
	return ms;
}

int test_time_berlin_utc(void)
{
	static const struct {
		unsigned y, m, d, min;
		const char *utc;
	} v[] = {
	    {2026, 3, 23, 8 * 60, "2026-03-23T07:00:00Z"}, /* CET     */
	    {2026, 3, 29, 1 * 60 + 59, "2026-03-29T00:59:00Z"},
	    {2026, 3, 29, 2 * 60 + 30, "2026-03-29T01:30:00Z"}, /* gap */
	    {2026, 3, 29, 3 * 60, "2026-03-29T01:00:00Z"},      /* CEST    */
	    {2026, 3, 30, 8 * 60, "2026-03-30T06:00:00Z"},      /* CEST    */
	    {2026, 10, 25, 1 * 60 + 59, "2026-10-24T23:59:00Z"},
	    {2026, 10, 25, 2 * 60 + 30, "2026-10-25T00:30:00Z"}, /* 1st */
	    {2026, 10, 25, 3 * 60, "2026-10-25T02:00:00Z"},      /* CET     */
	    {2026, 10, 26, 8 * 60, "2026-10-26T07:00:00Z"},      /* CET     */
	    {2026, 12, 31, 23 * 60 + 59, "2026-12-31T22:59:00Z"},
	};
	uint64_t ms;
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		ms = 0;
		TEST_EQ_INT(
		    time_berlin_utc(v[i].y, v[i].m, v[i].d, v[i].min, &ms), 0);
		if (ms != at(v[i].utc)) {
			fprintf(stderr, "  %u-%u-%u %u: want %s\n", v[i].y,
				v[i].m, v[i].d, v[i].min, v[i].utc);
			TEST_ASSERT(false);
		}
	}
	TEST_EQ_INT(time_berlin_utc(2026, 2, 29, 0, &ms), EINVAL);
	TEST_EQ_INT(time_berlin_utc(2026, 13, 1, 0, &ms), EINVAL);
	TEST_EQ_INT(time_berlin_utc(2026, 1, 1, 1440, &ms), EINVAL);
	TEST_EQ_INT(time_berlin_utc(1969, 12, 31, 0, &ms), EINVAL);
out:
	return err;
}

static void appt(struct store_appointment *a, int64_t id, const char *from,
		 const char *until, const char *text)
{
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->starts_at = at(from);
	a->ends_at = at(until);
	str_copy(a->text, text, sizeof(a->text));
}

int test_secr_availability(void)
{
	static const char absence[] = "Nur vormittags im Hause.";
	struct store_appointment v[3];
	struct secr_availability r;
	int err = 0;

	/* the holiday of seeds/001: 01.10.-17.10., absence back 18.10. */
	appt(&v[0], 1, "2026-09-30T22:00:00Z", "2026-10-17T22:00:00Z",
	     "01.10.-17.10. im Urlaub - Rückrufe ab dem 18.10.");
	/* a meeting inside the holiday, and one later */
	appt(&v[1], 2, "2026-10-05T08:00:00Z", "2026-10-05T10:00:00Z",
	     "Im Termin bis 12 Uhr");
	appt(&v[2], 3, "2026-12-07T09:00:00Z", "2026-12-07T11:00:00Z",
	     "Außer Haus");

	/* before: the absence info, until the holiday starts */
	secr_availability_at(v, 3, absence, at("2026-09-30T21:59:59.999Z"), &r);
	TEST_EQ_INT(r.source, SECR_AVAIL_ABSENCE);
	TEST_EQ_STR(r.text, absence);
	TEST_EQ_INT(r.appointment_id, 0);
	TEST_EQ_INT(r.until, at("2026-09-30T22:00:00Z"));
	/* the start is inclusive */
	secr_availability_at(v, 3, absence, at("2026-09-30T22:00:00Z"), &r);
	TEST_EQ_INT(r.source, SECR_AVAIL_APPOINTMENT);
	TEST_EQ_INT(r.appointment_id, 1);
	TEST_EQ_INT(r.from, at("2026-09-30T22:00:00Z"));
	TEST_EQ_INT(r.until, at("2026-10-05T08:00:00Z")); /* meeting next */
	/* the meeting inside the holiday shows while it runs */
	secr_availability_at(v, 3, absence, at("2026-10-05T09:00:00Z"), &r);
	TEST_EQ_INT(r.appointment_id, 2);
	TEST_EQ_STR(r.text, "Im Termin bis 12 Uhr");
	TEST_EQ_INT(r.until, at("2026-10-05T10:00:00Z"));
	/* then the holiday again */
	secr_availability_at(v, 3, absence, at("2026-10-05T10:00:00Z"), &r);
	TEST_EQ_INT(r.appointment_id, 1);
	TEST_EQ_INT(r.until, at("2026-10-17T22:00:00Z"));
	/* the end is exclusive: the absence info returns by itself */
	secr_availability_at(v, 3, absence, at("2026-10-17T21:59:59.999Z"), &r);
	TEST_EQ_INT(r.appointment_id, 1);
	secr_availability_at(v, 3, absence, at("2026-10-17T22:00:00Z"), &r);
	TEST_EQ_INT(r.source, SECR_AVAIL_ABSENCE);
	TEST_EQ_STR(r.text, absence);
	TEST_EQ_INT(r.until, at("2026-12-07T09:00:00Z"));
	/* no absence info: none, text "" */
	secr_availability_at(v, 3, "", at("2026-11-01T00:00:00Z"), &r);
	TEST_EQ_INT(r.source, SECR_AVAIL_NONE);
	TEST_EQ_STR(r.text, "");
	secr_availability_at(NULL, 0, NULL, at("2026-11-01T00:00:00Z"), &r);
	TEST_EQ_INT(r.source, SECR_AVAIL_NONE);
	TEST_EQ_INT(r.until, 0);
	/* after the last one: no end known */
	secr_availability_at(v, 3, absence, at("2026-12-07T11:00:00Z"), &r);
	TEST_EQ_INT(r.source, SECR_AVAIL_ABSENCE);
	TEST_EQ_INT(r.until, 0);
	/* the same start: the one that ends first, then the lower id */
	appt(&v[1], 5, "2026-09-30T22:00:00Z", "2026-10-01T22:00:00Z",
	     "Erster Urlaubstag");
	secr_availability_at(v, 2, absence, at("2026-10-01T12:00:00Z"), &r);
	TEST_EQ_INT(r.appointment_id, 5);
	v[1].ends_at = v[0].ends_at;
	secr_availability_at(v, 2, absence, at("2026-10-01T12:00:00Z"), &r);
	TEST_EQ_INT(r.appointment_id, 1);
	TEST_EQ_STR(secr_avail_source_name(SECR_AVAIL_ABSENCE), "absence_info");
	TEST_EQ_STR(secr_avail_source_name(SECR_AVAIL_APPOINTMENT),
		    "appointment");
	TEST_EQ_STR(secr_avail_source_name(SECR_AVAIL_NONE), "none");
out:
	return err;
}

/* A rotation of employees 11, 12, 13 from date, handoff day/time. */
static void rota(struct store_oncall_schedule *s, const char *date,
		 unsigned day, unsigned min)
{
	memset(s, 0, sizeof(*s));
	s->id = 1;
	s->tenant_id = 1;
	str_copy(s->name, "Notdienst", sizeof(s->name));
	s->handoff_day = day;
	s->handoff_time = min;
	str_copy(s->start_date, date, sizeof(s->start_date));
	s->memberc = 3;
	s->memberv[0] = 11;
	s->memberv[1] = 12;
	s->memberv[2] = 13;
}

struct oc_case {
	const char *at;
	int64_t employee; /* 0: nobody */
	const char *from, *until;
};

static int oc_check(const struct store_oncall_schedule *s,
		    const struct store_oncall_override *ov, size_t n,
		    const struct oc_case *v, size_t c)
{
	struct secr_oncall r;
	size_t i;
	int err = 0;

	for (i = 0; i < c; i++) {
		TEST_EQ_INT(secr_oncall_at(s, ov, n, at(v[i].at), &r), 0);
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

int test_secr_oncall_rotation(void)
{
	/* Monday 08:00 from 2026-03-16 (CET): 11, then 12 on the 23rd,
	 * 13 on the 30th (CEST: 06:00 UTC), 11 again on 6 April */
	static const struct oc_case spring[] = {
	    {"2026-03-16T06:59:59Z", 0, NULL, "2026-03-16T07:00:00Z"},
	    {"2026-03-16T07:00:00Z", 11, "2026-03-16T07:00:00Z",
	     "2026-03-23T07:00:00Z"},
	    {"2026-03-23T06:59:59.999Z", 11, "2026-03-16T07:00:00Z",
	     "2026-03-23T07:00:00Z"},
	    {"2026-03-23T07:00:00Z", 12, "2026-03-23T07:00:00Z",
	     "2026-03-30T06:00:00Z"},
	    /* the switch Sunday: still 12 */
	    {"2026-03-29T01:30:00Z", 12, "2026-03-23T07:00:00Z",
	     "2026-03-30T06:00:00Z"},
	    /* Monday 07:59 CEST: 12; 08:00 CEST: 13 (167 h later) */
	    {"2026-03-30T05:59:59Z", 12, "2026-03-23T07:00:00Z",
	     "2026-03-30T06:00:00Z"},
	    {"2026-03-30T06:00:00Z", 13, "2026-03-30T06:00:00Z",
	     "2026-04-06T06:00:00Z"},
	    {"2026-04-06T06:00:00Z", 11, "2026-04-06T06:00:00Z",
	     "2026-04-13T06:00:00Z"},
	};
	/* autumn: the week of 2026-10-19 is 169 h long */
	static const struct oc_case autumn[] = {
	    {"2026-10-19T05:59:59Z", 0, NULL, "2026-10-19T06:00:00Z"},
	    {"2026-10-19T06:00:00Z", 11, "2026-10-19T06:00:00Z",
	     "2026-10-26T07:00:00Z"},
	    {"2026-10-25T01:30:00Z", 11, "2026-10-19T06:00:00Z",
	     "2026-10-26T07:00:00Z"},
	    {"2026-10-26T06:59:59Z", 11, "2026-10-19T06:00:00Z",
	     "2026-10-26T07:00:00Z"},
	    {"2026-10-26T07:00:00Z", 12, "2026-10-26T07:00:00Z",
	     "2026-11-02T07:00:00Z"},
	    /* a year on: turn 52 is 52 % 3 = 1 -> 12 */
	    {"2027-10-18T06:00:00Z", 12, "2027-10-18T06:00:00Z",
	     "2027-10-25T06:00:00Z"},
	};
	/* Sunday 02:30: on 2026-03-29 it does not exist (03:30 CEST, 01:30
	 * UTC); on 2026-10-25 it is the first 02:30 (CEST, 00:30 UTC) */
	static const struct oc_case sunday[] = {
	    {"2026-03-22T01:29:59Z", 0, NULL, "2026-03-22T01:30:00Z"},
	    {"2026-03-22T01:30:00Z", 11, "2026-03-22T01:30:00Z",
	     "2026-03-29T01:30:00Z"},
	    {"2026-03-29T01:29:59Z", 11, "2026-03-22T01:30:00Z",
	     "2026-03-29T01:30:00Z"},
	    {"2026-03-29T01:30:00Z", 12, "2026-03-29T01:30:00Z",
	     "2026-04-05T00:30:00Z"},
	    {"2026-10-18T00:30:00Z", 11, "2026-10-18T00:30:00Z",
	     "2026-10-25T00:30:00Z"},
	    {"2026-10-25T00:30:00Z", 12, "2026-10-25T00:30:00Z",
	     "2026-11-01T01:30:00Z"},
	    /* the second 02:30 (CET) hands over nothing */
	    {"2026-10-25T01:30:00Z", 12, "2026-10-25T00:30:00Z",
	     "2026-11-01T01:30:00Z"},
	};
	struct store_oncall_schedule *s;
	struct secr_oncall r;
	uint64_t ms;
	int err = 0;

	s = mem_zalloc(sizeof(*s), NULL);
	TEST_ASSERT(s != NULL);
	rota(s, "2026-03-16", 0, 8 * 60);
	err = oc_check(s, NULL, 0, spring, ARRAY_SIZE(spring));
	if (err)
		goto out;
	TEST_EQ_INT(secr_oncall_at(s, NULL, 0, at("2026-03-23T07:00:00Z"), &r),
		    0);
	TEST_EQ_INT(r.source, SECR_ONCALL_ROTATION);
	TEST_EQ_INT(r.turn, 1);
	TEST_EQ_INT(secr_oncall_at(s, NULL, 0, at("2026-03-16T06:00:00Z"), &r),
		    0);
	TEST_EQ_INT(r.source, SECR_ONCALL_NONE);
	TEST_EQ_INT(secr_oncall_handoff(s, 2, &ms), 0);
	TEST_EQ_INT(ms, at("2026-03-30T06:00:00Z"));

	rota(s, "2026-10-19", 0, 8 * 60);
	err = oc_check(s, NULL, 0, autumn, ARRAY_SIZE(autumn));
	if (err)
		goto out;
	rota(s, "2026-03-22", 6, 2 * 60 + 30);
	err = oc_check(s, NULL, 0, sunday, ARRAY_SIZE(sunday));
	if (err)
		goto out;
	rota(s, "2026-10-18", 6, 2 * 60 + 30);
	err = oc_check(s, NULL, 0, sunday + 4, 3);
	if (err)
		goto out;

	/* bad schedules */
	rota(s, "2026-02-30", 0, 8 * 60);
	TEST_EQ_INT(secr_oncall_at(s, NULL, 0, at("2026-03-23T07:00:00Z"), &r),
		    EINVAL);
	rota(s, "2026-03-16", 0, 8 * 60);
	s->memberc = 0;
	TEST_EQ_INT(secr_oncall_at(s, NULL, 0, at("2026-03-23T07:00:00Z"), &r),
		    EINVAL);
out:
	mem_deref(s);
	return err;
}

static void ovr(struct store_oncall_override *o, int64_t id, int64_t emp,
		const char *from, const char *until)
{
	memset(o, 0, sizeof(*o));
	o->id = id;
	o->schedule_id = 1;
	o->employee_id = emp;
	o->starts_at = at(from);
	o->ends_at = at(until);
}

int test_secr_oncall_override(void)
{
	/* rotation 11, 12, 13 weekly from Monday 2026-11-30 08:00 CET; 12
	 * is on duty 2026-12-07 07:00Z .. 2026-12-14 07:00Z; 13 swaps
	 * Tuesday night, and 11 takes the handoff week-end */
	static const struct oc_case v[] = {
	    {"2026-12-08T16:59:59Z", 12, "2026-12-07T07:00:00Z",
	     "2026-12-08T17:00:00Z"},
	    {"2026-12-08T17:00:00Z", 13, "2026-12-08T17:00:00Z",
	     "2026-12-09T07:00:00Z"},
	    {"2026-12-09T06:59:59Z", 13, "2026-12-08T17:00:00Z",
	     "2026-12-09T07:00:00Z"},
	    {"2026-12-09T07:00:00Z", 12, "2026-12-09T07:00:00Z",
	     "2026-12-12T07:00:00Z"},
	    /* an override across the handoff: it wins on both sides */
	    {"2026-12-13T12:00:00Z", 11, "2026-12-12T07:00:00Z",
	     "2026-12-15T07:00:00Z"},
	    {"2026-12-14T07:00:00Z", 11, "2026-12-12T07:00:00Z",
	     "2026-12-15T07:00:00Z"},
	    /* after it: 13's turn, since the override's end */
	    {"2026-12-15T07:00:00Z", 13, "2026-12-15T07:00:00Z",
	     "2026-12-21T07:00:00Z"},
	    /* before the first handoff an override still counts */
	    {"2026-11-29T12:00:00Z", 12, "2026-11-29T00:00:00Z",
	     "2026-11-30T00:00:00Z"},
	    {"2026-11-30T03:00:00Z", 0, NULL, "2026-11-30T07:00:00Z"},
	};
	struct store_oncall_schedule *s;
	struct store_oncall_override o[3];
	struct secr_oncall r;
	int err = 0;

	s = mem_zalloc(sizeof(*s), NULL);
	TEST_ASSERT(s != NULL);
	rota(s, "2026-11-30", 0, 8 * 60);
	ovr(&o[0], 7, 11, "2026-12-12T07:00:00Z", "2026-12-15T07:00:00Z");
	ovr(&o[1], 8, 13, "2026-12-08T17:00:00Z", "2026-12-09T07:00:00Z");
	ovr(&o[2], 9, 12, "2026-11-29T00:00:00Z", "2026-11-30T00:00:00Z");
	err = oc_check(s, o, 3, v, ARRAY_SIZE(v));
	if (err)
		goto out;
	TEST_EQ_INT(secr_oncall_at(s, o, 3, at("2026-12-08T17:00:00Z"), &r), 0);
	TEST_EQ_INT(r.source, SECR_ONCALL_OVERRIDE);
	TEST_EQ_INT(r.override_id, 8);
	TEST_EQ_STR(secr_oncall_source_name(r.source), "override");
	TEST_EQ_STR(secr_oncall_source_name(SECR_ONCALL_ROTATION), "rotation");
	TEST_EQ_STR(secr_oncall_source_name(SECR_ONCALL_NONE), "none");
	TEST_EQ_INT(secr_oncall_at(s, NULL, 2, 0, &r), EINVAL);
out:
	mem_deref(s);
	return err;
}

static int count_h(const struct store_appointment *a, void *arg)
{
	return ids_add(arg, a->id);
}

static int ovr_count_h(const struct store_oncall_override *o, void *arg)
{
	return ids_add(arg, o->id);
}

int test_store_availability(void)
{
	struct store_oncall_schedule *s = NULL, *g = NULL;
	struct store_appointment_filter f;
	struct store_oncall_override o;
	struct store_appointment a, b;
	struct store_absence *abs = NULL;
	struct secr_availability av;
	struct secr_oncall oc;
	struct ids ids;
	struct tdb db;
	int64_t t1, t2, max, erika, other;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	s = mem_zalloc(sizeof(*s), NULL);
	g = mem_zalloc(sizeof(*g), NULL);
	abs = mem_zalloc(sizeof(*abs), NULL);
	TEST_ASSERT(s && g && abs);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Max", "1001", &max), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Erika", "1002", &erika), 0);
	TEST_EQ_INT(fx_employee(db.st, t2, "Other", "1001", &other), 0);

	/* absence info: none, set, cleared; no such employee */
	TEST_EQ_INT(store_absence_get(db.st, max, abs), 0);
	TEST_EQ_STR(abs->text, "");
	TEST_EQ_INT(abs->updated_at, 0);
	TEST_EQ_INT(store_absence_set(db.st, max, "Nur vormittags.", 0), 0);
	TEST_EQ_INT(store_absence_get(db.st, max, abs), 0);
	TEST_EQ_STR(abs->text, "Nur vormittags.");
	TEST_EQ_INT(abs->updated_at, T0);
	TEST_EQ_INT(store_absence_set(db.st, 4242, "x", 0), ENOENT);
	TEST_EQ_INT(store_absence_get(db.st, 4242, abs), ENOENT);

	/* appointments: tenant from the employee; bad fields */
	memset(&a, 0, sizeof(a));
	a.employee_id = max;
	a.starts_at = at("2026-10-01T00:00:00+02:00");
	a.ends_at = at("2026-10-18T00:00:00+02:00");
	str_copy(a.text, "Urlaub", sizeof(a.text));
	TEST_EQ_INT(store_appointment_add(db.st, &a), 0);
	TEST_ASSERT(a.id > 0);
	TEST_EQ_INT(a.tenant_id, t1);
	TEST_EQ_INT(store_appointment_get(db.st, a.id, &b), 0);
	TEST_EQ_INT(b.starts_at, a.starts_at);
	TEST_EQ_STR(b.text, "Urlaub");
	b = a;
	b.ends_at = b.starts_at;
	TEST_EQ_INT(store_appointment_add(db.st, &b), EINVAL);
	b = a;
	b.text[0] = '\0';
	TEST_EQ_INT(store_appointment_add(db.st, &b), EINVAL);
	b = a;
	b.employee_id = 4242;
	TEST_EQ_INT(store_appointment_add(db.st, &b), ENOENT);

	/* the availability from the store: the appointment replaces it */
	TEST_EQ_INT(secr_employee_availability(
			db.st, max, at("2026-10-05T12:00:00Z"), abs, &b, &av),
		    0);
	TEST_EQ_INT(av.appointment_id, a.id);
	TEST_EQ_STR(av.text, "Urlaub");
	TEST_EQ_INT(secr_employee_availability(
			db.st, max, at("2026-10-17T22:00:00Z"), abs, &b, &av),
		    0);
	TEST_EQ_INT(av.source, SECR_AVAIL_ABSENCE);
	TEST_EQ_STR(av.text, "Nur vormittags.");

	/* list filters */
	memset(&f, 0, sizeof(f));
	f.tenant_id = t2;
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_appointment_list(db.st, &f, count_h, &ids), 0);
	TEST_EQ_INT(ids.n, 0);
	f.tenant_id = t1;
	f.from = a.ends_at;
	TEST_EQ_INT(store_appointment_list(db.st, &f, count_h, &ids), 0);
	TEST_EQ_INT(ids.n, 0);
	f.from = a.ends_at - 1;
	TEST_EQ_INT(store_appointment_list(db.st, &f, count_h, &ids), 0);
	TEST_EQ_INT(ids.n, 1);

	/* on-call: members of the tenant only, the start a handoff day */
	rota(s, "2026-11-30", 0, 8 * 60);
	s->id = 0;
	s->tenant_id = t1;
	s->memberc = 2;
	s->memberv[0] = max;
	s->memberv[1] = other;
	TEST_EQ_INT(store_oncall_schedule_add(db.st, s), EXDEV);
	s->memberv[1] = erika;
	str_copy(s->start_date, "2026-12-01", sizeof(s->start_date));
	TEST_EQ_INT(store_oncall_schedule_add(db.st, s), EINVAL);
	str_copy(s->start_date, "2026-11-30", sizeof(s->start_date));
	TEST_EQ_INT(store_oncall_schedule_add(db.st, s), 0);
	TEST_EQ_INT(store_oncall_schedule_get(db.st, s->id, g), 0);
	TEST_EQ_INT(g->memberc, 2);
	TEST_EQ_INT(g->memberv[1], erika);
	TEST_EQ_INT(g->handoff_time, 480);
	TEST_EQ_STR(g->start_date, "2026-11-30");
	s->id = 0;
	TEST_EQ_INT(store_oncall_schedule_add(db.st, s), EEXIST);

	/* overrides: no overlap within the schedule */
	memset(&o, 0, sizeof(o));
	o.schedule_id = g->id;
	o.employee_id = max;
	o.starts_at = at("2026-12-08T17:00:00Z");
	o.ends_at = at("2026-12-09T07:00:00Z");
	TEST_EQ_INT(store_oncall_override_add(db.st, &o), 0);
	TEST_EQ_INT(o.tenant_id, t1);
	o.starts_at = at("2026-12-09T06:00:00Z");
	o.ends_at = at("2026-12-09T08:00:00Z");
	TEST_EQ_INT(store_oncall_override_add(db.st, &o), EEXIST);
	o.starts_at = at("2026-12-09T07:00:00Z"); /* back to back */
	TEST_EQ_INT(store_oncall_override_add(db.st, &o), 0);
	o.employee_id = other;
	TEST_EQ_INT(store_oncall_override_update(db.st, &o), EXDEV);
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_oncall_override_list(db.st, 0, g->id, 0, 0,
					       ovr_count_h, &ids),
		    0);
	TEST_EQ_INT(ids.n, 2);

	/* who is on duty: the rotation's Erika, Max by override */
	TEST_EQ_INT(
	    secr_oncall_now(db.st, g->id, at("2026-12-08T12:00:00Z"), &oc), 0);
	TEST_EQ_INT(oc.employee_id, erika);
	TEST_EQ_INT(oc.until, at("2026-12-08T17:00:00Z"));
	TEST_EQ_INT(
	    secr_oncall_now(db.st, g->id, at("2026-12-08T18:00:00Z"), &oc), 0);
	TEST_EQ_INT(oc.employee_id, max);
	TEST_EQ_INT(oc.source, SECR_ONCALL_OVERRIDE);
	TEST_EQ_INT(secr_oncall_now(db.st, 4242, 0, &oc), ENOENT);

	/* an employee on call cannot go; the schedule takes its
	 * overrides with it; an employee's appointments go with it */
	TEST_EQ_INT(store_employee_delete(db.st, erika), EBUSY);
	TEST_EQ_INT(store_oncall_schedule_delete(db.st, g->id), 0);
	TEST_EQ_INT(store_oncall_override_get(db.st, o.id, &o), ENOENT);
	TEST_EQ_INT(store_employee_delete(db.st, max), 0);
	TEST_EQ_INT(store_appointment_get(db.st, a.id, &b), ENOENT);
out:
	mem_deref(abs);
	mem_deref(g);
	mem_deref(s);
	tdb_close(&db);
	return err;
}
