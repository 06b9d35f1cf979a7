/*
 * sqlite_audit.c - the audit trail in the SQLite store (migration 24):
 * one row per API request that touched a client's data, appended and
 * never changed.  The database itself keeps it so: a trigger refuses
 * every UPDATE, another every DELETE of an entry younger than its
 * client's audit keep-time (sqlite_retention.c purges the older ones,
 * sqlite_deletion.c all of a client being deleted).
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

static const struct store_sql sql[] = {
    {S_AUDIT_ADD, "audit add",
     "INSERT INTO audit (at, tenant_id, token_id, token_name, role,"
     " token_tenant_id, employee_id, ip, port, method, route, object_id,"
     " status, fields)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
     "RETURNING id"},
    {S_AUDIT_LIST, "audit list",
     "SELECT id, at, coalesce(tenant_id, 0), coalesce(token_id, 0),"
     " token_name, role, coalesce(token_tenant_id, 0),"
     " coalesce(employee_id, 0), ip, port, method, route,"
     " coalesce(object_id, 0), status, fields FROM audit"
     " WHERE tenant_id = ?1 AND at >= ?2 AND (?3 = 0 OR at < ?3)"
     " AND (?4 = 0 OR id < ?4) ORDER BY id DESC LIMIT ?5"},
};

const struct store_sqlset store_sql_audit = STORE_SQLSET(sql);

int store_audit_add(struct store *st, struct store_audit *a)
{
	struct db_stmt *s;
	int err;

	if (!st || !a || !a->method[0] || !a->route[0])
		return EINVAL;
	err = store_stmt_bind(st, S_AUDIT_ADD, &s, "urrssrrsdssrd", a->at,
			      a->tenant_id, a->token_id, a->token_name, a->role,
			      a->token_tenant_id, a->employee_id, a->ip,
			      (int)a->port, a->method, a->route, a->object_id,
			      (int)a->status);
	if (err)
		return err;
	STORE_BIND_FIELD(s, 14, a->fields);
	err = store_step_id(st, S_AUDIT_ADD, s, EIO, &a->id);
	store_stmt_put(st, S_AUDIT_ADD, s);
	return err;
}

static void row_read(struct db_stmt *s, struct store_audit *a)
{
	memset(a, 0, sizeof(*a));
	a->id = db_column_int64(s, 0);
	a->at = store_col_u64(s, 1);
	a->tenant_id = db_column_int64(s, 2);
	a->token_id = db_column_int64(s, 3);
	store_col_text(s, 4, a->token_name, sizeof(a->token_name));
	store_col_text(s, 5, a->role, sizeof(a->role));
	a->token_tenant_id = db_column_int64(s, 6);
	a->employee_id = db_column_int64(s, 7);
	store_col_text(s, 8, a->ip, sizeof(a->ip));
	a->port = (uint16_t)store_col_int(s, 9);
	store_col_text(s, 10, a->method, sizeof(a->method));
	store_col_text(s, 11, a->route, sizeof(a->route));
	a->object_id = db_column_int64(s, 12);
	a->status = (uint16_t)store_col_int(s, 13);
	store_col_text(s, 14, a->fields, sizeof(a->fields));
}

int store_audit_list(struct store *st, int64_t tenant_id, uint64_t since,
		     uint64_t until, int64_t before_id, uint32_t limit,
		     store_audit_h *h, void *arg)
{
	struct store_audit a;
	struct db_stmt *s;
	int rc, err;

	if (!st || !h || tenant_id <= 0)
		return EINVAL;
	err = store_stmt_bind(st, S_AUDIT_LIST, &s, "iuuid", tenant_id, since,
			      until, before_id, (int)limit);
	if (err)
		return err;
	while ((rc = db_step(s)) == DB_ROW) {
		row_read(s, &a);
		err = h(&a, arg);
		if (err)
			break;
	}
	if (!err && rc != DB_DONE)
		err = store_dberr(st, rc, S_AUDIT_LIST, EIO);
	store_stmt_put(st, S_AUDIT_LIST, s);
	return err;
}
