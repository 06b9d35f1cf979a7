/*
 * sqlite_agent.c - employees as queue agents in the SQLite store: the
 * state an agent keeps across restarts (logged out, available, paused
 * with a reason) and his skills with their levels.  The live states of a
 * call (ringing, on a call, wrap-up) are the ACD's, never stored.  An
 * employee's state and skills go with the employee (ON DELETE CASCADE).
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define AGENT_SELECT                                                           \
	"SELECT e.id, e.tenant_id, COALESCE(s.state, 'logged_out'),"           \
	" COALESCE(s.reason, ''), COALESCE(s.changed_at, 0)"                   \
	" FROM employees e LEFT JOIN agent_states s ON s.employee_id = e.id"

static const struct store_sql sql[] = {
    {S_AGENT_GET, "agent get", AGENT_SELECT " WHERE e.id = ?1"},
    /* updated_at: the store's clock (rows.c compares it across nodes) */
    {S_AGENT_SET_STATE, "agent state",
     "INSERT INTO agent_states (employee_id, state, reason, changed_at,"
     " updated_at) VALUES (?1, ?2, ?3, ?4, " STORE_NOW_MS_SQL ")"
     " ON CONFLICT (employee_id) DO UPDATE SET"
     " state = excluded.state, reason = excluded.reason,"
     " changed_at = excluded.changed_at, updated_at = excluded.updated_at"},
    {S_AGENT_SKILLS_CLEAR, "agent skills",
     "DELETE FROM agent_skills WHERE employee_id = ?1"},
    {S_AGENT_SKILL_ADD, "agent skills",
     "INSERT INTO agent_skills (employee_id, skill, level)"
     " VALUES (?1, ?2, ?3)"},
    {S_AGENT_SKILLS, "agent skills",
     "SELECT skill, level FROM agent_skills WHERE employee_id = ?1"
     " ORDER BY skill"},
    /* ?1 since [ms UTC]: what the other nodes follow (rows.c) */
    {S_AGENT_CHANGED, "agent changed",
     "SELECT s.employee_id, e.tenant_id, s.state, s.reason, s.changed_at"
     " FROM agent_states s JOIN employees e ON e.id = s.employee_id"
     " WHERE s.updated_at >= ?1 ORDER BY s.updated_at, s.employee_id"},
    {S_AGENT_LIST, "agent list",
     AGENT_SELECT
     " WHERE (?1 = 0 OR e.tenant_id = ?1) AND"
     " (s.employee_id IS NOT NULL"
     " OR EXISTS (SELECT 1 FROM queue_members m WHERE m.employee_id = e.id)"
     " OR EXISTS (SELECT 1 FROM agent_skills k WHERE k.employee_id = e.id))"
     " ORDER BY e.id"},
};

static const struct store_sql pg_sql[] = {
    {S_AGENT_SET_STATE, "agent state",
     "INSERT INTO agent_states (employee_id, state, reason, changed_at,"
     " updated_at) VALUES (?1, ?2, ?3, ?4, " STORE_NOW_MS_PG ")"
     " ON CONFLICT (employee_id) DO UPDATE SET"
     " state = excluded.state, reason = excluded.reason,"
     " changed_at = excluded.changed_at, updated_at = excluded.updated_at"},
};

const struct store_sqlset store_sql_agent = STORE_SQLSET_PG(sql, pg_sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_agent, employee_id),
    STORE_COL(SC_I64, 0, store_agent, tenant_id),
    STORE_ENUM(0, store_agent, state, &store_names_agent_state),
    STORE_COL(SC_TEXT, 0, store_agent, reason),
    STORE_COL(SC_U64, 0, store_agent, changed_at),
};

STORE_RECORD(agent_rec, store_agent, store_agent_h, cols);

static int skills_read(struct store *st, struct store_agent *a)
{
	struct db_stmt *s;
	int rc, err;

	a->skillc = 0;
	err = store_stmt_bind(st, S_AGENT_SKILLS, &s, "i", a->employee_id);
	if (err)
		return err;
	while ((rc = db_step(s)) == DB_ROW && a->skillc < STORE_AGENT_SKILLS) {
		struct store_agent_skill *k = &a->skillv[a->skillc++];

		store_col_text(s, 0, k->name, sizeof(k->name));
		k->level = (unsigned)store_col_int(s, 1);
	}
	if (rc != DB_DONE && rc != DB_ROW)
		err = store_dberr(st, rc, S_AGENT_SKILLS, EIO);
	store_stmt_put(st, S_AGENT_SKILLS, s);
	return err;
}

int store_agent_get(struct store *st, int64_t employee_id,
		    struct store_agent *a)
{
	int err;

	if (!a)
		return EINVAL;
	memset(a, 0, sizeof(*a));
	err = store_row_get(st, S_AGENT_GET, employee_id, &agent_rec, a);
	if (!err)
		err = skills_read(st, a);
	return err;
}

int store_agent_set_state(struct store *st, const struct store_agent *a)
{
	bool paused;

	if (!st || !a || a->employee_id <= 0 ||
	    !store_names_has(&store_names_agent_state, (int)a->state))
		return EINVAL;
	paused = a->state == STORE_AGENT_PAUSED;
	if (paused != (a->reason[0] != '\0'))
		return EINVAL;
	return store_run(st, S_AGENT_SET_STATE, ENOENT, NULL, "issu",
			 a->employee_id, store_agent_state_name(a->state),
			 a->reason, a->changed_at);
}

static bool skills_valid(const struct store_agent *a)
{
	size_t i, j;

	if (a->skillc > STORE_AGENT_SKILLS)
		return false;
	for (i = 0; i < a->skillc; i++) {
		const struct store_agent_skill *k = &a->skillv[i];

		if (!str_isset(k->name) || k->level < 1 ||
		    k->level > STORE_LEVEL_MAX)
			return false;
		for (j = 0; j < i; j++) {
			if (!strcmp(a->skillv[j].name, k->name))
				return false;
		}
	}
	return true;
}

static int skills_write(struct store *st, void *arg)
{
	const struct store_agent *a = arg;
	int64_t tenant;
	size_t i;
	int err;

	err = store_tenant_of(st, S_EMP_TENANT, a->employee_id, &tenant);
	if (!err)
		err = store_run(st, S_AGENT_SKILLS_CLEAR, EIO, NULL, "i",
				a->employee_id);
	for (i = 0; !err && i < a->skillc; i++)
		err = store_run(st, S_AGENT_SKILL_ADD, ENOENT, NULL, "isd",
				a->employee_id, a->skillv[i].name,
				(int)a->skillv[i].level);
	return err;
}

int store_agent_set_skills(struct store *st, const struct store_agent *a)
{
	if (!st || !a || a->employee_id <= 0 || !skills_valid(a))
		return EINVAL;
	return store_tx(st, skills_write, (void *)a);
}

struct walk {
	struct store *st;
	store_agent_h *h;
	void *arg;
};

static int walk_h(const struct store_agent *row, void *arg)
{
	struct walk *w = arg;
	struct store_agent a = *row;
	int err;

	err = skills_read(w->st, &a);
	return err ? err : w->h(&a, w->arg);
}

int store_agent_list(struct store *st, int64_t tenant_id, store_agent_h *h,
		     void *arg)
{
	struct walk w = {st, h, arg};

	if (!h)
		return EINVAL;
	return store_row_list(st, S_AGENT_LIST, tenant_id, &agent_rec,
			      (store_fn *)walk_h, &w);
}

int store_agent_changed(struct store *st, uint64_t since, store_agent_h *h,
			void *arg)
{
	if (!st || !h)
		return EINVAL;
	return store_row_query(st, S_AGENT_CHANGED, &agent_rec, NULL,
			       (store_fn *)h, arg, "u", since);
}
