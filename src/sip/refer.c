/*
 * refer.c - the SIP side of call transfer (RFC 3515): reading Refer-To,
 * the 202 that accepts a REFER and the implicit subscription whose
 * NOTIFYs carry the progress as message/sipfrag ("SIP/2.0 100 Trying",
 * then the final status with Subscription-State: terminated).  No
 * decisions: whether a REFER is taken and where the call goes is
 * call/transfer.c's business (through call/sip_leg.c).
 *
 * The notifier is libre's (re_sipevent.h, a struct sipnot on the
 * sipevent socket of sipsrv.c).  What its lifetime asks for (libre
 * 1.1.0, src/sipevent/notify.c):
 *  - sipevent_accept() sends the 202 itself (with Contact and Expires)
 *    and starts an expiry timer (REFER_EXPIRES): when it runs out libre
 *    sends "terminated;reason=timeout" on its own and calls our closeh;
 *    a NOTIFY the far end answers with an error (481 after its BYE, say)
 *    ends it the same way.  After closeh a notify is refused (EINVAL).
 *  - A NOTIFY while the previous one is unanswered is queued, not sent:
 *    the final one may leave after the transferor's BYE if "100 Trying"
 *    is still in flight.
 *  - sipevent_notify(TERMINATED) keeps the notifier alive by a reference
 *    of its own until that NOTIFY is answered: ours may go at once.
 *  - Freeing a notifier that was not terminated sends a NOTIFY
 *    "terminated;reason=deactivated" with the last body: call/ always
 *    sends a final status first (487 when the call ends meanwhile).
 *  - It holds the dialog (a reference), so the subscription outlives
 *    the INVITE session: NOTIFYs after the transferor's BYE still go.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "sip/sip.h"
#include "sip/sip_int.h"

enum {
	REFER_EXPIRES = 600, /* [s] longest wait for the target's answer */
};

struct sip_refer {
	struct sipnot * not ; /* (owned) */
	bool closed;          /* terminated (by us or by libre)  */
};

static void refer_destructor(void *arg)
{
	struct sip_refer *r = arg;

	r->not = mem_deref(r->not );
}

/* libre ended the subscription (expiry, or a NOTIFY refused). */
static void refer_close(int err, const struct sip_msg *msg, void *arg)
{
	struct sip_refer *r = arg;

	r->closed = true;
	info("sip: refer subscription ended: %m %u\n", err,
	     msg ? msg->scode : 0);
}

/* A URI scheme: a letter, then letters, digits, '+', '-', '.'. */
static bool scheme_ok(const struct pl *s)
{
	size_t i;

	if (!s->l || !((s->p[0] | 0x20) >= 'a' && (s->p[0] | 0x20) <= 'z'))
		return false;
	for (i = 1; i < s->l; i++) {
		char c = s->p[i];
		if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z') &&
		    !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.')
			return false;
	}
	return true;
}

int sip_refer_decode(const struct sip_msg *msg, struct sip_refer_to *rt)
{
	const struct sip_hdr *hdr;
	struct sip_addr addr;

	if (!msg || !rt)
		return EINVAL;
	memset(rt, 0, sizeof(*rt));
	hdr = sip_msg_hdr(msg, SIP_HDR_REFER_TO);
	if (!hdr)
		return 0;
	rt->present = true;
	str_from_pl(rt->uri, sizeof(rt->uri), &hdr->val);
	if (sip_addr_decode(&addr, &hdr->val) || !scheme_ok(&addr.uri.scheme) ||
	    !pl_isset(&addr.uri.host)) {
		rt->bad = true;
		return 0;
	}
	rt->sip = !pl_strcasecmp(&addr.uri.scheme, "sip") ||
		  !pl_strcasecmp(&addr.uri.scheme, "sips");
	rt->replaces_bad = sip_replaces_from_uri(&addr.uri.headers, &rt->rdlg,
						 &rt->replaces) != 0;
	rt->replaces |= rt->replaces_bad;
	str_from_pl(rt->user, sizeof(rt->user), &addr.uri.user);
	return 0;
}

int sip_refer_accept(struct sip_refer **rp, struct sip_sess *sess,
		     const struct sip_msg *msg)
{
	struct sipsrv *srv = sip_sess_srv(sess);
	struct sip_refer *r;
	int err;

	if (!rp || !sess || !msg || !srv || !srv->evsock)
		return EINVAL;
	r = mem_zalloc(sizeof(*r), refer_destructor);
	if (!r)
		return ENOMEM;
	err =
	    sipevent_accept(&r->not, srv->evsock, msg, sip_sess_dialog(sess),
			    NULL, 202, "Accepted", 1, REFER_EXPIRES,
			    REFER_EXPIRES, "sb", "message/sipfrag;version=2.0",
			    NULL, NULL, false, refer_close, r, NULL);
	if (err) {
		mem_deref(r);
		return err;
	}
	*rp = r;
	return 0;
}

int sip_refer_notify(struct sip_refer *r, uint16_t scode, const char *reason)
{
	struct mbuf *mb;
	int err;

	if (!r || !reason)
		return EINVAL;
	if (r->closed || !r->not )
		return ENOTCONN;
	mb = mbuf_alloc(64);
	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb, "SIP/2.0 %u %s\r\n", scode, reason);
	mb->pos = 0; /* libre sends from pos */
	if (!err && scode >= 200) {
		err = sipevent_notify(r->not, mb, SIPEVENT_TERMINATED,
				      SIPEVENT_NORESOURCE, 0);
		r->closed = true;
	}
	else if (!err) {
		err = sipevent_notify(r->not, mb, SIPEVENT_ACTIVE,
				      SIPEVENT_DEACTIVATED, 0);
	}
	mem_deref(mb);
	return err;
}
