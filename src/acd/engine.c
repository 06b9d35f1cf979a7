/*
 * engine.c - the queue engine of the ACD (see acd_int.h): queues, agents
 * and their states, waiting callers in order, offers, ring timeouts,
 * wrap-up and limits, all on the time the caller passes in.  The choice
 * of agents for a caller is pick.c's.
 */
#include <errno.h>
#include <string.h>
#include "acd/acd_int.h"

enum { AGENT_HASH = 256 };

void acd_emit(struct acd_engine *e, struct acd_event *ev)
{
	if (e->evh)
		e->evh(ev, e->arg);
}

static void queue_destructor(void *arg)
{
	struct acd_queue *q = arg;

	list_unlink(&q->le);
	mem_deref(q->memberv);
}

static void caller_destructor(void *arg)
{
	struct acd_caller *c = arg;

	list_unlink(&c->le);
}

static void engine_destructor(void *arg)
{
	struct acd_engine *e = arg;

	list_flush(&e->callers);
	list_flush(&e->queues);
	list_flush(&e->agentl);
	mem_deref(e->agents);
}

int acd_engine_alloc(struct acd_engine **ep, acd_event_h *evh, void *arg)
{
	struct acd_engine *e;
	int err;

	if (!ep)
		return EINVAL;
	e = mem_zalloc(sizeof(*e), engine_destructor);
	if (!e)
		return ENOMEM;
	err = hash_alloc(&e->agents, AGENT_HASH);
	if (err) {
		mem_deref(e);
		return err;
	}
	e->evh = evh;
	e->arg = arg;
	*ep = e;
	return 0;
}

/* ---- lookups ---------------------------------------------------------- */

static struct acd_queue *queue_find(const struct acd_engine *e, int64_t id)
{
	struct le *le;

	for (le = e->queues.head; le; le = le->next) {
		struct acd_queue *q = le->data;

		if (q->c.id == id)
			return q;
	}
	return NULL;
}

static struct acd_caller *caller_find(const struct acd_engine *e, int64_t id)
{
	struct le *le;

	for (le = e->callers.head; le; le = le->next) {
		struct acd_caller *c = le->data;

		if (c->id == id)
			return c;
	}
	return NULL;
}

/* ---- agent states ----------------------------------------------------- */

/* ---- configuration ---------------------------------------------------- */

int acd_engine_queue_set(struct acd_engine *e, const struct acd_qconf *qc)
{
	struct acd_queue *q;

	if (!e || !qc || qc->id <= 0 || qc->reqc > ACD_QSKILLS ||
	    qc->widenc > ACD_WIDEN)
		return EINVAL;
	q = queue_find(e, qc->id);
	if (!q) {
		q = mem_zalloc(sizeof(*q), queue_destructor);
		if (!q)
			return ENOMEM;
		list_append(&e->queues, &q->le, q);
	}
	q->c = *qc;
	e->dirty = true;
	return 0;
}

int acd_engine_queue_remove(struct acd_engine *e, int64_t queue)
{
	struct acd_queue *q = e ? queue_find(e, queue) : NULL;
	struct le *le;

	if (!q)
		return e ? ENOENT : EINVAL;
	le = e->callers.head;
	while (le) {
		struct acd_caller *c = le->data;

		le = le->next;
		if (c->q != q)
			continue;
		acd_offer_withdraw(e, c, 0);
		mem_deref(c);
	}
	for (le = e->agentl.head; le; le = le->next) {
		struct acd_agent *a = le->data;

		if (a->queue == queue)
			a->queue = 0;
		(void)acd_agent_queue(a, q, false);
	}
	mem_deref(q);
	return 0;
}

unsigned acd_engine_tenant_remove(struct acd_engine *e, int64_t tenant_id)
{
	struct le *le;
	unsigned n = 0;

	if (!e || tenant_id <= 0)
		return 0;
	le = e->queues.head;
	while (le) {
		struct acd_queue *q = le->data;

		le = le->next;
		if (q->c.tenant_id != tenant_id)
			continue;
		(void)acd_engine_queue_remove(e, q->c.id);
		n++;
	}
	return n;
}

int acd_engine_members(struct acd_engine *e, int64_t queue,
		       const struct acd_member *v, size_t n)
{
	struct acd_queue *q = e ? queue_find(e, queue) : NULL;
	struct acd_qmember *mv = NULL;
	size_t i, j;
	int err = 0;

	if (!q)
		return e ? ENOENT : EINVAL;
	if (n && !v)
		return EINVAL;
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (v[j].agent == v[i].agent)
				return EINVAL;
		}
	}
	if (n) {
		mv = mem_zalloc(n * sizeof(*mv), NULL);
		if (!mv)
			return ENOMEM;
	}
	for (i = 0; i < n; i++) {
		mv[i].a = acd_agent_get(e, v[i].agent);
		mv[i].tier = v[i].tier < ACD_TIERS ? v[i].tier : ACD_TIERS - 1;
		if (!mv[i].a) {
			mem_deref(mv);
			return v[i].agent > 0 ? ENOMEM : EINVAL;
		}
	}
	for (i = 0; i < q->memberc; i++)
		(void)acd_agent_queue(q->memberv[i].a, q, false);
	mem_deref(q->memberv);
	q->memberv = mv;
	q->memberc = n;
	q->freec = 0;
	for (i = 0; i < n && !err; i++) {
		err = acd_agent_queue(mv[i].a, q, true);
		q->freec += acd_agent_free(mv[i].a);
	}
	if (q->rr >= n)
		q->rr = 0;
	e->dirty = true;
	return err;
}

/* ---- callers ---------------------------------------------------------- */

/* Does x come before y? */
static bool ahead(const struct acd_caller *x, const struct acd_caller *y)
{
	if (x->prio != y->prio)
		return x->prio > y->prio;
	if (x->arrived != y->arrived)
		return x->arrived < y->arrived;
	return x->seq < y->seq;
}

static unsigned position(const struct acd_engine *e, const struct acd_caller *c)
{
	unsigned pos = 1;
	struct le *le;

	for (le = e->callers.head; le && le->data != c; le = le->next) {
		const struct acd_caller *o = le->data;

		pos += o->q == c->q;
	}
	return pos;
}

int acd_engine_join(struct acd_engine *e, int64_t queue,
		    const struct acd_caller_in *in, uint64_t now,
		    enum acd_outcome *outp)
{
	struct acd_queue *q = e ? queue_find(e, queue) : NULL;
	struct acd_event ev = {.type = ACD_EV_JOINED, .now = now};
	struct acd_queue_info qi;
	struct acd_caller *c;
	struct le *le;

	if (!e || !in || !outp || in->id <= 0)
		return EINVAL;
	if (!q)
		return ENOENT;
	if (caller_find(e, in->id))
		return EEXIST;
	(void)acd_engine_queue_info(e, queue, &qi);
	if (!qi.logged_in) {
		*outp = ACD_NO_AGENTS;
		return 0;
	}
	if (q->c.max_len && q->waiting >= q->c.max_len) {
		*outp = ACD_FULL;
		return 0;
	}
	c = mem_zalloc(sizeof(*c), caller_destructor);
	if (!c)
		return ENOMEM;
	c->id = in->id;
	c->q = q;
	c->prio = in->prio;
	c->arrived = in->arrived ? in->arrived : now;
	c->joined = now;
	c->seq = ++e->seq;
	/* most callers go last: look from the tail */
	for (le = e->callers.tail; le; le = le->prev) {
		if (!ahead(c, le->data))
			break;
	}
	if (le)
		list_insert_after(&e->callers, le, &c->le, c);
	else
		list_prepend(&e->callers, &c->le, c);
	q->waiting++;
	e->dirty = true;
	*outp = ACD_JOINED;
	ev.queue = queue;
	ev.caller = c->id;
	ev.position = position(e, c);
	acd_emit(e, &ev);
	return 0;
}

/* Caller c leaves the queue with event type (its wait since arrival). */
static void caller_end(struct acd_engine *e, struct acd_caller *c,
		       enum acd_evtype type, uint64_t now)
{
	struct acd_event ev = {.type = type, .now = now};

	ev.queue = c->q->c.id;
	ev.caller = c->id;
	ev.ms = now > c->arrived ? now - c->arrived : 0;
	c->q->waiting--;
	mem_deref(c);
	acd_emit(e, &ev);
}

int acd_engine_leave(struct acd_engine *e, int64_t caller, uint64_t now)
{
	struct acd_caller *c = e ? caller_find(e, caller) : NULL;

	if (!c)
		return e ? ENOENT : EINVAL;
	acd_offer_withdraw(e, c, now);
	caller_end(e, c, ACD_EV_ABANDONED, now);
	return 0;
}

static bool ringing_for(const struct acd_caller *c, const struct acd_agent *a)
{
	return a && a->state == ACD_RINGING && a->ring == c;
}

/* The offer of caller ringing agent: 0 and *cp, *ap; ENOENT if agent is
 * not ringing for caller. */
static int offer_find(struct acd_engine *e, int64_t caller, int64_t agent,
		      struct acd_caller **cp, struct acd_agent **ap)
{
	if (!e)
		return EINVAL;
	*cp = caller_find(e, caller);
	*ap = acd_agent_find(e, agent);
	return *cp && ringing_for(*cp, *ap) ? 0 : ENOENT;
}

int acd_engine_answer(struct acd_engine *e, int64_t caller, int64_t agent,
		      uint64_t now)
{
	struct acd_caller *c;
	struct acd_agent *a;
	struct acd_event ev = {.type = ACD_EV_ANSWERED, .now = now};
	int err = offer_find(e, caller, agent, &c, &a);

	if (err)
		return err;
	acd_ring_drop(a);
	acd_offer_withdraw(e, c, now);
	a->misses = 0;
	a->calls++;
	a->answered = now;
	a->caller = caller;
	a->queue = c->q->c.id;
	acd_set_state(e, a, ACD_ON_CALL, NULL, now);
	ev.queue = c->q->c.id;
	ev.caller = caller;
	ev.agent = agent;
	ev.ms = now > c->arrived ? now - c->arrived : 0;
	c->q->waiting--;
	mem_deref(c);
	acd_emit(e, &ev);
	return 0;
}

/* Agent a missed caller c: MISSED; paused after the queue's max_misses,
 * else available again.  c remembers a so the call moves on. */
static void agent_missed(struct acd_engine *e, struct acd_caller *c,
			 struct acd_agent *a, uint64_t now)
{
	struct acd_event ev = {.type = ACD_EV_MISSED, .now = now};
	uint32_t max = c->q->c.max_misses;

	acd_ring_drop(a);
	if (c->triedc < ACD_TRIED)
		c->triedv[c->triedc++] = a->id;
	a->misses++;
	ev.queue = c->q->c.id;
	ev.caller = c->id;
	ev.agent = a->id;
	acd_emit(e, &ev);
	if (max && a->misses >= max)
		acd_set_state(e, a, ACD_PAUSED, "no answer", now);
	else
		acd_set_state(e, a, ACD_AVAILABLE, NULL, now);
}

int acd_engine_miss(struct acd_engine *e, int64_t caller, int64_t agent,
		    uint64_t now)
{
	struct acd_caller *c;
	struct acd_agent *a;
	int err = offer_find(e, caller, agent, &c, &a);

	if (!err)
		agent_missed(e, c, a, now);
	return err;
}

int acd_engine_offer_drop(struct acd_engine *e, int64_t caller, int64_t agent,
			  uint64_t now)
{
	struct acd_caller *c;
	struct acd_agent *a;
	int err = offer_find(e, caller, agent, &c, &a);

	if (err)
		return err;
	acd_ring_drop(a);
	acd_set_state(e, a, ACD_AVAILABLE, NULL, now);
	return 0;
}

int acd_engine_call_end(struct acd_engine *e, int64_t agent, uint64_t now)
{
	struct acd_agent *a = e ? acd_agent_find(e, agent) : NULL;
	struct acd_event ev = {.type = ACD_EV_HANDLED, .now = now};
	const struct acd_queue *q;
	enum acd_astate pending;
	char reason[ACD_REASON_LEN];

	if (!e)
		return EINVAL;
	if (!a || a->state != ACD_ON_CALL)
		return ENOENT;
	q = queue_find(e, a->queue);
	ev.queue = a->queue;
	ev.caller = a->caller;
	ev.agent = a->id;
	ev.ms = now > a->answered ? now - a->answered : 0;
	a->last_end = now;
	a->caller = 0;
	pending = a->pending;
	a->pending = ACD_ON_CALL;
	acd_emit(e, &ev);
	if (pending != ACD_ON_CALL) {
		str_ncpy(reason, a->reason, sizeof(reason));
		acd_set_state(e, a, pending, reason, now);
	}
	else if (q && q->c.wrapup_s) {
		a->wrapup_until = now + (uint64_t)q->c.wrapup_s * 1000;
		acd_set_state(e, a, ACD_WRAPUP, NULL, now);
	}
	else {
		acd_set_state(e, a, ACD_AVAILABLE, NULL, now);
	}
	return 0;
}

int acd_engine_caller(const struct acd_engine *e, int64_t caller,
		      struct acd_caller_info *ci)
{
	const struct acd_caller *c = e ? caller_find(e, caller) : NULL;

	if (!e || !ci)
		return EINVAL;
	if (!c)
		return ENOENT;
	memset(ci, 0, sizeof(*ci));
	ci->queue = c->q->c.id;
	ci->position = position(e, c);
	ci->offered = c->offered;
	ci->arrived = c->arrived;
	ci->joined = c->joined;
	ci->prio = c->prio;
	return 0;
}

int acd_engine_waiting(const struct acd_engine *e, int64_t queue,
		       int64_t *callerv, size_t max, size_t *np)
{
	const struct acd_queue *q = e ? queue_find(e, queue) : NULL;
	struct le *le;
	size_t n = 0;

	if (!e || !np || (max && !callerv))
		return EINVAL;
	if (!q)
		return ENOENT;
	for (le = e->callers.head; le; le = le->next) {
		const struct acd_caller *c = le->data;

		if (c->q != q)
			continue;
		if (n < max)
			callerv[n] = c->id;
		++n;
	}
	*np = n;
	return 0;
}

int acd_engine_queue_info(const struct acd_engine *e, int64_t queue,
			  struct acd_queue_info *qi)
{
	const struct acd_queue *q = e ? queue_find(e, queue) : NULL;
	struct le *le;
	size_t i;

	if (!e || !qi)
		return EINVAL;
	if (!q)
		return ENOENT;
	memset(qi, 0, sizeof(*qi));
	qi->waiting = q->waiting;
	for (i = 0; i < q->memberc; i++) {
		const struct acd_agent *a = q->memberv[i].a;

		qi->logged_in += a->state != ACD_LOGGED_OUT;
		qi->serving +=
		    a->state != ACD_LOGGED_OUT && a->state != ACD_PAUSED;
		qi->available += acd_agent_free(a);
	}
	for (le = e->callers.head; le; le = le->next) {
		const struct acd_caller *c = le->data;

		if (c->q == q && (!qi->oldest || c->arrived < qi->oldest))
			qi->oldest = c->arrived;
	}
	return 0;
}

/* ---- time and decisions ---------------------------------------------- */

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a || (b && b < a) ? b : a;
}

/* A widening step or relaxed skill of waiting caller c reached since the
 * last tick makes the engine dirty (agents it may be offered to change);
 * the next one still ahead is returned (0: none). */
static uint64_t boundaries(struct acd_engine *e, const struct acd_caller *c,
			   uint64_t now)
{
	const struct acd_qconf *qc = &c->q->c;
	uint64_t next = 0, b;
	size_t i;

	for (i = 0; i < qc->widenc + qc->reqc; i++) {
		uint32_t s = i < qc->widenc ? qc->widenv[i].after_s
					    : qc->reqv[i - qc->widenc].relax_s;

		if (!s)
			continue;
		b = c->joined + (uint64_t)s * 1000;
		if (b > now)
			next = earliest(next, b);
		else if (b > e->last_tick)
			e->dirty = true;
	}
	return next;
}

uint64_t acd_engine_tick(struct acd_engine *e, uint64_t now)
{
	uint64_t next = 0;
	struct le *le;

	if (!e)
		return 0;
	le = e->callers.head;
	while (le) {
		struct acd_caller *c = le->data;
		uint64_t limit =
		    c->q->c.max_wait_s
			? c->joined + (uint64_t)c->q->c.max_wait_s * 1000
			: 0;

		le = le->next;
		if (limit && limit <= now) {
			acd_offer_withdraw(e, c, now);
			caller_end(e, c, ACD_EV_TIMEOUT, now);
			continue;
		}
		next = earliest(next, limit);
		if (!c->offered) {
			next = earliest(next, boundaries(e, c, now));
			continue;
		}
		if (c->expires <= now) {
			while (c->ringc)
				agent_missed(e, c, c->ringv[0], now);
			c->offered = false;
			continue;
		}
		next = earliest(next, c->expires);
	}
	for (le = e->agentl.head; le; le = le->next) {
		struct acd_agent *a = le->data;

		if (a->state != ACD_WRAPUP)
			continue;
		if (a->wrapup_until <= now)
			acd_set_state(e, a, ACD_AVAILABLE, NULL, now);
		else
			next = earliest(next, a->wrapup_until);
	}
	e->last_tick = now;
	return next;
}

static void offer(struct acd_engine *e, struct acd_caller *c, uint64_t now,
		  struct acd_agent **v, size_t n, acd_offer_h *h, void *arg)
{
	struct acd_event ev = {.type = ACD_EV_OFFERED, .now = now};
	struct acd_offer o;
	size_t i;

	memset(&o, 0, sizeof(o));
	o.caller = c->id;
	o.queue = c->q->c.id;
	o.expires = now + (uint64_t)c->q->c.ring_timeout_s * 1000;
	c->offered = true;
	c->expires = o.expires;
	c->ringc = n;
	for (i = 0; i < n; i++) {
		struct acd_agent *a = v[i];

		c->ringv[i] = a;
		o.agentv[i] = a->id;
		a->ring = c;
		a->caller = c->id;
		a->queue = o.queue;
		acd_set_state(e, a, ACD_RINGING, NULL, now);
	}
	o.agentc = n;
	ev.queue = o.queue;
	ev.caller = c->id;
	for (i = 0; i < n; i++) {
		ev.agent = o.agentv[i];
		acd_emit(e, &ev);
	}
	if (h)
		h(&o, arg);
}

int acd_engine_offer_to(struct acd_engine *e, int64_t caller, int64_t agent,
			uint64_t now, acd_offer_h *h, void *arg)
{
	struct acd_caller *c = e ? caller_find(e, caller) : NULL;
	struct acd_agent *a = e ? acd_agent_find(e, agent) : NULL;
	size_t i;

	if (!c || !a)
		return ENOENT;
	if (c->offered)
		return EBUSY;
	for (i = 0; i < a->qc && a->qv[i] != c->q; i++)
		;
	if (i == a->qc)
		return EPERM;
	if (a->state == ACD_PAUSED && !a->busy)
		str_ncpy(a->resume, a->reason, sizeof(a->resume));
	else if (!acd_agent_free(a))
		return EAGAIN;
	offer(e, c, now, &a, 1, h, arg);
	return 0;
}

unsigned acd_engine_dispatch(struct acd_engine *e, uint64_t now, acd_offer_h *h,
			     void *arg)
{
	struct acd_agent *v[ACD_OFFER_MAX];
	unsigned offers = 0;
	struct le *le;
	size_t n;

	if (!e || !e->dirty)
		return 0;
	e->dirty = false;
	for (le = e->callers.head; le && e->availc; le = le->next) {
		struct acd_caller *c = le->data;
		struct acd_queue *q = c->q;

		if (c->offered)
			continue;
		if (!q->freec)
			continue;
		n = acd_pick(c, now, v);
		if (!n && c->triedc) {
			/* everyone eligible missed it once: round again */
			c->triedc = 0;
			n = acd_pick(c, now, v);
		}
		if (!n)
			continue;
		offer(e, c, now, v, n, h, arg);
		offers++;
	}
	return offers;
}
