/*
 * media_test.c - the relay and the player on real sockets: two legs whose
 * far ends are UDP sockets of this test, one speaking PCMU, one PCMA.
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

static int peer_open(struct peer *p)
{
	struct sa a;
	int err;

	memset(p, 0, sizeof(*p));
	sa_set_str(&a, "127.0.0.1", 0);
	err = udp_listen(&p->us, &a, peer_recv, p);
	if (!err)
		err = udp_local_get(p->us, &p->addr);
	return err;
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
	TEST_EQ_INT(media_leg_alloc(&a, CODEC_PCMU), 0);
	TEST_EQ_INT(media_leg_alloc(&b, CODEC_PCMU), 0);
	sa_ = sdp_for(&pa, "0 101"); /* A speaks PCMU */
	sb_ = sdp_for(&pb, "8");     /* B speaks PCMA only */
	TEST_EQ_INT(media_leg_decode(a, sa_, true), 0);
	TEST_EQ_INT(media_leg_decode(b, sb_, true), 0);
	TEST_EQ_INT(media_leg_codec(a), CODEC_PCMU);
	TEST_EQ_INT(media_leg_codec(b), CODEC_PCMA);
	media_bridge(a, b);

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
	TEST_EQ_INT(media_leg_alloc(&a, CODEC_PCMA), 0);
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
 * refuse a stranger with another SSRC, and follow A to a new port when the
 * packets carry A's SSRC (a NAT mapping that changed).
 */
int test_media_latch(void)
{
	struct media_leg *a = NULL, *b = NULL;
	struct peer pa, pa2, pb, ps, dead;
	struct mbuf *sa_ = NULL, *sb_ = NULL;
	int err = 0;

	memset(&pa, 0, sizeof(pa));
	memset(&pa2, 0, sizeof(pa2));
	memset(&pb, 0, sizeof(pb));
	memset(&ps, 0, sizeof(ps));
	memset(&dead, 0, sizeof(dead));
	TEST_EQ_INT(media_init("127.0.0.1", 41000, 41999), 0);
	TEST_EQ_INT(peer_open(&pa), 0);
	TEST_EQ_INT(peer_open(&pa2), 0);
	TEST_EQ_INT(peer_open(&pb), 0);
	TEST_EQ_INT(peer_open(&ps), 0);
	TEST_EQ_INT(peer_open(&dead), 0);
	TEST_EQ_INT(media_leg_alloc(&a, CODEC_PCMU), 0);
	TEST_EQ_INT(media_leg_alloc(&b, CODEC_PCMU), 0);
	sa_ = sdp_for(&dead, "0"); /* A's SDP: a port that is not A's */
	sb_ = sdp_for(&pb, "0");
	TEST_EQ_INT(media_leg_decode(a, sa_, true), 0);
	TEST_EQ_INT(media_leg_decode(b, sb_, true), 0);
	media_bridge(a, b);

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
	TEST_EQ_INT(media_leg_hijacks(a), 1);
	send_ssrc(&pb, b, 0xb0b0b0b0);
	run_for(100);
	TEST_EQ_INT(pa.n, 2);
	TEST_EQ_INT(ps.n, 0);

	/* A's NAT mapping moves: same SSRC from a new port re-latches */
	send_ssrc(&pa2, a, 0xa0a0a0a0);
	run_for(100);
	TEST_EQ_INT(pb.n, 2);
	send_ssrc(&pb, b, 0xb0b0b0b0);
	run_for(100);
	TEST_EQ_INT(pa2.n, 1);
	TEST_EQ_INT(pa.n, 2);

	/* a re-INVITE clears the latch: the SDP address counts again */
	TEST_EQ_INT(media_leg_decode(a, sa_, true), 0);
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
	media_close();
	return err;
}
