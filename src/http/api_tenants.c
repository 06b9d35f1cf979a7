/*
 * api_tenants.c - /api/v1/tenants: the companies whose calls we handle.
 * A tenant's country and area code are the dialling context in which the
 * other resources' phone numbers are normalised to E.164, so this file
 * also offers that context (api_tenant_ctx) and the tenant_id check
 * every other resource uses (api_tenant_ref).
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

static const struct api_field fields[] = {
    {"id", FT_INT, FF_RO, 0},
    {"name", FT_STR, FF_REQUIRED, 127},
    {"country_code", FT_STR, 0, 7},
    {"area_code", FT_STR, FF_NULL, 7},
    {"central_number", FT_STR, FF_NULL, 40},
    {"created_at", FT_STR, FF_RO, 0},
};

static int tenant_encode(struct odict **op, const struct store_tenant *t)
{
	struct odict *o;
	int err;

	err = odict_alloc(&o, 8);
	if (err)
		return err;
	err |= api_add_int(o, "id", t->id);
	err |= api_add_str(o, "name", t->name);
	err |= api_add_str(o, "country_code", t->country_code);
	err |= api_add_str_or_null(o, "area_code", t->area_code);
	err |= api_add_str_or_null(o, "central_number", t->central_number);
	err |= api_add_time(o, "created_at", t->created_at);
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

static int reply_tenant(struct api_req *req, uint16_t status,
			const struct store_tenant *t)
{
	struct odict *o = NULL;
	int err = tenant_encode(&o, t);

	return api_reply_encoded(req, status, err, o, t->id);
}

/* Validate the given fields and copy them into t. */
static int tenant_apply(struct api_req *req, struct store_tenant *t)
{
	const char *s;
	struct phone_ctx ctx;

	s = api_str(req, "name");
	if (s) {
		if (!s[0])
			return api_error(req, 422, "name: must not be empty");
		str_copy(t->name, s, sizeof(t->name));
	}

	s = api_str(req, "country_code");
	if (s) {
		if (!api_is_digits(s, 1, 3) || s[0] == '0')
			return api_error(req, 422,
					 "country_code: must be 1 to 3 digits "
					 "without a leading 0, like \"49\"");
		str_copy(t->country_code, s, sizeof(t->country_code));
	}

	if (api_has(req, "area_code")) {
		s = api_str(req, "area_code");
		if (s && s[0] && (!api_is_digits(s, 1, 6) || s[0] == '0'))
			return api_error(req, 422,
					 "area_code: must be 1 to 6 digits "
					 "without the leading 0, like \"221\"");
		str_copy(t->area_code, s ? s : "", sizeof(t->area_code));
	}

	if (api_has(req, "central_number")) {
		s = api_str(req, "central_number");
		t->central_number[0] = '\0';
		if (s && s[0]) {
			api_tenant_ctx(t, &ctx);
			return api_field_phone(req, "central_number", s, &ctx,
					       t->central_number,
					       sizeof(t->central_number));
		}
	}
	return 0;
}

int api_tenant_create(struct api_req *req)
{
	struct store *st = req->api->st;
	struct store_tenant t;
	int err;

	err = api_body_check(req, fields, ARRAY_SIZE(fields), true);
	if (err)
		return err;

	memset(&t, 0, sizeof(t));
	str_copy(t.country_code, "49", sizeof(t.country_code));
	err = tenant_apply(req, &t);
	if (err)
		return err;

	err = store_tenant_add(st, &t);
	if (err == EEXIST)
		return api_fail(req, err, "name: a tenant named %s exists",
				t.name);
	if (err)
		return api_fail(req, err, "tenant: %m", err);
	info("http: tenant %lld created (%s)\n", (long long)t.id, t.name);

	(void)store_tenant_get(st, t.id, &t);
	return reply_tenant(req, 201, &t);
}

static int list_h(const struct store_tenant *t, void *arg)
{
	struct odict *o = NULL;
	int err = tenant_encode(&o, t);

	return api_list_add(arg, err, o);
}

int api_tenant_list(struct api_req *req)
{
	struct odict *arr = NULL;
	int err;

	err = api_query_check(req, NULL);
	if (err)
		return err;
	err = api_list_alloc(&arr);
	if (err)
		return err;
	err = store_tenant_list(req->api->st, list_h, arr);
	return api_list_done(req, err, arr, "tenants");
}

int api_tenant_get(struct api_req *req)
{
	struct store_tenant t;
	int err;

	err = store_tenant_get(req->api->st, req->id, &t);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "tenant: %m", err);
	return reply_tenant(req, 200, &t);
}

int api_tenant_update(struct api_req *req)
{
	struct store *st = req->api->st;
	struct store_tenant t;
	int err;

	err = store_tenant_get(st, req->id, &t);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "tenant: %m", err);

	err = api_body_check(req, fields, ARRAY_SIZE(fields), false);
	if (err)
		return err;
	err = tenant_apply(req, &t);
	if (err)
		return err;

	err = store_tenant_update(st, &t);
	if (err == ENOENT)
		return api_not_found(req);
	if (err == EEXIST)
		return api_fail(req, err, "name: a tenant named %s exists",
				t.name);
	if (err)
		return api_fail(req, err, "tenant: %m", err);

	(void)store_tenant_get(st, t.id, &t);
	return reply_tenant(req, 200, &t);
}

int api_tenant_delete(struct api_req *req)
{
	int err;

	err = store_tenant_delete(req->api->st, req->id);
	if (err == ENOENT)
		return api_not_found(req);
	if (err == EBUSY)
		return api_fail(req, err,
				"tenant %lld still has employees, devices, "
				"number blocks, numbers, announcements or "
				"trunks; delete them first",
				(long long)req->id);
	if (err)
		return api_fail(req, err, "tenant: %m", err);
	info("http: tenant %lld deleted\n", (long long)req->id);
	return api_reply_no_content(req);
}

int api_tenant_ref(struct api_req *req, const char *key, int64_t id,
		   struct store_tenant *t)
{
	int err;

	if (id <= 0)
		return api_error(req, 422, "%s: must be a positive id", key);
	err = store_tenant_get(req->api->st, id, t);
	if (err == ENOENT)
		return api_error(req, 422, "%s: tenant %lld does not exist",
				 key, (long long)id);
	if (err)
		return api_fail(req, err, "%s: %m", key, err);
	return 0;
}

void api_tenant_ctx(const struct store_tenant *t, struct phone_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	str_copy(ctx->country, t->country_code[0] ? t->country_code : "49",
		 sizeof(ctx->country));
	str_copy(ctx->area, t->area_code, sizeof(ctx->area));
}
