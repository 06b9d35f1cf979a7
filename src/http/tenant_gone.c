/*
 * tenant_gone.c - a deleted client leaves nothing live behind.  The store
 * forgets a client in one transaction (DELETE /api/v1/tenants/:id, or its
 * deletion on request: api_deletion.c), but other modules hold some of
 * it in memory, and without this they would until a restart:
 *
 *   live calls        call_ctx_hangup_tenant (call.h): its callers, also
 *                     those waiting in its queues, and its agents' legs
 *   queues, agents    acd_tenant_gone (acd.h): its queues with their
 *                     waiting callers, its callback requests and their
 *                     timers, the agents whose employee is gone
 *   trunk registration sipsrv_trunkreg_reload (sip.h): its trunks no
 *                     longer register with their carriers
 *   event streams     api_events_revoke_gone: its tokens' and sessions'
 *                     streams are closed at once
 *   prompt cache      media_prompt_forget, per removed file
 *                     (api_files_remove)
 *
 * What needs nothing here: its phones' registrations, its API tokens and
 * sessions are rows of the store (gone with it: a request with such a
 * token is 401 at once); keep-alive pings follow the registrations of
 * the store at their next round.
 */
#include "http/http_int.h"
#include "acd/acd.h"
#include "call/call.h"
#include "sip/sip.h"

void api_tenant_calls_end(struct http_api *api, int64_t tenant_id)
{
	unsigned n;

	if (!api || !api->calls || tenant_id <= 0)
		return;
	n = call_ctx_hangup_tenant(api->calls, tenant_id);
	if (n)
		info("http: tenant %lld: %u live calls ended\n",
		     (long long)tenant_id, n);
}

void api_tenant_gone(struct http_api *api, int64_t tenant_id, uint64_t now)
{
	unsigned queues = 0, agents = 0, streams, phones;

	if (!api || tenant_id <= 0)
		return;
	api_tenant_calls_end(api, tenant_id);
	acd_tenant_gone(api->acd, tenant_id, now, &queues, &agents);
	sipsrv_trunkreg_reload();
	streams = api_events_revoke_gone(api);
	phones = api_phone_revoke_gone();
	info("http: tenant %lld gone: %u queues, %u agents, %u event streams "
	     "and %u browser phones let go\n",
	     (long long)tenant_id, queues, agents, streams, phones);
}
