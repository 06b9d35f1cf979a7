/*
 * store_test_backup.c - the online copy (store/sqlite_backup.c) while
 * another connection holds a lock on the copy's file, as another process
 * could: each step answers EBUSY with nothing done (the HTTP side gives
 * up after 10 s of it, api_backup.c), and once the lock is gone the copy
 * completes.  On PostgreSQL the copy is refused: EOPNOTSUPP (pg_dump).
 */
#include <errno.h>
#include <unistd.h>
#include <sqlite3.h>
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

int test_store_backup_busy(void)
{
	struct tdb db;
	struct store_backup *bk = NULL;
	sqlite3 *lock = NULL;
	char path[300] = "";
	bool done = false;
	int i, err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	if (tdb_pg()) { /* no such copy of a PostgreSQL database */
		TEST_EQ_INT(store_backup_begin(&bk, db.st, "/tmp/x.db"),
			    EOPNOTSUPP);
		goto out;
	}
	re_snprintf(path, sizeof(path), "%s.copy", db.path);
	(void)unlink(path);
	TEST_EQ_INT(store_backup_begin(&bk, db.st, path), 0);
	TEST_EQ_INT(sqlite3_open(path, &lock), SQLITE_OK);
	TEST_EQ_INT(sqlite3_exec(lock, "BEGIN EXCLUSIVE", NULL, NULL, NULL),
		    SQLITE_OK);
	for (i = 0; i < 3; i++) {
		TEST_EQ_INT(store_backup_step(bk, 64, &done), EBUSY);
		TEST_ASSERT(!done);
	}
	TEST_EQ_INT(sqlite3_exec(lock, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; i < 1000 && !done; i++)
		TEST_EQ_INT(store_backup_step(bk, 64, &done), 0);
	TEST_ASSERT(done);
out:
	bk = mem_deref(bk);
	if (lock)
		sqlite3_close(lock);
	if (path[0])
		(void)unlink(path);
	tdb_close(&db);
	return err;
}
