/*
 * api_password.c - POST /api/v1/users/me/password: a logged-in user sets
 * its own new password with its current one (issue 16), whatever its
 * role.  Only a session (a password login) has a user; an API token gets
 * a 422.
 *
 *   {"current_password": "...", "new_password": "..."}
 *     new one too weak -----------------------------> 422 new_password
 *     login locked ---------------------------------> 429 Retry-After
 *     check and hash on a password worker (defer.c; busy: 503)
 *     current one wrong: counted like a wrong login -> 403
 *                                                    current_password
 *     -> new hash, counter reset; the user's other sessions end, this
 *        one stays --------------------------------> 204
 *
 * A wrong current password counts against the login as a failed login
 * does (api_login_failed): a stolen session cannot guess the password
 * faster than a login could.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

enum {
	PASSWORD_MIN = 10,  /* characters, as api_users.c's */
	PASSWORD_MAX = 128, /* bytes */
};

static const struct api_field fields[] = {
    {API_F("current_password", AK_STR, FF_REQUIRED | FF_WO),
     .max = PASSWORD_MAX},
    {API_F("new_password", AK_STR, FF_REQUIRED | FF_WO), .max = PASSWORD_MAX},
};

/* Pass 1: check the current password and hash the new one on a worker. */
static int change_later(struct api_req *req, const struct store_user *u,
			const char *cur, const char *pw)
{
	enum password_cost cost = PASSWORD_INTERACTIVE;
	struct password_work w;
	int err;

	(void)password_cost_parse(req->api->cfg->password_hash, &cost);
	memset(&w, 0, sizeof(w));
	w.op = PASSWORD_OP_CHANGE;
	w.cost = cost;
	str_copy(w.hash, u->password_hash, sizeof(w.hash));
	str_copy(w.pw, cur, sizeof(w.pw));
	str_copy(w.new_pw, pw, sizeof(w.new_pw));
	err = api_defer_password(req, &w);
	password_work_wipe(&w);
	return err;
}

static int password_change(struct api_req *req)
{
	const struct password_work *done = req->pw;
	const char *cur, *pw;
	struct store_user u;
	int64_t n = 0;
	int err;

	if (!req->token.user_id)
		return api_error(req, 422,
				 "token: is an API token, not a session; it "
				 "has no password");
	err = api_body_check(req, fields, ARRAY_SIZE(fields));
	if (err)
		return err;
	cur = api_str(req, "current_password");
	pw = api_str(req, "new_password");
	if (str_utf8_chars(pw) < PASSWORD_MIN)
		return api_error(req, 422,
				 "new_password: must be at least %u characters",
				 PASSWORD_MIN);

	err = store_user_get(req->api->st, req->token.user_id, &u);
	if (err == ENOENT)
		return api_error(req, 404, "user %lld not found",
				 (long long)req->token.user_id);
	if (err)
		return api_fail(req, err, "user: %m", err);
	if (u.locked_until > req->now) {
		char hdr[48];
		uint32_t s =
		    (uint32_t)((u.locked_until - req->now + 999) / 1000);

		re_snprintf(hdr, sizeof(hdr), "Retry-After: %u\r\n", s);
		return api_error_hdrs(req, 429, hdr,
				      "login is locked after too many wrong "
				      "passwords; try again in %u s",
				      s);
	}
	if (!done)
		return change_later(req, &u, cur, pw);

	/* checked against the hash stored now (a new one meanwhile: no) */
	if (!(done->op == PASSWORD_OP_CHANGE && done->ok &&
	      !strcmp(done->hash, u.password_hash))) {
		api_login_failed(req, &u);
		return api_error(req, 403, "current_password: is wrong");
	}
	if (done->err)
		return done->err;
	str_copy(u.password_hash, done->new_hash, sizeof(u.password_hash));
	u.failed_logins = 0;
	u.locked_until = 0;
	err = store_user_update(req->api->st, &u);
	if (err)
		return api_fail(req, err, "user: %m", err);
	err = store_token_revoke_user(req->api->st, u.id, req->token.id, &n);
	if (err)
		warning("http: user %lld: sessions not ended: %m\n",
			(long long)u.id, err);
	info("http: user %lld: own password changed by session %lld, %lld "
	     "other session(s) ended\n",
	     (long long)u.id, (long long)req->token.id, (long long)n);
	return api_reply_no_content(req);
}

static const struct api_action actions[] = {
    {"POST", "", password_change},
};

const struct api_resource api_user_password = {
    .path = "/api/v1/users/me/password",
    .noun = "user",
    .label = "password",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
