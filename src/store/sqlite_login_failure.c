/*
 * sqlite_login_failure.c - failed logins that are not a user's own row
 * (issue 16): the counters of unknown login names ("login:<name>") and of
 * source addresses ("addr:<ip>"), kept in the store so that a restart
 * does not lift a lock-out (http/login_guard.c makes the rules).  An
 * existing user's counter stays in its users row.
 *
 * The table is bounded: each write first drops rows that are neither
 * locked nor touched since `before`, then, beyond `max` rows, the least
 * recently touched ones.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

static const struct store_sql sql[] = {
    {S_LFAIL_GET, "login failure get",
     "SELECT failures, window_start, locked_until, updated_at"
     " FROM login_failures WHERE key = ?1"},
    {S_LFAIL_PUT, "login failure put",
     "INSERT INTO login_failures (key, failures, window_start,"
     " locked_until, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)"
     " ON CONFLICT (key) DO UPDATE SET failures = ?2, window_start = ?3,"
     " locked_until = ?4, updated_at = ?5"},
    {S_LFAIL_DELETE, "login failure delete",
     "DELETE FROM login_failures WHERE key = ?1"},
    {S_LFAIL_PURGE, "login failure purge",
     "DELETE FROM login_failures WHERE updated_at < ?1"
     " AND locked_until < ?2"},
    {S_LFAIL_TRIM, "login failure trim",
     "DELETE FROM login_failures WHERE key IN (SELECT key FROM"
     " login_failures ORDER BY updated_at LIMIT (SELECT CASE"
     " WHEN count(*) > ?1 THEN count(*) - ?1 ELSE 0 END"
     " FROM login_failures))"},
};

const struct store_sqlset store_sql_login_failure = STORE_SQLSET(sql);

int store_login_failure_get(struct store *st, const char *key,
			    struct store_login_failure *f)
{
	struct db_stmt *s = NULL;
	int rc, err;

	if (!st || !str_isset(key) || !f)
		return EINVAL;
	err = store_stmt_bind(st, S_LFAIL_GET, &s, "s", key);
	if (err)
		return err;
	rc = db_step(s);
	if (rc == DB_DONE)
		err = ENOENT;
	else if (rc != DB_ROW)
		err = store_dberr(st, rc, S_LFAIL_GET, EIO);
	if (!err) {
		memset(f, 0, sizeof(*f));
		str_copy(f->key, key, sizeof(f->key));
		f->failures = (uint32_t)db_column_int64(s, 0);
		f->window_start = store_col_u64(s, 1);
		f->locked_until = store_col_u64(s, 2);
		f->updated_at = store_col_u64(s, 3);
	}
	store_stmt_put(st, S_LFAIL_GET, s);
	return err;
}

struct put_arg {
	const struct store_login_failure *f;
	uint64_t before;
	uint32_t max;
};

static int put_tx(struct store *st, void *arg)
{
	const struct put_arg *a = arg;
	const struct store_login_failure *f = a->f;
	int err;

	err = store_run(st, S_LFAIL_PURGE, EIO, NULL, "uu", a->before,
			f->updated_at);
	if (!err)
		err = store_run(st, S_LFAIL_PUT, EIO, NULL, "sduuu", f->key,
				(int)f->failures, f->window_start,
				f->locked_until, f->updated_at);
	if (!err)
		err = store_run(st, S_LFAIL_TRIM, EIO, NULL, "i",
				(int64_t)a->max);
	return err;
}

int store_login_failure_put(struct store *st,
			    const struct store_login_failure *f,
			    uint64_t before, uint32_t max)
{
	struct put_arg a = {f, before, max};

	if (!st || !f || !str_isset(f->key) || !max)
		return EINVAL;
	return store_tx(st, put_tx, &a);
}

int store_login_failure_delete(struct store *st, const char *key)
{
	if (!st || !str_isset(key))
		return EINVAL;
	return store_run(st, S_LFAIL_DELETE, EIO, NULL, "s", key);
}
