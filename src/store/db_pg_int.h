/*
 * db_pg_int.h - private to the PostgreSQL driver (db_pg.c: the connection,
 * errors and transactions; db_pg_stmt.c: statements and the driver
 * table).
 */
#ifndef SWITCHBOARD_STORE_DB_PG_INT_H
#define SWITCHBOARD_STORE_DB_PG_INT_H

#include <pthread.h>
#include <libpq-fe.h>
#include "store/db_int.h"

/* the type OIDs of pg_type.h the driver needs */
enum {
	OID_BOOL = 16,
	OID_BYTEA = 17,
	OID_INT8 = 20,
	OID_INT2 = 21,
	OID_INT4 = 23,
	OID_TEXT = 25,
	OID_OID = 26,
	OID_FLOAT4 = 700,
	OID_FLOAT8 = 701,
	OID_NUMERIC = 1700,
};

enum {
	DB_PG_ERRSZ = 512,
};

/* What bounds a wait for the server (db_pg.c; docs/store.md, "Waits"):
 * seconds, but tcp_user_timeout in ms and lock_timeout with its unit. */
#define DB_PG_CONNECT_TIMEOUT     "3"
#define DB_PG_KEEPALIVES_IDLE     "5"
#define DB_PG_KEEPALIVES_INTERVAL "2"
#define DB_PG_KEEPALIVES_COUNT    "3"
#define DB_PG_TCP_USER_TIMEOUT    "10000"
#define DB_PG_LOCK_TIMEOUT        "3s"

/* The store's write lock: DB_BEGIN takes it (db_pg_tx()); the migration
 * lock is (21, 1) */
#define DB_PG_WRITE_LOCK_SQL "SELECT pg_advisory_xact_lock(21, 2)"

struct pgdb {
	struct db db;    /* the driver (first member)                    */
	PGconn *conn;    /* (owned)                                      */
	unsigned gen;    /* the session: +1 at each PQreset()             */
	unsigned seq;    /* the last name given to a prepared statement  */
	bool tx;         /* a transaction was begun by db_tx()           */
	bool tx_lost;    /* ... and the connection was lost in it        */
	pthread_t owner; /* the thread that opened it: the only user   */
	char err[DB_PG_ERRSZ]; /* the last error */
};

static inline struct pgdb *db_pg(struct db *db)
{
	return (struct pgdb *)(void *)db;
}

/* Keep msg (its trailing newline cut) as db's last error. */
void db_pg_set_err(struct pgdb *db, const char *msg);
/* The DB_* class of res (cleared unless keep): DB_OK for a command or
 * rows, else the class of its error, which db keeps; a lost connection
 * is reset once (DB_EIO). */
int db_pg_result(struct pgdb *db, PGresult *res, bool keep);
/* False (db's error set, a warning logged) when the calling thread is
 * not the one that opened db: a libpq connection is not thread-safe. */
bool db_pg_thread_ok(struct pgdb *db);
/* Run sql without parameters; its rows are dropped.  A DB_* class. */
int db_pg_exec(struct pgdb *db, const char *sql);

/* db_pg.c's functions of the driver table */
const char *db_pg_errmsg(const struct db *db);
int db_pg_tx(struct db *db, enum db_txop op);
bool db_pg_in_tx(const struct db *db);
void db_pg_release_memory(struct db *db);
int db_pg_exec_sql(struct db *db, const char *sql);

#endif
