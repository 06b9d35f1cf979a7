/*
 * ivr.c - a voice menu on the call-control seam (call/call.h only).
 *
 *   start: menu and tenant read, answer
 *     |
 *     v
 *   [greeting] --key pressed or played out--> [wait for a key]
 *      ^                                         |  |  |
 *      |    key with a target ------------------ +  |  |--> reroute
 *      |    no key in time: menu_timeout --------   |  |
 *      +--- a key without target: menu_invalid ----+  |
 *           (while tries <= retries)                    |
 *   tries > retries: fallback target --> reroute        |
 *                    none --> goodbye, hang up <--------+
 *
 * A key pressed during the greeting stops it and counts (collect takes
 * the digits that came before it).  Where a key or the fallback leads is
 * route/'s answer (route_target_of: schedules followed), presented with
 * the caller ID the menu itself was reached with.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call/call.h"
#include "ivr/ivr.h"

enum { PATH_MAX_IVR = 300 };

struct ivr {
	struct store_ivr_menu menu;
	struct route_target origin; /* how the menu was reached      */
	char greeting[PATH_MAX_IVR];
	char invalid[PATH_MAX_IVR];
	char timeout[PATH_MAX_IVR];
	char goodbye[PATH_MAX_IVR];
	unsigned tries; /* greetings after the first */
};

static void ask(struct call *call, struct ivr *v, const char *before);

static void hangup_failed(struct call *call)
{
	call_hangup(call, 500, NULL, STORE_DISP_FAILED, STORE_PARTY_SYSTEM);
}

static void goodbye_played(struct call *call, int err, char digit, void *arg)
{
	(void)err;
	(void)digit;
	(void)arg;
	call_hangup(call, 200, NULL, STORE_DISP_ANSWERED, STORE_PARTY_SYSTEM);
}

/* Send the call to target ref (a key's or the fallback). */
static void go(struct call *call, struct ivr *v,
	       const struct store_target_ref *ref)
{
	struct store_target_ref t = *ref;
	struct route_result r;
	int err;

	err = route_target_of(call_store(call), &t, v->menu.tenant_id, &r);
	if (err) {
		hangup_failed(call);
		return;
	}
	if (r.target.kind == ROUTE_REJECT) {
		info("ivr: %s: menu %lld: %s %lld leads nowhere (%u)\n",
		     call_id(call), (long long)v->menu.id,
		     store_target_name(t.type), (long long)t.id, r.scode);
		call_hangup(call, r.scode, r.reason, STORE_DISP_NONE,
			    STORE_PARTY_SYSTEM);
		return;
	}
	str_copy(r.target.caller_id, v->origin.caller_id,
		 sizeof(r.target.caller_id));
	str_copy(r.target.caller_name, v->origin.caller_name,
		 sizeof(r.target.caller_name));
	info("ivr: %s: menu %lld -> %s %lld\n", call_id(call),
	     (long long)v->menu.id, route_kind_name(r.target.kind),
	     (long long)r.target.id);
	/* frees v (the application's data) */
	if (call_reroute(call, &r.target))
		hangup_failed(call);
}

/* No key or a wrong one: again, or the fallback. */
static void retry(struct call *call, struct ivr *v, const char *prompt)
{
	const char *bye = v->goodbye;

	if (v->tries++ < v->menu.retries) {
		ask(call, v, prompt);
		return;
	}
	if (v->menu.fallback.type != TARGET_NONE) {
		go(call, v, &v->menu.fallback);
		return;
	}
	if (call_play(call, &bye, 1, false, goodbye_played, v))
		hangup_failed(call);
}

static void collected(struct call *call, int err, const char *digits, void *arg)
{
	struct ivr *v = arg;
	size_t i;

	if (err || !digits[0]) {
		retry(call, v, v->timeout);
		return;
	}
	for (i = 0; i < v->menu.optionc; i++) {
		if (v->menu.optionv[i].key == digits[0]) {
			go(call, v, &v->menu.optionv[i].target);
			return;
		}
	}
	info("ivr: %s: menu %lld: no target for key %c\n", call_id(call),
	     (long long)v->menu.id, digits[0]);
	retry(call, v, v->invalid);
}

static void greeted(struct call *call, int err, char digit, void *arg)
{
	struct ivr *v = arg;
	struct call_collect_prm prm = {
	    .min = 1,
	    .max = 1,
	    .term = 0,
	    .first_ms = v->menu.timeout * 1000,
	    .inter_ms = v->menu.timeout * 1000,
	};

	(void)digit;
	if (err == ENOENT) {
		warning("ivr: %s: menu %lld: greeting %s cannot be played\n",
			call_id(call), (long long)v->menu.id, v->greeting);
	}
	if (call_collect(call, &prm, collected, v))
		hangup_failed(call);
}

/* The greeting (after prompt before, if any), interruptible. */
static void ask(struct call *call, struct ivr *v, const char *before)
{
	const char *files[2];
	size_t n = 0;

	if (before)
		files[n++] = before;
	files[n++] = v->greeting;
	if (call_play(call, files, n, true, greeted, v))
		hangup_failed(call);
}

static void answered(struct call *call, void *arg)
{
	ask(call, arg, NULL);
}

int ivr_start(struct call *call, const struct route_target *t)
{
	const char *dir = call_config(call)->prompts_dir;
	struct store_tenant tenant;
	const char *lang;
	struct ivr *v;
	int err;

	v = mem_zalloc(sizeof(*v), NULL);
	if (!v)
		return ENOMEM;
	err = store_ivr_menu_get(call_store(call), t->id, &v->menu);
	if (!err)
		err = store_tenant_get(call_store(call), v->menu.tenant_id,
				       &tenant);
	if (err) {
		mem_deref(v);
		return err;
	}
	v->origin = *t;
	lang = store_language_name(tenant.language);
	if (v->menu.prompt[0])
		re_snprintf(v->greeting, sizeof(v->greeting), "%s/%s", dir,
			    v->menu.prompt);
	else
		re_snprintf(v->greeting, sizeof(v->greeting),
			    "%s/%s/greeting.wav", dir, lang);
	re_snprintf(v->invalid, sizeof(v->invalid), "%s/%s/menu_invalid.wav",
		    dir, lang);
	re_snprintf(v->timeout, sizeof(v->timeout), "%s/%s/menu_timeout.wav",
		    dir, lang);
	re_snprintf(v->goodbye, sizeof(v->goodbye), "%s/%s/goodbye.wav", dir,
		    lang);
	call_app_data_set(call, v); /* the call owns it now */
	info("ivr: %s: menu %lld (%s)\n", call_id(call), (long long)t->id,
	     v->menu.name);
	return call_answer(call, "ivr", answered, v);
}
