/*
 * queuesim.c - bench: the honest estimated waiting time (issue 15) on a
 * simulated day, no sockets, a simulated clock [ms].
 *
 *   bench/build/queuesim bench/queuesim/days/weekday.day [--seed N] [--json]
 *
 * The day file (day.h) gives per queue the arrival rate and the agents
 * on shift per slot, the log-normal handle time and the exponential
 * patience.  Callers arrive (Poisson), join the queue (line.h:
 * engine_line.c, src/acd/'s engine; fifo.c the reference), hang up when their patience runs out,
 * are taken by the next free agent.  Every caller who has to wait hears
 * an announcement on entry and then every `announce` seconds; at each,
 * three methods say how long the caller will still wait:
 *
 *   ours        src/acd/estimate.c fed with the queue's events (answered,
 *               abandoned, handled), asked with the callers ahead and the
 *               agents serving; "as said" is acd_est_say_next() (rounded
 *               minutes, the repeat rule), "estimate" the raw value
 *   asterisk    app_queue.c exactly: holdtime = (3 * holdtime + wait) / 4
 *               in whole seconds (>> 2) when a caller is answered
 *               (recalc_holdtime, wait = now - qe->start in time_t
 *               seconds); the caller is told
 *               labs(((holdtime + 30) - (now - start)) / 60) minutes
 *               (say_position, roundingseconds = 0), the same at every
 *               position; 0 minutes = nothing said (counted as 0)
 *   full info   the queue-length predictor of M/M/s+M with the day's true
 *               rates (Whitt 1999; Ibrahim & Whitt 2009):
 *               sum_{i=0..n} 1/(s*mu + i*theta), mu = 1/mean handle time,
 *               theta = 1/mean patience, n callers ahead, s agents
 *               serving; "as said" rounded as ours without the rule;
 *               "served": our formula (the wait of a caller who will be
 *               served, estimate.c) with the true rates, to show what
 *               estimating the rates online costs
 *   experiment  mc.c (not in the product): futures drawn from the
 *               elapsed times of the calls in progress and the recent
 *               handle times; mean and median
 *   bound       in hindsight, the median wait per (queue, callers ahead,
 *               agents serving) of the day itself (bound_mae)
 *
 * For every caller who is answered, each announcement is compared with
 * the wait that followed it (answer time - announcement time): mean and
 * p90 (nearest rank) of the absolute error over all announcements, and
 * the share of those callers who waited more than 30 s longer than some
 * announcement told them.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "acd/acd_int.h"
#include "day.h"
#include "line.h"
#include "mc.h"
#include "rng.h"

enum method {
	M_OURS,        /* our estimate, raw          */
	M_OURS_SAID,   /* our announcement           */
	M_AST_SAID,    /* Asterisk's announcement    */
	M_FULL,        /* full information, raw      */
	M_FULL_SAID,   /* full information, rounded  */
	M_FULL_SERVED, /* ours with the true rates  */
	M_CALLS,       /* experimental: calls in progress, mean   */
	M_CALLS_MED,   /* experimental: calls in progress, median */
	M_N
};

static const char *method_key[M_N] = {"ours",  "ours_said",   "asterisk_said",
				      "full",  "full_said",   "full_served",
				      "calls", "calls_median"};

enum ev_kind { EV_SLOT, EV_END, EV_ARRIVE, EV_DONE, EV_ABANDON, EV_ANNOUNCE };

struct ev {
	uint64_t t;   /* [ms] */
	uint64_t seq; /* ties in insertion order: deterministic */
	enum ev_kind kind;
	uint32_t a, b;
};

enum caller_state { C_WAITING, C_ANSWERED, C_ABANDONED };

struct caller {
	uint64_t arrive;   /* [ms] */
	uint64_t answered; /* [ms] */
	enum caller_state state;
	unsigned q;
	struct acd_est_say say;
	struct {
		uint32_t last; /* [s] said last                      */
		unsigned ahead, run;
		bool thrice; /* "one minute" 3 times, not moving     */
	} rep[2];            /* ours, Asterisk                        */
};

struct announcement {
	uint32_t caller;
	uint64_t t; /* [ms] */
	unsigned ahead, agents, busy;
	double pred[M_N]; /* [ms] */
};

struct queue {
	const struct day_queue *dq;
	struct line *line;
	struct acd_est *est;
	struct rng rng;
	double rate;         /* calls per hour now */
	uint32_t arrive_gen; /* pending arrival event's generation */
	int ast_holdtime;    /* [s] app_queue.c's q->holdtime */
	uint64_t *handle;    /* [ms] per agent: the call in hand */
	uint64_t *started;   /* [ms] per agent: when it began    */
	struct mc mc;        /* the experiment's handle times    */
	unsigned nhandle;
	uint64_t offered, answered, abandoned, queued_answered;
};

struct sim {
	const struct day *day;
	uint64_t now; /* [ms] */
	struct ev *heap;
	size_t nheap, szheap;
	uint64_t seq;
	struct caller *caller;
	uint32_t ncaller, szcaller;
	struct announcement *ann;
	size_t nann, szann;
	struct queue queue[DAY_MAX_QUEUES];
	unsigned cur_q; /* the queue whose line calls answer() */
};

static void *grow(void *p, size_t n, size_t *sz, size_t each)
{
	size_t nsz;

	if (n < *sz)
		return p;
	nsz = *sz ? *sz * 2 : 1024;
	p = realloc(p, nsz * each);
	if (!p) {
		fprintf(stderr, "queuesim: out of memory\n");
		exit(3);
	}
	*sz = nsz;
	return p;
}

static int ev_less(const struct ev *x, const struct ev *y)
{
	return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static void ev_push(struct sim *s, uint64_t t, enum ev_kind kind, uint32_t a,
		    uint32_t b)
{
	size_t i;

	s->heap = grow(s->heap, s->nheap, &s->szheap, sizeof(*s->heap));
	i = s->nheap++;
	s->heap[i] = (struct ev){t, s->seq++, kind, a, b};
	while (i && ev_less(&s->heap[i], &s->heap[(i - 1) / 2])) {
		struct ev tmp = s->heap[i];

		s->heap[i] = s->heap[(i - 1) / 2];
		s->heap[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

static struct ev ev_pop(struct sim *s)
{
	struct ev top = s->heap[0];
	size_t i = 0;

	s->heap[0] = s->heap[--s->nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct ev tmp;

		if (l < s->nheap && ev_less(&s->heap[l], &s->heap[m]))
			m = l;
		if (r < s->nheap && ev_less(&s->heap[r], &s->heap[m]))
			m = r;
		if (m == i)
			break;
		tmp = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = tmp;
		i = m;
	}
	return top;
}

static uint64_t ms(double seconds)
{
	return (uint64_t)(seconds * 1000 + 0.5);
}

/* the next arrival of queue qi from now at its current rate */
static void arrival_arm(struct sim *s, unsigned qi)
{
	struct queue *q = &s->queue[qi];

	q->arrive_gen++;
	if (q->rate <= 0)
		return;
	ev_push(s, s->now + ms(rng_exp(&q->rng, 3600.0 / q->rate)), EV_ARRIVE,
		qi, q->arrive_gen);
}

/* line.h: an agent of queue s->cur_q takes caller ci */
static void answer(uint32_t ci, unsigned agent, void *arg)
{
	struct sim *s = arg;
	struct queue *q = &s->queue[s->cur_q];
	struct caller *c = &s->caller[ci];
	uint64_t wait = s->now - c->arrive;
	long wait_s = (long)(s->now / 1000) - (long)(c->arrive / 1000);
	double h;

	c->state = C_ANSWERED;
	c->answered = s->now;
	q->answered++;
	if (wait)
		q->queued_answered++;
	acd_est_answered(q->est, wait, s->now);
	/* app_queue.c recalc_holdtime(qe, now - qe->start) */
	q->ast_holdtime =
	    (((q->ast_holdtime << 2) - q->ast_holdtime) + (int)wait_s) >> 2;
	if (agent >= q->nhandle) {
		unsigned n = q->nhandle ? q->nhandle : 16;
		uint64_t *p;

		while (n <= agent)
			n *= 2;
		p = realloc(q->handle, n * sizeof(*p));
		if (!p) {
			fprintf(stderr, "queuesim: out of memory\n");
			exit(3);
		}
		memset(p + q->nhandle, 0, (n - q->nhandle) * sizeof(*p));
		q->handle = p;
		p = realloc(q->started, n * sizeof(*p));
		if (!p) {
			fprintf(stderr, "queuesim: out of memory\n");
			exit(3);
		}
		memset(p + q->nhandle, 0, (n - q->nhandle) * sizeof(*p));
		q->started = p;
		q->nhandle = n;
	}
	q->started[agent] = s->now;
	h = rng_lognormal(&q->rng, q->dq->handle_mean, q->dq->handle_sd);
	q->handle[agent] = ms(h) ? ms(h) : 1;
	ev_push(s, s->now + q->handle[agent], EV_DONE, s->cur_q, agent);
}

/* the repeats a caller heard: "one minute" three times in a row with the
 * same callers ahead */
static void repeat(struct caller *c, int who, double said_ms, unsigned ahead)
{
	uint32_t said = (uint32_t)(said_ms / 1000);

	if (said == c->rep[who].last && ahead == c->rep[who].ahead) {
		c->rep[who].run++;
	}
	else {
		c->rep[who].last = said;
		c->rep[who].ahead = ahead;
		c->rep[who].run = 1;
	}
	if (said == 60 && c->rep[who].run >= 3)
		c->rep[who].thrice = true;
}

static void announce(struct sim *s, uint32_t ci)
{
	struct caller *c = &s->caller[ci];
	struct queue *q = &s->queue[c->q];
	const struct day_queue *dq = q->dq;
	unsigned n = line_ahead(q->line, ci);
	unsigned agents = line_serving(q->line);
	uint64_t waited = s->now - c->arrive;
	long el = (long)(s->now / 1000) - (long)(c->arrive / 1000);
	struct announcement *a;
	uint64_t e;
	double full = 0;
	unsigned i;

	s->ann = grow(s->ann, s->nann, &s->szann, sizeof(*s->ann));
	a = &s->ann[s->nann++];
	a->caller = ci;
	a->t = s->now;
	a->ahead = n;
	a->agents = agents;
	a->busy = line_busy(q->line);
	e = acd_est_wait(q->est, n, agents, waited, s->now);
	a->pred[M_OURS] = e == ACD_EST_UNKNOWN ? NAN : (double)e;
	a->pred[M_OURS_SAID] = 1000.0 * acd_est_say_next(&c->say, e, n, s->now);
	/* app_queue.c say_position(): labs(((holdtime + 30) - elapsed) / 60)
	 */
	a->pred[M_AST_SAID] =
	    60000.0 * labs(((q->ast_holdtime + 30) - el) / 60);
	if (agents) {
		double mu = 1 / (dq->handle_mean * 1000);
		double th = 1 / (dq->patience * 1000);

		for (i = 0; i <= n; i++)
			full += 1.0 / (agents * mu + i * th);
		a->pred[M_FULL] = full;
		a->pred[M_FULL_SAID] =
		    1000.0 * acd_est_say_round((uint64_t)(full + 0.5));
		full = 0;
		for (i = 1; i <= n + 1; i++)
			full += 1.0 / (agents * mu + i * th);
		a->pred[M_FULL_SERVED] = full;
	}
	else {
		a->pred[M_FULL] = a->pred[M_FULL_SAID] = NAN;
		a->pred[M_FULL_SERVED] = NAN;
	}
	if (e == ACD_EST_UNKNOWN)
		a->pred[M_OURS_SAID] = NAN;
	else
		repeat(c, 0, a->pred[M_OURS_SAID], n);
	repeat(c, 1, a->pred[M_AST_SAID], n);
	{
		uint64_t busy[64];
		unsigned nb = 0, nf = 0, k, na = line_agents(q->line);

		for (k = 0; k < na && nb + nf < 64; k++) {
			int st = line_agent(q->line, k);

			if (st == LINE_AGENT_BUSY)
				busy[nb++] = s->now - q->started[k];
			else if (st == LINE_AGENT_FREE)
				nf++;
		}
		struct acd_est_rates rt;
		double th;

		acd_est_rates(q->est, &rt);
		th = rt.patience_ms > 0 ? 1 / rt.patience_ms : 0;
		e = mc_wait(&q->mc, n, busy, nb, nf, th, rt.handle_ms,
			    s->now ^ ci, false);
		a->pred[M_CALLS] = e == UINT64_MAX ? NAN : (double)e;
		e = mc_wait(&q->mc, n, busy, nb, nf, th, rt.handle_ms,
			    s->now ^ ci, true);
		a->pred[M_CALLS_MED] = e == UINT64_MAX ? NAN : (double)e;
	}
	ev_push(s, s->now + s->day->announce_ms, EV_ANNOUNCE, ci, 0);
}

static void arrive(struct sim *s, unsigned qi)
{
	struct queue *q = &s->queue[qi];
	struct caller *c;
	uint32_t ci;
	size_t sz = s->szcaller;

	s->caller = grow(s->caller, s->ncaller, &sz, sizeof(*s->caller));
	s->szcaller = (uint32_t)sz;
	ci = s->ncaller++;
	c = &s->caller[ci];
	memset(c, 0, sizeof(*c));
	c->arrive = s->now;
	c->q = qi;
	c->state = C_WAITING;
	q->offered++;
	ev_push(s, s->now + ms(rng_exp(&q->rng, q->dq->patience)), EV_ABANDON,
		ci, 0);
	s->cur_q = qi;
	if (line_join(q->line, ci)) {
		fprintf(stderr, "queuesim: out of memory\n");
		exit(3);
	}
	if (c->state == C_WAITING)
		announce(s, ci);
	arrival_arm(s, qi);
}

static void step(struct sim *s, const struct ev *e)
{
	struct queue *q;
	struct caller *c;

	switch (e->kind) {
	case EV_SLOT:
	case EV_END: {
		const struct day_slot *sl;

		q = &s->queue[e->a];
		sl = &q->dq->slot[e->b];
		q->rate = e->kind == EV_END ? 0 : sl->rate;
		s->cur_q = e->a;
		if (line_staff(q->line, sl->agents)) {
			fprintf(stderr, "queuesim: out of memory\n");
			exit(3);
		}
		arrival_arm(s, e->a);
		break;
	}
	case EV_ARRIVE:
		if (e->b == s->queue[e->a].arrive_gen)
			arrive(s, e->a);
		break;
	case EV_DONE:
		q = &s->queue[e->a];
		acd_est_handled(q->est, q->handle[e->b], s->now);
		mc_handled(&q->mc, q->handle[e->b]);
		s->cur_q = e->a;
		line_done(q->line, e->b);
		break;
	case EV_ABANDON:
		c = &s->caller[e->a];
		if (c->state != C_WAITING)
			break;
		q = &s->queue[c->q];
		line_abandon(q->line, e->a);
		c->state = C_ABANDONED;
		q->abandoned++;
		acd_est_abandoned(q->est, s->now - c->arrive, s->now);
		break;
	case EV_ANNOUNCE:
		if (s->caller[e->a].state == C_WAITING)
			announce(s, e->a);
		break;
	}
}

/* the slots of every day, the end of arrivals each day */
static void schedule_days(struct sim *s)
{
	const struct day *d = s->day;
	unsigned r, qi, k;

	for (r = 0; r < d->repeat; r++) {
		uint64_t day0 = (uint64_t)r * 24 * 3600000;

		for (qi = 0; qi < d->nqueue; qi++) {
			const struct day_queue *dq = &d->queue[qi];

			unsigned last = 0;

			for (k = 0; k < dq->nslot; k++) {
				if (dq->slot[k].from >= d->end)
					break;
				ev_push(s, day0 + dq->slot[k].from, EV_SLOT, qi,
					k);
				last = k;
			}
			/* at the end arrivals stop, the agents of the slot
			 * in effect stay */
			ev_push(s, day0 + d->end, EV_END, qi, last);
		}
	}
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

struct result {
	double mae[M_N], p90[M_N], late30[M_N], late30_ann[M_N];
	size_t n[M_N];
	uint64_t offered, answered, abandoned, queued_answered;
	size_t announced_callers, announcements;
	double bound;     /* [s] bound_mae() */
	size_t thrice[2]; /* callers told "one minute" 3 times, not moving */
};

struct bucket_row {
	uint64_t key; /* queue, callers ahead, agents serving */
	double actual;
};

static int cmp_row(const void *x, const void *y)
{
	const struct bucket_row *a = x, *b = y;

	if (a->key != b->key)
		return (a->key > b->key) - (a->key < b->key);
	return (a->actual > b->actual) - (a->actual < b->actual);
}

/*
 * A bound, in hindsight: the mean absolute error of the best constant
 * per (queue, callers ahead, agents serving), the median of the waits
 * that followed in that group on this very day.  No method that knows
 * only the position and the agents can do better on average.
 */
static double bound_mae(const struct sim *s)
{
	struct bucket_row *row = malloc((s->nann ? s->nann : 1) * sizeof(*row));
	size_t i, j, n = 0;
	double sum = 0;

	if (!row) {
		fprintf(stderr, "queuesim: out of memory\n");
		exit(3);
	}
	for (i = 0; i < s->nann; i++) {
		const struct announcement *a = &s->ann[i];
		const struct caller *c = &s->caller[a->caller];

		if (c->state != C_ANSWERED)
			continue;
		row[n].key =
		    (uint64_t)c->q << 48 | (uint64_t)a->ahead << 24 | a->agents;
		row[n].actual = (double)(c->answered - a->t);
		n++;
	}
	qsort(row, n, sizeof(*row), cmp_row);
	for (i = 0; i < n; i = j) {
		double med;
		size_t k;

		for (j = i; j < n && row[j].key == row[i].key; j++)
			;
		med = row[i + (j - i - 1) / 2].actual;
		for (k = i; k < j; k++)
			sum += fabs(row[k].actual - med);
	}
	free(row);
	return n ? sum / n / 1000 : 0;
}

static void evaluate(struct sim *s, struct result *r)
{
	double *err = malloc((s->nann ? s->nann : 1) * sizeof(*err));
	unsigned char *late = calloc(s->ncaller ? s->ncaller : 1, 1);
	unsigned char *heard = calloc(s->ncaller ? s->ncaller : 1, 1);
	size_t i, k, n;
	unsigned qi;

	if (!err || !late || !heard) {
		fprintf(stderr, "queuesim: out of memory\n");
		exit(3);
	}
	memset(r, 0, sizeof(*r));
	for (qi = 0; qi < s->day->nqueue; qi++) {
		r->offered += s->queue[qi].offered;
		r->answered += s->queue[qi].answered;
		r->abandoned += s->queue[qi].abandoned;
		r->queued_answered += s->queue[qi].queued_answered;
	}
	for (i = 0; i < s->nann; i++) {
		const struct caller *c = &s->caller[s->ann[i].caller];

		if (c->state != C_ANSWERED)
			continue;
		r->announcements++;
		if (!heard[s->ann[i].caller]++)
			r->announced_callers++;
	}
	for (k = 0; k < M_N; k++) {
		double sum = 0;
		size_t nlate = 0, nlate_ann = 0;

		memset(late, 0, s->ncaller ? s->ncaller : 1);
		n = 0;
		for (i = 0; i < s->nann; i++) {
			const struct announcement *a = &s->ann[i];
			const struct caller *c = &s->caller[a->caller];
			double actual, e;

			if (c->state != C_ANSWERED || isnan(a->pred[k]))
				continue;
			actual = (double)(c->answered - a->t);
			e = fabs(actual - a->pred[k]);
			err[n++] = e;
			sum += e;
			if (actual - a->pred[k] > 30000) {
				nlate_ann++;
				if (!late[a->caller]++)
					nlate++;
			}
		}
		r->n[k] = n;
		if (!n)
			continue;
		qsort(err, n, sizeof(*err), cmp_double);
		r->mae[k] = sum / n / 1000;
		r->p90[k] = err[(size_t)ceil(0.9 * n) - 1] / 1000;
		r->late30[k] = r->announced_callers
				   ? 100.0 * nlate / r->announced_callers
				   : 0;
		r->late30_ann[k] = 100.0 * nlate_ann / n;
	}
	free(err);
	free(late);
	free(heard);
	r->bound = bound_mae(s);
	for (i = 0; i < s->ncaller; i++) {
		r->thrice[0] += s->caller[i].rep[0].thrice;
		r->thrice[1] += s->caller[i].rep[1].thrice;
	}
}

static void print_text(const struct day *d, uint64_t seed,
		       const struct result *r)
{
	static const char *label[M_N] = {
	    "ours (estimate)",      "ours (as said)",      "Asterisk (as said)",
	    "full info (estimate)", "full info (rounded)", "full info, served",
	    "calls in progress",    "calls, median"};
	unsigned k;

	printf("%s, seed %llu, %u queue(s), %u day(s)\n", d->name,
	       (unsigned long long)seed, d->nqueue, d->repeat);
	printf("callers %llu, answered %llu (%llu after waiting), "
	       "abandoned %llu; %zu announcements to %zu answered callers\n",
	       (unsigned long long)r->offered, (unsigned long long)r->answered,
	       (unsigned long long)r->queued_answered,
	       (unsigned long long)r->abandoned, r->announcements,
	       r->announced_callers);
	printf("%-22s %9s %9s %12s %12s\n", "method", "MAE [s]", "p90 [s]",
	       "late>30s [%]", "(of ann.)");
	for (k = 0; k < M_N; k++)
		printf("%-22s %9.1f %9.1f %12.1f %12.1f\n", label[k], r->mae[k],
		       r->p90[k], r->late30[k], r->late30_ann[k]);
	printf("bound (hindsight median per position and agents): MAE "
	       "%.1f s\n",
	       r->bound);
	printf("callers told \"one minute\" three times in a row without "
	       "moving: ours %zu, Asterisk %zu\n",
	       r->thrice[0], r->thrice[1]);
}

static void print_json(const struct day *d, uint64_t seed,
		       const struct result *r)
{
	unsigned k;

	printf("{\"name\": \"%s\", \"seed\": %llu, \"queues\": %u, "
	       "\"days\": %u, \"offered\": %llu, \"answered\": %llu, "
	       "\"queued_answered\": %llu, \"abandoned\": %llu, "
	       "\"announcements\": %zu, \"announced_callers\": %zu",
	       d->name, (unsigned long long)seed, d->nqueue, d->repeat,
	       (unsigned long long)r->offered, (unsigned long long)r->answered,
	       (unsigned long long)r->queued_answered,
	       (unsigned long long)r->abandoned, r->announcements,
	       r->announced_callers);
	for (k = 0; k < M_N; k++)
		printf(", \"%s\": {\"mae\": %.2f, \"p90\": %.2f, "
		       "\"late30\": %.2f, \"late30_ann\": %.2f, \"n\": %zu}",
		       method_key[k], r->mae[k], r->p90[k], r->late30[k],
		       r->late30_ann[k], r->n[k]);
	printf(", \"bound_mae\": %.2f, \"thrice_ours\": %zu, "
	       "\"thrice_asterisk\": %zu}\n",
	       r->bound, r->thrice[0], r->thrice[1]);
}

/* one line per announcement to an answered caller, for analysis */
static void dump(const struct sim *s, const char *path)
{
	FILE *f = fopen(path, "w");
	size_t i;
	unsigned k;

	if (!f) {
		perror(path);
		return;
	}
	fprintf(f, "queue t ahead agents busy waited actual");
	for (k = 0; k < M_N; k++)
		fprintf(f, " %s", method_key[k]);
	fprintf(f, "\n");
	for (i = 0; i < s->nann; i++) {
		const struct announcement *a = &s->ann[i];
		const struct caller *c = &s->caller[a->caller];

		if (c->state != C_ANSWERED)
			continue;
		fprintf(f, "%u %llu %u %u %u %llu %llu", c->q,
			(unsigned long long)a->t, a->ahead, a->agents, a->busy,
			(unsigned long long)(a->t - c->arrive),
			(unsigned long long)(c->answered - a->t));
		for (k = 0; k < M_N; k++)
			fprintf(f, " %.0f", a->pred[k]);
		fprintf(f, "\n");
	}
	fclose(f);
}

static int usage(void)
{
	fprintf(stderr, "usage: queuesim DAYFILE [--seed N] [--json] "
			"[--dump FILE]\n");
	return 2;
}

int main(int argc, char *argv[])
{
	static struct day day;
	static struct sim sim;
	struct result r;
	const char *path = NULL, *dump_path = NULL;
	uint64_t seed = 0;
	int i, json = 0, have_seed = 0, err;
	unsigned qi;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 10);
			have_seed = 1;
		}
		else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
			dump_path = argv[++i];
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else
			return usage();
	}
	if (!path)
		return usage();
	err = day_read(&day, path);
	if (err)
		return 1;
	if (!have_seed)
		seed = day.seed;
	sim.day = &day;
	for (qi = 0; qi < day.nqueue; qi++) {
		struct queue *q = &sim.queue[qi];

		q->dq = &day.queue[qi];
		rng_seed(&q->rng, seed * 1000003 + qi);
		err = line_alloc(&q->line, answer, &sim);
		if (!err)
			line_clock(q->line, &sim.now);
		err |= acd_est_alloc(&q->est, NULL);
		if (err) {
			fprintf(stderr, "queuesim: out of memory\n");
			return 3;
		}
	}
	schedule_days(&sim);
	while (sim.nheap) {
		struct ev e = ev_pop(&sim);

		sim.now = e.t;
		step(&sim, &e);
	}
	evaluate(&sim, &r);
	if (dump_path)
		dump(&sim, dump_path);
	if (json)
		print_json(&day, seed, &r);
	else
		print_text(&day, seed, &r);
	for (qi = 0; qi < day.nqueue; qi++) {
		line_free(sim.queue[qi].line);
		mem_deref(sim.queue[qi].est);
		free(sim.queue[qi].handle);
		free(sim.queue[qi].started);
	}
	free(sim.heap);
	free(sim.caller);
	free(sim.ann);
	return 0;
}
