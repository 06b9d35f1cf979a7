/*
 * media_test.c - the relay and the player on real sockets: two legs whose
 * far ends are UDP sockets of this test, one speaking PCMU, one PCMA.
 * The test is the SIP thread; the relay runs in the media thread, so a
 * test calls media_sync() before it sends packets that depend on what it
 * just configured.
 */
#include <stdlib.h>
#include <unistd.h>
#include "core/core.h"
#include <rem.h>
#include "media/media.h"
#include "test.h"

struct peer {
	struct udp_sock *us;
	struct sa addr;
	unsigned n;           /* packets received        */
	uint8_t pt;           /* payload type of last    */
	uint8_t payload[160]; /* payload of last         */
	size_t plen;
	unsigned want; /* stop re_main at this many */
};

static void peer_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct peer *p = arg;
	size_t len = mbuf_get_left(mb);

	(void)src;
	if (len < 12)
		return;
	p->n++;
	p->pt = mbuf_buf(mb)[1] & 0x7f;
	p->plen = len - 12 > sizeof(p->payload) ? sizeof(p->payload) : len - 12;
	memcpy(p->payload, mbuf_buf(mb) + 12, p->plen);
	if (p->want && p->n >= p->want)
		re_cancel();
}

static int peer_open_at(struct peer *p, const char *ip)
{
	struct sa a;
	int err;

	memset(p, 0, sizeof(*p));
	sa_set_str(&a, ip, 0);
	err = udp_listen(&p->us, &a, peer_recv, p);
	if (!err)
		err = udp_local_get(p->us, &p->addr);
	return err;
}

static int peer_open(struct peer *p)
{
	return peer_open_at(p, "127.0.0.1");
}

static struct mbuf *sdp_for(const struct peer *p, const char *fmts)
{
	struct mbuf *mb = mbuf_alloc(512);

	mbuf_printf(mb,
		    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
		    "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		    "m=audio %u RTP/AVP %s\r\n"
		    "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
		    "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n",
		    sa_port(&p->addr), fmts);
	mb->pos = 0;
	return mb;
}

static void timeout(void *arg)
{
	(void)arg;
	re_cancel();
}

static void send_rtp(struct peer *from, struct media_leg *to, uint8_t pt,
		     uint8_t fill)
{
	struct mbuf *mb = mbuf_alloc(200);
	struct sa dst;
	unsigned i;

	mbuf_write_u8(mb, 0x80);
	mbuf_write_u8(mb, pt);
	mbuf_write_u16(mb, htons(1));
	mbuf_write_u32(mb, htonl(160));
	mbuf_write_u32(mb, htonl(0x1234));
	for (i = 0; i < 160; i++)
		mbuf_write_u8(mb, fill);
	mb->pos = 0;
	sa_set_str(&dst, "127.0.0.1", media_leg_port(to));
	udp_send(from->us, &dst, mb);
	mem_deref(mb);
}

int test_media_relay(void)
{
	struct media_leg *a = NULL, *b = NULL;
	struct peer pa, pb;
	struct mbuf *sa_ = NULL, *sb_ = NULL;
	struct tmr t;
	int err = 0;

	tmr_init(&t);
	memset(&pa, 0, sizeof(pa));
	memset(&pb, 0, sizeof(pb));
	TEST_EQ_INT(media_init("127.0.0.1", 41000, 41999), 0);
	TEST_EQ_INT(peer_open(&pa), 0);
	TEST_EQ_INT(peer_open(&pb), 0);
	TEST_EQ_INT(media_leg_alloc(&a, CODEC_PCMU, MEDIA_PLAIN), 0);
	TEST_EQ_INT(media_leg_alloc(&b, CODEC_PCMU, MEDIA_PLAIN), 0);
	sa_ = sdp_for(&pa, "0 101"); /* A speaks PCMU */
	sb_ = sdp_for(&pb, "8");     /* B speaks PCMA only */
	TEST_EQ_INT(media_leg_decode(a, sa_, true), 0);
	TEST_EQ_INT(media_leg_decode(b, sb_, true), 0);
	TEST_EQ_INT(media_leg_codec(a), CODEC_PCMU);
	TEST_EQ_INT(media_leg_codec(b), CODEC_PCMA);
	media_bridge(a, b);
	media_sync(); /* the media thread has it all */

	/* PCMU 0xff (silence) from A arrives at B as PCMA */
	pb.want = 1;
	send_rtp(&pa, a, 0, 0xff);
	tmr_start(&t, 2000, timeout, NULL);
	re_main(NULL);
	TEST_EQ_INT(pb.n, 1);
	TEST_EQ_INT(pb.pt, 8);
	TEST_EQ_INT(pb.plen, 160);
	TEST_EQ_INT(pb.payload[0], media_ulaw2alaw(0xff));
	TEST_ASSERT(abs(g711_alaw2pcm(pb.payload[0]) - g711_ulaw2pcm(0xff)) <=
		    8);
	TEST_ASSERT(
	    abs(g711_alaw2pcm(media_ulaw2alaw(0x80)) - g711_ulaw2pcm(0x80)) <
	    512); /* loudest: within a step */

	/* telephone-event to B is dropped: B did not offer it */
	send_rtp(&pa, a, 101, 0x01);
	/* PCMA from B arrives at A as PCMU */
	pa.want = 1;
	send_rtp(&pb, b, 8, 0xd5);
	tmr_start(&t, 2000, timeout, NULL);
	re_main(NULL);
	TEST_EQ_INT(pa.n, 1);
	TEST_EQ_INT(pa.pt, 0);
	TEST_EQ_INT(pa.payload[0], media_alaw2ulaw(0xd5));
	TEST_EQ_INT(pb.n, 1);
	TEST_ASSERT(media_leg_idle_ms(a) < 2000);

	/* unknown payload types are not relayed */
	send_rtp(&pb, b, 96, 0);
	tmr_start(&t, 200, timeout, NULL);
	re_main(NULL);
	TEST_EQ_INT(pa.n, 1);
out:
	tmr_cancel(&t);
	mem_deref(a);
	mem_deref(b);
	mem_deref(sa_);
	mem_deref(sb_);
	mem_deref(pa.us);
	mem_deref(pb.us);
	media_close();
	return err;
}

static void play_done(void *arg)
{
	bool *done = arg;

	*done = true;
	re_cancel();
}

int test_media_player(void)
{
	struct media_leg *a = NULL;
	struct media_player *pl = NULL;
	struct mbuf *sdp = NULL;
	struct peer pa;
	struct tmr t;
	uint64_t t0, dt;
	bool done = false;
	int err = 0;

	tmr_init(&t);
	memset(&pa, 0, sizeof(pa));
	/* a 1 s tone at 22050 Hz: resampled to 8 kHz, 50 packets */
	TEST_EQ_INT(system("sox -n -r 22050 -c 1 -b 16 /tmp/sb-tone.wav "
			   "synth 1 sine 440 2>/dev/null"),
		    0);
	TEST_EQ_INT(media_init("127.0.0.1", 41000, 41999), 0);
	TEST_EQ_INT(peer_open(&pa), 0);
	TEST_EQ_INT(media_leg_alloc(&a, CODEC_PCMA, MEDIA_PLAIN), 0);
	sdp = sdp_for(&pa, "8 0");
	TEST_EQ_INT(media_leg_decode(a, sdp, true), 0);
	TEST_EQ_INT(
	    media_play(&pl, a, "/tmp/sb-nonexistent.wav", false, NULL, NULL),
	    ENOENT);
	t0 = tmr_jiffies();
	TEST_EQ_INT(
	    media_play(&pl, a, "/tmp/sb-tone.wav", false, play_done, &done), 0);
	tmr_start(&t, 5000, timeout, NULL);
	re_main(NULL);
	dt = tmr_jiffies() - t0;
	TEST_ASSERT(done);
	TEST_EQ_INT(pa.n, 50);
	TEST_EQ_INT(pa.pt, 8);
	/* paced at 20 ms: 50 packets take about a second, not a burst */
	TEST_ASSERT(dt >= 960 && dt < 1500);
out:
	tmr_cancel(&t);
	mem_deref(pl);
	mem_deref(a);
	mem_deref(sdp);
	mem_deref(pa.us);
	media_close();
	unlink("/tmp/sb-tone.wav");
	return err;
}

/* send one PCMU packet with the given SSRC from peer p to leg */
static void send_ssrc(struct peer *from, struct media_leg *to, uint32_t ssrc)
{
	struct mbuf *mb = mbuf_alloc(200);
	struct sa dst;
	unsigned i;

	mbuf_write_u8(mb, 0x80);
	mbuf_write_u8(mb, 0);
	mbuf_write_u16(mb, htons(7));
	mbuf_write_u32(mb, htonl(1600));
	mbuf_write_u32(mb, htonl(ssrc));
	for (i = 0; i < 160; i++)
		mbuf_write_u8(mb, 0xff);
	mb->pos = 0;
	sa_set_str(&dst, "127.0.0.1", media_leg_port(to));
	udp_send(from->us, &dst, mb);
	mem_deref(mb);
}

static void run_for(unsigned ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, timeout, NULL);
	re_main(NULL);
	tmr_cancel(&t);
}

/*
 * Symmetric RTP: phone A's SDP names an address nobody listens on (as a
 * phone behind NAT does); its RTP comes from another port.  We latch on it,
 * refuse a stranger with another SSRC, refuse a copy of A's SSRC from
 * elsewhere while A still talks, and follow A to a new port once its old
 * one went quiet (a NAT mapping that changed).  Before latching, only
 * A's signalling IP may latch.
 */
int test_media_latch(void)
{
	struct media_leg *a = NULL, *b = NULL;
	struct peer pa, pa2, pb, ps, dead, far;
	struct mbuf *sa_ = NULL, *sb_ = NULL;
	struct sa sig;
	int err = 0;

	memset(&pa, 0, sizeof(pa));
	memset(&pa2, 0, sizeof(pa2));
	memset(&pb, 0, sizeof(pb));
	memset(&ps, 0, sizeof(ps));
	memset(&dead, 0, sizeof(dead));
	memset(&far, 0, sizeof(far));
	TEST_EQ_INT(media_init("127.0.0.1", 41000, 41999), 0);
	TEST_EQ_INT(peer_open(&pa), 0);
	TEST_EQ_INT(peer_open(&pa2), 0);
	TEST_EQ_INT(peer_open(&pb), 0);
	TEST_EQ_INT(peer_open(&ps), 0);
	TEST_EQ_INT(peer_open(&dead), 0);
	TEST_EQ_INT(peer_open_at(&far, "127.0.0.66"), 0);
	TEST_EQ_INT(media_leg_alloc(&a, CODEC_PCMU, MEDIA_PLAIN), 0);
	TEST_EQ_INT(media_leg_alloc(&b, CODEC_PCMU, MEDIA_PLAIN), 0);
	sa_ = sdp_for(&dead, "0"); /* A's SDP: a port that is not A's */
	sb_ = sdp_for(&pb, "0");
	TEST_EQ_INT(media_leg_decode(a, sa_, true), 0);
	TEST_EQ_INT(media_leg_decode(b, sb_, true), 0);
	media_bridge(a, b);
	sa_set_str(&sig, "127.0.0.1", 5060); /* where A's SIP came from */
	media_leg_set_sig_addr(a, &sig);
	media_sync(); /* the media thread has it all */

	/* first come is not first served: another IP cannot latch */
	send_ssrc(&far, a, 0xa0a0a0a0);
	run_for(100);
	TEST_EQ_INT(pb.n, 0);
	TEST_EQ_INT(media_leg_hijacks(a), 1);

	/* A speaks from its real port: latched, B's audio goes there */
	send_ssrc(&pa, a, 0xa0a0a0a0);
	run_for(100);
	TEST_EQ_INT(pb.n, 1);
	send_ssrc(&pb, b, 0xb0b0b0b0);
	run_for(100);
	TEST_EQ_INT(pa.n, 1);
	TEST_EQ_INT(dead.n, 0);

	/* a stranger with another SSRC gets nowhere */
	send_ssrc(&ps, a, 0x12345678);
	run_for(100);
	TEST_EQ_INT(pb.n, 1);
	TEST_EQ_INT(media_leg_hijacks(a), 2);
	send_ssrc(&pb, b, 0xb0b0b0b0);
	run_for(100);
	TEST_EQ_INT(pa.n, 2);
	TEST_EQ_INT(ps.n, 0);

	/* A's SSRC copied from elsewhere while A talks: refused */
	send_ssrc(&pa, a, 0xa0a0a0a0);
	send_ssrc(&pa2, a, 0xa0a0a0a0);
	run_for(100);
	TEST_EQ_INT(pb.n, 2);
	TEST_EQ_INT(media_leg_hijacks(a), 3);

	/* A's NAT mapping moves: its old port is quiet, the same SSRC from
	 * a new port re-latches */
	run_for(300);
	send_ssrc(&pa2, a, 0xa0a0a0a0);
	run_for(100);
	TEST_EQ_INT(pb.n, 3);
	send_ssrc(&pb, b, 0xb0b0b0b0);
	run_for(100);
	TEST_EQ_INT(pa2.n, 1);
	TEST_EQ_INT(pa.n, 2);
	TEST_EQ_INT(far.n, 0);

	/* a re-INVITE clears the latch: the SDP address counts again */
	TEST_EQ_INT(media_leg_decode(a, sa_, true), 0);
	media_sync();
	send_ssrc(&pb, b, 0xb0b0b0b0);
	run_for(100);
	TEST_EQ_INT(dead.n, 1);
out:
	mem_deref(a);
	mem_deref(b);
	mem_deref(sa_);
	mem_deref(sb_);
	mem_deref(pa.us);
	mem_deref(pa2.us);
	mem_deref(pb.us);
	mem_deref(ps.us);
	mem_deref(dead.us);
	mem_deref(far.us);
	media_close();
	return err;
}

/* ---- SRTP (SDES) ----------------------------------------------------- */

struct sphone {
	struct udp_sock *us;
	struct sa addr;
	uint8_t key[30];   /* what this phone encrypts with       */
	struct srtp *tx;   /* (owned)                             */
	struct srtp *rx;   /* decrypts what the leg sends (owned) */
	unsigned n, ok;    /* packets received / authentic         */
	uint8_t pt, first; /* of the last authentic one            */
	unsigned want;
};

static void sphone_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct sphone *p = arg;

	(void)src;
	p->n++;
	if (p->rx && !srtp_decrypt(p->rx, mb) && mbuf_get_left(mb) > 12) {
		p->ok++;
		p->pt = mbuf_buf(mb)[1] & 0x7f;
		p->first = mbuf_buf(mb)[12];
	}
	if (p->want && p->n >= p->want)
		re_cancel();
}

static int sphone_open(struct sphone *p, uint8_t seed)
{
	struct sa a;
	unsigned i;
	int err;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < sizeof(p->key); i++)
		p->key[i] = (uint8_t)(seed + i);
	err = srtp_alloc(&p->tx, SRTP_AES_CM_128_HMAC_SHA1_80, p->key,
			 sizeof(p->key), 0);
	sa_set_str(&a, "127.0.0.1", 0);
	if (!err)
		err = udp_listen(&p->us, &a, sphone_recv, p);
	if (!err)
		err = udp_local_get(p->us, &p->addr);
	return err;
}

static void sphone_close(struct sphone *p)
{
	p->us = mem_deref(p->us);
	p->tx = mem_deref(p->tx);
	p->rx = mem_deref(p->rx);
}

/* an SDP of the phone: profile, and a crypto line with its key (tag) */
static struct mbuf *ssdp(const struct sphone *p, const char *proto,
			 unsigned tag)
{
	struct mbuf *mb = mbuf_alloc(512);
	char b64[48];
	size_t n = sizeof(b64) - 1;

	(void)base64_encode(p->key, sizeof(p->key), b64, &n);
	b64[n] = '\0';
	mbuf_printf(mb,
		    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
		    "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		    "m=audio %u %s 0 8\r\na=sendrecv\r\n",
		    sa_port(&p->addr), proto);
	if (tag)
		mbuf_printf(mb,
			    "a=crypto:%u AES_CM_128_HMAC_SHA1_80 "
			    "inline:%s|2^31\r\n",
			    tag, b64);
	mb->pos = 0;
	return mb;
}

/* the key of the leg's a=crypto line with this tag, into p->rx */
static int sphone_learn(struct sphone *p, struct media_leg *leg, bool offer,
			unsigned tag)
{
	struct mbuf *mb = NULL;
	char pat[64];
	const char *s;
	uint8_t key[30];
	size_t klen = sizeof(key);
	int err;

	err = media_leg_encode(leg, &mb, offer);
	if (err)
		return err;
	re_snprintf(pat, sizeof(pat),
		    "a=crypto:%u AES_CM_128_HMAC_SHA1_80 "
		    "inline:",
		    tag);
	mb->pos = mb->end;
	mbuf_write_u8(mb, 0);
	s = strstr((const char *)mb->buf, pat);
	if (!s || base64_decode(s + strlen(pat), 40, key, &klen) || klen != 30)
		err = EPROTO;
	if (!err)
		err = srtp_alloc(&p->rx, SRTP_AES_CM_128_HMAC_SHA1_80, key,
				 klen, 0);
	mem_deref(mb);
	return err;
}

static void ssend(struct sphone *from, struct media_leg *to, uint16_t seq,
		  bool encrypt, struct srtp *with)
{
	struct mbuf *mb = mbuf_alloc(200);
	struct sa dst;
	unsigned i;

	mbuf_write_u8(mb, 0x80);
	mbuf_write_u8(mb, 0);
	mbuf_write_u16(mb, htons(seq));
	mbuf_write_u32(mb, htonl(160u * seq));
	mbuf_write_u32(mb, htonl(0x5151));
	for (i = 0; i < 160; i++)
		mbuf_write_u8(mb, 0xff);
	mb->pos = 0;
	if (encrypt)
		(void)srtp_encrypt(with ? with : from->tx, mb);
	sa_set_str(&dst, "127.0.0.1", media_leg_port(to));
	udp_send(from->us, &dst, mb);
	mem_deref(mb);
}

int test_media_srtp(void)
{
	struct media_leg *a = NULL, *b = NULL, *c = NULL;
	struct sphone pa, pb;
	struct mbuf *m1 = NULL, *m2 = NULL, *m3 = NULL, *offer = NULL;
	struct srtp *forged = NULL;
	struct media_stats st0, st1;
	uint8_t fkey[30] = {0};
	int err = 0;

	memset(&pa, 0, sizeof(pa));
	memset(&pb, 0, sizeof(pb));
	TEST_EQ_INT(media_init("127.0.0.1", 42000, 42999), 0);
	TEST_EQ_INT(sphone_open(&pa, 1), 0);
	TEST_EQ_INT(sphone_open(&pb, 101), 0);

	/* A offers RTP/SAVP with its key: a plain-policy leg answers SRTP */
	TEST_EQ_INT(media_leg_alloc(&a, CODEC_PCMU, MEDIA_PLAIN), 0);
	m1 = ssdp(&pa, "RTP/SAVP", 7);
	TEST_EQ_INT(media_leg_decode(a, m1, true), 0);
	TEST_ASSERT(media_leg_secure(a));
	TEST_EQ_INT(sphone_learn(&pa, a, false, 7), 0);

	/* B's leg requires SRTP: RTP/SAVP with our two suites */
	TEST_EQ_INT(media_leg_alloc(&b, CODEC_PCMU, MEDIA_SRTP_REQUIRED), 0);
	TEST_EQ_INT(media_leg_encode(b, &offer, true), 0);
	offer->pos = offer->end;
	mbuf_write_u8(offer, 0);
	TEST_ASSERT(strstr((char *)offer->buf, "RTP/SAVP"));
	TEST_ASSERT(
	    strstr((char *)offer->buf, "a=crypto:1 AES_CM_128_HMAC_SHA1_80"));
	TEST_ASSERT(
	    strstr((char *)offer->buf, "a=crypto:2 AES_CM_128_HMAC_SHA1_32"));
	TEST_EQ_INT(sphone_learn(&pb, b, true, 1), 0);
	m2 = ssdp(&pb, "RTP/SAVP", 1);
	TEST_EQ_INT(media_leg_decode(b, m2, false), 0);
	TEST_ASSERT(media_leg_secure(b));

	/* an answer without keys is refused where SRTP is required */
	TEST_EQ_INT(media_leg_alloc(&c, CODEC_PCMU, MEDIA_SRTP_REQUIRED), 0);
	offer = mem_deref(offer);
	TEST_EQ_INT(media_leg_encode(c, &offer, true), 0);
	m3 = ssdp(&pb, "RTP/SAVP", 0);
	TEST_EQ_INT(media_leg_decode(c, m3, false), ENOTSUP);

	media_bridge(a, b);
	media_sync(); /* the media thread has it all */
	/* A's SRTP reaches B decryptable with B's leg key, as PCMU */
	pb.want = 1;
	ssend(&pa, a, 1, true, NULL);
	run_for(2000);
	TEST_EQ_INT(pb.ok, 1);
	TEST_EQ_INT(pb.pt, 0);
	TEST_EQ_INT(pb.first, 0xff);
	/* and back */
	pa.want = 1;
	ssend(&pb, b, 1, true, NULL);
	run_for(2000);
	TEST_EQ_INT(pa.ok, 1);

	/* plain RTP, a replay and a wrong key are all refused */
	media_sync(); /* the relay counted what it sent before pa got it */
	media_stats_get(&st0);
	TEST_EQ_INT(srtp_alloc(&forged, SRTP_AES_CM_128_HMAC_SHA1_80, fkey,
			       sizeof(fkey), 0),
		    0);
	ssend(&pa, a, 2, false, NULL);
	ssend(&pa, a, 3, true, forged);
	ssend(&pa, a, 1, true, NULL); /* same index as before: replay */
	run_for(300);
	TEST_EQ_INT(pb.n, 1);
	media_stats_get(&st1);
	TEST_EQ_INT(st1.relayed, st0.relayed);
	TEST_EQ_INT(st1.rx, st0.rx);
out:
	mem_deref(a);
	mem_deref(b);
	mem_deref(c);
	mem_deref(m1);
	mem_deref(m2);
	mem_deref(m3);
	mem_deref(offer);
	mem_deref(forged);
	sphone_close(&pa);
	sphone_close(&pb);
	media_close();
	return err;
}

/*
 * The hand-over between the threads: legs made on this (SIP) thread are
 * relayed by the media thread while this thread does not run its loop at
 * all, and are freed from here while packets still stream into them (no
 * use after free under ASan; the media thread closes their sockets).
 */
int test_media_thread(void)
{
	struct media_leg *a = NULL, *b = NULL;
	struct mbuf *sa_ = NULL, *sb_ = NULL;
	struct media_stats st0, st1;
	struct peer pa, pb;
	uint64_t rx, tx;
	unsigned i, round;
	int err = 0;

	memset(&pa, 0, sizeof(pa));
	memset(&pb, 0, sizeof(pb));
	TEST_EQ_INT(media_init("127.0.0.1", 43000, 43999), 0);
	TEST_EQ_INT(peer_open(&pa), 0);
	TEST_EQ_INT(peer_open(&pb), 0);
	sa_ = sdp_for(&pa, "0");
	sb_ = sdp_for(&pb, "8");
	for (round = 0; round < 20; round++) {
		TEST_EQ_INT(media_leg_alloc(&a, CODEC_PCMU, MEDIA_PLAIN), 0);
		TEST_EQ_INT(media_leg_alloc(&b, CODEC_PCMA, MEDIA_PLAIN), 0);
		TEST_EQ_INT(media_leg_decode(a, sa_, true), 0);
		TEST_EQ_INT(media_leg_decode(b, sb_, true), 0);
		media_bridge(a, b);
		media_sync();
		media_stats_get(&st0);
		for (i = 0; i < 10; i++)
			send_rtp(&pa, a, 0, 0xff);
		/* no loop here: only the media thread can relay them */
		for (i = 0; i < 200; i++) {
			media_stats_get(&st1);
			if (st1.relayed - st0.relayed >= 10)
				break;
			usleep(5000);
		}
		TEST_EQ_INT(st1.relayed - st0.relayed, 10);
		media_leg_stats(a, &rx, NULL);
		media_leg_stats(b, NULL, &tx);
		TEST_EQ_INT(rx, 10);
		TEST_EQ_INT(tx, 10);
		/* free while packets are on their way into both legs */
		for (i = 0; i < 20; i++) {
			send_rtp(&pa, a, 0, 0xff);
			send_rtp(&pb, b, 8, 0xd5);
		}
		if (round & 1) {
			a = mem_deref(a);
			b = mem_deref(b);
		}
		else {
			b = mem_deref(b);
			a = mem_deref(a);
		}
	}
	media_sync();
	media_stats_get(&st1);
	TEST_EQ_INT(st1.legs, 0);
	/* what was relayed on the way reached the peers' sockets */
	run_for(100);
	TEST_ASSERT(pb.n >= 200);
out:
	mem_deref(a);
	mem_deref(b);
	mem_deref(sa_);
	mem_deref(sb_);
	mem_deref(pa.us);
	mem_deref(pb.us);
	media_close();
	return err;
}
