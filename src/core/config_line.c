/*
 * config_line.c - one line of the configuration file (config_line.h).
 */
#include <string.h>
#include "core/config_line.h"

char *config_line_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = '\0';
	return s;
}

enum config_line_kind config_line_split(char *line, char **keyp, char **valp)
{
	char *eq, *val;
	size_t n;

	line = config_line_trim(line);
	if (!*line || *line == '#')
		return CONFIG_LINE_SKIP;
	eq = strchr(line, '=');
	if (!eq)
		return CONFIG_LINE_BAD;
	*eq = '\0';
	*keyp = config_line_trim(line);
	val = config_line_trim(eq + 1);
	n = strlen(val);
	if (n >= 2 && val[0] == '"' && val[n - 1] == '"') {
		val[n - 1] = '\0';
		val++;
	}
	*valp = val;
	return CONFIG_LINE_PAIR;
}
