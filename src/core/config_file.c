/*
 * config_file.c - the configuration file: `key = value` lines, the keys
 * being the long flag names of --help.  Blank lines and lines starting
 * with '#' are skipped; '#' elsewhere is part of the value (URLs,
 * passwords).  Spaces around key and value are trimmed; a value in double
 * quotes is taken as it stands between them ("" is the empty string).
 * A key given twice is an error, as is an unknown key or a bad value:
 * "FILE:LINE: key 'x': reason".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/config_int.h"
#include "core/config_line.h"

enum { LINE_MAX_LEN = 4096 };

static int line_apply(struct config *cfg, struct config_src *src, unsigned no,
		      char *line)
{
	char why[300], *key = NULL, *val = NULL;
	const struct opt *o;
	size_t i;

	switch (config_line_split(line, &key, &val)) {
	case CONFIG_LINE_SKIP:
		return 0;
	case CONFIG_LINE_BAD:
		snprintf(src->err, sizeof(src->err),
			 "%s:%u: expected 'key = value'", src->file, no);
		return EINVAL;
	case CONFIG_LINE_PAIR:
		break;
	}
	o = config_opt_find(key);
	if (!o || !strcmp(key, "config")) {
		snprintf(src->err, sizeof(src->err), "%s:%u: key '%.64s': %s",
			 src->file, no, key,
			 o ? "not allowed in the file (it names the file)"
			   : "unknown key");
		return EINVAL;
	}
	i = (size_t)(o - config_optv);
	if (src->line[i]) {
		snprintf(src->err, sizeof(src->err),
			 "%s:%u: key '%s': already set on line %u", src->file,
			 no, key, src->line[i]);
		return EINVAL;
	}
	if (config_opt_set(cfg, o, val, true, why, sizeof(why))) {
		snprintf(src->err, sizeof(src->err), "%s:%u: key '%s': %s",
			 src->file, no, key, why);
		return EINVAL;
	}
	src->line[i] = no;
	return 0;
}

int config_file_read(struct config *cfg, struct config_src *src,
		     const char *path, bool must)
{
	char line[LINE_MAX_LEN + 2];
	unsigned no = 0;
	int err = 0;
	FILE *f;

	src->file[0] = '\0';
	if (!path || !*path)
		return 0;
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT && !must)
			return 0;
		snprintf(src->err, sizeof(src->err),
			 "switchboard: --config: cannot read %s: %s", path,
			 strerror(errno));
		return EINVAL;
	}
	str_copy(src->file, path, sizeof(src->file));
	while (!err && fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		no++;
		if (n > LINE_MAX_LEN && line[n - 1] != '\n') {
			snprintf(src->err, sizeof(src->err),
				 "%s:%u: line longer than %d bytes", src->file,
				 no, LINE_MAX_LEN);
			err = EINVAL;
			break;
		}
		err = line_apply(cfg, src, no, line);
	}
	if (!err && ferror(f)) {
		snprintf(src->err, sizeof(src->err),
			 "switchboard: --config: cannot read %s: %s", path,
			 strerror(errno));
		err = EINVAL;
	}
	fclose(f);
	return err;
}
