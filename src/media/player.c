/*
 * player.c - WAV prompts into a media leg, paced by one media clock.
 *
 * Prompts are decoded once into 8 kHz mono 16-bit PCM (libsoxr converts
 * other rates, stereo is mixed down) and kept in a cache keyed by path, so
 * a thousand callers hearing the same announcement share one buffer.  The
 * cache belongs to the SIP thread (a prompt is loaded when media_play()
 * is called) and keeps every prompt until media_close(), after the media
 * thread has ended, or until media_prompt_forget() (an uploaded prompt
 * deleted).  Players in the media thread read the samples without taking
 * references (mem_ref is not atomic): each player's SIP-side half holds
 * one, taken when it is made and dropped when the media thread gave it
 * back (EV_GONE), both on the SIP thread, so a forgotten prompt lives
 * until its last player is gone.
 *
 * A player has two parts (thread.c explains the threads):
 *   struct media_player  the caller's handle, SIP thread; freeing it
 *                        sends CMD_STOP
 *   struct mplayer       the player itself; the media thread runs it
 *                        from CMD_PLAY until it answers CMD_STOP with
 *                        EV_GONE, then the SIP thread frees it
 *
 *   media_play --CMD_PLAY--> [running] --end of prompt--> EV_DONE --> doneh
 *   mem_deref(handle) --CMD_STOP--> [stopped] --EV_GONE--> freed (SIP)
 *
 * All players hang off one 20 ms clock in the media thread.  The clock
 * schedules each tick from the time it started (start + n * 20 ms), so
 * timer jitter does not accumulate and every player sends exactly 50
 * packets per second.  If the loop stalls for longer than 200 ms the
 * clock skips ahead instead of bursting.
 */
#include <errno.h>
#include <stdio.h>
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

struct mplayer {
	/* media thread, from CMD_PLAY to EV_GONE */
	struct le le;                /* in clk.players                */
	struct media_stream *ms;     /* (weak; the stream points back) */
	const struct prompt *prompt; /* (weak; the cache keeps it)    */
	size_t pos;                  /* next sample                   */
	bool loop;
	bool first;
	/* SIP thread */
	struct le le_sip;            /* in players (all not yet gone) */
	struct media_player *handle; /* (weak) NULL once freed        */
	struct media_cmd *stop;      /* CMD_STOP, sent by the handle  */
	media_player_done_h *doneh;
	void *arg;
};

struct media_player {
	struct mplayer *pl; /* (weak until EV_GONE) */
};

/* SIP thread */
static struct list prompts;
static struct list players; /* every mplayer until EV_GONE */

/* media thread */
static struct {
	struct list players;
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

enum { PROMPT_FILE_MAX = 64 * 1024 * 1024 }; /* [bytes] read at most */

/* The whole file at path into *mbp. */
static int file_read(const char *path, struct mbuf **mbp)
{
	struct mbuf *mb = NULL;
	FILE *f;
	long sz;
	int err = 0;

	f = fopen(path, "rb");
	if (!f)
		return errno ? errno : ENOENT;
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		err = errno ? errno : EIO;
		goto out;
	}
	if (sz > PROMPT_FILE_MAX) {
		err = EFBIG;
		goto out;
	}
	mb = mbuf_alloc((size_t)sz + 1);
	if (!mb) {
		err = ENOMEM;
		goto out;
	}
	mb->end = fread(mb->buf, 1, (size_t)sz, f);
	if (ferror(f))
		err = EIO;
out:
	fclose(f);
	if (err)
		mem_deref(mb);
	else
		*mbp = mb;
	return err;
}

/* A WAV file as 16-bit mono samples at its own rate (wav.c). */
static int wav_read(const char *path, struct media_wav *w, int16_t **pcmp)
{
	struct mbuf *mb = NULL;
	char why[160];
	int err;

	err = file_read(path, &mb);
	if (err)
		return err;
	err = media_wav_decode(mb->buf, mb->end, w, pcmp, why, sizeof(why));
	if (err && why[0])
		warning("media: %s: %s\n", path, why);
	mem_deref(mb);
	return err;
}

static int prompt_load(struct prompt **pp, const char *path)
{
	struct media_wav w;
	struct prompt *p;
	int16_t *raw = NULL;
	size_t frames;
	int err;

	err = wav_read(path, &w, &raw);
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

	frames = (size_t)w.frames; /* mono already */
	if (w.srate == 8000) {
		p->pcm = mem_ref(raw);
		p->n = frames;
	}
	else {
		soxr_io_spec_t io = soxr_io_spec(SOXR_INT16_I, SOXR_INT16_I);
		soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
		size_t olen = (size_t)((double)frames * 8000.0 / w.srate) + 16;
		size_t odone = 0;
		soxr_error_t e;

		p->pcm = mem_alloc(olen * sizeof(int16_t), NULL);
		if (!p->pcm) {
			err = ENOMEM;
			goto out;
		}
		e = soxr_oneshot(w.srate, 8000, 1, raw, frames, NULL, p->pcm,
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
	info("media: prompt %s loaded (%u Hz, %u ch, %s, %zu ms)\n", path,
	     w.srate, w.channels, w.format, p->n / 8);

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

	for (le = prompts.head; le; le = le->next) {
		struct prompt *p = le->data;
		if (!strcmp(p->path, path)) {
			*pp = mem_ref(p);
			media_ctr_inc(&media_count.prompt_hits);
			return 0;
		}
	}
	err = prompt_load(pp, path);
	if (err)
		return err;
	media_ctr_inc(&media_count.prompt_loads);
	list_append(&prompts, &(*pp)->le, *pp);
	mem_ref(*pp); /* the cache's reference */
	return 0;
}

int media_prompt_check(const char *path)
{
	struct media_wav w;
	int16_t *raw = NULL;
	struct le *le;
	int err;

	if (!path)
		return EINVAL;
	for (le = prompts.head; le; le = le->next) {
		const struct prompt *p = le->data;
		if (!strcmp(p->path, path))
			return 0;
	}
	err = wav_read(path, &w, &raw);
	mem_deref(raw);
	return err;
}

bool media_prompt_forget(const char *path)
{
	struct le *le;

	for (le = prompts.head; path && le; le = le->next) {
		struct prompt *p = le->data;
		if (!strcmp(p->path, path)) {
			list_unlink(&p->le);
			mem_deref(p); /* the cache's; players keep theirs */
			return true;
		}
	}
	return false;
}

void media_prompt_cache_flush(void)
{
	struct le *le = prompts.head;

	while (le) {
		struct prompt *p = le->data;
		le = le->next;
		list_unlink(&p->le);
		mem_deref(p);
	}
}

/* ---- media thread: the clock ---------------------------------------- */

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

static void tick(void *arg)
{
	uint64_t now = tmr_jiffies();
	struct le *le;

	(void)arg;
	le = clk.players.head;
	while (le) {
		struct mplayer *p = le->data;
		size_t n;

		le = le->next;
		if (p->pos >= p->prompt->n) {
			if (!p->loop) {
				/* the SIP side hears of it; stays ours until
				 * CMD_STOP */
				list_unlink(&p->le);
				if (media_ev_push(EV_DONE, p))
					warning("media: player end lost\n");
				continue;
			}
			p->pos = 0;
		}
		n = p->prompt->n - p->pos;
		if (n >= FRAME) {
			(void)media_stream_send_pcm(
			    p->ms, p->prompt->pcm + p->pos, FRAME, p->first,
			    now, clk.mb);
		}
		else {
			int16_t frame[FRAME];
			memset(frame, 0, sizeof(frame));
			memcpy(frame, p->prompt->pcm + p->pos, n * 2);
			(void)media_stream_send_pcm(p->ms, frame, FRAME,
						    p->first, now, clk.mb);
		}
		p->first = false;
		p->pos += FRAME;
	}
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
	struct le *le;

	tmr_cancel(&clk.tmr);
	while ((le = list_head(&clk.players))) /* freed by the SIP thread */
		list_unlink(le);
	clk.mb = mem_deref(clk.mb);
}

/* its stream is going: the player stops for good (as if at its end, but
 * without EV_DONE) */
void media_player_detach(struct mplayer *p)
{
	if (!p)
		return;
	list_unlink(&p->le);
	if (p->ms && p->ms->player == p)
		p->ms->player = NULL;
	p->ms = NULL;
}

void media_player_cmd(struct media_cmd *cmd)
{
	struct mplayer *p = cmd->pl;

	switch (cmd->type) {
	case CMD_PLAY:
		if (p->ms->player)
			media_player_detach(p->ms->player);
		p->ms->player = p;
		if (!clk.players.head) {
			clk.start = tmr_jiffies();
			clk.ticks = 0;
			tmr_start(&clk.tmr, 0, tick, NULL);
		}
		list_append(&clk.players, &p->le, p);
		break;
	case CMD_STOP:
		media_player_detach(p);
		if (media_ev_push(EV_GONE, p))
			warning("media: player %p leaks: out of memory\n", p);
		break;
	default:
		break;
	}
}

/* ---- SIP thread: handles --------------------------------------------- */

static void mplayer_destructor(void *arg)
{
	struct mplayer *p = arg;

	list_unlink(&p->le_sip);
	mem_deref(p->stop);
	mem_deref((void *)p->prompt); /* the player's reference */
}

void media_player_ev(struct media_ev *ev)
{
	struct mplayer *p = ev->pl;

	switch (ev->type) {
	case EV_DONE:
		if (p->handle && p->doneh)
			p->doneh(p->arg); /* may free the handle and the leg */
		break;
	case EV_GONE:
		mem_deref(p);
		break;
	default: /* a leg's or a recorder's, not a player's (thread.c) */
		break;
	}
}

/* the media thread has ended: free what it never gave back */
void media_players_release(void)
{
	struct le *le;

	while ((le = list_head(&players))) {
		struct mplayer *p = le->data;
		if (p->handle)
			p->handle->pl = NULL;
		mem_deref(p);
	}
}

static void handle_destructor(void *arg)
{
	struct media_player *h = arg;
	struct mplayer *p = h->pl;

	if (!p) /* never started, or the media thread is gone */
		return;
	media_ctr_add(&media_count.players, -1);
	p->handle = NULL;
	media_cmd_push(p->stop); /* answered with EV_GONE */
	p->stop = NULL;
}

int media_play(struct media_player **pp, struct media_leg *leg,
	       const char *path, bool loop, media_player_done_h *doneh,
	       void *arg)
{
	struct media_player *h;
	struct media_cmd *play = NULL;
	struct mplayer *p;
	struct prompt *pr = NULL;
	int err;

	if (!pp || !leg || !path || !leg->ms)
		return EINVAL;
	err = prompt_get(&pr, path);
	if (err) {
		warning("media: cannot play %s: %m\n", path, err);
		return err;
	}
	h = mem_zalloc(sizeof(*h), handle_destructor);
	p = mem_zalloc(sizeof(*p), mplayer_destructor);
	if (!h || !p) {
		err = ENOMEM;
		goto out;
	}
	err = media_cmd_alloc(&p->stop, CMD_STOP, NULL);
	if (!err)
		err = media_cmd_alloc(&play, CMD_PLAY, NULL);
	if (err)
		goto out;
	p->ms = leg->ms;
	p->prompt = pr; /* the player's reference, dropped when it is gone */
	pr = NULL;
	p->loop = loop;
	p->first = true;
	p->handle = h;
	p->doneh = doneh;
	p->arg = arg;
	p->stop->pl = p;
	play->pl = p;
	list_append(&players, &p->le_sip, p);
	h->pl = p;
	media_ctr_add(&media_count.players, 1);
	media_cmd_push(play);
	*pp = h;
	return 0;

out:
	mem_deref(pr);
	mem_deref(play);
	mem_deref(p);
	mem_deref(h);
	return err;
}
