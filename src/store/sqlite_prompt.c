/*
 * sqlite_prompt.c - prompts a tenant uploaded, in the SQLite store: one
 * row per WAV file under the prompts directory, with what the upload
 * found in it (format, rate, channels, length).  The file is written
 * before its row (http/api_prompts.c), so a row always has its file.
 *
 * Menus, announcements and tenants name a prompt by its file (the same
 * relative path a built-in prompt has); the view prompt_refs lists those
 * uses, and a prompt in use cannot be deleted.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define PROMPT_SELECT                                                          \
	"SELECT id, tenant_id, name, purpose, file, format, duration_ms,"      \
	" rate, channels, bytes, created_at FROM prompts"

static const struct store_sql sql[] = {
    {S_PROMPT_ADD, "prompt add",
     "INSERT INTO prompts (tenant_id, name, purpose, file, format,"
     " duration_ms, rate, channels, bytes, created_at)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id"},
    {S_PROMPT_GET, "prompt get", PROMPT_SELECT " WHERE id = ?1"},
    {S_PROMPT_BY_FILE, "prompt by file", PROMPT_SELECT " WHERE file = ?1"},
    {S_PROMPT_UPDATE, "prompt update",
     "UPDATE prompts SET name = ?2, purpose = ?3 WHERE id = ?1"},
    {S_PROMPT_INUSE, "prompt delete",
     "SELECT CAST(EXISTS (SELECT 1 FROM prompt_refs WHERE file ="
     " (SELECT file FROM prompts WHERE id = ?1)) AS INTEGER)"},
    {S_PROMPT_DELETE, "prompt delete", "DELETE FROM prompts WHERE id = ?1"},
    {S_PROMPT_LIST, "prompt list",
     PROMPT_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id"},
    {S_PROMPT_REFS, "prompt refs",
     "SELECT via, owner, name FROM prompt_refs WHERE file = ?1"
     " ORDER BY via, owner"},
};

const struct store_sqlset store_sql_prompt = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_prompt, id),
    STORE_COL(SC_I64, SC_ADD, store_prompt, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_prompt, name),
    STORE_ENUM(SC_ADD | SC_UPD, store_prompt, purpose,
	       &store_names_prompt_purpose),
    STORE_COL(SC_TEXT, SC_ADD, store_prompt, file),
    STORE_COL(SC_TEXT, SC_ADD, store_prompt, format),
    STORE_COL(SC_U32, SC_ADD, store_prompt, duration_ms),
    STORE_COL(SC_U32, SC_ADD, store_prompt, rate),
    STORE_COL(SC_U32, SC_ADD, store_prompt, channels),
    STORE_COL(SC_U64, SC_ADD, store_prompt, bytes),
    STORE_COL(SC_U64, SC_ADD, store_prompt, created_at),
};

STORE_RECORD(prompt_rec, store_prompt, store_prompt_h, cols);

static bool prompt_valid(const struct store_prompt *p)
{
	return p && str_isset(p->name) &&
	       store_names_has(&store_names_prompt_purpose, (int)p->purpose);
}

int store_prompt_add(struct store *st, struct store_prompt *p)
{
	if (!st || !prompt_valid(p) || p->tenant_id <= 0 ||
	    !str_isset(p->file) || p->file[0] == '/' || strstr(p->file, "..") ||
	    !p->duration_ms)
		return EINVAL;
	if (!p->created_at)
		p->created_at = time_now_ms();
	return store_row_add(st, S_PROMPT_ADD, &prompt_rec, p);
}

int store_prompt_get(struct store *st, int64_t id, struct store_prompt *p)
{
	return store_row_get(st, S_PROMPT_GET, id, &prompt_rec, p);
}

int store_prompt_by_file(struct store *st, const char *file,
			 struct store_prompt *p)
{
	return store_row_find(st, S_PROMPT_BY_FILE, file, &prompt_rec, p);
}

int store_prompt_update(struct store *st, const struct store_prompt *p)
{
	if (!st || !prompt_valid(p) || p->id <= 0)
		return EINVAL;
	return store_row_update(st, S_PROMPT_UPDATE, &prompt_rec, p);
}

int store_prompt_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_PROMPT_INUSE, S_PROMPT_DELETE, id);
}

int store_prompt_list(struct store *st, int64_t tenant_id, store_prompt_h *h,
		      void *arg)
{
	return store_row_list(st, S_PROMPT_LIST, tenant_id, &prompt_rec,
			      (store_fn *)h, arg);
}

int store_prompt_refs(struct store *st, const char *file, store_prompt_ref_h *h,
		      void *arg)
{
	struct store_prompt_ref r;
	struct db_stmt *q;
	int rc, err;

	if (!st || !str_isset(file) || !h)
		return EINVAL;
	err = store_stmt_bind(st, S_PROMPT_REFS, &q, "s", file);
	if (err)
		return err;
	while ((rc = db_step(q)) == DB_ROW) {
		memset(&r, 0, sizeof(r));
		store_col_text(q, 0, r.via, sizeof(r.via));
		r.owner = db_column_int64(q, 1);
		store_col_text(q, 2, r.name, sizeof(r.name));
		err = h(&r, arg);
		if (err)
			break;
	}
	if (!err && rc != DB_DONE)
		err = store_dberr(st, rc, S_PROMPT_REFS, EIO);
	store_stmt_put(st, S_PROMPT_REFS, q);
	return err;
}
