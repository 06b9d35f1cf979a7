/*
 * dial.c - dialling and bridging: the legs we call (B) for the members
 * of a dial, each with its own ring timeout, all at once or one after
 * another; early media of the first leg that brings some; the first leg
 * that answers bridged to the caller, the others cancelled; otherwise
 * the best final answer of all of them reported to the application.
 *
 *   call_dial -> members started (parallel: all; sequential: the first)
 *   member leg 18x with SDP, caller not answered -> 183 to A, bridged
 *   member leg 200 -> others CANCELled, 200 to A (unless answered),
 *                     bridge A<->B -> BRIDGED, handler(200)
 *   member leg fails / its timeout -> next member (sequential);
 *                     none left -> handler(best status, timed_out)
 *
 * A number out through a trunk (CALL_DEST_EXTERNAL) fails over: its
 * member holds the tenant's trunks in order (store_trunk_route(), the
 * route's trunk first), skipping those out of rotation.  The leg of one
 * trunk that answers 503 or 408, cannot be reached, or neither rings nor
 * answers within the trunk's setup_timeout (while another trunk is left
 * to try) is replaced by a leg to the next trunk; the caller keeps
 * hearing ringing.  Any other final answer ends the member as usual.
 *
 *   trunk leg 503/408 (Retry-After: out of rotation), transport error,
 *   setup_timeout before 18x -> next trunk of the member, if any
 *   trunk leg 18x -> setup timer becomes the rest of the ring timeout
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "call/call_int.h"

enum { DIAL_TRUNKS = 8 }; /* trunks a number is tried on at most */

struct dial_member {
	struct call_dest dest;
	char uri[256];
	char number[64];
	/* CALL_DEST_EXTERNAL: the trunks to try, in order */
	int64_t trunkv[DIAL_TRUNKS];
	uint32_t setupv[DIAL_TRUNKS]; /* [s] their setup_timeout          */
	size_t trunkc;
	size_t trunki; /* the next to try                            */
	size_t trunk;  /* the one whose legs are added now           */
};

struct call_dial {
	struct call *call;           /* (weak) */
	struct dial_member *memberv; /* (owned) */
	size_t memberc;
	size_t next;    /* sequential: next member to start           */
	size_t current; /* member whose legs call_leg_add() adds now  */
	bool sequential;
	char cid[64];
	char cname[128];
	call_dial_h *h;
	void *arg;
	uint16_t best_scode; /* best final answer of failed legs */
	char best_reason[64];
	bool timed_out; /* the last leg to end ran out of time */
	void *ringback; /* ringback tone to the answered caller (owned) */
};

static void dial_destructor(void *arg)
{
	struct call_dial *d = arg;

	d->ringback = mem_deref(d->ringback);
	d->memberv = mem_deref(d->memberv);
}

/*
 * A caller we answered already (a menu, a digit input, a mailbox choice)
 * gets no 180 any more: without a tone he would hear silence while the
 * members ring.  Like a PBX's ringing indication on an answered channel,
 * he hears the ringback tone until the dial ends (the destructor above
 * stops it).  Not while a prompt or music plays to him.
 */
static void ringback_start(struct call_dial *d, const struct call_dial_prm *prm)
{
	struct call *call = d->call;
	char path[400];
	int err;

	if (prm->no_ringback || !call->a_answered || call->play ||
	    call->moh_to == call->a)
		return;
	re_snprintf(path, sizeof(path), "%s/ringback.wav",
		    call->ctx->cfg->prompts_dir);
	err =
	    call->ctx->be->play(&d->ringback, call->a, path, true, NULL, NULL);
	if (err)
		warning("call: %s: no ringback tone (%s): %m\n",
			call->rec.sip_call_id, path, err);
}

bool call_leg_early_wanted(const struct call_leg *leg)
{
	const struct call *call = leg->call;

	return call->a && call->state == CALL_RINGING && call->dial &&
	       !call->early && !call->late_offer && !call->a_answered &&
	       leg->le.list == &call->forks;
}

/*
 * Early media: the first callee leg whose 18x carries SDP is bridged to the
 * caller at once, and the caller gets a 183 with our answer, so ringback
 * tones and carrier announcements ("this number is not in service") are
 * heard.  Not with a late offer: that would need reliable provisionals.
 */
void call_leg_early(struct call_leg *leg)
{
	struct call *call = leg->call;
	const struct call_backend *be = call->ctx->be;

	if (!call_leg_early_wanted(leg))
		return;
	be->bridge(call->a, leg);
	if (be->a_answer(call->a, true)) {
		be->unbridge(leg);
		return;
	}
	call_metrics_setup(call);
	call->early = leg;
	info("call: %s: early media from %s\n", call->rec.sip_call_id,
	     leg->desc);
}

static void leg_timeout(void *arg);
static void leg_setup_timeout(void *arg);

/* Is a trunk after the current one of m left to try now? */
static bool trunk_left(const struct call *call, const struct dial_member *m)
{
	uint64_t now = time_now_ms();
	size_t i;

	for (i = m->trunki; i < m->trunkc; i++)
		if (call_trunk_in_rotation(call->ctx, m->trunkv[i], now))
			return true;
	return false;
}

void call_leg_add(struct call *call, struct call_leg *leg)
{
	struct call_dial *d = call->dial;
	struct dial_member *m;
	uint32_t timeout, setup = 0;

	if (!d) {
		mem_deref(leg);
		return;
	}
	leg->member = d->current;
	if (d->memberv[d->current].dest.kind == CALL_DEST_EMPLOYEE)
		leg->employee_id = d->memberv[d->current].dest.id;
	if (d->memberv[d->current].dest.kind == CALL_DEST_DEVICE) {
		struct store_device dev;
		if (!store_device_get(call->ctx->st,
				      d->memberv[d->current].dest.id, &dev))
			leg->employee_id = dev.employee_id;
	}
	m = &d->memberv[d->current];
	timeout = m->dest.timeout;
	list_append(&call->forks, &leg->le, leg);
	if (m->dest.kind == CALL_DEST_EXTERNAL && m->trunkc) {
		leg->trunk_id = m->trunkv[m->trunk];
		call_trunk_attempt(call->ctx, leg->trunk_id);
		if (trunk_left(call, m))
			setup = m->setupv[m->trunk];
	}
	leg->ring_end = tmr_jiffies() + (uint64_t)timeout * 1000;
	if (setup && setup < timeout) {
		leg->setup_wait = true;
		tmr_start(&leg->tmr, (uint64_t)setup * 1000, leg_setup_timeout,
			  leg);
	}
	else {
		tmr_start(&leg->tmr, (uint64_t)timeout * 1000, leg_timeout,
			  leg);
	}
	debug("call: %s: calling %s\n", call->rec.sip_call_id, leg->desc);
}

void call_leg_progress(struct call_leg *leg)
{
	uint64_t now = tmr_jiffies();

	if (!leg->setup_wait)
		return;
	leg->setup_wait = false;
	tmr_start(&leg->tmr, leg->ring_end > now ? leg->ring_end - now : 0,
		  leg_timeout, leg);
}

/* The trunks member m tries: the route's first, then the tenant's others
 * in their order (store_trunk_route()), at most DIAL_TRUNKS. */
static int plan_h(const struct store_trunk *t, void *arg)
{
	struct dial_member *m = arg;

	if (t->id == m->trunkv[0]) {
		m->setupv[0] = t->setup_timeout;
		return 0;
	}
	if (m->trunkc == DIAL_TRUNKS)
		return 0;
	m->setupv[m->trunkc] = t->setup_timeout;
	m->trunkv[m->trunkc++] = t->id;
	return 0;
}

static void trunks_plan(struct call *call, struct dial_member *m)
{
	int64_t tenant_id = call->rec.tenant_id;
	int err;

	m->trunkv[0] = m->dest.id;
	m->trunkc = 1;
	if (tenant_id < 0)
		return;
	err = store_trunk_route(call->ctx->st, tenant_id, plan_h, m);
	if (err)
		warning("call: %s: trunks of tenant %lld: %m\n",
			call->rec.sip_call_id, (long long)tenant_id, err);
}

/* The next trunk of member i that is in rotation and takes the INVITE:
 * 0, else ENOENT (none left) or the last error. */
static int member_trunk_next(struct call_dial *d, size_t i)
{
	struct call *call = d->call;
	struct dial_member *m = &d->memberv[i];
	struct call_dest dest = m->dest;
	struct call_dial_req req = {&dest, d->cid, d->cname, NULL, 0};
	int err = ENOENT;

	d->current = i;
	while (m->trunki < m->trunkc) {
		m->trunk = m->trunki++;
		dest.id = m->trunkv[m->trunk];
		if (!call_trunk_in_rotation(call->ctx, dest.id,
					    time_now_ms())) {
			info("call: %s: trunk %lld is out of rotation\n",
			     call->rec.sip_call_id, (long long)dest.id);
			continue;
		}
		if (!call->a)
			err = call->ctx->be->originate(call, &req);
		else
			err = call->ctx->be->dial(call, &req);
		if (!err)
			return 0;
	}
	return err;
}

/* Start member i: 0 if at least one of its legs is out. */
static int member_start(struct call_dial *d, size_t i)
{
	struct call *call = d->call;
	const struct call_dest *dest = &d->memberv[i].dest;
	struct call_dial_req req = {dest, d->cid, d->cname, NULL, 0};

	if (dest->kind == CALL_DEST_EXTERNAL)
		return member_trunk_next(d, i);

	/* the values the caller typed go to the tenant's own phones only */
	if (dest->kind == CALL_DEST_EMPLOYEE ||
	    dest->kind == CALL_DEST_DEVICE) {
		req.varv = call->rec.varv;
		req.varc = call->rec.varc;
	}
	d->current = i;
	if (!call->a) /* a call we place: its first leg */
		return call->ctx->be->originate(call, &req);
	return call->ctx->be->dial(call, &req);
}

/* No leg rings any more: start the next member, or report the failure. */
static void dial_check(struct call *call)
{
	struct call_dial *d = call->dial;
	call_dial_h *h;
	void *arg;
	uint16_t scode;
	char reason[64];
	bool timed_out;

	if (!d || call->forks.head)
		return;
	while (d->sequential && d->next < d->memberc) {
		if (!member_start(d, d->next++))
			return;
	}
	scode = d->best_scode ? d->best_scode : 480;
	str_copy(reason,
		 d->best_reason[0] ? d->best_reason : "Temporarily Unavailable",
		 sizeof(reason));
	timed_out = d->timed_out;
	h = d->h;
	arg = d->arg;
	call->dial = mem_deref(d);
	call->early = NULL;
	if (h)
		h(call, scode, reason, timed_out, arg);
}

/* A trunk neither rang nor answered in its setup_timeout: CANCEL, and
 * the next trunk (408 if none takes it). */
static void leg_setup_timeout(void *arg)
{
	struct call_leg *leg = arg;
	struct call *call = leg->call;
	struct call_dial *d = call->dial;
	size_t member = leg->member;

	info("call: %s: %s did not ring in time: next trunk\n",
	     call->rec.sip_call_id, leg->desc);
	call_trunk_failed(call->ctx, leg->trunk_id, 0);
	if (call->early == leg)
		call->early = NULL;
	mem_deref(leg); /* CANCEL */
	if (d && member_trunk_next(d, member) && !d->best_scode) {
		d->best_scode = 408;
		str_copy(d->best_reason, "Request Timeout",
			 sizeof(d->best_reason));
	}
	dial_check(call);
}

static void leg_timeout(void *arg)
{
	struct call_leg *leg = arg;
	struct call *call = leg->call;

	debug("call: %s: %s rang out\n", call->rec.sip_call_id, leg->desc);
	if (call->early == leg)
		call->early = NULL;
	mem_deref(leg); /* CANCEL */
	if (call->dial)
		call->dial->timed_out = true;
	dial_check(call);
}

int call_dial(struct call *call, const struct call_dial_prm *prm,
	      call_dial_h *h, void *arg)
{
	struct call_dial *d;
	size_t i;
	int err = ENOENT;

	if (!call || !prm || !prm->destv || !prm->destc || !prm->cid)
		return EINVAL;
	if (call->state == CALL_DONE)
		return ENOTCONN;
	if (call->dial || call->b)
		return EALREADY;
	d = mem_zalloc(sizeof(*d), dial_destructor);
	if (!d)
		return ENOMEM;
	d->memberv = mem_zalloc(prm->destc * sizeof(*d->memberv), NULL);
	if (!d->memberv) {
		mem_deref(d);
		return ENOMEM;
	}
	d->call = call;
	d->memberc = prm->destc;
	d->sequential = prm->sequential;
	str_copy(d->cid, prm->cid, sizeof(d->cid));
	str_copy(d->cname, prm->cname ? prm->cname : "", sizeof(d->cname));
	d->h = h;
	d->arg = arg;
	for (i = 0; i < d->memberc; i++) {
		struct dial_member *m = &d->memberv[i];
		m->dest = prm->destv[i];
		str_copy(m->uri, m->dest.uri ? m->dest.uri : "",
			 sizeof(m->uri));
		str_copy(m->number, m->dest.number ? m->dest.number : "",
			 sizeof(m->number));
		m->dest.uri = m->uri;
		m->dest.number = m->number;
		if (m->dest.kind == CALL_DEST_EXTERNAL)
			trunks_plan(call, m);
	}
	call->dial = d;
	for (i = 0; i < d->memberc; i++) {
		int e = member_start(d, i);
		if (!e && d->sequential)
			break;
		if (!e || err == ENOENT)
			err = e;
	}
	d->next = i + 1;
	if (!call->forks.head) { /* nothing rings: nothing to report */
		call->dial = mem_deref(d);
		return err ? err : ENOENT;
	}
	ringback_start(d, prm);
	return 0;
}

void call_dial_stop(struct call *call)
{
	list_flush(&call->forks); /* CANCEL */
	call->dial = mem_deref(call->dial);
	call->early = NULL;
}

void call_dial_established(struct call_leg *leg)
{
	struct call *call = leg->call;
	const struct call_backend *be = call->ctx->be;
	struct call_dial *d = call->dial;
	call_dial_h *h;
	void *arg;
	int err;

	leg->established = true;
	if (!d || call->b || leg->le.list != &call->forks) {
		mem_deref(leg); /* lost the race: BYE it */
		return;
	}
	if (leg->trunk_id)
		call_trunk_answered(call->ctx, leg->trunk_id);
	if (!call->a) { /* a call we placed: its first leg answered */
		call_originate_answered(call, leg);
		return;
	}
	h = d->h;
	arg = d->arg;
	call->b = leg;
	list_unlink(&leg->le);
	tmr_cancel(&leg->tmr);
	list_flush(&call->forks); /* CANCEL the others */
	call->dial = mem_deref(d);
	call->early = NULL;
	call->play = mem_deref(call->play); /* no prompt into the bridge */
	call->moh = mem_deref(call->moh);
	call->moh_to = NULL;

	be->bridge(call->a, leg);
	if (!call->a_answered) {
		err = be->a_answer(call->a, false);
		if (err) {
			warning("call: %s: cannot answer caller: %m\n",
				call->rec.sip_call_id, err);
			call_end(call, STORE_DISP_FAILED, 500,
				 STORE_PARTY_SYSTEM);
			return;
		}
		call->a_answered = true;
		call_metrics_setup(call);
		call->a->established = true;
	}
	if (call->rec.id)
		(void)store_call_answered(call->ctx->st, call->rec.id,
					  time_now_ms(), leg->desc);
	call_state_set(call, CALL_BRIDGED);
	info("call: %s answered by %s\n", call->rec.sip_call_id, leg->desc);
	call_rtp_watch(call);
	call_moh_update(call);
	if (h)
		h(call, 200, "OK", false, arg);
}

/* lower is better: busy says more than unavailable */
static int scode_rank(uint16_t s)
{
	if (s == 486 || s == 600)
		return 0;
	if (s == 603)
		return 1;
	if (s >= 400 && s < 500 && s != 408 && s != 480)
		return 2;
	if (s == 480 || s == 408)
		return 3;
	return 4;
}

/* Does a trunk's leg that ended so go on to the next trunk?  Its 503
 * or 408, or no answer at all (unreachable, timed out). */
static bool failover_wanted(int err, uint16_t scode)
{
	return scode == 503 || scode == 408 || (!scode && err);
}

void call_dial_closed(struct call_leg *leg, int err, uint16_t scode,
		      const char *reason)
{
	struct call *call = leg->call;
	struct call_dial *d = call->dial;
	size_t member = leg->member;
	bool failover = false;

	if (leg == call->b) {
		call_end(call, STORE_DISP_ANSWERED, 200, STORE_PARTY_CALLEE);
		return;
	}
	if (leg->trunk_id && (scode >= 300 || err)) {
		call_trunk_failed(call->ctx, leg->trunk_id,
				  scode ? leg->retry_after : 0);
		failover = d && failover_wanted(err, scode);
	}
	if (d && scode >= 300) {
		if (!d->best_scode ||
		    scode_rank(scode) < scode_rank(d->best_scode)) {
			d->best_scode = scode;
			str_copy(d->best_reason, reason ? reason : "",
				 sizeof(d->best_reason));
		}
		debug("call: %s: %s answered %u\n", call->rec.sip_call_id,
		      leg->desc, scode);
	}
	else if (err) {
		debug("call: %s: %s failed: %m\n", call->rec.sip_call_id,
		      leg->desc, err);
	}
	if (d)
		d->timed_out = false;
	if (call->early == leg)
		call->early = NULL;
	mem_deref(leg);
	if (failover && !member_trunk_next(d, member))
		info("call: %s: trying the next trunk\n",
		     call->rec.sip_call_id);
	dial_check(call);
}
