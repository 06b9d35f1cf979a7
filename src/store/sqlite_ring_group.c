/*
 * sqlite_ring_group.c - ring groups (Gruppenruf) in the SQLite store: a
 * group row (strategy, overall timeout, skip_busy, fallback) and its
 * members as child rows in ringing order, written and replaced in one
 * transaction.  Members are employees of the group's tenant (ENOENT,
 * EXDEV), each at most once; the fallback is checked as a number's
 * target, and one that leads back to the group without the caller doing
 * anything is refused (ELOOP, sqlite_target.c).  A group that a number,
 * schedule, menu or another group routes to cannot be deleted (EBUSY);
 * an employee who is a member cannot be deleted either (its delete reads
 * the same route_refs view).
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define RG_SELECT                                                              \
	"SELECT id, tenant_id, name, strategy, timeout, skip_busy,"            \
	" fallback_type, fallback_id, created_at FROM ring_groups"

/* S_RG_INUSE names the target type by its number, as route_refs has it */
_Static_assert(TARGET_RING_GROUP == 8, "ring groups are target type 8");

static const struct store_sql sql[] = {
    {S_RG_TENANT, "ring group tenant",
     "SELECT tenant_id FROM ring_groups WHERE id = ?1"},
    {S_RG_ADD, "ring group add",
     "INSERT INTO ring_groups (tenant_id, name, strategy, timeout,"
     " skip_busy, fallback_type, fallback_id, created_at)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id"},
    {S_RG_GET, "ring group get", RG_SELECT " WHERE id = ?1"},
    {S_RG_UPDATE, "ring group update",
     "UPDATE ring_groups SET name = ?2, strategy = ?3, timeout = ?4,"
     " skip_busy = ?5, fallback_type = ?6, fallback_id = ?7"
     " WHERE id = ?1"},
    {S_RG_INUSE, "ring group delete",
     "SELECT CAST(EXISTS (SELECT 1 FROM route_refs WHERE type = 8 AND id = ?1"
     " AND NOT (via = 'ring_group' AND owner = ?1)) AS INTEGER)"},
    {S_RG_DELETE, "ring group delete", "DELETE FROM ring_groups WHERE id = ?1"},
    {S_RG_LIST, "ring group list",
     RG_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id"},
    {S_RG_MEMBERS_CLEAR, "ring group members",
     "DELETE FROM ring_group_members WHERE group_id = ?1"},
    {S_RG_MEMBER_ADD, "ring group members",
     "INSERT INTO ring_group_members (group_id, seq, employee_id, timeout)"
     " VALUES (?1, ?2, ?3, ?4)"},
    {S_RG_MEMBERS, "ring group members",
     "SELECT employee_id, timeout FROM ring_group_members"
     " WHERE group_id = ?1 ORDER BY seq"},
};

const struct store_sqlset store_sql_ring_group = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_ring_group, id),
    STORE_COL(SC_I64, SC_ADD, store_ring_group, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_ring_group, name),
    STORE_ENUM(SC_ADD | SC_UPD, store_ring_group, strategy,
	       &store_names_ring_strategy),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_ring_group, timeout),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_ring_group, skip_busy),
    STORE_COL(SC_INT, SC_ADD | SC_UPD, store_ring_group, fallback.type),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, store_ring_group, fallback.id),
    STORE_COL(SC_U64, SC_ADD, store_ring_group, created_at),
};

STORE_RECORD(rg_rec, store_ring_group, store_ring_group_h, cols);

/* The fields the database does not check before the members are
 * written. */
static bool group_valid(const struct store_ring_group *g)
{
	size_t i, j;

	if (!g || !str_isset(g->name) || !g->memberc ||
	    g->memberc > STORE_RING_MEMBERS ||
	    !store_names_has(&store_names_ring_strategy, (int)g->strategy) ||
	    g->timeout > STORE_RING_TIMEOUT_MAX)
		return false;
	for (i = 0; i < g->memberc; i++) {
		const struct store_ring_member *m = &g->memberv[i];

		if (m->employee_id <= 0 || !m->timeout ||
		    m->timeout > STORE_RING_MEMBER_MAX)
			return false;
		for (j = 0; j < i; j++) {
			if (g->memberv[j].employee_id == m->employee_id)
				return false;
		}
	}
	return true;
}

static int group_check(struct store *st, const void *rec)
{
	const struct store_ring_group *g = rec;
	size_t i;
	int err;

	for (i = 0; i < g->memberc; i++) {
		err =
		    store_target_check(st, TARGET_EMPLOYEE,
				       g->memberv[i].employee_id, g->tenant_id);
		if (err)
			return err;
	}
	err = store_target_check(st, g->fallback.type, g->fallback.id,
				 g->tenant_id);
	if (!err && g->id)
		err = store_target_loop(st, TARGET_RING_GROUP, g->id,
					&g->fallback, 0);
	return err;
}

static int group_write(struct store *st, const void *rec)
{
	const struct store_ring_group *g = rec;
	size_t i;
	int err;

	err = store_run(st, S_RG_MEMBERS_CLEAR, EIO, NULL, "i", g->id);
	for (i = 0; !err && i < g->memberc; i++) {
		const struct store_ring_member *m = &g->memberv[i];

		err =
		    store_run(st, S_RG_MEMBER_ADD, ENOENT, NULL, "iiid", g->id,
			      (int64_t)i, m->employee_id, (int)m->timeout);
	}
	return err;
}

static int group_read(struct store *st, void *rec)
{
	struct store_ring_group *g = rec;
	struct db_stmt *q;
	int rc, err;

	g->memberc = 0;
	err = store_stmt_bind(st, S_RG_MEMBERS, &q, "i", g->id);
	if (err)
		return err;
	while ((rc = db_step(q)) == DB_ROW && g->memberc < STORE_RING_MEMBERS) {
		struct store_ring_member *m = &g->memberv[g->memberc++];

		m->employee_id = db_column_int64(q, 0);
		m->timeout = (uint32_t)store_col_int(q, 1);
	}
	if (rc != DB_DONE && rc != DB_ROW)
		err = store_dberr(st, rc, S_RG_MEMBERS, EIO);
	store_stmt_put(st, S_RG_MEMBERS, q);
	return err;
}

static const struct store_tree rg_tree = {
    &rg_rec,     offsetof(struct store_ring_group, tenant_id),
    S_RG_ADD,    S_RG_GET,
    S_RG_UPDATE, S_RG_LIST,
    S_RG_TENANT, group_check,
    group_write, group_read,
};

int store_ring_group_add(struct store *st, struct store_ring_group *g)
{
	if (!st || !group_valid(g) || g->tenant_id <= 0)
		return EINVAL;
	if (!g->created_at)
		g->created_at = time_now_ms();
	return store_tree_add(st, &rg_tree, g);
}

int store_ring_group_get(struct store *st, int64_t id,
			 struct store_ring_group *g)
{
	return store_tree_get(st, &rg_tree, id, g);
}

int store_ring_group_update(struct store *st, const struct store_ring_group *g)
{
	if (!st || !group_valid(g) || g->id <= 0)
		return EINVAL;
	return store_tree_update(st, &rg_tree, g);
}

int store_ring_group_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_RG_INUSE, S_RG_DELETE, id);
}

int store_ring_group_list(struct store *st, int64_t tenant_id,
			  store_ring_group_h *h, void *arg)
{
	return store_tree_list(st, &rg_tree, tenant_id, (store_fn *)h, arg);
}
