/*
 * oncall.c - step 2 of the escalation of urgent call notes (issue 17):
 * when the person on call is to be phoned, and the trail of each call.
 * The rule and the states are in notify.h ("the person on call"); the
 * call itself is an application's (notify_oncall_use).
 *
 * Exactly once per attempt: the trail row of an attempt is written
 * (notify_oncall_claim, store_note_escalate) before its call is placed,
 * and the store refuses a second row of the same attempt (EALREADY), so
 * neither a restart nor a second node calls twice for it.  A node that
 * dies during a call leaves its row "ringing" or "answered": after
 * ONCALL_STALE the next attempt is due.  Nothing of the note's content is
 * logged.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "notify/notify.h"
#include "notify/notify_int.h"
#include "notify/push_int.h" /* notify_store() */

enum {
	ONCALL_STALE = 600000, /* [ms] a call this old has ended somewhere */
};

int notify_oncall_claim(struct notify *nt, struct notify_oncall *oc)
{
	struct store_note_escalation ev;
	struct store_note *n;
	int err;

	if (!nt || !oc || oc->note_id <= 0 || !oc->attempt)
		return EINVAL;
	n = mem_zalloc(sizeof(*n), NULL);
	if (!n)
		return ENOMEM;
	err = store_note_get(notify_store(nt), oc->note_id, n);
	if (err)
		goto out;
	memset(&ev, 0, sizeof(ev));
	str_copy(ev.step, "oncall", sizeof(ev.step));
	ev.employee_id = oc->employee_id;
	ev.at = time_now_ms();
	ev.attempt = oc->attempt;
	str_copy(ev.outcome, oc->employee_id ? "ringing" : "no one on call",
		 sizeof(ev.outcome));
	re_snprintf(ev.detail, sizeof(ev.detail), "attempt %u", oc->attempt);
	err = store_note_escalate(notify_store(nt), n, &ev, 1, NULL, 0);
	if (err)
		goto out;
	oc->tenant_id = n->tenant_id;
	oc->esc_id = ev.id;
	ev.note_id = n->id;
	ev.tenant_id = n->tenant_id;
	notify_escalation_publish(&ev);
	info("notify: note %lld: on-call attempt %u: %s %lld\n",
	     (long long)n->id, oc->attempt,
	     oc->employee_id ? "calling employee" : "nobody on call",
	     (long long)oc->employee_id);
out:
	mem_deref(n);
	return err;
}

int notify_oncall_outcome(struct notify *nt, const struct notify_oncall *oc,
			  const char *outcome, uint16_t sip_code)
{
	struct store_note_escalation ev;
	struct store *st;
	int err;

	if (!nt || !oc || oc->esc_id <= 0 || !str_isset(outcome))
		return EINVAL;
	st = notify_store(nt);
	if (!strcmp(outcome, "acknowledged")) {
		err = store_note_read_mark(st, oc->note_id, oc->employee_id,
					   time_now_ms(), true, NULL);
		if (err)
			return err;
	}
	err = store_note_escalation_outcome(st, oc->esc_id, outcome, sip_code);
	if (err)
		return err;
	memset(&ev, 0, sizeof(ev));
	ev.id = oc->esc_id;
	ev.note_id = oc->note_id;
	ev.tenant_id = oc->tenant_id;
	str_copy(ev.step, "oncall", sizeof(ev.step));
	ev.employee_id = oc->employee_id;
	ev.attempt = oc->attempt;
	str_copy(ev.outcome, outcome, sizeof(ev.outcome));
	ev.sip_code = sip_code;
	notify_escalation_publish(&ev);
	info("notify: note %lld: on-call attempt %u: %s (%u)\n",
	     (long long)oc->note_id, oc->attempt, outcome, sip_code);
	return 0;
}

/* Hand attempt `attempt` of note id to the application h. */
static void due(struct notify *nt, notify_oncall_h *h, void *arg, int64_t id,
		uint32_t attempt)
{
	struct notify_oncall oc;
	struct store_note *n;
	int err;

	n = mem_zalloc(sizeof(*n), NULL);
	if (!n)
		return;
	err = store_note_get(notify_store(nt), id, n);
	if (err) {
		warning("notify: note %lld: on-call step: %m\n", (long long)id,
			err);
		goto out;
	}
	memset(&oc, 0, sizeof(oc));
	oc.note_id = id;
	oc.tenant_id = n->tenant_id;
	oc.attempt = attempt;
	h(nt, &oc, arg);
out:
	mem_deref(n);
}

void notify_oncall_tick(struct notify *nt, uint64_t now)
{
	const struct config *cfg = notify_config(nt);
	int64_t idv[STORE_ESC_BATCH];
	uint32_t attv[STORE_ESC_BATCH];
	size_t i, idc = STORE_ESC_BATCH;
	notify_oncall_h *h;
	void *arg;
	int err;

	h = notify_oncall_handler(nt, &arg);
	if (!h)
		return;
	err = store_note_escalation_due(notify_store(nt), "oncall", 2,
					"substitute", now, idv, &idc);
	for (i = 0; !err && i < idc; i++)
		due(nt, h, arg, idv[i], 1);
	if (!err) {
		idc = STORE_ESC_BATCH;
		err = store_note_oncall_retry_due(
		    notify_store(nt), now, (uint64_t)cfg->oncall_retry * 1000,
		    ONCALL_STALE, cfg->oncall_attempts, idv, attv, &idc);
	}
	for (i = 0; !err && i < idc; i++)
		due(nt, h, arg, idv[i], attv[i]);
	if (err)
		warning("notify: on-call escalation: %m\n", err);
}
