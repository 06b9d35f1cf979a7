/*
 * api_profile.c - a client's profile with dated changes (issue 16,
 * secretariat/profile.c) under its tenant:
 *
 *   GET    /api/v1/tenants/:id/profile[?at=]             in force at `at`
 *   GET    /api/v1/tenants/:id/profile/versions          the history
 *   POST   /api/v1/tenants/:id/profile/versions          a new version
 *   GET    /api/v1/tenants/:id/profile/versions/:v       one version
 *   DELETE /api/v1/tenants/:id/profile/versions/:v       cancel a
 *                                                        scheduled one
 *   GET    /api/v1/tenants/:id/agent_view[?at=&agent_id=] what an agent
 *                                                        sees
 *
 * The operator and the client_admin write and read everything
 * (roles.c); a tenant's agent token reads only its tenant's agent view,
 * under its own name.  Another tenant's profile is a 404 to a
 * tenant-scoped token.  `at` is the injectable clock of previews and
 * tests (default: now).
 */
#include <errno.h>
#include <string.h>
#include "secretariat/secretariat.h"
#include "http/http_int.h"

static const struct api_param at_params[] = {
    {"at", AP_TIME, offsetof(struct api_query, since), 0, 0, 0},
};

static const struct api_param view_params[] = {
    {"at", AP_TIME, offsetof(struct api_query, since), 0, 0, 0},
    {"agent_id", AP_ID, offsetof(struct api_query, employee_id), 0, 0, 0},
};

/* The tenant tid, visible to the token: 0, or an errno after a 404. */
static int tenant_load(struct api_req *req, int64_t tid, struct store_tenant *t)
{
	int err;

	if (req->token.tenant_id && req->token.tenant_id != tid)
		return api_error(req, 404, "tenant %lld not found",
				 (long long)tid);
	err = store_tenant_get(req->api->st, tid, t);
	if (err == ENOENT)
		return api_error(req, 404, "tenant %lld not found",
				 (long long)tid);
	if (err)
		return api_fail(req, err, "tenant: %m", err);
	return 0;
}

/* The tenant and version of /tenants/<t>/profile/versions/<v>: the
 * router keeps only the last segment (req->key). */
static int path_ids(struct api_req *req, int64_t *tidp, int64_t *vp)
{
	static const char pre[] = "/api/v1/tenants/";
	const struct pl *path = &req->msg->path;
	int64_t tid = 0, v = 0;
	size_t i;

	for (i = sizeof(pre) - 1; i < path->l && path->p[i] != '/'; i++) {
		if (path->p[i] < '0' || path->p[i] > '9' ||
		    tid > 1000000000000) {
			tid = 0;
			break;
		}
		tid = tid * 10 + (path->p[i] - '0');
	}
	if (!tid)
		return api_error(req, 404, "tenant %b not found",
				 path->p + sizeof(pre) - 1,
				 (size_t)(i - (sizeof(pre) - 1)) > 32
				     ? (size_t)32
				     : (size_t)(i - (sizeof(pre) - 1)));
	for (i = 0; i < req->key.l; i++) {
		if (req->key.p[i] < '0' || req->key.p[i] > '9' ||
		    v > 1000000000000) {
			v = 0;
			break;
		}
		v = v * 10 + (req->key.p[i] - '0');
	}
	if (!v)
		return api_error(req, 404, "profile version %b not found",
				 req->key.p,
				 req->key.l > 32 ? (size_t)32 : req->key.l);
	*tidp = tid;
	*vp = v;
	return 0;
}

static const char *who(const struct api_req *req, char *buf, size_t sz)
{
	if (req->token.name[0])
		return str_copy(buf, req->token.name, sz), buf;
	re_snprintf(buf, sz, "token %lld", (long long)req->token.id);
	return buf;
}

/* "greeting,hours" as a JSON array under key. */
static int add_changed(struct odict *o, const char *changed)
{
	struct odict *arr = NULL;
	const char *p = changed, *c;
	unsigned n = 0;
	int err;

	err = odict_alloc(&arr, 8);
	while (!err && p && *p) {
		char key[12], item[32];

		c = strchr(p, ',');
		str_copy(item, p,
			 c ? (size_t)(c - p + 1) < sizeof(item)
				 ? (size_t)(c - p + 1)
				 : sizeof(item)
			   : sizeof(item));
		re_snprintf(key, sizeof(key), "%u", n++);
		err = odict_entry_add(arr, key, ODICT_STRING, item);
		p = c ? c + 1 : NULL;
	}
	if (!err)
		err = odict_entry_add(o, "changed", ODICT_ARRAY, arr);
	mem_deref(arr);
	return err;
}

/* Version v as JSON; in_force: the id of the version in force now. */
static int version_encode(struct odict **op,
			  const struct store_profile_version *v,
			  int64_t in_force, uint64_t now, bool settings)
{
	struct odict *o = NULL, *doc = NULL;
	const char *state;
	int err;

	if (v->cancelled_at)
		state = "cancelled";
	else if (v->effective_from > now)
		state = "scheduled";
	else if (v->id == in_force)
		state = "in_force";
	else
		state = "superseded";

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err = api_add_int(o, "id", v->id);
	err |= api_add_int(o, "tenant_id", v->tenant_id);
	err |= api_add_int(o, "version", v->version);
	err |= api_add_time(o, "effective_from", v->effective_from);
	err |= api_add_str(o, "state", state);
	err |= add_changed(o, v->changed);
	err |= api_add_time(o, "created_at", v->created_at);
	err |= api_add_str_or_null(o, "created_by", v->created_by);
	err |= api_add_time(o, "cancelled_at", v->cancelled_at);
	err |= api_add_str_or_null(o, "cancelled_by", v->cancelled_by);
	if (!err && settings) {
		err = profile_settings(&doc, v);
		if (!err)
			err = odict_entry_add(o, "settings", ODICT_OBJECT, doc);
		mem_deref(doc);
	}
	if (err)
		mem_deref(o);
	else
		*op = o;
	return err;
}

/* The id of the version in force at `at` (0: none). */
static int64_t in_force_id(struct api_req *req, int64_t tid, uint64_t at)
{
	struct store_profile_version *v = NULL;
	int64_t id = 0;

	if (!store_profile_at(req->api->st, tid, at, &v))
		id = v->id;
	mem_deref(v);
	return id;
}

static int profile_get(struct api_req *req)
{
	struct store_profile_version *v = NULL;
	struct store_tenant t;
	struct api_query q;
	struct odict *o = NULL;
	uint64_t at;
	char buf[32];
	int err;

	err = api_query_read(req, at_params, ARRAY_SIZE(at_params), &q);
	if (!err)
		err = tenant_load(req, req->id, &t);
	if (err)
		return err;
	at = q.since ? q.since : req->now;
	err = store_profile_at(req->api->st, req->id, at, &v);
	if (err == ENOENT)
		return api_error(req, 404,
				 "tenant %lld has no profile in force "
				 "at %s",
				 (long long)req->id,
				 time_iso(buf, sizeof(buf), at));
	if (err)
		return api_fail(req, err, "profile: %m", err);
	err = version_encode(&o, v, in_force_id(req, req->id, req->now),
			     req->now, true);
	if (!err)
		err = api_add_time(o, "at", at);
	mem_deref(v);
	return api_reply_encoded(req, 200, err, o, 0);
}

struct list_ctx {
	struct api_req *req;
	struct odict *arr;
	int64_t in_force;
};

static int list_h(const struct store_profile_version *v, void *arg)
{
	struct list_ctx *l = arg;
	struct odict *o = NULL;
	int err;

	err = version_encode(&o, v, l->in_force, l->req->now, false);
	if (!err)
		err = api_list_append(l->arr, o);
	mem_deref(o);
	return err;
}

static int versions_list(struct api_req *req)
{
	struct list_ctx l = {req, NULL, 0};
	struct store_tenant t;
	int err;

	err = api_query_read(req, NULL, 0, &(struct api_query){0});
	if (!err)
		err = tenant_load(req, req->id, &t);
	if (err)
		return err;
	l.in_force = in_force_id(req, req->id, req->now);
	err = api_list_alloc(&l.arr);
	if (!err)
		err = store_profile_list(req->api->st, req->id, list_h, &l);
	if (err)
		err = api_fail(req, err, "profile versions: %m", err);
	else
		err = api_reply_list(req, l.arr);
	mem_deref(l.arr);
	return err;
}

static int version_add(struct api_req *req)
{
	struct store_profile_version *v = NULL;
	struct store_tenant t;
	struct odict *o = NULL;
	char why[PROFILE_WHY_SZ] = "", by[64];
	int err;

	err = tenant_load(req, req->id, &t);
	if (err)
		return err;
	err =
	    profile_version_add(req->api->st, req->id, req->body, req->now,
				who(req, by, sizeof(by)), &v, why, sizeof(why));
	if (err == EBADMSG)
		return api_error(req, 400, "%s", why);
	if (err == EINVAL && why[0])
		return api_error(req, 422, "%s", why);
	if (err)
		return api_fail(req, err, "profile: %m", err);
	err = version_encode(&o, v, in_force_id(req, req->id, req->now),
			     req->now, true);
	mem_deref(v);
	return api_reply_encoded(req, 201, err, o, 0);
}

static int version_get(struct api_req *req)
{
	struct store_profile_version *v = NULL;
	struct store_tenant t;
	struct odict *o = NULL;
	int64_t tid, n;
	int err;

	err = path_ids(req, &tid, &n);
	if (!err)
		err = tenant_load(req, tid, &t);
	if (err)
		return err;
	err = store_profile_get(req->api->st, tid, n, &v);
	if (err == ENOENT)
		return api_error(req, 404, "profile version %lld not found",
				 (long long)n);
	if (err)
		return api_fail(req, err, "profile: %m", err);
	err = version_encode(&o, v, in_force_id(req, tid, req->now), req->now,
			     true);
	mem_deref(v);
	return api_reply_encoded(req, 200, err, o, 0);
}

static int version_delete(struct api_req *req)
{
	struct store_tenant t;
	char why[PROFILE_WHY_SZ] = "", by[64];
	int64_t tid, n;
	int err;

	err = path_ids(req, &tid, &n);
	if (!err)
		err = tenant_load(req, tid, &t);
	if (err)
		return err;
	err =
	    profile_version_cancel(req->api->st, tid, n, req->now,
				   who(req, by, sizeof(by)), why, sizeof(why));
	if (err == ENOENT)
		return api_error(req, 404, "profile version %lld not found",
				 (long long)n);
	if ((err == EBUSY || err == EINVAL) && why[0])
		return api_error(req, 409, "%s", why);
	if (err)
		return api_fail(req, err, "profile: %m", err);
	return api_reply_no_content(req);
}

static bool is_agent(const struct api_req *req)
{
	return !strcmp(req->token.role, "agent");
}

static int agent_view(struct api_req *req)
{
	struct store_profile_version *v = NULL;
	struct store_employee e;
	struct store_tenant t;
	struct api_query q;
	struct odict *o = NULL, *a = NULL;
	int64_t agent;
	uint64_t at;
	char buf[32];
	int err;

	err = api_query_read(req, view_params, ARRAY_SIZE(view_params), &q);
	if (!err)
		err = tenant_load(req, req->id, &t);
	if (err)
		return err;
	agent = q.employee_id;
	if (is_agent(req)) {
		if (agent && agent != req->token.employee_id)
			return api_error(req, 403,
					 "agent_id: an agent sees the view "
					 "under its own name only");
		agent = req->token.employee_id;
	}
	if (!agent)
		return api_error(req, 400,
				 "agent_id: is required (whose name fills "
				 "the greeting)");
	err = store_employee_get(req->api->st, agent, &e);
	if (err == ENOENT)
		return api_error(req, 422,
				 "agent_id: employee %lld does not "
				 "exist",
				 (long long)agent);
	if (err)
		return api_fail(req, err, "agent_id: %m", err);

	at = q.since ? q.since : req->now;
	err = store_profile_at(req->api->st, req->id, at, &v);
	if (err == ENOENT)
		return api_error(req, 404,
				 "tenant %lld has no profile in force "
				 "at %s",
				 (long long)req->id,
				 time_iso(buf, sizeof(buf), at));
	if (err)
		return api_fail(req, err, "profile: %m", err);

	err = profile_agent_view(&o, v, e.first_name, e.last_name, at);
	mem_deref(v);
	if (err)
		return err;
	err = api_add_int(o, "tenant_id", t.id);
	err |= api_add_str(o, "tenant", t.name);
	err |= api_add_time(o, "at", at);
	err |= odict_alloc(&a, 4);
	if (!err) {
		err = api_add_int(a, "id", e.id);
		err |= api_add_str(a, "first_name", e.first_name);
		err |= api_add_str(a, "last_name", e.last_name);
		err |= odict_entry_add(o, "agent", ODICT_OBJECT, a);
	}
	mem_deref(a);
	return api_reply_encoded(req, 200, err, o, 0);
}

static const struct api_action actions[] = {
    {"GET", "/:id/profile", profile_get},
    {"GET", "/:id/profile/versions", versions_list},
    {"POST", "/:id/profile/versions", version_add},
    {"GET", "/:id/profile/versions/:key", version_get},
    {"DELETE", "/:id/profile/versions/:key", version_delete},
    {"GET", "/:id/agent_view", agent_view},
};

const struct api_resource api_profiles = {
    .path = "/api/v1/tenants",
    .noun = "tenant",
    .label = "profile",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
