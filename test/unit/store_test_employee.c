/*
 * store_test_employee.c - employees against store.h: extensions unique
 * per tenant, update and delete (numbers freed, devices gone), personal
 * numbers (seeds/003) with their rules in the order they are checked, and
 * list handlers that call back into the store.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

int test_store_employee(void)
{
	struct tdb db;
	struct store_employee e, g;
	struct store_number n;
	struct store_device d;
	struct store_registration r;
	struct ids ids;
	int64_t t1, t2, e1, e2, e3, e4, e5, pn, on, dev;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);

	memset(&e, 0, sizeof(e));
	e.tenant_id = t1;
	str_copy(e.first_name, "Max", sizeof(e.first_name));
	str_copy(e.last_name, "Mustermann", sizeof(e.last_name));
	str_copy(e.email, "max@example.org", sizeof(e.email));
	str_copy(e.extension, "1001", sizeof(e.extension));
	str_copy(e.personal_number, "+4922182829901",
		 sizeof(e.personal_number)); /* ignored by add */
	e.show_personal_number = true;
	TEST_EQ_INT(store_employee_add(db.st, &e), 0);
	TEST_ASSERT(e.id > 0);
	TEST_EQ_STR(e.personal_number, "");
	TEST_EQ_INT(e.created_at, T0);
	e1 = e.id;

	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_employee_get(db.st, e1, &g), 0);
	TEST_EQ_INT(g.id, e1);
	TEST_EQ_INT(g.tenant_id, t1);
	TEST_EQ_STR(g.first_name, "Max");
	TEST_EQ_STR(g.last_name, "Mustermann");
	TEST_EQ_STR(g.email, "max@example.org");
	TEST_EQ_STR(g.extension, "1001");
	TEST_EQ_STR(g.personal_number, "");
	TEST_ASSERT(g.show_personal_number);
	TEST_EQ_INT(g.created_at, T0);

	/* extension unique per tenant, "" any number of times */
	TEST_EQ_INT(fx_employee(db.st, t1, "Dup", "1001", &e2), EEXIST);
	TEST_EQ_INT(fx_employee(db.st, t2, "Other", "1001", &e2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "NoExt1", "", &e3), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "NoExt2", "", &e4), 0);
	TEST_EQ_INT(fx_employee(db.st, t1 + 100, "Nobody", "", &e5), ENOENT);
	TEST_EQ_INT(fx_employee(db.st, t1, "Bad", "10a", &e5), EINVAL);
	TEST_EQ_INT(fx_employee(db.st, 0, "Bad", "", &e5), EINVAL);
	memset(&e, 0, sizeof(e));
	e.tenant_id = t1;
	TEST_EQ_INT(store_employee_add(db.st, &e), EINVAL); /* no name */

	TEST_EQ_INT(store_employee_by_extension(db.st, t1, "1001", &g), 0);
	TEST_EQ_INT(g.id, e1);
	TEST_EQ_INT(store_employee_by_extension(db.st, t2, "1001", &g), 0);
	TEST_EQ_INT(g.id, e2);
	TEST_EQ_INT(store_employee_by_extension(db.st, t1, "1999", &g), ENOENT);
	TEST_EQ_INT(store_employee_by_extension(db.st, t1, "", &g), EINVAL);

	/* update */
	TEST_EQ_INT(store_employee_get(db.st, e3, &e), 0);
	str_copy(e.last_name, "Renamed", sizeof(e.last_name));
	str_copy(e.extension, "1003", sizeof(e.extension));
	e.show_personal_number = true;
	TEST_EQ_INT(store_employee_update(db.st, &e), 0);
	TEST_EQ_INT(store_employee_get(db.st, e3, &g), 0);
	TEST_EQ_STR(g.last_name, "Renamed");
	TEST_EQ_STR(g.extension, "1003");
	TEST_ASSERT(g.show_personal_number);
	str_copy(e.extension, "1001", sizeof(e.extension));
	TEST_EQ_INT(store_employee_update(db.st, &e), EEXIST);
	str_copy(e.extension, "1003", sizeof(e.extension));
	e.tenant_id = t2;
	TEST_EQ_INT(store_employee_update(db.st, &e), EXDEV);
	e.tenant_id = t1;
	e.id = e4 + 100;
	TEST_EQ_INT(store_employee_update(db.st, &e), ENOENT);

	/* list by tenant and all */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_employee_list(db.st, t1, employee_id_h, &ids), 0);
	{
		const int64_t want[] = {e1, e3, e4};
		TEST_ASSERT(ids_are(&ids, 3, want));
	}
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_employee_list(db.st, 0, employee_id_h, &ids), 0);
	{
		const int64_t want[] = {e1, e2, e3, e4};
		TEST_ASSERT(ids_are(&ids, 4, want));
	}

	/* delete: personal and routed numbers freed, devices and their
	 * registrations gone */
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829901", true, TARGET_NONE, 0, &pn), 0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829900", true, TARGET_EMPLOYEE, e1, &on),
	    0);
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, "+4922182829901"),
		    0);
	TEST_EQ_INT(store_employee_list(db.st, t1, employee_id_h, &ids), 0);
	TEST_EQ_INT(store_employee_get(db.st, e1, &g), 0);
	TEST_EQ_STR(g.personal_number, "+4922182829901");
	TEST_EQ_INT(fx_device(db.st, t1, e1, "1001", &dev), 0);
	memset(&r, 0, sizeof(r));
	r.device_id = dev;
	str_copy(r.contact, "sip:1001@192.0.2.10:5060", sizeof(r.contact));
	r.expires_at = T0 + 60000;
	TEST_EQ_INT(store_reg_save(db.st, &r), 0);

	TEST_EQ_INT(store_employee_delete(db.st, e1), 0);
	TEST_EQ_INT(store_employee_get(db.st, e1, &g), ENOENT);
	TEST_EQ_INT(store_number_get(db.st, pn, &n), 0);
	TEST_EQ_INT(n.target_type, TARGET_NONE);
	TEST_EQ_INT(n.target_id, 0);
	TEST_ASSERT(!n.personal);
	TEST_ASSERT(n.active);
	TEST_EQ_INT(store_number_get(db.st, on, &n), 0);
	TEST_EQ_INT(n.target_type, TARGET_NONE);
	TEST_EQ_INT(store_device_get(db.st, dev, &d), ENOENT);
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list(db.st, 0, T0, reg_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 0);
	TEST_EQ_INT(store_employee_delete(db.st, e1), ENOENT);

	/* its extension is free again */
	TEST_EQ_INT(fx_employee(db.st, t1, "New", "1001", &e5), 0);
out:
	tdb_close(&db);
	return err;
}
/* ---- personal numbers (seeds/003) ------------------------------------- */

/* The employee's personal number and the number's state agree. */
static int check_personal(struct store *st, int64_t emp, int64_t num,
			  bool is_personal)
{
	struct store_employee e;
	struct store_number n;
	int err = 0;

	TEST_EQ_INT(store_employee_get(st, emp, &e), 0);
	TEST_EQ_INT(store_number_get(st, num, &n), 0);
	if (is_personal) {
		TEST_EQ_STR(e.personal_number, n.e164);
		TEST_ASSERT(n.personal);
		TEST_EQ_INT(n.target_type, TARGET_EMPLOYEE);
		TEST_EQ_INT(n.target_id, emp);
	}
	else {
		TEST_ASSERT(strcmp(e.personal_number, n.e164) != 0);
		TEST_ASSERT(!n.personal);
	}
out:
	return err;
}

int test_store_personal(void)
{
	struct tdb db;
	struct store_employee e;
	struct store_number n;
	int64_t t1, t2, e1, e2, eo, a1;
	int64_t free1, free2, off, ann, to_e2, to_e1, other;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "E1", "1001", &e1), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "E2", "1002", &e2), 0);
	TEST_EQ_INT(fx_employee(db.st, t2, "EO", "1001", &eo), 0);
	TEST_EQ_INT(fx_announcement(db.st, t1, "a.wav", &a1), 0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829901", true, TARGET_NONE, 0, &free1),
	    0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829902", true, TARGET_NONE, 0, &free2),
	    0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829903", false, TARGET_NONE, 0, &off), 0);
	TEST_EQ_INT(fx_number(db.st, "+4922182829990", true,
			      TARGET_ANNOUNCEMENT, a1, &ann),
		    0);
	TEST_EQ_INT(fx_number(db.st, "+4922182829904", true, TARGET_EMPLOYEE,
			      e2, &to_e2),
		    0);
	TEST_EQ_INT(fx_number(db.st, "+4922182829905", true, TARGET_EMPLOYEE,
			      e1, &to_e1),
		    0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4930123401", true, TARGET_NONE, 0, &other), 0);

	/* the rules, in the order they are checked */
	{
		const struct {
			int64_t emp;
			const char *e164;
			int want;
		} v[] = {
		    {e1, "+4922182829977", ENOENT}, /* not a number */
		    {e1, "+49999", ENOENT},
		    {e1 + 100, "+4922182829901", ENOENT},
		    {e1, "+4930123401", EXDEV},     /* other tenant */
		    {e1, "+4922182829903", EACCES}, /* inactive */
		    {e1, "+4922182829990", EBUSY},  /* announcement */
		    {e1, "+4922182829904", EBUSY},  /* routed to e2 */
		    {0, "+4922182829901", EINVAL},
		};
		size_t i;

		for (i = 0; i < ARRAY_SIZE(v); i++) {
			int r = store_employee_set_personal(db.st, v[i].emp,
							    v[i].e164);
			if (r != v[i].want)
				fprintf(stderr, "  case %zu: %d, want %d\n", i,
					r, v[i].want);
			TEST_EQ_INT(r, v[i].want);
		}
	}
	/* nothing changed by the failures */
	TEST_EQ_INT(store_employee_get(db.st, e1, &e), 0);
	TEST_EQ_STR(e.personal_number, "");
	TEST_EQ_INT(store_number_get(db.st, ann, &n), 0);
	TEST_EQ_INT(n.target_type, TARGET_ANNOUNCEMENT);

	/* a free number becomes personal and routed to the employee */
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, "+4922182829901"),
		    0);
	TEST_EQ_INT(check_personal(db.st, e1, free1, true), 0);

	/* nobody else can have it */
	TEST_EQ_INT(store_employee_set_personal(db.st, e2, "+4922182829901"),
		    EBUSY);
	TEST_EQ_INT(check_personal(db.st, e1, free1, true), 0);

	/* a number already routed to the employee is free for it; the old
	 * personal number is released, still active */
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, "+4922182829905"),
		    0);
	TEST_EQ_INT(check_personal(db.st, e1, to_e1, true), 0);
	TEST_EQ_INT(store_number_get(db.st, free1, &n), 0);
	TEST_ASSERT(!n.personal);
	TEST_ASSERT(n.active);
	TEST_EQ_INT(n.target_type, TARGET_NONE);
	TEST_EQ_INT(n.target_id, 0);
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, "+4922182829905"),
		    0);
	TEST_EQ_INT(check_personal(db.st, e1, to_e1, true), 0);

	/* a personal number keeps its employee as target */
	TEST_EQ_INT(store_number_get(db.st, to_e1, &n), 0);
	n.target_type = TARGET_ANNOUNCEMENT;
	n.target_id = a1;
	TEST_EQ_INT(store_number_update(db.st, &n), EPERM);
	n.target_type = TARGET_EMPLOYEE;
	n.target_id = e2;
	TEST_EQ_INT(store_number_update(db.st, &n), EPERM);
	n.target_type = TARGET_NONE;
	n.target_id = 0;
	TEST_EQ_INT(store_number_update(db.st, &n), EPERM);
	n.target_type = TARGET_EMPLOYEE;
	n.target_id = e1;
	str_copy(n.description, "Max direkt", sizeof(n.description));
	TEST_EQ_INT(store_number_update(db.st, &n), 0);
	TEST_EQ_INT(store_number_get(db.st, to_e1, &n), 0);
	TEST_EQ_STR(n.description, "Max direkt");
	TEST_EQ_INT(check_personal(db.st, e1, to_e1, true), 0);

	/* "" and NULL remove it: the employee has a fault */
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, ""), 0);
	TEST_EQ_INT(check_personal(db.st, e1, to_e1, false), 0);
	TEST_EQ_INT(store_employee_get(db.st, e1, &e), 0);
	TEST_EQ_STR(e.personal_number, "");
	TEST_EQ_INT(store_number_get(db.st, to_e1, &n), 0);
	TEST_EQ_INT(n.target_type, TARGET_NONE);
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, "+4922182829901"),
		    0);
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, NULL), 0);
	TEST_EQ_INT(check_personal(db.st, e1, free1, false), 0);
	TEST_EQ_INT(store_employee_set_personal(db.st, e1, NULL), 0);

	/* deactivating a personal number takes it from the employee */
	TEST_EQ_INT(store_employee_set_personal(db.st, e2, "+4922182829902"),
		    0);
	TEST_EQ_INT(store_number_get(db.st, free2, &n), 0);
	n.active = false;
	TEST_EQ_INT(store_number_update(db.st, &n), 0);
	TEST_EQ_INT(store_employee_get(db.st, e2, &e), 0);
	TEST_EQ_STR(e.personal_number, "");
	TEST_EQ_INT(store_number_get(db.st, free2, &n), 0);
	TEST_ASSERT(!n.active);
	TEST_ASSERT(!n.personal);
	TEST_EQ_INT(n.target_type, TARGET_NONE);
	TEST_EQ_INT(n.target_id, 0);
	TEST_EQ_INT(store_employee_set_personal(db.st, e2, "+4922182829902"),
		    EACCES);

	/* deleting a personal number takes it from the employee */
	TEST_EQ_INT(store_employee_set_personal(db.st, e2, "+4922182829901"),
		    0);
	TEST_EQ_INT(store_number_delete(db.st, free1), 0);
	TEST_EQ_INT(store_employee_get(db.st, e2, &e), 0);
	TEST_EQ_STR(e.personal_number, "");

	/* the other tenant's employee and number */
	TEST_EQ_INT(store_employee_set_personal(db.st, eo, "+4930123401"), 0);
	TEST_EQ_INT(check_personal(db.st, eo, other, true), 0);
	TEST_EQ_INT(store_employee_get(db.st, e1, &e), 0);
	TEST_EQ_STR(e.personal_number, "");
	(void)off;
	(void)to_e2;
out:
	tdb_close(&db);
	return err;
}
/* ---- handlers that call back into the store --------------------------- */

struct nested {
	struct store *st;
	size_t outer, inner;
	int err;
};

static int nested_inner_h(const struct store_employee *e, void *arg)
{
	struct nested *nx = arg;

	++nx->inner;
	return 0;
}

/* lists employees again and writes, while the outer walk is open */
static int nested_outer_h(const struct store_employee *e, void *arg)
{
	struct nested *nx = arg;
	char num[24];
	int err;

	++nx->outer;
	err = store_employee_list(nx->st, e->tenant_id, nested_inner_h, nx);
	if (err)
		return err;

	re_snprintf(num, sizeof(num), "+49221828299%02u", (unsigned)nx->outer);
	return store_employee_set_personal(nx->st, e->id, num);
}

int test_store_nested(void)
{
	struct tdb db;
	struct store_employee e;
	struct nested nx;
	int64_t t1, e1, e2, e3, x;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(
	    fx_tenant(db.st, "One", "+4922182829900", "+4922182829999", &t1),
	    0);
	TEST_EQ_INT(fx_employee(db.st, t1, "A", "1001", &e1), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "B", "1002", &e2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "C", "1003", &e3), 0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829901", true, TARGET_NONE, 0, &x), 0);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829902", true, TARGET_NONE, 0, &x), 0);

	memset(&nx, 0, sizeof(nx));
	nx.st = db.st;
	/* the third has no number: ENOENT stops the walk there */
	TEST_EQ_INT(store_employee_list(db.st, t1, nested_outer_h, &nx),
		    ENOENT);
	TEST_EQ_INT(nx.outer, 3);
	TEST_EQ_INT(nx.inner, 9);
	TEST_EQ_INT(store_employee_get(db.st, e1, &e), 0);
	TEST_EQ_STR(e.personal_number, "+4922182829901");
	TEST_EQ_INT(store_employee_get(db.st, e2, &e), 0);
	TEST_EQ_STR(e.personal_number, "+4922182829902");
	TEST_EQ_INT(store_employee_get(db.st, e3, &e), 0);
	TEST_EQ_STR(e.personal_number, "");

	/* and the cached statements still work afterwards */
	memset(&nx, 0, sizeof(nx));
	nx.st = db.st;
	TEST_EQ_INT(store_employee_list(db.st, 0, nested_inner_h, &nx), 0);
	TEST_EQ_INT(nx.inner, 3);
out:
	tdb_close(&db);
	return err;
}
