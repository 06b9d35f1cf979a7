/*
 * policy.c - what becomes of a delivery after an attempt, and which
 * addresses we accept: pure functions without clock or I/O, so the retry
 * schedule and every state change are unit-tested at any time of day
 * (test/unit/notify_test.c).  The schedule is in notify.h.
 */
#include <string.h>
#include "core/core.h"
#include "notify/notify.h"

enum {
	ADDR_MAX = 254, /* RFC 5321: longest forward path */
};

void notify_policy_of(struct notify_policy *p, const struct config *cfg)
{
	if (!p || !cfg)
		return;

	p->retry_base = cfg->outbox_retry_base;
	p->retry_max = cfg->outbox_retry_max;
	p->max_attempts = cfg->outbox_max_attempts;
}

uint64_t notify_backoff(const struct notify_policy *p, uint32_t attempts)
{
	uint64_t wait, max;
	uint32_t i;

	if (!p)
		return 0;

	wait = (uint64_t)p->retry_base * 1000;
	max = (uint64_t)p->retry_max * 1000;
	/* doubling stops at the cap, so this cannot overflow */
	for (i = 1; i < attempts && wait < max; i++)
		wait *= 2;

	return wait < max ? wait : max;
}

enum notify_verdict notify_judge(const struct notify_policy *p,
				 const struct store_outbox *o,
				 const struct notify_result *r, uint64_t now,
				 uint64_t *nextp)
{
	uint32_t attempts;

	if (r->ok)
		return NOTIFY_SENT;

	/* 5xx: the server will say the same again */
	if (r->permanent || (r->smtp >= 500 && r->smtp <= 599))
		return NOTIFY_FAILED;

	attempts = o->attempts + 1;
	if (attempts >= p->max_attempts)
		return NOTIFY_FAILED;

	if (nextp)
		*nextp = now + notify_backoff(p, attempts);

	return NOTIFY_RETRY;
}

/* The characters of an address we refuse: what would break a header or
 * the SMTP envelope, or make it more than one address. */
static bool addr_char_ok(unsigned char c)
{
	return c > ' ' && c != 0x7f && !strchr(",;<>()[]\\\"", c);
}

bool notify_addr_ok(const char *s)
{
	const char *at, *p;
	size_t n;

	if (!s)
		return false;

	n = strlen(s);
	at = strrchr(s, '@');
	if (!n || n > ADDR_MAX || !at || at == s || !at[1] ||
	    strchr(s, '@') != at)
		return false;

	for (p = s; *p; p++) {
		if (!addr_char_ok((unsigned char)*p))
			return false;
	}

	/* a domain of labels: no empty label, no leading or trailing dot */
	return at[1] != '.' && s[n - 1] != '.' && !strstr(at, "..");
}

bool notify_addr_list_ok(const char *s)
{
	char one[ADDR_MAX + 1];
	const char *p, *end;
	size_t n;

	if (!s || !*s)
		return false;

	for (p = s;; p = end + 1) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		while (p < end && *p == ' ')
			++p;
		n = (size_t)(end - p);
		while (n && p[n - 1] == ' ')
			--n;
		if (!n || n > ADDR_MAX)
			return false;
		memcpy(one, p, n);
		one[n] = '\0';
		if (!notify_addr_ok(one))
			return false;
		if (!*end)
			return true;
	}
}
