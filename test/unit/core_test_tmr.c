/*
 * core_test_tmr.c - our tmr_start() (src/core/tmr.c) against a reference
 * model of libre 1.1.0's timer list: timers fire in the order of their
 * expiry time, and timers due at the same millisecond in the order they
 * were (last) started.  Random delays, restarts and cancels; the list is
 * checked after every operation, and a live run fires the timers through
 * libre's tmr_poll() and compares the firing order with the model.
 */
#include <stdlib.h>
#include "core/core.h"
#include "test.h"

extern struct list *tmrl_get(void);

enum {
	NTMR = 1500, /* timers in play             */
	NOPS = 12000 /* random operations per seed */
};

struct mtmr {
	struct tmr tmr;
	bool live;    /* started and not cancelled (model) */
	uint64_t jfs; /* [ms] expiry the model expects    */
	uint64_t seq; /* start order                      */
};

static struct mtmr *mv;
static uint64_t seq;
static uint32_t rnd_state;
static size_t fired[NTMR];
static size_t nfired, nlive;

static uint32_t rnd(void)
{
	/* xorshift32: the same sequence on every run for a seed */
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* Delays that reach every way of inserting: at the tail, at the head,
 * walks from either end, and many equal expiry times. */
static uint64_t rnd_delay(bool small)
{
	if (small)
		return rnd() % 4 ? rnd() % 8 : rnd() % 40;
	switch (rnd() % 8) {
	case 7:
		return 600000 + rnd() % 3; /* past the marks' horizon */
	case 0:
		return 0;
	case 1:
		return rnd() % 3;
	case 2:
		return 500;
	case 3:
		return 32000;
	case 4:
		return 5000 + rnd() % 3;
	case 5:
		return rnd() % 64000;
	default:
		return rnd() % 600;
	}
}

/* Our timer the list element belongs to, or NULL for someone else's. */
static struct mtmr *owner(const struct le *le)
{
	uintptr_t p = (uintptr_t)le->data; /* tmr is the first field */

	if (p < (uintptr_t)mv || p >= (uintptr_t)(mv + NTMR))
		return NULL;
	return le->data;
}

/* Model order: (jfs, seq) ascending.  The list holds exactly the live
 * timers, in that order, with the expiry the model recorded. */
static bool list_matches_model(void)
{
	const struct mtmr *prev = NULL;
	size_t n = 0;
	struct le *le;

	for (le = list_head(tmrl_get()); le; le = le->next) {
		const struct mtmr *m = owner(le);

		if (!m)
			continue;
		if (!m->live || m->tmr.jfs != m->jfs)
			return false;
		if (prev && (prev->jfs > m->jfs ||
			     (prev->jfs == m->jfs && prev->seq > m->seq)))
			return false;
		prev = m;
		++n;
	}
	return n == nlive;
}

static void fire_h(void *arg)
{
	struct mtmr *m = arg;

	m->live = false;
	fired[nfired++] = (size_t)(m - mv);
	if (--nlive == 0)
		re_cancel();
}

static void op_random(bool small)
{
	struct mtmr *m = &mv[rnd() % NTMR];

	if (rnd() % 8 == 0) {
		tmr_cancel(&m->tmr);
		if (m->live)
			--nlive;
		m->live = false;
		return;
	}
	tmr_start(&m->tmr, rnd_delay(small), fire_h, m);
	if (!m->live)
		++nlive;
	m->live = true;
	m->jfs = m->tmr.jfs; /* delay + tmr_jiffies(), as libre */
	m->seq = ++seq;
}

static int cmp_model(const void *a, const void *b)
{
	const struct mtmr *x = &mv[*(const size_t *)a];
	const struct mtmr *y = &mv[*(const size_t *)b];

	if (x->jfs != y->jfs)
		return x->jfs < y->jfs ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void guard_h(void *arg)
{
	(void)arg;
	re_cancel();
}

static void reset(uint32_t seed)
{
	size_t i;

	for (i = 0; i < NTMR; i++) {
		tmr_cancel(&mv[i].tmr);
		mv[i].live = false;
	}
	nlive = nfired = 0;
	rnd_state = seed;
}

int test_tmr_order(void)
{
	static const uint32_t seeds[] = {1, 0x2545f491, 0xdeadbeef, 77};
	size_t expect[NTMR];
	struct tmr guard;
	size_t s, i, n;
	int err = 0;

	tmr_init(&guard);
	mv = calloc(NTMR, sizeof(*mv));
	TEST_ASSERT(mv != NULL);
	TEST_EQ_INT(tmr_replacement_check(), 0);

	for (s = 0; s < ARRAY_SIZE(seeds); s++) {
		/* list order after every start, restart and cancel */
		reset(seeds[s]);
		for (i = 0; i < NOPS; i++) {
			op_random(false);
			if (!list_matches_model()) {
				fprintf(stderr, "  seed %zu op %zu\n", s, i);
				TEST_ASSERT(false);
			}
		}

		/* firing order through libre's tmr_poll() in re_main() */
		reset(seeds[s] ^ 0x5a5a5a5a);
		for (i = 0; i < 3 * NTMR; i++)
			op_random(true);
		TEST_ASSERT(list_matches_model());
		for (i = n = 0; i < NTMR; i++) {
			if (mv[i].live)
				expect[n++] = i;
		}
		TEST_EQ_INT(n, nlive);
		qsort(expect, n, sizeof(expect[0]), cmp_model);
		tmr_start(&guard, 5000, guard_h, NULL);
		if (nlive)
			(void)re_main(NULL);
		tmr_cancel(&guard);
		TEST_EQ_INT(nfired, n);
		for (i = 0; i < n; i++) {
			if (fired[i] != expect[i]) {
				fprintf(stderr,
					"  seed %zu: #%zu fired %zu, "
					"want %zu\n",
					s, i, fired[i], expect[i]);
				TEST_ASSERT(false);
			}
		}
	}
out:
	if (mv)
		reset(0);
	tmr_cancel(&guard);
	tmr_replacement_flush();
	free(mv);
	mv = NULL;
	return err;
}
