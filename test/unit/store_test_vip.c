/*
 * store_test_vip.c - VIP callers and the queue's waiting fields against
 * store.h (migration 17): a VIP round trip; a number once per tenant
 * (EEXIST), the same number for another tenant; bad fields (EINVAL);
 * found by tenant and E.164 number only; update, delete (ENOENT after);
 * a queue's greeting, announce_every, say_position and say_wait read
 * back as written, and the greeting a use of its prompt file.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

static void vip_fill(struct store_vip *v, int64_t tenant, const char *number,
		     const char *name)
{
	memset(v, 0, sizeof(*v));
	v->tenant_id = tenant;
	str_copy(v->number, number, sizeof(v->number));
	str_copy(v->name, name, sizeof(v->name));
}

static int ref_h(const struct store_prompt_ref *r, void *arg)
{
	struct store_prompt_ref *out = arg;

	*out = *r;
	return 0;
}

int test_store_vip(void)
{
	struct store_queue *q = NULL, *r = NULL;
	struct store_prompt_ref ref;
	struct store_vip v, g;
	struct tdb db;
	int64_t t1, t2, max, a;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	q = mem_zalloc(sizeof(*q), NULL);
	r = mem_zalloc(sizeof(*r), NULL);
	TEST_ASSERT(q && r);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Max", "1001", &max), 0);

	vip_fill(&v, t1, "+4930777888", "Dr. Anna Schmitz");
	str_copy(v.note, "Vorstand", sizeof(v.note));
	TEST_EQ_INT(store_vip_add(db.st, &v), 0);
	a = v.id;
	TEST_ASSERT(a > 0 && v.created_at > 0);
	TEST_EQ_INT(store_vip_get(db.st, a, &g), 0);
	TEST_EQ_INT(g.tenant_id, t1);
	TEST_EQ_INT(g.employee_id, 0);
	TEST_EQ_STR(g.number, "+4930777888");
	TEST_EQ_STR(g.name, "Dr. Anna Schmitz");
	TEST_EQ_STR(g.note, "Vorstand");

	/* once per tenant; another tenant may have the same number */
	vip_fill(&v, t1, "+4930777888", "Anna");
	TEST_EQ_INT(store_vip_add(db.st, &v), EEXIST);
	vip_fill(&v, t2, "+4930777888", "Anna bei t2");
	TEST_EQ_INT(store_vip_add(db.st, &v), 0);

	/* bad fields */
	vip_fill(&v, t1, "030777888", "X");
	TEST_EQ_INT(store_vip_add(db.st, &v), EINVAL);
	vip_fill(&v, t1, "+4930111222", "");
	TEST_EQ_INT(store_vip_add(db.st, &v), EINVAL);
	vip_fill(&v, 0, "+4930111222", "X");
	TEST_EQ_INT(store_vip_add(db.st, &v), EINVAL);
	vip_fill(&v, 424242, "+4930111222", "X");
	TEST_EQ_INT(store_vip_add(db.st, &v), ENOENT);

	/* found by tenant and number */
	TEST_EQ_INT(store_vip_find(db.st, t1, "+4930777888", &g), 0);
	TEST_EQ_INT(g.id, a);
	TEST_EQ_INT(store_vip_find(db.st, t2, "+4930777888", &g), 0);
	TEST_EQ_STR(g.name, "Anna bei t2");
	TEST_EQ_INT(store_vip_find(db.st, t1, "+4930777889", &g), ENOENT);

	/* update: another VIP's number is EEXIST */
	vip_fill(&v, t1, "+4930111222", "Herr Weber");
	TEST_EQ_INT(store_vip_add(db.st, &v), 0);
	str_copy(v.number, "+4930777888", sizeof(v.number));
	TEST_EQ_INT(store_vip_update(db.st, &v), EEXIST);
	str_copy(v.number, "+4930111223", sizeof(v.number));
	str_copy(v.note, "Einkauf", sizeof(v.note));
	TEST_EQ_INT(store_vip_update(db.st, &v), 0);
	TEST_EQ_INT(store_vip_find(db.st, t1, "+4930111223", &g), 0);
	TEST_EQ_STR(g.note, "Einkauf");
	TEST_EQ_INT(store_vip_delete(db.st, v.id), 0);
	TEST_EQ_INT(store_vip_delete(db.st, v.id), ENOENT);
	TEST_EQ_INT(store_vip_get(db.st, v.id, &g), ENOENT);

	/* the queue's waiting fields */
	q->tenant_id = t1;
	str_copy(q->name, "Wartend", sizeof(q->name));
	q->ring_timeout = 20;
	q->service_level = 20;
	str_copy(q->greeting, "uploads/1/warte.wav", sizeof(q->greeting));
	q->announce_every = 45;
	q->say_position = false;
	q->say_wait = true;
	TEST_EQ_INT(store_queue_add(db.st, q), 0);
	TEST_EQ_INT(store_queue_get(db.st, q->id, r), 0);
	TEST_EQ_STR(r->greeting, "uploads/1/warte.wav");
	TEST_EQ_INT(r->announce_every, 45);
	TEST_ASSERT(!r->say_position && r->say_wait);
	memset(&ref, 0, sizeof(ref));
	TEST_EQ_INT(
	    store_prompt_refs(db.st, "uploads/1/warte.wav", ref_h, &ref), 0);
	TEST_EQ_STR(ref.via, "queue");
	TEST_EQ_INT(ref.owner, q->id);
	r->announce_every = 3601;
	TEST_EQ_INT(store_queue_update(db.st, r), EINVAL);
	r->announce_every = 0;
	r->greeting[0] = '\0';
	r->say_position = true;
	TEST_EQ_INT(store_queue_update(db.st, r), 0);
	TEST_EQ_INT(store_queue_get(db.st, q->id, q), 0);
	TEST_EQ_STR(q->greeting, "");
	TEST_EQ_INT(q->announce_every, 0);
	TEST_ASSERT(q->say_position && q->say_wait);
out:
	mem_deref(q);
	mem_deref(r);
	tdb_close(&db);
	return err;
}
