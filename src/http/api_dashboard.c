/*
 * api_dashboard.c - a client's dashboard and caller statistics (issue 17,
 * "Dashboard and statistics"), read only, ready for charts:
 *
 *   GET /api/v1/tenants/:id/dashboard?limit=20
 *       the latest inbound calls of the client, newest first, each with
 *       its newest note shortened (the concern cut to 80 characters)
 *   GET /api/v1/tenants/:id/call_stats?from=YYYY-MM-DD&to=YYYY-MM-DD
 *       totals, per Berlin day, per Berlin hour of the day and per
 *       employee for the days from..to (both included, at most 366)
 *
 * The store sums the calls and notes up per UTC hour
 * (src/store/sqlite_dashboard.c, which also defines "transferred"); as
 * Berlin's offsets are whole hours, each UTC hour lies in one Berlin day
 * and hour, and this file only files them there.  The answer speeds come
 * sorted from the store; their percentiles are taken here by nearest
 * rank.  Roles (roles.c): the dashboard is the client admin's, the
 * operator's and the client's agents' (an agent sees the notes it took
 * only, as GET /notes); the statistics are the client admin's and the
 * operator's.  Another tenant's id is 404.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

enum {
	HOUR = 3600000,
	DASH_LIMIT_MAX = 100,
	DASH_LIMIT = 20,
	CONCERN_CHARS = 80, /* the dashboard's concern, code points */
	STATS_DAYS_MAX = 366,
};

/* The path's tenant, scoped to the token's: 0, or an errno after the
 * reply (404). */
static int tenant_check(struct api_req *req)
{
	struct store_tenant *t;
	int err;

	if (req->token.tenant_id && req->id != req->token.tenant_id)
		return api_not_found(req);
	t = mem_zalloc(sizeof(*t), NULL);
	if (!t)
		return ENOMEM;
	err = store_tenant_get(req->api->st, req->id, t);
	mem_deref(t);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "tenant: %m", err);
	return 0;
}

/* ---- dashboard ---------------------------------------------------------- */

/* The first CONCERN_CHARS code points of s into buf, and "…" if there was
 * more; never cuts a UTF-8 sequence (s is valid UTF-8: the API checks
 * every string it stores). */
static void concern_short(char *buf, size_t sz, const char *s)
{
	size_t i = 0, chars = 0;

	while (s[i] && chars < CONCERN_CHARS) {
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
	if (i + 4 > sz)
		i = 0; /* cannot happen: sz holds 80 4-byte characters */
	memcpy(buf, s, i);
	buf[i] = '\0';
	if (s[i])
		strcpy(buf + i, "\xe2\x80\xa6");
}

static int note_object(struct odict *o, struct store *st, int64_t note_id)
{
	struct store_note *n;
	struct odict *no = NULL, *ids = NULL;
	char concern[4 * CONCERN_CHARS + 4];
	uint32_t i;
	int err;

	if (!note_id)
		return odict_entry_add(o, "note", ODICT_NULL);
	n = mem_zalloc(sizeof(*n), NULL);
	if (!n)
		return ENOMEM;
	err = store_note_get(st, note_id, n);
	if (err == ENOENT) { /* deleted meanwhile */
		mem_deref(n);
		return odict_entry_add(o, "note", ODICT_NULL);
	}
	if (err)
		goto out;
	err = odict_alloc(&no, 8);
	if (!err)
		err = api_list_alloc(&ids);
	if (err)
		goto out;
	concern_short(concern, sizeof(concern), n->concern);
	err |= api_add_int(no, "id", n->id);
	err |= api_add_str(no, "caller_name", n->caller_name);
	err |= api_add_str(no, "concern", concern);
	err |= api_add_bool(no, "urgent", n->urgent);
	for (i = 0; !err && i < n->employeec; i++) {
		char key[16];

		re_snprintf(key, sizeof(key), "%u", i);
		err = odict_entry_add(ids, key, ODICT_INT, n->employeev[i]);
	}
	err |= odict_entry_add(no, "employee_ids", ODICT_ARRAY, ids);
	err |= odict_entry_add(o, "note", ODICT_OBJECT, no);
	if (err)
		err = ENOMEM;
out:
	mem_deref(ids);
	mem_deref(no);
	mem_deref(n);
	return err;
}

static int call_object(struct odict *arr, struct store *st,
		       const struct store_dash_call *c)
{
	struct odict *o = NULL;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err |= api_add_int(o, "id", c->id);
	err |= api_add_str_or_null(o, "from_number", c->from_number);
	err |= api_add_time(o, "started_at", c->started_at);
	err |= api_add_time(o, "answered_at", c->answered_at);
	err |= api_add_str_or_null(o, "disposition", c->disposition);
	err |= api_add_str_or_null(o, "forwarded_from", c->forwarded_from);
	if (!err)
		err = note_object(o, st, c->note_id);
	if (!err)
		err = api_list_append(arr, o);
	mem_deref(o);
	return err;
}

static int dashboard(struct api_req *req)
{
	static const struct api_param params[] = {
	    {"limit", AP_UINT, offsetof(struct api_query, limit), 1,
	     DASH_LIMIT_MAX, DASH_LIMIT},
	};
	struct store_dash_call *v = NULL;
	struct odict *o = NULL, *arr = NULL;
	struct api_query q;
	int64_t emp = 0, tok = 0;
	size_t i, n = 0;
	int err;

	err = api_query_read(req, params, ARRAY_SIZE(params), &q);
	if (!err)
		err = tenant_check(req);
	if (err)
		return err;
	if (req->token.role[0] && !strcmp(req->token.role, "agent")) {
		emp = req->token.employee_id;
		tok = req->token.id;
	}
	v = mem_zalloc(q.limit * sizeof(*v), NULL);
	if (!v)
		return ENOMEM;
	err = store_dash_calls(req->api->st, req->id, emp, tok, v, q.limit, &n);
	if (err) {
		err = api_fail(req, err, "dashboard: %m", err);
		goto out;
	}
	err = odict_alloc(&o, 8);
	if (!err)
		err = api_list_alloc(&arr);
	if (err)
		goto out;
	for (i = 0; !err && i < n; i++)
		err = call_object(arr, req->api->st, &v[i]);
	err |= api_add_int(o, "tenant_id", req->id);
	err |= odict_entry_add(o, "calls", ODICT_ARRAY, arr);
	err = api_reply_encoded(req, 200, err, o, 0);
	o = NULL; /* released by the reply */
out:
	mem_deref(arr);
	mem_deref(o);
	mem_deref(v);
	return err;
}

/* ---- call statistics ---------------------------------------------------- */

struct stats_day {
	uint64_t start; /* [ms] its Berlin midnight (UTC) */
	char date[16];  /* "YYYY-MM-DD"                   */
	uint32_t calls, answered, abandoned, transferred, notes;
};

struct stats {
	struct stats_day *dayv; /* the days from..to (owned) */
	size_t dayc;
	size_t cur; /* the day the last hour fell in */
	uint32_t hour_calls[24], hour_answered[24];
	struct store_dash_hour total;
	uint64_t *speedv; /* answer speeds [ms], ascending (owned) */
	size_t speedc, speedsz;
};

/* "YYYY-MM-DD" s into *y, *m, *d: a real date from 1970 on; EINVAL. */
static int date_read(const char *s, unsigned *y, unsigned *m, unsigned *d)
{
	size_t i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return EINVAL;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return EINVAL;
	*y = (unsigned)((s[0] - '0') * 1000 + (s[1] - '0') * 100 +
			(s[2] - '0') * 10 + (s[3] - '0'));
	*m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	*d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	if (*y < 1970 || *d < 1 || *d > time_days_in_month(*y, *m))
		return EINVAL;
	return 0;
}

/* The query's date parameter name: *daysp (days since 1970-01-01), or
 * def if absent; 0, or an errno after the reply (422). */
static int date_param(struct api_req *req, const char *name, int64_t def,
		      int64_t *daysp)
{
	unsigned y, m, d;
	uint64_t ms;
	char buf[32];
	int r = api_query_str(req, name, buf, sizeof(buf));

	*daysp = def;
	if (r == 0)
		return 0;
	if (r < 0 || date_read(buf, &y, &m, &d) ||
	    time_berlin_utc(y, m, d, 0, &ms))
		return api_error(req, 422, "%s: must be a date YYYY-MM-DD",
				 name);
	*daysp = time_days(y, m, d);
	return 0;
}

/* The Berlin midnight [ms] of the day days after 1970-01-01, and its
 * date; EINVAL before 1970. */
static int day_start(int64_t days, uint64_t *msp, char *date, size_t sz)
{
	struct time_local lt;

	/* noon UTC of that day is the same day in Berlin */
	time_berlin((uint64_t)days * 86400000 + 12 * (uint64_t)HOUR, &lt);
	if (date)
		re_snprintf(date, sz, "%04u-%02u-%02u", lt.year, lt.month,
			    lt.day);
	return time_berlin_utc(lt.year, lt.month, lt.day, 0, msp);
}

static int hour_add(const struct store_dash_hour *h, void *arg)
{
	struct stats *s = arg;
	struct stats_day *day;
	struct time_local lt;

	while (s->cur + 1 < s->dayc && h->start >= s->dayv[s->cur + 1].start)
		s->cur++;
	day = &s->dayv[s->cur];
	day->calls += h->calls;
	day->answered += h->answered;
	day->abandoned += h->abandoned;
	day->transferred += h->transferred;
	day->notes += h->notes;
	time_berlin(h->start, &lt);
	s->hour_calls[lt.hour] += h->calls;
	s->hour_answered[lt.hour] += h->answered;
	s->total.calls += h->calls;
	s->total.answered += h->answered;
	s->total.abandoned += h->abandoned;
	s->total.transferred += h->transferred;
	s->total.notes += h->notes;
	return 0;
}

static int speed_add(uint64_t ms, void *arg)
{
	struct stats *s = arg;

	if (s->speedc == s->speedsz) {
		size_t sz = s->speedsz ? 2 * s->speedsz : 64;
		/* libre's mem_realloc() does not take NULL */
		uint64_t *v = s->speedv
				  ? mem_realloc(s->speedv, sz * sizeof(*v))
				  : mem_alloc(sz * sizeof(*v), NULL);

		if (!v)
			return ENOMEM;
		s->speedv = v;
		s->speedsz = sz;
	}
	s->speedv[s->speedc++] = ms;
	return 0;
}

/* The p-th percentile of the answer speeds by nearest rank (of the n in
 * ascending order the ceil(p/100 * n)-th), in whole seconds rounded half
 * up; null without an answered call. */
static int add_percentile(struct odict *o, const char *key,
			  const struct stats *s, unsigned p)
{
	size_t rank;

	if (!s->speedc)
		return odict_entry_add(o, key, ODICT_NULL);
	rank = (p * s->speedc + 99) / 100;
	if (rank < 1)
		rank = 1;
	return api_add_int(o, key,
			   (int64_t)((s->speedv[rank - 1] + 500) / 1000));
}

static int employee_add(int64_t employee_id, const char *name, uint32_t notes,
			void *arg)
{
	struct odict *arr = arg, *o = NULL;
	int err;

	err = odict_alloc(&o, 4);
	if (err)
		return err;
	err |= api_add_int(o, "employee_id", employee_id);
	err |= api_add_str(o, "name", name);
	err |= api_add_int(o, "notes", notes);
	if (!err)
		err = api_list_append(arr, o);
	mem_deref(o);
	return err ? ENOMEM : 0;
}

static int stats_reply(struct api_req *req, struct stats *s, uint64_t from,
		       uint64_t until)
{
	struct odict *o = NULL, *days = NULL, *hours = NULL, *emps = NULL;
	struct odict *x;
	size_t i;
	int err;

	err = odict_alloc(&o, 32);
	if (!err)
		err = api_list_alloc(&days);
	if (!err)
		err = api_list_alloc(&hours);
	if (!err)
		err = api_list_alloc(&emps);
	if (err)
		goto out;
	err = store_dash_employees(req->api->st, req->id, from, until,
				   employee_add, emps);
	if (err) {
		err = api_fail(req, err, "call_stats: %m", err);
		goto out;
	}
	err |= api_add_int(o, "tenant_id", req->id);
	err |= api_add_str(o, "time_zone", "Europe/Berlin");
	err |= api_add_str(o, "from", s->dayv[0].date);
	err |= api_add_str(o, "to", s->dayv[s->dayc - 1].date);
	err |= api_add_int(o, "calls", s->total.calls);
	err |= api_add_int(o, "answered", s->total.answered);
	err |= api_add_int(o, "abandoned", s->total.abandoned);
	err |= api_add_int(o, "transferred", s->total.transferred);
	err |= api_add_int(o, "notes", s->total.notes);
	err |= add_percentile(o, "answer_p50_s", s, 50);
	err |= add_percentile(o, "answer_p90_s", s, 90);
	for (i = 0; !err && i < s->dayc; i++) {
		const struct stats_day *d = &s->dayv[i];

		err = odict_alloc(&x, 8);
		if (err)
			break;
		err |= api_add_str(x, "date", d->date);
		err |= api_add_int(x, "calls", d->calls);
		err |= api_add_int(x, "answered", d->answered);
		err |= api_add_int(x, "abandoned", d->abandoned);
		err |= api_add_int(x, "transferred", d->transferred);
		err |= api_add_int(x, "notes", d->notes);
		if (!err)
			err = api_list_append(days, x);
		mem_deref(x);
	}
	for (i = 0; !err && i < 24; i++) {
		err = odict_alloc(&x, 4);
		if (err)
			break;
		err |= api_add_int(x, "hour", (int64_t)i);
		err |= api_add_int(x, "calls", s->hour_calls[i]);
		err |= api_add_int(x, "answered", s->hour_answered[i]);
		if (!err)
			err = api_list_append(hours, x);
		mem_deref(x);
	}
	err |= odict_entry_add(o, "per_day", ODICT_ARRAY, days);
	err |= odict_entry_add(o, "per_hour", ODICT_ARRAY, hours);
	err |= odict_entry_add(o, "per_employee", ODICT_ARRAY, emps);
	err = api_reply_encoded(req, 200, err, o, 0);
	o = NULL; /* released by the reply */
out:
	mem_deref(emps);
	mem_deref(hours);
	mem_deref(days);
	mem_deref(o);
	return err;
}

static int call_stats(struct api_req *req)
{
	static const struct api_param params[] = {
	    {"from", AP_STR, 0, 0, 0, 0},
	    {"to", AP_STR, 0, 0, 0, 0},
	};
	struct stats s;
	struct api_query q;
	struct time_local lt;
	int64_t today, from, to, i;
	uint64_t until;
	int err;

	memset(&s, 0, sizeof(s));
	err = api_query_read(req, params, ARRAY_SIZE(params), &q);
	if (!err)
		err = tenant_check(req);
	if (err)
		return err;
	time_berlin(req->now, &lt);
	today = time_days(lt.year, lt.month, lt.day);
	err = date_param(req, "from", 0, &from);
	if (!err)
		err = date_param(req, "to", 0, &to);
	if (err)
		return err;
	/* each defaults to the other, both to today in Berlin */
	if (!from && !to)
		from = to = today;
	else if (!from)
		from = to;
	else if (!to)
		to = from;
	if (to < from)
		return api_error(req, 422, "to: must not be before from");
	if (to - from + 1 > STATS_DAYS_MAX)
		return api_error(req, 422, "to: at most %u days from from",
				 STATS_DAYS_MAX);
	s.dayc = (size_t)(to - from + 1);
	s.dayv = mem_zalloc(s.dayc * sizeof(*s.dayv), NULL);
	if (!s.dayv)
		return ENOMEM;
	for (i = 0; !err && i < (int64_t)s.dayc; i++)
		err = day_start(from + i, &s.dayv[i].start, s.dayv[i].date,
				sizeof(s.dayv[i].date));
	if (!err)
		err = day_start(to + 1, &until, NULL, 0);
	if (err) {
		err = api_error(req, 422, "from: must be a date YYYY-MM-DD");
		goto out;
	}
	err = store_dash_hours(req->api->st, req->id, s.dayv[0].start, until,
			       hour_add, &s);
	if (!err)
		err = store_dash_speeds(req->api->st, req->id, s.dayv[0].start,
					until, speed_add, &s);
	if (err) {
		err = api_fail(req, err, "call_stats: %m", err);
		goto out;
	}
	err = stats_reply(req, &s, s.dayv[0].start, until);
out:
	mem_deref(s.speedv);
	mem_deref(s.dayv);
	return err;
}

static const struct api_action actions[] = {
    {"GET", "/:id/dashboard", dashboard},
    {"GET", "/:id/call_stats", call_stats},
};

const struct api_resource api_dashboard = {
    .path = "/api/v1/tenants",
    .noun = "tenant",
    .label = "tenant",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
