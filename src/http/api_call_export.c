/*
 * api_call_export.c - GET /api/v1/calls/export: the call records of a
 * date range for a billing or CRM system (issue 20, data safety), as CSV
 * or JSON:
 *
 *   ?from=&to=     started_at in [from, to): a date YYYY-MM-DD (00:00
 *                  UTC) or an ISO-8601 time; default the 30 days before
 *                  now; at most RANGE_DAYS (a year) apart, else 422
 *   ?format=       json (default) or csv
 *   ?tenant_id=    the operator: one client (default all); a client's
 *                  token always gets its own
 *
 * One row per call record, oldest first, with the columns of COLUMNS:
 * times ISO-8601 UTC ("" / null while not reached), duration_s the whole
 * seconds from start to end, billable_s those from the answer to the end
 * (0 if never answered), queue and agent_id from the call's last queue
 * visit.  CSV as the other files of the API (the bill): ';', CRLF, a
 * header line; a value holding ';', '"' or a line break is quoted.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

enum {
	DAY_MS = 86400 * 1000,
	RANGE_DAYS = 366,  /* the longest range: a (leap) year */
	DEFAULT_DAYS = 30, /* without from                     */
};

static const char COLUMNS[] =
    "id;tenant_id;direction;from_number;to_number;started_at;answered_at;"
    "ended_at;duration_s;billable_s;disposition;sip_code;ended_by;"
    "queue_id;queue;agent_id;callee_leg;forwarded_from\r\n";

struct xport {
	struct api_req *req;
	struct mbuf *mb;   /* CSV, or NULL */
	struct odict *arr; /* JSON, or NULL */
};

static int64_t secs(uint64_t from, uint64_t to)
{
	return from && to >= from ? (int64_t)((to - from) / 1000) : 0;
}

static int csv_time(struct mbuf *mb, uint64_t ms)
{
	char buf[32];

	return ms ? mbuf_write_str(mb, time_iso(buf, sizeof(buf), ms)) : 0;
}

static int csv_row(struct mbuf *mb, const struct store_call_export *x)
{
	const struct store_call *c = &x->call;
	bool ended = c->ended_at != 0;
	int err = 0;

	err |= mbuf_printf(mb, "%lld;", (long long)c->id);
	if (c->tenant_id)
		err |= mbuf_printf(mb, "%lld", (long long)c->tenant_id);
	err |= mbuf_printf(mb, ";%s;", store_direction_name(c->direction));
	err |= api_csv_val(mb, c->from_number);
	err |= mbuf_write_u8(mb, ';');
	err |= api_csv_val(mb, c->to_number);
	err |= mbuf_write_u8(mb, ';');
	err |= csv_time(mb, c->started_at);
	err |= mbuf_write_u8(mb, ';');
	err |= csv_time(mb, c->answered_at);
	err |= mbuf_write_u8(mb, ';');
	err |= csv_time(mb, c->ended_at);
	err |= mbuf_write_u8(mb, ';');
	if (ended)
		err |=
		    mbuf_printf(mb, "%lld;%lld",
				(long long)secs(c->started_at, c->ended_at),
				(long long)secs(c->answered_at, c->ended_at));
	else
		err |= mbuf_write_u8(mb, ';');
	err |= mbuf_printf(mb, ";%s;",
			   ended ? store_disposition_name(c->disposition) : "");
	if (ended && c->sip_code)
		err |= mbuf_printf(mb, "%u", c->sip_code);
	err |= mbuf_printf(mb, ";%s;",
			   ended && c->ended_by != STORE_PARTY_NONE
			       ? store_party_name(c->ended_by)
			       : "");
	if (x->queue_id)
		err |= mbuf_printf(mb, "%lld", (long long)x->queue_id);
	err |= mbuf_write_u8(mb, ';');
	err |= api_csv_val(mb, x->queue_name);
	err |= mbuf_write_u8(mb, ';');
	if (x->agent_id)
		err |= mbuf_printf(mb, "%lld", (long long)x->agent_id);
	err |= mbuf_write_u8(mb, ';');
	err |= api_csv_val(mb, c->callee_leg);
	err |= mbuf_write_u8(mb, ';');
	err |= api_csv_val(mb, c->forwarded_from);
	err |= mbuf_write_str(mb, "\r\n");
	return err ? ENOMEM : 0;
}

static int json_row(struct odict *arr, const struct store_call_export *x)
{
	const struct store_call *c = &x->call;
	bool ended = c->ended_at != 0;
	struct odict *o = NULL;
	int err;

	err = odict_alloc(&o, 32);
	if (err)
		return err;
	err |= api_add_int(o, "id", c->id);
	err |= api_add_id(o, "tenant_id", c->tenant_id);
	err |= api_add_str(o, "direction", store_direction_name(c->direction));
	err |= api_add_str(o, "from_number", c->from_number);
	err |= api_add_str(o, "to_number", c->to_number);
	err |= api_add_time(o, "started_at", c->started_at);
	err |= api_add_time(o, "answered_at", c->answered_at);
	err |= api_add_time(o, "ended_at", c->ended_at);
	if (ended) {
		err |= api_add_int(o, "duration_s",
				   secs(c->started_at, c->ended_at));
		err |= api_add_int(o, "billable_s",
				   secs(c->answered_at, c->ended_at));
		err |= api_add_str(o, "disposition",
				   store_disposition_name(c->disposition));
		err |= c->sip_code ? api_add_int(o, "sip_code", c->sip_code)
				   : odict_entry_add(o, "sip_code", ODICT_NULL);
		err |= api_add_str_or_null(o, "ended_by",
					   c->ended_by != STORE_PARTY_NONE
					       ? store_party_name(c->ended_by)
					       : "");
	}
	else {
		err |= odict_entry_add(o, "duration_s", ODICT_NULL);
		err |= odict_entry_add(o, "billable_s", ODICT_NULL);
		err |= odict_entry_add(o, "disposition", ODICT_NULL);
		err |= odict_entry_add(o, "sip_code", ODICT_NULL);
		err |= odict_entry_add(o, "ended_by", ODICT_NULL);
	}
	err |= api_add_id(o, "queue_id", x->queue_id);
	err |= api_add_str_or_null(o, "queue", x->queue_name);
	err |= api_add_id(o, "agent_id", x->agent_id);
	err |= api_add_str_or_null(o, "callee_leg", c->callee_leg);
	err |= api_add_str_or_null(o, "forwarded_from", c->forwarded_from);
	if (!err)
		err = api_list_append(arr, o);
	mem_deref(o);
	return err ? ENOMEM : 0;
}

static int row_h(const struct store_call_export *x, void *arg)
{
	struct xport *e = arg;

	return e->mb ? csv_row(e->mb, x) : json_row(e->arr, x);
}

/* Query value name as a time: a date YYYY-MM-DD (00:00 UTC) or an
 * ISO-8601 time.  1 given, 0 absent, or an errno after the 400. */
static int time_param(struct api_req *req, const char *name, uint64_t *msp)
{
	char buf[40], iso[48];
	int r;

	r = api_query_str(req, name, buf, sizeof(buf));
	if (r == 0)
		return 0;
	if (r > 0 && strlen(buf) == 10) {
		re_snprintf(iso, sizeof(iso), "%sT00:00:00Z", buf);
		if (!time_iso_parse(iso, msp))
			return 1;
	}
	else if (r > 0 && !time_iso_parse(buf, msp)) {
		return 1;
	}
	(void)api_error(req, 400,
			"%s: must be a date YYYY-MM-DD or an ISO-8601 time",
			name);
	return EBADMSG;
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
    {"from", AP_STR, 0, 0, 0, 0},
    {"to", AP_STR, 0, 0, 0, 0},
    {"format", AP_STR, 0, 0, 0, 0},
};

static int export_get(struct api_req *req)
{
	struct xport e = {req, NULL, NULL};
	uint64_t from = 0, to = 0;
	struct api_query q;
	char format[8] = "json";
	int64_t tid;
	int r, err;

	err = api_query_read(req, params, ARRAY_SIZE(params), &q);
	if (err)
		return err;
	r = time_param(req, "from", &from);
	if (r > 1)
		return r;
	if (!r)
		from = 0;
	r = time_param(req, "to", &to);
	if (r > 1)
		return r;
	if (!r)
		to = req->now;
	if (!from)
		from = to > (uint64_t)DEFAULT_DAYS * DAY_MS
			   ? to - (uint64_t)DEFAULT_DAYS * DAY_MS
			   : 0;
	if (to <= from)
		return api_error(req, 400, "to: must be after from");
	if (to - from > (uint64_t)RANGE_DAYS * DAY_MS)
		return api_error(req, 422,
				 "to: the range must not exceed %u days",
				 RANGE_DAYS);
	r = api_query_str(req, "format", format, sizeof(format));
	if (r < 0 || (r > 0 && strcmp(format, "json") && strcmp(format, "csv")))
		return api_error(req, 400, "format: must be csv or json");
	tid = req->token.tenant_id ? req->token.tenant_id : q.tenant_id;

	if (!strcmp(format, "csv")) {
		e.mb = mbuf_alloc(4096);
		if (!e.mb)
			return ENOMEM;
		err = mbuf_write_str(e.mb, COLUMNS);
	}
	else {
		err = api_list_alloc(&e.arr);
	}
	if (!err)
		err = store_call_export(req->api->st, tid, from, to, row_h, &e);
	if (err)
		err = api_fail(req, err, "calls export: %m", err);
	else if (e.mb)
		err = api_reply_attachment(req, API_CSV, e.mb, "calls.csv");
	else
		err = api_reply_list(req, e.arr);
	mem_deref(e.mb);
	mem_deref(e.arr);
	return err;
}

static const struct api_action actions[] = {
    {"GET", "", export_get},
};

const struct api_resource api_call_export = {
    .path = "/api/v1/calls/export",
    .noun = "call",
    .label = "calls export",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
