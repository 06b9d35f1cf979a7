/*
 * pick.c - the decision of the queue engine: which available agents a
 * waiting caller is offered to.
 *
 * An agent is eligible for caller c of queue q when he is a member of q,
 * AVAILABLE and not on a direct call, not among the agents who missed c
 * already, within the tier the caller's wait allows (q's widening steps)
 * and has every skill of q's requirements not yet relaxed at its level.
 * Of the eligible agents only the lowest tier is offered (tier 0 before
 * tier 1), and of those the strategy chooses: all (ring-all), the member
 * after the one offered last (round-robin with memory), the one whose
 * last call ended first (longest idle), the fewest calls since login,
 * the highest skill score (sum of levels in q's required skills, relaxed
 * ones too) - ties go to the longest idle, then member order.
 */
#include <string.h>
#include "acd/acd_int.h"

bool acd_agent_free(const struct acd_agent *a)
{
	return a->state == ACD_AVAILABLE && !a->busy;
}

/* The highest tier a caller who waited wait_ms may be offered to. */
static unsigned tier_limit(const struct acd_qconf *qc, uint64_t wait_ms)
{
	unsigned max = 0;
	size_t i;

	if (!qc->widenc)
		return ACD_TIERS - 1;
	for (i = 0; i < qc->widenc; i++) {
		if (wait_ms >= (uint64_t)qc->widenv[i].after_s * 1000 &&
		    qc->widenv[i].max_tier > max)
			max = qc->widenv[i].max_tier;
	}
	return max;
}

static unsigned skill_level(const struct acd_agent *a, const char *skill)
{
	size_t i;

	for (i = 0; i < a->skillc; i++) {
		if (!strcmp(a->skillv[i].name, skill))
			return a->skillv[i].level;
	}
	return 0;
}

static bool skills_ok(const struct acd_qconf *qc, const struct acd_agent *a,
		      uint64_t wait_ms)
{
	size_t i;

	for (i = 0; i < qc->reqc; i++) {
		const struct acd_skill_req *r = &qc->reqv[i];

		if (r->relax_s && wait_ms >= (uint64_t)r->relax_s * 1000)
			continue;
		if (skill_level(a, r->skill) < r->min_level)
			return false;
	}
	return true;
}

static unsigned skill_score(const struct acd_qconf *qc,
			    const struct acd_agent *a)
{
	unsigned score = 0;
	size_t i;

	for (i = 0; i < qc->reqc; i++)
		score += skill_level(a, qc->reqv[i].skill);
	return score;
}

static bool tried(const struct acd_caller *c, int64_t id)
{
	size_t i;

	for (i = 0; i < c->triedc; i++) {
		if (c->triedv[i] == id)
			return true;
	}
	return false;
}

static bool eligible(const struct acd_caller *c, const struct acd_qmember *m,
		     unsigned max_tier, uint64_t wait_ms)
{
	return acd_agent_free(m->a) && m->tier <= max_tier &&
	       !tried(c, m->a->id) && skills_ok(&c->q->c, m->a, wait_ms);
}

/* Is a better than b (the current best) by the strategy? */
static bool better(const struct acd_qconf *qc, const struct acd_agent *a,
		   const struct acd_agent *b)
{
	if (qc->strategy == ACD_FEWEST_CALLS && a->calls != b->calls)
		return a->calls < b->calls;
	if (qc->strategy == ACD_SKILLS) {
		unsigned sa = skill_score(qc, a), sb = skill_score(qc, b);

		if (sa != sb)
			return sa > sb;
	}
	return a->last_end < b->last_end;
}

size_t acd_pick(struct acd_caller *c, uint64_t now, struct acd_agent **v)
{
	struct acd_queue *q = c->q;
	uint64_t wait_ms = now > c->joined ? now - c->joined : 0;
	unsigned max_tier = tier_limit(&q->c, wait_ms), tier = ACD_TIERS;
	struct acd_agent *best = NULL;
	size_t i, k, n = 0;

	/* the lowest tier with an eligible agent */
	for (i = 0; i < q->memberc; i++) {
		const struct acd_qmember *m = &q->memberv[i];

		if (m->tier < tier && eligible(c, m, max_tier, wait_ms))
			tier = m->tier;
	}
	if (tier == ACD_TIERS)
		return 0;

	if (q->c.strategy == ACD_ROUND_ROBIN) {
		for (k = 0; k < q->memberc; k++) {
			i = (q->rr + k) % q->memberc;
			if (q->memberv[i].tier == tier &&
			    eligible(c, &q->memberv[i], max_tier, wait_ms)) {
				q->rr = (i + 1) % q->memberc;
				v[0] = q->memberv[i].a;
				return 1;
			}
		}
		return 0;
	}

	for (i = 0; i < q->memberc; i++) {
		const struct acd_qmember *m = &q->memberv[i];

		if (m->tier != tier || !eligible(c, m, max_tier, wait_ms))
			continue;
		if (q->c.strategy == ACD_RING_ALL) {
			if (n < ACD_OFFER_MAX)
				v[n++] = m->a;
			continue;
		}
		if (!best || better(&q->c, m->a, best))
			best = m->a;
	}
	if (q->c.strategy == ACD_RING_ALL)
		return n;
	v[0] = best;
	return best ? 1 : 0;
}
