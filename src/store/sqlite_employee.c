/*
 * sqlite_employee.c - employees in the SQLite store, and their personal
 * numbers.
 *
 * An employee belongs to one tenant, has an extension unique in it (or
 * none) and at most one personal number (seeds/003): a number of its
 * tenant that reaches only this employee and that the employee may show
 * as caller ID.  employees.personal_number_id is the only link; a number's
 * "personal" flag is derived from it.  Giving, changing and taking away a
 * personal number touches the employee and one or two numbers, so it runs
 * in one transaction; deleting an employee frees every number routed to
 * it and deletes its devices.
 */
#include "core/core.h"
#include "store/sqlite_int.h"

#define EMP_SELECT                                                             \
	"SELECT e.id, e.tenant_id, e.first_name, e.last_name, e.email,"        \
	" e.extension, COALESCE(n.e164, ''), e.show_personal_number,"          \
	" e.created_at, e.surname_first, e.cc, e.position,"                    \
	" e.responsibility, e.mobile, e.sms, e.substitute_id,"                 \
	" e.transfer_number, e.transfer, e.vip_sms FROM employees e"           \
	" LEFT JOIN numbers n ON n.id = e.personal_number_id"

static const struct store_sql sql[] = {
    {S_EMP_TENANT, "employee tenant",
     "SELECT tenant_id FROM employees WHERE id = ?1"},
    {S_EMP_ADD, "employee add",
     "INSERT INTO employees (tenant_id, first_name, last_name,"
     " email, extension, show_personal_number, created_at,"
     " surname_first, cc, position, responsibility, mobile, sms,"
     " substitute_id, transfer_number, transfer, vip_sms)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
     " ?14, ?15, ?16, ?17) RETURNING id"},
    {S_EMP_GET, "employee get", EMP_SELECT " WHERE e.id = ?1"},
    {S_EMP_BY_EXT, "employee by extension",
     EMP_SELECT " WHERE e.tenant_id = ?1 AND e.extension = ?2"},
    {S_EMP_UPDATE, "employee update",
     "UPDATE employees SET first_name = ?2, last_name = ?3,"
     " email = ?4, extension = ?5, show_personal_number = ?6,"
     " surname_first = ?7, cc = ?8, position = ?9, responsibility = ?10,"
     " mobile = ?11, sms = ?12, substitute_id = ?13,"
     " transfer_number = ?14, transfer = ?15, vip_sms = ?16"
     " WHERE id = ?1"},
    {S_EMP_LIST, "employee list",
     EMP_SELECT " WHERE ?1 = 0 OR e.tenant_id = ?1 ORDER BY e.id"},
    {S_EMP_PERSONAL, "employee personal",
     "SELECT COALESCE(personal_number_id, 0) FROM employees"
     " WHERE id = ?1"},
    {S_EMP_SET_PERSONAL, "employee set personal",
     "UPDATE employees SET personal_number_id = ?2 WHERE id = ?1"},
    {S_EMP_BY_PERSONAL, "employee by personal",
     "SELECT id FROM employees WHERE personal_number_id = ?1"},
    {S_EMP_RELEASE_NUMBERS, "employee delete",
     "UPDATE numbers SET target_type = 0, target_id = 0"
     " WHERE target_type = 1 AND target_id = ?1"},
    {S_EMP_IN_SCHEDULE, "employee delete",
     "SELECT CAST(EXISTS (SELECT 1 FROM route_refs WHERE type = 1 AND id = ?1"
     " AND via <> 'number') AS INTEGER)"},
    {S_EMP_DELETE_DEVICES, "employee delete",
     "DELETE FROM devices WHERE employee_id = ?1"},
    {S_EMP_DELETE, "employee delete", "DELETE FROM employees WHERE id = ?1"},
};

const struct store_sqlset store_sql_employee = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_employee, id),
    STORE_COL(SC_I64, SC_ADD, store_employee, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_employee, first_name),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_employee, last_name),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_employee, email),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_employee, extension),
    STORE_COL(SC_TEXT, 0, store_employee, personal_number),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_employee, show_personal_number),
    STORE_COL(SC_U64, SC_ADD, store_employee, created_at),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_employee, surname_first),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_employee, cc),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_employee, position),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_employee, responsibility),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_employee, mobile),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_employee, sms),
    STORE_COL(SC_REF, SC_ADD | SC_UPD, store_employee, substitute_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_employee, transfer_number),
    STORE_ENUM(SC_ADD | SC_UPD, store_employee, transfer,
	       &store_names_transfer),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_employee, vip_sms),
};

STORE_RECORD(employee_rec, store_employee, store_employee_h, cols);

/* A name, and an extension of digits or none. */
static bool employee_valid(const struct store_employee *e)
{
	return e && (str_isset(e->first_name) || str_isset(e->last_name)) &&
	       store_str_isdigits(e->extension);
}

int store_employee_add(struct store *st, struct store_employee *e)
{
	int err;

	if (!st || !employee_valid(e) || e->tenant_id <= 0)
		return EINVAL;

	if (!e->created_at)
		e->created_at = time_now_ms();

	err = store_row_add(st, S_EMP_ADD, &employee_rec, e);
	if (!err)
		e->personal_number[0] = '\0';

	return err;
}

int store_employee_get(struct store *st, int64_t id, struct store_employee *e)
{
	return store_row_get(st, S_EMP_GET, id, &employee_rec, e);
}

int store_employee_by_extension(struct store *st, int64_t tenant_id,
				const char *ext, struct store_employee *e)
{
	if (!st || tenant_id <= 0 || !str_isset(ext) || !e)
		return EINVAL;

	return store_row_query(st, S_EMP_BY_EXT, &employee_rec, e, NULL, NULL,
			       "is", tenant_id, ext);
}

/*
 * Names, e-mail, extension and show_personal_number change; tenant_id is
 * fixed (EXDEV if it is set and differs), personal_number is ignored (see
 * store_employee_set_personal()).
 */
int store_employee_update(struct store *st, const struct store_employee *e)
{
	int64_t tenant_id;
	int err;

	if (!st || !employee_valid(e) || e->id <= 0)
		return EINVAL;

	err = store_tenant_of(st, S_EMP_TENANT, e->id, &tenant_id);
	if (err)
		return err;
	if (e->tenant_id && e->tenant_id != tenant_id)
		return EXDEV;

	return store_row_update(st, S_EMP_UPDATE, &employee_rec, e);
}

/*
 * Every number routed to the employee (its personal number and ordinary
 * ones) is released to target none, so no number points at a deleted
 * employee.  A schedule or menu that routes to the employee is not
 * changed behind its owner's back: EBUSY until it routes elsewhere; so
 * is a ring group the employee is a member of (the group decides who
 * rings, not the employee's removal): EBUSY until it is taken out.  Its
 * devices go, and their registrations with them.
 */
static int employee_delete(struct store *st, void *arg)
{
	const int64_t id = *(const int64_t *)arg;
	int64_t v = 0;
	int err;

	err = store_tenant_of(st, S_EMP_TENANT, id, &v);
	if (!err)
		err = store_run(st, S_EMP_IN_SCHEDULE, EIO, &v, "i", id);
	if (!err && v)
		err = EBUSY; /* a schedule, menu or ring group has it */
	if (!err)
		err = store_run(st, S_EMP_RELEASE_NUMBERS, EIO, NULL, "i", id);
	if (!err)
		err = store_run(st, S_EMP_DELETE_DEVICES, EBUSY, NULL, "i", id);
	if (!err)
		err = store_run(st, S_EMP_DELETE, EBUSY, NULL, "i", id);

	return err;
}

int store_employee_delete(struct store *st, int64_t id)
{
	if (!st || id <= 0)
		return EINVAL;

	return store_tx(st, employee_delete, &id);
}

int store_employee_list(struct store *st, int64_t tenant_id,
			store_employee_h *h, void *arg)
{
	return store_row_list(st, S_EMP_LIST, tenant_id, &employee_rec,
			      (store_fn *)h, arg);
}

/* ---- personal numbers ------------------------------------------------- */

/* Link employee id to number number_id (0: to none). */
static int personal_link(struct store *st, int64_t id, int64_t number_id)
{
	return store_run(st, S_EMP_SET_PERSONAL, ENOENT, NULL, "ir", id,
			 number_id);
}

/* Number n is free for employee id: nobody else's personal number, and
 * routed nowhere or to id already.  EBUSY if not. */
static int personal_free(struct store *st, int64_t id,
			 const struct store_number *n)
{
	int64_t owner = 0;
	int err;

	if (n->personal) {
		err = store_run(st, S_EMP_BY_PERSONAL, EIO, &owner, "i", n->id);
		if (err)
			return err;
		if (owner != id)
			return EBUSY;
	}

	if (n->target_type != TARGET_NONE &&
	    !(n->target_type == TARGET_EMPLOYEE && n->target_id == id))
		return EBUSY;

	return 0;
}

/* What store_employee_set_personal() sets. */
struct personal {
	int64_t id;
	const char *e164;
};

/* The body of store_employee_set_personal(), inside its transaction. */
static int set_personal(struct store *st, void *arg)
{
	const struct personal *p = arg;
	const int64_t id = p->id;
	const char *e164 = p->e164;
	struct store_number n;
	int64_t tenant_id, old = 0;
	int err;

	err = store_tenant_of(st, S_EMP_TENANT, id, &tenant_id);
	if (err)
		return err;

	err = store_run(st, S_EMP_PERSONAL, EIO, &old, "i", id);
	if (err)
		return err;

	if (!str_isset(e164)) {
		if (!old)
			return 0;
		err = personal_link(st, id, 0);
		if (err)
			return err;
		return store_number_route(st, old, NULL);
	}

	err = store_number_by_e164(st, e164, &n);
	if (err)
		return err;
	if (n.tenant_id != tenant_id)
		return EXDEV;
	if (!n.active)
		return EACCES;
	if (n.id == old)
		return 0;

	err = personal_free(st, id, &n);
	if (err)
		return err;

	if (old) {
		err = store_number_route(st, old, NULL);
		if (err)
			return err;
	}

	err = personal_link(st, id, n.id);
	if (err)
		return err;

	n.target_type = TARGET_EMPLOYEE;
	n.target_id = id;
	n.active = true;

	return store_number_route(st, n.id, &n);
}

int store_employee_set_personal(struct store *st, int64_t id, const char *e164)
{
	struct personal p = {id, e164};

	if (!st || id <= 0)
		return EINVAL;

	return store_tx(st, set_personal, &p);
}
