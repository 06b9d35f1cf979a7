/*
 * profile_greeting.c - the placeholders of a client's greeting: the agent
 * says it with their own name filled in ("Mustermann AG, mein Name ist
 * [Vorname, Nachname], was kann ich für Sie tun?"; also [Vorname] and
 * [Nachname]).
 */
#include <errno.h>
#include <string.h>
#include "core/core.h"
#include "route/route.h"
#include "secretariat/secretariat.h"
#include "secretariat/profile_int.h"

enum ph { PH_NONE = 0, PH_FULL, PH_FIRST, PH_LAST };

/* The placeholder of the n bytes between [ and ]. */
static enum ph ph_of(const char *p, size_t n)
{
	if (n == 17 && !memcmp(p, "Vorname, Nachname", n))
		return PH_FULL;
	if (n == 7 && !memcmp(p, "Vorname", n))
		return PH_FIRST;
	if (n == 8 && !memcmp(p, "Nachname", n))
		return PH_LAST;
	return PH_NONE;
}

int profile_greeting_check(const char *greeting, char *why, size_t sz)
{
	const char *p, *q;
	unsigned found = 0;

	if (!greeting || !why)
		return EINVAL;
	for (p = strchr(greeting, '['); p; p = strchr(q, '[')) {
		q = strchr(p + 1, ']');
		if (!q)
			break; /* a lone [ is text */
		if (ph_of(p + 1, (size_t)(q - p - 1)) == PH_NONE) {
			size_t n = (size_t)(q - p - 1);

			re_snprintf(why, sz,
				    "greeting: unknown placeholder [%b]; use "
				    "[Vorname, Nachname], [Vorname] or "
				    "[Nachname]",
				    p + 1, n > 40 ? (size_t)40 : n);
			return EINVAL;
		}
		found++;
	}
	if (!found) {
		re_snprintf(why, sz,
			    "greeting: must contain the placeholder [Vorname, "
			    "Nachname] (or [Vorname] or [Nachname]) where the "
			    "agent says his name");
		return EINVAL;
	}
	return 0;
}

int profile_greeting_fill(char **outp, const char *greeting, const char *first,
			  const char *last)
{
	struct mbuf *mb;
	const char *p, *q, *s;
	int err = 0;

	if (!outp || !greeting)
		return EINVAL;
	first = first ? first : "";
	last = last ? last : "";
	mb = mbuf_alloc(strlen(greeting) + 64);
	if (!mb)
		return ENOMEM;
	for (s = greeting; (p = strchr(s, '[')) != NULL && !err; s = q + 1) {
		q = strchr(p + 1, ']');
		if (!q)
			break;
		err = mbuf_write_mem(mb, (const uint8_t *)s, (size_t)(p - s));
		switch (ph_of(p + 1, (size_t)(q - p - 1))) {
		case PH_FULL:
			err |=
			    mbuf_printf(mb, "%s%s%s", first,
					first[0] && last[0] ? " " : "", last);
			break;
		case PH_FIRST:
			err |= mbuf_write_str(mb, first);
			break;
		case PH_LAST:
			err |= mbuf_write_str(mb, last);
			break;
		case PH_NONE:
			err |= mbuf_write_mem(mb, (const uint8_t *)p,
					      (size_t)(q - p + 1));
			break;
		}
	}
	if (!err)
		err = mbuf_write_str(mb, s);
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, outp, mb->end);
	}
	mem_deref(mb);
	return err;
}
