/*
 * call_test_feature.c - feature codes through the call seam with the fake
 * backend (test_call_feature): Max's phone (1001) dials *50: logged in,
 * answered, "Sie sind angemeldet." spoken, then the server hangs up; *50 again: "bereits
 * angemeldet"; *52: paused (reason "pause"), *52 again: resumed; *51:
 * logged out; *52 then: "nicht angemeldet".  Each state is the live one
 * and the kept one (store); a subscriber of the ACD saw the four
 * changes in order.  Without live queues: 503.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "acd/acd.h"
#include "acd/acd_int.h"
#include "test.h"
#include "call_test.h"

/* Dial code, hear text, the server hangs up: the exact log. */
static int feature(struct env *e, const char *code, const char *text)
{
	char want[200];
	const char *got;
	int err;

	err = env_call(e, code);
	if (err)
		return err;
	got = fake_take();
	if (strcmp(got, "[routing]media;offer;200;[answered]")) {
		fprintf(stderr, "  %s: %s\n", code, got);
		return EPROTO;
	}
	call_leg_established(fake.a);
	re_snprintf(want, sizeof(want), "say de %s;", text);
	got = fake_take();
	if (strcmp(got, want)) {
		fprintf(stderr, "  %s: %s, want %s\n", code, got, want);
		return EPROTO;
	}
	fake_say_done(0, "/speech/de-f.wav");
	got = fake_take();
	if (strcmp(got, "speech off;play de-f.wav to A;")) {
		fprintf(stderr, "  %s: the speech: %s\n", code, got);
		return EPROTO;
	}
	if (fake.doneh)
		fake.doneh(fake.done_arg);
	fake_run(10);
	got = fake_take();
	if (strcmp(got, "stop de-f.wav;[done]free A;")) {
		fprintf(stderr, "  %s: after the speech: %s\n", code, got);
		return EPROTO;
	}
	return 0;
}

/* A subscriber: the agent states in order, "available paused ...". */
static void on_acd(const struct acd_event *ev, void *arg)
{
	char *buf = arg;

	if (ev->type != ACD_EV_AGENT)
		return;
	if (buf[0])
		strcat(buf, " ");
	strcat(buf, acd_astate_name(ev->state));
}

static const char *live(struct acd *acd, int64_t emp)
{
	struct acd_agent_view v;

	return acd_agent_view(acd, emp, &v) ? "unknown" : v.state;
}

int test_call_feature(void)
{
	static const struct call_app apps[] = {
	    {ROUTE_FEATURE, "feature", acd_feature_start},
	};
	struct acd *acd = NULL;
	struct store_agent a;
	char states[200] = "";
	struct env e;
	int err = 0;

	TEST_EQ_INT(env_open(&e, apps, ARRAY_SIZE(apps)), 0);

	/* no live queues: refused */
	TEST_EQ_INT(env_call(&e, "*50"), 0);
	TEST_EQ_STR(fake_take(),
		    "[routing]media;offer;reject 503 No Queues;[done]free A;");

	TEST_EQ_INT(acd_alloc(&acd, e.st), 0);
	TEST_EQ_INT(acd_subscribe(acd, on_acd, states), 0);
	acd_feature_use(acd);
	TEST_EQ_INT(feature(&e, "*50", "Sie sind angemeldet."), 0);
	TEST_EQ_STR(live(acd, e.max), "available");
	TEST_EQ_INT(store_agent_get(e.st, e.max, &a), 0);
	TEST_EQ_INT(a.state, STORE_AGENT_AVAILABLE);
	TEST_EQ_INT(feature(&e, "*50", "Sie sind bereits angemeldet."), 0);
	TEST_EQ_INT(feature(&e, "*52", "Pause. Sie erhalten keine Anrufe."), 0);
	TEST_EQ_STR(live(acd, e.max), "paused");
	TEST_EQ_INT(store_agent_get(e.st, e.max, &a), 0);
	TEST_EQ_INT(a.state, STORE_AGENT_PAUSED);
	TEST_EQ_STR(a.reason, "pause");
	TEST_EQ_INT(
	    feature(&e, "*52", "Pause beendet. Sie erhalten wieder Anrufe."),
	    0);
	TEST_EQ_STR(live(acd, e.max), "available");
	TEST_EQ_INT(feature(&e, "*51", "Sie sind abgemeldet."), 0);
	TEST_EQ_STR(live(acd, e.max), "logged_out");
	TEST_EQ_INT(store_agent_get(e.st, e.max, &a), 0);
	TEST_EQ_INT(a.state, STORE_AGENT_LOGGED_OUT);
	TEST_EQ_INT(feature(&e, "*52", "Sie sind nicht angemeldet."), 0);
	TEST_EQ_INT(feature(&e, "*51", "Sie sind bereits abgemeldet."), 0);
	TEST_EQ_STR(states, "available paused available logged_out");
out:
	acd_feature_use(NULL);
	mem_deref(acd);
	env_close(&e);
	return err;
}
