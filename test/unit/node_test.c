/*
 * node_test.c - node/node.c against a real store: what a node closes when
 * it starts (its own calls of the previous run, other nodes' stale ones),
 * what its tick closes later, and who counts as alive.  The clock is
 * injected; the tick is called by hand (no re_main here).
 */
#include <unistd.h>
#include "core/core.h"
#include "store/store.h"
#include "node/node.h"
#include "test.h"

#define N0 1800000000000ULL /* [ms] "now" at the node's start */

static uint64_t node_now;

static uint64_t node_clock(void)
{
	return node_now;
}

/* The database file and its -wal and -shm files. */
static void db_unlink(const char *path)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char p[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sfx); i++) {
		re_snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
}

static int add_call(struct store *st, const char *node, uint64_t started,
		    uint64_t answered, int64_t *idp)
{
	struct store_call c;
	int err;

	memset(&c, 0, sizeof(c));
	str_copy(c.node_id, node, sizeof(c.node_id));
	c.direction = STORE_DIR_INTERNAL;
	c.started_at = started;
	err = store_call_add(st, &c);
	*idp = c.id;
	if (!err && answered)
		err = store_call_answered(st, c.id, answered, NULL);

	return err;
}

static uint64_t ended_at(struct store *st, int64_t id, char *disp, size_t sz)
{
	struct store_call c;

	if (store_call_get(st, id, &c))
		return UINT64_MAX;
	str_copy(disp, store_disposition_name(c.disposition), sz);
	return c.ended_at;
}

/*
 * node1 died at N0 - 58 s, its last heartbeat at N0 - 60 s, while a call
 * it had answered at N0 - 100 s was up.  It is restarted at N0 with the
 * defaults (heartbeat 10 s, stale after 45 s).  node2 beat last at
 * N0 - 50 s (dead), node3 at N0 - 10 s (alive).
 */
int test_node_start(void)
{
	struct config cfg;
	struct store *st = NULL;
	struct node *node = NULL;
	struct store_node n;
	char path[96], disp[32];
	int64_t own, own_new, dead, live;
	int err = 0;

	re_snprintf(path, sizeof(path), "/tmp/sb-node-test-%d.db",
		    (int)getpid());
	db_unlink(path);
	node_now = N0;
	time_clock_set(node_clock);

	memset(&cfg, 0, sizeof(cfg));
	str_copy(cfg.node_id, "node1", sizeof(cfg.node_id));
	cfg.heartbeat_interval = 10;
	cfg.node_stale_after = 45;

	TEST_EQ_INT(store_open(&st, path), 0);
	TEST_EQ_INT(store_node_heartbeat(st, "node1", N0 - 3600000, N0 - 60000),
		    0);
	TEST_EQ_INT(store_node_heartbeat(st, "node2", N0 - 3600000, N0 - 50000),
		    0);
	TEST_EQ_INT(store_node_heartbeat(st, "node3", N0 - 3600000, N0 - 10000),
		    0);
	TEST_EQ_INT(add_call(st, "node1", N0 - 101000, N0 - 100000, &own), 0);
	TEST_EQ_INT(add_call(st, "node2", N0 - 70000, N0 - 69000, &dead), 0);
	TEST_EQ_INT(add_call(st, "node3", N0 - 30000, N0 - 29000, &live), 0);

	TEST_EQ_INT(node_alloc(NULL, &cfg, st), EINVAL);
	TEST_EQ_INT(node_alloc(&node, &cfg, st), 0);

	/* its own call: at the last heartbeat, not at the restart (N0) */
	TEST_EQ_INT(ended_at(st, own, disp, sizeof(disp)), N0 - 60000);
	TEST_EQ_STR(disp, "node_failure");
	/* node2 is dead: at its heartbeat; node3 is alive: untouched */
	TEST_EQ_INT(ended_at(st, dead, disp, sizeof(disp)), N0 - 50000);
	TEST_EQ_STR(disp, "node_failure");
	TEST_EQ_INT(ended_at(st, live, disp, sizeof(disp)), 0);

	/* this run's heartbeat */
	TEST_EQ_INT(store_node_get(st, "node1", &n), 0);
	TEST_EQ_INT(n.started_at, N0);
	TEST_EQ_INT(n.heartbeat_at, N0);
	TEST_ASSERT(node_alive(&cfg, &n, N0 + 3600000)); /* itself */

	/* a call of this run, then ticks: node3 goes stale at N0 + 35 s */
	TEST_EQ_INT(add_call(st, "node1", N0 + 1000, N0 + 2000, &own_new), 0);
	node_tick_at(node, N0 + 10000);
	TEST_EQ_INT(store_node_get(st, "node1", &n), 0);
	TEST_EQ_INT(n.heartbeat_at, N0 + 10000);
	TEST_EQ_INT(n.started_at, N0);
	TEST_EQ_INT(ended_at(st, live, disp, sizeof(disp)), 0);
	TEST_EQ_INT(store_node_get(st, "node3", &n), 0);
	TEST_ASSERT(node_alive(&cfg, &n, N0 + 34999));
	TEST_ASSERT(!node_alive(&cfg, &n, N0 + 35000));
	node_tick_at(node, N0 + 35000); /* exactly 45 s: not yet */
	TEST_EQ_INT(ended_at(st, live, disp, sizeof(disp)), 0);
	node_tick_at(node, N0 + 35001);
	TEST_EQ_INT(ended_at(st, live, disp, sizeof(disp)), N0 - 10000);
	TEST_EQ_STR(disp, "node_failure");
	TEST_EQ_INT(ended_at(st, own_new, disp, sizeof(disp)), 0); /* own */

	/* node1 dies after the tick at N0 + 35.001 s: the next run closes
	 * its call there, 33.001 s after the answer */
	node = mem_deref(node);
	node_now = N0 + 120000;
	TEST_EQ_INT(node_alloc(&node, &cfg, st), 0);
	TEST_EQ_INT(ended_at(st, own_new, disp, sizeof(disp)), N0 + 35001);
	TEST_EQ_STR(disp, "node_failure");

	/* a node never seen is not alive */
	memset(&n, 0, sizeof(n));
	str_copy(n.node_id, "node9", sizeof(n.node_id));
	TEST_ASSERT(!node_alive(&cfg, &n, N0));
out:
	mem_deref(node);
	mem_deref(st);
	db_unlink(path);
	time_clock_set(NULL);
	return err;
}

/*
 * Leases: node1 starts first and takes every lease for 3 heartbeat
 * intervals (30 s); node2, started later on the same store, holds none
 * while node1 renews; node1 dies after its tick at N0 + 10 s; node2's tick
 * at N0 + 39.999 s still finds the lease alive, the one at N0 + 40 s takes
 * it.  A clean stop of node2 drops its leases.
 */
int test_node_leases(void)
{
	struct config c1, c2;
	struct store *st = NULL;
	struct node *n1 = NULL, *n2 = NULL;
	char path[96];
	size_t i;
	int err = 0;

	re_snprintf(path, sizeof(path), "/tmp/sb-node-lease-%d.db",
		    (int)getpid());
	db_unlink(path);
	node_now = N0;
	time_clock_set(node_clock);

	memset(&c1, 0, sizeof(c1));
	str_copy(c1.node_id, "node1", sizeof(c1.node_id));
	c1.heartbeat_interval = 10;
	c1.node_stale_after = 45;
	c2 = c1;
	str_copy(c2.node_id, "node2", sizeof(c2.node_id));
	TEST_EQ_INT(node_lease_ttl(&c1), 30000);
	TEST_EQ_INT(node_leasec, 4);

	TEST_EQ_INT(store_open(&st, path), 0);
	TEST_EQ_INT(node_alloc(&n1, &c1, st), 0);
	node_now = N0 + 1000;
	TEST_EQ_INT(node_alloc(&n2, &c2, st), 0);
	for (i = 0; i < node_leasec; i++) {
		TEST_ASSERT(
		    node_lease_held(&c1, st, node_leasev[i], N0 + 1000));
		TEST_ASSERT(
		    !node_lease_held(&c2, st, node_leasev[i], N0 + 1000));
	}

	node_tick_at(n1, N0 + 10000); /* renewed until N0 + 40 s */
	/* a clean stop drops them; a kill -9 leaves them as renewed */
	n1 = mem_deref(n1);
	TEST_EQ_INT(store_lease_take(st, NODE_LEASE_OUTBOX, "node1", N0 + 10000,
				     30000, &(bool){false}),
		    0);
	TEST_EQ_INT(store_lease_take(st, NODE_LEASE_ESCALATION, "node1",
				     N0 + 10000, 30000, &(bool){false}),
		    0);
	TEST_EQ_INT(store_lease_take(st, NODE_LEASE_TRUNKREG, "node1",
				     N0 + 10000, 30000, &(bool){false}),
		    0);

	node_tick_at(n2, N0 + 39999);
	TEST_ASSERT(!node_lease_held(&c2, st, NODE_LEASE_OUTBOX, N0 + 39999));
	TEST_ASSERT(node_lease_held(&c1, st, NODE_LEASE_OUTBOX, N0 + 39999));
	node_tick_at(n2, N0 + 40000);
	for (i = 0; i < node_leasec; i++) {
		TEST_ASSERT(
		    node_lease_held(&c2, st, node_leasev[i], N0 + 40000));
		TEST_ASSERT(
		    !node_lease_held(&c1, st, node_leasev[i], N0 + 40000));
	}
	/* renewed from its tick: until N0 + 70 s */
	TEST_ASSERT(node_lease_held(&c2, st, NODE_LEASE_OUTBOX, N0 + 69999));
	TEST_ASSERT(!node_lease_held(&c2, st, NODE_LEASE_OUTBOX, N0 + 70000));

	n2 = mem_deref(n2); /* a clean stop: dropped */
	TEST_ASSERT(!node_lease_held(&c2, st, NODE_LEASE_OUTBOX, N0 + 40001));
	TEST_ASSERT(!node_lease_held(&c2, st, NODE_LEASE_TRUNKREG, N0 + 40001));
out:
	mem_deref(n2);
	mem_deref(n1);
	mem_deref(st);
	db_unlink(path);
	time_clock_set(NULL);
	return err;
}
