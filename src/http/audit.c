/*
 * audit.c - the audit trail of the API (issue 16, seeds/002: clients bound
 * to professional secrecy must be able to learn who saw their data).
 * Every request that came with a valid token and found its route gets
 * one entry, written before its answer goes out (reply.c calls
 * api_audit_write() from every reply): reads as well as changes, refused
 * ones (403, 404 on another client's id) as well as granted ones, and the
 * reads of the trail itself, which are written after the page was read
 * (a page never holds its own read).  An entry names the client whose
 * data it is, found in this order:
 *
 *   1. what the handler said (req->audit_tenant; resource.c sets it from
 *      the record it loaded, created or listed);
 *   2. the :id of a path under /api/v1/tenants/:id;
 *   3. the client of the record the path's :id names, read through the
 *      resource of its collection (also for a 404 of an agent's attempt
 *      on another client's record: that client's auditor sees it);
 *   4. the token's own client (an agent's);
 *
 * else none (operator data, or a list over all clients).  The values of a
 * body are never written (they may hold confidential notes), only the
 * names of its fields.  If the entry cannot be written a read is not
 * answered (503): nobody reads unaudited.
 *
 * GET /api/v1/tenants/:id/audit?since=&until=&limit=&before_id= pages
 * the trail of one client, newest first.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

enum {
	AUDIT_LIMIT_DEF = 100,
	AUDIT_LIMIT_MAX = 1000,
};

static const char tenants_id[] = "/api/v1/tenants/:id";

/* Step 3: the client of the record the :id of the path names. */
static int64_t record_tenant(struct api_req *req)
{
	const char *pat = req->route->pattern;
	const char *id = strstr(pat, "/:id");
	const struct api_resource *res;
	int64_t tid = 0;
	void *rec;

	if (!id || !req->id)
		return 0;
	res = req->route->res;
	if (!res->get || !res->tenant_off ||
	    strncmp(res->path, pat, (size_t)(id - pat)))
		res = api_res_by_path(pat, (size_t)(id - pat));
	if (!res || !res->get || !res->tenant_off)
		return 0;
	rec = mem_zalloc(res->size, NULL);
	if (!rec)
		return 0;
	if (!res->get(req->api->st, req->id, rec))
		tid = api_rec_i64(rec, res->tenant_off);
	mem_deref(rec);
	return tid;
}

static int64_t data_tenant(struct api_req *req)
{
	int64_t tid;

	if (req->audit_tenant)
		return req->audit_tenant > 0 ? req->audit_tenant : 0;
	if (!strncmp(req->route->pattern, tenants_id, sizeof(tenants_id) - 1))
		return req->id;
	tid = record_tenant(req);
	return tid ? tid : req->token.tenant_id;
}

/* The names of the body's fields, comma-separated, cut to sz. */
static void field_names(const struct api_req *req, char *buf, size_t sz)
{
	struct le *le;
	size_t n = 0;

	buf[0] = '\0';
	for (le = req->body ? req->body->lst.head : NULL; le; le = le->next) {
		const struct odict_entry *e = le->data;
		int w =
		    re_snprintf(buf + n, sz - n, "%s%s", n ? "," : "", e->key);

		if (w < 0 || (size_t)w >= sz - n) {
			buf[n] = '\0';
			break;
		}
		n += (size_t)w;
	}
}

int api_audit_write(struct api_req *req, uint16_t status)
{
	struct store_audit a;
	struct sa peer;
	int err;

	if (!req || req->audited || !req->route || req->token.id <= 0)
		return 0;
	req->audited = true;

	memset(&a, 0, sizeof(a));
	a.at = req->now;
	a.tenant_id = data_tenant(req);
	a.token_id = req->token.id;
	str_copy(a.token_name, req->token.name, sizeof(a.token_name));
	str_copy(a.role, req->token.role, sizeof(a.role));
	a.token_tenant_id = req->token.tenant_id;
	a.employee_id = req->token.employee_id;
	if (!api_conn_peer(req->conn, &peer)) {
		re_snprintf(a.ip, sizeof(a.ip), "%j", &peer);
		a.port = sa_port(&peer);
	}
	str_copy(a.method, req->route->method, sizeof(a.method));
	str_copy(a.route, req->route->pattern, sizeof(a.route));
	a.object_id = req->audit_object ? req->audit_object : req->id;
	a.status = status;
	field_names(req, a.fields, sizeof(a.fields));

	err = store_audit_add(req->api->st, &a);
	if (err)
		warning("http: audit: %s %s: %m\n", a.method, a.route, err);
	return err;
}

/* ---- GET /api/v1/tenants/:id/audit ------------------------------------ */

/* before_id is read into the query's employee_id member: struct
 * api_query has no member of its own for it (see api_at_param). */
static const struct api_param params[] = {
    {"since", AP_TIME, offsetof(struct api_query, since), 0, 0, 0},
    {"until", AP_TIME, offsetof(struct api_query, until), 0, 0, 0},
    {"limit", AP_UINT, offsetof(struct api_query, limit), 1, AUDIT_LIMIT_MAX,
     AUDIT_LIMIT_DEF},
    {"before_id", AP_ID, offsetof(struct api_query, employee_id), 0, 0, 0},
};

static int entry_add(const struct store_audit *a, void *arg)
{
	struct odict *arr = arg, *o = NULL;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err = api_add_int(o, "id", a->id);
	err |= api_add_time(o, "at", a->at);
	err |= api_add_id(o, "tenant_id", a->tenant_id);
	err |= api_add_id(o, "token_id", a->token_id);
	err |= api_add_str(o, "token_name", a->token_name);
	err |= api_add_str(o, "role", a->role);
	err |= api_add_id(o, "token_tenant_id", a->token_tenant_id);
	err |= api_add_id(o, "employee_id", a->employee_id);
	err |= api_add_str(o, "ip", a->ip);
	err |= api_add_int(o, "port", a->port);
	err |= api_add_str(o, "method", a->method);
	err |= api_add_str(o, "route", a->route);
	err |= api_add_id(o, "object_id", a->object_id);
	err |= api_add_int(o, "status", a->status);
	err |= api_add_str_or_null(o, "fields", a->fields);
	if (!err)
		err = api_list_append(arr, o);
	mem_deref(o);
	return err;
}

static int audit_list(struct api_req *req)
{
	struct store_tenant t;
	struct odict *arr = NULL;
	struct api_query q;
	int err;

	err = api_query_read(req, params, ARRAY_SIZE(params), &q);
	if (err)
		return err;
	err = store_tenant_get(req->api->st, req->id, &t);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "tenant: %m", err);
	err = api_list_alloc(&arr);
	if (err)
		return err;
	err = store_audit_list(req->api->st, req->id, q.since, q.until,
			       q.employee_id, q.limit, entry_add, arr);
	if (err)
		err = api_fail(req, err, "audit: %m", err);
	else
		err = api_reply_list(req, arr);
	mem_deref(arr);
	return err;
}

static const struct api_action actions[] = {
    {"GET", "/:id/audit", audit_list},
};

const struct api_resource api_audit = {
    .path = "/api/v1/tenants",
    .noun = "tenant",
    .label = "audit",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
