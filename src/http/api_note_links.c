/*
 * api_note_links.c - the signed link of a call note, and a tenant's note
 * settings (issue 17):
 *
 *   GET  /api/v1/notes/:id/open?employee=&expires=&sig=   no login
 *   POST /api/v1/notes/:id/ack?employee=&expires=&sig=    no login
 *   GET  /api/v1/tenants/:id/note_settings
 *   PUT  /api/v1/tenants/:id/note_settings
 *        {"full_text": bool, "webhook_url": "https://..." | null,
 *         "new_webhook_secret": true}
 *
 * A link is made per employee of the note when it is sent (notify.h,
 * notify_note_link()): sig is HMAC-SHA256 under the server's link key
 * (a random secret kept in the database, server_secrets "note_link",
 * made at the first use) over the note, the employee and the expiry.
 * Opening it answers the note (it is the employee's own note, so the
 * whole of it) and records the first time that employee opened it; the
 * POST acknowledges it (the first time counts; it counts as opened
 * too).  A link with a wrong signature, past its expiry, or naming an
 * employee the note is not for is 404 "note link not found or expired":
 * the same answer, so a guess learns nothing.  A link used is in the
 * client's audit trail (token_name "note link", the employee; no token).
 *
 * A browser (Accept: text/html, not application/json) gets both as a
 * page instead of JSON, the 404 too (api_note_page.c): the note and one
 * button that posts to /ack.  GET only ever records "opened".
 *
 * The webhook secret is made by the server when a URL is first set (or
 * on "new_webhook_secret": true) and shown in that answer only; later
 * reads say whether there is one.  full_text puts the caller's number,
 * the concern and the client's fields into SMS and webhooks; without it
 * they carry the caller's name and the link (e-mail always carries the
 * whole note).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "http/http_int.h"
#include "notify/notify.h"

int api_note_link_key(struct http_api *api, char *buf, size_t sz)
{
	return notify_note_link_key(api->st, buf, sz);
}

/* A link that is not (any more): the same 404 for every reason, as JSON
 * or as the page (api_note_page.c). */
static int link_gone(struct api_req *req)
{
	int err;

	if (api_note_wants_page(req)) {
		err = api_note_page_gone(req);
		if (!err)
			return ENOENT;
	}
	return api_error(req, 404, "note link not found or expired");
}

/* The query's employee, expires and sig, checked against note :id and the
 * key: 0 with *employeep, or an errno after a 404. */
static int link_check(struct api_req *req, int64_t *employeep)
{
	char emp[24], exp[24], sig[NOTIFY_HMAC_HEX + 1], key[NOTIFY_SECRET_HEX];
	char want[NOTIFY_HMAC_HEX];
	unsigned long long expires;
	long long employee;
	char *end;
	int err;

	if (api_query_str(req, "employee", emp, sizeof(emp)) != 1 ||
	    api_query_str(req, "expires", exp, sizeof(exp)) != 1 ||
	    api_query_str(req, "sig", sig, sizeof(sig)) != 1)
		goto bad;
	employee = strtoll(emp, &end, 10);
	if (*end || employee <= 0)
		goto bad;
	expires = strtoull(exp, &end, 10);
	if (*end || expires * 1000 <= req->now)
		goto bad;

	err = api_note_link_key(req->api, key, sizeof(key));
	if (err)
		return api_fail(req, err, "note link: %m", err);
	notify_note_link_sig(want, key, req->id, employee, expires);
	if (!notify_hmac_equal(want, sig))
		goto bad;
	*employeep = employee;
	return 0;
bad:
	return link_gone(req);
}

static int esc_h(const struct store_note_escalation *e, void *arg)
{
	const int64_t *employee = arg;

	return e->employee_id == *employee ? EEXIST : 0;
}

/* The note of a checked link into n: 404 unless it is for employee, one
 * of the note's or one it was escalated to (a substitute: its link came
 * with the escalation, src/notify/escalate.c). */
static int link_note(struct api_req *req, int64_t employee,
		     struct store_note *n)
{
	uint32_t i;
	int err;

	err = store_note_get(req->api->st, req->id, n);
	if (err == ENOENT)
		return link_gone(req);
	if (err)
		return api_fail(req, err, "note: %m", err);
	for (i = 0; i < n->employeec; i++) {
		if (n->employeev[i] == employee)
			return 0;
	}
	err = store_note_escalations(req->api->st, n->id, esc_h, &employee);
	if (err == EEXIST)
		return 0;
	if (err)
		return api_fail(req, err, "note: %m", err);
	return link_gone(req);
}

/* The audit entry of a link used by employee (no token: the link's
 * employee is who read it); 0 or the store's error (then the note is
 * not shown: nobody reads unaudited). */
static int link_audit(struct api_req *req, const struct store_note *n,
		      int64_t employee)
{
	struct store_audit a;
	struct sa peer;

	memset(&a, 0, sizeof(a));
	a.at = req->now;
	a.tenant_id = n->tenant_id;
	str_copy(a.token_name, "note link", sizeof(a.token_name));
	a.token_tenant_id = n->tenant_id;
	a.employee_id = employee;
	if (!api_conn_peer(req->conn, &peer)) {
		re_snprintf(a.ip, sizeof(a.ip), "%j", &peer);
		a.port = sa_port(&peer);
	}
	str_copy(a.method, req->route->method, sizeof(a.method));
	str_copy(a.route, req->route->pattern, sizeof(a.route));
	a.object_id = n->id;
	a.status = 200;
	return store_audit_add(req->api->st, &a);
}

static int open_or_ack(struct api_req *req, bool ack)
{
	struct store_note_read r;
	struct store_note *n;
	struct odict *o = NULL;
	int64_t employee = 0;
	int err;

	err = link_check(req, &employee);
	if (err)
		return err;
	n = mem_zalloc(sizeof(*n), NULL);
	if (!n)
		return ENOMEM;
	err = link_note(req, employee, n);
	if (err)
		goto out;

	err = link_audit(req, n, employee);
	if (err) {
		err = api_error(req, 503, "audit trail unavailable");
		goto out;
	}
	err = store_note_read_mark(req->api->st, n->id, employee, req->now, ack,
				   &r);
	if (err) {
		err = api_fail(req, err, "note: %m", err);
		goto out;
	}
	info("http: note %lld %s by employee %lld\n", (long long)n->id,
	     ack ? "acknowledged" : "opened", (long long)employee);

	if (api_note_wants_page(req)) {
		/* a browser: the page; its button posts to /ack */
		err = api_note_page(req, n, employee, &r);
		goto out;
	}
	if (ack) {
		err = odict_alloc(&o, 8);
		if (err)
			goto out;
		err |= api_add_int(o, "note_id", n->id);
		err |= api_add_int(o, "employee_id", employee);
		err |= api_add_time(o, "opened_at", r.opened_at);
		err |= api_add_time(o, "acknowledged_at", r.acked_at);
	}
	else {
		err = api_note_encode(&o, req, n);
	}
	err = api_reply_encoded(req, 200, err ? ENOMEM : 0, o, 0);
out:
	mem_deref(n);
	return err;
}

int api_note_open(struct api_req *req)
{
	return open_or_ack(req, false);
}

int api_note_ack(struct api_req *req)
{
	return open_or_ack(req, true);
}

/* ---- a tenant's note settings ------------------------------------------ */

enum { ESCALATE_AFTER_MAX = 604800 }; /* [s] a week */

static const struct api_field settings_fields[] = {
    {API_F("full_text", AK_BOOL, 0)},
    {API_F("webhook_url", AK_STR, FF_NULL), .max = 500},
    {API_F("new_webhook_secret", AK_BOOL, 0)},
    {API_F("escalate_after", AK_INT, 0)},
};

/* A webhook URL may be saved (notify_dest_check): 0 or the 422. */
static int url_check(struct api_req *req, const char *url)
{
	bool lo = req->api->cfg->webhook_allow_loopback;

	switch (notify_dest_check(url, lo)) {
	case 0:
		return 0;
	case EACCES:
		return api_error(req, 422,
				 "webhook_url: must not be a private, "
				 "loopback, link-local or multicast address");
	default:
		return api_error(req, 422,
				 "webhook_url: must be an https:// URL with a "
				 "host%s",
				 lo ? " (http:// only to 127.0.0.1 or [::1])"
				    : "");
	}
}

static int settings_reply(struct api_req *req,
			  const struct store_note_settings *ns,
			  const char *new_secret)
{
	struct odict *o = NULL;
	int err;

	err = odict_alloc(&o, 8);
	if (err)
		return err;
	err |= api_add_int(o, "tenant_id", ns->tenant_id);
	err |= api_add_bool(o, "full_text", ns->full_text);
	err |= api_add_str_or_null(o, "webhook_url", ns->webhook_url);
	err |= api_add_bool(o, "webhook_secret_set", ns->webhook_secret[0]);
	if (new_secret)
		err |= api_add_str(o, "webhook_secret", new_secret);
	err |= api_add_int(o, "escalate_after", ns->escalate_after);
	err |= api_add_time(o, "updated_at", ns->updated_at);
	return api_reply_encoded(req, 200, err ? ENOMEM : 0, o, 0);
}

/* The tenant of the path exists: 0, or an errno after a 404. */
static int tenant_load(struct api_req *req)
{
	struct store_tenant t;
	int err;

	req->audit_tenant = req->id;
	err = store_tenant_get(req->api->st, req->id, &t);
	if (err == ENOENT)
		return api_error(req, 404, "tenant %lld not found",
				 (long long)req->id);
	if (err)
		return api_fail(req, err, "tenant: %m", err);
	return 0;
}

static int settings_get(struct api_req *req)
{
	struct store_note_settings ns;
	int err;

	err = tenant_load(req);
	if (err)
		return err;
	err = store_note_settings_get(req->api->st, req->id, &ns);
	if (err)
		return api_fail(req, err, "note settings: %m", err);
	return settings_reply(req, &ns, NULL);
}

static int settings_put(struct api_req *req)
{
	struct store_note_settings ns;
	char secret[NOTIFY_SECRET_HEX];
	bool fresh = false;
	const char *url;
	int err;

	err = tenant_load(req);
	if (err)
		return err;
	req->create = false;
	if (!req->body) {
		err = api_body_decode(req);
		if (err)
			return err;
	}
	err = api_body_check(req, settings_fields, ARRAY_SIZE(settings_fields));
	if (err)
		return err;
	err = store_note_settings_get(req->api->st, req->id, &ns);
	if (err)
		return api_fail(req, err, "note settings: %m", err);

	if (api_has(req, "full_text"))
		ns.full_text = api_bool(req, "full_text", false);
	if (api_has(req, "webhook_url")) {
		url = api_str(req, "webhook_url");
		if (str_isset(url)) {
			err = url_check(req, url);
			if (err)
				return err;
		}
		str_copy(ns.webhook_url, url ? url : "",
			 sizeof(ns.webhook_url));
		if (!ns.webhook_url[0])
			ns.webhook_secret[0] = '\0';
	}
	if (api_has(req, "escalate_after")) {
		int64_t after = api_int(req, "escalate_after", 0);

		if (after < 0 || after > ESCALATE_AFTER_MAX)
			return api_error(req, 422,
					 "escalate_after: must be from 0 to "
					 "%d seconds",
					 ESCALATE_AFTER_MAX);
		ns.escalate_after = (uint32_t)after;
	}
	if (ns.webhook_url[0] && (!ns.webhook_secret[0] ||
				  api_bool(req, "new_webhook_secret", false)))
		fresh = true;
	if (fresh) {
		err = notify_secret_make(secret, sizeof(secret));
		if (err)
			return api_fail(req, err, "webhook secret: %m", err);
		str_copy(ns.webhook_secret, secret, sizeof(ns.webhook_secret));
	}
	ns.updated_at = req->now;
	err = store_note_settings_set(req->api->st, &ns);
	if (err)
		return api_fail(req, err, "note settings: %m", err);
	info("http: note settings of tenant %lld changed%s\n",
	     (long long)req->id, fresh ? " (new webhook secret)" : "");
	return settings_reply(req, &ns, fresh ? secret : NULL);
}

static const struct api_action settings_actions[] = {
    {"GET", "/:id/note_settings", settings_get},
    {"PUT", "/:id/note_settings", settings_put},
};

const struct api_resource api_note_settings = {
    .path = "/api/v1/tenants",
    .noun = "tenant",
    .label = "note settings",
    .actionv = settings_actions,
    .actionc = ARRAY_SIZE(settings_actions),
};
