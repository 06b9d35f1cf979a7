/*
 * estimate.c - the honest estimated waiting time of a queue.
 *
 * A fixed average ("the average wait is 45 seconds", Asterisk's
 * exponential average of past waits) tells the tenth caller what the
 * first one waited and ignores that half the agents just went home.  We
 * use the queue-length predictor for a queue with s agents,
 * exponential-ish handle times (rate mu each) and impatient callers
 * (each hangs up at rate theta while waiting), M/M/s+M (Whitt 1999,
 * "Predicting queueing delays"; Ibrahim & Whitt 2009): a caller with n
 * callers ahead is served at the (n+1)-th departure from the head of the
 * line; while i callers are ahead, departures come at rate
 * s*mu + i*theta (an agent frees up, or one of them gives up), so
 *
 *     E[W | n ahead, s agents] = sum_{i=0..n} 1 / (s*mu + i*theta).
 *
 * That is the wait of a caller who never hangs up.  What we announce is
 * the expected wait of a caller who will be served: their own patience
 * (rate theta) has to outlast the wait, which, stage by stage, adds
 * theta to each rate (an exponential stage of rate r, weighted by the
 * chance e^{-theta t} of still holding on, is one of rate r + theta):
 *
 *     E[W | n ahead, s agents, served] = sum_{i=1..n+1} 1/(s*mu + i*theta)
 *
 * Without it every estimate of a busy queue is too long for exactly the
 * callers who get through (on the simulated days, by half a minute).
 *
 * The rates are not configured but seen live:
 *   - mu: 1 / the mean of the recent handle times, an exponentially
 *     weighted mean over the last handle_window calls (a prior handle
 *     time counts as one call until calls are handled);
 *   - theta: the recent abandonments per caller-millisecond waited, the
 *     maximum-likelihood rate of exponential patience with the answered
 *     callers as censored observations: (abandonments) / (total time all
 *     leaving callers waited), both as exponentially weighted means over
 *     the last leave_window callers leaving the queue.  The prior is one
 *     caller who abandoned after patience_prior_ms: with no waiting at
 *     all there is no evidence about patience and it stays; every
 *     caller-second waited without hanging up lowers theta.
 * Windows count events, not time: a night with three calls an hour still
 * has a useful mean, a busy morning forgets within minutes.
 */
#include <re.h>
#include "acd/acd_int.h"

struct acd_est {
	struct acd_est_cfg cfg;
	double handle_ms;  /* [ms] weighted mean handle time          */
	double handle_n;   /* weight behind handle_ms (<= window)      */
	double leave_ab;   /* weighted mean of "abandoned" (0/1)       */
	double leave_wait; /* [ms] weighted mean wait of leaving ones  */
	double leave_n;    /* weight behind the two (<= window)        */
	uint64_t handled;  /* calls handled since alloc                */
	uint64_t left;     /* callers who left the queue since alloc   */
};

int acd_est_alloc(struct acd_est **estp, const struct acd_est_cfg *cfg)
{
	static const struct acd_est_cfg dflt = ACD_EST_CFG_DEFAULT;
	struct acd_est *est;

	if (!estp)
		return EINVAL;
	if (!cfg)
		cfg = &dflt;
	if (!cfg->handle_prior_ms || !cfg->patience_prior_ms ||
	    !cfg->handle_window || !cfg->leave_window)
		return EINVAL;
	est = mem_zalloc(sizeof(*est), NULL);
	if (!est)
		return ENOMEM;
	est->cfg = *cfg;
	est->handle_ms = cfg->handle_prior_ms;
	est->handle_n = 1;
	est->leave_ab = 1;
	est->leave_wait = cfg->patience_prior_ms;
	est->leave_n = 1;
	*estp = est;
	return 0;
}

/* One more sample into a weighted mean of at most window samples. */
static double ewma(double mean, double *n, double window, double x)
{
	if (*n < window)
		*n += 1;
	return mean + (x - mean) / *n;
}

static void leave(struct acd_est *est, bool abandoned, uint64_t wait_ms)
{
	double n = est->leave_n;

	est->leave_ab =
	    ewma(est->leave_ab, &n, est->cfg.leave_window, abandoned ? 1 : 0);
	n = est->leave_n;
	est->leave_wait =
	    ewma(est->leave_wait, &n, est->cfg.leave_window, (double)wait_ms);
	est->leave_n = n;
	est->left++;
}

void acd_est_answered(struct acd_est *est, uint64_t wait_ms, uint64_t now)
{
	(void)now;
	if (est)
		leave(est, false, wait_ms);
}

void acd_est_abandoned(struct acd_est *est, uint64_t wait_ms, uint64_t now)
{
	(void)now;
	if (est)
		leave(est, true, wait_ms);
}

void acd_est_handled(struct acd_est *est, uint64_t handle_ms, uint64_t now)
{
	(void)now;
	if (!est)
		return;
	est->handle_ms = ewma(est->handle_ms, &est->handle_n,
			      est->cfg.handle_window, (double)handle_ms);
	est->handled++;
}

/* theta [1/ms]: abandonments per caller-millisecond waited */
static double theta(const struct acd_est *est)
{
	if (est->leave_wait <= 0)
		return 0;
	return est->leave_ab / est->leave_wait;
}

uint64_t acd_est_wait(const struct acd_est *est, unsigned ahead,
		      unsigned agents, uint64_t waited_ms, uint64_t now)
{
	double mu, th, w = 0;
	unsigned i;

	(void)waited_ms; /* memoryless: what is behind does not count */
	(void)now;
	if (!est || !agents)
		return ACD_EST_UNKNOWN;
	mu = 1.0 / (est->handle_ms > 1 ? est->handle_ms : 1);
	th = theta(est);
	for (i = 1; i <= ahead + 1; i++)
		w += 1.0 / (agents * mu + i * th);
	return (uint64_t)(w + 0.5);
}

void acd_est_rates(const struct acd_est *est, struct acd_est_rates *r)
{
	double th;

	if (!est || !r)
		return;
	th = theta(est);
	r->handle_ms = est->handle_ms;
	r->patience_ms = th > 0 ? 1.0 / th : 0;
	r->handled = est->handled;
	r->left = est->left;
}

uint32_t acd_est_say_round(uint64_t est_ms)
{
	uint64_t s, min;

	if (est_ms == ACD_EST_UNKNOWN)
		return 0;
	s = (est_ms + 500) / 1000;
	if (s < 45)
		return 30;
	min = (s + 30) / 60;
	if (min >= 60)
		return 3600;
	return (uint32_t)(60 * min);
}

/* one step up: less than a minute -> 1 min -> 2 min ... */
static uint32_t step_up(uint32_t said)
{
	if (said < 60)
		return 60;
	if (said >= 3600)
		return 3600;
	return said + 60;
}

uint32_t acd_est_say_next(struct acd_est_say *st, uint64_t est_ms,
			  unsigned ahead, uint64_t now)
{
	uint32_t say = acd_est_say_round(est_ms);
	bool still;

	if (!st || !say)
		return say;
	still = st->last && ahead == st->ahead;
	if (!still)
		st->floor = 0;
	if (say < st->floor)
		say = st->floor;
	if (still && say == st->last && st->times >= 2 &&
	    (say <= 60 || now - st->since >= (uint64_t)say * 1000)) {
		say = step_up(say);
		st->floor = say;
	}
	if (still && say == st->last) {
		st->times++;
		return say;
	}
	st->last = say;
	st->ahead = ahead;
	st->times = 1;
	st->since = now;
	return say;
}
