/*
 * media_test_inband.c - in-band DTMF (inband.c) on synthetic tones with
 * exact expectations: all sixteen keys in order, one report per press
 * however long it sounds, the Q.24 limits (40 ms counts, 20 ms does
 * not; a pause of 20 ms does not split a press, 40 ms does), twist
 * within and beyond the limits, a single tone, tones in noise, a 1.5 %
 * frequency error, and talk-off: the speech and music of the prompts the
 * build made (German and English sentences, music on hold) give no key.
 */
#include <math.h>
#include <dirent.h>
#include <re.h>
#include <rem.h>
#include "core/core.h"
#include "media/media.h"
#include "media/media_int.h"
#include "test.h"

static const double rows[4] = {697, 770, 852, 941};
static const double cols[4] = {1209, 1336, 1477, 1633};
static const char *const layout = "123A456B789C*0#D";

enum { RATE = 8000, BLOCK = 160, SIG_MAX = RATE * 20 };

struct sig {
	int16_t pcm[SIG_MAX];
	size_t n;
	uint32_t seed;
};

static double noise(struct sig *s)
{
	s->seed = s->seed * 1103515245u + 12345u;
	return ((double)((s->seed >> 8) & 0xffff) / 32768.0) - 1.0;
}

/* key k for ms, row amplitude ar, column amplitude ac (of 32767),
 * frequencies scaled by f, plus noise of amplitude an */
static void tone(struct sig *s, char k, unsigned ms, double ar, double ac,
		 double f, double an)
{
	const char *p = k ? strchr(layout, k) : NULL;
	size_t i, n = (size_t)ms * RATE / 1000;
	double fr = 0, fc = 0;

	if (p) {
		fr = rows[(p - layout) / 4] * f;
		fc = cols[(p - layout) % 4] * f;
	}
	for (i = 0; i < n && s->n < SIG_MAX; i++, s->n++) {
		double t = (double)s->n / RATE;
		double v = (p ? ar * sin(2 * M_PI * fr * t) +
				    ac * sin(2 * M_PI * fc * t)
			      : 0) +
			   an * noise(s);

		s->pcm[s->n] = (int16_t)(v > 32767    ? 32767
					 : v < -32767 ? -32767
						      : v);
	}
}

/* the keys detected in s, block by block */
static void detect(const struct sig *s, char *out, size_t sz)
{
	struct media_inband d;
	size_t i, o = 0;

	memset(&d, 0, sizeof(d));
	for (i = 0; i + BLOCK <= s->n; i += BLOCK) {
		char k = media_inband_feed(&d, s->pcm + i, BLOCK);

		if (k && o + 1 < sz)
			out[o++] = k;
	}
	out[o] = '\0';
}

#define A 10362.0 /* -10 dBFS per tone */

int test_media_inband(void)
{
	struct sig *s = mem_zalloc(sizeof(*s), NULL);
	char got[64];
	size_t i;
	int err = 0;

	TEST_ASSERT(s);

	/* every key, 100 ms on, 100 ms off */
	for (i = 0; layout[i]; i++) {
		tone(s, layout[i], 100, A, A, 1.0, 0);
		tone(s, 0, 100, 0, 0, 1.0, 0);
	}
	detect(s, got, sizeof(got));
	TEST_EQ_STR(got, layout);

	/* a press of 2 s is one press; the same key again after 60 ms */
	s->n = 0;
	tone(s, '5', 2000, A, A, 1.0, 0);
	tone(s, 0, 60, 0, 0, 1.0, 0);
	tone(s, '5', 100, A, A, 1.0, 0);
	tone(s, 0, 100, 0, 0, 1.0, 0);
	detect(s, got, sizeof(got));
	TEST_EQ_STR(got, "55");

	/* 40 ms counts; 20 ms does not */
	s->n = 0;
	tone(s, '1', 40, A, A, 1.0, 0);
	tone(s, 0, 100, 0, 0, 1.0, 0);
	tone(s, '2', 20, A, A, 1.0, 0);
	tone(s, 0, 100, 0, 0, 1.0, 0);
	detect(s, got, sizeof(got));
	TEST_EQ_STR(got, "1");

	/* a 20 ms gap (one block) does not split a press */
	s->n = 0;
	tone(s, '7', 100, A, A, 1.0, 0);
	tone(s, 0, 20, 0, 0, 1.0, 0);
	tone(s, '7', 100, A, A, 1.0, 0);
	tone(s, 0, 100, 0, 0, 1.0, 0);
	detect(s, got, sizeof(got));
	TEST_EQ_STR(got, "7");

	/* another key right after: both */
	s->n = 0;
	tone(s, '3', 100, A, A, 1.0, 0);
	tone(s, '6', 100, A, A, 1.0, 0);
	tone(s, 0, 100, 0, 0, 1.0, 0);
	detect(s, got, sizeof(got));
	TEST_EQ_STR(got, "36");

	/* twist: column 6 dB above row and row 3 dB above column count;
	 * column 10 dB above and row 6 dB above do not */
	s->n = 0;
	tone(s, '8', 100, A / 2, A, 1.0, 0);
	tone(s, 0, 100, 0, 0, 1.0, 0);
	tone(s, '9', 100, A, A / 1.41, 1.0, 0);
	tone(s, 0, 100, 0, 0, 1.0, 0);
	tone(s, '4', 100, A / 3.16, A, 1.0, 0);
	tone(s, 0, 100, 0, 0, 1.0, 0);
	tone(s, '#', 100, A, A / 2, 1.0, 0);
	tone(s, 0, 100, 0, 0, 1.0, 0);
	detect(s, got, sizeof(got));
	TEST_EQ_STR(got, "89");

	/* one frequency alone is no key */
	s->n = 0;
	tone(s, '1', 200, A, 0, 1.0, 0);
	tone(s, '1', 200, 0, A, 1.0, 0);
	detect(s, got, sizeof(got));
	TEST_EQ_STR(got, "");

	/* too quiet (-40 dBFS each) is nothing; -30 dBFS counts */
	s->n = 0;
	tone(s, '0', 100, 328, 328, 1.0, 0);
	tone(s, 0, 100, 0, 0, 1.0, 0);
	tone(s, '0', 100, 1036, 1036, 1.0, 0);
	tone(s, 0, 100, 0, 0, 1.0, 0);
	detect(s, got, sizeof(got));
	TEST_EQ_STR(got, "0");

	/* 1.5 % off frequency, and in noise 20 dB below the tones */
	s->n = 0;
	s->seed = 7;
	tone(s, '*', 100, A, A, 1.015, 0);
	tone(s, 0, 100, 0, 0, 1.0, 0);
	tone(s, 'D', 100, A, A, 0.985, 0);
	tone(s, 0, 100, 0, 0, 1.0, 0);
	tone(s, '2', 100, A, A, 1.0, A / 10 * 1.73);
	tone(s, 0, 100, 0, 0, 1.0, A / 10 * 1.73);
	detect(s, got, sizeof(got));
	TEST_EQ_STR(got, "*D2");
out:
	mem_deref(s);
	return err;
}

/* the keys detected in a WAV file (8 kHz mono) */
static int wav_keys(const char *path, char *out, size_t sz, size_t *samples)
{
	struct media_inband d;
	struct aufile *af = NULL;
	struct aufile_prm prm;
	int16_t blk[BLOCK];
	size_t n, o = 0;
	int err;

	memset(&d, 0, sizeof(d));
	*samples = 0;
	err = aufile_open(&af, &prm, path, AUFILE_READ);
	if (err)
		return err;
	if (prm.srate != RATE || prm.channels != 1) {
		mem_deref(af);
		return EINVAL;
	}
	for (;;) {
		char k;

		n = sizeof(blk);
		if (aufile_read(af, (uint8_t *)blk, &n) || n < sizeof(blk))
			break;
		*samples += BLOCK;
		k = media_inband_feed(&d, blk, BLOCK);
		if (k && o + 1 < sz)
			out[o++] = k;
	}
	out[o] = '\0';
	mem_deref(af);
	return 0;
}

/* Speech and music (the prompts `make test` made in build/test/prompts)
 * hold no key at all. */
int test_media_inband_talkoff(void)
{
	static const char *const dirs[] = {"build/test/prompts",
					   "build/test/prompts/de",
					   "build/test/prompts/en"};
	char got[64], path[512];
	size_t i, files = 0, samples, total = 0;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		DIR *dp = opendir(dirs[i]);
		struct dirent *de;

		TEST_ASSERT(dp != NULL);
		while ((de = readdir(dp))) {
			size_t l = strlen(de->d_name);

			if (l < 5 || strcmp(de->d_name + l - 4, ".wav") ||
			    !strcmp(de->d_name, "beep.wav"))
				continue;
			re_snprintf(path, sizeof(path), "%s/%s", dirs[i],
				    de->d_name);
			if (wav_keys(path, got, sizeof(got), &samples) ||
			    got[0]) {
				fprintf(stderr, "  %s: keys \"%s\"\n", path,
					got);
				err = 1;
			}
			files++;
			total += samples;
		}
		closedir(dp);
	}
	/* welcome, moh and 2 x 26 of data/prompts.tsv; over a minute */
	TEST_ASSERT(files >= 54);
	TEST_ASSERT(total > 60 * RATE);
out:
	return err;
}
