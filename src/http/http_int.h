/*
 * http_int.h - private to src/http.  What the server (server.c) hands to
 * every route handler, the body and query checks and JSON reply helpers
 * (json.c), and the handlers of the resource files (api_<resource>.c).
 *
 * A request passes through server.c like this:
 *
 *   http_msg -> /health?  -> {"status":"ok"}
 *            -> /api/v1/.. -> bearer token (store_token_check)  -> 401
 *                         -> route table: path + method         -> 404/405
 *                         -> role may use the route?             -> 403
 *                         -> body: size, JSON object             -> 413/400
 *                         -> handler(req): validates, calls the store,
 *                            replies through api_reply_*() / api_error()
 *
 * Handlers return 0 once they replied, or an errno.  An error return
 * without a reply becomes "500 internal error"; an error return after
 * api_error() is simply the end of the request.
 */
#ifndef SWITCHBOARD_HTTP_INT_H
#define SWITCHBOARD_HTTP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "http/http.h"

enum {
	API_BODY_MAX = 65536, /* [bytes] larger bodies get 413         */
	API_JSON_DEPTH = 4,   /* deepest nesting accepted in a body    */
};

struct http_api {
	struct http_sock *sock;   /* listener (owned)                  */
	const struct config *cfg; /* (weak) outlives the API           */
	struct store *st;         /* (weak) outlives the API           */
};

struct api_req;

/* Handle one request; see the contract at the top of this file. */
typedef int(api_route_h)(struct api_req *req);

struct api_route {
	const char *method;  /* "GET", "POST", "PATCH", "DELETE"        */
	const char *pattern; /* "/api/v1/tenants/:id"; :id is an int64,
				:key any segment (req->key)            */
	const char *noun;    /* "tenant": for "tenant 7 not found"       */
	api_route_h *h;
};

struct api_req {
	struct http_api *api;
	struct http_conn *conn;
	const struct http_msg *msg;
	const struct api_route *route;
	struct store_token token; /* the caller (role, tenant scope)     */
	int64_t id;               /* :id from the path, 0 if none        */
	struct pl key;            /* :key from the path, percent-encoded */
	struct odict *body;       /* (owned) JSON object of POST/PATCH   */
	bool replied;
};

/* ---- replies (json.c) ------------------------------------------------ */

/* Reply status with the JSON object o (not consumed). */
int api_reply_object(struct api_req *req, uint16_t status,
		     const struct odict *o);
/* 201 with o and a Location header pointing at /<collection>/<id>. */
int api_reply_created(struct api_req *req, const struct odict *o, int64_t id);
/* 200 with a JSON array of the objects in arr (an ODICT_ARRAY odict). */
int api_reply_list(struct api_req *req, const struct odict *arr);
int api_reply_no_content(struct api_req *req);
/* Reply {"error":"..."} with status; always returns EBADMSG so that a
 * handler can `return api_error(...)`.  extra_hdrs may be NULL, else it
 * is one or more "Name: value\r\n" lines. */
int api_error_hdrs(struct api_req *req, uint16_t status, const char *extra_hdrs,
		   const char *fmt, ...);
int api_error(struct api_req *req, uint16_t status, const char *fmt, ...);
/* Like api_error(), with the status taken from the errno (the one place
 * that maps store errors to HTTP, see server.c).  5xx hide the text. */
int api_fail(struct api_req *req, int err, const char *fmt, ...);
/* 404 {"error":"<noun> <id> not found"} for the :id of the path. */
int api_not_found(struct api_req *req);
uint16_t api_status_of(int err);
const char *api_reason(uint16_t status);

/* Percent-decode v into buf (query values, path keys); false if it is
 * malformed, holds a NUL or does not fit. */
bool api_pct_decode(char *buf, size_t sz, const struct pl *v);

/* ---- JSON out (json.c) ----------------------------------------------- */

/* Adders return 0 or ENOMEM; `err |= ...` them and check once. */
int api_add_str(struct odict *o, const char *key, const char *s);
/* "" becomes null. */
int api_add_str_or_null(struct odict *o, const char *key, const char *s);
int api_add_int(struct odict *o, const char *key, int64_t v);
/* 0 becomes null. */
int api_add_id(struct odict *o, const char *key, int64_t id);
int api_add_bool(struct odict *o, const char *key, bool v);
/* ISO-8601 UTC ("2026-11-25T03:34:57.123Z"); 0 becomes null. */
int api_add_time(struct odict *o, const char *key, uint64_t ms);
/* Append object o to the array arr (key "0", "1", ...). */
int api_list_append(struct odict *arr, struct odict *o);
int api_list_alloc(struct odict **arrp);

/*
 * The shared ends of the per-resource handlers.  Each takes the result of
 * an encode or a store call and consumes the objects it is given:
 *   api_reply_encoded: err from encoding o; 201 (with Location for id) or
 *                      status with o; o is released.
 *   api_list_add:      err from encoding o; o appended to arr, released.
 *   api_list_done:     err from the store's list walk into arr; the list,
 *                      or a failure naming what; arr is released.
 */
int api_reply_encoded(struct api_req *req, uint16_t status, int err,
		      struct odict *o, int64_t id);
int api_list_add(struct odict *arr, int err, struct odict *o);
int api_list_done(struct api_req *req, int err, struct odict *arr,
		  const char *what);

/* ---- JSON in (json.c) ------------------------------------------------ */

enum api_ftype {
	FT_STR = 0, /* JSON string, valid UTF-8, no control characters */
	FT_INT,     /* JSON integer (no fraction, no exponent)         */
	FT_BOOL,
};

enum {
	FF_REQUIRED = 1 << 0, /* must be given on create (POST)         */
	FF_NULL = 1 << 1,     /* null is accepted                        */
	FF_RO = 1 << 2,       /* shown in replies, never written         */
	FF_FIXED = 1 << 3,    /* given on create only, not in PATCH      */
};

struct api_field {
	const char *name;
	enum api_ftype type;
	unsigned flags;
	size_t max; /* FT_STR: longest value in bytes, 0 = no limit */
};

/* Decode the body of a POST or PATCH into req->body: one JSON object of at
 * most API_BODY_MAX bytes, else a 413 or 400 reply and EBADMSG. */
int api_body_decode(struct api_req *req);
/*
 * Check the body of a POST (create true) or PATCH against the field table:
 * unknown, duplicate or read-only fields, types, null, length and the
 * required fields.  On a problem it replies 400 {"error":"<field>: ..."}
 * and returns EBADMSG.
 */
int api_body_check(struct api_req *req, const struct api_field *fv, size_t fc,
		   bool create);
/* The accessors below assume api_body_check() passed. */
bool api_has(const struct api_req *req, const char *key);
bool api_is_null(const struct api_req *req, const char *key);
/* The string, or NULL if absent or null. */
const char *api_str(const struct api_req *req, const char *key);
int64_t api_int(const struct api_req *req, const char *key, int64_t def);
bool api_bool(const struct api_req *req, const char *key, bool def);
/* Copy a string field into buf if given: "" for null. */
void api_str_copy(const struct api_req *req, const char *key, char *buf,
		  size_t sz);

/* ---- query string (json.c) ------------------------------------------- */

/* 400 {"error":"<name>: unknown query parameter"} unless every parameter
 * is in the NULL-terminated list names. */
int api_query_check(struct api_req *req, const char *const *names);
/* The decoded value of query parameter name into buf; false if absent. */
bool api_query_get(const struct api_req *req, const char *name, char *buf,
		   size_t sz);
/* Optional positive id (0 if absent); 400 if malformed. */
int api_query_id(struct api_req *req, const char *name, int64_t *idp);
/* Optional unsigned integer from min to max (def if absent); 400
 * "<name>: must be from <min> to <max>" if malformed or out of range. */
int api_query_uint(struct api_req *req, const char *name, uint32_t min,
		   uint32_t max, uint32_t def, uint32_t *vp);
/* Optional ISO-8601 UTC time (0 if absent); 400 if malformed. */
int api_query_time(struct api_req *req, const char *name, uint64_t *msp);

/* ---- shared validation (json.c) -------------------------------------- */

/* A positive id field (or null / absent: 0).  422 otherwise. */
int api_field_id(struct api_req *req, const char *key, int64_t *idp);
/* Normalise field key (given as in) to E.164 with ctx into out; 422
 * "<key>: <in> is not a valid E.164 phone number" otherwise. */
int api_field_phone(struct api_req *req, const char *key, const char *in,
		    const struct phone_ctx *ctx, char *out, size_t sz);
bool api_is_digits(const char *s, size_t min, size_t max);

/* ---- cross-resource look-ups (api_tenants.c, api_employees.c) ---------- */

/* The tenant named by field key; 422 "<key>: tenant <id> does not exist"
 * if it does not. */
int api_tenant_ref(struct api_req *req, const char *key, int64_t id,
		   struct store_tenant *t);
void api_tenant_ctx(const struct store_tenant *t, struct phone_ctx *ctx);
/* The employee named by field key, which must belong to tenant_id. */
int api_employee_ref(struct api_req *req, const char *key, int64_t id,
		     int64_t tenant_id, struct store_employee *e);

/* ---- route handlers (api_<resource>.c) --------------------------------- */

int api_tenant_create(struct api_req *req);
int api_tenant_list(struct api_req *req);
int api_tenant_get(struct api_req *req);
int api_tenant_update(struct api_req *req);
int api_tenant_delete(struct api_req *req);

int api_employee_create(struct api_req *req);
int api_employee_list(struct api_req *req);
int api_employee_get(struct api_req *req);
int api_employee_update(struct api_req *req);
int api_employee_delete(struct api_req *req);

int api_device_create(struct api_req *req);
int api_device_list(struct api_req *req);
int api_device_get(struct api_req *req);
int api_device_update(struct api_req *req);
int api_device_delete(struct api_req *req);

int api_block_create(struct api_req *req);
int api_block_list(struct api_req *req);
int api_block_get(struct api_req *req);
int api_block_update(struct api_req *req);
int api_block_delete(struct api_req *req);

int api_number_create(struct api_req *req);
int api_number_list(struct api_req *req);
int api_number_get(struct api_req *req);
int api_number_update(struct api_req *req);
int api_number_delete(struct api_req *req);

int api_announcement_create(struct api_req *req);
int api_announcement_list(struct api_req *req);
int api_announcement_get(struct api_req *req);
int api_announcement_update(struct api_req *req);
int api_announcement_delete(struct api_req *req);

int api_trunk_create(struct api_req *req);
int api_trunk_list(struct api_req *req);
int api_trunk_get(struct api_req *req);
int api_trunk_update(struct api_req *req);
int api_trunk_delete(struct api_req *req);

int api_call_list(struct api_req *req);
int api_call_get(struct api_req *req);

int api_registration_list(struct api_req *req);
int api_stats_get(struct api_req *req);

int api_node_list(struct api_req *req);
int api_node_get(struct api_req *req);
int api_node_close_calls(struct api_req *req);

int api_auth_block_list(struct api_req *req);
int api_auth_block_delete(struct api_req *req);

#endif
