/*
 * http_test_scope.c - the scopes of API tokens (http/scope.c, issue 20):
 * which routes each scope leaves of its role's, the end of a token at
 * its expires_at to the millisecond, and the scope and prefix a token
 * is stored with (sqlite_token.c): "full" by default, the first 8
 * characters of the token, an unknown scope refused by the schema.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "http/http_int.h"
#include "store/store.h"
#include "store_test.h"
#include "test.h"

int test_token_scope(void)
{
	static const struct {
		const char *scope, *method, *pattern;
		bool ok;
	} v[] = {
	    {"full", "POST", "/api/v1/tenants", true},
	    {"full", "GET", "/metrics", true},
	    {"full", "GET", "/api/v1/phone", true},
	    {"read-only", "GET", "/api/v1/tenants", true},
	    {"read-only", "HEAD", "/api/v1/tenants", true},
	    {"read-only", "GET", "/metrics", true},
	    {"read-only", "POST", "/api/v1/tenants", false},
	    {"read-only", "PATCH", "/api/v1/tenants/:id", false},
	    {"read-only", "DELETE", "/api/v1/tokens/:id", false},
	    {"read-only", "GET", "/api/v1/phone", false},
	    {"metrics", "GET", "/metrics", true},
	    {"metrics", "HEAD", "/metrics", false},
	    {"metrics", "GET", "/api/v1/tenants", false},
	    {"metrics", "GET", "/api/v1/stats", false},
	    {"provisioning", "POST", "/api/v1/tenants", true},
	    {"provisioning", "PATCH", "/api/v1/employees/:id", true},
	    {"provisioning", "DELETE", "/api/v1/devices/:id", true},
	    {"provisioning", "GET", "/api/v1/calls", true},
	    {"provisioning", "GET", "/api/v1/tokens", false},
	    {"provisioning", "GET", "/api/v1/tokens/:id", false},
	    {"provisioning", "GET", "/api/v1/users", true},
	    {"provisioning", "PATCH", "/api/v1/users/:id", false},
	    {"provisioning", "POST", "/api/v1/queues", true},
	    {"provisioning", "POST", "/api/v1/numbers", true},
	    {"provisioning", "GET", "/api/v1/calls/export", true},
	    {"provisioning", "POST", "/api/v1/tenants/:id/deletion", true},
	    {"provisioning", "GET", "/api/v1/status", false},
	    {"provisioning", "POST", "/api/v1/reload", false},
	    {"provisioning", "POST", "/api/v1/backup", false},
	    {"provisioning", "GET", "/api/v1/backup", false},
	    {"provisioning", "GET", "/api/v1/registrations", false},
	    {"provisioning", "GET", "/api/v1/auth_blocks", false},
	    {"provisioning", "DELETE", "/api/v1/auth_blocks/:key", false},
	    {"provisioning", "GET", "/api/v1/calls/live", false},
	    {"provisioning", "GET", "/api/v1/stats", false},
	    {"provisioning", "GET", "/api/v1/nodes/:key", false},
	    {"provisioning", "GET", "/api/v1/outbox/:id", false},
	    {"provisioning", "POST", "/api/v1/outbox/test-mail", false},
	    {"provisioning", "POST", "/api/v1/retention/purge", false},
	    {"provisioning", "POST", "/api/v1/tenants/:id/deletion/run", false},
	    {"provisioning", "GET", "/api/v1/routes", false},
	    {"read-only", "GET", "/api/v1/backup", true},
	    {"read-only", "POST", "/api/v1/backup", false},
	    {"provisioning", "POST", "/api/v1/tokens", false},
	    {"provisioning", "DELETE", "/api/v1/tokens/:id", false},
	    {"provisioning", "POST", "/api/v1/tokens/rotate-admin", false},
	    {"provisioning", "POST", "/api/v1/users", false},
	    {"provisioning", "POST", "/api/v1/calls", false},
	    {"provisioning", "POST", "/api/v1/calls/:id/hangup", false},
	    {"provisioning", "GET", "/api/v1/calls/:id/pop", false},
	    {"provisioning", "GET", "/api/v1/events", false},
	    {"provisioning", "GET", "/api/v1/phone", false},
	    {"provisioning", "POST", "/api/v1/nodes/:key/close_calls", false},
	    {"provisioning", "GET", "/metrics", false},
	    {"everything", "GET", "/api/v1/tenants", false},
	    {"", "GET", "/api/v1/tenants", false},
	};
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		if (api_scope_allows(v[i].scope, v[i].method, v[i].pattern) !=
		    v[i].ok) {
			fprintf(stderr, "  scope %s %s %s: want %s\n",
				v[i].scope, v[i].method, v[i].pattern,
				v[i].ok ? "allowed" : "refused");
			err = 1;
		}
	}
	TEST_ASSERT(!api_scope_allows(NULL, "GET", "/metrics"));
	TEST_ASSERT(api_scope_known("full"));
	TEST_ASSERT(api_scope_known("read-only"));
	TEST_ASSERT(api_scope_known("provisioning"));
	TEST_ASSERT(api_scope_known("metrics"));
	TEST_ASSERT(!api_scope_known("Full"));
	TEST_ASSERT(!api_scope_known(""));
	TEST_ASSERT(!api_scope_known(NULL));
out:
	return err;
}

int test_token_expiry(void)
{
	struct store_token t;
	int err = 0;

	memset(&t, 0, sizeof(t));
	TEST_ASSERT(!api_token_expired(&t, UINT64_MAX)); /* 0: never */
	t.expires_at = 1000;
	TEST_ASSERT(!api_token_expired(&t, 999));
	TEST_ASSERT(api_token_expired(&t, 1000)); /* at its end: over */
	TEST_ASSERT(api_token_expired(&t, 1001));
	TEST_ASSERT(!api_token_expired(NULL, 5000));
out:
	return err;
}

int test_store_token_scope(void)
{
	static const char tok[] = "0123abcdef-rest-of-the-token";
	struct store_token t, g;
	struct tdb db;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	memset(&t, 0, sizeof(t));
	str_copy(t.role, "operator", sizeof(t.role));
	TEST_EQ_INT(store_token_add(db.st, tok, &t), 0);
	memset(&g, 0, sizeof(g));
	TEST_EQ_INT(store_token_check(db.st, tok, &g), 0);
	TEST_EQ_STR(g.scope, "full");
	TEST_EQ_STR(g.prefix, "0123abcd");
	TEST_EQ_INT(g.expires_at, 0);

	memset(&t, 0, sizeof(t));
	str_copy(t.role, "operator", sizeof(t.role));
	str_copy(t.scope, "metrics", sizeof(t.scope));
	t.expires_at = T0 + 60000;
	TEST_EQ_INT(store_token_add(db.st, "scraper-token", &t), 0);
	TEST_EQ_INT(store_token_get(db.st, t.id, &g), 0);
	TEST_EQ_STR(g.scope, "metrics");
	TEST_EQ_STR(g.prefix, "scraper-");
	TEST_EQ_INT(g.expires_at, T0 + 60000);

	/* the schema takes the four scopes only */
	memset(&t, 0, sizeof(t));
	str_copy(t.role, "operator", sizeof(t.role));
	str_copy(t.scope, "root", sizeof(t.scope));
	TEST_ASSERT(store_token_add(db.st, "another-token", &t) != 0);
	TEST_EQ_INT(store_token_check(db.st, "another-token", &g), ENOENT);
out:
	tdb_close(&db);
	return err;
}
