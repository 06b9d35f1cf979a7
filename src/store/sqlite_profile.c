/*
 * sqlite_profile.c - the versions of a client's profile in the SQLite
 * store (migration 21).  A row holds one version's JSON texts whole
 * (given, settings) and its change summary; they are read into objects
 * of their own (struct store_profile_version with owned strings), as a
 * profile can be far longer than the fixed fields of other records.
 * What the JSON means is secretariat/profile.c's business: the store
 * only keeps rows, numbers versions and refuses to cancel one that has
 * taken effect (the one rule that keeps the past immutable).
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define PV_SELECT                                                              \
	"SELECT id, tenant_id, version, effective_from, created_at,"           \
	" created_by, coalesce(cancelled_at, 0), cancelled_by, given,"         \
	" settings, changed FROM profile_versions"

static const struct store_sql sql[] = {
    {S_PROFILE_NEXT, "profile next",
     "SELECT coalesce(max(version), 0) + 1 FROM profile_versions"
     " WHERE tenant_id = ?1"},
    {S_PROFILE_ADD, "profile add",
     "INSERT INTO profile_versions (tenant_id, version, effective_from,"
     " created_at, created_by, given, settings, changed)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id"},
    {S_PROFILE_GET, "profile get",
     PV_SELECT " WHERE tenant_id = ?1 AND version = ?2"},
    {S_PROFILE_AT, "profile at",
     PV_SELECT " WHERE tenant_id = ?1 AND cancelled_at IS NULL"
	       " AND effective_from <= ?2"
	       " ORDER BY effective_from DESC, version DESC LIMIT 1"},
    {S_PROFILE_LIST, "profile list",
     PV_SELECT " WHERE tenant_id = ?1 ORDER BY version"},
    {S_PROFILE_REWRITE, "profile rewrite",
     "UPDATE profile_versions SET settings = ?2, changed = ?3"
     " WHERE id = ?1 AND cancelled_at IS NULL"},
    {S_PROFILE_CANCEL, "profile cancel",
     "UPDATE profile_versions SET cancelled_at = ?2, cancelled_by = ?3"
     " WHERE id = ?1 AND cancelled_at IS NULL AND effective_from > ?2"},
};

const struct store_sqlset store_sql_profile = STORE_SQLSET(sql);

static void destructor(void *arg)
{
	struct store_profile_version *v = arg;

	mem_deref(v->given);
	mem_deref(v->settings);
	mem_deref(v->changed);
}

int store_profile_alloc(struct store_profile_version **vp)
{
	struct store_profile_version *v;

	if (!vp)
		return EINVAL;
	v = mem_zalloc(sizeof(*v), destructor);
	if (!v)
		return ENOMEM;
	*vp = v;
	return 0;
}

/* Column i of s as a new string ("" for NULL). */
static int col_dup(struct db_stmt *s, int i, char **strp)
{
	const char *t = db_column_text(s, i);

	return str_dup(strp, t ? t : "");
}

/* The current row of s (PV_SELECT) into v, whose strings it replaces. */
static int row_read(struct db_stmt *s, struct store_profile_version *v)
{
	int err;

	v->id = db_column_int64(s, 0);
	v->tenant_id = db_column_int64(s, 1);
	v->version = db_column_int64(s, 2);
	v->effective_from = store_col_u64(s, 3);
	v->created_at = store_col_u64(s, 4);
	store_col_text(s, 5, v->created_by, sizeof(v->created_by));
	v->cancelled_at = store_col_u64(s, 6);
	store_col_text(s, 7, v->cancelled_by, sizeof(v->cancelled_by));
	v->given = mem_deref(v->given);
	v->settings = mem_deref(v->settings);
	v->changed = mem_deref(v->changed);
	err = col_dup(s, 8, &v->given);
	err |= col_dup(s, 9, &v->settings);
	err |= col_dup(s, 10, &v->changed);
	return err ? ENOMEM : 0;
}

/* Walk statement sid bound by "ii" (tenant, x): with h NULL, the first
 * row into a new *vp (ENOENT if none); else h per row. */
static int query(struct store *st, enum store_sql_id sid, int64_t tenant_id,
		 int64_t x, struct store_profile_version **vp,
		 store_profile_h *h, void *arg)
{
	struct store_profile_version *v = NULL;
	struct db_stmt *s;
	int rc, err;

	err = store_profile_alloc(&v);
	if (err)
		return err;
	err = store_stmt_bind(st, sid, &s, "ii", tenant_id, x);
	if (err)
		goto out;
	err = ENOENT;
	while ((rc = db_step(s)) == DB_ROW) {
		err = row_read(s, v);
		if (err || !h)
			break;
		err = h(v, arg);
		if (err)
			break;
	}
	if (rc != DB_ROW && rc != DB_DONE)
		err = store_dberr(st, rc, sid, EIO);
	else if (h && err == ENOENT)
		err = 0;
	store_stmt_put(st, sid, s);
	if (!err && !h) {
		*vp = v;
		v = NULL;
	}
out:
	mem_deref(v);
	return err;
}

int store_profile_get(struct store *st, int64_t tenant_id, int64_t version,
		      struct store_profile_version **vp)
{
	if (!st || tenant_id <= 0 || version <= 0 || !vp)
		return EINVAL;
	return query(st, S_PROFILE_GET, tenant_id, version, vp, NULL, NULL);
}

int store_profile_at(struct store *st, int64_t tenant_id, uint64_t at,
		     struct store_profile_version **vp)
{
	if (!st || tenant_id <= 0 || !vp || at > INT64_MAX)
		return EINVAL;
	return query(st, S_PROFILE_AT, tenant_id, (int64_t)at, vp, NULL, NULL);
}

int store_profile_list(struct store *st, int64_t tenant_id, store_profile_h *h,
		       void *arg)
{
	if (!st || tenant_id <= 0 || !h)
		return EINVAL;
	return query(st, S_PROFILE_LIST, tenant_id, 0, NULL, h, arg);
}

static bool json_set(const char *s)
{
	return s && s[0] == '{';
}

static int add_row(struct store *st, struct store_profile_version *v)
{
	int64_t next = 0, id = 0;
	int err;

	if (v->tenant_id <= 0 || !json_set(v->given) || !json_set(v->settings))
		return EINVAL;
	err = store_run(st, S_PROFILE_NEXT, EIO, &next, "i", v->tenant_id);
	if (err)
		return err;
	if (!v->created_at)
		v->created_at = time_now_ms();
	err =
	    store_run(st, S_PROFILE_ADD, ENOENT, &id, "iiuussss", v->tenant_id,
		      next, v->effective_from, v->created_at, v->created_by,
		      v->given, v->settings, v->changed ? v->changed : "");
	if (err)
		return err;
	v->id = id;
	v->version = next;
	return 0;
}

static int save(struct store *st, void *arg)
{
	struct store_profile_change *c = arg;
	int64_t n = 0;
	size_t i;
	int err;

	if (c->add) {
		err = add_row(st, c->add);
		if (err)
			return err;
	}
	if (c->cancel_id) {
		err = store_run(st, S_PROFILE_CANCEL, EIO, &n, "ius",
				c->cancel_id, c->cancel_at, c->cancel_by);
		if (err)
			return err;
		if (n != 1)
			return EBUSY;
	}
	for (i = 0; i < c->rewc; i++) {
		const struct store_profile_version *v = c->rewv[i];

		if (!v || !json_set(v->settings))
			return EINVAL;
		err = store_run(st, S_PROFILE_REWRITE, EIO, &n, "iss", v->id,
				v->settings, v->changed ? v->changed : "");
		if (err)
			return err;
		if (n != 1)
			return ENOENT;
	}
	return 0;
}

int store_profile_save(struct store *st, struct store_profile_change *c)
{
	int err;

	if (!st || !c || (c->cancel_id && c->cancel_at > INT64_MAX))
		return EINVAL;
	err = store_tx(st, save, c);
	if (err && c->add) {
		c->add->id = 0;
		c->add->version = 0;
	}
	return err;
}
