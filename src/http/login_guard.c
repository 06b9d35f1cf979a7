/*
 * login_guard.c - failed password logins counted where no user row can
 * hold them (issue 16), kept in the store (store_login_failure) so that a
 * restart does not lift a lock-out:
 *
 *  - per source address, the API's counterpart of the SIP guard
 *    (sip/guard.c): an address whose logins fail --login-ip-max-failures
 *    times within --login-lockout seconds is refused for --login-lockout
 *    seconds (429), whatever login it tries.  This stops trying one
 *    password on many logins from one address, and bounds the hashing
 *    an address can ask for.
 *
 *      (none) --fail--> counting --fail x max--> blocked --lockout--> (none)
 *                          \--window over, next fail: counting from 1
 *
 *  - per unknown login name, by the very rules of a user's own counter
 *    (users.failed_logins, api_sessions.c): --login-max-failures wrong
 *    passwords in a row lock the name for --login-lockout seconds.  So an
 *    unknown login answers exactly like an existing one (401s, then 429
 *    with Retry-After) and the answers tell no one which logins exist.
 *
 * The table is bounded: rows neither locked nor touched for FORGET_AFTER
 * are purged and at most GUARD_MAX rows are kept (the least recently
 * touched go first).  An unknown name's count is thus forgotten after a
 * day, a user's is not: telling them apart that way costs a guesser a day
 * per try.
 */
#include <string.h>
#include "http/http_int.h"

enum {
	GUARD_MAX = 10000,                  /* rows kept at most */
	FORGET_AFTER = 24 * 3600 * 1000ULL, /* [ms] idle rows purged */
};

struct login_guard {
	const struct config *cfg; /* (weak) the limits            */
	struct store *st;         /* (weak) where the counts live */
};

int login_guard_alloc(struct login_guard **gp, const struct config *cfg,
		      struct store *st)
{
	struct login_guard *g;

	if (!gp || !cfg || !st)
		return EINVAL;
	g = mem_zalloc(sizeof(*g), NULL);
	if (!g)
		return ENOMEM;
	g->cfg = cfg;
	g->st = st;
	*gp = g;
	return 0;
}

static void addr_key(char *buf, size_t sz, const struct sa *addr)
{
	re_snprintf(buf, sz, "addr:%j", addr);
}

static void name_key(char *buf, size_t sz, const char *name)
{
	re_snprintf(buf, sz, "login:%s", name);
}

/* The row of key into *f, or a zeroed one (a read error counts as none:
 * logged, the login goes on). */
static void row_get(const struct login_guard *g, const char *key,
		    struct store_login_failure *f)
{
	int err = store_login_failure_get(g->st, key, f);

	if (err) {
		if (err != ENOENT)
			warning("http: login guard: read: %m\n", err);
		memset(f, 0, sizeof(*f));
		str_copy(f->key, key, sizeof(f->key));
	}
}

static void row_put(const struct login_guard *g, struct store_login_failure *f,
		    uint64_t now)
{
	int err;

	f->updated_at = now;
	err = store_login_failure_put(
	    g->st, f, now > FORGET_AFTER ? now - FORGET_AFTER : 0, GUARD_MAX);
	if (err)
		warning("http: login guard: not saved: %m\n", err);
}

uint64_t login_guard_blocked(const struct login_guard *g, const struct sa *addr,
			     uint64_t now)
{
	struct store_login_failure f;
	char key[80];

	if (!g || !addr || !g->cfg->login_ip_max_failures)
		return 0;
	addr_key(key, sizeof(key), addr);
	row_get(g, key, &f);
	return f.locked_until > now ? f.locked_until : 0;
}

bool login_guard_fail(struct login_guard *g, const struct sa *addr,
		      uint64_t now)
{
	struct store_login_failure f;
	uint64_t span;
	char key[80];
	bool blocked = false;

	if (!g || !addr || !g->cfg->login_ip_max_failures)
		return false;
	span = (uint64_t)g->cfg->login_lockout * 1000;
	addr_key(key, sizeof(key), addr);
	row_get(g, key, &f);
	if (f.locked_until && f.locked_until <= now) {
		f.locked_until = 0;
		f.failures = 0;
	}
	if (!f.failures || now - f.window_start >= span) {
		f.failures = 0;
		f.window_start = now;
	}
	if (++f.failures >= g->cfg->login_ip_max_failures) {
		f.locked_until = now + span;
		f.failures = 0;
		blocked = true;
		warning("http: login: address %j blocked for %u s after %u "
			"failed logins\n",
			addr, g->cfg->login_lockout,
			g->cfg->login_ip_max_failures);
	}
	row_put(g, &f, now);
	return blocked;
}

uint64_t login_guard_name_locked(const struct login_guard *g, const char *name,
				 uint64_t now)
{
	struct store_login_failure f;
	char key[STORE_LOGIN_KEY_SZ];

	if (!g || !str_isset(name))
		return 0;
	name_key(key, sizeof(key), name);
	row_get(g, key, &f);
	return f.locked_until > now ? f.locked_until : 0;
}

bool login_guard_name_fail(struct login_guard *g, const char *name,
			   const struct sa *peer, uint64_t now)
{
	const struct config *cfg;
	struct store_login_failure f;
	char key[STORE_LOGIN_KEY_SZ];
	bool locked = false;

	if (!g || !str_isset(name))
		return false;
	cfg = g->cfg;
	name_key(key, sizeof(key), name);
	row_get(g, key, &f);
	if (++f.failures >= cfg->login_max_failures) {
		f.locked_until = now + (uint64_t)cfg->login_lockout * 1000;
		f.failures = 0;
		locked = true;
		warning("http: unknown login from %j: locked for %u s after "
			"%u wrong passwords\n",
			peer, cfg->login_lockout, cfg->login_max_failures);
	}
	row_put(g, &f, now);
	return locked;
}
