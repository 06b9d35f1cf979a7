/*
 * api_devices.c - /api/v1/devices: SIP credentials of desk phones and
 * softclients, optionally assigned to an employee.
 *
 * The password is write-only.  Only ha1 = MD5("username:realm:password")
 * in lower-case hex is stored, which is all digest authentication needs;
 * neither the password nor ha1 is ever returned or logged.  Because ha1
 * contains the username, renaming a device needs its password again.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

#define T struct store_device

enum {
	PASSWORD_MIN = 8,
	PASSWORD_MAX = 128,
	USERNAME_MAX = 32,
};

static bool password_ok(const char *s)
{
	return str_utf8_chars(s) >= PASSWORD_MIN;
}

static bool username_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return n >= 1 && n <= USERNAME_MAX;
}

static const struct api_rule username_rule = {
    username_ok, "must be 1 to 32 of A-Z a-z 0-9 . _ -"};
static const struct api_rule password_rule = {password_ok,
					      "must be at least 8 characters"};

/* The username by its rule; a new one needs the password too (ha1). */
static int username_apply(struct api_req *req, const struct api_field *f,
			  void *rec)
{
	const T *d = rec;
	bool renamed = strcmp(api_str(req, f->name), d->username) != 0;
	int err;

	err = api_field_apply(req, f, rec);
	if (err)
		return err;
	if (renamed && !req->create && !api_has(req, "password"))
		return api_error(req, 422,
				 "password: is required to change the "
				 "username");
	return 0;
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED | FF_EARLY),
     API_M(T, tenant_id), .ref = api_ref_tenant},
    {API_F("employee_id", AK_ID, FF_NULL), API_M(T, employee_id),
     .ref = api_ref_employee},
    {API_F("username", AK_STR, FF_REQUIRED | FF_EARLY), API_M(T, username),
     .max = USERNAME_MAX, .rule = &username_rule, .apply = username_apply},
    {API_F("password", AK_STR, FF_REQUIRED | FF_EARLY | FF_WO),
     .max = PASSWORD_MAX, .rule = &password_rule},
    {API_F("name", AK_STR, FF_NULL), API_M(T, name), .max = 63},
    {API_F("srtp", AK_ENUM, 0), API_M(T, srtp), .max = 11,
     .en = &store_names_srtp},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

/* d->ha1 = hex MD5(username:realm:password), for a new password. */
static int device_check(struct api_req *req, void *rec, const void *old)
{
	const char *pw = api_str(req, "password");
	uint8_t md[MD5_SIZE];
	T *d = rec;
	int err;

	if (!pw)
		return 0;
	err = md5_printf(md, "%s:%s:%s", d->username, req->api->cfg->realm, pw);
	if (err)
		return err;
	re_snprintf(d->ha1, sizeof(d->ha1), "%w", md, sizeof(md));
	return 0;
}

static int device_fail(struct api_req *req, int err, const void *rec)
{
	const T *d = rec;

	switch (err) {
	case EEXIST:
		return api_fail(req, err, "username: %s is taken", d->username);
	case EXDEV:
		return api_fail(req, err,
				"employee_id: employee %lld belongs to "
				"another tenant",
				(long long)d->employee_id);
	case ENOENT:
		return api_fail(req, err,
				"employee_id: employee %lld does not exist",
				(long long)d->employee_id);
	default:
		return api_fail(req, err, "device: %m", err);
	}
}

static void device_after(struct api_req *req, enum api_op op, const void *rec,
			 const void *old)
{
	const T *d = rec;

	if (op == API_UPDATE && api_has(req, "password"))
		info("http: device %lld: password changed\n", (long long)d->id);
}

API_STORE_GET(device_get, store_device_get)

API_STORE_ADD(device_add, store_device_add)

API_STORE_UPDATE(device_update, store_device_update)

API_LIST_H(device_h, T)

static int device_list(struct api_req *req, const struct api_query *q,
		       void *arg)
{
	return store_device_list(req->api->st, q->tenant_id, q->employee_id,
				 device_h, arg);
}

static int device_print(struct re_printf *pf, void *rec)
{
	const T *d = rec;

	return re_hprintf(pf, "%s", d->username);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
    {"employee_id", AP_ID, offsetof(struct api_query, employee_id), 0, 0, 0},
};

const struct api_resource api_devices = {
    .path = "/api/v1/devices",
    .noun = "device",
    .label = "device",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = device_get,
    .add = device_add,
    .update = device_update,
    .del = store_device_delete,
    .list = device_list,
    .check = device_check,
    .fail = device_fail,
    .after = device_after,
    .print = device_print,
};
