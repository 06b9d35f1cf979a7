/*
 * media_int.h - private to src/media.  A leg has two halves, one per
 * thread (thread.c has the rules): struct media_leg is the SIP thread's
 * (SDP, negotiation), struct media_stream the media thread's (sockets,
 * relay, latching, SRTP contexts, players, recorders' decoding).  They
 * talk only through the command queue (SIP -> media) and the event queue
 * (media -> SIP), and a recorder's chunk list (thread.c, rule 8); the
 * few counters the SIP side reads are single-writer atomics.  A digit
 * event names its leg by id (media_leg.id), not by pointer: the leg may
 * be freed while the event waits in the queue.
 */
#ifndef SWITCHBOARD_MEDIA_INT_H
#define SWITCHBOARD_MEDIA_INT_H

#include <stdatomic.h>

enum { MEDIA_KEY_MAX = 46 }; /* AES-256 key + 112-bit salt */
enum { MEDIA_FP_LEN = 32 };  /* SHA-256 certificate fingerprint */

/* payload type kinds of the receive map */
enum { PT_UNKNOWN = 0, PT_ULAW, PT_ALAW, PT_TEV };

/* what offer/answer decided for a leg; copied into the media thread */
struct media_cfg {
	struct sa sdp_raddr;       /* RTP address in the far end's SDP */
	struct sa raddr_rtcp;      /* its RTCP address (port unset: none) */
	enum media_codec tx_codec; /* law the far end wants from us     */
	uint8_t tx_pt;             /* its payload type for that law     */
	int tx_tev_pt;             /* its telephone-event PT, -1 none   */
	uint8_t rxmap[128];        /* payload type -> PT_* kind         */
	bool rhold;                /* far end wants no audio            */
	/* a WebRTC leg (webrtc.c): the browser's DTLS certificate
	 * fingerprint from its offer (a=fingerprint sha-256) */
	uint8_t rfp[MEDIA_FP_LEN];
	bool rfp_set;
};

/* A counter written by one thread only and read by others. */
typedef _Atomic uint64_t media_ctr;

static inline void media_ctr_inc(media_ctr *c)
{
	/* single writer: a plain load and store, no locked instruction */
	atomic_store_explicit(c,
			      atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static inline void media_ctr_add(media_ctr *c, int64_t d)
{
	atomic_store_explicit(
	    c, atomic_load_explicit(c, memory_order_relaxed) + (uint64_t)d,
	    memory_order_relaxed);
}

static inline uint64_t media_ctr_get(media_ctr *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

struct media_stream;
struct media_cmd;
struct mplayer;
struct mrec;

/* RFC 4733 receive state of a stream: the event heard last (dtmf.c) */
struct media_dtmf {
	uint32_t ssrc; /* stream it came in                   */
	uint32_t ts;   /* its RTP timestamp (its start)       */
	uint16_t seq;  /* newest sequence number seen of it   */
	uint16_t dur;  /* longest duration seen [1/8 ms]      */
	uint8_t event; /* 0-15                                */
	bool ended;    /* an end packet (E bit) was seen      */
	bool valid;    /* an event was seen: the fields count */
};

/* Where a key press of a stream was heard. */
enum media_digit_src {
	MEDIA_DIGIT_RFC4733 = 0, /* telephone-event packets (dtmf.c) */
	MEDIA_DIGIT_INBAND,      /* tones in the audio (inband.c)    */
};

enum { MEDIA_DIGIT_TWICE_MS = 500 }; /* [ms] one press heard both ways */

/* In-band DTMF detection state of a stream (inband.c) */
enum { MEDIA_INBAND_BLOCK = 102 }; /* [samples] one Goertzel block */

struct media_inband {
	int16_t buf[MEDIA_INBAND_BLOCK]; /* a block being filled     */
	size_t fill;                     /* samples in buf           */
	char last;       /* key of the previous block, 0 none     */
	unsigned hits;   /* blocks in a row that held last         */
	char held;       /* key reported and still sounding, or 0  */
	unsigned misses; /* blocks without held                    */
};

/* The SIP thread's half of a leg. */
struct media_leg {
	struct media_stream *ms;  /* media half: the media thread's after
				     hand-over; its atomics may be read */
	struct media_cmd *delcmd; /* pre-allocated "delete", so freeing a
				     leg cannot fail (owned)          */
	uint16_t port;            /* our RTP port; RTCP is port + 1    */
	struct sdp_session *sdp;  /* (owned)                           */
	struct sdp_media *sdpm;   /* (weak, owned by sdp)              */
	struct media_cfg cfg;     /* last successful negotiation       */
	struct sa sig_ip;         /* where its SIP comes from (IP)     */
	struct media_leg *peer;   /* bridged leg (weak, symmetric)     */
	enum media_crypto crypto; /* SRTP policy of this leg           */
	bool secure;              /* SRTP negotiated both ways         */
	bool srtp_new;            /* srtp_rx/tx replace the media's    */
	struct srtp *srtp_tx;     /* new contexts until handed over (owned) */
	struct srtp *srtp_rx;
	unsigned suite;              /* negotiated suite (sdes.c table)    */
	unsigned ltag;               /* its a=crypto tag, 0 before         */
	uint8_t lkey[MEDIA_KEY_MAX]; /* our SRTP master key + salt      */
	uint8_t rkey[MEDIA_KEY_MAX]; /* far end's                       */
	uint64_t id;                 /* names the leg in digit events   */
	struct le le_id;             /* in the legs by id (leg.c)       */
	media_digit_h *digith;       /* key presses (dtmf.c), or NULL   */
	void *digit_arg;
	bool inband;         /* in-band detection asked for     */
	bool webrtc;         /* a browser's leg (webrtc.c)      */
	media_webrtc_h *wrh; /* its transport events, or NULL */
	void *wr_arg;
};

/* What fed the last packet we sent; TX_NONE: the next packet starts a
 * new talkspurt (marker bit, sequence and timestamp rebased). */
enum media_tx_src { TX_NONE = 0, TX_RELAY, TX_PLAYER };

/* The media thread's half of a leg (relay.c). */
struct media_stream {
	int fd;      /* RTP socket (owned)               */
	int fd_rtcp; /* RTCP socket (owned)              */
	bool polled; /* fds are in the media thread's loop */
	uint16_t port;
	struct media_cfg cfg;
	struct sa raddr; /* where we send RTP (latched)      */
	struct sa raddr_rtcp;
	struct sa sig_ip;
	bool latched;              /* raddr learnt from received RTP   */
	uint32_t ssrc_rx;          /* SSRC of the latched stream       */
	struct srtp *srtp_tx;      /* (owned), NULL for plain RTP      */
	struct srtp *srtp_rx;      /* (owned)                          */
	struct media_stream *peer; /* bridged (weak, symmetric)        */
	struct mplayer *player;    /* playing into this leg (weak)     */
	struct mrec *rec;          /* recording this leg (weak)        */
	/* what we send: one RTP stream, whoever feeds it (relay.c, "one
	 * stream per outgoing leg") */
	uint32_t ssrc;                /* ours, for the leg's whole life   */
	uint16_t seq;                 /* of the newest packet sent        */
	uint32_t ts;                  /* its timestamp                    */
	uint64_t tx_at;               /* [ms, jiffies] when, 0 never      */
	enum media_tx_src tx_src;     /* who fed the last packet          */
	uint32_t src_ssrc;            /* TX_RELAY: the peer's stream ...  */
	uint16_t seq_off;             /* ... and what we add to its seq   */
	uint32_t ts_off;              /* ... and to its timestamps        */
	uint64_t leg_id;              /* its leg's id, for digit events   */
	struct media_dtmf dtmf;       /* telephone-events received        */
	bool inband_on;               /* detect tones in the audio        */
	struct media_inband inband;   /* their state (inband.c)         */
	char dig_last;                /* key reported last, and ...       */
	enum media_digit_src dig_src; /* ... how it was heard ...     */
	uint64_t dig_at;              /* ... when [ms, jiffies]           */
	/* what we receive: the highest sequence number of the stream
	 * ssrc_seq, for the loss count (relay.c, rx_seq()) */
	bool rx_seq_set;
	uint16_t rx_seq;
	uint32_t rx_seq_ssrc;
	/* written by the media thread, read by the SIP thread */
	media_ctr last_rx;       /* [ms, jiffies] last RTP received  */
	media_ctr rx, tx;        /* packets                          */
	media_ctr hijack;        /* packets refused from strangers   */
	struct media_webrtc *wr; /* a browser's leg: ICE/DTLS (owned) */
};

/* ---- thread.c: the queues between the threads ------------------------- */

enum media_cmd_type {
	CMD_ADD,      /* ms: start polling its sockets              */
	CMD_CFG,      /* ms: new negotiation (cfg, srtp, relatch)   */
	CMD_SIG,      /* ms: new signalling address (sig)           */
	CMD_BRIDGE,   /* ms <-> ms2                                 */
	CMD_UNBRIDGE, /* ms                                         */
	CMD_DEL,      /* ms: stop, close, free                      */
	CMD_PLAY,     /* pl: start on pl's stream                   */
	CMD_STOP,     /* pl: stop; answered with EV_GONE            */
	CMD_REC,      /* rec: start recording rec's stream          */
	CMD_REC_STOP, /* rec: stop; answered with EV_REC_GONE       */
	CMD_INBAND,   /* ms: in-band key detection on or off (on)   */
	CMD_SYNC,     /* wake the waiting media_sync()              */
	CMD_QUIT,     /* leave the media loop                       */
};

struct media_cmd {
	struct le le;
	enum media_cmd_type type;
	struct media_stream *ms, *ms2; /* (weak)                          */
	struct mplayer *pl;            /* (weak)                          */
	struct mrec *rec;              /* (weak)                          */
	struct media_cfg cfg;
	struct sa sig;
	bool srtp_new;                  /* take srtp_rx/tx (NULL = plain)  */
	struct srtp *srtp_rx, *srtp_tx; /* (owned by the command)          */
	void *sync;                     /* CMD_SYNC: the waiter (weak)      */
	bool on;                        /* CMD_INBAND                       */
};

enum media_ev_type {
	EV_DONE,     /* pl reached its end (not looping)           */
	EV_GONE,     /* pl is out of the media thread: free it     */
	EV_DIGIT,    /* a key press on the leg with id leg         */
	EV_REC_END,  /* rec ended by itself (why: max, silence)    */
	EV_REC_GONE, /* rec is out of the media thread: free it    */
	EV_WEBRTC,   /* leg's browser transport: why (media.h)     */
};

struct media_ev {
	struct le le;
	enum media_ev_type type;
	struct mplayer *pl; /* (weak) */
	uint64_t leg;       /* EV_DIGIT: media_leg id; the leg may be gone */
	char digit;         /* EV_DIGIT: '0'-'9', '*', '#', 'A'-'D'        */
	struct mrec *rec;   /* EV_REC_*: (weak) */
	int why;            /* EV_REC_END: enum media_rec_end             */
};

int media_cmd_alloc(struct media_cmd **cmdp, enum media_cmd_type type,
		    struct media_stream *ms);
/* hand cmd to the media thread (it owns cmd from now on) */
void media_cmd_push(struct media_cmd *cmd);
/* from the media thread only: hand ev to the SIP thread; ENOMEM */
int media_ev_push(enum media_ev_type type, struct mplayer *pl);
int media_ev_push_digit(uint64_t leg, char digit);
int media_ev_push_rec(enum media_ev_type type, struct mrec *rec, int why);
int media_ev_push_webrtc(uint64_t leg, enum media_webrtc_ev why);
int media_thread_start(void);
void media_thread_stop(void);

/* ---- relay.c: media thread ------------------------------------------- */

/* SIP thread: bind an RTP/RTCP pair and make the stream (not yet polled) */
int media_stream_alloc(struct media_stream **msp, const struct sa *ip,
		       uint16_t pmin, uint16_t pmax);
void media_stream_cmd(struct media_cmd *cmd);
int media_stream_send_pcm(struct media_stream *ms, const int16_t *pcm, size_t n,
			  bool marker, uint64_t now, struct mbuf *mb);
int media_relay_init(void);   /* media thread, at start */
void media_relay_close(void); /* media thread, at exit */
extern uint8_t media_u2a[256], media_a2u[256];
/* media thread: one received RTP packet of ms from src (the relay) */
void media_rtp_recv(struct media_stream *ms, const struct sa *src,
		    struct mbuf *mb);

/* ---- webrtc.c: a browser's leg (ICE-lite, DTLS-SRTP, rtcp-mux) ------- */

/* The ICE credentials and checks of a WebRTC stream (media thread after
 * the hand-over).  Up to MEDIA_WR_CHECKED addresses that passed a STUN
 * check with our MESSAGE-INTEGRITY are remembered: DTLS is accepted only
 * from one of them. */
enum { MEDIA_WR_CHECKED = 4, MEDIA_UFRAG_SZ = 9, MEDIA_PWD_SZ = 25 };
struct media_webrtc {
	struct media_stream *ms; /* (weak) its stream                  */
	struct udp_sock *us;     /* the one socket: STUN, DTLS, SRTP (owned) */
	struct udp_helper *uh;   /* STUN (owned)                       */
	struct dtls_sock *ds;    /* DTLS (owned)                       */
	struct tls_conn *tc;     /* the browser's DTLS session (owned) */
	struct tmr tmr;          /* consent freshness                  */
	struct tmr tmr_drop;     /* a refused DTLS session goes        */
	char ufrag[MEDIA_UFRAG_SZ];
	char pwd[MEDIA_PWD_SZ];
	uint8_t rfp[MEDIA_FP_LEN];
	bool rfp_set;
	struct sa checked[MEDIA_WR_CHECKED];
	unsigned checkedc;
	uint64_t stun_at; /* [ms, jiffies] last check answered */
	uint64_t cfg_at;  /* [ms, jiffies] the browser's offer was taken */
	bool up;          /* DTLS done, fingerprint matched, keys set */
	bool gone;        /* refused or consent lost: nothing more */
	/* counters, media thread writes */
	media_ctr stun_ok, stun_bad, dtls_refused;
};

/* SIP thread: bind the WebRTC socket (a libre udp_sock, detached from
 * the SIP thread's loop) and make the stream */
int media_stream_alloc_webrtc(struct media_stream **msp, const struct sa *ip,
			      uint16_t pmin, uint16_t pmax);
/* media thread: CMD_ADD of a WebRTC stream (poll, STUN, DTLS) */
int media_webrtc_add(struct media_stream *ms);
/* media thread: CMD_CFG: take the browser's fingerprint */
void media_webrtc_cfg(struct media_stream *ms, const struct media_cfg *cfg);
/* SIP thread: EV_WEBRTC arrived */
void media_webrtc_ev(const struct media_ev *ev);
/* SIP thread: the DTLS context's certificate fingerprint, made once
 * (tls_set_selfsigned_rsa 2048); ENOMEM etc. */
int media_webrtc_fingerprint(uint8_t fp[MEDIA_FP_LEN]);
void media_webrtc_close(void);

/* Pure helpers (any thread; unit-tested):
 * "sha-256 AB:CD:..." (an a=fingerprint value) into fp: 0, EINVAL for
 * another hash or a malformed value. */
int media_webrtc_fp_parse(const char *s, uint8_t fp[MEDIA_FP_LEN]);
/*
 * A STUN datagram mb for our ufrag/pwd: 0 and *msgp (owned by the
 * caller) for a Binding request whose USERNAME is "<ufrag>:..." and whose
 * MESSAGE-INTEGRITY (our pwd) and FINGERPRINT are right; EBADMSG not
 * STUN or not a request, EACCES wrong USERNAME or integrity.
 */
int media_webrtc_stun_check(const char *ufrag, const char *pwd, struct mbuf *mb,
			    struct stun_msg **msgp);
/* May a DTLS handshake from src begin: did src pass a check? */
bool media_webrtc_dtls_allowed(const struct media_webrtc *wr,
			       const struct sa *src);
/* The browser's certificate fingerprint (peer) is the offer's (rfp):
 * false if no fingerprint was offered. */
bool media_webrtc_fp_ok(const struct media_webrtc *wr,
			const uint8_t peer[MEDIA_FP_LEN]);

/* ---- player.c -------------------------------------------------------- */

void media_player_cmd(struct media_cmd *cmd); /* media thread */
void media_player_ev(struct media_ev *ev);    /* SIP thread   */
void media_player_detach(struct mplayer *pl); /* media thread */
int media_clock_init(void);                   /* media thread */
void media_clock_close(void);                 /* media thread */
void media_players_release(void); /* SIP thread, media thread gone */
void media_prompt_cache_flush(void);

/* ---- recorder.c ------------------------------------------------------ */

void media_rec_cmd(struct media_cmd *cmd); /* media thread */
void media_rec_ev(struct media_ev *ev);    /* SIP thread   */
/* media thread: an accepted audio packet (kind PT_ULAW/PT_ALAW) of p,
 * len bytes, received at now on ms, which has a recorder */
void media_rec_rtp(struct media_stream *ms, uint8_t kind, const uint8_t *p,
		   size_t len, uint64_t now);
void media_rec_detach(struct mrec *r); /* media thread: stream goes */
void media_recs_release(void);         /* SIP thread, media thread gone */

/* ---- dtmf.c ---------------------------------------------------------- */

/*
 * One RTP packet p of len bytes (version 2, at least a header) into the
 * receive state d: returns the digit when it is the first packet of a
 * new key press, 0 otherwise (a repeat or end of the event heard, a late
 * packet, an event above 15, a payload type that rxmap does not name
 * PT_TEV, too short).  Pure: any thread, no allocation.
 */
char media_dtmf_recv(struct media_dtmf *d, const uint8_t rxmap[128],
		     const uint8_t *p, size_t len);
/* media thread: a telephone-event packet of ms received at now; a new
 * key press goes to the SIP thread as EV_DIGIT */
void media_dtmf_rtp(struct media_stream *ms, const uint8_t *p, size_t len,
		    uint64_t now);
/* media thread: a key press of ms heard at now by src: EV_DIGIT, unless
 * it is the same press heard the other way (see dtmf.c) */
void media_digit_report(struct media_stream *ms, char digit,
			enum media_digit_src src, uint64_t now);
/* The payload of an RTP packet p of len bytes (a header at least): its
 * offset and length *np; 0 and *np 0 if there is none. */
size_t media_rtp_payload(const uint8_t *p, size_t len, size_t *np);
/* SIP thread: EV_DIGIT arrived; the leg's handler, if it still exists */
void media_dtmf_ev(const struct media_ev *ev);

/* ---- inband.c --------------------------------------------------------- */

/* n samples of a stream's decoded audio (any count; blocks are cut
 * inside) into d: the key when they confirm a new press, else 0.  Pure:
 * any thread, no allocation. */
char media_inband_feed(struct media_inband *d, const int16_t *pcm, size_t n);
/* media thread: an accepted audio packet (kind PT_ULAW/PT_ALAW) of ms,
 * which detects in-band tones, received at now */
void media_inband_rtp(struct media_stream *ms, uint8_t kind, const uint8_t *p,
		      size_t len, uint64_t now);

/* leg.c, SIP thread: the live leg with this id, or NULL */
struct media_leg *media_leg_find(uint64_t id);

/* ---- sdes.c: SIP thread ---------------------------------------------- */

/* our a=crypto lines for an offer (none for MEDIA_PLAIN) */
int media_sdes_init(struct media_leg *leg);
/* after sdp_decode: pick keys from the far end's a=crypto, make new SRTP
 * contexts (srtp_new) when the keys changed, and our answer line.
 * ENOTSUP when SRTP is required (by our policy or an RTP/SAVP offer) and
 * no usable key was given. */
int media_sdes_negotiate(struct media_leg *leg, bool offer);

/* ---- node-wide counters ---------------------------------------------- */

struct media_counters {
	media_ctr legs, players, dtmf;          /* SIP thread writes   */
	media_ctr prompt_loads, prompt_hits;    /* SIP thread writes   */
	media_ctr rx, relayed, played, refused; /* media thread writes */
	media_ctr lost;                         /* media thread writes */
};
extern struct media_counters media_count;

#endif
