/*
 * media_int.h - private to src/media: the leg record shared by the relay
 * (leg.c) and the player (player.c), and the media clock.
 */
#ifndef SWITCHBOARD_MEDIA_INT_H
#define SWITCHBOARD_MEDIA_INT_H

struct media_leg {
	struct udp_sock *rtp;    /* (owned)                         */
	struct udp_sock *rtcp;   /* (owned)                         */
	uint16_t port;           /* our RTP port; RTCP is port + 1  */
	struct sdp_session *sdp; /* (owned)                         */
	struct sdp_media *sdpm;  /* (weak, owned by sdp)            */
	struct sa raddr;         /* where we send RTP (latched)     */
	struct sa sdp_raddr;     /* RTP address in the far end's SDP */
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
};

int media_leg_send_pcm(struct media_leg *leg, const int16_t *pcm, size_t n,
		       bool marker, struct mbuf *mb);
void media_player_detach(struct media_player *p);

extern struct media_stats media_stat;

int media_clock_init(void);
void media_clock_close(void);
void media_prompt_cache_flush(void);

#endif
