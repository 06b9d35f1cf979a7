/*
 * sqlite_tenant_data.c - all of one client's data at once (migration 24):
 * its export, and its deletion on request.  Both read the table below,
 * the one list of where a client's rows are: a table with a tenant_id,
 * or a child table reached through its parent.  Secrets (password and
 * token hashes) are named there and never exported; files named by rows
 * (voicemail WAVs, uploaded prompts, attachments) are handed to the
 * caller, who removes them once the deletion committed.
 *
 * A deletion runs in one transaction with the foreign keys checked at
 * its end (SQLite: defer_foreign_keys; PostgreSQL: SET CONSTRAINTS ALL
 * DEFERRED, pg_sql below), so the order of the tables does not
 * matter, and it also sweeps every other table that has a tenant_id
 * column (tables added later, e.g. call notes, are covered before they
 * are listed here; their export waits for their row in the table).  The
 * request row (tenant_deletions) stays, without who asked: the operator's
 * record that a deletion happened.
 *
 * Retained: a table whose rows the law obliges us to keep is exported but
 * NOT deleted, and says why (tdata.keep).  Invoices and credit notes with
 * their lines (§147 (1) no. 4, (3) AO, §14b (1) UStG: 8 years after the
 * end of the year of issue, since 2025) stay with the tenant_id they were
 * issued to; they hold their own copy of the name and address printed
 * (migration 42), so the live billing address is deleted like the rest.
 *
 *   requested --(cancel before due_at)--> cancelled
 *       |
 *       +--(operator: run, or due_at passed: purge timer)--> done
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

/* The rows of a client in a table: ?1 is its id. */
struct tdata {
	const char *table;
	const char *where;
	const char *omit; /* a secret column, never exported, or NULL    */
	const char *file; /* a column naming a file of the row, or NULL */
	const char *keep; /* why the rows outlive the client, or NULL   */
};

#define KEEP_INVOICES "invoices are kept 8 years (§147 AO, §14b UStG)"

#define BY_TENANT "tenant_id = ?1"
#define OF(col, parent)                                                        \
	col " IN (SELECT id FROM " parent " WHERE tenant_id = ?1)"

static const struct tdata tdatav[] = {
    {"tenants", "id = ?1", NULL, NULL, NULL},
    {"number_blocks", BY_TENANT, NULL, NULL, NULL},
    {"numbers", BY_TENANT, NULL, NULL, NULL},
    {"employees", BY_TENANT, NULL, NULL, NULL},
    {"absence_infos", OF("employee_id", "employees"), NULL, NULL, NULL},
    {"agent_skills", OF("employee_id", "employees"), NULL, NULL, NULL},
    {"agent_states", OF("employee_id", "employees"), NULL, NULL, NULL},
    {"devices", BY_TENANT, "ha1", NULL, NULL},
    {"registrations", OF("device_id", "devices"), NULL, NULL, NULL},
    {"api_tokens", BY_TENANT, "token_sha256", NULL, NULL},
    {"users", BY_TENANT, "password_hash", NULL, NULL},
    {"announcements", BY_TENANT, NULL, NULL, NULL},
    {"prompts", BY_TENANT, NULL, "file", NULL},
    {"trunks", BY_TENANT, "password", NULL, NULL},
    {"schedules", BY_TENANT, NULL, NULL, NULL},
    {"schedule_ranges", OF("schedule_id", "schedules"), NULL, NULL, NULL},
    {"schedule_exceptions", OF("schedule_id", "schedules"), NULL, NULL, NULL},
    {"ivr_menus", BY_TENANT, NULL, NULL, NULL},
    {"ivr_options", OF("menu_id", "ivr_menus"), NULL, NULL, NULL},
    {"digit_inputs", BY_TENANT, NULL, NULL, NULL},
    {"external_targets", BY_TENANT, NULL, NULL, NULL},
    {"ring_groups", BY_TENANT, NULL, NULL, NULL},
    {"ring_group_members", OF("group_id", "ring_groups"), NULL, NULL, NULL},
    {"queues", BY_TENANT, NULL, NULL, NULL},
    {"queue_members", OF("queue_id", "queues"), NULL, NULL, NULL},
    {"queue_skills", OF("queue_id", "queues"), NULL, NULL, NULL},
    {"queue_widen", OF("queue_id", "queues"), NULL, NULL, NULL},
    {"mailboxes", BY_TENANT, NULL, NULL, NULL},
    {"vm_messages", BY_TENANT, NULL, "file", NULL},
    {"vip_callers", BY_TENANT, NULL, NULL, NULL},
    {"caller_entries", BY_TENANT, NULL, NULL, NULL},
    {"caller_settings", BY_TENANT, NULL, NULL, NULL},
    {"forwardings", BY_TENANT, NULL, NULL, NULL},
    {"appointments", BY_TENANT, NULL, NULL, NULL},
    {"oncall_schedules", BY_TENANT, NULL, NULL, NULL},
    {"oncall_members", OF("schedule_id", "oncall_schedules"), NULL, NULL, NULL},
    {"oncall_overrides", BY_TENANT, NULL, NULL, NULL},
    {"profile_versions", BY_TENANT, NULL, NULL, NULL},
    {"calls", BY_TENANT, NULL, NULL, NULL},
    {"call_vars", OF("call_id", "calls"), NULL, NULL, NULL},
    {"consult_outcomes", BY_TENANT, NULL, NULL, NULL},
    {"queue_visits", BY_TENANT, NULL, NULL, NULL},
    {"callbacks", BY_TENANT, NULL, NULL, NULL},
    {"callback_calls", BY_TENANT, NULL, NULL, NULL},
    {"outbox", BY_TENANT, NULL, NULL, NULL},
    {"outbox_files", OF("outbox_id", "outbox"), NULL, "path", NULL},
    {"notes", BY_TENANT, NULL, NULL, NULL},
    {"note_employees", OF("note_id", "notes"), NULL, NULL, NULL},
    {"note_versions", OF("note_id", "notes"), NULL, NULL, NULL},
    {"note_deliveries", OF("note_id", "notes"), NULL, NULL, NULL},
    {"note_reads", OF("note_id", "notes"), NULL, NULL, NULL},
    {"note_settings", BY_TENANT, "webhook_secret", NULL, NULL},
    {"note_escalations", BY_TENANT, NULL, NULL, NULL},
    {"sms_charges", BY_TENANT, NULL, NULL, NULL},
    {"tariffs", BY_TENANT, NULL, NULL, NULL},
    {"tasks", BY_TENANT, NULL, NULL, NULL},
    {"task_times", OF("task_id", "tasks"), NULL, NULL, NULL},
    {"task_calls", OF("task_id", "tasks"), NULL, NULL, NULL},
    {"task_assistants", OF("task_id", "tasks"), NULL, NULL, NULL},
    {"invoices", BY_TENANT, NULL, NULL, KEEP_INVOICES},
    {"invoice_lines", BY_TENANT, NULL, NULL, KEEP_INVOICES},
    {"billing_addresses", BY_TENANT, NULL, NULL, NULL},
    {"outbox_push", OF("outbox_id", "outbox"), NULL, NULL, NULL},
    {"push_subscriptions", BY_TENANT, "auth", NULL, NULL},
    {"retention", BY_TENANT, NULL, NULL, NULL},
    {"audit", BY_TENANT, NULL, NULL, NULL},
};

static const struct store_sql sql[] = {
    {S_DEL_ADD, "deletion add",
     "INSERT INTO tenant_deletions (tenant_id, requested_at, requested_by,"
     " due_at) VALUES (?1, ?2, ?3, ?4) RETURNING id"},
    {S_DEL_GET, "deletion get",
     "SELECT id, tenant_id, requested_at, requested_by, due_at,"
     " coalesce(cancelled_at, 0), cancelled_by, coalesce(done_at, 0), rows,"
     " files FROM tenant_deletions WHERE tenant_id = ?1"
     " ORDER BY id DESC LIMIT 1"},
    {S_DEL_CANCEL, "deletion cancel",
     "UPDATE tenant_deletions SET cancelled_at = ?2, cancelled_by = ?3"
     " WHERE tenant_id = ?1 AND cancelled_at IS NULL AND done_at IS NULL"},
    {S_DEL_DUE, "deletion due",
     "SELECT tenant_id FROM tenant_deletions WHERE cancelled_at IS NULL"
     " AND done_at IS NULL AND due_at <= ?1 ORDER BY due_at LIMIT 1"},
    {S_DEL_START, "deletion start",
     "UPDATE tenant_deletions SET running = 1 WHERE tenant_id = ?1"
     " AND cancelled_at IS NULL AND done_at IS NULL"},
    {S_DEL_DEFER, "deletion defer", "PRAGMA defer_foreign_keys = ON"},
    {S_DEL_TENANT, "deletion tenant", "DELETE FROM tenants WHERE id = ?1"},
    {S_DEL_FORGET, "deletion forget",
     "UPDATE tenant_deletions SET requested_by = '', cancelled_by = ''"
     " WHERE tenant_id = ?1"},
    {S_DEL_DONE, "deletion done",
     "UPDATE tenant_deletions SET running = 0, done_at = ?2,"
     " requested_by = '', cancelled_by = '', rows = ?3, files = ?4"
     " WHERE tenant_id = ?1 AND running = 1"},
    {S_DEL_TABLES, "deletion tables",
     "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c"
     " WHERE m.type = 'table' AND c.name = 'tenant_id'"
     " AND m.name <> 'tenant_deletions' ORDER BY m.name"},
};

/* PostgreSQL: the deferral of deferrable keys (the schema's are), and
 * the tables of the current schema (no views) with a tenant_id. */
static const struct store_sql pg_sql[] = {
    {S_DEL_DEFER, "deletion defer", "SET CONSTRAINTS ALL DEFERRED"},
    {S_DEL_TABLES, "deletion tables",
     "SELECT CAST(c.table_name AS TEXT) FROM information_schema.columns c"
     " JOIN information_schema.tables t ON t.table_schema = c.table_schema"
     " AND t.table_name = c.table_name"
     " WHERE c.table_schema = current_schema()"
     " AND t.table_type = 'BASE TABLE' AND c.column_name = 'tenant_id'"
     " AND c.table_name <> 'tenant_deletions'"
     " ORDER BY CAST(c.table_name AS TEXT) COLLATE \"C\""},
};

const struct store_sqlset store_sql_tenant_data = STORE_SQLSET_PG(sql, pg_sql);

/* ---- requests --------------------------------------------------------- */

int store_deletion_add(struct store *st, struct store_deletion *d)
{
	int64_t dummy;
	int err;

	if (!st || !d || d->tenant_id <= 0 || !d->requested_at)
		return EINVAL;
	err = store_tenant_of(st, S_TENANT_EXISTS, d->tenant_id, &dummy);
	if (err)
		return err;
	err = store_run(st, S_DEL_ADD, ENOENT, &d->id, "iusu", d->tenant_id,
			d->requested_at, d->requested_by, d->due_at);
	return err;
}

int store_deletion_get(struct store *st, int64_t tenant_id,
		       struct store_deletion *d)
{
	struct db_stmt *s;
	int rc, err;

	if (!st || !d)
		return EINVAL;
	err = store_stmt_bind(st, S_DEL_GET, &s, "i", tenant_id);
	if (err)
		return err;
	rc = db_step(s);
	if (rc == DB_ROW) {
		memset(d, 0, sizeof(*d));
		d->id = db_column_int64(s, 0);
		d->tenant_id = db_column_int64(s, 1);
		d->requested_at = store_col_u64(s, 2);
		store_col_text(s, 3, d->requested_by, sizeof(d->requested_by));
		d->due_at = store_col_u64(s, 4);
		d->cancelled_at = store_col_u64(s, 5);
		store_col_text(s, 6, d->cancelled_by, sizeof(d->cancelled_by));
		d->done_at = store_col_u64(s, 7);
		d->rows = (uint32_t)db_column_int64(s, 8);
		d->files = (uint32_t)db_column_int64(s, 9);
	}
	else if (rc == DB_DONE) {
		err = ENOENT;
	}
	else {
		err = store_dberr(st, rc, S_DEL_GET, EIO);
	}
	store_stmt_put(st, S_DEL_GET, s);
	return err;
}

int store_deletion_cancel(struct store *st, int64_t tenant_id, uint64_t at,
			  const char *by)
{
	int64_t n = 0;
	int err;

	if (!st)
		return EINVAL;
	err = store_run(st, S_DEL_CANCEL, EIO, &n, "ius", tenant_id, at, by);
	if (!err && !n)
		err = ENOENT;
	return err;
}

int store_deletion_due(struct store *st, uint64_t at, int64_t *tenantp)
{
	if (!st || !tenantp)
		return EINVAL;
	return store_run(st, S_DEL_DUE, EIO, tenantp, "u", at);
}

/* ---- walking a client's rows ----------------------------------------- */

/* Prepare "<verb> FROM <table> WHERE <where>" bound to tenant_id. */
static int prep(struct store *st, const char *verb, const char *table,
		const char *where, int64_t tenant_id, struct db_stmt **sp)
{
	char q[320];
	int rc;

	if (re_snprintf(q, sizeof(q), "%s FROM %s WHERE %s", verb, table,
			where) < 0)
		return ENOMEM;
	rc = db_prepare(st->db, q, false, sp);
	if (rc != DB_OK) {
		warning("store: %s: %s\n", table, db_errmsg(st->db));
		return EIO;
	}
	db_bind_int64(*sp, 1, tenant_id);
	return 0;
}

/* Run the prepared write s; its changed rows are added to *np. */
static int write_run(struct store *st, struct db_stmt *s, const char *table,
		     uint32_t *np)
{
	int rc = db_step(s);

	if (rc == DB_DONE)
		*np += (uint32_t)db_changes(s);
	db_finalize(s);
	if (rc != DB_DONE) {
		warning("store: deleting from %s: %s\n", table,
			db_errmsg(st->db));
		return EIO;
	}
	return 0;
}

enum { CELL_MAX = 48 };

int store_tenant_export(struct store *st, int64_t tenant_id,
			store_table_h *tableh, store_row_h *rowh, void *arg)
{
	struct store_cell cv[CELL_MAX];
	int64_t dummy;
	size_t i;
	int err;

	if (!st || !tableh || !rowh)
		return EINVAL;
	err = store_tenant_of(st, S_TENANT_EXISTS, tenant_id, &dummy);
	if (err)
		return err;

	for (i = 0; i < ARRAY_SIZE(tdatav) && !err; i++) {
		const struct tdata *t = &tdatav[i];
		struct db_stmt *s;
		int rc;

		err = tableh(t->table, arg);
		if (err)
			break;
		err = prep(st, "SELECT *", t->table, t->where, tenant_id, &s);
		if (err)
			break;
		while (!err && (rc = db_step(s)) == DB_ROW) {
			int c, n = db_column_count(s);
			size_t cc = 0;

			for (c = 0; c < n && cc < CELL_MAX; c++) {
				struct store_cell *x = &cv[cc];

				x->name = db_column_name(s, c);
				if (t->omit && !strcmp(x->name, t->omit))
					continue;
				x->i = 0;
				x->s = NULL;
				switch (db_column_type(s, c)) {
				case DB_NULL:
					x->type = 0;
					break;
				case DB_INT:
					x->type = 1;
					x->i = db_column_int64(s, c);
					break;
				default:
					x->type = 2;
					x->s = db_column_text(s, c);
					break;
				}
				++cc;
			}
			err = rowh(t->table, cv, cc, arg);
		}
		if (!err && rc != DB_DONE)
			err = EIO;
		db_finalize(s);
	}
	return err;
}

/* ---- the deletion ------------------------------------------------------ */

struct run {
	int64_t tenant_id;
	uint64_t at;
	struct store_purge *p;
	store_file_h *fileh;
	void *arg;
};

static int run_files(struct store *st, const struct run *r,
		     const struct tdata *t)
{
	char verb[64];
	struct db_stmt *s;
	int rc, err;

	re_snprintf(verb, sizeof(verb), "SELECT %s", t->file);
	err = prep(st, verb, t->table, t->where, r->tenant_id, &s);
	if (err)
		return err;
	while (!err && (rc = db_step(s)) == DB_ROW) {
		const char *f = db_column_text(s, 0);

		if (!f || !f[0])
			continue;
		++r->p->files;
		if (r->fileh)
			err = r->fileh(f, r->arg);
	}
	if (!err && rc != DB_DONE)
		err = EIO;
	db_finalize(s);
	return err;
}

/* Are table's rows of a client kept after its deletion (tdata.keep)? */
static bool kept(const char *table)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tdatav); i++) {
		if (!strcmp(tdatav[i].table, table))
			return tdatav[i].keep != NULL;
	}
	return false;
}

/* Every other table with a tenant_id column (added after this file);
 * the kept ones stay. */
static int run_sweep(struct store *st, const struct run *r)
{
	struct db_stmt *s, *d;
	int rc, err;

	err = store_stmt_bind(st, S_DEL_TABLES, &s, "");
	if (err)
		return err;
	while (!err && (rc = db_step(s)) == DB_ROW) {
		char table[64];

		store_col_text(s, 0, table, sizeof(table));
		if (kept(table))
			continue;
		err = prep(st, "DELETE", table, BY_TENANT, r->tenant_id, &d);
		if (!err)
			err = write_run(st, d, table, &r->p->rows);
	}
	if (!err && rc != DB_DONE)
		err = store_dberr(st, rc, S_DEL_TABLES, EIO);
	store_stmt_put(st, S_DEL_TABLES, s);
	return err;
}

static int run_tx(struct store *st, void *arg)
{
	const struct run *r = arg;
	int64_t n = 0;
	size_t i;
	int err;

	err = store_run(st, S_DEL_START, EIO, &n, "i", r->tenant_id);
	if (!err && !n)
		err = ENOENT;
	if (!err)
		err = store_run(st, S_DEL_DEFER, EIO, NULL, "");
	for (i = 0; i < ARRAY_SIZE(tdatav) && !err; i++) {
		if (tdatav[i].file)
			err = run_files(st, r, &tdatav[i]);
	}
	/* children first: their WHERE reads the parents */
	for (i = ARRAY_SIZE(tdatav); i-- > 1 && !err;) {
		const struct tdata *t = &tdatav[i];
		struct db_stmt *s;

		if (t->keep) {
			info("store: tenant %lld: %s stay: %s\n",
			     (long long)r->tenant_id, t->table, t->keep);
			continue;
		}
		err = prep(st, "DELETE", t->table, t->where, r->tenant_id, &s);
		if (!err)
			err = write_run(st, s, t->table, &r->p->rows);
	}
	if (!err)
		err = run_sweep(st, r);
	if (!err) {
		err = store_run(st, S_DEL_TENANT, EBUSY, &n, "i", r->tenant_id);
		r->p->rows += (uint32_t)n;
	}
	if (!err) /* earlier, cancelled requests name no one either */
		err = store_run(st, S_DEL_FORGET, EIO, NULL, "i", r->tenant_id);
	if (!err)
		err = store_run(st, S_DEL_DONE, EIO, NULL, "iudd", r->tenant_id,
				r->at, (int)r->p->rows, (int)r->p->files);
	return err;
}

int store_deletion_run(struct store *st, int64_t tenant_id, uint64_t at,
		       struct store_purge *p, store_file_h *fileh, void *arg)
{
	struct run r = {tenant_id, at, p, fileh, arg};
	int err;

	if (!st || !p || tenant_id <= 0)
		return EINVAL;
	memset(p, 0, sizeof(*p));
	err = store_tx(st, run_tx, &r);
	if (err)
		memset(p, 0, sizeof(*p));
	return err;
}
