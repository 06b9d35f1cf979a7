/*
 * wav.c - WAV files as prompts: the one reader that both the player
 * (player.c, before resampling) and the prompt upload of the API (a file
 * is refused unless this reader decodes it) use.
 *
 * librem's aufile reads 16-bit PCM, A-law and u-law only, and believes
 * the sizes in the header; prompts come from anywhere (a studio's 24-bit
 * or float export, 44.1 kHz stereo, a phone system's 8-bit A-law), and a
 * file cut short in transfer must be refused, not played as half a
 * greeting.  So this walks the RIFF chunks itself:
 *
 *   "RIFF" size "WAVE"  { chunk id, size, bytes, pad byte if odd }*
 *                        fmt   format tag, channels, rate, block, bits
 *                        data  the frames (after fmt)
 *
 * Formats: PCM 8 (unsigned), 16, 24, 32 bit; IEEE float 32 and 64 bit;
 * A-law and u-law (8 bit); the same inside WAVE_FORMAT_EXTENSIBLE.  1 to 8
 * channels, 1 to 384 kHz.  The samples come out as 16-bit mono at the
 * file's rate (channels averaged, float clipped to [-1, 1]).
 */
#include <string.h>
#include <re.h>
#include <rem.h>
#include "core/core.h"
#include "media/media.h"

enum {
	TAG_PCM = 0x0001,
	TAG_FLOAT = 0x0003,
	TAG_ALAW = 0x0006,
	TAG_ULAW = 0x0007,
	TAG_EXTENSIBLE = 0xfffe,
	MAX_CHANNELS = 8,
	MAX_RATE = 384000,
};

/* the GUID of KSDATAFORMAT_SUBTYPE_*, after its first two bytes (the
 * format tag) */
static const uint8_t guid_tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
				      0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int fail(char *why, size_t sz, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && sz) {
		va_start(ap, fmt);
		(void)re_vsnprintf(why, sz, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* The sample format of tag and bits: its name, or NULL if unsupported. */
static const char *format_name(uint16_t tag, uint16_t bits)
{
	static const struct {
		uint16_t tag, bits;
		const char *name;
	} formats[] = {
	    {TAG_PCM, 8, "pcm_u8"},     {TAG_PCM, 16, "pcm_s16"},
	    {TAG_PCM, 24, "pcm_s24"},   {TAG_PCM, 32, "pcm_s32"},
	    {TAG_FLOAT, 32, "float32"}, {TAG_FLOAT, 64, "float64"},
	    {TAG_ALAW, 8, "alaw"},      {TAG_ULAW, 8, "ulaw"},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(formats); i++) {
		if (formats[i].tag == tag && formats[i].bits == bits)
			return formats[i].name;
	}
	return NULL;
}

/* One sample of the format at p as a value in [-32768, 32767]. */
static int32_t sample(uint16_t tag, uint16_t bits, const uint8_t *p)
{
	float f;
	double d;
	uint32_t u;
	uint64_t u64;

	switch (tag) {
	case TAG_ALAW:
		return g711_alaw2pcm(p[0]);
	case TAG_ULAW:
		return g711_ulaw2pcm(p[0]);
	case TAG_FLOAT:
		if (bits == 32) {
			u = le32(p);
			memcpy(&f, &u, sizeof(f));
			d = f;
		}
		else {
			u64 = (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
			memcpy(&d, &u64, sizeof(d));
		}
		if (!(d == d)) /* NaN */
			return 0;
		if (d >= 1.0)
			return 32767;
		if (d <= -1.0)
			return -32768;
		return (int32_t)(d * 32768.0);
	default: /* PCM */
		switch (bits) {
		case 8:
			return ((int32_t)p[0] - 128) * 256;
		case 16:
			return (int16_t)le16(p);
		case 24:
			return (int16_t)le16(p + 1);
		default:
			return (int16_t)le16(p + 2);
		}
	}
}

int media_wav_decode(const uint8_t *buf, size_t len, struct media_wav *w,
		     int16_t **pcmp, char *why, size_t wsz)
{
	const uint8_t *fmt = NULL, *data = NULL;
	uint32_t fmt_len = 0, data_len = 0;
	uint16_t tag, bits, block;
	size_t pos = 12, i, frames, c;
	int16_t *pcm;

	if (!buf || !w)
		return EINVAL;
	memset(w, 0, sizeof(*w));
	if (why && wsz)
		why[0] = '\0';

	if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4))
		return fail(why, wsz, EBADMSG,
			    "not a WAV file (no RIFF/WAVE header)");

	while (pos + 8 <= len && !data) {
		const uint8_t *id = buf + pos;
		uint32_t n = le32(buf + pos + 4);

		pos += 8;
		if (!memcmp(id, "fmt ", 4)) {
			if (n < 16 || n > len - pos)
				return fail(why, wsz, EBADMSG,
					    "not a WAV file (fmt chunk of "
					    "%u bytes)",
					    n);
			fmt = buf + pos;
			fmt_len = n;
		}
		else if (!memcmp(id, "data", 4)) {
			if (!fmt)
				return fail(why, wsz, EBADMSG,
					    "not a WAV file (data chunk "
					    "before the fmt chunk)");
			if (n > len - pos)
				return fail(why, wsz, EPROTO,
					    "truncated: the data chunk "
					    "says %u bytes, the file has %zu",
					    n, len - pos);
			data = buf + pos;
			data_len = n;
			break;
		}
		if (n > len - pos)
			break;
		pos += n + (n & 1);
	}
	if (!fmt)
		return fail(why, wsz, EBADMSG, "not a WAV file (no fmt chunk)");
	if (!data)
		return fail(why, wsz, EPROTO, "truncated: no data chunk");

	tag = le16(fmt);
	w->channels = le16(fmt + 2);
	w->srate = le32(fmt + 4);
	block = le16(fmt + 12);
	bits = le16(fmt + 14);
	if (tag == TAG_EXTENSIBLE) {
		if (fmt_len < 40 || memcmp(fmt + 26, guid_tail, 14))
			return fail(why, wsz, ENOTSUP,
				    "unsupported WAV format: extensible "
				    "without a known subformat");
		tag = le16(fmt + 24);
	}
	w->bits = bits;
	w->format = format_name(tag, bits);
	if (!w->format)
		return fail(why, wsz, ENOTSUP,
			    "unsupported WAV format: format tag %u with "
			    "%u bits; supported are 8, 16, 24 and 32-bit PCM, "
			    "32 and 64-bit float, A-law and u-law",
			    tag, bits);
	if (!w->channels || w->channels > MAX_CHANNELS)
		return fail(why, wsz, ENOTSUP,
			    "unsupported WAV format: %u channels (1 to %u)",
			    w->channels, MAX_CHANNELS);
	if (!w->srate || w->srate > MAX_RATE)
		return fail(why, wsz, ENOTSUP,
			    "unsupported WAV format: %u Hz (1 to %u)", w->srate,
			    MAX_RATE);
	if (block != w->channels * (bits / 8))
		return fail(why, wsz, EBADMSG,
			    "not a WAV file (block size %u for %u channels "
			    "of %u bits)",
			    block, w->channels, bits);

	frames = data_len / block;
	w->frames = frames;
	w->duration_ms = (uint32_t)((uint64_t)frames * 1000 / w->srate);
	if (!frames)
		return fail(why, wsz, ENODATA, "no audio (0 samples)");
	if (!pcmp)
		return 0;

	pcm = mem_alloc(frames * sizeof(*pcm), NULL);
	if (!pcm)
		return ENOMEM;
	for (i = 0; i < frames; i++) {
		const uint8_t *p = data + i * block;
		int32_t s = 0;

		for (c = 0; c < w->channels; c++)
			s += sample(tag, bits, p + c * (bits / 8));
		pcm[i] = (int16_t)(s / (int32_t)w->channels);
	}
	*pcmp = pcm;
	return 0;
}
