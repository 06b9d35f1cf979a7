/*
 * store_test_login_failure.c - the failed logins kept in the store
 * (issue 16, sqlite_login_failure.c): a counter by key, the same key in
 * another case, the purge of rows neither locked nor touched lately, and
 * the trim to the most recently touched rows.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

static void fail_row(struct store_login_failure *f, const char *key, uint32_t n,
		     uint64_t locked, uint64_t at)
{
	memset(f, 0, sizeof(*f));
	str_copy(f->key, key, sizeof(f->key));
	f->failures = n;
	f->window_start = at;
	f->locked_until = locked;
	f->updated_at = at;
}

int test_store_login_failure(void)
{
	struct tdb db;
	struct store_login_failure f, g;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(store_login_failure_get(db.st, "login:ghost", &g), ENOENT);
	TEST_EQ_INT(store_login_failure_get(db.st, "", &g), EINVAL);

	fail_row(&f, "login:Ghost", 2, 0, 1000);
	TEST_EQ_INT(store_login_failure_put(db.st, &f, 0, 10), 0);
	TEST_EQ_INT(store_login_failure_get(db.st, "login:GHOST", &g), 0);
	TEST_EQ_INT(g.failures, 2);
	TEST_EQ_INT(g.window_start, 1000);
	TEST_EQ_INT(g.updated_at, 1000);
	/* the same key in another case is the same row */
	fail_row(&f, "login:ghost", 0, 5000, 2000);
	TEST_EQ_INT(store_login_failure_put(db.st, &f, 0, 10), 0);
	TEST_EQ_INT(store_login_failure_get(db.st, "login:Ghost", &g), 0);
	TEST_EQ_INT(g.failures, 0);
	TEST_EQ_INT(g.locked_until, 5000);

	/* purge: a row untouched since before and not locked goes; a
	 * locked one stays */
	fail_row(&f, "addr:192.0.2.1", 1, 0, 2500);
	TEST_EQ_INT(store_login_failure_put(db.st, &f, 0, 10), 0);
	fail_row(&f, "addr:192.0.2.2", 1, 0, 4000);
	TEST_EQ_INT(store_login_failure_put(db.st, &f, 3000, 10), 0);
	TEST_EQ_INT(store_login_failure_get(db.st, "addr:192.0.2.1", &g),
		    ENOENT);
	TEST_EQ_INT(store_login_failure_get(db.st, "login:ghost", &g), 0);
	/* ... until its lock is over */
	fail_row(&f, "addr:192.0.2.3", 1, 0, 6000);
	TEST_EQ_INT(store_login_failure_put(db.st, &f, 3000, 10), 0);
	TEST_EQ_INT(store_login_failure_get(db.st, "login:ghost", &g), ENOENT);
	TEST_EQ_INT(store_login_failure_get(db.st, "addr:192.0.2.2", &g), 0);
	fail_row(&f, "addr:192.0.2.4", 1, 0, 7000);
	TEST_EQ_INT(store_login_failure_put(db.st, &f, 5500, 10), 0);
	TEST_EQ_INT(store_login_failure_get(db.st, "addr:192.0.2.2", &g),
		    ENOENT);
	TEST_EQ_INT(store_login_failure_get(db.st, "addr:192.0.2.3", &g), 0);

	/* trim: at most max rows, the least recently touched go */
	fail_row(&f, "addr:192.0.2.5", 1, 0, 8000);
	TEST_EQ_INT(store_login_failure_put(db.st, &f, 0, 2), 0);
	TEST_EQ_INT(store_login_failure_get(db.st, "addr:192.0.2.3", &g),
		    ENOENT);
	TEST_EQ_INT(store_login_failure_get(db.st, "addr:192.0.2.4", &g), 0);
	TEST_EQ_INT(store_login_failure_get(db.st, "addr:192.0.2.5", &g), 0);

	TEST_EQ_INT(store_login_failure_delete(db.st, "ADDR:192.0.2.5"), 0);
	TEST_EQ_INT(store_login_failure_get(db.st, "addr:192.0.2.5", &g),
		    ENOENT);
	TEST_EQ_INT(store_login_failure_delete(db.st, "addr:192.0.2.5"), 0);
out:
	tdb_close(&db);
	return err;
}
