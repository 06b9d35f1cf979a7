/*
 * store_test_db.h - what store_test_db.c (the driver seam on the run's
 * driver) and store_test_db_pg.c (PostgreSQL's own cases) share.
 */
#ifndef SWITCHBOARD_STORE_TEST_DB_H
#define SWITCHBOARD_STORE_TEST_DB_H

#include <stdint.h>

struct db;

/* Prepare sql on db and step it once: its DB_* result. */
int exec1(struct db *db, const char *sql);
/* The first column of the first row of sql as an integer (-1: none). */
int64_t query1(struct db *db, const char *sql);

/* PostgreSQL's cases on db (tables p and c made, rows in them), a
 * connection to the database of url. */
int test_db_pg(struct db *db, const char *url);
/* The store on the PostgreSQL database url: reopened, refused when newer. */
int test_db_pg_open(const char *url);

#endif
