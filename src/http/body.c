/*
 * body.c - the bodies of POST and PATCH: one JSON object, checked against
 * the field table of the resource before any of it is used.
 *
 * Parsing JSON is libre's (json_decode_odict).  Its decoder in 1.1.0 is
 * lenient, so the checks here make the API strict instead: every key of a
 * body must be a known field of the right type, given once, so that a
 * typo is an error and not a silently ignored value.  Every problem
 * becomes {"error":"<field>: <reason>"}.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

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

/* ---- the strings of a body, before decoding ---------------------------- */

/* The code unit of "\uXXXX" at p (n bytes left), or -1. */
static long u_escape(const char *p, size_t n)
{
	long v = 0;
	size_t i;

	if (n < 6 || p[0] != '\\' || p[1] != 'u')
		return -1;
	for (i = 2; i < 6; i++) {
		int h = hexdigit(p[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Length of the well-formed UTF-8 sequence at p (n bytes left), 0 if it is
 * not one. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	char s[5] = {0};
	size_t k;

	if (p[0] < 0x80)
		return 1;
	k = (p[0] & 0xe0) == 0xc0   ? 2
	    : (p[0] & 0xf0) == 0xe0 ? 3
	    : (p[0] & 0xf8) == 0xf0 ? 4
				    : 0;
	if (!k || k > n)
		return 0;
	memcpy(s, p, k);
	return text_ok(s) ? k : 0;
}

/*
 * The string that starts after the quote at p[*i]: what is wrong with it
 * (NULL if nothing), *i then after its closing quote.  libre's decoder
 * turns "\u0000" into a NUL that cuts the C string it gives us (and keeps
 * a raw NUL byte the same way), and decodes a lone surrogate "\ud800" into
 * bytes that are not UTF-8: both are refused here, for every field of
 * every route, before the value can be stored cut off or empty.
 */
static const char *string_bad(const char *p, size_t n, size_t *i)
{
	size_t j = *i;

	while (j < n && p[j] != '"') {
		const uint8_t c = (uint8_t)p[j];
		long u, lo;
		size_t k;

		if (c == 0)
			return "must not contain a NUL byte";
		if (c < 0x20)
			return "must not contain raw control characters";
		if (c >= 0x80) {
			k = utf8_len((const uint8_t *)p + j, n - j);
			if (!k)
				return "is not valid UTF-8";
			j += k;
			continue;
		}
		if (c != '\\') {
			++j;
			continue;
		}
		if (j + 1 >= n)
			return "is not valid JSON";
		if (p[j + 1] != 'u') {
			j += 2;
			continue;
		}
		u = u_escape(p + j, n - j);
		if (u < 0)
			return "is not valid JSON (\\u needs 4 hex digits)";
		if (u == 0)
			return "must not contain a NUL byte";
		if (u >= 0xdc00 && u <= 0xdfff)
			return "is not valid UTF-8 (a lone surrogate)";
		if (u >= 0xd800 && u <= 0xdbff) {
			lo = u_escape(p + j + 6, n - j - 6);
			if (lo < 0xdc00 || lo > 0xdfff)
				return "is not valid UTF-8 (a lone surrogate)";
			j += 6;
		}
		j += 6;
	}
	if (j >= n)
		return "is not valid JSON";
	*i = j + 1;
	return NULL;
}

/* The bare word at p[*i] (*i then after it): is it an integer (no
 * fraction or exponent) beyond int64?  libre would store it wrapped. */
static bool int_too_large(const char *p, size_t n, size_t *i)
{
	static const char max[] = "9223372036854775807";
	size_t w = *i, d;

	if (!word_char(p[w])) {
		++*i;
		return false;
	}
	while (*i < n && word_char(p[*i]))
		++*i;
	if (p[w] == '-')
		++w;
	for (d = w; d < *i; d++) {
		if (!isdigit((unsigned char)p[d]))
			return false;
	}
	d = *i - w;
	return d > sizeof(max) - 1 ||
	       (d == sizeof(max) - 1 && memcmp(p + w, max, d) > 0);
}

/*
 * Every string of the body text p: 0, or 400 naming the field (the member
 * of the top-level object) whose value, or something within it, is bad.
 */
static int strings_check(struct api_req *req, const char *p, size_t n)
{
	char field[65] = "body";
	bool want_key = false;
	unsigned depth = 0;
	size_t i = 0, s;
	const char *why;

	while (i < n) {
		switch (p[i]) {
		case '{':
		case '[':
			want_key = ++depth == 1;
			++i;
			continue;
		case '}':
		case ']':
			--depth;
			++i;
			continue;
		case ',':
			want_key = depth == 1;
			++i;
			continue;
		case '"':
			break;
		default:
			if (int_too_large(p, n, &i))
				return api_error(req, 400,
						 "%s: too large for an integer "
						 "(at most %lld)",
						 field, (long long)INT64_MAX);
			continue;
		}
		s = ++i;
		why = string_bad(p, n, &i);
		if (why && want_key)
			return api_error(req, 400, "body: a field name %s",
					 why);
		if (why)
			return api_error(req, 400, "%s: %s", field, why);
		if (want_key) {
			const size_t k = MIN(sizeof(field) - 1, i - 1 - s);

			memcpy(field, p + s, k); /* p is not NUL-terminated */
			field[k] = '\0';
		}
		want_key = false;
	}
	return 0;
}

int api_body_decode(struct api_req *req)
{
	struct mbuf *mb = req->msg->mb;
	const char *p = mb ? (const char *)mbuf_buf(mb) : NULL;
	size_t n = mb ? mbuf_get_left(mb) : 0;
	int err;

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
	if (p[0] != '{' || p[n - 1] != '}' || !bare_words_ok(p, n))
		return api_error(req, 400, "body: invalid JSON");
	err = strings_check(req, p, n);
	if (err)
		return err;
	if (json_decode_odict(&req->body, 16, p, n, API_JSON_DEPTH))
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
		       const struct odict_entry *e)
{
	if (f->flags & FF_RO)
		return api_error(req, 400, "%s: is read-only", f->name);
	if (!req->create && (f->flags & FF_FIXED))
		return api_error(req, 400, "%s: cannot be changed", f->name);

	if (e->type == ODICT_NULL) {
		if (!(f->flags & FF_NULL))
			return api_error(req, 400, "%s: must not be null",
					 f->name);
		return 0;
	}

	switch (api_field_ftype(f)) {
	case FT_STR:
		if (e->type != ODICT_STRING)
			return api_error(req, 400, "%s: must be a string",
					 f->name);
		if (!text_ok(e->u.str))
			return api_error(req, 400,
					 "%s: must be UTF-8 text without "
					 "control characters",
					 f->name);
		if (f->max && strlen(e->u.str) > (size_t)f->max)
			return api_error(req, 400,
					 "%s: longer than %zu characters",
					 f->name, (size_t)f->max);
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

	case FT_ARRAY:
		if (e->type != ODICT_ARRAY)
			return api_error(req, 400, "%s: must be an array",
					 f->name);
		break;
	}
	return 0;
}

int api_body_check(struct api_req *req, const struct api_field *fv, size_t fc)
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
		if ((f->flags & FF_OPERATOR) &&
		    api_role_of(req->token.role) != API_ROLE_OPERATOR)
			return api_error(req, 403,
					 "field '%s' may only be changed by "
					 "the operator",
					 f->name);
		err = entry_check(req, f, e);
		if (err)
			return err;
	}

	if (!req->create)
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
