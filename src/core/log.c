/*
 * log.c - leveled logging to stderr with a UTC timestamp, one line per
 * message with control characters escaped (see emit()).  libre's print
 * extensions (%r, %J, %m, %H) are available because we format with
 * re_vsdprintf.  Passwords and tokens must never reach these functions.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "core/core.h"
#include "core/log_int.h"

enum {
	LOG_TEXT_MAX = 512,  /* bytes of foreign text in one line */
	LOG_LINE_MAX = 2048, /* bytes of one line of ours          */
};

static enum log_level level = LOG_INFO;

/* --log-file: lines go there instead of stderr; reopened on SIGHUP so
 * that logrotate can move it away.  The lock keeps a line of the media
 * thread off a FILE being swapped. */
static struct {
	pthread_mutex_t lock;
	FILE *f; /* NULL: stderr */
	char path[256];
	bool syslog; /* --syslog: lines to syslog(3), neither f nor stderr */
} dest = {PTHREAD_MUTEX_INITIALIZER, NULL, "", false};

void log_syslog_start(void)
{
	log_syslog_open();
	dest.syslog = true;
}

void log_syslog_stop(void)
{
	if (!dest.syslog)
		return;
	dest.syslog = false;
	log_syslog_close();
}

static FILE *file_open(const char *path)
{
	FILE *f = fopen(path, "ae");

	if (f)
		setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

int log_file_open(const char *path)
{
	FILE *f;

	if (!path || !*path)
		return 0;
	if (strlen(path) >= sizeof(dest.path))
		return ENAMETOOLONG;
	f = file_open(path);
	if (!f)
		return errno;
	pthread_mutex_lock(&dest.lock);
	if (dest.f)
		fclose(dest.f);
	dest.f = f;
	str_copy(dest.path, path, sizeof(dest.path));
	pthread_mutex_unlock(&dest.lock);
	return 0;
}

int log_file_reopen(void)
{
	FILE *f, *old;

	pthread_mutex_lock(&dest.lock);
	if (!dest.f) {
		pthread_mutex_unlock(&dest.lock);
		return 0;
	}
	f = file_open(dest.path);
	if (!f) {
		int err = errno;
		pthread_mutex_unlock(&dest.lock);
		return err; /* the old file stays */
	}
	old = dest.f;
	dest.f = f;
	pthread_mutex_unlock(&dest.lock);
	fclose(old);
	return 0;
}

void log_file_close(void)
{
	pthread_mutex_lock(&dest.lock);
	if (dest.f)
		fclose(dest.f);
	dest.f = NULL;
	dest.path[0] = '\0';
	pthread_mutex_unlock(&dest.lock);
}

void log_set_level(enum log_level lvl)
{
	level = lvl;
}

enum log_level log_level_get(void)
{
	return level;
}

/* re_fprintf() is taken over by libre_log.c; re_vfprintf() is not */
static void out(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)re_vfprintf(f, fmt, ap);
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
	if (dest.syslog) { /* its own time stamp; the area in the text */
		log_syslog_line((unsigned)lvl, area, line, n);
		return;
	}
	time_iso(ts, sizeof(ts), time_now_ms());
	pthread_mutex_lock(&dest.lock); /* one line, whichever thread */
	out(dest.f ? dest.f : stderr, "%s %s %s%s%b\n", ts, tags[lvl],
	    area ? area : "", area ? ": " : "", line, n);
	pthread_mutex_unlock(&dest.lock);
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
