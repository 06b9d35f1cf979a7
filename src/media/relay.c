/*
 * relay.c - the media thread's half of a leg (struct media_stream): its
 * RTP/RTCP socket pair, symmetric-RTP latching, and the relay to a
 * bridged peer stream.  Everything here runs on the media thread
 * (thread.c) except media_stream_alloc(), which binds the sockets on the
 * SIP thread because the port goes into the SDP.
 *
 * The relay is the hot path of the whole system (one packet per 20 ms per
 * direction per call), so it works on the received buffer in place: check
 * the RTP version, look the payload type up in a 128-entry table, convert
 * G.711 law by table when the legs speak different laws, rewrite the
 * payload type byte, send the same buffer from the peer's socket.  A
 * telephone-event is first shown to the digit receiver (dtmf.c), bridged
 * or not; audio pays one compare of the kind already looked up.  No
 * allocation, no copy, no lock, no RTCP statistics.  An SRTP leg decrypts
 * and authenticates in the same buffer before anything else looks at the
 * packet, and the peer's SRTP context encrypts it there.
 *
 *   phone A --RTP--> [stream A fd] --relay--> [stream B fd] --RTP--> phone B
 *            <--------------------- and back -------------------
 *
 * One stream per outgoing leg.  A phone hears the far phone, music on
 * hold, the far phone again; each leg is an RTP session of its own with
 * us as the end system it talks to (a back-to-back UA), so everything sent into a leg carries the leg's own SSRC, and its
 * sequence numbers and timestamps continue across switches of what feeds
 * it.  A relayed packet's seq and timestamp are the peer's plus an
 * offset; the offsets are set on the first packet after a switch (the
 * player started or stopped, another peer, a new SSRC from the peer,
 * packets we dropped while a side was on hold) so that it follows the
 * last packet sent: seq + 1, timestamp + the time elapsed at 8 kHz (at
 * least one 20 ms frame), marker bit set (first packet of a talkspurt,
 * RFC 3551 4.1).  Between switches the peer's own spacing passes through
 * unchanged, losses and reordering included.  Without it the receiver saw
 * the SSRC change at every switch and, after a hold, a jump of hundreds
 * of sequence numbers (the packets we dropped), counted as lost.  Like
 * Asterisk, whose RTP writer numbers every frame it sends on a channel
 * from that channel's own counters and marks a source change.  The cost
 * on the relay path is a compare and ten header bytes rewritten.
 *
 * The sockets are plain descriptors, not libre udp_socks: libre's reader
 * allocates an 8 KiB buffer per datagram (bench/RESULTS.md, test 4), and a
 * udp_sock registers and unregisters itself in the loop of whichever
 * thread calls it.  We read up to a few datagrams per wake-up with one
 * recvmmsg() into buffers of the media thread, and send with sendto().
 */
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <re.h>
#include <rem.h>
#include "core/core.h"
#include "media/media.h"
#include "media/media_int.h"

uint8_t media_u2a[256], media_a2u[256];

enum { RX_BURST = 8, RX_SIZE = 2048 };

/* the media thread's receive buffers, one per datagram of a burst */
static struct {
	struct mbuf *mb[RX_BURST];
	struct mmsghdr msg[RX_BURST];
	struct iovec iov[RX_BURST];
	struct sockaddr_storage src[RX_BURST];
} rx;

static void rx_prepare(unsigned i)
{
	rx.iov[i].iov_base = rx.mb[i]->buf;
	rx.iov[i].iov_len = rx.mb[i]->size;
	rx.msg[i].msg_hdr.msg_namelen = sizeof(rx.src[i]);
}

int media_relay_init(void)
{
	unsigned i;

	for (i = 0; i < RX_BURST; i++) {
		if (!rx.mb[i])
			rx.mb[i] = mbuf_alloc(RX_SIZE);
		if (!rx.mb[i])
			return ENOMEM;
		rx.msg[i].msg_hdr.msg_name = &rx.src[i];
		rx.msg[i].msg_hdr.msg_iov = &rx.iov[i];
		rx.msg[i].msg_hdr.msg_iovlen = 1;
		rx_prepare(i);
	}
	return 0;
}

void media_relay_close(void)
{
	unsigned i;

	for (i = 0; i < RX_BURST; i++)
		rx.mb[i] = mem_deref(rx.mb[i]);
}

/* ---- sockets (bound on the SIP thread) ------------------------------- */

static void stream_destructor(void *arg)
{
	struct media_stream *ms = arg;

	if (ms->wr) { /* its udp_sock owns the one socket (webrtc.c) */
		ms->wr = mem_deref(ms->wr);
		ms->fd = -1;
	}
	if (ms->polled && ms->fd_rtcp >= 0) { /* media thread: rule 3 */
		fd_close(ms->fd);
		fd_close(ms->fd_rtcp);
	}
	if (ms->fd >= 0)
		(void)close(ms->fd);
	if (ms->fd_rtcp >= 0)
		(void)close(ms->fd_rtcp);
	mem_deref(ms->srtp_tx);
	mem_deref(ms->srtp_rx);
}

static int udp_bind(int *fdp, const struct sa *a)
{
	int fd = socket(sa_af(a), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			IPPROTO_UDP);

	if (fd < 0)
		return errno;
	if (bind(fd, &a->u.sa, a->len) < 0) {
		int err = errno;
		(void)close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}

int media_stream_alloc(struct media_stream **msp, const struct sa *ip,
		       uint16_t pmin, uint16_t pmax)
{
	unsigned span = (unsigned)(pmax - pmin) / 2;
	struct media_stream *ms;
	unsigned tries;
	int err = EADDRINUSE;

	ms = mem_zalloc(sizeof(*ms), stream_destructor);
	if (!ms)
		return ENOMEM;
	ms->fd = ms->fd_rtcp = -1;
	for (tries = 0; tries < 64; tries++) {
		uint16_t port = (uint16_t)(pmin + 2 * (rand_u32() % span));
		struct sa a = *ip;

		sa_set_port(&a, port);
		err = udp_bind(&ms->fd, &a);
		if (err == EMFILE || err == ENFILE || err == ENOMEM)
			break;
		if (err)
			continue;
		sa_set_port(&a, port + 1);
		err = udp_bind(&ms->fd_rtcp, &a);
		if (err) {
			(void)close(ms->fd);
			ms->fd = -1;
			if (err == EMFILE || err == ENFILE || err == ENOMEM)
				break;
			continue;
		}
		ms->port = port;
		break;
	}
	if (err) {
		mem_deref(ms);
		return err;
	}
	atomic_init(&ms->last_rx, tmr_jiffies());
	/* random starts (RFC 3550 5.1) as if a packet had been sent */
	ms->ssrc = rand_u32();
	ms->seq = (uint16_t)rand_u32();
	ms->ts = rand_u32();
	ms->tx_src = TX_NONE;
	ms->cfg.tx_tev_pt = -1;
	*msp = ms;
	return 0;
}

/* ---- latching -------------------------------------------------------- */

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

static void refuse(struct media_stream *ms)
{
	media_ctr_inc(&ms->hijack);
	media_ctr_inc(&media_count.refused);
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
 * A new negotiation (CMD_CFG) clears the latch.  The payload type (and
 * for SRTP the authentication tag) was checked by the caller.
 */
enum { RELATCH_QUIET_MS = 250 };

static bool latch(struct media_stream *ms, const struct sa *src, uint32_t ssrc,
		  uint64_t now)
{
	const struct sa *sdp = &ms->cfg.sdp_raddr;

	if (ms->latched && sa_cmp(src, &ms->raddr, SA_ALL)) {
		ms->ssrc_rx = ssrc;
		return true;
	}
	if (sa_cmp(src, sdp, SA_ALL))
		goto take;
	if (!ms->latched) {
		if (is_private(sdp) && (!sa_isset(&ms->sig_ip, SA_ADDR) ||
					sa_cmp(src, &ms->sig_ip, SA_ADDR)))
			goto take;
		if (sa_cmp(src, sdp, SA_ADDR))
			goto take;
		refuse(ms);
		return false;
	}
	if (ssrc == ms->ssrc_rx &&
	    now - media_ctr_get(&ms->last_rx) >= RELATCH_QUIET_MS)
		goto take;
	refuse(ms);
	return false;

take:
	if (!ms->latched || !sa_cmp(src, &ms->raddr, SA_ALL))
		debug("media: port %u latched to %J (ssrc %08x)\n", ms->port,
		      src, ssrc);
	ms->raddr = *src;
	ms->ssrc_rx = ssrc;
	ms->latched = true;
	if (sa_isset(&ms->raddr_rtcp, SA_PORT)) {
		uint16_t port = sa_port(src) + 1;
		sa_cpy(&ms->raddr_rtcp, src);
		sa_set_port(&ms->raddr_rtcp, port);
	}
	return true;
}

/* ---- one outgoing stream per leg ------------------------------------- */

enum { TS_RATE_KHZ = 8, TS_FRAME = 160 }; /* G.711 and telephone-event */

/*
 * seq and timestamp of the first packet of a new talkspurt on ms: the
 * next sequence number, and the last timestamp moved on by the time
 * since it was sent (one frame at least, so that the new packet never
 * overlaps the last one).
 */
static void tx_next(const struct media_stream *ms, uint64_t now, uint16_t *seq,
		    uint32_t *ts)
{
	uint64_t gap = 0;

	if (ms->tx_at && now > ms->tx_at)
		gap = (now - ms->tx_at) * TS_RATE_KHZ;
	*seq = (uint16_t)(ms->seq + 1);
	*ts = ms->ts + (uint32_t)(gap > TS_FRAME ? gap : TS_FRAME);
}

/* the relay starts feeding ms with the peer's stream ssrc, whose packet
 * (seq, ts) is the first to go */
static void relay_rebase(struct media_stream *ms, uint32_t ssrc, uint16_t seq,
			 uint32_t ts, uint64_t now)
{
	uint16_t nseq;
	uint32_t nts;

	tx_next(ms, now, &nseq, &nts);
	ms->seq_off = (uint16_t)(nseq - seq);
	ms->ts_off = nts - ts;
	ms->src_ssrc = ssrc;
	ms->tx_src = TX_RELAY;
}

/* a packet meant for ms is not sent (hold, no address, no payload type
 * for it): what follows is a new talkspurt, not a loss */
static void relay_skip(struct media_stream *ms)
{
	if (ms && ms->tx_src == TX_RELAY)
		ms->tx_src = TX_NONE;
}

/* ---- the relay ------------------------------------------------------- */

/*
 * recvmmsg() and sendto() without glibc's wrappers: they are cancellation
 * points, and once the process has a second thread each call switches
 * asynchronous cancellation on and off around the system call, about 110
 * instructions per relayed packet (bench/RESULTS.md, test 4).  The media
 * thread is never cancelled, so it makes the system calls directly.
 */
static int send_to(int fd, const struct sa *dst, struct mbuf *mb)
{
	if (syscall(SYS_sendto, fd, mbuf_buf(mb), mbuf_get_left(mb), 0,
		    &dst->u.sa, dst->len) < 0)
		return errno;
	return 0;
}

enum { RX_SEQ_JUMP = 3000 }; /* RFC 3550 A.1's MAX_DROPOUT */

/*
 * Packets lost on the way to us, from the sequence numbers of what ms
 * receives: when the highest sequence number moves on by d, the d - 1
 * between are missing.  Like RFC 3550's "cumulative number of packets
 * lost" but kept as a counter that only grows: a packet that arrives
 * late (reordered) is not taken back, and a jump of more than
 * RX_SEQ_JUMP (the sender restarted) or a new SSRC starts counting
 * afresh.  A compare and an add per packet.
 */
static void rx_seq(struct media_stream *ms, uint32_t ssrc, uint16_t seq)
{
	int d;

	if (!ms->rx_seq_set || ssrc != ms->rx_seq_ssrc) {
		ms->rx_seq_set = true;
		ms->rx_seq_ssrc = ssrc;
		ms->rx_seq = seq;
		return;
	}
	d = (uint16_t)(seq - ms->rx_seq);
	if (d == 0 || d >= 0x8000) /* a duplicate or a late one */
		return;
	if (d > 1 && d <= RX_SEQ_JUMP)
		media_ctr_add(&media_count.lost, d - 1);
	ms->rx_seq = seq;
}

void media_rtp_recv(struct media_stream *ms, const struct sa *src,
		    struct mbuf *mb)
{
	struct media_stream *peer = ms->peer;
	size_t len = mbuf_get_left(mb), hlen;
	uint8_t *p = mbuf_buf(mb);
	uint8_t kind, pt;
	uint32_t ssrc, ts;
	uint16_t seq;
	uint64_t now;

	if (len < RTP_HEADER_SIZE || (p[0] >> 6) != 2)
		return;
	pt = p[1] & 0x7f;
	kind = ms->cfg.rxmap[pt];
	if (kind == PT_UNKNOWN)
		return;
	ssrc = ((uint32_t)p[8] << 24) | ((uint32_t)p[9] << 16) |
	       ((uint32_t)p[10] << 8) | p[11];
	/* SRTP: only authentic packets count, for latching too */
	if (ms->srtp_rx) {
		if (srtp_decrypt(ms->srtp_rx, mb)) {
			if (!sa_cmp(src, &ms->raddr, SA_ALL))
				refuse(ms);
			return;
		}
		len = mbuf_get_left(mb);
	}
	now = tmr_jiffies();
	if (!(ms->latched && ssrc == ms->ssrc_rx &&
	      sa_cmp(src, &ms->raddr, SA_ALL)) &&
	    !latch(ms, src, ssrc, now))
		return;
	atomic_store_explicit(&ms->last_rx, now, memory_order_relaxed);
	media_ctr_inc(&ms->rx);
	media_ctr_inc(&media_count.rx);
	rx_seq(ms, ssrc, (uint16_t)(((unsigned)p[2] << 8) | p[3]));
	if (kind == PT_TEV) { /* a key press: reported, and relayed below */
		media_dtmf_rtp(ms, p, len, now);
	}
	else {
		if (ms->inband_on) /* key presses as tones (inband.c) */
			media_inband_rtp(ms, kind, p, len, now);
		if (ms->rec) /* the caller's voice, decoded (recorder.c) */
			media_rec_rtp(ms, kind, p, len, now);
	}

	if (!peer || peer->player || peer->cfg.rhold || ms->cfg.rhold ||
	    !sa_isset(&peer->raddr, SA_ALL)) {
		relay_skip(peer);
		return;
	}

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
		if (peer->cfg.tx_codec == CODEC_PCMA && kind == PT_ULAW)
			convert(p + hlen, len - hlen, media_u2a);
		else if (peer->cfg.tx_codec == CODEC_PCMU && kind == PT_ALAW)
			convert(p + hlen, len - hlen, media_a2u);
		p[1] = (uint8_t)((p[1] & 0x80) | peer->cfg.tx_pt);
		break;

	case PT_TEV:
		if (peer->cfg.tx_tev_pt < 0) {
			relay_skip(peer);
			return;
		}
		p[1] = (uint8_t)((p[1] & 0x80) | peer->cfg.tx_tev_pt);
		break;
	}

	/* into the peer leg's own stream (top of this file) */
	seq = (uint16_t)(((unsigned)p[2] << 8) | p[3]);
	ts = ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) |
	     ((uint32_t)p[6] << 8) | p[7];
	if (peer->tx_src != TX_RELAY || ssrc != peer->src_ssrc) {
		relay_rebase(peer, ssrc, seq, ts, now);
		p[1] |= 0x80;
	}
	seq = (uint16_t)(seq + peer->seq_off);
	ts += peer->ts_off;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	p[8] = (uint8_t)(peer->ssrc >> 24);
	p[9] = (uint8_t)(peer->ssrc >> 16);
	p[10] = (uint8_t)(peer->ssrc >> 8);
	p[11] = (uint8_t)peer->ssrc;
	if ((int16_t)(seq - peer->seq) > 0) {
		peer->seq = seq; /* the newest, not a late one */
		peer->ts = ts;
	}
	peer->tx_at = now;

	if (peer->srtp_tx && srtp_encrypt(peer->srtp_tx, mb))
		return;
	if (send_to(peer->fd, &peer->raddr, mb) == 0) {
		media_ctr_inc(&peer->tx);
		media_ctr_inc(&media_count.relayed);
	}
}

/*
 * Up to RX_BURST datagrams of fd, each to h, with one system call:
 * recvmmsg() returns what is queued without a second call that ends in
 * EAGAIN (system calls are most of the relay's cost; the loop is
 * level-triggered, so what is left is read on its next turn).
 */
static void read_burst(int fd, struct media_stream *ms,
		       void (*h)(struct media_stream *, const struct sa *,
				 struct mbuf *))
{
	struct sa src;
	unsigned i;
	long n;

	n = syscall(SYS_recvmmsg, fd, rx.msg, RX_BURST, MSG_DONTWAIT, NULL);
	for (i = 0; n > 0 && i < (unsigned)n; i++) {
		struct mbuf *mb = rx.mb[i];

		if (!sa_set_sa(&src, (struct sockaddr *)&rx.src[i])) {
			mb->pos = 0;
			mb->end = rx.msg[i].msg_len;
			h(ms, &src, mb); /* relays only: ms stays */
		}
		/* ready for the next call: the kernel wrote the length of
		 * the address, and SRTP may have grown the buffer */
		rx_prepare(i);
	}
}

static void rtp_fd_handler(int flags, void *arg)
{
	struct media_stream *ms = arg;

	(void)flags;
	read_burst(ms->fd, ms, media_rtp_recv);
}

static void rtcp_recv(struct media_stream *ms, const struct sa *src,
		      struct mbuf *mb)
{
	struct media_stream *peer = ms->peer;

	(void)src;
	if (!peer || peer->player || !sa_isset(&peer->raddr_rtcp, SA_ALL))
		return;
	if (ms->srtp_rx && srtcp_decrypt(ms->srtp_rx, mb))
		return;
	if (peer->srtp_tx && srtcp_encrypt(peer->srtp_tx, mb))
		return;
	(void)send_to(peer->fd_rtcp, &peer->raddr_rtcp, mb);
}

static void rtcp_fd_handler(int flags, void *arg)
{
	struct media_stream *ms = arg;

	(void)flags;
	read_burst(ms->fd_rtcp, ms, rtcp_recv);
}

/*
 * Used by the player: send one frame of n samples of 16-bit PCM at now
 * (the clock's tick).  marker: the player's first frame.  The frames of
 * one player follow each other (seq + 1, timestamp + n); the first one,
 * or the first after frames that could not be sent, starts a talkspurt
 * of the leg's stream (top of this file).
 */
int media_stream_send_pcm(struct media_stream *ms, const int16_t *pcm, size_t n,
			  bool marker, uint64_t now, struct mbuf *mb)
{
	struct rtp_header hdr;
	size_t i;
	int err;

	if (ms->cfg.rhold || !sa_isset(&ms->raddr, SA_ALL) ||
	    ms->cfg.tx_codec == CODEC_NONE) {
		if (ms->tx_src == TX_PLAYER)
			ms->tx_src = TX_NONE;
		return 0;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.ver = 2;
	hdr.pt = ms->cfg.tx_pt;
	hdr.ssrc = ms->ssrc;
	if (marker || ms->tx_src != TX_PLAYER) {
		tx_next(ms, now, &hdr.seq, &hdr.ts);
		hdr.m = true;
		ms->tx_src = TX_PLAYER;
	}
	else {
		hdr.seq = (uint16_t)(ms->seq + 1);
		hdr.ts = ms->ts + (uint32_t)n;
	}
	ms->seq = hdr.seq;
	ms->ts = hdr.ts;
	ms->tx_at = now;

	mbuf_rewind(mb);
	err = rtp_hdr_encode(mb, &hdr);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		/* librem's encoders index their tables with -32768 out of
		 * bounds: full negative scale is sent as -32767 */
		int16_t v = pcm[i] == INT16_MIN ? -INT16_MAX : pcm[i];
		uint8_t b = ms->cfg.tx_codec == CODEC_PCMU ? g711_pcm2ulaw(v)
							   : g711_pcm2alaw(v);
		err |= mbuf_write_u8(mb, b);
	}
	if (err)
		return err;
	mb->pos = 0;
	if (ms->srtp_tx) {
		err = srtp_encrypt(ms->srtp_tx, mb);
		if (err)
			return err;
	}
	err = send_to(ms->fd, &ms->raddr, mb);
	if (!err) {
		media_ctr_inc(&ms->tx);
		media_ctr_inc(&media_count.played);
	}
	return err;
}

/* ---- commands from the SIP thread ------------------------------------ */

static void unbridge(struct media_stream *ms)
{
	if (!ms->peer)
		return;
	ms->peer->peer = NULL;
	ms->peer = NULL;
}

static void stream_add(struct media_stream *ms)
{
	int err;

	if (ms->wr) { /* a browser's leg (webrtc.c) */
		err = media_webrtc_add(ms);
		if (err)
			warning("media: port %u: cannot poll its socket: %m\n",
				ms->port, err);
		return;
	}
	err = fd_listen(ms->fd, FD_READ, rtp_fd_handler, ms);
	if (!err)
		err = fd_listen(ms->fd_rtcp, FD_READ, rtcp_fd_handler, ms);
	if (err) {
		fd_close(ms->fd);
		warning("media: port %u: cannot poll its sockets: %m\n",
			ms->port, err);
		return;
	}
	ms->polled = true;
}

static void stream_cfg(struct media_stream *ms, struct media_cmd *cmd)
{
	if (ms->wr) {
		media_webrtc_cfg(ms, &cmd->cfg);
		return;
	}
	ms->cfg = cmd->cfg;
	ms->sig_ip = cmd->sig;
	ms->raddr = cmd->cfg.sdp_raddr;
	ms->raddr_rtcp = cmd->cfg.raddr_rtcp;
	ms->latched = false; /* a new offer/answer may move the phone */
	if (cmd->srtp_new) {
		mem_deref(ms->srtp_rx);
		mem_deref(ms->srtp_tx);
		ms->srtp_rx = cmd->srtp_rx;
		ms->srtp_tx = cmd->srtp_tx;
		cmd->srtp_rx = cmd->srtp_tx = NULL;
	}
}

void media_stream_cmd(struct media_cmd *cmd)
{
	struct media_stream *ms = cmd->ms;

	switch (cmd->type) {
	case CMD_ADD:
		stream_add(ms);
		break;
	case CMD_CFG:
		stream_cfg(ms, cmd);
		break;
	case CMD_SIG:
		ms->sig_ip = cmd->sig;
		break;
	case CMD_BRIDGE:
		if (ms->peer != cmd->ms2) { /* a new source for both */
			relay_skip(ms);
			relay_skip(cmd->ms2);
		}
		unbridge(ms);
		unbridge(cmd->ms2);
		ms->peer = cmd->ms2;
		cmd->ms2->peer = ms;
		break;
	case CMD_UNBRIDGE:
		unbridge(ms);
		break;
	case CMD_INBAND:
		ms->inband_on = cmd->on;
		memset(&ms->inband, 0, sizeof(ms->inband));
		break;
	case CMD_DEL:
		unbridge(ms);
		if (ms->player)
			media_player_detach(ms->player);
		if (ms->rec)
			media_rec_detach(ms->rec);
		mem_deref(ms);
		break;
	default:
		break;
	}
}
