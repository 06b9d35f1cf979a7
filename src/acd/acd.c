/*
 * acd.c - the live queues and agents of this node (acd.h): the engine
 * loaded from the store and kept in step with it, and agents' state
 * changes written to the store before the engine takes them.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "acd/acd.h"
#include "acd/acd_int.h"

struct acd {
	struct store *st; /* (weak) outlives the ACD */
	struct acd_engine *e;
	struct acd_stats *stats; /* each queue visit recorded (stats.c) */
	struct list subs;        /* struct sub */
};

struct sub {
	struct le le;
	acd_sub_h *h;
	void *arg;
};

static const char *const action_names[] = {
    [ACD_LOGIN] = "login",           [ACD_LOGOUT] = "logout",
    [ACD_PAUSE] = "pause",           [ACD_UNPAUSE] = "unpause",
    [ACD_END_WRAPUP] = "end_wrapup",
};

const char *acd_action_name(enum acd_action a)
{
	return (size_t)a < ARRAY_SIZE(action_names) ? action_names[a] : "?";
}

int acd_action_parse(const char *s, enum acd_action *ap)
{
	size_t i;

	for (i = 0; s && i < ARRAY_SIZE(action_names); i++) {
		if (!strcmp(s, action_names[i])) {
			if (ap)
				*ap = (enum acd_action)i;
			return 0;
		}
	}
	return EINVAL;
}

/* A pause the engine decided itself ("no answer" after the misses) is
 * kept like one asked for: the agent is still paused after a restart. */
static void on_event(const struct acd_event *ev, void *arg)
{
	struct acd *acd = arg;
	struct store_agent a;
	struct le *le;
	int err;

	if (ev->type != ACD_EV_AGENT)
		goto subs;
	info("acd: agent %lld: %s%s%s\n", (long long)ev->agent,
	     acd_astate_name(ev->state), ev->reason[0] ? " " : "", ev->reason);
	/* a pause this engine follows from another node's row is kept
	 * already: written back, it could undo a newer change there */
	if (ev->state != ACD_PAUSED || !acd->st || acd_rows_applying())
		goto subs;
	memset(&a, 0, sizeof(a));
	a.employee_id = ev->agent;
	a.state = STORE_AGENT_PAUSED;
	str_copy(a.reason, ev->reason, sizeof(a.reason));
	a.changed_at = ev->now;
	err = store_agent_set_state(acd->st, &a);
	if (err)
		warning("acd: agent %lld: keeping the pause: %m\n",
			(long long)ev->agent, err);
subs:
	for (le = acd->subs.head; le; le = le->next) {
		const struct sub *s = le->data;

		s->h(ev, s->arg);
	}
}

int acd_subscribe(struct acd *acd, acd_sub_h *h, void *arg)
{
	struct sub *s;

	if (!acd || !h)
		return EINVAL;
	s = mem_zalloc(sizeof(*s), NULL);
	if (!s)
		return ENOMEM;
	s->h = h;
	s->arg = arg;
	list_append(&acd->subs, &s->le, s);
	return 0;
}

static void destructor(void *arg)
{
	struct acd *acd = arg;

	mem_deref(acd->stats);
	mem_deref(acd->e);
	list_flush(&acd->subs);
}

static void qconf_of(const struct store_queue *q, struct acd_qconf *qc)
{
	size_t i;

	memset(qc, 0, sizeof(*qc));
	qc->id = q->id;
	qc->tenant_id = q->tenant_id;
	qc->strategy = (enum acd_strategy)q->strategy;
	qc->ring_timeout_s = q->ring_timeout;
	qc->wrapup_s = q->wrapup;
	qc->max_misses = q->max_misses;
	qc->max_wait_s = q->max_wait;
	qc->max_len = q->max_len;
	for (i = 0; i < q->skillc && i < ACD_QSKILLS; i++) {
		str_copy(qc->reqv[i].skill, q->skillv[i].skill,
			 sizeof(qc->reqv[i].skill));
		qc->reqv[i].min_level = q->skillv[i].min_level;
		qc->reqv[i].relax_s = q->skillv[i].relax_after;
	}
	qc->reqc = i;
	for (i = 0; i < q->widenc && i < ACD_WIDEN; i++) {
		qc->widenv[i].after_s = q->widenv[i].after;
		qc->widenv[i].max_tier = q->widenv[i].max_tier;
	}
	qc->widenc = i;
}

static int queue_load(struct acd *acd, const struct store_queue *q)
{
	struct acd_member mv[STORE_QUEUE_MEMBERS];
	struct acd_qconf qc;
	size_t i;
	int err;

	_Static_assert((int)ACD_SKILLS == (int)STORE_QUEUE_SKILLS,
		       "strategies in the same order");
	qconf_of(q, &qc);
	err = acd_engine_queue_set(acd->e, &qc);
	for (i = 0; i < q->memberc; i++) {
		mv[i].agent = q->memberv[i].employee_id;
		mv[i].tier = q->memberv[i].tier;
	}
	if (!err)
		err = acd_engine_members(acd->e, q->id, mv, q->memberc);
	return err;
}

static int queue_h(const struct store_queue *q, void *arg)
{
	return queue_load(arg, q);
}

/* The engine takes the kept state and skills of agent a. */
static int agent_load(struct acd *acd, const struct store_agent *a,
		      uint64_t now)
{
	struct acd_skill sv[ACD_AGENT_SKILLS];
	size_t i;
	int err;

	memset(sv, 0, sizeof(sv));
	for (i = 0; i < a->skillc && i < ACD_AGENT_SKILLS; i++) {
		str_copy(sv[i].name, a->skillv[i].name, sizeof(sv[i].name));
		sv[i].level = a->skillv[i].level;
	}
	err = acd_engine_agent_skills(acd->e, a->employee_id, sv, i);
	if (err || a->state == STORE_AGENT_LOGGED_OUT)
		return err;
	err = acd_engine_agent_login(acd->e, a->employee_id, now);
	if (err == EALREADY)
		err = 0;
	if (!err && a->state == STORE_AGENT_PAUSED)
		err = acd_engine_agent_pause(acd->e, a->employee_id, a->reason,
					     now);
	return err == EALREADY ? 0 : err;
}

static int agent_h(const struct store_agent *a, void *arg)
{
	return agent_load(arg, a, time_now_ms());
}

int acd_alloc(struct acd **ap, struct store *st)
{
	struct acd *acd;
	int err;

	if (!ap || !st)
		return EINVAL;
	acd = mem_zalloc(sizeof(*acd), destructor);
	if (!acd)
		return ENOMEM;
	err = acd_engine_alloc(&acd->e, on_event, acd);
	if (!err)
		err = acd_stats_alloc(&acd->stats, st, acd->e, NULL, NULL);
	if (!err)
		err = store_queue_list(st, 0, queue_h, acd);
	if (!err)
		err = store_agent_list(st, 0, agent_h, acd);
	acd->st = st; /* from here on, pauses of the engine are kept */
	if (err) {
		mem_deref(acd);
		return err;
	}
	*ap = acd;
	return 0;
}

int acd_queue_sync(struct acd *acd, int64_t queue_id)
{
	struct store_queue *q;
	int err;

	if (!acd || queue_id <= 0)
		return EINVAL;
	q = mem_zalloc(sizeof(*q), NULL);
	if (!q)
		return ENOMEM;
	err = store_queue_get(acd->st, queue_id, q);
	if (err == ENOENT) {
		err = acd_engine_queue_remove(acd->e, queue_id);
		if (err == ENOENT)
			err = 0;
	}
	else if (!err) {
		err = queue_load(acd, q);
	}
	mem_deref(q);
	return err;
}

int acd_agent_sync(struct acd *acd, int64_t employee_id)
{
	struct store_agent a;
	struct acd_skill sv[ACD_AGENT_SKILLS];
	size_t i;
	int err;

	if (!acd)
		return EINVAL;
	err = store_agent_get(acd->st, employee_id, &a);
	if (err)
		return err;
	memset(sv, 0, sizeof(sv));
	for (i = 0; i < a.skillc && i < ACD_AGENT_SKILLS; i++) {
		str_copy(sv[i].name, a.skillv[i].name, sizeof(sv[i].name));
		sv[i].level = a.skillv[i].level;
	}
	return acd_engine_agent_skills(acd->e, employee_id, sv, i);
}

/* May act be done in the live state ai?  0 or the errno of acd.h. */
static int act_check(const struct acd_agent_info *ai, enum acd_action act)
{
	bool out = ai->state == ACD_LOGGED_OUT;
	bool on_call = ai->state == ACD_ON_CALL;

	switch (act) {
	case ACD_LOGIN: /* also back before a call ended whose logout
			   was to take effect after it */
		return out || (on_call && ai->pending == ACD_LOGGED_OUT)
			   ? 0
			   : EALREADY;
	case ACD_LOGOUT:
		return out || (on_call && ai->pending == ACD_LOGGED_OUT)
			   ? EALREADY
			   : 0;
	case ACD_PAUSE:
		if (out)
			return ENOTCONN;
		return ai->state == ACD_PAUSED ||
			       (on_call && ai->pending == ACD_PAUSED)
			   ? EALREADY
			   : 0;
	case ACD_UNPAUSE:
		if (out)
			return ENOTCONN;
		return ai->state == ACD_PAUSED ||
			       (on_call && ai->pending == ACD_PAUSED)
			   ? 0
			   : EALREADY;
	case ACD_END_WRAPUP:
		return ai->state == ACD_WRAPUP ? 0 : EALREADY;
	default:
		return EINVAL;
	}
}

int acd_agent_act(struct acd *acd, int64_t employee_id, enum acd_action act,
		  const char *reason, uint64_t now)
{
	struct acd_agent_info ai;
	struct store_agent a;
	int err;

	if (!acd || employee_id <= 0)
		return EINVAL;
	err = store_agent_get(acd->st, employee_id, &a);
	if (err)
		return err;
	err = acd_engine_agent(acd->e, employee_id, &ai);
	if (err == ENOENT) {
		memset(&ai, 0, sizeof(ai));
		ai.state = ACD_LOGGED_OUT;
		err = 0;
	}
	/* the wrap-up of a call on another node (rows.c) */
	if (!err && act == ACD_END_WRAPUP && ai.state != ACD_WRAPUP &&
	    !acd_rows_wrapup_end(employee_id))
		return 0;
	if (!err)
		err = act_check(&ai, act);
	if (err)
		return err;

	if (act != ACD_END_WRAPUP) {
		a.state = act == ACD_LOGOUT  ? STORE_AGENT_LOGGED_OUT
			  : act == ACD_PAUSE ? STORE_AGENT_PAUSED
					     : STORE_AGENT_AVAILABLE;
		str_copy(a.reason,
			 act == ACD_PAUSE
			     ? (str_isset(reason) ? reason : "pause")
			     : "",
			 sizeof(a.reason));
		a.changed_at = now;
		err = store_agent_set_state(acd->st, &a);
		if (err)
			return err;
	}

	switch (act) {
	case ACD_LOGIN:
		return acd_engine_agent_login(acd->e, employee_id, now);
	case ACD_LOGOUT:
		return acd_engine_agent_logout(acd->e, employee_id, now);
	case ACD_PAUSE:
		return acd_engine_agent_pause(acd->e, employee_id, a.reason,
					      now);
	case ACD_UNPAUSE:
		return acd_engine_agent_unpause(acd->e, employee_id, now);
	default:
		return acd_engine_wrapup_end(acd->e, employee_id, now);
	}
}

int acd_agent_view(const struct acd *acd, int64_t employee_id,
		   struct acd_agent_view *v)
{
	struct acd_agent_info ai;
	int err;

	if (!acd || !v)
		return EINVAL;
	err = acd_engine_agent(acd->e, employee_id, &ai);
	if (err)
		return err;
	memset(v, 0, sizeof(*v));
	v->state = acd_astate_name(ai.state);
	/* ringing, on a call or in wrap-up on another node (rows.c) */
	if (ai.state == ACD_AVAILABLE &&
	    !acd_rows_remote(employee_id, &v->state))
		ai.busy = acd_queue_direct_busy(employee_id);
	v->reason = ai.reason;
	v->since = ai.since;
	v->busy = ai.busy;
	v->calls = ai.calls;
	v->misses = ai.misses;
	v->wrapup_until = ai.wrapup_until;
	v->queue = ai.queue;
	return 0;
}

/* An agent stays while its employee is in the store (or the store
 * cannot say). */
static bool employee_kept(int64_t id, void *arg)
{
	struct store_employee *e;
	struct acd *acd = arg;
	int err;

	e = mem_zalloc(sizeof(*e), NULL);
	if (!e)
		return true;
	err = store_employee_get(acd->st, id, e);
	mem_deref(e);
	return err != ENOENT;
}

void acd_tenant_forget(struct acd *acd, int64_t tenant_id, uint64_t now,
		       const char *node, unsigned *queuesp, unsigned *agentsp)
{
	unsigned nq = 0, na = 0, nc = 0;

	if (acd && tenant_id > 0) {
		nc = acd_cb_tenant_gone(tenant_id);
		nq = acd_engine_tenant_remove(acd->e, tenant_id);
		na = acd_engine_agents_prune(acd->e, employee_kept, acd, now);
		acd_queue_prune();
		acd_queue_kick();
		info("acd: tenant %lld deleted%s%s: %u queues, %u agents, %u "
		     "callback requests forgotten\n",
		     (long long)tenant_id, node ? " through " : "",
		     node ? node : "", nq, na, nc);
	}
	if (queuesp)
		*queuesp = nq;
	if (agentsp)
		*agentsp = na;
}

void acd_tenant_gone(struct acd *acd, int64_t tenant_id, uint64_t now,
		     unsigned *queuesp, unsigned *agentsp)
{
	acd_tenant_forget(acd, tenant_id, now, NULL, queuesp, agentsp);
	if (acd && tenant_id > 0)
		acd_changes_tenant_gone(acd, tenant_id);
}

struct acd_engine *acd_engine(struct acd *acd)
{
	return acd ? acd->e : NULL;
}

struct store *acd_store(const struct acd *acd)
{
	return acd ? acd->st : NULL;
}

struct acd_stats *acd_stats(struct acd *acd)
{
	return acd ? acd->stats : NULL;
}
