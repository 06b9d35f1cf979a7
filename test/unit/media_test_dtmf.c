/*
 * media_test_dtmf.c - key presses from RFC 4733 telephone-events.
 *
 * test_media_dtmf_recv feeds packets written byte by byte (RFC 3550 5.1
 * header, RFC 4733 2.3 payload: event, E bit and volume, duration) into
 * the receiver of src/media/dtmf.c and compares the digits it reports
 * with the presses the packets carry: repeats, the three end packets,
 * losses, reordering, wrap-around, new SSRCs, long presses.
 * test_media_dtmf_leg does it on real sockets: digits reach the leg's
 * handler on this (SIP) thread, bridged or not, while the relay still
 * passes every event packet to the bridged leg with that leg's payload
 * type; a stranger's presses and the digits of a freed leg are not
 * reported.
 */
#include <math.h>
#include <unistd.h>
#include <re.h>
#include <rem.h>
#include "core/core.h"
#include "media/media.h"
#include "media/media_int.h"
#include "test.h"

enum { TEV = 101, SSRC_A = 0x11223344, SSRC_B = 0x55667788 };

/* what one packet says */
struct tev {
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint8_t event;
	bool end;
	uint16_t dur; /* [1/8 ms] */
};

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

/* the packet t, byte by byte, into b (16 bytes) */
static size_t tev_write(uint8_t *b, const struct tev *t)
{
	b[0] = 0x80;  /* V=2, no padding, no extension, no CSRC */
	b[1] = t->pt; /* no marker */
	put16(b + 2, t->seq);
	put32(b + 4, t->ts);
	put32(b + 8, t->ssrc);
	b[12] = t->event;
	b[13] = (uint8_t)((t->end ? 0x80 : 0x00) | 10); /* E, R=0, -10 dBm0 */
	put16(b + 14, t->dur);
	return 16;
}

/* packet of stream A: seq, timestamp, event, end bit, duration */
#define A(seq, ts, ev, end, dur)                                               \
	{                                                                      \
		TEV, seq, ts, SSRC_A, ev, end, dur                             \
	}
#define B(seq, ts, ev, end, dur)                                               \
	{                                                                      \
		TEV, seq, ts, SSRC_B, ev, end, dur                             \
	}
/* one whole press of stream A: start, 5 repeats, 3 ends (seq s .. s+8) */
#define PRESS(s, ts, ev)                                                       \
	A(s, ts, ev, 0, 160), A(s + 1, ts, ev, 0, 320),                        \
	    A(s + 2, ts, ev, 0, 480), A(s + 3, ts, ev, 0, 640),                \
	    A(s + 4, ts, ev, 0, 800), A(s + 5, ts, ev, 0, 960),                \
	    A(s + 6, ts, ev, 1, 1120), A(s + 7, ts, ev, 1, 1120),              \
	    A(s + 8, ts, ev, 1, 1120)

static const struct tev one_press[] = {PRESS(100, 8000, 5)};
static const struct tev same_twice[] = {PRESS(100, 8000, 5),
					PRESS(109, 9600, 5)};
static const struct tev only_ends[] = {A(106, 8000, 7, 1, 1120),
				       A(107, 8000, 7, 1, 1120),
				       A(108, 8000, 7, 1, 1120)};
static const struct tev end_first[] = {
    A(100, 8000, 3, 0, 160), A(104, 8000, 3, 1, 800), A(101, 8000, 3, 0, 320),
    A(102, 8000, 3, 0, 480), A(103, 8000, 3, 0, 640), A(105, 8000, 3, 1, 800),
    A(106, 8000, 3, 1, 800)};
static const struct tev end_before_all[] = {
    A(104, 8000, 3, 1, 800), A(100, 8000, 3, 0, 160), A(101, 8000, 3, 0, 320),
    A(102, 8000, 3, 0, 480), A(105, 8000, 3, 1, 800)};
/* a new stream (a new SSRC) at the same timestamp and seq: a new press */
static const struct tev new_ssrc[] = {
    A(100, 8000, 5, 0, 160), A(101, 8000, 5, 1, 320), B(100, 8000, 5, 0, 160),
    B(101, 8000, 5, 1, 320), B(102, 8000, 5, 1, 320)};
static const struct tev event16[] = {
    A(100, 8000, 16, 0, 160),  A(101, 8000, 16, 1, 320),
    A(102, 9600, 255, 0, 160), A(103, 11200, 1, 0, 160),
    A(104, 12800, 16, 0, 160), A(105, 11200, 1, 1, 320)};
static const struct tev wrong_pt[] = {{0, 100, 8000, SSRC_A, 9, 0, 160},
				      {8, 101, 8000, SSRC_A, 9, 1, 320},
				      {96, 102, 8000, SSRC_A, 9, 1, 320}};
static const struct tev two_digits[] = {PRESS(100, 8000, 1),
					PRESS(109, 9600, 2)};
static const struct tev all_events[] = {
    A(1, 1000, 0, 1, 80),    A(2, 2000, 1, 1, 80),    A(3, 3000, 2, 1, 80),
    A(4, 4000, 3, 1, 80),    A(5, 5000, 4, 1, 80),    A(6, 6000, 5, 1, 80),
    A(7, 7000, 6, 1, 80),    A(8, 8000, 7, 1, 80),    A(9, 9000, 8, 1, 80),
    A(10, 10000, 9, 1, 80),  A(11, 11000, 10, 1, 80), A(12, 12000, 11, 1, 80),
    A(13, 13000, 12, 1, 80), A(14, 14000, 13, 1, 80), A(15, 15000, 14, 1, 80),
    A(16, 16000, 15, 1, 80)};
/* sequence numbers wrap in the middle of press 4; a late repeat of it
 * (seq 65535) after press 8 started is not a press */
static const struct tev seq_wrap[] = {
    A(65534, 8000, 4, 0, 160), A(65535, 8000, 4, 0, 320),
    A(0, 8000, 4, 1, 480),     A(1, 8000, 4, 1, 480),
    A(3, 9600, 8, 0, 160),     A(65535, 8000, 4, 0, 320),
    A(4, 9600, 8, 1, 320),     A(2, 8000, 4, 1, 480)};
/* timestamps wrap between press 6 and press 0; press 6's late end after
 * press 0 is older, not newer */
static const struct tev ts_wrap[] = {
    A(10, 0xffffff00, 6, 0, 160), A(11, 0xffffff00, 6, 1, 320),
    A(13, 0x00000100, 0, 0, 160), A(12, 0xffffff00, 6, 1, 320),
    A(14, 0x00000100, 0, 1, 320)};
/* a sender that keeps the timestamp for the next press: a packet without
 * E and with a newer seq after the ends */
static const struct tev same_ts[] = {
    A(100, 8000, 6, 0, 160), A(101, 8000, 6, 1, 320), A(102, 8000, 6, 1, 320),
    A(103, 8000, 6, 0, 160), A(104, 8000, 6, 1, 320), A(105, 8000, 6, 1, 320),
    A(101, 8000, 6, 1, 320)};
/* a 9 s press: a segment of the maximum duration without E, then the
 * next segment 0xffff later (RFC 4733 2.5.1.3) */
static const struct tev long_press[] = {
    A(100, 8000, 0, 0, 160),           A(101, 8000, 0, 0, 32000),
    A(102, 8000, 0, 0, 0xffff),        A(103, 8000 + 0xffff, 0, 0, 160),
    A(104, 8000 + 0xffff, 0, 0, 4000), A(105, 8000 + 0xffff, 0, 1, 6400),
    A(106, 8000 + 0xffff, 0, 1, 6400)};
/* the same with the segment's last packet lost */
static const struct tev long_press_lost[] = {
    A(100, 8000, 0, 0, 160), A(101, 8000, 0, 0, 32000),
    A(103, 8000 + 0xffff, 0, 0, 160), A(104, 8000 + 0xffff, 0, 1, 4000)};

static const struct {
	const char *name;
	const struct tev *p;
	size_t n;
	const char *want;
} cases[] = {
#define CASE(name, v, want)                                                    \
	{                                                                      \
		name, v, ARRAY_SIZE(v), want                                   \
	}
    CASE("one press: start, 5 repeats, 3 ends", one_press, "5"),
    CASE("the same key twice", same_twice, "55"),
    CASE("start and repeats lost: only the ends", only_ends, "7"),
    CASE("an end before the repeats", end_first, "3"),
    CASE("an end before everything", end_before_all, "3"),
    CASE("a new SSRC starts fresh", new_ssrc, "55"),
    CASE("events above 15 are ignored", event16, "1"),
    CASE("audio and unknown payload types are ignored", wrong_pt, ""),
    CASE("two keys keep their order", two_digits, "12"),
    CASE("events 0-15", all_events, "0123456789*#ABCD"),
    CASE("sequence numbers wrap", seq_wrap, "48"),
    CASE("timestamps wrap", ts_wrap, "60"),
    CASE("the timestamp kept for the next press", same_ts, "66"),
    CASE("a long press in two segments", long_press, "0"),
    CASE("a long press, the segment's end lost", long_press_lost, "0"),
#undef CASE
};

static void rxmap_init(uint8_t rxmap[128])
{
	memset(rxmap, PT_UNKNOWN, 128);
	rxmap[0] = PT_ULAW;
	rxmap[8] = PT_ALAW;
	rxmap[TEV] = PT_TEV;
}

int test_media_dtmf_recv(void)
{
	/* 2 CSRCs and a one-word header extension before the payload */
	static const uint8_t csrc_ext[] = {
	    0x92, TEV,  0x00, 0x01, 0x00, 0x00, 0x1f, 0x40, 0x11, 0x22, 0x33,
	    0x44, 0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb, 0xbe, 0xde,
	    0x00, 0x01, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x8a, 0x00, 0xa0};
	/* padding: 4 payload bytes, then 4 of padding */
	static const uint8_t padded[] = {
	    0xa0, TEV,  0x00, 0x01, 0x00, 0x00, 0x1f, 0x40, 0x11, 0x22,
	    0x33, 0x44, 0x0e, 0x8a, 0x00, 0xa0, 0x00, 0x00, 0x00, 0x04};
	struct media_dtmf d;
	uint8_t rxmap[128], b[16];
	char got[32];
	size_t i, j, n;
	int err = 0;

	rxmap_init(rxmap);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&d, 0, sizeof(d));
		n = 0;
		for (j = 0; j < cases[i].n; j++) {
			char c = media_dtmf_recv(&d, rxmap, b,
						 tev_write(b, &cases[i].p[j]));
			if (c && n < sizeof(got) - 1)
				got[n++] = c;
		}
		got[n] = '\0';
		if (strcmp(got, cases[i].want))
			fprintf(stderr, "  case \"%s\"\n", cases[i].name);
		TEST_EQ_STR(got, cases[i].want);
	}

	/* the payload after CSRCs and the extension: event 11 (#) */
	memset(&d, 0, sizeof(d));
	TEST_EQ_INT(media_dtmf_recv(&d, rxmap, csrc_ext, sizeof(csrc_ext)),
		    '#');
	TEST_EQ_INT(media_dtmf_recv(&d, rxmap, csrc_ext, sizeof(csrc_ext)), 0);
	/* padding counted off: 4 bytes left, event 14 (C) */
	memset(&d, 0, sizeof(d));
	TEST_EQ_INT(media_dtmf_recv(&d, rxmap, padded, sizeof(padded)), 'C');
	/* too short: the header alone, 3 payload bytes, an extension or
	 * padding longer than the packet */
	memset(&d, 0, sizeof(d));
	TEST_EQ_INT(media_dtmf_recv(&d, rxmap, padded, 12), 0);
	TEST_EQ_INT(media_dtmf_recv(&d, rxmap, padded, 15), 0);
	TEST_EQ_INT(media_dtmf_recv(&d, rxmap, csrc_ext, 24), 0);
	memcpy(b, padded, 16);
	b[15] = 13;
	TEST_EQ_INT(media_dtmf_recv(&d, rxmap, b, 16), 0);
	TEST_ASSERT(!d.valid);
out:
	return err;
}

/* ---- on sockets ------------------------------------------------------ */

/* a far end: sends from its socket; counts what it receives by kind */
struct phone {
	struct udp_sock *us;
	struct sa addr;
	unsigned audio;      /* audio packets received            */
	unsigned tev;        /* telephone-events received          */
	uint8_t tev_pt;      /* their payload type, as last seen    */
	uint8_t pay[16][4];  /* the first 16 events' payloads       */
	uint8_t want_tev_pt; /* the payload type it declared for them */
};

static void phone_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct phone *ph = arg;
	const uint8_t *p = mbuf_buf(mb);

	(void)src;
	if (mbuf_get_left(mb) < 16)
		return;
	if ((p[1] & 0x7f) != ph->want_tev_pt) {
		ph->audio++;
		return;
	}
	if (ph->tev < ARRAY_SIZE(ph->pay))
		memcpy(ph->pay[ph->tev], p + 12, 4);
	ph->tev_pt = p[1] & 0x7f;
	ph->tev++;
}

/* its socket and, if leg, its SDP offer to leg: PCMU and PCMA,
 * telephone-event as tev_pt */
static int phone_open(struct phone *ph, struct media_leg *leg, uint8_t tev_pt)
{
	struct mbuf *sdp = NULL;
	struct sa a;
	int err;

	memset(ph, 0, sizeof(*ph));
	ph->want_tev_pt = tev_pt;
	sa_set_str(&a, "127.0.0.1", 0);
	err = udp_listen(&ph->us, &a, phone_recv, ph);
	if (!err)
		err = udp_local_get(ph->us, &ph->addr);
	if (err || !leg)
		return err;
	sdp = mbuf_alloc(512);
	if (!sdp)
		return ENOMEM;
	mbuf_printf(sdp,
		    "v=0\r\no=- 7 7 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 "
		    "127.0.0.1\r\nt=0 0\r\nm=audio %u RTP/AVP 0 8 %u\r\n"
		    "a=rtpmap:%u telephone-event/8000\r\na=fmtp:%u 0-15\r\n",
		    sa_port(&ph->addr), tev_pt, tev_pt, tev_pt);
	sdp->pos = 0;
	err = media_leg_decode(leg, sdp, true);
	mem_deref(sdp);
	return err;
}

static void phone_send(struct phone *ph, struct media_leg *to,
		       const struct tev *t, size_t n)
{
	struct mbuf *mb = mbuf_alloc(16);
	uint8_t b[16];
	struct sa dst;
	size_t i;

	sa_set_str(&dst, "127.0.0.1", media_leg_port(to));
	for (i = 0; mb && i < n; i++) {
		mbuf_rewind(mb);
		(void)mbuf_write_mem(mb, b, tev_write(b, &t[i]));
		mb->pos = 0;
		(void)udp_send(ph->us, &dst, mb);
	}
	mem_deref(mb);
}

struct digits {
	char s[16];
	size_t n;
};

static void on_digit(char digit, void *arg)
{
	struct digits *d = arg;

	if (d->n < sizeof(d->s) - 1)
		d->s[d->n++] = digit;
	d->s[d->n] = '\0';
}

static void tick(void *arg)
{
	(void)arg;
	re_cancel();
}

/* run this thread's loop (the SIP side of the media) for ms */
static void run_ms(unsigned ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, tick, NULL);
	re_main(NULL);
	tmr_cancel(&t);
}

int test_media_dtmf_leg(void)
{
	/* '5': start, two repeats, three ends; then '#': start and ends */
	static const struct tev keys[] = {
	    A(200, 16000, 5, 0, 160),  A(201, 16000, 5, 0, 320),
	    A(202, 16000, 5, 0, 480),  A(203, 16000, 5, 1, 640),
	    A(204, 16000, 5, 1, 640),  A(205, 16000, 5, 1, 640),
	    A(206, 17600, 11, 0, 160), A(207, 17600, 11, 1, 320),
	    A(208, 17600, 11, 1, 320), A(209, 17600, 11, 1, 320)};
	static const struct tev audio_like[] = {
	    {0, 210, 19200, SSRC_A, 9, 1, 320}};
	static const struct tev nine[] = {A(300, 24000, 9, 0, 160),
					  A(301, 24000, 9, 1, 320)};
	static const struct tev key_a[] = {A(302, 25600, 12, 1, 320)};
	static const struct tev stranger[] = {B(400, 30000, 3, 0, 160),
					      B(401, 30000, 3, 1, 320)};
	struct media_leg *a = NULL, *b = NULL, *c = NULL;
	struct phone pa = {0}, pb = {0}, pc = {0}, ps = {0};
	struct digits da = {0}, dc = {0};
	struct media_stats st0, st1;
	uint64_t rx = 0;
	unsigned i;
	int err = 0;

	TEST_EQ_INT(media_init("127.0.0.1", 47000, 47999), 0);
	TEST_EQ_INT(media_leg_alloc(&a, CODEC_PCMU, MEDIA_PLAIN), 0);
	TEST_EQ_INT(media_leg_alloc(&b, CODEC_PCMA, MEDIA_PLAIN), 0);
	TEST_EQ_INT(media_leg_alloc(&c, CODEC_PCMU, MEDIA_PLAIN), 0);
	TEST_EQ_INT(phone_open(&pa, a, TEV), 0);
	TEST_EQ_INT(phone_open(&pb, b, 100), 0);
	TEST_EQ_INT(phone_open(&pc, c, TEV), 0);
	media_leg_set_digith(a, on_digit, &da);
	media_leg_set_digith(c, on_digit, &dc);
	media_bridge(a, b);
	media_sync();
	media_stats_get(&st0);

	/* bridged: two presses reported, all 10 packets relayed as PT 100
	 * with their payload as sent */
	phone_send(&pa, a, keys, ARRAY_SIZE(keys));
	for (i = 0; i < 200 && (da.n < 2 || pb.tev < 10); i++)
		run_ms(10);
	TEST_EQ_STR(da.s, "5#");
	TEST_EQ_INT(pb.tev, 10);
	TEST_EQ_INT(pb.tev_pt, 100);
	TEST_EQ_INT(pb.audio, 0);
	for (i = 0; i < 10; i++) {
		uint8_t w[16];
		tev_write(w, &keys[i]);
		TEST_ASSERT(!memcmp(pb.pay[i], w + 12, 4));
	}
	media_stats_get(&st1);
	TEST_EQ_INT(st1.dtmf - st0.dtmf, 2);
	TEST_EQ_INT(st1.relayed - st0.relayed, 10);

	/* an audio packet shaped like an event: relayed as audio, no digit */
	phone_send(&pa, a, audio_like, 1);
	for (i = 0; i < 200 && pb.audio < 1; i++)
		run_ms(10);
	TEST_EQ_INT(pb.audio, 1);
	run_ms(100);
	TEST_EQ_STR(da.s, "5#");

	/* a stranger (another port, another SSRC) presses a key into a:
	 * the latch refuses it before the receiver sees it */
	TEST_EQ_INT(phone_open(&ps, NULL, TEV), 0);
	phone_send(&ps, a, stranger, ARRAY_SIZE(stranger));
	for (i = 0; i < 200 && media_leg_hijacks(a) < 2; i++)
		usleep(5000);
	TEST_EQ_INT(media_leg_hijacks(a), 2);
	media_sync();
	run_ms(100);
	TEST_EQ_STR(da.s, "5#");
	TEST_EQ_INT(pb.tev, 10);

	/* not bridged: reported all the same */
	phone_send(&pc, c, nine, ARRAY_SIZE(nine));
	for (i = 0; i < 200 && dc.n < 1; i++)
		run_ms(10);
	TEST_EQ_STR(dc.s, "9");

	/* the leg is freed while its digit waits in the queue: dropped */
	phone_send(&pc, c, key_a, 1);
	for (i = 0; i < 200 && rx < 3; i++) {
		media_leg_stats(c, &rx, NULL);
		usleep(5000);
	}
	TEST_EQ_INT(rx, 3);
	media_sync(); /* the packet's event is queued by now */
	c = mem_deref(c);
	run_ms(100);
	TEST_EQ_STR(dc.s, "9");
	media_stats_get(&st1);
	TEST_EQ_INT(st1.dtmf - st0.dtmf, 3);

	/* no handler: counted, nothing called */
	media_leg_set_digith(a, NULL, NULL);
	phone_send(&pa, a, nine, ARRAY_SIZE(nine));
	for (i = 0; i < 200 && st1.dtmf - st0.dtmf < 4; i++) {
		run_ms(10);
		media_stats_get(&st1);
	}
	TEST_EQ_INT(st1.dtmf - st0.dtmf, 4);
	TEST_EQ_STR(da.s, "5#");
out:
	mem_deref(a);
	mem_deref(b);
	mem_deref(c);
	mem_deref(pa.us);
	mem_deref(pb.us);
	mem_deref(pc.us);
	mem_deref(ps.us);
	media_close();
	return err;
}

/* ---- in-band tones through a leg ------------------------------------ */

/* ms of key k as PCMU packets (PT 0, SSRC_A) from ph to leg to, from
 * sequence *seq and timestamp *ts on; k 0 is silence */
static void phone_tone(struct phone *ph, struct media_leg *to, char k,
		       unsigned ms, uint16_t *seq, uint32_t *ts)
{
	static const char *const layout = "123A456B789C*0#D";
	static const double rows[4] = {697, 770, 852, 941};
	static const double cols[4] = {1209, 1336, 1477, 1633};
	const char *p = k ? strchr(layout, k) : NULL;
	struct mbuf *mb = mbuf_alloc(200);
	uint8_t b[172];
	struct sa dst;
	unsigned i, j;

	sa_set_str(&dst, "127.0.0.1", media_leg_port(to));
	for (i = 0; mb && i < ms / 20; i++) {
		b[0] = 0x80;
		b[1] = 0;
		b[2] = (uint8_t)(*seq >> 8);
		b[3] = (uint8_t)*seq;
		b[4] = (uint8_t)(*ts >> 24);
		b[5] = (uint8_t)(*ts >> 16);
		b[6] = (uint8_t)(*ts >> 8);
		b[7] = (uint8_t)*ts;
		b[8] = (uint8_t)(SSRC_A >> 24);
		b[9] = (uint8_t)(SSRC_A >> 16);
		b[10] = (uint8_t)(SSRC_A >> 8);
		b[11] = (uint8_t)SSRC_A;
		for (j = 0; j < 160; j++) {
			double t = (double)(*ts + j) / 8000, v = 0;

			if (p)
				v = 10000 * (sin(2 * M_PI *
						 rows[(p - layout) / 4] * t) +
					     sin(2 * M_PI *
						 cols[(p - layout) % 4] * t));
			b[12 + j] = g711_pcm2ulaw((int16_t)v);
		}
		mbuf_rewind(mb);
		(void)mbuf_write_mem(mb, b, sizeof(b));
		mb->pos = 0;
		(void)udp_send(ph->us, &dst, mb);
		++*seq;
		*ts += 160;
		usleep(2000); /* keep the order on the loopback */
	}
	mem_deref(mb);
}

int test_media_inband_leg(void)
{
	/* the phone sends '7' both ways: events and tones */
	static const struct tev seven[] = {A(50, 16000, 7, 0, 160),
					   A(51, 16000, 7, 1, 800),
					   A(52, 16000, 7, 1, 800)};
	struct media_leg *c = NULL;
	struct phone pc = {0};
	struct digits dc = {0};
	uint16_t seq = 1;
	uint32_t ts = 0;
	unsigned i;
	int err = 0;

	TEST_EQ_INT(media_init("127.0.0.1", 47000, 47999), 0);
	TEST_EQ_INT(media_leg_alloc(&c, CODEC_PCMU, MEDIA_PLAIN), 0);
	TEST_EQ_INT(phone_open(&pc, c, TEV), 0);
	media_leg_set_digith(c, on_digit, &dc);
	media_sync();

	/* off (the default): tones are audio, nothing else */
	phone_tone(&pc, c, '1', 100, &seq, &ts);
	phone_tone(&pc, c, 0, 100, &seq, &ts);
	media_sync();
	run_ms(100);
	TEST_EQ_STR(dc.s, "");

	/* on: '4' and '4' again after a pause are two presses */
	media_leg_set_inband(c, true);
	media_sync();
	phone_tone(&pc, c, '4', 100, &seq, &ts);
	phone_tone(&pc, c, 0, 100, &seq, &ts);
	phone_tone(&pc, c, '4', 200, &seq, &ts);
	phone_tone(&pc, c, 0, 100, &seq, &ts);
	for (i = 0; i < 100 && dc.n < 2; i++)
		run_ms(10);
	TEST_EQ_STR(dc.s, "44");

	/* '7' as events and as tones: one press */
	phone_send(&pc, c, seven, 1);
	phone_tone(&pc, c, '7', 100, &seq, &ts);
	phone_send(&pc, c, seven + 1, 2);
	phone_tone(&pc, c, 0, 100, &seq, &ts);
	phone_tone(&pc, c, '#', 100, &seq, &ts);
	phone_tone(&pc, c, 0, 100, &seq, &ts);
	for (i = 0; i < 100 && dc.n < 4; i++)
		run_ms(10);
	run_ms(100);
	TEST_EQ_STR(dc.s, "447#");

	/* off again */
	media_leg_set_inband(c, false);
	media_sync();
	phone_tone(&pc, c, '9', 100, &seq, &ts);
	phone_tone(&pc, c, 0, 100, &seq, &ts);
	media_sync();
	run_ms(100);
	TEST_EQ_STR(dc.s, "447#");
out:
	mem_deref(c);
	mem_deref(pc.us);
	media_close();
	return err;
}
