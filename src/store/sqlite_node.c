/*
 * sqlite_node.c - nodes in the SQLite store: the heartbeat of each running
 * node, and which nodes hold live calls.
 *
 * A node rewrites its one row every --heartbeat-interval; the heartbeat
 * is the last sign of life of all its live calls (the rule is in store.h,
 * "nodes", and the statements that close calls by it in sqlite_call.c).
 * The list also shows node ids that have live calls but no row: records
 * of a build older than the heartbeat (migration 4).
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

/* live calls of the node q.node_id (S_NODE_GET), n.node_id (S_NODE_LIST) */
#define LIVE_CALLS(t)                                                          \
	"(SELECT count(*) FROM calls c WHERE c.node_id = " t ".node_id"        \
	" AND c.ended_at = 0)"

static const struct store_sql sql[] = {
    {S_NODE_HEARTBEAT, "node heartbeat",
     "INSERT INTO nodes (node_id, started_at, heartbeat_at)"
     " VALUES (?1, ?2, ?3) ON CONFLICT (node_id) DO UPDATE"
     " SET started_at = excluded.started_at,"
     " heartbeat_at = excluded.heartbeat_at"},
    /* a row if the node has a heartbeat row or live calls */
    {S_NODE_GET, "node get",
     "SELECT ?1, COALESCE(n.started_at, 0),"
     " COALESCE(n.heartbeat_at, 0), " LIVE_CALLS(
	 "q") " FROM (SELECT ?1 AS node_id) q"
	      " LEFT JOIN nodes n ON n.node_id = q.node_id"
	      " WHERE n.node_id IS NOT NULL OR " LIVE_CALLS("q") " > 0"},
    {S_NODE_LIST, "node list",
     "SELECT n.node_id, n.started_at, n.heartbeat_at, " LIVE_CALLS(
	 "n") " FROM nodes n"
	      " UNION ALL"
	      " SELECT node_id, 0, 0, count(*) FROM calls"
	      " WHERE ended_at = 0 AND node_id <> ''"
	      " AND node_id NOT IN (SELECT node_id FROM nodes)"
	      " GROUP BY node_id ORDER BY 1"},
};

const struct store_sqlset store_sql_node = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_TEXT, 0, store_node, node_id),
    STORE_COL(SC_U64, 0, store_node, started_at),
    STORE_COL(SC_U64, 0, store_node, heartbeat_at),
    STORE_COL(SC_U32, 0, store_node, live_calls),
};

STORE_RECORD(node_rec, store_node, store_node_h, cols);

int store_node_heartbeat(struct store *st, const char *node_id,
			 uint64_t started_at, uint64_t at)
{
	struct store_node n;

	if (!st || !str_isset(node_id) || strlen(node_id) >= sizeof(n.node_id))
		return EINVAL;

	if (!at)
		at = time_now_ms();

	return store_run(st, S_NODE_HEARTBEAT, EIO, NULL, "suu", node_id,
			 started_at ? started_at : at, at);
}

/* ENOENT if the node has neither a heartbeat row nor live calls. */
int store_node_get(struct store *st, const char *node_id, struct store_node *n)
{
	return store_row_find(st, S_NODE_GET, node_id, &node_rec, n);
}

int store_node_list(struct store *st, store_node_h *h, void *arg)
{
	return store_row_list(st, S_NODE_LIST, 0, &node_rec, (store_fn *)h,
			      arg);
}
