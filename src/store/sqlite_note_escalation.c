/*
 * sqlite_note_escalation.c - the escalation trail of urgent call notes
 * in the SQLite store (issue 17; migrations 31 and 32): which notes are
 * due for a step, the step's rows written in one transaction with its
 * deliveries, an on-call attempt's outcome, the trail of a note.
 *
 * A step is taken once: its transaction first looks for a row of the
 * step (of the attempt, for the on-call step) and writes nothing if it
 * finds one (EALREADY); a unique index on (note, step, attempt) of the
 * on-call rows backs this when two nodes race.  Notes are due by their
 * creation time and their tenant's escalate_after, retries of the
 * on-call step by the start of the last attempt.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

/* The outcomes after which the on-call person is phoned again. */
#define RETRY_OUTCOMES "'no_answer', 'busy', 'unacknowledged', 'failed'"

static const struct store_sql sql[] = {
    {S_ESC_DUE, "note escalation",
     "SELECT n.id FROM notes n JOIN note_settings s"
     " ON s.tenant_id = n.tenant_id WHERE n.urgent = 1"
     " AND s.escalate_after > 0"
     " AND n.created_at + s.escalate_after * 1000 * ?3 <= ?1"
     " AND n.created_at + s.escalate_after * 1000 * ?3 > ?1 - 86400000"
     " AND NOT EXISTS (SELECT 1 FROM note_reads r WHERE r.note_id = n.id"
     " AND r.acked_at > 0)"
     " AND NOT EXISTS (SELECT 1 FROM note_escalations e"
     " WHERE e.note_id = n.id AND e.step = ?2)"
     " AND (coalesce(?4, '') = '' OR EXISTS (SELECT 1 FROM note_escalations e"
     " WHERE e.note_id = n.id AND e.step = ?4))"
     " ORDER BY n.created_at, n.id LIMIT ?5"},
    {S_ESC_RETRY_DUE, "note escalation",
     "SELECT n.id, e.attempt + 1 FROM note_escalations e"
     " JOIN notes n ON n.id = e.note_id JOIN note_settings s"
     " ON s.tenant_id = n.tenant_id WHERE e.step = 'oncall'"
     " AND e.attempt = (SELECT max(x.attempt) FROM note_escalations x"
     " WHERE x.note_id = e.note_id AND x.step = 'oncall')"
     " AND e.attempt < ?4 AND n.urgent = 1 AND s.escalate_after > 0"
     " AND (e.outcome IN (" RETRY_OUTCOMES ")"
     " OR (e.outcome IN ('ringing', 'answered')"
     " AND e.at <= CAST(?1 AS BIGINT) - ?3))"
     " AND e.at + ?2 <= ?1 AND e.at > ?1 - 86400000"
     " AND NOT EXISTS (SELECT 1 FROM note_reads r WHERE r.note_id = n.id"
     " AND r.acked_at > 0)"
     " ORDER BY e.at, n.id LIMIT ?5"},
    {S_ESC_TAKEN, "note escalation",
     "SELECT count(*) FROM note_escalations WHERE note_id = ?1"
     " AND step = ?2 AND attempt >= ?3"},
    {S_ESC_ADD, "note escalation",
     "INSERT INTO note_escalations (note_id, tenant_id, step, employee_id,"
     " at, outcome, detail, attempt, sip_code) VALUES (?1, ?2, ?3, ?4, ?5,"
     " ?6, ?7, ?8, ?9) RETURNING id"},
    {S_ESC_OUTCOME, "note escalation",
     "UPDATE note_escalations SET outcome = ?2, sip_code = ?3"
     " WHERE id = ?1"},
    {S_ESC_LIST, "note escalations",
     "SELECT id, note_id, tenant_id, step, coalesce(employee_id, 0), at,"
     " outcome, detail, attempt, sip_code FROM note_escalations"
     " WHERE note_id = ?1 ORDER BY id"},
};

const struct store_sqlset store_sql_note_esc = STORE_SQLSET(sql);

int store_note_escalation_due(struct store *st, const char *step,
			      uint32_t factor, const char *prev, uint64_t now,
			      int64_t *idv, size_t *idcp)
{
	struct db_stmt *s;
	size_t max, n = 0;
	int rc, err;

	if (!st || !str_isset(step) || !factor || !idv || !idcp)
		return EINVAL;
	max = *idcp < STORE_ESC_BATCH ? *idcp : STORE_ESC_BATCH;
	err = store_stmt_bind(st, S_ESC_DUE, &s, "ususi", now, step,
			      (uint64_t)factor, prev ? prev : "", (int64_t)max);
	if (err)
		return err;
	while (n < max && (rc = db_step(s)) == DB_ROW)
		idv[n++] = db_column_int64(s, 0);
	if (n < max && rc != DB_DONE)
		err = store_dberr(st, rc, S_ESC_DUE, EIO);
	store_stmt_put(st, S_ESC_DUE, s);
	*idcp = n;
	return err;
}

int store_note_oncall_retry_due(struct store *st, uint64_t now,
				uint64_t retry_ms, uint64_t stale_ms,
				uint32_t max, int64_t *idv, uint32_t *attv,
				size_t *idcp)
{
	struct db_stmt *s;
	size_t lim, n = 0;
	int rc = DB_DONE, err;

	if (!st || !idv || !attv || !idcp)
		return EINVAL;
	lim = *idcp < STORE_ESC_BATCH ? *idcp : STORE_ESC_BATCH;
	err = store_stmt_bind(st, S_ESC_RETRY_DUE, &s, "uuuui", now, retry_ms,
			      stale_ms, (uint64_t)max, (int64_t)lim);
	if (err)
		return err;
	while (n < lim && (rc = db_step(s)) == DB_ROW) {
		idv[n] = db_column_int64(s, 0);
		attv[n++] = (uint32_t)db_column_int64(s, 1);
	}
	if (n < lim && rc != DB_DONE)
		err = store_dberr(st, rc, S_ESC_RETRY_DUE, EIO);
	store_stmt_put(st, S_ESC_RETRY_DUE, s);
	*idcp = n;
	return err;
}

struct esc_save {
	const struct store_note *n;
	struct store_note_escalation *ev;
	size_t evc;
	struct store_note_out *outv;
	size_t outc;
};

static int esc_tx(struct store *st, void *arg)
{
	struct esc_save *sv = arg;
	const struct store_note *n = sv->n;
	int64_t taken = 0;
	size_t i;
	int err;

	err = store_run(st, S_ESC_TAKEN, EIO, &taken, "isu", n->id,
			sv->ev[0].step, (uint64_t)sv->ev[0].attempt);
	if (err)
		return err;
	if (taken)
		return EALREADY;
	for (i = 0; !err && i < sv->outc; i++) {
		struct store_note_out *out = &sv->outv[i];

		out->o->tenant_id = n->tenant_id;
		err = store_outbox_add(st, out->o);
		if (!err)
			err = store_run(st, S_NOTE_DELIVERY_ADD, EIO, NULL,
					"iiur", n->id, out->o->id,
					(uint64_t)n->version, out->employee_id);
	}
	for (i = 0; !err && i < sv->evc; i++) {
		struct store_note_escalation *e = &sv->ev[i];

		err = store_run(st, S_ESC_ADD, ENOENT, &e->id, "iisrussuu",
				n->id, n->tenant_id, sv->ev[0].step,
				e->employee_id, e->at ? e->at : time_now_ms(),
				e->outcome, e->detail, (uint64_t)e->attempt,
				(uint64_t)e->sip_code);
	}
	/* two nodes writing the same attempt: the unique index says so */
	return err == EEXIST ? EALREADY : err;
}

int store_note_escalate(struct store *st, const struct store_note *n,
			struct store_note_escalation *ev, size_t evc,
			struct store_note_out *outv, size_t outc)
{
	struct esc_save sv = {n, ev, evc, outv, outc};

	if (!st || !n || n->id <= 0 || !ev || !evc || !str_isset(ev[0].step) ||
	    (outc && !outv))
		return EINVAL;
	return store_tx(st, esc_tx, &sv);
}

int store_note_escalation_outcome(struct store *st, int64_t id,
				  const char *outcome, uint16_t sip_code)
{
	int64_t changed = 0;
	int err;

	if (!st || id <= 0 || !str_isset(outcome))
		return EINVAL;
	err = store_run(st, S_ESC_OUTCOME, EIO, &changed, "isu", id, outcome,
			(uint64_t)sip_code);
	if (!err && !changed)
		err = ENOENT;
	return err;
}

int store_note_escalations(struct store *st, int64_t note_id,
			   store_note_escalation_h *h, void *arg)
{
	struct store_note_escalation e;
	struct db_stmt *s;
	int rc, err;

	if (!st || note_id <= 0 || !h)
		return EINVAL;
	err = store_stmt_bind(st, S_ESC_LIST, &s, "i", note_id);
	if (err)
		return err;
	while ((rc = db_step(s)) == DB_ROW) {
		memset(&e, 0, sizeof(e));
		e.id = db_column_int64(s, 0);
		e.note_id = db_column_int64(s, 1);
		e.tenant_id = db_column_int64(s, 2);
		store_col_text(s, 3, e.step, sizeof(e.step));
		e.employee_id = db_column_int64(s, 4);
		e.at = store_col_u64(s, 5);
		store_col_text(s, 6, e.outcome, sizeof(e.outcome));
		store_col_text(s, 7, e.detail, sizeof(e.detail));
		e.attempt = (uint32_t)db_column_int64(s, 8);
		e.sip_code = (uint16_t)store_col_int(s, 9);
		err = h(&e, arg);
		if (err)
			break;
	}
	if (!err && rc != DB_ROW && rc != DB_DONE)
		err = store_dberr(st, rc, S_ESC_LIST, EIO);
	store_stmt_put(st, S_ESC_LIST, s);
	return err;
}
