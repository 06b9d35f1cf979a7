/*
 * mc.c - mc.h: futures of the line drawn from the recent handle times
 * (a call in progress ends with a handle time longer than its elapsed
 * time, drawn from those seen) and exponential patience of the callers
 * ahead; deterministic (splitmix64 from the seed).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "mc.h"

#define PATHS 400

void mc_handled(struct mc *m, uint64_t handle_ms)
{
	uint32_t h = handle_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)handle_ms;
	unsigned i, n = m->n;

	if (n == MC_SAMPLES) {
		uint32_t old = m->ring[m->pos];

		for (i = 0; m->sorted[i] != old; i++)
			;
		memmove(&m->sorted[i], &m->sorted[i + 1],
			(n - i - 1) * sizeof(m->sorted[0]));
		n--;
	}
	else {
		m->n++;
	}
	m->ring[m->pos] = h;
	m->pos = (m->pos + 1) % MC_SAMPLES;
	for (i = n; i > 0 && m->sorted[i - 1] > h; i--)
		m->sorted[i] = m->sorted[i - 1];
	m->sorted[i] = h;
}

static uint64_t mix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double unit(uint64_t *x)
{
	return ((double)(mix(x) >> 11) + 0.5) * 0x1.0p-53;
}

/* a handle time longer than elapsed, from the recent ones */
static double draw(const struct mc *m, uint64_t *x, double elapsed,
		   double handle_ms)
{
	unsigned lo = 0, hi = m->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (m->sorted[mid] > elapsed)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == m->n) /* none seen that long: a fresh mean to go */
		return elapsed - handle_ms * log(unit(x));
	return m->sorted[lo + (unsigned)(unit(x) * (m->n - lo))];
}

struct path {
	double w, weight;
};

static int cmp_path(const void *a, const void *b)
{
	const struct path *x = a, *y = b;

	return (x->w > y->w) - (x->w < y->w);
}

uint64_t mc_wait(const struct mc *m, unsigned ahead, const uint64_t *elapsed,
		 unsigned nbusy, unsigned nfree, double theta, double handle_ms,
		 uint64_t seed, bool median)
{
	static struct path path[PATHS];
	double freeat[64], total = 0, acc = 0, mean = 0;
	unsigned agents = nbusy + nfree, p, j;
	uint64_t x = seed;

	if (!agents || agents > 64)
		return UINT64_MAX;
	for (p = 0; p < PATHS; p++) {
		double t = 0;
		unsigned i = ahead;

		for (j = 0; j < agents; j++)
			freeat[j] = j < nbusy ? draw(m, &x, (double)elapsed[j],
						     handle_ms) -
						    (double)elapsed[j]
					      : 0;
		for (;;) {
			unsigned k = 0;
			double tb;

			for (j = 1; j < agents; j++)
				if (freeat[j] < freeat[k])
					k = j;
			tb = i && theta > 0 ? t - log(unit(&x)) / (i * theta)
					    : INFINITY;
			if (tb < freeat[k]) { /* one ahead hangs up */
				t = tb;
				i--;
				continue;
			}
			t = freeat[k];
			if (!i)
				break;
			i--; /* the agent takes the head of the line */
			freeat[k] = t + draw(m, &x, 0, handle_ms);
		}
		path[p].w = t;
		path[p].weight = exp(-theta * t);
		total += path[p].weight;
		mean += t * path[p].weight;
	}
	if (!median)
		return (uint64_t)(mean / total + 0.5);
	qsort(path, PATHS, sizeof(path[0]), cmp_path);
	for (p = 0; p + 1 < PATHS; p++) {
		acc += path[p].weight;
		if (acc >= total / 2)
			break;
	}
	return (uint64_t)(path[p].w + 0.5);
}
