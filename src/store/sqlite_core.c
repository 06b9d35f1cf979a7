/*
 * sqlite_core.c - the connection of the SQLite backend of store.h: open,
 * close, the statement cache, transactions and SQLite errors as errno.
 *
 * One connection per struct store, used from the re_main thread only
 * (SQLITE_OPEN_NOMUTEX).  The file runs in WAL mode with synchronous=NORMAL
 * (a commit is an append to the WAL, no fsync; a power cut may lose the
 * last commits but never corrupts), foreign keys on and a short busy
 * timeout, so another process (the CLI, a backup) can read while we write.
 *
 * Every SQL statement is in the sqlset of the file that uses it and is
 * prepared once, when the store opens, with SQLITE_PREPARE_PERSISTENT.  A
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
 * Errors: SQLite constraint failures become EEXIST (unique), ENOENT or
 * EBUSY (foreign key: a missing parent on insert, a child on delete) and
 * EINVAL (check); everything else is EIO and is logged here with the
 * statement's op.  Values are never logged: no passwords, ha1 or tokens.
 */
#include <stdarg.h>
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

enum {
	BUSY_TIMEOUT = 2000, /* [ms] wait for another writer's lock */
};

static const struct store_sql sql[] = {
    {S_BEGIN, "begin", "BEGIN IMMEDIATE"},
    {S_COMMIT, "commit", "COMMIT"},
    {S_ROLLBACK, "rollback", "ROLLBACK"},
    {S_SAVEPOINT, "savepoint", "SAVEPOINT store"},
    {S_RELEASE, "release", "RELEASE store"},
    {S_ROLLBACK_TO, "rollback to", "ROLLBACK TO store"},
};

const struct store_sqlset store_sql_tx = STORE_SQLSET(sql);

/* Every file's statements; together they are S_COUNT, each once. */
static const struct store_sqlset *const sqlsets[] = {
    &store_sql_tx,
    &store_sql_tenant,
    &store_sql_employee,
    &store_sql_device,
    &store_sql_number,
    &store_sql_announcement,
    &store_sql_trunk,
    &store_sql_registration,
    &store_sql_call,
    &store_sql_node,
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

int store_dberr(struct store *st, int rc, enum store_sql_id id, int fkerr)
{
	const char *op = st->sqlv[id] ? st->sqlv[id]->op : "prepare";

	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return EEXIST;

	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return fkerr;

	case SQLITE_NOMEM:
		return ENOMEM;

	default:
		break;
	}

	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		debug("store: %s: %s\n", op, sqlite3_errmsg(st->db));
		return EINVAL;
	}

	warning("store: %s: %s (%d)\n", op, sqlite3_errmsg(st->db), rc);
	return EIO;
}

/* ---- binding and reading values --------------------------------------- */

void store_bind_text(sqlite3_stmt *s, int i, const char *str, size_t sz)
{
	size_t n;

	if (!str)
		str = "";

	n = sz ? strnlen(str, sz - 1) : strlen(str);
	if (n > INT32_MAX)
		n = INT32_MAX;

	sqlite3_bind_text(s, i, str, (int)n, SQLITE_STATIC);
}

void store_bind_ref(sqlite3_stmt *s, int i, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(s, i, id);
	else
		sqlite3_bind_null(s, i);
}

void store_bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

void store_col_text(sqlite3_stmt *s, int i, char *buf, size_t sz)
{
	str_copy(buf, (const char *)sqlite3_column_text(s, i), sz);
}

uint64_t store_col_u64(sqlite3_stmt *s, int i)
{
	return (uint64_t)sqlite3_column_int64(s, i);
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

int store_stmt_get(struct store *st, enum store_sql_id id, sqlite3_stmt **sp)
{
	sqlite3_stmt *s = st->stmtv[id];
	int rc;

	if (!sqlite3_stmt_busy(s)) {
		*sp = s;
		return 0;
	}

	rc = sqlite3_prepare_v3(st->db, st->sqlv[id]->sql, -1, 0, &s, NULL);
	if (rc != SQLITE_OK)
		return store_dberr(st, rc, id, EIO);

	*sp = s;
	return 0;
}

void store_stmt_put(struct store *st, enum store_sql_id id, sqlite3_stmt *s)
{
	if (s != st->stmtv[id]) {
		sqlite3_finalize(s);
		return;
	}

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

int store_step(struct store *st, enum store_sql_id id, sqlite3_stmt *s,
	       int fkerr)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;

	return store_dberr(st, rc, id, fkerr);
}

int store_stmt_vbind(struct store *st, enum store_sql_id id, sqlite3_stmt **sp,
		     const char *fmt, va_list ap)
{
	sqlite3_stmt *s;
	const char *str;
	int i, n, err;

	err = store_stmt_get(st, id, &s);
	if (err)
		return err;

	n = sqlite3_bind_parameter_count(s);
	for (i = 1; *fmt && i <= n; fmt++, i++) {
		switch (*fmt) {
		case 'i':
			sqlite3_bind_int64(s, i, va_arg(ap, int64_t));
			break;

		case 'r':
			store_bind_ref(s, i, va_arg(ap, int64_t));
			break;

		case 'u':
			store_bind_u64(s, i, va_arg(ap, uint64_t));
			break;

		case 'd':
			sqlite3_bind_int(s, i, va_arg(ap, int));
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

int store_stmt_bind(struct store *st, enum store_sql_id id, sqlite3_stmt **sp,
		    const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = store_stmt_vbind(st, id, sp, fmt, ap);
	va_end(ap);

	return err;
}

int store_run(struct store *st, enum store_sql_id id, int fkerr, int64_t *vp,
	      const char *fmt, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	int rc, err;

	va_start(ap, fmt);
	err = store_stmt_vbind(st, id, &s, fmt, ap);
	va_end(ap);
	if (err)
		return err;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (vp)
			*vp = sqlite3_column_int64(s, 0);
	}
	else if (rc == SQLITE_DONE) {
		if (sqlite3_column_count(s) > 0)
			err = ENOENT;
		else if (vp)
			*vp = sqlite3_changes(st->db);
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

/* Run transaction control statement id. */
static int run(struct store *st, enum store_sql_id id)
{
	return store_run(st, id, EIO, NULL, "");
}

/* ---- transactions ----------------------------------------------------- */

int store_tx_begin(struct store *st)
{
	int err;

	if (!st)
		return EINVAL;

	err = run(st, st->txdepth ? S_SAVEPOINT : S_BEGIN);
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
			(void)run(st, S_ROLLBACK_TO);
		e = run(st, S_RELEASE);
		return err ? err : e;
	}

	if (!err)
		err = run(st, S_COMMIT);
	if (err && !sqlite3_get_autocommit(st->db))
		(void)run(st, S_ROLLBACK);

	return err;
}

int store_tx(struct store *st, store_tx_h *h, void *arg)
{
	int err;

	err = store_tx_begin(st);
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
		sqlite3_finalize(st->stmtv[i]);

	/* the last connection checkpoints and removes the WAL */
	sqlite3_close_v2(st->db);
}

/* Run a PRAGMA and copy the text of its first result column (if any). */
static int pragma(sqlite3 *db, const char *q, char *res, size_t sz)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (res && sz)
		res[0] = '\0';

	rc = sqlite3_prepare_v2(db, q, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW && res)
			store_col_text(s, 0, res, sz);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		warning("store: open: %s: %s\n", q, sqlite3_errmsg(db));
	sqlite3_finalize(s);

	return rc == SQLITE_OK ? 0 : EIO;
}

static int configure(sqlite3 *db, const char *path)
{
	char res[16];
	int err;

	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT);

	err = pragma(db, "PRAGMA journal_mode = WAL", res, sizeof(res));
	if (err)
		return err;
	if (strcmp(res, "wal"))
		warning("store: %s: journal mode is %s, not wal\n", path, res);

	err = pragma(db, "PRAGMA synchronous = NORMAL", NULL, 0);
	if (err)
		return err;

	err = pragma(db, "PRAGMA foreign_keys = ON", NULL, 0);
	if (err)
		return err;

	err = pragma(db, "PRAGMA foreign_keys", res, sizeof(res));
	if (err)
		return err;
	if (strcmp(res, "1")) {
		warning("store: %s: SQLite lacks foreign key support\n", path);
		return EIO;
	}

	return 0;
}

/* Prepare every statement of every sqlset.  A statement id that no set
 * defines, or two define, is a bug of this build: EIO. */
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

	for (i = 0; i < S_COUNT; i++) {
		if (!st->sqlv[i]) {
			warning("store: statement %zu undefined\n", i);
			return EIO;
		}

		rc = sqlite3_prepare_v3(st->db, st->sqlv[i]->sql, -1,
					SQLITE_PREPARE_PERSISTENT,
					&st->stmtv[i], NULL);
		if (rc != SQLITE_OK) {
			warning("store: prepare %s: %s\n", st->sqlv[i]->op,
				sqlite3_errmsg(st->db));
			return rc == SQLITE_NOMEM ? ENOMEM : EIO;
		}
	}

	return 0;
}

int store_open(struct store **stp, const char *path)
{
	struct store *st;
	int rc, err;

	if (!stp || !str_isset(path))
		return EINVAL;

	st = mem_zalloc(sizeof(*st), destructor);
	if (!st)
		return ENOMEM;

	rc = sqlite3_open_v2(path, &st->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		warning("store: open %s: %s\n", path,
			st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		err = rc == SQLITE_NOMEM ? ENOMEM : EIO;
		goto out;
	}

	err = configure(st->db, path);
	if (err)
		goto out;

	err = store_migrate(st->db, &st->version);
	if (err)
		goto out;

	err = prepare(st);
	if (err)
		goto out;

	debug("store: %s open, schema %d\n", path, st->version);

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
 * The page cache of a connection grows up to PRAGMA cache_size (2 MiB by
 * default) as a load writes call records, and SQLite keeps it.  Its pages
 * are about 4.3 KiB each, allocated one by one between the short-lived
 * objects of the calls, so while they live glibc cannot give those heap
 * pages back.  sqlite3_db_release_memory() frees every page no statement
 * holds; a statement being stepped keeps its pages.
 */
int store_release_memory(struct store *st)
{
	if (!st)
		return EINVAL;

	(void)sqlite3_db_release_memory(st->db);

	return 0;
}
