/*
 * api_availability.c - what an agent may tell a caller about an employee
 * (seeds/001): the permanent absence info, the appointments that replace
 * it while they run, and the answer "what does the agent see now / at T"
 * (secretariat/availability.c decides).
 *
 *   GET      /api/v1/employees/:id/absence_info
 *   PUT|PATCH /api/v1/employees/:id/absence_info {"text": "..." | null}
 *   GET      /api/v1/employees/:id/availability[?at=ISO]
 *   /api/v1/appointments  CRUD {"employee_id": 3,
 *        "starts_at": "2026-10-01T00:00:00+02:00",
 *        "ends_at": "2026-10-18T00:00:00+02:00",
 *        "text": "01.10.-17.10. im Urlaub - Rückrufe ab dem 18.10."}
 *
 * Times are ISO-8601 with an offset or Z and are stored in UTC;
 * starts_at is inclusive, ends_at exclusive and after starts_at.
 * Appointments of one employee may overlap (the one that started last
 * shows).  Roles (roles.c): operator and client_admin write; an agent
 * of the tenant reads; a subaccount reads and keeps its own employee's
 * (another tenant's employee or appointment is a 404, and another
 * employee's to a subaccount).  No answer here carries
 * an employee's e-mail address.
 */
#include <errno.h>
#include <string.h>
#include "secretariat/secretariat.h"
#include "http/http_int.h"

#define T struct store_appointment

/* ---- ISO times in bodies (shared with api_oncall.c) --------------------- */

int api_time_apply(struct api_req *req, const struct api_field *f, void *rec)
{
	const char *s = api_str(req, f->name);
	uint64_t ms = 0;

	if (!s || time_iso_parse(s, &ms))
		return api_error(req, 422,
				 "%s: must be an ISO-8601 time like "
				 "2026-12-07T10:00:00Z",
				 f->name);
	memcpy((uint8_t *)rec + f->off, &ms, sizeof(ms));
	return 0;
}

int api_at_param(struct api_req *req, uint64_t *atp)
{
	static const struct api_param params[] = {
	    {"at", AP_TIME, offsetof(struct api_query, since), 0, 0, 0},
	};
	struct api_query q;
	int err;

	err = api_query_read(req, params, ARRAY_SIZE(params), &q);
	if (err)
		return err;
	*atp = q.since ? q.since : req->now;
	return 0;
}

/* The employee of the path's :id into *e, scoped to the token's tenant:
 * 0, or an errno after the reply (404). */
static int employee_load(struct api_req *req, struct store_employee *e)
{
	int err = store_employee_get(req->api->st, req->id, e);

	if (err == ENOENT || (!err && req->token.tenant_id &&
			      e->tenant_id != req->token.tenant_id))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "employee: %m", err);
	return 0;
}

int api_add_employee_name(struct odict *o, const char *key,
			  const struct store_employee *e)
{
	char name[136];

	re_snprintf(name, sizeof(name), "%s%s%s", e->first_name,
		    e->first_name[0] && e->last_name[0] ? " " : "",
		    e->last_name);
	return api_add_str(o, key, name);
}

static int absence_reply(struct api_req *req, const struct store_absence *a)
{
	struct odict *o = NULL;
	int err;

	err = odict_alloc(&o, 4);
	if (err)
		return err;
	err |= api_add_int(o, "employee_id", a->employee_id);
	err |= api_add_str_or_null(o, "text", a->text);
	err |= api_add_time(o, "updated_at", a->updated_at);
	return api_reply_encoded(req, 200, err, o, 0);
}

static int absence_get(struct api_req *req)
{
	struct store_employee e;
	struct store_absence *a;
	int err;

	err = employee_load(req, &e);
	if (err)
		return err;
	a = mem_zalloc(sizeof(*a), NULL);
	if (!a)
		return ENOMEM;
	err = store_absence_get(req->api->st, e.id, a);
	if (err)
		err = api_fail(req, err, "absence_info: %m", err);
	else
		err = absence_reply(req, a);
	mem_deref(a);
	return err;
}

static const struct api_field absence_fields[] = {
    {API_F("text", AK_STR, FF_NULL), .max = STORE_ABSENCE_LEN - 1},
};

/* PUT or PATCH {"text": ...}: the whole absence info; null or "" clears */
static int absence_put(struct api_req *req)
{
	struct store_employee e;
	struct store_absence *a = NULL;
	const char *text;
	int err;

	err = employee_load(req, &e);
	if (err)
		return err;
	if (!req->body) {
		err = api_body_decode(req);
		if (err)
			return err;
	}
	err = api_body_check(req, absence_fields, ARRAY_SIZE(absence_fields));
	if (err)
		return err;
	if (!api_has(req, "text"))
		return api_error(req, 422, "text: is required");
	text = api_str(req, "text");
	err = store_absence_set(req->api->st, e.id, text, req->now);
	if (err)
		return api_fail(req, err, "absence_info: %m", err);
	info("http: employee %lld: absence info %s (%s)\n", (long long)e.id,
	     text && text[0] ? "set" : "cleared", req->token.name);
	a = mem_zalloc(sizeof(*a), NULL);
	if (!a)
		return ENOMEM;
	err = store_absence_get(req->api->st, e.id, a);
	if (err)
		err = api_fail(req, err, "absence_info: %m", err);
	else
		err = absence_reply(req, a);
	mem_deref(a);
	return err;
}

/* GET /api/v1/employees/:id/availability[?at=]: what the agent sees */
static int availability_get(struct api_req *req)
{
	struct secr_availability av;
	struct store_employee e;
	struct store_absence *a = NULL;
	struct store_appointment *ap = NULL;
	struct odict *o = NULL;
	uint64_t at;
	int err;

	err = api_at_param(req, &at);
	if (err)
		return err;
	err = employee_load(req, &e);
	if (err)
		return err;
	a = mem_zalloc(sizeof(*a), NULL);
	ap = mem_zalloc(sizeof(*ap), NULL);
	if (!a || !ap) {
		err = ENOMEM;
		goto out;
	}
	err = secr_employee_availability(req->api->st, e.id, at, a, ap, &av);
	if (err) {
		err = api_fail(req, err, "availability: %m", err);
		goto out;
	}
	err = odict_alloc(&o, 8);
	if (err)
		goto out;
	err |= api_add_int(o, "employee_id", e.id);
	err |= api_add_employee_name(o, "name", &e);
	err |= api_add_time(o, "at", at);
	err |= api_add_str_or_null(o, "text", av.text);
	err |= api_add_str(o, "source", secr_avail_source_name(av.source));
	err |= api_add_id(o, "appointment_id", av.appointment_id);
	err |= api_add_time(o, "from", av.from);
	err |= api_add_time(o, "until", av.until);
	err = api_reply_encoded(req, 200, err, o, 0);
out:
	mem_deref(ap);
	mem_deref(a);
	return err;
}

static const struct api_action employee_actions[] = {
    {"GET", "/:id/absence_info", absence_get},
    {"PUT", "/:id/absence_info", absence_put},
    {"PATCH", "/:id/absence_info", absence_put},
    {"GET", "/:id/availability", availability_get},
};

/* The employees' sub-resources of this file: actions only, under the
 * employees' path (their generic routes are api_employees'). */
const struct api_resource api_employee_availability = {
    .path = "/api/v1/employees",
    .noun = "employee",
    .label = "employee",
    .actionv = employee_actions,
    .actionc = ARRAY_SIZE(employee_actions),
};

/* ---- /api/v1/appointments ----------------------------------------------- */

/* employee_id: exists (its tenant becomes the appointment's in check) */
static int ref_employee(struct api_req *req, const struct api_field *f,
			int64_t id, int64_t tenant_id)
{
	struct store_employee e;
	int err;

	(void)tenant_id;
	err = store_employee_get(req->api->st, id, &e);
	if (err == ENOENT)
		return api_error(req, 422, "%s: employee %lld does not exist",
				 f->name, (long long)id);
	if (err)
		return api_fail(req, err, "%s: %m", f->name, err);
	return 0;
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_RO), API_M(T, tenant_id)},
    {API_F("employee_id", AK_ID, FF_REQUIRED | FF_FIXED | FF_EARLY),
     API_M(T, employee_id), .ref = ref_employee},
    {API_F("starts_at", AK_TIME, FF_REQUIRED), API_M(T, starts_at), .max = 40,
     .apply = api_time_apply},
    {API_F("ends_at", AK_TIME, FF_REQUIRED), API_M(T, ends_at), .max = 40,
     .apply = api_time_apply},
    {API_F("text", AK_STR, FF_REQUIRED), API_M(T, text),
     .max = STORE_APPT_TEXT_LEN - 1, .rule = &api_rule_nonempty},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

static int appt_check(struct api_req *req, void *rec, const void *old)
{
	struct store_employee e;
	T *a = rec;
	int err;

	if (!old) {
		err = store_employee_get(req->api->st, a->employee_id, &e);
		if (err)
			return api_fail(req, err, "employee_id: %m", err);
		a->tenant_id = e.tenant_id;
	}
	if (a->ends_at <= a->starts_at)
		return api_error(req, 422, "ends_at: must be after starts_at");
	return 0;
}

static int appt_fail(struct api_req *req, int err, const void *rec)
{
	const T *a = rec;

	if (err == ENOENT)
		return api_fail(req, err, "employee_id: employee %lld: %m",
				(long long)a->employee_id, err);
	return api_fail(req, err, "appointment: %m", err);
}

API_STORE_GET(appt_get, store_appointment_get)

API_STORE_ADD(appt_add, store_appointment_add)

API_STORE_UPDATE(appt_update, store_appointment_update)

API_LIST_H(appt_h, T)

static int appt_list(struct api_req *req, const struct api_query *q, void *arg)
{
	struct store_appointment_filter f;

	memset(&f, 0, sizeof(f));
	f.tenant_id = q->tenant_id;
	f.employee_id = q->employee_id;
	f.from = q->since;
	f.until = q->until;
	return store_appointment_list(req->api->st, &f, appt_h, arg);
}

static int appt_print(struct re_printf *pf, void *rec)
{
	const T *a = rec;

	return re_hprintf(pf, "employee %lld, tenant %lld",
			  (long long)a->employee_id, (long long)a->tenant_id);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
    {"employee_id", AP_ID, offsetof(struct api_query, employee_id), 0, 0, 0},
    {"since", AP_TIME, offsetof(struct api_query, since), 0, 0, 0},
    {"until", AP_TIME, offsetof(struct api_query, until), 0, 0, 0},
};

const struct api_resource api_appointments = {
    .path = "/api/v1/appointments",
    .noun = "appointment",
    .label = "appointment",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .employee_off = offsetof(T, employee_id),
    .get = appt_get,
    .add = appt_add,
    .update = appt_update,
    .del = store_appointment_delete,
    .list = appt_list,
    .check = appt_check,
    .fail = appt_fail,
    .print = appt_print,
};
