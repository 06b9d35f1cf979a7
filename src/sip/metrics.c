/*
 * metrics.c - SIP requests received since start, by method, for
 * GET /metrics (issue 20).  Counted where our listener sees a request
 * (request_handler of sipsrv.c): out-of-dialog requests and those libre
 * does not absorb in its transaction and dialog layers.  Main thread only.
 */
#include <string.h>
#include "core/core.h"
#include "sip/sip_int.h"

static const char *const methods[] = {
    "INVITE",  "ACK",    "BYE",   "CANCEL",  "REGISTER",
    "OPTIONS", "INFO",   "REFER", "NOTIFY",  "SUBSCRIBE",
    "MESSAGE", "UPDATE", "PRACK", "PUBLISH", "other",
};

static uint64_t counts[ARRAY_SIZE(methods)];

void sip_metrics_request(const struct sip_msg *msg)
{
	size_t i;

	for (i = 0; i + 1 < ARRAY_SIZE(methods); i++)
		if (!pl_strcmp(&msg->met, methods[i]))
			break;
	counts[i]++;
}

size_t sipsrv_request_counts(struct sip_request_count *v, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < ARRAY_SIZE(methods); i++) {
		v[i].method = methods[i];
		v[i].n = counts[i];
	}
	return i;
}
