/*
 * tmr.c - our own tmr_start(), which takes the place of libre's inside this
 * executable: the same sorted timer list, a faster way to insert into it.
 *
 * Why: libre 1.1.0 inserts a timer by walking its sorted list from the
 * tail.  At 1400 calls/s about 90,000 SIP transaction timers of 32 s are
 * live, and every 500 ms timer (2xx retransmission, Timers A/E, K) walks
 * past all of them: about 144 us per insert, 60 % of the CPU in
 * list_apply().  Upstream libre up to its 2026 main branch has the same
 * code, so no newer libre helps (issue 11).  Here a timer is appended when
 * it expires last (the common case), prepended when it expires first, and
 * otherwise inserted by walking from both ends at once until one walk
 * finds the place: a 500 ms timer is placed from the head, a 30 s one from
 * the tail, each past only the timers between it and its end.
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
 * To remove: delete this file and the tmr_replacement_check() call in
 * main.c, the libre version test in the Makefile, and test/unit/core_test_tmr.c.
 */
#include <errno.h>
#include <string.h>
#include "core/core.h"

/* libre 1.1.0 src/main/main.c: the calling thread's timer list */
extern struct list *tmrl_get(void);

static uint64_t starts; /* calls of tmr_start(), for the start-up check */

static uint64_t jfs_of(const struct le *le)
{
	return ((const struct tmr *)le->data)->jfs;
}

/*
 * Insert tmr into the sorted list, after all timers with jfs <= tmr->jfs.
 * Two walks go in step, one from each end, and the first to reach that
 * place inserts: the cost is twice the distance from the nearer end in
 * list positions, whatever the expiry times look like (libre's HTTP server
 * keeps a 600 s idle timer per connection at the tail: choosing the end by
 * expiry time would send every 32 s timer on a walk from the head).
 */
static void insert(struct list *tmrl, struct tmr *tmr)
{
	const uint64_t jfs = tmr->jfs;
	struct le *h = list_head(tmrl), *t = list_tail(tmrl);

	if (!t || jfs_of(t) <= jfs) {
		list_append(tmrl, &tmr->le, tmr);
		return;
	}
	if (jfs < jfs_of(h)) {
		list_prepend(tmrl, &tmr->le, tmr);
		return;
	}
	/* jfs_of(head) <= jfs < jfs_of(tail): both walks stop in the list */
	for (;;) {
		h = h->next;
		if (jfs_of(h) > jfs) {
			list_insert_before(tmrl, h, &tmr->le, tmr);
			return;
		}
		t = t->prev;
		if (jfs_of(t) <= jfs) {
			list_insert_after(tmrl, t, &tmr->le, tmr);
			return;
		}
	}
}

void tmr_start(struct tmr *tmr, uint64_t delay, tmr_h *th, void *arg)
{
	++starts;
	if (!tmr)
		return;

	if (tmr->th)
		list_unlink(&tmr->le);

	tmr->th = th;
	tmr->arg = arg;
	if (!th)
		return;

	tmr->jfs = delay + tmr_jiffies();
	insert(tmrl_get(), tmr);
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
