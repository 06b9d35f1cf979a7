/*
 * log_int.h - the syslog(3) end of the log (log_syslog.c), private to
 * core/.  Apart from core.h because <syslog.h> defines LOG_DEBUG,
 * LOG_INFO and LOG_ERR as macros, which would clash with enum log_level:
 * log_syslog.c includes <syslog.h> and not core.h, and takes our level
 * as its number (0 debug, 1 info, 2 warn, 3 error).
 */
#ifndef CORE_LOG_INT_H
#define CORE_LOG_INT_H

#include <stddef.h>

/* openlog("switchboard", LOG_PID | LOG_NDELAY, LOG_DAEMON) */
void log_syslog_open(void);
void log_syslog_close(void);
/* One line (len bytes, no newline, escaped already) at our level lvl,
 * "area: " in front if area is not NULL. */
void log_syslog_line(unsigned lvl, const char *area, const char *line,
		     size_t len);

#endif
