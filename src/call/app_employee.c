/*
 * app_employee.c - ring an employee: 180 to the caller, every reachable
 * registered device of the employee at once (parallel fork) for the ring
 * timeout; the first that answers is bridged, otherwise the caller gets
 * the best final answer (app_dial_done), or 480 when no device can be
 * reached at all.
 *
 * An employee's mailbox (store_mailbox, seeds/003), while it is enabled
 * (active, and its schedule agrees: route_mailbox_enabled), takes the
 * call instead, by its conditions:
 *
 *   at_once         -> the mailbox, no device rings
 *   no device registered (call_dial ENOENT), on_unreachable -> mailbox
 *   ringing no_answer_s seconds without an answer (no_answer_s > 0;
 *   it replaces the ring timeout) -> mailbox
 *   a device answers busy (486), on_busy -> mailbox
 *   anything else   -> as without a mailbox
 *
 * This holds for every call that rings the employee: the personal number
 * and the extension alike.
 */
#include <re.h>
#include "core/core.h"
#include "call/call_int.h"

/* The mailbox's conditions while the devices ring. */
struct emp_box {
	struct route_target vm; /* the mailbox as a target           */
	bool no_answer;         /* ringing out goes to the mailbox    */
	bool busy;              /* 486 goes to the mailbox            */
};

static void to_mailbox(struct call *call, const struct emp_box *b,
		       const char *why)
{
	struct route_target t = b->vm; /* b goes with the re-route */

	info("call: %s: employee's mailbox %lld: %s\n", call_id(call),
	     (long long)t.id, why);
	(void)call_reroute(call, &t);
}

static void box_dial_done(struct call *call, uint16_t scode, const char *reason,
			  bool timed_out, void *arg)
{
	struct emp_box *b = arg;

	if (scode == 200)
		return;
	if (scode == 486 && b->busy) {
		to_mailbox(call, b, "busy");
		return;
	}
	if (timed_out && b->no_answer) {
		to_mailbox(call, b, "no answer");
		return;
	}
	app_dial_done(call, scode, reason, timed_out, NULL);
}

/* The enabled mailbox of employee t->id into *mb; ENOENT if none. */
static int box_of(struct call *call, const struct route_target *t,
		  struct store_mailbox *mb)
{
	bool on = false;
	int err;

	err = store_mailbox_by_employee(call_store(call), t->id, mb);
	if (!err)
		err = route_mailbox_enabled(call_store(call), mb, time_now_ms(),
					    &on);
	if (err && err != ENOENT)
		warning("call: %s: employee %lld: mailbox: %m\n", call_id(call),
			(long long)t->id, err);
	if (!err && !on) {
		debug("call: %s: employee %lld: mailbox %lld is off\n",
		      call_id(call), (long long)t->id, (long long)mb->id);
		err = ENOENT;
	}
	return err;
}

int app_employee_start(struct call *call, const struct route_target *t)
{
	struct call_dest dest = {
	    .kind = CALL_DEST_EMPLOYEE,
	    .id = t->id,
	    .timeout = call_config(call)->ring_timeout,
	};
	struct call_dial_prm prm = {&dest,          1,    false, t->caller_id,
				    t->caller_name, false};
	struct store_mailbox mb;
	struct route_target vm;
	struct emp_box *b;
	int err;

	if (box_of(call, t, &mb))
		return app_ring_dial(call, &dest, t, 480,
				     "Temporarily Unavailable",
				     STORE_DISP_UNAVAILABLE);

	vm = *t;
	vm.kind = ROUTE_VOICEMAIL;
	vm.id = mb.id;
	if (mb.at_once) {
		info("call: %s: employee %lld: mailbox %lld at once\n",
		     call_id(call), (long long)t->id, (long long)mb.id);
		return call_app_start(call, &vm);
	}
	b = mem_zalloc(sizeof(*b), NULL);
	if (!b)
		return ENOMEM;
	b->vm = vm;
	b->no_answer = mb.no_answer_s > 0;
	b->busy = mb.on_busy;
	call_app_data_set(call, b); /* the call owns it now */
	if (mb.no_answer_s)
		dest.timeout = mb.no_answer_s;

	err = call_ring(call);
	if (err)
		return err;
	err = call_dial(call, &prm, box_dial_done, b);
	if (err == ENOENT && mb.on_unreachable) {
		to_mailbox(call, b, "no device registered");
		return 0;
	}
	if (err) {
		info("call: %s: employee %lld: nothing to ring: %m\n",
		     call_id(call), (long long)t->id, err);
		call_hangup(call, 480, "Temporarily Unavailable",
			    STORE_DISP_UNAVAILABLE, STORE_PARTY_SYSTEM);
	}
	return 0;
}
