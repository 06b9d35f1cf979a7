/*
 * call_test_collect.c - the digit input (ivr/collect.c) on the call seam
 * with the fake backend: the exact operations in order.
 *
 * test_call_collect: the question spoken from the label; too few keys
 * and the terminator: "not valid", asked again; five keys and the
 * terminator (max 5: the terminator ends it, it does not spill into the
 * confirmation); the read-back file by file; 2 corrects; five keys and a
 * pause end the number too; 1 during the read-back confirms: Erika's
 * phones are dialled with the value, which is in the call record.
 *
 * test_call_collect_fail: a prompt file, no read-back; no key twice:
 * "no input", then the fallback (the announcement) without a value; six
 * keys (max 5): not valid; 4711# goes on at once; the value goes with
 * a dial of an employee, not with a dial out through the trunk; without
 * speech the question is the default prompt file.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "ivr/ivr.h"
#include "test.h"
#include "call_test.h"

static const char NUMBER[] = "+4922182829952";

/* A digit input for Kundennummer on NUMBER: 3..5 keys, '#', 1 s
 * timeouts, read back, on to Erika, fallback the announcement. */
static int input_setup(struct env *e, const char *prompt, bool read_back,
		       uint32_t retries, int64_t *idp)
{
	struct store_digit_input d;
	struct store_number n;
	int err;

	memset(&d, 0, sizeof(d));
	d.tenant_id = 1;
	str_copy(d.name, "Hotline", sizeof(d.name));
	str_copy(d.label, "Kundennummer", sizeof(d.label));
	str_copy(d.prompt, prompt, sizeof(d.prompt));
	d.min_digits = 3;
	d.max_digits = 5;
	str_copy(d.terminator, "#", sizeof(d.terminator));
	d.timeout = 1;
	d.digit_timeout = 1;
	d.retries = retries;
	d.read_back = read_back;
	d.target = (struct store_target_ref){TARGET_EMPLOYEE, e->erika};
	d.fallback = (struct store_target_ref){TARGET_ANNOUNCEMENT, 1};
	err = store_digit_input_add(e->st, &d);
	*idp = d.id;
	memset(&n, 0, sizeof(n));
	str_copy(n.e164, NUMBER, sizeof(n.e164));
	n.active = true;
	n.target_type = TARGET_COLLECT;
	n.target_id = d.id;
	if (!err)
		err = store_number_add(e->st, &n);
	return err;
}

static void keys(const char *s)
{
	for (; *s; s++)
		call_leg_digit(fake.a, *s);
}

static const char ASK[] = "say de Bitte geben Sie Ihre Kundennummer ein, "
			  "gefolgt von der Rautetaste.;";

/* The value of the record of the last call, "" if none. */
static int record_value(struct env *e, char *buf, size_t sz)
{
	struct store_call c;
	int err = store_call_get(e->st, fake.rec_id, &c);

	buf[0] = '\0';
	if (!err && c.varc)
		re_snprintf(buf, sz, "%s=%s", c.varv[0].name, c.varv[0].value);
	return err;
}

int test_call_collect(void)
{
	static const struct call_app apps[] = {
	    {ROUTE_COLLECT, "digit_input", ivr_collect_start},
	    {ROUTE_ANNOUNCEMENT, "announcement", app_announcement_start},
	    {ROUTE_EMPLOYEE, "employee", app_employee_start},
	};
	struct env e;
	struct call *call;
	int64_t id = 0;
	char want[300], rec[64];
	int i, err = 0;

	TEST_EQ_INT(env_open(&e, apps, ARRAY_SIZE(apps)), 0);
	TEST_EQ_INT(input_setup(&e, "", true, 2, &id), 0);

	/* answered; the question spoken from the label, in German */
	TEST_EQ_INT(env_call(&e, NUMBER), 0);
	TEST_EQ_STR(fake_take(), "[routing]media;offer;200;[answered]");
	call_leg_established(fake.a);
	TEST_EQ_STR(fake_take(), ASK);
	fake_say_done(0, "/speech/de-k.wav");
	TEST_EQ_STR(fake_take(), "speech off;play de-k.wav to A;");

	/* 1 stops it; 1 2 # is too short: not valid, asked again */
	keys("12#");
	TEST_EQ_STR(fake_take(), "stop de-k.wav;");
	fake_run(10);
	TEST_EQ_STR(fake_take(), "play menu_invalid.wav to A;");
	fake.doneh(fake.done_arg);
	re_snprintf(want, sizeof(want), "stop menu_invalid.wav;%s", ASK);
	TEST_EQ_STR(fake_take(), want);
	fake_run(1); /* nothing plays before the speech is there */
	TEST_EQ_STR(fake_take(), "");
	fake_say_done(0, "/speech/de-k.wav");
	TEST_EQ_STR(fake_take(), "speech off;play de-k.wav to A;");

	/* 1 2 3 4 5 #: the read-back, file by file, then one key */
	keys("12345#");
	fake_run(10);
	TEST_EQ_STR(fake_take(), "stop de-k.wav;play you_entered.wav to A;");
	for (i = 0; i < 6; i++)
		fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop you_entered.wav;play digit_1.wav to A;"
				 "stop digit_1.wav;play digit_2.wav to A;"
				 "stop digit_2.wav;play digit_3.wav to A;"
				 "stop digit_3.wav;play digit_4.wav to A;"
				 "stop digit_4.wav;play digit_5.wav to A;"
				 "stop digit_5.wav;play confirm.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop confirm.wav;");

	/* 2: type it again */
	keys("2");
	fake_run(10);
	TEST_EQ_STR(fake_take(), ASK);
	fake_say_done(0, "/speech/de-k.wav");
	TEST_EQ_STR(fake_take(), "speech off;play de-k.wav to A;");

	/* 9 8 7 6 5 and a pause: that is the number too */
	keys("98765");
	TEST_EQ_STR(fake_take(), "stop de-k.wav;");
	fake_run(1100);
	TEST_EQ_STR(fake_take(), "play you_entered.wav to A;");
	TEST_ASSERT(fake.a->call);
	call = fake.a->call;
	TEST_ASSERT(call_var(call, "Kundennummer") == NULL);

	/* 1 during the read-back: confirmed, on to Erika with the value */
	keys("1");
	fake_run(10);
	re_snprintf(want, sizeof(want),
		    "stop you_entered.wav;dial employee %lld as 1001 "
		    "Kundennummer=98765;play ringback.wav (loop) to A;",
		    (long long)e.erika);
	TEST_EQ_STR(fake_take(), want);
	TEST_EQ_STR(call_var(call, "Kundennummer"), "98765");
	TEST_EQ_INT(record_value(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "Kundennummer=98765");

	/* Erika answers: bridged; the caller hangs up */
	call_leg_established(fake.legv[0]);
	TEST_EQ_STR(fake_take(),
		    "free B2;stop ringback.wav;bridge A B1;[bridged]");
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	(void)fake_take();
	TEST_EQ_INT(call_ctx_count(e.ctx), 0);
	TEST_EQ_INT(record_value(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "Kundennummer=98765");
out:
	env_close(&e);
	return err;
}

int test_call_collect_fail(void)
{
	static const struct call_app apps[] = {
	    {ROUTE_COLLECT, "digit_input", ivr_collect_start},
	    {ROUTE_ANNOUNCEMENT, "announcement", app_announcement_start},
	    {ROUTE_EMPLOYEE, "employee", app_employee_start},
	    {ROUTE_EXTERNAL, "trunk", app_external_start},
	};
	struct route_target out;
	struct store_digit_input d;
	struct env e;
	int64_t id = 0;
	char want[300], rec[64];
	int err = 0;

	TEST_EQ_INT(env_open(&e, apps, ARRAY_SIZE(apps)), 0);
	TEST_EQ_INT(input_setup(&e, "kdnr.wav", false, 1, &id), 0);

	/* no key, twice: "no input" once, then the announcement */
	TEST_EQ_INT(env_call(&e, NUMBER), 0);
	(void)fake_take();
	call_leg_established(fake.a);
	TEST_EQ_STR(fake_take(), "play kdnr.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop kdnr.wav;");
	fake_run(1100);
	TEST_EQ_STR(fake_take(), "play menu_timeout.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop menu_timeout.wav;play kdnr.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop kdnr.wav;");
	fake_run(1100);
	TEST_EQ_STR(fake_take(), "play welcome.wav to A;");
	TEST_EQ_INT(record_value(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop welcome.wav;[done]free A;");

	/* six keys (max 5): not valid; 4711#: on at once, no read-back */
	TEST_EQ_INT(env_call(&e, NUMBER), 0);
	(void)fake_take();
	call_leg_established(fake.a);
	TEST_EQ_STR(fake_take(), "play kdnr.wav to A;");
	keys("123456");
	fake_run(10);
	TEST_EQ_STR(fake_take(), "stop kdnr.wav;play menu_invalid.wav to A;");
	keys("4711#");
	fake_run(10);
	re_snprintf(want, sizeof(want),
		    "stop menu_invalid.wav;dial employee %lld as 1001 "
		    "Kundennummer=4711;play ringback.wav (loop) to A;",
		    (long long)e.erika);
	TEST_EQ_STR(fake_take(), want);

	/* the value goes to employees only: not out through the trunk */
	memset(&out, 0, sizeof(out));
	out.kind = ROUTE_EXTERNAL;
	out.id = 1;
	str_copy(out.number, "+4930123456", sizeof(out.number));
	str_copy(out.caller_id, "+4922182829900", sizeof(out.caller_id));
	TEST_EQ_INT(call_reroute(fake.a->call, &out), 0);
	TEST_EQ_STR(fake_take(), "free B1;free B2;stop ringback.wav;"
				 "dial +4930123456 via trunk 1;"
				 "play ringback.wav (loop) to A;");
	call_hangup(fake.a->call, 200, NULL, STORE_DISP_NONE,
		    STORE_PARTY_CALLER);
	(void)fake_take();
	TEST_EQ_INT(record_value(&e, rec, sizeof(rec)), 0);
	TEST_EQ_STR(rec, "Kundennummer=4711");

	/* no speech on this node: the default prompt file asks */
	TEST_EQ_INT(store_digit_input_get(e.st, id, &d), 0);
	d.prompt[0] = '\0';
	TEST_EQ_INT(store_digit_input_update(e.st, &d), 0);
	fake.speech_err = ENOSYS;
	TEST_EQ_INT(env_call(&e, NUMBER), 0);
	(void)fake_take();
	call_leg_established(fake.a);
	TEST_EQ_STR(fake_take(), "play enter_customer_number.wav to A;");
	call_hangup(fake.a->call, 200, NULL, STORE_DISP_NONE,
		    STORE_PARTY_CALLER);
	(void)fake_take();
out:
	env_close(&e);
	return err;
}
