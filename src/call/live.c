/*
 * live.c - the live calls of this node as the operator sees them (GET
 * /api/v1/calls/live, switchboard-ctl calls): each call's record as it
 * stands, and per leg who it is, its codec, SRTP and the RTP packets it
 * received and was sent (the backend's view: call/sip_leg.c reads the
 * media leg's counters).  Read only; nothing here changes a call.
 */
#include <string.h>
#include "core/core.h"
#include "call/call_int.h"

int call_ctx_walk(const struct call_ctx *ctx, call_walk_h *h, void *arg)
{
	struct le *le;
	int err;

	if (!ctx || !h)
		return EINVAL;
	for (le = ctx->calls.head; le; le = le->next) {
		const struct call *call = le->data;

		if (call->state == CALL_DONE)
			continue;
		err = h(call, arg);
		if (err)
			return err;
	}
	return 0;
}

static void leg_view(const struct call *call, const struct call_leg *leg,
		     const char *role, struct call_leg_view *v)
{
	memset(v, 0, sizeof(*v));
	v->role = role;
	v->codec = "";
	str_copy(v->desc, leg->desc, sizeof(v->desc));
	v->established = leg->established;
	if (leg->be && call->ctx->be && call->ctx->be->view)
		call->ctx->be->view(leg, v);
}

size_t call_legs_view(const struct call *call, struct call_leg_view *v,
		      size_t n)
{
	struct le *le;
	size_t i = 0;

	if (!call || !v)
		return 0;
	if (call->a && i < n)
		leg_view(call, call->a, "caller", &v[i++]);
	if (call->b && i < n)
		leg_view(call, call->b, "callee", &v[i++]);
	for (le = call->forks.head; le && i < n; le = le->next) {
		const struct call_leg *leg = le->data;

		if (leg != call->b)
			leg_view(call, leg, "ringing", &v[i++]);
	}
	return i;
}

const struct store_call *call_rec(const struct call *call)
{
	return call ? &call->rec : NULL;
}
