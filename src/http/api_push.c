/*
 * api_push.c - Web Push subscriptions of employees (issue 17) and the key
 * a browser subscribes with (notify.h, "Web Push"):
 *
 *   GET    /api/v1/push/vapid_public_key  {"public_key": "BP4z..."}
 *   POST   /api/v1/push_subscriptions     PushSubscription.toJSON():
 *          {"endpoint": "https://...", "expirationTime": null,
 *           "keys": {"p256dh": "<base64url>", "auth": "<base64url>"},
 *           "employee_id": 7}   (a subaccount: its own employee, may omit)
 *   GET    /api/v1/push_subscriptions[?tenant_id=&employee_id=]
 *   GET    /api/v1/push_subscriptions/:id
 *   DELETE /api/v1/push_subscriptions/:id
 *   POST   /api/v1/push_subscriptions/:id/test  {"urgency": "high",
 *          "ttl": 60}: a test notification through the outbox, 202
 *
 * A POST of an endpoint the employee has already subscribed is no error
 * (a browser gives the same subscription on every page load): 200 with
 * that subscription, its keys replaced by the new ones.  Roles
 * (roles.c): operator, client_admin of the tenant, and a subaccount for
 * its own employee; another tenant's subscription or employee is
 * "not found".  The auth secret is written, never shown.
 */
#include <errno.h>
#include <string.h>
#include "notify/notify.h"
#include "http/http_int.h"

#define T struct store_push_sub

/* ---- the application server key ---------------------------------------- */

static int vapid_key(struct api_req *req)
{
	struct odict *o = NULL;
	char key[96];
	int err;

	if (!req->api->notify ||
	    notify_push_public_key(req->api->notify, key, sizeof(key)))
		return api_error(req, 503, "push: no VAPID key");

	err = odict_alloc(&o, 4);
	if (!err)
		err = api_add_str(o, "public_key", key);
	return api_reply_encoded(req, 200, err, o, 0);
}

static const struct api_action push_actions[] = {
    {"GET", "/vapid_public_key", vapid_key},
};

const struct api_resource api_push = {
    .path = "/api/v1/push",
    .noun = "push",
    .label = "push",
    .actionv = push_actions,
    .actionc = ARRAY_SIZE(push_actions),
};

/* ---- subscriptions ----------------------------------------------------- */

/* "keys": {"p256dh": ...}; auth is never shown */
static int keys_encode(struct odict *o, const struct api_field *f,
		       const void *rec, const struct api_req *req)
{
	const T *s = rec;
	struct odict *k = NULL;
	int err;

	(void)req;
	err = odict_alloc(&k, 4);
	if (err)
		return err;
	err = api_add_str(k, "p256dh", s->p256dh);
	if (!err)
		err = odict_entry_add(o, f->name, ODICT_OBJECT, k);
	mem_deref(k);
	return err;
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_RO), API_M(T, tenant_id)},
    {API_F("employee_id", AK_ID, FF_RO), API_M(T, employee_id)},
    {API_F("endpoint", AK_STR, FF_RO), API_M(T, endpoint)},
    {API_F("keys", AK_STR, FF_RO), .encode = keys_encode},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

/* The record of the path's :id, if req's token may see it; else 404. */
static int sub_load(struct api_req *req, T *s)
{
	int err;

	err = store_push_sub_get(req->api->st, req->id, s);
	if (!err)
		req->audit_tenant = s->tenant_id;
	if (err == ENOENT ||
	    (!err &&
	     (!api_tenant_visible(req, s->tenant_id) ||
	      (api_role_own(req) && s->employee_id != req->token.employee_id))))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "push subscription: %m", err);
	return 0;
}

/* The body's employee: given, or the token's own (a subaccount); it must
 * exist and be visible to the token (422 as if it did not exist). */
static int body_employee(struct api_req *req, T *s)
{
	const struct odict_entry *e = odict_lookup(req->body, "employee_id");
	struct store_employee emp;
	int64_t id = req->token.employee_id;
	int err;

	if (e && e->type != ODICT_NULL) {
		if (e->type != ODICT_INT || e->u.integer <= 0)
			return api_error(req, 400,
					 "employee_id: must be a positive "
					 "integer");
		id = e->u.integer;
	}
	if (!id)
		return api_error(req, 400, "employee_id: is required");

	err = store_employee_get(req->api->st, id, &emp);
	if (!err && (!api_tenant_visible(req, emp.tenant_id) ||
		     (api_role_own(req) && id != req->token.employee_id)))
		err = ENOENT;
	if (err == ENOENT)
		return api_error(req, 422,
				 "employee_id: employee %lld does "
				 "not exist",
				 (long long)id);
	if (err)
		return api_fail(req, err, "employee_id: %m", err);

	s->employee_id = id;
	s->tenant_id = emp.tenant_id;
	req->audit_tenant = emp.tenant_id;
	return 0;
}

/* A string member key of object o (named path.key in errors) into buf. */
static int body_str(struct api_req *req, const struct odict *o,
		    const char *name, const char *key, char *buf, size_t sz)
{
	const struct odict_entry *e = odict_lookup(o, key);

	if (!e || e->type == ODICT_NULL)
		return api_error(req, 400, "%s: is required", name);
	if (e->type != ODICT_STRING)
		return api_error(req, 400, "%s: must be a string", name);
	if (strlen(e->u.str) >= sz)
		return api_error(req, 422, "%s: longer than %zu bytes", name,
				 sz - 1);
	str_copy(buf, e->u.str, sz);
	return 0;
}

/* The body of a POST: PushSubscription.toJSON() and employee_id. */
static int sub_body(struct api_req *req, T *s)
{
	static const char *const top[] = {"endpoint", "keys", "expirationTime",
					  "employee_id"};
	static const char *const keys[] = {"p256dh", "auth"};
	const struct odict_entry *k;
	struct le *le;
	size_t i;
	int err;

	for (le = list_head(&req->body->lst); le; le = le->next) {
		const struct odict_entry *e = le->data;

		for (i = 0; i < ARRAY_SIZE(top); i++) {
			if (!strcmp(e->key, top[i]))
				break;
		}
		if (i == ARRAY_SIZE(top))
			return api_error(req, 400, "%s: unknown field", e->key);
	}

	err = body_employee(req, s);
	if (!err)
		err = body_str(req, req->body, "endpoint", "endpoint",
			       s->endpoint, sizeof(s->endpoint));
	if (err)
		return err;

	k = odict_lookup(req->body, "keys");
	if (!k || k->type == ODICT_NULL)
		return api_error(req, 400, "keys: is required");
	if (k->type != ODICT_OBJECT)
		return api_error(req, 400, "keys: must be an object");
	err = api_item_keys(req, k->u.odict, "keys", keys, ARRAY_SIZE(keys));
	if (!err)
		err = body_str(req, k->u.odict, "keys.p256dh", "p256dh",
			       s->p256dh, sizeof(s->p256dh));
	if (!err)
		err = body_str(req, k->u.odict, "keys.auth", "auth", s->auth,
			       sizeof(s->auth));
	return err;
}

static int reply_sub(struct api_req *req, uint16_t status, const T *s)
{
	struct odict *o = NULL;
	int err = api_encode(&o, api_res(req), s, req);

	return api_reply_encoded(req, status, err, o,
				 status == 201 ? s->id : 0);
}

static int sub_create(struct api_req *req)
{
	const char *field = NULL, *why = NULL;
	T *s, *old = NULL;
	int err;

	s = mem_zalloc(sizeof(*s), NULL);
	if (!s)
		return ENOMEM;

	err = sub_body(req, s);
	if (err)
		goto out;
	if (notify_push_sub_check(req->api->cfg, s, &field, &why)) {
		err = api_error(req, 422, "%s: %s", field, why);
		goto out;
	}

	err = store_push_sub_add(req->api->st, s);
	if (err == EEXIST) {
		/* subscribed before: the same subscription, new keys */
		old = mem_zalloc(sizeof(*old), NULL);
		if (!old) {
			err = ENOMEM;
			goto out;
		}
		err = store_push_sub_find(req->api->st, s->employee_id,
					  s->endpoint, old);
		if (!err) {
			str_copy(old->p256dh, s->p256dh, sizeof(old->p256dh));
			str_copy(old->auth, s->auth, sizeof(old->auth));
			err = store_push_sub_rekey(req->api->st, old);
		}
		if (err) {
			err = api_fail(req, err, "push subscription: %m", err);
			goto out;
		}
		req->audit_object = old->id;
		err = reply_sub(req, 200, old);
		goto out;
	}
	if (err) {
		err = api_fail(req, err, "push subscription: %m", err);
		goto out;
	}

	req->audit_object = s->id;
	info("http: push subscription %lld created (employee %lld, tenant "
	     "%lld)\n",
	     (long long)s->id, (long long)s->employee_id,
	     (long long)s->tenant_id);
	err = reply_sub(req, 201, s);
out:
	mem_deref(old);
	mem_deref(s);
	return err;
}

/* ---- a test notification ----------------------------------------------- */

static const struct api_field test_fields[] = {
    {API_F("urgency", AK_STR, 0), .max = 15},
    {API_F("ttl", AK_INT, 0)}, /* its range: sub_test */
};

static int sub_test(struct api_req *req)
{
	struct notify_push p;
	struct store_outbox *rec = NULL;
	struct odict *o = NULL;
	char payload[256];
	int64_t id = 0, ttl;
	T *s;
	int err;

	s = mem_zalloc(sizeof(*s), NULL);
	if (!s)
		return ENOMEM;
	err = sub_load(req, s);
	if (!err)
		err = api_body_check(req, test_fields, ARRAY_SIZE(test_fields));
	if (err)
		goto out;

	memset(&p, 0, sizeof(p));
	p.tenant_id = s->tenant_id;
	p.employee_id = s->employee_id;
	p.urgency = api_str(req, "urgency");
	ttl = api_int(req, "ttl", 60);
	if (ttl < 0 || ttl > NOTIFY_PUSH_TTL_MAX) {
		err = api_error(req, 422, "ttl: must be from 0 to %u seconds",
				(unsigned)NOTIFY_PUSH_TTL_MAX);
		goto out;
	}
	p.ttl = (uint32_t)ttl;
	if (p.urgency && !notify_push_urgency_ok(p.urgency)) {
		err = api_error(req, 422,
				"urgency: must be very-low, low, normal or "
				"high");
		goto out;
	}
	if (!req->api->notify) {
		err = api_error(req, 503, "push: no outbox on this node");
		goto out;
	}

	re_snprintf(payload, sizeof(payload),
		    "{\"type\":\"test\",\"title\":\"Switchboard\","
		    "\"body\":\"Test notification\",\"subscription_id\":%lld}",
		    (long long)s->id);
	p.payload = payload;
	err = notify_push_to(req->api->notify, s->id, &p, &id);
	if (err) {
		err = api_fail(req, err, "push: %m", err);
		goto out;
	}
	req->audit_object = s->id;

	rec = mem_zalloc(sizeof(*rec), NULL);
	if (!rec) {
		err = ENOMEM;
		goto out;
	}
	err = store_outbox_get(req->api->st, id, rec);
	if (!err)
		err = api_encode(&o, &api_outbox, rec, req);
	err = api_reply_encoded(req, 202, err, o, 0);
out:
	mem_deref(rec);
	mem_deref(s);
	return err;
}

API_STORE_GET(sub_get, store_push_sub_get)

API_LIST_H(sub_h, T)

static int sub_list(struct api_req *req, const struct api_query *q, void *arg)
{
	(void)req;
	return store_push_sub_list(req->api->st, q->tenant_id, q->employee_id,
				   sub_h, arg);
}

static int sub_print(struct re_printf *pf, void *rec)
{
	const T *s = rec;

	return re_hprintf(pf, "employee %lld, tenant %lld",
			  (long long)s->employee_id, (long long)s->tenant_id);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
    {"employee_id", AP_ID, offsetof(struct api_query, employee_id), 0, 0, 0},
};

static const struct api_action sub_actions[] = {
    {"POST", "", sub_create},
    {"POST", "/:id/test", sub_test},
};

const struct api_resource api_push_subscriptions = {
    .path = "/api/v1/push_subscriptions",
    .noun = "push subscription",
    .label = "push subscription",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .employee_off = offsetof(T, employee_id),
    .get = sub_get,
    .del = store_push_sub_delete,
    .list = sub_list,
    .print = sub_print,
    .actionv = sub_actions,
    .actionc = ARRAY_SIZE(sub_actions),
};
