/*
 * log_syslog.c - --syslog: the log's lines through syslog(3) to the
 * local syslog daemon (/dev/log), facility daemon, ident "switchboard"
 * with the pid.  The daemon adds the time stamp, so a line carries only
 * the text, its area in front as in every other log ("sip: ...").  Our
 * levels map to syslog's: debug -> LOG_DEBUG, info -> LOG_INFO, warn ->
 * LOG_WARNING, error -> LOG_ERR.  syslog(3) is thread-safe and, without
 * a daemon listening, drops the line (LOG_CONS is not set: nothing on
 * the console).
 */
#include <syslog.h>
#include "core/log_int.h"

void log_syslog_open(void)
{
	openlog("switchboard", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_syslog_close(void)
{
	closelog();
}

void log_syslog_line(unsigned lvl, const char *area, const char *line,
		     size_t len)
{
	static const int prio[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR};

	syslog(lvl < 4 ? prio[lvl] : LOG_ERR, "%s%s%.*s", area ? area : "",
	       area ? ": " : "", (int)len, line);
}
