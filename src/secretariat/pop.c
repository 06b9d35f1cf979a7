/*
 * pop.c - the screen pop (issue 17, seeds/001 "Telefonagent"): everything
 * an agent of the answering service needs for a call of a client, at
 * once, when the call is offered to him and before his phone rings.  One
 * document, built here from the store for a call record, an agent and a
 * moment; the ACD publishes it on the event stream (acd/pop.c) and the
 * API gives it again (GET /api/v1/calls/:id/pop).  The keys (docs/api.md,
 * "Screen pop"):
 *
 *   record_id, queue_id, agent_id, at   which call, for whom, as of when
 *   tenant {id, name}                   the client (the call's tenant)
 *   caller {number, anonymous}          the caller ID as E.164
 *   version_id, version, greeting (the agent's name filled in),
 *   instructions, transfer, standard_text (without the transfer option),
 *   faq, note_fields (the fixed three, then the client's), order_form,
 *   hours, open                         the profile in force at `at`
 *                                       (profile_agent_view); null
 *                                       values without a profile
 *   call_guide, call_guide_vip          the VIP call guide for a VIP
 *                                       caller (if the client has one),
 *                                       else the call guide
 *   vip {name, note, employee}          the caller on the VIP list, or
 *                                       null
 *   collected {label: value}            digits typed at digit inputs
 *   employees [...]                     phone-book order: id, name,
 *                                       position, responsibility,
 *                                       extension, transfer (none, all,
 *                                       vip), substitute {id, name},
 *                                       availability {source, text,
 *                                       appointment_id, until}
 *
 * Never an e-mail address, CC, mobile or transfer number: an agent sees
 * none (PRODUCT.md E3).
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call/call.h"
#include "secretariat/secretariat.h"

/* The keys of the agent view that the pop takes as they are. */
static const char *const view_keys[] = {
    "version_id", "version",       "greeting", "instructions",
    "transfer",   "standard_text", "faq",      "note_fields",
    "order_form", "hours",         "open",
};

static int add_str(struct odict *o, const char *key, const char *s)
{
	return odict_entry_add(o, key, ODICT_STRING, s ? s : "");
}

static int add_time(struct odict *o, const char *key, uint64_t ms)
{
	char buf[32];

	if (!ms)
		return odict_entry_add(o, key, ODICT_NULL);
	return add_str(o, key, time_iso(buf, sizeof(buf), ms));
}

static int add_id(struct odict *o, const char *key, int64_t id)
{
	if (id <= 0)
		return odict_entry_add(o, key, ODICT_NULL);
	return odict_entry_add(o, key, ODICT_INT, id);
}

/* Entry e of another object into o under its key (a deep copy for an
 * object or array: odict_entry_add takes a reference). */
static int entry_put(struct odict *o, const struct odict_entry *e)
{
	switch (e->type) {
	case ODICT_OBJECT:
	case ODICT_ARRAY:
		return odict_entry_add(o, e->key, e->type, e->u.odict);
	case ODICT_STRING:
		return odict_entry_add(o, e->key, e->type, e->u.str);
	case ODICT_INT:
		return odict_entry_add(o, e->key, e->type, e->u.integer);
	case ODICT_DOUBLE:
		return odict_entry_add(o, e->key, e->type, e->u.dbl);
	case ODICT_BOOL:
		return odict_entry_add(o, e->key, e->type, e->u.boolean);
	default:
		return odict_entry_add(o, e->key, ODICT_NULL);
	}
}

/* {id, name} of employee id (null for none or one that is gone). */
static int add_person(struct odict *o, const char *key, struct store *st,
		      int64_t id)
{
	struct store_employee e;
	struct odict *p = NULL;
	char name[SEC_NAME_MAX + 2];
	int err;

	if (id <= 0 || store_employee_get(st, id, &e))
		return odict_entry_add(o, key, ODICT_NULL);
	sec_name_format(name, sizeof(name), &e);
	err = odict_alloc(&p, 4);
	if (err)
		return err;
	err = odict_entry_add(p, "id", ODICT_INT, e.id);
	err |= add_str(p, "name", name);
	if (!err)
		err = odict_entry_add(o, key, ODICT_OBJECT, p);
	mem_deref(p);
	return err;
}

/* ---- the employees ---------------------------------------------------- */

struct emps {
	struct store *st;
	struct odict *arr; /* the array being filled */
	uint64_t at;
	unsigned n;
	struct store_absence abs;
	struct store_appointment appt;
};

static int employee_h(const struct store_employee *e, void *arg)
{
	struct emps *es = arg;
	struct secr_availability av;
	struct odict *o = NULL, *a = NULL;
	char name[SEC_NAME_MAX + 2], key[16];
	int err;

	err = secr_employee_availability(es->st, e->id, es->at, &es->abs,
					 &es->appt, &av);
	if (err == ENOENT) { /* gone meanwhile */
		return 0;
	}
	if (err)
		return err;
	sec_name_format(name, sizeof(name), e);
	err = odict_alloc(&o, 16);
	err |= odict_alloc(&a, 8);
	if (err)
		goto out;
	err = odict_entry_add(o, "id", ODICT_INT, e->id);
	err |= add_str(o, "name", name);
	err |= add_str(o, "first_name", e->first_name);
	err |= add_str(o, "last_name", e->last_name);
	err |= add_str(o, "position", e->position);
	err |= add_str(o, "responsibility", e->responsibility);
	err |= add_str(o, "extension", e->extension);
	err |= add_str(o, "transfer", store_transfer_name(e->transfer));
	err |= add_person(o, "substitute", es->st, e->substitute_id);
	err |= add_str(a, "source", secr_avail_source_name(av.source));
	if (av.source == SECR_AVAIL_NONE)
		err |= odict_entry_add(a, "text", ODICT_NULL);
	else
		err |= add_str(a, "text", av.text);
	err |= add_id(a, "appointment_id", av.appointment_id);
	err |= add_time(a, "until", av.until);
	err |= odict_entry_add(o, "availability", ODICT_OBJECT, a);
	if (err)
		goto out;
	re_snprintf(key, sizeof(key), "%u", es->n++);
	err = odict_entry_add(es->arr, key, ODICT_OBJECT, o);
out:
	mem_deref(a);
	mem_deref(o);
	return err;
}

static int employees_add(struct odict *pop, struct store *st, int64_t tenant_id,
			 uint64_t at)
{
	struct emps *es;
	int err;

	es = mem_zalloc(sizeof(*es), NULL); /* large: not on the stack */
	if (!es)
		return ENOMEM;
	es->st = st;
	es->at = at;
	err = odict_alloc(&es->arr, 32);
	if (!err)
		err = sec_employee_list(st, tenant_id, true, employee_h, es);
	if (!err)
		err = odict_entry_add(pop, "employees", ODICT_ARRAY, es->arr);
	mem_deref(es->arr);
	mem_deref(es);
	return err;
}

/* ---- the caller --------------------------------------------------------- */

/* caller, vip; *vipp whether the caller is a VIP. */
static int caller_add(struct odict *pop, struct store *st,
		      const struct store_call *c, uint64_t at, bool *vipp)
{
	struct secr_caller_lookup *l;
	struct secr_caller dec;
	struct odict *o = NULL, *v = NULL;
	int err;

	l = mem_zalloc(sizeof(*l), NULL);
	if (!l)
		return ENOMEM;
	err =
	    secr_caller_classify(st, c->tenant_id, c->from_number, at, l, &dec);
	if (err)
		goto out;
	err = odict_alloc(&o, 4);
	if (err)
		goto out;
	if (l->number[0])
		err = add_str(o, "number", l->number);
	else
		err = odict_entry_add(o, "number", ODICT_NULL);
	err |= odict_entry_add(o, "anonymous", ODICT_BOOL, l->anonymous);
	err |= odict_entry_add(pop, "caller", ODICT_OBJECT, o);
	*vipp = l->has_vip;
	if (!l->has_vip) {
		err |= odict_entry_add(pop, "vip", ODICT_NULL);
		goto out;
	}
	err |= odict_alloc(&v, 4);
	if (err)
		goto out;
	err = add_str(v, "name", l->vip.name);
	err |= add_str(v, "note", l->vip.note);
	err |= add_person(v, "employee", st, l->vip.employee_id);
	err |= odict_entry_add(pop, "vip", ODICT_OBJECT, v);
out:
	mem_deref(v);
	mem_deref(o);
	mem_deref(l);
	return err;
}

/* collected: what the caller typed, by label (the VIP mark is not). */
static int collected_add(struct odict *pop, const struct store_call *c)
{
	struct odict *o = NULL;
	size_t i;
	int err;

	err = odict_alloc(&o, 8);
	for (i = 0; !err && i < c->varc && i < STORE_CALL_VARS; i++) {
		if (!strcmp(c->varv[i].name, CALL_VAR_VIP))
			continue;
		err = add_str(o, c->varv[i].name, c->varv[i].value);
	}
	if (!err)
		err = odict_entry_add(pop, "collected", ODICT_OBJECT, o);
	mem_deref(o);
	return err;
}

/* ---- the profile -------------------------------------------------------- */

static int profile_add(struct odict *pop, struct store *st, int64_t tenant_id,
		       const struct store_employee *agent, uint64_t at,
		       bool vip)
{
	struct store_profile_version *v = NULL;
	struct odict *view = NULL;
	const struct odict_entry *e, *g;
	const char *guide = "";
	bool vip_guide = false;
	size_t i;
	int err;

	err = store_profile_at(st, tenant_id, at, &v);
	if (err == ENOENT) { /* the client has no profile: say so */
		err = 0;
		for (i = 0; i < ARRAY_SIZE(view_keys); i++)
			err |= odict_entry_add(pop, view_keys[i], ODICT_NULL);
		err |= odict_entry_add(pop, "call_guide", ODICT_NULL);
		err |=
		    odict_entry_add(pop, "call_guide_vip", ODICT_BOOL, false);
		return err;
	}
	if (err)
		return err;
	err = profile_agent_view(&view, v, agent->first_name, agent->last_name,
				 at);
	mem_deref(v);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(view_keys) && !err; i++) {
		e = odict_lookup(view, view_keys[i]);
		err = e ? entry_put(pop, e)
			: odict_entry_add(pop, view_keys[i], ODICT_NULL);
	}
	e = odict_lookup(view, "call_guide");
	g = odict_lookup(view, "vip_call_guide");
	if (e && e->type == ODICT_STRING)
		guide = e->u.str;
	if (vip && g && g->type == ODICT_STRING && g->u.str[0]) {
		guide = g->u.str;
		vip_guide = true;
	}
	err |= add_str(pop, "call_guide", guide);
	err |= odict_entry_add(pop, "call_guide_vip", ODICT_BOOL, vip_guide);
	mem_deref(view);
	return err;
}

/* ---- the document ------------------------------------------------------- */

int sec_pop_build(struct odict **op, struct store *st, int64_t record_id,
		  int64_t agent_id, int64_t queue_id, uint64_t at)
{
	struct store_call *c = NULL;
	struct store_employee *agent = NULL;
	struct store_tenant *t = NULL;
	struct odict *pop = NULL, *o = NULL;
	bool vip = false;
	int err;

	if (!op || !st || record_id <= 0 || agent_id <= 0 || !at)
		return EINVAL;
	c = mem_zalloc(sizeof(*c), NULL);
	agent = mem_zalloc(sizeof(*agent), NULL);
	t = mem_zalloc(sizeof(*t), NULL);
	if (!c || !agent || !t) {
		err = ENOMEM;
		goto out;
	}
	err = store_call_get(st, record_id, c);
	if (!err)
		err = store_employee_get(st, agent_id, agent);
	if (!err)
		err = store_tenant_get(st, c->tenant_id, t);
	if (err)
		goto out;
	/* the agent may be another tenant's (an answering service's pool
	 * taking a client's calls): the client is the call's tenant */

	err = odict_alloc(&pop, 32);
	if (err)
		goto out;
	err = odict_entry_add(pop, "record_id", ODICT_INT, c->id);
	err |= add_id(pop, "queue_id", queue_id);
	err |= odict_entry_add(pop, "agent_id", ODICT_INT, agent->id);
	err |= add_time(pop, "at", at);
	err |= odict_alloc(&o, 4);
	if (err)
		goto out;
	err = odict_entry_add(o, "id", ODICT_INT, t->id);
	err |= add_str(o, "name", t->name);
	err |= odict_entry_add(pop, "tenant", ODICT_OBJECT, o);
	if (!err)
		err = caller_add(pop, st, c, at, &vip);
	if (!err)
		err = profile_add(pop, st, c->tenant_id, agent, at, vip);
	if (!err)
		err = collected_add(pop, c);
	if (!err)
		err = employees_add(pop, st, c->tenant_id, at);
	if (err)
		goto out;
	*op = pop;
	pop = NULL;
out:
	mem_deref(o);
	mem_deref(pop);
	mem_deref(t);
	mem_deref(agent);
	mem_deref(c);
	return err;
}
