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
 * it was).  A pause or logout during a call takes effect when it ends.
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

/* The engine, for the queue call application and statistics. */
struct acd_engine *acd_engine(struct acd *acd);
/* The store the ACD keeps its states in. */
struct store *acd_store(const struct acd *acd);

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

#endif
