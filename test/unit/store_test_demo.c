/*
 * store_test_demo.c - the demo data of store_demo_seed(): what `make run`
 * starts with, read back through the public functions.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

struct demo_numbers {
	struct store_number v[8];
	size_t n;
};

static int demo_number_h(const struct store_number *n, void *arg)
{
	struct demo_numbers *dn = arg;

	if (dn->n < ARRAY_SIZE(dn->v))
		dn->v[dn->n] = *n;
	++dn->n;

	return 0;
}

static const struct store_number *demo_find(const struct demo_numbers *dn,
					    const char *e164)
{
	size_t i;

	for (i = 0; i < dn->n && i < ARRAY_SIZE(dn->v); i++) {
		if (!strcmp(dn->v[i].e164, e164))
			return &dn->v[i];
	}
	return NULL;
}

/* The demo's employees: extension, names, e-mail, personal number. */
static const struct {
	const char *ext, *first, *last, *email, *personal;
	bool show;
} emps[] = {
    {"1001", "Max", "Mustermann", "max.mustermann@mustermann.example",
     "+4922182829901", false},
    {"1002", "Erika", "Musterfrau", "erika.musterfrau@mustermann.example",
     "+4922182829902", true},
};

/* Its numbers: emp is the index into emps[] of the target employee, -1
 * for none or the announcement. */
static const struct {
	const char *e164;
	bool active, personal;
	enum store_target type;
	int emp;
	const char *description;
} nums[] = {
    {"+4922182829901", true, true, TARGET_EMPLOYEE, 0, ""},
    {"+4922182829902", true, true, TARGET_EMPLOYEE, 1, ""},
    {"+4922182829900", true, false, TARGET_EMPLOYEE, 0, "Zentrale"},
    {"+4922182829990", true, false, TARGET_ANNOUNCEMENT, -1, "Ansage"},
    {"+4922182829903", false, false, TARGET_NONE, -1, ""},
};

/* Its devices: username, password (HA1 for realm "switchboard"), name. */
static const struct {
	const char *user, *password, *name;
	int emp;
} devs[] = {
    {"1001", "alpha1001", "Tischtelefon", 0},
    {"1011", "charlie1011", "Softclient", 0},
    {"1002", "bravo1002", "Tischtelefon", 1},
};

int test_store_demo(void)
{
	struct tdb db;
	struct store_tenant t;
	struct store_number_block b;
	struct store_employee e;
	struct store_device d;
	struct store_announcement a;
	struct store_trunk tr;
	struct demo_numbers dn;
	const struct store_number *n;
	struct ids ids;
	int64_t emp_id[ARRAY_SIZE(emps)];
	uint8_t md[MD5_SIZE];
	char ha1[33];
	size_t i;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(store_demo_seed(db.st, "", "127.0.0.1", 5090), EINVAL);
	TEST_ASSERT(store_is_empty(db.st));
	TEST_EQ_INT(store_demo_seed(db.st, "switchboard", "127.0.0.1", 5090),
		    0);
	TEST_ASSERT(!store_is_empty(db.st));
	TEST_EQ_INT(store_demo_seed(db.st, "switchboard", "127.0.0.1", 5090),
		    EEXIST);

	/* one tenant */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_tenant_list(db.st, tenant_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 1);
	TEST_EQ_INT(store_tenant_get(db.st, ids.v[0], &t), 0);
	TEST_EQ_STR(t.name, "Mustermann AG");
	TEST_EQ_STR(t.country_code, "49");
	TEST_EQ_STR(t.area_code, "221");
	TEST_EQ_STR(t.central_number, "+4922182829900");

	/* one block */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_block_list(db.st, t.id, block_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 1);
	TEST_EQ_INT(store_block_get(db.st, ids.v[0], &b), 0);
	TEST_EQ_STR(b.first, "+4922182829900");
	TEST_EQ_STR(b.last, "+4922182829999");

	/* two employees */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_employee_list(db.st, t.id, employee_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, ARRAY_SIZE(emps));
	for (i = 0; i < ARRAY_SIZE(emps); i++) {
		TEST_EQ_INT(
		    store_employee_by_extension(db.st, t.id, emps[i].ext, &e),
		    0);
		TEST_EQ_STR(e.first_name, emps[i].first);
		TEST_EQ_STR(e.last_name, emps[i].last);
		TEST_EQ_STR(e.email, emps[i].email);
		TEST_EQ_STR(e.personal_number, emps[i].personal);
		TEST_EQ_INT(e.show_personal_number, emps[i].show);
		emp_id[i] = e.id;
	}

	/* five numbers */
	memset(&dn, 0, sizeof(dn));
	TEST_EQ_INT(store_number_list(db.st, t.id, demo_number_h, &dn), 0);
	TEST_EQ_INT(dn.n, ARRAY_SIZE(nums));
	for (i = 0; i < ARRAY_SIZE(nums); i++) {
		n = demo_find(&dn, nums[i].e164);
		if (!n)
			fprintf(stderr, "  number %s missing\n", nums[i].e164);
		TEST_ASSERT(n);
		TEST_EQ_INT(n->active, nums[i].active);
		TEST_EQ_INT(n->personal, nums[i].personal);
		TEST_EQ_INT(n->target_type, nums[i].type);
		if (nums[i].emp >= 0)
			TEST_EQ_INT(n->target_id, emp_id[nums[i].emp]);
		if (nums[i].type == TARGET_NONE)
			TEST_EQ_INT(n->target_id, 0);
		TEST_EQ_STR(n->description, nums[i].description);
	}

	/* the announcement */
	n = demo_find(&dn, "+4922182829990");
	TEST_EQ_INT(store_announcement_get(db.st, n->target_id, &a), 0);
	TEST_EQ_INT(a.tenant_id, t.id);
	TEST_EQ_STR(a.name, "Willkommen");
	TEST_EQ_STR(a.file, "welcome.wav");

	/* three devices; HA1 for the realm */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_device_list(db.st, t.id, 0, device_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, ARRAY_SIZE(devs));
	for (i = 0; i < ARRAY_SIZE(devs); i++) {
		TEST_EQ_INT(store_device_by_username(db.st, devs[i].user, &d),
			    0);
		TEST_EQ_INT(d.employee_id, emp_id[devs[i].emp]);
		TEST_EQ_STR(d.name, devs[i].name);
		TEST_EQ_INT(md5_printf(md, "%s:switchboard:%s", devs[i].user,
				       devs[i].password),
			    0);
		re_snprintf(ha1, sizeof(ha1), "%w", md, sizeof(md));
		TEST_EQ_STR(d.ha1, ha1);
	}
	TEST_EQ_INT(store_device_by_username(db.st, "1001", &d), 0);
	TEST_EQ_STR(d.ha1, "6c4dda76bcf4d90cc330072c09b7a900");

	/* one shared trunk */
	TEST_EQ_INT(store_trunk_for_tenant(db.st, t.id, &tr), 0);
	TEST_EQ_STR(tr.name, "Demo-Carrier");
	TEST_EQ_STR(tr.host, "127.0.0.1");
	TEST_EQ_INT(tr.port, 5090);
	TEST_EQ_INT(tr.transport, STORE_TRANSPORT_UDP);
	TEST_EQ_INT(tr.tenant_id, 0);
	TEST_ASSERT(!tr.match_any_port);
	TEST_EQ_INT(store_trunk_by_source(db.st, "127.0.0.1", 5090, &tr), 0);
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_trunk_list(db.st, trunk_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 1);
out:
	tdb_close(&db);
	return err;
}
