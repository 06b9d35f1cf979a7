/*
 * metrics_listen.c - --metrics-listen: a second HTTP listener that serves
 * GET /metrics (metrics.c) and nothing else, without a token, for a
 * Prometheus on the same machine (or, with --metrics-listen-public, one
 * the operator lets reach it).  Every other path is 404, every other
 * method 405; no body is read.  The address is checked by config.c: a
 * loopback address unless --metrics-listen-public.
 */
#include <string.h>
#include "http/http_int.h"

enum { METRICS_BODY_MAX = 0 }; /* GET only: no body is taken */

static uint64_t head_handler(const struct http_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return METRICS_BODY_MAX;
}

static void req_handler(struct api_conn *conn, const struct http_msg *msg,
			void *arg)
{
	struct api_req req;

	api_req_begin(&req, arg, conn, msg);
	if (pl_strcmp(&msg->path, "/metrics"))
		(void)api_error(&req, 404,
				"no such resource: %r (this address serves "
				"only /metrics)",
				&msg->path);
	else if (pl_strcmp(&msg->met, "GET"))
		(void)api_error_hdrs(&req, 405, "Allow: GET\r\n",
				     "method %r not allowed here; use GET",
				     &msg->met);
	else
		(void)api_metrics(&req);
	api_req_end(&req);
}

int api_metrics_listen(struct http_api *api)
{
	const char *addr = api->cfg->metrics_listen;
	struct sa laddr;
	int err;

	if (!addr[0])
		return 0;
	err = sa_decode(&laddr, addr, strlen(addr));
	if (err) {
		warning("http: bad metrics listen address '%s'\n", addr);
		return err;
	}
	err = api_listen(&api->msock, &laddr, NULL, head_handler, req_handler,
			 api);
	if (err) {
		warning("http: cannot listen on %J for metrics: %m\n", &laddr,
			err);
		return err;
	}
	info("http: metrics without a token on http://%J/metrics%s\n", &laddr,
	     sa_is_loopback(&laddr) ? "" : " (--metrics-listen-public)");
	return 0;
}
