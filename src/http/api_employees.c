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
 *
 * The answering service's fields (seeds/001, issue 16) follow the rules
 * of src/secretariat: the name written either way, CC, mobile for SMS,
 * substitutes without cycles.  An agent's token reads its tenant's
 * employees (the agent console) but never their e-mail or CC, which
 * serve delivery only.  /api/v1/tenants/:id/employees.csv exports and
 * imports them (secretariat/csv.c).
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "secretariat/secretariat.h"

#define T struct store_employee

static bool extension_ok(const char *s)
{
	return api_is_digits(s, 1, 6);
}

static const struct api_rule email_rule = {sec_email_ok,
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

/* A name part has no comma: the comma separates "Nachname, Vorname"
 * in "name". */
static bool name_part_ok(const char *s)
{
	return !strchr(s, ',');
}

static bool is_agent(const struct api_req *req)
{
	return req && !strcmp(req->token.role, "agent");
}

/* "name": as written, "Vorname Nachname" or "Nachname, Vorname". */
static int name_apply(struct api_req *req, const struct api_field *f, void *rec)
{
	const char *s = api_str(req, f->name);
	int err = sec_name_parse(rec, s ? s : "");

	if (err == ENAMETOOLONG)
		return api_error(req, 422,
				 "%s: first name and surname may have 63 "
				 "bytes each",
				 f->name);
	if (err)
		return api_error(req, 422,
				 "%s: write \"Vorname Nachname\" or "
				 "\"Nachname, Vorname\"",
				 f->name);
	return 0;
}

static int name_encode(struct odict *o, const struct api_field *f,
		       const void *rec, const struct api_req *req)
{
	char buf[SEC_NAME_MAX + 2];

	(void)req;
	sec_name_format(buf, sizeof(buf), rec);
	return api_add_str(o, f->name, buf);
}

/* e-mail and CC: for delivery only, never shown to an agent. */
static int private_encode(struct odict *o, const struct api_field *f,
			  const void *rec, const struct api_req *req)
{
	if (is_agent(req))
		return 0;
	return api_add_str_or_null(o, f->name, (const char *)rec + f->off);
}

static int cc_apply(struct api_req *req, const struct api_field *f, void *rec)
{
	const char *s = api_str(req, f->name);
	char bad[128] = "";
	int err;

	err = sec_cc_normalise((char *)rec + f->off, f->size, s ? s : "", bad,
			       sizeof(bad));
	if (err == EINVAL)
		return api_error(req, 422, "%s: %s is not an e-mail address",
				 f->name, bad);
	if (err)
		return api_error(req, 422, "%s: at most %d addresses", f->name,
				 SEC_CC_MAX);
	return 0;
}

/* "mobile": E.164 for SMS, normalised only when there is no doubt. */
static int mobile_apply(struct api_req *req, const struct api_field *f,
			void *rec)
{
	const char *s = api_str(req, f->name);
	char *out = (char *)rec + f->off;
	struct phone_ctx ctx;
	int err;

	out[0] = '\0';
	if (!s || !s[0])
		return 0;
	err = api_res_tenant_ctx(req, rec, &ctx);
	if (err)
		return err;
	if (sec_mobile_normalise(out, f->size, s, &ctx))
		return api_error(req, 422,
				 "%s: %s is not a mobile number; write it as "
				 "+49170123456789",
				 f->name, s);
	return 0;
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED), API_M(T, tenant_id),
     .ref = api_ref_tenant},
    {API_F("name", AK_STR, 0), .max = SEC_NAME_MAX, .apply = name_apply,
     .encode = name_encode},
    {API_F("first_name", AK_STR, 0), API_M(T, first_name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("last_name", AK_STR, 0), API_M(T, last_name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("email", AK_STR, FF_NULL), API_M(T, email), .max = 127,
     .rule = &email_rule, .encode = private_encode},
    {API_F("cc", AK_STR, FF_NULL), API_M(T, cc), .max = 255, .apply = cc_apply,
     .encode = private_encode},
    {API_F("position", AK_STR, FF_NULL), API_M(T, position), .max = 63},
    {API_F("responsibility", AK_STR, FF_NULL), API_M(T, responsibility),
     .max = 255},
    {API_F("mobile", AK_PHONE, FF_NULL), API_M(T, mobile), .max = 40,
     .apply = mobile_apply},
    {API_F("sms", AK_BOOL, 0), API_M(T, sms)},
    {API_F("substitute_id", AK_ID, FF_NULL), API_M(T, substitute_id),
     .ref = api_ref_employee},
    {API_F("extension", AK_STR, FF_NULL), API_M(T, extension), .max = 6,
     .rule = &extension_rule},
    {API_F("transfer_number", AK_PHONE, FF_NULL), API_M(T, transfer_number),
     .max = 40},
    {API_F("transfer", AK_ENUM, 0), API_M(T, transfer),
     .en = &store_names_transfer},
    {API_F("vip_sms", AK_BOOL, 0), API_M(T, vip_sms)},
    {API_F("personal_number", AK_PHONE, FF_NULL), API_M(T, personal_number),
     .max = 40},
    {API_F("show_personal_number", AK_BOOL, 0), API_M(T, show_personal_number)},
    {API_F("faults", AK_STR, FF_RO), .encode = faults_encode},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

/*
 * What depends on more than one field: a name (on create "name", or
 * "first_name" and "last_name"; not both ways at once), SMS only with a
 * mobile, a substitute that does not lead back to the employee.
 */
static int employee_check(struct api_req *req, void *rec, const void *old)
{
	T *e = rec;
	const char *f;
	int err;

	if (api_has(req, "name") &&
	    (api_has(req, "first_name") || api_has(req, "last_name")))
		return api_error(req, 422,
				 "name: give either name or first_name and "
				 "last_name");
	if (!name_part_ok(e->first_name) || !name_part_ok(e->last_name))
		return api_error(req, 422, "%s: must not contain a comma",
				 name_part_ok(e->first_name) ? "last_name"
							     : "first_name");
	if (!old && !api_has(req, "name")) {
		if (!api_has(req, "first_name"))
			return api_error(req, 400, "first_name: is required");
		if (!api_has(req, "last_name"))
			return api_error(req, 400, "last_name: is required");
	}
	f = sec_employee_conflict(e);
	if (f)
		return api_error(req, 422,
				 "%s: needs a mobile number (field mobile)", f);

	err = sec_substitute_check(req->api->st, e);
	if (err == ELOOP)
		return api_error(req, 422,
				 "substitute_id: employee %lld leads back to "
				 "this employee; substitutes must not go round "
				 "in a circle",
				 (long long)e->substitute_id);
	if (err == ENOENT || err == EXDEV)
		return api_error(req, 422, "substitute_id: employee %lld %s",
				 (long long)e->substitute_id,
				 err == ENOENT ? "does not exist"
					       : "belongs to another tenant");
	if (err)
		return api_fail(req, err, "substitute_id: %m", err);
	return 0;
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

/* ?sort=name: phone-book order (DIN 5007-2), else by id.  An agent sees
 * its own tenant's only. */
static int employee_list(struct api_req *req, const struct api_query *q,
			 void *arg)
{
	int64_t tid =
	    req->token.tenant_id ? req->token.tenant_id : q->tenant_id;
	char sort[16];
	int r;

	r = api_query_str(req, "sort", sort, sizeof(sort));
	if (r && (r < 0 || (strcmp(sort, "name") && strcmp(sort, "id"))))
		return api_error(req, 400, "sort: must be name or id");

	return sec_employee_list(
	    req->api->st, tid, r > 0 && !strcmp(sort, "name"), employee_h, arg);
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
    {"sort", AP_STR, 0, 0, 0, 0},
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
    .check = employee_check,
    .fail = employee_fail,
    .print = employee_print,
};

/* ---- /api/v1/tenants/:id/employees.csv ------------------------------- */

enum {
	CSV_BYTES_MAX = 4 << 20, /* [bytes] an imported file at most */
};

/* The tenant of the path, or a 404. */
static int csv_tenant(struct api_req *req)
{
	struct store_tenant t;
	int err;

	err = store_tenant_get(req->api->st, req->id, &t);
	if (err == ENOENT || (!err && !api_tenant_visible(req, t.id)))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "tenant: %m", err);
	return 0;
}

/* GET: the file, UTF-8 with BOM, ';', CRLF (secretariat/csv.c). */
static int employee_csv_export(struct api_req *req)
{
	struct mbuf *mb;
	int err;

	err = csv_tenant(req);
	if (err)
		return err;
	mb = mbuf_alloc(4096);
	if (!mb)
		return ENOMEM;
	err = sec_employee_export(req->api->st, req->id, mb);
	if (err) {
		err = api_fail(req, err, "employees: %m", err);
		goto out;
	}
	err = api_reply_attachment(req, API_CSV, mb, "employees-%lld.csv",
				   (long long)req->id);
out:
	mem_deref(mb);
	return err;
}

/* The 422 of a refused file: the first error as "error", all of them
 * as "errors" [{"line","column","message"}]. */
static int csv_refused(struct api_req *req, const struct sec_import *res)
{
	struct odict *o = NULL, *arr = NULL;
	char first[256];
	size_t i;
	int err;

	err = odict_alloc(&o, 4);
	err |= api_list_alloc(&arr);
	if (err)
		goto out;
	for (i = 0; i < res->errc && !err; i++) {
		const struct sec_csv_error *e = &res->errv[i];
		struct odict *x = NULL;

		err = odict_alloc(&x, 4);
		if (err)
			break;
		err |= api_add_int(x, "line", e->line);
		err |= api_add_str_or_null(x, "column", e->column);
		err |= api_add_str(x, "message", e->message);
		if (!err)
			err = api_list_append(arr, x);
		mem_deref(x);
	}
	if (res->errc) {
		const struct sec_csv_error *e = &res->errv[0];

		re_snprintf(first, sizeof(first),
			    "line %u%s%s: %s (%zu error%s%s; nothing was "
			    "imported)",
			    e->line, e->column[0] ? ", " : "", e->column,
			    e->message, res->errc, res->errc == 1 ? "" : "s",
			    res->more ? " and more" : "");
	}
	else {
		str_copy(first, "the file was refused", sizeof(first));
	}
	err |= api_add_str(o, "error", first);
	err |= odict_entry_add(o, "errors", ODICT_ARRAY, arr);
	if (!err)
		err = api_reply_object(req, 422, o);
out:
	mem_deref(arr);
	mem_deref(o);
	return err;
}

/* POST: the file as the body; all rows or none. */
static int employee_csv_import(struct api_req *req)
{
	const struct http_msg *msg = req->msg;
	struct sec_import res;
	struct odict *o = NULL;
	uint64_t clen;
	int err;

	memset(&res, 0, sizeof(res));
	err = csv_tenant(req);
	if (err)
		return err;
	clen = api_content_length(msg);
	if (clen > CSV_BYTES_MAX || mbuf_get_left(msg->mb) < clen)
		return api_error(
		    req, 413, "file: %llu bytes is more than %u bytes",
		    (unsigned long long)clen, (unsigned)CSV_BYTES_MAX);
	if (!mbuf_get_left(msg->mb))
		return api_error(req, 422, "file: empty (0 bytes)");

	err = sec_employee_import(req->api->st, req->id, mbuf_buf(msg->mb),
				  mbuf_get_left(msg->mb), &res);
	if (err == EPROTO) {
		err = csv_refused(req, &res);
		goto out;
	}
	if (err) {
		err = api_fail(req, err, "employees: %m", err);
		goto out;
	}
	err = odict_alloc(&o, 4);
	if (!err) {
		err |= api_add_int(o, "created", res.created);
		err |= api_add_int(o, "updated", res.updated);
	}
	if (!err)
		err = api_reply_object(req, 200, o);
	info("http: tenant %lld: employees imported by %s: %u created, "
	     "%u updated\n",
	     (long long)req->id, req->token.name, res.created, res.updated);
out:
	mem_deref(o);
	sec_import_reset(&res);
	return err;
}

static const struct api_action csv_actions[] = {
    {"GET", "/:id/employees.csv", employee_csv_export},
};

static const struct api_action csv_raw_actions[] = {
    {"POST", "/:id/employees.csv", employee_csv_import},
};

const struct api_resource api_employees_csv = {
    .path = "/api/v1/tenants",
    .noun = "tenant",
    .label = "employees csv",
    .actionv = csv_actions,
    .actionc = ARRAY_SIZE(csv_actions),
    .raw_actionv = csv_raw_actions,
    .raw_actionc = ARRAY_SIZE(csv_raw_actions),
    .raw_max = CSV_BYTES_MAX,
};
