/*
 * api_users.c - /api/v1/users: the password logins of the API (issue 16),
 * for the operator, and for a client_admin within its own tenant (users
 * of the roles client_admin and subaccount; it reads the others of its
 * tenant, another tenant's are not found; roles.c, resource.c).  A user has a login
 * name (unique, case-insensitive), a role (operator, agent, client_admin
 * or subaccount; "admin" is the old name of operator and is accepted
 * until the roles of issue 16 replace it), the client (tenant) and person
 * (employee) it acts for, and a disabled flag.
 *
 * The password is write-only and never logged: only its Argon2id hash is
 * stored (core/password.c), and the hash is never shown either.  A new
 * password lifts a lock-out and ends the user's sessions (but the one
 * that set it); disabling a user ends all of them.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

#define T struct store_user

enum {
	PASSWORD_MIN = 10,  /* characters */
	PASSWORD_MAX = 128, /* bytes      */
	LOGIN_MIN = 3,
	LOGIN_MAX = 254,
};

/* The roles a user may have, and what each needs: a tenant, a person. */
static const struct {
	const char *name;
	bool tenant;   /* tenant_id required (else it must be null)  */
	bool employee; /* employee_id required                       */
} roles[] = {
    {"operator", false, false},
    {"admin", false, false}, /* the old name of operator */
    {"agent", true, true},
    {"client_admin", true, false},
    {"subaccount", true, true},
};

static int role_find(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(roles); i++) {
		if (!strcmp(roles[i].name, s))
			return (int)i;
	}
	return -1;
}

static bool role_ok(const char *s)
{
	return role_find(s) >= 0;
}

static bool password_ok(const char *s)
{
	return str_utf8_chars(s) >= PASSWORD_MIN;
}

/* A user name or an e-mail address: A-Z a-z 0-9 . _ - @ + */
static bool login_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-' || c == '@' || c == '+'))
			return false;
	}
	return n >= LOGIN_MIN && n <= LOGIN_MAX;
}

static const struct api_rule login_rule = {
    login_ok, "must be 3 to 254 of A-Z a-z 0-9 . _ - @ +"};
static const struct api_rule password_rule = {password_ok,
					      "must be at least 10 characters"};
static const struct api_rule role_rule = {
    role_ok, "must be operator, agent, client_admin or subaccount"};

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("login", AK_STR, FF_REQUIRED | FF_FIXED | FF_EARLY), API_M(T, login),
     .max = LOGIN_MAX, .rule = &login_rule},
    {API_F("password", AK_STR, FF_REQUIRED | FF_WO), .max = PASSWORD_MAX,
     .rule = &password_rule},
    {API_F("role", AK_STR, FF_REQUIRED | FF_FIXED | FF_EARLY), API_M(T, role),
     .max = 15, .rule = &role_rule},
    {API_F("tenant_id", AK_ID, FF_NULL | FF_FIXED | FF_EARLY),
     API_M(T, tenant_id), .ref = api_ref_tenant},
    {API_F("employee_id", AK_ID, FF_NULL | FF_FIXED), API_M(T, employee_id),
     .ref = api_ref_employee},
    {API_F("disabled", AK_BOOL, 0), API_M(T, disabled)},
    {API_F("failed_logins", AK_INT, FF_RO), API_M(T, failed_logins)},
    {API_F("locked_until", AK_TIME, FF_RO), API_M(T, locked_until)},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

/* The roles a client_admin may grant and manage: its own tenant's
 * people; operators and agents are the service's. */
static bool client_may(const char *role)
{
	return !strcmp(role, "client_admin") || !strcmp(role, "subaccount");
}

static int user_fail(struct api_req *req, int err, const void *rec);

/* A client_admin's limits (the tenant scope is resource.c's): a user it
 * makes or changes is of a role it may grant; 403 naming role otherwise
 * (after the fields' own checks, before the password is hashed). */
static int client_check(struct api_req *req, T *u, const T *old)
{
	if (api_role_of(req->token.role) != API_ROLE_CLIENT_ADMIN)
		return 0;
	if (!client_may(old ? old->role : u->role))
		return api_error(
		    req, 403,
		    old ? "role: a client_admin may change users "
			  "of role client_admin or subaccount "
			  "only, not %s"
			: "role: a client_admin may grant "
			  "client_admin or subaccount only, not %s",
		    old ? old->role : u->role);
	return 0;
}

/* The checks of the generic handler that come after this hook (the
 * tenant scope, the unique login), made before a password is hashed. */
static int pre_hash_check(struct api_req *req, const T *u, const void *old)
{
	struct store_user other;
	int err;

	err = api_res_scope_check(req, u);
	if (err || old)
		return err;
	err = store_user_find(req->api->st, u->login, &other);
	if (!err)
		return user_fail(req, EEXIST, u);
	if (err != ENOENT)
		return api_fail(req, err, "user: %m", err);
	return 0;
}

/* The role's needs (create), and the hash of a new password after every
 * other check (a refused request costs no hash). */
static int user_check(struct api_req *req, void *rec, const void *old)
{
	const char *pw = api_str(req, "password");
	enum password_cost cost;
	T *u = rec;
	int r, err;

	err = client_check(req, u, old);
	if (err)
		return err;
	r = role_find(u->role);
	if (!old && r >= 0) {
		if (roles[r].tenant && !u->tenant_id)
			return api_error(req, 422,
					 "tenant_id: is required for role %s",
					 u->role);
		if (!roles[r].tenant && u->tenant_id)
			return api_error(req, 422,
					 "tenant_id: must be null for role %s",
					 u->role);
		if (roles[r].employee && !u->employee_id)
			return api_error(req, 422,
					 "employee_id: is required for role "
					 "%s",
					 u->role);
		if (!roles[r].tenant && u->employee_id)
			return api_error(req, 422,
					 "employee_id: must be null for role "
					 "%s",
					 u->role);
	}
	if (!pw)
		return 0;
	if (!req->pw) { /* pass 1: hashed on a worker (defer.c) */
		struct password_work w;

		/* everything that can refuse the request first: a refused
		 * one takes no worker */
		err = pre_hash_check(req, u, old);
		if (err)
			return err;

		memset(&w, 0, sizeof(w));
		w.op = PASSWORD_OP_HASH;
		err = password_cost_parse(req->api->cfg->password_hash, &cost);
		if (err)
			return err;
		w.cost = cost;
		str_copy(w.new_pw, pw, sizeof(w.new_pw));
		err = api_defer_password(req, &w);
		password_work_wipe(&w);
		return err;
	}
	if (req->pw->op != PASSWORD_OP_HASH || req->pw->err)
		return req->pw->err ? req->pw->err : EINVAL;
	str_copy(u->password_hash, req->pw->new_hash, sizeof(u->password_hash));
	u->failed_logins = 0; /* a new password lifts a lock-out */
	u->locked_until = 0;
	return 0;
}

static int user_fail(struct api_req *req, int err, const void *rec)
{
	const T *u = rec;

	switch (err) {
	case EEXIST:
		return api_fail(req, err, "login: %s is taken", u->login);
	case EXDEV:
		return api_fail(req, err,
				"employee_id: employee %lld belongs to "
				"another tenant",
				(long long)u->employee_id);
	case ENOENT:
		return api_fail(req, err,
				"tenant_id: tenant %lld or employee "
				"%lld does not exist",
				(long long)u->tenant_id,
				(long long)u->employee_id);
	default:
		return api_fail(req, err, "user: %m", err);
	}
}

/* A new password ends the user's other sessions, disabling all of them;
 * the session that changed its own password stays. */
static void user_after(struct api_req *req, enum api_op op, const void *rec,
		       const void *old)
{
	const T *u = rec;
	bool pw = api_has(req, "password");
	int64_t keep = 0, n = 0;
	int err;

	if (op != API_UPDATE || (!pw && !u->disabled))
		return;
	if (!u->disabled && req->token.user_id == u->id)
		keep = req->token.id;
	err = store_token_revoke_user(req->api->st, u->id, keep, &n);
	if (err)
		warning("http: user %lld: sessions not ended: %m\n",
			(long long)u->id, err);
	else
		info("http: user %lld:%s%s, %lld session(s) ended\n",
		     (long long)u->id, pw ? " password changed" : "",
		     u->disabled ? " disabled" : "", (long long)n);
}

static int user_add(struct api_req *req, void *rec)
{
	return store_user_add(req->api->st, rec);
}

API_STORE_GET(user_get, store_user_get)

API_STORE_UPDATE(user_update, store_user_update)

API_LIST_H(user_h, T)

static int user_list(struct api_req *req, const struct api_query *q, void *arg)
{
	return store_user_list(req->api->st, q->tenant_id, user_h, arg);
}

static int user_print(struct re_printf *pf, void *rec)
{
	const T *u = rec;

	return re_hprintf(pf, "%s, %s", u->login, u->role);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

const struct api_resource api_users = {
    .path = "/api/v1/users",
    .noun = "user",
    .label = "user",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = user_get,
    .add = user_add,
    .update = user_update,
    .del = store_user_delete,
    .list = user_list,
    .check = user_check,
    .fail = user_fail,
    .after = user_after,
    .print = user_print,
};
