/*
 * http.h - the JSON provisioning API (/api/v1/...), bearer-token protected.
 * It owns the HTTP listener; every resource lives in its own file
 * (http/api_<resource>.c) and is reached through one route table.
 */
#ifndef SWITCHBOARD_HTTP_H
#define SWITCHBOARD_HTTP_H

struct config;
struct store;
struct notify;
struct http_api;
struct acd;

/* Listen on cfg->http_listen.  *ap is mem_deref()-able; deref stops it.
 * notify (may be NULL: no test mails) outlives the API. */
int http_api_alloc(struct http_api **ap, const struct config *cfg,
		   struct store *st, struct notify *notify);
/* The live calls of this node (transfers by the API); calls outlives
 * the API or is set to NULL first. */
struct call_ctx;
void http_api_set_calls(struct http_api *api, struct call_ctx *calls);
/* The live queues the agents' state changes go to (acd outlives api). */
void http_api_set_acd(struct http_api *api, struct acd *acd);

/* What POST /api/v1/reload runs: what SIGHUP does (main.c), filling rep;
 * 0 or the error of a refused reload.  Without it the route is 503. */
struct config_report;
typedef int(http_reload_h)(struct config_report *rep, void *arg);
void http_api_set_reload(struct http_api *api, http_reload_h *h, void *arg);

/* <data-dir>/admin.token (admin_token.c): at the start, a first
 * operator token named "admin" written there when the store has none
 * (else a hint at info when this node has no file); --admin-token-new: a
 * new one named "admin@<node-id>" written there.  0 or an errno (logged).
 * The plain token is never logged. */
int admin_token_ensure(struct store *st, const struct config *cfg);
int admin_token_new(struct store *st, const struct config *cfg);

#endif
