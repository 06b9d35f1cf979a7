/*
 * api_external_targets.c - /api/v1/external_targets: numbers outside the
 * system that a tenant's numbers, menu keys, schedule states and
 * fallbacks may lead to ("target_type": "external").  The call goes out
 * through the tenant's trunk to the number, presenting the tenant's
 * central number (route/route.c).
 *
 *   {"tenant_id": 1, "name": "Support partner", "number": "0221 5550123",
 *    "ring_timeout": 30}
 *
 * number is normalised to E.164 in the tenant's dialling context (a
 * number that is not one is a 422); ring_timeout null or 0: the node's
 * --ring-timeout.  One that something routes to cannot be deleted (409).
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

#define T struct store_external

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED | FF_EARLY),
     API_M(T, tenant_id), .ref = api_ref_tenant},
    {API_F("name", AK_STR, FF_REQUIRED), API_M(T, name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("number", AK_PHONE, FF_REQUIRED), API_M(T, number), .max = 40},
    {API_F("ring_timeout", AK_INT, FF_NULL), API_M(T, ring_timeout), .min = 0,
     .max = 300, .unit = "seconds"},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

static int external_fail(struct api_req *req, int err, const void *rec)
{
	const T *x = rec;

	switch (err) {
	case EEXIST:
		return api_fail(req, err, "name: %s exists already", x->name);
	case EBUSY:
		return api_fail(req, err,
				"external target %lld is in use by a number, "
				"a schedule or a menu",
				(long long)x->id);
	default:
		return api_fail(req, err, "external target: %m", err);
	}
}

/* An extension ("12") is no external number. */
static int external_check(struct api_req *req, void *rec, const void *old)
{
	const T *x = rec;

	(void)old;
	if (!phone_is_e164(x->number))
		return api_error(req, 422,
				 "number: %s is not a valid E.164 phone "
				 "number",
				 x->number);
	return 0;
}

API_STORE_GET(external_get, store_external_get)

API_STORE_ADD(external_add, store_external_add)

API_STORE_UPDATE(external_update, store_external_update)

API_LIST_H(external_h, T)

static int external_list(struct api_req *req, const struct api_query *q,
			 void *arg)
{
	return store_external_list(req->api->st, q->tenant_id, external_h, arg);
}

static int external_print(struct re_printf *pf, void *rec)
{
	const T *x = rec;

	return re_hprintf(pf, "%s, %s, tenant %lld", x->name, x->number,
			  (long long)x->tenant_id);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

const struct api_resource api_external_targets = {
    .path = "/api/v1/external_targets",
    .noun = "external target",
    .label = "external target",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = external_get,
    .add = external_add,
    .update = external_update,
    .del = store_external_delete,
    .list = external_list,
    .check = external_check,
    .fail = external_fail,
    .print = external_print,
};
