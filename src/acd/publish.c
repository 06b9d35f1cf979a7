/*
 * publish.c - the ACD's events on the event bus (core.h: classes "agent"
 * and "queue"), for the WebSocket stream (/api/v1/events), the agent
 * console and wallboards.  Shapes (docs/api.md):
 *
 *   agent  state   agent {id, name, email}, state (acd_astate_name:
 *                  logged_out, available, ringing, on_call, wrapup,
 *                  paused), reason (a pause's, else null), queue_id
 *   queue  joined  queue_id, call_id, record_id, position
 *   queue  offered queue_id, call_id, record_id, agent_id (one per agent
 *                  rung for the caller)
 *   queue  missed  queue_id, call_id, record_id, agent_id (not answered
 *                  within the ring timeout, declined or unreachable)
 *   queue  left    queue_id, call_id, record_id, reason (answered,
 *                  abandoned, timeout), wait_ms, agent_id (answered)
 *   queue  pop     the screen pop, for the offered agent alone (pop.c)
 *   both: collected {label: value} and vip {name} when the call has them
 *   (call_event_values: what the caller typed, the VIP mark)
 *   queue events but pop: client {id, name}, the call record's tenant
 *   (in a pool queue of the answering service another tenant than the
 *   queue's: the client the call is for), null without a record
 *
 * The engine's events carry no tenant: an agent's is the employee's, a
 * queue's the queue's (read from the store only while someone listens:
 * event_wanted()).  Calls are named as the call events name them, by the
 * caller's Call-ID and the call record.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call/call.h"
#include "acd/acd_int.h"

static int agent_event(struct store *st, const struct acd_event *ev)
{
	struct store_employee e;
	struct odict *o = NULL, *ao = NULL;
	char name[130];
	int err;

	if (store_employee_get(st, ev->agent, &e))
		return 0;
	err = odict_alloc(&o, 8);
	err |= odict_alloc(&ao, 4);
	if (err)
		goto out;
	re_snprintf(name, sizeof(name), "%s%s%s", e.first_name,
		    e.first_name[0] && e.last_name[0] ? " " : "", e.last_name);
	err |= odict_entry_add(ao, "id", ODICT_INT, (int64_t)e.id);
	err |= odict_entry_add(ao, "name", ODICT_STRING, name);
	if (e.email[0])
		err |= odict_entry_add(ao, "email", ODICT_STRING, e.email);
	else
		err |= odict_entry_add(ao, "email", ODICT_NULL);
	err |= odict_entry_add(o, "agent", ODICT_OBJECT, ao);
	err |= odict_entry_add(o, "state", ODICT_STRING,
			       acd_astate_name(ev->state));
	if (ev->state == ACD_PAUSED && ev->reason && ev->reason[0])
		err |= odict_entry_add(o, "reason", ODICT_STRING, ev->reason);
	else
		err |= odict_entry_add(o, "reason", ODICT_NULL);
	if (ev->queue)
		err |= odict_entry_add(o, "queue_id", ODICT_INT,
				       (int64_t)ev->queue);
	else
		err |= odict_entry_add(o, "queue_id", ODICT_NULL);
	if (!err)
		err = event_publish(e.tenant_id, EVENT_AGENT, "state", o);
out:
	mem_deref(ao);
	mem_deref(o);
	return err;
}

/* client {id, name}: the tenant of call record rec (null if none). */
static int client_add(struct odict *o, struct store *st, int64_t rec)
{
	struct store_call *c = NULL;
	struct store_tenant t;
	struct odict *co = NULL;
	int err = 0;

	if (rec > 0) {
		c = mem_zalloc(sizeof(*c), NULL); /* too big for the stack */
		if (!c)
			return ENOMEM;
		err = store_call_get(st, rec, c);
		if (!err)
			err = store_tenant_get(st, c->tenant_id, &t);
	}
	if (rec <= 0 || err == ENOENT) {
		mem_deref(c);
		return odict_entry_add(o, "client", ODICT_NULL);
	}
	if (!err)
		err = odict_alloc(&co, 2);
	if (!err) {
		err = odict_entry_add(co, "id", ODICT_INT, t.id);
		err |= odict_entry_add(co, "name", ODICT_STRING, t.name);
		err |= odict_entry_add(o, "client", ODICT_OBJECT, co);
	}
	mem_deref(co);
	mem_deref(c);
	return err;
}

static int queue_event(struct store *st, const struct acd_event *ev,
		       const struct acd_pub_call *c)
{
	const char *type = "left", *reason = NULL;
	struct store_queue q;
	struct odict *o = NULL;
	int err;

	switch (ev->type) {
	case ACD_EV_JOINED:
		type = "joined";
		break;
	case ACD_EV_OFFERED:
		type = "offered";
		break;
	case ACD_EV_MISSED:
		type = "missed";
		break;
	case ACD_EV_ANSWERED:
		reason = "answered";
		break;
	case ACD_EV_ABANDONED:
		reason = "abandoned";
		break;
	case ACD_EV_TIMEOUT:
		reason = "timeout";
		break;
	default:
		return 0;
	}
	if (store_queue_get(st, ev->queue, &q))
		return 0;
	err = odict_alloc(&o, 8);
	if (err)
		return err;
	err |= odict_entry_add(o, "queue_id", ODICT_INT, (int64_t)ev->queue);
	err |= odict_entry_add(o, "call_id", ODICT_STRING,
			       c && c->call_id ? c->call_id : "");
	err |= odict_entry_add(o, "record_id", ODICT_INT,
			       (int64_t)(c ? c->record_id : 0));
	if (c && c->callback_id)
		err |= odict_entry_add(o, "callback_id", ODICT_INT,
				       c->callback_id);
	else
		err |= odict_entry_add(o, "callback_id", ODICT_NULL);
	if (ev->type == ACD_EV_ABANDONED && c && c->left)
		reason = c->left;
	if (ev->type == ACD_EV_JOINED) {
		err |= odict_entry_add(o, "position", ODICT_INT,
				       (int64_t)ev->position);
	}
	else if (ev->type == ACD_EV_OFFERED || ev->type == ACD_EV_MISSED) {
		err |= odict_entry_add(o, "agent_id", ODICT_INT,
				       (int64_t)ev->agent);
	}
	else {
		err |= odict_entry_add(o, "reason", ODICT_STRING, reason);
		err |=
		    odict_entry_add(o, "wait_ms", ODICT_INT, (int64_t)ev->ms);
		if (ev->agent)
			err |= odict_entry_add(o, "agent_id", ODICT_INT,
					       (int64_t)ev->agent);
		else
			err |= odict_entry_add(o, "agent_id", ODICT_NULL);
	}
	if (c && c->call)
		err |= call_event_values(o, c->call);
	if (!err)
		err = client_add(o, st, c ? c->record_id : 0);
	if (!err)
		err = event_publish(q.tenant_id, EVENT_QUEUE, type, o);
	mem_deref(o);
	return err;
}

void acd_publish(struct store *st, const struct acd_event *ev,
		 const struct acd_pub_call *c)
{
	int err;

	if (!st || !ev || !event_wanted())
		return;
	/* an agent's state this engine follows from another node's row:
	 * that node published it, and its event comes here from the store
	 * (node/events.h); published again, a stream would show it twice */
	if (ev->type == ACD_EV_AGENT && acd_rows_applying())
		return;
	err = ev->type == ACD_EV_AGENT ? agent_event(st, ev)
				       : queue_event(st, ev, c);
	if (err)
		warning("acd: event not published: %m\n", err);
}
