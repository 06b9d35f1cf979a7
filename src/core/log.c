/*
 * log.c - leveled logging to stderr with a UTC timestamp.  libre's print
 * extensions (%r, %J, %m, %H) are available because we format with
 * re_vfprintf.  Passwords and tokens must never reach these functions.
 */
#include <stdio.h>
#include <time.h>
#include "core/core.h"

static enum log_level level = LOG_INFO;

void log_set_level(enum log_level lvl)
{
	level = lvl;
}

enum log_level log_level_get(void)
{
	return level;
}

static void vlog(enum log_level lvl, const char *tag, const char *fmt,
		 va_list ap)
{
	char ts[32];

	if (lvl < level)
		return;
	time_iso(ts, sizeof(ts), time_now_ms());
	re_fprintf(stderr, "%s %s ", ts, tag);
	re_vfprintf(stderr, fmt, ap);
}

void debug(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, "DEBUG", fmt, ap);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_INFO, "INFO ", fmt, ap);
	va_end(ap);
}

void warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_WARN, "WARN ", fmt, ap);
	va_end(ap);
}
