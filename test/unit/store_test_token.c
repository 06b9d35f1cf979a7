/*
 * store_test_token.c - API tokens against store.h: only the SHA-256 is
 * kept (checked in the file and its WAL), lookups, tenant tokens.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

/* ---- API tokens ------------------------------------------------------- */

/* True if the file at path contains the bytes of s. */
static bool file_has(const char *path, const char *s)
{
	FILE *f = fopen(path, "rb");
	size_t n = strlen(s), len;
	char *buf;
	bool found = false;

	if (!f)
		return false;
	buf = mem_alloc(1 << 22, NULL);
	if (buf) {
		len = fread(buf, 1, 1 << 22, f);
		found = memmem(buf, len, s, n) != NULL;
	}
	mem_deref(buf);
	fclose(f);

	return found;
}

int test_store_token(void)
{
	static const char plain[] = "plain-token-never-stored-0123456789";
	struct tdb db;
	struct store_token t, g;
	char buf[96], wal[128];
	int64_t t1;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_ASSERT(!store_token_any(db.st));

	memset(&t, 0, sizeof(t));
	str_copy(t.role, "operator", sizeof(t.role));
	str_copy(t.name, "setup", sizeof(t.name));
	TEST_EQ_INT(store_token_add(db.st, plain, &t), 0);
	TEST_ASSERT(t.id > 0);
	TEST_EQ_INT(t.created_at, T0);
	TEST_ASSERT(store_token_any(db.st));

	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_token_check(db.st, plain, &g), 0);
	TEST_EQ_INT(g.id, t.id);
	TEST_EQ_STR(g.role, "operator");
	TEST_EQ_INT(g.tenant_id, 0);
	TEST_EQ_STR(g.name, "setup");
	TEST_EQ_INT(g.created_at, T0);
	TEST_EQ_INT(store_token_check(db.st, plain, NULL), 0);
	TEST_EQ_INT(store_token_check(db.st, "plain-token-never-stored", &g),
		    ENOENT);
	TEST_EQ_INT(store_token_check(db.st, "", &g), EINVAL);
	TEST_EQ_INT(store_token_add(db.st, plain, &t), EEXIST);

	/* the store keeps the SHA-256 in lower-case hex, never the token */
	memset(&t, 0, sizeof(t));
	str_copy(t.role, "operator", sizeof(t.role));
	TEST_EQ_INT(store_token_add(db.st, "abc", &t), 0);
	re_snprintf(buf, sizeof(buf),
		    "SELECT token_sha256 FROM api_tokens WHERE id = %lld",
		    (long long)t.id);
	{
		char sql[96];

		str_copy(sql, buf, sizeof(sql));
		TEST_EQ_INT(raw_query(db.path, sql, buf, sizeof(buf)), 0);
	}
	TEST_EQ_STR(buf, "ba7816bf8f01cfea414140de5dae2223"
			 "b00361a396177a9cb410ff61f20015ad");
	re_snprintf(wal, sizeof(wal), "%s-wal", db.path);
	TEST_ASSERT(!file_has(db.path, plain));
	TEST_ASSERT(!file_has(wal, plain));

	/* tenant tokens */
	TEST_EQ_INT(fx_tenant(db.st, "One", NULL, NULL, &t1), 0);
	memset(&t, 0, sizeof(t));
	str_copy(t.role, "tenant", sizeof(t.role));
	t.tenant_id = t1 + 100;
	TEST_EQ_INT(store_token_add(db.st, "tenant-token", &t), ENOENT);
	t.tenant_id = t1;
	TEST_EQ_INT(store_token_add(db.st, "tenant-token", &t), 0);
	TEST_EQ_INT(store_token_check(db.st, "tenant-token", &g), 0);
	TEST_EQ_INT(g.tenant_id, t1);
	TEST_EQ_STR(g.role, "tenant");
	str_copy(t.role, "", sizeof(t.role));
	TEST_EQ_INT(store_token_add(db.st, "other", &t), EINVAL);
out:
	tdb_close(&db);
	return err;
}
