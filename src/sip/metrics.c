/*
 * metrics.c - SIP counters for GET /metrics (issue 20), main thread only:
 *
 *   requests:  received by our listener, by method (request_handler of
 *              sipsrv.c): out-of-dialog requests and those libre does not
 *              absorb in its transaction and dialog layers.
 *   responses: every response on the wire, sent and received, by the
 *              method of its CSeq and its class (1xx..6xx), from libre's
 *              trace handler, which sees each message of every transport
 *              (UDP, TCP, TLS above the TLS layer): retransmissions count
 *              once per copy, as a packet capture would.  A response is
 *              told by its first bytes ("SIP/2.0 "); only those are
 *              decoded again, by libre's parser.
 *   connections: nat.c's table of the TCP and TLS connections that sent
 *              us a request, and trunktls.c's list of the TLS connections
 *              we opened, counted when asked.
 */
#include <string.h>
#include "core/core.h"
#include "sip/sip_int.h"

static const char *const methods[] = {
    "INVITE",  "ACK",    "BYE",   "CANCEL",  "REGISTER",
    "OPTIONS", "INFO",   "REFER", "NOTIFY",  "SUBSCRIBE",
    "MESSAGE", "UPDATE", "PRACK", "PUBLISH", "other",
};

enum { CLASSES = 6 }; /* 1xx .. 6xx */

static uint64_t counts[ARRAY_SIZE(methods)];
/* [received 0, sent 1][method][class - 1] */
static uint64_t resp[2][ARRAY_SIZE(methods)][CLASSES];

static size_t method_index(const struct pl *met)
{
	size_t i;

	for (i = 0; i + 1 < ARRAY_SIZE(methods); i++)
		if (!pl_strcmp(met, methods[i]))
			break;
	return i;
}

void sip_metrics_request(const struct sip_msg *msg)
{
	counts[method_index(&msg->met)]++;
}

void sip_metrics_trace(bool tx, enum sip_transp tp, const struct sa *src,
		       const struct sa *dst, const uint8_t *pkt, size_t len,
		       void *arg)
{
	static const char head[] = "SIP/2.0 ";
	struct sip_msg *msg = NULL;
	struct mbuf *mb;

	(void)tp;
	(void)src;
	(void)dst;
	(void)arg;
	if (!pkt || len < sizeof(head) - 1 ||
	    memcmp(pkt, head, sizeof(head) - 1))
		return; /* a request, or a keep-alive */
	/* a copy: the decoded message holds a reference on its buffer */
	mb = mbuf_alloc(len);
	if (!mb || mbuf_write_mem(mb, pkt, len))
		goto out;
	mb->pos = 0;
	if (sip_msg_decode(&msg, mb))
		goto out;
	if (msg->scode >= 100 && msg->scode < 700)
		resp[tx ? 1 : 0][method_index(&msg->cseq.met)]
		    [msg->scode / 100 - 1]++;
out:
	mem_deref(msg);
	mem_deref(mb);
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

int sipsrv_response_counts(sip_response_count_h *h, void *arg)
{
	size_t d, m, c;
	int err;

	if (!h)
		return EINVAL;
	for (d = 0; d < 2; d++)
		for (m = 0; m < ARRAY_SIZE(methods); m++)
			for (c = 0; c < CLASSES; c++) {
				if (!resp[d][m][c])
					continue;
				err = h(d == 1, methods[m], (unsigned)c + 1,
					resp[d][m][c], arg);
				if (err)
					return err;
			}
	return 0;
}

/* the connections are nat.c's (one entry per open connection that sent
 * us a request), and trunktls.c's outgoing TLS ones */
void sipsrv_conn_counts(unsigned *tcp, unsigned *tls)
{
	nat_conn_counts(tcp, tls);
	if (tls)
		*tls += trunktls_conn_count();
}
