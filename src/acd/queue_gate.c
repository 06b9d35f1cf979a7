/*
 * queue_gate.c - a queue caller turned away at the door (queue.c's two
 * decisions before a caller waits; no engine, no offers):
 *
 *   closed   outside the queue's open hours (its schedule says closed
 *            or holiday): the default prompt (closed, or holiday) and
 *            the server hangs up (queue.c sends the caller to the
 *            queue's closed target instead when it has one);
 *   nobody   no member of the queue logged in and no target for it: the
 *            caller is told so at once, may leave a message (2) when
 *            the queue has a mailbox, else hears goodbye.  Waiting for
 *            nobody would only be music without an end (Asterisk's
 *            joinempty=no).
 *
 * Both run on the call-control seam only; the state they need lives in
 * the queue call (struct acd_gate, embedded there), so it ends with it.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call/call.h"
#include "acd/acd.h"
#include "acd/acd_int.h"

static void gate_bye(struct call *call, int err, char digit, void *arg)
{
	(void)err;
	(void)digit;
	(void)arg;
	call_hangup(call, 200, NULL, STORE_DISP_ANSWERED, STORE_PARTY_SYSTEM);
}

bool acd_gate_closed(const struct acd_gate *g, int64_t schedule_id,
		     bool *holidayp)
{
	enum store_sched_state state = STORE_SCHED_OPEN;

	/* a schedule that cannot be read counts as open: callers are not
	 * turned away for a store error */
	if (!schedule_id ||
	    route_schedule_state(call_store(g->call), schedule_id,
				 time_now_ms(), &state) ||
	    state == STORE_SCHED_OPEN)
		return false;
	if (holidayp)
		*holidayp = state == STORE_SCHED_HOLIDAY;
	return true;
}

void acd_gate_closed_play(struct acd_gate *g, bool holiday)
{
	char path[300];
	const char *files[1] = {path};

	info("acd: %s: queue %lld: closed (%s)\n", call_id(g->call),
	     (long long)g->queue_id, holiday ? "holiday" : "closed");
	re_snprintf(path, sizeof(path), "%s/%s/%s.wav",
		    call_config(g->call)->prompts_dir, g->lang,
		    holiday ? "holiday" : "closed");
	if (call_play(g->call, files, 1, false, gate_bye, g))
		gate_bye(g->call, 0, '\0', g);
}

static void nobody_key(struct call *call, int err, const char *digits,
		       void *arg)
{
	struct acd_gate *g = arg;
	char path[300];
	const char *files[1] = {path};

	if (!err && digits[0] == '2' && g->mailbox_id && g->message_h) {
		g->message_h(g->arg);
		return;
	}
	re_snprintf(path, sizeof(path), "%s/%s/goodbye.wav",
		    call_config(call)->prompts_dir, g->lang);
	if (call_play(call, files, 1, false, gate_bye, g))
		gate_bye(call, 0, '\0', g);
}

static void nobody_said(struct call *call, int err, char digit, void *arg)
{
	struct acd_gate *g = arg;
	struct call_collect_prm cp = {1, 1, 0, 6000, 6000};

	(void)digit; /* a key stopped it: collect takes it */
	if (err || !g->mailbox_id || call_collect(call, &cp, nobody_key, g))
		nobody_key(call, ETIMEDOUT, "", g);
}

void acd_gate_nobody(struct acd_gate *g)
{
	char paths[2][300];
	const char *files[2] = {paths[0], paths[1]};
	const char *dir = call_config(g->call)->prompts_dir;
	size_t n = 0;

	info("acd: %s: queue %lld: nobody logged in\n", call_id(g->call),
	     (long long)g->queue_id);
	re_snprintf(paths[n++], sizeof(paths[0]), "%s/%s/queue_no_agents.wav",
		    dir, g->lang);
	if (g->mailbox_id)
		re_snprintf(paths[n++], sizeof(paths[0]),
			    "%s/%s/queue_opt_voicemail.wav", dir, g->lang);
	if (call_play(g->call, files, n, true, nobody_said, g))
		nobody_key(g->call, ETIMEDOUT, "", g);
}
