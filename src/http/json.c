/*
 * json.c - the JSON edge of the API: checking a request body against a
 * resource's field table, reading the query string, building replies.
 *
 * Parsing and printing JSON is libre's (json_decode_odict,
 * json_encode_odict).  Its decoder in 1.1.0 is lenient, so the checks here
 * make the API strict instead: every key of a body must be a known field of
 * the right type, given once, so that a typo is an error and not a silently
 * ignored value.  Every problem becomes {"error":"<field>: <reason>"}.
 */
#include <ctype.h>
#include <errno.h>
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

/* All replies go out here: JSON body, status line, extra headers. */
static int reply(struct api_req *req, uint16_t status, const char *hdrs,
		 re_printf_h *ph, const struct odict *o)
{
	char *body = NULL;
	int err;

	err = re_sdprintf(&body, "%H", ph, o);
	if (err)
		goto out;

	err = http_reply(req->conn, status, api_reason(status),
			 "Content-Type: application/json\r\n"
			 "Content-Length: %zu\r\n"
			 "Cache-Control: no-store\r\n"
			 "%s"
			 "\r\n"
			 "%s",
			 str_len(body), hdrs ? hdrs : "", body);
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

int api_reply_no_content(struct api_req *req)
{
	int err;

	err = http_reply(req->conn, 204, api_reason(204),
			 "Cache-Control: no-store\r\n"
			 "Content-Length: 0\r\n\r\n");
	req->replied = true;
	return err;
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
		(void)http_ereply(req->conn, 500, api_reason(500));
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
	return api_error(req, 404, "%s %lld not found",
			 req->route ? req->route->noun : "resource",
			 (long long)req->id);
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

int api_list_add(struct odict *arr, int err, struct odict *o)
{
	if (!err)
		err = api_list_append(arr, o);
	mem_deref(o);
	return err;
}

int api_list_done(struct api_req *req, int err, struct odict *arr,
		  const char *what)
{
	if (err)
		err = api_fail(req, err, "%s: %m", what, err);
	else
		err = api_reply_list(req, arr);
	mem_deref(arr);
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

/* ---- JSON in ---------------------------------------------------------- */

/* Well-formed UTF-8 without control characters. */
static bool text_ok(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;

	while (*p) {
		size_t n, i;
		uint32_t cp;

		if (*p < 0x20 || *p == 0x7f)
			return false;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1;
			cp = *p & 0x1f;
		}
		else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
		}
		else if ((*p & 0xf8) == 0xf0) {
			n = 3;
			cp = *p & 0x07;
		}
		else {
			return false;
		}
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

/* ---- body ----------------------------------------------------------- */

/* A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool number_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		++i;
	if (i >= n || !isdigit((unsigned char)s[i]))
		return false;
	if (s[i] == '0') {
		++i;
	}
	else {
		while (i < n && isdigit((unsigned char)s[i]))
			++i;
	}
	if (i < n && s[i] == '.') {
		if (++i >= n || !isdigit((unsigned char)s[i]))
			return false;
		while (i < n && isdigit((unsigned char)s[i]))
			++i;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			++i;
		if (i >= n || !isdigit((unsigned char)s[i]))
			return false;
		while (i < n && isdigit((unsigned char)s[i]))
			++i;
	}
	return i == n;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
}

/*
 * libre 1.1.0's decoder prints any value it cannot classify to stdout
 * ("json: value of unknown type: <...>"), which would put an unquoted
 * password into the log.  So before decoding, every bare word outside
 * strings must be true, false, null or a JSON number, and nothing else may
 * stand outside strings but { } [ ] : , and white space.  This is a guard
 * against that print, not a parser: the structure is libre's business.
 */
static bool bare_words_ok(const char *p, size_t n)
{
	bool inq = false, esc = false;
	size_t i = 0, w;

	while (i < n) {
		char c = p[i];

		if (inq) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				inq = false;
			++i;
			continue;
		}
		switch (c) {
		case '"':
			inq = true;
			/* fall through */
		case '{':
		case '}':
		case '[':
		case ']':
		case ':':
		case ',':
		case ' ':
		case '\t':
		case '\r':
		case '\n':
			++i;
			continue;
		default:
			break;
		}

		for (w = i; i < n && word_char(p[i]); ++i)
			;
		if (i == w)
			return false;
		if (!number_ok(p + w, i - w) &&
		    !(i - w == 4 && !memcmp(p + w, "true", 4)) &&
		    !(i - w == 5 && !memcmp(p + w, "false", 5)) &&
		    !(i - w == 4 && !memcmp(p + w, "null", 4)))
			return false;
	}
	return !inq;
}

int api_body_decode(struct api_req *req)
{
	struct mbuf *mb = req->msg->mb;
	const char *p = mb ? (const char *)mbuf_buf(mb) : NULL;
	size_t n = mb ? mbuf_get_left(mb) : 0;

	if (req->msg->clen > API_BODY_MAX || n > API_BODY_MAX)
		return api_error(req, 413, "body: larger than %u bytes",
				 (unsigned)API_BODY_MAX);

	while (n && is_ws(p[0]))
		++p, --n;
	while (n && is_ws(p[n - 1]))
		--n;
	if (!n)
		return api_error(req, 400, "body: a JSON object is required");
	if (p[0] == '[')
		return api_error(req, 400, "body: must be a JSON object");
	if (p[0] != '{' || p[n - 1] != '}' || !bare_words_ok(p, n) ||
	    json_decode_odict(&req->body, 16, p, n, API_JSON_DEPTH))
		return api_error(req, 400, "body: invalid JSON");
	return 0;
}

static const struct api_field *field_find(const struct api_field *fv, size_t fc,
					  const char *name)
{
	size_t i;

	for (i = 0; i < fc; i++) {
		if (!strcmp(fv[i].name, name))
			return &fv[i];
	}
	return NULL;
}

static int entry_check(struct api_req *req, const struct api_field *f,
		       const struct odict_entry *e, bool create)
{
	if (f->flags & FF_RO)
		return api_error(req, 400, "%s: is read-only", f->name);
	if (!create && (f->flags & FF_FIXED))
		return api_error(req, 400, "%s: cannot be changed", f->name);

	if (e->type == ODICT_NULL) {
		if (!(f->flags & FF_NULL))
			return api_error(req, 400, "%s: must not be null",
					 f->name);
		return 0;
	}

	switch (f->type) {
	case FT_STR:
		if (e->type != ODICT_STRING)
			return api_error(req, 400, "%s: must be a string",
					 f->name);
		if (!text_ok(e->u.str))
			return api_error(req, 400,
					 "%s: must be UTF-8 text without "
					 "control characters",
					 f->name);
		if (f->max && strlen(e->u.str) > f->max)
			return api_error(req, 400,
					 "%s: longer than %zu characters",
					 f->name, f->max);
		break;

	case FT_INT:
		if (e->type != ODICT_INT)
			return api_error(req, 400, "%s: must be an integer",
					 f->name);
		break;

	case FT_BOOL:
		if (e->type != ODICT_BOOL)
			return api_error(req, 400, "%s: must be true or false",
					 f->name);
		break;
	}
	return 0;
}

int api_body_check(struct api_req *req, const struct api_field *fv, size_t fc,
		   bool create)
{
	const struct odict *b = req->body;
	struct le *le;
	size_t i;
	int err;

	if (!b)
		return api_error(req, 400, "body: a JSON object is required");

	for (le = b->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;
		const struct api_field *f = field_find(fv, fc, e->key);

		if (!f) {
			/* libre's printf takes "%.64s" as a width: cut the
			 * name ourselves */
			char name[65];

			str_copy(name, e->key, sizeof(name));
			return api_error(req, 400, "%s: unknown field", name);
		}
		if (odict_lookup(b, e->key) != e)
			return api_error(req, 400, "%s: given more than once",
					 f->name);
		err = entry_check(req, f, e, create);
		if (err)
			return err;
	}

	if (!create)
		return 0;
	for (i = 0; i < fc; i++) {
		const struct odict_entry *e;

		if (!(fv[i].flags & FF_REQUIRED))
			continue;
		e = odict_lookup(b, fv[i].name);
		if (!e || e->type == ODICT_NULL)
			return api_error(req, 400, "%s: is required",
					 fv[i].name);
	}
	return 0;
}

bool api_has(const struct api_req *req, const char *key)
{
	return odict_lookup(req->body, key) != NULL;
}

bool api_is_null(const struct api_req *req, const char *key)
{
	const struct odict_entry *e = odict_lookup(req->body, key);

	return e && e->type == ODICT_NULL;
}

const char *api_str(const struct api_req *req, const char *key)
{
	return odict_string(req->body, key);
}

int64_t api_int(const struct api_req *req, const char *key, int64_t def)
{
	const struct odict_entry *e;

	e = odict_get_type(req->body, ODICT_INT, key);
	return e ? e->u.integer : def;
}

bool api_bool(const struct api_req *req, const char *key, bool def)
{
	bool v;

	return odict_get_boolean(req->body, &v, key) ? v : def;
}

void api_str_copy(const struct api_req *req, const char *key, char *buf,
		  size_t sz)
{
	if (!api_has(req, key))
		return;
	str_copy(buf, api_str(req, key), sz);
}

/* ---- query string ----------------------------------------------------- */

/* Next "name=value" of the query string in *rest; false at the end. */
static bool query_next(struct pl *rest, struct pl *name, struct pl *val)
{
	while (rest->l) {
		const char *amp = memchr(rest->p, '&', rest->l);
		struct pl part;
		const char *eq;

		part.p = rest->p;
		part.l = amp ? (size_t)(amp - rest->p) : rest->l;
		pl_advance(rest, amp ? part.l + 1 : part.l);
		if (!part.l)
			continue;

		eq = memchr(part.p, '=', part.l);
		name->p = part.p;
		name->l = eq ? (size_t)(eq - part.p) : part.l;
		val->p = eq ? eq + 1 : part.p + part.l;
		val->l = eq ? part.l - name->l - 1 : 0;
		return true;
	}
	return false;
}

static struct pl query_of(const struct api_req *req)
{
	struct pl q = req->msg->prm;

	if (q.l && q.p[0] == '?')
		pl_advance(&q, 1);
	return q;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool api_pct_decode(char *buf, size_t sz, const struct pl *v)
{
	size_t i, n = 0;

	for (i = 0; i < v->l; i++) {
		char c = v->p[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= v->l)
				return false;
			hi = hexval(v->p[i + 1]);
			lo = hexval(v->p[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (!c || n + 1 >= sz)
			return false;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return true;
}

int api_query_check(struct api_req *req, const char *const *names)
{
	struct pl q = query_of(req), name, val;

	while (query_next(&q, &name, &val)) {
		size_t i;
		bool ok = false;

		for (i = 0; names && names[i]; i++) {
			if (!pl_strcmp(&name, names[i])) {
				ok = true;
				break;
			}
		}
		if (!ok)
			return api_error(req, 400,
					 "%b: unknown query parameter", name.p,
					 name.l > 64 ? (size_t)64 : name.l);
	}
	return 0;
}

/* Raw value of the first parameter name. */
static bool query_raw(const struct api_req *req, const char *name,
		      struct pl *valp)
{
	struct pl q = query_of(req), n, v;

	while (query_next(&q, &n, &v)) {
		if (!pl_strcmp(&n, name)) {
			*valp = v;
			return true;
		}
	}
	return false;
}

bool api_query_get(const struct api_req *req, const char *name, char *buf,
		   size_t sz)
{
	struct pl v;

	if (!query_raw(req, name, &v))
		return false;
	if (!api_pct_decode(buf, sz, &v))
		buf[0] = '\0';
	return true;
}

/* Parse decimal digits only (no sign, no spaces) into *vp. */
static bool parse_u64(const char *s, uint64_t max, uint64_t *vp)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*vp = v;
	return true;
}

int api_query_id(struct api_req *req, const char *name, int64_t *idp)
{
	char buf[32];
	uint64_t v;

	*idp = 0;
	if (!api_query_get(req, name, buf, sizeof(buf)))
		return 0;
	if (!parse_u64(buf, INT64_MAX, &v) || v == 0)
		return api_error(req, 400, "%s: must be a positive integer",
				 name);
	*idp = (int64_t)v;
	return 0;
}

int api_query_uint(struct api_req *req, const char *name, uint32_t min,
		   uint32_t max, uint32_t def, uint32_t *vp)
{
	char buf[32];
	uint64_t v;

	*vp = def;
	if (!api_query_get(req, name, buf, sizeof(buf)))
		return 0;
	if (!parse_u64(buf, max, &v) || v < min)
		return api_error(req, 400, "%s: must be from %u to %u", name,
				 min, max);
	*vp = (uint32_t)v;
	return 0;
}

int api_query_time(struct api_req *req, const char *name, uint64_t *msp)
{
	char buf[48];

	*msp = 0;
	if (!api_query_get(req, name, buf, sizeof(buf)))
		return 0;
	if (time_iso_parse(buf, msp))
		return api_error(req, 400,
				 "%s: must be an ISO-8601 time like "
				 "2026-11-25T03:34:57.123Z",
				 name);
	return 0;
}

/* ---- shared validation ------------------------------------------------ */

int api_field_id(struct api_req *req, const char *key, int64_t *idp)
{
	int64_t v;

	*idp = 0;
	if (!api_has(req, key) || api_is_null(req, key))
		return 0;
	v = api_int(req, key, 0);
	if (v <= 0)
		return api_error(req, 422, "%s: must be a positive id", key);
	*idp = v;
	return 0;
}

int api_field_phone(struct api_req *req, const char *key, const char *in,
		    const struct phone_ctx *ctx, char *out, size_t sz)
{
	if (phone_normalise(out, sz, in, ctx) != PHONE_E164)
		return api_error(req, 422,
				 "%s: %s is not a valid E.164 phone number",
				 key, in);
	return 0;
}

bool api_is_digits(const char *s, size_t min, size_t max)
{
	size_t n;

	if (!s)
		return false;
	for (n = 0; s[n]; n++) {
		if (!isdigit((unsigned char)s[n]))
			return false;
	}
	return n >= min && n <= max;
}
