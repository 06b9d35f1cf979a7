/*
 * store_test_db_pg.c - the PostgreSQL driver's own cases of test_store_db
 * (SB_TEST_PG): booleans read as 0/1, integers past 2^31 bound and read,
 * '?' inside quotes and comments left alone, $N taken as it is, a
 * trigger's error with its message, an error inside a transaction (and
 * under a savepoint), a lost connection, and the store on PostgreSQL:
 * reopened without migrating again, a newer schema refused.
 */
#include <errno.h>
#include <pthread.h>
#include "core/core.h"
#include "store/db.h"
#include "store/sqlite_int.h"
#include "test.h"
#include "store_test.h"
#include "store_test_db.h"

static const char trigger_sql[] =
    "CREATE FUNCTION p_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN RAISE EXCEPTION 'p is read-only here'"
    " USING ERRCODE = 'integrity_constraint_violation'; END $$;"
    "CREATE TRIGGER p_refuse BEFORE UPDATE OF name ON p FOR EACH ROW"
    " WHEN (NEW.name = 'frozen') EXECUTE FUNCTION p_refuse()";

/* Values: booleans, 64-bit integers, quotes, numeric. */
static int test_values(struct db *db)
{
	struct db_stmt *s = NULL;
	int err = 0;

	TEST_EQ_INT(db_prepare(db,
			       "SELECT true, false, EXISTS (SELECT 1 FROM p),"
			       " 1 = 0, 'it''s ? and ?2' AS q, ?1 + 1,"
			       " \"?\".x, sum(?1), avg(3) -- ?9\n"
			       " FROM (SELECT 1 AS x) AS \"?\" /* ?7 */"
			       " GROUP BY \"?\".x",
			       false, &s),
		    DB_OK);
	TEST_EQ_INT(db_param_count(s), 1);
	db_bind_int64(s, 1, INT64_C(1) << 40);
	TEST_EQ_INT(db_step(s), DB_ROW);
	TEST_EQ_INT(db_column_int64(s, 0), 1);
	TEST_EQ_INT(db_column_int64(s, 1), 0);
	TEST_EQ_INT(db_column_int64(s, 2), 1);
	TEST_EQ_INT(db_column_int64(s, 3), 0);
	TEST_EQ_INT(db_column_type(s, 0), DB_INT);
	TEST_EQ_STR(db_column_text(s, 0), "1");
	TEST_EQ_STR(db_column_text(s, 1), "0");
	TEST_ASSERT(db_column_double(s, 0) == 1.0);
	TEST_EQ_STR(db_column_text(s, 4), "it's ? and ?2");
	TEST_EQ_STR(db_column_name(s, 4), "q");
	TEST_EQ_INT(db_column_int64(s, 5), (INT64_C(1) << 40) + 1);
	TEST_EQ_INT(db_column_int64(s, 6), 1);
	TEST_EQ_INT(db_column_int64(s, 7), INT64_C(1) << 40); /* numeric */
	TEST_EQ_INT(db_column_type(s, 7), DB_INT);
	TEST_EQ_INT(db_column_int64(s, 8), 3); /* numeric 3.000... */
	TEST_EQ_INT(db_column_type(s, 8), DB_FLOAT);
	TEST_EQ_INT(db_step(s), DB_DONE);
	db_finalize(s);
	s = NULL;

	/* $N as it is; a bare ? takes the next number */
	TEST_EQ_INT(db_prepare(db, "SELECT $1::bigint - ?", true, &s), DB_OK);
	TEST_EQ_INT(db_param_count(s), 2);
	db_bind_int64(s, 1, INT64_C(5000000000));
	db_bind_int64(s, 2, 1);
	TEST_EQ_INT(db_step(s), DB_ROW);
	TEST_EQ_INT(db_column_int64(s, 0), INT64_C(4999999999));
	db_reset(s);

	/* the same persistent statement, a NULL where an integer was */
	db_bind_null(s, 1);
	db_bind_int64(s, 2, 1);
	TEST_EQ_INT(db_step(s), DB_ROW);
	TEST_ASSERT(db_column_isnull(s, 0));
	db_reset(s);
	db_finalize(s);
	s = NULL;

	/* a text parameter the server cannot type alone ($1 IS NULL) */
	TEST_EQ_INT(db_prepare(db, "SELECT ?1 IS NULL, ?2 || 'b'", true, &s),
		    DB_OK);
	db_bind_text(s, 1, "x", 1);
	db_bind_text(s, 2, "a?", 2);
	TEST_EQ_INT(db_step(s), DB_ROW);
	TEST_EQ_INT(db_column_int64(s, 0), 0);
	TEST_EQ_STR(db_column_text(s, 1), "a?b");
out:
	db_finalize(s);
	return err;
}

/* Errors in a transaction: a savepoint takes them back; without one the
 * commit fails.  A trigger's error is a constraint with its message. */
static int test_tx_errors(struct db *db)
{
	int err = 0;

	TEST_EQ_INT(db_exec(db, trigger_sql), DB_OK);
	TEST_EQ_INT(exec1(db, "UPDATE p SET name = 'frozen' WHERE name = 'a'"),
		    DB_ECONSTRAINT);
	TEST_EQ_STR(db_errmsg(db), "p is read-only here");

	TEST_EQ_INT(db_tx(db, DB_BEGIN), DB_OK);
	TEST_EQ_INT(db_tx(db, DB_SAVEPOINT), DB_OK);
	TEST_EQ_INT(exec1(db, "INSERT INTO p (name) VALUES ('a')"), DB_EUNIQUE);
	TEST_EQ_INT(db_tx(db, DB_ROLLBACK_TO), DB_OK);
	TEST_EQ_INT(db_tx(db, DB_RELEASE), DB_OK);
	TEST_EQ_INT(exec1(db, "INSERT INTO p (name) VALUES ('after')"),
		    DB_DONE);
	TEST_EQ_INT(db_tx(db, DB_COMMIT), DB_OK);
	TEST_EQ_INT(query1(db, "SELECT count(*) FROM p WHERE name = 'after'"),
		    1);

	TEST_EQ_INT(db_tx(db, DB_BEGIN), DB_OK);
	TEST_EQ_INT(exec1(db, "INSERT INTO p (name) VALUES ('lost')"), DB_DONE);
	TEST_EQ_INT(exec1(db, "INSERT INTO p (name) VALUES ('a')"), DB_EUNIQUE);
	TEST_ASSERT(db_in_tx(db));
	TEST_EQ_INT(db_tx(db, DB_COMMIT), DB_EIO);
	TEST_ASSERT(!db_in_tx(db));
	TEST_EQ_INT(query1(db, "SELECT count(*) FROM p WHERE name = 'lost'"),
		    0);
out:
	return err;
}

/* A statement the server refuses untyped and as text inside a
 * transaction: its error only, the transaction goes on, and the driver's
 * savepoint of that try is gone (released, not left on the stack). */
static int test_retry_savepoint(struct db *db)
{
	enum log_level lvl = log_level_get();
	int err = 0;

	TEST_EQ_INT(db_tx(db, DB_BEGIN), DB_OK);
	TEST_EQ_INT(exec1(db, "SELECT ?1 + ?2"), DB_EIO); /* unknown, text */
	TEST_EQ_INT(exec1(db, "INSERT INTO p (name) VALUES ('retried')"),
		    DB_DONE);
	TEST_EQ_INT(query1(db, "SELECT count(*) FROM p WHERE name = 'retried'"),
		    1);
	TEST_EQ_INT(db_exec(db, "ROLLBACK TO SAVEPOINT store_prepare"), DB_EIO);
	TEST_EQ_INT(db_tx(db, DB_ROLLBACK), DB_OK);
	TEST_EQ_INT(query1(db, "SELECT count(*) FROM p WHERE name = 'retried'"),
		    0);
out:
	log_set_level(lvl);
	return err;
}

/* The advisory lock count of (21, 2), the store's write lock, held by
 * db's session. */
static int64_t write_locks(struct db *db)
{
	return query1(db, "SELECT count(*) FROM pg_locks WHERE locktype ="
			  " 'advisory' AND classid = 21 AND objid = 2 AND"
			  " pid = pg_backend_pid() AND granted");
}

/* A lock is waited for 3 s at most.  DB_BEGIN holds the write lock to
 * the end of the transaction (another session cannot take it),
 * DB_BEGIN_ROWS does not. */
static int test_write_lock(struct db *db, const char *url)
{
	struct db *other = NULL;
	int err = 0;

	TEST_EQ_INT(query1(db, "SELECT CAST(current_setting('lock_timeout') ="
			       " '3s' AS INTEGER)"),
		    1);
	TEST_EQ_INT(db_open(&other, url), 0);
	TEST_EQ_INT(db_tx(db, DB_BEGIN), DB_OK);
	TEST_EQ_INT(write_locks(db), 1);
	TEST_EQ_INT(query1(other, "SELECT CAST(pg_try_advisory_xact_lock(21, 2)"
				  " AS INTEGER)"),
		    0);
	TEST_EQ_INT(db_tx(db, DB_COMMIT), DB_OK);
	TEST_EQ_INT(write_locks(db), 0);
	TEST_EQ_INT(db_tx(db, DB_BEGIN_ROWS), DB_OK);
	TEST_ASSERT(db_in_tx(db));
	TEST_EQ_INT(write_locks(db), 0);
	TEST_EQ_INT(db_tx(db, DB_ROLLBACK), DB_OK);
	TEST_ASSERT(!db_in_tx(db));
out:
	mem_deref(other);
	return err;
}

static void *other_thread(void *arg)
{
	static int rc;

	rc = exec1(arg, "SELECT 1");
	return &rc;
}

/* A connection used from another thread than its own: refused. */
static int test_thread(struct db *db)
{
	enum log_level lvl = log_level_get();
	pthread_t tid;
	void *rc = NULL;
	int err = 0;

	log_set_level(LOG_ERROR); /* the warning is expected */
	TEST_EQ_INT(pthread_create(&tid, NULL, other_thread, db), 0);
	TEST_EQ_INT(pthread_join(tid, &rc), 0);
	log_set_level(lvl);
	TEST_EQ_INT(*(int *)rc, DB_EIO);
	TEST_EQ_INT(exec1(db, "SELECT 1"), DB_ROW);
out:
	log_set_level(lvl);
	return err;
}

/* The server ends the session: the statement that finds out fails, the
 * next ones work on a new session (named statements prepared again). */
static int test_lost(struct db *db, const char *url)
{
	struct db *other = NULL;
	struct db_stmt *s = NULL;
	enum log_level lvl = log_level_get();
	int err = 0;

	TEST_EQ_INT(db_prepare(db, "SELECT count(*) FROM p", true, &s), DB_OK);
	TEST_EQ_INT(db_step(s), DB_ROW);
	db_reset(s);

	TEST_EQ_INT(db_open(&other, url), 0);
	log_set_level(LOG_ERROR); /* the warnings are expected */
	TEST_EQ_INT(query1(other, "SELECT count(pg_terminate_backend(pid))"
				  " FROM pg_stat_activity"
				  " WHERE datname = current_database()"
				  " AND pid <> pg_backend_pid()"),
		    1);
	TEST_EQ_INT(exec1(db, "SELECT 1"), DB_EIO);
	log_set_level(lvl);
	TEST_EQ_INT(db_step(s), DB_ROW);
	TEST_EQ_INT(db_column_int64(s, 0), 3);
	db_reset(s);

	/* in a transaction: lost with it, until the rollback */
	TEST_EQ_INT(db_tx(db, DB_BEGIN), DB_OK);
	TEST_EQ_INT(exec1(db, "INSERT INTO p (name) VALUES ('gone')"), DB_DONE);
	log_set_level(LOG_ERROR);
	TEST_EQ_INT(query1(other, "SELECT count(pg_terminate_backend(pid))"
				  " FROM pg_stat_activity"
				  " WHERE datname = current_database()"
				  " AND pid <> pg_backend_pid()"),
		    1);
	TEST_EQ_INT(db_step(s), DB_EIO);
	log_set_level(lvl);
	db_reset(s);
	TEST_EQ_INT(exec1(db, "INSERT INTO p (name) VALUES ('gone2')"), DB_EIO);
	TEST_ASSERT(db_in_tx(db));
	TEST_EQ_INT(db_tx(db, DB_COMMIT), DB_EIO);
	TEST_EQ_INT(db_tx(db, DB_ROLLBACK), DB_OK);
	TEST_ASSERT(!db_in_tx(db));
	TEST_EQ_INT(
	    query1(db, "SELECT count(*) FROM p WHERE name LIKE 'gone%'"), 0);
out:
	log_set_level(lvl);
	db_finalize(s);
	mem_deref(other);
	return err;
}

int test_db_pg(struct db *db, const char *url)
{
	int err;

	err = test_values(db);
	if (!err)
		err = test_tx_errors(db);
	if (!err)
		err = test_retry_savepoint(db);
	if (!err)
		err = test_write_lock(db, url);
	if (!err)
		err = test_thread(db);
	if (!err)
		err = test_lost(db, url);
	return err;
}

int test_db_pg_open(const char *url)
{
	struct store *st = NULL;
	struct store_node n;
	enum log_level lvl = log_level_get();
	char buf[32];
	int err = 0;

	/* the test's store is closed and opened again: nothing migrates */
	TEST_EQ_INT(store_open(&st, url), 0);
	re_snprintf(buf, sizeof(buf), "%d", store_schema_version(st));
	TEST_EQ_INT(raw_is(url, "SELECT version FROM schema_version", buf), 0);
	TEST_EQ_INT(store_node_heartbeat(st, "kept", T0 - 5, T0), 0);
	st = mem_deref(st);
	TEST_EQ_INT(store_open(&st, url), 0);
	TEST_EQ_INT(store_node_get(st, "kept", &n), 0);
	TEST_EQ_STR(n.node_id, "kept");
	TEST_EQ_INT(n.started_at, T0 - 5);
	TEST_EQ_INT(n.heartbeat_at, T0);
	st = mem_deref(st);

	/* a newer schema is refused, and left as it was */
	TEST_EQ_INT(raw_exec(url, "UPDATE schema_version SET version = 1000"),
		    0);
	log_set_level(LOG_ERROR);
	TEST_EQ_INT(store_open(&st, url), EIO);
	log_set_level(lvl);
	TEST_EQ_INT(raw_is(url, "SELECT version FROM schema_version", "1000"),
		    0);
out:
	log_set_level(lvl);
	mem_deref(st);
	return err;
}
