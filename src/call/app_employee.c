/*
 * app_employee.c - ring an employee: 180 to the caller, every reachable
 * registered device of the employee at once (parallel fork) for the ring
 * timeout; the first that answers is bridged, otherwise the caller gets
 * the best final answer (app_dial_done), or 480 when no device can be
 * reached at all.
 */
#include <re.h>
#include "core/core.h"
#include "call/call_int.h"

int app_employee_start(struct call *call, const struct route_target *t)
{
	struct call_dest dest = {
	    .kind = CALL_DEST_EMPLOYEE,
	    .id = t->id,
	    .timeout = call_config(call)->ring_timeout,
	};

	return app_ring_dial(call, &dest, t, 480, "Temporarily Unavailable",
			     STORE_DISP_UNAVAILABLE);
}
