/*
 * store_test_schedule.c - schedules against store.h: a round trip of the
 * row and its ranges and exceptions, replacing them, targets checked
 * like a number's (missing, of another tenant), a chain of schedules
 * that would come back to itself refused (ELOOP), and nothing deleted
 * while something routes to it: a schedule a number or another schedule
 * names, an announcement or an employee a schedule names (EBUSY).
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

static void sched_fill(struct store_schedule *s, int64_t tenant,
		       const char *name, enum store_target ct, int64_t cid)
{
	memset(s, 0, sizeof(*s));
	s->tenant_id = tenant;
	str_copy(s->name, name, sizeof(s->name));
	s->region = STORE_REGION_SN;
	s->closed.type = ct;
	s->closed.id = cid;
	s->rangec = 2;
	s->rangev[0] = (struct store_sched_range){0x1f, 480, 720};
	s->rangev[1] = (struct store_sched_range){0x1f, 780, 1080};
	s->excc = 2;
	s->excv[0] = (struct store_sched_exception){
	    2026, 12, 24, STORE_SCHED_OPEN, 540, 720};
	s->excv[1] = (struct store_sched_exception){
	    2026, 12, 31, STORE_SCHED_HOLIDAY, 0, 0};
}

int test_store_schedule(void)
{
	struct store_schedule *s = NULL, *g = NULL;
	struct tdb db;
	int64_t t1, t2, emp, ann, ann2, num, a, b;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	s = mem_zalloc(sizeof(*s), NULL);
	g = mem_zalloc(sizeof(*g), NULL);
	TEST_ASSERT(s && g);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Max", "1001", &emp), 0);
	TEST_EQ_INT(fx_announcement(db.st, t1, "closed.wav", &ann), 0);
	TEST_EQ_INT(fx_announcement(db.st, t2, "other.wav", &ann2), 0);

	/* round trip */
	sched_fill(s, t1, "Office", TARGET_ANNOUNCEMENT, ann);
	s->open.type = TARGET_EMPLOYEE;
	s->open.id = emp;
	TEST_EQ_INT(store_schedule_add(db.st, s), 0);
	a = s->id;
	TEST_ASSERT(a > 0);
	TEST_EQ_INT(store_schedule_get(db.st, a, g), 0);
	TEST_EQ_INT(g->tenant_id, t1);
	TEST_EQ_STR(g->name, "Office");
	TEST_EQ_INT(g->region, STORE_REGION_SN);
	TEST_EQ_INT(g->open.type, TARGET_EMPLOYEE);
	TEST_EQ_INT(g->open.id, emp);
	TEST_EQ_INT(g->closed.type, TARGET_ANNOUNCEMENT);
	TEST_EQ_INT(g->closed.id, ann);
	TEST_EQ_INT(g->holiday.type, TARGET_NONE);
	TEST_EQ_INT(g->created_at, T0);
	TEST_EQ_INT(g->rangec, 2);
	TEST_EQ_INT(g->rangev[1].days, 0x1f);
	TEST_EQ_INT(g->rangev[1].start, 780);
	TEST_EQ_INT(g->rangev[1].end, 1080);
	TEST_EQ_INT(g->excc, 2);
	TEST_EQ_INT(g->excv[0].year, 2026);
	TEST_EQ_INT(g->excv[0].month, 12);
	TEST_EQ_INT(g->excv[0].day, 24);
	TEST_EQ_INT(g->excv[0].state, STORE_SCHED_OPEN);
	TEST_EQ_INT(g->excv[0].start, 540);
	TEST_EQ_INT(g->excv[1].state, STORE_SCHED_HOLIDAY);
	TEST_EQ_INT(g->excv[1].day, 31);

	/* the same name twice in a tenant */
	sched_fill(s, t1, "Office", TARGET_NONE, 0);
	TEST_EQ_INT(store_schedule_add(db.st, s), EEXIST);

	/* targets like a number's */
	sched_fill(s, t1, "Other", TARGET_ANNOUNCEMENT, ann2);
	TEST_EQ_INT(store_schedule_add(db.st, s), EXDEV);
	sched_fill(s, t1, "Other", TARGET_ANNOUNCEMENT, 9999);
	TEST_EQ_INT(store_schedule_add(db.st, s), ENOENT);
	sched_fill(s, t1, "", TARGET_NONE, 0);
	TEST_EQ_INT(store_schedule_add(db.st, s), EINVAL);

	/* B closed -> A; A closed -> B would loop, A -> A too */
	sched_fill(s, t1, "B", TARGET_SCHEDULE, a);
	TEST_EQ_INT(store_schedule_add(db.st, s), 0);
	b = s->id;
	TEST_EQ_INT(store_schedule_get(db.st, a, g), 0);
	g->closed.type = TARGET_SCHEDULE;
	g->closed.id = b;
	TEST_EQ_INT(store_schedule_update(db.st, g), ELOOP);
	g->closed.id = a;
	TEST_EQ_INT(store_schedule_update(db.st, g), ELOOP);

	/* update replaces the children */
	TEST_EQ_INT(store_schedule_get(db.st, a, g), 0);
	g->rangec = 1;
	g->rangev[0] = (struct store_sched_range){0x7f, 0, 1440};
	g->excc = 0;
	TEST_EQ_INT(store_schedule_update(db.st, g), 0);
	TEST_EQ_INT(store_schedule_get(db.st, a, g), 0);
	TEST_EQ_INT(g->rangec, 1);
	TEST_EQ_INT(g->rangev[0].days, 0x7f);
	TEST_EQ_INT(g->rangev[0].end, 1440);
	TEST_EQ_INT(g->excc, 0);
	g->tenant_id = t2;
	TEST_EQ_INT(store_schedule_update(db.st, g), EXDEV);

	/* in use */
	TEST_EQ_INT(store_schedule_delete(db.st, a), EBUSY); /* B -> A */
	TEST_EQ_INT(store_announcement_delete(db.st, ann), EBUSY);
	TEST_EQ_INT(store_employee_delete(db.st, emp), EBUSY);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829950", true, TARGET_SCHEDULE, b, &num),
	    0);
	TEST_EQ_INT(store_schedule_delete(db.st, b), EBUSY);
	TEST_EQ_INT(store_number_delete(db.st, num), 0);
	TEST_EQ_INT(store_schedule_delete(db.st, b), 0);
	TEST_EQ_INT(store_schedule_delete(db.st, a), 0);
	TEST_EQ_INT(store_schedule_get(db.st, a, g), ENOENT);
	TEST_EQ_INT(store_announcement_delete(db.st, ann), 0);
	TEST_EQ_INT(store_employee_delete(db.st, emp), 0);
out:
	mem_deref(s);
	mem_deref(g);
	tdb_close(&db);
	return err;
}
