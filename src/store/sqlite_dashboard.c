/*
 * sqlite_dashboard.c - what a client's dashboard and caller statistics
 * read (issue 17, "Dashboard and statistics"): its latest inbound calls
 * with the newest note of each, and the figures of its calls and notes
 * summed up per UTC hour by SQL.  Berlin offsets are whole hours, so the
 * caller (src/http/api_dashboard.c) puts every UTC hour into exactly one
 * Berlin day and hour; the percentiles of the answer speeds are its too.
 *
 * A call is *transferred* when the server recorded a consultation for it
 * (src/call/consult.c): another call record of the same tenant with the
 * same sip_call_id that is not inbound and started while the call was up.
 * That range lets the index calls_tenant (tenant_id, started_at) find it
 * without an index on sip_call_id (which would need a migration).  A
 * blind transfer has no record of its own and is not counted.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define TRANSFERRED                                                            \
	"EXISTS (SELECT 1 FROM calls x WHERE x.tenant_id = c.tenant_id"        \
	" AND x.started_at >= c.started_at AND x.started_at <= CASE"           \
	" WHEN c.ended_at = 0 THEN 9223372036854775807 ELSE c.ended_at END"    \
	" AND x.sip_call_id = c.sip_call_id AND c.sip_call_id <> ''"           \
	" AND x.id <> c.id AND x.direction <> 'inbound')"

static const struct store_sql sql[] = {
    {S_DASH_CALLS, "dashboard calls",
     "SELECT c.id, c.from_number, c.started_at, c.answered_at,"
     " c.disposition, c.forwarded_from, coalesce((SELECT n.id FROM notes n"
     " WHERE n.tenant_id = c.tenant_id AND n.call_id = c.id"
     " AND (?3 = 0 OR n.agent_employee_id = ?3)"
     " AND (?4 = 0 OR ?3 <> 0 OR n.agent_token_id = ?4)"
     " ORDER BY n.created_at DESC, n.id DESC LIMIT 1), 0)"
     " FROM calls c WHERE c.tenant_id = ?1 AND c.direction = 'inbound'"
     " ORDER BY c.started_at DESC, c.id DESC LIMIT ?2"},
    {S_DASH_HOURS, "dashboard hours",
     "SELECT h, sum(k), sum(a), sum(ab), sum(t), sum(n) FROM ("
     "SELECT c.started_at / 3600000 AS h, 1 AS k,"
     " CAST(c.answered_at <> 0 AS INTEGER) AS a,"
     " CAST(c.answered_at = 0 AND c.ended_by = 'caller' AS INTEGER) AS ab,"
     " CAST(" TRANSFERRED " AS INTEGER) AS t, 0 AS n FROM calls c"
     " WHERE c.tenant_id = ?1"
     " AND c.direction = 'inbound' AND c.started_at >= ?2"
     " AND c.started_at < ?3"
     " UNION ALL SELECT created_at / 3600000, 0, 0, 0, 0, 1 FROM notes"
     " WHERE tenant_id = ?1 AND created_at >= ?2 AND created_at < ?3) AS u"
     " GROUP BY h ORDER BY h"},
    {S_DASH_SPEEDS, "dashboard speeds",
     "SELECT answered_at - started_at FROM calls WHERE tenant_id = ?1"
     " AND direction = 'inbound' AND started_at >= ?2 AND started_at < ?3"
     " AND answered_at <> 0 ORDER BY 1"},
    {S_DASH_EMPLOYEES, "dashboard employees",
     "SELECT ne.employee_id, trim(e.first_name || ' ' || e.last_name),"
     " count(*) FROM notes n JOIN note_employees ne ON ne.note_id = n.id"
     " JOIN employees e ON e.id = ne.employee_id WHERE n.tenant_id = ?1"
     " AND n.created_at >= ?2 AND n.created_at < ?3"
     " GROUP BY ne.employee_id, e.first_name, e.last_name"
     " ORDER BY 3 DESC, 1"},
};

const struct store_sqlset store_sql_dashboard = STORE_SQLSET(sql);

static uint32_t col_u32(struct db_stmt *s, int i)
{
	int64_t v = db_column_int64(s, i);

	return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

int store_dash_calls(struct store *st, int64_t tenant_id,
		     int64_t agent_employee_id, int64_t agent_token_id,
		     struct store_dash_call *v, size_t n, size_t *np)
{
	struct db_stmt *s;
	size_t i = 0;
	int rc = DB_DONE, err;

	if (!st || !v || !np || !n)
		return EINVAL;
	err = store_stmt_bind(st, S_DASH_CALLS, &s, "iiii", tenant_id,
			      (int64_t)n, agent_employee_id, agent_token_id);
	if (err)
		return err;
	while (i < n && (rc = db_step(s)) == DB_ROW) {
		struct store_dash_call *c = &v[i++];

		memset(c, 0, sizeof(*c));
		c->id = db_column_int64(s, 0);
		store_col_text(s, 1, c->from_number, sizeof(c->from_number));
		c->started_at = store_col_u64(s, 2);
		c->answered_at = store_col_u64(s, 3);
		store_col_text(s, 4, c->disposition, sizeof(c->disposition));
		store_col_text(s, 5, c->forwarded_from,
			       sizeof(c->forwarded_from));
		c->note_id = db_column_int64(s, 6);
	}
	if (i < n && rc != DB_DONE)
		err = store_dberr(st, rc, S_DASH_CALLS, EIO);
	store_stmt_put(st, S_DASH_CALLS, s);
	*np = i;
	return err;
}

int store_dash_hours(struct store *st, int64_t tenant_id, uint64_t from,
		     uint64_t until, store_dash_hour_h *h, void *arg)
{
	struct db_stmt *s;
	int rc = DB_DONE, err;

	if (!st || !h)
		return EINVAL;
	err = store_stmt_bind(st, S_DASH_HOURS, &s, "iuu", tenant_id, from,
			      until);
	if (err)
		return err;
	while (!err && (rc = db_step(s)) == DB_ROW) {
		struct store_dash_hour r;

		r.start = store_col_u64(s, 0) * 3600000;
		r.calls = col_u32(s, 1);
		r.answered = col_u32(s, 2);
		r.abandoned = col_u32(s, 3);
		r.transferred = col_u32(s, 4);
		r.notes = col_u32(s, 5);
		err = h(&r, arg);
	}
	if (!err && rc != DB_DONE)
		err = store_dberr(st, rc, S_DASH_HOURS, EIO);
	store_stmt_put(st, S_DASH_HOURS, s);
	return err;
}

int store_dash_speeds(struct store *st, int64_t tenant_id, uint64_t from,
		      uint64_t until, store_dash_speed_h *h, void *arg)
{
	struct db_stmt *s;
	int rc = DB_DONE, err;

	if (!st || !h)
		return EINVAL;
	err = store_stmt_bind(st, S_DASH_SPEEDS, &s, "iuu", tenant_id, from,
			      until);
	if (err)
		return err;
	while (!err && (rc = db_step(s)) == DB_ROW)
		err = h(store_col_u64(s, 0), arg);
	if (!err && rc != DB_DONE)
		err = store_dberr(st, rc, S_DASH_SPEEDS, EIO);
	store_stmt_put(st, S_DASH_SPEEDS, s);
	return err;
}

int store_dash_employees(struct store *st, int64_t tenant_id, uint64_t from,
			 uint64_t until, store_dash_employee_h *h, void *arg)
{
	struct db_stmt *s;
	int rc = DB_DONE, err;

	if (!st || !h)
		return EINVAL;
	err = store_stmt_bind(st, S_DASH_EMPLOYEES, &s, "iuu", tenant_id, from,
			      until);
	if (err)
		return err;
	while (!err && (rc = db_step(s)) == DB_ROW) {
		char name[128];

		store_col_text(s, 1, name, sizeof(name));
		err = h(db_column_int64(s, 0), name, col_u32(s, 2), arg);
	}
	if (!err && rc != DB_DONE)
		err = store_dberr(st, rc, S_DASH_EMPLOYEES, EIO);
	store_stmt_put(st, S_DASH_EMPLOYEES, s);
	return err;
}
