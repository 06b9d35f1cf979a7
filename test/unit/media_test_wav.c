/*
 * media_test_wav.c - the WAV reader of prompts (media/wav.c), table-driven
 * on files built in memory: every sample format it takes decodes to the
 * expected 16-bit mono samples (channels averaged), and every broken or
 * unsupported file is refused with its errno and reason.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "test.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/*
 * A WAV file in buf: fmt chunk (tag, channels, rate, bits; extensible
 * with tag as its subformat), an odd-sized "junk" chunk before data, and
 * the data chunk holding n bytes of data but claiming claim bytes.
 */
static size_t wav_make(uint8_t *buf, uint16_t tag, uint16_t ch, uint32_t rate,
		       uint16_t bits, bool ext, const uint8_t *data, size_t n,
		       uint32_t claim)
{
	static const uint8_t guid[14] = {0x00, 0x00, 0x00, 0x00, 0x10,
					 0x00, 0x80, 0x00, 0x00, 0xaa,
					 0x00, 0x38, 0x9b, 0x71};
	uint16_t block = (uint16_t)(ch * bits / 8);
	size_t pos = 12, fl = ext ? 40 : 16;

	memcpy(buf, "RIFF", 4);
	memcpy(buf + 8, "WAVE", 4);
	memcpy(buf + pos, "fmt ", 4);
	put32(buf + pos + 4, (uint32_t)fl);
	pos += 8;
	put16(buf + pos, ext ? 0xfffe : tag);
	put16(buf + pos + 2, ch);
	put32(buf + pos + 4, rate);
	put32(buf + pos + 8, rate * block);
	put16(buf + pos + 12, block);
	put16(buf + pos + 14, bits);
	if (ext) {
		put16(buf + pos + 16, 22);
		put16(buf + pos + 18, bits);
		put32(buf + pos + 20, 0);
		put16(buf + pos + 24, tag);
		memcpy(buf + pos + 26, guid, sizeof(guid));
	}
	pos += fl;
	memcpy(buf + pos, "junk", 4); /* 3 bytes and a pad byte */
	put32(buf + pos + 4, 3);
	memcpy(buf + pos + 8, "abc", 4);
	pos += 12;
	memcpy(buf + pos, "data", 4);
	put32(buf + pos + 4, claim);
	memcpy(buf + pos + 8, data, n);
	pos += 8 + n;
	put32(buf + 4, (uint32_t)(pos - 8));
	return pos;
}

int test_media_wav(void)
{
	/* two frames of each format; the second channel (if any) equal
	 * to the first but negated, or equal (then the mean is the same) */
	static const struct {
		uint16_t tag, ch, bits;
		bool ext;
		uint8_t data[32];
		size_t n;
		const char *format;
		int16_t s0, s1; /* samples expected */
	} ok[] = {
	    {1,
	     1,
	     16,
	     false,
	     {0x00, 0x40, 0x00, 0xc0},
	     4,
	     "pcm_s16",
	     16384,
	     -16384},
	    {1,
	     2,
	     16,
	     false,
	     {0x00, 0x40, 0x00, 0x20, 0, 0, 0, 0},
	     8,
	     "pcm_s16",
	     12288,
	     0},
	    {1, 1, 8, false, {0xc0, 0x40}, 2, "pcm_u8", 16384, -16384},
	    {1,
	     1,
	     24,
	     false,
	     {0xff, 0x00, 0x40, 0x00, 0x00, 0x80},
	     6,
	     "pcm_s24",
	     16384,
	     -32768},
	    {1,
	     1,
	     32,
	     false,
	     {0, 0, 0, 0x40, 0xff, 0xff, 0xff, 0x7f},
	     8,
	     "pcm_s32",
	     16384,
	     32767},
	    /* 0.5f = 0x3f000000, -2.0f (clipped) = 0xc0000000 */
	    {3,
	     1,
	     32,
	     false,
	     {0, 0, 0, 0x3f, 0, 0, 0, 0xc0},
	     8,
	     "float32",
	     16384,
	     -32768},
	    /* -0.25 = 0xbfd0000000000000, 1.0 (clipped) */
	    {3,
	     1,
	     64,
	     false,
	     {0, 0, 0, 0, 0, 0, 0xd0, 0xbf, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f},
	     16,
	     "float64",
	     -8192,
	     32767},
	    /* A-law 0xd5 and u-law 0xff are the near-zero codes (librem's
	     * tables) */
	    {6, 1, 8, false, {0xd5, 0x55}, 2, "alaw", 8, -8},
	    {7, 1, 8, false, {0xff, 0x7f}, 2, "ulaw", 2, -2},
	    {1,
	     2,
	     24,
	     true,
	     {0, 0, 0x40, 0, 0, 0x40, 0, 0, 0, 0, 0, 0xc0},
	     12,
	     "pcm_s24",
	     16384,
	     -8192},
	    {3,
	     1,
	     32,
	     true,
	     {0, 0, 0x80, 0xbe, 0, 0, 0, 0},
	     8,
	     "float32",
	     -8192,
	     0},
	};
	uint8_t buf[256];
	struct media_wav w;
	int16_t *pcm = NULL;
	char why[256];
	size_t i, n;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		n = wav_make(buf, ok[i].tag, ok[i].ch, 44100, ok[i].bits,
			     ok[i].ext, ok[i].data, ok[i].n, (uint32_t)ok[i].n);
		pcm = mem_deref(pcm);
		if (media_wav_decode(buf, n, &w, &pcm, why, sizeof(why))) {
			fprintf(stderr, "  case %zu: %s\n", i, why);
			TEST_ASSERT(false);
		}
		TEST_EQ_STR(w.format, ok[i].format);
		TEST_EQ_INT(w.channels, ok[i].ch);
		TEST_EQ_INT(w.srate, 44100);
		TEST_EQ_INT(w.frames, 2);
		TEST_EQ_INT(w.duration_ms, 0);
		if (pcm[0] != ok[i].s0 || pcm[1] != ok[i].s1)
			fprintf(stderr, "  case %zu (%s)\n", i, ok[i].format);
		TEST_EQ_INT(pcm[0], ok[i].s0);
		TEST_EQ_INT(pcm[1], ok[i].s1);
	}

	/* the length: frames / rate, rounded down; no samples asked for */
	{
		static uint8_t big[2 * 8001 + 128];
		static uint8_t zero[2 * 8001];

		n = wav_make(big, 1, 1, 8000, 16, false, zero, sizeof(zero),
			     sizeof(zero));
		TEST_EQ_INT(media_wav_decode(big, n, &w, NULL, NULL, 0), 0);
		TEST_EQ_INT(w.frames, 8001);
		TEST_EQ_INT(w.duration_ms, 1000);
	}

	/* refused */
	n = wav_make(buf, 1, 1, 8000, 16, false, ok[0].data, 4, 4);
	TEST_EQ_INT(media_wav_decode((const uint8_t *)"hello world, no wav", 19,
				     &w, NULL, why, sizeof(why)),
		    EBADMSG);
	TEST_EQ_STR(why, "not a WAV file (no RIFF/WAVE header)");
	TEST_EQ_INT(media_wav_decode(buf, 11, &w, NULL, why, sizeof(why)),
		    EBADMSG);
	TEST_EQ_INT(media_wav_decode(buf, 30, &w, NULL, why, sizeof(why)),
		    EBADMSG);
	TEST_EQ_STR(why, "not a WAV file (fmt chunk of 16 bytes)");
	TEST_EQ_INT(media_wav_decode(buf, 40, &w, NULL, why, sizeof(why)),
		    EPROTO);
	TEST_EQ_STR(why, "truncated: no data chunk");
	TEST_EQ_INT(media_wav_decode(buf, n - 1, &w, NULL, why, sizeof(why)),
		    EPROTO);
	TEST_EQ_STR(why, "truncated: the data chunk says 4 bytes, the file "
			 "has 3");
	n = wav_make(buf, 1, 1, 8000, 16, false, ok[0].data, 0, 0);
	TEST_EQ_INT(media_wav_decode(buf, n, &w, NULL, why, sizeof(why)),
		    ENODATA);
	TEST_EQ_STR(why, "no audio (0 samples)");
	n = wav_make(buf, 0x55, 1, 8000, 0, false, ok[0].data, 4, 4);
	TEST_EQ_INT(media_wav_decode(buf, n, &w, NULL, why, sizeof(why)),
		    ENOTSUP);
	TEST_EQ_STR(why, "unsupported WAV format: format tag 85 with 0 bits; "
			 "supported are 8, 16, 24 and 32-bit PCM, 32 and "
			 "64-bit float, A-law and u-law");
	n = wav_make(buf, 1, 1, 8000, 12, false, ok[0].data, 4, 4);
	TEST_EQ_INT(media_wav_decode(buf, n, &w, NULL, why, sizeof(why)),
		    ENOTSUP);
	n = wav_make(buf, 1, 9, 8000, 16, false, ok[0].data, 4, 4);
	TEST_EQ_INT(media_wav_decode(buf, n, &w, NULL, why, sizeof(why)),
		    ENOTSUP);
	TEST_EQ_STR(why, "unsupported WAV format: 9 channels (1 to 8)");
	n = wav_make(buf, 1, 1, 0, 16, false, ok[0].data, 4, 4);
	TEST_EQ_INT(media_wav_decode(buf, n, &w, NULL, why, sizeof(why)),
		    ENOTSUP);
	TEST_EQ_STR(why, "unsupported WAV format: 0 Hz (1 to 384000)");
	/* extensible with a subformat that is no KSDATAFORMAT GUID */
	n = wav_make(buf, 1, 1, 8000, 16, true, ok[0].data, 4, 4);
	buf[12 + 8 + 30] ^= 0xff;
	TEST_EQ_INT(media_wav_decode(buf, n, &w, NULL, why, sizeof(why)),
		    ENOTSUP);
	TEST_EQ_STR(why, "unsupported WAV format: extensible without a known "
			 "subformat");
	/* block size that does not fit channels and bits */
	n = wav_make(buf, 1, 1, 8000, 16, false, ok[0].data, 4, 4);
	put16(buf + 12 + 8 + 12, 4);
	TEST_EQ_INT(media_wav_decode(buf, n, &w, NULL, why, sizeof(why)),
		    EBADMSG);
	TEST_EQ_STR(why, "not a WAV file (block size 4 for 1 channels of 16 "
			 "bits)");
	TEST_EQ_INT(media_wav_decode(NULL, 0, &w, NULL, NULL, 0), EINVAL);
out:
	mem_deref(pcm);
	return err;
}
