/*
 * api_callers.c - a tenant's allow and block lists, the operator's shared
 * list of advertising callers, a tenant's caller settings and the answer
 * "what is this caller" (secretariat/callers.c decides; seeds/002
 * Allow- und Block-Listen, Werbeanrufblocker).
 *
 *   /api/v1/caller_lists  CRUD
 *     {"tenant_id": 1, "list": "allow", "employee_id": 3,
 *      "number": "0221 4711", "note": "Steuerberater",
 *      "expires_at": "2026-12-31T23:00:00Z"}
 *   /api/v1/ad_callers  CRUD (admin only)
 *     {"number": "+49800123*", "note": "Gewinnspiel-Callcenter"}
 *   GET|PUT|PATCH /api/v1/tenants/:id/caller_settings
 *     {"block_advertising": true, "block_anonymous": false}
 *   GET /api/v1/tenants/:id/callers/classify?number=...[&at=ISO]
 *
 * number is a number (normalised to E.164 in the tenant's dialling
 * context, as VIPs) or a prefix ending in '*' written with +, 00 or 0
 * ("0221 123*" is "+49221123*"); a number or prefix is on one of the
 * tenant's lists once (409).  An allow entry may name an employee (put
 * through to it directly); a block entry may not.  Roles: admin writes;
 * an agent of the tenant reads the lists, the settings and classify
 * (another tenant's ids are 404); the advertising list is the
 * operator's.
 */
#include <errno.h>
#include <string.h>
#include "secretariat/secretariat.h"
#include "http/http_int.h"

/* The advertising list is the operator's: numbers in Germany's context. */
static const struct phone_ctx ad_ctx = {"49", ""};

/* number: a number or a prefix ("...*"), in ctx */
static int number_put(struct api_req *req, const struct api_field *f, char *out,
		      size_t sz, const struct phone_ctx *ctx)
{
	const char *s = api_str(req, f->name);

	if (!s || secr_caller_number(out, sz, s, ctx))
		return api_error(req, 422,
				 "%s: %s is not a valid E.164 phone number or "
				 "prefix (like +49221123*)",
				 f->name, s ? s : "");
	return 0;
}

/* expires_at: an ISO time, or null for never */
static int expiry_apply(struct api_req *req, const struct api_field *f,
			void *rec)
{
	uint64_t zero = 0;

	if (api_is_null(req, f->name)) {
		memcpy((uint8_t *)rec + f->off, &zero, sizeof(zero));
		return 0;
	}
	return api_time_apply(req, f, rec);
}

/* ---- /api/v1/caller_lists ------------------------------------------------ */

#define T struct store_caller_entry

static int entry_number_apply(struct api_req *req, const struct api_field *f,
			      void *rec)
{
	struct phone_ctx ctx;
	T *e = rec;
	int err;

	err = api_res_tenant_ctx(req, rec, &ctx);
	if (err)
		return err;
	return number_put(req, f, e->number, sizeof(e->number), &ctx);
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED | FF_EARLY),
     API_M(T, tenant_id), .ref = api_ref_tenant},
    {API_F("list", AK_ENUM, FF_REQUIRED), API_M(T, list), .max = 16,
     .en = &store_names_caller_list},
    {API_F("employee_id", AK_ID, FF_NULL), API_M(T, employee_id),
     .ref = api_ref_employee},
    {API_F("number", AK_STR, FF_REQUIRED), API_M(T, number), .max = 39,
     .apply = entry_number_apply},
    {API_F("note", AK_STR, FF_NULL), API_M(T, note), .max = 255},
    {API_F("expires_at", AK_TIME, FF_NULL), API_M(T, expires_at), .max = 40,
     .apply = expiry_apply},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

/* A block entry is the whole company's. */
static int entry_check(struct api_req *req, void *rec, const void *old)
{
	const T *e = rec;

	(void)old;
	if (e->list == STORE_CALLER_BLOCK && e->employee_id)
		return api_error(req, 422,
				 "employee_id: a block list entry is for the "
				 "whole company (must be null)");
	return 0;
}

static int entry_fail(struct api_req *req, int err, const void *rec)
{
	const T *e = rec;

	if (err == EEXIST)
		return api_fail(req, err,
				"number: %s is on a list of tenant %lld "
				"already",
				e->number, (long long)e->tenant_id);
	if (err == ENOENT || err == EXDEV)
		return api_fail(req, err, "employee_id: employee %lld: %m",
				(long long)e->employee_id, err);
	return api_fail(req, err, "caller list: %m", err);
}

API_STORE_GET(entry_get, store_caller_entry_get)

API_STORE_ADD(entry_add, store_caller_entry_add)

API_STORE_UPDATE(entry_update, store_caller_entry_update)

API_LIST_H(entry_h, T)

/* ?list=allow|block */
static int entry_list(struct api_req *req, const struct api_query *q, void *arg)
{
	char buf[16];
	int n, list = -1;

	n = api_query_str(req, "list", buf, sizeof(buf));
	if (n &&
	    (n < 0 || store_names_find(&store_names_caller_list, buf, &list)))
		return api_error(req, 400, "list: must be allow or block");
	return store_caller_entry_list(req->api->st, q->tenant_id, list,
				       entry_h, arg);
}

static int entry_print(struct re_printf *pf, void *rec)
{
	const T *e = rec;

	return re_hprintf(pf, "%s list, %s, tenant %lld",
			  store_names_get(&store_names_caller_list, e->list),
			  e->number, (long long)e->tenant_id);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
    {"list", AP_STR, 0, 0, 0, 0},
};

const struct api_resource api_caller_lists = {
    .path = "/api/v1/caller_lists",
    .noun = "caller list entry",
    .label = "caller list entry",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = entry_get,
    .add = entry_add,
    .update = entry_update,
    .del = store_caller_entry_delete,
    .list = entry_list,
    .check = entry_check,
    .fail = entry_fail,
    .print = entry_print,
    .enoent_unless = "employee_id",
};

/* ---- /api/v1/ad_callers --------------------------------------------------- */

#undef T
#define T struct store_ad_caller

static int ad_number_apply(struct api_req *req, const struct api_field *f,
			   void *rec)
{
	T *a = rec;

	return number_put(req, f, a->number, sizeof(a->number), &ad_ctx);
}

static const struct api_field ad_fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("number", AK_STR, FF_REQUIRED), API_M(T, number), .max = 39,
     .apply = ad_number_apply},
    {API_F("note", AK_STR, FF_NULL), API_M(T, note), .max = 255},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

static int ad_fail(struct api_req *req, int err, const void *rec)
{
	const T *a = rec;

	if (err == EEXIST)
		return api_fail(req, err,
				"number: %s is on the advertising list "
				"already",
				a->number);
	return api_fail(req, err, "ad caller: %m", err);
}

API_STORE_GET(ad_get, store_ad_caller_get)

API_STORE_ADD(ad_add, store_ad_caller_add)

API_STORE_UPDATE(ad_update, store_ad_caller_update)

API_LIST_H(ad_h, T)

static int ad_list(struct api_req *req, const struct api_query *q, void *arg)
{
	(void)q;
	return store_ad_caller_list(req->api->st, ad_h, arg);
}

static int ad_print(struct re_printf *pf, void *rec)
{
	const T *a = rec;

	return re_hprintf(pf, "%s", a->number);
}

const struct api_resource api_ad_callers = {
    .path = "/api/v1/ad_callers",
    .noun = "ad caller",
    .label = "ad caller",
    API_FIELDS(ad_fields),
    API_RECORD(T),
    .get = ad_get,
    .add = ad_add,
    .update = ad_update,
    .del = store_ad_caller_delete,
    .list = ad_list,
    .fail = ad_fail,
    .print = ad_print,
};

/* ---- /api/v1/tenants/:id/caller_settings, .../callers/classify --------- */

/* The tenant of the path's :id, scoped to the token's tenant: 0, or an
 * errno after the reply (404). */
static int tenant_load(struct api_req *req, struct store_tenant *t)
{
	int err;

	if (req->token.tenant_id && req->id != req->token.tenant_id)
		return api_not_found(req);
	err = store_tenant_get(req->api->st, req->id, t);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "tenant: %m", err);
	return 0;
}

static int settings_reply(struct api_req *req)
{
	struct store_caller_settings s;
	struct odict *o = NULL;
	int err;

	err = store_caller_settings_get(req->api->st, req->id, &s);
	if (err)
		return api_fail(req, err, "caller_settings: %m", err);
	err = odict_alloc(&o, 4);
	if (err)
		return err;
	err |= api_add_int(o, "tenant_id", s.tenant_id);
	err |= api_add_bool(o, "block_advertising", s.block_advertising);
	err |= api_add_bool(o, "block_anonymous", s.block_anonymous);
	err |= api_add_time(o, "updated_at", s.updated_at);
	return api_reply_encoded(req, 200, err, o, 0);
}

static int settings_get(struct api_req *req)
{
	struct store_tenant *t;
	int err;

	t = mem_zalloc(sizeof(*t), NULL);
	if (!t)
		return ENOMEM;
	err = tenant_load(req, t);
	if (!err)
		err = settings_reply(req);
	mem_deref(t);
	return err;
}

static const struct api_field settings_fields[] = {
    {API_F("block_advertising", AK_BOOL, 0)},
    {API_F("block_anonymous", AK_BOOL, 0)},
};

/* PUT or PATCH: the switches the body has; the others stay */
static int settings_put(struct api_req *req)
{
	struct store_caller_settings s;
	struct store_tenant *t;
	int err;

	t = mem_zalloc(sizeof(*t), NULL);
	if (!t)
		return ENOMEM;
	err = tenant_load(req, t);
	mem_deref(t);
	if (err)
		return err;
	if (!req->body) {
		err = api_body_decode(req);
		if (err)
			return err;
	}
	err = api_body_check(req, settings_fields, ARRAY_SIZE(settings_fields));
	if (err)
		return err;
	err = store_caller_settings_get(req->api->st, req->id, &s);
	if (err)
		return api_fail(req, err, "caller_settings: %m", err);
	s.block_advertising =
	    api_bool(req, "block_advertising", s.block_advertising);
	s.block_anonymous = api_bool(req, "block_anonymous", s.block_anonymous);
	s.updated_at = req->now;
	err = store_caller_settings_set(req->api->st, &s);
	if (err)
		return api_fail(req, err, "caller_settings: %m", err);
	info("http: tenant %lld: caller settings: advertising %s, anonymous "
	     "%s (%s)\n",
	     (long long)req->id, s.block_advertising ? "blocked" : "allowed",
	     s.block_anonymous ? "blocked" : "allowed", req->token.name);
	return settings_reply(req);
}

static int vip_object(struct odict *o, const struct store_vip *v)
{
	struct odict *vo = NULL;
	int err;

	if (!v)
		return api_add_str_or_null(o, "vip", "");
	err = odict_alloc(&vo, 8);
	if (err)
		return err;
	err |= api_add_int(vo, "id", v->id);
	err |= api_add_id(vo, "employee_id", v->employee_id);
	err |= api_add_str(vo, "name", v->name);
	err |= api_add_str_or_null(vo, "note", v->note);
	if (!err)
		err = odict_entry_add(o, "vip", ODICT_OBJECT, vo);
	mem_deref(vo);
	return err;
}

/* GET /api/v1/tenants/:id/callers/classify?number=...[&at=] */
static int classify(struct api_req *req)
{
	static const struct api_param p[] = {
	    {"number", AP_STR, 0, 0, 0, 0},
	    {"at", AP_TIME, offsetof(struct api_query, since), 0, 0, 0},
	};
	struct secr_caller_lookup *l = NULL;
	struct store_tenant *t = NULL;
	struct secr_caller c;
	struct odict *o = NULL;
	struct api_query q;
	char number[64];
	uint64_t at;
	int n, err;

	err = api_query_read(req, p, ARRAY_SIZE(p), &q);
	if (err)
		return err;
	n = api_query_str(req, "number", number, sizeof(number));
	if (!n)
		return api_error(req, 400, "number: is required");
	if (n < 0)
		return api_error(req, 400,
				 "number: must be a caller ID of at most 63 "
				 "characters");
	at = q.since ? q.since : req->now;
	t = mem_zalloc(sizeof(*t), NULL);
	l = mem_zalloc(sizeof(*l), NULL);
	if (!t || !l) {
		err = ENOMEM;
		goto out;
	}
	err = tenant_load(req, t);
	if (err)
		goto out;
	err = secr_caller_classify(req->api->st, t->id, number, at, l, &c);
	if (err) {
		err = api_fail(req, err, "classify: %m", err);
		goto out;
	}
	err = odict_alloc(&o, 16);
	if (err)
		goto out;
	err |= api_add_int(o, "tenant_id", t->id);
	err |= api_add_str(o, "caller", number);
	err |= api_add_str_or_null(o, "number", l->number);
	err |= api_add_bool(o, "anonymous", l->anonymous);
	err |= api_add_time(o, "at", at);
	err |=
	    api_add_str(o, "decision", secr_caller_decision_name(c.decision));
	err |=
	    api_add_str_or_null(o, "reason", secr_caller_reason_name(c.reason));
	err |= api_add_id(o, "entry_id", c.entry ? c.entry->id : 0);
	err |= api_add_id(o, "ad_caller_id", c.ad ? c.ad->id : 0);
	err |= api_add_id(o, "employee_id", c.employee_id);
	err |= vip_object(o, c.vip);
	err = api_reply_encoded(req, 200, err, o, 0);
out:
	mem_deref(l);
	mem_deref(t);
	return err;
}

static const struct api_action tenant_actions[] = {
    {"GET", "/:id/caller_settings", settings_get},
    {"PUT", "/:id/caller_settings", settings_put},
    {"PATCH", "/:id/caller_settings", settings_put},
    {"GET", "/:id/callers/classify", classify},
};

const struct api_resource api_callers = {
    .path = "/api/v1/tenants",
    .noun = "tenant",
    .label = "tenant",
    .actionv = tenant_actions,
    .actionc = ARRAY_SIZE(tenant_actions),
};
