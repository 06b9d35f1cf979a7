/*
 * reason.c - why a delivery failed, in words a tenant and an agent may
 * read.  The raw text of an attempt (outbox.last_error) is the mail
 * server's or libcurl's: an SMTP bounce names the recipient ("550 5.1.1
 * <max@mustermann.example>: mailbox unknown"), a connect error our
 * network.  It is kept for the operator (GET /api/v1/outbox); a call
 * note's deliveries, a voicemail's mail and the log get one of a few
 * generic reasons instead, chosen by the table below (first match).
 */
#include <string.h>
#include <re.h>
#include "notify/notify.h"

enum how {
	PREFIX,   /* raw starts with pat                              */
	CONTAINS, /* raw contains pat (case as written)               */
	EXACT,    /* raw is pat: a text of ours, shown as it is      */
	STATUS,   /* raw is pat and a number ("HTTP 503"): as it is   */
};

struct rule {
	enum how how;
	const char *pat;
	const char *reason; /* NULL: raw itself (EXACT, STATUS) */
};

static const struct rule rules[] = {
    /* SMTP replies (smtp.c: "SMTP <reply> (curl: ...)") */
    {PREFIX, "SMTP 530", "mail server refused our login"},
    {PREFIX, "SMTP 534", "mail server refused our login"},
    {PREFIX, "SMTP 535", "mail server refused our login"},
    {PREFIX, "SMTP 550", "mail server refused the recipient"},
    {PREFIX, "SMTP 551", "mail server refused the recipient"},
    {PREFIX, "SMTP 553", "mail server refused the recipient"},
    {PREFIX, "SMTP 552", "mail server refused the mail"},
    {PREFIX, "SMTP 554", "mail server refused the mail"},
    {PREFIX, "SMTP 5", "mail server refused the mail"},
    {PREFIX, "SMTP 4", "mail server deferred the mail"},
    {PREFIX, "SMTP ", "mail server error"},
    /* libcurl (smtp.c, http_post.c, push_send.c: "curl: ...") */
    {CONTAINS, "timed out", "timeout"},
    {CONTAINS, "Timeout", "timeout"},
    {CONTAINS, "resolve", "cannot resolve the host"},
    {PREFIX, "curl: ", NULL}, /* unreachable: by channel, below */
    /* our own texts: nothing of the recipient in them */
    {EXACT, "subscription gone", NULL},
    {EXACT, "destination not allowed", NULL},
    {EXACT, "cannot resolve the host", NULL},
    {EXACT, "the tenant has no webhook secret", NULL},
    {EXACT, "bad endpoint", NULL},
    {STATUS, "HTTP ", NULL},
    {STATUS, "push service: HTTP ", NULL},
    {PREFIX, "cannot prepare the mail: bad recipients",
     "bad recipient address"},
    {PREFIX, "attachment ", "attachment missing"},
    /* the SMS gateway's report (http/api_sms_status.c): its reason may
     * name the number */
    {PREFIX, "gateway report: ", "not delivered (gateway report)"},
};

static bool digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
	}
	return true;
}

static bool match(const struct rule *rl, const char *raw)
{
	size_t n = strlen(rl->pat);

	switch (rl->how) {
	case PREFIX:
		return !strncmp(raw, rl->pat, n);
	case CONTAINS:
		return strstr(raw, rl->pat) != NULL;
	case EXACT:
		return !strcmp(raw, rl->pat);
	case STATUS:
		return !strncmp(raw, rl->pat, n) && digits(raw + n);
	}
	return false;
}

const char *notify_error_reason(enum store_channel ch, const char *raw)
{
	size_t i;

	if (!raw || !raw[0])
		return NULL;
	for (i = 0; i < ARRAY_SIZE(rules); i++) {
		if (!match(&rules[i], raw))
			continue;
		if (rules[i].reason)
			return rules[i].reason;
		if (rules[i].how != PREFIX)
			return raw;
		/* a connection that failed */
		return ch == STORE_CHANNEL_MAIL ? "mail server unreachable"
						: "receiver unreachable";
	}
	return "delivery failed";
}
