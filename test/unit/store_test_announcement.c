/*
 * store_test_announcement.c - announcements against store.h: file names
 * that stay inside the prompts directory, round trip, update, and no
 * delete while a number targets one.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

int test_store_announcement(void)
{
	static const struct {
		const char *file;
		int want;
	} files[] = {
	    {"welcome.wav", 0},
	    {"de/welcome.wav", 0},
	    {"..welcome.wav", 0},
	    {"", EINVAL},
	    {"/etc/passwd", EINVAL},
	    {"../secret.wav", EINVAL},
	    {"de/../../secret.wav", EINVAL},
	    {"de/..", EINVAL},
	};
	struct tdb db;
	struct store_announcement a, g;
	struct store_number n;
	struct ids ids;
	int64_t t1, t2, a1, ao, num, x;
	size_t i;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		int r = fx_announcement(db.st, t1, files[i].file, &x);

		if (r != files[i].want)
			fprintf(stderr, "  file '%s': %d\n", files[i].file, r);
		TEST_EQ_INT(r, files[i].want);
		if (!r)
			TEST_EQ_INT(store_announcement_delete(db.st, x), 0);
	}
	TEST_EQ_INT(fx_announcement(db.st, t2 + 100, "a.wav", &x), ENOENT);

	memset(&a, 0, sizeof(a));
	a.tenant_id = t1;
	str_copy(a.name, "Willkommen", sizeof(a.name));
	str_copy(a.file, "welcome.wav", sizeof(a.file));
	TEST_EQ_INT(store_announcement_add(db.st, &a), 0);
	a1 = a.id;
	memset(&a, 0, sizeof(a));
	a.tenant_id = t1;
	TEST_EQ_INT(store_announcement_add(db.st, &a), EINVAL); /* no name */
	TEST_EQ_INT(fx_announcement(db.st, t2, "other.wav", &ao), 0);

	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_announcement_get(db.st, a1, &g), 0);
	TEST_EQ_INT(g.id, a1);
	TEST_EQ_INT(g.tenant_id, t1);
	TEST_EQ_STR(g.name, "Willkommen");
	TEST_EQ_STR(g.file, "welcome.wav");
	TEST_EQ_INT(g.created_at, T0);
	TEST_EQ_INT(store_announcement_get(db.st, ao + 100, &g), ENOENT);

	str_copy(g.name, "Nachtansage", sizeof(g.name));
	str_copy(g.file, "night.wav", sizeof(g.file));
	TEST_EQ_INT(store_announcement_update(db.st, &g), 0);
	TEST_EQ_INT(store_announcement_get(db.st, a1, &a), 0);
	TEST_EQ_STR(a.name, "Nachtansage");
	TEST_EQ_STR(a.file, "night.wav");
	g.tenant_id = t2;
	TEST_EQ_INT(store_announcement_update(db.st, &g), EXDEV);
	g.tenant_id = t1;
	str_copy(g.file, "../x.wav", sizeof(g.file));
	TEST_EQ_INT(store_announcement_update(db.st, &g), EINVAL);

	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_announcement_list(db.st, t1, announcement_id_h, &ids),
		    0);
	TEST_ASSERT(ids_are(&ids, 1, &a1));
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_announcement_list(db.st, 0, announcement_id_h, &ids),
		    0);
	TEST_EQ_INT(ids.n, 2);

	/* in use while a number targets it */
	TEST_EQ_INT(fx_number(db.st, "+4922182829990", true,
			      TARGET_ANNOUNCEMENT, a1, &num),
		    0);
	TEST_EQ_INT(store_announcement_delete(db.st, a1), EBUSY);
	TEST_EQ_INT(store_number_get(db.st, num, &n), 0);
	n.target_type = TARGET_NONE;
	TEST_EQ_INT(store_number_update(db.st, &n), 0);
	TEST_EQ_INT(store_announcement_delete(db.st, a1), 0);
	TEST_EQ_INT(store_announcement_get(db.st, a1, &g), ENOENT);
	TEST_EQ_INT(store_announcement_delete(db.st, a1), ENOENT);
out:
	tdb_close(&db);
	return err;
}
