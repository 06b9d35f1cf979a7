/*
 * acd_test.c - the queue engine (src/acd/acd_int.h) on a clock of its own:
 * every strategy, widening by time (skills and tiers), the order of
 * callers (FIFO, VIP, back from a callback), that no busy, ringing,
 * paused, logged-out or wrap-up agent is ever offered a call, misses and
 * the pause "no answer", wrap-up ended by time and early, the limits.
 */
#include <errno.h>
#include <re.h>
#include "acd/acd_int.h"
#include "test.h"

enum { SEC = 1000, T0 = 1000000 };

/* What the engine told us. */
struct rec {
	struct acd_offer last; /* the last offer */
	unsigned offers;
	unsigned ev[ACD_EV_AGENT + 1];
	uint64_t last_ms[ACD_EV_AGENT + 1]; /* ms of the last event of a type */
	int64_t last_caller[ACD_EV_AGENT + 1];
	unsigned position; /* of the last JOINED */
};

static void on_event(const struct acd_event *ev, void *arg)
{
	struct rec *r = arg;

	r->ev[ev->type]++;
	r->last_ms[ev->type] = ev->ms;
	r->last_caller[ev->type] = ev->caller;
	if (ev->type == ACD_EV_JOINED)
		r->position = ev->position;
}

static void on_offer(const struct acd_offer *o, void *arg)
{
	struct rec *r = arg;

	r->last = *o;
	r->offers++;
}

/* A queue id with strategy s and agents 1..n as members (tier 0). */
static int setup(struct acd_engine **ep, struct rec *r, int64_t id,
		 enum acd_strategy s, size_t n, struct acd_qconf *qc)
{
	struct acd_member m[16];
	size_t i;
	int err;

	memset(r, 0, sizeof(*r));
	err = *ep ? 0 : acd_engine_alloc(ep, on_event, r);
	if (err)
		return err;
	memset(qc, 0, sizeof(*qc));
	qc->id = id;
	qc->tenant_id = 1;
	qc->strategy = s;
	qc->ring_timeout_s = 15;
	qc->max_misses = 3;
	err = acd_engine_queue_set(*ep, qc);
	for (i = 0; !err && i < n; i++) {
		m[i].agent = (int64_t)i + 1;
		m[i].tier = 0;
	}
	if (!err)
		err = acd_engine_members(*ep, id, m, n);
	return err;
}

static int join(struct acd_engine *e, int64_t q, int64_t id, enum acd_prio prio,
		uint64_t arrived, uint64_t now)
{
	struct acd_caller_in c = {.id = id, .prio = prio, .arrived = arrived};
	enum acd_outcome out = ACD_FULL;
	int err = acd_engine_join(e, q, &c, now, &out);

	return err ? -err : (int)out;
}

static int state_of(const struct acd_engine *e, int64_t agent)
{
	struct acd_agent_info ai;

	return acd_engine_agent(e, agent, &ai) ? -1 : (int)ai.state;
}

/* A tick, then a decision: how the caller side drives the engine. */
static unsigned dispatch(struct acd_engine *e, uint64_t now, acd_offer_h *h,
			 void *arg)
{
	(void)acd_engine_tick(e, now);
	return acd_engine_dispatch(e, now, h, arg);
}

/* The one agent of the last offer, or -1 if it had several. */
static int64_t one(const struct rec *r)
{
	return r->last.agentc == 1 ? r->last.agentv[0] : -1;
}

int test_acd_ring_all(void)
{
	struct acd_engine *e = NULL;
	struct acd_qconf qc;
	struct rec r;
	int err, i;

	err = setup(&e, &r, 1, ACD_RING_ALL, 5, &qc);
	TEST_EQ_INT(err, 0);
	for (i = 1; i <= 5; i++)
		TEST_EQ_INT(acd_engine_agent_login(e, i, T0), 0);
	TEST_EQ_INT(acd_engine_agent_pause(e, 2, "lunch", T0), 0);
	TEST_EQ_INT(acd_engine_agent_busy(e, 3, true), 0);
	TEST_EQ_INT(acd_engine_agent_logout(e, 4, T0), 0);
	TEST_EQ_INT(join(e, 1, 100, ACD_PRIO_NORMAL, T0, T0), ACD_JOINED);
	TEST_EQ_INT(dispatch(e, T0, on_offer, &r), 1);
	TEST_EQ_INT(r.last.agentc, 2);
	TEST_EQ_INT(r.last.agentv[0], 1);
	TEST_EQ_INT(r.last.agentv[1], 5);
	TEST_EQ_INT(r.last.expires, T0 + 15 * SEC);
	TEST_EQ_INT(r.ev[ACD_EV_OFFERED], 2);
	TEST_EQ_INT(state_of(e, 1), ACD_RINGING);
	TEST_EQ_INT(state_of(e, 5), ACD_RINGING);

	/* a second caller: nobody is left to ring */
	TEST_EQ_INT(join(e, 1, 101, ACD_PRIO_NORMAL, T0, T0 + SEC), ACD_JOINED);
	TEST_EQ_INT(dispatch(e, T0 + SEC, on_offer, &r), 0);

	/* 5 answers: 1 stops ringing without a miss and gets caller 101 */
	TEST_EQ_INT(acd_engine_answer(e, 100, 5, T0 + 4 * SEC), 0);
	TEST_EQ_INT(r.last_ms[ACD_EV_ANSWERED], 4 * SEC);
	TEST_EQ_INT(state_of(e, 5), ACD_ON_CALL);
	TEST_EQ_INT(state_of(e, 1), ACD_AVAILABLE);
	TEST_EQ_INT(r.ev[ACD_EV_MISSED], 0);
	TEST_EQ_INT(acd_engine_answer(e, 100, 1, T0 + 4 * SEC), ENOENT);
	TEST_EQ_INT(dispatch(e, T0 + 4 * SEC, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 1);
	TEST_EQ_INT(r.last.caller, 101);

	/* the direct call ends: 3 may be offered again */
	TEST_EQ_INT(acd_engine_agent_busy(e, 3, false), 0);
	TEST_EQ_INT(join(e, 1, 102, ACD_PRIO_NORMAL, T0, T0 + 5 * SEC),
		    ACD_JOINED);
	TEST_EQ_INT(dispatch(e, T0 + 5 * SEC, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 3);
out:
	mem_deref(e);
	return err;
}

int test_acd_round_robin(void)
{
	struct acd_engine *e = NULL;
	struct acd_qconf qc;
	struct rec r;
	int64_t want[] = {1, 2, 3, 1, 2};
	int err, i;
	uint64_t now = T0;

	err = setup(&e, &r, 1, ACD_ROUND_ROBIN, 3, &qc);
	TEST_EQ_INT(err, 0);
	for (i = 1; i <= 3; i++)
		TEST_EQ_INT(acd_engine_agent_login(e, i, T0 - i * SEC), 0);
	/* each call is answered and over before the next: memory, not
	 * idleness, decides */
	for (i = 0; i < 5; i++) {
		now += 10 * SEC;
		TEST_EQ_INT(join(e, 1, 100 + i, 0, now, now), ACD_JOINED);
		TEST_EQ_INT(dispatch(e, now, on_offer, &r), 1);
		TEST_EQ_INT(one(&r), want[i]);
		TEST_EQ_INT(acd_engine_answer(e, 100 + i, want[i], now), 0);
		TEST_EQ_INT(acd_engine_call_end(e, want[i], now + SEC), 0);
	}
	/* a paused member is skipped and the memory goes on after 1 */
	TEST_EQ_INT(acd_engine_agent_pause(e, 3, "meeting", now), 0);
	now += 10 * SEC;
	TEST_EQ_INT(join(e, 1, 200, 0, now, now), ACD_JOINED);
	TEST_EQ_INT(dispatch(e, now, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 1);
out:
	mem_deref(e);
	return err;
}

int test_acd_longest_idle(void)
{
	struct acd_engine *e = NULL;
	struct acd_qconf qc;
	struct rec r;
	int err;

	err = setup(&e, &r, 1, ACD_LONGEST_IDLE, 3, &qc);
	TEST_EQ_INT(err, 0);
	/* logins count as the end of a call: 2 is idle longest */
	TEST_EQ_INT(acd_engine_agent_login(e, 1, T0 + 2 * SEC), 0);
	TEST_EQ_INT(acd_engine_agent_login(e, 2, T0), 0);
	TEST_EQ_INT(acd_engine_agent_login(e, 3, T0 + SEC), 0);
	TEST_EQ_INT(join(e, 1, 100, 0, T0 + 5 * SEC, T0 + 5 * SEC), 0);
	TEST_EQ_INT(dispatch(e, T0 + 5 * SEC, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 2);
	TEST_EQ_INT(acd_engine_answer(e, 100, 2, T0 + 6 * SEC), 0);
	TEST_EQ_INT(acd_engine_call_end(e, 2, T0 + 60 * SEC), 0);
	/* 3 then 1, 2 last (its call ended last) */
	TEST_EQ_INT(join(e, 1, 101, 0, T0 + 61 * SEC, T0 + 61 * SEC), 0);
	TEST_EQ_INT(join(e, 1, 102, 0, T0 + 62 * SEC, T0 + 62 * SEC), 0);
	TEST_EQ_INT(join(e, 1, 103, 0, T0 + 63 * SEC, T0 + 63 * SEC), 0);
	TEST_EQ_INT(dispatch(e, T0 + 63 * SEC, on_offer, &r), 3);
	{
		struct acd_agent_info ai;

		TEST_EQ_INT(acd_engine_agent(e, 3, &ai), 0);
		TEST_EQ_INT(ai.caller, 101);
		TEST_EQ_INT(acd_engine_agent(e, 1, &ai), 0);
		TEST_EQ_INT(ai.caller, 102);
		TEST_EQ_INT(acd_engine_agent(e, 2, &ai), 0);
		TEST_EQ_INT(ai.caller, 103);
	}
out:
	mem_deref(e);
	return err;
}

int test_acd_fewest_calls(void)
{
	struct acd_engine *e = NULL;
	struct acd_qconf qc;
	struct rec r;
	uint64_t now = T0;
	int err, i;

	err = setup(&e, &r, 1, ACD_FEWEST_CALLS, 2, &qc);
	TEST_EQ_INT(err, 0);
	TEST_EQ_INT(acd_engine_agent_login(e, 1, T0), 0);
	/* 1 takes two calls while 2 is still logged out */
	for (i = 0; i < 2; i++) {
		now += 10 * SEC;
		TEST_EQ_INT(join(e, 1, 100 + i, 0, now, now), 0);
		TEST_EQ_INT(dispatch(e, now, on_offer, &r), 1);
		TEST_EQ_INT(one(&r), 1);
		TEST_EQ_INT(acd_engine_answer(e, 100 + i, 1, now), 0);
		TEST_EQ_INT(acd_engine_call_end(e, 1, now + SEC), 0);
	}
	/* 2 logs in last (idle shortest) but has fewer calls: 2, 2, then 1
	 * and 2 tie at two calls and 1 is idle longer */
	TEST_EQ_INT(acd_engine_agent_login(e, 2, now + 2 * SEC), 0);
	{
		int64_t want[] = {2, 2, 1};

		for (i = 0; i < 3; i++) {
			now += 10 * SEC;
			TEST_EQ_INT(join(e, 1, 200 + i, 0, now, now), 0);
			TEST_EQ_INT(dispatch(e, now, on_offer, &r), 1);
			TEST_EQ_INT(one(&r), want[i]);
			TEST_EQ_INT(acd_engine_answer(e, 200 + i, want[i], now),
				    0);
			TEST_EQ_INT(acd_engine_call_end(e, want[i], now + SEC),
				    0);
		}
	}
out:
	mem_deref(e);
	return err;
}

static void skill(struct acd_skill *s, const char *name, unsigned level)
{
	str_ncpy(s->name, name, sizeof(s->name));
	s->level = level;
}

int test_acd_skills_widen(void)
{
	struct acd_engine *e = NULL;
	struct acd_qconf qc;
	struct acd_skill s[2];
	struct rec r;
	int err, i;

	err = setup(&e, &r, 1, ACD_SKILLS, 4, &qc);
	TEST_EQ_INT(err, 0);
	/* German first; after 30 s anyone with the product */
	str_ncpy(qc.reqv[0].skill, "de", sizeof(qc.reqv[0].skill));
	qc.reqv[0].min_level = 5;
	qc.reqv[0].relax_s = 30;
	str_ncpy(qc.reqv[1].skill, "hosting", sizeof(qc.reqv[1].skill));
	qc.reqv[1].min_level = 1;
	qc.reqc = 2;
	TEST_EQ_INT(acd_engine_queue_set(e, &qc), 0);
	skill(&s[0], "de", 9);
	skill(&s[1], "hosting", 3);
	TEST_EQ_INT(acd_engine_agent_skills(e, 1, s, 2), 0); /* score 12 */
	skill(&s[0], "de", 5);
	skill(&s[1], "hosting", 9);
	TEST_EQ_INT(acd_engine_agent_skills(e, 2, s, 2), 0); /* score 14 */
	skill(&s[0], "en", 9);
	skill(&s[1], "hosting", 9);
	TEST_EQ_INT(acd_engine_agent_skills(e, 3, s, 2), 0); /* no German */
	skill(&s[0], "de", 9);
	TEST_EQ_INT(acd_engine_agent_skills(e, 4, s, 1), 0); /* no product */
	for (i = 1; i <= 4; i++)
		TEST_EQ_INT(acd_engine_agent_login(e, i, T0), 0);

	/* the best score of the German agents */
	TEST_EQ_INT(join(e, 1, 100, 0, T0, T0), 0);
	TEST_EQ_INT(dispatch(e, T0, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 2);
	TEST_EQ_INT(join(e, 1, 101, 0, T0, T0), 0);
	TEST_EQ_INT(dispatch(e, T0, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 1);
	TEST_EQ_INT(acd_engine_answer(e, 100, 2, T0 + SEC), 0);
	TEST_EQ_INT(acd_engine_answer(e, 101, 1, T0 + SEC), 0);
	/* both German agents talk: 3 (English) is not offered before 30 s,
	 * 4 (no product) never */
	TEST_EQ_INT(join(e, 1, 102, 0, T0 + SEC, T0 + SEC), 0);
	TEST_EQ_INT(dispatch(e, T0 + 29 * SEC, on_offer, &r), 0);
	TEST_EQ_INT(dispatch(e, T0 + 31 * SEC - 1, on_offer, &r), 0);
	/* nothing changed: no decision until a tick reaches the 30 s, and
	 * the tick said when that is */
	TEST_EQ_INT(acd_engine_dispatch(e, T0 + 31 * SEC, on_offer, &r), 0);
	TEST_EQ_INT(acd_engine_tick(e, T0 + 31 * SEC - 1), T0 + 31 * SEC);
	TEST_EQ_INT(dispatch(e, T0 + 31 * SEC, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 3);
	TEST_EQ_INT(r.last.caller, 102);
	TEST_EQ_INT(state_of(e, 4), ACD_AVAILABLE);
out:
	mem_deref(e);
	return err;
}

int test_acd_tier_widen(void)
{
	struct acd_engine *e = NULL;
	struct acd_member m[3] = {{1, 0}, {2, 1}, {3, 2}};
	struct acd_qconf qc;
	struct rec r;
	int err, i;

	err = setup(&e, &r, 1, ACD_LONGEST_IDLE, 0, &qc);
	TEST_EQ_INT(err, 0);
	TEST_EQ_INT(acd_engine_members(e, 1, m, 3), 0);
	for (i = 1; i <= 3; i++)
		TEST_EQ_INT(acd_engine_agent_login(e, i, T0 - i * SEC), 0);

	/* no steps: the lowest tier available first (3 idles longest) */
	TEST_EQ_INT(join(e, 1, 100, 0, T0, T0), 0);
	TEST_EQ_INT(dispatch(e, T0, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 1);
	TEST_EQ_INT(acd_engine_answer(e, 100, 1, T0), 0);
	TEST_EQ_INT(join(e, 1, 101, 0, T0, T0), 0);
	TEST_EQ_INT(dispatch(e, T0, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 2);
	TEST_EQ_INT(acd_engine_leave(e, 101, T0), 0);
	TEST_EQ_INT(state_of(e, 2), ACD_AVAILABLE);

	/* steps: tier 1 after 20 s, tier 2 after 60 s */
	qc.widenv[0] = (struct acd_widen){20, 1};
	qc.widenv[1] = (struct acd_widen){60, 2};
	qc.widenc = 2;
	TEST_EQ_INT(acd_engine_queue_set(e, &qc), 0);
	TEST_EQ_INT(acd_engine_agent_busy(e, 2, true), 0);
	TEST_EQ_INT(join(e, 1, 102, 0, T0, T0), 0);
	TEST_EQ_INT(dispatch(e, T0 + 19 * SEC, on_offer, &r), 0);
	TEST_EQ_INT(dispatch(e, T0 + 20 * SEC, on_offer, &r), 0);
	TEST_EQ_INT(dispatch(e, T0 + 60 * SEC, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 3);
out:
	mem_deref(e);
	return err;
}

int test_acd_order(void)
{
	struct acd_engine *e = NULL;
	struct acd_caller_info ci;
	struct acd_qconf qc;
	struct rec r;
	int64_t want[] = {104, 103, 100, 101, 102};
	int err, i;

	err = setup(&e, &r, 1, ACD_LONGEST_IDLE, 1, &qc);
	TEST_EQ_INT(err, 0);
	TEST_EQ_INT(acd_engine_agent_login(e, 1, T0), 0);
	TEST_EQ_INT(acd_engine_agent_pause(e, 1, "briefing", T0), 0);
	TEST_EQ_INT(join(e, 1, 100, ACD_PRIO_NORMAL, T0 + 1, T0 + 1), 0);
	TEST_EQ_INT(r.position, 1);
	TEST_EQ_INT(join(e, 1, 101, ACD_PRIO_NORMAL, T0 + 2, T0 + 2), 0);
	TEST_EQ_INT(join(e, 1, 102, ACD_PRIO_NORMAL, T0 + 3, T0 + 3), 0);
	TEST_EQ_INT(r.position, 3);
	/* back from a callback with its arrival of long ago: before the
	 * normal callers; a VIP before everyone */
	TEST_EQ_INT(join(e, 1, 103, ACD_PRIO_CALLBACK, T0 - 50, T0 + 4), 0);
	TEST_EQ_INT(r.position, 1);
	TEST_EQ_INT(join(e, 1, 104, ACD_PRIO_VIP, T0 + 5, T0 + 5), 0);
	TEST_EQ_INT(r.position, 1);
	TEST_EQ_INT(acd_engine_caller(e, 102, &ci), 0);
	TEST_EQ_INT(ci.position, 5);
	TEST_EQ_INT(acd_engine_caller(e, 103, &ci), 0);
	TEST_EQ_INT(ci.position, 2);
	TEST_EQ_INT(ci.arrived, T0 - 50);
	/* nobody is offered while the only agent is paused */
	TEST_EQ_INT(dispatch(e, T0 + 10, on_offer, &r), 0);
	TEST_EQ_INT(acd_engine_agent_unpause(e, 1, T0 + 10), 0);
	for (i = 0; i < 5; i++) {
		uint64_t now = T0 + 100 * SEC * (uint64_t)(i + 1);

		TEST_EQ_INT(dispatch(e, now, on_offer, &r), 1);
		TEST_EQ_INT(r.last.caller, want[i]);
		TEST_EQ_INT(acd_engine_answer(e, want[i], 1, now), 0);
		TEST_EQ_INT(acd_engine_call_end(e, 1, now + SEC), 0);
	}
	TEST_EQ_INT(acd_engine_caller(e, 100, &ci), ENOENT);
out:
	mem_deref(e);
	return err;
}

int test_acd_miss_pause(void)
{
	struct acd_engine *e = NULL;
	struct acd_agent_info ai;
	struct acd_qconf qc;
	struct rec r;
	uint64_t now = T0;
	int err;

	err = setup(&e, &r, 1, ACD_LONGEST_IDLE, 2, &qc);
	TEST_EQ_INT(err, 0);
	qc.max_misses = 2;
	TEST_EQ_INT(acd_engine_queue_set(e, &qc), 0);
	TEST_EQ_INT(acd_engine_agent_login(e, 1, T0 - 2 * SEC), 0);
	TEST_EQ_INT(acd_engine_agent_login(e, 2, T0 - SEC), 0);
	TEST_EQ_INT(join(e, 1, 100, 0, now, now), 0);
	TEST_EQ_INT(dispatch(e, now, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 1);
	/* not yet: 1 ms before the ring timeout */
	TEST_EQ_INT(acd_engine_tick(e, now + 15 * SEC - 1), now + 15 * SEC);
	TEST_EQ_INT(r.ev[ACD_EV_MISSED], 0);
	/* the ring timeout: a miss, the call moves on to 2 */
	now += 15 * SEC;
	(void)acd_engine_tick(e, now);
	TEST_EQ_INT(r.ev[ACD_EV_MISSED], 1);
	TEST_EQ_INT(state_of(e, 1), ACD_AVAILABLE);
	TEST_EQ_INT(acd_engine_agent(e, 1, &ai), 0);
	TEST_EQ_INT(ai.misses, 1);
	TEST_EQ_INT(dispatch(e, now, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 2);
	/* 2 declines (a miss too): everyone missed it once, round again */
	TEST_EQ_INT(acd_engine_miss(e, 100, 2, now + SEC), 0);
	TEST_EQ_INT(dispatch(e, now + SEC, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 1);
	/* 1's second miss in a row: paused, visibly, "no answer" */
	now += 16 * SEC;
	(void)acd_engine_tick(e, now);
	TEST_EQ_INT(acd_engine_agent(e, 1, &ai), 0);
	TEST_EQ_INT(ai.state, ACD_PAUSED);
	TEST_EQ_STR(ai.reason, "no answer");
	TEST_EQ_INT(ai.misses, 2);
	TEST_EQ_INT(dispatch(e, now, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 2);
	/* an answer resets the count of 2; unpausing that of 1 */
	TEST_EQ_INT(acd_engine_answer(e, 100, 2, now + SEC), 0);
	TEST_EQ_INT(acd_engine_agent(e, 2, &ai), 0);
	TEST_EQ_INT(ai.misses, 0);
	TEST_EQ_INT(ai.calls, 1);
	TEST_EQ_INT(acd_engine_agent_unpause(e, 1, now + SEC), 0);
	TEST_EQ_INT(acd_engine_agent(e, 1, &ai), 0);
	TEST_EQ_INT(ai.misses, 0);
	TEST_EQ_INT(ai.state, ACD_AVAILABLE);
	TEST_EQ_INT(acd_engine_agent_unpause(e, 1, now + SEC), EALREADY);
out:
	mem_deref(e);
	return err;
}

int test_acd_wrapup(void)
{
	struct acd_engine *e = NULL;
	struct acd_agent_info ai;
	struct acd_qconf qc;
	struct rec r;
	int err;

	err = setup(&e, &r, 1, ACD_LONGEST_IDLE, 1, &qc);
	TEST_EQ_INT(err, 0);
	qc.wrapup_s = 30;
	TEST_EQ_INT(acd_engine_queue_set(e, &qc), 0);
	TEST_EQ_INT(acd_engine_agent_login(e, 1, T0), 0);
	TEST_EQ_INT(join(e, 1, 100, 0, T0, T0), 0);
	TEST_EQ_INT(join(e, 1, 101, 0, T0, T0), 0);
	TEST_EQ_INT(dispatch(e, T0, on_offer, &r), 1);
	TEST_EQ_INT(acd_engine_answer(e, 100, 1, T0 + 2 * SEC), 0);
	TEST_EQ_INT(acd_engine_call_end(e, 1, T0 + 62 * SEC), 0);
	TEST_EQ_INT(r.last_ms[ACD_EV_HANDLED], 60 * SEC);
	TEST_EQ_INT(acd_engine_agent(e, 1, &ai), 0);
	TEST_EQ_INT(ai.state, ACD_WRAPUP);
	TEST_EQ_INT(ai.wrapup_until, T0 + 92 * SEC);
	TEST_EQ_INT(ai.queue, 1);
	/* no offer during the wrap-up, one at its end */
	TEST_EQ_INT(dispatch(e, T0 + 91 * SEC, on_offer, &r), 0);
	TEST_EQ_INT(acd_engine_tick(e, T0 + 91 * SEC), T0 + 92 * SEC);
	TEST_EQ_INT(state_of(e, 1), ACD_WRAPUP);
	(void)acd_engine_tick(e, T0 + 92 * SEC);
	TEST_EQ_INT(state_of(e, 1), ACD_AVAILABLE);
	TEST_EQ_INT(dispatch(e, T0 + 92 * SEC, on_offer, &r), 1);
	TEST_EQ_INT(r.last.caller, 101);
	/* ended early by the agent */
	TEST_EQ_INT(acd_engine_answer(e, 101, 1, T0 + 93 * SEC), 0);
	TEST_EQ_INT(acd_engine_wrapup_end(e, 1, T0 + 94 * SEC), EALREADY);
	TEST_EQ_INT(acd_engine_call_end(e, 1, T0 + 100 * SEC), 0);
	TEST_EQ_INT(acd_engine_wrapup_end(e, 1, T0 + 105 * SEC), 0);
	TEST_EQ_INT(acd_engine_agent(e, 1, &ai), 0);
	TEST_EQ_INT(ai.state, ACD_AVAILABLE);
	TEST_EQ_INT(ai.since, T0 + 105 * SEC);
	/* a pause asked for during a call replaces the wrap-up */
	TEST_EQ_INT(join(e, 1, 102, 0, T0, T0 + 106 * SEC), 0);
	TEST_EQ_INT(dispatch(e, T0 + 106 * SEC, on_offer, &r), 1);
	TEST_EQ_INT(acd_engine_answer(e, 102, 1, T0 + 107 * SEC), 0);
	TEST_EQ_INT(acd_engine_agent_pause(e, 1, "break", T0 + 108 * SEC), 0);
	TEST_EQ_INT(state_of(e, 1), ACD_ON_CALL);
	TEST_EQ_INT(acd_engine_call_end(e, 1, T0 + 110 * SEC), 0);
	TEST_EQ_INT(acd_engine_agent(e, 1, &ai), 0);
	TEST_EQ_INT(ai.state, ACD_PAUSED);
	TEST_EQ_STR(ai.reason, "break");
out:
	mem_deref(e);
	return err;
}

int test_acd_limits(void)
{
	struct acd_engine *e = NULL;
	struct acd_queue_info qi;
	struct acd_qconf qc;
	struct rec r;
	int err;

	err = setup(&e, &r, 1, ACD_RING_ALL, 2, &qc);
	TEST_EQ_INT(err, 0);
	qc.max_len = 2;
	qc.max_wait_s = 120;
	TEST_EQ_INT(acd_engine_queue_set(e, &qc), 0);
	/* nobody logged in */
	TEST_EQ_INT(join(e, 1, 100, 0, T0, T0), ACD_NO_AGENTS);
	TEST_EQ_INT(join(e, 2, 100, 0, T0, T0), -ENOENT);
	/* a paused agent is logged in: callers wait */
	TEST_EQ_INT(acd_engine_agent_login(e, 1, T0), 0);
	TEST_EQ_INT(acd_engine_agent_pause(e, 1, NULL, T0), 0);
	TEST_EQ_INT(join(e, 1, 100, 0, T0, T0), ACD_JOINED);
	TEST_EQ_INT(join(e, 1, 100, 0, T0, T0), -EEXIST);
	TEST_EQ_INT(join(e, 1, 101, 0, T0, T0 + SEC), ACD_JOINED);
	TEST_EQ_INT(join(e, 1, 102, 0, T0, T0 + SEC), ACD_FULL);
	TEST_EQ_INT(acd_engine_queue_info(e, 1, &qi), 0);
	TEST_EQ_INT(qi.waiting, 2);
	TEST_EQ_INT(qi.logged_in, 1);
	TEST_EQ_INT(qi.serving, 0);
	TEST_EQ_INT(qi.available, 0);
	TEST_EQ_INT(qi.oldest, T0);
	/* max wait from joining: 100 at 120 s, 101 a second later */
	TEST_EQ_INT(acd_engine_tick(e, T0 + 119 * SEC), T0 + 120 * SEC);
	(void)acd_engine_tick(e, T0 + 120 * SEC);
	TEST_EQ_INT(r.ev[ACD_EV_TIMEOUT], 1);
	TEST_EQ_INT(r.last_caller[ACD_EV_TIMEOUT], 100);
	TEST_EQ_INT(r.last_ms[ACD_EV_TIMEOUT], 120 * SEC);
	/* 101 abandons, its wait since arrival */
	TEST_EQ_INT(acd_engine_leave(e, 101, T0 + 120 * SEC + 500), 0);
	TEST_EQ_INT(r.last_ms[ACD_EV_ABANDONED], 120 * SEC + 500);
	TEST_EQ_INT(acd_engine_leave(e, 101, T0 + 121 * SEC), ENOENT);
	TEST_EQ_INT(acd_engine_queue_info(e, 1, &qi), 0);
	TEST_EQ_INT(qi.waiting, 0);
	TEST_EQ_INT(qi.oldest, 0);
out:
	mem_deref(e);
	return err;
}

/* The callers waiting in a queue (GET /queues/:id/waiting): in offer
 * order (a VIP first), only that queue's, their count beyond max. */
int test_acd_waiting(void)
{
	struct acd_engine *e = NULL;
	struct acd_qconf qc;
	struct rec r;
	int64_t v[4] = {0};
	size_t n = 99;
	int err;

	err = setup(&e, &r, 1, ACD_RING_ALL, 1, &qc);
	TEST_EQ_INT(err, 0);
	err = setup(&e, &r, 2, ACD_RING_ALL, 1, &qc);
	TEST_EQ_INT(err, 0);
	TEST_EQ_INT(acd_engine_waiting(e, 1, v, 4, &n), 0);
	TEST_EQ_INT(n, 0);
	TEST_EQ_INT(acd_engine_waiting(e, 3, v, 4, &n), ENOENT);
	TEST_EQ_INT(acd_engine_agent_login(e, 1, T0), 0);
	TEST_EQ_INT(acd_engine_agent_pause(e, 1, NULL, T0), 0);
	TEST_EQ_INT(join(e, 1, 100, 0, T0, T0), ACD_JOINED);
	TEST_EQ_INT(join(e, 2, 200, 0, T0, T0 + 1), ACD_JOINED);
	TEST_EQ_INT(join(e, 1, 101, 0, T0 + 2, T0 + 2), ACD_JOINED);
	TEST_EQ_INT(join(e, 1, 102, ACD_PRIO_VIP, T0 + 3, T0 + 3), ACD_JOINED);
	TEST_EQ_INT(acd_engine_waiting(e, 1, v, 4, &n), 0);
	TEST_EQ_INT(n, 3);
	TEST_EQ_INT(v[0], 102);
	TEST_EQ_INT(v[1], 100);
	TEST_EQ_INT(v[2], 101);
	TEST_EQ_INT(v[3], 0);
	memset(v, 0, sizeof(v));
	TEST_EQ_INT(acd_engine_waiting(e, 1, v, 2, &n), 0);
	TEST_EQ_INT(n, 3);
	TEST_EQ_INT(v[1], 100);
	TEST_EQ_INT(v[2], 0);
	TEST_EQ_INT(acd_engine_waiting(e, 2, v, 4, &n), 0);
	TEST_EQ_INT(n, 1);
	TEST_EQ_INT(v[0], 200);
	TEST_EQ_INT(acd_engine_leave(e, 102, T0 + 5), 0);
	TEST_EQ_INT(acd_engine_waiting(e, 1, v, 4, &n), 0);
	TEST_EQ_INT(n, 2);
	TEST_EQ_INT(v[0], 100);
out:
	mem_deref(e);
	return err;
}

/* A pseudo-random day of operations: before each decision, the free
 * agents are noted; every agent offered must have been one of them. */
struct chk {
	bool free_before[9];
	unsigned bad;
	unsigned offers;
};

static void chk_offer(const struct acd_offer *o, void *arg)
{
	struct chk *k = arg;
	size_t i;

	k->offers++;
	for (i = 0; i < o->agentc; i++) {
		if (o->agentv[i] < 1 || o->agentv[i] > 8 ||
		    !k->free_before[o->agentv[i]])
			k->bad++;
		else
			k->free_before[o->agentv[i]] = false;
	}
}

int test_acd_never_busy(void)
{
	struct acd_engine *e = NULL;
	struct acd_qconf qc;
	struct rec r;
	struct chk k;
	uint32_t x = 12345;
	uint64_t now = T0;
	int64_t next_caller = 1000;
	int err, i, a;

	memset(&k, 0, sizeof(k));
	err = setup(&e, &r, 1, ACD_RING_ALL, 8, &qc);
	TEST_EQ_INT(err, 0);
	qc.wrapup_s = 5;
	qc.max_misses = 2;
	TEST_EQ_INT(acd_engine_queue_set(e, &qc), 0);
	for (i = 0; i < 20000; i++) {
		struct acd_agent_info ai;
		int op;

		x = x * 1103515245u + 12345u;
		op = (int)((x >> 16) % 10);
		a = (int)((x >> 8) % 8) + 1;
		now += (x >> 4) % 3000;
		switch (op) {
		case 0:
			(void)acd_engine_agent_login(e, a, now);
			break;
		case 1:
			if ((x >> 20) % 4 == 0)
				(void)acd_engine_agent_logout(e, a, now);
			break;
		case 2:
			(void)acd_engine_agent_pause(e, a, "x", now);
			break;
		case 3:
			(void)acd_engine_agent_unpause(e, a, now);
			break;
		case 4:
			(void)acd_engine_agent_busy(e, a, (x >> 21) & 1);
			break;
		case 5: {
			enum acd_outcome o;
			struct acd_caller_in c = {next_caller++, 0, now};

			(void)acd_engine_join(e, 1, &c, now, &o);
			break;
		}
		case 6:
			if (!acd_engine_agent(e, a, &ai) &&
			    ai.state == ACD_RINGING)
				(void)acd_engine_answer(e, ai.caller, a, now);
			break;
		case 7:
			(void)acd_engine_call_end(e, a, now);
			break;
		case 8:
			if (!acd_engine_agent(e, a, &ai) &&
			    ai.state == ACD_RINGING && (x >> 22) & 1)
				(void)acd_engine_miss(e, ai.caller, a, now);
			else
				(void)acd_engine_wrapup_end(e, a, now);
			break;
		default:
			(void)acd_engine_leave(
			    e, next_caller - 1 - (x >> 24) % 4, now);
			break;
		}
		(void)acd_engine_tick(e, now);
		for (a = 1; a <= 8; a++) {
			k.free_before[a] = !acd_engine_agent(e, a, &ai) &&
					   ai.state == ACD_AVAILABLE &&
					   !ai.busy;
		}
		(void)dispatch(e, now, chk_offer, &k);
	}
	TEST_EQ_INT(k.bad, 0);
	/* the same day every run: these are its counts */
	TEST_EQ_INT(k.offers, 1708);
	TEST_EQ_INT(r.ev[ACD_EV_ANSWERED], 203);
	TEST_EQ_INT(r.ev[ACD_EV_MISSED], 1274);
out:
	mem_deref(e);
	return err;
}

/* Agents leaving while rung or on a call, callers leaving while offered,
 * a queue removed with callers: nobody is left ringing, nothing counted
 * as a miss that was not one. */
int test_acd_withdraw(void)
{
	struct acd_engine *e = NULL;
	struct acd_agent_info ai;
	struct acd_caller_info ci;
	struct acd_qconf qc;
	struct rec r;
	int err, i;

	err = setup(&e, &r, 1, ACD_RING_ALL, 3, &qc);
	TEST_EQ_INT(err, 0);
	for (i = 1; i <= 3; i++)
		TEST_EQ_INT(acd_engine_agent_login(e, i, T0), 0);

	/* 1 logs out while rung: the others ring on; 2 pauses: 3 rings */
	TEST_EQ_INT(join(e, 1, 100, 0, T0, T0), 0);
	TEST_EQ_INT(dispatch(e, T0, on_offer, &r), 1);
	TEST_EQ_INT(r.last.agentc, 3);
	TEST_EQ_INT(acd_engine_agent_logout(e, 1, T0 + SEC), 0);
	TEST_EQ_INT(acd_engine_agent_pause(e, 2, "Kaffee", T0 + SEC), 0);
	TEST_EQ_INT(state_of(e, 1), ACD_LOGGED_OUT);
	TEST_EQ_INT(state_of(e, 2), ACD_PAUSED);
	TEST_EQ_INT(state_of(e, 3), ACD_RINGING);
	TEST_EQ_INT(acd_engine_caller(e, 100, &ci), 0);
	TEST_EQ_INT(ci.offered, true);
	TEST_EQ_INT(acd_engine_answer(e, 100, 1, T0 + SEC), ENOENT);

	/* 3 logs out too: the caller waits again, first in line */
	TEST_EQ_INT(acd_engine_agent_logout(e, 3, T0 + 2 * SEC), 0);
	TEST_EQ_INT(acd_engine_caller(e, 100, &ci), 0);
	TEST_EQ_INT(ci.offered, false);
	TEST_EQ_INT(ci.position, 1);
	TEST_EQ_INT(r.ev[ACD_EV_MISSED], 0);

	/* offered to 3 again, the caller hangs up: 3 is free, no miss */
	TEST_EQ_INT(acd_engine_agent_login(e, 3, T0 + 3 * SEC), 0);
	TEST_EQ_INT(dispatch(e, T0 + 3 * SEC, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 3);
	TEST_EQ_INT(acd_engine_leave(e, 100, T0 + 4 * SEC), 0);
	TEST_EQ_INT(state_of(e, 3), ACD_AVAILABLE);
	TEST_EQ_INT(acd_engine_agent(e, 3, &ai), 0);
	TEST_EQ_INT(ai.misses, 0);
	TEST_EQ_INT(r.ev[ACD_EV_ABANDONED], 1);
	TEST_EQ_INT(r.last_ms[ACD_EV_ABANDONED], 4 * SEC);

	/* a logout during a call waits for its end (no wrap-up then) */
	TEST_EQ_INT(join(e, 1, 101, 0, T0, T0 + 5 * SEC), 0);
	TEST_EQ_INT(dispatch(e, T0 + 5 * SEC, on_offer, &r), 1);
	TEST_EQ_INT(acd_engine_answer(e, 101, 3, T0 + 6 * SEC), 0);
	TEST_EQ_INT(acd_engine_agent_logout(e, 3, T0 + 7 * SEC), 0);
	TEST_EQ_INT(acd_engine_agent(e, 3, &ai), 0);
	TEST_EQ_INT(ai.state, ACD_ON_CALL);
	TEST_EQ_INT(ai.pending, ACD_LOGGED_OUT);
	TEST_EQ_INT(acd_engine_agent_logout(e, 3, T0 + 7 * SEC), EALREADY);
	/* back before the call ended: stays logged in; then out again */
	TEST_EQ_INT(acd_engine_agent_login(e, 3, T0 + 8 * SEC), 0);
	TEST_EQ_INT(acd_engine_agent(e, 3, &ai), 0);
	TEST_EQ_INT(ai.state, ACD_ON_CALL);
	TEST_EQ_INT(ai.pending, ACD_ON_CALL);
	TEST_EQ_INT(acd_engine_agent_login(e, 3, T0 + 8 * SEC), EALREADY);
	TEST_EQ_INT(acd_engine_agent_logout(e, 3, T0 + 8 * SEC), 0);
	TEST_EQ_INT(acd_engine_call_end(e, 3, T0 + 9 * SEC), 0);
	TEST_EQ_INT(state_of(e, 3), ACD_LOGGED_OUT);
	TEST_EQ_INT(r.last_ms[ACD_EV_HANDLED], 3 * SEC);
	TEST_EQ_INT(acd_engine_call_end(e, 3, T0 + 9 * SEC), ENOENT);

	/* the queue goes with a caller rung: its agent is free again */
	TEST_EQ_INT(acd_engine_agent_unpause(e, 2, T0 + 10 * SEC), 0);
	TEST_EQ_INT(join(e, 1, 102, 0, T0, T0 + 10 * SEC), 0);
	TEST_EQ_INT(dispatch(e, T0 + 10 * SEC, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 2);
	TEST_EQ_INT(acd_engine_queue_remove(e, 1), 0);
	TEST_EQ_INT(state_of(e, 2), ACD_AVAILABLE);
	TEST_EQ_INT(acd_engine_caller(e, 102, &ci), ENOENT);
	TEST_EQ_INT(acd_engine_queue_remove(e, 1), ENOENT);
	TEST_EQ_INT(dispatch(e, T0 + 11 * SEC, on_offer, &r), 0);
out:
	mem_deref(e);
	return err;
}

/* An agent takes a caller out of its turn (a callback from the list):
 * only a member, only when free or paused; alone; a paused taker is
 * paused again (same reason) after a miss, a withdrawal or the wrap-up,
 * unless he unpaused meanwhile. */
int test_acd_offer_to(void)
{
	struct acd_engine *e = NULL;
	struct acd_agent_info ai;
	struct acd_qconf qc;
	struct rec r;
	uint64_t now = T0;
	int err;

	err = setup(&e, &r, 1, ACD_RING_ALL, 2, &qc);
	TEST_EQ_INT(err, 0);
	qc.wrapup_s = 10;
	TEST_EQ_INT(acd_engine_queue_set(e, &qc), 0);
	TEST_EQ_INT(acd_engine_agent_login(e, 1, now), 0);
	TEST_EQ_INT(acd_engine_agent_pause(e, 1, "Rückrufe", now), 0);
	TEST_EQ_INT(acd_engine_agent_skills(e, 9, NULL, 0), 0); /* no member */
	TEST_EQ_INT(join(e, 1, 100, 0, now, now), 0);
	TEST_EQ_INT(join(e, 1, 101, ACD_PRIO_CALLBACK, now, now), 0);
	TEST_EQ_INT(dispatch(e, now, on_offer, &r), 0); /* nobody free */
	TEST_EQ_INT(acd_engine_offer_to(e, 999, 1, now, on_offer, &r), ENOENT);
	TEST_EQ_INT(acd_engine_offer_to(e, 101, 77, now, on_offer, &r), ENOENT);
	TEST_EQ_INT(acd_engine_offer_to(e, 101, 9, now, on_offer, &r), EPERM);
	TEST_EQ_INT(acd_engine_offer_to(e, 101, 2, now, on_offer, &r), EAGAIN);
	/* paused 1 takes 101 (behind nobody, but 100 is not offered) */
	TEST_EQ_INT(acd_engine_offer_to(e, 100, 1, now, on_offer, &r), 0);
	TEST_EQ_INT(r.offers, 1);
	TEST_EQ_INT(r.last.caller, 100);
	TEST_EQ_INT(one(&r), 1);
	TEST_EQ_INT(r.last.expires, now + 15 * SEC);
	TEST_EQ_INT(state_of(e, 1), ACD_RINGING);
	TEST_EQ_INT(acd_engine_offer_to(e, 100, 1, now, on_offer, &r), EBUSY);
	TEST_EQ_INT(acd_engine_offer_to(e, 101, 1, now, on_offer, &r), EAGAIN);
	/* not answered: a miss, paused again with his reason */
	now += 15 * SEC;
	(void)acd_engine_tick(e, now);
	TEST_EQ_INT(r.ev[ACD_EV_MISSED], 1);
	TEST_EQ_INT(acd_engine_agent(e, 1, &ai), 0);
	TEST_EQ_INT(ai.state, ACD_PAUSED);
	TEST_EQ_STR(ai.reason, "Rückrufe");
	TEST_EQ_INT(dispatch(e, now, on_offer, &r), 0);
	/* the caller leaves while it rings him: paused again */
	TEST_EQ_INT(acd_engine_offer_to(e, 100, 1, now, on_offer, &r), 0);
	TEST_EQ_INT(acd_engine_leave(e, 100, now + SEC), 0);
	TEST_EQ_INT(acd_engine_agent(e, 1, &ai), 0);
	TEST_EQ_INT(ai.state, ACD_PAUSED);
	TEST_EQ_STR(ai.reason, "Rückrufe");
	/* answered: a call, the wrap-up, then paused again */
	now += 2 * SEC;
	TEST_EQ_INT(acd_engine_offer_to(e, 101, 1, now, on_offer, &r), 0);
	TEST_EQ_INT(acd_engine_answer(e, 101, 1, now + SEC), 0);
	TEST_EQ_INT(acd_engine_call_end(e, 1, now + 61 * SEC), 0);
	TEST_EQ_INT(state_of(e, 1), ACD_WRAPUP);
	(void)acd_engine_tick(e, now + 71 * SEC);
	TEST_EQ_INT(acd_engine_agent(e, 1, &ai), 0);
	TEST_EQ_INT(ai.state, ACD_PAUSED);
	TEST_EQ_STR(ai.reason, "Rückrufe");
	TEST_EQ_INT(ai.calls, 1);
	/* unpaused during the taken call: available after it */
	now += 80 * SEC;
	TEST_EQ_INT(join(e, 1, 102, 0, now, now), 0);
	TEST_EQ_INT(acd_engine_offer_to(e, 102, 1, now, on_offer, &r), 0);
	TEST_EQ_INT(acd_engine_answer(e, 102, 1, now + SEC), 0);
	TEST_EQ_INT(acd_engine_agent_unpause(e, 1, now + 2 * SEC), 0);
	TEST_EQ_INT(acd_engine_agent_unpause(e, 1, now + 2 * SEC), EALREADY);
	TEST_EQ_INT(acd_engine_call_end(e, 1, now + 3 * SEC), 0);
	(void)acd_engine_tick(e, now + 13 * SEC);
	TEST_EQ_INT(state_of(e, 1), ACD_AVAILABLE);
	/* a free agent takes one out of order; the engine offered none */
	TEST_EQ_INT(acd_engine_agent_login(e, 2, now), 0);
	TEST_EQ_INT(acd_engine_agent_pause(e, 2, NULL, now), 0);
	TEST_EQ_INT(acd_engine_agent_pause(e, 1, NULL, now + 14 * SEC), 0);
	TEST_EQ_INT(join(e, 1, 103, 0, now, now + 14 * SEC), 0);
	TEST_EQ_INT(join(e, 1, 104, 0, now, now + 14 * SEC), 0);
	TEST_EQ_INT(acd_engine_agent_unpause(e, 2, now + 15 * SEC), 0);
	TEST_EQ_INT(
	    acd_engine_offer_to(e, 104, 2, now + 15 * SEC, on_offer, &r), 0);
	TEST_EQ_INT(r.last.caller, 104);
	TEST_EQ_INT(one(&r), 2);
	TEST_EQ_INT(dispatch(e, now + 15 * SEC, on_offer, &r), 0);
out:
	mem_deref(e);
	return err;
}

/* Another node holds an agent the engine offered (rows.c): he leaves the
 * offer without a miss, marked busy he is never offered again until he is
 * free, and the caller moves on to the next agent. */
int test_acd_offer_drop(void)
{
	struct acd_engine *e = NULL;
	struct acd_agent_info ai;
	struct acd_caller_info ci;
	struct acd_qconf qc;
	struct rec r;
	uint64_t now = T0;
	int err;

	err = setup(&e, &r, 1, ACD_LONGEST_IDLE, 2, &qc);
	TEST_EQ_INT(err, 0);
	TEST_EQ_INT(acd_engine_agent_login(e, 1, T0 - 2 * SEC), 0);
	TEST_EQ_INT(acd_engine_agent_login(e, 2, T0 - SEC), 0);
	TEST_EQ_INT(join(e, 1, 100, 0, now, now), 0);
	TEST_EQ_INT(dispatch(e, now, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 1);
	TEST_EQ_INT(acd_engine_offer_drop(e, 100, 2, now), ENOENT);
	TEST_EQ_INT(acd_engine_offer_drop(e, 101, 1, now), ENOENT);
	TEST_EQ_INT(acd_engine_agent_busy(e, 1, true), 0);
	TEST_EQ_INT(acd_engine_offer_drop(e, 100, 1, now), 0);
	TEST_EQ_INT(r.ev[ACD_EV_MISSED], 0);
	TEST_EQ_INT(acd_engine_agent(e, 1, &ai), 0);
	TEST_EQ_INT(ai.state, ACD_AVAILABLE);
	TEST_EQ_INT(ai.misses, 0);
	TEST_EQ_INT(ai.caller, 0);
	TEST_EQ_INT(acd_engine_caller(e, 100, &ci), 0);
	TEST_EQ_INT(ci.offered, false);
	/* the next decision: 2, never the busy 1 */
	TEST_EQ_INT(dispatch(e, now, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 2);
	TEST_EQ_INT(acd_engine_offer_drop(e, 100, 2, now), 0);
	TEST_EQ_INT(dispatch(e, now, on_offer, &r), 1);
	TEST_EQ_INT(one(&r), 2);
	/* 1 free again (the other node let him go), 2 answers */
	TEST_EQ_INT(acd_engine_agent_busy(e, 1, false), 0);
	TEST_EQ_INT(acd_engine_answer(e, 100, 2, now + SEC), 0);
	TEST_EQ_INT(state_of(e, 1), ACD_AVAILABLE);
	TEST_EQ_INT(r.ev[ACD_EV_MISSED], 0);
out:
	mem_deref(e);
	return err;
}
