/*
 * api_registrations.c - /api/v1/registrations: the unexpired bindings of
 * registered phones (what the registrar stored), read only.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

#define T struct store_registration

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("device_id", AK_INT, FF_RO), API_M(T, device_id)},
    {API_F("contact", AK_STR, FF_RO), API_M(T, contact)},
    {API_F("received", AK_STR, FF_RO), API_M(T, received)},
    {API_F("transport", AK_STR, FF_RO), API_M(T, transport)},
    {API_F("user_agent", AK_STR, FF_RO | FF_NULL), API_M(T, user_agent)},
    {API_F("instance", AK_STR, FF_RO | FF_NULL), API_M(T, instance)},
    {API_F("path", AK_STR, FF_RO | FF_NULL), API_M(T, path)},
    {API_F("node_id", AK_STR, FF_RO), API_M(T, node_id)},
    {API_F("expires_at", AK_TIME, FF_RO), API_M(T, expires_at)},
    {API_F("updated_at", AK_TIME, FF_RO), API_M(T, updated_at)},
};

static const struct api_param params[] = {
    {"device_id", AP_ID, offsetof(struct api_query, device_id), 0, 0, 0},
};

API_LIST_H(registration_h, T)

static int registration_list(struct api_req *req, const struct api_query *q,
			     void *arg)
{
	return store_reg_list(req->api->st, q->device_id, req->now,
			      registration_h, arg);
}

const struct api_resource api_registrations = {
    .path = "/api/v1/registrations",
    .noun = "registration",
    .label = "registration",
    API_FIELDS(fields),
    API_PARAMS(params),
    .size = sizeof(T),
    .list = registration_list,
};
