/*
 * api_retention.c - how long a client's data is kept, and the purge that
 * deletes for good what is older (issue 16, seeds/002).
 *
 *   GET   /api/v1/tenants/:id/retention   its keep-times (or the defaults)
 *   PATCH /api/v1/tenants/:id/retention   change them
 *   POST  /api/v1/retention/purge?at=&tenant_id=   purge now (operator)
 *
 * The purge also runs by itself (every --purge-interval, the first
 * PURGE_FIRST after the start; never with 0), like the outbox's poll: rows first (one transaction, the
 * store's), then the voicemail files the rows named; then the deletion
 * requests whose grace period ended are carried out (api_deletion.c).
 * The defaults and why they are what they are: sqlite_retention.c.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "http/http_int.h"
#include "media/media.h"

enum {
	PURGE_FIRST = 60 * 1000, /* [ms] after the start, at most */
	DAYS_MAX = STORE_KEEP_MAX,
};

#define T struct store_retention
static const struct api_field fields[] = {
    {API_F("tenant_id", AK_ID, FF_RO), API_M(T, tenant_id)},
    {API_F("call_days", AK_INT, 0), API_M(T, call_days), .min = 1,
     .max = DAYS_MAX, .unit = "days"},
    {API_F("message_days", AK_INT, 0), API_M(T, message_days), .min = 1,
     .max = DAYS_MAX, .unit = "days"},
    {API_F("note_days", AK_INT, 0), API_M(T, note_days), .min = 1,
     .max = DAYS_MAX, .unit = "days"},
    {API_F("audit_days", AK_INT, 0), API_M(T, audit_days),
     .min = STORE_KEEP_AUDIT_MIN, .max = DAYS_MAX, .unit = "days"},
    {API_F("updated_at", AK_TIME, FF_RO), API_M(T, updated_at)},
};
#undef T

/* ---- files ------------------------------------------------------------ */

/* A file whose row is being deleted. */
struct file_ent {
	struct le le; /* in the caller's list */
	char *path;   /* (owned)              */
};

static void file_destructor(void *arg)
{
	struct file_ent *f = arg;

	list_unlink(&f->le);
	mem_deref(f->path);
}

int api_file_collect(const char *path, void *arg)
{
	struct list *files = arg;
	struct file_ent *f;
	int err;

	f = mem_zalloc(sizeof(*f), file_destructor);
	if (!f)
		return ENOMEM;
	err = str_dup(&f->path, path);
	if (err) {
		mem_deref(f);
		return err;
	}
	list_append(files, &f->le, f);
	return 0;
}

void api_files_remove(struct http_api *api, struct list *files)
{
	struct le *le;

	while ((le = list_head(files))) {
		struct file_ent *f = le->data;
		char buf[512];
		const char *path = f->path;

		if (path[0] != '/') {
			re_snprintf(buf, sizeof(buf), "%s/%s",
				    api->cfg->prompts_dir, path);
			path = buf;
		}
		(void)media_prompt_forget(path); /* an uploaded prompt */
		if (unlink(path) && errno != ENOENT)
			warning("http: retention: unlink %s: %m\n", path,
				errno);
		mem_deref(f);
	}
}

/* ---- the purge ---------------------------------------------------------- */

/* Purge tenant_id (0: all) at time at; files removed after the commit. */
static int purge(struct http_api *api, int64_t tenant_id, uint64_t at,
		 struct store_purge *p)
{
	struct list files = LIST_INIT;
	int err;

	err = store_retention_purge(api->st, tenant_id, at, p, api_file_collect,
				    &files);
	if (!err)
		api_files_remove(api, &files);
	list_flush(&files);
	if (err)
		warning("http: retention: purge: %m\n", err);
	else if (p->rows)
		info("http: retention: purged %u calls, %u queue visits, %u "
		     "callbacks, %u voicemail messages (%u files), %u "
		     "notifications, %u audit entries\n",
		     p->calls, p->visits, p->callbacks, p->messages, p->files,
		     p->outbox, p->audit);
	return err;
}

/* Sessions that ended (expired or idle) are refused when used; the rows
 * of those never used again go here, and API tokens API_TOKEN_GRACE_MS
 * after their expiry (until then they answer "token: expired"). */
static void sessions_sweep(struct http_api *api, uint64_t now)
{
	int64_t n = 0, na = 0;
	int err;

	err = store_token_sweep(api->st, now,
				(uint64_t)api->cfg->session_idle * 1000,
				API_TOKEN_GRACE_MS, &n, &na);
	if (err)
		warning("http: sessions: sweep: %m\n", err);
	if (n)
		info("http: sessions: %lld ended sessions removed\n",
		     (long long)n);
	if (na)
		info("http: tokens: %lld API tokens removed (expired more "
		     "than 30 days ago)\n",
		     (long long)na);
}

static void purge_tick(void *arg)
{
	struct http_api *api = arg;
	uint64_t now = time_now_ms();
	struct store_purge p;
	int64_t tid;
	int n = 0;

	tmr_start(&api->purge_tmr, (uint64_t)api->cfg->purge_interval * 1000,
		  purge_tick, api);
	(void)purge(api, 0, now, &p);
	sessions_sweep(api, now);
	/* deletions whose grace period ended, a few per tick */
	while (n++ < 8 && !store_deletion_due(api->st, now, &tid)) {
		if (api_deletion_run(api, tid, now, &p))
			break;
	}
}

void api_retention_start(struct http_api *api)
{
	uint64_t first;

	if (!api || !api->cfg->purge_interval)
		return;
	first = (uint64_t)api->cfg->purge_interval * 1000;
	tmr_start(&api->purge_tmr, first < PURGE_FIRST ? first : PURGE_FIRST,
		  purge_tick, api);
}

void api_retention_stop(struct http_api *api)
{
	if (api)
		tmr_cancel(&api->purge_tmr);
}

/* ---- routes ------------------------------------------------------------- */

static int tenant_check(struct api_req *req, struct store_retention *r)
{
	int err = store_retention_get(req->api->st, req->id, r);

	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "retention: %m", err);
	return 0;
}

static int reply(struct api_req *req, const struct store_retention *r)
{
	struct odict *o = NULL;
	int err = api_encode(&o, &api_retention, r, req);

	return api_reply_encoded(req, 200, err, o, 0);
}

static int retention_get(struct api_req *req)
{
	struct store_retention r;
	int err = tenant_check(req, &r);

	return err ? err : reply(req, &r);
}

static int retention_update(struct api_req *req)
{
	struct store_retention r;
	int err;

	err = tenant_check(req, &r);
	if (!err)
		err = api_body_check(req, fields, ARRAY_SIZE(fields));
	if (!err)
		err = api_fields_apply(req, &r);
	if (err)
		return err;
	r.updated_at = req->now;
	err = store_retention_set(req->api->st, &r);
	if (err)
		return api_fail(req, err, "retention: %m", err);
	info("http: tenant %lld: keep calls %u, messages %u, notes %u, audit "
	     "%u days\n",
	     (long long)r.tenant_id, r.call_days, r.message_days, r.note_days,
	     r.audit_days);
	return reply(req, &r);
}

static const struct api_param purge_params[] = {
    {"at", AP_TIME, offsetof(struct api_query, since), 0, 0, 0},
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

static int purge_now(struct api_req *req)
{
	struct store_purge p;
	struct api_query q;
	struct odict *o = NULL;
	uint64_t at;
	int err;

	err = api_query_read(req, purge_params, ARRAY_SIZE(purge_params), &q);
	if (err)
		return err;
	at = q.since ? q.since : req->now;
	if (at > req->now)
		return api_error(req, 400, "at: must not be in the future");
	if (q.tenant_id) {
		struct store_tenant t;

		err = store_tenant_get(req->api->st, q.tenant_id, &t);
		if (err == ENOENT)
			return api_error(req, 422,
					 "tenant_id: tenant %lld "
					 "not found",
					 (long long)q.tenant_id);
		if (err)
			return api_fail(req, err, "tenant: %m", err);
	}
	req->audit_tenant = q.tenant_id ? q.tenant_id : -1;
	err = purge(req->api, q.tenant_id, at, &p);
	if (err)
		return api_fail(req, err, "purge: %m", err);
	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err = api_add_time(o, "at", at);
	err |= api_add_id(o, "tenant_id", q.tenant_id);
	err |= api_add_int(o, "calls", p.calls);
	err |= api_add_int(o, "queue_visits", p.visits);
	err |= api_add_int(o, "callbacks", p.callbacks);
	err |= api_add_int(o, "voicemail_messages", p.messages);
	err |= api_add_int(o, "files", p.files);
	err |= api_add_int(o, "notifications", p.outbox);
	err |= api_add_int(o, "call_notes", p.notes);
	err |= api_add_int(o, "audit_entries", p.audit);
	return api_reply_encoded(req, 200, err, o, 0);
}

static const struct api_action actions[] = {
    {"GET", "/:id/retention", retention_get},
    {"PATCH", "/:id/retention", retention_update},
};

const struct api_resource api_retention = {
    .path = "/api/v1/tenants",
    .noun = "tenant",
    .label = "retention",
    API_FIELDS(fields),
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};

static const struct api_action purge_actions[] = {
    {"POST", "/purge", purge_now},
};

const struct api_resource api_retention_purge = {
    .path = "/api/v1/retention",
    .noun = "retention",
    .label = "retention",
    .actionv = purge_actions,
    .actionc = ARRAY_SIZE(purge_actions),
};
