/*
 * core.h - what every area of Switchboard may use: logging, configuration,
 * the clock (UTC storage, Europe/Berlin business time) and phone numbers
 * (E.164).  Nothing here knows about SIP, the store or HTTP.
 */
#ifndef SWITCHBOARD_CORE_H
#define SWITCHBOARD_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <re.h>
#include "core/version.h"

/* ---- log (core/log.c) ------------------------------------------------ */

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Messages start with the area ("sip: ..."); libre's %r %J %m work. */
void log_set_level(enum log_level lvl);
enum log_level log_level_get(void);
/* Lines into the file path (appended, created 0644 by the umask) instead
 * of stderr; "" or NULL: stderr.  log_file_reopen() opens the same path
 * again (after logrotate moved it: SIGHUP); on error the old file stays.
 * Returns 0 or an errno. */
int log_file_open(const char *path);
int log_file_reopen(void);
void log_file_close(void);
/* --syslog: lines to syslog(3) (log_syslog.c) from now on, instead of
 * stderr or the file; stop: back to them. */
void log_syslog_start(void);
void log_syslog_stop(void);
/* libre's own warnings (DEBUG_WARNING etc.) into this log, with time stamp
 * and level, instead of raw to stderr with colour codes.  After
 * log_set_level(); libre_init() resets it, so call it after that too. */
void log_take_libre(void);
/* The source whose bytes libre parses next (the SIP receive hooks note
 * it): libre's raw stderr lines are logged at debug level, escaped, and
 * rate-limited per source (core/libre_log.c).  NULL: unknown. */
void log_peer_note(const struct sa *peer);
/* SIP messages libre's parser dropped since start ("msg decode err"). */
uint64_t log_libre_undecodable(void);
/* One line of foreign text (network bytes), control characters escaped
 * as \xNN, at most 512 bytes of it, "area: " in front. */
void log_text(enum log_level lvl, const char *area, const char *p, size_t len);
void debug(const char *fmt, ...);
void info(const char *fmt, ...);
void warning(const char *fmt, ...);

/* ---- config (core/config.c) ------------------------------------------ */

struct config {
	char config_path[256];   /* the file read, "" = none              */
	char sip_listen[64];     /* ip:port, UDP and TCP                  */
	char sip_tls_listen[64]; /* ip:port for TLS; "" = derived      */
	char tls_cert[256];      /* PEM: certificate chain + key       */
	bool srtp_required;      /* TLS phones must offer/accept SRTP  */
	char http_listen[64];    /* ip:port; "" = no plain HTTP (--https) */
	char https_listen[64];   /* ip:port of HTTPS (--tls-cert); "" off */
	bool http_public;        /* plain HTTP beyond loopback allowed    */
	char media_ip[64];       /* address we bind RTP to and put in SDP */
	char data_dir[200];      /* var/: prompts, token, default db      */
	char db_path[256];       /* SQLite file or postgresql:// URL       */
	char prompts_dir[256];   /* WAV prompts (announcements, MOH)      */
	char spool_dir[256];     /* voicemail messages (shared by nodes)  */
	uint32_t backup_keep;    /* backups kept after one, 0 = all      */
	uint32_t purge_interval; /* [s] between purges, 0 = none auto  */
	char realm[64];          /* SIP digest realm                      */
	char node_id[64];        /* this node's id in call records        */
	uint16_t rtp_min;        /* RTP port range, even ports            */
	uint16_t rtp_max;
	uint32_t rtp_timeout;       /* [s] hang up when no RTP for this long */
	uint32_t ring_timeout;      /* [s] give up ringing a target          */
	uint32_t callback_attempts; /* queue callback: calls at most       */
	uint32_t callback_retry;    /* [s] queue callback: between calls   */
	uint32_t oncall_attempts;   /* urgent note: calls to the on-call   */
	uint32_t oncall_retry;      /* [s] from one such call to the next  */
	uint32_t reg_max_expires;   /* [s]                                */
	uint32_t reg_min_expires;   /* [s]                                */
	char edge[256];             /* trusted edge proxies: ip[:port],...  */
	uint32_t auth_max_failures; /* failed logins that block an address */
	uint32_t auth_window;       /* [s] window counting them            */
	uint32_t auth_block;        /* [s] block length, 0 = never block   */
	uint32_t
	    keepalive_interval; /* [s] OPTIONS to NATed UDP phones, 0 off */
	uint32_t keepalive_max_missed; /* unanswered pings: unreachable     */
	uint32_t heartbeat_interval;   /* [s] node heartbeat in the store   */
	uint32_t node_stale_after;     /* [s] a node silent this long is dead:
					  its live calls get closed         */
	char smtp_url[256];      /* smtp://host:port, "" = mail stays queued */
	char smtp_from[128];     /* sender of our mails                   */
	char smtp_user[128];     /* SMTP AUTH user, "" = no AUTH          */
	char smtp_password[128]; /* never logged                          */
	uint32_t outbox_retry_base;   /* [s] wait after the first failure  */
	uint32_t outbox_retry_max;    /* [s] longest wait between attempts */
	uint32_t outbox_max_attempts; /* attempts before a delivery fails  */
	/* call notes (issue 17) */
	char sms_gateway_url[256];   /* JSON POST, "" = SMS stay queued   */
	char sms_gateway_token[256]; /* bearer token; never logged       */
	char sms_status_token[256];  /* the gateway's reports carry it;
					never logged, "" = none taken   */
	char public_url[256];        /* base of links, "" = http://<http> */
	uint32_t note_edit_window;   /* [s] an agent edits its note       */
	uint32_t note_link_ttl;      /* [s] a note's link stays valid     */
	uint32_t events_queue_max;   /* [bytes] unsent to an event stream
				      client before it is dropped      */
	uint32_t events_ping;        /* [s] between pings to such clients */
	uint32_t number_block_max;   /* numbers in one number block at most */
	/* Web Push: the VAPID "sub" (mailto: or https:), and http://
	 * subscription endpoints accepted (tests only) */
	char push_subject[128];
	bool push_allow_http;
	/* tenants' webhook URLs may point at 127.0.0.1/::1 (tests only) */
	bool webhook_allow_loopback;
	/* password logins and sessions (issue 16) */
	uint32_t session_lifetime;      /* [s] a session ends this long after
					   the login                        */
	uint32_t session_idle;          /* [s] ... or unused this long; 0 off */
	uint32_t login_max_failures;    /* wrong passwords in a row: locked  */
	uint32_t login_lockout;         /* [s] how long a lock-out lasts     */
	uint32_t login_ip_max_failures; /* failed logins of one address within
					   --login-lockout: blocked; 0 off */
	char password_hash[16];         /* cost of new hashes: "interactive",
					   "test"                           */
	uint32_t password_workers;      /* threads hashing passwords         */
	uint32_t password_queue;        /* password jobs waiting at most     */
	/* the supplier on invoices (issue 18): the operator */
	char invoice_issuer_name[128];
	char invoice_issuer_address[256];   /* lines, '|' between        */
	char invoice_issuer_vat_id[32];     /* USt-IdNr., or ""          */
	char invoice_issuer_tax_number[32]; /* Steuernummer, or ""     */
	/* the browser front end (issue 19): built files served under / */
	char web_dir[256]; /* "" = no web pages                     */
	/* GET /metrics without a token on a listener of its own (issue 20):
	 * ip:port, "" = none; an address off loopback needs public */
	char metrics_listen[64];
	bool metrics_listen_public;
	enum log_level log_level;
	char log_file[256]; /* lines there, not stderr; "" = stderr */
	bool syslog;        /* lines to syslog(3) instead             */
	bool init_demo;     /* create/seed the database and exit     */
	/* --admin-token-new (not a setting of the file): a new operator
	 * token into <data-dir>/admin.token, then exit */
	bool admin_token_new;
};

/*
 * Fill cfg from defaults, then the file (--config, SWITCHBOARD_CONFIG or
 * /etc/switchboard/switchboard.conf if it exists), then environment
 * (SWITCHBOARD_*), then argv.  Returns 0, EINVAL on a bad flag, key or
 * value (message printed to stderr), or -1 when --help or --check-config
 * printed what was asked and the program should exit successfully.
 */
int config_load(struct config *cfg, int argc, char *const argv[]);
/*
 * Read the configuration again from the same sources (SIGHUP): the
 * options that may change while running are copied into cfg, each change
 * logged; the others are logged as needing a restart and left alone.  A
 * bad file changes nothing (logged with its file and line).  argv of
 * config_load() must still be there.
 */
int config_reload(struct config *cfg);
/* What one reload did (config_reload_report()): the options applied at
 * once with their new values (a secret's value is never in it), the
 * options that changed but keep their old value until a restart; or the
 * reason nothing changed (a bad file: err names file, line and key).
 * Flags point into the option table (static). */
enum { CONFIG_REPORT_MAX = 128 };
struct config_report {
	char file[256]; /* the file read, "" = none       */
	struct {
		const char *flag;
		char value[128]; /* as the file would say it */
	} appliedv[CONFIG_REPORT_MAX];
	size_t appliedc;
	const char *restartv[CONFIG_REPORT_MAX];
	size_t restartc;
	char err[768]; /* "" unless refused                */
};
/* config_reload(), telling what it did in *rep (may be NULL).  Returns
 * 0, or the error of a refused reload (rep->err says why). */
int config_reload_report(struct config *cfg, struct config_report *rep);
void config_usage(FILE *f);

/* ---- SIGHUP (core/sighup.c) ------------------------------------------ */

/* h runs in the main loop after a SIGHUP (after several at once: once),
 * from the moment sighup_listen() returns until sighup_close(). */
typedef void(sighup_h)(void *arg);
int sighup_listen(sighup_h *h, void *arg);
void sighup_close(void);

/* ---- systemd's notify socket (core/sdnotify.c) ------------------------ */

/* The health check behind the watchdog: 0 when the server is healthy,
 * with a short line for STATUS= in status ("2 calls, 5 registrations");
 * else an errno, with the reason in status. */
typedef int(sdnotify_health_h)(char *status, size_t sz, void *arg);
/* Read $NOTIFY_SOCKET ("/path" or "@abstract"), $WATCHDOG_USEC and
 * $WATCHDOG_PID (the watchdog is ours when that is unset or our pid) and
 * remove them from the environment.  0 also when they are not set:
 * every other function then does nothing. */
int sdnotify_open(void);
void sdnotify_close(void);
/* Send lines "KEY=value\n..." as one datagram; 0 when not under systemd. */
int sdnotify_send(const char *fmt, ...);
/* The watchdog's and STATUS='s timer in the main loop: every half
 * $WATCHDOG_USEC (every 10 s without a watchdog), h is asked; WATCHDOG=1
 * is sent only when it answers 0, STATUS= always. */
int sdnotify_watch(sdnotify_health_h *h, void *arg);
/* [ms] between the watchdog's ticks, 0 = no watchdog. */
uint64_t sdnotify_watchdog_ms(void);
/* READY=1 with the health check's STATUS= line (at the start and after a
 * reload). */
void sdnotify_ready(void);
/* RELOADING=1 (with MONOTONIC_USEC=) before a reload. */
void sdnotify_reloading(void);
/* STOPPING=1; async-signal-safe (for a signal handler). */
void sdnotify_stopping(void);

/* ---- time (core/time.c) ---------------------------------------------- */

/* Wall clock in milliseconds since the epoch, UTC.  Tests may replace it. */
typedef uint64_t(time_clock_h)(void);
uint64_t time_now_ms(void);
void time_clock_set(time_clock_h *clockh);
/* "2026-11-25T03:34:57.123Z"; buf must hold 32 bytes. */
const char *time_iso(char *buf, size_t sz, uint64_t ms);
/* Parse strict ISO 8601 "YYYY-MM-DDTHH:MM:SS[.fff]Z" (fraction optional,
 * "+hh:mm"/"-hh:mm" instead of Z), from 1970 on.  0 or EINVAL. */
int time_iso_parse(const char *s, uint64_t *msp);

/* A calendar date and wall-clock time in Europe/Berlin. */
struct time_local {
	unsigned year, month, day;     /* 1970.., 1-12, 1-31            */
	unsigned hour, minute, second; /* 0-23, 0-59, 0-59              */
	unsigned wday;                 /* 0 Monday .. 6 Sunday          */
	int offset;                    /* [min] east of UTC: 60 or 120  */
};
/* The Berlin time of utc_ms: CET (+1 h), or CEST (+2 h) from the last
 * Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC (the
 * EU rule, in force since 1996; earlier years get it too).  On the
 * autumn switch day the hour 02:00-02:59 comes twice (first +2 h, then
 * +1 h); in spring 02:00-02:59 does not exist. */
void time_berlin(uint64_t utc_ms, struct time_local *lt);
/* Days in month m (1-12) of year y; 0 for a bad month. */
unsigned time_days_in_month(unsigned y, unsigned m);
/* Day of the week of a date: 0 Monday .. 6 Sunday (y >= 1970). */
unsigned time_wday(unsigned y, unsigned m, unsigned d);
/* Easter Sunday of year y (Gregorian): *m, *d. */
void time_easter(unsigned y, unsigned *m, unsigned *d);
/*
 * The UTC moment [ms] of Berlin wall-clock time y-m-d at minute min of
 * the day (0..1439), as RFC 5545 (3.3.5) reads local times: one that
 * occurs twice (the autumn switch day's 02:00-02:59) is its first
 * occurrence (CEST); one that does not exist (the spring switch day's
 * 02:00-02:59) is read with the offset before the switch (CET), so
 * 02:30 becomes 03:30 CEST.  EINVAL for a bad date or minute, or a
 * moment before 1970.
 */
int time_berlin_utc(unsigned y, unsigned m, unsigned d, unsigned min,
		    uint64_t *msp);
/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; y >= 1970). */
int64_t time_days(unsigned y, unsigned m, unsigned d);

/* ---- timers (core/tmr.c) -------------------------------------------- */

/* libre 1.1.0's tmr_start() is replaced by ours (see tmr.c).  Returns 0 if
 * libre is 1.1.0 and its own timers reach the replacement; ENOTSUP (other
 * libre) or ENOSYS (not interposed) otherwise, with a warning logged.
 * Call after libre_init(), on the main thread, before other threads start:
 * the insertion marks are used in that thread's timer list only. */
int tmr_replacement_check(void);
/* Take the replacement's own marks out of the timer list (they hold no
 * handler; tmr_poll() skips them), e.g. before tmr_debug() at exit. */
void tmr_replacement_flush(void);

/* ---- events (core/event.c) ------------------------------------------- */

/*
 * The one event bus (ARCHITECTURE.md 5): modules publish what happens
 * (call/ its calls, acd/ its queues and agents), subscribers in this
 * process (the WebSocket stream of http/, statistics) are told at once,
 * in the order they subscribed.  Between nodes the events travel as
 * rows of the store (node/events.c: it writes this node's and
 * re-publishes the other nodes' with event_republish()).  Everything
 * runs on the re thread: publish from there only.
 */
enum event_class {
	EVENT_CALL = 0, /* "call":  a call's state (call/event.c)        */
	EVENT_QUEUE,    /* "queue": a queue's callers (acd/)             */
	EVENT_AGENT,    /* "agent": an agent's state (acd/)              */
};

struct event {
	uint64_t time;     /* [ms] UTC, when it was published          */
	int64_t tenant_id; /* whose it is; 0: no tenant's (admins only) */
	enum event_class cls;
	const char *type; /* "new", "ringing", ...: [a-z_]+           */
	const struct odict *fields; /* its own fields, or NULL             */
	int64_t employee_id; /* for this employee alone (an agent's screen
				pop): other agents and client admins do not
				see it, operators do; 0: everyone who may
				see the tenant's events                  */
	const char *node;    /* NULL: published here; else the node it came
			     from (node/events.c re-publishes the other
			     nodes' events): a consumer that acts on
			     events (billing, statistics, the relay
			     itself) must ignore those, one that shows
			     them (the event stream) shows them too    */
	int64_t id;          /* its row in the store's node_events, the
				same on every node (node/events.c); 0: not
				written (no stream client anywhere)      */
};

struct event_sub;
typedef void(event_h)(const struct event *ev, void *arg);

/* "call", "queue", "agent" ("?" past the end). */
const char *event_class_name(enum event_class cls);
/* Subscribe h to every event from now on; mem_deref(*subp) ends it (also
 * from within h).  EINVAL, ENOMEM. */
int event_subscribe(struct event_sub **subp, event_h *h, void *arg);
/* Is anyone listening?  A publisher may skip building its fields if not. */
bool event_wanted(void);
/*
 * Tell every subscriber: tenant_id (0: none, >0 a tenant), class, type (a
 * name of [a-z_], at most 31 characters) and fields (may be NULL; not
 * consumed; keys "seq", "time", "class", "type" and "tenant_id" are the
 * stream's own, and any key "email", at any depth, is personal: the
 * stream hides it from agents).  EINVAL for a bad argument (nobody is
 * told), else 0 once every subscriber has seen it.
 */
int event_publish(int64_t tenant_id, enum event_class cls, const char *type,
		  const struct odict *fields);
/* The same for employee_id (> 0) alone (struct event's employee_id). */
int event_publish_to(int64_t tenant_id, int64_t employee_id,
		     enum event_class cls, const char *type,
		     const struct odict *fields);
/* Tell every subscriber ev as it is, time and node included: an event
 * of another node (ev->node set), read from the store.  EINVAL as above,
 * or without ev->node. */
int event_republish(const struct event *ev);
/* The class named s ("call", "queue", "agent"): 0 or EINVAL. */
int event_class_parse(const char *s, enum event_class *clsp);

/*
 * The relay between nodes (node/events.c) on this bus:
 *   stamp: an event published here is written as a row before any
 *       subscriber sees it, and the row's id is its id (0: not written);
 *       set only while rows are written (event_wanted() is true then)
 *   replay: h gets (in id order) the events with an id after `after`
 *       that this node's subscribers have seen, its own and the other
 *       nodes' (what it will publish later is not among them)
 * NULL h takes either away.  event_replay(): ENOTSUP without a relay.
 */
typedef int64_t(event_stamp_h)(const struct event *ev, void *arg);
typedef int(event_replay_h)(int64_t after, event_h *h, void *harg, void *arg);
void event_stamp_set(event_stamp_h *h, void *arg);
void event_replay_set(event_replay_h *h, void *arg);
int event_replay(int64_t after, event_h *h, void *harg);
/* Event stream clients connected to this node now (http/events.c says,
 * node/events.c reads: rows are written while some node has any). */
void event_streams_set(unsigned n);
unsigned event_streams(void);

/* ---- phone numbers (core/phone.c) ------------------------------------ */

/* How a tenant dials: its country code and area code (without 0). */
struct phone_ctx {
	char country[8]; /* "49"  */
	char area[8];    /* "221" */
};

enum phone_kind {
	PHONE_INVALID = 0,
	PHONE_E164,  /* +4922112345, 004922112345, 022112345, 12345 (w/ area) */
	PHONE_SHORT, /* too short to be public: an extension         */
};

/*
 * Normalise a dialled string to E.164 ("+4922112345").  Accepts "+cc...",
 * "00cc...", "0area..." (national, ctx country), a subscriber number of
 * six or more digits (ctx country and area) and visual separators
 * (space - / . ( )).  Strings of 1-5 digits are PHONE_SHORT (copied as is).
 * Returns the kind; out is "" for PHONE_INVALID.
 */
enum phone_kind phone_normalise(char *out, size_t sz, const char *in,
				const struct phone_ctx *ctx);
/* True if s is "+" followed by 8..15 digits, the first not 0. */
bool phone_is_e164(const char *s);

/* ---- passwords (core/password.c) ------------------------------------ */

/*
 * How costly a new password hash is (Argon2id, libsodium): "interactive"
 * (2 passes over 64 MiB, libsodium's INTERACTIVE limits; the default) or
 * "test" (1 pass over 8 KiB: no protection, for the test suites only).
 * A stored hash carries its own cost, so either verifies any hash.
 */
enum password_cost {
	PASSWORD_INTERACTIVE = 0,
	PASSWORD_TEST,
};

/* The cost of name ("interactive", "test"); EINVAL for another. */
int password_cost_parse(const char *name, enum password_cost *costp);
enum {
	PASSWORD_HASH_SZ = 128, /* an encoded hash and its NUL */
};
/* The encoded hash ("$argon2id$v=19$m=...") of pw into buf (at least
 * PASSWORD_HASH_SZ bytes).  EINVAL, ENOMEM when the memory it needs
 * cannot be had. */
int password_hash(char *buf, size_t sz, const char *pw,
		  enum password_cost cost);
/* Does pw fit the encoded hash?  False for a malformed hash too. */
bool password_verify(const char *hash, const char *pw);
/* The work of one password_verify() of cost, against a dummy hash made
 * once: an unknown login takes as long as a wrong password. */
void password_verify_dummy(const char *pw, enum password_cost cost);

/* ---- password work on worker threads (core/password_pool.c) ---------- */

enum password_op {
	PASSWORD_OP_HASH = 0, /* new_pw -> new_hash (err)                */
	PASSWORD_OP_VERIFY,   /* pw against hash -> ok                   */
	PASSWORD_OP_DUMMY,    /* the work of a check, against nothing    */
	PASSWORD_OP_CHANGE,   /* VERIFY, then (if ok) HASH               */
};

enum {
	PASSWORD_PW_SZ = 129, /* a password of up to 128 bytes, its NUL */
};

/* One job's input and output; wiped before it is freed. */
struct password_work {
	enum password_op op;
	enum password_cost cost;         /* of a new hash                  */
	char hash[PASSWORD_HASH_SZ];     /* in: the stored hash to check   */
	char pw[PASSWORD_PW_SZ];         /* in: the password to check      */
	char new_pw[PASSWORD_PW_SZ];     /* in: the password to hash       */
	char new_hash[PASSWORD_HASH_SZ]; /* out: its hash                  */
	bool ok;                         /* out: pw fits hash              */
	int err;                         /* out: the hash's error          */
};

struct password_pool;
/* A job is done; called on the main thread with its work and arg. */
typedef void(password_done_h)(struct password_work *w, void *arg);

/* Start workers threads for jobs of which at most queue_max wait while
 * all of them work.  EINVAL, ENOMEM, or pthread's error. */
int password_pool_alloc(struct password_pool **ppp, unsigned workers,
			unsigned queue_max);
/* Run a copy of w on a worker, then h(work, arg) on the main thread; arg
 * is referenced until then.  EBUSY when workers + queue_max jobs are
 * under way (nothing is taken).  Freeing the pool drops the jobs under
 * way without calling h (their arg references go). */
int password_pool_submit(struct password_pool *pp,
			 const struct password_work *w, password_done_h *h,
			 void *arg);
/* Jobs submitted and not yet handed back. */
unsigned password_pool_pending(const struct password_pool *pp);
/* Zero w (its passwords and hashes). */
void password_work_wipe(struct password_work *w);

/* ---- small helpers (core/util.c) ------------------------------------- */

/* Copy a pl into a NUL-terminated buffer, truncating. */
void str_from_pl(char *buf, size_t sz, const struct pl *pl);
/* strlcpy semantics: always terminates, returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t sz);
/* Characters (code points) of a UTF-8 string. */
size_t str_utf8_chars(const char *s);
/* url as it may be logged, into buf: the password of its user
 * (scheme://user:password@host) and a password=... parameter are ***;
 * anything else is copied as it is.  Returns buf. */
const char *str_url_nopass(char *buf, size_t sz, const char *url);
/* The value of a hex digit (either case), or -1 if c is not one. */
int hexdigit(char c);
/* Lower-case hex of n random bytes into buf (2n+1 bytes). */
void str_random_hex(char *buf, size_t n);

/*
 * Put a closed file on disk: fsync() the file at path, then the directory
 * that holds it (so its directory entry survives a power cut too).  0, or
 * the errno of open()/fsync().  Blocks for the disk: call it where a wait
 * of some milliseconds is acceptable (a recording ends).  Each fsync()
 * that succeeded is counted, for tests.
 */
int file_sync(const char *path);
uint64_t file_sync_count(void);
/*
 * Write len bytes of buf as the file path, all or nothing: into a new
 * temporary file beside it, fsync'ed, renamed to path (replacing it), then
 * the directory fsync'ed.  0, or the errno (the temporary file is gone
 * then).  Blocks for the disk, as file_sync().
 */
int file_put(const char *path, const void *buf, size_t len);
/* file_put() with the file's mode (0600 for a secret: the temporary file
 * has it from its creation on, so the secret is never readable by
 * others). */
int file_put_mode(const char *path, const void *buf, size_t len, unsigned mode);
/* mkdir -p path (mode 0755); a directory it creates is put on disk with
 * its parent's fsync.  0 if path is a directory now. */
int dir_make(const char *path);
/* rm -r path: the directory and everything under it (symlinks removed,
 * never followed).  0, or the errno of the first that could not go
 * (what was removed before stays removed). */
int dir_remove(const char *path);

#endif
