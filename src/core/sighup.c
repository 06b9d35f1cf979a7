/*
 * sighup.c - SIGHUP into the main loop: the signal handler only writes a
 * byte into a pipe (async-signal-safe); libre's poll loop reads it and
 * calls the handler there, where the configuration and the log may be
 * touched.  Several signals before the loop gets to it: one call.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "core/core.h"

static struct {
	int fd[2];
	sighup_h *h;
	void *arg;
} hup = {{-1, -1}, NULL, NULL};

static void on_signal(int sig)
{
	int saved = errno;
	char c = 1;

	(void)sig;
	if (write(hup.fd[1], &c, 1) < 0) {
		/* full pipe: a call is due anyway */
	}
	errno = saved;
}

static void on_read(int flags, void *arg)
{
	char buf[64];

	(void)flags;
	(void)arg;
	while (read(hup.fd[0], buf, sizeof(buf)) > 0)
		;
	if (hup.h)
		hup.h(hup.arg);
}

int sighup_listen(sighup_h *h, void *arg)
{
	struct sigaction sa;
	int err;

	if (hup.fd[0] >= 0)
		return EALREADY;
	if (pipe2(hup.fd, O_NONBLOCK | O_CLOEXEC))
		return errno;
	hup.h = h;
	hup.arg = arg;
	err = fd_listen(hup.fd[0], FD_READ, on_read, NULL);
	if (err) {
		sighup_close();
		return err;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGHUP, &sa, NULL)) {
		err = errno;
		sighup_close();
		return err;
	}
	return 0;
}

void sighup_close(void)
{
	if (hup.fd[0] < 0)
		return;
	(void)signal(SIGHUP, SIG_DFL);
	fd_close(hup.fd[0]);
	close(hup.fd[0]);
	close(hup.fd[1]);
	hup.fd[0] = hup.fd[1] = -1;
	hup.h = NULL;
}
