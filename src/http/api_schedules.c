/*
 * api_schedules.c - /api/v1/schedules: time control of a tenant (opening
 * hours, holidays of a federal state, dated exceptions) and the target of
 * each state.  A number routes to a schedule with target_type
 * "schedule".
 *
 *   {"tenant_id": 1, "name": "Office hours", "region": "BY",
 *    "open_type": "employee", "open_id": 3,
 *    "closed_type": "announcement", "closed_id": 1,
 *    "holiday_type": null, "holiday_id": null,      (none: as closed)
 *    "ranges": [{"days": ["mon", "tue", "wed", "thu", "fri"],
 *                "start": "08:00", "end": "18:00"}],
 *    "exceptions": [{"date": "2026-12-24", "state": "open",
 *                    "start": "09:00", "end": "12:00"},
 *                   {"date": "2026-12-31", "state": "closed"}]}
 *
 * ranges and exceptions are replaced as a whole when given.  The rules
 * (no overlap, no inverted range, real dates) are route_sched_check()'s,
 * a loop of schedules is the store's (ELOOP), each refused with 422
 * naming the problem.  GET /api/v1/schedules/:id/state?at=<ISO time>
 * answers what the schedule says at that moment (now if no at), and why.
 */
#include <errno.h>
#include <string.h>
#include "route/route.h"
#include "http/http_int.h"

#define T struct store_schedule

static const char *const day_names[7] = {"mon", "tue", "wed", "thu",
					 "fri", "sat", "sun"};

/* s has the shape of pattern: 'd' a digit, any other character itself */
static bool shape_ok(const char *s, const char *pattern)
{
	for (; *pattern; s++, pattern++) {
		if (*pattern == 'd' ? (*s < '0' || *s > '9') : *s != *pattern)
			return false;
	}
	return *s == '\0';
}

/* "HH:MM" (00:00 .. 24:00) into minutes; false if it is not one */
static bool hhmm_parse(const char *s, uint16_t *minp)
{
	unsigned h, m;

	if (!s || !shape_ok(s, "dd:dd") || s[3] > '5')
		return false;
	h = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	m = (unsigned)(s[3] - '0') * 10 + (unsigned)(s[4] - '0');
	if (h > 24 || (h == 24 && m))
		return false;
	*minp = (uint16_t)(h * 60 + m);
	return true;
}

static int add_hhmm(struct odict *o, const char *key, unsigned min)
{
	char buf[8];

	re_snprintf(buf, sizeof(buf), "%02u:%02u", min / 60, min % 60);
	return odict_entry_add(o, key, ODICT_STRING, buf);
}

/* "start" and "end" of item o: HH:MM each (their order is checked by
 * route_sched_check) */
static int span_read(struct api_req *req, const struct odict *o,
		     const char *path, uint16_t *start, uint16_t *end)
{
	static const char *const keys[] = {"start", "end"};
	uint16_t *v[] = {start, end};
	const char *s;
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		s = api_item_str(req, o, path, keys[i], true, &err);
		if (!s)
			return err;
		if (!hhmm_parse(s, v[i]))
			return api_error(req, 422,
					 "%s.%s: must be a time HH:MM", path,
					 keys[i]);
	}
	return 0;
}

static int range_read(struct api_req *req, const char *path,
		      const struct odict *o, struct store_sched_range *r)
{
	static const char *const keys[] = {"days", "start", "end"};
	const struct odict_entry *days;
	struct le *le;
	int err;

	err = api_item_keys(req, o, path, keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	days = odict_lookup(o, "days");
	if (!days || days->type != ODICT_ARRAY || !days->u.odict->lst.head)
		return api_error(req, 422,
				 "%s.days: must be an array of mon, tue, "
				 "wed, thu, fri, sat, sun",
				 path);
	r->days = 0;
	for (le = days->u.odict->lst.head; le; le = le->next) {
		const struct odict_entry *d = le->data;
		unsigned i;

		for (i = 0; i < 7; i++) {
			if (d->type == ODICT_STRING &&
			    !strcmp(d->u.str, day_names[i]))
				break;
		}
		if (i == 7)
			return api_error(req, 422,
					 "%s.days: must be an array of mon, "
					 "tue, wed, thu, fri, sat, sun",
					 path);
		r->days |= (uint8_t)(1u << i);
	}
	return span_read(req, o, path, &r->start, &r->end);
}

static int range_item(struct api_req *req, const char *path,
		      const struct odict *o, size_t i, void *arg)
{
	T *s = arg;
	int err = range_read(req, path, o, &s->rangev[i]);

	if (!err)
		s->rangec = i + 1;
	return err;
}

static int ranges_apply(struct api_req *req, const struct api_field *f,
			void *rec)
{
	T *s = rec;

	s->rangec = 0;
	return api_items_each(req, f, STORE_SCHED_RANGES, range_item, s);
}

static int exception_read(struct api_req *req, const char *path,
			  const struct odict *o,
			  struct store_sched_exception *x)
{
	static const char *const keys[] = {"date", "state", "start", "end"};
	const char *s;
	int err = 0;

	err = api_item_keys(req, o, path, keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	memset(x, 0, sizeof(*x));
	s = api_item_str(req, o, path, "date", true, &err);
	if (!s)
		return err;
	if (!shape_ok(s, "dddd-dd-dd") ||
	    sscanf(s, "%4u-%2u-%2u", &x->year, &x->month, &x->day) != 3)
		return api_error(req, 422, "%s.date: must be a date YYYY-MM-DD",
				 path);
	s = api_item_str(req, o, path, "state", true, &err);
	if (!s)
		return err;
	if (store_sched_state_parse(s, &x->state))
		return api_error(req, 422,
				 "%s.state: must be open, closed or holiday",
				 path);
	if (x->state != STORE_SCHED_OPEN) {
		if (odict_lookup(o, "start") || odict_lookup(o, "end"))
			return api_error(req, 422,
					 "%s.start: only for state open", path);
		return 0;
	}
	return span_read(req, o, path, &x->start, &x->end);
}

static int exception_item(struct api_req *req, const char *path,
			  const struct odict *o, size_t i, void *arg)
{
	T *s = arg;
	int err = exception_read(req, path, o, &s->excv[i]);

	if (!err)
		s->excc = i + 1;
	return err;
}

static int exceptions_apply(struct api_req *req, const struct api_field *f,
			    void *rec)
{
	T *s = rec;

	s->excc = 0;
	return api_items_each(req, f, STORE_SCHED_EXCEPTIONS, exception_item,
			      s);
}

static int ranges_encode(struct odict *o, const struct api_field *f,
			 const void *rec, const struct api_req *req)
{
	const T *s = rec;
	struct odict *arr = NULL, *it = NULL, *days = NULL;
	size_t i;
	unsigned d;
	int err;

	(void)req;
	err = api_list_alloc(&arr);
	for (i = 0; !err && i < s->rangec; i++) {
		const struct store_sched_range *r = &s->rangev[i];
		char key[8];
		unsigned k = 0;

		err = odict_alloc(&it, 4);
		err |= odict_alloc(&days, 8);
		for (d = 0; !err && d < 7; d++) {
			if (!(r->days & (1u << d)))
				continue;
			re_snprintf(key, sizeof(key), "%u", k++);
			err = odict_entry_add(days, key, ODICT_STRING,
					      day_names[d]);
		}
		err |= odict_entry_add(it, "days", ODICT_ARRAY, days);
		err |= add_hhmm(it, "start", r->start);
		err |= add_hhmm(it, "end", r->end);
		err |= api_list_append(arr, it);
		it = mem_deref(it);
		days = mem_deref(days);
	}
	if (!err)
		err = odict_entry_add(o, f->name, ODICT_ARRAY, arr);
	mem_deref(it);
	mem_deref(days);
	mem_deref(arr);
	return err;
}

static int exceptions_encode(struct odict *o, const struct api_field *f,
			     const void *rec, const struct api_req *req)
{
	const T *s = rec;
	struct odict *arr = NULL, *it = NULL;
	size_t i;
	int err;

	(void)req;
	err = api_list_alloc(&arr);
	for (i = 0; !err && i < s->excc; i++) {
		const struct store_sched_exception *x = &s->excv[i];
		char date[16];

		re_snprintf(date, sizeof(date), "%04u-%02u-%02u", x->year,
			    x->month, x->day);
		err = odict_alloc(&it, 4);
		err |= odict_entry_add(it, "date", ODICT_STRING, date);
		err |= odict_entry_add(it, "state", ODICT_STRING,
				       store_sched_state_name(x->state));
		if (x->state == STORE_SCHED_OPEN) {
			err |= add_hhmm(it, "start", x->start);
			err |= add_hhmm(it, "end", x->end);
		}
		err |= api_list_append(arr, it);
		it = mem_deref(it);
	}
	if (!err)
		err = odict_entry_add(o, f->name, ODICT_ARRAY, arr);
	mem_deref(it);
	mem_deref(arr);
	return err;
}

/* region: "" or null for none, else a state's code */
static int region_apply(struct api_req *req, const struct api_field *f,
			void *rec)
{
	const char *v = api_str(req, f->name);
	T *s = rec;

	if (!v) {
		s->region = STORE_REGION_NONE;
		return 0;
	}
	if (store_region_parse(v, &s->region))
		return api_error(req, 422,
				 "region: must be a German federal state "
				 "(BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, "
				 "RP, SL, SN, ST, SH, TH) or null");
	return 0;
}

enum { F_OPEN_TYPE = 4 };

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED), API_M(T, tenant_id),
     .ref = api_ref_tenant},
    {API_F("name", AK_STR, FF_REQUIRED), API_M(T, name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("region", AK_ENUM, FF_NULL), API_M(T, region), .max = 2,
     .en = &store_names_region, .apply = region_apply},
    [F_OPEN_TYPE] = {API_F("open_type", AK_ENUM, FF_HOOK), API_M(T, open.type),
		     .max = 16, .en = &store_names_target},
    {API_F("open_id", AK_ID, FF_NULL | FF_HOOK), API_M(T, open.id)},
    {API_F("closed_type", AK_ENUM, FF_HOOK), API_M(T, closed.type), .max = 16,
     .en = &store_names_target},
    {API_F("closed_id", AK_ID, FF_NULL | FF_HOOK), API_M(T, closed.id)},
    {API_F("holiday_type", AK_ENUM, FF_NULL | FF_HOOK), API_M(T, holiday.type),
     .max = 16, .en = &store_names_target},
    {API_F("holiday_id", AK_ID, FF_NULL | FF_HOOK), API_M(T, holiday.id)},
    {API_F("ranges", AK_LIST, 0), .apply = ranges_apply,
     .encode = ranges_encode},
    {API_F("exceptions", AK_LIST, 0), .apply = exceptions_apply,
     .encode = exceptions_encode},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

static int schedule_check(struct api_req *req, void *rec, const void *old)
{
	struct store_target_ref *tv[3];
	struct route_sched rs;
	T *s = rec;
	char why[128];
	size_t i;
	int err;

	(void)old;
	tv[0] = &s->open;
	tv[1] = &s->closed;
	tv[2] = &s->holiday;
	for (i = 0; i < ARRAY_SIZE(tv); i++) {
		err = api_target_pair(req, &fields[F_OPEN_TYPE + 2 * i], s,
				      tv[i], s->tenant_id);
		if (err)
			return err;
	}
	rs.region = s->region;
	rs.rangev = s->rangev;
	rs.rangec = s->rangec;
	rs.excv = s->excv;
	rs.excc = s->excc;
	if (route_sched_check(&rs, why, sizeof(why)))
		return api_error(req, 422, "%s", why);
	return 0;
}

static int schedule_fail(struct api_req *req, int err, const void *rec)
{
	const T *s = rec;

	switch (err) {
	case EEXIST:
		return api_fail(req, err, "name: %s exists already", s->name);
	case ELOOP:
		return api_error(req, 422,
				 "schedule: its targets lead back to "
				 "itself");
	case EBUSY:
		return api_fail(req, err,
				"schedule %lld is in use by a number, "
				"another schedule, a menu or a mailbox",
				(long long)s->id);
	default:
		return api_fail(req, err, "schedule: %m", err);
	}
}

static void schedule_init(void *rec)
{
	T *s = rec;

	s->closed.type = TARGET_NONE;
}

API_STORE_GET(schedule_get, store_schedule_get)

API_STORE_ADD(schedule_add, store_schedule_add)

API_STORE_UPDATE(schedule_update, store_schedule_update)

API_LIST_H(schedule_h, T)

static int schedule_list(struct api_req *req, const struct api_query *q,
			 void *arg)
{
	return store_schedule_list(req->api->st, q->tenant_id, schedule_h, arg);
}

static int schedule_print(struct re_printf *pf, void *rec)
{
	const T *s = rec;

	return re_hprintf(pf, "%s, tenant %lld", s->name,
			  (long long)s->tenant_id);
}

/* GET /api/v1/schedules/:id/state[?at=ISO]: the state at that moment */
static int schedule_state(struct api_req *req)
{
	struct route_sched rs;
	struct odict *o = NULL;
	const struct store_target_ref *t;
	enum store_sched_state state;
	const char *why = "";
	uint64_t at = req->now;
	struct pl v;
	T *s;
	int err;

	if (!re_regex(req->msg->prm.p, req->msg->prm.l, "at=[^&]+", &v)) {
		char buf[40];

		if (!api_pct_decode(buf, sizeof(buf), &v) ||
		    time_iso_parse(buf, &at))
			return api_error(req, 400,
					 "at: must be an ISO-8601 time");
	}
	else if (req->msg->prm.l) {
		return api_error(req, 400, "%r: unknown query parameter",
				 &req->msg->prm);
	}
	s = mem_zalloc(sizeof(*s), NULL);
	if (!s)
		return ENOMEM;
	err = store_schedule_get(req->api->st, req->id, s);
	if (err == ENOENT || (!err && req->token.tenant_id &&
			      s->tenant_id != req->token.tenant_id)) {
		mem_deref(s);
		return api_not_found(req);
	}
	if (err)
		goto out;
	rs.region = s->region;
	rs.rangev = s->rangev;
	rs.rangec = s->rangec;
	rs.excv = s->excv;
	rs.excc = s->excc;
	state = route_sched_state(&rs, at, &why);
	t = state == STORE_SCHED_OPEN     ? &s->open
	    : state == STORE_SCHED_CLOSED ? &s->closed
	    : s->holiday.type             ? &s->holiday
					  : &s->closed;
	err = odict_alloc(&o, 8);
	if (err)
		goto out;
	err |= api_add_time(o, "at", at);
	err |= api_add_str(o, "state", store_sched_state_name(state));
	err |= api_add_str(o, "why", why);
	err |= api_add_str(o, "target_type", store_target_name(t->type));
	err |= api_add_id(o, "target_id", t->id);
	err = api_reply_encoded(req, 200, err, o, 0);
out:
	mem_deref(s);
	return err;
}

static const struct api_action actions[] = {
    {"GET", "/:id/state", schedule_state},
};

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

const struct api_resource api_schedules = {
    .path = "/api/v1/schedules",
    .noun = "schedule",
    .label = "schedule",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = schedule_get,
    .add = schedule_add,
    .update = schedule_update,
    .del = store_schedule_delete,
    .list = schedule_list,
    .init = schedule_init,
    .check = schedule_check,
    .fail = schedule_fail,
    .print = schedule_print,
    .enoent_unless = "open_id",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
