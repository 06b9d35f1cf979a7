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
#include "media_ref.h"
#include "test.h"

struct peer {
	struct udp_sock *us;
	struct sa addr;
	unsigned n;           /* packets received        */
	uint8_t pt;           /* payload type of last    */
	uint8_t payload[256]; /* payload of last         */
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

static void run_for(unsigned ms);

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

/* one RTP packet with the given payload from peer p to leg */
static void send_bytes(struct peer *from, struct media_leg *to, uint8_t pt,
		       const uint8_t *payload, size_t n)
{
	struct mbuf *mb = mbuf_alloc(300);
	struct sa dst;

	mbuf_write_u8(mb, 0x80);
	mbuf_write_u8(mb, pt);
	mbuf_write_u16(mb, htons(1));
	mbuf_write_u32(mb, htonl(160));
	mbuf_write_u32(mb, htonl(0x1234));
	mbuf_write_mem(mb, payload, n);
	mb->pos = 0;
	sa_set_str(&dst, "127.0.0.1", media_leg_port(to));
	udp_send(from->us, &dst, mb);
	mem_deref(mb);
}

static void send_rtp(struct peer *from, struct media_leg *to, uint8_t pt,
		     uint8_t fill)
{
	uint8_t b[160];

	memset(b, fill, sizeof(b));
	send_bytes(from, to, pt, b, sizeof(b));
}

int test_media_relay(void)
{
	struct media_leg *a = NULL, *b = NULL;
	struct peer pa, pb;
	struct mbuf *sa_ = NULL, *sb_ = NULL;
	uint8_t all[256];
	struct tmr t;
	unsigned i;
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

	/* every mu-law code from A arrives at B as the A-law code G.711
	 * gives for its value (media_ref.h; by hand: silence 0xff is 0xd5,
	 * full scale 0x80 is 0xaa, 0x6f (-132) is 0x5d) */
	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	pb.want = 1;
	send_bytes(&pa, a, 0, all, sizeof(all));
	tmr_start(&t, 2000, timeout, NULL);
	re_main(NULL);
	TEST_EQ_INT(pb.n, 1);
	TEST_EQ_INT(pb.pt, 8);
	TEST_EQ_INT(pb.plen, 256);
	TEST_EQ_INT(pb.payload[0xff], 0xd5);
	TEST_EQ_INT(pb.payload[0x80], 0xaa);
	TEST_EQ_INT(pb.payload[0x6f], 0x5d);
	for (i = 0; i < 256; i++)
		TEST_EQ_INT(pb.payload[i], ref_u2a(all[i]));

	/* telephone-event to B is dropped: B did not offer it */
	send_rtp(&pa, a, 101, 0x01);
	/* every A-law code from B arrives at A as mu-law (by hand: 0xd5 is
	 * 0xfe, 0xfa (1008) is 0xce, 0x2a (-32256) is 0x00) */
	pa.want = 1;
	send_bytes(&pb, b, 8, all, sizeof(all));
	tmr_start(&t, 2000, timeout, NULL);
	re_main(NULL);
	TEST_EQ_INT(pa.n, 1);
	TEST_EQ_INT(pa.pt, 0);
	TEST_EQ_INT(pa.plen, 256);
	TEST_EQ_INT(pa.payload[0xd5], 0xfe);
	TEST_EQ_INT(pa.payload[0xfa], 0xce);
	TEST_EQ_INT(pa.payload[0x2a], 0x00);
	for (i = 0; i < 256; i++)
		TEST_EQ_INT(pa.payload[i], ref_ulaw_enc(ref_alaw_dec(all[i])));
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

/* a mono 16-bit 8 kHz WAV of n samples (played as it is: no resampling) */
static int wav_write(const char *path, const int16_t *pcm, size_t n)
{
	struct mbuf *mb = mbuf_alloc(44 + 2 * n);
	FILE *f;
	size_t i;
	int err = 0;

	if (!mb)
		return ENOMEM;
	mbuf_write_str(mb, "RIFF");
	mbuf_write_u32(mb, sys_htoll((uint32_t)(36 + 2 * n)));
	mbuf_write_str(mb, "WAVEfmt ");
	mbuf_write_u32(mb, sys_htoll(16));
	mbuf_write_u16(mb, sys_htols(1)); /* PCM */
	mbuf_write_u16(mb, sys_htols(1)); /* mono */
	mbuf_write_u32(mb, sys_htoll(8000));
	mbuf_write_u32(mb, sys_htoll(16000));
	mbuf_write_u16(mb, sys_htols(2));
	mbuf_write_u16(mb, sys_htols(16));
	mbuf_write_str(mb, "data");
	mbuf_write_u32(mb, sys_htoll((uint32_t)(2 * n)));
	for (i = 0; i < n; i++)
		mbuf_write_u16(mb, sys_htols((uint16_t)pcm[i]));
	f = fopen(path, "wb");
	if (!f || fwrite(mb->buf, 1, mb->end, f) != mb->end)
		err = EIO;
	if (f && fclose(f))
		err = EIO;
	mem_deref(mb);
	return err;
}

/*
 * The player encodes in the law the far end asked for: one 20 ms frame of
 * known samples (media_ref.h, each with its codes worked out by hand from
 * G.711) played to a PCMU and a PCMA phone arrives as exactly those codes.
 */
int test_media_player_g711(void)
{
	struct media_leg *a = NULL, *b = NULL;
	struct media_player *pla = NULL, *plb = NULL;
	struct mbuf *sa_ = NULL, *sb_ = NULL;
	struct peer pa, pb;
	int16_t pcm[160];
	bool da = false, db = false;
	char path[64];
	size_t i;
	int err = 0;

	memset(&pa, 0, sizeof(pa));
	memset(&pb, 0, sizeof(pb));
	for (i = 0; i < ARRAY_SIZE(pcm); i++)
		pcm[i] = ref_g711[i % ref_g711_n].x;
	re_snprintf(path, sizeof(path), "/tmp/sb-g711-%d.wav", (int)getpid());
	TEST_EQ_INT(wav_write(path, pcm, ARRAY_SIZE(pcm)), 0);
	TEST_EQ_INT(media_init("127.0.0.1", 41000, 41999), 0);
	TEST_EQ_INT(peer_open(&pa), 0);
	TEST_EQ_INT(peer_open(&pb), 0);
	TEST_EQ_INT(media_leg_alloc(&a, CODEC_PCMA, MEDIA_PLAIN), 0);
	TEST_EQ_INT(media_leg_alloc(&b, CODEC_PCMU, MEDIA_PLAIN), 0);
	sa_ = sdp_for(&pa, "0"); /* A speaks PCMU only */
	sb_ = sdp_for(&pb, "8"); /* B speaks PCMA only */
	TEST_EQ_INT(media_leg_decode(a, sa_, true), 0);
	TEST_EQ_INT(media_leg_decode(b, sb_, true), 0);
	TEST_EQ_INT(media_play(&pla, a, path, false, play_done, &da), 0);
	TEST_EQ_INT(media_play(&plb, b, path, false, play_done, &db), 0);
	for (i = 0; i < 2 && !(da && db); i++)
		run_for(3000); /* each end stops the loop */
	TEST_ASSERT(da && db);
	TEST_EQ_INT(pa.n, 1);
	TEST_EQ_INT(pa.pt, 0);
	TEST_EQ_INT(pa.plen, 160);
	TEST_EQ_INT(pb.n, 1);
	TEST_EQ_INT(pb.pt, 8);
	TEST_EQ_INT(pb.plen, 160);
	for (i = 0; i < ARRAY_SIZE(pcm); i++) {
		const struct g711_vec *v = &ref_g711[i % ref_g711_n];

		if (pa.payload[i] != v->ulaw || pb.payload[i] != v->alaw) {
			fprintf(stderr,
				"  sample %d: PCMU 0x%02x (want 0x%02x), "
				"PCMA 0x%02x (want 0x%02x)\n",
				v->x, pa.payload[i], v->ulaw, pb.payload[i],
				v->alaw);
			err = 1;
			goto out;
		}
	}
out:
	mem_deref(pla);
	mem_deref(plb);
	mem_deref(a);
	mem_deref(b);
	mem_deref(sa_);
	mem_deref(sb_);
	mem_deref(pa.us);
	mem_deref(pb.us);
	media_close();
	unlink(path);
	return err;
}

/* A prompt forgotten while it plays (an upload deleted) plays to its end
 * from the player's own reference; the next play reads the file again. */
int test_media_prompt_forget(void)
{
	struct media_leg *a = NULL;
	struct media_player *pl = NULL;
	struct mbuf *sa_ = NULL;
	struct media_stats s0, s1;
	struct peer pa;
	int16_t pcm[1600]; /* 200 ms: 10 packets */
	bool done = false;
	char path[64];
	size_t i;
	int err = 0;

	memset(&pa, 0, sizeof(pa));
	for (i = 0; i < ARRAY_SIZE(pcm); i++)
		pcm[i] = (int16_t)((i % 40) * 400 - 8000);
	re_snprintf(path, sizeof(path), "/tmp/sb-forget-%d.wav", (int)getpid());
	TEST_EQ_INT(wav_write(path, pcm, ARRAY_SIZE(pcm)), 0);
	TEST_EQ_INT(media_init("127.0.0.1", 41000, 41999), 0);
	TEST_EQ_INT(peer_open(&pa), 0);
	TEST_EQ_INT(media_leg_alloc(&a, CODEC_PCMA, MEDIA_PLAIN), 0);
	sa_ = sdp_for(&pa, "8");
	TEST_EQ_INT(media_leg_decode(a, sa_, true), 0);
	TEST_ASSERT(!media_prompt_forget(path)); /* not cached yet */
	media_stats_get(&s0);
	TEST_EQ_INT(media_play(&pl, a, path, false, play_done, &done), 0);
	TEST_ASSERT(media_prompt_forget(path));
	TEST_ASSERT(!media_prompt_forget(path)); /* gone from the cache */
	for (i = 0; i < 3 && !done; i++)
		run_for(2000);
	TEST_ASSERT(done);
	TEST_EQ_INT(pa.n, 10); /* every packet, from the player's reference */
	pl = mem_deref(pl);
	run_for(100); /* EV_GONE: the last reference dropped */
	done = false;
	TEST_EQ_INT(media_play(&pl, a, path, false, play_done, &done), 0);
	media_stats_get(&s1);
	TEST_EQ_INT(s1.prompt_loads - s0.prompt_loads, 2); /* read again */
	TEST_EQ_INT(s1.prompt_hits - s0.prompt_hits, 0);
out:
	mem_deref(pl);
	mem_deref(a);
	mem_deref(sa_);
	mem_deref(pa.us);
	media_close();
	unlink(path);
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

/* ---- SDES with the reference keys -------------------------------------- */

struct kphone {
	struct udp_sock *us;
	struct sa addr;
	struct srtp *rx; /* from the key our answer gave it (owned) */
	unsigned n, ok;  /* packets received / authentic            */
	size_t len;      /* wire length of the last one             */
	uint8_t pt, first;
};

static void kphone_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct kphone *p = arg;

	(void)src;
	p->n++;
	p->len = mbuf_get_left(mb);
	if (p->rx && !srtp_decrypt(p->rx, mb) && mbuf_get_left(mb) > 12) {
		p->ok++;
		p->pt = mbuf_buf(mb)[1] & 0x7f;
		p->first = mbuf_buf(mb)[12];
	}
	re_cancel();
}

/* libsrtp's reference RTP packet with PT 0 (PCMU) and sequence number seq,
 * protected with key (klen bytes: master key + salt), sent to leg */
static int ksend(struct kphone *from, struct media_leg *to,
		 enum srtp_suite suite, const uint8_t *key, size_t klen,
		 uint16_t seq)
{
	struct srtp *ctx = NULL;
	struct mbuf *mb = mbuf_alloc(64);
	struct sa dst;
	int err;

	if (!mb)
		return ENOMEM;
	err = srtp_alloc(&ctx, suite, key, klen, 0);
	if (!err)
		err = mbuf_write_mem(mb, ref_rtp_plain, sizeof(ref_rtp_plain));
	mb->buf[1] = 0; /* PT 0 */
	mb->buf[2] = (uint8_t)(seq >> 8);
	mb->buf[3] = (uint8_t)seq;
	mb->pos = 0;
	if (!err)
		err = srtp_encrypt(ctx, mb);
	mb->pos = 0;
	sa_set_str(&dst, "127.0.0.1", media_leg_port(to));
	if (!err)
		err = udp_send(from->us, &dst, mb);
	mem_deref(ctx);
	mem_deref(mb);
	return err;
}

static int sdes_one(const char *name, enum srtp_suite suite, const uint8_t *key,
		    size_t klen, size_t taglen)
{
	struct media_leg *a = NULL, *b = NULL;
	struct mbuf *offer = NULL, *answer = NULL, *sb_ = NULL;
	struct kphone ph;
	struct peer pb;
	struct sa local;
	uint8_t salt_off[46], akey[48] /* base64_decode wants 3 per 4 chars */;
	size_t alen = sizeof(akey);
	char b64[80], pat[80];
	const char *s, *e;
	size_t n = sizeof(b64) - 1, i;
	int err = 0;

	memset(&ph, 0, sizeof(ph));
	memset(&pb, 0, sizeof(pb));
	TEST_EQ_INT(base64_encode(key, klen, b64, &n), 0);
	b64[n] = '\0';
	sa_set_str(&local, "127.0.0.1", 0);
	TEST_EQ_INT(udp_listen(&ph.us, &local, kphone_recv, &ph), 0);
	TEST_EQ_INT(udp_local_get(ph.us, &ph.addr), 0);
	TEST_EQ_INT(peer_open(&pb), 0);

	/* the phone offers RTP/SAVP with the reference key, tag 3 */
	offer = mbuf_alloc(512);
	mbuf_printf(offer,
		    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
		    "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		    "m=audio %u RTP/SAVP 0 8\r\na=sendrecv\r\n"
		    "a=crypto:3 %s inline:%s|2^31\r\n",
		    sa_port(&ph.addr), name, b64);
	offer->pos = 0;
	TEST_EQ_INT(media_leg_alloc(&a, CODEC_PCMU, MEDIA_PLAIN), 0);
	TEST_EQ_INT(media_leg_decode(a, offer, true), 0);
	TEST_ASSERT(media_leg_secure(a));

	/* the answer: the same tag and suite, a key of the suite's length */
	TEST_EQ_INT(media_leg_encode(a, &answer, false), 0);
	answer->pos = answer->end;
	mbuf_write_u8(answer, 0);
	re_snprintf(pat, sizeof(pat), "a=crypto:3 %s inline:", name);
	s = strstr((const char *)answer->buf, pat);
	TEST_ASSERT(s != NULL);
	s += strlen(pat);
	e = s + strcspn(s, "|\r\n");
	TEST_EQ_INT(base64_decode(s, (size_t)(e - s), akey, &alen), 0);
	TEST_EQ_INT(alen, klen);
	TEST_ASSERT(memcmp(akey, key, klen)); /* its own key, not ours */
	TEST_EQ_INT(srtp_alloc(&ph.rx, suite, akey, alen, 0), 0);

	TEST_EQ_INT(media_leg_alloc(&b, CODEC_PCMU, MEDIA_PLAIN), 0);
	sb_ = sdp_for(&pb, "0");
	TEST_EQ_INT(media_leg_decode(b, sb_, true), 0);
	media_bridge(a, b);
	media_sync();

	/* the right master key with one bit of the salt wrong: refused */
	memcpy(salt_off, key, klen);
	salt_off[klen - 1] ^= 1;
	TEST_EQ_INT(ksend(&ph, a, suite, salt_off, klen, 0x1233), 0);
	/* exactly the inline key and salt: decrypted, relayed as it was */
	pb.want = 1;
	TEST_EQ_INT(ksend(&ph, a, suite, key, klen, 0x1234), 0);
	run_for(2000);
	TEST_EQ_INT(pb.n, 1);
	TEST_EQ_INT(pb.pt, 0);
	TEST_EQ_INT(pb.plen, 16);
	for (i = 0; i < 16; i++)
		TEST_EQ_INT(pb.payload[i], 0xab);
	run_for(100);
	TEST_EQ_INT(pb.n, 1);

	/* B's plain RTP reaches the phone with the suite's tag, authentic
	 * under the key of our answer */
	send_rtp(&pb, b, 0, 0xff);
	run_for(2000);
	TEST_EQ_INT(ph.n, 1);
	TEST_EQ_INT(ph.len, 12 + 160 + taglen);
	TEST_EQ_INT(ph.ok, 1);
	TEST_EQ_INT(ph.pt, 0);
	TEST_EQ_INT(ph.first, 0xff);
out:
	if (err)
		fprintf(stderr, "  suite %s\n", name);
	mem_deref(a);
	mem_deref(b);
	mem_deref(offer);
	mem_deref(answer);
	mem_deref(sb_);
	mem_deref(ph.us);
	mem_deref(ph.rx);
	mem_deref(pb.us);
	return err;
}

/*
 * SDES (RFC 4568) with the reference keys of media_test_ref.c, for the
 * AES-CM-128 suites: the key and salt a phone puts inline into its
 * a=crypto line are exactly what the leg decrypts with (a packet protected
 * with them arrives as its plaintext, the same key with one bit of the
 * salt changed is refused), the answer keeps the offer's tag and suite
 * with a key of that suite's length, and the leg's own packets carry the
 * suite's tag length and are authentic under the key it answered.
 * The AES-256 rows caught a real bug: line_parse() decoded the 64 base64
 * characters of a 46-byte key into 46 bytes, libre's base64_decode()
 * wants room for 48, and every AES-256 offer was refused.
 */
int test_media_sdes(void)
{
	static const struct {
		const char *name;
		enum srtp_suite suite;
		const uint8_t *key;
		size_t klen, taglen;
	} v[] = {
	    {"AES_CM_128_HMAC_SHA1_80", SRTP_AES_CM_128_HMAC_SHA1_80,
	     ref_srtp_key128, 30, 10},
	    {"AES_CM_128_HMAC_SHA1_32", SRTP_AES_CM_128_HMAC_SHA1_32,
	     ref_srtp_key128, 30, 4},
	    {"AES_256_CM_HMAC_SHA1_80", SRTP_AES_256_CM_HMAC_SHA1_80,
	     ref_srtp_key256, 46, 10},
	    {"AES_256_CM_HMAC_SHA1_32", SRTP_AES_256_CM_HMAC_SHA1_32,
	     ref_srtp_key256, 46, 4},
	};
	size_t i;
	int err = 0;

	TEST_EQ_INT(media_init("127.0.0.1", 45000, 45999), 0);
	for (i = 0; i < ARRAY_SIZE(v) && !err; i++)
		err = sdes_one(v[i].name, v[i].suite, v[i].key, v[i].klen,
			       v[i].taglen);
	media_close();
out:
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
	/* what was relayed on the way reached the peers' sockets: read them
	 * until there (a busy machine may need more than one turn) */
	for (i = 0; i < 40 && pb.n < 200; i++)
		run_for(50);
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
