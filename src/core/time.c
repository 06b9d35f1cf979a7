/*
 * time.c - the one clock of Switchboard.  Everything stored is UTC
 * milliseconds; tests replace the clock with time_clock_set() so that
 * schedules and billing can be checked at any date.  Business rules
 * (opening hours, holidays) are in Europe/Berlin: time_berlin() applies
 * the EU summer-time rule itself rather than the C library's TZ, which
 * is process-wide state and depends on the machine's tzdata.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/core.h"

static uint64_t clock_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static time_clock_h *clockh = clock_real;

uint64_t time_now_ms(void)
{
	return clockh();
}

void time_clock_set(time_clock_h *h)
{
	clockh = h ? h : clock_real;
}

const char *time_iso(char *buf, size_t sz, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, sz, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
	return buf;
}

/* n decimal digits at *sp, nothing else (no sign, no space); advances *sp */
static bool digits(const char **sp, unsigned n, unsigned *vp)
{
	const char *s = *sp;
	unsigned v = 0;

	for (; n; n--, s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*sp = s;
	*vp = v;
	return true;
}

static bool expect(const char **sp, char c)
{
	if (**sp != c)
		return false;
	++*sp;
	return true;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char days[12] = {31, 28, 31, 30, 31, 30,
					       31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

unsigned time_days_in_month(unsigned y, unsigned m)
{
	return m >= 1 && m <= 12 ? days_in_month(y, m) : 0;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil); y >= 1970 here. */
static int64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
	unsigned yy = m <= 2 ? y - 1 : y;
	unsigned era = yy / 400;
	unsigned yoe = yy - era * 400;
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

/*
 * Strict ISO 8601 / RFC 3339 date and time:
 *
 *   YYYY-MM-DDTHH:MM:SS[.f...](Z | +hh:mm | -hh:mm)
 *
 * Every field has its fixed number of digits and nothing else (no sign,
 * no space); month 1-12, day within its month (leap years), hour 0-23,
 * minute 0-59, second 0-60 (a leap second counts as :00 of the next
 * minute), a fraction of one or more digits (milliseconds kept, the rest
 * cut off), the offset up to 23:59.  Times before 1970-01-01T00:00:00Z
 * are refused.  Returns 0 with *msp set, or EINVAL with *msp unchanged.
 */
int time_iso_parse(const char *s, uint64_t *msp)
{
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0, ms = 0, scale = 100;
	int64_t t, off = 0;

	if (!s || !msp)
		return EINVAL;
	if (!digits(&s, 4, &y) || !expect(&s, '-') || !digits(&s, 2, &mo) ||
	    !expect(&s, '-') || !digits(&s, 2, &d) || !expect(&s, 'T') ||
	    !digits(&s, 2, &h) || !expect(&s, ':') || !digits(&s, 2, &mi) ||
	    !expect(&s, ':') || !digits(&s, 2, &sec))
		return EINVAL;
	if (expect(&s, '.')) {
		unsigned dgt;

		if (!digits(&s, 1, &dgt))
			return EINVAL;
		do {
			ms += dgt * scale;
			scale /= 10;
		} while (digits(&s, 1, &dgt));
	}
	if (*s == '+' || *s == '-') {
		int sign = *s++ == '-' ? -1 : 1;

		if (!digits(&s, 2, &oh) || !expect(&s, ':') ||
		    !digits(&s, 2, &om) || oh > 23 || om > 59)
			return EINVAL;
		off = sign * (int64_t)(oh * 60 + om) * 60;
	}
	else if (!expect(&s, 'Z')) {
		return EINVAL;
	}
	if (*s)
		return EINVAL;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
		return EINVAL;

	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	if (t < 0)
		return EINVAL;
	*msp = (uint64_t)t * 1000 + ms;
	return 0;
}

/* y-m-d of day n since 1970-01-01 (H. Hinnant's civil_from_days), n >= 0 */
static void civil_from_days(int64_t n, unsigned *y, unsigned *m, unsigned *d)
{
	int64_t z = n + 719468;
	int64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (unsigned)(yoe + era * 400) + (*m <= 2);
}

unsigned time_wday(unsigned y, unsigned m, unsigned d)
{
	/* 1970-01-01 was a Thursday (3) */
	return (unsigned)((days_from_civil(y, m, d) + 3) % 7);
}

/* [s] since the epoch of 01:00 UTC on the last Sunday of month m */
static int64_t eu_switch(unsigned y, unsigned m)
{
	unsigned last = days_in_month(y, m);
	unsigned sunday = last - (time_wday(y, m, last) + 1) % 7;

	return days_from_civil(y, m, sunday) * 86400 + 3600;
}

void time_berlin(uint64_t utc_ms, struct time_local *lt)
{
	int64_t t = (int64_t)(utc_ms / 1000), local, day;
	unsigned y, m, d;

	if (!lt)
		return;
	civil_from_days(t / 86400, &y, &m, &d);
	lt->offset = t >= eu_switch(y, 3) && t < eu_switch(y, 10) ? 120 : 60;
	local = t + lt->offset * 60;
	day = local / 86400;
	civil_from_days(day, &lt->year, &lt->month, &lt->day);
	lt->hour = (unsigned)(local % 86400 / 3600);
	lt->minute = (unsigned)(local % 3600 / 60);
	lt->second = (unsigned)(local % 60);
	lt->wday = (unsigned)((day + 3) % 7);
}

/* The "anonymous Gregorian algorithm" (Meeus, Astronomical Algorithms) */
void time_easter(unsigned y, unsigned *m, unsigned *d)
{
	unsigned a = y % 19, b = y / 100, c = y % 100;
	unsigned e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	unsigned h = (19 * a + b - b / 4 - g + 15) % 30;
	unsigned i = c / 4, k = c % 4;
	unsigned l = (32 + 2 * e + 2 * i - h - k) % 7;
	unsigned mm = (a + 11 * h + 22 * l) / 451;
	unsigned n = h + l - 7 * mm + 114;

	if (m)
		*m = n / 31;
	if (d)
		*d = n % 31 + 1;
}

int64_t time_days(unsigned y, unsigned m, unsigned d)
{
	return days_from_civil(y, m, d);
}

/* Try the CEST reading first (the earlier of two occurrences), then the
 * CET one, which is also the reading of a time that does not exist. */
int time_berlin_utc(unsigned y, unsigned m, unsigned d, unsigned min,
		    uint64_t *msp)
{
	struct time_local lt;
	int64_t local;

	if (!msp || y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, m) || min >= 24 * 60)
		return EINVAL;
	local = days_from_civil(y, m, d) * 86400 + (int64_t)min * 60;
	if (local < 7200)
		return EINVAL;
	time_berlin((uint64_t)(local - 7200) * 1000, &lt);
	if (lt.offset == 120) {
		*msp = (uint64_t)(local - 7200) * 1000;
		return 0;
	}
	*msp = (uint64_t)(local - 3600) * 1000;
	return 0;
}
