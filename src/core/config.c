/*
 * config.c - command-line flags and SWITCHBOARD_* environment variables.
 * One table lists every setting: its flag, its variable, where it lives in
 * struct config and what it means; --help prints that table.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/core.h"

enum opt_type { OPT_STR, OPT_U16, OPT_U32, OPT_BOOL, OPT_LOG };

struct opt {
	const char *flag; /* --flag        */
	const char *env;  /* SWITCHBOARD_x */
	enum opt_type type;
	size_t off; /* in struct config */
	size_t sz;  /* for OPT_STR      */
	const char *help;
};

#define S(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)

static const struct opt opts[] = {
    {"sip", "SWITCHBOARD_SIP", OPT_STR, S(sip_listen),
     "SIP listen address, UDP and TCP (127.0.0.1:5060)"},
    {"sip-tls", "SWITCHBOARD_SIP_TLS", OPT_STR, S(sip_tls_listen),
     "SIP over TLS listen address; when unset, TLS is on at the SIP "
     "address's IP, port 5061, if the --tls-cert file exists"},
    {"tls-cert", "SWITCHBOARD_TLS_CERT", OPT_STR, S(tls_cert),
     "PEM file with the TLS certificate chain and private key "
     "(<data-dir>/tls.pem; `make run` makes a self-signed one)"},
    {"srtp-required", "SWITCHBOARD_SRTP_REQUIRED", OPT_BOOL, S(srtp_required),
     "phones on TLS must use SRTP: calls offering plain RTP get 488"},
    {"http", "SWITCHBOARD_HTTP", OPT_STR, S(http_listen),
     "HTTP API listen address (127.0.0.1:8080)"},
    {"media-ip", "SWITCHBOARD_MEDIA_IP", OPT_STR, S(media_ip),
     "RTP address, also written into SDP (the SIP address's IP)"},
    {"data-dir", "SWITCHBOARD_DATA_DIR", OPT_STR, S(data_dir),
     "data directory: database, prompts, admin.token (var)"},
    {"db", "SWITCHBOARD_DB", OPT_STR, S(db_path),
     "SQLite database file (<data-dir>/switchboard.db)"},
    {"prompts", "SWITCHBOARD_PROMPTS", OPT_STR, S(prompts_dir),
     "directory of WAV prompts (<data-dir>/prompts)"},
    {"realm", "SWITCHBOARD_REALM", OPT_STR, S(realm),
     "SIP digest realm (switchboard)"},
    {"node-id", "SWITCHBOARD_NODE_ID", OPT_STR, S(node_id),
     "this node's id in call records (node1)"},
    {"rtp-min", "SWITCHBOARD_RTP_MIN", OPT_U16, S(rtp_min),
     "lowest RTP port (20000)"},
    {"rtp-max", "SWITCHBOARD_RTP_MAX", OPT_U16, S(rtp_max),
     "highest RTP port (39999)"},
    {"rtp-timeout", "SWITCHBOARD_RTP_TIMEOUT", OPT_U32, S(rtp_timeout),
     "hang up a call after this many seconds without RTP (30)"},
    {"ring-timeout", "SWITCHBOARD_RING_TIMEOUT", OPT_U32, S(ring_timeout),
     "seconds to ring before giving up with 480 (60)"},
    {"callback-attempts", "SWITCHBOARD_CALLBACK_ATTEMPTS", OPT_U32,
     S(callback_attempts), "calls to a queue callback's customer at most (3)"},
    {"callback-retry", "SWITCHBOARD_CALLBACK_RETRY", OPT_U32, S(callback_retry),
     "seconds between attempts of a queue callback (300)"},
    {"oncall-attempts", "SWITCHBOARD_ONCALL_ATTEMPTS", OPT_U32,
     S(oncall_attempts),
     "calls to the person on call for an urgent note at most (3)"},
    {"oncall-retry", "SWITCHBOARD_ONCALL_RETRY", OPT_U32, S(oncall_retry),
     "seconds from one call to the person on call to the next (180)"},
    {"reg-max-expires", "SWITCHBOARD_REG_MAX_EXPIRES", OPT_U32,
     S(reg_max_expires), "longest registration granted [s] (3600)"},
    {"reg-min-expires", "SWITCHBOARD_REG_MIN_EXPIRES", OPT_U32,
     S(reg_min_expires), "shortest registration accepted [s] (60)"},
    {"auth-max-failures", "SWITCHBOARD_AUTH_MAX_FAILURES", OPT_U32,
     S(auth_max_failures),
     "failed SIP logins from one address within --auth-window that block "
     "it; a username is throttled after twice as many (5, at most 100)"},
    {"auth-window", "SWITCHBOARD_AUTH_WINDOW", OPT_U32, S(auth_window),
     "sliding window for counting failed SIP logins [s] (60)"},
    {"auth-block", "SWITCHBOARD_AUTH_BLOCK", OPT_U32, S(auth_block),
     "how long an address or phone stays blocked, and the longest "
     "window of a throttled username [s]; 0 disables blocking (600)"},
    {"keepalive-interval", "SWITCHBOARD_KEEPALIVE_INTERVAL", OPT_U32,
     S(keepalive_interval),
     "seconds between OPTIONS pings to phones behind NAT on UDP; 0 off (25)"},
    {"keepalive-max-missed", "SWITCHBOARD_KEEPALIVE_MAX_MISSED", OPT_U32,
     S(keepalive_max_missed),
     "unanswered pings after which a phone counts as unreachable (3)"},
    {"heartbeat-interval", "SWITCHBOARD_HEARTBEAT_INTERVAL", OPT_U32,
     S(heartbeat_interval),
     "seconds between this node's heartbeats in the store; a call cut by "
     "a crash ends at the last one before it (10, from 1 to 3600)"},
    {"node-stale-after", "SWITCHBOARD_NODE_STALE_AFTER", OPT_U32,
     S(node_stale_after),
     "seconds without a heartbeat after which a node counts as dead: every "
     "other node closes its live calls, the operator may (45, at least "
     "twice --heartbeat-interval)"},
    {"smtp-url", "SWITCHBOARD_SMTP_URL", OPT_STR, S(smtp_url),
     "SMTP server for mail (smtp://host:port, or smtps:// for TLS; "
     "STARTTLS is used when offered); unset: mails wait in the outbox"},
    {"smtp-from", "SWITCHBOARD_SMTP_FROM", OPT_STR, S(smtp_from),
     "sender address of our mails (switchboard@localhost)"},
    {"smtp-user", "SWITCHBOARD_SMTP_USER", OPT_STR, S(smtp_user),
     "SMTP AUTH user; unset: no AUTH"},
    {"smtp-password", "SWITCHBOARD_SMTP_PASSWORD", OPT_STR, S(smtp_password),
     "SMTP AUTH password (prefer the variable: flags show in ps); never "
     "logged"},
    {"outbox-retry-base", "SWITCHBOARD_OUTBOX_RETRY_BASE", OPT_U32,
     S(outbox_retry_base),
     "seconds before the first retry of a failed delivery; each further "
     "wait doubles (30, at least 1)"},
    {"outbox-retry-max", "SWITCHBOARD_OUTBOX_RETRY_MAX", OPT_U32,
     S(outbox_retry_max),
     "longest wait between two attempts of a delivery [s] (3600, at least "
     "--outbox-retry-base)"},
    {"outbox-attempts", "SWITCHBOARD_OUTBOX_ATTEMPTS", OPT_U32,
     S(outbox_max_attempts),
     "attempts of a delivery before it fails for good (10, from 1 to "
     "100)"},
    {"sms-gateway-url", "SWITCHBOARD_SMS_GATEWAY_URL", OPT_STR,
     S(sms_gateway_url),
     "HTTP SMS gateway for call notes (http:// or https://; JSON POST "
     "{\"to\", \"text\"}); unset: SMS wait in the outbox"},
    {"sms-gateway-token", "SWITCHBOARD_SMS_GATEWAY_TOKEN", OPT_STR,
     S(sms_gateway_token),
     "bearer token for the SMS gateway (prefer the variable); never "
     "logged"},
    {"sms-status-token", "SWITCHBOARD_SMS_STATUS_TOKEN", OPT_STR,
     S(sms_status_token),
     "the secret the SMS gateway's delivery reports carry (POST "
     "/api/v1/sms/status, Authorization: Bearer; prefer the variable); "
     "unset: reports are refused (401); never logged"},
    {"public-url", "SWITCHBOARD_PUBLIC_URL", OPT_STR, S(public_url),
     "base URL of the API as recipients reach it, for the links in call "
     "notes (http://<--http>)"},
    {"note-edit-window", "SWITCHBOARD_NOTE_EDIT_WINDOW", OPT_U32,
     S(note_edit_window),
     "seconds an agent may edit its call note after saving it; then it "
     "is locked (300, at most 86400)"},
    {"note-link-ttl", "SWITCHBOARD_NOTE_LINK_TTL", OPT_U32, S(note_link_ttl),
     "seconds the link of a call note stays valid (604800, from 60 to "
     "31536000)"},
    {"push-subject", "SWITCHBOARD_PUSH_SUBJECT", OPT_STR, S(push_subject),
     "contact the Web Push services see in our VAPID tokens: a mailto: "
     "or https: URL (mailto:switchboard@localhost)"},
    {"push-allow-http", "SWITCHBOARD_PUSH_ALLOW_HTTP", OPT_BOOL,
     S(push_allow_http),
     "accept push subscriptions with endpoints on 127.0.0.1 or ::1, "
     "http:// too (for tests with a local push service; never in "
     "production)"},
    {"webhook-allow-loopback", "SWITCHBOARD_WEBHOOK_ALLOW_LOOPBACK", OPT_BOOL,
     S(webhook_allow_loopback),
     "accept tenants' webhook URLs on 127.0.0.1 or ::1, http:// too (for "
     "tests with a local receiver; never in production)"},
    {"events-queue-max", "SWITCHBOARD_EVENTS_QUEUE_MAX", OPT_U32,
     S(events_queue_max),
     "bytes an event stream client may have unsent (ours and the kernel's "
     "send buffer) before it is disconnected as too slow (1048576, from "
     "4096 to 67108864)"},
    {"events-ping", "SWITCHBOARD_EVENTS_PING", OPT_U32, S(events_ping),
     "seconds between pings to event stream clients; two unanswered "
     "close the connection (30, from 1 to 3600)"},
    {"session-lifetime", "SWITCHBOARD_SESSION_LIFETIME", OPT_U32,
     S(session_lifetime),
     "seconds a session of a password login lasts at most (43200, from 1 "
     "to 2592000)"},
    {"session-idle", "SWITCHBOARD_SESSION_IDLE", OPT_U32, S(session_idle),
     "seconds a session may go unused before it ends; each use starts "
     "them again; 0 off (1800)"},
    {"login-max-failures", "SWITCHBOARD_LOGIN_MAX_FAILURES", OPT_U32,
     S(login_max_failures),
     "wrong passwords in a row that lock a login for --login-lockout "
     "seconds (5, from 1 to 100)"},
    {"login-lockout", "SWITCHBOARD_LOGIN_LOCKOUT", OPT_U32, S(login_lockout),
     "seconds a locked login or blocked address waits, and the window "
     "counting an address's failed logins (900, from 1 to 86400)"},
    {"login-ip-max-failures", "SWITCHBOARD_LOGIN_IP_MAX_FAILURES", OPT_U32,
     S(login_ip_max_failures),
     "failed logins from one address within --login-lockout seconds that "
     "block it for as long; 0 off (20)"},
    {"password-hash", "SWITCHBOARD_PASSWORD_HASH", OPT_STR, S(password_hash),
     "cost of new password hashes (Argon2id): interactive (2 passes over "
     "64 MiB) or test (no protection, for the test suites only) "
     "(interactive)"},
    {"password-workers", "SWITCHBOARD_PASSWORD_WORKERS", OPT_U32,
     S(password_workers),
     "threads that hash and check passwords, each using the memory of one "
     "hash (64 MiB at interactive) (2, from 1 to 16)"},
    {"password-queue", "SWITCHBOARD_PASSWORD_QUEUE", OPT_U32, S(password_queue),
     "logins and password changes that may wait for a free --password-"
     "workers thread; more get 503 with Retry-After (32, from 0 to 1024)"},
    {"invoice-issuer-name", "SWITCHBOARD_INVOICE_ISSUER_NAME", OPT_STR,
     S(invoice_issuer_name),
     "the supplier's (operator's) name on invoices (Switchboard)"},
    {"invoice-issuer-address", "SWITCHBOARD_INVOICE_ISSUER_ADDRESS", OPT_STR,
     S(invoice_issuer_address),
     "the supplier's address on invoices, lines separated by '|'"},
    {"invoice-issuer-vat-id", "SWITCHBOARD_INVOICE_ISSUER_VAT_ID", OPT_STR,
     S(invoice_issuer_vat_id),
     "the supplier's VAT id (USt-IdNr.) on invoices; this or "
     "--invoice-issuer-tax-number is required by law"},
    {"invoice-issuer-tax-number", "SWITCHBOARD_INVOICE_ISSUER_TAX_NUMBER",
     OPT_STR, S(invoice_issuer_tax_number),
     "the supplier's tax number (Steuernummer) on invoices"},
    {"web-dir", "SWITCHBOARD_WEB_DIR", OPT_STR, S(web_dir),
     "directory of the built web front end, served under / on the HTTP "
     "address (build/web, where `make` builds it; \"\": no web pages)"},
    {"log-level", "SWITCHBOARD_LOG_LEVEL", OPT_LOG, S(log_level),
     "debug, info, warn or error (info)"},
    {"init-demo", "SWITCHBOARD_INIT_DEMO", OPT_BOOL, S(init_demo),
     "create or upgrade the database, add demo data if empty, exit"},
};

static int login_check(const struct config *cfg);

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

static int set(struct config *cfg, const struct opt *o, const char *val)
{
	void *p = (char *)cfg + o->off;
	char *end;
	unsigned long v;

	switch (o->type) {
	case OPT_STR:
		if (strlen(val) >= o->sz) {
			fprintf(stderr, "switchboard: --%s: value too long\n",
				o->flag);
			return EINVAL;
		}
		str_copy(p, val, o->sz);
		return 0;

	case OPT_BOOL:
		*(bool *)p = !val || !strcmp(val, "1") ||
			     !strcmp(val, "true") || !strcmp(val, "yes");
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
		if (!*val || *end || (o->type == OPT_U16 && v > 65535) ||
		    v > 4294967295UL)
			goto bad;
		if (o->type == OPT_U16)
			*(uint16_t *)p = (uint16_t)v;
		else
			*(uint32_t *)p = (uint32_t)v;
		return 0;
	}
bad:
	fprintf(stderr, "switchboard: --%s: invalid value '%s'\n", o->flag,
		val);
	return EINVAL;
}

void config_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: switchboard [options]\n\n"
		   "Every option can also be set by its environment variable;\n"
		   "flags win over the environment.\n\n");
	for (i = 0; i < ARRAY_SIZE(opts); i++) {
		const struct opt *o = &opts[i];
		fprintf(f, "  --%-18s %-30s %s\n", o->flag,
			o->type == OPT_BOOL ? "" : "VALUE", o->env);
		fprintf(f, "      %s\n", o->help);
	}
	fprintf(f, "  --help\n      this text\n");
}

int config_load(struct config *cfg, int argc, char *const argv[])
{
	struct option lo[ARRAY_SIZE(opts) + 2];
	size_t i;
	int err, c, idx;

	defaults(cfg);
	for (i = 0; i < ARRAY_SIZE(opts); i++) {
		const char *v = getenv(opts[i].env);
		if (v && (err = set(cfg, &opts[i], v)))
			return err;
		lo[i].name = opts[i].flag;
		lo[i].has_arg =
		    opts[i].type == OPT_BOOL ? no_argument : required_argument;
		lo[i].flag = NULL;
		lo[i].val = 0;
	}
	lo[i].name = "help";
	lo[i].has_arg = no_argument;
	lo[i].flag = NULL;
	lo[i].val = 'h';
	memset(&lo[i + 1], 0, sizeof(lo[i + 1]));

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, &idx)) != -1) {
		if (c == 'h') {
			config_usage(stdout);
			return -1;
		}
		if (c != 0) {
			config_usage(stderr);
			return EINVAL;
		}
		if ((err = set(cfg, &opts[idx], optarg)))
			return err;
	}
	if (optind < argc) {
		fprintf(stderr, "switchboard: unexpected argument '%s'\n",
			argv[optind]);
		return EINVAL;
	}
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
		fprintf(stderr, "switchboard: bad RTP port range %u-%u\n",
			cfg->rtp_min, cfg->rtp_max);
		return EINVAL;
	}
	if (cfg->heartbeat_interval < 1 || cfg->heartbeat_interval > 3600) {
		fprintf(stderr,
			"switchboard: --heartbeat-interval: must be from 1 to "
			"3600 seconds\n");
		return EINVAL;
	}
	if (cfg->node_stale_after < 2 * cfg->heartbeat_interval) {
		fprintf(stderr,
			"switchboard: --node-stale-after: must be at least "
			"twice --heartbeat-interval (%u s)\n",
			2 * cfg->heartbeat_interval);
		return EINVAL;
	}
	if (cfg->smtp_url[0] && strncmp(cfg->smtp_url, "smtp://", 7) &&
	    strncmp(cfg->smtp_url, "smtps://", 8)) {
		fprintf(stderr, "switchboard: --smtp-url: must start with "
				"smtp:// or smtps://\n");
		return EINVAL;
	}
	if (cfg->outbox_retry_base < 1) {
		fprintf(stderr,
			"switchboard: --outbox-retry-base: must be at least 1 "
			"second\n");
		return EINVAL;
	}
	if (cfg->outbox_retry_max < cfg->outbox_retry_base) {
		fprintf(stderr,
			"switchboard: --outbox-retry-max: must be at least "
			"--outbox-retry-base (%u s)\n",
			cfg->outbox_retry_base);
		return EINVAL;
	}
	if (cfg->outbox_max_attempts < 1 || cfg->outbox_max_attempts > 100) {
		fprintf(stderr,
			"switchboard: --outbox-attempts: must be from 1 "
			"to 100\n");
		return EINVAL;
	}
	if (cfg->sms_gateway_url[0] &&
	    strncmp(cfg->sms_gateway_url, "http://", 7) &&
	    strncmp(cfg->sms_gateway_url, "https://", 8)) {
		fprintf(stderr, "switchboard: --sms-gateway-url: must start "
				"with http:// or https://\n");
		return EINVAL;
	}
	if (cfg->public_url[0] && strncmp(cfg->public_url, "http://", 7) &&
	    strncmp(cfg->public_url, "https://", 8)) {
		fprintf(stderr, "switchboard: --public-url: must start with "
				"http:// or https://\n");
		return EINVAL;
	}
	if (cfg->note_edit_window > 86400) {
		fprintf(stderr, "switchboard: --note-edit-window: must be at "
				"most 86400 seconds\n");
		return EINVAL;
	}
	if (cfg->note_link_ttl < 60 || cfg->note_link_ttl > 31536000) {
		fprintf(stderr, "switchboard: --note-link-ttl: must be from 60 "
				"to 31536000 seconds\n");
		return EINVAL;
	}
	if (strncmp(cfg->push_subject, "mailto:", 7) &&
	    strncmp(cfg->push_subject, "https://", 8)) {
		fprintf(stderr, "switchboard: --push-subject: must start with "
				"mailto: or https://\n");
		return EINVAL;
	}
	if (cfg->events_queue_max < 4096 || cfg->events_queue_max > 67108864) {
		fprintf(stderr, "switchboard: --events-queue-max: must be "
				"from 4096 to 67108864 bytes\n");
		return EINVAL;
	}
	if (cfg->events_ping < 1 || cfg->events_ping > 3600) {
		fprintf(stderr, "switchboard: --events-ping: must be from 1 "
				"to 3600 seconds\n");
		return EINVAL;
	}
	return login_check(cfg);
}

/* The range checks of the login options (issue 16). */
static int login_check(const struct config *cfg)
{
	enum password_cost cost;

	if (cfg->session_lifetime < 1 || cfg->session_lifetime > 2592000) {
		fprintf(stderr, "switchboard: --session-lifetime: must be from "
				"1 to 2592000 seconds\n");
		return EINVAL;
	}
	if (cfg->login_max_failures < 1 || cfg->login_max_failures > 100) {
		fprintf(stderr, "switchboard: --login-max-failures: must be "
				"from 1 to 100\n");
		return EINVAL;
	}
	if (cfg->login_lockout < 1 || cfg->login_lockout > 86400) {
		fprintf(stderr, "switchboard: --login-lockout: must be from 1 "
				"to 86400 seconds\n");
		return EINVAL;
	}
	if (password_cost_parse(cfg->password_hash, &cost)) {
		fprintf(stderr, "switchboard: --password-hash: must be "
				"interactive or test\n");
		return EINVAL;
	}
	if (cfg->password_workers < 1 || cfg->password_workers > 16) {
		fprintf(stderr, "switchboard: --password-workers: must be from "
				"1 to 16\n");
		return EINVAL;
	}
	if (cfg->password_queue > 1024) {
		fprintf(stderr, "switchboard: --password-queue: must be from 0 "
				"to 1024\n");
		return EINVAL;
	}
	return 0;
}
