/*
 * call_test_ring_group.c - ring groups (call/app_ring_group.c) through
 * the call seam with the fake backend on the demo database plus Otto
 * (extension 1003).  Max (device 1001) calls numbers routed to groups;
 * each step asserts the exact operations: the members dialled at once
 * or one after another with their own timeouts, the caller never rung
 * by its own group, an unreachable member skipped at once, skip_busy
 * leaving out a member who talks on another call, the group's own
 * timeout, and the fallback (another group with the caller's ID, an
 * announcement) or the members' answer when there is none.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call_test.h"
#include "test.h"

static const struct call_app apps[] = {
    {ROUTE_RING_GROUP, "ring_group", app_ring_group_start},
    {ROUTE_ANNOUNCEMENT, "announcement", app_announcement_start},
    {ROUTE_EMPLOYEE, "employee", app_employee_start},
};

/* The demo plus Otto (1003); one device per employee. */
static int rg_open(struct env *e, int64_t *ottop)
{
	struct store_employee o;
	int err;

	err = env_open(e, apps, ARRAY_SIZE(apps));
	if (err)
		return err;
	fake.devices = 1;
	memset(&o, 0, sizeof(o));
	o.tenant_id = 1;
	str_copy(o.first_name, "Otto", sizeof(o.first_name));
	str_copy(o.extension, "1003", sizeof(o.extension));
	err = store_employee_add(e->st, &o);
	*ottop = o.id;
	return err;
}

/* A group of members mv[0..n) with fallback fb, the number e164 routed
 * to it (if e164); its id in *idp. */
static int rg_add(struct env *e, const char *name,
		  enum store_ring_strategy strategy, bool skip_busy,
		  uint32_t timeout, struct store_target_ref fb,
		  const struct store_ring_member *mv, size_t n,
		  const char *e164, int64_t *idp)
{
	struct store_ring_group *g = mem_zalloc(sizeof(*g), NULL);
	struct store_number num;
	int err;

	if (!g)
		return ENOMEM;
	g->tenant_id = 1;
	str_copy(g->name, name, sizeof(g->name));
	g->strategy = strategy;
	g->skip_busy = skip_busy;
	g->timeout = timeout;
	g->fallback = fb;
	g->memberc = n;
	memcpy(g->memberv, mv, n * sizeof(*mv));
	err = store_ring_group_add(e->st, g);
	*idp = g->id;
	memset(&num, 0, sizeof(num));
	str_copy(num.e164, e164 ? e164 : "", sizeof(num.e164));
	num.active = true;
	num.target_type = TARGET_RING_GROUP;
	num.target_id = g->id;
	if (!err && e164)
		err = store_number_add(e->st, &num);
	mem_deref(g);
	return err;
}

static const struct store_target_ref none = {TARGET_NONE, 0};

/* all at once: the caller (Max) left out, each member its timeout; the
 * first to answer is bridged, the other cancelled; who is busy now */
int test_call_ring_group(void)
{
	struct store_ring_member mv[3];
	struct env e;
	struct call *call;
	int64_t otto = 0, gid;
	char want[200];
	int err = 0;

	TEST_EQ_INT(rg_open(&e, &otto), 0);
	mv[0] = (struct store_ring_member){e.max, 10};
	mv[1] = (struct store_ring_member){e.erika, 10};
	mv[2] = (struct store_ring_member){otto, 20};
	TEST_EQ_INT(rg_add(&e, "All", STORE_RING_SIMULTANEOUS, false, 0, none,
			   mv, 3, "+4922182829960", &gid),
		    0);

	TEST_EQ_INT(env_call(&e, "+4922182829960"), 0);
	re_snprintf(want, sizeof(want),
		    "[routing]media;offer;180;[ringing]"
		    "dial employee %lld as 1001;dial employee %lld as 1001;",
		    (long long)e.erika, (long long)otto);
	TEST_EQ_STR(fake_take(), want);
	TEST_EQ_INT(fake.dialc, 2);
	TEST_EQ_INT(fake.dialv[0].kind, CALL_DEST_EMPLOYEE);
	TEST_EQ_INT(fake.dialv[0].timeout, 10);
	TEST_EQ_INT(fake.dialv[1].timeout, 20);
	call = fake.a->call;
	TEST_ASSERT(!call_employee_busy(call, otto)); /* ringing: not busy */
	TEST_ASSERT(!call_employee_busy(call, e.max));
	TEST_EQ_INT(call_employee(call), e.max);

	/* Otto answers: Erika's phone is cancelled */
	call_leg_established(fake.legv[1]);
	TEST_EQ_STR(fake_take(), "free B1;bridge A B2;200;[bridged]");
	TEST_ASSERT(call_employee_busy(call, otto));
	TEST_ASSERT(call_employee_busy(call, e.max));
	TEST_ASSERT(!call_employee_busy(call, e.erika));

	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free B2;free A;");
	TEST_EQ_INT(env_record(&e, want, sizeof(want)), 0);
	TEST_EQ_STR(want, "answered 200 caller B2");
out:
	env_close(&e);
	return err;
}

/* one after another: Erika 1 s, then Otto 2 s, then the members'
 * answer; an unreachable member is skipped at once */
int test_call_ring_group_sequential(void)
{
	struct store_ring_member mv[2];
	struct env e;
	int64_t otto = 0, gid;
	char want[200];
	int err = 0;

	TEST_EQ_INT(rg_open(&e, &otto), 0);
	mv[0] = (struct store_ring_member){e.erika, 1};
	mv[1] = (struct store_ring_member){otto, 2};
	TEST_EQ_INT(rg_add(&e, "Seq", STORE_RING_SEQUENTIAL, false, 0, none, mv,
			   2, "+4922182829960", &gid),
		    0);

	TEST_EQ_INT(env_call(&e, "+4922182829960"), 0);
	re_snprintf(want, sizeof(want),
		    "[routing]media;offer;180;[ringing]"
		    "dial employee %lld as 1001;",
		    (long long)e.erika);
	TEST_EQ_STR(fake_take(), want);
	fake_run(1100);
	re_snprintf(want, sizeof(want), "free B1;dial employee %lld as 1001;",
		    (long long)otto);
	TEST_EQ_STR(fake_take(), want);
	TEST_EQ_INT(fake.dialv[1].timeout, 2);
	fake_run(600);
	TEST_EQ_STR(fake_take(), ""); /* Otto rings his 2 s */
	fake_run(1500);
	TEST_EQ_STR(fake_take(), "free B2;reject 480 Temporarily Unavailable;"
				 "[done]free A;");
	TEST_EQ_INT(env_record(&e, want, sizeof(want)), 0);
	TEST_EQ_STR(want, "no_answer 480 system ");

	/* Erika has no phone to ring: Otto at once; he is busy: 486 */
	fake.unreachable = e.erika;
	fake.legc = 0;
	TEST_EQ_INT(env_call(&e, "+4922182829960"), 0);
	re_snprintf(want, sizeof(want),
		    "[routing]media;offer;180;[ringing]"
		    "dial employee %lld as 1001;dial employee %lld as 1001;",
		    (long long)e.erika, (long long)otto);
	TEST_EQ_STR(fake_take(), want);
	TEST_EQ_INT(fake.legc, 1);
	call_leg_closed(fake.legv[0], 0, 486, "Busy Here");
	TEST_EQ_STR(fake_take(), "free B1;reject 486 Busy Here;[done]free A;");
	TEST_EQ_INT(env_record(&e, want, sizeof(want)), 0);
	TEST_EQ_STR(want, "busy 486 callee ");

	/* nobody can be rung at all: 480 at once */
	fake.devices = 0;
	TEST_EQ_INT(env_call(&e, "+4922182829960"), 0);
	re_snprintf(want, sizeof(want),
		    "[routing]media;offer;180;[ringing]"
		    "dial employee %lld as 1001;dial employee %lld as 1001;"
		    "reject 480 Temporarily Unavailable;[done]free A;",
		    (long long)e.erika, (long long)otto);
	TEST_EQ_STR(fake_take(), want);
	TEST_EQ_INT(env_record(&e, want, sizeof(want)), 0);
	TEST_EQ_STR(want, "unavailable 480 system ");
out:
	env_close(&e);
	return err;
}

/* skip_busy: Erika talks to Max; a group with skip_busy rings only Otto,
 * one without rings both; a group of Erika alone is busy (486), or goes
 * to its fallback at once */
int test_call_ring_group_busy(void)
{
	struct store_ring_member mv[2];
	struct store_target_ref ann = {TARGET_ANNOUNCEMENT, 1};
	struct env e;
	struct call *first;
	int64_t otto = 0, gid;
	char want[200];
	int err = 0;

	TEST_EQ_INT(rg_open(&e, &otto), 0);
	mv[0] = (struct store_ring_member){e.erika, 10};
	mv[1] = (struct store_ring_member){otto, 10};
	TEST_EQ_INT(rg_add(&e, "Skip", STORE_RING_SIMULTANEOUS, true, 0, ann,
			   mv, 2, "+4922182829961", &gid),
		    0);
	TEST_EQ_INT(rg_add(&e, "NoSkip", STORE_RING_SIMULTANEOUS, false, 0,
			   none, mv, 2, "+4922182829962", &gid),
		    0);
	TEST_EQ_INT(rg_add(&e, "Erika", STORE_RING_SEQUENTIAL, true, 0, none,
			   mv, 1, "+4922182829963", &gid),
		    0);
	TEST_EQ_INT(rg_add(&e, "ErikaAnn", STORE_RING_SEQUENTIAL, true, 0, ann,
			   mv, 1, "+4922182829964", &gid),
		    0);

	/* Max calls Erika, she answers */
	TEST_EQ_INT(env_call(&e, "1002"), 0);
	call_leg_established(fake.legv[0]);
	first = fake.a->call;
	(void)fake_take();
	TEST_ASSERT(call_employee_busy(first, e.erika));

	/* without skip_busy she rings anyway */
	TEST_EQ_INT(env_call(&e, "+4922182829962"), 0);
	re_snprintf(want, sizeof(want),
		    "[routing]media;offer;180;[ringing]"
		    "dial employee %lld as 1001;dial employee %lld as 1001;",
		    (long long)e.erika, (long long)otto);
	TEST_EQ_STR(fake_take(), want);
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free B2;free B3;free A;");

	/* with skip_busy only Otto; he declines: the announcement */
	TEST_EQ_INT(env_call(&e, "+4922182829961"), 0);
	re_snprintf(want, sizeof(want),
		    "[routing]media;offer;180;[ringing]"
		    "dial employee %lld as 1001;",
		    (long long)otto);
	TEST_EQ_STR(fake_take(), want);
	TEST_EQ_INT(fake.legc, 4);
	call_leg_closed(fake.legv[3], 0, 603, "Decline");
	TEST_EQ_STR(fake_take(), "free B4;200;[answered]");
	call_leg_established(fake.a);
	TEST_EQ_STR(fake_take(), "play welcome.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop welcome.wav;[done]free A;");

	/* Erika alone, busy: 486 at once, or the fallback at once */
	TEST_EQ_INT(env_call(&e, "+4922182829963"), 0);
	TEST_EQ_STR(fake_take(), "[routing]media;offer;reject 486 Busy Here;"
				 "[done]free A;");
	TEST_EQ_INT(env_record(&e, want, sizeof(want)), 0);
	TEST_EQ_STR(want, "busy 486 system ");
	TEST_EQ_INT(env_call(&e, "+4922182829964"), 0);
	TEST_EQ_STR(fake_take(), "[routing]media;offer;200;[answered]");
	call_hangup(fake.a->call, 200, NULL, STORE_DISP_NONE,
		    STORE_PARTY_CALLER);
	(void)fake_take();

	/* Erika's call ends: she is free and rings again */
	call_leg_closed(fake.legv[0], ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free B1;free A;");
	TEST_EQ_INT(env_call(&e, "+4922182829963"), 0);
	re_snprintf(want, sizeof(want),
		    "[routing]media;offer;180;[ringing]"
		    "dial employee %lld as 1001;",
		    (long long)e.erika);
	TEST_EQ_STR(fake_take(), want);
	TEST_ASSERT(!call_employee_busy(fake.a->call, e.erika));
	call_ctx_close_all(e.ctx);
	(void)fake_take();
out:
	env_close(&e);
	return err;
}

/* nobody answers: the fallback, another group (the caller's ID kept),
 * whose own timeout (1 s, before Otto's 5 s) leads to the announcement */
int test_call_ring_group_fallback(void)
{
	struct store_ring_member mv[1];
	struct store_target_ref fb = {TARGET_ANNOUNCEMENT, 1};
	struct env e;
	int64_t otto = 0, g2, g1;
	char want[200];
	int err = 0;

	TEST_EQ_INT(rg_open(&e, &otto), 0);
	mv[0] = (struct store_ring_member){otto, 5};
	TEST_EQ_INT(rg_add(&e, "Second", STORE_RING_SEQUENTIAL, false, 1, fb,
			   mv, 1, NULL, &g2),
		    0);
	mv[0] = (struct store_ring_member){e.erika, 1};
	fb = (struct store_target_ref){TARGET_RING_GROUP, g2};
	TEST_EQ_INT(rg_add(&e, "First", STORE_RING_SIMULTANEOUS, false, 0, fb,
			   mv, 1, "+4922182829960", &g1),
		    0);

	TEST_EQ_INT(env_call(&e, "+4922182829960"), 0);
	re_snprintf(want, sizeof(want),
		    "[routing]media;offer;180;[ringing]"
		    "dial employee %lld as 1001;",
		    (long long)e.erika);
	TEST_EQ_STR(fake_take(), want);
	fake.cid[0] = '\0';
	fake_run(1100);
	re_snprintf(want, sizeof(want), "free B1;dial employee %lld as 1001;",
		    (long long)otto);
	TEST_EQ_STR(fake_take(), want);
	TEST_EQ_STR(fake.cid, "1001");
	fake_run(1100);
	TEST_EQ_STR(fake_take(), "free B2;200;[answered]");
	call_leg_established(fake.a);
	TEST_EQ_STR(fake_take(), "play welcome.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop welcome.wav;[done]free A;");
	TEST_EQ_INT(env_record(&e, want, sizeof(want)), 0);
	TEST_EQ_STR(want, "answered 200 system announcement");
out:
	env_close(&e);
	return err;
}

/* Erika, talking to Max, transfers him (REFER) to a group's number: the
 * call is re-routed to the group; Max, answered already, hears music
 * while Otto's phone rings showing Max's number; Otto answers */
int test_call_ring_group_transfer(void)
{
	struct store_ring_member mv[1];
	struct call_refer r = {"sip:+4922182829960@sb", false, true, false,
			       "+4922182829960",        false, NULL};
	struct env e;
	int64_t otto = 0, gid;
	char want[300];
	int err = 0;

	TEST_EQ_INT(rg_open(&e, &otto), 0);
	mv[0] = (struct store_ring_member){otto, 10};
	TEST_EQ_INT(rg_add(&e, "Otto", STORE_RING_SIMULTANEOUS, false, 0, none,
			   mv, 1, "+4922182829960", &gid),
		    0);
	TEST_EQ_INT(env_call(&e, "1002"), 0);
	call_leg_established(fake.legv[0]);
	call_leg_established(fake.a);
	(void)fake_take();
	/* the fake names its legs B1, ...: make B1 Erika's phone */
	str_copy(fake.legv[0]->desc, "device:1002", sizeof(fake.legv[0]->desc));

	call_leg_refer(fake.legv[0], &r);
	re_snprintf(want, sizeof(want),
		    "202 B1;notify B1 100 Trying;notify B1 200 OK;"
		    "unbridge A;[answered]free B1;"
		    "play moh.wav (loop) to A;dial employee %lld as 1001;",
		    (long long)otto);
	TEST_EQ_STR(fake_take(), want);
	TEST_EQ_STR(fake.cid, "1001");
	call_leg_established(fake.legv[1]);
	TEST_EQ_STR(fake_take(), "stop moh.wav;bridge A B2;[bridged]");
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free B2;free A;");
out:
	env_close(&e);
	return err;
}
