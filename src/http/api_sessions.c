/*
 * api_sessions.c - /api/v1/sessions: logging in with login and password,
 * and the sessions that a login opens (issue 16).
 *
 *   POST   /api/v1/sessions          {"login","password"} -> 201 a new
 *                                    session token (no token needed);
 *                                    with "cookie": true the token goes
 *                                    into the browser's HttpOnly cookie
 *                                    and the body has its CSRF token
 *                                    instead (issue 19, cookie.c)
 *   GET    /api/v1/sessions          the caller's own sessions (the
 *                                    operator's: everybody's)
 *   GET    /api/v1/sessions/current  who the caller is (the page after a
 *                                    reload), with the CSRF token
 *   DELETE /api/v1/sessions/current  log out: the caller's session ends
 *   DELETE /api/v1/sessions/:id      end a session (own, or any for the
 *                                    operator)
 *
 * A session is an API token (store_token with user_id) that ends
 * --session-lifetime seconds after the login, or once it went unused for
 * --session-idle seconds; api_session_check() enforces both on every
 * request and deletes what has ended.
 *
 * A login, step by step (each refusal counts against the address in
 * login_guard.c, and refusals look alike so that they name no login):
 *
 *   address blocked?  -------------------------------------> 429
 *   login unknown?    -> locked (login_guard.c)? ----------> 429
 *                        check a dummy (same work), count
 *                        as for a user (login_guard.c) ----> 401
 *   login locked?     -------------------------------------> 429
 *   (the check runs on a password worker, defer.c; its queue
 *    full ---------------------------------------------------> 503)
 *   password wrong?   -> count; the --login-max-failures th
 *                        locks it for --login-lockout s ---> 401
 *   user disabled?    -------------------------------------> 403
 *   -> counter reset, session token ---------------------> 201
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

enum {
	TOKEN_BYTES = 32, /* random bytes of a session token (64 hex) */
};

static const char wrong[] = "login or password is wrong";

static const struct api_field login_fields[] = {
    {API_F("login", AK_STR, FF_REQUIRED), .max = 254},
    {API_F("password", AK_STR, FF_REQUIRED | FF_WO), .max = 128},
    {API_F("cookie", AK_BOOL, 0)},
};

static uint32_t secs_until(uint64_t until, uint64_t now)
{
	return (uint32_t)((until - now + 999) / 1000);
}

/* 429 with Retry-After for a wait until `until`. */
static int too_many(struct api_req *req, uint64_t until, const char *what)
{
	char hdr[48];
	uint32_t s = secs_until(until, req->now);

	re_snprintf(hdr, sizeof(hdr), "Retry-After: %u\r\n", s);
	return api_error_hdrs(req, 429, hdr, "%s; try again in %u s", what, s);
}

/* A refused login: counted against the address, then status 401. */
static int refuse(struct api_req *req, const struct sa *peer)
{
	(void)login_guard_fail(req->api->logins, peer, req->now);
	return api_error(req, 401, wrong);
}

void api_login_failed(struct api_req *req, struct store_user *u)
{
	const struct sa *peer = &req->peer;
	const struct config *cfg = req->api->cfg;
	int err;

	if (++u->failed_logins >= cfg->login_max_failures) {
		u->locked_until =
		    req->now + (uint64_t)cfg->login_lockout * 1000;
		u->failed_logins = 0;
		warning("http: login %s from %j: locked for %u s after %u "
			"wrong passwords\n",
			u->login, peer, cfg->login_lockout,
			cfg->login_max_failures);
	}
	else {
		warning("http: login %s from %j: wrong password (%u in a "
			"row)\n",
			u->login, peer, u->failed_logins);
	}
	err = store_user_set_failures(req->api->st, u);
	if (err)
		warning("http: login %s: failures not saved: %m\n", u->login,
			err);
}

/* The 201 of a new session t, whose plain token is token: in the body,
 * or for a browser (cookie) in the cookie, its CSRF token in the body. */
static int reply_session(struct api_req *req, const struct store_token *t,
			 const char *token, bool cookie)
{
	struct odict *o = NULL;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	if (cookie) {
		char csrf[API_CSRF_SZ];

		err |= api_cookie_set_hdr(
		    req->set_cookie, sizeof(req->set_cookie), token,
		    api_cookie_secure(req), req->api->cfg->session_lifetime);
		err |= api_csrf_of(csrf, sizeof(csrf), token);
		err |= api_add_str(o, "csrf_token", csrf);
	}
	else {
		err |= api_add_str(o, "token", token);
	}
	err |= api_add_int(o, "id", t->id);
	err |= api_add_int(o, "user_id", t->user_id);
	err |= api_add_str(o, "role", t->role);
	err |= api_add_id(o, "tenant_id", t->tenant_id);
	err |= api_add_id(o, "employee_id", t->employee_id);
	err |= api_add_time(o, "expires_at", t->expires_at);
	err |= api_add_int(o, "idle_timeout", req->api->cfg->session_idle);
	err = err ? ENOMEM : api_reply_object(req, 201, o);
	mem_deref(o);
	return err;
}

/* A browser logging in again ends the session its cookie held (another
 * user's, perhaps): the new cookie replaces it, and the old session
 * must not live on unseen. */
static void end_cookie_session(struct api_req *req)
{
	char token[API_TOKEN_MAX + 1];
	struct store_token old;

	if (api_cookie_find(req->msg, api_cookie_name(api_cookie_secure(req)),
			    token, sizeof(token)))
		return;
	if (!store_token_check(req->api->st, token, &old) && old.user_id &&
	    !store_token_delete(req->api->st, old.id))
		info("http: session %lld (user %lld): replaced by a new "
		     "login in the same browser\n",
		     (long long)old.id, (long long)old.user_id);
	memset(token, 0, sizeof(token));
}

/*
 * A login into the cookie (a browser's): from our own page only.  A
 * form on another site can POST text/plain or a form encoding without
 * asking (no CORS preflight), and with the attacker's password it would
 * log the victim's browser into the attacker's account.  So: JSON only,
 * and an Origin / Sec-Fetch-Site that is ours.  0, or EBADMSG after the
 * error reply.
 */
static int cookie_login_check(struct api_req *req)
{
	const struct http_hdr *ct;
	struct pl type;

	ct = http_msg_hdr(req->msg, HTTP_HDR_CONTENT_TYPE);
	if (ct) {
		type = ct->val;
		if (!re_regex(type.p, type.l, "[^;]+", &type))
			while (type.l && type.p[type.l - 1] == ' ')
				--type.l;
	}
	if (!ct || pl_strcasecmp(&type, "application/json")) {
		warning("http: login from %j: a cookie login without a JSON "
			"Content-Type\n",
			&req->peer);
		(void)api_error(req, 415,
				"Content-Type: a login with \"cookie\": true "
				"must be application/json");
		return EBADMSG;
	}
	if (!api_origin_ours(req->msg, req->api->cfg, false)) {
		warning("http: login from %j: a cookie login from another "
			"site's page\n",
			&req->peer);
		(void)api_error(req, 403,
				"origin: a login with \"cookie\": true must "
				"come from this server's own page");
		return EBADMSG;
	}
	return 0;
}

/* Open a session for u. */
static int session_open(struct api_req *req, const struct store_user *u,
			const struct sa *peer)
{
	char token[2 * TOKEN_BYTES + 1];
	struct store_token t;
	struct sa sa;
	int err;

	if (api_conn_peer(req->conn, &sa)) { /* it went while we checked */
		info("http: login %s (user %lld) from %j: the client left "
		     "before the answer; no session\n",
		     u->login, (long long)u->id, peer);
		req->replied = true;
		return 0;
	}
	memset(&t, 0, sizeof(t));
	str_copy(t.role, u->role, sizeof(t.role));
	t.tenant_id = u->tenant_id;
	t.employee_id = u->employee_id;
	re_snprintf(t.name, sizeof(t.name), "session of %s", u->login);
	t.user_id = u->id;
	t.created_at = req->now;
	t.last_used_at = req->now;
	t.expires_at =
	    req->now + (uint64_t)req->api->cfg->session_lifetime * 1000;
	str_random_hex(token, TOKEN_BYTES);
	err = store_token_add(req->api->st, token, &t);
	if (err)
		return api_fail(req, err, "session: %m", err);
	info("http: login %s (user %lld) from %j: session %lld\n", u->login,
	     (long long)u->id, peer, (long long)t.id);
	if (api_bool(req, "cookie", false))
		end_cookie_session(req);
	err = reply_session(req, &t, token, api_bool(req, "cookie", false));
	memset(token, 0, sizeof(token));
	memset(req->set_cookie, 0, sizeof(req->set_cookie));
	return err;
}

/* Pass 1 of a login: the password check goes to a worker (defer.c),
 * against the user's hash or, for an unknown login, a dummy one (the same
 * work, the same queue, the same 503 when it is full). */
static int check_later(struct api_req *req, enum password_op op,
		       const char *hash, const char *pw,
		       enum password_cost cost)
{
	struct password_work w;
	int err;

	memset(&w, 0, sizeof(w));
	w.op = op;
	w.cost = cost;
	str_copy(w.hash, hash ? hash : "", sizeof(w.hash));
	str_copy(w.pw, pw, sizeof(w.pw));
	err = api_defer_password(req, &w);
	password_work_wipe(&w);
	return err;
}

static int session_login(struct api_req *req)
{
	const struct config *cfg = req->api->cfg;
	const struct sa *peer = &req->peer;
	const struct password_work *done = req->pw;
	const char *login, *pw;
	enum password_cost cost = PASSWORD_INTERACTIVE;
	struct store_user u;
	uint64_t until;
	int err;

	err = api_body_check(req, login_fields, ARRAY_SIZE(login_fields));
	if (err)
		return err;
	login = api_str(req, "login");
	pw = api_str(req, "password");
	(void)password_cost_parse(cfg->password_hash, &cost);
	if (api_bool(req, "cookie", false) && cookie_login_check(req))
		return 0;

	until = login_guard_blocked(req->api->logins, peer, req->now);
	if (until)
		return too_many(req, until,
				"too many failed logins from this address");

	err = store_user_find(req->api->st, login, &u);
	if (err == ENOENT || err == EINVAL) {
		/* counted and locked like a user's own: the same answers */
		until =
		    login_guard_name_locked(req->api->logins, login, req->now);
		if (until) {
			(void)login_guard_fail(req->api->logins, peer,
					       req->now);
			return too_many(req, until,
					"login is locked after too many wrong "
					"passwords");
		}
		if (!done)
			return check_later(req, PASSWORD_OP_DUMMY, NULL, pw,
					   cost);
		warning("http: login from %j: unknown login\n", peer);
		(void)login_guard_name_fail(req->api->logins, login, peer,
					    req->now);
		return refuse(req, peer);
	}
	if (err)
		return api_fail(req, err, "login: %m", err);

	if (u.locked_until > req->now) {
		(void)login_guard_fail(req->api->logins, peer, req->now);
		return too_many(req, u.locked_until,
				"login is locked after too many wrong "
				"passwords");
	}
	if (!done)
		return check_later(req, PASSWORD_OP_VERIFY, u.password_hash, pw,
				   cost);
	/* checked against the hash stored now (a new one meanwhile: no) */
	if (!(done->op == PASSWORD_OP_VERIFY && done->ok &&
	      !strcmp(done->hash, u.password_hash))) {
		api_login_failed(req, &u);
		return refuse(req, peer);
	}
	if (u.disabled) {
		warning("http: login %s from %j: user is disabled\n", u.login,
			peer);
		return api_error(req, 403, "login is disabled");
	}
	if (u.failed_logins || u.locked_until) {
		u.failed_logins = 0;
		u.locked_until = 0;
		err = store_user_set_failures(req->api->st, &u);
		if (err)
			return api_fail(req, err, "login: %m", err);
	}
	return session_open(req, &u, peer);
}

/* ---- checking a session on each request ------------------------------ */

bool api_token_same(const struct store_token *a, const struct store_token *b)
{
	return a->id == b->id && a->created_at == b->created_at &&
	       a->user_id == b->user_id && a->tenant_id == b->tenant_id &&
	       a->employee_id == b->employee_id && !strcmp(a->role, b->role);
}

int api_session_check(struct api_req *req)
{
	static const char hdr401[] = "WWW-Authenticate: Bearer "
				     "error=\"invalid_token\"\r\n";
	const struct store_token *t = &req->token;
	const uint64_t idle = (uint64_t)req->api->cfg->session_idle * 1000;
	const char *why = NULL;
	int err;

	if (t->expires_at && req->now >= t->expires_at)
		why = "session expired";
	else if (idle && req->now >= t->last_used_at + idle)
		why = "session expired after being idle";
	if (why) {
		info("http: session %lld (user %lld): %s\n", (long long)t->id,
		     (long long)t->user_id, why);
		(void)store_token_delete(req->api->st, t->id);
		return api_error_hdrs(req, 401, hdr401, "%s; log in again",
				      why);
	}
	/* one write per session at most every second, or every 1/16 of
	 * the idle time if that is shorter: the idle time is kept to 6 % */
	if (req->now >=
	    t->last_used_at + (idle && idle < 16000 ? idle / 16 : 1000)) {
		err = store_token_touch(req->api->st, t->id, req->now);
		if (err)
			warning("http: session %lld: not touched: %m\n",
				(long long)t->id, err);
	}
	return 0;
}

/* ---- listing and ending sessions ------------------------------------- */

static bool is_operator(const struct store_token *t)
{
	return !strcmp(t->role, "operator") || !strcmp(t->role, "admin");
}

struct list_arg {
	const struct api_req *req;
	struct odict *arr;
};

static int session_encode(const struct store_token *t, void *arg)
{
	struct list_arg *l = arg;
	const uint64_t idle = (uint64_t)l->req->api->cfg->session_idle * 1000;
	struct odict *o = NULL;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err |= api_add_int(o, "id", t->id);
	err |= api_add_int(o, "user_id", t->user_id);
	err |= api_add_str(o, "role", t->role);
	err |= api_add_id(o, "tenant_id", t->tenant_id);
	err |= api_add_id(o, "employee_id", t->employee_id);
	err |= api_add_time(o, "created_at", t->created_at);
	err |= api_add_time(o, "last_used_at", t->last_used_at);
	err |= api_add_time(o, "expires_at", t->expires_at);
	err |= api_add_time(o, "idle_expires_at",
			    idle ? t->last_used_at + idle : 0);
	err |= api_add_bool(o, "current", t->id == l->req->token.id);
	if (!err)
		err = api_list_append(l->arr, o);
	mem_deref(o);
	return err ? ENOMEM : 0;
}

/* The operator sees every session (?user_id= one user's), anyone else
 * those of its own user; an API token that is no session has none. */
static int session_list(struct api_req *req)
{
	static const struct api_param params[] = {
	    {"user_id", AP_ID, offsetof(struct api_query, employee_id), 0, 0,
	     0},
	};
	struct list_arg l = {req, NULL};
	struct api_query q;
	int64_t user_id;
	int err;

	err = api_query_read(req, params, ARRAY_SIZE(params), &q);
	if (err)
		return err;
	user_id = is_operator(&req->token) ? q.employee_id : req->token.user_id;
	err = api_list_alloc(&l.arr);
	if (err)
		return err;
	if (user_id || is_operator(&req->token))
		err = store_token_sessions(
		    req->api->st, user_id, req->now,
		    (uint64_t)req->api->cfg->session_idle * 1000,
		    session_encode, &l);
	err = err ? api_fail(req, err, "sessions: %m", err)
		  : api_reply_list(req, l.arr);
	mem_deref(l.arr);
	return err;
}

static int session_logout(struct api_req *req)
{
	int err;

	if (!req->token.user_id)
		return api_error(req, 422,
				 "token: is an API token, not a session; "
				 "it cannot log out");
	err = store_token_delete(req->api->st, req->token.id);
	if (err && err != ENOENT)
		return api_fail(req, err, "session: %m", err);
	/* its event streams and browser phones end now, not at a ping */
	(void)api_events_revoke_gone(req->api);
	(void)api_phone_revoke_gone();
	if (req->cookie) /* the browser forgets it */
		(void)api_cookie_set_hdr(req->set_cookie,
					 sizeof(req->set_cookie), NULL,
					 api_cookie_secure(req), 0);
	info("http: session %lld (user %lld): logged out\n",
	     (long long)req->token.id, (long long)req->token.user_id);
	return api_reply_no_content(req);
}

/* Who the caller is: its token's role and scope, its login's name, and
 * for a browser's session cookie the CSRF token of its changes. */
static int session_current(struct api_req *req)
{
	const struct store_token *t = &req->token;
	struct store_user u;
	struct odict *o = NULL;
	int err;

	memset(&u, 0, sizeof(u));
	if (t->user_id) {
		err = store_user_get(req->api->st, t->user_id, &u);
		if (err && err != ENOENT)
			return api_fail(req, err, "session: %m", err);
	}
	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err |= api_add_int(o, "id", t->id);
	err |= api_add_id(o, "user_id", t->user_id);
	err |= api_add_str_or_null(o, "login", u.login);
	err |= api_add_str(o, "role", t->role);
	err |= api_add_id(o, "tenant_id", t->tenant_id);
	err |= api_add_id(o, "employee_id", t->employee_id);
	err |= api_add_time(o, "expires_at", t->expires_at);
	err |= api_add_bool(o, "cookie", req->cookie);
	err |=
	    api_add_str_or_null(o, "csrf_token", req->cookie ? req->csrf : "");
	err = err ? ENOMEM : api_reply_object(req, 200, o);
	mem_deref(o);
	return err;
}

static int session_delete(struct api_req *req)
{
	struct store_token t;
	int err;

	err = store_token_get(req->api->st, req->id, &t);
	/* API tokens are no sessions; another user's are not found */
	if (err == ENOENT || (!err && !t.user_id) ||
	    (!err && !is_operator(&req->token) &&
	     t.user_id != req->token.user_id))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "session: %m", err);
	err = store_token_delete(req->api->st, t.id);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "session: %m", err);
	info("http: session %lld (user %lld): ended by token %lld\n",
	     (long long)t.id, (long long)t.user_id, (long long)req->token.id);
	return api_reply_no_content(req);
}

static const struct api_action actions[] = {
    {"POST", "", session_login},
    {"GET", "", session_list},
    {"GET", "/current", session_current},
    {"DELETE", "/current", session_logout},
    {"DELETE", "/:id", session_delete},
};

void api_sessions_init(const struct config *cfg)
{
	enum password_cost cost = PASSWORD_INTERACTIVE;

	(void)password_cost_parse(cfg->password_hash, &cost);
	password_verify_dummy("", cost);
}

bool api_sessions_public(const struct api_route *r)
{
	return r->h == session_login;
}

const struct api_resource api_sessions = {
    .path = "/api/v1/sessions",
    .noun = "session",
    .label = "session",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
