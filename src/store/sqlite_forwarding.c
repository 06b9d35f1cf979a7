/*
 * sqlite_forwarding.c - forwardings in the SQLite store (migration 26): a
 * client's own number (E.164, unique over all tenants) that forwards its
 * calls to us, and where those calls go (a target of the tenant, checked
 * as numbers' are; route_refs keeps the target from being deleted).
 */
#include "core/core.h"
#include "store/sqlite_int.h"

#define FWD_SELECT                                                             \
	"SELECT id, tenant_id, number, target_type, target_id, description,"   \
	" created_at FROM forwardings"

static const struct store_sql sql[] = {
    {S_FWD_ADD, "forwarding add",
     "INSERT INTO forwardings (tenant_id, number, target_type, target_id,"
     " description, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id"},
    {S_FWD_GET, "forwarding get", FWD_SELECT " WHERE id = ?1"},
    {S_FWD_UPDATE, "forwarding update",
     "UPDATE forwardings SET number = ?2, target_type = ?3, target_id = ?4,"
     " description = ?5 WHERE id = ?1"},
    {S_FWD_DELETE, "forwarding delete",
     "DELETE FROM forwardings WHERE id = ?1"},
    {S_FWD_LIST, "forwarding list",
     FWD_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id"},
    {S_FWD_FIND, "forwarding find", FWD_SELECT " WHERE number = ?1"},
};

const struct store_sqlset store_sql_forwarding = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_forwarding, id),
    STORE_COL(SC_I64, SC_ADD, store_forwarding, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_forwarding, number),
    STORE_COL(SC_INT, SC_ADD | SC_UPD, store_forwarding, target.type),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, store_forwarding, target.id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_forwarding, description),
    STORE_COL(SC_U64, SC_ADD, store_forwarding, created_at),
};

STORE_RECORD(fwd_rec, store_forwarding, store_forwarding_h, cols);

static bool fwd_valid(const struct store_forwarding *f)
{
	return f && phone_is_e164(f->number) && f->target.type != TARGET_NONE &&
	       f->target.id > 0;
}

int store_forwarding_add(struct store *st, struct store_forwarding *f)
{
	int err;

	if (!st || !fwd_valid(f) || f->tenant_id <= 0)
		return EINVAL;
	err =
	    store_target_check(st, f->target.type, f->target.id, f->tenant_id);
	if (err)
		return err;
	if (!f->created_at)
		f->created_at = time_now_ms();
	return store_row_add(st, S_FWD_ADD, &fwd_rec, f);
}

int store_forwarding_get(struct store *st, int64_t id,
			 struct store_forwarding *f)
{
	return store_row_get(st, S_FWD_GET, id, &fwd_rec, f);
}

/* The tenant is the stored one: the target is checked against it. */
int store_forwarding_update(struct store *st, const struct store_forwarding *f)
{
	struct store_forwarding cur;
	int err;

	if (!st || !fwd_valid(f) || f->id <= 0)
		return EINVAL;
	err = store_forwarding_get(st, f->id, &cur);
	if (err)
		return err;
	err =
	    store_target_check(st, f->target.type, f->target.id, cur.tenant_id);
	if (err)
		return err;
	return store_row_update(st, S_FWD_UPDATE, &fwd_rec, f);
}

int store_forwarding_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_COUNT, S_FWD_DELETE, id);
}

int store_forwarding_list(struct store *st, int64_t tenant_id,
			  store_forwarding_h *h, void *arg)
{
	return store_row_list(st, S_FWD_LIST, tenant_id, &fwd_rec,
			      (store_fn *)h, arg);
}

int store_forwarding_find(struct store *st, const char *number,
			  struct store_forwarding *f)
{
	if (!st || !str_isset(number) || !f)
		return EINVAL;
	return store_row_find(st, S_FWD_FIND, number, &fwd_rec, f);
}
