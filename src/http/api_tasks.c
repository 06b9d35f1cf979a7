/*
 * api_tasks.c - the assistants' tasks (issue 18, seeds/000; the rules in
 * src/billing/billing.h, the report in api_task_report.c):
 *
 *   POST  /api/v1/tasks {"tenant_id": 7, "area": "backoffice_eu",
 *                        "name": "Orders", "active": true}
 *   GET   /api/v1/tasks[?tenant_id=7]   GET /api/v1/tasks/:id
 *   PATCH /api/v1/tasks/:id {"area", "name", "active"}
 *   POST  /api/v1/tasks/:id/time {"employee_id": 3, "date": "2026-12-07",
 *                                 "minutes": 180}
 *   GET   /api/v1/tasks/:id/time
 *   PUT   /api/v1/tasks/:id/assistants {"employee_ids": [3, 5]}
 *   GET   /api/v1/tasks/:id/assistants -> [{"employee_id", "name"}]
 *
 * A task belongs to a client (tenant_id); area is one of task_areas
 * (backoffice_de, backoffice_eu, sales_de, sales_eu).  Roles (roles.c):
 * the operator (the service's staff) makes and changes tasks and books
 * the assistants' working time; a client admin reads its own tenant's
 * tasks and the time booked on them (another's: 404); an agent (an
 * assistant) lists the active tasks it is an assistant of, to pick one
 * before dialling.  Working time is booked, and calls are booked, only
 * for an employee who is an assistant of the task (422).  Tasks are never deleted (their booked time is billed):
 * "active": false takes one out of the list to pick from.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "billing/billing.h"

enum { TASK_MINUTES_MAX = 1440 };

#define T struct store_task

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED | FF_EARLY),
     API_M(T, tenant_id), .ref = api_ref_tenant},
    {API_F("area", AK_STR, FF_REQUIRED), API_M(T, area), .max = 31,
     .rule = &api_rule_nonempty},
    {API_F("name", AK_STR, FF_REQUIRED), API_M(T, name), .max = 127,
     .rule = &api_rule_nonempty},
    {API_F("active", AK_BOOL, 0), API_M(T, active)},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

static void task_init(void *rec)
{
	T *t = rec;

	t->active = true;
}

/* The area must be one of task_areas. */
static int task_check(struct api_req *req, void *rec, const void *old)
{
	const T *t = rec;
	uint32_t pm;
	int err;

	(void)old;
	err = store_task_area(req->api->st, t->area, &pm);
	if (err == ENOENT)
		return api_error(req, 422,
				 "area: must be backoffice_de, backoffice_eu, "
				 "sales_de or sales_eu");
	return err ? api_fail(req, err, "area: %m", err) : 0;
}

static int task_fail(struct api_req *req, int err, const void *rec)
{
	const T *t = rec;

	if (err == EEXIST)
		return api_fail(req, err, "name: %s exists already", t->name);
	return api_fail(req, err, "task: %m", err);
}

API_STORE_GET(task_get, store_task_get)

API_STORE_ADD(task_add, store_task_add)

API_STORE_UPDATE(task_update, store_task_update)

API_LIST_H(task_h, T)

/* An agent picks from the active tasks it is an assistant of (of any
 * client: the service's staff assigned them); the others list the tasks
 * of the tenant (a client admin: its own). */
static int task_list(struct api_req *req, const struct api_query *q, void *arg)
{
	if (api_role_of(req->token.role) == API_ROLE_AGENT)
		return store_task_list(req->api->st, 0,
				       req->token.employee_id > 0
					   ? req->token.employee_id
					   : INT64_MAX,
				       true, task_h, arg);
	return store_task_list(req->api->st, q->tenant_id, 0, false, task_h,
			       arg);
}

static int task_print(struct re_printf *pf, void *rec)
{
	const T *t = rec;

	return re_hprintf(pf, "%s, %s, tenant %lld", t->name, t->area,
			  (long long)t->tenant_id);
}

/* ---- booked working time ------------------------------------------------ */

/* The task of the path into *t, visible to the token: 0, or an errno
 * after a 404. */
static int task_load(struct api_req *req, T *t)
{
	int err = store_task_get(req->api->st, req->id, t);

	if (err == ENOENT || (!err && !api_tenant_visible(req, t->tenant_id)))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "task: %m", err);
	req->audit_tenant = t->tenant_id;
	return 0;
}

static int time_obj(struct odict **op, const struct store_task_time *tt)
{
	struct odict *o = NULL;
	int err;

	err = odict_alloc(&o, 8);
	if (err)
		return err;
	err |= api_add_int(o, "id", tt->id);
	err |= api_add_int(o, "task_id", tt->task_id);
	err |= api_add_int(o, "employee_id", tt->employee_id);
	err |= api_add_str(o, "date", tt->date);
	err |= api_add_int(o, "minutes", tt->minutes);
	err |= api_add_time(o, "created_at", tt->created_at);
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

/* A positive integer key of the body into *vp, at most max: 0, or an
 * errno after a 422 naming it. */
static int body_int(struct api_req *req, const char *key, int64_t max,
		    int64_t *vp)
{
	const struct odict_entry *e = odict_lookup(req->body, key);

	if (!e)
		return api_error(req, 422, "%s: is required", key);
	if (e->type != ODICT_INT || e->u.integer <= 0 || e->u.integer > max)
		return api_error(req, 422,
				 "%s: must be an integer from 1 to %lld", key,
				 (long long)max);
	*vp = e->u.integer;
	return 0;
}

static int time_add(struct api_req *req)
{
	static const char *const keys[] = {"employee_id", "date", "minutes"};
	struct store_task_time tt;
	struct store_employee emp;
	struct odict *o = NULL;
	const char *date;
	int64_t v;
	T t;
	int err;

	err = task_load(req, &t);
	if (!err)
		err = api_item_keys(req, req->body, "body", keys,
				    ARRAY_SIZE(keys));
	if (err)
		return err;
	memset(&tt, 0, sizeof(tt));
	tt.task_id = t.id;
	err = body_int(req, "employee_id", INT64_MAX, &tt.employee_id);
	if (err)
		return err;
	err = store_employee_get(req->api->st, tt.employee_id, &emp);
	if (err == ENOENT)
		return api_error(req, 422,
				 "employee_id: employee %lld does not exist",
				 (long long)tt.employee_id);
	if (err)
		return api_fail(req, err, "employee_id: %m", err);
	if (!store_task_assigned(req->api->st, t.id, tt.employee_id))
		return api_error(req, 422,
				 "employee_id: employee %lld is not an "
				 "assistant of task %lld",
				 (long long)tt.employee_id, (long long)t.id);
	date = api_item_str(req, req->body, "body", "date", true, &err);
	if (err)
		return err;
	if (strlen(date) >= sizeof(tt.date) || billing_date(date, &tt.day_at))
		return api_error(req, 422, "date: must be a date YYYY-MM-DD");
	str_ncpy(tt.date, date, sizeof(tt.date));
	err = body_int(req, "minutes", TASK_MINUTES_MAX, &v);
	if (err)
		return err;
	tt.minutes = (uint32_t)v;
	err = store_task_time_add(req->api->st, &tt);
	if (err)
		return api_fail(req, err, "time: %m", err);
	info("http: %u min of employee %lld on %s booked to task %lld by %s\n",
	     tt.minutes, (long long)tt.employee_id, tt.date, (long long)t.id,
	     req->token.name);
	err = time_obj(&o, &tt);
	if (!err)
		err = api_reply_object(req, 201, o);
	mem_deref(o);
	return err;
}

static int time_rec(const struct store_task_time *tt, void *arg)
{
	struct odict *o = NULL;
	int err = time_obj(&o, tt);

	if (!err)
		err = api_list_append(arg, o);
	mem_deref(o);
	return err;
}

static int time_list(struct api_req *req)
{
	struct odict *arr = NULL;
	T t;
	int err;

	err = task_load(req, &t);
	if (err)
		return err;
	err = api_list_alloc(&arr);
	if (!err)
		err = store_task_time_list(req->api->st, t.id, time_rec, arr);
	if (!err)
		err = api_reply_list(req, arr);
	else
		err = api_fail(req, err, "time: %m", err);
	mem_deref(arr);
	return err;
}

/* ---- the task's assistants --------------------------------------------- */

static int assistant_rec(const struct store_task_assistant *a, void *arg)
{
	struct odict *o = NULL;
	int err;

	err = odict_alloc(&o, 4);
	if (err)
		return err;
	err |= api_add_int(o, "employee_id", a->employee_id);
	err |= api_add_str(o, "name", a->name);
	if (!err)
		err = api_list_append(arg, o);
	mem_deref(o);
	return err;
}

static int assistants_reply(struct api_req *req, int64_t task_id)
{
	struct odict *arr = NULL;
	int err;

	err = api_list_alloc(&arr);
	if (!err)
		err = store_task_assistants(req->api->st, task_id,
					    assistant_rec, arr);
	if (!err)
		err = api_reply_list(req, arr);
	else
		err = api_fail(req, err, "assistants: %m", err);
	mem_deref(arr);
	return err;
}

static int assistants_list(struct api_req *req)
{
	T t;
	int err = task_load(req, &t);

	return err ? err : assistants_reply(req, t.id);
}

/* PUT {"employee_ids": [3, 5]}: the task's assistants, replaced. */
static int assistants_set(struct api_req *req)
{
	static const char *const keys[] = {"employee_ids"};
	enum { ASSISTANTS_MAX = 100 };
	int64_t empv[ASSISTANTS_MAX];
	const struct odict_entry *e;
	struct store_employee emp;
	size_t n = 0, i;
	struct le *le;
	T t;
	int err;

	err = task_load(req, &t);
	if (!err && !req->body)
		err = api_body_decode(req); /* a PUT's is not decoded yet */
	if (!err)
		err = api_item_keys(req, req->body, "body", keys,
				    ARRAY_SIZE(keys));
	if (err)
		return err;
	e = odict_lookup(req->body, "employee_ids");
	if (!e)
		return api_error(req, 422, "employee_ids: is required");
	if (e->type != ODICT_ARRAY)
		return api_error(req, 422,
				 "employee_ids: must be a list of employee "
				 "ids");
	for (le = e->u.odict->lst.head; le; le = le->next) {
		const struct odict_entry *it = le->data;

		if (it->type != ODICT_INT || it->u.integer <= 0)
			return api_error(req, 422,
					 "employee_ids: must be a list of "
					 "employee ids");
		for (i = 0; i < n && empv[i] != it->u.integer; i++)
			;
		if (i < n)
			continue; /* twice: once */
		if (n >= ASSISTANTS_MAX)
			return api_error(req, 422, "employee_ids: at most %u",
					 (unsigned)ASSISTANTS_MAX);
		err = store_employee_get(req->api->st, it->u.integer, &emp);
		if (err == ENOENT)
			return api_error(req, 422,
					 "employee_ids: employee %lld does "
					 "not exist",
					 (long long)it->u.integer);
		if (err)
			return api_fail(req, err, "employee_ids: %m", err);
		empv[n++] = it->u.integer;
	}
	err = store_task_assistants_set(req->api->st, t.id, empv, n);
	if (err)
		return api_fail(req, err, "employee_ids: %m", err);
	info("http: task %lld: %zu assistants set by %s\n", (long long)t.id, n,
	     req->token.name);
	return assistants_reply(req, t.id);
}

static const struct api_action actions[] = {
    {"POST", "/:id/time", time_add},
    {"GET", "/:id/time", time_list},
    {"PUT", "/:id/assistants", assistants_set},
    {"GET", "/:id/assistants", assistants_list},
};

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

const struct api_resource api_tasks = {
    .path = "/api/v1/tasks",
    .noun = "task",
    .label = "task",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = task_get,
    .add = task_add,
    .update = task_update,
    .list = task_list,
    .init = task_init,
    .check = task_check,
    .fail = task_fail,
    .print = task_print,
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
