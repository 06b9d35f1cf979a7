/*
 * engine_int.h - private to the engine files (engine.c, pick.c): the
 * queue engine's own records behind acd_int.h.
 */
#ifndef SWITCHBOARD_ACD_ENGINE_INT_H
#define SWITCHBOARD_ACD_ENGINE_INT_H

#include <re.h>
#include "acd/acd_int.h"

struct acd_caller;

struct acd_agent {
	struct le he; /* in engine->agents (hash by id) */
	struct le le; /* in engine->agentl (all, by creation) */
	int64_t id;
	enum acd_astate state;
	enum acd_astate pending; /* LOGGED_OUT or PAUSED after the call,
				    ACD_ON_CALL: nothing pending        */
	char reason[ACD_REASON_LEN];
	uint64_t since;
	uint64_t last_end; /* [ms] last queue call ended (or login) */
	uint64_t wrapup_until;
	uint64_t answered; /* [ms] ON_CALL: answered at        */
	bool busy;         /* on a direct call                 */
	uint32_t calls, misses;
	size_t skillc;
	struct acd_skill skillv[ACD_AGENT_SKILLS];
	struct acd_queue **qv; /* the queues it is a member of (owned) */
	size_t qc;
	struct acd_caller *ring; /* RINGING: for whom */
	int64_t caller;          /* RINGING, ON_CALL: caller id */
	int64_t queue;           /* RINGING, ON_CALL, WRAPUP    */
};

struct acd_qmember {
	struct acd_agent *a;
	unsigned tier;
};

struct acd_queue {
	struct le le; /* in engine->queues */
	struct acd_qconf c;
	size_t memberc;
	struct acd_qmember *memberv; /* (owned) */
	size_t rr;                   /* round robin: next member index */
	unsigned waiting;
	unsigned freec; /* members free now (acd_agent_free) */
};

struct acd_caller {
	struct le le; /* in engine->callers, in offer order */
	int64_t id;
	struct acd_queue *q;
	enum acd_prio prio;
	uint64_t arrived, joined, seq;
	bool offered;
	uint64_t expires;
	size_t ringc;
	struct acd_agent *ringv[ACD_OFFER_MAX];
	size_t triedc;
	int64_t triedv[ACD_TRIED];
};

struct acd_engine {
	struct hash *agents; /* by id */
	struct list agentl;
	struct list queues;
	struct list callers; /* every waiting caller, in offer order */
	uint64_t seq;
	uint64_t last_tick; /* [ms] now of the last acd_engine_tick() */
	bool dirty;      /* something changed since the last dispatch: a state,
		       a caller, the config, a widening step reached */
	unsigned availc; /* agents AVAILABLE and not busy */
	acd_event_h *evh;
	void *arg;
};

/* engine.c */
void acd_emit(struct acd_engine *e, struct acd_event *ev);

/* agent.c */
struct acd_agent *acd_agent_find(const struct acd_engine *e, int64_t id);
/* The agent id, created logged out if new; NULL: no memory or id <= 0. */
struct acd_agent *acd_agent_get(struct acd_engine *e, int64_t id);
/* Agent a goes to state st (reason: PAUSED's) at now: counts, event. */
void acd_set_state(struct acd_engine *e, struct acd_agent *a,
		   enum acd_astate st, const char *reason, uint64_t now);
/* Agent a stops ringing for its caller (withdrawn, not a miss). */
void acd_ring_drop(struct acd_agent *a);
/* The offer of c ends: its ringing agents are available again. */
void acd_offer_withdraw(struct acd_engine *e, struct acd_caller *c,
			uint64_t now);
/* Agent a is (add) or is no longer a member of q: its queue list. */
int acd_agent_queue(struct acd_agent *a, struct acd_queue *q, bool add);

/* pick.c: the agents that caller c of its queue may be offered now (at
 * most ACD_OFFER_MAX into v) by the queue's strategy; the number. */
size_t acd_pick(struct acd_caller *c, uint64_t now, struct acd_agent **v);
/* May agent a take a call now (available, not on a direct call)? */
bool acd_agent_free(const struct acd_agent *a);

#endif
