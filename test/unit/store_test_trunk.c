/*
 * store_test_trunk.c - trunks against store.h: defaults, which trunk a
 * source address is (a table), the outbound trunk of a tenant, and
 * registering trunks with their account fields.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

int test_store_trunk(void)
{
	struct tdb db;
	struct store_trunk t, g;
	struct ids ids;
	int64_t t1, t2, own, own2, sh1, sh2, any, x;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenant(db.st, "One", NULL, NULL, &t1), 0);
	TEST_EQ_INT(fx_tenant(db.st, "Two", NULL, NULL, &t2), 0);

	/* no trunk at all */
	TEST_EQ_INT(store_trunk_for_tenant(db.st, t1, &g), ENOENT);

	TEST_EQ_INT(fx_trunk(db.st, 0, "192.0.2.2", 5070, false, &sh1), 0);
	TEST_EQ_INT(fx_trunk(db.st, 0, "192.0.2.2", 5080, false, &sh2), 0);
	TEST_EQ_INT(fx_trunk(db.st, t1, "192.0.2.1", 5060, false, &own), 0);
	TEST_EQ_INT(fx_trunk(db.st, 0, "192.0.2.3", 5060, true, &any), 0);
	TEST_EQ_INT(fx_trunk(db.st, t1, "192.0.2.4", 5060, false, &own2), 0);
	TEST_EQ_INT(fx_trunk(db.st, 0, "", 5060, false, &x), EINVAL);
	TEST_EQ_INT(fx_trunk(db.st, t2 + 100, "192.0.2.9", 5060, false, &x),
		    ENOENT);

	memset(&t, 0, sizeof(t));
	str_copy(t.name, "Carrier TCP", sizeof(t.name));
	str_copy(t.host, "198.51.100.7", sizeof(t.host));
	t.transport = (enum store_transport)7;
	TEST_EQ_INT(store_trunk_add(db.st, &t), EINVAL);
	t.transport = STORE_TRANSPORT_TCP;
	str_copy(t.username, "acct", sizeof(t.username));
	str_copy(t.password, "pw-secret", sizeof(t.password));
	TEST_EQ_INT(store_trunk_add(db.st, &t), 0);
	TEST_EQ_INT(t.port, 5060); /* 0 means the SIP port */

	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_trunk_get(db.st, t.id, &g), 0);
	TEST_EQ_INT(g.tenant_id, 0);
	TEST_EQ_STR(g.name, "Carrier TCP");
	TEST_EQ_STR(g.host, "198.51.100.7");
	TEST_EQ_INT(g.port, 5060);
	TEST_EQ_INT(g.transport, STORE_TRANSPORT_TCP);
	TEST_ASSERT(!g.match_any_port);
	TEST_EQ_STR(g.username, "acct");
	TEST_EQ_STR(g.password, "pw-secret");
	TEST_EQ_INT(g.created_at, T0);

	/* inbound: which trunk is this source? */
	{
		const struct {
			const char *ip;
			uint16_t port;
			int want;
			int64_t id;
		} v[] = {
		    {"192.0.2.1", 5060, 0, own},
		    {"192.0.2.1", 5061, ENOENT, 0},
		    {"192.0.2.2", 5070, 0, sh1},
		    {"192.0.2.2", 5080, 0, sh2},
		    {"192.0.2.2", 5060, ENOENT, 0},
		    {"192.0.2.3", 40000, 0, any},
		    {"192.0.2.3", 5060, 0, any},
		    {"192.0.2.99", 5060, ENOENT, 0},
		};
		size_t i;

		for (i = 0; i < ARRAY_SIZE(v); i++) {
			memset(&g, 0, sizeof(g));
			TEST_EQ_INT(store_trunk_by_source(db.st, v[i].ip,
							  v[i].port, &g),
				    v[i].want);
			TEST_EQ_INT(g.id, v[i].id);
		}
	}

	/* an exact port beats match_any_port on the same host */
	TEST_EQ_INT(fx_trunk(db.st, 0, "192.0.2.3", 5090, false, &x), 0);
	TEST_EQ_INT(store_trunk_by_source(db.st, "192.0.2.3", 5090, &g), 0);
	TEST_EQ_INT(g.id, x);

	/* outbound: own lowest id, else shared lowest id */
	TEST_EQ_INT(store_trunk_for_tenant(db.st, t1, &g), 0);
	TEST_EQ_INT(g.id, own);
	TEST_EQ_INT(g.tenant_id, t1);
	TEST_EQ_INT(store_trunk_for_tenant(db.st, t2, &g), 0);
	TEST_EQ_INT(g.id, sh1);
	TEST_EQ_INT(store_trunk_for_tenant(db.st, 0, &g), 0);
	TEST_EQ_INT(g.id, sh1);

	/* update: a shared trunk becomes t2's */
	TEST_EQ_INT(store_trunk_get(db.st, sh2, &t), 0);
	t.tenant_id = t2;
	t.port = 5099;
	t.match_any_port = true;
	TEST_EQ_INT(store_trunk_update(db.st, &t), 0);
	TEST_EQ_INT(store_trunk_get(db.st, sh2, &g), 0);
	TEST_EQ_INT(g.tenant_id, t2);
	TEST_EQ_INT(g.port, 5099);
	TEST_ASSERT(g.match_any_port);
	TEST_EQ_INT(store_trunk_for_tenant(db.st, t2, &g), 0);
	TEST_EQ_INT(g.id, sh2);
	t.tenant_id = t2 + 100;
	TEST_EQ_INT(store_trunk_update(db.st, &t), ENOENT);
	t.tenant_id = 0;
	t.id = 9999;
	TEST_EQ_INT(store_trunk_update(db.st, &t), ENOENT);

	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_trunk_list(db.st, trunk_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 7);
	TEST_EQ_INT(ids.v[0], sh1);

	TEST_EQ_INT(store_trunk_delete(db.st, own), 0);
	TEST_EQ_INT(store_trunk_for_tenant(db.st, t1, &g), 0);
	TEST_EQ_INT(g.id, own2);
	TEST_EQ_INT(store_trunk_delete(db.st, own), ENOENT);
	TEST_EQ_INT(store_trunk_get(db.st, own, &g), ENOENT);
out:
	tdb_close(&db);
	return err;
}

/* Trunks that register to their carrier: the fields of migration 2, their
 * defaults and the rule that a registering trunk names its account. */
int test_store_trunk_register(void)
{
	struct tdb db;
	struct store_trunk t, g;
	int64_t plain;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);

	/* an IP trunk gets the defaults and does not register */
	TEST_EQ_INT(fx_trunk(db.st, 0, "192.0.2.2", 5070, false, &plain), 0);
	TEST_EQ_INT(store_trunk_get(db.st, plain, &g), 0);
	TEST_ASSERT(!g.do_register);
	TEST_EQ_STR(g.registrar, "");
	TEST_EQ_STR(g.domain, "");
	TEST_EQ_STR(g.auth_user, "");
	TEST_EQ_STR(g.from_user, "");
	TEST_EQ_INT(g.expires, 600);

	/* registering needs the account (username) */
	memset(&t, 0, sizeof(t));
	str_copy(t.name, "Carrier R", sizeof(t.name));
	str_copy(t.host, "198.51.100.20", sizeof(t.host));
	t.do_register = true;
	TEST_EQ_INT(store_trunk_add(db.st, &t), EINVAL);
	str_copy(t.username, "4922182829900", sizeof(t.username));
	str_copy(t.password, "pw", sizeof(t.password));
	TEST_EQ_INT(store_trunk_add(db.st, &t), 0);
	TEST_EQ_INT(t.expires, 600); /* 0 means the default */
	TEST_EQ_INT(store_trunk_get(db.st, t.id, &g), 0);
	TEST_ASSERT(g.do_register);
	TEST_EQ_STR(g.username, "4922182829900");
	TEST_EQ_INT(g.expires, 600);

	/* every field round-trips through update */
	str_copy(t.registrar, "sip:reg.carrier.example:5080;transport=tcp",
		 sizeof(t.registrar));
	str_copy(t.domain, "carrier.example", sizeof(t.domain));
	str_copy(t.auth_user, "auth-4711", sizeof(t.auth_user));
	str_copy(t.from_user, "acc-4711", sizeof(t.from_user));
	t.expires = 120;
	TEST_EQ_INT(store_trunk_update(db.st, &t), 0);
	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_trunk_get(db.st, t.id, &g), 0);
	TEST_ASSERT(g.do_register);
	TEST_EQ_STR(g.registrar, "sip:reg.carrier.example:5080;transport=tcp");
	TEST_EQ_STR(g.domain, "carrier.example");
	TEST_EQ_STR(g.auth_user, "auth-4711");
	TEST_EQ_STR(g.from_user, "acc-4711");
	TEST_EQ_INT(g.expires, 120);
	TEST_EQ_STR(g.password, "pw");

	/* the source rule is the same for registering trunks */
	TEST_EQ_INT(store_trunk_by_source(db.st, "198.51.100.20", 5060, &g), 0);
	TEST_EQ_INT(g.id, t.id);
	TEST_ASSERT(g.do_register);
	TEST_EQ_INT(store_trunk_by_source(db.st, "198.51.100.20", 5061, &g),
		    ENOENT);

	/* update keeps the rule; expires 0 falls back to the default */
	t.expires = 0;
	TEST_EQ_INT(store_trunk_update(db.st, &t), 0);
	TEST_EQ_INT(store_trunk_get(db.st, t.id, &g), 0);
	TEST_EQ_INT(g.expires, 600);
	t.username[0] = '\0';
	TEST_EQ_INT(store_trunk_update(db.st, &t), EINVAL);
	t.do_register = false;
	TEST_EQ_INT(store_trunk_update(db.st, &t), 0);
	TEST_EQ_INT(store_trunk_get(db.st, t.id, &g), 0);
	TEST_ASSERT(!g.do_register);
	TEST_EQ_STR(g.username, "");
out:
	tdb_close(&db);
	return err;
}

/* Issue 20: a port range or the address only (match), the order outbound
 * calls try trunks in (priority, own before shared, id). */
int test_store_trunk_failover(void)
{
	struct tdb db;
	struct store_trunk t, g;
	struct ids ids;
	int64_t t1, rng, exact, sh, own, own_late;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenant(db.st, "One", NULL, NULL, &t1), 0);

	memset(&t, 0, sizeof(t));
	str_copy(t.name, "Ranged", sizeof(t.name));
	str_copy(t.host, "192.0.2.5", sizeof(t.host));
	t.port = 5060;
	t.match = STORE_TRUNK_MATCH_PORT_RANGE;
	TEST_EQ_INT(store_trunk_add(db.st, &t), EINVAL); /* no range */
	t.port_min = 5070;
	t.port_max = 5069;
	TEST_EQ_INT(store_trunk_add(db.st, &t), EINVAL); /* min > max */
	t.port_max = 5079;
	TEST_EQ_INT(store_trunk_add(db.st, &t), 0);
	rng = t.id;
	TEST_EQ_INT(store_trunk_get(db.st, rng, &g), 0);
	TEST_EQ_INT(g.match, STORE_TRUNK_MATCH_PORT_RANGE);
	TEST_EQ_INT(g.port_min, 5070);
	TEST_EQ_INT(g.port_max, 5079);
	TEST_ASSERT(!g.match_any_port);
	/* a port of the range wins over none; the exact port of another
	 * trunk on the host wins over the range */
	TEST_EQ_INT(fx_trunk(db.st, 0, "192.0.2.5", 5075, false, &exact), 0);
	{
		const struct {
			uint16_t port;
			int want;
			int64_t id;
		} v[] = {
		    {5060, 0, rng},   {5070, 0, rng},    {5079, 0, rng},
		    {5075, 0, exact}, {5069, ENOENT, 0}, {5080, ENOENT, 0},
		};
		size_t i;

		for (i = 0; i < ARRAY_SIZE(v); i++) {
			memset(&g, 0, sizeof(g));
			TEST_EQ_INT(store_trunk_by_source(db.st, "192.0.2.5",
							  v[i].port, &g),
				    v[i].want);
			TEST_EQ_INT(g.id, v[i].id);
		}
	}
	TEST_EQ_INT(store_trunk_by_source(db.st, "192.0.2.6", 5070, &g),
		    ENOENT);
	/* address only: any port; a range is not kept */
	TEST_EQ_INT(store_trunk_get(db.st, rng, &t), 0);
	t.match = STORE_TRUNK_MATCH_ADDRESS;
	TEST_EQ_INT(store_trunk_update(db.st, &t), 0);
	TEST_EQ_INT(store_trunk_get(db.st, rng, &g), 0);
	TEST_ASSERT(g.match_any_port);
	TEST_EQ_INT(g.port_min, 0);
	TEST_EQ_INT(store_trunk_by_source(db.st, "192.0.2.5", 40000, &g), 0);
	TEST_EQ_INT(g.id, rng);

	/* the order: priority, own before shared, id */
	TEST_EQ_INT(store_trunk_delete(db.st, rng), 0);
	TEST_EQ_INT(store_trunk_delete(db.st, exact), 0);
	TEST_EQ_INT(fx_trunk(db.st, 0, "192.0.2.7", 5060, false, &sh), 0);
	TEST_EQ_INT(fx_trunk(db.st, t1, "192.0.2.8", 5060, false, &own), 0);
	TEST_EQ_INT(fx_trunk(db.st, t1, "192.0.2.9", 5060, false, &own_late),
		    0);
	TEST_EQ_INT(store_trunk_get(db.st, own, &t), 0);
	t.priority = 5;
	TEST_EQ_INT(store_trunk_update(db.st, &t), 0);
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_trunk_route(db.st, t1, trunk_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 3);
	TEST_EQ_INT(ids.v[0], own_late);
	TEST_EQ_INT(ids.v[1], sh);
	TEST_EQ_INT(ids.v[2], own);
	TEST_EQ_INT(store_trunk_for_tenant(db.st, t1, &g), 0);
	TEST_EQ_INT(g.id, own_late);
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_trunk_route(db.st, 0, trunk_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 1);
	TEST_EQ_INT(ids.v[0], sh);
out:
	tdb_close(&db);
	return err;
}
