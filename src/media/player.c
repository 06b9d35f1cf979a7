/*
 * player.c - WAV prompts into a media leg, paced by one media clock.
 *
 * Prompts are decoded once into 8 kHz mono 16-bit PCM (libsoxr converts
 * other rates, stereo is mixed down) and kept in a cache keyed by path, so
 * a thousand callers hearing the same announcement share one buffer.
 *
 * All players hang off one 20 ms clock.  The clock schedules each tick
 * from the time it started (start + n * 20 ms), so timer jitter does not
 * accumulate and every player sends exactly 50 packets per second.  If
 * the loop stalls for longer than 200 ms the clock skips ahead instead of
 * bursting.
 */
#include <string.h>
#include <soxr.h>
#include <re.h>
#include <rem.h>
#include "core/core.h"
#include "media/media.h"
#include "media/media_int.h"

enum { FRAME = 160, TICK_MS = 20 };

struct prompt {
	struct le le; /* in cache */
	char *path;   /* (owned) */
	int16_t *pcm; /* (owned) 8 kHz mono */
	size_t n;     /* samples */
};

struct media_player {
	struct le le;          /* in clock.players */
	struct media_leg *leg; /* (weak; the leg points back) */
	struct prompt *prompt; /* (ref) */
	size_t pos;            /* next sample */
	bool loop;
	bool first;
	bool done;
	media_player_done_h *doneh;
	void *arg;
};

static struct {
	struct list players;
	struct list prompts;
	struct tmr tmr;
	uint64_t start; /* [ms] jiffies of tick 0 */
	uint64_t ticks;
	struct mbuf *mb; /* reused send buffer */
} clk;

static void prompt_destructor(void *arg)
{
	struct prompt *p = arg;

	list_unlink(&p->le);
	mem_deref(p->path);
	mem_deref(p->pcm);
}

/* read a whole WAV into 16-bit interleaved samples */
static int wav_read(const char *path, struct aufile_prm *prm, int16_t **pcmp,
		    size_t *np)
{
	struct aufile *af = NULL;
	uint8_t buf[4096];
	struct mbuf *mb;
	int err;

	err = aufile_open(&af, prm, path, AUFILE_READ);
	if (err)
		return err;
	if (prm->fmt != AUFMT_S16LE || !prm->channels || !prm->srate) {
		mem_deref(af);
		return ENOTSUP;
	}
	mb = mbuf_alloc(65536);
	if (!mb) {
		mem_deref(af);
		return ENOMEM;
	}
	for (;;) {
		size_t sz = sizeof(buf);
		err = aufile_read(af, buf, &sz);
		if (err || !sz)
			break;
		err = mbuf_write_mem(mb, buf, sz);
		if (err)
			break;
	}
	mem_deref(af);
	if (!err) {
		size_t n = mb->end / 2;
		int16_t *pcm = mem_alloc(n * 2 + 2, NULL);
		if (!pcm)
			err = ENOMEM;
		else {
			memcpy(pcm, mb->buf, n * 2);
			*pcmp = pcm;
			*np = n;
		}
	}
	mem_deref(mb);
	return err;
}

static int prompt_load(struct prompt **pp, const char *path)
{
	struct aufile_prm prm;
	struct prompt *p;
	int16_t *raw = NULL;
	size_t n = 0, frames, i;
	int err;

	memset(&prm, 0, sizeof(prm));
	err = wav_read(path, &prm, &raw, &n);
	if (err)
		return err;

	p = mem_zalloc(sizeof(*p), prompt_destructor);
	if (!p) {
		mem_deref(raw);
		return ENOMEM;
	}
	err = str_dup(&p->path, path);
	if (err)
		goto out;

	/* mix down to mono in place */
	frames = n / prm.channels;
	if (prm.channels > 1) {
		for (i = 0; i < frames; i++) {
			int32_t s = 0;
			unsigned c;
			for (c = 0; c < prm.channels; c++)
				s += raw[i * prm.channels + c];
			raw[i] = (int16_t)(s / (int32_t)prm.channels);
		}
	}

	if (prm.srate == 8000) {
		p->pcm = mem_ref(raw);
		p->n = frames;
	}
	else {
		soxr_io_spec_t io = soxr_io_spec(SOXR_INT16_I, SOXR_INT16_I);
		soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
		size_t olen =
		    (size_t)((double)frames * 8000.0 / prm.srate) + 16;
		size_t odone = 0;
		soxr_error_t e;

		p->pcm = mem_alloc(olen * sizeof(int16_t), NULL);
		if (!p->pcm) {
			err = ENOMEM;
			goto out;
		}
		e = soxr_oneshot(prm.srate, 8000, 1, raw, frames, NULL, p->pcm,
				 olen, &odone, &io, &q, NULL);
		if (e) {
			warning("media: resampling %s: %s\n", path, e);
			err = EPROTO;
			goto out;
		}
		p->n = odone;
	}
	if (!p->n) {
		err = ENODATA;
		goto out;
	}
	info("media: prompt %s loaded (%u Hz, %u ch, %zu ms)\n", path,
	     prm.srate, prm.channels, p->n / 8);

out:
	mem_deref(raw);
	if (err)
		mem_deref(p);
	else
		*pp = p;
	return err;
}

static int prompt_get(struct prompt **pp, const char *path)
{
	struct le *le;
	int err;

	for (le = clk.prompts.head; le; le = le->next) {
		struct prompt *p = le->data;
		if (!strcmp(p->path, path)) {
			*pp = mem_ref(p);
			return 0;
		}
	}
	err = prompt_load(pp, path);
	if (err)
		return err;
	list_append(&clk.prompts, &(*pp)->le, *pp);
	mem_ref(*pp); /* the cache's reference */
	return 0;
}

void media_prompt_cache_flush(void)
{
	struct le *le = clk.prompts.head;

	while (le) {
		struct prompt *p = le->data;
		le = le->next;
		list_unlink(&p->le);
		mem_deref(p);
	}
}

static void tick(void *arg);

static void clock_schedule(void)
{
	uint64_t now = tmr_jiffies();
	uint64_t next;

	clk.ticks++;
	next = clk.start + clk.ticks * TICK_MS;
	if (next + 200 < now) { /* stalled: skip ahead, do not burst */
		clk.start = now;
		clk.ticks = 0;
		next = now;
	}
	tmr_start(&clk.tmr, next > now ? next - now : 0, tick, NULL);
}

/*
 * Finished players move to a local list during the walk; their handlers
 * run after it, one at a time.  A handler may free any player (its own
 * call's music on hold, say): the destructor unlinks it from whichever
 * list it is on, so the drain loop never sees a freed player.
 */
static void run_finished(struct list *finished)
{
	while (finished->head) {
		struct media_player *p = finished->head->data;
		media_player_done_h *h = p->doneh;
		void *arg = p->arg;

		list_unlink(&p->le);
		if (h)
			h(arg); /* may free p and its leg */
	}
}

static void tick(void *arg)
{
	struct list finished = LIST_INIT;
	struct le *le;

	(void)arg;
	le = clk.players.head;
	while (le) {
		struct media_player *p = le->data;
		size_t n;

		le = le->next;
		if (!p->leg)
			continue;
		if (p->pos >= p->prompt->n) {
			if (!p->loop) {
				p->done = true;
				list_unlink(&p->le);
				list_append(&finished, &p->le, p);
				continue;
			}
			p->pos = 0;
		}
		n = p->prompt->n - p->pos;
		if (n >= FRAME) {
			(void)media_leg_send_pcm(p->leg,
						 p->prompt->pcm + p->pos, FRAME,
						 p->first, clk.mb);
		}
		else {
			int16_t frame[FRAME];
			memset(frame, 0, sizeof(frame));
			memcpy(frame, p->prompt->pcm + p->pos, n * 2);
			(void)media_leg_send_pcm(p->leg, frame, FRAME, p->first,
						 clk.mb);
		}
		p->first = false;
		p->pos += FRAME;
	}
	run_finished(&finished);
	if (clk.players.head)
		clock_schedule();
}

int media_clock_init(void)
{
	tmr_init(&clk.tmr);
	list_init(&clk.players);
	if (!clk.mb)
		clk.mb = mbuf_alloc(RTP_HEADER_SIZE + FRAME + 16);
	return clk.mb ? 0 : ENOMEM;
}

void media_clock_close(void)
{
	tmr_cancel(&clk.tmr);
	clk.mb = mem_deref(clk.mb);
}

static void player_destructor(void *arg)
{
	struct media_player *p = arg;

	media_stat.players--;
	list_unlink(&p->le);
	if (p->leg && p->leg->player == p)
		p->leg->player = NULL;
	mem_deref(p->prompt);
}

void media_player_detach(struct media_player *p)
{
	if (!p)
		return;
	list_unlink(&p->le);
	p->leg = NULL;
}

int media_play(struct media_player **pp, struct media_leg *leg,
	       const char *path, bool loop, media_player_done_h *doneh,
	       void *arg)
{
	struct media_player *p;
	int err;

	if (!pp || !leg || !path)
		return EINVAL;
	p = mem_zalloc(sizeof(*p), player_destructor);
	if (!p)
		return ENOMEM;
	media_stat.players++;
	err = prompt_get(&p->prompt, path);
	if (err) {
		warning("media: cannot play %s: %m\n", path, err);
		mem_deref(p);
		return err;
	}
	p->leg = leg;
	p->loop = loop;
	p->first = true;
	p->doneh = doneh;
	p->arg = arg;
	if (leg->player)
		media_player_detach(leg->player);
	leg->player = p;

	if (!clk.players.head) {
		clk.start = tmr_jiffies();
		clk.ticks = 0;
		tmr_start(&clk.tmr, 0, tick, NULL);
	}
	list_append(&clk.players, &p->le, p);
	*pp = p;
	return 0;
}
