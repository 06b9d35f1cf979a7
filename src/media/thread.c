/*
 * thread.c - the media thread, and the two queues between it and the SIP
 * thread.
 *
 * Why a thread: libre's loop reads one datagram per ready descriptor per
 * turn.  With 2000 relayed calls 4000 RTP sockets are ready all the time,
 * so the SIP socket got one read per turn of a loop that walks them all,
 * and new call set-ups timed out (issue 11).  Now all media (RTP/RTCP
 * sockets, relay, latching, SRTP contexts, players and their 20 ms clock)
 * runs in one thread with its own libre loop (re_thread_init: own
 * descriptor table, epoll set and timer list), and the main thread's loop
 * holds only SIP, HTTP and timers.  One media thread, not a pool: the
 * relay of 2000 calls needs less than one core, and two bridged legs must
 * live on the same thread anyway; a pool would shard calls by thread.
 *
 * Threads and what they own
 *
 *   SIP thread (main, re_main)        media thread (media_main)
 *   --------------------------        -------------------------
 *   struct media_leg: SDP, offer/     struct media_stream: sockets in
 *   answer, SRTP negotiation, the     its loop, latching, relay, SRTP
 *   SIP view of bridges               contexts, seq/ts/SSRC, the bridge
 *   struct media_player (handle),     struct mplayer fields above
 *   mplayer fields below "SIP"        "SIP", the 20 ms clock
 *   the prompt cache                  the receive buffer
 *   struct media_rec (handle, WAV     struct mrec fields above "SIP":
 *   file, 100 ms writer), mrec        RTP decoded, gaps filled
 *   fields below "SIP"
 *                 cmdq ---> (ADD CFG SIG BRIDGE UNBRIDGE DEL PLAY STOP
 *                            REC REC_STOP)
 *                 <--- evq  (DONE GONE DIGIT REC_END REC_GONE)
 *
 * Rules
 *  1. An object is touched by one thread at a time; mem_ref/mem_deref
 *     are not atomic.  A stream is allocated by the SIP thread (bind()
 *     there: the port goes into the SDP), handed over by CMD_ADD and
 *     from then on touched only by the media thread, which frees it at
 *     CMD_DEL.  The SIP thread never pushes a command for a stream after
 *     its CMD_DEL (the leg is gone), and the queue is FIFO, so every
 *     command finds its stream alive.
 *  2. The only shared memory is: the queues (one mutex each, held for a
 *     list append or splice, never on the RTP path); single-writer
 *     counters (media_ctr: relaxed atomics, read by the SIP thread and
 *     the HTTP API); tables written before the thread starts (G.711
 *     conversion, media address); prompts, which the cache (SIP thread)
 *     keeps until media_close(), after the media thread has ended.
 *  3. Sockets of a stream are registered (fd_listen) and unregistered
 *     (fd_close) in the media thread's loop only: a descriptor closed
 *     there cannot leave a stale event that calls a freed handler.
 *  4. A player is freed by the SIP thread only, when the media thread
 *     says it let go (EV_GONE, the answer to CMD_STOP).  EV_DONE comes
 *     first if the prompt ended; the SIP side checks that the handle
 *     still exists before it calls the done handler.
 *  5. Nothing blocks: the SIP thread never waits for the media thread
 *     (except media_sync() in tests and the join in media_close()), the
 *     media thread never waits for SIP.  A command that cannot be
 *     allocated fails the API call with ENOMEM; the delete command of
 *     a leg and the stop command of a player are allocated with the
 *     object, so freeing never fails.
 *  6. A digit (EV_DIGIT: a key press the receiver in dtmf.c found in a
 *     stream) names its leg by the leg's id, copied into the stream
 *     before the hand-over, never by a pointer: the leg may be freed
 *     while the event waits.  The SIP thread looks the id up among the
 *     live legs (leg.c) and drops the digit of a leg that is gone.  A
 *     digit that cannot be allocated is lost with a warning (rule 5:
 *     the media thread does not wait); at media_close() the digits
 *     still queued are dropped.
 *  7. Signals go to the main thread: the media thread blocks them all
 *     (libre's handler records a signal in the loop of whichever thread
 *     catches it).
 *  8. A recorder (recorder.c) is handed over by CMD_REC and given back
 *     as a player is (rule 4): CMD_REC_STOP, answered with EV_REC_GONE,
 *     after which the SIP thread frees it.  The samples go from the
 *     media thread to the SIP thread through the recorder's own chunk
 *     list under its own mutex, held for one append or one splice (the
 *     media thread appends a chunk per packet, the SIP thread takes the
 *     whole list every 100 ms); a chunk is allocated by the media
 *     thread and freed by the SIP thread, one owner at a time.  No file
 *     is touched by the media thread: writing and fsync are the SIP
 *     thread's.  EV_REC_END (max length or silence reached) names the
 *     recorder; the SIP side ignores it if the recording was already
 *     finished.  If a chunk cannot be allocated or the SIP thread has
 *     not taken 10 s of them, the recording ends with an error.
 *
 * The queues are our own rather than libre's mqueue: mqueue reads one
 * message per loop turn from a pipe and fails a push when the pipe is
 * full, so a burst of set-ups under load could lose commands.  Here a
 * push appends to a list under the mutex and writes an eventfd when the
 * list was empty; the reader takes the whole list at once.
 */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <re.h>
#include "core/core.h"
#include "media/media.h"
#include "media/media_int.h"

struct queue {
	pthread_mutex_t lock;
	struct list items; /* (owned) under lock */
	int efd;           /* eventfd: readable while items may wait */
};

static struct {
	struct queue cmdq; /* SIP -> media */
	struct queue evq;  /* media -> SIP */
	pthread_t tid;
	bool running;
	struct media_cmd *quit; /* allocated at start: stopping cannot fail */
	sem_t started;
	int start_err;
} mt = {.cmdq = {.efd = -1}, .evq = {.efd = -1}};

static int queue_init(struct queue *q)
{
	int err;

	err = pthread_mutex_init(&q->lock, NULL);
	if (err)
		return err;
	list_init(&q->items);
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->efd < 0) {
		err = errno;
		pthread_mutex_destroy(&q->lock);
		return err;
	}
	return 0;
}

static void queue_close(struct queue *q)
{
	if (q->efd < 0)
		return;
	list_flush(&q->items);
	(void)close(q->efd);
	q->efd = -1;
	pthread_mutex_destroy(&q->lock);
}

static void queue_push(struct queue *q, struct le *le, void *data)
{
	bool was_empty;

	pthread_mutex_lock(&q->lock);
	was_empty = list_isempty(&q->items);
	list_append(&q->items, le, data);
	pthread_mutex_unlock(&q->lock);
	if (was_empty) {
		uint64_t one = 1;
		ssize_t n = write(q->efd, &one, sizeof(one));
		(void)n; /* the counter cannot overflow at one per item */
	}
}

/* everything pushed so far, into *out; the eventfd is cleared first, so
 * a push that comes after the splice wakes the reader again */
static void queue_take(struct queue *q, struct list *out)
{
	uint64_t v;
	ssize_t n = read(q->efd, &v, sizeof(v));
	struct le *le;

	(void)n;
	pthread_mutex_lock(&q->lock);
	*out = q->items;
	list_init(&q->items);
	pthread_mutex_unlock(&q->lock);
	for (le = out->head; le; le = le->next) /* libre's le knows its list */
		le->list = out;
}

/* ---- SIP -> media ---------------------------------------------------- */

static void cmd_destructor(void *arg)
{
	struct media_cmd *cmd = arg;

	mem_deref(cmd->srtp_rx);
	mem_deref(cmd->srtp_tx);
}

int media_cmd_alloc(struct media_cmd **cmdp, enum media_cmd_type type,
		    struct media_stream *ms)
{
	struct media_cmd *cmd = mem_zalloc(sizeof(*cmd), cmd_destructor);

	if (!cmd)
		return ENOMEM;
	cmd->type = type;
	cmd->ms = ms;
	*cmdp = cmd;
	return 0;
}

void media_cmd_push(struct media_cmd *cmd)
{
	if (!cmd)
		return;
	if (!mt.running) { /* never started or gone: nothing to run it */
		mem_deref(cmd);
		return;
	}
	queue_push(&mt.cmdq, &cmd->le, cmd);
}

struct sync {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

static void cmd_apply(struct media_cmd *cmd)
{
	switch (cmd->type) {
	case CMD_PLAY:
	case CMD_STOP:
		media_player_cmd(cmd);
		break;
	case CMD_REC:
	case CMD_REC_STOP:
		media_rec_cmd(cmd);
		break;
	case CMD_SYNC: {
		struct sync *s = cmd->sync;
		pthread_mutex_lock(&s->lock);
		s->done = true;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->lock);
		break;
	}
	case CMD_QUIT:
		re_cancel();
		break;
	default:
		media_stream_cmd(cmd);
		break;
	}
}

static void cmd_handler(int flags, void *arg)
{
	struct list cmds;
	struct le *le;

	(void)flags;
	(void)arg;
	queue_take(&mt.cmdq, &cmds);
	while ((le = list_head(&cmds))) {
		struct media_cmd *cmd = le->data;
		list_unlink(le);
		cmd_apply(cmd);
		mem_deref(cmd);
	}
}

void media_sync(void)
{
	struct media_cmd *cmd;
	struct sync s;

	if (!mt.running || media_cmd_alloc(&cmd, CMD_SYNC, NULL))
		return;
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	s.done = false;
	cmd->sync = &s;
	media_cmd_push(cmd);
	pthread_mutex_lock(&s.lock);
	while (!s.done)
		pthread_cond_wait(&s.cond, &s.lock);
	pthread_mutex_unlock(&s.lock);
	pthread_cond_destroy(&s.cond);
	pthread_mutex_destroy(&s.lock);
}

/* ---- media -> SIP ---------------------------------------------------- */

static int ev_push(enum media_ev_type type, struct mplayer *pl, uint64_t leg,
		   char digit, struct mrec *rec, int why)
{
	struct media_ev *ev = mem_zalloc(sizeof(*ev), NULL);

	if (!ev)
		return ENOMEM;
	ev->type = type;
	ev->pl = pl;
	ev->leg = leg;
	ev->digit = digit;
	ev->rec = rec;
	ev->why = why;
	queue_push(&mt.evq, &ev->le, ev);
	return 0;
}

int media_ev_push(enum media_ev_type type, struct mplayer *pl)
{
	return ev_push(type, pl, 0, 0, NULL, 0);
}

int media_ev_push_digit(uint64_t leg, char digit)
{
	return ev_push(EV_DIGIT, NULL, leg, digit, NULL, 0);
}

int media_ev_push_rec(enum media_ev_type type, struct mrec *rec, int why)
{
	return ev_push(type, NULL, 0, 0, rec, why);
}

int media_ev_push_webrtc(uint64_t leg, enum media_webrtc_ev why)
{
	return ev_push(EV_WEBRTC, NULL, leg, 0, NULL, (int)why);
}

/* the SIP thread's side of an event; stopping (apply false) only frees
 * the players the media thread let go (rule 4) */
static void ev_apply(struct media_ev *ev, bool apply)
{
	switch (ev->type) {
	case EV_DIGIT:
		if (apply)
			media_dtmf_ev(ev);
		break;
	case EV_DONE:
		if (apply)
			media_player_ev(ev);
		break;
	case EV_GONE:
		media_player_ev(ev);
		break;
	case EV_REC_END:
		if (apply)
			media_rec_ev(ev);
		break;
	case EV_REC_GONE:
		media_rec_ev(ev);
		break;
	case EV_WEBRTC:
		if (apply)
			media_webrtc_ev(ev);
		break;
	}
}

static void ev_drain(bool apply)
{
	struct list evs;
	struct le *le;

	queue_take(&mt.evq, &evs);
	while ((le = list_head(&evs))) {
		struct media_ev *ev = le->data;
		list_unlink(le);
		ev_apply(ev, apply);
		mem_deref(ev);
	}
}

static void ev_handler(int flags, void *arg)
{
	(void)flags;
	(void)arg;
	ev_drain(true);
}

/* ---- the thread ------------------------------------------------------ */

/* as many descriptors as the main loop watches (main.c raises the limit) */
static int fd_max(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > 65536)
		return 65536;
	return rl.rlim_cur < 1024 ? 1024 : (int)rl.rlim_cur;
}

static void *media_main(void *arg)
{
	int err;

	(void)arg;
	err = re_thread_init();
	if (!err)
		err = fd_setsize(fd_max());
	if (!err)
		err = fd_listen(mt.cmdq.efd, FD_READ, cmd_handler, NULL);
	if (!err)
		err = media_relay_init();
	if (!err)
		err = media_clock_init();
	mt.start_err = err;
	sem_post(&mt.started);
	if (!err)
		err = re_main(NULL);
	if (err)
		warning("media: thread: %m\n", err);

	media_clock_close();
	media_relay_close();
	fd_close(mt.cmdq.efd);
	re_thread_close();
	return NULL;
}

int media_thread_start(void)
{
	sigset_t all, old;
	int err;

	if (mt.running)
		return EALREADY;
	err = queue_init(&mt.cmdq);
	if (err)
		return err;
	err = queue_init(&mt.evq);
	if (err) {
		queue_close(&mt.cmdq);
		return err;
	}
	err = media_cmd_alloc(&mt.quit, CMD_QUIT, NULL);
	if (err)
		goto out;
	err = fd_listen(mt.evq.efd, FD_READ, ev_handler, NULL);
	if (err)
		goto out;
	if (sem_init(&mt.started, 0, 0)) {
		err = errno;
		goto out;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&mt.tid, NULL, media_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!err) {
		while (sem_wait(&mt.started) && errno == EINTR)
			;
		err = mt.start_err;
		if (err)
			pthread_join(mt.tid, NULL);
	}
	sem_destroy(&mt.started);
	if (!err)
		mt.running = true;
out:
	if (err) {
		mt.quit = mem_deref(mt.quit);
		fd_close(mt.evq.efd);
		queue_close(&mt.evq);
		queue_close(&mt.cmdq);
	}
	return err;
}

/*
 * Every leg must be freed before: their streams are freed by CMD_DEL in
 * the thread.  What the thread still had to say is drained here (players
 * it let go), then players it never gave back are freed.
 */
void media_thread_stop(void)
{
	if (!mt.running)
		return;
	media_cmd_push(mt.quit);
	mt.quit = NULL;
	pthread_join(mt.tid, NULL);
	mt.running = false;
	fd_close(mt.evq.efd);
	ev_drain(false);
	media_players_release();
	media_recs_release();
	queue_close(&mt.evq);
	queue_close(&mt.cmdq);
}
