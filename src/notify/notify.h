/*
 * notify.h - outgoing deliveries: what Switchboard sends to people outside
 * a call.  notify/ owns the outbox dispatcher of this node and the
 * channels it delivers through: e-mail over SMTP (libcurl, smtp.c), SMS
 * through an HTTP gateway (sms.c), signed webhooks (webhook.c), Web Push
 * to employees' browsers and phones (see "Web Push" below), and what a
 * call note becomes on them (note.c).
 *
 * Every delivery is first a row of the store's outbox (store.h, "outbox",
 * with its state diagram): notify_mail() returns once that row is
 * committed, so nothing is lost while the SMTP server is down or when the
 * process is killed.  A dispatcher on the SIP thread (a tmr, every
 * NOTIFY_POLL ms and at once after an enqueue) claims the due row that
 * waited longest and hands it to a worker thread, which runs the blocking
 * libcurl SMTP transfer (curl_easy, MIME by curl_mime) and hands the result
 * back through libre's mqueue (the channel table of outbox.c picks the
 * sender; a channel this node cannot deliver now - no --smtp-url, no
 * --sms-gateway-url - is not claimed and waits).  One delivery is in
 * flight at a time per node: simple and ordered, and far more than
 * voicemail needs.  The SIP
 * thread never waits for SMTP.
 *
 * Outcome of an attempt (notify_judge(), with attempts counted after it):
 *
 *   delivered                              -> sent, sent_at; delivered
 *                                              too (delivered_at) when
 *                                              the receiver is the
 *                                              destination (a webhook);
 *                                              an SMS gateway's message
 *                                              id is kept for its report
 *   SMTP 5xx (550 unknown recipient ...),
 *   an attachment file that cannot be read -> failed at once, with reason
 *   anything else (no connection, timeout,
 *   SMTP 4xx), attempts < max_attempts      -> pending, retried after
 *                                              notify_backoff(attempts)
 *   the same with attempts = max_attempts  -> failed, with the reason
 *
 * Retry schedule: the wait after the n-th failed attempt is
 * retry_base * 2^(n-1), at most retry_max.  With the defaults
 * (--outbox-retry-base 30, --outbox-retry-max 3600, --outbox-attempts 10):
 * 30 s, 1 min, 2 min, 4 min, 8 min, 16 min, 32 min, 1 h, 1 h, then the
 * 10th failure is final: about 3 h 4 min after the first attempt.
 *
 * At least once: a node that dies while sending leaves its row in
 * "sending"; when it starts again (same --node-id) the row goes back to
 * pending and is sent again, so the recipient may get that mail twice
 * (the Message-ID is the same both times, so mail clients can tell).
 * A node that does not come back: every other running node puts its
 * "sending" rows back to pending once its heartbeat is older than
 * --node-stale-after (checked every NOTIFY_STALE_CHECK ms).
 *
 * The reason of a failure is what the SMTP server answered, when it did
 * ("SMTP 550 5.1.1 <x@example.com>: unknown user"), and curl's error
 * text ("curl: RCPT failed: 550").  The SMTP password is never logged
 * and never stored in the outbox.
 */
#ifndef SWITCHBOARD_NOTIFY_H
#define SWITCHBOARD_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

struct config;
struct notify;

enum {
	NOTIFY_POLL = 1000,         /* [ms] the dispatcher looks for due rows */
	NOTIFY_STALE_CHECK = 30000, /* [ms] and for rows of dead nodes       */
	NOTIFY_ESCALATE_POLL = 1000, /* [ms] and for urgent notes to escalate */
};

/* ---- policy: what becomes of a delivery (policy.c, pure) -------------- */

struct notify_policy {
	uint32_t retry_base;   /* [s] wait after the first failure   */
	uint32_t retry_max;    /* [s] longest wait                    */
	uint32_t max_attempts; /* the attempt that fails for good    */
};

/* The policy of the configuration's --outbox-* settings. */
/*
 * The message id an SMS gateway's answer (JSON) gives the SMS, into buf:
 * a string or integer "id", else "message_id".  0, or ENOENT if it has
 * none or is not JSON (then the SMS stays sent: no report can find it),
 * EINVAL if the id does not fit buf or the answer is malformed JSON
 * (sms.c).
 */
int notify_sms_id(char *buf, size_t sz, const char *answer);

void notify_policy_of(struct notify_policy *p, const struct config *cfg);

/* [ms] wait after the attempts-th failed attempt (attempts >= 1; 0 is
 * treated as 1): retry_base * 2^(attempts-1), at most retry_max. */
uint64_t notify_backoff(const struct notify_policy *p, uint32_t attempts);

/* What one attempt came to, as the worker saw it. */
struct notify_result {
	bool ok;          /* delivered                                   */
	bool permanent;   /* no point in trying again (an attachment)    */
	bool delivered;   /* ok, and the receiver itself took it (a
			    webhook's 2xx): "delivered", not "sent"     */
	int curl;         /* CURLcode, 0 = CURLE_OK                       */
	long smtp;        /* last SMTP reply code, 0 if none              */
	char error[256];  /* the reason, "" when ok                       */
	char answer[512]; /* an HTTP channel's answer body (cut), "" */
};

enum notify_verdict {
	NOTIFY_SENT = 0,
	NOTIFY_RETRY,
	NOTIFY_FAILED,
};

/*
 * The verdict on delivery o (as claimed: attempts made before this one)
 * after attempt r ended at now; for NOTIFY_RETRY *nextp (may be NULL) gets
 * the time of the next attempt [ms].
 */
enum notify_verdict notify_judge(const struct notify_policy *p,
				 const struct store_outbox *o,
				 const struct notify_result *r, uint64_t now,
				 uint64_t *nextp);

/* True if s is one bare e-mail address (local@domain, no spaces, no
 * display name, no ',' '<' '>' or control characters, at most 254
 * bytes). */
bool notify_addr_ok(const char *s);
/* True if s is one or more addresses separated by "," (spaces around
 * them allowed). */
bool notify_addr_list_ok(const char *s);

/*
 * Why a delivery of channel ch failed, for a tenant, an agent and the
 * log: a few generic reasons ("mail server refused the recipient", "mail
 * server unreachable", "timeout", "HTTP 503", ...) in place of the raw
 * text of the attempt (raw: outbox.last_error, which can hold an e-mail
 * address; the operator's only).  NULL for "" (reason.c).
 */
const char *notify_error_reason(enum store_channel ch, const char *raw);

/*
 * May url be saved as a tenant's webhook URL or push endpoint: https://
 * with a host and no user, and not a literal private, loopback,
 * link-local, carrier-grade NAT, multicast or unspecified address
 * (IPv4-mapped IPv6 of these too).  allow_loopback (an operator's test
 * option) admits 127.0.0.0/8 and ::1, and http:// to 127.0.0.1 and
 * [::1].  A host name is not resolved here: it is when a delivery is
 * sent (dest.c).  0, EPROTO (scheme, host, user) or EACCES (address).
 */
int notify_dest_check(const char *url, bool allow_loopback);

/* ---- metrics (outbox.c) ----------------------------------------------
 * This node's dispatcher since start, by channel (enum store_channel):
 * attempts that failed (to be retried or not) and deliveries given up
 * (failed for good), for GET /metrics. */
struct notify_metrics {
	uint64_t attempts_failed[STORE_CHANNEL_COUNT];
	uint64_t failed[STORE_CHANNEL_COUNT];
};
void notify_metrics_get(struct notify_metrics *m);

/* ---- the dispatcher (outbox.c) ---------------------------------------- */

/*
 * Start this node's dispatcher: rows this node left in "sending" go back
 * to pending, then due rows are delivered through cfg->smtp_url.  Without
 * an SMTP URL, mails wait in the outbox (pending) until one is configured
 * and the node restarts.  Calls curl_global_init() once; *np is
 * mem_deref()-able: it aborts a transfer in flight (the row goes back to
 * pending) and calls curl_global_cleanup().
 */
int notify_alloc(struct notify **np, const struct config *cfg,
		 struct store *st);

/* A mail to enqueue.  Strings are UTF-8 without control characters
 * (subject) or with only \n and \t (body). */
struct notify_mail {
	int64_t tenant_id; /* 0 = the system's own                     */
	const char *to;    /* "a@x.example, b@y.example": required     */
	const char *cc;    /* same form, NULL or "" = none              */
	const char *subject;
	const char *body; /* text/plain                                */
	const struct store_outbox_file *filev; /* attachments: files on
						   disk, read when sent  */
	size_t filec; /* at most STORE_OUTBOX_FILES               */
};

/*
 * Enqueue mail m from the configured sender (--smtp-from): a committed
 * outbox row when this returns 0 (its id in *idp, may be NULL), delivered
 * as soon as the dispatcher gets to it.  EINVAL for a bad address, a
 * control character in the subject, a string too long for the outbox or
 * too many attachments; the store's errors otherwise.
 */
int notify_mail(struct notify *n, const struct notify_mail *m, int64_t *idp);

/*
 * The outbox row of mail m from cfg's sender into *o, checked as
 * notify_mail() checks it (EINVAL), without writing it: for a caller
 * that commits the row in a transaction of its own (a voicemail message
 * and its mail, store_vm_message_save()).  The dispatcher finds such a
 * row within NOTIFY_POLL ms.
 */
int notify_mail_row(const struct config *cfg, const struct notify_mail *m,
		    struct store_outbox *o);

/* Look for due rows now (after a caller committed rows of its own, e.g.
 * store_note_save()); else the dispatcher finds them within NOTIFY_POLL
 * ms. */
void notify_kick(struct notify *n);

/* The configuration changed (SIGHUP): the retry schedule of the next
 * judgements is taken from cfg's --outbox-* options again. */
void notify_reconfigure(struct notify *n);

/* True if mail can go out: an SMTP URL is configured. */
bool notify_mail_configured(const struct config *cfg);
/* True if SMS can go out: an SMS gateway is configured. */
bool notify_sms_configured(const struct config *cfg);

/* ---- signing (sign.c) --------------------------------------------------
 * HMAC-SHA256 as lower-case hex, for webhooks and the links of call
 * notes. */

enum {
	NOTIFY_HMAC_HEX = 65,   /* 64 hex digits and the NUL            */
	NOTIFY_SECRET_HEX = 65, /* a secret of notify_secret_make()     */
};

/* HMAC-SHA256(key, msg) into out ("" on an error). */
void notify_hmac_hex(char out[NOTIFY_HMAC_HEX], const char *key,
		     const char *msg);
/* a and b are the same non-empty string, compared in constant time. */
bool notify_hmac_equal(const char *a, const char *b);
/* 32 random bytes as 64 hex digits into buf (at least NOTIFY_SECRET_HEX
 * bytes).  EINVAL, EIO. */
int notify_secret_make(char *buf, size_t sz);

/* ---- call notes (note.c) -----------------------------------------------
 *
 * A saved note goes out on every channel its recipients have:
 *
 *   mail     to each employee of the note with an e-mail address, Cc his
 *            copies (store_employee.cc): the whole note, plain text and
 *            HTML, with the employee's own link
 *   sms      to each employee with SMS on and a mobile number: the
 *            caller's name and the employee's link; the number and the
 *            concern only when the tenant switched full text on
 *   webhook  to the tenant's URL, if it has one: JSON with the caller's
 *            name and each employee's link; the number, concern and
 *            fields only with full text
 *
 * The whole note in a mail lists the call's transfer attempts (whom,
 * taken / declined / not reached / cancelled, the message an employee
 * who declined left for the caller): "eine komplette Anrufnotiz bei
 * fehlender Durchstellung" (seeds/001).
 *
 * An edit within the edit window sends a correction: the same channels
 * again, marked as a correction (subject "Korrektur: ...", SMS text
 * "Korrektur: ...", webhook event "note.corrected"), carrying the new
 * version.  Nothing is sent for an edit that changes nothing.
 *
 * Another channel (Web Push) is one more case in note_rows() of note.c
 * and one more row in the dispatcher's channel table (outbox.c).
 */

/* A transfer attempt of the note's call (its consultations' outcomes,
 * store_consult_outcome), as the full note shows it. */
struct notify_note_transfer {
	char who[140];       /* the employee's name, "" if nobody's      */
	const char *outcome; /* "taken", "declined", "unreached", ... */
	const char *message; /* the employee's for the caller, or ""  */
};

struct notify_note {
	const struct store_note *note;
	const struct store_employee *empv; /* the note's employees      */
	size_t empc;
	const struct store_note_settings *settings; /* the tenant's     */
	const char *link_key;  /* the server's key for note links        */
	uint64_t link_expires; /* [s] since the epoch                  */
	bool correction;       /* an edit of a note sent before         */
	int64_t put_through;   /* the employee the call was put through
				  to (its record's callee), 0 if none:
				  a short notice for it, no SMS, no push */
	const struct notify_note_transfer *xferv; /* the call's transfer
						     attempts, in order */
	size_t xferc;
	const struct store_push_sub *subv; /* the employees' Web Push
					      subscriptions (any order) */
	size_t subc; /* at most NOTIFY_NOTE_PUSH_MAX are pushed           */
};

enum { NOTIFY_NOTE_PUSH_MAX = 16 }; /* Web Push rows of one note */

/*
 * The deliveries of note c (the rows are not written: store_note_save()
 * writes them with the note) into *outvp (mem_deref() it: it owns the
 * rows), *outcp their number (0: nobody to deliver to).  EINVAL if a
 * text does not fit an outbox row, ENOMEM.
 */
int notify_note_rows(const struct config *cfg, const struct notify_note *c,
		     struct store_note_out **outvp, size_t *outcp);

/* The server's key for note links (made on first use and kept in the
 * store: every node signs with it) into buf. */
int notify_note_link_key(struct store *st, char *buf, size_t sz);

/* The signature of the link of note_id for employee_id, valid until
 * expires [s], under key. */
void notify_note_link_sig(char out[NOTIFY_HMAC_HEX], const char *key,
			  int64_t note_id, int64_t employee_id,
			  uint64_t expires);
/* The link itself: <public-url>/api/v1/notes/<id>/open?employee=<e>
 * &expires=<s>&sig=<hex>.  EINVAL if it does not fit. */
int notify_note_link(char *buf, size_t sz, const struct config *cfg,
		     const char *key, int64_t note_id, int64_t employee_id,
		     uint64_t expires);

/* ---- Web Push (push.c, webpush.c, push_send.c) -------------------------
 *
 * RFC 8030 (the push protocol), RFC 8291 (message encryption) and RFC
 * 8292 (VAPID).  The installation has one P-256 key pair, made on the
 * first start and kept in the store (store_vapid_init); the browser
 * subscribes with its public key (notify_push_public_key) and gives us a
 * PushSubscription (store.h, "Web Push subscriptions").  notify_push()
 * makes one outbox row per subscription of an employee; the dispatcher's
 * worker encrypts the payload for that subscription (a fresh key pair
 * and salt per attempt), signs a VAPID token (aud: the endpoint's
 * origin, exp: 12 h, sub: --push-subject) and POSTs it to the endpoint:
 *
 *   2xx (201 Created)          -> sent
 *   404, 410                   -> the subscription is deleted; failed,
 *                                 "subscription gone"
 *   429, 5xx, no connection    -> retried as a mail is (notify_backoff)
 *   other (400, 401, 413, ...) -> failed, "push service: HTTP <status>"
 *
 * A push whose subscription was deleted before it went out fails with
 * "subscription gone" without a request.  The private key and the
 * subscriptions' auth secrets are never logged; the payload is not
 * logged either (it may name a caller).
 */
enum {
	/* [bytes] payload: 4096 (what every push service takes) less the
	 * header (86), the padding delimiter (1) and the tag (16) */
	NOTIFY_PUSH_MAX = 3993,
	NOTIFY_PUSH_TTL_MAX = 2419200, /* [s] 28 days */
};

/* A push to enqueue. */
struct notify_push {
	int64_t tenant_id;
	int64_t employee_id; /* notify_push(): to each of its subscriptions */
	const char *payload; /* a JSON object, at most NOTIFY_PUSH_MAX bytes */
	const char *urgency; /* "very-low", "low", "normal" or "high"; NULL:
				"normal" (RFC 8030, 5.3)                   */
	uint32_t ttl;        /* [s] the push service keeps it, at most
				NOTIFY_PUSH_TTL_MAX; 0: only if the device
				is reachable now                           */
};

/*
 * Enqueue push p to every subscription of p->employee_id (which must be
 * p->tenant_id's): committed outbox rows (channel "webpush") when this
 * returns 0, their number in *countp (may be NULL; 0 if the employee has
 * none).  EINVAL for a payload that is not a JSON object or too long, a bad
 * urgency or TTL; ENOENT, EXDEV for the employee; the store's errors.
 */
int notify_push(struct notify *n, const struct notify_push *p,
		unsigned *countp);
/* The same to one subscription (p->employee_id is ignored): its outbox
 * row's id in *idp (may be NULL).  ENOENT if there is no such
 * subscription of p->tenant_id. */
int notify_push_to(struct notify *n, int64_t subscription_id,
		   const struct notify_push *p, int64_t *idp);
/* The application server key for PushManager.subscribe(): base64url of
 * the VAPID public key's uncompressed point (87 characters and a NUL). */
int notify_push_public_key(const struct notify *n, char *buf, size_t sz);
/* Is s's endpoint an https:// URL (http:// too with --push-allow-http)
 * of at most STORE_PUSH_ENDPOINT_LEN - 1 bytes, its p256dh the base64url
 * of a point on P-256 (65 bytes, uncompressed) and its auth the base64url
 * of 16 bytes?  EINVAL with the JSON name of the first bad field in
 * *fieldp ("endpoint", "keys.p256dh", "keys.auth") and what is wrong in
 * *whyp. */
int notify_push_sub_check(const struct config *cfg,
			  const struct store_push_sub *s, const char **fieldp,
			  const char **whyp);
/* Is s an urgency of RFC 8030 ("very-low", "low", "normal", "high")? */
bool notify_push_urgency_ok(const char *s);

/* ---- escalation of urgent notes, step 2: the person on call (escalate.c)
 *
 * notify/ decides when an on-call attempt of an urgent note is due: the
 * first escalate_after after the substitute step (twice escalate_after
 * after the note was saved), still acknowledged by nobody; again
 * --oncall-retry seconds after an attempt that was not acknowledged, up
 * to --oncall-attempts.  Placing the call is an application's (it drives
 * calls through call.h: secretariat/oncall_phone.c), registered here;
 * without one the step is not taken.
 *
 *   due --handler--> claim: trail row "ringing" (or "no one on call",
 *                    final) written first; EALREADY: taken already
 *   ringing --> answered --> acknowledged | unacknowledged
 *           \-> no_answer | busy | failed
 *
 * Every row written or changed is an event "note_escalation" (class
 * call): note_id, step, employee_id, attempt, outcome, sip_code.
 */
struct notify_oncall {
	int64_t note_id;
	int64_t tenant_id;
	uint32_t attempt;    /* 1, 2, ...                                */
	int64_t employee_id; /* whom it phones (the claim's), 0 = nobody */
	int64_t esc_id;      /* its trail row, after the claim          */
};
/* Attempt oc (note_id, tenant_id, attempt) is due now: find who is on
 * call, claim it, place the call.  oc is the caller's. */
typedef void(notify_oncall_h)(struct notify *nt, const struct notify_oncall *oc,
			      void *arg);
/* Use h for the on-call step from now on (NULL: the step is not taken). */
void notify_oncall_use(struct notify *nt, notify_oncall_h *h, void *arg);
/* Write attempt oc's trail row before anything is done: to
 * oc->employee_id "ringing", or "no one on call" when it is 0; oc->esc_id
 * gets the row.  EALREADY if the attempt has a row (a restart, another
 * node): do not call then. */
int notify_oncall_claim(struct notify *nt, struct notify_oncall *oc);
/* The claimed attempt oc came to outcome ("answered", "acknowledged",
 * "unacknowledged", "no_answer", "busy", "failed") with the call's SIP
 * status (0 none).  "acknowledged" first marks the note opened and
 * acknowledged by oc->employee_id (store_note_read_mark): no further
 * step or attempt is due then. */
int notify_oncall_outcome(struct notify *nt, const struct notify_oncall *oc,
			  const char *outcome, uint16_t sip_code);

#endif
