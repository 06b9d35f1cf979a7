/*
 * moh.c - music on hold: the hold operation of the seam (call_hold()),
 * and the bridge's own use of it: when one party of a bridged call puts
 * the other on hold (re-INVITE sendonly/inactive, or c=0.0.0.0) the other
 * hears the node's moh.wav until the call is taken back (sendrecv), and
 * the relay resumes.
 *
 *   BRIDGED, nobody holds --A holds--> music to B --A resumes--> relay
 *                         --B holds--> music to A --B resumes--> relay
 */
#include <re.h>
#include "core/core.h"
#include "call/call_int.h"

/* Music to leg `to` (NULL: none). */
static void moh_to(struct call *call, struct call_leg *to)
{
	char path[300];

	if (to == call->moh_to)
		return;
	call->moh = mem_deref(call->moh);
	call->moh_to = NULL;
	if (!to)
		return;
	re_snprintf(path, sizeof(path), "%s/moh.wav",
		    call->ctx->cfg->prompts_dir);
	if (call->ctx->be->play(&call->moh, to, path, true, NULL, NULL) == 0)
		call->moh_to = to;
}

void call_moh_update(struct call *call)
{
	const struct call_backend *be = call->ctx->be;
	struct call_leg *to = NULL;

	if (call->state != CALL_BRIDGED || !call->b)
		return;
	debug("call: %s: hold check a %d b %d\n", call->rec.sip_call_id,
	      be->held(call->a), be->held(call->b));
	if (be->held(call->a))
		to = call->b;
	else if (be->held(call->b))
		to = call->a;
	if (to == call->moh_to)
		return;
	moh_to(call, to);
	if (!to)
		info("call: %s resumed\n", call->rec.sip_call_id);
	else
		info("call: %s on hold, music to %s\n", call->rec.sip_call_id,
		     to->desc);
}

int call_hold(struct call *call, bool on)
{
	if (!call)
		return EINVAL;
	if (!call->a_answered || call->state == CALL_DONE)
		return ENOTCONN;
	moh_to(call, on ? call->a : NULL);
	if (on && call->moh_to != call->a)
		return ENOENT;
	return 0;
}
