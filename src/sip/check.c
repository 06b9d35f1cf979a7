/*
 * check.c - the sanity checks RFC 3261 asks of a UAS before it acts on a
 * request (§8.2, §18.3, §20), on top of what libre's parser already
 * refuses.  libre parses; these checks only look at what it parsed: which
 * headers are there, how often, and whether their scalar values are in
 * range.  The torture messages of RFC 4475 (test/data/rfc4475) are the
 * test cases.
 *
 * Every rule is one row of a table, applied in order; the first rule that
 * fails decides the answer (400 with a reason naming the header, or 505).
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "sip/sip_int.h"

/*
 * Headers that must be present, and the headers that may appear at most
 * once.  RFC 3261 §7.3.1: a header field may occur in several lines only
 * if its grammar (§25.1) is a comma-separated list.  These are the
 * request headers of §20 whose grammar is a single value; everything
 * else may repeat, in separate lines or comma-separated in one:
 *
 *   list (may repeat)   Via, Route, Record-Route, Contact, Accept,
 *                       Accept-Encoding, Accept-Language, Alert-Info,
 *                       Allow, Authorization, Proxy-Authorization,
 *                       Call-Info, Content-Encoding, Content-Language,
 *                       Error-Info, In-Reply-To, Proxy-Require, Require,
 *                       Supported, Unsupported, Warning, extensions
 *   single (once)       the rows below with once = true
 *
 * A request through proxies carries a Via per hop (§16.6 step 8), the
 * first one being the proxy nearest to us.  libre splits the
 * comma-separated form into one entry per value for the list headers
 * (not for the single ones), so a count of entries is a count of values
 * for lists and of lines for single headers ("Date: Sat, 13 Nov 2010"
 * stays one).
 */
static const struct {
	enum sip_hdrid id;
	const char *name;
	bool required;
	bool once;
} hdrs[] = {
    {SIP_HDR_VIA, "Via", true, false},
    {SIP_HDR_TO, "To", true, true},
    {SIP_HDR_FROM, "From", true, true},
    {SIP_HDR_CALL_ID, "Call-ID", true, true},
    {SIP_HDR_CSEQ, "CSeq", true, true},
    {SIP_HDR_MAX_FORWARDS, "Max-Forwards", false, true},
    {SIP_HDR_CONTENT_LENGTH, "Content-Length", false, true},
    {SIP_HDR_CONTENT_TYPE, "Content-Type", false, true},
    {SIP_HDR_CONTENT_DISPOSITION, "Content-Disposition", false, true},
    {SIP_HDR_EXPIRES, "Expires", false, true},
    {SIP_HDR_MIN_EXPIRES, "Min-Expires", false, true},
    {SIP_HDR_DATE, "Date", false, true},
    {SIP_HDR_MIME_VERSION, "MIME-Version", false, true},
    {SIP_HDR_ORGANIZATION, "Organization", false, true},
    {SIP_HDR_PRIORITY, "Priority", false, true},
    {SIP_HDR_REPLY_TO, "Reply-To", false, true},
    {SIP_HDR_RETRY_AFTER, "Retry-After", false, true},
    {SIP_HDR_SUBJECT, "Subject", false, true},
    {SIP_HDR_TIMESTAMP, "Timestamp", false, true},
    {SIP_HDR_USER_AGENT, "User-Agent", false, true},
};

/* all digits, value <= max; leading zeros are fine ("0068", RFC 4475
 * wsinv: Max-Forwards is 1*DIGIT) */
static bool scalar_ok(const struct pl *pl, uint64_t max)
{
	uint64_t v = 0;
	size_t i;

	if (!pl_isset(pl))
		return false;
	for (i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(pl->p[i] - '0');
		if (v > max)
			return false;
	}
	return true;
}

/* the numeric part of a CSeq header value ("36 INVITE" -> "36"); the
 * value may be folded ("0009\r\n  INVITE", RFC 4475 wsinv) */
static struct pl cseq_number(const struct sip_msg *msg)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_CSEQ);
	struct pl pl = pl_null;
	size_t i = 0;

	if (!h)
		return pl;
	while (i < h->val.l && !strchr(" \t\r\n", h->val.p[i]))
		i++;
	pl.p = h->val.p;
	pl.l = i;
	return pl;
}

/* every '"' closed (a backslash escapes the next character) */
static bool quotes_balanced(const struct pl *v)
{
	bool in = false;
	size_t i;

	for (i = 0; i < v->l; i++) {
		if (in && v->p[i] == '\\')
			i++;
		else if (v->p[i] == '"')
			in = !in;
	}
	return !in;
}

static bool addr_quotes_ok(const struct sip_msg *msg, enum sip_hdrid id)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, id);

	return !h || quotes_balanced(&h->val);
}

int sipcheck_request(const struct sip_msg *msg, uint16_t *scode, char *reason,
		     size_t sz)
{
	size_t i, body;

	*scode = 400;
	if (pl_strcmp(&msg->ver, "SIP/2.0")) {
		*scode = 505;
		str_copy(reason, "Version Not Supported", sz);
		return EPROTO;
	}
	for (i = 0; i < ARRAY_SIZE(hdrs); i++) {
		uint32_t n = sip_msg_hdr_count(msg, hdrs[i].id);

		if (hdrs[i].required && n == 0) {
			re_snprintf(reason, sz, "Missing %s", hdrs[i].name);
			return EPROTO;
		}
		if (hdrs[i].once && n > 1) {
			re_snprintf(reason, sz, "Duplicate %s", hdrs[i].name);
			return EPROTO;
		}
	}
	{
		struct pl num = cseq_number(msg);

		/* RFC 3261 §8.1.1.5: less than 2**31 */
		if (!scalar_ok(&num, 2147483647u)) {
			str_copy(reason, "Bad CSeq", sz);
			return EPROTO;
		}
	}
	if (pl_cmp(&msg->cseq.met, &msg->met)) {
		str_copy(reason, "CSeq Method Mismatch", sz);
		return EPROTO;
	}
	if (pl_isset(&msg->maxfwd) && !scalar_ok(&msg->maxfwd, 255)) {
		str_copy(reason, "Bad Max-Forwards", sz);
		return EPROTO;
	}
	if (pl_isset(&msg->expires) && !scalar_ok(&msg->expires, 4294967295u)) {
		str_copy(reason, "Bad Expires", sz);
		return EPROTO;
	}
	body = mbuf_get_left(msg->mb);
	if (pl_isset(&msg->clen) &&
	    (!scalar_ok(&msg->clen, 999999999) || pl_u32(&msg->clen) > body)) {
		/* RFC 3261 §18.3: over UDP, a shorter body is an error */
		str_copy(reason, "Bad Content-Length", sz);
		return EPROTO;
	}
	if (!addr_quotes_ok(msg, SIP_HDR_TO) ||
	    !addr_quotes_ok(msg, SIP_HDR_FROM)) {
		str_copy(reason, "Unterminated Quoted String", sz);
		return EPROTO;
	}
	return 0;
}
