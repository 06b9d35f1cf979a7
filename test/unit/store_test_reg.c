/*
 * store_test_reg.c - registrations against store.h: the upsert of a
 * binding, liveness by expires_at, the bindings of an employee, delete,
 * purge, and every field through the round trip.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

/* ---- registrations ---------------------------------------------------- */

static int fx_reg(struct store *st, int64_t dev, const char *contact,
		  uint64_t expires, int64_t *idp)
{
	struct store_registration r;
	int err;

	memset(&r, 0, sizeof(r));
	r.device_id = dev;
	str_copy(r.contact, contact, sizeof(r.contact));
	str_copy(r.received, "192.0.2.10:5060", sizeof(r.received));
	str_copy(r.transport, "udp", sizeof(r.transport));
	r.expires_at = expires;
	err = store_reg_save(st, &r);
	*idp = r.id;

	return err;
}

int test_store_reg(void)
{
	struct tdb db;
	struct store_registration r;
	struct ids ids;
	int64_t t1, e1, e2, d1, d2, d3, ra, rb, rc, rd, x;
	unsigned n = 99;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenant(db.st, "One", NULL, NULL, &t1), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "A", "1001", &e1), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "B", "1002", &e2), 0);
	TEST_EQ_INT(fx_device(db.st, t1, e1, "1001", &d1), 0);
	TEST_EQ_INT(fx_device(db.st, t1, e1, "1011", &d2), 0);
	TEST_EQ_INT(fx_device(db.st, t1, e2, "1002", &d3), 0);

	fx_reg_full(&r, d1);
	TEST_EQ_INT(store_reg_save(db.st, &r), 0);
	TEST_ASSERT(r.id > 0);
	TEST_EQ_INT(r.updated_at, T0);
	ra = r.id;

	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list(db.st, d1, T0, reg_id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 1, &ra));

	/* refresh: same binding, new values */
	r.id = 0;
	str_copy(r.received, "192.0.2.10:5070", sizeof(r.received));
	r.cseq = 4000000001u;
	r.expires_at = T0 + 120000;
	r.updated_at = T0 + 1000;
	TEST_EQ_INT(store_reg_save(db.st, &r), 0);
	TEST_EQ_INT(r.id, ra);
	TEST_EQ_INT(store_reg_list(db.st, d1, T0, NULL, NULL), EINVAL);
	TEST_EQ_INT(
	    fx_reg(db.st, d1, "sip:1001@10.0.0.6:5060", T0 + 30000, &rb), 0);
	TEST_EQ_INT(
	    fx_reg(db.st, d2, "sip:1011@10.0.0.7:5060", T0 + 90000, &rc), 0);
	TEST_EQ_INT(
	    fx_reg(db.st, d3, "sip:1002@10.0.0.8:5060", T0 + 90000, &rd), 0);
	TEST_ASSERT(rb != ra && rc != rb && rd != rc);
	TEST_EQ_INT(fx_reg(db.st, d3 + 100, "sip:x@10.0.0.9", T0 + 1, &x),
		    ENOENT);
	TEST_EQ_INT(fx_reg(db.st, d3, "", T0 + 1, &x), EINVAL);

	/* what the refresh stored */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list(db.st, d1, T0, reg_id_h, &ids), 0);
	{
		const int64_t want[] = {ra, rb};
		TEST_ASSERT(ids_are(&ids, 2, want));
	}

	/* alive while expires_at > now */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list(db.st, 0, T0, reg_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 4);
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list(db.st, 0, T0 + 30000, reg_id_h, &ids), 0);
	{
		const int64_t want[] = {ra, rc, rd};
		TEST_ASSERT(ids_are(&ids, 3, want));
	}

	/* of an employee: all its devices */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list_employee(db.st, e1, T0, reg_id_h, &ids), 0);
	{
		const int64_t want[] = {ra, rb, rc};
		TEST_ASSERT(ids_are(&ids, 3, want));
	}
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(
	    store_reg_list_employee(db.st, e1, T0 + 100000, reg_id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 1, &ra));
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list_employee(db.st, e2, T0, reg_id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 1, &rd));

	/* nothing has expired at T0 */
	TEST_EQ_INT(store_reg_purge(db.st, T0, &n), 0);
	TEST_EQ_INT(n, 0);

	/* delete one binding, then purge the expired */
	TEST_EQ_INT(store_reg_delete(db.st, d1, "sip:1001@10.0.0.6:5060"), 0);
	TEST_EQ_INT(store_reg_delete(db.st, d1, "sip:1001@10.0.0.6:5060"),
		    ENOENT);
	TEST_EQ_INT(store_reg_purge(db.st, T0 + 90000, &n), 0);
	TEST_EQ_INT(n, 2); /* rc, rd (== now) */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list(db.st, 0, 0, reg_id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 1, &ra));
	TEST_EQ_INT(store_reg_purge(db.st, T0 + 90000, NULL), 0);

	/* a device's bindings go with it or on request */
	TEST_EQ_INT(
	    fx_reg(db.st, d3, "sip:1002@10.0.0.8:5060", T0 + 90000, &rd), 0);
	TEST_EQ_INT(store_reg_delete_device(db.st, d3), 0);
	TEST_EQ_INT(store_reg_delete_device(db.st, d3), 0);
	TEST_EQ_INT(
	    fx_reg(db.st, d2, "sip:1011@10.0.0.7:5060", T0 + 90000, &rc), 0);
	TEST_EQ_INT(store_device_delete(db.st, d2), 0);
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_reg_list(db.st, 0, 0, reg_id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 1, &ra));
out:
	tdb_close(&db);
	return err;
}

/* Every field of a stored binding survives the round trip. */
static int reg_fields_h(const struct store_registration *r, void *arg)
{
	struct store_registration *out = arg;

	*out = *r;
	return 0;
}

int test_store_reg_fields(void)
{
	struct tdb db;
	struct store_registration r, g;
	int64_t t1, d1;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenant(db.st, "One", NULL, NULL, &t1), 0);
	TEST_EQ_INT(fx_device(db.st, t1, 0, "1001", &d1), 0);

	fx_reg_full(&r, d1);
	str_copy(r.received, "192.0.2.10:5070", sizeof(r.received));
	str_copy(r.transport, "tcp", sizeof(r.transport));
	r.cseq = 4000000001u;
	r.expires_at = T0 + 120000;
	r.updated_at = T0 + 1000;
	TEST_EQ_INT(store_reg_save(db.st, &r), 0);

	memset(&g, 0, sizeof(g));
	TEST_EQ_INT(store_reg_list(db.st, d1, T0, reg_fields_h, &g), 0);
	TEST_EQ_INT(g.id, r.id);
	TEST_EQ_INT(g.device_id, d1);
	TEST_EQ_STR(g.contact, "sip:1001@10.0.0.5:5060;ob");
	TEST_EQ_STR(g.received, "192.0.2.10:5070");
	TEST_EQ_STR(g.transport, "tcp");
	TEST_EQ_STR(g.call_id, "abc@10.0.0.5");
	TEST_EQ_INT(g.cseq, 4000000001u);
	TEST_EQ_STR(g.user_agent, "Yealink T46");
	TEST_EQ_STR(g.instance, "<urn:uuid:1>");
	TEST_EQ_STR(g.path, "<sip:edge.example;lr>");
	TEST_EQ_STR(g.node_id, "node-a");
	TEST_EQ_INT(g.expires_at, T0 + 120000);
	TEST_EQ_INT(g.updated_at, T0 + 1000);
out:
	tdb_close(&db);
	return err;
}
