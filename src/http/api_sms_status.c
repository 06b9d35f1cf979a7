/*
 * api_sms_status.c - the SMS gateway's delivery reports (issue 17,
 * "status per channel ... delivered"):
 *
 *   POST /api/v1/sms/status          no API token: the gateway's secret
 *        Authorization: Bearer <--sms-status-token>
 *        {"id": "<the gateway's message id>",
 *         "status": "delivered" | "failed", "reason": "..."}
 *
 * When the gateway took an SMS it named it in its answer ({"id": ...} or
 * {"message_id": ...}, notify/sms.c); the dispatcher kept that id with
 * the outbox row (sent).  The gateway's report of that id makes the row
 * delivered (delivered_at: when the report came) or failed.  The
 * gateway's reason is kept for the operator only (the row's last_error,
 * "gateway report: ..."; it may name the number): a tenant and an agent
 * see the generic "not delivered (gateway report)".  A report for a row
 * reported before changes nothing (the first outcome stays) and answers
 * the row as it is.
 *
 * The secret is compared in constant time; without --sms-status-token
 * every report is refused.  401 for a wrong or missing secret, 400 for
 * a body that is no JSON object or an id that is missing or not a
 * string, 422 for a status other than delivered or failed, 404 for an
 * id no SMS of ours has.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "notify/notify.h"

/* The Authorization header's bearer secret equals the configured one
 * (a non-empty one), compared in constant time. */
static bool secret_ok(const struct api_req *req)
{
	const char *want = req->api->cfg->sms_status_token;
	const struct http_hdr *hdr;
	char got[sizeof(req->api->cfg->sms_status_token)];
	struct pl v;

	if (!want[0])
		return false;
	hdr = http_msg_hdr(req->msg, HTTP_HDR_AUTHORIZATION);
	if (!hdr)
		return false;
	v = hdr->val;
	if (v.l < 7 || strncasecmp(v.p, "Bearer ", 7))
		return false;
	pl_advance(&v, 7);
	while (v.l && v.p[0] == ' ')
		pl_advance(&v, 1);
	if (!v.l || v.l >= sizeof(got))
		return false;
	str_from_pl(got, sizeof(got), &v);
	return notify_hmac_equal(got, want);
}

static int sms_status(struct api_req *req)
{
	static const char hdr401[] = "WWW-Authenticate: Bearer\r\n";
	const struct odict_entry *id, *status, *reason;
	struct store_outbox *o;
	struct odict *out = NULL;
	char error[256];
	bool delivered;
	int err;

	if (!secret_ok(req)) {
		warning("http: sms status from %j: wrong or missing secret\n",
			&req->peer);
		return api_error_hdrs(req, 401, hdr401,
				      "missing or invalid token");
	}
	if (!req->body) {
		err = api_body_decode(req);
		if (err)
			return err;
	}
	id = odict_lookup(req->body, "id");
	status = odict_lookup(req->body, "status");
	reason = odict_lookup(req->body, "reason");
	if (!id)
		return api_error(req, 400, "id: is required");
	if (id->type != ODICT_STRING || !id->u.str[0] ||
	    strlen(id->u.str) >= sizeof(o->ext_id))
		return api_error(req, 400,
				 "id: must be the gateway's message id (a "
				 "string of 1 to 127 bytes)");
	if (!status)
		return api_error(req, 400, "status: is required");
	if (status->type != ODICT_STRING ||
	    (strcmp(status->u.str, "delivered") &&
	     strcmp(status->u.str, "failed")))
		return api_error(req, 422,
				 "status: must be delivered or failed");
	if (reason && reason->type != ODICT_STRING &&
	    reason->type != ODICT_NULL)
		return api_error(req, 400, "reason: must be a string");
	delivered = !strcmp(status->u.str, "delivered");
	re_snprintf(error, sizeof(error), "gateway report: %s",
		    reason && reason->type == ODICT_STRING && reason->u.str[0]
			? reason->u.str
			: "not delivered");

	o = mem_zalloc(sizeof(*o), NULL);
	if (!o)
		return ENOMEM;
	err = store_outbox_report(req->api->st, STORE_CHANNEL_SMS, id->u.str,
				  delivered, req->now, error, o);
	if (err == ENOENT) {
		err = api_error(req, 404, "id: no SMS with this id");
		goto out;
	}
	if (err) {
		err = api_fail(req, err, "sms status: %m", err);
		goto out;
	}
	info("http: sms %lld reported %s by the gateway; it is %s\n",
	     (long long)o->id, delivered ? "delivered" : "failed",
	     store_outbox_state_name(o->state));

	err = odict_alloc(&out, 8);
	if (err)
		goto out;
	err |= api_add_int(out, "outbox_id", o->id);
	err |= api_add_str(out, "state", store_outbox_state_name(o->state));
	err |= api_add_time(out, "delivered_at", o->delivered_at);
	err = api_reply_encoded(req, 200, err ? ENOMEM : 0, out, 0);
out:
	mem_deref(o);
	return err;
}

/* raw: the secret is checked before the body is read */
static const struct api_action raw_actions[] = {
    {"POST", "/status", sms_status},
};

const struct api_resource api_sms = {
    .path = "/api/v1/sms",
    .noun = "sms",
    .label = "SMS reports",
    .raw_actionv = raw_actions,
    .raw_actionc = ARRAY_SIZE(raw_actions),
    .raw_max = 4096,
};

bool api_sms_public(const struct api_route *r)
{
	return r->h == sms_status;
}
