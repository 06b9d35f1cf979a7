/*
 * stats.c - the record of each caller's visit to a queue (acd_int.h), the
 * raw data of the queue statistics (report.c):
 *
 *   JOINED     a row: arrived_at (the engine's arrival of the caller:
 *              the call reached our server), joined_at, the caller's
 *              number and call record, outcome "waiting"
 *   ANSWERED   outcome answered, left_at, wait_ms (from arrival), agent
 *   ABANDONED  outcome abandoned (or the caller's choice: voicemail,
 *              callback), left_at, wait_ms = the time to abandon
 *   TIMEOUT    outcome timeout
 *   HANDLED    handle_ms (talk time: answer to the end of the agent's
 *              call, without wrap-up), ended_at
 *   WRAPUP     the agent's state event right after HANDLED: wrap-up
 *              (wrapup_started_at) or not; the agent's next state
 *              event ends it (wrapup_ended_at; migration 37, billing)
 *
 * A callback is no visit of its own (its caller's visit was marked); the
 * agent's call of it, when it ends, is a row of callback_calls with its
 * handle time and the wrap-up after it the same way (migration 42,
 * acd_stats_cb_handled): what billing reads.
 *
 * A caller turned away before joining (full, no agents, closed) is a row
 * of its own at once (acd_stats_refused).  Each write is committed when
 * it happens: a visit is on disk when the caller leaves the queue.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "acd/acd_int.h"

struct acd_stats {
	struct store *st;           /* (weak) outlives us        */
	const struct acd_engine *e; /* (weak) for callers' arrival */
	acd_stats_clock_h *clockh;  /* NULL: the node's clock     */
	void *arg;
	struct list visits; /* struct visit: waiting or on a call */
};

/* A caller's visit that is not over yet. */
struct visit {
	struct le le;
	int64_t caller; /* the engine's caller id     */
	int64_t id;     /* the row                    */
	int64_t queue;
	uint64_t arrived; /* [ms] UTC                  */
	bool has_choice;  /* leaves by a choice: */
	enum acd_exit choice;
	bool answered;           /* waits for HANDLED           */
	bool handled;            /* waits for the agent's wrap-up */
	int64_t agent;           /* handled: the agent            */
	uint64_t wrapup_started; /* [ms] UTC, 0: not in wrap-up */
	bool cb;                 /* id is a callback_calls row  */
};

static void visit_destructor(void *arg)
{
	struct visit *v = arg;

	list_unlink(&v->le);
}

static void destructor(void *arg)
{
	struct acd_stats *s = arg;

	list_flush(&s->visits);
}

int acd_stats_alloc(struct acd_stats **sp, struct store *st,
		    const struct acd_engine *e, acd_stats_clock_h *clockh,
		    void *arg)
{
	struct acd_stats *s;

	if (!sp || !st || !e)
		return EINVAL;
	s = mem_zalloc(sizeof(*s), destructor);
	if (!s)
		return ENOMEM;
	s->st = st;
	s->e = e;
	s->clockh = clockh;
	s->arg = arg;
	*sp = s;
	return 0;
}

/* The engine's time t as UTC [ms]. */
static uint64_t utc(const struct acd_stats *s, uint64_t t)
{
	uint64_t now, wall;

	if (s->clockh)
		return s->clockh(t, s->arg);
	now = tmr_jiffies();
	wall = time_now_ms();
	if (t > now)
		return wall + (t - now);
	return wall > now - t ? wall - (now - t) : 0;
}

static struct visit *visit_find(const struct acd_stats *s, int64_t caller)
{
	struct le *le;

	for (le = s->visits.head; le; le = le->next) {
		struct visit *v = le->data;

		if (v->caller == caller)
			return v;
	}
	return NULL;
}

static enum store_visit_outcome outcome_of(enum acd_exit why)
{
	switch (why) {
	case ACD_EXIT_FULL:
		return STORE_VISIT_FULL;
	case ACD_EXIT_NO_AGENTS:
		return STORE_VISIT_NO_AGENTS;
	case ACD_EXIT_CLOSED:
		return STORE_VISIT_CLOSED;
	case ACD_EXIT_VOICEMAIL:
		return STORE_VISIT_VOICEMAIL;
	default:
		return STORE_VISIT_CALLBACK;
	}
}

/* The caller's number and arrival [ms UTC] of call record id (0: none);
 * false if it cannot be read. */
static bool record_of(struct store *st, int64_t id, char *caller, size_t sz,
		      uint64_t *arrived)
{
	struct store_call *rec;
	bool ok;

	if (id <= 0)
		return false;
	rec = mem_zalloc(sizeof(*rec), NULL);
	if (!rec)
		return false;
	ok = !store_call_get(st, id, rec);
	if (ok) {
		str_copy(caller, rec->from_number, sz);
		*arrived = rec->started_at;
	}
	mem_deref(rec);
	return ok;
}

static void joined(struct acd_stats *s, const struct acd_event *ev,
		   const struct acd_pub_call *c)
{
	struct store_queue_visit qv;
	struct acd_caller_info ci;
	uint64_t arrived = 0;
	struct visit *v;
	int err;

	memset(&qv, 0, sizeof(qv));
	qv.queue_id = ev->queue;
	qv.call_id = c ? c->record_id : 0;
	(void)record_of(s->st, qv.call_id, qv.caller, sizeof(qv.caller),
			&arrived);
	qv.joined_at = utc(s, ev->now);
	/* the engine's arrival, so that left_at - arrived_at is the wait */
	qv.arrived_at = acd_engine_caller(s->e, ev->caller, &ci)
			    ? qv.joined_at
			    : utc(s, ci.arrived);
	qv.outcome = STORE_VISIT_WAITING;
	err = store_queue_visit_add(s->st, &qv);
	if (err) {
		warning("acd: stats: queue %lld: visit not recorded: %m\n",
			(long long)ev->queue, err);
		return;
	}
	v = mem_zalloc(sizeof(*v), visit_destructor);
	if (!v)
		return;
	v->caller = ev->caller;
	v->id = qv.id;
	v->queue = ev->queue;
	v->arrived = qv.arrived_at;
	list_append(&s->visits, &v->le, v);
}

/* Visit v ends its wait with outcome o at now (the event's wait). */
static void left(struct acd_stats *s, struct visit *v,
		 const struct acd_event *ev, enum store_visit_outcome o)
{
	struct store_queue_visit qv;
	int err;

	memset(&qv, 0, sizeof(qv));
	qv.id = v->id;
	qv.queue_id = v->queue;
	qv.arrived_at = v->arrived;
	qv.outcome = o;
	qv.wait_ms = ev->ms;
	qv.left_at = v->arrived + ev->ms;
	qv.agent_id = o == STORE_VISIT_ANSWERED ? ev->agent : 0;
	qv.callback_requested = o == STORE_VISIT_CALLBACK;
	err = store_queue_visit_left(s->st, &qv);
	if (err)
		warning("acd: stats: visit %lld: %s not recorded: %m\n",
			(long long)v->id, store_visit_outcome_name(o), err);
}

/* The handled visit whose agent's wrap-up is awaited or running. */
static struct visit *wrapup_find(const struct acd_stats *s, int64_t agent)
{
	struct le *le;

	for (le = s->visits.head; le; le = le->next) {
		struct visit *v = le->data;

		if (v->handled && v->agent == agent)
			return v;
	}
	return NULL;
}

/* Agent ev->agent changed state: right after HANDLED into wrap-up (its
 * start recorded), or out of it (its end recorded); the visit is done
 * once the agent is in any other state. */
static void agent_state(struct acd_stats *s, const struct acd_event *ev)
{
	struct visit *v = ev->agent ? wrapup_find(s, ev->agent) : NULL;
	int (*wrapuph)(struct store *, int64_t, uint64_t, uint64_t);
	uint64_t now;
	int err = 0;

	if (!v)
		return;
	now = utc(s, ev->now);
	wrapuph = v->cb ? store_callback_call_wrapup : store_queue_visit_wrapup;
	if (ev->state == ACD_WRAPUP && !v->wrapup_started) {
		v->wrapup_started = now;
		err = wrapuph(s->st, v->id, now, 0);
	}
	else if (ev->state != ACD_WRAPUP) {
		if (v->wrapup_started)
			err = wrapuph(s->st, v->id, v->wrapup_started, now);
		mem_deref(v);
	}
	if (err)
		warning("acd: stats: visit: wrap-up not recorded: %m\n", err);
}

void acd_stats_event(struct acd_stats *s, const struct acd_event *ev,
		     const struct acd_pub_call *c)
{
	struct visit *v;
	int err;

	if (!s || !ev)
		return;
	if (ev->type == ACD_EV_JOINED) {
		joined(s, ev, c);
		return;
	}
	if (ev->type == ACD_EV_AGENT) {
		agent_state(s, ev);
		return;
	}
	v = ev->caller ? visit_find(s, ev->caller) : NULL;
	if (!v)
		return;
	switch (ev->type) {
	case ACD_EV_ANSWERED:
		left(s, v, ev, STORE_VISIT_ANSWERED);
		v->answered = true;
		break;
	case ACD_EV_ABANDONED:
		left(s, v, ev,
		     v->has_choice ? outcome_of(v->choice)
				   : STORE_VISIT_ABANDONED);
		mem_deref(v);
		break;
	case ACD_EV_TIMEOUT:
		left(s, v, ev, STORE_VISIT_TIMEOUT);
		mem_deref(v);
		break;
	case ACD_EV_HANDLED:
		if (!v->answered)
			break;
		err = store_queue_visit_handled(s->st, v->id, ev->ms,
						utc(s, ev->now));
		if (err)
			warning("acd: stats: visit %lld: handle time not "
				"recorded: %m\n",
				(long long)v->id, err);
		/* the agent's next state event says if wrap-up follows */
		if (err || !ev->agent || wrapup_find(s, ev->agent)) {
			mem_deref(v);
			break;
		}
		v->caller = 0;
		v->handled = true;
		v->agent = ev->agent;
		break;
	default:
		break;
	}
}

void acd_stats_cb_handled(struct acd_stats *s, const struct acd_event *ev,
			  int64_t record_id, int64_t callback_id)
{
	struct store_callback_call cc;
	struct visit *v;
	int err;

	if (!s || !ev || !ev->agent || record_id <= 0)
		return;
	memset(&cc, 0, sizeof(cc));
	cc.call_id = record_id;
	cc.callback_id = callback_id;
	cc.queue_id = ev->queue;
	cc.agent_id = ev->agent;
	cc.handle_ms = ev->ms;
	cc.ended_at = utc(s, ev->now);
	err = store_callback_call_add(s->st, &cc);
	if (err) {
		warning("acd: stats: callback %lld: the agent's call not "
			"recorded: %m\n",
			(long long)callback_id, err);
		return;
	}
	/* the agent's next state event says if wrap-up follows */
	if (wrapup_find(s, ev->agent))
		return;
	v = mem_zalloc(sizeof(*v), visit_destructor);
	if (!v)
		return;
	v->id = cc.id;
	v->queue = ev->queue;
	v->handled = true;
	v->agent = ev->agent;
	v->cb = true;
	list_append(&s->visits, &v->le, v);
}

void acd_stats_refused(struct acd_stats *s, int64_t queue,
		       const struct acd_pub_call *c, enum acd_exit why,
		       uint64_t now)
{
	struct store_queue_visit qv;
	uint64_t arrived = 0;
	int err;

	if (!s || queue <= 0)
		return;
	memset(&qv, 0, sizeof(qv));
	qv.queue_id = queue;
	qv.call_id = c ? c->record_id : 0;
	qv.left_at = utc(s, now);
	if (!record_of(s->st, qv.call_id, qv.caller, sizeof(qv.caller),
		       &arrived) ||
	    !arrived || arrived > qv.left_at)
		arrived = qv.left_at;
	qv.arrived_at = arrived;
	qv.wait_ms = qv.left_at - arrived;
	qv.outcome = outcome_of(why);
	err = store_queue_visit_add(s->st, &qv);
	if (err)
		warning("acd: stats: queue %lld: visit (%s) not recorded: %m\n",
			(long long)queue, store_visit_outcome_name(qv.outcome),
			err);
}

void acd_stats_choice(struct acd_stats *s, int64_t caller, enum acd_exit why)
{
	struct visit *v = s ? visit_find(s, caller) : NULL;

	if (!v)
		return;
	v->has_choice = true;
	v->choice = why;
}

int64_t acd_stats_visit(const struct acd_stats *s, int64_t caller)
{
	const struct visit *v = s ? visit_find(s, caller) : NULL;

	return v ? v->id : 0;
}
