/*
 * store_test_fx.c - what the store tests share: a fresh database file per
 * test (and plain sqlite3 to look at the file itself), one fixture per
 * record that adds it with the fields a test does not care about filled
 * in, list handlers that collect ids, and the checks of a call record cut
 * by a node failure.  Every test opens a fresh file under /tmp and
 * deletes it (with its -wal and -shm files) afterwards.
 */
#include <stdlib.h>
#include <unistd.h>
#include <sqlite3.h>
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

static unsigned tdb_seq;

static uint64_t fake_clock(void)
{
	return T0;
}

void tdb_unlink(const char *path)
{
	char p[224];

	if (tdb_is_pg(path))
		return; /* tdb_close() drops the database */

	unlink(path);
	re_snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	re_snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* A new database file of this test run. */
int tdb_open(struct tdb *t)
{
	int err;

	t->st = NULL;
	time_clock_set(fake_clock);
	if (tdb_pg()) {
		err = tdb_pg_create(t->path, sizeof(t->path));
		return err ? err : store_open(&t->st, t->path);
	}

	re_snprintf(t->path, sizeof(t->path), "/tmp/sb-store-test-%d-%u.db",
		    (int)getpid(), ++tdb_seq);
	tdb_unlink(t->path);

	return store_open(&t->st, t->path);
}

void tdb_close(struct tdb *t)
{
	t->st = mem_deref(t->st);
	if (tdb_is_pg(t->path))
		tdb_pg_drop(t->path);
	else
		tdb_unlink(t->path);
	t->path[0] = '\0';
	time_clock_set(NULL);
}

int tdb_load(struct tdb *t, const char *sql_path, const char *version)
{
	char buf[16];
	int err;

	/* tdb_open() gives a fresh path; start over with the old file */
	err = tdb_open(t);
	t->st = mem_deref(t->st);
	tdb_unlink(t->path);
	if (!err)
		err = raw_exec_file(t->path, sql_path);
	if (!err)
		err =
		    raw_query(t->path, "PRAGMA user_version", buf, sizeof(buf));
	if (!err && strcmp(buf, version)) {
		fprintf(stderr, "  %s: user_version %s\n", sql_path, buf);
		err = EPROTO;
	}

	return err;
}

/* Plain sqlite3: the first column of the first row of sql as text. */
int raw_query(const char *path, const char *sql, char *buf, size_t sz)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int rc;

	if (tdb_is_pg(path))
		return raw_pg_query(path, sql, buf, sz);

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

int raw_is(const char *path, const char *sql, const char *want)
{
	char buf[128];
	int err;

	err = raw_query(path, sql, buf, sizeof(buf));
	if (!err && strcmp(buf, want)) {
		fprintf(stderr, "  %s: \"%s\", want \"%s\"\n", sql, buf, want);
		err = EPROTO;
	}

	return err;
}

int raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	if (tdb_is_pg(path))
		return raw_pg_query(path, sql, NULL, 0);

	rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);

	return rc == SQLITE_OK ? 0 : EIO;
}

int fx_tenant(struct store *st, const char *name, const char *first,
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

int fx_tenants(struct store *st, int64_t *t1, int64_t *t2)
{
	int err;

	err = fx_tenant(st, "One", "+4922182829900", "+4922182829999", t1);
	if (err)
		return err;

	return fx_tenant(st, "Two", "+4930123400", "+4930123499", t2);
}

int fx_employee(struct store *st, int64_t tenant_id, const char *name,
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

void fx_queue_ring_all(struct store_queue *q, int64_t tenant_id, int64_t emp)
{
	memset(q, 0, sizeof(*q));
	q->tenant_id = tenant_id;
	str_copy(q->name, "Hotline", sizeof(q->name));
	q->strategy = STORE_QUEUE_RING_ALL;
	q->ring_timeout = 15;
	q->wrapup = 30;
	q->max_misses = 2;
	q->max_wait = 600;
	q->max_len = 10;
	q->service_level = 20;
	q->memberc = 1;
	q->memberv[0] = (struct store_queue_member){emp, 0};
}

int fx_number(struct store *st, const char *e164, bool active,
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

int fx_announcement(struct store *st, int64_t tenant_id, const char *file,
		    int64_t *idp)
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

int fx_device(struct store *st, int64_t tenant_id, int64_t emp,
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

int fx_trunk(struct store *st, int64_t tenant_id, const char *host,
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

int ids_add(struct ids *ids, int64_t id)
{
	if (ids->n < ARRAY_SIZE(ids->v))
		ids->v[ids->n] = id;
	++ids->n;

	return ids->stop_at && ids->n == ids->stop_at ? 7 : 0;
}

bool ids_are(const struct ids *ids, size_t n, const int64_t *v)
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

int tenant_id_h(const struct store_tenant *t, void *arg)
{
	return ids_add(arg, t->id);
}

int employee_id_h(const struct store_employee *e, void *arg)
{
	return ids_add(arg, e->id);
}

int device_id_h(const struct store_device *d, void *arg)
{
	return ids_add(arg, d->id);
}

int block_id_h(const struct store_number_block *b, void *arg)
{
	return ids_add(arg, b->id);
}

int number_id_h(const struct store_number *n, void *arg)
{
	return ids_add(arg, n->id);
}

int announcement_id_h(const struct store_announcement *a, void *arg)
{
	return ids_add(arg, a->id);
}

int trunk_id_h(const struct store_trunk *t, void *arg)
{
	return ids_add(arg, t->id);
}

int reg_id_h(const struct store_registration *r, void *arg)
{
	return ids_add(arg, r->id);
}

int call_id_h(const struct store_call *c, void *arg)
{
	return ids_add(arg, c->id);
}
/* Load the SQL file path (relative to the repository, where the tests run)
 * into a new database file. */
int raw_exec_file(const char *db_path, const char *sql_path)
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

void fx_reg_full(struct store_registration *r, int64_t dev)
{
	memset(r, 0, sizeof(*r));
	r->device_id = dev;
	str_copy(r->contact, "sip:1001@10.0.0.5:5060;ob", sizeof(r->contact));
	str_copy(r->received, "192.0.2.10:5060", sizeof(r->received));
	str_copy(r->transport, "udp", sizeof(r->transport));
	str_copy(r->call_id, "abc@10.0.0.5", sizeof(r->call_id));
	r->cseq = 4000000000u;
	str_copy(r->user_agent, "Yealink T46", sizeof(r->user_agent));
	str_copy(r->instance, "<urn:uuid:1>", sizeof(r->instance));
	str_copy(r->path, "<sip:edge.example;lr>", sizeof(r->path));
	str_copy(r->node_id, "node-a", sizeof(r->node_id));
	r->expires_at = T0 + 60000;
}

int fx_call(struct store *st, const char *node, int64_t tenant_id,
	    uint64_t started, int64_t *idp)
{
	struct store_call c;
	int err;

	memset(&c, 0, sizeof(c));
	str_copy(c.node_id, node, sizeof(c.node_id));
	str_copy(c.sip_call_id, "call@192.0.2.10", sizeof(c.sip_call_id));
	c.tenant_id = tenant_id;
	c.direction = STORE_DIR_INBOUND;
	str_copy(c.from_number, "+4930555", sizeof(c.from_number));
	str_copy(c.to_number, "+4922182829900", sizeof(c.to_number));
	str_copy(c.caller_leg, "trunk:1", sizeof(c.caller_leg));
	c.started_at = started;
	err = store_call_add(st, &c);
	*idp = c.id;

	return err;
}
/* ---- nodes: closing the calls of a node that died --------------------- */

/* A call of node started at `started`, answered at `answered` (0 = not). */
int fx_live(struct store *st, const char *node, uint64_t started,
	    uint64_t answered, int64_t *idp)
{
	int err = fx_call(st, node, 1, started, idp);

	if (!err && answered)
		err = store_call_answered(st, *idp, answered, "device:1002");

	return err;
}

/* Call id must be closed as cut by a node failure at `ended`. */
int check_cut(struct store *st, int64_t id, uint64_t ended, uint64_t answered)
{
	struct store_call g;
	int err = 0;

	TEST_EQ_INT(store_call_get(st, id, &g), 0);
	if (g.ended_at != ended)
		fprintf(stderr, "  call %lld\n", (long long)id);
	TEST_EQ_INT(g.ended_at, ended);
	TEST_EQ_INT(g.answered_at, answered);
	TEST_EQ_INT(g.disposition, STORE_DISP_NODE_FAILURE);
	TEST_EQ_INT(g.ended_by, STORE_PARTY_SYSTEM);
	TEST_EQ_INT(g.sip_code, 0);
out:
	return err;
}

int check_live(struct store *st, int64_t id)
{
	struct store_call g;
	int err = 0;

	TEST_EQ_INT(store_call_get(st, id, &g), 0);
	TEST_EQ_INT(g.ended_at, 0);
	TEST_EQ_INT(g.disposition, STORE_DISP_NONE);
out:
	return err;
}
