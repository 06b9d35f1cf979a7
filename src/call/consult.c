/*
 * consult.c - consultation: attended transfer driven by the API (or an
 * application) rather than by a phone.  In a bridged call the callee
 * (the transferor: the agent who took the call; the caller instead when
 * only the caller is a phone of ours) talks to a target while the other
 * party (the transferee) hears music on hold; then the transfer is
 * completed (transferee and target bridged, the transferor hung up) or
 * cancelled (the target hung up, transferor and transferee bridged
 * again).  The consultation has its own call record (from the
 * transferor to the target): its id is what the API answers.
 *
 * It lives in the one call object: the transferor becomes the call's A
 * leg for the time (so that dialling, dial.c, bridges the target to it),
 * the transferee is set aside here with its music.
 *
 *   call_consult()      BRIDGED -> transferee aside, music; target rings
 *     target answers    -> transferor <-> target (BRIDGED)
 *     target fails      -> its record ends so; bridged back as before
 *   call_consult_complete()
 *     target answered   -> transferee <-> target, transferor BYE
 *     target rings      -> transferor BYE, the transferee keeps its music
 *                          until the target answers (a blind transfer
 *                          from here on; it fails: the call ends)
 *   call_consult_cancel() -> target CANCEL/BYE, bridged back
 *   call_consult_decline()-> as cancel, the target declined (a message)
 *   the transferor hangs up   -> as complete
 *   the target hangs up       -> as decline (without a message)
 *   the transferee hangs up   -> its record ends (answered); the call
 *                                goes on as the consultation (record too)
 *
 * Outcomes (store_consult_outcome, one per consultation record, by the
 * call's record; a note of the call lists them): "taken" when joined,
 * "unreached" when the step failed, "declined" (event "consult" with
 * the message), "cancelled" by the transferor, "caller_left" when the
 * transferee hung up while consulted about.  A message for the
 * caller may follow a decline for CALL_DECLINE_MESSAGE_MS.
 *
 * Records: the call's keeps its answer time; its callee is the target
 * once completed.  The consultation's: answered when the target answers,
 * ended answered (or cancelled / the target's failure) by the caller
 * (the transferor) or the callee (the target hung up).
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call/call_int.h"

struct call_consult {
	struct call *call;     /* (weak)                                */
	struct call_leg *held; /* the transferee, aside (owned), or NULL */
	void *moh;             /* its music (owned)                     */
	bool swapped;          /* the transferor was B: legs swapped    */
	bool completing;       /* completed while the target rang       */
	struct store_call rec; /* the consultation's record             */
	uint64_t answered_at;  /* [ms] the call record's, kept          */
	char callee[96];       /* the call record's callee leg, kept    */
	struct call_consult_step stepv[CALL_CONSULT_STEPS]; /* tried in turn */
	size_t stepc, step; /* how many, the one ringing               */
	unsigned attempt;   /* steps rung so far                       */
	bool decided;       /* this step's outcome is written          */
};

/* The step being tried, or NULL. */
static const struct call_consult_step *cur_step(const struct call_consult *x)
{
	return x->step < x->stepc ? &x->stepv[x->step] : NULL;
}

/* Write what came of call's consultation record consult_id (0: none,
 * the step could not be rung) of a step, whose employee it reached,
 * and tell a "declined" on the event bus. */
static void outcome_write(struct call *call, int64_t consult_id,
			  const char *label, int64_t employee_id,
			  unsigned attempt, const char *outcome,
			  const char *message)
{
	struct store_consult_outcome *o;
	struct call_consult_ev ev = {consult_id, label, employee_id, attempt,
				     outcome,    0,     message};

	if (call->rec.id <= 0 || call->rec.tenant_id <= 0)
		return;
	o = mem_zalloc(sizeof(*o), NULL);
	if (!o)
		return;
	o->consult_id = consult_id;
	o->call_id = call->rec.id;
	o->tenant_id = call->rec.tenant_id;
	str_copy(o->step, label ? label : "", sizeof(o->step));
	o->employee_id = employee_id;
	str_copy(o->outcome, outcome, sizeof(o->outcome));
	str_copy(o->message, message ? message : "", sizeof(o->message));
	o->at = time_now_ms();
	if (store_consult_outcome_set(call->ctx->st, o))
		warning("call: %s: outcome of consultation %lld not "
			"recorded\n",
			call->rec.sip_call_id, (long long)consult_id);
	mem_deref(o);
	if (strcmp(outcome, "declined"))
		return;
	call->declined.consult_id = consult_id;
	call->declined.label = label;
	call->declined.employee_id = employee_id;
	call->declined.attempt = attempt;
	call->declined.at = time_now_ms();
	call_event_consult(call, &ev);
}

/* The outcome of the step being tried (once per step). */
static void consult_outcome(struct call *call, struct call_consult *x,
			    const char *outcome, const char *message)
{
	const struct call_consult_step *st = cur_step(x);

	if (x->decided || !x->rec.id)
		return;
	x->decided = true;
	outcome_write(call, x->rec.id, st ? st->label : NULL,
		      st ? st->employee_id : 0, x->attempt, outcome, message);
}

static void consult_end_record(struct call_consult *x,
			       enum store_disposition disp, uint16_t scode,
			       enum store_party by)
{
	if (!x->rec.id || x->rec.ended_at)
		return;
	x->rec.ended_at = time_now_ms();
	(void)store_call_ended(x->call->ctx->st, x->rec.id, x->rec.ended_at,
			       disp, scode, by);
}

static void consult_destructor(void *arg)
{
	struct call_consult *x = arg;

	consult_end_record(
	    x, x->rec.answered_at ? STORE_DISP_ANSWERED : STORE_DISP_CANCELLED,
	    x->rec.answered_at ? 200 : 487, STORE_PARTY_SYSTEM);
	x->moh = mem_deref(x->moh);
	x->held = mem_deref(x->held); /* BYE */
}

/* The call record again as it was (dial.c wrote the target's answer). */
static void call_record_keep(struct call *call, struct call_consult *x,
			     const char *callee)
{
	if (call->rec.id && x->answered_at)
		(void)store_call_answered(call->ctx->st, call->rec.id,
					  x->answered_at, callee);
}

/* Back to before: the transferor (A now) bridged to the transferee. */
static void consult_back(struct call *call, struct call_consult *x)
{
	const struct call_backend *be = call->ctx->be;

	call->moh = mem_deref(call->moh);
	call->moh_to = NULL;
	if (x->swapped) {
		call->b = call->a;
		call->a = x->held;
	}
	else {
		call->b = x->held;
	}
	x->held = NULL;
	call->consult = mem_deref(x);
	be->bridge(call->a, call->b);
	call_state_set(call, CALL_BRIDGED);
	call_moh_update(call);
}

/* The target answered and the transferor left: transferee <-> target. */
static void consult_joined(struct call *call, struct call_consult *x)
{
	info("call: %s: consultation completed: %s with %s\n",
	     call->rec.sip_call_id, call->a->desc, call->b->desc);
	call_record_keep(call, x, call->b->desc);
	consult_end_record(x, STORE_DISP_ANSWERED, 200, STORE_PARTY_CALLER);
	consult_outcome(call, x, "taken", NULL);
	call->consult = mem_deref(x);
}

/* An event of the step being tried (x->step; "exhausted": after the
 * last), only for a consultation with steps (call_consult_steps()). */
static void step_event(struct call *call, const struct call_consult *x,
		       const char *state, uint16_t scode)
{
	const struct call_consult_step *st = cur_step(x);
	struct call_consult_ev ev = {
	    call_consult_id(call), NULL, 0, x->attempt, state, scode, NULL};

	if (!st || !st->label) {
		if (strcmp(state, "exhausted"))
			return;
		st = NULL;
	}
	ev.label = st ? st->label : NULL;
	ev.employee_id = st ? st->employee_id : 0;
	call_event_consult(call, &ev);
}

static void consult_record(struct call *call, struct call_consult *x,
			   const struct call_leg *transferor,
			   const struct call_dest *dest);
static void consult_dialled(struct call *call, uint16_t scode,
			    const char *reason, bool timed_out, void *arg);

/* What the record of step st names as dialled: the employee (its
 * extension), or the step's external number when the employee has no
 * extension (reached only on the number they take transfers on). */
static const struct call_dest *record_dest(struct call *call,
					   const struct call_consult_step *st)
{
	struct store_employee e;
	size_t i;

	if (st->destv[0].kind == CALL_DEST_EMPLOYEE &&
	    !store_employee_get(call->ctx->st, st->destv[0].id, &e) &&
	    e.extension[0])
		return &st->destv[0];
	for (i = 0; i < st->destc; i++) {
		if (st->destv[i].kind == CALL_DEST_EXTERNAL)
			return &st->destv[i];
	}
	return &st->destv[0];
}

/* Ring step x->step, or the first after it that can be rung: 0, or
 * ENOENT when none is left (x->step is x->stepc then). */
static int consult_ring(struct call *call, struct call_consult *x)
{
	for (; x->step < x->stepc; x->step++) {
		struct call_consult_step *st = &x->stepv[x->step];
		struct call_dial_prm prm = {st->destv, st->destc, false,
					    "",        "",        true};
		char cid[64] = "";
		size_t i;
		int err;

		for (i = 0; i < st->destc; i++) {
			if (st->destv[i].kind != CALL_DEST_EXTERNAL)
				continue;
			st->destv[i].number = st->number;
			if (!cid[0])
				call_central_number(call, call->rec.tenant_id,
						    cid, sizeof(cid));
		}
		if (!cid[0])
			str_copy(cid,
				 x->swapped ? call->rec.from_number
					    : call->rec.to_number,
				 sizeof(cid));
		prm.cid = cid;
		x->attempt++;
		err = call_dial(call, &prm, consult_dialled, NULL);
		if (err) {
			info("call: %s: consultation step %zu (%s): cannot "
			     "ring: %m\n",
			     call->rec.sip_call_id, x->step,
			     st->label ? st->label : "-", err);
			outcome_write(call, 0, st->label, st->employee_id,
				      x->attempt, "unreached", NULL);
			step_event(call, x, "failed", 480);
			continue;
		}
		consult_record(call, x, call->a, record_dest(call, st));
		step_event(call, x, "ringing", 0);
		info("call: %s: %s consults %s (step %zu, record %lld)\n",
		     call->rec.sip_call_id, call->a->desc, cid, x->step,
		     (long long)x->rec.id);
		return 0;
	}
	return ENOENT;
}

static void consult_dialled(struct call *call, uint16_t scode,
			    const char *reason, bool timed_out, void *arg)
{
	struct call_consult *x = call->consult;

	(void)timed_out;
	(void)arg;
	if (!x) { /* the transferee left: the call is the consultation */
		if (scode != 200)
			call_end(call, call_disposition(scode), scode,
				 STORE_PARTY_CALLEE);
		return;
	}
	if (scode == 200) {
		step_event(call, x, "answered", 200);
		call_record_keep(call, x, x->callee);
		x->rec.answered_at = time_now_ms();
		if (x->rec.id)
			(void)store_call_answered(call->ctx->st, x->rec.id,
						  x->rec.answered_at,
						  call->b->desc);
		if (x->completing) {
			consult_joined(call, x);
			return;
		}
		info("call: %s: consulting %s\n", call->rec.sip_call_id,
		     call->b->desc);
		return;
	}
	info("call: %s: consultation failed: %u %s\n", call->rec.sip_call_id,
	     scode, reason);
	consult_end_record(x, call_disposition(scode), scode,
			   STORE_PARTY_CALLEE);
	consult_outcome(call, x, "unreached", NULL);
	step_event(call, x, "failed", scode);
	x->step++;
	if (!consult_ring(call, x))
		return;      /* the next step rings */
	if (x->completing) { /* nobody to go back to */
		call->consult = mem_deref(x);
		call_end(call, STORE_DISP_ANSWERED, 200, STORE_PARTY_SYSTEM);
		return;
	}
	if (x->stepv[0].label) /* steps of call_consult_steps() */
		step_event(call, x, "exhausted", 0);
	consult_back(call, x);
}

/* Write the consultation's record: transferor -> target. */
static void consult_record(struct call *call, struct call_consult *x,
			   const struct call_leg *transferor,
			   const struct call_dest *dest)
{
	struct store_call *c = &x->rec;
	struct store_employee e;

	memset(c, 0, sizeof(*c));
	x->decided = false;
	str_copy(c->node_id, call->rec.node_id, sizeof(c->node_id));
	str_copy(c->sip_call_id, call->rec.sip_call_id, sizeof(c->sip_call_id));
	c->tenant_id = call->rec.tenant_id;
	c->direction = dest->kind == CALL_DEST_EXTERNAL ? STORE_DIR_OUTBOUND
							: STORE_DIR_INTERNAL;
	str_copy(c->from_number,
		 x->swapped ? call->rec.to_number : call->rec.from_number,
		 sizeof(c->from_number));
	if (dest->kind == CALL_DEST_EXTERNAL && dest->number)
		str_copy(c->to_number, dest->number, sizeof(c->to_number));
	else if (dest->kind == CALL_DEST_EMPLOYEE &&
		 !store_employee_get(call->ctx->st, dest->id, &e))
		str_copy(c->to_number, e.extension, sizeof(c->to_number));
	str_copy(c->caller_leg, transferor->desc, sizeof(c->caller_leg));
	c->started_at = time_now_ms();
	if (store_call_add(call->ctx->st, c))
		warning("call: %s: consultation not recorded\n",
			call->rec.sip_call_id);
}

int call_consult_steps(struct call *call, const struct call_consult_step *stepv,
		       size_t stepc, int64_t *consult_idp)
{
	struct call_leg *transferor;
	struct call_consult *x;
	size_t i;

	if (!call || !stepv || !stepc || stepc > CALL_CONSULT_STEPS)
		return EINVAL;
	for (i = 0; i < stepc; i++) {
		if (!stepv[i].destc || stepv[i].destc > CALL_STEP_DESTS)
			return EINVAL;
	}
	if (call->xfer || call->consult || call->dial)
		return EALREADY;
	if (call->state != CALL_BRIDGED || !call->b)
		return ENOTCONN;
	x = mem_zalloc(sizeof(*x), consult_destructor);
	if (!x)
		return ENOMEM;
	x->call = call;
	memcpy(x->stepv, stepv, stepc * sizeof(*stepv));
	x->stepc = stepc;
	transferor = call->b;
	if (!call->b->employee_id && call->a->employee_id)
		transferor = call->a;
	x->swapped = transferor == call->b;
	str_copy(x->callee, call->b->desc, sizeof(x->callee));
	if (call->rec.id) {
		struct store_call c;
		if (!store_call_get(call->ctx->st, call->rec.id, &c))
			x->answered_at = c.answered_at;
	}

	/* the transferee aside with its music, the transferor as A */
	call->moh = mem_deref(call->moh);
	call->moh_to = NULL;
	call->held = false; /* a console's hold ends with the consultation */
	call->ctx->be->unbridge(call->a);
	x->held = x->swapped ? call->a : call->b;
	call->a = transferor;
	call->b = NULL;
	(void)call_moh_play(call, x->held, &x->moh);
	call->consult = x;
	call_state_set(call, CALL_ANSWERED);
	if (consult_ring(call, x)) {
		consult_back(call, x);
		return ENOENT;
	}
	if (consult_idp)
		*consult_idp = x->rec.id;
	return 0;
}

int call_consult(struct call *call, const struct call_dest *dest,
		 int64_t *consult_idp)
{
	struct call_consult_step st;

	if (!call || !dest)
		return EINVAL;
	memset(&st, 0, sizeof(st));
	st.destv[0] = *dest;
	st.destc = 1;
	if (dest->kind == CALL_DEST_EMPLOYEE)
		st.employee_id = dest->id;
	if (dest->kind == CALL_DEST_EXTERNAL && dest->number)
		str_copy(st.number, dest->number, sizeof(st.number));
	return call_consult_steps(call, &st, 1, consult_idp);
}

const char *call_consult_step(const struct call *call)
{
	const struct call_consult *x = call ? call->consult : NULL;

	if (!x || x->step >= x->stepc)
		return NULL;
	return x->stepv[x->step].label;
}

int64_t call_consult_id(const struct call *call)
{
	return call && call->consult ? call->consult->rec.id : 0;
}

/* The transferor leaves: joined, or blind while the target rings. */
static void consult_drop_transferor(struct call *call, struct call_consult *x)
{
	struct call_leg *transferor = call->a;

	if (call->b) {
		call->ctx->be->unbridge(call->a);
		call->moh =
		    mem_deref(call->moh); /* a hold in the consultation */
		call->moh_to = NULL;
	}
	call->a = x->held;
	x->held = NULL;
	mem_deref(transferor); /* BYE */
	if (call->b) {
		x->moh = mem_deref(x->moh);
		call->ctx->be->bridge(call->a, call->b);
		call_state_set(call, CALL_BRIDGED);
		call_moh_update(call);
		consult_joined(call, x);
		return;
	}
	/* the target rings: the music goes on until dial.c bridges it */
	info("call: %s: consultation completed while %s rings\n",
	     call->rec.sip_call_id, "the target");
	call->moh = x->moh;
	call->moh_to = call->a;
	x->moh = NULL;
	x->completing = true;
}

int call_consult_complete(struct call *call)
{
	if (!call)
		return EINVAL;
	if (!call->consult || call->consult->completing)
		return ENOENT;
	consult_drop_transferor(call, call->consult);
	return 0;
}

/* Stop the consultation with outcome (the target CANCELled or hung up,
 * transferor and transferee bridged again). */
static int consult_stop(struct call *call, const char *outcome,
			const char *message)
{
	struct call_consult *x;

	if (!call)
		return EINVAL;
	x = call->consult;
	if (!x || x->completing)
		return ENOENT;
	info("call: %s: consultation %s\n", call->rec.sip_call_id, outcome);
	call_dial_stop(call); /* CANCEL, no handler */
	if (call->b) {
		call->moh = mem_deref(call->moh);
		call->moh_to = NULL;
		call->ctx->be->unbridge(call->a);
		call->b = mem_deref(call->b); /* BYE */
	}
	consult_end_record(
	    x, x->rec.answered_at ? STORE_DISP_ANSWERED : STORE_DISP_CANCELLED,
	    x->rec.answered_at ? 200 : 487, STORE_PARTY_CALLER);
	consult_outcome(call, x, outcome, message);
	call_record_keep(call, x, x->callee);
	consult_back(call, x);
	return 0;
}

int call_consult_cancel(struct call *call)
{
	return consult_stop(call, "cancelled", NULL);
}

int call_consult_decline(struct call *call, const char *message)
{
	const struct call_declined *d;

	if (!call)
		return EINVAL;
	if (call->consult)
		return consult_stop(call, "declined", message);
	d = &call->declined;
	if (!d->consult_id || time_now_ms() > d->at + CALL_DECLINE_MESSAGE_MS)
		return ENOENT;
	if (!str_isset(message))
		return 0; /* declined it was */
	info("call: %s: message of declined consultation %lld\n",
	     call->rec.sip_call_id, (long long)d->consult_id);
	outcome_write(call, d->consult_id, d->label, d->employee_id, d->attempt,
		      "declined", message);
	return 0;
}

int64_t call_consult_declined_id(const struct call *call)
{
	return call && !call->consult ? call->declined.consult_id : 0;
}

bool call_consult_leg_closed(struct call_leg *leg)
{
	struct call *call = leg->call;
	struct call_consult *x = call->consult;

	if (!x || x->completing)
		return false;
	if (leg == x->held) {
		/* the transferee left: the call goes on as the consultation */
		info("call: %s: %s hung up while consulted about\n",
		     call->rec.sip_call_id, leg->desc);
		consult_outcome(call, x, "caller_left", NULL);
		x->held = mem_deref(x->held);
		x->moh = mem_deref(x->moh);
		if (call->rec.id)
			(void)store_call_ended(call->ctx->st, call->rec.id,
					       time_now_ms(),
					       STORE_DISP_ANSWERED, 200,
					       x->swapped ? STORE_PARTY_CALLER
							  : STORE_PARTY_CALLEE);
		call->rec = x->rec;
		x->rec.id = 0;
		call->consult = mem_deref(x);
		return true;
	}
	if (leg == call->a) { /* the transferor hung up: completed */
		consult_drop_transferor(call, x);
		return true;
	}
	if (leg == call->b) { /* the target hung up: back */
		call->moh = mem_deref(call->moh);
		call->moh_to = NULL;
		call->ctx->be->unbridge(call->a);
		call->b = mem_deref(call->b);
		consult_end_record(x, STORE_DISP_ANSWERED, 200,
				   STORE_PARTY_CALLEE);
		consult_outcome(call, x, "declined", NULL);
		call_record_keep(call, x, x->callee);
		consult_back(call, x);
		return true;
	}
	return false;
}
