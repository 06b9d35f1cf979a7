/*
 * sqlite_user.c - users in the SQLite store: the password logins of
 * operators, agents and the clients' people (issue 16).  A user has a
 * login name (unique, compared case-insensitively by the column's NOCASE
 * collation), the Argon2id hash of its password (never the password; the
 * hash is made and checked by core/password.c), a role, the tenant and
 * employee it acts for, and its lock-out state.  Its sessions are API
 * tokens with its user_id (sqlite_token.c) and go with it.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define USER_SELECT                                                            \
	"SELECT id, login, password_hash, role, COALESCE(tenant_id, 0),"       \
	" COALESCE(employee_id, 0), created_at, disabled, failed_logins,"      \
	" locked_until FROM users"

static const struct store_sql sql[] = {
    {S_USER_ADD, "user add",
     "INSERT INTO users (login, password_hash, role, tenant_id,"
     " employee_id, created_at, disabled, failed_logins, locked_until)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id"},
    {S_USER_GET, "user get", USER_SELECT " WHERE id = ?1"},
    {S_USER_FIND, "user find", USER_SELECT " WHERE login = ?1"},
    {S_USER_UPDATE, "user update",
     "UPDATE users SET password_hash = ?2, disabled = ?3,"
     " failed_logins = ?4, locked_until = ?5 WHERE id = ?1"},
    {S_USER_FAILURES, "user failures",
     "UPDATE users SET failed_logins = ?2, locked_until = ?3"
     " WHERE id = ?1"},
    {S_USER_DELETE, "user delete", "DELETE FROM users WHERE id = ?1"},
    {S_USER_LIST, "user list",
     USER_SELECT " WHERE (?1 = 0 OR tenant_id = ?1) ORDER BY id"},
};

const struct store_sqlset store_sql_user = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_user, id),
    STORE_COL(SC_TEXT, SC_ADD, store_user, login),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_user, password_hash),
    STORE_COL(SC_TEXT, SC_ADD, store_user, role),
    STORE_COL(SC_REF, SC_ADD, store_user, tenant_id),
    STORE_COL(SC_REF, SC_ADD, store_user, employee_id),
    STORE_COL(SC_U64, SC_ADD, store_user, created_at),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_user, disabled),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_user, failed_logins),
    STORE_COL(SC_U64, SC_ADD | SC_UPD, store_user, locked_until),
};

STORE_RECORD(user_rec, store_user, store_user_h, cols);

/* The tenant must exist (ENOENT); an employee must exist and be the
 * tenant's (EXDEV). */
static int user_refs_check(struct store *st, const struct store_user *u)
{
	int64_t tid;
	int err;

	if (u->tenant_id) {
		err = store_tenant_of(st, S_TENANT_EXISTS, u->tenant_id, &tid);
		if (err)
			return err;
	}
	if (!u->employee_id)
		return 0;
	err = store_tenant_of(st, S_EMP_TENANT, u->employee_id, &tid);
	if (err)
		return err;
	return tid == u->tenant_id ? 0 : EXDEV;
}

int store_user_add(struct store *st, struct store_user *u)
{
	int err;

	if (!st || !u || !str_isset(u->login) || !str_isset(u->role) ||
	    !str_isset(u->password_hash) || u->tenant_id < 0 ||
	    u->employee_id < 0 || (u->employee_id && !u->tenant_id))
		return EINVAL;

	err = user_refs_check(st, u);
	if (err)
		return err;
	if (!u->created_at)
		u->created_at = time_now_ms();

	return store_row_add(st, S_USER_ADD, &user_rec, u);
}

int store_user_get(struct store *st, int64_t id, struct store_user *u)
{
	return store_row_get(st, S_USER_GET, id, &user_rec, u);
}

int store_user_find(struct store *st, const char *login, struct store_user *u)
{
	return store_row_find(st, S_USER_FIND, login, &user_rec, u);
}

int store_user_update(struct store *st, const struct store_user *u)
{
	if (!st || !u || u->id <= 0 || !str_isset(u->password_hash))
		return EINVAL;

	return store_row_update(st, S_USER_UPDATE, &user_rec, u);
}

int store_user_set_failures(struct store *st, const struct store_user *u)
{
	if (!st || !u || u->id <= 0)
		return EINVAL;

	return store_run(st, S_USER_FAILURES, EIO, NULL, "idu", u->id,
			 (int)u->failed_logins, u->locked_until);
}

/* The sessions go by ON DELETE CASCADE. */
int store_user_delete(struct store *st, int64_t id)
{
	if (!st || id <= 0)
		return EINVAL;

	return store_row_delete(st, S_COUNT, S_USER_DELETE, id);
}

int store_user_list(struct store *st, int64_t tenant_id, store_user_h *h,
		    void *arg)
{
	return store_row_list(st, S_USER_LIST, tenant_id, &user_rec,
			      (store_fn *)h, arg);
}
