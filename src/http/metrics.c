/*
 * metrics.c - GET /metrics: this node's counters in the Prometheus text
 * format (version 0.0.4) for a scraper, with the operator's token (a
 * Bearer token of role operator; the scraper's bearer_token_file).  Only
 * numbers the node keeps in memory: no store query, so a scrape every few
 * seconds costs nothing.  Names follow the Prometheus conventions
 * (switchboard_ prefix, _total for counters, base units).
 */
#include <string.h>
#include "http/http_int.h"
#include "media/media.h"
#include "sip/sip.h"
#include "call/call.h"

enum { METRICS_MAX = 16384 };

struct buf {
	char *p;
	size_t n, sz;
	bool full;
};

static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = re_vsnprintf(b->p + b->n, b->sz - b->n, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->sz - b->n)
		b->full = true;
	else
		b->n += (size_t)n;
}

static void family(struct buf *b, const char *name, const char *type,
		   const char *help)
{
	put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int block_count(const struct sip_auth_block *blk, void *arg)
{
	(void)blk;
	++*(uint64_t *)arg;
	return 0;
}

/* One family of the trunks' counters: which names the field. */
struct trunk_family {
	struct buf *b;
	const char *name;
	size_t off; /* of the uint64_t in struct call_trunk_state */
};

static int trunk_line(int64_t id, const struct call_trunk_state *s, void *arg)
{
	const struct trunk_family *f = arg;
	uint64_t v;

	memcpy(&v, (const char *)s + f->off, sizeof(v));
	put(f->b, "%s{trunk=\"%lld\"} %llu\n", f->name, (long long)id,
	    (unsigned long long)v);
	return 0;
}

/* switchboard_trunk_calls_total{trunk,outcome}: INVITEs through each
 * trunk, answered and failed (the answer-seizure ratio is answered over
 * attempted). */
static void trunk_metrics(struct buf *b, const struct call_ctx *ctx)
{
	static const struct {
		const char *name;
		size_t off;
	} fams[] = {
	    {"switchboard_trunk_attempts_total",
	     offsetof(struct call_trunk_state, attempts)},
	    {"switchboard_trunk_answered_total",
	     offsetof(struct call_trunk_state, answered)},
	    {"switchboard_trunk_failed_total",
	     offsetof(struct call_trunk_state, failed)},
	};
	static const char *const help[] = {
	    "outbound INVITEs sent through the trunk since start",
	    "of them answered",
	    "of them ended by an error answer, no answer or a setup timeout",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fams); i++) {
		struct trunk_family f = {b, fams[i].name, fams[i].off};
		family(b, fams[i].name, "counter", help[i]);
		if (ctx)
			(void)call_trunk_states(ctx, trunk_line, &f);
	}
}

int api_metrics(struct api_req *req)
{
	struct sip_request_count rc[SIP_REQUEST_METHODS];
	struct media_stats ms;
	uint64_t blocks = 0;
	struct buf b;
	size_t i, n;
	int err;

	b.p = mem_alloc(METRICS_MAX, NULL);
	if (!b.p)
		return api_error(req, 500, "out of memory");
	b.n = 0;
	b.sz = METRICS_MAX;
	b.full = false;

	n = sipsrv_request_counts(rc, ARRAY_SIZE(rc));
	family(&b, "switchboard_sip_requests_total", "counter",
	       "SIP requests received by the listener since start, by method");
	for (i = 0; i < n; i++)
		put(&b, "switchboard_sip_requests_total{method=\"%s\"} %llu\n",
		    rc[i].method, (unsigned long long)rc[i].n);
	family(&b, "switchboard_sip_undecodable_total", "counter",
	       "SIP messages the parser dropped since start");
	put(&b, "switchboard_sip_undecodable_total %llu\n",
	    (unsigned long long)log_libre_undecodable());
	family(&b, "switchboard_calls_active", "gauge",
	       "live calls on this node");
	put(&b, "switchboard_calls_active %u\n", sipsrv_calls_active());
	(void)sipsrv_auth_blocks(block_count, &blocks);
	family(&b, "switchboard_auth_blocks", "gauge",
	       "SIP login blocks and throttles in force");
	put(&b, "switchboard_auth_blocks %llu\n", (unsigned long long)blocks);

	trunk_metrics(&b, req->api->calls);

	media_stats_get(&ms);
	family(&b, "switchboard_media_legs", "gauge", "media legs alive");
	put(&b, "switchboard_media_legs %llu\n", (unsigned long long)ms.legs);
	family(&b, "switchboard_rtp_packets_received_total", "counter",
	       "RTP packets received since start");
	put(&b, "switchboard_rtp_packets_received_total %llu\n",
	    (unsigned long long)ms.rx);
	family(&b, "switchboard_rtp_packets_relayed_total", "counter",
	       "RTP packets relayed to the other party since start");
	put(&b, "switchboard_rtp_packets_relayed_total %llu\n",
	    (unsigned long long)ms.relayed);
	family(&b, "switchboard_rtp_packets_refused_total", "counter",
	       "RTP packets from strangers refused since start");
	put(&b, "switchboard_rtp_packets_refused_total %llu\n",
	    (unsigned long long)ms.refused);

	if (b.full) {
		mem_deref(b.p);
		return api_error(req, 500, "metrics too long");
	}
	err = api_reply_bytes(req, "text/plain; version=0.0.4; charset=utf-8",
			      NULL, (const uint8_t *)b.p, b.n);
	mem_deref(b.p);
	return err;
}
