/*
 * moh.c - music on hold: the hold operation of the seam (call_hold()),
 * and the bridge's own use of it: when one party of a bridged call puts
 * the other on hold (re-INVITE sendonly/inactive, or c=0.0.0.0) the other
 * hears music until the call is taken back (sendrecv), and the relay
 * resumes.  The music is the tenant's own (its moh_prompt, e.g. a prompt
 * it uploaded), else the node's moh.wav.
 *
 *   BRIDGED, nobody holds --A holds--> music to B --A resumes--> relay
 *                         --B holds--> music to A --B resumes--> relay
 *                         --the console holds--> music to A --resume-->
 *                           relay (call_hold_caller(): the agent's API)
 */
#include <re.h>
#include "core/core.h"
#include "call/call_int.h"

/* The music of the call's tenant (its moh_prompt), "" for the node's. */
static void tenant_music(const struct call *call, char *buf, size_t sz)
{
	struct store_tenant t;

	buf[0] = '\0';
	if (call->rec.tenant_id &&
	    !store_tenant_get(call->ctx->st, call->rec.tenant_id, &t))
		str_copy(buf, t.moh_prompt, sz);
}

int call_moh_play(struct call *call, struct call_leg *to, void **pp)
{
	const struct call_backend *be = call->ctx->be;
	const char *dir = call->ctx->cfg->prompts_dir;
	char file[128], path[400];

	tenant_music(call, file, sizeof(file));
	if (file[0]) {
		re_snprintf(path, sizeof(path), "%s/%s", dir, file);
		if (be->play(pp, to, path, true, NULL, NULL) == 0)
			return 0;
		warning("call: %s: music on hold %s cannot be played; the "
			"node's instead\n",
			call->rec.sip_call_id, file);
	}
	re_snprintf(path, sizeof(path), "%s/moh.wav", dir);
	return be->play(pp, to, path, true, NULL, NULL);
}

/* Music to leg `to` (NULL: none): the tenant's own, or the node's
 * moh.wav (also when the tenant's cannot be played). */
static void moh_to(struct call *call, struct call_leg *to)
{
	if (to == call->moh_to)
		return;
	call->moh = mem_deref(call->moh);
	call->moh_to = NULL;
	if (to && call_moh_play(call, to, &call->moh) == 0)
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
	if (call->held)
		to = call->a; /* the console's hold: not the phones' */
	else if (be->held(call->a))
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
	call->held = false;
	moh_to(call, on ? call->a : NULL);
	if (on && call->moh_to != call->a)
		return ENOENT;
	return 0;
}

int call_hold_caller(struct call *call, bool on)
{
	if (!call)
		return EINVAL;
	if (call->state != CALL_BRIDGED || !call->b)
		return ENOTCONN;
	if (call->xfer || call->consult)
		return EALREADY;
	if (on == call->held)
		return 0;
	call->held = on;
	if (!on) {
		moh_to(call, NULL);
		call_moh_update(call); /* a phone may hold meanwhile */
		info("call: %s taken back from hold\n", call->rec.sip_call_id);
		return 0;
	}
	moh_to(call, call->a);
	if (call->moh_to != call->a) {
		call->held = false;
		return ENOENT;
	}
	info("call: %s: the caller held by the console\n",
	     call->rec.sip_call_id);
	return 0;
}

bool call_caller_held(const struct call *call)
{
	return call && call->held && call->state == CALL_BRIDGED;
}
