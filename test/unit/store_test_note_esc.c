/*
 * store_test_note_esc.c - the escalation trail of urgent notes in the
 * store (migrations 31 and 32): the on-call step is due twice
 * escalate_after after the note and only after the substitute step; an
 * attempt's row is written once (a second writer: EALREADY, as a second
 * node gets it); its outcome; the next attempt is due retry_ms after the
 * last one started when that one failed, not while it rings (unless it
 * is stale), not after max attempts, not once the note is acknowledged.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

enum { AFTER = 60, RETRY = 180000, STALE = 600000 };

static int esc(struct store *st, const struct store_note *n, const char *step,
	       uint32_t attempt, const char *outcome, uint64_t at, int64_t *idp)
{
	struct store_note_escalation e;
	int err;

	memset(&e, 0, sizeof(e));
	str_copy(e.step, step, sizeof(e.step));
	str_copy(e.outcome, outcome, sizeof(e.outcome));
	e.attempt = attempt;
	e.at = at;
	err = store_note_escalate(st, n, &e, 1, NULL, 0);
	if (!err && idp)
		*idp = e.id;
	return err;
}

/* The retry due at now: *np notes, the first's next attempt *attp. */
static int retry_max(struct store *st, uint64_t now, uint32_t max, size_t *np,
		     uint32_t *attp)
{
	int64_t idv[STORE_ESC_BATCH];
	uint32_t attv[STORE_ESC_BATCH];
	int err;

	*np = STORE_ESC_BATCH;
	err = store_note_oncall_retry_due(st, now, RETRY, STALE, max, idv, attv,
					  np);
	*attp = *np ? attv[0] : 0;
	return err;
}

static int retry(struct store *st, uint64_t now, size_t *np, uint32_t *attp)
{
	return retry_max(st, now, 3, np, attp);
}

static size_t first_due(struct store *st, uint64_t now)
{
	int64_t idv[STORE_ESC_BATCH];
	size_t n = STORE_ESC_BATCH;

	if (store_note_escalation_due(st, "oncall", 2, "substitute", now, idv,
				      &n))
		return 99;
	return n;
}

static int last_h(const struct store_note_escalation *e, void *arg)
{
	*(struct store_note_escalation *)arg = *e;
	return 0;
}

int test_store_note_esc(void)
{
	struct tdb db = {"", NULL};
	struct store_note_settings ns;
	struct store_note_escalation last;
	struct store_note *n = NULL;
	int64_t t1, t2, e1, id1, id2;
	uint64_t t0;
	uint32_t att;
	size_t c;
	int err = 0;

	n = mem_zalloc(sizeof(*n), NULL);
	TEST_ASSERT(n != NULL);
	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Max", "10", &e1), 0);
	memset(&ns, 0, sizeof(ns));
	ns.tenant_id = t1;
	ns.escalate_after = AFTER;
	TEST_EQ_INT(store_note_settings_set(db.st, &ns), 0);
	n->tenant_id = t1;
	n->urgent = true;
	n->employeev[0] = e1;
	n->employeec = 1;
	str_copy(n->caller_name, "Hans", sizeof(n->caller_name));
	TEST_EQ_INT(store_note_save(db.st, n, NULL, NULL), 0);
	t0 = n->created_at;

	/* the first attempt: after the substitute step, 2 x escalate_after */
	TEST_EQ_INT(first_due(db.st, t0 + 2 * AFTER * 1000), 0);
	TEST_EQ_INT(esc(db.st, n, "substitute", 0, "no substitute",
			t0 + AFTER * 1000, NULL),
		    0);
	TEST_EQ_INT(first_due(db.st, t0 + 2 * AFTER * 1000 - 1), 0);
	TEST_EQ_INT(first_due(db.st, t0 + 2 * AFTER * 1000), 1);

	/* attempt 1 written once: a second writer gets EALREADY */
	t0 += 2 * AFTER * 1000;
	TEST_EQ_INT(esc(db.st, n, "oncall", 1, "ringing", t0, &id1), 0);
	TEST_EQ_INT(esc(db.st, n, "oncall", 1, "ringing", t0, NULL), EALREADY);
	TEST_EQ_INT(first_due(db.st, t0), 0);

	/* ringing: no retry, unless stale */
	TEST_EQ_INT(retry(db.st, t0 + RETRY, &c, &att), 0);
	TEST_EQ_INT(c, 0);
	TEST_EQ_INT(retry(db.st, t0 + STALE, &c, &att), 0);
	TEST_EQ_INT(c, 1);
	TEST_EQ_INT(att, 2);

	/* busy: the next attempt retry_ms after the start of the last */
	TEST_EQ_INT(store_note_escalation_outcome(db.st, id1, "busy", 486), 0);
	TEST_EQ_INT(store_note_escalation_outcome(db.st, 999, "busy", 486),
		    ENOENT);
	TEST_EQ_INT(store_note_escalations(db.st, n->id, last_h, &last), 0);
	TEST_EQ_STR(last.outcome, "busy");
	TEST_EQ_INT(last.sip_code, 486);
	TEST_EQ_INT(last.attempt, 1);
	TEST_EQ_INT(last.employee_id, 0);
	TEST_EQ_INT(retry(db.st, t0 + RETRY - 1, &c, &att), 0);
	TEST_EQ_INT(c, 0);
	TEST_EQ_INT(retry(db.st, t0 + RETRY, &c, &att), 0);
	TEST_EQ_INT(c, 1);
	TEST_EQ_INT(att, 2);

	/* attempt 2 fails: the third is due, not with max 2 */
	TEST_EQ_INT(esc(db.st, n, "oncall", 2, "no_answer", t0 + RETRY, &id2),
		    0);
	TEST_ASSERT(id2 > id1);
	TEST_EQ_INT(esc(db.st, n, "oncall", 1, "ringing", t0, NULL), EALREADY);
	TEST_EQ_INT(retry(db.st, t0 + 2 * RETRY, &c, &att), 0);
	TEST_EQ_INT(c, 1);
	TEST_EQ_INT(att, 3);
	TEST_EQ_INT(retry_max(db.st, t0 + 2 * RETRY, 2, &c, &att), 0);
	TEST_EQ_INT(c, 0);

	/* acknowledged (by anybody: the person on call): nothing more */
	TEST_EQ_INT(store_note_read_mark(db.st, n->id, e1, t0, true, NULL), 0);
	TEST_EQ_INT(retry(db.st, t0 + 2 * RETRY, &c, &att), 0);
	TEST_EQ_INT(c, 0);
out:
	mem_deref(n);
	tdb_close(&db);
	return err;
}
