/*
 * media_int.h - private to src/media: the leg record shared by the relay
 * (leg.c) and the player (player.c), and the media clock.
 */
#ifndef SWITCHBOARD_MEDIA_INT_H
#define SWITCHBOARD_MEDIA_INT_H

enum { MEDIA_KEY_MAX = 46 }; /* AES-256 key + 112-bit salt */

struct media_leg {
	struct udp_sock *rtp;    /* (owned)                         */
	struct udp_sock *rtcp;   /* (owned)                         */
	uint16_t port;           /* our RTP port; RTCP is port + 1  */
	struct sdp_session *sdp; /* (owned)                         */
	struct sdp_media *sdpm;  /* (weak, owned by sdp)            */
	struct sa raddr;         /* where we send RTP (latched)     */
	struct sa sdp_raddr;     /* RTP address in the far end's SDP */
	struct sa sig_ip;        /* where its SIP comes from (IP)   */
	bool latched;            /* raddr learnt from received RTP  */
	uint32_t ssrc_rx;        /* SSRC of the latched stream      */
	uint64_t hijack;         /* packets refused from strangers  */
	struct sa raddr_rtcp;
	enum media_codec tx_codec;   /* law the far end wants from us   */
	uint8_t tx_pt;               /* its payload type for that law   */
	int tx_tev_pt;               /* its telephone-event PT, -1 none */
	uint8_t rxmap[128];          /* payload type -> PT_* kind       */
	bool rhold;                  /* far end wants no audio          */
	struct media_leg *peer;      /* bridged leg (weak, symmetric)   */
	struct media_player *player; /* playing into this leg (weak)    */
	uint64_t last_rx;            /* [ms, jiffies] last RTP received */
	uint64_t rx, tx;             /* packets                         */
	uint32_t ssrc;               /* our stream for generated audio  */
	uint16_t seq;
	uint32_t ts;
	enum media_crypto crypto;    /* SRTP policy of this leg            */
	struct srtp *srtp_tx;        /* our key, NULL for plain RTP (owned) */
	struct srtp *srtp_rx;        /* far end's key (owned)              */
	unsigned suite;              /* negotiated suite (sdes.c table)    */
	unsigned ltag;               /* its a=crypto tag, 0 before         */
	uint8_t lkey[MEDIA_KEY_MAX]; /* our SRTP master key + salt      */
	uint8_t rkey[MEDIA_KEY_MAX]; /* far end's                       */
};

/* sdes.c: our a=crypto lines for an offer (none for MEDIA_PLAIN) */
int media_sdes_init(struct media_leg *leg);
/* after sdp_decode: pick keys from the far end's a=crypto, set up the
 * SRTP contexts and our answer line.  ENOTSUP when SRTP is required (by
 * our policy or an RTP/SAVP offer) and no usable key was given. */
int media_sdes_negotiate(struct media_leg *leg, bool offer);

int media_leg_send_pcm(struct media_leg *leg, const int16_t *pcm, size_t n,
		       bool marker, struct mbuf *mb);
void media_player_detach(struct media_player *p);

extern struct media_stats media_stat;

int media_clock_init(void);
void media_clock_close(void);
void media_prompt_cache_flush(void);

#endif
