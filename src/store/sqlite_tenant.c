/*
 * sqlite_tenant.c - tenants in the SQLite store: the companies the system
 * serves, each with its dialling context (country and area code) and its
 * central number.
 *
 * A tenant is deleted only when nothing of it is left (employees, devices,
 * numbers, blocks, announcements, own trunks): the API answers 409 instead
 * of deleting a company's data by accident.  Its API tokens go with it.
 * A tenant's id is never given to a new tenant: a deleted client's
 * invoices are kept under it (migration 42) and its deletion request
 * too, so a new id is above all of those.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define TENANT_SELECT                                                          \
	"SELECT id, name, country_code, area_code, central_number,"            \
	" language, moh_prompt, created_at FROM tenants"

static const struct store_sql sql[] = {
    {S_TENANT_ANY, "is empty",
     "SELECT CAST(EXISTS (SELECT 1 FROM tenants) AS INTEGER)"},
    {S_TENANT_EXISTS, "tenant exists", "SELECT id FROM tenants WHERE id = ?1"},
    {S_TENANT_ADD, "tenant add",
     "INSERT INTO tenants (id, name, country_code, area_code,"
     " central_number, language, moh_prompt, created_at)"
     " VALUES ((SELECT coalesce(max(m), 0) + 1 FROM"
     " (SELECT max(id) AS m FROM tenants"
     " UNION ALL SELECT max(tenant_id) FROM invoices"
     " UNION ALL SELECT max(tenant_id) FROM tenant_deletions) AS u),"
     " ?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id"},
    {S_TENANT_GET, "tenant get", TENANT_SELECT " WHERE id = ?1"},
    {S_TENANT_UPDATE, "tenant update",
     "UPDATE tenants SET name = ?2, country_code = ?3,"
     " area_code = ?4, central_number = ?5, language = ?6,"
     " moh_prompt = ?7 WHERE id = ?1"},
    {S_TENANT_INUSE, "tenant delete",
     "SELECT CAST(EXISTS (SELECT 1 FROM employees WHERE tenant_id = ?1)"
     " OR EXISTS (SELECT 1 FROM devices WHERE tenant_id = ?1)"
     " OR EXISTS (SELECT 1 FROM numbers WHERE tenant_id = ?1)"
     " OR EXISTS (SELECT 1 FROM number_blocks WHERE tenant_id = ?1)"
     " OR EXISTS (SELECT 1 FROM announcements WHERE tenant_id = ?1)"
     " OR EXISTS (SELECT 1 FROM trunks WHERE tenant_id = ?1)"
     " OR EXISTS (SELECT 1 FROM schedules WHERE tenant_id = ?1)"
     " OR EXISTS (SELECT 1 FROM ivr_menus WHERE tenant_id = ?1)"
     " OR EXISTS (SELECT 1 FROM prompts WHERE tenant_id = ?1)"
     " OR EXISTS (SELECT 1 FROM external_targets WHERE tenant_id = ?1)"
     " OR EXISTS (SELECT 1 FROM ring_groups WHERE tenant_id = ?1)"
     " OR EXISTS (SELECT 1 FROM queues WHERE tenant_id = ?1) AS INTEGER)"},
    {S_TENANT_DELETE, "tenant delete", "DELETE FROM tenants WHERE id = ?1"},
    {S_TENANT_LIST, "tenant list", TENANT_SELECT " ORDER BY id"},
};

const struct store_sqlset store_sql_tenant = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_tenant, id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_tenant, name),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_tenant, country_code),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_tenant, area_code),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_tenant, central_number),
    STORE_ENUM(SC_ADD | SC_UPD, store_tenant, language, &store_names_language),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_tenant, moh_prompt),
    STORE_COL(SC_U64, SC_ADD, store_tenant, created_at),
};

STORE_RECORD(tenant_rec, store_tenant, store_tenant_h, cols);

/* False on error too: a failing store must not look empty (and be seeded
 * with demo data). */
bool store_is_empty(struct store *st)
{
	int64_t any = 1;

	if (!st || store_run(st, S_TENANT_ANY, EIO, &any, ""))
		return false;

	return !any;
}

static bool tenant_valid(const struct store_tenant *t)
{
	return t && str_isset(t->name) && store_str_isdigits(t->country_code) &&
	       store_str_isdigits(t->area_code) &&
	       (!t->central_number[0] || phone_is_e164(t->central_number)) &&
	       t->moh_prompt[0] != '/' && !strstr(t->moh_prompt, "..");
}

static int tenant_insert(struct store *st, void *arg)
{
	return store_row_add(st, S_TENANT_ADD, &tenant_rec, arg);
}

int store_tenant_add(struct store *st, struct store_tenant *t)
{
	if (!st || !tenant_valid(t))
		return EINVAL;

	if (!t->created_at)
		t->created_at = time_now_ms();

	/* the id is the largest ever + 1, read by the insert itself: on
	 * PostgreSQL two nodes adding at once would read the same one
	 * (READ COMMITTED), so the insert runs under the write lock */
	return store_tx(st, tenant_insert, t);
}

int store_tenant_get(struct store *st, int64_t id, struct store_tenant *t)
{
	return store_row_get(st, S_TENANT_GET, id, &tenant_rec, t);
}

int store_tenant_update(struct store *st, const struct store_tenant *t)
{
	if (!st || !tenant_valid(t) || t->id <= 0)
		return EINVAL;

	return store_row_update(st, S_TENANT_UPDATE, &tenant_rec, t);
}

/* The tenant's API tokens go with it (ON DELETE CASCADE). */
int store_tenant_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_TENANT_INUSE, S_TENANT_DELETE, id);
}

int store_tenant_list(struct store *st, store_tenant_h *h, void *arg)
{
	return store_row_list(st, S_TENANT_LIST, 0, &tenant_rec, (store_fn *)h,
			      arg);
}
