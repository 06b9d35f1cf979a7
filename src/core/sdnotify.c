/*
 * sdnotify.c - telling systemd how we are (sd_notify(3) without
 * libsystemd): a service of Type=notify finds in $NOTIFY_SOCKET a unix
 * datagram socket ("/path", or "@name" in the abstract namespace) and
 * sends it lines of "KEY=value":
 *
 *   start, every listener up       READY=1, STATUS=
 *   each half $WATCHDOG_USEC       WATCHDOG=1 (only when healthy), STATUS=
 *   SIGHUP, POST /api/v1/reload    RELOADING=1 ... READY=1, STATUS=
 *   SIGTERM, SIGINT                STOPPING=1
 *
 * The watchdog's tick is a timer of the main loop, so a loop that is stuck
 * sends nothing; each tick also asks the health handler (main.c: the
 * store answers a query), so a loop that runs but cannot reach its
 * database sends STATUS= with the reason and no WATCHDOG=1: systemd then
 * restarts the service after WatchdogSec.  The watchdog is ours unless
 * $WATCHDOG_PID names another process.  The three variables are removed
 * from the environment so that nothing we start speaks for us.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "core/core.h"

enum {
	STATUS_TICK = 10000, /* [ms] STATUS= without a watchdog   */
	MSG_MAX = 512,       /* [bytes] one datagram at most      */
};

static struct {
	int fd; /* the datagram socket, -1 = not under systemd */
	struct sockaddr_un sa;
	socklen_t salen;
	uint64_t watchdog_ms; /* [ms] between WATCHDOG=1, 0 = none */
	struct tmr tmr;
	sdnotify_health_h *h;
	void *arg;
	char status[128]; /* the last STATUS= sent */
} sd = {.fd = -1};

/* The socket's address from $NOTIFY_SOCKET into sd.sa; EINVAL if it is
 * neither a path nor an abstract name, or too long. */
static int address_set(const char *s)
{
	size_t n = strlen(s);

	if ((s[0] != '/' && s[0] != '@') || n < 2 ||
	    n >= sizeof(sd.sa.sun_path))
		return EINVAL;
	memset(&sd.sa, 0, sizeof(sd.sa));
	sd.sa.sun_family = AF_UNIX;
	memcpy(sd.sa.sun_path, s, n);
	if (s[0] == '@')
		sd.sa.sun_path[0] = '\0'; /* abstract: no terminating NUL */
	sd.salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			       (s[0] == '/'));
	return 0;
}

/* The watchdog's interval from $WATCHDOG_USEC and $WATCHDOG_PID. */
static uint64_t watchdog_interval(const char *usec, const char *pid)
{
	unsigned long long us;
	char *end;

	if (!usec || !usec[0])
		return 0;
	if (pid && pid[0]) {
		errno = 0;
		if (strtoll(pid, &end, 10) != (long long)getpid() || *end ||
		    errno) {
			info("sdnotify: the watchdog is process %s's, not "
			     "ours\n",
			     pid);
			return 0;
		}
	}
	errno = 0;
	us = strtoull(usec, &end, 10);
	if (errno || *end || us < 2000) {
		warning("sdnotify: WATCHDOG_USEC=%s ignored\n", usec);
		return 0;
	}
	return us / 2000; /* half the interval, in ms */
}

int sdnotify_open(void)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	int err = 0;

	if (sd.fd >= 0)
		return EALREADY;
	tmr_init(&sd.tmr);
	if (sock && sock[0]) {
		err = address_set(sock);
		if (err) {
			warning("sdnotify: NOTIFY_SOCKET=%s: not a unix socket "
				"path\n",
				sock);
			goto out;
		}
		sd.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (sd.fd < 0) {
			err = errno;
			warning("sdnotify: socket: %m\n", err);
			goto out;
		}
		sd.watchdog_ms = watchdog_interval(getenv("WATCHDOG_USEC"),
						   getenv("WATCHDOG_PID"));
		info("sdnotify: telling systemd through %s, watchdog %s\n",
		     sock, sd.watchdog_ms ? "on" : "off");
	}
out:
	(void)unsetenv("NOTIFY_SOCKET");
	(void)unsetenv("WATCHDOG_USEC");
	(void)unsetenv("WATCHDOG_PID");
	return err;
}

void sdnotify_close(void)
{
	tmr_cancel(&sd.tmr);
	if (sd.fd >= 0)
		close(sd.fd);
	sd.fd = -1;
	sd.watchdog_ms = 0;
	sd.h = NULL;
	sd.arg = NULL;
	sd.status[0] = '\0';
}

static int send_text(const char *msg, size_t n)
{
	if (sendto(sd.fd, msg, n, MSG_NOSIGNAL | MSG_DONTWAIT,
		   (const struct sockaddr *)&sd.sa, sd.salen) < 0)
		return errno;
	return 0;
}

int sdnotify_send(const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;
	int n, err;

	if (sd.fd < 0 || !fmt)
		return 0;
	va_start(ap, fmt);
	n = re_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return EMSGSIZE;
	err = send_text(msg, strlen(msg));
	if (err)
		warning("sdnotify: cannot send to systemd: %m\n", err);
	return err;
}

void sdnotify_stopping(void)
{
	static const char msg[] = "STOPPING=1";

	if (sd.fd >= 0)
		(void)send_text(msg, sizeof(msg) - 1);
}

/* The health handler's answer; its status line in sd.status. */
static int health(void)
{
	int err;

	if (!sd.h) {
		str_copy(sd.status, "running", sizeof(sd.status));
		return 0;
	}
	sd.status[0] = '\0';
	err = sd.h(sd.status, sizeof(sd.status), sd.arg);
	if (err && !sd.status[0])
		re_snprintf(sd.status, sizeof(sd.status), "unhealthy: %m", err);
	return err;
}

static void tick(void *arg)
{
	char last[sizeof(sd.status)];
	int err;

	(void)arg;
	tmr_start(&sd.tmr, sd.watchdog_ms ? sd.watchdog_ms : STATUS_TICK, tick,
		  NULL);
	str_copy(last, sd.status, sizeof(last));
	err = health();
	if (err) {
		warning("sdnotify: no watchdog ping: %s\n", sd.status);
		(void)sdnotify_send("STATUS=%s", sd.status);
	}
	else if (sd.watchdog_ms) {
		(void)sdnotify_send("WATCHDOG=1\nSTATUS=%s", sd.status);
	}
	else if (strcmp(last, sd.status)) {
		(void)sdnotify_send("STATUS=%s", sd.status);
	}
}

int sdnotify_watch(sdnotify_health_h *h, void *arg)
{
	if (sd.fd < 0)
		return 0;
	sd.h = h;
	sd.arg = arg;
	tmr_start(&sd.tmr, sd.watchdog_ms ? sd.watchdog_ms : STATUS_TICK, tick,
		  NULL);
	return 0;
}

uint64_t sdnotify_watchdog_ms(void)
{
	return sd.fd >= 0 ? sd.watchdog_ms : 0;
}

void sdnotify_ready(void)
{
	if (sd.fd < 0)
		return;
	(void)health();
	(void)sdnotify_send("READY=1\nSTATUS=%s", sd.status);
}

void sdnotify_reloading(void)
{
	struct timespec ts;

	if (sd.fd < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	(void)sdnotify_send("RELOADING=1\nMONOTONIC_USEC=%llu",
			    (unsigned long long)ts.tv_sec * 1000000ULL +
				(unsigned long long)ts.tv_nsec / 1000);
}
