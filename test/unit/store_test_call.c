/*
 * store_test_call.c - call records and nodes against store.h: the live
 * record, answer and end, the list filters (a table), page sizes, and the
 * rule that closes the calls of a node that died, with exact times.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

int test_store_call(void)
{
	struct tdb db;
	struct store_call c, g;
	struct store_call_filter f;
	struct ids ids;
	int64_t c1, c2, c3, c4, x;
	int i, err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);

	TEST_EQ_INT(fx_call(db.st, "n1", 1, 1000, &c1), 0);
	TEST_EQ_INT(fx_call(db.st, "n1", 2, 3000, &c2), 0);
	TEST_EQ_INT(fx_call(db.st, "n2", 1, 2000, &c3), 0);
	TEST_EQ_INT(fx_call(db.st, "n1", 1, 3000, &c4), 0);

	memset(&c, 0, sizeof(c));
	c.direction = (enum store_direction)7;
	TEST_EQ_INT(store_call_add(db.st, &c), EINVAL);
	c.direction = STORE_DIR_INTERNAL;
	TEST_EQ_INT(store_call_add(db.st, &c), 0); /* started_at: now */
	TEST_EQ_INT(c.started_at, T0);
	x = c.id;

	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_call_get(db.st, c1, &g), 0);
	TEST_EQ_INT(g.id, c1);
	TEST_EQ_STR(g.node_id, "n1");
	TEST_EQ_STR(g.sip_call_id, "call@192.0.2.10");
	TEST_EQ_INT(g.tenant_id, 1);
	TEST_EQ_INT(g.direction, STORE_DIR_INBOUND);
	TEST_EQ_STR(g.from_number, "+4930555");
	TEST_EQ_STR(g.to_number, "+4922182829900");
	TEST_EQ_STR(g.caller_leg, "trunk:1");
	TEST_EQ_STR(g.callee_leg, "");
	TEST_EQ_INT(g.started_at, 1000);
	TEST_EQ_INT(g.answered_at, 0);
	TEST_EQ_INT(g.ended_at, 0);
	TEST_EQ_INT(g.disposition, STORE_DISP_NONE);
	TEST_EQ_INT(g.sip_code, 0);
	TEST_EQ_INT(g.ended_by, STORE_PARTY_NONE);
	TEST_EQ_INT(store_call_get(db.st, x + 100, &g), ENOENT);

	/* answered, then ended */
	TEST_EQ_INT(store_call_answered(db.st, c1, 1500, "device:1002"), 0);
	TEST_EQ_INT(store_call_answered(db.st, c1, 1600, NULL), 0);
	TEST_EQ_INT(store_call_get(db.st, c1, &g), 0);
	TEST_EQ_INT(g.answered_at, 1600);
	TEST_EQ_STR(g.callee_leg, "device:1002");
	TEST_EQ_INT(store_call_ended(db.st, c1, 1800, STORE_DISP_ANSWERED, 200,
				     STORE_PARTY_CALLER),
		    0);
	TEST_EQ_INT(store_call_get(db.st, c1, &g), 0);
	TEST_EQ_INT(g.ended_at, 1800);
	TEST_EQ_INT(g.disposition, STORE_DISP_ANSWERED);
	TEST_EQ_INT(g.sip_code, 200);
	TEST_EQ_INT(g.ended_by, STORE_PARTY_CALLER);
	TEST_EQ_INT(store_call_answered(db.st, x + 100, 1, NULL), ENOENT);
	TEST_EQ_INT(store_call_ended(db.st, x + 100, 1, STORE_DISP_BUSY, 486,
				     STORE_PARTY_NONE),
		    ENOENT);
	TEST_EQ_INT(store_call_ended(db.st, c2, 1, STORE_DISP_NONE, 486,
				     STORE_PARTY_NONE),
		    EINVAL);
	TEST_EQ_INT(store_call_ended(db.st, x, 0, STORE_DISP_BUSY, 486,
				     STORE_PARTY_NONE),
		    0);
	TEST_EQ_INT(store_call_get(db.st, x, &g), 0);
	TEST_EQ_INT(g.ended_at, T0);
	TEST_EQ_INT(g.ended_by, STORE_PARTY_NONE);

	/* newest first; filters */
	{
		const struct {
			int64_t tenant;
			uint64_t since, until;
			uint32_t limit, offset;
			size_t n;
			int64_t want[5];
		} v[] = {
		    {0, 0, 0, 0, 0, 5, {x, c4, c2, c3, c1}},
		    {1, 0, 0, 0, 0, 3, {c4, c3, c1}},
		    {0, 2000, 0, 0, 0, 4, {x, c4, c2, c3}},
		    {0, 0, 3000, 0, 0, 2, {c3, c1}},
		    {0, 2000, 3000, 0, 0, 1, {c3}},
		    {1, 1001, 3001, 0, 0, 2, {c4, c3}},
		    {0, 0, 0, 2, 0, 2, {x, c4}},
		    {0, 0, 0, 2, 2, 2, {c2, c3}},
		    {0, 0, 0, 0, 10, 0, {0}},
		    {3, 0, 0, 0, 0, 0, {0}},
		};
		size_t k;

		for (k = 0; k < ARRAY_SIZE(v); k++) {
			memset(&f, 0, sizeof(f));
			f.tenant_id = v[k].tenant;
			f.since = v[k].since;
			f.until = v[k].until;
			f.limit = v[k].limit;
			f.offset = v[k].offset;
			memset(&ids, 0, sizeof(ids));
			TEST_EQ_INT(store_call_list(db.st, &f, call_id_h, &ids),
				    0);
			if (!ids_are(&ids, v[k].n, v[k].want))
				fprintf(stderr, "  filter %zu: %zu calls\n", k,
					ids.n);
			TEST_ASSERT(ids_are(&ids, v[k].n, v[k].want));
		}
	}
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_call_list(db.st, NULL, call_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 5);

	/* a dead node's live calls end as node_failure by system (the
	 * times of the rule: test_store_call_close) */
	TEST_EQ_INT(store_call_ended(db.st, c4, 3500, STORE_DISP_BUSY, 486,
				     STORE_PARTY_CALLEE),
		    0);
	TEST_EQ_INT(store_call_close_node(db.st, "n1", NULL), 0);
	TEST_EQ_INT(store_call_get(db.st, c2, &g), 0);
	TEST_EQ_INT(g.ended_at, 3000); /* its start: no heartbeat, no answer */
	TEST_EQ_INT(g.disposition, STORE_DISP_NODE_FAILURE);
	TEST_EQ_INT(g.ended_by, STORE_PARTY_SYSTEM);
	TEST_EQ_INT(store_call_get(db.st, c4, &g), 0);
	TEST_EQ_INT(g.ended_at, 3500);
	TEST_EQ_INT(g.disposition, STORE_DISP_BUSY);
	TEST_EQ_INT(g.ended_by, STORE_PARTY_CALLEE);
	TEST_EQ_INT(store_call_get(db.st, c3, &g), 0); /* node n2 */
	TEST_EQ_INT(g.ended_at, 0);
	TEST_EQ_INT(g.disposition, STORE_DISP_NONE);
	TEST_EQ_INT(store_call_close_node(db.st, "", NULL), EINVAL);

	/* page sizes: 100 by default, at most 1000 */
	for (i = 0; i < 1005; i++)
		TEST_EQ_INT(fx_call(db.st, "n3", 4, 10000 + i, &x), 0);
	memset(&f, 0, sizeof(f));
	f.tenant_id = 4;
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_call_list(db.st, &f, call_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 100);
	TEST_EQ_INT(ids.v[0], x);
	f.limit = 5000;
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_call_list(db.st, &f, call_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 1000);
out:
	tdb_close(&db);
	return err;
}
struct node_names {
	size_t n;
	char v[8][64];
	uint32_t live[8];
};

static int node_name_h(const struct store_node *n, void *arg)
{
	struct node_names *nn = arg;

	if (nn->n >= ARRAY_SIZE(nn->v))
		return E2BIG;
	str_copy(nn->v[nn->n], n->node_id, sizeof(nn->v[0]));
	nn->live[nn->n++] = n->live_calls;
	return 0;
}

/*
 * The rule of store.h ("nodes"): a live call ends at max(start, answer,
 * its node's heartbeat), with exact times and so exact durations.  Node
 * n1 beat at 10 s; its calls answered before ring out at 10 s, those that
 * began after it end at their answer or start.
 */
int test_store_call_close(void)
{
	struct tdb db;
	struct store_node n;
	struct store_call g;
	struct node_names nn;
	int64_t a, b, c, d, e, f, h, x;
	unsigned closed = 99;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);

	TEST_EQ_INT(store_node_heartbeat(db.st, "n1", 1000, 5000), 0);
	TEST_EQ_INT(store_node_heartbeat(db.st, "n1", 1000, 10000), 0);
	TEST_EQ_INT(store_node_heartbeat(db.st, "n3", 14000, 20000), 0);

	TEST_EQ_INT(fx_live(db.st, "n1", 2000, 3000, &a), 0);   /* talking */
	TEST_EQ_INT(fx_live(db.st, "n1", 2000, 0, &b), 0);      /* ringing */
	TEST_EQ_INT(fx_live(db.st, "n1", 11000, 12000, &c), 0); /* after hb */
	TEST_EQ_INT(fx_live(db.st, "n1", 11500, 0, &d), 0);
	TEST_EQ_INT(fx_live(db.st, "n1", 2000, 2500, &e), 0); /* completed */
	TEST_EQ_INT(store_call_ended(db.st, e, 4000, STORE_DISP_ANSWERED, 200,
				     STORE_PARTY_CALLER),
		    0);
	TEST_EQ_INT(fx_live(db.st, "n2", 5000, 6000, &f), 0); /* no heartbeat */
	TEST_EQ_INT(fx_live(db.st, "n3", 15000, 16000, &h), 0);

	/* the nodes as the API shows them */
	TEST_EQ_INT(store_node_get(db.st, "n1", &n), 0);
	TEST_EQ_STR(n.node_id, "n1");
	TEST_EQ_INT(n.started_at, 1000);
	TEST_EQ_INT(n.heartbeat_at, 10000);
	TEST_EQ_INT(n.live_calls, 4);
	TEST_EQ_INT(store_node_get(db.st, "n2", &n), 0);
	TEST_EQ_INT(n.started_at, 0);
	TEST_EQ_INT(n.heartbeat_at, 0);
	TEST_EQ_INT(n.live_calls, 1);
	TEST_EQ_INT(store_node_get(db.st, "n9", &n), ENOENT);
	TEST_EQ_INT(store_node_get(db.st, "", &n), EINVAL);
	memset(&nn, 0, sizeof(nn));
	TEST_EQ_INT(store_node_list(db.st, node_name_h, &nn), 0);
	TEST_EQ_INT(nn.n, 3);
	TEST_EQ_STR(nn.v[0], "n1");
	TEST_EQ_STR(nn.v[1], "n2");
	TEST_EQ_STR(nn.v[2], "n3");
	TEST_EQ_INT(nn.live[0], 4);
	TEST_EQ_INT(nn.live[1], 1);
	TEST_EQ_INT(nn.live[2], 1);

	/* stale: other nodes only, last sign of life strictly before */
	TEST_EQ_INT(store_call_close_stale(db.st, "n1", 20000, &closed), 0);
	TEST_EQ_INT(closed, 1);
	TEST_EQ_INT(check_cut(db.st, f, 6000, 6000), 0); /* answer: 0 s */
	TEST_EQ_INT(check_live(db.st, h), 0);            /* beat at 20 s */
	TEST_EQ_INT(check_live(db.st, a), 0);            /* self */
	TEST_EQ_INT(store_call_close_stale(db.st, "n1", 20001, &closed), 0);
	TEST_EQ_INT(closed, 1);
	TEST_EQ_INT(check_cut(db.st, h, 20000, 16000), 0);
	TEST_EQ_INT(store_call_close_stale(db.st, "n1", 99999, &closed), 0);
	TEST_EQ_INT(closed, 0);
	TEST_EQ_INT(check_live(db.st, a), 0);

	/* the node's own: at the heartbeat, or the answer / start after it */
	TEST_EQ_INT(store_call_close_node(db.st, "n1", &closed), 0);
	TEST_EQ_INT(closed, 4);
	TEST_EQ_INT(check_cut(db.st, a, 10000, 3000), 0);
	TEST_EQ_INT(store_call_get(db.st, a, &g), 0);
	TEST_EQ_INT(g.ended_at - g.answered_at, 7000); /* billed: 7 s */
	TEST_EQ_INT(check_cut(db.st, b, 10000, 0), 0);
	TEST_EQ_INT(check_cut(db.st, c, 12000, 12000), 0);
	TEST_EQ_INT(check_cut(db.st, d, 11500, 0), 0);
	TEST_EQ_INT(store_call_get(db.st, e, &g), 0); /* completed: kept */
	TEST_EQ_INT(g.ended_at, 4000);
	TEST_EQ_INT(g.disposition, STORE_DISP_ANSWERED);
	TEST_EQ_INT(g.ended_by, STORE_PARTY_CALLER);
	TEST_EQ_INT(g.sip_code, 200);
	TEST_EQ_INT(store_call_close_node(db.st, "n1", &closed), 0);
	TEST_EQ_INT(closed, 0);
	TEST_EQ_INT(store_node_get(db.st, "n1", &n), 0);
	TEST_EQ_INT(n.live_calls, 0);
	TEST_EQ_INT(store_node_get(db.st, "n2", &n), ENOENT); /* gone now */

	/* a new run of n1: started_at moves, its old calls stay as closed */
	TEST_EQ_INT(store_node_heartbeat(db.st, "n1", 30000, 30000), 0);
	TEST_EQ_INT(store_node_get(db.st, "n1", &n), 0);
	TEST_EQ_INT(n.started_at, 30000);
	TEST_EQ_INT(n.heartbeat_at, 30000);
	TEST_EQ_INT(check_cut(db.st, a, 10000, 3000), 0);
	TEST_EQ_INT(store_node_heartbeat(db.st, "n1", 0, 0), 0); /* now */
	TEST_EQ_INT(store_node_get(db.st, "n1", &n), 0);
	TEST_EQ_INT(n.started_at, T0);
	TEST_EQ_INT(n.heartbeat_at, T0);

	/* arguments */
	TEST_EQ_INT(store_node_heartbeat(db.st, "", 1, 1), EINVAL);
	TEST_EQ_INT(store_node_heartbeat(NULL, "n1", 1, 1), EINVAL);
	TEST_EQ_INT(store_node_heartbeat(db.st,
					 "0123456789012345678901234567890123456"
					 "789012345678901234567890123456789",
					 1, 1),
		    EINVAL);
	TEST_EQ_INT(store_call_close_node(db.st, NULL, &closed), EINVAL);
	TEST_EQ_INT(store_call_close_stale(db.st, "", 1, &closed), EINVAL);
	TEST_EQ_INT(store_call_close_stale(db.st, "n1", 0, &closed), EINVAL);
	TEST_EQ_INT(store_node_list(db.st, NULL, NULL), EINVAL);
	TEST_EQ_INT(fx_live(db.st, "n4", 40000, 0, &x), 0);
	TEST_EQ_INT(store_call_close_node(db.st, "n4", NULL), 0);
	TEST_EQ_INT(check_cut(db.st, x, 40000, 0), 0);
out:
	tdb_close(&db);
	return err;
}
