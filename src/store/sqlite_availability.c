/*
 * sqlite_availability.c - an employee's absence info and appointments in
 * the SQLite store (migration 20).  The absence info is one row per
 * employee that has ever had one (absent: ""); appointments are rows of
 * their own with the employee's tenant copied in, so that a tenant's
 * list needs no join.  Both go with their employee (ON DELETE CASCADE).
 * Which one an agent sees at a moment is secretariat/availability.c's.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define APPT_SELECT                                                            \
	"SELECT id, tenant_id, employee_id, starts_at, ends_at, text,"         \
	" created_at FROM appointments"

static const struct store_sql sql[] = {
    {S_ABS_GET, "absence get",
     "SELECT e.id, coalesce(a.text, ''), coalesce(a.updated_at, 0)"
     " FROM employees e LEFT JOIN absence_infos a ON a.employee_id = e.id"
     " WHERE e.id = ?1"},
    {S_ABS_SET, "absence set",
     "INSERT INTO absence_infos (employee_id, text, updated_at)"
     " VALUES (?1, ?2, ?3) ON CONFLICT (employee_id) DO UPDATE"
     " SET text = excluded.text, updated_at = excluded.updated_at"},
    {S_APPT_ADD, "appointment add",
     "INSERT INTO appointments (tenant_id, employee_id, starts_at,"
     " ends_at, text, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING "
     "id"},
    {S_APPT_GET, "appointment get", APPT_SELECT " WHERE id = ?1"},
    {S_APPT_UPDATE, "appointment update",
     "UPDATE appointments SET starts_at = ?2, ends_at = ?3, text = ?4"
     " WHERE id = ?1"},
    {S_APPT_DELETE, "appointment delete",
     "DELETE FROM appointments WHERE id = ?1"},
    {S_APPT_LIST, "appointment list",
     APPT_SELECT " WHERE (?1 = 0 OR tenant_id = ?1)"
		 " AND (?2 = 0 OR employee_id = ?2)"
		 " AND (?3 = 0 OR ends_at > ?3)"
		 " AND (?4 = 0 OR starts_at < ?4)"
		 " ORDER BY starts_at, id"},
};

const struct store_sqlset store_sql_availability = STORE_SQLSET(sql);

static const struct store_col abs_cols[] = {
    STORE_COL(SC_I64, 0, store_absence, employee_id),
    STORE_COL(SC_TEXT, 0, store_absence, text),
    STORE_COL(SC_U64, 0, store_absence, updated_at),
};

typedef int(store_absence_h)(const struct store_absence *a, void *arg);
STORE_RECORD(abs_rec, store_absence, store_absence_h, abs_cols);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_appointment, id),
    STORE_COL(SC_I64, SC_ADD, store_appointment, tenant_id),
    STORE_COL(SC_I64, SC_ADD, store_appointment, employee_id),
    STORE_COL(SC_U64, SC_ADD | SC_UPD, store_appointment, starts_at),
    STORE_COL(SC_U64, SC_ADD | SC_UPD, store_appointment, ends_at),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_appointment, text),
    STORE_COL(SC_U64, SC_ADD, store_appointment, created_at),
};

STORE_RECORD(appt_rec, store_appointment, store_appointment_h, cols);

int store_absence_get(struct store *st, int64_t employee_id,
		      struct store_absence *a)
{
	return store_row_get(st, S_ABS_GET, employee_id, &abs_rec, a);
}

int store_absence_set(struct store *st, int64_t employee_id, const char *text,
		      uint64_t updated_at)
{
	int64_t tenant;
	int err;

	if (!st || employee_id <= 0 ||
	    (text && strlen(text) >= STORE_ABSENCE_LEN))
		return EINVAL;
	err = store_tenant_of(st, S_EMP_TENANT, employee_id, &tenant);
	if (err)
		return err;
	return store_run(st, S_ABS_SET, ENOENT, NULL, "isu", employee_id,
			 text ? text : "",
			 updated_at ? updated_at : time_now_ms());
}

static bool appt_valid(const struct store_appointment *a)
{
	return a && str_isset(a->text) && a->ends_at > a->starts_at;
}

int store_appointment_add(struct store *st, struct store_appointment *a)
{
	int err;

	if (!st || !appt_valid(a) || a->employee_id <= 0)
		return EINVAL;
	err = store_tenant_of(st, S_EMP_TENANT, a->employee_id, &a->tenant_id);
	if (err)
		return err;
	if (!a->created_at)
		a->created_at = time_now_ms();
	return store_row_add(st, S_APPT_ADD, &appt_rec, a);
}

int store_appointment_get(struct store *st, int64_t id,
			  struct store_appointment *a)
{
	return store_row_get(st, S_APPT_GET, id, &appt_rec, a);
}

int store_appointment_update(struct store *st,
			     const struct store_appointment *a)
{
	if (!st || !appt_valid(a) || a->id <= 0)
		return EINVAL;
	return store_row_update(st, S_APPT_UPDATE, &appt_rec, a);
}

int store_appointment_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_COUNT, S_APPT_DELETE, id);
}

int store_appointment_list(struct store *st,
			   const struct store_appointment_filter *f,
			   store_appointment_h *h, void *arg)
{
	if (!st || !f || !h || f->tenant_id < 0 || f->employee_id < 0)
		return EINVAL;
	return store_row_query(st, S_APPT_LIST, &appt_rec, NULL, (store_fn *)h,
			       arg, "iiuu", f->tenant_id, f->employee_id,
			       f->from, f->until);
}
