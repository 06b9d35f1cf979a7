/*
 * media_test_webrtc.c - the rules that guard a browser's leg (webrtc.c):
 * a=fingerprint parsing, the STUN check (USERNAME "<our ufrag>:...",
 * MESSAGE-INTEGRITY with our ice-pwd, FINGERPRINT), DTLS only from an
 * address that passed a check, and the browser's certificate compared
 * with its offer's fingerprint.  test_media_webrtc_leg then does it on a
 * real leg: our answer carries what Chromium requires (ice-lite,
 * setup:passive, rtcp-mux, fingerprint, a host candidate), a check with
 * the right password is answered with XOR-MAPPED-ADDRESS, a wrong one is
 * not, and a DTLS ClientHello from an address that never passed a check
 * is refused.
 */
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <re.h>
#include "core/core.h"
#include "media/media.h"
#include "media/media_int.h"
#include "test.h"

static const char FP[] =
    "sha-256 0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:"
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

/* a Binding request as Chromium sends it: USERNAME, MI, FINGERPRINT */
static struct mbuf *binding(const char *user, const char *pwd, uint16_t cls)
{
	struct mbuf *mb = mbuf_alloc(256);
	uint8_t tid[STUN_TID_SIZE];
	size_t i;

	for (i = 0; i < sizeof(tid); i++)
		tid[i] = (uint8_t)rand_u32();
	if (stun_msg_encode(mb, STUN_METHOD_BINDING, (uint8_t)cls, tid, NULL,
			    (const uint8_t *)pwd, strlen(pwd), true, 0x20, 1,
			    STUN_ATTR_USERNAME, user)) {
		return mem_deref(mb);
	}
	mb->pos = 0;
	return mb;
}

static int check(const char *user, const char *pwd, uint16_t cls)
{
	struct mbuf *mb = binding(user, pwd, cls);
	struct stun_msg *msg = NULL;
	int r;

	if (!mb)
		return ENOMEM;
	r = media_webrtc_stun_check("uFr4g", "the-right-password-24ch", mb,
				    &msg);
	mem_deref(msg);
	mem_deref(mb);
	return r;
}

int test_media_webrtc_rules(void)
{
	uint8_t fp[MEDIA_FP_LEN], other[MEDIA_FP_LEN];
	struct media_webrtc wr;
	struct sa a, b;
	int err = 0;

	/* a=fingerprint */
	TEST_EQ_INT(media_webrtc_fp_parse(FP, fp), 0);
	TEST_EQ_INT(fp[0], 0x0a);
	TEST_EQ_INT(fp[31], 0xff);
	TEST_EQ_INT(media_webrtc_fp_parse("SHA-256 0A:1B:2C:3D:4E:5F:60:71:82:"
					  "93:A4:B5:C6:D7:E8:F9:00:11:22:33:"
					  "44:55:66:77:88:99:AA:BB:CC:DD:EE:"
					  "FF",
					  other),
		    0);
	TEST_EQ_INT(media_webrtc_fp_parse("sha-1 0A:1B", fp), EINVAL);
	TEST_EQ_INT(media_webrtc_fp_parse("sha-256 0A:1B:2C", fp), EINVAL);
	TEST_EQ_INT(media_webrtc_fp_parse("sha-256 0G:1B:2C:3D:4E:5F:60:71:82:"
					  "93:A4:B5:C6:D7:E8:F9:00:11:22:33:"
					  "44:55:66:77:88:99:AA:BB:CC:DD:EE:"
					  "FF",
					  other),
		    EINVAL);
	TEST_EQ_INT(media_webrtc_fp_parse(NULL, fp), EINVAL);

	/* STUN: our ufrag first, our password's integrity, a request */
	TEST_EQ_INT(check("uFr4g:browser", "the-right-password-24ch",
			  STUN_CLASS_REQUEST),
		    0);
	TEST_EQ_INT(check("uFr4g:browser", "a-wrong-password-of-24ch",
			  STUN_CLASS_REQUEST),
		    EACCES);
	TEST_EQ_INT(check("other:browser", "the-right-password-24ch",
			  STUN_CLASS_REQUEST),
		    EACCES);
	TEST_EQ_INT(check("uFr4gX:browser", "the-right-password-24ch",
			  STUN_CLASS_REQUEST),
		    EACCES);
	TEST_EQ_INT(
	    check("uFr4g", "the-right-password-24ch", STUN_CLASS_REQUEST),
	    EACCES);
	TEST_EQ_INT(check("uFr4g:browser", "the-right-password-24ch",
			  STUN_CLASS_INDICATION),
		    EBADMSG);

	/* DTLS only from a checked address */
	memset(&wr, 0, sizeof(wr));
	sa_set_str(&a, "127.0.0.1", 40000);
	sa_set_str(&b, "127.0.0.1", 40001);
	TEST_ASSERT(!media_webrtc_dtls_allowed(&wr, &a));
	wr.checked[0] = a;
	wr.checkedc = 1;
	TEST_ASSERT(media_webrtc_dtls_allowed(&wr, &a));
	TEST_ASSERT(!media_webrtc_dtls_allowed(&wr, &b));
	wr.gone = true;
	TEST_ASSERT(!media_webrtc_dtls_allowed(&wr, &a));

	/* the certificate must be the offer's */
	TEST_ASSERT(!media_webrtc_fp_ok(&wr, fp)); /* none offered */
	memcpy(wr.rfp, fp, sizeof(fp));
	wr.rfp_set = true;
	TEST_ASSERT(media_webrtc_fp_ok(&wr, fp));
	fp[17] ^= 1;
	TEST_ASSERT(!media_webrtc_fp_ok(&wr, fp));
out:
	return err;
}

/* a browser's offer as Chromium writes it (shortened) */
static const char OFFER[] =
    "v=0\r\n"
    "o=- 1 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 126\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:brws\r\n"
    "a=ice-pwd:browserpasswordbrowserpw\r\n"
    "a=fingerprint:sha-256 0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:"
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=sendrecv\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n";

static int udp_open(struct sa *local)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = {1, 0};

	sa_set_str(local, "127.0.0.1", 0);
	if (fd < 0 || bind(fd, &local->u.sa, local->len) ||
	    getsockname(fd, &local->u.sa, &local->len)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static bool attr(const char *sdp, const char *line)
{
	return strstr(sdp, line) != NULL;
}

int test_media_webrtc_leg(void)
{
	struct media_leg *leg = NULL;
	struct mbuf *offer = NULL, *ans = NULL, *req = NULL, *rmb = NULL;
	struct stun_msg *resp = NULL;
	char *sdp = NULL, ufrag[16] = "", pwd[32] = "", user[40];
	uint64_t ok = 0, bad = 0, refused = 0;
	struct sa local, to;
	uint8_t buf[512];
	const char *p;
	ssize_t n;
	int fd = -1, fd2 = -1;
	int err = 0;

	TEST_EQ_INT(media_init("127.0.0.1", 41000, 41999), 0);
	TEST_EQ_INT(media_leg_alloc_webrtc(&leg, NULL, NULL), 0);
	offer = mbuf_alloc(sizeof(OFFER));
	TEST_ASSERT(offer);
	mbuf_write_str(offer, OFFER);
	offer->pos = 0;
	TEST_EQ_INT(media_leg_decode(leg, offer, true), 0);
	TEST_EQ_INT(media_leg_codec(leg), CODEC_PCMU);
	TEST_EQ_INT(media_leg_encode(leg, &ans, false), 0);
	ans->pos = 0;
	TEST_EQ_INT(mbuf_strdup(ans, &sdp, mbuf_get_left(ans)), 0);
	TEST_ASSERT(attr(sdp, "m=audio "));
	TEST_ASSERT(attr(sdp, " UDP/TLS/RTP/SAVPF 0 8 126\r\n"));
	TEST_ASSERT(attr(sdp, "a=ice-lite\r\n"));
	TEST_ASSERT(attr(sdp, "a=setup:passive\r\n"));
	TEST_ASSERT(attr(sdp, "a=rtcp-mux\r\n"));
	TEST_ASSERT(attr(sdp, "a=mid:0\r\n"));
	TEST_ASSERT(attr(sdp, "a=fingerprint:sha-256 "));
	TEST_ASSERT(attr(sdp, " typ host\r\n"));
	p = strstr(sdp, "a=ice-ufrag:");
	TEST_ASSERT(p && sscanf(p, "a=ice-ufrag:%15s", ufrag) == 1);
	p = strstr(sdp, "a=ice-pwd:");
	TEST_ASSERT(p && sscanf(p, "a=ice-pwd:%31s", pwd) == 1);

	/* a check with our password is answered */
	fd = udp_open(&local);
	TEST_ASSERT(fd >= 0);
	sa_set_str(&to, "127.0.0.1", media_leg_port(leg));
	re_snprintf(user, sizeof(user), "%s:brws", ufrag);
	req = binding(user, pwd, STUN_CLASS_REQUEST);
	TEST_ASSERT(req);
	TEST_ASSERT(sendto(fd, mbuf_buf(req), mbuf_get_left(req), 0, &to.u.sa,
			   to.len) > 0);
	n = recv(fd, buf, sizeof(buf), 0);
	TEST_ASSERT(n > 20);
	rmb = mbuf_alloc((size_t)n);
	TEST_ASSERT(rmb);
	mbuf_write_mem(rmb, buf, (size_t)n);
	rmb->pos = 0;
	{
		TEST_EQ_INT(stun_msg_decode(&resp, rmb, NULL), 0);
		TEST_EQ_INT(stun_msg_class(resp), STUN_CLASS_SUCCESS_RESP);
		TEST_ASSERT(stun_msg_attr(resp, STUN_ATTR_XOR_MAPPED_ADDR));
		TEST_EQ_INT(
		    stun_msg_chk_mi(resp, (const uint8_t *)pwd, strlen(pwd)),
		    0);
	}
	/* a wrong password gets nothing */
	mem_deref(req);
	req = binding(user, "not-the-password-at-all", STUN_CLASS_REQUEST);
	TEST_ASSERT(req);
	TEST_ASSERT(sendto(fd, mbuf_buf(req), mbuf_get_left(req), 0, &to.u.sa,
			   to.len) > 0);
	TEST_ASSERT(recv(fd, buf, sizeof(buf), 0) < 0);

	/* DTLS from an address that never passed a check: refused */
	fd2 = udp_open(&local);
	TEST_ASSERT(fd2 >= 0);
	memset(buf, 0, 64);
	buf[0] = 22;   /* handshake */
	buf[1] = 0xfe; /* DTLS 1.2 */
	buf[2] = 0xfd;
	TEST_ASSERT(sendto(fd2, buf, 64, 0, &to.u.sa, to.len) > 0);
	usleep(200000);
	media_sync();
	media_leg_webrtc_stats(leg, &ok, &bad, &refused);
	TEST_EQ_INT(ok, 1);
	TEST_EQ_INT(bad, 1);
	TEST_EQ_INT(refused, 1);
out:
	if (fd >= 0)
		close(fd);
	if (fd2 >= 0)
		close(fd2);
	mem_deref(resp);
	mem_deref(rmb);
	mem_deref(req);
	mem_deref(sdp);
	mem_deref(ans);
	mem_deref(offer);
	mem_deref(leg);
	media_close();
	return err;
}

/*
 * test_media_webrtc_dtls: this thread plays the browser with libre's own
 * DTLS client.  Leg 1 is offered the client's real fingerprint: after a
 * STUN check the handshake completes and the leg reports "up"; checks
 * every 250 ms keep its consent, and once they stop it reports "consent
 * lost" (consent time 1 s here).  Leg 2 is offered another fingerprint:
 * the same handshake is refused ("refused").
 */
struct wr_browser {
	struct udp_sock *us; /* the browser's socket */
	struct dtls_sock *ds;
	struct tls_conn *tc;
	struct tls *tls;
	struct media_leg *leg;
	struct sa to; /* the leg's address */
	char user[48], pwd[32];
	struct tmr tmr, tmr_end;
	int evs[4];      /* events heard, by kind */
	unsigned checks; /* checks still to send (every 250 ms) */
	uint64_t up_at, lost_at;
};

static void wr_ev_h(enum media_webrtc_ev ev, void *arg)
{
	struct wr_browser *b = arg;

	if ((unsigned)ev < 4)
		b->evs[ev]++;
	if (ev == MEDIA_WEBRTC_UP)
		b->up_at = tmr_jiffies();
	if (ev == MEDIA_WEBRTC_CONSENT_LOST) {
		b->lost_at = tmr_jiffies();
		re_cancel();
	}
	if (ev == MEDIA_WEBRTC_REFUSED)
		re_cancel();
}

static void send_check(struct wr_browser *b)
{
	struct mbuf *mb = binding(b->user, b->pwd, STUN_CLASS_REQUEST);

	if (mb)
		(void)udp_send(b->us, &b->to, mb);
	mem_deref(mb);
}

static void check_tick(void *arg)
{
	struct wr_browser *b = arg;

	if (!b->checks)
		return; /* the browser is gone quiet */
	b->checks--;
	send_check(b);
	tmr_start(&b->tmr, 250, check_tick, b);
}

static void b_estab(void *arg)
{
	(void)arg;
}

static void b_recv(struct mbuf *mb, void *arg)
{
	(void)mb;
	(void)arg;
}

static void b_close(int err, void *arg)
{
	(void)err;
	(void)arg;
}

static void b_udp(const struct sa *src, struct mbuf *mb, void *arg)
{
	(void)src; /* STUN answers */
	(void)mb;
	(void)arg;
}

static void end_h(void *arg)
{
	(void)arg;
	re_cancel();
}

/* offer leg b->leg the fingerprint fp, learn its credentials */
static int wr_offer(struct wr_browser *b, const char *fp)
{
	char offer[2048], *sdp = NULL, ufrag[16] = "";
	struct mbuf *mb = NULL, *ans = NULL;
	const char *p;
	int err;

	re_snprintf(offer, sizeof(offer),
		    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
		    "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n"
		    "a=ice-ufrag:brws\r\na=ice-pwd:browserpasswordbrowserpw\r\n"
		    "a=fingerprint:%s\r\na=setup:actpass\r\na=mid:0\r\n"
		    "a=sendrecv\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n",
		    fp);
	mb = mbuf_alloc(strlen(offer));
	if (!mb)
		return ENOMEM;
	mbuf_write_str(mb, offer);
	mb->pos = 0;
	err = media_leg_decode(b->leg, mb, true);
	if (!err)
		err = media_leg_encode(b->leg, &ans, false);
	if (!err) {
		ans->pos = 0;
		err = mbuf_strdup(ans, &sdp, mbuf_get_left(ans));
	}
	if (!err) {
		p = strstr(sdp, "a=ice-ufrag:");
		if (!p || sscanf(p, "a=ice-ufrag:%15s", ufrag) != 1)
			err = EPROTO;
		p = strstr(sdp, "a=ice-pwd:");
		if (!p || sscanf(p, "a=ice-pwd:%31s", b->pwd) != 1)
			err = EPROTO;
		re_snprintf(b->user, sizeof(b->user), "%s:brws", ufrag);
		sa_set_str(&b->to, "127.0.0.1", media_leg_port(b->leg));
	}
	mem_deref(sdp);
	mem_deref(ans);
	mem_deref(mb);
	return err;
}

static int wr_run(struct wr_browser *b, unsigned checks, uint32_t ms)
{
	int err;

	b->checks = checks;
	send_check(b);
	usleep(100000); /* the check answered before the ClientHello */
	err = dtls_connect(&b->tc, b->tls, b->ds, &b->to, b_estab, b_recv,
			   b_close, b);
	if (err)
		return err;
	tmr_start(&b->tmr, 250, check_tick, b);
	tmr_start(&b->tmr_end, ms, end_h, NULL);
	re_main(NULL);
	tmr_cancel(&b->tmr);
	tmr_cancel(&b->tmr_end);
	return 0;
}

static void wr_browser_close(struct wr_browser *b)
{
	tmr_cancel(&b->tmr);
	tmr_cancel(&b->tmr_end);
	b->tc = mem_deref(b->tc);
	b->ds = mem_deref(b->ds);
	b->us = mem_deref(b->us);
	b->leg = mem_deref(b->leg);
}

int test_media_webrtc_dtls(void)
{
	struct wr_browser b;
	struct tls *tls = NULL;
	uint8_t md[32];
	char fp[128];
	struct sa local;
	size_t i, n;
	int err = 0;

	memset(&b, 0, sizeof(b));
	tmr_init(&b.tmr);
	tmr_init(&b.tmr_end);
	TEST_EQ_INT(media_init("127.0.0.1", 41000, 41999), 0);
	media_webrtc_set_consent_ms(1000);
	TEST_EQ_INT(tls_alloc(&tls, TLS_METHOD_DTLS, NULL, NULL), 0);
	TEST_EQ_INT(tls_set_selfsigned_rsa(tls, "browser", 2048), 0);
	TEST_EQ_INT(tls_set_srtp(tls, "SRTP_AES128_CM_SHA1_80"), 0);
	TEST_EQ_INT(
	    tls_fingerprint(tls, TLS_FINGERPRINT_SHA256, md, sizeof(md)), 0);
	n = (size_t)re_snprintf(fp, sizeof(fp), "sha-256 ");
	for (i = 0; i < sizeof(md); i++)
		n += (size_t)re_snprintf(fp + n, sizeof(fp) - n, "%s%02X",
					 i ? ":" : "", md[i]);
	b.tls = tls;

	/* 1: the real fingerprint: up, then consent lost when quiet */
	sa_set_str(&local, "127.0.0.1", 0);
	TEST_EQ_INT(udp_listen(&b.us, &local, b_udp, &b), 0);
	TEST_EQ_INT(dtls_listen(&b.ds, NULL, b.us, 2, 0, NULL, NULL), 0);
	TEST_EQ_INT(media_leg_alloc_webrtc(&b.leg, wr_ev_h, &b), 0);
	TEST_EQ_INT(wr_offer(&b, fp), 0);
	TEST_EQ_INT(wr_run(&b, 8, 9000), 0); /* 2 s of checks, then quiet */
	TEST_EQ_INT(b.evs[MEDIA_WEBRTC_UP], 1);
	TEST_EQ_INT(b.evs[MEDIA_WEBRTC_REFUSED], 0);
	TEST_EQ_INT(b.evs[MEDIA_WEBRTC_CONSENT_LOST], 1);
	/* not while the checks came (2 s), but soon after they stopped */
	TEST_ASSERT(b.lost_at - b.up_at >= 2000);
	TEST_ASSERT(b.lost_at - b.up_at <= 7000);
	wr_browser_close(&b);

	/* 2: an offer with another fingerprint: the handshake is refused */
	memset(b.evs, 0, sizeof(b.evs));
	TEST_EQ_INT(udp_listen(&b.us, &local, b_udp, &b), 0);
	TEST_EQ_INT(dtls_listen(&b.ds, NULL, b.us, 2, 0, NULL, NULL), 0);
	TEST_EQ_INT(media_leg_alloc_webrtc(&b.leg, wr_ev_h, &b), 0);
	TEST_EQ_INT(wr_offer(&b, FP), 0);
	TEST_EQ_INT(wr_run(&b, 8, 5000), 0);
	TEST_EQ_INT(b.evs[MEDIA_WEBRTC_UP], 0);
	TEST_EQ_INT(b.evs[MEDIA_WEBRTC_REFUSED], 1);
	wr_browser_close(&b);

	/* 3: an offer and then nothing (no check, no DTLS): the port is
	 * given up after the consent time */
	memset(b.evs, 0, sizeof(b.evs));
	TEST_EQ_INT(media_leg_alloc_webrtc(&b.leg, wr_ev_h, &b), 0);
	TEST_EQ_INT(wr_offer(&b, fp), 0);
	tmr_start(&b.tmr_end, 3500, end_h, NULL);
	re_main(NULL);
	TEST_EQ_INT(b.evs[MEDIA_WEBRTC_UP], 0);
	TEST_EQ_INT(b.evs[MEDIA_WEBRTC_CONSENT_LOST], 1);
out:
	wr_browser_close(&b);
	mem_deref(tls);
	media_webrtc_set_consent_ms(0);
	media_close();
	return err;
}
