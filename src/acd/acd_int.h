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
#include <re.h>
#include "core/core.h" /* struct phone_ctx */

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
/* Remove every queue of tenant_id (as acd_engine_queue_remove); the
 * number removed. */
unsigned acd_engine_tenant_remove(struct acd_engine *e, int64_t tenant_id);
/* Forget each agent that is a member of no queue and that keeph says is
 * gone (false): logged out first (an event) if it was not, its offer
 * withdrawn; the number forgotten. */
typedef bool(acd_keep_h)(int64_t agent, void *arg);
unsigned acd_engine_agents_prune(struct acd_engine *e, acd_keep_h *keeph,
				 void *arg, uint64_t now);
/* Replace the members of queue (agents are created as needed, logged out). */
int acd_engine_members(struct acd_engine *e, int64_t queue,
		       const struct acd_member *v, size_t n);
/* Replace the skills of agent (created as needed, logged out). */
int acd_engine_agent_skills(struct acd_engine *e, int64_t agent,
			    const struct acd_skill *v, size_t n);

/* ---- agents ----------------------------------------------------------- */

/* EALREADY if the agent is logged in already; an agent on a call who
 * logged out (to take effect after it) stays logged in instead. */
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
/* Agent may not be rung for the offered caller after all (another node
 * holds him, rows.c): he leaves the offer without a miss (no MISSED, the
 * caller does not remember him) and is available again (or paused, if
 * he took it paused); the caller waits on when he was its last.  ENOENT
 * if not offered to agent. */
int acd_engine_offer_drop(struct acd_engine *e, int64_t caller, int64_t agent,
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
/* The callers waiting in queue (offered ones too), in offer order: their
 * ids into callerv[0..max), their number into *np (all of them, also
 * beyond max).  ENOENT if there is no such queue. */
int acd_engine_waiting(const struct acd_engine *e, int64_t queue,
		       int64_t *callerv, size_t max, size_t *np);

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

/* Offer caller to agent alone now, out of its turn (an agent takes a
 * callback from the list): h gets the offer, as from a dispatch.  ENOENT:
 * the caller is not waiting or the agent unknown; EBUSY: agents ring for
 * the caller already; EPERM: the agent is not a member of its queue;
 * EAGAIN: the agent is not free (logged out, ringing, on a call, in
 * wrap-up, or on a direct call).  A paused agent may take it: he is paused
 * again (same reason) where he would become available after it (a miss,
 * the end of the call or its wrap-up), unless he unpauses meanwhile. */
int acd_engine_offer_to(struct acd_engine *e, int64_t caller, int64_t agent,
			uint64_t now, acd_offer_h *h, void *arg);

/* Names for logs, events and the API. */
const char *acd_strategy_name(enum acd_strategy s);
const char *acd_astate_name(enum acd_astate s);

/* ==== the engine's own records (engine.c, agent.c, pick.c) ==== */

/* Read and written by the engine files only (engine.c, agent.c, pick.c);
 * the rest of src/acd uses the functions above. */

struct acd_caller;

struct acd_agent {
	struct le he; /* in engine->agents (hash by id) */
	struct le le; /* in engine->agentl (all, by creation) */
	int64_t id;
	enum acd_astate state;
	enum acd_astate pending; /* LOGGED_OUT or PAUSED after the call,
				    ACD_ON_CALL: nothing pending        */
	char reason[ACD_REASON_LEN];
	char resume[ACD_REASON_LEN]; /* took a call while paused: paused
					again with this reason instead of
					available ("": not so) */
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

/* ==== the estimated waiting time (estimate.c) ==== */

/*
 * The honest estimated waiting time
 * of one queue (estimate.c) and what a waiting caller is told
 * (acd_est_say).
 *
 * The queue engine feeds each queue's estimator with what happens (a
 * caller answered or abandoned after waiting w, a call handled in h) and
 * asks it, for one waiting caller, "how long until an agent takes me?"
 * from the live state: callers ahead, agents serving the queue now, the
 * recent handle times and the recent abandonment rate.  Pure logic, no
 * timers, no sockets: the clock is passed in [ms].
 */

/* acd_est_wait() when no agent serves the queue: no estimate */
#define ACD_EST_UNKNOWN UINT64_MAX

struct acd_est;

/* Tuning of one estimator; acd_est_alloc(.., NULL) takes the defaults
 * ACD_EST_CFG_DEFAULT. */
struct acd_est_cfg {
	uint32_t handle_prior_ms;   /* [ms] handle time assumed until the
				       first calls are handled           */
	uint32_t patience_prior_ms; /* [ms] mean patience assumed until
				       callers have waited               */
	uint32_t handle_window;     /* handle times remembered (the weight
				       of a new one is 1/handle_window)   */
	uint32_t leave_window;      /* callers leaving the queue
				       remembered (answered or abandoned)  */
};

#define ACD_EST_CFG_DEFAULT                                                    \
	{                                                                      \
		180000, 600000, 100, 400                                       \
	}

/*
 * A new estimator with cfg (NULL: the defaults), a mem object.  EINVAL
 * for estp NULL or a zero field in cfg, ENOMEM.
 */
int acd_est_alloc(struct acd_est **estp, const struct acd_est_cfg *cfg);

/* A caller of the queue was answered by an agent after waiting wait_ms
 * in the queue (0: at once). */
void acd_est_answered(struct acd_est *est, uint64_t wait_ms, uint64_t now);
/* A caller hung up (or left by a key) after waiting wait_ms unanswered. */
void acd_est_abandoned(struct acd_est *est, uint64_t wait_ms, uint64_t now);
/* An agent finished a call of the queue that lasted handle_ms (talk and
 * after-call work: the time the agent was not free for the queue). */
void acd_est_handled(struct acd_est *est, uint64_t handle_ms, uint64_t now);

/*
 * Expected further wait [ms] of a caller with ahead callers before them,
 * agents agents serving the queue now (on a call of it, ringing or
 * available; not paused, not logged out) who has waited waited_ms so
 * far, if they are served: the M/M/s+M queue-length predictor (Whitt
 * 1999) with the rates seen live.  While i callers are ahead, the line
 * moves at rate agents*mu + i*theta (an agent frees up or one of them
 * hangs up); the caller is served at the (ahead+1)-th move, and being
 * served means their own patience (rate theta) outlasted the wait, which
 * turns each stage's rate r into r + theta:
 *
 *     E[W | served] = sum_{i=1..ahead+1} 1 / (agents * mu + i * theta)
 *
 * (Whitt's E[W] sums i = 0..ahead: the wait of a caller who never hangs
 * up, longer than what the callers who do get an agent wait.)  mu = 1 /
 * recent mean handle time, theta = recent abandonments per
 * caller-millisecond waited.  waited_ms does not count (memoryless).
 * ACD_EST_UNKNOWN when agents is 0 or est is NULL.
 */
uint64_t acd_est_wait(const struct acd_est *est, unsigned ahead,
		      unsigned agents, uint64_t waited_ms, uint64_t now);

/* What the estimator learnt, for statistics and tests. */
struct acd_est_rates {
	double handle_ms;   /* [ms] recent mean handle time (1/mu)        */
	double patience_ms; /* [ms] recent mean patience (1/theta),
			       0 when no caller ever abandoned            */
	uint64_t handled;   /* calls handled since alloc                  */
	uint64_t left;      /* callers answered or abandoned since alloc  */
};
void acd_est_rates(const struct acd_est *est, struct acd_est_rates *r);

/*
 * What one waiting caller was told so far (embed in the queue entry,
 * zeroed when the caller joins).
 */
struct acd_est_say {
	uint32_t last;  /* [s] the wait said last (as below), 0: none    */
	unsigned ahead; /* callers ahead when `last` was first said      */
	unsigned times; /* how often `last` was said in a row at `ahead` */
	uint64_t since; /* [ms] when `last` was first said               */
	uint32_t floor; /* [s] raised to this while at `ahead`, 0: none  */
};

/*
 * The wait to announce at now to a caller with ahead callers before them
 * whose estimate is est_ms, as seconds for media_phrase_wait(): 30
 * ("less than a minute") below 45 s, else whole minutes, rounded, as
 * 60 * n ("about n minutes"), 3600 from 59.5 minutes on ("more than an
 * hour").  0 for ACD_EST_UNKNOWN: say no time (st unchanged).
 *
 * The rule for a caller who does not move: a time said twice in a row
 * while the callers ahead stayed the same, and at least that long ago
 * the first time (one minute or less: always), has proved too short;
 * instead of a third time it is
 * raised one step (less than a minute -> one minute, n -> n + 1
 * minutes; "more than an hour" stays), and what the caller hears does
 * not drop below the raised time until they move.  With announcements a
 * minute apart: "one minute", "one minute", "two minutes", "two
 * minutes", "three minutes" - never "one minute" three times.  Once the
 * caller moves, the estimate is said as it is.  st is updated.
 */
uint32_t acd_est_say_next(struct acd_est_say *st, uint64_t est_ms,
			  unsigned ahead, uint64_t now);

/* The rounding alone (no history): est_ms as the seconds said above. */
uint32_t acd_est_say_round(uint64_t est_ms);

/* ==== the waiting caller (wait.c) ==== */

/*
 * What a caller hears while waiting in a
 * queue (wait.c), on the call-control seam only.
 *
 * The queue application answers the call, then hands the caller to a
 * waiting object until an agent takes the call (or the caller leaves):
 * the queue's greeting; at once, when nobody is free (seeds/004: "dann
 * sollte das direkt gesagt werden"), that all are busy and the choice to
 * keep waiting, leave a message or be called back keeping the place;
 * then position and expected wait, music on hold, and the announcement
 * again every announce_ms.  The waiting object asks the queue what to say
 * (acd_wait_info_h) right before each announcement, so the figures are
 * live; the queue tells it nothing else, and mem_deref() stops it.
 */

struct call;
struct acd_wait;

struct acd_wait_prm {
	const char *lang;     /* "de", "en": the default prompt set's folder */
	const char *greeting; /* file under the prompts directory, or ""/NULL */
	uint32_t announce_ms; /* [ms] between announcements, 0: on entry only */
	bool say_position;    /* "Sie sind an Position drei."              */
	bool say_wait;        /* "Die voraussichtliche Wartezeit ..."       */
	bool offer_voicemail; /* all busy: 2 leaves a message               */
	bool offer_callback;  /* all busy, or while waiting: 3, a callback  */
	struct phone_ctx ctx; /* the tenant's: how a typed number is read   */
};

/* What the queue knows of this caller now. */
struct acd_wait_info {
	unsigned position; /* 1: next; 0: do not say one                  */
	uint64_t est_ms;   /* ACD_EST_UNKNOWN: say none   */
	bool all_busy;     /* no agent is free now                         */
	bool no_agents;    /* no agent serves the queue at all             */
};
typedef void(acd_wait_info_h)(struct acd_wait_info *info, void *arg);

enum acd_wait_choice {
	ACD_WAIT_VOICEMAIL = 1, /* 2: a message instead of waiting        */
	ACD_WAIT_CALLBACK,      /* 3: called back at number, place kept   */
};
/* The caller chose to leave the line: number is the callback's (E.164,
 * confirmed by the caller) for ACD_WAIT_CALLBACK, else "".  The waiting
 * object has stopped (nothing plays); the queue acts and frees it. */
typedef void(acd_wait_choice_h)(enum acd_wait_choice choice, const char *number,
				void *arg);

/*
 * Start the waiting of an answered call.  EINVAL without call, prm, lang
 * or handlers; ENOTCONN when the call is not answered.  The call must
 * outlive the object (the queue frees it from its end handler).
 */
int acd_wait_start(struct acd_wait **wp, struct call *call,
		   const struct acd_wait_prm *prm, acd_wait_info_h *infoh,
		   acd_wait_choice_h *choiceh, void *arg);

/* Hold the announcements (an agent's phone rings for this caller: no
 * prompt may start into the bridge); music plays on.  false: they
 * resume, the next one at once. */
void acd_wait_quiet(struct acd_wait *w, bool quiet);

/* ==== events on the bus (publish.c) ==== */

/*
 * The engine's events on the event
 * bus (publish.c).
 */

struct store;
struct acd_event;

/* The call an event of a queue is about, as the call events name it. */
struct acd_pub_call {
	const char *call_id;     /* the caller's Call-ID             */
	int64_t record_id;       /* the call record                  */
	const struct call *call; /* its values and VIP mark, or NULL */
	const char *left;        /* the reason of ABANDONED when it was
				    no hang-up ("voicemail", "callback",
				    "cancelled"), or NULL        */
	int64_t callback_id;     /* a callback waiting again, or 0   */
};

/* Publish ev (agent state, a caller joined or left a queue) for the
 * tenant it belongs to; c: its call, NULL for agent events.  Nothing
 * while no one listens (event_wanted()); errors are logged. */
void acd_publish(struct store *st, const struct acd_event *ev,
		 const struct acd_pub_call *c);

/* The screen pop (pop.c): each of the agentc agents of agentv offered
 * call of queue gets the event "pop" (for him alone) with the document
 * of sec_pop_build() as of at [ms UTC].  Before his phones ring.
 * Nothing while no one listens; errors are logged. */
void acd_pop_publish(struct store *st, const struct call *call, int64_t queue,
		     const int64_t *agentv, size_t agentc, uint64_t at);

/* ==== statistics: the record of each queue visit (stats.c) ==== */

/*
 * Every caller's visit to a queue as a row of the store
 * (store_queue_visit_*, migration 15), from the engine's events: a row
 * when the caller joins, its outcome when it is answered or leaves, the
 * talk time when the agent's call ends.  The queue call application
 * feeds it the events with their call (acd_stats_event, as
 * acd_publish), the callers it turns away before they join
 * (acd_stats_refused: full, no agents, closed) and a waiting caller's
 * choice to leave for a message or a callback (acd_stats_choice).
 *
 * Times: the engine's `now` is its own clock (tmr_jiffies() in the
 * node, simulated in tests); the clock handler turns it into UTC [ms].
 * The wait counts from the call's arrival at our server (the engine's
 * `arrived`), so left_at - arrived_at == wait_ms.
 */

struct acd_stats;

/* The engine's time now as UTC [ms]. */
typedef uint64_t(acd_stats_clock_h)(uint64_t now, void *arg);

/* How a caller leaves the queue other than the engine says. */
enum acd_exit {
	ACD_EXIT_FULL = 0,  /* turned away: max_len callers wait       */
	ACD_EXIT_NO_AGENTS, /* turned away: nobody logged in           */
	ACD_EXIT_CLOSED,    /* turned away: outside the open hours     */
	ACD_EXIT_VOICEMAIL, /* a waiting caller chose a message        */
	ACD_EXIT_CALLBACK,  /* a waiting caller chose a callback       */
};

/* Visits of e's callers into st; clockh NULL: the node's clock
 * (time_now_ms() - (tmr_jiffies() - now)).  *sp is mem_deref()-able. */
int acd_stats_alloc(struct acd_stats **sp, struct store *st,
		    const struct acd_engine *e, acd_stats_clock_h *clockh,
		    void *arg);
/* An event of the engine; c: its call (the record: the caller's number;
 * NULL: unknown).  Store errors are logged. */
void acd_stats_event(struct acd_stats *s, const struct acd_event *ev,
		     const struct acd_pub_call *c);
/* The call c was turned away by queue at now (FULL, NO_AGENTS, CLOSED):
 * a visit that never joined, its wait from the call's arrival (the
 * record's started_at) to now. */
void acd_stats_refused(struct acd_stats *s, int64_t queue,
		       const struct acd_pub_call *c, enum acd_exit why,
		       uint64_t now);
/* Waiting caller chose to leave (VOICEMAIL, CALLBACK): the ABANDONED of
 * the engine that follows is kept as this outcome (a callback also sets
 * callback_requested). */
void acd_stats_choice(struct acd_stats *s, int64_t caller, enum acd_exit why);
/* The visit (store_queue_visit id) of caller while it waits or is on a
 * call with an agent, 0 if none: for store_queue_visit_callback(). */
int64_t acd_stats_visit(const struct acd_stats *s, int64_t caller);
/* The agent's call (record_id) of callback callback_id ended (HANDLED
 * ev: its handle time, queue, agent): a row of callback_calls, what
 * billing reads; the agent's wrap-up after it is recorded on that row
 * like a visit's.  Store errors are logged. */
void acd_stats_cb_handled(struct acd_stats *s, const struct acd_event *ev,
			  int64_t record_id, int64_t callback_id);

/* ==== VIP callers (vip.c) ==== */

/*
 * Is the caller of call a VIP of tenant (its caller ID, in E.164 by the
 * tenant's dialling context ctx, on the tenant's list, store_vip_find)?
 * Then the call is marked (the call value CALL_VAR_VIP, the VIP's name:
 * it goes to the agent's phone and into the events) and true returned;
 * a call marked before (by another queue) is a VIP's too.  A store error
 * counts as no VIP (logged): the caller waits as anyone.
 */
bool acd_vip_mark(struct call *call, int64_t tenant_id,
		  const struct phone_ctx *ctx);

/* ---- callback.c: queue callbacks (acd.h: acd_callback_add) ------------ */

/* Is engine caller id a callback's? */
bool acd_cb_id(int64_t caller);
/* If caller is a callback waiting again: pc names it (callback_id, the
 * original call's record; no call_id, it has no call of its own;
 * "cancelled" as the reason of its leaving unanswered) and true. */
bool acd_cb_pub(int64_t caller, struct acd_pub_call *pc);
/* The call of queue caller caller (queue.c), NULL if it is none (a
 * callback, or gone). */
const struct call *acd_queue_call(int64_t caller);
/* The call record of the agent's call of callback caller (answered), 0 if
 * none. */
int64_t acd_cb_record(int64_t caller);
/* The engine offers callback o->caller: the agents' phones ring. */
void acd_cb_offer(const struct acd_offer *o);
/* An agent logged in or came back, or a queue changed: requests that could
 * not join (nobody of their queue logged in, the queue not read yet) try
 * again at once, not after the retry. */
void acd_cb_rejoin(void);
/* The engine dropped callback caller at the max wait: it waits again. */
void acd_cb_timeout(int64_t caller);
/* Is employee on call as the agent of a callback (rung or answered)? */
struct call;
bool acd_cb_call_of(const struct call *call, int64_t employee);
/* Callbacks of the live queues acd placed as calls of calls; the
 * requested ones of the store join the engine (NULL: stop). */
struct acd;
struct call_ctx;
int acd_cb_use(struct acd *acd, struct call_ctx *calls);
/* Drop the requests of tenant_id (deleted), their timers and calls; the
 * number dropped. */
unsigned acd_cb_tenant_gone(int64_t tenant_id);
/* queue.c: something changed, the engine decides (from the loop). */
void acd_queue_kick(void);
/* Forget the wait-time estimators of queues the engine no longer has (a
 * deleted client's: a later queue with the same id starts afresh). */
void acd_queue_prune(void);

/* ==== agents and waiting callers as rows of every node (rows.c) ==== */

/*
 * Many nodes on one store (docs/cluster.md): every node's engine follows
 * the agents' kept states and the agents' claims of the other nodes, and
 * each node writes its waiting callers as rows.  The engine stays pure:
 * this is the store work around it.
 */
struct config;
/* Follow the rows for acd as node cfg->node_id (its rows of a previous
 * run dropped); acd NULL: stop (this node's rows dropped).  ENOMEM. */
int acd_rows_use(struct acd *acd, const struct config *cfg);
/* Before the phones of offer o ring (at engine time now): each agent is
 * claimed in the store for this node; one another node holds, or one held
 * back here for an earlier caller of another node (at most 2 s), leaves
 * the offer and the engine (no miss) and is busy here.  The agents left
 * in o (o->agentc); 0: nobody is rung. */
size_t acd_rows_offer_claim(struct acd_offer *o, uint64_t now);
/* Is agent held by another node (or held back here for one)? */
bool acd_rows_elsewhere(int64_t agent);
/* Does another node claim agent?  Then *kindp: "ringing", "on_call",
 * "wrapup"; else ENOENT. */
int acd_rows_remote(int64_t agent, const char **kindp);
/* True while a row read from the store is applied to the engine (its
 * events must not be written back). */
bool acd_rows_applying(void);
/* This node's id in the rows ("" while they are not followed). */
const char *acd_rows_self(void);
/* Callers of other nodes waiting in queue before caller of this node. */
unsigned acd_rows_ahead(int64_t queue, int64_t caller);
/* End the wrap-up another node keeps agent in: its claim is dropped (the
 * holder ends the wrap-up on its next look).  ENOENT: no such claim. */
int acd_rows_wrapup_end(int64_t agent);
/* changes.c: follow the queue and agent settings changed through the
 * other nodes (acd_changes) as node cfg->node_id; acd NULL: stop. */
int acd_changes_use(struct acd *acd, const struct config *cfg);
/* Tell the other nodes that tenant_id was deleted (through this node):
 * they forget it as acd_tenant_forget() does.  Nothing on one node. */
void acd_changes_tenant_gone(struct acd *acd, int64_t tenant_id);
/* acd.c: what acd_tenant_gone() does here, without telling the other
 * nodes; node: the node it was deleted through (NULL: this one), for the
 * log. */
void acd_tenant_forget(struct acd *acd, int64_t tenant_id, uint64_t now,
		       const char *node, unsigned *queuesp, unsigned *agentsp);
/* Agent's direct (non-queue) calls here began (on) or all ended: the
 * other nodes see him busy (an on_call claim of this node) meanwhile. */
void acd_rows_direct(int64_t agent, bool on);
/* ==== agents on direct calls (busy.c) ==== */

/* Employee is on call (not a queue's, not a callback's: a direct call of
 * this node) from now (on) or no longer: the engine e marks him busy while
 * any such call lasts (or another node holds him), the other nodes see
 * him busy (acd_rows_direct), and the queues decide again once he is free
 * (acd_queue_kick). */
void acd_busy_set(struct acd_engine *e, const struct call *call,
		  int64_t employee, bool on);
/* Call is over: whoever was busy on it is no longer. */
void acd_busy_call_done(struct acd_engine *e, const struct call *call);
/* Forget every direct call (the queues stop). */
void acd_busy_flush(void);
/* Is employee on a direct call of this node? */
bool acd_queue_direct_busy(int64_t employee);

/* ==== a queue caller turned away at the door (queue_gate.c) ==== */

/* Embedded in a queue call: what the closed and nobody prompts need. */
struct acd_gate {
	struct call *call; /* (weak) */
	int64_t queue_id;
	int64_t mailbox_id;           /* 0: no message can be left */
	const char *lang;             /* the caller's language ("de") */
	void (*message_h)(void *arg); /* nobody: the caller chose 2 */
	void *arg;
};

/* Is the queue's schedule closed (or holiday: *holidayp) now?  No
 * schedule, or one that cannot be read: open (false). */
bool acd_gate_closed(const struct acd_gate *g, int64_t schedule_id,
		     bool *holidayp);
/* The closed (or holiday) prompt, then the server hangs up. */
void acd_gate_closed_play(struct acd_gate *g, bool holiday);
/* Nobody of the queue logged in, no target for it: the prompt, a message
 * on 2 (message_h) when the queue has a mailbox, else goodbye. */
void acd_gate_nobody(struct acd_gate *g);

#endif
