/*
 * oncall_phone.c - the person on call is phoned for an urgent note nobody
 * acknowledged (issue 17, escalation step 2): an application of calls we
 * place ourselves (call.h).  notify/ says when an attempt is due
 * (notify_oncall_use); this file finds who is on call, claims the attempt
 * (its trail row first) and drives the call:
 *
 *   due -> on call now? (secr_oncall_first)
 *            nobody -> claim: "no one on call" (final)
 *            X      -> claim: "ringing"; X's phones and X's transfer
 *                      number ring (the tenant's central number shown)
 *   not answered  -> "busy" (486, 600, 603) or "no_answer" (the status)
 *   answered      -> "answered"; the summary is spoken (the tenant's
 *                    language): the note is waiting for <employees>, the
 *                    caller's name and number, the concern only with the
 *                    client's full_text (the rule of SMS and push), then
 *                    "press 1 to acknowledge, 2 to hear it again"
 *     digit 1             -> "acknowledged" (the note read and acknowledged
 *                            by X), a confirmation, hang up
 *     2, another, timeout -> spoken again, ONCALL_PLAYS times at most;
 *                            then hang up: "unacknowledged"
 *     X hangs up first    -> "unacknowledged"
 *
 * The outcome of each attempt goes to notify_oncall_outcome() (the trail,
 * the event); a later attempt is notify/'s to start.  Nothing of the
 * note's content is logged.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "call/call.h"
#include "notify/notify.h"
#include "secretariat/secretariat.h"

enum {
	ONCALL_PLAYS = 3,       /* the summary at most this often     */
	ONCALL_DIGIT_MS = 6000, /* [ms] wait for the digit after it   */
	ONCALL_ACK_DIGIT = '1', /* acknowledges                       */
};

struct secr_oncall_phone {
	const struct config *cfg; /* (weak) outlives it: ring timeout  */
	struct store *st;         /* (weak) outlives it                  */
	struct notify *nt;        /* (weak) outlives it                  */
	struct call_ctx *calls;   /* (weak) outlives it                  */
	struct list xl;           /* struct ocall: the calls placed      */
};

/* One attempt's call. */
struct ocall {
	struct le le;
	struct secr_oncall_phone *op; /* (weak) its owner            */
	struct notify_oncall oc;      /* the claimed attempt         */
	struct call *call;            /* (weak) while it lives       */
	enum store_language lang;     /* the tenant's                */
	bool answered;
	bool done;      /* the final outcome is written */
	unsigned plays; /* the summary started so often */
	char text[SECR_ONCALL_TEXT];
};

static void ocall_destructor(void *arg)
{
	struct ocall *x = arg;

	list_unlink(&x->le);
	if (x->call) { /* the owner goes: end the call, no outcome */
		struct call *call = x->call;

		x->call = NULL;
		call_set_endh(call, NULL, NULL);
		call_hangup(call, 487, NULL, STORE_DISP_CANCELLED,
			    STORE_PARTY_SYSTEM);
	}
}

/* The attempt's outcome (once: the first final one counts). */
static void outcome(struct ocall *x, const char *what, uint16_t scode,
		    bool final)
{
	int err;

	if (x->done)
		return;
	x->done = final;
	err = notify_oncall_outcome(x->op->nt, &x->oc, what, scode);
	if (err)
		warning("secretariat: note %lld: on-call outcome %s: %m\n",
			(long long)x->oc.note_id, what, err);
}

/* "busy" or "no_answer" for a call that was not answered with scode. */
static const char *failed_name(uint16_t scode)
{
	return scode == 486 || scode == 600 || scode == 603 ? "busy"
							    : "no_answer";
}

static void end_h(struct call *call, enum store_party by, uint16_t scode,
		  enum store_disposition disposition, void *arg)
{
	struct ocall *x = arg;

	(void)call;
	(void)by;
	(void)disposition;
	x->call = NULL;
	if (x->answered)
		outcome(x, "unacknowledged", 200, true);
	else
		outcome(x, failed_name(scode), scode, true);
	mem_deref(x);
}

static void hang_up(struct ocall *x)
{
	struct call *call = x->call;

	/* end_h writes the outcome (if none yet) and frees x */
	call_hangup(call, 200, NULL, STORE_DISP_ANSWERED, STORE_PARTY_SYSTEM);
}

static void bye_h(struct call *call, int err, char digit, void *arg)
{
	(void)call;
	(void)err;
	(void)digit;
	hang_up(arg);
}

static void say(struct ocall *x);

static void collected_h(struct call *call, int err, const char *digits,
			void *arg)
{
	struct ocall *x = arg;

	(void)err;
	if (digits && digits[0] == ONCALL_ACK_DIGIT) {
		outcome(x, "acknowledged", 200, true);
		if (call_say(call, store_language_name(x->lang),
			     secr_oncall_done(x->lang), false, bye_h, x))
			hang_up(x);
		return;
	}
	if (x->plays >= ONCALL_PLAYS) {
		outcome(x, "unacknowledged", 200, true);
		hang_up(x);
		return;
	}
	say(x); /* 2, another key or nothing: once more */
}

static void said_h(struct call *call, int err, char digit, void *arg)
{
	struct ocall *x = arg;
	const struct call_collect_prm prm = {1, 1, 0, ONCALL_DIGIT_MS, 0};

	(void)digit; /* a key that interrupted stays for the collect */
	if (err) {
		warning("secretariat: note %lld: on-call summary: %m\n",
			(long long)x->oc.note_id, err);
		hang_up(x);
		return;
	}
	if (call_collect(call, &prm, collected_h, x))
		hang_up(x);
}

static void say(struct ocall *x)
{
	++x->plays;
	if (call_say_private(x->call, store_language_name(x->lang), x->text,
			     true, said_h, x))
		said_h(x->call, EIO, '\0', x);
}

static void answered_h(struct call *call, uint16_t scode, const char *reason,
		       bool timed_out, void *arg)
{
	struct ocall *x = arg;

	(void)reason;
	(void)timed_out;
	if (scode != 200)
		return; /* ended: end_h wrote the outcome and freed x */
	(void)call;
	x->answered = true;
	outcome(x, "answered", 200, false);
	say(x);
}

/* The summary of note n into x->text, with the names of its employees. */
static int summary(struct secr_oncall_phone *op, struct ocall *x,
		   const struct store_note *n, bool full_text)
{
	struct store_employee *e;
	char names[SECR_ONCALL_NAMES];
	size_t i;

	e = mem_zalloc(sizeof(*e), NULL);
	if (!e)
		return ENOMEM;
	names[0] = '\0';
	for (i = 0; i < n->employeec; i++) {
		if (!store_employee_get(op->st, n->employeev[i], e))
			secr_oncall_name_add(names, sizeof(names), x->lang, e);
	}
	mem_deref(e);
	secr_oncall_summary(x->text, sizeof(x->text), x->lang, names, n,
			    full_text);
	return 0;
}

/*
 * Ring employee_id's phones and, if it has one, its transfer number
 * (through the tenant's trunk, as a consultation step rings it), the
 * tenant's central number shown.
 */
static int place(struct secr_oncall_phone *op, struct ocall *x,
		 const struct store_tenant *t, const struct store_employee *e)
{
	const struct config *cfg = op->cfg;
	struct call_originate_prm prm;
	struct call_dest destv[2];
	struct store_trunk *tr;
	char leg[32];
	size_t destc = 1;
	int err;

	memset(destv, 0, sizeof(destv));
	destv[0].kind = CALL_DEST_EMPLOYEE;
	destv[0].id = e->id;
	destv[0].timeout = cfg->ring_timeout;
	tr = mem_zalloc(sizeof(*tr), NULL);
	if (!tr)
		return ENOMEM;
	if (e->transfer_number[0] &&
	    !store_trunk_for_tenant(op->st, t->id, tr)) {
		destv[1].kind = CALL_DEST_EXTERNAL;
		destv[1].id = tr->id;
		destv[1].number = e->transfer_number;
		destv[1].timeout = cfg->ring_timeout;
		destc = 2;
	}
	re_snprintf(leg, sizeof(leg), "employee:%lld", (long long)e->id);
	memset(&prm, 0, sizeof(prm));
	prm.dest = destv;
	prm.destc = destc;
	prm.cid = t->central_number;
	prm.cname = "";
	prm.tenant_id = t->id;
	prm.direction = STORE_DIR_INTERNAL;
	prm.from = t->central_number;
	prm.to = e->transfer_number[0] ? e->transfer_number : "";
	prm.leg = leg;
	err = call_originate(op->calls, &prm, answered_h, x, &x->call);
	mem_deref(tr);
	if (err)
		return err;
	call_set_endh(x->call, end_h, x);
	return 0;
}

/* The content the call needs: note, settings, tenant, employee. */
struct what {
	struct store_note n;
	struct store_note_settings ns;
	struct store_tenant t;
	struct store_employee e;
};

static void due_h(struct notify *nt, const struct notify_oncall *due, void *arg)
{
	struct secr_oncall_phone *op = arg;
	struct what *w = NULL;
	struct ocall *x;
	int err;

	x = mem_zalloc(sizeof(*x), ocall_destructor);
	if (!x)
		return;
	x->op = op;
	x->oc = *due;
	err = secr_oncall_first(op->st, due->tenant_id, time_now_ms(),
				&x->oc.employee_id);
	if (err)
		goto out;
	err = notify_oncall_claim(nt, &x->oc);
	if (err == EALREADY) {
		err = 0; /* taken: by an earlier run or another node */
		goto out;
	}
	if (err || !x->oc.employee_id)
		goto out; /* nobody on call: the row says so */

	w = mem_zalloc(sizeof(*w), NULL);
	if (!w) {
		err = ENOMEM;
		goto fail;
	}
	err = store_note_get(op->st, due->note_id, &w->n);
	if (!err)
		err = store_note_settings_get(op->st, w->n.tenant_id, &w->ns);
	if (!err)
		err = store_tenant_get(op->st, w->n.tenant_id, &w->t);
	if (!err)
		err = store_employee_get(op->st, x->oc.employee_id, &w->e);
	if (err)
		goto fail;
	x->lang = w->t.language;
	err = summary(op, x, &w->n, w->ns.full_text);
	if (err)
		goto fail;
	list_append(&op->xl, &x->le, x);
	err = place(op, x, &w->t, &w->e);
	if (err) {
		list_unlink(&x->le);
		goto fail;
	}
	x = NULL; /* lives with its call */
	goto out;
fail:
	/* claimed, but nothing rings: nothing reachable (480), else 500 */
	outcome(x, err == ENOENT ? "no_answer" : "failed",
		err == ENOENT ? 480 : 500, true);
out:
	if (err)
		warning("secretariat: note %lld: on-call attempt %u: %m\n",
			(long long)due->note_id, due->attempt, err);
	mem_deref(w);
	mem_deref(x);
}

static void op_destructor(void *arg)
{
	struct secr_oncall_phone *op = arg;

	notify_oncall_use(op->nt, NULL, NULL);
	list_flush(&op->xl);
}

int secr_oncall_phone_alloc(struct secr_oncall_phone **opp,
			    const struct config *cfg, struct store *st,
			    struct notify *nt, struct call_ctx *calls)
{
	struct secr_oncall_phone *op;

	if (!opp || !cfg || !st || !nt || !calls)
		return EINVAL;
	op = mem_zalloc(sizeof(*op), op_destructor);
	if (!op)
		return ENOMEM;
	op->cfg = cfg;
	op->st = st;
	op->nt = nt;
	op->calls = calls;
	list_init(&op->xl);
	notify_oncall_use(nt, due_h, op);
	*opp = op;
	return 0;
}
