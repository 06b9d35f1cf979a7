/*
 * metrics.c - GET /metrics: this node's counters in the Prometheus text
 * format (version 0.0.4) for a scraper, with the operator's token (a
 * Bearer token of role operator; the scraper's bearer_token_file), or
 * without one on the --metrics-listen address (server.c).  Names follow
 * the Prometheus conventions (switchboard_ prefix, _total for counters,
 * base units: seconds), one family after the other, each with # HELP and
 * # TYPE.  Almost every number is one the node keeps in memory; the
 * store answers three counts on indexes (live registrations, outbox
 * pending and sending), so a scrape every few seconds costs little.
 *
 * The families are a table (fams[]): a name, a type, a help text and the
 * function printing its samples.
 */
#include <string.h>
#include "call/call.h"
#include "http/http_int.h"
#include "media/media.h"
#include "notify/notify.h"
#include "sip/sip.h"

enum { METRICS_MAX = 32768 };

struct buf {
	char *p;
	size_t n, sz;
	bool full;
};

/* what one scrape reads, once */
struct snap {
	struct http_api *api;
	struct media_stats ms;
	struct call_metrics cm;
	struct notify_metrics nm;
	struct store_tx_stats tx;
	uint64_t blocks, regs, pending, sending;
	unsigned tcp, tls;
	int reg_err, depth_err;
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

static void u64(struct buf *b, const char *name, uint64_t v)
{
	put(b, "%s %llu\n", name, (unsigned long long)v);
}

static void sip_requests(struct buf *b, const struct snap *s)
{
	struct sip_request_count rc[SIP_REQUEST_METHODS];
	size_t i, n = sipsrv_request_counts(rc, ARRAY_SIZE(rc));

	(void)s;
	for (i = 0; i < n; i++)
		put(b, "switchboard_sip_requests_total{method=\"%s\"} %llu\n",
		    rc[i].method, (unsigned long long)rc[i].n);
}

static int response_line(bool sent, const char *method, unsigned cls,
			 uint64_t n, void *arg)
{
	put(arg,
	    "switchboard_sip_responses_total{direction=\"%s\",method=\"%s\","
	    "class=\"%uxx\"} %llu\n",
	    sent ? "sent" : "received", method, cls, (unsigned long long)n);
	return 0;
}

static void sip_responses(struct buf *b, const struct snap *s)
{
	(void)s;
	(void)sipsrv_response_counts(response_line, b);
}

static void sip_undecodable(struct buf *b, const struct snap *s)
{
	(void)s;
	u64(b, "switchboard_sip_undecodable_total", log_libre_undecodable());
}

static void sip_connections(struct buf *b, const struct snap *s)
{
	put(b, "switchboard_sip_connections{transport=\"tcp\"} %u\n", s->tcp);
	put(b, "switchboard_sip_connections{transport=\"tls\"} %u\n", s->tls);
}

static void registrations(struct buf *b, const struct snap *s)
{
	u64(b, "switchboard_registrations", s->regs);
}

static void calls_active(struct buf *b, const struct snap *s)
{
	(void)s;
	put(b, "switchboard_calls_active %u\n", sipsrv_calls_active());
}

static void calls_ended(struct buf *b, const struct snap *s)
{
	size_t i;

	for (i = STORE_DISP_ANSWERED; i <= STORE_DISP_NODE_FAILURE; i++)
		put(b,
		    "switchboard_calls_ended_total{disposition=\"%s\"} %llu\n",
		    store_disposition_name((enum store_disposition)i),
		    (unsigned long long)s->cm.ended[i]);
}

static void setup_seconds(struct buf *b, const struct snap *s)
{
	const char *name = "switchboard_call_setup_seconds";
	size_t i;

	for (i = 0; i < CALL_SETUP_BUCKETS; i++) {
		uint32_t ms = s->cm.setup_bound_ms[i];

		put(b, "%s_bucket{le=\"%u.%03u\"} %llu\n", name, ms / 1000,
		    ms % 1000, (unsigned long long)s->cm.setup_le[i]);
	}
	put(b, "%s_bucket{le=\"+Inf\"} %llu\n", name,
	    (unsigned long long)s->cm.setup_count);
	put(b, "%s_sum %llu.%03llu\n", name,
	    (unsigned long long)(s->cm.setup_sum_ms / 1000),
	    (unsigned long long)(s->cm.setup_sum_ms % 1000));
	put(b, "%s_count %llu\n", name, (unsigned long long)s->cm.setup_count);
}

/* seconds with microseconds, as Prometheus reads them */
static void put_us(struct buf *b, const char *name, uint64_t us)
{
	put(b, "%s %llu.%06llu\n", name, (unsigned long long)(us / 1000000),
	    (unsigned long long)(us % 1000000));
}

static void tx_wait(struct buf *b, const struct snap *s)
{
	const char *name = "switchboard_store_write_lock_wait_seconds";
	uint64_t granted = s->tx.count - s->tx.failed;
	char sum[64];
	size_t i;

	for (i = 0; i < STORE_TX_WAIT_BUCKETS; i++) {
		uint32_t us = STORE_TX_WAIT_BOUND_US[i];

		put(b, "%s_bucket{le=\"%u.%06u\"} %llu\n", name, us / 1000000,
		    us % 1000000, (unsigned long long)s->tx.wait_le[i]);
	}
	put(b, "%s_bucket{le=\"+Inf\"} %llu\n", name,
	    (unsigned long long)granted);
	re_snprintf(sum, sizeof(sum), "%s_sum", name);
	put_us(b, sum, s->tx.wait_us);
	put(b, "%s_count %llu\n", name, (unsigned long long)granted);
}

static void tx_held(struct buf *b, const struct snap *s)
{
	put_us(b, "switchboard_store_write_lock_held_seconds_total",
	       s->tx.held_us);
}

static void tx_failed(struct buf *b, const struct snap *s)
{
	u64(b, "switchboard_store_write_lock_failed_total", s->tx.failed);
}

static void auth_blocks(struct buf *b, const struct snap *s)
{
	u64(b, "switchboard_auth_blocks", s->blocks);
}

static void media_legs(struct buf *b, const struct snap *s)
{
	u64(b, "switchboard_media_legs", s->ms.legs);
}

static void rtp_received(struct buf *b, const struct snap *s)
{
	u64(b, "switchboard_rtp_packets_received_total", s->ms.rx);
}

static void rtp_relayed(struct buf *b, const struct snap *s)
{
	u64(b, "switchboard_rtp_packets_relayed_total", s->ms.relayed);
}

static void rtp_refused(struct buf *b, const struct snap *s)
{
	u64(b, "switchboard_rtp_packets_refused_total", s->ms.refused);
}

static void rtp_lost(struct buf *b, const struct snap *s)
{
	u64(b, "switchboard_rtp_packets_lost_total", s->ms.lost);
}

static void outbox_depth(struct buf *b, const struct snap *s)
{
	put(b, "switchboard_outbox_deliveries{state=\"pending\"} %llu\n",
	    (unsigned long long)s->pending);
	put(b, "switchboard_outbox_deliveries{state=\"sending\"} %llu\n",
	    (unsigned long long)s->sending);
}

static void outbox_failures(struct buf *b, const struct snap *s, bool final)
{
	size_t i;

	for (i = 0; i < STORE_CHANNEL_COUNT; i++)
		put(b, "switchboard_outbox_%s_total{channel=\"%s\"} %llu\n",
		    final ? "failed" : "attempts_failed",
		    store_channel_name((enum store_channel)i),
		    (unsigned long long)(final ? s->nm.failed[i]
					       : s->nm.attempts_failed[i]));
}

static void outbox_attempts_failed(struct buf *b, const struct snap *s)
{
	outbox_failures(b, s, false);
}

static void outbox_failed(struct buf *b, const struct snap *s)
{
	outbox_failures(b, s, true);
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
		put(b, "# HELP %s %s\n# TYPE %s counter\n", fams[i].name,
		    help[i], fams[i].name);
		if (ctx)
			(void)call_trunk_states(ctx, trunk_line, &f);
	}
}

static const struct family {
	const char *name;
	const char *type;
	const char *help;
	void (*print)(struct buf *b, const struct snap *s);
} fams[] = {
    {"switchboard_sip_requests_total", "counter",
     "SIP requests received by the listener since start, by method",
     sip_requests},
    {"switchboard_sip_responses_total", "counter",
     "SIP responses sent and received since start (retransmissions too), "
     "by direction, CSeq method and class",
     sip_responses},
    {"switchboard_sip_undecodable_total", "counter",
     "SIP messages the parser dropped since start", sip_undecodable},
    {"switchboard_sip_connections", "gauge",
     "open SIP connections (that sent us a request, or TLS ones we opened), "
     "by transport",
     sip_connections},
    {"switchboard_registrations", "gauge",
     "registration bindings not expired (all nodes)", registrations},
    {"switchboard_calls_active", "gauge", "live calls on this node",
     calls_active},
    {"switchboard_calls_ended_total", "counter",
     "calls ended on this node since start, by the disposition of their "
     "record",
     calls_ended},
    {"switchboard_call_setup_seconds", "histogram",
     "time from a caller's INVITE to the first 180, 183 or 200 we sent",
     setup_seconds},
    {"switchboard_auth_blocks", "gauge",
     "SIP login blocks and throttles in force", auth_blocks},
    {"switchboard_media_legs", "gauge", "media legs alive", media_legs},
    {"switchboard_rtp_packets_received_total", "counter",
     "RTP packets received since start", rtp_received},
    {"switchboard_rtp_packets_relayed_total", "counter",
     "RTP packets relayed to the other party since start", rtp_relayed},
    {"switchboard_rtp_packets_refused_total", "counter",
     "RTP packets from strangers refused since start", rtp_refused},
    {"switchboard_rtp_packets_lost_total", "counter",
     "RTP packets missing from the sequence numbers we received since "
     "start",
     rtp_lost},
    {"switchboard_outbox_deliveries", "gauge",
     "outbox deliveries waiting or being delivered (all nodes), by state",
     outbox_depth},
    {"switchboard_outbox_attempts_failed_total", "counter",
     "delivery attempts of this node that failed since start, by channel",
     outbox_attempts_failed},
    {"switchboard_outbox_failed_total", "counter",
     "deliveries this node gave up since start, by channel", outbox_failed},
    {"switchboard_store_write_lock_wait_seconds", "histogram",
     "this node's waits for the store's write lock (one write transaction "
     "at a time among all nodes on PostgreSQL; SQLite's file lock), from "
     "the BEGIN until it was granted",
     tx_wait},
    {"switchboard_store_write_lock_held_seconds_total", "counter",
     "time this node held the store's write lock since start (granted to "
     "commit or rollback); its rate summed over the nodes near 1 means "
     "the lock limits",
     tx_held},
    {"switchboard_store_write_lock_failed_total", "counter",
     "write transactions of this node whose lock was not granted (busy "
     "for lock_timeout, connection lost)",
     tx_failed},
};

static int block_count(const struct sip_auth_block *blk, void *arg)
{
	(void)blk;
	++*(uint64_t *)arg;
	return 0;
}

static void snap_take(struct snap *s, struct http_api *api)
{
	memset(s, 0, sizeof(*s));
	s->api = api;
	media_stats_get(&s->ms);
	call_metrics_get(&s->cm);
	notify_metrics_get(&s->nm);
	(void)sipsrv_auth_blocks(block_count, &s->blocks);
	sipsrv_conn_counts(&s->tcp, &s->tls);
	s->reg_err = store_reg_count(api->st, time_now_ms(), &s->regs);
	s->depth_err = store_outbox_depth(api->st, &s->pending, &s->sending);
	store_tx_stats_get(api->st, &s->tx);
}

int api_metrics(struct api_req *req)
{
	struct snap s;
	struct buf b;
	size_t i;
	int err;

	snap_take(&s, req->api);
	if (s.reg_err || s.depth_err) {
		warning("http: metrics: the store: %m\n",
			s.reg_err ? s.reg_err : s.depth_err);
		return api_error(req, 500, "internal error");
	}
	b.p = mem_alloc(METRICS_MAX, NULL);
	if (!b.p)
		return api_error(req, 500, "out of memory");
	b.n = 0;
	b.sz = METRICS_MAX;
	b.full = false;

	for (i = 0; i < ARRAY_SIZE(fams); i++) {
		put(&b, "# HELP %s %s\n# TYPE %s %s\n", fams[i].name,
		    fams[i].help, fams[i].name, fams[i].type);
		fams[i].print(&b, &s);
	}
	trunk_metrics(&b, req->api->calls);

	if (b.full) {
		mem_deref(b.p);
		return api_error(req, 500, "metrics too long");
	}
	err = api_reply_bytes(req, "text/plain; version=0.0.4; charset=utf-8",
			      NULL, (const uint8_t *)b.p, b.n);
	mem_deref(b.p);
	return err;
}
