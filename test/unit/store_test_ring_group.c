/*
 * store_test_ring_group.c - ring groups against store.h: a round trip of
 * the group and its members in order, replacing them, bad fields refused
 * (EINVAL), members and fallback checked like a number's target
 * (missing, of another tenant), a fallback chain through a schedule and
 * a menu back to the group refused (ELOOP), and nothing deleted while
 * something uses it: the group while a number routes to it, an employee
 * while it is a member, the tenant while it has groups (EBUSY), with
 * store_target_used_by() naming the user.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

static void group_fill(struct store_ring_group *g, int64_t tenant,
		       const char *name, int64_t e1, int64_t e2)
{
	memset(g, 0, sizeof(*g));
	g->tenant_id = tenant;
	str_copy(g->name, name, sizeof(g->name));
	g->strategy = STORE_RING_SEQUENTIAL;
	g->timeout = 60;
	g->skip_busy = true;
	g->memberc = 2;
	g->memberv[0] = (struct store_ring_member){e1, 15};
	g->memberv[1] = (struct store_ring_member){e2, 25};
}

static int group_id_h(const struct store_ring_group *g, void *arg)
{
	return ids_add(arg, g->id);
}

int test_store_ring_group(void)
{
	struct store_ring_group *g = NULL, *r = NULL;
	struct store_schedule *s = NULL;
	struct store_ivr_menu *m = NULL;
	struct store_target_use u;
	struct tdb db;
	struct ids ids;
	int64_t t1, t2, max, erika, otto, ann, num, a, b;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	g = mem_zalloc(sizeof(*g), NULL);
	r = mem_zalloc(sizeof(*r), NULL);
	s = mem_zalloc(sizeof(*s), NULL);
	m = mem_zalloc(sizeof(*m), NULL);
	TEST_ASSERT(g && r && s && m);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Max", "1001", &max), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Erika", "1002", &erika), 0);
	TEST_EQ_INT(fx_employee(db.st, t2, "Otto", "2001", &otto), 0);
	TEST_EQ_INT(fx_announcement(db.st, t1, "closed.wav", &ann), 0);

	/* round trip: the members in their order */
	group_fill(g, t1, "Vertrieb", erika, max);
	g->fallback = (struct store_target_ref){TARGET_ANNOUNCEMENT, ann};
	TEST_EQ_INT(store_ring_group_add(db.st, g), 0);
	a = g->id;
	TEST_ASSERT(a > 0);
	TEST_EQ_INT(store_ring_group_get(db.st, a, r), 0);
	TEST_EQ_INT(r->tenant_id, t1);
	TEST_EQ_STR(r->name, "Vertrieb");
	TEST_EQ_INT(r->strategy, STORE_RING_SEQUENTIAL);
	TEST_EQ_INT(r->timeout, 60);
	TEST_EQ_INT(r->skip_busy, true);
	TEST_EQ_INT(r->fallback.type, TARGET_ANNOUNCEMENT);
	TEST_EQ_INT(r->fallback.id, ann);
	TEST_EQ_INT(r->created_at, T0);
	TEST_EQ_INT(r->memberc, 2);
	TEST_EQ_INT(r->memberv[0].employee_id, erika);
	TEST_EQ_INT(r->memberv[0].timeout, 15);
	TEST_EQ_INT(r->memberv[1].employee_id, max);
	TEST_EQ_INT(r->memberv[1].timeout, 25);
	TEST_EQ_STR(store_ring_strategy_name(r->strategy), "sequential");

	/* the same name twice in a tenant */
	group_fill(g, t1, "Vertrieb", max, erika);
	TEST_EQ_INT(store_ring_group_add(db.st, g), EEXIST);
	TEST_EQ_INT(g->id, 0);

	/* bad fields */
	group_fill(g, t1, "Bad", max, max); /* a member twice */
	TEST_EQ_INT(store_ring_group_add(db.st, g), EINVAL);
	group_fill(g, t1, "Bad", max, erika);
	g->memberc = 0;
	TEST_EQ_INT(store_ring_group_add(db.st, g), EINVAL);
	group_fill(g, t1, "Bad", max, erika);
	g->memberv[1].timeout = 0;
	TEST_EQ_INT(store_ring_group_add(db.st, g), EINVAL);
	group_fill(g, t1, "Bad", max, erika);
	g->memberv[1].timeout = STORE_RING_MEMBER_MAX + 1;
	TEST_EQ_INT(store_ring_group_add(db.st, g), EINVAL);
	group_fill(g, t1, "Bad", max, erika);
	g->timeout = STORE_RING_TIMEOUT_MAX + 1;
	TEST_EQ_INT(store_ring_group_add(db.st, g), EINVAL);
	group_fill(g, t1, "Bad", max, erika);
	g->strategy = (enum store_ring_strategy)2;
	TEST_EQ_INT(store_ring_group_add(db.st, g), EINVAL);
	group_fill(g, t1, "", max, erika);
	TEST_EQ_INT(store_ring_group_add(db.st, g), EINVAL);

	/* members and fallback: missing, another tenant's */
	group_fill(g, t1, "Bad", max, 9999);
	TEST_EQ_INT(store_ring_group_add(db.st, g), ENOENT);
	group_fill(g, t1, "Bad", max, otto);
	TEST_EQ_INT(store_ring_group_add(db.st, g), EXDEV);
	group_fill(g, t1, "Bad", max, erika);
	g->fallback = (struct store_target_ref){TARGET_IVR, 9999};
	TEST_EQ_INT(store_ring_group_add(db.st, g), ENOENT);
	group_fill(g, t2, "Bad", otto, 0);
	g->memberc = 1;
	g->fallback = (struct store_target_ref){TARGET_ANNOUNCEMENT, ann};
	TEST_EQ_INT(store_ring_group_add(db.st, g), EXDEV);
	ids.n = 0;
	ids.stop_at = 0;
	TEST_EQ_INT(store_ring_group_list(db.st, 0, group_id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 1, (int64_t[]){a}));

	/* a second group B falls back to A; A's fallback to B loops, and
	 * so does A -> schedule (closed: menu, whose fallback is B) */
	group_fill(g, t1, "Zentrale", max, 0);
	g->memberc = 1;
	g->strategy = STORE_RING_SIMULTANEOUS;
	g->fallback = (struct store_target_ref){TARGET_RING_GROUP, a};
	TEST_EQ_INT(store_ring_group_add(db.st, g), 0);
	b = g->id;
	TEST_EQ_INT(store_ring_group_get(db.st, a, r), 0);
	r->fallback = (struct store_target_ref){TARGET_RING_GROUP, b};
	TEST_EQ_INT(store_ring_group_update(db.st, r), ELOOP);
	r->fallback = (struct store_target_ref){TARGET_RING_GROUP, a};
	TEST_EQ_INT(store_ring_group_update(db.st, r), ELOOP);
	memset(m, 0, sizeof(*m));
	m->tenant_id = t1;
	str_copy(m->name, "Menu", sizeof(m->name));
	m->timeout = 5;
	m->fallback = (struct store_target_ref){TARGET_RING_GROUP, b};
	TEST_EQ_INT(store_ivr_menu_add(db.st, m), 0);
	memset(s, 0, sizeof(*s));
	s->tenant_id = t1;
	str_copy(s->name, "Nights", sizeof(s->name));
	s->closed = (struct store_target_ref){TARGET_IVR, m->id};
	TEST_EQ_INT(store_schedule_add(db.st, s), 0);
	r->fallback = (struct store_target_ref){TARGET_SCHEDULE, s->id};
	TEST_EQ_INT(store_ring_group_update(db.st, r), ELOOP);
	/* a menu's key back to the group is the caller's choice: fine */
	r->fallback = (struct store_target_ref){TARGET_NONE, 0};
	TEST_EQ_INT(store_ring_group_update(db.st, r), 0);

	/* update: members replaced, order kept; the tenant fixed */
	TEST_EQ_INT(store_ring_group_get(db.st, a, r), 0);
	r->memberc = 1;
	r->memberv[0] = (struct store_ring_member){max, 30};
	r->strategy = STORE_RING_SIMULTANEOUS;
	r->skip_busy = false;
	TEST_EQ_INT(store_ring_group_update(db.st, r), 0);
	TEST_EQ_INT(store_ring_group_get(db.st, a, g), 0);
	TEST_EQ_INT(g->memberc, 1);
	TEST_EQ_INT(g->memberv[0].employee_id, max);
	TEST_EQ_INT(g->memberv[0].timeout, 30);
	TEST_EQ_INT(g->strategy, STORE_RING_SIMULTANEOUS);
	TEST_EQ_INT(g->skip_busy, false);
	TEST_EQ_INT(g->fallback.type, TARGET_NONE);
	r->tenant_id = t2;
	TEST_EQ_INT(store_ring_group_update(db.st, r), EXDEV);
	r->tenant_id = t1;
	r->memberv[0].employee_id = otto;
	TEST_EQ_INT(store_ring_group_update(db.st, r), EXDEV);
	r->id = 9999;
	r->memberv[0].employee_id = max;
	TEST_EQ_INT(store_ring_group_update(db.st, r), ENOENT);

	/* who uses what: B is the menu's fallback; A is B's fallback and
	 * a number's target (numbers come last); Max is a member of A */
	TEST_EQ_INT(fx_number(db.st, "+4922182829910", true, TARGET_RING_GROUP,
			      a, &num),
		    0);
	TEST_EQ_INT(store_target_used_by(db.st, TARGET_RING_GROUP, a, &u), 0);
	TEST_EQ_STR(u.via, "ring_group");
	TEST_EQ_INT(u.owner, b);
	TEST_EQ_INT(store_ring_group_delete(db.st, a), EBUSY);
	TEST_EQ_INT(store_target_used_by(db.st, TARGET_RING_GROUP, b, &u), 0);
	TEST_EQ_STR(u.via, "ivr");
	TEST_EQ_INT(u.owner, m->id);
	TEST_EQ_INT(store_target_used_by(db.st, TARGET_EMPLOYEE, max, &u), 0);
	TEST_EQ_STR(u.via, "member");
	TEST_EQ_INT(u.owner, a);
	TEST_EQ_INT(store_employee_delete(db.st, max), EBUSY);
	TEST_EQ_INT(store_target_used_by(db.st, TARGET_EMPLOYEE, erika, &u),
		    ENOENT);
	TEST_EQ_INT(store_employee_delete(db.st, erika), 0);
	TEST_EQ_INT(store_tenant_delete(db.st, t1), EBUSY);

	/* the last user gone: deleted, members with it */
	TEST_EQ_INT(store_schedule_delete(db.st, s->id), 0);
	TEST_EQ_INT(store_ivr_menu_delete(db.st, m->id), 0);
	TEST_EQ_INT(store_ring_group_delete(db.st, b), 0);
	TEST_EQ_INT(store_target_used_by(db.st, TARGET_RING_GROUP, a, &u), 0);
	TEST_EQ_STR(u.via, "number");
	TEST_EQ_INT(u.owner, num);
	TEST_EQ_INT(store_number_delete(db.st, num), 0);
	TEST_EQ_INT(store_target_used_by(db.st, TARGET_RING_GROUP, a, &u),
		    ENOENT);
	TEST_EQ_INT(store_ring_group_delete(db.st, a), 0);
	TEST_EQ_INT(store_ring_group_get(db.st, a, r), ENOENT);
	TEST_EQ_INT(store_ring_group_delete(db.st, a), ENOENT);
	TEST_EQ_INT(
	    raw_is(db.path, "SELECT count(*) FROM ring_group_members", "0"), 0);
	TEST_EQ_INT(store_employee_delete(db.st, max), 0);
out:
	mem_deref(g);
	mem_deref(r);
	mem_deref(s);
	mem_deref(m);
	tdb_close(&db);
	return err;
}
