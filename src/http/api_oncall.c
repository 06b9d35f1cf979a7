/*
 * api_oncall.c - on-call schedules (Bereitschaft, Notdienst) of a tenant
 * and their dated overrides, and the answer "who is on duty at T"
 * (secretariat/oncall.c decides).
 *
 *   /api/v1/oncall_schedules  CRUD
 *     {"tenant_id": 1, "name": "Ärztlicher Notdienst",
 *      "handoff_day": "mon", "handoff_time": "08:00",
 *      "start_date": "2026-03-02",
 *      "members": [{"employee_id": 3}, {"employee_id": 4}]}
 *   GET /api/v1/oncall_schedules/:id/now[?at=ISO]
 *     {"schedule_id": 1, "at": ..., "employee_id": 4, "name": "Dr. ...",
 *      "source": "rotation", "override_id": null, "turn": 1,
 *      "from": ..., "until": ...}
 *   GET /api/v1/oncall_schedules/:id/overrides[?since=&until=]
 *   /api/v1/oncall_overrides  CRUD
 *     {"schedule_id": 1, "employee_id": 3, "starts_at": ISO,
 *      "ends_at": ISO, "note": "Tausch mit Dr. Weber"}
 *
 * A rotation hands over every rotation_days days (default 7: weekly; 1
 * daily, 14 every two weeks) at handoff_time, Berlin wall-clock time,
 * from start_date on; if rotation_days is a multiple of 7, start_date
 * must be a handoff_day, else handoff_day becomes start_date's weekday.
 * The members take turns in the order given (one may come twice).
 * Overrides of one schedule never overlap (409).  Roles (roles.c):
 * operator and client_admin write; an agent of the tenant reads (another
 * tenant's schedule is a 404).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "secretariat/secretariat.h"
#include "http/http_int.h"

#define T struct store_oncall_schedule

static const char *const day_v[] = {"mon", "tue", "wed", "thu",
				    "fri", "sat", "sun"};
static const struct store_names day_names = {day_v, ARRAY_SIZE(day_v)};
static const char *const day_long[] = {"Monday",   "Tuesday", "Wednesday",
				       "Thursday", "Friday",  "Saturday",
				       "Sunday"};

/* "HH:MM", 00:00 .. 23:59 */
static int time_apply(struct api_req *req, const struct api_field *f, void *rec)
{
	const char *s = api_str(req, f->name);
	unsigned h, m;
	int n = 0;
	T *o = rec;

	if (!s || strlen(s) != 5 || sscanf(s, "%2u:%2u%n", &h, &m, &n) != 2 ||
	    n != 5 || s[2] != ':' || h > 23 || m > 59)
		return api_error(req, 422,
				 "%s: must be a time HH:MM from 00:00 to "
				 "23:59",
				 f->name);
	o->handoff_time = h * 60 + m;
	return 0;
}

static int time_encode(struct odict *o, const struct api_field *f,
		       const void *rec, const struct api_req *req)
{
	const T *s = rec;
	char buf[8];

	(void)req;
	re_snprintf(buf, sizeof(buf), "%02u:%02u", s->handoff_time / 60,
		    s->handoff_time % 60);
	return odict_entry_add(o, f->name, ODICT_STRING, buf);
}

/* "YYYY-MM-DD", a real date (its weekday is checked with handoff_day) */
static int date_apply(struct api_req *req, const struct api_field *f, void *rec)
{
	const char *s = api_str(req, f->name);
	unsigned y, m, d;
	int n = 0;
	T *o = rec;

	if (!s || strlen(s) != 10 ||
	    sscanf(s, "%4u-%2u-%2u%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    s[4] != '-' || s[7] != '-' || y < 1971 || y > 9999 || d < 1 ||
	    d > time_days_in_month(y, m))
		return api_error(req, 422, "%s: must be a date YYYY-MM-DD",
				 f->name);
	str_copy(o->start_date, s, sizeof(o->start_date));
	return 0;
}

static int member_item(struct api_req *req, const char *path,
		       const struct odict *o, size_t i, void *arg)
{
	static const char *const keys[] = {"employee_id"};
	const struct odict_entry *e;
	char field[48];
	T *s = arg;
	int err;

	err = api_item_keys(req, o, path, keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	e = odict_lookup(o, "employee_id");
	if (!e)
		return api_error(req, 422, "%s.employee_id: is required", path);
	if (e->type != ODICT_INT || e->u.integer <= 0)
		return api_error(req, 422,
				 "%s.employee_id: must be a positive id", path);
	re_snprintf(field, sizeof(field), "%s.employee_id", path);
	err = api_target_ref(req, field, TARGET_EMPLOYEE, e->u.integer,
			     s->tenant_id);
	if (err)
		return err;
	s->memberv[i] = e->u.integer;
	s->memberc = i + 1;
	return 0;
}

static int members_apply(struct api_req *req, const struct api_field *f,
			 void *rec)
{
	T *s = rec;
	int err;

	s->memberc = 0;
	err = api_items_each(req, f, STORE_ONCALL_MEMBERS, member_item, s);
	if (err)
		return err;
	if (!s->memberc)
		return api_error(
		    req, 422, "%s: at least one member is required", f->name);
	return 0;
}

static int members_encode(struct odict *o, const struct api_field *f,
			  const void *rec, const struct api_req *req)
{
	const T *s = rec;
	struct odict *arr = NULL, *it = NULL;
	size_t i;
	int err;

	(void)req;
	err = api_list_alloc(&arr);
	for (i = 0; !err && i < s->memberc; i++) {
		err = odict_alloc(&it, 2);
		err |= api_add_int(it, "employee_id", s->memberv[i]);
		err |= api_list_append(arr, it);
		it = mem_deref(it);
	}
	if (!err)
		err = odict_entry_add(o, f->name, ODICT_ARRAY, arr);
	mem_deref(it);
	mem_deref(arr);
	return err;
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED | FF_EARLY),
     API_M(T, tenant_id), .ref = api_ref_tenant},
    {API_F("name", AK_STR, FF_REQUIRED), API_M(T, name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("handoff_day", AK_ENUM, 0), API_M(T, handoff_day), .max = 16,
     .en = &day_names},
    {API_F("handoff_time", AK_STR, 0), .max = 5, .apply = time_apply,
     .encode = time_encode},
    {API_F("start_date", AK_STR, FF_REQUIRED), API_M(T, start_date), .max = 10,
     .apply = date_apply},
    {API_F("rotation_days", AK_INT, 0), API_M(T, rotation_days), .min = 1,
     .max = 364, .unit = "days"},
    {API_F("members", AK_LIST, FF_REQUIRED), .apply = members_apply,
     .encode = members_encode},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

static void sched_init(void *rec)
{
	T *s = rec;

	s->handoff_day = 0;       /* Monday */
	s->handoff_time = 8 * 60; /* 08:00  */
	s->rotation_days = 7;     /* weekly */
}

/* start_date is a handoff day */
static int sched_check(struct api_req *req, void *rec, const void *old)
{
	T *s = rec;
	unsigned y, m, d, w;

	(void)old;
	if (sscanf(s->start_date, "%4u-%2u-%2u", &y, &m, &d) != 3)
		return api_error(req, 422,
				 "start_date: must be a date "
				 "YYYY-MM-DD");
	w = time_wday(y, m, d);
	if (s->rotation_days % 7) {
		/* not weekly: every handoff on another weekday; handoff_day
		 * names the first one's */
		s->handoff_day = w;
		return 0;
	}
	if (w != s->handoff_day)
		return api_error(req, 422,
				 "start_date: %s is a %s; the first handoff "
				 "must be on a %s (handoff_day)",
				 s->start_date, day_long[w],
				 day_long[s->handoff_day % 7]);
	return 0;
}

static int sched_fail(struct api_req *req, int err, const void *rec)
{
	const T *s = rec;

	if (err == EEXIST)
		return api_fail(req, err, "name: %s exists already", s->name);
	if (err == EBUSY)
		return api_fail(req, err, "oncall schedule %lld is in use",
				(long long)s->id);
	return api_fail(req, err, "oncall schedule: %m", err);
}

API_STORE_GET(sched_get, store_oncall_schedule_get)

API_STORE_ADD(sched_add, store_oncall_schedule_add)

API_STORE_UPDATE(sched_update, store_oncall_schedule_update)

API_LIST_H(sched_h, T)

static int sched_list(struct api_req *req, const struct api_query *q, void *arg)
{
	return store_oncall_schedule_list(req->api->st, q->tenant_id, sched_h,
					  arg);
}

static int sched_print(struct re_printf *pf, void *rec)
{
	const T *s = rec;

	return re_hprintf(pf, "%s, tenant %lld, %zu members", s->name,
			  (long long)s->tenant_id, s->memberc);
}

/* The schedule of the path's :id, scoped to the token's tenant. */
static int sched_load(struct api_req *req, T *s)
{
	int err = store_oncall_schedule_get(req->api->st, req->id, s);

	if (err == ENOENT || (!err && req->token.tenant_id &&
			      s->tenant_id != req->token.tenant_id))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "oncall schedule: %m", err);
	return 0;
}

/* GET /api/v1/oncall_schedules/:id/now[?at=]: who is on duty */
static int sched_now(struct api_req *req)
{
	struct store_employee e;
	struct secr_oncall oc;
	struct odict *o = NULL;
	uint64_t at;
	T *s;
	int err;

	err = api_at_param(req, &at);
	if (err)
		return err;
	s = mem_zalloc(sizeof(*s), NULL);
	if (!s)
		return ENOMEM;
	err = sched_load(req, s);
	if (err)
		goto out;
	err = secr_oncall_now(req->api->st, s->id, at, &oc);
	if (err) {
		err = api_fail(req, err, "oncall: %m", err);
		goto out;
	}
	memset(&e, 0, sizeof(e));
	if (oc.employee_id) {
		err = store_employee_get(req->api->st, oc.employee_id, &e);
		if (err) {
			err = api_fail(req, err, "oncall: %m", err);
			goto out;
		}
	}
	err = odict_alloc(&o, 12);
	if (err)
		goto out;
	err |= api_add_int(o, "schedule_id", s->id);
	err |= api_add_time(o, "at", at);
	err |= api_add_id(o, "employee_id", oc.employee_id);
	if (oc.employee_id)
		err |= api_add_employee_name(o, "name", &e);
	else
		err |= api_add_str_or_null(o, "name", "");
	err |= api_add_str(o, "source", secr_oncall_source_name(oc.source));
	err |= api_add_id(o, "override_id", oc.override_id);
	if (oc.source == SECR_ONCALL_ROTATION)
		err |= api_add_int(o, "turn", (int64_t)oc.turn);
	else
		err |= api_add_str_or_null(o, "turn", "");
	err |= api_add_time(o, "from", oc.from);
	err |= api_add_time(o, "until", oc.until);
	err = api_reply_encoded(req, 200, err, o, 0);
out:
	mem_deref(s);
	return err;
}

/* GET /api/v1/oncall_schedules/:id/overrides[?since=&until=]: the
 * schedule's overrides (below, with the overrides' table) */
struct ovr_list {
	const struct api_req *req;
	struct odict *arr;
};
static int sched_overrides(struct api_req *req);

static const struct api_action sched_actions[] = {
    {"GET", "/:id/now", sched_now},
    {"GET", "/:id/overrides", sched_overrides},
};

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

const struct api_resource api_oncall_schedules = {
    .path = "/api/v1/oncall_schedules",
    .noun = "oncall schedule",
    .label = "oncall schedule",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = sched_get,
    .add = sched_add,
    .update = sched_update,
    .del = store_oncall_schedule_delete,
    .list = sched_list,
    .init = sched_init,
    .check = sched_check,
    .fail = sched_fail,
    .print = sched_print,
    .actionv = sched_actions,
    .actionc = ARRAY_SIZE(sched_actions),
};

/* ---- /api/v1/oncall_overrides -------------------------------------------- */

#undef T
#define T struct store_oncall_override

/* schedule_id: exists; its tenant becomes the override's (the tenant
 * the employee is checked against) */
static int schedule_apply(struct api_req *req, const struct api_field *f,
			  void *rec)
{
	struct store_oncall_schedule *s;
	int64_t id;
	T *o = rec;
	int err;

	err = api_field_id(req, f->name, &id);
	if (err)
		return err;
	if (!id)
		return api_error(req, 422, "%s: is required", f->name);
	s = mem_zalloc(sizeof(*s), NULL);
	if (!s)
		return ENOMEM;
	err = store_oncall_schedule_get(req->api->st, id, s);
	if (err == ENOENT)
		err = api_error(req, 422,
				"%s: oncall schedule %lld does not exist",
				f->name, (long long)id);
	else if (err)
		err = api_fail(req, err, "%s: %m", f->name, err);
	else {
		o->schedule_id = id;
		o->tenant_id = s->tenant_id;
	}
	mem_deref(s);
	return err;
}

static const struct api_field ovr_fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_RO), API_M(T, tenant_id)},
    {API_F("schedule_id", AK_ID, FF_REQUIRED | FF_FIXED | FF_EARLY),
     API_M(T, schedule_id), .apply = schedule_apply},
    {API_F("employee_id", AK_ID, FF_REQUIRED), API_M(T, employee_id),
     .ref = api_ref_employee},
    {API_F("starts_at", AK_TIME, FF_REQUIRED), API_M(T, starts_at), .max = 40,
     .apply = api_time_apply},
    {API_F("ends_at", AK_TIME, FF_REQUIRED), API_M(T, ends_at), .max = 40,
     .apply = api_time_apply},
    {API_F("note", AK_STR, FF_NULL), API_M(T, note), .max = 255},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

static int ovr_check(struct api_req *req, void *rec, const void *old)
{
	const T *o = rec;

	(void)old;
	if (o->ends_at <= o->starts_at)
		return api_error(req, 422, "ends_at: must be after starts_at");
	return 0;
}

static int first_h(const T *o, void *arg)
{
	T *first = arg;

	if (!first->id)
		*first = *o;
	return 0;
}

static int ovr_fail(struct api_req *req, int err, const void *rec)
{
	const T *o = rec;
	T other;

	switch (err) {
	case EEXIST:
		memset(&other, 0, sizeof(other));
		(void)store_oncall_override_list(req->api->st, 0,
						 o->schedule_id, o->starts_at,
						 o->ends_at, first_h, &other);
		if (other.id == o->id)
			other.id = 0;
		return api_fail(req, err,
				"starts_at: overlaps override %lld of oncall "
				"schedule %lld",
				(long long)other.id, (long long)o->schedule_id);
	case ENOENT:
	case EXDEV:
		return api_fail(req, err, "employee_id: employee %lld: %m",
				(long long)o->employee_id, err);
	default:
		return api_fail(req, err, "oncall override: %m", err);
	}
}

API_STORE_GET(ovr_get, store_oncall_override_get)

API_STORE_ADD(ovr_add, store_oncall_override_add)

API_STORE_UPDATE(ovr_update, store_oncall_override_update)

API_LIST_H(ovr_h, T)

/* ?schedule_id= as callbacks read their queue_id: a positive integer */
static int query_schedule(struct api_req *req, int64_t *idp)
{
	char buf[32], *end = NULL;
	long long v;
	int n;

	*idp = 0;
	n = api_query_str(req, "schedule_id", buf, sizeof(buf));
	if (!n)
		return 0;
	v = n > 0 ? strtoll(buf, &end, 10) : 0;
	if (n < 0 || !buf[0] || *end || v <= 0)
		return api_error(req, 400,
				 "schedule_id: must be a positive integer");
	*idp = v;
	return 0;
}

static int ovr_list(struct api_req *req, const struct api_query *q, void *arg)
{
	int64_t sid;
	int err;

	err = query_schedule(req, &sid);
	if (err)
		return err;
	return store_oncall_override_list(req->api->st, q->tenant_id, sid,
					  q->since, q->until, ovr_h, arg);
}

static int ovr_print(struct re_printf *pf, void *rec)
{
	const T *o = rec;

	return re_hprintf(pf, "schedule %lld, employee %lld",
			  (long long)o->schedule_id, (long long)o->employee_id);
}

static const struct api_param ovr_params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
    {"schedule_id", AP_STR, 0, 0, 0, 0},
    {"since", AP_TIME, offsetof(struct api_query, since), 0, 0, 0},
    {"until", AP_TIME, offsetof(struct api_query, until), 0, 0, 0},
};

const struct api_resource api_oncall_overrides = {
    .path = "/api/v1/oncall_overrides",
    .noun = "oncall override",
    .label = "oncall override",
    API_FIELDS(ovr_fields),
    API_PARAMS(ovr_params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = ovr_get,
    .add = ovr_add,
    .update = ovr_update,
    .del = store_oncall_override_delete,
    .list = ovr_list,
    .check = ovr_check,
    .fail = ovr_fail,
    .print = ovr_print,
};

/* Encode override o into the array arg. */
static int ovr_item(const T *o, void *arg)
{
	struct ovr_list *l = arg;
	struct odict *it = NULL;
	int err;

	err = api_encode(&it, &api_oncall_overrides, o, l->req);
	if (!err)
		err = api_list_append(l->arr, it);
	mem_deref(it);
	return err;
}

static int sched_overrides(struct api_req *req)
{
	static const struct api_param p[] = {
	    {"since", AP_TIME, offsetof(struct api_query, since), 0, 0, 0},
	    {"until", AP_TIME, offsetof(struct api_query, until), 0, 0, 0},
	};
	struct ovr_list l = {req, NULL};
	struct store_oncall_schedule *s;
	struct api_query q;
	int err;

	err = api_query_read(req, p, ARRAY_SIZE(p), &q);
	if (err)
		return err;
	s = mem_zalloc(sizeof(*s), NULL);
	if (!s)
		return ENOMEM;
	err = sched_load(req, s);
	if (!err)
		err = api_list_alloc(&l.arr);
	if (err)
		goto out;
	err = store_oncall_override_list(req->api->st, 0, s->id, q.since,
					 q.until, ovr_item, &l);
	if (err)
		err = api_fail(req, err, "overrides: %m", err);
	else
		err = api_reply_list(req, l.arr);
out:
	mem_deref(l.arr);
	mem_deref(s);
	return err;
}
