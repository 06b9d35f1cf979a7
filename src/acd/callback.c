/*
 * callback.c - queue callbacks (virtual hold, seeds/004): a caller who
 * chose to be called back keeps his place in the queue; the request waits
 * in the engine as a caller of priority ACD_PRIO_CALLBACK with the
 * original arrival.  When its turn comes and agents are free, the engine
 * offers it as any caller; then:
 *
 *   offered      -> the agents' phones ring (call_originate, showing the
 *                   customer's number); nobody answers: a miss each, as
 *                   for a normal offer (the next agent, pauses)
 *   agent answers-> he hears "Rückruf für <number>" (call_say); then the
 *                   customer is dialled as from his phone, presenting the
 *                   tenant's central number; answered: bridged, the
 *                   request completed
 *   customer busy / no answer -> the agent's call ends; another attempt
 *                   after the retry interval (node settings callback-
 *                   retry, callback-attempts), with the original arrival;
 *                   after the last: failed
 *
 * The request is in the store (sqlite_callback.c) before the caller hears
 * the confirmation.
 *
 * Many nodes on one store: only the holder of the "callbacks" lease
 * serves requests (callback_node.c); before anybody rings, a request is
 * claimed in the store (claim()).
 * Engine caller ids of callbacks are CB_ID_BASE + the request's id.
 * Statistics: the caller's visit is marked callback_requested as he
 * leaves the queue (queue.c, acd_stats_choice), callback_completed when
 * the customer answers (store_queue_visit_callback_done).  Billing: each
 * agent's call of a callback, its handle time and the agent's wrap-up
 * after it, is a row of callback_calls (acd_stats_cb_handled).
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call/call.h"
#include "acd/acd.h"
#include "acd/acd_int.h"
#include "acd/callback_int.h"
#include "node/node.h"

enum {
	NO_AGENTS_RETRY_MS = 10000, /* [ms] no agent logged in: try again */
};
#define CB_ID_BASE 1000000000000LL

struct acd_cbs acd_cbs;

const struct config *acd_cb_cfg(void)
{
	return call_ctx_config(acd_cbs.calls);
}

/* This node's id in the store's callbacks.node ("" without settings). */
const char *acd_cb_self(void)
{
	const struct config *cfg = acd_cb_cfg();

	return cfg ? cfg->node_id : "";
}

static struct acd_engine *engine(void)
{
	return acd_cbs.acd ? acd_engine(acd_cbs.acd) : NULL;
}

static struct store *store(void)
{
	return acd_cbs.acd ? acd_store(acd_cbs.acd) : NULL;
}

unsigned acd_cb_tenant_gone(int64_t tenant_id)
{
	struct le *le = acd_cbs.cbs.head;
	unsigned n = 0;

	while (le) {
		struct cbe *x = le->data;

		le = le->next;
		if (x->cb.tenant_id != tenant_id)
			continue;
		mem_deref(x);
		n++;
		/* its call's end may have freed others */
		le = acd_cbs.cbs.head;
	}
	return n;
}

struct cbe *acd_cbe_find(int64_t id)
{
	struct le *le;

	for (le = acd_cbs.cbs.head; le; le = le->next) {
		struct cbe *x = le->data;
		if (x->cb.id == id)
			return x;
	}
	return NULL;
}

bool acd_cb_id(int64_t caller)
{
	return caller > CB_ID_BASE;
}

bool acd_cb_pub(int64_t caller, struct acd_pub_call *pc)
{
	const struct cbe *x =
	    acd_cb_id(caller) ? acd_cbe_find(caller - CB_ID_BASE) : NULL;

	if (!x || !pc)
		return false;
	pc->call_id = ""; /* no call of its own: the agent's is ours */
	pc->record_id = x->cb.call_id;
	pc->call = NULL;
	pc->left = "cancelled";
	pc->callback_id = x->cb.id;
	return true;
}

int64_t acd_cb_record(int64_t caller)
{
	const struct cbe *x =
	    acd_cb_id(caller) ? acd_cbe_find(caller - CB_ID_BASE) : NULL;

	return x && x->agent ? x->record : 0;
}

static void cbe_destructor(void *arg)
{
	struct cbe *x = arg;
	struct acd_engine *e = engine();

	tmr_cancel(&x->tmr);
	tmr_cancel(&x->tmr_offer);
	if (e && x->joined)
		(void)acd_engine_leave(e, CB_ID_BASE + x->cb.id, tmr_jiffies());
	if (x->call) {
		call_set_endh(x->call, NULL, NULL);
		call_hangup(x->call, 487, NULL, STORE_DISP_CANCELLED,
			    STORE_PARTY_SYSTEM);
	}
	if (e && x->agent)
		(void)acd_engine_call_end(e, x->agent, tmr_jiffies());
	list_unlink(&x->le);
}

/* callback events on the bus: "callback" of class queue */
static void publish(const struct store_callback *cb)
{
	struct odict *o = NULL;
	int err;

	if (!event_wanted())
		return;
	err = odict_alloc(&o, 8);
	if (err)
		return;
	err |= odict_entry_add(o, "id", ODICT_INT, cb->id);
	err |= odict_entry_add(o, "queue_id", ODICT_INT, cb->queue_id);
	err |= odict_entry_add(o, "number", ODICT_STRING, cb->number);
	err |= odict_entry_add(o, "state", ODICT_STRING,
			       store_callback_state_name(cb->state));
	err |= odict_entry_add(o, "attempts", ODICT_INT, (int64_t)cb->attempts);
	if (cb->agent_id)
		err |= odict_entry_add(o, "agent_id", ODICT_INT, cb->agent_id);
	else
		err |= odict_entry_add(o, "agent_id", ODICT_NULL);
	if (!err)
		(void)event_publish(cb->tenant_id, EVENT_QUEUE, "callback", o);
	mem_deref(o);
}

static void save(struct cbe *x)
{
	int err = store_callback_update(store(), &x->cb);

	if (err == ENOENT) /* the next re-read drops it here */
		info("acd: callback %lld ended elsewhere (cancelled?): "
		     "left as it is\n",
		     (long long)x->cb.id);
	else if (err)
		warning("acd: callback %lld not saved: %m\n",
			(long long)x->cb.id, err);
	publish(&x->cb);
}

/* The request ended (completed, failed, cancelled): forget it. */
static void finish(struct cbe *x, enum store_callback_state state)
{
	x->cb.state = state;
	x->cb.next_at = 0;
	save(x);
	info("acd: callback %lld to %s: %s after %u attempts\n",
	     (long long)x->cb.id, x->cb.number,
	     store_callback_state_name(state), x->cb.attempts);
	mem_deref(x);
}

/* The engine's clock of a UTC time (before now). */
static uint64_t clock_of(uint64_t utc)
{
	uint64_t now = tmr_jiffies(), nutc = time_now_ms(), age;

	if (!utc || utc > nutc)
		return now;
	age = nutc - utc;
	return age < now ? now - age : 1;
}

static void join_tmr(void *arg);

/* Wait in the engine with the original arrival. */
static void join(struct cbe *x)
{
	struct acd_engine *e = engine();
	enum acd_outcome out = ACD_JOINED;
	struct acd_caller_in in;
	int err;

	if (!e || x->joined)
		return;
	if (!acd_cbs.held) { /* the lease holder serves it: its next re-read */
		info("acd: callback %lld: left to the node holding the "
		     "callbacks lease\n",
		     (long long)x->cb.id);
		mem_deref(x);
		return;
	}
	memset(&in, 0, sizeof(in));
	in.id = CB_ID_BASE + x->cb.id;
	in.prio = ACD_PRIO_CALLBACK;
	in.arrived = clock_of(x->cb.arrived_at);
	err = acd_engine_join(e, x->cb.queue_id, &in, tmr_jiffies(), &out);
	if (err == ENOENT && !acd_queue_sync(acd_cbs.acd, x->cb.queue_id)) {
		/* a queue made through another node's API: read it now */
		err = acd_engine_join(e, x->cb.queue_id, &in, tmr_jiffies(),
				      &out);
	}
	x->join_failed = err || out != ACD_JOINED;
	if (err || out != ACD_JOINED) {
		debug("acd: callback %lld: not joined (%m, %d): later\n",
		      (long long)x->cb.id, err, out);
		tmr_start(&x->tmr, NO_AGENTS_RETRY_MS, join_tmr, x);
		return;
	}
	x->joined = true;
	acd_queue_kick();
}

static void join_tmr(void *arg)
{
	join(arg);
}

void acd_cb_rejoin(void)
{
	struct le *le;

	/* from the engine's event: join from the loop, not inside it */
	for (le = acd_cbs.cbs.head; le; le = le->next) {
		struct cbe *x = le->data;

		if (!x->joined && x->join_failed)
			tmr_start(&x->tmr, 0, join_tmr, x);
	}
}

/* Take over request cb (in the store): join now or at its next_at. */
int acd_cbe_add(const struct store_callback *cb)
{
	struct store_tenant t;
	struct cbe *x;
	uint64_t now = time_now_ms();

	x = mem_zalloc(sizeof(*x), cbe_destructor);
	if (!x)
		return ENOMEM;
	x->cb = *cb;
	tmr_init(&x->tmr);
	tmr_init(&x->tmr_offer);
	str_copy(x->lang, "de", sizeof(x->lang));
	if (!store_tenant_get(store(), cb->tenant_id, &t))
		str_copy(x->lang, store_language_name(t.language),
			 sizeof(x->lang));
	list_append(&acd_cbs.cbs, &x->le, x);
	if (x->cb.next_at > now)
		tmr_start(&x->tmr, x->cb.next_at - now, join_tmr, x);
	else
		join(x);
	return 0;
}

/* ---- the agent's call ---------------------------------------------------- */

static void agent_call_end(struct call *call, enum store_party by,
			   uint16_t scode, enum store_disposition disposition,
			   void *arg)
{
	struct cbe *x = arg;
	struct acd_engine *e = engine();

	(void)call;
	(void)by;
	(void)scode;
	(void)disposition;
	x->call = NULL;
	if (e && x->agent) /* the agent's queue call: wrap-up */
		(void)acd_engine_call_end(e, x->agent, tmr_jiffies());
	x->agent = 0;
	acd_queue_kick();
	switch (x->cb.state) {
	case STORE_CB_CALLING:
		/* ended before the customer was dialled (the agent hung
		 * up): not an attempt; waits again at once */
		x->cb.state = STORE_CB_REQUESTED;
		save(x);
		join(x);
		break;
	case STORE_CB_REQUESTED: /* another attempt later (x->tmr) */
		break;
	default: /* completed, failed: done */
		mem_deref(x);
		break;
	}
}

/* The request's state is final: saved, forgotten when the agent's call
 * ends (agent_call_end). */
static void final(struct cbe *x, enum store_callback_state state)
{
	x->cb.state = state;
	x->cb.next_at = 0;
	save(x);
	info("acd: callback %lld to %s: %s after %u attempts\n",
	     (long long)x->cb.id, x->cb.number,
	     store_callback_state_name(state), x->cb.attempts);
	if (state == STORE_CB_COMPLETED && x->cb.call_id) {
		int err = store_queue_visit_callback_done(
		    store(), x->cb.queue_id, x->cb.call_id);

		if (err && err != ENOENT)
			warning("acd: callback %lld: statistics: %m\n",
				(long long)x->cb.id, err);
	}
}

static void customer_dialled(struct call *call, uint16_t scode,
			     const char *reason, bool timed_out, void *arg)
{
	struct cbe *x = arg;
	const struct config *cfg = call_config(call);

	if (scode == 200) {
		final(x, STORE_CB_COMPLETED);
		return;
	}
	info("acd: callback %lld: %s did not answer: %u %s%s (attempt %u)\n",
	     (long long)x->cb.id, x->cb.number, scode, reason,
	     timed_out ? ", timed out" : "", x->cb.attempts);
	if (x->cb.attempts >= cfg->callback_attempts) {
		final(x, STORE_CB_FAILED);
	}
	else {
		x->cb.state = STORE_CB_REQUESTED;
		x->cb.next_at =
		    time_now_ms() + (uint64_t)cfg->callback_retry * 1000;
		save(x);
		tmr_start(&x->tmr, (uint64_t)cfg->callback_retry * 1000,
			  join_tmr, x);
	}
	call_hangup(call, scode, NULL, STORE_DISP_NONE, STORE_PARTY_SYSTEM);
}

/* The agent heard whom he calls back: the customer rings. */
static void said(struct call *call, int err, char digit, void *arg)
{
	struct cbe *x = arg;
	struct route_result r;
	struct store_tenant t;
	struct call_dest dest;
	struct call_dial_prm prm;
	char cid[24] = "";

	(void)err;
	(void)digit;
	memset(&r, 0, sizeof(r));
	if (!store_tenant_get(store(), x->cb.tenant_id, &t))
		str_copy(cid, t.central_number, sizeof(cid));
	if (call_route_number(call, x->cb.number, &r) ||
	    r.target.kind == ROUTE_REJECT ||
	    call_dest_of(call, &r.target, &dest)) {
		warning("acd: callback %lld: %s cannot be dialled\n",
			(long long)x->cb.id, x->cb.number);
		x->cb.attempts = call_config(call)->callback_attempts;
		customer_dialled(call, 404, "Not Found", false, x);
		return;
	}
	if (!cid[0])
		str_copy(cid, r.target.caller_id, sizeof(cid));
	memset(&prm, 0, sizeof(prm));
	prm.destv = &dest;
	prm.destc = 1;
	prm.cid = cid;
	prm.cname = "";
	x->cb.attempts++;
	save(x);
	if (call_dial(call, &prm, customer_dialled, x))
		customer_dialled(call, 480, "Temporarily Unavailable", false,
				 x);
}

static void agent_answered(struct call *call, uint16_t scode,
			   const char *reason, bool timed_out, void *arg)
{
	struct cbe *x = arg;
	struct acd_engine *e = engine();
	uint64_t now = tmr_jiffies();
	char text[96];
	size_t i;

	(void)reason;
	(void)timed_out;
	x->offered = false;
	if (scode != 200) { /* the call has ended: a miss each */
		x->call = NULL;
		for (i = 0; e && i < x->offer.agentc; i++)
			(void)acd_engine_miss(e, CB_ID_BASE + x->cb.id,
					      x->offer.agentv[i], now);
		if (x->cb.state == STORE_CB_CALLING) {
			x->cb.state = STORE_CB_REQUESTED;
			save(x);
		}
		acd_queue_kick();
		return;
	}
	x->agent = call_employee(call);
	x->record = call_record_id(call);
	if (e && acd_engine_answer(e, CB_ID_BASE + x->cb.id, x->agent, now))
		warning("acd: callback %lld: agent %lld answered, the engine "
			"did not offer it\n",
			(long long)x->cb.id, (long long)x->agent);
	x->joined = false; /* answered: no longer waiting */
	x->cb.agent_id = x->agent;
	save(x);
	call_set_endh(call, agent_call_end, x);
	re_snprintf(text, sizeof(text), "%s %s",
		    strcmp(x->lang, "en") ? "Rückruf für" : "Callback for",
		    x->cb.number);
	if (call_say_private(call, x->lang, text, false, said, x))
		said(call, 0, '\0', x);
	acd_queue_kick();
}

/*
 * Take x for a call in the store, atomically (requested -> calling): true
 * if this node has it now; else (another node claimed it, it was cancelled
 * elsewhere, a store error) x is dropped here and freed.
 */
static bool claim(struct cbe *x)
{
	bool claimed = false;
	int err;

	if (acd_cbs.held) {
		err = store_callback_claim(store(), x->cb.id, acd_cb_self(),
					   &claimed);
		if (err)
			warning("acd: callback %lld: claim: %m\n",
				(long long)x->cb.id, err);
	}
	if (claimed) {
		x->cb.state = STORE_CB_CALLING;
		str_copy(x->cb.node, acd_cb_self(), sizeof(x->cb.node));
		publish(&x->cb);
		return true;
	}
	info("acd: callback %lld: not claimed (%s): dropped on this node\n",
	     (long long)x->cb.id,
	     acd_cbs.held ? "another node has it, or it ended"
			  : "another node holds the callbacks lease");
	mem_deref(x); /* withdraws the offer, no miss */
	acd_queue_kick();
	return false;
}

/* Ring the agents of x's offer: false if none could be claimed here
 * (another node holds them, or holds them back for an earlier caller). */
static bool offer_try(struct cbe *x)
{
	struct call_dest destv[ACD_OFFER_MAX];
	struct call_originate_prm prm;
	struct acd_engine *e = engine();
	uint64_t now = tmr_jiffies();
	size_t i, n = x->offer.agentc;
	char leg[32];
	int err;

	if (!e)
		return true;
	/* another node may hold an agent (rows.c) */
	n = acd_rows_offer_claim(&x->offer, now);
	if (!n) {
		acd_queue_kick();
		return false;
	}
	memset(destv, 0, sizeof(destv));
	for (i = 0; i < n; i++) {
		destv[i].kind = CALL_DEST_EMPLOYEE;
		destv[i].id = x->offer.agentv[i];
		destv[i].timeout =
		    x->offer.expires > now
			? (uint32_t)((x->offer.expires - now + 999) / 1000)
			: 1;
	}
	re_snprintf(leg, sizeof(leg), "callback:%lld", (long long)x->cb.id);
	memset(&prm, 0, sizeof(prm));
	prm.dest = destv;
	prm.destc = n;
	prm.cid = x->cb.number; /* the agent's phone shows whom he calls */
	prm.cname = "";
	prm.tenant_id = x->cb.tenant_id;
	prm.direction = STORE_DIR_OUTBOUND;
	prm.from = x->cb.number;
	prm.to = x->cb.number;
	prm.leg = leg;
	if (!claim(x))
		return true; /* x is gone: another node has it, or it ended */
	x->offered = true;
	err = call_originate(acd_cbs.calls, &prm, agent_answered, x, &x->call);
	if (err) {
		info("acd: callback %lld: the agents offered cannot be rung: "
		     "%m\n",
		     (long long)x->cb.id, err);
		x->offered = false;
		x->call = NULL;
		for (i = 0; i < n; i++)
			(void)acd_engine_miss(e, CB_ID_BASE + x->cb.id,
					      x->offer.agentv[i], now);
		x->cb.state = STORE_CB_REQUESTED;
		save(x);
		acd_queue_kick();
	}
	return true;
}

static void offer_place(void *arg)
{
	(void)offer_try(arg);
}

void acd_cb_offer(const struct acd_offer *o)
{
	struct cbe *x = acd_cbe_find(o->caller - CB_ID_BASE);

	if (!x || !acd_cbs.calls)
		return;
	x->offer = *o;
	tmr_start(&x->tmr_offer, 0, offer_place, x);
}

void acd_cb_timeout(int64_t caller)
{
	struct cbe *x = acd_cbe_find(caller - CB_ID_BASE);

	if (!x)
		return;
	x->joined = false;           /* a callback does not time out: again */
	if (x->offered && x->call) { /* the engine withdrew the offer */
		struct call *call = x->call;

		x->call = NULL;
		x->offered = false;
		call_hangup(call, 487, NULL, STORE_DISP_CANCELLED,
			    STORE_PARTY_SYSTEM);
		x->cb.state = STORE_CB_REQUESTED;
		save(x);
	}
	join(x);
}

bool acd_cb_call_of(const struct call *call, int64_t employee)
{
	struct le *le;
	size_t i;

	for (le = acd_cbs.cbs.head; le; le = le->next) {
		const struct cbe *x = le->data;

		if (x->call != call)
			continue;
		if (x->agent == employee)
			return true;
		for (i = 0; x->offered && i < x->offer.agentc; i++) {
			if (x->offer.agentv[i] == employee)
				return true;
		}
	}
	return false;
}

/* ---- requests --------------------------------------------------------------- */

static bool finished(enum store_callback_state state)
{
	return state == STORE_CB_COMPLETED || state == STORE_CB_FAILED ||
	       state == STORE_CB_CANCELLED;
}

int acd_callback_add(struct acd *acd, struct store_callback *cb)
{
	int err;

	if (!acd || !cb)
		return EINVAL;
	cb->state = STORE_CB_REQUESTED;
	cb->attempts = 0;
	cb->next_at = 0;
	cb->agent_id = 0;
	if (!cb->arrived_at)
		cb->arrived_at = time_now_ms();
	err = store_callback_add(acd_store(acd), cb); /* on disk first */
	if (err)
		return err;
	info("acd: callback %lld: queue %lld, %s\n", (long long)cb->id,
	     (long long)cb->queue_id, cb->number);
	/* statistics: the visit's callback_requested is set as the caller
	 * leaves the queue (acd_stats_choice) */
	publish(cb);
	if (acd_cbs.acd != acd || !acd_cbs.held)
		return 0; /* the lease holder's next re-read takes it */
	return acd_cbe_add(cb);
}

int acd_callback_cancel(struct acd *acd, int64_t id, struct store_callback *cb)
{
	struct cbe *x;
	int err;

	if (!acd || !cb)
		return EINVAL;
	err = store_callback_get(acd_store(acd), id, cb);
	if (err)
		return err;
	if (finished(cb->state))
		return EALREADY;
	x = acd_cbs.acd == acd ? acd_cbe_find(id) : NULL;
	if (x) {
		finish(x, STORE_CB_CANCELLED);
		acd_queue_kick();
	}
	else {
		cb->state = STORE_CB_CANCELLED;
		err = store_callback_update(acd_store(acd), cb);
		if (err == ENOENT) /* it ended meanwhile */
			return EALREADY;
		if (err)
			return err;
		publish(cb);
	}
	return store_callback_get(acd_store(acd), id, cb);
}

static void take_offer(const struct acd_offer *o, void *arg)
{
	struct cbe *x = arg;

	x->offer = *o;
}

int acd_callback_take(struct acd *acd, int64_t id, int64_t agent,
		      struct store_callback *cb)
{
	struct acd_engine *e = engine();
	struct cbe *x;
	int err;

	if (!acd || !cb)
		return EINVAL;
	err = store_callback_get(acd_store(acd), id, cb);
	if (err)
		return err;
	if (finished(cb->state))
		return EALREADY;
	if (acd_cbs.acd == acd && !acd_cbs.held)
		return EXDEV; /* the lease holder serves it */
	x = acd_cbs.acd == acd ? acd_cbe_find(id) : NULL;
	if (cb->state == STORE_CB_CALLING)
		return EBUSY;
	if (!x && acd_cbs.acd == acd) {
		/* taken on another node since our last re-read: ours now,
		 * as the re-read would make it (claimed before it rings) */
		err = acd_cbe_add(cb);
		if (err)
			return err;
		x = acd_cbe_find(id);
		if (x)
			x->gen = acd_cbs.gen;
	}
	if (!x || !e)
		return ENODEV;
	if (x->offered || x->call)
		return EBUSY;
	if (!x->joined) { /* waits for its next attempt: now */
		tmr_cancel(&x->tmr);
		join(x);
		if (!x->joined)
			return ENODEV;
	}
	err = acd_engine_offer_to(e, CB_ID_BASE + id, agent, tmr_jiffies(),
				  take_offer, x);
	if (err)
		return err;
	info("acd: callback %lld taken by agent %lld\n", (long long)id,
	     (long long)agent);
	if (!offer_try(x))
		return EAGAIN; /* the agent is another node's now */
	return store_callback_get(acd_store(acd), id, cb);
}
