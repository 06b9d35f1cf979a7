/*
 * sqlite_callback.c - queue callbacks in the SQLite store: a caller who
 * asked to be called back, with his original arrival (his place in the
 * queue), the attempts made and the state.  Written (committed) before
 * the caller hears that we will call back.  callback_calls (migration
 * 42): each agent's call of a callback, its handle time and wrap-up,
 * what billing reads (sqlite_billing.c).
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define CB_SELECT                                                              \
	"SELECT id, tenant_id, queue_id, number, arrived_at,"                  \
	" COALESCE(call_id, 0), state, attempts, next_at,"                     \
	" COALESCE(agent_id, 0), created_at, updated_at, node FROM callbacks"

static const struct store_sql sql[] = {
    {S_CB_QUEUE_TENANT, "callback queue",
     "SELECT tenant_id FROM queues WHERE id = ?1"},
    {S_CB_ADD, "callback add",
     "INSERT INTO callbacks (tenant_id, queue_id, number, arrived_at,"
     " call_id, state, attempts, next_at, agent_id, created_at,"
     " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
     "RETURNING id"},
    {S_CB_GET, "callback get", CB_SELECT " WHERE id = ?1"},
    /* an ended request stays ended: a cancel through another node is
     * never overwritten by the holder's outcome, nor the other way */
    {S_CB_UPDATE, "callback update",
     "UPDATE callbacks SET state = ?2, attempts = ?3, next_at = ?4,"
     " agent_id = ?5, updated_at = ?6"
     " WHERE id = ?1 AND state IN ('requested', 'calling')"},
    /* ?1 id, ?2 node, ?3 now: requested -> calling, one node only */
    {S_CB_CLAIM, "callback claim",
     "UPDATE callbacks SET state = 'calling', node = ?2, updated_at = ?3"
     " WHERE id = ?1 AND state = 'requested'"},
    /* ?1 id, ?2 node, ?3 now: calling (of node) -> requested */
    {S_CB_RELEASE, "callback release",
     "UPDATE callbacks SET state = 'requested', node = '', updated_at = ?3"
     " WHERE id = ?1 AND state = 'calling' AND node = ?2"},
    {S_CB_LIST, "callback list",
     CB_SELECT " WHERE (?1 = 0 OR tenant_id = ?1) AND"
	       " (?2 = 0 OR queue_id = ?2) AND (?3 < 0 OR state = ?4)"
	       " ORDER BY arrived_at, id"},
    /* the tenant is the call record's: the client's */
    {S_CBCALL_ADD, "callback call add",
     "INSERT INTO callback_calls (tenant_id, callback_id, call_id,"
     " queue_id, agent_id, handle_ms, ended_at)"
     " SELECT tenant_id, ?2, id, ?3, ?4, ?5, ?6 FROM calls"
     " WHERE id = ?1 AND tenant_id > 0 RETURNING id"},
    {S_CBCALL_WRAPUP, "callback call wrap-up",
     "UPDATE callback_calls SET wrapup_started_at = ?2,"
     " wrapup_ended_at = ?3 WHERE id = ?1"},
};

/* PostgreSQL: a request whose row another node is writing right now
 * (claiming it, or cancelling it) is not claimed here, nor waited for:
 * "another node has it", as after that node's claim */
static const struct store_sql pg_sql[] = {
    {S_CB_CLAIM, "callback claim",
     "UPDATE callbacks SET state = 'calling', node = ?2, updated_at = ?3"
     " WHERE id = (SELECT id FROM callbacks WHERE id = ?1"
     " AND state = 'requested' FOR UPDATE SKIP LOCKED)"
     " AND state = 'requested'"},
};

const struct store_sqlset store_sql_callback = STORE_SQLSET_PG(sql, pg_sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_callback, id),
    STORE_COL(SC_I64, SC_ADD, store_callback, tenant_id),
    STORE_COL(SC_I64, SC_ADD, store_callback, queue_id),
    STORE_COL(SC_TEXT, SC_ADD, store_callback, number),
    STORE_COL(SC_U64, SC_ADD, store_callback, arrived_at),
    STORE_COL(SC_REF, SC_ADD, store_callback, call_id),
    STORE_ENUM(SC_ADD | SC_UPD, store_callback, state,
	       &store_names_callback_state),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_callback, attempts),
    STORE_COL(SC_U64, SC_ADD | SC_UPD, store_callback, next_at),
    STORE_COL(SC_REF, SC_ADD | SC_UPD, store_callback, agent_id),
    STORE_COL(SC_U64, SC_ADD, store_callback, created_at),
    STORE_COL(SC_U64, SC_ADD | SC_UPD, store_callback, updated_at),
    STORE_COL(SC_TEXT, 0, store_callback, node),
};

STORE_RECORD(cb_rec, store_callback, store_callback_h, cols);

int store_callback_add(struct store *st, struct store_callback *cb)
{
	int64_t tenant = 0;
	int err;

	if (!st || !cb || !cb->number[0] || cb->queue_id <= 0)
		return EINVAL;
	err = store_tenant_of(st, S_CB_QUEUE_TENANT, cb->queue_id, &tenant);
	if (err)
		return err;
	if (cb->tenant_id && cb->tenant_id != tenant)
		return EXDEV;
	cb->tenant_id = tenant;
	cb->created_at = cb->updated_at = time_now_ms();
	return store_row_add(st, S_CB_ADD, &cb_rec, cb);
}

int store_callback_get(struct store *st, int64_t id, struct store_callback *cb)
{
	return store_row_get(st, S_CB_GET, id, &cb_rec, cb);
}

int store_callback_update(struct store *st, struct store_callback *cb)
{
	if (!st || !cb || cb->id <= 0)
		return EINVAL;
	cb->updated_at = time_now_ms();
	return store_row_update(st, S_CB_UPDATE, &cb_rec, cb);
}

/* One conditional write; *done: it changed the row (changes() == 1). */
static int cb_move(struct store *st, enum store_sql_id sid, int64_t id,
		   const char *node, bool *done)
{
	struct store_callback cb;
	int64_t n = 0;
	int err;

	if (done)
		*done = false;
	if (!st || id <= 0 || !node || strlen(node) >= sizeof(cb.node) || !done)
		return EINVAL;
	err = store_run(st, sid, EIO, &n, "isu", id, node, time_now_ms());
	if (!err)
		*done = n == 1;
	return err;
}

int store_callback_claim(struct store *st, int64_t id, const char *node,
			 bool *claimed)
{
	return cb_move(st, S_CB_CLAIM, id, node, claimed);
}

int store_callback_release(struct store *st, int64_t id, const char *node,
			   bool *released)
{
	return cb_move(st, S_CB_RELEASE, id, node, released);
}

int store_callback_list(struct store *st, int64_t tenant_id, int64_t queue_id,
			int state, store_callback_h *h, void *arg)
{
	const char *name =
	    state >= 0 ? store_names_get(&store_names_callback_state, state)
		       : "";

	if (!st || tenant_id < 0 || queue_id < 0 || !h)
		return EINVAL;
	return store_row_query(st, S_CB_LIST, &cb_rec, NULL, (store_fn *)h, arg,
			       "iids", tenant_id, queue_id, state,
			       name ? name : "");
}

int store_callback_call_add(struct store *st, struct store_callback_call *cc)
{
	int64_t id = 0;
	int err;

	if (!st || !cc || cc->call_id <= 0 || cc->callback_id <= 0 ||
	    cc->handle_ms > (uint64_t)INT64_MAX ||
	    cc->ended_at > (uint64_t)INT64_MAX)
		return EINVAL;
	/* RETURNING id: no row (ENOENT) if the callback is not there */
	err = store_run(st, S_CBCALL_ADD, ENOENT, &id, "iiiiuu", cc->call_id,
			cc->callback_id, cc->queue_id, cc->agent_id,
			cc->handle_ms, cc->ended_at);
	if (!err)
		cc->id = id;
	return err;
}

int store_callback_call_wrapup(struct store *st, int64_t id,
			       uint64_t started_at, uint64_t ended_at)
{
	int64_t n = 0;
	int err;

	if (!st || id <= 0 || started_at > (uint64_t)INT64_MAX ||
	    ended_at > (uint64_t)INT64_MAX ||
	    (ended_at && ended_at < started_at))
		return EINVAL;
	err = store_run(st, S_CBCALL_WRAPUP, ENOENT, &n, "iuu", id, started_at,
			ended_at);
	return !err && !n ? ENOENT : err;
}
