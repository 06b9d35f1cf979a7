/*
 * sqlite_call.c - call records in the SQLite store: one row per call,
 * written live (before we answer), completed on answer and end, and
 * closed by the node rule of store.h when the node holding the call died.
 * The values a caller typed at digit inputs are child rows (call_vars),
 * read with the record.
 *
 * Call records are history: tenant_id is a plain value that outlives its
 * tenant.  The list is newest first and paged, because the API shows the
 * latest calls; its bounds are always bound (0 and INT64_MAX when open)
 * so the started_at indexes serve both the range and the order.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

enum {
	CALL_LIMIT = 100, /* store_call_list() default page */
	CALL_LIMIT_MAX = 1000,
};

#define CALL_SELECT                                                            \
	"SELECT id, node_id, sip_call_id, tenant_id, direction,"               \
	" from_number, to_number, caller_leg, callee_leg, started_at,"         \
	" answered_at, ended_at, disposition, sip_code, ended_by,"             \
	" forwarded_from FROM calls"

/* The export (store_call_export): a record with the queue of its last
 * queue visit and the agent who answered there, oldest first. */
#define CALL_EXPORT                                                            \
	"SELECT c.id, c.node_id, c.sip_call_id, c.tenant_id, c.direction,"     \
	" c.from_number, c.to_number, c.caller_leg, c.callee_leg,"             \
	" c.started_at, c.answered_at, c.ended_at, c.disposition, c.sip_code," \
	" c.ended_by, c.forwarded_from, COALESCE(v.queue_id, 0),"              \
	" COALESCE(q.name, ''), COALESCE(v.agent_id, 0) FROM calls c"          \
	" LEFT JOIN queue_visits v ON v.id = (SELECT MAX(x.id)"                \
	" FROM queue_visits x WHERE x.call_id = c.id)"                         \
	" LEFT JOIN queues q ON q.id = v.queue_id"                             \
	" WHERE c.started_at >= ?1 AND c.started_at < ?2"

/* The largest of the values (SQLite's scalar max() is not PostgreSQL's,
 * PostgreSQL's greatest() not SQLite's): an aggregate over a union. */
#define GREATEST(values) "(SELECT max(v) FROM (SELECT " values ") AS g)"

/* max(started_at, answered_at, heartbeat of the call's node) */
#define CALL_ALIVE                                                             \
	GREATEST("started_at AS v UNION ALL SELECT answered_at"                \
		 " UNION ALL SELECT COALESCE((SELECT h.heartbeat_at"           \
		 " FROM nodes h WHERE h.node_id = calls.node_id), 0)")

/* The open wrap-ups of table t (queue_visits, callback_calls) after the
 * calls of the nodes `which` (NODE: node ?1; STALE: every node but ?1
 * whose heartbeat is before ?2) end at that node's heartbeat. */
#define HEARTBEAT(n)                                                           \
	"COALESCE((SELECT h.heartbeat_at FROM nodes h WHERE h.node_id = " n    \
	"), 0)"
#define NODE "SELECT id FROM calls WHERE node_id = ?1"
#define STALE                                                                  \
	"SELECT c.id FROM calls c WHERE c.node_id <> ?1 AND " HEARTBEAT(       \
	    "c.node_id") " < ?2"
/* the heartbeat of the node of the call of table t's row */
#define CALL_HEARTBEAT(t)                                                      \
	"(SELECT " HEARTBEAT("c.node_id") " FROM calls c"                      \
					  " WHERE c.id = " t ".call_id)"
#define WRAPUP_CLOSE(t, which)                                                 \
	"UPDATE " t " SET wrapup_ended_at = " GREATEST(                        \
	    "wrapup_started_at AS v UNION ALL SELECT " CALL_HEARTBEAT(         \
		t)) " WHERE wrapup_started_at > 0 AND wrapup_ended_at = 0"     \
		    " AND call_id IN (" which ")"

static const struct store_sql sql[] = {
    {S_CALL_ADD, "call add",
     "INSERT INTO calls (node_id, sip_call_id, tenant_id,"
     " direction, from_number, to_number, caller_leg, callee_leg,"
     " started_at, answered_at, ended_at, disposition, sip_code,"
     " ended_by, forwarded_from) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
     " ?9, ?10, ?11, ?12, ?13, ?14, ?15) RETURNING id"},
    {S_CALL_ANSWERED, "call answered",
     "UPDATE calls SET answered_at = ?2,"
     " callee_leg = COALESCE(?3, callee_leg) WHERE id = ?1"},
    {S_CALL_ENDED, "call ended",
     "UPDATE calls SET ended_at = ?2, disposition = ?3,"
     " sip_code = ?4, ended_by = ?5 WHERE id = ?1"},
    {S_CALL_GET, "call get", CALL_SELECT " WHERE id = ?1"},
    {S_CALL_LIST, "call list",
     CALL_SELECT " WHERE started_at >= ?1 AND started_at < ?2"
		 " ORDER BY started_at DESC, id DESC LIMIT ?3 OFFSET ?4"},
    {S_CALL_LIST_TENANT, "call list",
     CALL_SELECT " WHERE tenant_id = ?5"
		 " AND started_at >= ?1 AND started_at < ?2"
		 " ORDER BY started_at DESC, id DESC LIMIT ?3 OFFSET ?4"},
    {S_CALL_EXPORT, "call export", CALL_EXPORT " ORDER BY c.started_at, c.id"},
    {S_CALL_EXPORT_TENANT, "call export",
     CALL_EXPORT " AND c.tenant_id = ?3 ORDER BY c.started_at, c.id"},
    {S_CALL_VAR_COUNT, "call var",
     "SELECT count(*) FROM call_vars WHERE call_id = ?1 AND name <> ?2"},
    {S_CALL_VAR_SET, "call var",
     "INSERT INTO call_vars (call_id, name, value, set_at, seq)"
     " VALUES (?1, ?2, ?3, ?4, (SELECT coalesce(max(seq), 0) + 1"
     " FROM call_vars WHERE call_id = ?1)) ON CONFLICT (call_id, name)"
     " DO UPDATE SET value = excluded.value"},
    {S_CALL_VARS, "call vars",
     "SELECT name, value FROM call_vars WHERE call_id = ?1"
     " ORDER BY set_at, seq"},
    /* a live call's last sign of life: store.h, "nodes" */
    /* ?2, ?3: the names of STORE_DISP_NODE_FAILURE, STORE_PARTY_SYSTEM;
     * ?4 the heartbeat before which a node is stale */
    {S_CALL_CLOSE_NODE, "call close",
     "UPDATE calls SET ended_at = " CALL_ALIVE ","
     " disposition = ?2, ended_by = ?3"
     " WHERE node_id = ?1 AND ended_at = 0"},
    {S_CALL_CLOSE_STALE, "call close",
     "UPDATE calls SET ended_at = " CALL_ALIVE ","
     " disposition = ?2, ended_by = ?3"
     " WHERE ended_at = 0 AND node_id <> ?1 AND " CALL_ALIVE " < ?4"},
    /* an agent's wrap-up the node's end cut (no end recorded) ends at
     * the node's last sign of life, not before its start (billing.h) */
    {S_WRAPUP_CLOSE_NODE, "wrap-up close", WRAPUP_CLOSE("queue_visits", NODE)},
    {S_WRAPUP_CLOSE_NODE_CB, "wrap-up close",
     WRAPUP_CLOSE("callback_calls", NODE)},
    {S_WRAPUP_CLOSE_STALE, "wrap-up close",
     WRAPUP_CLOSE("queue_visits", STALE)},
    {S_WRAPUP_CLOSE_STALE_CB, "wrap-up close",
     WRAPUP_CLOSE("callback_calls", STALE)},
};

const struct store_sqlset store_sql_call = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_call, id),
    STORE_COL(SC_TEXT, SC_ADD, store_call, node_id),
    STORE_COL(SC_TEXT, SC_ADD, store_call, sip_call_id),
    STORE_COL(SC_I64, SC_ADD, store_call, tenant_id),
    STORE_ENUM(SC_ADD, store_call, direction, &store_names_direction),
    STORE_COL(SC_TEXT, SC_ADD, store_call, from_number),
    STORE_COL(SC_TEXT, SC_ADD, store_call, to_number),
    STORE_COL(SC_TEXT, SC_ADD, store_call, caller_leg),
    STORE_COL(SC_TEXT, SC_ADD, store_call, callee_leg),
    STORE_COL(SC_U64, SC_ADD, store_call, started_at),
    STORE_COL(SC_U64, SC_ADD, store_call, answered_at),
    STORE_COL(SC_U64, SC_ADD, store_call, ended_at),
    STORE_ENUM(SC_ADD, store_call, disposition, &store_names_disposition),
    STORE_COL(SC_U16, SC_ADD, store_call, sip_code),
    STORE_ENUM(SC_ADD, store_call, ended_by, &store_names_party),
    STORE_COL(SC_TEXT, SC_ADD, store_call, forwarded_from),
};

STORE_RECORD(call_rec, store_call, store_call_h, cols);

/*
 * direction, disposition and ended_by must be values of their enums;
 * started_at 0 means now.  The other fields are stored as given (normally
 * a live call with answered_at and ended_at 0).
 */
int store_call_add(struct store *st, struct store_call *c)
{
	if (!st || !c || c->tenant_id < 0 || c->sip_code > 699 ||
	    !store_names_has(&store_names_direction, (int)c->direction) ||
	    !store_names_has(&store_names_disposition, (int)c->disposition) ||
	    !store_names_has(&store_names_party, (int)c->ended_by))
		return EINVAL;

	if (!c->started_at)
		c->started_at = time_now_ms();

	return store_row_add(st, S_CALL_ADD, &call_rec, c);
}

/* at 0 means now; callee_leg NULL keeps the one recorded. */
int store_call_answered(struct store *st, int64_t id, uint64_t at,
			const char *callee_leg)
{
	int64_t n = 0;
	int err;

	if (!st || id <= 0)
		return EINVAL;

	err = store_run(st, S_CALL_ANSWERED, EIO, &n, "iun", id,
			at ? at : time_now_ms(), callee_leg);

	return err ? err : n ? 0 : ENOENT;
}

/* disposition is required (not NONE); at 0 means now; ended_by NONE is
 * stored as "". */
int store_call_ended(struct store *st, int64_t id, uint64_t at,
		     enum store_disposition disposition, uint16_t sip_code,
		     enum store_party ended_by)
{
	int64_t n = 0;
	int err;

	if (!st || id <= 0 || disposition == STORE_DISP_NONE ||
	    !store_names_has(&store_names_disposition, (int)disposition) ||
	    !store_names_has(&store_names_party, (int)ended_by) ||
	    sip_code > 699)
		return EINVAL;

	err = store_run(st, S_CALL_ENDED, EIO, &n, "iusds", id,
			at ? at : time_now_ms(),
			store_disposition_name(disposition), (int)sip_code,
			store_party_name(ended_by));

	return err ? err : n ? 0 : ENOENT;
}

/* The body of store_call_var_set(), in its transaction. */
struct var_set {
	int64_t id;
	const char *name, *value;
};

static int var_set(struct store *st, void *arg)
{
	const struct var_set *v = arg;
	int64_t n = 0;
	int err;

	err = store_run(st, S_CALL_VAR_COUNT, EIO, &n, "is", v->id, v->name);
	if (err)
		return err;
	if (n >= STORE_CALL_VARS)
		return ENOSPC;
	return store_run(st, S_CALL_VAR_SET, ENOENT, NULL, "issu", v->id,
			 v->name, v->value, time_now_ms());
}

int store_call_var_set(struct store *st, int64_t id, const char *name,
		       const char *value)
{
	struct var_set v = {id, name, value};

	if (!st || id <= 0 || !str_isset(name) || !str_isset(value) ||
	    strlen(name) >= STORE_INPUT_LABEL ||
	    strlen(value) >= STORE_CALL_VAR_VALUE)
		return EINVAL;
	return store_tx(st, var_set, &v);
}

/* The values of call c->id into c->varv. */
static int vars_read(struct store *st, struct store_call *c)
{
	struct db_stmt *q;
	int rc, err;

	c->varc = 0;
	err = store_stmt_bind(st, S_CALL_VARS, &q, "i", c->id);
	if (err)
		return err;
	while ((rc = db_step(q)) == DB_ROW && c->varc < STORE_CALL_VARS) {
		struct store_call_var *v = &c->varv[c->varc++];

		store_col_text(q, 0, v->name, sizeof(v->name));
		store_col_text(q, 1, v->value, sizeof(v->value));
	}
	if (rc != DB_DONE && rc != DB_ROW)
		err = store_dberr(st, rc, S_CALL_VARS, EIO);
	store_stmt_put(st, S_CALL_VARS, q);
	return err;
}

int store_call_get(struct store *st, int64_t id, struct store_call *c)
{
	int err;

	err = store_row_get(st, S_CALL_GET, id, &call_rec, c);
	if (!err)
		err = vars_read(st, c);
	return err;
}

/* A row of a list, completed with its values, to the caller's h. */
struct call_walk {
	struct store *st;
	store_call_h *h;
	void *arg;
};

static int call_walk_h(const struct store_call *row, void *arg)
{
	struct call_walk *w = arg;
	struct store_call c = *row;
	int err;

	err = vars_read(w->st, &c);
	return err ? err : w->h(&c, w->arg);
}

/*
 * Newest first (started_at, then id, descending), not in id order as other
 * lists.  f NULL lists the newest 100 calls; a limit above 1000 is 1000.
 */
int store_call_list(struct store *st, const struct store_call_filter *f,
		    store_call_h *h, void *arg)
{
	static const struct store_call_filter none;
	struct call_walk w = {st, h, arg};
	enum store_sql_id sid;
	uint64_t until;
	uint32_t limit;

	if (!st || !h)
		return EINVAL;

	if (!f)
		f = &none;
	if (f->tenant_id < 0)
		return EINVAL;

	limit = f->limit ? f->limit : CALL_LIMIT;
	if (limit > CALL_LIMIT_MAX)
		limit = CALL_LIMIT_MAX;

	sid = f->tenant_id ? S_CALL_LIST_TENANT : S_CALL_LIST;
	until = f->until && f->until <= INT64_MAX ? f->until : INT64_MAX;

	return store_row_query(
	    st, sid, &call_rec, NULL, (store_fn *)call_walk_h, &w, "uuiii",
	    f->since, until, (int64_t)limit, (int64_t)f->offset, f->tenant_id);
}

/* The statements that close a node's leftovers: its live calls, the open
 * wrap-ups after its calls (queue visits, callbacks' agent calls). */
static const enum store_sql_id close_node[] = {
    S_CALL_CLOSE_NODE, S_WRAPUP_CLOSE_NODE, S_WRAPUP_CLOSE_NODE_CB};
static const enum store_sql_id close_stale[] = {
    S_CALL_CLOSE_STALE, S_WRAPUP_CLOSE_STALE, S_WRAPUP_CLOSE_STALE_CB};

/* Run the close statements sidv on node (?1) and before (the calls' ?4,
 * the wrap-ups' ?2, if the statement has it), in one transaction, all or
 * nothing: the calls end as node_failure by system (?2, ?3); *np gets the
 * count of calls. */
static int call_close(struct store *st, const enum store_sql_id *sidv,
		      const char *node, uint64_t before, unsigned *np)
{
	int64_t n = 0;
	int err;

	err = store_tx_begin(st);
	if (err)
		return err;
	err = store_run(st, sidv[0], EIO, &n, "sssu", node,
			store_disposition_name(STORE_DISP_NODE_FAILURE),
			store_party_name(STORE_PARTY_SYSTEM), before);
	if (!err)
		err = store_run(st, sidv[1], EIO, NULL, "su", node, before);
	if (!err)
		err = store_run(st, sidv[2], EIO, NULL, "su", node, before);
	err = store_tx_end(st, err);
	if (np)
		*np = err ? 0 : (unsigned)n;

	return err;
}

int store_call_close_node(struct store *st, const char *node_id, unsigned *np)
{
	if (np)
		*np = 0;
	if (!st || !str_isset(node_id))
		return EINVAL;

	return call_close(st, close_node, node_id, 0, np);
}

int store_call_close_stale(struct store *st, const char *self, uint64_t before,
			   unsigned *np)
{
	if (np)
		*np = 0;
	if (!st || !str_isset(self) || !before)
		return EINVAL;

	return call_close(st, close_stale, self, before, np);
}

int store_call_export(struct store *st, int64_t tenant_id, uint64_t from,
		      uint64_t to, store_call_export_h *h, void *arg)
{
	enum store_sql_id sid;
	struct db_stmt *q;
	int rc, err;

	if (!st || !h || tenant_id < 0 || from > INT64_MAX)
		return EINVAL;
	if (to > INT64_MAX)
		to = INT64_MAX;
	sid = tenant_id ? S_CALL_EXPORT_TENANT : S_CALL_EXPORT;
	err = store_stmt_bind(st, sid, &q, "uui", from, to, tenant_id);
	if (err)
		return err;
	while ((rc = db_step(q)) == DB_ROW) {
		struct store_call_export x;

		memset(&x, 0, sizeof(x));
		store_row_read(&call_rec, q, &x.call);
		x.queue_id = db_column_int64(q, 16);
		store_col_text(q, 17, x.queue_name, sizeof(x.queue_name));
		x.agent_id = db_column_int64(q, 18);
		err = h(&x, arg);
		if (err)
			break;
	}
	if (!err && rc != DB_DONE)
		err = store_dberr(st, rc, sid, EIO);
	store_stmt_put(st, sid, q);
	return err;
}
