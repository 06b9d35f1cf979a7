/*
 * store_test_open.c - opening a store file and migrating it: the settings
 * that belong to the file (WAL), reopening, a second connection, the
 * schema steps all or nothing, a newer file refused, and operators' files
 * of older versions (test/data/store/) upgraded in place.
 */
#include <stdlib.h>
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

/* ---- open and migrate ------------------------------------------------- */

int test_store_open(void)
{
	struct tdb db;
	struct store_tenant t;
	struct store *st2 = NULL;
	int64_t id = 0;
	char buf[32];
	int version, err = 0;

	TEST_SKIP_PG("the file, WAL mode and PRAGMA user_version are SQLite's "
		     "(store_test_db.c opens PostgreSQL)");

	TEST_EQ_INT(store_open(&st2, NULL), EINVAL);
	TEST_EQ_INT(store_open(&st2, "/nonexistent-dir/x.db"), EIO);
	TEST_ASSERT(st2 == NULL);

	TEST_EQ_INT(tdb_open(&db), 0);
	version = store_schema_version(db.st);
	TEST_ASSERT(version >= 1);
	TEST_ASSERT(store_is_empty(db.st));
	TEST_EQ_INT(fx_tenant(db.st, "Acme", NULL, NULL, &id), 0);
	TEST_ASSERT(!store_is_empty(db.st));

	/* the settings that belong to the file */
	TEST_EQ_INT(raw_is(db.path, "PRAGMA journal_mode", "wal"), 0);

	/* close and reopen: same data, same version */
	db.st = mem_deref(db.st);
	TEST_EQ_INT(raw_query(db.path, "PRAGMA user_version", buf, sizeof(buf)),
		    0);
	TEST_EQ_INT(atoi(buf), version);
	TEST_EQ_INT(store_open(&db.st, db.path), 0);
	TEST_EQ_INT(store_schema_version(db.st), version);
	TEST_EQ_INT(store_tenant_get(db.st, id, &t), 0);
	TEST_EQ_STR(t.name, "Acme");
	TEST_EQ_INT(t.created_at, T0);
	TEST_ASSERT(!store_is_empty(db.st));

	/* a second connection to the same file works alongside */
	TEST_EQ_INT(store_open(&st2, db.path), 0);
	TEST_EQ_INT(store_tenant_get(st2, id, &t), 0);
	TEST_EQ_STR(t.name, "Acme");
out:
	mem_deref(st2);
	tdb_close(&db);
	return err;
}

int test_store_migrate(void)
{
	static const char *const tables[] = {
	    "tenants", "employees",     "devices", "number_blocks",
	    "numbers", "announcements", "trunks",  "registrations",
	    "calls",   "api_tokens",
	};
	struct tdb db;
	struct store *st = NULL;
	int64_t id = 0;
	char sql[160];
	size_t i;
	int latest, err = 0;

	TEST_SKIP_PG(
	    "migrate.c's steps are SQLite's (pg_migrate.c: suite pg_schema)");

	/* a fresh file gives the newest version */
	TEST_EQ_INT(tdb_open(&db), 0);
	latest = store_schema_version(db.st);
	db.st = mem_deref(db.st);
	tdb_unlink(db.path);

	/* a database at version 0 that holds nothing */
	TEST_EQ_INT(raw_exec(db.path, "PRAGMA user_version = 0"), 0);
	TEST_EQ_INT(raw_is(db.path, "PRAGMA user_version", "0"), 0);
	TEST_EQ_INT(store_open(&db.st, db.path), 0);
	TEST_EQ_INT(store_schema_version(db.st), latest);
	for (i = 0; i < ARRAY_SIZE(tables); i++) {
		re_snprintf(sql, sizeof(sql),
			    "SELECT count(*) FROM sqlite_master"
			    " WHERE type = 'table' AND name = '%s'",
			    tables[i]);
		TEST_EQ_INT(raw_is(db.path, sql, "1"), 0);
	}
	TEST_EQ_INT(fx_tenant(db.st, "Kept", NULL, NULL, &id), 0);

	/* opening again changes nothing */
	db.st = mem_deref(db.st);
	TEST_EQ_INT(store_open(&db.st, db.path), 0);
	TEST_EQ_INT(store_schema_version(db.st), latest);
	db.st = mem_deref(db.st);
	TEST_EQ_INT(store_open(&db.st, db.path), 0);
	TEST_EQ_INT(store_schema_version(db.st), latest);
	TEST_EQ_INT(raw_is(db.path, "SELECT name FROM tenants", "Kept"), 0);
	db.st = mem_deref(db.st);

	/* a file of a newer build is refused and left alone */
	TEST_EQ_INT(raw_exec(db.path, "PRAGMA user_version = 1000"), 0);
	TEST_EQ_INT(store_open(&st, db.path), EIO);
	TEST_ASSERT(st == NULL);
	TEST_EQ_INT(raw_is(db.path, "PRAGMA user_version", "1000"), 0);
	tdb_unlink(db.path);

	/* a failing migration changes nothing: all or nothing */
	TEST_EQ_INT(raw_exec(db.path, "CREATE TABLE calls (x);"
				      "INSERT INTO calls VALUES (42)"),
		    0);
	TEST_EQ_INT(store_open(&st, db.path), EIO);
	TEST_ASSERT(st == NULL);
	TEST_EQ_INT(raw_is(db.path, "PRAGMA user_version", "0"), 0);
	TEST_EQ_INT(raw_is(db.path,
			   "SELECT count(*) FROM sqlite_master"
			   " WHERE name = 'tenants'",
			   "0"),
		    0);
	TEST_EQ_INT(raw_is(db.path, "SELECT x FROM calls", "42"), 0);
out:
	mem_deref(st);
	tdb_close(&db);
	return err;
}

/*
 * An operator's version-1 database (test/data/store/v1_demo.sql, dumped
 * from the v1 build) is upgraded in place: every row survives, the trunk
 * columns of migration 2 appear with their defaults, and the upgraded
 * trunks work through the store.
 */
int test_store_migrate_v2(void)
{
	struct tdb db;
	struct store_trunk g;
	struct store_device d;
	struct store_number n;
	char buf[64];
	int err = 0;

	TEST_SKIP_PG("an SQLite file of version 1");

	TEST_EQ_INT(tdb_load(&db, "test/data/store/v1_demo.sql", "1"), 0);
	TEST_EQ_INT(raw_is(db.path,
			   "SELECT count(*) FROM pragma_table_info('trunks')"
			   " WHERE name = 'register'",
			   "0"),
		    0);

	TEST_EQ_INT(store_open(&db.st, db.path), 0);
	TEST_ASSERT(store_schema_version(db.st) >= 2);
	TEST_EQ_INT(raw_query(db.path, "PRAGMA user_version", buf, sizeof(buf)),
		    0);
	TEST_EQ_INT(atoi(buf), store_schema_version(db.st));

	/* the data of version 1 is all there */
	TEST_ASSERT(!store_is_empty(db.st));
	TEST_EQ_INT(store_device_by_username(db.st, "1002", &d), 0);
	TEST_EQ_STR(d.ha1, "d09c6a70316820c0385ae1bb4c06f166");
	TEST_EQ_INT(store_number_by_e164(db.st, "+4922182829990", &n), 0);
	TEST_EQ_INT(n.target_type, TARGET_ANNOUNCEMENT);
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM api_tokens", "1"), 0);
	/* the admin of version 1 is an operator since version 22 */
	TEST_EQ_INT(raw_is(db.path, "SELECT role FROM api_tokens WHERE id = 1",
			   "operator"),
		    0);

	/* old trunks: their values kept, the new columns at defaults */
	TEST_EQ_INT(store_trunk_get(db.st, 1, &g), 0);
	TEST_EQ_STR(g.name, "Demo-Carrier");
	TEST_EQ_STR(g.host, "127.0.0.1");
	TEST_EQ_INT(g.port, 5090);
	TEST_EQ_INT(g.tenant_id, 0);
	TEST_ASSERT(!g.do_register);
	TEST_EQ_STR(g.registrar, "");
	TEST_EQ_STR(g.domain, "");
	TEST_EQ_STR(g.auth_user, "");
	TEST_EQ_STR(g.from_user, "");
	TEST_EQ_INT(g.expires, 600);
	TEST_EQ_INT(store_trunk_get(db.st, 2, &g), 0);
	TEST_EQ_INT(g.tenant_id, 1);
	TEST_EQ_INT(g.transport, STORE_TRANSPORT_TCP);
	TEST_ASSERT(g.match_any_port);
	TEST_EQ_STR(g.username, "acc4711");
	TEST_EQ_STR(g.password, "s3cret");
	TEST_EQ_INT(g.created_at, 1795580690000ULL);
	TEST_ASSERT(!g.do_register);
	TEST_EQ_INT(g.expires, 600);

	/* and they can be switched to registration */
	g.do_register = true;
	g.expires = 300;
	TEST_EQ_INT(store_trunk_update(db.st, &g), 0);
	TEST_EQ_INT(store_trunk_by_source(db.st, "192.0.2.10", 40000, &g), 0);
	TEST_EQ_INT(g.id, 2);
	TEST_ASSERT(g.do_register);
	TEST_EQ_INT(g.expires, 300);

	/* reopening does not migrate again */
	db.st = mem_deref(db.st);
	TEST_EQ_INT(store_open(&db.st, db.path), 0);
	TEST_EQ_INT(store_trunk_get(db.st, 2, &g), 0);
	TEST_ASSERT(g.do_register);
out:
	tdb_close(&db);
	return err;
}

/*
 * An operator's version-3 database (test/data/store/v3_live_calls.sql,
 * dumped from the v3 build) with calls left live by node1 and node2 is
 * upgraded to migration 4 in place: the nodes table appears empty, every
 * call survives, and the live calls close by the rule with no heartbeat
 * known: at their answer, or their start if never answered.
 */
int test_store_migrate_v4(void)
{
	struct tdb db;
	struct store_call g;
	struct store_node n;
	unsigned closed = 0;
	int err = 0;

	TEST_SKIP_PG("an SQLite file of version 3");

	TEST_EQ_INT(tdb_load(&db, "test/data/store/v3_live_calls.sql", "3"), 0);
	TEST_EQ_INT(raw_is(db.path,
			   "SELECT count(*) FROM sqlite_master"
			   " WHERE name = 'nodes'",
			   "0"),
		    0);

	TEST_EQ_INT(store_open(&db.st, db.path), 0);
	TEST_ASSERT(store_schema_version(db.st) >= 4);
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM nodes", "0"), 0);
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM calls", "4"), 0);

	/* the nodes are known by their live calls */
	TEST_EQ_INT(store_node_get(db.st, "node1", &n), 0);
	TEST_EQ_INT(n.heartbeat_at, 0);
	TEST_EQ_INT(n.live_calls, 2);
	TEST_EQ_INT(store_node_get(db.st, "node2", &n), 0);
	TEST_EQ_INT(n.live_calls, 1);

	/* node1 starts with the new build */
	TEST_EQ_INT(store_call_close_node(db.st, "node1", &closed), 0);
	TEST_EQ_INT(closed, 2);
	TEST_EQ_INT(store_call_get(db.st, 1, &g), 0); /* completed: kept */
	TEST_EQ_INT(g.ended_at, 1795580760000ULL);
	TEST_EQ_INT(g.disposition, STORE_DISP_ANSWERED);
	TEST_EQ_INT(check_cut(db.st, 2, 1795580803000ULL, 1795580803000ULL), 0);
	TEST_EQ_INT(check_cut(db.st, 3, 1795580810000ULL, 0), 0);
	TEST_EQ_INT(check_live(db.st, 4), 0);
	TEST_EQ_INT(store_node_heartbeat(db.st, "node1", 0, 0), 0);

	/* node2 never comes back: stale for node1 a minute after its answer
	 * (the fake clock of these tests is older than the file) */
	TEST_EQ_INT(
	    store_call_close_stale(db.st, "node1", 1795580821000ULL, &closed),
	    0);
	TEST_EQ_INT(closed, 0);
	TEST_EQ_INT(
	    store_call_close_stale(db.st, "node1", 1795580881000ULL, &closed),
	    0);
	TEST_EQ_INT(closed, 1);
	TEST_EQ_INT(check_cut(db.st, 4, 1795580821000ULL, 1795580821000ULL), 0);
out:
	tdb_close(&db);
	return err;
}
