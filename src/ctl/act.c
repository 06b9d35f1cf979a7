/*
 * act.c - the subcommands that change something: hangup ID (a live
 * call, POST /api/v1/calls/:id/hangup), unblock KEY (lift an auth block,
 * DELETE /api/v1/auth_blocks/:key) and reload (POST /api/v1/reload:
 * what SIGHUP does, and what changed or needs a restart).
 */
#include <string.h>
#include <curl/curl.h>
#include "ctl/ctl.h"

bool ctl_id_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n > 18 || s[0] == '0')
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int ctl_hangup(const struct ctl *c, int argc, char *argv[])
{
	struct ctl_resp r;
	char path[64];
	int code;

	if (argc != 2)
		return ctl_err(CTL_USAGE, "hangup: usage: hangup CALL-ID");
	if (!ctl_id_ok(argv[1]))
		return ctl_err(CTL_USAGE,
			       "hangup: '%s' is not a call id (a positive "
			       "number, as `calls` shows)",
			       argv[1]);
	re_snprintf(path, sizeof(path), "/api/v1/calls/%s/hangup", argv[1]);
	code = ctl_request(c, "POST", path, "{}", &r);
	if (code == CTL_OK) {
		if (c->json)
			ctl_print_raw(&r);
		else
			printf("call %s hung up\n", argv[1]);
	}
	ctl_resp_reset(&r);
	return code;
}

int ctl_unblock(const struct ctl *c, int argc, char *argv[])
{
	struct ctl_resp r;
	char path[512];
	char *key;
	int code;

	if (argc != 2 || !argv[1][0])
		return ctl_err(CTL_USAGE, "unblock: usage: unblock KEY (as "
					  "`blocks` shows it)");
	key = curl_easy_escape(NULL, argv[1], 0);
	if (!key)
		return ctl_err(CTL_OTHER, "out of memory");
	re_snprintf(path, sizeof(path), "/api/v1/auth_blocks/%s", key);
	curl_free(key);
	code = ctl_request(c, "DELETE", path, NULL, &r);
	if (code == CTL_OK) {
		if (c->json)
			ctl_print_raw(&r);
		else
			printf("unblocked %s\n", argv[1]);
	}
	ctl_resp_reset(&r);
	return code;
}

/* "applied: key = value" / "needs a restart: key" lines */
static void reload_print(const struct odict *o)
{
	const struct odict_entry *a = odict_lookup(o, "applied");
	const struct odict_entry *n = odict_lookup(o, "restart_needed");
	const char *file = ctl_str(o, "config_file");
	size_t na =
	    a && a->type == ODICT_ARRAY ? odict_count(a->u.odict, false) : 0;
	size_t nr =
	    n && n->type == ODICT_ARRAY ? odict_count(n->u.odict, false) : 0;
	struct le *le;

	printf("reloaded %s: %zu change%s applied, %zu need%s a restart\n",
	       file[0] ? file : "(no configuration file)", na,
	       na == 1 ? "" : "s", nr, nr == 1 ? "s" : "");
	for (le = na ? a->u.odict->lst.head : NULL; le; le = le->next) {
		const struct odict_entry *e = le->data;

		if (e->type == ODICT_OBJECT)
			printf("applied: %s = %s\n", ctl_str(e->u.odict, "key"),
			       ctl_str(e->u.odict, "value"));
	}
	for (le = nr ? n->u.odict->lst.head : NULL; le; le = le->next) {
		const struct odict_entry *e = le->data;

		if (e->type == ODICT_STRING)
			printf("needs a restart: %s\n", e->u.str);
	}
}

int ctl_reload(const struct ctl *c, int argc, char *argv[])
{
	struct ctl_resp r;
	int code;

	if (argc != 1)
		return ctl_err(CTL_USAGE, "reload: takes no arguments");
	code = ctl_request(c, "POST", "/api/v1/reload", "{}", &r);
	if (code == CTL_OK) {
		if (c->json)
			ctl_print_raw(&r);
		else if (r.o)
			reload_print(r.o);
	}
	ctl_resp_reset(&r);
	return code;
}
