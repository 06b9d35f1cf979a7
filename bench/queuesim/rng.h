/*
 * rng.h - the simulation's own deterministic random numbers: xoshiro256**
 * seeded through splitmix64, so a day file and its seed give the same
 * callers on every machine and libc (no rand(), no time()).
 */
#ifndef QUEUESIM_RNG_H
#define QUEUESIM_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* uniform in (0, 1): never 0, so log() is safe */
double rng_unit(struct rng *r);
/* exponential with the given mean */
double rng_exp(struct rng *r, double mean);
/* log-normal with the given mean and standard deviation (of the value,
 * not of its logarithm) */
double rng_lognormal(struct rng *r, double mean, double sd);

#endif
