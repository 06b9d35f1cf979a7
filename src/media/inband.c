/*
 * inband.c - key presses sent as tones in the audio (DTMF, ITU-T Q.23/
 * Q.24) rather than as RFC 4733 events or SIP INFO: phones and carriers
 * that do neither, and callers of old gateways.  Each 20 ms block of a
 * leg's decoded G.711 audio is cut into blocks of 102 samples (12.75 ms;
 * the filters' main lobes are then 78 Hz wide, which takes the 1.5 %
 * frequency error Q.24 allows even at 1633 Hz and still keeps the next
 * tone of a group 13 dB down), and each block goes through eight
 * Goertzel filters, one per DTMF frequency; a block holds a key when
 *
 *   - the strongest row tone and the strongest column tone are both
 *     above -36 dBFS,
 *   - twist: the column tone is at most 8 dB above the row tone (normal
 *     twist) and at most 4 dB below it (reverse twist),
 *   - each is 8 dB above every other tone of its group,
 *   - the two tones carry at least 60 % of the block's energy (speech
 *     and music spread theirs).
 *
 * A key counts when two blocks in a row hold it (a tone of 40 ms always
 * fills two, one of 20 ms never: Q.24 accepts from 40 ms and rejects
 * under 20 ms) and is reported once, at its second block.  The same key
 * again needs two silent blocks (a pause of 40 ms always has two, a
 * break of 20 ms at most one; a block with sound but no key, such as the
 * edge of a tone, counts for nothing), so a key held down is one press.
 *
 *   [idle] --key k-->  [k seen once] --k again--> REPORT, [k held]
 *      ^                  |  other/none               |  k: nothing
 *      |                  v                           |  2 blocks
 *      +------------- [idle] <------------------------+  without k
 *
 * Detection costs about 8 x 160 multiply-adds per packet, so it runs
 * only on legs whose owner asks for it (media_leg_set_inband: while an
 * application waits for digits), not on every relayed call.  Pure state
 * per stream: any thread (the media thread runs it).
 */
#include <math.h>
#include <string.h>
#include <re.h>
#include <rem.h>
#include "core/core.h"
#include "media/media.h"
#include "media/media_int.h"

static const double row_hz[4] = {697, 770, 852, 941};
static const double col_hz[4] = {1209, 1336, 1477, 1633};
static const char keys[4][4] = {
    {'1', '2', '3', 'A'},
    {'4', '5', '6', 'B'},
    {'7', '8', '9', 'C'},
    {'*', '0', '#', 'D'},
};

/* 8 kHz; the Goertzel coefficients 2 cos(2 pi f / 8000) */
static double row_k[4], col_k[4];
static bool coeffs_ready;

enum {
	HITS_TO_REPORT = 2, /* blocks holding the key before it counts */
	MISSES_TO_END = 2,  /* blocks without it before it may repeat  */
};

#define TWIST_NORMAL  6.31  /* 8 dB: column above row               */
#define TWIST_REVERSE 2.51  /* 4 dB: row above column               */
#define RELATIVE_PEAK 6.31  /* 8 dB above the rest of its group      */
#define TONES_SHARE   0.6   /* of the block's energy                 */
#define MIN_AMPLITUDE 520.0 /* -36 dBFS peak amplitude of one tone   */

static void coeffs_init(void)
{
	int i;

	for (i = 0; i < 4; i++) {
		row_k[i] = 2.0 * cos(2.0 * M_PI * row_hz[i] / 8000.0);
		col_k[i] = 2.0 * cos(2.0 * M_PI * col_hz[i] / 8000.0);
	}
	coeffs_ready = true;
}

/* Goertzel power of pcm at coefficient k, scaled to the energy a sine
 * of that frequency puts in the block (sum of squares) */
static double goertzel(const int16_t *pcm, size_t n, double k)
{
	double s0, s1 = 0, s2 = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		s0 = pcm[i] + k * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return (s1 * s1 + s2 * s2 - k * s1 * s2) * 2.0 / (double)n;
}

/* the strongest of four powers; false unless it is 8 dB above the rest */
static bool peak(const double p[4], int *best)
{
	int i;

	*best = 0;
	for (i = 1; i < 4; i++) {
		if (p[i] > p[*best])
			*best = i;
	}
	for (i = 0; i < 4; i++) {
		if (i != *best && p[i] * RELATIVE_PEAK > p[*best])
			return false;
	}
	return true;
}

/* The key in one block, or 0 (*silent: too quiet to hold any). */
static char block_key(const int16_t *pcm, size_t n, bool *silent)
{
	double rp[4], cp[4], energy = 0, floor;
	int r, c, i;
	size_t j;

	for (j = 0; j < n; j++)
		energy += (double)pcm[j] * pcm[j];
	/* a sine of amplitude A puts n A^2 / 2 into the block */
	floor = (double)n * MIN_AMPLITUDE * MIN_AMPLITUDE / 2.0;
	*silent = energy < 2 * floor;
	if (*silent)
		return 0;
	for (i = 0; i < 4; i++) {
		rp[i] = goertzel(pcm, n, row_k[i]);
		cp[i] = goertzel(pcm, n, col_k[i]);
	}
	if (!peak(rp, &r) || !peak(cp, &c))
		return 0;
	if (rp[r] < floor || cp[c] < floor)
		return 0;
	if (cp[c] > rp[r] * TWIST_NORMAL || rp[r] > cp[c] * TWIST_REVERSE)
		return 0;
	if (rp[r] + cp[c] < TONES_SHARE * energy)
		return 0;
	return keys[r][c];
}

/* One whole block into the state machine: the key to report, or 0. */
static char block(struct media_inband *d, const int16_t *pcm, size_t n)
{
	bool silent = false;
	char k;

	if (!coeffs_ready)
		coeffs_init();
	k = block_key(pcm, n, &silent);

	if (d->held) {
		if (k == d->held) {
			d->misses = 0;
			return 0;
		}
		/* a block with sound but no key (the edge of the tone)
		 * neither ends nor continues the press */
		if (!k && (!silent || ++d->misses < MISSES_TO_END))
			return 0;
		d->held = 0; /* ended: a pause, or another key */
		d->misses = 0;
	}
	if (k && k == d->last) {
		if (++d->hits >= HITS_TO_REPORT) {
			d->held = k;
			d->last = 0;
			d->hits = 0;
			return k;
		}
		return 0;
	}
	d->last = k;
	d->hits = k ? 1 : 0;
	return 0;
}

char media_inband_feed(struct media_inband *d, const int16_t *pcm, size_t n)
{
	char k, found = 0;

	if (!d || !pcm)
		return 0;
	while (n) {
		size_t take = MEDIA_INBAND_BLOCK - d->fill;

		if (take > n)
			take = n;
		memcpy(d->buf + d->fill, pcm, take * sizeof(*pcm));
		d->fill += take;
		pcm += take;
		n -= take;
		if (d->fill < MEDIA_INBAND_BLOCK)
			break;
		d->fill = 0;
		k = block(d, d->buf, MEDIA_INBAND_BLOCK);
		if (k && !found)
			found = k;
	}
	return found;
}

void media_inband_rtp(struct media_stream *ms, uint8_t kind, const uint8_t *p,
		      size_t len, uint64_t now)
{
	int16_t pcm[1500];
	size_t off, n, i;
	char k;

	off = media_rtp_payload(p, len, &n);
	if (!off)
		return;
	if (n > ARRAY_SIZE(pcm))
		n = ARRAY_SIZE(pcm);
	for (i = 0; i < n; i++)
		pcm[i] = kind == PT_ALAW ? g711_alaw2pcm(p[off + i])
					 : g711_ulaw2pcm(p[off + i]);
	k = media_inband_feed(&ms->inband, pcm, n);
	if (k)
		media_digit_report(ms, k, MEDIA_DIGIT_INBAND, now);
}
