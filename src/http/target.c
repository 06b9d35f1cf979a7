/*
 * target.c - where a number or a schedule routes to: a target type and
 * the id of a record of that type, which must exist and belong to the
 * same tenant; a pool queue (the answering service's agents, issue 17)
 * may be named by any tenant, by the operator only (403 for a client
 * admin: which clients the pool serves is the service's decision).  One check for every resource that names targets, with
 * the messages the API has always given for numbers; and the 409 of a
 * target that cannot be deleted, naming what still routes to it.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

/* The tenant of target (type, id); ENOENT if there is none. */
static int target_tenant(struct store *st, enum store_target type, int64_t id,
			 int64_t *tenantp)
{
	struct store_employee e;
	struct store_announcement a;
	struct store_schedule *s;
	struct store_ivr_menu *m;
	struct store_mailbox mb;
	struct store_external x;
	struct store_ring_group *g;
	int err;

	memset(&x, 0, sizeof(x));
	switch (type) {
	case TARGET_EMPLOYEE:
		err = store_employee_get(st, id, &e);
		*tenantp = e.tenant_id;
		return err;
	case TARGET_ANNOUNCEMENT:
		err = store_announcement_get(st, id, &a);
		*tenantp = a.tenant_id;
		return err;
	case TARGET_SCHEDULE:
		s = mem_zalloc(sizeof(*s), NULL); /* too big for the stack */
		if (!s)
			return ENOMEM;
		err = store_schedule_get(st, id, s);
		*tenantp = s->tenant_id;
		mem_deref(s);
		return err;
	case TARGET_IVR:
		m = mem_zalloc(sizeof(*m), NULL);
		if (!m)
			return ENOMEM;
		err = store_ivr_menu_get(st, id, m);
		*tenantp = m->tenant_id;
		mem_deref(m);
		return err;
	case TARGET_VOICEMAIL:
		memset(&mb, 0, sizeof(mb));
		err = store_mailbox_get(st, id, &mb);
		*tenantp = mb.tenant_id;
		return err;
	case TARGET_EXTERNAL:
		memset(&x, 0, sizeof(x));
		err = store_external_get(st, id, &x);
		*tenantp = x.tenant_id;
		return err;
	case TARGET_COLLECT: {
		struct store_digit_input d = {.id = 0};

		err = store_digit_input_get(st, id, &d);
		*tenantp = d.tenant_id;
		return err;
	}
	case TARGET_RING_GROUP:
		g = mem_zalloc(sizeof(*g), NULL);
		if (!g)
			return ENOMEM;
		err = store_ring_group_get(st, id, g);
		*tenantp = g->tenant_id;
		mem_deref(g);
		return err;
	case TARGET_QUEUE: {
		struct store_queue *q = mem_zalloc(sizeof(*q), NULL);

		if (!q)
			return ENOMEM;
		err = store_queue_get(st, id, q);
		*tenantp = q->tenant_id;
		mem_deref(q);
		return err;
	}
	default:
		return EINVAL;
	}
}

int api_target_ref(struct api_req *req, const char *field,
		   enum store_target type, int64_t id, int64_t tenant_id)
{
	const char *noun = store_target_name(type);
	int64_t tenant = 0;
	int err;

	if (type == TARGET_NONE)
		return 0;
	err = target_tenant(req->api->st, type, id, &tenant);
	if (err == ENOENT)
		return api_error(req, 422, "%s: %s %lld does not exist", field,
				 noun, (long long)id);
	if (err)
		return api_fail(req, err, "%s: %m", field, err);
	if (tenant == tenant_id)
		return 0;
	if (type != TARGET_QUEUE || !store_target_pool(req->api->st, id))
		return api_error(req, 422,
				 "%s: %s %lld belongs to another tenant", field,
				 noun, (long long)id);
	/* which clients the service's pool serves is the service's word */
	if (api_role_of(req->token.role) != API_ROLE_OPERATOR)
		return api_error(req, 403,
				 "%s: queue %lld is the answering service's "
				 "pool: only the operator routes to it",
				 field, (long long)id);
	return 0;
}

int api_target_pair(struct api_req *req, const struct api_field *tf, void *rec,
		    struct store_target_ref *t, int64_t tenant_id)
{
	const struct api_field *idf = tf + 1;
	const char *type = api_str(req, tf->name);
	int64_t id;
	int err;

	if (api_has(req, tf->name)) {
		if (type) {
			err = api_field_apply(req, tf, rec);
			if (err)
				return err;
		}
		else {
			t->type = TARGET_NONE;
		}
	}
	if (api_has(req, idf->name)) {
		err = api_field_id(req, idf->name, &id);
		if (err)
			return err;
		t->id = id;
	}
	if (t->type == TARGET_NONE) {
		if (t->id)
			return api_error(req, 422,
					 "%s: must be null when %s is none",
					 idf->name, tf->name);
		return 0;
	}
	if (!t->id)
		return api_error(req, 422, "%s: is required for %s %s",
				 idf->name, tf->name,
				 api_enum_name(tf, t->type));
	return api_target_ref(req, idf->name, t->type, t->id, tenant_id);
}

int api_target_types(struct re_printf *pf, void *arg)
{
	const struct store_names *t = &store_names_target;
	size_t i, n = 0, k = 0;
	int err = 0;

	(void)arg;
	for (i = 0; i < t->n; i++)
		n += t->v[i] && i != TARGET_NONE;
	for (i = 0; i < t->n; i++) {
		if (!t->v[i] || i == TARGET_NONE)
			continue;
		err |= re_hprintf(
		    pf, "%s%s", k ? (k + 1 == n ? " or " : ", ") : "", t->v[i]);
		k++;
	}
	return err;
}

/* The words of route_refs' via (store_target_use) in an error text. */
static const struct {
	const char *via;
	const char *noun;
} use_nouns[] = {
    {"number", "number"},         {"schedule", "schedule"},
    {"ivr", "ivr menu"},          {"digit_input", "digit input"},
    {"ring_group", "ring group"}, {"queue", "queue"},
    {"forwarding", "forwarding"},
};

int api_target_in_use(struct api_req *req, int err, enum store_target type,
		      int64_t id, const char *noun)
{
	struct store_target_use u;
	const char *by = NULL;
	size_t i;

	if (store_target_used_by(req->api->st, type, id, &u))
		return api_fail(req, err, "%s %lld is in use", noun,
				(long long)id);
	if (!strcmp(u.via, "member"))
		return api_fail(req, err,
				"%s %lld is a member of ring group %lld; take "
				"it out of the group first",
				noun, (long long)id, (long long)u.owner);
	if (!strcmp(u.via, "queue_member"))
		return api_fail(req, err,
				"%s %lld is a member of queue %lld; take it "
				"out of the queue first",
				noun, (long long)id, (long long)u.owner);
	for (i = 0; i < ARRAY_SIZE(use_nouns) && !by; i++) {
		if (!strcmp(u.via, use_nouns[i].via))
			by = use_nouns[i].noun;
	}
	return api_fail(req, err, "%s %lld is in use by %s %lld", noun,
			(long long)id, by ? by : u.via, (long long)u.owner);
}
