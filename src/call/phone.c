/*
 * phone.c - browser phones: an agent's browser as one more device of its
 * employee (call.h).  Its legs are the backend's struct sip_leg with a
 * phone instead of a SIP session: the same media calls (bridge, play,
 * record, digits) work on their WebRTC media leg, and only signalling
 * differs: JSON messages over the phone's WebSocket (http/phone.c moves
 * the text, this file reads and writes it).
 *
 * The browser always offers (one RTCPeerConnection per call) and we
 * answer:
 *   incoming:  we "invite" (no SDP) -> it "accept"s with its offer -> our
 *              "answer" (SDP) -> the leg answered (a SIP phone's 200);
 *              its "hangup" while ringing declines (603), later ends (BYE)
 *   outgoing:  it "call"s with "to" and its offer -> our "answer" (SDP),
 *              routed as a call from a device of the employee -> we send
 *              "ringing", "connected" or "hangup" with code and reason
 * Whoever ends a call, the browser gets "hangup" once (sip_leg destructor
 * -> call_phone_leg_gone) unless it ended it itself.  Media events:
 * "media" with state "up" (DTLS and SRTP ready), "refused" (certificate
 * not the offer's), "consent_lost" (its checks stopped): the last two end
 * the call.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "media/media.h"
#include "call/call_int.h"

enum {
	PHONE_CALLS_MAX = 2, /* live calls of one browser phone (one on
				hold while consulting) */
};

struct call_phone {
	struct le le;            /* in ctx->phones                 */
	struct call_ctx *ctx;    /* (weak) NULL once it is gone    */
	struct store_device dev; /* what routing sees: a device of
				    the employee, never stored     */
	char name[64];
	call_phone_send_h *sendh;
	void *arg;
	struct list legs; /* struct sip_leg (weak): its calls */
	uint32_t last_ref;
};

/* ---- messages to the browser ------------------------------------------- */

static void send_od(struct call_phone *p, struct odict *od)
{
	char *s = NULL;

	if (!p->sendh)
		return;
	if (!re_sdprintf(&s, "%H", json_encode_odict, od))
		p->sendh(s, p->arg);
	mem_deref(s);
}

/* {"type": type, "call": ref (if not 0), key: val (if key), ...} */
static void send_msg(struct call_phone *p, const char *type, uint32_t ref,
		     const char *k1, const char *v1, const char *k2,
		     const char *v2)
{
	struct odict *od = NULL;

	if (!p || odict_alloc(&od, 8))
		return;
	(void)odict_entry_add(od, "type", ODICT_STRING, type);
	if (ref)
		(void)odict_entry_add(od, "call", ODICT_INT, (int64_t)ref);
	if (k1 && v1)
		(void)odict_entry_add(od, k1, ODICT_STRING, v1);
	if (k2 && v2)
		(void)odict_entry_add(od, k2, ODICT_STRING, v2);
	send_od(p, od);
	mem_deref(od);
}

static void send_error(struct call_phone *p, uint32_t ref, const char *reason)
{
	send_msg(p, "error", ref, "reason", reason, NULL, NULL);
}

static void send_hangup(struct call_phone *p, uint32_t ref, uint16_t scode,
			const char *reason)
{
	struct odict *od = NULL;

	if (odict_alloc(&od, 8))
		return;
	(void)odict_entry_add(od, "type", ODICT_STRING, "hangup");
	(void)odict_entry_add(od, "call", ODICT_INT, (int64_t)ref);
	if (scode)
		(void)odict_entry_add(od, "code", ODICT_INT, (int64_t)scode);
	(void)odict_entry_add(od, "reason", ODICT_STRING,
			      reason && reason[0] ? reason : "ended");
	send_od(p, od);
	mem_deref(od);
}

/* our SDP answer to the leg's offer, as "answer" */
static int send_answer(struct sip_leg *sl)
{
	struct mbuf *mb = NULL;
	char *sdp = NULL;
	int err;

	err = media_leg_encode(sl->media, &mb, false);
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, &sdp, mbuf_get_left(mb));
	}
	if (!err)
		send_msg(sl->phone, "answer", sl->ref, "sdp", sdp, NULL, NULL);
	mem_deref(sdp);
	mem_deref(mb);
	return err;
}

/* ---- the leg's media --------------------------------------------------- */

static void media_h(enum media_webrtc_ev ev, void *arg)
{
	static const char *const names[] = {
	    [MEDIA_WEBRTC_UP] = "up",
	    [MEDIA_WEBRTC_REFUSED] = "refused",
	    [MEDIA_WEBRTC_CONSENT_LOST] = "consent_lost",
	    [MEDIA_WEBRTC_CLOSED] = "closed",
	};
	struct sip_leg *sl = arg;
	struct call_leg *leg = sl->leg;

	if (sl->phone && (size_t)ev < ARRAY_SIZE(names))
		send_msg(sl->phone, "media", sl->ref, "state", names[ev], NULL,
			 NULL);
	if (ev == MEDIA_WEBRTC_UP || !leg)
		return;
	/* the browser cannot be reached any more: the call ends (a leg
	 * that rings here: as a phone's 488) */
	if (leg == leg->call->a || leg->established)
		call_leg_closed(leg,
				ev == MEDIA_WEBRTC_CONSENT_LOST ? ETIMEDOUT
								: ECONNRESET,
				0, "");
	else
		call_leg_closed(leg, 0, 488, "Not Acceptable Here");
}

int call_phone_media(struct sip_leg *sl)
{
	int err = media_leg_alloc_webrtc(&sl->media, media_h, sl);

	if (err) {
		warning("call: no media port for a browser: %m\n", err);
		return err;
	}
	media_leg_set_digith(sl->media, sip_leg_digit, sl);
	return 0;
}

/* the browser's offer (sl->offer) taken, our answer sent */
int call_phone_offer(struct sip_leg *sl)
{
	int err;

	if (!sl->offer)
		return EPROTO;
	sl->offer->pos = 0;
	err = media_leg_decode(sl->media, sl->offer, true);
	sl->offer = mem_deref(sl->offer);
	if (!err)
		err = send_answer(sl);
	return err;
}

int call_phone_ring(struct sip_leg *sl)
{
	send_msg(sl->phone, "ringing", sl->ref, NULL, NULL, NULL, NULL);
	return 0;
}

static void answered_h(void *arg)
{
	struct sip_leg *sl = arg;

	if (sl->leg)
		call_leg_established(sl->leg); /* as a SIP caller's ACK */
}

int call_phone_answer(struct sip_leg *sl, bool early)
{
	if (early)
		return 0; /* its answer went out with "answer" already */
	if (sl->answered)
		return 0;
	sl->answered = true;
	send_msg(sl->phone, "connected", sl->ref, NULL, NULL, NULL, NULL);
	tmr_start(&sl->tmr, 0, answered_h, sl);
	return 0;
}

static void unlink_leg(struct sip_leg *sl)
{
	list_unlink(&sl->le_phone);
	sl->phone = NULL;
}

void call_phone_reject(struct sip_leg *sl, uint16_t scode, const char *reason)
{
	send_hangup(sl->phone, sl->ref, scode, reason);
	unlink_leg(sl); /* told: nothing more to it */
}

void call_phone_leg_gone(struct sip_leg *sl)
{
	send_hangup(sl->phone, sl->ref, 0, NULL);
	unlink_leg(sl);
}

/* ---- incoming: the browser rings --------------------------------------- */

static struct sip_leg *leg_add(struct call_phone *p, struct sipsrv *srv)
{
	struct sip_leg *sl = sip_leg_alloc(srv);

	if (!sl)
		return NULL;
	sl->phone = p;
	sl->ref = ++p->last_ref;
	list_append(&p->legs, &sl->le_phone, sl);
	return sl;
}

unsigned call_phone_dial(struct call *call, struct sipsrv *srv,
			 int64_t employee_id, const struct call_dial_req *req)
{
	struct le *le;
	unsigned n = 0;

	for (le = call->ctx->phones.head; le; le = le->next) {
		struct call_phone *p = le->data;
		struct call_leg *leg = NULL;
		struct sip_leg *sl;
		char desc[96];

		if (p->dev.employee_id != employee_id)
			continue;
		if (list_count(&p->legs) >= PHONE_CALLS_MAX)
			continue; /* busy: it does not ring */
		sl = leg_add(p, srv);
		if (!sl)
			continue;
		re_snprintf(desc, sizeof(desc), "browser:%s", p->name);
		if (call_leg_alloc(&leg, call, desc)) {
			mem_deref(sl);
			continue;
		}
		leg->be = sl;
		sl->leg = leg;
		if (call_phone_media(sl)) {
			unlink_leg(sl); /* never invited: nothing to tell */
			mem_deref(leg);
			continue;
		}
		send_msg(p, "invite", sl->ref, "from", req->cid, "name",
			 req->cname);
		info("call: %s: ringing %s\n", call_id(call), desc);
		call_leg_add(call, leg);
		n++;
	}
	return n;
}

static struct sip_leg *leg_find(struct call_phone *p, uint32_t ref)
{
	struct le *le;

	for (le = p->legs.head; le; le = le->next) {
		struct sip_leg *sl = le->data;
		if (sl->ref == ref)
			return sl;
	}
	return NULL;
}

static int offer_of(const struct odict *msg, struct mbuf **mbp)
{
	const char *sdp = odict_string(msg, "sdp");
	struct mbuf *mb;

	if (!sdp || !sdp[0])
		return EINVAL;
	mb = mbuf_alloc(strlen(sdp));
	if (!mb)
		return ENOMEM;
	(void)mbuf_write_str(mb, sdp);
	mb->pos = 0;
	*mbp = mb;
	return 0;
}

/* "accept": the agent takes a ringing call, with the browser's offer */
static void on_accept(struct call_phone *p, uint32_t ref,
		      const struct odict *msg)
{
	struct sip_leg *sl = leg_find(p, ref);
	struct call_leg *leg = sl ? sl->leg : NULL;
	int err;

	if (!sl || !leg || leg == leg->call->a) {
		send_error(p, ref, "call: no such incoming call");
		return;
	}
	if (sl->answered) {
		send_error(p, ref, "call: answered already");
		return;
	}
	err = offer_of(msg, &sl->offer);
	if (err) {
		send_error(p, ref, "sdp: an SDP offer is required");
		return;
	}
	err = call_phone_offer(sl);
	if (err) {
		send_error(p, ref,
			   err == ENOTSUP
			       ? "sdp: no PCMU/PCMA or no DTLS fingerprint"
			       : "sdp: not a valid SDP offer");
		return;
	}
	sl->answered = true;
	call_leg_established(leg); /* may bridge, free other legs */
}

/* "hangup": decline while ringing, else end */
static void on_hangup(struct call_phone *p, uint32_t ref)
{
	struct sip_leg *sl = leg_find(p, ref);
	struct call_leg *leg = sl ? sl->leg : NULL;
	bool a, est;

	if (!sl || !leg) {
		send_error(p, ref, "call: no such call");
		return;
	}
	a = leg == leg->call->a;
	est = leg->established;
	unlink_leg(sl); /* it knows */
	if (a || est)
		call_leg_closed(leg, ECONNRESET, 0, "");
	else
		call_leg_closed(leg, 0, 603, "Decline");
}

/* "call": the browser places a call to "to" with its offer */
static void on_call(struct call_phone *p, const struct odict *msg)
{
	const char *to = odict_string(msg, "to");
	struct call_origin o;
	struct sip_leg *sl;
	char call_id[64];
	char desc[96];
	uint32_t ref;
	int err;

	if (!to || !to[0] || strlen(to) > 32) {
		send_error(p, 0, "to: a number or extension is required");
		return;
	}
	/* each call holds a media port: a page placing calls in a loop must
	 * not use them all up */
	if (list_count(&p->legs) >= PHONE_CALLS_MAX) {
		send_error(p, 0,
			   "call: at most 2 calls at once on a browser phone");
		return;
	}
	sl = leg_add(p, NULL);
	if (!sl) {
		send_error(p, 0, "out of memory");
		return;
	}
	ref = sl->ref;
	if (offer_of(msg, &sl->offer)) {
		mem_deref(sl);
		send_error(p, 0, "sdp: an SDP offer is required");
		return;
	}
	sl->srv = p->ctx->be_arg;
	re_snprintf(call_id, sizeof(call_id), "browser-%08x%08x", rand_u32(),
		    rand_u32());
	re_snprintf(desc, sizeof(desc), "browser:%s", p->name);
	memset(&o, 0, sizeof(o));
	o.rc.device = &p->dev;
	o.rc.from_user = p->dev.username;
	o.rc.from_name = "";
	o.dialled = to;
	o.call_id = call_id;
	o.leg = desc;
	send_msg(p, "calling", ref, "to", to, NULL, NULL);
	info("call: %s: %s calls %s\n", call_id, desc, to);
	err = call_incoming(p->ctx, &o, sl);
	if (err)
		send_hangup(p, ref, 500, "Server Internal Error");
}

static void on_dtmf(struct call_phone *p, uint32_t ref, const struct odict *msg)
{
	struct sip_leg *sl = leg_find(p, ref);
	const char *d = odict_string(msg, "digit");

	if (!sl || !sl->leg) {
		send_error(p, ref, "call: no such call");
		return;
	}
	if (!d || strlen(d) != 1 || !strchr("0123456789*#ABCD", d[0])) {
		send_error(p, ref, "digit: one of 0-9 * # A-D");
		return;
	}
	sip_leg_info(d[0], sl); /* as a phone's INFO */
}

void call_phone_recv(struct call_phone *p, const struct odict *msg)
{
	const char *type;
	uint64_t ref = 0;

	if (!p || !msg)
		return;
	if (!p->ctx) {
		send_error(p, 0, "shutting down");
		return;
	}
	type = odict_string(msg, "type");
	(void)odict_get_number(msg, &ref, "call");
	if (!type) {
		send_error(p, 0, "type: required");
		return;
	}
	if (!strcmp(type, "call"))
		on_call(p, msg);
	else if (!strcmp(type, "accept"))
		on_accept(p, (uint32_t)ref, msg);
	else if (!strcmp(type, "hangup"))
		on_hangup(p, (uint32_t)ref);
	else if (!strcmp(type, "dtmf"))
		on_dtmf(p, (uint32_t)ref, msg);
	else if (!strcmp(type, "ping"))
		send_msg(p, "pong", 0, NULL, NULL, NULL, NULL);
	else
		send_error(p, 0, "type: unknown");
}

/* ---- connecting -------------------------------------------------------- */

/* every call of p ends (its browser is gone) */
static void legs_end(struct call_phone *p)
{
	struct le *le;

	while ((le = p->legs.head)) {
		struct sip_leg *sl = le->data;
		struct call_leg *leg = sl->leg;

		unlink_leg(sl);
		if (!leg)
			continue;
		if (leg == leg->call->a || leg->established)
			call_leg_closed(leg, ECONNRESET, 0, "");
		else
			call_leg_closed(leg, 0, 480, "Temporarily Unavailable");
	}
}

static void phone_destructor(void *arg)
{
	struct call_phone *p = arg;

	p->sendh = NULL;
	legs_end(p);
	list_unlink(&p->le);
	if (p->ctx)
		info("call: browser phone %s disconnected\n", p->name);
}

static void nosend(const char *json, void *arg)
{
	(void)json;
	(void)arg;
}

int call_phone_connect(struct call_phone **pp, struct call_ctx *ctx,
		       int64_t tenant_id, int64_t employee_id, const char *name,
		       call_phone_send_h *sendh, void *arg)
{
	struct call_phone *p;
	struct odict *od = NULL;

	if (!pp || !ctx || tenant_id <= 0 || employee_id <= 0 || !name ||
	    !sendh)
		return EINVAL;
	if (ctx->closing)
		return ESHUTDOWN;
	p = mem_zalloc(sizeof(*p), phone_destructor);
	if (!p)
		return ENOMEM;
	p->ctx = ctx;
	p->sendh = sendh;
	p->arg = arg;
	str_copy(p->name, name, sizeof(p->name));
	p->dev.tenant_id = tenant_id;
	p->dev.employee_id = employee_id;
	re_snprintf(p->dev.username, sizeof(p->dev.username), "browser:%s",
		    name);
	str_copy(p->dev.name, "Browser", sizeof(p->dev.name));
	list_append(&ctx->phones, &p->le, p);
	if (!odict_alloc(&od, 8)) {
		(void)odict_entry_add(od, "type", ODICT_STRING, "hello");
		(void)odict_entry_add(od, "device", ODICT_STRING,
				      p->dev.username);
		(void)odict_entry_add(od, "employee_id", ODICT_INT,
				      employee_id);
		send_od(p, od);
		mem_deref(od);
	}
	info("call: browser phone %s connected (employee %lld)\n", p->name,
	     (long long)employee_id);
	*pp = p;
	return 0;
}

unsigned call_phone_count(const struct call_ctx *ctx)
{
	return ctx ? list_count(&ctx->phones) : 0;
}

void call_phone_ctx_gone(struct call_ctx *ctx)
{
	struct le *le;

	while ((le = ctx->phones.head)) {
		struct call_phone *p = le->data;

		legs_end(p);
		list_unlink(&p->le);
		p->ctx = NULL;
		p->sendh = nosend;
	}
}
