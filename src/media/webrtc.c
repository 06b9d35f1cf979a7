/*
 * webrtc.c - a browser's media leg: WebRTC terminated by us (media.h).
 *
 * One UDP socket per leg from the RTP range, demultiplexed by the first
 * byte of each datagram (RFC 7983):
 *     0..3     STUN: the browser's ICE checks; we are ICE-lite and only
 *              answer (stun_reply with MESSAGE-INTEGRITY and FINGERPRINT)
 *              a Binding request whose USERNAME starts with our ufrag and
 *              whose integrity is right with our ice-pwd
 *    20..63    DTLS: libre's dtls_sock; a handshake is accepted only from
 *              an address that passed a check (no cookie exchange in
 *              libre 1.1.0: an unchecked address could make us send to
 *              a victim), and kept only if the browser's certificate
 *              has the fingerprint of its offer (libre trusts any)
 *   128..191   RTP and, rtcp-mux, RTCP (second byte 192..223)
 * Chromium sends its ClientHello as soon as one check succeeded, before
 * the check with USE-CANDIDATE, so a checked address is enough.
 *
 * The socket is a libre udp_sock (it carries libre's STUN and DTLS
 * helpers): bound on the SIP thread (its port goes into the answer),
 * detached from that thread's loop at once and attached to the media
 * thread's loop at CMD_ADD (thread.c rule 3).  DTLS, its timers and the
 * SRTP contexts live in the media thread.  Once DTLS is up the browser's
 * address is the stream's latched address and SRTP keys are in place:
 * from then on relay.c treats the stream like any SRTP leg.
 *
 * The DTLS certificate is one per process (RSA 2048, made at the first
 * browser leg; libre's tls_set_selfsigned() fails on OpenSSL 3).
 */
#include <string.h>
#include <strings.h>
#include <stdatomic.h>
#include <unistd.h>
#include <re.h>
#include "core/core.h"
#include "media/media.h"
#include "media/media_int.h"

enum {
	CONSENT_TICK_MS = 1000,
	STUN_LAYER = 10,
	DTLS_LAYER = 0,
};

static struct tls *dtls_tls; /* (owned) made on the SIP thread */
static _Atomic uint32_t consent_ms = MEDIA_CONSENT_MS;

void media_webrtc_set_consent_ms(uint32_t ms)
{
	atomic_store(&consent_ms, ms ? ms : MEDIA_CONSENT_MS);
}
static uint8_t dtls_fp[MEDIA_FP_LEN]; /* its SHA-256 fingerprint        */

int media_webrtc_fingerprint(uint8_t fp[MEDIA_FP_LEN])
{
	int err;

	if (!dtls_tls) {
		struct tls *t = NULL;

		err = tls_alloc(&t, TLS_METHOD_DTLS, NULL, NULL);
		if (!err)
			err = tls_set_selfsigned_rsa(t, "switchboard", 2048);
		if (!err) {
			tls_set_verify_client(t); /* we want its certificate */
			err = tls_set_srtp(t, "SRTP_AEAD_AES_128_GCM:"
					      "SRTP_AES128_CM_SHA1_80");
		}
		if (!err)
			err = tls_fingerprint(t, TLS_FINGERPRINT_SHA256,
					      dtls_fp, sizeof(dtls_fp));
		if (err) {
			mem_deref(t);
			warning("media: no DTLS certificate: %m\n", err);
			return err;
		}
		dtls_tls = t;
	}
	memcpy(fp, dtls_fp, MEDIA_FP_LEN);
	return 0;
}

void media_webrtc_close(void)
{
	dtls_tls = mem_deref(dtls_tls);
}

/* ---- pure helpers ---------------------------------------------------- */

int media_webrtc_fp_parse(const char *s, uint8_t fp[MEDIA_FP_LEN])
{
	size_t i;

	if (!s || !fp || strncasecmp(s, "sha-256 ", 8))
		return EINVAL;
	s += 8;
	while (*s == ' ')
		s++;
	for (i = 0; i < MEDIA_FP_LEN; i++) {
		int h = hexdigit(s[0]), l = h < 0 ? -1 : hexdigit(s[1]);

		if (h < 0 || l < 0)
			return EINVAL;
		fp[i] = (uint8_t)(h << 4 | l);
		s += 2;
		if (i + 1 < MEDIA_FP_LEN && *s++ != ':')
			return EINVAL;
	}
	while (*s == ' ' || *s == '\r' || *s == '\n')
		s++;
	return *s ? EINVAL : 0;
}

int media_webrtc_stun_check(const char *ufrag, const char *pwd, struct mbuf *mb,
			    struct stun_msg **msgp)
{
	struct stun_msg *msg = NULL;
	const struct stun_attr *user;
	size_t n = strlen(ufrag);
	int err;

	if (!ufrag || !pwd || !mb || !msgp)
		return EINVAL;
	if (stun_msg_decode(&msg, mb, NULL))
		return EBADMSG;
	if (stun_msg_method(msg) != STUN_METHOD_BINDING ||
	    stun_msg_class(msg) != STUN_CLASS_REQUEST) {
		err = EBADMSG;
		goto out;
	}
	user = stun_msg_attr(msg, STUN_ATTR_USERNAME);
	if (!user || strlen(user->v.username) <= n ||
	    strncmp(user->v.username, ufrag, n) || user->v.username[n] != ':') {
		err = EACCES;
		goto out;
	}
	if (stun_msg_chk_mi(msg, (const uint8_t *)pwd, strlen(pwd)) ||
	    stun_msg_chk_fingerprint(msg)) {
		err = EACCES;
		goto out;
	}
	*msgp = msg;
	return 0;
out:
	mem_deref(msg);
	return err;
}

bool media_webrtc_dtls_allowed(const struct media_webrtc *wr,
			       const struct sa *src)
{
	unsigned i;

	if (!wr || !src || wr->gone)
		return false;
	for (i = 0; i < wr->checkedc && i < MEDIA_WR_CHECKED; i++)
		if (sa_cmp(src, &wr->checked[i], SA_ALL))
			return true;
	return false;
}

bool media_webrtc_fp_ok(const struct media_webrtc *wr,
			const uint8_t peer[MEDIA_FP_LEN])
{
	return wr && peer && wr->rfp_set &&
	       !memcmp(wr->rfp, peer, MEDIA_FP_LEN);
}

/* ---- the media thread ------------------------------------------------ */

static void wr_destructor(void *arg)
{
	struct media_webrtc *wr = arg;

	tmr_cancel(&wr->tmr);
	tmr_cancel(&wr->tmr_drop);
	wr->tc = mem_deref(wr->tc);
	wr->ds = mem_deref(wr->ds);
	wr->uh = mem_deref(wr->uh);
	wr->us = mem_deref(wr->us);
}

static void checked_add(struct media_webrtc *wr, const struct sa *src)
{
	if (media_webrtc_dtls_allowed(wr, src))
		return;
	/* the newest replaces the oldest */
	wr->checked[wr->checkedc % MEDIA_WR_CHECKED] = *src;
	wr->checkedc++;
}

static bool stun_h(struct sa *src, struct mbuf *mb, void *arg)
{
	struct media_webrtc *wr = arg;
	struct stun_msg *msg = NULL;
	int err;

	if (!mbuf_get_left(mb) || mbuf_buf(mb)[0] > 3)
		return false;
	err = media_webrtc_stun_check(wr->ufrag, wr->pwd, mb, &msg);
	if (err) {
		media_ctr_inc(&wr->stun_bad);
		return true;
	}
	if (wr->gone) {
		mem_deref(msg);
		return true;
	}
	err = stun_reply(IPPROTO_UDP, wr->us, src, 0, msg,
			 (const uint8_t *)wr->pwd, strlen(wr->pwd), true, 1,
			 STUN_ATTR_XOR_MAPPED_ADDR, src);
	mem_deref(msg);
	if (err)
		return true;
	media_ctr_inc(&wr->stun_ok);
	checked_add(wr, src);
	wr->stun_at = tmr_jiffies();
	return true;
}

/* the end of the browser's transport: nothing more is sent */
static void wr_stop(struct media_webrtc *wr, enum media_webrtc_ev why)
{
	struct media_stream *ms = wr->ms;

	if (wr->gone)
		return;
	wr->gone = true;
	wr->up = false;
	sa_init(&ms->raddr, AF_UNSPEC);
	ms->latched = false;
	tmr_cancel(&wr->tmr);
	(void)media_ev_push_webrtc(ms->leg_id, why);
}

static void drop_h(void *arg)
{
	struct media_webrtc *wr = arg;

	wr->tc = mem_deref(wr->tc);
}

static size_t key_len(enum srtp_suite suite)
{
	switch (suite) {
	case SRTP_AES_CM_128_HMAC_SHA1_32:
	case SRTP_AES_CM_128_HMAC_SHA1_80:
		return 30;
	case SRTP_AES_128_GCM:
		return 28;
	default:
		return 0;
	}
}

static void wr_estab_h(void *arg)
{
	struct media_webrtc *wr = arg;
	struct media_stream *ms = wr->ms;
	uint8_t peer[MEDIA_FP_LEN], cli[MEDIA_KEY_MAX], srv[MEDIA_KEY_MAX];
	struct srtp *rx = NULL, *tx = NULL;
	enum srtp_suite suite;
	size_t n;
	int err;

	err = tls_peer_fingerprint(wr->tc, TLS_FINGERPRINT_SHA256, peer,
				   sizeof(peer));
	if (err || !media_webrtc_fp_ok(wr, peer)) {
		warning("media: port %u: browser certificate is not the "
			"offer's: DTLS refused\n",
			ms->port);
		media_ctr_inc(&wr->dtls_refused);
		media_ctr_inc(&media_count.refused);
		tmr_start(&wr->tmr_drop, 0, drop_h, wr);
		wr_stop(wr, MEDIA_WEBRTC_REFUSED);
		return;
	}
	err = tls_srtp_keyinfo(wr->tc, &suite, cli, sizeof(cli), srv,
			       sizeof(srv));
	n = err ? 0 : key_len(suite);
	if (!n || srtp_alloc(&rx, suite, cli, n, 0) ||
	    srtp_alloc(&tx, suite, srv, n, 0)) {
		warning("media: port %u: no SRTP keys from DTLS\n", ms->port);
		mem_deref(rx);
		mem_deref(tx);
		tmr_start(&wr->tmr_drop, 0, drop_h, wr);
		wr_stop(wr, MEDIA_WEBRTC_REFUSED);
		return;
	}
	mem_deref(ms->srtp_rx);
	mem_deref(ms->srtp_tx);
	ms->srtp_rx = rx;
	ms->srtp_tx = tx;
	ms->raddr = *dtls_peer(wr->tc);
	ms->latched = true;
	ms->ssrc_rx = 0;
	wr->up = true;
	info("media: port %u: browser %J: DTLS up (%s, %s)\n", ms->port,
	     &ms->raddr, tls_cipher_name(wr->tc), srtp_suite_name(suite));
	(void)media_ev_push_webrtc(ms->leg_id, MEDIA_WEBRTC_UP);
}

static void wr_recv_h(struct mbuf *mb, void *arg)
{
	(void)mb; /* no data channel */
	(void)arg;
}

static void wr_close_h(int err, void *arg)
{
	struct media_webrtc *wr = arg;

	debug("media: port %u: DTLS closed: %m\n", wr->ms->port, err);
	tmr_start(&wr->tmr_drop, 0, drop_h, wr);
	wr_stop(wr, MEDIA_WEBRTC_CLOSED);
}

static void wr_conn_h(const struct sa *peer, void *arg)
{
	struct media_webrtc *wr = arg;
	int err;

	if (wr->tc || !media_webrtc_dtls_allowed(wr, peer)) {
		if (!wr->tc) {
			debug("media: port %u: DTLS from %J refused: no "
			      "STUN check from there\n",
			      wr->ms->port, peer);
			media_ctr_inc(&wr->dtls_refused);
			media_ctr_inc(&media_count.refused);
		}
		return;
	}
	err = dtls_accept(&wr->tc, dtls_tls, wr->ds, wr_estab_h, wr_recv_h,
			  wr_close_h, wr);
	if (err)
		warning("media: port %u: DTLS accept: %m\n", wr->ms->port, err);
}

/* RTP and RTCP: what neither helper took */
static void wr_udp_h(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct media_webrtc *wr = arg;
	const uint8_t *p = mbuf_buf(mb);
	size_t n = mbuf_get_left(mb);

	if (!wr->up || n < 2 || p[0] < 128 || p[0] > 191)
		return;
	if (p[1] >= 192 && p[1] <= 223) { /* RTCP, rtcp-mux: not relayed */
		return;
	}
	media_rtp_recv(wr->ms, src, mb);
}

static void consent_h(void *arg)
{
	struct media_webrtc *wr = arg;
	uint64_t now = tmr_jiffies();
	uint32_t limit = atomic_load(&consent_ms);

	if (wr->up && now - wr->stun_at >= limit) {
		info("media: port %u: no STUN check for %u ms: consent "
		     "lost\n",
		     wr->ms->port, (unsigned)limit);
		wr_stop(wr, MEDIA_WEBRTC_CONSENT_LOST);
		return;
	}
	/* an offer whose DTLS never comes up holds its port no longer than
	 * a quiet browser would (a page placing calls it never connects
	 * must not use up the media ports) */
	if (!wr->up && wr->cfg_at && now - wr->cfg_at >= limit) {
		info("media: port %u: not up %u ms after the offer: given "
		     "up\n",
		     wr->ms->port, (unsigned)limit);
		wr_stop(wr, MEDIA_WEBRTC_CONSENT_LOST);
		return;
	}
	tmr_start(&wr->tmr, CONSENT_TICK_MS, consent_h, wr);
}

int media_webrtc_add(struct media_stream *ms)
{
	struct media_webrtc *wr = ms->wr;
	int err;

	err = udp_thread_attach(wr->us);
	if (!err)
		err = udp_register_helper(&wr->uh, wr->us, STUN_LAYER, NULL,
					  stun_h, wr);
	if (!err)
		err = dtls_listen(&wr->ds, NULL, wr->us, 4, DTLS_LAYER,
				  wr_conn_h, wr);
	if (err)
		return err;
	udp_handler_set(wr->us, wr_udp_h, wr);
	tmr_start(&wr->tmr, CONSENT_TICK_MS, consent_h, wr);
	return 0;
}

void media_webrtc_cfg(struct media_stream *ms, const struct media_cfg *cfg)
{
	struct media_webrtc *wr = ms->wr;

	/* codecs and payload types as negotiated; the transport (address,
	 * latch, keys) stays what DTLS made it */
	ms->cfg = *cfg;
	if (cfg->rfp_set && !wr->up) {
		memcpy(wr->rfp, cfg->rfp, MEDIA_FP_LEN);
		if (!wr->rfp_set)
			wr->cfg_at = tmr_jiffies();
		wr->rfp_set = true;
	}
}

/* ---- the SIP thread -------------------------------------------------- */

static void nop_recv_h(const struct sa *src, struct mbuf *mb, void *arg)
{
	(void)src;
	(void)mb;
	(void)arg;
}

static void rand_chars(char *buf, size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t i;

	for (i = 0; i + 1 < n; i++)
		buf[i] = set[rand_u32() % (sizeof(set) - 1)];
	buf[n - 1] = '\0';
}

int media_stream_alloc_webrtc(struct media_stream **msp, const struct sa *ip,
			      uint16_t pmin, uint16_t pmax)
{
	unsigned span = (unsigned)(pmax - pmin) / 2, tries;
	struct media_stream *ms = NULL;
	struct media_webrtc *wr;
	int err = EADDRINUSE;

	/* a plain stream for its fields; its sockets are replaced */
	err = media_stream_alloc(&ms, ip, pmin, pmax);
	if (err)
		return err;
	wr = mem_zalloc(sizeof(*wr), wr_destructor);
	if (!wr) {
		mem_deref(ms);
		return ENOMEM;
	}
	tmr_init(&wr->tmr);
	tmr_init(&wr->tmr_drop);
	wr->ms = ms;
	(void)close(ms->fd); /* the pair media_stream_alloc() bound */
	(void)close(ms->fd_rtcp);
	ms->fd = ms->fd_rtcp = -1;
	rand_chars(wr->ufrag, sizeof(wr->ufrag));
	rand_chars(wr->pwd, sizeof(wr->pwd));
	ms->wr = wr;
	for (tries = 0, err = EADDRINUSE; tries < 64 && err; tries++) {
		uint16_t port = (uint16_t)(pmin + 2 * (rand_u32() % span));
		struct sa a = *ip;

		sa_set_port(&a, port);
		err = udp_listen(&wr->us, &a, nop_recv_h, wr);
		if (!err) {
			/* the media thread polls it (CMD_ADD) */
			udp_thread_detach(wr->us);
			ms->port = port;
			ms->fd = udp_sock_fd(wr->us, sa_af(ip));
		}
	}
	if (err) {
		mem_deref(ms);
		return err;
	}
	*msp = ms;
	return 0;
}

void media_webrtc_ev(const struct media_ev *ev)
{
	struct media_leg *leg = media_leg_find(ev->leg);

	if (!leg || !leg->wrh)
		return;
	leg->wrh((enum media_webrtc_ev)ev->why, leg->wr_arg);
}
