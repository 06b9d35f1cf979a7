/*
 * migrate.c - the schema of the SQLite store and how a database file gets
 * there.
 *
 * The schema is a list of numbered steps.  A database remembers the last
 * step it received in PRAGMA user_version (0 for a new, empty file), and
 * store_migrate() applies the steps after that one, in order, inside one
 * transaction: a file is either fully upgraded or left as it was.  So an
 * operator's existing database is upgraded in place when a newer
 * Switchboard opens it, and a newer file is never opened by an older build.
 *
 * To change the schema, append a step to migrationv[] and never edit a
 * step that has shipped.  The SQL of the steps is in schema_<area>.c by
 * what it is about (schema_core.c, _apps, _acd, _secretariat, _access,
 * _notes), declared in schema_int.h.  Steps run with foreign key enforcement off (the
 * SQLite way to rebuild a table: CREATE new, INSERT SELECT, DROP old,
 * ALTER RENAME), and PRAGMA foreign_key_check must pass before the commit.
 *
 * Conventions of the schema: ids are INTEGER PRIMARY KEY (rowid); "none"
 * in a nullable reference is NULL (0 in the C records); times are INTEGER
 * milliseconds UTC; strings are NOT NULL with '' for empty.  CHECK
 * constraints hold the invariants that will not change; value lists that
 * will grow (target types, transports) are checked in C instead, because
 * widening a CHECK means rebuilding the table.
 */
#include "core/core.h"
#include <sqlite3.h>
#include "store/schema_int.h"
#include "store/sqlite_int.h"

struct migration {
	int version;      /* user_version after this step        */
	const char *name; /* for the log                         */
	const char *sql;  /* statements, run by sqlite3_exec()   */
};

/* Append only.  versions are 1, 2, 3, ... in this order; a new step's
 * SQL goes into the schema file of its area, declared in schema_int.h. */

static const struct migration migrationv[] = {
    {1, "initial schema", schema_v1},
    {2, "registering trunks", schema_v2},
    {3, "device media encryption", schema_v3},
    {4, "node heartbeats", schema_v4},
    {5, "outbox", schema_v5},
    {6, "time control", schema_v6},
    {7, "tenant language", schema_v7},
    {8, "voice menus", schema_v8},
    {10, "voicemail", schema_v10},
    {11, "uploaded prompts, external targets", schema_v11},
    {12, "digit inputs", schema_v12},
    {13, "ring groups", schema_v13},
    {14, "hotline queues", schema_v14},
    {15, "queue statistics", schema_v15},
    {17, "vip callers, queue greetings", schema_v17},
    {18, "queue callbacks", schema_v18},
    {19, "answering service employees", schema_v19},
    {20, "absence info, appointments, on-call schedules", schema_v20},
    {21, "client profile versions", schema_v21},
    {22, "roles: admin is operator", schema_v22},
    {23, "password logins, sessions", schema_v23},
    {24, "audit trail, retention, deletion", schema_v24},
    {25, "callers, rotation days", schema_v25},
    {26, "forwarded calls", schema_v26},
    {27, "failed logins kept", schema_v27},
    {29, "call notes and their delivery", schema_v29},
    {30, "web push", schema_v30},
    {31, "escalation of urgent notes", schema_v31},
    {32, "on-call step of note escalation", schema_v32},
    {33, "numbers serving forwarded calls", schema_v33},
    {34, "agent pool queues", schema_v34},
    {35, "outcomes of transfers with consultation", schema_v35},
    {36, "tariffs", schema_v36},
    {37, "wrap-up per queue visit", schema_v37},
    {38, "invoices, credit notes, billing addresses", schema_v38},
    {40, "assistants' tasks, booked time, calls booked", schema_v40},
    {41, "assistants assigned to tasks", schema_v41},
    {42, "invoices kept when their client is deleted", schema_v42},
    {44, "consultation outcome caller_left", schema_v44},
    {47, "assistants' hourly rate on the tariff", schema_v47},
    {49, "deliveries reported delivered", schema_v49},
    {50, "API token scope and prefix", schema_v50},
    {51, "trunk failover and matching", schema_v51},
    {54, "TLS trunks check the carrier's certificate", schema_v54},
    {57, "leases of single-owner jobs", schema_v57},
    {58, "callbacks claimed by a node, trunk registrations seen by all",
     schema_v58},
    {59, "the order of child rows kept in a column", schema_v59},
    {60, "agents' claims and waiting callers as rows of every node",
     schema_v60},
    {61, "events between nodes", schema_v61},
    {63, "queue and agent settings changes every node follows", schema_v63},
    {64, "a deleted client as a settings change, callers being offered",
     schema_v64},
    {66, "event stream clients of each node", schema_v66},
};

int store_migrate_latest(void)
{
	return migrationv[ARRAY_SIZE(migrationv) - 1].version;
}

/* Run one statement that returns nothing we need. */
static int exec(sqlite3 *db, const char *sql, const char *op)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		warning("store: migrate: %s: %s\n", op,
			msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return EIO;
	}

	return 0;
}

/* The first integer column of the first row of sql into *vp (0 if no
 * row). */
static int query_int(sqlite3 *db, const char *sql, int *vp)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		*vp = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		warning("store: migrate: %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(s);

	return rc == SQLITE_OK ? 0 : EIO;
}

/* Apply the steps after version *vp; called inside the transaction. */
static int apply(sqlite3 *db, int *vp)
{
	char pragma[48];
	size_t i;
	int bad, err;

	for (i = 0; i < ARRAY_SIZE(migrationv); i++) {
		const struct migration *m = &migrationv[i];

		if (m->version <= *vp)
			continue;

		err = exec(db, m->sql, m->name);
		if (err)
			return err;

		/* user_version lives in the file header, which is part of
		 * the transaction like any other page */
		re_snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
			    m->version);
		err = exec(db, pragma, "user_version");
		if (err)
			return err;

		info("store: migrate: schema %d -> %d (%s)\n", *vp, m->version,
		     m->name);
		*vp = m->version;
	}

	/* foreign_key_check returns one row per violation */
	err = query_int(db, "SELECT count(*) FROM pragma_foreign_key_check",
			&bad);
	if (err)
		return err;
	if (bad) {
		warning("store: migrate: %d foreign key violations\n", bad);
		return EIO;
	}

	return 0;
}

/* A file written by a newer build: its schema is unknown to us. */
static bool too_new(int v, int latest)
{
	if (v <= latest)
		return false;

	warning("store: database schema %d is newer than this build (%d); "
		"refusing to open it\n",
		v, latest);
	return true;
}

int store_migrate(sqlite3 *db, int *versionp)
{
	int latest = store_migrate_latest();
	int v = 0, err;

	if (!db || !versionp)
		return EINVAL;

	err = query_int(db, "PRAGMA user_version", &v);
	if (err)
		return err;

	if (too_new(v, latest))
		return EIO;
	if (v == latest) {
		*versionp = v;
		return 0;
	}

	/* PRAGMA foreign_keys is a no-op inside a transaction */
	err = exec(db, "PRAGMA foreign_keys = OFF", "foreign keys off");
	if (err)
		return err;

	err = exec(db, "BEGIN IMMEDIATE", "begin");
	if (err)
		goto out;

	/* another process may have migrated while we waited for the lock */
	err = query_int(db, "PRAGMA user_version", &v);
	if (!err && too_new(v, latest))
		err = EIO;
	if (!err)
		err = apply(db, &v);

	if (!err)
		err = exec(db, "COMMIT", "commit");
	if (err && !sqlite3_get_autocommit(db))
		(void)exec(db, "ROLLBACK", "rollback");

out:
	if (exec(db, "PRAGMA foreign_keys = ON", "foreign keys on") && !err)
		err = EIO;
	if (!err)
		*versionp = v;

	return err;
}
