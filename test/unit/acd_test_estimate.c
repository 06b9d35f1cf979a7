/*
 * acd_test_estimate.c - the estimated waiting time of a queue
 * (src/acd/estimate.c) without a clock or a call: the learnt handle time
 * and patience after a scripted series of events, the estimate for
 * given positions and agents, the rounding to what is said, and the rule
 * that a caller who does not move never hears "one minute" three times.
 *
 * Expected values are worked out by hand from the formulas in
 * acd_int.h (weighted means step by step; the sums with a pocket
 * calculator), not taken from the code under test.
 */
#include <re.h>
#include "acd/acd_int.h"
#include "test.h"

int test_acd_est_wait(void)
{
	static const struct acd_est_cfg zero = {180000, 0, 100, 400};
	struct acd_est *est = NULL;
	int err = 0;

	TEST_EQ_INT(acd_est_alloc(NULL, NULL), EINVAL);
	TEST_EQ_INT(acd_est_alloc(&est, &zero), EINVAL);
	TEST_ASSERT(est == NULL);
	TEST_EQ_INT(acd_est_alloc(&est, NULL), 0);

	/* priors: handle 180 s, patience 600 s.  Next in line, one agent:
	 * 1 / (1/180000 + 1/600000) = 138461.5 ms */
	TEST_EQ_INT(acd_est_wait(est, 0, 1, 0, 0), 138462);
	/* 4 ahead, 2 agents: sum_{i=1..5} 1/(2/180000 + i/600000) */
	TEST_EQ_INT(acd_est_wait(est, 4, 2, 0, 0), 317239);
	/* what the caller waited so far does not change it */
	TEST_EQ_INT(acd_est_wait(est, 4, 2, 300000, 5000000), 317239);
	/* no agent serving: no estimate */
	TEST_EQ_INT(acd_est_wait(est, 0, 0, 0, 0), ACD_EST_UNKNOWN);
	TEST_EQ_INT(acd_est_wait(NULL, 0, 1, 0, 0), ACD_EST_UNKNOWN);
	/* more agents, shorter; more ahead, longer */
	TEST_ASSERT(acd_est_wait(est, 4, 3, 0, 0) <
		    acd_est_wait(est, 4, 2, 0, 0));
	TEST_ASSERT(acd_est_wait(est, 5, 2, 0, 0) >
		    acd_est_wait(est, 4, 2, 0, 0));
out:
	mem_deref(est);
	return err;
}

int test_acd_est_learn(void)
{
	static const struct acd_est_cfg two = {100000, 600000, 2, 400};
	struct acd_est_rates r;
	struct acd_est *est = NULL;
	int err = 0;

	err = acd_est_alloc(&est, NULL);
	TEST_EQ_INT(err, 0);
	/* handle times: the prior (180 s) counts as one call
	 * 120 s -> (180 + 120) / 2 = 150; 240 s -> 150 + 90 / 3 = 180;
	 * 300 s -> 180 + 120 / 4 = 210 */
	acd_est_handled(est, 120000, 1000);
	acd_est_handled(est, 240000, 2000);
	acd_est_handled(est, 300000, 3000);
	/* leaving callers: the prior is one abandonment after 600 s;
	 * answered after 60 s -> abandoned 1/2, waited 330 s;
	 * abandoned after 120 s -> 2/3, 260 s: patience 260 * 3/2 = 390 s */
	acd_est_answered(est, 60000, 4000);
	acd_est_abandoned(est, 120000, 5000);
	acd_est_rates(est, &r);
	TEST_EQ_INT((int64_t)(r.handle_ms + 0.5), 210000);
	TEST_EQ_INT((int64_t)(r.patience_ms + 0.5), 390000);
	TEST_EQ_INT(r.handled, 3);
	TEST_EQ_INT(r.left, 2);
	/* 2 ahead, 3 agents: sum_{i=1..3} 1/(3/210000 + i/390000) */
	TEST_EQ_INT(acd_est_wait(est, 2, 3, 0, 6000), 156357);

	/* callers answered at once say nothing about patience */
	acd_est_answered(est, 0, 7000);
	acd_est_answered(est, 0, 8000);
	acd_est_rates(est, &r);
	TEST_EQ_INT((int64_t)(r.patience_ms + 0.5), 390000);
	est = mem_deref(est);

	/* a window of two handle times: the prior 100 s and 200 s -> 150;
	 * then each new one weighs 1/2: 400 -> 275, 100 -> 187.5 */
	err = acd_est_alloc(&est, &two);
	TEST_EQ_INT(err, 0);
	acd_est_handled(est, 200000, 0);
	acd_est_rates(est, &r);
	TEST_EQ_INT((int64_t)(r.handle_ms + 0.5), 150000);
	acd_est_handled(est, 400000, 0);
	acd_est_handled(est, 100000, 0);
	acd_est_rates(est, &r);
	TEST_EQ_INT((int64_t)(r.handle_ms * 10 + 0.5), 1875000);
out:
	mem_deref(est);
	return err;
}

int test_acd_est_say(void)
{
	static const struct {
		uint64_t est;
		uint32_t said;
	} round[] = {
	    {0, 30},          {44499, 30},          {44500, 60},
	    {89499, 60},      {89500, 120},         {149499, 120},
	    {149500, 180},    {3569499, 3540},      {3569500, 3600},
	    {36000000, 3600}, {ACD_EST_UNKNOWN, 0},
	};
	/* a caller one minute from an agent who does not move, told every
	 * 60 s: never "one minute" three times; then every time twice at
	 * most while it has not been that long */
	static const uint32_t still[] = {60,  60,  120, 120, 180,
					 180, 180, 240, 240, 240};
	struct acd_est_say st;
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(round); i++) {
		if (acd_est_say_round(round[i].est) != round[i].said)
			fprintf(stderr, "  round %llu\n",
				(unsigned long long)round[i].est);
		TEST_EQ_INT(acd_est_say_round(round[i].est), round[i].said);
	}

	memset(&st, 0, sizeof(st));
	for (i = 0; i < ARRAY_SIZE(still); i++) {
		uint32_t s = acd_est_say_next(&st, 60000, 3, i * 60000);

		if (s != still[i])
			fprintf(stderr, "  announcement %zu\n", i);
		TEST_EQ_INT(s, still[i]);
	}
	/* the caller moves: the estimate as it is, a new count */
	TEST_EQ_INT(acd_est_say_next(&st, 60000, 2, 600000), 60);
	TEST_EQ_INT(acd_est_say_next(&st, 60000, 2, 660000), 60);
	TEST_EQ_INT(acd_est_say_next(&st, 60000, 2, 720000), 120);

	/* "less than a minute", announcements 20 s apart: the third is
	 * "one minute", and it does not drop back while not moving */
	memset(&st, 0, sizeof(st));
	TEST_EQ_INT(acd_est_say_next(&st, 20000, 0, 0), 30);
	TEST_EQ_INT(acd_est_say_next(&st, 20000, 0, 20000), 30);
	TEST_EQ_INT(acd_est_say_next(&st, 20000, 0, 40000), 60);
	TEST_EQ_INT(acd_est_say_next(&st, 20000, 0, 60000), 60);
	TEST_EQ_INT(acd_est_say_next(&st, 20000, 0, 80000), 120);

	/* an estimate that changes is said as it is, down as well */
	memset(&st, 0, sizeof(st));
	TEST_EQ_INT(acd_est_say_next(&st, 300000, 4, 0), 300);
	TEST_EQ_INT(acd_est_say_next(&st, 180000, 4, 60000), 180);
	TEST_EQ_INT(acd_est_say_next(&st, 180000, 4, 120000), 180);
	/* no agents: no time said, the history kept */
	TEST_EQ_INT(acd_est_say_next(&st, ACD_EST_UNKNOWN, 4, 180000), 0);
	TEST_EQ_INT(st.last, 180);
	TEST_EQ_INT(st.times, 2);
	/* "more than an hour" stays */
	memset(&st, 0, sizeof(st));
	for (i = 0; i < 4; i++)
		TEST_EQ_INT(acd_est_say_next(&st, 7200000, 9, i * 60000), 3600);
	TEST_EQ_INT(acd_est_say_next(NULL, 60000, 0, 0), 60);
out:
	return err;
}
