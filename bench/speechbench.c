/*
 * speechbench.c - how long Switchboard's speech takes per phrase (issue 14,
 * bench test 9): the phrases a caller hears (queue position, waiting time,
 * a number read back digit by digit) spoken through media/speech.c exactly
 * as the daemon does it (libespeak-ng on the speech thread, soxr to 8 kHz,
 * the WAV written to the cache), one after another into an empty cache
 * directory, then all of them again (answered from the cache).
 *
 *   speechbench CACHE_DIR [COUNT]
 *
 * Prints one JSON line: phrases, the wall time from request to handler
 * per phrase (p50/p95/max, first pass: synthesis; second pass: cache),
 * the speech thread's own time (media_speech_stats), and the seconds of
 * audio made (real-time factor = synthesis time / audio time).
 *
 * Linked against the release build's objects (bench/Makefile); never part
 * of the product.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "media/media.h"

enum { MAX_PHRASES = 256 };

static char texts[MAX_PHRASES][160];
static unsigned ntexts;

static struct {
	bool done;
	int err;
	char path[512];
} said;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void said_h(int err, const char *path, void *arg)
{
	(void)arg;
	said.done = true;
	said.err = err;
	str_ncpy(said.path, path ? path : "", sizeof(said.path));
	re_cancel();
}

static void timeout_h(void *arg)
{
	(void)arg;
	re_cancel();
}

/* [us] from the request to its handler, or 0 on an error */
static uint64_t speak_one(const char *text, double *secs)
{
	struct media_speech *r = NULL;
	struct tmr t;
	uint64_t t0 = now_us(), dt;
	FILE *f;

	said.done = false;
	if (media_speech(&r, "de", text, said_h, NULL))
		return 0;
	tmr_init(&t);
	tmr_start(&t, 30000, timeout_h, NULL);
	(void)re_main(NULL);
	tmr_cancel(&t);
	dt = now_us() - t0;
	media_speech_cancel(r);
	if (!said.done || said.err)
		return 0;
	f = fopen(said.path, "rb");
	if (f) {
		fseek(f, 0, SEEK_END);
		*secs = (double)(ftell(f) - 44) / 16000.0;
		fclose(f);
	}
	return dt;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void make_texts(unsigned count)
{
	static const char *const nums[] = {"4711", "0221828299",
					   "123456", "98765432",
					   "20261204", "5550100"};
	unsigned i;

	for (i = 0; i < count && ntexts < MAX_PHRASES; i++) {
		char *b = texts[ntexts];
		size_t sz = sizeof(texts[0]);
		int err;

		switch (i % 3) {
		case 0:
			err = media_phrase_position(b, sz, "de", 1 + i / 3);
			break;
		case 1:
			err = media_phrase_wait(b, sz, "de", 60 * (1 + i / 3));
			break;
		default:
			err = media_phrase_digits(b, sz, "de",
						  nums[(i / 3) % 6]);
			if (!err && i / 3 >= 6) /* another number each time */
				re_snprintf(b + strlen(b) - 1,
					    sz - strlen(b) + 1, ", %u.", i);
			break;
		}
		if (!err)
			ntexts++;
	}
}

int main(int argc, char **argv)
{
	uint64_t first[MAX_PHRASES], again[MAX_PHRASES];
	struct media_speech_stats ss;
	double audio = 0, secs;
	unsigned i, count = argc > 2 ? (unsigned)atoi(argv[2]) : 60, failed = 0;
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: speechbench CACHE_DIR [COUNT]\n");
		return 2;
	}
	err = libre_init();
	if (!err)
		err = media_speech_start(argv[1]);
	if (err) {
		fprintf(stderr, "speechbench: start: %s\n", strerror(err));
		return 1;
	}
	make_texts(count);
	for (i = 0; i < ntexts; i++) {
		secs = 0;
		first[i] = speak_one(texts[i], &secs);
		failed += !first[i];
		audio += secs;
	}
	media_speech_stats(&ss);
	for (i = 0; i < ntexts; i++) {
		again[i] = speak_one(texts[i], &secs);
		failed += !again[i];
	}
	qsort(first, ntexts, sizeof(first[0]), cmp_u64);
	qsort(again, ntexts, sizeof(again[0]), cmp_u64);
	printf("{\"phrases\":%u,\"failed\":%u,\"audio_s\":%.1f,"
	       "\"synthesised\":%llu,\"synth_ms_mean\":%.1f,"
	       "\"synth_ms_max\":%.1f,\"rtf\":%.3f,"
	       "\"wall_ms_p50\":%.1f,\"wall_ms_p95\":%.1f,\"wall_ms_max\":%.1f,"
	       "\"cached_ms_p50\":%.2f,\"cached_ms_p95\":%.2f,"
	       "\"cached_ms_max\":%.2f,\"example\":\"%s\"}\n",
	       ntexts, failed, audio, (unsigned long long)ss.synthesised,
	       ss.synthesised ? ss.synth_us / 1000.0 / ss.synthesised : 0,
	       ss.synth_us_max / 1000.0,
	       audio > 0 ? ss.synth_us / 1e6 / audio : 0,
	       first[ntexts / 2] / 1000.0, first[ntexts * 95 / 100] / 1000.0,
	       first[ntexts - 1] / 1000.0, again[ntexts / 2] / 1000.0,
	       again[ntexts * 95 / 100] / 1000.0, again[ntexts - 1] / 1000.0,
	       texts[2]);
	media_speech_stop();
	libre_close();
	return failed ? 1 : 0;
}
