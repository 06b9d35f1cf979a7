/*
 * store_test_consult.c - the outcomes of transfers with consultation
 * (migration 35, sqlite_consult.c): a row per attempt by the call's
 * record, a later write of the same consultation replacing its row (the
 * message of a decline that came afterwards), attempts without a record
 * each a row of their own, the order, and the arguments refused.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

enum { MAX = 5, ERIKA = 6 }; /* employee ids (no foreign key) */

struct got {
	struct store_consult_outcome v[4];
	size_t n;
};

static int got_h(const struct store_consult_outcome *o, void *arg)
{
	struct got *g = arg;

	if (g->n < ARRAY_SIZE(g->v))
		g->v[g->n] = *o;
	g->n++;
	return 0;
}

static void row(struct store_consult_outcome *o, int64_t consult_id,
		int64_t call_id, int64_t employee_id, const char *outcome,
		const char *message, uint64_t at)
{
	memset(o, 0, sizeof(*o));
	o->consult_id = consult_id;
	o->call_id = call_id;
	o->tenant_id = 1;
	str_copy(o->step, "substitute", sizeof(o->step));
	o->employee_id = employee_id;
	str_copy(o->outcome, outcome, sizeof(o->outcome));
	str_copy(o->message, message, sizeof(o->message));
	o->at = at;
}

int test_store_consult(void)
{
	struct tdb db;
	struct store_consult_outcome *o = NULL;
	struct got *g = NULL;
	int64_t t1, t2, call, c1, c2;
	int err = 0;

	o = mem_zalloc(sizeof(*o), NULL);
	g = mem_zalloc(sizeof(*g), NULL);
	TEST_ASSERT(o && g);
	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(t1, 1);
	TEST_EQ_INT(fx_call(db.st, "n1", 1, 1000, &call), 0);
	TEST_EQ_INT(fx_call(db.st, "n1", 1, 1100, &c1), 0);
	TEST_EQ_INT(fx_call(db.st, "n1", 1, 1200, &c2), 0);

	/* refused */
	row(o, c1, call, MAX, "maybe", "", 2000);
	TEST_EQ_INT(store_consult_outcome_set(db.st, o), EINVAL);
	row(o, c1, 0, MAX, "declined", "", 2000);
	TEST_EQ_INT(store_consult_outcome_set(db.st, o), EINVAL);
	row(o, -1, call, MAX, "declined", "", 2000);
	TEST_EQ_INT(store_consult_outcome_set(db.st, o), EINVAL);
	row(o, c1, call + 100, MAX, "declined", "", 2000);
	TEST_EQ_INT(store_consult_outcome_set(db.st, o), ENOENT);
	TEST_EQ_INT(store_consult_outcome_list(db.st, 0, got_h, g), EINVAL);

	/* no phone (no record), then a decline and its message later */
	row(o, 0, call, ERIKA, "unreached", "", 1500);
	TEST_EQ_INT(store_consult_outcome_set(db.st, o), 0);
	row(o, c1, call, MAX, "declined", "", 2000);
	TEST_EQ_INT(store_consult_outcome_set(db.st, o), 0);
	row(o, c1, call, MAX, "declined", "Rückruf in 30 Min", 2500);
	TEST_EQ_INT(store_consult_outcome_set(db.st, o), 0);
	row(o, 0, call, 0, "unreached", "", 2600);
	TEST_EQ_INT(store_consult_outcome_set(db.st, o), 0);
	row(o, c2, call, MAX, "taken", "", 3000);
	TEST_EQ_INT(store_consult_outcome_set(db.st, o), 0);

	TEST_EQ_INT(store_consult_outcome_list(db.st, call, got_h, g), 0);
	TEST_EQ_INT(g->n, 4);
	TEST_EQ_INT(g->v[0].consult_id, 0);
	TEST_EQ_INT(g->v[0].employee_id, ERIKA);
	TEST_EQ_STR(g->v[0].outcome, "unreached");
	TEST_EQ_INT(g->v[1].consult_id, c1);
	TEST_EQ_STR(g->v[1].outcome, "declined");
	TEST_EQ_STR(g->v[1].message, "Rückruf in 30 Min");
	TEST_EQ_STR(g->v[1].step, "substitute");
	TEST_EQ_INT(g->v[1].tenant_id, 1);
	TEST_EQ_INT(g->v[1].at, 2500);
	TEST_EQ_INT(g->v[2].employee_id, 0);
	TEST_EQ_INT(g->v[3].consult_id, c2);
	TEST_EQ_STR(g->v[3].outcome, "taken");
	g->n = 0;
	TEST_EQ_INT(store_consult_outcome_list(db.st, c1, got_h, g), 0);
	TEST_EQ_INT(g->n, 0);
out:
	tdb_close(&db);
	mem_deref(o);
	mem_deref(g);
	return err;
}
