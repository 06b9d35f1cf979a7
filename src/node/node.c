/*
 * node.c - the heartbeat of this node and the closing of calls that died
 * with their node (see node.h for the order, store.h "nodes" for the rule).
 *
 * Why a heartbeat per node rather than per call: the heartbeat is a sign
 * of life of every call the node holds at that moment, so one row written
 * per tick dates all of them; a batched UPDATE of every live call would
 * write the same moment into N rows.  The cost is one small write on the
 * re_main thread every --heartbeat-interval seconds, whatever the load.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "node/node.h"

struct node {
	struct tmr tmr;
	const struct config *cfg; /* (weak) outlives the node */
	struct store *st;         /* (weak) outlives the node */
	uint64_t started_at;      /* [ms] this run began      */
	unsigned held;            /* bit i: node_leasev[i] held */
};

const char *const node_leasev[] = {NODE_LEASE_OUTBOX, NODE_LEASE_ESCALATION,
				   NODE_LEASE_TRUNKREG, NODE_LEASE_CALLBACKS};
const size_t node_leasec = ARRAY_SIZE(node_leasev);

static void destructor(void *arg)
{
	struct node *node = arg;

	tmr_cancel(&node->tmr);
	/* a clean stop: the next node need not wait for the TTL */
	if (node->held)
		(void)store_lease_drop(node->st, NULL, node->cfg->node_id);
}

uint64_t node_lease_ttl(const struct config *cfg)
{
	return cfg ? (uint64_t)NODE_LEASE_TTL * cfg->heartbeat_interval * 1000
		   : 0;
}

bool node_lease_held(const struct config *cfg, struct store *st,
		     const char *name, uint64_t now)
{
	return cfg && store_lease_held(st, name, cfg->node_id, now);
}

/* Take or renew every lease; log what changed hands. */
static void leases_take(struct node *node, uint64_t now)
{
	size_t i;

	for (i = 0; i < node_leasec; i++) {
		unsigned bit = 1u << i;
		bool held = false;
		int err;

		err = store_lease_take(node->st, node_leasev[i],
				       node->cfg->node_id, now,
				       node_lease_ttl(node->cfg), &held);
		if (err)
			warning("node: lease %s: %m\n", node_leasev[i], err);
		if (held && !(node->held & bit))
			info("node: %s: holds lease %s\n", node->cfg->node_id,
			     node_leasev[i]);
		else if (!held && (node->held & bit))
			warning("node: %s: lost lease %s\n", node->cfg->node_id,
				node_leasev[i]);
		node->held = held ? node->held | bit : node->held & ~bit;
	}
}

static uint64_t stale_ms(const struct node *node)
{
	return (uint64_t)node->cfg->node_stale_after * 1000;
}

/* Close the calls of other nodes silent for longer than the stale time. */
static void close_stale(struct node *node, uint64_t now)
{
	unsigned n = 0;

	if (now <= stale_ms(node))
		return;
	/* their agents' claims and waiting callers (acd/rows.c) */
	if (!store_node_rows_drop(node->st, NULL, node->cfg->node_id,
				  now - stale_ms(node), &n) &&
	    n) {
		warning("node: %u agent claims and waiting callers of other "
			"nodes silent for more than %u s dropped\n",
			n, node->cfg->node_stale_after);
	}
	n = 0;
	if (!store_call_close_stale(node->st, node->cfg->node_id,
				    now - stale_ms(node), &n) &&
	    n) {
		warning("node: %u live calls of other nodes silent for more "
			"than %u s closed at their last sign of life "
			"(node_failure)\n",
			n, node->cfg->node_stale_after);
	}
}

void node_tick_at(struct node *node, uint64_t now)
{
	if (!node)
		return;

	(void)store_node_heartbeat(node->st, node->cfg->node_id,
				   node->started_at, now);
	leases_take(node, now);
	close_stale(node, now);
}

static void tick(void *arg)
{
	struct node *node = arg;

	tmr_start(&node->tmr, (uint64_t)node->cfg->heartbeat_interval * 1000,
		  tick, node);
	node_tick_at(node, time_now_ms());
}

int node_alloc(struct node **np, const struct config *cfg, struct store *st)
{
	struct node *node;
	unsigned n = 0;
	int err;

	if (!np || !cfg || !st || !str_isset(cfg->node_id) ||
	    !cfg->heartbeat_interval)
		return EINVAL;

	node = mem_zalloc(sizeof(*node), destructor);
	if (!node)
		return ENOMEM;
	tmr_init(&node->tmr);
	node->cfg = cfg;
	node->st = st;

	/* before the first heartbeat of this run, which would date them */
	err = store_call_close_node(st, cfg->node_id, &n);
	if (err) {
		warning("node: %s: cannot close the calls of the previous "
			"run: %m\n",
			cfg->node_id, err);
		goto out;
	}
	if (n) {
		warning("node: %s: %u calls left open by the previous run "
			"closed at their last sign of life (node_failure)\n",
			cfg->node_id, n);
	}

	node->started_at = time_now_ms();
	err = store_node_heartbeat(st, cfg->node_id, node->started_at,
				   node->started_at);
	if (err) {
		warning("node: %s: cannot write the heartbeat: %m\n",
			cfg->node_id, err);
		goto out;
	}
	leases_take(node, node->started_at);
	close_stale(node, node->started_at);
	tmr_start(&node->tmr, (uint64_t)cfg->heartbeat_interval * 1000, tick,
		  node);
	info("node: %s: heartbeat every %u s; other nodes are dead after "
	     "%u s; leases last %u s\n",
	     cfg->node_id, cfg->heartbeat_interval, cfg->node_stale_after,
	     NODE_LEASE_TTL * cfg->heartbeat_interval);

out:
	if (err)
		mem_deref(node);
	else
		*np = node;
	return err;
}

bool node_alive(const struct config *cfg, const struct store_node *n,
		uint64_t now)
{
	if (!cfg || !n)
		return false;
	if (!strcmp(n->node_id, cfg->node_id))
		return true;

	return n->heartbeat_at &&
	       n->heartbeat_at + (uint64_t)cfg->node_stale_after * 1000 > now;
}
