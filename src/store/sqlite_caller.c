/*
 * sqlite_caller.c - a tenant's allow and block lists, the operator's
 * shared advertising list and a tenant's caller settings in the SQLite
 * store (migration 25).  An entry's number is an E.164 number or a prefix
 * ending in '*'; the entries that match a caller are found in SQL (the
 * number itself, or a prefix it starts with), which one decides is
 * secretariat/callers.c's.  An employee's allow entries go with it.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

static const char *const list_v[] = {
    [STORE_CALLER_ALLOW] = "allow",
    [STORE_CALLER_BLOCK] = "block",
};

const struct store_names store_names_caller_list = {list_v, ARRAY_SIZE(list_v)};

/* number is the entry's; ?N the caller's E.164 number */
#define MATCH(n)                                                               \
	"(number = " n " OR (substr(number, length(number), 1) = '*' AND"      \
	" substr(" n ", 1, length(number) - 1) ="                              \
	" substr(number, 1, length(number) - 1)))"

#define CE_SELECT                                                              \
	"SELECT id, tenant_id, list, coalesce(employee_id, 0), number, note,"  \
	" expires_at, created_at FROM caller_entries"

#define AD_SELECT "SELECT id, number, note, created_at FROM ad_callers"

static const struct store_sql sql[] = {
    {S_CE_ADD, "caller entry add",
     "INSERT INTO caller_entries (tenant_id, list, employee_id, number,"
     " note, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
     "RETURNING id"},
    {S_CE_GET, "caller entry get", CE_SELECT " WHERE id = ?1"},
    {S_CE_UPDATE, "caller entry update",
     "UPDATE caller_entries SET list = ?2, employee_id = ?3, number = ?4,"
     " note = ?5, expires_at = ?6 WHERE id = ?1"},
    {S_CE_DELETE, "caller entry delete",
     "DELETE FROM caller_entries WHERE id = ?1"},
    {S_CE_LIST, "caller entry list",
     CE_SELECT " WHERE (?1 = 0 OR tenant_id = ?1) AND (?2 = '' OR list = ?2)"
	       " ORDER BY id"},
    {S_CE_MATCH, "caller entry match",
     CE_SELECT " WHERE tenant_id = ?1 AND " MATCH("?2") " ORDER BY id"},
    {S_CE_TENANT, "caller entry tenant",
     "SELECT tenant_id FROM caller_entries WHERE id = ?1"},
    {S_AD_ADD, "ad caller add",
     "INSERT INTO ad_callers (number, note, created_at) VALUES (?1, ?2, ?3) "
     "RETURNING id"},
    {S_AD_GET, "ad caller get", AD_SELECT " WHERE id = ?1"},
    {S_AD_UPDATE, "ad caller update",
     "UPDATE ad_callers SET number = ?2, note = ?3 WHERE id = ?1"},
    {S_AD_DELETE, "ad caller delete", "DELETE FROM ad_callers WHERE id = ?1"},
    {S_AD_LIST, "ad caller list", AD_SELECT " ORDER BY id"},
    {S_AD_MATCH, "ad caller match",
     AD_SELECT " WHERE " MATCH("?1") " ORDER BY id LIMIT 1"},
    {S_CSET_GET, "caller settings get",
     "SELECT t.id, coalesce(c.block_advertising, 0),"
     " coalesce(c.block_anonymous, 0), coalesce(c.updated_at, 0)"
     " FROM tenants t LEFT JOIN caller_settings c ON c.tenant_id = t.id"
     " WHERE t.id = ?1"},
    {S_CSET_SET, "caller settings set",
     "INSERT INTO caller_settings (tenant_id, block_advertising,"
     " block_anonymous, updated_at) VALUES (?1, ?2, ?3, ?4)"
     " ON CONFLICT (tenant_id) DO UPDATE"
     " SET block_advertising = excluded.block_advertising,"
     " block_anonymous = excluded.block_anonymous,"
     " updated_at = excluded.updated_at"},
};

const struct store_sqlset store_sql_caller = STORE_SQLSET(sql);

static const struct store_col ce_cols[] = {
    STORE_COL(SC_I64, 0, store_caller_entry, id),
    STORE_COL(SC_I64, SC_ADD, store_caller_entry, tenant_id),
    STORE_ENUM(SC_ADD | SC_UPD, store_caller_entry, list,
	       &store_names_caller_list),
    STORE_COL(SC_REF, SC_ADD | SC_UPD, store_caller_entry, employee_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_caller_entry, number),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_caller_entry, note),
    STORE_COL(SC_U64, SC_ADD | SC_UPD, store_caller_entry, expires_at),
    STORE_COL(SC_U64, SC_ADD, store_caller_entry, created_at),
};

STORE_RECORD(ce_rec, store_caller_entry, store_caller_entry_h, ce_cols);

static const struct store_col ad_cols[] = {
    STORE_COL(SC_I64, 0, store_ad_caller, id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_ad_caller, number),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_ad_caller, note),
    STORE_COL(SC_U64, SC_ADD, store_ad_caller, created_at),
};

STORE_RECORD(ad_rec, store_ad_caller, store_ad_caller_h, ad_cols);

static const struct store_col cset_cols[] = {
    STORE_COL(SC_I64, 0, store_caller_settings, tenant_id),
    STORE_COL(SC_BOOL, 0, store_caller_settings, block_advertising),
    STORE_COL(SC_BOOL, 0, store_caller_settings, block_anonymous),
    STORE_COL(SC_U64, 0, store_caller_settings, updated_at),
};

typedef int(cset_h)(const struct store_caller_settings *s, void *arg);
STORE_RECORD(cset_rec, store_caller_settings, cset_h, cset_cols);

/* An E.164 number, or '+' and 2..14 digits (the first not 0) and '*'. */
static bool number_ok(const char *s)
{
	size_t n, i;

	if (phone_is_e164(s))
		return true;
	n = strlen(s);
	if (n < 4 || n > 16 || s[0] != '+' || s[1] == '0' || s[n - 1] != '*')
		return false;
	for (i = 1; i < n - 1; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

static bool ce_valid(const struct store_caller_entry *e)
{
	return e && number_ok(e->number) && e->employee_id >= 0 &&
	       (e->list == STORE_CALLER_ALLOW ||
		(e->list == STORE_CALLER_BLOCK && !e->employee_id));
}

int store_caller_entry_add(struct store *st, struct store_caller_entry *e)
{
	int err;

	if (!st || !ce_valid(e) || e->tenant_id <= 0)
		return EINVAL;
	err = store_employee_of_tenant(st, e->employee_id, e->tenant_id);
	if (err)
		return err;
	if (!e->created_at)
		e->created_at = time_now_ms();
	return store_row_add(st, S_CE_ADD, &ce_rec, e);
}

int store_caller_entry_get(struct store *st, int64_t id,
			   struct store_caller_entry *e)
{
	return store_row_get(st, S_CE_GET, id, &ce_rec, e);
}

int store_caller_entry_update(struct store *st,
			      const struct store_caller_entry *e)
{
	int64_t tenant;
	int err;

	if (!st || !ce_valid(e) || e->id <= 0)
		return EINVAL;
	if (e->employee_id) {
		err = store_tenant_of(st, S_CE_TENANT, e->id, &tenant);
		if (!err)
			err = store_employee_of_tenant(st, e->employee_id,
						       tenant);
		if (err)
			return err;
	}
	return store_row_update(st, S_CE_UPDATE, &ce_rec, e);
}

int store_caller_entry_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_COUNT, S_CE_DELETE, id);
}

int store_caller_entry_list(struct store *st, int64_t tenant_id, int list,
			    store_caller_entry_h *h, void *arg)
{
	const char *name = "";

	if (!st || tenant_id < 0 || !h || list < -1 ||
	    list >= (int)ARRAY_SIZE(list_v))
		return EINVAL;
	if (list >= 0)
		name = list_v[list];
	return store_row_query(st, S_CE_LIST, &ce_rec, NULL, (store_fn *)h, arg,
			       "is", tenant_id, name);
}

int store_caller_entry_match(struct store *st, int64_t tenant_id,
			     const char *number, store_caller_entry_h *h,
			     void *arg)
{
	if (!st || tenant_id <= 0 || !phone_is_e164(number) || !h)
		return EINVAL;
	return store_row_query(st, S_CE_MATCH, &ce_rec, NULL, (store_fn *)h,
			       arg, "is", tenant_id, number);
}

int store_ad_caller_add(struct store *st, struct store_ad_caller *a)
{
	if (!st || !a || !number_ok(a->number))
		return EINVAL;
	if (!a->created_at)
		a->created_at = time_now_ms();
	return store_row_add(st, S_AD_ADD, &ad_rec, a);
}

int store_ad_caller_get(struct store *st, int64_t id, struct store_ad_caller *a)
{
	return store_row_get(st, S_AD_GET, id, &ad_rec, a);
}

int store_ad_caller_update(struct store *st, const struct store_ad_caller *a)
{
	if (!st || !a || !number_ok(a->number) || a->id <= 0)
		return EINVAL;
	return store_row_update(st, S_AD_UPDATE, &ad_rec, a);
}

int store_ad_caller_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_COUNT, S_AD_DELETE, id);
}

int store_ad_caller_list(struct store *st, store_ad_caller_h *h, void *arg)
{
	if (!st || !h)
		return EINVAL;
	return store_row_query(st, S_AD_LIST, &ad_rec, NULL, (store_fn *)h, arg,
			       "");
}

int store_ad_caller_match(struct store *st, const char *number,
			  struct store_ad_caller *a)
{
	if (!st || !phone_is_e164(number) || !a)
		return EINVAL;
	return store_row_query(st, S_AD_MATCH, &ad_rec, a, NULL, NULL, "s",
			       number);
}

int store_caller_settings_get(struct store *st, int64_t tenant_id,
			      struct store_caller_settings *s)
{
	return store_row_get(st, S_CSET_GET, tenant_id, &cset_rec, s);
}

int store_caller_settings_set(struct store *st,
			      const struct store_caller_settings *s)
{
	if (!st || !s || s->tenant_id <= 0)
		return EINVAL;
	return store_run(st, S_CSET_SET, ENOENT, NULL, "iddu", s->tenant_id,
			 (int)s->block_advertising, (int)s->block_anonymous,
			 s->updated_at ? s->updated_at : time_now_ms());
}
