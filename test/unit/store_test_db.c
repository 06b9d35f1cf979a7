/*
 * store_test_db.c - the driver seam of the store (src/store/db.h) on its
 * SQLite driver: each type bound and read back, NULL, text bound with a
 * length, a statement walked and reset, RETURNING id, changed rows,
 * constraint failures sorted into their classes and mapped to errno by
 * store_dberr(), transactions and savepoints, a second connection's lock.
 */
#include <unistd.h>
#include "core/core.h"
#include "store/db.h"
#include "store/sqlite_int.h"
#include "test.h"
#include "store_test.h"

/* Prepare sql on db and step it once: its DB_* result. */
static int exec1(struct db *db, const char *sql)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(db, sql, false, &s);
	if (rc != DB_OK)
		return rc;
	rc = db_step(s);
	db_finalize(s);
	return rc;
}

/* The first column of the first row of sql as an integer (-1: none). */
static int64_t query1(struct db *db, const char *sql)
{
	struct db_stmt *s = NULL;
	int64_t v = -1;

	if (db_prepare(db, sql, false, &s) != DB_OK)
		return -1;
	if (db_step(s) == DB_ROW)
		v = db_column_int64(s, 0);
	db_finalize(s);
	return v;
}

static const char schema_p[] =
    "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)";
static const char schema_c[] =
    "CREATE TABLE c (id INTEGER PRIMARY KEY,"
    " p_id INTEGER REFERENCES p (id), n INTEGER CHECK (n >= 0),"
    " t TEXT, b BLOB, d REAL)";

static int test_types(struct db *db)
{
	static const uint8_t blob[] = {0, 1, 2, 0xff};
	struct db_stmt *s = NULL;
	const void *p;
	size_t len;
	int err = 0;

	TEST_EQ_INT(db_prepare(db,
			       "INSERT INTO c (n, t, b, d, p_id)"
			       " VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
			       true, &s),
		    DB_OK);
	TEST_EQ_INT(db_param_count(s), 5);

	/* every type; text bound with a length shorter than the string */
	db_bind_int64(s, 1, INT64_C(9007199254740993));
	db_bind_text(s, 2, "abcdef", 3);
	db_bind_blob(s, 3, blob, sizeof(blob));
	db_bind_double(s, 4, 2.5);
	db_bind_null(s, 5);
	TEST_EQ_INT(db_step(s), DB_ROW);
	TEST_EQ_INT(db_column_count(s), 1);
	TEST_EQ_INT(db_column_int64(s, 0), 1); /* RETURNING id */
	TEST_EQ_INT(db_step(s), DB_DONE);
	TEST_EQ_INT(db_changes(s), 1);
	db_reset(s);

	/* after a reset every parameter is NULL again */
	TEST_EQ_INT(db_step(s), DB_ROW);
	TEST_EQ_INT(db_column_int64(s, 0), 2);
	db_finalize(s);
	s = NULL;
	db_finalize(NULL); /* fine */

	TEST_EQ_INT(db_prepare(db,
			       "SELECT id, n, t, b, d, p_id FROM c"
			       " ORDER BY id",
			       false, &s),
		    DB_OK);
	TEST_ASSERT(!db_busy(s));
	TEST_EQ_INT(db_step(s), DB_ROW);
	TEST_ASSERT(db_busy(s));
	TEST_EQ_INT(db_column_count(s), 6);
	TEST_EQ_STR(db_column_name(s, 2), "t");
	TEST_EQ_INT(db_column_type(s, 1), DB_INT);
	TEST_EQ_INT(db_column_int64(s, 1), INT64_C(9007199254740993));
	TEST_EQ_INT(db_column_type(s, 2), DB_TEXT);
	TEST_EQ_STR(db_column_text(s, 2), "abc");
	TEST_EQ_INT(db_column_type(s, 3), DB_BLOB);
	p = db_column_blob(s, 3, &len);
	TEST_EQ_INT(len, sizeof(blob));
	TEST_ASSERT(p && !memcmp(p, blob, sizeof(blob)));
	TEST_EQ_INT(db_column_type(s, 4), DB_FLOAT);
	TEST_ASSERT(db_column_double(s, 4) == 2.5);
	TEST_ASSERT(db_column_isnull(s, 5));
	TEST_ASSERT(!db_column_isnull(s, 4));
	TEST_EQ_INT(db_column_type(s, 5), DB_NULL);

	/* the second row: all NULL */
	TEST_EQ_INT(db_step(s), DB_ROW);
	TEST_ASSERT(db_column_isnull(s, 1));
	TEST_EQ_INT(db_column_int64(s, 1), 0);
	TEST_ASSERT(db_column_text(s, 2) == NULL);
	TEST_ASSERT(db_column_blob(s, 3, &len) == NULL);
	TEST_EQ_INT(len, 0);
	TEST_EQ_INT(db_step(s), DB_DONE);
	db_reset(s);
	TEST_ASSERT(!db_busy(s));

	/* changed rows of a write */
	db_finalize(s);
	s = NULL;
	TEST_EQ_INT(db_prepare(db, "UPDATE c SET n = n + 1", false, &s), DB_OK);
	TEST_EQ_INT(db_step(s), DB_DONE);
	TEST_EQ_INT(db_changes(s), 2);
out:
	db_finalize(s);
	return err;
}

static int test_errors(struct store *st, struct db *db)
{
	int err = 0;

	TEST_EQ_INT(exec1(db, "INSERT INTO p (name) VALUES ('a')"), DB_DONE);
	TEST_EQ_INT(exec1(db, "INSERT INTO p (name) VALUES ('a')"), DB_EUNIQUE);
	TEST_EQ_INT(exec1(db, "INSERT INTO p (id, name) VALUES (1, 'b')"),
		    DB_EUNIQUE);
	TEST_EQ_INT(exec1(db, "INSERT INTO c (p_id) VALUES (99)"), DB_EFOREIGN);
	TEST_EQ_INT(exec1(db, "INSERT INTO c (n) VALUES (-1)"), DB_ECONSTRAINT);
	TEST_EQ_INT(exec1(db, "INSERT INTO p (name) VALUES (NULL)"),
		    DB_ECONSTRAINT);
	TEST_EQ_INT(exec1(db, "INSERT INTO c (p_id) VALUES (1)"), DB_DONE);
	TEST_EQ_INT(exec1(db, "DELETE FROM p WHERE id = 1"), DB_EFOREIGN);
	TEST_EQ_INT(exec1(db, "SELEKT 1"), DB_EIO);
	TEST_ASSERT(str_isset(db_errmsg(db)));

	/* the classes as errno, as the store returns them */
	TEST_EQ_INT(store_dberr(st, DB_EUNIQUE, S_TENANT_ADD, ENOENT), EEXIST);
	TEST_EQ_INT(store_dberr(st, DB_EFOREIGN, S_TENANT_ADD, ENOENT), ENOENT);
	TEST_EQ_INT(store_dberr(st, DB_EFOREIGN, S_TENANT_DELETE, EBUSY),
		    EBUSY);
	TEST_EQ_INT(store_dberr(st, DB_ECONSTRAINT, S_TENANT_ADD, ENOENT),
		    EINVAL);
	TEST_EQ_INT(store_dberr(st, DB_ENOMEM, S_TENANT_ADD, ENOENT), ENOMEM);
	TEST_EQ_INT(store_dberr(st, DB_EBUSY, S_TENANT_ADD, ENOENT), EIO);
	TEST_EQ_INT(store_dberr(st, DB_EIO, S_TENANT_ADD, ENOENT), EIO);
out:
	return err;
}

static int test_tx(struct db *db, const char *path)
{
	struct db *other = NULL;
	int err = 0;

	TEST_ASSERT(!db_in_tx(db));
	TEST_EQ_INT(db_tx(db, DB_BEGIN), DB_OK);
	TEST_ASSERT(db_in_tx(db));
	TEST_EQ_INT(exec1(db, "INSERT INTO p (name) VALUES ('tx')"), DB_DONE);
	TEST_EQ_INT(db_tx(db, DB_SAVEPOINT), DB_OK);
	TEST_EQ_INT(exec1(db, "INSERT INTO p (name) VALUES ('sp')"), DB_DONE);
	TEST_EQ_INT(db_tx(db, DB_ROLLBACK_TO), DB_OK);
	TEST_EQ_INT(db_tx(db, DB_RELEASE), DB_OK);
	TEST_EQ_INT(query1(db, "SELECT count(*) FROM p WHERE name = 'sp'"), 0);
	TEST_EQ_INT(query1(db, "SELECT count(*) FROM p WHERE name = 'tx'"), 1);

	/* another connection cannot write while this one holds the lock */
	TEST_EQ_INT(db_open(&other, path), 0);
	TEST_EQ_INT(db_tx(other, DB_BEGIN), DB_EBUSY);
	TEST_ASSERT(!db_in_tx(other));

	TEST_EQ_INT(db_tx(db, DB_ROLLBACK), DB_OK);
	TEST_ASSERT(!db_in_tx(db));
	TEST_EQ_INT(query1(db, "SELECT count(*) FROM p WHERE name = 'tx'"), 0);

	/* committed work is seen by the other connection */
	TEST_EQ_INT(db_tx(db, DB_BEGIN), DB_OK);
	TEST_EQ_INT(exec1(db, "INSERT INTO p (name) VALUES ('kept')"), DB_DONE);
	TEST_EQ_INT(db_tx(db, DB_COMMIT), DB_OK);
	TEST_EQ_INT(query1(other, "SELECT count(*) FROM p WHERE name = 'kept'"),
		    1);
	TEST_EQ_INT(db_tx(db, (enum db_txop)DB_TXOP_COUNT), DB_EIO);
	db_release_memory(db);
out:
	mem_deref(other);
	return err;
}

int test_store_db(void)
{
	struct tdb t;
	struct db *db = NULL;
	char path[128];
	int err = 0;

	/* a store for store_dberr(), and a connection of our own beside it */
	TEST_EQ_INT(tdb_open(&t), 0);
	re_snprintf(path, sizeof(path), "%s-seam.db", t.path);
	tdb_unlink(path);
	TEST_EQ_INT(db_open(&db, ""), EINVAL);
	TEST_EQ_INT(db_open(&db, path), 0);
	TEST_ASSERT(db_sqlite(db) != NULL);
	TEST_EQ_INT(exec1(db, schema_p), DB_DONE);
	TEST_EQ_INT(exec1(db, schema_c), DB_DONE);

	err = test_types(db);
	if (!err)
		err = test_errors(t.st, db);
	if (!err)
		err = test_tx(db, path);
out:
	mem_deref(db);
	tdb_unlink(path);
	tdb_close(&t);
	return err;
}
