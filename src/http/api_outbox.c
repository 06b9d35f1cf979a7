/*
 * api_outbox.c - /api/v1/outbox: the deliveries of the outbox (store.h,
 * "outbox"; notify/notify.h), read only, and the operator's test mail:
 *
 *   GET  /api/v1/outbox?tenant_id=&state=&limit=&offset=   newest first
 *   GET  /api/v1/outbox/<id>
 *   POST /api/v1/outbox/test-mail  {"to": "a@example.com", "cc": ...,
 *                                   "tenant_id": N, "attachment": "x.wav",
 *                                   "subject": "..."}
 *
 * A delivery shows its channel, state, attempts, the next attempt (while
 * pending), the last error, the sender, the recipients (arrays), the
 * subject, its attachments (name and type, not where they lie on disk)
 * and when it was created and sent.  Recipients are employees' e-mail
 * addresses: only the operator role reads the outbox (roles.c).
 * When tenant-scoped roles come, a tenant's owner may read its own
 * tenant's rows; an agent never.
 *
 * The test mail is what a PBX's "send test e-mail" button does: a mail
 * with a fixed subject (or the one given: UTF-8, as a voicemail's may be)
 * through the same outbox as every other delivery,
 * answered 202 with its outbox row; its fate shows in that row.  An
 * attachment is a file of the prompts directory (the same rule as
 * announcements: relative, no ".."), so the test can carry a WAV like a
 * voicemail mail.  The body text names this node.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "notify/notify.h"

#define T struct store_outbox

enum {
	LIMIT_DEFAULT = 100,
	LIMIT_MAX = 1000,
	OFFSET_MAX = 100000000,
};

static const char test_subject[] = "Switchboard test mail";

/* A JSON array of the addresses of list ("a@x, b@y"). */
static int addrs_encode(struct odict *o, const struct api_field *f,
			const void *rec, const struct api_req *req)
{
	const char *list = (const char *)rec + f->off, *p, *end;
	struct odict *arr = NULL;
	char one[256], key[8];
	unsigned i = 0;
	int err;

	(void)req;
	err = odict_alloc(&arr, 8);
	if (err)
		return err;
	for (p = list; *p && !err; p = *end ? end + 1 : end) {
		size_t n;

		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		while (p < end && *p == ' ')
			++p;
		n = (size_t)(end - p);
		if (!n || n >= sizeof(one))
			continue;
		memcpy(one, p, n);
		one[n] = '\0';
		re_snprintf(key, sizeof(key), "%u", i++);
		err = odict_entry_add(arr, key, ODICT_STRING, one);
	}
	if (!err)
		err = odict_entry_add(o, f->name, ODICT_ARRAY, arr);
	mem_deref(arr);
	return err;
}

/* [{"name": "msg.wav", "type": "audio/wav"}, ...] */
static int files_encode(struct odict *o, const struct api_field *f,
			const void *rec, const struct api_req *req)
{
	const T *ob = rec;
	struct odict *arr = NULL, *one;
	char key[8];
	uint32_t i;
	int err;

	(void)req;
	err = odict_alloc(&arr, 4);
	for (i = 0; !err && i < ob->filec; i++) {
		one = NULL;
		err = odict_alloc(&one, 4);
		if (err)
			break;
		err |= api_add_str(one, "name", ob->filev[i].name);
		err |= api_add_str(one, "type", ob->filev[i].type);
		re_snprintf(key, sizeof(key), "%u", i);
		if (!err)
			err = odict_entry_add(arr, key, ODICT_OBJECT, one);
		mem_deref(one);
	}
	if (!err)
		err = odict_entry_add(o, f->name, ODICT_ARRAY, arr);
	mem_deref(arr);
	return err ? ENOMEM : 0;
}

/* Only a pending delivery has a next attempt. */
static int next_encode(struct odict *o, const struct api_field *f,
		       const void *rec, const struct api_req *req)
{
	const T *ob = rec;

	(void)req;
	return api_add_time(
	    o, f->name,
	    ob->state == STORE_OUTBOX_PENDING ? ob->next_attempt_at : 0);
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_RO | FF_NULL), API_M(T, tenant_id)},
    {API_F("channel", AK_ENUM, FF_RO), API_M(T, channel),
     .en = &store_names_channel},
    {API_F("state", AK_ENUM, FF_RO), API_M(T, state),
     .en = &store_names_outbox_state},
    {API_F("attempts", AK_INT, FF_RO), API_M(T, attempts)},
    {API_F("next_attempt_at", AK_TIME, FF_RO), .encode = next_encode},
    {API_F("last_error", AK_STR, FF_RO | FF_NULL), API_M(T, last_error)},
    {API_F("from", AK_STR, FF_RO), API_M(T, mail_from)},
    {API_F("to", AK_STR, FF_RO), API_M(T, mail_to), .encode = addrs_encode},
    {API_F("cc", AK_STR, FF_RO), API_M(T, mail_cc), .encode = addrs_encode},
    {API_F("subject", AK_STR, FF_RO), API_M(T, subject)},
    {API_F("attachments", AK_STR, FF_RO), .encode = files_encode},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
    {API_F("sent_at", AK_TIME, FF_RO), API_M(T, sent_at)},
    {API_F("delivered_at", AK_TIME, FF_RO), API_M(T, delivered_at)},
};

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
    {"state", AP_STATE, offsetof(struct api_query, state), 0, 0, 0},
    {"limit", AP_UINT, offsetof(struct api_query, limit), 1, LIMIT_MAX,
     LIMIT_DEFAULT},
    {"offset", AP_UINT, offsetof(struct api_query, offset), 0, OFFSET_MAX, 0},
};

/* The body of POST /test-mail. */
static const struct api_field test_fields[] = {
    {API_F("to", AK_STR, FF_REQUIRED), .max = 254},
    {API_F("cc", AK_STR, FF_NULL), .max = 254},
    {API_F("tenant_id", AK_ID, FF_NULL)},
    {API_F("attachment", AK_STR, FF_NULL), .max = 127},
    {API_F("subject", AK_STR, FF_NULL), .max = 200},
};

API_STORE_GET(outbox_get, store_outbox_get)

API_LIST_H(outbox_h, T)

static int outbox_list(struct api_req *req, const struct api_query *q,
		       void *arg)
{
	struct store_outbox_filter f;

	memset(&f, 0, sizeof(f));
	f.tenant_id = q->tenant_id;
	f.by_state = q->state > 0;
	f.state = f.by_state ? (enum store_outbox_state)(q->state - 1)
			     : STORE_OUTBOX_PENDING;
	f.limit = q->limit;
	f.offset = q->offset;
	return store_outbox_list(req->api->st, &f, outbox_h, arg);
}

/* A file name inside the prompts directory: relative, no ".." step. */
static bool prompt_name_ok(const char *s)
{
	const char *p;

	if (!s || !s[0] || s[0] == '/')
		return false;
	for (p = s; p; p = strchr(p, '/')) {
		if (*p == '/')
			++p;
		if (!strncmp(p, "..", 2) && (p[2] == '/' || p[2] == '\0'))
			return false;
	}
	return true;
}

/* The attachment named by the body into f. */
static int attachment_of(struct api_req *req, const char *name,
			 struct store_outbox_file *f)
{
	const char *base = strrchr(name, '/'), *dot;

	if (!prompt_name_ok(name))
		return api_error(req, 400,
				 "attachment: must be a file name inside the "
				 "prompts directory");

	re_snprintf(f->path, sizeof(f->path), "%s/%s",
		    req->api->cfg->prompts_dir, name);
	str_copy(f->name, base ? base + 1 : name, sizeof(f->name));
	dot = strrchr(f->name, '.');
	str_copy(f->type,
		 dot && !strcasecmp(dot, ".wav") ? "audio/wav"
						 : "application/octet-stream",
		 sizeof(f->type));
	return 0;
}

static int outbox_test_mail(struct api_req *req)
{
	struct store_outbox_file file;
	struct notify_mail m;
	struct odict *o = NULL;
	char body[256];
	const char *to, *cc, *att;
	int64_t tid = 0, id = 0;
	T *rec = NULL;
	int err;

	req->create = true;
	err = api_body_check(req, test_fields, ARRAY_SIZE(test_fields));
	if (err)
		return err;

	to = api_str(req, "to");
	cc = api_str(req, "cc");
	att = api_str(req, "attachment");
	if (!notify_addr_ok(to))
		return api_error(req, 400,
				 "to: must be one e-mail address like "
				 "name@example.com");
	if (str_isset(cc) && !notify_addr_ok(cc))
		return api_error(req, 400,
				 "cc: must be one e-mail address like "
				 "name@example.com");
	err = api_field_id(req, "tenant_id", &tid);
	if (err)
		return err;
	if (tid) {
		struct store_tenant t;

		err = store_tenant_get(req->api->st, tid, &t);
		if (err == ENOENT)
			return api_error(req, 422,
					 "tenant_id: tenant %lld does not "
					 "exist",
					 (long long)tid);
		if (err)
			return api_fail(req, err, "tenant_id: %m", err);
	}

	memset(&m, 0, sizeof(m));
	memset(&file, 0, sizeof(file));
	if (str_isset(att)) {
		err = attachment_of(req, att, &file);
		if (err)
			return err;
		m.filev = &file;
		m.filec = 1;
	}
	if (!req->api->notify || !notify_mail_configured(req->api->cfg))
		return api_error(req, 409,
				 "smtp: no SMTP server configured "
				 "(--smtp-url)");

	re_snprintf(body, sizeof(body),
		    "This is a test mail from Switchboard node %s.\n"
		    "If you read this, its mail delivery works.\n",
		    req->api->cfg->node_id);
	m.tenant_id = tid;
	m.to = to;
	m.cc = cc;
	m.subject = str_isset(api_str(req, "subject")) ? api_str(req, "subject")
						       : test_subject;
	m.body = body;

	err = notify_mail(req->api->notify, &m, &id);
	if (err)
		return api_fail(req, err, "outbox: %m", err);

	rec = mem_zalloc(sizeof(*rec), NULL);
	if (!rec)
		return ENOMEM;
	err = store_outbox_get(req->api->st, id, rec);
	if (!err)
		err = api_encode(&o, api_res(req), rec, req);
	mem_deref(rec);
	return api_reply_encoded(req, 202, err, o, 0);
}

static const struct api_action actions[] = {
    {"POST", "/test-mail", outbox_test_mail},
};

const struct api_resource api_outbox = {
    .path = "/api/v1/outbox",
    .noun = "outbox",
    .label = "outbox",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .get = outbox_get,
    .list = outbox_list,
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
