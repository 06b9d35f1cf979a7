/*
 * api_mailboxes.c - /api/v1/mailboxes: the mailboxes of a tenant (of an
 * employee, of a department, or a client's central mailbox), and the
 * messages on one:
 *
 *   {"tenant_id": 1, "name": "Zentrale", "employee_id": null,
 *    "active": true, "greeting": null, "email_to": "ab@kunde.example",
 *    "email_cc": null, "attach": true, "min_ms": 1000, "max_ms": 120000,
 *    "silence_ms": 5000, "at_once": false, "no_answer_s": 20,
 *    "on_busy": true, "on_unreachable": true, "schedule_id": null,
 *    "schedule_state": "open"}
 *
 *   GET /api/v1/mailboxes/<id>/messages   its messages, oldest first,
 *                                         each with its mail's delivery
 *
 * A number, schedule or menu key routes to a mailbox with target_type
 * "voicemail".  greeting null: the name spoken in the tenant's language.
 * email_to null on an employee's mailbox: the employee's e-mail.  The
 * conditions at_once, no_answer_s (0: off), on_busy and on_unreachable
 * say when an employee's calls go to the mailbox; schedule_id with
 * schedule_state is its time control (route.h: route_mailbox_enabled).
 * Each problem is a 422 naming the field; an employee has at most one
 * mailbox (409); a mailbox in use or with messages cannot be deleted
 * (409).
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "notify/notify.h"

#define T struct store_mailbox

/* greeting: a file under the prompts directory */
static bool greeting_ok(const char *s)
{
	const char *p;

	if (s[0] == '/')
		return false;
	for (p = s; p; p = strchr(p, '/')) {
		if (*p == '/')
			++p;
		if (!strncmp(p, "..", 2) && (p[2] == '/' || p[2] == '\0'))
			return false;
	}
	return true;
}

static const struct api_rule greeting_rule = {
    greeting_ok, "must be a file name under the prompts directory"};

static const struct api_rule addr_rule = {
    notify_addr_list_ok,
    "must be e-mail addresses (local@domain) separated by commas"};

static int ref_schedule(struct api_req *req, const struct api_field *f,
			int64_t id, int64_t tenant_id)
{
	return api_target_ref(req, f->name, TARGET_SCHEDULE, id, tenant_id);
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED | FF_EARLY),
     API_M(T, tenant_id), .ref = api_ref_tenant},
    {API_F("name", AK_STR, FF_REQUIRED), API_M(T, name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("employee_id", AK_ID, FF_NULL | FF_FIXED), API_M(T, employee_id),
     .ref = api_ref_employee},
    {API_F("active", AK_BOOL, 0), API_M(T, active)},
    {API_F("greeting", AK_STR, FF_NULL), API_M(T, greeting), .max = 127,
     .rule = &greeting_rule},
    {API_F("email_to", AK_STR, FF_NULL), API_M(T, email_to), .max = 511,
     .rule = &addr_rule},
    {API_F("email_cc", AK_STR, FF_NULL), API_M(T, email_cc), .max = 511,
     .rule = &addr_rule},
    {API_F("attach", AK_BOOL, 0), API_M(T, attach)},
    {API_F("min_ms", AK_INT, 0), API_M(T, min_ms), .min = 0, .max = 60000,
     .unit = "ms"},
    {API_F("max_ms", AK_INT, 0), API_M(T, max_ms), .min = 1000, .max = 600000,
     .unit = "ms"},
    {API_F("silence_ms", AK_INT, 0), API_M(T, silence_ms), .min = 0,
     .max = 60000, .unit = "ms"},
    {API_F("at_once", AK_BOOL, 0), API_M(T, at_once)},
    {API_F("no_answer_s", AK_INT, 0), API_M(T, no_answer_s), .min = 0,
     .max = 300, .unit = "seconds"},
    {API_F("on_busy", AK_BOOL, 0), API_M(T, on_busy)},
    {API_F("on_unreachable", AK_BOOL, 0), API_M(T, on_unreachable)},
    {API_F("schedule_id", AK_ID, FF_NULL), API_M(T, schedule_id),
     .ref = ref_schedule},
    {API_F("schedule_state", AK_ENUM, 0), API_M(T, schedule_state), .max = 16,
     .en = &store_names_sched_state},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

static int mailbox_check(struct api_req *req, void *rec, const void *old)
{
	T *m = rec;
	T other;
	int err;

	err = api_prompt_file(req, "greeting", m->greeting, m->tenant_id);
	if (err)
		return err;
	if (m->min_ms >= m->max_ms)
		return api_error(req, 422,
				 "min_ms: must be less than max_ms (%u)",
				 m->max_ms);
	if (!old && m->employee_id &&
	    !store_mailbox_by_employee(req->api->st, m->employee_id, &other))
		return api_error(req, 409,
				 "employee_id: employee %lld has mailbox %lld "
				 "already",
				 (long long)m->employee_id,
				 (long long)other.id);
	return 0;
}

static int mailbox_fail(struct api_req *req, int err, const void *rec)
{
	const T *m = rec;

	switch (err) {
	case EEXIST:
		return api_fail(req, err, "name: %s exists already", m->name);
	case EBUSY:
		return api_fail(req, err,
				"mailbox %lld is in use by a number, a "
				"schedule or a menu",
				(long long)m->id);
	case ENOTEMPTY:
		return api_error(req, 409, "mailbox %lld has messages",
				 (long long)m->id);
	default:
		return api_fail(req, err, "mailbox: %m", err);
	}
}

static void mailbox_init(void *rec)
{
	T *m = rec;

	m->active = true;
	m->attach = true;
	m->min_ms = 1000;
	m->max_ms = 120000;
	m->silence_ms = 5000;
	m->no_answer_s = 20;
	m->on_busy = true;
	m->on_unreachable = true;
	m->schedule_state = STORE_SCHED_OPEN;
}

API_STORE_GET(mailbox_get, store_mailbox_get)

API_STORE_ADD(mailbox_add, store_mailbox_add)

API_STORE_UPDATE(mailbox_update, store_mailbox_update)

API_LIST_H(mailbox_h, T)

static int mailbox_list(struct api_req *req, const struct api_query *q,
			void *arg)
{
	return store_mailbox_list(req->api->st, q->tenant_id, mailbox_h, arg);
}

static int mailbox_print(struct re_printf *pf, void *rec)
{
	const T *m = rec;

	return re_hprintf(pf, "%s, tenant %lld", m->name,
			  (long long)m->tenant_id);
}

/* GET /:id/messages: the messages of the mailbox as api_messages shows
 * them. */
struct msgs {
	struct api_req *req;
	struct odict *arr;
};

static int msg_h(const struct store_vm_message *m, void *arg)
{
	struct msgs *l = arg;
	struct odict *o = NULL;
	int err;

	err = api_encode(&o, &api_messages, m, l->req);
	if (!err)
		err = api_list_append(l->arr, o);
	mem_deref(o);
	return err;
}

static int mailbox_messages(struct api_req *req)
{
	struct msgs l = {req, NULL};
	T m;
	int err;

	err = store_mailbox_get(req->api->st, req->id, &m);
	if (err == ENOENT || (!err && !api_tenant_visible(req, m.tenant_id)))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "mailbox: %m", err);
	err = api_list_alloc(&l.arr);
	if (err)
		return err;
	err = store_vm_message_list(req->api->st, m.id, msg_h, &l);
	if (err)
		err = api_fail(req, err, "messages: %m", err);
	else
		err = api_reply_list(req, l.arr);
	mem_deref(l.arr);
	return err;
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

static const struct api_action actions[] = {
    {"GET", "/:id/messages", mailbox_messages},
};

const struct api_resource api_mailboxes = {
    .path = "/api/v1/mailboxes",
    .noun = "mailbox",
    .label = "mailbox",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = mailbox_get,
    .add = mailbox_add,
    .update = mailbox_update,
    .del = store_mailbox_delete,
    .list = mailbox_list,
    .init = mailbox_init,
    .check = mailbox_check,
    .fail = mailbox_fail,
    .print = mailbox_print,
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
