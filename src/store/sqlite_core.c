/*
 * sqlite_core.c - the connection of the store: open, close, the statement
 * cache, transactions and database errors as errno.
 *
 * One connection per struct store (struct db of db.h, the driver seam;
 * db_sqlite.c sets SQLite up: WAL, foreign keys, a busy timeout), used
 * from the re_main thread only.
 *
 * Every SQL statement is in the sqlset of the file that uses it and is
 * prepared once, when the store opens, as a persistent statement.  The
 * SQL is one text for SQLite and PostgreSQL; a set's pg_sql replaces the
 * few that differ by nature when the connection is PostgreSQL's.  A
 * call binds, steps and resets a cached statement: the SIP hot path
 * (device by username, number by E.164, registrations of an employee, call
 * records) does no parsing or planning.  List functions step a statement
 * while the caller's handler runs; if that handler calls back into the
 * store and needs the same statement, store_stmt_get() hands out a fresh
 * one, so nesting is safe.  Rows a handler adds to the table being listed
 * may or may not be seen by the rest of that walk (SQLite leaves it open).
 *
 * Rules that span tables (personal numbers, "in use" checks, blocks that
 * must not overlap) run inside store_tx_begin()/store_tx_end(), which nest
 * through savepoints so that store_demo_seed() can wrap the public
 * functions in one transaction.
 *
 * Errors: constraint failures (db.h's classes) become EEXIST (unique), ENOENT or
 * EBUSY (foreign key: a missing parent on insert, a child on delete) and
 * EINVAL (check); everything else is EIO and is logged here with the
 * statement's op.  Values are never logged: no passwords, ha1 or tokens.
 */
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include "core/core.h"
#include "store/pg_schema.h"
#include "store/sqlite_int.h"

/* db_tx()'s operations, for log lines */
static const char *const txop_name[DB_TXOP_COUNT] = {
    [DB_BEGIN] = "begin",       [DB_COMMIT] = "commit",
    [DB_ROLLBACK] = "rollback", [DB_SAVEPOINT] = "savepoint",
    [DB_RELEASE] = "release",   [DB_ROLLBACK_TO] = "rollback to",
    [DB_BEGIN_ROWS] = "begin",
};

/* Every file's statements; together they are S_COUNT, each once. */
static const struct store_sqlset *const sqlsets[] = {
    &store_sql_tenant,
    &store_sql_employee,
    &store_sql_device,
    &store_sql_number,
    &store_sql_announcement,
    &store_sql_trunk,
    &store_sql_registration,
    &store_sql_call,
    &store_sql_node,
    &store_sql_node_event, /* issue 21: events between nodes */
    &store_sql_lease,
    &store_sql_trunk_reg,
    &store_sql_outbox,
    &store_sql_token,
    &store_sql_schedule,
    &store_sql_ivr,
    &store_sql_voicemail,
    &store_sql_prompt,
    &store_sql_external,
    &store_sql_digit_input,
    &store_sql_ring_group,
    &store_sql_queue,
    &store_sql_agent,
    &store_sql_acd_rows,
    &store_sql_target,
    &store_sql_visit,
    &store_sql_vip,
    &store_sql_callback,
    &store_sql_availability, /* issue 16: absence info, appointments */
    &store_sql_oncall,       /* issue 16: on-call schedules */
    &store_sql_profile,      /* issue 16: client profile versions */
    &store_sql_user,         /* issue 16: password logins */
    &store_sql_audit,        /* issue 16: audit trail, keep-times, deletion */
    &store_sql_retention,
    &store_sql_tenant_data,
    &store_sql_caller,        /* issue 16: allow/block lists */
    &store_sql_forwarding,    /* issue 17: forwarded calls */
    &store_sql_login_failure, /* issue 16: failed logins kept */
    &store_sql_note,          /* issue 17: call notes */
    &store_sql_note_esc,      /* issue 17: escalation of urgent notes */
    &store_sql_push,          /* issue 17: web push */
    &store_sql_dashboard,     /* issue 17: dashboard, statistics */
    &store_sql_consult,       /* issue 17: outcomes of consultations */
    &store_sql_billing,       /* issue 18: tariffs, billing */
    &store_sql_invoice,       /* issue 18: invoices */
    &store_sql_task,          /* issue 18: assistants' tasks */
};

/* ---- errors ----------------------------------------------------------- */

int store_dberr_op(struct store *st, int rc, const char *op, int fkerr)
{
	switch (rc) {
	case DB_EUNIQUE:
		return EEXIST;

	case DB_EFOREIGN:
		return fkerr;

	case DB_ENOMEM:
		return ENOMEM;

	case DB_ECONSTRAINT:
		debug("store: %s: %s\n", op, db_errmsg(st->db));
		return EINVAL;

	default:
		break;
	}

	warning("store: %s: %s (%d)\n", op, db_errmsg(st->db), rc);
	return EIO;
}

int store_dberr(struct store *st, int rc, enum store_sql_id id, int fkerr)
{
	return store_dberr_op(
	    st, rc, st->sqlv[id] ? st->sqlv[id]->op : "prepare", fkerr);
}

/* ---- binding and reading values --------------------------------------- */

void store_bind_text(struct db_stmt *s, int i, const char *str, size_t sz)
{
	if (!str)
		str = "";

	db_bind_text(s, i, str, sz ? strnlen(str, sz - 1) : strlen(str));
}

void store_bind_ref(struct db_stmt *s, int i, int64_t id)
{
	if (id > 0)
		db_bind_int64(s, i, id);
	else
		db_bind_null(s, i);
}

void store_bind_u64(struct db_stmt *s, int i, uint64_t v)
{
	db_bind_int64(s, i, (int64_t)v);
}

void store_col_text(struct db_stmt *s, int i, char *buf, size_t sz)
{
	str_copy(buf, db_column_text(s, i), sz);
}

uint64_t store_col_u64(struct db_stmt *s, int i)
{
	return (uint64_t)db_column_int64(s, i);
}

int store_col_int(struct db_stmt *s, int i)
{
	return (int)db_column_int64(s, i);
}

bool store_str_isdigits(const char *s)
{
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
	}
	return true;
}

/* ---- statements ------------------------------------------------------- */

int store_stmt_get(struct store *st, enum store_sql_id id, struct db_stmt **sp)
{
	struct db_stmt *s = st->stmtv[id];
	int rc;

	if (!db_busy(s)) {
		*sp = s;
		return 0;
	}

	rc = db_prepare(st->db, st->sqlv[id]->sql, false, &s);
	if (rc != DB_OK)
		return store_dberr(st, rc, id, EIO);

	*sp = s;
	return 0;
}

void store_stmt_put(struct store *st, enum store_sql_id id, struct db_stmt *s)
{
	if (s != st->stmtv[id]) {
		db_finalize(s);
		return;
	}

	db_reset(s);
}

int store_step(struct store *st, enum store_sql_id id, struct db_stmt *s,
	       int fkerr)
{
	int rc = db_step(s);

	if (rc == DB_DONE || rc == DB_ROW)
		return 0;

	return store_dberr(st, rc, id, fkerr);
}

int store_stmt_vbind(struct store *st, enum store_sql_id id,
		     struct db_stmt **sp, const char *fmt, va_list ap)
{
	struct db_stmt *s;
	const char *str;
	int i, n, err;

	err = store_stmt_get(st, id, &s);
	if (err)
		return err;

	n = db_param_count(s);
	for (i = 1; *fmt && i <= n; fmt++, i++) {
		switch (*fmt) {
		case 'i':
			db_bind_int64(s, i, va_arg(ap, int64_t));
			break;

		case 'r':
			store_bind_ref(s, i, va_arg(ap, int64_t));
			break;

		case 'u':
			store_bind_u64(s, i, va_arg(ap, uint64_t));
			break;

		case 'd':
			db_bind_int64(s, i, va_arg(ap, int));
			break;

		case 's':
			STORE_BIND_STR(s, i, va_arg(ap, const char *));
			break;

		case 'n':
			str = va_arg(ap, const char *);
			if (str)
				STORE_BIND_STR(s, i, str);
			break;

		default: /* '-': ?i is not used */
			break;
		}
	}

	*sp = s;
	return 0;
}

int store_stmt_bind(struct store *st, enum store_sql_id id, struct db_stmt **sp,
		    const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = store_stmt_vbind(st, id, sp, fmt, ap);
	va_end(ap);

	return err;
}

int store_step_rest(struct store *st, enum store_sql_id id, struct db_stmt *s,
		    int fkerr)
{
	int rc;

	if (!db_writes(s))
		return 0;
	do
		rc = db_step(s);
	while (rc == DB_ROW);
	return rc == DB_DONE ? 0 : store_dberr(st, rc, id, fkerr);
}

int store_step_id(struct store *st, enum store_sql_id id, struct db_stmt *s,
		  int fkerr, int64_t *idp)
{
	int rc = db_step(s);

	if (rc == DB_ROW) {
		*idp = db_column_int64(s, 0);
		return store_step_rest(st, id, s, fkerr);
	}
	if (rc == DB_DONE)
		return ENOENT; /* no row, so no id */
	return store_dberr(st, rc, id, fkerr);
}

int store_run(struct store *st, enum store_sql_id id, int fkerr, int64_t *vp,
	      const char *fmt, ...)
{
	struct db_stmt *s;
	va_list ap;
	int rc, err;

	va_start(ap, fmt);
	err = store_stmt_vbind(st, id, &s, fmt, ap);
	va_end(ap);
	if (err)
		return err;

	rc = db_step(s);
	if (rc == DB_ROW) {
		if (vp)
			*vp = db_column_int64(s, 0);
		err = store_step_rest(st, id, s, fkerr);
	}
	else if (rc == DB_DONE) {
		if (db_column_count(s) > 0)
			err = ENOENT;
		else if (vp)
			*vp = db_changes(s);
	}
	else {
		err = store_dberr(st, rc, id, fkerr);
	}

	store_stmt_put(st, id, s);

	return err;
}

int store_tenant_of(struct store *st, enum store_sql_id sid, int64_t id,
		    int64_t *tenantp)
{
	if (id <= 0)
		return ENOENT;

	return store_run(st, sid, EIO, tenantp, "i", id);
}

int store_employee_of_tenant(struct store *st, int64_t employee_id,
			     int64_t tenant_id)
{
	int64_t etenant;
	int err;

	if (!employee_id)
		return 0;
	err = store_tenant_of(st, S_EMP_TENANT, employee_id, &etenant);
	if (err)
		return err;
	return etenant == tenant_id ? 0 : EXDEV;
}

/* Run transaction control op. */
static int run(struct store *st, enum db_txop op)
{
	int rc = db_tx(st->db, op);

	return rc == DB_OK ? 0 : store_dberr_op(st, rc, txop_name[op], EIO);
}

/* ---- transactions ----------------------------------------------------- */

const uint32_t STORE_TX_WAIT_BOUND_US[STORE_TX_WAIT_BUCKETS] = {
    100, 1000, 5000, 10000, 50000, 100000, 500000, 3000000};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A write transaction's wait for the lock: counted, into its bucket. */
static void tx_waited(struct store *st, uint64_t since, bool granted)
{
	uint64_t now = mono_us(), wait = now - since;
	size_t i;

	st->tx.count++;
	if (!granted) {
		st->tx.failed++;
		return;
	}
	st->tx.wait_us += wait;
	if (wait > st->tx.wait_max_us)
		st->tx.wait_max_us = wait;
	for (i = 0; i < STORE_TX_WAIT_BUCKETS; i++) {
		if (wait <= STORE_TX_WAIT_BOUND_US[i])
			st->tx.wait_le[i]++;
	}
	st->tx_granted_us = now;
}

void store_tx_stats_get(const struct store *st, struct store_tx_stats *s)
{
	if (!s)
		return;
	if (st)
		*s = st->tx;
	else
		memset(s, 0, sizeof(*s));
}

/* Begin (op) or, inside a transaction, a savepoint. */
static int tx_begin(struct store *st, enum db_txop op)
{
	bool timed;
	uint64_t t0;
	int err;

	if (!st)
		return EINVAL;

	timed = !st->txdepth && op == DB_BEGIN;
	t0 = timed ? mono_us() : 0;
	err = run(st, st->txdepth ? DB_SAVEPOINT : op);
	if (timed)
		tx_waited(st, t0, !err);
	if (err)
		return err;

	++st->txdepth;

	return 0;
}

int store_tx_end(struct store *st, int err)
{
	int e;

	if (!st || !st->txdepth)
		return err ? err : EINVAL;

	--st->txdepth;

	if (st->txdepth) {
		if (err)
			(void)run(st, DB_ROLLBACK_TO);
		e = run(st, DB_RELEASE);
		return err ? err : e;
	}

	if (!err)
		err = run(st, DB_COMMIT);
	if (err && db_in_tx(st->db))
		(void)run(st, DB_ROLLBACK);
	if (st->tx_granted_us) { /* a write transaction (not a rows one) */
		st->tx.held_us += mono_us() - st->tx_granted_us;
		st->tx_granted_us = 0;
	}

	return err;
}

int store_tx_begin(struct store *st)
{
	return tx_begin(st, DB_BEGIN);
}

int store_tx(struct store *st, store_tx_h *h, void *arg)
{
	int err;

	err = store_tx_begin(st);
	if (err)
		return err;

	return store_tx_end(st, h(st, arg));
}

int store_tx_rows(struct store *st, store_tx_h *h, void *arg)
{
	int err;

	err = tx_begin(st, DB_BEGIN_ROWS);
	if (err)
		return err;

	return store_tx_end(st, h(st, arg));
}

int store_batch(struct store *st, store_batch_h *h, void *arg)
{
	if (!st || !h)
		return EINVAL;

	return store_tx(st, h, arg);
}

/* ---- open, close ------------------------------------------------------ */

static void destructor(void *arg)
{
	struct store *st = arg;
	size_t i;

	for (i = 0; i < S_COUNT; i++)
		db_finalize(st->stmtv[i]);

	mem_deref(st->db);
}

/* Prepare every statement of every sqlset.  A statement id that no set
 * defines, or two define, is a bug of this build: EIO.  (On PostgreSQL
 * this only rewrites the SQL: the server prepares each at its first run,
 * and a statement it refuses fails its own calls, EIO with a log line
 * naming it, not the open.) */
static int prepare(struct store *st)
{
	size_t i, j;
	int rc;

	for (i = 0; i < ARRAY_SIZE(sqlsets); i++) {
		for (j = 0; j < sqlsets[i]->n; j++) {
			const struct store_sql *q = &sqlsets[i]->v[j];

			if (st->sqlv[q->id]) {
				warning("store: %s: defined twice\n", q->op);
				return EIO;
			}
			st->sqlv[q->id] = q;
		}
	}

	/* PostgreSQL's own text of the few that differ by nature */
	for (i = 0; i < ARRAY_SIZE(sqlsets) && db_is_pg(st->db); i++) {
		for (j = 0; j < sqlsets[i]->pgn; j++)
			st->sqlv[sqlsets[i]->pgv[j].id] = &sqlsets[i]->pgv[j];
	}

	for (i = 0; i < S_COUNT; i++) {
		if (!st->sqlv[i]) {
			warning("store: statement %zu undefined\n", i);
			return EIO;
		}

		rc = db_prepare(st->db, st->sqlv[i]->sql, true, &st->stmtv[i]);
		if (rc != DB_OK) {
			warning("store: prepare %s: %s\n", st->sqlv[i]->op,
				db_errmsg(st->db));
			return rc == DB_ENOMEM ? ENOMEM : EIO;
		}
	}

	return 0;
}

int store_open(struct store **stp, const char *path)
{
	char safe[256];
	struct store *st;
	int err;

	if (!stp || !str_isset(path))
		return EINVAL;

	st = mem_zalloc(sizeof(*st), destructor);
	if (!st)
		return ENOMEM;

	err = db_open(&st->db, path);
	if (err)
		goto out;

	if (db_is_pg(st->db))
		err = store_pg_migrate(st->db, &st->version);
	else
		err = store_migrate(db_sqlite(st->db), &st->version);
	if (err)
		goto out;

	err = prepare(st);
	if (err)
		goto out;

	debug("store: %s open, schema %d\n",
	      str_url_nopass(safe, sizeof(safe), path), st->version);

out:
	if (err)
		mem_deref(st);
	else
		*stp = st;

	return err;
}

int store_schema_version(struct store *st)
{
	return st ? st->version : 0;
}

/*
 * The page cache of an SQLite connection grows up to PRAGMA cache_size (2
 * MiB by default) as a load writes call records, and SQLite keeps it.
 * Its pages are about 4.3 KiB each, allocated one by one between the
 * short-lived objects of the calls, so while they live glibc cannot give
 * those heap pages back.  db_release_memory() frees every page no
 * statement holds; a statement being stepped keeps its pages.
 */
int store_release_memory(struct store *st)
{
	if (!st)
		return EINVAL;

	db_release_memory(st->db);

	return 0;
}
