/*
 * event.c - the calls' state changes on the event bus (core.h, class
 * "call"), for the WebSocket stream and whoever else subscribes.  One
 * event per state change of call.c's machine, named by where it comes
 * from:
 *
 *   -> ROUTING                      "new"          (the INVITE is taken)
 *   -> RINGING                      "ringing"      target: application
 *   ROUTING/RINGING -> ANSWERED     "answered"     target: application
 *   ROUTING/RINGING -> BRIDGED      "answered"     target: the leg
 *   ANSWERED -> BRIDGED             "bridged"      target: the leg
 *   BRIDGED -> ANSWERED             "transferred"  (the bridged party
 *                                    handed the caller on: a transfer
 *                                    starts, or a re-route)
 *   -> DONE                         "ended"        disposition, sip_code,
 *                                                  ended_by
 *
 * Every event carries the call's call_id (the caller's Call-ID),
 * record_id (GET /api/v1/calls/:id), direction, from, to and caller (its
 * leg: "device:1001", "trunk:1"); the caller's and the target's employee
 * ({"id", "name", "email"}) when a device of one is the leg; the values
 * the caller typed ("collected") and the VIP mark ("vip") once there are
 * any.  The shapes are documented in docs/api.md.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call/call_int.h"

static const char *type_of(enum call_state prev, enum call_state state)
{
	switch (state) {
	case CALL_ROUTING:
		return prev == CALL_ROUTING ? "new" : NULL;
	case CALL_RINGING:
		return "ringing";
	case CALL_ANSWERED:
		if (prev == CALL_ROUTING || prev == CALL_RINGING)
			return "answered";
		return prev == CALL_BRIDGED ? "transferred" : NULL;
	case CALL_BRIDGED:
		return prev == CALL_ANSWERED ? "bridged" : "answered";
	case CALL_DONE:
		return "ended";
	}
	return NULL;
}

/* {"id", "name", "email"} of employee id as key of o; nothing if it
 * cannot be read. */
static int employee_add(struct odict *o, struct store *st, const char *key,
			int64_t id)
{
	struct store_employee e;
	struct odict *eo = NULL;
	char name[130];
	int err;

	if (id <= 0 || store_employee_get(st, id, &e))
		return 0;
	err = odict_alloc(&eo, 4);
	if (err)
		return err;
	re_snprintf(name, sizeof(name), "%s%s%s", e.first_name,
		    e.first_name[0] && e.last_name[0] ? " " : "", e.last_name);
	err |= odict_entry_add(eo, "id", ODICT_INT, (int64_t)e.id);
	err |= odict_entry_add(eo, "name", ODICT_STRING, name);
	if (e.email[0])
		err |= odict_entry_add(eo, "email", ODICT_STRING, e.email);
	else
		err |= odict_entry_add(eo, "email", ODICT_NULL);
	if (!err)
		err = odict_entry_add(o, key, ODICT_OBJECT, eo);
	mem_deref(eo);
	return err;
}

static int target_add(struct odict *o, const struct call *call)
{
	int err = 0;

	if (call->b) {
		err |=
		    odict_entry_add(o, "target", ODICT_STRING, call->b->desc);
		err |= employee_add(o, call->ctx->st, "target_employee",
				    call->b->employee_id);
	}
	else if (call->app) {
		err |=
		    odict_entry_add(o, "target", ODICT_STRING, call->app->name);
	}
	return err;
}

int call_event_values(struct odict *o, const struct call *call)
{
	const struct store_call_var *v;
	struct odict *co = NULL, *vo = NULL;
	size_t i, n;
	int err = 0;

	if (!o || !call)
		return EINVAL;
	v = call_vars(call, &n);
	for (i = 0; !err && i < n; i++) {
		if (!strcmp(v[i].name, CALL_VAR_VIP)) {
			err = odict_alloc(&vo, 2);
			if (!err)
				err = odict_entry_add(vo, "name", ODICT_STRING,
						      v[i].value);
			continue;
		}
		if (!co)
			err = odict_alloc(&co, 8);
		if (!err)
			err = odict_entry_add(co, v[i].name, ODICT_STRING,
					      v[i].value);
	}
	if (!err && co)
		err = odict_entry_add(o, "collected", ODICT_OBJECT, co);
	if (!err && vo)
		err = odict_entry_add(o, "vip", ODICT_OBJECT, vo);
	mem_deref(co);
	mem_deref(vo);
	return err;
}

void call_event_publish(const struct call *call, enum call_state prev)
{
	const struct store_call *r = &call->rec;
	const char *type = type_of(prev, call->state);
	struct odict *o = NULL;
	int err;

	if (!type || !event_wanted())
		return;
	err = odict_alloc(&o, 16);
	if (err)
		goto out;
	err |= odict_entry_add(o, "call_id", ODICT_STRING, r->sip_call_id);
	err |= odict_entry_add(o, "record_id", ODICT_INT, (int64_t)r->id);
	err |= odict_entry_add(o, "direction", ODICT_STRING,
			       store_direction_name(r->direction));
	err |= odict_entry_add(o, "from", ODICT_STRING, r->from_number);
	err |= odict_entry_add(o, "to", ODICT_STRING, r->to_number);
	err |= odict_entry_add(o, "caller", ODICT_STRING,
			       call->a ? call->a->desc : "");
	err |= employee_add(o, call->ctx->st, "caller_employee",
			    call->a ? call->a->employee_id : 0);
	err |= call_event_values(o, call);
	switch (call->state) {
	case CALL_RINGING:
	case CALL_ANSWERED:
	case CALL_BRIDGED:
		if (strcmp(type, "transferred"))
			err |= target_add(o, call);
		break;
	case CALL_DONE:
		err |= odict_entry_add(o, "disposition", ODICT_STRING,
				       store_disposition_name(r->disposition));
		err |= odict_entry_add(o, "sip_code", ODICT_INT,
				       (int64_t)r->sip_code);
		err |= odict_entry_add(o, "ended_by", ODICT_STRING,
				       store_party_name(r->ended_by));
		break;
	default:
		break;
	}
	if (err)
		goto out;
	err = event_publish(r->tenant_id > 0 ? r->tenant_id : 0, EVENT_CALL,
			    type, o);
out:
	if (err)
		warning("call: %s: event %s not published: %m\n",
			r->sip_call_id, type, err);
	mem_deref(o);
}

void call_event_consult(const struct call *call,
			const struct call_consult_ev *ev)
{
	const struct store_call *r = &call->rec;
	struct odict *o = NULL;
	int err;

	if (!event_wanted())
		return;
	err = odict_alloc(&o, 8);
	if (err)
		goto out;
	err |= odict_entry_add(o, "call_id", ODICT_STRING, r->sip_call_id);
	err |= odict_entry_add(o, "record_id", ODICT_INT, (int64_t)r->id);
	err |= odict_entry_add(o, "consult_id", ODICT_INT, ev->consult_id);
	err |= odict_entry_add(o, "state", ODICT_STRING, ev->state);
	err |= odict_entry_add(o, "attempt", ODICT_INT, (int64_t)ev->attempt);
	if (ev->label)
		err |= odict_entry_add(o, "step", ODICT_STRING, ev->label);
	if (ev->employee_id > 0)
		err |= odict_entry_add(o, "employee_id", ODICT_INT,
				       ev->employee_id);
	if (ev->scode)
		err |= odict_entry_add(o, "sip_code", ODICT_INT,
				       (int64_t)ev->scode);
	if (ev->message)
		err |= odict_entry_add(o, "message", ODICT_STRING, ev->message);
	if (!err)
		err = event_publish(r->tenant_id > 0 ? r->tenant_id : 0,
				    EVENT_CALL, "consult", o);
out:
	if (err)
		warning("call: %s: event consult not published: %m\n",
			r->sip_call_id, err);
	mem_deref(o);
}
