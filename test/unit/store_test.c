/*
 * store_test.c - the SQLite store against its contract, store.h.
 *
 * Every test opens a fresh database file under /tmp and deletes it (with
 * its -wal and -shm files) afterwards.  Rules with many cases (blocks,
 * personal numbers, trunk matching, call filters) are tables.  The tests
 * check the values read back, not only return codes; where the contract
 * is about the file itself (schema version, WAL, token hashes) they look
 * at it with plain sqlite3.
 */
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <sqlite3.h>
#include "core/core.h"
#include "store/store.h"
#include "test.h"

#define T0 1700000000000ULL /* [ms] the fake clock of these tests */

/* ---- fixtures --------------------------------------------------------- */

struct tdb {
	char path[96];
	struct store *st;
};

static unsigned tdb_seq;

static uint64_t fake_clock(void)
{
	return T0;
}

static void tdb_unlink(const char *path)
{
	char p[128];

	unlink(path);
	re_snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	re_snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* A new database file of this test run. */
static int tdb_open(struct tdb *t)
{
	re_snprintf(t->path, sizeof(t->path), "/tmp/sb-store-test-%d-%u.db",
		    (int)getpid(), ++tdb_seq);
	tdb_unlink(t->path);
	t->st = NULL;
	time_clock_set(fake_clock);

	return store_open(&t->st, t->path);
}

static void tdb_close(struct tdb *t)
{
	t->st = mem_deref(t->st);
	tdb_unlink(t->path);
	time_clock_set(NULL);
}

/* Plain sqlite3: the first column of the first row of sql as text. */
static int raw_query(const char *path, const char *sql, char *buf, size_t sz)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int rc;

	buf[0] = '\0';
	rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			str_copy(buf, (const char *)sqlite3_column_text(s, 0),
				 sz);
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);

	return rc == SQLITE_OK ? 0 : EIO;
}

static int raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);

	return rc == SQLITE_OK ? 0 : EIO;
}

static int fx_tenant(struct store *st, const char *name, const char *first,
		     const char *last, int64_t *idp)
{
	struct store_tenant t;
	struct store_number_block b;
	int err;

	memset(&t, 0, sizeof(t));
	str_copy(t.name, name, sizeof(t.name));
	str_copy(t.country_code, "49", sizeof(t.country_code));
	str_copy(t.area_code, "221", sizeof(t.area_code));
	err = store_tenant_add(st, &t);
	if (err || !first)
		goto out;

	memset(&b, 0, sizeof(b));
	b.tenant_id = t.id;
	str_copy(b.first, first, sizeof(b.first));
	str_copy(b.last, last, sizeof(b.last));
	err = store_block_add(st, &b);
out:
	*idp = t.id;
	return err;
}

static int fx_employee(struct store *st, int64_t tenant_id, const char *name,
		       const char *ext, int64_t *idp)
{
	struct store_employee e;
	int err;

	memset(&e, 0, sizeof(e));
	e.tenant_id = tenant_id;
	str_copy(e.first_name, "Test", sizeof(e.first_name));
	str_copy(e.last_name, name, sizeof(e.last_name));
	str_copy(e.extension, ext, sizeof(e.extension));
	err = store_employee_add(st, &e);
	*idp = e.id;

	return err;
}

static int fx_number(struct store *st, const char *e164, bool active,
		     enum store_target type, int64_t target, int64_t *idp)
{
	struct store_number n;
	int err;

	memset(&n, 0, sizeof(n));
	str_copy(n.e164, e164, sizeof(n.e164));
	n.active = active;
	n.target_type = type;
	n.target_id = target;
	err = store_number_add(st, &n);
	*idp = n.id;

	return err;
}

static int fx_announcement(struct store *st, int64_t tenant_id,
			   const char *file, int64_t *idp)
{
	struct store_announcement a;
	int err;

	memset(&a, 0, sizeof(a));
	a.tenant_id = tenant_id;
	str_copy(a.name, "Ansage", sizeof(a.name));
	str_copy(a.file, file, sizeof(a.file));
	err = store_announcement_add(st, &a);
	*idp = a.id;

	return err;
}

static int fx_device(struct store *st, int64_t tenant_id, int64_t emp,
		     const char *username, int64_t *idp)
{
	struct store_device d;
	int err;

	memset(&d, 0, sizeof(d));
	d.tenant_id = tenant_id;
	d.employee_id = emp;
	str_copy(d.username, username, sizeof(d.username));
	str_copy(d.ha1, "0123456789abcdef0123456789abcdef", sizeof(d.ha1));
	str_copy(d.name, "Desk phone", sizeof(d.name));
	err = store_device_add(st, &d);
	*idp = d.id;

	return err;
}

static int fx_trunk(struct store *st, int64_t tenant_id, const char *host,
		    uint16_t port, bool any, int64_t *idp)
{
	struct store_trunk t;
	int err;

	memset(&t, 0, sizeof(t));
	t.tenant_id = tenant_id;
	str_copy(t.name, "Carrier", sizeof(t.name));
	str_copy(t.host, host, sizeof(t.host));
	t.port = port;
	t.match_any_port = any;
	err = store_trunk_add(st, &t);
	*idp = t.id;

	return err;
}

/* ids seen by a list walk, in order */
struct ids {
	int64_t v[16];
	size_t n;
	size_t stop_at; /* return 7 at this call (1-based), 0 = never */
};

static int ids_add(struct ids *ids, int64_t id)
{
	if (ids->n < ARRAY_SIZE(ids->v))
		ids->v[ids->n] = id;
	++ids->n;

	return ids->stop_at && ids->n == ids->stop_at ? 7 : 0;
}

static bool ids_are(const struct ids *ids, size_t n, const int64_t *v)
{
	size_t i;

	if (ids->n != n)
		return false;
	for (i = 0; i < n; i++) {
		if (ids->v[i] != v[i])
			return false;
	}
	return true;
}

static int tenant_id_h(const struct store_tenant *t, void *arg)
{
	return ids_add(arg, t->id);
}

static int employee_id_h(const struct store_employee *e, void *arg)
{
	return ids_add(arg, e->id);
}

static int device_id_h(const struct store_device *d, void *arg)
{
	return ids_add(arg, d->id);
}

static int block_id_h(const struct store_number_block *b, void *arg)
{
	return ids_add(arg, b->id);
}

static int number_id_h(const struct store_number *n, void *arg)
{
	return ids_add(arg, n->id);
}

static int announcement_id_h(const struct store_announcement *a, void *arg)
{
	return ids_add(arg, a->id);
}

static int trunk_id_h(const struct store_trunk *t, void *arg)
{
	return ids_add(arg, t->id);
}

static int reg_id_h(const struct store_registration *r, void *arg)
{
	return ids_add(arg, r->id);
}

static int call_id_h(const struct store_call *c, void *arg)
{
	return ids_add(arg, c->id);
}

/* ---- open and migrate ------------------------------------------------- */

int test_store_open(void)
{
	struct tdb db;
	struct store_tenant t;
	struct store *st2 = NULL;
	int64_t id = 0;
	char buf[32];
	int version, err = 0;

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
	TEST_EQ_INT(raw_query(db.path, "PRAGMA journal_mode", buf, sizeof(buf)),
		    0);
	TEST_EQ_STR(buf, "wal");

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
	char buf[64], sql[160];
	size_t i;
	int latest, err = 0;

	/* a fresh file gives the newest version */
	TEST_EQ_INT(tdb_open(&db), 0);
	latest = store_schema_version(db.st);
	db.st = mem_deref(db.st);
	tdb_unlink(db.path);

	/* a database at version 0 that holds nothing */
	TEST_EQ_INT(raw_exec(db.path, "PRAGMA user_version = 0"), 0);
	TEST_EQ_INT(raw_query(db.path, "PRAGMA user_version", buf, sizeof(buf)),
		    0);
	TEST_EQ_STR(buf, "0");
	TEST_EQ_INT(store_open(&db.st, db.path), 0);
	TEST_EQ_INT(store_schema_version(db.st), latest);
	for (i = 0; i < ARRAY_SIZE(tables); i++) {
		re_snprintf(sql, sizeof(sql),
			    "SELECT count(*) FROM sqlite_master"
			    " WHERE type = 'table' AND name = '%s'",
			    tables[i]);
		TEST_EQ_INT(raw_query(db.path, sql, buf, sizeof(buf)), 0);
		if (strcmp(buf, "1"))
			fprintf(stderr, "  table %s missing\n", tables[i]);
		TEST_EQ_STR(buf, "1");
	}
	TEST_EQ_INT(fx_tenant(db.st, "Kept", NULL, NULL, &id), 0);

	/* opening again changes nothing */
	db.st = mem_deref(db.st);
	TEST_EQ_INT(store_open(&db.st, db.path), 0);
	TEST_EQ_INT(store_schema_version(db.st), latest);
	db.st = mem_deref(db.st);
	TEST_EQ_INT(store_open(&db.st, db.path), 0);
	TEST_EQ_INT(store_schema_version(db.st), latest);
	TEST_EQ_INT(
	    raw_query(db.path, "SELECT name FROM tenants", buf, sizeof(buf)),
	    0);
	TEST_EQ_STR(buf, "Kept");
	db.st = mem_deref(db.st);

	/* a file of a newer build is refused and left alone */
	TEST_EQ_INT(raw_exec(db.path, "PRAGMA user_version = 1000"), 0);
	TEST_EQ_INT(store_open(&st, db.path), EIO);
	TEST_ASSERT(st == NULL);
	TEST_EQ_INT(raw_query(db.path, "PRAGMA user_version", buf, sizeof(buf)),
		    0);
	TEST_EQ_STR(buf, "1000");
	tdb_unlink(db.path);

	/* a failing migration changes nothing: all or nothing */
	TEST_EQ_INT(raw_exec(db.path, "CREATE TABLE calls (x);"
				      "INSERT INTO calls VALUES (42)"),
		    0);
	TEST_EQ_INT(store_open(&st, db.path), EIO);
	TEST_ASSERT(st == NULL);
	TEST_EQ_INT(raw_query(db.path, "PRAGMA user_version", buf, sizeof(buf)),
		    0);
	TEST_EQ_STR(buf, "0");
	TEST_EQ_INT(raw_query(db.path,
			      "SELECT count(*) FROM sqlite_master"
			      " WHERE name = 'tenants'",
			      buf, sizeof(buf)),
		    0);
	TEST_EQ_STR(buf, "0");
	TEST_EQ_INT(raw_query(db.path, "SELECT x FROM calls", buf, sizeof(buf)),
		    0);
	TEST_EQ_STR(buf, "42");
out:
	mem_deref(st);
	tdb_close(&db);
	return err;
}

/* Load the SQL file path (relative to the repository, where the tests run)
 * into a new database file. */
static int raw_exec_file(const char *db_path, const char *sql_path)
{
	char *sql = NULL;
	long n;
	FILE *f;
	int err;

	f = fopen(sql_path, "rb");
	if (!f) {
		fprintf(stderr, "  cannot open %s (run from the repository)\n",
			sql_path);
		return ENOENT;
	}
	err = fseek(f, 0, SEEK_END) ? EIO : 0;
	n = err ? -1 : ftell(f);
	if (n < 0 || fseek(f, 0, SEEK_SET))
		err = EIO;
	if (!err) {
		sql = malloc((size_t)n + 1);
		err = sql ? 0 : ENOMEM;
	}
	if (!err && fread(sql, 1, (size_t)n, f) != (size_t)n)
		err = EIO;
	fclose(f);
	if (!err) {
		sql[n] = '\0';
		err = raw_exec(db_path, sql);
	}
	free(sql);

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

	/* tdb_open() gives a fresh path; start over with the v1 file */
	TEST_EQ_INT(tdb_open(&db), 0);
	db.st = mem_deref(db.st);
	tdb_unlink(db.path);
	TEST_EQ_INT(raw_exec_file(db.path, "test/data/store/v1_demo.sql"), 0);
	TEST_EQ_INT(raw_query(db.path, "PRAGMA user_version", buf, sizeof(buf)),
		    0);
	TEST_EQ_STR(buf, "1");
	TEST_EQ_INT(raw_query(db.path,
			      "SELECT count(*) FROM pragma_table_info('trunks')"
			      " WHERE name = 'register'",
			      buf, sizeof(buf)),
		    0);
	TEST_EQ_STR(buf, "0");

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
	TEST_EQ_INT(raw_query(db.path, "SELECT count(*) FROM api_tokens", buf,
			      sizeof(buf)),
		    0);
	TEST_EQ_STR(buf, "1");

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
	TEST_EQ_STR(g.transport, "tcp");
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

static int check_cut(struct store *st, int64_t id, uint64_t ended,
		     uint64_t answered);
static int check_live(struct store *st, int64_t id);

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
	char buf[64];
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	db.st = mem_deref(db.st);
	tdb_unlink(db.path);
	TEST_EQ_INT(raw_exec_file(db.path, "test/data/store/v3_live_calls.sql"),
		    0);
	TEST_EQ_INT(raw_query(db.path, "PRAGMA user_version", buf, sizeof(buf)),
		    0);
	TEST_EQ_STR(buf, "3");
	TEST_EQ_INT(raw_query(db.path,
			      "SELECT count(*) FROM sqlite_master"
			      " WHERE name = 'nodes'",
			      buf, sizeof(buf)),
		    0);
	TEST_EQ_STR(buf, "0");

	TEST_EQ_INT(store_open(&db.st, db.path), 0);
	TEST_ASSERT(store_schema_version(db.st) >= 4);
	TEST_EQ_INT(
	    raw_query(db.path, "SELECT count(*) FROM nodes", buf, sizeof(buf)),
	    0);
	TEST_EQ_STR(buf, "0");
	TEST_EQ_INT(
	    raw_query(db.path, "SELECT count(*) FROM calls", buf, sizeof(buf)),
	    0);
	TEST_EQ_STR(buf, "4");

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
	TEST_EQ_STR(g.disposition, "answered");
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

/* ---- tenants ---------------------------------------------------------- */

enum dep {
	DEP_EMPLOYEE,
	DEP_DEVICE,
	DEP_BLOCK,
	DEP_NUMBER,
	DEP_ANNOUNCEMENT,
	DEP_TRUNK,
};

int test_store_tenant(void)
{
	static const struct {
		const char *name, *cc, *central;
	} bad[] = {
	    {"", "49", ""},
	    {"Acme", "4a", ""},
	    {"Acme", "49", "022182829900"},
	};
	static const enum dep deps[] = {
	    DEP_EMPLOYEE, DEP_DEVICE,       DEP_BLOCK,
	    DEP_NUMBER,   DEP_ANNOUNCEMENT, DEP_TRUNK,
	};
	struct tdb db;
	struct store_tenant t, g;
	struct store_token tok;
	struct ids ids;
	int64_t id1, id2, dep_id, num_id;
	size_t i;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&t, 0, sizeof(t));
		str_copy(t.name, bad[i].name, sizeof(t.name));
		str_copy(t.country_code, bad[i].cc, sizeof(t.country_code));
		str_copy(t.central_number, bad[i].central,
			 sizeof(t.central_number));
		TEST_EQ_INT(store_tenant_add(db.st, &t), EINVAL);
	}

	memset(&t, 0, sizeof(t));
	str_copy(t.name, "Mustermann AG", sizeof(t.name));
	str_copy(t.country_code, "49", sizeof(t.country_code));
	str_copy(t.area_code, "221", sizeof(t.area_code));
	str_copy(t.central_number, "+4922182829900", sizeof(t.central_number));
	TEST_EQ_INT(store_tenant_add(db.st, &t), 0);
	TEST_ASSERT(t.id > 0);
	TEST_EQ_INT(t.created_at, T0);
	id1 = t.id;

	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_tenant_get(db.st, id1, &g), 0);
	TEST_EQ_INT(g.id, id1);
	TEST_EQ_STR(g.name, "Mustermann AG");
	TEST_EQ_STR(g.country_code, "49");
	TEST_EQ_STR(g.area_code, "221");
	TEST_EQ_STR(g.central_number, "+4922182829900");
	TEST_EQ_INT(g.created_at, T0);
	TEST_EQ_INT(store_tenant_get(db.st, id1 + 100, &g), ENOENT);
	TEST_EQ_INT(store_tenant_get(db.st, 0, &g), EINVAL);

	/* an explicit created_at is kept */
	memset(&t, 0, sizeof(t));
	str_copy(t.name, "Beispiel GmbH", sizeof(t.name));
	t.created_at = 1234;
	TEST_EQ_INT(store_tenant_add(db.st, &t), 0);
	id2 = t.id;
	TEST_EQ_INT(store_tenant_get(db.st, id2, &g), 0);
	TEST_EQ_INT(g.created_at, 1234);

	/* update */
	TEST_EQ_INT(store_tenant_get(db.st, id1, &g), 0);
	str_copy(g.name, "Mustermann & Söhne AG", sizeof(g.name));
	str_copy(g.central_number, "", sizeof(g.central_number));
	TEST_EQ_INT(store_tenant_update(db.st, &g), 0);
	TEST_EQ_INT(store_tenant_get(db.st, id1, &g), 0);
	TEST_EQ_STR(g.name, "Mustermann & Söhne AG");
	TEST_EQ_STR(g.central_number, "");
	TEST_EQ_INT(g.created_at, T0);
	g.id = id2 + 100;
	TEST_EQ_INT(store_tenant_update(db.st, &g), ENOENT);

	/* long strings are truncated to the field */
	memset(&t, 'x', sizeof(t));
	t.id = 0;
	t.name[sizeof(t.name) - 1] = 'y'; /* not even terminated */
	t.country_code[0] = '\0';
	t.area_code[0] = '\0';
	t.central_number[0] = '\0';
	t.created_at = 0;
	TEST_EQ_INT(store_tenant_add(db.st, &t), 0);
	TEST_EQ_INT(store_tenant_get(db.st, t.id, &g), 0);
	TEST_EQ_INT(strlen(g.name), sizeof(g.name) - 1);
	TEST_EQ_INT(store_tenant_delete(db.st, t.id), 0);

	/* list in id order; a handler's non-0 stops the walk */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_tenant_list(db.st, tenant_id_h, &ids), 0);
	{
		const int64_t want[] = {id1, id2};
		TEST_ASSERT(ids_are(&ids, 2, want));
	}
	memset(&ids, 0, sizeof(ids));
	ids.stop_at = 1;
	TEST_EQ_INT(store_tenant_list(db.st, tenant_id_h, &ids), 7);
	TEST_EQ_INT(ids.n, 1);

	/* delete: EBUSY while anything of the tenant exists */
	for (i = 0; i < ARRAY_SIZE(deps); i++) {
		int64_t tid;

		TEST_EQ_INT(fx_tenant(db.st, "Busy", NULL, NULL, &tid), 0);
		switch (deps[i]) {
		case DEP_EMPLOYEE:
			TEST_EQ_INT(fx_employee(db.st, tid, "E", "", &dep_id),
				    0);
			TEST_EQ_INT(store_tenant_delete(db.st, tid), EBUSY);
			TEST_EQ_INT(store_employee_delete(db.st, dep_id), 0);
			break;

		case DEP_DEVICE:
			TEST_EQ_INT(fx_device(db.st, tid, 0, "busy", &dep_id),
				    0);
			TEST_EQ_INT(store_tenant_delete(db.st, tid), EBUSY);
			TEST_EQ_INT(store_device_delete(db.st, dep_id), 0);
			break;

		case DEP_BLOCK:
		case DEP_NUMBER: {
			struct store_number_block b;

			memset(&b, 0, sizeof(b));
			b.tenant_id = tid;
			str_copy(b.first, "+49301000", sizeof(b.first));
			str_copy(b.last, "+49301999", sizeof(b.last));
			TEST_EQ_INT(store_block_add(db.st, &b), 0);
			num_id = 0;
			if (deps[i] == DEP_NUMBER)
				TEST_EQ_INT(fx_number(db.st, "+49301500", true,
						      TARGET_NONE, 0, &num_id),
					    0);
			TEST_EQ_INT(store_tenant_delete(db.st, tid), EBUSY);
			if (num_id) {
				TEST_EQ_INT(store_number_delete(db.st, num_id),
					    0);
				TEST_EQ_INT(store_tenant_delete(db.st, tid),
					    EBUSY);
			}
			TEST_EQ_INT(store_block_delete(db.st, b.id), 0);
			break;
		}

		case DEP_ANNOUNCEMENT:
			TEST_EQ_INT(
			    fx_announcement(db.st, tid, "a.wav", &dep_id), 0);
			TEST_EQ_INT(store_tenant_delete(db.st, tid), EBUSY);
			TEST_EQ_INT(store_announcement_delete(db.st, dep_id),
				    0);
			break;

		case DEP_TRUNK:
			TEST_EQ_INT(fx_trunk(db.st, tid, "192.0.2.1", 5060,
					     false, &dep_id),
				    0);
			TEST_EQ_INT(store_tenant_delete(db.st, tid), EBUSY);
			TEST_EQ_INT(store_trunk_delete(db.st, dep_id), 0);
			break;
		}

		TEST_EQ_INT(store_tenant_delete(db.st, tid), 0);
		TEST_EQ_INT(store_tenant_get(db.st, tid, &g), ENOENT);
	}

	/* a tenant's tokens go with it; deleting twice is ENOENT */
	memset(&tok, 0, sizeof(tok));
	str_copy(tok.role, "tenant", sizeof(tok.role));
	tok.tenant_id = id2;
	TEST_EQ_INT(store_token_add(db.st, "tenant-token-1", &tok), 0);
	TEST_EQ_INT(store_tenant_delete(db.st, id2), 0);
	TEST_EQ_INT(store_token_check(db.st, "tenant-token-1", &tok), ENOENT);
	TEST_EQ_INT(store_tenant_delete(db.st, id2), ENOENT);
	TEST_EQ_INT(store_tenant_delete(db.st, 0), EINVAL);
out:
	tdb_close(&db);
	return err;
}

/* ---- employees and devices -------------------------------------------- */

int test_store_employee(void)
{
	struct tdb db;
	struct store_employee e, g;
	struct store_number n;
	struct store_device d;
	struct store_registration r;
	struct ids ids;
	int64_t t1, t2, e1, e2, e3, e4, e5, pn, on, dev;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(
	    fx_tenant(db.st, "One", "+4922182829900", "+4922182829999", &t1),
	    0);
	TEST_EQ_INT(fx_tenant(db.st, "Two", NULL, NULL, &t2), 0);

	memset(&e, 0, sizeof(e));
	e.tenant_id = t1;
	str_copy(e.first_name, "Max", sizeof(e.first_name));
	str_copy(e.last_name, "Mustermann", sizeof(e.last_name));
	str_copy(e.email, "max@example.org", sizeof(e.email));
	str_copy(e.extension, "1001", sizeof(e.extension));
	str_copy(e.personal_number, "+4922182829901",
		 sizeof(e.personal_number)); /* ignored by add */
	e.show_personal_number = true;
	TEST_EQ_INT(store_employee_add(db.st, &e), 0);
	TEST_ASSERT(e.id > 0);
	TEST_EQ_STR(e.personal_number, "");
	TEST_EQ_INT(e.created_at, T0);
	e1 = e.id;

	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_employee_get(db.st, e1, &g), 0);
	TEST_EQ_INT(g.id, e1);
	TEST_EQ_INT(g.tenant_id, t1);
	TEST_EQ_STR(g.first_name, "Max");
	TEST_EQ_STR(g.last_name, "Mustermann");
	TEST_EQ_STR(g.email, "max@example.org");
	TEST_EQ_STR(g.extension, "1001");
	TEST_EQ_STR(g.personal_number, "");
	TEST_ASSERT(g.show_personal_number);
	TEST_EQ_INT(g.created_at, T0);

	/* extension unique per tenant, "" any number of times */
	TEST_EQ_INT(fx_employee(db.st, t1, "Dup", "1001", &e2), EEXIST);
	TEST_EQ_INT(fx_employee(db.st, t2, "Other", "1001", &e2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "NoExt1", "", &e3), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "NoExt2", "", &e4), 0);
	TEST_EQ_INT(fx_employee(db.st, t1 + 100, "Nobody", "", &e5), ENOENT);
	TEST_EQ_INT(fx_employee(db.st, t1, "Bad", "10a", &e5), EINVAL);
	TEST_EQ_INT(fx_employee(db.st, 0, "Bad", "", &e5), EINVAL);
	memset(&e, 0, sizeof(e));
	e.tenant_id = t1;
	TEST_EQ_INT(store_employee_add(db.st, &e), EINVAL); /* no name */

	TEST_EQ_INT(store_employee_by_extension(db.st, t1, "1001", &g), 0);
	TEST_EQ_INT(g.id, e1);
	TEST_EQ_INT(store_employee_by_extension(db.st, t2, "1001", &g), 0);
	TEST_EQ_INT(g.id, e2);
	TEST_EQ_INT(store_employee_by_extension(db.st, t1, "1999", &g), ENOENT);
	TEST_EQ_INT(store_employee_by_extension(db.st, t1, "", &g), EINVAL);

	/* update */
	TEST_EQ_INT(store_employee_get(db.st, e3, &e), 0);
	str_copy(e.last_name, "Renamed", sizeof(e.last_name));
	str_copy(e.extension, "1003", sizeof(e.extension));
	e.show_personal_number = true;
	TEST_EQ_INT(store_employee_update(db.st, &e), 0);
	TEST_EQ_INT(store_employee_get(db.st, e3, &g), 0);
	TEST_EQ_STR(g.last_name, "Renamed");
	TEST_EQ_STR(g.extension, "1003");
	TEST_ASSERT(g.show_personal_number);
	str_copy(e.extension, "1001", sizeof(e.extension));
	TEST_EQ_INT(store_employee_update(db.st, &e), EEXIST);
	str_copy(e.extension, "1003", sizeof(e.extension));
	e.tenant_id = t2;
	TEST_EQ_INT(store_employee_update(db.st, &e), EXDEV);
	e.tenant_id = t1;
	e.id = e4 + 100;
	TEST_EQ_INT(store_employee_update(db.st, &e), ENOENT);

	/* list by tenant and all */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_employee_list(db.st, t1, employee_id_h, &ids), 0);
	{
		const int64_t want[] = {e1, e3, e4};
		TEST_ASSERT(ids_are(&ids, 3, want));
	}
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_employee_list(db.st, 0, employee_id_h, &ids), 0);
	{
		const int64_t want[] = {e1, e2, e3, e4};
		TEST_ASSERT(ids_are(&ids, 4, want));
	}

	/* delete: personal and routed numbers freed, devices and their
	 * registrations gone */
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829901", true, TARGET_NONE, 0, &pn), 0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829900", true, TARGET_EMPLOYEE, e1, &on),
	    0);
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, "+4922182829901"),
		    0);
	TEST_EQ_INT(store_employee_list(db.st, t1, employee_id_h, &ids), 0);
	TEST_EQ_INT(store_employee_get(db.st, e1, &g), 0);
	TEST_EQ_STR(g.personal_number, "+4922182829901");
	TEST_EQ_INT(fx_device(db.st, t1, e1, "1001", &dev), 0);
	memset(&r, 0, sizeof(r));
	r.device_id = dev;
	str_copy(r.contact, "sip:1001@192.0.2.10:5060", sizeof(r.contact));
	r.expires_at = T0 + 60000;
	TEST_EQ_INT(store_reg_save(db.st, &r), 0);

	TEST_EQ_INT(store_employee_delete(db.st, e1), 0);
	TEST_EQ_INT(store_employee_get(db.st, e1, &g), ENOENT);
	TEST_EQ_INT(store_number_get(db.st, pn, &n), 0);
	TEST_EQ_INT(n.target_type, TARGET_NONE);
	TEST_EQ_INT(n.target_id, 0);
	TEST_ASSERT(!n.personal);
	TEST_ASSERT(n.active);
	TEST_EQ_INT(store_number_get(db.st, on, &n), 0);
	TEST_EQ_INT(n.target_type, TARGET_NONE);
	TEST_EQ_INT(store_device_get(db.st, dev, &d), ENOENT);
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list(db.st, 0, T0, reg_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 0);
	TEST_EQ_INT(store_employee_delete(db.st, e1), ENOENT);

	/* its extension is free again */
	TEST_EQ_INT(fx_employee(db.st, t1, "New", "1001", &e5), 0);
out:
	tdb_close(&db);
	return err;
}

int test_store_device(void)
{
	struct tdb db;
	struct store_device d, g;
	struct ids ids;
	int64_t t1, t2, e1, e2, eo, d1, d2, d3, x;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenant(db.st, "One", NULL, NULL, &t1), 0);
	TEST_EQ_INT(fx_tenant(db.st, "Two", NULL, NULL, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "A", "1001", &e1), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "B", "1002", &e2), 0);
	TEST_EQ_INT(fx_employee(db.st, t2, "O", "1001", &eo), 0);

	memset(&d, 0, sizeof(d));
	d.tenant_id = t1;
	d.employee_id = e1;
	str_copy(d.username, "1001", sizeof(d.username));
	str_copy(d.ha1, "0123456789ABCDEF0123456789ABCDEF", sizeof(d.ha1));
	str_copy(d.name, "Tischtelefon", sizeof(d.name));
	TEST_EQ_INT(store_device_add(db.st, &d), 0);
	TEST_ASSERT(d.id > 0);
	TEST_EQ_INT(d.created_at, T0);
	d1 = d.id;

	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_device_by_username(db.st, "1001", &g), 0);
	TEST_EQ_INT(g.id, d1);
	TEST_EQ_INT(g.tenant_id, t1);
	TEST_EQ_INT(g.employee_id, e1);
	TEST_EQ_STR(g.username, "1001");
	TEST_EQ_STR(g.ha1, "0123456789abcdef0123456789abcdef");
	TEST_EQ_STR(g.name, "Tischtelefon");
	TEST_EQ_INT(g.created_at, T0);
	TEST_EQ_INT(store_device_get(db.st, d1, &g), 0);
	TEST_EQ_STR(g.username, "1001");
	TEST_EQ_INT(store_device_by_username(db.st, "1002", &g), ENOENT);

	/* username unique over all tenants; employee of the same tenant */
	TEST_EQ_INT(fx_device(db.st, t2, 0, "1001", &x), EEXIST);
	TEST_EQ_INT(fx_device(db.st, t1, eo, "1009", &x), EXDEV);
	TEST_EQ_INT(fx_device(db.st, t1, e2 + 100, "1009", &x), ENOENT);
	TEST_EQ_INT(fx_device(db.st, t2 + 100, 0, "1009", &x), ENOENT);
	TEST_EQ_INT(fx_device(db.st, t1, 0, "", &x), EINVAL);
	d.id = 0;
	str_copy(d.username, "1009", sizeof(d.username));
	str_copy(d.ha1, "xyz", sizeof(d.ha1));
	TEST_EQ_INT(store_device_add(db.st, &d), EINVAL);

	TEST_EQ_INT(fx_device(db.st, t1, e1, "1011", &d2), 0);
	TEST_EQ_INT(fx_device(db.st, t1, e2, "1002", &d3), 0);
	TEST_EQ_INT(fx_device(db.st, t2, eo, "2001", &x), 0);

	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_device_list(db.st, t1, 0, device_id_h, &ids), 0);
	{
		const int64_t want[] = {d1, d2, d3};
		TEST_ASSERT(ids_are(&ids, 3, want));
	}
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_device_list(db.st, 0, e1, device_id_h, &ids), 0);
	{
		const int64_t want[] = {d1, d2};
		TEST_ASSERT(ids_are(&ids, 2, want));
	}
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_device_list(db.st, 0, 0, device_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 4);

	/* update: new name, unassigned, other username */
	TEST_EQ_INT(store_device_get(db.st, d2, &d), 0);
	str_copy(d.name, "Softclient", sizeof(d.name));
	str_copy(d.username, "1012", sizeof(d.username));
	d.employee_id = 0;
	TEST_EQ_INT(store_device_update(db.st, &d), 0);
	TEST_EQ_INT(store_device_by_username(db.st, "1012", &g), 0);
	TEST_EQ_INT(g.id, d2);
	TEST_EQ_INT(g.employee_id, 0);
	TEST_EQ_STR(g.name, "Softclient");
	TEST_EQ_INT(store_device_by_username(db.st, "1011", &g), ENOENT);
	str_copy(d.username, "1002", sizeof(d.username));
	TEST_EQ_INT(store_device_update(db.st, &d), EEXIST);
	str_copy(d.username, "1012", sizeof(d.username));
	d.employee_id = eo;
	TEST_EQ_INT(store_device_update(db.st, &d), EXDEV);
	d.employee_id = 0;
	d.tenant_id = t2;
	TEST_EQ_INT(store_device_update(db.st, &d), EXDEV);
	d.tenant_id = t1;
	d.id = x + 100;
	TEST_EQ_INT(store_device_update(db.st, &d), ENOENT);

	TEST_EQ_INT(store_device_delete(db.st, d2), 0);
	TEST_EQ_INT(store_device_get(db.st, d2, &g), ENOENT);
	TEST_EQ_INT(store_device_delete(db.st, d2), ENOENT);
out:
	tdb_close(&db);
	return err;
}

/* ---- number blocks and numbers ---------------------------------------- */

int test_store_block(void)
{
	/* tenant: 1 or 2 of the fixture, 9 = a missing one */
	static const struct {
		const char *first, *last;
		int tenant;
		int want;
	} v[] = {
	    {"+4922182829900", "+4922182829999", 1, 0},
	    {"+4922182829999", "+4922182829900", 1, ERANGE},
	    {"+4922182829900", "+492218282999", 1, ERANGE},
	    {"+4922182829950", "+4922182829960", 2, EEXIST},
	    {"+4922182829800", "+4922182829900", 1, EEXIST},
	    {"+4922182829999", "+4922182830000", 2, EEXIST},
	    {"+4922182829000", "+4922182839999", 1, EEXIST},
	    {"+4922182829900", "+4922182829900", 1, EEXIST},
	    {"+4922182830000", "+4922182830099", 2, 0},
	    {"+4922182829800", "+4922182829899", 1, 0},
	    {"+492218282990", "+492218282999", 1, 0},
	    {"4922182831000", "+4922182831099", 1, EINVAL},
	    {"+4922182831000", "+4922182831099", 9, ENOENT},
	    {"+4922182831000", "+4922182831000", 2, 0},
	};
	struct tdb db;
	struct store_number_block b, g;
	struct store_number n;
	struct ids ids;
	int64_t t[3] = {0}, id[ARRAY_SIZE(v)], nid, x;
	size_t i;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenant(db.st, "One", NULL, NULL, &t[1]), 0);
	TEST_EQ_INT(fx_tenant(db.st, "Two", NULL, NULL, &t[2]), 0);

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		int r;

		memset(&b, 0, sizeof(b));
		b.tenant_id = v[i].tenant < 3 ? t[v[i].tenant] : 999;
		str_copy(b.first, v[i].first, sizeof(b.first));
		str_copy(b.last, v[i].last, sizeof(b.last));
		r = store_block_add(db.st, &b);
		if (r != v[i].want)
			fprintf(stderr, "  block %s..%s: %d, want %d\n",
				v[i].first, v[i].last, r, v[i].want);
		TEST_EQ_INT(r, v[i].want);
		id[i] = r ? 0 : b.id;
	}

	TEST_EQ_INT(store_block_get(db.st, id[0], &g), 0);
	TEST_EQ_INT(g.tenant_id, t[1]);
	TEST_EQ_STR(g.first, "+4922182829900");
	TEST_EQ_STR(g.last, "+4922182829999");
	TEST_EQ_INT(g.created_at, T0);
	TEST_EQ_INT(store_block_get(db.st, id[0] + 100, &g), ENOENT);

	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_block_list(db.st, t[1], block_id_h, &ids), 0);
	{
		const int64_t want[] = {id[0], id[9], id[10]};
		TEST_ASSERT(ids_are(&ids, 3, want));
	}
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_block_list(db.st, 0, block_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 5);

	/* numbers must lie in a block of their tenant */
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182831234", true, TARGET_NONE, 0, &x),
	    ERANGE);
	TEST_EQ_INT(
	    fx_number(db.st, "+492218282995", true, TARGET_NONE, 0, &nid), 0);
	TEST_EQ_INT(store_number_get(db.st, nid, &n), 0);
	TEST_EQ_INT(n.block_id, id[10]); /* the 12-digit block */
	memset(&n, 0, sizeof(n));
	n.tenant_id = t[1];
	str_copy(n.e164, "+4922182830050", sizeof(n.e164));
	TEST_EQ_INT(store_number_add(db.st, &n), ERANGE); /* t2's block */
	n.tenant_id = 0;
	TEST_EQ_INT(store_number_add(db.st, &n), 0);
	TEST_EQ_INT(n.tenant_id, t[2]);
	TEST_EQ_INT(n.block_id, id[8]);

	/* a block with numbers stays */
	TEST_EQ_INT(store_block_delete(db.st, id[8]), EBUSY);
	TEST_EQ_INT(store_number_delete(db.st, n.id), 0);
	TEST_EQ_INT(store_block_delete(db.st, id[8]), 0);
	TEST_EQ_INT(store_block_get(db.st, id[8], &g), ENOENT);
	TEST_EQ_INT(store_block_delete(db.st, id[8]), ENOENT);
out:
	tdb_close(&db);
	return err;
}

int test_store_number(void)
{
	struct tdb db;
	struct store_number n, g;
	struct ids ids;
	int64_t t1, t2, e1, eo, a1, ao, n1, n2, n3, x;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(
	    fx_tenant(db.st, "One", "+4922182829900", "+4922182829999", &t1),
	    0);
	TEST_EQ_INT(fx_tenant(db.st, "Two", "+4930123400", "+4930123499", &t2),
		    0);
	TEST_EQ_INT(fx_employee(db.st, t1, "A", "1001", &e1), 0);
	TEST_EQ_INT(fx_employee(db.st, t2, "O", "1001", &eo), 0);
	TEST_EQ_INT(fx_announcement(db.st, t1, "a.wav", &a1), 0);
	TEST_EQ_INT(fx_announcement(db.st, t2, "o.wav", &ao), 0);

	{
		static const struct {
			const char *e164;
			int type;   /* enum store_target, 7 = unknown */
			int target; /* 1 ours, 2 other tenant's, 9 missing */
			int want;
		} v[] = {
		    {"+49221", TARGET_NONE, 0, EINVAL},
		    {"+4922182839901", TARGET_NONE, 0, ERANGE},
		    {"+4922182829910", TARGET_EMPLOYEE, 9, ENOENT},
		    {"+4922182829910", TARGET_ANNOUNCEMENT, 9, ENOENT},
		    {"+4922182829910", TARGET_EMPLOYEE, 2, EXDEV},
		    {"+4922182829910", TARGET_ANNOUNCEMENT, 2, EXDEV},
		    {"+4922182829910", 7, 1, EINVAL},
		    {"+4922182829910", TARGET_EMPLOYEE, 0, EINVAL},
		};
		size_t i;

		for (i = 0; i < ARRAY_SIZE(v); i++) {
			int64_t tid = 0;

			if (v[i].target == 1)
				tid =
				    v[i].type == TARGET_ANNOUNCEMENT ? a1 : e1;
			else if (v[i].target == 2)
				tid =
				    v[i].type == TARGET_ANNOUNCEMENT ? ao : eo;
			else if (v[i].target == 9)
				tid = 999;
			TEST_EQ_INT(fx_number(db.st, v[i].e164, true,
					      (enum store_target)v[i].type, tid,
					      &x),
				    v[i].want);
		}
	}

	/* a number routed to an employee is an ordinary number */
	memset(&n, 0, sizeof(n));
	str_copy(n.e164, "+4922182829900", sizeof(n.e164));
	n.active = true;
	n.target_type = TARGET_EMPLOYEE;
	n.target_id = e1;
	str_copy(n.description, "Zentrale", sizeof(n.description));
	TEST_EQ_INT(store_number_add(db.st, &n), 0);
	n1 = n.id;
	TEST_EQ_INT(n.tenant_id, t1);
	TEST_ASSERT(n.block_id > 0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829900", true, TARGET_NONE, 0, &x),
	    EEXIST);

	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_number_by_e164(db.st, "+4922182829900", &g), 0);
	TEST_EQ_INT(g.id, n1);
	TEST_EQ_INT(g.tenant_id, t1);
	TEST_EQ_INT(g.block_id, n.block_id);
	TEST_EQ_STR(g.e164, "+4922182829900");
	TEST_ASSERT(g.active);
	TEST_EQ_INT(g.target_type, TARGET_EMPLOYEE);
	TEST_EQ_INT(g.target_id, e1);
	TEST_ASSERT(!g.personal);
	TEST_EQ_STR(g.description, "Zentrale");
	TEST_EQ_INT(g.created_at, T0);
	TEST_EQ_INT(store_number_by_e164(db.st, "+4922182829901", &g), ENOENT);

	TEST_EQ_INT(fx_number(db.st, "+4922182829990", true,
			      TARGET_ANNOUNCEMENT, a1, &n2),
		    0);
	TEST_EQ_INT(fx_number(db.st, "+4930123401", false, TARGET_NONE, 0, &n3),
		    0);
	TEST_EQ_INT(store_number_get(db.st, n3, &g), 0);
	TEST_EQ_INT(g.tenant_id, t2);
	TEST_ASSERT(!g.active);
	TEST_EQ_INT(g.target_type, TARGET_NONE);

	/* update: target, active, description; same rules as add */
	TEST_EQ_INT(store_number_get(db.st, n1, &n), 0);
	n.target_type = TARGET_ANNOUNCEMENT;
	n.target_id = a1;
	n.active = false;
	str_copy(n.description, "Nachts", sizeof(n.description));
	TEST_EQ_INT(store_number_update(db.st, &n), 0);
	TEST_EQ_INT(store_number_get(db.st, n1, &g), 0);
	TEST_EQ_INT(g.target_type, TARGET_ANNOUNCEMENT);
	TEST_EQ_INT(g.target_id, a1);
	TEST_ASSERT(!g.active);
	TEST_EQ_STR(g.description, "Nachts");
	TEST_EQ_STR(g.e164, "+4922182829900");
	n.target_id = ao;
	TEST_EQ_INT(store_number_update(db.st, &n), EXDEV);
	n.target_id = 999;
	TEST_EQ_INT(store_number_update(db.st, &n), ENOENT);
	n.target_type = TARGET_NONE;
	TEST_EQ_INT(store_number_update(db.st, &n), 0);
	TEST_EQ_INT(store_number_get(db.st, n1, &g), 0);
	TEST_EQ_INT(g.target_type, TARGET_NONE);
	TEST_EQ_INT(g.target_id, 0);
	n.id = n3 + 100;
	TEST_EQ_INT(store_number_update(db.st, &n), ENOENT);

	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_number_list(db.st, t1, number_id_h, &ids), 0);
	{
		const int64_t want[] = {n1, n2};
		TEST_ASSERT(ids_are(&ids, 2, want));
	}
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_number_list(db.st, 0, number_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 3);

	TEST_EQ_INT(store_number_delete(db.st, n2), 0);
	TEST_EQ_INT(store_number_get(db.st, n2, &g), ENOENT);
	TEST_EQ_INT(store_number_delete(db.st, n2), ENOENT);
out:
	tdb_close(&db);
	return err;
}

/* ---- personal numbers (seeds/003) ------------------------------------- */

/* The employee's personal number and the number's state agree. */
static int check_personal(struct store *st, int64_t emp, int64_t num,
			  bool is_personal)
{
	struct store_employee e;
	struct store_number n;
	int err = 0;

	TEST_EQ_INT(store_employee_get(st, emp, &e), 0);
	TEST_EQ_INT(store_number_get(st, num, &n), 0);
	if (is_personal) {
		TEST_EQ_STR(e.personal_number, n.e164);
		TEST_ASSERT(n.personal);
		TEST_EQ_INT(n.target_type, TARGET_EMPLOYEE);
		TEST_EQ_INT(n.target_id, emp);
	}
	else {
		TEST_ASSERT(strcmp(e.personal_number, n.e164) != 0);
		TEST_ASSERT(!n.personal);
	}
out:
	return err;
}

int test_store_personal(void)
{
	struct tdb db;
	struct store_employee e;
	struct store_number n;
	int64_t t1, t2, e1, e2, eo, a1;
	int64_t free1, free2, off, ann, to_e2, to_e1, other;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(
	    fx_tenant(db.st, "One", "+4922182829900", "+4922182829999", &t1),
	    0);
	TEST_EQ_INT(fx_tenant(db.st, "Two", "+4930123400", "+4930123499", &t2),
		    0);
	TEST_EQ_INT(fx_employee(db.st, t1, "E1", "1001", &e1), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "E2", "1002", &e2), 0);
	TEST_EQ_INT(fx_employee(db.st, t2, "EO", "1001", &eo), 0);
	TEST_EQ_INT(fx_announcement(db.st, t1, "a.wav", &a1), 0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829901", true, TARGET_NONE, 0, &free1),
	    0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829902", true, TARGET_NONE, 0, &free2),
	    0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829903", false, TARGET_NONE, 0, &off), 0);
	TEST_EQ_INT(fx_number(db.st, "+4922182829990", true,
			      TARGET_ANNOUNCEMENT, a1, &ann),
		    0);
	TEST_EQ_INT(fx_number(db.st, "+4922182829904", true, TARGET_EMPLOYEE,
			      e2, &to_e2),
		    0);
	TEST_EQ_INT(fx_number(db.st, "+4922182829905", true, TARGET_EMPLOYEE,
			      e1, &to_e1),
		    0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4930123401", true, TARGET_NONE, 0, &other), 0);

	/* the rules, in the order they are checked */
	{
		const struct {
			int64_t emp;
			const char *e164;
			int want;
		} v[] = {
		    {e1, "+4922182829977", ENOENT}, /* not a number */
		    {e1, "+49999", ENOENT},
		    {e1 + 100, "+4922182829901", ENOENT},
		    {e1, "+4930123401", EXDEV},     /* other tenant */
		    {e1, "+4922182829903", EACCES}, /* inactive */
		    {e1, "+4922182829990", EBUSY},  /* announcement */
		    {e1, "+4922182829904", EBUSY},  /* routed to e2 */
		    {0, "+4922182829901", EINVAL},
		};
		size_t i;

		for (i = 0; i < ARRAY_SIZE(v); i++) {
			int r = store_employee_set_personal(db.st, v[i].emp,
							    v[i].e164);
			if (r != v[i].want)
				fprintf(stderr, "  case %zu: %d, want %d\n", i,
					r, v[i].want);
			TEST_EQ_INT(r, v[i].want);
		}
	}
	/* nothing changed by the failures */
	TEST_EQ_INT(store_employee_get(db.st, e1, &e), 0);
	TEST_EQ_STR(e.personal_number, "");
	TEST_EQ_INT(store_number_get(db.st, ann, &n), 0);
	TEST_EQ_INT(n.target_type, TARGET_ANNOUNCEMENT);

	/* a free number becomes personal and routed to the employee */
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, "+4922182829901"),
		    0);
	TEST_EQ_INT(check_personal(db.st, e1, free1, true), 0);

	/* nobody else can have it */
	TEST_EQ_INT(store_employee_set_personal(db.st, e2, "+4922182829901"),
		    EBUSY);
	TEST_EQ_INT(check_personal(db.st, e1, free1, true), 0);

	/* a number already routed to the employee is free for it; the old
	 * personal number is released, still active */
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, "+4922182829905"),
		    0);
	TEST_EQ_INT(check_personal(db.st, e1, to_e1, true), 0);
	TEST_EQ_INT(store_number_get(db.st, free1, &n), 0);
	TEST_ASSERT(!n.personal);
	TEST_ASSERT(n.active);
	TEST_EQ_INT(n.target_type, TARGET_NONE);
	TEST_EQ_INT(n.target_id, 0);
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, "+4922182829905"),
		    0);
	TEST_EQ_INT(check_personal(db.st, e1, to_e1, true), 0);

	/* a personal number keeps its employee as target */
	TEST_EQ_INT(store_number_get(db.st, to_e1, &n), 0);
	n.target_type = TARGET_ANNOUNCEMENT;
	n.target_id = a1;
	TEST_EQ_INT(store_number_update(db.st, &n), EPERM);
	n.target_type = TARGET_EMPLOYEE;
	n.target_id = e2;
	TEST_EQ_INT(store_number_update(db.st, &n), EPERM);
	n.target_type = TARGET_NONE;
	n.target_id = 0;
	TEST_EQ_INT(store_number_update(db.st, &n), EPERM);
	n.target_type = TARGET_EMPLOYEE;
	n.target_id = e1;
	str_copy(n.description, "Max direkt", sizeof(n.description));
	TEST_EQ_INT(store_number_update(db.st, &n), 0);
	TEST_EQ_INT(store_number_get(db.st, to_e1, &n), 0);
	TEST_EQ_STR(n.description, "Max direkt");
	TEST_EQ_INT(check_personal(db.st, e1, to_e1, true), 0);

	/* "" and NULL remove it: the employee has a fault */
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, ""), 0);
	TEST_EQ_INT(check_personal(db.st, e1, to_e1, false), 0);
	TEST_EQ_INT(store_employee_get(db.st, e1, &e), 0);
	TEST_EQ_STR(e.personal_number, "");
	TEST_EQ_INT(store_number_get(db.st, to_e1, &n), 0);
	TEST_EQ_INT(n.target_type, TARGET_NONE);
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, "+4922182829901"),
		    0);
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, NULL), 0);
	TEST_EQ_INT(check_personal(db.st, e1, free1, false), 0);
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, NULL), 0);

	/* deactivating a personal number takes it from the employee */
	TEST_EQ_INT(store_employee_set_personal(db.st, e2, "+4922182829902"),
		    0);
	TEST_EQ_INT(store_number_get(db.st, free2, &n), 0);
	n.active = false;
	TEST_EQ_INT(store_number_update(db.st, &n), 0);
	TEST_EQ_INT(store_employee_get(db.st, e2, &e), 0);
	TEST_EQ_STR(e.personal_number, "");
	TEST_EQ_INT(store_number_get(db.st, free2, &n), 0);
	TEST_ASSERT(!n.active);
	TEST_ASSERT(!n.personal);
	TEST_EQ_INT(n.target_type, TARGET_NONE);
	TEST_EQ_INT(n.target_id, 0);
	TEST_EQ_INT(store_employee_set_personal(db.st, e2, "+4922182829902"),
		    EACCES);

	/* deleting a personal number takes it from the employee */
	TEST_EQ_INT(store_employee_set_personal(db.st, e2, "+4922182829901"),
		    0);
	TEST_EQ_INT(store_number_delete(db.st, free1), 0);
	TEST_EQ_INT(store_employee_get(db.st, e2, &e), 0);
	TEST_EQ_STR(e.personal_number, "");

	/* the other tenant's employee and number */
	TEST_EQ_INT(store_employee_set_personal(db.st, eo, "+4930123401"), 0);
	TEST_EQ_INT(check_personal(db.st, eo, other, true), 0);
	TEST_EQ_INT(store_employee_get(db.st, e1, &e), 0);
	TEST_EQ_STR(e.personal_number, "");
	(void)off;
	(void)to_e2;
out:
	tdb_close(&db);
	return err;
}

/* ---- announcements and trunks ----------------------------------------- */

int test_store_announcement(void)
{
	static const struct {
		const char *file;
		int want;
	} files[] = {
	    {"welcome.wav", 0},
	    {"de/welcome.wav", 0},
	    {"..welcome.wav", 0},
	    {"", EINVAL},
	    {"/etc/passwd", EINVAL},
	    {"../secret.wav", EINVAL},
	    {"de/../../secret.wav", EINVAL},
	    {"de/..", EINVAL},
	};
	struct tdb db;
	struct store_announcement a, g;
	struct store_number n;
	struct ids ids;
	int64_t t1, t2, a1, ao, num, x;
	size_t i;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(
	    fx_tenant(db.st, "One", "+4922182829900", "+4922182829999", &t1),
	    0);
	TEST_EQ_INT(fx_tenant(db.st, "Two", NULL, NULL, &t2), 0);

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		int r = fx_announcement(db.st, t1, files[i].file, &x);

		if (r != files[i].want)
			fprintf(stderr, "  file '%s': %d\n", files[i].file, r);
		TEST_EQ_INT(r, files[i].want);
		if (!r)
			TEST_EQ_INT(store_announcement_delete(db.st, x), 0);
	}
	TEST_EQ_INT(fx_announcement(db.st, t2 + 100, "a.wav", &x), ENOENT);

	memset(&a, 0, sizeof(a));
	a.tenant_id = t1;
	str_copy(a.name, "Willkommen", sizeof(a.name));
	str_copy(a.file, "welcome.wav", sizeof(a.file));
	TEST_EQ_INT(store_announcement_add(db.st, &a), 0);
	a1 = a.id;
	memset(&a, 0, sizeof(a));
	a.tenant_id = t1;
	TEST_EQ_INT(store_announcement_add(db.st, &a), EINVAL); /* no name */
	TEST_EQ_INT(fx_announcement(db.st, t2, "other.wav", &ao), 0);

	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_announcement_get(db.st, a1, &g), 0);
	TEST_EQ_INT(g.id, a1);
	TEST_EQ_INT(g.tenant_id, t1);
	TEST_EQ_STR(g.name, "Willkommen");
	TEST_EQ_STR(g.file, "welcome.wav");
	TEST_EQ_INT(g.created_at, T0);
	TEST_EQ_INT(store_announcement_get(db.st, ao + 100, &g), ENOENT);

	str_copy(g.name, "Nachtansage", sizeof(g.name));
	str_copy(g.file, "night.wav", sizeof(g.file));
	TEST_EQ_INT(store_announcement_update(db.st, &g), 0);
	TEST_EQ_INT(store_announcement_get(db.st, a1, &a), 0);
	TEST_EQ_STR(a.name, "Nachtansage");
	TEST_EQ_STR(a.file, "night.wav");
	g.tenant_id = t2;
	TEST_EQ_INT(store_announcement_update(db.st, &g), EXDEV);
	g.tenant_id = t1;
	str_copy(g.file, "../x.wav", sizeof(g.file));
	TEST_EQ_INT(store_announcement_update(db.st, &g), EINVAL);

	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_announcement_list(db.st, t1, announcement_id_h, &ids),
		    0);
	TEST_ASSERT(ids_are(&ids, 1, &a1));
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_announcement_list(db.st, 0, announcement_id_h, &ids),
		    0);
	TEST_EQ_INT(ids.n, 2);

	/* in use while a number targets it */
	TEST_EQ_INT(fx_number(db.st, "+4922182829990", true,
			      TARGET_ANNOUNCEMENT, a1, &num),
		    0);
	TEST_EQ_INT(store_announcement_delete(db.st, a1), EBUSY);
	TEST_EQ_INT(store_number_get(db.st, num, &n), 0);
	n.target_type = TARGET_NONE;
	TEST_EQ_INT(store_number_update(db.st, &n), 0);
	TEST_EQ_INT(store_announcement_delete(db.st, a1), 0);
	TEST_EQ_INT(store_announcement_get(db.st, a1, &g), ENOENT);
	TEST_EQ_INT(store_announcement_delete(db.st, a1), ENOENT);
out:
	tdb_close(&db);
	return err;
}

int test_store_trunk(void)
{
	struct tdb db;
	struct store_trunk t, g;
	struct ids ids;
	int64_t t1, t2, own, own2, sh1, sh2, any, x;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenant(db.st, "One", NULL, NULL, &t1), 0);
	TEST_EQ_INT(fx_tenant(db.st, "Two", NULL, NULL, &t2), 0);

	/* no trunk at all */
	TEST_EQ_INT(store_trunk_for_tenant(db.st, t1, &g), ENOENT);

	TEST_EQ_INT(fx_trunk(db.st, 0, "192.0.2.2", 5070, false, &sh1), 0);
	TEST_EQ_INT(fx_trunk(db.st, 0, "192.0.2.2", 5080, false, &sh2), 0);
	TEST_EQ_INT(fx_trunk(db.st, t1, "192.0.2.1", 5060, false, &own), 0);
	TEST_EQ_INT(fx_trunk(db.st, 0, "192.0.2.3", 5060, true, &any), 0);
	TEST_EQ_INT(fx_trunk(db.st, t1, "192.0.2.4", 5060, false, &own2), 0);
	TEST_EQ_INT(fx_trunk(db.st, 0, "", 5060, false, &x), EINVAL);
	TEST_EQ_INT(fx_trunk(db.st, t2 + 100, "192.0.2.9", 5060, false, &x),
		    ENOENT);

	memset(&t, 0, sizeof(t));
	str_copy(t.name, "Carrier TCP", sizeof(t.name));
	str_copy(t.host, "198.51.100.7", sizeof(t.host));
	str_copy(t.transport, "sctp", sizeof(t.transport));
	TEST_EQ_INT(store_trunk_add(db.st, &t), EINVAL);
	str_copy(t.transport, "tcp", sizeof(t.transport));
	str_copy(t.username, "acct", sizeof(t.username));
	str_copy(t.password, "pw-secret", sizeof(t.password));
	TEST_EQ_INT(store_trunk_add(db.st, &t), 0);
	TEST_EQ_INT(t.port, 5060); /* 0 means the SIP port */

	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_trunk_get(db.st, t.id, &g), 0);
	TEST_EQ_INT(g.tenant_id, 0);
	TEST_EQ_STR(g.name, "Carrier TCP");
	TEST_EQ_STR(g.host, "198.51.100.7");
	TEST_EQ_INT(g.port, 5060);
	TEST_EQ_STR(g.transport, "tcp");
	TEST_ASSERT(!g.match_any_port);
	TEST_EQ_STR(g.username, "acct");
	TEST_EQ_STR(g.password, "pw-secret");
	TEST_EQ_INT(g.created_at, T0);

	/* inbound: which trunk is this source? */
	{
		const struct {
			const char *ip;
			uint16_t port;
			int want;
			int64_t id;
		} v[] = {
		    {"192.0.2.1", 5060, 0, own},
		    {"192.0.2.1", 5061, ENOENT, 0},
		    {"192.0.2.2", 5070, 0, sh1},
		    {"192.0.2.2", 5080, 0, sh2},
		    {"192.0.2.2", 5060, ENOENT, 0},
		    {"192.0.2.3", 40000, 0, any},
		    {"192.0.2.3", 5060, 0, any},
		    {"192.0.2.99", 5060, ENOENT, 0},
		};
		size_t i;

		for (i = 0; i < ARRAY_SIZE(v); i++) {
			memset(&g, 0, sizeof(g));
			TEST_EQ_INT(store_trunk_by_source(db.st, v[i].ip,
							  v[i].port, &g),
				    v[i].want);
			TEST_EQ_INT(g.id, v[i].id);
		}
	}

	/* an exact port beats match_any_port on the same host */
	TEST_EQ_INT(fx_trunk(db.st, 0, "192.0.2.3", 5090, false, &x), 0);
	TEST_EQ_INT(store_trunk_by_source(db.st, "192.0.2.3", 5090, &g), 0);
	TEST_EQ_INT(g.id, x);

	/* outbound: own lowest id, else shared lowest id */
	TEST_EQ_INT(store_trunk_for_tenant(db.st, t1, &g), 0);
	TEST_EQ_INT(g.id, own);
	TEST_EQ_INT(g.tenant_id, t1);
	TEST_EQ_INT(store_trunk_for_tenant(db.st, t2, &g), 0);
	TEST_EQ_INT(g.id, sh1);
	TEST_EQ_INT(store_trunk_for_tenant(db.st, 0, &g), 0);
	TEST_EQ_INT(g.id, sh1);

	/* update: a shared trunk becomes t2's */
	TEST_EQ_INT(store_trunk_get(db.st, sh2, &t), 0);
	t.tenant_id = t2;
	t.port = 5099;
	t.match_any_port = true;
	TEST_EQ_INT(store_trunk_update(db.st, &t), 0);
	TEST_EQ_INT(store_trunk_get(db.st, sh2, &g), 0);
	TEST_EQ_INT(g.tenant_id, t2);
	TEST_EQ_INT(g.port, 5099);
	TEST_ASSERT(g.match_any_port);
	TEST_EQ_INT(store_trunk_for_tenant(db.st, t2, &g), 0);
	TEST_EQ_INT(g.id, sh2);
	t.tenant_id = t2 + 100;
	TEST_EQ_INT(store_trunk_update(db.st, &t), ENOENT);
	t.tenant_id = 0;
	t.id = 9999;
	TEST_EQ_INT(store_trunk_update(db.st, &t), ENOENT);

	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_trunk_list(db.st, trunk_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 7);
	TEST_EQ_INT(ids.v[0], sh1);

	TEST_EQ_INT(store_trunk_delete(db.st, own), 0);
	TEST_EQ_INT(store_trunk_for_tenant(db.st, t1, &g), 0);
	TEST_EQ_INT(g.id, own2);
	TEST_EQ_INT(store_trunk_delete(db.st, own), ENOENT);
	TEST_EQ_INT(store_trunk_get(db.st, own, &g), ENOENT);
out:
	tdb_close(&db);
	return err;
}

/* Trunks that register to their carrier: the fields of migration 2, their
 * defaults and the rule that a registering trunk names its account. */
int test_store_trunk_register(void)
{
	struct tdb db;
	struct store_trunk t, g;
	int64_t plain;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);

	/* an IP trunk gets the defaults and does not register */
	TEST_EQ_INT(fx_trunk(db.st, 0, "192.0.2.2", 5070, false, &plain), 0);
	TEST_EQ_INT(store_trunk_get(db.st, plain, &g), 0);
	TEST_ASSERT(!g.do_register);
	TEST_EQ_STR(g.registrar, "");
	TEST_EQ_STR(g.domain, "");
	TEST_EQ_STR(g.auth_user, "");
	TEST_EQ_STR(g.from_user, "");
	TEST_EQ_INT(g.expires, 600);

	/* registering needs the account (username) */
	memset(&t, 0, sizeof(t));
	str_copy(t.name, "Carrier R", sizeof(t.name));
	str_copy(t.host, "198.51.100.20", sizeof(t.host));
	t.do_register = true;
	TEST_EQ_INT(store_trunk_add(db.st, &t), EINVAL);
	str_copy(t.username, "4922182829900", sizeof(t.username));
	str_copy(t.password, "pw", sizeof(t.password));
	TEST_EQ_INT(store_trunk_add(db.st, &t), 0);
	TEST_EQ_INT(t.expires, 600); /* 0 means the default */
	TEST_EQ_INT(store_trunk_get(db.st, t.id, &g), 0);
	TEST_ASSERT(g.do_register);
	TEST_EQ_STR(g.username, "4922182829900");
	TEST_EQ_INT(g.expires, 600);

	/* every field round-trips through update */
	str_copy(t.registrar, "sip:reg.carrier.example:5080;transport=tcp",
		 sizeof(t.registrar));
	str_copy(t.domain, "carrier.example", sizeof(t.domain));
	str_copy(t.auth_user, "auth-4711", sizeof(t.auth_user));
	str_copy(t.from_user, "acc-4711", sizeof(t.from_user));
	t.expires = 120;
	TEST_EQ_INT(store_trunk_update(db.st, &t), 0);
	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_trunk_get(db.st, t.id, &g), 0);
	TEST_ASSERT(g.do_register);
	TEST_EQ_STR(g.registrar, "sip:reg.carrier.example:5080;transport=tcp");
	TEST_EQ_STR(g.domain, "carrier.example");
	TEST_EQ_STR(g.auth_user, "auth-4711");
	TEST_EQ_STR(g.from_user, "acc-4711");
	TEST_EQ_INT(g.expires, 120);
	TEST_EQ_STR(g.password, "pw");

	/* the source rule is the same for registering trunks */
	TEST_EQ_INT(store_trunk_by_source(db.st, "198.51.100.20", 5060, &g), 0);
	TEST_EQ_INT(g.id, t.id);
	TEST_ASSERT(g.do_register);
	TEST_EQ_INT(store_trunk_by_source(db.st, "198.51.100.20", 5061, &g),
		    ENOENT);

	/* update keeps the rule; expires 0 falls back to the default */
	t.expires = 0;
	TEST_EQ_INT(store_trunk_update(db.st, &t), 0);
	TEST_EQ_INT(store_trunk_get(db.st, t.id, &g), 0);
	TEST_EQ_INT(g.expires, 600);
	t.username[0] = '\0';
	TEST_EQ_INT(store_trunk_update(db.st, &t), EINVAL);
	t.do_register = false;
	TEST_EQ_INT(store_trunk_update(db.st, &t), 0);
	TEST_EQ_INT(store_trunk_get(db.st, t.id, &g), 0);
	TEST_ASSERT(!g.do_register);
	TEST_EQ_STR(g.username, "");
out:
	tdb_close(&db);
	return err;
}

/* ---- registrations ---------------------------------------------------- */

static int fx_reg(struct store *st, int64_t dev, const char *contact,
		  uint64_t expires, int64_t *idp)
{
	struct store_registration r;
	int err;

	memset(&r, 0, sizeof(r));
	r.device_id = dev;
	str_copy(r.contact, contact, sizeof(r.contact));
	str_copy(r.received, "192.0.2.10:5060", sizeof(r.received));
	str_copy(r.transport, "udp", sizeof(r.transport));
	r.expires_at = expires;
	err = store_reg_save(st, &r);
	*idp = r.id;

	return err;
}

int test_store_reg(void)
{
	struct tdb db;
	struct store_registration r;
	struct ids ids;
	int64_t t1, e1, e2, d1, d2, d3, ra, rb, rc, rd, x;
	unsigned n = 99;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenant(db.st, "One", NULL, NULL, &t1), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "A", "1001", &e1), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "B", "1002", &e2), 0);
	TEST_EQ_INT(fx_device(db.st, t1, e1, "1001", &d1), 0);
	TEST_EQ_INT(fx_device(db.st, t1, e1, "1011", &d2), 0);
	TEST_EQ_INT(fx_device(db.st, t1, e2, "1002", &d3), 0);

	memset(&r, 0, sizeof(r));
	r.device_id = d1;
	str_copy(r.contact, "sip:1001@10.0.0.5:5060;ob", sizeof(r.contact));
	str_copy(r.received, "192.0.2.10:5060", sizeof(r.received));
	str_copy(r.transport, "udp", sizeof(r.transport));
	str_copy(r.call_id, "abc@10.0.0.5", sizeof(r.call_id));
	r.cseq = 4000000000u;
	str_copy(r.user_agent, "Yealink T46", sizeof(r.user_agent));
	str_copy(r.instance, "<urn:uuid:1>", sizeof(r.instance));
	str_copy(r.path, "<sip:edge.example;lr>", sizeof(r.path));
	str_copy(r.node_id, "node-a", sizeof(r.node_id));
	r.expires_at = T0 + 60000;
	TEST_EQ_INT(store_reg_save(db.st, &r), 0);
	TEST_ASSERT(r.id > 0);
	TEST_EQ_INT(r.updated_at, T0);
	ra = r.id;

	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list(db.st, d1, T0, reg_id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 1, &ra));

	/* refresh: same binding, new values */
	r.id = 0;
	str_copy(r.received, "192.0.2.10:5070", sizeof(r.received));
	r.cseq = 4000000001u;
	r.expires_at = T0 + 120000;
	r.updated_at = T0 + 1000;
	TEST_EQ_INT(store_reg_save(db.st, &r), 0);
	TEST_EQ_INT(r.id, ra);
	TEST_EQ_INT(store_reg_list(db.st, d1, T0, NULL, NULL), EINVAL);
	TEST_EQ_INT(
	    fx_reg(db.st, d1, "sip:1001@10.0.0.6:5060", T0 + 30000, &rb), 0);
	TEST_EQ_INT(
	    fx_reg(db.st, d2, "sip:1011@10.0.0.7:5060", T0 + 90000, &rc), 0);
	TEST_EQ_INT(
	    fx_reg(db.st, d3, "sip:1002@10.0.0.8:5060", T0 + 90000, &rd), 0);
	TEST_ASSERT(rb != ra && rc != rb && rd != rc);
	TEST_EQ_INT(fx_reg(db.st, d3 + 100, "sip:x@10.0.0.9", T0 + 1, &x),
		    ENOENT);
	TEST_EQ_INT(fx_reg(db.st, d3, "", T0 + 1, &x), EINVAL);

	/* what the refresh stored */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list(db.st, d1, T0, reg_id_h, &ids), 0);
	{
		const int64_t want[] = {ra, rb};
		TEST_ASSERT(ids_are(&ids, 2, want));
	}

	/* alive while expires_at > now */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list(db.st, 0, T0, reg_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 4);
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list(db.st, 0, T0 + 30000, reg_id_h, &ids), 0);
	{
		const int64_t want[] = {ra, rc, rd};
		TEST_ASSERT(ids_are(&ids, 3, want));
	}

	/* of an employee: all its devices */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list_employee(db.st, e1, T0, reg_id_h, &ids), 0);
	{
		const int64_t want[] = {ra, rb, rc};
		TEST_ASSERT(ids_are(&ids, 3, want));
	}
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(
	    store_reg_list_employee(db.st, e1, T0 + 100000, reg_id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 1, &ra));
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list_employee(db.st, e2, T0, reg_id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 1, &rd));

	/* nothing has expired at T0 */
	TEST_EQ_INT(store_reg_purge(db.st, T0, &n), 0);
	TEST_EQ_INT(n, 0);

	/* delete one binding, then purge the expired */
	TEST_EQ_INT(store_reg_delete(db.st, d1, "sip:1001@10.0.0.6:5060"), 0);
	TEST_EQ_INT(store_reg_delete(db.st, d1, "sip:1001@10.0.0.6:5060"),
		    ENOENT);
	TEST_EQ_INT(store_reg_purge(db.st, T0 + 90000, &n), 0);
	TEST_EQ_INT(n, 2); /* rc, rd (== now) */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list(db.st, 0, 0, reg_id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 1, &ra));
	TEST_EQ_INT(store_reg_purge(db.st, T0 + 90000, NULL), 0);

	/* a device's bindings go with it or on request */
	TEST_EQ_INT(
	    fx_reg(db.st, d3, "sip:1002@10.0.0.8:5060", T0 + 90000, &rd), 0);
	TEST_EQ_INT(store_reg_delete_device(db.st, d3), 0);
	TEST_EQ_INT(store_reg_delete_device(db.st, d3), 0);
	TEST_EQ_INT(
	    fx_reg(db.st, d2, "sip:1011@10.0.0.7:5060", T0 + 90000, &rc), 0);
	TEST_EQ_INT(store_device_delete(db.st, d2), 0);
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list(db.st, 0, 0, reg_id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 1, &ra));
out:
	tdb_close(&db);
	return err;
}

/* Every field of a stored binding survives the round trip. */
static int reg_fields_h(const struct store_registration *r, void *arg)
{
	struct store_registration *out = arg;

	*out = *r;
	return 0;
}

int test_store_reg_fields(void)
{
	struct tdb db;
	struct store_registration r, g;
	int64_t t1, d1;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenant(db.st, "One", NULL, NULL, &t1), 0);
	TEST_EQ_INT(fx_device(db.st, t1, 0, "1001", &d1), 0);

	memset(&r, 0, sizeof(r));
	r.device_id = d1;
	str_copy(r.contact, "sip:1001@10.0.0.5:5060;ob", sizeof(r.contact));
	str_copy(r.received, "192.0.2.10:5070", sizeof(r.received));
	str_copy(r.transport, "tcp", sizeof(r.transport));
	str_copy(r.call_id, "abc@10.0.0.5", sizeof(r.call_id));
	r.cseq = 4000000001u;
	str_copy(r.user_agent, "Yealink T46", sizeof(r.user_agent));
	str_copy(r.instance, "<urn:uuid:1>", sizeof(r.instance));
	str_copy(r.path, "<sip:edge.example;lr>", sizeof(r.path));
	str_copy(r.node_id, "node-a", sizeof(r.node_id));
	r.expires_at = T0 + 120000;
	r.updated_at = T0 + 1000;
	TEST_EQ_INT(store_reg_save(db.st, &r), 0);

	memset(&g, 0, sizeof(g));
	TEST_EQ_INT(store_reg_list(db.st, d1, T0, reg_fields_h, &g), 0);
	TEST_EQ_INT(g.id, r.id);
	TEST_EQ_INT(g.device_id, d1);
	TEST_EQ_STR(g.contact, "sip:1001@10.0.0.5:5060;ob");
	TEST_EQ_STR(g.received, "192.0.2.10:5070");
	TEST_EQ_STR(g.transport, "tcp");
	TEST_EQ_STR(g.call_id, "abc@10.0.0.5");
	TEST_EQ_INT(g.cseq, 4000000001u);
	TEST_EQ_STR(g.user_agent, "Yealink T46");
	TEST_EQ_STR(g.instance, "<urn:uuid:1>");
	TEST_EQ_STR(g.path, "<sip:edge.example;lr>");
	TEST_EQ_STR(g.node_id, "node-a");
	TEST_EQ_INT(g.expires_at, T0 + 120000);
	TEST_EQ_INT(g.updated_at, T0 + 1000);
out:
	tdb_close(&db);
	return err;
}

/* ---- call records ----------------------------------------------------- */

static int fx_call(struct store *st, const char *node, int64_t tenant_id,
		   uint64_t started, int64_t *idp)
{
	struct store_call c;
	int err;

	memset(&c, 0, sizeof(c));
	str_copy(c.node_id, node, sizeof(c.node_id));
	str_copy(c.sip_call_id, "call@192.0.2.10", sizeof(c.sip_call_id));
	c.tenant_id = tenant_id;
	str_copy(c.direction, "inbound", sizeof(c.direction));
	str_copy(c.from_number, "+4930555", sizeof(c.from_number));
	str_copy(c.to_number, "+4922182829900", sizeof(c.to_number));
	str_copy(c.caller_leg, "trunk:1", sizeof(c.caller_leg));
	c.started_at = started;
	err = store_call_add(st, &c);
	*idp = c.id;

	return err;
}

int test_store_call(void)
{
	struct tdb db;
	struct store_call c, g;
	struct store_call_filter f;
	struct ids ids;
	int64_t c1, c2, c3, c4, x;
	int i, err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);

	TEST_EQ_INT(fx_call(db.st, "n1", 1, 1000, &c1), 0);
	TEST_EQ_INT(fx_call(db.st, "n1", 2, 3000, &c2), 0);
	TEST_EQ_INT(fx_call(db.st, "n2", 1, 2000, &c3), 0);
	TEST_EQ_INT(fx_call(db.st, "n1", 1, 3000, &c4), 0);

	memset(&c, 0, sizeof(c));
	str_copy(c.direction, "sideways", sizeof(c.direction));
	TEST_EQ_INT(store_call_add(db.st, &c), EINVAL);
	str_copy(c.direction, "internal", sizeof(c.direction));
	TEST_EQ_INT(store_call_add(db.st, &c), 0); /* started_at: now */
	TEST_EQ_INT(c.started_at, T0);
	x = c.id;

	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_call_get(db.st, c1, &g), 0);
	TEST_EQ_INT(g.id, c1);
	TEST_EQ_STR(g.node_id, "n1");
	TEST_EQ_STR(g.sip_call_id, "call@192.0.2.10");
	TEST_EQ_INT(g.tenant_id, 1);
	TEST_EQ_STR(g.direction, "inbound");
	TEST_EQ_STR(g.from_number, "+4930555");
	TEST_EQ_STR(g.to_number, "+4922182829900");
	TEST_EQ_STR(g.caller_leg, "trunk:1");
	TEST_EQ_STR(g.callee_leg, "");
	TEST_EQ_INT(g.started_at, 1000);
	TEST_EQ_INT(g.answered_at, 0);
	TEST_EQ_INT(g.ended_at, 0);
	TEST_EQ_STR(g.disposition, "");
	TEST_EQ_INT(g.sip_code, 0);
	TEST_EQ_STR(g.ended_by, "");
	TEST_EQ_INT(store_call_get(db.st, x + 100, &g), ENOENT);

	/* answered, then ended */
	TEST_EQ_INT(store_call_answered(db.st, c1, 1500, "device:1002"), 0);
	TEST_EQ_INT(store_call_answered(db.st, c1, 1600, NULL), 0);
	TEST_EQ_INT(store_call_get(db.st, c1, &g), 0);
	TEST_EQ_INT(g.answered_at, 1600);
	TEST_EQ_STR(g.callee_leg, "device:1002");
	TEST_EQ_INT(
	    store_call_ended(db.st, c1, 1800, "answered", 200, "caller"), 0);
	TEST_EQ_INT(store_call_get(db.st, c1, &g), 0);
	TEST_EQ_INT(g.ended_at, 1800);
	TEST_EQ_STR(g.disposition, "answered");
	TEST_EQ_INT(g.sip_code, 200);
	TEST_EQ_STR(g.ended_by, "caller");
	TEST_EQ_INT(store_call_answered(db.st, x + 100, 1, NULL), ENOENT);
	TEST_EQ_INT(store_call_ended(db.st, x + 100, 1, "busy", 486, NULL),
		    ENOENT);
	TEST_EQ_INT(store_call_ended(db.st, c2, 1, "", 486, NULL), EINVAL);
	TEST_EQ_INT(store_call_ended(db.st, x, 0, "busy", 486, NULL), 0);
	TEST_EQ_INT(store_call_get(db.st, x, &g), 0);
	TEST_EQ_INT(g.ended_at, T0);
	TEST_EQ_STR(g.ended_by, "");

	/* newest first; filters */
	{
		const struct {
			int64_t tenant;
			uint64_t since, until;
			uint32_t limit, offset;
			size_t n;
			int64_t want[5];
		} v[] = {
		    {0, 0, 0, 0, 0, 5, {x, c4, c2, c3, c1}},
		    {1, 0, 0, 0, 0, 3, {c4, c3, c1}},
		    {0, 2000, 0, 0, 0, 4, {x, c4, c2, c3}},
		    {0, 0, 3000, 0, 0, 2, {c3, c1}},
		    {0, 2000, 3000, 0, 0, 1, {c3}},
		    {1, 1001, 3001, 0, 0, 2, {c4, c3}},
		    {0, 0, 0, 2, 0, 2, {x, c4}},
		    {0, 0, 0, 2, 2, 2, {c2, c3}},
		    {0, 0, 0, 0, 10, 0, {0}},
		    {3, 0, 0, 0, 0, 0, {0}},
		};
		size_t k;

		for (k = 0; k < ARRAY_SIZE(v); k++) {
			memset(&f, 0, sizeof(f));
			f.tenant_id = v[k].tenant;
			f.since = v[k].since;
			f.until = v[k].until;
			f.limit = v[k].limit;
			f.offset = v[k].offset;
			memset(&ids, 0, sizeof(ids));
			TEST_EQ_INT(store_call_list(db.st, &f, call_id_h, &ids),
				    0);
			if (!ids_are(&ids, v[k].n, v[k].want))
				fprintf(stderr, "  filter %zu: %zu calls\n", k,
					ids.n);
			TEST_ASSERT(ids_are(&ids, v[k].n, v[k].want));
		}
	}
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_call_list(db.st, NULL, call_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 5);

	/* a dead node's live calls end as node_failure by system (the
	 * times of the rule: test_store_call_close) */
	TEST_EQ_INT(store_call_ended(db.st, c4, 3500, "busy", 486, "callee"),
		    0);
	TEST_EQ_INT(store_call_close_node(db.st, "n1", NULL), 0);
	TEST_EQ_INT(store_call_get(db.st, c2, &g), 0);
	TEST_EQ_INT(g.ended_at, 3000); /* its start: no heartbeat, no answer */
	TEST_EQ_STR(g.disposition, "node_failure");
	TEST_EQ_STR(g.ended_by, "system");
	TEST_EQ_INT(store_call_get(db.st, c4, &g), 0);
	TEST_EQ_INT(g.ended_at, 3500);
	TEST_EQ_STR(g.disposition, "busy");
	TEST_EQ_STR(g.ended_by, "callee");
	TEST_EQ_INT(store_call_get(db.st, c3, &g), 0); /* node n2 */
	TEST_EQ_INT(g.ended_at, 0);
	TEST_EQ_STR(g.disposition, "");
	TEST_EQ_INT(store_call_close_node(db.st, "", NULL), EINVAL);

	/* page sizes: 100 by default, at most 1000 */
	for (i = 0; i < 1005; i++)
		TEST_EQ_INT(fx_call(db.st, "n3", 4, 10000 + i, &x), 0);
	memset(&f, 0, sizeof(f));
	f.tenant_id = 4;
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_call_list(db.st, &f, call_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 100);
	TEST_EQ_INT(ids.v[0], x);
	f.limit = 5000;
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_call_list(db.st, &f, call_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 1000);
out:
	tdb_close(&db);
	return err;
}

/* ---- nodes: closing the calls of a node that died --------------------- */

/* A call of node started at `started`, answered at `answered` (0 = not). */
static int fx_live(struct store *st, const char *node, uint64_t started,
		   uint64_t answered, int64_t *idp)
{
	int err = fx_call(st, node, 1, started, idp);

	if (!err && answered)
		err = store_call_answered(st, *idp, answered, "device:1002");

	return err;
}

/* Call id must be closed as cut by a node failure at `ended`. */
static int check_cut(struct store *st, int64_t id, uint64_t ended,
		     uint64_t answered)
{
	struct store_call g;
	int err = 0;

	TEST_EQ_INT(store_call_get(st, id, &g), 0);
	if (g.ended_at != ended)
		fprintf(stderr, "  call %lld\n", (long long)id);
	TEST_EQ_INT(g.ended_at, ended);
	TEST_EQ_INT(g.answered_at, answered);
	TEST_EQ_STR(g.disposition, "node_failure");
	TEST_EQ_STR(g.ended_by, "system");
	TEST_EQ_INT(g.sip_code, 0);
out:
	return err;
}

static int check_live(struct store *st, int64_t id)
{
	struct store_call g;
	int err = 0;

	TEST_EQ_INT(store_call_get(st, id, &g), 0);
	TEST_EQ_INT(g.ended_at, 0);
	TEST_EQ_STR(g.disposition, "");
out:
	return err;
}

struct node_names {
	size_t n;
	char v[8][64];
	uint32_t live[8];
};

static int node_name_h(const struct store_node *n, void *arg)
{
	struct node_names *nn = arg;

	if (nn->n >= ARRAY_SIZE(nn->v))
		return E2BIG;
	str_copy(nn->v[nn->n], n->node_id, sizeof(nn->v[0]));
	nn->live[nn->n++] = n->live_calls;
	return 0;
}

/*
 * The rule of store.h ("nodes"): a live call ends at max(start, answer,
 * its node's heartbeat), with exact times and so exact durations.  Node
 * n1 beat at 10 s; its calls answered before ring out at 10 s, those that
 * began after it end at their answer or start.
 */
int test_store_call_close(void)
{
	struct tdb db;
	struct store_node n;
	struct store_call g;
	struct node_names nn;
	int64_t a, b, c, d, e, f, h, x;
	unsigned closed = 99;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);

	TEST_EQ_INT(store_node_heartbeat(db.st, "n1", 1000, 5000), 0);
	TEST_EQ_INT(store_node_heartbeat(db.st, "n1", 1000, 10000), 0);
	TEST_EQ_INT(store_node_heartbeat(db.st, "n3", 14000, 20000), 0);

	TEST_EQ_INT(fx_live(db.st, "n1", 2000, 3000, &a), 0);   /* talking */
	TEST_EQ_INT(fx_live(db.st, "n1", 2000, 0, &b), 0);      /* ringing */
	TEST_EQ_INT(fx_live(db.st, "n1", 11000, 12000, &c), 0); /* after hb */
	TEST_EQ_INT(fx_live(db.st, "n1", 11500, 0, &d), 0);
	TEST_EQ_INT(fx_live(db.st, "n1", 2000, 2500, &e), 0); /* completed */
	TEST_EQ_INT(store_call_ended(db.st, e, 4000, "answered", 200, "caller"),
		    0);
	TEST_EQ_INT(fx_live(db.st, "n2", 5000, 6000, &f), 0); /* no heartbeat */
	TEST_EQ_INT(fx_live(db.st, "n3", 15000, 16000, &h), 0);

	/* the nodes as the API shows them */
	TEST_EQ_INT(store_node_get(db.st, "n1", &n), 0);
	TEST_EQ_STR(n.node_id, "n1");
	TEST_EQ_INT(n.started_at, 1000);
	TEST_EQ_INT(n.heartbeat_at, 10000);
	TEST_EQ_INT(n.live_calls, 4);
	TEST_EQ_INT(store_node_get(db.st, "n2", &n), 0);
	TEST_EQ_INT(n.started_at, 0);
	TEST_EQ_INT(n.heartbeat_at, 0);
	TEST_EQ_INT(n.live_calls, 1);
	TEST_EQ_INT(store_node_get(db.st, "n9", &n), ENOENT);
	TEST_EQ_INT(store_node_get(db.st, "", &n), EINVAL);
	memset(&nn, 0, sizeof(nn));
	TEST_EQ_INT(store_node_list(db.st, node_name_h, &nn), 0);
	TEST_EQ_INT(nn.n, 3);
	TEST_EQ_STR(nn.v[0], "n1");
	TEST_EQ_STR(nn.v[1], "n2");
	TEST_EQ_STR(nn.v[2], "n3");
	TEST_EQ_INT(nn.live[0], 4);
	TEST_EQ_INT(nn.live[1], 1);
	TEST_EQ_INT(nn.live[2], 1);

	/* stale: other nodes only, last sign of life strictly before */
	TEST_EQ_INT(store_call_close_stale(db.st, "n1", 20000, &closed), 0);
	TEST_EQ_INT(closed, 1);
	TEST_EQ_INT(check_cut(db.st, f, 6000, 6000), 0); /* answer: 0 s */
	TEST_EQ_INT(check_live(db.st, h), 0);            /* beat at 20 s */
	TEST_EQ_INT(check_live(db.st, a), 0);            /* self */
	TEST_EQ_INT(store_call_close_stale(db.st, "n1", 20001, &closed), 0);
	TEST_EQ_INT(closed, 1);
	TEST_EQ_INT(check_cut(db.st, h, 20000, 16000), 0);
	TEST_EQ_INT(store_call_close_stale(db.st, "n1", 99999, &closed), 0);
	TEST_EQ_INT(closed, 0);
	TEST_EQ_INT(check_live(db.st, a), 0);

	/* the node's own: at the heartbeat, or the answer / start after it */
	TEST_EQ_INT(store_call_close_node(db.st, "n1", &closed), 0);
	TEST_EQ_INT(closed, 4);
	TEST_EQ_INT(check_cut(db.st, a, 10000, 3000), 0);
	TEST_EQ_INT(store_call_get(db.st, a, &g), 0);
	TEST_EQ_INT(g.ended_at - g.answered_at, 7000); /* billed: 7 s */
	TEST_EQ_INT(check_cut(db.st, b, 10000, 0), 0);
	TEST_EQ_INT(check_cut(db.st, c, 12000, 12000), 0);
	TEST_EQ_INT(check_cut(db.st, d, 11500, 0), 0);
	TEST_EQ_INT(store_call_get(db.st, e, &g), 0); /* completed: kept */
	TEST_EQ_INT(g.ended_at, 4000);
	TEST_EQ_STR(g.disposition, "answered");
	TEST_EQ_STR(g.ended_by, "caller");
	TEST_EQ_INT(g.sip_code, 200);
	TEST_EQ_INT(store_call_close_node(db.st, "n1", &closed), 0);
	TEST_EQ_INT(closed, 0);
	TEST_EQ_INT(store_node_get(db.st, "n1", &n), 0);
	TEST_EQ_INT(n.live_calls, 0);
	TEST_EQ_INT(store_node_get(db.st, "n2", &n), ENOENT); /* gone now */

	/* a new run of n1: started_at moves, its old calls stay as closed */
	TEST_EQ_INT(store_node_heartbeat(db.st, "n1", 30000, 30000), 0);
	TEST_EQ_INT(store_node_get(db.st, "n1", &n), 0);
	TEST_EQ_INT(n.started_at, 30000);
	TEST_EQ_INT(n.heartbeat_at, 30000);
	TEST_EQ_INT(check_cut(db.st, a, 10000, 3000), 0);
	TEST_EQ_INT(store_node_heartbeat(db.st, "n1", 0, 0), 0); /* now */
	TEST_EQ_INT(store_node_get(db.st, "n1", &n), 0);
	TEST_EQ_INT(n.started_at, T0);
	TEST_EQ_INT(n.heartbeat_at, T0);

	/* arguments */
	TEST_EQ_INT(store_node_heartbeat(db.st, "", 1, 1), EINVAL);
	TEST_EQ_INT(store_node_heartbeat(NULL, "n1", 1, 1), EINVAL);
	TEST_EQ_INT(store_node_heartbeat(db.st,
					 "0123456789012345678901234567890123456"
					 "789012345678901234567890123456789",
					 1, 1),
		    EINVAL);
	TEST_EQ_INT(store_call_close_node(db.st, NULL, &closed), EINVAL);
	TEST_EQ_INT(store_call_close_stale(db.st, "", 1, &closed), EINVAL);
	TEST_EQ_INT(store_call_close_stale(db.st, "n1", 0, &closed), EINVAL);
	TEST_EQ_INT(store_node_list(db.st, NULL, NULL), EINVAL);
	TEST_EQ_INT(fx_live(db.st, "n4", 40000, 0, &x), 0);
	TEST_EQ_INT(store_call_close_node(db.st, "n4", NULL), 0);
	TEST_EQ_INT(check_cut(db.st, x, 40000, 0), 0);
out:
	tdb_close(&db);
	return err;
}

/* ---- API tokens ------------------------------------------------------- */

/* True if the file at path contains the bytes of s. */
static bool file_has(const char *path, const char *s)
{
	FILE *f = fopen(path, "rb");
	size_t n = strlen(s), len;
	char *buf;
	bool found = false;

	if (!f)
		return false;
	buf = mem_alloc(1 << 22, NULL);
	if (buf) {
		len = fread(buf, 1, 1 << 22, f);
		found = memmem(buf, len, s, n) != NULL;
	}
	mem_deref(buf);
	fclose(f);

	return found;
}

int test_store_token(void)
{
	static const char plain[] = "plain-token-never-stored-0123456789";
	struct tdb db;
	struct store_token t, g;
	char buf[96], wal[128];
	int64_t t1;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_ASSERT(!store_token_any(db.st));

	memset(&t, 0, sizeof(t));
	str_copy(t.role, "admin", sizeof(t.role));
	str_copy(t.name, "setup", sizeof(t.name));
	TEST_EQ_INT(store_token_add(db.st, plain, &t), 0);
	TEST_ASSERT(t.id > 0);
	TEST_EQ_INT(t.created_at, T0);
	TEST_ASSERT(store_token_any(db.st));

	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_token_check(db.st, plain, &g), 0);
	TEST_EQ_INT(g.id, t.id);
	TEST_EQ_STR(g.role, "admin");
	TEST_EQ_INT(g.tenant_id, 0);
	TEST_EQ_STR(g.name, "setup");
	TEST_EQ_INT(g.created_at, T0);
	TEST_EQ_INT(store_token_check(db.st, plain, NULL), 0);
	TEST_EQ_INT(store_token_check(db.st, "plain-token-never-stored", &g),
		    ENOENT);
	TEST_EQ_INT(store_token_check(db.st, "", &g), EINVAL);
	TEST_EQ_INT(store_token_add(db.st, plain, &t), EEXIST);

	/* the store keeps the SHA-256 in lower-case hex, never the token */
	memset(&t, 0, sizeof(t));
	str_copy(t.role, "admin", sizeof(t.role));
	TEST_EQ_INT(store_token_add(db.st, "abc", &t), 0);
	re_snprintf(buf, sizeof(buf),
		    "SELECT token_sha256 FROM api_tokens WHERE id = %lld",
		    (long long)t.id);
	{
		char sql[96];

		str_copy(sql, buf, sizeof(sql));
		TEST_EQ_INT(raw_query(db.path, sql, buf, sizeof(buf)), 0);
	}
	TEST_EQ_STR(buf, "ba7816bf8f01cfea414140de5dae2223"
			 "b00361a396177a9cb410ff61f20015ad");
	re_snprintf(wal, sizeof(wal), "%s-wal", db.path);
	TEST_ASSERT(!file_has(db.path, plain));
	TEST_ASSERT(!file_has(wal, plain));

	/* tenant tokens */
	TEST_EQ_INT(fx_tenant(db.st, "One", NULL, NULL, &t1), 0);
	memset(&t, 0, sizeof(t));
	str_copy(t.role, "tenant", sizeof(t.role));
	t.tenant_id = t1 + 100;
	TEST_EQ_INT(store_token_add(db.st, "tenant-token", &t), ENOENT);
	t.tenant_id = t1;
	TEST_EQ_INT(store_token_add(db.st, "tenant-token", &t), 0);
	TEST_EQ_INT(store_token_check(db.st, "tenant-token", &g), 0);
	TEST_EQ_INT(g.tenant_id, t1);
	TEST_EQ_STR(g.role, "tenant");
	str_copy(t.role, "", sizeof(t.role));
	TEST_EQ_INT(store_token_add(db.st, "other", &t), EINVAL);
out:
	tdb_close(&db);
	return err;
}

/* ---- demo data -------------------------------------------------------- */

struct demo_numbers {
	struct store_number v[8];
	size_t n;
};

static int demo_number_h(const struct store_number *n, void *arg)
{
	struct demo_numbers *dn = arg;

	if (dn->n < ARRAY_SIZE(dn->v))
		dn->v[dn->n] = *n;
	++dn->n;

	return 0;
}

static const struct store_number *demo_find(const struct demo_numbers *dn,
					    const char *e164)
{
	size_t i;

	for (i = 0; i < dn->n && i < ARRAY_SIZE(dn->v); i++) {
		if (!strcmp(dn->v[i].e164, e164))
			return &dn->v[i];
	}
	return NULL;
}

int test_store_demo(void)
{
	struct tdb db;
	struct store_tenant t;
	struct store_number_block b;
	struct store_employee max, erika;
	struct store_device d;
	struct store_announcement a;
	struct store_trunk tr;
	struct demo_numbers dn;
	const struct store_number *n;
	struct ids ids;
	uint8_t md[MD5_SIZE];
	char ha1[33];
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(store_demo_seed(db.st, "", "127.0.0.1", 5090), EINVAL);
	TEST_ASSERT(store_is_empty(db.st));
	TEST_EQ_INT(store_demo_seed(db.st, "switchboard", "127.0.0.1", 5090),
		    0);
	TEST_ASSERT(!store_is_empty(db.st));
	TEST_EQ_INT(store_demo_seed(db.st, "switchboard", "127.0.0.1", 5090),
		    EEXIST);

	/* one tenant */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_tenant_list(db.st, tenant_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 1);
	TEST_EQ_INT(store_tenant_get(db.st, ids.v[0], &t), 0);
	TEST_EQ_STR(t.name, "Mustermann AG");
	TEST_EQ_STR(t.country_code, "49");
	TEST_EQ_STR(t.area_code, "221");
	TEST_EQ_STR(t.central_number, "+4922182829900");

	/* one block */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_block_list(db.st, t.id, block_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 1);
	TEST_EQ_INT(store_block_get(db.st, ids.v[0], &b), 0);
	TEST_EQ_STR(b.first, "+4922182829900");
	TEST_EQ_STR(b.last, "+4922182829999");

	/* two employees */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_employee_list(db.st, t.id, employee_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 2);
	TEST_EQ_INT(store_employee_by_extension(db.st, t.id, "1001", &max), 0);
	TEST_EQ_STR(max.first_name, "Max");
	TEST_EQ_STR(max.last_name, "Mustermann");
	TEST_EQ_STR(max.email, "max.mustermann@mustermann.example");
	TEST_EQ_STR(max.personal_number, "+4922182829901");
	TEST_ASSERT(!max.show_personal_number);
	TEST_EQ_INT(store_employee_by_extension(db.st, t.id, "1002", &erika),
		    0);
	TEST_EQ_STR(erika.first_name, "Erika");
	TEST_EQ_STR(erika.last_name, "Musterfrau");
	TEST_EQ_STR(erika.email, "erika.musterfrau@mustermann.example");
	TEST_EQ_STR(erika.personal_number, "+4922182829902");
	TEST_ASSERT(erika.show_personal_number);

	/* five numbers */
	memset(&dn, 0, sizeof(dn));
	TEST_EQ_INT(store_number_list(db.st, t.id, demo_number_h, &dn), 0);
	TEST_EQ_INT(dn.n, 5);

	n = demo_find(&dn, "+4922182829901");
	TEST_ASSERT(n);
	TEST_ASSERT(n->active && n->personal);
	TEST_EQ_INT(n->target_type, TARGET_EMPLOYEE);
	TEST_EQ_INT(n->target_id, max.id);

	n = demo_find(&dn, "+4922182829902");
	TEST_ASSERT(n);
	TEST_ASSERT(n->active && n->personal);
	TEST_EQ_INT(n->target_type, TARGET_EMPLOYEE);
	TEST_EQ_INT(n->target_id, erika.id);

	n = demo_find(&dn, "+4922182829900");
	TEST_ASSERT(n);
	TEST_ASSERT(n->active && !n->personal);
	TEST_EQ_INT(n->target_type, TARGET_EMPLOYEE);
	TEST_EQ_INT(n->target_id, max.id);
	TEST_EQ_STR(n->description, "Zentrale");

	n = demo_find(&dn, "+4922182829990");
	TEST_ASSERT(n);
	TEST_ASSERT(n->active && !n->personal);
	TEST_EQ_INT(n->target_type, TARGET_ANNOUNCEMENT);
	TEST_EQ_STR(n->description, "Ansage");
	TEST_EQ_INT(store_announcement_get(db.st, n->target_id, &a), 0);
	TEST_EQ_INT(a.tenant_id, t.id);
	TEST_EQ_STR(a.name, "Willkommen");
	TEST_EQ_STR(a.file, "welcome.wav");

	n = demo_find(&dn, "+4922182829903");
	TEST_ASSERT(n);
	TEST_ASSERT(!n->active && !n->personal);
	TEST_EQ_INT(n->target_type, TARGET_NONE);
	TEST_EQ_INT(n->target_id, 0);

	/* three devices; HA1 for the realm */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_device_list(db.st, t.id, 0, device_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 3);
	TEST_EQ_INT(store_device_by_username(db.st, "1001", &d), 0);
	TEST_EQ_INT(d.employee_id, max.id);
	TEST_EQ_STR(d.name, "Tischtelefon");
	TEST_EQ_INT(md5_printf(md, "1001:switchboard:alpha1001"), 0);
	re_snprintf(ha1, sizeof(ha1), "%w", md, sizeof(md));
	TEST_EQ_STR(d.ha1, ha1);
	TEST_EQ_STR(d.ha1, "6c4dda76bcf4d90cc330072c09b7a900");
	TEST_EQ_INT(store_device_by_username(db.st, "1011", &d), 0);
	TEST_EQ_INT(d.employee_id, max.id);
	TEST_EQ_STR(d.name, "Softclient");
	TEST_EQ_INT(md5_printf(md, "1011:switchboard:charlie1011"), 0);
	re_snprintf(ha1, sizeof(ha1), "%w", md, sizeof(md));
	TEST_EQ_STR(d.ha1, ha1);
	TEST_EQ_INT(store_device_by_username(db.st, "1002", &d), 0);
	TEST_EQ_INT(d.employee_id, erika.id);
	TEST_EQ_STR(d.name, "Tischtelefon");
	TEST_EQ_INT(md5_printf(md, "1002:switchboard:bravo1002"), 0);
	re_snprintf(ha1, sizeof(ha1), "%w", md, sizeof(md));
	TEST_EQ_STR(d.ha1, ha1);

	/* one shared trunk */
	TEST_EQ_INT(store_trunk_for_tenant(db.st, t.id, &tr), 0);
	TEST_EQ_STR(tr.name, "Demo-Carrier");
	TEST_EQ_STR(tr.host, "127.0.0.1");
	TEST_EQ_INT(tr.port, 5090);
	TEST_EQ_STR(tr.transport, "udp");
	TEST_EQ_INT(tr.tenant_id, 0);
	TEST_ASSERT(!tr.match_any_port);
	TEST_EQ_INT(store_trunk_by_source(db.st, "127.0.0.1", 5090, &tr), 0);
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_trunk_list(db.st, trunk_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 1);
out:
	tdb_close(&db);
	return err;
}

/* ---- handlers that call back into the store --------------------------- */

struct nested {
	struct store *st;
	size_t outer, inner;
	int err;
};

static int nested_inner_h(const struct store_employee *e, void *arg)
{
	struct nested *nx = arg;

	++nx->inner;
	return 0;
}

/* lists employees again and writes, while the outer walk is open */
static int nested_outer_h(const struct store_employee *e, void *arg)
{
	struct nested *nx = arg;
	char num[24];
	int err;

	++nx->outer;
	err = store_employee_list(nx->st, e->tenant_id, nested_inner_h, nx);
	if (err)
		return err;

	re_snprintf(num, sizeof(num), "+49221828299%02u", (unsigned)nx->outer);
	return store_employee_set_personal(nx->st, e->id, num);
}

int test_store_nested(void)
{
	struct tdb db;
	struct store_employee e;
	struct nested nx;
	int64_t t1, e1, e2, e3, x;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(
	    fx_tenant(db.st, "One", "+4922182829900", "+4922182829999", &t1),
	    0);
	TEST_EQ_INT(fx_employee(db.st, t1, "A", "1001", &e1), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "B", "1002", &e2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "C", "1003", &e3), 0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829901", true, TARGET_NONE, 0, &x), 0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829902", true, TARGET_NONE, 0, &x), 0);

	memset(&nx, 0, sizeof(nx));
	nx.st = db.st;
	/* the third has no number: ENOENT stops the walk there */
	TEST_EQ_INT(store_employee_list(db.st, t1, nested_outer_h, &nx),
		    ENOENT);
	TEST_EQ_INT(nx.outer, 3);
	TEST_EQ_INT(nx.inner, 9);
	TEST_EQ_INT(store_employee_get(db.st, e1, &e), 0);
	TEST_EQ_STR(e.personal_number, "+4922182829901");
	TEST_EQ_INT(store_employee_get(db.st, e2, &e), 0);
	TEST_EQ_STR(e.personal_number, "+4922182829902");
	TEST_EQ_INT(store_employee_get(db.st, e3, &e), 0);
	TEST_EQ_STR(e.personal_number, "");

	/* and the cached statements still work afterwards */
	memset(&nx, 0, sizeof(nx));
	nx.st = db.st;
	TEST_EQ_INT(store_employee_list(db.st, 0, nested_inner_h, &nx), 0);
	TEST_EQ_INT(nx.inner, 3);
out:
	tdb_close(&db);
	return err;
}

/* ---- allocation failures ---------------------------------------------- */

/*
 * SQLite's allocator is replaced by one that fails the fail_at-th
 * allocation once (re's testcase_oom and sqlite's faultsim work the same
 * way).  Every store function must then report an error, leave the file
 * as it was (open: no half-migrated schema; demo seed: nothing or all)
 * and stay usable.
 */
static unsigned oom_count, oom_fail_at;
static bool oom_fired;

static bool oom_fail(void)
{
	if (!oom_fail_at || ++oom_count != oom_fail_at)
		return false;

	oom_fired = true;
	return true;
}

/* A plain malloc() allocator with the size in an 8-byte header, as
 * SQLite's allocator interface needs xSize(). */
static void *oom_malloc(int n)
{
	int64_t *p;

	if (n <= 0 || oom_fail())
		return NULL;
	p = malloc((size_t)n + 8);
	if (!p)
		return NULL;
	p[0] = n;
	return p + 1;
}

static void oom_free(void *p)
{
	if (p)
		free((int64_t *)p - 1);
}

static int oom_size(void *p)
{
	return p ? (int)((int64_t *)p)[-1] : 0;
}

static void *oom_realloc(void *p, int n)
{
	int64_t *q;

	if (n <= 0 || oom_fail())
		return NULL;
	q = realloc((int64_t *)p - 1, (size_t)n + 8);
	if (!q)
		return NULL;
	q[0] = n;
	return q + 1;
}

static int oom_roundup(int n)
{
	return (n + 7) & ~7;
}

static int oom_init(void *arg)
{
	return SQLITE_OK;
}

static void oom_shutdown(void *arg)
{
}

static void oom_arm(unsigned at)
{
	oom_count = 0;
	oom_fired = false;
	oom_fail_at = at;
}

/* Switch to the failing allocator, or back to SQLite's own. */
static int oom_install(bool on)
{
	static const sqlite3_mem_methods m = {
	    oom_malloc,  oom_free, oom_realloc,  oom_size,
	    oom_roundup, oom_init, oom_shutdown, NULL,
	};
	static sqlite3_mem_methods orig;
	int rc;

	oom_arm(0);
	if (sqlite3_shutdown() != SQLITE_OK)
		return EIO;

	if (on) {
		/* what SQLite used (its default once initialised) */
		sqlite3_config(SQLITE_CONFIG_GETMALLOC, &orig);
		rc = sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
	}
	else if (orig.xMalloc) {
		rc = sqlite3_config(SQLITE_CONFIG_MALLOC, &orig);
	}
	else {
		rc = SQLITE_OK; /* keep ours: it is a correct allocator */
	}
	if (rc != SQLITE_OK)
		return EIO;

	return sqlite3_initialize() == SQLITE_OK ? 0 : EIO;
}

static int oom_count_h(const struct store_number *n, void *arg)
{
	++*(unsigned *)arg;
	return 0;
}

/* Allocations that open (and migrate) or the demo seed make, counted. */
static unsigned oom_measure(struct tdb *db, bool seed)
{
	struct store *st = NULL;
	unsigned n;

	tdb_unlink(db->path);
	if (seed && store_open(&st, db->path))
		return 0;
	oom_arm(UINT_MAX);
	if (seed)
		(void)store_demo_seed(st, "switchboard", "127.0.0.1", 5090);
	else
		(void)store_open(&st, db->path);
	n = oom_count;
	oom_arm(0);
	mem_deref(st);
	tdb_unlink(db->path);

	return n;
}

/* The seeded demo is all there. */
static int oom_seeded(struct store *st)
{
	struct store_employee e;
	unsigned numbers = 0;
	int err = 0;

	TEST_EQ_INT(store_number_list(st, 0, oom_count_h, &numbers), 0);
	TEST_EQ_INT(numbers, 5);
	TEST_EQ_INT(store_employee_by_extension(st, 1, "1002", &e), 0);
	TEST_EQ_STR(e.personal_number, "+4922182829902");
out:
	return err;
}

/*
 * Open fails at allocation 1..40 and then at about 300 points spread over
 * the rest (the schema takes some 10000 allocations, each point a new
 * file); the demo seed fails at every one of its allocations.
 */
int test_store_oom(void)
{
	struct tdb db;
	struct store *st = NULL;
	unsigned at, step, total, numbers, fired = 0;
	enum log_level lvl = log_level_get();
	int latest, r, err = 0;

	/* the newest version, before the allocator changes */
	TEST_EQ_INT(tdb_open(&db), 0);
	latest = store_schema_version(db.st);
	db.st = mem_deref(db.st);
	tdb_unlink(db.path);

	TEST_EQ_INT(oom_install(true), 0);
	log_set_level(LOG_ERROR); /* the EIO warnings are expected */

	/* open and migrate a new file */
	total = oom_measure(&db, false);
	TEST_ASSERT(total > 100);
	step = total / 300 + 1;
	for (at = 1; at <= total; at += at < 40 ? 1 : step) {
		oom_arm(at);
		r = store_open(&st, db.path);
		oom_fail_at = 0;
		TEST_ASSERT(oom_fired);
		fired++;
		if (r != 0 && r != ENOMEM && r != EIO)
			fprintf(stderr, "  open, allocation %u: %d\n", at, r);
		TEST_ASSERT(r == 0 || r == ENOMEM || r == EIO);
		if (r)
			TEST_ASSERT(st == NULL);

		/* whatever happened, the file opens at the newest version */
		st = mem_deref(st);
		TEST_EQ_INT(store_open(&st, db.path), 0);
		TEST_EQ_INT(store_schema_version(st), latest);
		st = mem_deref(st);
		tdb_unlink(db.path);
	}

	/* demo seed: all or nothing, and the store goes on working */
	total = oom_measure(&db, true);
	TEST_ASSERT(total > 100);
	TEST_EQ_INT(store_open(&st, db.path), 0);
	for (at = 1; at <= total; at++) {
		oom_arm(at);
		r = store_demo_seed(st, "switchboard", "127.0.0.1", 5090);
		oom_fail_at = 0;
		if (!oom_fired) /* fewer allocations this time */
			continue;
		fired++;
		if (r != 0 && r != ENOMEM && r != EIO)
			fprintf(stderr, "  seed, allocation %u: %d\n", at, r);
		TEST_ASSERT(r == 0 || r == ENOMEM || r == EIO);

		if (r) {
			numbers = 0;
			TEST_EQ_INT(
			    store_number_list(st, 0, oom_count_h, &numbers), 0);
			TEST_EQ_INT(numbers, 0);
			TEST_ASSERT(store_is_empty(st));
			continue;
		}

		/* SQLite got round the failure: all there; start over */
		TEST_EQ_INT(oom_seeded(st), 0);
		st = mem_deref(st);
		tdb_unlink(db.path);
		TEST_EQ_INT(store_open(&st, db.path), 0);
	}

	TEST_EQ_INT(store_demo_seed(st, "switchboard", "127.0.0.1", 5090), 0);
	TEST_EQ_INT(oom_seeded(st), 0);
	TEST_ASSERT(fired > 300);

	/* closing a dead node's calls: all of them at their times, or none
	 * (a fresh node each round; the cache of pages is dropped so that
	 * the statement has to allocate) */
	for (at = 1, r = 0; at < 1000; at++) {
		char node[16];
		int64_t c1, c2;
		unsigned closed = 0;

		re_snprintf(node, sizeof(node), "oom%u", at);
		TEST_EQ_INT(store_node_heartbeat(st, node, 1000, 5000), 0);
		TEST_EQ_INT(fx_live(st, node, 2000, 3000, &c1), 0);
		TEST_EQ_INT(fx_live(st, node, 6000, 7000, &c2), 0);
		TEST_EQ_INT(store_release_memory(st), 0);
		oom_arm(at);
		r = store_call_close_node(st, node, &closed);
		oom_fail_at = 0;
		if (!oom_fired) { /* past its last allocation */
			TEST_EQ_INT(r, 0);
			break;
		}
		TEST_ASSERT(r == 0 || r == ENOMEM || r == EIO);
		if (r) {
			TEST_EQ_INT(closed, 0);
			TEST_EQ_INT(check_live(st, c1), 0);
			TEST_EQ_INT(check_live(st, c2), 0);
			TEST_EQ_INT(store_call_close_node(st, node, &closed),
				    0);
		}
		TEST_EQ_INT(closed, 2);
		TEST_EQ_INT(check_cut(st, c1, 5000, 3000), 0);
		TEST_EQ_INT(check_cut(st, c2, 7000, 7000), 0);
	}
	TEST_ASSERT(at > 1 && at < 1000); /* it allocated, and not forever */
out:
	oom_fail_at = 0;
	log_set_level(lvl);
	mem_deref(st);
	if (oom_install(false) && !err)
		err = EIO;
	tdb_close(&db);
	return err;
}
