/*
 * api_tokens.c - /api/v1/tokens: API tokens of the four roles (issue 16;
 * roles.c says what each may do).
 *
 *   POST   /api/v1/tokens {"role": "subaccount", "tenant_id": 1,
 *                          "employee_id": 7, "name": "Max Muster"}
 *          -> 201 {"id": 9, "token": "<64 hex>", "role": ..., ...}
 *   GET    /api/v1/tokens[?tenant_id=], GET /api/v1/tokens/:id
 *   DELETE /api/v1/tokens/:id   (revoked at once: the next request with
 *                                it is a 401)
 *
 * The plain token is in the answer of its POST only; the store keeps its
 * SHA-256.  An operator token has no tenant; client_admin needs one;
 * agent and subaccount a tenant and an employee of it.  An operator
 * makes any token, a client admin only tokens of its own tenant (not an
 * operator's; tenant_id defaults to its own).  Another tenant and its
 * tokens are, to a client admin, as if they did not exist.  The token a
 * request is made with cannot revoke itself (409), so an operator cannot
 * lock the service out by mistake.
 *
 * Issue 20: a token has a scope that narrows its role (scope.c: full,
 * read-only, provisioning, metrics), may have an end (expires_at; after
 * it the token is a 401), and lists show the first characters of it
 * (prefix), never more.  POST /api/v1/tokens/rotate-admin replaces the
 * admin token of <data-dir>/admin.token.  Lists show a token's last use
 * (last_used_at, stored by server.c at most once a minute) and whether it
 * has expired; the hourly sweep (api_retention.c) deletes it
 * API_TOKEN_GRACE_MS (30 days) after its expires_at.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

#define T struct store_token

/* "expired": past its expires_at now (the sweep deletes it
 * API_TOKEN_GRACE_MS later). */
static int expired_enc(struct odict *o, const struct api_field *f,
		       const void *rec, const struct api_req *req)
{
	return api_add_bool(o, f->name, api_token_expired(rec, req->now));
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("role", AK_STR, FF_REQUIRED), API_M(T, role)},
    {API_F("tenant_id", AK_ID, FF_NULL), API_M(T, tenant_id)},
    {API_F("employee_id", AK_ID, FF_NULL), API_M(T, employee_id)},
    {API_F("name", AK_STR, FF_NULL), API_M(T, name), .max = 63},
    {API_F("scope", AK_STR, FF_NULL), API_M(T, scope), .max = 15},
    {API_F("expires_at", AK_TIME, FF_NULL), API_M(T, expires_at), .max = 40},
    {API_F("prefix", AK_STR, FF_RO), API_M(T, prefix)},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
    {API_F("last_used_at", AK_TIME, FF_RO | FF_NULL), API_M(T, last_used_at)},
    {API_F("expired", AK_BOOL, FF_RO), .encode = expired_enc},
};

/* The body's scope (default full) and expires_at (default never) into
 * t, or a 422. */
static int token_limits(struct api_req *req, unsigned role, T *t)
{
	const char *s = api_str(req, "scope");

	if (!s)
		s = "full";
	if (!api_scope_known(s))
		return api_error(req, 422,
				 "scope: must be full, read-only, "
				 "provisioning or metrics");
	if (!strcmp(s, "metrics") && role != API_ROLE_OPERATOR)
		return api_error(req, 422,
				 "scope: a metrics token must have role "
				 "operator (GET /metrics is the operator's)");
	str_copy(t->scope, s, sizeof(t->scope));

	s = api_str(req, "expires_at");
	if (!s)
		return 0;
	if (time_iso_parse(s, &t->expires_at))
		return api_error(req, 400,
				 "expires_at: must be an ISO-8601 UTC time "
				 "such as 2027-01-31T00:00:00Z");
	if (t->expires_at <= req->now)
		return api_error(req, 422, "expires_at: must be in the future");
	return 0;
}

/* The body's tenant and employee of a new token of role into t, or a
 * 422 (403 for an operator token asked by a client admin). */
static int token_scope(struct api_req *req, unsigned role, T *t)
{
	unsigned caller = api_role_of(req->token.role);
	bool staff = role == API_ROLE_AGENT || role == API_ROLE_SUBACCOUNT;
	struct store_employee e;
	struct store_tenant tn;
	int err;

	if (caller != API_ROLE_OPERATOR && role == API_ROLE_OPERATOR)
		return api_error(req, 403, "role %s may not make %s tokens",
				 req->token.role, api_role_name(role));

	t->tenant_id = api_int(req, "tenant_id", 0);
	t->employee_id = api_int(req, "employee_id", 0);
	if (!t->tenant_id && caller != API_ROLE_OPERATOR)
		t->tenant_id = req->token.tenant_id; /* its own */

	if (role == API_ROLE_OPERATOR && t->tenant_id)
		return api_error(req, 422,
				 "tenant_id: an operator token has no tenant");
	if (role != API_ROLE_OPERATOR && !t->tenant_id)
		return api_error(req, 422, "tenant_id: is required for role %s",
				 api_role_name(role));
	if (!staff && t->employee_id)
		return api_error(req, 422,
				 "employee_id: only agent and subaccount "
				 "tokens have an employee");
	if (staff && !t->employee_id)
		return api_error(req, 422,
				 "employee_id: is required for role %s",
				 api_role_name(role));

	if (t->tenant_id) {
		err = store_tenant_get(req->api->st, t->tenant_id, &tn);
		if (err == ENOENT ||
		    (!err && !api_tenant_visible(req, t->tenant_id)))
			return api_error(req, 422,
					 "tenant_id: tenant %lld does not "
					 "exist",
					 (long long)t->tenant_id);
		if (err)
			return api_fail(req, err, "tenant_id: %m", err);
	}
	if (t->employee_id) {
		err = store_employee_get(req->api->st, t->employee_id, &e);
		if (err == ENOENT ||
		    (!err && !api_tenant_visible(req, e.tenant_id)))
			return api_error(req, 422,
					 "employee_id: employee %lld does not "
					 "exist",
					 (long long)t->employee_id);
		if (err)
			return api_fail(req, err, "employee_id: %m", err);
		if (e.tenant_id != t->tenant_id)
			return api_error(req, 422,
					 "employee_id: employee %lld belongs "
					 "to another tenant",
					 (long long)t->employee_id);
	}
	return 0;
}

/* POST: a new token, shown this once. */
static int token_create(struct api_req *req)
{
	struct odict *o = NULL;
	const char *s;
	char token[65];
	unsigned role;
	T t;
	int err;

	err = api_body_check(req, fields, ARRAY_SIZE(fields));
	if (err)
		return err;
	memset(&t, 0, sizeof(t));
	s = api_str(req, "role");
	role = api_role_of(s);
	if (!role)
		return api_error(req, 422,
				 "role: must be operator, client_admin, "
				 "agent or subaccount");
	err = token_scope(req, role, &t);
	if (!err)
		err = token_limits(req, role, &t);
	if (err)
		return err;
	str_copy(t.role, s, sizeof(t.role));
	s = api_str(req, "name");
	str_copy(t.name, s ? s : api_role_name(role), sizeof(t.name));

	str_random_hex(token, 32);
	err = store_token_add(req->api->st, token, &t);
	if (err) {
		memset(token, 0, sizeof(token));
		return api_fail(req, err, "token: %m", err);
	}
	info("http: token %lld created (%s, tenant %lld) by %s\n",
	     (long long)t.id, t.role, (long long)t.tenant_id, req->token.name);

	err = api_encode(&o, api_res(req), &t, req);
	if (!err)
		err = api_add_str(o, "token", token);
	memset(token, 0, sizeof(token));
	return api_reply_encoded(req, 201, err, o, t.id);
}

/* DELETE /:id: revoke; another tenant's is not found, the caller's own
 * a 409. */
static int token_delete(struct api_req *req)
{
	T t;
	int err;

	err = store_token_get(req->api->st, req->id, &t);
	if (err == ENOENT || (!err && req->token.tenant_id &&
			      t.tenant_id != req->token.tenant_id))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "token: %m", err);
	if (t.id == req->token.id)
		return api_error(req, 409,
				 "token: the token of this request cannot "
				 "revoke itself");
	err = store_token_delete(req->api->st, t.id);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "token: %m", err);
	info("http: token %lld (%s, tenant %lld) revoked by %s\n",
	     (long long)t.id, t.role, (long long)t.tenant_id, req->token.name);
	return api_reply_no_content(req);
}

/*
 * POST /rotate-admin {}: a new operator token named "admin" is written to
 * <data-dir>/admin.token (all or nothing, mode 0600), then the token that
 * was in the file ends.  The new token is in the answer too, so that an
 * operator who called with the old one can go on.  If the file cannot be
 * written, the new token goes again and the old one stays.
 */
static int token_rotate_admin(struct api_req *req)
{
	const struct config *cfg = req->api->cfg;
	struct odict *o = NULL;
	T t, old;
	char path[sizeof(cfg->data_dir) + 16], token[65], line[66];
	char prev[API_TOKEN_MAX + 2];
	bool have_old = false;
	FILE *f;
	int err;

	err = api_body_check(req, NULL, 0);
	if (err)
		return err;

	re_snprintf(path, sizeof(path), "%s/admin.token", cfg->data_dir);
	f = fopen(path, "r");
	if (f) {
		if (fgets(prev, sizeof(prev), f)) {
			prev[strcspn(prev, "\r\n")] = '\0';
			have_old = prev[0] &&
				   !store_token_check(req->api->st, prev, &old);
		}
		fclose(f);
		memset(prev, 0, sizeof(prev));
	}

	memset(&t, 0, sizeof(t));
	str_copy(t.role, "operator", sizeof(t.role));
	str_copy(t.name, "admin", sizeof(t.name));
	str_random_hex(token, 32);
	err = store_token_add(req->api->st, token, &t);
	if (err) {
		memset(token, 0, sizeof(token));
		return api_fail(req, err, "token: %m", err);
	}
	re_snprintf(line, sizeof(line), "%s\n", token);
	err = file_put_mode(path, line, strlen(line), 0600);
	memset(line, 0, sizeof(line));
	if (err) {
		warning("http: admin token rotation: cannot write %s: %m\n",
			path, err);
		(void)store_token_delete(req->api->st, t.id);
		memset(token, 0, sizeof(token));
		return api_fail(req, err, "token: %m", err);
	}
	if (have_old) {
		err = store_token_delete(req->api->st, old.id);
		if (err && err != ENOENT)
			warning("http: admin token rotation: old token %lld "
				"not ended: %m\n",
				(long long)old.id, err);
	}
	info("http: admin token rotated by %s: token %lld in %s, token "
	     "%lld ended\n",
	     req->token.name, (long long)t.id, path,
	     have_old ? (long long)old.id : 0LL);

	err = api_encode(&o, api_res(req), &t, req);
	if (!err)
		err = api_add_str(o, "token", token);
	memset(token, 0, sizeof(token));
	if (!err)
		err = api_add_int(o, "ended_id", have_old ? old.id : 0);
	return api_reply_encoded(req, 201, err, o, t.id);
}

API_STORE_GET(token_get, store_token_get)

API_LIST_H(token_h, T)

static int token_list(struct api_req *req, const struct api_query *q, void *arg)
{
	return store_token_list(req->api->st, q->tenant_id, token_h, arg);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

static const struct api_action actions[] = {
    {"POST", "", token_create},
    {"DELETE", "/:id", token_delete},
    {"POST", "/rotate-admin", token_rotate_admin},
};

const struct api_resource api_tokens = {
    .path = "/api/v1/tokens",
    .noun = "token",
    .label = "token",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = token_get,
    .list = token_list,
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
