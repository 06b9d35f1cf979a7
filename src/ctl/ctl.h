/*
 * ctl.h - switchboard-ctl, the operator's command line (issue 20).  It
 * talks to a running server over the API only (libcurl for HTTP,
 * libre's JSON decoder for the answers), with the operator's token of
 * the data directory.  main.c reads the options and the configuration
 * and runs one subcommand of its table; http.c makes the requests;
 * table.c prints human tables; show.c and act.c are the subcommands,
 * backup.c the backup into one archive file (libarchive), tokens.c the
 * API tokens.
 *
 * Exit codes, for scripts (also in --help and the README): enum ctl_exit.
 */
#ifndef SWITCHBOARD_CTL_H
#define SWITCHBOARD_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <re.h>
#include "core/version.h"

enum ctl_exit {
	CTL_OK = 0,
	CTL_USAGE = 1,       /* bad command line                       */
	CTL_UNREACHABLE = 2, /* no connection, or no HTTP answer        */
	CTL_AUTH = 3,        /* the server refused the token: 401/403   */
	CTL_NOT_FOUND = 4,   /* 404: no such call, block, backup        */
	CTL_OTHER = 5,       /* any other error                         */
};

struct ctl {
	char url[300];       /* http://host:port, no slash at the end */
	char token[256];     /* the bearer token                      */
	char data_dir[256];  /* where admin.token and backups/ are    */
	bool json;           /* --json: the API's answer as it is     */
	unsigned timeout_s;  /* one request at most                   */
	const char *scope;   /* token-create --scope, or NULL         */
	const char *expires; /* token-create --expires, or NULL       */
};

/* An answer of the API. */
struct ctl_resp {
	long status;       /* HTTP status                          */
	struct mbuf *body; /* its bytes (owned), NUL-terminated     */
	struct odict *o;   /* its JSON, or NULL if none (owned)     */
};

/*
 * METHOD path (under the server's URL) with the JSON body (NULL: none)
 * into *r.  Returns CTL_OK for a 2xx answer; otherwise the exit code of
 * the failure, its message printed to stderr (the API's "error" text).
 * Free r with ctl_resp_reset().
 */
int ctl_request(const struct ctl *c, const char *method, const char *path,
		const char *body, struct ctl_resp *r);
void ctl_resp_reset(struct ctl_resp *r);
/* The answer's bytes to stdout (--json), with a newline. */
void ctl_print_raw(const struct ctl_resp *r);
/* Is s a positive decimal id (at most 18 digits)? */
bool ctl_id_ok(const char *s);
/* An error of ours: "switchboard-ctl: ..." to stderr; returns code. */
int ctl_err(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- reading answers (show.c) ---------------------------------------- */

/* The string of key ("" if absent or not a string). */
const char *ctl_str(const struct odict *o, const char *key);
/* The integer of key (0 if absent or not a number). */
int64_t ctl_int(const struct odict *o, const char *key);
/* "H:MM:SS", with "Nd " in front from a day on. */
void ctl_duration(char *buf, size_t sz, int64_t s);

/* ---- tables (table.c) ------------------------------------------------- */

enum { CTL_COLS_MAX = 12 }; /* columns of a table at the most */

struct ctl_table;
/* A table of ncol columns with the headers of the varargs. */
int ctl_table_alloc(struct ctl_table **tp, size_t ncol, ...);
/* One row: ncol strings (NULL is empty). */
int ctl_table_row(struct ctl_table *t, ...);
/* Columns left-aligned, two spaces apart, no trailing blanks. */
void ctl_table_print(const struct ctl_table *t, FILE *f);

/* The rows of one object of a list into t: 0 or ENOMEM. */
typedef int(ctl_list_row_h)(struct ctl_table *t, const struct odict *item,
			    void *arg);
/* Before the rows of a list that is not empty: a ctl exit code. */
typedef int(ctl_list_prep_h)(const struct ctl *c, void *arg);

/* A list subcommand: what it asks for and how it prints it. */
struct ctl_list {
	const char *path;               /* GET it (an array)             */
	const char *none;               /* printed for an empty list     */
	size_t ncol;                    /* columns, <= CTL_COLS_MAX      */
	const char *hdrv[CTL_COLS_MAX]; /* their headers                */
	ctl_list_prep_h *preph;         /* NULL, or before the rows      */
	ctl_list_row_h *rowh;           /* each object's rows            */
};

/*
 * Run list subcommand l (argv[0] its name, it takes no arguments): GET
 * l->path; with --json print the answer as it is; an empty list prints
 * l->none; else a table of l's headers with l->rowh's rows of every
 * object of the list.  Returns the exit code.
 */
int ctl_list(const struct ctl *c, int argc, char *argv[],
	     const struct ctl_list *l, void *arg);

/* ---- subcommands (show.c, act.c, backup.c, tokens.c) ------------------ */

/* argv[0] is the subcommand's name; a usage error returns CTL_USAGE. */
typedef int(ctl_cmd_h)(const struct ctl *c, int argc, char *argv[]);
int ctl_status(const struct ctl *c, int argc, char *argv[]);
int ctl_registrations(const struct ctl *c, int argc, char *argv[]);
int ctl_calls(const struct ctl *c, int argc, char *argv[]);
int ctl_blocks(const struct ctl *c, int argc, char *argv[]);
int ctl_hangup(const struct ctl *c, int argc, char *argv[]);
int ctl_unblock(const struct ctl *c, int argc, char *argv[]);
int ctl_reload(const struct ctl *c, int argc, char *argv[]);
int ctl_backup(const struct ctl *c, int argc, char *argv[]);
int ctl_tokens(const struct ctl *c, int argc, char *argv[]);
int ctl_token_create(const struct ctl *c, int argc, char *argv[]);
int ctl_token_revoke(const struct ctl *c, int argc, char *argv[]);
int ctl_token_rotate_admin(const struct ctl *c, int argc, char *argv[]);

#endif
