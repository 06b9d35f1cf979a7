/*
 * acd.h - hotline queues (ACD, issue 15): the live queues and agents of
 * this node.  One struct acd holds the queue engine (acd_int.h) loaded
 * from the store: queues, memberships, skills, and the agents' kept
 * states (logged in, paused with a reason), so a restart keeps logins and
 * pauses.  The API and feature codes change agents' states through
 * acd_agent_act(), which writes the state to the store before the engine
 * changes; the queue call application (next slice) drives callers through
 * acd_engine() and the engine API.
 */
#ifndef SWITCHBOARD_ACD_H
#define SWITCHBOARD_ACD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct acd;
struct acd_engine;
struct call;
struct route_target;

/* Load every queue and agent of st; *ap is mem_deref()-able. */
int acd_alloc(struct acd **ap, struct store *st);

/* What an agent (or an admin for him) does with his state. */
enum acd_action {
	ACD_LOGIN = 0, /* "login"      */
	ACD_LOGOUT,    /* "logout"     */
	ACD_PAUSE,     /* "pause" (a reason) */
	ACD_UNPAUSE,   /* "unpause"    */
	ACD_END_WRAPUP /* "end_wrapup" */
};

const char *acd_action_name(enum acd_action a);
int acd_action_parse(const char *s, enum acd_action *ap);

/*
 * Agent employee_id does act (reason: ACD_PAUSE's, else NULL) at now [ms]:
 * ENOENT no such employee; EALREADY logged in / out / paused already, not
 * paused, not in wrap-up; ENOTCONN pause or unpause while logged out.  The
 * kept state is written first (an error of the store leaves the engine as
 * it was).  A pause or logout during a call takes effect when it ends; a
 * login before then cancels the logout.
 */
int acd_agent_act(struct acd *acd, int64_t employee_id, enum acd_action act,
		  const char *reason, uint64_t now);

/* The live state of an agent, as the API shows it. */
struct acd_agent_view {
	const char *state;  /* "logged_out", "available", "ringing",
			       "on_call", "wrapup", "paused"             */
	const char *reason; /* paused: why ("no answer", ...), else ""   */
	uint64_t since;     /* [ms] in this state since, 0 unknown       */
	bool busy;          /* on a direct call (not the queue's)        */
	uint32_t calls;     /* queue calls answered since login          */
	uint32_t misses;    /* offers missed in a row                    */
	uint64_t wrapup_until;
	int64_t queue; /* ringing, on_call, wrapup: the queue       */
};

/* ENOENT if the engine does not know the agent (never a member, never
 * logged in): then the store's kept state is the truth. */
int acd_agent_view(const struct acd *acd, int64_t employee_id,
		   struct acd_agent_view *v);

/* Queue id was added, changed or deleted in the store: take it over. */
int acd_queue_sync(struct acd *acd, int64_t queue_id);
/* The skills of employee_id changed in the store. */
int acd_agent_sync(struct acd *acd, int64_t employee_id);
/* The same for a change made through this node (the API): taken over
 * here, and by every other node on the store within a second (a row of
 * acd_changes, changes.c). */
int acd_queue_changed(struct acd *acd, int64_t queue_id);
int acd_agent_changed(struct acd *acd, int64_t employee_id);

/*
 * Tenant tenant_id was deleted from the store (its calls ended first,
 * call_ctx_hangup_tenant): its queues leave the engine (callers still
 * waiting withdrawn), its callback requests are dropped with their
 * timers, and every agent whose employee is gone from the store is
 * forgotten (logged out first).  The number of queues and agents
 * forgotten in *queuesp and *agentsp (may be NULL).  The other nodes on
 * the store do the same within a second (a row of acd_changes,
 * changes.c).
 */
void acd_tenant_gone(struct acd *acd, int64_t tenant_id, uint64_t now,
		     unsigned *queuesp, unsigned *agentsp);

/* The engine, for the queue call application and statistics. */
struct acd_engine *acd_engine(struct acd *acd);
/* The store the ACD keeps its states in. */
struct store *acd_store(const struct acd *acd);
/* The record of queue visits (acd_int.h, stats.c), for the queue call
 * application. */
struct acd_stats;
struct acd_stats *acd_stats(struct acd *acd);

/* Every event of the engine (struct acd_event of acd_int.h: joined,
 * offered, missed, answered, abandoned, timeout, handled, agent state)
 * also goes to h, in subscription order, after the ACD kept what it keeps
 * (an engine's pause "no answer").  For statistics, the event stream and
 * the wait-time estimator.  ENOMEM. */
struct acd_event;
typedef void(acd_sub_h)(const struct acd_event *ev, void *arg);
int acd_subscribe(struct acd *acd, acd_sub_h *h, void *arg);

/* Feature codes from an agent's phone (feature.c): *50 log in, *51 log
 * out, *52 pause or resume, confirmed by a spoken sentence.  acd is the
 * node's live queues (NULL: feature calls are refused with 503). */
void acd_feature_use(struct acd *acd);
/* The application of ROUTE_FEATURE (call/apps.c): t->id the employee,
 * t->number the code. */
int acd_feature_start(struct call *call, const struct route_target *t);

/* The queue call application (queue.c): callers of the node's live
 * queues acd (NULL: stop; queue calls are refused), whose agents are busy
 * on the direct calls of calls (may be NULL).  ENOMEM. */
struct call_ctx;
int acd_queue_use(struct acd *acd, struct call_ctx *calls);
/* The application of ROUTE_QUEUE (call/apps.c): queue t->id. */
int acd_queue_start(struct call *call, const struct route_target *t);

/*
 * The screen pop of the live queue call with record record_id (queue.c,
 * pop.c): the agent whose pop it is and its moment, for the API to build
 * the same document (sec_pop_build()).  agent 0: the agent who answered,
 * else the first of those rung; else that agent, who must be rung for
 * it now or have answered it.  *queuep the queue, *atp [ms UTC] when the
 * offer was placed.  ENOENT: no such queue call on this node, or it is
 * offered to nobody now (waiting, or gone); EPERM: agent is not rung for
 * it and did not answer it.
 */
int acd_call_pop(const struct acd *acd, int64_t record_id, int64_t agent,
		 int64_t *agentp, int64_t *queuep, uint64_t *atp);

/* A caller waiting in a queue now (waiting.c). */
struct acd_waiting {
	unsigned position;   /* 1 = next (offered ones count too)       */
	int64_t record_id;   /* the call record (a callback: the
				original call's), 0 if none           */
	int64_t callback_id; /* a callback waiting for its turn, or 0   */
	uint64_t arrived;    /* [ms UTC] the call reached our server    */
	uint64_t joined;     /* [ms UTC] it joined the queue            */
	bool offered;        /* agents ring for it now                  */
	char vip[32];        /* a VIP caller's name (CALL_VAR_VIP), ""  */
};
/*
 * The callers waiting in queue_id on this node and, when the node follows
 * the rows of the others (acd/rows.c), on every node, in the order they
 * are offered (priority, then arrival): into v[0..max), their number into
 * *np (all of them, also beyond max).  A caller of another node
 * has no "offered" (false).  ENOENT: the queue is not live here and no
 * rows are followed.
 */
int acd_queue_waiting(struct acd *acd, int64_t queue_id, struct acd_waiting *v,
		      size_t max, size_t *np);

/* ---- statistics (report.c) --------------------------------------------- */

/*
 * The figures of a queue over an interval, from its visits (stats.c) that
 * arrived in it (the call's arrival at our server).  -1: none (no caller
 * to average over).  Definitions (docs/api.md, "Queue statistics"):
 *
 *   offered = answered + abandoned + timeouts + full + no_agents + closed
 *             + voicemail + callback + waiting (by outcome)
 *   answered_within_sl     answered with wait_ms <= service level
 *   service_level_permille 1000 * answered_within_sl / (answered +
 *                          abandoned + timeouts), rounded half up
 *   abandoned_avg_ms       mean wait of the abandoned (time to abandon)
 *   asa_ms                 mean wait of the answered (from arrival)
 *   wait_p50_ms, _p90_ms   nearest rank (the ceil(p/100 * n)-th of the n
 *                          waits, ascending) of the waits of callers who
 *                          waited in the queue and are gone (answered,
 *                          abandoned, timeout, voicemail, callback)
 *   longest_wait_ms        the longest of those waits
 *   aht_ms                 mean talk time of answered calls that ended
 *   callbacks_requested, callbacks_completed: visits with the flag
 *
 * Means are integer [ms], rounded half up.
 */
struct acd_figures {
	uint64_t start, end; /* [ms] UTC: [start, end) */
	uint32_t offered, answered, answered_within_sl, abandoned, timeouts;
	uint32_t full, no_agents, closed, voicemail, callback, waiting;
	uint32_t callbacks_requested, callbacks_completed;
	int32_t service_level_permille;
	int64_t abandoned_avg_ms, asa_ms, wait_p50_ms, wait_p90_ms;
	int64_t longest_wait_ms, aht_ms;
};

/* One hour each from `from`, and the whole interval. */
struct acd_report {
	size_t hourc;
	struct acd_figures *hourv;
	struct acd_figures total;
};

enum { ACD_REPORT_HOURS_MAX = 31 * 24 + 1 };

/*
 * The report of queue_id (service level service_level_s [s]) from `from`
 * until `to` [ms UTC], by the hour: (to - from) must be whole hours,
 * at most ACD_REPORT_HOURS_MAX (EINVAL).  *rp is mem_deref()-able.
 */
int acd_report(struct store *st, int64_t queue_id, uint32_t service_level_s,
	       uint64_t from, uint64_t to, struct acd_report **rp);

/* Queue callbacks (callback.c): request cb (queue_id, number E.164;
 * tenant_id 0 or the queue's; arrived_at 0: now; call_id the original
 * call or 0) is written to the store (state requested; cb->id set) and
 * waits in the queue with priority from its arrival on; when an agent is
 * free, the agent is called, hears whom he calls back, then the customer
 * is called and bridged.  ENOENT no such queue, EXDEV another tenant's,
 * another error of the store (nothing kept then). */
struct store_callback;
int acd_callback_add(struct acd *acd, struct store_callback *cb);
/* Cancel request id (the agent's call of it, if any, is hung up):
 * *cb as it is now.  ENOENT, EALREADY if it has finished. */
int acd_callback_cancel(struct acd *acd, int64_t id, struct store_callback *cb);
/* Agent takes request id now, out of its turn: his phone rings alone
 * (then as any callback: he hears whom he calls back, the customer is
 * called); a request waiting for its next attempt is taken too.  *cb as
 * it is now (state calling).  ENOENT no such request; EALREADY it has
 * finished; EBUSY agents ring for it or it is on a call already; EPERM
 * the agent is not a member of its queue; EAGAIN the agent is not free
 * (logged out, paused, ringing, on a call, in wrap-up); EXDEV another
 * node holds the "callbacks" lease and serves it; ENODEV the queues do
 * not run here or its queue is gone. */
int acd_callback_take(struct acd *acd, int64_t id, int64_t agent,
		      struct store_callback *cb);

#endif
