/*
 * sqlite_target.c - where numbers, schedules and menus route to: a
 * target (type, id) must exist and belong to the same tenant, and the
 * targets a call follows without the caller doing anything (a schedule's
 * three, a menu's fallback, a digit input's fallback) must not lead back
 * to where they started.  A menu's keys and a digit input's target are
 * not followed: going round by pressing keys is the caller's choice, not
 * a loop.
 */
#include "core/core.h"
#include "store/sqlite_int.h"

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

	return ttenant == tenant_id ? 0 : EXDEV;
}

/* The targets t leads to by itself: *np of them into next[3]. */
static int target_next(struct store *st, const struct store_target_ref *t,
		       struct store_target_ref next[3], size_t *np)
{
	struct store_schedule *s;
	struct store_ivr_menu *m;
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
	return 0;
}

int store_target_loop(struct store *st, enum store_target self_type,
		      int64_t self_id, const struct store_target_ref *t,
		      unsigned depth)
{
	struct store_target_ref next[3];
	size_t i, n;
	int err;

	if (t->type != TARGET_SCHEDULE && t->type != TARGET_IVR &&
	    t->type != TARGET_COLLECT)
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
