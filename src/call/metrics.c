/*
 * metrics.c - call counters for GET /metrics (issue 20), main thread
 * only: calls ended by the disposition of their record, and the call
 * set-up time of calls from a caller (an INVITE we received): from the
 * INVITE to the first 180, 183 or 200 we send back, as a Prometheus
 * histogram (cumulative buckets, seconds).  A call that ends before
 * any of them (busy, rejected, cancelled) has no set-up time.
 */
#include <re.h>
#include "core/core.h"
#include "call/call_int.h"

/* [ms] upper bounds of the buckets; +Inf is the count */
static const uint32_t bounds[CALL_SETUP_BUCKETS] = {
    10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000,
};

_Static_assert((int)STORE_DISP_NODE_FAILURE < (int)CALL_DISPOSITIONS,
	       "call_metrics.ended has a place for every disposition");

static struct call_metrics m;

void call_metrics_setup(struct call *call)
{
	uint64_t ms;
	size_t i;

	if (!call || call->setup_seen || !call->setup_at)
		return;
	call->setup_seen = true;
	ms = tmr_jiffies() - call->setup_at;
	for (i = 0; i < CALL_SETUP_BUCKETS; i++)
		if (ms <= bounds[i])
			m.setup_le[i]++;
	m.setup_count++;
	m.setup_sum_ms += ms;
}

void call_metrics_ended(enum store_disposition d)
{
	if ((size_t)d < ARRAY_SIZE(m.ended))
		m.ended[d]++;
}

void call_metrics_get(struct call_metrics *out)
{
	size_t i;

	if (!out)
		return;
	*out = m;
	for (i = 0; i < CALL_SETUP_BUCKETS; i++)
		out->setup_bound_ms[i] = bounds[i];
}
