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
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

#define T struct store_token

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("role", AK_STR, FF_REQUIRED), API_M(T, role)},
    {API_F("tenant_id", AK_ID, FF_NULL), API_M(T, tenant_id)},
    {API_F("employee_id", AK_ID, FF_NULL), API_M(T, employee_id)},
    {API_F("name", AK_STR, FF_NULL), API_M(T, name), .max = 63},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

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
