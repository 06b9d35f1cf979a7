/*
 * call_test_event.c - the calls' events on the bus (call/event.c) with
 * the fake backend on the demo database: Max (1001) calls Erika (two
 * devices), B2 answers, Erika transfers him to an external number, the
 * target answers and hangs up; then an outbound call the caller cancels.
 * Each event is checked with its type, tenant, target, caller, the
 * caller's employee and the end's disposition, in order.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call_test.h"
#include "test.h"

static char evlog[2048];

static const char *str_of(const struct odict *o, const char *key)
{
	const char *s = odict_string(o, key);
	return s ? s : "-";
}

static void ev_h(const struct event *ev, void *arg)
{
	const struct odict *o = ev->fields;
	const struct odict_entry *emp = odict_lookup(o, "caller_employee");
	const struct odict_entry *tgt = odict_lookup(o, "target_employee");
	size_t n = strlen(evlog);
	uint64_t code = 0;

	(void)arg;
	(void)odict_get_number(o, &code, "sip_code");
	re_snprintf(evlog + n, sizeof(evlog) - n,
		    "%s %s t%lld %s>%s %s %s/%s/%s e:%s/%s te:%s;",
		    event_class_name(ev->cls), ev->type,
		    (long long)ev->tenant_id, str_of(o, "from"),
		    str_of(o, "to"), str_of(o, "caller"), str_of(o, "target"),
		    str_of(o, "disposition"), str_of(o, "ended_by"),
		    emp ? str_of(emp->u.odict, "name") : "-",
		    emp ? str_of(emp->u.odict, "email") : "-",
		    tgt ? str_of(tgt->u.odict, "name") : "-");
	if (code) {
		n = strlen(evlog);
		re_snprintf(evlog + n - 1, sizeof(evlog) - n + 1, " %llu;",
			    (unsigned long long)code);
	}
}

static const char *ev_take(void)
{
	static char out[sizeof(evlog)];

	str_copy(out, evlog, sizeof(out));
	evlog[0] = '\0';
	return out;
}

int test_call_events(void)
{
	struct event_sub *sub = NULL;
	char uri[64];
	struct call_refer r = {uri,   false, true, false, "+49221123456",
			       false, NULL};
	struct env e;
	int err = 0;

	evlog[0] = '\0';
	TEST_EQ_INT(env_open(&e, NULL, 0), 0);
	TEST_EQ_INT(event_subscribe(&sub, ev_h, NULL), 0);

	TEST_EQ_INT(env_call(&e, "1002"), 0);
	TEST_EQ_INT(fake.legc, 2);
	fake.legv[1]->employee_id = e.erika;
	str_copy(fake.legv[1]->desc, "device:1002", sizeof(fake.legv[1]->desc));
	call_leg_established(fake.legv[1]);
	TEST_EQ_STR(ev_take(),
		    "call new t1 1001>1002 device:1001 -/-/- "
		    "e:Max Mustermann/max.mustermann@mustermann.example te:-;"
		    "call ringing t1 1001>1002 device:1001 employee/-/- "
		    "e:Max Mustermann/max.mustermann@mustermann.example te:-;"
		    "call answered t1 1001>1002 device:1001 device:1002/-/- "
		    "e:Max Mustermann/max.mustermann@mustermann.example "
		    "te:Erika Musterfrau;");

	/* Erika transfers Max to an external number, which answers */
	re_snprintf(uri, sizeof(uri), "sip:+49221123456@sb");
	call_leg_refer(fake.legv[1], &r);
	TEST_EQ_STR(ev_take(),
		    "call transferred t1 1001>1002 device:1001 -/-/- "
		    "e:Max Mustermann/max.mustermann@mustermann.example te:-;");
	call_leg_established(fake.legv[2]);
	TEST_EQ_STR(ev_take(),
		    "call bridged t1 1001>1002 device:1001 trunk/-/- "
		    "e:Max Mustermann/max.mustermann@mustermann.example te:-;");
	call_leg_closed(fake.legv[2], ECONNRESET, 0, NULL);
	TEST_EQ_STR(ev_take(),
		    "call ended t1 1001>1002 device:1001 -/answered/callee "
		    "e:Max Mustermann/max.mustermann@mustermann.example te:- "
		    "200;");

	/* out through the trunk, cancelled by the caller while it rings */
	TEST_EQ_INT(env_call(&e, "+4930999999"), 0);
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	TEST_EQ_STR(ev_take(),
		    "call new t1 +4922182829900>+4930999999 device:1001 "
		    "-/-/- e:Max Mustermann/max.mustermann@mustermann.example "
		    "te:-;"
		    "call ringing t1 +4922182829900>+4930999999 device:1001 "
		    "trunk/-/- e:Max Mustermann/max.mustermann@mustermann."
		    "example te:-;"
		    "call ended t1 +4922182829900>+4930999999 device:1001 "
		    "-/cancelled/caller e:Max Mustermann/max.mustermann@"
		    "mustermann.example te:- 487;");

	/* nobody listening: nothing is built (no error either) */
	sub = mem_deref(sub);
	TEST_EQ_INT(env_call(&e, "1002"), 0);
	call_ctx_close_all(e.ctx);
	TEST_EQ_STR(ev_take(), "");
out:
	(void)fake_take();
	mem_deref(sub);
	env_close(&e);
	return err;
}
