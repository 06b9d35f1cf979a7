/*
 * mc.h - an experiment beside the estimator, not in the product: the
 * wait drawn as futures from the calls in progress (their elapsed time)
 * and the recent handle times themselves instead of their mean.  It
 * shows how much knowing more than the position and the agents would
 * buy (RESULTS.md section 10: little).
 */
#ifndef QUEUESIM_MC_H
#define QUEUESIM_MC_H

#include <stdbool.h>
#include <stdint.h>

#define MC_SAMPLES 128

/* the recent handle times of one queue */
struct mc {
	uint32_t ring[MC_SAMPLES];   /* [ms] oldest at pos */
	uint32_t sorted[MC_SAMPLES]; /* [ms] ascending     */
	unsigned n, pos;
};

void mc_handled(struct mc *m, uint64_t handle_ms);

/*
 * The wait of a caller with ahead callers before them, nbusy agents on
 * calls that began elapsed[] ms ago and nfree free agents, patience rate
 * theta [1/ms] of everyone, mean handle time handle_ms for the tail: 400
 * futures, each weighted by the chance that the caller holds on that
 * long; their weighted mean, or median.  UINT64_MAX without agents.
 */
uint64_t mc_wait(const struct mc *m, unsigned ahead, const uint64_t *elapsed,
		 unsigned nbusy, unsigned nfree, double theta, double handle_ms,
		 uint64_t seed, bool median);

#endif
