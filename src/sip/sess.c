/*
 * sess.c - one SIP session per call leg: libre's sipsess with the
 * offer/answer done against the leg's media (media.h), and what happens
 * reported to its owner through a table of handlers (sip.h).  No
 * decisions here: which legs belong together and what to do when one
 * answers or hangs up is call/'s business.
 *
 *   accept(180|200) / connect(INVITE) -> progress (UAC) -> established
 *   re-INVITE, answer in ACK          -> mediah
 *   INFO                              -> 200 + digith | 415 | 400
 *   REFER                             -> referh (refer.c; or 501 by libre)
 *   BYE, CANCEL, final error, timeout -> closeh
 *   freed by the owner                -> BYE / CANCEL, no closeh
 *
 * Behind an edge (--edge), a caller's INVITE we answered 180 or 183 gets
 * that answer again every PROV_REFRESH_MS until the final one: the edge
 * takes an INVITE branch silent for its fr_inv_timer as the node's death
 * and gives the call to the next node (contrib/kamailio/kamailio.cfg).
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "media/media.h"
#include "sip/sip.h"
#include "sip/sip_int.h"

/* [ms] the Duration of a digit we pass on by INFO (the forms we take
 * do not always carry one; a phone plays a key this long) */
enum { SIP_INFO_DURATION_MS = 250 };

/* [ms] our 180/183 again, behind an edge (the edge waits 3 of these) */
enum { PROV_REFRESH_MS = 2000 };

struct sip_sess {
	struct sipsess *sess;       /* (owned)                            */
	struct sipsrv *srv;         /* (weak)                             */
	struct media_leg *media;    /* (weak) freed by the owner after us */
	const struct sip_sess_h *h; /* (weak) static table of the owner  */
	void *arg;
	char desc[96];         /* "device:1001" in logs */
	struct sa tls_dst;     /* UAC over TLS: the first hop, else unset */
	bool edge;             /* UAS: the INVITE came from a trusted edge */
	uint16_t prov;         /* UAS behind an edge: our 180/183 to repeat */
	struct mbuf *prov_sdp; /* the 183's SDP, repeated byte for byte */
	struct tmr tmr_prov;
};

static void sess_destructor(void *arg)
{
	struct sip_sess *s = arg;

	tmr_cancel(&s->tmr_prov);
	mem_deref(s->prov_sdp);
	s->sess = mem_deref(s->sess); /* BYE or CANCEL if still up */
}

static int sess_alloc(struct sip_sess **sp, struct sipsrv *srv,
		      struct media_leg *media, const char *desc,
		      const struct sip_sess_h *h, void *arg)
{
	struct sip_sess *s;

	if (!sp || !srv || !media || !h || !h->closeh)
		return EINVAL;
	s = mem_zalloc(sizeof(*s), sess_destructor);
	if (!s)
		return ENOMEM;
	s->srv = srv;
	s->media = media;
	s->h = h;
	s->arg = arg;
	tmr_init(&s->tmr_prov);
	str_copy(s->desc, desc ? desc : "", sizeof(s->desc));
	*sp = s;
	return 0;
}

static void prov_refresh(void *arg)
{
	struct sip_sess *s = arg;
	struct mbuf *sdp = s->prov == 183 ? s->prov_sdp : NULL;

	if (sdp)
		sdp->pos = 0;
	if (!s->prov ||
	    sipsess_progress(s->sess, s->prov,
			     s->prov == 183 ? "Session Progress" : "Ringing",
			     sdp, NULL)) {
		s->prov = 0;
		return;
	}
	tmr_start(&s->tmr_prov, PROV_REFRESH_MS, prov_refresh, s);
}

/* scode was sent (0: a final answer was): repeat it behind an edge */
static void prov_sent(struct sip_sess *s, uint16_t scode)
{
	if (!s->edge || scode >= 200 || !scode) {
		s->prov = 0;
		tmr_cancel(&s->tmr_prov);
		return;
	}
	s->prov = scode;
	tmr_start(&s->tmr_prov, PROV_REFRESH_MS, prov_refresh, s);
}

int sip_sdp_decode(struct media_leg *media, const struct sip_msg *msg,
		   bool offer)
{
	struct sa sig;

	if (!media || !msg)
		return EINVAL;
	/* a phone behind NAT sends RTP from its SIP address (media.h);
	 * behind the edge, from the address the edge names (edge.c) */
	sipedge_source(sipsrv_g, msg, &sig);
	media_leg_set_sig_addr(media, &sig);
	return media_leg_decode(media, msg->mb, offer);
}

static void sess_media_changed(struct sip_sess *s)
{
	if (s->h->mediah)
		s->h->mediah(s->arg);
}

static int sess_offer_handler(struct mbuf **descp, const struct sip_msg *msg,
			      void *arg)
{
	struct sip_sess *s = arg;
	int err;

	if (!mbuf_get_left(msg->mb)) /* offer-less re-INVITE: we offer */
		return media_leg_encode(s->media, descp, true);
	err = sip_sdp_decode(s->media, msg, true);
	if (err) {
		info("sip: %r: bad re-INVITE offer from %s: %m\n", &msg->callid,
		     s->desc, err);
		return err;
	}
	err = media_leg_encode(s->media, descp, false);
	if (!err)
		sess_media_changed(s);
	return err;
}

static int sess_answer_handler(const struct sip_msg *msg, void *arg)
{
	struct sip_sess *s = arg;
	int err;

	if (!mbuf_get_left(msg->mb))
		return 0;
	err = sip_sdp_decode(s->media, msg, false);
	if (err)
		info("sip: %r: unusable SDP answer from %s: %m\n", &msg->callid,
		     s->desc, err);
	else
		sess_media_changed(s);
	return err;
}

static void sess_progress_handler(const struct sip_msg *msg, void *arg)
{
	struct sip_sess *s = arg;

	if (s->h->progressh)
		s->h->progressh(msg, s->arg);
}

static void sess_estab_handler(const struct sip_msg *msg, void *arg)
{
	struct sip_sess *s = arg;

	(void)msg;
	prov_sent(s, 0);
	if (s->h->estabh)
		s->h->estabh(s->arg);
}

static void sess_close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct sip_sess *s = arg;

	prov_sent(s, 0);
	s->h->closeh(err, msg, s->arg);
}

static int sess_info_parse(const struct sip_msg *msg, char *digit)
{
	size_t pos = msg->mb->pos;
	int err;

	*digit = '\0';
	err = sip_info_digit(msg, digit);
	msg->mb->pos = pos; /* the body is passed on as it came */
	return err;
}

/*
 * INFO: a DTMF digit (application/dtmf-relay or application/dtmf) is
 * answered 200 and reported; another content type 415, a body we cannot
 * read 400 (sip_info_digit).
 */
static void sess_info_handler(struct sip *sip, const struct sip_msg *msg,
			      void *arg)
{
	struct sip_sess *s = arg;
	char digit;
	int err;

	err = sess_info_parse(msg, &digit);
	if (err == ENOTSUP) {
		(void)sip_treplyf(NULL, NULL, sip, msg, false, 415,
				  "Unsupported Media Type",
				  "Accept: application/dtmf-relay, "
				  "application/dtmf\r\n"
				  "Content-Length: 0\r\n\r\n");
		return;
	}
	if (err) {
		(void)sip_treply(NULL, sip, msg, 400, "Bad DTMF");
		return;
	}
	(void)sip_treply(NULL, sip, msg, 200, "OK");
	if (s->h->digith)
		s->h->digith(digit, s->arg);
}

static void sess_refer_handler(struct sip *sip, const struct sip_msg *msg,
			       void *arg)
{
	struct sip_sess *s = arg;

	(void)sip;
	s->h->referh(msg, s->arg);
}

int sip_sess_accept(struct sip_sess **sp, struct sipsrv *srv,
		    const struct sip_msg *msg, struct media_leg *media,
		    uint16_t scode, const char *reason, const char *desc,
		    const struct sip_sess_h *h, void *arg)
{
	struct sip_sess *s = NULL;
	struct mbuf *sdp = NULL;
	int err;

	if (!msg || !reason)
		return EINVAL;
	err = sess_alloc(&s, srv, media, desc, h, arg);
	if (err)
		return err;
	if (scode >= 200) /* with our answer, or offer (late offer) */
		err = media_leg_encode(media, &sdp, !mbuf_get_left(msg->mb));
	if (err)
		goto out;
	err = sipsess_accept(
	    &s->sess, srv->sock, msg, scode, reason, "sb", "application/sdp",
	    sdp, NULL, NULL, false, sess_offer_handler, sess_answer_handler,
	    sess_estab_handler, sess_info_handler,
	    h->referh ? sess_refer_handler : NULL, sess_close_handler, s, NULL);
out:
	mem_deref(sdp);
	if (err) {
		mem_deref(s);
		return err;
	}
	s->edge = sipedge_is(srv, &msg->src);
	prov_sent(s, scode);
	*sp = s;
	return 0;
}

/* Where a connection for d goes if it is over TLS (its Route, else its
 * Request-URI), into s->tls_dst; left unset otherwise. */
static void sess_tls_dst(struct sip_sess *s, const struct sip_dial *d)
{
	struct pl pl, tp;
	struct uri uri;

	pl_set_str(&pl, d->routec ? d->routev[0] : d->uri);
	if (pl.l && pl.p[0] == '<') { /* a Route's name-addr */
		pl.p++;
		pl.l = pl.l > 2 ? pl.l - 2 : 0;
	}
	if (uri_decode(&uri, &pl) ||
	    msg_param_decode(&uri.params, "transport", &tp) ||
	    pl_strcasecmp(&tp, "tls"))
		return;
	(void)sa_set(&s->tls_dst, &uri.host, uri.port ? uri.port : 5061);
}

bool sip_sess_tls_refused(const struct sip_sess *s, char *why, size_t sz)
{
	return s && sa_isset(&s->tls_dst, SA_ALL) &&
	       trunktls_refused(&s->tls_dst, why, sz);
}

int sip_sess_connect(struct sip_sess **sp, struct sipsrv *srv,
		     const struct sip_dial *d, struct media_leg *media,
		     const struct sip_sess_h *h, void *arg)
{
	struct trunk_cred *cred = NULL;
	struct sip_sess *s = NULL;
	struct mbuf *offer = NULL;
	const char *routev[SIP_ROUTE_MAX];
	uint32_t i, routec;
	int err;

	if (!d)
		return EINVAL;
	err = sess_alloc(&s, srv, media, d->desc, h, arg);
	if (err)
		return err;
	if (d->auth && d->auth->password[0])
		err = trunk_cred_alloc(&cred, d->auth);
	if (!err)
		err = media_leg_encode(media, &offer, true);
	if (err)
		goto out;
	sess_tls_dst(s, d);
	routec = d->routec < SIP_ROUTE_MAX ? d->routec : SIP_ROUTE_MAX;
	for (i = 0; i < routec; i++)
		routev[i] = d->routev[i];
	err = sipsess_connect(
	    &s->sess, srv->sock, d->uri, d->from_name[0] ? d->from_name : NULL,
	    d->from_uri, "sb", routev, routec, "application/sdp", offer,
	    cred ? trunk_cred_auth : NULL, cred, true, sess_offer_handler,
	    sess_answer_handler, sess_progress_handler, sess_estab_handler,
	    sess_info_handler, h->referh ? sess_refer_handler : NULL,
	    sess_close_handler, s, "%s", d->extra);
out:
	mem_deref(offer);
	mem_deref(cred);
	if (err)
		mem_deref(s);
	else
		*sp = s;
	return err;
}

int sip_sess_answer(struct sip_sess *s, bool offer)
{
	struct mbuf *sdp = NULL;
	int err;

	if (!s)
		return EINVAL;
	prov_sent(s, 0);
	err = media_leg_encode(s->media, &sdp, offer);
	if (!err)
		err = sipsess_answer(s->sess, 200, "OK", sdp, NULL);
	mem_deref(sdp);
	return err;
}

int sip_sess_progress(struct sip_sess *s)
{
	struct mbuf *sdp = NULL;
	int err;

	if (!s)
		return EINVAL;
	err = media_leg_encode(s->media, &sdp, false);
	if (!err)
		err = sipsess_progress(s->sess, 183, "Session Progress", sdp,
				       NULL);
	if (!err) { /* repeated as it was (a new encoding is a new version) */
		mem_deref(s->prov_sdp);
		s->prov_sdp = mem_ref(sdp);
		prov_sent(s, 183);
	}
	mem_deref(sdp);
	return err;
}

int sip_sess_reject(struct sip_sess *s, uint16_t scode, const char *reason)
{
	if (!s || !reason)
		return EINVAL;
	prov_sent(s, 0);
	return sipsess_reject(s->sess, scode, reason, NULL);
}

int sip_sess_info(struct sip_sess *s, char digit)
{
	struct mbuf *mb;
	int err;

	if (!s || !digit)
		return EINVAL;
	mb = mbuf_alloc(32);
	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb, "Signal=%c\r\nDuration=%u\r\n", digit,
			  SIP_INFO_DURATION_MS);
	if (!err) {
		mb->pos = 0;
		err = sipsess_info(s->sess, "application/dtmf-relay", mb, NULL,
				   NULL);
	}
	mem_deref(mb);
	return err;
}

struct sipsrv *sip_sess_srv(const struct sip_sess *s)
{
	return s ? s->srv : NULL;
}

struct sip_dialog *sip_sess_dialog(const struct sip_sess *s)
{
	return s ? sipsess_dialog(s->sess) : NULL;
}
