/*
 * admin_token.c - the operator token in <data-dir>/admin.token that
 * switchboard-ctl reads (issue 20; many nodes: issue 21).
 *
 * At the start (admin_token_ensure): a store without any token gets one,
 * named "admin", written to this node's data directory.  On many nodes
 * sharing one PostgreSQL only the node that started first finds the
 * store empty; another node finds tokens but no admin.token in its own
 * data directory, and says once at info how to get one:
 *
 *   switchboard --admin-token-new     (with the node's configuration)
 *
 * which opens the store, adds a new operator token named
 * "admin@<node-id>" and writes it to <data-dir>/admin.token (all or
 * nothing, mode 0600, a file there before is replaced), then exits
 * (admin_token_new).  Tokens made before stay valid (GET /api/v1/tokens
 * lists them; DELETE ends one).  It works without the API, like
 * --init-demo: on the node's machine, as the user the service runs as.
 * The plain token is never logged nor printed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "http/http.h"

/* A new operator token named name into <data-dir>/admin.token; its id in
 * *idp.  If the file cannot be written the token goes again. */
static int token_write(struct store *st, const struct config *cfg,
		       const char *name, int64_t *idp)
{
	char token[65], line[66], path[sizeof(cfg->data_dir) + 16];
	struct store_token t;
	int err;

	str_random_hex(token, 32);
	memset(&t, 0, sizeof(t));
	str_copy(t.role, "operator", sizeof(t.role));
	str_copy(t.name, name, sizeof(t.name));
	err = store_token_add(st, token, &t);
	if (err) {
		memset(token, 0, sizeof(token));
		warning("main: cannot add an admin token: %m\n", err);
		return err;
	}
	re_snprintf(path, sizeof(path), "%s/admin.token", cfg->data_dir);
	re_snprintf(line, sizeof(line), "%s\n", token);
	/* all or nothing, mode 0600 from its creation on */
	err = file_put_mode(path, line, strlen(line), 0600);
	memset(line, 0, sizeof(line));
	memset(token, 0, sizeof(token));
	if (err) {
		warning("main: cannot write %s: %m\n", path, err);
		(void)store_token_delete(st, t.id);
		return err;
	}
	*idp = t.id;
	return 0;
}

int admin_token_ensure(struct store *st, const struct config *cfg)
{
	char path[sizeof(cfg->data_dir) + 16];
	int64_t id = 0;
	int err;

	if (store_token_any(st)) {
		re_snprintf(path, sizeof(path), "%s/admin.token",
			    cfg->data_dir);
		if (access(path, F_OK))
			info("main: no %s on this node (the database has "
			     "tokens: another node made the first); "
			     "`switchboard --admin-token-new` with this "
			     "node's configuration writes one for "
			     "switchboard-ctl\n",
			     path);
		return 0;
	}
	err = token_write(st, cfg, "admin", &id);
	if (!err)
		info("main: new admin API token written to %s/admin.token\n",
		     cfg->data_dir);
	return err;
}

int admin_token_new(struct store *st, const struct config *cfg)
{
	char name[64];
	int64_t id = 0;
	int err;

	re_snprintf(name, sizeof(name), "admin@%s", cfg->node_id);
	err = token_write(st, cfg, name, &id);
	if (err)
		return err;
	info("main: new operator token %lld \"%s\" written to "
	     "%s/admin.token\n",
	     (long long)id, name, cfg->data_dir);
	return 0;
}
