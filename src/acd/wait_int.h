/*
 * wait_int.h - private to src/acd: what a caller hears while waiting in a
 * queue (wait.c), on the call-control seam only.  To be merged into
 * acd_int.h with estimate_int.h.
 *
 * The queue application answers the call, then hands the caller to a
 * waiting object until an agent takes the call (or the caller leaves):
 * the queue's greeting; at once, when nobody is free (seeds/004: "dann
 * sollte das direkt gesagt werden"), that all are busy and the choice to
 * keep waiting, leave a message or be called back keeping the place;
 * then position and expected wait, music on hold, and the announcement
 * again every announce_ms.  The waiting object asks the queue what to say
 * (acd_wait_info_h) right before each announcement, so the figures are
 * live; the queue tells it nothing else, and mem_deref() stops it.
 */
#ifndef SWITCHBOARD_ACD_WAIT_INT_H
#define SWITCHBOARD_ACD_WAIT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "core/core.h" /* struct phone_ctx */

struct call;
struct acd_wait;

struct acd_wait_prm {
	const char *lang;     /* "de", "en": the default prompt set's folder */
	const char *greeting; /* file under the prompts directory, or ""/NULL */
	uint32_t announce_ms; /* [ms] between announcements, 0: on entry only */
	bool say_position;    /* "Sie sind an Position drei."              */
	bool say_wait;        /* "Die voraussichtliche Wartezeit ..."       */
	bool offer_voicemail; /* all busy: 2 leaves a message               */
	bool offer_callback;  /* all busy, or while waiting: 3, a callback  */
	struct phone_ctx ctx; /* the tenant's: how a typed number is read   */
};

/* What the queue knows of this caller now. */
struct acd_wait_info {
	unsigned position; /* 1: next; 0: do not say one                  */
	uint64_t est_ms;   /* ACD_EST_UNKNOWN (estimate_int.h): say none   */
	bool all_busy;     /* no agent is free now                         */
	bool no_agents;    /* no agent serves the queue at all             */
};
typedef void(acd_wait_info_h)(struct acd_wait_info *info, void *arg);

enum acd_wait_choice {
	ACD_WAIT_VOICEMAIL = 1, /* 2: a message instead of waiting        */
	ACD_WAIT_CALLBACK,      /* 3: called back at number, place kept   */
};
/* The caller chose to leave the line: number is the callback's (E.164,
 * confirmed by the caller) for ACD_WAIT_CALLBACK, else "".  The waiting
 * object has stopped (nothing plays); the queue acts and frees it. */
typedef void(acd_wait_choice_h)(enum acd_wait_choice choice, const char *number,
				void *arg);

/*
 * Start the waiting of an answered call.  EINVAL without call, prm, lang
 * or handlers; ENOTCONN when the call is not answered.  The call must
 * outlive the object (the queue frees it from its end handler).
 */
int acd_wait_start(struct acd_wait **wp, struct call *call,
		   const struct acd_wait_prm *prm, acd_wait_info_h *infoh,
		   acd_wait_choice_h *choiceh, void *arg);

/* Hold the announcements (an agent's phone rings for this caller: no
 * prompt may start into the bridge); music plays on.  false: they
 * resume, the next one at once. */
void acd_wait_quiet(struct acd_wait *w, bool quiet);

#endif
