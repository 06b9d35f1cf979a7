/*
 * sqlite_announcement.c - announcements in the SQLite store: a named WAV
 * file of a tenant that a number can route to.
 *
 * The file name is relative to the prompts directory and may not leave
 * it (no absolute path, no ".." step), so the API cannot make the media
 * player open an arbitrary file.  An announcement that a number targets
 * cannot be deleted.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define ANN_SELECT                                                             \
	"SELECT id, tenant_id, name, file, created_at FROM announcements"

static const struct store_sql sql[] = {
    {S_ANN_TENANT, "announcement tenant",
     "SELECT tenant_id FROM announcements WHERE id = ?1"},
    {S_ANN_ADD, "announcement add",
     "INSERT INTO announcements (tenant_id, name, file,"
     " created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id"},
    {S_ANN_GET, "announcement get", ANN_SELECT " WHERE id = ?1"},
    {S_ANN_UPDATE, "announcement update",
     "UPDATE announcements SET name = ?2, file = ?3 WHERE id = ?1"},
    {S_ANN_INUSE, "announcement delete",
     "SELECT CAST(EXISTS (SELECT 1 FROM route_refs WHERE type = 2 AND id = ?1) "
     "AS INTEGER)"},
    {S_ANN_DELETE, "announcement delete",
     "DELETE FROM announcements WHERE id = ?1"},
    {S_ANN_LIST, "announcement list",
     ANN_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id"},
};

const struct store_sqlset store_sql_announcement = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_announcement, id),
    STORE_COL(SC_I64, SC_ADD, store_announcement, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_announcement, name),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_announcement, file),
    STORE_COL(SC_U64, SC_ADD, store_announcement, created_at),
};

STORE_RECORD(announcement_rec, store_announcement, store_announcement_h, cols);

/* A name, and a file inside the prompts directory: relative, no "..". */
static bool announcement_valid(const struct store_announcement *a)
{
	const char *p;

	if (!a || !str_isset(a->name) || !str_isset(a->file) ||
	    a->file[0] == '/')
		return false;

	for (p = a->file; p; p = strchr(p, '/')) {
		if (*p == '/')
			++p;
		if (!strncmp(p, "..", 2) && (p[2] == '/' || p[2] == '\0'))
			return false;
	}

	return true;
}

int store_announcement_add(struct store *st, struct store_announcement *a)
{
	if (!st || !announcement_valid(a) || a->tenant_id <= 0)
		return EINVAL;

	if (!a->created_at)
		a->created_at = time_now_ms();

	return store_row_add(st, S_ANN_ADD, &announcement_rec, a);
}

int store_announcement_get(struct store *st, int64_t id,
			   struct store_announcement *a)
{
	return store_row_get(st, S_ANN_GET, id, &announcement_rec, a);
}

/* Name and file change; tenant_id is fixed (EXDEV if set and different). */
int store_announcement_update(struct store *st,
			      const struct store_announcement *a)
{
	int64_t tenant_id;
	int err;

	if (!st || !announcement_valid(a) || a->id <= 0)
		return EINVAL;

	err = store_tenant_of(st, S_ANN_TENANT, a->id, &tenant_id);
	if (err)
		return err;
	if (a->tenant_id && a->tenant_id != tenant_id)
		return EXDEV;

	return store_row_update(st, S_ANN_UPDATE, &announcement_rec, a);
}

int store_announcement_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_ANN_INUSE, S_ANN_DELETE, id);
}

/* tenant_id 0 = all tenants. */
int store_announcement_list(struct store *st, int64_t tenant_id,
			    store_announcement_h *h, void *arg)
{
	return store_row_list(st, S_ANN_LIST, tenant_id, &announcement_rec,
			      (store_fn *)h, arg);
}
