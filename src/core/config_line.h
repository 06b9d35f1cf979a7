/*
 * config_line.h - one line of the configuration file, as the server
 * (config_file.c) and switchboard-ctl (ctl/main.c, which reads two of
 * its keys) both read it: `key = value`, blank lines and lines starting
 * with '#' skipped, spaces around key and value trimmed, a value in
 * double quotes taken as it stands between them.  No dependencies: ctl
 * links this file alone of core/.
 */
#ifndef SWITCHBOARD_CONFIG_LINE_H
#define SWITCHBOARD_CONFIG_LINE_H

enum config_line_kind {
	CONFIG_LINE_SKIP = 0, /* blank or a comment                  */
	CONFIG_LINE_PAIR,     /* key = value                         */
	CONFIG_LINE_BAD,      /* text without '='                    */
};

/* s without leading blanks and trailing blanks and line ends (the end is
 * cut in place). */
char *config_line_trim(char *s);

/* Split line (changed in place); with CONFIG_LINE_PAIR *keyp and *valp
 * point into it. */
enum config_line_kind config_line_split(char *line, char **keyp, char **valp);

#endif
