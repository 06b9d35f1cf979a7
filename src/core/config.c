/*
 * config.c - command-line flags, SWITCHBOARD_* environment variables and
 * the configuration file (config_file.c).  One table lists every setting:
 * its flag (also its key in the file), its variable, where it lives in
 * struct config, whether SIGHUP may change it while running, and what it
 * means; --help prints that table.  Precedence: flag > variable > file >
 * default.  config_reload() builds the whole configuration again from the
 * same sources and applies the changes of the LIVE options only.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "core/config_int.h"

#define S(f)    offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define LIVE    OPT_LIVE, false
#define RESTART OPT_RESTART, false
#define SECRET  OPT_RESTART, true

/* the file read when --config and SWITCHBOARD_CONFIG are not given, if it
 * exists */
#define CONFIG_DEFAULT "/etc/switchboard/switchboard.conf"

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
     "SQLite database file (<data-dir>/switchboard.db)"},
    {"prompts", "SWITCHBOARD_PROMPTS", OPT_STR, S(prompts_dir), RESTART,
     "directory of WAV prompts (<data-dir>/prompts)"},
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

/* The argument vector of the start, read again by config_reload(). */
static struct {
	int argc;
	char *const *argv;
} start;

static int checks(struct config *cfg, struct config_src *src);

static void defaults(struct config *cfg)
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

const struct opt *config_opt_find(const char *flag)
{
	size_t i;

	for (i = 0; i < config_optc; i++)
		if (!strcmp(config_optv[i].flag, flag))
			return &config_optv[i];
	return NULL;
}

static int bool_parse(const char *val, bool *b)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(val, yes[i])) {
			*b = true;
			return 0;
		}
		if (!strcmp(val, no[i])) {
			*b = false;
			return 0;
		}
	}
	return EINVAL;
}

int config_opt_set(struct config *cfg, const struct opt *o, const char *val,
		   bool strict, char *why, size_t wsz)
{
	void *p = (char *)cfg + o->off;
	char *end;
	unsigned long v;

	switch (o->type) {
	case OPT_STR:
		if (strlen(val) >= o->sz) {
			snprintf(why, wsz, "value too long");
			return EINVAL;
		}
		str_copy(p, val, o->sz);
		return 0;

	case OPT_BOOL:
		if (!val) {
			*(bool *)p = true;
			return 0;
		}
		if (bool_parse(val, p)) {
			if (strict)
				goto bad;
			*(bool *)p = false; /* the variables' old rule */
		}
		return 0;

	case OPT_LOG:
		if (!strcmp(val, "debug"))
			*(enum log_level *)p = LOG_DEBUG;
		else if (!strcmp(val, "info"))
			*(enum log_level *)p = LOG_INFO;
		else if (!strcmp(val, "warn"))
			*(enum log_level *)p = LOG_WARN;
		else if (!strcmp(val, "error"))
			*(enum log_level *)p = LOG_ERROR;
		else
			goto bad;
		return 0;

	case OPT_U16:
	case OPT_U32:
		v = strtoul(val, &end, 10);
		if (!*val || *end || *val == '-' || *val == '+' ||
		    (o->type == OPT_U16 && v > 65535) || v > 4294967295UL)
			goto bad;
		if (o->type == OPT_U16)
			*(uint16_t *)p = (uint16_t)v;
		else
			*(uint32_t *)p = (uint32_t)v;
		return 0;
	}
bad:
	snprintf(why, wsz, "invalid value '%.200s'", val);
	return EINVAL;
}

void config_opt_print(const struct config *cfg, const struct opt *o, char *buf,
		      size_t sz)
{
	static const char *const lv[] = {"debug", "info", "warn", "error"};
	const void *p = (const char *)cfg + o->off;

	switch (o->type) {
	case OPT_STR:
		snprintf(buf, sz, "%s", (const char *)p);
		break;
	case OPT_BOOL:
		snprintf(buf, sz, "%s", *(const bool *)p ? "true" : "false");
		break;
	case OPT_LOG:
		snprintf(buf, sz, "%s", lv[*(const enum log_level *)p]);
		break;
	case OPT_U16:
		snprintf(buf, sz, "%u", *(const uint16_t *)p);
		break;
	case OPT_U32:
		snprintf(buf, sz, "%u", *(const uint32_t *)p);
		break;
	}
}

static bool opt_same(const struct config *a, const struct config *b,
		     const struct opt *o)
{
	const char *pa = (const char *)a + o->off;
	const char *pb = (const char *)b + o->off;

	if (o->type == OPT_STR)
		return !strcmp(pa, pb);
	return !memcmp(pa, pb, o->sz);
}

void config_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: switchboard [options]\n\n"
		   "Every option can also be set by its environment variable\n"
		   "or in the configuration file (--config) by its name:\n"
		   "flags win over the environment, the environment over the\n"
		   "file.\n\n");
	for (i = 0; i < config_optc; i++) {
		const struct opt *o = &config_optv[i];
		fprintf(f, "  --%-18s %-30s %s\n", o->flag,
			o->type == OPT_BOOL ? "" : "VALUE", o->env);
		fprintf(f, "      %s%s\n", o->help,
			o->when == OPT_LIVE ? " [changes on SIGHUP]" : "");
	}
	fprintf(f, "  --check-config\n      read the configuration, print "
		   "the settings in effect as a file\n      would say them "
		   "(secrets left out) and exit: 0 if it is valid\n");
	fprintf(f, "  --help\n      this text\n");
}

static unsigned line_of(const struct config_src *src, const char *flag)
{
	const struct opt *o = config_opt_find(flag);

	return o ? src->line[o - config_optv] : 0;
}

/* The error of an option's value: named by the file's line if the value
 * came from there, else by its flag (as the variables and flags always
 * were). */
static int fail(struct config_src *src, const char *flag, const char *fmt, ...)
{
	unsigned line = line_of(src, flag);
	va_list ap;
	int n;

	if (line)
		n = snprintf(src->err, sizeof(src->err),
			     "%s:%u: key '%s': ", src->file, line, flag);
	else
		n = snprintf(src->err, sizeof(src->err),
			     "switchboard: --%s: ", flag);
	va_start(ap, fmt);
	vsnprintf(src->err + n, sizeof(src->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return EINVAL;
}

/* One flag of the command line, kept to be applied after the file and the
 * variables. */
struct flag_val {
	size_t idx;
	const char *val;
};

/* Passwords, tokens and session cookies must not cross a network in
 * clear: plain HTTP listens on loopback only, unless the operator says
 * --http-public (a TLS proxy in front); --https is the way out. */
static int http_checks(const struct config *cfg, struct config_src *src)
{
	struct sa sa;

	if (!cfg->http_listen[0] && !cfg->https_listen[0])
		return fail(src, "http",
			    "is empty and --https is not set: "
			    "the API would not listen at all");
	if (cfg->https_listen[0] &&
	    sa_decode(&sa, cfg->https_listen, strlen(cfg->https_listen)))
		return fail(src, "https", "bad listen address '%s'",
			    cfg->https_listen);
	if (!cfg->http_listen[0] || cfg->http_public)
		return 0;
	if (sa_decode(&sa, cfg->http_listen, strlen(cfg->http_listen)))
		return fail(src, "http", "bad listen address '%s'",
			    cfg->http_listen);
	if (!sa_is_loopback(&sa))
		return fail(src, "http",
			    "plain HTTP on %s is not a loopback address: "
			    "tokens and passwords would cross the network "
			    "in clear; use --https ADDR:PORT (with "
			    "--tls-cert), or --http-public if a TLS proxy is "
			    "in front",
			    cfg->http_listen);
	return 0;
}

/* The derived paths, and the checks of single options and across them. */
static int checks(struct config *cfg, struct config_src *src)
{
	enum password_cost cost;
	int err;

	/* the only guard of a route without a token: not guessable */
	if (cfg->sms_status_token[0] && strlen(cfg->sms_status_token) < 16)
		return fail(src, "sms-status-token",
			    "must be at least 16 characters");

	err = http_checks(cfg, src);
	if (err)
		return err;

	if (!cfg->db_path[0])
		snprintf(cfg->db_path, sizeof(cfg->db_path),
			 "%s/switchboard.db", cfg->data_dir);
	if (!cfg->tls_cert[0])
		snprintf(cfg->tls_cert, sizeof(cfg->tls_cert), "%s/tls.pem",
			 cfg->data_dir);
	if (!cfg->prompts_dir[0])
		snprintf(cfg->prompts_dir, sizeof(cfg->prompts_dir),
			 "%s/prompts", cfg->data_dir);
	if (cfg->rtp_min < 1024 || cfg->rtp_max <= cfg->rtp_min + 4) {
		const char *which = line_of(src, "rtp-max")   ? "rtp-max"
				    : line_of(src, "rtp-min") ? "rtp-min"
							      : NULL;
		if (which)
			return fail(src, which, "bad RTP port range %u-%u",
				    cfg->rtp_min, cfg->rtp_max);
		snprintf(src->err, sizeof(src->err),
			 "switchboard: bad RTP port range %u-%u", cfg->rtp_min,
			 cfg->rtp_max);
		return EINVAL;
	}
	if (cfg->metrics_listen[0]) {
		struct sa a;

		if (sa_decode(&a, cfg->metrics_listen,
			      strlen(cfg->metrics_listen)))
			return fail(src, "metrics-listen",
				    "'%s' is not an address ip:port",
				    cfg->metrics_listen);
		if (!sa_is_loopback(&a) && !cfg->metrics_listen_public)
			return fail(src, "metrics-listen",
				    "%s is not a loopback address; metrics "
				    "without a token elsewhere need "
				    "--metrics-listen-public",
				    cfg->metrics_listen);
	}
	if (cfg->log_file[0] && cfg->syslog)
		return fail(src, "syslog", "not together with --log-file");
	if (cfg->heartbeat_interval < 1 || cfg->heartbeat_interval > 3600) {
		return fail(src, "heartbeat-interval",
			    "must be from 1 to 3600 seconds");
	}
	if (cfg->node_stale_after < 2 * cfg->heartbeat_interval) {
		return fail(
		    src, "node-stale-after",
		    "must be at least twice --heartbeat-interval (%u s)",
		    2 * cfg->heartbeat_interval);
	}
	if (cfg->smtp_url[0] && strncmp(cfg->smtp_url, "smtp://", 7) &&
	    strncmp(cfg->smtp_url, "smtps://", 8)) {
		return fail(src, "smtp-url",
			    "must start with smtp:// or smtps://");
	}
	if (cfg->outbox_retry_base < 1) {
		return fail(src, "outbox-retry-base",
			    "must be at least 1 second");
	}
	if (cfg->outbox_retry_max < cfg->outbox_retry_base) {
		return fail(src, "outbox-retry-max",
			    "must be at least --outbox-retry-base (%u s)",
			    cfg->outbox_retry_base);
	}
	if (cfg->outbox_max_attempts < 1 || cfg->outbox_max_attempts > 100) {
		return fail(src, "outbox-attempts", "must be from 1 to 100");
	}
	if (cfg->sms_gateway_url[0] &&
	    strncmp(cfg->sms_gateway_url, "http://", 7) &&
	    strncmp(cfg->sms_gateway_url, "https://", 8)) {
		return fail(src, "sms-gateway-url",
			    "must start with http:// or https://");
	}
	if (cfg->public_url[0] && strncmp(cfg->public_url, "http://", 7) &&
	    strncmp(cfg->public_url, "https://", 8)) {
		return fail(src, "public-url",
			    "must start with http:// or https://");
	}
	if (cfg->note_edit_window > 86400) {
		return fail(src, "note-edit-window",
			    "must be at most 86400 seconds");
	}
	if (cfg->note_link_ttl < 60 || cfg->note_link_ttl > 31536000) {
		return fail(src, "note-link-ttl",
			    "must be from 60 to 31536000 seconds");
	}
	if (strncmp(cfg->push_subject, "mailto:", 7) &&
	    strncmp(cfg->push_subject, "https://", 8)) {
		return fail(src, "push-subject",
			    "must start with mailto: or https://");
	}
	if (cfg->events_queue_max < 4096 || cfg->events_queue_max > 67108864) {
		return fail(src, "events-queue-max",
			    "must be from 4096 to 67108864 bytes");
	}
	if (cfg->number_block_max < 1 || cfg->number_block_max > 100000000) {
		return fail(src, "number-block-max",
			    "must be from 1 to 100000000 numbers");
	}
	if (cfg->events_ping < 1 || cfg->events_ping > 3600) {
		return fail(src, "events-ping",
			    "must be from 1 to 3600 seconds");
	}
	if (cfg->session_lifetime < 1 || cfg->session_lifetime > 2592000) {
		return fail(src, "session-lifetime",
			    "must be from 1 to 2592000 seconds");
	}
	if (cfg->login_max_failures < 1 || cfg->login_max_failures > 100) {
		return fail(src, "login-max-failures", "must be from 1 to 100");
	}
	if (cfg->login_lockout < 1 || cfg->login_lockout > 86400) {
		return fail(src, "login-lockout",
			    "must be from 1 to 86400 seconds");
	}
	if (password_cost_parse(cfg->password_hash, &cost)) {
		return fail(src, "password-hash",
			    "must be interactive or test");
	}
	if (cfg->password_workers < 1 || cfg->password_workers > 16) {
		return fail(src, "password-workers", "must be from 1 to 16");
	}
	if (cfg->password_queue > 1024) {
		return fail(src, "password-queue", "must be from 0 to 1024");
	}
	return 0;
}

/*
 * Everything from the start's arguments: defaults, then the file, then
 * the variables, then the flags, then the derived paths and the checks.
 * *mode: 'h' for --help (printed), 'c' for --check-config, 0 otherwise.
 */
static int build(struct config *cfg, struct config_src *src, int argc,
		 char *const argv[], int *mode)
{
	struct option lo[ARRAY_SIZE(config_optv) + 3];
	struct flag_val *fv;
	const char *path = CONFIG_DEFAULT, *v;
	bool must = false;
	size_t i, nfv = 0;
	int err = 0, c, idx;
	char why[300];

	memset(src, 0, sizeof(*src));
	*mode = 0;
	for (i = 0; i < config_optc; i++) {
		lo[i].name = config_optv[i].flag;
		lo[i].has_arg = config_optv[i].type == OPT_BOOL
				    ? no_argument
				    : required_argument;
		lo[i].flag = NULL;
		lo[i].val = 0;
	}
	lo[i] = (struct option){"help", no_argument, NULL, 'h'};
	lo[i + 1] = (struct option){"check-config", no_argument, NULL, 'c'};
	memset(&lo[i + 2], 0, sizeof(lo[i + 2]));

	fv = calloc((size_t)argc + 1, sizeof(*fv));
	if (!fv)
		return ENOMEM;
	optind = 0; /* glibc: start afresh (a reload parses again) */
	while ((c = getopt_long(argc, argv, "h", lo, &idx)) != -1) {
		if (c == 'h') {
			config_usage(stdout);
			*mode = 'h';
			goto out;
		}
		if (c == 'c') {
			*mode = 'c';
			continue;
		}
		if (c != 0) {
			config_usage(stderr);
			err = EINVAL;
			goto out;
		}
		fv[nfv].idx = (size_t)idx;
		fv[nfv++].val = optarg;
		if (!strcmp(config_optv[idx].flag, "config")) {
			path = optarg;
			must = true;
		}
	}
	if (optind < argc) {
		snprintf(src->err, sizeof(src->err),
			 "switchboard: unexpected argument '%s'", argv[optind]);
		err = EINVAL;
		goto out;
	}
	if (!must && (v = getenv("SWITCHBOARD_CONFIG")) != NULL) {
		path = v;
		must = true;
	}

	if (strlen(path) >= sizeof(cfg->config_path)) {
		err = fail(src, "config", "value too long");
		goto out;
	}
	defaults(cfg);
	err = config_file_read(cfg, src, path, must);
	if (err)
		goto out;
	str_copy(cfg->config_path, src->file, sizeof(cfg->config_path));

	for (i = 0; i < config_optc && !err; i++) {
		const struct opt *o = &config_optv[i];

		if ((v = getenv(o->env)) == NULL || !strcmp(o->flag, "config"))
			continue;
		src->line[i] = 0;
		if (config_opt_set(cfg, o, v, false, why, sizeof(why)))
			err = fail(src, o->flag, "%s", why);
	}
	for (i = 0; i < nfv && !err; i++) {
		const struct opt *o = &config_optv[fv[i].idx];

		if (!strcmp(o->flag, "config"))
			continue;
		src->line[fv[i].idx] = 0;
		if (config_opt_set(cfg, o, fv[i].val, false, why, sizeof(why)))
			err = fail(src, o->flag, "%s", why);
	}
	if (!err)
		err = checks(cfg, src);
out:
	free(fv);
	return err;
}

/* --check-config: the settings in effect, as the file would say them */
static void settings_print(const struct config *cfg, FILE *f)
{
	char val[512];
	size_t i;

	fprintf(f, "# switchboard: settings in effect (file: %s)\n",
		cfg->config_path[0] ? cfg->config_path : "none");
	for (i = 0; i < config_optc; i++) {
		const struct opt *o = &config_optv[i];

		if (!strcmp(o->flag, "config"))
			continue;
		config_opt_print(cfg, o, val, sizeof(val));
		if (o->secret)
			fprintf(f, "# %s = (%s)\n", o->flag,
				val[0] ? "set, not shown" : "not set");
		else if (o->type == OPT_STR && !val[0])
			fprintf(f, "%s = \"\"\n", o->flag);
		else
			fprintf(f, "%s = %s\n", o->flag, val);
	}
}

int config_load(struct config *cfg, int argc, char *const argv[])
{
	struct config_src src;
	int err, mode;

	start.argc = argc;
	start.argv = argv;
	err = build(cfg, &src, argc, argv, &mode);
	if (mode == 'h')
		return -1;
	if (err) {
		if (src.err[0])
			fprintf(stderr, "%s\n", src.err);
		return EINVAL;
	}
	if (mode == 'c') {
		settings_print(cfg, stdout);
		return -1;
	}
	return 0;
}

int config_reload(struct config *cfg)
{
	return config_reload_report(cfg, NULL);
}

int config_reload_report(struct config *cfg, struct config_report *rep)
{
	struct config_src src;
	struct config *nc;
	char val[512];
	unsigned live = 0, later = 0;
	size_t i;
	int err, mode;

	if (rep)
		memset(rep, 0, sizeof(*rep));
	if (!start.argv)
		return EINVAL;
	nc = malloc(sizeof(*nc));
	if (!nc)
		return ENOMEM;
	err = build(nc, &src, start.argc, start.argv, &mode);
	if (err) {
		warning("config: reload refused, nothing changed: %s\n",
			src.err[0] ? src.err : "error");
		if (rep)
			snprintf(rep->err, sizeof(rep->err), "%s",
				 src.err[0] ? src.err : "error");
		free(nc);
		return err;
	}
	if (rep)
		str_copy(rep->file, nc->config_path, sizeof(rep->file));
	/* the new level first: the lines below are written at it */
	log_set_level(nc->log_level);
	log_take_libre();
	for (i = 0; i < config_optc; i++) {
		const struct opt *o = &config_optv[i];

		if (opt_same(cfg, nc, o))
			continue;
		if (o->when == OPT_LIVE) {
			memcpy((char *)cfg + o->off, (char *)nc + o->off,
			       o->sz);
			config_opt_print(cfg, o, val, sizeof(val));
			info("config: reload: %s = %s\n", o->flag, val);
			if (rep && rep->appliedc < CONFIG_REPORT_MAX) {
				rep->appliedv[rep->appliedc].flag = o->flag;
				str_copy(rep->appliedv[rep->appliedc].value,
					 o->secret ? "" : val,
					 sizeof(rep->appliedv[0].value));
				rep->appliedc++;
			}
			live++;
		}
		else {
			warning("config: reload: %s changed: needs a restart\n",
				o->flag);
			if (rep && rep->restartc < CONFIG_REPORT_MAX)
				rep->restartv[rep->restartc++] = o->flag;
			later++;
		}
	}
	info("config: reloaded %s: %u change%s applied, %u need%s a "
	     "restart\n",
	     nc->config_path[0] ? nc->config_path : "(no file)", live,
	     live == 1 ? "" : "s", later, later == 1 ? "s" : "");
	free(nc);
	return 0;
}
