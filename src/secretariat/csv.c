/*
 * csv.c - reading the CSV files of spreadsheet programs (seeds/001:
 * "Mitarbeiter importieren"): the bytes to text, the separator, the text
 * to records.
 *
 * The files are what spreadsheet programs write: UTF-8 with or without a
 * BOM or Windows-1252 (Excel's "CSV (Trennzeichen-getrennt)" on a German
 * Windows), ';' or ',' (or TAB) separated, CRLF or LF, fields quoted with
 * umlauts, quotes and line breaks inside.  Parsing is Debian's libcsv;
 * this file adds what it lacks: the encoding, the separator, and the
 * physical line of each record (a quoted line break counts), so that an
 * error names the line a spreadsheet user sees in an editor.
 *
 * The employee columns are in csv_columns.c, the import (all or nothing)
 * in csv_import.c, the export in csv_export.c.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <csv.h>
#include "core/core.h"
#include "secretariat/secretariat.h"
#include "secretariat/csv_int.h"

/* v (mem, or NULL) resized to sz bytes; NULL on ENOMEM (v kept). */
void *sec_csv_grow(void *v, size_t sz)
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
		char **v = sec_csv_grow(ps->fieldv, cap * sizeof(*v));

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
