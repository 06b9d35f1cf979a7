/*
 * nat.c - SIP through the NAT routers of homes and offices.
 *
 * A phone behind NAT writes its private address into Contact.  Responses
 * are no problem (rport: libre answers to the source), and the first
 * INVITE to a registered phone goes to the address its REGISTER came from
 * (call.c adds a Route).  But every later request inside a dialog (ACK,
 * BYE, re-INVITE) goes to the dialog's remote target, which libre takes
 * from the Contact of the phone's INVITE or 200 - the private address.
 *
 * So, like Kamailio's fix_nated_contact(), we rewrite that Contact before
 * libre parses the datagram: when a request or response that opens or
 * refreshes a dialog (INVITE and its 2xx, UPDATE) arrives from a source
 * that is not the Contact's host:port, the Contact's host:port becomes the
 * source.  libre's own parser finds the header; we only splice bytes.
 * REGISTER is left as the phone sent it: the registrar stores Contact and
 * source (`received`) side by side.  Carriers (trunk sources) are never
 * touched, nor is anything from a trusted edge (--edge, edge.c): the
 * edge fixes NAT itself, and its record-route carries the dialog.
 *
 * The hook is a receive helper on libre's SIP UDP socket.  libre does not
 * hand that socket out, so we take it from the first request we see
 * (msg->sock is the transport socket for UDP); sipsrv sends itself an
 * OPTIONS at start-up so that happens at once.
 *
 * TCP and TLS: libre sends a request to a connection-oriented target by
 * looking up an open connection to the target's address - the private
 * Contact finds none, so a BYE to a phone behind NAT would try to dial
 * into the home LAN.  With the Contact rewritten to the connection's far
 * end, the lookup finds the phone's own connection (RFC 5626 style reuse).
 * The rewrite is a TCP helper on each phone connection, registered at the
 * first request on it, above libre's TLS layer so it sees plain text.  A
 * stream has no datagram boundaries, so the helper holds back an
 * incomplete header block until its end arrives, rewrites it like a
 * datagram, and lets the body (Content-Length) pass as it is:
 *
 *   bytes -> [pending header block] --"\r\n\r\n"--> fix Contact -> libre
 *                                    body: Content-Length bytes -> libre
 *
 * Should the helper ever lose the message boundaries (a header block over
 * 64 KiB, a block it cannot parse), it stops touching that connection.
 *
 * Lifetime: libre's SIP transport owns the connection (tcp_conn) and
 * closes it by dropping its reference - when it sees a message it cannot
 * parse, a Content-Length it does not believe, or a timeout - and frees
 * its own per-connection state at the same moment.  So we must never hold
 * a reference on the tcp_conn: one that outlives libre's keeps the socket
 * polled with a receive handler whose argument libre has freed, and the
 * next bytes on that connection are written into freed memory (a heap
 * use-after-free any client could trigger with a few malformed messages).
 * Instead we hold a second reference on our own helper: libre drops the
 * other one when it frees the connection (its helper list is flushed),
 * and the sweep sees ours as the last one.  The tcp_conn pointer is kept
 * only as the hash key, never dereferenced:
 *
 *   libre: tcp_conn --helpers--> th <--(ref)-- nat_conn (ours, in hash)
 *   tcp_conn freed  => th refs 2 -> 1  => sweep frees nat_conn, th
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "sip/sip_int.h"

enum {
	NAT_LAYER = -100,          /* UDP helper: before libre's SIP parser  */
	NAT_TCP_LAYER = 10,        /* TCP helper: after TLS (layer 0)        */
	NAT_HDR_MAX = 65536,       /* longest header block we hold back      */
	NAT_SIP_SOCKBUF = 4 << 20, /* [bytes] SIP UDP socket buffers    */
};

struct nat {
	struct udp_helper *uh; /* (owned) */
	struct store *st;      /* (weak) */
	struct hash *conns;    /* struct nat_conn by tcp_conn (owned) */
	struct tmr tmr;        /* drops closed connections */
	uint64_t fixed;        /* Contacts rewritten */
};

/* one phone's TCP or TLS connection */
struct nat_conn {
	struct le le;          /* in nat->conns, keyed by tc            */
	struct nat *nat;       /* (weak)                                */
	const void *tc;        /* (weak) tcp_conn, key only: never used */
	struct tcp_helper *th; /* (ref) one more held by tc's helpers   */
	struct mbuf *pend;     /* received, not yet passed on (owned)   */
	size_t body;           /* body bytes still to pass as they are  */
	size_t scanned;        /* of the pending header block: searched
				  for its end already, without a find  */
	struct sa peer;        /* the connection's far end              */
	bool off;              /* lost the message boundaries           */
	bool tls;              /* SIP over TLS (else TCP), for metrics  */
};

static struct nat *nat_g;

static bool opens_dialog(const struct sip_msg *m)
{
	const struct pl *met = m->req ? &m->met : &m->cseq.met;

	if (!m->req && (m->scode < 200 || m->scode >= 300))
		return false;
	return !pl_strcmp(met, "INVITE") || !pl_strcmp(met, "UPDATE");
}

/* the "host[:port]" text of the Contact URI, inside the message buffer */
static bool contact_span(const struct sip_msg *m, struct pl *span,
			 struct sa *addr)
{
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_CONTACT);
	struct sip_addr a;
	const char *end;

	if (!h || sip_addr_decode(&a, &h->val) || !pl_isset(&a.uri.host))
		return false;
	span->p = a.uri.host.p;
	end = a.uri.host.p + a.uri.host.l;
	if (span->p > h->val.p && span->p[-1] == '[') { /* IPv6 literal */
		span->p--;
		end++;
	}
	if (end < h->val.p + h->val.l && *end == ':') {
		end++;
		while (end < h->val.p + h->val.l && *end >= '0' && *end <= '9')
			end++;
	}
	span->l = (size_t)(end - span->p);
	if (sa_set(addr, &a.uri.host, a.uri.port ? a.uri.port : 5060))
		sa_init(addr, AF_UNSPEC); /* a host name: never equal */
	return true;
}

/*
 * The message in mb [pos, end) (m: decoded from it) with its Contact host
 * and port replaced by src, as a new buffer; NULL when it needs no fix
 * (not a dialog-forming message, Contact already right, or a carrier).
 */
static struct mbuf *fixed_copy(struct nat *nat, const struct sa *src,
			       const struct mbuf *mb, size_t pos,
			       const struct sip_msg *m)
{
	struct store_trunk t;
	struct mbuf *nb;
	struct sa caddr;
	struct pl span;
	size_t off;
	char ip[64];

	if (!opens_dialog(m) || !contact_span(m, &span, &caddr) ||
	    sa_cmp(&caddr, src, SA_ALL) || sipedge_is(sipsrv_g, src))
		return NULL;
	re_snprintf(ip, sizeof(ip), "%j", src);
	if (!store_trunk_by_source(nat->st, ip, sa_port(src), &t))
		return NULL; /* carriers: as they are */

	off = (size_t)((const uint8_t *)span.p - mb->buf);
	nb = mbuf_alloc(mb->end - pos + 64);
	if (!nb)
		return NULL;
	if (mbuf_write_mem(nb, mb->buf + pos, off - pos) ||
	    mbuf_printf(nb, "%J", src) ||
	    mbuf_write_mem(nb, mb->buf + off + span.l, mb->end - off - span.l))
		return mem_deref(nb);
	debug("nat: %J: Contact %r rewritten\n", src, &span);
	nat->fixed++;
	return nb;
}

static bool recv_helper(struct sa *src, struct mbuf *mb, void *arg)
{
	struct nat *nat = arg;
	struct sip_msg *m = NULL;
	struct mbuf *nb;
	size_t pos = mb->pos;

	log_peer_note(src); /* libre's own lines about it are charged to it */
	/* only INVITE, UPDATE and 2xx responses can carry a dialog's
	 * Contact: leave everything else to libre without a second parse */
	if (mbuf_get_left(mb) < 16 || (memcmp(mbuf_buf(mb), "INVITE ", 7) &&
				       memcmp(mbuf_buf(mb), "UPDATE ", 7) &&
				       memcmp(mbuf_buf(mb), "SIP/2.0 2", 9)))
		return false;
	if (sip_msg_decode(&m, mb)) {
		mb->pos = pos;
		mem_deref(m);
		return false; /* not ours to judge: libre drops or parses */
	}
	mb->pos = pos;
	nb = fixed_copy(nat, src, mb, pos, m);
	m = mem_deref(m); /* it points into mb */
	if (!nb)
		return false;
	mb->end = pos;
	if (mbuf_write_mem(mb, nb->buf, nb->end)) {
		warning("nat: cannot rewrite a message from %J\n", src);
		mb->end = pos; /* drop it rather than pass half of it */
	}
	mb->pos = pos;
	mem_deref(nb);
	return false; /* libre goes on with the (fixed) message */
}

/* ---- TCP and TLS ----------------------------------------------------- */

/*
 * Offset of "\r\n\r\n" in mb from its pos, or -1.  The first from bytes
 * were searched before: a header block that arrives a byte at a time is
 * searched once in all, not once per byte (64 KiB of it would cost 2^32
 * comparisons - a stall any client could cause).
 */
static ssize_t hdr_end(const struct mbuf *mb, size_t from)
{
	const uint8_t *p = mbuf_buf(mb);
	size_t n = mbuf_get_left(mb), i;

	for (i = from > 3 ? from - 3 : 0; i + 3 < n; i++)
		if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' &&
		    p[i + 3] == '\n')
			return (ssize_t)i;
	return -1;
}

/* one complete header block at pend's pos, hlen bytes: to out, fixed */
static int pass_header(struct nat_conn *nc, struct mbuf *out, size_t hlen)
{
	struct mbuf *pend = nc->pend, *hb, *nb = NULL;
	struct sip_msg *m = NULL;
	int err;

	hb = mbuf_alloc(hlen);
	if (!hb)
		return ENOMEM;
	(void)mbuf_write_mem(hb, mbuf_buf(pend), hlen);
	hb->pos = 0;
	pend->pos += hlen;
	if (sip_msg_decode(&m, hb)) {
		nc->off = true; /* not SIP as we know it: hands off */
		hb->pos = 0;
		err = mbuf_write_mem(out, hb->buf, hb->end);
		goto out;
	}
	nc->body = m->clen.p ? pl_u32(&m->clen) : 0;
	nb = fixed_copy(nc->nat, &nc->peer, hb, 0, m);
	m = mem_deref(m);
	err = nb ? mbuf_write_mem(out, nb->buf, nb->end)
		 : mbuf_write_mem(out, hb->buf, hb->end);
out:
	mem_deref(m);
	mem_deref(nb);
	mem_deref(hb);
	return err;
}

static bool tcp_recv_helper(int *err, struct mbuf *mb, bool *estab, void *arg)
{
	struct nat_conn *nc = arg;
	struct mbuf *out = NULL, *pend;
	ssize_t he;

	(void)estab;
	log_peer_note(&nc->peer);
	if (nc->off)
		return false;
	if (!nc->pend)
		nc->pend = mbuf_alloc(mbuf_get_left(mb));
	out = mbuf_alloc(mbuf_get_left(mb) + 64);
	if (!nc->pend || !out)
		goto fail;
	pend = nc->pend;
	pend->pos = pend->end;
	/* grow by doubling: libre's mbuf grows to the exact size, a copy of
	 * all that is pending for every few bytes that arrive */
	if (pend->size - pend->end < mbuf_get_left(mb) &&
	    mbuf_resize(pend, 2 * (pend->end + mbuf_get_left(mb))))
		goto fail;
	if (mbuf_write_mem(pend, mbuf_buf(mb), mbuf_get_left(mb)))
		goto fail;
	pend->pos = 0;

	while (mbuf_get_left(pend) && !nc->off) {
		size_t n = mbuf_get_left(pend);

		if (nc->body) { /* a body passes as it is */
			n = n < nc->body ? n : nc->body;
			if (mbuf_write_mem(out, mbuf_buf(pend), n))
				goto fail;
			pend->pos += n;
			nc->body -= n;
			continue;
		}
		if (mbuf_buf(pend)[0] == '\r' || mbuf_buf(pend)[0] == '\n') {
			/* keep-alive CRLFs: libre answers them */
			if (mbuf_write_u8(out, mbuf_buf(pend)[0]))
				goto fail;
			pend->pos++;
			continue;
		}
		he = hdr_end(pend, nc->scanned);
		if (he < 0) {
			nc->scanned = n;
			if (n > NAT_HDR_MAX)
				nc->off = true;
			break; /* wait for the rest of the header block */
		}
		nc->scanned = 0;
		if (pass_header(nc, out, (size_t)he + 4))
			goto fail;
	}
	if (nc->off && mbuf_get_left(pend) &&
	    mbuf_write_mem(out, mbuf_buf(pend), mbuf_get_left(pend)))
		goto fail;
	if (nc->off)
		pend->pos = pend->end;
	/* keep only what is still pending (moved only when something was
	 * passed on: a header block that grows stays where it is) */
	if (mbuf_get_left(pend)) {
		if (pend->pos)
			memmove(pend->buf, mbuf_buf(pend), mbuf_get_left(pend));
		pend->end = mbuf_get_left(pend);
		pend->pos = 0;
	}
	else
		nc->pend = mem_deref(nc->pend);

	/* libre reads on from mb: give it what is complete */
	mbuf_rewind(mb);
	if (out->end && mbuf_write_mem(mb, out->buf, out->end))
		goto fail;
	mb->pos = 0;
	mem_deref(out);
	return mb->end == 0; /* nothing complete yet: stop here */

fail:
	mem_deref(out);
	*err = ENOMEM;
	return true;
}

static void conn_destructor(void *arg)
{
	struct nat_conn *nc = arg;

	hash_unlink(&nc->le);
	if (nc->th && mem_nrefs(nc->th) > 1)
		warning("nat: a connection outlived the SIP stack\n");
	nc->th = mem_deref(nc->th); /* our ref; libre's went with tc */
	nc->pend = mem_deref(nc->pend);
}

static uint32_t conn_key(const struct tcp_conn *tc)
{
	return hash_fast((const char *)&tc, sizeof(tc));
}

/* libre freed the connection when our ref on its helper is the last */
static bool conn_gone(const struct nat_conn *nc)
{
	return mem_nrefs(nc->th) == 1;
}

static bool conn_closed(struct le *le, void *arg)
{
	struct nat_conn *nc = le->data;

	(void)arg;
	if (conn_gone(nc))
		mem_deref(nc);
	return false;
}

/* a freed connection's address may come back for a new one: only a live
 * entry counts */
static bool conn_is(struct le *le, void *arg)
{
	const struct nat_conn *nc = le->data;

	return nc->tc == arg && !conn_gone(nc);
}

static void conn_sweep(void *arg)
{
	struct nat *nat = arg;

	(void)hash_apply(nat->conns, conn_closed, NULL);
	tmr_start(&nat->tmr, 10000, conn_sweep, nat);
}

/*
 * libre leaves Nagle's algorithm on for SIP connections: a response of
 * ours then waits behind the TLS session tickets for the phone's delayed
 * ACK, about 40 ms on every new connection.  Signalling is small and
 * latency-bound, so send at once.
 */
static void tcp_nodelay(const struct tcp_conn *tc)
{
	int fd = tcp_conn_fd(tc);
	int one = 1;

	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				 sizeof(one));
}

/*
 * The first request on a connection: Nagle off, and the connection
 * remembered, so that the next requests on it cost one hash lookup.  A
 * phone's connection gets the Contact-fixing helper; a carrier's stays
 * as it is (off).
 */
static void tcp_attach(struct nat *nat, const struct sip_msg *msg)
{
	struct tcp_conn *tc = sip_msg_tcpconn(msg);
	struct store_trunk t;
	struct nat_conn *nc;
	char ip[64];

	if (!tc || hash_lookup(nat->conns, conn_key(tc), conn_is, tc))
		return;
	tcp_nodelay(tc);
	nc = mem_zalloc(sizeof(*nc), conn_destructor);
	if (!nc)
		return;
	nc->nat = nat;
	nc->peer = msg->src;
	nc->tc = tc;
	nc->tls = msg->tp == SIP_TRANSP_TLS;
	/* every connection gets the helper, a carrier's too (switched off):
	 * our ref on it tells when libre has freed the connection, and nc,
	 * th's argument, lives until then (see the top comment) */
	if (tcp_register_helper(&nc->th, tc, NAT_TCP_LAYER, NULL, NULL,
				tcp_recv_helper, nc)) {
		mem_deref(nc);
		return;
	}
	mem_ref(nc->th);
	hash_append(nat->conns, conn_key(tc), &nc->le, nc);

	re_snprintf(ip, sizeof(ip), "%j", &msg->src);
	nc->off = sipedge_is(sipsrv_g, &msg->src) ||
		  !store_trunk_by_source(nat->st, ip, sa_port(&msg->src), &t);
	if (!nc->off)
		debug("nat: Contact fixing on for %s from %J\n",
		      sip_transp_name(msg->tp), &msg->src);
}

static void nat_destructor(void *arg)
{
	struct nat *nat = arg;

	tmr_cancel(&nat->tmr);
	hash_flush(nat->conns);
	nat->conns = mem_deref(nat->conns);
	nat->uh = mem_deref(nat->uh);
}

void nat_attach(struct sipsrv *srv, const struct sip_msg *msg)
{
	struct nat *nat;

	if (nat_g && msg->tp != SIP_TRANSP_UDP) {
		tcp_attach(nat_g, msg);
		return;
	}
	if (nat_g || msg->tp != SIP_TRANSP_UDP || !msg->sock)
		return;
	nat = mem_zalloc(sizeof(*nat), nat_destructor);
	if (!nat)
		return;
	nat->st = srv->st;
	tmr_init(&nat->tmr);
	if (hash_alloc(&nat->conns, 1024)) {
		mem_deref(nat);
		return;
	}
	tmr_start(&nat->tmr, 10000, conn_sweep, nat);
	if (udp_register_helper(&nat->uh, msg->sock, NAT_LAYER, NULL,
				recv_helper, nat)) {
		warning("nat: cannot hook the SIP UDP socket\n");
		mem_deref(nat);
		return;
	}
	/* the one place libre hands out its SIP UDP socket: give it room
	 * for a burst of requests while the loop is busy (the kernel's
	 * default of ~208 KiB is ~300 INVITEs; net.core.rmem_max caps it) */
	if (udp_sockbuf_set(msg->sock, NAT_SIP_SOCKBUF))
		warning("nat: cannot enlarge the SIP UDP socket's buffers\n");
	nat_g = nat;
	info("nat: Contact fixing on for UDP, TCP and TLS\n");
}

static bool conn_count(struct le *le, void *arg)
{
	const struct nat_conn *nc = le->data;
	unsigned *n = arg;

	/* an outgoing TLS connection is trunktls.c's to count */
	if (!conn_gone(nc) && !(nc->tls && trunktls_conn_ours(nc->tc)))
		n[nc->tls ? 1 : 0]++;
	return false;
}

void nat_conn_counts(unsigned *tcp, unsigned *tls)
{
	unsigned n[2] = {0, 0};

	if (nat_g)
		(void)hash_apply(nat_g->conns, conn_count, n);
	if (tcp)
		*tcp = n[0];
	if (tls)
		*tls = n[1];
}

void nat_detach(void)
{
	if (!nat_g)
		return;
	tmr_cancel(&nat_g->tmr);
	nat_g->uh = mem_deref(nat_g->uh); /* before the UDP socket goes */
}

void nat_close(void)
{
	nat_g = mem_deref(nat_g);
}
