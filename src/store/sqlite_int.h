/*
 * sqlite_int.h - private to store/: what the SQLite backend's files share.
 *
 * sqlite.c owns the connection and implements store.h; migrate.c brings a
 * database file to the newest schema; demo.c seeds the demo tenant through
 * the public functions inside one transaction.  Nothing outside store/ may
 * include this header: the rest of Switchboard sees only store.h.
 */
#ifndef SWITCHBOARD_STORE_SQLITE_INT_H
#define SWITCHBOARD_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include "store/store.h"

/* ---- migrate.c -------------------------------------------------------- */

/* Newest schema version this build knows (the last migration step). */
int store_migrate_latest(void);

/*
 * Bring db from its PRAGMA user_version to store_migrate_latest() in one
 * transaction, with foreign key enforcement off while tables change and a
 * foreign key check before the commit.  On any failure nothing changes.
 * A database newer than this build is refused (EIO).  Foreign keys are
 * switched on again before returning, whatever happened.  The resulting
 * version is written to *versionp on success.
 */
int store_migrate(sqlite3 *db, int *versionp);

/* ---- sqlite.c: transactions ------------------------------------------- */

/*
 * Open a write transaction (BEGIN IMMEDIATE) or, when one is already open,
 * a savepoint inside it, so public functions that need a transaction can
 * call each other.  Every successful store_tx_begin() must be paired with
 * store_tx_end(), which commits when err is 0 and rolls back to the
 * matching begin otherwise.  store_tx_end() returns err, or EIO if the
 * commit itself failed (the work is then rolled back).
 */
int store_tx_begin(struct store *st);
int store_tx_end(struct store *st, int err);

#endif
