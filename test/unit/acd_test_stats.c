/*
 * acd_test_stats.c - queue statistics: the queue engine (acd_int.h)
 * driven on a simulated clock with a scripted set of callers, each visit
 * recorded by stats.c into a real store, and the report (report.c) of
 * that day checked figure by figure, exactly: answered within and after
 * the service level (20 s, and one exactly at 20 s), abandoned, timeout,
 * voicemail and callback chosen while waiting, full, closed and no agents
 * turned away, one still on a call and one still waiting.  Waits count
 * from the call's arrival at our server, which is before the caller
 * joined the queue (a menu first).
 */
#include <errno.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "acd/acd.h"
#include "acd/acd_int.h"
#include "test.h"
#include "store_test.h"

enum {
	SEC = 1000,
	E0 = 1000000, /* [ms] the engine's clock at BASE */
	Q = 0,        /* index of the queue id in ids[] */
	NCALLERS = 13,
};

/* 2026-12-07 09:00 in Berlin (08:00 UTC) on the engine's E0; the day
 * starts at 2026-12-06T23:00:00Z. */
#define BASE 1796630400000ULL
#define DAY0 1796598000000ULL

struct ctx {
	struct acd_stats *stats;
	int64_t rec[NCALLERS]; /* call record of caller i */
	struct acd_offer last;
	unsigned offers;
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

	if (ev->caller > 0 && ev->caller < NCALLERS)
		pc.record_id = c->rec[ev->caller];
	acd_stats_event(c->stats, ev, &pc);
}

static void on_offer(const struct acd_offer *o, void *arg)
{
	struct ctx *c = arg;

	c->last = *o;
	c->offers++;
}

static uint64_t at(unsigned s)
{
	return E0 + (uint64_t)s * SEC;
}

/* Caller i's call record: from +49221555000i, arrived at s. */
static int record(struct store *st, struct ctx *c, int64_t tenant, int i,
		  unsigned s)
{
	struct store_call *rec = mem_zalloc(sizeof(*rec), NULL);
	int err;

	if (!rec)
		return ENOMEM;
	rec->tenant_id = tenant;
	rec->direction = STORE_DIR_INBOUND;
	re_snprintf(rec->from_number, sizeof(rec->from_number),
		    "+4922155500%02d", i);
	str_copy(rec->to_number, "+4922182829961", sizeof(rec->to_number));
	rec->started_at = BASE + (uint64_t)s * SEC;
	err = store_call_add(st, rec);
	c->rec[i] = rec->id;
	mem_deref(rec);
	return err;
}

/* Caller i (record arrived at s) joins at j; the outcome. */
static int join(struct acd_engine *e, int64_t q, int i, unsigned s, unsigned j)
{
	struct acd_caller_in in = {.id = i, .prio = ACD_PRIO_NORMAL};
	enum acd_outcome out = ACD_FULL;
	int err;

	in.arrived = at(s);
	err = acd_engine_join(e, q, &in, at(j), &out);
	return err ? -err : (int)out;
}

/* Tick and decide at s: the number of new offers. */
static unsigned step(struct acd_engine *e, struct ctx *c, unsigned s)
{
	(void)acd_engine_tick(e, at(s));
	return acd_engine_dispatch(e, at(s), on_offer, c);
}

static int queue_add(struct store *st, int64_t tenant, int64_t *idp)
{
	struct store_queue *q = mem_zalloc(sizeof(*q), NULL);
	int err;

	if (!q)
		return ENOMEM;
	q->tenant_id = tenant;
	str_copy(q->name, "Hotline", sizeof(q->name));
	q->strategy = STORE_QUEUE_RING_ALL;
	q->ring_timeout = 300;
	q->max_wait = 120;
	q->service_level = 20;
	err = store_queue_add(st, q);
	*idp = q->id;
	mem_deref(q);
	return err;
}

/* The figures of a stats report, as the test expects them. */
struct want {
	unsigned offered, answered, within, abandoned, timeouts, full;
	unsigned no_agents, closed, voicemail, callback, waiting;
	unsigned cb_req, cb_done;
	int sl, abandoned_avg, asa, p50, p90, longest, aht;
};

static int figures_are(const struct acd_figures *f, const struct want *w)
{
	int err = 0;

	TEST_EQ_INT(f->offered, w->offered);
	TEST_EQ_INT(f->answered, w->answered);
	TEST_EQ_INT(f->answered_within_sl, w->within);
	TEST_EQ_INT(f->abandoned, w->abandoned);
	TEST_EQ_INT(f->timeouts, w->timeouts);
	TEST_EQ_INT(f->full, w->full);
	TEST_EQ_INT(f->no_agents, w->no_agents);
	TEST_EQ_INT(f->closed, w->closed);
	TEST_EQ_INT(f->voicemail, w->voicemail);
	TEST_EQ_INT(f->callback, w->callback);
	TEST_EQ_INT(f->waiting, w->waiting);
	TEST_EQ_INT(f->callbacks_requested, w->cb_req);
	TEST_EQ_INT(f->callbacks_completed, w->cb_done);
	TEST_EQ_INT(f->service_level_permille, w->sl);
	TEST_EQ_INT(f->abandoned_avg_ms, w->abandoned_avg);
	TEST_EQ_INT(f->asa_ms, w->asa);
	TEST_EQ_INT(f->wait_p50_ms, w->p50);
	TEST_EQ_INT(f->wait_p90_ms, w->p90);
	TEST_EQ_INT(f->longest_wait_ms, w->longest);
	TEST_EQ_INT(f->aht_ms, w->aht);
out:
	return err;
}

static int visit_h(const struct store_queue_visit *v, void *arg)
{
	unsigned *n = arg;

	(void)v;
	++*n;
	return 0;
}

int test_acd_stats(void)
{
	struct store_queue_visit v;
	struct acd_engine *e = NULL;
	struct acd_report *r = NULL;
	struct acd_member m = {1, 0};
	struct acd_qconf qc;
	struct ctx c;
	struct tdb db;
	int64_t tenant = 0, q = 0, cb_visit;
	unsigned n = 0;
	size_t i;
	int err = 0;

	memset(&c, 0, sizeof(c));
	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenant(db.st, "One", NULL, NULL, &tenant), 0);
	TEST_EQ_INT(queue_add(db.st, tenant, &q), 0);
	TEST_EQ_INT(acd_engine_alloc(&e, on_event, &c), 0);
	TEST_EQ_INT(acd_stats_alloc(&c.stats, db.st, e, clock_h, NULL), 0);
	memset(&qc, 0, sizeof(qc));
	qc.id = q;
	qc.tenant_id = tenant;
	qc.strategy = ACD_RING_ALL;
	qc.ring_timeout_s = 300;
	qc.max_wait_s = 120;
	TEST_EQ_INT(acd_engine_queue_set(e, &qc), 0);
	TEST_EQ_INT(acd_engine_members(e, q, &m, 1), 0);
	for (i = 1; i < NCALLERS; i++)
		TEST_EQ_INT(record(db.st, &c, tenant, (int)i,
				   (unsigned[]){0, 0, 10, 20, 30, 60, 78, 89,
						95, 0, 3700, 3800, 3810}[i]),
			    0);

	/* ---- 09:00 Berlin: agent 1 alone ---- */
	TEST_EQ_INT(acd_engine_agent_login(e, 1, at(0)), 0);
	/* 1: arrives 0, a menu, joins 5, answered 12 (12 s: within) */
	TEST_EQ_INT(join(e, q, 1, 0, 5), ACD_JOINED);
	TEST_EQ_INT(step(e, &c, 5), 1);
	TEST_EQ_INT(c.last.caller, 1);
	TEST_EQ_INT(acd_engine_answer(e, 1, 1, at(12)), 0);
	/* 2 (10/10), 3 (20/22), 4 (30/30) wait: the agent is busy */
	TEST_EQ_INT(join(e, q, 2, 10, 10), ACD_JOINED);
	TEST_EQ_INT(join(e, q, 3, 20, 22), ACD_JOINED);
	TEST_EQ_INT(join(e, q, 4, 30, 30), ACD_JOINED);
	TEST_EQ_INT(step(e, &c, 30), 0);
	/* 3 hangs up at 50: abandoned after 30 s */
	TEST_EQ_INT(acd_engine_leave(e, 3, at(50)), 0);
	/* 5 (60/62) leaves a message at 70 (10 s) */
	TEST_EQ_INT(join(e, q, 5, 60, 62), ACD_JOINED);
	acd_stats_choice(c.stats, 5, ACD_EXIT_VOICEMAIL);
	TEST_EQ_INT(acd_engine_leave(e, 5, at(70)), 0);
	/* 6 (78) finds the queue full at 80, 7 (89) closed at 90 */
	acd_stats_refused(c.stats, q,
			  &(struct acd_pub_call){"", c.rec[6], NULL, NULL, 0},
			  ACD_EXIT_FULL, at(80));
	acd_stats_refused(c.stats, q,
			  &(struct acd_pub_call){"", c.rec[7], NULL, NULL, 0},
			  ACD_EXIT_CLOSED, at(90));
	/* 8 (95/96) asks for a callback at 100 (5 s); it reaches them */
	TEST_EQ_INT(join(e, q, 8, 95, 96), ACD_JOINED);
	cb_visit = acd_stats_visit(c.stats, 8);
	TEST_ASSERT(cb_visit > 0);
	acd_stats_choice(c.stats, 8, ACD_EXIT_CALLBACK);
	TEST_EQ_INT(acd_engine_leave(e, 8, at(100)), 0);
	TEST_EQ_INT(acd_stats_visit(c.stats, 8), 0);
	TEST_EQ_INT(store_queue_visit_callback(db.st, cb_visit, true), 0);
	/* 1's call ends at 112: 100 s of talk; 2 is next, answered at 115
	 * (105 s: after the service level), ends at 160 (45 s) */
	TEST_EQ_INT(acd_engine_call_end(e, 1, at(112)), 0);
	TEST_EQ_INT(step(e, &c, 112), 1);
	TEST_EQ_INT(c.last.caller, 2);
	TEST_EQ_INT(acd_engine_answer(e, 2, 1, at(115)), 0);
	/* 4 reaches max_wait (120 s after joining at 30) at 150 */
	TEST_EQ_INT(step(e, &c, 150), 0);
	TEST_EQ_INT(acd_engine_call_end(e, 1, at(160)), 0);
	TEST_EQ_INT(step(e, &c, 160), 0);

	/* ---- 10:00 Berlin ---- */
	TEST_EQ_INT(acd_engine_agent_logout(e, 1, at(3600)), 0);
	/* 10 arrives 3700: nobody logged in (3 s later) */
	TEST_EQ_INT(join(e, q, 10, 3700, 3703), ACD_NO_AGENTS);
	acd_stats_refused(c.stats, q,
			  &(struct acd_pub_call){"", c.rec[10], NULL, NULL, 0},
			  ACD_EXIT_NO_AGENTS, at(3703));
	/* 11 (3800/3801) answered at 3820: exactly 20 s, still within;
	 * still on the call; 12 (3810) still waits */
	TEST_EQ_INT(acd_engine_agent_login(e, 1, at(3800)), 0);
	TEST_EQ_INT(join(e, q, 11, 3800, 3801), ACD_JOINED);
	TEST_EQ_INT(step(e, &c, 3801), 1);
	TEST_EQ_INT(acd_engine_answer(e, 11, 1, at(3820)), 0);
	TEST_EQ_INT(join(e, q, 12, 3810, 3810), ACD_JOINED);

	/* the rows */
	TEST_EQ_INT(store_queue_visit_get(db.st, 1, &v), 0);
	TEST_EQ_INT(v.tenant_id, tenant);
	TEST_EQ_INT(v.queue_id, q);
	TEST_EQ_INT(v.call_id, c.rec[1]);
	TEST_EQ_STR(v.caller, "+492215550001");
	TEST_EQ_INT(v.arrived_at, BASE);
	TEST_EQ_INT(v.joined_at, BASE + 5 * SEC);
	TEST_EQ_INT(v.outcome, STORE_VISIT_ANSWERED);
	TEST_EQ_INT(v.left_at, BASE + 12 * SEC);
	TEST_EQ_INT(v.wait_ms, 12 * SEC);
	TEST_EQ_INT(v.agent_id, 1);
	TEST_EQ_INT(v.handle_ms, 100 * SEC);
	TEST_EQ_INT(v.ended_at, BASE + 112 * SEC);
	TEST_EQ_INT(v.callback_requested, false);
	TEST_EQ_INT(store_queue_visit_get(db.st, 3, &v), 0);
	TEST_EQ_INT(v.outcome, STORE_VISIT_ABANDONED);
	TEST_EQ_INT(v.wait_ms, 30 * SEC);
	TEST_EQ_INT(v.agent_id, 0);
	TEST_EQ_INT(v.joined_at, BASE + 22 * SEC);
	TEST_EQ_INT(store_queue_visit_get(db.st, 4, &v), 0);
	TEST_EQ_INT(v.outcome, STORE_VISIT_TIMEOUT);
	TEST_EQ_INT(v.wait_ms, 120 * SEC);
	TEST_EQ_INT(v.left_at, BASE + 150 * SEC);
	TEST_EQ_INT(store_queue_visit_get(db.st, 6, &v), 0); /* caller 6 */
	TEST_EQ_INT(v.outcome, STORE_VISIT_FULL);
	TEST_EQ_STR(v.caller, "+492215550006");
	TEST_EQ_INT(v.arrived_at, BASE + 78 * SEC);
	TEST_EQ_INT(v.joined_at, 0);
	TEST_EQ_INT(v.wait_ms, 2 * SEC);
	TEST_EQ_INT(store_queue_visit_get(db.st, cb_visit, &v), 0);
	TEST_EQ_INT(v.outcome, STORE_VISIT_CALLBACK);
	TEST_EQ_INT(v.callback_requested, true);
	TEST_EQ_INT(v.callback_completed, true);
	TEST_EQ_INT(v.wait_ms, 5 * SEC);
	TEST_EQ_INT(store_queue_visit_get(db.st, 10, &v), 0); /* caller 11 */
	TEST_EQ_INT(v.outcome, STORE_VISIT_ANSWERED);
	TEST_EQ_INT(v.wait_ms, 20 * SEC);
	TEST_EQ_INT(v.ended_at, 0);
	TEST_EQ_INT(store_queue_visit_get(db.st, 11, &v), 0); /* caller 12 */
	TEST_EQ_INT(v.outcome, STORE_VISIT_WAITING);
	TEST_EQ_INT(v.left_at, 0);

	/* the report of that Berlin day: 24 hours from 00:00 (23:00 UTC) */
	TEST_EQ_INT(acd_report(db.st, q, 20, DAY0, DAY0 + 24 * 3600 * SEC, &r),
		    0);
	TEST_EQ_INT(r->hourc, 24);
	TEST_EQ_INT(r->hourv[9].start, BASE);
	for (i = 0; i < 24; i++) {
		if (i != 9 && i != 10)
			TEST_EQ_INT(r->hourv[i].offered, 0);
	}
	TEST_EQ_INT(r->hourv[0].asa_ms, -1);
	/* 09:00: waits 5, 10, 12, 30, 105, 120 s; SL 1 of 2 + 1 + 1 */
	err = figures_are(&r->hourv[9], &(struct want){.offered = 8,
						       .answered = 2,
						       .within = 1,
						       .abandoned = 1,
						       .timeouts = 1,
						       .full = 1,
						       .closed = 1,
						       .voicemail = 1,
						       .callback = 1,
						       .cb_req = 1,
						       .cb_done = 1,
						       .sl = 250,
						       .abandoned_avg = 30000,
						       .asa = 58500,
						       .p50 = 12000,
						       .p90 = 120000,
						       .longest = 120000,
						       .aht = 72500});
	TEST_EQ_INT(err, 0);
	/* 10:00: one answered at 20 s (still talking), one waiting */
	err = figures_are(&r->hourv[10], &(struct want){.offered = 3,
							.answered = 1,
							.within = 1,
							.no_agents = 1,
							.waiting = 1,
							.sl = 1000,
							.abandoned_avg = -1,
							.asa = 20000,
							.p50 = 20000,
							.p90 = 20000,
							.longest = 20000,
							.aht = -1});
	TEST_EQ_INT(err, 0);
	/* the day: waits 5, 10, 12, 20, 30, 105, 120 s; ASA 137 s / 3 */
	err = figures_are(&r->total, &(struct want){.offered = 11,
						    .answered = 3,
						    .within = 2,
						    .abandoned = 1,
						    .timeouts = 1,
						    .full = 1,
						    .no_agents = 1,
						    .closed = 1,
						    .voicemail = 1,
						    .callback = 1,
						    .waiting = 1,
						    .cb_req = 1,
						    .cb_done = 1,
						    .sl = 400,
						    .abandoned_avg = 30000,
						    .asa = 45667,
						    .p50 = 20000,
						    .p90 = 120000,
						    .longest = 120000,
						    .aht = 72500});
	TEST_EQ_INT(err, 0);
	TEST_EQ_INT(r->total.start, DAY0);
	r = mem_deref(r);

	/* a range that is not whole hours, or none */
	TEST_EQ_INT(acd_report(db.st, q, 20, DAY0, DAY0 + 1, &r), EINVAL);
	TEST_EQ_INT(acd_report(db.st, q, 20, DAY0, DAY0, &r), EINVAL);
	/* the list: [from, to) by arrival */
	TEST_EQ_INT(store_queue_visit_list(db.st, q, BASE, BASE + 60 * SEC,
					   visit_h, &n),
		    0);
	TEST_EQ_INT(n, 4); /* arrived 0, 10, 20, 30 */
	/* the store's refusals */
	memset(&v, 0, sizeof(v));
	v.queue_id = 424242;
	v.arrived_at = BASE;
	TEST_EQ_INT(store_queue_visit_add(db.st, &v), ENOENT);
	v.queue_id = q;
	v.arrived_at = 0;
	TEST_EQ_INT(store_queue_visit_add(db.st, &v), EINVAL);
	TEST_EQ_INT(store_queue_visit_callback(db.st, 424242, false), ENOENT);
	TEST_EQ_INT(store_queue_visit_handled(db.st, 424242, 1, BASE), ENOENT);
out:
	mem_deref(r);
	mem_deref(c.stats);
	mem_deref(e);
	tdb_close(&db);
	return err;
}
