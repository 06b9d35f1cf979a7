/*
 * api_announcements.c - /api/v1/announcements: recorded messages (WAV
 * files in the prompts directory) that a number can be routed to.  The
 * file name is checked for shape only (a relative path ending in .wav that
 * cannot leave the prompts directory); the media player reports a missing
 * file when a call reaches it.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

static const struct api_field fields[] = {
    {"id", FT_INT, FF_RO, 0},
    {"tenant_id", FT_INT, FF_REQUIRED | FF_FIXED, 0},
    {"name", FT_STR, FF_REQUIRED, 63},
    {"file", FT_STR, FF_REQUIRED, 127},
    {"created_at", FT_STR, FF_RO, 0},
};

static int announcement_encode(struct odict **op,
			       const struct store_announcement *a)
{
	struct odict *o;
	int err;

	err = odict_alloc(&o, 8);
	if (err)
		return err;
	err |= api_add_int(o, "id", a->id);
	err |= api_add_int(o, "tenant_id", a->tenant_id);
	err |= api_add_str(o, "name", a->name);
	err |= api_add_str(o, "file", a->file);
	err |= api_add_time(o, "created_at", a->created_at);
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

static int reply_announcement(struct api_req *req, uint16_t status,
			      const struct store_announcement *a)
{
	struct odict *o = NULL;
	int err = announcement_encode(&o, a);

	return api_reply_encoded(req, status, err, o, a->id);
}

/* "greeting.wav", "acme/closed.wav": no "..", no leading "/". */
static bool file_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 5 || s[0] == '/' || strcmp(s + n - 4, ".wav"))
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("._-/", c)))
			return false;
		if (c == '/' && (s[i + 1] == '/' || s[i + 1] == '.'))
			return false;
	}
	return s[0] != '.';
}

static int announcement_apply(struct api_req *req, struct store_announcement *a)
{
	const char *s;

	s = api_str(req, "name");
	if (s && !s[0])
		return api_error(req, 422, "name: must not be empty");
	api_str_copy(req, "name", a->name, sizeof(a->name));

	s = api_str(req, "file");
	if (s && !file_ok(s))
		return api_error(req, 422,
				 "file: must be a .wav file name relative to "
				 "the prompts directory, like greeting.wav");
	api_str_copy(req, "file", a->file, sizeof(a->file));
	return 0;
}

int api_announcement_create(struct api_req *req)
{
	struct store *st = req->api->st;
	struct store_announcement a;
	struct store_tenant t;
	int64_t tid;
	int err;

	err = api_body_check(req, fields, ARRAY_SIZE(fields), true);
	if (err)
		return err;
	err = api_field_id(req, "tenant_id", &tid);
	if (err)
		return err;
	err = api_tenant_ref(req, "tenant_id", tid, &t);
	if (err)
		return err;

	memset(&a, 0, sizeof(a));
	a.tenant_id = tid;
	err = announcement_apply(req, &a);
	if (err)
		return err;

	err = store_announcement_add(st, &a);
	if (err)
		return api_fail(req, err, "announcement: %m", err);
	info("http: announcement %lld created (%s)\n", (long long)a.id, a.file);

	(void)store_announcement_get(st, a.id, &a);
	return reply_announcement(req, 201, &a);
}

static int list_h(const struct store_announcement *a, void *arg)
{
	struct odict *o = NULL;
	int err = announcement_encode(&o, a);

	return api_list_add(arg, err, o);
}

int api_announcement_list(struct api_req *req)
{
	static const char *const params[] = {"tenant_id", NULL};
	struct odict *arr = NULL;
	int64_t tid;
	int err;

	err = api_query_check(req, params);
	if (err)
		return err;
	err = api_query_id(req, "tenant_id", &tid);
	if (err)
		return err;
	err = api_list_alloc(&arr);
	if (err)
		return err;
	err = store_announcement_list(req->api->st, tid, list_h, arr);
	return api_list_done(req, err, arr, "announcements");
}

int api_announcement_get(struct api_req *req)
{
	struct store_announcement a;
	int err;

	err = store_announcement_get(req->api->st, req->id, &a);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "announcement: %m", err);
	return reply_announcement(req, 200, &a);
}

int api_announcement_update(struct api_req *req)
{
	struct store *st = req->api->st;
	struct store_announcement a;
	int err;

	err = store_announcement_get(st, req->id, &a);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "announcement: %m", err);

	err = api_body_check(req, fields, ARRAY_SIZE(fields), false);
	if (err)
		return err;
	err = announcement_apply(req, &a);
	if (err)
		return err;

	err = store_announcement_update(st, &a);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "announcement: %m", err);

	(void)store_announcement_get(st, a.id, &a);
	return reply_announcement(req, 200, &a);
}

int api_announcement_delete(struct api_req *req)
{
	int err;

	err = store_announcement_delete(req->api->st, req->id);
	if (err == ENOENT)
		return api_not_found(req);
	if (err == EBUSY)
		return api_fail(req, err,
				"announcement %lld is the target of a number; "
				"route that number elsewhere first",
				(long long)req->id);
	if (err)
		return api_fail(req, err, "announcement: %m", err);
	info("http: announcement %lld deleted\n", (long long)req->id);
	return api_reply_no_content(req);
}
