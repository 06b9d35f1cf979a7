/*
 * http_int.h - private to src/http.  The API is a set of resources, each
 * described by one table (api_<resource>.c): its path, its fields (JSON
 * name, kind, flags, validation rule, store struct member) and its store
 * operations.  Create, read, update, delete and list are written once
 * (resource.c, field.c) and read those tables; a resource adds hooks only
 * where it really differs (a password hashed, a trunk reloaded, a
 * personal number set through its own store call).
 *
 * A request passes through server.c like this:
 *
 *   http_msg -> /health?  -> {"status":"ok"}
 *            -> not /api/? -> the web front end's files (web.c)
 *            -> /api/v1/.. -> bearer token (store_token_check)  -> 401
 *                         or the session cookie (cookie.c): a change
 *                         without its X-CSRF-Token, the event stream
 *                         from another Origin                  -> 403
 *                         -> routes of the resources: path+method -> 404/405
 *                         -> role may use the route?             -> 403
 *                         -> body: size, JSON object (body.c)    -> 413/400
 *                         -> handler(req): generic (resource.c) or a
 *                            resource's own action; validates, calls
 *                            the store, replies (reply.c)
 *
 * Handlers return 0 once they replied, or an errno.  An error return
 * without a reply becomes "500 internal error"; an error return after
 * api_error() is simply the end of the request.  A handler that needs a
 * password hashed or checked hands the request to api_defer_password()
 * (defer.c) and returns its EINPROGRESS: it is called again, on the main
 * thread, when the work is done, and replies then.
 *
 * The files: server.c (listener, routes, errno -> status), roles.c (who may use
 * which route), api_tokens.c (tokens), defer.c (answers after password work),
 * reply.c (JSON replies and errors), body.c (request bodies), query.c
 * (query strings), field.c (fields: body -> record -> JSON), resource.c
 * (create/read/update/delete/list), api_<resource>.c (the tables).
 */
#ifndef SWITCHBOARD_HTTP_INT_H
#define SWITCHBOARD_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "http/http.h"

enum {
	API_BODY_MAX = 65536,    /* [bytes] larger bodies get 413         */
	API_JSON_DEPTH = 4,      /* deepest nesting accepted in a body    */
	API_FILE_MAX = 32 << 20, /* [bytes] a file sent whole          */
};

/* ---- connections (conn.c) -------------------------------------------- */

struct api_lsnr;
struct api_conn;

/* The largest body the route of request head msg takes [bytes]; a larger
 * one is not read (the request goes to api_conn_req_h without it). */
typedef uint64_t(api_conn_head_h)(const struct http_msg *msg, void *arg);
/* A request, with its body in msg->mb (empty if it was too large); the
 * handler replies with api_conn_reply() / api_conn_send(). */
typedef void(api_conn_req_h)(struct api_conn *conn, const struct http_msg *msg,
			     void *arg);

/* Listen for HTTP/1.1 on laddr, over TLS if tls is set (HTTPS: a
 * reference is kept); *lp is mem_deref()-able. */
int api_listen(struct api_lsnr **lp, const struct sa *laddr, struct tls *tls,
	       api_conn_head_h *headh, api_conn_req_h *reqh, void *arg);
/* A reply: the status line, then fmt (headers, blank line, body). */
int api_conn_reply(struct api_conn *conn, uint16_t scode, const char *reason,
		   const char *fmt, ...);
/* Content-Length of msg (libre's msg->clen is 32 bits): 0 if absent,
 * UINT64_MAX for more than 18 digits. */
uint64_t api_content_length(const struct http_msg *msg);
/* The peer address of conn (EINVAL once it is closed). */
int api_conn_peer(const struct api_conn *conn, struct sa *peer);
/* Bytes of a reply as they are (from mb->pos); queued if need be. */
int api_conn_send(struct api_conn *conn, struct mbuf *mb);
/*
 * Take the TCP connection of conn away from HTTP (a protocol upgrade,
 * after its 101 was sent), from within the request handler: conn is
 * closed (no more requests, no timeouts) and *tcp is the connection's
 * (a reference); set its handlers at once (tcp_set_handlers).  Bytes the
 * client sent after the request head are dropped: a WebSocket client
 * sends none before it has the 101.  Over HTTPS *tls is the TLS layer
 * on it (a reference, NULL over plain HTTP): keep it as long as the
 * connection, and deref it before *tcp.  EINVAL, ENOTCONN.
 */
int api_conn_take(struct api_conn *conn, struct tcp_conn **tcp,
		  struct tls_conn **tls);
/* Did conn come over HTTPS (api_listen() with a tls)? */
bool api_conn_secure(const struct api_conn *conn);
/* The client's address of conn.  ENOTCONN once it is closed. */
int api_conn_peer(const struct api_conn *conn, struct sa *peer);
/* The reply to the request just delivered comes later (defer.c): the
 * connection's next requests wait for api_conn_resume(). */
void api_conn_hold(struct api_conn *conn);
/* That reply went out: the next request, if one came, is handled. */
void api_conn_resume(struct api_conn *conn);

/* ---- failed logins per address and unknown login (login_guard.c) ------ */

struct login_guard;

/* Count failed logins by the limits of cfg in st (both weak, outlive
 * *gp). */
int login_guard_alloc(struct login_guard **gp, const struct config *cfg,
		      struct store *st);
/* [ms] until which addr may not log in; 0 if it may. */
uint64_t login_guard_blocked(const struct login_guard *g, const struct sa *addr,
			     uint64_t now);
/* A failed login from addr at now; true if that blocked it. */
bool login_guard_fail(struct login_guard *g, const struct sa *addr,
		      uint64_t now);
/* [ms] until which the unknown login name is locked; 0 if it is not. */
uint64_t login_guard_name_locked(const struct login_guard *g, const char *name,
				 uint64_t now);
/* A wrong password for the unknown login name from peer at now, counted
 * as a user's own (--login-max-failures in a row lock it for
 * --login-lockout); true if that locked it. */
bool login_guard_name_fail(struct login_guard *g, const char *name,
			   const struct sa *peer, uint64_t now);

/* ---- WebSocket framing (ws.c) ----------------------------------------- */

enum {
	WS_ACCEPT_SZ = 29, /* a Sec-WebSocket-Accept value and its NUL */
	WS_HEAD_MAX = 10,  /* [bytes] a server frame's header at most  */
};

/* Is key a Sec-WebSocket-Key: the base64 of 16 bytes? */
bool ws_key_ok(const struct pl *key);
/* The Sec-WebSocket-Accept value of key into buf (WS_ACCEPT_SZ bytes at
 * least): base64(SHA-1(key + the GUID of RFC 6455)).  EINVAL. */
int ws_accept_key(char *buf, size_t sz, const struct pl *key);
/* The header of a server frame (FIN, unmasked) of opcode op with an n
 * byte payload into buf (WS_HEAD_MAX bytes; NULL: only its length);
 * returns its length: 2, 4 or 10. */
size_t ws_frame_head(uint8_t *buf, enum websock_opcode op, size_t n);
/* Append one server frame (FIN, unmasked) of opcode op with the n bytes
 * of p to mb.  EMSGSIZE for a control frame over 125 bytes, ENOMEM. */
int ws_frame_write(struct mbuf *mb, enum websock_opcode op, const uint8_t *p,
		   size_t n);
/* Append a close frame: status scode, then reason (cut to 123 bytes). */
int ws_close_write(struct mbuf *mb, uint16_t scode, const char *reason);
/*
 * Read one client frame at mb->pos: 0 with *hdr filled, the payload
 * unmasked in place at mb->pos (hdr->len bytes; advance past it).
 * ENODATA: not all of it is there yet; EPROTO: not masked, reserved bits,
 * an unknown opcode, a fragmented or too long control frame; EMSGSIZE:
 * a payload over max.  On an error mb->pos is where it was.
 */
int ws_frame_read(struct mbuf *mb, struct websock_hdr *hdr, size_t max);
/* A whole client frame with its unmasked payload (hdr->len bytes): true
 * to go on reading, false to stop (the connection is being closed). */
typedef bool(ws_frame_h)(const struct websock_hdr *hdr, uint8_t *payload,
			 void *arg);
/*
 * The frames of a TCP segment mb: appended to *inp (allocated here with
 * room for hint bytes, kept between segments: a frame cut off waits
 * there for the rest), each whole frame of up to max bytes handed to h.
 * 0 when all is read; ECANCELED when h said stop (*inp untouched after
 * it); ENOMEM; EMSGSIZE or EPROTO as ws_frame_read() (*inp emptied: we
 * lost our place in the stream).
 */
int ws_frames_in(struct mbuf **inp, struct mbuf *mb, size_t hint, size_t max,
		 ws_frame_h *h, void *arg);

struct api_events;

struct http_api {
	struct api_lsnr *sock;        /* listener (owned)                  */
	struct api_lsnr *ssock;       /* HTTPS listener (owned), --https   */
	struct api_lsnr *msock;       /* --metrics-listen (owned), or NULL */
	struct api_events *events;    /* the event stream (owned)         */
	const struct config *cfg;     /* (weak) outlives the API           */
	struct store *st;             /* (weak) outlives the API           */
	struct notify *notify;        /* (weak) outlives the API, or NULL  */
	struct call_ctx *calls;       /* (weak) live calls, or NULL        */
	struct acd *acd;              /* (weak) live queues, or NULL       */
	struct login_guard *logins;   /* failed logins per address (owned) */
	struct password_pool *pwpool; /* password work (owned)           */
	struct tmr purge_tmr;         /* retention purge (api_retention.c) */
	struct api_backup *backup;    /* the last backup (owned), or NULL */
	http_reload_h *reloadh;       /* POST /reload (main.c), or NULL   */
	void *reload_arg;
	uint64_t started_at;      /* [ms] UTC, when the API started    */
	uint64_t started_jiffies; /* [ms] tmr_jiffies() then (uptime)   */
};

struct api_req;
struct api_resource;

/* Handle one request; see the contract at the top of this file. */
typedef int(api_route_h)(struct api_req *req);

/* One route, as route_find() (server.c) makes it from a resource. */
struct api_route {
	const char *method;             /* "GET", "POST", "PATCH", ...  */
	char pattern[96];               /* "/api/v1/tenants/:id"; :id is
					    an int64, :key any segment   */
	const struct api_resource *res; /* its noun: "tenant 7 not found" */
	api_route_h *h;
	uint64_t raw_max; /* a raw action's body limit (0: a JSON body)  */
};

struct api_req {
	struct http_api *api;
	struct api_conn *conn;
	const struct http_msg *msg;
	const struct api_route *route;
	struct store_token token; /* the caller (role, tenant scope)     */
	int64_t id;               /* :id from the path, 0 if none        */
	struct pl key;            /* :key from the path, percent-encoded */
	struct odict *body;       /* (owned) JSON object of POST/PATCH   */
	uint64_t now;             /* [ms] when the request came          */
	bool create;              /* the body makes a new record (POST)  */
	bool replied;
	bool deferred; /* the answer waits for password work  */
	/* the finished password work of a deferred request's second pass
	 * (defer.c), NULL on its first */
	const struct password_work *pw;
	struct sa peer; /* the client's address                */
	/* the audit trail (audit.c): the client whose data this is (0: not
	 * known yet, audit.c finds it; -1: none) and the record made */
	int64_t audit_tenant;
	int64_t audit_object;
	bool audited; /* its entry is written                      */
	/* the browser's session (cookie.c): authenticated by the cookie,
	 * its CSRF token, and a Set-Cookie line every reply of req sends
	 * ("" none) */
	bool cookie;
	char csrf[65];
	char set_cookie[200];
};

/* A request of a listener begins (server.c): req zeroed, its api, conn,
 * message, time and peer set. */
void api_req_begin(struct api_req *req, struct http_api *api,
		   struct api_conn *conn, const struct http_msg *msg);
/* ... and ends: a 500 if nothing replied and nothing will, its body
 * freed. */
void api_req_end(struct api_req *req);

/* ---- password work off the main loop (defer.c) ----------------------- */

/*
 * Run the password work w on a worker thread, then req's handler again on
 * the main thread with req->pw the finished work (a copy of req, its
 * connection, message and body kept meanwhile).  EINPROGRESS with
 * req->deferred set: the handler returns it and replies nothing now.
 * When the workers are busy: a 503 with Retry-After (EBADMSG).
 */
int api_defer_password(struct api_req *req, const struct password_work *w);

/* ---- replies (reply.c) ----------------------------------------------- */

/* Reply status with the JSON object o (not consumed). */
int api_reply_object(struct api_req *req, uint16_t status,
		     const struct odict *o);
/* 201 with o and a Location header pointing at /<collection>/<id>. */
int api_reply_created(struct api_req *req, const struct odict *o, int64_t id);
/* 200 with a JSON array of the objects in arr (an ODICT_ARRAY odict). */
int api_reply_list(struct api_req *req, const struct odict *arr);
int api_reply_no_content(struct api_req *req);
/* 200 with the bytes of file path (at most API_FILE_MAX) as ctype, with
 * Content-Disposition naming it name.  An errno (ENOENT, EFBIG, ...)
 * without a reply if the file cannot be read. */
int api_reply_file(struct api_req *req, const char *path, const char *ctype,
		   const char *name);
/* 200 with the bytes of mb as a download of content type ctype: a
 * Content-Disposition attachment named by fmt (re_printf, without
 * quotes). */
int api_reply_attachment(struct api_req *req, const char *ctype,
			 const struct mbuf *mb, const char *fmt, ...);
/* api_reply_attachment() of CSV (text/csv; charset=utf-8). */
#define API_CSV "text/csv; charset=utf-8"
/* One CSV value into mb (csv_out.c): as it is, or quoted with its quotes
 * doubled when it holds ; " or a line break; a value a spreadsheet
 * would run as a formula (= + - @ tab CR first; not an E.164 number) is
 * quoted with a leading apostrophe.  NULL writes nothing. */
int api_csv_val(struct mbuf *mb, const char *s);
/* Would a spreadsheet take s as a formula? */
bool api_csv_formula(const char *s);
/* A page of ours: status with html (UTF-8) as text/html, no-store, and
 * the extra header lines hdrs ("Name: value\r\n"..., may be NULL). */
int api_reply_page(struct api_req *req, uint16_t status, const char *hdrs,
		   const char *html);
/* 200 with len bytes of buf as a body of content type ctype; extra_hdrs
 * as api_error_hdrs()'s. */
int api_reply_bytes(struct api_req *req, const char *ctype,
		    const char *extra_hdrs, const uint8_t *buf, size_t len);
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
/* 404 {"error":"<noun> <key> not found"} for the :key of the path: key
 * is the decoded key that names nothing, or NULL for a malformed one
 * (shown as sent, at most 64 characters). */
int api_key_not_found(struct api_req *req, const char *key);
uint16_t api_status_of(int err);
const char *api_reason(uint16_t status);

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
/* The outcomes of call_id's transfers with consultation as key: [{
 * "consult_id", "step", "employee_id", "outcome", "message", "at"}]
 * (api_calls.c). */
int api_add_consults(struct odict *o, const char *key, struct store *st,
		     int64_t call_id);
/* The reply of an object just built: err from building o; status (201
 * with a Location for id) with o, or none.  o is released. */
int api_reply_encoded(struct api_req *req, uint16_t status, int err,
		      struct odict *o, int64_t id);

/* ---- request bodies (body.c) ----------------------------------------- */

/* The JSON type a body value must have. */
enum api_ftype {
	FT_STR = 0, /* JSON string, valid UTF-8, no control characters */
	FT_INT,     /* JSON integer (no fraction, no exponent)         */
	FT_BOOL,
	FT_ARRAY, /* JSON array; its items are the field's apply hook's */
};

/* Decode the body of a POST or PATCH into req->body: one JSON object of at
 * most API_BODY_MAX bytes, else a 413 or 400 reply and EBADMSG. */
int api_body_decode(struct api_req *req);
/*
 * Check the body of a POST (req->create) or PATCH against the field table
 * of a resource: unknown, duplicate or read-only fields, types, null,
 * length and the required fields.  On a problem it replies 400
 * {"error":"<field>: ..."} and returns EBADMSG.
 */
struct api_field;
int api_body_check(struct api_req *req, const struct api_field *fv, size_t fc);
/* The accessors below assume api_body_check() passed. */
bool api_has(const struct api_req *req, const char *key);
bool api_is_null(const struct api_req *req, const char *key);
/* The string, or NULL if absent or null. */
const char *api_str(const struct api_req *req, const char *key);
int64_t api_int(const struct api_req *req, const char *key, int64_t def);
bool api_bool(const struct api_req *req, const char *key, bool def);

/* ---- query strings (query.c) ----------------------------------------- */

/* The filters a list may take; 0 = not given. */
struct api_query {
	int64_t tenant_id;
	int64_t employee_id;
	int64_t device_id;
	uint64_t since;  /* [ms] started at or after          */
	uint64_t until;  /* [ms] started before               */
	uint32_t limit;  /* page size (its default if absent) */
	uint32_t offset; /* records skipped                   */
	int state;       /* AP_STATE: its value + 1, 0 = not given */
};

enum api_pkind {
	AP_ID = 0, /* positive int64 id            */
	AP_TIME,   /* ISO-8601 UTC time, [ms]      */
	AP_UINT,   /* uint32 from min to max       */
	AP_STATE,  /* an outbox state (store.h), its value + 1; a kind
		      per enum, as struct api_param has no room for a
		      table without touching every list's rows */
	AP_STR,    /* a string the handler reads (api_query_str)       */
};

/* One query parameter of a list, read into struct api_query. */
struct api_param {
	const char *name;
	enum api_pkind kind;
	size_t off;             /* offsetof its member of api_query   */
	uint32_t min, max, def; /* AP_UINT: range and default          */
};

/*
 * Read the query string into q by the table pv: 400 "<name>: unknown
 * query parameter" for a name not in it, else the first malformed value
 * in table order ("<name>: must be ..."), and "until: must be after
 * since" when both are given the wrong way round.
 */
int api_query_read(struct api_req *req, const struct api_param *pv, size_t pc,
		   struct api_query *q);
/* Query parameter name percent-decoded into buf: 1 if given, 0 if not,
 * -1 if it is malformed or does not fit. */
int api_query_str(const struct api_req *req, const char *name, char *buf,
		  size_t sz);
/* Percent-decode v into buf (query values, path keys); false if it is
 * malformed, holds a NUL or does not fit. */
bool api_pct_decode(char *buf, size_t sz, const struct pl *v);

/* ---- fields (field.c) ------------------------------------------------ */

/* How a field is kept in the store record and shown in JSON. */
enum api_kind {
	AK_STR = 0, /* char[] member; a JSON string                        */
	AK_CSTR,    /* const char * member (read-only records of SIP)      */
	AK_PHONE,   /* char[] member; a JSON string normalised to E.164 in
		       the record's dialling context (the ctx hook)        */
	AK_INT,     /* integer member of 2, 4 (unsigned) or 8 bytes          */
	AK_ID,      /* int64 id of another record: positive, checked by ref;
		       0 = none                                            */
	AK_BOOL,    /* bool member                                          */
	AK_TIME,    /* uint64 [ms] member; ISO-8601 UTC, 0 is null          */
	AK_ENUM,    /* int-sized enum member; a JSON string, its name in
		       f->en (a table of store.h)                           */
	AK_LIST,    /* a JSON array, read and shown by the field's apply
		       and encode hooks only                                */
};

enum {
	FF_REQUIRED = 1 << 0, /* must be given on create (POST)              */
	FF_NULL = 1 << 1,     /* null accepted (as "" or 0); "" and 0 are
				 shown as null                               */
	FF_RO = 1 << 2,       /* shown in replies, never written             */
	FF_FIXED = 1 << 3,    /* given on create only, not in PATCH          */
	FF_WO = 1 << 4,       /* written, never shown (passwords)           */
	FF_EARLY = 1 << 5,    /* validated before the other fields: the
				 order of the errors of a body with several
				 bad fields                                 */
	FF_HOOK = 1 << 6,     /* validated and applied by the resource's
				 check hook (it depends on other fields)     */
	FF_OPERATOR = 1 << 7, /* the service's, not the client's: in a body
				 of another role 403 "field 'x' may only be
				 changed by the operator"                    */
};

/* A rule for the string values of a field; "" of a FF_NULL field means
 * "none" and is not checked. */
struct api_rule {
	bool (*ok)(const char *s);
	const char *why; /* the 422 text after "<field>: "; a %s in it
			    is the value                              */
};

/* Validate field f of the body and write it into rec, instead of what its
 * kind does; 0, or an errno after a reply. */
typedef int(api_apply_h)(struct api_req *req, const struct api_field *f,
			 void *rec);
/* Add field f of rec to the reply object o, instead of what its kind
 * does; 0 or ENOMEM. */
typedef int(api_encode_h)(struct odict *o, const struct api_field *f,
			  const void *rec, const struct api_req *req);
/* AK_ID: the record id that field f names must exist (and, where it
 * matters, belong to tenant_id); 0, or an errno after a 422 reply. */
typedef int(api_ref_h)(struct api_req *req, const struct api_field *f,
		       int64_t id, int64_t tenant_id);

struct api_field {
	const char *name; /* JSON key                                   */
	enum api_kind kind;
	unsigned flags;   /* FF_*                                       */
	size_t off;       /* offsetof the store record's member         */
	size_t size;      /* sizeof it; 0 = none (computed, or checked
			      and used by a hook only)                   */
	int64_t min, max; /* AK_INT: range of a body value (0, 0: any);
			      strings: max is the longest [bytes]        */
	const char *unit; /* AK_INT: after the range ("seconds")        */
	const struct api_rule *rule;  /* AK_STR, AK_PHONE              */
	const struct store_names *en; /* AK_ENUM: its names (store.h)  */
	api_ref_h *ref;               /* AK_ID                          */
	api_apply_h *apply;           /* instead of the kind's apply    */
	api_encode_h *encode;         /* instead of the kind's encoding */
};

/* A row of a field table: {API_F("name", AK_STR, FF_REQUIRED),
 * API_M(struct store_tenant, name), .max = 127, .rule = &...}. */
#define API_F(n, k, fl) .name = (n), .kind = (k), .flags = (fl)
/* The member of a store record a field is kept in. */
#define API_M(type, member)                                                    \
	.off = offsetof(type, member), .size = sizeof(((type *)0)->member)

/* The JSON type of field f in a body. */
enum api_ftype api_field_ftype(const struct api_field *f);
/* Apply the fields of the body to rec by the table of req's resource:
 * FF_EARLY fields first, then the others, each in table order. */
int api_fields_apply(struct api_req *req, void *rec);
/* What kind f does with its body value (for apply hooks that add to it). */
int api_field_apply(struct api_req *req, const struct api_field *f, void *rec);
/* The JSON object of record rec of resource res. */
int api_encode(struct odict **op, const struct api_resource *res,
	       const void *rec, const struct api_req *req);
/* The 422 of an enum field: "<field>: must be a, b or c". */
int api_enum_error(struct api_req *req, const struct api_field *f);
/* Name of value v of f's enum ("" past the end). */
const char *api_enum_name(const struct api_field *f, int v);
/* The record's int64 at offset off. */
int64_t api_rec_i64(const void *rec, size_t off);

/* Rules and references more than one resource uses. */
extern const struct api_rule api_rule_nonempty;
bool api_is_digits(const char *s, size_t min, size_t max);
/* A positive id field (or null / absent: 0).  422 otherwise. */
int api_field_id(struct api_req *req, const char *key, int64_t *idp);
/* ref: tenant id exists. */
int api_ref_tenant(struct api_req *req, const struct api_field *f, int64_t id,
		   int64_t tenant_id);
/* ref: employee id exists and belongs to tenant_id. */
int api_ref_employee(struct api_req *req, const struct api_field *f, int64_t id,
		     int64_t tenant_id);
void api_tenant_ctx(const struct store_tenant *t, struct phone_ctx *ctx);
/* The target type/id of a number or schedule, checked against tenant_id:
 * 422 "<field>: <type> <id> does not exist" or "... belongs to another
 * tenant" (field names the id).  TARGET_NONE passes.  0, or an errno
 * after the reply. */
int api_target_ref(struct api_req *req, const char *field,
		   enum store_target type, int64_t id, int64_t tenant_id);
/* %H printer: the target types but none, "employee, ... or external". */
int api_target_types(struct re_printf *pf, void *arg);
/* A target given as the pair of fields tf ("<x>_type", an AK_ENUM of
 * store_names_target kept in t->type of rec) and tf + 1 ("<x>_id") into
 * *t: what the body has of them (null type: none), then checked: none
 * has no id, another type needs one that api_target_ref() accepts.  0,
 * or an errno after a 422. */
int api_target_pair(struct api_req *req, const struct api_field *tf, void *rec,
		    struct store_target_ref *t, int64_t tenant_id);
/* The 409 (err EBUSY) of target (type, id), called noun ("ring group"),
 * that cannot be deleted: "<noun> <id> is in use by number 7" (or
 * schedule, ivr menu, ring group), "<noun> <id> is a member of ring
 * group 2; ..." for an employee, as store_target_used_by() finds the
 * first.  Returns the errno of the reply. */
int api_target_in_use(struct api_req *req, int err, enum store_target type,
		      int64_t id, const char *noun);

/* A WAV file of another resource (a menu's prompt, an announcement's
 * file, a tenant's music on hold) of tenant_id: an uploaded one
 * ("uploads/...") must be a prompt of that tenant (api_prompts.c); 422
 * "<field>: ..." otherwise.  Other files pass. */
int api_prompt_file(struct api_req *req, const char *field, const char *file,
		    int64_t tenant_id);
/* api_prompt_file(), and a set file must be in the prompts directory and
 * play (media_prompt_check: the player's own reader): 422 "<field>: x
 * does not exist in the prompts directory" or "<field>: x cannot be
 * played: ..." otherwise.  NULL or "" passes (the default prompt). */
int api_prompt_playable(struct api_req *req, const char *field,
			const char *file, int64_t tenant_id);

/* ---- arrays of objects in a body (item.c) ----------------------------- */

/* The items of AK_LIST field f as the array *arrp (NULL if absent or
 * null): each an object, at most max of them; else a 422 and an errno. */
int api_items(struct api_req *req, const struct api_field *f, size_t max,
	      const struct odict **arrp);
/* Item i of an AK_LIST field, named path ("ranges[2]"), an object. */
typedef int(api_item_h)(struct api_req *req, const char *path,
			const struct odict *o, size_t i, void *arg);
/* h for each item of field f (as api_items() checks them), in order;
 * stops at h's first error and returns it. */
int api_items_each(struct api_req *req, const struct api_field *f, size_t max,
		   api_item_h *h, void *arg);
/* A key of item o not in keys[0..n) is a 422 "<path>.<key>: unknown
 * field". */
int api_item_keys(struct api_req *req, const struct odict *o, const char *path,
		  const char *const *keys, size_t n);
/* The string key of item o, or NULL: absent and not required, or a 422
 * "<path>.<key>: is required / must be a string" with *errp set. */
const char *api_item_str(struct api_req *req, const struct odict *o,
			 const char *path, const char *key, bool required,
			 int *errp);

/* ---- resources (resource.c) ------------------------------------------ */

enum api_op {
	API_CREATE = 0,
	API_UPDATE,
	API_DELETE,
};

/* A route of a resource's own (an action, or a read by :key). */
struct api_action {
	const char *method;
	const char *suffix; /* after the resource's path: "/:key"         */
	api_route_h *h;
};

/*
 * A resource: one table that the generic handlers read.  Store
 * operations that are NULL are routes the resource does not have; hooks
 * that are NULL do nothing special.  The list op calls api_list_rec() for
 * each record it walks (with the arg it is given).
 */
struct api_resource {
	const char *path;  /* "/api/v1/tenants": the collection       */
	const char *noun;  /* "tenant": "tenant 7 not found", errors  */
	const char *label; /* "tenant": log lines                     */
	const struct api_field *fieldv;
	size_t fieldc;
	const struct api_param *paramv; /* query parameters of the list */
	size_t paramc;
	size_t size;         /* sizeof the store record                  */
	size_t id_off;       /* offsetof its int64 id                    */
	size_t tenant_off;   /* offsetof its int64 tenant_id (the dialling
			      context of AK_PHONE fields and of refs)  */
	size_t employee_off; /* offsetof its int64 employee_id: a
				subaccount's own records (roles.c), 0 if
				none                                   */

	/* store operations; an op that replied itself returns its error
	 * with req->replied set */
	int (*get)(struct store *st, int64_t id, void *rec);
	int (*add)(struct api_req *req, void *rec);
	int (*update)(struct api_req *req, void *rec, const void *old);
	int (*del)(struct store *st, int64_t id);
	int (*list)(struct api_req *req, const struct api_query *q, void *arg);

	/* hooks */
	void (*init)(void *rec); /* defaults of a new record            */
	int (*ctx)(struct api_req *req, const void *rec,
		   struct phone_ctx *ctx); /* default: rec's tenant's  */
	/* after the fields, before the store (old NULL on create) */
	int (*check)(struct api_req *req, void *rec, const void *old);
	/* explain a store error (default "<noun>: <errno text>") */
	int (*fail)(struct api_req *req, int err, const void *rec);
	/* after a successful write (rec of a delete: as it was) */
	void (*after)(struct api_req *req, enum api_op op, const void *rec,
		      const void *old);
	/* the "(...)" of the log lines of create and delete: print(pf, rec) */
	re_printf_h *print;
	/* an update's ENOENT means the record is gone, unless the body
	 * has this field: then a reference is missing (fail explains) */
	const char *enoent_unless;

	const struct api_action *actionv;
	size_t actionc;
	/* actions whose body is not JSON but up to raw_max bytes of
	 * anything, the handler's to read and check (req->msg->mb; a body
	 * over raw_max is not read: req->msg->clen says its size) */
	const struct api_action *raw_actionv;
	size_t raw_actionc;
	uint64_t raw_max; /* [bytes] */
};

/* The generic handlers of a resource's routes (see server.c). */
int api_res_create(struct api_req *req);
int api_res_list(struct api_req *req);
int api_res_get(struct api_req *req);
int api_res_update(struct api_req *req);
int api_res_delete(struct api_req *req);
/* For the list op of a resource: encode rec into the list arg. */
int api_list_rec(const void *rec, void *arg);
/* The dialling context of rec's tenant (the default ctx hook); 422
 * "tenant_id: tenant <id>: ..." if it cannot be read. */
int api_res_tenant_ctx(struct api_req *req, const void *rec,
		       struct phone_ctx *ctx);
/* The resource of the request's route. */
const struct api_resource *api_res(const struct api_req *req);
/* A record written by req stays visible to its token (its tenant's, a
 * subaccount's its employee's): 0, or EPERM after a 422 that reads as if
 * the reference did not exist.  The generic handlers run it after the
 * check hook; a hook with costly work (a password's hash) runs it
 * before that work. */
int api_res_scope_check(struct api_req *req, const void *rec);

/*
 * The typed edge of a resource's table.  The store's calls take the
 * record's own type, the table's operations take void *; each macro
 * defines one static adapter from a store call to a table operation.
 */
#define API_STORE_GET(fn, call)                                                \
	static int fn(struct store *st, int64_t id, void *rec)                 \
	{                                                                      \
		return call(st, id, rec);                                      \
	}
#define API_STORE_ADD(fn, call)                                                \
	static int fn(struct api_req *req, void *rec)                          \
	{                                                                      \
		return call(req->api->st, rec);                                \
	}
#define API_STORE_UPDATE(fn, call)                                             \
	static int fn(struct api_req *req, void *rec, const void *old)         \
	{                                                                      \
		(void)old;                                                     \
		return call(req->api->st, rec);                                \
	}
/* A store list handler for records of type that feeds api_list_rec(). */
#define API_LIST_H(fn, type)                                                   \
	static int fn(const type *r, void *arg)                                \
	{                                                                      \
		return api_list_rec(r, arg);                                   \
	}

/* Members of struct api_resource: its field and parameter tables, and the
 * store record (size and the offset of its int64 id). */
#define API_FIELDS(v)    .fieldv = (v), .fieldc = ARRAY_SIZE(v)
#define API_PARAMS(v)    .paramv = (v), .paramc = ARRAY_SIZE(v)
#define API_RECORD(type) .size = sizeof(type), .id_off = offsetof(type, id)

/* ---- the resources (api_<resource>.c) -------------------------------- */

extern const struct api_resource api_tenants;
extern const struct api_resource api_employees;
/* GET, POST /api/v1/tenants/:id/employees.csv (api_employees.c) */
extern const struct api_resource api_employees_csv;
extern const struct api_resource api_devices;
extern const struct api_resource api_number_blocks;
extern const struct api_resource api_numbers;
extern const struct api_resource api_announcements;
extern const struct api_resource api_schedules;
extern const struct api_resource api_ivr_menus;
extern const struct api_resource api_digit_inputs;
extern const struct api_resource api_ring_groups;
extern const struct api_resource api_queues;
/* api_queue_stats.c: GET /api/v1/queues/:id/stats */
int api_queue_stats(struct api_req *req);
extern const struct api_resource api_agents;

extern const struct api_resource api_trunks;
extern const struct api_resource api_calls;
extern const struct api_resource api_callbacks;
/* api_transfer.c: POST /api/v1/calls/:id/transfer[/complete|/cancel] */
/* POST /api/v1/calls: click to call (api_click.c) */
int api_call_originate(struct api_req *req);
int api_call_transfer(struct api_req *req);
int api_call_transfer_complete(struct api_req *req);
int api_call_transfer_cancel(struct api_req *req);
/* The live call of the path's :id on this node into *callp, its tenant
 * into *tenantp: 0, or an errno after the reply (404 unknown or another
 * tenant's, 409 ended or on another node); api_transfer.c. */
struct call;
int api_live_call(struct api_req *req, struct call **callp, int64_t *tenantp);
/* api_call_hold.c: POST /api/v1/calls/:id/hold, /resume, /hangup (an
 * agent's console) */
int api_call_hold(struct api_req *req);
int api_call_resume(struct api_req *req);
int api_call_hangup(struct api_req *req);
/* api_queue_waiting.c: GET /api/v1/queues/:id/waiting */
int api_queue_waiting(struct api_req *req);
/* api_pop.c: GET /api/v1/calls/:id/pop, the screen pop of a queue call */
int api_call_pop(struct api_req *req);
extern const struct api_resource api_registrations;
extern const struct api_resource api_auth_blocks;
extern const struct api_resource api_stats;
extern const struct api_resource api_nodes;
extern const struct api_resource api_outbox;
/* issue 16: password logins (api_users.c) and their sessions
 * (api_sessions.c) */
extern const struct api_resource api_users;
extern const struct api_resource api_sessions;
/* Make the dummy hash of unknown logins now, at start-up, so that the
 * first unknown login takes no longer than a wrong password. */
void api_sessions_init(const struct config *cfg);
/* Is r open without a token (POST /api/v1/sessions, the login)? */
bool api_sessions_public(const struct api_route *r);
/* The checks of a session token of req->token (its user_id set) after
 * the lookup: 401 once it expired or sat idle too long (the row is
 * deleted), else its idle time starts again.  0, or an errno after the
 * reply. */
int api_session_check(struct api_req *req);
/* Are a and b the same token: the same row made at the same moment for
 * the same user, role, tenant and employee?  (The ids of ended sessions
 * are used again: an id alone may be another session by now.) */
bool api_token_same(const struct store_token *a, const struct store_token *b);
/* A wrong password for user u from req->peer: counted in u's row; the
 * --login-max-failures th in a row locks u for --login-lockout. */
void api_login_failed(struct api_req *req, struct store_user *u);
/* POST /api/v1/users/me/password: a session's own new password
 * (api_password.c) */
extern const struct api_resource api_user_password;
extern const struct api_resource api_mailboxes;
extern const struct api_resource api_messages;
extern const struct api_resource api_prompts;
extern const struct api_resource api_external_targets;
extern const struct api_resource api_vips;
extern const struct api_resource api_forwardings;
extern const struct api_resource api_events;
/* api_phone.c: GET /api/v1/phone, the browser phone (WebSocket) */
extern const struct api_resource api_phone;
/* Disconnect every browser phone (their calls end); at shutdown. */
void api_phone_close_all(void);
/* Close (1008 "token revoked") the phones whose token or session is gone
 * (logged out; its user, employee or tenant deleted) at once, not at
 * their next ping; how many. */
unsigned api_phone_revoke_gone(void);
/* issue 16, answering service: absence info, appointments, availability
 * (api_availability.c); on-call schedules and overrides (api_oncall.c) */
extern const struct api_resource api_employee_availability;
extern const struct api_resource api_appointments;
extern const struct api_resource api_oncall_schedules;
extern const struct api_resource api_oncall_overrides;
/* apply hook of an AK_TIME field: an ISO-8601 time into its uint64 [ms]
 * member; 422 "<field>: must be an ISO-8601 time ..." */
int api_time_apply(struct api_req *req, const struct api_field *f, void *rec);
/* The query's at= (the only parameter taken): *atp, req->now if absent;
 * 400 for another parameter or a bad time. */
int api_at_param(struct api_req *req, uint64_t *atp);
/* "First Last" of e under key (never its e-mail). */
int api_add_employee_name(struct odict *o, const char *key,
			  const struct store_employee *e);
/* api_callers.c (issue 16): allow and block lists, the advertising
 * list, a tenant's caller settings and classify */
extern const struct api_resource api_caller_lists;
extern const struct api_resource api_ad_callers;
extern const struct api_resource api_callers;
/* api_dashboard.c: a client's dashboard and call statistics (issue 17) */
extern const struct api_resource api_dashboard;
/* api_billing.c: tariffs and the itemised bill (issue 18) */
extern const struct api_resource api_billing;
/* The path's tenant as the token may see it: 0, or an errno after the
 * reply (404). */
int api_billing_tenant_check(struct api_req *req);
/* The query's month ("YYYY-MM", default: this Berlin month) into month
 * and format (json, csv) into *csvp: 0, or an errno after a 422 naming
 * month or format. */
int api_billing_month_query(struct api_req *req, char *month, size_t sz,
			    bool *csvp);
/* api_invoices.c: invoices, credit notes, invoice addresses (issue 18) */
extern const struct api_resource api_invoices_tenant, api_invoices;
/* api_revenue.c: the operator's revenue report (issue 18) */
extern const struct api_resource api_revenue;
/* api_tasks.c, api_task_report.c: the assistants' tasks, their report
 * (issue 18) */
extern const struct api_resource api_tasks, api_task_report;
/* api_profile.c: a client's profile with dated changes (issue 16) */
extern const struct api_resource api_profiles;
/* api_notes.c, api_note_links.c: call notes (issue 17) */
extern const struct api_resource api_notes;
extern const struct api_resource api_note_settings;
/* api_note_view.c: the read routes of notes, and who sees a note */
int api_note_get(struct api_req *req);
int api_note_list(struct api_req *req);
int api_note_history(struct api_req *req);
int api_note_deliveries(struct api_req *req);
/* The note of the path's :id into n: 0, or an errno after a 404 (none,
 * or not visible to req's token) or another error reply. */
int api_note_load(struct api_req *req, struct store_note *n);
/* Is note n for employee_id? */
bool api_note_for(const struct store_note *n, int64_t employee_id);
/* A note as the API shows it (with who opened and acknowledged it). */
int api_note_encode(struct odict **op, const struct api_req *req,
		    const struct store_note *n);
/* The server's key of note links into buf (made at the first use). */
int api_note_link_key(struct http_api *api, char *buf, size_t sz);
/* The signed link of a note: open it, acknowledge it (no token). */
int api_note_open(struct api_req *req);
int api_note_ack(struct api_req *req);
/* Is r open without a token (a note's signed link)? */
bool api_notes_public(const struct api_route *r);
/* api_note_page.c: the note link as a page for a browser.  Does the
 * request's Accept name text/html and not application/json? */
bool api_note_wants_page(const struct api_req *req);
/* The page of note n for employee (its read r: acknowledged or not,
 * then the button), the link's query from req; 200. */
int api_note_page(struct api_req *req, const struct store_note *n,
		  int64_t employee, const struct store_note_read *r);
/* The page of a link not found or expired: 404. */
int api_note_page_gone(struct api_req *req);
/* api_sms_status.c: the SMS gateway's delivery reports (its own secret,
 * no API token) */
extern const struct api_resource api_sms;
bool api_sms_public(const struct api_route *r);
/* api_push.c (issue 17): the VAPID key, employees' Web Push
 * subscriptions and their test notification */
extern const struct api_resource api_push;
extern const struct api_resource api_push_subscriptions;

/* ---- roles (roles.c) and tokens (api_tokens.c) ------------------------ */

/* The roles of issue 16, as bits of a route's rule. */
enum api_role {
	API_ROLE_OPERATOR = 1 << 0,     /* runs the service: everything   */
	API_ROLE_CLIENT_ADMIN = 1 << 1, /* a client's own administrator  */
	API_ROLE_AGENT = 1 << 2,        /* a client's employee on calls  */
	API_ROLE_SUBACCOUNT = 1 << 3,   /* an employee's own login       */
};

/* The bit of role name ("operator", ...); 0 for an unknown name. */
unsigned api_role_of(const char *name);

/* GET /metrics (metrics.c): the Prometheus text, after server.c checked
 * the operator's token */
int api_metrics(struct api_req *req);
/* --metrics-listen (metrics_listen.c): its listener into api->msock;
 * 0 and none when the option is unset. */
int api_metrics_listen(struct http_api *api);
/* The name of role bit ("" if it is none). */
const char *api_role_name(unsigned bit);
/* The roles that may use route r (a route without a rule: the
 * operator's only, *ruledp false; ruledp may be NULL). */
unsigned api_route_roles(const struct api_route *r, bool *ruledp);
/* May req's token use req->route?  0, or an errno after the reply: 403
 * "role <r> may not <METHOD> <path>", or 404 for a subaccount's request
 * about another employee. */
int api_role_check(struct api_req *req);
/* scope.c (issue 20): the scopes of API tokens, which narrow what the
 * token's role may do.  Is scope one of "full", "read-only",
 * "provisioning", "metrics"? */
bool api_scope_known(const char *scope);
/* May a token of scope use method on the route pattern (as in roles.c;
 * "/metrics" for the metrics page)?  False for an unknown scope. */
bool api_scope_allows(const char *scope, const char *method,
		      const char *pattern);
/* How long an expired API token stays (listed as expired, its 401
 * "token: expired") before the hourly sweep deletes it: 30 days. */
#define API_TOKEN_GRACE_MS ((uint64_t)30 * 86400 * 1000)
/* An API token's last_used_at is stored at most this often [ms]. */
#define API_TOKEN_USED_MS 60000
/* Has t ended at now [ms] (its expires_at, 0 = never)? */
bool api_token_expired(const struct store_token *t, uint64_t now);
/* 0 if req's token's scope allows method on pattern, else EBADMSG after
 * 403 "scope <s> may not <METHOD> <path>". */
int api_scope_check(struct api_req *req, const char *method,
		    const char *pattern);
/* Is req's token narrowed to its own employee (a subaccount's)? */
bool api_role_own(const struct api_req *req);
/* Is a record of tenant_id visible to req's token (any for a token
 * without a tenant)? */
bool api_tenant_visible(const struct api_req *req, int64_t tenant_id);

/* Call h for every route of the API (server.c), in the order route
 * lookup tries them; stops at the first h that returns non-zero and
 * returns that. */
typedef int(api_route_walk_h)(const struct api_route *r, void *arg);
int api_routes_walk(api_route_walk_h *h, void *arg);
/* GET /api/v1/routes: every route with the roles that may use it */
extern const struct api_resource api_routes;
/* /api/v1/tokens: make, list and revoke API tokens (api_tokens.c) */
extern const struct api_resource api_tokens;

/* ---- access and confidentiality (issue 16) ----------------------------- */

/*
 * The audit trail (audit.c): write the entry of req, answered with
 * status, before the answer goes out (reply.c calls it for every reply
 * of a request with a token and a route; once).  0, or the store's
 * error: then a read must not be answered (reply.c answers 503).
 */
int api_audit_write(struct api_req *req, uint16_t status);
/* The resource that reads single records under path ("/api/v1/x"), or
 * NULL (server.c). */
const struct api_resource *api_res_by_path(const char *path, size_t n);
/* GET /api/v1/tenants/:id/audit (audit.c) */
extern const struct api_resource api_audit;
/* /api/v1/tenants/:id/retention, POST /api/v1/retention/purge
 * (api_retention.c) */
extern const struct api_resource api_retention;
extern const struct api_resource api_retention_purge;
/* Start the periodic purge (and due deletions) of api; stopped by
 * api_retention_stop() (http_api's destructor). */
void api_retention_start(struct http_api *api);
void api_retention_stop(struct http_api *api);
/* A store_file_h: path appended to the struct list arg (api_files_remove
 * takes it from there). */
int api_file_collect(const char *path, void *arg);
/* Remove the files of list (a relative path is under the prompts
 * directory) once the rows that named them are gone, and empty it; a
 * file already missing is not an error. */
void api_files_remove(struct http_api *api, struct list *files);
/* /api/v1/tenants/:id/export and .../deletion (api_export.c,
 * api_deletion.c) */
extern const struct api_resource api_export;
extern const struct api_resource api_deletion;
/* /api/v1/backup: an online backup (api_backup.c, issue 20) */
extern const struct api_resource api_backup;
/* the operator's command line (issue 20): /api/v1/status, /api/v1/reload
 * (api_status.c), /api/v1/calls/live (api_calls_live.c) */
extern const struct api_resource api_status;
extern const struct api_resource api_reload;
extern const struct api_resource api_calls_live;
/* /api/v1/calls/export: call records as CSV or JSON (api_call_export.c,
 * issue 20); before api_calls, whose /:id would take "export" */
extern const struct api_resource api_call_export;
/* A client is being deleted: its live calls end now (before its rows
 * go, so that their records go with them; tenant_gone.c). */
void api_tenant_calls_end(struct http_api *api, int64_t tenant_id);
/* A client was deleted from the store at now [ms]: what other modules
 * hold of it in memory goes (its calls, queues, agents, callback
 * requests, trunk registrations, event streams; tenant_gone.c). */
void api_tenant_gone(struct http_api *api, int64_t tenant_id, uint64_t now);
/* When a request made at requested_at [ms] is carried out: after the
 * grace period of 30 days, by the purge timer (api_retention.c). */
uint64_t api_deletion_due_at(uint64_t requested_at);
/* Carry out the open deletion request of tenant_id now (the purge timer
 * and the operator's route): rows, then files.  ENOENT: none open. */
int api_deletion_run(struct http_api *api, int64_t tenant_id, uint64_t now,
		     struct store_purge *p);

/* ---- lists in header values (hdr.c) ---------------------------------- */

/* The next item of the list v separated by sep into *item, blanks and
 * tabs around it trimmed (it may be empty: "a,,b"); v advances past it.
 * false once v is empty. */
bool api_hdr_item_next(struct pl *v, char sep, struct pl *item);

/* ---- the browser's session cookie and CSRF token (cookie.c) ----------- */

enum {
	API_CSRF_SZ = 65,    /* a CSRF token (64 hex) and its NUL       */
	API_TOKEN_MAX = 128, /* characters of a token at most           */
};
#define API_COOKIE "sb_session" /* the session cookie's name */

/* The CSRF token of session token into buf (API_CSRF_SZ bytes at
 * least): hex(SHA-256(salt || token)).  EINVAL. */
int api_csrf_of(char *buf, size_t sz, const char *token);
/* Is given the CSRF token of session token (compared in constant
 * time)? */
bool api_csrf_ok(const char *token, const struct pl *given);
/* The session cookie's name: "__Host-sb_session" when it is Secure,
 * else "sb_session". */
const char *api_cookie_name(bool secure);
/* The value of cookie name in msg's Cookie headers into buf: 0, ENOENT if
 * there is none, EEXIST if there are two or more (which one the browser
 * got from us is unknown), EINVAL if it is empty or does not fit. */
int api_cookie_find(const struct http_msg *msg, const char *name, char *buf,
		    size_t sz);
/* The Set-Cookie line (with CRLF) of the session cookie holding token
 * for max_age seconds (HttpOnly, SameSite=Strict, Path=/, and Secure with
 * the __Host- name if secure); token NULL: the line that clears it.
 * ENOMEM if buf is too small. */
int api_cookie_set_hdr(char *buf, size_t sz, const char *token, bool secure,
		       uint32_t max_age);
/* Is origin (an Origin header) http:// or https:// with exactly host (a
 * Host header, the port included)? */
bool api_origin_ok(const struct pl *origin, const struct pl *host);
/* Does msg come from our own page?  Its Origin is --public-url's scheme,
 * host and port (without --public-url: the Host header's), and a
 * Sec-Fetch-Site, if sent, is "same-origin" or "none".  Without an
 * Origin: !required (a client that is not a browser). */
bool api_origin_ours(const struct http_msg *msg, const struct config *cfg,
		     bool required);
/* Does msg's method change something (not GET, HEAD or OPTIONS)? */
bool api_request_changes(const struct http_msg *msg);
/* Is the session cookie of req Secure (and __Host-): it came over our
 * HTTPS listener (--https), or --public-url is https://? */
bool api_cookie_secure(const struct api_req *req);

/* ---- the built web front end (web.c) ---------------------------------- */

/*
 * The file of URL path (percent-encoded, from '/') relative to the web
 * directory into rel: segments decoded, "" for "/".  EBADMSG for a path
 * that could leave the directory or is malformed: not starting with '/',
 * an empty, "." or ".." segment, a '\\', a NUL or an encoded '/', a bad
 * %-escape; ENAMETOOLONG if it does not fit.
 */
int web_path_resolve(const struct pl *path, char *rel, size_t sz);
/* The Content-Type of file name (by its extension). */
const char *web_ctype(const char *name);
/* Answer a request for a path outside /api/ from cfg->web_dir. */
void web_serve(struct api_req *req);

/* ---- the event stream (events.c) -------------------------------------- */

struct api_events_stats {
	unsigned clients;   /* connected now                          */
	uint64_t published; /* events on the bus while clients were
			       connected, since start                */
	uint64_t sent;      /* messages sent, all clients             */
	uint64_t slow;      /* clients disconnected as too slow       */
};

/* The stream of api's events (subscribed to the bus while it has
 * clients); freeing it sends its clients close 1001. */
int api_events_alloc(struct api_events **evsp, struct http_api *api);
void api_events_stats(const struct http_api *api, struct api_events_stats *st);
/* Close (1008 "token revoked") at once every stream whose token is gone
 * from the store (a deleted tenant's); the number closed. */
unsigned api_events_revoke_gone(struct http_api *api);
/* The token of a request to the stream given without an Authorization
 * header: ?access_token=, else a subprotocol "bearer.<token>" of
 * Sec-WebSocket-Protocol; false if neither is there (or does not fit). */
bool api_events_token(const struct api_req *req, char *buf, size_t sz);

#endif
