/*
 * callback_node.c - queue callbacks on many nodes sharing one store
 * (node.h, leases): only the node that holds the "callbacks" lease
 * serves requests.  Every heartbeat interval it looks at
 * the lease and re-reads the store: requests it does not know yet (taken
 * on another node, or its own after a takeover) join its engine, ones that
 * ended elsewhere (cancelled through another node) are dropped, and a
 * "calling" request whose node is dead (no heartbeat for
 * --node-stale-after) or is this node's previous run is handed back to
 * "requested" (its call died with that node).  Before it rings anybody a
 * node claims the request in one conditional write (requested -> calling,
 * store_callback_claim): if the write changed nothing, another node has
 * it or it ended, and this node drops it; two nodes never dial the same
 * request.  A node that loses the lease drops its waiting requests at
 * once and hands back those it is calling when their call ends.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call/call.h"
#include "node/node.h"
#include "acd/acd.h"
#include "acd/callback_int.h"

static struct store *store(void)
{
	return acd_cbs.acd ? acd_store(acd_cbs.acd) : NULL;
}

/* Is node (of a calling request) gone: no heartbeat row, or stale?  A
 * store that cannot answer now (busy, I/O) says nothing: not gone, the
 * next re-read asks again. */
static bool node_gone(const char *node)
{
	const struct config *cfg = acd_cb_cfg();
	struct store_node n;
	int err;

	if (!node[0] || !strcmp(node, acd_cb_self()))
		return true; /* none, or this node's previous run */
	err = store_node_get(store(), node, &n);
	if (err)
		return err == ENOENT;
	return cfg && !node_alive(cfg, &n, time_now_ms());
}

/* A request of the re-read (requested or calling in the store). */
static int load_one(const struct store_callback *cb, void *arg)
{
	struct store_callback c = *cb;
	struct cbe *x = acd_cbe_find(c.id);
	bool released = false;

	(void)arg;
	if (x) { /* known here: still ours */
		x->gen = acd_cbs.gen;
		return 0;
	}
	if (c.state == STORE_CB_CALLING) {
		if (!node_gone(c.node))
			return 0; /* its node is in the call: hands it back */
		/* the call died with its node */
		if (store_callback_release(store(), c.id, c.node, &released) ||
		    !released)
			return 0;
		info("acd: callback %lld: the call of node %s is gone: "
		     "requested again\n",
		     (long long)c.id, c.node[0] ? c.node : "(none)");
		c.state = STORE_CB_REQUESTED;
		c.node[0] = '\0';
	}
	if (c.state != STORE_CB_REQUESTED)
		return 0;
	if (acd_cbe_add(&c) == ENOMEM)
		return ENOMEM;
	x = acd_cbe_find(c.id);
	if (x)
		x->gen = acd_cbs.gen;
	return 0;
}

static bool busy(const struct cbe *x)
{
	return x->offered || x->call || x->agent;
}

/*
 * Look at the lease; holding it, re-read the requests of the store.
 * Requests waiting here that the re-read did not find (ended or taken
 * elsewhere), or all of them once the lease is lost, are dropped; those in
 * a call stay until it ends.
 */
static int cb_sync(void)
{
	const struct config *cfg = acd_cb_cfg();
	bool held = !cfg || node_lease_held(cfg, store(), NODE_LEASE_CALLBACKS,
					    time_now_ms());
	struct le *le;
	int err = 0;

	if (held && !acd_cbs.held)
		info("acd: this node holds the callbacks lease: it serves "
		     "the queue callbacks\n");
	else if (!held && acd_cbs.held)
		warning("acd: this node lost the callbacks lease: another "
			"node serves the queue callbacks\n");
	acd_cbs.held = held;
	acd_cbs.gen++;
	if (held) {
		err = store_callback_list(store(), 0, 0, STORE_CB_REQUESTED,
					  load_one, NULL);
		if (!err)
			err = store_callback_list(
			    store(), 0, 0, STORE_CB_CALLING, load_one, NULL);
		if (err) {
			warning("acd: callbacks: cannot re-read: %m\n", err);
			return err; /* keep what waits */
		}
	}
	le = acd_cbs.cbs.head;
	while (le) {
		struct cbe *x = le->data;

		le = le->next;
		if (busy(x) || x->gen == acd_cbs.gen)
			continue;
		debug("acd: callback %lld: no longer waiting here\n",
		      (long long)x->cb.id);
		mem_deref(x);
		le = acd_cbs.cbs.head;
	}
	return 0;
}

/* [ms] between looks: the heartbeat interval (10 s without settings) */
static uint64_t sync_period(void)
{
	const struct config *cfg = acd_cb_cfg();

	return (uint64_t)(cfg && cfg->heartbeat_interval
			      ? cfg->heartbeat_interval
			      : 10) *
	       1000;
}

static void sync_tmr(void *arg)
{
	(void)arg;
	tmr_start(&acd_cbs.tmr_lease, sync_period(), sync_tmr, NULL);
	(void)cb_sync();
}

int acd_cb_use(struct acd *acd, struct call_ctx *calls)
{
	int err;

	if (!acd) {
		tmr_cancel(&acd_cbs.tmr_lease);
		/* one by one: a destructor that hangs up a call may look
		 * into the list (list_flush would show it half flushed) */
		while (acd_cbs.cbs.head)
			mem_deref(acd_cbs.cbs.head->data);
		acd_cbs.acd = NULL;
		acd_cbs.calls = NULL;
		acd_cbs.held = false;
		return 0;
	}
	acd_cbs.acd = acd;
	acd_cbs.calls = calls;
	acd_cbs.held = false;
	list_init(&acd_cbs.cbs);
	tmr_init(&acd_cbs.tmr_lease);
	err = cb_sync();
	tmr_start(&acd_cbs.tmr_lease, sync_period(), sync_tmr, NULL);
	return err;
}
