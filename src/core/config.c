/*
 * config.c - command-line flags, SWITCHBOARD_* environment variables and
 * the configuration file (config_file.c).  One table (config_opts.c)
 * lists every setting: its flag (also its key in the file), its variable,
 * where it lives in struct config, whether SIGHUP may change it while
 * running, and what it means; --help prints that table.  Precedence: flag > variable > file >
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

/* The argument vector of the start, read again by config_reload(). */
static struct {
	int argc;
	char *const *argv;
} start;

static int checks(struct config *cfg, struct config_src *src);

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
	fprintf(f, "  --admin-token-new\n      open the database, add a new "
		   "operator API token named\n      admin@<node-id> and "
		   "write it to <data-dir>/admin.token (mode\n      0600, "
		   "the file replaced; older tokens stay valid) and exit: "
		   "for\n      switchboard-ctl on a node of a shared "
		   "database\n");
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
	if (!cfg->spool_dir[0])
		snprintf(cfg->spool_dir, sizeof(cfg->spool_dir), "%s/voicemail",
			 cfg->data_dir);
	/* message rows name their files by path: one spelling */
	for (size_t n = strlen(cfg->spool_dir);
	     n > 1 && cfg->spool_dir[n - 1] == '/'; --n)
		cfg->spool_dir[n - 1] = '\0';
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
	if (cfg->purge_interval > 604800) {
		return fail(src, "purge-interval",
			    "must be at most 604800 seconds (a week); 0 turns "
			    "the automatic purge off");
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
 * *mode: 'h' for --help (printed), 'c' for --check-config, 't' for
 * --admin-token-new, 0 otherwise.
 */
static int build(struct config *cfg, struct config_src *src, int argc,
		 char *const argv[], int *mode)
{
	struct option *lo;
	struct flag_val *fv;
	const char *path = CONFIG_DEFAULT, *v;
	bool must = false;
	size_t i, nfv = 0;
	int err = 0, c, idx;
	char why[300];

	memset(src, 0, sizeof(*src));
	*mode = 0;
	lo = calloc(config_optc + 4, sizeof(*lo));
	if (!lo)
		return ENOMEM;
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
	lo[i + 2] = (struct option){"admin-token-new", no_argument, NULL, 't'};
	memset(&lo[i + 3], 0, sizeof(lo[i + 3]));

	fv = calloc((size_t)argc + 1, sizeof(*fv));
	if (!fv) {
		free(lo);
		return ENOMEM;
	}
	optind = 0; /* glibc: start afresh (a reload parses again) */
	while ((c = getopt_long(argc, argv, "h", lo, &idx)) != -1) {
		if (c == 'h') {
			config_usage(stdout);
			*mode = 'h';
			goto out;
		}
		if (c == 'c' || c == 't') {
			*mode = c;
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
	config_defaults(cfg);
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
	free(lo);
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
		if (o->off == offsetof(struct config, db_path)) {
			char safe[sizeof(val)];

			/* a postgresql:// URL's password is not shown */
			str_url_nopass(safe, sizeof(safe), val);
			str_copy(val, safe, sizeof(val));
		}
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
	cfg->admin_token_new = mode == 't';
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
