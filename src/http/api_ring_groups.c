/*
 * api_ring_groups.c - /api/v1/ring_groups: ring groups (Gruppenruf) of
 * a tenant.  A number (or a schedule's state, a menu's key or fallback,
 * another group's fallback) routes to a group with target_type
 * "ring_group".
 *
 *   {"tenant_id": 1, "name": "Vertrieb", "strategy": "sequential",
 *    "timeout": 60, "skip_busy": true,
 *    "members": [{"employee_id": 1, "timeout": 15},
 *                {"employee_id": 2}],                   (timeout 20 s)
 *    "fallback_type": "announcement", "fallback_id": 1}
 *
 * strategy "simultaneous" rings every member at once, "sequential" one
 * after another in the order given, each for its own timeout; timeout is
 * the most the whole group rings (0: as long as its members ring).
 * members are replaced as a whole when given.  Each problem is a 422
 * naming it: no member, a member twice, an employee that does not exist
 * or is another tenant's, a fallback that leads back to the group without
 * the caller doing anything.  A group still routed to cannot be deleted:
 * 409 naming what routes to it.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

#define T struct store_ring_group

enum { MEMBER_TIMEOUT = 20 }; /* [s] a member's default ring time */

static int member_read(struct api_req *req, const char *path,
		       const struct odict *o, const T *g,
		       struct store_ring_member *m)
{
	static const char *const keys[] = {"employee_id", "timeout"};
	const struct odict_entry *e;
	char field[48];
	size_t i;
	int err;

	err = api_item_keys(req, o, path, keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	e = odict_lookup(o, "employee_id");
	if (!e)
		return api_error(req, 422, "%s.employee_id: is required", path);
	if (e->type != ODICT_INT || e->u.integer <= 0)
		return api_error(req, 422,
				 "%s.employee_id: must be a positive id", path);
	m->employee_id = e->u.integer;
	for (i = 0; i < g->memberc; i++) {
		if (g->memberv[i].employee_id == m->employee_id)
			return api_error(req, 422,
					 "%s.employee_id: employee %lld is "
					 "given twice",
					 path, (long long)m->employee_id);
	}
	re_snprintf(field, sizeof(field), "%s.employee_id", path);
	err = api_target_ref(req, field, TARGET_EMPLOYEE, m->employee_id,
			     g->tenant_id);
	if (err)
		return err;
	m->timeout = MEMBER_TIMEOUT;
	e = odict_lookup(o, "timeout");
	if (!e)
		return 0;
	if (e->type != ODICT_INT || e->u.integer < 1 ||
	    e->u.integer > STORE_RING_MEMBER_MAX)
		return api_error(req, 422,
				 "%s.timeout: must be from 1 to %d seconds",
				 path, STORE_RING_MEMBER_MAX);
	m->timeout = (uint32_t)e->u.integer;
	return 0;
}

static int member_item(struct api_req *req, const char *path,
		       const struct odict *o, size_t i, void *arg)
{
	struct store_ring_member m;
	T *g = arg;
	int err;

	memset(&m, 0, sizeof(m));
	err = member_read(req, path, o, g, &m);
	if (!err)
		g->memberv[i] = m;
	g->memberc = i + 1;
	return err;
}

static int members_apply(struct api_req *req, const struct api_field *f,
			 void *rec)
{
	T *g = rec;
	int err;

	g->memberc = 0;
	err = api_items_each(req, f, STORE_RING_MEMBERS, member_item, g);
	if (err)
		return err;
	if (!g->memberc)
		return api_error(
		    req, 422, "%s: at least one member is required", f->name);
	return 0;
}

static int members_encode(struct odict *o, const struct api_field *f,
			  const void *rec, const struct api_req *req)
{
	const T *g = rec;
	struct odict *arr = NULL, *it = NULL;
	size_t i;
	int err;

	(void)req;
	err = api_list_alloc(&arr);
	for (i = 0; !err && i < g->memberc; i++) {
		const struct store_ring_member *m = &g->memberv[i];

		err = odict_alloc(&it, 4);
		err |= api_add_int(it, "employee_id", m->employee_id);
		err |= api_add_int(it, "timeout", m->timeout);
		err |= api_list_append(arr, it);
		it = mem_deref(it);
	}
	if (!err)
		err = odict_entry_add(o, f->name, ODICT_ARRAY, arr);
	mem_deref(it);
	mem_deref(arr);
	return err;
}

enum { F_FALLBACK_TYPE = 6 };

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED | FF_EARLY),
     API_M(T, tenant_id), .ref = api_ref_tenant},
    {API_F("name", AK_STR, FF_REQUIRED), API_M(T, name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("strategy", AK_ENUM, 0), API_M(T, strategy), .max = 16,
     .en = &store_names_ring_strategy},
    {API_F("timeout", AK_INT, 0), API_M(T, timeout), .min = 0,
     .max = STORE_RING_TIMEOUT_MAX, .unit = "seconds"},
    {API_F("skip_busy", AK_BOOL, 0), API_M(T, skip_busy)},
    [F_FALLBACK_TYPE] = {API_F("fallback_type", AK_ENUM, FF_HOOK),
			 API_M(T, fallback.type), .max = 16,
			 .en = &store_names_target},
    {API_F("fallback_id", AK_ID, FF_NULL | FF_HOOK), API_M(T, fallback.id)},
    {API_F("members", AK_LIST, FF_REQUIRED), .apply = members_apply,
     .encode = members_encode},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

static int group_check(struct api_req *req, void *rec, const void *old)
{
	T *g = rec;

	(void)old;
	return api_target_pair(req, &fields[F_FALLBACK_TYPE], g, &g->fallback,
			       g->tenant_id);
}

static int group_fail(struct api_req *req, int err, const void *rec)
{
	const T *g = rec;

	switch (err) {
	case EEXIST:
		return api_fail(req, err, "name: %s exists already", g->name);
	case ELOOP:
		return api_error(req, 422,
				 "fallback_id: leads back to this ring group "
				 "when nobody answers");
	case EBUSY:
		return api_target_in_use(req, err, TARGET_RING_GROUP, g->id,
					 "ring group");
	default:
		return api_fail(req, err, "ring group: %m", err);
	}
}

API_STORE_GET(group_get, store_ring_group_get)

API_STORE_ADD(group_add, store_ring_group_add)

API_STORE_UPDATE(group_update, store_ring_group_update)

API_LIST_H(group_h, T)

static int group_list(struct api_req *req, const struct api_query *q, void *arg)
{
	return store_ring_group_list(req->api->st, q->tenant_id, group_h, arg);
}

static int group_print(struct re_printf *pf, void *rec)
{
	const T *g = rec;

	return re_hprintf(pf, "%s, tenant %lld, %zu members", g->name,
			  (long long)g->tenant_id, g->memberc);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

const struct api_resource api_ring_groups = {
    .path = "/api/v1/ring_groups",
    .noun = "ring group",
    .label = "ring group",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = group_get,
    .add = group_add,
    .update = group_update,
    .del = store_ring_group_delete,
    .list = group_list,
    .check = group_check,
    .fail = group_fail,
    .print = group_print,
    .enoent_unless = "fallback_id",
};
