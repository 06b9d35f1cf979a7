/*
 * estimate_int.h - private to src/acd: the honest estimated waiting time
 * of one queue (estimate.c) and what a waiting caller is told
 * (acd_est_say).  To be merged into acd_int.h.
 *
 * The queue engine feeds each queue's estimator with what happens (a
 * caller answered or abandoned after waiting w, a call handled in h) and
 * asks it, for one waiting caller, "how long until an agent takes me?"
 * from the live state: callers ahead, agents serving the queue now, the
 * recent handle times and the recent abandonment rate.  Pure logic, no
 * timers, no sockets: the clock is passed in [ms].
 */
#ifndef SWITCHBOARD_ACD_ESTIMATE_INT_H
#define SWITCHBOARD_ACD_ESTIMATE_INT_H

#include <stdbool.h>
#include <stdint.h>

/* acd_est_wait() when no agent serves the queue: no estimate */
#define ACD_EST_UNKNOWN UINT64_MAX

struct acd_est;

/* Tuning of one estimator; acd_est_alloc(.., NULL) takes the defaults
 * ACD_EST_CFG_DEFAULT. */
struct acd_est_cfg {
	uint32_t handle_prior_ms;   /* [ms] handle time assumed until the
				       first calls are handled           */
	uint32_t patience_prior_ms; /* [ms] mean patience assumed until
				       callers have waited               */
	uint32_t handle_window;     /* handle times remembered (the weight
				       of a new one is 1/handle_window)   */
	uint32_t leave_window;      /* callers leaving the queue
				       remembered (answered or abandoned)  */
};

#define ACD_EST_CFG_DEFAULT                                                    \
	{                                                                      \
		180000, 600000, 100, 400                                       \
	}

/*
 * A new estimator with cfg (NULL: the defaults), a mem object.  EINVAL
 * for estp NULL or a zero field in cfg, ENOMEM.
 */
int acd_est_alloc(struct acd_est **estp, const struct acd_est_cfg *cfg);

/* A caller of the queue was answered by an agent after waiting wait_ms
 * in the queue (0: at once). */
void acd_est_answered(struct acd_est *est, uint64_t wait_ms, uint64_t now);
/* A caller hung up (or left by a key) after waiting wait_ms unanswered. */
void acd_est_abandoned(struct acd_est *est, uint64_t wait_ms, uint64_t now);
/* An agent finished a call of the queue that lasted handle_ms (talk and
 * after-call work: the time the agent was not free for the queue). */
void acd_est_handled(struct acd_est *est, uint64_t handle_ms, uint64_t now);

/*
 * Expected further wait [ms] of a caller with ahead callers before them,
 * agents agents serving the queue now (on a call of it, ringing or
 * available; not paused, not logged out) who has waited waited_ms so
 * far, if they are served: the M/M/s+M queue-length predictor (Whitt
 * 1999) with the rates seen live.  While i callers are ahead, the line
 * moves at rate agents*mu + i*theta (an agent frees up or one of them
 * hangs up); the caller is served at the (ahead+1)-th move, and being
 * served means their own patience (rate theta) outlasted the wait, which
 * turns each stage's rate r into r + theta:
 *
 *     E[W | served] = sum_{i=1..ahead+1} 1 / (agents * mu + i * theta)
 *
 * (Whitt's E[W] sums i = 0..ahead: the wait of a caller who never hangs
 * up, longer than what the callers who do get an agent wait.)  mu = 1 /
 * recent mean handle time, theta = recent abandonments per
 * caller-millisecond waited.  waited_ms does not count (memoryless).
 * ACD_EST_UNKNOWN when agents is 0 or est is NULL.
 */
uint64_t acd_est_wait(const struct acd_est *est, unsigned ahead,
		      unsigned agents, uint64_t waited_ms, uint64_t now);

/* What the estimator learnt, for statistics and tests. */
struct acd_est_rates {
	double handle_ms;   /* [ms] recent mean handle time (1/mu)        */
	double patience_ms; /* [ms] recent mean patience (1/theta),
			       0 when no caller ever abandoned            */
	uint64_t handled;   /* calls handled since alloc                  */
	uint64_t left;      /* callers answered or abandoned since alloc  */
};
void acd_est_rates(const struct acd_est *est, struct acd_est_rates *r);

/*
 * What one waiting caller was told so far (embed in the queue entry,
 * zeroed when the caller joins).
 */
struct acd_est_say {
	uint32_t last;  /* [s] the wait said last (as below), 0: none    */
	unsigned ahead; /* callers ahead when `last` was first said      */
	unsigned times; /* how often `last` was said in a row at `ahead` */
	uint64_t since; /* [ms] when `last` was first said               */
	uint32_t floor; /* [s] raised to this while at `ahead`, 0: none  */
};

/*
 * The wait to announce at now to a caller with ahead callers before them
 * whose estimate is est_ms, as seconds for media_phrase_wait(): 30
 * ("less than a minute") below 45 s, else whole minutes, rounded, as
 * 60 * n ("about n minutes"), 3600 from 59.5 minutes on ("more than an
 * hour").  0 for ACD_EST_UNKNOWN: say no time (st unchanged).
 *
 * The rule for a caller who does not move: a time said twice in a row
 * while the callers ahead stayed the same, and at least that long ago
 * the first time (one minute or less: always), has proved too short;
 * instead of a third time it is
 * raised one step (less than a minute -> one minute, n -> n + 1
 * minutes; "more than an hour" stays), and what the caller hears does
 * not drop below the raised time until they move.  With announcements a
 * minute apart: "one minute", "one minute", "two minutes", "two
 * minutes", "three minutes" - never "one minute" three times.  Once the
 * caller moves, the estimate is said as it is.  st is updated.
 */
uint32_t acd_est_say_next(struct acd_est_say *st, uint64_t est_ms,
			  unsigned ahead, uint64_t now);

/* The rounding alone (no history): est_ms as the seconds said above. */
uint32_t acd_est_say_round(uint64_t est_ms);

#endif
