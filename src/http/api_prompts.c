/*
 * api_prompts.c - /api/v1/prompts: WAV files a tenant uploads (its
 * greeting, closed message, mailbox greeting, music on hold) and then
 * names, by their file, in a menu's prompt, an announcement's file or
 * the tenant's moh_prompt.
 *
 *   POST /api/v1/prompts?tenant_id=1&name=Welcome&purpose=greeting
 *        Content-Type: audio/wav, the WAV file as the body
 *   GET /api/v1/prompts[?tenant_id=], GET /:id, GET /:id/audio (the file)
 *   PATCH /:id {"name", "purpose"}, DELETE /:id
 *
 * An upload is refused with a status naming the problem:
 *   413  larger than PROMPT_BYTES_MAX (not even read)
 *   415  Content-Type not audio/wav, or not a WAV file we decode
 *        (media_wav_decode: the one reader the player uses too)
 *   422  empty, truncated, no samples, or longer than its purpose
 *        allows (music on hold 600 s, anything else 300 s)
 *
 * What is accepted is on disk before the 201: the file is written under
 * a random name (uploads/<tenant>/<16 hex>.wav; file_put: temporary
 * file, fsync, rename, directory fsync), then its row is committed; a
 * row that cannot be written takes its file with it.  Random names are
 * never reused, so the player's cache (keyed by path) never serves an
 * old prompt for a new file.  Delete removes the row, then the file and
 * its samples in the player's cache (media_prompt_forget); a prompt still
 * played somewhere is a 409 that says where.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "media/media.h"
#include "http/http_int.h"

#define T struct store_prompt

enum {
	PROMPT_BYTES_MAX = 10 * 1024 * 1024, /* [bytes] an upload at most */
	PROMPT_MS_MAX = 300000,              /* [ms] a prompt at most     */
	PROMPT_MOH_MS_MAX = 600000,          /* [ms] music on hold        */
};

static const char uploads[] = "uploads/"; /* under the prompts directory */

static uint32_t ms_max(enum store_prompt_purpose purpose)
{
	return purpose == STORE_PROMPT_MOH ? PROMPT_MOH_MS_MAX : PROMPT_MS_MAX;
}

/* "612 s", "2.5 s" */
static int print_secs(struct re_printf *pf, void *arg)
{
	uint32_t ms = *(const uint32_t *)arg;
	char frac[8];
	int i;

	if (!(ms % 1000))
		return re_hprintf(pf, "%u s", ms / 1000);
	re_snprintf(frac, sizeof(frac), "%03u", ms % 1000);
	for (i = 2; i > 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	return re_hprintf(pf, "%u.%s s", ms / 1000, frac);
}

/* Longer than its purpose allows: a 422 naming both lengths. */
static int too_long(struct api_req *req, const char *field, uint32_t ms,
		    enum store_prompt_purpose purpose)
{
	uint32_t max = ms_max(purpose);

	return api_error(req, 422, "%s: %H is longer than %H (%s)", field,
			 print_secs, &ms, print_secs, &max,
			 store_prompt_purpose_name(purpose));
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_RO), API_M(T, tenant_id)},
    {API_F("name", AK_STR, 0), API_M(T, name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("purpose", AK_ENUM, 0), API_M(T, purpose), .max = 16,
     .en = &store_names_prompt_purpose},
    {API_F("file", AK_STR, FF_RO), API_M(T, file)},
    {API_F("format", AK_STR, FF_RO), API_M(T, format)},
    {API_F("duration_ms", AK_INT, FF_RO), API_M(T, duration_ms)},
    {API_F("rate", AK_INT, FF_RO), API_M(T, rate)},
    {API_F("channels", AK_INT, FF_RO), API_M(T, channels)},
    {API_F("bytes", AK_INT, FF_RO), API_M(T, bytes)},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

/* ---- what uses a prompt ------------------------------------------------ */

struct refs {
	struct store *st;
	const char *file;
	struct re_printf *pf;
	unsigned n;
	int err;
};

static int ref_print(const struct store_prompt_ref *r, void *arg)
{
	struct refs *x = arg;

	x->err |= re_hprintf(
	    x->pf, "%s%s %lld (%s)", x->n ? ", " : "",
	    !strcmp(r->via, "tenant") ? "the music on hold of tenant" : r->via,
	    (long long)r->owner, r->name);
	x->n++;
	return 0;
}

/* "ivr menu 2 (Main), announcement 1 (Welcome)" */
static int print_refs(struct re_printf *pf, void *arg)
{
	struct refs *x = arg;
	int err;

	x->pf = pf;
	err = store_prompt_refs(x->st, x->file, ref_print, x);
	return err ? err : x->err;
}

static int prompt_fail(struct api_req *req, int err, const void *rec)
{
	const T *p = rec;
	struct refs x = {req->api->st, p->file, NULL, 0, 0};

	switch (err) {
	case EEXIST:
		return api_fail(req, err,
				"name: tenant %lld has a prompt named %s "
				"already",
				(long long)p->tenant_id, p->name);
	case EBUSY:
		return api_fail(req, err,
				"prompt %lld is in use by %H; change that "
				"first",
				(long long)p->id, print_refs, &x);
	default:
		return api_fail(req, err, "prompt: %m", err);
	}
}

/* PATCH: the length must suit a new purpose too. */
static int prompt_check(struct api_req *req, void *rec, const void *old)
{
	T *p = rec;

	(void)old;
	if (p->duration_ms > ms_max(p->purpose))
		return too_long(req, "purpose", p->duration_ms, p->purpose);
	return 0;
}

/* ---- files ------------------------------------------------------------- */

static void path_of(char *buf, size_t sz, const struct api_req *req,
		    const char *file)
{
	re_snprintf(buf, sz, "%s/%s", req->api->cfg->prompts_dir, file);
}

/* A file given up: removed, its directory synced (errors logged). */
static void file_drop(const struct api_req *req, const char *file)
{
	char path[512];
	int err;

	path_of(path, sizeof(path), req, file);
	/* its decoded samples leave the player's cache (once no call
	 * plays them any more) */
	(void)media_prompt_forget(path);
	if (unlink(path)) {
		warning("http: prompt file %s: %m\n", path, errno);
		return;
	}
	err = file_sync(path);
	if (err && err != ENOENT)
		warning("http: prompt file %s: directory sync: %m\n", path,
			err);
}

static void prompt_after(struct api_req *req, enum api_op op, const void *rec,
			 const void *old)
{
	const T *p = rec;

	(void)old;
	if (op == API_DELETE)
		file_drop(req, p->file);
}

/* ---- upload ------------------------------------------------------------ */

static bool wav_type(const struct http_msg *msg)
{
	static const char *const types[] = {"wav", "x-wav", "wave", "vnd.wave"};
	size_t i;

	if (pl_strcasecmp(&msg->ctyp.type, "audio"))
		return false;
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		if (!pl_strcasecmp(&msg->ctyp.subtype, types[i]))
			return true;
	}
	return false;
}

/* The query of an upload into p: tenant_id, name, purpose. */
static const struct api_param upload_params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
    {"name", AP_STR, 0, 0, 0, 0},
    {"purpose", AP_STR, 0, 0, 0, 0},
};

static int upload_query(struct api_req *req, T *p)
{
	struct store_tenant t;
	struct api_query q;
	char purpose[32];
	size_t i;
	int err, r;

	err = api_query_read(req, upload_params, ARRAY_SIZE(upload_params), &q);
	if (err)
		return err;
	if (!q.tenant_id)
		return api_error(req, 422,
				 "tenant_id: is required (a query parameter)");
	err = store_tenant_get(req->api->st, q.tenant_id, &t);
	if (err == ENOENT || (!err && !api_tenant_visible(req, q.tenant_id)))
		return api_error(req, 422,
				 "tenant_id: tenant %lld does not exist",
				 (long long)q.tenant_id);
	if (err)
		return api_fail(req, err, "tenant_id: %m", err);
	p->tenant_id = q.tenant_id;

	r = api_query_str(req, "name", p->name, sizeof(p->name));
	if (!r)
		return api_error(req, 422,
				 "name: is required (a query parameter)");
	if (r < 0)
		return api_error(req, 422,
				 "name: must be at most %zu bytes, "
				 "percent-encoded",
				 sizeof(p->name) - 1);
	for (i = 0; p->name[i]; i++) {
		if ((uint8_t)p->name[i] < 0x20 || p->name[i] == 0x7f)
			return api_error(req, 422,
					 "name: control characters are not "
					 "allowed");
	}
	if (!p->name[0])
		return api_error(req, 422, "name: must not be empty");

	r = api_query_str(req, "purpose", purpose, sizeof(purpose));
	p->purpose = STORE_PROMPT_OTHER;
	if (r && store_prompt_purpose_parse(purpose, &p->purpose))
		return api_error(req, 422,
				 "purpose: must be greeting, closed, mailbox, "
				 "music_on_hold or other");
	return 0;
}

/* The body as a prompt: 0, or an error after the 4xx. */
static int upload_check(struct api_req *req, T *p)
{
	const struct http_msg *msg = req->msg;
	struct media_wav w;
	char why[256];
	uint64_t clen;
	int err;

	if (!wav_type(msg))
		return api_error(req, 415,
				 "Content-Type: must be audio/wav (the WAV "
				 "file as the body), not %r/%r",
				 &msg->ctyp.type, &msg->ctyp.subtype);
	clen = api_content_length(msg);
	if (clen > PROMPT_BYTES_MAX || mbuf_get_left(msg->mb) < clen)
		return api_error(
		    req, 413, "file: %llu bytes is more than %u bytes",
		    (unsigned long long)clen, (unsigned)PROMPT_BYTES_MAX);
	if (!mbuf_get_left(msg->mb))
		return api_error(req, 422, "file: empty (0 bytes)");

	err = media_wav_decode(mbuf_buf(msg->mb), mbuf_get_left(msg->mb), &w,
			       NULL, why, sizeof(why));
	switch (err) {
	case 0:
		break;
	case EBADMSG:
	case ENOTSUP:
		return api_error(req, 415, "file: %s", why);
	case EPROTO:
	case ENODATA:
		return api_error(req, 422, "file: %s", why);
	default:
		return api_fail(req, err, "file: %m", err);
	}
	if (w.duration_ms > ms_max(p->purpose))
		return too_long(req, "file", w.duration_ms, p->purpose);
	if (!w.duration_ms)
		return api_error(req, 422,
				 "file: no audio (shorter than 1 ms)");

	str_copy(p->format, w.format, sizeof(p->format));
	p->duration_ms = w.duration_ms;
	p->rate = w.srate;
	p->channels = w.channels;
	p->bytes = mbuf_get_left(msg->mb);
	return 0;
}

/* Write the body as p's new file (p->file set): on disk when 0. */
static int upload_write(struct api_req *req, T *p)
{
	char rnd[17], path[512];
	int err;

	str_random_hex(rnd, 8);
	re_snprintf(p->file, sizeof(p->file), "%s%lld/%s.wav", uploads,
		    (long long)p->tenant_id, rnd);
	re_snprintf(path, sizeof(path), "%s/%s%lld", req->api->cfg->prompts_dir,
		    uploads, (long long)p->tenant_id);
	err = dir_make(path);
	if (!err) {
		path_of(path, sizeof(path), req, p->file);
		err = file_put(path, mbuf_buf(req->msg->mb),
			       mbuf_get_left(req->msg->mb));
	}
	if (err) {
		warning("http: prompt upload: %s: %m\n", path, err);
		return api_error(req, 500, "internal error");
	}
	return 0;
}

static int prompt_upload(struct api_req *req)
{
	struct odict *o = NULL;
	T *p;
	int err;

	p = mem_zalloc(sizeof(*p), NULL);
	if (!p)
		return ENOMEM;
	err = upload_query(req, p);
	if (!err)
		err = upload_check(req, p);
	if (!err)
		err = upload_write(req, p);
	if (err)
		goto out;

	err = store_prompt_add(req->api->st, p);
	if (err) {
		file_drop(req, p->file);
		err = prompt_fail(req, err, p);
		goto out;
	}
	info("http: prompt %lld created (%s, tenant %lld, %s, %u Hz, %u ch, "
	     "%u ms)\n",
	     (long long)p->id, p->file, (long long)p->tenant_id, p->format,
	     p->rate, p->channels, p->duration_ms);
	err = api_encode(&o, api_res(req), p, req);
	err = api_reply_encoded(req, 201, err, o, p->id);
out:
	mem_deref(p);
	return err;
}

/* GET /:id/audio: the file as it was uploaded. */
static int prompt_audio(struct api_req *req)
{
	char path[512], name[64];
	T p;
	int err;

	err = store_prompt_get(req->api->st, req->id, &p);
	if (err == ENOENT || (!err && !api_tenant_visible(req, p.tenant_id)))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "prompt: %m", err);
	path_of(path, sizeof(path), req, p.file);
	re_snprintf(name, sizeof(name), "prompt-%lld.wav", (long long)p.id);
	err = api_reply_file(req, path, "audio/wav", name);
	if (err && !req->replied) {
		warning("http: prompt %lld: %s: %m\n", (long long)p.id, path,
			err);
		return api_error(req, 500, "internal error");
	}
	return err;
}

/* ---- files of other resources ----------------------------------------- */

int api_prompt_file(struct api_req *req, const char *field, const char *file,
		    int64_t tenant_id)
{
	T p;
	int err;

	if (!file || strncmp(file, uploads, sizeof(uploads) - 1))
		return 0;
	err = store_prompt_by_file(req->api->st, file, &p);
	if (err == ENOENT)
		return api_error(req, 422, "%s: %s is no uploaded prompt",
				 field, file);
	if (err)
		return api_fail(req, err, "%s: %m", field, err);
	if (p.tenant_id != tenant_id)
		return api_error(req, 422,
				 "%s: %s is a prompt of another tenant", field,
				 file);
	return 0;
}

int api_prompt_playable(struct api_req *req, const char *field,
			const char *file, int64_t tenant_id)
{
	char path[512];
	int err;

	err = api_prompt_file(req, field, file, tenant_id);
	if (err || !file || !file[0])
		return err;
	re_snprintf(path, sizeof(path), "%s/%s", req->api->cfg->prompts_dir,
		    file);
	err = media_prompt_check(path);
	if (err == ENOENT)
		return api_error(req, 422,
				 "%s: %s does not exist in the prompts "
				 "directory",
				 field, file);
	if (err)
		return api_error(req, 422,
				 "%s: %s cannot be played: %m (a WAV file is "
				 "needed)",
				 field, file, err);
	return 0;
}

/* ---- the resource ------------------------------------------------------ */

API_STORE_GET(prompt_get, store_prompt_get)

API_STORE_UPDATE(prompt_update, store_prompt_update)

API_LIST_H(prompt_h, T)

static int prompt_list(struct api_req *req, const struct api_query *q,
		       void *arg)
{
	return store_prompt_list(req->api->st, q->tenant_id, prompt_h, arg);
}

static int prompt_print(struct re_printf *pf, void *rec)
{
	const T *p = rec;

	return re_hprintf(pf, "%s, %s", p->name, p->file);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

static const struct api_action actions[] = {
    {"GET", "/:id/audio", prompt_audio},
};

static const struct api_action raw_actions[] = {
    {"POST", "", prompt_upload},
};

const struct api_resource api_prompts = {
    .path = "/api/v1/prompts",
    .noun = "prompt",
    .label = "prompt",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = prompt_get,
    .update = prompt_update,
    .del = store_prompt_delete,
    .list = prompt_list,
    .check = prompt_check,
    .fail = prompt_fail,
    .after = prompt_after,
    .print = prompt_print,
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
    .raw_actionv = raw_actions,
    .raw_actionc = ARRAY_SIZE(raw_actions),
    .raw_max = PROMPT_BYTES_MAX,
};
