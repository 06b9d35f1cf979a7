/*
 * db.c - the drivers of db.h in one binary: db_open() picks the driver by
 * the path (a postgresql:// or postgres:// URL: db_pg.c on libpq; anything
 * else: an SQLite file, db_sqlite.c), and every other function forwards
 * through the driver table at the start of the connection or statement
 * (db_int.h).  One indirect call per function, nothing else.
 */
#include <string.h>
#include "core/core.h"
#include "store/db_int.h"

bool db_path_is_pg(const char *path)
{
	return path && (!strncmp(path, "postgresql://", 13) ||
			!strncmp(path, "postgres://", 11));
}

int db_open(struct db **dbp, const char *path)
{
	if (!dbp || !str_isset(path))
		return EINVAL;

	if (db_path_is_pg(path))
		return db_pg_open(dbp, path);

	return db_sqlite_open(dbp, path);
}

const char *db_errmsg(const struct db *db)
{
	return db ? db->drv->errmsg(db) : "no connection";
}

int db_tx(struct db *db, enum db_txop op)
{
	if (!db || (unsigned)op >= DB_TXOP_COUNT)
		return DB_EIO;

	return db->drv->tx(db, op);
}

bool db_in_tx(const struct db *db)
{
	return db && db->drv->in_tx(db);
}

void db_release_memory(struct db *db)
{
	if (db)
		db->drv->release_memory(db);
}

struct sqlite3 *db_sqlite(struct db *db)
{
	return db && db->drv == &db_sqlite_driver ? db_sqlite_handle(db) : NULL;
}

bool db_is_pg(const struct db *db)
{
	return db && db->drv == &db_pg_driver;
}

int db_exec(struct db *db, const char *sql)
{
	if (!db || !sql)
		return DB_EIO;

	return db->drv->exec(db, sql);
}

int db_prepare(struct db *db, const char *sql, bool persistent,
	       struct db_stmt **sp)
{
	if (!db || !sql || !sp)
		return DB_EIO;

	return db->drv->prepare(db, sql, persistent, sp);
}

void db_finalize(struct db_stmt *s)
{
	if (s)
		s->drv->finalize(s);
}

bool db_busy(struct db_stmt *s)
{
	return s->drv->busy(s);
}

void db_reset(struct db_stmt *s)
{
	s->drv->reset(s);
}

int db_param_count(struct db_stmt *s)
{
	return s->drv->param_count(s);
}

void db_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	s->drv->bind_int64(s, i, v);
}

void db_bind_double(struct db_stmt *s, int i, double v)
{
	s->drv->bind_double(s, i, v);
}

void db_bind_text(struct db_stmt *s, int i, const char *str, size_t len)
{
	s->drv->bind_text(s, i, str, len);
}

void db_bind_blob(struct db_stmt *s, int i, const void *p, size_t len)
{
	s->drv->bind_blob(s, i, p, len);
}

void db_bind_null(struct db_stmt *s, int i)
{
	s->drv->bind_null(s, i);
}

int db_step(struct db_stmt *s)
{
	return s->drv->step(s);
}

int64_t db_changes(struct db_stmt *s)
{
	return s->drv->changes(s);
}

bool db_writes(struct db_stmt *s)
{
	return s->drv->writes(s);
}

int db_column_count(struct db_stmt *s)
{
	return s->drv->column_count(s);
}

const char *db_column_name(struct db_stmt *s, int i)
{
	return s->drv->column_name(s, i);
}

enum db_type db_column_type(struct db_stmt *s, int i)
{
	return s->drv->column_type(s, i);
}

bool db_column_isnull(struct db_stmt *s, int i)
{
	return s->drv->column_isnull(s, i);
}

int64_t db_column_int64(struct db_stmt *s, int i)
{
	return s->drv->column_int64(s, i);
}

double db_column_double(struct db_stmt *s, int i)
{
	return s->drv->column_double(s, i);
}

const char *db_column_text(struct db_stmt *s, int i)
{
	return s->drv->column_text(s, i);
}

const void *db_column_blob(struct db_stmt *s, int i, size_t *lenp)
{
	return s->drv->column_blob(s, i, lenp);
}
