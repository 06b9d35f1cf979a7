/*
 * sqlite_device.c - devices in the SQLite store: the SIP credentials of a
 * phone or softclient (username unique over all tenants, digest HA1, never
 * the password) and the media encryption it gets.
 *
 * The registrar looks a device up by username on every REGISTER and
 * INVITE, so that lookup is one cached statement on a unique index.  A
 * device may be assigned to an employee of its own tenant; its
 * registrations go with it.
 */
#include "core/core.h"
#include "store/sqlite_int.h"

#define DEV_SELECT                                                             \
	"SELECT id, tenant_id, COALESCE(employee_id, 0), username, ha1,"       \
	" name, created_at, srtp FROM devices"

static const struct store_sql sql[] = {
    {S_DEV_TENANT, "device tenant",
     "SELECT tenant_id FROM devices WHERE id = ?1"},
    {S_DEV_ADD, "device add",
     "INSERT INTO devices (tenant_id, employee_id, username, ha1,"
     " name, created_at, srtp) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING "
     "id"},
    {S_DEV_GET, "device get", DEV_SELECT " WHERE id = ?1"},
    {S_DEV_BY_USERNAME, "device by username",
     DEV_SELECT " WHERE username = ?1"},
    {S_DEV_UPDATE, "device update",
     "UPDATE devices SET employee_id = ?2, username = ?3,"
     " ha1 = ?4, name = ?5, srtp = ?6 WHERE id = ?1"},
    {S_DEV_DELETE, "device delete", "DELETE FROM devices WHERE id = ?1"},
    {S_DEV_LIST, "device list",
     DEV_SELECT " WHERE (?1 = 0 OR tenant_id = ?1)"
		" AND (?2 = 0 OR employee_id = ?2) ORDER BY id"},
};

const struct store_sqlset store_sql_device = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_device, id),
    STORE_COL(SC_I64, SC_ADD, store_device, tenant_id),
    STORE_COL(SC_REF, SC_ADD | SC_UPD, store_device, employee_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_device, username),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_device, ha1),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_device, name),
    STORE_COL(SC_U64, SC_ADD, store_device, created_at),
    STORE_ENUM(SC_ADD | SC_UPD, store_device, srtp, &store_names_srtp),
};

STORE_RECORD(device_rec, store_device, store_device_h, cols);

/* 32 hex digits into out (lower case); false if it is no MD5 in hex. */
static bool ha1_norm(char out[33], const char *ha1)
{
	size_t i;

	for (i = 0; i < 32; i++) {
		char c = ha1[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		out[i] = c;
	}
	out[32] = '\0';

	return ha1[32] == '\0';
}

/*
 * d as it is stored, in *v: ha1 in lower case.  False if d is no valid
 * device: no username, no MD5 in hex as ha1, an srtp outside the enum or
 * a negative employee id.
 */
static bool device_norm(struct store_device *v, const struct store_device *d)
{
	if (!d || d->employee_id < 0 || !str_isset(d->username) ||
	    !store_names_has(&store_names_srtp, (int)d->srtp))
		return false;

	*v = *d;

	return ha1_norm(v->ha1, d->ha1);
}

/* The employee of a device must exist (ENOENT) and share its tenant. */
static int device_employee_check(struct store *st, int64_t employee_id,
				 int64_t tenant_id)
{
	int64_t etenant;
	int err;

	if (!employee_id)
		return 0;

	err = store_tenant_of(st, S_EMP_TENANT, employee_id, &etenant);
	if (err)
		return err;

	return etenant == tenant_id ? 0 : EXDEV;
}

int store_device_add(struct store *st, struct store_device *d)
{
	struct store_device v;
	int64_t tid;
	int err;

	if (!st || !device_norm(&v, d) || d->tenant_id <= 0)
		return EINVAL;

	err = store_tenant_of(st, S_TENANT_EXISTS, v.tenant_id, &tid);
	if (err)
		return err;

	err = device_employee_check(st, v.employee_id, v.tenant_id);
	if (err)
		return err;

	if (!v.created_at)
		v.created_at = time_now_ms();

	err = store_row_add(st, S_DEV_ADD, &device_rec, &v);
	if (!err)
		*d = v;

	return err;
}

int store_device_get(struct store *st, int64_t id, struct store_device *d)
{
	return store_row_get(st, S_DEV_GET, id, &device_rec, d);
}

/* The registrar's lookup for every REGISTER and INVITE. */
int store_device_by_username(struct store *st, const char *username,
			     struct store_device *d)
{
	return store_row_find(st, S_DEV_BY_USERNAME, username, &device_rec, d);
}

/*
 * Employee, username, ha1, name and srtp change; tenant_id is fixed (EXDEV
 * if set and different).  Registrations stay with the device.
 */
int store_device_update(struct store *st, const struct store_device *d)
{
	struct store_device v;
	int64_t tenant_id;
	int err;

	if (!st || !device_norm(&v, d) || d->id <= 0)
		return EINVAL;

	err = store_tenant_of(st, S_DEV_TENANT, v.id, &tenant_id);
	if (err)
		return err;
	if (v.tenant_id && v.tenant_id != tenant_id)
		return EXDEV;

	err = device_employee_check(st, v.employee_id, tenant_id);
	if (err)
		return err;

	return store_row_update(st, S_DEV_UPDATE, &device_rec, &v);
}

/* Its registrations go with it (ON DELETE CASCADE). */
int store_device_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_COUNT, S_DEV_DELETE, id);
}

int store_device_list(struct store *st, int64_t tenant_id, int64_t employee_id,
		      store_device_h *h, void *arg)
{
	if (!st || tenant_id < 0 || employee_id < 0 || !h)
		return EINVAL;

	return store_row_query(st, S_DEV_LIST, &device_rec, NULL, (store_fn *)h,
			       arg, "ii", tenant_id, employee_id);
}
