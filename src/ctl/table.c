/*
 * table.c - the human tables of switchboard-ctl: a header line and rows
 * of strings, each column as wide as its widest cell, two spaces
 * between columns, no blanks at the end of a line; and ctl_list(), the
 * one way the list subcommands (registrations, calls, blocks, tokens)
 * ask for their list and print it.
 */
#include <stdarg.h>
#include <string.h>
#include "ctl/ctl.h"

enum { COLS_MAX = CTL_COLS_MAX };

struct ctl_table {
	size_t ncol;
	struct list rows; /* struct row */
};

struct row {
	struct le le;
	char *cell[COLS_MAX]; /* (owned) */
};

static void row_destructor(void *arg)
{
	struct row *r = arg;
	size_t i;

	list_unlink(&r->le);
	for (i = 0; i < COLS_MAX; i++)
		mem_deref(r->cell[i]);
}

static void table_destructor(void *arg)
{
	struct ctl_table *t = arg;

	list_flush(&t->rows);
}

/* A row of t->ncol cells of v (NULL ones empty). */
static int row_addv(struct ctl_table *t, const char *const *v)
{
	struct row *r = mem_zalloc(sizeof(*r), row_destructor);
	size_t i;
	int err = 0;

	if (!r)
		return ENOMEM;
	for (i = 0; i < t->ncol && !err; i++)
		err = str_dup(&r->cell[i], v[i] ? v[i] : "");
	if (err) {
		mem_deref(r);
		return err;
	}
	list_append(&t->rows, &r->le, r);
	return 0;
}

static int row_add(struct ctl_table *t, va_list ap)
{
	const char *v[COLS_MAX];
	size_t i;

	for (i = 0; i < t->ncol; i++)
		v[i] = va_arg(ap, const char *);
	return row_addv(t, v);
}

/* A table of ncol columns with the headers of hdrv. */
static int table_allocv(struct ctl_table **tp, size_t ncol,
			const char *const *hdrv)
{
	struct ctl_table *t;
	int err;

	if (!tp || !ncol || ncol > COLS_MAX)
		return EINVAL;
	t = mem_zalloc(sizeof(*t), table_destructor);
	if (!t)
		return ENOMEM;
	t->ncol = ncol;
	err = row_addv(t, hdrv);
	if (err)
		mem_deref(t);
	else
		*tp = t;
	return err;
}

int ctl_table_alloc(struct ctl_table **tp, size_t ncol, ...)
{
	const char *v[COLS_MAX];
	va_list ap;
	size_t i;

	if (!tp || !ncol || ncol > COLS_MAX)
		return EINVAL;
	va_start(ap, ncol);
	for (i = 0; i < ncol; i++)
		v[i] = va_arg(ap, const char *);
	va_end(ap);
	return table_allocv(tp, ncol, v);
}

int ctl_table_row(struct ctl_table *t, ...)
{
	va_list ap;
	int err;

	if (!t)
		return EINVAL;
	va_start(ap, t);
	err = row_add(t, ap);
	va_end(ap);
	return err;
}

void ctl_table_print(const struct ctl_table *t, FILE *f)
{
	size_t w[COLS_MAX] = {0};
	struct le *le;
	size_t i;

	for (le = t->rows.head; le; le = le->next) {
		const struct row *r = le->data;

		for (i = 0; i < t->ncol; i++)
			if (strlen(r->cell[i]) > w[i])
				w[i] = strlen(r->cell[i]);
	}
	for (le = t->rows.head; le; le = le->next) {
		const struct row *r = le->data;
		size_t last = t->ncol;

		while (last > 0 && !r->cell[last - 1][0])
			last--;
		for (i = 0; i < last; i++) {
			if (i + 1 < last)
				fprintf(f, "%-*s  ", (int)w[i], r->cell[i]);
			else
				fputs(r->cell[i], f);
		}
		fputc('\n', f);
	}
}

int ctl_list(const struct ctl *c, int argc, char *argv[],
	     const struct ctl_list *l, void *arg)
{
	struct ctl_table *t = NULL;
	struct ctl_resp r;
	struct le *le;
	int code, err;

	if (!c || !l || !l->rowh)
		return CTL_OTHER;
	if (argc != 1)
		return ctl_err(CTL_USAGE, "%s: takes no arguments", argv[0]);
	code = ctl_request(c, "GET", l->path, NULL, &r);
	if (code)
		goto out;
	if (c->json) {
		ctl_print_raw(&r);
		goto out;
	}
	if (!r.o || !odict_count(r.o, false)) {
		puts(l->none);
		goto out;
	}
	if (l->preph && (code = l->preph(c, arg)))
		goto out;
	err = table_allocv(&t, l->ncol, l->hdrv);
	for (le = r.o->lst.head; le && !err; le = le->next) {
		const struct odict_entry *e = le->data;

		if (e->type == ODICT_OBJECT)
			err = l->rowh(t, e->u.odict, arg);
	}
	if (err) {
		code = ctl_err(CTL_OTHER, "out of memory");
		goto out;
	}
	ctl_table_print(t, stdout);
out:
	mem_deref(t);
	ctl_resp_reset(&r);
	return code;
}
