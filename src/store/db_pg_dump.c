/*
 * db_pg_dump.c - the online backup of a store on PostgreSQL (issue 21):
 * Debian's pg_dump (postgresql-client) as a child process, custom format
 * (-Fc, for pg_restore), into a new file.  pg_dump reads the database in
 * one transaction of its own (a snapshot), so the dump is consistent
 * while the nodes go on writing.
 *
 * The connection: what the store's own connection uses (PQconninfo():
 * the --db URL's parameters, the driver's time bounds of db_pg.c, and
 * what libpq took from its environment).  Each parameter with an
 * environment variable (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,
 * PGSSLMODE, ...) goes to the child in its environment; the few without
 * one (keepalives_*, tcp_user_timeout) in a connection string of -d, which
 * never holds a secret (a secret without a variable, sslpassword, is left
 * out with a warning).  So no password is on a command line (ps) or in a
 * log line.  -w: pg_dump never asks for a password.
 *
 * The child is started with posix_spawnp() (stdin and stdout /dev/null,
 * its stderr a pipe, every other descriptor closed, the default signal
 * dispositions); pg_dump_poll() never waits: it reads what stderr holds
 * (the first line kept: the reason of a failure) and asks waitpid()
 * with WNOHANG.  Freed while it runs, the child is ended (SIGTERM) and
 * reaped.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libpq-fe.h>
#include <re.h>
#include "core/core.h"
#include "store/db_pg_int.h"
#include "store/pg_dump_int.h"

extern char **environ;

enum {
	REASONSZ = 192,
	ENVMAX = 64, /* our variables at most (libpq has ~40 parameters) */
};

struct pg_dump {
	pid_t pid;             /* the child, 0 once reaped             */
	int errfd;             /* its stderr's read end, or -1         */
	bool line_done;        /* the first line is complete           */
	char path[512];        /* the dump file                        */
	char reason[REASONSZ]; /* why it failed ("" otherwise)         */
	char line[REASONSZ];   /* the first line of its stderr         */
	size_t linelen;
};

static void destructor(void *arg)
{
	struct pg_dump *pd = arg;
	int status;

	if (pd->pid > 0) {
		(void)kill(pd->pid, SIGTERM);
		(void)waitpid(pd->pid, &status, 0);
	}
	if (pd->errfd >= 0)
		close(pd->errfd);
}

/* The environment of the child: ours without the variables we set, then
 * those (NAME=value, in own; env_free() wipes and frees them). */
struct spawn_env {
	char *own[ENVMAX]; /* NAME=value of the connection (owned) */
	size_t ownc;
	char **envp; /* (owned) what the child gets */
};

static void env_free(struct spawn_env *e)
{
	size_t i;

	for (i = 0; i < e->ownc; i++) {
		if (e->own[i]) { /* the password too: wiped before free */
			memset(e->own[i], 0, strlen(e->own[i]));
			free(e->own[i]);
		}
	}
	free(e->envp);
}

static bool env_ours(const struct spawn_env *e, const char *var)
{
	const char *eq = strchr(var, '=');
	size_t i, n = eq ? (size_t)(eq - var) : strlen(var);

	for (i = 0; i < e->ownc; i++) {
		if (!strncmp(e->own[i], var, n) && e->own[i][n] == '=')
			return true;
	}
	return false;
}

/* Append key='val' (quoted as libpq reads it) to the conninfo in mb. */
static int conninfo_add(struct mbuf *mb, const char *key, const char *val)
{
	int err = mbuf_printf(mb, "%s%s='", mb->end ? " " : "", key);
	const char *p;

	for (p = val; *p && !err; p++) {
		if (*p == '\'' || *p == '\\')
			err = mbuf_write_u8(mb, '\\');
		if (!err)
			err = mbuf_write_u8(mb, (uint8_t)*p);
	}
	return err ? err : mbuf_write_u8(mb, '\'');
}

/* The connection's parameters: to e (with a variable) or mb (without). */
static int conn_split(PGconn *conn, struct spawn_env *e, struct mbuf *mb)
{
	PQconninfoOption *opts = PQconninfo(conn), *o;
	size_t envc = 0, i, sz;
	int err = 0;

	if (!opts)
		return ENOMEM;
	for (o = opts; o->keyword && !err; o++) {
		if (!o->val || !o->val[0] ||
		    (o->dispchar && o->dispchar[0] == 'D'))
			continue;
		if (o->envvar) {
			if (e->ownc >= ENVMAX) {
				err = E2BIG;
				break;
			}
			sz = strlen(o->envvar) + strlen(o->val) + 2;
			e->own[e->ownc] = malloc(sz);
			if (!e->own[e->ownc]) {
				err = ENOMEM;
				break;
			}
			(void)snprintf(e->own[e->ownc], sz, "%s=%s", o->envvar,
				       o->val);
			e->ownc++;
		}
		else if (o->dispchar && o->dispchar[0] == '*') {
			warning("store: backup: the connection parameter %s "
				"cannot be given to pg_dump (no environment "
				"variable); left out\n",
				o->keyword);
		}
		else {
			err = conninfo_add(mb, o->keyword, o->val);
		}
	}
	for (o = opts; o->keyword; o++) { /* the password not kept around */
		if (o->val && o->dispchar && o->dispchar[0] == '*')
			memset(o->val, 0, strlen(o->val));
	}
	PQconninfoFree(opts);
	if (err)
		return err;

	while (environ && environ[envc])
		envc++;
	e->envp = calloc(envc + e->ownc + 1, sizeof(*e->envp));
	if (!e->envp)
		return ENOMEM;
	envc = 0;
	for (i = 0; environ && environ[i]; i++) {
		if (!env_ours(e, environ[i]))
			e->envp[envc++] = environ[i];
	}
	for (i = 0; i < e->ownc; i++)
		e->envp[envc++] = e->own[i];
	return 0;
}

static int spawn(struct pg_dump *pd, struct spawn_env *e, const char *dbarg,
		 int wfd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t none, defs;
	char *argv[9];
	int n = 0, err;

	argv[n++] = "pg_dump";
	argv[n++] = "-Fc";
	argv[n++] = "-w";
	argv[n++] = "-f";
	argv[n++] = pd->path;
	if (dbarg && dbarg[0]) {
		argv[n++] = "-d";
		argv[n++] = (char *)dbarg;
	}
	argv[n] = NULL;

	err = posix_spawn_file_actions_init(&fa);
	if (err)
		return err;
	err = posix_spawnattr_init(&sa);
	if (err) {
		posix_spawn_file_actions_destroy(&fa);
		return err;
	}
	sigemptyset(&none);
	sigemptyset(&defs);
	sigaddset(&defs, SIGPIPE);
	sigaddset(&defs, SIGINT);
	sigaddset(&defs, SIGTERM);
	sigaddset(&defs, SIGHUP);
	sigaddset(&defs, SIGCHLD);
	err =
	    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	err |=
	    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	err |= posix_spawn_file_actions_adddup2(&fa, wfd, 2);
	err |= posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	err |= posix_spawnattr_setsigmask(&sa, &none);
	err |= posix_spawnattr_setsigdefault(&sa, &defs);
	err |= posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGMASK |
						 POSIX_SPAWN_SETSIGDEF);
	if (!err)
		err =
		    posix_spawnp(&pd->pid, "pg_dump", &fa, &sa, argv, e->envp);
	else
		err = EINVAL;
	posix_spawnattr_destroy(&sa);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		pd->pid = 0;
	return err;
}

int pg_dump_start(struct pg_dump **pdp, struct db *db, const char *path)
{
	struct spawn_env env;
	struct pg_dump *pd;
	struct mbuf *mb = NULL;
	char *dbarg = NULL;
	int pfd[2], err;

	if (!pdp || !db || !db_is_pg(db) || !str_isset(path))
		return EINVAL;
	if (!access(path, F_OK))
		return EEXIST;
	pd = mem_zalloc(sizeof(*pd), destructor);
	if (!pd)
		return ENOMEM;
	pd->errfd = -1;
	str_copy(pd->path, path, sizeof(pd->path));
	memset(&env, 0, sizeof(env));
	mb = mbuf_alloc(256);
	if (!mb) {
		err = ENOMEM;
		goto out;
	}
	err = conn_split(db_pg(db)->conn, &env, mb);
	if (!err && mb->end) {
		mbuf_set_pos(mb, 0);
		err = mbuf_strdup(mb, &dbarg, mb->end);
	}
	if (err)
		goto out;
	if (pipe2(pfd, O_CLOEXEC)) {
		err = errno;
		goto out;
	}
	err = spawn(pd, &env, dbarg, pfd[1]);
	close(pfd[1]);
	pd->errfd = pfd[0];
	if (err) {
		warning("store: backup: cannot start pg_dump: %m\n", err);
		goto out;
	}
	if (fcntl(pd->errfd, F_SETFL, O_NONBLOCK))
		warning("store: backup: pg_dump's stderr: %m\n", errno);
	info("store: backup: pg_dump (pid %d) into %s\n", (int)pd->pid, path);

out:
	env_free(&env);
	mem_deref(dbarg);
	mem_deref(mb);
	if (err)
		mem_deref(pd);
	else
		*pdp = pd;
	return err;
}

/* Keep the first line of what stderr holds now; the rest is read and
 * dropped (its lines go to the log at debug). */
static void stderr_read(struct pg_dump *pd)
{
	char buf[1024];
	ssize_t n, i;

	while (pd->errfd >= 0 && (n = read(pd->errfd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n && !pd->line_done; i++) {
			if (buf[i] == '\n')
				pd->line_done = true;
			else if (pd->linelen + 1 < sizeof(pd->line))
				pd->line[pd->linelen++] = buf[i];
		}
		debug("store: backup: pg_dump: %b", buf, (size_t)n);
	}
	pd->line[pd->linelen] = '\0';
}

int pg_dump_poll(struct pg_dump *pd, bool *done)
{
	struct stat sb;
	int status;
	pid_t r;

	if (!pd || !done)
		return EINVAL;
	*done = false;
	if (!pd->pid)
		return pd->reason[0] ? EIO : 0;
	stderr_read(pd);
	r = waitpid(pd->pid, &status, WNOHANG);
	if (r == 0)
		return EAGAIN;
	pd->pid = 0;
	stderr_read(pd); /* what it wrote last */
	if (r < 0)
		re_snprintf(pd->reason, sizeof(pd->reason),
			    "pg_dump: lost (%m)", errno);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (stat(pd->path, &sb) || !S_ISREG(sb.st_mode))
			re_snprintf(pd->reason, sizeof(pd->reason),
				    "pg_dump wrote no %s", pd->path);
	}
	else if (pd->line[0])
		str_copy(pd->reason, pd->line, sizeof(pd->reason));
	else if (WIFEXITED(status))
		re_snprintf(pd->reason, sizeof(pd->reason),
			    "pg_dump exited with status %d",
			    WEXITSTATUS(status));
	else
		re_snprintf(pd->reason, sizeof(pd->reason),
			    "pg_dump was killed by signal %d",
			    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	if (pd->reason[0]) {
		warning("store: backup: %s\n", pd->reason);
		return EIO;
	}
	*done = true;
	return 0;
}

const char *pg_dump_reason(const struct pg_dump *pd)
{
	return pd ? pd->reason : "";
}
