/*
 * store_test_oom.c - the store when SQLite runs out of memory: open and
 * migrate, the demo seed, closing a dead node's calls and enqueueing an
 * outbox mail with its attachments, failed at each
 * allocation in turn, must report an error, change nothing and stay
 * usable.
 */
#include <limits.h>
#include <stdlib.h>
#include <sqlite3.h>
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

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

static int oom_outbox_h(const struct store_outbox *o, void *arg)
{
	++*(unsigned *)arg;
	return 0;
}

/* Enqueue a mail with two attachments while allocation `at` fails: the
 * row and its files are written, or nothing is.  *firedp: the failure
 * happened. */
static int oom_outbox(struct store *st, unsigned at, bool *firedp)
{
	struct store_outbox *o;
	unsigned before = 0, after = 0;
	int r, err = 0;

	o = mem_zalloc(sizeof(*o), NULL);
	TEST_ASSERT(o != NULL);
	TEST_EQ_INT(store_outbox_list(st, NULL, oom_outbox_h, &before), 0);
	o->channel = STORE_CHANNEL_MAIL;
	str_copy(o->mail_from, "pbx@sb.example", sizeof(o->mail_from));
	str_copy(o->mail_to, "max@kunde.example", sizeof(o->mail_to));
	str_copy(o->subject, "Neue Nachricht", sizeof(o->subject));
	str_copy(o->filev[0].path, "/var/vm/1.wav", sizeof(o->filev[0].path));
	str_copy(o->filev[0].name, "1.wav", sizeof(o->filev[0].name));
	str_copy(o->filev[0].type, "audio/wav", sizeof(o->filev[0].type));
	o->filev[1] = o->filev[0];
	o->filec = 2;
	TEST_EQ_INT(store_release_memory(st), 0);

	oom_arm(at);
	r = store_outbox_add(st, o);
	oom_fail_at = 0;
	*firedp = oom_fired;
	TEST_ASSERT(r == 0 || r == ENOMEM || r == EIO);

	TEST_EQ_INT(store_outbox_list(st, NULL, oom_outbox_h, &after), 0);
	TEST_EQ_INT(after, before + (r ? 0 : 1));
	if (!r) {
		int64_t id = o->id;

		memset(o, 0, sizeof(*o));
		TEST_EQ_INT(store_outbox_get(st, id, o), 0);
		TEST_EQ_INT(o->filec, 2);
	}
out:
	mem_deref(o);
	return err;
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

	TEST_SKIP_PG("SQLite's allocator is the one replaced");

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
		if (!oom_fired) {
			/* fewer allocations this time: nothing failed, so the
			 * seed must be whole (and is undone below) */
			TEST_EQ_INT(r, 0);
		}
		else {
			fired++;
			if (r != 0 && r != ENOMEM && r != EIO)
				fprintf(stderr, "  seed, allocation %u: %d\n",
					at, r);
			TEST_ASSERT(r == 0 || r == ENOMEM || r == EIO);
		}

		if (r) {
			numbers = 0;
			TEST_EQ_INT(
			    store_number_list(st, 0, oom_count_h, &numbers), 0);
			TEST_EQ_INT(numbers, 0);
			TEST_ASSERT(store_is_empty(st));
			continue;
		}

		/* SQLite got round the failure (or none was hit): all
		 * there; start over */
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

	/* the outbox: a mail and its attachments, all or nothing */
	for (at = 1; at < 1000; at++) {
		bool hit = false;

		TEST_EQ_INT(oom_outbox(st, at, &hit), 0);
		if (!hit)
			break;
	}
	TEST_ASSERT(at > 1 && at < 1000);
out:
	oom_fail_at = 0;
	log_set_level(lvl);
	mem_deref(st);
	if (oom_install(false) && !err)
		err = EIO;
	tdb_close(&db);
	return err;
}
