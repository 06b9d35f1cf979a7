/*
 * db_pg.c - the PostgreSQL driver of db.h on libpq (issue 21, --db
 * postgresql://...).
 *
 * One connection per struct db, used from the thread that opened it only
 * (the re_main thread; another thread's call fails: libpq connections are
 * not thread-safe), every call blocking until the server answers (as
 * SQLite's calls block on the disk).  The waits are bounded
 * (db_pg_int.h, docs/store.md "Waits"): connect_timeout for a connect or
 * PQreset(), TCP keepalives and tcp_user_timeout for a server gone
 * silent, lock_timeout for a lock (then busy).
 *
 * Transactions: DB_BEGIN also takes the store's write lock, an advisory
 * transaction lock (21, 2), so the store's check-then-write transactions
 * run one at a time across nodes as under SQLite's BEGIN IMMEDIATE;
 * DB_BEGIN_ROWS is a plain BEGIN for a take of work whose SQL locks its
 * own rows (FOR UPDATE SKIP LOCKED).  The database must compare text bytewise (datcollate C or
 * C.UTF-8, as SQLite's BINARY): another collation is refused at open.
 *
 * Statements.  db_prepare() only rewrites the SQL (?N -> $N, a bare ? ->
 * the next number, outside quotes and comments) and counts its
 * parameters; nothing goes to the server until the first db_step(), which
 * prepares the statement with the types of the values bound then (int8
 * for integers, float8, bytea for blobs, unknown for text and NULL: the
 * server infers those from the SQL), executes it and keeps the whole
 * result; further steps walk its rows, then DB_DONE.  A persistent
 * statement is prepared once per connection under a name of its own
 * ("sb<n>") and prepared again only when a later run binds a value of
 * another type where the first had a NULL or a different type; a one-off
 * statement is prepared unnamed at each run.  If the server cannot infer a
 * parameter's type (42P08, 42P18, 42725, 42883: `$1 IS NULL`, `$1 = $2`), the
 * untyped parameters are retried as text once; inside a transaction that
 * first try runs under a savepoint, so its error does not abort the
 * transaction (released after either outcome).  A statement that
 * PostgreSQL refuses therefore fails only its own runs (DB_EIO, the
 * server's message in db_errmsg()).
 *
 * Results come in text format: integers are read with strtoll (a boolean,
 * which SQLite gives as 0/1, reads 't' as 1 and 'f' as 0, also as text
 * "1"/"0"), bytea is unescaped (PQunescapeBytea) when read.  Text and blob
 * pointers stay valid until the statement is reset or stepped past DB_DONE.
 *
 * Errors: SQLSTATE 23505 is a unique key, 23503 a foreign key, any other
 * 23xxx a constraint (23000 is raised by the schema's triggers with their
 * message); 40001, 40P01 and 55P03 (serialization, deadlock, lock not
 * available) are busy; 53200 is out of memory; anything else is DB_EIO.
 * Unlike SQLite, an error inside a transaction aborts it: every statement
 * after it fails until the rollback (the store rolls back on any error).
 *
 * A lost connection: the statement that finds it fails (DB_EIO) after one
 * PQreset(); the named statements are prepared again on the new session.
 * A transaction open when the connection went is gone: every statement and
 * the commit fail until the store's rollback.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include "core/core.h"
#include "store/db_pg_int.h"

static const struct pgdb *CD(const struct db *db)
{
	return (const struct pgdb *)(const void *)db;
}
/* ---- errors ----------------------------------------------------------- */

/* The class of SQLSTATE state (NULL: no state, a client-side failure). */
static int classify(const char *state)
{
	if (!state)
		return DB_EIO;
	if (!strcmp(state, "23505"))
		return DB_EUNIQUE;
	if (!strcmp(state, "23503"))
		return DB_EFOREIGN;
	if (!strncmp(state, "23", 2))
		return DB_ECONSTRAINT;
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") ||
	    !strcmp(state, "55P03"))
		return DB_EBUSY;
	if (!strcmp(state, "53200"))
		return DB_ENOMEM;
	return DB_EIO;
}

/* Keep msg (its trailing newline cut) as db's last error. */
void db_pg_set_err(struct pgdb *db, const char *msg)
{
	size_t n;

	str_copy(db->err, msg && *msg ? msg : "unknown error", sizeof(db->err));
	n = strlen(db->err);
	while (n && (db->err[n - 1] == '\n' || db->err[n - 1] == ' '))
		db->err[--n] = '\0';
}

/*
 * What every connection of ours says first, also after a reconnect
 * (PQreset() keeps only the connection string): UTF-8 text, UTC times.
 */
static int session_setup(struct pgdb *db)
{
	PGresult *res;
	bool ok;

	if (PQsetClientEncoding(db->conn, "UTF8")) {
		db_pg_set_err(db, PQerrorMessage(db->conn));
		warning("store: postgresql: client encoding: %s\n", db->err);
		return EIO;
	}
	/* a lock wait blocks the main loop: at most lock_timeout, then
	 * 55P03 (DB_EBUSY) */
	res = PQexec(
	    db->conn,
	    "SET TIME ZONE 'UTC'; SET lock_timeout = '" DB_PG_LOCK_TIMEOUT "'");
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok) {
		db_pg_set_err(db, PQerrorMessage(db->conn));
		warning("store: postgresql: session setup: %s\n", db->err);
	}
	PQclear(res);
	return ok ? 0 : EIO;
}

/*
 * The connection is gone (or res is NULL for another reason): reset it
 * once.  The statements prepared in the old session are prepared again;
 * a transaction that was open is lost.
 */
static int lost(struct pgdb *db)
{
	if (PQstatus(db->conn) == CONNECTION_OK)
		return DB_ENOMEM; /* no result, the connection is fine */

	warning("store: postgresql: connection lost (%s), reconnecting\n",
		db->err);
	PQreset(db->conn);
	++db->gen;
	if (db->tx)
		db->tx_lost = true;
	if (PQstatus(db->conn) != CONNECTION_OK) {
		warning("store: postgresql: reconnect failed: %s",
			PQerrorMessage(db->conn));
		return DB_EIO;
	}
	if (session_setup(db))
		return DB_EIO;
	info("store: postgresql: reconnected\n");
	return DB_EIO;
}

/*
 * The DB_* class of res (which is cleared unless keep): DB_OK for a
 * command or rows, else the class of its error, which db keeps.
 */
int db_pg_result(struct pgdb *db, PGresult *res, bool keep)
{
	int rc;

	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		if (!keep)
			PQclear(res);
		return DB_OK;

	default:
		break;
	}

	if (!res) {
		db_pg_set_err(db, PQerrorMessage(db->conn));
		return lost(db);
	}

	db_pg_set_err(db, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
			      ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
			      : PQresultErrorMessage(res));
	rc = classify(PQresultErrorField(res, PG_DIAG_SQLSTATE));
	PQclear(res);
	if (rc == DB_EIO && PQstatus(db->conn) != CONNECTION_OK)
		return lost(db);

	return rc;
}

bool db_pg_thread_ok(struct pgdb *db)
{
	if (pthread_equal(pthread_self(), db->owner))
		return true;
	db_pg_set_err(db, "the connection is used from a thread that did not "
			  "open it");
	warning("store: postgresql: %s\n", db->err);
	return false;
}

/* Run sql without parameters; its rows are dropped. */
int db_pg_exec(struct pgdb *db, const char *sql)
{
	if (!db_pg_thread_ok(db))
		return DB_EIO;
	if (db->tx_lost) {
		db_pg_set_err(db,
			      "the connection was lost in this transaction");
		return DB_EIO;
	}

	return db_pg_result(db, PQexec(db->conn, sql), false);
}

/* ---- the connection --------------------------------------------------- */

/* Notices (an IF NOT EXISTS that found its table, ...) are only debug. */
static void notice(void *arg, const char *msg)
{
	(void)arg;
	debug("store: postgresql: %s", msg);
}

static void destructor(void *arg)
{
	struct pgdb *db = arg;

	if (db->conn)
		PQfinish(db->conn);
}

/* The database's collation provider is libc ('c'), not ICU ('i'). */
static int provider_check(struct pgdb *db)
{
	PGresult *res;
	int err = 0;

	res = PQexec(db->conn, "SELECT datlocprovider FROM pg_database"
			       " WHERE datname = current_database()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		db_pg_set_err(db, PQresultErrorMessage(res));
		warning("store: postgresql: collation: %s\n", db->err);
		err = EIO;
	}
	else if (strcmp(PQgetvalue(res, 0, 0), "c")) {
		warning("store: postgresql: the database's collation provider "
			"is ICU; it must be libc with C or C.UTF-8 (createdb "
			"--locale-provider=libc --locale=C.UTF-8 "
			"--template=template0)\n");
		err = EINVAL;
	}
	PQclear(res);
	return err;
}

/* The database's collation must compare bytewise, as SQLite's BINARY. */
static int collation_check(struct pgdb *db)
{
	static const char *const okv[] = {"C", "POSIX", "C.UTF-8", "C.utf8"};
	const char *coll;
	PGresult *res;
	size_t i;
	int err = EINVAL;

	res = PQexec(db->conn, "SELECT datcollate FROM pg_database"
			       " WHERE datname = current_database()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		db_pg_set_err(db, PQresultErrorMessage(res));
		warning("store: postgresql: collation: %s\n", db->err);
		PQclear(res);
		return EIO;
	}
	coll = PQgetvalue(res, 0, 0);
	for (i = 0; i < ARRAY_SIZE(okv); i++) {
		if (!strcmp(coll, okv[i]))
			err = 0;
	}
	/* from PostgreSQL 15 the default collation may be ICU's whatever
	 * datcollate says: only the libc provider compares bytewise here */
	if (!err && PQserverVersion(db->conn) >= 150000)
		err = provider_check(db);
	if (err)
		warning("store: postgresql: the database's collation is %s; "
			"it must be C or C.UTF-8 (createdb --locale=C.UTF-8 "
			"--template=template0)\n",
			coll);
	PQclear(res);
	return err;
}

/*
 * What bounds a wait for the server, before the URL's own parameters
 * (which override them: dbname is expanded last).  connect_timeout holds
 * for each address libpq tries (a name with an IPv6 and an IPv4 address:
 * twice); the keepalives find a server gone silent while a statement
 * waits for its answer (idle + interval * count seconds), tcp_user_timeout
 * one that stops acknowledging what we sent.
 */
static const char *const conn_keys[] = {
    "connect_timeout",  "keepalives",
    "keepalives_idle",  "keepalives_interval",
    "keepalives_count", "tcp_user_timeout",
    "dbname",           NULL};

int db_pg_open(struct db **dbp, const char *url)
{
	char safe[256];
	struct pgdb *db;
	int err = 0;

	db = mem_zalloc(sizeof(*db), destructor);
	if (!db)
		return ENOMEM;
	db->db.drv = &db_pg_driver;
	db->gen = 1;

	str_url_nopass(safe, sizeof(safe), url);
	db->owner = pthread_self();
	db->conn = PQconnectdbParams(
	    conn_keys,
	    (const char *const[]){
		DB_PG_CONNECT_TIMEOUT, "1", DB_PG_KEEPALIVES_IDLE,
		DB_PG_KEEPALIVES_INTERVAL, DB_PG_KEEPALIVES_COUNT,
		DB_PG_TCP_USER_TIMEOUT, url, NULL},
	    1);
	if (!db->conn) {
		err = ENOMEM;
		goto out;
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		db_pg_set_err(db, PQerrorMessage(db->conn));
		warning("store: postgresql: connect %s: %s\n", safe, db->err);
		err = ECONNREFUSED;
		goto out;
	}
	(void)PQsetNoticeProcessor(db->conn, notice, NULL);
	err = session_setup(db);
	if (err)
		goto out;
	err = collation_check(db);

out:
	if (err)
		mem_deref(db);
	else
		*dbp = &db->db;

	return err;
}

const char *db_pg_errmsg(const struct db *db)
{
	return CD(db)->err[0] ? CD(db)->err : "not an error";
}

static const char *const tx_sql[DB_TXOP_COUNT] = {
    [DB_BEGIN] = "BEGIN",
    [DB_COMMIT] = "COMMIT",
    [DB_ROLLBACK] = "ROLLBACK",
    [DB_SAVEPOINT] = "SAVEPOINT store",
    [DB_RELEASE] = "RELEASE SAVEPOINT store",
    [DB_ROLLBACK_TO] = "ROLLBACK TO SAVEPOINT store",
    [DB_BEGIN_ROWS] = "BEGIN",
};

int db_pg_tx(struct db *dbb, enum db_txop op)
{
	struct pgdb *db = db_pg(dbb);
	PGresult *res;
	bool rolled_back;
	int rc;

	if (!db_pg_thread_ok(db))
		return DB_EIO;
	if (db->tx_lost) {
		if (op != DB_ROLLBACK) {
			db_pg_set_err(db, "the connection was lost in this "
					  "transaction");
			return DB_EIO;
		}
		db->tx = db->tx_lost = false;
		return DB_OK; /* it is gone already */
	}

	res = PQexec(db->conn, tx_sql[op]);
	/* COMMIT of a transaction an error aborted answers ROLLBACK */
	rolled_back = op == DB_COMMIT &&
		      PQresultStatus(res) == PGRES_COMMAND_OK &&
		      !strcmp(PQcmdStatus(res), "ROLLBACK");
	rc = db_pg_result(db, res, false);
	if (rc == DB_OK && rolled_back) {
		db_pg_set_err(db,
			      "commit: the transaction was rolled back after "
			      "an error");
		rc = DB_EIO;
	}
	if ((op == DB_BEGIN || op == DB_BEGIN_ROWS) && rc == DB_OK)
		db->tx = true;
	/* the store's write lock, held to the end of the transaction: the
	 * transactions that read and then write based on what they read
	 * run one at a time across all nodes, as SQLite's BEGIN IMMEDIATE
	 * ran them across processes (docs/store.md, "Many nodes") */
	if (op == DB_BEGIN && rc == DB_OK) {
		rc = db_pg_exec(db, DB_PG_WRITE_LOCK_SQL);
		if (rc != DB_OK && db->tx_lost) {
			/* gone with the connection: no transaction is open
			 * for the store to roll back */
			db->tx = db->tx_lost = false;
		}
		else if (rc != DB_OK) {
			char err[DB_PG_ERRSZ];

			str_copy(err, db->err, sizeof(err));
			res = PQexec(db->conn, "ROLLBACK");
			PQclear(res);
			db->tx = PQtransactionStatus(db->conn) != PQTRANS_IDLE;
			db_pg_set_err(db, err);
		}
	}
	else if (op == DB_COMMIT || op == DB_ROLLBACK)
		db->tx = PQtransactionStatus(db->conn) != PQTRANS_IDLE;

	return rc;
}

bool db_pg_in_tx(const struct db *dbb)
{
	const struct pgdb *db = CD(dbb);

	return db->tx_lost || PQtransactionStatus(db->conn) != PQTRANS_IDLE;
}

void db_pg_release_memory(struct db *db)
{
	(void)db; /* the server holds the caches */
}

int db_pg_exec_sql(struct db *db, const char *sql)
{
	return db_pg_exec(db_pg(db), sql);
}
