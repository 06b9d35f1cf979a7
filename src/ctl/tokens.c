/*
 * tokens.c - the API tokens from the command line (issue 20):
 *
 *   tokens                   the list (GET /api/v1/tokens): id, name, role,
 *                            scope, prefix, created, expires, last used,
 *                            expired yes/no
 *   token-create NAME [--scope S] [--expires ISO8601|30d|12h]
 *                            a new operator token (POST /api/v1/tokens);
 *                            its secret is printed this once
 *   token-revoke ID          DELETE /api/v1/tokens/:id
 *   token-rotate-admin       POST /api/v1/tokens/rotate-admin: the server
 *                            writes the new admin token to its
 *                            <data-dir>/admin.token; if the file the ctl
 *                            reads (its --data-dir) does not hold it then
 *                            (another machine, another path), the ctl
 *                            writes it there the same way (a temporary
 *                            file of mode 0600 renamed over the old one),
 *                            and checks that the new token is taken
 *                            (GET /api/v1/status with it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ctl/ctl.h"

enum { SECRET_MAX = 256 };

static const char *or_dash(const char *s, const char *def)
{
	return s && s[0] ? s : def;
}

static bool bool_of(const struct odict *o, const char *key)
{
	const struct odict_entry *e = o ? odict_lookup(o, key) : NULL;

	return e && e->type == ODICT_BOOL && e->u.boolean;
}

static int token_row(struct ctl_table *t, const struct odict *k, void *arg)
{
	char id[24];

	re_snprintf(id, sizeof(id), "%lld", (long long)ctl_int(k, "id"));
	return ctl_table_row(t, id, ctl_str(k, "name"), ctl_str(k, "role"),
			     ctl_str(k, "scope"), ctl_str(k, "prefix"),
			     ctl_str(k, "created_at"),
			     or_dash(ctl_str(k, "expires_at"), "never"),
			     or_dash(ctl_str(k, "last_used_at"), "never"),
			     bool_of(k, "expired") ? "yes" : "no");
}

int ctl_tokens(const struct ctl *c, int argc, char *argv[])
{
	static const struct ctl_list l = {"/api/v1/tokens",
					  "no tokens",
					  9,
					  {"ID", "NAME", "ROLE", "SCOPE",
					   "PREFIX", "CREATED", "EXPIRES",
					   "LAST USED", "EXPIRED"},
					  NULL,
					  token_row};

	return ctl_list(c, argc, argv, &l, NULL);
}

/* --expires: "30d" / "12h" from now, or an ISO-8601 time as it is (the
 * server checks it), into buf; CTL_USAGE if it is neither. */
static int expires_of(char *buf, size_t sz, const char *s)
{
	size_t n = strlen(s), i;
	unsigned long v;
	struct tm tm;
	time_t at;

	if (n >= 2 && n <= 6 && (s[n - 1] == 'd' || s[n - 1] == 'h')) {
		for (i = 0; i + 1 < n; i++)
			if (s[i] < '0' || s[i] > '9')
				goto bad;
		v = strtoul(s, NULL, 10);
		if (!v || v > 36500)
			goto bad;
		at = time(NULL) + (time_t)v * (s[n - 1] == 'd' ? 86400 : 3600);
		if (!gmtime_r(&at, &tm) ||
		    !strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", &tm))
			goto bad;
		return 0;
	}
	if (n >= 10 && n < sz && s[0] >= '0' && s[0] <= '9' && s[4] == '-') {
		re_snprintf(buf, sz, "%s", s);
		return 0;
	}
bad:
	return ctl_err(CTL_USAGE,
		       "--expires: '%s' is not a time: an ISO-8601 UTC time "
		       "(2027-01-31T00:00:00Z), or days or hours from now "
		       "(30d, 12h)",
		       s);
}

int ctl_token_create(const struct ctl *c, int argc, char *argv[])
{
	struct odict *o = NULL;
	struct mbuf *mb = NULL;
	struct ctl_resp r;
	char exp[64] = "";
	int code, err;

	memset(&r, 0, sizeof(r));
	if (argc != 2 || !argv[1][0])
		return ctl_err(CTL_USAGE, "token-create: usage: token-create "
					  "NAME [--scope S] [--expires "
					  "ISO8601|30d]");
	if (c->expires && (code = expires_of(exp, sizeof(exp), c->expires)))
		return code;

	/* the body through libre's encoder: the name as the user typed it */
	mb = mbuf_alloc(256);
	err = mb ? odict_alloc(&o, 8) : ENOMEM;
	err |= odict_entry_add(o, "role", ODICT_STRING, "operator");
	err |= odict_entry_add(o, "name", ODICT_STRING, argv[1]);
	if (c->scope)
		err |= odict_entry_add(o, "scope", ODICT_STRING, c->scope);
	if (exp[0])
		err |= odict_entry_add(o, "expires_at", ODICT_STRING, exp);
	if (!err)
		err = mbuf_printf(mb, "%H", json_encode_odict, o);
	if (!err)
		err = mbuf_write_u8(mb, 0);
	if (err) {
		code = ctl_err(CTL_OTHER, "out of memory");
		goto out;
	}
	code =
	    ctl_request(c, "POST", "/api/v1/tokens", (const char *)mb->buf, &r);
	if (code)
		goto out;
	if (c->json) {
		ctl_print_raw(&r);
		goto out;
	}
	printf("token %lld \"%s\": role operator, scope %s, expires %s; its "
	       "secret, shown this once:\n%s\n",
	       (long long)ctl_int(r.o, "id"), ctl_str(r.o, "name"),
	       ctl_str(r.o, "scope"),
	       or_dash(ctl_str(r.o, "expires_at"), "never"),
	       ctl_str(r.o, "token"));
out:
	ctl_resp_reset(&r);
	mem_deref(o);
	mem_deref(mb);
	return code;
}

int ctl_token_revoke(const struct ctl *c, int argc, char *argv[])
{
	struct ctl_resp r;
	char path[64];
	int code;

	if (argc != 2)
		return ctl_err(CTL_USAGE, "token-revoke: usage: token-revoke "
					  "ID (as `tokens` shows it)");
	if (!ctl_id_ok(argv[1]))
		return ctl_err(CTL_USAGE,
			       "token-revoke: '%s' is not a token id (a "
			       "positive number, as `tokens` shows)",
			       argv[1]);
	re_snprintf(path, sizeof(path), "/api/v1/tokens/%s", argv[1]);
	code = ctl_request(c, "DELETE", path, NULL, &r);
	if (code == CTL_OK) {
		if (c->json)
			ctl_print_raw(&r);
		else
			printf("token %s revoked\n", argv[1]);
	}
	ctl_resp_reset(&r);
	return code;
}

/* Does the file path hold token (its first line)? */
static bool file_holds(const char *path, const char *token)
{
	char line[SECRET_MAX + 2];
	bool same = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		same = !strcmp(line, token);
	}
	fclose(f);
	memset(line, 0, sizeof(line));
	return same;
}

/* token and a newline into path, as the server writes it: a temporary
 * file of mode 0600 beside it, renamed over it (never half written, never
 * readable by others).  0 or an errno. */
static int file_write(const char *path, const char *token)
{
	char tmp[320];
	size_t n = strlen(token);
	int fd, err = 0;

	if (re_snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) < 0)
		return ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return errno;
	if (fchmod(fd, 0600) || write(fd, token, n) != (ssize_t)n ||
	    write(fd, "\n", 1) != 1 || fsync(fd))
		err = errno ? errno : EIO;
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err)
		(void)unlink(tmp);
	return err;
}

int ctl_token_rotate_admin(const struct ctl *c, int argc, char *argv[])
{
	struct ctl_resp r, s;
	char path[300], where[400];
	struct ctl nc;
	const char *tok;
	bool shown = false;
	int code, err;

	memset(&s, 0, sizeof(s));
	if (argc != 1)
		return ctl_err(CTL_USAGE, "%s: takes no arguments", argv[0]);
	code = ctl_request(c, "POST", "/api/v1/tokens/rotate-admin", "{}", &r);
	if (code)
		goto out;
	tok = ctl_str(r.o, "token");
	if (!tok[0] || strlen(tok) >= sizeof(nc.token)) {
		code = ctl_err(CTL_OTHER, "rotate-admin: no new token in the "
					  "answer");
		goto out;
	}

	/* the file the next switchboard-ctl reads */
	re_snprintf(path, sizeof(path), "%s/admin.token", c->data_dir);
	if (file_holds(path, tok)) {
		re_snprintf(where, sizeof(where), "in %s (the server's)", path);
	}
	else if ((err = file_write(path, tok)) == 0) {
		re_snprintf(where, sizeof(where), "written to %s", path);
	}
	else {
		/* the server has it in its own data directory; say so, and
		 * give it here once so that it is not lost */
		ctl_err(CTL_OK,
			"the new admin token is not in %s (%s); it is in the "
			"server's data directory",
			path, strerror(err));
		re_snprintf(where, sizeof(where), "not written here");
		shown = true;
	}

	/* from now on the new one: it must work */
	nc = *c;
	re_snprintf(nc.token, sizeof(nc.token), "%s", tok);
	code = ctl_request(&nc, "GET", "/api/v1/status", NULL, &s);
	if (code) {
		ctl_err(code, "the new admin token does not work");
		goto out;
	}
	if (c->json)
		ctl_print_raw(&r);
	else
		printf("admin token rotated: token %lld (%s...) %s, token "
		       "%lld ended\n",
		       (long long)ctl_int(r.o, "id"), ctl_str(r.o, "prefix"),
		       where, (long long)ctl_int(r.o, "ended_id"));
	if (shown && !c->json)
		printf("%s\n", tok);
out:
	ctl_resp_reset(&s);
	ctl_resp_reset(&r);
	return code;
}
