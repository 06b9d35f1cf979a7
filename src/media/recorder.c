/*
 * recorder.c - what the far end of a leg says, into a WAV file (8 kHz,
 * mono, 16-bit): the recording voicemail and call/record.c are built on.
 *
 * The work is split like the player's (thread.c, rule 8):
 *   media thread  the relay (relay.c) shows every accepted audio packet
 *                 of a recorded stream to media_rec_rtp(), which decodes
 *                 its G.711 payload, fills the time lost packets leave
 *                 with zeros, counts silence and the length, and
 *                 appends one chunk per packet to the recorder's list;
 *                 at max_ms or silence_ms it stops and says so
 *                 (EV_REC_END)
 *   SIP thread    every 100 ms a timer takes the whole list and appends
 *                 it to the file (librem's aufile); at the end the file
 *                 is closed (aufile writes the WAV header's sizes then)
 *                 and put on disk with its directory (file_sync()),
 *                 before anybody is told the recording ended
 *
 *   media_rec_start --CMD_REC--> [recording] --max/silence--> EV_REC_END
 *        |                          |                            |
 *        |                     chunks, 100 ms                    v
 *        |                          v                   finish -> h()
 *   media_rec_stop / mem_deref --> finish: write, close, fsync
 *   finish --CMD_REC_STOP--> [stopped] --EV_REC_GONE--> mrec freed
 *
 * Time (media.h has the contract): the RTP timestamp is the recording's
 * clock.  A packet whose timestamp is ahead of the one expected (same
 * SSRC) gets that many zero samples before it; a new SSRC or an absurd
 * jump gets the wall-clock time since the last packet instead.  When RTP
 * stops altogether nothing reaches the media thread, so the SIP thread
 * fills the tail at the end from the leg's idle time (only when it is
 * 500 ms or more: below that it is jitter, not a pause), and ends the
 * recording itself at max_ms or silence_ms while no packet comes.
 *
 * fsync runs on the SIP thread, not on a worker (STYLE.md): the call
 * layer must report a caller's hang-up after the message is on disk and
 * before the call's end, in one go; one fsync per recorded message is
 * rare next to the SIP traffic.  Moving it to a worker means making the
 * end of a call wait for it.
 */
#include <pthread.h>
#include <string.h>
#include <re.h>
#include <rem.h>
#include "core/core.h"
#include "media/media.h"
#include "media/media_int.h"

enum {
	SRATE = 8000,
	KHZ = 8,
	TICK_MS = 100,
	TAIL_MS = 500,        /* RTP stopped: no packet for this long */
	GAP_MAX = 60 * SRATE, /* a timestamp jump beyond: a new clock */
	BACKLOG_MAX = 500,    /* chunks not taken: 10 s of packets    */
	SILENCE_RMS = 256,    /* below it a packet is silence         */
};

/* one packet's worth: zeros first (the time before it), then samples */
struct rchunk {
	struct le le;
	uint32_t zeros;
	uint32_t n;
	int16_t pcm[];
};

struct mrec {
	/* media thread, from CMD_REC until CMD_REC_STOP */
	struct media_stream *ms; /* (weak; the stream points back)   */
	bool running;            /* takes audio                      */
	bool started;            /* ssrc, next_ts, last_* are valid  */
	uint32_t ssrc;           /* of the last packet taken         */
	uint32_t next_ts;        /* timestamp the next one should have */
	uint64_t last_at;        /* [ms, jiffies] the last one came  */
	uint32_t last_n;         /* its samples                      */
	uint64_t total;          /* samples recorded, zeros included */
	uint64_t silent;         /* samples of silence in a row      */
	uint64_t max;            /* [samples] from max_ms            */
	uint64_t silence_max;    /* [samples] from silence_ms, 0 off */
	/* shared: the media thread appends, the SIP thread takes */
	pthread_mutex_t lock;
	struct list chunks;   /* (owned) under lock          */
	unsigned backlog;     /* chunks in it, under lock    */
	bool lost;            /* a chunk was lost, under lock */
	media_ctr silent_now; /* copy of silent, for the SIP side */
	/* SIP thread */
	struct le le_sip;         /* in recs until EV_REC_GONE       */
	struct media_rec *handle; /* (weak) NULL once finished       */
	struct media_cmd *stop;   /* CMD_REC_STOP, sent at finish    */
};

struct media_rec {
	struct mrec *r;            /* (weak until EV_REC_GONE) NULL when done */
	struct aufile *af;         /* (owned) NULL when done                */
	char *path;                /* (owned)                               */
	uint64_t leg_id;           /* the leg recorded (it may go first)    */
	struct tmr tmr;            /* the 100 ms writer                     */
	uint64_t start;            /* [ms, jiffies] when it started         */
	uint64_t written;          /* samples in the file                   */
	uint64_t max, silence_max; /* [samples]                      */
	bool done;
	int result; /* when done: the error of writing and syncing */
	media_rec_h *h;
	void *arg;
};

static struct list recs; /* SIP thread: every mrec until EV_REC_GONE */

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

/* ---- media thread ---------------------------------------------------- */

static void rec_end(struct mrec *r, enum media_rec_end why)
{
	r->running = false;
	if (media_ev_push_rec(EV_REC_END, r, why))
		warning("media: recording end lost: out of memory\n");
}

static void chunk_append(struct mrec *r, struct rchunk *c)
{
	bool lost = false;

	pthread_mutex_lock(&r->lock);
	if (!c || r->backlog >= BACKLOG_MAX) {
		r->lost = lost = true;
	}
	else {
		list_append(&r->chunks, &c->le, c);
		r->backlog++;
	}
	pthread_mutex_unlock(&r->lock);
	if (lost) {
		mem_deref(c);
		rec_end(r, MEDIA_REC_ERROR);
	}
}

void media_rec_rtp(struct media_stream *ms, uint8_t kind, const uint8_t *p,
		   size_t len, uint64_t now)
{
	struct mrec *r = ms->rec;
	uint64_t zeros = 0, left, sq = 0;
	struct rchunk *c;
	uint32_t ts, ssrc;
	size_t off, n, i;

	if (!r->running)
		return;
	off = media_rtp_payload(p, len, &n);
	if (!n)
		return;
	ts = get32(p + 4);
	ssrc = get32(p + 8);
	if (r->started) {
		int32_t d = (int32_t)(ts - r->next_ts);
		if (ssrc == r->ssrc && d < 0)
			return; /* late or a duplicate: its time is filled */
		if (ssrc == r->ssrc && d <= GAP_MAX)
			zeros = (uint64_t)d;
		else if (now > r->last_at &&
			 (now - r->last_at) * KHZ > r->last_n)
			zeros = (now - r->last_at) * KHZ - r->last_n;
	}
	r->started = true;
	r->ssrc = ssrc;
	r->next_ts = ts + (uint32_t)n;
	r->last_at = now;
	r->last_n = (uint32_t)n;

	/* the file ends at exactly max samples */
	left = r->max - r->total;
	if (zeros >= left) {
		zeros = left;
		n = 0;
	}
	else if (n > left - zeros) {
		n = (size_t)(left - zeros);
	}
	c = mem_alloc(sizeof(*c) + n * sizeof(int16_t), NULL);
	if (c) {
		memset(&c->le, 0, sizeof(c->le));
		c->zeros = (uint32_t)zeros;
		c->n = (uint32_t)n;
		for (i = 0; i < n; i++) {
			int16_t v = kind == PT_ALAW ? g711_alaw2pcm(p[off + i])
						    : g711_ulaw2pcm(p[off + i]);
			c->pcm[i] = v;
			sq += (uint64_t)((int32_t)v * v);
		}
	}
	r->total += zeros + n;
	r->silent += zeros;
	if (n && sq >= (uint64_t)SILENCE_RMS * SILENCE_RMS * n)
		r->silent = 0;
	else
		r->silent += n;
	atomic_store_explicit(&r->silent_now, r->silent, memory_order_relaxed);
	chunk_append(r, c);
	if (!r->running)
		return; /* lost: ended */
	if (r->total >= r->max)
		rec_end(r, MEDIA_REC_MAX);
	else if (r->silence_max && r->silent >= r->silence_max)
		rec_end(r, MEDIA_REC_SILENCE);
}

/* its stream is going (or another recorder takes it): no more audio */
void media_rec_detach(struct mrec *r)
{
	if (!r)
		return;
	if (r->ms && r->ms->rec == r)
		r->ms->rec = NULL;
	r->ms = NULL;
	r->running = false;
}

void media_rec_cmd(struct media_cmd *cmd)
{
	struct mrec *r = cmd->rec;

	switch (cmd->type) {
	case CMD_REC:
		if (r->ms->rec)
			media_rec_detach(r->ms->rec);
		r->ms->rec = r;
		r->running = true;
		break;
	case CMD_REC_STOP:
		media_rec_detach(r);
		if (media_ev_push_rec(EV_REC_GONE, r, 0))
			warning("media: recorder %p leaks: out of memory\n", r);
		break;
	default:
		break;
	}
}

/* ---- SIP thread ------------------------------------------------------ */

static void mrec_destructor(void *arg)
{
	struct mrec *r = arg;

	list_unlink(&r->le_sip);
	list_flush(&r->chunks);
	pthread_mutex_destroy(&r->lock);
	mem_deref(r->stop);
}

static int write_zeros(struct media_rec *rec, uint64_t n)
{
	static const int16_t zero[512];
	int err = 0;

	while (n && !err) {
		size_t k = n < ARRAY_SIZE(zero) ? (size_t)n : ARRAY_SIZE(zero);
		err = aufile_write(rec->af, (const uint8_t *)zero, k * 2);
		rec->written += k;
		n -= k;
	}
	return err;
}

/* everything the media thread appended so far, into the file */
static int drain(struct media_rec *rec)
{
	struct mrec *r = rec->r;
	struct list got;
	struct le *le;
	bool lost;
	int err = 0;

	if (!r)
		return 0;
	pthread_mutex_lock(&r->lock);
	got = r->chunks;
	list_init(&r->chunks);
	r->backlog = 0;
	lost = r->lost;
	pthread_mutex_unlock(&r->lock);
	for (le = got.head; le; le = le->next) /* le knows its list */
		le->list = &got;

	while ((le = list_head(&got))) {
		struct rchunk *c = le->data;
		list_unlink(le);
		if (!err)
			err = write_zeros(rec, c->zeros);
		if (!err && c->n) {
			err = aufile_write(rec->af, (const uint8_t *)c->pcm,
					   c->n * sizeof(int16_t));
			rec->written += c->n;
		}
		mem_deref(c);
	}
	if (!err && lost)
		err = ENOBUFS;
	return err;
}

/* [samples] of time no packet covers up to now, once RTP has stopped
 * (idle TAIL_MS or more), else 0 */
static uint64_t tail(const struct media_rec *rec)
{
	const struct media_leg *leg = media_leg_find(rec->leg_id);
	uint64_t idle, since, pad;

	if (!leg)
		return 0;
	idle = media_leg_idle_ms(leg);
	if (idle < TAIL_MS)
		return 0;
	since = tmr_jiffies() - rec->start;
	pad = (idle < since ? idle : since) * KHZ;
	if (rec->written && pad > SRATE / 50) /* the last packet's 20 ms */
		pad -= SRATE / 50;
	return pad;
}

/* Write what is left, close, sync; the mrec goes back to the media
 * thread.  pad: zeros to add at the end (clamped to max). */
static void finish(struct media_rec *rec, int err, uint64_t pad)
{
	struct mrec *r = rec->r;

	tmr_cancel(&rec->tmr);
	if (!err)
		err = drain(rec);
	if (r) {
		r->handle = NULL;
		media_cmd_push(r->stop); /* answered with EV_REC_GONE */
		r->stop = NULL;
		rec->r = NULL;
	}
	if (!err && rec->written < rec->max) {
		if (pad > rec->max - rec->written)
			pad = rec->max - rec->written;
		err = write_zeros(rec, pad);
	}
	rec->af = mem_deref(rec->af); /* writes the WAV header's sizes */
	if (!err)
		err = file_sync(rec->path);
	if (err)
		warning("media: recording %s: %m\n", rec->path, err);
	else
		debug("media: recorded %s (%llu ms)\n", rec->path,
		      (unsigned long long)(rec->written / KHZ));
	rec->result = err;
	rec->done = true;
}

static void report(struct media_rec *rec, int err, uint64_t pad,
		   enum media_rec_end why)
{
	media_rec_h *h = rec->h;
	void *arg = rec->arg;

	finish(rec, err, pad);
	if (rec->result)
		why = MEDIA_REC_ERROR;
	if (h)
		h(rec->result, (uint32_t)(rec->written / KHZ), why, arg);
}

static void tick(void *arg)
{
	struct media_rec *rec = arg;
	uint64_t pad, silent;
	int err;

	err = drain(rec);
	if (err) {
		report(rec, err, 0, MEDIA_REC_ERROR);
		return;
	}
	if (!media_leg_find(rec->leg_id)) {
		report(rec, 0, 0, MEDIA_REC_GONE);
		return;
	}
	/* no RTP: the wall clock ends it */
	pad = tail(rec);
	silent = rec->r ? media_ctr_get(&rec->r->silent_now) : 0;
	if (pad && rec->written + pad >= rec->max) {
		report(rec, 0, pad, MEDIA_REC_MAX);
		return;
	}
	if (pad && rec->silence_max && silent + pad >= rec->silence_max) {
		report(rec, 0,
		       rec->silence_max > silent ? rec->silence_max - silent
						 : 0,
		       MEDIA_REC_SILENCE);
		return;
	}
	tmr_start(&rec->tmr, TICK_MS, tick, rec);
}

/* EV_REC_END and EV_REC_GONE */
void media_rec_ev(struct media_ev *ev)
{
	struct mrec *r = ev->rec;

	switch (ev->type) {
	case EV_REC_END:
		if (r->handle && !r->handle->done)
			report(r->handle, 0, 0, (enum media_rec_end)ev->why);
		break;
	case EV_REC_GONE:
		mem_deref(r);
		break;
	default:
		break;
	}
}

/* the media thread has ended: free what it never gave back */
void media_recs_release(void)
{
	struct le *le;

	while ((le = list_head(&recs))) {
		struct mrec *r = le->data;
		if (r->handle)
			r->handle->r = NULL;
		mem_deref(r);
	}
}

static void rec_destructor(void *arg)
{
	struct media_rec *rec = arg;

	if (!rec->done)
		finish(rec, 0, tail(rec));
	tmr_cancel(&rec->tmr);
	mem_deref(rec->af); /* NULL unless it never ran */
	mem_deref(rec->path);
}

int media_rec_start(struct media_rec **rp, struct media_leg *leg,
		    const char *path, const struct media_rec_prm *prm,
		    media_rec_h *h, void *arg)
{
	struct aufile_prm ap = {SRATE, 1, AUFMT_S16LE};
	struct media_cmd *start = NULL;
	struct media_rec *rec;
	struct mrec *r;
	int err;

	if (!rp || !leg || !leg->ms || !path || !path[0] || !prm ||
	    !prm->max_ms)
		return EINVAL;
	rec = mem_zalloc(sizeof(*rec), rec_destructor);
	r = mem_zalloc(sizeof(*r), mrec_destructor);
	if (!rec || !r) {
		mem_deref(rec);
		mem_deref(r);
		return ENOMEM;
	}
	tmr_init(&rec->tmr);
	rec->done = true; /* until it runs: freeing it writes nothing */
	/* default attributes: glibc's init cannot fail, and a zeroed
	 * mutex (mem_zalloc) is a valid one to destroy */
	(void)pthread_mutex_init(&r->lock, NULL);
	list_init(&r->chunks);
	err = str_dup(&rec->path, path);
	if (!err)
		err = media_cmd_alloc(&r->stop, CMD_REC_STOP, NULL);
	if (!err)
		err = media_cmd_alloc(&start, CMD_REC, leg->ms);
	if (err)
		goto out;
	err = aufile_open(&rec->af, &ap, path, AUFILE_WRITE);
	if (err) {
		warning("media: cannot record to %s: %m\n", path, err);
		goto out;
	}
	rec->max = (uint64_t)prm->max_ms * KHZ;
	rec->silence_max = (uint64_t)prm->silence_ms * KHZ;
	rec->leg_id = leg->id;
	rec->start = tmr_jiffies();
	rec->h = h;
	rec->arg = arg;
	r->ms = leg->ms;
	r->max = rec->max;
	r->silence_max = rec->silence_max;
	r->stop->rec = r;
	r->handle = rec;
	start->rec = r;
	rec->r = r;
	rec->done = false;
	list_append(&recs, &r->le_sip, r);
	r = NULL; /* the media thread's until EV_REC_GONE */
	media_cmd_push(start);
	start = NULL;
	tmr_start(&rec->tmr, TICK_MS, tick, rec);
	*rp = rec;
	return 0;

out:
	mem_deref(start);
	mem_deref(r);
	mem_deref(rec);
	return err;
}

int media_rec_stop(struct media_rec *rec, uint32_t *msp)
{
	if (!rec)
		return EINVAL;
	if (!rec->done)
		finish(rec, 0, tail(rec));
	if (msp)
		*msp = (uint32_t)(rec->written / KHZ);
	return rec->result;
}
