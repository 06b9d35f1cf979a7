/*
 * node.h - this node's life in the shared store.
 *
 * A live call belongs to the node that holds its media (ARCHITECTURE.md).
 * When a node dies with calls up, their records stay open; this area makes
 * sure they are closed, and closed at the right time:
 *
 *   start    close the calls a previous run of this node left open, then
 *            write the first heartbeat of this run
 *   tick     every --heartbeat-interval: write the heartbeat (one row, not
 *            one per call), then close the calls of any other node whose
 *            last sign of life is older than --node-stale-after
 *   operator POST /api/v1/nodes/<id>/close_calls (http/api_nodes.c) for a
 *            node that will not come back
 *
 * Every close uses the one rule of store.h ("nodes"): a call ends at its
 * last known sign of life, max(start, answer, its node's heartbeat), with
 * disposition "node_failure".
 *
 * Leases (store.h "leases"): the jobs that must run on one node at a time
 * run only where their lease is held (docs/cluster.md says which work is
 * single-owner and which stays with the node of a call).  The node takes or renews every
 * lease of node_leasev[] at its start and on each tick, for NODE_LEASE_TTL
 * heartbeat intervals, and drops them when it stops cleanly.  A node that
 * dies keeps its leases until they expire: its jobs move to another node
 * between 2 and 4 heartbeat intervals after it died (the lease was
 * renewed at most one interval before the death, and the other node looks
 * on its own ticks, one interval apart).  A job asks node_lease_held() before each round of work,
 * so a node that lost a lease (store errors, a long stall) stops within
 * that round.
 */
#ifndef SWITCHBOARD_NODE_H
#define SWITCHBOARD_NODE_H

#include <stdbool.h>
#include <stdint.h>

/* The single-owner jobs, by lease name. */
#define NODE_LEASE_OUTBOX     "outbox"     /* notify/outbox.c deliveries */
#define NODE_LEASE_ESCALATION "escalation" /* notify/escalate.c          */
#define NODE_LEASE_TRUNKREG   "trunkreg"   /* sip/trunkreg.c             */
#define NODE_LEASE_CALLBACKS  "callbacks"  /* acd/callback.c             */

enum {
	NODE_LEASE_TTL = 3, /* lease time in --heartbeat-interval units */
};

extern const char *const node_leasev[];
extern const size_t node_leasec;

struct config;
struct store;
struct store_node;
struct node;

/*
 * Close this node's calls left open by its previous run, write its first
 * heartbeat and start the tick.  Call before SIP accepts calls.  On an
 * error of the store nothing is started (the error is returned: a node
 * that cannot date its calls must not take any).  mem_deref() stops it.
 */
int node_alloc(struct node **np, const struct config *cfg, struct store *st);

/* One tick now (heartbeat and stale check) at time now [ms]; for tests. */
void node_tick_at(struct node *node, uint64_t now);

/*
 * Is node n alive at now [ms] as far as this node can tell?  This node is
 * (it is running this code); another is while its last heartbeat is
 * younger than cfg->node_stale_after.
 */
bool node_alive(const struct config *cfg, const struct store_node *n,
		uint64_t now);

/* The lease time of cfg [ms]: NODE_LEASE_TTL heartbeat intervals. */
uint64_t node_lease_ttl(const struct config *cfg);

/* Does this node (cfg->node_id) hold lease name at now [ms]?  Asks the
 * store: the answer is right even when the tick that renews has not run. */
bool node_lease_held(const struct config *cfg, struct store *st,
		     const char *name, uint64_t now);

#endif
