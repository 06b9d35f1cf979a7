/*
 * core_test_sdnotify.c - the systemd notifications (core/sdnotify.c) on a
 * socket of the test's own: the watchdog's tick sends WATCHDOG=1 only
 * while the health handler answers 0 (an unhealthy tick sends the reason
 * as STATUS= and no ping), READY=1 carries the status line, STOPPING=1 is
 * exact, and without NOTIFY_SOCKET nothing is sent and nothing fails.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <re.h>
#include "core/core.h"
#include "test.h"

static struct {
	int healthy; /* 0: healthy; else the errno the handler answers */
	unsigned asked;
	struct tmr stop;
} h;

static int health_h(char *status, size_t sz, void *arg)
{
	(void)arg;
	++h.asked;
	if (h.healthy) {
		re_snprintf(status, sz,
			    "unhealthy: the database does not "
			    "answer (%m)",
			    h.healthy);
		return h.healthy;
	}
	re_snprintf(status, sz, "%u asked", h.asked);
	return 0;
}

static void stop_h(void *arg)
{
	(void)arg;
	re_cancel();
}

/* The next datagram into buf ("" if none within wait_ms). */
static void next(int fd, char *buf, size_t sz, long wait_ms)
{
	struct timeval tv = {0, wait_ms * 1000};
	ssize_t n;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(fd, buf, sz - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

/* Run the main loop for ms (the ticks, due earlier, run first), then read
 * what was sent: how many datagrams, how many began with prefix. */
static void run_for(int fd, uint64_t ms, const char *prefix, unsigned *np,
		    unsigned *matchp)
{
	char buf[256];

	tmr_start(&h.stop, ms, stop_h, NULL);
	(void)re_main(NULL);
	tmr_cancel(&h.stop);
	*np = *matchp = 0;
	for (;;) {
		next(fd, buf, sizeof(buf), 20);
		if (!buf[0])
			break;
		++*np;
		if (!strncmp(buf, prefix, strlen(prefix)))
			++*matchp;
	}
}

int test_sdnotify(void)
{
	struct sockaddr_un sa;
	char path[64], buf[256];
	unsigned n, match;
	int fd = -1, err = 0;

	tmr_init(&h.stop);
	memset(&h, 0, sizeof(h));
	/* not under systemd: nothing, no error */
	(void)unsetenv("NOTIFY_SOCKET");
	TEST_EQ_INT(sdnotify_open(), 0);
	TEST_EQ_INT(sdnotify_send("READY=1"), 0);
	TEST_EQ_INT(sdnotify_watchdog_ms(), 0);
	sdnotify_close();

	re_snprintf(path, sizeof(path), "/tmp/sbunit-sdnotify-%d.sock",
		    (int)getpid());
	(void)unlink(path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	TEST_ASSERT(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	str_copy(sa.sun_path, path, sizeof(sa.sun_path));
	TEST_EQ_INT(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);

	setenv("NOTIFY_SOCKET", path, 1);
	setenv("WATCHDOG_USEC", "40000", 1); /* a tick every 20 ms */
	(void)unsetenv("WATCHDOG_PID");
	TEST_EQ_INT(sdnotify_open(), 0);
	TEST_ASSERT(!getenv("NOTIFY_SOCKET") && !getenv("WATCHDOG_USEC"));
	TEST_EQ_INT(sdnotify_watchdog_ms(), 20);
	TEST_EQ_INT(sdnotify_watch(health_h, NULL), 0);

	sdnotify_ready();
	next(fd, buf, sizeof(buf), 500);
	TEST_EQ_STR(buf, "READY=1\nSTATUS=1 asked");

	run_for(fd, 70, "WATCHDOG=1\nSTATUS=", &n, &match); /* healthy */
	TEST_ASSERT(n >= 1 && match == n);

	h.healthy = EIO; /* unhealthy: the reason, never a ping */
	run_for(fd, 70,
		"STATUS=unhealthy: the database does not answer "
		"(Input/output error)",
		&n, &match);
	TEST_ASSERT(n >= 1 && match == n);

	h.healthy = 0; /* healthy again: pinged again */
	run_for(fd, 70, "WATCHDOG=1\nSTATUS=", &n, &match);
	TEST_ASSERT(n >= 1 && match == n);

	sdnotify_stopping();
	next(fd, buf, sizeof(buf), 500);
	TEST_EQ_STR(buf, "STOPPING=1");

out:
	sdnotify_close();
	tmr_cancel(&h.stop);
	if (fd >= 0)
		close(fd);
	(void)unlink(path);
	return err;
}
