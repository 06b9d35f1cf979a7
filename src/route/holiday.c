/*
 * holiday.c - German public holidays per federal state, computed: the
 * fixed dates, the ones that move with Easter (Karfreitag, Himmelfahrt,
 * Pfingsten, Fronleichnam) and Buss- und Bettag (the Wednesday before
 * 23 November).  One table below; a row says which states keep the day
 * and from/until which year.
 *
 * Only state-wide holidays are listed.  Days kept by some communities of
 * a state only are not (Fronleichnam in parts of Saxony and Thuringia,
 * Mariae Himmelfahrt in Bavaria's Catholic communities, the Augsburger
 * Friedensfest): a schedule adds them as dated exceptions.
 */
#include <stdlib.h>
#include "core/core.h"
#include "route/route.h"

#define R(x) (1u << STORE_REGION_##x)
#define ALL  0xfffffffeu /* every state, not STORE_REGION_NONE */

enum holiday_rule {
	HOLIDAY_FIXED = 0, /* month/day                       */
	HOLIDAY_EASTER,    /* Easter Sunday + day (days)      */
	HOLIDAY_BUSS,      /* Wednesday before 23 November    */
};

struct holiday {
	const char *name;
	enum holiday_rule rule;
	int month, day;   /* FIXED: the date; EASTER: day = offset */
	uint32_t regions; /* bit per enum store_region             */
	unsigned from;    /* first year kept, 0: always            */
	unsigned until;   /* last year kept, 0: still kept         */
};

static const struct holiday holidays[] = {
    {"Neujahr", HOLIDAY_FIXED, 1, 1, ALL, 0, 0},
    {"Heilige Drei Könige", HOLIDAY_FIXED, 1, 6, R(BW) | R(BY) | R(ST), 0, 0},
    {"Internationaler Frauentag", HOLIDAY_FIXED, 3, 8, R(BE), 2019, 0},
    {"Internationaler Frauentag", HOLIDAY_FIXED, 3, 8, R(MV), 2023, 0},
    {"Karfreitag", HOLIDAY_EASTER, 0, -2, ALL, 0, 0},
    {"Ostersonntag", HOLIDAY_EASTER, 0, 0, R(BB) | R(HE), 0, 0},
    {"Ostermontag", HOLIDAY_EASTER, 0, 1, ALL, 0, 0},
    {"Tag der Arbeit", HOLIDAY_FIXED, 5, 1, ALL, 0, 0},
    {"Tag der Befreiung", HOLIDAY_FIXED, 5, 8, R(BE), 2020, 2020},
    {"Tag der Befreiung", HOLIDAY_FIXED, 5, 8, R(BE), 2025, 2025},
    {"Christi Himmelfahrt", HOLIDAY_EASTER, 0, 39, ALL, 0, 0},
    {"Pfingstsonntag", HOLIDAY_EASTER, 0, 49, R(BB) | R(HE), 0, 0},
    {"Pfingstmontag", HOLIDAY_EASTER, 0, 50, ALL, 0, 0},
    {"Fronleichnam", HOLIDAY_EASTER, 0, 60,
     R(BW) | R(BY) | R(HE) | R(NW) | R(RP) | R(SL), 0, 0},
    {"Mariä Himmelfahrt", HOLIDAY_FIXED, 8, 15, R(SL), 0, 0},
    {"Weltkindertag", HOLIDAY_FIXED, 9, 20, R(TH), 2019, 0},
    {"Tag der Deutschen Einheit", HOLIDAY_FIXED, 10, 3, ALL, 1990, 0},
    {"Reformationstag", HOLIDAY_FIXED, 10, 31,
     R(BB) | R(MV) | R(SN) | R(ST) | R(TH), 0, 0},
    {"Reformationstag", HOLIDAY_FIXED, 10, 31, R(HB) | R(HH) | R(NI) | R(SH),
     2018, 0},
    /* the 500th anniversary: once in every state */
    {"Reformationstag", HOLIDAY_FIXED, 10, 31,
     ALL & ~(R(BB) | R(MV) | R(SN) | R(ST) | R(TH)), 2017, 2017},
    {"Allerheiligen", HOLIDAY_FIXED, 11, 1,
     R(BW) | R(BY) | R(NW) | R(RP) | R(SL), 0, 0},
    {"Buß- und Bettag", HOLIDAY_BUSS, 0, 0, R(SN), 0, 0},
    {"1. Weihnachtstag", HOLIDAY_FIXED, 12, 25, ALL, 0, 0},
    {"2. Weihnachtstag", HOLIDAY_FIXED, 12, 26, ALL, 0, 0},
};

/* y-m-d plus n days (n within a few months) */
static void date_add(unsigned *y, unsigned *m, unsigned *d, int n)
{
	int dd = (int)*d + n;

	while (dd < 1) {
		if (--*m < 1) {
			*m = 12;
			--*y;
		}
		dd += (int)time_days_in_month(*y, *m);
	}
	while (dd > (int)time_days_in_month(*y, *m)) {
		dd -= (int)time_days_in_month(*y, *m);
		if (++*m > 12) {
			*m = 1;
			++*y;
		}
	}
	*d = (unsigned)dd;
}

/* The date of holiday h in year y. */
static void holiday_date(const struct holiday *h, unsigned y, unsigned *m,
			 unsigned *d)
{
	unsigned yy = y;

	switch (h->rule) {
	case HOLIDAY_EASTER:
		time_easter(y, m, d);
		date_add(&yy, m, d, h->day);
		break;
	case HOLIDAY_BUSS:
		/* 22 November back to the Wednesday (wday 2) at or before */
		*m = 11;
		*d = 22 - (time_wday(y, 11, 22) + 7 - 2) % 7;
		break;
	default:
		*m = (unsigned)h->month;
		*d = (unsigned)h->day;
		break;
	}
}

static bool holiday_kept(const struct holiday *h, enum store_region region,
			 unsigned y)
{
	return region != STORE_REGION_NONE && region < 32 &&
	       (h->regions & (1u << region)) && (!h->from || y >= h->from) &&
	       (!h->until || y <= h->until);
}

const char *route_holiday(enum store_region region, unsigned y, unsigned m,
			  unsigned d)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(holidays); i++) {
		const struct holiday *h = &holidays[i];
		unsigned hm, hd;

		if (!holiday_kept(h, region, y))
			continue;
		holiday_date(h, y, &hm, &hd);
		if (hm == m && hd == d)
			return h->name;
	}
	return NULL;
}

/* a holiday of a year, for sorting */
struct holiday_day {
	const char *name;
	unsigned m, d;
};

static int holiday_day_cmp(const void *a, const void *b)
{
	const struct holiday_day *x = a, *y = b;

	return (int)(x->m * 32 + x->d) - (int)(y->m * 32 + y->d);
}

int route_holiday_list(enum store_region region, unsigned y, route_holiday_h *h,
		       void *arg)
{
	struct holiday_day v[ARRAY_SIZE(holidays)];
	size_t i, n = 0;
	int err;

	if (!h || !store_names_has(&store_names_region, (int)region) ||
	    y < 1970)
		return EINVAL;
	for (i = 0; i < ARRAY_SIZE(holidays); i++) {
		if (!holiday_kept(&holidays[i], region, y))
			continue;
		v[n].name = holidays[i].name;
		holiday_date(&holidays[i], y, &v[n].m, &v[n].d);
		n++;
	}
	qsort(v, n, sizeof(v[0]), holiday_day_cmp);
	for (i = 0; i < n; i++) {
		err = h(v[i].name, v[i].m, v[i].d, arg);
		if (err)
			return err;
	}
	return 0;
}
