/*
 * pop.c - the screen pop of a queue call (issue 17): when the engine's
 * offer is placed, each agent offered gets, before his phones are rung,
 * the event "pop" (class "queue") with the document of
 * secretariat/pop.c: the client, greeting with his name, instructions,
 * employees, VIP info, digits, FAQ, call guide, note form, profile
 * version.  The event is for that agent alone (event_publish_to): his
 * own event streams and operators see it, no other agent, no client
 * admin.  Shape (docs/api.md, "Screen pop"):
 *
 *   queue pop  queue_id, call_id, record_id, callback_id (null),
 *              agent_id, pop {the document}
 *
 * Built only while someone listens (event_wanted()); the API builds the
 * same document again for the same moment (acd_call_pop()).
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call/call.h"
#include "secretariat/secretariat.h"
#include "acd/acd_int.h"

static int pop_one(struct store *st, const struct call *call, int64_t queue,
		   int64_t agent, uint64_t at)
{
	struct store_employee e;
	struct odict *o = NULL, *doc = NULL;
	int err;

	err = store_employee_get(st, agent, &e);
	if (!err)
		err = sec_pop_build(&doc, st, call_record_id(call), agent,
				    queue, at);
	if (err)
		return err;
	err = odict_alloc(&o, 8);
	if (err)
		goto out;
	err = odict_entry_add(o, "queue_id", ODICT_INT, queue);
	err |= odict_entry_add(o, "call_id", ODICT_STRING, call_id(call));
	err |= odict_entry_add(o, "record_id", ODICT_INT, call_record_id(call));
	err |= odict_entry_add(o, "callback_id", ODICT_NULL);
	err |= odict_entry_add(o, "agent_id", ODICT_INT, agent);
	err |= odict_entry_add(o, "pop", ODICT_OBJECT, doc);
	/* under the agent's tenant: his stream is scoped to it */
	if (!err)
		err =
		    event_publish_to(e.tenant_id, agent, EVENT_QUEUE, "pop", o);
out:
	mem_deref(doc);
	mem_deref(o);
	return err;
}

void acd_pop_publish(struct store *st, const struct call *call, int64_t queue,
		     const int64_t *agentv, size_t agentc, uint64_t at)
{
	size_t i;
	int err;

	if (!st || !call || !call_record_id(call) || !event_wanted())
		return;
	for (i = 0; i < agentc; i++) {
		err = pop_one(st, call, queue, agentv[i], at);
		if (err)
			warning("acd: %s: screen pop for agent %lld not "
				"published: %m\n",
				call_id(call), (long long)agentv[i], err);
	}
}
