/*
 * call.h - call control: the one header an application includes.
 *
 * A call is the caller's leg (A) plus, while dialling, the legs we call
 * (B).  route/ says which target an incoming call is for; the row of that
 * target's kind in the application table (call/apps.c) starts the
 * application, which then drives the call only through the operations
 * below: answer, play, collect digits, record, hold, dial and bridge,
 * transfer (blind: call_transfer(), or a phone's REFER), re-route, hang
 * up.  Each operation ends by calling the
 * handler it was given; every state change is also reported to the
 * subscribers of the call context (the event stream, statistics).
 *
 * Applications: the first ones are small and live here as app_*.c
 * (employee: ring all devices; announcement: answer, play, hang up;
 * external: out through the trunk; ring group: its members at once or
 * one after another, then its fallback).  A bigger one (IVR, voicemail,
 * queues) gets its own folder and one row in call/apps.c.  Music on hold
 * when a bridged party holds is the hold operation, run by the bridge
 * itself (call/moh.c).
 *
 * SIP is behind a table of functions (call_int.h, struct call_backend):
 * call/sip_leg.c drives sip/ and media/, the unit test a fake.  Nothing
 * here includes a SIP header.
 *
 * Threads: everything runs on the SIP thread (re_main); handlers too.
 * A handler may end the call (call_hangup); the caller of a handler
 * touches the call no more afterwards.
 */
#ifndef SWITCHBOARD_CALL_H
#define SWITCHBOARD_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h" /* enum store_disposition, enum store_party */

struct config;
struct call;
struct call_ctx;
struct route_target;
struct route_result;

/* Where a call is; see the diagram in call/call.c. */
enum call_state {
	CALL_ROUTING = 0, /* INVITE taken, application starting      */
	CALL_RINGING,     /* caller hears ringing (180/183)          */
	CALL_ANSWERED,    /* we answered the caller (application)    */
	CALL_BRIDGED,     /* caller talks to a dialled leg           */
	CALL_DONE,        /* ended; the call is freed after the event */
};

const char *call_state_name(enum call_state state);

/* ---- the context: one per node --------------------------------------- */

/* Called after every state change of any call (state is the new one).
 * The call may be read, not changed; at CALL_DONE it is freed after. */
typedef void(call_event_h)(const struct call *call, enum call_state state,
			   void *arg);

/* Subscribe h to the state changes of all calls; ENOMEM.  Subscribers
 * are called in the order they subscribed. */
int call_ctx_subscribe(struct call_ctx *ctx, call_event_h *h, void *arg);
/* Live calls (not yet ended). */
unsigned call_ctx_count(const struct call_ctx *ctx);
/* Hang up every call (503, "Shutting Down" while ringing) and refuse
 * new ones; at shutdown. */
void call_ctx_close_all(struct call_ctx *ctx);
/* Tenant tenant_id was deleted: hang up each of its live calls (480 to a
 * caller not answered yet, else BYE; call/tenant.c).  The number hung
 * up. */
unsigned call_ctx_hangup_tenant(struct call_ctx *ctx, int64_t tenant_id);

/* ---- live calls for the operator (call/live.c) ------------------------ */

/* One leg of a live call as the operator sees it (GET
 * /api/v1/calls/live, switchboard-ctl calls). */
struct call_leg_view {
	const char *role;  /* "caller", "callee" (bridged), "ringing" */
	char desc[96];     /* "device:1001", "trunk:1"                */
	const char *codec; /* "PCMU", "PCMA"; "" none agreed yet      */
	bool secure;       /* SRTP                                    */
	bool established;  /* its SIP dialog is confirmed             */
	uint64_t rx;       /* RTP packets received from its far end   */
	uint64_t tx;       /* RTP packets sent to its far end         */
};
enum { CALL_LEGS_MAX = 8 };

/* h for each live call of ctx, in the order they came; the first
 * non-zero return of h stops the walk and is returned. */
typedef int(call_walk_h)(const struct call *call, void *arg);
int call_ctx_walk(const struct call_ctx *ctx, call_walk_h *h, void *arg);
/* The legs of call into v (at most n): the caller's, the bridged one,
 * then those ringing.  Returns how many were written. */
size_t call_legs_view(const struct call *call, struct call_leg_view *v,
		      size_t n);
/* The call's record as it stands now (numbers, legs, times). */
const struct store_call *call_rec(const struct call *call);

/* ---- reading a call ---------------------------------------------------- */

enum call_state call_state(const struct call *call);
const char *call_id(const struct call *call); /* the caller's Call-ID */
const char *call_from(const struct call *call);
const char *call_to(const struct call *call);
int64_t call_record_id(const struct call *call); /* store_call, 0 if none */
/* The employee whose device placed the call (its caller leg), 0 if
 * none (a carrier's call). */
int64_t call_employee(const struct call *call);
/* The employee whose device is the bridged callee now, 0 if none (not
 * bridged, or a carrier's leg).  After a transfer (blind, attended,
 * Replaces) it is the target's: subscribers see BRIDGED again then. */
int64_t call_callee_employee(const struct call *call);
/*
 * Is employee_id on a call of this node (call's context) now?  Busy
 * means a leg of one of its devices is established in a live call: it
 * answered a call that is bridged (held counts), or it placed a call
 * that was answered (by a person or an application: a menu, an
 * announcement).  Ringing does not count, its own or a call it placed
 * that still rings.  Calls held by other nodes are not seen.
 */
bool call_employee_busy(const struct call *call, int64_t employee_id);
/* Digits received and not consumed by collect yet ("" if none). */
const char *call_digits(const struct call *call);
/* The node's settings and store, for applications. */
const struct config *call_config(const struct call *call);
/* The settings the context runs with (NULL ctx: NULL). */
const struct config *call_ctx_config(const struct call_ctx *ctx);
struct store *call_store(const struct call *call);

/*
 * Values attached to the call: what the caller typed at a digit input
 * (a customer number), named by the input's label ("Kundennummer").  They
 * stay with the call through re-routes and transfers, are written to its
 * record (store_call_var_set()) and go with each INVITE to an employee's
 * devices as a header line "X-Switchboard-Collected: Kundennummer=12345"
 * (sip/dial.c: name and value percent-encoded), never to a trunk or a
 * contact URI: the number is the tenant's business, not a carrier's.
 * Subscribers of the call context read them with call_vars().
 */
/* Attach value under name (replacing the value of that name): EINVAL
 * for an empty or too long name or value (fields of struct
 * store_call_var), ENOSPC with STORE_CALL_VARS other names; otherwise
 * attached, and 0 once the record has it on disk (or the store's error:
 * the value is attached all the same). */
int call_var_set(struct call *call, const char *name, const char *value);
/* The value of name, or NULL. */
const char *call_var(const struct call *call, const char *name);
/* The values, *np of them, in the order they were first set. */
const struct store_call_var *call_vars(const struct call *call, size_t *np);

/* The value that marks a VIP caller (acd/vip.c: the caller ID is on the
 * tenant's VIP list), its value the VIP's name: it travels with the call
 * as the others do (X-Switchboard-Collected: vip=Dr.%20Anna%20Schmitz),
 * and events show it as "vip" (call/event.c). */
#define CALL_VAR_VIP "vip"

/* The call's values as keys of event fields o: "collected" ({label:
 * value}, the values other than the VIP mark) and "vip" ({"name"}), each
 * only when there is one (call/event.c; the queue's events use it too). */
struct odict;
int call_event_values(struct odict *o, const struct call *call);

/* State of the running application: data is a mem object the call owns
 * from now on (freed when the call ends or is re-routed; NULL frees the
 * old one).  call_app_data() returns it, or NULL. */
void call_app_data_set(struct call *call, void *data);
void *call_app_data(const struct call *call);

/* Create the context of this node's calls on the SIP server srv: its
 * incoming calls are routed here from now on (call/sip_leg.c).  Freeing
 * the context hangs up every call and detaches from srv. */
struct sipsrv;
int call_ctx_start(struct call_ctx **ctxp, const struct config *cfg,
		   struct store *st, struct sipsrv *srv);

/* ---- operations ---------------------------------------------------------
 * All return 0 when started, EINVAL for bad arguments, EALREADY when the
 * same kind of operation is still running, ENOTCONN when the call cannot
 * do it in its state (e.g. play before answer).  Their handler is called
 * once, later, unless the call ends first (then only the end handler). */

/* Ended: by whom, the final SIP status (the caller's answer, or 200 for
 * an answered call) and the record's disposition. */
typedef void(call_end_h)(struct call *call, enum store_party by, uint16_t scode,
			 enum store_disposition disposition, void *arg);
/* Report the end of call to h (one per call; NULL removes it). */
void call_set_endh(struct call *call, call_end_h *h, void *arg);

/* 180 Ringing to the caller (CALL_RINGING); nothing if the caller
 * hears ringing or was answered already. */
int call_ring(struct call *call);

/* The caller took our answer (ACK): media flows.  A caller whose ACK
 * names no common codec is hung up (488) before h would be called. */
typedef void(call_answer_h)(struct call *call, void *arg);
/* 200 OK to the caller (CALL_ANSWERED); by is written to the call
 * record as who answered (e.g. "announcement").  A call re-routed after
 * it was answered is not answered again: h is called at once then. */
int call_answer(struct call *call, const char *by, call_answer_h *h, void *arg);

/* A prompt list ended: err 0 and digit '\0' when it played out; digit
 * when a key interrupted it (the digit stays for collect); err ENOENT
 * when a file cannot be played. */
typedef void(call_play_h)(struct call *call, int err, char digit, void *arg);
/* Play files[0..n) (paths of WAV files, copied) one after another to
 * the caller; a digit stops it if interruptible.  Answered calls only. */
int call_play(struct call *call, const char *const *files, size_t n,
	      bool interruptible, call_play_h *h, void *arg);
/* Speak text (UTF-8, a sentence) in lang ("de", "en") to the caller:
 * synthesised (once; cached as a file), then played as call_play() plays
 * one file, with the same handler, also when a key interrupts it while
 * the speech is still being made.  ENOSYS (at once, or through h) when
 * no synthesiser runs; EMSGSIZE for a text too long. */
int call_say(struct call *call, const char *lang, const char *text,
	     bool interruptible, call_play_h *h, void *arg);
/* call_say() for a text with personal data (a caller's number, a note's
 * summary): the speech file is not kept once played: dropped from the
 * player's memory and deleted from the speech cache on disk. */
int call_say_private(struct call *call, const char *lang, const char *text,
		     bool interruptible, call_play_h *h, void *arg);
/* Stop a running prompt (its handler is not called). */
void call_play_stop(struct call *call);
/* Before a call is answered for a prompt (an announcement's file, a
 * queue's or a menu's greeting): false if the file at path plays (the
 * backend's check); else the call is refused with 480 and a log line
 * naming what and id ("queue", 3), path and why, and true is returned. */
bool call_prompt_refuse(struct call *call, const char *what, int64_t id,
			const char *path);

struct call_collect_prm {
	unsigned min;      /* digits needed (1..max)                    */
	unsigned max;      /* digits at most; done when reached (<= 31) */
	char term;         /* ends input ('#'), not collected; 0 = none */
	uint32_t first_ms; /* [ms] wait for the first digit             */
	uint32_t inter_ms; /* [ms] wait between digits                  */
};
/* Digits collected: err 0 (max reached, or the terminator after at
 * least min digits), ENODATA (the terminator came before min digits),
 * or ETIMEDOUT (digits holds what came, maybe fewer than min). */
typedef void(call_collect_h)(struct call *call, int err, const char *digits,
			     void *arg);
/* Collect digits, those received since the last collect first. */
int call_collect(struct call *call, const struct call_collect_prm *prm,
		 call_collect_h *h, void *arg);
/* Stop collecting (its handler is not called; the keys it took so far
 * are dropped).  Nothing if no collect runs. */
void call_collect_stop(struct call *call);

/* Why a recording ended (call/record.c). */
enum call_record_end {
	CALL_REC_MAX = 0, /* max_ms recorded                          */
	CALL_REC_SILENCE, /* silence_ms of silence in a row           */
	CALL_REC_DIGIT,   /* the caller pressed a stop digit          */
	CALL_REC_HANGUP,  /* the caller hung up                       */
	CALL_REC_STOPPED, /* call_record_stop(), or the call was ended
			     by us or the callee                      */
	CALL_REC_ERROR,   /* the file could not be written or synced  */
};
const char *call_record_end_name(enum call_record_end why);

struct call_record_prm {
	const char *path;        /* WAV file, 8 kHz mono 16-bit (copied)  */
	uint32_t max_ms;         /* [ms] length at most, > 0              */
	uint32_t silence_ms;     /* [ms] end after this much silence (RMS
				    below 256; kept in the file); 0 off */
	const char *stop_digits; /* keys that end it ("#"); NULL/"" none */
};

/* Recording ended: err (0: the file is complete and on disk, fsync'ed
 * with its directory), the length recorded [ms] (lost packets and
 * pauses count as silence: it is the time recorded), why, and for
 * CALL_REC_DIGIT the key (else '\0'). */
typedef void(call_record_h)(struct call *call, int err, uint32_t ms,
			    enum call_record_end why, char digit, void *arg);
/*
 * Record what the caller says into prm->path (created or truncated at
 * once: its errno, e.g. ENOENT, is returned and nothing runs).  EINVAL
 * without a path or with max_ms 0; ENOTCONN unless answered; EALREADY
 * while a recording runs.  A stop digit is consumed: it ends the
 * recording and is not kept for collect (other digits are, as always).
 * h is called once.  When the call ends while recording, the file is
 * finished and synced and h is called (CALL_REC_HANGUP when the caller
 * hung up, else CALL_REC_STOPPED) before the subscribers see CALL_DONE
 * and before the end handler: a voicemail keeps the message of a caller
 * who hangs up.  The call is ending then: h must not start anything.
 * call_reroute() finishes a recording without calling h.
 */
int call_record(struct call *call, const struct call_record_prm *prm,
		call_record_h *h, void *arg);
/* End a running recording now; its handler is called (CALL_REC_STOPPED)
 * before this returns, so the call may be gone afterwards if the handler
 * ended it.  Nothing if none runs. */
void call_record_stop(struct call *call);

/* Music on hold to the caller (on) or stop it (off). Answered or
 * bridged calls; a bridged call also starts it by itself whenever one
 * party puts the other on hold (re-INVITE sendonly/inactive). */
int call_hold(struct call *call, bool on);

/*
 * An agent's console holds the caller of a bridged call (on) or takes him
 * back (off), as a phone's hold key would (call/moh.c): the caller hears
 * music on hold, nothing goes between the two, until resumed; the bridge
 * keeps the music while a phone's re-INVITE changes nothing of it.
 * ENOTCONN unless bridged, EALREADY while a transfer or consultation
 * runs, ENOENT when no music could be played.  Another hold by an
 * application (call_hold(), a transfer) ends it.
 */
int call_hold_caller(struct call *call, bool on);
/* Is the caller held by call_hold_caller() now? */
bool call_caller_held(const struct call *call);

/* A dial destination. */
enum call_dest_kind {
	CALL_DEST_EMPLOYEE = 0, /* all reachable devices of id, parallel */
	CALL_DEST_CONTACT,      /* one SIP URI                           */
	CALL_DEST_EXTERNAL,     /* number through trunk id               */
	CALL_DEST_DEVICE,       /* one device id (its registrations)     */
};

struct call_dest {
	enum call_dest_kind kind;
	int64_t id;         /* employee, trunk or device id        */
	const char *uri;    /* CALL_DEST_CONTACT                   */
	const char *number; /* CALL_DEST_EXTERNAL: E.164           */
	uint32_t timeout;   /* [s] ring this member at most        */
			    /* (0: gives up at once)               */
};

struct call_dial_prm {
	const struct call_dest *destv; /* members (copied)                */
	size_t destc;
	bool sequential;   /* one after another, else all at once   */
	const char *cid;   /* caller ID to present                  */
	const char *cname; /* display name to present, or ""        */
	bool no_ringback;  /* answered caller: no ringback tone     */
			   /* (the application plays its own)      */
};

/* Dialling ended: scode 200 when a leg answered and is bridged to the
 * caller (CALL_BRIDGED); otherwise the best final status of the members
 * (busy before rejected before unavailable) and its reason, with
 * timed_out set when the last member ran out of time. */
typedef void(call_dial_h)(struct call *call, uint16_t scode, const char *reason,
			  bool timed_out, void *arg);
/*
 * Dial the members and bridge the first that answers; the others are
 * cancelled.  While the caller was not answered, the first member's early
 * media (183 with SDP) is passed to the caller; a caller answered already
 * (a menu, a digit input) hears the ringback tone (prompts/ringback.wav,
 * the German 425 Hz, 1 s on, 4 s off) until a member answers or the dial
 * ends, unless prm->no_ringback, a prompt or music plays to him.  ENOENT if no member
 * could be called at all (no reachable device), ENOTCONN after the end,
 * another error if SIP refused to start (nothing was dialled then).
 */
int call_dial(struct call *call, const struct call_dial_prm *prm,
	      call_dial_h *h, void *arg);

/* A transfer ended: scode 200 when the target answered and is bridged
 * to the caller (CALL_BRIDGED); otherwise the target's final status (or
 * 480 when it was not answered in time) and the call is as before: a
 * callee set aside is bridged again, else the caller is answered and
 * hears nothing (the handler decides). */
typedef void(call_transfer_h)(struct call *call, uint16_t scode,
			      const char *reason, void *arg);
/*
 * Blind transfer of the caller to dest (call/transfer.c): the caller
 * hears music on hold while dest rings; a bridged callee is set aside and
 * hung up when dest answers (bridged again if it fails).  Caller ID: the
 * caller's number to an employee, the tenant's central number to an
 * external number.  Answered calls only (ENOTCONN); EALREADY while
 * dialling or transferring; ENOENT if dest cannot be rung at all
 * (nothing changed then).  h is called once, unless the call ends first.
 * Phones transfer with REFER (the same machinery, call_leg_refer()).
 */
int call_transfer(struct call *call, const struct call_dest *dest,
		  call_transfer_h *h, void *arg);

/*
 * Blind transfer of the caller to route target t (what a number or a
 * menu key may name; route_target_of() gives it): an employee or an
 * external number rings as with call_transfer() (its caller ID rules;
 * the node's ring timeout unless t has one); any other kind (a menu, a
 * ring group, a voicemail box, a queue) takes the call as call_reroute()
 * does, the bridged callee hung up.  When only the caller's leg is an
 * employee's (an agent called a customer) the callee is the one
 * transferred and the caller leaves.  ENOENT: t leads nowhere (reject).
 */
int call_transfer_target(struct call *call, const struct route_target *t,
			 call_transfer_h *h, void *arg);

/* Where number leads when the call's transferor dials it (its callee's
 * phone; the caller's when only the caller is one of our phones), as a
 * phone's REFER to number goes: 0 and *r (ROUTE_REJECT with scode and
 * reason if nowhere), ENOENT if neither leg is one of our phones. */
int call_route_number(struct call *call, const char *number,
		      struct route_result *r);

/* The dial destination of route target t: an employee or an external
 * number; ENOTSUP for a kind that is not a party to dial. */
int call_dest_of(const struct call *call, const struct route_target *t,
		 struct call_dest *dest);

/*
 * Attended transfer by consultation (call/consult.c).  In a bridged
 * call, the transferor (the callee; the caller when only the caller's
 * leg is an employee's) talks to dest while the other party (the
 * transferee) hears music on hold.  *consult_idp (may be NULL) is the
 * consultation's own call record (transferor -> dest).  ENOTCONN unless
 * bridged; EALREADY while dialling, transferring or consulting; ENOENT
 * if dest cannot be rung (nothing changed then).  If dest fails, the
 * parties are bridged again by themselves.
 */
int call_consult(struct call *call, const struct call_dest *dest,
		 int64_t *consult_idp);

/* One step of a consultation with fallbacks: what rings at once (an
 * employee's phones and the number the employee takes transfers on). */
enum { CALL_CONSULT_STEPS = 4, CALL_STEP_DESTS = 2 };
struct call_consult_step {
	struct call_dest destv[CALL_STEP_DESTS]; /* number: into number[] */
	size_t destc;
	char number[24];     /* the external member's number, or ""      */
	const char *label;   /* static: why it is tried ("substitute")  */
	int64_t employee_id; /* whom it reaches, 0 if nobody's          */
};
/*
 * call_consult() that goes on by itself: when step i cannot be rung (no
 * phone registered) or does not answer (busy, declined, ringing out) the
 * next step rings, the transferee still hearing its music; only when the
 * last fails are transferor and transferee bridged again.  Each step
 * starts its own consultation record.  Events (class "call"): "consult"
 * with "step" (the label), "employee_id", "attempt" (1, 2, ...) and
 * "state": "ringing" when a step rings, "failed" (with "sip_code") when
 * it did not answer, "answered"; and "state": "exhausted" when no step
 * took it (the transferor is back with the transferee: take a note).
 * ENOENT if no step can be rung at all (nothing changed then).
 */
int call_consult_steps(struct call *call, const struct call_consult_step *stepv,
		       size_t stepc, int64_t *consult_idp);
/* The label of the step being tried, or NULL. */
const char *call_consult_step(const struct call *call);
/* Complete it: transferee and dest bridged, the transferor hung up (also
 * when the transferor hangs up).  dest still ringing: the transferee
 * keeps the music until it answers (if it fails, the call ends).
 * ENOENT if no consultation runs. */
int call_consult_complete(struct call *call);
/* Cancel it: dest hung up (or cancelled), transferor and transferee
 * bridged again (also when dest hangs up: "declined" then).  ENOENT if
 * none runs.  Its outcome (store_consult_outcome): "cancelled". */
int call_consult_cancel(struct call *call);
/*
 * The target declined (seeds/001: "oder wir richten Ihrem Anrufer gerne
 * etwas aus"): as call_consult_cancel(), the outcome "declined" with
 * message (the employee's for the caller; NULL or "" for none), event
 * "consult" with "state": "declined" and "message".  Without a
 * consultation running: message is added to the call's last declined
 * one (its target hung up by itself) if that was at most
 * CALL_DECLINE_MESSAGE_MS ago (the event again, with it), else ENOENT.
 */
enum { CALL_DECLINE_MESSAGE_MS = 60000 };
int call_consult_decline(struct call *call, const char *message);
/* The record of the call's last declined consultation while none runs,
 * else 0. */
int64_t call_consult_declined_id(const struct call *call);
/* The consultation's record id, 0 if none runs. */
int64_t call_consult_id(const struct call *call);

/*
 * Join two calls: the caller of call and the caller of other are
 * bridged (in the older call), the bridged callees of both are hung up
 * and the other call ends (answered).  Both must be bridged (ENOTCONN),
 * neither transferring or consulting (EALREADY).  A phone's attended
 * transfer (REFER with Replaces, RFC 3891) is this for its two dialogs.
 */
int call_join(struct call *call, struct call *other);

/*
 * A call we place ourselves (call/originate.c): a click to call, a
 * queue's callback.  dest rings as the call's first leg (its A leg: the
 * "caller" of the record); when it answers the call is CALL_ANSWERED and
 * the application drives it as an answered incoming call (play, say,
 * collect, dial and bridge another party, transfer, hang up).  The record
 * is written at once (from, to, direction and tenant as given here;
 * caller_leg the leg that answered is not known yet: prm->leg, e.g.
 * "employee:3"); it gets its answer time when a dialled party is bridged.
 */
struct call_originate_prm {
	const struct call_dest *dest;   /* the first party (copied):     */
	size_t destc;                   /* dest[0..destc) at once (0: 1) */
	const char *cid;                /* caller ID shown to it         */
	const char *cname;              /* display name, or ""           */
	int64_t tenant_id;              /* the record's tenant           */
	enum store_direction direction; /* the record's direction        */
	const char *from;               /* the record's from_number      */
	const char *to;                 /* the record's to_number        */
	const char *leg;                /* the record's caller_leg       */
};
/* The first leg answered (scode 200: CALL_ANSWERED, the handler drives
 * the call from now on) or failed: the best final status of its devices
 * (486 busy, 480 nobody reachable or no answer, 603 rejected ...) and
 * timed_out when it rang out; the call has ended then (CALL_DONE, its
 * record closed with the disposition of scode): read it during the
 * handler only. */
typedef void(call_originate_h)(struct call *call, uint16_t scode,
			       const char *reason, bool timed_out, void *arg);
/* Place the call: 0 and *callp (may be NULL; the call while it lives:
 * the handler is called once, unless call_hangup() ends it first),
 * EINVAL, ENOENT when nothing could be rung (no record then either),
 * ESHUTDOWN when the node shuts down. */
int call_originate(struct call_ctx *ctx, const struct call_originate_prm *prm,
		   call_originate_h *h, void *arg, struct call **callp);

/*
 * Click to call (call/click.c), as cloud PBXs do it: the employee's
 * phones ring first (showing r->dialled); when one answers, the call goes
 * where r (route_resolve() of the number as dialled from the employee's
 * device) leads, as if the phone had dialled it: a number out through
 * the trunk, a colleague, a menu ... (call_reroute()).  The record: r's
 * tenant, direction, from and dialled numbers, caller_leg "employee:<id>";
 * answered when the callee answers.  0 and *record_idp, ENOENT when no
 * phone of the employee can be rung, EINVAL for a ROUTE_REJECT r.
 */
int call_click(struct call_ctx *ctx, int64_t employee_id,
	       const struct route_result *r, int64_t *record_idp);
/* The same ringing only device device_id first (caller_leg
 * "device:<its username>"); ENOENT also for no such device. */
int call_click_device(struct call_ctx *ctx, int64_t device_id,
		      const struct route_result *r, int64_t *record_idp);

/*
 * Browser phones (call/phone.c): an agent's browser, connected over our
 * WebSocket (http/phone.c), is one more device of its employee.  Calls
 * for the employee (direct, queue, ring group, transfer) ring it as they
 * ring the SIP phones, and it places calls as a device of the employee
 * does.  Its media is a WebRTC leg (media.h).  The messages both ways are
 * JSON objects with a "type" (docs/api.md, "Browser phone"); phone.c
 * reads and writes them, the caller only moves the text.
 */
struct call_phone;
struct odict;
/* A message for the browser (a JSON object as text). */
typedef void(call_phone_send_h)(const char *json, void *arg);
/* Connect a browser phone of employee_id (tenant_id's) named name (for
 * logs and the record: "browser:<name>").  sendh gets every message, the
 * first one "hello".  mem_deref(*pp) disconnects it: its calls end.
 * EINVAL, ENOMEM, ESHUTDOWN. */
int call_phone_connect(struct call_phone **pp, struct call_ctx *ctx,
		       int64_t tenant_id, int64_t employee_id, const char *name,
		       call_phone_send_h *sendh, void *arg);
/* One message from the browser, decoded.  Mistakes are answered with
 * {"type":"error","reason":...} (and the "call" concerned). */
void call_phone_recv(struct call_phone *p, const struct odict *msg);
/* Browser phones of ctx connected now. */
unsigned call_phone_count(const struct call_ctx *ctx);

/*
 * Trunks as this node saw them since it started (call/trunk_state.c),
 * kept in memory: outbound calls try a tenant's trunks in order
 * (store_trunk_route()) and go on to the next when one answers 503 or
 * 408, cannot be reached, or does not ring (18x) or answer within its
 * setup_timeout; any other final answer (486, 404, 403 ...) is the
 * call's.  A 503 or 408 with Retry-After takes the trunk out of
 * rotation for that long: calls skip it meanwhile.
 */
struct call_trunk_state {
	uint64_t attempts;  /* INVITEs sent through it                   */
	uint64_t answered;  /* of them answered                          */
	uint64_t failed;    /* ended by the carrier's error answer, by no
			       answer at all or its setup_timeout        */
	uint64_t out_until; /* [ms] UTC out of rotation until; 0 none    */
};
/* Trunk trunk_id's state into *s; ENOENT (and *s zero) if no call went
 * through it yet. */
int call_trunk_state_get(const struct call_ctx *ctx, int64_t trunk_id,
			 struct call_trunk_state *s);
typedef int(call_trunk_state_h)(int64_t trunk_id,
				const struct call_trunk_state *s, void *arg);
/* Each trunk with a state, by id, until h returns non-0 (returned). */
int call_trunk_states(const struct call_ctx *ctx, call_trunk_state_h *h,
		      void *arg);

/* The live call of ctx whose record is record_id, or NULL. */
struct call *call_ctx_find(struct call_ctx *ctx, int64_t record_id);

/*
 * Stop whatever the call does now (prompt, collect, dialling; a bridged
 * callee is hung up) and start the application of t's kind, as if the
 * call had been routed there (IVR -> queue, queue -> voicemail).  ENOENT
 * if no application handles t's kind (nothing changed then); on an
 * error of the new application the call is hung up (500).  A call
 * re-routed more than CALL_REROUTE_MAX times is hung up instead (483
 * "Too Many Hops" if not answered yet, else BYE): at run time a call
 * never goes round for ever, whatever the configuration became.
 */
enum { CALL_REROUTE_MAX = 32 };
int call_reroute(struct call *call, const struct route_target *t);

/*
 * End the call: a final answer scode/reason to a caller not yet answered,
 * else BYE to every leg.  disposition STORE_DISP_NONE derives it from scode; by says
 * who ended it.  The call is freed: do not touch it afterwards.
 */
void call_hangup(struct call *call, uint16_t scode, const char *reason,
		 enum store_disposition disposition, enum store_party by);

/* STORE_DISP_BUSY, _NO_ANSWER, ... for a failed call's SIP status. */
enum store_disposition call_disposition(uint16_t scode);

/* ---- metrics (metrics.c) ----------------------------------------------
 * Counters since start, for GET /metrics: calls ended by disposition
 * (index enum store_disposition; NONE stays 0), and the set-up time of
 * calls from a caller (INVITE received -> first 180/183/200 sent) as a
 * cumulative histogram: setup_le[i] calls took setup_bound_ms[i] or less. */
enum { CALL_DISPOSITIONS = 16, CALL_SETUP_BUCKETS = 10 };
struct call_metrics {
	uint64_t ended[CALL_DISPOSITIONS];
	uint32_t setup_bound_ms[CALL_SETUP_BUCKETS]; /* [ms] */
	uint64_t setup_le[CALL_SETUP_BUCKETS];
	uint64_t setup_count;
	uint64_t setup_sum_ms; /* [ms] */
};
void call_metrics_get(struct call_metrics *m);

#endif
