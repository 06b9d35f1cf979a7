/*
 * acd_test_callback.c - queue callbacks (acd/callback.c) with the fake
 * call backend on the demo database: a request waits in the engine, is
 * offered to Erika (call_originate), she hears whom she calls back, the
 * customer is dialled through the trunk with the central number; busy:
 * requested again with one attempt and a next time, then after the retry
 * interval the second attempt answers: completed.  Every step asserts
 * the exact operations and the stored request.  This node ("n1") holds
 * the callbacks lease; a request another node claimed in the store first
 * is never dialled here, and a calling request of a dead node is
 * requested again by the re-read.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "acd/acd.h"
#include "node/node.h"
#include "call_test.h"
#include "demo.h"
#include "test.h"

/* Erika's phone B<n> answers as device 1002, hears the number; the
 * trunk is dialled. */
static int agent_answers(size_t leg, const char *want_dial)
{
	char want[100];
	int err = 0;

	str_copy(fake.legv[leg]->desc, "device:1002",
		 sizeof(fake.legv[leg]->desc));
	call_leg_established(fake.legv[leg]);
	re_snprintf(want, sizeof(want),
		    "free B%zu;[answered]say de Rückruf für +49301234567;",
		    leg == 0 ? (size_t)2 : (size_t)1);
	TEST_EQ_STR(fake_take(), want);
	fake_say_done(0, "/p/cb.wav");
	re_snprintf(want, sizeof(want), "speech off;play cb.wav to B%zu;",
		    leg + 1);
	TEST_EQ_STR(fake_take(), want);
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), want_dial);
	TEST_EQ_STR(fake.cid, "+4922182829900");
out:
	return err;
}

int test_acd_callback(void)
{
	struct store_callback cb, c;
	struct store_queue q;
	struct acd *acd = NULL;
	struct env e;
	char want[200];
	bool held = false, claimed = true;
	int err = 0;

	TEST_EQ_INT(env_open(&e, NULL, 0), 0);
	e.cfg.callback_attempts = 2;
	e.cfg.callback_retry = 1;
	memset(&q, 0, sizeof(q));
	q.tenant_id = 1;
	str_copy(q.name, "Rueckruf", sizeof(q.name));
	q.strategy = STORE_QUEUE_RING_ALL;
	q.ring_timeout = 5;
	q.service_level = 20;
	q.callback = true;
	q.memberc = 1;
	q.memberv[0].employee_id = e.erika;
	TEST_EQ_INT(store_queue_add(e.st, &q), 0);
	TEST_EQ_INT(acd_alloc(&acd, e.st), 0);
	TEST_EQ_INT(store_lease_take(e.st, NODE_LEASE_CALLBACKS, "n1",
				     time_now_ms(), 3600000, &held),
		    0);
	TEST_ASSERT(held);
	TEST_EQ_INT(acd_queue_use(acd, e.ctx), 0);
	TEST_EQ_INT(acd_agent_act(acd, e.erika, ACD_LOGIN, NULL, tmr_jiffies()),
		    0);

	/* the request is on disk, requested, then waits and is offered:
	 * Erika's two phones ring showing the customer's number */
	memset(&cb, 0, sizeof(cb));
	cb.queue_id = q.id;
	str_copy(cb.number, "+49301234567", sizeof(cb.number));
	fake.legc = 0;
	TEST_EQ_INT(acd_callback_add(acd, &cb), 0);
	TEST_EQ_INT(store_callback_get(e.st, cb.id, &c), 0);
	TEST_EQ_INT(c.state, STORE_CB_REQUESTED);
	TEST_EQ_INT(c.tenant_id, 1);
	fake_run(30);
	re_snprintf(want, sizeof(want),
		    "originate dial employee %lld as +49301234567;"
		    "[routing][ringing]",
		    (long long)e.erika);
	TEST_EQ_STR(fake_take(), want);
	TEST_EQ_INT(fake.legc, 2);
	TEST_EQ_INT(store_callback_get(e.st, cb.id, &c), 0);
	TEST_EQ_INT(c.state, STORE_CB_CALLING);
	TEST_EQ_STR(c.node, "n1");

	/* she answers, hears the number, the customer is dialled */
	TEST_EQ_INT(agent_answers(1, "stop cb.wav;forget /p/cb.wav;"
				     "dial +49301234567 via trunk 1;"
				     "play ringback.wav (loop) to B2;"),
		    0);
	TEST_EQ_INT(store_callback_get(e.st, cb.id, &c), 0);
	TEST_EQ_INT(c.state, STORE_CB_CALLING);
	TEST_EQ_INT(c.attempts, 1);
	TEST_EQ_INT(c.agent_id, e.erika);

	/* busy: the agent's call ends, requested again for later */
	call_leg_closed(fake.legv[2], 0, 486, "Busy Here");
	TEST_EQ_STR(fake_take(), "free trunk;stop ringback.wav;[done]"
				 "free B2;");
	TEST_EQ_INT(store_callback_get(e.st, cb.id, &c), 0);
	TEST_EQ_INT(c.state, STORE_CB_REQUESTED);
	TEST_EQ_INT(c.attempts, 1);
	TEST_ASSERT(c.next_at > time_now_ms());

	/* after the retry interval: offered again; the customer answers:
	 * bridged, completed */
	fake.legc = 0;
	fake_run(1300);
	TEST_EQ_STR(fake_take(), want);
	TEST_EQ_INT(agent_answers(0, "stop cb.wav;forget /p/cb.wav;"
				     "dial +49301234567 via trunk 1;"
				     "play ringback.wav (loop) to B1;"),
		    0);
	call_leg_established(fake.legv[2]);
	TEST_EQ_STR(fake_take(), "stop ringback.wav;bridge B1 trunk;[bridged]");
	TEST_EQ_INT(store_callback_get(e.st, cb.id, &c), 0);
	TEST_EQ_INT(c.state, STORE_CB_COMPLETED);
	TEST_EQ_INT(c.attempts, 2);
	call_leg_closed(fake.legv[2], ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free trunk;free B1;");

	/* finished: no cancel */
	TEST_EQ_INT(acd_callback_cancel(acd, cb.id, &c), EALREADY);

	/* another node claims a new request in the store before this one
	 * offers it: nothing rings here, the row stays n2's */
	fake_take();
	fake.legc = 0;
	cb.id = 0;
	TEST_EQ_INT(acd_callback_add(acd, &cb), 0);
	TEST_EQ_INT(store_callback_claim(e.st, cb.id, "n2", &claimed), 0);
	TEST_ASSERT(claimed);
	fake_run(300);
	TEST_EQ_STR(fake_take(), "");
	TEST_EQ_INT(fake.legc, 0);
	TEST_EQ_INT(store_callback_get(e.st, cb.id, &c), 0);
	TEST_EQ_INT(c.state, STORE_CB_CALLING);
	TEST_EQ_STR(c.node, "n2");
	/* handed back only by the node that has it */
	TEST_EQ_INT(store_callback_release(e.st, cb.id, "n1", &claimed), 0);
	TEST_ASSERT(!claimed);
	TEST_EQ_INT(store_callback_release(e.st, cb.id, "n2", &claimed), 0);
	TEST_ASSERT(claimed);
	TEST_EQ_INT(store_callback_get(e.st, cb.id, &c), 0);
	TEST_EQ_INT(c.state, STORE_CB_REQUESTED);
	TEST_EQ_STR(c.node, "");
	TEST_EQ_INT(store_callback_claim(e.st, cb.id, "n2", &claimed), 0);
	TEST_ASSERT(claimed);
	TEST_EQ_INT(store_callback_claim(e.st, cb.id, "n1", &claimed), 0);
	TEST_ASSERT(!claimed);

	/* cancelled (through another node) while n2 calls: n2's outcome
	 * written later does not undo the cancel, and a second cancel
	 * finds it ended */
	TEST_EQ_INT(acd_callback_cancel(acd, cb.id, &c), 0);
	TEST_EQ_INT(c.state, STORE_CB_CANCELLED);
	c.state = STORE_CB_COMPLETED;
	TEST_EQ_INT(store_callback_update(e.st, &c), ENOENT);
	c.state = STORE_CB_REQUESTED;
	TEST_EQ_INT(store_callback_update(e.st, &c), ENOENT);
	TEST_EQ_INT(store_callback_get(e.st, cb.id, &c), 0);
	TEST_EQ_INT(c.state, STORE_CB_CANCELLED);
	TEST_EQ_INT(acd_callback_cancel(acd, cb.id, &c), EALREADY);
out:
	(void)acd_queue_use(NULL, NULL);
	mem_deref(acd);
	env_close(&e);
	return err;
}
