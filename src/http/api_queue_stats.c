/*
 * api_queue_stats.c - GET /api/v1/queues/:id/stats: a queue's statistics
 * per hour of a Europe/Berlin day (or of the days from..to) and their
 * total, summed up from the callers' visits (src/acd/report.c; the
 * figures' definitions are in acd.h and docs/api.md).
 *
 *   ?date=2026-12-07          one day (default: today in Berlin)
 *   ?from=2026-12-01&to=...   several days, at most 31 (to defaults to
 *                             from, from to to)
 *
 * Hours are the real hours of the Berlin day: 24, or 23 on the day
 * summer time starts (there is no 02:00) and 25 on the day it ends
 * (02:00 comes twice, first at +02:00, then at +01:00); each hour names
 * its UTC start, its local date and hour and its UTC offset.  Roles: the
 * operator and client_admin (agents get 403, roles.c); a token of one
 * tenant sees only its tenant's queues (404 for others).
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "acd/acd.h"

enum { HOUR = 3600000 };

/* The UTC [ms] of 00:00 in Berlin of date "YYYY-MM-DD" s; EINVAL. */
static int midnight(const char *s, uint64_t *msp)
{
	struct time_local lt;
	char iso[40];
	uint64_t ms;

	if (!s || strlen(s) != 10)
		return EINVAL;
	re_snprintf(iso, sizeof(iso), "%sT00:00:00+01:00", s);
	if (time_iso_parse(iso, &ms))
		return EINVAL;
	/* midnight is never in a switch hour: it is +01:00 or +02:00 */
	time_berlin(ms, &lt);
	if (lt.offset == 120)
		ms -= HOUR;
	*msp = ms;
	return 0;
}

/* The UTC [ms] of the Berlin midnight after the day starting at ms. */
static uint64_t next_midnight(uint64_t ms)
{
	struct time_local lt;
	char date[16];
	uint64_t next = 0;

	/* 26 h after a midnight is 01:00 to 03:00 of the next day */
	time_berlin(ms + 26 * (uint64_t)HOUR, &lt);
	re_snprintf(date, sizeof(date), "%04u-%02u-%02u", lt.year, lt.month,
		    lt.day);
	(void)midnight(date, &next);
	return next;
}

/* The date parameter name into *msp (its midnight); 0 if absent. */
static int date_param(struct api_req *req, const char *name, uint64_t *msp)
{
	char buf[32];
	int r = api_query_str(req, name, buf, sizeof(buf));

	*msp = 0;
	if (r == 0)
		return 0;
	if (r < 0 || midnight(buf, msp))
		return api_error(req, 422, "%s: must be a date YYYY-MM-DD",
				 name);
	return 0;
}

static int add_ms(struct odict *o, const char *key, int64_t v)
{
	return v < 0 ? odict_entry_add(o, key, ODICT_NULL)
		     : api_add_int(o, key, v);
}

static int add_figures(struct odict *o, const struct acd_figures *f)
{
	int err = 0;

	err |= api_add_int(o, "offered", f->offered);
	err |= api_add_int(o, "answered", f->answered);
	err |= api_add_int(o, "answered_within_sl", f->answered_within_sl);
	err |= add_ms(o, "service_level_permille", f->service_level_permille);
	err |= api_add_int(o, "abandoned", f->abandoned);
	err |= add_ms(o, "abandoned_avg_ms", f->abandoned_avg_ms);
	err |= add_ms(o, "asa_ms", f->asa_ms);
	err |= add_ms(o, "wait_p50_ms", f->wait_p50_ms);
	err |= add_ms(o, "wait_p90_ms", f->wait_p90_ms);
	err |= add_ms(o, "longest_wait_ms", f->longest_wait_ms);
	err |= add_ms(o, "aht_ms", f->aht_ms);
	err |= api_add_int(o, "timeouts", f->timeouts);
	err |= api_add_int(o, "full", f->full);
	err |= api_add_int(o, "no_agents", f->no_agents);
	err |= api_add_int(o, "closed", f->closed);
	err |= api_add_int(o, "voicemail", f->voicemail);
	err |= api_add_int(o, "callback", f->callback);
	err |= api_add_int(o, "waiting", f->waiting);
	err |= api_add_int(o, "callbacks_requested", f->callbacks_requested);
	err |= api_add_int(o, "callbacks_completed", f->callbacks_completed);
	return err;
}

static int add_hour(struct odict *arr, const struct acd_figures *f)
{
	struct time_local lt;
	struct odict *o = NULL;
	char buf[16];
	int err;

	time_berlin(f->start, &lt);
	err = odict_alloc(&o, 32);
	if (err)
		return err;
	err |= api_add_time(o, "start", f->start);
	re_snprintf(buf, sizeof(buf), "%04u-%02u-%02u", lt.year, lt.month,
		    lt.day);
	err |= api_add_str(o, "date", buf);
	err |= api_add_int(o, "hour", lt.hour);
	re_snprintf(buf, sizeof(buf), "+%02d:00", lt.offset / 60);
	err |= api_add_str(o, "utc_offset", buf);
	err |= add_figures(o, f);
	if (!err)
		err = api_list_append(arr, o);
	mem_deref(o);
	return err;
}

static int date_str(char *buf, size_t sz, uint64_t ms)
{
	struct time_local lt;

	time_berlin(ms, &lt);
	return re_snprintf(buf, sz, "%04u-%02u-%02u", lt.year, lt.month,
			   lt.day);
}

static int reply(struct api_req *req, const struct store_queue *q,
		 const struct acd_report *r, uint64_t from, uint64_t last)
{
	struct odict *o = NULL, *arr = NULL, *tot = NULL;
	char buf[16];
	size_t i;
	int err;

	err = odict_alloc(&o, 16);
	if (!err)
		err = api_list_alloc(&arr);
	if (!err)
		err = odict_alloc(&tot, 32);
	if (err)
		goto out;
	err |= api_add_int(o, "queue_id", q->id);
	err |= api_add_int(o, "tenant_id", q->tenant_id);
	err |= api_add_str(o, "time_zone", "Europe/Berlin");
	date_str(buf, sizeof(buf), from);
	err |= api_add_str(o, "from", buf);
	date_str(buf, sizeof(buf), last);
	err |= api_add_str(o, "to", buf);
	err |= api_add_int(o, "service_level", q->service_level);
	for (i = 0; !err && i < r->hourc; i++)
		err = add_hour(arr, &r->hourv[i]);
	err |= odict_entry_add(o, "hours", ODICT_ARRAY, arr);
	err |= add_figures(tot, &r->total);
	err |= odict_entry_add(o, "total", ODICT_OBJECT, tot);
	if (err) {
		err = ENOMEM;
		goto out;
	}
	err = api_reply_object(req, 200, o);
out:
	mem_deref(tot);
	mem_deref(arr);
	mem_deref(o);
	return err;
}

int api_queue_stats(struct api_req *req)
{
	static const struct api_param params[] = {
	    {"date", AP_STR, 0, 0, 0, 0},
	    {"from", AP_STR, 0, 0, 0, 0},
	    {"to", AP_STR, 0, 0, 0, 0},
	};
	struct acd_report *r = NULL;
	struct store_queue *q;
	struct api_query aq;
	uint64_t date, from, to, end;
	int err;

	err = api_query_read(req, params, ARRAY_SIZE(params), &aq);
	if (err)
		return err;
	q = mem_zalloc(sizeof(*q), NULL);
	if (!q)
		return ENOMEM;
	err = store_queue_get(req->api->st, req->id, q);
	if (err == ENOENT || (!err && req->token.tenant_id &&
			      q->tenant_id != req->token.tenant_id)) {
		err = api_not_found(req);
		goto out;
	}
	if (err) {
		err = api_fail(req, err, "queue: %m", err);
		goto out;
	}
	err = date_param(req, "date", &date);
	if (!err)
		err = date_param(req, "from", &from);
	if (!err)
		err = date_param(req, "to", &to);
	if (err)
		goto out;
	if (date && (from || to)) {
		err = api_error(req, 422,
				"date: give either date or from and to");
		goto out;
	}
	if (!date && !from && !to) {
		char today[16];

		date_str(today, sizeof(today), req->now);
		(void)midnight(today, &date);
	}
	if (date)
		from = to = date;
	else if (!from)
		from = to;
	else if (!to)
		to = from;
	if (to < from) {
		err = api_error(req, 422, "to: must not be before from");
		goto out;
	}
	end = next_midnight(to);
	if ((end - from) / HOUR > ACD_REPORT_HOURS_MAX) {
		err = api_error(req, 422, "to: at most 31 days from from");
		goto out;
	}
	err = acd_report(req->api->st, q->id, q->service_level, from, end, &r);
	if (err) {
		err = api_fail(req, err, "statistics: %m", err);
		goto out;
	}
	err = reply(req, q, r, from, to);
out:
	mem_deref(r);
	mem_deref(q);
	return err;
}
