/*
 * guard.c - protection against password guessing over SIP digest auth.
 *
 * Every failed digest authentication (wrong password, unknown user, a
 * garbled Authorization or one for a foreign realm) is counted against
 * keys, each with a sliding window: a counter keeps the times of its last
 * L failures in a ring, and when the ring is full and its oldest time is
 * less than --auth-window seconds old, the key trips.  Credentials in a
 * scheme other than Digest are no guess and count nothing (auth.c).
 *
 *   kind    key                      L          when it trips
 *   source  "203.0.113.5"            max        blocked --auth-block s
 *   user    "1001"                   2 x max    throttled (below)
 *   pair    "203.0.113.5:5062/1001"  max        blocked --auth-block s
 *
 * A request is *trusted* when it comes from exactly the ip:port and
 * transport of an unexpired registration of the device it authenticates
 * as; auth.c decides that from the store.  A trusted request is judged
 * and counted only by its pair, so the phones of a client behind the same
 * NAT address (same IP, their own NAT ports) keep working with their
 * right credentials while a guesser at that address is blocked.  An
 * untrusted failure counts for its source and its username.
 *
 * The username is throttled, not locked.  A lock of the username would
 * let anyone shut an extension out by sending 2 x max wrong passwords
 * from as many addresses (each below its own source limit); the phone
 * that then starts from a new address (a new office, a mobile client
 * after a network change) could not log in for --auth-block seconds, and
 * the attacker could renew the lock for ever with 10 packets.  So when
 * the user counter trips, untrusted requests for that username are
 * refused unchecked only for a short window, and the window doubles with
 * every password checked and found wrong after it:
 *
 *   trip (2 x max failures within --auth-window)
 *     -> window 1 s: untrusted requests as the user refused (403)
 *   window over: the next request is checked
 *     right password -> accepted; the window stays as it is
 *     wrong          -> window x 2 (2, 4, 8 ... up to --auth-block s)
 *   --auth-block s after the window without a failure -> throttle
 *     ends, the counter starts from 0
 *
 * A guesser spread over many addresses thus gets one checked guess per
 * window: 10 in the first ~17 minutes, then one per --auth-block seconds
 * (the lock it replaces allowed 2 x max per --auth-block).  A legitimate
 * phone arriving from a new address is refused only inside a window,
 * and its next try after it (phones retry a failed REGISTER) is checked.
 * Source and pair blocks are unchanged: an address that guesses is
 * blocked outright.
 *
 * A refused request gets the same 403 as a wrong password and its
 * password is never checked, so the guesser does not learn the right one
 * even when he tries it.  Refusals are logged and counted (`refused`) but
 * are no failures anywhere: nothing was checked.  A success resets
 * nothing, or one known account would let an attacker wipe the counter
 * of the address he guesses from.
 *
 * Memory: at most max_entries counters (65536), the least recently
 * touched evicted first, preferring one that blocks or throttles
 * nothing; a counter without a failure in the window and an ended block
 * or throttle are swept every 10 s.  An entry is about 250 bytes plus 8
 * per ring slot.
 *
 * The state lives in memory on this node.  Sharing it between nodes
 * (through the store, or Kamailio's pike in front of them) is later work.
 *
 * Log lines for fail2ban (contrib/fail2ban; keep the format stable; the
 * address always comes before anything the client chose):
 *
 *   auth: failure from <ip> port <port> user '<user>' (<reason>)
 *   auth: blocked <ip> for <s> s after <n> failures
 *   auth: blocked user '<user>' for <s> s after <n> failures
 *   auth: blocked <ip> port <port> user '<user>' for <s> s after <n> failures
 *
 * (for a user, <s> is the current window, <n> all failures since the
 * throttle began).
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "sip/sip.h"
#include "sip/sip_int.h"

enum {
	GUARD_MAX_ENTRIES = 65536,
	GUARD_MAX_LIMIT = 100, /* cap of --auth-max-failures (ring size) */
	GUARD_EVICT_SCAN = 8,  /* LRU entries looked at for an unblocked one */
	GUARD_SWEEP_MS = 10000,
	GUARD_HASH_SIZE = 4096,
	GUARD_USER_DELAY = 1, /* [s] first window of a user throttle */
};

/*
 * For a source or pair, blocked_until is the end of the block.  For a user
 * (throttled, see above) it is the end of the current window of delay
 * seconds, and the throttle lasts until throttle_until (the end of that
 * window + --auth-block) unless another failure moves it; failures then
 * counts every failure since the trip.
 */
struct guard_entry {
	struct le he;            /* in guard.ht                          */
	struct le le;            /* in guard.lru, least recent first     */
	enum guard_kind kind;    /* source, user or pair                 */
	char key[128];           /* see the table above                  */
	uint64_t touched;        /* [ms] last failure or refusal         */
	uint64_t blocked_until;  /* [ms] 0 if it never blocked           */
	uint64_t throttle_until; /* [ms] user throttled until; 0 if not  */
	uint32_t delay;          /* [s] length of the block or window    */
	uint32_t failures;       /* failures that started the block      */
	uint32_t refused;        /* requests refused by the block        */
	uint32_t limit;          /* ring size: failures that block       */
	uint32_t n;              /* failure times in the ring            */
	uint32_t next;           /* ring slot for the next failure       */
	uint64_t ts[];           /* [ms] times of the last n failures    */
};

struct guard {
	struct hash *ht;      /* struct guard_entry by key (owned)      */
	struct list lru;      /* the same entries, least recent first   */
	uint32_t count;       /* entries                                */
	struct guard_prm prm; /* as given, limit clamped                */
	struct tmr tmr;       /* sweep                                  */
};

static const char *const kind_names[] = {
    [GUARD_SOURCE] = "source",
    [GUARD_USER] = "user",
    [GUARD_PAIR] = "pair",
};

/* Usernames come from the client: print only harmless characters so that
 * a log line cannot be made to look like another one. */
static int user_print(struct re_printf *pf, const char *user)
{
	static const char ok[] = "-_.!~*+@";
	char buf[64];
	size_t i;

	for (i = 0; user[i] && i < sizeof(buf) - 1; i++) {
		char c = user[i];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || strchr(ok, c);
		buf[i] = plain && c ? c : '?';
	}
	buf[i] = '\0';
	return re_hprintf(pf, "%s", buf);
}

static void entry_destructor(void *arg)
{
	struct guard_entry *e = arg;

	hash_unlink(&e->he);
	list_unlink(&e->le);
}

static void entry_free(struct guard *g, struct guard_entry *e)
{
	--g->count;
	mem_deref(e);
}

static bool entry_blocking(const struct guard_entry *e, uint64_t now)
{
	return e->blocked_until > now;
}

/* A user throttle in force (refusing or not right now). */
static bool entry_throttled(const struct guard_entry *e, uint64_t now)
{
	return e->throttle_until > now;
}

/* Nothing to remember: no block, and no failure within the window. */
static bool entry_dead(const struct guard *g, const struct guard_entry *e,
		       uint64_t now)
{
	uint64_t newest;

	if (entry_blocking(e, now) || entry_throttled(e, now))
		return false;
	if (!e->n)
		return true;
	newest = e->ts[(e->next + e->limit - 1) % e->limit];
	return newest + (uint64_t)g->prm.window * 1000 <= now;
}

static void key_make(char *buf, size_t sz, enum guard_kind kind,
		     const struct guard_who *w)
{
	switch (kind) {
	case GUARD_SOURCE:
		re_snprintf(buf, sz, "%j", w->src);
		break;

	case GUARD_USER:
		str_copy(buf, w->user, sz);
		break;

	case GUARD_PAIR:
		re_snprintf(buf, sz, "%J/%s", w->src, w->user);
		break;
	}
}

struct lookup {
	enum guard_kind kind;
	const char *key;
};

static bool lookup_cmp(struct le *le, void *arg)
{
	const struct guard_entry *e = le->data;
	const struct lookup *l = arg;

	return e->kind == l->kind && !strcmp(e->key, l->key);
}

static struct guard_entry *entry_find(const struct guard *g,
				      enum guard_kind kind, const char *key)
{
	struct lookup l = {kind, key};

	return list_ledata(
	    hash_lookup(g->ht, hash_joaat_str(key), lookup_cmp, &l));
}

static void touch(struct guard *g, struct guard_entry *e, uint64_t now)
{
	e->touched = now;
	list_unlink(&e->le);
	list_append(&g->lru, &e->le, e);
}

/* Make room for one entry: the least recently touched that blocks
 * nothing among the first few, else simply the least recent. */
static void evict_one(struct guard *g, uint64_t now)
{
	struct le *le = list_head(&g->lru);
	struct guard_entry *victim = le ? le->data : NULL;
	unsigned i;

	for (i = 0; le && i < GUARD_EVICT_SCAN; i++, le = le->next) {
		struct guard_entry *e = le->data;

		if (!entry_blocking(e, now) && !entry_throttled(e, now)) {
			victim = e;
			break;
		}
	}
	if (!victim)
		return;
	debug("auth: guard table full, forgetting %s '%s'\n",
	      kind_names[victim->kind], victim->key);
	entry_free(g, victim);
}

static uint32_t kind_limit(const struct guard *g, enum guard_kind kind)
{
	return kind == GUARD_USER ? 2 * g->prm.max_failures
				  : g->prm.max_failures;
}

/* The entry for kind/key, created if missing; NULL on ENOMEM. */
static struct guard_entry *entry_get(struct guard *g, enum guard_kind kind,
				     const char *key, uint64_t now)
{
	struct guard_entry *e = entry_find(g, kind, key);
	uint32_t limit;

	if (e)
		return e;
	if (g->count >= g->prm.max_entries)
		evict_one(g, now);

	limit = kind_limit(g, kind);
	e = mem_zalloc(sizeof(*e) + limit * sizeof(e->ts[0]), entry_destructor);
	if (!e)
		return NULL;
	e->kind = kind;
	e->limit = limit;
	str_copy(e->key, key, sizeof(e->key));
	hash_append(g->ht, hash_joaat_str(e->key), &e->he, e);
	list_append(&g->lru, &e->le, e);
	++g->count;
	return e;
}

static void block_log(const struct guard *g, const struct guard_entry *e,
		      const struct guard_who *w)
{
	switch (e->kind) {
	case GUARD_SOURCE:
		info("auth: blocked %j for %u s after %u failures\n", w->src,
		     g->prm.block, e->failures);
		break;

	case GUARD_USER:
		info("auth: blocked user '%H' for %u s after %u failures\n",
		     user_print, w->user, e->delay, e->failures);
		break;

	case GUARD_PAIR:
		info("auth: blocked %j port %u user '%H' for %u s after %u "
		     "failures\n",
		     w->src, sa_port(w->src), user_print, w->user, g->prm.block,
		     e->failures);
		break;
	}
}

/* A block or throttle that has run out: say so once and forget its
 * numbers. */
static void block_ended(struct guard_entry *e)
{
	info("auth: %s of %s '%s' ended\n",
	     e->throttle_until ? "throttle" : "block", kind_names[e->kind],
	     e->key);
	e->blocked_until = 0;
	e->throttle_until = 0;
	e->delay = 0;
	e->failures = 0;
	e->refused = 0;
}

/* A failure of a throttled user after its window: the next window is
 * twice as long, at most --auth-block. */
static void throttle_step(struct guard *g, struct guard_entry *e,
			  const struct guard_who *w, uint64_t now)
{
	e->delay = e->delay >= g->prm.block / 2 ? g->prm.block : 2 * e->delay;
	++e->failures;
	e->blocked_until = now + (uint64_t)e->delay * 1000;
	e->throttle_until = e->blocked_until + (uint64_t)g->prm.block * 1000;
	block_log(g, e, w);
}

/* One more failure for kind/key; blocks it when the ring is full of
 * failures within the window. */
static void count(struct guard *g, enum guard_kind kind,
		  const struct guard_who *w, uint64_t now)
{
	struct guard_entry *e;
	char key[128];
	uint64_t oldest;

	key_make(key, sizeof(key), kind, w);
	e = entry_get(g, kind, key, now);
	if (!e) {
		warning("auth: no memory to count a failure of %s '%s'\n",
			kind_names[kind], key);
		return;
	}
	touch(g, e, now);
	if (entry_blocking(e, now))
		return;
	if (entry_throttled(e, now)) {
		throttle_step(g, e, w, now);
		return;
	}
	if (e->blocked_until)
		block_ended(e);

	e->ts[e->next] = now;
	e->next = (e->next + 1) % e->limit;
	if (e->n < e->limit)
		++e->n;
	oldest = e->ts[e->next]; /* the ring is full: next is oldest */
	if (e->n < e->limit || oldest + (uint64_t)g->prm.window * 1000 <= now)
		return;

	e->failures = e->n;
	e->refused = 0;
	e->n = 0;
	e->next = 0;
	e->delay = g->prm.block;
	if (kind == GUARD_USER && GUARD_USER_DELAY < g->prm.block)
		e->delay = GUARD_USER_DELAY;
	e->blocked_until = now + (uint64_t)e->delay * 1000;
	if (kind == GUARD_USER)
		e->throttle_until =
		    e->blocked_until + (uint64_t)g->prm.block * 1000;
	block_log(g, e, w);
}

static bool enabled(const struct guard *g)
{
	return g->prm.max_failures && g->prm.block;
}

void guard_expire(struct guard *g)
{
	uint64_t now = time_now_ms();
	struct le *le;

	if (!g)
		return;
	le = list_head(&g->lru);
	while (le) {
		struct guard_entry *e = le->data;

		le = le->next;
		if (!entry_dead(g, e, now))
			continue;
		if (e->blocked_until || e->throttle_until)
			block_ended(e);
		entry_free(g, e);
	}
}

static void sweep(void *arg)
{
	struct guard *g = arg;

	guard_expire(g);
	tmr_start(&g->tmr, GUARD_SWEEP_MS, sweep, g);
}

static void guard_destructor(void *arg)
{
	struct guard *g = arg;

	tmr_cancel(&g->tmr);
	list_flush(&g->lru);
	g->ht = mem_deref(g->ht);
}

int guard_alloc(struct guard **gp, const struct guard_prm *prm)
{
	struct guard *g;
	int err;

	if (!gp || !prm)
		return EINVAL;
	g = mem_zalloc(sizeof(*g), guard_destructor);
	if (!g)
		return ENOMEM;
	list_init(&g->lru);
	tmr_init(&g->tmr);
	g->prm = *prm;
	if (g->prm.max_failures > GUARD_MAX_LIMIT) {
		warning("auth: --auth-max-failures %u too high, using %u\n",
			g->prm.max_failures, GUARD_MAX_LIMIT);
		g->prm.max_failures = GUARD_MAX_LIMIT;
	}
	if (!g->prm.max_entries)
		g->prm.max_entries = GUARD_MAX_ENTRIES;

	err = hash_alloc(&g->ht, GUARD_HASH_SIZE);
	if (err) {
		mem_deref(g);
		return err;
	}
	tmr_start(&g->tmr, GUARD_SWEEP_MS, sweep, g);
	*gp = g;
	return 0;
}

/* The block that applies to w, or NULL. */
static struct guard_entry *block_of(const struct guard *g,
				    const struct guard_who *w, uint64_t now)
{
	static const enum guard_kind trusted[] = {GUARD_PAIR};
	static const enum guard_kind untrusted[] = {GUARD_SOURCE, GUARD_USER};
	const enum guard_kind *kv = w->trusted ? trusted : untrusted;
	size_t i, kc = w->trusted ? ARRAY_SIZE(trusted) : ARRAY_SIZE(untrusted);
	char key[128];

	for (i = 0; i < kc; i++) {
		struct guard_entry *e;

		if (kv[i] == GUARD_USER && !w->user[0])
			continue;
		key_make(key, sizeof(key), kv[i], w);
		e = entry_find(g, kv[i], key);
		if (e && entry_blocking(e, now))
			return e;
	}
	return NULL;
}

bool guard_active(const struct guard *g, const struct sa *src, const char *user)
{
	struct guard_who w = {src, user ? user : "", false};
	uint64_t now = time_now_ms();

	if (!g || !src || !g->count)
		return false;
	if (block_of(g, &w, now))
		return true;
	w.trusted = true;
	return block_of(g, &w, now) != NULL;
}

bool guard_refuse(struct guard *g, const struct guard_who *w)
{
	static const char *const why[] = {
	    [GUARD_SOURCE] = "blocked",
	    [GUARD_USER] = "user throttled",
	    [GUARD_PAIR] = "pair blocked",
	};
	uint64_t now = time_now_ms();
	struct guard_entry *e;

	if (!g || !w || !w->src || !w->user)
		return false;
	e = block_of(g, w, now);
	if (!e)
		return false;
	++e->refused;
	touch(g, e, now);
	info("auth: failure from %j port %u user '%H' (%s)\n", w->src,
	     sa_port(w->src), user_print, w->user, why[e->kind]);
	return true;
}

void guard_failure(struct guard *g, const struct guard_who *w, const char *why)
{
	uint64_t now = time_now_ms();

	if (!g || !w || !w->src || !w->user)
		return;
	info("auth: failure from %j port %u user '%H' (%s)\n", w->src,
	     sa_port(w->src), user_print, w->user, why);
	if (!enabled(g))
		return;
	if (w->trusted) {
		count(g, GUARD_PAIR, w, now);
		return;
	}
	count(g, GUARD_SOURCE, w, now);
	if (w->user[0])
		count(g, GUARD_USER, w, now);
}

int guard_blocks(const struct guard *g, sip_auth_block_h *h, void *arg)
{
	uint64_t now = time_now_ms();
	struct le *le;

	if (!g || !h)
		return EINVAL;
	LIST_FOREACH(&g->lru, le)
	{
		const struct guard_entry *e = le->data;
		struct sip_auth_block b;
		int err;

		if (!entry_blocking(e, now) && !entry_throttled(e, now))
			continue;
		b.kind = kind_names[e->kind];
		b.key = e->key;
		b.failures = e->failures;
		b.refused = e->refused;
		b.blocked_until = e->blocked_until;
		b.delay = e->delay;
		b.throttled_until = e->throttle_until;
		err = h(&b, arg);
		if (err)
			return err;
	}
	return 0;
}

int guard_unblock(struct guard *g, const char *key)
{
	uint64_t now = time_now_ms();
	enum guard_kind k;
	int err = ENOENT;

	if (!g || !key)
		return EINVAL;
	for (k = GUARD_SOURCE; k <= GUARD_PAIR; k++) {
		struct guard_entry *e = entry_find(g, k, key);

		if (!e || (!entry_blocking(e, now) && !entry_throttled(e, now)))
			continue;
		info("auth: %s of %s '%s' lifted\n",
		     e->throttle_until ? "throttle" : "block", kind_names[k],
		     e->key);
		entry_free(g, e);
		err = 0;
	}
	return err;
}

uint32_t guard_count(const struct guard *g)
{
	return g ? g->count : 0;
}

/* ---- public, for the API (sip.h) ------------------------------------ */

int sipsrv_auth_blocks(sip_auth_block_h *h, void *arg)
{
	if (!sipsrv_g)
		return ENOENT;
	return guard_blocks(sipsrv_g->guard, h, arg);
}

int sipsrv_auth_unblock(const char *key)
{
	if (!sipsrv_g)
		return ENOENT;
	return guard_unblock(sipsrv_g->guard, key);
}
