/*
 * sqlite_acd_rows.c - agents and waiting callers as rows every node sees
 * (store.h, migration 60; src/acd/rows.c uses them): the claim of an
 * agent by the node that rings him, talks through him or keeps him in
 * wrap-up (one conditional write), the callers waiting on each node, and
 * the rows of dead nodes dropped by the survivors.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

static const struct store_sql sql[] = {
    /* a row when there is none, or node's own replaced: never another
     * node's (the conditional write of a claim) */
    {S_CLAIM_PUT, "agent claim",
     "INSERT INTO agent_claims (employee_id, node_id, kind, since, until_at)"
     " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (employee_id) DO UPDATE SET"
     " kind = excluded.kind, since = excluded.since,"
     " until_at = excluded.until_at"
     " WHERE agent_claims.node_id = excluded.node_id"},
    /* ?2 node or '' (any), ?3 kind or '' (any) */
    {S_CLAIM_DROP, "agent claim drop",
     "DELETE FROM agent_claims WHERE employee_id = ?1"
     " AND (?2 = '' OR node_id = ?2) AND (?3 = '' OR kind = ?3)"},
    {S_CLAIM_LIST, "agent claim list",
     "SELECT employee_id, node_id, kind, since, until_at FROM agent_claims"
     " ORDER BY employee_id"},
    {S_QENTRY_PUT, "queue entry put",
     "INSERT INTO queue_entries (node_id, caller, queue_id, call_id,"
     " callback_id, priority, arrived_at, joined_at, vip)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
     " ON CONFLICT (node_id, caller) DO UPDATE SET"
     " queue_id = excluded.queue_id, call_id = excluded.call_id,"
     " callback_id = excluded.callback_id, priority = excluded.priority,"
     " arrived_at = excluded.arrived_at, joined_at = excluded.joined_at,"
     " vip = excluded.vip"},
    {S_QENTRY_DROP, "queue entry drop",
     "DELETE FROM queue_entries WHERE node_id = ?1 AND caller = ?2"},
    {S_QENTRY_OFFERED, "queue entry offered",
     "UPDATE queue_entries SET offered = ?3 WHERE node_id = ?1"
     " AND caller = ?2"},
    {S_QENTRY_LIST, "queue entry list",
     "SELECT node_id, caller, queue_id, COALESCE(call_id, 0),"
     " COALESCE(callback_id, 0), priority, arrived_at, joined_at, vip,"
     " offered FROM queue_entries WHERE queue_id = ?1"
     " ORDER BY priority DESC, arrived_at, joined_at, node_id, caller"},
    {S_ROWS_DROP_CLAIMS_NODE, "node rows drop",
     "DELETE FROM agent_claims WHERE node_id = ?1"},
    {S_ROWS_DROP_ENTRIES_NODE, "node rows drop",
     "DELETE FROM queue_entries WHERE node_id = ?1"},
    /* ?1 self, ?2 before: nodes without a heartbeat since then */
    {S_ROWS_DROP_CLAIMS_STALE, "node rows drop",
     "DELETE FROM agent_claims WHERE node_id <> ?1 AND node_id NOT IN"
     " (SELECT node_id FROM nodes WHERE heartbeat_at >= ?2)"},
    {S_ROWS_DROP_ENTRIES_STALE, "node rows drop",
     "DELETE FROM queue_entries WHERE node_id <> ?1 AND node_id NOT IN"
     " (SELECT node_id FROM nodes WHERE heartbeat_at >= ?2)"},
    {S_ACD_CHANGE_ADD, "acd change add",
     "INSERT INTO acd_changes (kind, ref_id, node_id, at)"
     " VALUES (?1, ?2, ?3, " STORE_NOW_MS_SQL ")"},
    {S_STORE_NOW, "store clock", "SELECT " STORE_NOW_MS_SQL},
    {S_ACD_CHANGE_LIST, "acd change list",
     "SELECT id, kind, ref_id, node_id, at FROM acd_changes"
     " WHERE at >= ?1 ORDER BY at, id"},
    {S_ACD_CHANGE_PURGE, "acd change purge",
     "DELETE FROM acd_changes WHERE at < ?1"},
};

/* the store's clock is the server's */
static const struct store_sql pg_sql[] = {
    {S_ACD_CHANGE_ADD, "acd change add",
     "INSERT INTO acd_changes (kind, ref_id, node_id, at)"
     " VALUES (?1, ?2, ?3, " STORE_NOW_MS_PG ")"},
    {S_STORE_NOW, "store clock", "SELECT " STORE_NOW_MS_PG},
};

const struct store_sqlset store_sql_acd_rows = STORE_SQLSET_PG(sql, pg_sql);

static const struct store_col claim_cols[] = {
    STORE_COL(SC_I64, 0, store_agent_claim, employee_id),
    STORE_COL(SC_TEXT, 0, store_agent_claim, node_id),
    STORE_ENUM(0, store_agent_claim, kind, &store_names_claim_kind),
    STORE_COL(SC_U64, 0, store_agent_claim, since),
    STORE_COL(SC_U64, 0, store_agent_claim, until_at),
};

STORE_RECORD(claim_rec, store_agent_claim, store_agent_claim_h, claim_cols);

static const struct store_col entry_cols[] = {
    STORE_COL(SC_TEXT, 0, store_queue_entry, node_id),
    STORE_COL(SC_I64, 0, store_queue_entry, caller),
    STORE_COL(SC_I64, 0, store_queue_entry, queue_id),
    STORE_COL(SC_I64, 0, store_queue_entry, call_id),
    STORE_COL(SC_I64, 0, store_queue_entry, callback_id),
    STORE_COL(SC_INT, 0, store_queue_entry, priority),
    STORE_COL(SC_U64, 0, store_queue_entry, arrived_at),
    STORE_COL(SC_U64, 0, store_queue_entry, joined_at),
    STORE_COL(SC_TEXT, 0, store_queue_entry, vip),
    STORE_COL(SC_BOOL, 0, store_queue_entry, offered),
};

STORE_RECORD(entry_rec, store_queue_entry, store_queue_entry_h, entry_cols);

static const struct store_col change_cols[] = {
    STORE_COL(SC_I64, 0, store_acd_change, id),
    STORE_ENUM(0, store_acd_change, kind, &store_names_acd_change_kind),
    STORE_COL(SC_I64, 0, store_acd_change, ref_id),
    STORE_COL(SC_TEXT, 0, store_acd_change, node_id),
    STORE_COL(SC_U64, 0, store_acd_change, at),
};

STORE_RECORD(change_rec, store_acd_change, store_acd_change_h, change_cols);

int store_agent_claim(struct store *st, const struct store_agent_claim *c,
		      bool *claimed)
{
	int64_t n = 0;
	int err;

	if (claimed)
		*claimed = false;
	if (!st || !c || !claimed || c->employee_id <= 0 || !c->node_id[0] ||
	    !store_names_has(&store_names_claim_kind, (int)c->kind))
		return EINVAL;
	err = store_run(st, S_CLAIM_PUT, ENOENT, &n, "issuu", c->employee_id,
			c->node_id, store_claim_kind_name(c->kind), c->since,
			c->until_at);
	if (!err)
		*claimed = n == 1;
	return err;
}

int store_agent_claim_drop(struct store *st, int64_t employee_id,
			   const char *node, int kind, bool *dropped)
{
	const char *k = kind < 0 ? "" : store_claim_kind_name(kind);
	int64_t n = 0;
	int err;

	if (dropped)
		*dropped = false;
	if (!st || employee_id <= 0 || !k)
		return EINVAL;
	err = store_run(st, S_CLAIM_DROP, EIO, &n, "iss", employee_id,
			node ? node : "", k);
	if (!err && dropped)
		*dropped = n > 0;
	return err;
}

int store_agent_claim_list(struct store *st, store_agent_claim_h *h, void *arg)
{
	if (!st || !h)
		return EINVAL;
	return store_row_query(st, S_CLAIM_LIST, &claim_rec, NULL,
			       (store_fn *)h, arg, "");
}

int store_queue_entry_put(struct store *st, const struct store_queue_entry *e)
{
	if (!st || !e || !e->node_id[0] || e->caller <= 0 || e->queue_id <= 0)
		return EINVAL;
	return store_run(st, S_QENTRY_PUT, ENOENT, NULL, "siirrduus",
			 e->node_id, e->caller, e->queue_id, e->call_id,
			 e->callback_id, e->priority, e->arrived_at,
			 e->joined_at, e->vip);
}

int store_queue_entry_drop(struct store *st, const char *node, int64_t caller)
{
	if (!st || !str_isset(node) || caller <= 0)
		return EINVAL;
	return store_run(st, S_QENTRY_DROP, EIO, NULL, "si", node, caller);
}

int store_queue_entry_offered(struct store *st, const char *node,
			      int64_t caller, bool offered)
{
	int64_t n = 0;
	int err;

	if (!st || !str_isset(node) || caller <= 0)
		return EINVAL;
	err = store_run(st, S_QENTRY_OFFERED, EIO, &n, "sid", node, caller,
			offered ? 1 : 0);
	return err ? err : n ? 0 : ENOENT;
}

int store_queue_entry_list(struct store *st, int64_t queue_id,
			   store_queue_entry_h *h, void *arg)
{
	if (!st || queue_id <= 0 || !h)
		return EINVAL;
	return store_row_query(st, S_QENTRY_LIST, &entry_rec, NULL,
			       (store_fn *)h, arg, "i", queue_id);
}

int store_node_rows_drop(struct store *st, const char *node, const char *self,
			 uint64_t before, unsigned *np)
{
	int64_t a = 0, b = 0;
	int err;

	if (np)
		*np = 0;
	if (!st || (!node && !str_isset(self)) || (node && !node[0]))
		return EINVAL;
	if (node) {
		err =
		    store_run(st, S_ROWS_DROP_CLAIMS_NODE, EIO, &a, "s", node);
		if (!err)
			err = store_run(st, S_ROWS_DROP_ENTRIES_NODE, EIO, &b,
					"s", node);
	}
	else {
		err = store_run(st, S_ROWS_DROP_CLAIMS_STALE, EIO, &a, "su",
				self, before);
		if (!err)
			err = store_run(st, S_ROWS_DROP_ENTRIES_STALE, EIO, &b,
					"su", self, before);
	}
	if (!err && np)
		*np = (unsigned)(a + b);
	return err;
}

int store_acd_change_add(struct store *st, const struct store_acd_change *c)
{
	if (!st || !c || c->ref_id <= 0 || !c->node_id[0] ||
	    !store_names_has(&store_names_acd_change_kind, (int)c->kind))
		return EINVAL;
	return store_run(st, S_ACD_CHANGE_ADD, EIO, NULL, "sis",
			 store_acd_change_kind_name(c->kind), c->ref_id,
			 c->node_id);
}

int store_now_ms(struct store *st, uint64_t *msp)
{
	int64_t v = 0;
	int err;

	if (!st || !msp)
		return EINVAL;
	err = store_run(st, S_STORE_NOW, EIO, &v, "");
	if (!err)
		*msp = v > 0 ? (uint64_t)v : 0;
	return err;
}

int store_acd_change_list(struct store *st, uint64_t since,
			  store_acd_change_h *h, void *arg)
{
	if (!st || !h)
		return EINVAL;
	return store_row_query(st, S_ACD_CHANGE_LIST, &change_rec, NULL,
			       (store_fn *)h, arg, "u", since);
}

int store_acd_change_purge(struct store *st, uint64_t before, unsigned *np)
{
	int64_t n = 0;
	int err;

	if (np)
		*np = 0;
	if (!st)
		return EINVAL;
	err = store_run(st, S_ACD_CHANGE_PURGE, EIO, &n, "u", before);
	if (!err && np)
		*np = (unsigned)n;
	return err;
}
