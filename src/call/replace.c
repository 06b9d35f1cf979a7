/*
 * replace.c - attended transfer by Replaces (RFC 3891), and joining two
 * calls.  We are a B2BUA: a phone that transferred attended has two
 * dialogs with us, one in each call:
 *
 *   call 1: A (customer) --- us --- B1 (agent B, A on hold)
 *   call 2: B2 (agent B)  --- us --- C  (B consults C)
 *
 * and sends REFER on one of them whose Refer-To names the other in a
 * Replaces ("<sip:C?Replaces=<call 2's Call-ID>;to-tag=..;from-tag=..>",
 * or the reverse on B2).  We join the far ends: A is bridged to C in
 * the older call (the customer's), B's two legs get BYE, the other
 * call's record ends (answered, by B's side) and the REFER's NOTIFY says
 * 200.  The outcome as NOTIFY (the REFER is accepted first):
 *
 *   no dialog of ours matches (or more than one)        481
 *   it is early (not acknowledged; ours ringing too)    481
 *   it is confirmed and the Replaces says early-only    486
 *   it is a dialog of another device / employee         403
 *   it is the REFER's own call, or its call is not
 *   bridged, or transferring or consulting              603
 *   else joined                                         200
 *
 * An INVITE with Replaces (a phone taking over a dialog: the other way
 * phones do attended transfer, or a call moved to another phone) gets
 * the same answers as final statuses (400 for a bad header, by sip/);
 * taken, it is answered 200 and put in the place of the named leg,
 * which gets BYE.  It must come from a device of the call's tenant.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call/call_int.h"

/* The one leg of ctx whose dialog is d; NULL if none or several. */
static struct call_leg *leg_find(struct call_ctx *ctx,
				 const struct call_dialog *d)
{
	const struct call_backend *be = ctx->be;
	struct call_leg *found = NULL;
	unsigned n = 0;
	struct le *le, *fe;

	if (!be->dialog_is)
		return NULL;
	for (le = ctx->calls.head; le; le = le->next) {
		struct call *call = le->data;
		struct call_leg *legs[2] = {call->a, call->b};
		unsigned i;

		if (call->state == CALL_DONE)
			continue;
		for (i = 0; i < 2; i++) {
			if (legs[i] && legs[i]->be &&
			    be->dialog_is(legs[i], d)) {
				found = legs[i];
				n++;
			}
		}
		for (fe = call->forks.head; fe; fe = fe->next) {
			struct call_leg *leg = fe->data;
			if (leg->be && be->dialog_is(leg, d)) {
				found = leg;
				n++;
			}
		}
	}
	return n == 1 ? found : NULL;
}

/* The status (0: fine) of replacing leg t, found for d. */
static uint16_t leg_check(const struct call_leg *t, const struct call_dialog *d,
			  const char **reason)
{
	const struct call *call = t ? t->call : NULL;

	if (!t || !t->established) {
		*reason = "Call/Transaction Does Not Exist";
		return 481;
	}
	if (d->early_only) {
		*reason = "Busy Here";
		return 486;
	}
	if (call->state != CALL_BRIDGED || !call->b || call->xfer ||
	    call->consult || call->dial || (t != call->a && t != call->b)) {
		*reason = "Declined";
		return 603;
	}
	return 0;
}

/* The call's record: its callee is leg now, the answer time kept. */
static void record_callee(struct call *call, const struct call_leg *leg)
{
	struct store_call c;

	if (call->rec.id && !store_call_get(call->ctx->st, call->rec.id, &c) &&
	    c.answered_at)
		(void)store_call_answered(call->ctx->st, call->rec.id,
					  c.answered_at, leg->desc);
}

/* Stop the bridge of a bridged call and its music. */
static void unbridge(struct call *call)
{
	call->moh = mem_deref(call->moh);
	call->moh_to = NULL;
	call->ctx->be->unbridge(call->a);
}

/* Bridge call's A and B (again), BRIDGED, music as the holds say. */
static void rebridge(struct call *call)
{
	call->ctx->be->bridge(call->a, call->b);
	call_state_set(call, CALL_BRIDGED);
	call_moh_update(call);
}

/* Is c1 older than c2 (earlier in the context's list)? */
static bool older(const struct call *c1, const struct call *c2)
{
	struct le *le;

	for (le = c1->ctx->calls.head; le; le = le->next) {
		if (le->data == c1)
			return true;
		if (le->data == c2)
			return false;
	}
	return true;
}

/*
 * Join the peers of d1 and d2, legs of two bridged calls: the older
 * call keeps its peer of the dropped leg and takes the other call's;
 * both dropped legs are hung up, the other call ends (answered).
 */
static void join_legs(struct call_leg *d1, struct call_leg *d2)
{
	bool first = older(d1->call, d2->call);
	struct call_leg *ds = first ? d1 : d2, *dother = first ? d2 : d1;
	struct call *s = ds->call, *o = dother->call;
	struct call_leg *ks = call_leg_peer(ds), *ko = call_leg_peer(dother);
	enum store_party by =
	    dother == o->a ? STORE_PARTY_CALLER : STORE_PARTY_CALLEE;

	info("call: %s: %s joined with %s of %s\n", s->rec.sip_call_id,
	     ks->desc, ko->desc, o->rec.sip_call_id);
	unbridge(s);
	unbridge(o);
	o->a = dother; /* all the other call keeps, hung up at its end */
	o->b = NULL;
	s->a = ks;
	s->b = ko;
	ko->call = s;
	mem_deref(ds); /* BYE */
	record_callee(s, ko);
	rebridge(s);
	call_end(o, STORE_DISP_ANSWERED, 200, by);
}

/* Same device, or devices of one employee. */
static bool same_party(const struct call_leg *l1, const struct call_leg *l2)
{
	if (!strcmp(l1->desc, l2->desc))
		return true;
	return l1->employee_id && l1->employee_id == l2->employee_id;
}

void call_replace_refer(struct call_leg *leg, const struct call_dialog *d)
{
	struct call *call = leg->call;
	const struct call_backend *be = call->ctx->be;
	struct call_leg *t = leg_find(call->ctx, d);
	const char *reason = "";
	uint16_t scode;

	scode = leg_check(t, d, &reason);
	if (!scode && !same_party(t, leg)) {
		scode = 403;
		reason = "Forbidden";
	}
	if (!scode && t->call == call) {
		scode = 603;
		reason = "Declined";
	}
	if (scode) {
		info("call: %s: attended transfer by %s refused: %u %s\n",
		     call->rec.sip_call_id, leg->desc, scode, reason);
		be->refer_notify(leg, scode, reason);
		return;
	}
	be->refer_notify(leg, 200, "OK");
	join_legs(leg, t);
}

int call_join(struct call *call, struct call *other)
{
	if (!call || !other || call == other)
		return EINVAL;
	if (call->state == CALL_DONE || other->state == CALL_DONE)
		return ENOTCONN;
	if (call->state != CALL_BRIDGED || other->state != CALL_BRIDGED ||
	    !call->b || !other->b)
		return ENOTCONN;
	if (call->xfer || other->xfer || call->consult || other->consult)
		return EALREADY;
	join_legs(call->b, other->b);
	return 0;
}

/* Is o's device allowed to take over t (a device of t's call's tenant)? */
static bool replace_allowed(const struct call_origin *o,
			    const struct call_leg *t)
{
	const struct store_device *dev = o->rc.device;

	return dev && dev->tenant_id &&
	       dev->tenant_id == t->call->rec.tenant_id;
}

uint16_t call_replace_incoming(struct call_ctx *ctx,
			       const struct call_origin *o,
			       const struct call_dialog *d, void *a_be,
			       const char **reason)
{
	const struct call_backend *be = ctx->be;
	struct call_leg *t = leg_find(ctx, d), *n = NULL;
	struct call *call;
	uint16_t scode;
	int err;

	scode = leg_check(t, d, reason);
	if (!scode && !replace_allowed(o, t)) {
		scode = 403;
		*reason = "Forbidden";
	}
	if (scode) {
		info("call: INVITE with Replaces %s from %s: %u %s\n",
		     d->call_id, o->leg, scode, *reason);
		return scode;
	}
	call = t->call;
	err = call_leg_alloc(&n, call, o->leg);
	if (err) {
		*reason = "Server Internal Error";
		return 500;
	}
	n->be = a_be;
	n->employee_id = o->rc.device->employee_id;
	err = be->a_media(n);
	if (!err)
		err = be->a_offer(n);
	if (!err)
		err = be->a_answer(n, false);
	if (err) {
		warning("call: %s: %s cannot replace %s: %m\n",
			call->rec.sip_call_id, o->leg, t->desc, err);
		be->a_reject(n, err == ENOTSUP ? 488 : 500,
			     err == ENOTSUP ? "Not Acceptable Here"
					    : "Server Internal Error");
		mem_deref(n);
		return 0;
	}
	info("call: %s: %s replaces %s\n", call->rec.sip_call_id, o->leg,
	     t->desc);
	unbridge(call);
	if (t == call->a) {
		call->a = n;
	}
	else {
		call->b = n;
		record_callee(call, n);
	}
	mem_deref(t); /* BYE */
	rebridge(call);
	return 0;
}
