/*
 * phone.c - phone numbers to E.164.  A caller dials the way people dial in
 * Germany: "0221 82829-980" (national), "0033 1 23..." or "+33 1 23..."
 * (international), "82829980" (local, tenant's area code) or "1001" (an
 * extension).  The store and the trunk only ever see "+<cc><number>".
 */
#include <ctype.h>
#include <string.h>
#include "core/core.h"

bool phone_is_e164(const char *s)
{
	size_t n;

	if (!s || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return false;
	for (n = 1; s[n]; n++) {
		if (!isdigit((unsigned char)s[n]))
			return false;
	}
	return n - 1 >= 8 && n - 1 <= 15;
}

/* digits of in into buf, dropping visual separators; false on other chars */
static bool strip(char *buf, size_t sz, const char *in, bool *plus)
{
	size_t n = 0;

	*plus = false;
	for (; *in; in++) {
		if (*in == '+' && n == 0 && !*plus) {
			*plus = true;
			continue;
		}
		if (strchr(" -/.()", *in))
			continue;
		if (!isdigit((unsigned char)*in) || n + 1 >= sz)
			return false;
		buf[n++] = *in;
	}
	buf[n] = '\0';
	return n > 0;
}

enum phone_kind phone_normalise(char *out, size_t sz, const char *in,
				const struct phone_ctx *ctx)
{
	char d[40];
	bool plus;
	int r;

	if (!out || !sz)
		return PHONE_INVALID;
	out[0] = '\0';
	if (!in || !strip(d, sizeof(d), in, &plus))
		return PHONE_INVALID;

	if (plus)
		r = snprintf(out, sz, "+%s", d);
	else if (d[0] == '0' && d[1] == '0')
		r = snprintf(out, sz, "+%s", d + 2);
	else if (d[0] == '0')
		r = snprintf(out, sz, "+%s%s", ctx ? ctx->country : "49",
			     d + 1);
	else if (strlen(d) <= 5) {
		str_copy(out, d, sz);
		return PHONE_SHORT;
	}
	else if (ctx && ctx->area[0])
		r = snprintf(out, sz, "+%s%s%s", ctx->country, ctx->area, d);
	else
		r = snprintf(out, sz, "+%s", d);

	if (r < 0 || (size_t)r >= sz || !phone_is_e164(out)) {
		out[0] = '\0';
		return PHONE_INVALID;
	}
	return PHONE_E164;
}
