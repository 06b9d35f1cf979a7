/*
 * store_test.h - the fixtures the store tests share (store_test_fx.c):
 * a fresh database file per test on a fake clock, plain sqlite3 access to
 * the file, one fixture per record, and list handlers that collect ids.
 * The fixtures return the store's errno and write the new id to *idp.
 */
#ifndef SWITCHBOARD_STORE_TEST_H
#define SWITCHBOARD_STORE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

#define T0 1700000000000ULL /* [ms] the fake clock of these tests */

/* A database file of this test run, open as st (or, with SB_TEST_PG, a
 * PostgreSQL database: path is its URL). */
struct tdb {
	char path[192];
	struct store *st;
};

/* Open a new file, or with SB_TEST_PG a new PostgreSQL database
 * (time_now_ms() is T0 until tdb_close()). */
int tdb_open(struct tdb *t);
/* Close it and delete the file with its -wal and -shm files (or drop the
 * database). */
void tdb_close(struct tdb *t);
void tdb_unlink(const char *path);

/* store_test_pg.c: SB_TEST_PG, the URL of a PostgreSQL server's database
 * to run the store tests on (NULL: SQLite files); whether path is such a
 * URL; a new database copied from the migrated template (its URL into
 * url), dropped by tdb_pg_drop(); raw_query() of such a database. */
const char *tdb_pg(void);
bool tdb_is_pg(const char *path);
int tdb_pg_create(char *url, size_t sz);
void tdb_pg_drop(const char *url);
int raw_pg_query(const char *url, const char *sql, char *buf, size_t sz);

/* A test that runs on SQLite only returns this on PostgreSQL: main.c
 * prints "skip" and counts it neither passed nor failed. */
#define TEST_SKIP_PG(why)                                                      \
	do {                                                                   \
		if (tdb_pg()) {                                                \
			fprintf(stderr, "  skipped on PostgreSQL: %s\n",       \
				(why));                                        \
			return TEST_SKIP;                                      \
		}                                                              \
	} while (0)

/* Plain sqlite3: the first column of the first row of sql as text. */
int raw_query(const char *path, const char *sql, char *buf, size_t sz);
int raw_exec(const char *path, const char *sql);
/* 0 if the first column of the first row of sql is want; EPROTO (what it
 * is printed) if not. */
int raw_is(const char *path, const char *sql, const char *want);
/* Load the SQL file sql_path (relative to the repository, where the tests
 * run) into the database file db_path. */
int raw_exec_file(const char *db_path, const char *sql_path);

/* A fresh file loaded from sql_path (an operator's database of an older
 * build, test/data/store/), checked to be at user_version version, not
 * yet opened by the store. */
int tdb_load(struct tdb *t, const char *sql_path, const char *version);

/* A tenant "49"/"221" with a block first..last (none if first is NULL). */
int fx_tenant(struct store *st, const char *name, const char *first,
	      const char *last, int64_t *idp);
/* Tenants "One" (block +4922182829900..99) and "Two" (+4930123400..99). */
int fx_tenants(struct store *st, int64_t *t1, int64_t *t2);
int fx_employee(struct store *st, int64_t tenant_id, const char *name,
		const char *ext, int64_t *idp);
/* q (zeroed here): a ring-all queue "Hotline" of tenant_id (ring 15 s,
 * wrap-up 30 s, 2 misses, max wait 600 s, 10 callers, service level
 * 20 s) with employee emp its one member; not yet added. */
void fx_queue_ring_all(struct store_queue *q, int64_t tenant_id, int64_t emp);
int fx_number(struct store *st, const char *e164, bool active,
	      enum store_target type, int64_t target, int64_t *idp);
int fx_announcement(struct store *st, int64_t tenant_id, const char *file,
		    int64_t *idp);
int fx_device(struct store *st, int64_t tenant_id, int64_t emp,
	      const char *username, int64_t *idp);
int fx_trunk(struct store *st, int64_t tenant_id, const char *host,
	     uint16_t port, bool any, int64_t *idp);
/* Every field of a binding of device dev set (expiring at T0 + 60 s). */
void fx_reg_full(struct store_registration *r, int64_t dev);
/* A live inbound call of node, started at started. */
int fx_call(struct store *st, const char *node, int64_t tenant_id,
	    uint64_t started, int64_t *idp);
/* A call of node started at `started`, answered at `answered` (0 = not). */
int fx_live(struct store *st, const char *node, uint64_t started,
	    uint64_t answered, int64_t *idp);

/* Call id is closed as cut by a node failure at `ended`; or still live. */
int check_cut(struct store *st, int64_t id, uint64_t ended, uint64_t answered);
int check_live(struct store *st, int64_t id);

/* ids seen by a list walk, in order */
struct ids {
	int64_t v[16];
	size_t n;
	size_t stop_at; /* return 7 at this call (1-based), 0 = never */
};

int ids_add(struct ids *ids, int64_t id);
bool ids_are(const struct ids *ids, size_t n, const int64_t *v);

/* List handlers that add the record's id to the struct ids at arg. */
int tenant_id_h(const struct store_tenant *t, void *arg);
int employee_id_h(const struct store_employee *e, void *arg);
int device_id_h(const struct store_device *d, void *arg);
int block_id_h(const struct store_number_block *b, void *arg);
int number_id_h(const struct store_number *n, void *arg);
int announcement_id_h(const struct store_announcement *a, void *arg);
int trunk_id_h(const struct store_trunk *t, void *arg);
int reg_id_h(const struct store_registration *r, void *arg);
int call_id_h(const struct store_call *c, void *arg);

#endif
