/*
 * table.c - the human tables of switchboard-ctl: a header line and rows
 * of strings, each column as wide as its widest cell, two spaces
 * between columns, no blanks at the end of a line.
 */
#include <stdarg.h>
#include <string.h>
#include "ctl/ctl.h"

enum { COLS_MAX = 12 };

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

static int row_add(struct ctl_table *t, va_list ap)
{
	struct row *r = mem_zalloc(sizeof(*r), row_destructor);
	size_t i;
	int err = 0;

	if (!r)
		return ENOMEM;
	for (i = 0; i < t->ncol && !err; i++) {
		const char *s = va_arg(ap, const char *);

		err = str_dup(&r->cell[i], s ? s : "");
	}
	if (err) {
		mem_deref(r);
		return err;
	}
	list_append(&t->rows, &r->le, r);
	return 0;
}

int ctl_table_alloc(struct ctl_table **tp, size_t ncol, ...)
{
	struct ctl_table *t;
	va_list ap;
	int err;

	if (!tp || !ncol || ncol > COLS_MAX)
		return EINVAL;
	t = mem_zalloc(sizeof(*t), table_destructor);
	if (!t)
		return ENOMEM;
	t->ncol = ncol;
	va_start(ap, ncol);
	err = row_add(t, ap);
	va_end(ap);
	if (err)
		mem_deref(t);
	else
		*tp = t;
	return err;
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
