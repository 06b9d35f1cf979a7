/*
 * sqlite_target.c - where numbers, schedules, menus, digit inputs and
 * ring groups route to: a target (type, id) must exist and belong to the
 * same tenant, or be a pool queue (the answering service's agents, issue
 * 17: any tenant may route to it), and the targets a call follows without the caller doing
 * anything (a schedule's three, a menu's fallback, a digit input's
 * fallback, a ring group's fallback when nobody answers, a queue's limit
 * targets) must not lead
 * back to where they started.  A menu's keys and a digit input's target
 * are not followed: going round by pressing keys is the caller's choice,
 * not a loop.  Who still routes to a target is the route_refs view
 * (migrate.c), read by every "still in use" check and by
 * store_target_used_by().
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

static const struct store_sql sql[] = {
    {S_TARGET_USED_BY, "target used by",
     "SELECT via, owner FROM route_refs WHERE type = ?1 AND id = ?2"
     " AND NOT (via = ?3 AND owner = ?2)"
     " ORDER BY via = 'number', via, owner LIMIT 1"},
};

const struct store_sqlset store_sql_target = STORE_SQLSET(sql);

int store_target_check(struct store *st, enum store_target type,
		       int64_t target_id, int64_t tenant_id)
{
	static const enum store_sql_id tenant_of[] = {
	    [TARGET_EMPLOYEE] = S_EMP_TENANT,
	    [TARGET_ANNOUNCEMENT] = S_ANN_TENANT,
	    [TARGET_SCHEDULE] = S_SCHED_TENANT,
	    [TARGET_IVR] = S_IVR_TENANT,
	    [TARGET_VOICEMAIL] = S_MBOX_TENANT,
	    [TARGET_EXTERNAL] = S_EXT_TENANT,
	    [TARGET_COLLECT] = S_DIN_TENANT,
	    [TARGET_RING_GROUP] = S_RG_TENANT,
	    [TARGET_QUEUE] = S_QUEUE_TENANT,
	};
	int64_t ttenant;
	int err;

	if (type == TARGET_NONE)
		return 0;
	if ((size_t)type >= ARRAY_SIZE(tenant_of) || !tenant_of[type] ||
	    target_id <= 0)
		return EINVAL;

	err = store_tenant_of(st, tenant_of[type], target_id, &ttenant);
	if (err)
		return err;
	if (ttenant == tenant_id)
		return 0;
	return type == TARGET_QUEUE && store_target_pool(st, target_id) ? 0
									: EXDEV;
}

bool store_target_pool(struct store *st, int64_t queue_id)
{
	int64_t pool = 0;

	if (!st || queue_id <= 0)
		return false;
	return !store_run(st, S_QUEUE_POOL, EIO, &pool, "i", queue_id) && pool;
}

/* A queue's limit targets: where its callers go by themselves. */
static int queue_next(struct store *st, int64_t id,
		      struct store_target_ref next[4], size_t *np)
{
	struct store_queue *q = mem_zalloc(sizeof(*q), NULL);
	int err;

	if (!q)
		return ENOMEM;
	err = store_queue_get(st, id, q);
	if (!err) {
		next[0] = q->on_timeout;
		next[1] = q->on_full;
		next[2] = q->on_no_agents;
		next[3] = q->on_closed;
		*np = 4;
	}
	mem_deref(q);
	return err;
}

/* The targets t leads to by itself: *np of them into next[4]. */
static int target_next(struct store *st, const struct store_target_ref *t,
		       struct store_target_ref next[4], size_t *np)
{
	struct store_schedule *s;
	struct store_ivr_menu *m;
	struct store_ring_group *g;
	int err;

	*np = 0;
	if (t->type == TARGET_SCHEDULE) {
		s = mem_zalloc(sizeof(*s), NULL);
		if (!s)
			return ENOMEM;
		err = store_schedule_get(st, t->id, s);
		if (!err) {
			next[0] = s->open;
			next[1] = s->closed;
			next[2] = s->holiday;
			*np = 3;
		}
		mem_deref(s);
		return err;
	}
	if (t->type == TARGET_COLLECT) {
		struct store_digit_input d;

		err = store_digit_input_get(st, t->id, &d);
		if (!err) {
			next[0] = d.fallback;
			*np = 1;
		}
		return err;
	}
	if (t->type == TARGET_IVR) {
		m = mem_zalloc(sizeof(*m), NULL);
		if (!m)
			return ENOMEM;
		err = store_ivr_menu_get(st, t->id, m);
		if (!err) {
			next[0] = m->fallback;
			*np = 1;
		}
		mem_deref(m);
		return err;
	}
	if (t->type == TARGET_RING_GROUP) {
		g = mem_zalloc(sizeof(*g), NULL);
		if (!g)
			return ENOMEM;
		err = store_ring_group_get(st, t->id, g);
		if (!err) {
			next[0] = g->fallback;
			*np = 1;
		}
		mem_deref(g);
		return err;
	}
	if (t->type == TARGET_QUEUE)
		return queue_next(st, t->id, next, np);
	return 0;
}

/* Targets whose own targets a call follows by itself. */
static bool target_leads_on(enum store_target type)
{
	return type == TARGET_SCHEDULE || type == TARGET_IVR ||
	       type == TARGET_COLLECT || type == TARGET_RING_GROUP ||
	       type == TARGET_QUEUE;
}

int store_target_loop(struct store *st, enum store_target self_type,
		      int64_t self_id, const struct store_target_ref *t,
		      unsigned depth)
{
	struct store_target_ref next[4];
	size_t i, n;
	int err;

	if (!target_leads_on(t->type))
		return 0;
	if ((t->type == self_type && t->id == self_id) ||
	    depth > STORE_TARGET_DEPTH)
		return ELOOP;
	err = target_next(st, t, next, &n);
	for (i = 0; !err && i < n; i++)
		err = store_target_loop(st, self_type, self_id, &next[i],
					depth + 1);
	return err;
}

int store_target_used_by(struct store *st, enum store_target type, int64_t id,
			 struct store_target_use *u)
{
	const char *self = store_names_get(&store_names_target, (int)type);
	struct db_stmt *q;
	int rc, err;

	if (!st || !self || type == TARGET_NONE || id <= 0 || !u)
		return EINVAL;
	memset(u, 0, sizeof(*u));
	err = store_stmt_bind(st, S_TARGET_USED_BY, &q, "iis", (int64_t)type,
			      id, self);
	if (err)
		return err;
	rc = db_step(q);
	if (rc == DB_ROW) {
		store_col_text(q, 0, u->via, sizeof(u->via));
		u->owner = db_column_int64(q, 1);
	}
	else if (rc == DB_DONE) {
		err = ENOENT;
	}
	else {
		err = store_dberr(st, rc, S_TARGET_USED_BY, EIO);
	}
	store_stmt_put(st, S_TARGET_USED_BY, q);
	return err;
}
