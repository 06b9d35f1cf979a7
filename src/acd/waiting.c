/*
 * waiting.c - the callers waiting in a live queue, for the agent console
 * and wallboards at page load (GET /api/v1/queues/:id/waiting): the
 * engine's order, each with its call record (or callback), its times on
 * the wall clock and its VIP mark.  The events "joined" and "left" keep
 * a page current from then on.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call/call.h"
#include "acd/acd.h"
#include "acd/acd_int.h"

/* [ms UTC] of engine time t (tmr_jiffies) */
static uint64_t wall(uint64_t t, uint64_t now, uint64_t utc)
{
	uint64_t age = now > t ? now - t : 0;

	return utc > age ? utc - age : 0;
}

static void fill(struct acd_waiting *w, const struct acd_engine *e,
		 int64_t caller, uint64_t now, uint64_t utc)
{
	struct acd_caller_info ci;
	struct acd_pub_call pc;
	const struct call *call = acd_queue_call(caller);
	const char *vip;

	memset(w, 0, sizeof(*w));
	if (!acd_engine_caller(e, caller, &ci)) {
		w->position = ci.position;
		w->offered = ci.offered;
		w->arrived = wall(ci.arrived, now, utc);
		w->joined = wall(ci.joined, now, utc);
	}
	if (call) {
		w->record_id = call_record_id(call);
		vip = call_var(call, CALL_VAR_VIP);
		if (vip)
			str_ncpy(w->vip, vip, sizeof(w->vip));
	}
	else if (acd_cb_pub(caller, &pc)) {
		w->record_id = pc.record_id;
		w->callback_id = pc.callback_id;
	}
}

/* The callers of other nodes in queue (rows.c, queue_entries), in order. */
struct others {
	const char *self;
	struct store_queue_entry *v;
	size_t n, max; /* copied into v, at most    */
	size_t total;  /* all of the other nodes' */
};

static int other_h(const struct store_queue_entry *qe, void *arg)
{
	struct others *o = arg;

	if (!strcmp(qe->node_id, o->self))
		return 0;
	o->total++;
	if (o->n < o->max)
		o->v[o->n++] = *qe;
	return 0;
}

/* Is the remote entry qe served before the local caller w (prio p)? */
static bool before(const struct store_queue_entry *qe,
		   const struct acd_waiting *w, enum acd_prio p)
{
	if (qe->priority != (int)p)
		return qe->priority > (int)p;
	return qe->arrived_at < w->arrived;
}

static void fill_other(struct acd_waiting *w,
		       const struct store_queue_entry *qe)
{
	memset(w, 0, sizeof(*w));
	w->record_id = qe->call_id;
	w->callback_id = qe->callback_id;
	w->arrived = qe->arrived_at;
	w->joined = qe->joined_at;
	str_ncpy(w->vip, qe->vip, sizeof(w->vip));
}

int acd_queue_waiting(struct acd *acd, int64_t queue_id, struct acd_waiting *v,
		      size_t max, size_t *np)
{
	const struct acd_engine *e = acd_engine(acd);
	uint64_t now = tmr_jiffies(), utc = time_now_ms();
	struct others o = {acd_rows_self(), NULL, 0, 0, 0};
	struct acd_waiting w;
	struct acd_caller_info ci;
	int64_t *ids = NULL;
	size_t n = 0, i, j = 0, k = 0;
	int err;

	if (!e || !np || (max && !v))
		return EINVAL;
	/* not live here: the callers of the other nodes all the same */
	err = acd_engine_waiting(e, queue_id, NULL, 0, &n);
	if (err == ENOENT && o.self[0])
		n = 0;
	else if (err)
		return err;
	o.max = max;
	ids = mem_zalloc((n + 1) * sizeof(*ids), NULL);
	o.v = max ? mem_zalloc(max * sizeof(*o.v), NULL) : NULL;
	if (!ids || (max && !o.v)) {
		err = ENOMEM;
		goto out;
	}
	err = n ? acd_engine_waiting(e, queue_id, ids, n, &n) : 0;
	if (!err && o.self[0])
		(void)store_queue_entry_list(acd_store(acd), queue_id, other_h,
					     &o);
	if (err)
		goto out;
	/* both lists are in offer order: merged by priority, then arrival */
	for (i = 0; i < max && (j < n || k < o.n); i++) {
		enum acd_prio p = ACD_PRIO_NORMAL;

		if (j < n) {
			fill(&w, e, ids[j], now, utc);
			if (!acd_engine_caller(e, ids[j], &ci))
				p = ci.prio;
		}
		if (j < n && (k >= o.n || !before(&o.v[k], &w, p))) {
			v[i] = w;
			j++;
		}
		else {
			fill_other(&v[i], &o.v[k++]);
		}
		v[i].position = (unsigned)i + 1;
	}
	*np = n + o.total;
out:
	mem_deref(o.v);
	mem_deref(ids);
	return err;
}
