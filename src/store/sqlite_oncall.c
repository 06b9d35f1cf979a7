/*
 * sqlite_oncall.c - on-call schedules (Bereitschaft) in the SQLite store
 * (migration 20): a schedule row (handoff weekday and Berlin minute, the
 * date of the first handoff) with its rotation as child rows in turn
 * order, written and replaced in one transaction; and its overrides,
 * rows of their own that never overlap within a schedule (EEXIST,
 * checked in the same transaction as the write).  Members and overrides
 * are employees of the schedule's tenant (ENOENT, EXDEV); such an
 * employee cannot be deleted while they are (no cascade: the foreign key
 * makes the employee's delete EBUSY).  Who is on duty when is
 * secretariat/oncall.c's.
 */
#include <stdio.h>
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define ONC_SELECT                                                             \
	"SELECT id, tenant_id, name, handoff_day, handoff_time, start_date,"   \
	" rotation_days, created_at FROM oncall_schedules"
#define OVR_SELECT                                                             \
	"SELECT id, tenant_id, schedule_id, employee_id, starts_at, ends_at,"  \
	" note, created_at FROM oncall_overrides"

static const struct store_sql sql[] = {
    {S_ONC_TENANT, "oncall tenant",
     "SELECT tenant_id FROM oncall_schedules WHERE id = ?1"},
    {S_ONC_ADD, "oncall add",
     "INSERT INTO oncall_schedules (tenant_id, name, handoff_day,"
     " handoff_time, start_date, rotation_days, created_at)"
     " VALUES (?1, ?2, ?3, ?4, ?5, coalesce(nullif(?6, 0), 7), ?7)"
     " RETURNING id"},
    {S_ONC_GET, "oncall get", ONC_SELECT " WHERE id = ?1"},
    {S_ONC_UPDATE, "oncall update",
     "UPDATE oncall_schedules SET name = ?2, handoff_day = ?3,"
     " handoff_time = ?4, start_date = ?5,"
     " rotation_days = coalesce(nullif(?6, 0), 7) WHERE id = ?1"},
    {S_ONC_DELETE, "oncall delete",
     "DELETE FROM oncall_schedules WHERE id = ?1"},
    {S_ONC_LIST, "oncall list",
     ONC_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id"},
    {S_ONC_MEMBERS_CLEAR, "oncall members",
     "DELETE FROM oncall_members WHERE schedule_id = ?1"},
    {S_ONC_MEMBER_ADD, "oncall members",
     "INSERT INTO oncall_members (schedule_id, seq, employee_id)"
     " VALUES (?1, ?2, ?3)"},
    {S_ONC_MEMBERS, "oncall members",
     "SELECT employee_id FROM oncall_members WHERE schedule_id = ?1"
     " ORDER BY seq"},
    {S_OVR_ADD, "oncall override add",
     "INSERT INTO oncall_overrides (tenant_id, schedule_id, employee_id,"
     " starts_at, ends_at, note, created_at)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id"},
    {S_OVR_GET, "oncall override get", OVR_SELECT " WHERE id = ?1"},
    {S_OVR_UPDATE, "oncall override update",
     "UPDATE oncall_overrides SET employee_id = ?2, starts_at = ?3,"
     " ends_at = ?4, note = ?5 WHERE id = ?1"},
    {S_OVR_DELETE, "oncall override delete",
     "DELETE FROM oncall_overrides WHERE id = ?1"},
    {S_OVR_LIST, "oncall override list",
     OVR_SELECT " WHERE (?1 = 0 OR tenant_id = ?1)"
		" AND (?2 = 0 OR schedule_id = ?2)"
		" AND (?3 = 0 OR ends_at > ?3)"
		" AND (?4 = 0 OR starts_at < ?4)"
		" ORDER BY starts_at, id"},
    {S_OVR_OVERLAP, "oncall override overlap",
     "SELECT id FROM oncall_overrides WHERE schedule_id = ?1"
     " AND id <> ?2 AND starts_at < ?4 AND ends_at > ?3"
     " ORDER BY starts_at LIMIT 1"},
};

const struct store_sqlset store_sql_oncall = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_oncall_schedule, id),
    STORE_COL(SC_I64, SC_ADD, store_oncall_schedule, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_oncall_schedule, name),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_oncall_schedule, handoff_day),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_oncall_schedule, handoff_time),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_oncall_schedule, start_date),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_oncall_schedule, rotation_days),
    STORE_COL(SC_U64, SC_ADD, store_oncall_schedule, created_at),
};

STORE_RECORD(onc_rec, store_oncall_schedule, store_oncall_schedule_h, cols);

static const struct store_col ovr_cols[] = {
    STORE_COL(SC_I64, 0, store_oncall_override, id),
    STORE_COL(SC_I64, SC_ADD, store_oncall_override, tenant_id),
    STORE_COL(SC_I64, SC_ADD, store_oncall_override, schedule_id),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, store_oncall_override, employee_id),
    STORE_COL(SC_U64, SC_ADD | SC_UPD, store_oncall_override, starts_at),
    STORE_COL(SC_U64, SC_ADD | SC_UPD, store_oncall_override, ends_at),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_oncall_override, note),
    STORE_COL(SC_U64, SC_ADD, store_oncall_override, created_at),
};

STORE_RECORD(ovr_rec, store_oncall_override, store_oncall_override_h, ovr_cols);

/* "YYYY-MM-DD", a real date, on weekday wday unless wday is 7 (any) */
static bool start_date_ok(const char *s, uint32_t wday)
{
	unsigned y, m, d;
	int n = 0;

	if (strlen(s) != 10 ||
	    sscanf(s, "%4u-%2u-%2u%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    s[4] != '-' || s[7] != '-')
		return false;
	return y >= 1970 && y <= 9999 && d >= 1 &&
	       d <= time_days_in_month(y, m) &&
	       (wday == 7 || time_wday(y, m, d) == wday);
}

static bool sched_valid(const struct store_oncall_schedule *s)
{
	size_t i;

	if (!s || !str_isset(s->name) || s->handoff_day > 6 ||
	    s->handoff_time >= 24 * 60 || !s->memberc ||
	    s->memberc > STORE_ONCALL_MEMBERS || s->rotation_days > 364 ||
	    !start_date_ok(s->start_date,
			   s->rotation_days % 7 ? 7 : s->handoff_day))
		return false;
	for (i = 0; i < s->memberc; i++) {
		if (s->memberv[i] <= 0)
			return false;
	}
	return true;
}

static int sched_check(struct store *st, const void *rec)
{
	const struct store_oncall_schedule *s = rec;
	size_t i;
	int err = 0;

	for (i = 0; !err && i < s->memberc; i++)
		err = store_target_check(st, TARGET_EMPLOYEE, s->memberv[i],
					 s->tenant_id);
	return err;
}

static int sched_write(struct store *st, const void *rec)
{
	const struct store_oncall_schedule *s = rec;
	size_t i;
	int err;

	err = store_run(st, S_ONC_MEMBERS_CLEAR, EIO, NULL, "i", s->id);
	for (i = 0; !err && i < s->memberc; i++)
		err = store_run(st, S_ONC_MEMBER_ADD, ENOENT, NULL, "iii",
				s->id, (int64_t)i, s->memberv[i]);
	return err;
}

static int sched_read(struct store *st, void *rec)
{
	struct store_oncall_schedule *s = rec;
	struct db_stmt *q;
	int rc, err;

	s->memberc = 0;
	err = store_stmt_bind(st, S_ONC_MEMBERS, &q, "i", s->id);
	if (err)
		return err;
	while ((rc = db_step(q)) == DB_ROW && s->memberc < STORE_ONCALL_MEMBERS)
		s->memberv[s->memberc++] = db_column_int64(q, 0);
	if (rc != DB_DONE && rc != DB_ROW)
		err = store_dberr(st, rc, S_ONC_MEMBERS, EIO);
	store_stmt_put(st, S_ONC_MEMBERS, q);
	return err;
}

static const struct store_tree onc_tree = {
    &onc_rec,     offsetof(struct store_oncall_schedule, tenant_id),
    S_ONC_ADD,    S_ONC_GET,
    S_ONC_UPDATE, S_ONC_LIST,
    S_ONC_TENANT, sched_check,
    sched_write,  sched_read,
};

int store_oncall_schedule_add(struct store *st, struct store_oncall_schedule *s)
{
	if (!st || !sched_valid(s) || s->tenant_id <= 0)
		return EINVAL;
	if (!s->created_at)
		s->created_at = time_now_ms();
	return store_tree_add(st, &onc_tree, s);
}

int store_oncall_schedule_get(struct store *st, int64_t id,
			      struct store_oncall_schedule *s)
{
	return store_tree_get(st, &onc_tree, id, s);
}

int store_oncall_schedule_update(struct store *st,
				 const struct store_oncall_schedule *s)
{
	if (!st || !sched_valid(s) || s->id <= 0)
		return EINVAL;
	return store_tree_update(st, &onc_tree, s);
}

int store_oncall_schedule_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_COUNT, S_ONC_DELETE, id);
}

int store_oncall_schedule_list(struct store *st, int64_t tenant_id,
			       store_oncall_schedule_h *h, void *arg)
{
	return store_tree_list(st, &onc_tree, tenant_id, (store_fn *)h, arg);
}

/* ---- overrides -------------------------------------------------------- */

static bool ovr_valid(const struct store_oncall_override *o)
{
	return o && o->employee_id > 0 && o->ends_at > o->starts_at;
}

/* The override's employee is of the schedule's tenant, and it overlaps
 * no other override of the schedule (EEXIST). */
static int ovr_check(struct store *st, const struct store_oncall_override *o)
{
	int64_t other = 0;
	int err;

	err = store_target_check(st, TARGET_EMPLOYEE, o->employee_id,
				 o->tenant_id);
	if (err)
		return err;
	err = store_run(st, S_OVR_OVERLAP, EIO, &other, "iiuu", o->schedule_id,
			o->id, o->starts_at, o->ends_at);
	if (err == ENOENT)
		return 0;
	return err ? err : EEXIST;
}

static int ovr_add(struct store *st, void *arg)
{
	struct store_oncall_override *o = arg;
	int err;

	err = store_tenant_of(st, S_ONC_TENANT, o->schedule_id, &o->tenant_id);
	if (!err)
		err = ovr_check(st, o);
	if (!err)
		err = store_row_add(st, S_OVR_ADD, &ovr_rec, o);
	return err;
}

int store_oncall_override_add(struct store *st, struct store_oncall_override *o)
{
	if (!st || !ovr_valid(o) || o->schedule_id <= 0)
		return EINVAL;
	if (!o->created_at)
		o->created_at = time_now_ms();
	o->id = 0;
	return store_tx(st, ovr_add, o);
}

int store_oncall_override_get(struct store *st, int64_t id,
			      struct store_oncall_override *o)
{
	return store_row_get(st, S_OVR_GET, id, &ovr_rec, o);
}

static int ovr_update(struct store *st, void *arg)
{
	struct store_oncall_override *o = arg;
	struct store_oncall_override old;
	int err;

	err = store_oncall_override_get(st, o->id, &old);
	if (err)
		return err;
	o->tenant_id = old.tenant_id;
	o->schedule_id = old.schedule_id;
	err = ovr_check(st, o);
	if (!err)
		err = store_row_update(st, S_OVR_UPDATE, &ovr_rec, o);
	return err;
}

int store_oncall_override_update(struct store *st,
				 const struct store_oncall_override *o)
{
	struct store_oncall_override c;

	if (!st || !ovr_valid(o) || o->id <= 0)
		return EINVAL;
	c = *o;
	return store_tx(st, ovr_update, &c);
}

int store_oncall_override_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_COUNT, S_OVR_DELETE, id);
}

int store_oncall_override_list(struct store *st, int64_t tenant_id,
			       int64_t schedule_id, uint64_t from,
			       uint64_t until, store_oncall_override_h *h,
			       void *arg)
{
	if (!st || !h || tenant_id < 0 || schedule_id < 0)
		return EINVAL;
	return store_row_query(st, S_OVR_LIST, &ovr_rec, NULL, (store_fn *)h,
			       arg, "iiuu", tenant_id, schedule_id, from,
			       until);
}
