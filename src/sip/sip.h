/*
 * sip.h - the SIP side of Switchboard: transports, registrar, digest
 * authentication (and its guard against password guessing), trunks, and
 * SIP sessions: one per call leg, with offer/answer against a media leg
 * and callbacks, but no decisions.  Who calls whom is call/'s business:
 * sipsrv hands every new INVITE, its caller identified, to the incoming
 * handler set with sipsrv_set_callh(); sip/ never includes call/.
 */
#ifndef SWITCHBOARD_SIP_H
#define SWITCHBOARD_SIP_H

#include <stdbool.h>
#include <stdint.h>
#include "media/media.h"
#include "store/store.h" /* enum store_srtp */

struct config;
struct store;
struct store_device;
struct store_trunk;
struct sipsrv;
struct sip_msg;
struct sip_sess;

/* Start listening on cfg->sip_listen (UDP and TCP).  *srvp, if not NULL,
 * is set to the server (a weak pointer, valid until sipsrv_close()). */
int sipsrv_init(const struct config *cfg, struct store *st,
		struct sipsrv **srvp);
/* Hang up every call (the close handler of sipsrv_set_callh), unregister
 * our trunks from their carriers (phones stay registered), then call
 * doneh when pending transactions have finished (or after a few
 * seconds). */
void sipsrv_shutdown(void (*doneh)(void));
/* Live calls on this node (the count handler of sipsrv_set_callh). */
unsigned sipsrv_calls_active(void);

/* SIP requests our listener received since start, by method (the common
 * methods, then "other"), for GET /metrics: up to n into v, returns how
 * many (SIP_REQUEST_METHODS at most). */
enum { SIP_REQUEST_METHODS = 15 };
struct sip_request_count {
	const char *method;
	uint64_t n;
};
size_t sipsrv_request_counts(struct sip_request_count *v, size_t n);

/* ---- TLS trunks: the carrier's certificate (trunktls.c) ------------- */

/* A SHA-256 fingerprint as tools print it (64 hex digits, or 32 pairs
 * with colons; any case) into out (>= 96 bytes) as "AB:CD:...": 0 or
 * EINVAL. */
int sip_tls_fingerprint_norm(char *out, size_t sz, const char *in);
/* Is path (absolute) a PEM file with at least one certificate?  0,
 * EINVAL (not absolute), ENOENT (unreadable or no certificate), ENOMEM. */
int sip_tls_ca_check(const char *path);
/* SIP responses on the wire since start (sent and received, every
 * transport, retransmissions too), by the method of their CSeq (as
 * above) and class (1 for 1xx .. 6): h once for each count that is not
 * 0, until it returns an error (returned). */
typedef int(sip_response_count_h)(bool sent, const char *method, unsigned cls,
				  uint64_t n, void *arg);
int sipsrv_response_counts(sip_response_count_h *h, void *arg);

/* SIP connections open now, by transport: those that sent us at least one
 * request (phones', carriers'), and the TLS connections we opened (to a
 * TLS trunk) once their handshake finished; TCP connections we opened
 * that never carried a request to us are not seen. */
void sipsrv_conn_counts(unsigned *tcp, unsigned *tls);

/* ---- calls: the incoming-call handler ------------------------------- */

/* Who sent an INVITE: a carrier's trunk by its source address, or a
 * device that authenticated (exactly one is set). */
struct sip_caller {
	const struct store_trunk *trunk;
	const struct store_device *device;
	char desc[96]; /* "trunk:1", "device:1001" */
};

/* A new INVITE (out of dialog, screened, caller known).  The handler
 * must answer it: sip_sess_accept() or sipsrv_reply(), before it
 * returns. */
typedef void(sipsrv_incoming_h)(struct sipsrv *srv, const struct sip_msg *msg,
				const struct sip_caller *caller, void *arg);
typedef void(sipsrv_close_h)(void *arg);
typedef unsigned(sipsrv_count_h)(void *arg);

struct sipsrv_callh {
	sipsrv_incoming_h *incomingh; /* NULL: INVITEs get 503       */
	sipsrv_close_h *closeh;       /* shutdown: hang up all calls */
	sipsrv_count_h *counth;       /* live calls                  */
};

/* Set (h != NULL) or clear the call handlers; h is not copied. */
void sipsrv_set_callh(struct sipsrv *srv, const struct sipsrv_callh *h,
		      void *arg);
/* Answer msg with scode/reason outside a session. */
void sipsrv_reply(struct sipsrv *srv, const struct sip_msg *msg, uint16_t scode,
		  const char *reason);
/* SRTP policy of a leg (sip/dial.c): dev_srtp is a device's setting
 * (off, optional, required; STORE_SRTP_AUTO: by transport). */
enum media_crypto sipsrv_crypto(const struct sipsrv *srv, bool tls,
				enum store_srtp dev_srtp);

/* ---- calls: one SIP session per leg (sip/sess.c) --------------------- */

/* What a session reports; every handler may be NULL but closeh.  A
 * handler may free the session (not in mediah). */
struct sip_sess_h {
	/* a provisional answer to our INVITE (msg->scode, its SDP) */
	void (*progressh)(const struct sip_msg *msg, void *arg);
	/* answered (our INVITE) or acknowledged (theirs) */
	void (*estabh)(void *arg);
	/* ended by the far end: err (ECONNRESET for BYE or CANCEL,
	 * ETIMEDOUT), or msg with a final answer >= 300 to our INVITE */
	void (*closeh)(int err, const struct sip_msg *msg, void *arg);
	/* a new offer or answer was taken into the media leg */
	void (*mediah)(void *arg);
	/* INFO with a DTMF digit (answered 200 already) */
	void (*digith)(char digit, void *arg);
	/* REFER in the dialog; the handler answers it before it returns:
	 * sip_refer_accept() or sipsrv_reply().  NULL: libre answers 501. */
	void (*referh)(const struct sip_msg *msg, void *arg);
};

/* Where an INVITE of ours goes (sip/dial.c builds them). */
enum {
	SIP_ROUTE_LEN = 256, /* one Route URI                      */
	SIP_ROUTE_MAX = 4,   /* Route entries of a request we send */
};

struct sip_dial {
	char uri[256]; /* Request-URI                            */
	/* the route set to reach it (libre adds ";lr"): a stored Path, or
	 * where the phone registered from; routec 0: none */
	char routev[SIP_ROUTE_MAX][SIP_ROUTE_LEN];
	uint32_t routec;
	char from_uri[160]; /* our From                               */
	char from_name[128];
	char extra[1024];         /* more header lines (CRLF each), or ""   */
	char desc[96];            /* "device:1001", "trunk:1"               */
	enum media_crypto crypto; /* SRTP policy of the leg        */
	const struct store_trunk *auth; /* answer 401/407 with its
					   credentials, or NULL      */
};

typedef int(sip_dial_h)(const struct sip_dial *d, void *arg);

/* Call h with one sip_dial per reachable registered device of the
 * employee, presenting caller ID cid and name cname, with the values of
 * the call varv[0..varc) as X-Switchboard-Collected header lines (see
 * sip_dial_collected).  0 (h may have been called zero times), or the
 * error of the store or h. */
int sip_dial_employee(struct sipsrv *srv, int64_t employee_id, const char *cid,
		      const char *cname, const struct store_call_var *varv,
		      size_t varc, sip_dial_h *h, void *arg);
/* The same for the registrations of one device. */
int sip_dial_device(struct sipsrv *srv, int64_t device_id, const char *cid,
		    const char *cname, const struct store_call_var *varv,
		    size_t varc, sip_dial_h *h, void *arg);
/*
 * The header lines that carry a call's values to a phone, one per value:
 *   X-Switchboard-Collected: Kundennummer=12345
 * name and value percent-encoded as in RFC 3986 (all but A-Z a-z 0-9 - .
 * _ ~ as %XX, so "Rückruf" is "R%C3%BCckruf", '#' "%23", '*'
 * "%2A"), each line ended by CRLF; "" for none.  ENOSPC if sz is too
 * small (buf is "" then).
 */
int sip_dial_collected(char *buf, size_t sz, const struct store_call_var *varv,
		       size_t varc);
/* Fill d for one SIP URI (plain RTP unless it says transport=tls). */
void sip_dial_contact(struct sipsrv *srv, const char *uri, const char *cid,
		      const char *cname, struct sip_dial *d);
/* Fill d for number out through trunk t, presenting cid. */
void sip_dial_trunk(struct sipsrv *srv, const struct store_trunk *t,
		    const char *number, const char *cid, struct sip_dial *d);

/*
 * Take an INVITE: scode 180 (no body) or 200 with our SDP from media (an
 * offer when the INVITE had none).  media is weak: free the session
 * before it.  desc names the leg in logs.
 */
int sip_sess_accept(struct sip_sess **sessp, struct sipsrv *srv,
		    const struct sip_msg *msg, struct media_leg *media,
		    uint16_t scode, const char *reason, const char *desc,
		    const struct sip_sess_h *h, void *arg);
/* Send an INVITE with our offer from media to d. */
int sip_sess_connect(struct sip_sess **sessp, struct sipsrv *srv,
		     const struct sip_dial *d, struct media_leg *media,
		     const struct sip_sess_h *h, void *arg);
/* 200 to an accepted INVITE, our SDP an offer if offer. */
int sip_sess_answer(struct sip_sess *sess, bool offer);
/* 183 with our SDP answer (early media). */
int sip_sess_progress(struct sip_sess *sess);
/* A final answer to an accepted INVITE not answered yet. */
int sip_sess_reject(struct sip_sess *sess, uint16_t scode, const char *reason);
/* An outgoing session that ended with an error and no response: was it
 * because a TLS trunk's carrier showed a certificate we refused?  why (if
 * not NULL) gets the reason that was logged. */
bool sip_sess_tls_refused(const struct sip_sess *sess, char *why, size_t sz);
/* Take the SDP of msg (offer or answer) into media, noting where the
 * far end's signalling comes from (symmetric RTP behind NAT, media.h).
 * 0, EPROTO (no SDP), ENOTSUP (nothing in common). */
int sip_sdp_decode(struct media_leg *media, const struct sip_msg *msg,
		   bool offer);
/* Send digit on sess as INFO application/dtmf-relay ("Signal=5",
 * "Duration=250"): the one body every phone that takes INFO reads,
 * whichever of the two forms the digit came in. */
int sip_sess_info(struct sip_sess *sess, char digit);

/* ---- transfer: REFER and its NOTIFYs (sip/refer.c) ------------------- */

/* A Replaces (RFC 3891, sip/replaces.c): the dialog an attended transfer
 * means, tags as we see them (to-tag ours, from-tag the far end's). */
struct sip_replaces {
	char call_id[128];
	char to_tag[64];
	char from_tag[64];
	bool early_only; /* ";early-only": a confirmed dialog is 486 */
};

/* ---- forwarded calls (diversion.c) ------------------------------------ */

enum { SIP_DIVERT_LEN = 32, SIP_DIVERT_MAX = 8 };

/* The numbers msg was forwarded from, as received (the user of a sip URI,
 * the number of a tel URI): each Diversion entry, most recent first, then
 * each History-Info entry in its order.  At most max; returns how many. */
size_t sip_diverted_from(const struct sip_msg *msg,
			 char (*numv)[SIP_DIVERT_LEN], size_t max);

/* Read a Replaces value ("callid;to-tag=a;from-tag=b"): 0 or EBADMSG
 * (no Call-ID, a tag missing or empty, too long). */
int sip_replaces_decode(const struct pl *val, struct sip_replaces *r);
/* The Replaces header of an INVITE: *present says if there was one; 0,
 * or EBADMSG for a bad one or more than one (RFC 3891: 400). */
int sip_replaces_from_msg(const struct sip_msg *msg, struct sip_replaces *r,
			  bool *present);
/* The Replaces among a URI's headers ("?Replaces=..", escaped). */
int sip_replaces_from_uri(const struct pl *headers, struct sip_replaces *r,
			  bool *present);
/* Is sess's dialog (confirmed: both tags known) the one r names? */
bool sip_sess_dialog_is(const struct sip_sess *sess,
			const struct sip_replaces *r);

/* The Refer-To of a REFER, read. */
struct sip_refer_to {
	char uri[256];            /* the header's value as sent          */
	char user[64];            /* the URI's user part, or ""          */
	bool present;             /* a Refer-To header was there         */
	bool bad;                 /* ... but it does not parse as a URI  */
	bool sip;                 /* scheme sip: or sips:                */
	bool replaces;            /* Replaces in the URI's headers       */
	bool replaces_bad;        /* ... but it does not parse */
	struct sip_replaces rdlg; /* ... the dialog it names   */
};

/* Read msg's Refer-To into rt: 0 (rt says what was found), EINVAL. */
int sip_refer_decode(const struct sip_msg *msg, struct sip_refer_to *rt);

/* An accepted REFER: the subscription its NOTIFYs go in. */
struct sip_refer;
/* Answer the REFER msg of sess 202 Accepted; *rp is the subscription
 * (a mem object; free it after the last notify).  Call only from the
 * session's referh. */
int sip_refer_accept(struct sip_refer **rp, struct sip_sess *sess,
		     const struct sip_msg *msg);
/* NOTIFY "SIP/2.0 scode reason" (message/sipfrag); scode >= 200 is the
 * last one (Subscription-State: terminated).  ENOTCONN if the
 * subscription has ended (the last one was sent, or it expired). */
int sip_refer_notify(struct sip_refer *r, uint16_t scode, const char *reason);

/* Free everything (after re_main returned). */
void sipsrv_close(void);

/* ---- password-guessing guard (sip/guard.c) ------------------------- */

/* A block in force: requests it covers get 403 unchecked until
 * blocked_until.  A username is throttled instead (guard.c): refused
 * within a window that doubles with each further failure, listed while
 * the throttle lasts (blocked_until may then be past: requests are
 * checked again). */
struct sip_auth_block {
	const char *kind;         /* "source", "user" or "pair"            */
	const char *key;          /* IP, username or "ip:port/username"     */
	uint32_t failures;        /* failed authentications that started it
				     (a user: all since its throttle began) */
	uint32_t refused;         /* requests refused by it since           */
	uint64_t blocked_until;   /* [ms] UTC, end of the (current) window  */
	uint32_t delay;           /* [s] length of that window              */
	uint64_t throttled_until; /* [ms] UTC, user: end of the throttle
				     unless another failure; 0 others      */
};

/* Return non-zero to stop the walk; that value is returned. */
typedef int(sip_auth_block_h)(const struct sip_auth_block *b, void *arg);

/* Call h for every block in force now (b is valid during the call only).
 * 0, the error of h, or ENOENT if SIP is not running. */
int sipsrv_auth_blocks(sip_auth_block_h *h, void *arg);
/* Lift the blocks whose key is key (an IP, a username or "ip:port/user";
 * every kind with that key); their counters start again from zero.
 * 0, ENOENT if there is no such block, EINVAL if key is NULL. */
int sipsrv_auth_unblock(const char *key);

/* ---- trunks that register to their carrier (sip/trunkreg.c) --------- */

enum sip_trunkreg_state {
	TRUNKREG_UNREGISTERED = 0, /* not running (SIP stopped, starting)  */
	TRUNKREG_REGISTERING,      /* REGISTER under way, no binding yet    */
	TRUNKREG_REGISTERED,       /* bound at the carrier until expires_at */
	TRUNKREG_FAILED,           /* last attempt failed; again retry_at   */
};

struct sip_trunkreg_status {
	enum sip_trunkreg_state state;
	uint16_t code;       /* last final SIP status; 0 = none or no answer */
	char reason[64];     /* its reason phrase, or what went wrong      */
	uint64_t expires_at; /* [ms] UTC binding valid until; 0 = none     */
	uint64_t retry_at;   /* [ms] UTC next attempt after a failure; 0    */
	uint32_t failures;   /* failed attempts in a row                   */
};

/* "unregistered", "registering", "registered", "failed". */
const char *sipsrv_trunkreg_state_name(enum sip_trunkreg_state state);
/* The state of name; EINVAL (and *statep unchanged) for an unknown one. */
int sipsrv_trunkreg_state_parse(const char *name,
				enum sip_trunkreg_state *statep);
/* Re-read the trunks from the store after one was created, changed or
 * deleted: start, restart (new settings) or stop (unregister) their
 * registrations.  Does nothing while SIP is not running. */
void sipsrv_trunkreg_reload(void);
/* Registration state of trunk id.  ENOENT if it keeps no registration
 * (not a registering trunk, or SIP is not running). */
int sipsrv_trunkreg_status(int64_t trunk_id, struct sip_trunkreg_status *s);

#endif
