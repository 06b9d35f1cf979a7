/*
 * tmr.c - our own tmr_start(), which takes the place of libre's inside this
 * executable: the same sorted timer list, a faster way to insert into it.
 *
 * Why: libre 1.1.0 inserts a timer by walking its sorted list from the
 * tail.  At 1400 calls/s about 90,000 SIP transaction timers of 32 s are
 * live, and every 500 ms timer (2xx retransmission, Timers A/E, K) walks
 * past all of them: 60 % of the CPU in list_apply().  Upstream libre up to
 * its 2026 main branch has the same code, so no newer libre helps (issue
 * 11).  Here a timer is appended when it expires last, prepended when it
 * expires first, else placed by a short walk from both ends at once; in a
 * big list it starts from a mark of its own 8 ms window of expiry time
 * (see marks below) and walks only past the timers of that window.  With
 * 90,000 timers over 32 s and libre's 600 s HTTP idle timer at the tail,
 * starting a 500 ms timer costs 0.05 us instead of libre's 1.6-10 ms on
 * the shared 2-core machine (bench/tmrbench.c).
 *
 * How: libre.so.0 calls tmr_start() through its PLT (tmr_cancel() too: it
 * is tmr_start(tmr, 0, NULL, NULL)), so the dynamic linker binds those
 * calls to the first definition in the search order, and the executable
 * comes first (ELF symbol interposition, as malloc replacements do).  The
 * linker exports this definition to the dynamic symbol table because
 * libre.so.0 has the same symbol; no -rdynamic needed (`nm -D` shows it).
 *
 * Matches libre 1.1.0 exactly (src/tmr/tmr.c of tag v1.1.0): struct tmr
 * {le, th, arg, jfs} from <re_tmr.h>, the per-thread list from tmrl_get()
 * (exported, not declared in the headers), jfs = delay + tmr_jiffies(), a
 * running timer (th set) is unlinked first, th == NULL only stops it, and
 * a new timer goes after every timer with an equal or earlier expiry, so
 * timers due at the same millisecond fire in the order they were started.
 * tmr_poll() (libre's) pops from the head as before.  The Makefile refuses
 * any libre but 1.1.0, and tmr_replacement_check() at start-up refuses to
 * run when libre's own calls do not reach this function.
 *
 * To remove: delete this file, the tmr_replacement_*() calls in main.c and
 * their declarations in core.h, the libre version test in the Makefile,
 * and test/unit/core_test_tmr.c.
 */
#include <errno.h>
#include <string.h>
#include "core/core.h"

/* libre 1.1.0 src/main/main.c: the calling thread's timer list */
extern struct list *tmrl_get(void);

/* calls of tmr_start() in this thread, for the start-up check; per
 * thread, as libre's lists are (the media thread has its own) */
static _Thread_local uint64_t starts;

enum {
	WALK_SHORT = 16,     /* steps of the two-ended walk before marks */
	MARK_SHIFT = 3,      /* a mark per 8 ms window of expiry time     */
	MARK_SLOTS = 8192,   /* ring of marks: 65 s of windows            */
	MARK_HORIZON = 60000 /* [ms] timers further out walk, no mark     */
};

/*
 * Marks: timers of our own (static, never freed, th == NULL) that sit in
 * libre's list at the start of 8 ms windows of expiry time, so that an
 * insert walks only through its own window.  tmr_poll() unlinks a mark
 * that reaches the head without calling anything (it skips th == NULL),
 * so a mark is in the list exactly while mark->le.list is set, and a
 * pointer to one never dangles.  Marks exist only in the list of the
 * main thread (the SIP stack's, where the transaction timers are; set
 * once by tmr_replacement_check() before any other thread starts, so
 * every thread reads it without a lock, and no other thread's list ever
 * gets one), only for windows a timer was started in, and only once a
 * short walk did not find the place (a big list).
 */
static struct tmr marks[MARK_SLOTS];
static struct list *marks_list; /* the main thread's list (weak) */

static uint64_t jfs_of(const struct le *le)
{
	return ((const struct tmr *)le->data)->jfs;
}

/*
 * The element after which a timer expiring at jfs goes, for
 * jfs_of(head) <= jfs < jfs_of(tail): two walks in step, one from each
 * end, the first to find the place wins, so the cost is twice the
 * distance from the nearer end in list positions.  NULL after max steps.
 */
static struct le *place_walk(const struct list *l, uint64_t jfs, size_t max)
{
	struct le *h = l->head, *t = l->tail;

	while (max--) {
		h = h->next;
		if (jfs_of(h) > jfs)
			return h->prev;
		t = t->prev;
		if (jfs_of(t) <= jfs)
			return t;
	}
	return NULL;
}

/* The place for jfs, found from le (jfs_of(le) <= jfs) walking forward. */
static struct le *place_from(struct le *le, uint64_t jfs)
{
	while (le->next && jfs_of(le->next) <= jfs)
		le = le->next;
	return le;
}

/* Insert into the sorted list after all elements with jfs <= tmr->jfs. */
static void put(struct list *l, struct tmr *tmr, struct le *after)
{
	if (after)
		list_insert_after(l, after, &tmr->le, tmr);
	else
		list_prepend(l, &tmr->le, tmr);
}

/* The mark of window w, in the list l (inserted if need be). */
static struct tmr *mark_get(struct list *l, uint64_t w)
{
	struct tmr *m = &marks[w % MARK_SLOTS];
	const uint64_t mj = w << MARK_SHIFT;
	struct le *after = NULL;
	uint64_t i;

	if (m->le.list) {
		if (m->jfs == mj)
			return m;
		list_unlink(&m->le); /* a window long past, or the clock
					went back: ours to move */
	}
	m->th = NULL;
	m->arg = NULL;
	m->jfs = mj;
	if (jfs_of(l->tail) <= mj) {
		list_append(l, &m->le, m);
		return m;
	}
	if (mj < jfs_of(l->head)) {
		list_prepend(l, &m->le, m);
		return m;
	}
	for (i = 1; i <= 64 && !after; i++) {
		const struct tmr *p = &marks[(w - i) % MARK_SLOTS];

		if (p->le.list == l && p->jfs == (w - i) << MARK_SHIFT)
			after = place_from((struct le *)&p->le, mj);
	}
	if (!after)
		after = place_walk(l, mj, SIZE_MAX);
	put(l, m, after);
	return m;
}

static void insert(struct list *l, struct tmr *tmr, uint64_t now)
{
	const uint64_t jfs = tmr->jfs;
	struct le *after;

	if (!l->tail || jfs_of(l->tail) <= jfs) {
		list_append(l, &tmr->le, tmr);
		return;
	}
	if (jfs < jfs_of(l->head)) {
		list_prepend(l, &tmr->le, tmr);
		return;
	}
	after = place_walk(l, jfs, WALK_SHORT);
	if (!after && l == marks_list && jfs - now < MARK_HORIZON)
		after = place_from(&mark_get(l, jfs >> MARK_SHIFT)->le, jfs);
	if (!after)
		after = place_walk(l, jfs, SIZE_MAX);
	put(l, tmr, after);
}

void tmr_start(struct tmr *tmr, uint64_t delay, tmr_h *th, void *arg)
{
	uint64_t now;

	++starts;
	if (!tmr)
		return;

	if (tmr->th)
		list_unlink(&tmr->le);

	tmr->th = th;
	tmr->arg = arg;
	if (!th)
		return;

	now = tmr_jiffies();
	tmr->jfs = delay + now;
	insert(tmrl_get(), tmr, now);
}

void tmr_replacement_flush(void)
{
	size_t i;

	for (i = 0; i < MARK_SLOTS; i++)
		list_unlink(&marks[i].le);
}

static void check_timeout(void *arg)
{
	(void)arg;
}

int tmr_replacement_check(void)
{
	struct list *tmrl = tmrl_get();
	struct stun_keepalive *ska = NULL;
	const char *v = sys_libre_version_get();
	uint64_t n;
	uint32_t count;
	struct tmr t;
	int err;

	if (!v || strcmp(v, "1.1.0")) {
		warning("tmr: libre is %s; src/core/tmr.c matches 1.1.0 only\n",
			v ? v : "?");
		return ENOTSUP;
	}
	marks_list = tmrl;

	/* libre's tmr_cancel() is tmr_start(tmr, 0, NULL, NULL) */
	tmr_init(&t);
	tmr_start(&t, 1000, check_timeout, NULL);
	n = starts;
	tmr_cancel(&t);
	if (starts != n + 1 || tmr_isrunning(&t)) {
		warning("tmr: libre's tmr_cancel() bypasses our tmr_start()\n");
		return ENOSYS;
	}

	/* a timer libre starts itself: stun_keepalive_enable() cancels,
	 * then starts its refresh timer (no socket for a TCP keepalive) */
	err = stun_keepalive_alloc(&ska, IPPROTO_TCP, NULL, 0, NULL, NULL, NULL,
				   NULL);
	if (err) {
		warning("tmr: start-up check: %m\n", err);
		return err;
	}
	count = list_count(tmrl);
	n = starts;
	stun_keepalive_enable(ska, 3600);
	if (starts != n + 2 || list_count(tmrl) != count + 1) {
		warning("tmr: libre's own timers bypass our tmr_start()\n");
		err = ENOSYS;
	}
	mem_deref(ska);
	if (!err && list_count(tmrl) != count) {
		warning("tmr: libre's timer list is not the one we insert "
			"into\n");
		err = ENOSYS;
	}
	return err;
}
