/*
 * main.c - switchboard-ctl: options, where the server and its token are,
 * and the table of subcommands.
 *
 * Where the server is, as the server itself reads its settings (flag >
 * variable > file > default): --url, else the `http` listen address of
 * SWITCHBOARD_HTTP or of the configuration file (--config,
 * SWITCHBOARD_CONFIG, else /etc/switchboard/switchboard.conf if it
 * exists), else 127.0.0.1:8080; a wildcard address (0.0.0.0, [::]) is
 * reached on loopback.  The token: --token, else <data-dir>/admin.token,
 * the data directory found the same way (--data-dir, SWITCHBOARD_DATA_DIR,
 * the file's `data-dir`, else var).  Only those two keys are read from
 * the file (its `key = value` lines, '#' comment lines, a value in double
 * quotes as it stands); the server checks the rest.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "ctl/ctl.h"
#include "core/config_line.h"

#define CONFIG_DEFAULT "/etc/switchboard/switchboard.conf"

static const struct {
	const char *name;
	ctl_cmd_h *h;
	const char *args;
	const char *help;
} cmds[] = {
    {"status", ctl_status, "", "version, node, uptime, live calls"},
    {"registrations", ctl_registrations, "",
     "the phones registered now (user, contact, source, expiry)"},
    {"calls", ctl_calls, "",
     "the live calls: who, since when, each leg's codec and RTP packets"},
    {"hangup", ctl_hangup, " CALL-ID", "hang up a live call"},
    {"blocks", ctl_blocks, "", "the SIP auth guard's blocks"},
    {"unblock", ctl_unblock, " KEY", "lift a block (its key as listed)"},
    {"reload", ctl_reload, "",
     "read the configuration again (as SIGHUP): what changed, what "
     "needs a restart"},
    {"backup", ctl_backup, " FILE",
     "an online backup of database and audio into one archive FILE "
     "(.tar, .tar.gz, .tar.xz, ...)"},
    {"tokens", ctl_tokens, "",
     "the API tokens: id, name, role, scope, prefix, created, expires, "
     "last used, expired"},
    {"token-create", ctl_token_create, " NAME",
     "a new operator token [--scope full|read-only|provisioning|metrics]\n"
     "                   [--expires ISO8601|30d|12h]; prints its secret "
     "this once"},
    {"token-revoke", ctl_token_revoke, " ID", "revoke a token at once"},
    {"token-rotate-admin", ctl_token_rotate_admin, "",
     "a new admin token in <data-dir>/admin.token, the old one ended"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: switchboard-ctl [options] COMMAND [ARGS]\n\n"
		   "The operator's command line of a running Switchboard, over "
		   "its API.\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		char head[40];

		re_snprintf(head, sizeof(head), "%s%s", cmds[i].name,
			    cmds[i].args);
		if (strlen(head) > 16)
			fprintf(f, "  %s\n  %-16s %s\n", head, "",
				cmds[i].help);
		else
			fprintf(f, "  %-16s %s\n", head, cmds[i].help);
	}
	fprintf(
	    f,
	    "\noptions:\n"
	    "  --url URL        the server (http://HOST:PORT); default: the "
	    "http\n"
	    "                   address of SWITCHBOARD_HTTP or the "
	    "configuration file,\n"
	    "                   else http://127.0.0.1:8080\n"
	    "  --token TOKEN    an operator's API token; default: "
	    "<data-dir>/admin.token\n"
	    "  --data-dir DIR   the server's data directory; default: "
	    "SWITCHBOARD_DATA_DIR,\n"
	    "                   the configuration file's data-dir, else var\n"
	    "  --config FILE    the server's configuration file; default: "
	    "SWITCHBOARD_CONFIG,\n"
	    "                   else " CONFIG_DEFAULT " if it exists\n"
	    "  --json           print the API's JSON answer as it is (for "
	    "scripts)\n"
	    "  --timeout S      seconds one request may take (10)\n"
	    "  --scope S, --expires T   token-create's\n"
	    "  --version, --help\n"
	    "\nexit codes:\n"
	    "  0  ok\n"
	    "  1  usage: unknown command, bad arguments\n"
	    "  2  server unreachable (no connection, no answer in time)\n"
	    "  3  auth refused: the server answered 401 or 403\n"
	    "  4  not found: the server answered 404 (no such call, block, "
	    "token)\n"
	    "  5  any other error (the message says which)\n");
}

/* The keys http and data-dir of the configuration file path (not there:
 * nothing; must: an error then). */
static int config_read(const char *path, bool must, char *http, size_t hsz,
		       char *ddir, size_t dsz)
{
	char line[4096];
	FILE *f = fopen(path, "r");

	if (!f) {
		if (!must)
			return 0;
		return ctl_err(CTL_USAGE, "--config: %s: %s", path,
			       strerror(errno));
	}
	while (fgets(line, sizeof(line), f)) {
		char *key, *val;

		if (config_line_split(line, &key, &val) != CONFIG_LINE_PAIR)
			continue;
		if (!strcmp(key, "http"))
			re_snprintf(http, hsz, "%s", val);
		else if (!strcmp(key, "data-dir"))
			re_snprintf(ddir, dsz, "%s", val);
	}
	fclose(f);
	return 0;
}

/* http://addr for a listen address; a wildcard on loopback. */
static void url_of(char *buf, size_t sz, const char *listen)
{
	const char *colon = strrchr(listen, ':');
	const char *port = colon ? colon + 1 : "8080";

	if (!strncmp(listen, "0.0.0.0:", 8))
		re_snprintf(buf, sz, "http://127.0.0.1:%s", port);
	else if (!strncmp(listen, "[::]:", 5))
		re_snprintf(buf, sz, "http://[::1]:%s", port);
	else
		re_snprintf(buf, sz, "http://%s", listen);
}

static int token_read(struct ctl *c)
{
	char path[300];
	FILE *f;

	re_snprintf(path, sizeof(path), "%s/admin.token", c->data_dir);
	f = fopen(path, "r");
	if (!f)
		return ctl_err(CTL_OTHER,
			       "no token: cannot read %s (%s); give --token "
			       "or --data-dir, or write one on the server's "
			       "machine: switchboard --admin-token-new",
			       path, strerror(errno));
	if (!fgets(c->token, sizeof(c->token), f))
		c->token[0] = '\0';
	fclose(f);
	re_snprintf(c->token, sizeof(c->token), "%s",
		    config_line_trim(c->token));
	if (!c->token[0])
		return ctl_err(CTL_OTHER, "no token: %s is empty", path);
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option lo[] = {
	    {"url", required_argument, NULL, 'u'},
	    {"token", required_argument, NULL, 't'},
	    {"data-dir", required_argument, NULL, 'd'},
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"scope", required_argument, NULL, 's'},
	    {"expires", required_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *url = NULL, *token = NULL, *ddir = NULL, *cfile = NULL;
	char http[256] = "127.0.0.1:8080", fdir[256] = "var";
	struct ctl c;
	const char *v;
	bool must = false;
	size_t i;
	int o, code;

	memset(&c, 0, sizeof(c));
	c.timeout_s = 10;
	while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		char *end;
		unsigned long t;

		switch (o) {
		case 'u':
			url = optarg;
			break;
		case 't':
			token = optarg;
			break;
		case 'd':
			ddir = optarg;
			break;
		case 'c':
			cfile = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 's':
			c.scope = optarg;
			break;
		case 'e':
			c.expires = optarg;
			break;
		case 'T':
			t = strtoul(optarg, &end, 10);
			if (!*optarg || *end || t < 1 || t > 3600)
				return ctl_err(CTL_USAGE,
					       "--timeout: 1 to 3600 seconds");
			c.timeout_s = (unsigned)t;
			break;
		case 'h':
			usage(stdout);
			return CTL_OK;
		case 'V':
			printf("switchboard-ctl %s\n", SWITCHBOARD_VERSION);
			return CTL_OK;
		default:
			usage(stderr);
			return CTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, argv[optind]))
			break;
	if (i == ARRAY_SIZE(cmds))
		return ctl_err(CTL_USAGE, "unknown command '%s' (--help)",
			       argv[optind]);
	if ((c.scope || c.expires) && cmds[i].h != ctl_token_create)
		return ctl_err(CTL_USAGE, "%s: only token-create takes %s",
			       argv[optind], c.scope ? "--scope" : "--expires");

	/* the server's own precedence: flag > variable > file > default */
	if (!cfile && (v = getenv("SWITCHBOARD_CONFIG")) != NULL)
		cfile = v;
	if (cfile)
		must = true;
	else
		cfile = CONFIG_DEFAULT;
	if (cfile[0]) {
		code = config_read(cfile, must, http, sizeof(http), fdir,
				   sizeof(fdir));
		if (code)
			return code;
	}
	if ((v = getenv("SWITCHBOARD_HTTP")) != NULL && v[0])
		re_snprintf(http, sizeof(http), "%s", v);
	if ((v = getenv("SWITCHBOARD_DATA_DIR")) != NULL && v[0])
		re_snprintf(fdir, sizeof(fdir), "%s", v);
	re_snprintf(c.data_dir, sizeof(c.data_dir), "%s", ddir ? ddir : fdir);
	if (url) {
		re_snprintf(c.url, sizeof(c.url), "%s", url);
		while (c.url[0] && c.url[strlen(c.url) - 1] == '/')
			c.url[strlen(c.url) - 1] = '\0';
	}
	else {
		url_of(c.url, sizeof(c.url), http);
	}
	if (token)
		re_snprintf(c.token, sizeof(c.token), "%s", token);
	else if ((code = token_read(&c)) != 0)
		return code;

	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return ctl_err(CTL_OTHER, "cannot start libcurl");
	code = cmds[i].h(&c, argc - optind, argv + optind);
	curl_global_cleanup();
	return code;
}
