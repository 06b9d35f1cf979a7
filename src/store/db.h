/*
 * db.h - private to store/: the driver seam.  The concept files of the
 * store (sqlite_*.c), sqlite_row.c and sqlite_core.c reach the database
 * only through these functions: a connection (struct db), prepared
 * statements (struct db_stmt), bound values, steps, column reads, changed
 * rows, transactions and errors sorted into a few classes.  Only a driver
 * includes a database library's header: db_sqlite.c (SQLite) and db_pg.c
 * (libpq); the SQLite-only parts migrate.c (the schema steps) and sqlite_backup.c
 * (SQLite's online backup API) reach the sqlite3 handle by db_sqlite().
 *
 * Two drivers in one binary: db_sqlite.c (SQLite) and db_pg.c (libpq,
 * issue 21).  Each fills a `struct db_driver` table of its functions
 * (db_int.h); its struct db and struct db_stmt begin with a pointer to
 * that table, db_open() picks the driver by the path's scheme (a
 * postgresql:// or postgres:// URL is libpq's, anything else an SQLite
 * file) and db.c forwards each function here through the pointer.
 * db_is_pg() tells the drivers apart where the store must (the schema's
 * steps: migrate.c or pg_migrate.c; the backup, SQLite's alone).
 *
 * Statements use ?1, ?2, ... parameters, numbered from 1 (the PostgreSQL
 * driver rewrites ?N to $N when it prepares; $N is taken as it is).  A
 * driver must give:
 *   - db_prepare() of the same SQL more than once, each statement its own
 *     cursor (a list handler may call back into the store while a walk of
 *     the same statement is open: sqlite_core.c then prepares a copy);
 *   - the first db_step() of an INSERT/UPDATE/DELETE ... RETURNING does
 *     all its changes and yields the first row.  Inserts whose new id is
 *     needed say RETURNING id: there is no "last insert rowid" here;
 *   - db_changes() right after a write has been stepped to DB_DONE;
 *   - bound text and blobs are not copied: they stay valid until the
 *     statement is stepped and reset.
 *
 * The SQL of the concept files is one text for SQLite and PostgreSQL
 * (docs/store.md, "One SQL for both"; scripts/pg_sql_check.py and the
 * suite pg_schema check it): coalesce(), ON CONFLICT upserts, no rowid,
 * conditions as comparisons, CAST(EXISTS (...) AS INTEGER) where a
 * condition is read as a number, CAST(?N AS BIGINT | TEXT) where a
 * parameter's type does not follow from its use.  The two statements
 * that differ by nature (the tenant deletion's PRAGMA defer_foreign_keys
 * and its catalog query) have a PostgreSQL text of their own in their
 * set's pg_sql, which sqlite_core.c takes when db_is_pg().  What a
 * PostgreSQL driver still answers itself:
 *   - parameters: ?N (PostgreSQL: $N), one used twice (sqlite_note.c ?11,
 *     ?1 of the seq inserts), parameters left NULL ('-' of
 *     store_stmt_bind(), NULL binds): prepare with int8 for an integer
 *     bind, text for text, bytea for a blob, unknown for a NULL;
 *   - types: integer columns hold int64 (times in ms, money in cents),
 *     flags 0/1, text UTF-8; sum() of bigint is numeric in PostgreSQL,
 *     read as an integer through db_column_int64();
 *   - transactions: DB_BEGIN is BEGIN IMMEDIATE in SQLite; SAVEPOINT/
 *     RELEASE/ROLLBACK TO store are db_tx()'s; migrate.c (PRAGMA
 *     user_version, foreign_key_check) and sqlite_backup.c are SQLite's
 *     alone.
 */
#ifndef SWITCHBOARD_STORE_DB_H
#define SWITCHBOARD_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;      /* a connection; mem_deref() closes it         */
struct db_stmt; /* a prepared statement; db_finalize() frees it */
struct sqlite3;

/*
 * What db_prepare(), db_step() and db_tx() return: success (DB_OK, which
 * is DB_DONE for a step), a row, or the class of an error.  The store
 * maps the classes to errno (store_dberr(): EEXIST, ENOENT/EBUSY, EINVAL,
 * EIO); the driver's message is db_errmsg().
 */
enum db_rc {
	DB_OK = 0,
	DB_DONE = 0,    /* a step: the statement has run to its end */
	DB_ROW = 1,     /* a step: a row is ready to read           */
	DB_EUNIQUE,     /* a unique or primary key constraint       */
	DB_EFOREIGN,    /* a foreign key constraint                 */
	DB_ECONSTRAINT, /* another constraint: check, not null      */
	DB_EBUSY,       /* locked by another connection, timed out  */
	DB_ENOMEM,      /* out of memory                            */
	DB_EIO,         /* anything else                            */
};

/* The type of a column's value in the current row. */
enum db_type {
	DB_NULL = 0,
	DB_INT,
	DB_FLOAT,
	DB_TEXT,
	DB_BLOB,
};

/* Transaction control, by db_tx(). */
enum db_txop {
	DB_BEGIN = 0, /* a write transaction (SQLite: BEGIN IMMEDIATE;
		       * PostgreSQL: BEGIN and the store's write lock) */
	DB_COMMIT,
	DB_ROLLBACK,
	DB_SAVEPOINT, /* a savepoint inside the open transaction */
	DB_RELEASE,   /* the innermost savepoint is kept            */
	DB_ROLLBACK_TO,
	DB_BEGIN_ROWS, /* a transaction that takes row locks only (SQLite:
			* BEGIN IMMEDIATE; PostgreSQL: BEGIN, no write lock) */
	DB_TXOP_COUNT
};

/* ---- the connection --------------------------------------------------- */

/*
 * Open (create) the database at path and set it up (SQLite: WAL, foreign
 * keys on, a busy timeout).  The schema is not touched.  Returns errno.
 */
int db_open(struct db **dbp, const char *path);
/* The driver's last error message of db (never NULL). */
const char *db_errmsg(const struct db *db);
/* Run transaction control op; a DB_* class. */
int db_tx(struct db *db, enum db_txop op);
/* True while a transaction is open on db. */
bool db_in_tx(const struct db *db);
/* Give cached memory back (SQLite: the page cache); never fails. */
void db_release_memory(struct db *db);
/* The SQLite handle of an SQLite connection, NULL for another driver:
 * for migrate.c and sqlite_backup.c only. */
struct sqlite3 *db_sqlite(struct db *db);
/* True for a PostgreSQL connection. */
bool db_is_pg(const struct db *db);

/* True if path names a PostgreSQL database (a postgresql:// or
 * postgres:// URL): db_open() then connects with libpq. */
bool db_path_is_pg(const char *path);
/*
 * Run sql, one or more statements without parameters whose rows (if any)
 * are dropped: the schema's steps.  A DB_* class (the first error stops
 * it; db_errmsg() says which).
 */
int db_exec(struct db *db, const char *sql);

/* ---- statements ------------------------------------------------------- */

/*
 * Prepare sql on db: persistent for statements kept while the store is
 * open, not for one-off ones.  A DB_* class; *sp is set on DB_OK.
 */
int db_prepare(struct db *db, const char *sql, bool persistent,
	       struct db_stmt **sp);
/* Free s (NULL is fine). */
void db_finalize(struct db_stmt *s);
/* True while s has been stepped but not reset (a walk is open). */
bool db_busy(struct db_stmt *s);
/* Reset s for another run and clear its bindings (to NULL). */
void db_reset(struct db_stmt *s);
/* How many parameters (?1 ... ?N) s has. */
int db_param_count(struct db_stmt *s);

/* Bind parameter i (from 1).  Text and blobs are not copied. */
void db_bind_int64(struct db_stmt *s, int i, int64_t v);
void db_bind_double(struct db_stmt *s, int i, double v);
void db_bind_text(struct db_stmt *s, int i, const char *str, size_t len);
void db_bind_blob(struct db_stmt *s, int i, const void *p, size_t len);
void db_bind_null(struct db_stmt *s, int i);

/* Step s: DB_ROW, DB_DONE or an error class. */
int db_step(struct db_stmt *s);
/* Rows changed by the write s, just stepped to DB_DONE. */
int64_t db_changes(struct db_stmt *s);
/* Does s write (INSERT, UPDATE, DELETE, with RETURNING or not)?  A write
 * that returns rows is done, and outside a transaction committed, only
 * when it has been stepped to DB_DONE. */
bool db_writes(struct db_stmt *s);

/* Columns of the current row, from 0.  A NULL reads as 0, as NULL text
 * and as a NULL blob of length 0. */
int db_column_count(struct db_stmt *s);
const char *db_column_name(struct db_stmt *s, int i);
enum db_type db_column_type(struct db_stmt *s, int i);
bool db_column_isnull(struct db_stmt *s, int i);
int64_t db_column_int64(struct db_stmt *s, int i);
double db_column_double(struct db_stmt *s, int i);
/* The text of column i, NULL for a NULL; valid until the next step. */
const char *db_column_text(struct db_stmt *s, int i);
const void *db_column_blob(struct db_stmt *s, int i, size_t *lenp);

#endif
