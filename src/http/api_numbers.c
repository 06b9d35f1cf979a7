/*
 * api_numbers.c - /api/v1/numbers: the E.164 numbers of a tenant and where
 * each one is routed (target_type + target_id, which go together and are
 * checked together, after the other fields).
 *
 * A number must lie in one of its tenant's blocks.  A personal number
 * ("personal": true) is made and released through the employee
 * (PATCH /api/v1/employees/:id {"personal_number": ...}); here it can only
 * keep its employee as target, and deactivating it takes it away from the
 * employee, who then shows the fault "no_personal_number".
 *
 * "forwarded_calls" is the operator's (a client's PATCH naming it is 403):
 * on such a service number a carrier's Diversion/History-Info decides
 * whose forwarded call it is (route.c); on any other it is ignored.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

#define T struct store_number

/* e164 in the tenant's context, inside one of the tenant's blocks. */
static int e164_apply(struct api_req *req, const struct api_field *f, void *rec)
{
	const T *n = rec;
	struct store_number_block b;
	int err;

	err = api_field_apply(req, f, rec);
	if (err)
		return err;
	err = store_block_find(req->api->st, n->tenant_id, n->e164, &b);
	if (err == ERANGE)
		return api_fail(req, ERANGE,
				"e164: not inside a number block of the "
				"tenant");
	if (err)
		return api_fail(req, err, "e164: %m", err);
	return 0;
}

enum { F_TARGET_TYPE = 5, F_TARGET_ID };

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED), API_M(T, tenant_id),
     .ref = api_ref_tenant},
    {API_F("block_id", AK_ID, FF_RO | FF_NULL), API_M(T, block_id)},
    {API_F("e164", AK_PHONE, FF_REQUIRED | FF_FIXED), API_M(T, e164), .max = 40,
     .apply = e164_apply},
    {API_F("active", AK_BOOL, 0), API_M(T, active)},
    [F_TARGET_TYPE] = {API_F("target_type", AK_ENUM, FF_HOOK),
		       API_M(T, target_type), .max = 16,
		       .en = &store_names_target},
    [F_TARGET_ID] = {API_F("target_id", AK_ID, FF_NULL | FF_HOOK),
		     API_M(T, target_id), .ref = api_ref_employee},
    {API_F("personal", AK_BOOL, FF_RO), API_M(T, personal)},
    {API_F("description", AK_STR, FF_NULL), API_M(T, description), .max = 127},
    {API_F("forwarded_calls", AK_BOOL, FF_OPERATOR), API_M(T, forwarded_calls)},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

/* The target the body names, checked against the number's tenant. */
static int number_check(struct api_req *req, void *rec, const void *old)
{
	const struct api_field *tf = &fields[F_TARGET_TYPE];
	const struct api_field *idf = &fields[F_TARGET_ID];
	const char *type = api_str(req, tf->name);
	T *n = rec;
	int64_t id;
	int err;

	if (!type && !api_has(req, idf->name))
		return 0;
	if (type) {
		err = api_field_apply(req, tf, rec);
		if (err)
			return err;
	}
	err = api_field_id(req, idf->name, &id);
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
				 api_enum_name(tf, n->target_type));

	err = api_target_ref(req, idf->name, n->target_type, id, n->tenant_id);
	if (err)
		return err;
	n->target_id = id;
	return 0;
}

static int number_fail(struct api_req *req, int err, const void *rec)
{
	const T *n = rec;
	const char *type =
	    api_enum_name(&fields[F_TARGET_TYPE], n->target_type);

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
				type, (long long)n->target_id);
	case ENOENT:
		return api_fail(req, err, "target_id: %s %lld does not exist",
				type, (long long)n->target_id);
	case EBUSY:
		return api_fail(req, err, "number %s is in use", n->e164);
	default:
		return api_fail(req, err, "number: %m", err);
	}
}

static void number_after(struct api_req *req, enum api_op op, const void *rec,
			 const void *old)
{
	const T *n = rec, *o = old;

	if (op == API_UPDATE && o->active != n->active)
		info("http: number %lld (%s) %s\n", (long long)n->id, n->e164,
		     n->active ? "activated" : "deactivated");
}

static void number_init(void *rec)
{
	T *n = rec;

	n->active = true;
}

API_STORE_GET(number_get, store_number_get)

API_STORE_ADD(number_add, store_number_add)

API_STORE_UPDATE(number_update, store_number_update)

API_LIST_H(number_h, T)

static int number_list(struct api_req *req, const struct api_query *q,
		       void *arg)
{
	return store_number_list(req->api->st, q->tenant_id, number_h, arg);
}

static int number_print(struct re_printf *pf, void *rec)
{
	const T *n = rec;

	return re_hprintf(pf, "%s, tenant %lld", n->e164,
			  (long long)n->tenant_id);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

const struct api_resource api_numbers = {
    .path = "/api/v1/numbers",
    .noun = "number",
    .label = "number",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = number_get,
    .add = number_add,
    .update = number_update,
    .del = store_number_delete,
    .list = number_list,
    .init = number_init,
    .check = number_check,
    .fail = number_fail,
    .after = number_after,
    .print = number_print,
    .enoent_unless = "target_id",
};
