/*
 * sqlite_visit.c - callers' visits to hotline queues in the SQLite store,
 * the raw data of the queue statistics (src/acd/stats.c writes them,
 * src/acd/report.c sums them up): a row when the caller reaches the queue
 * (the tenant taken from the queue), its outcome when it leaves, the talk
 * time when the agent's call ends, the agent's wrap-up after it
 * (migration 37), and the callback flags.  Each write is
 * one statement (committed on its own).
 */
#include "core/core.h"
#include "store/sqlite_int.h"

#define V_SELECT                                                               \
	"SELECT id, tenant_id, queue_id, call_id, caller, arrived_at,"         \
	" joined_at, outcome, left_at, wait_ms, agent_id, handle_ms,"          \
	" ended_at, callback_requested, callback_completed FROM queue_visits"

static const struct store_sql sql[] = {
    {S_VISIT_ADD, "queue visit add",
     "INSERT INTO queue_visits (tenant_id, queue_id, call_id, caller,"
     " arrived_at, joined_at, outcome, left_at, wait_ms, agent_id,"
     " callback_requested)"
     " SELECT tenant_id, id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10"
     " FROM queues WHERE id = ?1 RETURNING id"},
    {S_VISIT_LEFT, "queue visit left",
     "UPDATE queue_visits SET outcome = ?2, left_at = ?3, wait_ms = ?4,"
     " agent_id = ?5, callback_requested = CASE WHEN callback_requested <> 0"
     " OR ?6 <> 0 THEN 1 ELSE 0 END"
     " WHERE id = ?1"},
    {S_VISIT_HANDLED, "queue visit handled",
     "UPDATE queue_visits SET handle_ms = ?2, ended_at = ?3 WHERE id = ?1"},
    {S_VISIT_WRAPUP, "queue visit wrap-up",
     "UPDATE queue_visits SET wrapup_started_at = ?2, wrapup_ended_at = ?3"
     " WHERE id = ?1"},
    {S_VISIT_CALLBACK, "queue visit callback",
     "UPDATE queue_visits SET callback_requested = 1,"
     " callback_completed = CASE WHEN callback_completed <> 0 OR ?2 <> 0"
     " THEN 1 ELSE 0 END WHERE id = ?1"},
    {S_VISIT_CALLBACK_DONE, "queue visit callback done",
     "UPDATE queue_visits SET callback_completed = 1 WHERE queue_id = ?1"
     " AND call_id = ?2 AND callback_requested = 1"},
    {S_VISIT_GET, "queue visit get", V_SELECT " WHERE id = ?1"},
    {S_VISIT_POOL_AGENT, "queue visit pool agent",
     "SELECT 1 FROM queue_visits v JOIN queues q ON q.id = v.queue_id"
     " WHERE v.call_id = ?1 AND v.agent_id = ?2 AND q.pool = 1"
     " AND v.outcome = 'answered' LIMIT 1"},
    {S_VISIT_LIST, "queue visit list",
     V_SELECT " WHERE queue_id = ?1 AND arrived_at >= ?2 AND arrived_at < ?3"
	      " ORDER BY arrived_at, id"},
};

const struct store_sqlset store_sql_visit = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_queue_visit, id),
    STORE_COL(SC_I64, 0, store_queue_visit, tenant_id),
    STORE_COL(SC_I64, 0, store_queue_visit, queue_id),
    STORE_COL(SC_I64, 0, store_queue_visit, call_id),
    STORE_COL(SC_TEXT, 0, store_queue_visit, caller),
    STORE_COL(SC_U64, 0, store_queue_visit, arrived_at),
    STORE_COL(SC_U64, 0, store_queue_visit, joined_at),
    STORE_ENUM(0, store_queue_visit, outcome, &store_names_visit_outcome),
    STORE_COL(SC_U64, 0, store_queue_visit, left_at),
    STORE_COL(SC_U64, 0, store_queue_visit, wait_ms),
    STORE_COL(SC_I64, 0, store_queue_visit, agent_id),
    STORE_COL(SC_U64, 0, store_queue_visit, handle_ms),
    STORE_COL(SC_U64, 0, store_queue_visit, ended_at),
    STORE_COL(SC_BOOL, 0, store_queue_visit, callback_requested),
    STORE_COL(SC_BOOL, 0, store_queue_visit, callback_completed),
};

STORE_RECORD(visit_rec, store_queue_visit, store_queue_visit_h, cols);

/* Times and durations must fit SQLite's signed 64 bits. */
static bool fits(uint64_t v)
{
	return v <= (uint64_t)INT64_MAX;
}

static bool visit_valid(const struct store_queue_visit *v)
{
	return v && v->queue_id > 0 && v->arrived_at && fits(v->arrived_at) &&
	       fits(v->joined_at) && fits(v->left_at) && fits(v->wait_ms) &&
	       v->agent_id >= 0 && v->call_id >= 0 &&
	       store_names_has(&store_names_visit_outcome, (int)v->outcome);
}

int store_queue_visit_add(struct store *st, struct store_queue_visit *v)
{
	int64_t id = 0;
	int err;

	if (!st || !visit_valid(v))
		return EINVAL;
	/* RETURNING id: no row (ENOENT) if the queue is not there */
	err = store_run(st, S_VISIT_ADD, ENOENT, &id, "iisuusuuid", v->queue_id,
			v->call_id, v->caller, v->arrived_at, v->joined_at,
			store_visit_outcome_name(v->outcome), v->left_at,
			v->wait_ms, v->agent_id, (int)v->callback_requested);
	if (err)
		return err;
	v->id = id;
	return 0;
}

int store_queue_visit_left(struct store *st, const struct store_queue_visit *v)
{
	int64_t n = 0;
	int err;

	if (!st || !v || v->id <= 0 || !visit_valid(v))
		return EINVAL;
	err = store_run(st, S_VISIT_LEFT, ENOENT, &n, "isuuid", v->id,
			store_visit_outcome_name(v->outcome), v->left_at,
			v->wait_ms, v->agent_id, (int)v->callback_requested);
	return !err && !n ? ENOENT : err;
}

int store_queue_visit_handled(struct store *st, int64_t id, uint64_t handle_ms,
			      uint64_t ended_at)
{
	int64_t n = 0;
	int err;

	if (!st || id <= 0 || !fits(handle_ms) || !fits(ended_at))
		return EINVAL;
	err = store_run(st, S_VISIT_HANDLED, ENOENT, &n, "iuu", id, handle_ms,
			ended_at);
	return !err && !n ? ENOENT : err;
}

int store_queue_visit_wrapup(struct store *st, int64_t id, uint64_t started_at,
			     uint64_t ended_at)
{
	int64_t n = 0;
	int err;

	if (!st || id <= 0 || !fits(started_at) || !fits(ended_at) ||
	    (ended_at && ended_at < started_at))
		return EINVAL;
	err = store_run(st, S_VISIT_WRAPUP, ENOENT, &n, "iuu", id, started_at,
			ended_at);
	return !err && !n ? ENOENT : err;
}

int store_queue_visit_callback(struct store *st, int64_t id, bool completed)
{
	int64_t n = 0;
	int err;

	if (!st || id <= 0)
		return EINVAL;
	err = store_run(st, S_VISIT_CALLBACK, ENOENT, &n, "id", id,
			(int)completed);
	return !err && !n ? ENOENT : err;
}

int store_queue_visit_callback_done(struct store *st, int64_t queue_id,
				    int64_t call_id)
{
	int64_t n = 0;
	int err;

	if (!st || queue_id <= 0 || call_id <= 0)
		return EINVAL;
	err = store_run(st, S_VISIT_CALLBACK_DONE, ENOENT, &n, "ii", queue_id,
			call_id);
	return !err && !n ? ENOENT : err;
}

int store_queue_visit_pool_agent(struct store *st, int64_t call_id,
				 int64_t agent_id)
{
	if (!st || call_id <= 0 || agent_id <= 0)
		return EINVAL;
	return store_run(st, S_VISIT_POOL_AGENT, EIO, NULL, "ii", call_id,
			 agent_id);
}

int store_queue_visit_get(struct store *st, int64_t id,
			  struct store_queue_visit *v)
{
	return store_row_get(st, S_VISIT_GET, id, &visit_rec, v);
}

int store_queue_visit_list(struct store *st, int64_t queue_id, uint64_t from,
			   uint64_t to, store_queue_visit_h *h, void *arg)
{
	if (!st || queue_id <= 0 || !h || !fits(from) || !fits(to))
		return EINVAL;
	return store_row_query(st, S_VISIT_LIST, &visit_rec, NULL,
			       (store_fn *)h, arg, "iuu", queue_id, from, to);
}
