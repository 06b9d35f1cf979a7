/*
 * version.h - the version of this build, shown by GET /api/v1/status and
 * by switchboard-ctl --version (which includes only this header of
 * core/).
 */
#ifndef SWITCHBOARD_VERSION_H
#define SWITCHBOARD_VERSION_H

#define SWITCHBOARD_VERSION "0.20.0"

#endif
