/*
 * report.c - the statistics of a queue (acd.h, acd_report): its visits
 * (stats.c, store_queue_visit_list) summed up per hour and for the whole
 * interval, each visit in the hour the call arrived at our server.  The
 * figures and their exact definitions are in acd.h; all arithmetic is on
 * integers (ms, counts), so every figure is exact and reproducible.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "store/store.h"
#include "acd/acd.h"

enum { HOUR = 3600000 };

/* What one interval collects before its figures are known. */
struct acc {
	struct acd_figures *f;
	uint64_t sl_base; /* answered, abandoned, timeouts */
	uint64_t abandoned_sum, answered_sum, handle_sum;
	uint32_t handled;
	uint64_t *waitv; /* waits of callers gone from the queue */
	size_t waitc, waitsz;
};

struct walk {
	uint64_t from;
	uint64_t sl_ms; /* the service level [ms] */
	size_t hourc;
	struct acc *hours; /* hourc of them */
	struct acc total;
	int err;
};

static void report_destructor(void *arg)
{
	struct acd_report *r = arg;

	mem_deref(r->hourv);
}

static int wait_add(struct acc *a, uint64_t w)
{
	if (a->waitc == a->waitsz) {
		size_t sz = a->waitsz ? 2 * a->waitsz : 16;
		uint64_t *v = mem_reallocarray(a->waitv, sz, sizeof(*v), NULL);

		if (!v)
			return ENOMEM;
		a->waitv = v;
		a->waitsz = sz;
	}
	a->waitv[a->waitc++] = w;
	return 0;
}

/* Visit v counts in a. */
static int acc_add(struct acc *a, const struct store_queue_visit *v,
		   uint64_t sl_ms)
{
	struct acd_figures *f = a->f;
	bool waited = false;

	f->offered++;
	switch (v->outcome) {
	case STORE_VISIT_ANSWERED:
		f->answered++;
		f->answered_within_sl += v->wait_ms <= sl_ms;
		a->answered_sum += v->wait_ms;
		if (v->ended_at) {
			a->handle_sum += v->handle_ms;
			a->handled++;
		}
		waited = true;
		break;
	case STORE_VISIT_ABANDONED:
		f->abandoned++;
		a->abandoned_sum += v->wait_ms;
		waited = true;
		break;
	case STORE_VISIT_TIMEOUT:
		f->timeouts++;
		waited = true;
		break;
	case STORE_VISIT_FULL:
		f->full++;
		break;
	case STORE_VISIT_NO_AGENTS:
		f->no_agents++;
		break;
	case STORE_VISIT_CLOSED:
		f->closed++;
		break;
	case STORE_VISIT_VOICEMAIL:
		f->voicemail++;
		waited = true;
		break;
	case STORE_VISIT_CALLBACK:
		f->callback++;
		waited = true;
		break;
	default:
		f->waiting++;
		break;
	}
	f->callbacks_requested += v->callback_requested;
	f->callbacks_completed += v->callback_completed;
	return waited ? wait_add(a, v->wait_ms) : 0;
}

/* sum / n rounded half up; -1 for n 0. */
static int64_t mean(uint64_t sum, uint64_t n)
{
	return n ? (int64_t)((sum + n / 2) / n) : -1;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* Nearest rank: the ceil(p/100 * n)-th smallest of v (sorted), 1-based. */
static int64_t percentile(const uint64_t *v, size_t n, unsigned p)
{
	size_t rank;

	if (!n)
		return -1;
	rank = (p * n + 99) / 100;
	return (int64_t)v[rank ? rank - 1 : 0];
}

static void acc_finish(struct acc *a)
{
	struct acd_figures *f = a->f;
	uint64_t base = (uint64_t)f->answered + f->abandoned + f->timeouts;

	f->service_level_permille =
	    base
		? (int32_t)((f->answered_within_sl * 1000ULL + base / 2) / base)
		: -1;
	f->abandoned_avg_ms = mean(a->abandoned_sum, f->abandoned);
	f->asa_ms = mean(a->answered_sum, f->answered);
	f->aht_ms = mean(a->handle_sum, a->handled);
	if (a->waitc)
		qsort(a->waitv, a->waitc, sizeof(*a->waitv), cmp_u64);
	f->wait_p50_ms = percentile(a->waitv, a->waitc, 50);
	f->wait_p90_ms = percentile(a->waitv, a->waitc, 90);
	f->longest_wait_ms = a->waitc ? (int64_t)a->waitv[a->waitc - 1] : -1;
	a->waitv = mem_deref(a->waitv);
	a->waitc = a->waitsz = 0;
}

static int visit_h(const struct store_queue_visit *v, void *arg)
{
	struct walk *w = arg;
	size_t i;
	int err;

	if (v->arrived_at < w->from)
		return 0;
	i = (size_t)((v->arrived_at - w->from) / HOUR);
	if (i >= w->hourc)
		return 0;
	err = acc_add(&w->hours[i], v, w->sl_ms);
	if (!err)
		err = acc_add(&w->total, v, w->sl_ms);
	return err;
}

int acd_report(struct store *st, int64_t queue_id, uint32_t service_level_s,
	       uint64_t from, uint64_t to, struct acd_report **rp)
{
	struct acd_report *r;
	struct walk w;
	size_t i;
	int err;

	if (!st || !rp || queue_id <= 0 || to <= from || (to - from) % HOUR ||
	    (to - from) / HOUR > ACD_REPORT_HOURS_MAX)
		return EINVAL;
	r = mem_zalloc(sizeof(*r), report_destructor);
	if (!r)
		return ENOMEM;
	memset(&w, 0, sizeof(w));
	w.from = from;
	w.sl_ms = (uint64_t)service_level_s * 1000;
	w.hourc = (size_t)((to - from) / HOUR);
	r->hourc = w.hourc;
	r->hourv = mem_zalloc(w.hourc * sizeof(*r->hourv), NULL);
	w.hours = mem_zalloc(w.hourc * sizeof(*w.hours), NULL);
	if (!r->hourv || !w.hours) {
		err = ENOMEM;
		goto out;
	}
	for (i = 0; i < w.hourc; i++) {
		w.hours[i].f = &r->hourv[i];
		r->hourv[i].start = from + i * HOUR;
		r->hourv[i].end = from + (i + 1) * HOUR;
	}
	w.total.f = &r->total;
	r->total.start = from;
	r->total.end = to;
	err = store_queue_visit_list(st, queue_id, from, to, visit_h, &w);
	for (i = 0; i < w.hourc; i++)
		acc_finish(&w.hours[i]);
	acc_finish(&w.total);
out:
	mem_deref(w.hours);
	if (err) {
		mem_deref(r);
		return err;
	}
	*rp = r;
	return 0;
}
