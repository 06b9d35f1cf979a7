/*
 * csv.c - a client's employees as a CSV file, out and back in (seeds/001:
 * "Mitarbeiter exportieren", "Mitarbeiter importieren").
 *
 * The files are what spreadsheet programs write: UTF-8 with or without a
 * BOM or Windows-1252 (Excel's "CSV (Trennzeichen-getrennt)" on a German
 * Windows), ';' or ',' (or TAB) separated, CRLF or LF, fields quoted with
 * umlauts, quotes and line breaks inside.  Parsing is Debian's libcsv;
 * this file adds what it lacks: the encoding, the separator, and the
 * physical line of each record (a quoted line break counts), so that an
 * error names the line a spreadsheet user sees in an editor.
 *
 * An import is all or nothing.  Every row is checked first, against the
 * file and the stored employees together (e-mails and ids matched,
 * extensions unique, substitutes resolved by name or id, no cycle of
 * substitutes); a file with any error changes nothing and gets every
 * error (up to SEC_CSV_ERRORS) with line and column.  A clean file is
 * written in one transaction (store_batch), so a store refusal rolls it
 * back as well.
 *
 *   bytes -> decode (BOM, UTF-8 or cp1252) -> separator -> libcsv records
 *         -> header: columns by name (German or English)
 *         -> rows: matched (id, e-mail) or new; each cell checked
 *         -> whole file: duplicates, extensions, substitutes, cycles
 *         -> errors? EPROTO : one transaction of adds and updates
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <csv.h>
#include "core/core.h"
#include "secretariat/secretariat.h"

/* v (mem, or NULL) resized to sz bytes; NULL on ENOMEM (v kept). */
static void *vec_grow(void *v, size_t sz)
{
	return v ? mem_realloc(v, sz) : mem_alloc(sz, NULL);
}

/* ---- bytes to text ---------------------------------------------------- */

/* Is p (n bytes) valid UTF-8 (no overlongs, no surrogates)? */
static bool utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		size_t k, len;
		uint32_t cp;

		if (c < 0x80) {
			++i;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		}
		else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		}
		else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		}
		else {
			return false;
		}
		if (i + len > n)
			return false;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/* Windows-1252 to UTF-8 (glibc's iconv); EPROTO for a byte it does not
 * define (0x81, 0x8d, 0x8f, 0x90, 0x9d). */
static int from_cp1252(char **outp, size_t *lenp, const uint8_t *p, size_t n)
{
	size_t cap = 3 * n + 1, inleft = n, outleft = cap;
	char *out, *in = (char *)(uintptr_t)p, *o;
	iconv_t cd;
	int err = 0;

	out = mem_alloc(cap, NULL);
	if (!out)
		return ENOMEM;
	cd = iconv_open("UTF-8", "WINDOWS-1252");
	if (cd == (iconv_t)-1) {
		mem_deref(out);
		return ENOSYS;
	}
	o = out;
	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1)
		err = EPROTO;
	iconv_close(cd);
	if (err) {
		mem_deref(out);
		return err;
	}
	*o = '\0';
	*lenp = (size_t)(o - out);
	*outp = out;
	return 0;
}

int sec_csv_decode(char **outp, size_t *lenp, const uint8_t *p, size_t n,
		   bool *cp1252)
{
	char *out;

	if (!outp || !lenp || (!p && n))
		return EINVAL;
	if (n >= 2 &&
	    ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
		return EPROTO; /* UTF-16 */
	if (n && memchr(p, 0, n))
		return EPROTO;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		p += 3;
		n -= 3;
	}
	if (cp1252)
		*cp1252 = false;
	if (!utf8_valid(p, n)) {
		if (cp1252)
			*cp1252 = true;
		return from_cp1252(outp, lenp, p, n);
	}
	out = mem_alloc(n + 1, NULL);
	if (!out)
		return ENOMEM;
	if (n)
		memcpy(out, p, n);
	out[n] = '\0';
	*outp = out;
	*lenp = n;
	return 0;
}

char sec_csv_delim(const char *s, size_t n)
{
	size_t semi = 0, comma = 0, tab = 0, i;
	bool quoted = false;

	for (i = 0; s && i < n; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (s[i] == '\r' || s[i] == '\n')
			break;
		else if (s[i] == ';')
			++semi;
		else if (s[i] == ',')
			++comma;
		else if (s[i] == '\t')
			++tab;
	}
	if (tab > semi && tab > comma)
		return '\t';
	if (comma > semi)
		return ',';
	return semi ? ';' : ',';
}

/* ---- text to records (libcsv) ----------------------------------------- */

/* The record being read, and where it began. */
struct parse {
	char **fieldv; /* (mem) each (mem) */
	size_t fieldc, cap;
	unsigned line;     /* physical line of the byte being fed     */
	unsigned row_line; /* of the record's first byte, 0: none yet */
	sec_csv_row_h *h;
	void *arg;
	int err; /* h's or ENOMEM: stop */
};

static void fields_clear(struct parse *ps)
{
	size_t i;

	for (i = 0; i < ps->fieldc; i++)
		ps->fieldv[i] = mem_deref(ps->fieldv[i]);
	ps->fieldc = 0;
}

static void field_h(void *s, size_t len, void *arg)
{
	struct parse *ps = arg;
	char *f;

	if (ps->err)
		return;
	if (ps->fieldc == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 16;
		char **v = vec_grow(ps->fieldv, cap * sizeof(*v));

		if (!v) {
			ps->err = ENOMEM;
			return;
		}
		ps->fieldv = v;
		ps->cap = cap;
	}
	f = mem_alloc(len + 1, NULL);
	if (!f) {
		ps->err = ENOMEM;
		return;
	}
	if (len)
		memcpy(f, s, len);
	f[len] = '\0';
	ps->fieldv[ps->fieldc++] = f;
}

static void row_h(int c, void *arg)
{
	struct parse *ps = arg;

	(void)c;
	if (!ps->err)
		ps->err = ps->h(ps->row_line ? ps->row_line : ps->line,
				ps->fieldv, ps->fieldc, ps->arg);
	fields_clear(ps);
	ps->row_line = 0;
}

/* Only the space is white space around an unquoted field (libcsv also
 * takes TAB, which may be the separator). */
static int is_space(unsigned char c)
{
	return c == ' ';
}

int sec_csv_parse(const char *s, size_t n, char delim, sec_csv_row_h *h,
		  void *arg, unsigned *linep)
{
	struct parse ps = {.line = 1, .h = h, .arg = arg};
	struct csv_parser p;
	size_t i;
	int err = 0;

	if ((!s && n) || !h)
		return EINVAL;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL))
		return ENOMEM;
	csv_set_delim(&p, (unsigned char)delim);
	csv_set_space_func(&p, is_space);

	/* one byte at a time: a record ends (row_h) while the byte that
	 * ends it is fed, so ps.line is the line it is on */
	for (i = 0; i < n && !ps.err; i++) {
		char c = s[i];

		if (!ps.row_line && c != '\r' && c != '\n')
			ps.row_line = ps.line;
		if (csv_parse(&p, &s[i], 1, field_h, row_h, &ps) != 1) {
			err = csv_error(&p) == CSV_ENOMEM ? ENOMEM : EPROTO;
			break;
		}
		if (c == '\n' ||
		    (c == '\r' && (i + 1 == n || s[i + 1] != '\n')))
			++ps.line;
	}
	if (!err && !ps.err && csv_fini(&p, field_h, row_h, &ps) != CSV_SUCCESS)
		err = csv_error(&p) == CSV_ENOMEM ? ENOMEM : EPROTO;
	if (err == EPROTO && linep)
		*linep = ps.row_line ? ps.row_line : ps.line;
	if (!err)
		err = ps.err;

	fields_clear(&ps);
	mem_deref(ps.fieldv);
	csv_free(&p);
	return err;
}

/* ---- columns ---------------------------------------------------------- */

enum col {
	C_ID = 0,
	C_NAME,
	C_EMAIL,
	C_CC,
	C_POSITION,
	C_RESP,
	C_MOBILE,
	C_SMS,
	C_SUB,
	C_EXT,
	C_TNUM,
	C_TRANSFER,
	C_VIP_SMS,
	C_EXPORTED, /* the columns above are exported, in this order */
	C_FIRST = C_EXPORTED,
	C_LAST,
	C_COUNT,
	C_NONE = -1,
};

/* Column c: its field name (errors, English header), its German header
 * (export), and other headers accepted on import. */
static const struct column {
	const char *key;
	const char *de;
	const char *alias[3];
} columns[C_COUNT] = {
    [C_ID] = {"id", "ID", {"nr"}},
    [C_NAME] = {"name", "Name", {"name des mitarbeiters", "mitarbeiter"}},
    [C_EMAIL] = {"email", "E-Mail", {"e-mail-adresse", "mail"}},
    [C_CC] = {"cc", "CC", {"kopie"}},
    [C_POSITION] = {"position", "Position", {}},
    [C_RESP] = {"responsibility", "Zuständigkeit", {}},
    [C_MOBILE] = {"mobile", "Mobilnummer", {"mobil", "handy"}},
    [C_SMS] = {"sms", "SMS-Benachrichtigung", {"sms notification"}},
    [C_SUB] = {"substitute", "Vertreter", {"substitute_id"}},
    [C_EXT] = {"extension", "Durchwahl", {}},
    [C_TNUM] = {"transfer_number", "Durchstellnummer", {}},
    [C_TRANSFER] = {"transfer", "Durchstellen", {}},
    [C_VIP_SMS] = {"vip_sms", "VIP-SMS", {"vip-sms-benachrichtigung"}},
    [C_FIRST] = {"first_name", "Vorname", {}},
    [C_LAST] = {"last_name", "Nachname", {}},
};

/* Header h as a column: names compared folded (case, umlauts, and
 * anything but letters and digits left out). */
static enum col column_find(const char *h)
{
	char fh[64], fc[64];
	size_t i, j;

	sec_name_fold(fh, sizeof(fh), h);
	for (i = 0; i < C_COUNT; i++) {
		const struct column *c = &columns[i];

		sec_name_fold(fc, sizeof(fc), c->key);
		if (!strcmp(fh, fc))
			return (enum col)i;
		sec_name_fold(fc, sizeof(fc), c->de);
		if (!strcmp(fh, fc))
			return (enum col)i;
		for (j = 0; j < ARRAY_SIZE(c->alias) && c->alias[j]; j++) {
			sec_name_fold(fc, sizeof(fc), c->alias[j]);
			if (!strcmp(fh, fc))
				return (enum col)i;
		}
	}
	return C_NONE;
}

/* Yes/no cells: what spreadsheets and people write. */
static int bool_parse(const char *s, bool *vp)
{
	static const char *const yes[] = {"1", "ja",   "j",    "yes",
					  "y", "true", "wahr", "x"};
	static const char *const no[] = {"",   "0",     "nein",  "n",
					 "no", "false", "falsch"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*vp = true;
			return 0;
		}
	}
	for (i = 0; i < ARRAY_SIZE(no); i++) {
		if (!strcasecmp(s, no[i])) {
			*vp = false;
			return 0;
		}
	}
	return EINVAL;
}

/* The transfer cell: the API's names or the export's German ones. */
static const struct {
	const char *name;
	enum store_transfer v;
} transfers[] = {
    {"", STORE_TRANSFER_NONE},     {"none", STORE_TRANSFER_NONE},
    {"nein", STORE_TRANSFER_NONE}, {"all", STORE_TRANSFER_ALL},
    {"alle", STORE_TRANSFER_ALL},  {"ja", STORE_TRANSFER_ALL},
    {"vip", STORE_TRANSFER_VIP},
};

static const char *transfer_de(enum store_transfer v)
{
	return v == STORE_TRANSFER_ALL   ? "alle"
	       : v == STORE_TRANSFER_VIP ? "VIP"
					 : "nein";
}

/* ---- import ----------------------------------------------------------- */

/* One data row of the file. */
struct row {
	unsigned line;
	struct store_employee e;    /* as it will be written          */
	char sub[SEC_NAME_MAX + 1]; /* the substitute cell, as given */
	bool has_sub;               /* the file has that column     */
	int64_t key;                /* e.id, or -(index + 1) if new  */
};

struct import {
	struct store *st;
	int64_t tenant_id;
	struct phone_ctx ctx;
	struct sec_import *res;
	struct store_employee *cur; /* (mem) the tenant's, stored   */
	size_t curc, curcap;
	struct row *rows; /* (mem) */
	size_t rowc, rowcap;
	enum col *map; /* (mem) column of each field of the header    */
	size_t mapc;
	bool header, bad; /* the header is read; it has an error      */
	unsigned header_line;
};

static void errorv(struct sec_import *res, unsigned line, const char *column,
		   const char *fmt, va_list ap)
{
	struct sec_csv_error *e;

	if (res->errc >= SEC_CSV_ERRORS) {
		res->more = true;
		return;
	}
	if (!res->errv) {
		res->errv =
		    mem_zalloc(SEC_CSV_ERRORS * sizeof(*res->errv), NULL);
		if (!res->errv)
			return;
	}
	e = &res->errv[res->errc++];
	e->line = line;
	str_copy(e->column, column ? column : "", sizeof(e->column));
	re_vsnprintf(e->message, sizeof(e->message), fmt, ap);
}

static void error(struct import *im, unsigned line, const char *column,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errorv(im->res, line, column, fmt, ap);
	va_end(ap);
}

static int cur_h(const struct store_employee *e, void *arg)
{
	struct import *im = arg;

	if (im->curc == im->curcap) {
		size_t cap = im->curcap ? 2 * im->curcap : 32;
		struct store_employee *v = vec_grow(im->cur, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		im->cur = v;
		im->curcap = cap;
	}
	im->cur[im->curc++] = *e;
	return 0;
}

static const struct store_employee *cur_by_id(const struct import *im,
					      int64_t id)
{
	size_t i;

	for (i = 0; i < im->curc; i++) {
		if (im->cur[i].id == id)
			return &im->cur[i];
	}
	return NULL;
}

static const struct store_employee *cur_by_email(const struct import *im,
						 const char *email)
{
	size_t i;

	for (i = 0; email[0] && i < im->curc; i++) {
		if (!strcasecmp(im->cur[i].email, email))
			return &im->cur[i];
	}
	return NULL;
}

/* The row of the file that has employee id already, or NULL. */
static const struct row *row_by_id(const struct import *im, int64_t id)
{
	size_t i;

	for (i = 0; id && i < im->rowc; i++) {
		if (im->rows[i].e.id == id)
			return &im->rows[i];
	}
	return NULL;
}

static int header_read(struct import *im, unsigned line, char *const *fv,
		       size_t fc)
{
	bool seen[C_COUNT] = {false};
	size_t i;

	im->map = mem_zalloc(fc * sizeof(*im->map), NULL);
	if (!im->map)
		return ENOMEM;
	im->mapc = fc;
	im->header = true;
	im->header_line = line;

	for (i = 0; i < fc; i++) {
		char h[64];
		enum col c;

		str_copy(h, fv[i], sizeof(h));
		c = column_find(h);
		im->map[i] = c;
		if (c == C_NONE && h[0]) {
			error(im, line, h,
			      "unknown column \"%s\"; the columns are ID, "
			      "Name, E-Mail, CC, Position, Zuständigkeit, "
			      "Mobilnummer, SMS-Benachrichtigung, Vertreter, "
			      "Durchwahl, Durchstellnummer, Durchstellen, "
			      "VIP-SMS (or their English field names)",
			      h);
			im->bad = true;
		}
		else if (c != C_NONE && seen[c]) {
			error(im, line, columns[c].key,
			      "column \"%s\" is given twice", h);
			im->bad = true;
		}
		if (c != C_NONE)
			seen[c] = true;
	}
	if (!seen[C_NAME] && !(seen[C_FIRST] && seen[C_LAST])) {
		error(im, line, "name",
		      "the file needs a column Name (or Vorname and "
		      "Nachname)");
		im->bad = true;
	}
	if (seen[C_NAME] && (seen[C_FIRST] || seen[C_LAST])) {
		error(im, line, "name",
		      "give either the column Name or Vorname and Nachname");
		im->bad = true;
	}
	return 0;
}

/* Trim white space around s in place. */
static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		++s;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A text cell into dst (sz bytes): false (and an error) if too long. */
static bool text_cell(struct import *im, unsigned line, enum col c, char *dst,
		      size_t sz, const char *v)
{
	if (strlen(v) >= sz) {
		error(im, line, columns[c].key, "longer than %zu bytes",
		      sz - 1);
		return false;
	}
	str_copy(dst, v, sz);
	return true;
}

/* Cell v of column c into row r; an error (and false) if it is bad. */
static bool cell_apply(struct import *im, struct row *r, enum col c,
		       const char *v)
{
	struct store_employee *e = &r->e;
	const char *key = columns[c].key;
	unsigned line = r->line;
	char buf[256];
	size_t i;
	int err;

	switch (c) {
	case C_ID:
		return true; /* matched before */

	case C_NAME:
		if (!v[0]) {
			error(im, line, key, "is required");
			return false;
		}
		err = sec_name_parse(e, v);
		if (err == ENAMETOOLONG)
			error(im, line, key,
			      "first name and surname may have 63 bytes "
			      "each");
		else if (err)
			error(im, line, key,
			      "\"%s\" is no name; write \"Vorname Nachname\" "
			      "or \"Nachname, Vorname\"",
			      v);
		return !err;

	case C_FIRST:
	case C_LAST:
		if (strchr(v, ',')) {
			error(im, line, key, "must not contain a comma");
			return false;
		}
		e->surname_first = false;
		return text_cell(im, line, c,
				 c == C_FIRST ? e->first_name : e->last_name,
				 sizeof(e->first_name), v);

	case C_EMAIL:
		if (v[0] && !sec_email_ok(v)) {
			error(im, line, key, "%s is not an e-mail address", v);
			return false;
		}
		return text_cell(im, line, c, e->email, sizeof(e->email), v);

	case C_CC:
		err =
		    sec_cc_normalise(e->cc, sizeof(e->cc), v, buf, sizeof(buf));
		if (err == EINVAL)
			error(im, line, key, "%s is not an e-mail address",
			      buf);
		else if (err)
			error(im, line, key, "at most %d addresses",
			      SEC_CC_MAX);
		return !err;

	case C_POSITION:
		return text_cell(im, line, c, e->position, sizeof(e->position),
				 v);

	case C_RESP:
		return text_cell(im, line, c, e->responsibility,
				 sizeof(e->responsibility), v);

	case C_MOBILE:
		if (!v[0]) {
			e->mobile[0] = '\0';
			return true;
		}
		if (sec_mobile_normalise(e->mobile, sizeof(e->mobile), v,
					 &im->ctx)) {
			error(im, line, key,
			      "%s is not a mobile number; write it as "
			      "+49170123456789",
			      v);
			return false;
		}
		return true;

	case C_SMS:
	case C_VIP_SMS:
		if (bool_parse(v, c == C_SMS ? &e->sms : &e->vip_sms)) {
			error(im, line, key, "\"%s\": write ja or nein", v);
			return false;
		}
		return true;

	case C_SUB:
		r->has_sub = true;
		return text_cell(im, line, c, r->sub, sizeof(r->sub), v);

	case C_EXT:
		for (i = 0; v[i]; i++) {
			if (!isdigit((unsigned char)v[i]))
				break;
		}
		if (v[i] || i > 6) {
			error(im, line, key, "must be 1 to 6 digits");
			return false;
		}
		return text_cell(im, line, c, e->extension,
				 sizeof(e->extension), v);

	case C_TNUM:
		e->transfer_number[0] = '\0';
		if (!v[0])
			return true;
		if (phone_normalise(e->transfer_number,
				    sizeof(e->transfer_number), v,
				    &im->ctx) != PHONE_E164) {
			e->transfer_number[0] = '\0';
			error(im, line, key,
			      "%s is not a phone number; write it as "
			      "+4922112345678",
			      v);
			return false;
		}
		return true;

	case C_TRANSFER:
		for (i = 0; i < ARRAY_SIZE(transfers); i++) {
			if (!strcasecmp(v, transfers[i].name)) {
				e->transfer = transfers[i].v;
				return true;
			}
		}
		error(im, line, key, "\"%s\": write nein, alle or VIP", v);
		return false;

	default:
		return true;
	}
}

/* The employee row r stands for: by id, else by e-mail, else new. */
static bool row_match(struct import *im, struct row *r, char *const *fv,
		      size_t fc)
{
	const struct store_employee *m = NULL;
	const struct row *dup;
	char *id = NULL, *email = NULL;
	size_t i;

	for (i = 0; i < fc && i < im->mapc; i++) {
		if (im->map[i] == C_ID)
			id = trim(fv[i]);
		else if (im->map[i] == C_EMAIL)
			email = trim(fv[i]);
	}
	if (id && id[0]) {
		char *end;
		long long v = strtoll(id, &end, 10);

		m = *end || v <= 0 ? NULL : cur_by_id(im, v);
		if (!m) {
			error(im, r->line, "id",
			      "%s is no employee of this client; leave ID "
			      "empty for a new one",
			      id);
			return false;
		}
	}
	else if (email && email[0]) {
		m = cur_by_email(im, email);
	}

	if (!m) {
		r->e.tenant_id = im->tenant_id;
		r->e.transfer = STORE_TRANSFER_NONE;
		return true;
	}
	dup = row_by_id(im, m->id);
	if (dup) {
		error(im, r->line, id && id[0] ? "id" : "email",
		      "employee %lld is in line %u already", (long long)m->id,
		      dup->line);
		return false;
	}
	r->e = *m;
	return true;
}

static int row_read(unsigned line, char *const *fv, size_t fc, void *arg)
{
	struct import *im = arg;
	struct row *r;
	bool ok = true, empty = true;
	size_t i;

	if (!im->header)
		return header_read(im, line, fv, fc);
	if (im->bad)
		return 0;

	for (i = 0; i < fc; i++) {
		if (trim(fv[i])[0])
			empty = false;
	}
	if (empty) /* ";;;;" lines of a spreadsheet */
		return 0;

	if (im->rowc == SEC_CSV_ROWS) {
		error(im, line, "", "more than %d employees in one file",
		      SEC_CSV_ROWS);
		im->bad = true;
		return 0;
	}
	if (im->rowc == im->rowcap) {
		size_t cap = im->rowcap ? 2 * im->rowcap : 32;
		struct row *v = vec_grow(im->rows, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		im->rows = v;
		im->rowcap = cap;
	}
	r = &im->rows[im->rowc];
	memset(r, 0, sizeof(*r));
	r->line = line;

	for (i = im->mapc; i < fc; i++) {
		if (trim(fv[i])[0]) {
			error(im, line, "",
			      "%zu fields, but the header (line %u) has %zu",
			      fc, im->header_line, im->mapc);
			return 0;
		}
	}
	if (!row_match(im, r, fv, fc))
		return 0;

	for (i = 0; i < fc && i < im->mapc; i++) {
		if (im->map[i] != C_NONE)
			ok &= cell_apply(im, r, im->map[i], trim(fv[i]));
	}
	if (ok && !r->e.first_name[0] && !r->e.last_name[0]) {
		error(im, line, "name", "is required");
		ok = false;
	}
	if (ok && sec_employee_conflict(&r->e)) {
		const char *f = sec_employee_conflict(&r->e);

		error(im, line, f,
		      "needs a mobile number (column Mobilnummer)");
		ok = false;
	}
	r->key = r->e.id ? r->e.id : -(int64_t)(im->rowc + 1);
	if (ok)
		im->rowc++;
	return 0;
}

/* The stored employee at i, unless the file has it (then NULL). */
static const struct store_employee *cur_kept(const struct import *im, size_t i)
{
	return row_by_id(im, im->cur[i].id) ? NULL : &im->cur[i];
}

/* The key of the employee named s (an id, or a name as written): the
 * file's rows first, then stored ones; 0 and an error if none or more
 * than one. */
static int64_t sub_resolve(struct import *im, const struct row *r)
{
	struct store_employee want;
	int64_t found = 0;
	unsigned n = 0;
	size_t i;
	char *end;
	long long id = strtoll(r->sub, &end, 10);

	if (r->sub[0] && !*end && id > 0) {
		if (row_by_id(im, id) || cur_by_id(im, id))
			return id;
		error(im, r->line, "substitute",
		      "%s is no employee of this client", r->sub);
		return 0;
	}
	memset(&want, 0, sizeof(want));
	if (sec_name_parse(&want, r->sub)) {
		error(im, r->line, "substitute", "\"%s\" is no name", r->sub);
		return 0;
	}
	for (i = 0; i < im->rowc; i++) {
		const struct store_employee *e = &im->rows[i].e;

		if (!strcmp(e->first_name, want.first_name) &&
		    !strcmp(e->last_name, want.last_name)) {
			found = im->rows[i].key;
			++n;
		}
	}
	for (i = 0; i < im->curc; i++) {
		const struct store_employee *e = cur_kept(im, i);

		if (e && !strcmp(e->first_name, want.first_name) &&
		    !strcmp(e->last_name, want.last_name)) {
			found = e->id;
			++n;
		}
	}
	if (n == 1)
		return found;
	error(im, r->line, "substitute",
	      n ? "%s: %u employees have that name; give the ID"
		: "%s: no employee of this client has that name",
	      r->sub, n);
	return 0;
}

/* The row whose key is key, or NULL. */
static struct row *row_by_key(struct import *im, int64_t key)
{
	size_t i;

	for (i = 0; i < im->rowc; i++) {
		if (im->rows[i].key == key)
			return &im->rows[i];
	}
	return NULL;
}

/* The checks over the whole file: e-mails of new rows, extensions,
 * substitutes and their cycles. */
static int file_check(struct import *im)
{
	struct sec_sub *subs;
	size_t i, j, n = 0;
	int64_t id;

	for (i = 0; i < im->rowc; i++) {
		struct row *r = &im->rows[i];

		for (j = 0; j < i; j++) {
			const struct row *o = &im->rows[j];

			if (!r->e.id && r->e.email[0] &&
			    !strcasecmp(r->e.email, o->e.email))
				error(im, r->line, "email",
				      "%s is in line %u already", r->e.email,
				      o->line);
			if (r->e.extension[0] &&
			    !strcmp(r->e.extension, o->e.extension))
				error(im, r->line, "extension",
				      "%s is in line %u already",
				      r->e.extension, o->line);
		}
		for (j = 0; r->e.extension[0] && j < im->curc; j++) {
			const struct store_employee *o = cur_kept(im, j);

			if (o && !strcmp(r->e.extension, o->extension))
				error(im, r->line, "extension",
				      "%s is taken by employee %lld",
				      r->e.extension, (long long)o->id);
		}
		if (r->has_sub)
			r->e.substitute_id = r->sub[0] ? sub_resolve(im, r) : 0;
	}
	if (im->res->errc)
		return 0;

	subs = mem_zalloc((im->rowc + im->curc) * sizeof(*subs), NULL);
	if (!subs)
		return ENOMEM;
	for (i = 0; i < im->rowc; i++)
		subs[n++] = (struct sec_sub){im->rows[i].key,
					     im->rows[i].e.substitute_id};
	for (i = 0; i < im->curc; i++) {
		const struct store_employee *e = cur_kept(im, i);

		if (e)
			subs[n++] = (struct sec_sub){e->id, e->substitute_id};
	}
	if (sec_substitute_cycle(subs, n, &id)) {
		struct row *r = row_by_key(im, id);
		unsigned guard = 0;

		/* the stored employees have no cycle: one of the file's
		 * rows is in it */
		while (!r && guard++ < n) {
			const struct store_employee *e = cur_by_id(im, id);

			id = e ? e->substitute_id : 0;
			r = row_by_key(im, id);
		}
		error(im, r ? r->line : 0, "substitute",
		      "the substitutes go round in a circle: %s",
		      r ? r->sub : "");
	}
	mem_deref(subs);
	return 0;
}

/* Write the rows, inside store_batch(): new rows first without a
 * substitute that is new as well, then those substitutes. */
static int write_rows(struct store *st, void *arg)
{
	struct import *im = arg;
	size_t i;
	int err = 0;

	for (i = 0; i < im->rowc && !err; i++) {
		struct row *r = &im->rows[i];
		struct store_employee e = r->e;

		if (e.substitute_id < 0)
			e.substitute_id = 0;
		if (e.id) {
			err = store_employee_update(st, &e);
			im->res->updated++;
		}
		else {
			err = store_employee_add(st, &e);
			r->e.id = e.id;
			im->res->created++;
		}
		if (err == EEXIST)
			error(im, r->line, "extension", "%s is taken",
			      r->e.extension);
		else if (err)
			error(im, r->line, "", "not stored: %m", err);
	}
	for (i = 0; i < im->rowc && !err; i++) {
		struct row *r = &im->rows[i];
		const struct row *s;

		if (r->e.substitute_id >= 0)
			continue;
		s = row_by_key(im, r->e.substitute_id);
		r->e.substitute_id = s ? s->e.id : 0;
		err = store_employee_update(st, &r->e);
		if (err)
			error(im, r->line, "substitute", "not stored: %m", err);
	}
	return err;
}

void sec_import_reset(struct sec_import *res)
{
	if (!res)
		return;
	res->errv = mem_deref(res->errv);
	memset(res, 0, sizeof(*res));
}

int sec_employee_import(struct store *st, int64_t tenant_id, const uint8_t *p,
			size_t n, struct sec_import *res)
{
	struct import im = {.st = st, .tenant_id = tenant_id, .res = res};
	struct store_tenant t;
	unsigned line = 0;
	char *text = NULL;
	size_t len = 0;
	int err;

	if (!st || tenant_id <= 0 || (!p && n) || !res)
		return EINVAL;
	memset(res, 0, sizeof(*res));

	err = store_tenant_get(st, tenant_id, &t);
	if (err)
		return err;
	sec_tenant_ctx(&t, &im.ctx);

	err = sec_csv_decode(&text, &len, p, n, NULL);
	if (err == EPROTO) {
		error(&im, 0, "",
		      "not a text file: save it as CSV (UTF-8 or "
		      "Windows-1252), not UTF-16");
		goto out;
	}
	if (err)
		goto out;

	err = store_employee_list(st, tenant_id, cur_h, &im);
	if (err)
		goto out;

	err = sec_csv_parse(text, len, sec_csv_delim(text, len), row_read, &im,
			    &line);
	if (err == EPROTO) {
		error(&im, line, "",
		      "a quote (\") is not closed or is followed by other "
		      "text");
		err = 0;
	}
	if (err)
		goto out;
	if (!im.header) {
		error(&im, 0, "", "the file is empty");
		goto out;
	}
	if (!res->errc)
		err = file_check(&im);
	if (err || res->errc)
		goto out;

	err = store_batch(st, write_rows, &im);
	if (err) {
		res->created = res->updated = 0;
		if (!res->errc)
			error(&im, 0, "", "not stored: %m", err);
	}
	else {
		info("secretariat: tenant %lld: import: %u created, "
		     "%u updated\n",
		     (long long)tenant_id, res->created, res->updated);
	}
out:
	if (!err && res->errc)
		err = EPROTO;
	if (err == EPROTO || (err && res->errc))
		err = EPROTO;
	mem_deref(text);
	mem_deref(im.cur);
	mem_deref(im.rows);
	mem_deref(im.map);
	return err;
}

/* ---- export ----------------------------------------------------------- */

/* Field s, quoted (libcsv's writer) if it holds ';', a quote, a line
 * break or space at either end. */
static int field_write(struct mbuf *mb, const char *s, bool last)
{
	size_t n = strlen(s), need;
	int err;

	if (strpbrk(s, ";\"\r\n") || (n && (s[0] == ' ' || s[n - 1] == ' '))) {
		char *q;

		need = csv_write2(NULL, 0, s, n, '"');
		q = mem_alloc(need, NULL);
		if (!q)
			return ENOMEM;
		csv_write2(q, need, s, n, '"');
		err = mbuf_write_mem(mb, (const uint8_t *)q, need);
		mem_deref(q);
	}
	else {
		err = mbuf_write_str(mb, s);
	}
	if (!err)
		err = mbuf_write_str(mb, last ? "\r\n" : ";");
	return err;
}

/* What an export needs of the tenant's employees. */
struct export
{
	struct mbuf *mb;
	struct store_employee *all; /* (mem) by name, for substitutes */
	size_t n, cap;
};

static int export_collect(const struct store_employee *e, void *arg)
{
	struct export *x = arg;

	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 32;
		struct store_employee *v = vec_grow(x->all, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		x->all = v;
		x->cap = cap;
	}
	x->all[x->n++] = *e;
	return 0;
}

/* The substitute cell of e: the name, or the id if the name is not
 * unique (so that the file imports as it was). */
static void sub_cell(char *buf, size_t sz, const struct export *x,
		     const struct store_employee *e)
{
	const struct store_employee *s = NULL;
	unsigned same = 0;
	size_t i;

	buf[0] = '\0';
	for (i = 0; e->substitute_id && i < x->n; i++) {
		if (x->all[i].id == e->substitute_id)
			s = &x->all[i];
	}
	if (!s)
		return;
	for (i = 0; i < x->n; i++) {
		if (!strcmp(x->all[i].first_name, s->first_name) &&
		    !strcmp(x->all[i].last_name, s->last_name))
			++same;
	}
	if (same > 1)
		re_snprintf(buf, sz, "%lld", (long long)s->id);
	else
		sec_name_format(buf, sz, s);
}

static int row_write(struct export *x, const struct store_employee *e)
{
	char id[24], name[SEC_NAME_MAX + 2], sub[SEC_NAME_MAX + 2];
	const char *v[C_EXPORTED];
	size_t i;
	int err = 0;

	re_snprintf(id, sizeof(id), "%lld", (long long)e->id);
	sec_name_format(name, sizeof(name), e);
	sub_cell(sub, sizeof(sub), x, e);
	v[C_ID] = id;
	v[C_NAME] = name;
	v[C_EMAIL] = e->email;
	v[C_CC] = e->cc;
	v[C_POSITION] = e->position;
	v[C_RESP] = e->responsibility;
	v[C_MOBILE] = e->mobile;
	v[C_SMS] = e->sms ? "ja" : "nein";
	v[C_SUB] = sub;
	v[C_EXT] = e->extension;
	v[C_TNUM] = e->transfer_number;
	v[C_TRANSFER] = transfer_de(e->transfer);
	v[C_VIP_SMS] = e->vip_sms ? "ja" : "nein";
	for (i = 0; i < C_EXPORTED && !err; i++)
		err = field_write(x->mb, v[i], i + 1 == C_EXPORTED);
	return err;
}

int sec_employee_export(struct store *st, int64_t tenant_id, struct mbuf *mb)
{
	static const uint8_t bom[] = {0xef, 0xbb, 0xbf};
	struct export x = {.mb = mb};
	size_t i;
	int err;

	if (!st || tenant_id <= 0 || !mb)
		return EINVAL;
	err = sec_employee_list(st, tenant_id, true, export_collect, &x);
	if (!err)
		err = mbuf_write_mem(mb, bom, sizeof(bom));
	for (i = 0; i < C_EXPORTED && !err; i++)
		err = field_write(mb, columns[i].de, i + 1 == C_EXPORTED);
	for (i = 0; i < x.n && !err; i++)
		err = row_write(&x, &x.all[i]);
	mem_deref(x.all);
	return err;
}
