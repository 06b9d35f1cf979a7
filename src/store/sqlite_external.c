/*
 * sqlite_external.c - external numbers as targets, in the SQLite store:
 * a named E.164 number of a tenant (and how long it may ring) that a
 * number, a menu's key, a schedule's state or a fallback routes to
 * (TARGET_EXTERNAL).  One that something routes to cannot be deleted
 * (the route_refs view).
 */
#include "core/core.h"
#include "store/sqlite_int.h"

#define EXT_SELECT                                                             \
	"SELECT id, tenant_id, name, number, ring_timeout, created_at"         \
	" FROM external_targets"

/* route_refs names targets by their enum value (S_EXT_INUSE) */
_Static_assert(TARGET_EXTERNAL == 6, "S_EXT_INUSE: type of TARGET_EXTERNAL");

static const struct store_sql sql[] = {
    {S_EXT_TENANT, "external tenant",
     "SELECT tenant_id FROM external_targets WHERE id = ?1"},
    {S_EXT_ADD, "external add",
     "INSERT INTO external_targets (tenant_id, name, number, ring_timeout,"
     " created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id"},
    {S_EXT_GET, "external get", EXT_SELECT " WHERE id = ?1"},
    {S_EXT_UPDATE, "external update",
     "UPDATE external_targets SET name = ?2, number = ?3, ring_timeout = ?4"
     " WHERE id = ?1"},
    {S_EXT_INUSE, "external delete",
     "SELECT CAST(EXISTS (SELECT 1 FROM route_refs WHERE type = 6 AND id = ?1) "
     "AS INTEGER)"},
    {S_EXT_DELETE, "external delete",
     "DELETE FROM external_targets WHERE id = ?1"},
    {S_EXT_LIST, "external list",
     EXT_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id"},
};

const struct store_sqlset store_sql_external = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_external, id),
    STORE_COL(SC_I64, SC_ADD, store_external, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_external, name),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_external, number),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_external, ring_timeout),
    STORE_COL(SC_U64, SC_ADD, store_external, created_at),
};

STORE_RECORD(external_rec, store_external, store_external_h, cols);

static bool external_valid(const struct store_external *x)
{
	return x && str_isset(x->name) && phone_is_e164(x->number) &&
	       x->ring_timeout <= 300;
}

int store_external_add(struct store *st, struct store_external *x)
{
	if (!st || !external_valid(x) || x->tenant_id <= 0)
		return EINVAL;
	if (!x->created_at)
		x->created_at = time_now_ms();
	return store_row_add(st, S_EXT_ADD, &external_rec, x);
}

int store_external_get(struct store *st, int64_t id, struct store_external *x)
{
	return store_row_get(st, S_EXT_GET, id, &external_rec, x);
}

int store_external_update(struct store *st, const struct store_external *x)
{
	if (!st || !external_valid(x) || x->id <= 0)
		return EINVAL;
	return store_row_update(st, S_EXT_UPDATE, &external_rec, x);
}

int store_external_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_EXT_INUSE, S_EXT_DELETE, id);
}

int store_external_list(struct store *st, int64_t tenant_id,
			store_external_h *h, void *arg)
{
	return store_row_list(st, S_EXT_LIST, tenant_id, &external_rec,
			      (store_fn *)h, arg);
}
