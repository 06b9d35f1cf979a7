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
 * touched.
 *
 * The hook is a receive helper on libre's SIP UDP socket.  libre does not
 * hand that socket out, so we take it from the first request we see
 * (msg->sock is the transport socket for UDP); sipsrv sends itself an
 * OPTIONS at start-up so that happens at once.  TCP phones behind NAT keep
 * their connection: see the note in ../docs (later work: rewriting on TCP).
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "sip/sip_int.h"

enum { NAT_LAYER = -100 };

struct nat {
	struct udp_helper *uh; /* (owned) */
	struct store *st;      /* (weak) */
	uint64_t fixed;        /* Contacts rewritten */
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

static bool recv_helper(struct sa *src, struct mbuf *mb, void *arg)
{
	struct nat *nat = arg;
	struct sip_msg *m = NULL;
	struct store_trunk t;
	struct mbuf *nb = NULL;
	struct sa caddr;
	struct pl span;
	size_t pos = mb->pos, off;
	char ip[64];

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
	if (!opens_dialog(m) || !contact_span(m, &span, &caddr) ||
	    sa_cmp(&caddr, src, SA_ALL))
		goto out;
	re_snprintf(ip, sizeof(ip), "%j", src);
	if (!store_trunk_by_source(nat->st, ip, sa_port(src), &t))
		goto out; /* carriers: as they are */

	off = (size_t)((const uint8_t *)span.p - mb->buf);
	nb = mbuf_alloc(mb->end + 64);
	if (!nb)
		goto out;
	if (mbuf_write_mem(nb, mb->buf + pos, off - pos) ||
	    mbuf_printf(nb, "%J", src) ||
	    mbuf_write_mem(nb, mb->buf + off + span.l, mb->end - off - span.l))
		goto out;
	debug("nat: %J: Contact %r rewritten\n", src, &span);
	m = mem_deref(m); /* it points into mb */
	mb->pos = pos;
	mb->end = pos;
	if (mbuf_write_mem(mb, nb->buf, nb->end)) {
		warning("nat: cannot rewrite a message from %J\n", src);
		mb->end = pos; /* drop it rather than pass half of it */
	}
	mb->pos = pos;
	nat->fixed++;

out:
	mem_deref(nb);
	mem_deref(m);
	return false; /* libre goes on with the (fixed) message */
}

static void nat_destructor(void *arg)
{
	struct nat *nat = arg;

	nat->uh = mem_deref(nat->uh);
}

void nat_attach(struct sipsrv *srv, const struct sip_msg *msg)
{
	struct nat *nat;

	if (nat_g || msg->tp != SIP_TRANSP_UDP || !msg->sock)
		return;
	nat = mem_zalloc(sizeof(*nat), nat_destructor);
	if (!nat)
		return;
	nat->st = srv->st;
	if (udp_register_helper(&nat->uh, msg->sock, NAT_LAYER, NULL,
				recv_helper, nat)) {
		warning("nat: cannot hook the SIP UDP socket\n");
		mem_deref(nat);
		return;
	}
	nat_g = nat;
	info("nat: Contact fixing on for UDP\n");
}

void nat_detach(void)
{
	nat_g = mem_deref(nat_g);
}
