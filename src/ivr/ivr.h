/*
 * ivr.h - voice menus: the application a number (or a schedule, or a
 * key of another menu) starts with target kind ROUTE_IVR.  It answers,
 * plays the menu's greeting, waits for one key and sends the call where
 * that key says (call_reroute); no key or a wrong one: a short prompt and
 * the greeting again, up to the menu's retries, then its fallback target
 * (none: goodbye and hang up).  The menus are the store's
 * (store_ivr_menu); the prompts are files under the prompts directory,
 * the default ones in the tenant's language (data/prompts.tsv).  The
 * digit input (ROUTE_COLLECT, collect.c) is the other application here.
 */
#ifndef SWITCHBOARD_IVR_H
#define SWITCHBOARD_IVR_H

#include "call/call.h"

struct route_target;

/* The row of call/apps.c: take over call for menu t->id. */
int ivr_start(struct call *call, const struct route_target *t);

/* The row of call/apps.c for ROUTE_COLLECT (collect.c): digit input t->id
 * asks the caller for a number (store_digit_input), attaches it to the
 * call under its label (call_var_set) and re-routes to its target. */
int ivr_collect_start(struct call *call, const struct route_target *t);

/* Read digits back to the caller in lang ("de", "en") from the default
 * prompt set, as the digit input does: "Sie haben eingegeben:", one file
 * per digit (at most STORE_INPUT_DIGITS + 1), "Wenn das richtig ist,
 * drücken Sie die Eins. ... die Zwei."; interruptible, h as call_play()'s.
 * Other applications (a queue's callback number) use it too. */
int ivr_read_back(struct call *call, const char *lang, const char *digits,
		  call_play_h *h, void *arg);

#endif
