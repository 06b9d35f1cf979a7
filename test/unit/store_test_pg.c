/*
 * store_test_pg.c - the store tests on PostgreSQL (issue 21): with
 * SB_TEST_PG set to a libpq URL of a running server (the suite store_pg
 * starts one), tdb_open() gives every test a database of its own instead
 * of a file.  A template database is migrated once per run (the store's
 * open: pg_migrate.c) and each test's database is a copy of it (CREATE
 * DATABASE ... TEMPLATE: a file copy on the server, no migration per
 * test), dropped by tdb_close().  raw_query() and raw_exec() reach such a
 * database with libpq.
 */
#include <stdlib.h>
#include <unistd.h>
#include <libpq-fe.h>
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

static char tpl[64];    /* the template database's name, once made */
static unsigned pg_seq; /* databases made by this run               */

const char *tdb_pg(void)
{
	const char *url = getenv("SB_TEST_PG");

	return url && *url ? url : NULL;
}

bool tdb_is_pg(const char *path)
{
	return path && (!strncmp(path, "postgresql://", 13) ||
			!strncmp(path, "postgres://", 11));
}

/* The URL of database name on the server of SB_TEST_PG: its path
 * replaced (the query string kept). */
static void url_of(char *url, size_t sz, const char *name)
{
	const char *base = tdb_pg(), *host, *path, *query;

	host = strstr(base, "://");
	host = host ? host + 3 : base;
	path = host + strcspn(host, "/?");
	query = strchr(path, '?');
	re_snprintf(url, sz, "%b/%s%s", base, (size_t)(path - base), name,
		    query ? query : "");
}

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg; /* "does not exist, skipping" */
}

/* Run sql on the server's SB_TEST_PG database (CREATE/DROP DATABASE). */
static int admin(const char *sql)
{
	PGconn *c = PQconnectdb(tdb_pg());
	PGresult *r;
	int err = 0;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "  SB_TEST_PG: %s", PQerrorMessage(c));
		PQfinish(c);
		return EIO;
	}
	(void)PQsetNoticeProcessor(c, quiet, NULL);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "  %s: %s", sql, PQresultErrorMessage(r));
		err = EIO;
	}
	PQclear(r);
	PQfinish(c);
	return err;
}

static void tpl_drop(void)
{
	char sql[128];

	if (!tpl[0])
		return;
	re_snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
		    tpl);
	(void)admin(sql);
	tpl[0] = '\0';
}

/* The template: a database the store has opened (migrated) once. */
static int tpl_make(void)
{
	struct store *st = NULL;
	char sql[160], url[256];
	int err;

	if (tpl[0])
		return 0;
	re_snprintf(tpl, sizeof(tpl), "sbt_%d_tpl", (int)getpid());
	re_snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
		    tpl);
	err = admin(sql);
	re_snprintf(sql, sizeof(sql), "CREATE DATABASE %s", tpl);
	if (!err)
		err = admin(sql);
	url_of(url, sizeof(url), tpl);
	if (!err)
		err = store_open(&st, url);
	mem_deref(st);
	if (err) {
		fprintf(stderr, "  template %s: %s\n", tpl, strerror(err));
		tpl_drop();
		return err;
	}
	atexit(tpl_drop);
	return 0;
}

int tdb_pg_create(char *url, size_t sz)
{
	char name[64], sql[160];
	int err;

	err = tpl_make();
	if (err)
		return err;
	re_snprintf(name, sizeof(name), "sbt_%d_%u", (int)getpid(), ++pg_seq);
	re_snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE %s", name,
		    tpl);
	err = admin(sql);
	if (err)
		return err;
	url_of(url, sz, name);
	return 0;
}

void tdb_pg_drop(const char *url)
{
	const char *name = strrchr(url, '/');
	char sql[160];
	size_t n;

	if (!name)
		return;
	++name;
	n = strcspn(name, "?");
	re_snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %b WITH (FORCE)",
		    name, n);
	(void)admin(sql);
}

int raw_pg_query(const char *url, const char *sql, char *buf, size_t sz)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r = NULL;
	int err = 0;

	if (buf && sz)
		buf[0] = '\0';
	if (PQstatus(c) != CONNECTION_OK) {
		err = EIO;
		goto out;
	}
	r = PQexec(c, sql);
	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
		if (buf && PQntuples(r) > 0 && PQnfields(r) > 0) {
			const char *v = PQgetvalue(r, 0, 0);

			/* booleans as SQLite gives them */
			if (PQftype(r, 0) == 16)
				v = v[0] == 't' ? "1" : "0";
			str_copy(buf, v, sz);
		}
		break;

	case PGRES_COMMAND_OK:
		break;

	default:
		err = EIO;
		break;
	}
out:
	PQclear(r);
	PQfinish(c);
	return err;
}
