/*
 * queue.c - the queue call application (ROUTE_QUEUE): a caller waits in
 * a hotline queue until the engine (acd_int.h) offers the call to an
 * agent, whose phones ring; on the call-control seam only.
 *
 *   start: queue read, answered, joined (full: the queue's full target;
 *          nobody logged in: its no-agents target, else waiting)
 *     |
 *     v
 *   waiting (wait.c: notice, position and wait, music)
 *     | engine's offer: agents rung (call_dial, parallel), music on,
 *     | no announcement starts meanwhile
 *     v
 *   one answers -> bridged (engine: answered; the wait it reports is from
 *   the call's arrival at our server); none does / busy / no device ->
 *   a miss for each (engine: the next agent, pauses "no answer"), waiting
 *   max wait reached (engine's TIMEOUT) -> the timeout target, or hung up
 *   the caller chose 2 -> the queue's mailbox
 *   the call ends: engine told (abandoned while waiting, handled after
 *   the bridge: wrap-up)
 *
 * Outside the queue's open hours (its schedule): the closed target, or
 * the closed (holiday) prompt and the end (queue_gate.c, as is the
 * prompt when nobody of the queue is logged in).
 *
 * Time: the engine is pure; one timer here runs acd_engine_tick() when
 * it says something is due (plus TICK_GRACE, so that a ring timeout of
 * ours, which is the same, is reported as a miss first and the dial is
 * over before the engine decides again), then acd_engine_dispatch().
 * Offers are placed from a zero timer, not inside dispatch's handler.
 * The estimated wait is one estimator per queue (estimate.c), fed with
 * the engine's events.  Agents on a direct call (not the queue's) are
 * busy for the engine (call events of this node).
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call/call.h"
#include "acd/acd.h"
#include "acd/acd_int.h"

enum {
	TICK_GRACE = 1000, /* [ms] see the top of this file */
};

struct qcall {
	struct le le;      /* in qa.callers                     */
	struct call *call; /* (weak: the call owns us)          */
	int64_t id;        /* the engine's caller id            */
	struct store_queue q;
	char lang[4];
	struct phone_ctx ctx;
	struct acd_wait *wait;
	struct acd_offer offer; /* being placed or ringing      */
	bool offered;
	struct tmr tmr_offer;
	int64_t agent;   /* bridged to this agent, 0: not yet */
	uint64_t pop_at; /* [ms UTC] the offer's screen pop (pop.c) */
	bool joined;
	const char *left;     /* left the line by a choice: "voicemail",
			     "callback" (the queue event's reason)  */
	struct acd_gate gate; /* closed, nobody logged in (queue_gate.c) */
};

struct qest {
	struct le le;
	int64_t queue;
	struct acd_est *est;
};

static void qest_destructor(void *arg)
{
	struct qest *qe = arg;

	list_unlink(&qe->le);
	mem_deref(qe->est);
}

static struct {
	struct acd *acd;     /* (weak) the node's live queues */
	struct list callers; /* struct qcall */
	struct list ests;    /* struct qest   */
	struct tmr tmr;
	int64_t next_id;
} qa;

static void kick(void);

static struct acd_engine *engine(void)
{
	return qa.acd ? acd_engine(qa.acd) : NULL;
}

static struct qcall *qcall_find(int64_t id)
{
	struct le *le;

	for (le = qa.callers.head; le; le = le->next) {
		struct qcall *qc = le->data;
		if (qc->id == id)
			return qc;
	}
	return NULL;
}

static struct acd_est *est_of(int64_t queue, bool create)
{
	struct qest *qe;
	struct le *le;

	for (le = qa.ests.head; le; le = le->next) {
		qe = le->data;
		if (qe->queue == queue)
			return qe->est;
	}
	if (!create)
		return NULL;
	qe = mem_zalloc(sizeof(*qe), qest_destructor);
	if (!qe)
		return NULL;
	if (acd_est_alloc(&qe->est, NULL)) {
		mem_deref(qe);
		return NULL;
	}
	qe->queue = queue;
	list_append(&qa.ests, &qe->le, qe);
	return qe->est;
}

/* ---- the caller's record of the queue ---------------------------------- */

static void qcall_destructor(void *arg)
{
	struct qcall *qc = arg;
	struct acd_engine *e = engine();
	uint64_t now = tmr_jiffies();

	tmr_cancel(&qc->tmr_offer);
	qc->wait = mem_deref(qc->wait);
	/* still findable for the engine's events (their call) */
	if (e && qc->agent) {
		(void)acd_engine_call_end(e, qc->agent, now);
	}
	else if (e && qc->joined) {
		/* left: hung up, or re-routed (the mailbox); a ringing offer
		 * is withdrawn, not missed */
		(void)acd_engine_leave(e, qc->id, now);
	}
	list_unlink(&qc->le);
	if (e)
		kick();
}

/* Statistics: qc leaves the queue other than the engine says (stats.c). */
static void stats_exit(struct qcall *qc, enum acd_exit why)
{
	struct acd_pub_call pc = {call_id(qc->call), call_record_id(qc->call),
				  qc->call, NULL, 0};
	struct acd_stats *s = acd_stats(qa.acd);

	if (why == ACD_EXIT_VOICEMAIL)
		qc->left = "voicemail";
	else if (why == ACD_EXIT_CALLBACK)
		qc->left = "callback";
	if (why == ACD_EXIT_VOICEMAIL || why == ACD_EXIT_CALLBACK)
		acd_stats_choice(s, qc->id, why);
	else
		acd_stats_refused(s, qc->q.id, &pc, why, tmr_jiffies());
}

/* Send the caller to target t of the queue (none: hang up). */
static void leave_to(struct qcall *qc, const struct store_target_ref *t,
		     const char *why)
{
	struct call *call = qc->call;
	struct route_result r;

	info("acd: %s: queue %lld: %s\n", call_id(call), (long long)qc->q.id,
	     why);
	memset(&r, 0, sizeof(r));
	if (t->type != TARGET_NONE &&
	    !route_target_of(call_store(call), t, qc->q.tenant_id, &r) &&
	    r.target.kind != ROUTE_REJECT && !call_reroute(call, &r.target))
		return; /* qc is gone with the old application */
	call_hangup(call, 200, NULL, STORE_DISP_ANSWERED, STORE_PARTY_SYSTEM);
}

/* ---- waiting ------------------------------------------------------------ */

static void wait_info(struct acd_wait_info *info, void *arg)
{
	struct qcall *qc = arg;
	struct acd_engine *e = engine();
	struct acd_caller_info ci;
	struct acd_queue_info qi;
	uint64_t now = tmr_jiffies();

	if (!e || acd_engine_caller(e, qc->id, &ci) ||
	    acd_engine_queue_info(e, qc->q.id, &qi))
		return;
	if (!ci.position)
		return;
	/* the callers of other nodes before this one count too */
	info->position = ci.position + acd_rows_ahead(qc->q.id, qc->id);
	info->all_busy = qi.available == 0;
	info->no_agents = qi.serving == 0;
	info->est_ms = acd_est_wait(est_of(qc->q.id, false), info->position - 1,
				    qi.serving, now - ci.arrived, now);
}

static void bye(struct call *call, int err, char digit, void *arg);
static uint64_t arrived_utc(const struct call *call);

/* A callback: on disk first (callback.c joins it with the call's
 * arrival), then the caller leaves the queue, hears that we will call
 * back, and the server hangs up. */
static void callback_take(struct qcall *qc, const char *number)
{
	struct store_target_ref none = {TARGET_NONE, 0};
	struct store_callback cb;
	struct acd_engine *e = engine();
	char path[300];
	const char *files[1] = {path};
	int err;

	memset(&cb, 0, sizeof(cb));
	cb.tenant_id = qc->q.tenant_id;
	cb.queue_id = qc->q.id;
	str_copy(cb.number, number, sizeof(cb.number));
	cb.call_id = call_record_id(qc->call);
	cb.arrived_at = arrived_utc(qc->call);
	err = acd_callback_add(qa.acd, &cb);
	if (err) {
		warning("acd: %s: callback not kept: %m\n", call_id(qc->call),
			err);
		leave_to(qc, &none, "callback failed");
		return;
	}
	info("acd: %s: queue %lld: callback %lld to %s\n", call_id(qc->call),
	     (long long)qc->q.id, (long long)cb.id, number);
	qc->wait = mem_deref(qc->wait);
	if (e && qc->joined)
		(void)acd_engine_leave(e, qc->id, tmr_jiffies());
	qc->joined = false;
	re_snprintf(path, sizeof(path), "%s/%s/callback_saved.wav",
		    call_config(qc->call)->prompts_dir, qc->lang);
	if (call_play(qc->call, files, 1, false, bye, qc))
		bye(qc->call, 0, '\0', qc);
}

static void wait_choice(enum acd_wait_choice c, const char *number, void *arg)
{
	struct qcall *qc = arg;
	struct store_target_ref vm = {TARGET_VOICEMAIL, qc->q.mailbox_id};

	if (c == ACD_WAIT_VOICEMAIL) {
		stats_exit(qc, ACD_EXIT_VOICEMAIL);
		leave_to(qc, &vm, "the caller leaves a message");
		return;
	}
	stats_exit(qc, ACD_EXIT_CALLBACK);
	callback_take(qc, number);
}

/* ---- offers ------------------------------------------------------------- */

static void dialled(struct call *call, uint16_t scode, const char *reason,
		    bool timed_out, void *arg)
{
	struct qcall *qc = arg;
	struct acd_engine *e = engine();
	uint64_t now = tmr_jiffies();
	size_t i;

	qc->offered = false;
	if (!e)
		return;
	if (scode == 200) {
		int64_t agent = call_callee_employee(call);

		qc->agent = agent;
		qc->wait = mem_deref(qc->wait);
		if (acd_engine_answer(e, qc->id, agent, now))
			warning("acd: %s: agent %lld answered, the engine did "
				"not offer it\n",
				call_id(call), (long long)agent);
		info("acd: %s: queue %lld: answered by agent %lld\n",
		     call_id(call), (long long)qc->q.id, (long long)agent);
		kick();
		return;
	}
	info("acd: %s: queue %lld: no agent answered (%u %s%s)\n",
	     call_id(call), (long long)qc->q.id, scode, reason,
	     timed_out ? ", timed out" : "");
	for (i = 0; i < qc->offer.agentc; i++)
		(void)acd_engine_miss(e, qc->id, qc->offer.agentv[i], now);
	acd_wait_quiet(qc->wait, false);
	kick();
}

static void offer_place(void *arg)
{
	struct qcall *qc = arg;
	struct call_dest destv[ACD_OFFER_MAX];
	struct acd_engine *e = engine();
	uint64_t now = tmr_jiffies();
	uint32_t timeout;
	size_t i, n = qc->offer.agentc;
	int err;

	if (!e)
		return;
	/* another node may hold an agent (rows.c) */
	n = acd_rows_offer_claim(&qc->offer, now);
	if (!n) {
		kick();
		return;
	}
	timeout = qc->offer.expires > now
		      ? (uint32_t)((qc->offer.expires - now + 999) / 1000)
		      : 1;
	memset(destv, 0, sizeof(destv));
	for (i = 0; i < n; i++) {
		destv[i].kind = CALL_DEST_EMPLOYEE;
		destv[i].id = qc->offer.agentv[i];
		destv[i].timeout = timeout;
	}
	acd_wait_quiet(qc->wait, true);
	/* the screen pop reaches the agents before their phones ring */
	qc->pop_at = time_now_ms();
	acd_pop_publish(call_store(qc->call), qc->call, qc->q.id,
			qc->offer.agentv, n, qc->pop_at);
	qc->offered = true;
	{
		struct call_dial_prm prm = {
		    destv, n, false, call_from(qc->call), qc->q.name, true};
		err = call_dial(qc->call, &prm, dialled, qc);
	}
	if (err) { /* no device of theirs: a miss each, as unanswered */
		info("acd: %s: queue %lld: the agents offered cannot be rung: "
		     "%m\n",
		     call_id(qc->call), (long long)qc->q.id, err);
		qc->offered = false;
		for (i = 0; i < n; i++)
			(void)acd_engine_miss(e, qc->id, qc->offer.agentv[i],
					      now);
		acd_wait_quiet(qc->wait, false);
		kick();
	}
}

static void on_offer(const struct acd_offer *o, void *arg)
{
	struct qcall *qc = qcall_find(o->caller);

	(void)arg;
	if (!qc && acd_cb_id(o->caller))
		acd_cb_offer(o);
	if (!qc)
		return;
	qc->offer = *o;
	tmr_start(&qc->tmr_offer, 0, offer_place, qc);
}

const struct call *acd_queue_call(int64_t caller)
{
	const struct qcall *qc = qcall_find(caller);

	return qc ? qc->call : NULL;
}

int acd_call_pop(const struct acd *acd, int64_t record_id, int64_t agent,
		 int64_t *agentp, int64_t *queuep, uint64_t *atp)
{
	const struct qcall *qc = NULL;
	struct le *le;
	size_t i;

	if (!acd || record_id <= 0 || !agentp || !queuep || !atp)
		return EINVAL;
	for (le = qa.callers.head; le && !qc; le = le->next) {
		const struct qcall *x = le->data;

		if (call_record_id(x->call) == record_id)
			qc = x;
	}
	if (!qc || (!qc->agent && !(qc->offered && qc->offer.agentc)))
		return ENOENT;
	*queuep = qc->q.id;
	*atp = qc->pop_at;
	if (qc->agent) {
		if (agent && agent != qc->agent)
			return EPERM;
		*agentp = qc->agent;
		return 0;
	}
	for (i = 0; agent && i < qc->offer.agentc; i++) {
		if (qc->offer.agentv[i] == agent)
			break;
	}
	if (agent && i == qc->offer.agentc)
		return EPERM;
	*agentp = agent ? agent : qc->offer.agentv[0];
	return 0;
}

/* ---- time ----------------------------------------------------------------- */

static void tick_h(void *arg)
{
	struct acd_engine *e = engine();
	uint64_t now = tmr_jiffies(), due;

	(void)arg;
	if (!e)
		return;
	due = acd_engine_tick(e, now);
	(void)acd_engine_dispatch(e, now, on_offer, NULL);
	if (due)
		tmr_start(&qa.tmr, (due > now ? due - now : 0) + TICK_GRACE,
			  tick_h, NULL);
}

/* Something changed: decide now (from the loop, not from a handler of
 * the engine). */
static void kick(void)
{
	tmr_start(&qa.tmr, 0, tick_h, NULL);
}

/* Does a caller of ours still wait in (or talk through) queue? */
static bool queue_in_use(int64_t queue)
{
	struct le *le;

	for (le = qa.callers.head; le; le = le->next) {
		const struct qcall *qc = le->data;

		if (qc->q.id == queue)
			return true;
	}
	return false;
}

void acd_queue_prune(void)
{
	struct acd_engine *e = engine();
	struct acd_queue_info qi;
	struct le *le = qa.ests.head;

	while (e && le) {
		struct qest *qe = le->data;

		le = le->next;
		if (acd_engine_queue_info(e, qe->queue, &qi) == ENOENT &&
		    !queue_in_use(qe->queue))
			mem_deref(qe);
	}
}

void acd_queue_kick(void)
{
	if (qa.acd)
		kick();
}

/* The engine's events: the estimator learns, a caller over the max wait
 * goes to the timeout target. */
static void on_event(const struct acd_event *ev, void *arg)
{
	struct qcall *qc = ev->caller ? qcall_find(ev->caller) : NULL;
	struct acd_pub_call pc = {
	    qc ? call_id(qc->call) : "", qc ? call_record_id(qc->call) : 0,
	    qc ? qc->call : NULL, qc ? qc->left : NULL, 0};
	bool cb = !qc && acd_cb_pub(ev->caller, &pc);

	(void)arg;
	acd_publish(qa.acd ? acd_store(qa.acd) : NULL, ev,
		    qc || cb ? &pc : NULL);
	/* a callback waiting again is no new caller: its visit is the
	 * original call's (callback requested, completed); nor do its waits
	 * and cancellations say how long callers hold on (the agent's time
	 * on it, HANDLED, does count) */
	if (!acd_cb_id(ev->caller))
		acd_stats_event(acd_stats(qa.acd), ev, qc ? &pc : NULL);
	else if (cb && ev->type == ACD_EV_HANDLED) /* billed: callback.c */
		acd_stats_cb_handled(acd_stats(qa.acd), ev,
				     acd_cb_record(ev->caller), pc.callback_id);
	switch (ev->type) {
	case ACD_EV_ANSWERED:
		if (!acd_cb_id(ev->caller))
			acd_est_answered(est_of(ev->queue, true), ev->ms,
					 ev->now);
		break;
	case ACD_EV_ABANDONED:
		if (!acd_cb_id(ev->caller))
			acd_est_abandoned(est_of(ev->queue, true), ev->ms,
					  ev->now);
		break;
	case ACD_EV_HANDLED:
		acd_est_handled(est_of(ev->queue, true), ev->ms, ev->now);
		break;
	case ACD_EV_AGENT:
		/* an agent became free outside our timer (a login, a resume
		 * or an early end of the wrap-up, through the API or a
		 * feature code): decide now, waiting callers may take him */
		if (ev->state == ACD_AVAILABLE)
			kick();
		if (ev->state == ACD_AVAILABLE || ev->state == ACD_PAUSED)
			acd_cb_rejoin();
		break;
	case ACD_EV_TIMEOUT:
		if (!qc && acd_cb_id(ev->caller))
			acd_cb_timeout(ev->caller);
		if (qc) {
			qc->joined = false; /* the engine removed it */
			leave_to(qc, &qc->q.on_timeout, "maximum wait reached");
		}
		break;
	default:
		break;
	}
}

/* ---- agents on direct calls ------------------------------------------- */

/* The queue's record of call, or NULL. */
static struct qcall *qcall_of(const struct call *call)
{
	struct le *le;

	for (le = qa.callers.head; le; le = le->next) {
		struct qcall *qc = le->data;
		if (qc->call == call)
			return qc;
	}
	return NULL;
}

/* Is employee on call as the queue's agent (answering its offer)? */
static bool queue_call_of(const struct call *call, int64_t employee)
{
	const struct qcall *qc = qcall_of(call);
	size_t i;

	if (acd_cb_call_of(call, employee))
		return true;
	if (!qc)
		return false;
	if (qc->agent == employee)
		return true;
	for (i = 0; qc->offered && i < qc->offer.agentc; i++) {
		if (qc->offer.agentv[i] == employee)
			return true;
	}
	return false;
}

static void on_call(const struct call *call, enum call_state state, void *arg)
{
	(void)arg;
	if (state == CALL_BRIDGED) {
		int64_t v[2] = {call_employee(call),
				call_callee_employee(call)};
		struct qcall *qc = qcall_of(call);
		size_t i;

		/* the agent passed the caller on (a transfer): the agent's
		 * queue call is over, wrap-up starts.  Not while the agent
		 * consults the target (the agent's leg is the call's caller
		 * then, the caller waits): that is still the agent's time,
		 * which billing counts (issue 18) */
		if (qc && qc->agent && v[1] != qc->agent && v[0] != qc->agent) {
			struct acd_engine *e = engine();
			if (e)
				(void)acd_engine_call_end(e, qc->agent,
							  tmr_jiffies());
			qc->agent = 0;
			qc->joined = false;
			kick();
		}

		for (i = 0; i < 2; i++) {
			if (v[i] && !queue_call_of(call, v[i]))
				acd_busy_set(engine(), call, v[i], true);
		}
		return;
	}
	if (state != CALL_DONE)
		return;
	acd_busy_call_done(engine(), call);
}

/* ---- the application -------------------------------------------------- */

static void bye(struct call *call, int err, char digit, void *arg)
{
	(void)err;
	(void)digit;
	(void)arg;
	call_hangup(call, 200, NULL, STORE_DISP_ANSWERED, STORE_PARTY_SYSTEM);
}

/* nobody logged in (queue_gate.c): the caller chose to leave a message */
static void nobody_message(void *arg)
{
	struct qcall *qc = arg;
	struct store_target_ref vm = {TARGET_VOICEMAIL, qc->q.mailbox_id};

	leave_to(qc, &vm, "nobody there: the caller leaves a message");
}

/*
 * Outside the queue's open hours: its closed target, else the default
 * prompt and the end (queue_gate.c).  true if so (the call is taken
 * care of).
 */
static bool closed(struct qcall *qc)
{
	bool holiday = false;

	if (!acd_gate_closed(&qc->gate, qc->q.schedule_id, &holiday))
		return false;
	stats_exit(qc, ACD_EXIT_CLOSED);
	if (qc->q.on_closed.type != TARGET_NONE) {
		leave_to(qc, &qc->q.on_closed, "closed");
		return true;
	}
	acd_gate_closed_play(&qc->gate, holiday);
	return true;
}

/* When the call reached our server (UTC; now if unknown). */
static uint64_t arrived_utc(const struct call *call)
{
	struct store_call rec;

	if (!call_record_id(call) ||
	    store_call_get(call_store(call), call_record_id(call), &rec) ||
	    !rec.started_at)
		return time_now_ms();
	return rec.started_at;
}

/* When the call reached our server, on the engine's clock: statistics
 * count the wait from there, not from the queue (a menu before it). */
static uint64_t arrived_at(const struct call *call)
{
	uint64_t now = tmr_jiffies(), utc = time_now_ms(), age;
	struct store_call rec;

	if (!call_record_id(call) ||
	    store_call_get(call_store(call), call_record_id(call), &rec) ||
	    !rec.started_at || rec.started_at > utc)
		return now;
	age = utc - rec.started_at;
	return age < now ? now - age : 0;
}

/* The greeting of qc's queue, relative to the prompts directory: its own,
 * or please_hold.wav of the caller's language. */
static void greeting_of(const struct qcall *qc, char *buf, size_t sz)
{
	if (qc->q.greeting[0])
		str_copy(buf, qc->q.greeting, sz);
	else
		re_snprintf(buf, sz, "%s/please_hold.wav", qc->lang);
}

static void answered(struct call *call, void *arg)
{
	struct qcall *qc = arg;
	struct acd_engine *e = engine();
	struct acd_caller_in in;
	struct acd_wait_prm wp;
	enum acd_outcome out = ACD_JOINED;
	char greeting[160];
	int err;

	if (closed(qc))
		return;
	(void)est_of(qc->q.id, true); /* its priors estimate from the start */
	memset(&in, 0, sizeof(in));
	in.id = qc->id;
	in.prio = acd_vip_mark(call, qc->q.tenant_id, &qc->ctx)
		      ? ACD_PRIO_VIP
		      : ACD_PRIO_NORMAL;
	in.arrived = arrived_at(call);
	err = acd_engine_join(e, qc->q.id, &in, tmr_jiffies(), &out);
	if (err) {
		warning("acd: %s: queue %lld: cannot join: %m\n", call_id(call),
			(long long)qc->q.id, err);
		call_hangup(call, 500, NULL, STORE_DISP_FAILED,
			    STORE_PARTY_SYSTEM);
		return;
	}
	if (out == ACD_FULL) {
		stats_exit(qc, ACD_EXIT_FULL);
		leave_to(qc, &qc->q.on_full, "full");
		return;
	}
	if (out == ACD_NO_AGENTS) {
		stats_exit(qc, ACD_EXIT_NO_AGENTS);
		if (qc->q.on_no_agents.type != TARGET_NONE)
			leave_to(qc, &qc->q.on_no_agents, "nobody logged in");
		else
			acd_gate_nobody(&qc->gate);
		return;
	}
	qc->joined = true;
	memset(&wp, 0, sizeof(wp));
	greeting_of(qc, greeting, sizeof(greeting));
	wp.lang = qc->lang;
	wp.greeting = greeting;
	wp.announce_ms = qc->q.announce_every * 1000;
	wp.say_position = qc->q.say_position;
	wp.say_wait = qc->q.say_wait;
	wp.offer_voicemail = qc->q.mailbox_id != 0;
	wp.offer_callback = qc->q.callback;
	wp.ctx = qc->ctx;
	err = acd_wait_start(&qc->wait, call, &wp, wait_info, wait_choice, qc);
	if (err)
		warning("acd: %s: waiting: %m\n", call_id(call), err);
	kick();
}

/*
 * The tenant whose language and dialling context a caller of queue q
 * gets: the queue's, but for a pool queue (issue 17) the client's the
 * call is for (its record's tenant): the caller of an answering service
 * hears the client's language and never learns of the service.
 */
static int64_t caller_tenant(struct call *call, const struct store_queue *q)
{
	struct store_call *c;
	int64_t tid = q->tenant_id;

	if (!q->pool)
		return tid;
	c = mem_zalloc(sizeof(*c), NULL);
	if (c && !store_call_get(call_store(call), call_record_id(call), c) &&
	    c->tenant_id > 0)
		tid = c->tenant_id;
	mem_deref(c);
	return tid;
}

int acd_queue_start(struct call *call, const struct route_target *t)
{
	struct acd_queue_info qi;
	struct store_tenant tenant;
	char greeting[160], path[300];
	struct qcall *qc;
	int err;

	if (!engine())
		return ENOSYS;
	qc = mem_zalloc(sizeof(*qc), qcall_destructor);
	if (!qc)
		return ENOMEM;
	tmr_init(&qc->tmr_offer);
	err = store_queue_get(call_store(call), t->id, &qc->q);
	if (!err)
		err = store_tenant_get(call_store(call),
				       caller_tenant(call, &qc->q), &tenant);
	if (err) {
		mem_deref(qc);
		return err;
	}
	/* a queue made through another node's API: taken over now */
	if (acd_engine_queue_info(engine(), qc->q.id, &qi) == ENOENT)
		(void)acd_queue_sync(qa.acd, qc->q.id);
	str_copy(qc->lang, store_language_name(tenant.language),
		 sizeof(qc->lang));
	str_copy(qc->ctx.country,
		 tenant.country_code[0] ? tenant.country_code : "49",
		 sizeof(qc->ctx.country));
	str_copy(qc->ctx.area, tenant.area_code, sizeof(qc->ctx.area));
	/* never answered for a greeting that cannot play */
	greeting_of(qc, greeting, sizeof(greeting));
	re_snprintf(path, sizeof(path), "%s/%s", call_config(call)->prompts_dir,
		    greeting);
	if (call_prompt_refuse(call, "queue", qc->q.id, path)) {
		mem_deref(qc);
		return 0;
	}
	qc->call = call;
	qc->id = ++qa.next_id;
	qc->gate.call = call;
	qc->gate.queue_id = qc->q.id;
	qc->gate.mailbox_id = qc->q.mailbox_id;
	qc->gate.lang = qc->lang;
	qc->gate.message_h = nobody_message;
	qc->gate.arg = qc;
	list_append(&qa.callers, &qc->le, qc);
	call_app_data_set(call, qc); /* the call owns it now */
	info("acd: %s: queue %lld (%s)\n", call_id(call), (long long)qc->q.id,
	     qc->q.name);
	return call_answer(call, "queue", answered, qc);
}

int acd_queue_use(struct acd *acd, struct call_ctx *calls)
{
	int err;

	if (!acd) {
		(void)acd_cb_use(NULL, NULL);
		(void)acd_rows_use(NULL, NULL);
		(void)acd_changes_use(NULL, NULL);
		tmr_cancel(&qa.tmr);
		list_flush(&qa.ests);
		acd_busy_flush();
		qa.acd = NULL;
		return 0;
	}
	qa.acd = acd;
	tmr_init(&qa.tmr);
	err = acd_subscribe(acd, on_event, NULL);
	if (!err && calls)
		err = call_ctx_subscribe(calls, on_call, NULL);
	if (!err)
		err = acd_cb_use(acd, calls);
	if (!err && calls)
		err = acd_rows_use(acd, call_ctx_config(calls));
	if (!err && calls)
		err = acd_changes_use(acd, call_ctx_config(calls));
	return err;
}
