/*
 * store_test_user.c - users (password logins, issue 16) against store.h
 * and core/password.c: an Argon2id hash that verifies, logins unique
 * without regard to case, the tenant and employee a user needs, and the
 * sessions: listed while alive, revoked per user, gone with the user.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

static int count_h(const struct store_token *t, void *arg)
{
	(void)t;
	++*(int *)arg;
	return 0;
}

static int sessions(struct store *st, int64_t user_id, uint64_t now,
		    uint64_t idle)
{
	int n = 0;

	if (store_token_sessions(st, user_id, now, idle, count_h, &n))
		return -1;
	return n;
}

int test_store_user(void)
{
	struct tdb db;
	struct store_user u, g;
	struct store_token t;
	int64_t t1, t2, e1, keep, n = 0, na = 0;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Max", "10", &e1), 0);

	memset(&u, 0, sizeof(u));
	str_copy(u.login, "Max.Agent", sizeof(u.login));
	str_copy(u.role, "agent", sizeof(u.role));
	u.tenant_id = t1;
	u.employee_id = e1;
	TEST_EQ_INT(password_hash(u.password_hash, sizeof(u.password_hash),
				  "secret-password", PASSWORD_TEST),
		    0);
	TEST_ASSERT(!strncmp(u.password_hash, "$argon2id$v=19$", 15));
	TEST_ASSERT(password_verify(u.password_hash, "secret-password"));
	TEST_ASSERT(!password_verify(u.password_hash, "secret-passwort"));
	TEST_ASSERT(!password_verify("not a hash", "secret-password"));

	/* the employee must be the tenant's */
	u.tenant_id = t2;
	TEST_EQ_INT(store_user_add(db.st, &u), EXDEV);
	u.tenant_id = t1;
	TEST_EQ_INT(store_user_add(db.st, &u), 0);
	TEST_ASSERT(u.id > 0);
	TEST_EQ_INT(u.created_at, T0);

	/* found in any case; taken in any case */
	memset(&g, 0, sizeof(g));
	TEST_EQ_INT(store_user_find(db.st, "max.AGENT", &g), 0);
	TEST_EQ_INT(g.id, u.id);
	TEST_EQ_STR(g.login, "Max.Agent");
	TEST_EQ_STR(g.password_hash, u.password_hash);
	TEST_EQ_INT(g.employee_id, e1);
	TEST_EQ_INT(store_user_find(db.st, "nobody", &g), ENOENT);
	str_copy(g.login, "MAX.AGENT", sizeof(g.login));
	TEST_EQ_INT(store_user_add(db.st, &g), EEXIST);

	/* failures and lock-out are kept */
	g = u;
	g.failed_logins = 4;
	g.locked_until = T0 + 900000;
	TEST_EQ_INT(store_user_set_failures(db.st, &g), 0);
	TEST_EQ_INT(store_user_get(db.st, u.id, &g), 0);
	TEST_EQ_INT(g.failed_logins, 4);
	TEST_EQ_INT(g.locked_until, T0 + 900000);

	/* sessions: two alive, one expired, one idle too long */
	memset(&t, 0, sizeof(t));
	str_copy(t.role, "agent", sizeof(t.role));
	t.tenant_id = t1;
	t.employee_id = e1;
	t.user_id = u.id;
	t.expires_at = T0 + 3600000;
	TEST_EQ_INT(store_token_add(db.st, "session-1", &t), 0);
	keep = t.id;
	t.id = 0;
	TEST_EQ_INT(store_token_add(db.st, "session-2", &t), 0);
	t.id = 0;
	t.expires_at = T0 + 10;
	TEST_EQ_INT(store_token_add(db.st, "session-3", &t), 0);
	t.id = 0;
	t.expires_at = T0 + 3600000;
	t.last_used_at = T0 - 5000;
	TEST_EQ_INT(store_token_add(db.st, "session-4", &t), 0);
	TEST_EQ_INT(sessions(db.st, u.id, T0 + 100, 3000), 2);
	TEST_EQ_INT(sessions(db.st, u.id, T0 + 100, 0), 3);
	TEST_EQ_INT(sessions(db.st, 0, T0 + 100, 0), 3);
	TEST_EQ_INT(store_token_check(db.st, "session-1", &t), 0);
	TEST_EQ_INT(t.user_id, u.id);
	TEST_EQ_INT(t.expires_at, T0 + 3600000);
	TEST_EQ_INT(t.last_used_at, T0);
	TEST_EQ_INT(store_token_touch(db.st, t.id, T0 + 42), 0);
	TEST_EQ_INT(store_token_check(db.st, "session-1", &t), 0);
	TEST_EQ_INT(t.last_used_at, T0 + 42);

	/* the sweep removes the expired and the idle one, never an API
	 * token (no user) whatever its expires_at */
	memset(&t, 0, sizeof(t));
	str_copy(t.role, "operator", sizeof(t.role));
	t.expires_at = T0 + 10;
	t.last_used_at = T0 - 5000;
	TEST_EQ_INT(store_token_add(db.st, "api-token", &t), 0);
	TEST_EQ_INT(store_token_sweep(db.st, T0 + 100, 3000, 100, &n, &na), 0);
	TEST_EQ_INT(n, 2);
	TEST_EQ_INT(na, 0); /* expired at T0 + 10, grace until T0 + 110 */
	TEST_EQ_INT(store_token_check(db.st, "session-3", NULL), ENOENT);
	TEST_EQ_INT(store_token_check(db.st, "session-4", NULL), ENOENT);
	TEST_EQ_INT(store_token_check(db.st, "api-token", NULL), 0);
	TEST_EQ_INT(store_token_sweep(db.st, T0 + 100, 3000, 100, &n, &na), 0);
	TEST_EQ_INT(n, 0);
	TEST_EQ_INT(na, 0);
	TEST_EQ_INT(store_token_sweep(db.st, T0 + 3599999, 0, 3599990, &n, &na),
		    0);
	TEST_EQ_INT(n, 0); /* no idle limit, not yet expired */
	TEST_EQ_INT(na, 0);
	TEST_EQ_INT(store_token_check(db.st, "api-token", NULL), 0);
	TEST_EQ_INT(sessions(db.st, u.id, T0 + 100, 3000), 2);

	/* API tokens go grace_ms after their expiry, to the millisecond;
	 * one without expiry never, sessions are not counted there */
	t.id = 0;
	t.expires_at = T0 + 1000;
	TEST_EQ_INT(store_token_add(db.st, "api-token-2", &t), 0);
	t.id = 0;
	t.expires_at = 0;
	TEST_EQ_INT(store_token_add(db.st, "api-token-never", &t), 0);
	TEST_EQ_INT(store_token_sweep(db.st, T0 + 59, 0, 50, &n, &na), 0);
	TEST_EQ_INT(na, 0);
	TEST_EQ_INT(store_token_sweep(db.st, T0 + 60, 0, 50, &n, &na), 0);
	TEST_EQ_INT(n, 0);
	TEST_EQ_INT(na, 1);
	TEST_EQ_INT(store_token_check(db.st, "api-token", NULL), ENOENT);
	TEST_EQ_INT(store_token_check(db.st, "api-token-2", NULL), 0);
	TEST_EQ_INT(store_token_sweep(db.st, T0 + 1049, 0, 50, &n, &na), 0);
	TEST_EQ_INT(na, 0);
	TEST_EQ_INT(store_token_sweep(db.st, T0 + 1050, 0, 50, &n, &na), 0);
	TEST_EQ_INT(na, 1);
	TEST_EQ_INT(n, 0);
	TEST_EQ_INT(store_token_check(db.st, "api-token-2", NULL), ENOENT);
	TEST_EQ_INT(store_token_check(db.st, "api-token-never", NULL), 0);
	TEST_EQ_INT(store_token_check(db.st, "session-1", NULL), 0);
	TEST_EQ_INT(store_token_sweep(db.st, 10, 0, 11, &n, &na), EINVAL);

	/* a new password: all but the one that set it end */
	TEST_EQ_INT(store_token_revoke_user(db.st, u.id, keep, &n), 0);
	TEST_EQ_INT(n, 1);
	TEST_EQ_INT(store_token_check(db.st, "session-2", NULL), ENOENT);
	TEST_EQ_INT(store_token_check(db.st, "session-1", NULL), 0);
	TEST_EQ_INT(store_token_delete(db.st, keep), 0);
	TEST_EQ_INT(store_token_delete(db.st, keep), ENOENT);

	/* deleting the user ends its sessions */
	memset(&t, 0, sizeof(t));
	str_copy(t.role, "agent", sizeof(t.role));
	t.user_id = u.id;
	TEST_EQ_INT(store_token_add(db.st, "session-5", &t), 0);
	TEST_EQ_INT(store_user_delete(db.st, u.id), 0);
	TEST_EQ_INT(store_token_check(db.st, "session-5", NULL), ENOENT);
	TEST_EQ_INT(store_user_get(db.st, u.id, &g), ENOENT);
	TEST_EQ_INT(store_user_delete(db.st, u.id), ENOENT);
out:
	tdb_close(&db);
	return err;
}
