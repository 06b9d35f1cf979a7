/*
 * call_test_transfer.c - blind transfer through the call-control seam
 * with the fake backend (call_test_fake.c) on the demo database: a REFER
 * from the callee and from the caller (the legs swap), the target busy
 * (NOTIFY 486, bridged to the transferor again), the transferor hanging
 * up first, the transferee hanging up while the target rings, every
 * refusal with its status, and an application's call_transfer().  Each
 * step asserts the exact operations in their order.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call_test.h"
#include "demo.h"
#include "test.h"

/* The same environment as call_test.c (its helpers are static there). */
/* 1001 calls Erika (1002, two devices B1 and B2), B2 answers. */
static int env_bridged(struct env *e)
{
	int err = 0;

	fake.legc = 0;
	TEST_EQ_INT(env_call(e, "1002"), 0);
	TEST_EQ_INT(fake.legc, 2);
	call_leg_established(fake.legv[1]);
	(void)fake_take();
	TEST_EQ_INT(call_state(fake.a->call), CALL_BRIDGED);
	/* the fake names its legs B1, B2: make B2 Erika's phone */
	str_copy(fake.legv[1]->desc, "device:1002", sizeof(fake.legv[1]->desc));
out:
	return err;
}

static void refer_to(struct call_leg *leg, const char *user)
{
	char uri[64];
	struct call_refer r = {uri, false, true, false, user, false, NULL};

	re_snprintf(uri, sizeof(uri), "sip:%s@sb", user);
	call_leg_refer(leg, &r);
}

int test_call_transfer_refer(void)
{
	struct store_call c;
	uint64_t answered;
	struct call_leg *b2;
	struct env e;
	char want[300];
	int err = 0;

	TEST_EQ_INT(env_open(&e, NULL, 0), 0);

	/* Erika (B2) transfers the caller to Max (1001): 202, NOTIFY 100,
	 * the caller hears music, Max's phones ring showing the caller */
	TEST_EQ_INT(env_bridged(&e), 0);
	b2 = fake.legv[1];
	refer_to(b2, "1001");
	re_snprintf(want, sizeof(want),
		    "202 B2;notify B2 100 Trying;unbridge A;[answered]"
		    "play moh.wav (loop) to A;dial employee %lld as 1001;",
		    (long long)e.max);
	TEST_EQ_STR(fake_take(), want);
	TEST_EQ_STR(fake.cid, "1001");
	TEST_EQ_INT(fake.legc, 4);

	/* a second REFER, from either side, while it runs: 491 */
	refer_to(b2, "1002");
	TEST_EQ_STR(fake_take(), "refuse B2 491 Request Pending;");

	/* the transferor hangs up (as phones do after the 202): the
	 * transfer goes on, the leg is kept for the last NOTIFY */
	call_leg_closed(b2, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "");
	TEST_EQ_INT(call_ctx_count(e.ctx), 1);

	/* B4 answers: B3 cancelled, music off, bridged, NOTIFY 200, the
	 * transferor's leg freed; the record keeps its answer time and
	 * names the target as callee */
	TEST_EQ_INT(store_call_get(e.st, fake.rec_id, &c), 0);
	answered = c.answered_at;
	TEST_ASSERT(answered != 0);
	fake_run(20);
	call_leg_established(fake.legv[3]);
	TEST_EQ_STR(fake_take(), "free B3;stop moh.wav;bridge A B4;[bridged]"
				 "notify B2 200 OK;free B2;");
	TEST_EQ_INT(call_state(fake.a->call), CALL_BRIDGED);
	TEST_EQ_INT(store_call_get(e.st, fake.rec_id, &c), 0);
	TEST_ASSERT(c.answered_at == answered);
	TEST_EQ_STR(c.callee_leg, "B4");

	/* the caller and Max talk; the caller hangs up */
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free B4;free A;");
	TEST_EQ_INT(call_ctx_count(e.ctx), 0);

	/* the caller (A, Max's 1001) transfers Erika to an external
	 * number: the legs swap, Erika hears the music, the trunk shows
	 * the tenant's central number; the target answers: A gets BYE */
	TEST_EQ_INT(env_bridged(&e), 0);
	call_leg_established(fake.a);
	refer_to(fake.a, "+49221123456");
	TEST_EQ_STR(fake_take(),
		    "202 A;notify A 100 Trying;unbridge A;[answered]"
		    "play moh.wav (loop) to B2;dial +49221123456 via trunk 1;");
	TEST_EQ_STR(fake.cid, "+4922182829900");
	call_leg_established(fake.legv[2]);
	TEST_EQ_STR(fake_take(), "stop moh.wav;bridge B2 trunk;[bridged]"
				 "notify A 200 OK;free A;");
	call_leg_closed(fake.legv[2], ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free trunk;free B2;");

	/* to an announcement: NOTIFY 200, the transferor hung up, the
	 * transferee hears it */
	TEST_EQ_INT(env_bridged(&e), 0);
	refer_to(fake.legv[1], "+4922182829990");
	TEST_EQ_STR(fake_take(), "202 B2;notify B2 100 Trying;notify B2 200 OK;"
				 "unbridge A;[answered]free B2;"
				 "play welcome.wav to A;");
	call_ctx_close_all(e.ctx);
	(void)fake_take();
out:
	env_close(&e);
	return err;
}

int test_call_transfer_busy(void)
{
	struct env e;
	char want[300];
	int err = 0;

	TEST_EQ_INT(env_open(&e, NULL, 0), 0);

	/* the caller transfers Erika to a busy number: NOTIFY 486, the
	 * music stops, Erika is bridged to the caller again (A again) */
	TEST_EQ_INT(env_bridged(&e), 0);
	refer_to(fake.a, "+49221123456");
	(void)fake_take();
	call_leg_closed(fake.legv[2], 0, 486, "Busy Here");
	TEST_EQ_STR(fake_take(), "free trunk;notify A 486 Busy Here;"
				 "stop moh.wav;bridge A B2;[bridged]");
	TEST_EQ_INT(call_state(fake.a->call), CALL_BRIDGED);
	/* and can transfer again; nobody answers in time: 480 */
	refer_to(fake.legv[1], "1001");
	(void)fake_take();
	fake_run(1200);
	re_snprintf(want, sizeof(want),
		    "free B4;free B5;notify B2 480 Temporarily Unavailable;"
		    "stop moh.wav;bridge A B2;[bridged]");
	TEST_EQ_STR(fake_take(), want);

	/* an unknown extension: NOTIFY 404, nothing else changes */
	refer_to(fake.legv[1], "1099");
	TEST_EQ_STR(fake_take(), "202 B2;notify B2 100 Trying;"
				 "notify B2 404 Not Found;");

	/* busy after the transferor hung up: nobody to go back to */
	refer_to(fake.legv[1], "1001");
	call_leg_closed(fake.legv[1], ECONNRESET, 0, NULL);
	(void)fake_take();
	call_leg_closed(fake.legv[5], 0, 486, "Busy Here");
	TEST_EQ_STR(fake_take(), "free B6;");
	call_leg_closed(fake.legv[6], 0, 486, "Busy Here");
	TEST_EQ_STR(fake_take(), "free B7;notify B2 486 Busy Here;free B2;"
				 "[done]stop moh.wav;free A;");
	TEST_EQ_INT(call_ctx_count(e.ctx), 0);

	/* the transferee hangs up while the target rings: NOTIFY 487,
	 * the target cancelled, the transferor hung up */
	TEST_EQ_INT(env_bridged(&e), 0);
	refer_to(fake.legv[1], "1001");
	(void)fake_take();
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(),
		    "[done]notify B2 487 Request Terminated;"
		    "free B2;stop moh.wav;free B3;free B4;free A;");
	TEST_EQ_INT(call_ctx_count(e.ctx), 0);
out:
	env_close(&e);
	return err;
}

int test_call_transfer_refuse(void)
{
	struct call_refer r = {"sip:1001@sb", false, true, false,
			       "1001",        false, NULL};
	struct env e;
	int err = 0;

	TEST_EQ_INT(env_open(&e, NULL, 0), 0);
	TEST_EQ_INT(env_bridged(&e), 0);

	r.uri = NULL; /* no Refer-To */
	call_leg_refer(fake.a, &r);
	TEST_EQ_STR(fake_take(), "refuse A 400 Missing Refer-To;");
	r.uri = "<sip:1001@";
	r.bad = true;
	call_leg_refer(fake.a, &r);
	TEST_EQ_STR(fake_take(), "refuse A 400 Bad Refer-To;");
	r.uri = "tel:+49221123456";
	r.bad = false;
	r.sip = false;
	call_leg_refer(fake.a, &r);
	TEST_EQ_STR(fake_take(), "refuse A 416 Unsupported URI Scheme;");
	r.uri = "sip:1001@sb?Replaces=abc";
	r.sip = true;
	r.replaces = true;
	r.replaces_bad = true; /* no tags */
	call_leg_refer(fake.a, &r);
	TEST_EQ_STR(fake_take(), "refuse A 400 Bad Replaces;");
	r.replaces = false;
	r.replaces_bad = false;
	/* B1 is not a device of ours (a carrier, a contact) */
	str_copy(fake.legv[1]->desc, "trunk:1", sizeof(fake.legv[1]->desc));
	call_leg_refer(fake.legv[1], &r);
	TEST_EQ_STR(fake_take(), "refuse B2 403 Forbidden;");
	TEST_EQ_INT(call_state(fake.a->call), CALL_BRIDGED);
	call_ctx_close_all(e.ctx);
	(void)fake_take();

	/* a call that is not bridged (the announcement answered it) */
	TEST_EQ_INT(env_call(&e, "+4922182829990"), 0);
	call_leg_refer(fake.a, &r);
	TEST_EQ_STR(fake_take(), "[routing]media;offer;200;[answered]"
				 "refuse A 603 Declined;");
	call_ctx_close_all(e.ctx);
	(void)fake_take();
out:
	env_close(&e);
	return err;
}

/* ---- an application transfers ---------------------------------------- */

static struct env *app_env;

static void app_transferred(struct call *call, uint16_t scode,
			    const char *reason, void *arg)
{
	(void)arg;
	fake_log("transferred %u %s %s;", scode, reason,
		 call_state_name(call_state(call)));
}

static void app_answered(struct call *call, void *arg)
{
	struct call_dest d = {CALL_DEST_EMPLOYEE, app_env->erika, NULL, NULL,
			      5};

	(void)arg;
	fake_log("transfer %d;",
		 call_transfer(call, &d, app_transferred, NULL));
	fake_log("again %d;", call_transfer(call, &d, app_transferred, NULL));
}

static int app_start(struct call *call, const struct route_target *t)
{
	struct call_dest d = {CALL_DEST_EMPLOYEE, t->id, NULL, NULL, 5};

	fake_log("early %d;", call_transfer(call, &d, NULL, NULL));
	return call_answer(call, "service", app_answered, NULL);
}

int test_call_transfer_app(void)
{
	static const struct call_app apps[] = {
	    {ROUTE_ANNOUNCEMENT, "service", app_start},
	};
	struct env e;
	char want[300];
	int err = 0;

	TEST_EQ_INT(env_open(&e, apps, ARRAY_SIZE(apps)), 0);
	app_env = &e;
	TEST_EQ_INT(call_transfer(NULL, NULL, NULL, NULL), EINVAL);

	/* the answering service transfers the caller to Erika; busy: the
	 * caller stays answered, the music stops */
	TEST_EQ_INT(env_call(&e, "+4922182829990"), 0);
	call_leg_established(fake.a);
	re_snprintf(want, sizeof(want),
		    "[routing]media;offer;early 107;200;[answered]"
		    "play moh.wav (loop) to A;dial employee %lld as 1001;"
		    "transfer 0;again 114;",
		    (long long)e.erika);
	TEST_EQ_STR(fake_take(), want);
	call_leg_closed(fake.legv[0], 0, 486, "Busy Here");
	call_leg_closed(fake.legv[1], 0, 603, "Decline");
	TEST_EQ_STR(fake_take(), "free B1;free B2;stop moh.wav;"
				 "transferred 486 Busy Here answered;");

	/* again; Erika answers: bridged, reported once */
	fake.legc = 0;
	app_answered(fake.a->call, NULL);
	(void)fake_take();
	call_leg_established(fake.legv[1]);
	TEST_EQ_STR(fake_take(), "free B1;stop moh.wav;bridge A B2;[bridged]"
				 "transferred 200 OK bridged;");
	call_leg_closed(fake.legv[1], ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free B2;free A;");
out:
	env_close(&e);
	return err;
}
