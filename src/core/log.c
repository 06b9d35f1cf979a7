/*
 * log.c - leveled logging to stderr with a UTC timestamp.  libre's print
 * extensions (%r, %J, %m, %H) are available because we format with
 * re_vfprintf.  Passwords and tokens must never reach these functions.
 */
#include <stdio.h>
#include <time.h>
#include <re.h>
#define DEBUG_MODULE "switchboard"
#define DEBUG_LEVEL  0 /* we only use its levels and handler */
#include <re_dbg.h>
#include "core/core.h"

static enum log_level level = LOG_INFO;

void log_set_level(enum log_level lvl)
{
	level = lvl;
}

/* one line of libre's, "module: text\n", already formatted */
static void libre_line(int dlevel, const char *p, size_t len, void *arg)
{
	enum log_level lvl = dlevel <= DBG_ERR       ? LOG_ERROR
			     : dlevel == DBG_WARNING ? LOG_WARN
			     : dlevel < DBG_DEBUG    ? LOG_INFO
						     : LOG_DEBUG;
	static const char *const tags[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
	char ts[32];

	(void)arg;
	if (lvl < level)
		return;
	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	time_iso(ts, sizeof(ts), time_now_ms());
	re_fprintf(stderr, "%s %s libre: %b\n", ts, tags[lvl], p, len);
}

void log_take_libre(void)
{
	/* libre's notices and infos (a TLS handshake state, ...) are
	 * chatter: only at debug level */
	dbg_init(level == LOG_DEBUG ? DBG_DEBUG : DBG_WARNING, 0);
	dbg_handler_set(libre_line, NULL);
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
	flockfile(stderr); /* one line, whichever thread (the media thread) */
	re_fprintf(stderr, "%s %s ", ts, tag);
	re_vfprintf(stderr, fmt, ap);
	funlockfile(stderr);
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
