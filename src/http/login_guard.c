/*
 * login_guard.c - failed password logins counted per source address
 * (issue 16), the API's counterpart of the SIP guard (sip/guard.c): an
 * address whose logins fail --login-ip-max-failures times within
 * --login-lockout seconds is refused for --login-lockout seconds (429),
 * whatever login it tries.  The per-login lock-out (users.locked_until)
 * stops guessing one password from many addresses; this stops trying one
 * password on many logins from one address, and bounds the time an
 * address can make the main loop spend on password hashes.
 *
 * The counts live in memory only (a restart forgets them) in a hash by
 * address, at most GUARD_MAX addresses: when full, the oldest entry goes.
 *
 *   (none) --fail--> counting --fail x max--> blocked --lockout--> (none)
 *                       \--window over, next fail: counting from 1
 */
#include <string.h>
#include "http/http_int.h"

enum {
	GUARD_BUCKETS = 256,
	GUARD_MAX = 4096, /* addresses remembered at most */
};

struct login_guard {
	struct hash *ht;          /* struct guard_entry by address (owned) */
	struct list order;        /* the same, oldest first             */
	const struct config *cfg; /* (weak) the limits                  */
};

struct guard_entry {
	struct le he;           /* in ht                                */
	struct le le;           /* in order                             */
	struct sa addr;         /* the address (no port)                */
	uint32_t failures;      /* within the window                    */
	uint64_t window_start;  /* [ms] first failure counted           */
	uint64_t blocked_until; /* [ms] 0: not blocked                  */
};

static void entry_destructor(void *arg)
{
	struct guard_entry *e = arg;

	hash_unlink(&e->he);
	list_unlink(&e->le);
}

static void guard_destructor(void *arg)
{
	struct login_guard *g = arg;

	list_flush(&g->order);
	g->ht = mem_deref(g->ht);
}

int login_guard_alloc(struct login_guard **gp, const struct config *cfg)
{
	struct login_guard *g;
	int err;

	if (!gp || !cfg)
		return EINVAL;
	g = mem_zalloc(sizeof(*g), guard_destructor);
	if (!g)
		return ENOMEM;
	g->cfg = cfg;
	err = hash_alloc(&g->ht, GUARD_BUCKETS);
	if (err) {
		mem_deref(g);
		return err;
	}
	*gp = g;
	return 0;
}

static bool addr_cmp(struct le *le, void *arg)
{
	const struct guard_entry *e = le->data;

	return sa_cmp(&e->addr, arg, SA_ADDR);
}

static struct guard_entry *entry_find(const struct login_guard *g,
				      const struct sa *addr)
{
	struct le *le =
	    hash_lookup(g->ht, sa_hash(addr, SA_ADDR), addr_cmp, (void *)addr);

	return le ? le->data : NULL;
}

uint64_t login_guard_blocked(const struct login_guard *g, const struct sa *addr,
			     uint64_t now)
{
	const struct guard_entry *e;

	if (!g || !addr || !g->cfg->login_ip_max_failures)
		return 0;
	e = entry_find(g, addr);
	return e && e->blocked_until > now ? e->blocked_until : 0;
}

bool login_guard_fail(struct login_guard *g, const struct sa *addr,
		      uint64_t now)
{
	struct guard_entry *e;
	uint64_t span;

	if (!g || !addr || !g->cfg->login_ip_max_failures)
		return false;
	span = (uint64_t)g->cfg->login_lockout * 1000;
	e = entry_find(g, addr);
	if (!e) {
		if (list_count(&g->order) >= GUARD_MAX)
			mem_deref(list_ledata(list_head(&g->order)));
		e = mem_zalloc(sizeof(*e), entry_destructor);
		if (!e)
			return false; /* not counted: no memory */
		sa_cpy(&e->addr, addr);
		hash_append(g->ht, sa_hash(addr, SA_ADDR), &e->he, e);
		list_append(&g->order, &e->le, e);
	}
	if (e->blocked_until && e->blocked_until <= now) {
		e->blocked_until = 0;
		e->failures = 0;
	}
	if (!e->failures || now - e->window_start >= span) {
		e->failures = 0;
		e->window_start = now;
	}
	if (++e->failures < g->cfg->login_ip_max_failures)
		return false;
	e->blocked_until = now + span;
	e->failures = 0;
	warning("http: login: address %j blocked for %u s after %u failed "
		"logins\n",
		addr, g->cfg->login_lockout, g->cfg->login_ip_max_failures);
	return true;
}
