/*
 * sqlite_number.c - number blocks and numbers in the SQLite store.
 *
 * A tenant owns blocks of consecutive E.164 numbers (first..last, of one
 * length; blocks never overlap), and every number lies in a block of its
 * tenant.  Numbers of one length compare like integers when compared as
 * strings, so "inside the block" is first <= e164 <= last between strings
 * of the block's length, and blocks of different lengths never overlap.
 *
 * A number is active or not and routes to a target of its tenant (an
 * employee, an announcement) or to nothing.  A personal number (see
 * sqlite_employee.c) always routes to its employee; deactivating or
 * deleting it takes it from the employee, who then shows a fault.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define BLOCK_SELECT                                                           \
	"SELECT id, tenant_id, first, last, created_at FROM number_blocks"

#define NUM_SELECT                                                             \
	"SELECT n.id, n.tenant_id, n.block_id, n.e164, n.active,"              \
	" n.target_type, n.target_id,"                                         \
	" CAST(EXISTS (SELECT 1 FROM employees e"                              \
	"  WHERE e.personal_number_id = n.id) AS INTEGER),"                    \
	" n.description, n.created_at, n.forwarded_calls FROM numbers n"

static const struct store_sql sql[] = {
    {S_BLOCK_ADD, "block add",
     "INSERT INTO number_blocks (tenant_id, first, last,"
     " created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id"},
    {S_BLOCK_GET, "block get", BLOCK_SELECT " WHERE id = ?1"},
    {S_BLOCK_OVERLAP, "block add",
     "SELECT CAST(EXISTS (SELECT 1 FROM number_blocks"
     " WHERE length(first) = length(?1)"
     " AND first <= ?2 AND last >= ?1) AS INTEGER)"},
    {S_BLOCK_FIND, "number add",
     "SELECT id, tenant_id FROM number_blocks"
     " WHERE length(first) = length(?1)"
     " AND first <= ?1 AND last >= ?1"
     " AND (?2 = 0 OR tenant_id = ?2) ORDER BY id LIMIT 1"},
    {S_BLOCK_INUSE, "block delete",
     "SELECT CAST(EXISTS (SELECT 1 FROM numbers WHERE block_id = ?1) AS "
     "INTEGER)"},
    {S_BLOCK_DELETE, "block delete", "DELETE FROM number_blocks WHERE id = ?1"},
    {S_BLOCK_LIST, "block list",
     BLOCK_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id"},

    {S_NUM_ADD, "number add",
     "INSERT INTO numbers (tenant_id, block_id, e164, active,"
     " target_type, target_id, description, created_at, forwarded_calls)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id"},
    {S_NUM_GET, "number get", NUM_SELECT " WHERE n.id = ?1"},
    {S_NUM_BY_E164, "number by e164", NUM_SELECT " WHERE n.e164 = ?1"},
    {S_NUM_UPDATE, "number update",
     "UPDATE numbers SET active = ?2, target_type = ?3,"
     " target_id = ?4, description = ?5, forwarded_calls = ?6"
     " WHERE id = ?1"},
    {S_NUM_UNSET_PERSONAL, "number unset personal",
     "UPDATE employees SET personal_number_id = NULL"
     " WHERE personal_number_id = ?1"},
    {S_NUM_DELETE, "number delete", "DELETE FROM numbers WHERE id = ?1"},
    {S_NUM_LIST, "number list",
     NUM_SELECT " WHERE ?1 = 0 OR n.tenant_id = ?1 ORDER BY n.id"},
};

const struct store_sqlset store_sql_number = STORE_SQLSET(sql);

static const struct store_col block_cols[] = {
    STORE_COL(SC_I64, 0, store_number_block, id),
    STORE_COL(SC_I64, SC_ADD, store_number_block, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD, store_number_block, first),
    STORE_COL(SC_TEXT, SC_ADD, store_number_block, last),
    STORE_COL(SC_U64, SC_ADD, store_number_block, created_at),
};

STORE_RECORD(block_rec, store_number_block, store_number_block_h, block_cols);

static const struct store_col number_cols[] = {
    STORE_COL(SC_I64, 0, store_number, id),
    STORE_COL(SC_I64, SC_ADD, store_number, tenant_id),
    STORE_COL(SC_I64, SC_ADD, store_number, block_id),
    STORE_COL(SC_TEXT, SC_ADD, store_number, e164),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_number, active),
    STORE_COL(SC_INT, SC_ADD | SC_UPD, store_number, target_type),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, store_number, target_id),
    STORE_COL(SC_BOOL, 0, store_number, personal),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_number, description),
    STORE_COL(SC_U64, SC_ADD, store_number, created_at),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_number, forwarded_calls),
};

STORE_RECORD(number_rec, store_number, store_number_h, number_cols);

/* ---- number blocks ---------------------------------------------------- */

/* The body of store_block_add(), inside its transaction. */
static int block_add(struct store *st, void *arg)
{
	struct store_number_block *b = arg;
	int64_t v;
	int err;

	err = store_tenant_of(st, S_TENANT_EXISTS, b->tenant_id, &v);
	if (err)
		return err;

	err = store_run(st, S_BLOCK_OVERLAP, EIO, &v, "ss", b->first, b->last);
	if (err)
		return err;
	if (v)
		return EEXIST;

	return store_row_add(st, S_BLOCK_ADD, &block_rec, b);
}

int store_block_add(struct store *st, struct store_number_block *b)
{
	if (!st || !b || b->tenant_id <= 0 || !phone_is_e164(b->first) ||
	    !phone_is_e164(b->last))
		return EINVAL;

	if (strlen(b->first) != strlen(b->last) ||
	    strcmp(b->last, b->first) < 0)
		return ERANGE;

	if (!b->created_at)
		b->created_at = time_now_ms();

	return store_tx(st, block_add, b);
}

int store_block_get(struct store *st, int64_t id, struct store_number_block *b)
{
	return store_row_get(st, S_BLOCK_GET, id, &block_rec, b);
}

int store_block_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_BLOCK_INUSE, S_BLOCK_DELETE, id);
}

/* tenant_id 0 = all tenants. */
int store_block_list(struct store *st, int64_t tenant_id,
		     store_number_block_h *h, void *arg)
{
	return store_row_list(st, S_BLOCK_LIST, tenant_id, &block_rec,
			      (store_fn *)h, arg);
}

/* The block of e164 among the tenant's blocks (any tenant's if 0). */
/* The block that holds e164 (of tenant_id, 0: any): its id and tenant;
 * ERANGE if none. */
static int block_of(struct store *st, const char *e164, int64_t tenant_id,
		    int64_t *idp, int64_t *tenantp)
{
	struct db_stmt *s;
	int rc, err = 0;

	err = store_stmt_bind(st, S_BLOCK_FIND, &s, "si", e164, tenant_id);
	if (err)
		return err;

	rc = db_step(s);
	if (rc == DB_ROW) {
		*idp = db_column_int64(s, 0);
		*tenantp = db_column_int64(s, 1);
	}
	else if (rc == DB_DONE) {
		err = ERANGE;
	}
	else {
		err = store_dberr(st, rc, S_BLOCK_FIND, EIO);
	}

	store_stmt_put(st, S_BLOCK_FIND, s);

	return err;
}

static int block_find(struct store *st, struct store_number *n)
{
	return block_of(st, n->e164, n->tenant_id, &n->block_id, &n->tenant_id);
}

int store_block_find(struct store *st, int64_t tenant_id, const char *e164,
		     struct store_number_block *b)
{
	int64_t id, tenant;
	int err;

	if (!st || !e164 || !b || tenant_id < 0)
		return EINVAL;
	err = block_of(st, e164, tenant_id, &id, &tenant);
	return err ? err : store_block_get(st, id, b);
}

/* ---- numbers ---------------------------------------------------------- */

int store_number_route(struct store *st, int64_t id,
		       const struct store_number *n)
{
	struct store_number v;
	int err;

	if (n) {
		v = *n;
	}
	else {
		err = store_number_get(st, id, &v);
		if (err)
			return err;
		v.target_type = TARGET_NONE;
	}

	v.id = id;
	if (v.target_type == TARGET_NONE)
		v.target_id = 0;

	return store_row_update(st, S_NUM_UPDATE, &number_rec, &v);
}

/*
 * n->tenant_id 0 takes the tenant of the block that contains e164; a set
 * tenant_id looks only at that tenant's blocks.  A TARGET_EMPLOYEE here is
 * an ordinary number routed to the employee, not a personal number.
 */
int store_number_add(struct store *st, struct store_number *n)
{
	struct store_number v;
	int err;

	if (!st || !n || n->tenant_id < 0 || !phone_is_e164(n->e164))
		return EINVAL;

	v = *n;
	err = block_find(st, &v);
	if (err)
		return err;

	err = store_target_check(st, v.target_type, v.target_id, v.tenant_id);
	if (err)
		return err;

	if (!v.created_at)
		v.created_at = time_now_ms();
	if (v.target_type == TARGET_NONE)
		v.target_id = 0;
	v.personal = false;

	err = store_row_add(st, S_NUM_ADD, &number_rec, &v);
	if (!err)
		*n = v;

	return err;
}

int store_number_get(struct store *st, int64_t id, struct store_number *n)
{
	return store_row_get(st, S_NUM_GET, id, &number_rec, n);
}

/* The router's lookup for every inbound call. */
int store_number_by_e164(struct store *st, const char *e164,
			 struct store_number *n)
{
	return store_row_find(st, S_NUM_BY_E164, e164, &number_rec, n);
}

/* The body of store_number_update(), inside its transaction. */
static int number_update(struct store *st, void *arg)
{
	const struct store_number *n = arg;
	struct store_number cur, v = *n;
	int64_t owner = 0;
	int err;

	err = store_number_get(st, n->id, &cur);
	if (err)
		return err;

	if (!cur.personal) {
		err = store_target_check(st, n->target_type, n->target_id,
					 cur.tenant_id);
		if (err)
			return err;
		return store_number_route(st, cur.id, n);
	}

	err = store_run(st, S_EMP_BY_PERSONAL, EIO, &owner, "i", cur.id);
	if (err)
		return err;

	/* deactivating it takes it from the employee (a fault) */
	if (!n->active) {
		err =
		    store_run(st, S_NUM_UNSET_PERSONAL, EIO, NULL, "i", cur.id);
		if (err)
			return err;
		v.target_type = TARGET_NONE;
		return store_number_route(st, cur.id, &v);
	}

	if (n->target_type != TARGET_EMPLOYEE || n->target_id != owner)
		return EPERM;

	return store_number_route(st, cur.id, n);
}

int store_number_update(struct store *st, const struct store_number *n)
{
	if (!st || !n || n->id <= 0)
		return EINVAL;

	return store_tx(st, number_update, (void *)n);
}

/* The body of store_number_delete(), inside its transaction. */
static int number_delete(struct store *st, void *arg)
{
	const int64_t id = *(const int64_t *)arg;
	int64_t v = 0;
	int err;

	err = store_run(st, S_NUM_UNSET_PERSONAL, EIO, NULL, "i", id);
	if (!err)
		err = store_run(st, S_NUM_DELETE, EBUSY, &v, "i", id);

	return err ? err : v ? 0 : ENOENT;
}

/* A personal number is taken from its employee first (who shows a fault). */
int store_number_delete(struct store *st, int64_t id)
{
	if (!st || id <= 0)
		return EINVAL;

	return store_tx(st, number_delete, &id);
}

/* tenant_id 0 = all tenants. */
int store_number_list(struct store *st, int64_t tenant_id, store_number_h *h,
		      void *arg)
{
	return store_row_list(st, S_NUM_LIST, tenant_id, &number_rec,
			      (store_fn *)h, arg);
}
