/*
 * secretariat.h - the answering service (seeds/001, seeds/002): the rules
 * of a client's back office that are more than storage.  http calls
 * these; they call the store.  One section per part, each naming its
 * files.
 */
#ifndef SWITCHBOARD_SECRETARIAT_H
#define SWITCHBOARD_SECRETARIAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

struct mbuf;
struct phone_ctx;

/* ==== employees and CSV (employee.c, csv.c) ==== */

/*
 * An employee's name as the client writes it (seeds/001): "Vorname
 * Nachname" or "Nachname, Vorname".  Without a comma the last word is
 * the surname ("Anna Maria Schmidt"); a surname of several words is
 * written with the comma ("von Goethe, Johann Wolfgang").  One word is
 * a surname alone ("Empfang").
 */
enum {
	SEC_NAME_MAX = 127, /* [bytes] a name as written */
	SEC_CC_MAX = 5,     /* addresses in an employee's CC */
};

/* Parse name into e's first_name, last_name and surname_first, with
 * white space trimmed and runs of it made one space.  EINVAL: empty, more
 * than one comma, a comma without a name on either side; ENAMETOOLONG: a
 * part longer than its field.  e is unchanged on an error. */
int sec_name_parse(struct store_employee *e, const char *name);
/* e's name as written: "Müller, Hans" (surname_first) or "Hans Müller". */
void sec_name_format(char *buf, size_t sz, const struct store_employee *e);
/* s as a German phone book compares it (DIN 5007-2): lower case, ä ö ü
 * as ae oe ue, ß as ss, other accents dropped (é as e), punctuation and
 * spaces left out; other characters as they are. */
void sec_name_fold(char *buf, size_t sz, const char *s);
/* Phone-book order: surname, then first name (both folded), then as
 * written, then id.  <0, 0, >0. */
int sec_employee_cmp(const struct store_employee *a,
		     const struct store_employee *b);
/* h with each employee of tenant_id (0: all), in phone-book order if
 * by_name, else by id.  ENOMEM, or the store's or h's error. */
int sec_employee_list(struct store *st, int64_t tenant_id, bool by_name,
		      store_employee_h *h, void *arg);

/* local@domain.tld: no spaces, one '@', a dot inside the domain. */
bool sec_email_ok(const char *s);
/* The CC addresses of in (separated by ',', ';' or white space; "" is
 * none) as "a@x.example, b@y.example" into buf.  EINVAL with the first
 * bad address in bad (badsz bytes); E2BIG for more than SEC_CC_MAX or
 * more than fits. */
int sec_cc_normalise(char *buf, size_t sz, const char *in, char *bad,
		     size_t badsz);
/* A mobile number for SMS as E.164 into buf: "+49 170 1234567",
 * "0049 170 1234567" or the national "0170 1234567" (country of ctx).
 * EINVAL for anything else, e.g. a number without a leading + or 0, which
 * could be a local one (never guessed). */
int sec_mobile_normalise(char *buf, size_t sz, const char *in,
			 const struct phone_ctx *ctx);
/* The tenant's dialling context (country "49" if it has none). */
void sec_tenant_ctx(const struct store_tenant *t, struct phone_ctx *ctx);
/* The field of e that contradicts another ("sms" or "vip_sms" without a
 * mobile), or NULL. */
const char *sec_employee_conflict(const struct store_employee *e);

/* Who stands in for whom, for the cycle check: id (any non-0 value; new
 * rows of an import use negative ones) and its substitute (0: none). */
struct sec_sub {
	int64_t id;
	int64_t substitute_id;
};

/* Is there a cycle of substitutes (A -> B -> A, or A -> A) in v?  True
 * with the id of a member of one in *idp, false if none.  v is sorted
 * in place by id; a substitute not in v ends a chain. */
bool sec_substitute_cycle(struct sec_sub *v, size_t n, int64_t *idp);
/* The substitute of e (e->id 0: a new one) against the store: ENOENT no
 * such employee, EXDEV one of another tenant, ELOOP e itself or a chain
 * leading back to e.  0 if e has none. */
int sec_substitute_check(struct store *st, const struct store_employee *e);

/* A problem of an imported file: where, and what. */
struct sec_csv_error {
	unsigned line;   /* physical line of the file, from 1; 0: the file */
	char column[24]; /* the field ("mobile"), "" for the whole row      */
	char message[160];
};

/* The outcome of an import. */
struct sec_import {
	unsigned created, updated;
	struct sec_csv_error *errv; /* (owned) the first SEC_CSV_ERRORS   */
	size_t errc;
	bool more; /* there were more errors than errv holds */
};

enum {
	SEC_CSV_ERRORS = 100, /* errors reported of one file at most */
	SEC_CSV_ROWS = 10000, /* employees in one file at most       */
};

/* The file p (n bytes) as UTF-8 text into *outp (mem_alloc()ed,
 * NUL-terminated, length *lenp): a UTF-8 BOM is dropped, text that is
 * not UTF-8 is read as Windows-1252.  *cp1252 tells which (may be NULL).
 * EPROTO for UTF-16 (a BOM) or a NUL byte; ENOMEM. */
int sec_csv_decode(char **outp, size_t *lenp, const uint8_t *p, size_t n,
		   bool *cp1252);
/* The separator of the CSV text s: the one of ';', ',' and TAB that is
 * found most often outside quotes in its first line (';' on a tie,
 * ',' if none). */
char sec_csv_delim(const char *s, size_t n);
/* One record of a file: its first physical line, its fields (UTF-8). */
typedef int(sec_csv_row_h)(unsigned line, char *const *fieldv, size_t fieldc,
			   void *arg);
/* Call h for every record of the CSV text s (delimiter delim, quotes "),
 * CRLF, LF or CR line ends, quoted fields spanning lines; empty lines
 * are skipped.  EPROTO on a malformed quote, with its line in *linep;
 * else h's error, or ENOMEM. */
int sec_csv_parse(const char *s, size_t n, char delim, sec_csv_row_h *h,
		  void *arg, unsigned *linep);

/* Import the CSV file p (n bytes) into tenant_id's employees, all or
 * nothing: 0 with the counts in *res, or EPROTO with res->errv (nothing
 * changed), ENOENT no such tenant, ENOMEM, EIO.  Release *res with
 * sec_import_reset() in any case. */
int sec_employee_import(struct store *st, int64_t tenant_id, const uint8_t *p,
			size_t n, struct sec_import *res);
void sec_import_reset(struct sec_import *res);
/* The employees of tenant_id as a CSV file appended to mb: UTF-8 with a
 * BOM, ';' separated, CRLF, German headers, in phone-book order (what
 * Excel opens as it is).  ENOMEM, the store's error. */
int sec_employee_export(struct store *st, int64_t tenant_id, struct mbuf *mb);
/* ==== availability and on-call (availability.c, oncall.c) ==== */

/* Where the text an agent sees for an employee comes from. */
enum secr_avail_source {
	SECR_AVAIL_NONE = 0,    /* "none": nothing to say              */
	SECR_AVAIL_APPOINTMENT, /* "appointment": one runs at the moment */
	SECR_AVAIL_ABSENCE,     /* "absence_info": the permanent text   */
};

const char *secr_avail_source_name(enum secr_avail_source s);

/* What the agent sees for an employee at a moment, and how long. */
struct secr_availability {
	enum secr_avail_source source;
	const char *text;       /* (weak) into the inputs; "" for none    */
	int64_t appointment_id; /* the appointment shown, 0 if none       */
	uint64_t from;          /* [ms] shown since (0: unknown/always)   */
	uint64_t until;         /* [ms] shown until (0: no end known)     */
};

/*
 * The rule of seeds/001 at utc_ms: an appointment that runs (starts_at
 * <= utc_ms < ends_at) replaces the absence info; afterwards the absence
 * info returns by itself.  Appointments may overlap: the one that started
 * last shows (a meeting inside a holiday), on a tie the one that ends
 * first, then the lower id.  until is when the text shown changes: the
 * end of the appointment, or the start of one that would take over
 * earlier; for the absence info the next appointment's start.  absence
 * may be NULL or "".  Never fails.
 */
void secr_availability_at(const struct store_appointment *apptv, size_t apptc,
			  const char *absence, uint64_t utc_ms,
			  struct secr_availability *out);

/* The full answer for employee_id, read from the store (its absence info
 * and the appointments that matter around utc_ms), into *out; text points
 * into *absp or the appointment copy in *apptp, which the caller keeps.
 * 0, ENOENT for no such employee, or an error of the store. */
int secr_employee_availability(struct store *st, int64_t employee_id,
			       uint64_t utc_ms, struct store_absence *absp,
			       struct store_appointment *apptp,
			       struct secr_availability *out);

/* Why someone is on duty. */
enum secr_oncall_source {
	SECR_ONCALL_NONE = 0, /* "none": before the first handoff      */
	SECR_ONCALL_ROTATION, /* "rotation": the member whose turn it is */
	SECR_ONCALL_OVERRIDE, /* "override": a dated swap               */
};

const char *secr_oncall_source_name(enum secr_oncall_source s);

/* Who is on duty at a moment, since when and until when. */
struct secr_oncall {
	enum secr_oncall_source source;
	int64_t employee_id; /* 0 for none                            */
	int64_t override_id; /* the override, 0 if none               */
	size_t turn;         /* rotation: the member's index          */
	uint64_t from;       /* [ms] on duty since (0: none)          */
	uint64_t until;      /* [ms] until the next change (the next
				handoff or an override's start or end) */
};

/* The days between handoffs of s: rotation_days, 7 if it is 0. */
uint32_t secr_oncall_period(const struct store_oncall_schedule *s);

/*
 * The UTC moment of handoff k (k = 0 the first, on s->start_date) of the
 * rotation of s: the Berlin date start_date + k * period days at
 * handoff_time, read as time_berlin_utc() does (a handoff at 08:00 stays
 * at 08:00 local across both switch days; one at 02:30 on the spring
 * switch day, a time that does not exist, happens at 03:30 CEST, on the
 * autumn switch day at the first 02:30, CEST).  EINVAL for a bad
 * start_date.
 */
int secr_oncall_handoff(const struct store_oncall_schedule *s, uint64_t k,
			uint64_t *msp);

/*
 * Who of s is on duty at utc_ms: an override that runs then (overrides
 * never overlap; ovrv in any order) wins; else the rotation member
 * whose turn it is (handoff k hands to memberv[k % memberc]); before the
 * first handoff nobody (until = the first handoff, unless an override
 * comes first).  from/until of a rotation turn are cut by the overrides
 * around it.  0, or EINVAL for a bad schedule.
 */
int secr_oncall_at(const struct store_oncall_schedule *s,
		   const struct store_oncall_override *ovrv, size_t ovrc,
		   uint64_t utc_ms, struct secr_oncall *out);

/* The same for the store's schedule id, with its overrides.  0, ENOENT
 * for no such schedule, or an error of the store. */
int secr_oncall_now(struct store *st, int64_t schedule_id, uint64_t utc_ms,
		    struct secr_oncall *out);
/* The person on call for tenant_id at `at`: the first of its schedules
 * (by id) with somebody on duty then (a broken or vanished schedule is
 * passed over) into *employee_idp, 0 if nobody.  0 or an error of the
 * store. */
int secr_oncall_first(struct store *st, int64_t tenant_id, uint64_t at,
		      int64_t *employee_idp);
/* ==== the person on call phoned for an urgent note (oncall_phone.c,
 * oncall_text.c) ==== */

enum {
	SECR_ONCALL_TEXT = 1000, /* [bytes] a summary (speech takes 1024) */
	SECR_ONCALL_NAMES = 200, /* [bytes] the names of a note's people  */
};
/* Add e's name as spoken ("Carl Chef") to the names in buf, after " und "
 * (" and ") if there are some; cut at the end of buf. */
void secr_oncall_name_add(char *buf, size_t sz, enum store_language lang,
			  const struct store_employee *e);
/*
 * What the person on call hears for note n in lang (German for an
 * unknown one), into buf (cut at its end, at most SECR_ONCALL_TEXT
 * used): "Eine dringende Notiz wartet auf <names>. Anrufer: <name>.
 * Rufnummer: plus 4 9 ... . [Anliegen: <concern>.] Drücken Sie die 1, um
 * die Notiz zu bestätigen, die 2, um sie noch einmal zu hören."  The
 * caller's parts only if the note has them; the concern (its first 300
 * bytes) only with full_text, the client's note setting for SMS and push.
 */
void secr_oncall_summary(char *buf, size_t sz, enum store_language lang,
			 const char *names, const struct store_note *n,
			 bool full_text);
/* The confirmation after the digit 1, in lang. */
const char *secr_oncall_done(enum store_language lang);

/*
 * The application that places escalation step 2's calls (the diagram at
 * the top of oncall_phone.c): registered with nt (notify_oncall_use) from
 * now on; freeing it unregisters it and ends the calls it placed (their
 * attempts stay as they are in the trail).
 */
struct secr_oncall_phone;
struct notify;
struct call_ctx;
struct config;
int secr_oncall_phone_alloc(struct secr_oncall_phone **opp,
			    const struct config *cfg, struct store *st,
			    struct notify *nt, struct call_ctx *calls);

/* ==== transfer with consultation: whom it tries (transfer.c) ==== */

enum secr_try_role {
	SECR_TRY_EMPLOYEE = 0, /* "employee": the one asked for      */
	SECR_TRY_SUBSTITUTE,   /* "substitute": its substitute        */
	SECR_TRY_ONCALL,       /* "oncall": on duty at that moment    */
};

struct secr_try {
	enum secr_try_role role;
	int64_t employee_id;
};

enum { SECR_TRIES = 3 };

const char *secr_try_role_name(enum secr_try_role r);

/*
 * Whom a transfer to employee_id of tenant_id tries at `at` (UTC ms), in
 * order (the rule at the top of transfer.c): at most max into tryv, *np
 * of them.  0, ENOENT for no such employee of the tenant, or an error
 * of the store.
 */
int secr_transfer_tries(struct store *st, int64_t tenant_id,
			int64_t employee_id, uint64_t at, struct secr_try *tryv,
			size_t max, size_t *np);

/* ==== callers: VIPs, allow and block lists (callers.c) ==== */

/* What happens to a caller (see the rule at the top of callers.c). */
enum secr_caller_decision {
	SECR_CALLER_NONE = 0, /* "none": nothing special          */
	SECR_CALLER_BLOCK,    /* "block": rejected                */
	SECR_CALLER_ALLOW,    /* "allow": put through directly    */
	SECR_CALLER_VIP,      /* "vip": a VIP, with its info      */
};

/* Why. */
enum secr_caller_reason {
	SECR_REASON_NONE = 0,    /* null                              */
	SECR_REASON_BLOCK_LIST,  /* "block_list": the tenant's         */
	SECR_REASON_ALLOW_LIST,  /* "allow_list": the tenant's         */
	SECR_REASON_VIP,         /* "vip": the tenant's VIPs           */
	SECR_REASON_ADVERTISING, /* "advertising": the shared list     */
	SECR_REASON_ANONYMOUS,   /* "anonymous": no caller ID, blocked */
};

enum {
	SECR_PREFIX_MAX = 14,     /* digits of a prefix, at most          */
	SECR_CALLER_MATCHES = 16, /* entries that can match one number    */
};

const char *secr_caller_decision_name(enum secr_caller_decision d);
/* "" for SECR_REASON_NONE. */
const char *secr_caller_reason_name(enum secr_caller_reason r);

/* True for a caller ID without any digit: none, "", "anonymous",
 * "unknown", "restricted" (withheld). */
bool secr_caller_anonymous(const char *in);
/*
 * A number of an allow/block/advertising list into buf: a number as
 * phone_normalise() reads it in ctx (E.164), or a prefix ending in '*'
 * written with +, 00 or 0 (national, ctx's country; never a local
 * number): "0221 123*" is "+49221123*", 2 to SECR_PREFIX_MAX digits.
 * EINVAL for anything else (or if it does not fit).
 */
int secr_caller_number(char *buf, size_t sz, const char *in,
		       const struct phone_ctx *ctx);
/* How well list number entry matches the E.164 number: 0 not at all, a
 * prefix its length without the '*', the number itself its length + 1
 * (more than any prefix of it). */
size_t secr_caller_match(const char *entry, const char *e164);

/* What the decision reads. */
struct secr_caller_in {
	const char *number; /* E.164; NULL or "": anonymous           */
	uint64_t at;        /* [ms] UTC: entries in force then         */
	const struct store_caller_settings *settings; /* NULL: all off */
	const struct store_caller_entry *entryv;      /* the tenant's entries
						    (any, any order)   */
	size_t entryc;
	const struct store_vip *vip;      /* the number's VIP, or NULL */
	const struct store_ad_caller *ad; /* an advertising match, or NULL */
};

/* The answer; pointers are weak, into the input. */
struct secr_caller {
	enum secr_caller_decision decision;
	enum secr_caller_reason reason;
	const struct store_caller_entry *entry; /* allow/block: the winner */
	const struct store_vip *vip;            /* vip, allow: the VIP     */
	const struct store_ad_caller *ad;       /* advertising: the entry  */
	int64_t employee_id; /* allow/vip: put through to, 0 company */
};

/* The rule of callers.c on in.  Never fails. */
void secr_caller_decide(const struct secr_caller_in *in,
			struct secr_caller *out);

/* What secr_caller_classify() read; out points into it. */
struct secr_caller_lookup {
	char number[40]; /* the caller as E.164, "" if none/not public */
	bool anonymous;
	struct store_caller_settings settings;
	struct store_caller_entry entryv[SECR_CALLER_MATCHES];
	size_t entryc;
	struct store_vip vip;
	bool has_vip;
	struct store_ad_caller ad;
	bool has_ad;
};

/*
 * The caller `in` (a caller ID as it arrives: "0221 4711", "+49...",
 * "anonymous") of tenant_id at `at`: normalised in the tenant's dialling
 * context, looked up in the store, decided.  A caller ID with digits
 * that is no public number (an extension) is nothing special.  0,
 * ENOENT for no such tenant, or an error of the store.  l is large
 * (allocate it).
 */
int secr_caller_classify(struct store *st, int64_t tenant_id, const char *in,
			 uint64_t at, struct secr_caller_lookup *l,
			 struct secr_caller *out);

struct odict;

/* ==== client profile (profile.c) ==== */

/*
 * A client's profile is a JSON object of these settings:
 *
 *   greeting        text with [Vorname, Nachname], [Vorname] or [Nachname]
 *   instructions    text (multi-line)
 *   transfer        bool: the tariff has the transfer option
 *   note_fields     [{label, type, required, choices}]: asked besides the
 *                   fixed Name, Telefonnummer, Anliegen
 *   faq             [{question, answer}]
 *   call_guide      text (multi-line)
 *   vip_call_guide  text (multi-line)
 *   order_form      [{label, type, required, choices}]
 *   hours           [{days, start, end}]: the client's opening hours
 *
 * and every change is a dated version (store_profile_version): the
 * settings it gives over those in force at its effective time.  See the
 * top of profile.c for the rules.
 */

enum {
	PROFILE_WHY_SZ = 256, /* [bytes] room for a refusal's explanation */
	PROFILE_PAST_SLACK = 60000, /* [ms] an effective_from this far in
				       the past counts as now (clocks)    */
};

/* What the agent says without the transfer option (seeds/001). */
extern const char profile_no_transfer_text[];

/* 0 if greeting has a placeholder and no unknown one; else EINVAL with
 * why ("greeting: ..."). */
int profile_greeting_check(const char *greeting, char *why, size_t sz);
/* greeting with [Vorname, Nachname], [Vorname] and [Nachname] replaced by
 * the agent's names (NULL: ""), into a new string *outp.  Any other text
 * in brackets stays as it is.  0 or ENOMEM/EINVAL. */
int profile_greeting_fill(char **outp, const char *greeting, const char *first,
			  const char *last);

/*
 * The settings a version body gives, checked and normalised into a new
 * object *givenp (in the order of the settings' table); the key
 * "effective_from" is skipped.  EBADMSG for an unknown or repeated key,
 * EINVAL for a bad value, each with why naming it by its path
 * ("note_fields[2].type: must be ...").
 */
int profile_given_read(struct odict **givenp, const struct odict *body,
		       char *why, size_t sz);
/* The whole profile *docp: given over prev (NULL: the defaults, no
 * greeting).  EINVAL (why "greeting: ...") if the result has no
 * greeting. */
int profile_merge(struct odict **docp, const struct odict *prev,
		  const struct odict *given, char *why, size_t sz);
/* The settings whose values differ between prev (NULL: all of doc's)
 * and doc, as "greeting,hours" into a new string *sp. */
int profile_changed(char **sp, const struct odict *prev,
		    const struct odict *doc);

/*
 * A new version of tenant_id's profile from a request body: its settings
 * (profile_given_read) and "effective_from" (ISO time; absent or null:
 * now; before now - PROFILE_PAST_SLACK refused) over the version in force
 * at that time.  Versions scheduled after it take its settings where they
 * do not give their own (they are rewritten in the same transaction).
 * *vp the stored version.  EBADMSG/EINVAL with why (400/422), or the
 * store's error.
 */
int profile_version_add(struct store *st, int64_t tenant_id,
			const struct odict *body, uint64_t now, const char *by,
			struct store_profile_version **vp, char *why,
			size_t sz);
/*
 * Cancel the scheduled version number `version`: the versions after it
 * take over what was in force before it.  ENOENT: no such version;
 * EBUSY (why): it took effect already or is cancelled; EINVAL (why):
 * a later version would be left without a greeting.
 */
int profile_version_cancel(struct store *st, int64_t tenant_id, int64_t version,
			   uint64_t now, const char *by, char *why, size_t sz);
/* A version's settings as a new object *op (EPROTO if not JSON). */
int profile_settings(struct odict **op, const struct store_profile_version *v);
/*
 * What an agent sees at `at` with version v: the greeting filled with
 * the agent's names, the instructions, the transfer option or the
 * standard text, the note fields (the fixed three, then the client's),
 * FAQ, call guides, order form, hours and whether it is open at `at`
 * (Berlin time; null without hours), and the version's id and number.
 */
int profile_agent_view(struct odict **op, const struct store_profile_version *v,
		       const char *first, const char *last, uint64_t at);

/* ==== screen pop (pop.c) ==== */

/*
 * What agent_id sees when call record_id (of queue queue_id, 0: none) is
 * offered to him, as of `at` [ms UTC]: the client, the caller and VIP
 * info, the profile in force at `at` with the agent's name in the
 * greeting, the call guide (the VIP one for a VIP caller), the digits
 * collected, the employees with what holds for them at `at` (never an
 * e-mail address); the keys at the top of pop.c and in docs/api.md.
 * The client is the call's tenant (the agent may be another's: a pool).
 * A new object *op.  ENOENT: no such call, agent or tenant; an error of
 * the store; ENOMEM.
 */
int sec_pop_build(struct odict **op, struct store *st, int64_t record_id,
		  int64_t agent_id, int64_t queue_id, uint64_t at);
/* ==== call notes (note.c) ==== */

/*
 * The client's fields of a call note (a JSON object label -> value),
 * checked against the note_fields of profile version v (NULL: the client
 * has none, so no field may be given): types, required fields and
 * choices.  The checked fields as JSON text into out.  EINVAL with why
 * ("fields.<label>: ..."), or an error reading v.
 */
int secr_note_fields_check(const struct store_profile_version *v,
			   const struct odict *fields, char *out, size_t outsz,
			   char *why, size_t sz);

/* Escalation of urgent notes that nobody acknowledged (later) starts
 * from store_note_reads() of the note: acked_at 0 for every employee. */

#endif
