/*
 * tenant.c - a client is deleted (the tenant's DELETE, or its deletion on
 * request carried out): its live calls end at once, not when their
 * parties hang up.  A call is the client's by its record's tenant (the
 * number or device it was routed by); a caller not yet answered gets
 * 480, an answered call BYE on every leg; the application's own state
 * (a queue's waiting caller, an agent's offer) goes with the call.
 */
#include <re.h>
#include "core/core.h"
#include "call/call_int.h"

/* The first live call of tenant_id, or NULL. */
static struct call *first_of(struct call_ctx *ctx, int64_t tenant_id)
{
	struct le *le;

	for (le = ctx->calls.head; le; le = le->next) {
		struct call *call = le->data;

		if (call->rec.tenant_id == tenant_id &&
		    call->state != CALL_DONE)
			return call;
	}
	return NULL;
}

unsigned call_ctx_hangup_tenant(struct call_ctx *ctx, int64_t tenant_id)
{
	unsigned n = 0, max;
	struct call *call;

	if (!ctx || tenant_id <= 0)
		return 0;
	/* hanging up one call may end others (a bridge, a consultation):
	 * look again from the head each time, at most once per call */
	max = list_count(&ctx->calls);
	while (n < max && (call = first_of(ctx, tenant_id))) {
		info("call: %s: tenant %lld deleted: hung up\n", call_id(call),
		     (long long)tenant_id);
		call_hangup(call, 480, "Temporarily Unavailable",
			    STORE_DISP_FAILED, STORE_PARTY_SYSTEM);
		n++;
	}
	return n;
}
