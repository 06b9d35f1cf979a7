/*
 * rng.c - xoshiro256** (Blackman & Vigna 2018) seeded by splitmix64;
 * exponential by inversion, normal by Box-Muller (one of the pair used,
 * so every draw takes a fixed number of words).
 */
#include <math.h>
#include "rng.h"

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double rng_unit(struct rng *r)
{
	return ((double)(rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

double rng_exp(struct rng *r, double mean)
{
	return -mean * log(rng_unit(r));
}

double rng_lognormal(struct rng *r, double mean, double sd)
{
	double s2 = log(1 + (sd * sd) / (mean * mean));
	double m = log(mean) - s2 / 2;
	double u1 = rng_unit(r), u2 = rng_unit(r);
	double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);

	return exp(m + sqrt(s2) * z);
}
