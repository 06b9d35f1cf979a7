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
 *                 ...), but not access (tokens, users: a new token or a
 *                 password would be a way out of the scope), not live
 *                 calls (POST /calls..., the event stream, the phone,
 *                 closing a node's calls) and not /metrics
 *   metrics       GET /metrics only (a scraper's; role operator)
 *
 * Pure functions on names: server.c and roles.c apply them to a request.
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

/* A route of access: who gets in (tokens, users and their passwords). */
static bool access_route(const char *pattern)
{
	return starts(pattern, "/api/v1/tokens") ||
	       starts(pattern, "/api/v1/users");
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
		       (!access_route(pattern) || !strcmp(method, "GET"));
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
