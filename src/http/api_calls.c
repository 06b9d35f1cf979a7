/*
 * api_calls.c - /api/v1/calls: the call records the B2BUA writes, read
 * only.  The list is newest first and paged with limit/offset; since and
 * until bound started_at (ISO-8601 UTC, since inclusive, until exclusive).
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

enum {
	LIMIT_DEFAULT = 100,
	LIMIT_MAX = 1000,
	OFFSET_MAX = 100000000,
};

static int call_encode(struct odict **op, const struct store_call *c)
{
	struct odict *o;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err |= api_add_int(o, "id", c->id);
	err |= api_add_id(o, "tenant_id", c->tenant_id);
	err |= api_add_str(o, "node_id", c->node_id);
	err |= api_add_str(o, "sip_call_id", c->sip_call_id);
	err |= api_add_str(o, "direction", store_direction_name(c->direction));
	err |= api_add_str(o, "from_number", c->from_number);
	err |= api_add_str(o, "to_number", c->to_number);
	err |= api_add_str_or_null(o, "caller_leg", c->caller_leg);
	err |= api_add_str_or_null(o, "callee_leg", c->callee_leg);
	err |= api_add_time(o, "started_at", c->started_at);
	err |= api_add_time(o, "answered_at", c->answered_at);
	err |= api_add_time(o, "ended_at", c->ended_at);
	err |= api_add_str_or_null(o, "disposition",
				   store_disposition_name(c->disposition));
	if (c->sip_code)
		err |= api_add_int(o, "sip_code", c->sip_code);
	else
		err |= odict_entry_add(o, "sip_code", ODICT_NULL);
	err |=
	    api_add_str_or_null(o, "ended_by", store_party_name(c->ended_by));
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

static int list_h(const struct store_call *c, void *arg)
{
	struct odict *o = NULL;
	int err = call_encode(&o, c);

	return api_list_add(arg, err, o);
}

int api_call_list(struct api_req *req)
{
	static const char *const params[] = {"tenant_id", "since",  "until",
					     "limit",     "offset", NULL};
	struct store_call_filter f;
	struct odict *arr = NULL;
	int err;

	memset(&f, 0, sizeof(f));
	err = api_query_check(req, params);
	if (!err)
		err = api_query_id(req, "tenant_id", &f.tenant_id);
	if (!err)
		err = api_query_time(req, "since", &f.since);
	if (!err)
		err = api_query_time(req, "until", &f.until);
	if (!err)
		err = api_query_uint(req, "limit", 1, LIMIT_MAX, LIMIT_DEFAULT,
				     &f.limit);
	if (!err)
		err =
		    api_query_uint(req, "offset", 0, OFFSET_MAX, 0, &f.offset);
	if (err)
		return err;
	if (f.since && f.until && f.until <= f.since)
		return api_error(req, 400, "until: must be after since");

	err = api_list_alloc(&arr);
	if (err)
		return err;
	err = store_call_list(req->api->st, &f, list_h, arr);
	return api_list_done(req, err, arr, "calls");
}

int api_call_get(struct api_req *req)
{
	struct store_call c;
	struct odict *o = NULL;
	int err;

	err = store_call_get(req->api->st, req->id, &c);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "call: %m", err);
	err = call_encode(&o, &c);
	if (err)
		return err;
	err = api_reply_object(req, 200, o);
	mem_deref(o);
	return err;
}
