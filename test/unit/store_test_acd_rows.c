/*
 * store_test_acd_rows.c - agents and waiting callers as rows of every
 * node (store.h, migration 60): an agent is claimed by one node at a
 * time (a second node's claim changes nothing, the holder's changes its
 * kind), dropped only by its holder or by kind; the kept states written
 * since a time, stamped with the store's clock (store_now_ms, migration
 * 64); queue entries in the order callers are served, marked offered
 * while agents ring for them (migration 64); the rows
 * of a node dropped at its restart and those of stale nodes by the
 * survivors.
 */
#include <time.h>
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

struct count {
	unsigned n;
	int64_t ids[8];
	char nodes[8][8];
	int kinds[8];
	bool offered[8];
};

static int claim_h(const struct store_agent_claim *c, void *arg)
{
	struct count *k = arg;

	if (k->n < 8) {
		k->ids[k->n] = c->employee_id;
		str_copy(k->nodes[k->n], c->node_id, sizeof(k->nodes[0]));
		k->kinds[k->n] = (int)c->kind;
	}
	k->n++;
	return 0;
}

static int entry_h(const struct store_queue_entry *e, void *arg)
{
	struct count *k = arg;

	if (k->n < 8) {
		k->ids[k->n] = e->caller;
		str_copy(k->nodes[k->n], e->node_id, sizeof(k->nodes[0]));
		k->offered[k->n] = e->offered;
	}
	k->n++;
	return 0;
}

static int agent_h(const struct store_agent *a, void *arg)
{
	struct count *k = arg;

	if (k->n < 8)
		k->ids[k->n] = a->employee_id;
	k->n++;
	return 0;
}

static struct store_agent_claim claim_of(int64_t emp, const char *node,
					 enum store_claim_kind kind)
{
	struct store_agent_claim c;

	memset(&c, 0, sizeof(c));
	c.employee_id = emp;
	str_copy(c.node_id, node, sizeof(c.node_id));
	c.kind = kind;
	c.since = 1000;
	return c;
}

static struct store_queue_entry entry_of(const char *node, int64_t caller,
					 int64_t queue, int prio,
					 uint64_t arrived)
{
	struct store_queue_entry e;

	memset(&e, 0, sizeof(e));
	str_copy(e.node_id, node, sizeof(e.node_id));
	e.caller = caller;
	e.queue_id = queue;
	e.priority = prio;
	e.arrived_at = arrived;
	e.joined_at = arrived + 10;
	return e;
}

int test_store_acd_rows(void)
{
	struct store_queue *q = NULL;
	struct store_agent_claim c;
	struct store_queue_entry e;
	struct store_agent ag;
	struct count k;
	struct tdb db;
	int64_t t1, t2, max, erika;
	uint64_t t0, tn;
	unsigned n;
	bool ok;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	q = mem_zalloc(sizeof(*q), NULL);
	TEST_ASSERT(q);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Max", "1001", &max), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Erika", "1002", &erika), 0);

	/* one node at a time */
	c = claim_of(erika, "n1", STORE_CLAIM_RINGING);
	TEST_EQ_INT(store_agent_claim(db.st, &c, &ok), 0);
	TEST_EQ_INT(ok, true);
	c = claim_of(erika, "n2", STORE_CLAIM_RINGING);
	TEST_EQ_INT(store_agent_claim(db.st, &c, &ok), 0);
	TEST_EQ_INT(ok, false);
	c = claim_of(erika, "n1", STORE_CLAIM_WRAPUP);
	c.until_at = 5000;
	TEST_EQ_INT(store_agent_claim(db.st, &c, &ok), 0);
	TEST_EQ_INT(ok, true);
	c = claim_of(max, "n2", STORE_CLAIM_ON_CALL);
	TEST_EQ_INT(store_agent_claim(db.st, &c, &ok), 0);
	TEST_EQ_INT(ok, true);
	c = claim_of(max + erika + 100, "n2", STORE_CLAIM_ON_CALL);
	TEST_EQ_INT(store_agent_claim(db.st, &c, &ok), ENOENT);
	TEST_EQ_INT(ok, false);
	memset(&k, 0, sizeof(k));
	TEST_EQ_INT(store_agent_claim_list(db.st, claim_h, &k), 0);
	TEST_EQ_INT(k.n, 2);
	TEST_EQ_INT(k.ids[0], max);
	TEST_EQ_STR(k.nodes[0], "n2");
	TEST_EQ_INT(k.ids[1], erika);
	TEST_EQ_STR(k.nodes[1], "n1");
	TEST_EQ_INT(k.kinds[1], STORE_CLAIM_WRAPUP);
	/* dropped by its holder only, or by kind from anywhere */
	TEST_EQ_INT(store_agent_claim_drop(db.st, erika, "n2", -1, &ok), 0);
	TEST_EQ_INT(ok, false);
	TEST_EQ_INT(store_agent_claim_drop(db.st, erika, NULL,
					   STORE_CLAIM_ON_CALL, &ok),
		    0);
	TEST_EQ_INT(ok, false);
	TEST_EQ_INT(
	    store_agent_claim_drop(db.st, erika, NULL, STORE_CLAIM_WRAPUP, &ok),
	    0);
	TEST_EQ_INT(ok, true);
	c = claim_of(erika, "n2", STORE_CLAIM_RINGING);
	TEST_EQ_INT(store_agent_claim(db.st, &c, &ok), 0);
	TEST_EQ_INT(ok, true);

	/* the kept states written since a time of the store's clock (the
	 * machine's on SQLite, the server's on PostgreSQL: here the same
	 * machine, within a second); the row is stamped with it */
	TEST_EQ_INT(store_now_ms(db.st, &t0), 0);
	/* the real clock: the unit tests' time_now_ms() is a fixed one */
	TEST_ASSERT(t0 + 2000 > (uint64_t)time(NULL) * 1000 &&
		    t0 < (uint64_t)time(NULL) * 1000 + 2000);
	memset(&ag, 0, sizeof(ag));
	ag.employee_id = erika;
	ag.state = STORE_AGENT_AVAILABLE;
	ag.changed_at = 1; /* the ACD's own time: not the stamp */
	TEST_EQ_INT(store_agent_set_state(db.st, &ag), 0);
	TEST_EQ_INT(store_now_ms(db.st, &tn), 0);
	TEST_ASSERT(tn >= t0);
	memset(&k, 0, sizeof(k));
	TEST_EQ_INT(store_agent_changed(db.st, t0, agent_h, &k), 0);
	TEST_EQ_INT(k.n, 1);
	TEST_EQ_INT(k.ids[0], erika);
	memset(&k, 0, sizeof(k));
	TEST_EQ_INT(store_agent_changed(db.st, tn + 1, agent_h, &k), 0);
	TEST_EQ_INT(k.n, 0);
	TEST_EQ_INT(store_now_ms(NULL, &tn), EINVAL);
	TEST_EQ_INT(store_now_ms(db.st, NULL), EINVAL);

	/* queue entries: priority, then arrival */
	fx_queue_ring_all(q, t1, erika);
	TEST_EQ_INT(store_queue_add(db.st, q), 0);
	e = entry_of("n1", 1, q->id, 0, 3000);
	TEST_EQ_INT(store_queue_entry_put(db.st, &e), 0);
	e = entry_of("n2", 1, q->id, 0, 2000);
	TEST_EQ_INT(store_queue_entry_put(db.st, &e), 0);
	e = entry_of("n2", 2, q->id, 2, 4000);
	TEST_EQ_INT(store_queue_entry_put(db.st, &e), 0);
	memset(&k, 0, sizeof(k));
	TEST_EQ_INT(store_queue_entry_list(db.st, q->id, entry_h, &k), 0);
	TEST_EQ_INT(k.n, 3);
	TEST_EQ_STR(k.nodes[0], "n2");
	TEST_EQ_INT(k.ids[0], 2);
	TEST_EQ_STR(k.nodes[1], "n2");
	TEST_EQ_INT(k.ids[1], 1);
	TEST_EQ_STR(k.nodes[2], "n1");
	TEST_EQ_INT(k.offered[0] || k.offered[1] || k.offered[2], false);
	/* agents ring for n2's caller 1, then no longer */
	TEST_EQ_INT(store_queue_entry_offered(db.st, "n2", 1, true), 0);
	memset(&k, 0, sizeof(k));
	TEST_EQ_INT(store_queue_entry_list(db.st, q->id, entry_h, &k), 0);
	TEST_EQ_INT(k.n, 3);
	TEST_EQ_INT(k.offered[0], false);
	TEST_EQ_INT(k.offered[1], true);
	TEST_EQ_INT(k.offered[2], false);
	TEST_EQ_INT(store_queue_entry_offered(db.st, "n2", 1, false), 0);
	memset(&k, 0, sizeof(k));
	TEST_EQ_INT(store_queue_entry_list(db.st, q->id, entry_h, &k), 0);
	TEST_EQ_INT(k.offered[1], false);
	TEST_EQ_INT(store_queue_entry_offered(db.st, "n1", 9, true), ENOENT);
	TEST_EQ_INT(store_queue_entry_offered(db.st, "", 1, true), EINVAL);
	TEST_EQ_INT(store_queue_entry_drop(db.st, "n2", 2), 0);
	memset(&k, 0, sizeof(k));
	TEST_EQ_INT(store_queue_entry_list(db.st, q->id, entry_h, &k), 0);
	TEST_EQ_INT(k.n, 2);

	/* n1 restarts: its rows go; n2 stale (heartbeat at 1000): the
	 * survivor n3 drops its rows, never its own */
	TEST_EQ_INT(store_node_rows_drop(db.st, "n1", NULL, 0, &n), 0);
	TEST_EQ_INT(n, 1);
	TEST_EQ_INT(store_node_heartbeat(db.st, "n2", 500, 1000), 0);
	TEST_EQ_INT(store_node_heartbeat(db.st, "n3", 500, 9000), 0);
	TEST_EQ_INT(store_node_rows_drop(db.st, NULL, "n3", 500, &n), 0);
	TEST_EQ_INT(n, 0);
	TEST_EQ_INT(store_node_rows_drop(db.st, NULL, "n3", 2000, &n), 0);
	TEST_EQ_INT(n, 3); /* Max's and Erika's claims, one entry */
	memset(&k, 0, sizeof(k));
	TEST_EQ_INT(store_agent_claim_list(db.st, claim_h, &k), 0);
	TEST_EQ_INT(k.n, 0);
	TEST_EQ_INT(store_node_rows_drop(db.st, NULL, NULL, 2000, &n), EINVAL);
out:
	mem_deref(q);
	tdb_close(&db);
	return err;
}

struct changes {
	unsigned n;
	struct store_acd_change v[4];
};

static int change_h(const struct store_acd_change *c, void *arg)
{
	struct changes *k = arg;

	if (k->n < 4)
		k->v[k->n] = *c;
	k->n++;
	return 0;
}

/* Queue and agent settings changed through a node (migration 63): written
 * with the store's clock, read from a time on in order, purged by age;
 * bad input refused. */
int test_store_acd_changes(void)
{
	struct store_acd_change c;
	struct changes k;
	struct tdb db;
	uint64_t t0, t1;
	unsigned n;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(store_now_ms(db.st, &t0), 0);
	memset(&c, 0, sizeof(c));
	c.kind = STORE_ACD_CHANGE_QUEUE;
	c.ref_id = 7;
	str_copy(c.node_id, "n1", sizeof(c.node_id));
	TEST_EQ_INT(store_acd_change_add(db.st, &c), 0);
	c.kind = STORE_ACD_CHANGE_AGENT;
	c.ref_id = 3;
	str_copy(c.node_id, "n2", sizeof(c.node_id));
	TEST_EQ_INT(store_acd_change_add(db.st, &c), 0);

	memset(&k, 0, sizeof(k));
	TEST_EQ_INT(store_acd_change_list(db.st, t0, change_h, &k), 0);
	TEST_EQ_INT(k.n, 2);
	TEST_EQ_INT(k.v[0].kind, STORE_ACD_CHANGE_QUEUE);
	TEST_EQ_INT(k.v[0].ref_id, 7);
	TEST_EQ_STR(k.v[0].node_id, "n1");
	TEST_EQ_INT(store_now_ms(db.st, &t1), 0);
	TEST_ASSERT(k.v[0].at >= t0 && k.v[0].at <= t1);
	TEST_EQ_INT(k.v[1].kind, STORE_ACD_CHANGE_AGENT);
	TEST_EQ_INT(k.v[1].ref_id, 3);
	TEST_EQ_STR(k.v[1].node_id, "n2");
	TEST_ASSERT(k.v[1].id > k.v[0].id);
	/* from after the writes (the store's clock): none */
	memset(&k, 0, sizeof(k));
	TEST_EQ_INT(store_acd_change_list(db.st, t1 + 1, change_h, &k), 0);
	TEST_EQ_INT(k.n, 0);
	/* a deleted client (migration 64) */
	c.kind = STORE_ACD_CHANGE_TENANT;
	c.ref_id = 5;
	TEST_EQ_INT(store_acd_change_add(db.st, &c), 0);
	memset(&k, 0, sizeof(k));
	TEST_EQ_INT(store_acd_change_list(db.st, t0, change_h, &k), 0);
	TEST_EQ_INT(k.n, 3);
	TEST_EQ_INT(k.v[2].kind, STORE_ACD_CHANGE_TENANT);
	TEST_EQ_INT(k.v[2].ref_id, 5);
	TEST_EQ_STR(store_acd_change_kind_name(STORE_ACD_CHANGE_TENANT),
		    "tenant");

	/* purged by age: before the writes nothing, after them all three */
	TEST_EQ_INT(store_acd_change_purge(db.st, t0 > 0 ? t0 - 1 : 0, &n), 0);
	TEST_EQ_INT(n, 0);
	TEST_EQ_INT(store_now_ms(db.st, &t1), 0);
	TEST_EQ_INT(store_acd_change_purge(db.st, t1 + 1000, &n), 0);
	TEST_EQ_INT(n, 3);

	/* refused: no node, no id, no such kind */
	c.node_id[0] = '\0';
	TEST_EQ_INT(store_acd_change_add(db.st, &c), EINVAL);
	str_copy(c.node_id, "n1", sizeof(c.node_id));
	c.ref_id = 0;
	TEST_EQ_INT(store_acd_change_add(db.st, &c), EINVAL);
	c.ref_id = 1;
	c.kind = (enum store_acd_change_kind)9;
	TEST_EQ_INT(store_acd_change_add(db.st, &c), EINVAL);
	TEST_EQ_INT(store_acd_change_list(db.st, 0, NULL, NULL), EINVAL);
out:
	tdb_close(&db);
	return err;
}
