/*
 * api_employees.c - /api/v1/employees: the people of a tenant.
 *
 * An employee who should telephone needs a personal number (seeds/003): a
 * number of the tenant's block, active, fixed to this one employee and
 * always routed to them.  Without one the employee shows the fault
 * "no_personal_number".  Setting "personal_number" goes through
 * store_employee_set_personal(), which enforces the rules; its refusals
 * are turned into messages that say which rule was broken.  So the store
 * operations here are the generic ones plus that call: a create whose
 * personal number is refused creates nothing, an update sets the number
 * first (it is what the rules refuse) and undoes it if the rest fails.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

#define T struct store_employee

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

static bool extension_ok(const char *s)
{
	return api_is_digits(s, 1, 6);
}

static const struct api_rule email_rule = {email_ok,
					   "%s is not an e-mail address"};
static const struct api_rule extension_rule = {extension_ok,
					       "must be 1 to 6 digits"};

/* "faults": what keeps the employee from telephoning. */
static int faults_encode(struct odict *o, const struct api_field *f,
			 const void *rec, const struct api_req *req)
{
	const T *e = rec;
	struct odict *faults = NULL;
	int err;

	err = odict_alloc(&faults, 4);
	if (err)
		return err;
	if (!e->personal_number[0])
		err |= odict_entry_add(faults, "0", ODICT_STRING,
				       "no_personal_number");
	err |= odict_entry_add(o, f->name, ODICT_ARRAY, faults);
	mem_deref(faults);
	return err;
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED), API_M(T, tenant_id),
     .ref = api_ref_tenant},
    {API_F("first_name", AK_STR, FF_REQUIRED), API_M(T, first_name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("last_name", AK_STR, FF_REQUIRED), API_M(T, last_name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("email", AK_STR, FF_NULL), API_M(T, email), .max = 127,
     .rule = &email_rule},
    {API_F("extension", AK_STR, FF_NULL), API_M(T, extension), .max = 6,
     .rule = &extension_rule},
    {API_F("personal_number", AK_PHONE, FF_NULL), API_M(T, personal_number),
     .max = 40},
    {API_F("show_personal_number", AK_BOOL, 0), API_M(T, show_personal_number)},
    {API_F("faults", AK_STR, FF_RO), .encode = faults_encode},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

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
static int employee_fail(struct api_req *req, int err, const void *rec)
{
	const T *e = rec;
	struct store_mailbox mb;

	if (err == EEXIST && e->extension[0])
		return api_fail(req, err,
				"extension: %s is taken by another employee "
				"of the tenant",
				e->extension);
	if (err == EXDEV || err == ENOENT)
		return api_fail(req, err, "tenant_id: tenant %lld: %m",
				(long long)e->tenant_id, err);
	if (err == EBUSY &&
	    !store_mailbox_by_employee(req->api->st, e->id, &mb))
		return api_fail(req, err,
				"employee %lld has mailbox %lld; delete the "
				"mailbox first",
				(long long)e->id, (long long)mb.id);
	if (err == EBUSY) /* delete: a schedule, menu or ring group has it */
		return api_target_in_use(req, err, TARGET_EMPLOYEE, e->id,
					 "employee");
	return api_fail(req, err, "employee: %m", err);
}

API_STORE_GET(employee_get, store_employee_get)

/* Add e, then give it its personal number; nothing is created when the
 * number is refused. */
static int employee_add(struct api_req *req, void *rec)
{
	struct store *st = req->api->st;
	T *e = rec;
	char pn[sizeof(e->personal_number)];
	int err;

	str_copy(pn, e->personal_number, sizeof(pn));
	err = store_employee_add(st, e);
	if (err || !pn[0])
		return err;
	err = store_employee_set_personal(st, e->id, pn);
	if (err) {
		(void)store_employee_delete(st, e->id);
		return personal_error(req, err, e->id, pn);
	}
	str_copy(e->personal_number, pn, sizeof(e->personal_number));
	return 0;
}

static int employee_update(struct api_req *req, void *rec, const void *old)
{
	struct store *st = req->api->st;
	const T *o = old;
	T *e = rec;
	bool personal = strcmp(e->personal_number, o->personal_number) != 0;
	int err;

	if (personal) {
		err =
		    store_employee_set_personal(st, e->id, e->personal_number);
		if (err)
			return personal_error(req, err, e->id,
					      e->personal_number);
	}
	err = store_employee_update(st, e);
	if (err) {
		/* undo the personal number so that nothing changed */
		if (personal)
			(void)store_employee_set_personal(st, e->id,
							  o->personal_number);
		return err;
	}
	if (personal)
		info("http: employee %lld: personal number %s -> %s\n",
		     (long long)e->id,
		     o->personal_number[0] ? o->personal_number : "none",
		     e->personal_number[0] ? e->personal_number : "none");
	return 0;
}

API_LIST_H(employee_h, T)

static int employee_list(struct api_req *req, const struct api_query *q,
			 void *arg)
{
	return store_employee_list(req->api->st, q->tenant_id, employee_h, arg);
}

static int employee_print(struct re_printf *pf, void *rec)
{
	const T *e = rec;

	return re_hprintf(pf, "tenant %lld, personal number %s",
			  (long long)e->tenant_id,
			  e->personal_number[0] ? e->personal_number : "none");
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

const struct api_resource api_employees = {
    .path = "/api/v1/employees",
    .noun = "employee",
    .label = "employee",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = employee_get,
    .add = employee_add,
    .update = employee_update,
    .del = store_employee_delete,
    .list = employee_list,
    .fail = employee_fail,
    .print = employee_print,
};
