/*
 * app_ring_group.c - a ring group (Gruppenruf, A5) on the call seam
 * (call.h only): its members rung all at once or one after another, each
 * for its own time, the first to answer talks to the caller; nobody does:
 * the group's fallback target.
 *
 *   start: the group read; the members that may ring now
 *     (never the caller itself; with skip_busy not those on a call,
 *      call_employee_busy())
 *       none left ---------------------------------------> fallback
 *       180 (or music, to a caller answered already),
 *       call_dial(members, each its timeout, in order if sequential;
 *                 unreachable ones skipped at once)
 *         nothing reachable at all ----------------------> fallback
 *         a member answers -> bridged: done
 *         every member failed or rang out ----------------> fallback
 *         the group's own timeout (if set) ---------------> fallback
 *
 *   fallback: its target (route_target_of: schedules followed), reached
 *   with the caller ID the group was reached with; none: the caller gets
 *   the members' answer (486 when every member was busy or said so, 480
 *   when nobody answered in time or none could ring).
 *
 * Fallback chains cannot loop: the store refuses a fallback that leads
 * back to the group without the caller doing anything (ELOOP).
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call/call_int.h"

struct ring {
	struct store_ring_group g;
	struct route_target origin; /* how the group was reached */
	struct call *call;          /* (weak) owns this object    */
	struct tmr tmr;             /* the group's own timeout    */
};

static void ring_destructor(void *arg)
{
	struct ring *r = arg;

	tmr_cancel(&r->tmr);
}

/*
 * Nobody answered: the fallback target, or, with none, hang up with
 * scode/reason (disposition disp, ended by by).  r is freed (the call's
 * application data) and call may be gone afterwards.
 */
static void fallback(struct ring *r, uint16_t scode, const char *reason,
		     enum store_disposition disp, enum store_party by)
{
	struct store_target_ref t = r->g.fallback;
	struct call *call = r->call;
	struct route_result rr;
	int64_t gid = r->g.id;
	int err;

	tmr_cancel(&r->tmr);
	if (t.type == TARGET_NONE) {
		info("ring group: %s: group %lld: nobody answered, %u %s\n",
		     call_id(call), (long long)gid, scode, reason);
		call_hangup(call, scode, reason, disp, by);
		return;
	}
	err = route_target_of(call_store(call), &t, r->g.tenant_id, &rr);
	if (err) {
		call_hangup(call, 500, NULL, STORE_DISP_FAILED,
			    STORE_PARTY_SYSTEM);
		return;
	}
	if (rr.target.kind == ROUTE_REJECT) {
		info("ring group: %s: group %lld: fallback %s %lld leads "
		     "nowhere (%u)\n",
		     call_id(call), (long long)gid, store_target_name(t.type),
		     (long long)t.id, rr.scode);
		call_hangup(call, rr.scode, rr.reason, STORE_DISP_NONE,
			    STORE_PARTY_SYSTEM);
		return;
	}
	str_copy(rr.target.caller_id, r->origin.caller_id,
		 sizeof(rr.target.caller_id));
	str_copy(rr.target.caller_name, r->origin.caller_name,
		 sizeof(rr.target.caller_name));
	info("ring group: %s: group %lld: nobody answered (%u), fallback "
	     "%s %lld\n",
	     call_id(call), (long long)gid, scode,
	     route_kind_name(rr.target.kind), (long long)rr.target.id);
	/* frees r (the application's data) */
	if (call_reroute(call, &rr.target))
		call_hangup(call, 500, NULL, STORE_DISP_FAILED,
			    STORE_PARTY_SYSTEM);
}

static void ring_dialled(struct call *call, uint16_t scode, const char *reason,
			 bool timed_out, void *arg)
{
	struct ring *r = arg;

	(void)call;
	if (scode == 200) {
		tmr_cancel(&r->tmr); /* bridged: the call goes on by itself */
		return;
	}
	if (timed_out)
		fallback(r, 480, "Temporarily Unavailable",
			 STORE_DISP_NO_ANSWER, STORE_PARTY_SYSTEM);
	else
		fallback(r, scode, reason, STORE_DISP_NONE, STORE_PARTY_CALLEE);
}

static void ring_timeout(void *arg)
{
	struct ring *r = arg;

	info("ring group: %s: group %lld rang %us\n", call_id(r->call),
	     (long long)r->g.id, r->g.timeout);
	fallback(r, 480, "Temporarily Unavailable", STORE_DISP_NO_ANSWER,
		 STORE_PARTY_SYSTEM);
}

/* The members of r that may ring now into destv; *busyp: those skipped
 * because they are on a call. */
static size_t members_pick(struct call *call, const struct ring *r,
			   struct call_dest *destv, size_t *busyp)
{
	const struct store_ring_group *g = &r->g;
	int64_t self = call_employee(call);
	size_t i, n = 0;

	*busyp = 0;
	for (i = 0; i < g->memberc; i++) {
		const struct store_ring_member *m = &g->memberv[i];

		if (m->employee_id == self)
			continue; /* the caller is not rung by its group */
		if (g->skip_busy && call_employee_busy(call, m->employee_id)) {
			info("ring group: %s: group %lld: employee %lld is "
			     "on a call, skipped\n",
			     call_id(call), (long long)g->id,
			     (long long)m->employee_id);
			++*busyp;
			continue;
		}
		destv[n].kind = CALL_DEST_EMPLOYEE;
		destv[n].id = m->employee_id;
		destv[n].timeout = m->timeout;
		n++;
	}
	return n;
}

int app_ring_group_start(struct call *call, const struct route_target *t)
{
	struct call_dest destv[STORE_RING_MEMBERS];
	struct call_dial_prm prm;
	struct ring *r;
	size_t busy;
	int err;

	r = mem_zalloc(sizeof(*r), ring_destructor);
	if (!r)
		return ENOMEM;
	tmr_init(&r->tmr);
	err = store_ring_group_get(call_store(call), t->id, &r->g);
	if (err) {
		mem_deref(r);
		return err;
	}
	r->origin = *t;
	r->call = call;
	call_app_data_set(call, r); /* the call owns it now */

	memset(destv, 0, sizeof(destv));
	prm.destv = destv;
	prm.destc = members_pick(call, r, destv, &busy);
	prm.sequential = r->g.strategy == STORE_RING_SEQUENTIAL;
	prm.cid = t->caller_id;
	prm.cname = t->caller_name;
	prm.no_ringback = false;
	info("ring group: %s: group %lld (%s, %s): %zu of %zu members\n",
	     call_id(call), (long long)r->g.id, r->g.name,
	     store_ring_strategy_name(r->g.strategy), prm.destc, r->g.memberc);
	if (!prm.destc) {
		if (busy)
			fallback(r, 486, "Busy Here", STORE_DISP_BUSY,
				 STORE_PARTY_SYSTEM);
		else
			fallback(r, 480, "Temporarily Unavailable",
				 STORE_DISP_UNAVAILABLE, STORE_PARTY_SYSTEM);
		return 0;
	}
	err = call_ring(call);
	if (err)
		return err;
	/* a caller answered already (by a menu, or transferred) hears
	 * music while the members ring, not silence */
	if (call_state(call) == CALL_ANSWERED)
		(void)call_hold(call, true);
	err = call_dial(call, &prm, ring_dialled, r);
	if (err == ENOENT) {
		info("ring group: %s: group %lld: no member can be rung\n",
		     call_id(call), (long long)r->g.id);
		fallback(r, 480, "Temporarily Unavailable",
			 STORE_DISP_UNAVAILABLE, STORE_PARTY_SYSTEM);
		return 0;
	}
	if (err)
		return err;
	if (r->g.timeout)
		tmr_start(&r->tmr, (uint64_t)r->g.timeout * 1000, ring_timeout,
			  r);
	return 0;
}
