/*
 * apps.c - which application a route target starts: one row per target
 * kind.  A new application is a folder (or an app_*.c here for a small
 * one) and one row below; route/ gains the kind that leads to it.
 */
#include <re.h>
#include "core/core.h"
#include "call/call_int.h"
#include "ivr/ivr.h"
#include "voicemail/voicemail.h"
#include "acd/acd.h"

const struct call_app call_apps[] = {
    {ROUTE_EMPLOYEE, "employee", app_employee_start},
    {ROUTE_ANNOUNCEMENT, "announcement", app_announcement_start},
    {ROUTE_EXTERNAL, "trunk", app_external_start},
    {ROUTE_IVR, "ivr", ivr_start},
    {ROUTE_VOICEMAIL, "voicemail", voicemail_start},
    {ROUTE_COLLECT, "digit_input", ivr_collect_start},
    {ROUTE_RING_GROUP, "ring_group", app_ring_group_start},
    {ROUTE_FEATURE, "feature", acd_feature_start},
    {ROUTE_QUEUE, "queue", acd_queue_start},
};

const size_t call_apps_count = ARRAY_SIZE(call_apps);

int app_ring_dial(struct call *call, const struct call_dest *dest,
		  const struct route_target *t, uint16_t scode,
		  const char *reason, enum store_disposition disposition)
{
	struct call_dial_prm prm = {dest,           1,    false, t->caller_id,
				    t->caller_name, false};
	int err;

	err = call_ring(call);
	if (err)
		return err;
	err = call_dial(call, &prm, app_dial_done, NULL);
	if (err) {
		info("call: %s: %s %lld: nothing to ring: %m\n", call_id(call),
		     route_kind_name(t->kind), (long long)t->id, err);
		call_hangup(call, scode, reason, disposition,
			    STORE_PARTY_SYSTEM);
	}
	return 0;
}

/*
 * Dialling an employee or a number ended without a bridge: the caller
 * gets the best final answer of the callees (ended by the callee), or
 * 480 when the ring timeout ran out (no answer, ended by us).
 */
void app_dial_done(struct call *call, uint16_t scode, const char *reason,
		   bool timed_out, void *arg)
{
	(void)arg;
	if (scode == 200)
		return; /* bridged: the call goes on by itself */
	if (timed_out) {
		info("call: %s: nobody answered in %us\n", call_id(call),
		     call_config(call)->ring_timeout);
		call_hangup(call, 480, "Temporarily Unavailable",
			    STORE_DISP_NO_ANSWER, STORE_PARTY_SYSTEM);
		return;
	}
	call_hangup(call, scode, reason, STORE_DISP_NONE, STORE_PARTY_CALLEE);
}
