/*
 * api_note_view.c - reading call notes (issue 17; api_notes.c saves
 * them): who may see a note, a note as JSON, and the read routes
 *
 *   GET /api/v1/notes?employee_id=&since=&until=&limit=&offset=
 *   GET /api/v1/notes/:id              with who opened and acknowledged
 *   GET /api/v1/notes/:id/history      every version, oldest first
 *   GET /api/v1/notes/:id/deliveries   per channel and recipient
 *
 * An agent sees the notes it took (as the employee its token acts as;
 * a pool agent's are of the clients whose calls it answered), a client
 * admin its client's, a subaccount the notes for its own
 * employee, the operator all; any other note is 404, as if it did not
 * exist.  An agent's and a subaccount's lists are narrowed in the store
 * query, so a page is a page of what they may see.
 */
#include <string.h>
#include "http/http_int.h"
#include "notify/notify.h"

#define T struct store_note

enum {
	LIMIT_DEFAULT = 100,
	LIMIT_MAX = 1000,
	OFFSET_MAX = 100000000,
};

/* ---- who may see a note ------------------------------------------------ */

static bool is_role(const struct api_req *req, unsigned role)
{
	return api_role_of(req->token.role) == role;
}

/* Did req's token take note n (an agent's own)? */
static bool own_note(const struct api_req *req, const T *n)
{
	if (req->token.employee_id && n->agent_employee_id)
		return req->token.employee_id == n->agent_employee_id;
	return req->token.id == n->agent_token_id;
}

bool api_note_for(const T *n, int64_t employee_id)
{
	uint32_t i;

	for (i = 0; i < n->employeec; i++) {
		if (n->employeev[i] == employee_id)
			return true;
	}
	return false;
}

/* Is note n visible to req's token? */
static bool note_visible(const struct api_req *req, const T *n)
{
	/* an agent's own, whatever the tenant: a pool agent's notes are
	 * the clients' (api_notes.c, pool_call) */
	if (is_role(req, API_ROLE_AGENT))
		return own_note(req, n);
	if (!api_tenant_visible(req, n->tenant_id))
		return false;
	if (is_role(req, API_ROLE_SUBACCOUNT))
		return api_note_for(n, req->token.employee_id);
	return true;
}

/* The note of the path's :id into n: 404 if there is none or the token
 * may not see it. */
int api_note_load(struct api_req *req, T *n)
{
	int err = store_note_get(req->api->st, req->id, n);

	if (!err)
		req->audit_tenant = n->tenant_id;
	if (err == ENOENT || (!err && !note_visible(req, n)))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "note: %m", err);
	return 0;
}

/* ---- JSON --------------------------------------------------------------- */

static int add_ids(struct odict *o, const char *key, const T *n)
{
	struct odict *arr = NULL;
	char idx[8];
	uint32_t i;
	int err;

	err = odict_alloc(&arr, 8);
	for (i = 0; !err && i < n->employeec; i++) {
		re_snprintf(idx, sizeof(idx), "%u", i);
		err = odict_entry_add(arr, idx, ODICT_INT, n->employeev[i]);
	}
	if (!err)
		err = odict_entry_add(o, key, ODICT_ARRAY, arr);
	mem_deref(arr);
	return err;
}

static int add_fields(struct odict *o, const T *n)
{
	struct odict *f = NULL;
	int err;

	if (json_decode_odict(&f, 16, n->fields, strlen(n->fields), 4)) {
		err = odict_alloc(&f, 4);
		if (err)
			return err;
	}
	err = odict_entry_add(o, "fields", ODICT_OBJECT, f);
	mem_deref(f);
	return err;
}

/* The content of a note or of one of its versions. */
static int content_add(struct odict *o, const T *n)
{
	int err = 0;

	err |= api_add_str(o, "caller_name", n->caller_name);
	err |= api_add_str_or_null(o, "caller_number", n->caller_number);
	err |= api_add_str(o, "concern", n->concern);
	err |= add_fields(o, n);
	err |= api_add_bool(o, "urgent", n->urgent);
	err |= add_ids(o, "employee_ids", n);
	return err;
}

static int read_h(const struct store_note_read *r, void *arg)
{
	struct odict *one = NULL;
	int err;

	err = odict_alloc(&one, 4);
	if (err)
		return err;
	err |= api_add_int(one, "employee_id", r->employee_id);
	err |= api_add_time(one, "opened_at", r->opened_at);
	err |= api_add_time(one, "acknowledged_at", r->acked_at);
	err = err ? ENOMEM : api_list_append(arg, one);
	mem_deref(one);
	return err;
}

static int escalation_h(const struct store_note_escalation *e, void *arg)
{
	struct odict *one = NULL;
	int err;

	err = odict_alloc(&one, 8);
	if (err)
		return err;
	err |= api_add_str(one, "step", e->step);
	err |= api_add_id(one, "employee_id", e->employee_id);
	err |= api_add_time(one, "at", e->at);
	err |= api_add_str(one, "outcome", e->outcome);
	err |= api_add_str(one, "detail", e->detail);
	if (e->attempt) { /* an on-call call: its number and SIP status */
		err |= api_add_int(one, "attempt", e->attempt);
		err |= api_add_id(one, "sip_code", e->sip_code);
	}
	err = err ? ENOMEM : api_list_append(arg, one);
	mem_deref(one);
	return err;
}

int api_note_encode(struct odict **op, const struct api_req *req, const T *n)
{
	const uint64_t window =
	    (uint64_t)req->api->cfg->note_edit_window * 1000;
	struct odict *o = NULL, *reads = NULL, *escs = NULL;
	int err;

	err = odict_alloc(&o, 32);
	if (err)
		return err;
	err |= api_add_int(o, "id", n->id);
	err |= api_add_int(o, "tenant_id", n->tenant_id);
	err |= api_add_id(o, "call_id", n->call_id);
	err |= api_add_id(o, "profile_version_id", n->profile_version_id);
	err |= api_add_str(o, "agent", n->agent);
	err |= api_add_id(o, "agent_employee_id", n->agent_employee_id);
	err |= content_add(o, n);
	err |= api_add_int(o, "version", n->version);
	err |= api_add_time(o, "created_at", n->created_at);
	err |= api_add_time(o, "updated_at", n->updated_at);
	err |= api_add_time(o, "editable_until", n->created_at + window);
	err |= api_add_bool(o, "locked", req->now >= n->created_at + window);
	if (!err)
		err = api_list_alloc(&reads);
	if (!err)
		err = store_note_reads(req->api->st, n->id, read_h, reads);
	if (!err)
		err = odict_entry_add(o, "reads", ODICT_ARRAY, reads);
	if (!err)
		err = api_list_alloc(&escs);
	if (!err)
		err = store_note_escalations(req->api->st, n->id, escalation_h,
					     escs);
	if (!err)
		err = odict_entry_add(o, "escalations", ODICT_ARRAY, escs);
	if (!err)
		err = api_add_consults(o, "transfer", req->api->st, n->call_id);
	mem_deref(reads);
	mem_deref(escs);
	if (err) {
		mem_deref(o);
		return err;
	}
	*op = o;
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

int api_note_get(struct api_req *req)
{
	struct odict *o = NULL;
	T *n = mem_zalloc(sizeof(*n), NULL);
	int err;

	if (!n)
		return ENOMEM;
	err = api_note_load(req, n);
	if (!err) {
		req->audit_object = n->id;
		err = api_note_encode(&o, req, n);
		err = api_reply_encoded(req, 200, err, o, 0);
	}
	mem_deref(n);
	return err;
}

struct list_ctx {
	struct api_req *req;
	struct odict *arr;
};

static int list_h(const T *n, void *arg)
{
	struct list_ctx *l = arg;
	struct odict *o = NULL;
	int err;

	if (!note_visible(l->req, n))
		return 0;
	err = api_note_encode(&o, l->req, n);
	if (!err)
		err = api_list_append(l->arr, o);
	mem_deref(o);
	return err;
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
    {"employee_id", AP_ID, offsetof(struct api_query, employee_id), 0, 0, 0},
    {"since", AP_TIME, offsetof(struct api_query, since), 0, 0, 0},
    {"until", AP_TIME, offsetof(struct api_query, until), 0, 0, 0},
    {"limit", AP_UINT, offsetof(struct api_query, limit), 1, LIMIT_MAX,
     LIMIT_DEFAULT},
    {"offset", AP_UINT, offsetof(struct api_query, offset), 0, OFFSET_MAX, 0},
};

int api_note_list(struct api_req *req)
{
	struct store_note_filter f;
	struct api_query q;
	struct list_ctx l = {req, NULL};
	int err;

	memset(&q, 0, sizeof(q));
	err = api_query_read(req, params, ARRAY_SIZE(params), &q);
	if (err)
		return err;
	memset(&f, 0, sizeof(f));
	f.tenant_id = req->token.tenant_id ? req->token.tenant_id : q.tenant_id;
	if (is_role(req, API_ROLE_AGENT))
		f.tenant_id = q.tenant_id; /* its own notes, of any tenant */
	else if (req->token.tenant_id && q.tenant_id &&
		 q.tenant_id != req->token.tenant_id) {
		req->audit_tenant = -1;
		return api_reply_list(req, NULL);
	}
	f.employee_id = q.employee_id;
	if (is_role(req, API_ROLE_AGENT)) {
		f.agent_employee_id = req->token.employee_id;
		f.agent_token_id = req->token.id;
	}
	if (is_role(req, API_ROLE_SUBACCOUNT)) {
		if (q.employee_id && q.employee_id != req->token.employee_id)
			f.employee_id = -1; /* another's: nothing */
		else
			f.employee_id = req->token.employee_id;
	}
	f.since = q.since;
	f.until = q.until;
	f.limit = q.limit;
	f.offset = q.offset;
	req->audit_tenant = f.tenant_id ? f.tenant_id : -1;

	err = api_list_alloc(&l.arr);
	if (!err)
		err = store_note_list(req->api->st, &f, list_h, &l);
	if (!err)
		err = api_reply_list(req, l.arr);
	mem_deref(l.arr);
	return err;
}

static int version_h(const T *v, void *arg)
{
	struct odict *o = NULL;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err |= api_add_int(o, "version", v->version);
	err |= api_add_time(o, "saved_at", v->updated_at);
	err |= api_add_str(o, "agent", v->agent);
	err |= content_add(o, v);
	err = err ? ENOMEM : api_list_append(arg, o);
	mem_deref(o);
	return err;
}

/* The rows of the path's note a store walk gives, as a JSON list (the
 * note loaded and checked for req's token first). */
typedef int(note_walk_f)(struct store *st, int64_t note_id, struct odict *arr);

static int note_list(struct api_req *req, note_walk_f *walk)
{
	struct odict *arr = NULL;
	T *n = mem_zalloc(sizeof(*n), NULL);
	int err;

	if (!n)
		return ENOMEM;
	err = api_note_load(req, n);
	if (err)
		goto out;
	err = api_list_alloc(&arr);
	if (!err)
		err = walk(req->api->st, n->id, arr);
	if (!err)
		err = api_reply_list(req, arr);
out:
	mem_deref(arr);
	mem_deref(n);
	return err;
}

static int versions_walk(struct store *st, int64_t note_id, struct odict *arr)
{
	return store_note_versions(st, note_id, version_h, arr);
}

int api_note_history(struct api_req *req)
{
	return note_list(req, versions_walk);
}

static int delivery_h(const struct store_note_delivery *d, void *arg)
{
	struct odict *o = NULL;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err |= api_add_int(o, "outbox_id", d->outbox_id);
	err |= api_add_str(o, "channel", store_channel_name(d->channel));
	err |= api_add_id(o, "employee_id", d->employee_id);
	err |= api_add_int(o, "version", d->version);
	err |= api_add_bool(o, "correction", d->version > 1);
	err |= api_add_str(o, "state", store_outbox_state_name(d->state));
	err |= api_add_int(o, "attempts", d->attempts);
	/* a generic reason: the raw text (a bounce naming the recipient)
	 * is the operator's, GET /api/v1/outbox/:id */
	err |= api_add_str_or_null(
	    o, "last_error", notify_error_reason(d->channel, d->last_error));
	err |= api_add_time(
	    o, "next_attempt_at",
	    d->state == STORE_OUTBOX_PENDING ? d->next_attempt_at : 0);
	err |= api_add_time(o, "created_at", d->created_at);
	err |= api_add_time(o, "sent_at", d->sent_at);
	err |= api_add_time(o, "delivered_at", d->delivered_at);
	err = err ? ENOMEM : api_list_append(arg, o);
	mem_deref(o);
	return err;
}

static int deliveries_walk(struct store *st, int64_t note_id, struct odict *arr)
{
	return store_note_deliveries(st, note_id, delivery_h, arr);
}

int api_note_deliveries(struct api_req *req)
{
	return note_list(req, deliveries_walk);
}
