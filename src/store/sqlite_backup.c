/*
 * sqlite_backup.c - an online copy of the database (issue 20, data
 * safety) with SQLite's backup API.  The copy reads the store's own
 * connection a few pages at a time (store_backup_step), so the caller
 * can spread it over timer ticks while calls go on; a change the store
 * makes meanwhile through this same connection is carried into the copy
 * by SQLite itself (no restart), so the finished file is the database as
 * it was at the last step: consistent, with its schema version
 * (PRAGMA user_version) in its header.  A store on PostgreSQL is copied
 * by pg_dump, a child process (db_pg_dump.c): the steps then only ask
 * whether it has ended.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "core/core.h"
#include <sqlite3.h>
#include "store/sqlite_int.h"
#include "store/pg_dump_int.h"

struct store_backup {
	struct store *st;   /* (weak) outlives the copy           */
	sqlite3 *dst;       /* the copy's connection (owned)      */
	sqlite3_backup *bk; /* the copy under way (owned), or NULL */
	struct pg_dump *pd; /* PostgreSQL: pg_dump (owned), or NULL  */
};

static void backup_destructor(void *arg)
{
	struct store_backup *b = arg;

	if (b->bk)
		(void)sqlite3_backup_finish(b->bk);
	if (b->dst)
		(void)sqlite3_close_v2(b->dst);
	mem_deref(b->pd);
}

const char *store_backup_file(const struct store *st)
{
	return st && db_is_pg(st->db) ? "switchboard.dump" : "switchboard.db";
}

const char *store_backup_reason(const struct store_backup *b)
{
	return b && b->pd ? pg_dump_reason(b->pd) : "";
}

int store_backup_begin(struct store_backup **bp, struct store *st,
		       const char *path)
{
	struct store_backup *b;
	int rc, err = 0;

	if (!bp || !st || !str_isset(path))
		return EINVAL;
	if (!access(path, F_OK))
		return EEXIST;

	b = mem_zalloc(sizeof(*b), backup_destructor);
	if (!b)
		return ENOMEM;
	b->st = st;
	if (db_is_pg(st->db)) {
		err = pg_dump_start(&b->pd, st->db, path);
		goto out;
	}
	if (!db_sqlite(st->db)) {
		err = EOPNOTSUPP;
		goto out;
	}
	rc = sqlite3_open_v2(path, &b->dst,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		warning("store: backup: open %s: %s\n", path,
			b->dst ? sqlite3_errmsg(b->dst) : sqlite3_errstr(rc));
		err = EIO;
		goto out;
	}
	b->bk = sqlite3_backup_init(b->dst, "main", db_sqlite(st->db), "main");
	if (!b->bk) {
		warning("store: backup: %s\n", sqlite3_errmsg(b->dst));
		err = EIO;
	}

out:
	if (err)
		mem_deref(b);
	else
		*bp = b;
	return err;
}

int store_backup_step(struct store_backup *b, int pages, bool *done)
{
	int rc;

	if (!b || !done || pages <= 0)
		return EINVAL;
	if (b->pd)
		return pg_dump_poll(b->pd, done);
	if (!b->bk) {
		*done = true;
		return 0;
	}
	rc = sqlite3_backup_step(b->bk, pages);
	*done = false;
	if (rc == SQLITE_OK)
		return 0;
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return EBUSY; /* locked by another: try again later */
	if (rc != SQLITE_DONE) {
		warning("store: backup: step: %s\n", sqlite3_errstr(rc));
		return EIO;
	}
	rc = sqlite3_backup_finish(b->bk);
	b->bk = NULL;
	if (rc != SQLITE_OK) {
		warning("store: backup: finish: %s\n", sqlite3_errstr(rc));
		return EIO;
	}
	/* the copy is a file of its own: no WAL beside it */
	rc = sqlite3_exec(b->dst, "PRAGMA journal_mode = DELETE", NULL, NULL,
			  NULL);
	if (rc != SQLITE_OK) {
		warning("store: backup: journal mode: %s\n",
			sqlite3_errmsg(b->dst));
		return EIO;
	}
	rc = sqlite3_close_v2(b->dst);
	b->dst = NULL;
	if (rc != SQLITE_OK)
		return EIO;
	*done = true;
	return 0;
}
