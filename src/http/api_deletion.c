/*
 * api_deletion.c - a client's request to have all of its data deleted
 * (issue 16; GDPR Art. 17), and carrying it out.
 *
 *   POST   /api/v1/tenants/:id/deletion       record the request (who, when)
 *   GET    /api/v1/tenants/:id/deletion       the newest request and its state
 *   DELETE /api/v1/tenants/:id/deletion       cancel it during the grace period
 *   POST   /api/v1/tenants/:id/deletion/run   the operator carries it out now
 *
 *   requested --DELETE before due_at--> cancelled
 *       |
 *       +--run, or due_at passed (the purge timer, api_retention.c)--> done
 *
 * The grace period (GRACE_DAYS) is what a professional service gives: a
 * request by mistake or by someone who should not have made it can be
 * taken back, and the client gets its export first; a month is the time
 * Art. 12(3) GDPR allows to act on a request.  Carrying it out deletes
 * every row and file of the client (sqlite_tenant_data.c); what stays is
 * the request row without who asked (the operator's record that a
 * deletion happened, when, and how many rows and files went) and, in the
 * audit trail, the operator's run of it, without a client.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "http/http_int.h"

enum {
	GRACE_DAYS = 30,
};

static const char *state_name(const struct store_deletion *d)
{
	if (d->done_at)
		return "done";
	if (d->cancelled_at)
		return "cancelled";
	return "requested";
}

static int reply(struct api_req *req, uint16_t status,
		 const struct store_deletion *d)
{
	struct odict *o = NULL;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err = api_add_int(o, "id", d->id);
	err |= api_add_int(o, "tenant_id", d->tenant_id);
	err |= api_add_str(o, "state", state_name(d));
	err |= api_add_time(o, "requested_at", d->requested_at);
	err |= api_add_str_or_null(o, "requested_by", d->requested_by);
	err |= api_add_time(o, "due_at", d->due_at);
	err |= api_add_time(o, "cancelled_at", d->cancelled_at);
	err |= api_add_str_or_null(o, "cancelled_by", d->cancelled_by);
	err |= api_add_time(o, "done_at", d->done_at);
	err |= api_add_int(o, "rows", d->rows);
	err |= api_add_int(o, "files", d->files);
	if (!err)
		err = api_reply_object(req, status, o);
	mem_deref(o);
	return err;
}

uint64_t api_deletion_due_at(uint64_t requested_at)
{
	return requested_at + (uint64_t)GRACE_DAYS * 86400000;
}

static void who(const struct api_req *req, char *buf, size_t sz)
{
	re_snprintf(buf, sz, "%s (%s)", req->token.name, req->token.role);
}

int api_deletion_run(struct http_api *api, int64_t tenant_id, uint64_t now,
		     struct store_purge *p)
{
	struct list files = LIST_INIT;
	struct store_deletion d;
	char dir[512];
	int err;

	/* its calls end first: their records are written before the rows
	 * go, and go with them */
	err = store_deletion_get(api->st, tenant_id, &d);
	if (!err && (d.done_at || d.cancelled_at))
		err = ENOENT;
	if (!err)
		api_tenant_calls_end(api, tenant_id);
	if (!err)
		err = store_deletion_run(api->st, tenant_id, now, p,
					 api_file_collect, &files);
	if (!err) {
		api_tenant_gone(api, tenant_id, now);
		api_files_remove(api, &files);
		re_snprintf(dir, sizeof(dir), "%s/%lld", api->cfg->spool_dir,
			    (long long)tenant_id);
		(void)rmdir(dir);
		re_snprintf(dir, sizeof(dir), "%s/uploads/%lld",
			    api->cfg->prompts_dir, (long long)tenant_id);
		(void)rmdir(dir);
		info("http: tenant %lld deleted on request: %u rows, %u "
		     "files\n",
		     (long long)tenant_id, p->rows, p->files);
	}
	else if (err != ENOENT) {
		warning("http: tenant %lld: deletion: %m\n",
			(long long)tenant_id, err);
	}
	list_flush(&files);
	return err;
}

static int deletion_request(struct api_req *req)
{
	struct store_deletion d;
	int err;

	if (req->body && req->body->lst.head) {
		const struct odict_entry *e = req->body->lst.head->data;

		return api_error(req, 400, "%s: unknown field", e->key);
	}
	memset(&d, 0, sizeof(d));
	d.tenant_id = req->id;
	d.requested_at = req->now;
	d.due_at = api_deletion_due_at(req->now);
	who(req, d.requested_by, sizeof(d.requested_by));
	err = store_deletion_add(req->api->st, &d);
	if (err == ENOENT)
		return api_not_found(req);
	if (err == EEXIST)
		return api_error(req, 409,
				 "tenant %lld: a deletion request is "
				 "open already",
				 (long long)req->id);
	if (err)
		return api_fail(req, err, "deletion: %m", err);
	info("http: tenant %lld: deletion requested by %s, due in %d days\n",
	     (long long)req->id, d.requested_by, GRACE_DAYS);
	err = store_deletion_get(req->api->st, req->id, &d);
	if (err)
		return api_fail(req, err, "deletion: %m", err);
	return reply(req, 201, &d);
}

static int deletion_get(struct api_req *req)
{
	struct store_deletion d;
	int err = store_deletion_get(req->api->st, req->id, &d);

	if (err == ENOENT)
		return api_error(req, 404,
				 "deletion request of tenant %lld not "
				 "found",
				 (long long)req->id);
	if (err)
		return api_fail(req, err, "deletion: %m", err);
	if (d.done_at) /* the client is gone: none of it in the trail */
		req->audit_tenant = -1;
	return reply(req, 200, &d);
}

static int deletion_cancel(struct api_req *req)
{
	char by[96];
	int err;

	who(req, by, sizeof(by));
	err = store_deletion_cancel(req->api->st, req->id, req->now, by);
	if (err == ENOENT)
		return api_error(req, 404,
				 "open deletion request of tenant %lld not "
				 "found",
				 (long long)req->id);
	if (err)
		return api_fail(req, err, "deletion: %m", err);
	info("http: tenant %lld: deletion cancelled by %s\n",
	     (long long)req->id, by);
	return api_reply_no_content(req);
}

static int deletion_run(struct api_req *req)
{
	struct store_deletion d;
	struct store_purge p;
	int err;

	err = api_deletion_run(req->api, req->id, req->now, &p);
	if (err == ENOENT)
		return api_error(req, 409,
				 "tenant %lld has no open deletion "
				 "request",
				 (long long)req->id);
	if (err)
		return api_fail(req, err, "deletion: %m", err);
	req->audit_tenant = -1; /* the client is gone */
	err = store_deletion_get(req->api->st, req->id, &d);
	if (err)
		return api_fail(req, err, "deletion: %m", err);
	return reply(req, 200, &d);
}

static const struct api_action actions[] = {
    {"POST", "/:id/deletion", deletion_request},
    {"GET", "/:id/deletion", deletion_get},
    {"DELETE", "/:id/deletion", deletion_cancel},
    {"POST", "/:id/deletion/run", deletion_run},
};

const struct api_resource api_deletion = {
    .path = "/api/v1/tenants",
    .noun = "tenant",
    .label = "deletion",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
