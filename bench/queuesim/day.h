/*
 * day.h - a simulated day, read from a .day file (bench/queuesim/days/):
 * simple "key = value" lines, '#' comments, one [queue NAME] section per
 * queue.  Global keys:
 *
 *   name     = Ordinary weekday          (free text)
 *   seed     = 20261207                  (the random seed; --seed overrides)
 *   queues   = 2                         (must match the sections)
 *   announce = 60                        [s] between announcements; a
 *                                        caller who has to wait hears one
 *                                        on entry and then every announce s
 *   end      = 24:00                     arrivals stop; callers still
 *                                        waiting are served or give up
 *   repeat   = 1                         the day N times in a row (24 h
 *                                        apart, one estimator learning
 *                                        throughout): enough callers on a
 *                                        quiet night for the figures
 *
 * Per queue section:
 *
 *   handle   = lognormal MEAN SD         [s] handle time (talk + wrap-up)
 *   patience = exponential MEAN          [s] how long a caller waits at
 *                                        most before hanging up
 *   slot     = HH:MM RATE AGENTS         from HH:MM on: RATE calls per
 *                                        hour (Poisson) and AGENTS agents
 *                                        on shift (until the next slot)
 *
 * An agent whose shift ends finishes the call in hand first.
 */
#ifndef QUEUESIM_DAY_H
#define QUEUESIM_DAY_H

#include <stdint.h>

#define DAY_MAX_QUEUES 16
#define DAY_MAX_SLOTS  96

struct day_slot {
	uint64_t from;   /* [ms] since midnight */
	double rate;     /* calls per hour      */
	unsigned agents; /* on shift            */
};

struct day_queue {
	char name[32];
	double handle_mean; /* [s] log-normal mean         */
	double handle_sd;   /* [s] log-normal sd           */
	double patience;    /* [s] exponential mean        */
	struct day_slot slot[DAY_MAX_SLOTS];
	unsigned nslot;
};

struct day {
	char name[80];
	uint64_t seed;
	unsigned nqueue;
	uint64_t announce_ms; /* [ms] */
	uint64_t end;         /* [ms] since midnight */
	unsigned repeat;      /* days in a row       */
	struct day_queue queue[DAY_MAX_QUEUES];
};

/* Read path into d; 0, or an errno with a message on stderr naming the
 * file and line. */
int day_read(struct day *d, const char *path);

#endif
