/*
 * rows.c - the agents and waiting callers of every node sharing the store
 * (issue 21, migration 60, docs/cluster.md "Queues on many nodes"); the
 * store work around the pure engine (acd_int.h), which knows nothing of
 * it.
 *
 * The caller's node dials the agent: a caller waits on the node that
 * anchors its media, and that node's engine offers it to any agent logged
 * in through any node (desk phones are reached through the edge from
 * every node).  For that, every node's engine follows three kinds of
 * rows, polled every ROWS_POLL_MS:
 *
 *   agent_states   the kept states (login, logout, pause with a reason,
 *                  unpause; the engine's own pause "no answer"), written
 *                  by whichever node's API, feature code or engine made
 *                  the change: the rows written since the last look are
 *                  applied to the engine (idempotent: a node sees its own
 *                  writes too, and they change nothing then);
 *   agent_claims   before a node rings an agent it claims him with one
 *                  conditional write (store_agent_claim); a claim of
 *                  another node makes him busy in this engine (as a direct
 *                  call does), so he is offered nowhere else.  The claim
 *                  follows the engine's agent: ringing, on_call, wrapup
 *                  (with its end); it goes when he is available, paused or
 *                  logged out again.  An end of the wrap-up asked through
 *                  another node drops the wrapup claim; the holder sees
 *                  its claim gone and ends the wrap-up;
 *   queue_entries  the callers waiting on each node (written on join,
 *                  dropped on answer, leave and timeout): the position a
 *                  caller hears and GET .../waiting count every node's
 *                  callers, and a node holds a freed agent back for up to
 *                  ROWS_YIELD_MS while an earlier caller of the same queue
 *                  waits on another node (that node may take him first;
 *                  after that anyone may, so a skills or tier mismatch
 *                  starves no one).  A caller whose agents ring says so
 *                  in its row (offered, set once its node claimed them,
 *                  cleared when it waits again): no node holds an agent
 *                  back for it meanwhile.
 *
 * The rows of a dead node (no heartbeat for --node-stale-after) are
 * dropped by the survivors (node.c); a node's own rows of its previous run
 * at its start, and at a clean stop here.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call/call.h"
#include "acd/acd.h"
#include "acd/acd_int.h"

enum {
	ROWS_POLL_MS = 500, /* [ms] between looks at the rows          */
	/* [ms] rows re-read before the last look: the rows are stamped by
	 * the store's clock (store_now_ms), as is the time a look reads
	 * from, so the nodes' clocks do not matter; this covers a write
	 * committed a while after it was stamped; applying a row again
	 * changes nothing (a row is an agent's latest state) */
	ROWS_OVERLAP_MS = 3000,
	ROWS_YIELD_MS = 2000, /* [ms] an agent held back for another node */
};

/* An agent this node knows more of than its engine does. */
struct ragent {
	struct le le;
	int64_t id;
	bool remote; /* another node claims him           */
	enum store_claim_kind kind;
	bool own_wrapup;      /* our wrapup claim was written      */
	uint64_t yield_since; /* [ms] held back for another node since */
	bool held;            /* held back now                     */
	unsigned gen;         /* a claim of him seen in this look  */
	unsigned mine_gen;    /* our claim of him seen in this look */
};

static struct {
	struct acd *acd; /* (weak) */
	const struct config *cfg;
	struct list agents; /* struct ragent */
	struct tmr tmr;
	uint64_t since; /* [ms UTC] the next look reads rows from here */
	unsigned gen;
	bool applying;       /* converge() is applying a row to the engine */
	struct list offered; /* struct roffer: callers marked offered */
} rows;

/* A caller of ours whose row says that agents ring for it. */
struct roffer {
	struct le le;
	int64_t caller;
};

static struct store *store(void)
{
	return acd_store(rows.acd);
}

static const char *self(void)
{
	return rows.cfg ? rows.cfg->node_id : "";
}

const char *acd_rows_self(void)
{
	return self();
}

static void ragent_destructor(void *arg)
{
	struct ragent *ra = arg;

	list_unlink(&ra->le);
}

static struct ragent *ragent(int64_t id, bool create)
{
	struct ragent *ra;
	struct le *le;

	for (le = rows.agents.head; le; le = le->next) {
		ra = le->data;
		if (ra->id == id)
			return ra;
	}
	if (!create)
		return NULL;
	ra = mem_zalloc(sizeof(*ra), ragent_destructor);
	if (!ra)
		return NULL;
	ra->id = id;
	list_append(&rows.agents, &ra->le, ra);
	return ra;
}

bool acd_rows_elsewhere(int64_t agent)
{
	const struct ragent *ra = rows.acd ? ragent(agent, false) : NULL;

	return ra && (ra->remote || ra->held);
}

int acd_rows_remote(int64_t agent, const char **kindp)
{
	const struct ragent *ra = rows.acd ? ragent(agent, false) : NULL;

	if (!ra || !ra->remote)
		return ENOENT;
	if (kindp)
		*kindp = store_claim_kind_name(ra->kind);
	return 0;
}

/* The engine's busy mark of agent: a direct call here, or another node's
 * claim, or held back for another node. */
static void busy_sync(int64_t agent)
{
	struct acd_engine *e = acd_engine(rows.acd);
	struct acd_agent_info ai;
	bool busy = acd_rows_elsewhere(agent) || acd_queue_direct_busy(agent);

	if (!e || acd_engine_agent(e, agent, &ai) || ai.busy == busy)
		return;
	(void)acd_engine_agent_busy(e, agent, busy);
	if (!busy)
		acd_queue_kick();
}

/* ---- claims ------------------------------------------------------------- */

static bool claim(int64_t agent, enum store_claim_kind kind, uint64_t until)
{
	struct store_agent_claim c;
	bool claimed = false;
	int err;

	memset(&c, 0, sizeof(c));
	c.employee_id = agent;
	str_copy(c.node_id, self(), sizeof(c.node_id));
	c.kind = kind;
	c.since = time_now_ms();
	c.until_at = until;
	err = store_agent_claim(store(), &c, &claimed);
	if (err)
		warning("acd: agent %lld: claim %s: %m\n", (long long)agent,
			store_claim_kind_name(kind), err);
	return claimed;
}

/* Does an earlier caller of o's queue wait on another node? */
struct ahead {
	int64_t caller;
	bool unoffered;  /* count only callers no agent rings for   */
	unsigned others; /* rows of other nodes before caller's     */
	bool found;      /* caller's own row was seen               */
};

static int ahead_h(const struct store_queue_entry *qe, void *arg)
{
	struct ahead *a = arg;

	if (a->found)
		return 0;
	if (!strcmp(qe->node_id, self())) {
		if (qe->caller == a->caller)
			a->found = true;
		return 0;
	}
	if (!a->unoffered || !qe->offered)
		a->others++;
	return 0;
}

bool acd_rows_applying(void)
{
	return rows.applying;
}

static unsigned ahead(int64_t queue, int64_t caller, bool unoffered)
{
	struct ahead a = {caller, unoffered, 0, false};

	if (!rows.acd || store_queue_entry_list(store(), queue, ahead_h, &a) ||
	    !a.found)
		return 0;
	return a.others;
}

unsigned acd_rows_ahead(int64_t queue, int64_t caller)
{
	return ahead(queue, caller, false);
}

static struct roffer *roffer(int64_t caller)
{
	struct le *le;

	for (le = rows.offered.head; le; le = le->next) {
		struct roffer *ro = le->data;

		if (ro->caller == caller)
			return ro;
	}
	return NULL;
}

static void roffer_destructor(void *arg)
{
	struct roffer *ro = arg;

	list_unlink(&ro->le);
}

/* Our caller's row says that agents ring for it (once). */
static void offered_mark(int64_t caller)
{
	struct roffer *ro;
	int err;

	if (roffer(caller))
		return;
	err = store_queue_entry_offered(store(), self(), caller, true);
	if (err) {
		warning("acd: caller %lld: entry offered: %m\n",
			(long long)caller, err);
		return;
	}
	ro = mem_zalloc(sizeof(*ro), roffer_destructor);
	if (!ro)
		return;
	ro->caller = caller;
	list_append(&rows.offered, &ro->le, ro);
}

/* The callers marked offered that wait again (every agent missed or was
 * withdrawn) are unmarked; those that left are forgotten (their rows
 * are gone). */
static void offered_settle(void)
{
	struct acd_engine *e = acd_engine(rows.acd);
	struct le *le = rows.offered.head;

	while (le) {
		struct roffer *ro = le->data;
		struct acd_caller_info ci;

		le = le->next;
		if (e && !acd_engine_caller(e, ro->caller, &ci) && ci.offered)
			continue;
		if (e && !acd_engine_caller(e, ro->caller, &ci))
			(void)store_queue_entry_offered(store(), self(),
							ro->caller, false);
		mem_deref(ro);
	}
}

size_t acd_rows_offer_claim(struct acd_offer *o, uint64_t now)
{
	struct acd_engine *e = acd_engine(rows.acd);
	uint64_t wall = time_now_ms();
	bool yield;
	size_t i, n = 0;

	if (!e)
		return o->agentc;
	/* only callers no agent rings for: one that rings holds no one */
	yield = ahead(o->queue, o->caller, true) > 0;
	for (i = 0; i < o->agentc; i++) {
		int64_t agent = o->agentv[i];
		struct ragent *ra = ragent(agent, true);
		bool held = false, taken = false;
		struct acd_agent_info ai;

		/* the offer is placed a moment after the engine made it: one
		 * it withdrew meanwhile (max wait, a pause) is not claimed */
		if (acd_engine_agent(e, agent, &ai) ||
		    ai.state != ACD_RINGING || ai.caller != o->caller)
			continue;

		if (ra && yield && !ra->yield_since)
			ra->yield_since = wall;
		if (ra && yield && wall - ra->yield_since < ROWS_YIELD_MS)
			held = true;
		else
			taken = claim(agent, STORE_CLAIM_RINGING, 0);
		if (taken) {
			if (ra)
				ra->yield_since = 0;
			o->agentv[n++] = agent;
			continue;
		}
		info("acd: agent %lld: %s: not rung here\n", (long long)agent,
		     held ? "held back for an earlier caller of another node"
			  : "another node has him");
		if (ra && held)
			ra->held = true;
		else if (ra)
			ra->remote = true;
		(void)acd_engine_offer_drop(e, o->caller, agent, now);
		busy_sync(agent);
	}
	o->agentc = n;
	if (n)
		offered_mark(o->caller);
	return n;
}

int acd_rows_wrapup_end(int64_t agent)
{
	struct ragent *ra = rows.acd ? ragent(agent, false) : NULL;
	bool dropped = false;
	int err;

	if (!rows.acd)
		return ENOENT;
	err = store_agent_claim_drop(store(), agent, NULL, STORE_CLAIM_WRAPUP,
				     &dropped);
	if (err)
		return err;
	if (!dropped)
		return ENOENT;
	info("acd: agent %lld: the wrap-up of another node ended here\n",
	     (long long)agent);
	if (ra && ra->remote) {
		ra->remote = false;
		busy_sync(agent);
	}
	return 0;
}

/* ---- the engine's events ------------------------------------------------ */

static void agent_event(const struct acd_event *ev)
{
	struct acd_engine *e = acd_engine(rows.acd);
	struct ragent *ra = ragent(ev->agent, false);
	struct acd_agent_info ai;
	uint64_t until = 0;

	switch (ev->state) {
	case ACD_ON_CALL:
		if (!claim(ev->agent, STORE_CLAIM_ON_CALL, 0))
			warning("acd: agent %lld: on a call here, but another "
				"node claims him\n",
				(long long)ev->agent);
		return;
	case ACD_WRAPUP:
		if (e && !acd_engine_agent(e, ev->agent, &ai) &&
		    ai.wrapup_until > ev->now)
			until = time_now_ms() + (ai.wrapup_until - ev->now);
		ra = ragent(ev->agent, true);
		if (claim(ev->agent, STORE_CLAIM_WRAPUP, until) && ra)
			ra->own_wrapup = true;
		return;
	case ACD_RINGING:
		return; /* claimed before the phones ring */
	default:
		break;
	}
	if (ra)
		ra->own_wrapup = false;
	/* free or paused in the engine while a direct call goes on: the
	 * other nodes keep seeing him busy */
	if (ev->state != ACD_LOGGED_OUT && acd_queue_direct_busy(ev->agent)) {
		(void)claim(ev->agent, STORE_CLAIM_ON_CALL, 0);
		return;
	}
	(void)store_agent_claim_drop(store(), ev->agent, self(), -1, NULL);
}

void acd_rows_direct(int64_t agent, bool on)
{
	struct acd_engine *e = acd_engine(rows.acd);
	struct acd_agent_info ai;

	if (!rows.cfg || !e || acd_engine_agent(e, agent, &ai))
		return; /* one node, or no agent */
	/* ringing, on a queue call, in wrap-up: the engine's own claim */
	if (ai.state != ACD_AVAILABLE && ai.state != ACD_PAUSED)
		return;
	if (on && !claim(agent, STORE_CLAIM_ON_CALL, 0))
		info("acd: agent %lld: on a direct call here, but another "
		     "node claims him\n",
		     (long long)agent);
	if (!on)
		(void)store_agent_claim_drop(store(), agent, self(),
					     STORE_CLAIM_ON_CALL, NULL);
}

/* [ms UTC] of engine time t (tmr_jiffies) */
static uint64_t wall_of(uint64_t t)
{
	uint64_t now = tmr_jiffies(), utc = time_now_ms();
	uint64_t age = now > t ? now - t : 0;

	return utc > age ? utc - age : 0;
}

static void caller_joined(const struct acd_event *ev)
{
	struct acd_engine *e = acd_engine(rows.acd);
	struct store_queue_entry qe;
	struct acd_caller_info ci;
	const struct call *call = acd_queue_call(ev->caller);
	struct acd_pub_call pc;
	int err;

	if (!e || acd_engine_caller(e, ev->caller, &ci))
		return;
	memset(&qe, 0, sizeof(qe));
	str_copy(qe.node_id, self(), sizeof(qe.node_id));
	qe.caller = ev->caller;
	qe.queue_id = ev->queue;
	qe.priority = (int)ci.prio;
	qe.arrived_at = wall_of(ci.arrived);
	qe.joined_at = wall_of(ci.joined);
	if (call) {
		const char *vip = call_var(call, CALL_VAR_VIP);

		qe.call_id = call_record_id(call);
		if (vip)
			str_copy(qe.vip, vip, sizeof(qe.vip));
	}
	else if (acd_cb_pub(ev->caller, &pc)) {
		qe.call_id = pc.record_id;
		qe.callback_id = pc.callback_id;
	}
	err = store_queue_entry_put(store(), &qe);
	if (err)
		warning("acd: queue %lld: caller %lld: entry: %m\n",
			(long long)ev->queue, (long long)ev->caller, err);
}

static void on_event(const struct acd_event *ev, void *arg)
{
	(void)arg;
	if (!rows.cfg)
		return;
	switch (ev->type) {
	case ACD_EV_AGENT:
		agent_event(ev);
		break;
	case ACD_EV_JOINED:
		caller_joined(ev);
		break;
	case ACD_EV_ANSWERED:
	case ACD_EV_ABANDONED:
	case ACD_EV_TIMEOUT:
		(void)store_queue_entry_drop(store(), self(), ev->caller);
		mem_deref(roffer(ev->caller));
		break;
	case ACD_EV_MISSED:
		offered_settle(); /* waits again: held for at once */
		break;
	default:
		break;
	}
}

/* ---- the look at the rows --------------------------------------------- */

/* The engine takes the kept state st (reason) of agent id: only what
 * differs is done (a node reads its own writes too). */
static void converge(const struct store_agent *a, uint64_t now)
{
	struct acd_engine *e = acd_engine(rows.acd);
	struct acd_agent_info ai;
	int64_t id = a->employee_id;
	bool out, leaving, pausing;

	if (acd_engine_agent(e, id, &ai)) {
		if (a->state == STORE_AGENT_LOGGED_OUT)
			return;
		memset(&ai, 0, sizeof(ai));
		ai.state = ACD_LOGGED_OUT;
	}
	out = ai.state == ACD_LOGGED_OUT;
	leaving = ai.state == ACD_ON_CALL && ai.pending == ACD_LOGGED_OUT;
	pausing = ai.state == ACD_ON_CALL && ai.pending == ACD_PAUSED;
	switch (a->state) {
	case STORE_AGENT_LOGGED_OUT:
		if (!out && !leaving)
			(void)acd_engine_agent_logout(e, id, now);
		return;
	case STORE_AGENT_AVAILABLE:
		if (out || leaving) {
			(void)acd_engine_agent_login(e, id, now);
			busy_sync(id);
		}
		else if (ai.state == ACD_PAUSED || pausing)
			(void)acd_engine_agent_unpause(e, id, now);
		return;
	case STORE_AGENT_PAUSED:
		if (out || leaving) {
			(void)acd_engine_agent_login(e, id, now);
			busy_sync(id);
		}
		if ((ai.state == ACD_PAUSED || pausing) &&
		    !strcmp(ai.reason, a->reason))
			return;
		if (pausing && !ai.reason[0])
			return; /* the engine keeps a pending reason apart */
		(void)acd_engine_agent_pause(e, id, a->reason, now);
		return;
	default:
		return;
	}
}

static int changed_h(const struct store_agent *a, void *arg)
{
	rows.applying = true;
	converge(a, *(const uint64_t *)arg);
	rows.applying = false;
	return 0;
}

static int claim_h(const struct store_agent_claim *c, void *arg)
{
	struct ragent *ra;
	bool mine = !strcmp(c->node_id, self());

	(void)arg;
	ra = ragent(c->employee_id, !mine);
	if (!ra)
		return 0;
	ra->gen = rows.gen;
	if (mine) {
		ra->mine_gen = rows.gen;
		return 0;
	}
	ra->kind = c->kind;
	ra->yield_since = 0;
	if (!ra->remote) {
		ra->remote = true;
		busy_sync(ra->id);
	}
	return 0;
}

/* After the claims were read: agents another node let go are free here;
 * a wrap-up of ours whose claim went (ended through another node) ends;
 * holds for other nodes that are over end. */
static void claims_settle(uint64_t now)
{
	struct acd_engine *e = acd_engine(rows.acd);
	uint64_t wall = time_now_ms();
	struct le *le = rows.agents.head;

	while (le) {
		struct ragent *ra = le->data;
		struct acd_agent_info ai;
		bool seen = ra->gen == rows.gen;

		le = le->next;
		if (ra->remote && !seen) {
			ra->remote = false;
			busy_sync(ra->id);
		}
		/* our claim, not any: another node may have claimed him
		 * after his wrap-up was ended through a third */
		if (ra->own_wrapup && ra->mine_gen != rows.gen &&
		    !acd_engine_agent(e, ra->id, &ai) &&
		    ai.state == ACD_WRAPUP) {
			ra->own_wrapup = false;
			info("acd: agent %lld: wrap-up ended through another "
			     "node\n",
			     (long long)ra->id);
			(void)acd_engine_wrapup_end(e, ra->id, now);
		}
		if (ra->held && wall - ra->yield_since >= ROWS_YIELD_MS) {
			ra->held = false;
			busy_sync(ra->id);
		}
		/* held back and not offered again since: over */
		if (!ra->held && ra->yield_since &&
		    wall - ra->yield_since >= 2 * ROWS_YIELD_MS)
			ra->yield_since = 0;
		if (!ra->remote && !ra->held && !ra->own_wrapup &&
		    !ra->yield_since)
			mem_deref(ra);
	}
}

static void poll(void *arg)
{
	uint64_t clock = 0, now = time_now_ms();
	int err;

	(void)arg;
	tmr_start(&rows.tmr, ROWS_POLL_MS, poll, NULL);
	/* the store's clock before the read: the next look reads from it */
	err = store_now_ms(store(), &clock);
	if (!err)
		err = store_agent_changed(store(), rows.since, changed_h, &now);
	if (!err)
		rows.since =
		    clock > ROWS_OVERLAP_MS ? clock - ROWS_OVERLAP_MS : 0;
	offered_settle();
	rows.gen++;
	err = store_agent_claim_list(store(), claim_h, NULL);
	if (!err)
		claims_settle(tmr_jiffies());
}

int acd_rows_use(struct acd *acd, const struct config *cfg)
{
	int err;

	if (!acd || !cfg || !str_isset(cfg->node_id)) {
		tmr_cancel(&rows.tmr);
		if (rows.acd && rows.cfg)
			(void)store_node_rows_drop(store(), self(), NULL, 0,
						   NULL);
		list_flush(&rows.agents);
		list_flush(&rows.offered);
		rows.acd = NULL;
		rows.cfg = NULL;
		return 0;
	}
	rows.acd = acd;
	rows.cfg = cfg;
	tmr_init(&rows.tmr);
	/* the engine was loaded from the store just now */
	if (store_now_ms(store(), &rows.since))
		rows.since = 0;
	err = store_node_rows_drop(store(), self(), NULL, 0, NULL);
	if (err)
		warning("acd: rows of the previous run: %m\n", err);
	err = acd_subscribe(acd, on_event, NULL);
	if (!err)
		tmr_start(&rows.tmr, ROWS_POLL_MS, poll, NULL);
	return err;
}
