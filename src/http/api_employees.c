/*
 * api_employees.c - /api/v1/employees: the people of a tenant.
 *
 * An employee who should telephone needs a personal number (seeds/003): a
 * number of the tenant's block, active, fixed to this one employee and
 * always routed to them.  Without one the employee shows the fault
 * "no_personal_number".  Setting "personal_number" goes through
 * store_employee_set_personal(), which enforces the rules; its refusals
 * are turned into messages that say which rule was broken.  A create whose
 * personal number is refused creates nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

static const struct api_field fields[] = {
    {"id", FT_INT, FF_RO, 0},
    {"tenant_id", FT_INT, FF_REQUIRED | FF_FIXED, 0},
    {"first_name", FT_STR, FF_REQUIRED, 63},
    {"last_name", FT_STR, FF_REQUIRED, 63},
    {"email", FT_STR, FF_NULL, 127},
    {"extension", FT_STR, FF_NULL, 6},
    {"personal_number", FT_STR, FF_NULL, 40},
    {"show_personal_number", FT_BOOL, 0, 0},
    {"faults", FT_STR, FF_RO, 0},
    {"created_at", FT_STR, FF_RO, 0},
};

static int employee_encode(struct odict **op, const struct store_employee *e)
{
	struct odict *o = NULL, *faults = NULL;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err = odict_alloc(&faults, 4);
	if (err)
		goto out;
	if (!e->personal_number[0])
		err |= odict_entry_add(faults, "0", ODICT_STRING,
				       "no_personal_number");

	err |= api_add_int(o, "id", e->id);
	err |= api_add_int(o, "tenant_id", e->tenant_id);
	err |= api_add_str(o, "first_name", e->first_name);
	err |= api_add_str(o, "last_name", e->last_name);
	err |= api_add_str_or_null(o, "email", e->email);
	err |= api_add_str_or_null(o, "extension", e->extension);
	err |= api_add_str_or_null(o, "personal_number", e->personal_number);
	err |= api_add_bool(o, "show_personal_number", e->show_personal_number);
	err |= odict_entry_add(o, "faults", ODICT_ARRAY, faults);
	err |= api_add_time(o, "created_at", e->created_at);
out:
	mem_deref(faults);
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

static int reply_employee(struct api_req *req, uint16_t status,
			  const struct store_employee *e)
{
	struct odict *o = NULL;
	int err = employee_encode(&o, e);

	return api_reply_encoded(req, status, err, o, e->id);
}

/* local@domain.tld: no spaces, one '@', a dot inside the domain. */
static bool email_ok(const char *s)
{
	const char *at = strchr(s, '@'), *dot;
	const char *p;

	if (!at || at == s || strchr(at + 1, '@'))
		return false;
	for (p = s; *p; p++) {
		if (isspace((unsigned char)*p) || strchr("<>()[],;:\"\\", *p))
			return false;
	}
	dot = strrchr(at + 1, '.');
	return dot && dot > at + 1 && dot[1] && !strstr(at, "..") &&
	       at[1] != '.';
}

/* Validate the plain fields and copy them into e. */
static int employee_apply(struct api_req *req, struct store_employee *e)
{
	const char *s;

	s = api_str(req, "first_name");
	if (s && !s[0])
		return api_error(req, 422, "first_name: must not be empty");
	api_str_copy(req, "first_name", e->first_name, sizeof(e->first_name));

	s = api_str(req, "last_name");
	if (s && !s[0])
		return api_error(req, 422, "last_name: must not be empty");
	api_str_copy(req, "last_name", e->last_name, sizeof(e->last_name));

	s = api_str(req, "email");
	if (s && s[0] && !email_ok(s))
		return api_error(req, 422, "email: %s is not an e-mail address",
				 s);
	api_str_copy(req, "email", e->email, sizeof(e->email));

	s = api_str(req, "extension");
	if (s && s[0] && !api_is_digits(s, 1, 6))
		return api_error(req, 422, "extension: must be 1 to 6 digits");
	api_str_copy(req, "extension", e->extension, sizeof(e->extension));

	e->show_personal_number =
	    api_bool(req, "show_personal_number", e->show_personal_number);
	return 0;
}

/*
 * The personal number the body asks for, normalised in the tenant's
 * dialling context: *changep false if the field is absent, pn "" for
 * "remove it" (null or "").
 */
static int personal_wanted(struct api_req *req, const struct store_tenant *t,
			   char *pn, size_t sz, bool *changep)
{
	struct phone_ctx ctx;
	const char *s;

	*changep = api_has(req, "personal_number");
	pn[0] = '\0';
	if (!*changep)
		return 0;
	s = api_str(req, "personal_number");
	if (!s || !s[0])
		return 0;
	api_tenant_ctx(t, &ctx);
	return api_field_phone(req, "personal_number", s, &ctx, pn, sz);
}

/* Explain why store_employee_set_personal(id, pn) refused. */
static int personal_error(struct api_req *req, int err, int64_t id,
			  const char *pn)
{
	static const char *kinds[] = {"nothing", "employee", "announcement"};
	struct store_number n;

	switch (err) {
	case ENOENT:
		return api_fail(req, err,
				"personal_number: %s does not exist;"
				" create it under /api/v1/numbers first",
				pn);
	case EXDEV:
		return api_fail(req, err,
				"personal_number: %s belongs to another tenant",
				pn);
	case EACCES:
		return api_fail(req, err,
				"personal_number: %s is inactive; activate it "
				"first",
				pn);
	case EBUSY:
		if (store_number_by_e164(req->api->st, pn, &n))
			return api_fail(req, err,
					"personal_number: %s is in use", pn);
		if (n.personal && n.target_type == TARGET_EMPLOYEE &&
		    n.target_id != id)
			return api_fail(req, err,
					"personal_number: %s is taken by "
					"another employee (employee %lld)",
					pn, (long long)n.target_id);
		return api_fail(req, err,
				"personal_number: %s is routed to another "
				"target (%s %lld); set its target to none "
				"first",
				pn,
				(unsigned)n.target_type < ARRAY_SIZE(kinds)
				    ? kinds[n.target_type]
				    : "target",
				(long long)n.target_id);
	default:
		return api_fail(req, err, "personal_number: %s: %m", pn, err);
	}
}

/* Explain why the store refused to add or update employee e. */
static int employee_error(struct api_req *req, int err,
			  const struct store_employee *e)
{
	if (err == EEXIST && e->extension[0])
		return api_fail(req, err,
				"extension: %s is taken by another employee "
				"of the tenant",
				e->extension);
	if (err == EXDEV || err == ENOENT)
		return api_fail(req, err, "tenant_id: tenant %lld: %m",
				(long long)e->tenant_id, err);
	return api_fail(req, err, "employee: %m", err);
}

int api_employee_create(struct api_req *req)
{
	struct store *st = req->api->st;
	struct store_employee e;
	struct store_tenant t;
	char pn[24];
	bool personal;
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

	memset(&e, 0, sizeof(e));
	e.tenant_id = tid;
	err = employee_apply(req, &e);
	if (err)
		return err;
	err = personal_wanted(req, &t, pn, sizeof(pn), &personal);
	if (err)
		return err;

	err = store_employee_add(st, &e);
	if (err)
		return employee_error(req, err, &e);

	if (pn[0]) {
		err = store_employee_set_personal(st, e.id, pn);
		if (err) {
			/* nothing is created when the number is refused */
			(void)store_employee_delete(st, e.id);
			return personal_error(req, err, e.id, pn);
		}
	}
	info("http: employee %lld created (tenant %lld, personal number "
	     "%s)\n",
	     (long long)e.id, (long long)tid, pn[0] ? pn : "none");

	(void)store_employee_get(st, e.id, &e);
	return reply_employee(req, 201, &e);
}

static int list_h(const struct store_employee *e, void *arg)
{
	struct odict *o = NULL;
	int err = employee_encode(&o, e);

	return api_list_add(arg, err, o);
}

int api_employee_list(struct api_req *req)
{
	static const char *const params[] = {"tenant_id", NULL};
	struct odict *arr = NULL;
	int64_t tid;
	int err;

	err = api_query_check(req, params);
	if (err)
		return err;
	err = api_query_id(req, "tenant_id", &tid);
	if (err)
		return err;
	err = api_list_alloc(&arr);
	if (err)
		return err;
	err = store_employee_list(req->api->st, tid, list_h, arr);
	return api_list_done(req, err, arr, "employees");
}

int api_employee_get(struct api_req *req)
{
	struct store_employee e;
	int err;

	err = store_employee_get(req->api->st, req->id, &e);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "employee: %m", err);
	return reply_employee(req, 200, &e);
}

int api_employee_update(struct api_req *req)
{
	struct store *st = req->api->st;
	struct store_employee old, e;
	struct store_tenant t;
	char pn[24];
	bool personal;
	int err;

	err = store_employee_get(st, req->id, &old);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "employee: %m", err);

	err = api_body_check(req, fields, ARRAY_SIZE(fields), false);
	if (err)
		return err;
	e = old;
	err = employee_apply(req, &e);
	if (err)
		return err;
	err = store_tenant_get(st, e.tenant_id, &t);
	if (err)
		return api_fail(req, err, "tenant_id: tenant %lld: %m",
				(long long)e.tenant_id, err);
	err = personal_wanted(req, &t, pn, sizeof(pn), &personal);
	if (err)
		return err;
	if (personal && !strcmp(pn, old.personal_number))
		personal = false;

	/* The personal number first: it is what the rules refuse. */
	if (personal) {
		err = store_employee_set_personal(st, e.id, pn);
		if (err)
			return personal_error(req, err, e.id, pn);
		str_copy(e.personal_number, pn, sizeof(e.personal_number));
	}

	err = store_employee_update(st, &e);
	if (err) {
		/* undo the personal number so that nothing changed */
		if (personal)
			(void)store_employee_set_personal(st, e.id,
							  old.personal_number);
		if (err == ENOENT)
			return api_not_found(req);
		return employee_error(req, err, &e);
	}
	if (personal)
		info("http: employee %lld: personal number %s -> %s\n",
		     (long long)e.id,
		     old.personal_number[0] ? old.personal_number : "none",
		     pn[0] ? pn : "none");

	(void)store_employee_get(st, e.id, &e);
	return reply_employee(req, 200, &e);
}

int api_employee_delete(struct api_req *req)
{
	int err;

	err = store_employee_delete(req->api->st, req->id);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "employee: %m", err);
	info("http: employee %lld deleted\n", (long long)req->id);
	return api_reply_no_content(req);
}

int api_employee_ref(struct api_req *req, const char *key, int64_t id,
		     int64_t tenant_id, struct store_employee *e)
{
	int err;

	err = store_employee_get(req->api->st, id, e);
	if (err == ENOENT)
		return api_error(req, 422, "%s: employee %lld does not exist",
				 key, (long long)id);
	if (err)
		return api_fail(req, err, "%s: %m", key, err);
	if (e->tenant_id != tenant_id)
		return api_error(req, 422,
				 "%s: employee %lld belongs to another tenant",
				 key, (long long)id);
	return 0;
}
