/*
 * call_test_queue.c - the queue call application with the fake backend
 * (test_call_queue_unpause): a caller waits in a queue whose only member
 * (Erika) is paused; nobody is rung.  Erika resumes through the API's
 * path (acd_agent_act): her phone is rung at once, not only when the
 * engine's next timer happens to fire (there is none: the caller has no
 * max wait, nobody rings, nobody is in wrap-up).  Found by the scenario
 * suite (test/suites/queue_scenario.py): callers waited for ever after an
 * agent's unpause.  test_call_queue_claimed: an agent another node claimed
 * (acd/rows.c) is not rung here until that node lets him go.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "acd/acd.h"
#include "acd/acd_int.h"
#include "test.h"
#include "call_test.h"

static int queue_add(struct env *e, struct store_queue *q, const char *e164)
{
	struct store_number num;
	int err;

	q->tenant_id = 1;
	str_copy(q->name, "Hotline", sizeof(q->name));
	q->strategy = STORE_QUEUE_LONGEST_IDLE;
	q->ring_timeout = 20;
	q->max_misses = 3;
	q->service_level = 20;
	q->memberc = 1;
	q->memberv[0].employee_id = e->erika;
	err = store_queue_add(e->st, q);
	if (err)
		return err;
	memset(&num, 0, sizeof(num));
	str_copy(num.e164, e164, sizeof(num.e164));
	num.active = true;
	num.target_type = TARGET_QUEUE;
	num.target_id = q->id;
	return store_number_add(e->st, &num);
}

/* Erika, the queue's only member, logged in and paused; Max calls the
 * queue: answered, he waits, nobody is rung.  *open: env_close is due. */
static int paused_and_waiting(struct env *e, struct store_queue *q,
			      struct acd **acdp, bool *open)
{
	static const struct call_app apps[] = {
	    {ROUTE_QUEUE, "queue", acd_queue_start},
	};
	int err = 0;

	TEST_ASSERT(q != NULL);
	TEST_EQ_INT(env_open(e, apps, ARRAY_SIZE(apps)), 0);
	*open = true;
	TEST_EQ_INT(queue_add(e, q, "+4922182829961"), 0);
	TEST_EQ_INT(acd_alloc(acdp, e->st), 0);
	TEST_EQ_INT(acd_queue_use(*acdp, e->ctx), 0);
	TEST_EQ_INT(
	    acd_agent_act(*acdp, e->erika, ACD_LOGIN, NULL, tmr_jiffies()), 0);
	TEST_EQ_INT(
	    acd_agent_act(*acdp, e->erika, ACD_PAUSE, "Mittag", tmr_jiffies()),
	    0);
	TEST_EQ_INT(env_call(e, "+4922182829961"), 0);
	call_leg_established(fake.a);
	fake_run(50);
	TEST_EQ_INT(fake.dialc, 0);
out:
	return err;
}

static void close_all(struct env *e, bool open, struct acd *acd,
		      struct store_queue *q)
{
	if (open) {
		(void)acd_queue_use(NULL, NULL);
		env_close(e);
	}
	mem_deref(acd);
	mem_deref(q);
}

int test_call_queue_unpause(void)
{
	struct store_queue *q = mem_zalloc(sizeof(*q), NULL);
	struct acd *acd = NULL;
	struct acd_queue_info qi;
	struct env e;
	bool open = false;
	int err = 0;

	/* Max calls the queue: answered, waiting; Erika paused: not rung */
	TEST_EQ_INT(paused_and_waiting(&e, q, &acd, &open), 0);
	TEST_EQ_INT(acd_engine_queue_info(acd_engine(acd), q->id, &qi), 0);
	TEST_EQ_INT(qi.waiting, 1);
	TEST_EQ_INT(qi.available, 0);
	TEST_EQ_INT(fake.dialc, 0);

	/* she resumes: rung at once */
	TEST_EQ_INT(
	    acd_agent_act(acd, e.erika, ACD_UNPAUSE, NULL, tmr_jiffies()), 0);
	fake_run(50);
	TEST_EQ_INT(fake.dialc, 1);
	TEST_EQ_INT(fake.dialv[0].kind, CALL_DEST_EMPLOYEE);
	TEST_EQ_INT(fake.dialv[0].id, e.erika);

	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	fake_run(10);
out:
	close_all(&e, open, acd, q);
	return err;
}

/*
 * Another node claimed Erika (agent_claims, acd/rows.c) a moment before
 * this node's engine offers her, before this node's look at the rows
 * (every 0.5 s) saw it: the claim of this node changes nothing, so her
 * phone is not rung (no dial), the caller waits, and she is no miss;
 * once the other node lets her go she is rung.
 */
int test_call_queue_claimed(void)
{
	struct store_queue *q = mem_zalloc(sizeof(*q), NULL);
	struct store_agent_claim c;
	struct acd *acd = NULL;
	struct acd_agent_info ai;
	struct acd_queue_info qi;
	struct env e;
	bool open = false, ok = false;
	int err = 0;

	TEST_EQ_INT(paused_and_waiting(&e, q, &acd, &open), 0);

	memset(&c, 0, sizeof(c));
	c.employee_id = e.erika;
	str_copy(c.node_id, "n2", sizeof(c.node_id));
	c.kind = STORE_CLAIM_RINGING;
	c.since = time_now_ms();
	TEST_EQ_INT(store_agent_claim(e.st, &c, &ok), 0);
	TEST_EQ_INT(ok, true);
	TEST_EQ_INT(
	    acd_agent_act(acd, e.erika, ACD_UNPAUSE, NULL, tmr_jiffies()), 0);
	fake_run(50);
	TEST_EQ_INT(fake.dialc, 0);
	TEST_EQ_INT(acd_engine_queue_info(acd_engine(acd), q->id, &qi), 0);
	TEST_EQ_INT(qi.waiting, 1);
	TEST_EQ_INT(acd_engine_agent(acd_engine(acd), e.erika, &ai), 0);
	TEST_EQ_INT(ai.state, ACD_AVAILABLE);
	TEST_EQ_INT(ai.busy, true);
	TEST_EQ_INT(ai.misses, 0);

	/* n2 lets her go: the next look frees her here, she is rung */
	TEST_EQ_INT(store_agent_claim_drop(e.st, e.erika, "n2", -1, &ok), 0);
	TEST_EQ_INT(ok, true);
	fake_run(700);
	TEST_EQ_INT(fake.dialc, 1);
	TEST_EQ_INT(fake.dialv[0].id, e.erika);

	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	fake_run(10);
out:
	close_all(&e, open, acd, q);
	return err;
}
