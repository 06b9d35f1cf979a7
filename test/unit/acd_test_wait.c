/*
 * acd_test_wait.c - a caller waiting in a queue (src/acd/wait.c) on the
 * fake backend: what is played and said, in which order, which keys do
 * what.  The "queue" here is the test: it answers the call, starts the
 * waiting with fixed parameters and says what info the caller gets.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "acd/acd_int.h"
#include "test.h"
#include "call_test.h"

static struct {
	struct acd_wait *w;
	struct acd_wait_info info;
	struct acd_wait_prm prm;
	unsigned asked;
	char chose[64];
} q;

static void q_info(struct acd_wait_info *info, void *arg)
{
	(void)arg;
	q.asked++;
	*info = q.info;
}

static void q_choice(enum acd_wait_choice c, const char *number, void *arg)
{
	(void)arg;
	re_snprintf(q.chose, sizeof(q.chose), "%s %s",
		    c == ACD_WAIT_VOICEMAIL ? "voicemail" : "callback", number);
	fake_log("chose %s;", q.chose);
}

static void q_answered(struct call *call, void *arg)
{
	(void)arg;
	if (acd_wait_start(&q.w, call, &q.prm, q_info, q_choice, NULL))
		fake_log("wait failed;");
}

static void q_end(struct call *call, enum store_party by, uint16_t scode,
		  enum store_disposition disposition, void *arg)
{
	(void)call;
	(void)by;
	(void)scode;
	(void)disposition;
	(void)arg;
	q.w = mem_deref(q.w);
}

static int q_start(struct call *call, const struct route_target *t)
{
	(void)t;
	call_set_endh(call, q_end, NULL);
	return call_answer(call, "queue", q_answered, NULL);
}

static const struct call_app apps[] = {
    {ROUTE_ANNOUNCEMENT, "queue", q_start},
};

static void keys(const char *k)
{
	for (; *k; k++)
		call_leg_digit(fake.a, *k);
}

static void q_reset(void)
{
	memset(&q, 0, sizeof(q));
	q.prm.lang = "de";
	q.prm.greeting = "hotline.wav";
	q.prm.announce_ms = 1000;
	q.prm.say_position = true;
	q.prm.say_wait = true;
	q.prm.offer_voicemail = true;
	q.prm.offer_callback = true;
	str_copy(q.prm.ctx.country, "49", sizeof(q.prm.ctx.country));
	str_copy(q.prm.ctx.area, "221", sizeof(q.prm.ctx.area));
}

/* Greeting; an agent free (not all busy): position and wait at once,
 * music, the announcement again after announce_ms with live figures;
 * held while an agent rings; the caller hangs up. */
int test_acd_wait_announce(void)
{
	struct env e;
	int err = 0;

	q_reset();
	q.info = (struct acd_wait_info){3, 150000, false, false};
	TEST_EQ_INT(env_open(&e, apps, ARRAY_SIZE(apps)), 0);
	TEST_EQ_INT(env_call(&e, "+4922182829990"), 0);
	call_leg_established(fake.a);
	TEST_EQ_STR(fake_take(), "[routing]media;offer;200;[answered]"
				 "play hotline.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(),
		    "stop hotline.wav;say de Sie sind an Position drei. Die "
		    "voraussichtliche Wartezeit beträgt etwa drei Minuten.;");
	fake_say_done(0, "/speech/de-a.wav");
	TEST_EQ_STR(fake_take(), "speech off;play de-a.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop de-a.wav;play moh.wav (loop) to A;");

	/* a second later, one ahead less: said again, music again */
	q.info = (struct acd_wait_info){2, 40000, false, false};
	fake_run(1100);
	TEST_EQ_STR(fake_take(),
		    "stop moh.wav;say de Sie sind an Position zwei. Die "
		    "voraussichtliche Wartezeit beträgt weniger als eine "
		    "Minute.;");
	fake_say_done(0, "/speech/de-b.wav");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "speech off;play de-b.wav to A;"
				 "stop de-b.wav;play moh.wav (loop) to A;");
	TEST_EQ_INT(q.asked, 3); /* entry check, two announcements */

	/* an agent rings for the caller: no announcement starts */
	acd_wait_quiet(q.w, true);
	fake_run(1300);
	TEST_EQ_STR(fake_take(), "");
	TEST_EQ_INT(q.asked, 3);

	/* the agent did not answer: quiet ends, the overdue one comes */
	acd_wait_quiet(q.w, false);
	fake_run(20);
	TEST_EQ_STR(fake_take(),
		    "stop moh.wav;say de Sie sind an Position zwei. Die "
		    "voraussichtliche Wartezeit beträgt weniger als eine "
		    "Minute.;");

	/* the caller hangs up during the speech: all stops, no choice */
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]speech off;free A;");
	TEST_ASSERT(q.w == NULL);
	TEST_EQ_STR(q.chose, "");
out:
	env_close(&e);
	q.w = mem_deref(q.w);
	return err;
}

/* All busy: said at once with the choice; 2 leaves a message; nobody
 * logged in: that is said; no key: waiting goes on. */
int test_acd_wait_busy(void)
{
	struct env e;
	int err = 0;

	q_reset();
	q.prm.greeting = "";
	q.info = (struct acd_wait_info){4, 240000, true, false};
	TEST_EQ_INT(env_open(&e, apps, ARRAY_SIZE(apps)), 0);
	TEST_EQ_INT(env_call(&e, "+4922182829990"), 0);
	call_leg_established(fake.a);
	TEST_EQ_STR(fake_take(), "[routing]media;offer;200;[answered]"
				 "play queue_all_busy.wav to A;");
	/* 2 during the options: the message */
	keys("2");
	fake_run(10);
	TEST_EQ_STR(fake_take(), "stop queue_all_busy.wav;chose voicemail ;");
	TEST_EQ_STR(q.chose, "voicemail ");
	call_hangup(fake.a->call, 200, NULL, STORE_DISP_NONE,
		    STORE_PARTY_CALLER);
	(void)fake_take();

	/* nobody there, only the callback offered, no key: the notice,
	 * then position and wait, music */
	q_reset();
	q.prm.greeting = "";
	q.prm.offer_voicemail = false;
	q.prm.announce_ms = 0;
	q.info = (struct acd_wait_info){1, ACD_EST_UNKNOWN, true, true};
	TEST_EQ_INT(env_call(&e, "+4922182829990"), 0);
	call_leg_established(fake.a);
	TEST_EQ_STR(fake_take(), "[routing]media;offer;200;[answered]"
				 "play queue_no_agents.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop queue_no_agents.wav;"
				 "play queue_opt_wait.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop queue_opt_wait.wav;"
				 "play queue_opt_callback.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop queue_opt_callback.wav;");
	fake_run(6100); /* no key */
	TEST_EQ_STR(fake_take(), "say de Sie sind an Position eins.;");
	fake_say_done(0, "/speech/de-c.wav");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "speech off;play de-c.wav to A;"
				 "stop de-c.wav;play moh.wav (loop) to A;");
	/* announce_ms 0: no more announcements */
	fake_run(1500);
	TEST_EQ_STR(fake_take(), "");
	/* 2 is not offered: nothing; 3 is */
	keys("2");
	fake_run(10);
	TEST_EQ_STR(fake_take(), ""); /* the music plays on */
	keys("3");
	fake_run(10);
	TEST_EQ_STR(fake_take(), "stop moh.wav;play callback_ask.wav to A;");
	call_hangup(fake.a->call, 200, NULL, STORE_DISP_NONE,
		    STORE_PARTY_CALLER);
	(void)fake_take();
	TEST_EQ_STR(q.chose, "");
out:
	env_close(&e);
	q.w = mem_deref(q.w);
	return err;
}

/* The callback: 1 = the calling number; a typed number read back and
 * confirmed; 2 types again. */
int test_acd_wait_callback(void)
{
	struct env e;
	int err = 0;

	q_reset();
	q.prm.greeting = "";
	q.info = (struct acd_wait_info){2, 90000, true, false};
	TEST_EQ_INT(env_open(&e, apps, ARRAY_SIZE(apps)), 0);

	/* the caller is device 1001 (an extension, not a public number):
	 * 1 cannot call it back, so the number is asked again */
	TEST_EQ_INT(env_call(&e, "+4922182829990"), 0);
	call_leg_established(fake.a);
	(void)fake_take();
	keys("3");
	fake_run(10);
	TEST_EQ_STR(fake_take(), "stop queue_all_busy.wav;"
				 "play callback_ask.wav to A;");
	keys("1");
	fake_run(5100); /* "1" then the pause between keys */
	TEST_EQ_STR(fake_take(), "stop callback_ask.wav;"
				 "play callback_ask.wav to A;");

	/* a number with #: read back, 1 confirms: the callback, in E.164 */
	keys("022198765#");
	fake_run(10);
	TEST_EQ_STR(fake_take(),
		    "stop callback_ask.wav;play you_entered.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop you_entered.wav;play digit_0.wav to A;");
	keys("1"); /* stops the read-back */
	fake_run(10);
	TEST_EQ_STR(fake_take(),
		    "stop digit_0.wav;chose callback +4922198765;");
	call_hangup(fake.a->call, 200, NULL, STORE_DISP_NONE,
		    STORE_PARTY_CALLER);
	(void)fake_take();

	/* 2 corrects: asked again, the new number confirmed; a number
	 * of the tenant's area without its code is completed */
	q_reset();
	q.prm.greeting = "";
	q.info = (struct acd_wait_info){2, 90000, false, false};
	TEST_EQ_INT(env_call(&e, "+4922182829990"), 0);
	call_leg_established(fake.a);
	TEST_EQ_STR(fake_take(), "[routing]media;offer;200;[answered]"
				 "say de Sie sind an Position zwei. Die "
				 "voraussichtliche Wartezeit beträgt etwa "
				 "zwei Minuten.;");
	keys("3"); /* while the speech is made: it stops */
	fake_run(10);
	TEST_EQ_STR(fake_take(), "speech off;play callback_ask.wav to A;");
	keys("030123456#");
	fake_run(10);
	TEST_EQ_STR(fake_take(),
		    "stop callback_ask.wav;play you_entered.wav to A;");
	keys("2");
	fake_run(10);
	TEST_EQ_STR(fake_take(),
		    "stop you_entered.wav;play callback_ask.wav to A;");
	keys("98765432#");
	fake_run(10);
	TEST_EQ_STR(fake_take(),
		    "stop callback_ask.wav;play you_entered.wav to A;");
	keys("1");
	fake_run(10);
	TEST_EQ_STR(fake_take(),
		    "stop you_entered.wav;chose callback +4922198765432;");
	TEST_EQ_STR(q.chose, "callback +4922198765432");
	call_hangup(fake.a->call, 200, NULL, STORE_DISP_NONE,
		    STORE_PARTY_CALLER);
	(void)fake_take();
out:
	env_close(&e);
	q.w = mem_deref(q.w);
	return err;
}
