/*
 * api_call_hold.c - the agent console's own actions on a live call (issue
 * 19, H2), beside the transfers of api_transfer.c:
 *
 *   POST /api/v1/calls/:id/hold    {} -> 200 {"id", "on_hold": true}
 *        the caller hears music on hold, nothing goes between the two
 *        (call_hold_caller()); again while held: the same answer
 *   POST /api/v1/calls/:id/resume  {} -> 200 {"id", "on_hold": false}
 *   POST /api/v1/calls/:id/hangup  {} -> 200 the call record, ended
 *        (BYE to every leg, answered; a call not answered yet - a
 *        caller still ringing: 487; a click to call whose number still
 *        rings: BYE - cancelled); ended_by "caller" when the agent's phone placed the
 *        call (a click to call), "callee" when it took it, "system" for
 *        the operator or a client admin
 *
 * A desk phone cannot be answered from here: the agent answers on it (or
 * in the browser softphone).  Roles: operator and client_admin for their
 * tenant's calls; an agent for a call one of its phones is on (the
 * caller's or the callee's leg; a pool agent also on another tenant's
 * call), else 403 "call 7 is not yours".  Errors: 404 "call 7 not
 * found", 409 "call 7 has ended", "call 7 is on node n2", "call 7 is not
 * connected" (hold: not bridged to a phone), "call 7: a transfer is under
 * way" (hold while a transfer or consultation runs), 422 "body.x:
 * unknown field".
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "call/call.h"

static bool is_agent(const struct api_req *req)
{
	return !strcmp(req->token.role, "agent");
}

/* Is employee on call: its caller's or its callee's phone? */
static bool party(const struct call *call, int64_t employee)
{
	return employee > 0 && (call_employee(call) == employee ||
				call_callee_employee(call) == employee);
}

/* The live call of :id the token may act on: 0, or an errno after the
 * reply. */
static int own_call(struct api_req *req, struct call **callp)
{
	struct call *call;
	int64_t tenant = 0;
	int err;

	err = req->body ? api_item_keys(req, req->body, "body", NULL, 0) : 0;
	if (err)
		return err;
	if (is_agent(req) && req->token.employee_id <= 0)
		return api_error(req, 403,
				 "token: an agent token needs an employee");
	/* an agent of the service's pool acts on the client's call it is
	 * on, not on any other of that client */
	call = req->api->calls ? call_ctx_find(req->api->calls, req->id) : NULL;
	if (call && is_agent(req) && party(call, req->token.employee_id)) {
		*callp = call;
		return 0;
	}
	err = api_live_call(req, callp, &tenant);
	if (err)
		return err;
	if (is_agent(req) && !party(*callp, req->token.employee_id))
		return api_error(req, 403, "call %lld is not yours",
				 (long long)req->id);
	return 0;
}

static int hold(struct api_req *req, bool on)
{
	struct odict *o = NULL;
	struct call *call;
	int err;

	err = own_call(req, &call);
	if (err)
		return err;
	err = call_hold_caller(call, on);
	if (err == ENOTCONN)
		return api_error(req, 409, "call %lld is not connected",
				 (long long)req->id);
	if (err == EALREADY)
		return api_error(req, 409, "call %lld: a transfer is under way",
				 (long long)req->id);
	if (err)
		return api_fail(req, err, "hold: %m", err);
	info("http: call %lld %s by %s\n", (long long)req->id,
	     on ? "on hold" : "taken back", req->token.name);
	err = odict_alloc(&o, 4);
	if (!err)
		err = api_add_int(o, "id", req->id) |
		      api_add_bool(o, "on_hold", call_caller_held(call));
	return api_reply_encoded(req, 200, err, o, 0);
}

int api_call_hold(struct api_req *req)
{
	return hold(req, true);
}

int api_call_resume(struct api_req *req)
{
	return hold(req, false);
}

int api_call_hangup(struct api_req *req)
{
	enum store_party by = STORE_PARTY_SYSTEM;
	struct store_call c;
	struct odict *o = NULL;
	struct call *call;
	bool answered;
	int err;

	err = own_call(req, &call);
	if (err)
		return err;
	if (is_agent(req))
		by = call_employee(call) == req->token.employee_id
			 ? STORE_PARTY_CALLER
			 : STORE_PARTY_CALLEE;
	/* answered: somebody took it (the record's answer); a click to
	 * call whose number still rings is cancelled, as one not answered */
	answered = !store_call_get(req->api->st, req->id, &c) && c.answered_at;
	info("http: call %lld hung up by %s\n", (long long)req->id,
	     req->token.name);
	if (call_state(call) == CALL_ANSWERED ||
	    call_state(call) == CALL_BRIDGED)
		call_hangup(
		    call, 200, NULL,
		    answered ? STORE_DISP_ANSWERED : STORE_DISP_CANCELLED, by);
	else
		call_hangup(call, 487, "Request Terminated",
			    STORE_DISP_CANCELLED, by);
	err = store_call_get(req->api->st, req->id, &c);
	if (!err)
		err = api_encode(&o, &api_calls, &c, req);
	if (!err)
		err = api_reply_object(req, 200, o);
	else
		err = api_fail(req, err, "call: %m", err);
	mem_deref(o);
	return err;
}
