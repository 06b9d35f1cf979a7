/*
 * day.c - the .day file reader (format in day.h): line by line, every
 * mistake reported with file and line, nothing guessed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "day.h"

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int hhmm(const char *s, uint64_t *ms)
{
	unsigned h, m;
	char c;

	if (sscanf(s, "%u:%u%c", &h, &m, &c) != 2 || m > 59 ||
	    h * 60 + m > 24 * 60)
		return EINVAL;
	*ms = (uint64_t)(h * 60 + m) * 60000;
	return 0;
}

static int queue_key(struct day_queue *q, const char *key, char *val)
{
	char w[32], t[16], c;
	double a, b;
	unsigned n;

	if (!strcmp(key, "handle")) {
		if (sscanf(val, "%31s %lf %lf %c", w, &a, &b, &c) != 3 ||
		    strcmp(w, "lognormal") || a <= 0 || b < 0)
			return EINVAL;
		q->handle_mean = a;
		q->handle_sd = b;
		return 0;
	}
	if (!strcmp(key, "patience")) {
		if (sscanf(val, "%31s %lf %c", w, &a, &c) != 2 ||
		    strcmp(w, "exponential") || a <= 0)
			return EINVAL;
		q->patience = a;
		return 0;
	}
	if (!strcmp(key, "slot")) {
		struct day_slot *s;

		if (q->nslot >= DAY_MAX_SLOTS)
			return E2BIG;
		s = &q->slot[q->nslot];
		if (sscanf(val, "%15s %lf %u %c", t, &a, &n, &c) != 3 ||
		    a < 0 || hhmm(t, &s->from))
			return EINVAL;
		if (q->nslot && s->from <= q->slot[q->nslot - 1].from)
			return EINVAL; /* slots in order */
		s->rate = a;
		s->agents = n;
		q->nslot++;
		return 0;
	}
	return ENOENT;
}

static int global_key(struct day *d, const char *key, char *val, unsigned *want)
{
	char *end;

	if (!strcmp(key, "name")) {
		snprintf(d->name, sizeof(d->name), "%s", val);
		return 0;
	}
	if (!strcmp(key, "seed")) {
		d->seed = strtoull(val, &end, 10);
		return *end || end == val ? EINVAL : 0;
	}
	if (!strcmp(key, "queues")) {
		*want = (unsigned)strtoul(val, &end, 10);
		return *end || !*want || *want > DAY_MAX_QUEUES ? EINVAL : 0;
	}
	if (!strcmp(key, "announce")) {
		unsigned long s = strtoul(val, &end, 10);
		d->announce_ms = (uint64_t)s * 1000;
		return *end || s < 15 ? EINVAL : 0;
	}
	if (!strcmp(key, "repeat")) {
		d->repeat = (unsigned)strtoul(val, &end, 10);
		return *end || !d->repeat || d->repeat > 1000 ? EINVAL : 0;
	}
	if (!strcmp(key, "end"))
		return hhmm(val, &d->end);
	return ENOENT;
}

int day_read(struct day *d, const char *path)
{
	char line[256], name[32];
	struct day_queue *q = NULL;
	unsigned lineno = 0, want = 0, i;
	FILE *f;
	int err = 0;

	memset(d, 0, sizeof(*d));
	d->announce_ms = 60000;
	d->end = 24 * 3600000ull;
	d->repeat = 1;
	f = fopen(path, "r");
	if (!f) {
		err = errno;
		fprintf(stderr, "queuesim: %s: %s\n", path, strerror(err));
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s, *eq, *hash;

		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		s = trim(line);
		if (!*s)
			continue;
		if (sscanf(s, "[queue %31[^]]]", name) == 1) {
			if (d->nqueue >= DAY_MAX_QUEUES) {
				err = E2BIG;
				break;
			}
			q = &d->queue[d->nqueue++];
			snprintf(q->name, sizeof(q->name), "%s", name);
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			err = EINVAL;
			break;
		}
		*eq = '\0';
		err = q ? queue_key(q, trim(s), trim(eq + 1))
			: global_key(d, trim(s), trim(eq + 1), &want);
		if (err)
			break;
	}
	fclose(f);
	if (err) {
		fprintf(stderr, "queuesim: %s:%u: %s\n", path, lineno,
			err == ENOENT ? "unknown key" : "bad value");
		return err;
	}
	if (!d->nqueue || want != d->nqueue) {
		fprintf(stderr,
			"queuesim: %s: queues = %u, but %u [queue] "
			"sections\n",
			path, want, d->nqueue);
		return EINVAL;
	}
	for (i = 0; i < d->nqueue; i++) {
		q = &d->queue[i];
		if (!q->nslot || q->slot[0].from || !q->handle_mean ||
		    !q->patience) {
			fprintf(stderr,
				"queuesim: %s: queue %s needs handle, "
				"patience and a first slot at 00:00\n",
				path, q->name);
			return EINVAL;
		}
	}
	return 0;
}
