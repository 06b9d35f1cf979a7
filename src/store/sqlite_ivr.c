/*
 * sqlite_ivr.c - voice menus in the SQLite store: a menu row (greeting,
 * timeout, retries, fallback) and its keys as child rows, written and
 * replaced in one transaction.  Targets are checked as a number's
 * (sqlite_target.c); a fallback that leads back to the menu without a
 * key pressed is refused (ELOOP).  A menu a number, schedule or another
 * menu routes to cannot be deleted (EBUSY); its own keys (0: "back to
 * this menu") do not count.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define IVR_SELECT                                                             \
	"SELECT id, tenant_id, name, prompt, timeout, retries, direct_dial,"   \
	" fallback_type, fallback_id, created_at FROM ivr_menus"

static const struct store_sql sql[] = {
    {S_IVR_TENANT, "ivr tenant",
     "SELECT tenant_id FROM ivr_menus WHERE id = ?1"},
    {S_IVR_ADD, "ivr add",
     "INSERT INTO ivr_menus (tenant_id, name, prompt, timeout, retries,"
     " direct_dial, fallback_type, fallback_id, created_at)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id"},
    {S_IVR_GET, "ivr get", IVR_SELECT " WHERE id = ?1"},
    {S_IVR_UPDATE, "ivr update",
     "UPDATE ivr_menus SET name = ?2, prompt = ?3, timeout = ?4,"
     " retries = ?5, direct_dial = ?6, fallback_type = ?7, fallback_id = ?8"
     " WHERE id = ?1"},
    {S_IVR_INUSE, "ivr delete",
     "SELECT CAST(EXISTS (SELECT 1 FROM route_refs WHERE type = 4 AND id = ?1"
     " AND NOT (via = 'ivr' AND owner = ?1)) AS INTEGER)"},
    {S_IVR_DELETE, "ivr delete", "DELETE FROM ivr_menus WHERE id = ?1"},
    {S_IVR_LIST, "ivr list",
     IVR_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id"},
    {S_IVR_OPTS_CLEAR, "ivr options",
     "DELETE FROM ivr_options WHERE menu_id = ?1"},
    {S_IVR_OPT_ADD, "ivr options",
     "INSERT INTO ivr_options (menu_id, key, target_type, target_id, seq)"
     " VALUES (?1, ?2, ?3, ?4, (SELECT coalesce(max(seq), 0) + 1"
     " FROM ivr_options WHERE menu_id = ?1))"},
    {S_IVR_OPTS, "ivr options",
     "SELECT key, target_type, target_id FROM ivr_options"
     " WHERE menu_id = ?1 ORDER BY seq"},
};

const struct store_sqlset store_sql_ivr = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_ivr_menu, id),
    STORE_COL(SC_I64, SC_ADD, store_ivr_menu, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_ivr_menu, name),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_ivr_menu, prompt),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_ivr_menu, timeout),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_ivr_menu, retries),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_ivr_menu, direct_dial),
    STORE_COL(SC_INT, SC_ADD | SC_UPD, store_ivr_menu, fallback.type),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, store_ivr_menu, fallback.id),
    STORE_COL(SC_U64, SC_ADD, store_ivr_menu, created_at),
};

STORE_RECORD(ivr_rec, store_ivr_menu, store_ivr_menu_h, cols);

static bool key_ok(char k)
{
	return (k >= '0' && k <= '9') || k == '*' || k == '#';
}

/* The fields the database does not check. */
static bool menu_valid(const struct store_ivr_menu *m)
{
	size_t i, j;

	if (!m || !str_isset(m->name) || m->optionc > STORE_IVR_OPTIONS ||
	    m->prompt[0] == '/' || strstr(m->prompt, ".."))
		return false;
	for (i = 0; i < m->optionc; i++) {
		if (!key_ok(m->optionv[i].key) ||
		    m->optionv[i].target.type == TARGET_NONE)
			return false;
		for (j = 0; j < i; j++) {
			if (m->optionv[j].key == m->optionv[i].key)
				return false;
		}
	}
	return true;
}

static int targets_check(struct store *st, const struct store_ivr_menu *m)
{
	size_t i;
	int err;

	err = store_target_check(st, m->fallback.type, m->fallback.id,
				 m->tenant_id);
	if (!err && m->id)
		err = store_target_loop(st, TARGET_IVR, m->id, &m->fallback, 0);
	for (i = 0; !err && i < m->optionc; i++)
		err = store_target_check(st, m->optionv[i].target.type,
					 m->optionv[i].target.id, m->tenant_id);
	return err;
}

static int options_write(struct store *st, const struct store_ivr_menu *m)
{
	size_t i;
	int err;

	err = store_run(st, S_IVR_OPTS_CLEAR, EIO, NULL, "i", m->id);
	for (i = 0; !err && i < m->optionc; i++) {
		const struct store_ivr_option *o = &m->optionv[i];
		char key[2] = {o->key, '\0'};

		err = store_run(st, S_IVR_OPT_ADD, EIO, NULL, "isdi", m->id,
				key, (int)o->target.type, o->target.id);
	}
	return err;
}

static int options_read(struct store *st, struct store_ivr_menu *m)
{
	struct db_stmt *q;
	int rc, err;

	m->optionc = 0;
	err = store_stmt_bind(st, S_IVR_OPTS, &q, "i", m->id);
	if (err)
		return err;
	while ((rc = db_step(q)) == DB_ROW && m->optionc < STORE_IVR_OPTIONS) {
		struct store_ivr_option *o = &m->optionv[m->optionc++];
		const char *k = db_column_text(q, 0);

		o->key = k ? k[0] : '\0';
		o->target.type = (enum store_target)store_col_int(q, 1);
		o->target.id = db_column_int64(q, 2);
	}
	if (rc != DB_DONE && rc != DB_ROW)
		err = store_dberr(st, rc, S_IVR_OPTS, EIO);
	store_stmt_put(st, S_IVR_OPTS, q);
	return err;
}

static int menu_check(struct store *st, const void *rec)
{
	return targets_check(st, rec);
}

static int menu_write(struct store *st, const void *rec)
{
	return options_write(st, rec);
}

static int menu_read(struct store *st, void *rec)
{
	return options_read(st, rec);
}

static const struct store_tree ivr_tree = {
    &ivr_rec,     offsetof(struct store_ivr_menu, tenant_id),
    S_IVR_ADD,    S_IVR_GET,
    S_IVR_UPDATE, S_IVR_LIST,
    S_IVR_TENANT, menu_check,
    menu_write,   menu_read,
};

int store_ivr_menu_add(struct store *st, struct store_ivr_menu *m)
{
	if (!st || !menu_valid(m) || m->tenant_id <= 0)
		return EINVAL;
	if (!m->created_at)
		m->created_at = time_now_ms();
	return store_tree_add(st, &ivr_tree, m);
}

int store_ivr_menu_get(struct store *st, int64_t id, struct store_ivr_menu *m)
{
	return store_tree_get(st, &ivr_tree, id, m);
}

int store_ivr_menu_update(struct store *st, const struct store_ivr_menu *m)
{
	if (!st || !menu_valid(m) || m->id <= 0)
		return EINVAL;
	return store_tree_update(st, &ivr_tree, m);
}

int store_ivr_menu_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_IVR_INUSE, S_IVR_DELETE, id);
}

int store_ivr_menu_list(struct store *st, int64_t tenant_id,
			store_ivr_menu_h *h, void *arg)
{
	return store_tree_list(st, &ivr_tree, tenant_id, (store_fn *)h, arg);
}
