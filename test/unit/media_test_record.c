/*
 * media_test_record.c - the recorder (media/recorder.c) on real sockets:
 * the test is the far end of a leg and sends it RTP (PCMU and PCMA, a
 * pattern of every byte value), then reads the WAV file back with
 * aufile and compares it sample by sample with librem's G.711 decode of
 * what it sent: lost packets are zeros, a late duplicate is dropped,
 * max_ms cuts the file at exactly that length, silence_ms ends it after
 * that much silence, and the file and its directory are fsync'ed before
 * the end is reported.
 */
#include <unistd.h>
#include <re.h>
#include <rem.h>
#include "core/core.h"
#include "media/media.h"
#include "test.h"

enum { PKT = 160, MAXS = 8000 * 4 };

struct far {
	struct udp_sock *us;
	struct sa addr;
};

struct done {
	bool called;
	int err;
	uint32_t ms;
	enum media_rec_end why;
};

static void far_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	(void)src;
	(void)mb;
	(void)arg;
}

static int far_open(struct far *f)
{
	struct sa a;
	int err;

	sa_set_str(&a, "127.0.0.1", 0);
	err = udp_listen(&f->us, &a, far_recv, f);
	if (!err)
		err = udp_local_get(f->us, &f->addr);
	return err;
}

/* a leg whose far end is f, offering PCMU and PCMA */
static int leg_open(struct media_leg **legp, const struct far *f)
{
	struct mbuf *mb = mbuf_alloc(512);
	int err;

	if (!mb)
		return ENOMEM;
	mbuf_printf(mb,
		    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
		    "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		    "m=audio %u RTP/AVP 0 8 101\r\n"
		    "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
		    "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n",
		    sa_port(&f->addr));
	mb->pos = 0;
	err = media_leg_alloc(legp, CODEC_PCMU, MEDIA_PLAIN);
	if (!err)
		err = media_leg_decode(*legp, mb, true);
	mem_deref(mb);
	return err;
}

/* the payload byte j of packet k: every byte value comes by */
static uint8_t pattern(unsigned k, unsigned j)
{
	return (uint8_t)(k * 37 + j);
}

static int16_t decode(uint8_t pt, uint8_t b)
{
	return pt == 8 ? g711_alaw2pcm(b) : g711_ulaw2pcm(b);
}

/* packet k of a stream: seq 100 + k, timestamp 5000 + k * 160; silent
 * packets carry the law's code for 0 */
static void send_pkt(struct far *f, struct media_leg *to, uint8_t pt,
		     unsigned k, bool silent)
{
	struct mbuf *mb = mbuf_alloc(300);
	struct sa dst;
	unsigned j;

	mbuf_write_u8(mb, 0x80);
	mbuf_write_u8(mb, pt);
	mbuf_write_u16(mb, htons((uint16_t)(100 + k)));
	mbuf_write_u32(mb, htonl(5000 + k * PKT));
	mbuf_write_u32(mb, htonl(0xabcd0000u + pt));
	for (j = 0; j < PKT; j++)
		mbuf_write_u8(mb,
			      silent ? (pt == 8 ? 0xd5 : 0xff) : pattern(k, j));
	mb->pos = 0;
	sa_set_str(&dst, "127.0.0.1", media_leg_port(to));
	udp_send(f->us, &dst, mb);
	mem_deref(mb);
}

/* until the media thread has taken n packets of leg (and handled them:
 * media_sync() after the counter) */
static int wait_rx(const struct media_leg *leg, uint64_t n)
{
	uint64_t rx = 0, t0 = tmr_jiffies();

	while (tmr_jiffies() - t0 < 3000) {
		media_leg_stats(leg, &rx, NULL);
		if (rx >= n)
			break;
		usleep(1000);
	}
	media_sync();
	return rx == n ? 0 : ETIMEDOUT;
}

/* the samples of a WAV file; it must be 8 kHz mono S16LE */
static int wav_load(const char *path, int16_t *pcm, size_t max, size_t *np)
{
	struct aufile_prm prm;
	struct aufile *af = NULL;
	size_t n = 0;
	int err;

	err = aufile_open(&af, &prm, path, AUFILE_READ);
	if (err)
		return err;
	if (prm.srate != 8000 || prm.channels != 1 || prm.fmt != AUFMT_S16LE)
		err = EPROTO;
	while (!err) {
		size_t sz = (max - n) * 2;
		if (!sz) {
			err = EFBIG;
			break;
		}
		err = aufile_read(af, (uint8_t *)(pcm + n), &sz);
		if (err || !sz)
			break;
		n += sz / 2;
	}
	mem_deref(af);
	*np = n;
	return err;
}

static void timeout(void *arg)
{
	(void)arg;
	re_cancel();
}

static void rec_done(int err, uint32_t ms, enum media_rec_end why, void *arg)
{
	struct done *d = arg;

	d->called = true;
	d->err = err;
	d->ms = ms;
	d->why = why;
	re_cancel();
}

/* run the main loop until d's handler was called (3 s at most) */
static void wait_done(struct done *d)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, 3000, timeout, NULL);
	if (!d->called)
		(void)re_main(NULL);
	tmr_cancel(&t);
}

enum { PATTERN, ZEROS, SILENT };

/* PKT samples of pcm are packet k's decode, zeros (a gap), or the
 * decode of a silent packet (A-law has no 0: its 0xd5 is 8) */
static int same(const int16_t *pcm, uint8_t pt, unsigned k, int what)
{
	unsigned j;

	for (j = 0; j < PKT; j++) {
		int16_t want = what == ZEROS ? 0
			       : what == SILENT
				   ? decode(pt, pt == 8 ? 0xd5 : 0xff)
				   : decode(pt, pattern(k, j));
		if (pcm[j] != want) {
			fprintf(stderr, "  packet %u sample %u: %d, want %d\n",
				k, j, pcm[j], want);
			return 1;
		}
	}
	return 0;
}

int test_media_rec_g711(void)
{
	static const uint8_t pts[] = {0, 8};
	struct media_rec_prm prm = {10000, 0};
	struct media_rec *rec = NULL;
	struct media_leg *leg = NULL;
	struct far f = {0};
	struct done d = {0};
	int16_t *pcm = NULL;
	char path[64];
	uint64_t rx = 0, syncs;
	uint32_t ms = 0;
	size_t n = 0, i;
	unsigned k;
	int err = 0;

	pcm = mem_alloc(MAXS * sizeof(*pcm), NULL);
	TEST_ASSERT(pcm != NULL);
	TEST_EQ_INT(media_init("127.0.0.1", 46000, 46999), 0);
	TEST_EQ_INT(far_open(&f), 0);
	TEST_EQ_INT(leg_open(&leg, &f), 0);
	re_snprintf(path, sizeof(path), "/tmp/sb-rec-%d.wav", (int)getpid());

	for (i = 0; i < ARRAY_SIZE(pts); i++) {
		uint8_t pt = pts[i];

		TEST_EQ_INT(
		    media_rec_start(&rec, leg, path, &prm, rec_done, &d), 0);
		media_sync(); /* the recorder is on the stream */
		/* packets 0-9, 3 lost (10-12), 13-17, then a late copy of
		 * packet 5 (dropped) and 18 */
		for (k = 0; k < 10; k++)
			send_pkt(&f, leg, pt, k, false);
		for (k = 13; k < 18; k++)
			send_pkt(&f, leg, pt, k, false);
		send_pkt(&f, leg, pt, 5, false);
		send_pkt(&f, leg, pt, 18, false);
		rx += 17;
		TEST_EQ_INT(wait_rx(leg, rx), 0);

		syncs = file_sync_count();
		TEST_EQ_INT(media_rec_stop(rec, &ms), 0);
		/* the file, then its directory */
		TEST_EQ_INT(file_sync_count() - syncs, 2);
		TEST_EQ_INT(ms, 19 * PKT / 8);
		TEST_EQ_INT(media_rec_stop(rec, &ms), 0); /* only the result */
		TEST_EQ_INT(file_sync_count() - syncs, 2);
		rec = mem_deref(rec);
		TEST_ASSERT(!d.called); /* stopped: no handler */

		TEST_EQ_INT(wav_load(path, pcm, MAXS, &n), 0);
		TEST_EQ_INT(n, 19 * PKT);
		for (k = 0; k < 19; k++)
			TEST_EQ_INT(same(pcm + k * PKT, pt, k,
					 k >= 10 && k <= 12 ? ZEROS : PATTERN),
				    0);
	}

	/* errors: no length, a file that cannot be created */
	prm.max_ms = 0;
	TEST_EQ_INT(media_rec_start(&rec, leg, path, &prm, NULL, NULL), EINVAL);
	prm.max_ms = 1000;
	TEST_EQ_INT(media_rec_start(&rec, leg, "/nonexistent/dir/x.wav", &prm,
				    NULL, NULL),
		    ENOENT);
	TEST_ASSERT(rec == NULL);
out:
	mem_deref(rec);
	mem_deref(leg);
	mem_deref(f.us);
	media_close();
	mem_deref(pcm);
	unlink(path);
	return err;
}

int test_media_rec_end(void)
{
	struct media_rec_prm prm = {90, 0};
	struct media_rec *rec = NULL;
	struct media_leg *leg = NULL;
	struct far f = {0};
	struct done d = {0};
	int16_t *pcm = NULL;
	char path[64];
	uint64_t syncs, rx = 0, t0, idle;
	uint32_t ms = 0;
	size_t n = 0, j;
	unsigned k;
	int err = 0;

	pcm = mem_alloc(MAXS * sizeof(*pcm), NULL);
	TEST_ASSERT(pcm != NULL);
	TEST_EQ_INT(media_init("127.0.0.1", 46000, 46999), 0);
	TEST_EQ_INT(far_open(&f), 0);
	TEST_EQ_INT(leg_open(&leg, &f), 0);
	re_snprintf(path, sizeof(path), "/tmp/sb-rec-end-%d.wav",
		    (int)getpid());

	/* max 90 ms: 720 samples, four packets and half of the fifth */
	TEST_EQ_INT(media_rec_start(&rec, leg, path, &prm, rec_done, &d), 0);
	media_sync();
	syncs = file_sync_count();
	for (k = 0; k < 8; k++)
		send_pkt(&f, leg, 0, k, false);
	wait_done(&d);
	TEST_ASSERT(d.called);
	TEST_EQ_INT(d.err, 0);
	TEST_EQ_INT(d.why, MEDIA_REC_MAX);
	TEST_EQ_INT(d.ms, 90);
	TEST_EQ_INT(file_sync_count() - syncs, 2);
	rec = mem_deref(rec);
	TEST_EQ_INT(wav_load(path, pcm, MAXS, &n), 0);
	TEST_EQ_INT(n, 720);
	for (k = 0; k < 4; k++)
		TEST_EQ_INT(same(pcm + k * PKT, 0, k, PATTERN), 0);
	for (j = 0; j < 80; j++)
		TEST_EQ_INT(pcm[4 * PKT + j], g711_ulaw2pcm(pattern(4, j)));

	/* silence 100 ms: three loud packets, then the fifth silent one
	 * ends it (A-law) */
	memset(&d, 0, sizeof(d));
	prm.max_ms = 10000;
	prm.silence_ms = 100;
	TEST_EQ_INT(media_rec_start(&rec, leg, path, &prm, rec_done, &d), 0);
	media_sync();
	for (k = 0; k < 3; k++)
		send_pkt(&f, leg, 8, k, false);
	for (k = 3; k < 10; k++)
		send_pkt(&f, leg, 8, k, true);
	wait_done(&d);
	TEST_ASSERT(d.called);
	TEST_EQ_INT(d.err, 0);
	TEST_EQ_INT(d.why, MEDIA_REC_SILENCE);
	TEST_EQ_INT(d.ms, 8 * PKT / 8);
	rec = mem_deref(rec);
	TEST_EQ_INT(wav_load(path, pcm, MAXS, &n), 0);
	TEST_EQ_INT(n, 8 * PKT);
	for (k = 0; k < 8; k++)
		TEST_EQ_INT(
		    same(pcm + k * PKT, 8, k, k >= 3 ? SILENT : PATTERN), 0);

	/* no RTP at all: the wall clock ends it, the file is silence of
	 * exactly max_ms (silence_ms: exactly silence_ms) */
	memset(&d, 0, sizeof(d));
	prm.max_ms = 300;
	prm.silence_ms = 0;
	TEST_EQ_INT(media_rec_start(&rec, leg, path, &prm, rec_done, &d), 0);
	wait_done(&d);
	TEST_ASSERT(d.called);
	TEST_EQ_INT(d.err, 0);
	TEST_EQ_INT(d.why, MEDIA_REC_MAX);
	TEST_EQ_INT(d.ms, 300);
	rec = mem_deref(rec);
	TEST_EQ_INT(wav_load(path, pcm, MAXS, &n), 0);
	TEST_EQ_INT(n, 2400);
	for (j = 0; j < n; j++)
		TEST_EQ_INT(pcm[j], 0);
	memset(&d, 0, sizeof(d));
	prm.max_ms = 10000;
	prm.silence_ms = 200;
	TEST_EQ_INT(media_rec_start(&rec, leg, path, &prm, rec_done, &d), 0);
	wait_done(&d);
	TEST_ASSERT(d.called);
	TEST_EQ_INT(d.why, MEDIA_REC_SILENCE);
	TEST_EQ_INT(d.ms, 200);
	rec = mem_deref(rec);

	/* RTP stops before the end: the pause up to the stop is silence
	 * (the time since the last packet, less its own 20 ms) */
	memset(&d, 0, sizeof(d));
	prm.silence_ms = 0;
	TEST_EQ_INT(media_rec_start(&rec, leg, path, &prm, rec_done, &d), 0);
	media_sync();
	media_leg_stats(leg, &rx, NULL);
	for (k = 100; k < 105; k++)
		send_pkt(&f, leg, 0, k, false);
	TEST_EQ_INT(wait_rx(leg, rx + 5), 0);
	t0 = tmr_jiffies();
	usleep(800 * 1000);
	TEST_EQ_INT(media_rec_stop(rec, &ms), 0);
	idle = tmr_jiffies() - t0;
	rec = mem_deref(rec);
	TEST_EQ_INT(wav_load(path, pcm, MAXS, &n), 0);
	TEST_ASSERT(n >= 5 * PKT + (800 - 20) * 8);
	TEST_ASSERT(n <= 5 * PKT + (idle + 5) * 8);
	TEST_EQ_INT(ms, n / 8);
	for (k = 0; k < 5; k++)
		TEST_EQ_INT(same(pcm + k * PKT, 0, 100 + k, PATTERN), 0);
	for (j = 5 * PKT; j < n; j++)
		TEST_EQ_INT(pcm[j], 0);
	TEST_ASSERT(!d.called);

	/* the leg is freed while it records: ended at the next write */
	memset(&d, 0, sizeof(d));
	prm.silence_ms = 0;
	TEST_EQ_INT(media_rec_start(&rec, leg, path, &prm, rec_done, &d), 0);
	leg = mem_deref(leg);
	wait_done(&d);
	TEST_ASSERT(d.called);
	TEST_EQ_INT(d.err, 0);
	TEST_EQ_INT(d.why, MEDIA_REC_GONE);
	TEST_EQ_INT(d.ms, 0);
out:
	mem_deref(rec);
	mem_deref(leg);
	mem_deref(f.us);
	media_close();
	mem_deref(pcm);
	unlink(path);
	return err;
}
