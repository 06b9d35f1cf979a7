/*
 * pg_schema.h - private to store/: the schema of the PostgreSQL store
 * (issue 21).  pg_migrate.c lists its steps and says how a database gets
 * there; the SQL of the baseline (version 57) is in pg_schema_<area>.c,
 * one file per schema_<area>.c of the SQLite store.
 */
#ifndef SWITCHBOARD_STORE_PG_SCHEMA_H
#define SWITCHBOARD_STORE_PG_SCHEMA_H

#include <stddef.h>

enum {
	STORE_PG_PARTS = 8, /* SQL texts of one step, at most */
};

/* One step: the schema version after it and its SQL, texts that PQexec()
 * runs in order (each may hold many statements), NULL after the last. */
struct store_pg_step {
	int version;
	const char *name;
	const char *sqlv[STORE_PG_PARTS];
};

/* The steps in order; *np is their number. */
const struct store_pg_step *store_pg_steps(size_t *np);

/* The version after the last step: store_migrate_latest() of SQLite. */
int store_pg_latest(void);

struct db;

/*
 * Bring the PostgreSQL database db to store_pg_latest() in one transaction
 * under the migration lock (pg_migrate.c says how); nothing changes on an
 * error.  A database newer than this build is refused (EIO).  *versionp
 * gets the version on success.
 */
int store_pg_migrate(struct db *db, int *versionp);

/* The statements around the steps (pg_migrate.c says when each runs). */
extern const char store_pg_lock_sql[];
extern const char store_pg_version_table_sql[];
extern const char store_pg_version_get_sql[];
extern const char store_pg_version_set_sql[];

/* The baseline at version 57, in the order it is applied. */
extern const char pg_schema57_core[];
extern const char pg_schema57_apps[];
extern const char pg_schema57_acd[];
extern const char pg_schema57_secretariat[];
extern const char pg_schema57_access[];
extern const char pg_schema57_notes[];
extern const char pg_schema57_billing[];

/* The steps after the baseline (pg_migrate.c lists them). */
extern const char pg_schema_v58[];
extern const char pg_schema_v59[];
extern const char pg_schema_v60[];
extern const char pg_schema_v61[];
extern const char pg_schema_v63[];
extern const char pg_schema_v64[];
extern const char pg_schema_v66[];

#endif
