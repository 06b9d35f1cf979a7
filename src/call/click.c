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

static int click(struct call_ctx *ctx, const struct call_dest *first,
		 const char *legname, const struct route_result *r,
		 int64_t *record_idp);

int call_click(struct call_ctx *ctx, int64_t employee_id,
	       const struct route_result *r, int64_t *record_idp)
{
	struct call_dest dest;
	char leg[32];

	if (!ctx || employee_id <= 0)
		return EINVAL;
	memset(&dest, 0, sizeof(dest));
	dest.kind = CALL_DEST_EMPLOYEE;
	dest.id = employee_id;
	re_snprintf(leg, sizeof(leg), "employee:%lld", (long long)employee_id);
	return click(ctx, &dest, leg, r, record_idp);
}

int call_click_device(struct call_ctx *ctx, int64_t device_id,
		      const struct route_result *r, int64_t *record_idp)
{
	struct store_device dev;
	struct call_dest dest;
	char leg[96];
	int err;

	if (!ctx || device_id <= 0)
		return EINVAL;
	err = store_device_get(ctx->st, device_id, &dev);
	if (err)
		return err;
	memset(&dest, 0, sizeof(dest));
	dest.kind = CALL_DEST_DEVICE;
	dest.id = device_id;
	re_snprintf(leg, sizeof(leg), "device:%s", dev.username);
	return click(ctx, &dest, leg, r, record_idp);
}

static int click(struct call_ctx *ctx, const struct call_dest *first,
		 const char *legname, const struct route_result *r,
		 int64_t *record_idp)
{
	struct call_originate_prm prm;
	struct route_target *t;
	struct call_dest dest = *first;
	struct call *call = NULL;
	int err;

	if (!r || r->target.kind == ROUTE_REJECT)
		return EINVAL;
	t = mem_zalloc(sizeof(*t), NULL);
	if (!t)
		return ENOMEM;
	*t = r->target;
	dest.timeout = ctx->cfg->ring_timeout;
	memset(&prm, 0, sizeof(prm));
	prm.dest = &dest;
	prm.cid = r->dialled; /* his phone shows whom he calls */
	prm.cname = "";
	prm.tenant_id = r->tenant_id;
	prm.direction = r->direction;
	prm.from = r->from_number;
	prm.to = r->dialled;
	prm.leg = legname;
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
