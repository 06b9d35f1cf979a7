/*
 * reply.c - the answers of the API: JSON objects and lists with their
 * status line and headers, the {"error":"..."} replies, and the adders
 * that build the objects.  Every reply goes out through reply() here, so
 * the headers (Content-Type, Content-Length, Cache-Control) are the same
 * for all of them; a file (a voicemail's WAV) goes out whole by
 * api_reply_file().  Printing JSON is libre's (json_encode_odict).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http/http_int.h"

/* ---- replies ---------------------------------------------------------- */

/* %H printers: one JSON object, or the objects of an array odict. */
static int print_object(struct re_printf *pf, void *arg)
{
	return json_encode_odict(pf, arg);
}

static int print_array(struct re_printf *pf, void *arg)
{
	const struct odict *arr = arg;
	struct le *le;
	int err;

	err = re_hprintf(pf, "[");
	for (le = arr ? arr->lst.head : NULL; le; le = le->next) {
		const struct odict_entry *e = le->data;

		if (e->type != ODICT_OBJECT)
			continue;
		err |= re_hprintf(pf, "%H%s", json_encode_odict, e->u.odict,
				  le->next ? "," : "");
	}
	err |= re_hprintf(pf, "]");
	return err;
}

/* The audit entry of req is written before its answer goes out
 * (audit.c); a read whose entry cannot be written is not answered. */
static bool audit_refuses(struct api_req *req, uint16_t status)
{
	return api_audit_write(req, status) && status < 400 &&
	       !strcmp(req->route->method, "GET");
}

/* A HEAD request gets the headers of its answer, never a body (RFC 9110
 * 9.3.2): Content-Length says how long the body would have been. */
static bool is_head(const struct api_req *req)
{
	return req->msg && !pl_strcmp(&req->msg->met, "HEAD");
}

/* All replies go out here: JSON body, status line, extra headers. */
static int reply(struct api_req *req, uint16_t status, const char *hdrs,
		 re_printf_h *ph, const struct odict *o)
{
	char *body = NULL;
	int err;

	if (audit_refuses(req, status))
		return api_error(req, 503, "audit trail not writable");
	err = re_sdprintf(&body, "%H", ph, o);
	if (err)
		goto out;

	err = api_conn_reply(req->conn, status, api_reason(status),
			     "Content-Type: application/json\r\n"
			     "Content-Length: %zu\r\n"
			     "Cache-Control: no-store\r\n"
			     "X-Content-Type-Options: nosniff\r\n"
			     "%s%s"
			     "\r\n"
			     "%s",
			     str_len(body), hdrs ? hdrs : "", req->set_cookie,
			     is_head(req) ? "" : body);
out:
	req->replied = true;
	if (err)
		warning("http: reply %u: %m\n", status, err);
	mem_deref(body);
	return err;
}

int api_reply_object(struct api_req *req, uint16_t status,
		     const struct odict *o)
{
	return reply(req, status, NULL, print_object, o);
}

int api_reply_created(struct api_req *req, const struct odict *o, int64_t id)
{
	char hdr[160];

	re_snprintf(hdr, sizeof(hdr), "Location: %r/%lld\r\n", &req->msg->path,
		    (long long)id);
	return reply(req, 201, hdr, print_object, o);
}

int api_reply_list(struct api_req *req, const struct odict *arr)
{
	return reply(req, 200, NULL, print_array, arr);
}

int api_reply_file(struct api_req *req, const char *path, const char *ctype,
		   const char *name)
{
	struct mbuf *mb = NULL;
	uint8_t buf[8192];
	size_t n;
	FILE *f;
	int err = 0;

	f = fopen(path, "rb");
	if (!f)
		return errno ? errno : EIO;
	mb = mbuf_alloc(65536);
	if (!mb) {
		err = ENOMEM;
		goto out;
	}
	while (!err && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (mb->end + n > API_FILE_MAX)
			err = EFBIG;
		else
			err = mbuf_write_mem(mb, buf, n);
	}
	if (!err && ferror(f))
		err = EIO;
	if (err)
		goto out;

	err = api_reply_attachment(req, ctype, mb, "%s", name);
	if (err)
		warning("http: reply file %s: %m\n", path, err);
out:
	fclose(f);
	mem_deref(mb);
	return err;
}

int api_reply_no_content(struct api_req *req)
{
	int err;

	(void)api_audit_write(req, 204); /* a change: it is done */
	err = api_conn_reply(req->conn, 204, api_reason(204),
			     "Cache-Control: no-store\r\n"
			     "X-Content-Type-Options: nosniff\r\n"
			     "%s"
			     "Content-Length: 0\r\n\r\n",
			     req->set_cookie);
	req->replied = true;
	return err;
}

int api_reply_bytes(struct api_req *req, const char *ctype,
		    const char *extra_hdrs, const uint8_t *buf, size_t len)
{
	struct mbuf *mb;
	int err;

	if (audit_refuses(req, 200))
		return api_error(req, 503, "audit trail not writable");
	mb = mbuf_alloc(len + 512);
	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb,
			  "HTTP/1.1 200 %s\r\n"
			  "Content-Type: %s\r\n"
			  "Content-Length: %zu\r\n"
			  "Cache-Control: no-store\r\n"
			  "X-Content-Type-Options: nosniff\r\n"
			  "%s"
			  "\r\n",
			  api_reason(200), ctype, len,
			  extra_hdrs ? extra_hdrs : "");
	if (!err)
		err = mbuf_write_mem(mb, buf, len);
	if (!err) {
		mb->pos = 0;
		err = api_conn_send(req->conn, mb);
	}
	mem_deref(mb);
	if (err)
		return err; /* no reply: a 500 follows */
	req->replied = true;
	return 0;
}

static int verror(struct api_req *req, uint16_t status, const char *hdrs,
		  const char *fmt, va_list ap)
{
	struct odict *o = NULL;
	char *msg = NULL;
	int err;

	err = re_vsdprintf(&msg, fmt, ap);
	if (err)
		goto out;
	err = odict_alloc(&o, 4);
	if (err)
		goto out;
	err = odict_entry_add(o, "error", ODICT_STRING, msg);
	if (err)
		goto out;
	debug("http: %r %r: %u %s\n", &req->msg->met, &req->msg->path, status,
	      msg);
	(void)reply(req, status, hdrs, print_object, o);
out:
	if (err && !req->replied) {
		(void)api_conn_reply(req->conn, 500, api_reason(500),
				     "Content-Length: 0\r\n\r\n");
		req->replied = true;
	}
	mem_deref(o);
	mem_deref(msg);
	return EBADMSG;
}

int api_error_hdrs(struct api_req *req, uint16_t status, const char *extra_hdrs,
		   const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = verror(req, status, extra_hdrs, fmt, ap);
	va_end(ap);
	return err;
}

int api_error(struct api_req *req, uint16_t status, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = verror(req, status, NULL, fmt, ap);
	va_end(ap);
	return err;
}

int api_fail(struct api_req *req, int err, const char *fmt, ...)
{
	uint16_t status = api_status_of(err);
	va_list ap;

	if (status >= 500) {
		warning("http: %r %r: %m\n", &req->msg->met, &req->msg->path,
			err);
		return api_error(req, status, "internal error");
	}
	va_start(ap, fmt);
	err = verror(req, status, NULL, fmt, ap);
	va_end(ap);
	return err;
}

int api_not_found(struct api_req *req)
{
	return api_error(req, 404, "%s %lld not found", api_res(req)->noun,
			 (long long)req->id);
}

int api_key_not_found(struct api_req *req, const char *key)
{
	if (key)
		return api_error(req, 404, "%s %s not found",
				 api_res(req)->noun, key);
	return api_error(req, 404, "%s %b not found", api_res(req)->noun,
			 req->key.p, req->key.l > 64 ? (size_t)64 : req->key.l);
}

/* ---- JSON out --------------------------------------------------------- */

int api_add_str(struct odict *o, const char *key, const char *s)
{
	return odict_entry_add(o, key, ODICT_STRING, s ? s : "");
}

int api_add_str_or_null(struct odict *o, const char *key, const char *s)
{
	if (!s || !s[0])
		return odict_entry_add(o, key, ODICT_NULL);
	return odict_entry_add(o, key, ODICT_STRING, s);
}

int api_add_int(struct odict *o, const char *key, int64_t v)
{
	return odict_entry_add(o, key, ODICT_INT, v);
}

int api_add_id(struct odict *o, const char *key, int64_t id)
{
	if (id <= 0)
		return odict_entry_add(o, key, ODICT_NULL);
	return odict_entry_add(o, key, ODICT_INT, id);
}

int api_add_bool(struct odict *o, const char *key, bool v)
{
	return odict_entry_add(o, key, ODICT_BOOL, v);
}

int api_add_time(struct odict *o, const char *key, uint64_t ms)
{
	char buf[32];

	if (!ms)
		return odict_entry_add(o, key, ODICT_NULL);
	return odict_entry_add(o, key, ODICT_STRING,
			       time_iso(buf, sizeof(buf), ms));
}

int api_list_alloc(struct odict **arrp)
{
	return odict_alloc(arrp, 32);
}

int api_reply_encoded(struct api_req *req, uint16_t status, int err,
		      struct odict *o, int64_t id)
{
	if (!err)
		err = status == 201 ? api_reply_created(req, o, id)
				    : api_reply_object(req, status, o);
	mem_deref(o);
	return err;
}

int api_list_append(struct odict *arr, struct odict *o)
{
	const struct odict_entry *last;
	unsigned long idx = 0;
	char key[24];

	/* keys "0", "1", ... as libre's decoder makes them; the next one
	 * follows the tail's, which keeps long lists linear */
	last = arr->lst.tail ? arr->lst.tail->data : NULL;
	if (last)
		idx = strtoul(last->key, NULL, 10) + 1;
	re_snprintf(key, sizeof(key), "%lu", idx);
	return odict_entry_add(arr, key, ODICT_OBJECT, o);
}

int api_reply_page(struct api_req *req, uint16_t status, const char *hdrs,
		   const char *html)
{
	int err;

	if (audit_refuses(req, status))
		return api_error(req, 503, "audit trail not writable");
	err = api_conn_reply(req->conn, status, api_reason(status),
			     "Content-Type: text/html; charset=utf-8\r\n"
			     "Content-Length: %zu\r\n"
			     "Cache-Control: no-store\r\n"
			     "%s%s"
			     "\r\n"
			     "%s",
			     str_len(html), hdrs ? hdrs : "", req->set_cookie,
			     html ? html : "");
	req->replied = true;
	if (err)
		warning("http: page %u: %m\n", status, err);
	return err;
}

int api_reply_attachment(struct api_req *req, const char *ctype,
			 const struct mbuf *mb, const char *fmt, ...)
{
	char name[128], hdr[192];
	va_list ap;

	va_start(ap, fmt);
	(void)re_vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	re_snprintf(hdr, sizeof(hdr),
		    "Content-Disposition: attachment; filename=\"%s\"\r\n",
		    name);
	return api_reply_bytes(req, ctype, hdr, mb->buf, mb->end);
}
