/*
 * sqlite_vip.c - VIP callers in the SQLite store (migrations 17, 25): an
 * E.164 caller ID of a tenant with the name and note (info) an agent
 * sees, of the whole company (employee_id NULL) or of one employee of
 * the tenant; a number is a VIP once per tenant (a unique index on
 * tenant and number).  An employee's VIPs go with it (ON DELETE CASCADE).
 */
#include "core/core.h"
#include "store/sqlite_int.h"

#define VIP_SELECT                                                             \
	"SELECT id, tenant_id, coalesce(employee_id, 0), number, name, note,"  \
	" created_at FROM vip_callers"

static const struct store_sql sql[] = {
    {S_VIP_ADD, "vip add",
     "INSERT INTO vip_callers (tenant_id, employee_id, number, name, note,"
     " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id"},
    {S_VIP_GET, "vip get", VIP_SELECT " WHERE id = ?1"},
    {S_VIP_UPDATE, "vip update",
     "UPDATE vip_callers SET employee_id = ?2, number = ?3, name = ?4,"
     " note = ?5 WHERE id = ?1"},
    {S_VIP_DELETE, "vip delete", "DELETE FROM vip_callers WHERE id = ?1"},
    {S_VIP_LIST, "vip list",
     VIP_SELECT " WHERE (?1 = 0 OR tenant_id = ?1)"
		" AND (?2 = 0 OR employee_id = ?2) ORDER BY id"},
    {S_VIP_FIND, "vip find",
     VIP_SELECT " WHERE tenant_id = ?1 AND number = ?2"},
    {S_VIP_TENANT, "vip tenant",
     "SELECT tenant_id FROM vip_callers WHERE id = ?1"},
};

const struct store_sqlset store_sql_vip = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_vip, id),
    STORE_COL(SC_I64, SC_ADD, store_vip, tenant_id),
    STORE_COL(SC_REF, SC_ADD | SC_UPD, store_vip, employee_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_vip, number),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_vip, name),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_vip, note),
    STORE_COL(SC_U64, SC_ADD, store_vip, created_at),
};

STORE_RECORD(vip_rec, store_vip, store_vip_h, cols);

static bool vip_valid(const struct store_vip *v)
{
	return v && phone_is_e164(v->number) && str_isset(v->name) &&
	       v->employee_id >= 0;
}

int store_vip_add(struct store *st, struct store_vip *v)
{
	int err;

	if (!st || !vip_valid(v) || v->tenant_id <= 0)
		return EINVAL;
	err = store_employee_of_tenant(st, v->employee_id, v->tenant_id);
	if (err)
		return err;
	if (!v->created_at)
		v->created_at = time_now_ms();
	return store_row_add(st, S_VIP_ADD, &vip_rec, v);
}

int store_vip_get(struct store *st, int64_t id, struct store_vip *v)
{
	return store_row_get(st, S_VIP_GET, id, &vip_rec, v);
}

int store_vip_update(struct store *st, const struct store_vip *v)
{
	int64_t tenant;
	int err;

	if (!st || !vip_valid(v) || v->id <= 0)
		return EINVAL;
	if (v->employee_id) {
		err = store_tenant_of(st, S_VIP_TENANT, v->id, &tenant);
		if (!err)
			err = store_employee_of_tenant(st, v->employee_id,
						       tenant);
		if (err)
			return err;
	}
	return store_row_update(st, S_VIP_UPDATE, &vip_rec, v);
}

int store_vip_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_COUNT, S_VIP_DELETE, id);
}

int store_vip_list(struct store *st, int64_t tenant_id, int64_t employee_id,
		   store_vip_h *h, void *arg)
{
	if (!st || tenant_id < 0 || employee_id < 0 || !h)
		return EINVAL;
	return store_row_query(st, S_VIP_LIST, &vip_rec, NULL, (store_fn *)h,
			       arg, "ii", tenant_id, employee_id);
}

int store_vip_find(struct store *st, int64_t tenant_id, const char *number,
		   struct store_vip *v)
{
	if (!st || tenant_id <= 0 || !str_isset(number) || !v)
		return EINVAL;
	return store_row_query(st, S_VIP_FIND, &vip_rec, v, NULL, NULL, "is",
			       tenant_id, number);
}
