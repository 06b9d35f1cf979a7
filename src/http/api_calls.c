/*
 * api_calls.c - /api/v1/calls: the call records the B2BUA writes, read
 * only.  The list is newest first and paged with limit/offset; since and
 * until bound started_at (ISO-8601 UTC, since inclusive, until exclusive).
 * collected holds what the caller typed at digit inputs, by label;
 * consults (GET of one call) what came of its transfers with
 * consultation: [{"consult_id", "step", "employee_id", "outcome":
 * "taken" | "declined" | "unreached" | "cancelled" | "caller_left",
 * "message", "at"}].
 * A live call is transferred by its actions (api_transfer.c); POST
 * places one (click to call, api_click.c); GET .../pop is the screen pop
 * of a queue call (api_pop.c).
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "call/call.h"

#define T struct store_call

enum {
	LIMIT_DEFAULT = 100,
	LIMIT_MAX = 1000,
	OFFSET_MAX = 100000000,
};

/* collected: {"Kundennummer": "12345"}, what the caller typed at digit
 * inputs by their labels; {} if nothing */
static int collected_encode(struct odict *o, const struct api_field *f,
			    const void *rec, const struct api_req *req)
{
	const T *c = rec;
	struct odict *vars = NULL;
	size_t i;
	int err;

	(void)req;
	err = odict_alloc(&vars, 8);
	for (i = 0; !err && i < c->varc && i < STORE_CALL_VARS; i++)
		err = api_add_str(vars, c->varv[i].name, c->varv[i].value);
	if (!err)
		err = odict_entry_add(o, f->name, ODICT_OBJECT, vars);
	mem_deref(vars);
	return err;
}

static int consult_h(const struct store_consult_outcome *c, void *arg)
{
	struct odict *one = NULL;
	int err;

	err = odict_alloc(&one, 8);
	if (err)
		return err;
	err |= api_add_id(one, "consult_id", c->consult_id);
	err |= api_add_str_or_null(one, "step", c->step);
	err |= api_add_id(one, "employee_id", c->employee_id);
	err |= api_add_str(one, "outcome", c->outcome);
	err |= api_add_str_or_null(one, "message", c->message);
	err |= api_add_time(one, "at", c->at);
	err = err ? ENOMEM : api_list_append(arg, one);
	mem_deref(one);
	return err;
}

int api_add_consults(struct odict *o, const char *key, struct store *st,
		     int64_t call_id)
{
	struct odict *arr = NULL;
	int err;

	err = api_list_alloc(&arr);
	if (!err && call_id > 0)
		err = store_consult_outcome_list(st, call_id, consult_h, arr);
	if (!err)
		err = odict_entry_add(o, key, ODICT_ARRAY, arr);
	mem_deref(arr);
	return err;
}

/* consults: what came of the call's transfers with consultation (GET
 * of one call only: a list would query per row) */
static int consults_encode(struct odict *o, const struct api_field *f,
			   const void *rec, const struct api_req *req)
{
	const T *c = rec;

	if (!req->id)
		return 0;
	return api_add_consults(o, f->name, req->api->st, c->id);
}

/* on_hold: only GET of one call live on this node: is its caller held
 * by the console (POST /calls/:id/hold)? */
static int hold_encode(struct odict *o, const struct api_field *f,
		       const void *rec, const struct api_req *req)
{
	const T *c = rec;
	const struct call *call;

	if (!req->id || !req->api->calls || c->ended_at)
		return 0;
	call = call_ctx_find(req->api->calls, c->id);
	if (!call)
		return 0;
	return api_add_bool(o, f->name, call_caller_held(call));
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_RO | FF_NULL), API_M(T, tenant_id)},
    {API_F("node_id", AK_STR, FF_RO), API_M(T, node_id)},
    {API_F("sip_call_id", AK_STR, FF_RO), API_M(T, sip_call_id)},
    {API_F("direction", AK_ENUM, FF_RO), API_M(T, direction),
     .en = &store_names_direction},
    {API_F("from_number", AK_STR, FF_RO), API_M(T, from_number)},
    {API_F("to_number", AK_STR, FF_RO), API_M(T, to_number)},
    {API_F("forwarded_from", AK_STR, FF_RO | FF_NULL),
     API_M(T, forwarded_from)},
    {API_F("caller_leg", AK_STR, FF_RO | FF_NULL), API_M(T, caller_leg)},
    {API_F("callee_leg", AK_STR, FF_RO | FF_NULL), API_M(T, callee_leg)},
    {API_F("started_at", AK_TIME, FF_RO), API_M(T, started_at)},
    {API_F("answered_at", AK_TIME, FF_RO), API_M(T, answered_at)},
    {API_F("ended_at", AK_TIME, FF_RO), API_M(T, ended_at)},
    {API_F("disposition", AK_ENUM, FF_RO | FF_NULL), API_M(T, disposition),
     .en = &store_names_disposition},
    {API_F("sip_code", AK_INT, FF_RO | FF_NULL), API_M(T, sip_code)},
    {API_F("ended_by", AK_ENUM, FF_RO | FF_NULL), API_M(T, ended_by),
     .en = &store_names_party},
    {API_F("collected", AK_LIST, FF_RO), .encode = collected_encode},
    {API_F("consults", AK_LIST, FF_RO), .encode = consults_encode},
    {API_F("on_hold", AK_BOOL, FF_RO), .encode = hold_encode},
};

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
    {"since", AP_TIME, offsetof(struct api_query, since), 0, 0, 0},
    {"until", AP_TIME, offsetof(struct api_query, until), 0, 0, 0},
    {"limit", AP_UINT, offsetof(struct api_query, limit), 1, LIMIT_MAX,
     LIMIT_DEFAULT},
    {"offset", AP_UINT, offsetof(struct api_query, offset), 0, OFFSET_MAX, 0},
};

API_STORE_GET(call_get, store_call_get)

API_LIST_H(call_h, T)

static int call_list(struct api_req *req, const struct api_query *q, void *arg)
{
	struct store_call_filter f;

	memset(&f, 0, sizeof(f));
	f.tenant_id = q->tenant_id;
	f.since = q->since;
	f.until = q->until;
	f.limit = q->limit;
	f.offset = q->offset;
	return store_call_list(req->api->st, &f, call_h, arg);
}

static const struct api_action actions[] = {
    {"POST", "", api_call_originate},
    {"POST", "/:id/transfer", api_call_transfer},
    {"POST", "/:id/transfer/complete", api_call_transfer_complete},
    {"POST", "/:id/transfer/cancel", api_call_transfer_cancel},
    {"GET", "/:id/pop", api_call_pop},
    {"POST", "/:id/hold", api_call_hold},
    {"POST", "/:id/resume", api_call_resume},
    {"POST", "/:id/hangup", api_call_hangup},
};

const struct api_resource api_calls = {
    .path = "/api/v1/calls",
    .noun = "call",
    .label = "call",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id), /* a client sees its own */
    .get = call_get,
    .list = call_list,
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
