/*
 * config_int.h - shared inside core/ by config_opts.c (the option table
 * and the defaults), config.c (flags and variables, the checks, reload)
 * and config_file.c (the file).
 */
#ifndef SWITCHBOARD_CONFIG_INT_H
#define SWITCHBOARD_CONFIG_INT_H

#include "core/core.h"

enum opt_type { OPT_STR, OPT_U16, OPT_U32, OPT_BOOL, OPT_LOG };

/* what SIGHUP may change while running (read at each use, main thread) */
enum opt_when { OPT_RESTART = 0, OPT_LIVE };

struct opt {
	const char *flag; /* --flag, and the key in the file */
	const char *env;  /* SWITCHBOARD_x                   */
	enum opt_type type;
	size_t off; /* in struct config */
	size_t sz;  /* for OPT_STR      */
	enum opt_when when;
	bool secret; /* its value is never printed */
	const char *help;
};

/* the file read when --config and SWITCHBOARD_CONFIG are not given, if it
 * exists */
#define CONFIG_DEFAULT "/etc/switchboard/switchboard.conf"

/* every setting, in the order of --help (config_opts.c) */
extern const struct opt config_optv[];
extern const size_t config_optc;
/* cfg cleared and every setting at its default (config_opts.c) */
void config_defaults(struct config *cfg);

/* Where the settings came from, for the error texts: an option set by the
 * file (and by nothing later) is named "FILE:LINE: key 'x': ". */
struct config_src {
	char file[256];     /* the file read, "" = none     */
	unsigned line[128]; /* by option index; 0 = not set by the file */
	char err[768];      /* the first error, one line     */
};

/* The option called flag (the --flag without dashes), or NULL. */
const struct opt *config_opt_find(const char *flag);
/* Set one option from text.  strict: a boolean must say so (true, false,
 * yes, no, on, off, 1, 0), as in the file.  On error: EINVAL with the
 * reason ("invalid value 'x'") in why. */
int config_opt_set(struct config *cfg, const struct opt *o, const char *val,
		   bool strict, char *why, size_t wsz);
/* The option's value as the file would say it. */
void config_opt_print(const struct config *cfg, const struct opt *o, char *buf,
		      size_t sz);
/* Read the file into cfg.  must: its absence is an error too.  Returns 0
 * (also for an absent optional file: src->file stays ""), or EINVAL with
 * src->err set. */
int config_file_read(struct config *cfg, struct config_src *src,
		     const char *path, bool must);

#endif
