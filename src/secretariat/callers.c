/*
 * callers.c - what a caller of a tenant is, before anyone answers
 * (seeds/001 VIP-Kunden, seeds/002 Allow- und Block-Listen,
 * Werbeanrufblocker): blocked, allowed (put through directly), a VIP
 * or nothing special.  The call handling asks secr_caller_classify();
 * the rule itself is the pure secr_caller_decide(), unit-tested alone.
 *
 * The rule, stated once (docs/api.md repeats it):
 *
 *   1. A caller without a caller ID (anonymous, withheld) is blocked
 *      ("anonymous") if the tenant switched block_anonymous on, else
 *      nothing special; no list can name it.
 *   2. The tenant's own entries that match the number and are in force
 *      at T (no expiry, or T before it) and its VIP (an exact number)
 *      compete: the longest match wins, an exact number beating every
 *      prefix and a longer prefix a shorter one.  On a tie (the same
 *      number as a block or allow entry and as a VIP) block beats allow
 *      beats VIP.  The winner decides: block ("block_list"), allow (to
 *      the entry's employee, or the company), vip (for the VIP's
 *      employee, or the company).
 *   3. Only if nothing of the tenant's own matched: a caller on the
 *      operator's advertising list is blocked ("advertising") if the
 *      tenant switched block_advertising on.  An explicit allow (or a
 *      VIP) thus beats the advertising list.
 *   4. Else nothing special ("none").
 *
 * A VIP that is not the winner still travels with an allow (the agent
 * or the employee may see the info); a blocked caller carries nothing.
 */
#include <ctype.h>
#include <string.h>
#include "core/core.h"
#include "secretariat/secretariat.h"

static const char *const decision_v[] = {
    [SECR_CALLER_NONE] = "none",
    [SECR_CALLER_BLOCK] = "block",
    [SECR_CALLER_ALLOW] = "allow",
    [SECR_CALLER_VIP] = "vip",
};

static const char *const reason_v[] = {
    [SECR_REASON_NONE] = "",
    [SECR_REASON_BLOCK_LIST] = "block_list",
    [SECR_REASON_ALLOW_LIST] = "allow_list",
    [SECR_REASON_VIP] = "vip",
    [SECR_REASON_ADVERTISING] = "advertising",
    [SECR_REASON_ANONYMOUS] = "anonymous",
};

const char *secr_caller_decision_name(enum secr_caller_decision d)
{
	return (size_t)d < ARRAY_SIZE(decision_v) ? decision_v[d] : "";
}

const char *secr_caller_reason_name(enum secr_caller_reason r)
{
	return (size_t)r < ARRAY_SIZE(reason_v) ? reason_v[r] : "";
}

bool secr_caller_anonymous(const char *in)
{
	if (!in)
		return true;
	for (; *in; in++) {
		if (isdigit((unsigned char)*in))
			return false;
	}
	return true;
}

/* The digits of in (a '+' first allowed, visual separators dropped) into
 * d; false for anything else or nothing. */
static bool digits(char *d, size_t sz, const char *in, size_t len, bool *plus)
{
	size_t n = 0, i;

	*plus = false;
	for (i = 0; i < len; i++) {
		if (in[i] == '+' && !n && !*plus) {
			*plus = true;
			continue;
		}
		if (strchr(" -/.()", in[i]))
			continue;
		if (!isdigit((unsigned char)in[i]) || n + 1 >= sz)
			return false;
		d[n++] = in[i];
	}
	d[n] = '\0';
	return n > 0;
}

int secr_caller_number(char *buf, size_t sz, const char *in,
		       const struct phone_ctx *ctx)
{
	const char *star;
	char d[40], out[40];
	size_t len, i;
	bool plus;
	int r;

	if (!buf || !sz || !in)
		return EINVAL;
	star = strchr(in, '*');
	if (!star) {
		if (phone_normalise(out, sizeof(out), in, ctx) != PHONE_E164)
			return EINVAL;
		return str_copy(buf, out, sz) < sz ? 0 : EINVAL;
	}
	/* a prefix: '*' last, a + or 0 first (never a local number) */
	if (star[1] || !digits(d, sizeof(d), in, (size_t)(star - in), &plus))
		return EINVAL;
	if (plus)
		r = re_snprintf(out, sizeof(out), "+%s*", d);
	else if (d[0] == '0' && d[1] == '0')
		r = re_snprintf(out, sizeof(out), "+%s*", d + 2);
	else if (d[0] == '0')
		r = re_snprintf(out, sizeof(out), "+%s%s*",
				ctx && ctx->country[0] ? ctx->country : "49",
				d + 1);
	else
		return EINVAL;
	len = strlen(out);
	if (r < 0 || len < 4 || len > SECR_PREFIX_MAX + 2 || out[1] == '0')
		return EINVAL;
	for (i = 1; i < len - 1; i++) {
		if (!isdigit((unsigned char)out[i]))
			return EINVAL;
	}
	return str_copy(buf, out, sz) < sz ? 0 : EINVAL;
}

size_t secr_caller_match(const char *entry, const char *e164)
{
	size_t n;

	if (!entry || !e164 || !entry[0])
		return 0;
	n = strlen(entry);
	if (entry[n - 1] != '*')
		return strcmp(entry, e164) ? 0 : n + 1;
	--n;
	return strncmp(entry, e164, n) ? 0 : n;
}

/* Is entry e in force at `at`? */
static bool in_force(const struct store_caller_entry *e, uint64_t at)
{
	return !e->expires_at || at < e->expires_at;
}

/* Rank of a list on a tie: block beats allow beats VIP. */
static int rank(enum secr_caller_decision d)
{
	switch (d) {
	case SECR_CALLER_BLOCK:
		return 3;
	case SECR_CALLER_ALLOW:
		return 2;
	case SECR_CALLER_VIP:
		return 1;
	default:
		return 0;
	}
}

void secr_caller_decide(const struct secr_caller_in *in,
			struct secr_caller *out)
{
	enum secr_caller_decision best = SECR_CALLER_NONE;
	const struct store_caller_entry *win = NULL;
	size_t bestlen = 0, i;

	memset(out, 0, sizeof(*out));
	if (!in)
		return;
	if (!in->number || !in->number[0]) {
		if (in->settings && in->settings->block_anonymous) {
			out->decision = SECR_CALLER_BLOCK;
			out->reason = SECR_REASON_ANONYMOUS;
		}
		return;
	}

	for (i = 0; i < in->entryc; i++) {
		const struct store_caller_entry *e = &in->entryv[i];
		enum secr_caller_decision d = e->list == STORE_CALLER_BLOCK
						  ? SECR_CALLER_BLOCK
						  : SECR_CALLER_ALLOW;
		size_t len = secr_caller_match(e->number, in->number);

		if (!len || !in_force(e, in->at))
			continue;
		if (len > bestlen || (len == bestlen && rank(d) > rank(best))) {
			best = d;
			bestlen = len;
			win = e;
		}
	}
	if (in->vip) {
		size_t len = secr_caller_match(in->vip->number, in->number);

		if (len &&
		    (len > bestlen ||
		     (len == bestlen && rank(SECR_CALLER_VIP) > rank(best)))) {
			best = SECR_CALLER_VIP;
			bestlen = len;
			win = NULL;
		}
	}

	switch (best) {
	case SECR_CALLER_BLOCK:
		out->decision = SECR_CALLER_BLOCK;
		out->reason = SECR_REASON_BLOCK_LIST;
		out->entry = win;
		return;
	case SECR_CALLER_ALLOW:
		out->decision = SECR_CALLER_ALLOW;
		out->reason = SECR_REASON_ALLOW_LIST;
		out->entry = win;
		out->employee_id = win->employee_id;
		out->vip = in->vip;
		return;
	case SECR_CALLER_VIP:
		out->decision = SECR_CALLER_VIP;
		out->reason = SECR_REASON_VIP;
		out->vip = in->vip;
		out->employee_id = in->vip->employee_id;
		return;
	default:
		break;
	}
	if (in->ad && in->settings && in->settings->block_advertising &&
	    secr_caller_match(in->ad->number, in->number)) {
		out->decision = SECR_CALLER_BLOCK;
		out->reason = SECR_REASON_ADVERTISING;
		out->ad = in->ad;
	}
}

/* Collect the tenant's matching entries (at most SECR_CALLER_MATCHES:
 * one per length of the number, as a number is on the lists once). */
static int match_h(const struct store_caller_entry *e, void *arg)
{
	struct secr_caller_lookup *l = arg;

	if (l->entryc >= SECR_CALLER_MATCHES)
		return 0;
	l->entryv[l->entryc++] = *e;
	return 0;
}

int secr_caller_classify(struct store *st, int64_t tenant_id, const char *in,
			 uint64_t at, struct secr_caller_lookup *l,
			 struct secr_caller *out)
{
	struct secr_caller_in ci;
	struct store_tenant *t;
	struct phone_ctx ctx;
	int err;

	if (!st || tenant_id <= 0 || !l || !out)
		return EINVAL;
	memset(l, 0, sizeof(*l));
	memset(out, 0, sizeof(*out));
	t = mem_zalloc(sizeof(*t), NULL);
	if (!t)
		return ENOMEM;
	err = store_tenant_get(st, tenant_id, t);
	if (err)
		goto out;
	err = store_caller_settings_get(st, tenant_id, &l->settings);
	if (err)
		goto out;
	l->anonymous = secr_caller_anonymous(in);
	if (!l->anonymous) {
		sec_tenant_ctx(t, &ctx);
		if (phone_normalise(l->number, sizeof(l->number), in, &ctx) !=
		    PHONE_E164)
			l->number[0] = '\0';
	}
	if (l->number[0]) {
		err = store_caller_entry_match(st, tenant_id, l->number,
					       match_h, l);
		if (err)
			goto out;
		err = store_vip_find(st, tenant_id, l->number, &l->vip);
		if (!err)
			l->has_vip = true;
		else if (err != ENOENT)
			goto out;
		err = store_ad_caller_match(st, l->number, &l->ad);
		if (!err)
			l->has_ad = true;
		else if (err != ENOENT)
			goto out;
		err = 0;
	}

	memset(&ci, 0, sizeof(ci));
	ci.number = l->number;
	ci.at = at;
	ci.settings = &l->settings;
	ci.entryv = l->entryv;
	ci.entryc = l->entryc;
	ci.vip = l->has_vip ? &l->vip : NULL;
	ci.ad = l->has_ad ? &l->ad : NULL;
	/* digits that are no public number (an extension): nothing */
	if (l->anonymous || l->number[0])
		secr_caller_decide(&ci, out);
out:
	mem_deref(t);
	return err;
}
