/*
 * sqlite_task.c - the assistants' tasks in the SQLite store (issue 18,
 * migration 40, store_task.h): tasks of clients in an area of
 * task_areas, the working time booked on them per Berlin day, the calls
 * booked to them (task_calls), and what the monthly report reads.  Call
 * records are read, never changed.
 */
#include "core/core.h"
#include "store/sqlite_int.h"

#define TASK_SELECT                                                            \
	"SELECT id, tenant_id, area, name, active, created_at FROM tasks"
#define TIME_SELECT                                                            \
	"SELECT id, task_id, employee_id, date, day_at, minutes, created_at"   \
	" FROM task_times"

/* whole seconds of a call's talk: answer to end, 0 if never answered */
#define TALK_S                                                                 \
	"(CASE WHEN c.answered_at > 0 AND c.ended_at >= c.answered_at"         \
	" THEN (c.ended_at - c.answered_at) / 1000 ELSE 0 END)"

static const struct store_sql sql[] = {
    {S_TASK_AREA, "task area",
     "SELECT factor_pm FROM task_areas WHERE name = ?1"},
    {S_TASK_ADD, "task add",
     "INSERT INTO tasks (tenant_id, area, name, active, created_at)"
     " VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id"},
    {S_TASK_GET, "task get", TASK_SELECT " WHERE id = ?1"},
    {S_TASK_UPDATE, "task update",
     "UPDATE tasks SET area = ?2, name = ?3, active = ?4 WHERE id = ?1"},
    {S_TASK_LIST, "task list",
     TASK_SELECT " WHERE (?1 = 0 OR tenant_id = ?1) AND (?2 = 0 OR active <> 0)"
		 " AND (?3 = 0 OR id IN (SELECT task_id FROM task_assistants"
		 " WHERE employee_id = ?3)) ORDER BY id"},
    {S_TASK_ASSIGN_CLEAR, "task assign clear",
     "DELETE FROM task_assistants WHERE task_id = ?1"},
    {S_TASK_ASSIGN_ADD, "task assign add",
     "INSERT INTO task_assistants (task_id, employee_id)"
     " VALUES (?1, ?2) ON CONFLICT DO NOTHING"},
    {S_TASK_ASSIGN_LIST, "task assign list",
     "SELECT a.employee_id, e.first_name || ' ' || e.last_name"
     " FROM task_assistants a JOIN employees e ON e.id = a.employee_id"
     " WHERE a.task_id = ?1 ORDER BY a.employee_id"},
    {S_TASK_DAYS, "task days",
     "SELECT day_at, sum(minutes) FROM task_times WHERE task_id = ?1"
     " AND employee_id = ?2 AND day_at >= ?3 AND day_at < ?4"
     " GROUP BY day_at ORDER BY day_at"},
    {S_TASK_ASSIGNED, "task assigned",
     "SELECT count(*) FROM task_assistants WHERE task_id = ?1"
     " AND employee_id = ?2"},
    {S_TASK_TIME_ADD, "task time add",
     "INSERT INTO task_times (task_id, employee_id, date, day_at, minutes,"
     " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id"},
    {S_TASK_TIME_LIST, "task time list",
     TIME_SELECT " WHERE task_id = ?1 ORDER BY day_at, id"},
    {S_TASK_CALL_ADD, "task call add",
     "INSERT INTO task_calls (call_id, task_id, employee_id)"
     " VALUES (?1, ?2, ?3)"},
    {S_TASK_CALL_GET, "task call get",
     "SELECT coalesce(task_id, 0) FROM task_calls WHERE call_id = ?1"},
    /* per assistant and task: the minutes booked on the month's days and
     * the talk seconds of the month's ended calls booked to the task */
    {S_TASK_MONTHS, "task months",
     "WITH m (task_id, employee_id, work_min, phone_s, calls) AS ("
     " SELECT task_id, employee_id, sum(minutes), 0, 0 FROM task_times"
     "  WHERE day_at >= ?1 AND day_at < ?2 GROUP BY task_id, employee_id"
     " UNION ALL"
     " SELECT tc.task_id, tc.employee_id, 0, sum(" TALK_S "), count(*)"
     "  FROM task_calls tc JOIN calls c ON c.id = tc.call_id"
     "  WHERE tc.task_id IS NOT NULL AND c.started_at >= ?1"
     "  AND c.started_at < ?2 AND c.ended_at <> 0"
     "  GROUP BY tc.task_id, tc.employee_id)"
     " SELECT m.employee_id, e.first_name || ' ' || e.last_name, m.task_id,"
     " k.name, k.tenant_id, k.area, a.factor_pm, sum(m.work_min),"
     " sum(m.phone_s), sum(m.calls)"
     " FROM m JOIN tasks k ON k.id = m.task_id"
     " JOIN task_areas a ON a.name = k.area"
     " JOIN employees e ON e.id = m.employee_id"
     " WHERE ?3 = 0 OR m.employee_id = ?3"
     " GROUP BY m.employee_id, m.task_id, e.first_name, e.last_name,"
     " k.name, k.tenant_id, k.area, a.factor_pm"
     " ORDER BY m.employee_id, m.task_id"},
    /* an assistant's outbound calls without a task: by the click to call
     * ("employee:<id>") or from one of its phones ("device:<user>") */
    {S_TASK_UNTASKED, "task untasked",
     "SELECT c.id, e.id, c.started_at, c.to_number, " TALK_S
     " FROM employees e JOIN calls c ON c.tenant_id = e.tenant_id"
     " AND (c.caller_leg = 'employee:' || e.id OR c.caller_leg IN"
     "  (SELECT 'device:' || d.username FROM devices d"
     "   WHERE d.employee_id = e.id))"
     " WHERE (?3 = 0 OR e.id = ?3)"
     " AND (e.id IN (SELECT employee_id FROM task_times)"
     "  OR e.id IN (SELECT employee_id FROM task_calls))"
     " AND c.direction = 'outbound' AND c.started_at >= ?1"
     " AND c.started_at < ?2"
     " AND NOT EXISTS (SELECT 1 FROM task_calls tc WHERE tc.call_id = c.id"
     "  AND tc.task_id IS NOT NULL)"
     " ORDER BY e.id, c.started_at, c.id"},
};

const struct store_sqlset store_sql_task = STORE_SQLSET(sql);

static const struct store_col task_cols[] = {
    STORE_COL(SC_I64, 0, store_task, id),
    STORE_COL(SC_I64, SC_ADD, store_task, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_task, area),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_task, name),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_task, active),
    STORE_COL(SC_U64, SC_ADD, store_task, created_at),
};

STORE_RECORD(task_rec, store_task, store_task_h, task_cols);

static const struct store_col time_cols[] = {
    STORE_COL(SC_I64, 0, store_task_time, id),
    STORE_COL(SC_I64, SC_ADD, store_task_time, task_id),
    STORE_COL(SC_I64, SC_ADD, store_task_time, employee_id),
    STORE_COL(SC_TEXT, SC_ADD, store_task_time, date),
    STORE_COL(SC_U64, SC_ADD, store_task_time, day_at),
    STORE_COL(SC_U32, SC_ADD, store_task_time, minutes),
    STORE_COL(SC_U64, SC_ADD, store_task_time, created_at),
};

STORE_RECORD(time_rec, store_task_time, store_task_time_h, time_cols);

static const struct store_col month_cols[] = {
    STORE_COL(SC_I64, 0, store_task_month, employee_id),
    STORE_COL(SC_TEXT, 0, store_task_month, employee_name),
    STORE_COL(SC_I64, 0, store_task_month, task_id),
    STORE_COL(SC_TEXT, 0, store_task_month, task_name),
    STORE_COL(SC_I64, 0, store_task_month, tenant_id),
    STORE_COL(SC_TEXT, 0, store_task_month, area),
    STORE_COL(SC_U32, 0, store_task_month, factor_pm),
    STORE_COL(SC_U32, 0, store_task_month, work_min),
    STORE_COL(SC_U64, 0, store_task_month, phone_s),
    STORE_COL(SC_U32, 0, store_task_month, calls),
};

STORE_RECORD(month_rec, store_task_month, store_task_month_h, month_cols);

static const struct store_col untasked_cols[] = {
    STORE_COL(SC_I64, 0, store_task_untasked, call_id),
    STORE_COL(SC_I64, 0, store_task_untasked, employee_id),
    STORE_COL(SC_U64, 0, store_task_untasked, started_at),
    STORE_COL(SC_TEXT, 0, store_task_untasked, to_number),
    STORE_COL(SC_U64, 0, store_task_untasked, talk_s),
};

STORE_RECORD(untasked_rec, store_task_untasked, store_task_untasked_h,
	     untasked_cols);

static const struct store_col assistant_cols[] = {
    STORE_COL(SC_I64, 0, store_task_assistant, employee_id),
    STORE_COL(SC_TEXT, 0, store_task_assistant, name),
};

STORE_RECORD(assistant_rec, store_task_assistant, store_task_assistant_h,
	     assistant_cols);

int store_task_area(struct store *st, const char *name, uint32_t *pmp)
{
	int64_t v = 0;
	int err;

	if (!st || !str_isset(name) || !pmp)
		return EINVAL;
	err = store_run(st, S_TASK_AREA, EIO, &v, "s", name);
	if (!err)
		*pmp = (uint32_t)v;
	return err;
}

static bool task_valid(const struct store_task *t)
{
	return t && str_isset(t->name) && str_isset(t->area);
}

int store_task_add(struct store *st, struct store_task *t)
{
	if (!st || !task_valid(t) || t->tenant_id <= 0)
		return EINVAL;
	if (!t->created_at)
		t->created_at = time_now_ms();
	return store_row_add(st, S_TASK_ADD, &task_rec, t);
}

int store_task_get(struct store *st, int64_t id, struct store_task *t)
{
	return store_row_get(st, S_TASK_GET, id, &task_rec, t);
}

int store_task_update(struct store *st, const struct store_task *t)
{
	if (!st || !task_valid(t) || t->id <= 0)
		return EINVAL;
	return store_row_update(st, S_TASK_UPDATE, &task_rec, t);
}

int store_task_list(struct store *st, int64_t tenant_id, int64_t assistant,
		    bool active_only, store_task_h *h, void *arg)
{
	if (!st || tenant_id < 0 || assistant < 0 || !h)
		return EINVAL;
	return store_row_query(st, S_TASK_LIST, &task_rec, NULL, (store_fn *)h,
			       arg, "idi", tenant_id, (int)active_only,
			       assistant);
}

struct assign {
	int64_t task_id;
	const int64_t *empv;
	size_t empc;
};

static int assign_tx(struct store *st, void *arg)
{
	const struct assign *a = arg;
	size_t i;
	int err;

	err = store_run(st, S_TASK_ASSIGN_CLEAR, EIO, NULL, "i", a->task_id);
	for (i = 0; !err && i < a->empc; i++)
		err = store_run(st, S_TASK_ASSIGN_ADD, ENOENT, NULL, "ii",
				a->task_id, a->empv[i]);
	return err;
}

int store_task_assistants_set(struct store *st, int64_t task_id,
			      const int64_t *empv, size_t empc)
{
	struct assign a = {task_id, empv, empc};
	size_t i;

	if (!st || task_id <= 0 || (empc && !empv))
		return EINVAL;
	for (i = 0; i < empc; i++) {
		if (empv[i] <= 0)
			return EINVAL;
	}
	return store_tx(st, assign_tx, &a);
}

int store_task_assistants(struct store *st, int64_t task_id,
			  store_task_assistant_h *h, void *arg)
{
	if (!st || task_id <= 0 || !h)
		return EINVAL;
	return store_row_query(st, S_TASK_ASSIGN_LIST, &assistant_rec, NULL,
			       (store_fn *)h, arg, "i", task_id);
}

bool store_task_assigned(struct store *st, int64_t task_id, int64_t employee_id)
{
	int64_t n = 0;

	if (!st || task_id <= 0 || employee_id <= 0)
		return false;
	return !store_run(st, S_TASK_ASSIGNED, EIO, &n, "ii", task_id,
			  employee_id) &&
	       n > 0;
}

int store_task_time_add(struct store *st, struct store_task_time *tt)
{
	if (!st || !tt || tt->task_id <= 0 || tt->employee_id <= 0 ||
	    !tt->minutes || tt->minutes > 1440 || !str_isset(tt->date) ||
	    tt->day_at > (uint64_t)INT64_MAX)
		return EINVAL;
	if (!tt->created_at)
		tt->created_at = time_now_ms();
	return store_row_add(st, S_TASK_TIME_ADD, &time_rec, tt);
}

int store_task_time_list(struct store *st, int64_t task_id,
			 store_task_time_h *h, void *arg)
{
	if (!st || task_id <= 0 || !h)
		return EINVAL;
	return store_row_query(st, S_TASK_TIME_LIST, &time_rec, NULL,
			       (store_fn *)h, arg, "i", task_id);
}

int store_task_call_add(struct store *st, int64_t call_id, int64_t task_id,
			int64_t employee_id)
{
	if (!st || call_id <= 0 || task_id < 0 || employee_id <= 0)
		return EINVAL;
	return store_run(st, S_TASK_CALL_ADD, ENOENT, NULL, "iri", call_id,
			 task_id, employee_id);
}

int store_task_call_get(struct store *st, int64_t call_id, int64_t *taskp)
{
	int64_t v = 0;
	int err;

	if (!st || call_id <= 0 || !taskp)
		return EINVAL;
	err = store_run(st, S_TASK_CALL_GET, EIO, &v, "i", call_id);
	if (!err)
		*taskp = v;
	return err;
}

int store_task_months(struct store *st, uint64_t from, uint64_t until,
		      int64_t employee_id, store_task_month_h *h, void *arg)
{
	if (!st || employee_id < 0 || !h)
		return EINVAL;
	return store_row_query(st, S_TASK_MONTHS, &month_rec, NULL,
			       (store_fn *)h, arg, "uui", from, until,
			       employee_id);
}

int store_task_untasked(struct store *st, uint64_t from, uint64_t until,
			int64_t employee_id, store_task_untasked_h *h,
			void *arg)
{
	if (!st || employee_id < 0 || !h)
		return EINVAL;
	return store_row_query(st, S_TASK_UNTASKED, &untasked_rec, NULL,
			       (store_fn *)h, arg, "uui", from, until,
			       employee_id);
}

static const struct store_col day_cols[] = {
    STORE_COL(SC_U64, 0, store_task_day, day_at),
    STORE_COL(SC_U32, 0, store_task_day, minutes),
};

STORE_RECORD(day_rec, store_task_day, store_task_day_h, day_cols);

int store_task_days(struct store *st, int64_t task_id, int64_t employee_id,
		    uint64_t from, uint64_t until, store_task_day_h *h,
		    void *arg)
{
	if (!st || task_id <= 0 || employee_id <= 0 || !h)
		return EINVAL;
	return store_row_query(st, S_TASK_DAYS, &day_rec, NULL, (store_fn *)h,
			       arg, "iiuu", task_id, employee_id, from, until);
}
