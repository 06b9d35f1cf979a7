/*
 * csv_import.c - a client's employees read back from a CSV file (seeds/001:
 * "Mitarbeiter importieren").
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
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/core.h"
#include "secretariat/secretariat.h"
#include "secretariat/csv_int.h"

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
		struct store_employee *v =
		    sec_csv_grow(im->cur, cap * sizeof(*v));

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
		c = sec_csv_column_find(h);
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
			error(im, line, sec_csv_columns[c].key,
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
		error(im, line, sec_csv_columns[c].key, "longer than %zu bytes",
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
	const char *key = sec_csv_columns[c].key;
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
		struct row *v = sec_csv_grow(im->rows, cap * sizeof(*v));

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
