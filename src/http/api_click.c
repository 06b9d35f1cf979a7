/*
 * api_click.c - click to call: POST /api/v1/calls places a call (an
 * agent's console, a CRM's "call" button), as cloud PBXs do it: the
 * employee's phones ring first; when he answers, the number is dialled
 * as his phone would dial it (out through the trunk with the caller ID
 * his phone presents, a colleague, a menu ...) and the two are bridged.
 *
 *   POST /api/v1/calls {"from": {"type": "employee", "id": 3},
 *                       "to": "+49301234567"}
 *   ("from": {"type": "device", "id": 5}: that phone only rings first)
 *     -> 201 the call record (direction and numbers as for a call from
 *        his phone, caller_leg "employee:3", answered when the number
 *        answers)
 *
 * With "task_id": 9 (issue 18, seeds/000) the call of an assistant is
 * booked to the client's task 9 (task_calls, written as the call is
 * placed: before the employee's phone answers and the number is
 * dialled).  The callee sees what any call of the assistant shows
 * (seeds/000: "Ausgehende Anrufe tätigst du mit der Rufnummer der my-vpa
 * Firmenzentrale"; A4): the central number of the company the assistant
 * works for, or the individual number it was given (personal number
 * shown), never the task's client's.  A number outside the EU is
 * refused then (403 "to: ... is outside the EU: individual offer"),
 * nothing is dialled.  The call
 * record stays the service's (the employee's tenant): the report
 * (api_task_report.c) finds it through its task.  Errors: 422 "task_id:
 * must be a positive integer", "task_id: task 9 does not exist", "...
 * is not active", "task_id: a device without employee", "task_id:
 * employee 3 is not an assistant of task 9".  A client admin's token
 * books to its own tenant's tasks only (another's "does not exist"):
 * the service's staff (the operator) books the assistants' calls.  An
 * assistant itself (role agent, issue 19 G1: its softphone page) calls
 * from its own phones only (403 "from.id: role agent may only call from
 * itself") and always for a task it is an assistant of (422 "task_id: is
 * required for role agent"; another task: "does not exist").
 *
 * Errors: 422 body (unknown field), from (required, an object), from.type
 * (must be employee or device), from.id (a positive integer; does not exist, or
 * another tenant's; a device: "from.id: device 9 does not exist" or
 * "... belongs to another tenant"), to (1 to 32 characters; "... leads nowhere (404 Not
 * Found)"); 409 "from: employee 3 has no phone" (no device at all) or
 * "from: no phone of employee 3 is registered" ("from: device 5 is not
 * registered"); 503 when calls are not
 * running on this node.  The token's tenant (if it has one) must be the
 * employee's.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "route/route.h"
#include "call/call.h"
#include "billing/billing.h"

/* the first device of the employee */
static int first_device(const struct store_device *d, void *arg)
{
	struct store_device *out = arg;

	*out = *d;
	return 1; /* stop */
}

/* from: the employee into *emp, or the device into *dev (dev->id set);
 * 0, or an errno after the reply */
static int body_from(struct api_req *req, struct store_employee *emp,
		     struct store_device *dev)
{
	static const char *const keys[] = {"type", "id"};
	const struct odict_entry *from = odict_lookup(req->body, "from");
	const struct odict_entry *e;
	const char *type;
	int err = 0;

	if (!from)
		return api_error(req, 422, "from: is required");
	if (from->type != ODICT_OBJECT)
		return api_error(req, 422, "from: must be an object");
	err = api_item_keys(req, from->u.odict, "from", keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	type = api_item_str(req, from->u.odict, "from", "type", true, &err);
	if (err)
		return err;
	if (strcmp(type, "employee") && strcmp(type, "device"))
		return api_error(req, 422,
				 "from.type: must be employee or device");
	e = odict_lookup(from->u.odict, "id");
	if (!e)
		return api_error(req, 422, "from.id: is required");
	if (e->type != ODICT_INT || e->u.integer <= 0)
		return api_error(req, 422,
				 "from.id: must be a positive integer");
	if (!strcmp(type, "device")) {
		err = store_device_get(req->api->st, e->u.integer, dev);
		if (err == ENOENT)
			return api_error(req, 422,
					 "from.id: device %lld does not exist",
					 (long long)e->u.integer);
		if (err)
			return api_fail(req, err, "from: %m", err);
		if (req->token.tenant_id &&
		    dev->tenant_id != req->token.tenant_id)
			return api_error(req, 422,
					 "from.id: device %lld belongs to "
					 "another tenant",
					 (long long)e->u.integer);
		return 0;
	}
	err = store_employee_get(req->api->st, e->u.integer, emp);
	if (err && err != ENOENT)
		return api_fail(req, err, "from: %m", err);
	/* does not exist, or another tenant's than the token's */
	return api_target_ref(req, "from.id", TARGET_EMPLOYEE, e->u.integer,
			      req->token.tenant_id ? req->token.tenant_id
						   : emp->tenant_id);
}

static bool agent(const struct api_req *req)
{
	return !strcmp(req->token.role, "agent");
}

/* The task of the body's task_id into *t (t->id 0 if none given): 0, or
 * an errno after the reply. */
static int body_task(struct api_req *req, struct store_task *t)
{
	const struct odict_entry *e = odict_lookup(req->body, "task_id");
	int err;

	memset(t, 0, sizeof(*t));
	if (!e || e->type == ODICT_NULL)
		return 0;
	if (e->type != ODICT_INT || e->u.integer <= 0)
		return api_error(req, 422,
				 "task_id: must be a positive integer");
	err = store_task_get(req->api->st, e->u.integer, t);
	/* a client's token books to its own tasks only: another client's
	 * central number is not its to present; an assistant (agent) to
	 * the tasks it assists */
	if (err == ENOENT ||
	    (!err && (agent(req) ? !store_task_assigned(req->api->st, t->id,
							req->token.employee_id)
				 : !api_tenant_visible(req, t->tenant_id))))
		return api_error(req, 422, "task_id: task %lld does not exist",
				 (long long)e->u.integer);
	if (err)
		return api_fail(req, err, "task_id: %m", err);
	if (!t->active)
		return api_error(req, 422, "task_id: task %lld is not active",
				 (long long)t->id);
	return 0;
}

/* A call booked to a task: a number outside the EU is refused (an
 * individual offer, seeds/000).  The caller ID stays the route's (the
 * assistant's company or individual number).  0, or an errno after the
 * reply. */
static int task_allows(struct api_req *req, const struct route_result *r)
{
	if (r->target.kind != ROUTE_EXTERNAL)
		return 0; /* on our own network: no caller ID, no cost */
	if (!billing_eu_number(r->dialled))
		return api_error(req, 403,
				 "to: %s is outside the EU: individual offer, "
				 "not billed automatically",
				 r->dialled);
	return 0;
}

int api_call_originate(struct api_req *req)
{
	static const char *const keys[] = {"from", "to", "task_id"};
	struct store_task task;
	struct route_result *r = NULL;
	struct store_employee emp = {0};
	struct store_device dev;
	struct route_caller rc;
	struct store_call c;
	struct odict *o = NULL;
	const struct odict_entry *e;
	const char *to;
	int64_t id = 0;
	bool byemp = false;
	int err;

	err = api_item_keys(req, req->body, "body", keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	memset(&dev, 0, sizeof(dev));
	err = body_from(req, &emp, &dev);
	if (err)
		return err;
	e = odict_lookup(req->body, "to");
	if (!e)
		return api_error(req, 422, "to: is required");
	if (e->type != ODICT_STRING)
		return api_error(req, 422, "to: must be a string");
	to = e->u.str;
	if (!to[0] || strlen(to) > 32)
		return api_error(req, 422, "to: must be 1 to 32 characters");
	/* an assistant's softphone (issue 19, G1): its own phones, for a
	 * task it assists */
	if (agent(req) &&
	    (req->token.employee_id <= 0 ||
	     (emp.id ? emp.id : dev.employee_id) != req->token.employee_id))
		return api_error(req, 403,
				 "from.id: role agent may only call from "
				 "itself");
	if (agent(req) && !odict_lookup(req->body, "task_id"))
		return api_error(req, 422,
				 "task_id: is required for role agent");
	err = body_task(req, &task);
	if (err)
		return err;
	if (task.id && !emp.id && !dev.employee_id)
		return api_error(req, 422,
				 "task_id: device %lld has no employee",
				 (long long)dev.id);
	if (task.id && !store_task_assigned(req->api->st, task.id,
					    emp.id ? emp.id : dev.employee_id))
		return api_error(req, 422,
				 "task_id: employee %lld is not an assistant "
				 "of task %lld",
				 (long long)(emp.id ? emp.id : dev.employee_id),
				 (long long)task.id);
	if (!req->api->calls)
		return api_error(req, 503, "calls are not running here");
	if (!dev.id) {
		err = store_device_list(req->api->st, emp.tenant_id, emp.id,
					first_device, &dev);
		if (err && err != 1)
			return api_fail(req, err, "from: %m", err);
		if (!dev.id)
			return api_error(req, 409,
					 "from: employee %lld has no phone",
					 (long long)emp.id);
		byemp = true;
	}
	r = mem_zalloc(sizeof(*r), NULL);
	if (!r)
		return ENOMEM;
	memset(&rc, 0, sizeof(rc));
	rc.device = &dev;
	rc.from_user = dev.username;
	rc.from_name = "";
	err = route_resolve(req->api->st, &rc, to, r);
	if (err) {
		err = api_fail(req, err, "to: %m", err);
		goto out;
	}
	if (r->target.kind == ROUTE_REJECT) {
		err = api_error(req, 422, "to: %s leads nowhere (%u %s)", to,
				r->scode, r->reason);
		goto out;
	}
	if (task.id) {
		err = task_allows(req, r);
		if (err)
			goto out;
	}
	err = byemp ? call_click(req->api->calls, emp.id, r, &id)
		    : call_click_device(req->api->calls, dev.id, r, &id);
	if (err == ENOENT) {
		if (byemp)
			err = api_error(req, 409,
					"from: no phone of employee %lld is "
					"registered",
					(long long)emp.id);
		else
			err = api_error(req, 409,
					"from: device %lld is not registered",
					(long long)dev.id);
		goto out;
	}
	if (err) {
		err = api_fail(req, err, "call: %m", err);
		goto out;
	}
	if (task.id) {
		err = store_task_call_add(req->api->st, id, task.id,
					  byemp ? emp.id : dev.employee_id);
		if (err)
			warning("http: call %lld: not booked to task %lld: "
				"%m\n",
				(long long)id, (long long)task.id, err);
	}
	info("http: call %lld placed: %s %lld -> %s by %s\n", (long long)id,
	     byemp ? "employee" : "device",
	     (long long)(byemp ? emp.id : dev.id), r->dialled, req->token.name);
	err = store_call_get(req->api->st, id, &c);
	if (!err)
		err = api_encode(&o, &api_calls, &c, req);
	if (!err)
		err = api_reply_object(req, 201, o);
	else
		err = api_fail(req, err, "call: %m", err);
	mem_deref(o);
out:
	mem_deref(r);
	return err;
}
