/*
 * sip_leg.c - the real backend of call/: a leg is a SIP session
 * (sip/sess.c) and a media leg (media/), and sipsrv's incoming-call
 * handler turns a new INVITE into call_incoming().  Everything SIP- or
 * media-shaped that call.c, dial.c and the applications must not see is
 * here: which codec and SRTP policy a leg gets, how an INVITE is answered
 * before and after its session exists, early SDP, INFO passed on.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "media/media.h"
#include "sip/sip.h"
#include "call/call_int.h"

static void sip_leg_destructor(void *arg)
{
	struct sip_leg *sl = arg;

	if (sl->phone)
		call_phone_leg_gone(sl); /* "hangup" to the browser */
	tmr_cancel(&sl->tmr);
	sl->sub = mem_deref(sl->sub);   /* the last NOTIFY was sent */
	sl->sess = mem_deref(sl->sess); /* BYE or CANCEL if still up */
	sl->media = mem_deref(sl->media);
	sl->offer = mem_deref(sl->offer);
}

struct sip_leg *sip_leg_alloc(struct sipsrv *srv)
{
	struct sip_leg *sl = mem_zalloc(sizeof(*sl), sip_leg_destructor);

	if (!sl)
		return NULL;
	sl->srv = srv;
	tmr_init(&sl->tmr);
	return sl;
}

static struct sip_leg *be_of(const struct call_leg *leg)
{
	return leg->be;
}

void sip_leg_digit(char digit, void *arg)
{
	struct sip_leg *sl = arg;

	if (sl->leg)
		call_leg_digit(sl->leg, digit);
}

static int sip_leg_media(struct sip_leg *sl, enum media_codec prefer,
			 enum media_crypto crypto, const char *desc)
{
	int err = media_leg_alloc(&sl->media, prefer, crypto);

	if (err) {
		warning("call: no media port for %s: %m\n", desc, err);
		return err;
	}
	media_leg_set_digith(sl->media, sip_leg_digit, sl);
	return 0;
}

/* ---- session handlers ---------------------------------------------------- */

static void sip_leg_progress(const struct sip_msg *msg, void *arg)
{
	struct sip_leg *sl = arg;
	int err;

	if (msg->scode > 100 && msg->scode < 200)
		call_leg_progress(sl->leg);
	if (msg->scode <= 100 || !mbuf_get_left(msg->mb) ||
	    !call_leg_early_wanted(sl->leg))
		return;
	err = sip_sdp_decode(sl->media, msg, false);
	if (err) {
		debug("call: %s: early SDP from %s unusable: %m\n",
		      call_id(sl->leg->call), sl->leg->desc, err);
		return;
	}
	call_leg_early(sl->leg);
}

static void sip_leg_estab(void *arg)
{
	struct sip_leg *sl = arg;

	call_leg_established(sl->leg);
}

/* [s] of a 503's or 408's Retry-After ("120", "120 (note);duration=x"),
 * 0 if none (RFC 3261 20.33). */
static uint32_t retry_after(const struct sip_msg *msg)
{
	const struct sip_hdr *hdr;
	struct pl secs;

	if (msg->scode != 503 && msg->scode != 408)
		return 0;
	hdr = sip_msg_hdr(msg, SIP_HDR_RETRY_AFTER);
	if (!hdr || re_regex(hdr->val.p, hdr->val.l, "[0-9]+", &secs) ||
	    secs.p != hdr->val.p || secs.l > 9)
		return 0;
	return pl_u32(&secs);
}

static void sip_leg_close(int err, const struct sip_msg *msg, void *arg)
{
	struct sip_leg *sl = arg;
	char reason[64] = "";
	uint16_t scode = 0;

	if (msg && msg->scode >= 300) {
		scode = msg->scode;
		str_from_pl(reason, sizeof(reason), &msg->reason);
		sl->leg->retry_after = retry_after(msg);
	}
	else if (err && sip_sess_tls_refused(sl->sess, NULL, 0)) {
		scode = 503; /* the carrier's certificate (logged by sip/) */
		str_copy(reason, "Carrier TLS Certificate Refused",
			 sizeof(reason));
	}
	call_leg_closed(sl->leg, err, scode, reason);
}

static void sip_leg_media_changed(void *arg)
{
	struct sip_leg *sl = arg;

	call_leg_media_changed(sl->leg);
}

/* An INFO digit: passed on to the bridged peer, and to the call. */
void sip_leg_info(char digit, void *arg)
{
	struct sip_leg *sl = arg;
	struct call_leg *peer = call_leg_peer(sl->leg);

	if (peer && peer->established && be_of(peer)->sess)
		(void)sip_sess_info(be_of(peer)->sess, digit);
	call_leg_digit_from(sl->leg, digit, CALL_DIGIT_INFO);
}

static void dialog_of(struct call_dialog *d, const struct sip_replaces *r)
{
	memset(d, 0, sizeof(*d));
	str_copy(d->call_id, r->call_id, sizeof(d->call_id));
	str_copy(d->to_tag, r->to_tag, sizeof(d->to_tag));
	str_copy(d->from_tag, r->from_tag, sizeof(d->from_tag));
	d->early_only = r->early_only;
}

/* REFER: Refer-To read here, the decision is call/transfer.c's; it
 * answers through refer_accept/refer_refuse before this returns. */
static void sip_leg_refer(const struct sip_msg *msg, void *arg)
{
	struct sip_leg *sl = arg;
	struct sip_refer_to rt;
	struct call_refer r;
	struct call_dialog d;

	(void)sip_refer_decode(msg, &rt);
	memset(&r, 0, sizeof(r));
	r.uri = rt.present ? rt.uri : NULL;
	r.bad = rt.bad;
	r.sip = rt.sip;
	r.replaces = rt.replaces;
	r.replaces_bad = rt.replaces_bad;
	r.user = rt.user;
	if (rt.replaces && !rt.replaces_bad) {
		dialog_of(&d, &rt.rdlg);
		r.dlg = &d;
	}
	sl->refer = msg;
	mem_ref(sl); /* the call may end while it decides */
	call_leg_refer(sl->leg, &r);
	if (sl->refer) /* neither accepted nor refused */
		sipsrv_reply(sl->srv, msg, 500, "Server Internal Error");
	sl->refer = NULL;
	mem_deref(sl);
}

static const struct sip_sess_h sip_leg_h = {
    .progressh = sip_leg_progress,
    .estabh = sip_leg_estab,
    .closeh = sip_leg_close,
    .mediah = sip_leg_media_changed,
    .digith = sip_leg_info,
    .referh = sip_leg_refer,
};

/* ---- the caller's leg ---------------------------------------------------- */

static int sip_leg_a_media(struct call_leg *a)
{
	struct sip_leg *sl = be_of(a);

	sl->leg = a;
	if (sl->phone)
		return call_phone_media(sl);
	return sip_leg_media(sl, CODEC_PCMU, sl->crypto, a->desc);
}

/* An INVITE without SDP (late offer): we offer in our 200 and the caller
 * answers in the ACK. */
static int sip_leg_a_offer(struct call_leg *a)
{
	struct sip_leg *sl = be_of(a);
	int err;

	if (sl->phone)
		return call_phone_offer(sl);
	if (!mbuf_get_left(sl->msg->mb))
		return 0;
	err = sip_sdp_decode(sl->media, sl->msg, true);
	if (!err && !media_leg_has_raddr(sl->media))
		err = EPROTO; /* no c= line or no port: nowhere to send */
	return err;
}

static int sip_leg_accept(struct sip_leg *sl, uint16_t scode,
			  const char *reason)
{
	if (!sl->msg)
		return ENOTCONN;
	return sip_sess_accept(&sl->sess, sl->srv, sl->msg, sl->media, scode,
			       reason, sl->leg->desc, &sip_leg_h, sl);
}

static int sip_leg_a_ring(struct call_leg *a)
{
	if (be_of(a)->phone)
		return call_phone_ring(be_of(a));
	return sip_leg_accept(be_of(a), 180, "Ringing");
}

static int sip_leg_a_answer(struct call_leg *a, bool early)
{
	struct sip_leg *sl = be_of(a);

	if (sl->phone)
		return call_phone_answer(sl, early);
	if (!sl->sess) /* answered at once: 200 to the INVITE */
		return early ? EINVAL : sip_leg_accept(sl, 200, "OK");
	if (early)
		return sip_sess_progress(sl->sess);
	return sip_sess_answer(sl->sess, a->call->late_offer);
}

static void sip_leg_a_reject(struct call_leg *a, uint16_t scode,
			     const char *reason)
{
	struct sip_leg *sl = be_of(a);

	if (sl->phone)
		call_phone_reject(sl, scode, reason);
	else if (sl->sess)
		(void)sip_sess_reject(sl->sess, scode, reason);
	else if (sl->msg)
		sipsrv_reply(sl->srv, sl->msg, scode, reason);
}

/* ---- dialled legs -------------------------------------------------------- */

struct sip_leg_fork {
	struct call *call;
	struct sipsrv *srv;     /* (weak) */
	enum media_codec codec; /* preferred: the caller's */
	unsigned started;
};

static int sip_leg_connect(const struct sip_dial *d, void *arg)
{
	struct sip_leg_fork *ld = arg;
	struct call *call = ld->call;
	struct sip_leg *sl;
	struct call_leg *leg = NULL;
	int err;

	sl = sip_leg_alloc(ld->srv);
	if (!sl)
		return 0;
	err = call_leg_alloc(&leg, call, d->desc);
	if (err) {
		mem_deref(sl);
		return 0;
	}
	leg->be = sl;
	sl->leg = leg;
	err = sip_leg_media(sl, ld->codec, d->crypto, d->desc);
	if (!err)
		err = sip_sess_connect(&sl->sess, sl->srv, d, sl->media,
				       &sip_leg_h, sl);
	if (err) {
		warning("call: %s: cannot call %s: %m\n", call_id(call), d->uri,
			err);
		mem_deref(leg);
		return 0;
	}
	call_leg_add(call, leg);
	ld->started++;
	return 0;
}

/* The INVITEs of one member from srv, media preferring codec. */
static int sip_leg_place(struct call *call, struct sipsrv *srv,
			 enum media_codec codec,
			 const struct call_dial_req *req)
{
	struct sip_leg_fork ld = {call, srv, codec, 0};
	const struct call_dest *dest = req->dest;
	struct store_trunk t;
	struct sip_dial d;
	int err = 0;

	switch (dest->kind) {
	case CALL_DEST_EMPLOYEE:
		err = sip_dial_employee(srv, dest->id, req->cid, req->cname,
					req->varv, req->varc, sip_leg_connect,
					&ld);
		/* and the employee's browser phones (call/phone.c) */
		if (!err)
			ld.started += call_phone_dial(call, srv, dest->id, req);
		break;
	case CALL_DEST_DEVICE:
		err =
		    sip_dial_device(srv, dest->id, req->cid, req->cname,
				    req->varv, req->varc, sip_leg_connect, &ld);
		break;
	case CALL_DEST_CONTACT:
		sip_dial_contact(srv, dest->uri, req->cid, req->cname, &d);
		err = sip_leg_connect(&d, &ld);
		break;
	case CALL_DEST_EXTERNAL:
		err = store_trunk_get(call->ctx->st, dest->id, &t);
		if (err)
			break;
		sip_dial_trunk(srv, &t, dest->number, req->cid, &d);
		err = sip_leg_connect(&d, &ld);
		break;
	default:
		err = EINVAL;
		break;
	}
	if (err)
		return err;
	return ld.started ? 0 : ENOENT;
}

static int sip_leg_dial(struct call *call, const struct call_dial_req *req)
{
	struct sip_leg *asl = be_of(call->a);

	return sip_leg_place(call, asl->srv, media_leg_codec(asl->media), req);
}

/* The first leg of a call we place: from the context's server, PCMU
 * first as for a caller. */
static int sip_leg_originate(struct call *call, const struct call_dial_req *req)
{
	return sip_leg_place(call, call->ctx->be_arg, CODEC_PCMU, req);
}

/* ---- media ----------------------------------------------------------------- */

static bool sip_leg_codec_ok(const struct call_leg *leg)
{
	return media_leg_codec(be_of(leg)->media) != CODEC_NONE;
}

static bool sip_leg_held(const struct call_leg *leg)
{
	return media_leg_remote_hold(be_of(leg)->media);
}

static uint64_t sip_leg_idle_ms(const struct call_leg *leg)
{
	return media_leg_idle_ms(be_of(leg)->media);
}

static void sip_leg_bridge(struct call_leg *a, struct call_leg *b)
{
	media_bridge(be_of(a)->media, be_of(b)->media);
}

static void sip_leg_unbridge(struct call_leg *leg)
{
	media_unbridge(be_of(leg)->media);
}

static int sip_leg_play(void **pp, struct call_leg *leg, const char *path,
			bool loop, call_player_done_h *doneh, void *arg)
{
	struct media_player *p = NULL;
	int err;

	err = media_play(&p, be_of(leg)->media, path, loop, doneh, arg);
	if (!err)
		*pp = p;
	return err;
}

/* A speech request of call_say(): freed, it is called off. */
struct sip_leg_speech {
	struct media_speech *r; /* (ref) */
	call_speech_done_h *doneh;
	void *arg;
};

static void sip_leg_speech_destructor(void *arg)
{
	struct sip_leg_speech *s = arg;

	media_speech_cancel(s->r);
}

static void sip_leg_speech_done(int err, const char *path, void *arg)
{
	struct sip_leg_speech *s = arg;

	s->doneh(err, path, s->arg); /* may free s */
}

static int sip_leg_speak(void **sp, const char *lang, const char *text,
			 call_speech_done_h *doneh, void *arg)
{
	struct sip_leg_speech *s;
	int err;

	s = mem_zalloc(sizeof(*s), sip_leg_speech_destructor);
	if (!s)
		return ENOMEM;
	s->doneh = doneh;
	s->arg = arg;
	err = media_speech(&s->r, lang, text, sip_leg_speech_done, s);
	if (err) {
		mem_deref(s);
		return err;
	}
	*sp = s;
	return 0;
}

static void sip_leg_forget(const char *path)
{
	(void)media_prompt_forget(path);
	if (unlink(path) && errno != ENOENT)
		warning("call: cannot delete a private speech file: %m\n",
			errno);
}

/* media/'s reasons in the call layer's words */
static const enum call_record_end rec_ends[] = {
    [MEDIA_REC_MAX] = CALL_REC_MAX,
    [MEDIA_REC_SILENCE] = CALL_REC_SILENCE,
    [MEDIA_REC_GONE] = CALL_REC_STOPPED,
    [MEDIA_REC_ERROR] = CALL_REC_ERROR,
};

struct sip_leg_rec {
	struct media_rec *rec; /* (owned) */
	call_record_done_h *doneh;
	void *arg;
};

static void sip_leg_rec_destructor(void *arg)
{
	struct sip_leg_rec *r = arg;

	mem_deref(r->rec);
}

static void sip_leg_rec_done(int err, uint32_t ms, enum media_rec_end why,
			     void *arg)
{
	struct sip_leg_rec *r = arg;

	r->doneh(err, ms,
		 (size_t)why < ARRAY_SIZE(rec_ends) ? rec_ends[why]
						    : CALL_REC_ERROR,
		 r->arg);
}

static int sip_leg_record(void **rp, struct call_leg *leg, const char *path,
			  uint32_t max_ms, uint32_t silence_ms,
			  call_record_done_h *doneh, void *arg)
{
	struct media_rec_prm prm = {max_ms, silence_ms};
	struct sip_leg_rec *r;
	int err;

	r = mem_zalloc(sizeof(*r), sip_leg_rec_destructor);
	if (!r)
		return ENOMEM;
	r->doneh = doneh;
	r->arg = arg;
	err = media_rec_start(&r->rec, be_of(leg)->media, path, &prm,
			      sip_leg_rec_done, r);
	if (err) {
		mem_deref(r);
		return err;
	}
	*rp = r;
	return 0;
}

static void sip_leg_keys_inband(struct call_leg *leg, bool on)
{
	struct sip_leg *sl = be_of(leg);

	if (sl)
		media_leg_set_inband(sl->media, on);
}

static int sip_leg_record_stop(void *arg, uint32_t *msp)
{
	struct sip_leg_rec *r = arg;

	return media_rec_stop(r->rec, msp);
}

/* ---- transfer (sip/refer.c) ------------------------------------------------ */

static int sip_leg_refer_accept(struct call_leg *leg)
{
	struct sip_leg *sl = be_of(leg);
	int err;

	if (!sl->refer)
		return EINVAL;
	sl->sub = mem_deref(sl->sub); /* a finished earlier transfer */
	err = sip_refer_accept(&sl->sub, sl->sess, sl->refer);
	if (!err)
		sl->refer = NULL; /* answered */
	return err;
}

static void sip_leg_refer_refuse(struct call_leg *leg, uint16_t scode,
				 const char *reason)
{
	struct sip_leg *sl = be_of(leg);

	if (!sl->refer)
		return;
	sipsrv_reply(sl->srv, sl->refer, scode, reason);
	sl->refer = NULL;
}

static void sip_leg_refer_notify(struct call_leg *leg, uint16_t scode,
				 const char *reason)
{
	struct sip_leg *sl = be_of(leg);
	int err = sip_refer_notify(sl->sub, scode, reason);

	if (err)
		debug("call: %s: NOTIFY %u to %s not sent: %m\n",
		      call_id(leg->call), scode, leg->desc, err);
}

static bool sip_leg_dialog_is(const struct call_leg *leg,
			      const struct call_dialog *d)
{
	const struct sip_leg *sl = be_of(leg);
	struct sip_replaces r;

	if (!sl || !sl->sess)
		return false;
	memset(&r, 0, sizeof(r));
	str_copy(r.call_id, d->call_id, sizeof(r.call_id));
	str_copy(r.to_tag, d->to_tag, sizeof(r.to_tag));
	str_copy(r.from_tag, d->from_tag, sizeof(r.from_tag));
	return sip_sess_dialog_is(sl->sess, &r);
}

static void sip_leg_view(const struct call_leg *leg, struct call_leg_view *v)
{
	const struct media_leg *m = be_of(leg)->media;

	switch (media_leg_codec(m)) {
	case CODEC_PCMU:
		v->codec = "PCMU";
		break;
	case CODEC_PCMA:
		v->codec = "PCMA";
		break;
	default:
		v->codec = "";
		break;
	}
	v->secure = media_leg_secure(m);
	media_leg_stats(m, &v->rx, &v->tx);
}

static const struct call_backend sip_leg_backend = {
    .a_media = sip_leg_a_media,
    .a_offer = sip_leg_a_offer,
    .a_ring = sip_leg_a_ring,
    .a_answer = sip_leg_a_answer,
    .a_reject = sip_leg_a_reject,
    .dial = sip_leg_dial,
    .originate = sip_leg_originate,
    .codec_ok = sip_leg_codec_ok,
    .held = sip_leg_held,
    .idle_ms = sip_leg_idle_ms,
    .bridge = sip_leg_bridge,
    .unbridge = sip_leg_unbridge,
    .play = sip_leg_play,
    .prompt_check = media_prompt_check,
    .speak = sip_leg_speak,
    .forget = sip_leg_forget,
    .record = sip_leg_record,
    .record_stop = sip_leg_record_stop,
    .keys_inband = sip_leg_keys_inband,
    .refer_accept = sip_leg_refer_accept,
    .refer_refuse = sip_leg_refer_refuse,
    .refer_notify = sip_leg_refer_notify,
    .dialog_is = sip_leg_dialog_is,
    .view = sip_leg_view,
};

/* ---- sipsrv's call handlers ------------------------------------------------ */

static void sip_leg_incoming(struct sipsrv *srv, const struct sip_msg *msg,
			     const struct sip_caller *caller, void *arg)
{
	struct call_ctx *ctx = arg;
	char from_user[64], from_name[128], dialled[64], to_user[64];
	char call_id[128];
	char divv[SIP_DIVERT_MAX][SIP_DIVERT_LEN];
	const char *divp[SIP_DIVERT_MAX];
	size_t i;
	struct call_origin o;
	struct sip_replaces rp;
	struct call_dialog d;
	struct sip_leg *sl;
	bool replaces;
	int err;

	sl = sip_leg_alloc(srv);
	if (!sl) {
		sipsrv_reply(srv, msg, 500, "Server Internal Error");
		return;
	}
	sl->msg = msg;
	sl->crypto = sipsrv_crypto(srv, msg->tp == SIP_TRANSP_TLS,
				   caller->device ? caller->device->srtp
						  : STORE_SRTP_AUTO);
	str_from_pl(from_user, sizeof(from_user), &msg->from.uri.user);
	str_from_pl(from_name, sizeof(from_name), &msg->from.dname);
	/* as typed: "0221%2082829902" is "0221 82829902", whose space
	 * phone_normalise() drops */
	if (re_snprintf(dialled, sizeof(dialled), "%H", uri_user_unescape,
			&msg->uri.user) < 0)
		dialled[0] = '\0';
	str_from_pl(to_user, sizeof(to_user), &msg->to.uri.user);
	str_from_pl(call_id, sizeof(call_id), &msg->callid);
	memset(&o, 0, sizeof(o));
	o.rc.trunk = caller->trunk;
	o.rc.device = caller->device;
	o.rc.from_user = from_user;
	o.rc.from_name = from_name;
	o.rc.to_user = to_user; /* a registering trunk's number, route.h */
	o.rc.divertc = sip_diverted_from(msg, divv, SIP_DIVERT_MAX);
	for (i = 0; i < o.rc.divertc; i++)
		divp[i] = divv[i];
	o.rc.divertv = divp;
	o.dialled = dialled;
	o.call_id = call_id;
	o.leg = caller->desc;
	o.late_offer = !mbuf_get_left(msg->mb);

	if (sip_replaces_from_msg(msg, &rp, &replaces)) {
		sipsrv_reply(srv, msg, 400, "Bad Replaces");
		mem_deref(sl);
		return;
	}
	mem_ref(sl);    /* msg is ours until call_incoming() returns */
	if (replaces) { /* attended transfer, a take-over (RFC 3891) */
		const char *reason = "";
		uint16_t scode;
		dialog_of(&d, &rp);
		scode = call_replace_incoming(ctx, &o, &d, sl, &reason);
		if (scode) {
			sipsrv_reply(srv, msg, scode, reason);
			mem_deref(sl); /* not taken */
		}
	}
	else {
		err = call_incoming(ctx, &o, sl);
		if (err)
			sipsrv_reply(srv, msg, 500, "Server Internal Error");
	}
	sl->msg = NULL;
	mem_deref(sl);
}

static void sip_leg_close_all(void *arg)
{
	call_ctx_close_all(arg);
}

static unsigned sip_leg_count(void *arg)
{
	return call_ctx_count(arg);
}

static const struct sipsrv_callh sip_leg_callh = {
    .incomingh = sip_leg_incoming,
    .closeh = sip_leg_close_all,
    .counth = sip_leg_count,
};

static void sip_leg_detach(struct call_ctx *ctx)
{
	sipsrv_set_callh(ctx->be_arg, NULL, NULL);
}

int call_ctx_start(struct call_ctx **ctxp, const struct config *cfg,
		   struct store *st, struct sipsrv *srv)
{
	struct call_ctx *ctx;
	int err;

	if (!ctxp || !srv)
		return EINVAL;
	err = call_ctx_alloc(&ctx, cfg, st, &sip_leg_backend, srv, NULL, 0);
	if (err)
		return err;
	ctx->detach = sip_leg_detach;
	sipsrv_set_callh(srv, &sip_leg_callh, ctx);
	*ctxp = ctx;
	return 0;
}
