/*
 * api_queues.c - /api/v1/queues: hotline queues (ACD) of a tenant.  A
 * number (or a schedule's state, a menu's key, another target) routes to
 * a queue with target_type "queue".
 *
 *   {"tenant_id": 1, "name": "Technik", "strategy": "skills",
 *    "ring_timeout": 20, "wrapup": 30, "max_misses": 3,
 *    "max_wait": 600, "max_len": 20, "service_level": 20,
 *    "schedule_id": 2, "mailbox_id": 1, "callback": true,
 *    "timeout_type": "voicemail", "timeout_id": 1,
 *    "full_type": null, "no_agents_type": "announcement",
 *    "no_agents_id": 3, "closed_type": "announcement", "closed_id": 4,
 *    "members": [{"employee_id": 1, "tier": 0},
 *                {"employee_id": 2, "tier": 1}],
 *    "skills": [{"skill": "de", "min_level": 5, "relax_after": 30}],
 *    "widen": [{"after": 20, "max_tier": 1}],
 *    "greeting": "uploads/1/ab12.wav", "announce_every": 60,
 *    "say_position": true, "say_wait": true}
 *
 * strategy "ring_all", "round_robin" (with memory), "longest_idle"
 * (default), "fewest_calls" or "skills".  members, skills and widen are
 * replaced as a whole when given.  Each problem is a 422 naming it; a
 * queue still routed to cannot be deleted (409 naming what routes to it).
 * greeting null: please_hold.wav of the tenant's language; else a WAV file
 * in the prompts directory that plays (422 naming greeting otherwise: a
 * call to a queue whose greeting cannot play is not answered, 480); an
 * uploaded prompt ("uploads/...") must be one of the queue's tenant.
 * announce_every: seconds between the announcements of position and
 * wait (0: on entry only); say_position, say_wait: what they say.
 * Changes reach the live queues at once, on every node on the store
 * (acd_queue_changed()).
 *
 * pool (the operator only, 403 for anyone else): the queue is the
 * answering service's agent pool (issue 17), a target that numbers,
 * forwardings, schedules, menus, ... of any tenant may name; a client's
 * call in it stays the client's call.  Cleared only while nothing routes
 * to it (409).
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "acd/acd.h"

#define T struct store_queue

/* greeting: a file under the prompts directory */
static bool prompt_ok(const char *s)
{
	return s[0] != '/' && !strstr(s, "..");
}

static const struct api_rule prompt_rule = {
    prompt_ok, "must be a file name under the prompts directory"};

/* Integer key of item o into *vp: def if absent (unless required), else
 * min..max; a 422 naming path.key otherwise. */
static int item_int(struct api_req *req, const struct odict *o,
		    const char *path, const char *key, int64_t min, int64_t max,
		    const char *unit, int64_t *vp)
{
	const struct odict_entry *e = odict_lookup(o, key);

	if (!e)
		return *vp < 0 ? api_error(req, 422, "%s.%s: is required", path,
					   key)
			       : 0;
	if (e->type != ODICT_INT || e->u.integer < min || e->u.integer > max)
		return api_error(req, 422,
				 "%s.%s: must be from %lld to %lld%s%s", path,
				 key, (long long)min, (long long)max,
				 unit ? " " : "", unit ? unit : "");
	*vp = e->u.integer;
	return 0;
}

static int member_item(struct api_req *req, const char *path,
		       const struct odict *o, size_t i, void *arg)
{
	static const char *const keys[] = {"employee_id", "tier"};
	T *q = arg;
	int64_t id = -1, tier = 0;
	char field[48];
	size_t j;
	int err;

	err = api_item_keys(req, o, path, keys, ARRAY_SIZE(keys));
	if (!err)
		err = item_int(req, o, path, "employee_id", 1, INT64_MAX, NULL,
			       &id);
	if (!err)
		err = item_int(req, o, path, "tier", 0, STORE_TIER_MAX, NULL,
			       &tier);
	if (err)
		return err;
	for (j = 0; j < i; j++) {
		if (q->memberv[j].employee_id == id)
			return api_error(req, 422,
					 "%s.employee_id: employee %lld is "
					 "given twice",
					 path, (long long)id);
	}
	re_snprintf(field, sizeof(field), "%s.employee_id", path);
	err = api_target_ref(req, field, TARGET_EMPLOYEE, id, q->tenant_id);
	if (err)
		return err;
	q->memberv[i].employee_id = id;
	q->memberv[i].tier = (unsigned)tier;
	q->memberc = i + 1;
	return 0;
}

static int skill_item(struct api_req *req, const char *path,
		      const struct odict *o, size_t i, void *arg)
{
	static const char *const keys[] = {"skill", "min_level", "relax_after"};
	T *q = arg;
	int64_t level = 1, relax = 0;
	const char *name;
	size_t j;
	int err = 0;

	err = api_item_keys(req, o, path, keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	name = api_item_str(req, o, path, "skill", true, &err);
	if (!name)
		return err;
	if (!name[0] || strlen(name) >= STORE_SKILL_LEN)
		return api_error(req, 422,
				 "%s.skill: must be 1 to %d characters", path,
				 STORE_SKILL_LEN - 1);
	for (j = 0; j < i; j++) {
		if (!strcmp(q->skillv[j].skill, name))
			return api_error(req, 422,
					 "%s.skill: %s is given twice", path,
					 name);
	}
	err = item_int(req, o, path, "min_level", 1, STORE_LEVEL_MAX, NULL,
		       &level);
	if (!err)
		err = item_int(req, o, path, "relax_after", 0, 86400, "seconds",
			       &relax);
	if (err)
		return err;
	str_copy(q->skillv[i].skill, name, sizeof(q->skillv[i].skill));
	q->skillv[i].min_level = (unsigned)level;
	q->skillv[i].relax_after = (uint32_t)relax;
	q->skillc = i + 1;
	return 0;
}

static int widen_item(struct api_req *req, const char *path,
		      const struct odict *o, size_t i, void *arg)
{
	static const char *const keys[] = {"after", "max_tier"};
	T *q = arg;
	int64_t after = -1, tier = -1;
	int err;

	err = api_item_keys(req, o, path, keys, ARRAY_SIZE(keys));
	if (!err)
		err = item_int(req, o, path, "after", 0, 86400, "seconds",
			       &after);
	if (!err)
		err = item_int(req, o, path, "max_tier", 0, STORE_TIER_MAX,
			       NULL, &tier);
	if (err)
		return err;
	if (i && (uint32_t)after <= q->widenv[i - 1].after)
		return api_error(req, 422,
				 "%s.after: must be later than the step "
				 "before (%u seconds)",
				 path, q->widenv[i - 1].after);
	q->widenv[i].after = (uint32_t)after;
	q->widenv[i].max_tier = (unsigned)tier;
	q->widenc = i + 1;
	return 0;
}

static int members_apply(struct api_req *req, const struct api_field *f,
			 void *rec)
{
	T *q = rec;

	q->memberc = 0;
	return api_items_each(req, f, STORE_QUEUE_MEMBERS, member_item, q);
}

static int skills_apply(struct api_req *req, const struct api_field *f,
			void *rec)
{
	T *q = rec;

	q->skillc = 0;
	return api_items_each(req, f, STORE_QUEUE_REQS, skill_item, q);
}

static int widen_apply(struct api_req *req, const struct api_field *f,
		       void *rec)
{
	T *q = rec;

	q->widenc = 0;
	return api_items_each(req, f, STORE_QUEUE_WIDEN, widen_item, q);
}

/* An array of n objects that fill(it, i) makes, as field f of o. */
static int list_encode(struct odict *o, const char *name, size_t n,
		       int (*fill)(struct odict *it, const T *q, size_t i),
		       const T *q)
{
	struct odict *arr = NULL, *it = NULL;
	size_t i;
	int err;

	err = api_list_alloc(&arr);
	for (i = 0; !err && i < n; i++) {
		err = odict_alloc(&it, 4);
		if (!err)
			err = fill(it, q, i);
		if (!err)
			err = api_list_append(arr, it);
		it = mem_deref(it);
	}
	if (!err)
		err = odict_entry_add(o, name, ODICT_ARRAY, arr);
	mem_deref(arr);
	return err;
}

static int member_fill(struct odict *it, const T *q, size_t i)
{
	return api_add_int(it, "employee_id", q->memberv[i].employee_id) |
	       api_add_int(it, "tier", q->memberv[i].tier);
}

static int skill_fill(struct odict *it, const T *q, size_t i)
{
	return api_add_str(it, "skill", q->skillv[i].skill) |
	       api_add_int(it, "min_level", q->skillv[i].min_level) |
	       api_add_int(it, "relax_after", q->skillv[i].relax_after);
}

static int widen_fill(struct odict *it, const T *q, size_t i)
{
	return api_add_int(it, "after", q->widenv[i].after) |
	       api_add_int(it, "max_tier", q->widenv[i].max_tier);
}

static int members_encode(struct odict *o, const struct api_field *f,
			  const void *rec, const struct api_req *req)
{
	const T *q = rec;

	(void)req;
	return list_encode(o, f->name, q->memberc, member_fill, q);
}

static int skills_encode(struct odict *o, const struct api_field *f,
			 const void *rec, const struct api_req *req)
{
	const T *q = rec;

	(void)req;
	return list_encode(o, f->name, q->skillc, skill_fill, q);
}

static int widen_encode(struct odict *o, const struct api_field *f,
			const void *rec, const struct api_req *req)
{
	const T *q = rec;

	(void)req;
	return list_encode(o, f->name, q->widenc, widen_fill, q);
}

static int ref_schedule(struct api_req *req, const struct api_field *f,
			int64_t id, int64_t tenant_id)
{
	return api_target_ref(req, f->name, TARGET_SCHEDULE, id, tenant_id);
}

static int ref_mailbox(struct api_req *req, const struct api_field *f,
		       int64_t id, int64_t tenant_id)
{
	return api_target_ref(req, f->name, TARGET_VOICEMAIL, id, tenant_id);
}

enum {
	F_TIMEOUT_TYPE = 14,
	F_FULL_TYPE = 16,
	F_NO_AGENTS_TYPE = 18,
	F_CLOSED_TYPE = 20,
};

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED | FF_EARLY),
     API_M(T, tenant_id), .ref = api_ref_tenant},
    {API_F("name", AK_STR, FF_REQUIRED), API_M(T, name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("strategy", AK_ENUM, 0), API_M(T, strategy), .max = 16,
     .en = &store_names_queue_strategy},
    {API_F("ring_timeout", AK_INT, 0), API_M(T, ring_timeout), .min = 5,
     .max = 300, .unit = "seconds"},
    {API_F("wrapup", AK_INT, 0), API_M(T, wrapup), .min = 0, .max = 3600,
     .unit = "seconds"},
    {API_F("max_misses", AK_INT, 0), API_M(T, max_misses), .min = 0, .max = 99},
    {API_F("max_wait", AK_INT, 0), API_M(T, max_wait), .min = 0, .max = 86400,
     .unit = "seconds"},
    {API_F("max_len", AK_INT, 0), API_M(T, max_len), .min = 0, .max = 1000},
    {API_F("service_level", AK_INT, 0), API_M(T, service_level), .min = 1,
     .max = 3600, .unit = "seconds"},
    {API_F("schedule_id", AK_ID, FF_NULL), API_M(T, schedule_id),
     .ref = ref_schedule},
    {API_F("mailbox_id", AK_ID, FF_NULL), API_M(T, mailbox_id),
     .ref = ref_mailbox},
    {API_F("callback", AK_BOOL, 0), API_M(T, callback)},
    {API_F("members", AK_LIST, 0), .apply = members_apply,
     .encode = members_encode},
    [F_TIMEOUT_TYPE] = {API_F("timeout_type", AK_ENUM, FF_NULL | FF_HOOK),
			API_M(T, on_timeout.type), .max = 16,
			.en = &store_names_target},
    {API_F("timeout_id", AK_ID, FF_NULL | FF_HOOK), API_M(T, on_timeout.id)},
    [F_FULL_TYPE] = {API_F("full_type", AK_ENUM, FF_NULL | FF_HOOK),
		     API_M(T, on_full.type), .max = 16,
		     .en = &store_names_target},
    {API_F("full_id", AK_ID, FF_NULL | FF_HOOK), API_M(T, on_full.id)},
    [F_NO_AGENTS_TYPE] = {API_F("no_agents_type", AK_ENUM, FF_NULL | FF_HOOK),
			  API_M(T, on_no_agents.type), .max = 16,
			  .en = &store_names_target},
    {API_F("no_agents_id", AK_ID, FF_NULL | FF_HOOK),
     API_M(T, on_no_agents.id)},
    [F_CLOSED_TYPE] = {API_F("closed_type", AK_ENUM, FF_NULL | FF_HOOK),
		       API_M(T, on_closed.type), .max = 16,
		       .en = &store_names_target},
    {API_F("closed_id", AK_ID, FF_NULL | FF_HOOK), API_M(T, on_closed.id)},
    {API_F("skills", AK_LIST, 0), .apply = skills_apply,
     .encode = skills_encode},
    {API_F("widen", AK_LIST, 0), .apply = widen_apply, .encode = widen_encode},
    {API_F("greeting", AK_STR, FF_NULL), API_M(T, greeting), .max = 127,
     .rule = &prompt_rule},
    {API_F("announce_every", AK_INT, 0), API_M(T, announce_every), .min = 0,
     .max = 3600, .unit = "seconds"},
    {API_F("say_position", AK_BOOL, 0), API_M(T, say_position)},
    {API_F("say_wait", AK_BOOL, 0), API_M(T, say_wait)},
    {API_F("pool", AK_BOOL, FF_OPERATOR), API_M(T, pool)},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

static void queue_init(void *rec)
{
	T *q = rec;

	q->strategy = STORE_QUEUE_LONGEST_IDLE;
	q->ring_timeout = 20;
	q->max_misses = 3;
	q->service_level = 20;
	q->announce_every = 60;
	q->say_position = true;
	q->say_wait = true;
}

static int queue_check(struct api_req *req, void *rec, const void *old)
{
	T *q = rec;
	int err;

	(void)old;
	err = api_prompt_playable(req, "greeting", q->greeting, q->tenant_id);
	if (!err)
		err = api_target_pair(req, &fields[F_TIMEOUT_TYPE], q,
				      &q->on_timeout, q->tenant_id);
	if (!err)
		err = api_target_pair(req, &fields[F_FULL_TYPE], q, &q->on_full,
				      q->tenant_id);
	if (!err)
		err = api_target_pair(req, &fields[F_NO_AGENTS_TYPE], q,
				      &q->on_no_agents, q->tenant_id);
	if (!err)
		err = api_target_pair(req, &fields[F_CLOSED_TYPE], q,
				      &q->on_closed, q->tenant_id);
	return err;
}

static int queue_fail(struct api_req *req, int err, const void *rec)
{
	const T *q = rec;

	switch (err) {
	case EEXIST:
		return api_fail(req, err, "name: %s exists already", q->name);
	case ELOOP:
		return api_error(req, 422,
				 "timeout_id, full_id, no_agents_id or "
				 "closed_id: leads back to this queue without "
				 "the caller doing anything");
	case EBUSY:
		return api_target_in_use(req, err, TARGET_QUEUE, q->id,
					 "queue");
	default:
		return api_fail(req, err, "queue: %m", err);
	}
}

static void queue_after(struct api_req *req, enum api_op op, const void *rec,
			const void *old)
{
	const T *q = rec;
	int err;

	(void)op;
	(void)old;
	if (!req->api->acd)
		return;
	err = acd_queue_changed(req->api->acd, q->id);
	if (err)
		warning("http: queue %lld: live queues not updated: %m\n",
			(long long)q->id, err);
}

API_STORE_GET(queue_get, store_queue_get)

API_STORE_ADD(queue_add, store_queue_add)

API_STORE_UPDATE(queue_update, store_queue_update)

API_LIST_H(queue_h, T)

static int queue_list(struct api_req *req, const struct api_query *q, void *arg)
{
	return store_queue_list(req->api->st, q->tenant_id, queue_h, arg);
}

static int queue_print(struct re_printf *pf, void *rec)
{
	const T *q = rec;

	return re_hprintf(pf, "%s, tenant %lld, %s, %zu members", q->name,
			  (long long)q->tenant_id,
			  store_queue_strategy_name(q->strategy), q->memberc);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

static const struct api_action actions[] = {
    {"GET", "/:id/stats", api_queue_stats},
    {"GET", "/:id/waiting", api_queue_waiting},
};

const struct api_resource api_queues = {
    .path = "/api/v1/queues",
    .noun = "queue",
    .label = "queue",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = queue_get,
    .add = queue_add,
    .update = queue_update,
    .del = store_queue_delete,
    .list = queue_list,
    .init = queue_init,
    .check = queue_check,
    .fail = queue_fail,
    .after = queue_after,
    .print = queue_print,
    .enoent_unless = "members",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
