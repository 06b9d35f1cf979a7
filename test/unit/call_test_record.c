/*
 * call_test_record.c - the record operation (call/record.c) through the
 * fake backend: an answered caller is recorded; a stop digit ends it
 * (consumed, reported, other digits still buffered for collect), so do
 * max time, silence and errors reported by the backend, call_record_stop
 * and the end of the call.  When the caller hangs up while recording,
 * the backend finishes the file and the record handler runs before the
 * call's subscribers see [done] and before its end handler.  Each step
 * asserts the exact operations in their order.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call_test.h"
#include "demo.h"
#include "test.h"

struct renv {
	char path[64];
	struct store *st;
	struct config cfg;
	struct call_ctx *ctx;
	struct store_device dev; /* 1001 */
	struct call *call;       /* the last call answered (weak) */
};

static struct renv *renv;
static bool hangup_in_handler; /* the record handler ends the call */

static void rec_ended(struct call *call, int err, uint32_t ms,
		      enum call_record_end why, char digit, void *arg)
{
	fake_log("recorded %d %u %s '%c' %s;", err, ms,
		 call_record_end_name(why), digit ? digit : '-',
		 (const char *)arg);
	if (hangup_in_handler)
		call_hangup(call, 200, NULL, STORE_DISP_ANSWERED,
			    STORE_PARTY_SYSTEM);
}

static void end_logged(struct call *call, enum store_party by, uint16_t scode,
		       enum store_disposition disposition, void *arg)
{
	(void)call;
	(void)arg;
	fake_log("ended by %s: %u %s;", store_party_name(by), scode,
		 store_disposition_name(disposition));
}

static void answered(struct call *call, void *arg)
{
	(void)arg;
	renv->call = call;
	call_set_endh(call, end_logged, NULL);
}

static int answer_start(struct call *call, const struct route_target *t)
{
	(void)t;
	return call_answer(call, "rec", answered, NULL);
}

static int ring_start(struct call *call, const struct route_target *t)
{
	(void)t;
	renv->call = call;
	return call_ring(call);
}

static const struct call_app rec_apps[] = {
    {ROUTE_ANNOUNCEMENT, "rec", answer_start},
    {ROUTE_EMPLOYEE, "ring", ring_start},
};

static int renv_open(struct renv *e)
{
	int err;

	memset(e, 0, sizeof(*e));
	fake_reset();
	renv = e;
	hangup_in_handler = false;
	e->st = test_demo_store(e->path, sizeof(e->path));
	if (!e->st)
		return EIO;
	str_copy(e->cfg.node_id, "n1", sizeof(e->cfg.node_id));
	str_copy(e->cfg.prompts_dir, "/p", sizeof(e->cfg.prompts_dir));
	err = store_device_by_username(e->st, "1001", &e->dev);
	if (!err)
		err = call_ctx_alloc(&e->ctx, &e->cfg, e->st, &fake_backend,
				     NULL, rec_apps, ARRAY_SIZE(rec_apps));
	if (!err)
		err = call_ctx_subscribe(e->ctx, fake_event, NULL);
	return err;
}

static void renv_close(struct renv *e)
{
	e->ctx = mem_deref(e->ctx);
	if (e->st)
		test_demo_store_drop(e->st, e->path);
}

/* 1001 calls dialled; the fake log is emptied */
static int renv_call(struct renv *e, const char *dialled)
{
	struct call_origin o;
	int err;

	memset(&o, 0, sizeof(o));
	o.rc.device = &e->dev;
	o.rc.from_user = "1001";
	o.rc.from_name = "";
	o.dialled = dialled;
	o.call_id = "r1";
	o.leg = "device:1001";
	e->call = NULL;
	err = call_incoming(e->ctx, &o, fake_be_alloc("A"));
	(void)fake_take();
	return err;
}

/* an answered call (the announcement number), ACKed */
static int renv_answered(struct renv *e)
{
	int err = renv_call(e, "+4922182829990");

	if (err)
		return err;
	call_leg_established(fake.a);
	(void)fake_take();
	return e->call ? 0 : ENOTCONN;
}

int test_call_record(void)
{
	struct call_record_prm prm = {"/vm/m1.wav", 5000, 0, "#*"};
	struct renv e;
	struct call *call;
	int err = 0;

	TEST_EQ_INT(renv_open(&e), 0);

	/* not answered (ringing): ENOTCONN */
	TEST_EQ_INT(renv_call(&e, "1002"), 0);
	TEST_ASSERT(e.call != NULL);
	TEST_EQ_INT(call_record(e.call, &prm, rec_ended, "m1"), ENOTCONN);
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free A;");

	TEST_EQ_INT(renv_answered(&e), 0);
	call = e.call;

	/* bad arguments; a file that cannot be created */
	TEST_EQ_INT(call_record(NULL, &prm, rec_ended, "m1"), EINVAL);
	TEST_EQ_INT(call_record(call, NULL, rec_ended, "m1"), EINVAL);
	prm.max_ms = 0;
	TEST_EQ_INT(call_record(call, &prm, rec_ended, "m1"), EINVAL);
	prm.max_ms = 5000;
	prm.path = NULL;
	TEST_EQ_INT(call_record(call, &prm, rec_ended, "m1"), EINVAL);
	prm.path = "/vm/missing.wav";
	TEST_EQ_INT(call_record(call, &prm, rec_ended, "m1"), ENOENT);
	TEST_EQ_STR(fake_take(), "");
	prm.path = "/vm/m1.wav";

	/* recording; a second one is refused */
	TEST_EQ_INT(call_record(call, &prm, rec_ended, "m1"), 0);
	TEST_EQ_STR(fake_take(), "record m1.wav max 5000 silence 0 from A;");
	TEST_EQ_INT(call_record(call, &prm, rec_ended, "m2"), EALREADY);
	TEST_EQ_STR(fake_take(), "");

	/* '5' is no stop digit: kept for collect; '#' ends the recording
	 * and is consumed */
	call_leg_digit(fake.a, '5');
	TEST_EQ_STR(fake_take(), "");
	fake.rec_ms = 2340;
	call_leg_digit(fake.a, '#');
	TEST_EQ_STR(fake_take(), "record stop m1.wav;free rec m1.wav;"
				 "recorded 0 2340 digit '#' m1;");
	TEST_EQ_STR(call_digits(call), "5");
	call_leg_digit(fake.a, '#'); /* nothing records: a digit again */
	TEST_EQ_STR(call_digits(call), "5#");

	/* max time, reported by the backend (the file is finished
	 * there); then one that fails to write */
	prm.silence_ms = 3000;
	TEST_EQ_INT(call_record(call, &prm, rec_ended, "m2"), 0);
	TEST_EQ_STR(fake_take(), "record m1.wav max 5000 silence 3000 from A;");
	fake.rec_doneh(0, 5000, CALL_REC_MAX, fake.rec_arg);
	TEST_EQ_STR(fake_take(), "free rec m1.wav;recorded 0 5000 max '-' m2;");
	TEST_EQ_INT(call_record(call, &prm, rec_ended, "m3"), 0);
	(void)fake_take();
	fake.rec_doneh(0, 3120, CALL_REC_SILENCE, fake.rec_arg);
	TEST_EQ_STR(fake_take(),
		    "free rec m1.wav;recorded 0 3120 silence '-' m3;");
	TEST_EQ_INT(call_record(call, &prm, rec_ended, "m4"), 0);
	(void)fake_take();
	fake.rec_doneh(ENOSPC, 800, CALL_REC_ERROR, fake.rec_arg);
	TEST_EQ_STR(fake_take(),
		    "free rec m1.wav;recorded 28 800 error '-' m4;");

	/* stopped by the application: handler at once; syncing fails */
	TEST_EQ_INT(call_record(call, &prm, rec_ended, "m5"), 0);
	(void)fake_take();
	fake.rec_ms = 100;
	call_record_stop(call);
	TEST_EQ_STR(fake_take(), "record stop m1.wav;free rec m1.wav;"
				 "recorded 0 100 stopped '-' m5;");
	call_record_stop(call); /* none runs */
	TEST_EQ_STR(fake_take(), "");
	TEST_EQ_INT(call_record(call, &prm, rec_ended, "m6"), 0);
	(void)fake_take();
	fake.rec_err = EIO;
	call_leg_digit(fake.a, '*');
	TEST_EQ_STR(fake_take(), "record stop m1.wav;free rec m1.wav;"
				 "recorded 5 100 error '-' m6;");
	fake.rec_err = 0;

	/* the caller hangs up while recording: the file is finished and
	 * the handler runs before [done] and the end handler */
	TEST_EQ_INT(call_record(call, &prm, rec_ended, "m7"), 0);
	(void)fake_take();
	fake.rec_ms = 4200;
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "record stop m1.wav;free rec m1.wav;"
				 "recorded 0 4200 hangup '-' m7;"
				 "[done]ended by caller: 200 answered;free A;");
	TEST_EQ_INT(call_ctx_count(e.ctx), 0);
out:
	renv_close(&e);
	return err;
}

int test_call_record_end(void)
{
	struct call_record_prm prm = {"/vm/m1.wav", 5000, 0, NULL};
	struct route_target t;
	struct renv e;
	int err = 0;

	TEST_EQ_INT(renv_open(&e), 0);

	/* we hang up while recording: reported as stopped, first */
	TEST_EQ_INT(renv_answered(&e), 0);
	TEST_EQ_INT(call_record(e.call, &prm, rec_ended, "s1"), 0);
	(void)fake_take();
	fake.rec_ms = 700;
	call_hangup(e.call, 200, NULL, STORE_DISP_ANSWERED, STORE_PARTY_SYSTEM);
	TEST_EQ_STR(fake_take(), "record stop m1.wav;free rec m1.wav;"
				 "recorded 0 700 stopped '-' s1;"
				 "[done]ended by system: 200 answered;free A;");

	/* the handler itself ends the call as the caller hangs up: one
	 * end, by the handler's hang-up, no double free */
	TEST_EQ_INT(renv_answered(&e), 0);
	TEST_EQ_INT(call_record(e.call, &prm, rec_ended, "s2"), 0);
	(void)fake_take();
	hangup_in_handler = true;
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "record stop m1.wav;free rec m1.wav;"
				 "recorded 0 700 hangup '-' s2;"
				 "[done]ended by system: 200 answered;free A;");
	hangup_in_handler = false;
	TEST_EQ_INT(call_ctx_count(e.ctx), 0);

	/* no stop digits: every digit is kept */
	TEST_EQ_INT(renv_answered(&e), 0);
	TEST_EQ_INT(call_record(e.call, &prm, rec_ended, "s3"), 0);
	(void)fake_take();
	call_leg_digit(fake.a, '#');
	TEST_EQ_STR(fake_take(), "");
	TEST_EQ_STR(call_digits(e.call), "#");

	/* re-routed while recording: finished, not reported (the new
	 * application answers again: nothing to send) */
	memset(&t, 0, sizeof(t));
	t.kind = ROUTE_ANNOUNCEMENT;
	t.id = 1;
	TEST_EQ_INT(call_reroute(e.call, &t), 0);
	TEST_EQ_STR(fake_take(), "record stop m1.wav;free rec m1.wav;");

	/* shutdown while recording: reported (stopped) before [done] */
	TEST_EQ_INT(call_record(e.call, &prm, rec_ended, "s4"), 0);
	(void)fake_take();
	call_ctx_close_all(e.ctx);
	TEST_EQ_STR(fake_take(), "record stop m1.wav;free rec m1.wav;"
				 "recorded 0 700 stopped '-' s4;"
				 "[done]ended by system: 503 failed;free A;");
out:
	renv_close(&e);
	return err;
}
