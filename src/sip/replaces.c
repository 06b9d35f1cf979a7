/*
 * replaces.c - the Replaces header (RFC 3891): which dialog an attended
 * transfer means, as "callid;to-tag=..;from-tag=..[;early-only]".  It
 * comes two ways: in an INVITE (the header), or escaped in the headers
 * of a REFER's Refer-To URI ("<sip:1003@sb?Replaces=abc%3Bto-tag%3D1..>",
 * what a phone doing attended transfer sends).  The tags are as the
 * recipient sees them: to-tag is our local tag, from-tag the far end's
 * (RFC 3891 section 3); sip_sess_dialog_is() compares them so.
 *
 * Read with libre only (uri_headers_apply, uri_header_unescape,
 * fmt_param_get, sip_dialog_cmp); no parser of our own.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "sip/sip.h"
#include "sip/sip_int.h"

int sip_replaces_decode(const struct pl *val, struct sip_replaces *r)
{
	struct pl callid, params, tt, ft;

	if (!val || !r)
		return EINVAL;
	memset(r, 0, sizeof(*r));
	if (re_regex(val->p, val->l, "[ \t]*[^; \t]+[ \t]*[^]*", NULL, &callid,
		     NULL, &params))
		return EBADMSG;
	if (!fmt_param_get(&params, "to-tag", &tt) ||
	    !fmt_param_get(&params, "from-tag", &ft) || !tt.l || !ft.l)
		return EBADMSG;
	if (callid.l >= sizeof(r->call_id) || tt.l >= sizeof(r->to_tag) ||
	    ft.l >= sizeof(r->from_tag))
		return EBADMSG;
	pl_strcpy(&callid, r->call_id, sizeof(r->call_id));
	pl_strcpy(&tt, r->to_tag, sizeof(r->to_tag));
	pl_strcpy(&ft, r->from_tag, sizeof(r->from_tag));
	r->early_only = fmt_param_exists(&params, "early-only");
	return 0;
}

struct hdr_find {
	struct pl val;
	unsigned n;
};

static int uri_hdr_h(const struct pl *name, const struct pl *val, void *arg)
{
	struct hdr_find *f = arg;

	if (!pl_strcasecmp(name, "replaces")) {
		f->val = *val;
		f->n++;
	}
	return 0;
}

int sip_replaces_from_uri(const struct pl *headers, struct sip_replaces *r,
			  bool *present)
{
	struct hdr_find f;
	char buf[512];
	struct pl pl;

	if (!headers || !r || !present)
		return EINVAL;
	memset(r, 0, sizeof(*r));
	memset(&f, 0, sizeof(f));
	*present = false;
	if (!pl_isset(headers))
		return 0;
	(void)uri_headers_apply(headers, uri_hdr_h, &f);
	if (!f.n)
		return 0;
	*present = true;
	if (f.n > 1)
		return EBADMSG;
	if (re_snprintf(buf, sizeof(buf), "%H", uri_header_unescape, &f.val) <
	    0)
		return EBADMSG;
	pl_set_str(&pl, buf);
	return sip_replaces_decode(&pl, r);
}

int sip_replaces_from_msg(const struct sip_msg *msg, struct sip_replaces *r,
			  bool *present)
{
	const struct sip_hdr *hdr;

	if (!msg || !r || !present)
		return EINVAL;
	memset(r, 0, sizeof(*r));
	hdr = sip_msg_xhdr(msg, "Replaces");
	*present = hdr != NULL;
	if (!hdr)
		return 0;
	if (sip_msg_xhdr_count(msg, "Replaces") > 1)
		return EBADMSG; /* RFC 3891: 400 */
	return sip_replaces_decode(&hdr->val, r);
}

bool sip_sess_dialog_is(const struct sip_sess *s, const struct sip_replaces *r)
{
	struct sip_msg m;

	if (!s || !r)
		return false;
	/* sip_dialog_cmp() reads a request's To tag as our local tag and
	 * its From tag as the far end's: what Replaces' tags are */
	memset(&m, 0, sizeof(m));
	m.req = true;
	pl_set_str(&m.callid, r->call_id);
	pl_set_str(&m.to.tag, r->to_tag);
	pl_set_str(&m.from.tag, r->from_tag);
	return sip_dialog_cmp(sip_sess_dialog(s), &m);
}
