/*
 * route_test.c - routing decisions on the demo data: extensions, personal
 * numbers, announcement, outbound through the trunk and the caller ID
 * policy of seeds/000 and seeds/003.  Also the demo database the call
 * tests use (demo.h).
 */
#include <stdlib.h>
#include <unistd.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "demo.h"
#include "test.h"

struct store *test_demo_store(char *path, size_t sz)
{
	struct store *st = NULL;

	re_snprintf(path, sz, "/tmp/sb-route-%d.db", (int)getpid());
	unlink(path);
	if (store_open(&st, path))
		return NULL;
	if (store_demo_seed(st, "switchboard", "127.0.0.1", 5090)) {
		mem_deref(st);
		return NULL;
	}
	return st;
}

void test_demo_store_drop(struct store *st, const char *path)
{
	char p[300];

	mem_deref(st);
	unlink(path);
	re_snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	re_snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

int test_route_device(void)
{
	static const struct {
		const char *device;
		const char *dialled;
		enum route_kind kind;
		uint16_t scode;
		const char *dialled_norm;
		const char *caller_id;
		const char *direction;
	} v[] = {
	    /* internal by extension: caller ID is the extension */
	    {"1001", "1002", ROUTE_EMPLOYEE, 0, "1002", "1001", "internal"},
	    /* internal by personal number, national and E.164 form */
	    {"1001", "0221 82829902", ROUTE_EMPLOYEE, 0, "+4922182829902",
	     "1001", "internal"},
	    {"1002", "+4922182829901", ROUTE_EMPLOYEE, 0, "+4922182829901",
	     "1002", "internal"},
	    {"1002", "82829901", ROUTE_EMPLOYEE, 0, "+4922182829901", "1002",
	     "internal"},
	    {"1001", "+4922182829990", ROUTE_ANNOUNCEMENT, 0, "+4922182829990",
	     "1001", "internal"},
	    /* outbound: Max shows the central number ... */
	    {"1001", "0221 123456", ROUTE_EXTERNAL, 0, "+49221123456",
	     "+4922182829900", "outbound"},
	    {"1011", "0033123456789", ROUTE_EXTERNAL, 0, "+33123456789",
	     "+4922182829900", "outbound"},
	    /* ... Erika her personal number */
	    {"1002", "+33 1 23 45 67 89", ROUTE_EXTERNAL, 0, "+33123456789",
	     "+4922182829902", "outbound"},
	    {"1001", "1999", ROUTE_REJECT, 404, "1999", "1001", "internal"},
	    {"1001", "+4922182829903", ROUTE_REJECT, 404, "+4922182829903",
	     "1001", "internal"},
	    {"1001", "12ab", ROUTE_REJECT, 484, "12ab", "1001", "internal"},
	};
	char path[64];
	struct store *st = test_demo_store(path, sizeof(path));
	size_t i;
	int err = 0;

	TEST_ASSERT(st != NULL);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		struct store_device dev;
		struct route_caller c = {NULL, &dev, v[i].device, "", NULL,
					 NULL, 0};
		struct route_result r;

		TEST_EQ_INT(store_device_by_username(st, v[i].device, &dev), 0);
		TEST_EQ_INT(route_resolve(st, &c, v[i].dialled, &r), 0);
		if (r.target.kind != v[i].kind || r.scode != v[i].scode ||
		    strcmp(r.dialled, v[i].dialled_norm) ||
		    strcmp(r.target.caller_id, v[i].caller_id) ||
		    strcmp(store_direction_name(r.direction), v[i].direction) ||
		    (r.target.kind == ROUTE_EXTERNAL &&
		     (r.target.id != 1 ||
		      strcmp(r.target.number, v[i].dialled_norm)))) {
			fprintf(stderr,
				"  %s dials '%s': kind %d scode %u "
				"dialled '%s' cid '%s' dir %s\n",
				v[i].device, v[i].dialled, r.target.kind,
				r.scode, r.dialled, r.target.caller_id,
				store_direction_name(r.direction));
			err = 1;
		}
	}
out:
	if (st)
		test_demo_store_drop(st, path);
	return err;
}

int test_route_trunk(void)
{
	char path[64];
	struct store *st = test_demo_store(path, sizeof(path));
	struct store_trunk t;
	struct route_caller c = {0};
	struct route_result r;
	struct store_employee e;
	struct store_announcement a;
	int err = 0;

	TEST_ASSERT(st != NULL);
	TEST_EQ_INT(store_trunk_by_source(st, "127.0.0.1", 5090, &t), 0);
	TEST_EQ_INT(store_trunk_by_source(st, "127.0.0.1", 5091, &t), ENOENT);
	TEST_EQ_INT(store_trunk_by_source(st, "127.0.0.1", 5090, &t), 0);
	c.trunk = &t;
	c.device = NULL;
	c.from_user = "022112345678";
	c.from_name = "Anrufer";
	c.to_user = NULL;

	TEST_EQ_INT(route_resolve(st, &c, "+4922182829901", &r), 0);
	TEST_EQ_INT(r.target.kind, ROUTE_EMPLOYEE);
	TEST_EQ_INT(store_employee_get(st, r.target.id, &e), 0);
	TEST_EQ_STR(e.first_name, "Max");
	TEST_EQ_STR(r.target.caller_id, "+4922112345678");
	TEST_EQ_INT(r.direction, STORE_DIR_INBOUND);

	TEST_EQ_INT(route_resolve(st, &c, "022182829990", &r), 0);
	TEST_EQ_INT(r.target.kind, ROUTE_ANNOUNCEMENT);
	TEST_EQ_INT(store_announcement_get(st, r.target.id, &a), 0);
	TEST_EQ_STR(a.file, "welcome.wav");

	TEST_EQ_INT(route_resolve(st, &c, "+4922182829977", &r), 0);
	TEST_EQ_INT(r.target.kind, ROUTE_REJECT);
	TEST_EQ_INT(r.scode, 404);

	/* a number switched off is not in service, whatever its target */
	{
		struct store_number n;
		TEST_EQ_INT(store_number_by_e164(st, "+4922182829990", &n), 0);
		n.active = false;
		TEST_EQ_INT(store_number_update(st, &n), 0);
		TEST_EQ_INT(route_resolve(st, &c, "+4922182829990", &r), 0);
		TEST_EQ_INT(r.target.kind, ROUTE_REJECT);
		TEST_EQ_INT(r.scode, 404);
		TEST_EQ_STR(r.reason, "Number Not In Service");
		n.active = true;
		TEST_EQ_INT(store_number_update(st, &n), 0);
		TEST_EQ_INT(route_resolve(st, &c, "+4922182829990", &r), 0);
		TEST_EQ_INT(r.target.kind, ROUTE_ANNOUNCEMENT);
	}

	/* an employee who lost the personal number may not phone out */
	TEST_EQ_INT(store_employee_by_extension(st, 1, "1001", &e), 0);
	TEST_EQ_INT(store_employee_set_personal(st, e.id, NULL), 0);
	{
		struct store_device dev;
		struct route_caller dc = {NULL, &dev, "1001", "",
					  NULL, NULL, 0};
		TEST_EQ_INT(store_device_by_username(st, "1001", &dev), 0);
		TEST_EQ_INT(route_resolve(st, &dc, "0221123456", &r), 0);
		TEST_EQ_INT(r.target.kind, ROUTE_REJECT);
		TEST_EQ_INT(r.scode, 403);
		/* internal calls still work */
		TEST_EQ_INT(route_resolve(st, &dc, "1002", &r), 0);
		TEST_EQ_INT(r.target.kind, ROUTE_EMPLOYEE);
	}
out:
	if (st)
		test_demo_store_drop(st, path);
	return err;
}

/* Which number a trunk call is for: the Request-URI user, except for a
 * registering trunk whose carrier calls our registered Contact (Request-URI
 * user = the trunk's username): then the To user. */
int test_route_trunk_registered(void)
{
	static const struct {
		bool do_register;
		const char *ruri_user;
		const char *to_user;
		enum route_kind kind;
		const char *dialled_norm;
	} v[] = {
	    /* the contact user: the number is in To */
	    {true, "acc4711", "+4922182829990", ROUTE_ANNOUNCEMENT,
	     "+4922182829990"},
	    {true, "acc4711", "022182829901", ROUTE_EMPLOYEE, "+4922182829901"},
	    {true, "", "+4922182829990", ROUTE_ANNOUNCEMENT, "+4922182829990"},
	    /* the carrier put the number into the Request-URI */
	    {true, "+4922182829901", "+4922182829990", ROUTE_EMPLOYEE,
	     "+4922182829901"},
	    /* no To user: the Request-URI as it is (not a number: 404) */
	    {true, "acc4711", "", ROUTE_REJECT, "acc4711"},
	    /* an IP trunk is routed by the Request-URI only */
	    {false, "acc4711", "+4922182829990", ROUTE_REJECT, "acc4711"},
	    {false, "+4922182829990", "+4922182829901", ROUTE_ANNOUNCEMENT,
	     "+4922182829990"},
	};
	char path[64];
	struct store *st = test_demo_store(path, sizeof(path));
	struct store_trunk t;
	struct route_result r;
	size_t i;
	int err = 0;

	TEST_ASSERT(st != NULL);
	TEST_EQ_INT(store_trunk_by_source(st, "127.0.0.1", 5090, &t), 0);
	str_copy(t.username, "acc4711", sizeof(t.username));
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		struct route_caller c = {
		    &t, NULL, "+4930123456", "", v[i].to_user, NULL, 0};
		t.do_register = v[i].do_register;
		TEST_EQ_INT(route_resolve(st, &c, v[i].ruri_user, &r), 0);
		if (r.target.kind != v[i].kind)
			fprintf(stderr, "  case %zu\n", i);
		TEST_EQ_INT(r.target.kind, v[i].kind);
		TEST_EQ_STR(r.dialled, v[i].dialled_norm);
		TEST_EQ_INT(r.direction, STORE_DIR_INBOUND);
	}
out:
	if (st)
		test_demo_store_drop(st, path);
	return err;
}

/*
 * An external number as a target: from the carrier (a number routed to
 * it) and from a menu key (route_target_of), out through the tenant's
 * trunk to the number with the tenant's central number and the target's
 * ring timeout; a tenant without a central number presents the caller;
 * a target that is gone or another tenant's is refused by the store.
 */
int test_route_external(void)
{
	char path[64];
	struct store *st = test_demo_store(path, sizeof(path));
	struct store_external x, y;
	struct store_number n;
	struct store_tenant tn;
	struct store_trunk t;
	struct route_caller c = {0};
	struct route_result r;
	struct store_target_ref ref;
	int err = 0;

	TEST_ASSERT(st != NULL);
	memset(&x, 0, sizeof(x));
	x.tenant_id = 1;
	str_copy(x.name, "Partner", sizeof(x.name));
	str_copy(x.number, "+492215550123", sizeof(x.number));
	x.ring_timeout = 25;
	TEST_EQ_INT(store_external_add(st, &x), 0);
	y = x;
	str_copy(y.number, "12", sizeof(y.number));
	TEST_EQ_INT(store_external_add(st, &y), EINVAL);
	y = x;
	TEST_EQ_INT(store_external_add(st, &y), EEXIST);
	y.ring_timeout = 301;
	str_copy(y.name, "Other", sizeof(y.name));
	TEST_EQ_INT(store_external_add(st, &y), EINVAL);

	memset(&n, 0, sizeof(n));
	str_copy(n.e164, "+4922182829960", sizeof(n.e164));
	n.active = true;
	n.target_type = TARGET_EXTERNAL;
	n.target_id = x.id;
	TEST_EQ_INT(store_number_add(st, &n), 0);
	TEST_EQ_INT(store_external_delete(st, x.id), EBUSY);

	TEST_EQ_INT(store_trunk_by_source(st, "127.0.0.1", 5090, &t), 0);
	c.trunk = &t;
	c.device = NULL;
	c.from_user = "022112345678";
	c.from_name = "Anrufer";
	c.to_user = NULL;
	TEST_EQ_INT(route_resolve(st, &c, "+4922182829960", &r), 0);
	TEST_EQ_INT(r.target.kind, ROUTE_EXTERNAL);
	TEST_EQ_INT(r.target.id, t.id);
	TEST_EQ_STR(r.target.number, "+492215550123");
	TEST_EQ_STR(r.target.caller_id, "+4922182829900");
	TEST_EQ_INT(r.target.timeout, 25);
	TEST_EQ_INT(r.direction, STORE_DIR_INBOUND);

	ref.type = TARGET_EXTERNAL;
	ref.id = x.id;
	TEST_EQ_INT(route_target_of(st, &ref, 1, &r), 0);
	TEST_EQ_INT(r.target.kind, ROUTE_EXTERNAL);
	TEST_EQ_STR(r.target.number, "+492215550123");
	TEST_EQ_STR(r.target.caller_id, "+4922182829900");

	/* no central number: the caller's stays */
	TEST_EQ_INT(store_tenant_get(st, 1, &tn), 0);
	tn.central_number[0] = '\0';
	TEST_EQ_INT(store_tenant_update(st, &tn), 0);
	TEST_EQ_INT(route_resolve(st, &c, "+4922182829960", &r), 0);
	TEST_EQ_INT(r.target.kind, ROUTE_EXTERNAL);
	TEST_EQ_STR(r.target.caller_id, "+4922112345678");
	TEST_EQ_INT(route_target_of(st, &ref, 1, &r), 0);
	TEST_EQ_STR(r.target.caller_id, "");

	/* gone: 404 */
	ref.id = x.id + 100;
	TEST_EQ_INT(route_target_of(st, &ref, 1, &r), 0);
	TEST_EQ_INT(r.target.kind, ROUTE_REJECT);
	TEST_EQ_INT(r.scode, 404);

	/* another tenant's is no target of tenant 1 */
	memset(&tn, 0, sizeof(tn));
	str_copy(tn.name, "Fremd", sizeof(tn.name));
	TEST_EQ_INT(store_tenant_add(st, &tn), 0);
	y = x;
	y.tenant_id = tn.id;
	TEST_EQ_INT(store_external_add(st, &y), 0);
	n.target_id = y.id;
	TEST_EQ_INT(store_number_update(st, &n), EXDEV);
out:
	test_demo_store_drop(st, path);
	return err;
}
