/*
 * api_announcements.c - /api/v1/announcements: recorded messages (WAV
 * files in the prompts directory) that a number can be routed to.  The
 * file name is a relative path ending in .wav that cannot leave the
 * prompts directory, and the file must be there and play (422 "file: ...
 * does not exist" otherwise); a call to an announcement whose file has
 * gone since is not answered (app_announcement.c).  An uploaded prompt
 * ("uploads/...", see api_prompts.c) must be one of the announcement's
 * tenant.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

#define T struct store_announcement

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

static const struct api_rule file_rule = {
    file_ok, "must be a .wav file name relative to the prompts directory, "
	     "like greeting.wav"};

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED), API_M(T, tenant_id),
     .ref = api_ref_tenant},
    {API_F("name", AK_STR, FF_REQUIRED), API_M(T, name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("file", AK_STR, FF_REQUIRED), API_M(T, file), .max = 127,
     .rule = &file_rule},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

/* The file must play; an uploaded one must be the announcement's tenant's. */
static int announcement_check(struct api_req *req, void *rec, const void *old)
{
	const T *a = rec;

	(void)old;
	return api_prompt_playable(req, "file", a->file, a->tenant_id);
}

static int announcement_fail(struct api_req *req, int err, const void *rec)
{
	const T *a = rec;

	if (err == EBUSY)
		return api_fail(req, err,
				"announcement %lld is the target of a number; "
				"route that number elsewhere first",
				(long long)a->id);
	return api_fail(req, err, "announcement: %m", err);
}

API_STORE_GET(announcement_get, store_announcement_get)

API_STORE_ADD(announcement_add, store_announcement_add)

API_STORE_UPDATE(announcement_update, store_announcement_update)

API_LIST_H(announcement_h, T)

static int announcement_list(struct api_req *req, const struct api_query *q,
			     void *arg)
{
	return store_announcement_list(req->api->st, q->tenant_id,
				       announcement_h, arg);
}

static int announcement_print(struct re_printf *pf, void *rec)
{
	const T *a = rec;

	return re_hprintf(pf, "%s", a->file);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

const struct api_resource api_announcements = {
    .path = "/api/v1/announcements",
    .noun = "announcement",
    .label = "announcement",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = announcement_get,
    .add = announcement_add,
    .update = announcement_update,
    .del = store_announcement_delete,
    .list = announcement_list,
    .check = announcement_check,
    .fail = announcement_fail,
    .print = announcement_print,
};
