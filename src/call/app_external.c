/*
 * app_external.c - out through the trunk: 180 to the caller, one INVITE
 * to the number at the tenant's trunk (route/ chose it) for the ring
 * timeout (the external target's own, else the node's), bridged when
 * answered; the carrier's final answer otherwise
 * (app_dial_done), or 503 when the INVITE cannot be sent.
 */
#include <re.h>
#include "core/core.h"
#include "call/call_int.h"

int app_external_start(struct call *call, const struct route_target *t)
{
	struct call_dest dest = {
	    .kind = CALL_DEST_EXTERNAL,
	    .id = t->id,
	    .number = t->number,
	    .timeout =
		t->timeout ? t->timeout : call_config(call)->ring_timeout,
	};

	return app_ring_dial(call, &dest, t, 503, "Service Unavailable",
			     STORE_DISP_FAILED);
}
