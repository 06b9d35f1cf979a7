/*
 * agent.c - the agents of the queue engine (acd_int.h): their states and
 * the changes an agent asks for (login, logout, pause, unpause, end of
 * wrap-up), a direct call (busy), skills; whether an agent is free, and
 * the queues' counts of free members kept as it changes.
 */
#include <errno.h>
#include <string.h>
#include "acd/acd_int.h"

static const char *const strategy_names[] = {
    [ACD_RING_ALL] = "ring_all",
    [ACD_ROUND_ROBIN] = "round_robin",
    [ACD_LONGEST_IDLE] = "longest_idle",
    [ACD_FEWEST_CALLS] = "fewest_calls",
    [ACD_SKILLS] = "skills",
};

static const char *const astate_names[] = {
    [ACD_LOGGED_OUT] = "logged_out", [ACD_AVAILABLE] = "available",
    [ACD_RINGING] = "ringing",       [ACD_ON_CALL] = "on_call",
    [ACD_WRAPUP] = "wrapup",         [ACD_PAUSED] = "paused",
};

const char *acd_strategy_name(enum acd_strategy s)
{
	return (size_t)s < ARRAY_SIZE(strategy_names) ? strategy_names[s] : "?";
}

const char *acd_astate_name(enum acd_astate s)
{
	return (size_t)s < ARRAY_SIZE(astate_names) ? astate_names[s] : "?";
}

static void agent_destructor(void *arg)
{
	struct acd_agent *a = arg;

	hash_unlink(&a->he);
	list_unlink(&a->le);
	mem_deref(a->qv);
}

static bool agent_cmp(struct le *le, void *arg)
{
	const struct acd_agent *a = le->data;

	return a->id == *(const int64_t *)arg;
}

struct acd_agent *acd_agent_find(const struct acd_engine *e, int64_t id)
{
	struct le *le = hash_lookup(e->agents, (uint32_t)id, agent_cmp, &id);

	return le ? le->data : NULL;
}

struct acd_agent *acd_agent_get(struct acd_engine *e, int64_t id)
{
	struct acd_agent *a = acd_agent_find(e, id);

	if (a || id <= 0)
		return a;
	a = mem_zalloc(sizeof(*a), agent_destructor);
	if (!a)
		return NULL;
	a->id = id;
	a->state = ACD_LOGGED_OUT;
	a->pending = ACD_ON_CALL;
	hash_append(e->agents, (uint32_t)id, &a->he, a);
	list_append(&e->agentl, &a->le, a);
	return a;
}

/* a's availability was `was` before a change: the counts follow. */
static void avail_update(struct acd_engine *e, const struct acd_agent *a,
			 bool was)
{
	bool now = acd_agent_free(a);
	size_t i;

	if (now == was)
		return;
	if (now)
		e->availc++;
	else
		e->availc--;
	for (i = 0; i < a->qc; i++) {
		if (now)
			a->qv[i]->freec++;
		else
			a->qv[i]->freec--;
	}
	e->dirty = true;
}

int acd_agent_queue(struct acd_agent *a, struct acd_queue *q, bool add)
{
	struct acd_queue **v;
	size_t i;

	for (i = 0; i < a->qc && a->qv[i] != q; i++)
		;
	if (!add) {
		if (i < a->qc)
			a->qv[i] = a->qv[--a->qc];
		return 0;
	}
	if (i < a->qc)
		return 0;
	v = mem_reallocarray(a->qv, a->qc + 1, sizeof(*v), NULL);
	if (!v)
		return ENOMEM;
	a->qv = v;
	a->qv[a->qc++] = q;
	return 0;
}

void acd_set_state(struct acd_engine *e, struct acd_agent *a,
		   enum acd_astate st, const char *reason, uint64_t now)
{
	struct acd_event ev = {.type = ACD_EV_AGENT, .now = now};
	bool was = acd_agent_free(a);
	char resume[ACD_REASON_LEN];

	if (st == ACD_AVAILABLE && a->resume[0]) { /* took one while paused */
		str_ncpy(resume, a->resume, sizeof(resume));
		st = ACD_PAUSED;
		reason = resume;
	}
	if (st == ACD_AVAILABLE || st == ACD_PAUSED || st == ACD_LOGGED_OUT)
		a->resume[0] = '\0';
	a->state = st;
	a->since = now;
	if (st == ACD_PAUSED)
		str_ncpy(a->reason, str_isset(reason) ? reason : "pause",
			 sizeof(a->reason));
	else
		a->reason[0] = '\0';
	if (st == ACD_LOGGED_OUT || st == ACD_AVAILABLE || st == ACD_PAUSED) {
		a->ring = NULL;
		a->caller = 0;
		a->queue = 0;
	}
	if (st != ACD_WRAPUP)
		a->wrapup_until = 0;
	avail_update(e, a, was);
	e->dirty = true;
	ev.agent = a->id;
	ev.queue = a->queue;
	ev.state = st;
	ev.reason = a->reason;
	acd_emit(e, &ev);
}

/* Agent a stops ringing for its caller (withdrawn, not a miss). */
void acd_ring_drop(struct acd_agent *a)
{
	struct acd_caller *c = a->ring;
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->ringc; i++) {
		if (c->ringv[i] != a)
			continue;
		c->ringv[i] = c->ringv[--c->ringc];
		break;
	}
	if (!c->ringc)
		c->offered = false;
	a->ring = NULL;
}

/* The offer of c ends: its ringing agents are available again. */
void acd_offer_withdraw(struct acd_engine *e, struct acd_caller *c,
			uint64_t now)
{
	while (c->ringc) {
		struct acd_agent *a = c->ringv[0];

		acd_ring_drop(a);
		acd_set_state(e, a, ACD_AVAILABLE, NULL, now);
	}
	c->offered = false;
}

int acd_engine_agent_login(struct acd_engine *e, int64_t agent, uint64_t now)
{
	struct acd_agent *a = e ? acd_agent_get(e, agent) : NULL;

	if (!a)
		return e && agent > 0 ? ENOMEM : EINVAL;
	/* logged out during a call, and back before it ended: stays */
	if (a->state == ACD_ON_CALL && a->pending == ACD_LOGGED_OUT) {
		a->pending = ACD_ON_CALL;
		return 0;
	}
	if (a->state != ACD_LOGGED_OUT)
		return EALREADY;
	a->calls = 0;
	a->misses = 0;
	a->last_end = now;
	a->pending = ACD_ON_CALL;
	acd_set_state(e, a, ACD_AVAILABLE, NULL, now);
	return 0;
}

/* Logout or pause: at once, or after the call when on one. */
static int leave_service(struct acd_engine *e, struct acd_agent *a,
			 enum acd_astate st, const char *reason, uint64_t now)
{
	if (a->state == ACD_ON_CALL) {
		int again = a->pending == st ? EALREADY : 0;

		a->pending = st;
		if (st == ACD_PAUSED)
			str_ncpy(a->reason,
				 str_isset(reason) ? reason : "pause",
				 sizeof(a->reason));
		return again;
	}
	acd_ring_drop(a);
	acd_set_state(e, a, st, reason, now);
	return 0;
}

unsigned acd_engine_agents_prune(struct acd_engine *e, acd_keep_h *keeph,
				 void *arg, uint64_t now)
{
	struct le *le;
	unsigned n = 0;

	if (!e || !keeph)
		return 0;
	le = e->agentl.head;
	while (le) {
		struct acd_agent *a = le->data;

		le = le->next;
		if (a->qc || keeph(a->id, arg))
			continue;
		if (a->state != ACD_LOGGED_OUT) {
			acd_ring_drop(a);
			a->pending = ACD_ON_CALL;
			acd_set_state(e, a, ACD_LOGGED_OUT, NULL, now);
		}
		mem_deref(a);
		n++;
	}
	return n;
}

int acd_engine_agent_logout(struct acd_engine *e, int64_t agent, uint64_t now)
{
	struct acd_agent *a = e ? acd_agent_find(e, agent) : NULL;

	if (!e)
		return EINVAL;
	if (!a || a->state == ACD_LOGGED_OUT)
		return EALREADY;
	return leave_service(e, a, ACD_LOGGED_OUT, NULL, now);
}

int acd_engine_agent_pause(struct acd_engine *e, int64_t agent,
			   const char *reason, uint64_t now)
{
	struct acd_agent *a = e ? acd_agent_find(e, agent) : NULL;

	if (!e)
		return EINVAL;
	if (!a || a->state == ACD_LOGGED_OUT)
		return ENOTCONN;
	if (a->state == ACD_PAUSED) {
		str_ncpy(a->reason, str_isset(reason) ? reason : "pause",
			 sizeof(a->reason));
		return EALREADY;
	}
	return leave_service(e, a, ACD_PAUSED, reason, now);
}

int acd_engine_agent_unpause(struct acd_engine *e, int64_t agent, uint64_t now)
{
	struct acd_agent *a = e ? acd_agent_find(e, agent) : NULL;

	if (!e)
		return EINVAL;
	if (!a || a->state == ACD_LOGGED_OUT)
		return ENOTCONN;
	if (a->state == ACD_ON_CALL && a->pending == ACD_PAUSED) {
		a->pending = ACD_ON_CALL;
		a->reason[0] = '\0';
		return 0;
	}
	if (a->state != ACD_PAUSED && a->resume[0]) { /* took one paused */
		a->resume[0] = '\0';
		return 0;
	}
	if (a->state != ACD_PAUSED)
		return EALREADY;
	a->misses = 0;
	acd_set_state(e, a, ACD_AVAILABLE, NULL, now);
	return 0;
}

int acd_engine_wrapup_end(struct acd_engine *e, int64_t agent, uint64_t now)
{
	struct acd_agent *a = e ? acd_agent_find(e, agent) : NULL;

	if (!e)
		return EINVAL;
	if (!a || a->state != ACD_WRAPUP)
		return EALREADY;
	acd_set_state(e, a, ACD_AVAILABLE, NULL, now);
	return 0;
}

int acd_engine_agent_busy(struct acd_engine *e, int64_t agent, bool busy)
{
	struct acd_agent *a = e ? acd_agent_get(e, agent) : NULL;
	bool was;

	if (!a)
		return e && agent > 0 ? ENOMEM : EINVAL;
	was = acd_agent_free(a);
	a->busy = busy;
	avail_update(e, a, was);
	e->dirty = true;
	return 0;
}

int acd_engine_agent(const struct acd_engine *e, int64_t agent,
		     struct acd_agent_info *ai)
{
	const struct acd_agent *a = e ? acd_agent_find(e, agent) : NULL;

	if (!e || !ai)
		return EINVAL;
	if (!a)
		return ENOENT;
	memset(ai, 0, sizeof(*ai));
	ai->state = a->state;
	ai->reason = a->state == ACD_PAUSED ? a->reason : "";
	ai->since = a->since;
	ai->busy = a->busy;
	ai->pending = a->pending;
	ai->calls = a->calls;
	ai->misses = a->misses;
	ai->wrapup_until = a->wrapup_until;
	ai->caller = a->caller;
	ai->queue = a->queue;
	return 0;
}

int acd_engine_agent_skills(struct acd_engine *e, int64_t agent,
			    const struct acd_skill *v, size_t n)
{
	struct acd_agent *a;

	if (!e || n > ACD_AGENT_SKILLS || (n && !v))
		return EINVAL;
	a = acd_agent_get(e, agent);
	if (!a)
		return agent > 0 ? ENOMEM : EINVAL;
	if (n)
		memcpy(a->skillv, v, n * sizeof(*v));
	a->skillc = n;
	e->dirty = true;
	return 0;
}
