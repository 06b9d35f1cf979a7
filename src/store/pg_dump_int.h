/*
 * pg_dump_int.h - private to the store: the online backup of a store on
 * PostgreSQL, Debian's pg_dump run as a child process (db_pg_dump.c), under
 * store_backup_*() of sqlite_backup.c.
 */
#ifndef SWITCHBOARD_STORE_PG_DUMP_INT_H
#define SWITCHBOARD_STORE_PG_DUMP_INT_H

#include <stdbool.h>

struct db;
struct pg_dump;

/* Start pg_dump -Fc of db's database into the new file path: 0, EEXIST if
 * path exists, ENOENT if pg_dump is not installed, else an errno. */
int pg_dump_start(struct pg_dump **pdp, struct db *db, const char *path);
/* Never waits: EAGAIN while pg_dump runs; 0 with *done once it exited
 * with 0 and the file is there; EIO when it failed (pg_dump_reason()). */
int pg_dump_poll(struct pg_dump *pd, bool *done);
/* Why it failed: the first line pg_dump wrote to stderr, else how it
 * ended; "" while it runs or when it succeeded. */
const char *pg_dump_reason(const struct pg_dump *pd);

#endif
