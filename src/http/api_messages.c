/*
 * api_messages.c - /api/v1/messages: voicemail messages, one at a time
 * (a mailbox lists its own: GET /api/v1/mailboxes/<id>/messages).
 *
 *   GET    /api/v1/messages/<id>         the message, with its mail
 *   GET    /api/v1/messages/<id>/audio   the WAV (audio/wav)
 *   PATCH  /api/v1/messages/<id>         {"heard": true}
 *   DELETE /api/v1/messages/<id>         the row, then the file
 *
 * A message shows its mailbox, caller (E.164 for calls from outside, an
 * extension for internal ones, null when unknown), caller name, when it
 * began, its length, whether it was heard, and "mail": the delivery of
 * the mail that reported it, read from its outbox row (state pending,
 * sending, sent or failed, attempts, the last error, when it was sent or
 * is tried next), null for a mailbox without recipients.  Deleting a
 * message whose mail is still pending makes that mail fail (its
 * attachment is gone).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "http/http_int.h"
#include "notify/notify.h"

#define T struct store_vm_message

/* "mail": the delivery of the message's mail, or null. */
static int mail_encode(struct odict *o, const struct api_field *f,
		       const void *rec, const struct api_req *req)
{
	const T *m = rec;
	struct store_outbox *ob;
	struct odict *d = NULL;
	int err;

	if (!m->outbox_id)
		return odict_entry_add(o, f->name, ODICT_NULL);
	ob = mem_zalloc(sizeof(*ob), NULL);
	if (!ob)
		return ENOMEM;
	err = store_outbox_get(req->api->st, m->outbox_id, ob);
	if (err == ENOENT) {
		err = odict_entry_add(o, f->name, ODICT_NULL);
		goto out;
	}
	if (err)
		goto out;
	err = odict_alloc(&d, 8);
	if (err)
		goto out;
	err |= api_add_int(d, "id", ob->id);
	err |= api_add_str(d, "state", store_outbox_state_name(ob->state));
	err |= api_add_int(d, "attempts", ob->attempts);
	/* a generic reason; the raw one is the operator's (GET /outbox) */
	err |= api_add_str_or_null(
	    d, "last_error", notify_error_reason(ob->channel, ob->last_error));
	err |= api_add_time(
	    d, "next_attempt_at",
	    ob->state == STORE_OUTBOX_PENDING ? ob->next_attempt_at : 0);
	err |= api_add_time(d, "sent_at", ob->sent_at);
	if (!err)
		err = odict_entry_add(o, f->name, ODICT_OBJECT, d);
out:
	mem_deref(d);
	mem_deref(ob);
	return err;
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("mailbox_id", AK_INT, FF_RO), API_M(T, mailbox_id)},
    {API_F("tenant_id", AK_INT, FF_RO), API_M(T, tenant_id)},
    {API_F("caller", AK_STR, FF_RO | FF_NULL), API_M(T, caller)},
    {API_F("caller_name", AK_STR, FF_RO | FF_NULL), API_M(T, caller_name)},
    {API_F("started_at", AK_TIME, FF_RO), API_M(T, started_at)},
    {API_F("duration_ms", AK_INT, FF_RO), API_M(T, duration_ms)},
    {API_F("heard", AK_BOOL, 0), API_M(T, heard)},
    {API_F("mail", AK_STR, FF_RO), .encode = mail_encode},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

API_STORE_GET(message_get, store_vm_message_get)

static int message_update(struct api_req *req, void *rec, const void *old)
{
	const T *m = rec;

	(void)old;
	return store_vm_message_set_heard(req->api->st, m->id, m->heard);
}

/* After the row is gone: its file (a leftover is swept at start). */
static void message_after(struct api_req *req, enum api_op op, const void *rec,
			  const void *old)
{
	const T *m = rec;

	(void)req;
	(void)old;
	if (op == API_DELETE && unlink(m->file))
		warning("http: message %lld: remove %s: %m\n", (long long)m->id,
			m->file, errno);
}

/* GET /:id/audio */
static int message_audio(struct api_req *req)
{
	const char *base;
	T m;
	int err;

	err = store_vm_message_get(req->api->st, req->id, &m);
	if (err == ENOENT || (!err && !api_tenant_visible(req, m.tenant_id)))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "message: %m", err);
	base = strrchr(m.file, '/');
	err =
	    api_reply_file(req, m.file, "audio/wav", base ? base + 1 : m.file);
	if (err && !req->replied)
		return api_error(req, err == ENOENT ? 404 : 500,
				 "message %lld: %s", (long long)m.id,
				 err == ENOENT ? "its file is missing"
					       : "its file cannot be read");
	return err;
}

static int message_print(struct re_printf *pf, void *rec)
{
	const T *m = rec;

	return re_hprintf(pf, "mailbox %lld, %s", (long long)m->mailbox_id,
			  m->file);
}

static const struct api_action actions[] = {
    {"GET", "/:id/audio", message_audio},
};

const struct api_resource api_messages = {
    .path = "/api/v1/messages",
    .noun = "message",
    .label = "message",
    API_FIELDS(fields),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = message_get,
    .update = message_update,
    .del = store_vm_message_delete,
    .after = message_after,
    .print = message_print,
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
