/*
 * csv_export.c - a client's employees as a CSV file (seeds/001:
 * "Mitarbeiter exportieren"): UTF-8 with a BOM, ';' separated, CRLF, the
 * German headers, so that a German spreadsheet program opens it as it is
 * and an import reads it back unchanged.
 */
#include <errno.h>
#include <string.h>
#include <csv.h>
#include "core/core.h"
#include "secretariat/secretariat.h"
#include "secretariat/csv_int.h"

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
		struct store_employee *v =
		    sec_csv_grow(x->all, cap * sizeof(*v));

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
	v[C_TRANSFER] = sec_csv_transfer_de(e->transfer);
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
		err =
		    field_write(mb, sec_csv_columns[i].de, i + 1 == C_EXPORTED);
	for (i = 0; i < x.n && !err; i++)
		err = row_write(&x, &x.all[i]);
	mem_deref(x.all);
	return err;
}
