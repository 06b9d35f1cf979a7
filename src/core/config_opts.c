/*
 * config_opts.c - the table of every setting (config.c reads and checks
 * them, config_file.c reads the file): its flag (also its key in the
 * file), its environment variable, its type and place in struct config,
 * whether SIGHUP may change it while running, whether its value is a
 * secret, and the help text --help and the example configuration
 * (scripts/conf_example.py) print; and the defaults of struct config.
 */
#include <string.h>
#include <re.h>
#include "core/config_int.h"

#define S(f)    offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define LIVE    OPT_LIVE, false
#define RESTART OPT_RESTART, false
#define SECRET  OPT_RESTART, true

const struct opt config_optv[] = {
    {"config", "SWITCHBOARD_CONFIG", OPT_STR, S(config_path), RESTART,
     "configuration file of `key = value` lines, the keys being these "
     "options' names; read if it exists when not given (" CONFIG_DEFAULT
     "; \"\": none)"},
    {"sip", "SWITCHBOARD_SIP", OPT_STR, S(sip_listen), RESTART,
     "SIP listen address, UDP and TCP (127.0.0.1:5060)"},
    {"sip-tls", "SWITCHBOARD_SIP_TLS", OPT_STR, S(sip_tls_listen), RESTART,
     "SIP over TLS listen address; when unset, TLS is on at the SIP "
     "address's IP, port 5061, if the --tls-cert file exists"},
    {"tls-cert", "SWITCHBOARD_TLS_CERT", OPT_STR, S(tls_cert), RESTART,
     "PEM file with the TLS certificate chain and private key "
     "(<data-dir>/tls.pem; `make run` makes a self-signed one)"},
    {"srtp-required", "SWITCHBOARD_SRTP_REQUIRED", OPT_BOOL, S(srtp_required),
     RESTART, "phones on TLS must use SRTP: calls offering plain RTP get 488"},
    {"http", "SWITCHBOARD_HTTP", OPT_STR, S(http_listen), RESTART,
     "HTTP API listen address (127.0.0.1:8080); only loopback unless "
     "--http-public; \"\": none (with --https)"},
    {"https", "SWITCHBOARD_HTTPS", OPT_STR, S(https_listen), RESTART,
     "HTTPS listen address of the API and the web pages, with the "
     "--tls-cert certificate as SIP over TLS; unset: no HTTPS"},
    {"http-public", "SWITCHBOARD_HTTP_PUBLIC", OPT_BOOL, S(http_public),
     RESTART,
     "allow plain HTTP (--http) on an address other than loopback (behind "
     "a TLS proxy); without it such a start is refused"},
    {"metrics-listen", "SWITCHBOARD_METRICS_LISTEN", OPT_STR, S(metrics_listen),
     RESTART,
     "a second HTTP listen address serving only GET /metrics, without a "
     "token, for a local Prometheus (127.0.0.1:9464); a loopback address "
     "unless --metrics-listen-public (unset: none)"},
    {"metrics-listen-public", "SWITCHBOARD_METRICS_LISTEN_PUBLIC", OPT_BOOL,
     S(metrics_listen_public), RESTART,
     "allow --metrics-listen on an address other machines reach (anyone "
     "there reads the metrics; firewall it)"},
    {"media-ip", "SWITCHBOARD_MEDIA_IP", OPT_STR, S(media_ip), RESTART,
     "RTP address, also written into SDP (the SIP address's IP)"},
    {"data-dir", "SWITCHBOARD_DATA_DIR", OPT_STR, S(data_dir), RESTART,
     "data directory: database, prompts, admin.token (var)"},
    {"db", "SWITCHBOARD_DB", OPT_STR, S(db_path), RESTART,
     "the database: an SQLite file (<data-dir>/switchboard.db), or a "
     "PostgreSQL URL postgresql://user[:password]@host[:port]/dbname "
     "(many nodes on one database; its password is never logged)"},
    {"prompts", "SWITCHBOARD_PROMPTS", OPT_STR, S(prompts_dir), RESTART,
     "directory of WAV prompts (<data-dir>/prompts); on many nodes a "
     "directory they share (uploaded prompts and music on hold)"},
    {"spool-dir", "SWITCHBOARD_SPOOL_DIR", OPT_STR, S(spool_dir), RESTART,
     "directory of the voicemail messages (<data-dir>/voicemail); on many "
     "nodes a directory they all share (NFS), at the same path on each"},
    {"backup-keep", "SWITCHBOARD_BACKUP_KEEP", OPT_U32, S(backup_keep), LIVE,
     "backups kept in <data-dir>/backups: after a successful one, the "
     "oldest of those the server made beyond this many are removed (7; 0: "
     "all are kept)"},
    {"purge-interval", "SWITCHBOARD_PURGE_INTERVAL", OPT_U32, S(purge_interval),
     RESTART,
     "seconds between the automatic purges of data past its client's "
     "keep-time, of ended sessions and of due deletions; the first runs a "
     "minute after the start (3600; 0: only POST /api/v1/retention/purge, "
     "e.g. from cron)"},
    {"realm", "SWITCHBOARD_REALM", OPT_STR, S(realm), RESTART,
     "SIP digest realm (switchboard)"},
    {"node-id", "SWITCHBOARD_NODE_ID", OPT_STR, S(node_id), RESTART,
     "this node's id in call records (node1)"},
    {"rtp-min", "SWITCHBOARD_RTP_MIN", OPT_U16, S(rtp_min), RESTART,
     "lowest RTP port (20000)"},
    {"rtp-max", "SWITCHBOARD_RTP_MAX", OPT_U16, S(rtp_max), RESTART,
     "highest RTP port (39999)"},
    {"rtp-timeout", "SWITCHBOARD_RTP_TIMEOUT", OPT_U32, S(rtp_timeout), LIVE,
     "hang up a call after this many seconds without RTP (30)"},
    {"ring-timeout", "SWITCHBOARD_RING_TIMEOUT", OPT_U32, S(ring_timeout), LIVE,
     "seconds to ring before giving up with 480 (60)"},
    {"callback-attempts", "SWITCHBOARD_CALLBACK_ATTEMPTS", OPT_U32,
     S(callback_attempts), LIVE,
     "calls to a queue callback's customer at most (3)"},
    {"callback-retry", "SWITCHBOARD_CALLBACK_RETRY", OPT_U32, S(callback_retry),
     LIVE, "seconds between attempts of a queue callback (300)"},
    {"oncall-attempts", "SWITCHBOARD_ONCALL_ATTEMPTS", OPT_U32,
     S(oncall_attempts), LIVE,
     "calls to the person on call for an urgent note at most (3)"},
    {"oncall-retry", "SWITCHBOARD_ONCALL_RETRY", OPT_U32, S(oncall_retry), LIVE,
     "seconds from one call to the person on call to the next (180)"},
    {"reg-max-expires", "SWITCHBOARD_REG_MAX_EXPIRES", OPT_U32,
     S(reg_max_expires), LIVE, "longest registration granted [s] (3600)"},
    {"reg-min-expires", "SWITCHBOARD_REG_MIN_EXPIRES", OPT_U32,
     S(reg_min_expires), LIVE, "shortest registration accepted [s] (60)"},
    {"auth-max-failures", "SWITCHBOARD_AUTH_MAX_FAILURES", OPT_U32,
     S(auth_max_failures), RESTART,
     "failed SIP logins from one address within --auth-window that block "
     "it; a username is throttled after twice as many (5, at most 100)"},
    {"auth-window", "SWITCHBOARD_AUTH_WINDOW", OPT_U32, S(auth_window), RESTART,
     "sliding window for counting failed SIP logins [s] (60)"},
    {"auth-block", "SWITCHBOARD_AUTH_BLOCK", OPT_U32, S(auth_block), RESTART,
     "how long an address or phone stays blocked, and the longest "
     "window of a throttled username [s]; 0 disables blocking (600)"},
    {"edge", "SWITCHBOARD_EDGE", OPT_STR, S(edge), RESTART,
     "addresses of a trusted SIP edge proxy in front of us (Kamailio): "
     "ip or ip:port, comma-separated; requests from there are not "
     "NAT-fixed, and their X-Real-Source header names the client for "
     "the password guard and trunk matching; unset: no edge"},
    {"keepalive-interval", "SWITCHBOARD_KEEPALIVE_INTERVAL", OPT_U32,
     S(keepalive_interval), RESTART,
     "seconds between OPTIONS pings to phones behind NAT on UDP; 0 off (25)"},
    {"keepalive-max-missed", "SWITCHBOARD_KEEPALIVE_MAX_MISSED", OPT_U32,
     S(keepalive_max_missed), LIVE,
     "unanswered pings after which a phone counts as unreachable (3)"},
    {"heartbeat-interval", "SWITCHBOARD_HEARTBEAT_INTERVAL", OPT_U32,
     S(heartbeat_interval), RESTART,
     "seconds between this node's heartbeats in the store; a call cut by "
     "a crash ends at the last one before it; the leases of single-owner "
     "jobs (outbox, escalation, trunk registrations) last three (10, from "
     "1 to 3600)"},
    {"node-stale-after", "SWITCHBOARD_NODE_STALE_AFTER", OPT_U32,
     S(node_stale_after), RESTART,
     "seconds without a heartbeat after which a node counts as dead: every "
     "other node closes its live calls, the operator may (45, at least "
     "twice --heartbeat-interval)"},
    {"smtp-url", "SWITCHBOARD_SMTP_URL", OPT_STR, S(smtp_url), RESTART,
     "SMTP server for mail (smtp://host:port, or smtps:// for TLS; "
     "STARTTLS is used when offered); unset: mails wait in the outbox"},
    {"smtp-from", "SWITCHBOARD_SMTP_FROM", OPT_STR, S(smtp_from), RESTART,
     "sender address of our mails (switchboard@localhost)"},
    {"smtp-user", "SWITCHBOARD_SMTP_USER", OPT_STR, S(smtp_user), RESTART,
     "SMTP AUTH user; unset: no AUTH"},
    {"smtp-password", "SWITCHBOARD_SMTP_PASSWORD", OPT_STR, S(smtp_password),
     SECRET,
     "SMTP AUTH password (prefer the variable: flags show in ps); never "
     "logged"},
    {"outbox-retry-base", "SWITCHBOARD_OUTBOX_RETRY_BASE", OPT_U32,
     S(outbox_retry_base), LIVE,
     "seconds before the first retry of a failed delivery; each further "
     "wait doubles (30, at least 1)"},
    {"outbox-retry-max", "SWITCHBOARD_OUTBOX_RETRY_MAX", OPT_U32,
     S(outbox_retry_max), LIVE,
     "longest wait between two attempts of a delivery [s] (3600, at least "
     "--outbox-retry-base)"},
    {"outbox-attempts", "SWITCHBOARD_OUTBOX_ATTEMPTS", OPT_U32,
     S(outbox_max_attempts), LIVE,
     "attempts of a delivery before it fails for good (10, from 1 to "
     "100)"},
    {"sms-gateway-url", "SWITCHBOARD_SMS_GATEWAY_URL", OPT_STR,
     S(sms_gateway_url), RESTART,
     "HTTP SMS gateway for call notes (http:// or https://; JSON POST "
     "{\"to\", \"text\"}); unset: SMS wait in the outbox"},
    {"sms-gateway-token", "SWITCHBOARD_SMS_GATEWAY_TOKEN", OPT_STR,
     S(sms_gateway_token), SECRET,
     "bearer token for the SMS gateway (prefer the variable); never "
     "logged"},
    {"sms-status-token", "SWITCHBOARD_SMS_STATUS_TOKEN", OPT_STR,
     S(sms_status_token), SECRET,
     "the secret the SMS gateway's delivery reports carry (POST "
     "/api/v1/sms/status, Authorization: Bearer; prefer the variable); "
     "unset: reports are refused (401); never logged"},
    {"public-url", "SWITCHBOARD_PUBLIC_URL", OPT_STR, S(public_url), RESTART,
     "base URL of the API as recipients reach it, for the links in call "
     "notes (http://<--http>)"},
    {"note-edit-window", "SWITCHBOARD_NOTE_EDIT_WINDOW", OPT_U32,
     S(note_edit_window), LIVE,
     "seconds an agent may edit its call note after saving it; then it "
     "is locked (300, at most 86400)"},
    {"note-link-ttl", "SWITCHBOARD_NOTE_LINK_TTL", OPT_U32, S(note_link_ttl),
     LIVE,
     "seconds the link of a call note stays valid (604800, from 60 to "
     "31536000)"},
    {"push-subject", "SWITCHBOARD_PUSH_SUBJECT", OPT_STR, S(push_subject),
     RESTART,
     "contact the Web Push services see in our VAPID tokens: a mailto: "
     "or https: URL (mailto:switchboard@localhost)"},
    {"push-allow-http", "SWITCHBOARD_PUSH_ALLOW_HTTP", OPT_BOOL,
     S(push_allow_http), RESTART,
     "accept push subscriptions with endpoints on 127.0.0.1 or ::1, "
     "http:// too (for tests with a local push service; never in "
     "production)"},
    {"webhook-allow-loopback", "SWITCHBOARD_WEBHOOK_ALLOW_LOOPBACK", OPT_BOOL,
     S(webhook_allow_loopback), RESTART,
     "accept tenants' webhook URLs on 127.0.0.1 or ::1, http:// too (for "
     "tests with a local receiver; never in production)"},
    {"events-queue-max", "SWITCHBOARD_EVENTS_QUEUE_MAX", OPT_U32,
     S(events_queue_max), RESTART,
     "bytes an event stream client may have unsent (ours and the kernel's "
     "send buffer) before it is disconnected as too slow (1048576, from "
     "4096 to 67108864)"},
    {"number-block-max", "SWITCHBOARD_NUMBER_BLOCK_MAX", OPT_U32,
     S(number_block_max), LIVE,
     "numbers a number block of the API may hold at most (10000, from 1 "
     "to 100000000)"},
    {"events-ping", "SWITCHBOARD_EVENTS_PING", OPT_U32, S(events_ping), LIVE,
     "seconds between pings to event stream clients; two unanswered "
     "close the connection (30, from 1 to 3600)"},
    {"session-lifetime", "SWITCHBOARD_SESSION_LIFETIME", OPT_U32,
     S(session_lifetime), LIVE,
     "seconds a session of a password login lasts at most (43200, from 1 "
     "to 2592000)"},
    {"session-idle", "SWITCHBOARD_SESSION_IDLE", OPT_U32, S(session_idle), LIVE,
     "seconds a session may go unused before it ends; each use starts "
     "them again; 0 off (1800)"},
    {"login-max-failures", "SWITCHBOARD_LOGIN_MAX_FAILURES", OPT_U32,
     S(login_max_failures), LIVE,
     "wrong passwords in a row that lock a login for --login-lockout "
     "seconds (5, from 1 to 100)"},
    {"login-lockout", "SWITCHBOARD_LOGIN_LOCKOUT", OPT_U32, S(login_lockout),
     LIVE,
     "seconds a locked login or blocked address waits, and the window "
     "counting an address's failed logins (900, from 1 to 86400)"},
    {"login-ip-max-failures", "SWITCHBOARD_LOGIN_IP_MAX_FAILURES", OPT_U32,
     S(login_ip_max_failures), LIVE,
     "failed logins from one address within --login-lockout seconds that "
     "block it for as long; 0 off (20)"},
    {"password-hash", "SWITCHBOARD_PASSWORD_HASH", OPT_STR, S(password_hash),
     RESTART,
     "cost of new password hashes (Argon2id): interactive (2 passes over "
     "64 MiB) or test (no protection, for the test suites only) "
     "(interactive)"},
    {"password-workers", "SWITCHBOARD_PASSWORD_WORKERS", OPT_U32,
     S(password_workers), RESTART,
     "threads that hash and check passwords, each using the memory of one "
     "hash (64 MiB at interactive) (2, from 1 to 16)"},
    {"password-queue", "SWITCHBOARD_PASSWORD_QUEUE", OPT_U32, S(password_queue),
     RESTART,
     "logins and password changes that may wait for a free --password-"
     "workers thread; more get 503 with Retry-After (32, from 0 to 1024)"},
    {"invoice-issuer-name", "SWITCHBOARD_INVOICE_ISSUER_NAME", OPT_STR,
     S(invoice_issuer_name), RESTART,
     "the supplier's (operator's) name on invoices (Switchboard)"},
    {"invoice-issuer-address", "SWITCHBOARD_INVOICE_ISSUER_ADDRESS", OPT_STR,
     S(invoice_issuer_address), RESTART,
     "the supplier's address on invoices, lines separated by '|'"},
    {"invoice-issuer-vat-id", "SWITCHBOARD_INVOICE_ISSUER_VAT_ID", OPT_STR,
     S(invoice_issuer_vat_id), RESTART,
     "the supplier's VAT id (USt-IdNr.) on invoices; this or "
     "--invoice-issuer-tax-number is required by law"},
    {"invoice-issuer-tax-number", "SWITCHBOARD_INVOICE_ISSUER_TAX_NUMBER",
     OPT_STR, S(invoice_issuer_tax_number), RESTART,
     "the supplier's tax number (Steuernummer) on invoices"},
    {"web-dir", "SWITCHBOARD_WEB_DIR", OPT_STR, S(web_dir), RESTART,
     "directory of the built web front end, served under / on the HTTP "
     "address (build/web, where `make` builds it; \"\": no web pages)"},
    {"log-level", "SWITCHBOARD_LOG_LEVEL", OPT_LOG, S(log_level), LIVE,
     "debug, info, warn or error (info)"},
    {"log-file", "SWITCHBOARD_LOG_FILE", OPT_STR, S(log_file), RESTART,
     "append the log to this file instead of stderr; SIGHUP opens it "
     "again (logrotate's postrotate); unset: stderr (journald)"},
    {"syslog", "SWITCHBOARD_SYSLOG", OPT_BOOL, S(syslog), RESTART,
     "send the log to syslog(3) (facility daemon, ident switchboard, "
     "levels debug, info, warning, err) instead of stderr or --log-file"},
    {"init-demo", "SWITCHBOARD_INIT_DEMO", OPT_BOOL, S(init_demo), RESTART,
     "create or upgrade the database, add demo data if empty, exit"},
};

const size_t config_optc = ARRAY_SIZE(config_optv);

/* The value of every setting when nothing sets it. */
void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	str_copy(cfg->sip_listen, "127.0.0.1:5060", sizeof(cfg->sip_listen));
	str_copy(cfg->http_listen, "127.0.0.1:8080", sizeof(cfg->http_listen));
	str_copy(cfg->data_dir, "var", sizeof(cfg->data_dir));
	str_copy(cfg->web_dir, "build/web", sizeof(cfg->web_dir));
	str_copy(cfg->realm, "switchboard", sizeof(cfg->realm));
	str_copy(cfg->node_id, "node1", sizeof(cfg->node_id));
	cfg->rtp_min = 20000;
	cfg->rtp_max = 39999;
	cfg->rtp_timeout = 30;
	cfg->ring_timeout = 60;
	cfg->callback_attempts = 3;
	cfg->callback_retry = 300;
	cfg->oncall_attempts = 3;
	cfg->oncall_retry = 180;
	cfg->reg_max_expires = 3600;
	cfg->reg_min_expires = 60;
	cfg->auth_max_failures = 5;
	cfg->auth_window = 60;
	cfg->auth_block = 600;
	cfg->keepalive_interval = 25;
	cfg->keepalive_max_missed = 3;
	cfg->heartbeat_interval = 10;
	cfg->node_stale_after = 45;
	str_copy(cfg->smtp_from, "switchboard@localhost",
		 sizeof(cfg->smtp_from));
	cfg->outbox_retry_base = 30;
	cfg->outbox_retry_max = 3600;
	cfg->outbox_max_attempts = 10;
	cfg->note_edit_window = 300;
	cfg->note_link_ttl = 604800;
	str_copy(cfg->push_subject, "mailto:switchboard@localhost",
		 sizeof(cfg->push_subject));
	cfg->events_queue_max = 1048576;
	cfg->number_block_max = 10000;
	cfg->backup_keep = 7;
	cfg->purge_interval = 3600;
	cfg->events_ping = 30;
	cfg->session_lifetime = 43200;
	cfg->session_idle = 1800;
	cfg->login_max_failures = 5;
	cfg->login_lockout = 900;
	cfg->login_ip_max_failures = 20;
	str_copy(cfg->password_hash, "interactive", sizeof(cfg->password_hash));
	cfg->password_workers = 2;
	cfg->password_queue = 32;
	str_copy(cfg->invoice_issuer_name, "Switchboard",
		 sizeof(cfg->invoice_issuer_name));
	cfg->log_level = LOG_INFO;
}
