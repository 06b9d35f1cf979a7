/*
 * acd_int.h - the queue engine of the ACD (Warteschlange, issue 15): pure
 * and clock-injected.  No SIP, no sockets, no store: every call takes the
 * time `now` [ms] and plain structs, so unit tests, the day simulation
 * (bench/queuesim*) and the queue call application drive the same code.
 *
 *   config   acd_engine_queue_set() / _queue_remove() / _members() /
 *            _agent_skills(): queues, memberships with a tier, skills
 *   agents   _agent_login() / _logout() / _pause() / _unpause() /
 *            _wrapup_end() / _agent_busy() (a direct call, not the queue's)
 *   callers  _join() (an outcome: joined, full, no agents), _leave()
 *            (abandoned), and the answer of an offer: _answer() / _miss()
 *   time     _tick(now): ring timeouts (a miss), wrap-up ends, max wait
 *   decide   _dispatch(now, h): which waiting caller is offered to which
 *            available agent(s); h gets each new offer
 *
 * Agent states:
 *
 *   LOGGED_OUT -login-> AVAILABLE -offer-> RINGING -answer-> ON_CALL
 *                          ^  ^               | miss / caller left    |
 *                          |  +---------------+ (PAUSED "no answer"    |
 *                          |                   after max_misses)       |
 *                          +--- time or _wrapup_end() --- WRAPUP <-----+
 *   PAUSED (a reason) <-pause/unpause-> AVAILABLE; logout from any state
 *
 * A pause or logout while ON_CALL takes effect when the call ends
 * (instead of the wrap-up).  Only an AVAILABLE agent who is not on a
 * direct call (_agent_busy) is ever offered a call.
 *
 * Order of waiting callers: priority first (ACD_PRIO_VIP before
 * ACD_PRIO_CALLBACK before ACD_PRIO_NORMAL), then arrival (the call's
 * arrival at our server, kept when a callback returns), then join order.
 *
 * Events (struct acd_event, the handler given to acd_engine_alloc()) are
 * what statistics, the event stream and the wait-time estimator
 * (estimate.c) read: joined, offered, missed, answered (with the wait),
 * abandoned (with the wait), handled (with the handle time), timeout,
 * agent state changes.  acd_engine_caller() and acd_engine_queue_info()
 * give the estimator's live inputs: position, callers ahead, agents
 * serving the queue now.
 */
#ifndef SWITCHBOARD_ACD_INT_H
#define SWITCHBOARD_ACD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	ACD_SKILL_LEN = 32,    /* skill name, with the NUL          */
	ACD_REASON_LEN = 32,   /* pause reason, with the NUL        */
	ACD_QSKILLS = 8,       /* skill requirements of a queue     */
	ACD_WIDEN = 8,         /* tier widening steps of a queue    */
	ACD_AGENT_SKILLS = 16, /* skills of an agent               */
	ACD_TIERS = 10,        /* tiers 0..9, 0 is offered first    */
	ACD_OFFER_MAX = 64,    /* agents rung at once (ring-all)    */
	ACD_TRIED = 16,        /* agents a caller remembers missing */
	ACD_LEVEL_MAX = 10,    /* skill levels 1..10                */
};

enum acd_strategy {
	ACD_RING_ALL = 0, /* every eligible agent at once          */
	ACD_ROUND_ROBIN,  /* the member after the last one offered */
	ACD_LONGEST_IDLE, /* the agent whose last call ended first */
	ACD_FEWEST_CALLS, /* fewest queue calls since login        */
	ACD_SKILLS,       /* highest skill score, then longest idle */
};

enum acd_astate {
	ACD_LOGGED_OUT = 0,
	ACD_AVAILABLE,
	ACD_RINGING,
	ACD_ON_CALL,
	ACD_WRAPUP,
	ACD_PAUSED,
};

enum acd_prio {
	ACD_PRIO_NORMAL = 0,
	ACD_PRIO_CALLBACK = 1, /* back from a callback: keeps its place */
	ACD_PRIO_VIP = 2,      /* a VIP caller ID                      */
};

/* What acd_engine_join() says; the caller side acts on it (the queue's
 * full / no-agents target). */
enum acd_outcome {
	ACD_JOINED = 0,
	ACD_FULL,      /* max_len callers wait already      */
	ACD_NO_AGENTS, /* no member of the queue logged in  */
};

/* A skill a caller of the queue needs: an agent qualifies with the skill
 * at min_level or more.  relax_s > 0: no longer needed once the caller
 * waited that long (German agents first, after relax_s the others). */
struct acd_skill_req {
	char skill[ACD_SKILL_LEN];
	unsigned min_level;
	uint32_t relax_s;
};

/* After the caller waited after_s, members up to tier max_tier qualify.
 * A queue without steps offers to every tier (the lowest available
 * first); with steps, only tier 0 before the first. */
struct acd_widen {
	uint32_t after_s;
	unsigned max_tier;
};

struct acd_qconf {
	int64_t id;
	int64_t tenant_id;
	enum acd_strategy strategy;
	uint32_t ring_timeout_s; /* an offer unanswered this long: a miss */
	uint32_t wrapup_s;       /* after-call work, 0 = none            */
	uint32_t max_misses;     /* misses in a row -> paused, 0 = never */
	uint32_t max_wait_s;     /* 0 = no limit                          */
	uint32_t max_len;        /* waiting callers, 0 = no limit         */
	size_t reqc;
	struct acd_skill_req reqv[ACD_QSKILLS];
	size_t widenc;
	struct acd_widen widenv[ACD_WIDEN]; /* by after_s, ascending */
};

struct acd_member {
	int64_t agent; /* employee id */
	unsigned tier; /* 0..ACD_TIERS-1 */
};

struct acd_skill {
	char name[ACD_SKILL_LEN];
	unsigned level; /* 1..ACD_LEVEL_MAX */
};

/* A caller joining a queue: id is the caller side's (a call id). */
struct acd_caller_in {
	int64_t id;
	enum acd_prio prio;
	uint64_t arrived; /* [ms] the call reached our server */
};

/* A new offer: caller to agentv[0..agentc), ringing until expires. */
struct acd_offer {
	int64_t caller;
	int64_t queue;
	size_t agentc;
	int64_t agentv[ACD_OFFER_MAX];
	uint64_t expires; /* [ms] */
};

enum acd_evtype {
	ACD_EV_JOINED = 0, /* caller, queue, position                    */
	ACD_EV_OFFERED,    /* caller, queue, agent (one event per agent) */
	ACD_EV_MISSED,     /* caller, queue, agent: ring timeout         */
	ACD_EV_ANSWERED,   /* caller, queue, agent, wait [ms] since arrival */
	ACD_EV_ABANDONED,  /* caller, queue, wait [ms]: the caller left  */
	ACD_EV_TIMEOUT,    /* caller, queue, wait [ms]: max wait reached;
			      the caller side sends it to the timeout target */
	ACD_EV_HANDLED,    /* caller, queue, agent, handle [ms]: call ended */
	ACD_EV_AGENT,      /* agent, state, reason: a state change      */
};

struct acd_event {
	enum acd_evtype type;
	uint64_t now;
	int64_t queue;         /* 0 if none */
	int64_t caller;        /* 0 if none */
	int64_t agent;         /* 0 if none */
	uint64_t ms;           /* the wait or handle time of the event type */
	unsigned position;     /* JOINED: 1 = first                  */
	enum acd_astate state; /* AGENT: the new state               */
	const char *reason;    /* AGENT PAUSED: why ("no answer")    */
};

typedef void(acd_event_h)(const struct acd_event *ev, void *arg);
typedef void(acd_offer_h)(const struct acd_offer *o, void *arg);

struct acd_engine;

/* ev may be NULL.  *ep is mem_deref()-able. */
int acd_engine_alloc(struct acd_engine **ep, acd_event_h *ev, void *arg);

/* ---- configuration ---------------------------------------------------- */

/* Add or replace queue qc->id; its members and waiting callers stay. */
int acd_engine_queue_set(struct acd_engine *e, const struct acd_qconf *qc);
/* ENOENT if there is no such queue; its waiting callers are dropped
 * (ringing agents go back to available). */
int acd_engine_queue_remove(struct acd_engine *e, int64_t queue);
/* Replace the members of queue (agents are created as needed, logged out). */
int acd_engine_members(struct acd_engine *e, int64_t queue,
		       const struct acd_member *v, size_t n);
/* Replace the skills of agent (created as needed, logged out). */
int acd_engine_agent_skills(struct acd_engine *e, int64_t agent,
			    const struct acd_skill *v, size_t n);

/* ---- agents ----------------------------------------------------------- */

/* EALREADY if the agent is logged in already. */
int acd_engine_agent_login(struct acd_engine *e, int64_t agent, uint64_t now);
/* EALREADY if logged out already (or to be, after the call). */
int acd_engine_agent_logout(struct acd_engine *e, int64_t agent, uint64_t now);
/* ENOTCONN if logged out; EALREADY if paused already, or to be after
 * the call (the reason is changed).  reason NULL or "": "pause". */
int acd_engine_agent_pause(struct acd_engine *e, int64_t agent,
			   const char *reason, uint64_t now);
/* ENOTCONN if logged out, EALREADY if not paused. */
int acd_engine_agent_unpause(struct acd_engine *e, int64_t agent, uint64_t now);
/* End the wrap-up early: EALREADY if not in wrap-up. */
int acd_engine_wrapup_end(struct acd_engine *e, int64_t agent, uint64_t now);
/* The agent is (busy true) or is no longer on a call that is not the
 * queue's: never offered while busy. */
int acd_engine_agent_busy(struct acd_engine *e, int64_t agent, bool busy);

struct acd_agent_info {
	enum acd_astate state;
	const char *reason;      /* PAUSED: why; "" otherwise (the engine's) */
	uint64_t since;          /* [ms] in this state since               */
	bool busy;               /* on a direct call                       */
	enum acd_astate pending; /* after the call: LOGGED_OUT or PAUSED,
				    else ACD_ON_CALL (nothing pending) */
	uint32_t calls;          /* queue calls answered since login       */
	uint32_t misses;         /* offers missed in a row                 */
	uint64_t wrapup_until;   /* [ms] WRAPUP: its end               */
	int64_t caller;          /* RINGING, ON_CALL: the caller          */
	int64_t queue;           /* RINGING, ON_CALL, WRAPUP: its queue    */
};

/* ENOENT for an agent the engine does not know. */
int acd_engine_agent(const struct acd_engine *e, int64_t agent,
		     struct acd_agent_info *ai);

/* ---- callers ---------------------------------------------------------- */

/* Caller c waits in queue from now: *outp says whether it joined.
 * ENOENT: no such queue; EEXIST: c->id waits already. */
int acd_engine_join(struct acd_engine *e, int64_t queue,
		    const struct acd_caller_in *c, uint64_t now,
		    enum acd_outcome *outp);
/* The caller left before an answer (hung up, took the voicemail or
 * callback offer): ABANDONED; a ringing offer is withdrawn (no miss).
 * ENOENT if it is not waiting. */
int acd_engine_leave(struct acd_engine *e, int64_t caller, uint64_t now);
/* The offered caller was answered by agent: ANSWERED; the other agents
 * of the offer stop ringing.  ENOENT if caller is not offered to agent. */
int acd_engine_answer(struct acd_engine *e, int64_t caller, int64_t agent,
		      uint64_t now);
/* Agent declined or could not be reached before the ring timeout: a miss
 * (MISSED), as a ring timeout is.  ENOENT if not offered to agent. */
int acd_engine_miss(struct acd_engine *e, int64_t caller, int64_t agent,
		    uint64_t now);
/* The queue call of agent ended: HANDLED, then wrap-up (or what was
 * pending).  ENOENT if the agent is not on a queue call. */
int acd_engine_call_end(struct acd_engine *e, int64_t agent, uint64_t now);

struct acd_caller_info {
	int64_t queue;
	unsigned position; /* 1 = next                                   */
	bool offered;      /* agents are ringing for it                   */
	uint64_t arrived;  /* [ms]                                       */
	uint64_t joined;   /* [ms]                                       */
	enum acd_prio prio;
};

/* ENOENT if caller is not waiting. */
int acd_engine_caller(const struct acd_engine *e, int64_t caller,
		      struct acd_caller_info *ci);

struct acd_queue_info {
	unsigned waiting;   /* callers waiting (offered ones too)       */
	unsigned logged_in; /* members not logged out (paused too)      */
	unsigned serving;   /* members logged in and not paused         */
	unsigned available; /* members who could be offered a call now  */
	uint64_t oldest;    /* [ms] arrival of the first caller, 0 none  */
};

int acd_engine_queue_info(const struct acd_engine *e, int64_t queue,
			  struct acd_queue_info *qi);

/* ---- time and decisions ---------------------------------------------- */

/* Ring timeouts (misses), wrap-up ends, max waits (TIMEOUT, the caller
 * removed) and widening steps (tiers, relaxed skills) up to now.  Returns
 * the earliest time [ms] something is due later (0: nothing): call it
 * again then, and dispatch. */
uint64_t acd_engine_tick(struct acd_engine *e, uint64_t now);
/* Offer waiting callers (in order) to available agents by their queues'
 * strategies; h gets each new offer.  Returns the number of offers.
 * Decides only when something changed since the last dispatch (a state,
 * a caller, the config, or a widening step a tick reached): call it after
 * each change and each acd_engine_tick(); otherwise it returns 0 at once. */
unsigned acd_engine_dispatch(struct acd_engine *e, uint64_t now, acd_offer_h *h,
			     void *arg);

/* Names for logs, events and the API. */
const char *acd_strategy_name(enum acd_strategy s);
const char *acd_astate_name(enum acd_astate s);

#endif
