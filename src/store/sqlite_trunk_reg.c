/*
 * sqlite_trunk_reg.c - the registration state of registering trunks in
 * the SQLite store (store.h, store_trunk_reg): one row per trunk, written
 * by the node that registers it, read by every node's API.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

static const struct store_sql sql[] = {
    {S_TRUNK_REG_PUT, "trunk registration put",
     "INSERT INTO trunk_registrations (trunk_id, node, state, code, reason,"
     " expires_at, retry_at, failures, updated_at)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
     " ON CONFLICT (trunk_id) DO UPDATE SET node = excluded.node,"
     " state = excluded.state, code = excluded.code,"
     " reason = excluded.reason, expires_at = excluded.expires_at,"
     " retry_at = excluded.retry_at, failures = excluded.failures,"
     " updated_at = excluded.updated_at"},
    {S_TRUNK_REG_GET, "trunk registration get",
     "SELECT trunk_id, node, state, code, reason, expires_at, retry_at,"
     " failures, updated_at FROM trunk_registrations WHERE trunk_id = ?1"},
    /* ?1 node, ?2 now */
    {S_TRUNK_REG_STOP, "trunk registration stop",
     "UPDATE trunk_registrations SET state = 'unregistered',"
     " expires_at = 0, retry_at = 0, updated_at = ?2"
     " WHERE node = ?1 AND state <> 'unregistered'"},
};

const struct store_sqlset store_sql_trunk_reg = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_trunk_reg, trunk_id),
    STORE_COL(SC_TEXT, 0, store_trunk_reg, node),
    STORE_COL(SC_TEXT, 0, store_trunk_reg, state),
    STORE_COL(SC_U16, 0, store_trunk_reg, code),
    STORE_COL(SC_TEXT, 0, store_trunk_reg, reason),
    STORE_COL(SC_U64, 0, store_trunk_reg, expires_at),
    STORE_COL(SC_U64, 0, store_trunk_reg, retry_at),
    STORE_COL(SC_U32, 0, store_trunk_reg, failures),
    STORE_COL(SC_U64, 0, store_trunk_reg, updated_at),
};

/* no walk over them: the handler type is only for the record */
typedef int(reg_h)(const struct store_trunk_reg *r, void *arg);
STORE_RECORD(reg_rec, store_trunk_reg, reg_h, cols);

int store_trunk_reg_put(struct store *st, const struct store_trunk_reg *r)
{
	if (!st || !r || r->trunk_id <= 0 || !r->node[0] || !r->state[0])
		return EINVAL;

	return store_run(st, S_TRUNK_REG_PUT, ENOENT, NULL, "issdsuuuu",
			 r->trunk_id, r->node, r->state, (int)r->code,
			 r->reason, r->expires_at, r->retry_at,
			 (uint64_t)r->failures, r->updated_at);
}

int store_trunk_reg_get(struct store *st, int64_t trunk_id,
			struct store_trunk_reg *r)
{
	return store_row_get(st, S_TRUNK_REG_GET, trunk_id, &reg_rec, r);
}

int store_trunk_reg_stop(struct store *st, const char *node, uint64_t now,
			 unsigned *np)
{
	int64_t n = 0;
	int err;

	if (np)
		*np = 0;
	if (!st || !str_isset(node))
		return EINVAL;
	err = store_run(st, S_TRUNK_REG_STOP, EIO, &n, "su", node, now);
	if (!err && np)
		*np = (unsigned)n;
	return err;
}
