/*
 * api_pop.c - GET /api/v1/calls/:id/pop[?agent_id=]: the screen pop of a
 * queue call (issue 17), the same document the agent got on the event
 * stream (class "queue", type "pop"), built again for the same agent
 * and the same moment (the offer's) by secretariat/pop.c.
 *
 *   agent         his own pop: the call must be offered to him now (his
 *                 phone rings) or answered by him; another agent of the
 *                 call's tenant gets 403 "call 7 is not offered to you",
 *                 an agent of another tenant 404; an agent token
 *                 without an employee 403 (it would see anybody's)
 *   operator,     the pop of agent_id (default: the agent who answered,
 *   client_admin  else the first rung); a client admin only for his
 *                 tenant's calls (else 404)
 *
 * The pop exists while the call waits for its agent or talks to him on
 * this node: before the offer, after a miss (waiting again) and after
 * the call 404 "pop of call 7 not found: it is offered to no agent now".
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "acd/acd.h"
#include "secretariat/secretariat.h"

static const struct api_param params[] = {
    {"agent_id", AP_ID, offsetof(struct api_query, employee_id), 0, 0, 0},
};

int api_call_pop(struct api_req *req)
{
	struct store_call *c = NULL;
	struct odict *o = NULL;
	struct api_query q;
	bool agent = !strcmp(req->token.role, "agent");
	bool own; /* the call is the token's tenant's (or any: operator) */
	int64_t who = 0, queue = 0;
	uint64_t at = 0;
	int err;

	err = api_query_read(req, params, ARRAY_SIZE(params), &q);
	if (err)
		return err;
	/* an agent token without its employee (an old row) would see the
	 * pop of whoever got the call, of any tenant */
	if (agent && req->token.employee_id <= 0)
		return api_error(req, 403,
				 "token: an agent token needs an employee");
	if (agent && q.employee_id && q.employee_id != req->token.employee_id)
		return api_error(req, 403,
				 "agent_id: an agent sees its own pop only");
	c = mem_zalloc(sizeof(*c), NULL);
	if (!c)
		return ENOMEM;
	err = store_call_get(req->api->st, req->id, c);
	if (err == ENOENT) {
		err = api_not_found(req);
		goto out;
	}
	if (err) {
		err = api_fail(req, err, "call: %m", err);
		goto out;
	}
	own = !req->token.tenant_id || req->token.tenant_id == c->tenant_id;
	/* an agent of another tenant (a pool) sees the calls offered to
	 * him; nobody else sees another tenant's call */
	if (!own && !agent) {
		err = api_not_found(req);
		goto out;
	}
	err = req->api->acd
		  ? acd_call_pop(req->api->acd, req->id,
				 agent ? req->token.employee_id : q.employee_id,
				 &who, &queue, &at)
		  : ENOENT;
	if (err && !own) {
		err = api_not_found(req);
		goto out;
	}
	if (err == ENOENT) {
		err = api_error(req, 404,
				"pop of call %lld not found: it is offered "
				"to no agent now",
				(long long)req->id);
		goto out;
	}
	if (err == EPERM) {
		err = agent ? api_error(req, 403,
					"call %lld is not offered to you",
					(long long)req->id)
			    : api_error(req, 422,
					"agent_id: call %lld is not offered "
					"to agent %lld",
					(long long)req->id,
					(long long)q.employee_id);
		goto out;
	}
	if (err) {
		err = api_fail(req, err, "pop: %m", err);
		goto out;
	}
	err = sec_pop_build(&o, req->api->st, req->id, who, queue, at);
	if (err) {
		err = api_fail(req, err, "pop: %m", err);
		goto out;
	}
	err = api_reply_encoded(req, 200, 0, o, 0);
out:
	mem_deref(c);
	return err;
}
