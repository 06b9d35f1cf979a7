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

int acd_queue_waiting(struct acd *acd, int64_t queue_id, struct acd_waiting *v,
		      size_t max, size_t *np)
{
	const struct acd_engine *e = acd_engine(acd);
	uint64_t now = tmr_jiffies(), utc = time_now_ms();
	int64_t *ids = NULL;
	size_t n = 0, i;
	int err;

	if (!e || !np || (max && !v))
		return EINVAL;
	if (max) {
		ids = mem_zalloc(max * sizeof(*ids), NULL);
		if (!ids)
			return ENOMEM;
	}
	err = acd_engine_waiting(e, queue_id, ids, max, &n);
	for (i = 0; !err && i < n && i < max; i++)
		fill(&v[i], e, ids[i], now, utc);
	if (!err)
		*np = n;
	mem_deref(ids);
	return err;
}
