/*
 * call_test_attended.c - attended transfer through the call-control seam
 * with the fake backend (call_test_fake.c): a REFER with Replaces joining
 * the far ends of the transferor's two calls (and every refusal as its
 * NOTIFY), an INVITE with Replaces taking a leg's place, call_join(),
 * and the consultation of the API (call_consult: completed, cancelled,
 * the target busy, the transferor hanging up while the target rings).
 * The fake's dialogs: Call-ID = the leg's fake name, tags "lt" and "rt".
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call_test.h"
#include "demo.h"
#include "test.h"

/* Call 1: 1001 (leg A) calls Erika (1002), her B2 answers. */
static int call1(struct env *e, struct call **callp)
{
	int err = 0;

	fake.legc = 0;
	TEST_EQ_INT(env_call(e, "1002"), 0);
	TEST_EQ_INT(fake.legc, 2);
	call_leg_established(fake.legv[1]);
	str_copy(fake.legv[1]->desc, "device:1002", sizeof(fake.legv[1]->desc));
	*callp = fake.a->call;
	TEST_EQ_INT(call_state(*callp), CALL_BRIDGED);
out:
	(void)fake_take();
	return err;
}

/* Call 2: Erika's phone (leg E) calls an external number, which
 * answers (leg "trunk", fake.legv[2]). */
static int call2(struct env *e, struct call **callp)
{
	struct store_device dev;
	struct call_origin o;
	int err = 0;

	TEST_EQ_INT(store_device_by_username(e->st, "1002", &dev), 0);
	memset(&o, 0, sizeof(o));
	o.rc.device = &dev;
	o.rc.from_user = "1002";
	o.rc.from_name = "";
	o.dialled = "+49221123456";
	o.call_id = "c2";
	o.leg = "device:1002";
	TEST_EQ_INT(call_incoming(e->ctx, &o, fake_be_alloc("E")), 0);
	TEST_EQ_INT(fake.legc, 3);
	call_leg_established(fake.legv[2]);
	*callp = fake.a->call;
	TEST_EQ_INT(call_state(*callp), CALL_BRIDGED);
out:
	(void)fake_take();
	return err;
}

/* The outcomes of call_id's consultations as "consult_id outcome;"... */
static int outcome_h(const struct store_consult_outcome *o, void *arg)
{
	struct mbuf *mb = arg;

	return mbuf_printf(mb, "%lld %s;", (long long)o->consult_id,
			   o->outcome);
}

static int outcomes_of(struct env *e, int64_t call_id, char *buf, size_t sz)
{
	struct mbuf *mb = mbuf_alloc(64);
	int err;

	if (!mb)
		return ENOMEM;
	err = store_consult_outcome_list(e->st, call_id, outcome_h, mb);
	buf[0] = '\0';
	if (!err)
		re_snprintf(buf, sz, "%b", mb->buf, mb->end);
	mem_deref(mb);
	return err;
}

static void refer_replaces(struct call_leg *leg, const char *call_id,
			   bool early_only)
{
	struct call_dialog d;
	struct call_refer r = {
	    "sip:x@sb?Replaces=..", false, true, true, "x", false, &d};

	memset(&d, 0, sizeof(d));
	str_copy(d.call_id, call_id, sizeof(d.call_id));
	str_copy(d.to_tag, "lt", sizeof(d.to_tag));
	str_copy(d.from_tag, "rt", sizeof(d.from_tag));
	d.early_only = early_only;
	call_leg_refer(leg, &r);
}

static int record_of(struct env *e, int64_t id, char *buf, size_t sz)
{
	struct store_call c;
	int err = store_call_get(e->st, id, &c);

	if (!err)
		re_snprintf(buf, sz, "%s %u %s %s %s",
			    store_disposition_name(c.disposition), c.sip_code,
			    store_party_name(c.ended_by), c.caller_leg,
			    c.callee_leg);
	return err;
}

int test_call_attended_refer(void)
{
	struct call *c1 = NULL, *c2 = NULL;
	struct call_leg *b2, *e2, *trunk;
	int64_t id1, id2;
	struct env e;
	char buf[200];
	int err = 0;

	TEST_EQ_INT(env_open(&e, NULL, 0), 0);
	TEST_EQ_INT(call1(&e, &c1), 0);
	b2 = fake.legv[1];
	id1 = call_record_id(c1);
	TEST_EQ_INT(call2(&e, &c2), 0);
	e2 = c2->a;
	trunk = fake.legv[2];
	id2 = call_record_id(c2);

	/* refusals, each as the NOTIFY after the 202: no such dialog */
	refer_replaces(b2, "nothing", false);
	TEST_EQ_STR(fake_take(),
		    "202 B2;notify B2 100 Trying;"
		    "notify B2 481 Call/Transaction Does Not Exist;");
	/* early-only, but the dialog is confirmed */
	refer_replaces(b2, "E", true);
	TEST_EQ_STR(fake_take(), "202 B2;notify B2 100 Trying;"
				 "notify B2 486 Busy Here;");
	/* the REFER's own call */
	refer_replaces(b2, "A", false);
	TEST_EQ_STR(fake_take(), "202 B2;notify B2 100 Trying;"
				 "notify B2 403 Forbidden;");
	/* a dialog of somebody else (Max's A leg is not Erika's) */
	str_copy(e2->desc, "device:1001", sizeof(e2->desc));
	e2->employee_id = e.max;
	refer_replaces(b2, "E", false);
	TEST_EQ_STR(fake_take(), "202 B2;notify B2 100 Trying;"
				 "notify B2 403 Forbidden;");
	str_copy(e2->desc, "device:1002", sizeof(e2->desc));
	e2->employee_id = e.erika;
	TEST_EQ_INT(call_state(c1), CALL_BRIDGED);
	TEST_EQ_INT(call_state(c2), CALL_BRIDGED);

	/* Erika (B2 in call 1, E in call 2) transfers: the caller (A)
	 * and the number she consulted (trunk) are joined in call 1, her
	 * two legs get BYE, call 2 ends */
	refer_replaces(b2, "E", false);
	TEST_EQ_STR(fake_take(), "202 B2;notify B2 100 Trying;notify B2 200 OK;"
				 "unbridge A;unbridge E;free B2;"
				 "bridge A trunk;[bridged][done]free E;");
	TEST_EQ_INT(call_ctx_count(e.ctx), 1);
	TEST_ASSERT(trunk->call == c1);
	TEST_EQ_INT(record_of(&e, id2, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, "answered 200 caller device:1002 trunk");
	call_leg_closed(trunk, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free trunk;free A;");
	TEST_EQ_INT(record_of(&e, id1, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, "answered 200 callee device:1001 trunk");

	/* the other way round: REFER on the consultation (E) naming the
	 * first call's dialog (B2): joined in the older call all the same */
	TEST_EQ_INT(call1(&e, &c1), 0);
	b2 = fake.legv[1];
	TEST_EQ_INT(call2(&e, &c2), 0);
	e2 = c2->a;
	trunk = fake.legv[2];
	refer_replaces(e2, "B2", false);
	TEST_EQ_STR(fake_take(), "202 E;notify E 100 Trying;notify E 200 OK;"
				 "unbridge A;unbridge E;free B2;"
				 "bridge A trunk;[bridged][done]free E;");
	TEST_ASSERT(trunk->call == c1);
	TEST_EQ_INT(call_ctx_count(e.ctx), 1);

	call_ctx_close_all(e.ctx);
	(void)fake_take();

	/* call_join() of the seam: the callers of two calls (A and E) are
	 * joined in the older call, both callees hung up */
	TEST_EQ_INT(call1(&e, &c1), 0);
	TEST_EQ_INT(call2(&e, &c2), 0);
	e2 = c2->a;
	TEST_EQ_INT(call_join(c1, c1), EINVAL);
	TEST_EQ_INT(call_join(c1, c2), 0);
	TEST_EQ_STR(fake_take(), "unbridge A;unbridge E;free B2;bridge A E;"
				 "[bridged][done]free trunk;");
	TEST_ASSERT(e2->call == c1);
	TEST_EQ_INT(call_ctx_count(e.ctx), 1);
	call_leg_closed(e2, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free E;free A;");
out:
	env_close(&e);
	return err;
}

int test_call_attended_invite(void)
{
	struct call_dialog d;
	struct store_device dev;
	struct call_origin o;
	const char *reason = "";
	struct call *c1 = NULL;
	struct env e;
	char buf[200];
	void *be;
	int err = 0;

	TEST_EQ_INT(env_open(&e, NULL, 0), 0);
	TEST_EQ_INT(call1(&e, &c1), 0);
	TEST_EQ_INT(store_device_by_username(e.st, "1002", &dev), 0);
	memset(&o, 0, sizeof(o));
	o.rc.device = &dev;
	o.rc.from_user = "1002";
	o.rc.from_name = "";
	o.dialled = "1001";
	o.call_id = "c3";
	o.leg = "device:1002b";
	memset(&d, 0, sizeof(d));
	str_copy(d.to_tag, "lt", sizeof(d.to_tag));
	str_copy(d.from_tag, "rt", sizeof(d.from_tag));

	/* nothing matches: 481; the early one (B1 still... gone): 481 */
	be = fake_be_alloc("N");
	str_copy(d.call_id, "nothing", sizeof(d.call_id));
	TEST_EQ_INT(call_replace_incoming(e.ctx, &o, &d, be, &reason), 481);
	TEST_EQ_STR(reason, "Call/Transaction Does Not Exist");
	/* early-only against a confirmed dialog: 486 */
	str_copy(d.call_id, "B2", sizeof(d.call_id));
	d.early_only = true;
	TEST_EQ_INT(call_replace_incoming(e.ctx, &o, &d, be, &reason), 486);
	TEST_EQ_STR(reason, "Busy Here");
	d.early_only = false;
	/* not one of our devices (a carrier): 403 */
	o.rc.device = NULL;
	TEST_EQ_INT(call_replace_incoming(e.ctx, &o, &d, be, &reason), 403);
	o.rc.device = &dev;
	TEST_EQ_STR(fake_take(), "");

	/* taken: answered, put in B2's place, B2 gets BYE; the record's
	 * callee is the new leg; its ACK does not disturb the bridge */
	TEST_EQ_INT(call_replace_incoming(e.ctx, &o, &d, be, &reason), 0);
	TEST_EQ_STR(fake_take(), "media;offer;200;unbridge A;free B2;"
				 "bridge A N;[bridged]");
	TEST_EQ_INT(call_state(c1), CALL_BRIDGED);
	call_leg_established(c1->b);
	TEST_EQ_STR(fake_take(), "");
	TEST_EQ_INT(env_record(&e, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, " 0  device:1002b");
	/* the new leg hangs up: the call ends by the callee */
	call_leg_closed(c1->b, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free N;free A;");
	TEST_EQ_INT(env_record(&e, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, "answered 200 callee device:1002b");
out:
	env_close(&e);
	return err;
}

/* ---- consultation --------------------------------------------------- */

int test_call_attended_consult(void)
{
	struct call_dest max;
	struct call_leg *a;
	struct call *c1 = NULL;
	int64_t cid = 0, id1;
	struct env e;
	char want[300], buf[200];
	int err = 0;

	TEST_EQ_INT(env_open(&e, NULL, 0), 0);
	memset(&max, 0, sizeof(max));
	max.kind = CALL_DEST_EMPLOYEE;
	max.id = e.max;
	max.timeout = 5;
	TEST_EQ_INT(call_consult(NULL, &max, NULL), EINVAL);

	/* Erika (B2, the callee) consults Max: the caller hears music,
	 * Max's two phones ring showing the caller's number */
	TEST_EQ_INT(call1(&e, &c1), 0);
	id1 = call_record_id(c1);
	TEST_EQ_INT(call_callee_employee(c1), e.erika);
	TEST_EQ_INT(call_consult(c1, &max, &cid), 0);
	TEST_EQ_INT(call_callee_employee(c1), 0);
	re_snprintf(want, sizeof(want),
		    "unbridge A;play moh.wav (loop) to A;[answered]"
		    "dial employee %lld as 1001;",
		    (long long)e.max);
	TEST_EQ_STR(fake_take(), want);
	TEST_ASSERT(cid > 0 && cid != id1);
	TEST_EQ_INT(call_consult_id(c1), cid);
	TEST_EQ_INT(call_consult(c1, &max, NULL), EALREADY);
	TEST_EQ_INT(call_transfer(c1, &max, NULL, NULL), EALREADY);
	/* Max's B4 answers: Erika talks to Max */
	call_leg_established(fake.legv[3]);
	TEST_EQ_STR(fake_take(), "free B3;bridge B2 B4;[bridged]");
	TEST_EQ_INT(record_of(&e, cid, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, " 0  device:1002 B4");
	/* completed: the caller and Max, Erika hung up */
	TEST_EQ_INT(call_consult_complete(c1), 0);
	TEST_EQ_STR(fake_take(), "unbridge B2;free B2;stop moh.wav;"
				 "bridge A B4;[bridged]");
	TEST_EQ_INT(call_callee_employee(c1), e.max);
	TEST_EQ_INT(call_consult_id(c1), 0);
	TEST_EQ_INT(call_consult_complete(c1), ENOENT);
	TEST_EQ_INT(record_of(&e, cid, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, "answered 200 caller device:1002 B4");
	call_leg_closed(fake.legv[3], ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free B4;free A;");
	TEST_EQ_INT(record_of(&e, id1, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, "answered 200 callee device:1001 B4");

	/* cancelled after Max answered: Max BYE, Erika and the caller
	 * bridged again */
	TEST_EQ_INT(call1(&e, &c1), 0);
	TEST_EQ_INT(call_consult(c1, &max, &cid), 0);
	call_leg_established(fake.legv[2]);
	(void)fake_take();
	TEST_EQ_INT(call_consult_cancel(c1), 0);
	TEST_EQ_STR(fake_take(), "unbridge B2;free B3;stop moh.wav;"
				 "bridge A B2;[bridged]");
	TEST_EQ_INT(call_consult_cancel(c1), ENOENT);
	TEST_EQ_INT(record_of(&e, cid, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, "answered 200 caller device:1002 B3");

	/* Max busy: the consultation ends so, bridged back by itself */
	TEST_EQ_INT(call_consult(c1, &max, &cid), 0);
	(void)fake_take();
	call_leg_closed(fake.legv[4], 0, 486, "Busy Here");
	call_leg_closed(fake.legv[5], 0, 486, "Busy Here");
	TEST_EQ_STR(fake_take(), "free B5;free B6;stop moh.wav;"
				 "bridge A B2;[bridged]");
	TEST_EQ_INT(record_of(&e, cid, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, "busy 486 callee device:1002 ");

	/* the caller hangs up while Erika consults Max: its record ends,
	 * the call goes on as the consultation (Erika and Max) */
	fake.legc = 2;
	a = c1->a;
	TEST_EQ_INT(call_consult(c1, &max, &cid), 0);
	(void)fake_take();
	id1 = call_record_id(c1);
	call_leg_closed(a, ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "free A;stop moh.wav;");
	TEST_EQ_INT(call_record_id(c1), cid);
	TEST_EQ_INT(record_of(&e, id1, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, "answered 200 caller device:1001 device:1002");
	/* the call's outcomes end with this one: the caller left while Max
	 * was consulted (the earlier consultations above: cancelled, busy) */
	TEST_EQ_INT(outcomes_of(&e, id1, buf, sizeof(buf)), 0);
	re_snprintf(want, sizeof(want),
		    "%lld cancelled;%lld unreached;%lld "
		    "caller_left;",
		    (long long)cid - 2, (long long)cid - 1, (long long)cid);
	TEST_EQ_STR(buf, want);
	call_leg_established(fake.legv[3]);
	TEST_EQ_STR(fake_take(), "free B3;bridge B2 B4;[bridged]");
	call_leg_closed(fake.legv[3], ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "[done]free B4;free B2;");
	TEST_EQ_INT(record_of(&e, cid, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, "answered 200 callee device:1002 B4");

	/* Erika hangs up while Max's phones ring: a blind transfer from
	 * here; Max answers and talks to the caller */
	TEST_EQ_INT(call1(&e, &c1), 0);
	fake.legc = 6;
	TEST_EQ_INT(call_consult(c1, &max, &cid), 0);
	(void)fake_take();
	call_leg_closed(fake.legv[1], ECONNRESET, 0, NULL);
	TEST_EQ_STR(fake_take(), "free B2;");
	call_leg_established(fake.legv[7]);
	TEST_EQ_STR(fake_take(), "free B7;stop moh.wav;bridge A B8;[bridged]");
	TEST_EQ_INT(record_of(&e, cid, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, "answered 200 caller device:1002 B8");
	call_ctx_close_all(e.ctx);
	(void)fake_take();
out:
	env_close(&e);
	return err;
}

/* ---- blind to any route target (the API's) ---------------------------- */

int test_call_transfer_target(void)
{
	struct route_caller rc = {NULL, NULL, "1001", "", NULL, NULL, 0};
	struct route_result r;
	struct route_target t;
	struct call_dest d;
	struct call *c1 = NULL;
	struct env e;
	char want[200];
	int err = 0;

	TEST_EQ_INT(env_open(&e, NULL, 0), 0);
	rc.device = &e.dev;
	TEST_EQ_INT(call1(&e, &c1), 0);
	memset(&t, 0, sizeof(t));
	t.kind = ROUTE_REJECT;
	TEST_EQ_INT(call_transfer_target(c1, &t, NULL, NULL), ENOENT);
	TEST_EQ_INT(call_dest_of(c1, &t, &d), ENOTSUP);
	TEST_EQ_INT(call_route_number(c1, "1099", &r), 0);
	TEST_EQ_INT(r.target.kind, ROUTE_REJECT);
	TEST_EQ_INT(r.scode, 404);
	/* an employee: rung as call_transfer() does, the ring timeout the
	 * node's */
	TEST_EQ_INT(call_route_number(c1, "1001", &r), 0);
	TEST_EQ_INT(call_dest_of(c1, &r.target, &d), 0);
	TEST_EQ_INT(d.kind, CALL_DEST_EMPLOYEE);
	TEST_EQ_INT(d.id, e.max);
	TEST_EQ_INT(d.timeout, 1);
	TEST_EQ_STR(fake_take(), "");
	/* an announcement takes the call at once, the callee hung up */
	TEST_EQ_INT(route_resolve(e.st, &rc, "+4922182829990", &r), 0);
	TEST_EQ_INT(r.target.kind, ROUTE_ANNOUNCEMENT);
	TEST_EQ_INT(call_dest_of(c1, &r.target, &d), ENOTSUP);
	TEST_EQ_INT(call_transfer_target(c1, &r.target, NULL, NULL), 0);
	TEST_EQ_STR(fake_take(),
		    "unbridge A;free B2;[answered]play welcome.wav to A;");
	call_ctx_close_all(e.ctx);
	(void)fake_take();

	/* Erika's phone (E) called a customer (trunk): the customer is
	 * transferred, Erika leaves; to Max, showing the customer */
	fake.legc = 2;
	TEST_EQ_INT(call2(&e, &c1), 0);
	t.kind = ROUTE_EMPLOYEE;
	t.id = e.max;
	TEST_EQ_INT(call_transfer_target(c1, &t, NULL, NULL), 0);
	re_snprintf(want, sizeof(want),
		    "unbridge E;[answered]play moh.wav (loop) to trunk;"
		    "dial employee %lld as +49221123456;",
		    (long long)e.max);
	TEST_EQ_STR(fake_take(), want);
	call_ctx_close_all(e.ctx);
	(void)fake_take();
	/* ... to the announcement: the customer hears it */
	fake.legc = 2;
	TEST_EQ_INT(call2(&e, &c1), 0);
	TEST_EQ_INT(call_transfer_target(c1, &r.target, NULL, NULL), 0);
	TEST_EQ_STR(fake_take(), "unbridge trunk;free E;[answered]"
				 "play welcome.wav to trunk;");
	call_ctx_close_all(e.ctx);
	(void)fake_take();
out:
	env_close(&e);
	return err;
}
