/*
 * api_status.c - the operator's view of the running node and its
 * reload (issue 20, switchboard-ctl status / reload):
 *
 *   GET  /api/v1/status   {"version", "node_id", "started_at",
 *                          "uptime_s", "calls_active", "config_file"}
 *   POST /api/v1/reload   body {}: what SIGHUP does (the log file
 *                          reopened, the configuration read again,
 *                          main.c); 200 {"config_file", "applied":
 *                          [{"key", "value"}], "restart_needed":
 *                          ["key", ...]}; a configuration that does not
 *                          load changes nothing: 409 {"error": "reload
 *                          refused, nothing changed: FILE:LINE: key 'x':
 *                          ..."}
 *
 * Both are the operator's only (roles.c).
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "call/call.h"

static int status_get(struct api_req *req)
{
	const struct http_api *api = req->api;
	struct odict *o = NULL;
	int err;

	err = odict_alloc(&o, 8);
	if (err)
		return err;
	err |= api_add_str(o, "version", SWITCHBOARD_VERSION);
	err |= api_add_str(o, "node_id", api->cfg->node_id);
	err |= api_add_time(o, "started_at", api->started_at);
	err |= api_add_int(
	    o, "uptime_s",
	    (int64_t)((tmr_jiffies() - api->started_jiffies) / 1000));
	err |= api_add_int(o, "calls_active",
			   api->calls ? call_ctx_count(api->calls) : 0);
	err |= api_add_str_or_null(o, "config_file", api->cfg->config_path);
	return api_reply_encoded(req, 200, err ? ENOMEM : 0, o, 0);
}

static int report_encode(struct odict **op, const struct config_report *rep)
{
	struct odict *o = NULL, *applied = NULL, *restart = NULL;
	size_t i;
	int err;

	err = odict_alloc(&o, 4);
	err |= api_list_alloc(&applied);
	err |= api_list_alloc(&restart);
	for (i = 0; !err && i < rep->appliedc; i++) {
		struct odict *a = NULL;

		err = odict_alloc(&a, 2);
		if (err)
			break;
		err |= api_add_str(a, "key", rep->appliedv[i].flag);
		err |= api_add_str(a, "value", rep->appliedv[i].value);
		err = err ? ENOMEM : api_list_append(applied, a);
		mem_deref(a);
	}
	for (i = 0; !err && i < rep->restartc; i++) {
		char key[16];

		re_snprintf(key, sizeof(key), "%zu", i);
		err = odict_entry_add(restart, key, ODICT_STRING,
				      rep->restartv[i]);
	}
	if (!err) {
		err |= api_add_str_or_null(o, "config_file", rep->file);
		err |= odict_entry_add(o, "applied", ODICT_ARRAY, applied);
		err |=
		    odict_entry_add(o, "restart_needed", ODICT_ARRAY, restart);
	}
	mem_deref(applied);
	mem_deref(restart);
	if (err)
		mem_deref(o);
	else
		*op = o;
	return err ? ENOMEM : 0;
}

static int reload_post(struct api_req *req)
{
	struct http_api *api = req->api;
	struct config_report *rep;
	struct odict *o = NULL;
	int err;

	err = api_body_check(req, NULL, 0); /* {}: no options */
	if (err)
		return err;
	req->audit_tenant = -1;
	if (!api->reloadh)
		return api_error(req, 503, "reload: not available");
	rep = mem_zalloc(sizeof(*rep), NULL);
	if (!rep)
		return ENOMEM;
	info("http: reload asked by %s\n", req->token.name);
	err = api->reloadh(rep, api->reload_arg);
	if (err && rep->err[0])
		err = api_error(req, 409, "reload refused, nothing changed: %s",
				rep->err);
	else if (err)
		err = api_fail(req, err, "reload: %m", err);
	else if (!(err = report_encode(&o, rep)))
		err = api_reply_encoded(req, 200, 0, o, 0);
	mem_deref(rep);
	return err;
}

static const struct api_action status_actions[] = {
    {"GET", "", status_get},
};

const struct api_resource api_status = {
    .path = "/api/v1/status",
    .noun = "status",
    .label = "status",
    .actionv = status_actions,
    .actionc = ARRAY_SIZE(status_actions),
};

static const struct api_action reload_actions[] = {
    {"POST", "", reload_post},
};

const struct api_resource api_reload = {
    .path = "/api/v1/reload",
    .noun = "reload",
    .label = "reload",
    .actionv = reload_actions,
    .actionc = ARRAY_SIZE(reload_actions),
};
