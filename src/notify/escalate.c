/*
 * escalate.c - escalation of urgent call notes (issue 17).  A tenant
 * sets escalate_after (note settings, seconds, 0 = off); an urgent note
 * that none of its employees acknowledged that long after it was saved
 * is escalated, one step at a time:
 *
 *   saved --escalate_after, not acked--> substitute: each employee's
 *                                        substitute gets the note (the
 *                                        same deliveries an employee of
 *                                        the note gets, without the
 *                                        webhook), linked to the note
 *   substitute --escalate_after more, not acked--> oncall: the person
 *                                        on call now is phoned, hears
 *                                        the summary, acknowledges with
 *                                        the digit 1; not acknowledged:
 *                                        again after --oncall-retry, up
 *                                        to --oncall-attempts (oncall.c;
 *                                        the call: the application of
 *                                        notify_oncall_use)
 *
 * A timer on the SIP thread looks for due notes every NOTIFY_ESCALATE_POLL
 * ms.  Each step (each on-call attempt) is one transaction that writes its
 * trail rows (note_escalations) with its outbox rows, and a step that has
 * a trail row is never taken again: a restart goes on where it stopped,
 * and two nodes cannot both take a step (the second finds the row:
 * EALREADY).  Each row is an event "note_escalation" on the event stream.
 * Nothing of the note's content is logged.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "notify/notify.h"
#include "notify/notify_int.h"
#include "notify/push_int.h" /* notify_store() */

void notify_escalation_publish(const struct store_note_escalation *e)
{
	struct odict *o = NULL;
	int err;

	if (!event_wanted() || odict_alloc(&o, 8))
		return;
	err = odict_entry_add(o, "note_id", ODICT_INT, e->note_id);
	err |= odict_entry_add(o, "step", ODICT_STRING, e->step);
	if (e->employee_id)
		err |= odict_entry_add(o, "employee_id", ODICT_INT,
				       e->employee_id);
	else
		err |= odict_entry_add(o, "employee_id", ODICT_NULL);
	err |= odict_entry_add(o, "outcome", ODICT_STRING, e->outcome);
	if (e->attempt)
		err |= odict_entry_add(o, "attempt", ODICT_INT,
				       (int64_t)e->attempt);
	if (e->sip_code)
		err |= odict_entry_add(o, "sip_code", ODICT_INT,
				       (int64_t)e->sip_code);
	if (!err)
		(void)event_publish(e->tenant_id, EVENT_CALL, "note_escalation",
				    o);
	mem_deref(o);
}

/* The Web Push subscriptions of one employee, collected. */
struct subs {
	struct store_push_sub *v;
	size_t n;
};

static int sub_h(const struct store_push_sub *s, void *arg)
{
	struct subs *l = arg;

	if (l->n < NOTIFY_NOTE_PUSH_MAX)
		l->v[l->n++] = *s;
	return 0;
}

/* True if id is one of n's employees or already in v[0..c). */
static bool taken(const struct store_note *n, const int64_t *v, size_t c,
		  int64_t id)
{
	size_t i;

	for (i = 0; i < n->employeec; i++)
		if (n->employeev[i] == id)
			return true;
	for (i = 0; i < c; i++)
		if (v[i] == id)
			return true;
	return false;
}

/* The deliveries of note n for employee e (one person) into *outvp. */
static int rows_for(const struct config *cfg, struct store *st,
		    const struct store_note *n, const struct store_employee *e,
		    const struct store_note_settings *ns, const char *key,
		    struct store_note_out **outvp, size_t *outcp)
{
	struct subs subs = {NULL, 0};
	struct notify_note nn;
	int err;

	subs.v = mem_zalloc(NOTIFY_NOTE_PUSH_MAX * sizeof(*subs.v), NULL);
	if (!subs.v)
		return ENOMEM;
	err = store_push_sub_list(st, n->tenant_id, e->id, sub_h, &subs);
	if (err)
		goto out;
	memset(&nn, 0, sizeof(nn));
	nn.note = n;
	nn.empv = e;
	nn.empc = 1;
	nn.settings = ns;
	nn.link_key = key;
	nn.link_expires = time_now_ms() / 1000 + cfg->note_link_ttl;
	nn.subv = subs.v;
	nn.subc = subs.n;
	err = notify_note_rows(cfg, &nn, outvp, outcp);
out:
	mem_deref(subs.v);
	return err;
}

/* Append rows[0..c) to *allvp (grown), *allcp. */
static int rows_append(struct store_note_out **allvp, size_t *allcp,
		       const struct store_note_out *v, size_t c)
{
	struct store_note_out *all;

	if (!c)
		return 0;
	all = *allvp ? mem_realloc(*allvp, (*allcp + c) * sizeof(*all))
		     : mem_zalloc(c * sizeof(*all), NULL);
	if (!all)
		return ENOMEM;
	memcpy(all + *allcp, v, c * sizeof(*v));
	*allvp = all;
	*allcp += c;
	return 0;
}

/*
 * Step 1 of note id: its employees' substitutes (each once, none that is
 * an employee of the note) get the note; the trail gets a row each, or
 * one "no substitute" row.
 */
static int step_substitute(struct notify *nt, int64_t id)
{
	const struct config *cfg = notify_config(nt);
	struct store *st = notify_store(nt);
	struct store_note_escalation ev[STORE_NOTE_EMPLOYEES];
	int64_t subv[STORE_NOTE_EMPLOYEES];
	struct store_note_out *allv = NULL, *outv = NULL;
	struct store_note_out *keepv[STORE_NOTE_EMPLOYEES]; /* own the rows */
	struct store_note_settings ns;
	struct store_employee e, sub;
	char key[NOTIFY_SECRET_HEX];
	struct store_note *n;
	size_t i, evc = 0, allc = 0, outc, keepc = 0;
	uint64_t now = time_now_ms();
	int err;

	n = mem_zalloc(sizeof(*n), NULL);
	if (!n)
		return ENOMEM;
	err = store_note_get(st, id, n);
	if (!err)
		err = store_note_settings_get(st, n->tenant_id, &ns);
	if (!err)
		err = notify_note_link_key(st, key, sizeof(key));
	if (err)
		goto out;
	/* the tenant's webhook had the note already */
	ns.webhook_url[0] = '\0';

	memset(ev, 0, sizeof(ev));
	for (i = 0; i < n->employeec; i++) {
		err = store_employee_get(st, n->employeev[i], &e);
		if (err == ENOENT)
			continue;
		if (err)
			goto out;
		if (!e.substitute_id || taken(n, subv, evc, e.substitute_id))
			continue;
		err = store_employee_get(st, e.substitute_id, &sub);
		if (err == ENOENT)
			continue;
		if (err)
			goto out;
		outv = NULL;
		outc = 0;
		err = rows_for(cfg, st, n, &sub, &ns, key, &outv, &outc);
		if (!err)
			err = rows_append(&allv, &allc, outv, outc);
		if (err) {
			mem_deref(outv);
			goto out;
		}
		keepv[keepc++] = outv;
		subv[evc] = sub.id;
		str_copy(ev[evc].step, "substitute", sizeof(ev[evc].step));
		ev[evc].employee_id = sub.id;
		ev[evc].at = now;
		str_copy(ev[evc].outcome, outc ? "delivered" : "no channel",
			 sizeof(ev[evc].outcome));
		re_snprintf(ev[evc].detail, sizeof(ev[evc].detail),
			    "substitute of employee %lld", (long long)e.id);
		++evc;
	}
	if (!evc) {
		str_copy(ev[0].step, "substitute", sizeof(ev[0].step));
		ev[0].at = now;
		str_copy(ev[0].outcome, "no substitute", sizeof(ev[0].outcome));
		evc = 1;
	}

	err = store_note_escalate(st, n, ev, evc, allv, allc);
	if (err == EALREADY) {
		err = 0;
		goto out;
	}
	if (err)
		goto out;
	info("notify: note %lld escalated to %zu substitute(s)\n",
	     (long long)n->id, allc ? evc : (size_t)0);
	for (i = 0; i < evc; i++) {
		ev[i].note_id = n->id;
		ev[i].tenant_id = n->tenant_id;
		notify_escalation_publish(&ev[i]);
	}
	if (allc)
		notify_kick(nt);
out:
	for (i = 0; i < keepc; i++)
		mem_deref(keepv[i]);
	mem_deref(allv);
	mem_deref(n);
	return err;
}

void notify_escalate_tick(struct notify *nt, uint64_t now)
{
	int64_t idv[STORE_ESC_BATCH];
	size_t i, idc = STORE_ESC_BATCH;
	int err;

	err = store_note_escalation_due(notify_store(nt), "substitute", 1, NULL,
					now, idv, &idc);
	if (err) {
		warning("notify: escalation: %m\n", err);
		return;
	}
	for (i = 0; i < idc; i++) {
		err = step_substitute(nt, idv[i]);
		if (err)
			warning("notify: escalation of note %lld: %m\n",
				(long long)idv[i], err);
	}
	notify_oncall_tick(nt, now);
}
