/*
 * tmrbench.c - the cost of one tmr_start(): libre 1.1.0's own against the
 * replacement in src/core/tmr.c, on the same timer list.  N timers spread
 * over the next 32 s (SIP transaction timers at N/32 calls per second)
 * and one of 600 s at the tail (libre's HTTP idle timer), then timers of
 * 500 ms, 5 s, 30 s and 32 s started and cancelled in turn, each way.
 * Not part of `make bench`; for the figures in src/core/tmr.c:
 *
 *   make -C bench build/tmrbench && bench/build/tmrbench 90000
 *
 * libre's function is reached with dlsym(RTLD_NEXT): the replacement is
 * linked into this program, so plain tmr_start is ours.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "core/core.h"

typedef void(start_fn)(struct tmr *tmr, uint64_t delay, tmr_h *th, void *arg);

/* src/core/tmr.c logs through core/log.c, which is not linked here */
void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	re_vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void expire(void *arg)
{
	(void)arg;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per start (+ cancel) of a timer with this delay */
static double cost(start_fn *start, uint64_t delay, int reps)
{
	struct tmr t;
	double t0;
	int i;

	tmr_init(&t);
	t0 = now_ns();
	for (i = 0; i < reps; i++) {
		start(&t, delay, expire, NULL);
		start(&t, 0, NULL, NULL);
	}
	return (now_ns() - t0) / reps;
}

int main(int argc, char *argv[])
{
	static const uint64_t delays[] = {500, 5000, 30000, 32000};
	int n = argc > 1 ? atoi(argv[1]) : 90000, i;
	start_fn *libre = (start_fn *)dlsym(RTLD_NEXT, "tmr_start");
	struct tmr *v, far;
	size_t k;

	if (n < 1 || !libre || libre_init())
		return 2;
	if (tmr_replacement_check())
		return 2;
	v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return 2;
	srand(1);
	for (i = 0; i < n; i++)
		tmr_start(&v[i], (uint64_t)(rand() % 32000), expire, NULL);
	tmr_init(&far);
	tmr_start(&far, 600000, expire, NULL);

	printf("%d timers over 32 s + one of 600 s; per start and cancel:\n",
	       n);
	for (k = 0; k < ARRAY_SIZE(delays); k++) {
		double a = cost(libre, delays[k], 500);
		double b = cost(tmr_start, delays[k], 500);

		printf("  delay %5llu ms: libre 1.1.0 %10.3f us, "
		       "src/core/tmr.c %7.3f us\n",
		       (unsigned long long)delays[k], a / 1000, b / 1000);
	}

	for (i = 0; i < n; i++)
		tmr_cancel(&v[i]);
	tmr_cancel(&far);
	tmr_replacement_flush();
	free(v);
	libre_close();
	return 0;
}
