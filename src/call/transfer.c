/*
 * transfer.c - blind (unattended) transfer: a phone's REFER in a bridged
 * call (RFC 3515), or an application's call_transfer().  The party that
 * stays (the transferee) hears music on hold while the target rings; the
 * target answers -> it is bridged to the transferee and the transferor
 * is hung up; it fails -> the transferee is bridged to the transferor
 * again (if that leg is still up; else, after a REFER, hung up).
 *
 * The transferee becomes the call's A leg for the attempt: when the
 * caller (A) transfers its callee, the legs swap, so that dialling the
 * target (dial.c) and music on hold (moh.c) work on A as always.  The
 * transferor is set aside in the transfer object; its BYE during the
 * attempt (phones often hang up right after the 202) does not end the
 * call, and its subscription still gets the last NOTIFY.
 *
 *   REFER in a bridged call (sip/refer.c via the backend)
 *     bad Refer-To 400 | scheme 416 | bad Replaces 400 | not a phone
 *     of ours 403 | a transfer or consultation runs 491 | not bridged
 *     603
 *     with Replaces (attended): 202, NOTIFY 100, then replace.c
 *     else 202, NOTIFY "100 Trying"; the target resolved by route/ as
 *     if the transferor dialled it:
 *       none (404, 484, 403 ...) -> NOTIFY that status; stays bridged
 *       any application (announcement, menu, ring group, mailbox,
 *       digit input, queue ...) -> NOTIFY 200, transferor BYE, call
 *                       re-routed (a group's members see the
 *                       transferee's number)
 *       employee / number -> TRANSFERRING
 *   call_transfer(dest) -> TRANSFERRING (a bridged callee set aside)
 *
 *   TRANSFERRING (call->xfer set; the call's state is ANSWERED):
 *                 transferor aside (may hang up), MOH to the transferee,
 *                 target rings (call_dial)
 *     target answers -> bridged (BRIDGED), NOTIFY 200, transferor BYE
 *     target fails   -> NOTIFY its status; transferor up: bridged again,
 *                       else REFER: hung up / application: its handler
 *     transferee hangs up, re-route, shutdown -> NOTIFY 487, BYE all
 *
 * Who may transfer: a leg of one of our devices ("device:<user>"); a
 * carrier's leg may not (a REFER from outside must not place calls
 * through our trunk).  An external target presents the transferor's
 * tenant's central number (the transferor's own presentation if the
 * tenant has none); an employee sees the transferee's number.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call/call_int.h"

struct call_xfer {
	struct call *call;           /* (weak)                            */
	struct call_leg *transferor; /* set aside (owned), or NULL        */
	bool transferor_up;          /* its dialog not ended by a BYE     */
	bool swapped;                /* the transferor was A             */
	bool refer;                  /* by REFER: NOTIFY the transferor   */
	uint64_t answered_at;        /* [ms] the record's, kept           */
	call_transfer_h *h;          /* application's handler, or NULL    */
	void *arg;
};

static void xfer_notify(struct call_xfer *x, uint16_t scode, const char *reason)
{
	if (x->refer && x->transferor)
		x->call->ctx->be->refer_notify(x->transferor, scode, reason);
	x->refer = false; /* the last one was sent */
}

static void xfer_destructor(void *arg)
{
	struct call_xfer *x = arg;

	xfer_notify(x, 487, "Request Terminated");
	x->transferor = mem_deref(x->transferor); /* BYE if up */
}

/* ---- the attempt ----------------------------------------------------- */

/* End x: free it (BYE to the transferor), then the handler. */
static void xfer_done(struct call *call, uint16_t scode, const char *reason)
{
	struct call_xfer *x = call->xfer;
	call_transfer_h *h = x->h;
	void *arg = x->arg;

	call->xfer = mem_deref(x);
	if (h)
		h(call, scode, reason, arg);
}

/*
 * Set the transferor aside: the transferee becomes A (the legs swap when
 * A transfers), the bridge and its music stop.  transferor NULL: none
 * (an application transfers a caller who talks to nobody).
 */
static void xfer_detach(struct call *call, struct call_xfer *x,
			struct call_leg *transferor)
{
	const struct call_backend *be = call->ctx->be;

	call->moh = mem_deref(call->moh);
	call->moh_to = NULL;
	if (!transferor)
		return;
	be->unbridge(call->a);
	x->swapped = transferor == call->a;
	if (x->swapped)
		call->a = call->b;
	call->b = NULL;
	x->transferor = transferor;
	x->transferor_up = true;
	call_state_set(call, CALL_ANSWERED);
}

/* Undo xfer_detach(): the music stops, the transferee is bridged to the
 * transferor again (A the caller again). */
static void xfer_attach(struct call *call, struct call_xfer *x)
{
	(void)call_hold(call, false);
	if (!x->transferor)
		return;
	if (x->swapped) {
		call->b = call->a;
		call->a = x->transferor;
	}
	else {
		call->b = x->transferor;
	}
	x->transferor = NULL;
	call->ctx->be->bridge(call->a, call->b);
	call_state_set(call, CALL_BRIDGED);
	call_moh_update(call);
}

static void xfer_dialled(struct call *call, uint16_t scode, const char *reason,
			 bool timed_out, void *arg)
{
	struct call_xfer *x = arg;

	(void)timed_out;
	xfer_notify(x, scode, reason);
	if (scode == 200) {
		info("call: %s: transferred to %s\n", call->rec.sip_call_id,
		     call->b ? call->b->desc : "?");
		/* dial.c wrote the target's answer: the talk time began
		 * with the first answer, the callee is the target now */
		if (call->rec.id && x->answered_at && call->b)
			(void)store_call_answered(call->ctx->st, call->rec.id,
						  x->answered_at,
						  call->b->desc);
		xfer_done(call, scode, reason);
		return;
	}
	info("call: %s: transfer failed: %u %s\n", call->rec.sip_call_id, scode,
	     reason);
	if (x->transferor && !x->transferor_up && !x->h) {
		/* a REFER whose transferor has gone: nobody to go back to */
		call->xfer = mem_deref(x);
		call_end(call, STORE_DISP_ANSWERED, 200, STORE_PARTY_SYSTEM);
		return;
	}
	if (x->transferor && !x->transferor_up)
		x->transferor = mem_deref(x->transferor);
	xfer_attach(call, x);
	xfer_done(call, scode, reason);
}

/* Start a transfer of the party other than transferor to dest. */
static int xfer_start(struct call *call, struct call_leg *transferor,
		      const struct call_dest *dest, const char *cid, bool refer,
		      call_transfer_h *h, void *arg)
{
	/* the transferee hears music, no ringback (below) */
	struct call_dial_prm prm = {dest, 1, false, cid, "", true};
	struct call_xfer *x;
	int err;

	x = mem_zalloc(sizeof(*x), xfer_destructor);
	if (!x)
		return ENOMEM;
	x->call = call;
	x->h = h;
	x->arg = arg;
	if (call->rec.id) {
		struct store_call c;
		if (!store_call_get(call->ctx->st, call->rec.id, &c))
			x->answered_at = c.answered_at;
	}
	xfer_detach(call, x, transferor);
	(void)call_hold(call, true); /* music while the target rings */
	err = call_dial(call, &prm, xfer_dialled, x);
	if (err) {
		xfer_attach(call, x);
		mem_deref(x);
		return err;
	}
	x->refer = refer;
	call->xfer = x;
	return 0;
}

bool call_xfer_leg_closed(struct call_leg *leg)
{
	struct call_xfer *x = leg->call->xfer;

	if (!x || leg != x->transferor)
		return false;
	debug("call: %s: transferor %s hung up\n", leg->call->rec.sip_call_id,
	      leg->desc);
	x->transferor_up = false; /* kept for the last NOTIFY */
	return true;
}

/* ---- the application's transfer ---------------------------------------- */

void call_central_number(struct call *call, int64_t tenant_id, char *buf,
			 size_t sz)
{
	struct store_tenant t;

	buf[0] = '\0';
	if (tenant_id && !store_tenant_get(call->ctx->st, tenant_id, &t))
		str_copy(buf, t.central_number, sz);
}

int call_transfer(struct call *call, const struct call_dest *dest,
		  call_transfer_h *h, void *arg)
{
	char cid[64] = "";

	if (!call || !dest)
		return EINVAL;
	if (call->state == CALL_DONE || !call->a_answered)
		return ENOTCONN;
	if (call->xfer || call->dial || call->consult)
		return EALREADY;
	if (dest->kind == CALL_DEST_EXTERNAL)
		call_central_number(call, call->rec.tenant_id, cid,
				    sizeof(cid));
	if (!cid[0])
		str_copy(cid, call->rec.from_number, sizeof(cid));
	info("call: %s: transfer of the caller\n", call->rec.sip_call_id);
	return xfer_start(call, call->b, dest, cid, false, h, arg);
}

int call_dest_of(const struct call *call, const struct route_target *t,
		 struct call_dest *dest)
{
	if (!call || !t || !dest)
		return EINVAL;
	memset(dest, 0, sizeof(*dest));
	dest->id = t->id;
	dest->timeout = t->timeout ? t->timeout : call->ctx->cfg->ring_timeout;
	switch (t->kind) {
	case ROUTE_EMPLOYEE:
		dest->kind = CALL_DEST_EMPLOYEE;
		return 0;
	case ROUTE_EXTERNAL:
		dest->kind = CALL_DEST_EXTERNAL;
		dest->number = t->number;
		return 0;
	default:
		return ENOTSUP;
	}
}

static int xfer_device(struct call *call, const struct call_leg *leg,
		       struct store_device *dev);

int call_route_number(struct call *call, const char *number,
		      struct route_result *r)
{
	struct route_caller rc;
	struct store_device dev;
	struct call_leg *leg;

	if (!call || !number || !r)
		return EINVAL;
	leg = call->b;
	if (!leg || (!leg->employee_id && call->a->employee_id))
		leg = call->a;
	memset(&dev, 0, sizeof(dev));
	if (xfer_device(call, leg, &dev))
		return ENOENT;
	memset(&rc, 0, sizeof(rc));
	rc.device = &dev;
	rc.from_user = dev.username;
	rc.from_name = "";
	return route_resolve(call->ctx->st, &rc, number, r);
}

int call_transfer_target(struct call *call, const struct route_target *t,
			 call_transfer_h *h, void *arg)
{
	struct call_dest dest;
	struct call_leg *leg;
	int err;

	if (!call || !t)
		return EINVAL;
	if (t->kind == ROUTE_REJECT)
		return ENOENT;
	if (call->state == CALL_DONE || !call->a_answered)
		return ENOTCONN;
	if (call->xfer || call->dial || call->consult)
		return EALREADY;
	err = call_dest_of(call, t, &dest);
	if (err && err != ENOTSUP)
		return err;
	if (call->b && !call->b->employee_id && call->a->employee_id) {
		/* the caller is the agent (it called the customer): the
		 * customer is transferred, the agent leaves */
		char cid[64] = "";
		if (dest.kind == CALL_DEST_EXTERNAL)
			call_central_number(call, call->rec.tenant_id, cid,
					    sizeof(cid));
		if (!cid[0])
			str_copy(cid, call->rec.to_number, sizeof(cid));
		if (!err) {
			info("call: %s: transfer of the callee\n",
			     call->rec.sip_call_id);
			return xfer_start(call, call->a, &dest, cid, false, h,
					  arg);
		}
		leg = call->a;
		call->moh = mem_deref(call->moh);
		call->moh_to = NULL;
		call->a = call->b; /* the customer is A from now on */
		call->b = leg;     /* hung up by call_reroute() */
	}
	if (!err)
		return call_transfer(call, &dest, h, arg);
	info("call: %s: transferred to %s %lld\n", call->rec.sip_call_id,
	     route_kind_name(t->kind), (long long)t->id);
	return call_reroute(call, t);
}

/* ---- REFER ------------------------------------------------------------- */

/* The device of a transferor's leg ("device:<user>"): 0 or ENOENT. */
static int xfer_device(struct call *call, const struct call_leg *leg,
		       struct store_device *dev)
{
	static const char prefix[] = "device:";

	if (strncmp(leg->desc, prefix, sizeof(prefix) - 1))
		return ENOENT;
	return store_device_by_username(call->ctx->st,
					leg->desc + sizeof(prefix) - 1, dev);
}

/* The refusal of a REFER (0: take it), reason in *reason. */
static uint16_t refer_check(struct call *call, struct call_leg *leg,
			    const struct call_refer *r,
			    struct store_device *dev, const char **reason)
{
	if (!r->uri) {
		*reason = "Missing Refer-To";
		return 400;
	}
	if (r->bad) {
		*reason = "Bad Refer-To";
		return 400;
	}
	if (!r->sip) {
		*reason = "Unsupported URI Scheme";
		return 416;
	}
	if (r->replaces && (r->replaces_bad || !r->dlg)) {
		*reason = "Bad Replaces";
		return 400;
	}
	if (xfer_device(call, leg, dev)) {
		*reason = "Forbidden";
		return 403;
	}
	if (call->xfer || call->consult) {
		*reason = "Request Pending";
		return 491;
	}
	if (call->state != CALL_BRIDGED || !call->b ||
	    (leg != call->a && leg != call->b)) {
		*reason = "Declined";
		return 603;
	}
	return 0;
}

/* REFER accepted: go to the target route/ finds for the transferor. */
static void refer_go(struct call *call, struct call_leg *leg,
		     const struct store_device *dev, const struct call_refer *r)
{
	const struct call_backend *be = call->ctx->be;
	struct route_caller rc = {NULL, dev, dev->username, "", NULL, NULL, 0};
	struct route_result *rr = mem_zalloc(sizeof(*rr), NULL);
	struct call_dest dest;
	char cid[64];
	int err;

	err = rr ? route_resolve(call->ctx->st, &rc, r->user, rr) : ENOMEM;
	if (err) {
		be->refer_notify(leg, 500, "Server Internal Error");
		goto out;
	}
	info("call: %s: %s transfers to %s: %s\n", call->rec.sip_call_id,
	     leg->desc, r->user, route_kind_name(rr->target.kind));
	memset(&dest, 0, sizeof(dest));
	dest.timeout = call->ctx->cfg->ring_timeout;
	if (rr->target.kind == ROUTE_RING_GROUP) {
		/* its members see who is transferred to them */
		str_copy(rr->target.caller_id,
			 leg == call->b ? call->rec.from_number
					: call->rec.to_number,
			 sizeof(rr->target.caller_id));
		rr->target.caller_name[0] = '\0';
	}
	switch (rr->target.kind) {
	case ROUTE_EMPLOYEE:
		dest.kind = CALL_DEST_EMPLOYEE;
		dest.id = rr->target.id;
		/* the employee sees who is transferred to it */
		str_copy(cid,
			 leg == call->b ? call->rec.from_number
					: call->rec.to_number,
			 sizeof(cid));
		break;
	case ROUTE_EXTERNAL:
		dest.kind = CALL_DEST_EXTERNAL;
		dest.id = rr->target.id;
		dest.number = rr->target.number;
		call_central_number(call, dev->tenant_id, cid, sizeof(cid));
		if (!cid[0])
			str_copy(cid, rr->target.caller_id, sizeof(cid));
		break;
	case ROUTE_REJECT:
		be->refer_notify(leg, rr->scode, rr->reason);
		goto out;
	default: { /* an application: a menu, a group, a mailbox, a queue */
		struct call_xfer tmp = {0};
		be->refer_notify(leg, 200, "OK");
		xfer_detach(call, &tmp, leg);
		mem_deref(tmp.transferor); /* BYE */
		(void)call_reroute(call, &rr->target);
		goto out;
	}
	}
	err = xfer_start(call, leg, &dest, cid, true, NULL, NULL);
	if (err)
		be->refer_notify(leg, err == ENOENT ? 480 : 500,
				 err == ENOENT ? "Temporarily Unavailable"
					       : "Server Internal Error");
out:
	mem_deref(rr);
}

void call_leg_refer(struct call_leg *leg, const struct call_refer *r)
{
	struct call *call = leg->call;
	const struct call_backend *be = call->ctx->be;
	struct store_device dev;
	const char *reason = "";
	uint16_t scode;

	memset(&dev, 0, sizeof(dev));
	scode = refer_check(call, leg, r, &dev, &reason);
	if (scode) {
		info("call: %s: REFER from %s to %s refused: %u %s\n",
		     call->rec.sip_call_id, leg->desc, r->uri ? r->uri : "-",
		     scode, reason);
		be->refer_refuse(leg, scode, reason);
		return;
	}
	if (be->refer_accept(leg)) {
		be->refer_refuse(leg, 500, "Server Internal Error");
		return;
	}
	be->refer_notify(leg, 100, "Trying");
	if (r->replaces) /* attended (RFC 3891): replace.c */
		call_replace_refer(leg, r->dlg);
	else
		refer_go(call, leg, &dev, r);
}
