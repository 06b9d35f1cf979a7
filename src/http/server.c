/*
 * server.c - the HTTP listener of the provisioning API.  It answers
 * GET /health without a token, hands paths outside /api/ to the web front
 * end's files (web.c) and sends everything under /api/v1/ through the
 * same steps: bearer token or the browser's session cookie with its CSRF
 * token (cookie.c), route table, role check, body, handler
 * (see the diagram in http_int.h); only the login (POST /api/v1/sessions)
 * goes without token and role check.  The routes come from the table of
 * resources below: the generic create/list/get/update/delete of
 * resource.c where a resource has the store operation, and the actions a
 * resource adds.
 *
 * This file is also the one place where errno values become HTTP status
 * codes (api_status_of); roles.c says who may use which route.  The
 * connections themselves are conn.c's: it asks this file how large a
 * body a request's route takes before it reads one.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

/* The whole API surface: each resource's table says which of the
 * generic routes below it has (by its store operations) and adds routes
 * of its own (actions).  A new resource is its file and a row here. */
static const struct api_resource *const resources[] = {
    &api_tenants, &api_employees, &api_devices, &api_number_blocks,
    &api_numbers, &api_announcements, &api_trunks,
    &api_call_export, /* issue 20: before /calls/:id */
    &api_calls_live,  /* issue 20: before /calls/:id */
    &api_calls, &api_registrations, &api_auth_blocks, &api_stats, &api_nodes,
    &api_schedules, &api_ivr_menus, &api_outbox, &api_mailboxes, &api_messages,
    &api_prompts, &api_external_targets, &api_digit_inputs, &api_ring_groups,
    &api_events, &api_queues, &api_agents,
    &api_phone,         /* issue 19: the browser phone's signalling */
    &api_vips,          /* issue 15: VIP callers */
    &api_callbacks,     /* issue 15: queue callbacks */
    &api_employees_csv, /* issue 16: employees as a CSV file */
    /* issue 16: absence info, appointments, on-call */
    &api_employee_availability, &api_appointments, &api_oncall_schedules,
    &api_oncall_overrides,
    &api_profiles,             /* issue 16: client profile with dated changes */
    &api_tokens,               /* issue 16: tokens of the four roles */
    &api_routes,               /* issue 16: the route table with its roles */
    &api_users, &api_sessions, /* issue 16: password logins, sessions */
    &api_user_password,        /* issue 16: one's own new password */
    &api_audit, &api_retention, &api_retention_purge, &api_export,
    &api_deletion, /* issue 16: audit trail, keep-times, export, deletion */
    /* issue 16: allow/block lists, the advertising list, classify */
    &api_caller_lists, &api_ad_callers,
    &api_callers,                   /* caller settings, classify */
    &api_forwardings,               /* issue 17: forwarded calls */
    &api_notes, &api_note_settings, /* issue 17: call notes */
    &api_sms, /* issue 17: the SMS gateway's delivery reports */
    /* issue 17: Web Push */
    &api_push, &api_push_subscriptions,
    /* issue 17: dashboard, call statistics */
    &api_dashboard, &api_billing, /* issue 18: tariffs, the itemised bill */
    &api_invoices_tenant, &api_invoices, &api_revenue, /* issue 18 */
    &api_tasks, &api_task_report, /* issue 18: assistants' tasks */
    &api_backup,                  /* issue 20: online backup */
    &api_status, &api_reload,     /* issue 20: switchboard-ctl */
};

enum api_gen {
	GEN_CREATE = 0,
	GEN_LIST,
	GEN_GET,
	GEN_UPDATE,
	GEN_DELETE,
};

/* The generic routes, in the order an Allow header lists them. */
static const struct {
	enum api_gen gen;
	const char *method;
	const char *suffix; /* after the resource's path */
	api_route_h *h;
} generic[] = {
    {GEN_CREATE, "POST", "", api_res_create},
    {GEN_LIST, "GET", "", api_res_list},
    {GEN_GET, "GET", "/:id", api_res_get},
    {GEN_UPDATE, "PATCH", "/:id", api_res_update},
    {GEN_DELETE, "DELETE", "/:id", api_res_delete},
};

/* Does res have the generic route gen (the store operation it needs)? */
static bool res_has(const struct api_resource *res, enum api_gen gen)
{
	switch (gen) {
	case GEN_CREATE:
		return res->add != NULL;
	case GEN_LIST:
		return res->list != NULL;
	case GEN_GET:
		return res->get != NULL;
	case GEN_UPDATE:
		return res->update != NULL;
	case GEN_DELETE:
		return res->del != NULL;
	}
	return false;
}

/* errno -> HTTP status; anything not listed is a 500. */
static const struct {
	int err;
	uint16_t status;
} err_status[] = {
    {EBADMSG, 400}, /* malformed request                          */
    {EPERM, 422},   /* a rule forbids it                          */
    {EINVAL, 422},  /* a value the store refused                  */
    {ENOENT, 422},  /* a referenced record does not exist          */
    {EXDEV, 422},   /* records of different tenants               */
    {ERANGE, 422},  /* number outside the tenant's blocks         */
    {EEXIST, 409},  /* unique value taken                         */
    {EBUSY, 409},   /* record in use                              */
    {EACCES, 409},  /* number inactive                            */
    {EMSGSIZE, 413},
};

static const struct {
	uint16_t status;
	const char *reason;
} reasons[] = {
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {409, "Conflict"},
    {413, "Payload Too Large"},
    {422, "Unprocessable Entity"},
    {426, "Upgrade Required"},
    {429, "Too Many Requests"},
    {500, "Internal Server Error"},
    {503, "Service Unavailable"},
};

uint16_t api_status_of(int err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(err_status); i++) {
		if (err_status[i].err == err)
			return err_status[i].status;
	}
	return 500;
}

const char *api_reason(uint16_t status)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(reasons); i++) {
		if (reasons[i].status == status)
			return reasons[i].reason;
	}
	return status < 500 ? "Bad Request" : "Internal Server Error";
}

const struct api_resource *api_res_by_path(const char *path, size_t n)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(resources); i++) {
		const struct api_resource *res = resources[i];

		if (res->get && strlen(res->path) == n &&
		    !strncmp(res->path, path, n))
			return res;
	}
	return NULL;
}

static void destructor(void *arg)
{
	struct http_api *api = arg;

	/* first: requests waiting for password work go unanswered */
	api->pwpool = mem_deref(api->pwpool);
	api_retention_stop(api);
	api->backup = mem_deref(api->backup);
	api->events = mem_deref(api->events);
	api_phone_close_all();
	api->logins = mem_deref(api->logins);
	api->sock = mem_deref(api->sock);
	api->ssock = mem_deref(api->ssock);
	api->msock = mem_deref(api->msock);
}

/* Does path (one segment per '/') fit pattern?  A ":id" or ":key" segment
 * of the pattern matches any non-empty segment, returned in *idseg. */
static bool path_match(const char *pat, const struct pl *path, struct pl *idseg)
{
	const char *p = path->p, *end = path->p + path->l;
	struct pl id = PL_INIT;

	while (*pat && p < end) {
		const char *ps, *s;
		size_t pn, sn;

		if (*pat != '/' || *p != '/')
			return false;
		ps = ++pat;
		s = ++p;
		while (*pat && *pat != '/')
			++pat;
		while (p < end && *p != '/')
			++p;
		pn = (size_t)(pat - ps);
		sn = (size_t)(p - s);

		if (pn > 1 && ps[0] == ':') {
			if (!sn)
				return false;
			id.p = s;
			id.l = sn;
		}
		else if (pn != sn || memcmp(ps, s, sn)) {
			return false;
		}
	}
	if (*pat || p != end)
		return false;
	*idseg = id;
	return true;
}

/* Fill in route r of res and call h with it. */
static int route_call(api_route_walk_h *h, void *arg,
		      const struct api_resource *res, const char *method,
		      const char *suffix, api_route_h *rh, uint64_t raw_max)
{
	struct api_route r;

	re_snprintf(r.pattern, sizeof(r.pattern), "%s%s", res->path, suffix);
	r.method = method;
	r.res = res;
	r.h = rh;
	r.raw_max = raw_max;
	return h(&r, arg);
}

int api_routes_walk(api_route_walk_h *h, void *arg)
{
	size_t i, j;
	int err;

	if (!h)
		return EINVAL;
	for (i = 0; i < ARRAY_SIZE(resources); i++) {
		const struct api_resource *res = resources[i];

		for (j = 0; j < ARRAY_SIZE(generic); j++) {
			if (!res_has(res, generic[j].gen))
				continue;
			err = route_call(h, arg, res, generic[j].method,
					 generic[j].suffix, generic[j].h, 0);
			if (err)
				return err;
		}
		for (j = 0; j < res->actionc; j++) {
			const struct api_action *a = &res->actionv[j];

			err = route_call(h, arg, res, a->method, a->suffix,
					 a->h, 0);
			if (err)
				return err;
		}
		for (j = 0; j < res->raw_actionc; j++) {
			const struct api_action *a = &res->raw_actionv[j];

			err = route_call(h, arg, res, a->method, a->suffix,
					 a->h, res->raw_max);
			if (err)
				return err;
		}
	}
	return 0;
}

/* What route_find looks for and finds. */
struct route_lookup {
	const struct http_msg *msg;
	struct api_route *r;
	struct pl *idseg;
	char *allow;
	size_t sz;
};

/* Is r the route of the request (1: *l->r filled in)?  Else its method
 * is added to allow if the path fits. */
static int route_try(const struct api_route *r, void *arg)
{
	struct route_lookup *l = arg;

	if (!path_match(r->pattern, &l->msg->path, l->idseg))
		return 0;
	if (!pl_strcmp(&l->msg->met, r->method)) {
		*l->r = *r;
		return 1;
	}
	if (l->allow[0])
		strncat(l->allow, ", ", l->sz - strlen(l->allow) - 1);
	strncat(l->allow, r->method, l->sz - strlen(l->allow) - 1);
	return 0;
}

/*
 * Find the route for method and path into *r.  false if there is none;
 * then allow lists the methods the path has ("" if the path is unknown).
 */
static bool route_find(const struct http_msg *msg, struct api_route *r,
		       struct pl *idseg, char *allow, size_t sz)
{
	struct route_lookup l = {msg, r, idseg, allow, sz};

	allow[0] = '\0';
	return api_routes_walk(route_try, &l) == 1;
}

/* :id must be a positive decimal int64: 0, EINVAL if it is no such
 * number (then nothing has that id), ERANGE if it is all digits but
 * larger than an id can be. */
static int id_parse(const struct pl *seg, int64_t *idp)
{
	int64_t v = 0;
	size_t i;

	if (!seg->l)
		return EINVAL;
	for (i = 0; i < seg->l; i++) {
		if (seg->p[i] < '0' || seg->p[i] > '9')
			return EINVAL;
	}
	for (i = 0; i < seg->l; i++) {
		if (v > (INT64_MAX - (seg->p[i] - '0')) / 10)
			return ERANGE;
		v = v * 10 + (seg->p[i] - '0');
	}
	*idp = v;
	return v > 0 ? 0 : EINVAL;
}

/*
 * A request authenticated by the session cookie (cookie.c): its CSRF
 * token is known from now on (GET /api/v1/sessions/current shows it); a
 * change must carry it as X-CSRF-Token, and the event stream must be
 * opened from our own page (Origin is the Host: no cross-site WebSocket
 * hijacking).  0, or EBADMSG after a 403.
 */
static int cookie_check(struct api_req *req, const char *token)
{
	const struct http_hdr *h;

	if (api_csrf_of(req->csrf, sizeof(req->csrf), token))
		return api_error(req, 403, "csrf token missing or wrong");
	if (api_request_changes(req->msg)) {
		h = http_msg_xhdr(req->msg, "X-CSRF-Token");
		if (!h || !api_csrf_ok(token, &h->val)) {
			warning("http: %r %r from %j: csrf token missing or "
				"wrong\n",
				&req->msg->met, &req->msg->path, &req->peer);
			return api_error(req, 403,
					 "csrf token missing or wrong");
		}
	}
	if (!req->token.user_id) { /* an API token is no browser session */
		warning("http: %r %r from %j: token %lld in the session "
			"cookie is not a session\n",
			&req->msg->met, &req->msg->path, &req->peer,
			(long long)req->token.id);
		(void)api_cookie_set_hdr(req->set_cookie,
					 sizeof(req->set_cookie), NULL,
					 api_cookie_secure(req), 0);
		return api_error(req, 401, "missing or invalid token");
	}
	if (!pl_strcmp(&req->msg->path, api_events.path) ||
	    !pl_strcmp(&req->msg->path, api_phone.path)) {
		if (!api_origin_ours(req->msg, req->api->cfg, true)) {
			warning("http: events from %j: origin not ours\n",
				&req->peer);
			return api_error(req, 403,
					 "origin: must be this server's own "
					 "page for a session cookie");
		}
	}
	return 0;
}

/* Authorization: Bearer <token>  ->  req->token, or a 401 reply.  The
 * event stream also takes it where a browser can put it (events.c); a
 * browser's page sends the session cookie (cookie.c). */
static int auth(struct api_req *req)
{
	static const char hdr401[] = "WWW-Authenticate: Bearer\r\n";
	const struct http_hdr *hdr;
	char token[API_TOKEN_MAX + 1];
	struct pl v, scheme;
	const char *sp;
	int err;

	hdr = http_msg_hdr(req->msg, HTTP_HDR_AUTHORIZATION);
	if (!hdr &&
	    (!pl_strcmp(&req->msg->path, api_events.path) ||
	     !pl_strcmp(&req->msg->path, api_phone.path)) &&
	    api_events_token(req, token, sizeof(token)))
		goto check;
	if (!hdr) {
		err = api_cookie_find(req->msg,
				      api_cookie_name(api_cookie_secure(req)),
				      token, sizeof(token));
		if (err == EEXIST) {
			warning("http: %r %r from %j: two session cookies\n",
				&req->msg->met, &req->msg->path, &req->peer);
			req->cookie = true; /* cleared with the 401 */
			goto unauthorized;
		}
		if (!err) {
			req->cookie = true;
			goto check;
		}
		goto unauthorized;
	}

	v = hdr->val;
	sp = memchr(v.p, ' ', v.l);
	if (!sp)
		goto unauthorized;
	scheme.p = v.p;
	scheme.l = (size_t)(sp - v.p);
	pl_advance(&v, scheme.l);
	while (v.l && v.p[0] == ' ')
		pl_advance(&v, 1);
	if (pl_strcasecmp(&scheme, "Bearer") || !v.l || v.l >= sizeof(token) ||
	    memchr(v.p, ' ', v.l))
		goto unauthorized;
	str_from_pl(token, sizeof(token), &v);

check:
	err = store_token_check(req->api->st, token, &req->token);
	if (err == ENOENT || err == EINVAL || err == EACCES)
		goto unauthorized;
	if (err)
		return api_fail(req, err, "token");
	/* an API token past its expires_at (a session's end is
	 * api_session_check's) */
	if (!req->token.user_id && api_token_expired(&req->token, req->now)) {
		if (req->cookie)
			goto unauthorized;
		return api_error_hdrs(req, 401, hdr401, "token: expired");
	}
	if (req->cookie) {
		err = cookie_check(req, token);
		if (err)
			return err;
	}
	if (!req->token.user_id) {
		/* an API token's last use, to the minute (one write a
		 * minute at most: lists show it) */
		if (req->now >= req->token.last_used_at + API_TOKEN_USED_MS &&
		    store_token_touch(req->api->st, req->token.id, req->now))
			warning("http: token %lld: last use not stored\n",
				(long long)req->token.id);
		return 0;
	}
	if (req->cookie) /* if the session ended, the cookie goes too */
		(void)api_cookie_set_hdr(req->set_cookie,
					 sizeof(req->set_cookie), NULL,
					 api_cookie_secure(req), 0);
	err = api_session_check(req);
	if (!err)
		req->set_cookie[0] = '\0';
	return err;

unauthorized:
	if (req->cookie)
		(void)api_cookie_set_hdr(req->set_cookie,
					 sizeof(req->set_cookie), NULL,
					 api_cookie_secure(req), 0);
	return api_error_hdrs(req, 401, hdr401, "missing or invalid token");
}

static void api_dispatch(struct api_req *req)
{
	struct api_route route;
	char allow[64];
	struct pl idseg = PL_INIT;
	bool open;
	int err;

	if (route_find(req->msg, &route, &idseg, allow, sizeof(allow)))
		req->route = &route;
	open = req->route &&
	       (api_sessions_public(req->route) ||
		api_notes_public(req->route) || api_sms_public(req->route));

	if (!open) {
		err = auth(req);
		if (err)
			return;
	}
	if (!req->route) {
		char hdr[96];

		if (!allow[0]) {
			(void)api_error(req, 404, "no such resource: %r",
					&req->msg->path);
			return;
		}
		re_snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
		(void)api_error_hdrs(req, 405, hdr,
				     "method %r not allowed here; use %s",
				     &req->msg->met, allow);
		return;
	}

	if (idseg.p && strstr(req->route->pattern, "/:key"))
		req->key = idseg;
	else if (idseg.p && (err = id_parse(&idseg, &req->id)) == ERANGE) {
		(void)api_error(req, 400, "id: %b is too large (at most %lld)",
				idseg.p, idseg.l > 32 ? (size_t)32 : idseg.l,
				(long long)INT64_MAX);
		return;
	}
	else if (idseg.p && err) {
		(void)api_error(req, 404, "%s %b not found",
				req->route->res->noun, idseg.p,
				idseg.l > 32 ? (size_t)32 : idseg.l);
		return;
	}

	if (!open && api_role_check(req))
		return;

	req->create = !strcmp(req->route->method, "POST");
	if (!req->route->raw_max &&
	    (req->create || !strcmp(req->route->method, "PATCH"))) {
		err = api_body_decode(req);
		if (err)
			return;
	}

	err = req->route->h(req);
	if (!req->replied && !req->deferred) {
		warning("http: %r %r: no reply (%m)\n", &req->msg->met,
			&req->msg->path, err);
		(void)api_error(req, 500, "internal error");
	}
}

/* GET /metrics (metrics.c): the operator's token, any other role 403 */
static void metrics_serve(struct api_req *req)
{
	if (pl_strcmp(&req->msg->met, "GET")) {
		(void)api_error_hdrs(req, 405, "Allow: GET\r\n",
				     "method %r not allowed here; use GET",
				     &req->msg->met);
		return;
	}
	if (auth(req))
		return;
	if (strcmp(req->token.role, "operator")) {
		(void)api_error(req, 403, "role %s may not GET /metrics",
				req->token.role);
		return;
	}
	if (api_scope_check(req, "GET", "/metrics"))
		return;
	(void)api_metrics(req);
}

/* How large a body the route of msg takes: a raw action's own limit,
 * else a JSON body's (larger bodies are not read; body.c or the action
 * answers 413). */
static uint64_t http_head_handler(const struct http_msg *msg, void *arg)
{
	struct api_route route;
	struct pl idseg;
	char allow[64];

	(void)arg;
	if (route_find(msg, &route, &idseg, allow, sizeof(allow)) &&
	    route.raw_max)
		return route.raw_max;
	return API_BODY_MAX;
}

void api_req_begin(struct api_req *req, struct http_api *api,
		   struct api_conn *conn, const struct http_msg *msg)
{
	memset(req, 0, sizeof(*req));
	req->api = api;
	req->conn = conn;
	req->msg = msg;
	req->now = time_now_ms();
	if (api_conn_peer(conn, &req->peer))
		sa_init(&req->peer, AF_INET);
}

void api_req_end(struct api_req *req)
{
	if (!req->replied && !req->deferred)
		(void)api_conn_reply(req->conn, 500, api_reason(500),
				     "Content-Length: 0\r\n\r\n");
	req->body = mem_deref(req->body);
}

static void http_req_handler(struct api_conn *conn, const struct http_msg *msg,
			     void *arg)
{
	struct api_req req;

	api_req_begin(&req, arg, conn, msg);

	if (!pl_strcmp(&msg->path, "/health")) {
		if (pl_strcmp(&msg->met, "GET")) {
			(void)api_error_hdrs(&req, 405, "Allow: GET\r\n",
					     "method %r not allowed here; "
					     "use GET",
					     &msg->met);
		}
		else {
			struct odict *o = NULL;

			if (!odict_alloc(&o, 4) &&
			    !api_add_str(o, "status", "ok"))
				(void)api_reply_object(&req, 200, o);
			mem_deref(o);
		}
	}
	else if (!pl_strcmp(&msg->path, "/metrics")) {
		metrics_serve(&req);
	}
	else if (!pl_strcmp(&msg->path, "/api/v1") ||
		 (msg->path.l >= 8 && !memcmp(msg->path.p, "/api/v1/", 8))) {
		api_dispatch(&req);
	}
	else if (!pl_strcmp(&msg->path, "/api") ||
		 (msg->path.l >= 5 && !memcmp(msg->path.p, "/api/", 5))) {
		(void)api_error(&req, 404, "no such resource: %r", &msg->path);
	}
	else {
		web_serve(&req); /* the browser front end (web.c) */
	}
	api_req_end(&req);
}

void http_api_set_calls(struct http_api *api, struct call_ctx *calls)
{
	if (api)
		api->calls = calls;
}

/*
 * HTTPS (--https): the certificate and key of --tls-cert, as SIP over TLS
 * (sipsrv.c), on every connection of a second listener; the requests are
 * the same.  A certificate that does not load stops the start.
 */
static int https_start(struct http_api *api)
{
	const struct config *cfg = api->cfg;
	struct tls *tls = NULL;
	struct sa laddr;
	int err;

	err = sa_decode(&laddr, cfg->https_listen, strlen(cfg->https_listen));
	if (err) {
		warning("http: bad HTTPS listen address '%s'\n",
			cfg->https_listen);
		return err;
	}
	err = tls_alloc(&tls, TLS_METHOD_SSLV23, cfg->tls_cert, NULL);
	if (err) {
		warning("http: --https: cannot load TLS certificate and key "
			"from %s: %m\n",
			cfg->tls_cert, err);
		return err;
	}
	err = api_listen(&api->ssock, &laddr, tls, http_head_handler,
			 http_req_handler, api);
	mem_deref(tls);
	if (err) {
		warning("http: cannot listen on %J (HTTPS): %m\n", &laddr, err);
		return err;
	}
	info("http: API listening on https://%J/api/v1/ (certificate %s)\n",
	     &laddr, cfg->tls_cert);
	return 0;
}

/* Plain HTTP (--http; config.c allows it beyond loopback only with
 * --http-public). */
static int http_start(struct http_api *api)
{
	const struct config *cfg = api->cfg;
	struct sa laddr;
	int err;

	err = sa_decode(&laddr, cfg->http_listen, strlen(cfg->http_listen));
	if (err) {
		warning("http: bad listen address '%s'\n", cfg->http_listen);
		return err;
	}
	err = api_listen(&api->sock, &laddr, NULL, http_head_handler,
			 http_req_handler, api);
	if (err)
		return err;
	info("http: API listening on http://%J/api/v1/\n", &laddr);
	/* passwords and session cookies must not cross a network in clear:
	 * pages for other machines belong behind TLS (--https or a proxy) */
	if (cfg->web_dir[0] && !sa_is_loopback(&laddr) &&
	    strncmp(cfg->public_url, "https://", 8))
		warning("http: the web pages are served on %J without TLS: "
			"use --https, or put an https proxy in front and set "
			"--public-url https://...\n",
			&laddr);
	return 0;
}

int http_api_alloc(struct http_api **ap, const struct config *cfg,
		   struct store *st, struct notify *notify)
{
	struct http_api *api;
	int err;

	if (!ap || !cfg || !st)
		return EINVAL;

	api = mem_zalloc(sizeof(*api), destructor);
	if (!api)
		return ENOMEM;
	api->cfg = cfg;
	api->st = st;
	api->notify = notify;
	api->started_at = time_now_ms();
	api->started_jiffies = tmr_jiffies();

	err = api_events_alloc(&api->events, api);
	if (!err)
		err = login_guard_alloc(&api->logins, cfg, st);
	if (!err)
		err = password_pool_alloc(&api->pwpool, cfg->password_workers,
					  cfg->password_queue);
	if (err)
		goto out;
	api_sessions_init(cfg);
	if (cfg->http_listen[0])
		err = http_start(api);
	if (!err && cfg->https_listen[0])
		err = https_start(api);
	if (err)
		goto out;

	err = api_metrics_listen(api);
	if (err)
		goto out;
	api_retention_start(api);

out:
	if (err)
		mem_deref(api);
	else
		*ap = api;
	return err;
}

void http_api_set_reload(struct http_api *api, http_reload_h *h, void *arg)
{
	if (!api)
		return;
	api->reloadh = h;
	api->reload_arg = arg;
}

void http_api_set_acd(struct http_api *api, struct acd *acd)
{
	if (api)
		api->acd = acd;
}
