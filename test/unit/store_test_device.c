/*
 * store_test_device.c - devices against store.h: usernames unique over
 * all tenants, HA1 normalised, an employee of the same tenant, update,
 * delete and the lists by tenant and employee.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

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
	TEST_EQ_INT(g.srtp, STORE_SRTP_AUTO);
	TEST_EQ_INT(store_device_get(db.st, d1, &g), 0);
	TEST_EQ_STR(g.username, "1001");
	TEST_EQ_INT(store_device_by_username(db.st, "1002", &g), ENOENT);

	/* srtp: every value round-trips as its name, others are EINVAL */
	{
		static const enum store_srtp v[] = {
		    STORE_SRTP_REQUIRED, STORE_SRTP_OFF, STORE_SRTP_OPTIONAL,
		    STORE_SRTP_AUTO};
		char sql[96], buf[16];
		size_t i;

		for (i = 0; i < ARRAY_SIZE(v); i++) {
			g.srtp = v[i];
			TEST_EQ_INT(store_device_update(db.st, &g), 0);
			memset(&g, 0xa5, sizeof(g));
			TEST_EQ_INT(store_device_get(db.st, d1, &g), 0);
			TEST_EQ_INT(g.srtp, v[i]);
			re_snprintf(sql, sizeof(sql),
				    "SELECT srtp FROM devices WHERE id = %lld",
				    (long long)d1);
			TEST_EQ_INT(raw_query(db.path, sql, buf, sizeof(buf)),
				    0);
			TEST_EQ_STR(buf, store_srtp_name(v[i]));
		}
		g.srtp = (enum store_srtp)4;
		TEST_EQ_INT(store_device_update(db.st, &g), EINVAL);
		d.srtp = (enum store_srtp)4;
		d.id = 0;
		TEST_EQ_INT(store_device_add(db.st, &d), EINVAL);
		d.srtp = STORE_SRTP_AUTO;
	}

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
