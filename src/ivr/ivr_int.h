/*
 * ivr_int.h - private to src/ivr: what the voice menu (ivr.c) and the
 * digit input (collect.c) share.
 */
#ifndef SWITCHBOARD_IVR_INT_H
#define SWITCHBOARD_IVR_INT_H

#include <stdint.h>

struct call;
struct route_target;
struct store_target_ref;

/*
 * Send call on to ref, a target of tenant_id (a menu's key or fallback, a
 * digit input's target or fallback): route/'s answer for it (schedules
 * followed), presented with the caller ID of origin, the target the
 * application was started for; what and id name the application in the
 * log.  A target that leads nowhere ends the call with route/'s status,
 * a failure with 500.  The application's data is freed (re-routed or
 * ended): the caller touches nothing afterwards.
 */
void ivr_go(struct call *call, const struct route_target *origin,
	    int64_t tenant_id, const struct store_target_ref *ref,
	    const char *what, int64_t id);

#endif
