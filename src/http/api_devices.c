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

enum {
	PASSWORD_MIN = 8,
	PASSWORD_MAX = 128,
	USERNAME_MAX = 32,
};

static const struct api_field fields[] = {
    {"id", FT_INT, FF_RO, 0},
    {"tenant_id", FT_INT, FF_REQUIRED | FF_FIXED, 0},
    {"employee_id", FT_INT, FF_NULL, 0},
    {"username", FT_STR, FF_REQUIRED, USERNAME_MAX},
    {"password", FT_STR, FF_REQUIRED, PASSWORD_MAX},
    {"name", FT_STR, FF_NULL, 63},
    {"srtp", FT_STR, 0, 11},
    {"created_at", FT_STR, FF_RO, 0},
};

static int device_encode(struct odict **op, const struct store_device *d)
{
	struct odict *o;
	int err;

	err = odict_alloc(&o, 8);
	if (err)
		return err;
	err |= api_add_int(o, "id", d->id);
	err |= api_add_int(o, "tenant_id", d->tenant_id);
	err |= api_add_id(o, "employee_id", d->employee_id);
	err |= api_add_str(o, "username", d->username);
	err |= api_add_str_or_null(o, "name", d->name);
	err |= api_add_str(o, "srtp", store_srtp_name(d->srtp));
	err |= api_add_time(o, "created_at", d->created_at);
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

static int reply_device(struct api_req *req, uint16_t status,
			const struct store_device *d)
{
	struct odict *o = NULL;
	int err = device_encode(&o, d);

	return api_reply_encoded(req, status, err, o, d->id);
}

/* Characters (code points) of a UTF-8 string. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			++n;
	}
	return n;
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

/* d->ha1 = hex MD5(username:realm:password) */
static int ha1_set(struct store_device *d, const char *realm,
		   const char *password)
{
	uint8_t md[MD5_SIZE];
	int err;

	err = md5_printf(md, "%s:%s:%s", d->username, realm, password);
	if (err)
		return err;
	re_snprintf(d->ha1, sizeof(d->ha1), "%w", md, sizeof(md));
	return 0;
}

/* Validate the given fields and copy them into d (ha1 included). */
static int device_apply(struct api_req *req, struct store_device *d,
			bool create)
{
	const char *user = api_str(req, "username");
	const char *pw = api_str(req, "password");
	const char *srtp = api_str(req, "srtp");
	struct store_employee e;
	int64_t eid;
	int err;

	if (user) {
		if (!username_ok(user))
			return api_error(req, 422,
					 "username: must be 1 to %d of "
					 "A-Z a-z 0-9 . _ -",
					 USERNAME_MAX);
		if (!create && strcmp(user, d->username) && !pw)
			return api_error(req, 422,
					 "password: is required to change "
					 "the username");
		str_copy(d->username, user, sizeof(d->username));
	}

	if (pw && utf8_chars(pw) < PASSWORD_MIN)
		return api_error(req, 422,
				 "password: must be at least %d characters",
				 PASSWORD_MIN);

	if (api_has(req, "employee_id")) {
		err = api_field_id(req, "employee_id", &eid);
		if (err)
			return err;
		if (eid) {
			err = api_employee_ref(req, "employee_id", eid,
					       d->tenant_id, &e);
			if (err)
				return err;
		}
		d->employee_id = eid;
	}

	api_str_copy(req, "name", d->name, sizeof(d->name));

	if (srtp) {
		if (store_srtp_parse(srtp, &d->srtp))
			return api_error(req, 422,
					 "srtp: must be auto, off, optional "
					 "or required");
	}

	if (pw) {
		err = ha1_set(d, req->api->cfg->realm, pw);
		if (err)
			return err;
	}
	return 0;
}

static int device_error(struct api_req *req, int err,
			const struct store_device *d)
{
	if (err == EEXIST)
		return api_fail(req, err, "username: %s is taken", d->username);
	if (err == EXDEV)
		return api_fail(req, err,
				"employee_id: employee %lld belongs to "
				"another tenant",
				(long long)d->employee_id);
	if (err == ENOENT)
		return api_fail(req, err,
				"employee_id: employee %lld does not exist",
				(long long)d->employee_id);
	return api_fail(req, err, "device: %m", err);
}

int api_device_create(struct api_req *req)
{
	struct store *st = req->api->st;
	struct store_device d;
	struct store_tenant t;
	int64_t tid;
	int err;

	err = api_body_check(req, fields, ARRAY_SIZE(fields), true);
	if (err)
		return err;
	err = api_field_id(req, "tenant_id", &tid);
	if (err)
		return err;
	err = api_tenant_ref(req, "tenant_id", tid, &t);
	if (err)
		return err;

	memset(&d, 0, sizeof(d));
	d.tenant_id = tid;
	err = device_apply(req, &d, true);
	if (err)
		return err;

	err = store_device_add(st, &d);
	if (err)
		return device_error(req, err, &d);
	info("http: device %lld created (%s)\n", (long long)d.id, d.username);

	(void)store_device_get(st, d.id, &d);
	return reply_device(req, 201, &d);
}

static int list_h(const struct store_device *d, void *arg)
{
	struct odict *o = NULL;
	int err = device_encode(&o, d);

	return api_list_add(arg, err, o);
}

int api_device_list(struct api_req *req)
{
	static const char *const params[] = {"tenant_id", "employee_id", NULL};
	struct odict *arr = NULL;
	int64_t tid, eid;
	int err;

	err = api_query_check(req, params);
	if (err)
		return err;
	err = api_query_id(req, "tenant_id", &tid);
	if (err)
		return err;
	err = api_query_id(req, "employee_id", &eid);
	if (err)
		return err;
	err = api_list_alloc(&arr);
	if (err)
		return err;
	err = store_device_list(req->api->st, tid, eid, list_h, arr);
	return api_list_done(req, err, arr, "devices");
}

int api_device_get(struct api_req *req)
{
	struct store_device d;
	int err;

	err = store_device_get(req->api->st, req->id, &d);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "device: %m", err);
	return reply_device(req, 200, &d);
}

int api_device_update(struct api_req *req)
{
	struct store *st = req->api->st;
	struct store_device d;
	int err;

	err = store_device_get(st, req->id, &d);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "device: %m", err);

	err = api_body_check(req, fields, ARRAY_SIZE(fields), false);
	if (err)
		return err;
	err = device_apply(req, &d, false);
	if (err)
		return err;

	err = store_device_update(st, &d);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return device_error(req, err, &d);
	if (api_has(req, "password"))
		info("http: device %lld: password changed\n", (long long)d.id);

	(void)store_device_get(st, d.id, &d);
	return reply_device(req, 200, &d);
}

int api_device_delete(struct api_req *req)
{
	int err;

	err = store_device_delete(req->api->st, req->id);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "device: %m", err);
	info("http: device %lld deleted\n", (long long)req->id);
	return api_reply_no_content(req);
}
