/*
 * sqlite_consult.c - the outcomes of transfers with consultation in the
 * SQLite store (migration 35): the call handling (call/consult.c) writes
 * one row per attempt (per consultation record; a step that could not be
 * rung at all has none) when it is decided (taken, declined, not
 * reached, cancelled by the agent; a message the employee left for the
 * caller may come with a later write of the same row); a note of the
 * call lists them (http/api_notes.c, notify/note.c).
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

static const struct store_sql sql[] = {
    {S_CONSULT_SET, "consult outcome",
     "INSERT INTO consult_outcomes (consult_id, call_id,"
     " tenant_id, step, employee_id, outcome, message, at)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (consult_id)"
     " DO UPDATE SET call_id = excluded.call_id,"
     " tenant_id = excluded.tenant_id, step = excluded.step,"
     " employee_id = excluded.employee_id, outcome = excluded.outcome,"
     " message = excluded.message, at = excluded.at"},
    {S_CONSULT_LIST, "consult outcomes",
     "SELECT coalesce(consult_id, 0), call_id, tenant_id, step,"
     " coalesce(employee_id, 0), outcome, message, at FROM consult_outcomes"
     " WHERE call_id = ?1 ORDER BY at, id"},
};

const struct store_sqlset store_sql_consult = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_consult_outcome, consult_id),
    STORE_COL(SC_I64, 0, store_consult_outcome, call_id),
    STORE_COL(SC_I64, 0, store_consult_outcome, tenant_id),
    STORE_COL(SC_TEXT, 0, store_consult_outcome, step),
    STORE_COL(SC_I64, 0, store_consult_outcome, employee_id),
    STORE_COL(SC_TEXT, 0, store_consult_outcome, outcome),
    STORE_COL(SC_TEXT, 0, store_consult_outcome, message),
    STORE_COL(SC_U64, 0, store_consult_outcome, at),
};

STORE_RECORD(outcome_rec, store_consult_outcome, store_consult_outcome_h, cols);

static bool outcome_valid(const char *s)
{
	static const char *const v[] = {"taken", "declined", "unreached",
					"cancelled", "caller_left"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		if (!strcmp(s, v[i]))
			return true;
	}
	return false;
}

int store_consult_outcome_set(struct store *st,
			      const struct store_consult_outcome *o)
{
	if (!st || !o || o->consult_id < 0 || o->call_id <= 0 ||
	    o->tenant_id <= 0 || o->employee_id < 0 ||
	    !outcome_valid(o->outcome) || o->at > (uint64_t)INT64_MAX)
		return EINVAL;
	return store_run(st, S_CONSULT_SET, ENOENT, NULL, "riisrssu",
			 o->consult_id, o->call_id, o->tenant_id, o->step,
			 o->employee_id, o->outcome, o->message, o->at);
}

int store_consult_outcome_list(struct store *st, int64_t call_id,
			       store_consult_outcome_h *h, void *arg)
{
	if (!st || call_id <= 0 || !h)
		return EINVAL;
	return store_row_query(st, S_CONSULT_LIST, &outcome_rec, NULL,
			       (store_fn *)h, arg, "i", call_id);
}
