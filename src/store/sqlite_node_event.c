/*
 * sqlite_node_event.c - events between nodes as rows (store.h "events
 * between nodes", migration 61; src/node/events.c writes and follows
 * them).  On PostgreSQL the insert notifies the readers in the same
 * statement (so in the same transaction: the notification goes out at
 * its commit, never before the row can be read).
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

static const struct store_sql sql[] = {
    {S_NEV_ADD, "node event add",
     "INSERT INTO node_events (node_id, at, tenant_id, employee_id, class,"
     " type, fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id"},
    {S_NEV_AFTER, "node event after",
     "SELECT id, node_id, at, tenant_id, employee_id, class, type, fields"
     " FROM node_events WHERE id > ?1 ORDER BY id LIMIT ?2"},
    {S_NEV_LAST, "node event last",
     "SELECT coalesce(max(id), 0) FROM node_events"},
    /* the newest row stays: SQLite would use its id again */
    {S_NEV_TRIM, "node event trim",
     "DELETE FROM node_events WHERE at < ?1"
     " AND id < (SELECT max(id) FROM node_events)"},
    {S_NEV_PEERS, "node event peers",
     "SELECT count(*) FROM nodes WHERE node_id <> ?1 AND heartbeat_at >= ?2"},
    {S_NEV_STREAMS_SET, "event streams set",
     "INSERT INTO event_streams (node_id, clients, seen_at) VALUES (?1, ?2,"
     " ?3) ON CONFLICT (node_id) DO UPDATE SET clients = excluded.clients,"
     " seen_at = excluded.seen_at"},
    {S_NEV_STREAMS, "event streams",
     "SELECT count(*) FROM event_streams WHERE seen_at >= ?1"},
};

/* PostgreSQL: the row and its notification (payload: the writer) in one
 * statement; the CTE is read by the insert, so it runs once. */
static const struct store_sql pg_sql[] = {
    {S_NEV_ADD, "node event add",
     "WITH n AS (SELECT pg_notify('" STORE_EVENTS_CHANNEL "',"
     " CAST(?1 AS TEXT)) AS sent)"
     " INSERT INTO node_events (node_id, at, tenant_id, employee_id, class,"
     " type, fields) SELECT CAST(?1 AS TEXT), CAST(?2 AS BIGINT),"
     " CAST(?3 AS BIGINT), CAST(?4 AS BIGINT), CAST(?5 AS TEXT),"
     " CAST(?6 AS TEXT), CAST(?7 AS TEXT) FROM n RETURNING id"},
};

const struct store_sqlset store_sql_node_event = STORE_SQLSET_PG(sql, pg_sql);

int store_node_event_add(struct store *st, const struct store_node_event *e,
			 int64_t *idp)
{
	int64_t id = 0;
	int err;

	if (idp)
		*idp = 0;
	if (!st || !e || !str_isset(e->node_id) || !str_isset(e->cls) ||
	    !str_isset(e->type) || !str_isset(e->fields) || e->tenant_id < 0 ||
	    e->employee_id < 0)
		return EINVAL;
	err =
	    store_run(st, S_NEV_ADD, EIO, &id, "suiisss", e->node_id, e->at,
		      e->tenant_id, e->employee_id, e->cls, e->type, e->fields);
	if (!err && idp)
		*idp = id;
	return err;
}

int store_node_event_after(struct store *st, int64_t after, unsigned limit,
			   store_node_event_h *h, void *arg)
{
	struct store_node_event e;
	struct db_stmt *s;
	int rc, err;

	if (!st || after < 0 || !limit || !h)
		return EINVAL;
	err = store_stmt_bind(st, S_NEV_AFTER, &s, "ii", after, (int64_t)limit);
	if (err)
		return err;
	while ((rc = db_step(s)) == DB_ROW) {
		const char *node = db_column_text(s, 1);
		const char *cls = db_column_text(s, 5);
		const char *type = db_column_text(s, 6);
		const char *fields = db_column_text(s, 7);

		memset(&e, 0, sizeof(e));
		e.id = db_column_int64(s, 0);
		e.node_id = node ? node : "";
		e.at = store_col_u64(s, 2);
		e.tenant_id = db_column_int64(s, 3);
		e.employee_id = db_column_int64(s, 4);
		e.cls = cls ? cls : "";
		e.type = type ? type : "";
		e.fields = fields ? fields : "{}";
		err = h(&e, arg);
		if (err)
			break;
	}
	if (!err && rc != DB_DONE)
		err = store_dberr(st, rc, S_NEV_AFTER, EIO);
	store_stmt_put(st, S_NEV_AFTER, s);
	return err;
}

int store_node_event_last(struct store *st, int64_t *idp)
{
	if (!st || !idp)
		return EINVAL;
	*idp = 0;
	return store_run(st, S_NEV_LAST, EIO, idp, "");
}

int store_node_event_trim(struct store *st, uint64_t before, unsigned *np)
{
	int64_t n = 0;
	int err;

	if (np)
		*np = 0;
	if (!st)
		return EINVAL;
	err = store_run(st, S_NEV_TRIM, EIO, &n, "u", before);
	if (!err && np)
		*np = (unsigned)n;
	return err;
}

int store_node_event_peers(struct store *st, const char *self, uint64_t since,
			   unsigned *np)
{
	int64_t n = 0;
	int err;

	if (!st || !str_isset(self) || !np)
		return EINVAL;
	*np = 0;
	err = store_run(st, S_NEV_PEERS, EIO, &n, "su", self, since);
	if (!err)
		*np = (unsigned)n;
	return err;
}

int store_event_streams_set(struct store *st, const char *node_id,
			    unsigned clients, uint64_t at)
{
	if (!st || !str_isset(node_id))
		return EINVAL;
	return store_run(st, S_NEV_STREAMS_SET, EIO, NULL, "siu", node_id,
			 (int64_t)clients, at);
}

int store_event_streams_count(struct store *st, uint64_t since, unsigned *np)
{
	int64_t n = 0;
	int err;

	if (!st || !np)
		return EINVAL;
	*np = 0;
	err = store_run(st, S_NEV_STREAMS, EIO, &n, "u", since);
	if (!err)
		*np = (unsigned)n;
	return err;
}
