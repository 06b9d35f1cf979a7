/*
 * log.c - leveled logging to stderr with a UTC timestamp, one line per
 * message with control characters escaped (see emit()).  libre's print
 * extensions (%r, %J, %m, %H) are available because we format with
 * re_vsdprintf.  Passwords and tokens must never reach these functions.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "core/core.h"

enum {
	LOG_TEXT_MAX = 512,  /* bytes of foreign text in one line */
	LOG_LINE_MAX = 2048, /* bytes of one line of ours          */
};

static enum log_level level = LOG_INFO;

void log_set_level(enum log_level lvl)
{
	level = lvl;
}

enum log_level log_level_get(void)
{
	return level;
}

/* re_fprintf() is taken over by libre_log.c; re_vfprintf() is not */
static void out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)re_vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/*
 * One line: time stamp, level, then the text with control characters
 * (and the backslash) escaped as \xNN, so that bytes a client sent - a
 * URI in a debug line, libre's raw lines - cannot break a line in two or
 * forge one that a log reader (fail2ban) would take for ours.  At most
 * max bytes of the text are printed; "..." marks a cut.  The area, if
 * given, goes in front as "area: ".
 */
static void emit(enum log_level lvl, const char *area, const char *p,
		 size_t len, size_t max)
{
	static const char *const tags[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
	char ts[32], line[LOG_LINE_MAX * 4 + 8];
	size_t i, n = 0;

	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (max > LOG_LINE_MAX)
		max = LOG_LINE_MAX;
	for (i = 0; i < len && i < max; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c == 0x7f || c == '\\')
			n += (size_t)re_snprintf(line + n, sizeof(line) - n,
						 "\\x%02x", c);
		else
			line[n++] = (char)c;
	}
	if (i < len)
		n += (size_t)re_snprintf(line + n, sizeof(line) - n, "...");
	time_iso(ts, sizeof(ts), time_now_ms());
	out("%s %s %s%s%b\n", ts, tags[lvl], area ? area : "", area ? ": " : "",
	    line, n);
}

static void vlog(enum log_level lvl, const char *fmt, va_list ap)
{
	char *s = NULL;

	if (lvl < level || re_vsdprintf(&s, fmt, ap))
		return;
	emit(lvl, NULL, s, strlen(s), LOG_LINE_MAX);
	mem_deref(s);
}

void log_text(enum log_level lvl, const char *area, const char *p, size_t len)
{
	if (lvl >= level)
		emit(lvl, area, p, len, LOG_TEXT_MAX);
}

void debug(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_WARN, fmt, ap);
	va_end(ap);
}
