/*
 * api_transfer.c - transferring a live call through the API (an agent's
 * console): actions of /api/v1/calls/:id, :id the call's record.
 *
 *   POST /api/v1/calls/:id/transfer
 *        {"mode": "blind" | "attended", "to": <target>,
 *         "escalate": false | true}
 *        <target>: {"type": "employee", "id": 3} (any route target type,
 *        as numbers name them: a menu, a ring group, a mailbox, an
 *        external target, ...) or {"number": "1002" | "+4930..."} (dialled
 *        as the transferring phone would: an extension, a number out)
 *     blind    -> 202 {"id", "mode": "blind"}: the caller hears music while
 *                 an employee or a number rings (back to the callee if
 *                 that fails); another kind takes the call at once (the
 *                 callee is hung up).
 *     attended -> 201 the consultation's call record: the callee talks to
 *                 the target (an employee or a number) while the caller
 *                 hears music; then
 *                 With "escalate" (attended, to an employee): who does
 *                 not answer is followed by the employee's substitute,
 *                 then the person on call (secretariat/transfer.c), each
 *                 with its phones and transfer number; events "consult"
 *                 tell the agent who rings; "exhausted": back with the
 *                 caller, take a note.
 *   POST /api/v1/calls/:id/transfer/complete  {} -> 200 {"id", "consult_id"}
 *   POST /api/v1/calls/:id/transfer/cancel
 *        {"declined": false | true, "message": "Bitte Rückruf in 30 Min"}
 *        -> 200 {"id", "consult_id", "outcome": "cancelled" | "declined"}
 *        the consultation ends (the agent back with the caller); its
 *        outcome: cancelled by the agent, or declined by the employee
 *        with the message for the caller (at most 500 characters).  When
 *        the employee hung up by themselves (declined without message),
 *        the same call with "declined": true adds the message within a
 *        minute (call_consult_decline()).
 *
 * Errors: 404 a call unknown or of another tenant; 409 "call 7 has
 * ended", "call 7 is on node n2" (live on another node: transfer it
 * there), "... is not connected"
 * "a transfer is under way", "has no consultation", "to:
 * nothing to ring now" (no device registered); 422 mode, to, to.type,
 * to.id (does not exist, another tenant's), to.number (leads nowhere),
 * declined (not a bool), message (not a text, too long, without
 * declined).
 * The token's tenant (if it has one) must be the call's.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "route/route.h"
#include "call/call.h"
#include "secretariat/secretariat.h"

enum { MESSAGE_MAX = 500 }; /* [characters] a declined one's message */

int api_live_call(struct api_req *req, struct call **callp, int64_t *tenantp)
{
	struct store_call c;
	int err;

	err = store_call_get(req->api->st, req->id, &c);
	if (err == ENOENT || (!err && req->token.tenant_id &&
			      c.tenant_id != req->token.tenant_id))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "call: %m", err);
	*tenantp = c.tenant_id;
	*callp = call_ctx_find(req->api->calls, req->id);
	if (!*callp && !c.ended_at && strcmp(c.node_id, req->api->cfg->node_id))
		return api_error(req, 409, "call %lld is on node %s",
				 (long long)req->id, c.node_id);
	if (!*callp)
		return api_error(req, 409, "call %lld has ended",
				 (long long)req->id);
	return 0;
}

/* The target of the body's "to" into *r (not ROUTE_REJECT). */
static int body_target(struct api_req *req, struct call *call, int64_t tenant,
		       struct route_result *r)
{
	static const char *const keys[] = {"type", "id", "number"};
	const struct odict_entry *to = odict_lookup(req->body, "to");
	const struct odict_entry *e;
	struct store_target_ref t;
	const char *type, *number;
	int v, err = 0;

	if (!to)
		return api_error(req, 422, "to: is required");
	if (to->type != ODICT_OBJECT)
		return api_error(req, 422, "to: must be an object");
	err = api_item_keys(req, to->u.odict, "to", keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	number = api_item_str(req, to->u.odict, "to", "number", false, &err);
	if (err)
		return err;
	if (number) {
		if (odict_lookup(to->u.odict, "type") ||
		    odict_lookup(to->u.odict, "id"))
			return api_error(req, 422,
					 "to: either number or type and id");
		if (!number[0] || strlen(number) > 32)
			return api_error(req, 422,
					 "to.number: must be 1 to 32 "
					 "characters");
		err = call_route_number(call, number, r);
		if (err == ENOENT)
			return api_error(req, 409,
					 "call %lld: no phone of ours to "
					 "dial from",
					 (long long)req->id);
		if (err)
			return api_fail(req, err, "to.number: %m", err);
		if (r->target.kind == ROUTE_REJECT)
			return api_error(req, 422,
					 "to.number: %s leads nowhere "
					 "(%u %s)",
					 number, r->scode, r->reason);
		return 0;
	}
	type = api_item_str(req, to->u.odict, "to", "type", true, &err);
	if (err)
		return err;
	if (store_names_find(&store_names_target, type, &v) || v == TARGET_NONE)
		return api_error(req, 422, "to.type: must be %H",
				 api_target_types, NULL);
	e = odict_lookup(to->u.odict, "id");
	if (!e)
		return api_error(req, 422, "to.id: is required");
	if (e->type != ODICT_INT || e->u.integer <= 0)
		return api_error(req, 422, "to.id: must be a positive integer");
	t.type = (enum store_target)v;
	t.id = e->u.integer;
	err = api_target_ref(req, "to.id", t.type, t.id, tenant);
	if (err)
		return err;
	err = route_target_of(req->api->st, &t, tenant, r);
	if (err)
		return api_fail(req, err, "to: %m", err);
	if (r->target.kind == ROUTE_REJECT)
		return api_error(req, 422, "to: %s %lld leads nowhere (%u %s)",
				 type, (long long)t.id, r->scode, r->reason);
	return 0;
}

/* The 409 of a transfer the call cannot take now. */
static int refused(struct api_req *req, int err)
{
	long long id = (long long)req->id;

	switch (err) {
	case ENOTCONN:
		return api_error(req, 409, "call %lld is not connected", id);
	case EALREADY:
		return api_error(req, 409, "call %lld: a transfer is under way",
				 id);
	case ENOENT:
		return api_error(req, 409, "to: nothing to ring now");
	default:
		return api_fail(req, err, "transfer: %m", err);
	}
}

/*
 * The steps of an escalating consultation to employee_id: the employee,
 * its substitute, the person on call (secr_transfer_tries()), each with
 * its phones and, if it has one, its transfer number (out through the
 * tenant's trunk, as a number dialled from the agent's phone).  0, or
 * an errno after the reply.
 */
static int escalation(struct api_req *req, struct call *call, int64_t tenant,
		      int64_t employee_id, struct call_consult_step *stepv,
		      size_t *np)
{
	struct secr_try tryv[SECR_TRIES];
	struct store_employee *e = NULL;
	struct route_result *r = NULL;
	size_t n = 0, i;
	int err;

	err = secr_transfer_tries(req->api->st, tenant, employee_id,
				  time_now_ms(), tryv, ARRAY_SIZE(tryv), &n);
	if (err == ENOENT)
		return api_error(req, 422, "to.id: employee %lld not found",
				 (long long)employee_id);
	if (err)
		return api_fail(req, err, "transfer: %m", err);
	e = mem_zalloc(sizeof(*e), NULL);
	r = mem_zalloc(sizeof(*r), NULL);
	if (!e || !r) {
		err = ENOMEM;
		goto out;
	}
	*np = 0;
	for (i = 0; i < n && *np < CALL_CONSULT_STEPS; i++) {
		struct call_consult_step *st = &stepv[*np];
		struct route_target t = {.kind = ROUTE_EMPLOYEE,
					 .id = tryv[i].employee_id};

		memset(st, 0, sizeof(*st));
		st->label = secr_try_role_name(tryv[i].role);
		st->employee_id = tryv[i].employee_id;
		if (call_dest_of(call, &t, &st->destv[0]))
			continue;
		st->destc = 1;
		if (!store_employee_get(req->api->st, t.id, e) &&
		    e->transfer_number[0] &&
		    !call_route_number(call, e->transfer_number, r) &&
		    r->target.kind == ROUTE_EXTERNAL &&
		    !call_dest_of(call, &r->target, &st->destv[1])) {
			str_copy(st->number, r->target.number,
				 sizeof(st->number));
			st->destc = 2;
		}
		++*np;
	}
out:
	mem_deref(e);
	mem_deref(r);
	return err;
}

int api_call_transfer(struct api_req *req)
{
	static const char *const keys[] = {"mode", "to", "escalate"};
	struct call_consult_step stepv[CALL_CONSULT_STEPS];
	const struct odict_entry *esc;
	size_t stepc = 0;
	struct route_result *r = NULL;
	struct call_dest dest;
	struct store_call c;
	struct odict *o = NULL;
	struct call *call;
	const char *mode;
	int64_t consult_id = 0, tenant = 0;
	bool attended;
	int err = 0;

	err = api_live_call(req, &call, &tenant);
	if (err)
		return err;
	err = api_item_keys(req, req->body, "body", keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	mode = api_item_str(req, req->body, "body", "mode", true, &err);
	if (err)
		return err;
	if (strcmp(mode, "blind") && strcmp(mode, "attended"))
		return api_error(req, 422, "mode: must be blind or attended");
	attended = !strcmp(mode, "attended");
	esc = odict_lookup(req->body, "escalate");
	if (esc && esc->type != ODICT_BOOL)
		return api_error(req, 422, "escalate: must be true or false");
	if (esc && esc->u.boolean && !attended)
		return api_error(req, 422, "escalate: only with mode attended");
	r = mem_zalloc(sizeof(*r), NULL);
	if (!r)
		return ENOMEM;
	err = body_target(req, call, tenant, r);
	if (err)
		goto out;
	if (esc && esc->u.boolean) {
		if (r->target.kind != ROUTE_EMPLOYEE) {
			err = api_error(req, 422,
					"escalate: only to an employee");
			goto out;
		}
		err =
		    escalation(req, call, tenant, r->target.id, stepv, &stepc);
		if (err)
			goto out;
	}
	if (!attended) {
		err = call_transfer_target(call, &r->target, NULL, NULL);
		if (err) {
			err = refused(req, err);
			goto out;
		}
		info("http: call %lld transferred (blind) by %s\n",
		     (long long)req->id, req->token.name);
		err = odict_alloc(&o, 4);
		if (!err)
			err = api_add_int(o, "id", req->id) |
			      api_add_str(o, "mode", "blind");
		err = api_reply_encoded(req, 202, err, o, 0);
		goto out;
	}
	if (call_dest_of(call, &r->target, &dest)) {
		err = api_error(req, 422,
				"to: an attended transfer needs an employee "
				"or a number");
		goto out;
	}
	if (stepc)
		err = call_consult_steps(call, stepv, stepc, &consult_id);
	else
		err = call_consult(call, &dest, &consult_id);
	if (err) {
		err = refused(req, err);
		goto out;
	}
	info("http: call %lld: consultation %lld by %s\n", (long long)req->id,
	     (long long)consult_id, req->token.name);
	err = store_call_get(req->api->st, consult_id, &c);
	if (!err)
		err = api_encode(&o, &api_calls, &c, req);
	if (!err)
		err = api_reply_object(req, 201, o);
	mem_deref(o);
out:
	mem_deref(r);
	return err;
}

/* The answer to a consultation's end by call_consult_*(): err from it,
 * done ("completed") for the log, outcome for the reply (or NULL). */
static int consult_done(struct api_req *req, int err, int64_t consult_id,
			const char *done, const char *outcome)
{
	struct odict *o = NULL;

	if (err == ENOENT)
		return api_error(req, 409, "call %lld has no consultation",
				 (long long)req->id);
	if (err)
		return api_fail(req, err, "transfer: %m", err);
	info("http: call %lld: consultation %lld %s by %s\n",
	     (long long)req->id, (long long)consult_id, done, req->token.name);
	err = odict_alloc(&o, 4);
	if (!err)
		err = api_add_int(o, "id", req->id) |
		      api_add_int(o, "consult_id", consult_id);
	if (!err && outcome)
		err = api_add_str(o, "outcome", outcome);
	return api_reply_encoded(req, 200, err, o, 0);
}

int api_call_transfer_complete(struct api_req *req)
{
	struct call *call;
	int64_t consult_id, tenant = 0;
	int err;

	err = api_live_call(req, &call, &tenant);
	if (err)
		return err;
	consult_id = call_consult_id(call);
	err = call_consult_complete(call);
	return consult_done(req, err, consult_id, "completed", NULL);
}

/* The body of a cancel: "declined" (bool) and "message" (only when
 * declined, at most MESSAGE_MAX characters): 0, or an errno after the
 * reply. */
static int cancel_body(struct api_req *req, bool *declinedp,
		       const char **messagep)
{
	static const char *const keys[] = {"declined", "message"};
	const struct odict_entry *d, *m;
	int err;

	*declinedp = false;
	*messagep = NULL;
	if (!req->body)
		return 0;
	err = api_item_keys(req, req->body, "body", keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	d = odict_lookup(req->body, "declined");
	m = odict_lookup(req->body, "message");
	if (d && d->type != ODICT_BOOL)
		return api_error(req, 422, "declined: must be true or false");
	*declinedp = d && d->u.boolean;
	if (!m || m->type == ODICT_NULL)
		return 0;
	if (m->type != ODICT_STRING || str_utf8_chars(m->u.str) > MESSAGE_MAX)
		return api_error(req, 422,
				 "message: must be a text of at most %u "
				 "characters",
				 MESSAGE_MAX);
	if (!*declinedp)
		return api_error(req, 422, "message: only with declined true");
	*messagep = m->u.str;
	return 0;
}

int api_call_transfer_cancel(struct api_req *req)
{
	struct call *call;
	const char *message, *outcome;
	int64_t consult_id, tenant = 0;
	bool declined;
	int err;

	err = api_live_call(req, &call, &tenant);
	if (err)
		return err;
	err = cancel_body(req, &declined, &message);
	if (err)
		return err;
	consult_id = call_consult_id(call);
	if (!consult_id && declined)
		consult_id = call_consult_declined_id(call);
	err = declined ? call_consult_decline(call, message)
		       : call_consult_cancel(call);
	outcome = declined ? "declined" : "cancelled";
	return consult_done(req, err, consult_id, outcome, outcome);
}
