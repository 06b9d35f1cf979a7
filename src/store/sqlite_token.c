/*
 * sqlite_token.c - API tokens in the SQLite store.
 *
 * Only the SHA-256 of a token is kept (lower-case hex): the plain token is
 * shown once, to whoever created it, and a copy of the database does not
 * grant access.  A token has a role (issue 16: operator, client_admin,
 * agent, subaccount; src/http/roles.c says what each may do) and, unless
 * it is an operator's, the tenant it may act for; an agent's and a
 * subaccount's also the employee it acts as.  A tenant's tokens go with
 * the tenant, an employee's with the employee.  The sweep deletes ended
 * sessions, and API tokens a grace time after their expiry.
 */
#include <string.h>
#include <openssl/evp.h>
#include "core/core.h"
#include "store/sqlite_int.h"

enum {
	SHA256_HEX = 65, /* lower-case hex + NUL */
};

#define TOKEN_SELECT                                                           \
	"SELECT id, role, COALESCE(tenant_id, 0), COALESCE(employee_id, 0),"   \
	" name, created_at, COALESCE(user_id, 0), expires_at, last_used_at,"   \
	" scope, prefix FROM api_tokens"

static const struct store_sql sql[] = {
    {S_TOKEN_ADD, "token add",
     "INSERT INTO api_tokens (role, tenant_id, employee_id, name,"
     " created_at, user_id, expires_at, last_used_at, scope, prefix,"
     " token_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
     "RETURNING id"},
    {S_TOKEN_CHECK, "token check", TOKEN_SELECT " WHERE token_sha256 = ?1"},
    {S_TOKEN_GET, "token get", TOKEN_SELECT " WHERE id = ?1"},
    {S_TOKEN_ANY, "token any",
     "SELECT CAST(EXISTS (SELECT 1 FROM api_tokens) AS INTEGER)"},
    {S_TOKEN_LIST, "token list",
     TOKEN_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id"},
    {S_TOKEN_TOUCH, "token touch",
     "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1"},
    {S_TOKEN_DELETE, "token delete", "DELETE FROM api_tokens WHERE id = ?1"},
    {S_TOKEN_REVOKE_USER, "token revoke user",
     "DELETE FROM api_tokens WHERE user_id = ?1 AND id <> ?2"},
    {S_TOKEN_SESSIONS, "token sessions",
     TOKEN_SELECT " WHERE user_id IS NOT NULL AND (?1 = 0 OR user_id = ?1)"
		  " AND (expires_at = 0 OR expires_at > ?2)"
		  " AND (?3 = 0 OR last_used_at + ?3 > ?2) ORDER BY id"},
    {S_TOKEN_SWEEP, "token sweep",
     "DELETE FROM api_tokens WHERE user_id IS NOT NULL"
     " AND ((expires_at <> 0 AND expires_at <= ?1)"
     " OR (?2 <> 0 AND last_used_at + ?2 <= ?1))"},
    {S_TOKEN_SWEEP_API, "token sweep api",
     "DELETE FROM api_tokens WHERE user_id IS NULL AND expires_at <> 0"
     " AND expires_at + ?2 <= ?1"},
};

const struct store_sqlset store_sql_token = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_token, id),
    STORE_COL(SC_TEXT, SC_ADD, store_token, role),
    STORE_COL(SC_REF, SC_ADD, store_token, tenant_id),
    STORE_COL(SC_REF, SC_ADD, store_token, employee_id),
    STORE_COL(SC_TEXT, SC_ADD, store_token, name),
    STORE_COL(SC_U64, SC_ADD, store_token, created_at),
    STORE_COL(SC_REF, SC_ADD, store_token, user_id),
    STORE_COL(SC_U64, SC_ADD, store_token, expires_at),
    STORE_COL(SC_U64, SC_ADD, store_token, last_used_at),
    STORE_COL(SC_TEXT, SC_ADD, store_token, scope),
    STORE_COL(SC_TEXT, SC_ADD, store_token, prefix),
};

STORE_RECORD(token_rec, store_token, store_token_h, cols);

/* Lower-case hex SHA-256 of token. */
static int token_hash(char hex[SHA256_HEX], const char *token)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned i, n = 0;

	if (!EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL) ||
	    2 * n + 1 != SHA256_HEX)
		return ENOMEM;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';

	return 0;
}

/* t->role is required; tenant_id 0 is an operator token, else the tenant
 * must exist (ENOENT); employee_id (an agent's token) and user_id (a
 * session's) must exist too.
 * EEXIST if the same token is stored already. */
int store_token_add(struct store *st, const char *token, struct store_token *t)
{
	char hash[SHA256_HEX];
	struct db_stmt *s;
	int i, err;

	if (!st || !str_isset(token) || !t || !str_isset(t->role) ||
	    t->tenant_id < 0 || t->employee_id < 0 || t->user_id < 0)
		return EINVAL;

	err = token_hash(hash, token);
	if (err)
		return err;

	if (!t->created_at)
		t->created_at = time_now_ms();
	if (t->user_id && !t->last_used_at)
		t->last_used_at = t->created_at;
	if (!t->scope[0])
		str_copy(t->scope, "full", sizeof(t->scope));
	str_copy(t->prefix, token, sizeof(t->prefix));

	err = store_stmt_get(st, S_TOKEN_ADD, &s);
	if (err)
		return err;

	i = store_row_bind(&token_rec, s, 1, SC_ADD, t);
	STORE_BIND_FIELD(s, i, hash);

	err = store_step_id(st, S_TOKEN_ADD, s, ENOENT, &t->id);

	store_stmt_put(st, S_TOKEN_ADD, s);

	return err;
}

/*
 * The lookup is by hash: a timing difference can at most tell an attacker
 * something about the SHA-256 of a guess, not about a stored token.
 * t may be NULL to only check.
 */
int store_token_check(struct store *st, const char *token,
		      struct store_token *t)
{
	struct store_token tmp;
	char hash[SHA256_HEX];
	int err;

	if (!st || !str_isset(token))
		return EINVAL;

	err = token_hash(hash, token);
	if (err)
		return err;

	return store_row_find(st, S_TOKEN_CHECK, hash, &token_rec,
			      t ? t : &tmp);
}

/* ENOENT once the token is gone (its tenant or employee deleted). */
int store_token_get(struct store *st, int64_t id, struct store_token *t)
{
	struct store_token tmp;

	if (!st || id <= 0)
		return EINVAL;

	return store_row_get(st, S_TOKEN_GET, id, &token_rec, t ? t : &tmp);
}

/* False on error too. */
bool store_token_any(struct store *st)
{
	int64_t any = 0;

	if (!st || store_run(st, S_TOKEN_ANY, EIO, &any, ""))
		return false;

	return any != 0;
}

int store_token_list(struct store *st, int64_t tenant_id, store_token_h *h,
		     void *arg)
{
	return store_row_list(st, S_TOKEN_LIST, tenant_id, &token_rec,
			      (store_fn *)h, arg);
}

int store_token_touch(struct store *st, int64_t id, uint64_t now)
{
	if (!st || id <= 0)
		return EINVAL;

	return store_run(st, S_TOKEN_TOUCH, EIO, NULL, "iu", id, now);
}

int store_token_delete(struct store *st, int64_t id)
{
	int64_t n = 0;
	int err;

	if (!st || id <= 0)
		return EINVAL;

	err = store_run(st, S_TOKEN_DELETE, EIO, &n, "i", id);
	if (!err && !n)
		err = ENOENT;
	return err;
}

int store_token_revoke_user(struct store *st, int64_t user_id, int64_t keep_id,
			    int64_t *np)
{
	int64_t n = 0;
	int err;

	if (!st || user_id <= 0 || keep_id < 0)
		return EINVAL;

	err =
	    store_run(st, S_TOKEN_REVOKE_USER, EIO, &n, "ii", user_id, keep_id);
	if (!err && np)
		*np = n;
	return err;
}

int store_token_sweep(struct store *st, uint64_t now, uint64_t idle_ms,
		      uint64_t grace_ms, int64_t *np, int64_t *napi)
{
	int64_t n = 0, na = 0;
	int err;

	if (!st || grace_ms > now)
		return EINVAL;
	err = store_run(st, S_TOKEN_SWEEP, EIO, &n, "uu", now, idle_ms);
	if (!err)
		err = store_run(st, S_TOKEN_SWEEP_API, EIO, &na, "uu", now,
				grace_ms);
	if (np)
		*np = err ? 0 : n;
	if (napi)
		*napi = err ? 0 : na;
	return err;
}

int store_token_sessions(struct store *st, int64_t user_id, uint64_t now,
			 uint64_t idle_ms, store_token_h *h, void *arg)
{
	if (!st || user_id < 0 || !h)
		return EINVAL;

	return store_row_query(st, S_TOKEN_SESSIONS, &token_rec, NULL,
			       (store_fn *)h, arg, "iuu", user_id, now,
			       idle_ms);
}
