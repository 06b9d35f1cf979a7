/*
 * info.c - a key press sent in a SIP INFO request instead of RFC 4733
 * telephone-events in the media.  Many phones and carriers do one or the
 * other; both become the same digit of the leg.  Two bodies are in use
 * (neither is an RFC, the forms below are what is deployed):
 *
 *   Content-Type: application/dtmf-relay     Content-Type: application/dtmf
 *
 *   Signal=5                                 5
 *   Duration=160
 *
 * libre has parsed the message and its Content-Type; this file reads the
 * body only, line by line with re_regex.  The value is a key ("0"-"9",
 * "*", "#", "A"-"D", letters in either case) or its RFC 4733 event number
 * ("10" is *, "11" is #, "12"-"15" are A-D), in both bodies; blanks
 * around keys, values and lines are allowed, other lines of dtmf-relay
 * (Duration) are ignored.
 */
#include <ctype.h>
#include <re.h>
#include "core/core.h"
#include "sip/sip_int.h"

/* RFC 4733 event number -> key */
static const char keys[] = "0123456789*#ABCD";

/* one key, or its event number, to the digit */
static int digit_of(const struct pl *v, char *digit)
{
	struct pl num;
	size_t i;

	if (v->l == 1) {
		char c = (char)toupper((unsigned char)v->p[0]);
		for (i = 0; i < sizeof(keys) - 1; i++) {
			if (keys[i] == c) {
				*digit = c;
				return 0;
			}
		}
		return EPROTO;
	}
	if (v->l == 2 && !re_regex(v->p, v->l, "[0-9]+", &num) && num.l == 2 &&
	    pl_u32(v) < sizeof(keys) - 1) {
		*digit = keys[pl_u32(v)];
		return 0;
	}
	return EPROTO;
}

/* re_regex is not anchored: a match counts when it covers all of s */
static bool covers(const struct pl *s, const struct pl *first,
		   const struct pl *last)
{
	return first->p == s->p && last->p + last->l == s->p + s->l;
}

/* "Signal=5" among key=value lines */
static int dtmf_relay(const struct pl *body, char *digit)
{
	struct pl rest = *body, line, eol, ws0, key, val, ws1;
	int err = EPROTO;

	while (rest.l) {
		if (re_regex(rest.p, rest.l, "[^\r\n]*[\r\n]*", &line, &eol))
			return EPROTO;
		pl_advance(&rest, (ssize_t)(line.l + eol.l));
		if (!line.l || (!re_regex(line.p, line.l, "[ \t]*", &ws0) &&
				ws0.l == line.l))
			continue; /* a blank line */
		if (re_regex(line.p, line.l,
			     "[ \t]*[^ \t=]+[ \t]*=[ \t]*[^ \t]*[ \t]*", &ws0,
			     &key, NULL, NULL, &val, &ws1) ||
		    !covers(&line, &ws0, &ws1))
			return EPROTO;
		if (pl_strcasecmp(&key, "signal") || err != EPROTO)
			continue; /* another key, or a later Signal */
		err = digit_of(&val, digit);
		if (err)
			return err;
	}
	return err;
}

/* the key alone */
static int dtmf_plain(const struct pl *body, char *digit)
{
	struct pl ws0, val, ws1;

	if (re_regex(body->p, body->l, "[ \t\r\n]*[^ \t\r\n]+[ \t\r\n]*", &ws0,
		     &val, &ws1) ||
	    !covers(body, &ws0, &ws1))
		return EPROTO;
	return digit_of(&val, digit);
}

static const struct {
	const char *type, *subtype;
	int (*parse)(const struct pl *body, char *digit);
} bodies[] = {
    {"application", "dtmf-relay", dtmf_relay},
    {"application", "dtmf", dtmf_plain},
};

int sip_info_digit(const struct sip_msg *msg, char *digit)
{
	struct pl body;
	size_t i;
	char d;
	int err;

	if (!msg || !digit)
		return EINVAL;
	for (i = 0; i < ARRAY_SIZE(bodies); i++) {
		if (!msg_ctype_cmp(&msg->ctyp, bodies[i].type,
				   bodies[i].subtype))
			continue;
		if (!msg->mb)
			return EPROTO;
		body.p = (const char *)mbuf_buf(msg->mb);
		body.l = mbuf_get_left(msg->mb);
		err = bodies[i].parse(&body, &d);
		if (!err)
			*digit = d;
		return err;
	}
	return ENOTSUP;
}
