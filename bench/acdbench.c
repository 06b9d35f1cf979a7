/*
 * acdbench.c - decision time of the ACD's queue engine (src/acd/) per
 * offered call, with 1000 agents in 100 queues under heavy load.
 *
 * A deterministic hour (a fixed LCG seed) on a simulated clock in steps
 * of 100 ms: every agent is a member of 3 queues (tiers 0, 1, 2), the
 * queues' strategies go round ring_all, round_robin, longest_idle,
 * fewest_calls and skills (German level 3 or more, relaxed after 30 s);
 * 5.2 callers a second join a random queue (offered load about 95 % of
 * the agents), an offer is answered after 2 s (1 in 20 rings out:
 * misses), calls last 60-300 s, wrap-up 10 s, callers give up after
 * 60-600 s.  acd_engine_tick() and acd_engine_dispatch() run every step;
 * the time inside dispatch (the decision, failed attempts included) is
 * divided by the offers it made.
 *
 *   make -C bench build/acdbench && bench/build/acdbench
 *   valgrind --tool=callgrind --toggle-collect=acd_engine_dispatch \
 *       --callgrind-out-file=/tmp/acd.cg bench/build/acdbench
 *   (the total Ir of the dump divided by "offers" is instructions per
 *   offered call)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "acd/acd_int.h"

enum {
	AGENTS = 1000,
	QUEUES = 100,
	PER_AGENT = 3,
	STEP_MS = 100,
	HOUR_MS = 3600 * 1000,
	RING_MS = 2000,
	MAX_PENDING = 4096,
};

static uint64_t rnd_state = 20261206;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rnd_state >> 33);
}

static uint32_t rnd_in(uint32_t lo, uint32_t hi)
{
	return lo + rnd() % (hi - lo + 1);
}

struct pending {
	int64_t caller, agent;
	uint64_t at;
};

static struct pending pend[MAX_PENDING];
static size_t npend;
static uint64_t call_end_at[AGENTS + 1]; /* 0: not on a call */
static unsigned offers, missed_rings;

static void on_offer(const struct acd_offer *o, void *arg)
{
	uint64_t now = *(const uint64_t *)arg;

	offers++;
	if (rnd() % 20 == 0) { /* nobody picks up: the ring timeout */
		missed_rings++;
		return;
	}
	if (npend < MAX_PENDING) {
		pend[npend].caller = o->caller;
		pend[npend].agent = o->agentv[rnd() % o->agentc];
		pend[npend].at = now + RING_MS;
		npend++;
	}
}

/* Callers who give up: (id, when). */
struct patience {
	int64_t caller;
	uint64_t at;
};

static struct patience *pat;
static size_t npat, cpat;

static double ns_of(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e9 +
	       (double)(b->tv_nsec - a->tv_nsec);
}

int main(void)
{
	struct acd_engine *e = NULL;
	struct acd_member (*mv)[AGENTS] = NULL;
	size_t mc[QUEUES + 1];
	struct timespec t0, t1;
	double dispatch_ns = 0, worst_ns = 0;
	uint64_t now = 1000000, end;
	int64_t next_caller = 1;
	unsigned answered = 0, abandoned = 0, joined = 0, q, a;
	size_t i;
	int err;

	err = libre_init();
	if (err)
		return 1;
	mv = calloc(QUEUES + 1, sizeof(*mv));
	pat = calloc(cpat = 65536, sizeof(*pat));
	if (!mv || !pat)
		return 1;
	err = acd_engine_alloc(&e, NULL, NULL);
	if (err)
		return 1;

	memset(mc, 0, sizeof(mc));
	for (a = 1; a <= AGENTS; a++) {
		unsigned qs[PER_AGENT] = {1 + a % QUEUES,
					  1 + (a * 7 + 13) % QUEUES,
					  1 + (a * 31 + 57) % QUEUES};
		struct acd_skill sk = {"de", 1 + a % 10};

		for (i = 0; i < PER_AGENT; i++) {
			q = qs[i];
			if (i && (q == qs[0] || (i == 2 && q == qs[1])))
				continue;
			mv[q][mc[q]].agent = a;
			mv[q][mc[q]].tier = (unsigned)i;
			mc[q]++;
		}
		if (a % 10 < 7)
			(void)acd_engine_agent_skills(e, a, &sk, 1);
	}
	for (q = 1; q <= QUEUES; q++) {
		struct acd_qconf qc;

		memset(&qc, 0, sizeof(qc));
		qc.id = q;
		qc.tenant_id = 1;
		qc.strategy = (enum acd_strategy)(q % 5);
		qc.ring_timeout_s = 15;
		qc.wrapup_s = 10;
		qc.max_misses = 3;
		if (qc.strategy == ACD_SKILLS) {
			strcpy(qc.reqv[0].skill, "de");
			qc.reqv[0].min_level = 3;
			qc.reqv[0].relax_s = 30;
			qc.reqc = 1;
		}
		err = acd_engine_queue_set(e, &qc);
		if (!err)
			err = acd_engine_members(e, q, mv[q], mc[q]);
		if (err)
			return 1;
	}
	for (a = 1; a <= AGENTS; a++)
		(void)acd_engine_agent_login(e, a, now - a);

	for (end = now + HOUR_MS; now < end; now += STEP_MS) {
		double ns;
		unsigned k, n;

		/* 5.2 callers a second: 0..1 per step, plus 1 in 50 steps */
		n = (rnd() % 100 < 50) + (rnd() % 50 == 0);
		for (k = 0; k < n; k++) {
			struct acd_caller_in c = {next_caller++,
						  rnd() % 50 ? ACD_PRIO_NORMAL
							     : ACD_PRIO_VIP,
						  now};
			enum acd_outcome out;

			if (acd_engine_join(e, rnd_in(1, QUEUES), &c, now,
					    &out) ||
			    out != ACD_JOINED)
				continue;
			joined++;
			if (npat == cpat)
				continue;
			pat[npat].caller = c.id;
			pat[npat].at = now + rnd_in(60, 600) * 1000ULL;
			npat++;
		}
		/* answers, call ends, callers giving up */
		for (i = 0; i < npend;) {
			if (pend[i].at > now) {
				i++;
				continue;
			}
			if (!acd_engine_answer(e, pend[i].caller, pend[i].agent,
					       now)) {
				answered++;
				call_end_at[pend[i].agent] =
				    now + rnd_in(60, 300) * 1000ULL;
			}
			pend[i] = pend[--npend];
		}
		for (a = 1; a <= AGENTS; a++) {
			if (call_end_at[a] && call_end_at[a] <= now) {
				(void)acd_engine_call_end(e, a, now);
				call_end_at[a] = 0;
			}
		}
		for (i = 0; i < npat;) {
			if (pat[i].at > now) {
				i++;
				continue;
			}
			abandoned += !acd_engine_leave(e, pat[i].caller, now);
			pat[i] = pat[--npat];
		}
		(void)acd_engine_tick(e, now);

		clock_gettime(CLOCK_MONOTONIC, &t0);
		(void)acd_engine_dispatch(e, now, on_offer, &now);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns = ns_of(&t0, &t1);
		dispatch_ns += ns;
		if (ns > worst_ns)
			worst_ns = ns;
	}

	printf("agents %d queues %d members %d (3 per agent, tiers 0-2)\n",
	       AGENTS, QUEUES, AGENTS * PER_AGENT);
	printf("joined %u answered %u abandoned %u offers %u "
	       "(rung out %u)\n",
	       joined, answered, abandoned, offers, missed_rings);
	printf("dispatch: %.0f ns per offered call (all %u dispatches), "
	       "worst dispatch %.0f ns\n",
	       offers ? dispatch_ns / offers : 0.0, HOUR_MS / STEP_MS,
	       worst_ns);
	mem_deref(e);
	free(mv);
	free(pat);
	libre_close();
	return 0;
}
