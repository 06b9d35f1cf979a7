/*
 * call_int.h - private to src/call (and its unit test): the call and
 * context objects, the backend table that hides SIP and media from the
 * call logic, and the application table.
 *
 * The backend is a table of functions on legs (struct call_backend);
 * call/sip_leg.c is the real one (sip/ sessions + media/ legs), the unit
 * test has a fake without sockets.  The backend reports what its legs
 * do through the call_leg_*() functions at the end of this file.
 */
#ifndef SWITCHBOARD_CALL_INT_H
#define SWITCHBOARD_CALL_INT_H

#include <re.h>
#include "call/call.h"
#include "route/route.h"
#include "store/store.h"

struct call_leg;

/* A dialog named by a Replaces (RFC 3891): the tags as we see them,
 * to_tag ours, from_tag the far end's. */
struct call_dialog {
	char call_id[128];
	char to_tag[64];
	char from_tag[64];
	bool early_only; /* only an early dialog may be replaced */
};

/* A running player: a mem object, freed to stop it. */
typedef void(call_player_done_h)(void *arg);

/* Speech synthesised: err 0 and the WAV file's path, or an error. */
typedef void(call_speech_done_h)(int err, const char *path, void *arg);

/* A recording ended by itself: max, silence or error (call/record.c). */
typedef void(call_record_done_h)(int err, uint32_t ms, enum call_record_end why,
				 void *arg);

/* One member dialled: what the backend needs to place the INVITEs. */
struct call_dial_req {
	const struct call_dest *dest;
	const char *cid;   /* caller ID to present  */
	const char *cname; /* display name, or ""   */
	/* the call's values for the callee (employees only, call.h) */
	const struct store_call_var *varv;
	size_t varc;
};

struct call_backend {
	/* Media for the caller's leg (an error: none, 503). */
	int (*a_media)(struct call_leg *a);
	/* Take the caller's offer, if the INVITE had one (ENOTSUP: no
	 * common codec or keys, 488; another error: bad SDP, 400). */
	int (*a_offer)(struct call_leg *a);
	/* 180 to the caller. */
	int (*a_ring)(struct call_leg *a);
	/* 200 with our SDP (an offer when the INVITE had none); with
	 * early, 183 with our answer instead. */
	int (*a_answer)(struct call_leg *a, bool early);
	/* A final answer to a caller not yet answered. */
	void (*a_reject)(struct call_leg *a, uint16_t scode,
			 const char *reason);
	/* Place the INVITEs of one member: one call_leg_add() each.
	 * ENOENT if none could be placed (nothing reachable). */
	int (*dial)(struct call *call, const struct call_dial_req *req);
	/* The same for the first leg of a call we place (call->a is
	 * NULL: no caller whose media or codec to follow). */
	int (*originate)(struct call *call, const struct call_dial_req *req);
	/* A leg's backend state is freed by mem_deref(leg->be): BYE,
	 * CANCEL or nothing, as its state says. */
	bool (*codec_ok)(const struct call_leg *leg);
	bool (*held)(const struct call_leg *leg); /* far end holds us */
	uint64_t (*idle_ms)(const struct call_leg *leg);
	void (*bridge)(struct call_leg *a, struct call_leg *b);
	void (*unbridge)(struct call_leg *leg);
	/* Play a file to leg (loop, or doneh once at the end); *pp is
	 * freed to stop.  ENOENT if the file cannot be read. */
	int (*play)(void **pp, struct call_leg *leg, const char *path,
		    bool loop, call_player_done_h *doneh, void *arg);
	/* Can the file at path be played (readable, a WAV the player
	 * takes)?  0 or an errno.  NULL: taken as playable. */
	int (*prompt_check)(const char *path);
	/* Speak text (UTF-8) in lang into a WAV file: doneh once, later,
	 * unless *sp is freed first (which calls it off).  ENOSYS: no
	 * synthesiser.  NULL: not available. */
	int (*speak)(void **sp, const char *lang, const char *text,
		     call_speech_done_h *doneh, void *arg);
	/* A speech file with personal data was played: dropped from the
	 * player's cache and deleted.  NULL: nothing is kept anyway. */
	void (*forget)(const char *path);
	/* Record what leg's far end says into the WAV file path; doneh
	 * once if it ends by itself (max_ms, silence_ms, error).  The
	 * error of creating the file (ENOENT...) is returned at once. */
	int (*record)(void **rp, struct call_leg *leg, const char *path,
		      uint32_t max_ms, uint32_t silence_ms,
		      call_record_done_h *doneh, void *arg);
	/* End it now (doneh is not called): written, closed, on disk.
	 * The error of writing or syncing, the length in *msp [ms].
	 * Then *rp is freed. */
	int (*record_stop)(void *r, uint32_t *msp);
	/* Also hear the keys leg's far end sends as tones in the audio
	 * (on), or stop (off); NULL: not available. */
	void (*keys_inband)(struct call_leg *leg, bool on);
	/* The REFER leg reported (call_leg_refer(), only while that
	 * runs): 202 and a subscription for its NOTIFYs; an error if
	 * not (answer it with refer_refuse then). */
	int (*refer_accept)(struct call_leg *leg);
	/* ... or a final answer to that REFER. */
	void (*refer_refuse)(struct call_leg *leg, uint16_t scode,
			     const char *reason);
	/* NOTIFY the accepted REFER's progress: "SIP/2.0 scode reason";
	 * scode >= 200 is the last one (subscription terminated). */
	void (*refer_notify)(struct call_leg *leg, uint16_t scode,
			     const char *reason);
	/* Is leg's dialog (confirmed: both tags known) the one d names
	 * (a Replaces, RFC 3891)? */
	bool (*dialog_is)(const struct call_leg *leg,
			  const struct call_dialog *d);
	/* Codec, SRTP and RTP packet counts of leg into v (live.c); NULL:
	 * not known (v keeps "" and zeros). */
	void (*view)(const struct call_leg *leg, struct call_leg_view *v);
};

/* How a key press reached us. */
enum call_digit_src {
	CALL_DIGIT_MEDIA = 0, /* RFC 4733 or a tone (media/ merged them) */
	CALL_DIGIT_INFO,      /* SIP INFO                                */
};
enum { CALL_DIGIT_TWICE_MS = 500 }; /* [ms] one press sent both ways */

struct call_leg {
	struct le le;        /* in call->forks while ringing         */
	struct call *call;   /* (weak)                                */
	void *be;            /* backend state (owned, mem object)     */
	struct tmr tmr;      /* this member's ring timeout            */
	size_t member;       /* index in the dial's members           */
	char desc[96];       /* "device:1001", "trunk:1"              */
	int64_t employee_id; /* whose device it reaches, 0: none    */
	bool established;
	/* the last key reported (call_leg_digit_from) */
	char dig_last;
	enum call_digit_src dig_src;
	uint64_t dig_at; /* [ms] tmr_jiffies() */
	/* a leg through a trunk (dial.c: failover, trunk_state.c) */
	int64_t trunk_id;     /* its trunk, 0: not a trunk's leg    */
	bool setup_wait;      /* tmr is its setup timeout: no 18x yet */
	uint64_t ring_end;    /* [ms] tmr_jiffies() its ring timeout ends */
	uint32_t retry_after; /* [s] of its 503/408 (backend), 0: none */
};

/* An application: what a route target of one kind starts. */
struct call_app {
	enum route_kind kind;
	const char *name; /* for logs and the record */
	/* Take over call: 0 when it owns the call's fate (it may have
	 * ended it: do not touch call then); an error if it did nothing
	 * that ended the call (the caller hangs up with 500). */
	int (*start)(struct call *call, const struct route_target *t);
};

/* call/apps.c: the built-in table */
extern const struct call_app call_apps[];
extern const size_t call_apps_count;

struct call_ctx {
	const struct config *cfg; /* (weak)                          */
	struct store *st;         /* (weak)                          */
	const struct call_backend *be;
	void *be_arg;                /* backend's context (weak)     */
	const struct call_app *apps; /* table of {kind, start}       */
	size_t appc;
	struct list calls;                    /* struct call, live            */
	struct list subs;                     /* event subscribers            */
	struct tmr tmr_rtp;                   /* RTP timeout sweep            */
	void (*detach)(struct call_ctx *ctx); /* at free: unhook backend */
	bool closing;
	struct list phones; /* struct call_phone, connected (phone.c) */
	struct list trunks; /* struct call_trunk_entry (trunk_state.c) */
};

struct call_dial;    /* call/dial.c   */
struct call_play;    /* call/prompt.c */
struct call_collect; /* call/prompt.c */
struct call_record;  /* call/record.c */

/* The last consultation of a call that was declined (consult.c): the
 * agent may add the employee's message for the caller for a while. */
struct call_declined {
	int64_t consult_id;  /* its record, 0 if none                  */
	const char *label;   /* its step (static), or NULL             */
	int64_t employee_id; /* who declined, 0 if nobody's            */
	unsigned attempt;    /* its attempt                            */
	uint64_t at;         /* [ms] when                              */
};

struct call {
	struct le le;         /* in ctx->calls                    */
	struct call_ctx *ctx; /* (weak)                           */
	enum call_state state;
	const struct call_app *app;   /* running application          */
	struct call_leg *a;           /* caller leg (owned)           */
	struct list forks;            /* B legs ringing (owned)       */
	struct call_leg *b;           /* bridged B leg (owned)        */
	struct call_leg *early;       /* leg whose early media A hears */
	struct call_dial *dial;       /* dialling (owned)             */
	struct call_play *play;       /* prompts playing (owned)      */
	struct call_collect *collect; /* collecting digits (owned)   */
	void *app_data;               /* application's state (owned)  */
	unsigned reroutes;            /* call_reroute()s so far       */
	struct call_record *record;   /* recording the caller (owned) */
	void *moh;                    /* music-on-hold player (owned) */
	struct call_xfer *xfer;       /* transfer running (owned)     */
	struct call_consult *consult; /* consultation (owned)         */
	struct call_leg *moh_to;      /* leg hearing it (weak)        */
	bool held;                    /* the caller held by the API   */
	bool rtp_watched;             /* hang up when RTP stops       */
	bool late_offer;              /* caller sent no SDP: we offer */
	bool a_answered;              /* 200 sent to the caller       */
	bool setup_seen;              /* set-up time counted (metrics) */
	uint64_t setup_at; /* [ms] tmr_jiffies() at the caller's INVITE, 0:
			      a call we placed (no set-up time) */
	struct store_call rec;
	/* the last consultation declined (consult.c) */
	struct call_declined declined;
	call_end_h *endh;
	void *end_arg;
	call_answer_h *answerh; /* waiting for the caller's ACK */
	void *answer_arg;
	call_originate_h *origh; /* a call we placed: its first leg
				    rings (originate.c)          */
	void *orig_arg;
	char digits[32]; /* received, not consumed */
};

/* ---- call.c ---------------------------------------------------------- */

/* Allocate the context; apps NULL = the built-in table.  The backend
 * table must outlive the context. */
int call_ctx_alloc(struct call_ctx **ctxp, const struct config *cfg,
		   struct store *st, const struct call_backend *be,
		   void *be_arg, const struct call_app *apps, size_t appc);

/* Who is calling and what was dialled, as the backend saw the INVITE. */
struct call_origin {
	struct route_caller rc;
	const char *dialled; /* Request-URI user                */
	const char *call_id; /* the caller's Call-ID            */
	const char *leg;     /* "trunk:1", "device:1001"        */
	bool late_offer;     /* INVITE without SDP              */
};

/*
 * A new call: route it, write its record, take the caller's media and
 * start the application.  a_be is the backend state of the caller's leg
 * (taken over, freed on failure).  The call ends by itself on every
 * failure (answered with the right status).  0, or ENOMEM when not even
 * a call could be allocated (the backend answers 500 then).
 */
int call_incoming(struct call_ctx *ctx, const struct call_origin *o,
		  void *a_be);

/* A call without a caller's leg yet (a call we place, originate.c):
 * not in ctx->calls, no record. */
int call_alloc_placed(struct call **callp, struct call_ctx *ctx);

void call_state_set(struct call *call, enum call_state state);
/* Close the record and free the call; no answer to the caller. */
/* metrics.c: the caller got its first 180/183/200 (counted once per
 * call); a call ended with disposition d */
void call_metrics_setup(struct call *call);
void call_metrics_ended(enum store_disposition d);

void call_end(struct call *call, enum store_disposition disposition,
	      uint16_t scode, enum store_party by);
/* From now on hang up when an established leg stops sending RTP. */
void call_rtp_watch(struct call *call);
/* Allocate a leg of call with desc; be is set by the caller. */
int call_leg_alloc(struct call_leg **legp, struct call *call, const char *desc);
/* The peer of leg in a bridge, or NULL. */
struct call_leg *call_leg_peer(const struct call_leg *leg);
/* Start the application of t (call_reroute() and call_incoming()). */
int call_app_start(struct call *call, const struct route_target *t);

/* ---- event.c ----------------------------------------------------------- */

/* The call's change from prev to its state on the event bus (core.h),
 * if it is one that has an event; called by call_state_set(). */
void call_event_publish(const struct call *call, enum call_state prev);
/* What a "consult" event tells (consult.c). */
struct call_consult_ev {
	int64_t consult_id;  /* the consultation's record, 0 if none  */
	const char *label;   /* the step, NULL for "exhausted" or none */
	int64_t employee_id; /* whom it reaches, 0 if nobody's        */
	unsigned attempt;    /* steps rung so far                    */
	const char *state;   /* "ringing", "failed", "declined", ...  */
	uint16_t scode;      /* sip_code if not 0                    */
	const char *message; /* "declined": the employee's, or NULL   */
};
/* "consult" of a consultation (consult.c). */
void call_event_consult(const struct call *call,
			const struct call_consult_ev *ev);

/* ---- dial.c ------------------------------------------------------------ */

/* A dialled leg answered / ended (from call_leg_established/closed). */
void call_dial_established(struct call_leg *leg);
void call_dial_closed(struct call_leg *leg, int err, uint16_t scode,
		      const char *reason);
/* A member's INVITE is out: the backend adds its leg (be set). */
void call_leg_add(struct call *call, struct call_leg *leg);
/* Stop dialling: cancel every ringing leg (no handler). */
void call_dial_stop(struct call *call);
/* May leg's early media go to the caller now? */
bool call_leg_early_wanted(const struct call_leg *leg);

/* ---- trunk_state.c ----------------------------------------------------- */

/* Count an INVITE through trunk_id, its answer, its failure (with the
 * Retry-After [s] of a 503/408, 0 none: out of rotation that long).
 * Nothing on ENOMEM. */
void call_trunk_attempt(struct call_ctx *ctx, int64_t trunk_id);
void call_trunk_answered(struct call_ctx *ctx, int64_t trunk_id);
void call_trunk_failed(struct call_ctx *ctx, int64_t trunk_id,
		       uint32_t retry_after);
/* May calls go through trunk_id at now [ms] (not out of rotation)? */
bool call_trunk_in_rotation(const struct call_ctx *ctx, int64_t trunk_id,
			    uint64_t now);
/* Free the states (the context ends). */
void call_trunk_states_flush(struct call_ctx *ctx);

/* ---- originate.c ---------------------------------------------------------- */

/* The first leg of a call we placed answered: it is the call's A leg now
 * (taken out of the dial), the call CALL_ANSWERED, the handler told. */
void call_originate_answered(struct call *call, struct call_leg *leg);

/* ---- moh.c ------------------------------------------------------------- */

/* Start or stop music to the party the other one holds (bridged). */
void call_moh_update(struct call *call);
/* Loop the call's music on hold (the tenant's, else the node's) to leg
 * `to` into the player *pp (free it to stop): 0 or ENOENT. */
int call_moh_play(struct call *call, struct call_leg *to, void **pp);

/* ---- transfer.c ---------------------------------------------------------- */

/* A REFER as the backend read it (Refer-To). */
struct call_refer {
	const char *uri;   /* Refer-To URI as sent, NULL if absent  */
	bool bad;          /* Refer-To present but does not parse   */
	bool sip;          /* scheme sip: or sips:                  */
	bool replaces;     /* Replaces in its headers (attended)    */
	const char *user;  /* its user part ("" if none)            */
	bool replaces_bad; /* ... which does not parse */
	const struct call_dialog *dlg; /* ... the dialog it names  */
};

/* leg's far end sent REFER: answered (refer_refuse or refer_accept)
 * before this returns. */
void call_leg_refer(struct call_leg *leg, const struct call_refer *r);
/* leg (not A or B) ended: true if it was a transferor set aside. */
bool call_xfer_leg_closed(struct call_leg *leg);
/* The tenant's central number (of tenant_id), or "" in buf. */
void call_central_number(struct call *call, int64_t tenant_id, char *buf,
			 size_t sz);

/* ---- replace.c: attended transfer by Replaces (RFC 3891) ---------------- */

/* A REFER whose Refer-To has a valid Replaces, already accepted (202,
 * NOTIFY 100) on leg of a bridged call: join the far ends of the two
 * dialogs of the transferor, NOTIFY the outcome. */
void call_replace_refer(struct call_leg *leg, const struct call_dialog *d);
/*
 * An INVITE with Replaces d from o (a_be its backend state): 0 when it
 * was answered here (taken and the named leg replaced, or refused by the
 * backend through a leg of its own; a_be is consumed), else the status
 * the backend answers itself (a_be untouched): 481 no such confirmed
 * dialog, 486 early-only, 403 not a device of that call's tenant, 603
 * the call is not bridged.
 */
uint16_t call_replace_incoming(struct call_ctx *ctx,
			       const struct call_origin *o,
			       const struct call_dialog *d, void *a_be,
			       const char **reason);

/* ---- consult.c: consultation (attended transfer through the API) ----- */

/* leg ended: true if the consultation took it (set aside, or a party of
 * the consultation). */
bool call_consult_leg_closed(struct call_leg *leg);

/* ---- prompt.c ------------------------------------------------------------ */

/* A digit of the caller: to collect, or stopping a prompt. */
void call_prompt_digit(struct call *call, char digit);

/* ---- record.c ------------------------------------------------------------ */

/* A digit of the caller: true if it was a stop digit of the running
 * recording, which it ended (the digit is consumed). */
bool call_record_digit(struct call *call, char digit);
/* The call ends, by: finish the recording, call its handler. */
void call_record_hangup(struct call *call, enum store_party by);

/* ---- what the backend reports ------------------------------------------ */

/* leg rings: a 180-199 came (dial.c: its setup timeout is over). */
void call_leg_progress(struct call_leg *leg);
/* leg's 18x carried SDP, taken: bridge it to the caller (183). */
void call_leg_early(struct call_leg *leg);
/* leg answered (B: 200) or was acknowledged (A: ACK). */
void call_leg_established(struct call_leg *leg);
/* leg ended: err (ECONNRESET for BYE/CANCEL, ETIMEDOUT), or a final
 * answer scode/reason of a B leg.  leg may be freed. */
void call_leg_closed(struct call_leg *leg, int err, uint16_t scode,
		     const char *reason);
/* leg's far end sent a new offer or answer (hold may have changed). */
void call_leg_media_changed(struct call_leg *leg);
/* leg's far end pressed a key, reported by the way src.  A phone may
 * send one press both in the media and as SIP INFO: the same key from
 * the other way within CALL_DIGIT_TWICE_MS of the last report is that
 * press again and is dropped. */
void call_leg_digit_from(struct call_leg *leg, char digit,
			 enum call_digit_src src);
/* call_leg_digit_from(leg, digit, CALL_DIGIT_MEDIA) */
void call_leg_digit(struct call_leg *leg, char digit);

/* ---- sip_leg.c: the real backend's leg --------------------------------- */

struct sip_sess;
struct sipsrv;
struct sip_msg;
struct sip_refer;
struct media_leg;
struct call_phone;

struct sip_leg {
	struct sip_sess *sess;       /* (owned)                          */
	struct media_leg *media;     /* (owned)                          */
	struct call_leg *leg;        /* (weak)                           */
	struct sipsrv *srv;          /* (weak)                           */
	const struct sip_msg *msg;   /* the INVITE, caller leg only while
				      call_incoming() runs            */
	int crypto;                  /* caller leg: its SRTP policy
					(enum media_crypto)             */
	const struct sip_msg *refer; /* the REFER, while call/ reads it */
	struct sip_refer *sub;       /* its NOTIFY subscription (owned) */
	/* a browser phone's leg instead of a SIP session (phone.c) */
	struct call_phone *phone; /* (weak) while it is connected     */
	struct le le_phone;       /* in phone->legs                   */
	uint32_t ref;             /* the call's number in its messages */
	struct mbuf *offer;       /* its SDP offer, until taken (owned) */
	struct tmr tmr;           /* A leg: "answered" reported later */
	bool answered;            /* it took the call / we answered it */
};

/* A zeroed leg of srv (may be NULL) with its destructor. */
struct sip_leg *sip_leg_alloc(struct sipsrv *srv);
/* media digit handler of a leg (arg: the sip_leg) */
void sip_leg_digit(char digit, void *arg);
/* a key press as a phone's SIP INFO: to the bridged SIP peer as INFO,
 * and to the call (arg: the sip_leg) */
void sip_leg_info(char digit, void *arg);

/* ---- phone.c: browser phones (WebRTC legs) ------------------------------ */

/* The backend's calls for a browser's leg (sl->phone set). */
int call_phone_media(struct sip_leg *sl);
int call_phone_offer(struct sip_leg *sl);
int call_phone_ring(struct sip_leg *sl);
int call_phone_answer(struct sip_leg *sl, bool early);
void call_phone_reject(struct sip_leg *sl, uint16_t scode, const char *reason);
/* sl is freed: tell its browser, unlink it */
void call_phone_leg_gone(struct sip_leg *sl);
/* ctx is freed: its phones forget it (their calls ended already) */
void call_phone_ctx_gone(struct call_ctx *ctx);
/* Ring the browser phones of employee_id for call: the legs placed. */
unsigned call_phone_dial(struct call *call, struct sipsrv *srv,
			 int64_t employee_id, const struct call_dial_req *req);

/* ---- applications (app_*.c) -------------------------------------------- */

int app_employee_start(struct call *call, const struct route_target *t);
int app_announcement_start(struct call *call, const struct route_target *t);
int app_external_start(struct call *call, const struct route_target *t);
int app_ring_group_start(struct call *call, const struct route_target *t);
/* 180 to the caller, then dial dest presenting t's caller ID, ending in
 * app_dial_done(); if nothing can be dialled, hang up with scode,
 * reason, disposition.  0, or the error of call_ring(). */
int app_ring_dial(struct call *call, const struct call_dest *dest,
		  const struct route_target *t, uint16_t scode,
		  const char *reason, enum store_disposition disposition);
/* The end of dialling for employee and external: hang up as today. */
void app_dial_done(struct call *call, uint16_t scode, const char *reason,
		   bool timed_out, void *arg);

#endif
