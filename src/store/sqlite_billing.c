/*
 * sqlite_billing.c - what billing reads, in the SQLite store (issue 18):
 * tariffs (migration 36: a client's prices, versioned by valid_from; the
 * rows without tenant are the list price), the calls to bill (call
 * records with their agents' queue visits: talk and wrap-up, migration
 * 37; the agents' calls of callbacks, migration 42) and the SMS sent (sms_charges, the rows the outbox's trigger
 * writes when an SMS becomes sent).  Only tariffs are written here;
 * calls, visits and SMS are read, never changed.
 */
#include "core/core.h"
#include "store/sqlite_int.h"

static const struct store_sql sql[] = {
    {S_TARIFF_ADD, "tariff add",
     "INSERT INTO tariffs (tenant_id, valid_from, acceptance_cents,"
     " acceptance_threshold_s, processing_cents_per_min, wrapup_cap_s,"
     " sms_cents, vat_bp, trial_hours, created_at, assistant_cents_per_hour)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id"},
    {S_TARIFF_LIST, "tariff list",
     "SELECT id, coalesce(tenant_id, 0), valid_from, acceptance_cents,"
     " acceptance_threshold_s, processing_cents_per_min, wrapup_cap_s,"
     " sms_cents, vat_bp, trial_hours, created_at, assistant_cents_per_hour"
     " FROM tariffs"
     " WHERE coalesce(tenant_id, 0) = ?1 ORDER BY valid_from, id"},
    /* the agents' time on a call: its queue visits answered and its
     * agent's calls of a callback (migration 42); a wrap-up counts when
     * it has ended; one still running (no end yet) makes the call
     * pending: not billed yet (a wrap-up a restart cut was ended by the
     * node's start at its last heartbeat, sqlite_call.c) */
    {S_BILL_CALLS, "billing calls",
     "SELECT c.id, c.started_at, sum(v.handle_ms),"
     " sum(CASE WHEN v.wrapup_started_at > 0"
     "  AND v.wrapup_ended_at >= v.wrapup_started_at"
     "  THEN v.wrapup_ended_at - v.wrapup_started_at ELSE 0 END),"
     " max(CASE WHEN v.wrapup_started_at > 0 AND v.wrapup_ended_at = 0"
     "  THEN 1 ELSE 0 END)"
     " FROM calls c JOIN (SELECT call_id, handle_ms, wrapup_started_at,"
     "  wrapup_ended_at FROM queue_visits WHERE outcome = 'answered'"
     "  UNION ALL SELECT call_id, handle_ms, wrapup_started_at,"
     "  wrapup_ended_at FROM callback_calls) v ON v.call_id = c.id"
     " WHERE c.tenant_id = ?1 AND c.started_at >= ?2 AND c.started_at < ?3"
     " AND c.ended_at <> 0"
     " GROUP BY c.id ORDER BY c.started_at, c.id"},
    {S_BILL_SMS, "billing sms",
     "SELECT at FROM sms_charges WHERE tenant_id = ?1 AND at >= ?2"
     " AND at < ?3 ORDER BY at, id"},
};

const struct store_sqlset store_sql_billing = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_tariff, id),
    STORE_COL(SC_REF, SC_ADD, store_tariff, tenant_id),
    STORE_COL(SC_U64, SC_ADD, store_tariff, valid_from),
    STORE_COL(SC_U32, SC_ADD, store_tariff, acceptance_cents),
    STORE_COL(SC_U32, SC_ADD, store_tariff, acceptance_threshold_s),
    STORE_COL(SC_U32, SC_ADD, store_tariff, processing_cents_per_min),
    STORE_COL(SC_U32, SC_ADD, store_tariff, wrapup_cap_s),
    STORE_COL(SC_U32, SC_ADD, store_tariff, sms_cents),
    STORE_COL(SC_U32, SC_ADD, store_tariff, vat_bp),
    STORE_COL(SC_U32, SC_ADD, store_tariff, trial_hours),
    STORE_COL(SC_U64, SC_ADD, store_tariff, created_at),
    STORE_COL(SC_U32, SC_ADD, store_tariff, assistant_cents_per_hour),
};

STORE_RECORD(tariff_rec, store_tariff, store_tariff_h, cols);

int store_tariff_add(struct store *st, struct store_tariff *t)
{
	if (!st || !t || t->tenant_id < 0 || t->vat_bp > 10000 ||
	    t->valid_from > (uint64_t)INT64_MAX)
		return EINVAL;
	if (!t->created_at)
		t->created_at = time_now_ms();
	return store_row_add(st, S_TARIFF_ADD, &tariff_rec, t);
}

int store_tariff_list(struct store *st, int64_t tenant_id, store_tariff_h *h,
		      void *arg)
{
	return store_row_list(st, S_TARIFF_LIST, tenant_id, &tariff_rec,
			      (store_fn *)h, arg);
}

/* A row of a billing walk: read from s and handed to h. */
typedef int(row_h)(struct db_stmt *s, store_fn *h, void *arg);

/* Walk sid bound to (tenant_id, from, until), each row through rowh. */
static int walk(struct store *st, enum store_sql_id sid, int64_t tenant_id,
		uint64_t from, uint64_t until, row_h *rowh, store_fn *h,
		void *arg)
{
	struct db_stmt *s;
	int rc = DB_DONE, err;

	if (!st || tenant_id <= 0 || !h)
		return EINVAL;
	err = store_stmt_bind(st, sid, &s, "iuu", tenant_id, from, until);
	if (err)
		return err;
	while (!err && (rc = db_step(s)) == DB_ROW)
		err = rowh(s, h, arg);
	if (!err && rc != DB_DONE)
		err = store_dberr(st, rc, sid, EIO);
	store_stmt_put(st, sid, s);
	return err;
}

static int call_row(struct db_stmt *s, store_fn *h, void *arg)
{
	struct store_billed_call c;

	c.call_id = db_column_int64(s, 0);
	c.started_at = store_col_u64(s, 1);
	c.talk_ms = store_col_u64(s, 2);
	c.wrapup_ms = store_col_u64(s, 3);
	c.pending = store_col_int(s, 4) != 0;
	return ((store_billed_call_h *)h)(&c, arg);
}

static int sms_row(struct db_stmt *s, store_fn *h, void *arg)
{
	return ((store_sms_sent_h *)h)(store_col_u64(s, 0), arg);
}

int store_billing_calls(struct store *st, int64_t tenant_id, uint64_t from,
			uint64_t until, store_billed_call_h *h, void *arg)
{
	return walk(st, S_BILL_CALLS, tenant_id, from, until, call_row,
		    (store_fn *)h, arg);
}

int store_billing_sms(struct store *st, int64_t tenant_id, uint64_t from,
		      uint64_t until, store_sms_sent_h *h, void *arg)
{
	return walk(st, S_BILL_SMS, tenant_id, from, until, sms_row,
		    (store_fn *)h, arg);
}
