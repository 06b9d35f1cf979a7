/*
 * store_test_number.c - number blocks and numbers against store.h: blocks
 * that must not overlap (a table of cases), numbers inside a block of
 * their tenant, targets of the same tenant, update and delete.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

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
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "A", "1001", &e1), 0);
	TEST_EQ_INT(fx_employee(db.st, t2, "O", "1001", &eo), 0);
	TEST_EQ_INT(fx_announcement(db.st, t1, "a.wav", &a1), 0);
	TEST_EQ_INT(fx_announcement(db.st, t2, "o.wav", &ao), 0);

	{
		static const struct {
			const char *e164;
			int type;   /* enum store_target, 99 = unknown */
			int target; /* 1 ours, 2 other tenant's, 9 missing */
			int want;
		} v[] = {
		    {"+49221", TARGET_NONE, 0, EINVAL},
		    {"+4922182839901", TARGET_NONE, 0, ERANGE},
		    {"+4922182829910", TARGET_EMPLOYEE, 9, ENOENT},
		    {"+4922182829910", TARGET_ANNOUNCEMENT, 9, ENOENT},
		    {"+4922182829910", TARGET_EMPLOYEE, 2, EXDEV},
		    {"+4922182829910", TARGET_ANNOUNCEMENT, 2, EXDEV},
		    {"+4922182829910", 99, 1, EINVAL},
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
