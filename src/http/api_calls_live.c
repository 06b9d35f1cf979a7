/*
 * api_calls_live.c - GET /api/v1/calls/live: the calls up on this node
 * right now, for the operator (switchboard-ctl calls).  The journal
 * (GET /api/v1/calls) has the records; this adds what only the running
 * call knows: its state, whether the caller is held, and per leg its
 * codec, SRTP and the RTP packets received from and sent to its far end
 * (call/live.c).  Oldest first.
 *
 *   [{"id", "sip_call_id", "tenant_id", "state", "direction",
 *     "from_number", "to_number", "started_at", "answered_at",
 *     "duration_s", "on_hold",
 *     "legs": [{"role", "leg", "codec", "srtp", "established",
 *               "rtp_received", "rtp_sent"}]}]
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "call/call.h"

struct live {
	struct api_req *req;
	struct odict *arr;
};

static int legs_add(struct odict *o, const struct call *call)
{
	struct call_leg_view v[CALL_LEGS_MAX];
	struct odict *arr = NULL;
	size_t i, n;
	int err;

	err = api_list_alloc(&arr);
	n = call_legs_view(call, v, ARRAY_SIZE(v));
	for (i = 0; !err && i < n; i++) {
		struct odict *lo = NULL;

		err = odict_alloc(&lo, 8);
		if (err)
			break;
		err |= api_add_str(lo, "role", v[i].role);
		err |= api_add_str(lo, "leg", v[i].desc);
		err |= api_add_str_or_null(lo, "codec", v[i].codec);
		err |= api_add_bool(lo, "srtp", v[i].secure);
		err |= api_add_bool(lo, "established", v[i].established);
		err |= api_add_int(lo, "rtp_received", (int64_t)v[i].rx);
		err |= api_add_int(lo, "rtp_sent", (int64_t)v[i].tx);
		err = err ? ENOMEM : api_list_append(arr, lo);
		mem_deref(lo);
	}
	if (!err)
		err = odict_entry_add(o, "legs", ODICT_ARRAY, arr);
	mem_deref(arr);
	return err;
}

static int call_h(const struct call *call, void *arg)
{
	struct live *l = arg;
	const struct store_call *c = call_rec(call);
	struct odict *o = NULL;
	uint64_t now = l->req->now;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err |= api_add_id(o, "id", c->id);
	err |= api_add_str(o, "sip_call_id", call_id(call));
	err |= api_add_id(o, "tenant_id", c->tenant_id);
	err |= api_add_str(o, "state", call_state_name(call_state(call)));
	err |= api_add_str(
	    o, "direction",
	    store_names_get(&store_names_direction, (int)c->direction));
	err |= api_add_str(o, "from_number", c->from_number);
	err |= api_add_str(o, "to_number", c->to_number);
	err |= api_add_time(o, "started_at", c->started_at);
	err |= api_add_time(o, "answered_at", c->answered_at);
	err |= api_add_int(o, "duration_s",
			   c->started_at && now > c->started_at
			       ? (int64_t)((now - c->started_at) / 1000)
			       : 0);
	err |= api_add_bool(o, "on_hold", call_caller_held(call));
	if (!err)
		err = legs_add(o, call);
	err = err ? err : api_list_append(l->arr, o);
	mem_deref(o);
	return err;
}

static int live_get(struct api_req *req)
{
	struct live l = {req, NULL};
	int err;

	err = api_list_alloc(&l.arr);
	if (!err && req->api->calls)
		err = call_ctx_walk(req->api->calls, call_h, &l);
	if (err)
		err = api_fail(req, err, "live calls: %m", err);
	else
		err = api_reply_list(req, l.arr);
	mem_deref(l.arr);
	return err;
}

static const struct api_action actions[] = {
    {"GET", "", live_get},
};

const struct api_resource api_calls_live = {
    .path = "/api/v1/calls/live",
    .noun = "call",
    .label = "live calls",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
