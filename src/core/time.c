/*
 * time.c - the one clock of Switchboard.  Everything stored is UTC
 * milliseconds; tests replace the clock with time_clock_set() so that
 * schedules and billing can be checked at any date.
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

int time_iso_parse(const char *s, uint64_t *msp)
{
	struct tm tm;
	unsigned msec = 0;
	int n = 0;
	char z = 0;

	if (!s || !msp)
		return EINVAL;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return EINVAL;
	s += n;
	if (*s == '.') {
		int m = 0;
		if (sscanf(s, ".%3u%n", &msec, &m) != 1)
			return EINVAL;
		s += m;
	}
	z = *s;
	if (z != 'Z' || s[1])
		return EINVAL;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*msp = (uint64_t)timegm(&tm) * 1000 + msec;
	return 0;
}
