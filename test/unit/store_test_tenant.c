/*
 * store_test_tenant.c - tenants against store.h: validation, round trip,
 * truncation of long strings, and a tenant deleted only when nothing of
 * it is left (one row per kind of dependent record).
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

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
