/*
 * availability.c - what the agent sees for an employee at a moment
 * (seeds/001, "Abwesenheitsinfo" and "Termine"): the permanent absence
 * info, replaced by an appointment while the appointment runs.  No
 * clock of its own: the caller passes the moment (the API's at=).
 *
 *   appointments running at t (starts_at <= t < ends_at)?
 *      yes -> the one that started last (tie: ends first, lower id);
 *             until = its end, or the start of a later one inside it
 *      no  -> the absence info ("" : none); until = next start
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "secretariat/secretariat.h"

const char *secr_avail_source_name(enum secr_avail_source s)
{
	switch (s) {
	case SECR_AVAIL_APPOINTMENT:
		return "appointment";
	case SECR_AVAIL_ABSENCE:
		return "absence_info";
	default:
		return "none";
	}
}

/* Does a show rather than b, when both run? */
static bool wins(const struct store_appointment *a,
		 const struct store_appointment *b)
{
	if (a->starts_at != b->starts_at)
		return a->starts_at > b->starts_at;
	if (a->ends_at != b->ends_at)
		return a->ends_at < b->ends_at;
	return a->id < b->id;
}

void secr_availability_at(const struct store_appointment *apptv, size_t apptc,
			  const char *absence, uint64_t utc_ms,
			  struct secr_availability *out)
{
	const struct store_appointment *best = NULL;
	uint64_t next = 0;
	size_t i;

	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	out->text = "";
	for (i = 0; apptv && i < apptc; i++) {
		const struct store_appointment *a = &apptv[i];

		if (a->starts_at <= utc_ms && utc_ms < a->ends_at &&
		    (!best || wins(a, best)))
			best = a;
	}
	/* the next start after t: where a later appointment takes over */
	for (i = 0; apptv && i < apptc; i++) {
		const struct store_appointment *a = &apptv[i];

		if (a->starts_at > utc_ms && (!next || a->starts_at < next))
			next = a->starts_at;
	}
	if (best) {
		out->source = SECR_AVAIL_APPOINTMENT;
		out->text = best->text;
		out->appointment_id = best->id;
		out->from = best->starts_at;
		out->until =
		    next && next < best->ends_at ? next : best->ends_at;
		return;
	}
	if (absence && absence[0]) {
		out->source = SECR_AVAIL_ABSENCE;
		out->text = absence;
	}
	out->until = next;
}

enum { APPTS_MAX = 64 }; /* appointments of one employee around t */

struct collect {
	struct store_appointment *v;
	size_t n;
};

static int collect_h(const struct store_appointment *a, void *arg)
{
	struct collect *c = arg;

	if (c->n >= APPTS_MAX)
		return 0;
	c->v[c->n++] = *a;
	return 0;
}

int secr_employee_availability(struct store *st, int64_t employee_id,
			       uint64_t utc_ms, struct store_absence *absp,
			       struct store_appointment *apptp,
			       struct secr_availability *out)
{
	struct store_appointment_filter f;
	struct collect c = {NULL, 0};
	size_t i;
	int err;

	if (!st || employee_id <= 0 || !absp || !apptp || !out)
		return EINVAL;
	err = store_absence_get(st, employee_id, absp);
	if (err)
		return err;
	c.v = mem_zalloc(APPTS_MAX * sizeof(*c.v), NULL);
	if (!c.v)
		return ENOMEM;
	/* those running at t, and those starting after it (the next
	 * change); a walk by starts_at, so the first APPTS_MAX are the
	 * ones that matter */
	memset(&f, 0, sizeof(f));
	f.employee_id = employee_id;
	f.from = utc_ms;
	err = store_appointment_list(st, &f, collect_h, &c);
	if (err)
		goto out;
	secr_availability_at(c.v, c.n, absp->text, utc_ms, out);
	for (i = 0; out->appointment_id && i < c.n; i++) {
		if (c.v[i].id == out->appointment_id) {
			*apptp = c.v[i];
			out->text = apptp->text;
		}
	}
out:
	mem_deref(c.v);
	return err;
}
