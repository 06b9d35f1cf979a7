/*
 * db_sqlite.c - the SQLite driver of db.h.
 *
 * One connection per struct db, used from the re_main thread only
 * (SQLITE_OPEN_NOMUTEX).  The file runs in WAL mode with synchronous=NORMAL
 * (a commit is an append to the WAL, no fsync; a power cut may lose the
 * last commits but never corrupts), foreign keys on and a short busy
 * timeout, so another process (the CLI, a backup) can read while we write.
 * Extended result codes are on, so constraint failures can be told apart.
 *
 * A statement is a struct db_stmt (the driver table, db_int.h) and the
 * sqlite3_stmt it holds; the connection is db.c's struct db and the
 * sqlite3 handle.  The transaction control statements are prepared once,
 * when the connection opens.
 */
#include <string.h>
#include <sqlite3.h>
#include "core/core.h"
#include "store/db_int.h"

enum {
	BUSY_TIMEOUT = 2000, /* [ms] wait for another writer's lock */
};

struct sqdb {
	struct db db;                     /* the driver (first member) */
	sqlite3 *h;                       /* connection (owned)        */
	sqlite3_stmt *txv[DB_TXOP_COUNT]; /* transaction control       */
};

struct sqstmt {
	struct db_stmt base; /* the driver (first member) */
	sqlite3_stmt *s;     /* (owned)                   */
};

static const char *const tx_sql[DB_TXOP_COUNT] = {
    [DB_BEGIN] = "BEGIN IMMEDIATE",      [DB_COMMIT] = "COMMIT",
    [DB_ROLLBACK] = "ROLLBACK",          [DB_SAVEPOINT] = "SAVEPOINT store",
    [DB_RELEASE] = "RELEASE store",      [DB_ROLLBACK_TO] = "ROLLBACK TO store",
    [DB_BEGIN_ROWS] = "BEGIN IMMEDIATE",
};

static sqlite3_stmt *S(struct db_stmt *s)
{
	return ((struct sqstmt *)(void *)s)->s;
}

static struct sqdb *D(struct db *db)
{
	return (struct sqdb *)(void *)db;
}

static const struct sqdb *CD(const struct db *db)
{
	return (const struct sqdb *)(const void *)db;
}

/* The class of SQLite (extended) result code rc. */
static int classify(int rc)
{
	switch (rc) {
	case SQLITE_OK:
	case SQLITE_DONE:
		return DB_OK;

	case SQLITE_ROW:
		return DB_ROW;

	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return DB_EUNIQUE;

	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return DB_EFOREIGN;

	case SQLITE_NOMEM:
		return DB_ENOMEM;

	default:
		break;
	}

	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return DB_ECONSTRAINT;

	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_EBUSY;

	default:
		return DB_EIO;
	}
}

/* ---- the connection --------------------------------------------------- */

static void destructor(void *arg)
{
	struct sqdb *db = arg;
	size_t i;

	for (i = 0; i < DB_TXOP_COUNT; i++)
		sqlite3_finalize(db->txv[i]);

	/* the last connection checkpoints and removes the WAL */
	sqlite3_close_v2(db->h);
}

/* Run a PRAGMA and copy the text of its first result column (if any). */
static int pragma(sqlite3 *h, const char *q, char *res, size_t sz)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (res && sz)
		res[0] = '\0';

	rc = sqlite3_prepare_v2(h, q, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW && res)
			str_copy(res, (const char *)sqlite3_column_text(s, 0),
				 sz);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		warning("store: open: %s: %s\n", q, sqlite3_errmsg(h));
	sqlite3_finalize(s);

	return rc == SQLITE_OK ? 0 : EIO;
}

static int configure(sqlite3 *h, const char *path)
{
	char res[16];
	int err;

	sqlite3_extended_result_codes(h, 1);
	sqlite3_busy_timeout(h, BUSY_TIMEOUT);

	err = pragma(h, "PRAGMA journal_mode = WAL", res, sizeof(res));
	if (err)
		return err;
	if (strcmp(res, "wal"))
		warning("store: %s: journal mode is %s, not wal\n", path, res);

	err = pragma(h, "PRAGMA synchronous = NORMAL", NULL, 0);
	if (err)
		return err;

	err = pragma(h, "PRAGMA foreign_keys = ON", NULL, 0);
	if (err)
		return err;

	err = pragma(h, "PRAGMA foreign_keys", res, sizeof(res));
	if (err)
		return err;
	if (strcmp(res, "1")) {
		warning("store: %s: SQLite lacks foreign key support\n", path);
		return EIO;
	}

	return 0;
}

int db_sqlite_open(struct db **dbp, const char *path)
{
	struct sqdb *db;
	size_t i;
	int rc, err;

	db = mem_zalloc(sizeof(*db), destructor);
	if (!db)
		return ENOMEM;
	db->db.drv = &db_sqlite_driver;

	rc = sqlite3_open_v2(path, &db->h,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		warning("store: open %s: %s\n", path,
			db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		err = rc == SQLITE_NOMEM ? ENOMEM : EIO;
		goto out;
	}

	err = configure(db->h, path);
	if (err)
		goto out;

	for (i = 0; i < DB_TXOP_COUNT; i++) {
		rc = sqlite3_prepare_v3(db->h, tx_sql[i], -1,
					SQLITE_PREPARE_PERSISTENT, &db->txv[i],
					NULL);
		if (rc != SQLITE_OK) {
			warning("store: prepare %s: %s\n", tx_sql[i],
				sqlite3_errmsg(db->h));
			err = rc == SQLITE_NOMEM ? ENOMEM : EIO;
			goto out;
		}
	}

out:
	if (err)
		mem_deref(db);
	else
		*dbp = &db->db;

	return err;
}

static const char *sq_errmsg(const struct db *db)
{
	return CD(db)->h ? sqlite3_errmsg(CD(db)->h) : "no connection";
}

static int sq_tx(struct db *db, enum db_txop op)
{
	sqlite3_stmt *s = D(db)->txv[op];
	int rc;

	rc = sqlite3_step(s);
	sqlite3_reset(s);

	return classify(rc);
}

static bool sq_in_tx(const struct db *db)
{
	return !sqlite3_get_autocommit(CD(db)->h);
}

static void sq_release_memory(struct db *db)
{
	(void)sqlite3_db_release_memory(D(db)->h);
}

struct sqlite3 *db_sqlite_handle(struct db *db)
{
	return D(db)->h;
}

static int sq_exec(struct db *db, const char *sql)
{
	return classify(sqlite3_exec(D(db)->h, sql, NULL, NULL, NULL));
}

/* ---- statements ------------------------------------------------------- */

static void stmt_destructor(void *arg)
{
	struct sqstmt *st = arg;

	sqlite3_finalize(st->s);
}

static int sq_prepare(struct db *db, const char *sql, bool persistent,
		      struct db_stmt **sp)
{
	struct sqstmt *st;
	int rc;

	st = mem_zalloc(sizeof(*st), stmt_destructor);
	if (!st)
		return DB_ENOMEM;
	st->base.drv = &db_sqlite_driver;

	rc = sqlite3_prepare_v3(D(db)->h, sql, -1,
				persistent ? SQLITE_PREPARE_PERSISTENT : 0,
				&st->s, NULL);
	if (rc != SQLITE_OK) {
		mem_deref(st);
		return classify(rc) == DB_OK ? DB_EIO : classify(rc);
	}

	*sp = &st->base;
	return DB_OK;
}

static void sq_finalize(struct db_stmt *s)
{
	mem_deref(s);
}

static bool sq_busy(struct db_stmt *s)
{
	return sqlite3_stmt_busy(S(s)) != 0;
}

static void sq_reset(struct db_stmt *s)
{
	sqlite3_reset(S(s));
	sqlite3_clear_bindings(S(s));
}

static int sq_param_count(struct db_stmt *s)
{
	return sqlite3_bind_parameter_count(S(s));
}

static void sq_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	sqlite3_bind_int64(S(s), i, (sqlite3_int64)v);
}

static void sq_bind_double(struct db_stmt *s, int i, double v)
{
	sqlite3_bind_double(S(s), i, v);
}

static void sq_bind_text(struct db_stmt *s, int i, const char *str, size_t len)
{
	if (len > INT32_MAX)
		len = INT32_MAX;

	sqlite3_bind_text(S(s), i, str ? str : "", (int)len, SQLITE_STATIC);
}

static void sq_bind_blob(struct db_stmt *s, int i, const void *p, size_t len)
{
	if (len > INT32_MAX)
		len = INT32_MAX;

	if (!p)
		sqlite3_bind_zeroblob(S(s), i, 0);
	else
		sqlite3_bind_blob(S(s), i, p, (int)len, SQLITE_STATIC);
}

static void sq_bind_null(struct db_stmt *s, int i)
{
	sqlite3_bind_null(S(s), i);
}

static int sq_step(struct db_stmt *s)
{
	return classify(sqlite3_step(S(s)));
}

static int64_t sq_changes(struct db_stmt *s)
{
	return sqlite3_changes(sqlite3_db_handle(S(s)));
}

static bool sq_writes(struct db_stmt *s)
{
	return !sqlite3_stmt_readonly(S(s));
}

static int sq_column_count(struct db_stmt *s)
{
	return sqlite3_column_count(S(s));
}

static const char *sq_column_name(struct db_stmt *s, int i)
{
	return sqlite3_column_name(S(s), i);
}

static enum db_type sq_column_type(struct db_stmt *s, int i)
{
	switch (sqlite3_column_type(S(s), i)) {
	case SQLITE_INTEGER:
		return DB_INT;

	case SQLITE_FLOAT:
		return DB_FLOAT;

	case SQLITE_TEXT:
		return DB_TEXT;

	case SQLITE_BLOB:
		return DB_BLOB;

	default:
		return DB_NULL;
	}
}

static bool sq_column_isnull(struct db_stmt *s, int i)
{
	return sqlite3_column_type(S(s), i) == SQLITE_NULL;
}

static int64_t sq_column_int64(struct db_stmt *s, int i)
{
	return sqlite3_column_int64(S(s), i);
}

static double sq_column_double(struct db_stmt *s, int i)
{
	return sqlite3_column_double(S(s), i);
}

static const char *sq_column_text(struct db_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(S(s), i);
}

static const void *sq_column_blob(struct db_stmt *s, int i, size_t *lenp)
{
	const void *p = sqlite3_column_blob(S(s), i);

	if (lenp)
		*lenp = (size_t)sqlite3_column_bytes(S(s), i);

	return p;
}

const struct db_driver db_sqlite_driver = {
    .name = "sqlite",
    .errmsg = sq_errmsg,
    .tx = sq_tx,
    .in_tx = sq_in_tx,
    .release_memory = sq_release_memory,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .busy = sq_busy,
    .reset = sq_reset,
    .param_count = sq_param_count,
    .bind_int64 = sq_bind_int64,
    .bind_double = sq_bind_double,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .changes = sq_changes,
    .writes = sq_writes,
    .column_count = sq_column_count,
    .column_name = sq_column_name,
    .column_type = sq_column_type,
    .column_isnull = sq_column_isnull,
    .column_int64 = sq_column_int64,
    .column_double = sq_column_double,
    .column_text = sq_column_text,
    .column_blob = sq_column_blob,
};
