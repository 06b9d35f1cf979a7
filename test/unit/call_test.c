/*
 * call_test.c - calls driven through the call-control seam with the fake
 * backend of call_test_fake.c (no SIP, no sockets) on the demo database:
 * ringing an employee (early media, the first answer bridged, the others
 * cancelled, music on hold), busy and unanswered forks, rejected and
 * unusable INVITEs, and an application that answers, plays, collects
 * digits and re-routes to an employee, and the voice menu of ivr/ (a
 * wrong key, no key, goodbye; a key to an employee, a key to the
 * announcement).  Each step asserts the exact
 * operations in their order, the state events, the handlers' results and
 * the call record.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "ivr/ivr.h"
#include "call_test.h"
#include "demo.h"
#include "test.h"

static void log_ended(struct call *call, enum store_party by, uint16_t scode,
		      enum store_disposition disposition, void *arg)
{
	(void)call;
	(void)arg;
	fake_log("ended by %s: %u %s;", store_party_name(by), scode,
		 store_disposition_name(disposition));
}

int test_call_bridge(void)
{
	struct env e;
	char rec[200];
	int err = 0;

	TEST_EQ_INT(env_open(&e, NULL, 0), 0);
	TEST_EQ_INT(env_call(&e, "1002"), 0);
	re_snprintf(
	    rec, sizeof(rec),
	    "[routing]media;offer;180;[ringing]dial employee %lld as 1001;",
	    (long long)e.erika);
	TEST_EQ_STR(fake_take(), rec);
	TEST_EQ_INT(call_ctx_count(e.ctx), 1);
	TEST_EQ_INT(fake.legc, 2);
	call_set_endh(fake.a->call, log_ended, NULL);

	/* B1 brings early media: bridged, 183 to the caller; only once */
	call_leg_early(fake.legv[0]);
	TEST_EQ_STR(fake_take(), "bridge A B1;183;");
	TEST_ASSERT(!call_leg_early_wanted(fake.legv[1]));

	/* B2 answers: B1 cancelled, A bridged to B2 and answered */
	call_leg_established(fake.legv[1]);
	TEST_EQ_STR(fake_take(), "free B1;bridge A B2;200;[bridged]");
	TEST_EQ_INT(call_state(fake.a->call), CALL_BRIDGED);

	/* B2 holds: music to A; resumes: music stops */
	fake_set_held(fake.legv[1], true);
	call_leg_media_changed(fake.legv[1]);
	TEST_EQ_STR(fake_take(), "play moh.wav (loop) to A;");
	fake_set_held(fake.legv[1], false);
	call_leg_media_changed(fake.legv[1]);
	TEST_EQ_STR(fake_take(), "stop moh.wav;");

	/* the caller hangs up */
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]ended by caller: 200 answered;"
				 "free B2;free A;");
	TEST_EQ_INT(call_ctx_count(e.ctx), 0);
	TEST_EQ_INT(env_record(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "answered 200 caller B2");
out:
	env_close(&e);
	return err;
}

int test_call_dial_fail(void)
{
	struct env e;
	char rec[200];
	int err = 0;

	/* busy beats unavailable, whatever the order */
	TEST_EQ_INT(env_open(&e, NULL, 0), 0);
	TEST_EQ_INT(env_call(&e, "1002"), 0);
	(void)fake_take();
	call_leg_closed(fake.legv[0], 0, 486, "Busy Here");
	TEST_EQ_STR(fake_take(), "free B1;");
	call_leg_closed(fake.legv[1], 0, 480, "Temporarily Unavailable");
	TEST_EQ_STR(fake_take(), "free B2;reject 486 Busy Here;[done]free A;");
	TEST_EQ_INT(env_record(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "busy 486 callee ");

	/* nobody answers within the ring timeout (1 s) */
	fake.devices = 1;
	fake.legc = 0;
	TEST_EQ_INT(env_call(&e, "1002"), 0);
	(void)fake_take();
	fake_run(1300);
	TEST_EQ_STR(fake_take(), "free B1;reject 480 Temporarily "
				 "Unavailable;[done]free A;");
	TEST_EQ_INT(env_record(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "no_answer 480 system ");

	/* no reachable device at all */
	fake.devices = 0;
	TEST_EQ_INT(env_call(&e, "1002"), 0);
	re_snprintf(
	    rec, sizeof(rec),
	    "[routing]media;offer;180;[ringing]dial employee %lld as 1001;"
	    "reject 480 Temporarily Unavailable;[done]free A;",
	    (long long)e.erika);
	TEST_EQ_STR(fake_take(), rec);
	TEST_EQ_INT(env_record(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "unavailable 480 system ");

	/* the caller cancels while it rings */
	fake.devices = 1;
	fake.legc = 0;
	TEST_EQ_INT(env_call(&e, "1002"), 0);
	(void)fake_take();
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free B1;free A;");
	TEST_EQ_INT(env_record(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "cancelled 487 caller ");
out:
	env_close(&e);
	return err;
}

int test_call_reject(void)
{
	struct env e;
	char rec[200];
	int err = 0;

	TEST_EQ_INT(env_open(&e, NULL, 0), 0);
	TEST_EQ_INT(env_call(&e, "1999"), 0);
	TEST_EQ_STR(fake_take(), "[routing]reject 404 Not Found;[done]free A;");
	TEST_EQ_INT(env_record(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "not_found 404 system ");

	/* no media port; an offer without a common codec; bad SDP */
	fake.media_err = EADDRINUSE;
	TEST_EQ_INT(env_call(&e, "1002"), 0);
	TEST_EQ_STR(fake_take(), "[routing]media;reject 503 Media "
				 "Unavailable;[done]free A;");
	fake.media_err = 0;
	fake.offer_err = ENOTSUP;
	TEST_EQ_INT(env_call(&e, "1002"), 0);
	TEST_EQ_STR(fake_take(), "[routing]media;offer;reject 488 Not "
				 "Acceptable Here;[done]free A;");
	fake.offer_err = EPROTO;
	TEST_EQ_INT(env_call(&e, "1002"), 0);
	TEST_EQ_STR(fake_take(),
		    "[routing]media;offer;reject 400 Bad SDP;[done]free A;");
	TEST_EQ_INT(env_record(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "failed 400 system ");

	/* the announcement: answered, played once, hung up by us */
	fake.offer_err = 0;
	TEST_EQ_INT(env_call(&e, "+4922182829990"), 0);
	TEST_EQ_STR(fake_take(), "[routing]media;offer;200;[answered]");
	call_leg_established(fake.a);
	TEST_EQ_STR(fake_take(), "play welcome.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop welcome.wav;[done]free A;");
	TEST_EQ_INT(env_record(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "answered 200 system announcement");
out:
	env_close(&e);
	return err;
}

/* ---- an application on the seam: menu, digits, re-route ---------------- */

static struct env *ivr_env;

static void ivr_bridged(struct call *call, uint16_t scode, const char *reason,
			bool timed_out, void *arg)
{
	(void)call;
	(void)arg;
	fake_log("dialled %u %s %d;", scode, reason, timed_out);
}

static void ivr_second(struct call *call, int err, const char *digits,
		       void *arg)
{
	struct route_target t;

	(void)arg;
	fake_log("collected %d '%s';", err, digits);
	memset(&t, 0, sizeof(t));
	t.kind = ROUTE_EMPLOYEE;
	t.id = ivr_env->erika;
	str_copy(t.caller_id, "1001", sizeof(t.caller_id));
	fake_log("reroute %d;", call_reroute(call, &t));
}

static void ivr_first(struct call *call, int err, const char *digits, void *arg)
{
	struct call_collect_prm prm = {1, 4, '#', 500, 500};

	(void)arg;
	fake_log("collected %d '%s';", err, digits);
	fake_log("collect %d;", call_collect(call, &prm, ivr_second, NULL));
}

static void ivr_played(struct call *call, int err, char digit, void *arg)
{
	struct call_collect_prm prm = {1, 2, '#', 3000, 3000};

	(void)arg;
	fake_log("played %d '%c' digits '%s';", err, digit ? digit : '-',
		 call_digits(call));
	fake_log("collect %d;", call_collect(call, &prm, ivr_first, NULL));
}

static void ivr_answered(struct call *call, void *arg)
{
	static const char *const menu[] = {"/p/menu1.wav", "/p/menu2.wav"};

	(void)arg;
	fake_log("record %d;", call_record(call, NULL, NULL, NULL));
	fake_log("transfer %d;", call_transfer(call, NULL, NULL, NULL));
	fake_log("play %d;", call_play(call, menu, 2, true, ivr_played, NULL));
}

static int menu_app_start(struct call *call, const struct route_target *t)
{
	(void)t;
	return call_answer(call, "ivr", ivr_answered, NULL);
}

static int ivr_dial_start(struct call *call, const struct route_target *t)
{
	struct call_dest d = {CALL_DEST_EMPLOYEE, t->id, NULL, NULL, 5};
	struct call_dial_prm prm = {&d, 1, false, t->caller_id, "", false};

	return call_dial(call, &prm, ivr_bridged, NULL);
}

int test_call_ivr(void)
{
	static const struct call_app apps[] = {
	    {ROUTE_ANNOUNCEMENT, "ivr", menu_app_start},
	    {ROUTE_EMPLOYEE, "dial", ivr_dial_start},
	};
	struct env e;
	char rec[200];
	int err = 0;

	TEST_EQ_INT(env_open(&e, apps, ARRAY_SIZE(apps)), 0);
	ivr_env = &e;
	fake.devices = 1;
	TEST_EQ_INT(env_call(&e, "+4922182829990"), 0);
	TEST_EQ_STR(fake_take(), "[routing]media;offer;200;[answered]");
	TEST_ASSERT(fake.inband); /* an application talks: keys as tones */
	TEST_EQ_INT(call_play(fake.a->call, NULL, 0, true, NULL, NULL), EINVAL);

	/* the ACK: the menu starts; its first part plays out */
	call_leg_established(fake.a);
	TEST_EQ_STR(fake_take(), "record 22;transfer 22;"
				 "play menu1.wav to A;play 0;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop menu1.wav;play menu2.wav to A;");

	/* '1' stops the menu and is the first digit collected */
	call_leg_digit(fake.a, '1');
	TEST_EQ_STR(fake_take(), "stop menu2.wav;played 0 '1' digits '1';"
				 "collect 0;");
	call_leg_digit(fake.a, '2');
	TEST_EQ_STR(fake_take(), "");
	fake_run(50);
	TEST_EQ_STR(fake_take(), "collected 0 '12';collect 0;");

	/* nothing more is keyed in: the second collect times out, and
	 * the application re-routes the call to Erika */
	fake_run(700);
	re_snprintf(rec, sizeof(rec),
		    "collected 110 '';dial employee %lld as 1001;"
		    "play ringback.wav (loop) to A;reroute 0;",
		    (long long)e.erika);
	TEST_EQ_STR(fake_take(), rec);

	/* she answers: bridged, the caller was answered already */
	call_leg_established(fake.legv[0]);
	TEST_EQ_STR(fake_take(),
		    "stop ringback.wav;bridge A B1;[bridged]dialled 200 OK 0;");
	TEST_ASSERT(!fake.inband); /* a person talks: tones are audio */

	/* a digit now is buffered, nobody collects */
	call_leg_digit(fake.a, '5');
	TEST_EQ_STR(call_digits(fake.a->call), "5");

	/* she hangs up */
	call_leg_closed(fake.legv[0], ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free B1;free A;");
	TEST_EQ_INT(env_record(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "answered 200 callee B1");
out:
	env_close(&e);
	return err;
}

/* ---- a list of members, one after another; re-route from a bridge ----- */

static void seq_dialled(struct call *call, uint16_t scode, const char *reason,
			bool timed_out, void *arg)
{
	(void)arg;
	fake_log("dialled %u %s %d;", scode, reason, timed_out);
	if (scode != 200)
		call_hangup(call, scode, reason, STORE_DISP_NONE,
			    STORE_PARTY_CALLEE);
}

static int seq_start(struct call *call, const struct route_target *t)
{
	struct call_dest d[] = {
	    {CALL_DEST_CONTACT, 0, "sip:1002@10.0.0.2", NULL, 5},
	    {CALL_DEST_EXTERNAL, 1, NULL, "+49221123456", 5},
	};
	struct call_dial_prm prm = {d,  ARRAY_SIZE(d), true, t->caller_id,
				    "", false};
	int err = call_ring(call);

	return err ? err : call_dial(call, &prm, seq_dialled, NULL);
}

int test_call_sequential(void)
{
	static const struct call_app apps[] = {
	    {ROUTE_EMPLOYEE, "seq", seq_start},
	    {ROUTE_ANNOUNCEMENT, "announcement", app_announcement_start},
	};
	struct route_target t;
	struct env e;
	char rec[200];
	int err = 0;

	TEST_EQ_INT(env_open(&e, apps, ARRAY_SIZE(apps)), 0);

	/* the first member is busy, the second rejects: busy wins */
	TEST_EQ_INT(env_call(&e, "1002"), 0);
	TEST_EQ_STR(fake_take(), "[routing]media;offer;180;[ringing]"
				 "dial sip:1002@10.0.0.2;");
	call_leg_closed(fake.legv[0], 0, 486, "Busy Here");
	TEST_EQ_STR(fake_take(), "free sip:1002@10.0.0.2;"
				 "dial +49221123456 via trunk 1;");
	call_leg_closed(fake.legv[1], 0, 603, "Decline");
	TEST_EQ_STR(fake_take(), "free trunk;dialled 486 Busy Here 0;"
				 "reject 486 Busy Here;[done]free A;");
	TEST_EQ_INT(env_record(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "busy 486 callee ");

	/* the first answers; then the call is re-routed to the
	 * announcement: the callee is hung up, the caller hears it */
	fake.legc = 0;
	TEST_EQ_INT(env_call(&e, "1002"), 0);
	(void)fake_take();
	call_leg_established(fake.legv[0]);
	TEST_EQ_STR(fake_take(), "bridge A sip:1002@10.0.0.2;200;[bridged]"
				 "dialled 200 OK 0;");
	call_leg_established(fake.a); /* the caller's ACK */
	memset(&t, 0, sizeof(t));
	t.kind = ROUTE_ANNOUNCEMENT;
	t.id = 1;
	TEST_EQ_INT(call_reroute(fake.a->call, &t), 0);
	TEST_EQ_STR(fake_take(), "unbridge A;free sip:1002@10.0.0.2;"
				 "[answered]play welcome.wav to A;");
	t.kind = ROUTE_EXTERNAL; /* no row for it */
	TEST_EQ_INT(call_reroute(fake.a->call, &t), ENOENT);
	TEST_EQ_STR(fake_take(), ""); /* the announcement goes on */
	TEST_EQ_INT(call_ctx_count(e.ctx), 1);

	/* shutdown hangs up what is left */
	call_ctx_close_all(e.ctx);
	TEST_EQ_STR(fake_take(), "[done]stop welcome.wav;free A;");
	TEST_EQ_INT(env_record(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "failed 503 system sip:1002@10.0.0.2");
out:
	env_close(&e);
	return err;
}

/* ---- the voice menu (ivr/) on the seam ------------------------------- */

/* A menu on +4922182829951: 1 rings Erika, 2 the announcement, timeout
 * 1 s, one retry; no fallback (goodbye). */
static int menu_setup(struct env *e, int64_t *idp)
{
	struct store_ivr_menu *m = mem_zalloc(sizeof(*m), NULL);
	struct store_number n;
	int err;

	if (!m)
		return ENOMEM;
	m->tenant_id = 1;
	str_copy(m->name, "Main", sizeof(m->name));
	m->timeout = 1;
	m->retries = 1;
	m->optionc = 2;
	m->optionv[0] =
	    (struct store_ivr_option){'1', {TARGET_EMPLOYEE, e->erika}};
	m->optionv[1] =
	    (struct store_ivr_option){'2', {TARGET_ANNOUNCEMENT, 1}};
	err = store_ivr_menu_add(e->st, m);
	*idp = m->id;
	memset(&n, 0, sizeof(n));
	str_copy(n.e164, "+4922182829951", sizeof(n.e164));
	n.active = true;
	n.target_type = TARGET_IVR;
	n.target_id = m->id;
	if (!err)
		err = store_number_add(e->st, &n);
	mem_deref(m);
	return err;
}

int test_call_menu(void)
{
	static const struct call_app apps[] = {
	    {ROUTE_IVR, "ivr", ivr_start},
	    {ROUTE_ANNOUNCEMENT, "announcement", app_announcement_start},
	    {ROUTE_EMPLOYEE, "employee", app_employee_start},
	};
	struct env e;
	int64_t mid = 0;
	char want[200];
	int err = 0;

	TEST_EQ_INT(env_open(&e, apps, ARRAY_SIZE(apps)), 0);
	TEST_EQ_INT(menu_setup(&e, &mid), 0);

	/* answered; the greeting in German once the ACK came */
	TEST_EQ_INT(env_call(&e, "+4922182829951"), 0);
	TEST_EQ_STR(fake_take(), "[routing]media;offer;200;[answered]");
	call_leg_established(fake.a);
	TEST_EQ_STR(fake_take(), "play greeting.wav to A;");

	/* 9 stops it: no such key: "not valid", the greeting again */
	call_leg_digit(fake.a, '9');
	fake_run(10); /* collect takes the buffered key on the next tick */
	TEST_EQ_STR(fake_take(),
		    "stop greeting.wav;play menu_invalid.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(),
		    "stop menu_invalid.wav;play greeting.wav to A;");

	/* it plays out, no key in 1 s: retries used up, goodbye, hung up */
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop greeting.wav;");
	fake_run(1100);
	TEST_EQ_STR(fake_take(), "play goodbye.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop goodbye.wav;[done]free A;");

	/* again: 1 rings Erika's phones with the caller's number */
	TEST_EQ_INT(env_call(&e, "+4922182829951"), 0);
	(void)fake_take();
	call_leg_established(fake.a);
	(void)fake_take();
	call_leg_digit(fake.a, '1');
	fake_run(10);
	re_snprintf(want, sizeof(want),
		    "stop greeting.wav;dial employee %lld as 1001;"
		    "play ringback.wav (loop) to A;",
		    (long long)e.erika);
	TEST_EQ_STR(fake_take(), want);
	TEST_EQ_STR(fake.cid, "1001");
	call_hangup(fake.a->call, 200, NULL, STORE_DISP_NONE,
		    STORE_PARTY_CALLER);
	(void)fake_take();

	/* 2: the announcement, the call answered already */
	TEST_EQ_INT(env_call(&e, "+4922182829951"), 0);
	(void)fake_take();
	call_leg_established(fake.a);
	(void)fake_take();
	call_leg_digit(fake.a, '2');
	fake_run(10);
	TEST_EQ_STR(fake_take(), "stop greeting.wav;play welcome.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop welcome.wav;[done]free A;");
out:
	env_close(&e);
	return err;
}

/* ---- one press sent both ways ---------------------------------------- */

static void twice_answered(struct call *call, void *arg)
{
	(void)call;
	(void)arg;
	fake_log("answered;");
}

static int twice_start(struct call *call, const struct route_target *t)
{
	(void)t;
	return call_answer(call, "test", twice_answered, NULL);
}

int test_call_digit_twice(void)
{
	static const struct call_app apps[] = {
	    {ROUTE_ANNOUNCEMENT, "test", twice_start},
	};
	struct env e;
	int err = 0;

	TEST_EQ_INT(env_open(&e, apps, ARRAY_SIZE(apps)), 0);
	TEST_EQ_INT(env_call(&e, "+4922182829990"), 0);
	call_leg_established(fake.a);
	TEST_EQ_STR(fake_take(),
		    "[routing]media;offer;200;[answered]answered;");

	/* RFC 4733 and INFO of one press: one key, either order */
	call_leg_digit_from(fake.a, '1', CALL_DIGIT_MEDIA);
	call_leg_digit_from(fake.a, '1', CALL_DIGIT_INFO);
	TEST_EQ_STR(call_digits(fake.a->call), "1");
	call_leg_digit_from(fake.a, '2', CALL_DIGIT_INFO);
	call_leg_digit_from(fake.a, '2', CALL_DIGIT_MEDIA);
	TEST_EQ_STR(call_digits(fake.a->call), "12");

	/* two presses of one key the same way are two keys */
	call_leg_digit_from(fake.a, '3', CALL_DIGIT_INFO);
	call_leg_digit_from(fake.a, '3', CALL_DIGIT_INFO);
	TEST_EQ_STR(call_digits(fake.a->call), "1233");

	/* another key by the other way at once is a key of its own */
	call_leg_digit_from(fake.a, '4', CALL_DIGIT_MEDIA);
	TEST_EQ_STR(call_digits(fake.a->call), "12334");

	/* the same key by the other way after the window: a new press */
	fake_run(CALL_DIGIT_TWICE_MS + 100);
	call_leg_digit_from(fake.a, '4', CALL_DIGIT_INFO);
	TEST_EQ_STR(call_digits(fake.a->call), "123344");
out:
	env_close(&e);
	return err;
}

/* ---- a call going round for ever ------------------------------------- */

static struct tmr loop_tmr;
static unsigned loop_starts;

static void loop_again(void *arg)
{
	struct call *call = arg;
	struct route_target t;

	memset(&t, 0, sizeof(t));
	t.kind = ROUTE_ANNOUNCEMENT;
	(void)call_reroute(call, &t); /* the call may be gone now */
}

static void loop_answered(struct call *call, void *arg)
{
	(void)arg;
	tmr_start(&loop_tmr, 0, loop_again, call);
}

static int loop_start(struct call *call, const struct route_target *t)
{
	(void)t;
	loop_starts++;
	return call_answer(call, "loop", loop_answered, NULL);
}

int test_call_reroute_limit(void)
{
	static const struct call_app apps[] = {
	    {ROUTE_ANNOUNCEMENT, "loop", loop_start},
	};
	struct env e;
	char rec[200];
	int err = 0;

	tmr_init(&loop_tmr);
	loop_starts = 0;
	TEST_EQ_INT(env_open(&e, apps, ARRAY_SIZE(apps)), 0);
	TEST_EQ_INT(env_call(&e, "+4922182829990"), 0);
	call_leg_established(fake.a);
	fake_run(200);
	/* the first start, then CALL_REROUTE_MAX re-routes; the next one
	 * hangs up */
	TEST_EQ_INT(loop_starts, 1 + CALL_REROUTE_MAX);
	TEST_EQ_INT(call_ctx_count(e.ctx), 0);
	TEST_EQ_INT(env_record(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "failed 483 system loop");
out:
	tmr_cancel(&loop_tmr);
	env_close(&e);
	return err;
}
