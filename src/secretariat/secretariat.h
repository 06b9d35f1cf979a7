/*
 * secretariat.h - the answering service (seeds/001, seeds/002): what an
 * agent needs to know about a client and its employees while a call
 * rings.  Pure rules over store records with the moment passed in (no
 * clock of their own), and the calls that read the store for them.
 */
#ifndef SWITCHBOARD_SECRETARIAT_H
#define SWITCHBOARD_SECRETARIAT_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* ==== availability and on-call (availability.c, oncall.c) ==== */

/* Where the text an agent sees for an employee comes from. */
enum secr_avail_source {
	SECR_AVAIL_NONE = 0,    /* "none": nothing to say              */
	SECR_AVAIL_APPOINTMENT, /* "appointment": one runs at the moment */
	SECR_AVAIL_ABSENCE,     /* "absence_info": the permanent text   */
};

const char *secr_avail_source_name(enum secr_avail_source s);

/* What the agent sees for an employee at a moment, and how long. */
struct secr_availability {
	enum secr_avail_source source;
	const char *text;       /* (weak) into the inputs; "" for none    */
	int64_t appointment_id; /* the appointment shown, 0 if none       */
	uint64_t from;          /* [ms] shown since (0: unknown/always)   */
	uint64_t until;         /* [ms] shown until (0: no end known)     */
};

/*
 * The rule of seeds/001 at utc_ms: an appointment that runs (starts_at
 * <= utc_ms < ends_at) replaces the absence info; afterwards the absence
 * info returns by itself.  Appointments may overlap: the one that started
 * last shows (a meeting inside a holiday), on a tie the one that ends
 * first, then the lower id.  until is when the text shown changes: the
 * end of the appointment, or the start of one that would take over
 * earlier; for the absence info the next appointment's start.  absence
 * may be NULL or "".  Never fails.
 */
void secr_availability_at(const struct store_appointment *apptv, size_t apptc,
			  const char *absence, uint64_t utc_ms,
			  struct secr_availability *out);

/* The full answer for employee_id, read from the store (its absence info
 * and the appointments that matter around utc_ms), into *out; text points
 * into *absp or the appointment copy in *apptp, which the caller keeps.
 * 0, ENOENT for no such employee, or an error of the store. */
int secr_employee_availability(struct store *st, int64_t employee_id,
			       uint64_t utc_ms, struct store_absence *absp,
			       struct store_appointment *apptp,
			       struct secr_availability *out);

/* Why someone is on duty. */
enum secr_oncall_source {
	SECR_ONCALL_NONE = 0, /* "none": before the first handoff      */
	SECR_ONCALL_ROTATION, /* "rotation": the member whose turn it is */
	SECR_ONCALL_OVERRIDE, /* "override": a dated swap               */
};

const char *secr_oncall_source_name(enum secr_oncall_source s);

/* Who is on duty at a moment, since when and until when. */
struct secr_oncall {
	enum secr_oncall_source source;
	int64_t employee_id; /* 0 for none                            */
	int64_t override_id; /* the override, 0 if none               */
	size_t turn;         /* rotation: the member's index          */
	uint64_t from;       /* [ms] on duty since (0: none)          */
	uint64_t until;      /* [ms] until the next change (the next
				handoff or an override's start or end) */
};

/*
 * The UTC moment of handoff k (k = 0 the first, on s->start_date) of the
 * weekly rotation of s: the Berlin date start_date + 7k days at
 * handoff_time, read as time_berlin_utc() does (a handoff at 08:00 stays
 * at 08:00 local across both switch days; one at 02:30 on the spring
 * switch day, a time that does not exist, happens at 03:30 CEST, on the
 * autumn switch day at the first 02:30, CEST).  EINVAL for a bad
 * start_date.
 */
int secr_oncall_handoff(const struct store_oncall_schedule *s, uint64_t k,
			uint64_t *msp);

/*
 * Who of s is on duty at utc_ms: an override that runs then (overrides
 * never overlap; ovrv in any order) wins; else the rotation member
 * whose turn it is (handoff k hands to memberv[k % memberc]); before the
 * first handoff nobody (until = the first handoff, unless an override
 * comes first).  from/until of a rotation turn are cut by the overrides
 * around it.  0, or EINVAL for a bad schedule.
 */
int secr_oncall_at(const struct store_oncall_schedule *s,
		   const struct store_oncall_override *ovrv, size_t ovrc,
		   uint64_t utc_ms, struct secr_oncall *out);

/* The same for the store's schedule id, with its overrides.  0, ENOENT
 * for no such schedule, or an error of the store. */
int secr_oncall_now(struct store *st, int64_t schedule_id, uint64_t utc_ms,
		    struct secr_oncall *out);

#endif
