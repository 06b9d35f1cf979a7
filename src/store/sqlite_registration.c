/*
 * sqlite_registration.c - registrations in the SQLite store: the bindings
 * of a device's contacts (RFC 3261 section 10) with what the registrar
 * needs to reach them again (received address, transport, Path, the node
 * that holds the connection).
 *
 * One binding per device and contact: a REGISTER refreshes it in place
 * (an upsert), so its id stays.  A binding is alive while expires_at >
 * now; the lists show only live ones, and a purge removes the rest.  The
 * lookup of an employee's bindings for every call to it is one statement.
 */
#include "core/core.h"
#include "store/sqlite_int.h"

#define REG_COLS                                                               \
	"r.id, r.device_id, r.contact, r.received, r.transport,"               \
	" r.call_id, r.cseq, r.user_agent, r.instance, r.path,"                \
	" r.node_id, r.expires_at, r.updated_at"

static const struct store_sql sql[] = {
    {S_REG_SAVE, "registration save",
     "INSERT INTO registrations (device_id, contact, received,"
     " transport, call_id, cseq, user_agent, instance, path,"
     " node_id, expires_at, updated_at)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
     " ON CONFLICT (device_id, contact) DO UPDATE SET"
     " received = excluded.received,"
     " transport = excluded.transport,"
     " call_id = excluded.call_id, cseq = excluded.cseq,"
     " user_agent = excluded.user_agent,"
     " instance = excluded.instance, path = excluded.path,"
     " node_id = excluded.node_id,"
     " expires_at = excluded.expires_at,"
     " updated_at = excluded.updated_at"
     " RETURNING id"},
    {S_REG_DELETE, "registration delete",
     "DELETE FROM registrations WHERE device_id = ?1 AND contact = ?2"},
    {S_REG_DELETE_DEVICE, "registration delete device",
     "DELETE FROM registrations WHERE device_id = ?1"},
    /* two statements, so that one device's bindings come from the
     * (device_id, contact) index instead of a scan of all of them */
    {S_REG_LIST, "registration list",
     "SELECT " REG_COLS " FROM registrations r"
     " WHERE r.device_id = ?2 AND r.expires_at > ?1 ORDER BY r.id"},
    {S_REG_LIST_ALL, "registration list",
     "SELECT " REG_COLS " FROM registrations r"
     " WHERE r.expires_at > ?1 ORDER BY r.id"},
    {S_REG_LIST_EMPLOYEE, "registration list employee",
     "SELECT " REG_COLS " FROM registrations r"
     " JOIN devices d ON d.id = r.device_id"
     " WHERE d.employee_id = ?1 AND r.expires_at > ?2"
     " ORDER BY r.id"},
    {S_REG_PURGE, "registration purge",
     "DELETE FROM registrations WHERE expires_at <= ?1"},
    {S_REG_COUNT, "registration count",
     "SELECT count(*) FROM registrations WHERE expires_at > ?1"},
};

const struct store_sqlset store_sql_registration = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_registration, id),
    STORE_COL(SC_I64, SC_ADD, store_registration, device_id),
    STORE_COL(SC_TEXT, SC_ADD, store_registration, contact),
    STORE_COL(SC_TEXT, SC_ADD, store_registration, received),
    STORE_COL(SC_TEXT, SC_ADD, store_registration, transport),
    STORE_COL(SC_TEXT, SC_ADD, store_registration, call_id),
    STORE_COL(SC_U32, SC_ADD, store_registration, cseq),
    STORE_COL(SC_TEXT, SC_ADD, store_registration, user_agent),
    STORE_COL(SC_TEXT, SC_ADD, store_registration, instance),
    STORE_COL(SC_TEXT, SC_ADD, store_registration, path),
    STORE_COL(SC_TEXT, SC_ADD, store_registration, node_id),
    STORE_COL(SC_U64, SC_ADD, store_registration, expires_at),
    STORE_COL(SC_U64, SC_ADD, store_registration, updated_at),
};

STORE_RECORD(registration_rec, store_registration, store_registration_h, cols);

/* ENOENT if the device does not exist.  updated_at 0 means now.  The id
 * comes from RETURNING: an update of the upsert sets no last rowid. */
int store_reg_save(struct store *st, struct store_registration *r)
{
	struct db_stmt *s;
	int err;

	if (!st || !r || r->device_id <= 0 || !str_isset(r->contact))
		return EINVAL;

	if (!r->updated_at)
		r->updated_at = time_now_ms();

	err = store_stmt_get(st, S_REG_SAVE, &s);
	if (err)
		return err;

	(void)store_row_bind(&registration_rec, s, 1, SC_ADD, r);

	err = store_step_id(st, S_REG_SAVE, s, ENOENT, &r->id);

	store_stmt_put(st, S_REG_SAVE, s);

	return err;
}

/* ENOENT if there was no such binding. */
int store_reg_delete(struct store *st, int64_t device_id, const char *contact)
{
	int64_t n = 0;
	int err;

	if (!st || device_id <= 0 || !str_isset(contact))
		return EINVAL;

	err = store_run(st, S_REG_DELETE, EIO, &n, "is", device_id, contact);

	return err ? err : n ? 0 : ENOENT;
}

/* 0 also when the device had no bindings. */
int store_reg_delete_device(struct store *st, int64_t device_id)
{
	if (!st || device_id <= 0)
		return EINVAL;

	return store_run(st, S_REG_DELETE_DEVICE, EIO, NULL, "i", device_id);
}

/* A binding is alive while expires_at > now. */
int store_reg_list(struct store *st, int64_t device_id, uint64_t now,
		   store_registration_h *h, void *arg)
{
	if (!st || device_id < 0 || !h)
		return EINVAL;

	return store_row_query(st, device_id ? S_REG_LIST : S_REG_LIST_ALL,
			       &registration_rec, NULL, (store_fn *)h, arg,
			       "ui", now, device_id);
}

int store_reg_list_employee(struct store *st, int64_t employee_id, uint64_t now,
			    store_registration_h *h, void *arg)
{
	if (!st || employee_id <= 0 || !h)
		return EINVAL;

	return store_row_query(st, S_REG_LIST_EMPLOYEE, &registration_rec, NULL,
			       (store_fn *)h, arg, "iu", employee_id, now);
}

/* Bindings with expires_at <= now are gone (the complement of the lists);
 * np may be NULL. */
int store_reg_purge(struct store *st, uint64_t now, unsigned *np)
{
	int64_t n = 0;
	int err;

	if (!st)
		return EINVAL;

	err = store_run(st, S_REG_PURGE, EIO, &n, "u", now);
	if (!err && np)
		*np = (unsigned)n;

	return err;
}

int store_reg_count(struct store *st, uint64_t now, uint64_t *np)
{
	int64_t n = 0;
	int err;

	if (!st || !np)
		return EINVAL;
	err = store_run(st, S_REG_COUNT, EIO, &n, "u", now);
	*np = err ? 0 : (uint64_t)n;
	return err;
}
