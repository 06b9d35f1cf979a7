/*
 * sqlite_lease.c - leases of single-owner jobs in the SQLite store (the
 * rule is in store.h, "leases").
 *
 * Taking is one upsert: the row is inserted when there is none, and
 * rewritten only when it has expired or is already the taker's; the
 * number of changed rows (1 or 0) tells whether the taker holds it.  One
 * statement is atomic in SQLite, and a write takes the file's write lock
 * for its whole length, so two processes that take the same lease at the
 * same moment are serialised by the database: the second sees the first's
 * row, not yet expired, and changes nothing.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

static const struct store_sql sql[] = {
    /* ?1 name, ?2 node id, ?3 now, ?4 expires_at */
    {S_LEASE_TAKE, "lease take",
     "INSERT INTO leases (name, holder, expires_at, renewed_at)"
     " VALUES (?1, ?2, ?4, ?3) ON CONFLICT (name) DO UPDATE"
     " SET holder = excluded.holder, expires_at = excluded.expires_at,"
     " renewed_at = excluded.renewed_at"
     " WHERE leases.holder = excluded.holder OR leases.expires_at <= ?3"},
    {S_LEASE_HELD, "lease held",
     "SELECT count(*) FROM leases"
     " WHERE name = ?1 AND holder = ?2 AND expires_at > ?3"},
    {S_LEASE_DROP, "lease drop",
     "DELETE FROM leases WHERE name = ?1 AND holder = ?2"},
    {S_LEASE_DROP_ALL, "lease drop all",
     "DELETE FROM leases WHERE holder = ?1"},
    /* ?1 is store_row_list()'s tenant filter, unused */
    {S_LEASE_LIST, "lease list",
     "SELECT name, holder, expires_at, renewed_at FROM leases"
     " WHERE ?1 = ?1 ORDER BY name"},
};

const struct store_sqlset store_sql_lease = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_TEXT, 0, store_lease, name),
    STORE_COL(SC_TEXT, 0, store_lease, holder),
    STORE_COL(SC_U64, 0, store_lease, expires_at),
    STORE_COL(SC_U64, 0, store_lease, renewed_at),
};

STORE_RECORD(lease_rec, store_lease, store_lease_h, cols);

static bool valid(const char *name, const char *node_id)
{
	struct store_lease l;

	return str_isset(name) && strlen(name) < sizeof(l.name) &&
	       str_isset(node_id) && strlen(node_id) < sizeof(l.holder);
}

int store_lease_take(struct store *st, const char *name, const char *node_id,
		     uint64_t now, uint64_t ttl_ms, bool *held)
{
	int64_t changed = 0;
	int err;

	if (held)
		*held = false;
	if (!st || !valid(name, node_id) || !ttl_ms || !held ||
	    now > INT64_MAX - ttl_ms)
		return EINVAL;

	err = store_run(st, S_LEASE_TAKE, EIO, &changed, "ssuu", name, node_id,
			now, now + ttl_ms);
	if (err)
		return err;

	*held = changed == 1;
	return 0;
}

bool store_lease_held(struct store *st, const char *name, const char *node_id,
		      uint64_t now)
{
	int64_t n = 0;

	if (!st || !valid(name, node_id))
		return false;

	return !store_run(st, S_LEASE_HELD, EIO, &n, "ssu", name, node_id,
			  now) &&
	       n == 1;
}

int store_lease_drop(struct store *st, const char *name, const char *node_id)
{
	if (!st || !valid(name ? name : "all", node_id))
		return EINVAL;

	if (!name)
		return store_run(st, S_LEASE_DROP_ALL, EIO, NULL, "s", node_id);
	return store_run(st, S_LEASE_DROP, EIO, NULL, "ss", name, node_id);
}

int store_lease_list(struct store *st, store_lease_h *h, void *arg)
{
	return store_row_list(st, S_LEASE_LIST, 0, &lease_rec, (store_fn *)h,
			      arg);
}
