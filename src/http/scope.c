/*
 * scope.c - what of its role's routes an API token may use (issue 20,
 * "Security of the API"), and when it has ended.  The role (roles.c) and
 * the tenant checks stay the guard; a scope only takes routes away:
 *
 *   full          every route of the token's role (the default, and every
 *                 token made before scopes; sessions always)
 *   read-only     GET only, and not the browser phone (a GET that places
 *                 calls); a change is 403 "scope read-only may not ..."
 *   provisioning  the directory (tenants, employees, devices, numbers,
 *                 queues, ...), not running the service: not the
 *                 operator's operations (ops[] below: status, reload,
 *                 backup, registrations and auth blocks, statistics,
 *                 nodes, the outbox, the purge and a deletion's run, the
 *                 route table), not access (tokens at all, changes of
 *                 users: a new token or a password would be a way out of
 *                 the scope), not live calls (POST /calls..., the screen
 *                 pop, the event stream, the phone) and not /metrics
 *   metrics       GET /metrics only (a scraper's; role operator)
 *
 * Pure functions on names: server.c and roles.c apply them to a request.
 * docs/api.md's token section has ops[] as a table.
 */
#include <string.h>
#include "http/http_int.h"

static const char *const scopes[] = {
    "full",
    "read-only",
    "provisioning",
    "metrics",
};

bool api_scope_known(const char *scope)
{
	size_t i;

	for (i = 0; scope && i < ARRAY_SIZE(scopes); i++) {
		if (!strcmp(scope, scopes[i]))
			return true;
	}
	return false;
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/*
 * Running the service, not its directory: routes a provisioning token may
 * not use (any method; a pattern ending in '*' is a prefix).  The live
 * calls and access are live_route() and access_route().
 */
static const char *const ops[] = {
    "/api/v1/status", /* the node's version and uptime      */
    "/api/v1/reload", /* the configuration read again       */
    "/api/v1/backup", /* start and watch a backup           */
    "/api/v1/registrations",
    "/api/v1/auth_blocks*", /* and unblock */
    "/api/v1/calls/live",   /* hang-up: live_route()              */
    "/api/v1/stats",
    "/api/v1/nodes*",
    "/api/v1/outbox*", /* every client's mail, the test mail */
    "/api/v1/retention/purge",
    "/api/v1/tenants/:id/deletion/run", /* carried out now, no grace */
    "/api/v1/routes",
};

static bool ops_route(const char *pattern)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		size_t n = strlen(ops[i]);

		if (ops[i][n - 1] == '*' ? !strncmp(pattern, ops[i], n - 1)
					 : !strcmp(pattern, ops[i]))
			return true;
	}
	return false;
}

/* A route of access: who gets in.  Tokens are the full scope's only, any
 * method, and so is an agent's token (it would have no scope: a way out of
 * this one); users may be read (true for a GET of them). */
static bool access_route(const char *method, const char *pattern)
{
	if (starts(pattern, "/api/v1/tokens") ||
	    !strcmp(pattern, "/api/v1/agents/:id/token"))
		return true;
	return starts(pattern, "/api/v1/users") && strcmp(method, "GET") != 0;
}

/* A route that acts on live calls or streams them. */
static bool live_route(const char *method, const char *pattern)
{
	if (starts(pattern, "/api/v1/calls"))
		return strcmp(method, "GET") != 0 ||
		       !strcmp(pattern, "/api/v1/calls/:id/pop");
	return starts(pattern, "/api/v1/events") ||
	       starts(pattern, "/api/v1/phone") ||
	       !strcmp(pattern, "/api/v1/nodes/:key/close_calls");
}

bool api_scope_allows(const char *scope, const char *method,
		      const char *pattern)
{
	bool metrics;

	if (!scope || !method || !pattern)
		return false;
	metrics = !strcmp(pattern, "/metrics");
	if (!strcmp(scope, "full"))
		return true;
	if (!strcmp(scope, "metrics"))
		return metrics && !strcmp(method, "GET");
	if (!strcmp(scope, "read-only"))
		return (!strcmp(method, "GET") || !strcmp(method, "HEAD")) &&
		       !starts(pattern, "/api/v1/phone");
	if (!strcmp(scope, "provisioning"))
		return !metrics && !live_route(method, pattern) &&
		       !ops_route(pattern) && !access_route(method, pattern);
	return false; /* unknown: nothing */
}

bool api_token_expired(const struct store_token *t, uint64_t now)
{
	return t && t->expires_at && now >= t->expires_at;
}

int api_scope_check(struct api_req *req, const char *method,
		    const char *pattern)
{
	const char *scope = req->token.scope[0] ? req->token.scope : "full";

	if (api_scope_allows(scope, method, pattern))
		return 0;
	return api_error(req, 403, "scope %s may not %s %r", scope, method,
			 &req->msg->path);
}
