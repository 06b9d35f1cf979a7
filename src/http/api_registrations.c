/*
 * api_registrations.c - /api/v1/registrations: the unexpired bindings of
 * registered phones (what the registrar stored), read only.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

static int registration_encode(struct odict **op,
			       const struct store_registration *r)
{
	struct odict *o;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err |= api_add_int(o, "id", r->id);
	err |= api_add_int(o, "device_id", r->device_id);
	err |= api_add_str(o, "contact", r->contact);
	err |= api_add_str(o, "received", r->received);
	err |= api_add_str(o, "transport", r->transport);
	err |= api_add_str_or_null(o, "user_agent", r->user_agent);
	err |= api_add_str_or_null(o, "instance", r->instance);
	err |= api_add_str_or_null(o, "path", r->path);
	err |= api_add_str(o, "node_id", r->node_id);
	err |= api_add_time(o, "expires_at", r->expires_at);
	err |= api_add_time(o, "updated_at", r->updated_at);
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

static int list_h(const struct store_registration *r, void *arg)
{
	struct odict *o = NULL;
	int err = registration_encode(&o, r);

	return api_list_add(arg, err, o);
}

int api_registration_list(struct api_req *req)
{
	static const char *const params[] = {"device_id", NULL};
	struct odict *arr = NULL;
	int64_t did;
	int err;

	err = api_query_check(req, params);
	if (err)
		return err;
	err = api_query_id(req, "device_id", &did);
	if (err)
		return err;
	err = api_list_alloc(&arr);
	if (err)
		return err;
	err = store_reg_list(req->api->st, did, time_now_ms(), list_h, arr);
	return api_list_done(req, err, arr, "registrations");
}
