/*
 * route.c - numbers to targets.
 *
 * From a trunk:   dialled E.164 -> active number -> its target (for a
 *                 registering trunk the To user when the Request-URI is
 *                 our registered Contact, see route.h).
 * From a device:  extension of the caller's tenant -> employee (internal,
 *                 caller ID = extension);
 *                 one of our own numbers -> its target (internal);
 *                 anything else public -> the tenant's trunk, caller ID
 *                 = central number, or the personal number where the
 *                 employee is set to show it (seeds/000, seeds/003).
 * A number's target may be a schedule (time control): its open, closed
 * or holiday target at the moment of the call, followed at most
 * ROUTE_HOPS schedules deep (483 beyond).  It may be an external number:
 * out through the tenant's trunk with the tenant's central number as
 * caller ID (to_external).
 *
 * An employee without a personal number cannot phone out (seeds/003:
 * "Ein Mitarbeiter ohne persönliche Rufnummer kann nicht einwandfrei
 * telefonieren"): such calls get 403 and the API shows the fault.
 */
#include <string.h>
#include "core/core.h"
#include "route/route.h"
#include "secretariat/secretariat.h"

static const char *const kind_names[] = {
    [ROUTE_REJECT] = "reject",
    [ROUTE_EMPLOYEE] = "employee",
    [ROUTE_ANNOUNCEMENT] = "announcement",
    [ROUTE_EXTERNAL] = "trunk",
    [ROUTE_IVR] = "ivr",
    [ROUTE_VOICEMAIL] = "voicemail",
    [ROUTE_COLLECT] = "digit_input",
    [ROUTE_RING_GROUP] = "ring_group",
    [ROUTE_QUEUE] = "queue",
    [ROUTE_FEATURE] = "feature",
};

/* The feature codes an employee's phone may dial: *50 agent log in, *51
 * log out, *52 pause or resume (acd/feature.c). */
static bool feature_code(const char *s)
{
	return !strcmp(s, "*50") || !strcmp(s, "*51") || !strcmp(s, "*52");
}

const char *route_kind_name(enum route_kind kind)
{
	return (size_t)kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : "?";
}

static void reject(struct route_result *r, uint16_t scode, const char *reason)
{
	r->target.kind = ROUTE_REJECT;
	r->scode = scode;
	r->reason = reason;
}

static void employee_name(char *buf, size_t sz, const struct store_employee *e)
{
	re_snprintf(buf, sz, "%s%s%s", e->first_name,
		    e->first_name[0] && e->last_name[0] ? " " : "",
		    e->last_name);
}

enum {
	ROUTE_HOPS = 8, /* schedules followed at most (the store refuses
			   loops; this is the guard at run time) */
};

/* The state of schedule s at utc_ms; *why as route_sched_state()'s. */
static enum store_sched_state sched_state_at(const struct store_schedule *s,
					     uint64_t utc_ms, const char **why)
{
	struct route_sched rs;

	rs.region = s->region;
	rs.rangev = s->rangev;
	rs.rangec = s->rangec;
	rs.excv = s->excv;
	rs.excc = s->excc;
	return route_sched_state(&rs, utc_ms, why);
}

int route_schedule_state(struct store *st, int64_t id, uint64_t utc_ms,
			 enum store_sched_state *statep)
{
	struct store_schedule *s;
	const char *why = "";
	int err;

	if (!st || !statep)
		return EINVAL;
	s = mem_zalloc(sizeof(*s), NULL); /* too big for the stack */
	if (!s)
		return ENOMEM;
	err = store_schedule_get(st, id, s);
	if (!err)
		*statep = sched_state_at(s, utc_ms, &why);
	mem_deref(s);
	return err;
}

/* The target of schedule id now: its open, closed or holiday target
 * (holiday none: the closed one). */
static int schedule_target(struct store *st, int64_t id,
			   struct store_target_ref *t)
{
	struct store_schedule *s;
	enum store_sched_state state;
	const char *why = "";
	int err;

	s = mem_zalloc(sizeof(*s), NULL); /* too big for the stack */
	if (!s)
		return ENOMEM;
	err = store_schedule_get(st, id, s);
	if (err)
		goto out;
	state = sched_state_at(s, time_now_ms(), &why);
	*t = state == STORE_SCHED_OPEN                         ? s->open
	     : state == STORE_SCHED_HOLIDAY && s->holiday.type ? s->holiday
							       : s->closed;
	debug("route: schedule %lld (%s): %s (%s) -> %s %lld\n", (long long)id,
	      s->name, store_sched_state_name(state), why,
	      store_target_name(t->type), (long long)t->id);
out:
	mem_deref(s);
	return err;
}

int route_mailbox_enabled(struct store *st, const struct store_mailbox *m,
			  uint64_t utc_ms, bool *onp)
{
	struct store_schedule *s;
	enum store_sched_state state;
	const char *why = "";
	int err;

	if (!st || !m || !onp)
		return EINVAL;
	*onp = m->active;
	if (!m->active || !m->schedule_id)
		return 0;
	s = mem_zalloc(sizeof(*s), NULL);
	if (!s)
		return ENOMEM;
	err = store_schedule_get(st, m->schedule_id, s);
	if (err == ENOENT) {
		*onp = false;
		err = 0;
		goto out;
	}
	if (err)
		goto out;
	state = sched_state_at(s, utc_ms, &why);
	switch (m->schedule_state) {
	case STORE_SCHED_OPEN:
		*onp = state == STORE_SCHED_OPEN;
		break;
	case STORE_SCHED_CLOSED:
		*onp = state != STORE_SCHED_OPEN;
		break;
	case STORE_SCHED_HOLIDAY:
		*onp = state == STORE_SCHED_HOLIDAY;
		break;
	}
	debug("route: mailbox %lld: schedule %lld %s (%s): %s\n",
	      (long long)m->id, (long long)s->id, store_sched_state_name(state),
	      why, *onp ? "enabled" : "disabled");
out:
	mem_deref(s);
	return err;
}

static int menu_exists(struct store *st, int64_t id)
{
	struct store_ivr_menu *m = mem_zalloc(sizeof(*m), NULL);
	int err;

	if (!m)
		return ENOMEM;
	err = store_ivr_menu_get(st, id, m);
	mem_deref(m);
	return err;
}

/* A mailbox takes the call only while it is enabled (route.h). */
static int to_mailbox(struct store *st, int64_t id, struct route_result *r)
{
	struct store_mailbox m;
	bool on = false;
	int err;

	err = store_mailbox_get(st, id, &m);
	if (err == ENOENT) {
		reject(r, 404, "No Target");
		return 0;
	}
	if (!err)
		err = route_mailbox_enabled(st, &m, time_now_ms(), &on);
	if (err)
		return err;
	if (!on) {
		info("route: mailbox %lld (%s) is off\n", (long long)id,
		     m.name);
		reject(r, 480, "Mailbox Off");
		return 0;
	}
	r->target.kind = ROUTE_VOICEMAIL;
	r->target.id = id;
	return 0;
}

/*
 * An external number: out through the trunk of its tenant, as a device's
 * call to a public number (from_device), presenting the tenant's central
 * number as call_transfer() does for an external target; a tenant
 * without one presents the caller's number (the caller ID set before).
 */
static int to_external(struct store *st, int64_t id, struct route_result *r)
{
	struct store_external x;
	struct store_trunk trunk;
	struct store_tenant t;
	int err;

	err = store_external_get(st, id, &x);
	if (err == ENOENT) {
		reject(r, 404, "No Target");
		return 0;
	}
	if (err)
		return err;
	err = store_trunk_for_tenant(st, x.tenant_id, &trunk);
	if (err == ENOENT) {
		reject(r, 503, "No Trunk");
		return 0;
	}
	if (err)
		return err;
	err = store_tenant_get(st, x.tenant_id, &t);
	if (err)
		return err;
	r->target.kind = ROUTE_EXTERNAL;
	r->target.id = trunk.id;
	r->target.timeout = x.ring_timeout;
	str_copy(r->target.number, x.number, sizeof(r->target.number));
	if (t.central_number[0]) {
		str_copy(r->target.caller_id, t.central_number,
			 sizeof(r->target.caller_id));
		r->target.caller_name[0] = '\0';
	}
	return 0;
}

static int input_exists(struct store *st, int64_t id)
{
	struct store_digit_input d;

	return store_digit_input_get(st, id, &d);
}

static int ring_group_exists(struct store *st, int64_t id)
{
	struct store_ring_group *g = mem_zalloc(sizeof(*g), NULL);
	int err;

	if (!g)
		return ENOMEM;
	err = store_ring_group_get(st, id, g);
	mem_deref(g);
	return err;
}

static int queue_exists(struct store *st, int64_t id)
{
	struct store_queue *q = mem_zalloc(sizeof(*q), NULL);
	int err;

	if (!q)
		return ENOMEM;
	err = store_queue_get(st, id, q);
	mem_deref(q);
	return err;
}

/* Route to the application of kind whose record exists (exists()). */
static int to_app(struct store *st, int (*exists)(struct store *, int64_t),
		  int64_t id, enum route_kind kind, struct route_result *r)
{
	int err = exists(st, id);

	if (err == ENOENT) {
		reject(r, 404, "No Target");
		return 0;
	}
	if (err)
		return err;
	r->target.kind = kind;
	r->target.id = id;
	return 0;
}

/* Route to target t (of a number, or of a schedule it led to). */
static int to_target(struct store *st, struct store_target_ref t,
		     struct route_result *r)
{
	struct store_announcement a;
	struct store_employee e;
	unsigned hops;
	int err;

	for (hops = 0; t.type == TARGET_SCHEDULE; hops++) {
		if (hops == ROUTE_HOPS) {
			warning("route: more than %u schedules in a row\n",
				ROUTE_HOPS);
			reject(r, 483, "Too Many Hops");
			return 0;
		}
		err = schedule_target(st, t.id, &t);
		if (err == ENOENT) {
			reject(r, 404, "No Target");
			return 0;
		}
		if (err)
			return err;
	}

	switch (t.type) {
	case TARGET_EMPLOYEE:
		err = store_employee_get(st, t.id, &e);
		if (err == ENOENT) {
			reject(r, 404, "No Target");
			return 0;
		}
		if (err)
			return err;
		r->target.kind = ROUTE_EMPLOYEE;
		r->target.id = e.id;
		return 0;

	case TARGET_ANNOUNCEMENT:
		err = store_announcement_get(st, t.id, &a);
		if (err == ENOENT) {
			reject(r, 404, "No Target");
			return 0;
		}
		if (err)
			return err;
		r->target.kind = ROUTE_ANNOUNCEMENT;
		r->target.id = a.id;
		return 0;

	case TARGET_VOICEMAIL:
		return to_mailbox(st, t.id, r);

	case TARGET_IVR:
		return to_app(st, menu_exists, t.id, ROUTE_IVR, r);

	case TARGET_EXTERNAL:
		return to_external(st, t.id, r);

	case TARGET_COLLECT:
		return to_app(st, input_exists, t.id, ROUTE_COLLECT, r);

	case TARGET_RING_GROUP:
		return to_app(st, ring_group_exists, t.id, ROUTE_RING_GROUP, r);

	case TARGET_QUEUE:
		return to_app(st, queue_exists, t.id, ROUTE_QUEUE, r);

	default:
		reject(r, 404, "No Target");
		return 0;
	}
}

/* dialled is one of our numbers: route to its target */
static int to_number(struct store *st, const struct store_number *n,
		     struct route_result *r)
{
	struct store_target_ref t = {n->target_type, n->target_id};

	if (!n->active) {
		reject(r, 404, "Number Not In Service");
		return 0;
	}
	r->tenant_id = n->tenant_id;
	return to_target(st, t, r);
}

/* The number a trunk call is for: see route_resolve() in route.h. */
static const char *trunk_dialled(const struct route_caller *c,
				 const char *ruri_user)
{
	const struct store_trunk *t = c->trunk;

	if (!t->do_register || !c->to_user || !c->to_user[0])
		return ruri_user;
	if (ruri_user[0] && str_casecmp(ruri_user, t->username))
		return ruri_user; /* the carrier put the number there */
	return c->to_user;
}

/*
 * A call our number n received that a client forwarded to us: the first
 * number of c->divertv (Diversion, most recent first, then History-Info)
 * that is a forwarding (store.h) decides the tenant and the target, and
 * is kept as r->forwarded_from.  Only carriers' word counts (from_trunk),
 * and only on a number the operator marked as serving forwarded calls
 * (n.forwarded_calls): a phone, or a caller through a carrier that
 * passes headers on, could name any client.  1 if routed so, 0 if none
 * is ours, or an error of the store.
 */
static int forwarded(struct store *st, const struct route_caller *c,
		     const struct phone_ctx *ctx, struct route_result *r)
{
	struct store_forwarding f;
	char num[24];
	size_t i;
	int err;

	for (i = 0; i < c->divertc; i++) {
		if (phone_normalise(num, sizeof(num), c->divertv[i], ctx) !=
		    PHONE_E164)
			continue;
		err = store_forwarding_find(st, num, &f);
		if (err == ENOENT)
			continue;
		if (err)
			return -err;
		str_copy(r->forwarded_from, num, sizeof(r->forwarded_from));
		r->tenant_id = f.tenant_id;
		err = to_target(st, f.target, r);
		return err ? -err : 1;
	}
	return 0;
}

/* Copy s into out[sz] whole, or cut before a character (UTF-8). */
static void utf8_cut(char *out, size_t sz, const char *s)
{
	size_t n = strlen(s);

	if (n >= sz) {
		n = sz - 1;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

/*
 * A call from outside for tenant r->tenant_id, routed: what the tenant's
 * caller lists say of the caller (secretariat/callers.c, the rule there).
 * Blocked (block list, the advertising list switched on, a withheld
 * number switched off): 603 Decline before anyone is involved.  Allowed
 * for an employee: the employee's phones ring at once, no agent (allowed
 * for the company: the call goes its way, the lists only let it pass).
 * A VIP's name goes with the call (r->vip).  r->screen says which rule
 * decided.  0, or an error of the store.
 */
static int screen(struct store *st, const struct route_caller *c,
		  struct route_result *r)
{
	struct secr_caller_lookup *l;
	struct secr_caller d;
	int err;

	l = mem_zalloc(sizeof(*l), NULL);
	if (!l)
		return ENOMEM;
	err = secr_caller_classify(st, r->tenant_id, c->from_user,
				   time_now_ms(), l, &d);
	if (err == ENOENT)
		err = 0; /* a number of no tenant: nothing to screen */
	if (err || d.decision == SECR_CALLER_NONE)
		goto out;
	r->screen = secr_caller_reason_name(d.reason);
	if (d.vip)
		utf8_cut(r->vip, sizeof(r->vip), d.vip->name);
	if (d.decision == SECR_CALLER_BLOCK) {
		r->vip[0] = '\0';
		reject(r, 603, "Decline");
	}
	else if (d.decision == SECR_CALLER_ALLOW && d.employee_id > 0) {
		r->target.kind = ROUTE_EMPLOYEE;
		r->target.id = d.employee_id;
	}
out:
	mem_deref(l);
	return err;
}

static int from_trunk(struct store *st, const struct route_caller *c,
		      const char *dialled, struct route_result *r)
{
	struct phone_ctx ctx = {"49", ""};
	struct store_number n;
	int err;

	dialled = trunk_dialled(c, dialled);
	r->direction = STORE_DIR_INBOUND;
	if (phone_normalise(r->from_number, sizeof(r->from_number),
			    c->from_user, &ctx) == PHONE_INVALID)
		str_copy(r->from_number, c->from_user ? c->from_user : "",
			 sizeof(r->from_number));
	str_copy(r->target.caller_id, r->from_number,
		 sizeof(r->target.caller_id));
	str_copy(r->target.caller_name, c->from_name ? c->from_name : "",
		 sizeof(r->target.caller_name));

	if (phone_normalise(r->dialled, sizeof(r->dialled), dialled, &ctx) !=
	    PHONE_E164) {
		str_copy(r->dialled, dialled, sizeof(r->dialled));
		reject(r, 404, "Not Found");
		return 0;
	}
	err = store_number_by_e164(st, r->dialled, &n);
	if (err == ENOENT) {
		reject(r, 404, "Not Found");
		return 0;
	}
	if (err)
		return err;
	err = n.active && n.forwarded_calls ? forwarded(st, c, &ctx, r) : 0;
	if (err < 0)
		return -err;
	if (!err)
		err = to_number(st, &n, r);
	else
		err = 0;
	if (err || r->target.kind == ROUTE_REJECT || r->tenant_id <= 0)
		return err;
	return screen(st, c, r);
}

static int from_device(struct store *st, const struct route_caller *c,
		       const char *dialled, struct route_result *r)
{
	const struct store_device *d = c->device;
	struct store_employee self, callee;
	struct store_trunk trunk;
	struct store_tenant t;
	struct store_number n;
	struct phone_ctx ctx;
	enum phone_kind kind;
	bool has_self = false;
	int err;

	err = store_tenant_get(st, d->tenant_id, &t);
	if (err)
		return err;
	r->tenant_id = t.id;
	str_copy(ctx.country, t.country_code[0] ? t.country_code : "49",
		 sizeof(ctx.country));
	str_copy(ctx.area, t.area_code, sizeof(ctx.area));

	memset(&self, 0, sizeof(self));
	if (d->employee_id) {
		err = store_employee_get(st, d->employee_id, &self);
		if (err && err != ENOENT)
			return err;
		has_self = !err;
	}
	/* internal presentation: the extension, else the SIP user */
	str_copy(r->target.caller_id,
		 has_self && self.extension[0] ? self.extension : d->username,
		 sizeof(r->target.caller_id));
	if (has_self)
		employee_name(r->target.caller_name,
			      sizeof(r->target.caller_name), &self);
	else
		str_copy(r->target.caller_name, d->name,
			 sizeof(r->target.caller_name));
	str_copy(r->from_number, r->target.caller_id, sizeof(r->from_number));
	r->direction = STORE_DIR_INTERNAL;

	if (has_self && feature_code(dialled)) {
		str_copy(r->dialled, dialled, sizeof(r->dialled));
		r->target.kind = ROUTE_FEATURE;
		r->target.id = self.id;
		str_copy(r->target.number, dialled, sizeof(r->target.number));
		return 0;
	}

	kind = phone_normalise(r->dialled, sizeof(r->dialled), dialled, &ctx);
	switch (kind) {
	case PHONE_SHORT:
		err =
		    store_employee_by_extension(st, t.id, r->dialled, &callee);
		if (err == ENOENT) {
			reject(r, 404, "Not Found");
			return 0;
		}
		if (err)
			return err;
		r->target.kind = ROUTE_EMPLOYEE;
		r->target.id = callee.id;
		return 0;

	case PHONE_E164:
		break;

	default:
		str_copy(r->dialled, dialled, sizeof(r->dialled));
		reject(r, 484, "Address Incomplete");
		return 0;
	}

	err = store_number_by_e164(st, r->dialled, &n);
	if (!err) {
		int64_t own = t.id;
		err = to_number(st, &n, r);
		if (!err && r->tenant_id != own) {
			/* on-net call to another tenant: external identity */
			r->tenant_id = own;
			goto external_id;
		}
		r->tenant_id = own;
		return err;
	}
	if (err != ENOENT)
		return err;

	/* out through the trunk */
	r->direction = STORE_DIR_OUTBOUND;
	err = store_trunk_for_tenant(st, t.id, &trunk);
	if (err == ENOENT) {
		reject(r, 503, "No Trunk");
		return 0;
	}
	if (err)
		return err;
	r->target.kind = ROUTE_EXTERNAL;
	r->target.id = trunk.id;
	str_copy(r->target.number, r->dialled, sizeof(r->target.number));

external_id:
	if (has_self && !self.personal_number[0]) {
		warning("route: employee %lld has no personal number: "
			"external call refused\n",
			(long long)self.id);
		reject(r, 403, "No Personal Number");
		return 0;
	}
	if (has_self && self.show_personal_number)
		str_copy(r->target.caller_id, self.personal_number,
			 sizeof(r->target.caller_id));
	else if (t.central_number[0])
		str_copy(r->target.caller_id, t.central_number,
			 sizeof(r->target.caller_id));
	else if (has_self)
		str_copy(r->target.caller_id, self.personal_number,
			 sizeof(r->target.caller_id));
	else {
		reject(r, 403, "No Caller ID");
		return 0;
	}
	str_copy(r->from_number, r->target.caller_id, sizeof(r->from_number));
	return 0;
}

int route_resolve(struct store *st, const struct route_caller *c,
		  const char *dialled, struct route_result *r)
{
	if (!st || !c || !dialled || !r || (!c->trunk && !c->device))
		return EINVAL;
	memset(r, 0, sizeof(*r));
	if (c->trunk)
		return from_trunk(st, c, dialled, r);
	return from_device(st, c, dialled, r);
}

int route_target_of(struct store *st, const struct store_target_ref *t,
		    int64_t tenant_id, struct route_result *r)
{
	if (!st || !t || !r)
		return EINVAL;
	memset(r, 0, sizeof(*r));
	r->tenant_id = tenant_id;
	return to_target(st, *t, r);
}
