/*
 * speech.c - text spoken at run time: libespeak-ng on a worker thread of
 * its own, the speech resampled to 8 kHz with libsoxr and written as a
 * WAV file into a cache directory, named by a hash of language and text.
 * The caller plays that file like any prompt (the player keeps it in
 * memory from then on), so a text is synthesised once per node, even
 * across restarts.
 *
 *   SIP thread                         speech thread
 *   media_speech(lang, text, h) --+
 *     file in the cache?  yes ----|--> (nothing)       -+
 *                         no  ----+--> job list ->  espeak_Synth, soxr,
 *                                                   WAV to tmp, rename
 *   h(err, path) <--- done list + mqueue wake-up <--------+
 *
 * espeak-ng is one synthesiser per process and not thread-safe: only the
 * speech thread touches it (initialised there, terminated there).  The
 * SIP thread never waits for it.  A request the caller cancels
 * (media_speech_cancel) still runs but reports to nobody.
 */
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <espeak-ng/speak_lib.h>
#include <openssl/evp.h>
#include <soxr.h>
#include <re.h>
#include <rem.h>
#include "core/core.h"
#include "media/media.h"

enum {
	SPEECH_RATE = 150,      /* [words/min] as the default prompts    */
	SPEECH_TEXT_MAX = 1024, /* [bytes] longer texts are refused      */
	SPEECH_SECS_MAX = 120,  /* [s] of speech at most per text        */
};

struct media_speech {
	struct le le;      /* in the job list (speech thread)   */
	media_speech_h *h; /* NULL once cancelled (SIP thread)  */
	void *arg;
	char lang[8];
	char text[SPEECH_TEXT_MAX];
	char path[512]; /* the cache file                      */
	int err;        /* result, written by the speech thread */
};

static struct {
	bool running;
	pthread_t thread;
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	struct list jobs;     /* (ref) waiting requests            */
	struct list done;     /* (ref) answered, not yet reported  */
	bool stop;            /* the thread ends                   */
	struct mqueue *mq;    /* wakes the SIP thread for done     */
	char dir[256];        /* the cache directory               */
	uint64_t synthesised; /* texts spoken (speech thread)      */
	uint64_t hits;        /* requests answered from the cache  */
	uint64_t synth_us;    /* [us] spent in speak(), all texts  */
	uint64_t synth_us_max;
	/* the synthesis in progress (speech thread only) */
	int16_t *pcm;
	size_t n, cap;
	int srate; /* espeak's output rate [Hz] */
} sp = {.mtx = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

/* ---- the speech thread --------------------------------------------------- */

static int synth_cb(short *wav, int n, espeak_EVENT *ev)
{
	(void)ev;
	if (!wav || n <= 0)
		return 0;
	if (sp.n + (size_t)n > (size_t)sp.srate * SPEECH_SECS_MAX)
		return 1; /* too long: abort */
	if (sp.n + (size_t)n > sp.cap) {
		size_t cap = (sp.n + (size_t)n) * 2;
		int16_t *p = sp.pcm ? mem_realloc(sp.pcm, cap * sizeof(*p))
				    : mem_alloc(cap * sizeof(*p), NULL);

		if (!p)
			return 1;
		sp.pcm = p;
		sp.cap = cap;
	}
	memcpy(sp.pcm + sp.n, wav, (size_t)n * sizeof(*wav));
	sp.n += (size_t)n;
	return 0;
}

/* Write pcm (8 kHz) to path through a temporary file and a rename. */
static int wav_write(const char *path, const int16_t *pcm, size_t n)
{
	struct aufile_prm prm = {8000, 1, AUFMT_S16LE};
	struct aufile *af = NULL;
	char tmp[530];
	int err;

	re_snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	err = aufile_open(&af, &prm, tmp, AUFILE_WRITE);
	if (err)
		return err;
	err = aufile_write(af, (const uint8_t *)pcm, n * sizeof(*pcm));
	af = mem_deref(af); /* writes the header's sizes */
	if (!err && rename(tmp, path))
		err = errno;
	if (err)
		(void)unlink(tmp);
	return err;
}

static int speak(struct media_speech *r)
{
	int16_t *out = NULL;
	size_t outn, done = 0;
	soxr_io_spec_t io = soxr_io_spec(SOXR_INT16_I, SOXR_INT16_I);
	soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
	soxr_error_t e;
	int err = 0;

	if (espeak_SetVoiceByName(strcmp(r->lang, "en") ? "de" : "en") != EE_OK)
		return ENOENT;
	sp.n = 0;
	if (espeak_Synth(r->text, strlen(r->text) + 1, 0, POS_CHARACTER, 0,
			 espeakCHARS_UTF8, NULL, NULL) != EE_OK ||
	    espeak_Synchronize() != EE_OK)
		return EIO;
	if (!sp.n)
		return ENODATA;
	outn = sp.n * 8000 / (size_t)sp.srate + 16;
	out = mem_alloc(outn * sizeof(*out), NULL);
	if (!out)
		return ENOMEM;
	e = soxr_oneshot(sp.srate, 8000, 1, sp.pcm, sp.n, NULL, out, outn,
			 &done, &io, &q, NULL);
	if (e)
		err = EIO;
	if (!err)
		err = wav_write(r->path, out, done);
	mem_deref(out);
	return err;
}

/* espeak-ng on the first text only: its voice data take some MiB that a
 * node which never speaks need not hold */
static void espeak_start(void)
{
	sp.srate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, 0);
	if (sp.srate > 0) {
		espeak_SetSynthCallback(synth_cb);
		(void)espeak_SetParameter(espeakRATE, SPEECH_RATE, 0);
	}
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void *speech_main(void *arg)
{
	bool started = false;
	uint64_t t0, t;

	(void)arg;
	pthread_mutex_lock(&sp.mtx);
	for (;;) {
		struct media_speech *r;

		while (!sp.stop && !sp.jobs.head)
			pthread_cond_wait(&sp.cond, &sp.mtx);
		if (sp.stop)
			break;
		r = sp.jobs.head->data;
		list_unlink(&r->le);
		pthread_mutex_unlock(&sp.mtx);

		if (!started)
			espeak_start();
		started = true;
		t0 = mono_us();
		r->err = sp.srate > 0 ? speak(r) : ENOSYS;
		t = mono_us() - t0;

		pthread_mutex_lock(&sp.mtx);
		if (!r->err) {
			sp.synthesised++;
			sp.synth_us += t;
			if (t > sp.synth_us_max)
				sp.synth_us_max = t;
		}
		list_append(&sp.done, &r->le, r);
		(void)mqueue_push(sp.mq, 0, NULL); /* a wake-up only */
	}
	pthread_mutex_unlock(&sp.mtx);

	if (started && sp.srate > 0)
		espeak_Terminate();
	sp.pcm = mem_deref(sp.pcm);
	sp.n = sp.cap = 0;
	return NULL;
}

/* ---- the SIP thread ------------------------------------------------------ */

/* Report the answered requests, one at a time (a handler may ask for
 * more speech, or cancel others). */
static void mq_handler(int id, void *data, void *arg)
{
	(void)id;
	(void)data;
	(void)arg;

	for (;;) {
		struct media_speech *r;
		media_speech_h *h;
		void *harg;

		pthread_mutex_lock(&sp.mtx);
		r = sp.done.head ? sp.done.head->data : NULL;
		if (r)
			list_unlink(&r->le);
		pthread_mutex_unlock(&sp.mtx);
		if (!r)
			break;
		h = r->h;
		harg = r->arg;
		r->h = NULL;
		if (h)
			h(r->err, r->err ? NULL : r->path, harg);
		mem_deref(r); /* the job's reference */
	}
}

static void list_drop(struct list *l)
{
	struct le *le;

	while ((le = l->head)) {
		list_unlink(le);
		mem_deref(le->data);
	}
}

int media_speech_start(const char *cache_dir)
{
	int err;

	if (!cache_dir || !*cache_dir)
		return EINVAL;
	if (sp.running)
		return EALREADY;
	if (mkdir(cache_dir, 0750) && errno != EEXIST)
		return errno;
	str_copy(sp.dir, cache_dir, sizeof(sp.dir));
	err = mqueue_alloc(&sp.mq, mq_handler, NULL);
	if (err)
		return err;
	sp.stop = false;
	err = pthread_create(&sp.thread, NULL, speech_main, NULL);
	if (err) {
		sp.mq = mem_deref(sp.mq);
		return err;
	}
	sp.running = true;
	return 0;
}

void media_speech_stop(void)
{
	if (!sp.running)
		return;
	pthread_mutex_lock(&sp.mtx);
	sp.stop = true;
	pthread_cond_signal(&sp.cond);
	pthread_mutex_unlock(&sp.mtx);
	pthread_join(sp.thread, NULL);
	sp.running = false;

	/* requests not spoken or not reported yet: to nobody */
	list_drop(&sp.jobs);
	list_drop(&sp.done);
	sp.mq = mem_deref(sp.mq);
}

/* The cache file of (lang, text): <dir>/<lang>-<sha256 hex>.wav */
static int cache_path(char *buf, size_t sz, const char *lang, const char *text)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char key[SPEECH_TEXT_MAX + 16];

	re_snprintf(key, sizeof(key), "%s\n%s", lang, text);
	if (!EVP_Digest(key, strlen(key), md, &n, EVP_sha256(), NULL))
		return EIO;
	re_snprintf(buf, sz, "%s/%s-%w.wav", sp.dir, lang, md, (size_t)n);
	return 0;
}

int media_speech(struct media_speech **rp, const char *lang, const char *text,
		 media_speech_h *h, void *arg)
{
	struct media_speech *r;
	bool cached;

	if (!lang || (strcmp(lang, "de") && strcmp(lang, "en")) || !text ||
	    !*text || !h)
		return EINVAL;
	if (strlen(text) >= SPEECH_TEXT_MAX)
		return EMSGSIZE;
	if (!sp.running)
		return ENOSYS;

	r = mem_zalloc(sizeof(*r), NULL);
	if (!r)
		return ENOMEM;
	r->h = h;
	r->arg = arg;
	str_copy(r->lang, lang, sizeof(r->lang));
	str_copy(r->text, text, sizeof(r->text));
	if (cache_path(r->path, sizeof(r->path), r->lang, r->text)) {
		mem_deref(r);
		return EIO;
	}
	cached = access(r->path, R_OK) == 0;

	mem_ref(r); /* the job's reference, given back by mq_handler */
	pthread_mutex_lock(&sp.mtx);
	if (cached) {
		sp.hits++;
		list_append(&sp.done, &r->le, r);
		(void)mqueue_push(sp.mq, 0, NULL);
	}
	else {
		list_append(&sp.jobs, &r->le, r);
		pthread_cond_signal(&sp.cond);
	}
	pthread_mutex_unlock(&sp.mtx);
	if (rp)
		*rp = r;
	else
		mem_deref(r);
	return 0;
}

void media_speech_cancel(struct media_speech *r)
{
	if (!r)
		return;
	r->h = NULL;
	mem_deref(r);
}

void media_speech_stats(struct media_speech_stats *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&sp.mtx);
	s->synthesised = sp.synthesised;
	s->hits = sp.hits;
	s->synth_us = sp.synth_us;
	s->synth_us_max = sp.synth_us_max;
	pthread_mutex_unlock(&sp.mtx);
}
