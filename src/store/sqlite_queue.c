/*
 * sqlite_queue.c - hotline queues (ACD) in the SQLite store: a queue row
 * (strategy, ring timeout, wrap-up, misses, limits, service level, open
 * hours, mailbox, callback, and the four limit targets) with its members
 * (employees with a tier), skill requirements and widening steps as child
 * rows, written and replaced in one transaction.  Members are employees
 * of the queue's tenant (ENOENT, EXDEV), each at most once; the targets
 * are checked as a number's, and one that leads back to the queue without
 * the caller doing anything is refused (ELOOP, sqlite_target.c).  A queue
 * something routes to cannot be deleted (EBUSY); an employee who is a
 * member cannot be deleted either (route_refs 'queue_member').  A pool
 * queue (the answering service's agents, issue 17) is a target of any
 * tenant; it stops being a pool only while nothing routes to it.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define Q_SELECT                                                               \
	"SELECT id, tenant_id, name, strategy, ring_timeout, wrapup,"          \
	" max_misses, max_wait, max_len, service_level, schedule_id,"          \
	" mailbox_id, callback, timeout_type, timeout_id, full_type, full_id," \
	" no_agents_type, no_agents_id, closed_type, closed_id, created_at,"   \
	" greeting, announce_every, say_position, say_wait, pool"              \
	" FROM queues"

/* S_QUEUE_INUSE names the target type by its number, as route_refs has it */
_Static_assert(TARGET_QUEUE == 9, "queues are target type 9");

static const struct store_sql sql[] = {
    {S_QUEUE_TENANT, "queue tenant",
     "SELECT tenant_id FROM queues WHERE id = ?1"},
    {S_QUEUE_ADD, "queue add",
     "INSERT INTO queues (tenant_id, name, strategy, ring_timeout, wrapup,"
     " max_misses, max_wait, max_len, service_level, schedule_id,"
     " mailbox_id, callback, timeout_type, timeout_id, full_type, full_id,"
     " no_agents_type, no_agents_id, closed_type, closed_id, created_at,"
     " greeting, announce_every, say_position, say_wait, pool)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
     " ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26) RETURNING "
     "id"},
    {S_QUEUE_GET, "queue get", Q_SELECT " WHERE id = ?1"},
    {S_QUEUE_UPDATE, "queue update",
     "UPDATE queues SET name = ?2, strategy = ?3, ring_timeout = ?4,"
     " wrapup = ?5, max_misses = ?6, max_wait = ?7, max_len = ?8,"
     " service_level = ?9, schedule_id = ?10, mailbox_id = ?11,"
     " callback = ?12, timeout_type = ?13, timeout_id = ?14,"
     " full_type = ?15, full_id = ?16, no_agents_type = ?17,"
     " no_agents_id = ?18, closed_type = ?19, closed_id = ?20,"
     " greeting = ?21, announce_every = ?22, say_position = ?23,"
     " say_wait = ?24, pool = ?25 WHERE id = ?1"},
    {S_QUEUE_POOL, "queue pool", "SELECT pool FROM queues WHERE id = ?1"},
    {S_QUEUE_INUSE, "queue delete",
     "SELECT CAST(EXISTS (SELECT 1 FROM route_refs WHERE type = 9 AND id = ?1"
     " AND NOT (via = 'queue' AND owner = ?1)) AS INTEGER)"},
    {S_QUEUE_DELETE, "queue delete", "DELETE FROM queues WHERE id = ?1"},
    {S_QUEUE_LIST, "queue list",
     Q_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id"},
    {S_QUEUE_CHILDREN_CLEAR, "queue members",
     "DELETE FROM queue_members WHERE queue_id = ?1"},
    {S_QUEUE_SKILLS_CLEAR, "queue skills",
     "DELETE FROM queue_skills WHERE queue_id = ?1"},
    {S_QUEUE_WIDEN_CLEAR, "queue widen",
     "DELETE FROM queue_widen WHERE queue_id = ?1"},
    {S_QUEUE_MEMBER_ADD, "queue members",
     "INSERT INTO queue_members (queue_id, seq, employee_id, tier)"
     " VALUES (?1, ?2, ?3, ?4)"},
    {S_QUEUE_SKILL_ADD, "queue skills",
     "INSERT INTO queue_skills (queue_id, seq, skill, min_level, relax_after)"
     " VALUES (?1, ?2, ?3, ?4, ?5)"},
    {S_QUEUE_WIDEN_ADD, "queue widen",
     "INSERT INTO queue_widen (queue_id, seq, after, max_tier)"
     " VALUES (?1, ?2, ?3, ?4)"},
    {S_QUEUE_MEMBERS, "queue members",
     "SELECT employee_id, tier FROM queue_members"
     " WHERE queue_id = ?1 ORDER BY seq"},
    {S_QUEUE_SKILLS, "queue skills",
     "SELECT skill, min_level, relax_after FROM queue_skills"
     " WHERE queue_id = ?1 ORDER BY seq"},
    {S_QUEUE_WIDENS, "queue widen",
     "SELECT after, max_tier FROM queue_widen"
     " WHERE queue_id = ?1 ORDER BY seq"},
};

const struct store_sqlset store_sql_queue = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_queue, id),
    STORE_COL(SC_I64, SC_ADD, store_queue, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_queue, name),
    STORE_ENUM(SC_ADD | SC_UPD, store_queue, strategy,
	       &store_names_queue_strategy),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_queue, ring_timeout),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_queue, wrapup),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_queue, max_misses),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_queue, max_wait),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_queue, max_len),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_queue, service_level),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, store_queue, schedule_id),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, store_queue, mailbox_id),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_queue, callback),
    STORE_COL(SC_INT, SC_ADD | SC_UPD, store_queue, on_timeout.type),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, store_queue, on_timeout.id),
    STORE_COL(SC_INT, SC_ADD | SC_UPD, store_queue, on_full.type),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, store_queue, on_full.id),
    STORE_COL(SC_INT, SC_ADD | SC_UPD, store_queue, on_no_agents.type),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, store_queue, on_no_agents.id),
    STORE_COL(SC_INT, SC_ADD | SC_UPD, store_queue, on_closed.type),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, store_queue, on_closed.id),
    STORE_COL(SC_U64, SC_ADD, store_queue, created_at),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_queue, greeting),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_queue, announce_every),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_queue, say_position),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_queue, say_wait),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_queue, pool),
};

STORE_RECORD(q_rec, store_queue, store_queue_h, cols);

static bool members_valid(const struct store_queue *q)
{
	size_t i, j;

	if (q->memberc > STORE_QUEUE_MEMBERS)
		return false;
	for (i = 0; i < q->memberc; i++) {
		const struct store_queue_member *m = &q->memberv[i];

		if (m->employee_id <= 0 || m->tier > STORE_TIER_MAX)
			return false;
		for (j = 0; j < i; j++) {
			if (q->memberv[j].employee_id == m->employee_id)
				return false;
		}
	}
	return true;
}

static bool skills_valid(const struct store_queue *q)
{
	size_t i, j;

	if (q->skillc > STORE_QUEUE_REQS)
		return false;
	for (i = 0; i < q->skillc; i++) {
		const struct store_queue_skill *k = &q->skillv[i];

		if (!str_isset(k->skill) || k->min_level < 1 ||
		    k->min_level > STORE_LEVEL_MAX || k->relax_after > 86400)
			return false;
		for (j = 0; j < i; j++) {
			if (!strcmp(q->skillv[j].skill, k->skill))
				return false;
		}
	}
	return true;
}

static bool widen_valid(const struct store_queue *q)
{
	size_t i;

	if (q->widenc > STORE_QUEUE_WIDEN)
		return false;
	for (i = 0; i < q->widenc; i++) {
		const struct store_queue_widen *w = &q->widenv[i];

		if (w->after > 86400 || w->max_tier > STORE_TIER_MAX ||
		    (i && w->after <= q->widenv[i - 1].after))
			return false;
	}
	return true;
}

/* The fields the database does not check before the children are
 * written. */
static bool queue_valid(const struct store_queue *q)
{
	return q && str_isset(q->name) &&
	       store_names_has(&store_names_queue_strategy, (int)q->strategy) &&
	       q->ring_timeout >= 5 && q->ring_timeout <= 300 &&
	       q->wrapup <= 3600 && q->max_misses <= 99 &&
	       q->max_wait <= 86400 && q->max_len <= 1000 &&
	       q->service_level >= 1 && q->service_level <= 3600 &&
	       q->schedule_id >= 0 && q->mailbox_id >= 0 &&
	       q->announce_every <= 3600 && members_valid(q) &&
	       skills_valid(q) && widen_valid(q);
}

static const struct store_target_ref *limit_target(const struct store_queue *q,
						   size_t i)
{
	const struct store_target_ref *v[] = {&q->on_timeout, &q->on_full,
					      &q->on_no_agents, &q->on_closed};

	return i < ARRAY_SIZE(v) ? v[i] : NULL;
}

/* A pool queue stays one while something routes to it (targets of
 * other tenants would be left pointing across tenants): EBUSY. */
static int pool_kept(struct store *st, int64_t id)
{
	int64_t pool = 0, used = 0;
	int err;

	err = store_run(st, S_QUEUE_POOL, EIO, &pool, "i", id);
	if (!err && pool)
		err = store_run(st, S_QUEUE_INUSE, EIO, &used, "i", id);
	if (err == ENOENT)
		return 0; /* store_tree_update reports the missing queue */
	return !err && used ? EBUSY : err;
}

static int queue_check(struct store *st, const void *rec)
{
	const struct store_queue *q = rec;
	const struct store_target_ref *t;
	size_t i;
	int err = 0;

	for (i = 0; !err && i < q->memberc; i++)
		err =
		    store_target_check(st, TARGET_EMPLOYEE,
				       q->memberv[i].employee_id, q->tenant_id);
	if (!err && q->schedule_id)
		err = store_target_check(st, TARGET_SCHEDULE, q->schedule_id,
					 q->tenant_id);
	if (!err && q->mailbox_id)
		err = store_target_check(st, TARGET_VOICEMAIL, q->mailbox_id,
					 q->tenant_id);
	for (i = 0; !err && (t = limit_target(q, i)); i++) {
		err = store_target_check(st, t->type, t->id, q->tenant_id);
		if (!err && q->id)
			err = store_target_loop(st, TARGET_QUEUE, q->id, t, 0);
	}
	if (!err && q->id && !q->pool)
		err = pool_kept(st, q->id);
	return err;
}

static int queue_write(struct store *st, const void *rec)
{
	const struct store_queue *q = rec;
	size_t i;
	int err;

	err = store_run(st, S_QUEUE_CHILDREN_CLEAR, EIO, NULL, "i", q->id);
	if (!err)
		err =
		    store_run(st, S_QUEUE_SKILLS_CLEAR, EIO, NULL, "i", q->id);
	if (!err)
		err = store_run(st, S_QUEUE_WIDEN_CLEAR, EIO, NULL, "i", q->id);
	for (i = 0; !err && i < q->memberc; i++)
		err = store_run(st, S_QUEUE_MEMBER_ADD, ENOENT, NULL, "iiid",
				q->id, (int64_t)i, q->memberv[i].employee_id,
				(int)q->memberv[i].tier);
	for (i = 0; !err && i < q->skillc; i++)
		err = store_run(st, S_QUEUE_SKILL_ADD, ENOENT, NULL, "iisdd",
				q->id, (int64_t)i, q->skillv[i].skill,
				(int)q->skillv[i].min_level,
				(int)q->skillv[i].relax_after);
	for (i = 0; !err && i < q->widenc; i++)
		err = store_run(st, S_QUEUE_WIDEN_ADD, ENOENT, NULL, "iidd",
				q->id, (int64_t)i, (int)q->widenv[i].after,
				(int)q->widenv[i].max_tier);
	return err;
}

/* Walk the rows of sid for queue id: row(q, stmt) for each, at most max. */
static int children(struct store *st, enum store_sql_id sid, int64_t id,
		    struct store_queue *q, size_t max,
		    void (*row)(struct store_queue *q, struct db_stmt *s))
{
	struct db_stmt *s;
	size_t n = 0;
	int rc, err;

	err = store_stmt_bind(st, sid, &s, "i", id);
	if (err)
		return err;
	while ((rc = db_step(s)) == DB_ROW && n++ < max)
		row(q, s);
	if (rc != DB_DONE && rc != DB_ROW)
		err = store_dberr(st, rc, sid, EIO);
	store_stmt_put(st, sid, s);
	return err;
}

static void member_row(struct store_queue *q, struct db_stmt *s)
{
	struct store_queue_member *m = &q->memberv[q->memberc++];

	m->employee_id = db_column_int64(s, 0);
	m->tier = (unsigned)store_col_int(s, 1);
}

static void skill_row(struct store_queue *q, struct db_stmt *s)
{
	struct store_queue_skill *k = &q->skillv[q->skillc++];

	store_col_text(s, 0, k->skill, sizeof(k->skill));
	k->min_level = (unsigned)store_col_int(s, 1);
	k->relax_after = (uint32_t)store_col_int(s, 2);
}

static void widen_row(struct store_queue *q, struct db_stmt *s)
{
	struct store_queue_widen *w = &q->widenv[q->widenc++];

	w->after = (uint32_t)store_col_int(s, 0);
	w->max_tier = (unsigned)store_col_int(s, 1);
}

static int queue_read(struct store *st, void *rec)
{
	struct store_queue *q = rec;
	int err;

	q->memberc = q->skillc = q->widenc = 0;
	err = children(st, S_QUEUE_MEMBERS, q->id, q, STORE_QUEUE_MEMBERS,
		       member_row);
	if (!err)
		err = children(st, S_QUEUE_SKILLS, q->id, q, STORE_QUEUE_REQS,
			       skill_row);
	if (!err)
		err = children(st, S_QUEUE_WIDENS, q->id, q, STORE_QUEUE_WIDEN,
			       widen_row);
	return err;
}

static const struct store_tree q_tree = {
    &q_rec,         offsetof(struct store_queue, tenant_id),
    S_QUEUE_ADD,    S_QUEUE_GET,
    S_QUEUE_UPDATE, S_QUEUE_LIST,
    S_QUEUE_TENANT, queue_check,
    queue_write,    queue_read,
};

int store_queue_add(struct store *st, struct store_queue *q)
{
	if (!st || !queue_valid(q) || q->tenant_id <= 0)
		return EINVAL;
	if (!q->created_at)
		q->created_at = time_now_ms();
	return store_tree_add(st, &q_tree, q);
}

int store_queue_get(struct store *st, int64_t id, struct store_queue *q)
{
	return store_tree_get(st, &q_tree, id, q);
}

int store_queue_update(struct store *st, const struct store_queue *q)
{
	if (!st || !queue_valid(q) || q->id <= 0)
		return EINVAL;
	return store_tree_update(st, &q_tree, q);
}

int store_queue_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_QUEUE_INUSE, S_QUEUE_DELETE, id);
}

int store_queue_list(struct store *st, int64_t tenant_id, store_queue_h *h,
		     void *arg)
{
	return store_tree_list(st, &q_tree, tenant_id, (store_fn *)h, arg);
}
