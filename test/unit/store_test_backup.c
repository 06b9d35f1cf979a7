/*
 * store_test_backup.c - the online copy (store/sqlite_backup.c) while
 * another connection holds a lock on the copy's file, as another process
 * could: each step answers EBUSY with nothing done (the HTTP side gives
 * up after 10 s of it, api_backup.c), and once the lock is gone the copy
 * completes.  On PostgreSQL the copy is pg_dump's (store/db_pg_dump.c): the
 * steps answer EAGAIN while it runs, then done, and the file is a dump in
 * the custom format; a path that exists is EEXIST.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

/* PostgreSQL: one pg_dump into path (removed by the caller). */
static int pg_dump_once(struct tdb *db, char *path, size_t sz)
{
	struct store_backup *bk = NULL;
	char magic[6] = "";
	bool done = false;
	int i, rc = EAGAIN, err = 0;
	FILE *f;

	TEST_EQ_STR(store_backup_file(db->st), "switchboard.dump");
	re_snprintf(path, sz, "/tmp/sb-unit-dump-%d", (int)getpid());
	(void)unlink(path);
	TEST_EQ_INT(store_backup_begin(&bk, db->st, path), 0);
	for (i = 0; i < 1200 && rc == EAGAIN; i++) {
		rc = store_backup_step(bk, 64, &done);
		if (rc == EAGAIN)
			usleep(50000);
	}
	TEST_EQ_INT(rc, 0);
	TEST_ASSERT(done);
	TEST_EQ_STR(store_backup_reason(bk), "");
	bk = mem_deref(bk);
	f = fopen(path, "rb");
	TEST_ASSERT(f != NULL);
	if (fread(magic, 1, 5, f) != 5)
		magic[0] = '\0';
	fclose(f);
	TEST_EQ_STR(magic, "PGDMP"); /* pg_dump's custom format */
	TEST_EQ_INT(store_backup_begin(&bk, db->st, path), EEXIST);
out:
	mem_deref(bk);
	return err;
}

int test_store_backup_busy(void)
{
	struct tdb db;
	struct store_backup *bk = NULL;
	sqlite3 *lock = NULL;
	char path[300] = "";
	bool done = false;
	int i, err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	if (tdb_pg()) {
		err = pg_dump_once(&db, path, sizeof(path));
		goto out;
	}
	TEST_EQ_STR(store_backup_file(db.st), "switchboard.db");
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
