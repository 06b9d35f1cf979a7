/*
 * sqlite_note.c - call notes in the SQLite store (migration 29): the note
 * row with the newest version, its employees, its versions, its
 * deliveries (outbox rows linked by note_deliveries), who opened and
 * acknowledged it, a tenant's note settings and the server's secrets
 * (the escalation trail of urgent notes: sqlite_note_escalation.c).
 *
 * A save is one transaction: the note (insert, or an update guarded by
 * the version it edits, so two edits cannot both win), its employees,
 * the version row (a copy of the note as saved, for the history) and
 * every outbox row with its note_deliveries row.  Committed before the
 * API answers: a kill -9 after the 201 loses neither the note nor its
 * deliveries.
 */
#include <stdlib.h>
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

enum {
	NOTE_LIMIT = 100,
	NOTE_LIMIT_MAX = 1000,
};

#define NOTE_COLS                                                              \
	"id, tenant_id, coalesce(call_id, 0), coalesce(profile_version_id, "   \
	"0),"                                                                  \
	" agent_token_id, agent, caller_name, caller_number, concern, fields," \
	" urgent, version, created_at, updated_at, agent_employee_id"

static const struct store_sql sql[] = {
    {S_NOTE_ADD, "note add",
     "INSERT INTO notes (tenant_id, call_id, profile_version_id,"
     " agent_token_id, agent, caller_name, caller_number, concern, fields,"
     " urgent, version, created_at, updated_at, agent_employee_id) VALUES"
     " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?11, ?12) RETURNING "
     "id"},
    {S_NOTE_UPDATE, "note update",
     "UPDATE notes SET call_id = ?2, caller_name = ?3, caller_number = ?4,"
     " concern = ?5, fields = ?6, urgent = ?7, version = ?8,"
     " updated_at = ?9 WHERE id = ?1 AND version = ?8 - 1"},
    {S_NOTE_GET, "note get", "SELECT " NOTE_COLS " FROM notes WHERE id = ?1"},
    {S_NOTE_LIST, "note list",
     "SELECT " NOTE_COLS " FROM notes WHERE (?1 = 0 OR tenant_id = ?1)"
     " AND (?2 = 0 OR id IN (SELECT note_id FROM note_employees"
     " WHERE employee_id = ?2)) AND created_at >= ?3"
     " AND (?4 = 0 OR created_at < ?4)"
     " AND (?7 = 0 OR agent_employee_id = ?7)"
     " AND (?8 = 0 OR ?7 <> 0 OR agent_token_id = ?8)"
     " ORDER BY created_at DESC, id DESC LIMIT ?5 OFFSET ?6"},
    {S_NOTE_CALL_TENANT, "note call",
     "SELECT tenant_id FROM calls WHERE id = ?1"},
    {S_NOTE_EMPS, "note employees",
     "SELECT employee_id FROM note_employees WHERE note_id = ?1"
     " ORDER BY seq"},
    {S_NOTE_EMPS_CLEAR, "note employees",
     "DELETE FROM note_employees WHERE note_id = ?1"},
    {S_NOTE_EMP_ADD, "note employees",
     "INSERT INTO note_employees (note_id, employee_id, seq)"
     " VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1"
     " FROM note_employees WHERE note_id = ?1)) ON CONFLICT DO NOTHING"},
    {S_NOTE_VERSION_ADD, "note version",
     "INSERT INTO note_versions (note_id, version, at, agent, caller_name,"
     " caller_number, concern, fields, urgent, employees) VALUES (?1, ?2,"
     " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
    {S_NOTE_VERSIONS, "note versions",
     "SELECT version, at, agent, caller_name, caller_number, concern,"
     " fields, urgent, employees FROM note_versions WHERE note_id = ?1"
     " ORDER BY version"},
    {S_NOTE_DELIVERY_ADD, "note delivery",
     "INSERT INTO note_deliveries (note_id, outbox_id, version,"
     " employee_id) VALUES (?1, ?2, ?3, ?4)"},
    {S_NOTE_DELIVERIES, "note deliveries",
     "SELECT d.outbox_id, d.version, coalesce(d.employee_id, 0), o.channel,"
     " o.state, o.attempts, o.next_attempt_at, o.created_at, o.sent_at,"
     " o.last_error, o.delivered_at FROM note_deliveries d JOIN outbox o"
     " ON o.id = d.outbox_id WHERE d.note_id = ?1 ORDER BY d.id"},
    {S_NOTE_READ_MARK, "note read",
     "INSERT INTO note_reads (note_id, employee_id, opened_at) VALUES"
     " (?1, ?2, ?3) ON CONFLICT (note_id, employee_id) DO UPDATE SET"
     " opened_at = ?3 WHERE note_reads.opened_at = 0"},
    {S_NOTE_READ_ACK, "note read",
     "UPDATE note_reads SET acked_at = ?3 WHERE note_id = ?1"
     " AND employee_id = ?2 AND acked_at = 0"},
    {S_NOTE_READ_GET, "note read",
     "SELECT employee_id, opened_at, acked_at FROM note_reads"
     " WHERE note_id = ?1 AND employee_id = ?2"},
    {S_NOTE_READS, "note reads",
     "SELECT employee_id, opened_at, acked_at FROM note_reads"
     " WHERE note_id = ?1 ORDER BY opened_at, employee_id"},
    {S_NSET_GET, "note settings",
     "SELECT full_text, webhook_url, webhook_secret, updated_at,"
     " escalate_after FROM note_settings WHERE tenant_id = ?1"},
    {S_NSET_SET, "note settings",
     "INSERT INTO note_settings (tenant_id, full_text, webhook_url,"
     " webhook_secret, updated_at, escalate_after) VALUES (?1, ?2, ?3,"
     " ?4, ?5, ?6) ON CONFLICT (tenant_id) DO UPDATE SET full_text = ?2,"
     " webhook_url = ?3, webhook_secret = ?4, updated_at = ?5,"
     " escalate_after = ?6"},
    {S_SECRET_ADD, "secret",
     "INSERT INTO server_secrets (name, value, created_at)"
     " VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING"},
    {S_SECRET_GET, "secret",
     "SELECT value FROM server_secrets WHERE name = ?1"},
};

const struct store_sqlset store_sql_note = STORE_SQLSET(sql);

/* The employees of n->id into n->employeev. */
static int emps_load(struct store *st, struct store_note *n)
{
	struct db_stmt *s;
	int rc, err;

	n->employeec = 0;
	err = store_stmt_bind(st, S_NOTE_EMPS, &s, "i", n->id);
	if (err)
		return err;
	while ((rc = db_step(s)) == DB_ROW &&
	       n->employeec < STORE_NOTE_EMPLOYEES)
		n->employeev[n->employeec++] = db_column_int64(s, 0);
	if (rc != DB_ROW && rc != DB_DONE)
		err = store_dberr(st, rc, S_NOTE_EMPS, EIO);
	store_stmt_put(st, S_NOTE_EMPS, s);
	return err;
}

static void note_read(struct db_stmt *s, struct store_note *n)
{
	memset(n, 0, sizeof(*n));
	n->id = db_column_int64(s, 0);
	n->tenant_id = db_column_int64(s, 1);
	n->call_id = db_column_int64(s, 2);
	n->profile_version_id = db_column_int64(s, 3);
	n->agent_token_id = db_column_int64(s, 4);
	store_col_text(s, 5, n->agent, sizeof(n->agent));
	store_col_text(s, 6, n->caller_name, sizeof(n->caller_name));
	store_col_text(s, 7, n->caller_number, sizeof(n->caller_number));
	store_col_text(s, 8, n->concern, sizeof(n->concern));
	store_col_text(s, 9, n->fields, sizeof(n->fields));
	n->urgent = store_col_int(s, 10) != 0;
	n->version = (uint32_t)db_column_int64(s, 11);
	n->created_at = store_col_u64(s, 12);
	n->updated_at = store_col_u64(s, 13);
	n->agent_employee_id = db_column_int64(s, 14);
}

int store_note_get(struct store *st, int64_t id, struct store_note *n)
{
	struct db_stmt *s;
	int rc, err;

	if (!st || id <= 0 || !n)
		return EINVAL;
	err = store_stmt_bind(st, S_NOTE_GET, &s, "i", id);
	if (err)
		return err;
	rc = db_step(s);
	if (rc == DB_ROW)
		note_read(s, n);
	else
		err = rc == DB_DONE ? ENOENT
				    : store_dberr(st, rc, S_NOTE_GET, EIO);
	store_stmt_put(st, S_NOTE_GET, s);
	return err ? err : emps_load(st, n);
}

/* "3,5" of n's employees. */
static void emps_text(const struct store_note *n, char *buf, size_t sz)
{
	size_t used = 0;
	uint32_t i;

	buf[0] = '\0';
	for (i = 0; i < n->employeec && used < sz; i++)
		used += (size_t)re_snprintf(buf + used, sz - used, "%s%lld",
					    i ? "," : "",
					    (long long)n->employeev[i]);
}

struct note_save {
	struct store_note *n;
	store_note_rows_h *rowsh;
	void *arg;
};

/* The deliveries of the note just written. */
static int rows_save(struct store *st, struct note_save *sv)
{
	struct store_note *n = sv->n;
	struct store_note_out *outv = NULL;
	size_t i, outc = 0;
	int err;

	if (!sv->rowsh)
		return 0;
	err = sv->rowsh(n, &outv, &outc, sv->arg);
	for (i = 0; !err && i < outc; i++) {
		struct store_note_out *out = &outv[i];

		out->o->tenant_id = n->tenant_id;
		err = store_outbox_add(st, out->o);
		if (!err)
			err = store_run(st, S_NOTE_DELIVERY_ADD, EIO, NULL,
					"iiur", n->id, out->o->id,
					(uint64_t)n->version, out->employee_id);
	}
	mem_deref(outv);
	return err;
}

static int save_tx(struct store *st, void *arg)
{
	struct note_save *sv = arg;
	struct store_note *n = sv->n;
	char emps[STORE_NOTE_EMPLOYEES * 21];
	int64_t changed = 0, tid;
	uint32_t i;
	int err;

	for (i = 0; i < n->employeec; i++) {
		err =
		    store_employee_of_tenant(st, n->employeev[i], n->tenant_id);
		if (err)
			return err;
	}
	if (n->call_id) {
		err = store_run(st, S_NOTE_CALL_TENANT, EIO, &tid, "i",
				n->call_id);
		if (err)
			return err;
		if (tid != n->tenant_id)
			return EXDEV;
	}

	if (!n->id) {
		n->version = 1;
		err = store_run(st, S_NOTE_ADD, ENOENT, &n->id, "irrisssssdui",
				n->tenant_id, n->call_id, n->profile_version_id,
				n->agent_token_id, n->agent, n->caller_name,
				n->caller_number, n->concern, n->fields,
				(int)n->urgent, n->created_at,
				n->agent_employee_id);
		if (err)
			return err;
	}
	else {
		err = store_run(st, S_NOTE_UPDATE, ENOENT, &changed,
				"irssssdiu", n->id, n->call_id, n->caller_name,
				n->caller_number, n->concern, n->fields,
				(int)n->urgent, (int64_t)n->version,
				n->updated_at);
		if (err)
			return err;
		if (!changed)
			return EALREADY;
		err = store_run(st, S_NOTE_EMPS_CLEAR, EIO, NULL, "i", n->id);
		if (err)
			return err;
	}

	for (i = 0; i < n->employeec; i++) {
		err = store_run(st, S_NOTE_EMP_ADD, ENOENT, NULL, "ii", n->id,
				n->employeev[i]);
		if (err)
			return err;
	}

	emps_text(n, emps, sizeof(emps));
	err = store_run(st, S_NOTE_VERSION_ADD, EIO, NULL, "iuusssssds", n->id,
			(uint64_t)n->version, n->updated_at, n->agent,
			n->caller_name, n->caller_number, n->concern, n->fields,
			(int)n->urgent, emps);
	if (err)
		return err;

	return rows_save(st, sv);
}

int store_note_save(struct store *st, struct store_note *n,
		    store_note_rows_h *rowsh, void *arg)
{
	struct note_save sv = {n, rowsh, arg};
	int64_t id;
	uint32_t version;
	int err;

	if (!st || !n || n->tenant_id <= 0 || !n->employeec ||
	    n->employeec > STORE_NOTE_EMPLOYEES)
		return EINVAL;
	if (!n->id) {
		if (!n->created_at)
			n->created_at = time_now_ms();
		n->updated_at = n->created_at;
	}
	else if (!n->updated_at) {
		n->updated_at = time_now_ms();
	}

	id = n->id;
	version = n->version;
	/* inserts, and an update checked by its version: no store-wide
	 * lock needed (store_tx_rows()) */
	err = store_tx_rows(st, save_tx, &sv);
	if (err) {
		n->id = id;
		n->version = version;
	}
	return err;
}

int store_note_list(struct store *st, const struct store_note_filter *f,
		    store_note_h *h, void *arg)
{
	static const struct store_note_filter none;
	struct store_note *n;
	struct db_stmt *s;
	uint32_t limit;
	int rc, err;

	if (!st || !h)
		return EINVAL;
	if (!f)
		f = &none;
	limit = f->limit ? f->limit : NOTE_LIMIT;
	if (limit > NOTE_LIMIT_MAX)
		limit = NOTE_LIMIT_MAX;

	n = mem_zalloc(sizeof(*n), NULL);
	if (!n)
		return ENOMEM;
	err = store_stmt_bind(st, S_NOTE_LIST, &s, "iiuuiiii", f->tenant_id,
			      f->employee_id, f->since, f->until,
			      (int64_t)limit, (int64_t)f->offset,
			      f->agent_employee_id, f->agent_token_id);
	if (err)
		goto out;
	while ((rc = db_step(s)) == DB_ROW) {
		note_read(s, n);
		err = emps_load(st, n);
		if (!err)
			err = h(n, arg);
		if (err)
			break;
	}
	if (!err && rc != DB_DONE)
		err = store_dberr(st, rc, S_NOTE_LIST, EIO);
	store_stmt_put(st, S_NOTE_LIST, s);
out:
	mem_deref(n);
	return err;
}

/* "3,5" into employeev. */
static void emps_parse(struct store_note *n, const char *s)
{
	n->employeec = 0;
	while (s && *s && n->employeec < STORE_NOTE_EMPLOYEES) {
		n->employeev[n->employeec++] = strtoll(s, NULL, 10);
		s = strchr(s, ',');
		if (s)
			++s;
	}
}

int store_note_versions(struct store *st, int64_t id, store_note_h *h,
			void *arg)
{
	struct store_note *n;
	char emps[STORE_NOTE_EMPLOYEES * 21];
	struct db_stmt *s;
	int rc, err;

	if (!st || id <= 0 || !h)
		return EINVAL;
	n = mem_zalloc(sizeof(*n), NULL);
	if (!n)
		return ENOMEM;
	err = store_stmt_bind(st, S_NOTE_VERSIONS, &s, "i", id);
	if (err)
		goto out;
	while ((rc = db_step(s)) == DB_ROW) {
		memset(n, 0, sizeof(*n));
		n->id = id;
		n->version = (uint32_t)db_column_int64(s, 0);
		n->updated_at = store_col_u64(s, 1);
		store_col_text(s, 2, n->agent, sizeof(n->agent));
		store_col_text(s, 3, n->caller_name, sizeof(n->caller_name));
		store_col_text(s, 4, n->caller_number,
			       sizeof(n->caller_number));
		store_col_text(s, 5, n->concern, sizeof(n->concern));
		store_col_text(s, 6, n->fields, sizeof(n->fields));
		n->urgent = store_col_int(s, 7) != 0;
		store_col_text(s, 8, emps, sizeof(emps));
		emps_parse(n, emps);
		err = h(n, arg);
		if (err)
			break;
	}
	if (!err && rc != DB_DONE)
		err = store_dberr(st, rc, S_NOTE_VERSIONS, EIO);
	store_stmt_put(st, S_NOTE_VERSIONS, s);
out:
	mem_deref(n);
	return err;
}

int store_note_deliveries(struct store *st, int64_t note_id,
			  store_note_delivery_h *h, void *arg)
{
	struct store_note_delivery d;
	char name[16];
	struct db_stmt *s;
	int rc, err, v;

	if (!st || note_id <= 0 || !h)
		return EINVAL;
	err = store_stmt_bind(st, S_NOTE_DELIVERIES, &s, "i", note_id);
	if (err)
		return err;
	while ((rc = db_step(s)) == DB_ROW) {
		memset(&d, 0, sizeof(d));
		d.outbox_id = db_column_int64(s, 0);
		d.version = (uint32_t)db_column_int64(s, 1);
		d.employee_id = db_column_int64(s, 2);
		store_col_text(s, 3, name, sizeof(name));
		if (!store_names_find(&store_names_channel, name, &v))
			d.channel = (enum store_channel)v;
		store_col_text(s, 4, name, sizeof(name));
		if (!store_names_find(&store_names_outbox_state, name, &v))
			d.state = (enum store_outbox_state)v;
		d.attempts = (uint32_t)db_column_int64(s, 5);
		d.next_attempt_at = store_col_u64(s, 6);
		d.created_at = store_col_u64(s, 7);
		d.sent_at = store_col_u64(s, 8);
		store_col_text(s, 9, d.last_error, sizeof(d.last_error));
		d.delivered_at = store_col_u64(s, 10);
		err = h(&d, arg);
		if (err)
			break;
	}
	if (!err && rc != DB_ROW && rc != DB_DONE)
		err = store_dberr(st, rc, S_NOTE_DELIVERIES, EIO);
	store_stmt_put(st, S_NOTE_DELIVERIES, s);
	return err;
}

struct read_mark {
	int64_t note_id, employee_id;
	uint64_t at;
	bool ack;
	struct store_note_read *r;
};

static int read_row(struct store *st, int64_t note_id, int64_t employee_id,
		    struct store_note_read *r)
{
	struct db_stmt *s;
	int rc, err;

	err = store_stmt_bind(st, S_NOTE_READ_GET, &s, "ii", note_id,
			      employee_id);
	if (err)
		return err;
	rc = db_step(s);
	if (rc == DB_ROW) {
		r->employee_id = db_column_int64(s, 0);
		r->opened_at = store_col_u64(s, 1);
		r->acked_at = store_col_u64(s, 2);
	}
	else {
		err = rc == DB_DONE ? ENOENT
				    : store_dberr(st, rc, S_NOTE_READ_GET, EIO);
	}
	store_stmt_put(st, S_NOTE_READ_GET, s);
	return err;
}

static int mark_tx(struct store *st, void *arg)
{
	struct read_mark *m = arg;
	struct store_note_read r;
	int err;

	err = store_run(st, S_NOTE_READ_MARK, ENOENT, NULL, "iiu", m->note_id,
			m->employee_id, m->at);
	if (!err && m->ack)
		err = store_run(st, S_NOTE_READ_ACK, EIO, NULL, "iiu",
				m->note_id, m->employee_id, m->at);
	if (!err && m->r) {
		memset(&r, 0, sizeof(r));
		err = read_row(st, m->note_id, m->employee_id, &r);
		*m->r = r;
	}
	return err;
}

int store_note_read_mark(struct store *st, int64_t note_id, int64_t employee_id,
			 uint64_t at, bool ack, struct store_note_read *rp)
{
	struct read_mark m = {note_id, employee_id, at, ack, rp};

	if (!st || note_id <= 0 || employee_id <= 0 || !at)
		return EINVAL;
	return store_tx(st, mark_tx, &m);
}

int store_note_reads(struct store *st, int64_t note_id, store_note_read_h *h,
		     void *arg)
{
	struct store_note_read r;
	struct db_stmt *s;
	int rc, err;

	if (!st || note_id <= 0 || !h)
		return EINVAL;
	err = store_stmt_bind(st, S_NOTE_READS, &s, "i", note_id);
	if (err)
		return err;
	while ((rc = db_step(s)) == DB_ROW) {
		r.employee_id = db_column_int64(s, 0);
		r.opened_at = store_col_u64(s, 1);
		r.acked_at = store_col_u64(s, 2);
		err = h(&r, arg);
		if (err)
			break;
	}
	if (!err && rc != DB_ROW && rc != DB_DONE)
		err = store_dberr(st, rc, S_NOTE_READS, EIO);
	store_stmt_put(st, S_NOTE_READS, s);
	return err;
}

int store_note_settings_get(struct store *st, int64_t tenant_id,
			    struct store_note_settings *ns)
{
	struct db_stmt *s;
	int rc, err;

	if (!st || tenant_id <= 0 || !ns)
		return EINVAL;
	memset(ns, 0, sizeof(*ns));
	ns->tenant_id = tenant_id;
	err = store_stmt_bind(st, S_NSET_GET, &s, "i", tenant_id);
	if (err)
		return err;
	rc = db_step(s);
	if (rc == DB_ROW) {
		ns->full_text = store_col_int(s, 0) != 0;
		store_col_text(s, 1, ns->webhook_url, sizeof(ns->webhook_url));
		store_col_text(s, 2, ns->webhook_secret,
			       sizeof(ns->webhook_secret));
		ns->updated_at = store_col_u64(s, 3);
		ns->escalate_after = (uint32_t)db_column_int64(s, 4);
	}
	else if (rc != DB_DONE) {
		err = store_dberr(st, rc, S_NSET_GET, EIO);
	}
	store_stmt_put(st, S_NSET_GET, s);
	return err;
}

int store_note_settings_set(struct store *st,
			    const struct store_note_settings *ns)
{
	if (!st || !ns || ns->tenant_id <= 0)
		return EINVAL;
	return store_run(st, S_NSET_SET, ENOENT, NULL, "idssuu", ns->tenant_id,
			 (int)ns->full_text, ns->webhook_url,
			 ns->webhook_secret,
			 ns->updated_at ? ns->updated_at : time_now_ms(),
			 (uint64_t)ns->escalate_after);
}

int store_secret_ensure(struct store *st, const char *name, const char *value,
			char *buf, size_t sz)
{
	struct db_stmt *s;
	int rc, err;

	if (!st || !str_isset(name) || !str_isset(value) || !buf || !sz)
		return EINVAL;
	err = store_run(st, S_SECRET_ADD, EIO, NULL, "ssu", name, value,
			time_now_ms());
	if (err)
		return err;
	err = store_stmt_bind(st, S_SECRET_GET, &s, "s", name);
	if (err)
		return err;
	rc = db_step(s);
	if (rc == DB_ROW)
		store_col_text(s, 0, buf, sz);
	else
		err = rc == DB_DONE ? ENOENT
				    : store_dberr(st, rc, S_SECRET_GET, EIO);
	store_stmt_put(st, S_SECRET_GET, s);
	return err;
}
