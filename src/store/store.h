/*
 * store.h - the durable state of Switchboard, and the only way to reach it.
 *
 * Tenants, employees, devices, number blocks and numbers, announcements,
 * trunks, registrations, call records, the outbox of deliveries and API
 * tokens live here.  Callers see
 * plain C records and errno codes, never SQL: the SQLite backend
 * (store/sqlite_*.c, one file per concept, see sqlite_int.h) is one
 * implementation, a PostgreSQL backend will be another behind this same
 * header.
 *
 * Conventions
 *  - Every function returns 0 or an errno value:
 *      EINVAL  bad argument (NULL, empty required field)
 *      ENOENT  no such record
 *      EEXIST  a unique value is taken (username, number, extension)
 *      EBUSY   the record is in use (personal number of another employee,
 *              number routed to another target, tenant with data)
 *      EACCES  number is inactive
 *      EXDEV   records belong to different tenants
 *      EPERM   a rule forbids it (personal number target must be employee)
 *      ERANGE  number outside the tenant's number blocks
 *      EIO     the database failed (logged by the store)
 *  - Ids are int64 > 0; 0 means "none".
 *  - Times are UTC milliseconds since the epoch (core/time).
 *  - Phone numbers are E.164 ("+4922182829980").
 *  - Strings are NUL-terminated, truncated to the field size.
 *  - Records are copied out; the caller owns its copy.
 *  - Settings with a fixed set of values are enums.  The database stores,
 *    and the API shows, their names (store/names.c, one table each):
 *    store_<x>_name() gives the name of a value ("unknown" for a value
 *    outside the enum), store_<x>_parse() the value of a name: 0, or
 *    EINVAL for an unknown name or NULL (vp may be NULL to only check).
 *    Code that handles any of them (a table of API fields) uses the
 *    tables themselves, struct store_names below.
 *  - List functions call h once per record in id order; h returning non-0
 *    stops the walk and that value is returned.
 *  - All functions run on the re_main thread and may block briefly on disk.
 */
#ifndef SWITCHBOARD_STORE_H
#define SWITCHBOARD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* Run h(st, arg) as one transaction: every change h makes through this
 * header is kept if h returns 0, and none is if it returns an errno (which
 * is returned).  Calls nest. */
typedef int(store_batch_h)(struct store *st, void *arg);
int store_batch(struct store *st, store_batch_h *h, void *arg);

/*
 * The store's write transactions (store_tx() and its kin; on PostgreSQL
 * each holds the write lock shared by all nodes, on SQLite the file's
 * write lock of BEGIN IMMEDIATE): how many this process ran, how long it
 * waited for the lock (from the BEGIN until it was granted) and how long
 * it held it (until the commit or rollback).  wait_le[i] counts the waits
 * of at most STORE_TX_WAIT_BOUND_US[i] microseconds.  For the metrics and
 * bench/lock_bench.py: a lock held most of the time is what limits.
 */
enum { STORE_TX_WAIT_BUCKETS = 8 };
extern const uint32_t STORE_TX_WAIT_BOUND_US[STORE_TX_WAIT_BUCKETS];
struct store_tx_stats {
	uint64_t count;   /* write transactions begun                */
	uint64_t failed;  /* of them, the lock not granted (busy, gone) */
	uint64_t wait_us; /* summed waits for the lock               */
	uint64_t held_us; /* summed time held, lock granted to end   */
	uint64_t wait_max_us;
	uint64_t wait_le[STORE_TX_WAIT_BUCKETS];
};
void store_tx_stats_get(const struct store *st, struct store_tx_stats *s);

/* Open (create if missing) and migrate the database to the newest schema.
 * WAL mode, foreign keys on.  *stp is a mem_deref()-able object. */
int store_open(struct store **stp, const char *path);
/* Schema version after migrations (for tests and logs). */
int store_schema_version(struct store *st);
/* True if no tenant exists yet. */
bool store_is_empty(struct store *st);
/* Hand back the memory the store keeps only for speed (SQLite's cache of
 * database pages, refilled from the file when needed), e.g. when the node
 * falls idle after a load peak.  Data and prepared statements stay.
 * 0, or EINVAL if st is NULL. */
int store_release_memory(struct store *st);

/* ---- online backup (sqlite_backup.c, db_pg_dump.c) ---------------------- */

/* A copy of the database into the new file path, made while the store is
 * in use.  On SQLite: the backup API on the store's connection, a plain
 * database file (journal mode DELETE) with the schema version of the
 * store; step copies up to pages database pages and sets *done once the
 * copy is complete and closed (a change the store makes between steps is
 * carried into the copy); EBUSY when SQLite could not lock the database
 * or the copy this time (nothing copied: step again later, the caller
 * decides how long).  On PostgreSQL: pg_dump -Fc (a child process,
 * postgresql-client) makes the copy on its own: step never waits and
 * answers EAGAIN while it runs (ask again later), *done when it exited
 * with 0; begin fails with ENOENT when pg_dump is not installed.  begin:
 * EEXIST if path exists, EIO if it cannot be made; step: EIO on failure,
 * store_backup_reason() then says why when the copy's tool did ("": see
 * the log).  Dereferencing *bp before done gives up (pg_dump is ended;
 * the file stays, incomplete: the caller removes it).
 * store_backup_file(): the copy's usual file name, "switchboard.db" or
 * "switchboard.dump" (pg_restore's custom format). */
struct store_backup;
int store_backup_begin(struct store_backup **bp, struct store *st,
		       const char *path);
int store_backup_step(struct store_backup *b, int pages, bool *done);
const char *store_backup_reason(const struct store_backup *b);
const char *store_backup_file(const struct store *st);

/* ---- names of enumerated settings ------------------------------------- */

/* The names of one enum of this header, indexed by its values (NULL: no
 * such value). */
struct store_names {
	const char *const *v;
	size_t n;
};

extern const struct store_names store_names_srtp, store_names_transport,
    store_names_direction, store_names_disposition, store_names_party,
    store_names_target, store_names_region, store_names_sched_state,
    store_names_language, store_names_channel, store_names_outbox_state,
    store_names_prompt_purpose, store_names_ring_strategy,
    store_names_queue_strategy, store_names_agent_state, store_names_claim_kind,
    store_names_acd_change_kind, store_names_visit_outcome,
    store_names_callback_state, store_names_transfer, store_names_trunk_match;

/* The name of value v of t; NULL if v is no value of t. */
const char *store_names_get(const struct store_names *t, int v);
/* True if v is a value of t. */
bool store_names_has(const struct store_names *t, int v);
/* The value of t named s into *vp (vp may be NULL); EINVAL if t has no
 * such name or s is NULL. */
int store_names_find(const struct store_names *t, const char *s, int *vp);

/* ---- tenants ---------------------------------------------------------- */

/* The language of a tenant's prompts and speech: the folder of the
 * default prompt set (data/prompts.tsv). */
enum store_language {
	STORE_LANG_DE = 0, /* "de" */
	STORE_LANG_EN,     /* "en" */
};

const char *store_language_name(enum store_language v);
int store_language_parse(const char *s, enum store_language *vp);

struct store_tenant {
	int64_t id;
	char name[128];
	char country_code[8];         /* "49"  dialling context of its users */
	char area_code[8];            /* "221" without the leading 0         */
	char central_number[24];      /* E.164 caller ID by default, or ""   */
	enum store_language language; /* prompts, speech (migration 7) */
	char moh_prompt[128];         /* music on hold, relative to the prompts
				 directory; "" = the node's moh.wav
				 (migration 11) */
	uint64_t created_at;
};

typedef int(store_tenant_h)(const struct store_tenant *t, void *arg);

int store_tenant_add(struct store *st, struct store_tenant *t); /* sets id */
int store_tenant_get(struct store *st, int64_t id, struct store_tenant *t);
int store_tenant_update(struct store *st, const struct store_tenant *t);
/* EBUSY while employees, devices, numbers or blocks exist. */
int store_tenant_delete(struct store *st, int64_t id);
int store_tenant_list(struct store *st, store_tenant_h *h, void *arg);

/* ---- employees -------------------------------------------------------- */

/* Which calls an answering-service agent puts through to an employee
 * (seeds/001 "Mitarbeiter wünscht Durchstellen" / "VIP Durchstellen"). */
enum store_transfer {
	STORE_TRANSFER_NONE = 0, /* "none": a call note, never put through */
	STORE_TRANSFER_ALL,      /* "all": every call, after consultation  */
	STORE_TRANSFER_VIP,      /* "vip": callers of the VIP list only    */
};

const char *store_transfer_name(enum store_transfer v);
int store_transfer_parse(const char *s, enum store_transfer *vp);

struct store_employee {
	int64_t id;
	int64_t tenant_id;
	char first_name[64];
	char last_name[64];
	char email[128];
	char extension[16];        /* internal short number, unique/tenant */
	char personal_number[24];  /* E.164, "" = none: a fault            */
	bool show_personal_number; /* outbound caller ID: personal number
				       instead of the central number        */
	uint64_t created_at;
	/* the answering service's fields (seeds/001, migration 19) */
	bool surname_first;       /* name written "Nachname, Vorname"       */
	char cc[256];             /* copies: "a@x.example, b@y.example"     */
	char position[64];        /* "Geschäftsführer"                      */
	char responsibility[256]; /* "Neukunden/Interessenten"            */
	char mobile[24];          /* E.164 for SMS, "" = none               */
	bool sms;                 /* call notes also by SMS (needs mobile)  */
	int64_t substitute_id;    /* employee of the same tenant, 0 = none;
				   deleting it sets 0                      */
	char transfer_number[24]; /* E.164 the agent puts calls through to,
				     "" = none                             */
	enum store_transfer transfer;
	bool vip_sms; /* an SMS about each VIP caller (needs mobile)      */
};

typedef int(store_employee_h)(const struct store_employee *e, void *arg);

/* personal_number is ignored here; use store_employee_set_personal(). */
int store_employee_add(struct store *st, struct store_employee *e);
int store_employee_get(struct store *st, int64_t id, struct store_employee *e);
int store_employee_by_extension(struct store *st, int64_t tenant_id,
				const char *ext, struct store_employee *e);
int store_employee_update(struct store *st, const struct store_employee *e);
/* Frees its personal number (target none), deletes its devices.  EBUSY
 * while a schedule or menu routes to it or it is a member of a ring
 * group (store_target_used_by() says which): they are not changed
 * behind their owner's back. */
int store_employee_delete(struct store *st, int64_t id);
/* tenant_id 0 = all tenants. */
int store_employee_list(struct store *st, int64_t tenant_id,
			store_employee_h *h, void *arg);

/*
 * Make number e164 the personal number of employee id (seeds/003).  The
 * number must exist (ENOENT), belong to the employee's tenant (EXDEV), be
 * active (EACCES) and be free: not another employee's personal number and
 * not routed to another target (EBUSY).  The old personal number, if any,
 * is released (target none).  The number's target becomes the employee.
 * e164 NULL or "" removes the personal number (the employee has a fault).
 */
int store_employee_set_personal(struct store *st, int64_t id, const char *e164);

/* ---- devices (SIP credentials) ---------------------------------------- */

/* Media encryption of a device's calls (SDES-SRTP, RFC 4568). */
enum store_srtp {
	STORE_SRTP_AUTO = 0, /* "auto": by the transport, keys on TLS */
	STORE_SRTP_OFF,      /* "off": plain RTP                      */
	STORE_SRTP_OPTIONAL, /* "optional": offered, best effort      */
	STORE_SRTP_REQUIRED, /* "required": SRTP only                 */
};

const char *store_srtp_name(enum store_srtp v);
int store_srtp_parse(const char *s, enum store_srtp *vp);

struct store_device {
	int64_t id;
	int64_t tenant_id;
	int64_t employee_id;  /* 0 = not assigned                    */
	char username[64];    /* SIP user, unique over all tenants   */
	char ha1[33];         /* hex MD5(username:realm:password)    */
	char name[64];        /* "Desk phone", "Softclient"          */
	enum store_srtp srtp; /* media encryption (migration 3)     */
	uint64_t created_at;
};

typedef int(store_device_h)(const struct store_device *d, void *arg);

int store_device_add(struct store *st, struct store_device *d);
int store_device_get(struct store *st, int64_t id, struct store_device *d);
int store_device_by_username(struct store *st, const char *username,
			     struct store_device *d);
int store_device_update(struct store *st, const struct store_device *d);
int store_device_delete(struct store *st, int64_t id);
/* tenant_id 0 = all; employee_id 0 = any employee. */
int store_device_list(struct store *st, int64_t tenant_id, int64_t employee_id,
		      store_device_h *h, void *arg);

/* ---- number blocks and numbers ---------------------------------------- */

struct store_number_block {
	int64_t id;
	int64_t tenant_id;
	char first[24]; /* E.164, first number of the block */
	char last[24];  /* E.164, last number, same length   */
	uint64_t created_at;
};

typedef int(store_number_block_h)(const struct store_number_block *b,
				  void *arg);

/* ERANGE if last < first or lengths differ; EEXIST if it overlaps. */
int store_block_add(struct store *st, struct store_number_block *b);
int store_block_get(struct store *st, int64_t id, struct store_number_block *b);
/* EBUSY while numbers of the block exist. */
int store_block_delete(struct store *st, int64_t id);
int store_block_list(struct store *st, int64_t tenant_id,
		     store_number_block_h *h, void *arg);
/* The block of tenant_id (0: any tenant) that holds e164; ERANGE if
 * none does. */
int store_block_find(struct store *st, int64_t tenant_id, const char *e164,
		     struct store_number_block *b);

/* What a number routes to: "none", "employee", "announcement",
 * "schedule", "ivr", "voicemail", "external", "digit_input",
 * "ring_group", "queue". */
enum store_target {
	TARGET_NONE = 0,
	TARGET_EMPLOYEE,
	TARGET_ANNOUNCEMENT,
	TARGET_SCHEDULE,   /* time control: one of its three targets */
	TARGET_IVR,        /* a voice menu                           */
	TARGET_VOICEMAIL,  /* a mailbox (migration 10)               */
	TARGET_EXTERNAL,   /* an external number (store_external)    */
	TARGET_COLLECT,    /* a digit input (store_digit_input)      */
	TARGET_RING_GROUP, /* several employees rung (Gruppenruf)    */
	TARGET_QUEUE,      /* a hotline queue (ACD, migration 14)     */
};

const char *store_target_name(enum store_target v);
int store_target_parse(const char *s, enum store_target *vp);

/* ---- time control (schedules) ------------------------------------------ */

/* Whose public holidays a schedule keeps: none, or a German federal
 * state by its ISO 3166-2:DE code ("BW" Baden-Wuerttemberg ... "TH"
 * Thuringia).  The holidays themselves are route/holiday.c's. */
enum store_region {
	STORE_REGION_NONE = 0, /* ""   */
	STORE_REGION_BW,
	STORE_REGION_BY,
	STORE_REGION_BE,
	STORE_REGION_BB,
	STORE_REGION_HB,
	STORE_REGION_HH,
	STORE_REGION_HE,
	STORE_REGION_MV,
	STORE_REGION_NI,
	STORE_REGION_NW,
	STORE_REGION_RP,
	STORE_REGION_SL,
	STORE_REGION_SN,
	STORE_REGION_ST,
	STORE_REGION_SH,
	STORE_REGION_TH,
};

const char *store_region_name(enum store_region v);
int store_region_parse(const char *s, enum store_region *vp);

/* What a schedule says at a moment; each state has its own target. */
enum store_sched_state {
	STORE_SCHED_OPEN = 0, /* "open"    */
	STORE_SCHED_CLOSED,   /* "closed"  */
	STORE_SCHED_HOLIDAY,  /* "holiday" */
};

const char *store_sched_state_name(enum store_sched_state v);
int store_sched_state_parse(const char *s, enum store_sched_state *vp);

enum {
	STORE_SCHED_RANGES = 32,     /* weekly ranges of a schedule, at most */
	STORE_SCHED_EXCEPTIONS = 64, /* dated exceptions, at most            */
};

/* Open on the days of mask (bit 0 Monday .. bit 6 Sunday) from start to
 * end [min after local midnight], start < end <= 1440. */
struct store_sched_range {
	uint8_t days;
	uint16_t start, end;
};

/* A date with its own rule: state closed or holiday for the whole day,
 * or open from start to end (several rows of one date: several ranges). */
struct store_sched_exception {
	unsigned year, month, day;
	enum store_sched_state state;
	uint16_t start, end; /* [min] for STORE_SCHED_OPEN, else 0 */
};

/* A target as a number has one. */
struct store_target_ref {
	enum store_target type;
	int64_t id; /* 0 for TARGET_NONE */
};

/* Time control of a tenant: where calls go when open, closed, on a
 * holiday (holiday type none: as when closed).  Rules: route.h. */
struct store_schedule {
	int64_t id;
	int64_t tenant_id;
	char name[64];
	enum store_region region; /* whose public holidays */
	struct store_target_ref open, closed, holiday;
	size_t rangec, excc;
	struct store_sched_range rangev[STORE_SCHED_RANGES];
	struct store_sched_exception excv[STORE_SCHED_EXCEPTIONS];
	uint64_t created_at;
};

typedef int(store_schedule_h)(const struct store_schedule *s, void *arg);

/* Add s with its ranges and exceptions in one transaction (s->id set).
 * EINVAL for a bad field (the API checks the rules first: route.h), a
 * target ENOENT if missing, EXDEV if of another tenant; a schedule
 * target that leads back to s (directly or through others) ELOOP. */
int store_schedule_add(struct store *st, struct store_schedule *s);
int store_schedule_get(struct store *st, int64_t id, struct store_schedule *s);
/* Replace name, region, targets, ranges and exceptions of s->id (tenant
 * fixed: EXDEV if set and different). */
int store_schedule_update(struct store *st, const struct store_schedule *s);
/* EBUSY while a number or another schedule routes to it. */
int store_schedule_delete(struct store *st, int64_t id);
/* tenant_id 0 = all tenants. */
int store_schedule_list(struct store *st, int64_t tenant_id,
			store_schedule_h *h, void *arg);

/* ---- voice menus (IVR) ------------------------------------------------ */

enum { STORE_IVR_OPTIONS = 12 }; /* keys 0-9, * and # */

/* Key -> target of a menu. */
struct store_ivr_option {
	char key; /* '0'-'9', '*', '#' */
	struct store_target_ref target;
};

/* A voice menu: its greeting (a WAV file under the prompts directory,
 * "" for the default greeting in the tenant's language), how long it
 * waits for a key, how often it asks again after no or a wrong key, and
 * where the call goes then (fallback none: goodbye and hang up). */
struct store_ivr_menu {
	int64_t id;
	int64_t tenant_id;
	char name[64];
	char prompt[128]; /* relative to the prompts directory, or ""  */
	uint32_t timeout; /* [s] wait for a key after the greeting     */
	uint32_t retries; /* greeting again after no or a wrong key    */
	bool direct_dial; /* keys may also be a suffix of the central
			     number (Durchwahl): its number's target    */
	struct store_target_ref fallback;
	size_t optionc;
	struct store_ivr_option optionv[STORE_IVR_OPTIONS];
	uint64_t created_at;
};

typedef int(store_ivr_menu_h)(const struct store_ivr_menu *m, void *arg);

/* Add m with its options in one transaction (m->id set): EINVAL for a
 * bad field, targets as a schedule's (ENOENT, EXDEV), ELOOP if its
 * fallback leads back to it without a key pressed. */
int store_ivr_menu_add(struct store *st, struct store_ivr_menu *m);
int store_ivr_menu_get(struct store *st, int64_t id, struct store_ivr_menu *m);
int store_ivr_menu_update(struct store *st, const struct store_ivr_menu *m);
/* EBUSY while a number, schedule or menu routes to it. */
int store_ivr_menu_delete(struct store *st, int64_t id);
int store_ivr_menu_list(struct store *st, int64_t tenant_id,
			store_ivr_menu_h *h, void *arg);

/* ---- voicemail: mailboxes and their messages --------------------------- */

/*
 * A mailbox (Anrufbeantworter) of a tenant: of an employee (employee_id,
 * at most one each; seeds/003), of a department, or the central mailbox
 * of a client (seeds/000), which numbers, schedules and menu keys route
 * to as target "voicemail".  It is enabled while active and, with a
 * schedule, while that schedule's state matches schedule_state (open:
 * while open; closed: while closed or on a holiday; holiday: on holidays
 * only; route.h, route_mailbox_enabled()).  A disabled mailbox takes no
 * calls.
 *
 * An employee's mailbox answers the calls that ring the employee (the
 * personal number and the extension) by the conditions below; those are
 * ignored for a mailbox without employee.  Each message is mailed to
 * email_to (for an employee's mailbox "" = the employee's e-mail) with
 * email_cc, the WAV attached if attach.
 */
struct store_mailbox {
	int64_t id;
	int64_t tenant_id;
	char name[64];       /* spoken in the default greeting, in mails */
	int64_t employee_id; /* owner, 0 = a department or central box   */
	bool active;
	char greeting[128];  /* WAV under the prompts directory, "" = the
				spoken default with the name             */
	char email_to[512];  /* "a@x.example, b@y.example", "" = none  */
	char email_cc[512];  /* same form, "" = none                   */
	bool attach;         /* the WAV goes with the mail             */
	uint32_t min_ms;     /* [ms] shorter messages are dropped      */
	uint32_t max_ms;     /* [ms] a message ends after this, > 0    */
	uint32_t silence_ms; /* [ms] ... or after this silence, 0 off  */
	/* the employee's calls (seeds/003, "eingehende Anrufe") */
	bool at_once;         /* at once, no device rings            */
	uint32_t no_answer_s; /* [s] after ringing this long, 0 off   */
	bool on_busy;         /* when a device answers busy (486)    */
	bool on_unreachable;  /* when no device is registered        */
	int64_t schedule_id;  /* time control, 0 = always enabled    */
	enum store_sched_state schedule_state; /* enabled in this state */
	uint64_t created_at;
};

typedef int(store_mailbox_h)(const struct store_mailbox *m, void *arg);

/* EINVAL for a bad field, ENOENT/EXDEV for an employee or schedule that
 * is missing or another tenant's, EEXIST for a name taken in the tenant
 * or an employee who has a mailbox. */
int store_mailbox_add(struct store *st, struct store_mailbox *m);
int store_mailbox_get(struct store *st, int64_t id, struct store_mailbox *m);
/* The mailbox of employee id; ENOENT if none. */
int store_mailbox_by_employee(struct store *st, int64_t employee_id,
			      struct store_mailbox *m);
/* Tenant and employee are fixed (EXDEV if changed). */
int store_mailbox_update(struct store *st, const struct store_mailbox *m);
/* EBUSY while a number, schedule or menu routes to it, ENOTEMPTY while
 * it holds messages. */
int store_mailbox_delete(struct store *st, int64_t id);
int store_mailbox_list(struct store *st, int64_t tenant_id, store_mailbox_h *h,
		       void *arg);

struct store_outbox;

/* A message left on a mailbox: a WAV file (8 kHz mono 16-bit) and its
 * row, with the mail that reports it (an outbox row, 0 = none). */
struct store_vm_message {
	int64_t id;
	int64_t mailbox_id;
	int64_t tenant_id;     /* the mailbox's                        */
	char caller[64];       /* E.164, an extension, or "" unknown   */
	char caller_name[128]; /* display name, or ""                  */
	uint64_t started_at;   /* [ms] the recording began             */
	uint32_t duration_ms;  /* [ms] recorded                        */
	char file[256];        /* absolute path of the WAV             */
	bool heard;
	int64_t outbox_id; /* its mail, 0 = none                    */
	uint64_t created_at;
};

typedef int(store_vm_message_h)(const struct store_vm_message *m, void *arg);

/*
 * Save message m (its file already renamed into place and synced) and,
 * if mail is not NULL, its mail (as store_outbox_add()) in ONE
 * transaction: both rows or neither.  m->outbox_id and m->id are set.
 * EINVAL for a bad field, ENOENT for a missing mailbox, EEXIST for a
 * file that has a row already.
 */
int store_vm_message_save(struct store *st, struct store_vm_message *m,
			  struct store_outbox *mail);
int store_vm_message_get(struct store *st, int64_t id,
			 struct store_vm_message *m);
/* The message whose file is path; ENOENT if none. */
int store_vm_message_by_file(struct store *st, const char *path,
			     struct store_vm_message *m);
int store_vm_message_set_heard(struct store *st, int64_t id, bool heard);
/* The row only: the caller removes the file. */
int store_vm_message_delete(struct store *st, int64_t id);
/* The messages of a mailbox, oldest first. */
int store_vm_message_list(struct store *st, int64_t mailbox_id,
			  store_vm_message_h *h, void *arg);

/* ---- digit inputs (collecting a number) ------------------------------ */

enum {
	STORE_INPUT_LABEL = 32, /* label: bytes with the NUL               */
	STORE_INPUT_DIGITS = 30 /* max_digits at most: one key more must
				   fit call_collect_prm's 31 (collect.c) */
};

/*
 * A digit input (seeds/004: "Kundennummer ... die dem Agent direkt
 * übergeben wird"): the caller is asked for a number (prompt, a WAV file
 * under the prompts directory, "" for the default one in the tenant's
 * language), types min_digits..max_digits keys ended by the terminator
 * (or by max_digits, or a pause after min_digits), hears it read back
 * and confirms with 1 (2: enter it again) if read_back is set, and the
 * call goes on to target with the value attached under label (the call
 * record, the INVITE to an employee's phones).  Too few keys, no keys or
 * no confirmation: asked again, up to retries times, then fallback
 * (none: goodbye and hang up) without a value.
 */
struct store_digit_input {
	int64_t id;
	int64_t tenant_id;
	char name[64];
	char label[STORE_INPUT_LABEL]; /* "Kundennummer": the value's name */
	char prompt[128];       /* relative to the prompts directory, or "" */
	uint32_t min_digits;    /* 1..max_digits                           */
	uint32_t max_digits;    /* ..STORE_INPUT_DIGITS                    */
	char terminator[2];     /* "#", "*" or "" (none: length or pause)  */
	uint32_t timeout;       /* [s] wait for the first key              */
	uint32_t digit_timeout; /* [s] wait for each further key          */
	uint32_t retries;       /* asked again after no or a bad entry    */
	bool read_back;         /* read back, confirm with 1, 2 corrects  */
	struct store_target_ref target;   /* where the call goes on      */
	struct store_target_ref fallback; /* no value: there, or goodbye */
	uint64_t created_at;
};

typedef int(store_digit_input_h)(const struct store_digit_input *d, void *arg);

/* Add d (d->id set): EINVAL for a bad field (no label, no target, a
 * length outside 1 <= min <= max <= STORE_INPUT_DIGITS, a terminator
 * other than "#", "*", ""), a target ENOENT if missing, EXDEV if of
 * another tenant; a fallback that leads back to d without the caller
 * typing anything (through schedules, menu and input fallbacks) ELOOP;
 * EEXIST for a name the tenant has already. */
int store_digit_input_add(struct store *st, struct store_digit_input *d);
int store_digit_input_get(struct store *st, int64_t id,
			  struct store_digit_input *d);
/* Replace everything but the tenant (EXDEV if set and different). */
int store_digit_input_update(struct store *st,
			     const struct store_digit_input *d);
/* EBUSY while a number, schedule, menu or another input routes to it. */
int store_digit_input_delete(struct store *st, int64_t id);
/* tenant_id 0 = all tenants. */
int store_digit_input_list(struct store *st, int64_t tenant_id,
			   store_digit_input_h *h, void *arg);

/* ---- ring groups (Gruppenruf) ------------------------------------------ */

/* How a ring group rings its members. */
enum store_ring_strategy {
	STORE_RING_SIMULTANEOUS = 0, /* "simultaneous": all at once     */
	STORE_RING_SEQUENTIAL,       /* "sequential": one after another,
					in the order of the members    */
};

const char *store_ring_strategy_name(enum store_ring_strategy v);
int store_ring_strategy_parse(const char *s, enum store_ring_strategy *vp);

enum {
	STORE_RING_MEMBERS = 16,      /* members of a group, at most    */
	STORE_RING_MEMBER_MAX = 300,  /* [s] a member's ring time, most */
	STORE_RING_TIMEOUT_MAX = 900, /* [s] a group's ring time, most  */
};

/* One member: an employee of the group's tenant (all its devices ring)
 * and how long it rings [s], 1..STORE_RING_MEMBER_MAX. */
struct store_ring_member {
	int64_t employee_id;
	uint32_t timeout;
};

/*
 * A ring group: its members rung all at once or one after another, each
 * for its own time; the whole group rings at most timeout seconds (0: as
 * long as its members ring).  With skip_busy, a member who is on a call
 * is not rung.  Nobody answers: the fallback target (none: the caller
 * gets the members' answer, 480 when nobody answered in time).
 */
struct store_ring_group {
	int64_t id;
	int64_t tenant_id;
	char name[64];
	enum store_ring_strategy strategy;
	uint32_t timeout; /* [s] whole group, 0 = no limit of its own */
	bool skip_busy;   /* members on a call are not rung          */
	struct store_target_ref fallback;
	size_t memberc;
	struct store_ring_member memberv[STORE_RING_MEMBERS];
	uint64_t created_at;
};

typedef int(store_ring_group_h)(const struct store_ring_group *g, void *arg);

/* Add g with its members in one transaction (g->id set): EINVAL for a
 * bad field (no member, a member twice, a timeout out of range), a
 * member or the fallback ENOENT if missing, EXDEV if of another tenant,
 * ELOOP if the fallback leads back to g without the caller doing
 * anything (through schedules, menu fallbacks, other groups). */
int store_ring_group_add(struct store *st, struct store_ring_group *g);
int store_ring_group_get(struct store *st, int64_t id,
			 struct store_ring_group *g);
/* Replace everything but the tenant (EXDEV if set and different). */
int store_ring_group_update(struct store *st, const struct store_ring_group *g);
/* EBUSY while a number, schedule, menu or group routes to it
 * (store_target_used_by() says which). */
int store_ring_group_delete(struct store *st, int64_t id);
int store_ring_group_list(struct store *st, int64_t tenant_id,
			  store_ring_group_h *h, void *arg);

/* ---- hotline queues (ACD, Warteschlange) ------------------------------- */

/* How a queue picks among its available agents (src/acd/pick.c). */
enum store_queue_strategy {
	STORE_QUEUE_RING_ALL = 0, /* "ring_all"                  */
	STORE_QUEUE_ROUND_ROBIN,  /* "round_robin" (with memory) */
	STORE_QUEUE_LONGEST_IDLE, /* "longest_idle"              */
	STORE_QUEUE_FEWEST_CALLS, /* "fewest_calls"              */
	STORE_QUEUE_SKILLS,       /* "skills" (best skill score) */
};

const char *store_queue_strategy_name(enum store_queue_strategy v);
int store_queue_strategy_parse(const char *s, enum store_queue_strategy *vp);

enum {
	STORE_QUEUE_MEMBERS = 100, /* members of a queue, at most      */
	STORE_QUEUE_REQS = 8,      /* skill requirements of a queue    */
	STORE_QUEUE_WIDEN = 8,     /* widening steps of a queue        */
	STORE_AGENT_SKILLS = 16,   /* skills of an agent               */
	STORE_TIER_MAX = 9,        /* tiers 0..9, 0 offered first      */
	STORE_LEVEL_MAX = 10,      /* skill levels 1..10               */
	STORE_SKILL_LEN = 32,      /* a skill's name, with the NUL     */
	STORE_REASON_LEN = 32,     /* a pause reason, with the NUL     */
};

/* A member of a queue: an employee of its tenant with a tier (penalty):
 * tier 0 is offered calls first, a higher tier when no lower one is
 * available (and, with widening steps, once the caller waited long
 * enough). */
struct store_queue_member {
	int64_t employee_id;
	unsigned tier; /* 0..STORE_TIER_MAX */
};

/* A skill the queue's callers need (an agent with it at min_level or
 * more); relax_after > 0: no longer needed once a caller waited that
 * long [s] (German agents first, then the international team). */
struct store_queue_skill {
	char skill[STORE_SKILL_LEN];
	unsigned min_level;   /* 1..STORE_LEVEL_MAX */
	uint32_t relax_after; /* [s], 0 = never     */
};

/* After a caller waited after [s], members up to max_tier qualify. */
struct store_queue_widen {
	uint32_t after;
	unsigned max_tier;
};

/*
 * A hotline queue: callers wait for the queue's agents (its members).
 * Limits each with a target the queue call sends the caller to: on_timeout
 * (max_wait reached), on_full (max_len callers wait), on_no_agents (no
 * member logged in), on_closed (schedule_id's state is not open).  A
 * mailbox (mailbox_id) and a callback are what a caller is offered when
 * all agents are busy.  service_level [s]: answered within it counts as
 * in service level (statistics).
 */
struct store_queue {
	int64_t id;
	int64_t tenant_id;
	char name[64];
	enum store_queue_strategy strategy;
	uint32_t ring_timeout;  /* [s] 5..300: then the next agent     */
	uint32_t wrapup;        /* [s] 0..3600 after-call work         */
	uint32_t max_misses;    /* 0..99 misses in a row -> paused     */
	uint32_t max_wait;      /* [s] 0 = no limit, at most 86400     */
	uint32_t max_len;       /* callers, 0 = no limit, at most 1000 */
	uint32_t service_level; /* [s] 1..3600, default 20             */
	int64_t schedule_id;    /* open hours, 0 = always open         */
	int64_t mailbox_id;     /* voicemail offered, 0 = none         */
	bool callback;          /* a callback is offered               */
	struct store_target_ref on_timeout, on_full, on_no_agents, on_closed;
	/* what a waiting caller hears (migration 17) */
	char greeting[128];      /* WAV under the prompts directory, "" =
				    please_hold.wav of the tenant's language */
	uint32_t announce_every; /* [s] 0..3600 between announcements of
				    position and wait, 0 = on entry only */
	bool say_position;       /* "Sie sind an Position drei."        */
	bool say_wait;           /* the estimated wait                  */
	bool pool; /* the answering service's agent pool (migration 34): a
		      target of any tenant's numbers, schedules, ...; set
		      by the operator only; cleared only while nothing
		      routes to it (EBUSY) */
	size_t memberc;
	struct store_queue_member memberv[STORE_QUEUE_MEMBERS];
	size_t skillc;
	struct store_queue_skill skillv[STORE_QUEUE_REQS];
	size_t widenc;
	struct store_queue_widen
	    widenv[STORE_QUEUE_WIDEN]; /* after ascending */
	uint64_t created_at;
};

typedef int(store_queue_h)(const struct store_queue *q, void *arg);

/* Add q with its members, skills and widening steps in one transaction:
 * EINVAL for a bad field, a member, schedule, mailbox or target ENOENT if
 * missing, EXDEV if of another tenant (a pool queue of another tenant is
 * a valid target, see store_target_pool()), ELOOP if a target leads back to
 * the queue without the caller doing anything. */
int store_queue_add(struct store *st, struct store_queue *q);
int store_queue_get(struct store *st, int64_t id, struct store_queue *q);
/* Replace everything but the tenant (EXDEV if set and different). */
int store_queue_update(struct store *st, const struct store_queue *q);
/* EBUSY while something routes to it. */
int store_queue_delete(struct store *st, int64_t id);
int store_queue_list(struct store *st, int64_t tenant_id, store_queue_h *h,
		     void *arg);

/* An agent's state as kept across restarts: the live states (ringing, on
 * a call, wrap-up) are the ACD's and read back as available. */
enum store_agent_state {
	STORE_AGENT_LOGGED_OUT = 0, /* "logged_out" */
	STORE_AGENT_AVAILABLE,      /* "available"  */
	STORE_AGENT_PAUSED,         /* "paused"     */
};

const char *store_agent_state_name(enum store_agent_state v);
int store_agent_state_parse(const char *s, enum store_agent_state *vp);

struct store_agent_skill {
	char name[STORE_SKILL_LEN];
	unsigned level; /* 1..STORE_LEVEL_MAX */
};

/* An employee as a queue agent: its kept state and its skills. */
struct store_agent {
	int64_t employee_id;
	int64_t tenant_id;
	enum store_agent_state state;
	char reason[STORE_REASON_LEN]; /* paused: why */
	uint64_t changed_at;
	size_t skillc;
	struct store_agent_skill skillv[STORE_AGENT_SKILLS];
};

typedef int(store_agent_h)(const struct store_agent *a, void *arg);

/* The agent record of employee id (logged out, no skills if never set);
 * ENOENT if there is no such employee. */
int store_agent_get(struct store *st, int64_t employee_id,
		    struct store_agent *a);
/* Keep a's state, reason and changed_at (EINVAL: a reason without a
 * pause, a pause without one); ENOENT for no employee. */
int store_agent_set_state(struct store *st, const struct store_agent *a);
/* Replace a's skills (EINVAL: a bad level, a name twice or empty). */
int store_agent_set_skills(struct store *st, const struct store_agent *a);
/* The tenant's agents (0: all): employees who are members of a queue,
 * have skills or a kept state, by employee id. */
int store_agent_list(struct store *st, int64_t tenant_id, store_agent_h *h,
		     void *arg);

/* ---- agents and waiting callers of many nodes (migration 60) ----------- */

/*
 * Every node's ACD follows the rows (src/acd/rows.c): the kept states
 * changed since it last looked (agent_states.updated_at, the store's
 * wall clock of the write), the claims of agents another node rings,
 * talks through or keeps in wrap-up, and the callers waiting on each
 * node.
 */

/* The kept states written at since [ms UTC] or later (the store's clock),
 * by updated_at; a's skills are not read (skillc 0). */
int store_agent_changed(struct store *st, uint64_t since, store_agent_h *h,
			void *arg);

enum store_claim_kind {
	STORE_CLAIM_RINGING = 0, /* "ringing" */
	STORE_CLAIM_ON_CALL,     /* "on_call" */
	STORE_CLAIM_WRAPUP,      /* "wrapup"  */
};
const char *store_claim_kind_name(enum store_claim_kind v);
int store_claim_kind_parse(const char *s, enum store_claim_kind *vp);

struct store_agent_claim {
	int64_t employee_id;
	char node_id[64];
	enum store_claim_kind kind;
	uint64_t since;    /* [ms UTC] this kind since        */
	uint64_t until_at; /* [ms UTC] wrapup: its end, else 0 */
};
typedef int(store_agent_claim_h)(const struct store_agent_claim *c, void *arg);

/* Claim employee for node with one conditional write: the row is written
 * when there is none or it is node's already (its kind, since, until_at
 * replaced).  *claimed: node holds it now; false: another node does (or
 * the employee is gone). */
int store_agent_claim(struct store *st, const struct store_agent_claim *c,
		      bool *claimed);
/* Drop employee's claim if node holds it (node NULL: whoever does; kind
 * -1: any kind, else only of that kind).  *dropped (may be NULL): a row
 * went. */
int store_agent_claim_drop(struct store *st, int64_t employee_id,
			   const char *node, int kind, bool *dropped);
/* Every claim, by employee id. */
int store_agent_claim_list(struct store *st, store_agent_claim_h *h, void *arg);

/* A caller waiting in a queue on a node (queue_entries). */
struct store_queue_entry {
	char node_id[64];
	int64_t caller; /* the node's engine id for it      */
	int64_t queue_id;
	int64_t call_id;     /* its call record, 0 if none        */
	int64_t callback_id; /* a callback waiting again, or 0    */
	int priority;        /* enum acd_prio: 2 VIP, 1 callback  */
	uint64_t arrived_at; /* [ms UTC] the call reached us      */
	uint64_t joined_at;  /* [ms UTC]                          */
	char vip[32];        /* a VIP caller's name, or ""        */
	bool offered;        /* agents ring for it now (not on put) */
};
typedef int(store_queue_entry_h)(const struct store_queue_entry *e, void *arg);

/* Write (or replace) entry e. */
int store_queue_entry_put(struct store *st, const struct store_queue_entry *e);
/* Drop the entry of caller on node (none: 0 all the same). */
int store_queue_entry_drop(struct store *st, const char *node, int64_t caller);
/* Agents ring (offered true) or no longer ring for caller on node: the
 * other nodes do not hold an agent back for it meanwhile (migration 64).
 * ENOENT: no such entry. */
int store_queue_entry_offered(struct store *st, const char *node,
			      int64_t caller, bool offered);
/* The entries of queue_id in the order callers are served: priority
 * (highest first), then arrival, then join. */
int store_queue_entry_list(struct store *st, int64_t queue_id,
			   store_queue_entry_h *h, void *arg);

/* A queue added, changed or deleted, or an agent's skills changed, or a
 * client deleted, through node (acd_changes, migrations 63 and 64): the
 * other nodes take it over. */
enum store_acd_change_kind {
	STORE_ACD_CHANGE_QUEUE = 0, /* "queue": ref_id a queue    */
	STORE_ACD_CHANGE_AGENT,     /* "agent": ref_id an employee */
	STORE_ACD_CHANGE_TENANT,    /* "tenant": ref_id a deleted tenant */
};
const char *store_acd_change_kind_name(enum store_acd_change_kind v);
int store_acd_change_kind_parse(const char *s, enum store_acd_change_kind *vp);

struct store_acd_change {
	int64_t id;
	enum store_acd_change_kind kind;
	int64_t ref_id;
	char node_id[64];
	uint64_t at; /* [ms UTC] the store's clock of the write */
};
typedef int(store_acd_change_h)(const struct store_acd_change *c, void *arg);

/* Write change c (its id and at are set here: at is the store's clock,
 * store_now_ms()). */
int store_acd_change_add(struct store *st, const struct store_acd_change *c);
/* The store's clock [ms UTC]: SQLite this machine's, PostgreSQL the
 * server's.  Rows whose times nodes compare (acd_changes.at,
 * agent_states.updated_at) are stamped with it; a node reads them from
 * a time on that it took from here, so the nodes' own clocks do not
 * matter. */
int store_now_ms(struct store *st, uint64_t *msp);
/* The changes written at since [ms UTC] or later, by at and id. */
int store_acd_change_list(struct store *st, uint64_t since,
			  store_acd_change_h *h, void *arg);
/* Drop the changes written before before [ms UTC]; how many into *np (may
 * be NULL). */
int store_acd_change_purge(struct store *st, uint64_t before, unsigned *np);

/* Drop the claims and queue entries of node (its previous run, or a clean
 * stop) or, with node NULL, those of every node but self whose heartbeat
 * is older than before [ms UTC] (or that has no heartbeat row).  The rows
 * dropped into *np (may be NULL). */
int store_node_rows_drop(struct store *st, const char *node, const char *self,
			 uint64_t before, unsigned *np);

/* ---- queue visits (statistics, migration 15) -------------------------- */

/* How a caller left a queue (or was turned away before it). */
enum store_visit_outcome {
	STORE_VISIT_WAITING = 0, /* "waiting": still in the queue      */
	STORE_VISIT_ANSWERED,    /* "answered" by an agent             */
	STORE_VISIT_ABANDONED,   /* "abandoned": hung up while waiting */
	STORE_VISIT_TIMEOUT,     /* "timeout": max_wait reached        */
	STORE_VISIT_FULL,        /* "full": max_len callers waited     */
	STORE_VISIT_NO_AGENTS,   /* "no_agents": nobody logged in      */
	STORE_VISIT_CLOSED,      /* "closed": outside the open hours   */
	STORE_VISIT_VOICEMAIL,   /* "voicemail": chose a message (2)   */
	STORE_VISIT_CALLBACK,    /* "callback": chose a callback (3)   */
};

const char *store_visit_outcome_name(enum store_visit_outcome v);
int store_visit_outcome_parse(const char *s, enum store_visit_outcome *vp);

/*
 * One caller's visit to a queue (src/acd/stats.c writes them).  Times are
 * UTC [ms].  wait_ms runs from arrived_at (the call reached our server,
 * not the queue) to the answer or to leaving; for an abandoned caller it
 * is the time to abandon.  handle_ms is the talk time of an answered call
 * (answer to the end of the agent's call, without wrap-up), known once
 * ended_at is set.
 */
struct store_queue_visit {
	int64_t id;
	int64_t tenant_id; /* the queue's (set by the store)        */
	int64_t queue_id;
	int64_t call_id; /* the call record, 0: none              */
	char caller[64]; /* the calling number, as the record has it */
	uint64_t arrived_at;
	uint64_t joined_at; /* in the queue, 0: turned away before  */
	enum store_visit_outcome outcome;
	uint64_t left_at; /* answered or left, 0: waiting           */
	uint64_t wait_ms;
	int64_t agent_id; /* answered: the employee, else 0         */
	uint64_t handle_ms;
	uint64_t ended_at; /* the agent's call ended, 0: not yet    */
	bool callback_requested;
	bool callback_completed;
};

typedef int(store_queue_visit_h)(const struct store_queue_visit *v, void *arg);

/* Insert visit v (its id set; tenant_id taken from the queue): ENOENT if
 * there is no queue v->queue_id, EINVAL without arrived_at. */
int store_queue_visit_add(struct store *st, struct store_queue_visit *v);
/* The caller of visit v->id left the queue: outcome, left_at, wait_ms,
 * agent_id, callback_requested written.  ENOENT if there is no such
 * visit. */
int store_queue_visit_left(struct store *st, const struct store_queue_visit *v);
/* The agent's call of visit id ended at ended_at after handle_ms. */
int store_queue_visit_handled(struct store *st, int64_t id, uint64_t handle_ms,
			      uint64_t ended_at);
/* The agent's wrap-up after visit id's call: started_at, and ended_at
 * (0: still in it) [ms UTC] (migration 37; billing counts it).  ENOENT
 * if there is no such visit. */
int store_queue_visit_wrapup(struct store *st, int64_t id, uint64_t started_at,
			     uint64_t ended_at);
/*
 * For callbacks (the queue callback code): visit id asked for a
 * callback (callback_requested set), and, completed true, the callback
 * reached the customer (callback_completed set too).  Either flag, once
 * set, stays.  ENOENT if there is no such visit.
 */
int store_queue_visit_callback(struct store *st, int64_t id, bool completed);
/* The callback asked for in call call_id's visit to queue_id reached the
 * customer: callback_completed set on that visit (the one that asked).
 * ENOENT if no visit of that call to that queue asked for one. */
int store_queue_visit_callback_done(struct store *st, int64_t queue_id,
				    int64_t call_id);
int store_queue_visit_get(struct store *st, int64_t id,
			  struct store_queue_visit *v);
/* Did agent_id answer call call_id in a pool queue (the answering
 * service's agents, migration 34)?  0 if so, ENOENT if not. */
int store_queue_visit_pool_agent(struct store *st, int64_t call_id,
				 int64_t agent_id);
/* The visits of queue_id that arrived from `from` until before `to`
 * [ms], by arrived_at, then id. */
int store_queue_visit_list(struct store *st, int64_t queue_id, uint64_t from,
			   uint64_t to, store_queue_visit_h *h, void *arg);

/* ---- VIP callers (issue 15; per employee: issue 16, migration 25) ------ */

/*
 * A caller ID of a tenant whose calls are VIP: offered first in every
 * queue of the tenant (ACD_PRIO_VIP), the flag and name carried to the
 * agent (call value "vip"), the note shown to the agent as the VIP's
 * info (seeds/001).  A VIP belongs to the whole company (employee_id 0)
 * or to one employee of the tenant, who the call is for.  number is
 * E.164 and a VIP once per tenant, of the company or of one employee.
 */
struct store_vip {
	int64_t id;
	int64_t tenant_id;
	int64_t employee_id; /* 0: the whole company, else its employee */
	char number[40];     /* E.164                                   */
	char name[64];       /* shown to the agent                      */
	char note[256];      /* the info the agent sees, or ""          */
	uint64_t created_at;
};

typedef int(store_vip_h)(const struct store_vip *v, void *arg);

/* EINVAL for a bad field (number not E.164, no name); EEXIST if the
 * number is a VIP of the tenant already; ENOENT if the tenant or the
 * employee does not exist, EXDEV for an employee of another tenant.
 * Sets v->id. */
int store_vip_add(struct store *st, struct store_vip *v);
int store_vip_get(struct store *st, int64_t id, struct store_vip *v);
/* Employee, number, name and note (errors as add). */
int store_vip_update(struct store *st, const struct store_vip *v);
int store_vip_delete(struct store *st, int64_t id);
/* The VIPs of tenant_id (0: all), of employee_id only if it is not 0;
 * by id. */
int store_vip_list(struct store *st, int64_t tenant_id, int64_t employee_id,
		   store_vip_h *h, void *arg);
/* The tenant's VIP (of the company or an employee) with E.164 number;
 * ENOENT if none. */
int store_vip_find(struct store *st, int64_t tenant_id, const char *number,
		   struct store_vip *v);

/* ---- allow and block lists, advertising callers (issue 16, mig. 25) ----
 *
 * A tenant's allow list (callers put through directly, to one employee
 * or to the company) and block list (callers rejected), and the
 * operator's shared list of advertising callers, which a tenant switches
 * on (store_caller_settings).  number is an E.164 number ("+4922112345")
 * or prefix ("+49221123*": every number that starts so); once per tenant
 * over both lists.  secretariat/callers.c decides what a caller is.
 */

enum store_caller_list {
	STORE_CALLER_ALLOW = 0, /* "allow" */
	STORE_CALLER_BLOCK,     /* "block" */
};

extern const struct store_names store_names_caller_list;

struct store_caller_entry {
	int64_t id;
	int64_t tenant_id;
	enum store_caller_list list;
	int64_t employee_id; /* allow: put through to it, 0 the company;
				block: always 0                        */
	char number[40];     /* E.164, or an E.164 prefix ending in '*' */
	char note[256];      /* why, or ""                              */
	uint64_t expires_at; /* [ms] UTC, in force before it; 0 never   */
	uint64_t created_at;
};

typedef int(store_caller_entry_h)(const struct store_caller_entry *e,
				  void *arg);

/* EINVAL for a bad field (number, an employee on the block list),
 * EEXIST for a number the tenant has on either list, ENOENT/EXDEV for a
 * tenant or employee that does not exist / is another tenant's.  Sets
 * e->id. */
int store_caller_entry_add(struct store *st, struct store_caller_entry *e);
int store_caller_entry_get(struct store *st, int64_t id,
			   struct store_caller_entry *e);
/* List, employee, number, note and expiry (errors as add). */
int store_caller_entry_update(struct store *st,
			      const struct store_caller_entry *e);
int store_caller_entry_delete(struct store *st, int64_t id);
/* The entries of tenant_id (0: all), of list (-1: both), by id. */
int store_caller_entry_list(struct store *st, int64_t tenant_id, int list,
			    store_caller_entry_h *h, void *arg);
/* The tenant's entries that match the E.164 number (the number itself
 * or a prefix of it), expired ones included; by id. */
int store_caller_entry_match(struct store *st, int64_t tenant_id,
			     const char *number, store_caller_entry_h *h,
			     void *arg);

/* A number or prefix of the operator's shared advertising list. */
struct store_ad_caller {
	int64_t id;
	char number[40]; /* as store_caller_entry's */
	char note[256];
	uint64_t created_at;
};

typedef int(store_ad_caller_h)(const struct store_ad_caller *a, void *arg);

/* EINVAL for a bad number, EEXIST if it is on the list already. */
int store_ad_caller_add(struct store *st, struct store_ad_caller *a);
int store_ad_caller_get(struct store *st, int64_t id,
			struct store_ad_caller *a);
int store_ad_caller_update(struct store *st, const struct store_ad_caller *a);
int store_ad_caller_delete(struct store *st, int64_t id);
int store_ad_caller_list(struct store *st, store_ad_caller_h *h, void *arg);
/* The first entry (by id) that matches the E.164 number; ENOENT if
 * none. */
int store_ad_caller_match(struct store *st, const char *number,
			  struct store_ad_caller *a);

/* A tenant's switches for its callers; a tenant that never set them has
 * both off. */
struct store_caller_settings {
	int64_t tenant_id;
	bool block_advertising; /* reject callers of the advertising list */
	bool block_anonymous;   /* reject callers without a caller ID     */
	uint64_t updated_at;    /* [ms] 0: never set                      */
};

/* ENOENT if the tenant does not exist. */
int store_caller_settings_get(struct store *st, int64_t tenant_id,
			      struct store_caller_settings *s);
/* Write all of s (updated_at set to now if 0); ENOENT no such tenant. */
int store_caller_settings_set(struct store *st,
			      const struct store_caller_settings *s);

/* ---- absence info and appointments (issue 16, migration 20) ----------
 *
 * What an agent tells a caller about an employee (seeds/001): the
 * absence info is permanent ("nur vormittags im Hause"); an appointment
 * ("01.10.-17.10. im Urlaub") replaces it from starts_at (inclusive) to
 * ends_at (exclusive).  secretariat/ decides which one shows at a moment.
 */

enum {
	STORE_ABSENCE_LEN = 1024,  /* absence info, with the NUL     */
	STORE_APPT_TEXT_LEN = 256, /* appointment text, with the NUL */
};

struct store_absence {
	int64_t employee_id;
	char text[STORE_ABSENCE_LEN]; /* "" = none                   */
	uint64_t updated_at;          /* [ms] 0 = never set          */
};

/* The absence info of employee id ("" and updated_at 0 if never set);
 * ENOENT if there is no such employee. */
int store_absence_get(struct store *st, int64_t employee_id,
		      struct store_absence *a);
/* Set it (text "" or NULL clears it) at updated_at (0: now); ENOENT if
 * there is no such employee, EINVAL if it is too long. */
int store_absence_set(struct store *st, int64_t employee_id, const char *text,
		      uint64_t updated_at);

struct store_appointment {
	int64_t id;
	int64_t tenant_id;   /* the employee's; set by add            */
	int64_t employee_id; /* fixed once added                      */
	uint64_t starts_at;  /* [ms] UTC, inclusive                   */
	uint64_t ends_at;    /* [ms] UTC, exclusive, after starts_at  */
	char text[STORE_APPT_TEXT_LEN];
	uint64_t created_at;
};

typedef int(store_appointment_h)(const struct store_appointment *a, void *arg);

/* EINVAL for a bad field (no text, ends_at not after starts_at), ENOENT
 * if the employee does not exist.  Sets a->id and a->tenant_id.
 * Appointments may overlap (secretariat/ says which one shows). */
int store_appointment_add(struct store *st, struct store_appointment *a);
int store_appointment_get(struct store *st, int64_t id,
			  struct store_appointment *a);
/* Times and text; employee and tenant are kept. */
int store_appointment_update(struct store *st,
			     const struct store_appointment *a);
int store_appointment_delete(struct store *st, int64_t id);

/* Which appointments a walk sees: 0 fields do not filter. */
struct store_appointment_filter {
	int64_t tenant_id;
	int64_t employee_id;
	uint64_t from;  /* [ms] those ending after from      */
	uint64_t until; /* [ms] those starting before until  */
};

/* By starts_at, then id. */
int store_appointment_list(struct store *st,
			   const struct store_appointment_filter *f,
			   store_appointment_h *h, void *arg);

/* ---- on-call schedules (issue 16, migration 20) -------------------------
 *
 * Who is on duty for a tenant (Bereitschaft, Notdienst): a weekly
 * rotation of employees that hands over on handoff_day at handoff_time,
 * Berlin wall-clock time, from start_date on (a handoff day), and dated
 * overrides (swaps) that win over the rotation while they last.
 * secretariat/oncall.c computes the answer.
 */

enum {
	STORE_ONCALL_MEMBERS = 16, /* employees of a rotation, at most */
};

struct store_oncall_schedule {
	int64_t id;
	int64_t tenant_id;
	char name[64];
	uint32_t handoff_day;   /* 0 Monday .. 6 Sunday               */
	uint32_t handoff_time;  /* [min] of the Berlin day, 0..1439   */
	char start_date[16];    /* "YYYY-MM-DD": the first handoff
				  (Berlin date); a handoff_day if
				  rotation_days is a multiple of 7   */
	uint32_t rotation_days; /* [days] between handoffs, 1..364;
				   0 is read as 7 (weekly)           */
	size_t memberc;
	int64_t memberv[STORE_ONCALL_MEMBERS]; /* employee ids, in turn;
						   one may come twice    */
	uint64_t created_at;
};

typedef int(store_oncall_schedule_h)(const struct store_oncall_schedule *s,
				     void *arg);

/* Add s with its members in one transaction (s->id set): EINVAL for a
 * bad field (no member, a day or time out of range, no such date),
 * ENOENT/EXDEV for a member that does not exist or is another tenant's,
 * EEXIST for a name the tenant has already. */
int store_oncall_schedule_add(struct store *st,
			      struct store_oncall_schedule *s);
int store_oncall_schedule_get(struct store *st, int64_t id,
			      struct store_oncall_schedule *s);
/* Replace everything but the tenant (EXDEV if set and different). */
int store_oncall_schedule_update(struct store *st,
				 const struct store_oncall_schedule *s);
/* Its overrides go with it. */
int store_oncall_schedule_delete(struct store *st, int64_t id);
int store_oncall_schedule_list(struct store *st, int64_t tenant_id,
			       store_oncall_schedule_h *h, void *arg);

/* A dated swap: employee_id is on duty instead of the rotation from
 * starts_at (inclusive) to ends_at (exclusive).  The overrides of one
 * schedule never overlap. */
struct store_oncall_override {
	int64_t id;
	int64_t tenant_id;   /* the schedule's; set by add           */
	int64_t schedule_id; /* fixed once added                     */
	int64_t employee_id;
	uint64_t starts_at; /* [ms] UTC                              */
	uint64_t ends_at;   /* [ms] UTC, after starts_at             */
	char note[256];     /* why ("Tausch mit Dr. Weber"), or ""   */
	uint64_t created_at;
};

typedef int(store_oncall_override_h)(const struct store_oncall_override *o,
				     void *arg);

/* EINVAL for a bad field, ENOENT for a schedule or employee that does
 * not exist, EXDEV for an employee of another tenant, EEXIST if it
 * overlaps another override of the schedule.  Sets o->id, o->tenant_id. */
int store_oncall_override_add(struct store *st,
			      struct store_oncall_override *o);
int store_oncall_override_get(struct store *st, int64_t id,
			      struct store_oncall_override *o);
/* Employee, times and note (errors as add). */
int store_oncall_override_update(struct store *st,
				 const struct store_oncall_override *o);
int store_oncall_override_delete(struct store *st, int64_t id);
/* The overrides of schedule_id (0: of tenant_id, 0: all) that end after
 * from and start before until (0: no bound), by starts_at. */
int store_oncall_override_list(struct store *st, int64_t tenant_id,
			       int64_t schedule_id, uint64_t from,
			       uint64_t until, store_oncall_override_h *h,
			       void *arg);

/* ---- who uses a target ------------------------------------------------- */

/* A record that routes to a target: via "number", "schedule", "ivr",
 * "ring_group" (its fallback), "member" (an employee in a ring group),
 * "queue" (a queue's limit targets) or "queue_member" (an employee in a
 * queue),
 * and that record's id. */
struct store_target_use {
	char via[16];
	int64_t owner;
};

/* The first record that routes to target (type, id), other than the
 * target itself; numbers come last (an employee's are released when it
 * goes).  ENOENT if none does. */
int store_target_used_by(struct store *st, enum store_target type, int64_t id,
			 struct store_target_use *u);
/* Is queue_id a pool queue (the answering service's agents, migration
 * 34), a target any tenant may route to?  false if not, or no queue. */
bool store_target_pool(struct store *st, int64_t queue_id);

struct store_number {
	int64_t id;
	int64_t tenant_id;
	int64_t block_id;
	char e164[24];
	bool active;
	enum store_target target_type;
	int64_t target_id; /* employee or announcement id        */
	bool personal;     /* it is target employee's personal no */
	char description[128];
	uint64_t created_at;
	bool forwarded_calls; /* the operator's: carriers' forwarded calls
				 arrive here, their Diversion and
				 History-Info count (route.c)     */
};

typedef int(store_number_h)(const struct store_number *n, void *arg);

/* tenant_id is taken from the block that contains e164 (ERANGE if none).
 * A target must belong to the same tenant (EXDEV) and exist (ENOENT). */
int store_number_add(struct store *st, struct store_number *n);
int store_number_get(struct store *st, int64_t id, struct store_number *n);
int store_number_by_e164(struct store *st, const char *e164,
			 struct store_number *n);
/*
 * Change active, target and description.  A personal number keeps its
 * employee as target (EPERM otherwise); deactivating a personal number
 * removes it from its employee (who then shows a fault).
 */
int store_number_update(struct store *st, const struct store_number *n);
int store_number_delete(struct store *st, int64_t id);
int store_number_list(struct store *st, int64_t tenant_id, store_number_h *h,
		      void *arg);

/* ---- announcements ---------------------------------------------------- */

struct store_announcement {
	int64_t id;
	int64_t tenant_id;
	char name[64];
	char file[128]; /* WAV file, relative to the prompts directory */
	uint64_t created_at;
};

typedef int(store_announcement_h)(const struct store_announcement *a,
				  void *arg);

int store_announcement_add(struct store *st, struct store_announcement *a);
int store_announcement_get(struct store *st, int64_t id,
			   struct store_announcement *a);
int store_announcement_update(struct store *st,
			      const struct store_announcement *a);
/* EBUSY while a number targets it. */
int store_announcement_delete(struct store *st, int64_t id);
int store_announcement_list(struct store *st, int64_t tenant_id,
			    store_announcement_h *h, void *arg);

/* ---- external numbers as targets --------------------------------------- */

/* A number outside the system that a number, a menu key, a schedule
 * state or a fallback may lead to (TARGET_EXTERNAL): the call goes out
 * through the tenant's trunk (route.h). */
struct store_external {
	int64_t id;
	int64_t tenant_id;
	char name[64];         /* unique per tenant                       */
	char number[24];       /* E.164                                   */
	uint32_t ring_timeout; /* [s] 1-300; 0 = the node's ring timeout  */
	uint64_t created_at;
};

typedef int(store_external_h)(const struct store_external *x, void *arg);

/* EINVAL without name, with a number that is not E.164 or a timeout
 * over 300; EEXIST for a name the tenant has; ENOENT for no tenant. */
int store_external_add(struct store *st, struct store_external *x);
int store_external_get(struct store *st, int64_t id, struct store_external *x);
int store_external_update(struct store *st, const struct store_external *x);
/* EBUSY while a number, schedule or menu routes to it. */
int store_external_delete(struct store *st, int64_t id);
int store_external_list(struct store *st, int64_t tenant_id,
			store_external_h *h, void *arg);

/* ---- prompts a tenant uploaded ----------------------------------------- */

/* What a prompt is for; it decides the longest duration accepted
 * (http/api_prompts.c).  "other" by default. */
enum store_prompt_purpose {
	STORE_PROMPT_OTHER = 0, /* "other"         */
	STORE_PROMPT_GREETING,  /* "greeting"      */
	STORE_PROMPT_CLOSED,    /* "closed"        */
	STORE_PROMPT_MAILBOX,   /* "mailbox"       */
	STORE_PROMPT_MOH,       /* "music_on_hold" */
};

const char *store_prompt_purpose_name(enum store_prompt_purpose v);
int store_prompt_purpose_parse(const char *s, enum store_prompt_purpose *vp);

/* A WAV file a tenant uploaded, as it was checked when it came (the
 * file itself is written before the row, see http/api_prompts.c). */
struct store_prompt {
	int64_t id;
	int64_t tenant_id;
	char name[64]; /* unique per tenant                       */
	enum store_prompt_purpose purpose;
	char file[128];       /* relative to the prompts directory:
				 "uploads/<tenant>/<random>.wav", unique  */
	char format[16];      /* sample format (media.h: "pcm_s16" ...) */
	uint32_t duration_ms; /* [ms] > 0                              */
	uint32_t rate;        /* [Hz] of the file                      */
	uint32_t channels;    /* of the file                           */
	uint64_t bytes;       /* size of the file                      */
	uint64_t created_at;
};

typedef int(store_prompt_h)(const struct store_prompt *p, void *arg);

/* EINVAL without tenant, name, file or duration; EEXIST if the tenant
 * has a prompt of that name (or the file is another prompt's); ENOENT
 * if the tenant does not exist.  Sets p->id. */
int store_prompt_add(struct store *st, struct store_prompt *p);
int store_prompt_get(struct store *st, int64_t id, struct store_prompt *p);
/* The prompt whose file is file; ENOENT if none. */
int store_prompt_by_file(struct store *st, const char *file,
			 struct store_prompt *p);
/* Name and purpose only: the audio of a prompt never changes. */
int store_prompt_update(struct store *st, const struct store_prompt *p);
/* EBUSY while a menu, announcement or tenant (prompt_refs) uses its
 * file.  The caller removes the file after this returned 0. */
int store_prompt_delete(struct store *st, int64_t id);
int store_prompt_list(struct store *st, int64_t tenant_id, store_prompt_h *h,
		      void *arg);

/* Something that plays a prompt file: an "ivr menu" (its greeting), an
 * "announcement", a "tenant" (its music on hold). */
struct store_prompt_ref {
	char via[16];
	int64_t owner;  /* id of the menu, announcement, tenant */
	char name[128]; /* its name                             */
};

typedef int(store_prompt_ref_h)(const struct store_prompt_ref *r, void *arg);

/* Each user of file, ordered by via and owner. */
int store_prompt_refs(struct store *st, const char *file, store_prompt_ref_h *h,
		      void *arg);

/* ---- trunks ----------------------------------------------------------- */

/* SIP transport of a trunk: "udp", "tcp", "tls". */
enum store_transport {
	STORE_TRANSPORT_UDP = 0,
	STORE_TRANSPORT_TCP,
	STORE_TRANSPORT_TLS,
};

const char *store_transport_name(enum store_transport v);
int store_transport_parse(const char *s, enum store_transport *vp);

/* Which source addresses count as a trunk's (inbound): "address_port"
 * (host and port exactly), "address_port_range" (host, and port or a
 * port in port_min..port_max), "address" (host, any port). */
enum store_trunk_match {
	STORE_TRUNK_MATCH_ADDRESS_PORT = 0,
	STORE_TRUNK_MATCH_PORT_RANGE,
	STORE_TRUNK_MATCH_ADDRESS,
};

const char *store_trunk_match_name(enum store_trunk_match v);
int store_trunk_match_parse(const char *s, enum store_trunk_match *vp);

struct store_trunk {
	int64_t id;
	int64_t tenant_id; /* 0 = shared by all tenants              */
	char name[64];
	char host[64]; /* IP address of the carrier              */
	uint16_t port; /* its SIP port (5060)                    */
	enum store_transport transport;
	bool match_any_port; /* inbound: any source port of host counts */
	char username[64];   /* account at the carrier: AOR user and
				  Contact user of the registration       */
	char password[64];   /* plain: we must answer their challenge;
				  never returned by the API              */
	bool do_register;    /* keep a registration at the carrier      */
	char registrar[128]; /* its SIP URI; "" = sip:host:port         */
	char domain[64];     /* AOR sip:username@domain; "" = host      */
	char auth_user[64];  /* digest user; "" = username              */
	char from_user[64];  /* From user of our calls; "" = caller ID  */
	uint32_t expires;    /* [s] registration asked for; 0 = 600     */
	uint64_t created_at;
	/* failover and matching (issue 20) */
	uint32_t priority;            /* outbound order: lower first, then own
			      before shared, then id                   */
	enum store_trunk_match match; /* inbound sources; match_any_port
					 is match == ADDRESS          */
	uint16_t port_min, port_max;  /* PORT_RANGE: its ports, else 0 */
	uint32_t setup_timeout;       /* [s] no 18x/200 by then: the next trunk
				   is tried; 0 = wait the ring timeout  */
	/* TLS trunks: how the carrier's certificate is checked (sip/trunktls.c)
	 */
	char ca_file[256]; /* PEM file of trusted CAs; "" = the system's */
	char tls_fingerprint[96]; /* pinned SHA-256 "AB:CD:..." (uppercase,
				     colons); "" = check chain and name     */
	char tls_name[64];        /* name the certificate must show (and SNI);
				     "" = host (an IP address SAN)          */
};

typedef int(store_trunk_h)(const struct store_trunk *t, void *arg);

/* Add and update: port 0 means 5060, expires 0 600; do_register without a
 * username is EINVAL, as is a transport or match outside the enum, or
 * PORT_RANGE without 0 < port_min <= port_max (other matches store no
 * range).  match_any_port is stored as match == ADDRESS. */
int store_trunk_add(struct store *st, struct store_trunk *t);
int store_trunk_get(struct store *st, int64_t id, struct store_trunk *t);
int store_trunk_update(struct store *st, const struct store_trunk *t);
int store_trunk_delete(struct store *st, int64_t id);
int store_trunk_list(struct store *st, store_trunk_h *h, void *arg);
/* The trunk whose host is ip and whose port is port (or port is in its
 * range, or any port: its match).  Of several, the exact port wins, then a
 * range, then the lowest id.  ENOENT if the source is no trunk. */
int store_trunk_by_source(struct store *st, const char *ip, uint16_t port,
			  struct store_trunk *t);
/* Outbound trunk of a tenant: the first of store_trunk_route(). */
int store_trunk_for_tenant(struct store *st, int64_t tenant_id,
			   struct store_trunk *t);
/* The trunks a tenant's outbound calls may take, in the order they are
 * tried: priority (lower first), its own before shared ones, then id.
 * tenant_id 0: the shared ones only. */
int store_trunk_route(struct store *st, int64_t tenant_id, store_trunk_h *h,
		      void *arg);

/* ---- registrations ---------------------------------------------------- */

struct store_registration {
	int64_t id;
	int64_t device_id;
	char contact[256]; /* Contact URI as the phone sent it        */
	char received[64]; /* ip:port we saw the REGISTER come from   */
	char transport[8]; /* as the SIP stack names it: "UDP", "TCP",
			      "TLS" (a fact about the connection, not a
			      setting; the API shows it as it is)     */
	char call_id[128];
	uint32_t cseq;
	char user_agent[128];
	char instance[128];  /* +sip.instance, "" if none               */
	char path[256];      /* Path header (RFC 3327), "" if none       */
	char node_id[64];    /* node that holds the connection          */
	uint64_t expires_at; /* [ms]                                     */
	uint64_t updated_at; /* [ms]                                     */
};

typedef int(store_registration_h)(const struct store_registration *r,
				  void *arg);

/* Insert or refresh (same device_id + contact) a binding; sets id. */
int store_reg_save(struct store *st, struct store_registration *r);
int store_reg_delete(struct store *st, int64_t device_id, const char *contact);
int store_reg_delete_device(struct store *st, int64_t device_id);
/* Bindings not expired at now; device_id 0 = all devices. */
int store_reg_list(struct store *st, int64_t device_id, uint64_t now,
		   store_registration_h *h, void *arg);
/* Unexpired bindings of every device of an employee. */
int store_reg_list_employee(struct store *st, int64_t employee_id, uint64_t now,
			    store_registration_h *h, void *arg);
/* Remove bindings that expired before now; returns count in *np. */
int store_reg_purge(struct store *st, uint64_t now, unsigned *np);
/* How many bindings are not expired at now (all devices, all nodes; one
 * count on the expiry index). */
int store_reg_count(struct store *st, uint64_t now, uint64_t *np);

/* ---- queue callbacks (sqlite_callback.c) -------------------------------- */

enum store_callback_state {
	STORE_CB_REQUESTED = 0, /* "requested": waits for its turn       */
	STORE_CB_CALLING,       /* "calling": an agent and the customer  */
	STORE_CB_COMPLETED,     /* "completed": the customer answered    */
	STORE_CB_FAILED,        /* "failed": no answer after all attempts */
	STORE_CB_CANCELLED,     /* "cancelled": through the API          */
};
const char *store_callback_state_name(enum store_callback_state v);
int store_callback_state_parse(const char *s, enum store_callback_state *vp);

/* A caller of a queue who asked to be called back (seeds/004): he keeps
 * his place (arrived_at) until an agent is free. */
struct store_callback {
	int64_t id;
	int64_t tenant_id;
	int64_t queue_id;
	char number[24];     /* E.164, to call                          */
	uint64_t arrived_at; /* [ms] the original call reached us       */
	int64_t call_id;     /* the original call's record, 0 if none   */
	enum store_callback_state state;
	uint32_t attempts;   /* calls to the customer so far            */
	uint64_t next_at;    /* [ms] no attempt before, 0 = at once     */
	int64_t agent_id;    /* the agent of the last attempt, 0 none   */
	uint64_t created_at; /* [ms]                                    */
	uint64_t updated_at; /* [ms]                                    */
	char node[64];       /* the node that took it for a call ("" none);
			  written by _claim and _release only         */
};

typedef int(store_callback_h)(const struct store_callback *cb, void *arg);

/* Insert (committed when it returns); sets id, created_at, updated_at.
 * ENOENT: no such queue; EXDEV: the queue is another tenant's. */
int store_callback_add(struct store *st, struct store_callback *cb);
int store_callback_get(struct store *st, int64_t id, struct store_callback *cb);
/* Write state, attempts, next_at, agent_id (updated_at: now) of a request
 * that has not ended; ENOENT: no such request, or it ended (completed,
 * failed, cancelled: perhaps through another node) and stays as it is. */
int store_callback_update(struct store *st, struct store_callback *cb);

/*
 * An agent's call of a callback (migration 42), what billing reads: the
 * agent's call record call_id (its tenant is the row's), the callback,
 * queue and agent, handle_ms [ms] from the agent's answer to the end of
 * the agent's call, ended_at [ms UTC].  *cc gets its id.  ENOENT: no such
 * call record (or one of no tenant).
 */
struct store_callback_call {
	int64_t id;
	int64_t call_id;
	int64_t callback_id;
	int64_t queue_id;
	int64_t agent_id;
	uint64_t handle_ms;
	uint64_t ended_at;
};
int store_callback_call_add(struct store *st, struct store_callback_call *cc);
/* The agent's wrap-up after callback call id: started_at, ended_at [ms
 * UTC] (0: still running), as store_queue_visit_wrapup(). */
int store_callback_call_wrapup(struct store *st, int64_t id,
			       uint64_t started_at, uint64_t ended_at);
/*
 * Many nodes (issue 21): node takes request id for a call, in one
 * conditional write (state requested -> calling, node set); *claimed is
 * true only if this write made the change, so of two nodes that claim the
 * same request one gets it.  _release hands a request back (calling ->
 * requested, node cleared) only if node still has it: *released says.
 */
int store_callback_claim(struct store *st, int64_t id, const char *node,
			 bool *claimed);
int store_callback_release(struct store *st, int64_t id, const char *node,
			   bool *released);
/* Walk the callbacks of tenant_id (0: all), queue_id (0: all) and
 * state (< 0: all), oldest first. */
int store_callback_list(struct store *st, int64_t tenant_id, int64_t queue_id,
			int state, store_callback_h *h, void *arg);

/* ---- forwardings (issue 17) ------------------------------------------ */

/*
 * A client's own number that forwards its calls to us (Rufumleitung at
 * the client's carrier).  A call from one of our trunks whose Diversion
 * or History-Info header names it belongs to the forwarding's tenant and
 * goes to its target, whichever of our numbers the carrier sent it to.
 * number is E.164 and unique over all tenants (EEXIST); the target must
 * be the tenant's (EXDEV) and exist (ENOENT).
 */
struct store_forwarding {
	int64_t id;
	int64_t tenant_id;
	char number[24];
	struct store_target_ref target;
	char description[128];
	uint64_t created_at;
};

typedef int(store_forwarding_h)(const struct store_forwarding *f, void *arg);

int store_forwarding_add(struct store *st, struct store_forwarding *f);
int store_forwarding_get(struct store *st, int64_t id,
			 struct store_forwarding *f);
/* Change number, target and description. */
int store_forwarding_update(struct store *st, const struct store_forwarding *f);
int store_forwarding_delete(struct store *st, int64_t id);
/* Those of tenant_id (0: all), by id. */
int store_forwarding_list(struct store *st, int64_t tenant_id,
			  store_forwarding_h *h, void *arg);
/* The forwarding of E.164 number: 0, ENOENT or an error. */
int store_forwarding_find(struct store *st, const char *number,
			  struct store_forwarding *f);

/* ---- call records ----------------------------------------------------- */

enum store_direction {
	STORE_DIR_INBOUND = 0, /* "inbound": from a trunk          */
	STORE_DIR_OUTBOUND,    /* "outbound": to a trunk           */
	STORE_DIR_INTERNAL,    /* "internal": device to device     */
};

/* How a call ended; STORE_DISP_NONE ("") while it is live. */
enum store_disposition {
	STORE_DISP_NONE = 0,     /* ""             */
	STORE_DISP_ANSWERED,     /* "answered"     */
	STORE_DISP_BUSY,         /* "busy"         */
	STORE_DISP_NO_ANSWER,    /* "no_answer"    */
	STORE_DISP_CANCELLED,    /* "cancelled"    */
	STORE_DISP_UNAVAILABLE,  /* "unavailable"  */
	STORE_DISP_NOT_FOUND,    /* "not_found"    */
	STORE_DISP_REJECTED,     /* "rejected"     */
	STORE_DISP_FAILED,       /* "failed"       */
	STORE_DISP_RTP_TIMEOUT,  /* "rtp_timeout"  */
	STORE_DISP_NODE_FAILURE, /* "node_failure": cut when its node died,
				    see nodes below                        */
};

/* Who ended a call; STORE_PARTY_NONE ("") while it is live. */
enum store_party {
	STORE_PARTY_NONE = 0, /* ""       */
	STORE_PARTY_CALLER,   /* "caller" */
	STORE_PARTY_CALLEE,   /* "callee" */
	STORE_PARTY_SYSTEM,   /* "system" */
};

const char *store_direction_name(enum store_direction v);
int store_direction_parse(const char *s, enum store_direction *vp);
const char *store_disposition_name(enum store_disposition v);
int store_disposition_parse(const char *s, enum store_disposition *vp);
const char *store_party_name(enum store_party v);
int store_party_parse(const char *s, enum store_party *vp);

enum {
	STORE_CALL_VARS = 4,       /* values attached to one call, at most */
	STORE_CALL_VAR_VALUE = 32, /* bytes of a value with the NUL        */
};

/* A value attached to a call (a customer number typed at a digit
 * input): its name is the input's label. */
struct store_call_var {
	char name[STORE_INPUT_LABEL];
	char value[STORE_CALL_VAR_VALUE];
};

struct store_call {
	int64_t id;
	char node_id[64];
	char sip_call_id[128]; /* of the caller's leg                   */
	int64_t tenant_id;     /* 0 if unknown (e.g. unknown number)    */
	enum store_direction direction;
	char from_number[64]; /* E.164, extension or SIP user           */
	char to_number[64];   /* as dialled, normalised when possible  */
	char caller_leg[96];  /* "device:1001", "trunk:2"               */
	char callee_leg[96];  /* "device:1002", "trunk:2", "announcement:1" */
	uint64_t started_at;  /* [ms] INVITE received                  */
	uint64_t answered_at; /* [ms] 0 if never answered              */
	uint64_t ended_at;    /* [ms] 0 while live                     */
	enum store_disposition disposition; /* NONE while live       */
	uint16_t sip_code;         /* final code sent to the caller          */
	enum store_party ended_by; /* NONE while live                    */
	char forwarded_from[24];   /* E.164: the client's own number the
				      call was forwarded from (Diversion,
				      History-Info), or ""              */
	/* what the caller typed at digit inputs, by label (call_vars) */
	size_t varc;
	struct store_call_var varv[STORE_CALL_VARS];
};

typedef int(store_call_h)(const struct store_call *c, void *arg);

/* Insert a live call (ended_at 0); sets id.  Written before we answer. */
int store_call_add(struct store *st, struct store_call *c);
int store_call_answered(struct store *st, int64_t id, uint64_t at,
			const char *callee_leg);
int store_call_ended(struct store *st, int64_t id, uint64_t at,
		     enum store_disposition disposition, uint16_t sip_code,
		     enum store_party ended_by);
/* Attach value under name to call id (replacing a value of that name):
 * committed when it returns.  EINVAL for an empty name or value, or
 * longer ones than the fields of struct store_call_var; ENOSPC when the
 * call has STORE_CALL_VARS other names already; ENOENT if no call id. */
int store_call_var_set(struct store *st, int64_t id, const char *name,
		       const char *value);
/* With its values (varv, in the order they were first set). */
int store_call_get(struct store *st, int64_t id, struct store_call *c);

struct store_call_filter {
	int64_t tenant_id; /* 0 = all                         */
	uint64_t since;    /* started_at >= since, 0 = no bound */
	uint64_t until;    /* started_at <  until, 0 = no bound */
	uint32_t limit;    /* 0 = 100; newest first            */
	uint32_t offset;
};

/* Records with their values (varv). */
int store_call_list(struct store *st, const struct store_call_filter *f,
		    store_call_h *h, void *arg);

/* One record of the export for billing and CRM systems: the record
 * (without its values, varc 0), the queue of its last queue visit and the
 * employee who answered it there. */
struct store_call_export {
	struct store_call call;
	int64_t queue_id;    /* 0: never in a queue          */
	char queue_name[64]; /* "" if none                   */
	int64_t agent_id;    /* the answering agent, 0: none */
};
typedef int(store_call_export_h)(const struct store_call_export *x, void *arg);
/* The records of tenant_id (0: all) started in [from, to), oldest first
 * (started_at, then id); h returning non-0 stops the walk. */
int store_call_export(struct store *st, int64_t tenant_id, uint64_t from,
		      uint64_t to, store_call_export_h *h, void *arg);

/* ---- outcomes of consultations (sqlite_consult.c, migration 35) -------
 *
 * What came of each transfer with consultation of a call: one row per
 * attempt, listed by the call's record (the caller's).  A later write
 * of the same consultation record replaces its row; an attempt without
 * one (consult_id 0: nothing could be rung) is always a new row.
 */
enum { STORE_CONSULT_MESSAGE = 2004 }; /* 500 characters of UTF-8, NUL */

struct store_consult_outcome {
	int64_t consult_id;  /* the consultation's call record, 0: none */
	int64_t call_id;     /* the call consulted about (its record)  */
	int64_t tenant_id;   /* the call's                             */
	char step[12];       /* "employee", "substitute", "oncall", "" */
	int64_t employee_id; /* the step's employee, 0 if none         */
	char outcome[12];    /* "taken" | "declined" | "unreached" |
				"cancelled" (by the agent) |
				"caller_left" (hung up meanwhile)       */
	char message[STORE_CONSULT_MESSAGE]; /* the employee's for the
						caller, "" if none     */
	uint64_t at;                         /* [ms] when it was decided */
};
typedef int(store_consult_outcome_h)(const struct store_consult_outcome *o,
				     void *arg);

/* Write o (replacing the row of o->consult_id, if not 0).  EINVAL
 * unless the ids and the outcome are valid, ENOENT if a record does not
 * exist. */
int store_consult_outcome_set(struct store *st,
			      const struct store_consult_outcome *o);
/* The outcomes of call_id's consultations, oldest first. */
int store_consult_outcome_list(struct store *st, int64_t call_id,
			       store_consult_outcome_h *h, void *arg);

/* ---- nodes: heartbeats, and the calls of a node that died ------------- */

/*
 * A live call belongs to one node, the one that holds its media.  Each
 * running node rewrites its heartbeat here every --heartbeat-interval: one
 * row write per tick, however many calls it holds.  The heartbeat is a
 * sign of life of every call the node had open at that moment (a call that
 * ended before it has its end recorded, on the same thread, earlier), and
 * a call that started after the last heartbeat was alive at its start or
 * answer.  So the last known sign of life of a live call record is
 *
 *     alive = max(started_at, answered_at, heartbeat_at of its node)
 *
 * (heartbeat_at 0 when the node never wrote one).  When a node dies with
 * calls up (kill -9, power cut), its live records are closed at alive:
 * never before the answer or start, and at most one heartbeat interval
 * before the true end (the moment the node died).  Closed records get
 * disposition "node_failure" and ended_by "system"; sip_code is kept.
 *
 *   the node itself, at start:  store_call_close_node(own id), before its
 *                               first heartbeat of the new run
 *   any other node, each tick:  store_call_close_stale(self, now - stale)
 *   the operator:               store_call_close_node(dead node's id)
 *
 * The last sign of life of RTP is not used: a call on hold may legally
 * send no RTP for minutes, and would be cut short.
 */
struct store_node {
	char node_id[64];
	uint64_t started_at;   /* [ms] its current run began; 0 = no row */
	uint64_t heartbeat_at; /* [ms] last heartbeat; 0 = none           */
	uint32_t live_calls;   /* its call records with ended_at 0        */
};

typedef int(store_node_h)(const struct store_node *n, void *arg);

/* Node node_id, whose current run began at started_at, is alive at `at`
 * (0 = now).  Inserts its row or rewrites it. */
int store_node_heartbeat(struct store *st, const char *node_id,
			 uint64_t started_at, uint64_t at);
/* ENOENT if node_id has neither a heartbeat row nor live calls. */
int store_node_get(struct store *st, const char *node_id, struct store_node *n);
/* Every node with a heartbeat row, and every node id that has live calls
 * but no row (records of an older build), ordered by node_id. */
int store_node_list(struct store *st, store_node_h *h, void *arg);

/* Close the live calls of node node_id at their last sign of life (see
 * above), and end the agents' wrap-ups after its calls that have no end
 * (the node stopped in them) at its heartbeat, not before their start.
 * *np (may be NULL) gets the number of calls closed. */
int store_call_close_node(struct store *st, const char *node_id, unsigned *np);
/* Close, by the same rule, the live calls (and open wrap-ups) of every
 * node except self whose last sign of life is before `before` [ms]. */
int store_call_close_stale(struct store *st, const char *self, uint64_t before,
			   unsigned *np);

/* ---- events between nodes (migration 61) ------------------------------ */

/*
 * Each node writes the bus events a stream client may want (core.h) as
 * rows; every node reads the rows after the last id it has seen and
 * publishes the other nodes' on its own bus (src/node/events.c).  On
 * PostgreSQL the insert also says pg_notify(STORE_EVENTS_CHANNEL, node)
 * in its own transaction, which wakes the readers (store_listen_alloc).
 */
#define STORE_EVENTS_CHANNEL "switchboard_events"

struct store_node_event {
	int64_t id;          /* increasing (gaps possible on PostgreSQL) */
	const char *node_id; /* the writer                               */
	uint64_t at;         /* [ms UTC] published, the writer's clock   */
	int64_t tenant_id;   /* 0: no tenant's                           */
	int64_t employee_id; /* 0: everyone who may see the tenant's     */
	const char *cls;     /* "call", "queue", "agent"                 */
	const char *type;    /* "new", "state", ...                      */
	const char *fields;  /* a JSON object                            */
};

/* Read rows: the strings are valid only while h runs. */
typedef int(store_node_event_h)(const struct store_node_event *e, void *arg);

/* Write e (its id is the store's: e->id is not read; *idp, may be NULL,
 * gets it).  EINVAL for an empty node, class, type or fields, or a
 * negative id. */
int store_node_event_add(struct store *st, const struct store_node_event *e,
			 int64_t *idp);
/* The rows whose id is after `after`, by id, at most limit of them. */
int store_node_event_after(struct store *st, int64_t after, unsigned limit,
			   store_node_event_h *h, void *arg);
/* The largest id written so far (0: none). */
int store_node_event_last(struct store *st, int64_t *idp);
/* Delete the rows (of every node) written before `before` [ms UTC],
 * except the newest row, so no id is ever used again (SQLite takes the
 * largest plus one).  *np (may be NULL) gets the rows deleted. */
int store_node_event_trim(struct store *st, uint64_t before, unsigned *np);
/* How many nodes but self wrote a heartbeat at since [ms UTC] or later:
 * with none, nobody would read this node's events. */
int store_node_event_peers(struct store *st, const char *self, uint64_t since,
			   unsigned *np);
/* Node node_id has `clients` event stream clients at `at` [ms UTC]
 * (migration 66, event_streams: written while it has some). */
int store_event_streams_set(struct store *st, const char *node_id,
			    unsigned clients, uint64_t at);
/* How many nodes had stream clients at since [ms UTC] or later. */
int store_event_streams_count(struct store *st, uint64_t since, unsigned *np);

/*
 * A second connection to a PostgreSQL store that LISTENs on channel, in
 * libre's main loop (its socket in fd_listen; the connect and the LISTEN
 * never block the loop: db_pg_listen.c): h(true, arg) each time the
 * connection is up and listening (the first time too; notifications sent
 * while it was down are gone: the reader catches up from the rows),
 * h(false, arg) when notifications came (any number: they only wake the
 * reader).  A connection that fails, is lost, or is not up within
 * STORE_LISTEN_CONNECT_MS is tried again after STORE_LISTEN_RETRY_MS,
 * doubled after each failed try up to STORE_LISTEN_RETRY_MAX_MS.  ENOTSUP
 * for an SQLite store (url not postgresql://).  mem_deref() closes it.
 */
enum {
	STORE_LISTEN_RETRY_MS = 1000,
	STORE_LISTEN_RETRY_MAX_MS = 8000,
	STORE_LISTEN_CONNECT_MS = 5000,
};
/* Its application_name in pg_stat_activity. */
#define STORE_LISTEN_APP_NAME "switchboard-listen"
struct store_listen;
typedef void(store_listen_h)(bool reconnected, void *arg);
int store_listen_alloc(struct store_listen **lp, const char *url,
		       const char *channel, store_listen_h *h, void *arg);
/* Notifications received so far (for tests and logs). */
uint64_t store_listen_count(const struct store_listen *l);
/* Connected and listening now. */
bool store_listen_up(const struct store_listen *l);

/* ---- leases: single-owner jobs on exactly one node --------------------- */

/*
 * A job that must run on one node at a time (the outbox, note escalations,
 * trunk registrations: node.h lists them) runs only on the node
 * that holds its lease.  A lease is one row: its name, the holder's node
 * id and the moment it expires.  The holder renews it on every heartbeat
 * tick; another node takes it only once it has expired, so a node that
 * dies (kill -9) hands its jobs over one TTL after its last renewal.  The
 * times are the nodes' own clocks: nodes that share a store need their
 * clocks in step (NTP) to within a small part of the TTL.
 */
struct store_lease {
	char name[32];       /* "outbox", "escalation", ...            */
	char holder[64];     /* node id of the holder                   */
	uint64_t expires_at; /* [ms] free from this moment on          */
	uint64_t renewed_at; /* [ms] the holder's last take or renewal */
};

typedef int(store_lease_h)(const struct store_lease *l, void *arg);

/*
 * Take lease name for node_id at now [ms] until now + ttl_ms, in one
 * statement: it is taken if it is free (no row), expired (expires_at <=
 * now) or already node_id's (then it is renewed).  *held tells whether
 * node_id holds it afterwards; another node's live lease is left alone
 * (0, *held false).  EINVAL for an empty name or node id, or a ttl of 0.
 */
int store_lease_take(struct store *st, const char *name, const char *node_id,
		     uint64_t now, uint64_t ttl_ms, bool *held);
/* Does node_id hold lease name at now [ms] (its lease not expired)? */
bool store_lease_held(struct store *st, const char *name, const char *node_id,
		      uint64_t now);
/* Give up node_id's lease name (NULL: all of node_id's leases), for a
 * clean shutdown: the next node takes them at its next tick. */
int store_lease_drop(struct store *st, const char *name, const char *node_id);
/* Every lease row, by name (expired ones too: the caller compares). */
int store_lease_list(struct store *st, store_lease_h *h, void *arg);

/*
 * The registration state of a registering trunk as the node that
 * registers it (the "trunkreg" lease holder) last wrote it, so that every
 * node shows it (sqlite_trunk_reg.c).  state is sip.h's name
 * ("unregistered", "registering", "registered", "failed").
 */
struct store_trunk_reg {
	int64_t trunk_id;
	char node[64];       /* the node that registers it              */
	char state[16];      /* sipsrv_trunkreg_state_name()            */
	uint16_t code;       /* last final SIP status, 0 none           */
	char reason[64];     /* its reason phrase or what went wrong    */
	uint64_t expires_at; /* [ms] binding valid until, 0 none        */
	uint64_t retry_at;   /* [ms] next attempt after a failure, 0    */
	uint32_t failures;   /* failed attempts in a row                */
	uint64_t updated_at; /* [ms] when node wrote it                 */
};

/* Write r (insert or replace trunk r->trunk_id's row).  ENOENT: no such
 * trunk (deleted meanwhile); EINVAL: no node, no state. */
int store_trunk_reg_put(struct store *st, const struct store_trunk_reg *r);
/* ENOENT if nobody wrote trunk_id's state. */
int store_trunk_reg_get(struct store *st, int64_t trunk_id,
			struct store_trunk_reg *r);
/* node stopped registering (a clean stop, a lost lease): its rows become
 * "unregistered" at now (binding and retry times 0); another node's rows
 * are left alone.  *np (may be NULL): rows changed. */
int store_trunk_reg_stop(struct store *st, const char *node, uint64_t now,
			 unsigned *np);

/* ---- the outbox: every outgoing delivery ------------------------------ */

/*
 * One row per delivery (a mail now; SMS, webhooks and call notes later),
 * written before anyone is told it will be sent, and moved through its
 * states by the dispatcher of notify/ (notify.h has the retry schedule):
 *
 *              add                claim (due)           sent
 *   (caller) -------> pending --------------> sending --------> sent
 *                      ^  ^                    |  |
 *                      |  |  retry (attempts+1,|  |  fail (attempts+1,
 *                      |  +--next_attempt_at)--+  +--------> failed
 *                      |                              last_error)
 *                      +-- requeue: the node restarted while sending
 *
 * A channel that learns more than "the server took it" goes on (from
 * migration 49): a webhook the client's receiver answered with a 2xx is
 * delivered at once (store_outbox_done); an SMS stays sent until its
 * gateway reports it (store_outbox_report, by the id the gateway gave
 * it): sent -> delivered (delivered_at), or sent -> failed.  A mail or a
 * Web Push stays sent: nothing tells us more.
 *
 * delivered and failed are final; sent is final for mail and push.  A row left in sending by a node that died
 * goes back to pending when that node starts again (store_outbox_requeue),
 * or when another node sees it silent for too long (its heartbeat, see
 * "nodes" above; store_outbox_requeue_stale), so a delivery is made at
 * least once: a mail whose send was cut after the
 * SMTP server took it is sent a second time.
 *
 * The payload of a mail is plain columns (a PostgreSQL backend keeps the
 * same columns); its attachments are files on disk named by path (a
 * voicemail WAV is a file already), kept in rows of their own, at most
 * STORE_OUTBOX_FILES per delivery.  Addresses in to and cc are separated
 * by ", "; each is a bare addr-spec (local@domain) without a display name.
 */

/* How a delivery goes out: "mail", "sms" (mail_to is the E.164 number,
 * body the JSON the gateway gets), "webhook" (mail_to is the URL, body
 * the JSON posted, signed when sent), "webpush" (Web Push to one
 * subscription, migration 30).  Add a channel at the end. */
enum store_channel {
	STORE_CHANNEL_MAIL = 0,
	STORE_CHANNEL_SMS,
	STORE_CHANNEL_WEBHOOK,
	STORE_CHANNEL_WEBPUSH,
	STORE_CHANNEL_COUNT /* not a channel: how many there are */
};

/* Where a delivery is: see the diagram above. */
enum store_outbox_state {
	STORE_OUTBOX_PENDING = 0, /* "pending": waits for next_attempt_at */
	STORE_OUTBOX_SENDING,     /* "sending": a node is delivering it   */
	STORE_OUTBOX_SENT,        /* "sent": the next hop took it       */
	STORE_OUTBOX_FAILED,      /* "failed": given up, final            */
	STORE_OUTBOX_DELIVERED,   /* "delivered": reached its destination
				     (migration 49), final              */
};

const char *store_channel_name(enum store_channel v);
int store_channel_parse(const char *s, enum store_channel *vp);
const char *store_outbox_state_name(enum store_outbox_state v);
int store_outbox_state_parse(const char *s, enum store_outbox_state *vp);

enum {
	STORE_OUTBOX_FILES = 4, /* attachments of one delivery, at most */
};

/* An attachment: a file on disk, read when the delivery is sent. */
struct store_outbox_file {
	char path[256]; /* absolute path of the file                 */
	char name[128]; /* file name the recipient sees ("msg.wav")   */
	char type[64];  /* content type ("audio/wav")                 */
};

/* A Web Push delivery (table outbox_push, migration 30): the subscription
 * it goes to, looked up when it is sent (gone by then: it fails). */
struct store_outbox_push {
	int64_t subscription_id;
	char urgency[16]; /* "very-low", "low", "normal" or "high"        */
	uint32_t ttl;     /* [s] the push service keeps it this long      */
};

struct store_outbox {
	int64_t id;
	int64_t tenant_id; /* 0 = the system's own (a test mail)       */
	enum store_channel channel;
	enum store_outbox_state state;
	uint32_t attempts;        /* delivery attempts made so far           */
	uint64_t next_attempt_at; /* [ms] pending: not before this          */
	uint64_t created_at;      /* [ms]                                   */
	uint64_t sent_at;         /* [ms] 0 unless sent                      */
	char last_error[256];     /* why the last attempt failed, "" if none */
	char node_id[64];         /* node that claimed it last, "" if none   */
	uint64_t delivered_at;    /* [ms] 0 unless delivered (migration 49)  */
	char ext_id[128];         /* the SMS gateway's message id, ""       */
	/* channel mail */
	char mail_from[128]; /* envelope and From: address             */
	char mail_to[512];   /* "a@x.example, b@y.example"             */
	char mail_cc[512];   /* same form, "" = none                   */
	char subject[256];   /* UTF-8                                  */
	char body[4096];     /* text/plain, UTF-8                      */
	char html[8192];     /* text/html alternative, "" = none        */
	struct store_outbox_file filev[STORE_OUTBOX_FILES];
	uint32_t filec; /* attachments in filev                    */
	/* channel webpush: the payload is body (JSON text) */
	struct store_outbox_push push;
};

typedef int(store_outbox_h)(const struct store_outbox *o, void *arg);

/*
 * Enqueue a delivery: committed (a row in the database file) when this
 * returns 0.  Channel mail needs mail_from and mail_to; filec at most
 * STORE_OUTBOX_FILES, each file with a path, name and type (EINVAL).  The
 * row starts pending with attempts 0; created_at 0 means now,
 * next_attempt_at 0 means created_at.  State, attempts, sent_at,
 * last_error and node_id are not taken from o.  Sets o->id.
 */
int store_outbox_add(struct store *st, struct store_outbox *o);
/* With its attachments. */
int store_outbox_get(struct store *st, int64_t id, struct store_outbox *o);

struct store_outbox_filter {
	int64_t tenant_id; /* 0 = all tenants                   */
	bool by_state;     /* only rows in state                */
	enum store_outbox_state state;
	uint32_t limit; /* 0 = 100, at most 1000; newest first */
	uint32_t offset;
};

/* Newest first (created_at, then id, descending), with attachments. */
int store_outbox_list(struct store *st, const struct store_outbox_filter *f,
		      store_outbox_h *h, void *arg);

/*
 * Claim the pending delivery that is due longest (next_attempt_at <= now,
 * oldest first) for node_id: it becomes sending, node_id is recorded, and
 * it is read into *o.  ENOENT if nothing is due.  Atomic: two nodes never
 * claim the same row (in PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED).
 */
int store_outbox_claim(struct store *st, const char *node_id, uint64_t now,
		       struct store_outbox *o);
/* The same, only rows of the channels whose bit (1 << channel) is set in
 * channels (those this node can deliver now). */
int store_outbox_claim_of(struct store *st, const char *node_id, uint64_t now,
			  unsigned channels, struct store_outbox *o);
/* A claimed delivery was made at `at`: sent, attempts+1, last_error "".
 * ENOENT unless row id is sending. */
int store_outbox_sent(struct store *st, int64_t id, uint64_t at);
/* The same, and with delivered also delivered (delivered_at = at: the
 * receiver itself took it), and ext_id (NULL: "") the id the receiver
 * gave it (an SMS gateway's message id, at most 127 bytes). */
int store_outbox_done(struct store *st, int64_t id, uint64_t at, bool delivered,
		      const char *ext_id);
/*
 * A report of the receiver of channel ch about its message ext_id, at
 * `at`: delivered (delivered_at = at), or not (failed, last_error =
 * error).  Only a sent row changes; a row reported already keeps its
 * first outcome.  *o (may be NULL) gets the row as it is now.  ENOENT if
 * no row of ch has that id, EINVAL for an empty id.
 */
int store_outbox_report(struct store *st, enum store_channel ch,
			const char *ext_id, bool delivered, uint64_t at,
			const char *error, struct store_outbox *o);
/* A claimed delivery failed and is tried again: pending, attempts+1,
 * next_attempt_at, last_error (NULL: "").  ENOENT unless id is sending. */
int store_outbox_retry(struct store *st, int64_t id, uint64_t next_attempt_at,
		       const char *error);
/* A claimed delivery failed for good: failed, attempts+1, last_error.
 * ENOENT unless id is sending. */
int store_outbox_fail(struct store *st, int64_t id, const char *error);
/* The deliveries node_id left in sending (it died or was killed while
 * sending) go back to pending, due at once, attempts unchanged; *np (may
 * be NULL) gets their number.  Called by a node when it starts. */
int store_outbox_requeue(struct store *st, const char *node_id, unsigned *np);
/* The same for the deliveries of every other node than self whose last
 * heartbeat (nodes above) is before `before` [ms]: a node that died and
 * does not come back.  Called by every running node now and then. */
int store_outbox_requeue_stale(struct store *st, const char *self,
			       uint64_t before, unsigned *np);
/* The deliveries waiting (pending) and being delivered (sending) now, of
 * every node: two counts on their partial indexes. */
int store_outbox_depth(struct store *st, uint64_t *pending, uint64_t *sending);

/* ---- call notes (sqlite_note.c, issue 17) -----------------------------
 *
 * A call note of a tenant for one or more of its employees, taken by an
 * agent.  Every save is a version (1 = the note as first saved); the
 * note row holds the newest.  A save writes the note, its version and
 * the outbox rows of its deliveries (each linked to the note by a
 * note_deliveries row) in ONE transaction: saved and to be delivered,
 * or neither.  Who opened its link and who acknowledged it are
 * note_reads rows.  An outbox row of channel sms that becomes sent is
 * counted for billing (sms_charges, 10 cents, by a trigger).
 */
enum {
	STORE_NOTE_EMPLOYEES = 8,  /* employees one note is for, at most */
	STORE_NOTE_SMS_CENTS = 10, /* what one SMS is billed (the trigger) */
};

struct store_note {
	int64_t id;
	int64_t tenant_id;
	int64_t call_id;            /* its call record, 0 = none          */
	int64_t profile_version_id; /* the profile the agent saw, 0 = none */
	int64_t agent_token_id;     /* the token that took it             */
	int64_t agent_employee_id;  /* the employee that token acts as, 0 */
	char agent[64];             /* who took it (the token's name)     */
	char caller_name[128];
	char caller_number[24]; /* E.164, "" = unknown                    */
	char concern[4096];     /* confidential: never logged             */
	char fields[4096];      /* JSON object of the client's fields     */
	bool urgent;
	uint32_t version;    /* 1, 2, ...: saves                          */
	uint64_t created_at; /* [ms]                                     */
	uint64_t updated_at; /* [ms] the newest version                  */
	int64_t employeev[STORE_NOTE_EMPLOYEES];
	uint32_t employeec;
};

typedef int(store_note_h)(const struct store_note *n, void *arg);

/* One delivery to make with a save: the outbox row and whom it is for
 * (an employee of the note, 0 = the tenant: the webhook). */
struct store_note_out {
	struct store_outbox *o; /* o->id is set by the save */
	int64_t employee_id;
};

/* The deliveries of note n as saved (its id and version set): *outvp
 * (a mem_deref()-able array of *outcp rows, or NULL for none).  Called
 * inside the save's transaction; an error rolls the save back. */
typedef int(store_note_rows_h)(const struct store_note *n,
			       struct store_note_out **outvp, size_t *outcp,
			       void *arg);

/*
 * Save note n with the deliveries rowsh makes (may be NULL: none) in one
 * transaction.  A new note (n->id 0) gets version 1 and created_at =
 * updated_at (0: now); an edit (n->id set) must carry the version it
 * edits plus one (n->version): ENOENT if the note is gone, EALREADY if
 * another edit came first.  The employees must be the tenant's (EXDEV),
 * the call too (EXDEV; ENOENT: none), at least one employee (EINVAL).
 * Sets n->id.
 */
int store_note_save(struct store *st, struct store_note *n,
		    store_note_rows_h *rowsh, void *arg);
int store_note_get(struct store *st, int64_t id, struct store_note *n);

struct store_note_filter {
	int64_t tenant_id;   /* 0 = all                              */
	int64_t employee_id; /* 0 = any: notes for this employee     */
	/* an agent's own: taken as this employee, or (without one) by
	 * this token; both 0 = anyone's */
	int64_t agent_employee_id;
	int64_t agent_token_id;
	uint64_t since; /* [ms] created at or after, 0 = any    */
	uint64_t until; /* [ms] created before, 0 = any         */
	uint32_t limit; /* 0 = 100, at most 1000; newest first  */
	uint32_t offset;
};
int store_note_list(struct store *st, const struct store_note_filter *f,
		    store_note_h *h, void *arg);
/* The versions of note id, oldest first (n->version, n->updated_at: when
 * it was saved, n->agent: by whom). */
int store_note_versions(struct store *st, int64_t id, store_note_h *h,
			void *arg);

/* A delivery of a note, with its outbox row's state. */
struct store_note_delivery {
	int64_t outbox_id;
	uint32_t version;    /* the note's version it carries       */
	int64_t employee_id; /* 0 = the tenant (webhook)             */
	enum store_channel channel;
	enum store_outbox_state state;
	uint32_t attempts;
	uint64_t next_attempt_at;
	uint64_t created_at;
	uint64_t sent_at;
	char last_error[256];
	uint64_t delivered_at; /* [ms] 0 unless delivered           */
};
typedef int(store_note_delivery_h)(const struct store_note_delivery *d,
				   void *arg);
int store_note_deliveries(struct store *st, int64_t note_id,
			  store_note_delivery_h *h, void *arg);

/* Who opened a note's link and who acknowledged it. */
struct store_note_read {
	int64_t employee_id;
	uint64_t opened_at; /* [ms] first opened, 0 = never        */
	uint64_t acked_at;  /* [ms] acknowledged, 0 = not yet      */
};
typedef int(store_note_read_h)(const struct store_note_read *r, void *arg);
/* employee_id opened note_id at `at` (the first time counts); with ack
 * it also acknowledged it (the first time counts).  *rp (may be NULL)
 * gets the row as it is now. */
int store_note_read_mark(struct store *st, int64_t note_id, int64_t employee_id,
			 uint64_t at, bool ack, struct store_note_read *rp);
int store_note_reads(struct store *st, int64_t note_id, store_note_read_h *h,
		     void *arg);

/* A tenant's note settings: absent = defaults (no webhook, no full
 * text in SMS and webhook). */
struct store_note_settings {
	int64_t tenant_id;
	bool full_text;          /* SMS and webhook carry the concern  */
	char webhook_url[512];   /* http(s)://..., "" = none           */
	char webhook_secret[80]; /* HMAC key, "" = none; never shown
				     again after it was made           */
	uint32_t escalate_after; /* [s] an urgent note nobody
				     acknowledged is escalated after it,
				     0 = never                         */
	uint64_t updated_at;     /* [ms], 0 = never set (defaults)     */
};
int store_note_settings_get(struct store *st, int64_t tenant_id,
			    struct store_note_settings *s);
int store_note_settings_set(struct store *st,
			    const struct store_note_settings *s);

/* ---- escalation of urgent notes (sqlite_note_escalation.c, migrations
 * 31 and 32) ----------------------------------------------------------
 *
 * The trail of a note's escalation: one row per step and person; step
 * "oncall" one row per attempt (1, 2, ...), written before the call is
 * placed and given its outcome afterwards.  A step (an attempt) with a
 * row, whatever its outcome, is never taken again for that note.
 */
enum { STORE_ESC_BATCH = 16 }; /* due notes one look returns, at most */

struct store_note_escalation {
	int64_t id;
	int64_t note_id;
	int64_t tenant_id;
	char step[12];       /* "substitute" | "oncall"                   */
	int64_t employee_id; /* whom it went to, 0 = nobody              */
	uint64_t at;         /* [ms]                                      */
	char outcome[32];    /* "delivered", "no substitute", "ringing",
				"acknowledged", "no_answer", ...          */
	char detail[128];    /* e.g. "substitute of employee 3"            */
	uint32_t attempt;    /* oncall: 1, 2, ...; substitute: 0          */
	uint16_t sip_code;   /* oncall: the call's final status, 0 = none  */
};
typedef int(store_note_escalation_h)(const struct store_note_escalation *e,
				     void *arg);

/*
 * The urgent notes due for step (after `factor` times their tenant's
 * escalate_after since they were created, at most a day late), acknowledged
 * by none of their employees, without a row of step yet and, if prev is
 * not NULL, with a row of step prev: at most *idcp (<= STORE_ESC_BATCH) ids
 * into idv, oldest first; *idcp gets their number.
 */
int store_note_escalation_due(struct store *st, const char *step,
			      uint32_t factor, const char *prev, uint64_t now,
			      int64_t *idv, size_t *idcp);
/*
 * The urgent notes (of tenants whose escalation is still on) acknowledged
 * by nobody whose last "oncall" attempt failed (outcome "no_answer",
 * "busy", "unacknowledged" or "failed"; or still "ringing"/"answered"
 * after stale_ms: a node that died during the call) and started at least
 * retry_ms before now (at most a day before), with fewer than max
 * attempts: at most *idcp (<= STORE_ESC_BATCH) into idv and the next
 * attempt's number into attv, oldest first; *idcp gets their number.
 */
int store_note_oncall_retry_due(struct store *st, uint64_t now,
				uint64_t retry_ms, uint64_t stale_ms,
				uint32_t max, int64_t *idv, uint32_t *attv,
				size_t *idcp);
/*
 * Record step of note n: the trail rows ev[0..evc) (all of the same step,
 * evc >= 1) and the deliveries outv[0..outc) (outbox rows linked to the
 * note, as store_note_save() writes them) in one transaction; ev[i].id
 * gets each row's id.  EALREADY (nothing written) if the note already has
 * a row of that step with an attempt >= ev[0].attempt (any row of it for
 * attempt 0).
 */
int store_note_escalate(struct store *st, const struct store_note *n,
			struct store_note_escalation *ev, size_t evc,
			struct store_note_out *outv, size_t outc);
/* The outcome of trail row id (and its SIP status, 0 for none); ENOENT
 * if there is no such row. */
int store_note_escalation_outcome(struct store *st, int64_t id,
				  const char *outcome, uint16_t sip_code);
/* The trail of note_id, oldest first. */
int store_note_escalations(struct store *st, int64_t note_id,
			   store_note_escalation_h *h, void *arg);

/* The server's secret `name`: the stored one, else value (a new random
 * secret of the caller's) is stored and returned.  Into buf. */
int store_secret_ensure(struct store *st, const char *name, const char *value,
			char *buf, size_t sz);
/* ---- Web Push subscriptions and the VAPID key (sqlite_push.c) ----------
 *
 * A browser's or phone's PushSubscription (RFC 8030) of an employee: the
 * push service's endpoint URL and the keys the messages are encrypted
 * for (RFC 8291), both base64url as the browser gives them.  An
 * employee's subscriptions go with it; one endpoint once per employee
 * (EEXIST).  auth is a secret shared with the browser: never logged,
 * never exported.
 */
enum {
	STORE_PUSH_ENDPOINT_LEN = 1024,
};

struct store_push_sub {
	int64_t id;
	int64_t tenant_id;
	int64_t employee_id;
	char endpoint[STORE_PUSH_ENDPOINT_LEN]; /* https://...             */
	char p256dh[96];     /* base64url of the 65-byte P-256 point         */
	char auth[32];       /* base64url of the 16-byte auth secret         */
	uint64_t created_at; /* [ms] */
};

typedef int(store_push_sub_h)(const struct store_push_sub *s, void *arg);

/* Add s (tenant_id, employee_id of that tenant, endpoint and keys set):
 * EINVAL, ENOENT (no such employee), EXDEV (another tenant's), EEXIST
 * (the employee has this endpoint).  Sets s->id and created_at. */
int store_push_sub_add(struct store *st, struct store_push_sub *s);
int store_push_sub_get(struct store *st, int64_t id, struct store_push_sub *s);
/* The subscription of employee_id with endpoint, ENOENT if none. */
int store_push_sub_find(struct store *st, int64_t employee_id,
			const char *endpoint, struct store_push_sub *s);
/* New keys (p256dh, auth) for subscription s->id.  ENOENT. */
int store_push_sub_rekey(struct store *st, const struct store_push_sub *s);
int store_push_sub_delete(struct store *st, int64_t id);
/* Oldest first; tenant_id, employee_id 0: any. */
int store_push_sub_list(struct store *st, int64_t tenant_id,
			int64_t employee_id, store_push_sub_h *h, void *arg);

/* The installation's VAPID key pair (RFC 8292), base64url.  One row for
 * every node of the installation: subscriptions are bound to its public
 * key, so all nodes must sign with the same one. */
struct store_vapid {
	char private_key[48]; /* 32 bytes; never logged, never exported  */
	char public_key[96];  /* 65 bytes, uncompressed point            */
	uint64_t created_at;  /* [ms] */
};

/* The stored key pair into *v; if there is none yet, v (as the caller
 * made it) is stored first.  Of two nodes starting at once, both get the
 * one stored first. */
int store_vapid_init(struct store *st, struct store_vapid *v);

/* ---- client profile versions (sqlite_profile.c) ------------------------
 *
 * The answering service's profile of a client (greeting, instructions,
 * guides, fields, hours) as dated versions: what a version is and how
 * one is computed is secretariat/profile.c's; the store keeps the rows.
 * The version in force at T is the one not cancelled with the greatest
 * effective_from <= T (of two at the same time, the higher version).
 */
struct store_profile_version {
	int64_t id;
	int64_t tenant_id;
	int64_t version;         /* 1, 2, ... per tenant, in creation order */
	uint64_t effective_from; /* [ms] in force from then on             */
	uint64_t created_at;     /* [ms]                                   */
	char created_by[64];     /* who: the API token's name              */
	uint64_t cancelled_at;   /* [ms] 0 = not cancelled                 */
	char cancelled_by[64];
	char *given;    /* (owned) JSON object: the settings it set       */
	char *settings; /* (owned) JSON object: the whole profile          */
	char *changed;  /* (owned) "greeting,hours": settings differing
			   from the version before it                     */
};

/* v is only valid during the call. */
typedef int(store_profile_h)(const struct store_profile_version *v, void *arg);

/* A new version, mem_deref()-able (its strings owned), zeroed. */
int store_profile_alloc(struct store_profile_version **vp);
/* The tenant's version number v, or the version in force at `at`:
 * *vp a new object; ENOENT if there is none. */
int store_profile_get(struct store *st, int64_t tenant_id, int64_t version,
		      struct store_profile_version **vp);
int store_profile_at(struct store *st, int64_t tenant_id, uint64_t at,
		     struct store_profile_version **vp);
/* The tenant's versions, cancelled ones too, by version number. */
int store_profile_list(struct store *st, int64_t tenant_id, store_profile_h *h,
		       void *arg);

/* One change of a tenant's profile, written in one transaction. */
struct store_profile_change {
	/* inserted unless NULL; its id and version (the tenant's highest
	 * + 1) are set on success */
	struct store_profile_version *add;
	/* cancelled unless 0: at cancel_at by cancel_by; EBUSY if it is
	 * cancelled already or took effect at or before cancel_at */
	int64_t cancel_id;
	uint64_t cancel_at;
	const char *cancel_by;
	/* versions whose settings and changed are rewritten (the future
	 * ones whose carried-over settings changed) */
	struct store_profile_version *const *rewv;
	size_t rewc;
};

/* EINVAL for a bad argument (no JSON text), ENOENT for a missing tenant
 * or version; nothing is written on an error. */
int store_profile_save(struct store *st, struct store_profile_change *c);

/* ---- API tokens ------------------------------------------------------- */

enum {
	STORE_TOKEN_PREFIX = 8, /* characters of a token kept in clear */
};

struct store_token {
	int64_t id;
	char role[16];       /* "operator", "client_admin", "agent" or
				"subaccount" (src/http/roles.c)        */
	int64_t tenant_id;   /* 0 for an operator                   */
	int64_t employee_id; /* agent, subaccount: the employee it acts
				as (0: none)                           */
	char name[64];
	uint64_t created_at;
	/* a session (a password login, issue 16); 0 for an API token */
	int64_t user_id;       /* whose session                       */
	uint64_t expires_at;   /* [ms] absolute end; 0 = never        */
	uint64_t last_used_at; /* [ms] for the idle timeout          */
	/* issue 20: what of its role's routes an API token may use
	 * ("full", "read-only", "provisioning", "metrics"; src/http/scope.c;
	 * "" is "full" when added) and the first characters of the token,
	 * to tell tokens apart in a list (set when added) */
	char scope[16];
	char prefix[STORE_TOKEN_PREFIX + 1];
};

/* Store sha256(token) only.  The plain token is the caller's to show. */
int store_token_add(struct store *st, const char *token, struct store_token *t);
int store_token_check(struct store *st, const char *token,
		      struct store_token *t);
/* Token id as stored (t may be NULL to only check): ENOENT once it is
 * gone, with its tenant or its employee (an open event stream asks). */
int store_token_get(struct store *st, int64_t id, struct store_token *t);
bool store_token_any(struct store *st);
/* A session was used at now [ms] (its idle timeout starts again). */
int store_token_touch(struct store *st, int64_t id, uint64_t now);
/* End token id at once.  ENOENT if there is none. */
int store_token_delete(struct store *st, int64_t id);
/* End every session of user_id but keep_id (0: all); *np (may be NULL)
 * gets how many ended. */
int store_token_revoke_user(struct store *st, int64_t user_id, int64_t keep_id,
			    int64_t *np);
/* Delete every session that ended by now [ms]: past its expires_at, or
 * unused for idle_ms (0: no idle limit); *np (may be NULL) gets how many.
 * And every API token (no user) whose expires_at lies grace_ms or more
 * before now (its 401 says "token: expired" until then, and lists show
 * it as expired); *napi (may be NULL) gets how many.  EINVAL if grace_ms
 * is more than now. */
int store_token_sweep(struct store *st, uint64_t now, uint64_t idle_ms,
		      uint64_t grace_ms, int64_t *np, int64_t *napi);
typedef int(store_token_h)(const struct store_token *t, void *arg);
/* The tokens of tenant_id (0: all), by id; never the token itself. */
int store_token_list(struct store *st, int64_t tenant_id, store_token_h *h,
		     void *arg);
/* The sessions of user_id (0: of every user), oldest first; expired
 * ones (expires_at before now, or unused for idle_ms > 0) are skipped. */
int store_token_sessions(struct store *st, int64_t user_id, uint64_t now,
			 uint64_t idle_ms, store_token_h *h, void *arg);

/* ---- users: password logins (sqlite_user.c, issue 16) ----------------- */

enum {
	STORE_PWHASH_SZ = 128, /* an encoded Argon2id hash and its NUL */
};

struct store_user {
	int64_t id;
	char login[255]; /* unique, compared case-insensitively  */
	char password_hash[STORE_PWHASH_SZ]; /* "$argon2id$...", never
						shown or logged           */
	char role[16];          /* "operator", "agent", "client_admin",
				 "subaccount" ("admin": old "operator") */
	int64_t tenant_id;      /* 0 for an operator                    */
	int64_t employee_id;    /* the person (agent, subaccount), or 0 */
	uint64_t created_at;    /* [ms]                                 */
	bool disabled;          /* may not log in                       */
	uint32_t failed_logins; /* wrong passwords in a row            */
	uint64_t locked_until;  /* [ms] locked out before this; 0 none */
};

/* Add u (its id set).  EEXIST for a login taken (in any case), ENOENT
 * for a tenant or employee that does not exist, EXDEV for an employee of
 * another tenant, EINVAL for a bad record. */
int store_user_add(struct store *st, struct store_user *u);
int store_user_get(struct store *st, int64_t id, struct store_user *u);
/* The user of login, case-insensitively.  ENOENT if none. */
int store_user_find(struct store *st, const char *login, struct store_user *u);
/* Write password_hash and disabled of u.  ENOENT if the user is gone. */
int store_user_update(struct store *st, const struct store_user *u);
/* Write failed_logins and locked_until of u. */
int store_user_set_failures(struct store *st, const struct store_user *u);
/* Delete user id and its sessions.  ENOENT if none. */
int store_user_delete(struct store *st, int64_t id);
typedef int(store_user_h)(const struct store_user *u, void *arg);
/* The users of tenant_id (0: all), by id. */
int store_user_list(struct store *st, int64_t tenant_id, store_user_h *h,
		    void *arg);

/* ---- failed logins kept (sqlite_login_failure.c, issue 16) ------------ */

/* The failure counter of an unknown login name or of a source address
 * (http/login_guard.c says what the fields mean to it). */
enum {
	STORE_LOGIN_KEY_SZ = 272, /* "login:" + a login of 254, its NUL */
};

struct store_login_failure {
	char
	    key[STORE_LOGIN_KEY_SZ]; /* "login:<name>" or "addr:<ip>", NOCASE */
	uint32_t failures;           /* counted so far                        */
	uint64_t window_start;       /* [ms] first failure counted            */
	uint64_t locked_until;       /* [ms] refused before this; 0 none      */
	uint64_t updated_at;         /* [ms] last failure                     */
};

/* The counter of key into *f.  ENOENT if there is none. */
int store_login_failure_get(struct store *st, const char *key,
			    struct store_login_failure *f);
/* Write f (insert or replace by key), in one transaction with the purge
 * of rows neither locked at f->updated_at nor touched since before, and
 * the trim to the max most recently touched rows. */
int store_login_failure_put(struct store *st,
			    const struct store_login_failure *f,
			    uint64_t before, uint32_t max);
/* Forget the counter of key (none is no error). */
int store_login_failure_delete(struct store *st, const char *key);

/* ---- access and confidentiality (issue 16, seeds/002) ----------------- */

/* One entry of the audit trail: who read or changed which client's data,
 * when and from where.  Never the values of a request (they may hold
 * confidential notes): only the names of the fields a change gave. */
struct store_audit {
	int64_t id;
	uint64_t at;         /* [ms] when the request came            */
	int64_t tenant_id;   /* the data's client, 0: none or several */
	int64_t token_id;    /* who: the token, 0 if none             */
	char token_name[64]; /* its name and role as they were         */
	char role[16];
	int64_t token_tenant_id; /* the token's own client, 0: operator   */
	int64_t employee_id;     /* the employee it acts as, 0: none      */
	char ip[48];             /* from where: source address and port   */
	uint16_t port;
	char method[8];    /* "GET", "PATCH", ...                    */
	char route[96];    /* the route pattern "/api/v1/x/:id"      */
	int64_t object_id; /* the :id of the path, 0: none           */
	uint16_t status;   /* the HTTP status answered               */
	char fields[256];  /* names of the fields a change gave,
				    comma-separated                      */
};

/* Append a to the trail (sets a->id); the trail has no update and no
 * delete: the database refuses both (the purge below excepted). */
int store_audit_add(struct store *st, struct store_audit *a);
typedef int(store_audit_h)(const struct store_audit *a, void *arg);
/* The entries of tenant_id, newest first: since <= at < until (0: open),
 * id < before_id (0: from the newest), at most limit. */
int store_audit_list(struct store *st, int64_t tenant_id, uint64_t since,
		     uint64_t until, int64_t before_id, uint32_t limit,
		     store_audit_h *h, void *arg);

/* How long a client's data is kept [days] (defaults: STORE_KEEP_*). */
struct store_retention {
	int64_t tenant_id;
	uint32_t call_days;    /* call records, queue visits, callbacks  */
	uint32_t message_days; /* voicemail messages (and their WAVs),
				  sent notifications                    */
	uint32_t note_days;    /* call notes (the next issue's)          */
	uint32_t audit_days;   /* audit entries, 365 at least            */
	uint64_t updated_at;   /* [ms] 0: the defaults, never set         */
};

enum {
	STORE_KEEP_CALLS = 180,
	STORE_KEEP_MESSAGES = 30,
	STORE_KEEP_NOTES = 90,
	STORE_KEEP_AUDIT = 1095,
	STORE_KEEP_MAX = 3650,
	STORE_KEEP_AUDIT_MIN = 365,
};

/* The keep-times of tenant_id: its own, or the defaults (ENOENT if there
 * is no such tenant). */
int store_retention_get(struct store *st, int64_t tenant_id,
			struct store_retention *r);
/* Set them (EINVAL outside 1..3650 days, audit 365..3650). */
int store_retention_set(struct store *st, const struct store_retention *r);

/* What a purge or a deletion removed. */
struct store_purge {
	uint32_t calls, visits, callbacks, messages, outbox, audit, notes;
	uint32_t rows;  /* all rows (a deletion's)  */
	uint32_t files; /* files handed to the file handler */
};
/* A file (data directory relative or absolute path) whose row is gone
 * once the purge commits; the caller removes it then. */
typedef int(store_file_h)(const char *path, void *arg);
/*
 * Delete for good what is older than its client's keep-time at time at
 * [ms] (tenant_id 0: every client, and records of no client with the
 * defaults): finished call records (their variables), finished queue
 * visits (and those of the calls deleted) and finished callbacks by
 * call_days, voicemail messages and sent or failed
 * notifications by message_days, call notes by note_days, audit entries by audit_days.  fileh is
 * called with each file of a deleted row before the commit; on an error
 * nothing is deleted.
 */
int store_retention_purge(struct store *st, int64_t tenant_id, uint64_t at,
			  struct store_purge *p, store_file_h *fileh,
			  void *arg);

/* A client's request to be deleted: recorded, carried out at due_at
 * unless cancelled before. */
struct store_deletion {
	int64_t id;
	int64_t tenant_id;
	uint64_t requested_at; /* [ms]                                   */
	char requested_by[96]; /* "<token name> (<role>)"; "" once done  */
	uint64_t due_at;       /* [ms] carried out then at the latest    */
	uint64_t cancelled_at; /* [ms] 0: not cancelled                  */
	char cancelled_by[96];
	uint64_t done_at;     /* [ms] 0: not carried out yet            */
	uint32_t rows, files; /* what the deletion removed              */
};
/* Record a request (sets d->id); EEXIST if one is open. */
int store_deletion_add(struct store *st, struct store_deletion *d);
/* The newest request of tenant_id (ENOENT: none). */
int store_deletion_get(struct store *st, int64_t tenant_id,
		       struct store_deletion *d);
/* Cancel the open request; ENOENT if there is none. */
int store_deletion_cancel(struct store *st, int64_t tenant_id, uint64_t at,
			  const char *by);
/* The tenant of an open request due at or before at; ENOENT: none. */
int store_deletion_due(struct store *st, uint64_t at, int64_t *tenantp);
/*
 * Carry out the open request of tenant_id at time at: every row of the
 * client in every table goes, in one transaction; fileh gets each file
 * that a deleted row named.  The request row stays as the only record,
 * without who asked (done_at, rows, files).  ENOENT if no request is
 * open.
 */
int store_deletion_run(struct store *st, int64_t tenant_id, uint64_t at,
		       struct store_purge *p, store_file_h *fileh, void *arg);

/* ---- the export of a client's data ------------------------------------ */

/* One value of a row: SQLite's NULL, integer or text. */
struct store_cell {
	const char *name; /* column                           */
	int type;         /* 0 NULL, 1 integer, 2 text        */
	int64_t i;
	const char *s;
};
/* A row of table (a cell per column; secrets left out). */
typedef int(store_row_h)(const char *table, const struct store_cell *cv,
			 size_t cc, void *arg);
/* Every row of tenant_id in the tables of its data, table by table (the
 * tenant first), with secrets (password hashes, token hashes, trunk
 * passwords) left out.  tableh(table) is called before each table's
 * rows, also for an empty one. */
typedef int(store_table_h)(const char *table, void *arg);
int store_tenant_export(struct store *st, int64_t tenant_id,
			store_table_h *tableh, store_row_h *rowh, void *arg);

/* ---- dashboard and caller statistics (sqlite_dashboard.c) ------------ */

/* One of a client's latest inbound calls, with its newest note. */
struct store_dash_call {
	int64_t id;
	char from_number[64];
	uint64_t started_at;  /* [ms]                                 */
	uint64_t answered_at; /* [ms] 0 if never answered             */
	char disposition[16]; /* its name (store.h), "" while live    */
	char forwarded_from[24];
	int64_t note_id; /* the newest note of the call the reader may
			    see, 0 = none                           */
};

/*
 * The latest inbound calls of tenant_id, newest first (started_at, then
 * id), at most n, into v; *np is how many.  A note counts when it is the
 * reader's: agent_employee_id (an agent's employee) or, without one,
 * agent_token_id narrow it to the notes that agent took (both 0: any).
 */
int store_dash_calls(struct store *st, int64_t tenant_id,
		     int64_t agent_employee_id, int64_t agent_token_id,
		     struct store_dash_call *v, size_t n, size_t *np);

/* The figures of one UTC hour of a tenant's calls and notes. */
struct store_dash_hour {
	uint64_t start; /* [ms] the hour's start (UTC, whole hour)   */
	uint32_t calls; /* inbound calls that arrived in it          */
	uint32_t answered;
	uint32_t abandoned;   /* never answered, ended by the caller   */
	uint32_t transferred; /* with a consultation (sqlite_dashboard.c) */
	uint32_t notes;       /* notes created in it                    */
};
typedef int(store_dash_hour_h)(const struct store_dash_hour *h, void *arg);
/* The hours of [from, until) [ms] that have a call or a note, in order. */
int store_dash_hours(struct store *st, int64_t tenant_id, uint64_t from,
		     uint64_t until, store_dash_hour_h *h, void *arg);
/* The answer speeds [ms] (answered_at - started_at) of the answered
 * inbound calls that arrived in [from, until), ascending. */
typedef int(store_dash_speed_h)(uint64_t ms, void *arg);
int store_dash_speeds(struct store *st, int64_t tenant_id, uint64_t from,
		      uint64_t until, store_dash_speed_h *h, void *arg);
/* Per employee: the notes created in [from, until) that are for it,
 * most notes first, then by id. */
typedef int(store_dash_employee_h)(int64_t employee_id, const char *name,
				   uint32_t notes, void *arg);
int store_dash_employees(struct store *st, int64_t tenant_id, uint64_t from,
			 uint64_t until, store_dash_employee_h *h, void *arg);

/* ---- billing: tariffs and what is billed (sqlite_billing.c, issue 18) --
 *
 * A tariff is a client's prices from valid_from on (UTC [ms]: 00:00
 * Europe/Berlin of its first day); tenant_id 0 is the list price, the
 * prices of a client without a tariff of its own (migration 36 seeds
 * it from seeds/002 and /001).  Rows are never changed.  Billing only
 * reads the records below; it never writes call records.
 */
struct store_tariff {
	int64_t id;
	int64_t tenant_id;               /* 0: the list price                 */
	uint64_t valid_from;             /* [ms] UTC, from this moment on     */
	uint32_t acceptance_cents;       /* once per call talked more than... */
	uint32_t acceptance_threshold_s; /* [s] ...this (15: 16 s pays)    */
	uint32_t processing_cents_per_min; /* per second from second 0     */
	uint32_t wrapup_cap_s; /* [s] after-call work counted max   */
	uint32_t sms_cents;    /* per SMS sent                      */
	uint32_t vat_bp;       /* VAT [1/100 %]: 1900 = 19 %        */
	uint32_t trial_hours;  /* [h] free after the tenant's start */
	uint64_t created_at;   /* [ms] */
	/* cents per hour of an assistant's booked time (seeds/000), 0:
	 * none agreed */
	uint32_t assistant_cents_per_hour;
};

typedef int(store_tariff_h)(const struct store_tariff *t, void *arg);

/* Insert t (id and created_at set): EINVAL for a negative tenant_id or a
 * VAT over 100 %, ENOENT if the tenant does not exist, EEXIST if the
 * tenant has a tariff from that valid_from already. */
int store_tariff_add(struct store *st, struct store_tariff *t);
/* The tariffs of tenant_id (0: the list prices), by valid_from. */
int store_tariff_list(struct store *st, int64_t tenant_id, store_tariff_h *h,
		      void *arg);

/*
 * What billing reads of one call: a call record of tenant_id that
 * started in [from, until), has ended and was answered by an agent of
 * a queue (a queue visit answered); talk_ms is the sum of the visits'
 * handle times (the agent's answer to the end of the agent's call: a
 * transfer ends it, so the employee's part is not in it), wrapup_ms the
 * sum of the agents' wrap-ups after them (migration 37).  The tenant is
 * the call record's (a pool queue of the service tenant serves calls
 * that stay the client's).  An agent's call of a queue callback
 * (callback_calls, migration 42) counts the same way: its handle time
 * and wrap-up.  By started_at, then id.
 */
struct store_billed_call {
	int64_t call_id;
	uint64_t started_at; /* [ms] UTC: the call reached us      */
	uint64_t talk_ms;
	uint64_t wrapup_ms;
	bool pending; /* an agent's wrap-up after it still runs: not billed
			 yet (billing.h)                                  */
};
typedef int(store_billed_call_h)(const struct store_billed_call *c, void *arg);
int store_billing_calls(struct store *st, int64_t tenant_id, uint64_t from,
			uint64_t until, store_billed_call_h *h, void *arg);
/* The SMS tenant_id sent in [from, until) (UTC [ms] when each was
 * sent): outbox rows of channel sms that became sent (the sms_charges
 * rows written when they did), not attempts or failures; by time. */
typedef int(store_sms_sent_h)(uint64_t sent_at, void *arg);
int store_billing_sms(struct store *st, int64_t tenant_id, uint64_t from,
		      uint64_t until, store_sms_sent_h *h, void *arg);

/* ---- invoices (sqlite_invoice.c, issue 18, migration 38) -------------- */

enum {
	STORE_INVOICE_TEXT = 128, /* names, ids                  */
	STORE_INVOICE_ADDR = 512, /* address lines, '\n' between */
};

/* An invoice or credit note (kind): a month's bill frozen, amounts in
 * cents, negative on a credit note.  Never changed once written. */
struct store_invoice {
	int64_t id;
	int64_t tenant_id;
	int64_t seq;        /* 1, 2, 3, ... over the installation       */
	char number[32];    /* prefix + seq: "RE-2026-000001"          */
	char kind[16];      /* "invoice" or "credit_note"              */
	int64_t credits_id; /* a credit note's invoice, else 0          */
	char reason[256];   /* a credit note's reason                  */
	char month[8];      /* "2026-11": the service period           */
	uint64_t period_from, period_until; /* [ms] UTC, the Berlin month */
	uint64_t issued_at;                 /* [ms] UTC                  */
	char customer_name[STORE_INVOICE_TEXT];
	char customer_address[STORE_INVOICE_ADDR];
	char issuer_name[STORE_INVOICE_TEXT];
	char issuer_address[STORE_INVOICE_ADDR];
	char issuer_vat_id[STORE_INVOICE_TEXT];
	char issuer_tax_number[STORE_INVOICE_TEXT];
	int64_t calls;     /* call lines                                */
	int64_t sms_count; /* SMS charged                               */
	int64_t net_cents, vat_cents, gross_cents;
};

/* One line of an invoice: a call ("call"), the SMS ("sms") or the net
 * and VAT of one rate ("vat": amount_x the exact net, cents the net,
 * vat_cents its VAT). */
struct store_invoice_line {
	int64_t id;
	int64_t invoice_id;
	int64_t tenant_id;
	int64_t pos; /* 1, 2, ... in the invoice */
	char kind[8];
	int64_t call_id;
	uint64_t started_at; /* [ms] UTC */
	uint32_t talk_s, wrapup_s, wrapup_counted_s;
	bool acceptance;
	char why[64];
	int64_t quantity; /* SMS: their number; calls: 1            */
	uint32_t vat_bp;
	int64_t amount_x;  /* exact [1/60 cent], negative on a credit note */
	int64_t cents;     /* rounded half up (display), net for "vat"      */
	int64_t vat_cents; /* "vat" lines                                   */
};

typedef int(store_invoice_h)(const struct store_invoice *inv, void *arg);
typedef int(store_invoice_line_h)(const struct store_invoice_line *l,
				  void *arg);

/*
 * Issue inv with lines v[0..n-1] in ONE transaction: the next number of
 * the installation's one sequence (inv->seq, inv->number = prefix and
 * the seq in six digits), the row, its lines; inv->id set.  An invoice
 * (credits_id 0) of a tenant and month that has one not credited yet is
 * EEXIST; so is a second credit note of one invoice.  On any error
 * nothing is written and the number is not used (the next issue gets
 * it).
 */
int store_invoice_issue(struct store *st, struct store_invoice *inv,
			const char *prefix, const struct store_invoice_line *v,
			size_t n);
int store_invoice_get(struct store *st, int64_t id, struct store_invoice *inv);
/* The invoices of tenant_id (0: all), by number. */
int store_invoice_list(struct store *st, int64_t tenant_id, store_invoice_h *h,
		       void *arg);
int store_invoice_lines(struct store *st, int64_t invoice_id,
			store_invoice_line_h *h, void *arg);
/* The credit note of invoice id into *cnp (0: none). */
int store_invoice_credited(struct store *st, int64_t id, int64_t *cnp);

/* The calls of tenant_id started in [from, until) still running into
 * *np. */
int store_billing_running(struct store *st, int64_t tenant_id, uint64_t from,
			  uint64_t until, int64_t *np);

/* A client's invoice address (billing_addresses). */
struct store_billing_address {
	int64_t tenant_id;
	char name[STORE_INVOICE_TEXT];
	char address[STORE_INVOICE_ADDR]; /* lines, '\n' between */
	char vat_id[STORE_INVOICE_TEXT];
	uint64_t updated_at;
};
/* ENOENT if the tenant has none. */
int store_billing_address_get(struct store *st, int64_t tenant_id,
			      struct store_billing_address *a);
int store_billing_address_set(struct store *st,
			      const struct store_billing_address *a);

/* ---- demo data -------------------------------------------------------- */

/* Mustermann AG with two employees, devices 1001/1002 (ha1 for realm),
 * personal, central and announcement numbers, a trunk to trunk_addr
 * ("127.0.0.1:5090").  EEXIST if the store is not empty. */
int store_demo_seed(struct store *st, const char *realm, const char *trunk_host,
		    uint16_t trunk_port);

/* ---- the assistants' tasks (store_task.h, issue 18) ------------------ */

#include "store/store_task.h"

#endif
