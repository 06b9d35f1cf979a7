/*
 * call.c - the B2BUA: every call is a caller leg (A, we are its UAS) and
 * one or more callee legs (B, we are their UAC), with media anchored on
 * this node.  route/ decides where the call goes; this file only does SIP
 * and wires media legs together.
 *
 *                 INVITE
 *   A ----------------------> [route]
 *                               |-- reject ------------> 4xx/5xx, record
 *                               |-- announcement ------> 200, play, BYE
 *                               |-- employee/trunk:
 *                               v
 *   RINGING: 180 to A; one B leg per registered contact (parallel fork)
 *        |  first B answers (200/ACK) -> others CANCELled,
 *        |  media A<->B bridged, 200 to A             -> ANSWERED
 *        |  every B failed -> best final code to A    -> gone
 *        |  A CANCELs / ring timeout -> CANCEL all B  -> gone
 *   ANSWERED:
 *        |  re-INVITE sendonly/inactive from one side -> music on hold
 *        |     to the other side; sendrecv again -> relay resumes
 *        |  BYE from either side -> BYE to the other  -> gone
 *        |  no RTP for rtp_timeout seconds -> BYE both -> gone
 *
 * Every attempt gets a call record, written before we answer anything and
 * closed with its disposition when the call object goes away.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "media/media.h"
#include "sip/sip_int.h"

enum call_state { CALL_RINGING, CALL_ANSWERED, CALL_ANNOUNCING, CALL_DONE };

struct call;

struct leg {
	struct le le;            /* in call->forks while ringing     */
	struct call *call;       /* (weak)                           */
	struct sipsess *sess;    /* (owned)                          */
	struct media_leg *media; /* (owned)                          */
	char desc[96];           /* "device:1001", "trunk:1"         */
	bool established;
};

struct call {
	struct le le;       /* in srv->calls                    */
	struct sipsrv *srv; /* (weak)                           */
	enum call_state state;
	struct leg *a;               /* caller leg (owned)               */
	struct list forks;           /* B legs still ringing (owned)     */
	struct leg *b;               /* answered B leg (owned)           */
	struct media_player *player; /* announcement or MOH (owned)     */
	struct media_leg *moh_to;    /* leg hearing music on hold (weak) */
	struct tmr tmr_ring;
	bool rtp_watched; /* answered: hang up when RTP stops */
	struct store_call rec;
	uint16_t best_scode; /* best final answer of failed forks */
	char best_reason[64];
	char prompt[300];  /* announcement file                */
	bool late_offer;   /* caller sent no SDP: we offer     */
	struct leg *early; /* leg whose early media A hears (weak) */
};

static void call_end(struct call *call, enum store_disposition disposition,
		     uint16_t scode, enum store_party ended_by);

static void leg_destructor(void *arg)
{
	struct leg *leg = arg;

	list_unlink(&leg->le);
	leg->sess = mem_deref(leg->sess); /* BYE or CANCEL if still up */
	leg->media = mem_deref(leg->media);
}

static int leg_alloc(struct leg **legp, struct call *call,
		     enum media_codec prefer, enum media_crypto crypto,
		     const char *desc)
{
	struct leg *leg;
	int err;

	leg = mem_zalloc(sizeof(*leg), leg_destructor);
	if (!leg)
		return ENOMEM;
	leg->call = call;
	str_copy(leg->desc, desc, sizeof(leg->desc));
	err = media_leg_alloc(&leg->media, prefer, crypto);
	if (err) {
		warning("call: no media port for %s: %m\n", desc, err);
		mem_deref(leg);
		return err;
	}
	*legp = leg;
	return 0;
}

static void call_destructor(void *arg)
{
	struct call *call = arg;

	tmr_cancel(&call->tmr_ring);
	list_unlink(&call->le);
	call->player = mem_deref(call->player);
	list_flush(&call->forks);
	call->b = mem_deref(call->b);
	call->a = mem_deref(call->a);
}

/* ---- call records --------------------------------------------------- */

static void record_start(struct call *call, const struct sip_msg *msg,
			 const struct route_result *r, const char *caller_leg)
{
	struct store_call *c = &call->rec;
	int err;

	memset(c, 0, sizeof(*c));
	str_copy(c->node_id, call->srv->cfg->node_id, sizeof(c->node_id));
	str_from_pl(c->sip_call_id, sizeof(c->sip_call_id), &msg->callid);
	c->tenant_id = r->tenant_id;
	c->direction = r->direction;
	str_copy(c->from_number, r->from_number, sizeof(c->from_number));
	str_copy(c->to_number, r->dialled, sizeof(c->to_number));
	str_copy(c->caller_leg, caller_leg, sizeof(c->caller_leg));
	c->started_at = time_now_ms();
	err = store_call_add(call->srv->st, c);
	if (err)
		warning("call: cannot record call %s: %m\n", c->sip_call_id,
			err);
}

static enum store_disposition disposition_of(uint16_t scode)
{
	switch (scode) {
	case 404:
	case 484:
		return STORE_DISP_NOT_FOUND;
	case 486:
	case 600:
		return STORE_DISP_BUSY;
	case 408:
	case 480:
		return STORE_DISP_NO_ANSWER;
	case 487:
		return STORE_DISP_CANCELLED;
	case 403:
	case 603:
		return STORE_DISP_REJECTED;
	default:
		return STORE_DISP_FAILED;
	}
}

/*
 * Tear the call down: close the record, free the legs (BYE/CANCEL go out
 * from their destructors).  The caller must not touch call afterwards.
 */
static void call_end(struct call *call, enum store_disposition disposition,
		     uint16_t scode, enum store_party ended_by)
{
	if (call->state == CALL_DONE)
		return;
	call->state = CALL_DONE;
	if (call->rec.id) {
		int err =
		    store_call_ended(call->srv->st, call->rec.id, time_now_ms(),
				     disposition, scode, ended_by);
		if (err)
			warning("call: record %lld not closed: %m\n",
				(long long)call->rec.id, err);
	}
	info("call: %s %s -> %s ended: %s (%u, by %s)\n", call->rec.sip_call_id,
	     call->rec.from_number, call->rec.to_number,
	     store_disposition_name(disposition), scode,
	     store_party_name(ended_by));
	mem_deref(call);
}

/* ---- media helpers -------------------------------------------------- */

static void moh_update(struct call *call)
{
	struct media_leg *to = NULL;
	char path[300];

	debug("call: %s: hold check state %d a %d b %d\n",
	      call->rec.sip_call_id, call->state,
	      call->a ? media_leg_remote_hold(call->a->media) : -1,
	      call->b ? media_leg_remote_hold(call->b->media) : -1);
	if (call->state != CALL_ANSWERED || !call->b)
		return;
	if (media_leg_remote_hold(call->a->media))
		to = call->b->media;
	else if (media_leg_remote_hold(call->b->media))
		to = call->a->media;

	if (to == call->moh_to)
		return;
	call->player = mem_deref(call->player);
	call->moh_to = NULL;
	if (!to) {
		info("call: %s resumed\n", call->rec.sip_call_id);
		return;
	}
	re_snprintf(path, sizeof(path), "%s/moh.wav",
		    call->srv->cfg->prompts_dir);
	if (media_play(&call->player, to, path, true, NULL, NULL) == 0)
		call->moh_to = to;
	info("call: %s on hold, music to %s\n", call->rec.sip_call_id,
	     to == call->b->media ? call->b->desc : call->a->desc);
}

/* true if the call was hung up for lack of RTP (and is gone) */
static bool rtp_check(struct call *call)
{
	uint64_t limit = (uint64_t)call->srv->cfg->rtp_timeout * 1000;
	struct leg *legs[2] = {call->a, call->b};
	unsigned i;

	for (i = 0; i < 2; i++) {
		struct leg *leg = legs[i];
		if (!leg || media_leg_remote_hold(leg->media))
			continue;
		if (media_leg_idle_ms(leg->media) > limit) {
			warning("call: %s: no RTP from %s for %us, "
				"hanging up\n",
				call->rec.sip_call_id, leg->desc,
				call->srv->cfg->rtp_timeout);
			call_end(call, STORE_DISP_RTP_TIMEOUT, 200,
				 STORE_PARTY_SYSTEM);
			return true;
		}
	}
	return false;
}

static void rtp_watch(struct call *call)
{
	call->rtp_watched = call->srv->cfg->rtp_timeout != 0;
}

/*
 * One sweep a second over all calls instead of a timer per call: libre
 * 1.1.0 keeps timers in a sorted list, and re-arming thousands of them
 * every second would walk it thousands of times (see bench/RESULTS.md).
 */
static void rtp_sweep(void *arg)
{
	struct sipsrv *srv = arg;
	struct le *le = srv->calls.head;

	while (le) {
		struct call *call = le->data;
		le = le->next; /* call_end() unlinks and frees call */
		if (call->rtp_watched)
			(void)rtp_check(call);
	}
	tmr_start(&srv->tmr_rtp, 1000, rtp_sweep, srv);
}

void call_sweep_start(struct sipsrv *srv)
{
	if (srv->cfg->rtp_timeout)
		tmr_start(&srv->tmr_rtp, 1000, rtp_sweep, srv);
}

/* ---- session handlers shared by both legs --------------------------- */

/* The far end's SDP in msg; its source tells the media where a phone
 * behind NAT will send its RTP from (symmetric RTP, media.h). */
static int leg_decode(struct leg *leg, const struct sip_msg *msg, bool offer)
{
	media_leg_set_sig_addr(leg->media, &msg->src);
	return media_leg_decode(leg->media, msg->mb, offer);
}

static int leg_offer_handler(struct mbuf **descp, const struct sip_msg *msg,
			     void *arg)
{
	struct leg *leg = arg;
	int err;

	if (!mbuf_get_left(msg->mb)) /* offer-less re-INVITE: we offer */
		return media_leg_encode(leg->media, descp, true);
	err = leg_decode(leg, msg, true);
	if (err) {
		info("call: %s: bad re-INVITE offer from %s: %m\n",
		     leg->call->rec.sip_call_id, leg->desc, err);
		return err;
	}
	err = media_leg_encode(leg->media, descp, false);
	if (!err)
		moh_update(leg->call);
	return err;
}

static int leg_answer_handler(const struct sip_msg *msg, void *arg)
{
	struct leg *leg = arg;
	int err;

	if (!mbuf_get_left(msg->mb))
		return 0;
	err = leg_decode(leg, msg, false);
	if (err)
		info("call: %s: unusable SDP answer from %s: %m\n",
		     leg->call->rec.sip_call_id, leg->desc, err);
	else
		moh_update(leg->call);
	return err;
}

static void leg_info_handler(struct sip *sip, const struct sip_msg *msg,
			     void *arg)
{
	struct leg *leg = arg;
	struct call *call = leg->call;
	struct leg *other = leg == call->a ? call->b : call->a;
	const struct sip_hdr *ct = sip_msg_hdr(msg, SIP_HDR_CONTENT_TYPE);
	char ctype[64];

	(void)sip_treply(NULL, sip, msg, 200, "OK");
	if (!other || !other->established || !ct)
		return;
	str_from_pl(ctype, sizeof(ctype), &ct->val);
	if (!str_casecmp(ctype, "application/dtmf-relay") ||
	    !str_casecmp(ctype, "application/dtmf"))
		(void)sipsess_info(other->sess, ctype, msg->mb, NULL, NULL);
}

/* ---- caller leg (A) ------------------------------------------------- */

static void a_estab_handler(const struct sip_msg *msg, void *arg);
static void a_close_handler(int err, const struct sip_msg *msg, void *arg);

static void announcement_done(void *arg)
{
	struct call *call = arg;

	call_end(call, STORE_DISP_ANSWERED, 200, STORE_PARTY_SYSTEM);
}

static void a_estab_handler(const struct sip_msg *msg, void *arg)
{
	struct leg *leg = arg;
	struct call *call = leg->call;

	(void)msg;
	leg->established = true;
	if (call->state != CALL_ANNOUNCING)
		return;
	if (media_leg_codec(leg->media) == CODEC_NONE) {
		info("call: %s: caller answered our offer with no codec\n",
		     call->rec.sip_call_id);
		call_end(call, STORE_DISP_FAILED, 488, STORE_PARTY_SYSTEM);
		return;
	}
	if (media_play(&call->player, leg->media, call->prompt, false,
		       announcement_done, call)) {
		call_end(call, STORE_DISP_FAILED, 500, STORE_PARTY_SYSTEM);
		return;
	}
	rtp_watch(call);
}

static void a_close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct leg *leg = arg;
	struct call *call = leg->call;

	(void)msg;
	if (call->state == CALL_RINGING)
		call_end(call, STORE_DISP_CANCELLED, 487, STORE_PARTY_CALLER);
	else if (err == ETIMEDOUT && !leg->established)
		call_end(call, STORE_DISP_FAILED, 408,
			 STORE_PARTY_SYSTEM); /* no ACK */
	else
		call_end(call, STORE_DISP_ANSWERED, 200, STORE_PARTY_CALLER);
}

/* ---- callee legs (B) ------------------------------------------------ */

static void fork_failed(struct call *call)
{
	uint16_t scode;
	const char *reason;

	if (call->forks.head || call->state != CALL_RINGING)
		return;
	scode = call->best_scode ? call->best_scode : 480;
	reason = call->best_reason[0] ? call->best_reason
				      : "Temporarily Unavailable";
	(void)sipsess_reject(call->a->sess, scode, reason, NULL);
	call_end(call, disposition_of(scode), scode, STORE_PARTY_CALLEE);
}

/* lower is better: busy says more than unavailable */
static int scode_rank(uint16_t s)
{
	if (s == 486 || s == 600)
		return 0;
	if (s == 603)
		return 1;
	if (s >= 400 && s < 500 && s != 408 && s != 480)
		return 2;
	if (s == 480 || s == 408)
		return 3;
	return 4;
}

/*
 * Early media: the first callee leg whose 18x carries SDP is bridged to the
 * caller at once, and the caller gets a 183 with our answer, so ringback
 * tones and carrier announcements ("this number is not in service") are
 * heard.  Not with a late offer: that would need reliable provisionals.
 */
static void b_progress_handler(const struct sip_msg *msg, void *arg)
{
	struct leg *leg = arg;
	struct call *call = leg->call;
	struct mbuf *desc = NULL;
	int err;

	if (msg->scode <= 100 || !mbuf_get_left(msg->mb) ||
	    call->state != CALL_RINGING || call->early || call->late_offer)
		return;
	err = leg_decode(leg, msg, false);
	if (err) {
		debug("call: %s: early SDP from %s unusable: %m\n",
		      call->rec.sip_call_id, leg->desc, err);
		return;
	}
	media_bridge(call->a->media, leg->media);
	err = media_leg_encode(call->a->media, &desc, false);
	if (!err)
		err = sipsess_progress(call->a->sess, 183, "Session Progress",
				       desc, NULL);
	mem_deref(desc);
	if (err) {
		media_unbridge(leg->media);
		return;
	}
	call->early = leg;
	info("call: %s: early media from %s\n", call->rec.sip_call_id,
	     leg->desc);
}

static void b_estab_handler(const struct sip_msg *msg, void *arg)
{
	struct leg *leg = arg;
	struct call *call = leg->call;
	struct mbuf *desc = NULL;
	int err;

	(void)msg;
	leg->established = true;
	if (call->state != CALL_RINGING || call->b) {
		mem_deref(leg); /* lost the race: BYE it */
		return;
	}
	call->b = leg;
	list_unlink(&leg->le);
	list_flush(&call->forks); /* CANCEL the others */
	tmr_cancel(&call->tmr_ring);

	media_bridge(call->a->media, leg->media);
	err = media_leg_encode(call->a->media, &desc, call->late_offer);
	if (!err)
		err = sipsess_answer(call->a->sess, 200, "OK", desc, NULL);
	mem_deref(desc);
	if (err) {
		warning("call: %s: cannot answer caller: %m\n",
			call->rec.sip_call_id, err);
		call_end(call, STORE_DISP_FAILED, 500, STORE_PARTY_SYSTEM);
		return;
	}
	call->state = CALL_ANSWERED;
	call->a->established = true;
	if (call->rec.id)
		(void)store_call_answered(call->srv->st, call->rec.id,
					  time_now_ms(), leg->desc);
	info("call: %s answered by %s\n", call->rec.sip_call_id, leg->desc);
	rtp_watch(call);
	moh_update(call);
}

static void b_close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct leg *leg = arg;
	struct call *call = leg->call;

	if (leg == call->b) {
		call_end(call, STORE_DISP_ANSWERED, 200, STORE_PARTY_CALLEE);
		return;
	}
	/* a fork failed */
	if (msg && msg->scode >= 300) {
		if (!call->best_scode ||
		    scode_rank(msg->scode) < scode_rank(call->best_scode)) {
			call->best_scode = msg->scode;
			str_from_pl(call->best_reason,
				    sizeof(call->best_reason), &msg->reason);
		}
		debug("call: %s: %s answered %u\n", call->rec.sip_call_id,
		      leg->desc, msg->scode);
	}
	else if (err) {
		debug("call: %s: %s failed: %m\n", call->rec.sip_call_id,
		      leg->desc, err);
	}
	if (call->early == leg)
		call->early = NULL;
	mem_deref(leg);
	fork_failed(call);
}

static void ring_timeout(void *arg)
{
	struct call *call = arg;

	info("call: %s: nobody answered in %us\n", call->rec.sip_call_id,
	     call->srv->cfg->ring_timeout);
	list_flush(&call->forks);
	(void)sipsess_reject(call->a->sess, 480, "Temporarily Unavailable",
			     NULL);
	call_end(call, STORE_DISP_NO_ANSWER, 480, STORE_PARTY_SYSTEM);
}

/*
 * Start one B leg to uri, presenting from_uri/from_name.  route: see
 * fork_start().  cred: the credentials to answer a 401/407 of the far end
 * with (a trunk's), or NULL to take such an answer as final.  crypto: the
 * SRTP policy of the new leg (call_crypto()).
 */
static int fork_connect(struct call *call, const char *uri, const char *route,
			const char *from_uri, const char *from_name,
			const char *desc, const char *extra,
			struct trunk_cred *cred, enum media_crypto crypto)
{
	struct sipsrv *srv = call->srv;
	const char *routev[1];
	struct mbuf *offer = NULL;
	struct leg *leg;
	int err;

	err = leg_alloc(&leg, call, media_leg_codec(call->a->media), crypto,
			desc);
	if (err)
		return err;
	err = media_leg_encode(leg->media, &offer, true);
	if (err)
		goto out;
	routev[0] = route;
	list_append(&call->forks, &leg->le, leg);
	err = sipsess_connect(
	    &leg->sess, srv->sock, uri,
	    from_name && from_name[0] ? from_name : NULL, from_uri, "sb",
	    routev, route ? 1 : 0, "application/sdp", offer,
	    cred ? trunk_cred_auth : NULL, cred, true, leg_offer_handler,
	    leg_answer_handler, b_progress_handler, b_estab_handler,
	    leg_info_handler, NULL, b_close_handler, leg, "%s", extra);
	if (err)
		warning("call: %s: cannot call %s: %m\n", call->rec.sip_call_id,
			uri, err);
	else
		debug("call: %s: calling %s (%s)\n", call->rec.sip_call_id, uri,
		      desc);
out:
	mem_deref(offer);
	if (err)
		mem_deref(leg);
	return err;
}

/*
 * Start one B leg to uri.  route is a Route header value to reach the
 * phone where it registered from, or NULL.  from_user/from_name are the
 * caller ID presented.  extra: more header lines (ending in CRLF) or "".
 */
static int fork_start(struct call *call, const char *uri, const char *route,
		      const char *from_user, const char *from_name,
		      const char *desc, const char *extra,
		      enum media_crypto crypto)
{
	char from_uri[128];

	re_snprintf(from_uri, sizeof(from_uri), "sip:%s@%s", from_user,
		    call->srv->host);
	return fork_connect(call, uri, route, from_uri, from_name, desc, extra,
			    NULL, crypto);
}

struct fork_ctx {
	struct call *call;
	const struct route_result *r;
	unsigned started;
};

/* "tcp"/"tls" for a transport=... parameter, from a stored transport */
static const char *tp_param(const char *transport)
{
	return !str_casecmp(transport, "tls") ? "tls" : "tcp";
}

/*
 * SRTP policy of a leg.  A device can say it outright (its srtp setting:
 * off, optional, required).  Otherwise ("auto", trunks too) the transport
 * decides: keys in SDP are secret only on TLS, so we offer them there
 * (and insist with --srtp-required), and on UDP/TCP we offer plain RTP.
 * Every leg still answers an offer that carries keys with SRTP.
 */
static enum media_crypto call_crypto(const struct sipsrv *srv, bool tls,
				     enum store_srtp dev_srtp)
{
	if (dev_srtp == STORE_SRTP_OFF)
		return MEDIA_PLAIN;
	if (dev_srtp == STORE_SRTP_OPTIONAL)
		return MEDIA_SRTP_OPTIONAL;
	if (dev_srtp == STORE_SRTP_REQUIRED)
		return MEDIA_SRTP_REQUIRED;
	if (!tls)
		return MEDIA_PLAIN;
	return srv->cfg->srtp_required ? MEDIA_SRTP_REQUIRED
				       : MEDIA_SRTP_OPTIONAL;
}

static int fork_registration(const struct store_registration *reg, void *arg)
{
	struct fork_ctx *fc = arg;
	struct store_device dev;
	char route[96], desc[96], user[64];
	struct uri uri;
	struct pl pl;
	struct sa rcv, dst;
	bool via_route = false;

	if (!keepalive_reachable(reg->device_id, reg->contact, reg->received)) {
		debug("call: %s: %s skipped: unreachable\n",
		      fc->call->rec.sip_call_id, reg->contact);
		return 0;
	}

	/* reach the phone where it registered from, if that differs */
	pl_set_str(&pl, reg->contact);
	if (!uri_decode(&uri, &pl) &&
	    !sa_decode(&rcv, reg->received, strlen(reg->received)) &&
	    (sa_set(&dst, &uri.host, uri.port ? uri.port : 5060) ||
	     !sa_cmp(&dst, &rcv, SA_ALL))) {
		bool udp = !str_casecmp(reg->transport, "udp");
		/* libre wraps it: "Route: <%s;lr>" */
		re_snprintf(route, sizeof(route), "sip:%J%s%s", &rcv,
			    udp ? "" : ";transport=",
			    udp ? "" : tp_param(reg->transport));
		via_route = true;
	}
	if (store_device_get(fc->call->srv->st, reg->device_id, &dev)) {
		str_copy(dev.username, "?", sizeof(dev.username));
		dev.srtp = STORE_SRTP_AUTO;
	}
	re_snprintf(desc, sizeof(desc), "device:%s", dev.username);
	str_copy(user, fc->r->caller_id, sizeof(user));
	if (!fork_start(fc->call, reg->contact, via_route ? route : NULL, user,
			fc->r->caller_name, desc, "",
			call_crypto(fc->call->srv,
				    !str_casecmp(reg->transport, "tls"),
				    dev.srtp)))
		fc->started++;
	return 0;
}

static void ring_employee(struct call *call, const struct route_result *r)
{
	struct fork_ctx fc = {call, r, 0};
	int err;

	err = store_reg_list_employee(call->srv->st, r->employee.id,
				      time_now_ms(), fork_registration, &fc);
	if (err || !fc.started) {
		info("call: %s: employee %lld has no reachable device\n",
		     call->rec.sip_call_id, (long long)r->employee.id);
		(void)sipsess_reject(call->a->sess, 480,
				     "Temporarily Unavailable", NULL);
		call_end(call, STORE_DISP_UNAVAILABLE, 480, STORE_PARTY_SYSTEM);
		return;
	}
	tmr_start(&call->tmr_ring,
		  (uint64_t)call->srv->cfg->ring_timeout * 1000, ring_timeout,
		  call);
}

/*
 * Out through the trunk.  From carries the caller ID (or the trunk's
 * from_user, for carriers that want their account there; P-Asserted-
 * Identity keeps the caller ID), at our address, or for a registering
 * trunk at the account's domain, as carriers expect of a registered
 * account.  A 401/407 of the carrier is answered with the trunk's
 * credentials.
 */
static void dial_trunk(struct call *call, const struct route_result *r)
{
	const struct store_trunk *t = &r->trunk;
	const char *from_host = call->srv->host;
	struct trunk_cred *cred = NULL;
	char uri[160], desc[96], pai[160], from_uri[160];
	int err = 0;

	re_snprintf(uri, sizeof(uri), "sip:%s@%s:%u;transport=%s", r->dialled,
		    t->host, t->port ? t->port : 5060,
		    store_transport_name(t->transport));
	re_snprintf(desc, sizeof(desc), "trunk:%lld", (long long)t->id);
	re_snprintf(pai, sizeof(pai), "P-Asserted-Identity: <sip:%s@%s>\r\n",
		    r->caller_id, call->srv->host);
	if (t->do_register)
		from_host = t->domain[0] ? t->domain : t->host;
	re_snprintf(from_uri, sizeof(from_uri), "sip:%s@%s",
		    t->from_user[0] ? t->from_user : r->caller_id, from_host);
	if (t->password[0])
		err = trunk_cred_alloc(&cred, t);
	if (!err)
		err = fork_connect(
		    call, uri, NULL, from_uri, NULL, desc, pai, cred,
		    call_crypto(call->srv, t->transport == STORE_TRANSPORT_TLS,
				STORE_SRTP_AUTO));
	mem_deref(cred);
	if (err) {
		(void)sipsess_reject(call->a->sess, 503, "Service Unavailable",
				     NULL);
		call_end(call, STORE_DISP_FAILED, 503, STORE_PARTY_SYSTEM);
		return;
	}
	tmr_start(&call->tmr_ring,
		  (uint64_t)call->srv->cfg->ring_timeout * 1000, ring_timeout,
		  call);
}

/* ---- incoming INVITE ------------------------------------------------ */

static void reject(struct sipsrv *srv, const struct sip_msg *msg,
		   uint16_t scode, const char *reason)
{
	(void)sip_treply(NULL, srv->sip, msg, scode, reason);
}

static int accept_a(struct call *call, const struct sip_msg *msg,
		    uint16_t scode, const char *reason, struct mbuf *desc)
{
	return sipsess_accept(&call->a->sess, call->srv->sock, msg, scode,
			      reason, "sb", "application/sdp", desc, NULL, NULL,
			      false, leg_offer_handler, leg_answer_handler,
			      a_estab_handler, leg_info_handler, NULL,
			      a_close_handler, call->a, NULL);
}

void call_incoming(struct sipsrv *srv, const struct sip_msg *msg)
{
	struct store_trunk trunk;
	struct store_device dev;
	struct route_caller rc;
	struct route_result *r = NULL;
	struct call *call = NULL;
	struct mbuf *desc = NULL;
	char ip[64], from_user[64], from_name[128], dialled[64], to_user[64];
	char caller_leg[96];
	int err;

	if (srv->closing) {
		reject(srv, msg, 503, "Shutting Down");
		return;
	}

	/* who is calling: a trunk by its address, else a device by digest */
	memset(&rc, 0, sizeof(rc));
	re_snprintf(ip, sizeof(ip), "%j", &msg->src);
	if (!store_trunk_by_source(srv->st, ip, sa_port(&msg->src), &trunk)) {
		rc.trunk = &trunk;
		re_snprintf(caller_leg, sizeof(caller_leg), "trunk:%lld",
			    (long long)trunk.id);
	}
	else {
		if (!sipauth_check(srv, msg, &dev))
			return;
		rc.device = &dev;
		re_snprintf(caller_leg, sizeof(caller_leg), "device:%s",
			    dev.username);
	}
	str_from_pl(from_user, sizeof(from_user), &msg->from.uri.user);
	str_from_pl(from_name, sizeof(from_name), &msg->from.dname);
	str_from_pl(dialled, sizeof(dialled), &msg->uri.user);
	str_from_pl(to_user, sizeof(to_user), &msg->to.uri.user);
	rc.from_user = from_user;
	rc.from_name = from_name;
	rc.to_user = to_user; /* a registering trunk's number, route.h */

	call = mem_zalloc(sizeof(*call), call_destructor);
	r = mem_zalloc(sizeof(*r), NULL);
	if (!call || !r) {
		reject(srv, msg, 500, "Server Internal Error");
		goto out;
	}
	call->srv = srv;
	call->state = CALL_RINGING;
	tmr_init(&call->tmr_ring);
	list_init(&call->forks);

	err = route_resolve(srv->st, &rc, dialled, r);
	if (err) {
		warning("call: routing %s failed: %m\n", dialled, err);
		reject(srv, msg, 500, "Server Internal Error");
		goto out;
	}
	record_start(call, msg, r, caller_leg);
	list_append(&srv->calls, &call->le, call);

	if (r->kind == ROUTE_REJECT) {
		info("call: %J: %s -> %s: %u %s\n", &msg->src, caller_leg,
		     dialled, r->scode, r->reason);
		reject(srv, msg, r->scode, r->reason);
		call_end(call, disposition_of(r->scode), r->scode,
			 STORE_PARTY_SYSTEM);
		call = NULL;
		goto out;
	}

	err = leg_alloc(&call->a, call, CODEC_PCMU,
			call_crypto(srv, msg->tp == SIP_TRANSP_TLS,
				    rc.device ? dev.srtp : STORE_SRTP_AUTO),
			caller_leg);
	if (err) {
		reject(srv, msg, 503, "Media Unavailable");
		call_end(call, STORE_DISP_FAILED, 503, STORE_PARTY_SYSTEM);
		call = NULL;
		goto out;
	}
	/* an INVITE without SDP (late offer): we offer in our 200 and the
	 * caller answers in the ACK */
	call->late_offer = !mbuf_get_left(msg->mb);
	err = call->late_offer ? 0 : leg_decode(call->a, msg, true);
	if (!err && !call->late_offer && !media_leg_has_raddr(call->a->media))
		err = EPROTO; /* no c= line or no port: nowhere to send */
	if (err) {
		uint16_t sc = err == ENOTSUP ? 488 : 400;
		reject(srv, msg, sc,
		       err == ENOTSUP ? "Not Acceptable Here" : "Bad SDP");
		call_end(call, STORE_DISP_FAILED, sc, STORE_PARTY_SYSTEM);
		call = NULL;
		goto out;
	}

	switch (r->kind) {
	case ROUTE_ANNOUNCEMENT:
		re_snprintf(call->prompt, sizeof(call->prompt), "%s/%s",
			    srv->cfg->prompts_dir, r->announcement.file);
		call->state = CALL_ANNOUNCING;
		err = media_leg_encode(call->a->media, &desc, call->late_offer);
		if (!err)
			err = accept_a(call, msg, 200, "OK", desc);
		if (!err && call->rec.id)
			(void)store_call_answered(srv->st, call->rec.id,
						  time_now_ms(),
						  "announcement");
		break;

	case ROUTE_EMPLOYEE:
	case ROUTE_EXTERNAL:
		err = accept_a(call, msg, 180, "Ringing", NULL);
		break;

	default:
		err = EINVAL;
		break;
	}
	if (err) {
		warning("call: %s: cannot accept: %m\n", call->rec.sip_call_id,
			err);
		reject(srv, msg, 500, "Server Internal Error");
		call_end(call, STORE_DISP_FAILED, 500, STORE_PARTY_SYSTEM);
		call = NULL;
		goto out;
	}
	info("call: %J: %s (%s) -> %s: %s\n", &msg->src, caller_leg,
	     r->from_number, r->dialled,
	     r->kind == ROUTE_ANNOUNCEMENT ? "announcement"
	     : r->kind == ROUTE_EMPLOYEE   ? "employee"
					   : "trunk");
	if (r->kind == ROUTE_EMPLOYEE)
		ring_employee(call, r);
	else if (r->kind == ROUTE_EXTERNAL)
		dial_trunk(call, r);
	call = NULL; /* owned by srv->calls now */

out:
	mem_deref(desc);
	mem_deref(r);
	if (call && call->state != CALL_DONE && !call->le.list)
		mem_deref(call);
}

void call_close_all(struct sipsrv *srv)
{
	struct le *le;

	while ((le = srv->calls.head)) {
		struct call *call = le->data;
		if (call->state == CALL_RINGING && call->a && call->a->sess)
			(void)sipsess_reject(call->a->sess, 503,
					     "Shutting Down", NULL);
		call_end(call,
			 call->state == CALL_ANSWERED ? STORE_DISP_ANSWERED
						      : STORE_DISP_FAILED,
			 503, STORE_PARTY_SYSTEM);
	}
}
