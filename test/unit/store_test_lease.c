/*
 * store_test_lease.c - leases of single-owner jobs against store.h: taken
 * when free, renewed when ours, refused while another node's lives, taken
 * over once it has expired (at exactly expires_at, not a millisecond
 * before), dropped; and two connections to one file (as two nodes on one
 * store) never both hold it.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

#define TTL 3000ULL /* [ms] */

static int count_h(const struct store_lease *l, void *arg)
{
	(void)l;
	++*(unsigned *)arg;
	return 0;
}

static int first_h(const struct store_lease *l, void *arg)
{
	*(struct store_lease *)arg = *l;
	return 0;
}

int test_store_lease(void)
{
	struct tdb db;
	struct store *b = NULL;
	struct store_lease l;
	bool held = true;
	unsigned n = 0;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);

	/* bad input */
	TEST_EQ_INT(store_lease_take(db.st, "", "a", T0, TTL, &held), EINVAL);
	TEST_ASSERT(!held);
	TEST_EQ_INT(store_lease_take(db.st, "outbox", "", T0, TTL, &held),
		    EINVAL);
	TEST_EQ_INT(store_lease_take(db.st, "outbox", "a", T0, 0, &held),
		    EINVAL);

	/* free: taken */
	TEST_EQ_INT(store_lease_take(db.st, "outbox", "a", T0, TTL, &held), 0);
	TEST_ASSERT(held);
	TEST_ASSERT(store_lease_held(db.st, "outbox", "a", T0));
	TEST_ASSERT(!store_lease_held(db.st, "outbox", "b", T0));
	TEST_ASSERT(!store_lease_held(db.st, "trunkreg", "a", T0));

	/* ours: renewed from now */
	TEST_EQ_INT(
	    store_lease_take(db.st, "outbox", "a", T0 + 1000, TTL, &held), 0);
	TEST_ASSERT(held);
	TEST_EQ_INT(store_lease_list(db.st, first_h, &l), 0);
	TEST_EQ_STR(l.name, "outbox");
	TEST_EQ_STR(l.holder, "a");
	TEST_EQ_INT(l.expires_at, T0 + 1000 + TTL);
	TEST_EQ_INT(l.renewed_at, T0 + 1000);

	/* another's, not expired: left alone, even 1 ms before expiry */
	held = true;
	TEST_EQ_INT(
	    store_lease_take(db.st, "outbox", "b", T0 + 2000, TTL, &held), 0);
	TEST_ASSERT(!held);
	TEST_EQ_INT(store_lease_take(db.st, "outbox", "b", T0 + 1000 + TTL - 1,
				     TTL, &held),
		    0);
	TEST_ASSERT(!held);
	TEST_ASSERT(
	    store_lease_held(db.st, "outbox", "a", T0 + 1000 + TTL - 1));
	TEST_EQ_INT(store_lease_list(db.st, first_h, &l), 0);
	TEST_EQ_STR(l.holder, "a");
	TEST_EQ_INT(l.expires_at, T0 + 1000 + TTL);

	/* the clock edge: at expires_at it is no longer a's, and b takes it */
	TEST_ASSERT(!store_lease_held(db.st, "outbox", "a", T0 + 1000 + TTL));
	TEST_EQ_INT(
	    store_lease_take(db.st, "outbox", "b", T0 + 1000 + TTL, TTL, &held),
	    0);
	TEST_ASSERT(held);
	TEST_ASSERT(store_lease_held(db.st, "outbox", "b", T0 + 1000 + TTL));
	/* a, back from a stall, does not get it back */
	TEST_EQ_INT(store_lease_take(db.st, "outbox", "a", T0 + 1000 + TTL + 1,
				     TTL, &held),
		    0);
	TEST_ASSERT(!held);

	/* another's, long expired */
	TEST_EQ_INT(
	    store_lease_take(db.st, "outbox", "a", T0 + 60000, TTL, &held), 0);
	TEST_ASSERT(held);

	/* a second connection to the same file: one holder at a time */
	TEST_EQ_INT(store_open(&b, db.path), 0);
	TEST_EQ_INT(store_lease_take(b, "outbox", "b", T0 + 60001, TTL, &held),
		    0);
	TEST_ASSERT(!held);
	TEST_EQ_INT(
	    store_lease_take(b, "trunkreg", "b", T0 + 60001, TTL, &held), 0);
	TEST_ASSERT(held);
	TEST_EQ_INT(
	    store_lease_take(db.st, "trunkreg", "a", T0 + 60002, TTL, &held),
	    0);
	TEST_ASSERT(!held);

	/* drop: only the holder's; NULL drops all of a node's */
	TEST_EQ_INT(store_lease_drop(db.st, "trunkreg", "a"), 0);
	TEST_ASSERT(store_lease_held(db.st, "trunkreg", "b", T0 + 60002));
	TEST_EQ_INT(
	    store_lease_take(db.st, "escalation", "a", T0 + 60002, TTL, &held),
	    0);
	TEST_ASSERT(held);
	TEST_EQ_INT(store_lease_list(db.st, count_h, &n), 0);
	TEST_EQ_INT(n, 3);
	TEST_EQ_INT(store_lease_drop(db.st, NULL, "a"), 0);
	n = 0;
	TEST_EQ_INT(store_lease_list(db.st, count_h, &n), 0);
	TEST_EQ_INT(n, 1);
	/* free again after a drop: b takes it at once */
	TEST_EQ_INT(store_lease_take(b, "outbox", "b", T0 + 60003, TTL, &held),
		    0);
	TEST_ASSERT(held);
	TEST_EQ_INT(store_lease_drop(db.st, NULL, ""), EINVAL);

out:
	mem_deref(b);
	tdb_close(&db);
	return err;
}
