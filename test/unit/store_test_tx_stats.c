/*
 * store_test_tx_stats.c - the counts behind the store's write-lock
 * metrics (store_tx_stats_get(), /metrics switchboard_store_write_lock_*):
 * one count per outermost write transaction (a nested one is a savepoint,
 * a rows transaction takes no write lock), the time held at least what the
 * transaction took, each wait in every bucket it fits; on PostgreSQL a
 * second connection whose lock is not granted in lock_timeout (another
 * node holds it) counts as failed, while its note and outbox entry, which
 * need no store-wide lock (store_tx_rows()), are saved at once.
 */
#include <string.h>
#include <unistd.h>
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

enum {
	NAP_US = 20000, /* a transaction's own work */
};

static int nested_h(struct store *st, void *arg)
{
	(void)st;
	(void)arg;
	return 0;
}

static int nap_h(struct store *st, void *arg)
{
	(void)arg;
	usleep(NAP_US);
	return store_batch(st, nested_h, NULL); /* a savepoint: no count */
}

static int failing_h(struct store *st, void *arg)
{
	(void)st;
	(void)arg;
	return EPERM; /* rolled back: still a transaction that held it */
}

/* What another connection (node) b does while st holds the write lock
 * (PostgreSQL). */
struct held {
	struct store *b;
	int64_t tenant, employee;
	int batch, note, outbox; /* their results */
	uint64_t note_ms, outbox_ms;
};

/* b's note and outbox entry need no store-wide lock: saved at once; b's
 * write transaction waits lock_timeout and fails (busy: EIO) */
static int held_h(struct store *st, void *arg)
{
	struct held *h = arg;
	struct store_note *n = mem_zalloc(sizeof(*n), NULL);
	struct store_outbox *o = mem_zalloc(sizeof(*o), NULL);
	uint64_t t;

	(void)st;
	if (!n || !o) {
		mem_deref(n);
		mem_deref(o);
		return ENOMEM;
	}
	n->tenant_id = h->tenant;
	n->employeev[0] = h->employee;
	n->employeec = 1;
	str_copy(n->concern, "Rückruf", sizeof(n->concern));
	t = tmr_jiffies();
	h->note = store_note_save(h->b, n, NULL, NULL);
	h->note_ms = tmr_jiffies() - t;
	o->tenant_id = h->tenant;
	o->channel = STORE_CHANNEL_MAIL;
	str_copy(o->mail_from, "pbx@sb.example", sizeof(o->mail_from));
	str_copy(o->mail_to, "a@x.example", sizeof(o->mail_to));
	str_copy(o->subject, "Nachricht", sizeof(o->subject));
	t = tmr_jiffies();
	h->outbox = store_outbox_add(h->b, o);
	h->outbox_ms = tmr_jiffies() - t;
	h->batch = store_batch(h->b, nested_h, NULL);
	mem_deref(n);
	mem_deref(o);
	return 0;
}

int test_store_tx_stats(void)
{
	struct store_tx_stats s0, s1, sb;
	struct tdb db;
	struct store *b = NULL;
	struct held h = {0};
	int64_t t2 = 0;
	size_t i;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	store_tx_stats_get(db.st, &s0);

	TEST_EQ_INT(store_batch(db.st, nap_h, NULL), 0);
	TEST_EQ_INT(store_batch(db.st, failing_h, NULL), EPERM);
	store_tx_stats_get(db.st, &s1);
	TEST_EQ_INT(s1.count - s0.count, 2);
	TEST_EQ_INT(s1.failed - s0.failed, 0);
	TEST_ASSERT(s1.held_us - s0.held_us >= NAP_US);
	TEST_ASSERT(s1.wait_max_us >= s0.wait_max_us);
	/* cumulative buckets: the last (3 s) has every wait of this test */
	TEST_EQ_INT(s1.wait_le[STORE_TX_WAIT_BUCKETS - 1] -
			s0.wait_le[STORE_TX_WAIT_BUCKETS - 1],
		    2);
	for (i = 1; i < STORE_TX_WAIT_BUCKETS; i++)
		TEST_ASSERT(s1.wait_le[i] >= s1.wait_le[i - 1]);
	TEST_ASSERT(s1.wait_us >= s0.wait_us);

	/* a store that never began one; no store at all */
	store_tx_stats_get(NULL, &sb);
	TEST_EQ_INT(sb.count, 0);

	if (!tdb_pg())
		goto out;
	/* PostgreSQL: another connection (another node) waits for the
	 * lock while this one holds it, up to lock_timeout: failed */
	TEST_EQ_INT(store_open(&b, db.path), 0);
	TEST_EQ_INT(fx_tenants(db.st, &h.tenant, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, h.tenant, "Max", "10", &h.employee), 0);
	h.b = b;
	store_tx_stats_get(b, &s0);
	TEST_EQ_INT(store_batch(db.st, held_h, &h), 0);
	TEST_EQ_INT(h.note, 0);
	TEST_EQ_INT(h.outbox, 0);
	TEST_ASSERT(h.note_ms < 2500); /* lock_timeout: 3 s */
	TEST_ASSERT(h.outbox_ms < 2500);
	TEST_EQ_INT(h.batch, EIO); /* busy */
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM notes", "1"), 0);
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM outbox", "1"), 0);
	store_tx_stats_get(b, &sb);
	TEST_EQ_INT(sb.count - s0.count, 1); /* the batch; not the others */
	TEST_EQ_INT(sb.failed - s0.failed, 1);
	TEST_EQ_INT(sb.wait_le[STORE_TX_WAIT_BUCKETS - 1] -
			s0.wait_le[STORE_TX_WAIT_BUCKETS - 1],
		    0);
out:
	mem_deref(b);
	tdb_close(&db);
	return err;
}
