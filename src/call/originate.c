/*
 * originate.c - calls we place ourselves (a click to call, a queue's
 * callback): the call starts without a caller; its first party is dialled
 * as the members of a dial are (dial.c) and, when it answers, becomes the
 * call's A leg.  From then on the call is an answered call like any other
 * and its application drives it through call.h.
 *
 *   call_originate -> record, ROUTING, first party's legs out (RINGING)
 *     a leg answers   -> the others cancelled; it is A; ANSWERED;
 *                        handler(200)
 *     all fail        -> the call ends (busy, no answer, rejected:
 *                        the record says which); handler(status)
 *     call_hangup()   -> cancelled, no handler
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call/call_int.h"

void call_originate_answered(struct call *call, struct call_leg *leg)
{
	call_originate_h *h = call->origh;
	void *arg = call->orig_arg;

	list_unlink(&leg->le);
	tmr_cancel(&leg->tmr);
	list_flush(&call->forks); /* CANCEL the others */
	call->dial = mem_deref(call->dial);
	call->early = NULL;
	call->a = leg;
	call->a_answered = true;
	call->origh = NULL;
	info("call: %s: %s answered our call to %s\n", call->rec.sip_call_id,
	     leg->desc, call->rec.caller_leg);
	call_state_set(call, CALL_ANSWERED);
	call_rtp_watch(call);
	if (h)
		h(call, 200, "OK", false, arg);
}

/* The first party did not answer (an answer is the function above). */
static void originate_failed(struct call *call, uint16_t scode,
			     const char *reason, bool timed_out, void *arg)
{
	call_originate_h *h = call->origh;
	void *harg = call->orig_arg;

	(void)arg;
	call->origh = NULL;
	info("call: %s: %s did not answer: %u %s%s\n", call->rec.sip_call_id,
	     call->rec.caller_leg, scode, reason,
	     timed_out ? " (rang out)" : "");
	mem_ref(call); /* readable during the handler */
	call_end(call, call_disposition(scode), scode, STORE_PARTY_CALLER);
	if (h)
		h(call, scode, reason, timed_out, harg);
	mem_deref(call);
}

static void record_fill(struct call *call, const struct call_originate_prm *p)
{
	struct store_call *c = &call->rec;

	memset(c, 0, sizeof(*c));
	str_copy(c->node_id, call->ctx->cfg->node_id, sizeof(c->node_id));
	re_snprintf(c->sip_call_id, sizeof(c->sip_call_id), "sb-%016llx",
		    (unsigned long long)rand_u64());
	c->tenant_id = p->tenant_id;
	c->direction = p->direction;
	str_copy(c->from_number, p->from ? p->from : "",
		 sizeof(c->from_number));
	str_copy(c->to_number, p->to ? p->to : "", sizeof(c->to_number));
	str_copy(c->caller_leg, p->leg ? p->leg : "", sizeof(c->caller_leg));
	c->started_at = time_now_ms();
}

int call_originate(struct call_ctx *ctx, const struct call_originate_prm *prm,
		   call_originate_h *h, void *arg, struct call **callp)
{
	struct call_dial_prm dp;
	struct call *call;
	int err;

	if (!ctx || !prm || !prm->dest || !prm->cid || !h)
		return EINVAL;
	if (ctx->closing)
		return ESHUTDOWN;
	err = call_alloc_placed(&call, ctx);
	if (err)
		return err;
	record_fill(call, prm);
	call->origh = h;
	call->orig_arg = arg;
	list_append(&ctx->calls, &call->le, call);

	memset(&dp, 0, sizeof(dp));
	dp.destv = prm->dest;
	dp.destc = prm->destc ? prm->destc : 1;
	dp.cid = prm->cid;
	dp.cname = prm->cname;
	dp.no_ringback = true;
	err = call_dial(call, &dp, originate_failed, NULL);
	if (err) {
		list_unlink(&call->le);
		mem_deref(call);
		return err;
	}
	err = store_call_add(ctx->st, &call->rec);
	if (err)
		warning("call: cannot record call %s: %m\n",
			call->rec.sip_call_id, err);
	info("call: %s: calling %s for %s -> %s\n", call->rec.sip_call_id,
	     call->rec.caller_leg, call->rec.from_number, call->rec.to_number);
	call_state_set(call, CALL_ROUTING);
	call_state_set(call, CALL_RINGING);
	if (callp)
		*callp = call;
	return 0;
}
