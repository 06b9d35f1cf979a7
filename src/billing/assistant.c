/*
 * assistant.c - the assistants' phone tasks of seeds/000 (billing.h):
 * the areas and their factors, the EU numbers, and the rating of an
 * assistant's month on a task (15 min of phoning per working hour
 * included, above it the factor on the booked time).  Pure.
 */
#include <string.h>
#include <re.h>
#include "billing/billing.h"

static const struct {
	const char *name;
	uint32_t factor_pm;
} areav[BILLING_AREAS] = {
    [BILLING_AREA_BACKOFFICE_DE] = {"backoffice_de", 1200},
    [BILLING_AREA_BACKOFFICE_EU] = {"backoffice_eu", 1300},
    [BILLING_AREA_SALES_DE] = {"sales_de", 2000},
    [BILLING_AREA_SALES_EU] = {"sales_eu", 2100},
};

/* The country codes of the 27 EU member states (E.164 country codes are
 * prefix-free: a number has exactly one of them at its start).  Their
 * overseas territories with a code of their own (+262, +590, ...) are
 * not in: an individual offer. */
static const char *const euv[] = {
    "43",  "32", "359", "385", "357", "420", "45",  "372", "358",
    "33",  "49", "30",  "36",  "353", "39",  "371", "370", "352",
    "356", "31", "48",  "351", "40",  "421", "386", "34",  "46",
};

const char *billing_area_name(enum billing_area a)
{
	return (unsigned)a < BILLING_AREAS ? areav[a].name : NULL;
}

uint32_t billing_area_factor(enum billing_area a)
{
	return (unsigned)a < BILLING_AREAS ? areav[a].factor_pm : 0;
}

int billing_area_parse(const char *s, enum billing_area *ap)
{
	unsigned i;

	if (!s || !ap)
		return EINVAL;
	for (i = 0; i < BILLING_AREAS; i++) {
		if (!strcmp(s, areav[i].name)) {
			*ap = (enum billing_area)i;
			return 0;
		}
	}
	return EINVAL;
}

bool billing_eu_number(const char *s)
{
	size_t i, n;

	if (!s || s[0] != '+')
		return false;
	n = strlen(s);
	if (n < 8 || n > 16)
		return false;
	for (i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	for (i = 0; i < ARRAY_SIZE(euv); i++)
		if (!strncmp(s + 1, euv[i], strlen(euv[i])))
			return true;
	return false;
}

int billing_task_rate(enum billing_area a, uint32_t work_min, uint64_t phone_s,
		      struct billing_task_month *m)
{
	if ((unsigned)a >= BILLING_AREAS)
		return EINVAL;
	return billing_task_rate_pm(areav[a].factor_pm, work_min, phone_s, m);
}

int billing_task_rate_pm(uint32_t factor_pm, uint32_t work_min,
			 uint64_t phone_s, struct billing_task_month *m)
{
	if (!m || factor_pm < BILLING_FACTOR_ONE)
		return EINVAL;
	memset(m, 0, sizeof(*m));
	m->work_min = work_min;
	m->phone_s = phone_s;
	m->factor_pm = factor_pm;
	m->included_s = (uint64_t)work_min * BILLING_INCLUDED_S_PER_WORK_MIN;
	m->phone_s_per_h = work_min ? phone_s * 60 / work_min : phone_s;
	/* more than 15 min per hour: 15 min + 1 s is more */
	m->passed = phone_s > m->included_s;
	m->factor_applied = m->passed && m->factor_pm != BILLING_FACTOR_ONE;
	m->billed_mmin = (uint64_t)work_min *
			 (m->passed ? m->factor_pm : BILLING_FACTOR_ONE);
	return 0;
}

uint64_t billing_task_day_x(const struct billing_task_month *m,
			    uint32_t minutes, uint32_t cents_per_hour)
{
	if (!m)
		return 0;
	return (uint64_t)minutes *
	       (m->passed ? m->factor_pm : BILLING_FACTOR_ONE) * cents_per_hour;
}

uint64_t billing_task_cents(uint64_t x)
{
	return (x + BILLING_TASK_X / 2) / BILLING_TASK_X;
}
