/*
 * fdlimit_shim.c - LD_PRELOAD shim for the benchmark only: raises libre's
 * file-descriptor limit before main() runs.
 *
 * libre 1.1.0 (Debian 12) serves at most 1024 descriptors unless the
 * application calls fd_setsize(); Switchboard does not, so each media leg
 * (2 sockets) counts against 1024 and calls fail beyond ~500 legs with
 * "fd_listen: fd=1024 ... Max 1024 fds" (see bench/RESULTS.md).  This shim
 * calls fd_setsize(n) from a constructor, n = BENCH_MAXFDS or the soft
 * RLIMIT_NOFILE - what a one-line fix in main.c would do.  bench/run.sh
 * uses it only for the runs labelled "fd limit raised".
 */
#include <stdlib.h>
#include <sys/resource.h>
#include <re.h>

__attribute__((constructor)) static void bench_fdlimit(void)
{
	const char *v = getenv("BENCH_MAXFDS");
	struct rlimit rl;
	int n = 0;

	if (v)
		n = atoi(v);
	else if (!getrlimit(RLIMIT_NOFILE, &rl))
		n = rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
	if (n > 0)
		(void)fd_setsize(n);
}
