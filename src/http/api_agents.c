/*
 * api_agents.c - /api/v1/agents: employees as queue agents, with their
 * live state (the ACD's: logged_out, available, ringing, on_call, wrapup,
 * paused with a reason), their queues (with the tier) and skills.
 *
 *   GET  /api/v1/agents[?tenant_id=1]   agents of a tenant (members of a
 *                                       queue, with skills or a state)
 *   GET  /api/v1/agents/:id             any employee of the tenant
 *   PATCH /api/v1/agents/:id            {"skills": [{"name": "de",
 *                                        "level": 9}]} (admin)
 *   POST /api/v1/agents/:id/state       {"action": "pause",
 *                                        "reason": "lunch"}: login,
 *                                        logout, pause, unpause, end_wrapup
 *   POST /api/v1/agents/:id/token       a token of role "agent" for the
 *                                        employee, shown once (admin)
 *
 * The role "agent" may read agents of its tenant and change its own state
 * only (403 for anyone else's); an agent never sees an employee's e-mail
 * address (the agent object has none, and the other resources are the
 * admin's).  A tenant-scoped token sees its own tenant only (404).
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "acd/acd.h"

static const char *const action_v[] = {
    "login", "logout", "pause", "unpause", "end_wrapup",
};

static const struct store_names action_names = {action_v, ARRAY_SIZE(action_v)};

/* The body of POST .../state. */
struct state_body {
	int action;
	char reason[STORE_REASON_LEN];
};

static const struct api_field state_fields[] = {
    {API_F("action", AK_ENUM, FF_REQUIRED), API_M(struct state_body, action),
     .max = 16, .en = &action_names},
    {API_F("reason", AK_STR, FF_NULL), API_M(struct state_body, reason),
     .max = STORE_REASON_LEN - 1},
};

static const struct api_field skill_fields[] = {
    {API_F("skills", AK_LIST, FF_REQUIRED)},
};

/* The tenant the token may see, 0 = any. */
static int64_t scope(const struct api_req *req)
{
	return req->token.tenant_id;
}

static bool is_agent(const struct api_req *req)
{
	return !strcmp(req->token.role, "agent");
}

/* The queues of a tenant, read once per request. */
struct queues {
	struct store_queue **v;
	size_t n;
};

static void queues_destructor(void *arg)
{
	struct queues *qs = arg;
	size_t i;

	for (i = 0; i < qs->n; i++)
		mem_deref(qs->v[i]);
	mem_deref(qs->v);
}

static int queue_h(const struct store_queue *q, void *arg)
{
	struct queues *qs = arg;
	struct store_queue **v;

	v = mem_reallocarray(qs->v, qs->n + 1, sizeof(*v), NULL);
	if (!v)
		return ENOMEM;
	qs->v = v;
	qs->v[qs->n] = mem_zalloc(sizeof(*q), NULL);
	if (!qs->v[qs->n])
		return ENOMEM;
	*qs->v[qs->n++] = *q;
	return 0;
}

static int queues_load(struct api_req *req, int64_t tenant_id,
		       struct queues **qsp)
{
	struct queues *qs = mem_zalloc(sizeof(*qs), queues_destructor);
	int err;

	if (!qs)
		return ENOMEM;
	err = store_queue_list(req->api->st, tenant_id, queue_h, qs);
	if (err) {
		mem_deref(qs);
		return err;
	}
	*qsp = qs;
	return 0;
}

static int add_queues(struct odict *o, const struct queues *qs, int64_t emp)
{
	struct odict *arr = NULL, *it = NULL;
	size_t i, j;
	int err;

	err = api_list_alloc(&arr);
	for (i = 0; !err && i < qs->n; i++) {
		const struct store_queue *q = qs->v[i];

		for (j = 0; j < q->memberc; j++) {
			if (q->memberv[j].employee_id != emp)
				continue;
			err = odict_alloc(&it, 4);
			err |= api_add_int(it, "queue_id", q->id);
			err |= api_add_str(it, "name", q->name);
			err |= api_add_int(it, "tier", q->memberv[j].tier);
			err |= api_list_append(arr, it);
			it = mem_deref(it);
		}
	}
	if (!err)
		err = odict_entry_add(o, "queues", ODICT_ARRAY, arr);
	mem_deref(arr);
	return err;
}

static int add_skills(struct odict *o, const struct store_agent *a)
{
	struct odict *arr = NULL, *it = NULL;
	size_t i;
	int err;

	err = api_list_alloc(&arr);
	for (i = 0; !err && i < a->skillc; i++) {
		err = odict_alloc(&it, 4);
		err |= api_add_str(it, "name", a->skillv[i].name);
		err |= api_add_int(it, "level", a->skillv[i].level);
		err |= api_list_append(arr, it);
		it = mem_deref(it);
	}
	if (!err)
		err = odict_entry_add(o, "skills", ODICT_ARRAY, arr);
	mem_deref(arr);
	return err;
}

/* The agent object of a (employee e), live state from the ACD if it
 * knows the agent, else the kept one. */
static int agent_encode(struct api_req *req, const struct store_agent *a,
			const struct queues *qs, struct odict **op)
{
	struct store_employee e;
	struct acd_agent_view v;
	struct odict *o = NULL;
	char name[130];
	int err;

	err = store_employee_get(req->api->st, a->employee_id, &e);
	if (err)
		return err;
	memset(&v, 0, sizeof(v));
	if (!req->api->acd ||
	    acd_agent_view(req->api->acd, a->employee_id, &v)) {
		v.state = store_agent_state_name(a->state);
		v.reason = a->reason;
		v.since = a->changed_at;
	}
	re_snprintf(name, sizeof(name), "%s%s%s", e.first_name,
		    e.first_name[0] && e.last_name[0] ? " " : "", e.last_name);
	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err |= api_add_int(o, "employee_id", a->employee_id);
	err |= api_add_int(o, "tenant_id", a->tenant_id);
	err |= api_add_str(o, "name", name);
	err |= api_add_str_or_null(o, "extension", e.extension);
	err |= api_add_str(o, "state", v.state);
	err |= api_add_str_or_null(o, "reason", v.reason);
	err |= api_add_time(o, "since", v.since);
	err |= api_add_bool(o, "busy", v.busy);
	err |= api_add_int(o, "calls", v.calls);
	err |= api_add_int(o, "misses", v.misses);
	err |= api_add_time(o, "wrapup_until", v.wrapup_until);
	err |= api_add_id(o, "queue_id", v.queue);
	err |= add_queues(o, qs, a->employee_id);
	err |= add_skills(o, a);
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

/* The agent of the path's :id, visible to the token: 404 otherwise. */
static int agent_load(struct api_req *req, struct store_agent *a)
{
	int err = store_agent_get(req->api->st, req->id, a);

	if (err == ENOENT || (!err && scope(req) && a->tenant_id != scope(req)))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "agent: %m", err);
	return 0;
}

static int reply_agent(struct api_req *req, const struct store_agent *a)
{
	struct queues *qs = NULL;
	struct odict *o = NULL;
	int err;

	err = queues_load(req, a->tenant_id, &qs);
	if (!err)
		err = agent_encode(req, a, qs, &o);
	if (!err)
		err = api_reply_object(req, 200, o);
	mem_deref(o);
	mem_deref(qs);
	return err;
}

static int agent_get(struct api_req *req)
{
	struct store_agent a;
	int err;

	err = api_query_read(req, NULL, 0, &(struct api_query){0});
	if (!err)
		err = agent_load(req, &a);
	return err ? err : reply_agent(req, &a);
}

struct list_ctx {
	struct api_req *req;
	struct queues *qs;
	struct odict *arr;
};

static int list_h(const struct store_agent *a, void *arg)
{
	struct list_ctx *lc = arg;
	struct odict *o = NULL;
	int err;

	err = agent_encode(lc->req, a, lc->qs, &o);
	if (!err)
		err = api_list_append(lc->arr, o);
	mem_deref(o);
	return err;
}

static int agent_list(struct api_req *req)
{
	static const struct api_param params[] = {
	    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0,
	     0},
	};
	struct list_ctx lc = {req, NULL, NULL};
	struct api_query q;
	int err;

	err = api_query_read(req, params, ARRAY_SIZE(params), &q);
	if (err)
		return err;
	if (scope(req))
		q.tenant_id = scope(req);
	err = queues_load(req, q.tenant_id, &lc.qs);
	if (!err)
		err = api_list_alloc(&lc.arr);
	if (!err)
		err = store_agent_list(req->api->st, q.tenant_id, list_h, &lc);
	if (!err)
		err = api_reply_list(req, lc.arr);
	mem_deref(lc.arr);
	mem_deref(lc.qs);
	return err;
}

static int skill_item(struct api_req *req, const char *path,
		      const struct odict *o, size_t i, void *arg)
{
	static const char *const keys[] = {"name", "level"};
	struct store_agent *a = arg;
	const struct odict_entry *e;
	const char *name;
	size_t j;
	int err = 0;

	err = api_item_keys(req, o, path, keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	name = api_item_str(req, o, path, "name", true, &err);
	if (!name)
		return err;
	if (!name[0] || strlen(name) >= STORE_SKILL_LEN)
		return api_error(req, 422,
				 "%s.name: must be 1 to %d characters", path,
				 STORE_SKILL_LEN - 1);
	for (j = 0; j < i; j++) {
		if (!strcmp(a->skillv[j].name, name))
			return api_error(req, 422, "%s.name: %s is given twice",
					 path, name);
	}
	e = odict_lookup(o, "level");
	if (!e)
		return api_error(req, 422, "%s.level: is required", path);
	if (e->type != ODICT_INT || e->u.integer < 1 ||
	    e->u.integer > STORE_LEVEL_MAX)
		return api_error(req, 422, "%s.level: must be from 1 to %d",
				 path, STORE_LEVEL_MAX);
	str_copy(a->skillv[i].name, name, sizeof(a->skillv[i].name));
	a->skillv[i].level = (unsigned)e->u.integer;
	a->skillc = i + 1;
	return 0;
}

static int agent_patch(struct api_req *req)
{
	struct store_agent a;
	int err;

	err = agent_load(req, &a);
	if (!err)
		err =
		    api_body_check(req, skill_fields, ARRAY_SIZE(skill_fields));
	if (err)
		return err;
	if (!api_has(req, "skills"))
		return api_error(req, 422, "skills: is required");
	a.skillc = 0;
	err = api_items_each(req, &skill_fields[0], STORE_AGENT_SKILLS,
			     skill_item, &a);
	if (err)
		return err;
	err = store_agent_set_skills(req->api->st, &a);
	if (err)
		return api_fail(req, err, "skills: %m", err);
	if (req->api->acd) {
		err = acd_agent_changed(req->api->acd, a.employee_id);
		if (err)
			warning("http: agent %lld: live skills not updated: "
				"%m\n",
				(long long)a.employee_id, err);
	}
	info("http: agent %lld: %zu skills\n", (long long)a.employee_id,
	     a.skillc);
	err = agent_load(req, &a); /* as kept: by name */
	return err ? err : reply_agent(req, &a);
}

/* The 409 of an action the agent's state does not allow. */
static int state_conflict(struct api_req *req, int err, enum acd_action act)
{
	const char *why;

	if (err == ENOTCONN)
		why = "is logged out";
	else if (act == ACD_LOGIN)
		why = "is logged in already";
	else if (act == ACD_LOGOUT)
		why = "is logged out already";
	else if (act == ACD_PAUSE)
		why = "is paused already";
	else if (act == ACD_UNPAUSE)
		why = "is not paused";
	else
		why = "is not in wrap-up";
	return api_error(req, 409, "action: agent %lld %s", (long long)req->id,
			 why);
}

static int agent_state(struct api_req *req)
{
	struct state_body b;
	struct store_agent a;
	enum acd_action act;
	size_t i;
	int err;

	if (is_agent(req) && req->id != req->token.employee_id)
		return api_error(req, 403,
				 "role agent may only change its own state");
	err = agent_load(req, &a);
	if (!err)
		err =
		    api_body_check(req, state_fields, ARRAY_SIZE(state_fields));
	if (err)
		return err;
	memset(&b, 0, sizeof(b));
	for (i = 0; i < ARRAY_SIZE(state_fields); i++) {
		if (!api_has(req, state_fields[i].name))
			continue;
		err = api_field_apply(req, &state_fields[i], &b);
		if (err)
			return err;
	}
	act = (enum acd_action)b.action;
	if (act == ACD_PAUSE && !b.reason[0])
		return api_error(req, 422, "reason: is required for pause");
	if (act != ACD_PAUSE && b.reason[0])
		return api_error(req, 422, "reason: is only given with pause");
	if (!req->api->acd)
		return api_error(req, 503, "agents: no live queues here");

	err = acd_agent_act(req->api->acd, req->id, act, b.reason, req->now);
	if (err == EALREADY || err == ENOTCONN)
		return state_conflict(req, err, act);
	if (err)
		return api_fail(req, err, "agent: %m", err);
	info("http: agent %lld: %s%s%s\n", (long long)req->id,
	     acd_action_name(act), b.reason[0] ? " " : "", b.reason);
	err = agent_load(req, &a);
	return err ? err : reply_agent(req, &a);
}

static int agent_token(struct api_req *req)
{
	struct store_agent a;
	struct store_token t;
	struct odict *o = NULL;
	char token[65];
	int err;

	err = agent_load(req, &a);
	if (!err)
		err = api_body_check(req, NULL, 0);
	if (err)
		return err;
	memset(&t, 0, sizeof(t));
	str_copy(t.role, "agent", sizeof(t.role));
	t.tenant_id = a.tenant_id;
	t.employee_id = a.employee_id;
	re_snprintf(t.name, sizeof(t.name), "agent %lld",
		    (long long)a.employee_id);
	str_random_hex(token, 32);
	err = store_token_add(req->api->st, token, &t);
	if (err)
		return api_fail(req, err, "token: %m", err);
	info("http: agent %lld: new token %lld\n", (long long)a.employee_id,
	     (long long)t.id);
	err = odict_alloc(&o, 8);
	if (err)
		return err;
	err |= api_add_str(o, "token", token);
	err |= api_add_str(o, "role", t.role);
	err |= api_add_int(o, "tenant_id", t.tenant_id);
	err |= api_add_int(o, "employee_id", t.employee_id);
	err = err ? ENOMEM : api_reply_object(req, 201, o);
	memset(token, 0, sizeof(token));
	mem_deref(o);
	return err;
}

static const struct api_action actions[] = {
    {"GET", "", agent_list},
    {"GET", "/:id", agent_get},
    {"PATCH", "/:id", agent_patch},
    {"POST", "/:id/state", agent_state},
    {"POST", "/:id/token", agent_token},
};

const struct api_resource api_agents = {
    .path = "/api/v1/agents",
    .noun = "agent",
    .label = "agent",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
