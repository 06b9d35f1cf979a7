/*
 * store_test_take.c - two nodes taking work from one store at once (two
 * connections to one database, docs/store.md "Many nodes"): outbox rows
 * claimed by two takers are disjoint sets and each row is taken once; on
 * PostgreSQL a row whose claim is still open on one connection is skipped
 * by the other at once (FOR UPDATE SKIP LOCKED: no wait), also for a
 * callback's claim; the store's write lock is held by a transaction and by
 * no row-locking claim.
 */
#include <string.h>
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

enum {
	ROWS = 6,
};

static int mail_add(struct store *st, int64_t tenant_id, uint64_t due,
		    int64_t *idp)
{
	struct store_outbox *o = mem_zalloc(sizeof(*o), NULL);
	int err;

	if (!o)
		return ENOMEM;
	o->tenant_id = tenant_id;
	o->channel = STORE_CHANNEL_MAIL;
	str_copy(o->mail_from, "pbx@sb.example", sizeof(o->mail_from));
	str_copy(o->mail_to, "a@x.example", sizeof(o->mail_to));
	str_copy(o->subject, "Nachricht", sizeof(o->subject));
	o->next_attempt_at = due;
	o->created_at = due;
	err = store_outbox_add(st, o);
	*idp = o->id;
	mem_deref(o);
	return err;
}

/* Claim one row on st as node: its id, 0 if none is due (ENOENT). */
static int claim(struct store *st, const char *node, int64_t *idp)
{
	struct store_outbox *o = mem_zalloc(sizeof(*o), NULL);
	int err;

	if (!o)
		return ENOMEM;
	*idp = 0;
	err = store_outbox_claim(st, node, T0 + 60000, o);
	if (!err)
		*idp = o->id;
	if (!err && strcmp(o->node_id, node))
		err = EPROTO;
	mem_deref(o);
	return err == ENOENT ? 0 : err;
}

/* The store's write lock (21, 2) held by some session: "1" or "0". */
static int write_lock_is(const char *path, const char *want)
{
	return raw_is(
	    path,
	    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
	    " AND classid = 21 AND objid = 2 AND granted",
	    want);
}

static int callback_add(struct store *st, int64_t tenant_id, int64_t *idp)
{
	struct store_queue *q = mem_zalloc(sizeof(*q), NULL);
	struct store_callback cb;
	int64_t emp = 0;
	int err;

	if (!q)
		return ENOMEM;
	err = fx_employee(st, tenant_id, "Erika", "10", &emp);
	fx_queue_ring_all(q, tenant_id, emp);
	if (!err)
		err = store_queue_add(st, q);
	memset(&cb, 0, sizeof(cb));
	cb.queue_id = q->id;
	str_copy(cb.number, "+4930555", sizeof(cb.number));
	cb.arrived_at = T0;
	cb.state = STORE_CB_REQUESTED;
	if (!err)
		err = store_callback_add(st, &cb);
	*idp = cb.id;
	mem_deref(q);
	return err;
}

/* What a's open transaction (store_batch()) does while b takes. */
struct open {
	const char *path;
	struct store *b;
	const int64_t *rowv;
	int64_t cb;
};

/* a claims the oldest row and keeps its transaction open: the store's
 * write lock is a's (a transaction's), b takes every other row at once
 * and then finds nothing, neither waiting for the lock nor for a's row */
static int outbox_open_h(struct store *st, void *arg)
{
	struct open *o = arg;
	uint64_t t;
	int64_t id;
	size_t i;
	int err = 0;

	TEST_EQ_INT(write_lock_is(o->path, "1"), 0);
	TEST_EQ_INT(claim(st, "a", &id), 0);
	TEST_EQ_INT(id, o->rowv[0]);
	t = tmr_jiffies();
	for (i = 1; i < ROWS; i++) {
		TEST_EQ_INT(claim(o->b, "b", &id), 0);
		TEST_EQ_INT(id, o->rowv[i]);
	}
	TEST_EQ_INT(claim(o->b, "b", &id), 0);
	TEST_EQ_INT(id, 0);
	TEST_ASSERT(tmr_jiffies() - t < 2500); /* lock_timeout: 3 s */
out:
	return err;
}

/* a claims the callback, its transaction open: b's claim is refused at
 * once */
static int callback_open_h(struct store *st, void *arg)
{
	struct open *o = arg;
	bool claimed = false;
	uint64_t t;
	int err = 0;

	TEST_EQ_INT(store_callback_claim(st, o->cb, "a", &claimed), 0);
	TEST_ASSERT(claimed);
	t = tmr_jiffies();
	TEST_EQ_INT(store_callback_claim(o->b, o->cb, "b", &claimed), 0);
	TEST_ASSERT(!claimed);
	TEST_ASSERT(tmr_jiffies() - t < 2500);
out:
	return err;
}

int test_store_take(void)
{
	struct tdb db;
	struct store *b = NULL;
	struct open o = {0};
	int64_t t1 = 0, t2 = 0, id;
	int64_t rowv[ROWS], av[ROWS], bv[ROWS];
	size_t na = 0, nb = 0, i, j;
	bool claimed = true, pg = tdb_pg() != NULL;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(store_open(&b, db.path), 0);
	for (i = 0; i < ROWS; i++)
		TEST_EQ_INT(mail_add(db.st, t1, T0 + i, &rowv[i]), 0);

	/* two takers in turn (two nodes): each row once, oldest first */
	for (i = 0; i < ROWS / 2; i++) {
		TEST_EQ_INT(claim(db.st, "a", &id), 0);
		TEST_EQ_INT(id, rowv[2 * i]);
		av[na++] = id;
		TEST_EQ_INT(claim(b, "b", &id), 0);
		TEST_EQ_INT(id, rowv[2 * i + 1]);
		bv[nb++] = id;
	}
	TEST_EQ_INT(claim(db.st, "a", &id), 0);
	TEST_EQ_INT(id, 0);
	TEST_EQ_INT(claim(b, "b", &id), 0);
	TEST_EQ_INT(id, 0);
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++)
			TEST_ASSERT(av[i] != bv[j]);
	}

	if (!pg) /* SQLite: a second writer waits for the first's commit */
		goto out;

	/* PostgreSQL: a's claim still open (its transaction holds the row):
	 * b skips that row at once and takes the next; with nothing else
	 * due, b finds nothing, without waiting for a */
	TEST_EQ_INT(store_outbox_requeue(db.st, "a", NULL), 0);
	TEST_EQ_INT(store_outbox_requeue(b, "b", NULL), 0);
	TEST_EQ_INT(write_lock_is(db.path, "0"), 0);
	o.path = db.path;
	o.b = b;
	o.rowv = rowv;
	TEST_EQ_INT(store_batch(db.st, outbox_open_h, &o), 0);
	TEST_EQ_INT(write_lock_is(db.path, "0"), 0);
	TEST_EQ_INT(raw_is(db.path,
			   "SELECT count(*) FROM outbox WHERE node_id = 'a'"
			   " AND state = 'sending'",
			   "1"),
		    0);
	TEST_EQ_INT(raw_is(db.path,
			   "SELECT count(*) FROM outbox WHERE node_id = 'b'"
			   " AND state = 'sending'",
			   "5"),
		    0);

	/* a callback: a's claim open, b's claim of it is refused at once
	 * (another node has it), and stays refused after a's commit */
	TEST_EQ_INT(callback_add(db.st, t1, &o.cb), 0);
	TEST_EQ_INT(store_batch(db.st, callback_open_h, &o), 0);
	TEST_EQ_INT(store_callback_claim(b, o.cb, "b", &claimed), 0);
	TEST_ASSERT(!claimed);
	TEST_EQ_INT(raw_is(db.path, "SELECT node FROM callbacks", "a"), 0);

out:
	mem_deref(b);
	tdb_close(&db);
	return err;
}
