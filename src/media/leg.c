/*
 * leg.c - the SIP thread's half of a call leg's media (struct media_leg):
 * its SDP (offer/answer with libre's sdp), the codec and SRTP keys
 * negotiated, and the commands that tell the media thread (thread.c)
 * what to do with the leg's stream (relay.c): where to send, which
 * payload types to take, which peer to relay to.
 *
 * A leg's life, SIP thread -> media thread:
 *   media_leg_alloc   bind the sockets (the port goes into our SDP),
 *                     CMD_ADD: the media thread polls them from now on
 *   media_leg_decode  CMD_CFG with what the SDP said (and new SRTP
 *                     contexts), which also clears the latch
 *   media_bridge      CMD_BRIDGE; media_unbridge CMD_UNBRIDGE
 *   mem_deref(leg)    CMD_DEL: the media thread closes and frees the
 *                     stream; a command allocated with the leg, so
 *                     freeing cannot fail
 * The answers the SIP side needs at once (codec, hold, secure, raddr)
 * come from its own copy of the negotiation; idle time and counters are
 * atomics the media thread writes.
 */
#include <string.h>
#include <re.h>
#include <rem.h>
#include "core/core.h"
#include "media/media.h"
#include "media/media_int.h"

static struct {
	struct sa ip;
	uint16_t pmin, pmax;
	bool ready;
	struct hash *legs; /* every live leg by id (le_id)    */
	uint64_t last_id;  /* ids are never reused (64 bits)  */
} mctx;

struct media_counters media_count;

void media_stats_get(struct media_stats *s)
{
	if (!s)
		return;
	s->legs = media_ctr_get(&media_count.legs);
	s->players = media_ctr_get(&media_count.players);
	s->rx = media_ctr_get(&media_count.rx);
	s->relayed = media_ctr_get(&media_count.relayed);
	s->played = media_ctr_get(&media_count.played);
	s->refused = media_ctr_get(&media_count.refused);
	s->lost = media_ctr_get(&media_count.lost);
	s->dtmf = media_ctr_get(&media_count.dtmf);
	s->prompt_loads = media_ctr_get(&media_count.prompt_loads);
	s->prompt_hits = media_ctr_get(&media_count.prompt_hits);
}

static bool id_cmp(struct le *le, void *arg)
{
	const struct media_leg *leg = le->data;

	return leg->id == *(const uint64_t *)arg;
}

struct media_leg *media_leg_find(uint64_t id)
{
	struct le *le = hash_lookup(mctx.legs, (uint32_t)id, id_cmp, &id);

	return le ? le->data : NULL;
}

uint8_t media_ulaw2alaw(uint8_t u)
{
	return media_u2a[u];
}

uint8_t media_alaw2ulaw(uint8_t a)
{
	return media_a2u[a];
}

int media_init(const char *media_ip, uint16_t port_min, uint16_t port_max)
{
	unsigned i;
	int err;

	if (!media_ip || port_max < port_min + 2 || mctx.ready)
		return EINVAL;
	err = sa_set_str(&mctx.ip, media_ip, 0);
	if (err)
		return err;
	mctx.pmin = (uint16_t)((port_min + 1) & ~1u);
	mctx.pmax = port_max;
	err = hash_alloc(&mctx.legs, 256);
	if (err)
		return err;
	for (i = 0; i < 256; i++) { /* before the thread: read-only there */
		media_u2a[i] = g711_pcm2alaw(g711_ulaw2pcm((uint8_t)i));
		media_a2u[i] = g711_pcm2ulaw(g711_alaw2pcm((uint8_t)i));
	}
	err = media_thread_start();
	if (err) {
		warning("media: cannot start the media thread: %m\n", err);
		mctx.legs = mem_deref(mctx.legs);
		return err;
	}
	mctx.ready = true;
	return 0;
}

void media_close(void)
{
	if (!mctx.ready)
		return;
	if (media_ctr_get(&media_count.legs))
		warning("media: closing with %llu legs left\n",
			(unsigned long long)media_ctr_get(&media_count.legs));
	media_thread_stop();
	media_prompt_cache_flush();
	media_webrtc_close();
	hash_clear(mctx.legs); /* legs left over unlink from nothing */
	mctx.legs = mem_deref(mctx.legs);
	mctx.ready = false;
}

static void push(struct media_leg *leg, enum media_cmd_type type,
		 struct media_stream *ms2)
{
	struct media_cmd *cmd;

	if (media_cmd_alloc(&cmd, type, leg->ms)) {
		warning("media: port %u: command %d lost: out of memory\n",
			leg->port, type);
		return;
	}
	cmd->ms2 = ms2;
	cmd->sig = leg->sig_ip;
	media_cmd_push(cmd);
}

static void destructor(void *arg)
{
	struct media_leg *leg = arg;

	hash_unlink(&leg->le_id);
	media_unbridge(leg);
	if (leg->ms) {
		media_ctr_add(&media_count.legs, -1);
		media_cmd_push(leg->delcmd); /* the stream goes with it */
		leg->delcmd = NULL;
	}
	mem_deref(leg->delcmd);
	leg->sdp = mem_deref(leg->sdp);
	leg->srtp_tx = mem_deref(leg->srtp_tx);
	leg->srtp_rx = mem_deref(leg->srtp_rx);
}

static int add_formats(struct media_leg *leg, enum media_codec prefer)
{
	int err;

	if (prefer == CODEC_PCMA) {
		err = sdp_format_add(NULL, leg->sdpm, false, "8", "PCMA", 8000,
				     1, NULL, NULL, NULL, false, NULL);
		err |= sdp_format_add(NULL, leg->sdpm, false, "0", "PCMU", 8000,
				      1, NULL, NULL, NULL, false, NULL);
	}
	else {
		err = sdp_format_add(NULL, leg->sdpm, false, "0", "PCMU", 8000,
				     1, NULL, NULL, NULL, false, NULL);
		err |= sdp_format_add(NULL, leg->sdpm, false, "8", "PCMA", 8000,
				      1, NULL, NULL, NULL, false, NULL);
	}
	err |= sdp_format_add(NULL, leg->sdpm, false, "101", "telephone-event",
			      8000, 1, NULL, NULL, NULL, false, "0-15");
	return err ? ENOMEM : 0;
}

static int webrtc_sdp(struct media_leg *leg)
{
	uint8_t fp[MEDIA_FP_LEN];
	struct media_stream *ms = leg->ms;
	int err;

	err = media_webrtc_fingerprint(fp);
	if (err)
		return err;
	err = sdp_session_set_lattr(leg->sdp, true, "ice-lite", NULL);
	err |= sdp_media_set_lattr(leg->sdpm, true, "ice-ufrag", "%s",
				   ms->wr->ufrag);
	err |=
	    sdp_media_set_lattr(leg->sdpm, true, "ice-pwd", "%s", ms->wr->pwd);
	err |= sdp_media_set_lattr(
	    leg->sdpm, true, "fingerprint",
	    "sha-256 %02X:%02X:%02X:%02X:%02X:%02X:%02X:%02X:%02X:%02X:%02X:"
	    "%02X:%02X:%02X:%02X:%02X:%02X:%02X:%02X:%02X:%02X:%02X:%02X:"
	    "%02X:%02X:%02X:%02X:%02X:%02X:%02X:%02X:%02X",
	    fp[0], fp[1], fp[2], fp[3], fp[4], fp[5], fp[6], fp[7], fp[8],
	    fp[9], fp[10], fp[11], fp[12], fp[13], fp[14], fp[15], fp[16],
	    fp[17], fp[18], fp[19], fp[20], fp[21], fp[22], fp[23], fp[24],
	    fp[25], fp[26], fp[27], fp[28], fp[29], fp[30], fp[31]);
	/* we are the DTLS server: Chromium waits otherwise */
	err |= sdp_media_set_lattr(leg->sdpm, true, "setup", "passive");
	err |= sdp_media_set_lattr(leg->sdpm, true, "rtcp-mux", NULL);
	err |= sdp_media_set_lattr(leg->sdpm, true, "candidate",
				   "1 1 udp 2130706431 %j %u typ host",
				   &mctx.ip, leg->port);
	err |= sdp_media_set_lattr(leg->sdpm, true, "end-of-candidates", NULL);
	return err ? ENOMEM : 0;
}

static int leg_alloc(struct media_leg **legp, enum media_codec prefer,
		     enum media_crypto crypto, bool webrtc)
{
	struct media_stream *ms = NULL;
	struct media_leg *leg;
	struct media_cmd *add = NULL;
	struct sa laddr;
	int err;

	if (!legp || !mctx.ready)
		return EINVAL;
	leg = mem_zalloc(sizeof(*leg), destructor);
	if (!leg)
		return ENOMEM;
	leg->cfg.tx_tev_pt = -1;
	leg->crypto = crypto;

	leg->webrtc = webrtc;
	err = webrtc ? media_stream_alloc_webrtc(&ms, &mctx.ip, mctx.pmin,
						 mctx.pmax)
		     : media_stream_alloc(&ms, &mctx.ip, mctx.pmin, mctx.pmax);
	if (err)
		goto out;
	leg->port = ms->port;
	err = media_cmd_alloc(&leg->delcmd, CMD_DEL, ms);
	if (!err)
		err = media_cmd_alloc(&add, CMD_ADD, ms);
	if (err)
		goto out;
	laddr = mctx.ip;
	sa_set_port(&laddr, leg->port);
	err = sdp_session_alloc(&leg->sdp, &laddr);
	if (err)
		goto out;
	err = sdp_media_add(&leg->sdpm, leg->sdp, "audio", leg->port,
			    webrtc ? "UDP/TLS/RTP/SAVPF"
			    : crypto == MEDIA_SRTP_REQUIRED ? sdp_proto_rtpsavp
							    : sdp_proto_rtpavp);
	if (err)
		goto out;
	/* an offer in either profile can be answered */
	if (!webrtc)
		err = sdp_media_set_alt_protos(leg->sdpm, 2, sdp_proto_rtpavp,
					       sdp_proto_rtpsavp);
	if (!err)
		err = add_formats(leg, prefer);
	if (!err && webrtc) {
		leg->ms = ms; /* for its ICE credentials; not handed over */
		err = webrtc_sdp(leg);
		leg->ms = NULL;
	}
	else if (!err)
		err = media_sdes_init(leg);
	if (err)
		goto out;
	/* what we accept is what we declare */
	leg->cfg.rxmap[0] = PT_ULAW;
	leg->cfg.rxmap[8] = PT_ALAW;
	leg->cfg.rxmap[101] = PT_TEV;
	ms->cfg = leg->cfg; /* still ours: not handed over yet */
	leg->id = ++mctx.last_id;
	ms->leg_id = leg->id;
	hash_append(mctx.legs, (uint32_t)leg->id, &leg->le_id, leg);

	/* hand-over: from here on the stream is the media thread's */
	leg->ms = ms;
	ms = NULL;
	media_ctr_add(&media_count.legs, 1);
	media_cmd_push(add);
	add = NULL;

out:
	mem_deref(add);
	mem_deref(ms);
	if (err)
		mem_deref(leg);
	else
		*legp = leg;
	return err;
}

int media_leg_alloc(struct media_leg **legp, enum media_codec prefer,
		    enum media_crypto crypto)
{
	return leg_alloc(legp, prefer, crypto, false);
}

int media_leg_alloc_webrtc(struct media_leg **legp, media_webrtc_h *h,
			   void *arg)
{
	int err = leg_alloc(legp, CODEC_PCMU, MEDIA_PLAIN, true);

	if (!err) {
		(*legp)->wrh = h;
		(*legp)->wr_arg = arg;
	}
	return err;
}

void media_leg_webrtc_stats(const struct media_leg *leg, uint64_t *stun_ok,
			    uint64_t *stun_bad, uint64_t *dtls_refused)
{
	struct media_webrtc *wr = leg && leg->ms ? leg->ms->wr : NULL;

	if (stun_ok)
		*stun_ok = wr ? media_ctr_get(&wr->stun_ok) : 0;
	if (stun_bad)
		*stun_bad = wr ? media_ctr_get(&wr->stun_bad) : 0;
	if (dtls_refused)
		*dtls_refused = wr ? media_ctr_get(&wr->dtls_refused) : 0;
}

/* The browser's transport from its offer: its certificate's fingerprint
 * (media or session level), and our a=mid as its. */
static int webrtc_offer(struct media_leg *leg, struct media_cfg *cfg)
{
	const char *fp = sdp_media_rattr(leg->sdpm, "fingerprint");
	const char *mid = sdp_media_rattr(leg->sdpm, "mid");

	if (!fp)
		fp = sdp_session_rattr(leg->sdp, "fingerprint");
	if (media_webrtc_fp_parse(fp, cfg->rfp))
		return ENOTSUP; /* no DTLS without it */
	cfg->rfp_set = true;
	if (mid && sdp_media_set_lattr(leg->sdpm, true, "mid", "%s", mid))
		return ENOMEM;
	return 0;
}

/* by name, or by static payload type when there is no rtpmap (RFC 3551) */
static enum media_codec codec_of(const char *name, int pt)
{
	if (!name || !name[0])
		return pt == 0 ? CODEC_PCMU : pt == 8 ? CODEC_PCMA : CODEC_NONE;
	if (!str_casecmp(name, "PCMU"))
		return CODEC_PCMU;
	if (!str_casecmp(name, "PCMA"))
		return CODEC_PCMA;
	return CODEC_NONE;
}

int media_leg_decode(struct media_leg *leg, struct mbuf *sdp, bool offer)
{
	struct media_cfg cfg;
	struct media_cmd *cmd = NULL;
	const struct list *lst;
	struct le *le;
	enum sdp_dir rdir;
	size_t pos;
	int err;

	if (!leg || !sdp)
		return EINVAL;
	err = media_cmd_alloc(&cmd, CMD_CFG, leg->ms);
	if (err)
		return err;
	pos = sdp->pos;
	err = sdp_decode(leg->sdp, sdp, offer);
	sdp->pos = pos;
	if (err) {
		err = EPROTO;
		goto out;
	}

	cfg = leg->cfg;
	cfg.tx_codec = CODEC_NONE;
	cfg.tx_tev_pt = -1;
	lst = sdp_media_format_lst(leg->sdpm, false);
	for (le = lst ? lst->head : NULL; le; le = le->next) {
		const struct sdp_format *f = le->data;
		enum media_codec c = codec_of(f->name, f->pt);

		if (f->pt < 0 || f->pt > 127)
			continue;
		if (c != CODEC_NONE) {
			cfg.rxmap[f->pt] = c == CODEC_PCMU ? PT_ULAW : PT_ALAW;
			if (f->sup && cfg.tx_codec == CODEC_NONE) {
				cfg.tx_codec = c;
				cfg.tx_pt = (uint8_t)f->pt;
			}
		}
		else if (f->name && !str_casecmp(f->name, "telephone-event")) {
			cfg.rxmap[f->pt] = PT_TEV;
			if (f->sup && cfg.tx_tev_pt < 0)
				cfg.tx_tev_pt = f->pt;
		}
	}
	if (cfg.tx_codec == CODEC_NONE) {
		err = ENOTSUP;
		goto out;
	}
	err = leg->webrtc ? webrtc_offer(leg, &cfg)
			  : media_sdes_negotiate(leg, offer);
	if (err)
		goto out;

	/* libre names the direction from our side: the far end's
	 * a=sendonly is our SDP_RECVONLY.  The answer is ldir & rdir. */
	rdir = sdp_media_rdir(leg->sdpm);
	if (leg->webrtc) { /* the address is ICE's: c= says nothing */
		cfg.rhold = !(rdir & SDP_SENDONLY);
	}
	else {
		cfg.sdp_raddr = *sdp_media_raddr(leg->sdpm);
		sdp_media_raddr_rtcp(leg->sdpm, &cfg.raddr_rtcp);
		cfg.rhold = !(rdir & SDP_SENDONLY) ||
			    !sa_isset(&cfg.sdp_raddr, SA_ADDR);
	}
	sdp_media_set_ldir(leg->sdpm, SDP_SENDRECV);
	leg->cfg = cfg;

	cmd->cfg = cfg;
	cmd->sig = leg->sig_ip;
	if (leg->srtp_new) {
		cmd->srtp_new = true;
		cmd->srtp_rx = leg->srtp_rx;
		cmd->srtp_tx = leg->srtp_tx;
		leg->srtp_rx = leg->srtp_tx = NULL;
		leg->srtp_new = false;
	}
	media_cmd_push(cmd);
	cmd = NULL;
out:
	mem_deref(cmd);
	return err;
}

int media_leg_encode(struct media_leg *leg, struct mbuf **mbp, bool offer)
{
	if (!leg || !mbp)
		return EINVAL;
	if (offer)
		sdp_media_set_ldir(leg->sdpm, SDP_SENDRECV);
	return sdp_encode(mbp, leg->sdp, offer);
}

enum media_codec media_leg_codec(const struct media_leg *leg)
{
	return leg ? leg->cfg.tx_codec : CODEC_NONE;
}

bool media_leg_secure(const struct media_leg *leg)
{
	return leg && leg->secure;
}

bool media_leg_remote_hold(const struct media_leg *leg)
{
	return leg && leg->cfg.rhold;
}

void media_leg_set_sig_addr(struct media_leg *leg, const struct sa *sig)
{
	if (!leg)
		return;
	if (sig && sa_isset(sig, SA_ADDR))
		leg->sig_ip = *sig;
	else
		sa_init(&leg->sig_ip, AF_UNSPEC);
	push(leg, CMD_SIG, NULL);
}

bool media_leg_has_raddr(const struct media_leg *leg)
{
	return leg && sa_isset(&leg->cfg.sdp_raddr, SA_ALL);
}

uint64_t media_leg_idle_ms(const struct media_leg *leg)
{
	uint64_t now = tmr_jiffies(), last;

	if (!leg)
		return 0;
	last = media_ctr_get(&leg->ms->last_rx);
	return now > last ? now - last : 0;
}

uint16_t media_leg_port(const struct media_leg *leg)
{
	return leg ? leg->port : 0;
}

uint64_t media_leg_hijacks(const struct media_leg *leg)
{
	return leg ? media_ctr_get(&leg->ms->hijack) : 0;
}

void media_leg_stats(const struct media_leg *leg, uint64_t *rx, uint64_t *tx)
{
	if (rx)
		*rx = leg ? media_ctr_get(&leg->ms->rx) : 0;
	if (tx)
		*tx = leg ? media_ctr_get(&leg->ms->tx) : 0;
}

void media_bridge(struct media_leg *a, struct media_leg *b)
{
	if (!a || !b || a == b)
		return;
	media_unbridge(a);
	media_unbridge(b);
	a->peer = b;
	b->peer = a;
	push(a, CMD_BRIDGE, b->ms); /* unbridges both there too */
}

void media_leg_set_inband(struct media_leg *leg, bool on)
{
	struct media_cmd *cmd;

	if (!leg || leg->inband == on)
		return;
	if (media_cmd_alloc(&cmd, CMD_INBAND, leg->ms)) {
		warning("media: port %u: in-band detection not switched: out "
			"of memory\n",
			leg->port);
		return;
	}
	cmd->on = on;
	leg->inband = on;
	media_cmd_push(cmd);
}

void media_unbridge(struct media_leg *leg)
{
	if (!leg || !leg->peer)
		return;
	leg->peer->peer = NULL;
	leg->peer = NULL;
	push(leg, CMD_UNBRIDGE, NULL);
}
