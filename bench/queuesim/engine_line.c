/*
 * engine_line.c - line.h on the real queue engine (src/acd/engine.c,
 * agent.c, pick.c), driven with the simulation's clock: the day's callers
 * join one engine queue (longest-idle, FIFO by arrival, no wrap-up), its
 * agents log in and out as the staffing changes, and every offer the
 * engine makes is answered at once (the simulated agents pick up in no
 * time), so the waits measured are the engine's own distribution.
 *
 * Agent k of line.h is the engine's agent k + 1, caller c its caller
 * c + 1.  One more member (STANDBY) is logged in and paused all day: the
 * engine sends callers of a queue nobody is logged in to elsewhere (its
 * no-agents outcome), the simulation's callers wait all the same.  Offers are collected during acd_engine_dispatch() and answered
 * after it returns (the engine is not re-entered from its handler), then
 * dispatch runs again until it offers nothing.
 *
 * fifo.c is the same line written as a plain FIFO: both give the same
 * figures for every day file (the agents are interchangeable and every
 * free agent takes the head of the line), which checks this adapter and
 * the engine's order against a line simple enough to read at a glance
 * (`make -C bench build/queuesim_fifo`).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "acd/acd_int.h"
#include "line.h"

enum {
	QUEUE = 1,
	STANDBY = 1000000000, /* a member logged in and paused for good */
};

struct line {
	line_answer_h *answerh;
	void *arg;
	const uint64_t *now; /* the simulation's clock [ms] */
	struct acd_engine *e;
	unsigned nagent;      /* agents 0..nagent, members of the queue */
	struct acd_offer *offv; /* offers of one dispatch               */
	size_t offc, offsz;
};

static uint64_t now_of(const struct line *l)
{
	return l->now ? *l->now : 0;
}

/* Agents 0..n-1 and STANDBY are the queue's members. */
static int members_set(struct line *l, unsigned n)
{
	struct acd_member *v = calloc(n + 1, sizeof(*v));
	unsigned a;
	int err;

	if (!v)
		return ENOMEM;
	for (a = 0; a < n; a++)
		v[a].agent = (int64_t)a + 1;
	v[n].agent = STANDBY;
	err = acd_engine_members(l->e, QUEUE, v, n + 1);
	free(v);
	if (!err)
		l->nagent = n;
	return err;
}

int line_alloc(struct line **lp, line_answer_h *answerh, void *arg)
{
	struct acd_qconf qc;
	struct line *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return ENOMEM;
	l->answerh = answerh;
	l->arg = arg;
	err = acd_engine_alloc(&l->e, NULL, NULL);
	if (err)
		goto out;
	memset(&qc, 0, sizeof(qc));
	qc.id = QUEUE;
	qc.tenant_id = 1;
	qc.strategy = ACD_LONGEST_IDLE;
	qc.ring_timeout_s = 30; /* never reached: offers are answered */
	err = acd_engine_queue_set(l->e, &qc);
	if (!err)
		err = members_set(l, 0);
	if (!err)
		err = acd_engine_agent_login(l->e, STANDBY, 0);
	if (!err)
		err = acd_engine_agent_pause(l->e, STANDBY, "standby", 0);
out:
	if (err)
		line_free(l);
	else
		*lp = l;
	return err;
}

void line_clock(struct line *l, const uint64_t *now)
{
	l->now = now;
}

void line_free(struct line *l)
{
	if (!l)
		return;
	mem_deref(l->e);
	free(l->offv);
	free(l);
}

static void offer_h(const struct acd_offer *o, void *arg)
{
	struct line *l = arg;

	if (l->offc == l->offsz) {
		size_t sz = l->offsz ? 2 * l->offsz : 16;
		struct acd_offer *p = realloc(l->offv, sz * sizeof(*p));

		if (!p)
			abort(); /* a benchmark: no way on without memory */
		l->offv = p;
		l->offsz = sz;
	}
	l->offv[l->offc++] = *o;
}

/* Every offer answered at once by its (first) agent, until none. */
static void decide(struct line *l)
{
	uint64_t now = now_of(l);
	size_t i;

	for (;;) {
		l->offc = 0;
		if (!acd_engine_dispatch(l->e, now, offer_h, l))
			return;
		for (i = 0; i < l->offc; i++) {
			const struct acd_offer *o = &l->offv[i];

			if (!o->agentc ||
			    acd_engine_answer(l->e, o->caller, o->agentv[0],
					      now))
				abort(); /* the engine broke its own offer */
			l->answerh((uint32_t)(o->caller - 1),
				   (unsigned)(o->agentv[0] - 1), l->arg);
		}
	}
}

int line_join(struct line *l, uint32_t caller)
{
	struct acd_caller_in in;
	enum acd_outcome out;
	int err;

	memset(&in, 0, sizeof(in));
	in.id = (int64_t)caller + 1;
	in.prio = ACD_PRIO_NORMAL;
	in.arrived = now_of(l);
	err = acd_engine_join(l->e, QUEUE, &in, now_of(l), &out);
	if (err)
		return err;
	if (out != ACD_JOINED) /* never: STANDBY, and no max_len */
		return ENOSPC;
	decide(l);
	return 0;
}

void line_abandon(struct line *l, uint32_t caller)
{
	(void)acd_engine_leave(l->e, (int64_t)caller + 1, now_of(l));
	decide(l);
}

void line_done(struct line *l, unsigned agent)
{
	(void)acd_engine_call_end(l->e, (int64_t)agent + 1, now_of(l));
	decide(l);
}

static struct acd_agent_info agent_info(const struct line *l, unsigned a)
{
	struct acd_agent_info ai;

	if (acd_engine_agent(l->e, (int64_t)a + 1, &ai)) {
		memset(&ai, 0, sizeof(ai));
		ai.state = ACD_LOGGED_OUT;
	}
	return ai;
}

/* serving: logged in, not paused, not leaving after the call in hand */
static bool serving(const struct acd_agent_info *ai)
{
	return ai->state != ACD_LOGGED_OUT && ai->state != ACD_PAUSED &&
	       !(ai->state == ACD_ON_CALL && ai->pending == ACD_LOGGED_OUT);
}

int line_staff(struct line *l, unsigned agents)
{
	uint64_t now = now_of(l);
	unsigned a, n = line_serving(l);
	int err;

	if (agents > l->nagent) {
		err = members_set(l, agents);
		if (err)
			return err;
	}
	/* fewer: free agents go first, then busy ones after their call */
	for (a = l->nagent; a-- > 0 && n > agents;) {
		if (agent_info(l, a).state == ACD_AVAILABLE &&
		    !acd_engine_agent_logout(l->e, (int64_t)a + 1, now))
			n--;
	}
	for (a = l->nagent; a-- > 0 && n > agents;) {
		struct acd_agent_info ai = agent_info(l, a);

		if (ai.state == ACD_ON_CALL && serving(&ai) &&
		    !acd_engine_agent_logout(l->e, (int64_t)a + 1, now))
			n--;
	}
	/* more: those about to leave stay, then new ones log in */
	for (a = 0; a < l->nagent && n < agents; a++) {
		struct acd_agent_info ai = agent_info(l, a);

		if (ai.state == ACD_ON_CALL && !serving(&ai) &&
		    !acd_engine_agent_login(l->e, (int64_t)a + 1, now))
			n++;
	}
	for (a = 0; a < l->nagent && n < agents; a++) {
		if (agent_info(l, a).state == ACD_LOGGED_OUT &&
		    !acd_engine_agent_login(l->e, (int64_t)a + 1, now))
			n++;
	}
	decide(l);
	return 0;
}

unsigned line_ahead(const struct line *l, uint32_t caller)
{
	struct acd_caller_info ci;

	if (acd_engine_caller(l->e, (int64_t)caller + 1, &ci) || !ci.position)
		return 0;
	return ci.position - 1;
}

unsigned line_serving(const struct line *l)
{
	unsigned a, k = 0;

	for (a = 0; a < l->nagent; a++) {
		struct acd_agent_info ai = agent_info(l, a);

		k += serving(&ai);
	}
	return k;
}

unsigned line_busy(const struct line *l)
{
	unsigned a, k = 0;

	for (a = 0; a < l->nagent; a++) {
		struct acd_agent_info ai = agent_info(l, a);

		k += ai.state == ACD_ON_CALL && serving(&ai);
	}
	return k;
}

unsigned line_waiting(const struct line *l)
{
	struct acd_queue_info qi;

	return acd_engine_queue_info(l->e, QUEUE, &qi) ? 0 : qi.waiting;
}

unsigned line_agents(const struct line *l)
{
	return l->nagent;
}

int line_agent(const struct line *l, unsigned a)
{
	struct acd_agent_info ai = agent_info(l, a);

	if (a >= l->nagent || !serving(&ai))
		return LINE_AGENT_OFF;
	return ai.state == ACD_ON_CALL ? LINE_AGENT_BUSY : LINE_AGENT_FREE;
}
