/*
 * sqlite_row.c - records of store.h as rows of the SQLite backend, and the
 * operations every record has, written once: get by id, find by a text
 * key, list, add, update, delete.
 *
 * A concept file describes its record with a column table (struct
 * store_col, in the order of its SELECT) and flags which columns its
 * INSERT and UPDATE bind, in that same order.  Reading a row and binding a
 * record then walk the table, so the SQL of a file and its table are the
 * only places that name a column.  Enums are stored as their names, read
 * and written through the tables of names.c.  What differs between records (checks,
 * defaults, rules across tables) stays in the concept file, which calls
 * these functions once its record is valid.
 */
#include <stdarg.h>
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

_Static_assert(sizeof(enum store_target) == sizeof(int) &&
		   sizeof(enum store_srtp) == sizeof(int) &&
		   sizeof(enum store_transport) == sizeof(int) &&
		   sizeof(enum store_direction) == sizeof(int) &&
		   sizeof(enum store_disposition) == sizeof(int) &&
		   sizeof(enum store_party) == sizeof(int) &&
		   sizeof(enum store_channel) == sizeof(int) &&
		   sizeof(enum store_outbox_state) == sizeof(int),
	       "SC_INT and SC_ENUM read and write an enum field as int");

/* The field of rec that column c describes. */
static void *field(const struct store_col *c, void *rec)
{
	return (char *)rec + c->off;
}

/* Integer field f of column c set to v (clamped to its type). */
static void int_set(const struct store_col *c, void *f, int64_t v)
{
	switch (c->type) {
	case SC_BOOL:
		*(bool *)f = v != 0;
		break;

	case SC_INT:
		*(int *)f = (int)v;
		break;

	case SC_U16:
		*(uint16_t *)f = (uint16_t)v;
		break;

	case SC_U32:
		*(uint32_t *)f = v < 0            ? 0
				 : v > UINT32_MAX ? UINT32_MAX
						  : (uint32_t)v;
		break;

	default: /* SC_I64, SC_REF, SC_U64 (stored as its bits) */
		*(int64_t *)f = v;
		break;
	}
}

/* The value of integer field f of column c. */
static int64_t int_get(const struct store_col *c, const void *f)
{
	switch (c->type) {
	case SC_BOOL:
		return *(const bool *)f;

	case SC_INT:
		return *(const int *)f;

	case SC_U16:
		return *(const uint16_t *)f;

	case SC_U32:
		return *(const uint32_t *)f;

	default:
		return *(const int64_t *)f;
	}
}

void store_row_read(const struct store_record *r, struct db_stmt *s, void *rec)
{
	size_t i;

	for (i = 0; i < r->colc; i++) {
		const struct store_col *c = &r->colv[i];
		void *f = field(c, rec);

		if (c->type == SC_TEXT) {
			store_col_text(s, (int)i, f, c->size);
		}
		else if (c->type == SC_ENUM) {
			*(int *)f = 0; /* an unknown name */
			(void)store_names_find(c->names,
					       db_column_text(s, (int)i), f);
		}
		else {
			int_set(c, f, db_column_int64(s, (int)i));
		}
	}
}

int store_row_bind(const struct store_record *r, struct db_stmt *s, int first,
		   unsigned flag, const void *rec)
{
	int i = first;
	size_t k;

	for (k = 0; k < r->colc; k++) {
		const struct store_col *c = &r->colv[k];
		const void *f = field(c, (void *)rec);

		if (!(c->flags & flag))
			continue;

		if (c->type == SC_TEXT)
			store_bind_text(s, i, f, c->size);
		else if (c->type == SC_ENUM)
			STORE_BIND_STR(
			    s, i, store_names_get(c->names, *(const int *)f));
		else if (c->type == SC_REF)
			store_bind_ref(s, i, int_get(c, f));
		else
			db_bind_int64(s, i, int_get(c, f));
		++i;
	}

	return i;
}

/* Step s of sid to its first row and read it into rec; ENOENT if no row.
 * Puts s back. */
static int row_one(struct store *st, enum store_sql_id sid, struct db_stmt *s,
		   const struct store_record *r, void *rec)
{
	int rc, err = 0;

	rc = db_step(s);
	if (rc == DB_ROW)
		store_row_read(r, s, rec);
	else if (rc == DB_DONE)
		err = ENOENT;
	else
		err = store_dberr(st, rc, sid, EIO);

	store_stmt_put(st, sid, s);

	return err;
}

/* Room for a record of any type: one row of a walk. */
union store_any {
	struct store_tenant tenant;
	struct store_employee employee;
	struct store_device device;
	struct store_number_block block;
	struct store_number number;
	struct store_announcement announcement;
	struct store_trunk trunk;
	struct store_registration registration;
	struct store_call call;
	struct store_node node;
	struct store_token token;
	struct store_schedule schedule;
	struct store_ivr_menu ivr_menu;
	struct store_digit_input digit_input;
	struct store_outbox outbox;
};

/* Step s of sid to its end, calling h with each row; a non-0 return of h
 * stops the walk and is returned.  Puts s back. */
static int row_walk(struct store *st, enum store_sql_id sid, struct db_stmt *s,
		    const struct store_record *r, store_fn *h, void *arg)
{
	union store_any rec;
	int rc, err = 0;

	if (r->size > sizeof(rec)) { /* a record missing from the union */
		store_stmt_put(st, sid, s);
		return EINVAL;
	}

	while ((rc = db_step(s)) == DB_ROW) {
		store_row_read(r, s, &rec);
		err = r->callh(h, &rec, arg);
		if (err)
			break;
	}
	if (!err && rc != DB_DONE)
		err = store_dberr(st, rc, sid, EIO);

	store_stmt_put(st, sid, s);

	return err;
}

int store_row_query(struct store *st, enum store_sql_id sid,
		    const struct store_record *r, void *rec, store_fn *h,
		    void *arg, const char *fmt, ...)
{
	struct db_stmt *s;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = store_stmt_vbind(st, sid, &s, fmt, ap);
	va_end(ap);
	if (err)
		return err;

	return h ? row_walk(st, sid, s, r, h, arg)
		 : row_one(st, sid, s, r, rec);
}

int store_row_get(struct store *st, enum store_sql_id sid, int64_t id,
		  const struct store_record *r, void *rec)
{
	if (!st || id <= 0 || !rec)
		return EINVAL;

	return store_row_query(st, sid, r, rec, NULL, NULL, "i", id);
}

int store_row_find(struct store *st, enum store_sql_id sid, const char *key,
		   const struct store_record *r, void *rec)
{
	if (!st || !str_isset(key) || !rec)
		return EINVAL;

	return store_row_query(st, sid, r, rec, NULL, NULL, "s", key);
}

int store_row_list(struct store *st, enum store_sql_id sid, int64_t tenant_id,
		   const struct store_record *r, store_fn *h, void *arg)
{
	if (!st || tenant_id < 0 || !h)
		return EINVAL;

	return store_row_query(st, sid, r, NULL, h, arg, "i", tenant_id);
}

int store_row_add(struct store *st, enum store_sql_id sid,
		  const struct store_record *r, void *rec)
{
	struct db_stmt *s;
	int rc, err;

	err = store_stmt_get(st, sid, &s);
	if (err)
		return err;

	(void)store_row_bind(r, s, 1, SC_ADD, rec);

	/* the insert says RETURNING id */
	rc = db_step(s);
	if (rc == DB_ROW) {
		*(int64_t *)field(&r->colv[0], rec) = db_column_int64(s, 0);
		err = store_step_rest(st, sid, s, ENOENT);
	}
	else if (rc == DB_DONE)
		err = store_dberr(st, DB_EIO, sid, ENOENT); /* no id */
	else
		err = store_dberr(st, rc, sid, ENOENT);

	store_stmt_put(st, sid, s);

	return err;
}

int store_row_update(struct store *st, enum store_sql_id sid,
		     const struct store_record *r, const void *rec)
{
	struct db_stmt *s;
	int err;

	err = store_stmt_get(st, sid, &s);
	if (err)
		return err;

	db_bind_int64(s, 1, *(const int64_t *)field(&r->colv[0], (void *)rec));
	(void)store_row_bind(r, s, 2, SC_UPD, rec);

	err = store_step(st, sid, s, ENOENT);
	if (!err && !db_changes(s))
		err = ENOENT;

	store_stmt_put(st, sid, s);

	return err;
}

/* What store_row_delete() deletes. */
struct row_del {
	enum store_sql_id inuse, sid;
	int64_t id;
};

/* The body of store_row_delete(). */
static int row_delete(struct store *st, void *arg)
{
	const struct row_del *d = arg;
	int64_t v = 0;
	int err;

	if (d->inuse != S_COUNT) {
		err = store_run(st, d->inuse, EIO, &v, "i", d->id);
		if (err)
			return err;
		if (v)
			return EBUSY;
	}

	err = store_run(st, d->sid, EBUSY, &v, "i", d->id);

	return err ? err : v ? 0 : ENOENT;
}

int store_row_delete(struct store *st, enum store_sql_id inuse,
		     enum store_sql_id sid, int64_t id)
{
	struct row_del d = {inuse, sid, id};

	if (!st || id <= 0)
		return EINVAL;

	/* one statement needs no transaction of its own */
	if (inuse == S_COUNT)
		return row_delete(st, &d);

	return store_tx(st, row_delete, &d);
}

/* ---- records with child rows ------------------------------------------- */

struct tree_op {
	const struct store_tree *t;
	void *rec;
};

static int64_t *rec_i64(void *rec, size_t off)
{
	return (int64_t *)(void *)((uint8_t *)rec + off);
}

/* add inside the transaction: targets, the row, its children */
static int tree_add(struct store *st, void *arg)
{
	struct tree_op *op = arg;
	const struct store_tree *t = op->t;
	int err;

	err = t->check ? t->check(st, op->rec) : 0;
	if (!err)
		err = store_row_add(st, t->add, t->rec, op->rec);
	if (!err && t->write)
		err = t->write(st, op->rec);
	return err;
}

int store_tree_add(struct store *st, const struct store_tree *t, void *rec)
{
	struct tree_op op = {t, rec};
	int64_t *id = rec_i64(rec, t->rec->colv[0].off);
	int err;

	*id = 0;
	err = store_tx(st, tree_add, &op);
	if (err)
		*id = 0;
	return err;
}

int store_tree_get(struct store *st, const struct store_tree *t, int64_t id,
		   void *rec)
{
	int err;

	err = store_row_get(st, t->get, id, t->rec, rec);
	if (!err && t->read)
		err = t->read(st, rec);
	return err;
}

/* update inside the transaction, on a copy that carries the stored
 * tenant */
static int tree_update(struct store *st, void *arg)
{
	struct tree_op *op = arg;
	const struct store_tree *t = op->t;
	int64_t id = *rec_i64(op->rec, t->rec->colv[0].off);
	int64_t want = *rec_i64(op->rec, t->tenant_off), tenant_id;
	void *v;
	int err;

	err = store_tenant_of(st, t->tenant, id, &tenant_id);
	if (err)
		return err;
	if (want && want != tenant_id)
		return EXDEV;
	v = mem_alloc(t->rec->size, NULL);
	if (!v)
		return ENOMEM;
	memcpy(v, op->rec, t->rec->size);
	*rec_i64(v, t->tenant_off) = tenant_id;
	err = t->check ? t->check(st, v) : 0;
	if (!err)
		err = store_row_update(st, t->update, t->rec, v);
	if (!err && t->write)
		err = t->write(st, v);
	mem_deref(v);
	return err;
}

int store_tree_update(struct store *st, const struct store_tree *t,
		      const void *rec)
{
	struct tree_op op = {t, (void *)rec};

	return store_tx(st, tree_update, &op);
}

struct tree_walk {
	struct store *st;
	const struct store_tree *t;
	store_fn *h;
	void *arg;
};

/* a row of the list, completed with its children, to the caller's h */
static int tree_walk_h(const void *row, void *arg)
{
	struct tree_walk *w = arg;
	void *rec;
	int err;

	rec = mem_alloc(w->t->rec->size, NULL);
	if (!rec)
		return ENOMEM;
	memcpy(rec, row, w->t->rec->size);
	err = w->t->read ? w->t->read(w->st, rec) : 0;
	if (!err)
		err = w->t->rec->callh(w->h, rec, w->arg);
	mem_deref(rec);
	return err;
}

static int tree_walk_call(store_fn *h, const void *rec, void *arg)
{
	return ((int (*)(const void *, void *))h)(rec, arg);
}

int store_tree_list(struct store *st, const struct store_tree *t,
		    int64_t tenant_id, store_fn *h, void *arg)
{
	struct tree_walk w = {st, t, h, arg};
	struct store_record r;

	if (!h)
		return EINVAL;
	r = *t->rec;
	r.callh = tree_walk_call;
	return store_row_list(st, t->list, tenant_id, &r,
			      (store_fn *)tree_walk_h, &w);
}
