/*
 * media_test_speech.c - speech at run time: the sentences of phrase.c
 * word for word in both languages (numbers as words up to twenty, "eine
 * Minute", rounding of waiting times, digits read one by one), and
 * media_speech() end to end: a text synthesised once into an 8 kHz mono
 * WAV of plausible length, the second request answered from the cache,
 * another language another file, a cancelled request never reported,
 * bad requests refused.
 */
#include <stdlib.h>
#include <unistd.h>
#include <re.h>
#include <rem.h>
#include "core/core.h"
#include "media/media.h"
#include "test.h"

int test_media_phrase(void)
{
	static const struct {
		const char *lang;
		int kind; /* 0 position, 1 wait */
		unsigned n;
		const char *want;
	} v[] = {
	    {"de", 0, 1, "Sie sind an Position eins."},
	    {"de", 0, 3, "Sie sind an Position drei."},
	    {"de", 0, 12, "Sie sind an Position zwölf."},
	    {"de", 0, 21, "Sie sind an Position 21."},
	    {"en", 0, 3, "You are number three in the queue."},
	    {"de", 1, 0,
	     "Die voraussichtliche Wartezeit beträgt weniger als eine "
	     "Minute."},
	    {"de", 1, 44,
	     "Die voraussichtliche Wartezeit beträgt weniger als eine "
	     "Minute."},
	    {"de", 1, 45,
	     "Die voraussichtliche Wartezeit beträgt etwa eine Minute."},
	    {"de", 1, 89,
	     "Die voraussichtliche Wartezeit beträgt etwa eine Minute."},
	    {"de", 1, 90,
	     "Die voraussichtliche Wartezeit beträgt etwa zwei Minuten."},
	    {"de", 1, 600,
	     "Die voraussichtliche Wartezeit beträgt etwa zehn Minuten."},
	    {"de", 1, 1500,
	     "Die voraussichtliche Wartezeit beträgt etwa 25 Minuten."},
	    {"de", 1, 3600,
	     "Die voraussichtliche Wartezeit beträgt mehr als eine Stunde."},
	    {"en", 1, 30, "The expected waiting time is less than a minute."},
	    {"en", 1, 60, "The expected waiting time is about one minute."},
	    {"en", 1, 120, "The expected waiting time is about two minutes."},
	    {"en", 1, 7200, "The expected waiting time is more than an hour."},
	};
	char buf[128], small[8];
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		int e = v[i].kind ? media_phrase_wait(buf, sizeof(buf),
						      v[i].lang, v[i].n)
				  : media_phrase_position(buf, sizeof(buf),
							  v[i].lang, v[i].n);
		TEST_EQ_INT(e, 0);
		TEST_EQ_STR(buf, v[i].want);
	}
	TEST_EQ_INT(media_phrase_digits(buf, sizeof(buf), "de", "0221"), 0);
	TEST_EQ_STR(buf, "null, zwei, zwei, eins.");
	TEST_EQ_INT(media_phrase_digits(buf, sizeof(buf), "en", "+49*#"), 0);
	TEST_EQ_STR(buf, "plus, four, nine, star, hash.");
	TEST_EQ_INT(media_phrase_digits(buf, sizeof(buf), "de", "12 3"),
		    EINVAL);
	TEST_EQ_INT(media_phrase_digits(buf, sizeof(buf), "de", ""), EINVAL);
	TEST_EQ_INT(media_phrase_digits(small, sizeof(small), "de", "555"),
		    ENOSPC);
	TEST_EQ_INT(media_phrase_position(buf, sizeof(buf), "de", 0), EINVAL);
	TEST_EQ_INT(media_phrase_wait(small, sizeof(small), "de", 90), ENOSPC);
out:
	return err;
}

struct said {
	unsigned calls;
	int err;
	char path[512];
};

static void said_h(int err, const char *path, void *arg)
{
	struct said *s = arg;

	s->calls++;
	s->err = err;
	str_copy(s->path, path ? path : "", sizeof(s->path));
	re_cancel();
}

static void timeout_h(void *arg)
{
	bool *fired = arg;

	*fired = true;
	re_cancel();
}

/* Run the loop until a handler cancels it or ms passed; true if it
 * timed out. */
static bool run_for(uint32_t ms)
{
	struct tmr t;
	bool fired = false;

	tmr_init(&t);
	tmr_start(&t, ms, timeout_h, &fired);
	(void)re_main(NULL);
	tmr_cancel(&t);
	return fired;
}

static double wav_secs(const char *path, unsigned *rate, unsigned *ch)
{
	struct aufile *af = NULL;
	struct aufile_prm prm;
	uint8_t buf[4096];
	size_t n, total = 0;

	if (aufile_open(&af, &prm, path, AUFILE_READ))
		return -1;
	do {
		n = sizeof(buf);
		if (aufile_read(af, buf, &n))
			break;
		total += n;
	} while (n);
	mem_deref(af);
	*rate = prm.srate;
	*ch = prm.channels;
	return (double)total / 2 / prm.srate;
}

int test_media_speech(void)
{
	struct media_speech *r = NULL;
	struct said a = {0}, b = {0}, c = {0}, x = {0};
	char dir[64], first[512];
	unsigned rate = 0, ch = 0;
	struct media_speech_stats ss;
	double secs;
	int err = 0, i;

	TEST_EQ_INT(media_speech(NULL, "de", "Hallo.", said_h, &a), ENOSYS);
	re_snprintf(dir, sizeof(dir), "/tmp/sb-speech-%d", (int)getpid());
	TEST_EQ_INT(media_speech_start(dir), 0);
	TEST_EQ_INT(media_speech_start(dir), EALREADY);
	TEST_EQ_INT(media_speech(NULL, "fr", "Bonjour.", said_h, &a), EINVAL);
	TEST_EQ_INT(media_speech(NULL, "de", "", said_h, &a), EINVAL);
	TEST_EQ_INT(media_speech(NULL, "de", "x", NULL, &a), EINVAL);

	/* synthesised once, then from the cache */
	TEST_EQ_INT(
	    media_speech(&r, "de", "Sie sind an Position drei.", said_h, &a),
	    0);
	TEST_ASSERT(!run_for(20000));
	media_speech_cancel(r);
	TEST_EQ_INT(a.calls, 1);
	TEST_EQ_INT(a.err, 0);
	secs = wav_secs(a.path, &rate, &ch);
	TEST_EQ_INT(rate, 8000);
	TEST_EQ_INT(ch, 1);
	TEST_ASSERT(secs > 1.0 && secs < 4.0);
	media_speech_stats(&ss);
	TEST_EQ_INT(ss.synthesised, 1);
	TEST_EQ_INT(ss.hits, 0);
	TEST_ASSERT(ss.synth_us > 0 && ss.synth_us == ss.synth_us_max);
	str_copy(first, a.path, sizeof(first));

	TEST_EQ_INT(
	    media_speech(NULL, "de", "Sie sind an Position drei.", said_h, &b),
	    0);
	TEST_ASSERT(!run_for(5000));
	TEST_EQ_INT(b.calls, 1);
	TEST_EQ_STR(b.path, first);
	media_speech_stats(&ss);
	TEST_EQ_INT(ss.synthesised, 1);
	TEST_EQ_INT(ss.hits, 1);

	/* the same text in English is another file */
	TEST_EQ_INT(
	    media_speech(NULL, "en", "Sie sind an Position drei.", said_h, &c),
	    0);
	TEST_ASSERT(!run_for(20000));
	TEST_EQ_INT(c.err, 0);
	TEST_ASSERT(strcmp(c.path, first) != 0);

	/* cancelled: spoken, never reported */
	TEST_EQ_INT(media_speech(&r, "de", "Auf Wiederhören.", said_h, &x), 0);
	media_speech_cancel(r);
	for (i = 0; i < 200; i++) {
		media_speech_stats(&ss);
		if (ss.synthesised == 3)
			break;
		(void)run_for(50);
	}
	TEST_EQ_INT(ss.synthesised, 3);
	(void)run_for(100);
	TEST_EQ_INT(x.calls, 0);
out:
	media_speech_stop();
	{
		char cmd[96];

		re_snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			err = err ? err : 1;
	}
	return err;
}
