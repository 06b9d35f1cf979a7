/*
 * busy.c - agents on direct calls of this node (not a queue's, not a
 * callback's: a call to or from the agent's extension): the engine must
 * not offer them queue callers while such a call lasts.  queue.c sees the
 * calls bridged and ended (call events) and tells this list; an agent is
 * busy for the engine while he has any call here or another node holds
 * him (rows.c), and every other node sees him busy through an on_call
 * claim (acd_rows_direct).
 */
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call/call.h"
#include "acd/acd.h"
#include "acd/acd_int.h"

struct busy {
	struct le le;
	const struct call *call; /* (weak) a call it is busy on */
	int64_t employee;
};

static struct list busyl; /* struct busy */

static void busy_drop(void *arg)
{
	struct busy *b = arg;

	list_unlink(&b->le);
}

void acd_busy_set(struct acd_engine *e, const struct call *call,
		  int64_t employee, bool on)
{
	struct busy *b;
	struct le *le;
	unsigned n = 0;

	if (!employee || !e)
		return;
	for (le = busyl.head; le;) {
		b = le->data;
		le = le->next;
		if (b->employee != employee)
			continue;
		if (!on && b->call == call) {
			mem_deref(b);
			continue;
		}
		if (on && b->call == call)
			return; /* known */
		n++;
	}
	if (on) {
		b = mem_zalloc(sizeof(*b), busy_drop);
		if (!b)
			return;
		b->call = call;
		b->employee = employee;
		list_append(&busyl, &b->le, b);
		n++;
	}
	(void)acd_engine_agent_busy(e, employee,
				    n > 0 || acd_rows_elsewhere(employee));
	acd_rows_direct(employee, n > 0);
	if (!n)
		acd_queue_kick();
}

void acd_busy_call_done(struct acd_engine *e, const struct call *call)
{
	struct le *le;

	for (le = busyl.head; le;) {
		struct busy *b = le->data;

		le = le->next;
		if (b->call == call)
			acd_busy_set(e, call, b->employee, false);
	}
}

void acd_busy_flush(void)
{
	list_flush(&busyl);
}

bool acd_queue_direct_busy(int64_t employee)
{
	struct le *le;

	for (le = busyl.head; le; le = le->next) {
		const struct busy *b = le->data;

		if (b->employee == employee)
			return true;
	}
	return false;
}
