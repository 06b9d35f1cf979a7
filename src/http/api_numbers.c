/*
 * api_numbers.c - /api/v1/numbers: the E.164 numbers of a tenant and where
 * each one is routed (target_type + target_id).
 *
 * A number must lie in one of its tenant's blocks.  A personal number
 * ("personal": true) is made and released through the employee
 * (PATCH /api/v1/employees/:id {"personal_number": ...}); here it can only
 * keep its employee as target, and deactivating it takes it away from the
 * employee, who then shows the fault "no_personal_number".
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

static const struct api_field fields[] = {
    {"id", FT_INT, FF_RO, 0},
    {"tenant_id", FT_INT, FF_REQUIRED | FF_FIXED, 0},
    {"block_id", FT_INT, FF_RO, 0},
    {"e164", FT_STR, FF_REQUIRED | FF_FIXED, 40},
    {"active", FT_BOOL, 0, 0},
    {"target_type", FT_STR, 0, 16},
    {"target_id", FT_INT, FF_NULL, 0},
    {"personal", FT_BOOL, FF_RO, 0},
    {"description", FT_STR, FF_NULL, 127},
    {"created_at", FT_STR, FF_RO, 0},
};

static int number_encode(struct odict **op, const struct store_number *n)
{
	struct odict *o;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err |= api_add_int(o, "id", n->id);
	err |= api_add_int(o, "tenant_id", n->tenant_id);
	err |= api_add_id(o, "block_id", n->block_id);
	err |= api_add_str(o, "e164", n->e164);
	err |= api_add_bool(o, "active", n->active);
	err |= api_add_str(o, "target_type", store_target_name(n->target_type));
	err |= api_add_id(o, "target_id", n->target_id);
	err |= api_add_bool(o, "personal", n->personal);
	err |= api_add_str_or_null(o, "description", n->description);
	err |= api_add_time(o, "created_at", n->created_at);
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

static int reply_number(struct api_req *req, uint16_t status,
			const struct store_number *n)
{
	struct odict *o = NULL;
	int err = number_encode(&o, n);

	return api_reply_encoded(req, status, err, o, n->id);
}

/* Does one of the tenant's blocks contain e164? */
struct block_find {
	const char *e164;
	bool found;
};

static int block_h(const struct store_number_block *b, void *arg)
{
	struct block_find *bf = arg;
	size_t n = strlen(bf->e164);

	if (strlen(b->first) == n && strlen(b->last) == n &&
	    strcmp(bf->e164, b->first) >= 0 && strcmp(bf->e164, b->last) <= 0)
		bf->found = true;
	return bf->found ? 1 : 0;
}

/* The target the body names (target_type and target_id go together),
 * checked against the number's tenant, into n. */
static int target_apply(struct api_req *req, struct store_number *n)
{
	struct store_announcement a;
	struct store_employee e;
	const char *type = api_str(req, "target_type");
	int64_t id;
	int err;

	if (!type && !api_has(req, "target_id"))
		return 0;

	if (type) {
		if (store_target_parse(type, &n->target_type))
			return api_error(req, 422,
					 "target_type: must be none, employee "
					 "or announcement");
	}

	err = api_field_id(req, "target_id", &id);
	if (err)
		return err;

	if (n->target_type == TARGET_NONE) {
		if (id && type)
			return api_error(req, 422,
					 "target_id: must be null when "
					 "target_type is none");
		if (id)
			return api_error(req, 422,
					 "target_type: is required with "
					 "target_id");
		n->target_id = 0;
		return 0;
	}
	if (!id)
		return api_error(req, 422,
				 "target_id: is required for target_type %s",
				 store_target_name(n->target_type));

	switch (n->target_type) {
	case TARGET_EMPLOYEE:
		err = api_employee_ref(req, "target_id", id, n->tenant_id, &e);
		if (err)
			return err;
		break;

	case TARGET_ANNOUNCEMENT:
		err = store_announcement_get(req->api->st, id, &a);
		if (err == ENOENT)
			return api_error(req, 422,
					 "target_id: announcement %lld does "
					 "not exist",
					 (long long)id);
		if (err)
			return api_fail(req, err, "target_id: %m", err);
		if (a.tenant_id != n->tenant_id)
			return api_error(req, 422,
					 "target_id: announcement %lld "
					 "belongs to another tenant",
					 (long long)id);
		break;

	default:
		break;
	}
	n->target_id = id;
	return 0;
}

static int number_apply(struct api_req *req, struct store_number *n)
{
	n->active = api_bool(req, "active", n->active);
	api_str_copy(req, "description", n->description,
		     sizeof(n->description));
	return target_apply(req, n);
}

static int number_error(struct api_req *req, int err,
			const struct store_number *n)
{
	switch (err) {
	case ERANGE:
		return api_fail(req, err,
				"e164: not inside a number block of "
				"the tenant");
	case EPERM:
		return api_fail(req, err,
				"target_type: a personal number can "
				"only target its employee");
	case EEXIST:
		return api_fail(req, err, "e164: %s exists already", n->e164);
	case EXDEV:
		return api_fail(req, err,
				"target_id: %s %lld belongs to "
				"another tenant",
				store_target_name(n->target_type),
				(long long)n->target_id);
	case ENOENT:
		return api_fail(req, err, "target_id: %s %lld does not exist",
				store_target_name(n->target_type),
				(long long)n->target_id);
	case EBUSY:
		return api_fail(req, err, "number %s is in use", n->e164);
	default:
		return api_fail(req, err, "number: %m", err);
	}
}

int api_number_create(struct api_req *req)
{
	struct store *st = req->api->st;
	struct block_find bf;
	struct store_number n;
	struct store_tenant t;
	struct phone_ctx ctx;
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

	memset(&n, 0, sizeof(n));
	n.tenant_id = tid;
	n.active = true;
	api_tenant_ctx(&t, &ctx);
	err = api_field_phone(req, "e164", api_str(req, "e164"), &ctx, n.e164,
			      sizeof(n.e164));
	if (err)
		return err;

	bf.e164 = n.e164;
	bf.found = false;
	err = store_block_list(st, tid, block_h, &bf);
	if (err && err != 1)
		return api_fail(req, err, "e164: %m", err);
	if (!bf.found)
		return number_error(req, ERANGE, &n);

	err = number_apply(req, &n);
	if (err)
		return err;

	err = store_number_add(st, &n);
	if (err)
		return number_error(req, err, &n);
	info("http: number %lld created (%s, tenant %lld)\n", (long long)n.id,
	     n.e164, (long long)tid);

	(void)store_number_get(st, n.id, &n);
	return reply_number(req, 201, &n);
}

static int list_h(const struct store_number *n, void *arg)
{
	struct odict *o = NULL;
	int err = number_encode(&o, n);

	return api_list_add(arg, err, o);
}

int api_number_list(struct api_req *req)
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
	err = store_number_list(req->api->st, tid, list_h, arr);
	return api_list_done(req, err, arr, "numbers");
}

int api_number_get(struct api_req *req)
{
	struct store_number n;
	int err;

	err = store_number_get(req->api->st, req->id, &n);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "number: %m", err);
	return reply_number(req, 200, &n);
}

int api_number_update(struct api_req *req)
{
	struct store *st = req->api->st;
	struct store_number n;
	bool was_active;
	int err;

	err = store_number_get(st, req->id, &n);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "number: %m", err);

	err = api_body_check(req, fields, ARRAY_SIZE(fields), false);
	if (err)
		return err;
	was_active = n.active;
	err = number_apply(req, &n);
	if (err)
		return err;

	err = store_number_update(st, &n);
	if (err == ENOENT && !api_has(req, "target_id"))
		return api_not_found(req);
	if (err)
		return number_error(req, err, &n);
	if (was_active != n.active)
		info("http: number %lld (%s) %s\n", (long long)n.id, n.e164,
		     n.active ? "activated" : "deactivated");

	(void)store_number_get(st, n.id, &n);
	return reply_number(req, 200, &n);
}

int api_number_delete(struct api_req *req)
{
	struct store_number n;
	int err;

	err = store_number_get(req->api->st, req->id, &n);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "number: %m", err);

	err = store_number_delete(req->api->st, req->id);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return number_error(req, err, &n);
	info("http: number %lld (%s) deleted\n", (long long)n.id, n.e164);
	return api_reply_no_content(req);
}
