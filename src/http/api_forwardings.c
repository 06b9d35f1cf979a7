/*
 * api_forwardings.c - /api/v1/forwardings: a client's own numbers that
 * forward its calls to us (Rufumleitung), and where those calls go.
 *
 *   {"tenant_id": 1, "number": "0221 4711-0", "target_type": "queue",
 *    "target_id": 3, "description": "Zentrale, Umleitung bei besetzt"}
 *
 * A call from one of our trunks whose Diversion (RFC 5806) or History-Info
 * (RFC 7044) header names the number is the client's, whichever of our
 * numbers the carrier sent it to (one service number serves many
 * clients); route/route.c.  number is normalised to E.164 in the tenant's
 * dialling context and is one tenant's only (409), fixed once created
 * (the operator vouches for whose it is: POST and DELETE are the
 * service's, src/http/roles.c); the target is one of the tenant's, as a
 * number's is, is required, and the client may change it.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

#define T struct store_forwarding

enum { F_TARGET_TYPE = 3 };

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED | FF_EARLY),
     API_M(T, tenant_id), .ref = api_ref_tenant},
    {API_F("number", AK_PHONE, FF_REQUIRED | FF_FIXED), API_M(T, number),
     .max = 39},
    [F_TARGET_TYPE] = {API_F("target_type", AK_ENUM, FF_HOOK),
		       API_M(T, target.type), .max = 16,
		       .en = &store_names_target},
    {API_F("target_id", AK_ID, FF_NULL | FF_HOOK), API_M(T, target.id)},
    {API_F("description", AK_STR, FF_NULL), API_M(T, description), .max = 127},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

/* A public number (no extension), and a target: the pair checked. */
static int fwd_check(struct api_req *req, void *rec, const void *old)
{
	T *f = rec;
	int err;

	(void)old;
	if (!phone_is_e164(f->number))
		return api_error(req, 422,
				 "number: %s is not a valid E.164 phone "
				 "number",
				 f->number);
	err = api_target_pair(req, &fields[F_TARGET_TYPE], f, &f->target,
			      f->tenant_id);
	if (err)
		return err;
	if (f->target.type == TARGET_NONE)
		return api_error(req, 422,
				 "target_type: is required (where the "
				 "forwarded calls go)");
	return 0;
}

static int fwd_fail(struct api_req *req, int err, const void *rec)
{
	const T *f = rec;

	if (err == EEXIST)
		return api_fail(req, err, "number: %s is forwarded already",
				f->number);
	return api_fail(req, err, "forwarding: %m", err);
}

API_STORE_GET(fwd_get, store_forwarding_get)

API_STORE_ADD(fwd_add, store_forwarding_add)

API_STORE_UPDATE(fwd_update, store_forwarding_update)

API_LIST_H(fwd_h, T)

static int fwd_list(struct api_req *req, const struct api_query *q, void *arg)
{
	return store_forwarding_list(req->api->st, q->tenant_id, fwd_h, arg);
}

static int fwd_print(struct re_printf *pf, void *rec)
{
	const T *f = rec;

	return re_hprintf(pf, "%s, tenant %lld", f->number,
			  (long long)f->tenant_id);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

const struct api_resource api_forwardings = {
    .path = "/api/v1/forwardings",
    .noun = "forwarding",
    .label = "forwarding",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = fwd_get,
    .add = fwd_add,
    .update = fwd_update,
    .del = store_forwarding_delete,
    .list = fwd_list,
    .check = fwd_check,
    .fail = fwd_fail,
    .print = fwd_print,
};
