/*
 * leg.c - one call leg's media: an RTP/RTCP socket pair on the media
 * address, its SDP, and the relay to a bridged peer leg.
 *
 * The relay is the hot path of the whole system (one packet per 20 ms per
 * direction per call), so it works on the received buffer in place: check
 * the RTP version, look the payload type up in a 128-entry table, convert
 * G.711 law by table when the legs speak different laws, rewrite the
 * payload type byte, send the same mbuf from the peer's socket.  No
 * allocation, no copy, no RTCP statistics (libre's rtp_listen would keep
 * per-source state we do not need for relaying).  An SRTP leg (sdes.c)
 * decrypts and authenticates in the same buffer before anything else
 * looks at the packet, and the peer's SRTP context encrypts it there.
 *
 *   phone A --RTP--> [leg A sock] --relay--> [leg B sock] --RTP--> phone B
 *            <--------------------- and back -------------------
 */
#include <string.h>
#include <sys/socket.h>
#include <re.h>
#include <rem.h>
#include "core/core.h"
#include "media/media.h"
#include "media/media_int.h"

enum { PT_UNKNOWN = 0, PT_ULAW, PT_ALAW, PT_TEV };

static struct {
	struct sa ip;
	uint16_t pmin, pmax;
	uint8_t u2a[256], a2u[256];
	bool ready;
} mctx;

struct media_stats media_stat;

enum { RX_BURST = 8, RX_SIZE = 2048 };
static struct mbuf *rxbuf; /* one receive buffer for all legs */

void media_stats_get(struct media_stats *s)
{
	if (s)
		*s = media_stat;
}

uint8_t media_ulaw2alaw(uint8_t u)
{
	return mctx.u2a[u];
}

uint8_t media_alaw2ulaw(uint8_t a)
{
	return mctx.a2u[a];
}

int media_init(const char *media_ip, uint16_t port_min, uint16_t port_max)
{
	unsigned i;
	int err;

	if (!media_ip || port_max < port_min + 2)
		return EINVAL;
	err = sa_set_str(&mctx.ip, media_ip, 0);
	if (err)
		return err;
	mctx.pmin = (uint16_t)((port_min + 1) & ~1u);
	mctx.pmax = port_max;
	for (i = 0; i < 256; i++) {
		mctx.u2a[i] = g711_pcm2alaw(g711_ulaw2pcm((uint8_t)i));
		mctx.a2u[i] = g711_pcm2ulaw(g711_alaw2pcm((uint8_t)i));
	}
	if (!rxbuf)
		rxbuf = mbuf_alloc(RX_SIZE);
	if (!rxbuf)
		return ENOMEM;
	mctx.ready = true;
	return media_clock_init();
}

void media_close(void)
{
	media_clock_close();
	media_prompt_cache_flush();
	rxbuf = mem_deref(rxbuf);
	mctx.ready = false;
}

static void destructor(void *arg)
{
	struct media_leg *leg = arg;

	media_stat.legs--;
	media_unbridge(leg);
	if (leg->player)
		media_player_detach(leg->player);
	leg->rtp = mem_deref(leg->rtp);
	leg->rtcp = mem_deref(leg->rtcp);
	leg->sdp = mem_deref(leg->sdp);
	leg->srtp_tx = mem_deref(leg->srtp_tx);
	leg->srtp_rx = mem_deref(leg->srtp_rx);
}

/* in place G.711 law conversion of n payload bytes */
static void convert(uint8_t *p, size_t n, const uint8_t *table)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = table[p[i]];
}

/* RFC 1918, RFC 6598 (carrier-grade NAT) and loopback: addresses a phone
 * names in SDP that we may not be able to reach */
static bool is_private(const struct sa *sa)
{
	uint32_t a;

	if (sa_af(sa) != AF_INET)
		return sa_is_loopback(sa) || sa_is_linklocal(sa);
	a = sa_in(sa);
	return (a >> 24) == 10 || (a >> 24) == 127 ||
	       (a >> 20) == ((172u << 4) | 1) ||
	       (a >> 16) == ((192u << 8) | 168) ||
	       (a >> 22) == ((100u << 2) | 1) || sa_is_linklocal(sa);
}

/*
 * Symmetric RTP: send to where the far end's RTP comes from, not only to
 * its SDP address (phones behind NAT name a private one).  A stranger must
 * not take the call over by sending packets, so a source is accepted only
 *   - if it is the SDP address itself, or
 *   - before anything was latched, if the SDP address is private, from
 *     the IP the phone's SIP came from (a NAT router maps a phone's SIP
 *     and RTP to the same public IP; any IP if we do not know it), or if
 *     the SDP address is public, from that IP, or
 *   - as a new NAT mapping: a new address carrying the latched SSRC, once
 *     the latched address has gone quiet.  While the phone still talks
 *     from its address, a copy of its SSRC from elsewhere is refused: a
 *     sniffer cannot flip the media back and forth.
 * A re-INVITE (media_leg_decode) clears the latch.  The payload type (and
 * for SRTP the authentication tag) was checked by the caller.
 */
enum { RELATCH_QUIET_MS = 250 };

static bool latch(struct media_leg *leg, const struct sa *src, uint32_t ssrc)
{
	if (leg->latched && sa_cmp(src, &leg->raddr, SA_ALL)) {
		leg->ssrc_rx = ssrc;
		return true;
	}
	if (sa_cmp(src, &leg->sdp_raddr, SA_ALL))
		goto take;
	if (!leg->latched) {
		if (is_private(&leg->sdp_raddr) &&
		    (!sa_isset(&leg->sig_ip, SA_ADDR) ||
		     sa_cmp(src, &leg->sig_ip, SA_ADDR)))
			goto take;
		if (sa_cmp(src, &leg->sdp_raddr, SA_ADDR))
			goto take;
		leg->hijack++;
		media_stat.refused++;
		return false;
	}
	if (ssrc == leg->ssrc_rx &&
	    tmr_jiffies() - leg->last_rx >= RELATCH_QUIET_MS)
		goto take;
	leg->hijack++;
	media_stat.refused++;
	return false;

take:
	if (!leg->latched || !sa_cmp(src, &leg->raddr, SA_ALL))
		debug("media: port %u latched to %J (ssrc %08x)\n", leg->port,
		      src, ssrc);
	leg->raddr = *src;
	leg->ssrc_rx = ssrc;
	leg->latched = true;
	if (sa_isset(&leg->raddr_rtcp, SA_PORT)) {
		uint16_t port = sa_port(src) + 1;
		sa_cpy(&leg->raddr_rtcp, src);
		sa_set_port(&leg->raddr_rtcp, port);
	}
	return true;
}

static void rtp_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct media_leg *leg = arg, *peer = leg->peer;
	size_t len = mbuf_get_left(mb), hlen;
	uint8_t *p = mbuf_buf(mb);
	uint8_t kind, pt;
	uint32_t ssrc;

	if (len < RTP_HEADER_SIZE || (p[0] >> 6) != 2)
		return;
	pt = p[1] & 0x7f;
	kind = leg->rxmap[pt];
	if (kind == PT_UNKNOWN)
		return;
	ssrc = ((uint32_t)p[8] << 24) | ((uint32_t)p[9] << 16) |
	       ((uint32_t)p[10] << 8) | p[11];
	/* SRTP: only authentic packets count, for latching too */
	if (leg->srtp_rx) {
		if (srtp_decrypt(leg->srtp_rx, mb)) {
			if (!sa_cmp(src, &leg->raddr, SA_ALL)) {
				leg->hijack++;
				media_stat.refused++;
			}
			return;
		}
		len = mbuf_get_left(mb);
	}
	if (!(leg->latched && ssrc == leg->ssrc_rx &&
	      sa_cmp(src, &leg->raddr, SA_ALL)) &&
	    !latch(leg, src, ssrc))
		return;
	leg->last_rx = tmr_jiffies();
	leg->rx++;
	media_stat.rx++;

	if (!peer || peer->player || peer->rhold || leg->rhold ||
	    !sa_isset(&peer->raddr, SA_ALL))
		return;

	hlen = RTP_HEADER_SIZE + 4u * (p[0] & 0x0f);
	if (p[0] & 0x10) { /* header extension */
		if (len < hlen + 4)
			return;
		hlen += 4 + 4u * (((size_t)p[hlen + 2] << 8) | p[hlen + 3]);
	}
	if (len < hlen)
		return;

	switch (kind) {
	case PT_ULAW:
	case PT_ALAW:
		if (peer->tx_codec == CODEC_PCMA && kind == PT_ULAW)
			convert(p + hlen, len - hlen, mctx.u2a);
		else if (peer->tx_codec == CODEC_PCMU && kind == PT_ALAW)
			convert(p + hlen, len - hlen, mctx.a2u);
		p[1] = (uint8_t)((p[1] & 0x80) | peer->tx_pt);
		break;

	case PT_TEV:
		if (peer->tx_tev_pt < 0)
			return;
		p[1] = (uint8_t)((p[1] & 0x80) | peer->tx_tev_pt);
		break;
	}

	if (peer->srtp_tx && srtp_encrypt(peer->srtp_tx, mb))
		return;
	if (udp_send(peer->rtp, &peer->raddr, mb) == 0) {
		peer->tx++;
		media_stat.relayed++;
	}
}

/*
 * Reading RTP ourselves: libre's UDP reader allocates an 8 KiB buffer per
 * datagram and frees it again, which was most of the relay's cost
 * (bench/RESULTS.md, test 4).  We take the socket's descriptor over with
 * fd_listen and read into one buffer kept for the whole process, up to a
 * few datagrams per wake-up.  The udp_sock still owns and closes the fd.
 */
static void rtp_fd_handler(int flags, void *arg)
{
	struct media_leg *leg = arg;
	int fd = udp_sock_fd(leg->rtp, sa_af(&mctx.ip));
	unsigned i;

	(void)flags;
	for (i = 0; i < RX_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct sa src;
		ssize_t n;

		n = recvfrom(fd, rxbuf->buf, rxbuf->size, MSG_DONTWAIT,
			     (struct sockaddr *)&ss, &sl);
		if (n < 0)
			return; /* EAGAIN: drained */
		if (sa_set_sa(&src, (struct sockaddr *)&ss))
			continue;
		rxbuf->pos = 0;
		rxbuf->end = (size_t)n;
		rtp_recv(&src, rxbuf, leg); /* relays only: leg stays */
	}
}

static void rtcp_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct media_leg *leg = arg, *peer = leg->peer;

	(void)src;
	if (!peer || peer->player || !sa_isset(&peer->raddr_rtcp, SA_ALL))
		return;
	if (leg->srtp_rx && srtcp_decrypt(leg->srtp_rx, mb))
		return;
	if (peer->srtp_tx && srtcp_encrypt(peer->srtp_tx, mb))
		return;
	(void)udp_send(peer->rtcp, &peer->raddr_rtcp, mb);
}

static int bind_pair(struct media_leg *leg)
{
	unsigned span = (unsigned)(mctx.pmax - mctx.pmin) / 2;
	unsigned tries;
	struct sa a;
	int err = EADDRINUSE;

	for (tries = 0; tries < 64; tries++) {
		uint16_t port = (uint16_t)(mctx.pmin + 2 * (rand_u32() % span));

		a = mctx.ip;
		sa_set_port(&a, port);
		err = udp_listen(&leg->rtp, &a, rtp_recv, leg);
		if (err)
			continue;
		err = fd_listen(udp_sock_fd(leg->rtp, sa_af(&a)), FD_READ,
				rtp_fd_handler, leg);
		if (err) {
			leg->rtp = mem_deref(leg->rtp);
			continue;
		}
		sa_set_port(&a, port + 1);
		err = udp_listen(&leg->rtcp, &a, rtcp_recv, leg);
		if (err) {
			leg->rtp = mem_deref(leg->rtp);
			continue;
		}
		leg->port = port;
		return 0;
	}
	return err;
}

static int add_formats(struct media_leg *leg, enum media_codec prefer)
{
	int err;

	if (prefer == CODEC_PCMA) {
		err = sdp_format_add(NULL, leg->sdpm, false, "8", "PCMA", 8000,
				     1, NULL, NULL, NULL, false, NULL);
		err |= sdp_format_add(NULL, leg->sdpm, false, "0", "PCMU", 8000,
				      1, NULL, NULL, NULL, false, NULL);
	}
	else {
		err = sdp_format_add(NULL, leg->sdpm, false, "0", "PCMU", 8000,
				     1, NULL, NULL, NULL, false, NULL);
		err |= sdp_format_add(NULL, leg->sdpm, false, "8", "PCMA", 8000,
				      1, NULL, NULL, NULL, false, NULL);
	}
	err |= sdp_format_add(NULL, leg->sdpm, false, "101", "telephone-event",
			      8000, 1, NULL, NULL, NULL, false, "0-15");
	return err ? ENOMEM : 0;
}

int media_leg_alloc(struct media_leg **legp, enum media_codec prefer,
		    enum media_crypto crypto)
{
	struct media_leg *leg;
	struct sa laddr;
	int err;

	if (!legp || !mctx.ready)
		return EINVAL;
	leg = mem_zalloc(sizeof(*leg), destructor);
	if (!leg)
		return ENOMEM;
	media_stat.legs++;
	leg->tx_tev_pt = -1;
	leg->last_rx = tmr_jiffies();
	leg->ssrc = rand_u32();
	leg->seq = (uint16_t)rand_u32();
	leg->ts = rand_u32();
	leg->crypto = crypto;

	err = bind_pair(leg);
	if (err)
		goto out;
	laddr = mctx.ip;
	sa_set_port(&laddr, leg->port);
	err = sdp_session_alloc(&leg->sdp, &laddr);
	if (err)
		goto out;
	err = sdp_media_add(&leg->sdpm, leg->sdp, "audio", leg->port,
			    crypto == MEDIA_SRTP_REQUIRED ? sdp_proto_rtpsavp
							  : sdp_proto_rtpavp);
	if (err)
		goto out;
	/* an offer in either profile can be answered */
	err = sdp_media_set_alt_protos(leg->sdpm, 2, sdp_proto_rtpavp,
				       sdp_proto_rtpsavp);
	if (!err)
		err = add_formats(leg, prefer);
	if (!err)
		err = media_sdes_init(leg);
	if (err)
		goto out;
	/* what we accept is what we declare */
	leg->rxmap[0] = PT_ULAW;
	leg->rxmap[8] = PT_ALAW;
	leg->rxmap[101] = PT_TEV;

out:
	if (err)
		mem_deref(leg);
	else
		*legp = leg;
	return err;
}

/* by name, or by static payload type when there is no rtpmap (RFC 3551) */
static enum media_codec codec_of(const char *name, int pt)
{
	if (!name || !name[0])
		return pt == 0 ? CODEC_PCMU : pt == 8 ? CODEC_PCMA : CODEC_NONE;
	if (!str_casecmp(name, "PCMU"))
		return CODEC_PCMU;
	if (!str_casecmp(name, "PCMA"))
		return CODEC_PCMA;
	return CODEC_NONE;
}

int media_leg_decode(struct media_leg *leg, struct mbuf *sdp, bool offer)
{
	const struct list *lst;
	struct le *le;
	enum sdp_dir rdir;
	size_t pos;
	int err;

	if (!leg || !sdp)
		return EINVAL;
	pos = sdp->pos;
	err = sdp_decode(leg->sdp, sdp, offer);
	sdp->pos = pos;
	if (err)
		return EPROTO;

	leg->tx_codec = CODEC_NONE;
	leg->tx_tev_pt = -1;
	lst = sdp_media_format_lst(leg->sdpm, false);
	for (le = lst ? lst->head : NULL; le; le = le->next) {
		const struct sdp_format *f = le->data;
		enum media_codec c = codec_of(f->name, f->pt);

		if (f->pt < 0 || f->pt > 127)
			continue;
		if (c != CODEC_NONE) {
			leg->rxmap[f->pt] = c == CODEC_PCMU ? PT_ULAW : PT_ALAW;
			if (f->sup && leg->tx_codec == CODEC_NONE) {
				leg->tx_codec = c;
				leg->tx_pt = (uint8_t)f->pt;
			}
		}
		else if (f->name && !str_casecmp(f->name, "telephone-event")) {
			leg->rxmap[f->pt] = PT_TEV;
			if (f->sup && leg->tx_tev_pt < 0)
				leg->tx_tev_pt = f->pt;
		}
	}
	if (leg->tx_codec == CODEC_NONE)
		return ENOTSUP;
	err = media_sdes_negotiate(leg, offer);
	if (err)
		return err;

	leg->raddr = *sdp_media_raddr(leg->sdpm);
	leg->sdp_raddr = leg->raddr;
	leg->latched = false; /* a new offer/answer may move the phone */
	sdp_media_raddr_rtcp(leg->sdpm, &leg->raddr_rtcp);
	/* libre names the direction from our side: the far end's
	 * a=sendonly is our SDP_RECVONLY.  The answer is ldir & rdir. */
	rdir = sdp_media_rdir(leg->sdpm);
	leg->rhold = !(rdir & SDP_SENDONLY) || !sa_isset(&leg->raddr, SA_ADDR);
	sdp_media_set_ldir(leg->sdpm, SDP_SENDRECV);
	return 0;
}

int media_leg_encode(struct media_leg *leg, struct mbuf **mbp, bool offer)
{
	if (!leg || !mbp)
		return EINVAL;
	if (offer)
		sdp_media_set_ldir(leg->sdpm, SDP_SENDRECV);
	return sdp_encode(mbp, leg->sdp, offer);
}

enum media_codec media_leg_codec(const struct media_leg *leg)
{
	return leg ? leg->tx_codec : CODEC_NONE;
}

bool media_leg_secure(const struct media_leg *leg)
{
	return leg && leg->srtp_tx && leg->srtp_rx;
}

bool media_leg_remote_hold(const struct media_leg *leg)
{
	return leg && leg->rhold;
}

void media_leg_set_sig_addr(struct media_leg *leg, const struct sa *sig)
{
	if (!leg)
		return;
	if (sig && sa_isset(sig, SA_ADDR))
		leg->sig_ip = *sig;
	else
		sa_init(&leg->sig_ip, AF_UNSPEC);
}

bool media_leg_has_raddr(const struct media_leg *leg)
{
	return leg && sa_isset(&leg->raddr, SA_ALL);
}

uint64_t media_leg_idle_ms(const struct media_leg *leg)
{
	return leg ? tmr_jiffies() - leg->last_rx : 0;
}

uint16_t media_leg_port(const struct media_leg *leg)
{
	return leg ? leg->port : 0;
}

uint64_t media_leg_hijacks(const struct media_leg *leg)
{
	return leg ? leg->hijack : 0;
}

void media_leg_stats(const struct media_leg *leg, uint64_t *rx, uint64_t *tx)
{
	if (rx)
		*rx = leg ? leg->rx : 0;
	if (tx)
		*tx = leg ? leg->tx : 0;
}

void media_bridge(struct media_leg *a, struct media_leg *b)
{
	if (!a || !b || a == b)
		return;
	media_unbridge(a);
	media_unbridge(b);
	a->peer = b;
	b->peer = a;
}

void media_unbridge(struct media_leg *leg)
{
	if (!leg || !leg->peer)
		return;
	leg->peer->peer = NULL;
	leg->peer = NULL;
}

/* Used by the player: send one 20 ms frame of 16-bit PCM. */
int media_leg_send_pcm(struct media_leg *leg, const int16_t *pcm, size_t n,
		       bool marker, struct mbuf *mb)
{
	struct rtp_header hdr;
	size_t i;
	int err;

	if (leg->rhold || !sa_isset(&leg->raddr, SA_ALL) ||
	    leg->tx_codec == CODEC_NONE)
		return 0;
	memset(&hdr, 0, sizeof(hdr));
	hdr.ver = 2;
	hdr.m = marker;
	hdr.pt = leg->tx_pt;
	hdr.seq = leg->seq++;
	hdr.ts = leg->ts;
	hdr.ssrc = leg->ssrc;
	leg->ts += (uint32_t)n;

	mbuf_rewind(mb);
	err = rtp_hdr_encode(mb, &hdr);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		uint8_t b = leg->tx_codec == CODEC_PCMU ? g711_pcm2ulaw(pcm[i])
							: g711_pcm2alaw(pcm[i]);
		err |= mbuf_write_u8(mb, b);
	}
	if (err)
		return err;
	mb->pos = 0;
	if (leg->srtp_tx) {
		err = srtp_encrypt(leg->srtp_tx, mb);
		if (err)
			return err;
	}
	err = udp_send(leg->rtp, &leg->raddr, mb);
	if (!err) {
		leg->tx++;
		media_stat.played++;
	}
	return err;
}
