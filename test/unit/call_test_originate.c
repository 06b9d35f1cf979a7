/*
 * call_test_originate.c - calls we place (call_originate, call_click)
 * through the call-control seam with the fake backend on the demo
 * database: the first party rings, answers and is driven as an answered
 * caller (a prompt, a dial, the bridge); the first party busy, ringing
 * out, hung up while ringing, unreachable; click to call from Max to a
 * number out.  Each step asserts the exact operations in their order and
 * the record.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call_test.h"
#include "demo.h"
#include "test.h"

struct orig_res {
	uint16_t scode;
	bool timed_out;
	int64_t rec_id;
	enum call_state state;
	unsigned n;
};

static void orig_h(struct call *call, uint16_t scode, const char *reason,
		   bool timed_out, void *arg)
{
	struct orig_res *res = arg;

	res->scode = scode;
	res->timed_out = timed_out;
	res->rec_id = call_record_id(call);
	res->state = call_state(call);
	res->n++;
	fake_log("h %u %s;", scode, reason);
}

static int orig_erika(struct env *e, struct orig_res *res, struct call **callp)
{
	struct call_dest dest = {CALL_DEST_EMPLOYEE, e->erika, NULL, NULL, 1};
	struct call_originate_prm prm = {&dest,
					 1,
					 "+4922182829900",
					 "Callback",
					 1,
					 STORE_DIR_OUTBOUND,
					 "+4922182829900",
					 "+49301234567",
					 "queue:1"};

	memset(res, 0, sizeof(*res));
	fake.legc = 0;
	return call_originate(e->ctx, &prm, orig_h, res, callp);
}

int test_call_originate(void)
{
	static const char *const files[] = {"/p/hello.wav"};
	struct call_dest out = {CALL_DEST_EXTERNAL, 1, NULL, "+49301234567", 5};
	struct call_dial_prm dp = {&out, 1, false, "+4922182829900", "", false};
	struct orig_res res;
	struct store_call c;
	struct call *call = NULL;
	struct env e;
	char want[200];
	int err = 0;

	TEST_EQ_INT(env_open(&e, NULL, 0), 0);

	/* Erika's two phones ring showing the central number; no record
	 * answer yet, no caller to answer */
	TEST_EQ_INT(orig_erika(&e, &res, &call), 0);
	re_snprintf(want, sizeof(want),
		    "originate dial employee %lld as +4922182829900;"
		    "[routing][ringing]",
		    (long long)e.erika);
	TEST_EQ_STR(fake_take(), want);
	TEST_EQ_INT(fake.legc, 2);
	TEST_EQ_INT(call_state(call), CALL_RINGING);
	TEST_EQ_INT(call_ctx_count(e.ctx), 1);
	TEST_EQ_INT(store_call_get(e.st, call_record_id(call), &c), 0);
	TEST_EQ_STR(c.caller_leg, "queue:1");
	TEST_EQ_STR(c.from_number, "+4922182829900");
	TEST_EQ_STR(c.to_number, "+49301234567");
	TEST_EQ_INT(c.direction, STORE_DIR_OUTBOUND);
	TEST_EQ_INT(c.tenant_id, 1);
	TEST_ASSERT(c.answered_at == 0);
	TEST_ASSERT(!strncmp(c.sip_call_id, "sb-", 3));

	/* B2 answers: B1 cancelled, B2 is the call's caller now, answered;
	 * the handler drives it: a prompt to B2, then a number out (B2
	 * hears the ringback tone), the trunk answers: bridged */
	call_leg_established(fake.legv[1]);
	TEST_EQ_STR(fake_take(), "free B1;[answered]h 200 OK;");
	TEST_EQ_INT(res.n, 1);
	TEST_EQ_INT(call_state(call), CALL_ANSWERED);
	TEST_EQ_INT(call_employee(call), e.erika);
	TEST_EQ_INT(call_play(call, files, 1, false, NULL, NULL), 0);
	TEST_EQ_STR(fake_take(), "play hello.wav to B2;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(fake_take(), "stop hello.wav;");
	TEST_EQ_INT(call_dial(call, &dp, NULL, NULL), 0);
	TEST_EQ_STR(fake_take(), "dial +49301234567 via trunk 1;"
				 "play ringback.wav (loop) to B2;");
	call_leg_established(fake.legv[2]);
	TEST_EQ_STR(fake_take(), "stop ringback.wav;bridge B2 trunk;[bridged]");
	TEST_EQ_INT(store_call_get(e.st, call_record_id(call), &c), 0);
	TEST_ASSERT(c.answered_at != 0);
	TEST_EQ_STR(c.callee_leg, "trunk");

	/* the customer hangs up: the record is an answered call */
	call_leg_closed(fake.legv[2], ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free trunk;free B2;");
	TEST_EQ_INT(call_ctx_count(e.ctx), 0);
	TEST_EQ_INT(store_call_get(e.st, res.rec_id, &c), 0);
	TEST_EQ_INT(c.disposition, STORE_DISP_ANSWERED);
	TEST_EQ_INT(c.sip_code, 200);
	TEST_EQ_INT(c.ended_by, STORE_PARTY_CALLEE);
	TEST_ASSERT(c.ended_at != 0);
out:
	env_close(&e);
	return err;
}

int test_call_originate_fail(void)
{
	struct orig_res res;
	struct store_call c;
	struct call *call = NULL;
	struct env e;
	int err = 0;

	TEST_EQ_INT(env_open(&e, NULL, 0), 0);

	/* one phone busy, the other unavailable: busy is reported, the
	 * call has ended when the handler runs, the record says busy */
	TEST_EQ_INT(orig_erika(&e, &res, &call), 0);
	(void)fake_take();
	call_leg_closed(fake.legv[0], 0, 480, "Temporarily Unavailable");
	TEST_EQ_STR(fake_take(), "free B1;");
	call_leg_closed(fake.legv[1], 0, 486, "Busy Here");
	TEST_EQ_STR(fake_take(), "free B2;[done]h 486 Busy Here;");
	TEST_EQ_INT(res.n, 1);
	TEST_EQ_INT(res.state, CALL_DONE);
	TEST_ASSERT(!res.timed_out);
	TEST_EQ_INT(call_ctx_count(e.ctx), 0);
	TEST_EQ_INT(store_call_get(e.st, res.rec_id, &c), 0);
	TEST_EQ_INT(c.disposition, STORE_DISP_BUSY);
	TEST_EQ_INT(c.sip_code, 486);
	TEST_EQ_INT(c.ended_by, STORE_PARTY_CALLER);
	TEST_ASSERT(c.answered_at == 0);

	/* nobody answers within the ring timeout (1 s): 480, timed out */
	TEST_EQ_INT(orig_erika(&e, &res, &call), 0);
	(void)fake_take();
	fake_run(1200);
	TEST_EQ_STR(fake_take(), "free B1;free B2;[done]"
				 "h 480 Temporarily Unavailable;");
	TEST_ASSERT(res.timed_out);
	TEST_EQ_INT(store_call_get(e.st, res.rec_id, &c), 0);
	TEST_EQ_INT(c.disposition, STORE_DISP_NO_ANSWER);

	/* hung up by the application while it rings: CANCEL, no handler */
	TEST_EQ_INT(orig_erika(&e, &res, &call), 0);
	(void)fake_take();
	call_hangup(call, 487, NULL, STORE_DISP_CANCELLED, STORE_PARTY_SYSTEM);
	TEST_EQ_STR(fake_take(), "[done]free B1;free B2;");
	TEST_EQ_INT(res.n, 0);
	TEST_EQ_INT(call_ctx_count(e.ctx), 0);

	/* nothing to ring: ENOENT, no call, no record */
	fake.unreachable = e.erika;
	TEST_EQ_INT(orig_erika(&e, &res, &call), ENOENT);
	TEST_EQ_INT(call_ctx_count(e.ctx), 0);
	fake.unreachable = 0;

	/* bad arguments; a node shutting down */
	TEST_EQ_INT(call_originate(e.ctx, NULL, orig_h, &res, NULL), EINVAL);
	call_ctx_close_all(e.ctx);
	TEST_EQ_INT(orig_erika(&e, &res, &call), ESHUTDOWN);
	(void)fake_take();
out:
	env_close(&e);
	return err;
}

/* Max clicks to call a number out: his phones ring showing it; he
 * answers: the number rings through the trunk with the caller ID his
 * phone would present, he hears ringback; answered: bridged. */
int test_call_click(void)
{
	struct route_result r;
	struct route_caller rc;
	struct store_call c;
	int64_t id = 0;
	struct env e;
	char want[200];
	int err = 0;

	TEST_EQ_INT(env_open(&e, NULL, 0), 0);
	memset(&rc, 0, sizeof(rc));
	rc.device = &e.dev;
	rc.from_user = "1001";
	rc.from_name = "";
	TEST_EQ_INT(route_resolve(e.st, &rc, "030 1234567", &r), 0);
	fake.legc = 0;
	TEST_EQ_INT(call_click(e.ctx, e.max, &r, &id), 0);
	re_snprintf(want, sizeof(want),
		    "originate dial employee %lld as +49301234567;"
		    "[routing][ringing]",
		    (long long)e.max);
	TEST_EQ_STR(fake_take(), want);
	call_leg_established(fake.legv[0]);
	TEST_EQ_STR(fake_take(), "free B2;[answered]"
				 "dial +49301234567 via trunk 1;"
				 "play ringback.wav (loop) to B1;");
	TEST_EQ_STR(fake.cid, "+4922182829900"); /* the tenant's number */
	call_leg_established(fake.legv[2]);
	TEST_EQ_STR(fake_take(), "stop ringback.wav;bridge B1 trunk;[bridged]");
	TEST_EQ_INT(store_call_get(e.st, id, &c), 0);
	TEST_EQ_STR(c.from_number, "+4922182829900");
	TEST_EQ_STR(c.to_number, "+49301234567");
	TEST_EQ_STR(c.caller_leg, "employee:1");
	TEST_EQ_STR(c.callee_leg, "trunk");
	TEST_EQ_INT(c.direction, STORE_DIR_OUTBOUND);
	call_leg_closed(fake.legv[0], ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free trunk;free B1;");
	TEST_EQ_INT(store_call_get(e.st, id, &c), 0);
	TEST_EQ_INT(c.ended_by, STORE_PARTY_CALLER);
	TEST_EQ_INT(c.disposition, STORE_DISP_ANSWERED);

	/* from one device: it alone rings; the record names it */
	fake.legc = 0;
	TEST_EQ_INT(call_click_device(e.ctx, e.dev.id, &r, &id), 0);
	re_snprintf(want, sizeof(want),
		    "originate dial device %lld as +49301234567;"
		    "[routing][ringing]",
		    (long long)e.dev.id);
	TEST_EQ_STR(fake_take(), want);
	TEST_EQ_INT(store_call_get(e.st, id, &c), 0);
	TEST_EQ_STR(c.caller_leg, "device:1001");
	call_leg_established(fake.legv[0]);
	TEST_EQ_STR(fake_take(), "[answered]dial +49301234567 via trunk 1;"
				 "play ringback.wav (loop) to B1;");
	TEST_EQ_INT(call_employee(call_ctx_find(e.ctx, id)), e.max);
	call_leg_closed(fake.legv[0], ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]stop ringback.wav;free trunk;free B1;");
	TEST_EQ_INT(call_click_device(e.ctx, 9999, &r, &id), ENOENT);

	/* a number that leads nowhere is not placed */
	r.target.kind = ROUTE_REJECT;
	TEST_EQ_INT(call_click(e.ctx, e.max, &r, &id), EINVAL);
out:
	env_close(&e);
	return err;
}
