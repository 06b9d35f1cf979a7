/*
 * store_test_sync.c - the durability sqlite_core.c promises at its top:
 * WAL with synchronous=NORMAL, so a commit is an append to the WAL without
 * an fsync, and the checkpoint when the last connection closes writes the
 * database and syncs it.  (synchronous=OFF would never sync: a power cut
 * could corrupt the file; FULL would sync at every commit.)
 *
 * Counted by defining fsync() and fdatasync() in this executable: the
 * SQLite library calls them through its PLT, and the dynamic linker binds
 * those calls to the executable's definitions first (ELF symbol
 * interposition, as src/core/tmr.c does for libre); they count and pass on
 * to the C library's.
 */
#include <dlfcn.h>
#include <unistd.h>
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

static unsigned syncs; /* fsync() + fdatasync() calls so far */

int fsync(int fd)
{
	static int (*real)(int);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fsync");
	++syncs;
	return real ? real(fd) : -1;
}

int fdatasync(int fd)
{
	static int (*real)(int);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
	++syncs;
	return real ? real(fd) : -1;
}

static void db_unlink(const char *path)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char p[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sfx); i++) {
		re_snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
}

int test_store_durability(void)
{
	struct store *st = NULL;
	struct store_tenant t;
	char path[96];
	unsigned n0 = 0, n1;
	int i, err = 0;

	TEST_SKIP_PG("SQLite's fsync of its files");

	re_snprintf(path, sizeof(path), "/tmp/sb-sync-test-%d.db",
		    (int)getpid());
	db_unlink(path);
	TEST_EQ_INT(store_open(&st, path), 0);

	/* the control: the counter sees SQLite's syncs at all (the
	 * checkpoint of the migrations, when this first connection closes) */
	n0 = syncs;
	st = mem_deref(st);
	TEST_ASSERT(syncs > n0);

	/* commits: appended to the WAL, no sync (the first one after the
	 * open starts a new WAL, whose header SQLite syncs: not counted) */
	TEST_EQ_INT(store_open(&st, path), 0);
	for (i = 0; i < 4; i++) {
		if (i == 1)
			n0 = syncs;
		memset(&t, 0, sizeof(t));
		re_snprintf(t.name, sizeof(t.name), "Sync %d", i);
		str_copy(t.country_code, "49", sizeof(t.country_code));
		TEST_EQ_INT(store_tenant_add(st, &t), 0);
	}
	n1 = syncs;
	TEST_EQ_INT(n1 - n0, 0);

	/* closing checkpoints them into the database file, synced */
	st = mem_deref(st);
	TEST_ASSERT(syncs > n1);
out:
	mem_deref(st);
	db_unlink(path);
	return err;
}
