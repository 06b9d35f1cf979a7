/*
 * db_int.h - private to the drivers of db.h (db.c, db_sqlite.c, db_pg.c):
 * the table of a driver's functions.  A driver's connection and
 * statement objects begin with struct db and struct db_stmt below (their
 * first member), which hold nothing but the driver's table; db.c forwards
 * every function of db.h through it.  db_open() picks the driver by the
 * path: a postgresql:// or postgres:// URL is libpq's, anything else is
 * an SQLite file.
 */
#ifndef SWITCHBOARD_STORE_DB_INT_H
#define SWITCHBOARD_STORE_DB_INT_H

#include "store/db.h"

struct db_driver;

/* The first member of every driver's connection */
struct db {
	const struct db_driver *drv;
};

/* The first member of every driver's statement */
struct db_stmt {
	const struct db_driver *drv;
};

/* One driver: db.h's functions but db_open() (its own open below) */
struct db_driver {
	const char *name; /* "sqlite", "postgresql" */
	const char *(*errmsg)(const struct db *db);
	int (*tx)(struct db *db, enum db_txop op);
	bool (*in_tx)(const struct db *db);
	void (*release_memory)(struct db *db);
	int (*exec)(struct db *db, const char *sql);
	int (*prepare)(struct db *db, const char *sql, bool persistent,
		       struct db_stmt **sp);
	void (*finalize)(struct db_stmt *s);
	bool (*busy)(struct db_stmt *s);
	void (*reset)(struct db_stmt *s);
	int (*param_count)(struct db_stmt *s);
	void (*bind_int64)(struct db_stmt *s, int i, int64_t v);
	void (*bind_double)(struct db_stmt *s, int i, double v);
	void (*bind_text)(struct db_stmt *s, int i, const char *str,
			  size_t len);
	void (*bind_blob)(struct db_stmt *s, int i, const void *p, size_t len);
	void (*bind_null)(struct db_stmt *s, int i);
	int (*step)(struct db_stmt *s);
	int64_t (*changes)(struct db_stmt *s);
	bool (*writes)(struct db_stmt *s);
	int (*column_count)(struct db_stmt *s);
	const char *(*column_name)(struct db_stmt *s, int i);
	enum db_type (*column_type)(struct db_stmt *s, int i);
	bool (*column_isnull)(struct db_stmt *s, int i);
	int64_t (*column_int64)(struct db_stmt *s, int i);
	double (*column_double)(struct db_stmt *s, int i);
	const char *(*column_text)(struct db_stmt *s, int i);
	const void *(*column_blob)(struct db_stmt *s, int i, size_t *lenp);
};

extern const struct db_driver db_sqlite_driver;
extern const struct db_driver db_pg_driver;

/* Each driver's db_open() (path checked by db.c) */
int db_sqlite_open(struct db **dbp, const char *path);
int db_pg_open(struct db **dbp, const char *url);
/* The sqlite3 handle of an SQLite connection */
struct sqlite3 *db_sqlite_handle(struct db *db);

#endif
