/*
 * api_vips.c - /api/v1/vips: VIP callers of a tenant, by caller ID.  A
 * call from a VIP's number waits in every queue of the tenant before the
 * other callers (ACD_PRIO_VIP), and its agent sees the flag and the name
 * (the call value "vip": X-Switchboard-Collected header, call and queue
 * events).
 *
 *   {"tenant_id": 1, "number": "0221 4711", "name": "Dr. Anna Schmitz",
 *    "note": "Vorstand, immer sofort durchstellen"}
 *
 * number is normalised to E.164 in the tenant's dialling context (a
 * caller arriving as 0221... or +49221... matches); one that is not a
 * public number is a 422.  A VIP belongs to the whole company
 * (employee_id null) or to one employee of the tenant (seeds/001: "sowohl
 * allgemein für das Unternehmen sowie für einen Mitarbeiter"); note is
 * the info the agent sees.  A number is a VIP once per tenant, of the
 * company or of one employee (one caller, one info text): a second one
 * is a 409.  Roles: admin writes; an agent of the tenant reads.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

#define T struct store_vip

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED | FF_EARLY),
     API_M(T, tenant_id), .ref = api_ref_tenant},
    {API_F("employee_id", AK_ID, FF_NULL), API_M(T, employee_id),
     .ref = api_ref_employee},
    {API_F("number", AK_PHONE, FF_REQUIRED), API_M(T, number), .max = 39},
    {API_F("name", AK_STR, FF_REQUIRED), API_M(T, name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("note", AK_STR, FF_NULL), API_M(T, note), .max = 255},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

static int vip_fail(struct api_req *req, int err, const void *rec)
{
	const T *v = rec;

	if (err == EEXIST)
		return api_fail(req, err,
				"number: %s is a VIP of tenant %lld already",
				v->number, (long long)v->tenant_id);
	if (err == ENOENT || err == EXDEV)
		return api_fail(req, err, "employee_id: employee %lld: %m",
				(long long)v->employee_id, err);
	return api_fail(req, err, "vip: %m", err);
}

/* An extension ("12") is no caller ID of the outside world. */
static int vip_check(struct api_req *req, void *rec, const void *old)
{
	const T *v = rec;

	(void)old;
	if (!phone_is_e164(v->number))
		return api_error(req, 422,
				 "number: %s is not a valid E.164 phone "
				 "number",
				 v->number);
	return 0;
}

API_STORE_GET(vip_get, store_vip_get)

API_STORE_ADD(vip_add, store_vip_add)

API_STORE_UPDATE(vip_update, store_vip_update)

API_LIST_H(vip_h, T)

static int vip_list(struct api_req *req, const struct api_query *q, void *arg)
{
	return store_vip_list(req->api->st, q->tenant_id, q->employee_id, vip_h,
			      arg);
}

static int vip_print(struct re_printf *pf, void *rec)
{
	const T *v = rec;

	return re_hprintf(pf, "%s, %s, tenant %lld", v->number, v->name,
			  (long long)v->tenant_id);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
    {"employee_id", AP_ID, offsetof(struct api_query, employee_id), 0, 0, 0},
};

const struct api_resource api_vips = {
    .path = "/api/v1/vips",
    .noun = "vip",
    .label = "vip",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = vip_get,
    .add = vip_add,
    .update = vip_update,
    .del = store_vip_delete,
    .list = vip_list,
    .check = vip_check,
    .fail = vip_fail,
    .print = vip_print,
    .enoent_unless = "employee_id",
};
