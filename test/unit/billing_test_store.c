/*
 * billing_test_store.c - a bill from real records: the queue engine on a
 * simulated clock records each visit and the agent's wrap-up (acd/stats.c,
 * migration 37) into a real store; calls of a client answered in a pool
 * queue of the service tenant (the record keeps the client's tenant);
 * billing_bill_load() reads them per Berlin month.  A call that starts
 * at 23:59 on November 30 and talks past midnight is November's whole;
 * one at 00:59 on December 1 is December's; a running call is not
 * billed; the service tenant's bill is empty.
 */
#include <errno.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "acd/acd_int.h"
#include "billing/billing.h"
#include "test.h"
#include "store_test.h"

enum { SEC = 1000, E0 = 1000000, NREC = 4 };

/* 2026-11-30 23:59:00 Berlin (22:59:00Z) on the engine's E0 */
#define BASE 1796079540000ULL

struct ctx {
	struct acd_stats *stats;
	int64_t rec[NREC];
	struct acd_offer last;
};

static uint64_t clock_h(uint64_t now, void *arg)
{
	(void)arg;
	return BASE + (now - E0);
}

static void on_event(const struct acd_event *ev, void *arg)
{
	struct ctx *c = arg;
	struct acd_pub_call pc = {"", 0, NULL, NULL, 0};

	if (ev->caller > 0 && ev->caller < NREC)
		pc.record_id = c->rec[ev->caller];
	acd_stats_event(c->stats, ev, &pc);
}

static void on_offer(const struct acd_offer *o, void *arg)
{
	struct ctx *c = arg;

	c->last = *o;
}

static uint64_t at(unsigned s)
{
	return E0 + (uint64_t)s * SEC;
}

/* A call record of tenant arrived at s (ended at end, 0: running). */
static int record(struct store *st, int64_t tenant, unsigned s, unsigned end,
		  int64_t *idp)
{
	struct store_call *rec = mem_zalloc(sizeof(*rec), NULL);
	int err;

	if (!rec)
		return ENOMEM;
	rec->tenant_id = tenant;
	rec->direction = STORE_DIR_INBOUND;
	str_copy(rec->from_number, "+492215550001", sizeof(rec->from_number));
	rec->started_at = BASE + (uint64_t)s * SEC;
	err = store_call_add(st, rec);
	*idp = rec->id;
	mem_deref(rec);
	if (!err && end)
		err = store_call_ended(st, *idp, BASE + (uint64_t)end * SEC,
				       STORE_DISP_ANSWERED, 200,
				       STORE_PARTY_CALLER);
	return err;
}

/* Caller i arrives and joins at s, is offered and answered at a. */
static int answered(struct acd_engine *e, struct ctx *c, int64_t q, int i,
		    unsigned s, unsigned a)
{
	struct acd_caller_in in = {.id = i, .prio = ACD_PRIO_NORMAL};
	enum acd_outcome out = ACD_FULL;
	int err;

	in.arrived = at(s);
	err = acd_engine_join(e, q, &in, at(s), &out);
	if (err || out != ACD_JOINED)
		return err ? err : EPROTO;
	(void)acd_engine_tick(e, at(s));
	if (acd_engine_dispatch(e, at(s), on_offer, c) != 1)
		return EPROTO;
	return acd_engine_answer(e, i, 1, at(a));
}

static int pool_queue(struct store *st, int64_t tenant, int64_t *idp)
{
	struct store_queue *q = mem_zalloc(sizeof(*q), NULL);
	int err;

	if (!q)
		return ENOMEM;
	q->tenant_id = tenant;
	str_copy(q->name, "Pool", sizeof(q->name));
	q->strategy = STORE_QUEUE_RING_ALL;
	q->ring_timeout = 300;
	q->wrapup = 200;
	q->max_wait = 600;
	q->service_level = 20;
	err = store_queue_add(st, q);
	*idp = q->id;
	mem_deref(q);
	return err;
}

int test_billing_store(void)
{
	struct store_queue_visit v;
	struct billing_bill *b = NULL;
	struct acd_engine *e = NULL;
	struct acd_member m = {1, 0};
	struct acd_qconf qc;
	struct ctx c;
	struct tdb db;
	int64_t service = 0, client = 0, q = 0;
	int err = 0;

	memset(&c, 0, sizeof(c));
	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &service, &client), 0);
	TEST_EQ_INT(pool_queue(db.st, service, &q), 0);
	TEST_EQ_INT(acd_engine_alloc(&e, on_event, &c), 0);
	TEST_EQ_INT(acd_stats_alloc(&c.stats, db.st, e, clock_h, NULL), 0);
	memset(&qc, 0, sizeof(qc));
	qc.id = q;
	qc.tenant_id = service;
	qc.strategy = ACD_RING_ALL;
	qc.ring_timeout_s = 300;
	qc.wrapup_s = 200;
	TEST_EQ_INT(acd_engine_queue_set(e, &qc), 0);
	TEST_EQ_INT(acd_engine_members(e, q, &m, 1), 0);
	TEST_EQ_INT(acd_engine_agent_login(e, 1, at(0)), 0);

	/* 1: 23:59:00, answered 23:59:10, talks 100 s past midnight; the
	 * agent ends the wrap-up after 121 s */
	TEST_EQ_INT(record(db.st, client, 0, 110, &c.rec[1]), 0);
	TEST_EQ_INT(answered(e, &c, q, 1, 0, 10), 0);
	TEST_EQ_INT(acd_engine_call_end(e, 1, at(110)), 0);
	TEST_EQ_INT(acd_engine_wrapup_end(e, 1, at(231)), 0);
	/* 2: Dec 1 00:59:00, talks 15 s, the wrap-up runs its 200 s */
	TEST_EQ_INT(record(db.st, client, 3600, 3620, &c.rec[2]), 0);
	TEST_EQ_INT(answered(e, &c, q, 2, 3600, 3605), 0);
	TEST_EQ_INT(acd_engine_call_end(e, 1, at(3620)), 0);
	(void)acd_engine_tick(e, at(3820));
	/* 3: Nov 30 23:59:30, answered, still running: not billed */
	TEST_EQ_INT(record(db.st, client, 30, 0, &c.rec[3]), 0);
	memset(&v, 0, sizeof(v));
	v.queue_id = q;
	v.call_id = c.rec[3];
	v.arrived_at = BASE + 30 * SEC;
	v.outcome = STORE_VISIT_ANSWERED;
	TEST_EQ_INT(store_queue_visit_add(db.st, &v), 0);
	TEST_EQ_INT(
	    store_queue_visit_handled(db.st, v.id, 50 * SEC, BASE + 90 * SEC),
	    0);

	/* the visits' wrap-ups as recorded */
	TEST_EQ_INT(store_queue_visit_get(db.st, 1, &v), 0);
	TEST_EQ_INT(v.handle_ms, 100 * SEC);

	TEST_EQ_INT(billing_bill_load(&b, db.st, client, "2026-11"), 0);
	TEST_EQ_INT(b->linec, 1);
	TEST_EQ_INT(b->linev[0].call_id, c.rec[1]);
	TEST_EQ_INT(b->linev[0].talk_s, 100);
	TEST_EQ_INT(b->linev[0].wrapup_s, 121);
	TEST_EQ_INT(b->linev[0].wrapup_counted_s, 120);
	TEST_ASSERT(b->linev[0].acceptance);
	/* 3540 + 59 * 220 = 16520/60 = 275.33 -> 275; VAT 52.25 -> 52 */
	TEST_EQ_INT(b->linev[0].amount_x, 16520);
	TEST_EQ_INT(b->net_cents, 275);
	TEST_EQ_INT(b->vat_cents, 52);
	TEST_EQ_INT(b->gross_cents, 327);
	b = mem_deref(b);

	TEST_EQ_INT(billing_bill_load(&b, db.st, client, "2026-12"), 0);
	TEST_EQ_INT(b->linec, 1);
	TEST_EQ_INT(b->linev[0].call_id, c.rec[2]);
	TEST_EQ_INT(b->linev[0].talk_s, 15);
	TEST_ASSERT(!b->linev[0].acceptance);
	TEST_EQ_INT(b->linev[0].wrapup_s, 200);
	TEST_EQ_INT(b->linev[0].wrapup_counted_s, 120);
	/* 59 * 135 = 7965/60 = 132.75 -> 133; VAT 25.27 -> 25 */
	TEST_EQ_INT(b->net_cents, 133);
	TEST_EQ_INT(b->gross_cents, 158);
	b = mem_deref(b);

	/* the pool's tenant is not billed for its clients' calls */
	TEST_EQ_INT(billing_bill_load(&b, db.st, service, "2026-11"), 0);
	TEST_EQ_INT(b->linec, 0);
	TEST_EQ_INT(b->gross_cents, 0);
	b = mem_deref(b);
	TEST_EQ_INT(billing_bill_load(&b, db.st, 999, "2026-11"), ENOENT);
	TEST_EQ_INT(billing_bill_load(&b, db.st, client, "2026-13"), EINVAL);
out:
	mem_deref(b);
	mem_deref(c.stats);
	mem_deref(e);
	tdb_close(&db);
	return err;
}
