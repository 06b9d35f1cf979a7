/*
 * click.c - click to call: an application of calls we place (call.h,
 * call_originate).  The employee's phones ring first; when he answers,
 * the call is routed where the number leads from his phone, as if he had
 * dialled it (call_reroute: the trunk, a colleague, a menu), and he hears
 * the ringback tone until the callee answers.  If the callee fails, the
 * call ends with its status (app_dial_done of the application that rang).
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "route/route.h"
#include "call/call_int.h"

static void click_answered(struct call *call, uint16_t scode,
			   const char *reason, bool timed_out, void *arg)
{
	struct route_target t;

	(void)reason;
	(void)timed_out;
	(void)arg;
	if (scode != 200 || !call_app_data(call))
		return; /* the employee did not answer: the call has ended */
	/* a copy: the re-route frees the call's application data */
	memcpy(&t, call_app_data(call), sizeof(t));
	(void)call_reroute(call, &t);
}

int call_click(struct call_ctx *ctx, int64_t employee_id,
	       const struct route_result *r, int64_t *record_idp)
{
	struct call_originate_prm prm;
	struct route_target *t;
	struct call_dest dest;
	struct call *call = NULL;
	char leg[32];
	int err;

	if (!ctx || employee_id <= 0 || !r || r->target.kind == ROUTE_REJECT)
		return EINVAL;
	t = mem_zalloc(sizeof(*t), NULL);
	if (!t)
		return ENOMEM;
	*t = r->target;
	memset(&dest, 0, sizeof(dest));
	dest.kind = CALL_DEST_EMPLOYEE;
	dest.id = employee_id;
	dest.timeout = ctx->cfg->ring_timeout;
	re_snprintf(leg, sizeof(leg), "employee:%lld", (long long)employee_id);
	memset(&prm, 0, sizeof(prm));
	prm.dest = &dest;
	prm.cid = r->dialled; /* his phone shows whom he calls */
	prm.cname = "";
	prm.tenant_id = r->tenant_id;
	prm.direction = r->direction;
	prm.from = r->from_number;
	prm.to = r->dialled;
	prm.leg = leg;
	err = call_originate(ctx, &prm, click_answered, NULL, &call);
	if (err) {
		mem_deref(t);
		return err;
	}
	call_app_data_set(call, t);
	if (record_idp)
		*record_idp = call_record_id(call);
	return 0;
}
