/*
 * call.c - the call object and its state machine: the caller's leg (A,
 * we are its UAS), the record of the call, the application that drives
 * it (started from the table in apps.c by route/'s target) and the
 * subscribers told of every state change.  Dialling and bridging are
 * in dial.c, prompts and digits in prompt.c, music on hold in moh.c; the
 * legs themselves (SIP, media) are the backend's (call_int.h).
 *
 *   INVITE -> ROUTING: route, record, caller's media
 *      |  no target / bad SDP / no media -> final answer ---> DONE
 *      |  application started (table in apps.c):
 *      |-- call_ring() ---------> RINGING (180; 183 early media)
 *      |-- call_answer() -------> ANSWERED (200; ACK -> answer handler)
 *   RINGING:   call_answer() -> ANSWERED
 *              a dialled leg answers -> 200 to A, bridge -> BRIDGED
 *              dialling failed -> the application decides (hang up)
 *              A CANCELs -> DONE (cancelled)
 *   ANSWERED:  play / collect / record / hold; dial -> BRIDGED when answered
 *   BRIDGED:   either side holds -> music to the other (moh.c)
 *              call_reroute() -> the callee is hung up -> ANSWERED
 *   any:       BYE from A or the bridged B, no RTP for rtp_timeout,
 *              call_hangup(), shutdown ----------------> DONE
 *              (a recording is finished and reported first, record.c)
 *
 * Every attempt gets a call record, written before we answer anything and
 * closed with its disposition when the call ends.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call/call_int.h"

struct call_sub {
	struct le le;
	call_event_h *h;
	void *arg;
};

static const char *const state_names[] = {
    [CALL_ROUTING] = "routing",   [CALL_RINGING] = "ringing",
    [CALL_ANSWERED] = "answered", [CALL_BRIDGED] = "bridged",
    [CALL_DONE] = "done",
};

const char *call_state_name(enum call_state state)
{
	return (size_t)state < ARRAY_SIZE(state_names) ? state_names[state]
						       : "?";
}

/* The record's disposition of a failed call's final status. */
static const struct {
	uint16_t scode;
	enum store_disposition disposition;
} dispositions[] = {
    {404, STORE_DISP_NOT_FOUND}, {484, STORE_DISP_NOT_FOUND},
    {486, STORE_DISP_BUSY},      {600, STORE_DISP_BUSY},
    {408, STORE_DISP_NO_ANSWER}, {480, STORE_DISP_NO_ANSWER},
    {487, STORE_DISP_CANCELLED}, {403, STORE_DISP_REJECTED},
    {603, STORE_DISP_REJECTED},
};

enum store_disposition call_disposition(uint16_t scode)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dispositions); i++) {
		if (dispositions[i].scode == scode)
			return dispositions[i].disposition;
	}
	return STORE_DISP_FAILED;
}

/* ---- legs ------------------------------------------------------------ */

static void leg_destructor(void *arg)
{
	struct call_leg *leg = arg;

	tmr_cancel(&leg->tmr);
	list_unlink(&leg->le);
	leg->be = mem_deref(leg->be); /* BYE or CANCEL if still up */
}

int call_leg_alloc(struct call_leg **legp, struct call *call, const char *desc)
{
	struct call_leg *leg;

	if (!legp || !call || !desc)
		return EINVAL;
	leg = mem_zalloc(sizeof(*leg), leg_destructor);
	if (!leg)
		return ENOMEM;
	leg->call = call;
	tmr_init(&leg->tmr);
	str_copy(leg->desc, desc, sizeof(leg->desc));
	*legp = leg;
	return 0;
}

struct call_leg *call_leg_peer(const struct call_leg *leg)
{
	struct call *call = leg ? leg->call : NULL;

	if (!call || !call->b)
		return NULL;
	if (leg == call->a)
		return call->b;
	return leg == call->b ? call->a : NULL;
}

/* ---- the call ---------------------------------------------------------- */

static void call_destructor(void *arg)
{
	struct call *call = arg;

	call->xfer = mem_deref(call->xfer); /* before the legs it uses */
	call->consult = mem_deref(call->consult);
	call->dial = mem_deref(call->dial);
	call->play = mem_deref(call->play);
	call->collect = mem_deref(call->collect);
	call->record = mem_deref(call->record);
	list_unlink(&call->le);
	call->moh = mem_deref(call->moh);
	list_flush(&call->forks);
	call->b = mem_deref(call->b);
	call->a = mem_deref(call->a);
	call->app_data = mem_deref(call->app_data);
}

void call_state_set(struct call *call, enum call_state state)
{
	enum call_state prev = call->state;
	struct le *le;

	/* keys as tones are listened for while an application talks to
	 * the caller, not while the caller talks to a person (the tones
	 * reach that person as audio anyway) */
	if (call->a && call->ctx->be->keys_inband &&
	    (state == CALL_ANSWERED) != (call->state == CALL_ANSWERED))
		call->ctx->be->keys_inband(call->a, state == CALL_ANSWERED);
	call->state = state;
	call_event_publish(call, prev);
	for (le = call->ctx->subs.head; le; le = le->next) {
		struct call_sub *sub = le->data;
		sub->h(call, state, sub->arg);
	}
}

static void record_start(struct call *call, const struct call_origin *o,
			 const struct route_result *r)
{
	struct store_call *c = &call->rec;
	int err;

	memset(c, 0, sizeof(*c));
	str_copy(c->node_id, call->ctx->cfg->node_id, sizeof(c->node_id));
	str_copy(c->sip_call_id, o->call_id, sizeof(c->sip_call_id));
	c->tenant_id = r->tenant_id;
	c->direction = r->direction;
	str_copy(c->from_number, r->from_number, sizeof(c->from_number));
	str_copy(c->to_number, r->dialled, sizeof(c->to_number));
	str_copy(c->forwarded_from, r->forwarded_from,
		 sizeof(c->forwarded_from));
	str_copy(c->caller_leg, o->leg, sizeof(c->caller_leg));
	c->started_at = time_now_ms();
	err = store_call_add(call->ctx->st, c);
	if (err)
		warning("call: cannot record call %s: %m\n", c->sip_call_id,
			err);
}

static void record_answered(struct call *call, const char *by)
{
	if (call->rec.id)
		(void)store_call_answered(call->ctx->st, call->rec.id,
					  time_now_ms(), by);
}

/*
 * Tear the call down: close the record, tell the subscribers and the
 * application, free the legs (BYE/CANCEL go out from their destructors).
 * The caller must not touch call afterwards.
 */
void call_end(struct call *call, enum store_disposition disposition,
	      uint16_t scode, enum store_party by)
{
	call_end_h *endh;
	void *arg;

	if (call->state == CALL_DONE)
		return;
	if (call->record) { /* on disk and reported before the end */
		bool ended;
		mem_ref(call); /* its handler may end the call itself */
		call_record_hangup(call, by);
		ended = call->state == CALL_DONE;
		mem_deref(call);
		if (ended)
			return;
	}
	if (call->rec.id) {
		int err =
		    store_call_ended(call->ctx->st, call->rec.id, time_now_ms(),
				     disposition, scode, by);
		if (err)
			warning("call: record %lld not closed: %m\n",
				(long long)call->rec.id, err);
	}
	info("call: %s %s -> %s ended: %s (%u, by %s)\n", call->rec.sip_call_id,
	     call->rec.from_number, call->rec.to_number,
	     store_disposition_name(disposition), scode, store_party_name(by));
	call_metrics_ended(disposition);
	call->rec.ended_at = time_now_ms();
	call->rec.disposition = disposition;
	call->rec.sip_code = scode;
	call->rec.ended_by = by;
	endh = call->endh;
	arg = call->end_arg;
	call->endh = NULL;
	call_state_set(call, CALL_DONE);
	if (endh)
		endh(call, by, scode, disposition, arg);
	mem_deref(call);
}

void call_hangup(struct call *call, uint16_t scode, const char *reason,
		 enum store_disposition disposition, enum store_party by)
{
	if (!call || call->state == CALL_DONE)
		return;
	if (!call->a_answered && call->a && reason)
		call->ctx->be->a_reject(call->a, scode, reason);
	call_end(call,
		 disposition != STORE_DISP_NONE ? disposition
						: call_disposition(scode),
		 scode, by);
}

/* ---- operations on the caller's leg ------------------------------------ */

int call_ring(struct call *call)
{
	int err;

	if (!call)
		return EINVAL;
	if (call->state == CALL_DONE)
		return ENOTCONN;
	if (call->state != CALL_ROUTING)
		return 0; /* ringing or answered already */
	err = call->ctx->be->a_ring(call->a);
	if (!err) {
		call_metrics_setup(call);
		call_state_set(call, CALL_RINGING);
	}
	return err;
}

int call_answer(struct call *call, const char *by, call_answer_h *h, void *arg)
{
	int err;

	if (!call || !by)
		return EINVAL;
	if (call->state == CALL_DONE)
		return ENOTCONN;
	call->answerh = h;
	call->answer_arg = arg;
	if (call->a_answered) { /* re-routed: answered before */
		if (call->state != CALL_ANSWERED)
			call_state_set(call, CALL_ANSWERED);
		if (call->a->established)
			call_leg_established(call->a); /* h at once */
		return 0;
	}
	err = call->ctx->be->a_answer(call->a, false);
	if (err) {
		call->answerh = NULL;
		return err;
	}
	call->a_answered = true;
	call_metrics_setup(call);
	record_answered(call, by);
	call_state_set(call, CALL_ANSWERED);
	return 0;
}

void call_set_endh(struct call *call, call_end_h *h, void *arg)
{
	if (!call)
		return;
	call->endh = h;
	call->end_arg = arg;
}

void call_app_data_set(struct call *call, void *data)
{
	if (!call)
		return;
	mem_deref(call->app_data);
	call->app_data = data;
}

void *call_app_data(const struct call *call)
{
	return call ? call->app_data : NULL;
}

/* ---- what the backend reports ------------------------------------------ */

void call_leg_established(struct call_leg *leg)
{
	struct call *call = leg->call;
	call_answer_h *h;

	if (leg == call->b) { /* took a leg's place (replace.c): its ACK */
		leg->established = true;
		return;
	}
	if (leg != call->a) {
		call_dial_established(leg);
		return;
	}
	leg->established = true;
	h = call->answerh;
	if (!h)
		return;
	call->answerh = NULL;
	if (!call->ctx->be->codec_ok(leg)) {
		info("call: %s: caller answered our offer with no codec\n",
		     call->rec.sip_call_id);
		call_end(call, STORE_DISP_FAILED, 488, STORE_PARTY_SYSTEM);
		return;
	}
	h(call, call->answer_arg);
}

void call_leg_closed(struct call_leg *leg, int err, uint16_t scode,
		     const char *reason)
{
	struct call *call = leg->call;

	if (call_xfer_leg_closed(leg) || call_consult_leg_closed(leg))
		return;
	if (leg != call->a) {
		call_dial_closed(leg, err, scode, reason);
		return;
	}
	if (call->state == CALL_ROUTING || call->state == CALL_RINGING)
		call_end(call, STORE_DISP_CANCELLED, 487, STORE_PARTY_CALLER);
	else if (err == ETIMEDOUT && !leg->established)
		call_end(call, STORE_DISP_FAILED, 408,
			 STORE_PARTY_SYSTEM); /* no ACK */
	else
		call_end(call, STORE_DISP_ANSWERED, 200, STORE_PARTY_CALLER);
}

void call_leg_media_changed(struct call_leg *leg)
{
	call_moh_update(leg->call);
}

void call_leg_digit_from(struct call_leg *leg, char digit,
			 enum call_digit_src src)
{
	uint64_t now = tmr_jiffies();

	if (!digit)
		return;
	if (digit == leg->dig_last && src != leg->dig_src &&
	    now - leg->dig_at < CALL_DIGIT_TWICE_MS) {
		debug("call: %s: %s: key %c also came by %s: one press\n",
		      call_id(leg->call), leg->desc, digit,
		      src == CALL_DIGIT_INFO ? "INFO" : "media");
		leg->dig_at = now;
		return;
	}
	leg->dig_last = digit;
	leg->dig_src = src;
	leg->dig_at = now;
	if (leg == leg->call->a && !call_record_digit(leg->call, digit))
		call_prompt_digit(leg->call, digit);
}

void call_leg_digit(struct call_leg *leg, char digit)
{
	call_leg_digit_from(leg, digit, CALL_DIGIT_MEDIA);
}

/* ---- RTP timeout --------------------------------------------------------- */

void call_rtp_watch(struct call *call)
{
	call->rtp_watched = call->ctx->cfg->rtp_timeout != 0;
}

/* true if the call was hung up for lack of RTP (and is gone) */
static bool rtp_check(struct call *call)
{
	const struct call_backend *be = call->ctx->be;
	uint64_t limit = (uint64_t)call->ctx->cfg->rtp_timeout * 1000;
	struct call_leg *legs[2] = {call->a, call->b};
	unsigned i;

	for (i = 0; i < 2; i++) {
		struct call_leg *leg = legs[i];
		if (!leg || be->held(leg))
			continue;
		if (be->idle_ms(leg) > limit) {
			warning("call: %s: no RTP from %s for %us, "
				"hanging up\n",
				call->rec.sip_call_id, leg->desc,
				call->ctx->cfg->rtp_timeout);
			call_end(call, STORE_DISP_RTP_TIMEOUT, 200,
				 STORE_PARTY_SYSTEM);
			return true;
		}
	}
	return false;
}

/*
 * One sweep a second over all calls instead of a timer per call: libre
 * 1.1.0 keeps timers in a sorted list, and re-arming thousands of them
 * every second would walk it thousands of times (see bench/RESULTS.md).
 */
static void rtp_sweep(void *arg)
{
	struct call_ctx *ctx = arg;
	struct le *le = ctx->calls.head;

	while (le) {
		struct call *call = le->data;
		le = le->next; /* call_end() unlinks and frees call */
		if (call->rtp_watched)
			(void)rtp_check(call);
	}
	tmr_start(&ctx->tmr_rtp, 1000, rtp_sweep, ctx);
}

/* ---- incoming calls ------------------------------------------------------ */

static const struct call_app *app_find(const struct call_ctx *ctx,
				       enum route_kind kind)
{
	size_t i;

	for (i = 0; i < ctx->appc; i++) {
		if (ctx->apps[i].kind == kind)
			return &ctx->apps[i];
	}
	return NULL;
}

int call_app_start(struct call *call, const struct route_target *t)
{
	const struct call_app *app = app_find(call->ctx, t->kind);

	if (!app)
		return ENOENT;
	call->app = app;
	call->app_data = mem_deref(call->app_data);
	return app->start(call, t);
}

/* Media for the caller and its offer: 0, or the call was ended with
 * the answer that says why (503, 488, 400). */
static int call_prepare(struct call *call)
{
	const struct call_backend *be = call->ctx->be;
	int err;

	err = be->a_media(call->a);
	if (err) {
		call_hangup(call, 503, "Media Unavailable", STORE_DISP_FAILED,
			    STORE_PARTY_SYSTEM);
		return err;
	}
	err = be->a_offer(call->a);
	if (err == ENOTSUP)
		call_hangup(call, 488, "Not Acceptable Here", STORE_DISP_FAILED,
			    STORE_PARTY_SYSTEM);
	else if (err)
		call_hangup(call, 400, "Bad SDP", STORE_DISP_FAILED,
			    STORE_PARTY_SYSTEM);
	return err;
}

static int call_alloc(struct call **callp, struct call_ctx *ctx, void *a_be,
		      bool late_offer)
{
	struct call *call;
	int err;

	call = mem_zalloc(sizeof(*call), call_destructor);
	if (!call)
		return ENOMEM;
	call->ctx = ctx;
	call->state = CALL_ROUTING;
	call->late_offer = late_offer;
	call->setup_at = tmr_jiffies();
	list_init(&call->forks);
	err = call_leg_alloc(&call->a, call, "");
	if (err) {
		mem_deref(call);
		return err;
	}
	call->a->be = a_be;
	*callp = call;
	return 0;
}

int call_alloc_placed(struct call **callp, struct call_ctx *ctx)
{
	struct call *call;

	call = mem_zalloc(sizeof(*call), call_destructor);
	if (!call)
		return ENOMEM;
	call->ctx = ctx;
	call->state = CALL_ROUTING;
	list_init(&call->forks);
	*callp = call;
	return 0;
}

int call_incoming(struct call_ctx *ctx, const struct call_origin *o, void *a_be)
{
	struct route_result *r = NULL;
	struct call *call = NULL;
	int err;

	if (!ctx || !o || !a_be) {
		mem_deref(a_be);
		return EINVAL;
	}
	r = mem_zalloc(sizeof(*r), NULL);
	err = r ? call_alloc(&call, ctx, a_be, o->late_offer) : ENOMEM;
	if (err) {
		mem_deref(a_be);
		goto out;
	}
	str_copy(call->a->desc, o->leg, sizeof(call->a->desc));
	if (o->rc.device)
		call->a->employee_id = o->rc.device->employee_id;
	err = route_resolve(ctx->st, &o->rc, o->dialled, r);
	if (err) {
		warning("call: routing %s failed: %m\n", o->dialled, err);
		call->ctx->be->a_reject(call->a, 500, "Server Internal Error");
		err = 0;
		goto out;
	}
	record_start(call, o, r);
	list_append(&ctx->calls, &call->le, call);
	if (r->screen)
		info("call: %s: caller %s: %s\n", o->call_id, r->from_number,
		     r->screen);
	/* the VIP mark from the first event on ("new") */
	if (r->vip[0] && call_var_set(call, CALL_VAR_VIP, r->vip))
		warning("call: %s: VIP mark failed\n", o->call_id);
	call_state_set(call, CALL_ROUTING);

	if (r->target.kind == ROUTE_REJECT) {
		info("call: %s: %s -> %s: %u %s\n", o->call_id, o->leg,
		     o->dialled, r->scode, r->reason);
		call_hangup(call, r->scode, r->reason, STORE_DISP_NONE,
			    STORE_PARTY_SYSTEM);
		call = NULL;
		goto out;
	}
	err = call_prepare(call);
	if (err) {
		call = NULL;
		err = 0;
		goto out;
	}
	info("call: %s: %s (%s) -> %s: %s\n", o->call_id, o->leg,
	     r->from_number, r->dialled, route_kind_name(r->target.kind));
	err = call_app_start(call, &r->target);
	if (err) {
		warning("call: %s: cannot accept: %m\n", o->call_id, err);
		call_hangup(call, 500, "Server Internal Error",
			    STORE_DISP_FAILED, STORE_PARTY_SYSTEM);
		err = 0;
	}
	call = NULL; /* in ctx->calls, or ended */

out:
	mem_deref(r);
	if (call && !call->le.list)
		mem_deref(call);
	return err == ENOMEM ? ENOMEM : 0;
}

int call_reroute(struct call *call, const struct route_target *t)
{
	int err;

	if (!call || !t)
		return EINVAL;
	if (call->state == CALL_DONE)
		return ENOTCONN;
	if (!app_find(call->ctx, t->kind))
		return ENOENT;
	if (++call->reroutes > CALL_REROUTE_MAX) {
		/* targets that lead on by themselves cannot loop (the store
		 * refuses such chains when saved), but a change since, or a
		 * caller going round for ever, must end somewhere */
		warning("call: %s: more than %u re-routes: hung up\n",
			call->rec.sip_call_id, CALL_REROUTE_MAX);
		call_hangup(call, 483, "Too Many Hops", STORE_DISP_FAILED,
			    STORE_PARTY_SYSTEM);
		return 0;
	}
	if (call->consult)
		(void)call_consult_cancel(call);
	call->xfer = mem_deref(call->xfer);
	call_dial_stop(call);
	call->play = mem_deref(call->play);
	call->collect = mem_deref(call->collect);
	call->record = mem_deref(call->record); /* kept, not reported */
	call->moh = mem_deref(call->moh);
	call->moh_to = NULL;
	call->answerh = NULL;
	if (call->b) {
		call->ctx->be->unbridge(call->a);
		call->b = mem_deref(call->b); /* BYE */
		call_state_set(call, CALL_ANSWERED);
	}
	info("call: %s: re-routed to %s %lld\n", call->rec.sip_call_id,
	     route_kind_name(t->kind), (long long)t->id);
	err = call_app_start(call, t);
	if (err)
		call_hangup(call, 500, "Server Internal Error",
			    STORE_DISP_FAILED, STORE_PARTY_SYSTEM);
	return 0;
}

/* ---- values attached to the call ---------------------------------------- */

static struct store_call_var *var_find(const struct call *call,
				       const char *name)
{
	size_t i;

	for (i = 0; i < call->rec.varc; i++) {
		if (!strcmp(call->rec.varv[i].name, name))
			return (struct store_call_var *)&call->rec.varv[i];
	}
	return NULL;
}

int call_var_set(struct call *call, const char *name, const char *value)
{
	struct store_call_var *v;
	int err = 0;

	if (!call || !str_isset(name) || !str_isset(value) ||
	    strlen(name) >= sizeof(v->name) ||
	    strlen(value) >= sizeof(v->value))
		return EINVAL;
	v = var_find(call, name);
	if (!v) {
		if (call->rec.varc >= STORE_CALL_VARS)
			return ENOSPC;
		v = &call->rec.varv[call->rec.varc++];
		str_copy(v->name, name, sizeof(v->name));
	}
	str_copy(v->value, value, sizeof(v->value));
	if (call->rec.id)
		err = store_call_var_set(call->ctx->st, call->rec.id, name,
					 value);
	if (err)
		warning("call: %s: %s not in the record: %m\n",
			call->rec.sip_call_id, name, err);
	return err;
}

const char *call_var(const struct call *call, const char *name)
{
	const struct store_call_var *v;

	if (!call || !name)
		return NULL;
	v = var_find(call, name);
	return v ? v->value : NULL;
}

const struct store_call_var *call_vars(const struct call *call, size_t *np)
{
	if (np)
		*np = call ? call->rec.varc : 0;
	return call ? call->rec.varv : NULL;
}

/* ---- reading ------------------------------------------------------------- */

enum call_state call_state(const struct call *call)
{
	return call ? call->state : CALL_DONE;
}

const char *call_id(const struct call *call)
{
	return call ? call->rec.sip_call_id : "";
}

const char *call_from(const struct call *call)
{
	return call ? call->rec.from_number : "";
}

const char *call_to(const struct call *call)
{
	return call ? call->rec.to_number : "";
}

int64_t call_record_id(const struct call *call)
{
	return call ? call->rec.id : 0;
}

const char *call_digits(const struct call *call)
{
	return call ? call->digits : "";
}

int64_t call_employee(const struct call *call)
{
	return call && call->a ? call->a->employee_id : 0;
}

int64_t call_callee_employee(const struct call *call)
{
	return call && call->b && call->state == CALL_BRIDGED
		   ? call->b->employee_id
		   : 0;
}

/* leg reaches employee_id and talks (answered, maybe held) */
static bool leg_busy(const struct call_leg *leg, int64_t employee_id)
{
	return leg && leg->established && leg->employee_id == employee_id;
}

bool call_employee_busy(const struct call *call, int64_t employee_id)
{
	struct le *le;

	if (!call || employee_id <= 0)
		return false;
	for (le = call->ctx->calls.head; le; le = le->next) {
		const struct call *c = le->data;

		if (c->state != CALL_DONE && (leg_busy(c->a, employee_id) ||
					      leg_busy(c->b, employee_id)))
			return true;
	}
	return false;
}

const struct config *call_config(const struct call *call)
{
	return call ? call->ctx->cfg : NULL;
}

const struct config *call_ctx_config(const struct call_ctx *ctx)
{
	return ctx ? ctx->cfg : NULL;
}

struct store *call_store(const struct call *call)
{
	return call ? call->ctx->st : NULL;
}

/* ---- the context ------------------------------------------------------- */

static void ctx_destructor(void *arg)
{
	struct call_ctx *ctx = arg;

	call_ctx_close_all(ctx);
	call_phone_ctx_gone(ctx);
	if (ctx->detach)
		ctx->detach(ctx);
	list_flush(&ctx->subs);
	call_trunk_states_flush(ctx);
}

int call_ctx_alloc(struct call_ctx **ctxp, const struct config *cfg,
		   struct store *st, const struct call_backend *be,
		   void *be_arg, const struct call_app *apps, size_t appc)
{
	struct call_ctx *ctx;

	if (!ctxp || !cfg || !st || !be)
		return EINVAL;
	ctx = mem_zalloc(sizeof(*ctx), ctx_destructor);
	if (!ctx)
		return ENOMEM;
	ctx->cfg = cfg;
	ctx->st = st;
	ctx->be = be;
	ctx->be_arg = be_arg;
	ctx->apps = apps ? apps : call_apps;
	ctx->appc = apps ? appc : call_apps_count;
	list_init(&ctx->calls);
	list_init(&ctx->subs);
	list_init(&ctx->phones);
	list_init(&ctx->trunks);
	tmr_init(&ctx->tmr_rtp);
	if (cfg->rtp_timeout)
		tmr_start(&ctx->tmr_rtp, 1000, rtp_sweep, ctx);
	*ctxp = ctx;
	return 0;
}

int call_ctx_subscribe(struct call_ctx *ctx, call_event_h *h, void *arg)
{
	struct call_sub *sub;

	if (!ctx || !h)
		return EINVAL;
	sub = mem_zalloc(sizeof(*sub), NULL);
	if (!sub)
		return ENOMEM;
	sub->h = h;
	sub->arg = arg;
	list_append(&ctx->subs, &sub->le, sub);
	return 0;
}

struct call *call_ctx_find(struct call_ctx *ctx, int64_t record_id)
{
	struct le *le;

	if (!ctx || record_id <= 0)
		return NULL;
	for (le = ctx->calls.head; le; le = le->next) {
		struct call *call = le->data;
		if (call->rec.id == record_id && call->state != CALL_DONE)
			return call;
	}
	return NULL;
}

unsigned call_ctx_count(const struct call_ctx *ctx)
{
	return ctx ? list_count(&ctx->calls) : 0;
}

void call_ctx_close_all(struct call_ctx *ctx)
{
	struct le *le;

	if (!ctx)
		return;
	ctx->closing = true;
	tmr_cancel(&ctx->tmr_rtp);
	while ((le = ctx->calls.head)) {
		struct call *call = le->data;
		if (call->a && call->state == CALL_RINGING && !call->a_answered)
			call->ctx->be->a_reject(call->a, 503, "Shutting Down");
		call_end(call,
			 call->state == CALL_BRIDGED ? STORE_DISP_ANSWERED
						     : STORE_DISP_FAILED,
			 503, STORE_PARTY_SYSTEM);
	}
}
