/*
 * route.h - where a call goes: dialled digits and caller -> one target.
 *
 * Pure decision logic on top of the store: no SIP, no sockets.  The SIP
 * layer describes the caller (a trunk, or an authenticated device) and the
 * dialled user part; route_resolve() answers with the target (a kind and
 * an id, not the records: the application reads what it needs), the
 * number to present as caller ID (seeds/000 and seeds/003) and the SIP
 * status to send when there is no target.  Which application a kind
 * starts is call/apps.c's table.
 */
#ifndef SWITCHBOARD_ROUTE_H
#define SWITCHBOARD_ROUTE_H

#include <stdint.h>
#include "store/store.h"

enum route_kind {
	ROUTE_REJECT = 0,   /* scode/reason say why               */
	ROUTE_EMPLOYEE,     /* ring all devices of employee        */
	ROUTE_ANNOUNCEMENT, /* answer, play announcement, hang up  */
	ROUTE_EXTERNAL,     /* out through trunk to dialled E.164  */
	ROUTE_IVR,          /* a voice menu (ivr/)                 */
	ROUTE_VOICEMAIL,    /* a mailbox (voicemail/)              */
	ROUTE_COLLECT,      /* a digit input (ivr/collect.c)       */
	ROUTE_RING_GROUP,   /* ring group (call/app_ring_group.c)  */
	ROUTE_QUEUE,        /* hotline queue (acd/; no app yet)    */
	ROUTE_FEATURE,      /* a feature code (acd/feature.c): id the
			       employee, number the code ("*50")   */
};

/* "reject", "employee", "announcement", "trunk" (for logs). */
const char *route_kind_name(enum route_kind kind);

struct route_caller {
	const struct store_trunk *trunk;   /* call from a carrier, or NULL */
	const struct store_device *device; /* call from a device, or NULL  */
	const char *from_user;             /* From user part as received   */
	const char *from_name;             /* From display name, or ""     */
	const char *to_user;               /* To user part, or NULL        */
	const char *const *divertv; /* forwarded from (Diversion, History-
				       Info: sip_diverted_from), as
				       received; only a trunk's count   */
	size_t divertc;
};

/* Where a call goes: what the table in call/apps.c starts. */
struct route_target {
	enum route_kind kind;
	int64_t id;            /* employee, announcement, trunk, menu or
				  ring group id                          */
	char number[64];       /* ROUTE_EXTERNAL: the E.164 number        */
	uint32_t timeout;      /* [s] ROUTE_EXTERNAL: ring at most; 0 = the
				  node's ring timeout                    */
	char caller_id[64];    /* number presented to the callee          */
	char caller_name[128]; /* display name presented                  */
};

struct route_result {
	struct route_target target;
	uint16_t scode;                 /* for ROUTE_REJECT                   */
	const char *reason;             /* for ROUTE_REJECT (static string)   */
	int64_t tenant_id;              /* tenant the call is billed to       */
	enum store_direction direction; /* of the call record         */
	char dialled[64];               /* E.164 or extension                 */
	char from_number[64];           /* caller for the call record         */
	char forwarded_from[24]; /* E.164: the client's number the call was
				    forwarded from (a forwarding), or "" */
	const char *screen;      /* a call from outside that the tenant's caller
			       lists decided (static): "block_list",
			       "allow_list", "advertising", "anonymous",
			       "vip"; NULL if none did                   */
	char vip[STORE_CALL_VAR_VALUE]; /* the VIP's name, or ""      */
};

/*
 * Fill r.  dialled is the Request-URI user.  A registering trunk's carrier
 * sends its calls to the Contact we registered, so there the Request-URI
 * user is the trunk's username and the number dialled is in To: when
 * dialled equals the username (or is empty), c->to_user is routed instead.
 * IP trunks and devices are always routed by the Request-URI.
 * Returns 0 (r->target.kind says what to do) or EINVAL/EIO.
 */
int route_resolve(struct store *st, const struct route_caller *c,
		  const char *dialled, struct route_result *r);

/*
 * Where target t of tenant_id leads now (a menu's key, its fallback):
 * r->target as route_resolve() would give it for a number routed to t,
 * schedules followed; ROUTE_REJECT with scode and reason if it leads
 * nowhere.  The caller ID fields of r->target are left empty, except for
 * an external number (TARGET_EXTERNAL: ROUTE_EXTERNAL through the
 * tenant's trunk), which presents the tenant's central number (empty if
 * it has none: the caller's then).  0, or an error of the store.
 */
int route_target_of(struct store *st, const struct store_target_ref *t,
		    int64_t tenant_id, struct route_result *r);

/*
 * Is mailbox m enabled at utc_ms (*onp)?  Only while active, and with a
 * schedule only while the schedule's state there matches the mailbox's
 * schedule_state: "open" while open, "closed" while closed or on a
 * holiday (outside business hours), "holiday" on holidays only.  A
 * mailbox whose schedule is gone counts as disabled.  0, or an error of
 * the store.
 */
int route_mailbox_enabled(struct store *st, const struct store_mailbox *m,
			  uint64_t utc_ms, bool *onp);

/* ---- time control (route/schedule.c, route/holiday.c) -------------------
 *
 * A schedule says, for a moment, whether a number (menu option, mailbox)
 * is open, closed or on holiday; each state has its own target.  Times
 * are Berlin wall-clock times (core: time_berlin).  What counts, first
 * match wins:
 *
 *   1. dated exceptions of the day: closed or holiday all day, or open
 *      in the exception's ranges only (24.12. 09:00-12:00);
 *   2. a public holiday of the schedule's federal state: holiday;
 *   3. the weekly ranges: open inside one, closed outside.
 *
 * 24/7 is one range of all seven days 00:00-24:00.  A range never spans
 * midnight: a night service is two ranges (22:00-24:00, 00:00-06:00).
 */

struct route_sched {
	enum store_region region; /* whose public holidays, or none */
	const struct store_sched_range *rangev;
	size_t rangec;
	const struct store_sched_exception *excv;
	size_t excc;
};

/* The state of the store's schedule id at utc_ms (a queue's open hours):
 * 0, or the store's error (ENOENT). */
int route_schedule_state(struct store *st, int64_t id, uint64_t utc_ms,
			 enum store_sched_state *statep);

/* The state of s at utc_ms; *why (may be NULL) tells the rule that
 * decided: "exception", the holiday's name, "hours" or "outside hours". */
enum store_sched_state route_sched_state(const struct route_sched *s,
					 uint64_t utc_ms, const char **why);

/* Check s before it is saved: 0, or EINVAL with err naming the problem
 * ("ranges[1]: start 18:00 is not before end 08:00", "ranges[2] overlaps
 * ranges[0] on Monday", "exceptions[0]: no such date 2026-02-30"). */
int route_sched_check(const struct route_sched *s, char *err, size_t sz);

/* The public holiday on y-m-d in region ("Karfreitag"), or NULL. */
const char *route_holiday(enum store_region region, unsigned y, unsigned m,
			  unsigned d);

typedef int(route_holiday_h)(const char *name, unsigned m, unsigned d,
			     void *arg);
/* Call h for each holiday of region in year y, in date order; stops at
 * h's first error and returns it.  EINVAL for a bad region or year. */
int route_holiday_list(enum store_region region, unsigned y, route_holiday_h *h,
		       void *arg);

#endif
