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
 * the digits that came before it).  With direct dial (Durchwahl) the
 * caller may instead type the suffix of one of the tenant's numbers in
 * the central number's block ("02" for +49 221 828299-02): a single key
 * waits SUFFIX_WAIT_MS for a second one, a full suffix goes where that
 * number goes, a key of the menu typed alone is that key.  Where a key or the fallback leads is
 * route/'s answer (route_target_of: schedules followed), presented with
 * the caller ID the menu itself was reached with (an external number:
 * the tenant's central number, route/'s choice).
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call/call.h"
#include "ivr/ivr.h"
#include "ivr/ivr_int.h"

enum { PATH_MAX_IVR = 300 };

struct ivr {
	struct store_ivr_menu menu;
	struct route_target origin; /* how the menu was reached      */
	char greeting[PATH_MAX_IVR];
	char invalid[PATH_MAX_IVR];
	char timeout[PATH_MAX_IVR];
	char goodbye[PATH_MAX_IVR];
	unsigned tries; /* greetings after the first */
	/* direct dial: the numbers of the central number's block are
	 * base + a suffix of suffix_len digits; 0: off */
	char base[24];
	size_t suffix_len;
};

enum { SUFFIX_WAIT_MS = 2000 }; /* [ms] for the next key of a suffix */

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

void ivr_go(struct call *call, const struct route_target *origin,
	    int64_t tenant_id, const struct store_target_ref *ref,
	    const char *what, int64_t id)
{
	struct store_target_ref t = *ref;
	struct route_result r;
	int err;

	err = route_target_of(call_store(call), &t, tenant_id, &r);
	if (err) {
		hangup_failed(call);
		return;
	}
	if (r.target.kind == ROUTE_REJECT) {
		info("ivr: %s: %s %lld: %s %lld leads nowhere (%u)\n",
		     call_id(call), what, (long long)id,
		     store_target_name(t.type), (long long)t.id, r.scode);
		call_hangup(call, r.scode, r.reason, STORE_DISP_NONE,
			    STORE_PARTY_SYSTEM);
		return;
	}
	if (!r.target.caller_id[0]) { /* an external number has its own */
		str_copy(r.target.caller_id, origin->caller_id,
			 sizeof(r.target.caller_id));
		str_copy(r.target.caller_name, origin->caller_name,
			 sizeof(r.target.caller_name));
	}
	info("ivr: %s: %s %lld -> %s %lld\n", call_id(call), what,
	     (long long)id, route_kind_name(r.target.kind),
	     (long long)r.target.id);
	/* frees the application's data */
	if (call_reroute(call, &r.target))
		hangup_failed(call);
}

/* Send the call to target ref (a key's or the fallback). */
static void go(struct call *call, struct ivr *v,
	       const struct store_target_ref *ref)
{
	ivr_go(call, &v->origin, v->menu.tenant_id, ref, "menu", v->menu.id);
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

/* digits as the suffix of an active number of the tenant: its target */
static bool suffix_target(struct call *call, const struct ivr *v,
			  const char *digits, struct store_target_ref *t)
{
	struct store_number n;
	char e164[48];

	if (!v->suffix_len || strlen(digits) != v->suffix_len)
		return false;
	re_snprintf(e164, sizeof(e164), "%s%s", v->base, digits);
	if (store_number_by_e164(call_store(call), e164, &n) || !n.active ||
	    n.tenant_id != v->menu.tenant_id || n.target_type == TARGET_NONE)
		return false;
	t->type = n.target_type;
	t->id = n.target_id;
	return true;
}

static void collected(struct call *call, int err, const char *digits, void *arg)
{
	struct store_target_ref t;
	struct ivr *v = arg;
	size_t i;

	/* a suffix's keys end by its length, '#' or a pause: what came
	 * counts even when the pause ended it (ETIMEDOUT) */
	if (!digits[0] || (err && err != ETIMEDOUT)) {
		retry(call, v, digits[0] ? v->invalid : v->timeout);
		return;
	}
	if (!digits[1]) {
		for (i = 0; i < v->menu.optionc; i++) {
			if (v->menu.optionv[i].key == digits[0]) {
				go(call, v, &v->menu.optionv[i].target);
				return;
			}
		}
	}
	if (suffix_target(call, v, digits, &t)) {
		info("ivr: %s: menu %lld: direct dial %s%s\n", call_id(call),
		     (long long)v->menu.id, v->base, digits);
		go(call, v, &t);
		return;
	}
	info("ivr: %s: menu %lld: no target for %s\n", call_id(call),
	     (long long)v->menu.id, digits);
	retry(call, v, v->invalid);
}

static void greeted(struct call *call, int err, char digit, void *arg)
{
	struct ivr *v = arg;
	struct call_collect_prm prm = {
	    .min = 1,
	    .max = v->suffix_len ? (unsigned)v->suffix_len : 1,
	    .term = v->suffix_len ? '#' : 0,
	    .first_ms = v->menu.timeout * 1000,
	    .inter_ms = v->suffix_len ? SUFFIX_WAIT_MS : v->menu.timeout * 1000,
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

/* Direct dial: the central number's block is base + suffixes of the
 * digits where its first and last number differ. */
static void direct_dial_init(struct call *call, struct ivr *v,
			     const struct store_tenant *tenant)
{
	struct store_number_block b;
	size_t n, p = 0;

	if (store_block_find(call_store(call), tenant->id,
			     tenant->central_number, &b)) {
		warning("ivr: menu %lld: direct dial, but the central number "
			"%s is in no block of the tenant\n",
			(long long)v->menu.id, tenant->central_number);
		return;
	}
	n = strlen(b.first);
	while (p < n && b.first[p] == b.last[p])
		p++;
	if (p >= n || p >= sizeof(v->base))
		return;
	str_copy(v->base, b.first, p + 1);
	v->suffix_len = n - p;
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
	if (v->menu.direct_dial && tenant.central_number[0])
		direct_dial_init(call, v, &tenant);
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
	if (call_prompt_refuse(call, "menu", t->id, v->greeting)) {
		mem_deref(v);
		return 0;
	}
	call_app_data_set(call, v); /* the call owns it now */
	info("ivr: %s: menu %lld (%s)\n", call_id(call), (long long)t->id,
	     v->menu.name);
	return call_answer(call, "ivr", answered, v);
}
