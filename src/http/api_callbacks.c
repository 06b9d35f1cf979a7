/*
 * api_callbacks.c - /api/v1/callbacks: queue callbacks (acd/callback.c),
 * the callers who asked to be called back and keep their place in the
 * queue; an agent's console sees them and may drop one, or an operator
 * adds one by hand (a caller who wrote an e-mail).
 *
 *   GET  /api/v1/callbacks[?tenant_id=&queue_id=&state=]  oldest first
 *   GET  /api/v1/callbacks/:id
 *   POST /api/v1/callbacks {"queue_id": 1, "number": "0221 123456"}
 *        -> 201 (state requested, waits from now with priority)
 *   POST /api/v1/callbacks/:id/cancel {} -> 200 (state cancelled)
 *   POST /api/v1/callbacks/:id/take {"agent_id": 5} -> 200 (state
 *        calling): out of its turn, that agent's phone rings alone; an
 *        agent's token takes for itself (agent_id may be left out)
 *
 * Errors: 400 queue_id / state query values; 404 unknown or another
 * tenant's; 409 "callback 7 has finished (completed)", take: "is being
 * called already", "agent 5 is not available (paused)"; 403 take: an
 * agent for another; 422 take: agent_id (required for admin, does not
 * exist, not a member of the queue); 422 body.<key>
 * unknown, queue_id (required, a positive integer, does not exist,
 * another tenant's), number (required, "must be a phone number");
 * 503 when the queues are not running.  Roles: admin; an agent of the
 * tenant (list, read, add, cancel its tenant's).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "http/http_int.h"
#include "acd/acd.h"

#define T struct store_callback

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_RO), API_M(T, tenant_id)},
    {API_F("queue_id", AK_ID, FF_RO), API_M(T, queue_id)},
    {API_F("number", AK_STR, FF_RO), API_M(T, number)},
    {API_F("state", AK_ENUM, FF_RO), API_M(T, state),
     .en = &store_names_callback_state},
    {API_F("attempts", AK_INT, FF_RO), API_M(T, attempts)},
    {API_F("arrived_at", AK_TIME, FF_RO), API_M(T, arrived_at)},
    {API_F("next_at", AK_TIME, FF_RO), API_M(T, next_at)},
    {API_F("call_id", AK_ID, FF_RO | FF_NULL), API_M(T, call_id)},
    {API_F("agent_id", AK_ID, FF_RO | FF_NULL), API_M(T, agent_id)},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
    {API_F("updated_at", AK_TIME, FF_RO), API_M(T, updated_at)},
};

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
    {"queue_id", AP_STR, 0, 0, 0, 0},
    {"state", AP_STR, 0, 0, 0, 0},
};

API_LIST_H(cb_h, T)

/* A positive id in buf into *idp: 0, else 400 after the reply. */
static int query_id(struct api_req *req, const char *name, int64_t *idp)
{
	char buf[32], *end = NULL;
	long long v;
	int n;

	*idp = 0;
	n = api_query_str(req, name, buf, sizeof(buf));
	if (!n)
		return 0;
	v = n > 0 ? strtoll(buf, &end, 10) : 0;
	if (n < 0 || !buf[0] || *end || v <= 0)
		return api_error(req, 400, "%s: must be a positive integer",
				 name);
	*idp = v;
	return 0;
}

static int cb_list(struct api_req *req, const struct api_query *q, void *arg)
{
	enum store_callback_state st;
	int64_t tenant =
	    req->token.tenant_id ? req->token.tenant_id : q->tenant_id;
	int64_t queue = 0;
	char buf[32];
	int state = -1, err, n;

	err = query_id(req, "queue_id", &queue);
	if (err)
		return err;
	n = api_query_str(req, "state", buf, sizeof(buf));
	if (n) {
		if (n < 0 || store_callback_state_parse(buf, &st))
			return api_error(req, 400,
					 "state: must be requested, calling, "
					 "completed, failed or cancelled");
		state = (int)st;
	}
	return store_callback_list(req->api->st, tenant, queue, state, cb_h,
				   arg);
}

/* The request :id into *cb: 0, or an errno after the reply (404). */
static int cb_load(struct api_req *req, T *cb)
{
	int err = store_callback_get(req->api->st, req->id, cb);

	if (err == ENOENT || (!err && req->token.tenant_id &&
			      cb->tenant_id != req->token.tenant_id))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "callback: %m", err);
	return 0;
}

static int reply_cb(struct api_req *req, uint16_t status, const T *cb)
{
	struct odict *o = NULL;
	int err = api_encode(&o, &api_callbacks, cb, req);

	if (!err)
		err = api_reply_object(req, status, o);
	else
		err = api_fail(req, err, "callback: %m", err);
	mem_deref(o);
	return err;
}

static int cb_get(struct api_req *req)
{
	T cb;
	int err = cb_load(req, &cb);

	return err ? err : reply_cb(req, 200, &cb);
}

static int cb_create(struct api_req *req)
{
	static const char *const keys[] = {"queue_id", "number"};
	const struct odict_entry *e;
	struct store_tenant t;
	struct store_queue q;
	struct phone_ctx ctx;
	T cb;
	int err;

	err = api_item_keys(req, req->body, "body", keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	e = odict_lookup(req->body, "queue_id");
	if (!e)
		return api_error(req, 422, "queue_id: is required");
	if (e->type != ODICT_INT || e->u.integer <= 0)
		return api_error(req, 422,
				 "queue_id: must be a positive integer");
	err = store_queue_get(req->api->st, e->u.integer, &q);
	if (err && err != ENOENT)
		return api_fail(req, err, "queue_id: %m", err);
	err = api_target_ref(req, "queue_id", TARGET_QUEUE, e->u.integer,
			     req->token.tenant_id ? req->token.tenant_id
						  : q.tenant_id);
	if (err)
		return err;
	e = odict_lookup(req->body, "number");
	if (!e)
		return api_error(req, 422, "number: is required");
	if (e->type != ODICT_STRING)
		return api_error(req, 422, "number: must be a string");
	err = store_tenant_get(req->api->st, q.tenant_id, &t);
	if (err)
		return api_fail(req, err, "tenant: %m", err);
	api_tenant_ctx(&t, &ctx);
	memset(&cb, 0, sizeof(cb));
	if (strlen(e->u.str) > 32 ||
	    phone_normalise(cb.number, sizeof(cb.number), e->u.str, &ctx) !=
		PHONE_E164)
		return api_error(req, 422, "number: must be a phone number");
	if (!req->api->acd)
		return api_error(req, 503, "queues are not running here");
	cb.tenant_id = q.tenant_id;
	cb.queue_id = q.id;
	err = acd_callback_add(req->api->acd, &cb);
	if (err)
		return api_fail(req, err, "callback: %m", err);
	info("http: callback %lld: queue %lld, %s by %s\n", (long long)cb.id,
	     (long long)q.id, cb.number, req->token.name);
	return reply_cb(req, 201, &cb);
}

static int cb_cancel(struct api_req *req)
{
	T cb;
	int err = cb_load(req, &cb);

	if (err)
		return err;
	if (!req->api->acd)
		return api_error(req, 503, "queues are not running here");
	err = acd_callback_cancel(req->api->acd, req->id, &cb);
	if (err == EALREADY)
		return api_error(req, 409, "callback %lld has finished (%s)",
				 (long long)req->id,
				 store_callback_state_name(cb.state));
	if (err)
		return api_fail(req, err, "callback: %m", err);
	info("http: callback %lld cancelled by %s\n", (long long)req->id,
	     req->token.name);
	return reply_cb(req, 200, &cb);
}

/* The agent_id of a take: an agent's token takes for its own employee
 * (agent_id may be left out); an admin names one.  0, or an errno after
 * the reply. */
static int take_agent(struct api_req *req, const T *cb, int64_t *agentp)
{
	static const char *const keys[] = {"agent_id"};
	const struct odict_entry *e;
	struct store_employee emp;
	int err;

	err = api_item_keys(req, req->body, "body", keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	e = odict_lookup(req->body, "agent_id");
	if (e && (e->type != ODICT_INT || e->u.integer <= 0))
		return api_error(req, 422,
				 "agent_id: must be a positive integer");
	if (!strcmp(req->token.role, "agent")) {
		if (e && e->u.integer != req->token.employee_id)
			return api_error(req, 403,
					 "agent_id: role agent may only take "
					 "callbacks itself");
		*agentp = req->token.employee_id;
		return 0;
	}
	if (!e)
		return api_error(req, 422, "agent_id: is required");
	err = store_employee_get(req->api->st, e->u.integer, &emp);
	if (err == ENOENT || (!err && emp.tenant_id != cb->tenant_id))
		return api_error(req, 422, "agent_id: does not exist");
	if (err)
		return api_fail(req, err, "agent_id: %m", err);
	*agentp = emp.id;
	return 0;
}

static int cb_take(struct api_req *req)
{
	struct acd_agent_view v;
	int64_t agent = 0;
	T cb;
	int err = cb_load(req, &cb);

	if (!err)
		err = take_agent(req, &cb, &agent);
	if (err)
		return err;
	if (!req->api->acd)
		return api_error(req, 503, "queues are not running here");
	err = acd_callback_take(req->api->acd, req->id, agent, &cb);
	switch (err) {
	case 0:
		break;
	case EALREADY:
		return api_error(req, 409, "callback %lld has finished (%s)",
				 (long long)req->id,
				 store_callback_state_name(cb.state));
	case EBUSY:
		return api_error(req, 409,
				 "callback %lld is being called already",
				 (long long)req->id);
	case ENOENT:
	case EPERM:
		return api_error(req, 422,
				 "agent_id: %lld is not a member of queue "
				 "%lld",
				 (long long)agent, (long long)cb.queue_id);
	case EAGAIN:
		if (acd_agent_view(req->api->acd, agent, &v))
			v.state = "logged_out";
		return api_error(req, 409, "agent %lld is not available (%s%s)",
				 (long long)agent, v.state,
				 v.busy ? ", on a direct call" : "");
	case EXDEV:
		return api_error(req, 503,
				 "callback %lld is served by another node (the "
				 "holder of the callbacks lease)",
				 (long long)req->id);
	case ENODEV:
		return api_error(req, 503,
				 "callback %lld cannot wait in queue %lld now",
				 (long long)req->id, (long long)cb.queue_id);
	default:
		return api_fail(req, err, "callback: %m", err);
	}
	info("http: callback %lld taken by agent %lld (%s)\n",
	     (long long)req->id, (long long)agent, req->token.name);
	return reply_cb(req, 200, &cb);
}

static const struct api_action actions[] = {
    {"POST", "", cb_create},
    {"GET", "/:id", cb_get},
    {"POST", "/:id/cancel", cb_cancel},
    {"POST", "/:id/take", cb_take},
};

const struct api_resource api_callbacks = {
    .path = "/api/v1/callbacks",
    .noun = "callback",
    .label = "callback",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .list = cb_list,
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
