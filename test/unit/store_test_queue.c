/*
 * store_test_queue.c - hotline queues and agents against store.h: a round
 * trip of a queue with its members, skill requirements and widening
 * steps; bad fields refused (EINVAL); members, schedule, mailbox and
 * limit targets checked like a number's target (missing, another
 * tenant's); limit targets that lead back to the queue refused (ELOOP);
 * nothing deleted while used (the queue while a number routes to it, an
 * employee while a member); an agent's kept state and skills, and both
 * read again after the store is opened anew (a restart); an agent's API
 * token names its employee.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

static void queue_fill(struct store_queue *q, int64_t tenant, const char *name,
		       int64_t e1, int64_t e2)
{
	fx_queue_ring_all(q, tenant, e1); /* the fixture's settings */
	str_copy(q->name, name, sizeof(q->name));
	q->strategy = STORE_QUEUE_SKILLS;
	q->memberc = 2;
	q->memberv[1] = (struct store_queue_member){e2, 1};
	q->skillc = 1;
	str_copy(q->skillv[0].skill, "de", sizeof(q->skillv[0].skill));
	q->skillv[0].min_level = 5;
	q->skillv[0].relax_after = 30;
	q->widenc = 2;
	q->widenv[0] = (struct store_queue_widen){20, 1};
	q->widenv[1] = (struct store_queue_widen){60, 2};
}

int test_store_queue(void)
{
	struct store_queue *q = NULL, *r = NULL;
	struct store_target_use u;
	struct store_agent ag;
	struct tdb db;
	int64_t t1, t2, max, erika, otto, ann, num, a, b;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	q = mem_zalloc(sizeof(*q), NULL);
	r = mem_zalloc(sizeof(*r), NULL);
	TEST_ASSERT(q && r);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Max", "1001", &max), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Erika", "1002", &erika), 0);
	TEST_EQ_INT(fx_employee(db.st, t2, "Otto", "2001", &otto), 0);
	TEST_EQ_INT(fx_announcement(db.st, t1, "closed.wav", &ann), 0);

	/* round trip */
	queue_fill(q, t1, "Technik", max, erika);
	q->on_no_agents = (struct store_target_ref){TARGET_ANNOUNCEMENT, ann};
	q->callback = true;
	TEST_EQ_INT(store_queue_add(db.st, q), 0);
	a = q->id;
	TEST_ASSERT(a > 0);
	TEST_EQ_INT(store_queue_get(db.st, a, r), 0);
	TEST_EQ_STR(r->name, "Technik");
	TEST_EQ_STR(store_queue_strategy_name(r->strategy), "skills");
	TEST_EQ_INT(r->ring_timeout, 15);
	TEST_EQ_INT(r->wrapup, 30);
	TEST_EQ_INT(r->max_misses, 2);
	TEST_EQ_INT(r->max_wait, 600);
	TEST_EQ_INT(r->max_len, 10);
	TEST_EQ_INT(r->service_level, 20);
	TEST_EQ_INT(r->callback, true);
	TEST_EQ_INT(r->on_no_agents.type, TARGET_ANNOUNCEMENT);
	TEST_EQ_INT(r->on_no_agents.id, ann);
	TEST_EQ_INT(r->on_timeout.type, TARGET_NONE);
	TEST_EQ_INT(r->memberc, 2);
	TEST_EQ_INT(r->memberv[0].employee_id, max);
	TEST_EQ_INT(r->memberv[1].employee_id, erika);
	TEST_EQ_INT(r->memberv[1].tier, 1);
	TEST_EQ_INT(r->skillc, 1);
	TEST_EQ_STR(r->skillv[0].skill, "de");
	TEST_EQ_INT(r->skillv[0].min_level, 5);
	TEST_EQ_INT(r->skillv[0].relax_after, 30);
	TEST_EQ_INT(r->widenc, 2);
	TEST_EQ_INT(r->widenv[1].after, 60);
	TEST_EQ_INT(r->widenv[1].max_tier, 2);
	TEST_EQ_INT(r->created_at, T0);

	/* bad fields */
	queue_fill(q, t1, "X", max, erika);
	q->ring_timeout = 4;
	TEST_EQ_INT(store_queue_add(db.st, q), EINVAL);
	queue_fill(q, t1, "X", max, max);
	TEST_EQ_INT(store_queue_add(db.st, q), EINVAL);
	queue_fill(q, t1, "X", max, erika);
	q->memberv[1].tier = 10;
	TEST_EQ_INT(store_queue_add(db.st, q), EINVAL);
	queue_fill(q, t1, "X", max, erika);
	q->widenv[1].after = 20;
	TEST_EQ_INT(store_queue_add(db.st, q), EINVAL);
	queue_fill(q, t1, "X", max, erika);
	q->skillv[0].min_level = 0;
	TEST_EQ_INT(store_queue_add(db.st, q), EINVAL);
	queue_fill(q, t1, "Technik", max, erika);
	TEST_EQ_INT(store_queue_add(db.st, q), EEXIST);

	/* references: missing, another tenant's */
	queue_fill(q, t1, "X", max, otto);
	TEST_EQ_INT(store_queue_add(db.st, q), EXDEV);
	queue_fill(q, t1, "X", max, 424242);
	TEST_EQ_INT(store_queue_add(db.st, q), ENOENT);
	queue_fill(q, t1, "X", max, erika);
	q->schedule_id = 424242;
	TEST_EQ_INT(store_queue_add(db.st, q), ENOENT);
	queue_fill(q, t1, "X", max, erika);
	q->mailbox_id = 424242;
	TEST_EQ_INT(store_queue_add(db.st, q), ENOENT);

	/* B full -> A; A full -> B loops, A timeout -> A too */
	queue_fill(q, t1, "B", max, erika);
	q->on_full = (struct store_target_ref){TARGET_QUEUE, a};
	TEST_EQ_INT(store_queue_add(db.st, q), 0);
	b = q->id;
	TEST_EQ_INT(store_queue_get(db.st, a, r), 0);
	r->on_full = (struct store_target_ref){TARGET_QUEUE, b};
	TEST_EQ_INT(store_queue_update(db.st, r), ELOOP);
	r->on_full = (struct store_target_ref){TARGET_NONE, 0};
	r->on_timeout = (struct store_target_ref){TARGET_QUEUE, a};
	TEST_EQ_INT(store_queue_update(db.st, r), ELOOP);
	r->on_timeout = (struct store_target_ref){TARGET_NONE, 0};
	r->memberc = 1; /* Erika out */
	TEST_EQ_INT(store_queue_update(db.st, r), 0);
	TEST_EQ_INT(store_queue_get(db.st, a, q), 0);
	TEST_EQ_INT(q->memberc, 1);
	TEST_EQ_INT(q->skillc, 1);

	/* in use: a number routes to B, B's full target is A, Max a member */
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829960", true, TARGET_QUEUE, b, &num), 0);
	TEST_EQ_INT(store_queue_delete(db.st, b), EBUSY);
	TEST_EQ_INT(store_target_used_by(db.st, TARGET_QUEUE, b, &u), 0);
	TEST_EQ_STR(u.via, "number");
	TEST_EQ_INT(u.owner, num);
	TEST_EQ_INT(store_queue_delete(db.st, a), EBUSY);
	TEST_EQ_INT(store_target_used_by(db.st, TARGET_QUEUE, a, &u), 0);
	TEST_EQ_STR(u.via, "queue");
	TEST_EQ_INT(u.owner, b);
	TEST_EQ_INT(store_employee_delete(db.st, max), EBUSY);
	TEST_EQ_INT(store_target_used_by(db.st, TARGET_EMPLOYEE, max, &u), 0);
	TEST_EQ_STR(u.via, "queue_member");
	TEST_EQ_INT(u.owner, a);

	/* agents: a kept state and skills */
	TEST_EQ_INT(store_agent_get(db.st, max, &ag), 0);
	TEST_EQ_INT(ag.state, STORE_AGENT_LOGGED_OUT);
	TEST_EQ_INT(ag.tenant_id, t1);
	TEST_EQ_INT(store_agent_get(db.st, 424242, &ag), ENOENT);
	TEST_EQ_INT(store_agent_get(db.st, max, &ag), 0);
	ag.state = STORE_AGENT_PAUSED;
	TEST_EQ_INT(store_agent_set_state(db.st, &ag), EINVAL); /* no reason */
	str_copy(ag.reason, "Mittag", sizeof(ag.reason));
	ag.changed_at = T0 + 5;
	TEST_EQ_INT(store_agent_set_state(db.st, &ag), 0);
	ag.skillc = 2;
	ag.skillv[0] = (struct store_agent_skill){"hosting", 3};
	ag.skillv[1] = (struct store_agent_skill){"de", 9};
	TEST_EQ_INT(store_agent_set_skills(db.st, &ag), 0);
	ag.skillv[1].level = 11;
	TEST_EQ_INT(store_agent_set_skills(db.st, &ag), EINVAL);
	ag.employee_id = 424242;
	ag.skillv[1].level = 1;
	TEST_EQ_INT(store_agent_set_state(db.st, &ag), ENOENT);
	TEST_EQ_INT(store_agent_set_skills(db.st, &ag), ENOENT);

	/* a restart: the store opened anew reads the same */
	{
		struct store *st2 = NULL;

		TEST_EQ_INT(store_open(&st2, db.path), 0);
		memset(&ag, 0, sizeof(ag));
		err = store_agent_get(st2, max, &ag);
		mem_deref(st2);
		TEST_EQ_INT(err, 0);
	}
	TEST_EQ_INT(ag.state, STORE_AGENT_PAUSED);
	TEST_EQ_STR(ag.reason, "Mittag");
	TEST_EQ_INT(ag.changed_at, T0 + 5);
	TEST_EQ_INT(ag.skillc, 2);
	TEST_EQ_STR(ag.skillv[0].name, "de"); /* by name */
	TEST_EQ_INT(ag.skillv[0].level, 9);
	TEST_EQ_STR(ag.skillv[1].name, "hosting");

	/* an agent's token names its employee */
	{
		struct store_token t, c;

		memset(&t, 0, sizeof(t));
		str_copy(t.role, "agent", sizeof(t.role));
		t.tenant_id = t1;
		t.employee_id = erika;
		TEST_EQ_INT(store_token_add(db.st, "agent-secret", &t), 0);
		TEST_EQ_INT(store_token_check(db.st, "agent-secret", &c), 0);
		TEST_EQ_STR(c.role, "agent");
		TEST_EQ_INT(c.tenant_id, t1);
		TEST_EQ_INT(c.employee_id, erika);
	}
out:
	mem_deref(r);
	mem_deref(q);
	tdb_close(&db);
	return err;
}
