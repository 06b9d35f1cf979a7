/*
 * media.h - media anchored on this node.
 *
 * A media leg is one call leg's audio: its RTP/RTCP socket pair, its SDP
 * (offer/answer done with libre's sdp), the codec the far end speaks and
 * when it last sent us anything.  Two legs can be bridged: RTP is relayed
 * between them, PCMU <-> PCMA converted per packet when they differ,
 * RFC 4733 telephone-events passed with their payload type rewritten (and
 * reported as digits of the leg that sent them, dtmf.c).  A player sends
 * a WAV prompt into a leg, paced by one 20 ms media clock for all
 * players; while a player runs, the bridge does not forward into that
 * leg.  A recorder writes what the far end of a leg says into a WAV file
 * (recorder.c).  Whatever feeds a leg, its far end receives one RTP stream: the
 * leg's own SSRC, sequence numbers and timestamps that continue across
 * hold, music on hold and a new bridge, with the marker bit on the first
 * packet after each switch (relay.c).  Players, bridge and SIP see legs,
 * never sockets, so SRTP/ICE transports can come later behind this
 * header.
 *
 * Threads: every function here is called from the SIP thread (the main
 * loop).  The sockets, the relay, the players and their clock run in the
 * media thread (src/media/thread.c has the ownership and lock rules), so
 * RTP load never delays SIP.  Calls return at once: what they change
 * reaches the media thread through a queue, a moment later (except the
 * end of a recording, which waits for the disk: fsync).  Handlers
 * (media_player_done_h, media_digit_h, media_rec_h) run on the SIP
 * thread.
 */
#ifndef SWITCHBOARD_MEDIA_H
#define SWITCHBOARD_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mbuf;
struct sa;
struct media_leg;
struct media_player;
struct media_rec;

enum media_codec { CODEC_NONE = 0, CODEC_PCMU, CODEC_PCMA };

/*
 * SRTP (keys in SDP, SDES RFC 4568) policy of a leg.  Every leg answers
 * an offer that carries keys with SRTP; the policy says what we offer and
 * whether plain RTP is acceptable:
 *   MEDIA_PLAIN          offer RTP/AVP without keys
 *   MEDIA_SRTP_OPTIONAL  offer RTP/AVP with a=crypto; plain if not taken
 *   MEDIA_SRTP_REQUIRED  offer RTP/SAVP; refuse (488) anything without
 * Keys in SDP are only secret on an encrypted signalling path (TLS).
 */
enum media_crypto { MEDIA_PLAIN = 0, MEDIA_SRTP_OPTIONAL, MEDIA_SRTP_REQUIRED };

/* Global media settings and the media thread; call once before
 * allocating legs.  media_close() ends the thread: free every leg and
 * player before. */
int media_init(const char *media_ip, uint16_t port_min, uint16_t port_max);
void media_close(void);
/* Wait until the media thread has carried out everything asked of it so
 * far (for tests; blocks the caller). */
void media_sync(void);

/*
 * Bind an RTP/RTCP pair (even/odd ports) on the media address and prepare
 * the local SDP: prefer first, then the other G.711 law, telephone-event,
 * keys as the crypto policy says.
 * ENOMEM; EADDRINUSE when no port pair is free.
 */
int media_leg_alloc(struct media_leg **legp, enum media_codec prefer,
		    enum media_crypto crypto);

/*
 * Take the remote SDP (offer or answer).  Returns 0, EPROTO when the body
 * is no valid SDP, ENOTSUP when no common audio codec or no acceptable
 * SRTP keys (caller answers 488).
 */
int media_leg_decode(struct media_leg *leg, struct mbuf *sdp, bool offer);
/* Our SDP (offer, or answer to the last decoded offer).  *mbp is owned by
 * the caller. */
int media_leg_encode(struct media_leg *leg, struct mbuf **mbp, bool offer);

enum media_codec media_leg_codec(const struct media_leg *leg);
/* The leg's media is SRTP (keys negotiated both ways). */
bool media_leg_secure(const struct media_leg *leg);
/* Remote wants no audio from us (a=sendonly/inactive, or c=0.0.0.0):
 * the far end has put the call on hold. */
bool media_leg_remote_hold(const struct media_leg *leg);
/* Where the far end's SIP comes from: a phone behind NAT, whose SDP names
 * a private address, must send its RTP from the same IP (symmetric RTP,
 * leg.c).  NULL forgets it. */
void media_leg_set_sig_addr(struct media_leg *leg, const struct sa *sig);
/* The far end named an address and port to send audio to. */
bool media_leg_has_raddr(const struct media_leg *leg);
/* Milliseconds since the far end last sent RTP (since alloc if never);
 * read from the media thread's counters, as are the hijacks and stats. */
uint64_t media_leg_idle_ms(const struct media_leg *leg);
uint16_t media_leg_port(const struct media_leg *leg);
/* RTP packets refused because they came from a stranger's address. */
uint64_t media_leg_hijacks(const struct media_leg *leg);
/* Packets received / sent on this leg (for tests and statistics). */
void media_leg_stats(const struct media_leg *leg, uint64_t *rx, uint64_t *tx);

/*
 * A browser's leg (webrtc.c): WebRTC terminated here.  One UDP socket
 * from the RTP range carries everything (RFC 7983): ICE-lite (we answer
 * the browser's STUN checks, MESSAGE-INTEGRITY with our ice-pwd), DTLS
 * (we are the server, a=setup:passive; accepted only from an address
 * that passed a check; the browser's certificate must have the offer's
 * a=fingerprint) and SRTP/SRTCP with rtcp-mux, keys from DTLS.  G.711
 * only.  The browser offers (media_leg_decode(offer true)), our answer
 * (media_leg_encode) carries a=ice-lite, ice-ufrag/pwd, our fingerprint
 * and one host candidate.  Otherwise it is a leg like any other: bridge,
 * play, record, digits.  h (may be NULL) hears its transport events on
 * the SIP thread.  Consent freshness: when the browser's checks stop
 * for MEDIA_CONSENT_MS, nothing more is sent (RFC 7675) and h hears
 * MEDIA_WEBRTC_CONSENT_LOST.
 */
enum { MEDIA_CONSENT_MS = 30000 };
enum media_webrtc_ev {
	MEDIA_WEBRTC_UP = 0,       /* DTLS done, fingerprint matched: SRTP */
	MEDIA_WEBRTC_REFUSED,      /* certificate not the offer's: closed  */
	MEDIA_WEBRTC_CONSENT_LOST, /* no check for MEDIA_CONSENT_MS        */
	MEDIA_WEBRTC_CLOSED,       /* the browser closed DTLS              */
};
typedef void(media_webrtc_h)(enum media_webrtc_ev ev, void *arg);
int media_leg_alloc_webrtc(struct media_leg **legp, media_webrtc_h *h,
			   void *arg);
/* Consent time other than MEDIA_CONSENT_MS (0: that), for tests. */
void media_webrtc_set_consent_ms(uint32_t ms);
/* A WebRTC leg: STUN checks answered / refused, DTLS sessions refused
 * (no check from that address, or another certificate). */
void media_leg_webrtc_stats(const struct media_leg *leg, uint64_t *stun_ok,
			    uint64_t *stun_bad, uint64_t *dtls_refused);

/* Relay between a and b (both ways) until unbridged or freed. */
void media_bridge(struct media_leg *a, struct media_leg *b);
void media_unbridge(struct media_leg *leg);

/*
 * Digits the far end of a leg sends as RFC 4733 telephone-events (events
 * 0-15: "0123456789*#ABCD"; others are ignored): h is called once per key
 * press, on the SIP thread, a moment after the media thread saw its
 * first packet (dtmf.c).  The events are still relayed to a bridged leg
 * as before.  h may free the leg.  NULL h stops the reports.  Digits
 * that arrive after the leg was freed are dropped.
 */
typedef void(media_digit_h)(char digit, void *arg);
void media_leg_set_digith(struct media_leg *leg, media_digit_h *h, void *arg);
/* Also hear key presses sent as tones in the audio (on), or stop (off).
 * Costs some CPU per packet: on while an application waits for digits. */
void media_leg_set_inband(struct media_leg *leg, bool on);

typedef void(media_player_done_h)(void *arg);

/* ---- WAV files (wav.c) -------------------------------------------------
 * What a prompt may be: PCM 8 (unsigned), 16, 24 or 32 bit, IEEE float 32
 * or 64 bit, A-law or u-law (also as WAVE_FORMAT_EXTENSIBLE), 1 to 8
 * channels, 1 Hz to 384 kHz. */
struct media_wav {
	uint32_t srate;       /* [Hz]                                   */
	uint16_t channels;    /* 1 to 8                                 */
	uint16_t bits;        /* per sample: 8, 16, 24, 32, 64          */
	const char *format;   /* "pcm_u8", "pcm_s16", "pcm_s24", "pcm_s32",
				 "float32", "float64", "alaw", "ulaw"
				 (static), NULL if unsupported          */
	uint64_t frames;      /* samples per channel                    */
	uint32_t duration_ms; /* [ms] frames / srate, rounded down      */
};

/*
 * Read the WAV file in buf (len bytes) into *w, and with pcmp its samples
 * as 16-bit mono at the file's rate (channels averaged) into *pcmp
 * (mem_alloc'd, w->frames of them).  Errors, with why (may be NULL) the
 * reason in words:
 *   EBADMSG  not a WAV file ("not a WAV file (no RIFF/WAVE header)")
 *   ENOTSUP  a WAV format not in the list above
 *   EPROTO   truncated: the data chunk is longer than the file
 *   ENODATA  no samples
 *   ENOMEM, EINVAL
 * *w holds what was read so far even on an error.
 */
int media_wav_decode(const uint8_t *buf, size_t len, struct media_wav *w,
		     int16_t **pcmp, char *why, size_t wsz);

/*
 * Play a WAV file (what media_wav_decode() reads; converted to 8 kHz mono
 * once and cached) into leg, 20 ms per packet.  loop repeats it until the
 * player is freed; otherwise doneh is called once at the end (on the SIP
 * thread, after the media thread sent the last packet; it may free the
 * player and the leg), unless the player was freed before.  Freeing the
 * player (mem_deref) stops it.  ENOENT if the file cannot be read.
 */
int media_play(struct media_player **pp, struct media_leg *leg,
	       const char *path, bool loop, media_player_done_h *doneh,
	       void *arg);
/* Can path be played: cached, or a file media_wav_decode() reads (read
 * now, not cached).  0, ENOENT if there is no such file, or EBADMSG,
 * ENOTSUP, EPROTO, ENODATA for a file that is not a WAV file we play.
 * SIP thread. */
int media_prompt_check(const char *path);
/* Drop path's prompt from the cache (a deleted upload): its memory is
 * freed once no player plays it any more; the next media_play() of path
 * reads the file again.  SIP thread.  False if it was not cached. */
bool media_prompt_forget(const char *path);

/*
 * Recording what the far end of a leg says (recorder.c).
 *
 * The received PCMU/PCMA is decoded on the media thread; every 100 ms
 * the SIP thread appends it to the WAV file (8 kHz, mono, 16-bit).
 * Time that no audio covers is written as silence (zero samples), so the
 * file is as long as the time recorded:
 *   - lost packets: the RTP timestamp jumps, the jump is filled (a gap
 *     of N packets of 160 samples is N * 160 zeros);
 *   - a new SSRC, or a jump of more than 60 s: the wall-clock time
 *     since the last packet is filled;
 *   - RTP stops (no packet for 500 ms or more): the time up to the end,
 *     or up to max_ms / silence_ms, is filled when the recording ends.
 * Late and duplicate packets (timestamp before the one expected) are
 * dropped: their time was filled already.  Telephone-events are not
 * audio and not recorded.
 */
enum media_rec_end {
	MEDIA_REC_MAX = 0, /* max_ms recorded                          */
	MEDIA_REC_SILENCE, /* silence_ms of silence in a row           */
	MEDIA_REC_GONE,    /* the leg was freed                        */
	MEDIA_REC_ERROR,   /* writing failed, or samples were lost     */
};

struct media_rec_prm {
	uint32_t max_ms;     /* [ms] length at most (> 0); the file ends at
				exactly this length when reached        */
	uint32_t silence_ms; /* [ms] end after this much silence (every
				20 ms packet's RMS below 256, and filled
				gaps); 0 = off.  The silence is kept in
				the file, nothing is trimmed.           */
};

/* The recording ended by itself: err (0: the file is complete and on
 * disk, fsync'ed with its directory), its length [ms] and why. */
typedef void(media_rec_h)(int err, uint32_t ms, enum media_rec_end why,
			  void *arg);

/*
 * Record leg into a new WAV file at path (created or truncated now:
 * the errno of opening it is returned at once).  h is called at most
 * once, on the SIP thread, when the recording ends by itself; it may
 * free the recorder and the leg.  EINVAL for a bad argument or max_ms 0.
 * One recorder per leg: a second one on the same leg takes over the
 * stream, the first one gets no more audio.
 */
int media_rec_start(struct media_rec **rp, struct media_leg *leg,
		    const char *path, const struct media_rec_prm *prm,
		    media_rec_h *h, void *arg);
/*
 * End the recording now (h is not called): what was received so far is
 * written, the file closed and fsync'ed with its directory.  Returns the
 * error of writing or syncing (0: on disk) and the length in *msp [ms].
 * After the end (by itself or by stop) it only returns the same result
 * again.  Freeing the recorder (mem_deref) ends it the same way, without
 * a result.
 */
int media_rec_stop(struct media_rec *r, uint32_t *msp);

/* Node-wide media counters since start. */
struct media_stats {
	uint64_t legs;         /* media legs alive now          */
	uint64_t rx;           /* RTP packets received          */
	uint64_t relayed;      /* RTP packets relayed to a peer */
	uint64_t played;       /* RTP packets sent by players   */
	uint64_t players;      /* players running now           */
	uint64_t prompt_loads; /* prompts read from disk (cache misses) */
	uint64_t prompt_hits;  /* plays served from the prompt cache    */
	uint64_t refused;      /* RTP from strangers, not latched */
	uint64_t lost;         /* RTP packets missing from the sequence
				  numbers of received streams       */
	uint64_t dtmf;         /* RFC 4733 key presses reported */
};
void media_stats_get(struct media_stats *s);

/* ---- speech (speech.c, phrase.c) ----------------------------------------
 * Text spoken by libespeak-ng on a thread of its own into a WAV file of a
 * cache directory (8 kHz mono; named by language and text, so each text
 * is synthesised once); the file is then played like any prompt. */
struct media_speech;

/* Start the speech thread with its cache in cache_dir (created if
 * missing).  EALREADY if running. */
int media_speech_start(const char *cache_dir);
/* Stop it; requests not reported yet are dropped (no handler call). */
void media_speech_stop(void);

/* The speech of a request: err 0 and the WAV file's path, or an error
 * (ENOSYS: no synthesiser, ENODATA: nothing to say). */
typedef void(media_speech_h)(int err, const char *path, void *arg);
/* Speak text (UTF-8, < 1024 bytes) in lang ("de" or "en").  h is called
 * once on the SIP thread, later, also for a text already in the cache.
 * *rp (rp may be NULL) is the caller's reference: give it back with
 * media_speech_cancel() once h was called or to call it off.  EINVAL,
 * EMSGSIZE, ENOSYS (not started). */
int media_speech(struct media_speech **rp, const char *lang, const char *text,
		 media_speech_h *h, void *arg);
/* h of r is not called any more; r is released. */
void media_speech_cancel(struct media_speech *r);
/* The speech counters since start. */
struct media_speech_stats {
	uint64_t synthesised;  /* texts spoken                         */
	uint64_t hits;         /* requests answered from the cache     */
	uint64_t synth_us;     /* [us] spent synthesising, all texts   */
	uint64_t synth_us_max; /* [us] the longest synthesis          */
};
void media_speech_stats(struct media_speech_stats *s);

/* Sentences to speak, in lang "de" (default) or "en"; 0, EINVAL, ENOSPC.
 * "Sie sind an Position drei." / "You are number three in the queue." */
int media_phrase_position(char *buf, size_t sz, const char *lang, unsigned pos);
/* "Die voraussichtliche Wartezeit beträgt etwa zwei Minuten." */
int media_phrase_wait(char *buf, size_t sz, const char *lang, uint32_t seconds);
/* "null, zwei, zwei, eins." for "0221": 0-9, *, #, + read one by one. */
int media_phrase_digits(char *buf, size_t sz, const char *lang,
			const char *digits);

/* G.711 helpers, exposed for tests. */
uint8_t media_ulaw2alaw(uint8_t u);
uint8_t media_alaw2ulaw(uint8_t a);

#endif
