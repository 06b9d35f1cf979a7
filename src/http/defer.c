/*
 * defer.c - requests whose answer waits for password work (issue 16): a
 * login's check, a new password's hash.  Such work takes a worker thread
 * of the password pool (core/password_pool.c) instead of the main loop,
 * and the request is answered when it is done:
 *
 *   handler, pass 1 (req->pw NULL): the cheap checks, then
 *     api_defer_password(req, work) --pool full--> 503, Retry-After
 *       | the request is copied (connection, message and body
 *       | referenced), the connection holds its next requests
 *       v
 *   worker: hash / check
 *       v
 *   done (main thread): the handler again, pass 2, with req->pw the
 *     finished work; it replies (or defers once more); the connection
 *     takes its next request
 *
 * Pass 2 reads the store afresh (a lock-out or a new password may have
 * come meanwhile), the request's token first: a token or session ended
 * meanwhile (a logout, a new password, a disabled user) gets 401 and its
 * change is not applied.  A client that closed its connection meanwhile gets no
 * answer, but the outcome still counts (a failure is a failure).  At
 * shutdown the pool drops the requests under way: their references go,
 * nobody is answered.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

enum {
	RETRY_AFTER = 1, /* [s] a full pool's 503 */
};

struct defer {
	struct api_req req;     /* the copy; its refs below             */
	struct api_route route; /* req.route points here               */
};

static void defer_destructor(void *arg)
{
	struct defer *d = arg;

	d->req.body = mem_deref(d->req.body);
	mem_deref((void *)d->req.msg);
	mem_deref(d->req.conn);
}

/* Is the token of req (none: a login) still valid at req->now?  0, or
 * the 401 sent. */
static int token_recheck(struct api_req *req)
{
	static const char hdr401[] = "WWW-Authenticate: Bearer\r\n";
	struct store_token t;
	int err;

	if (!req->token.id)
		return 0;
	err = store_token_get(req->api->st, req->token.id, &t);
	if (!err && !api_token_same(&t, &req->token))
		err = ENOENT;
	if (!err)
		req->token = t;
	if (err == ENOENT) {
		info("http: %r %r: token %lld ended during password work: "
		     "401\n",
		     &req->msg->met, &req->msg->path, (long long)req->token.id);
		return api_error_hdrs(req, 401, hdr401,
				      "missing or invalid token");
	}
	if (err)
		return api_fail(req, err, "token");
	return req->token.user_id ? api_session_check(req) : 0;
}

static void done_h(struct password_work *w, void *arg)
{
	struct defer *d = arg;
	struct api_req *req = &d->req;
	int err;

	req->pw = w;
	req->deferred = false;
	req->replied = false;
	req->now = time_now_ms();
	err = token_recheck(req);
	if (!err && !req->replied)
		err = req->route->h(req);
	req->pw = NULL;
	if (req->deferred)
		return; /* once more: a new copy holds the connection */
	if (!req->replied) {
		warning("http: %r %r: no reply after password work (%m)\n",
			&req->msg->met, &req->msg->path, err);
		(void)api_error(req, 500, "internal error");
	}
	api_conn_resume(req->conn);
}

int api_defer_password(struct api_req *req, const struct password_work *w)
{
	struct defer *d;
	int err;

	if (!req || !w || !req->route)
		return EINVAL;
	d = mem_zalloc(sizeof(*d), defer_destructor);
	if (!d)
		return ENOMEM;
	d->req = *req;
	d->route = *req->route;
	d->req.route = &d->route;
	d->req.conn = mem_ref(req->conn);
	d->req.msg = mem_ref((void *)req->msg);
	d->req.body = mem_ref(req->body);
	d->req.pw = NULL;

	err = password_pool_submit(req->api->pwpool, w, done_h, d);
	mem_deref(d); /* the pool's reference, if it took one, keeps it */
	if (err == EBUSY) {
		char hdr[32];

		warning("http: %r %r: password workers busy (%u under way): "
			"503\n",
			&req->msg->met, &req->msg->path,
			password_pool_pending(req->api->pwpool));
		re_snprintf(hdr, sizeof(hdr), "Retry-After: %u\r\n",
			    RETRY_AFTER);
		return api_error_hdrs(req, 503, hdr,
				      "too many logins and password changes "
				      "at once; try again in %u s",
				      RETRY_AFTER);
	}
	if (err)
		return err;
	req->deferred = true;
	api_conn_hold(req->conn);
	return EINPROGRESS;
}
