/*
 * sqlite_schedule.c - time control in the SQLite store: a schedule row
 * (name, region, the three targets) and its weekly ranges and dated
 * exceptions as child rows, written and replaced in one transaction so a
 * reader never sees half a schedule.
 *
 * Targets are checked like a number's (same tenant, existing).  A
 * schedule may route to another schedule; a chain that comes back to
 * itself is refused (ELOOP) when saved (sqlite_target.c), so routing
 * never meets a loop it did not know (route.c still stops after a few
 * hops).  A schedule a number, another schedule or a menu still routes
 * to cannot be deleted (EBUSY).
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define SCHED_SELECT                                                           \
	"SELECT id, tenant_id, name, region, open_type, open_id,"              \
	" closed_type, closed_id, holiday_type, holiday_id, created_at"        \
	" FROM schedules"

static const struct store_sql sql[] = {
    {S_SCHED_TENANT, "schedule tenant",
     "SELECT tenant_id FROM schedules WHERE id = ?1"},
    {S_SCHED_ADD, "schedule add",
     "INSERT INTO schedules (tenant_id, name, region, open_type, open_id,"
     " closed_type, closed_id, holiday_type, holiday_id, created_at)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id"},
    {S_SCHED_GET, "schedule get", SCHED_SELECT " WHERE id = ?1"},
    {S_SCHED_UPDATE, "schedule update",
     "UPDATE schedules SET name = ?2, region = ?3, open_type = ?4,"
     " open_id = ?5, closed_type = ?6, closed_id = ?7, holiday_type = ?8,"
     " holiday_id = ?9 WHERE id = ?1"},
    {S_SCHED_INUSE, "schedule delete",
     "SELECT CAST(EXISTS (SELECT 1 FROM route_refs WHERE type = 3 AND id = ?1"
     " AND NOT (via = 'schedule' AND owner = ?1)) AS INTEGER)"},
    {S_SCHED_DELETE, "schedule delete", "DELETE FROM schedules WHERE id = ?1"},
    {S_SCHED_LIST, "schedule list",
     SCHED_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id"},
    {S_SCHED_RANGES_CLEAR, "schedule ranges",
     "DELETE FROM schedule_ranges WHERE schedule_id = ?1"},
    {S_SCHED_RANGE_ADD, "schedule ranges",
     "INSERT INTO schedule_ranges (schedule_id, seq, days, start_min,"
     " end_min) VALUES (?1, ?2, ?3, ?4, ?5)"},
    {S_SCHED_RANGES, "schedule ranges",
     "SELECT days, start_min, end_min FROM schedule_ranges"
     " WHERE schedule_id = ?1 ORDER BY seq"},
    {S_SCHED_EXCS_CLEAR, "schedule exceptions",
     "DELETE FROM schedule_exceptions WHERE schedule_id = ?1"},
    {S_SCHED_EXC_ADD, "schedule exceptions",
     "INSERT INTO schedule_exceptions (schedule_id, seq, day, state,"
     " start_min, end_min) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
    {S_SCHED_EXCS, "schedule exceptions",
     "SELECT day, state, start_min, end_min FROM schedule_exceptions"
     " WHERE schedule_id = ?1 ORDER BY seq"},
};

const struct store_sqlset store_sql_schedule = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_schedule, id),
    STORE_COL(SC_I64, SC_ADD, store_schedule, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_schedule, name),
    STORE_ENUM(SC_ADD | SC_UPD, store_schedule, region, &store_names_region),
    STORE_COL(SC_INT, SC_ADD | SC_UPD, store_schedule, open.type),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, store_schedule, open.id),
    STORE_COL(SC_INT, SC_ADD | SC_UPD, store_schedule, closed.type),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, store_schedule, closed.id),
    STORE_COL(SC_INT, SC_ADD | SC_UPD, store_schedule, holiday.type),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, store_schedule, holiday.id),
    STORE_COL(SC_U64, SC_ADD, store_schedule, created_at),
};

STORE_RECORD(schedule_rec, store_schedule, store_schedule_h, cols);

/* The fields the database does not check: name, region, counts. */
static bool schedule_valid(const struct store_schedule *s)
{
	return s && str_isset(s->name) &&
	       store_names_has(&store_names_region, (int)s->region) &&
	       s->rangec <= STORE_SCHED_RANGES &&
	       s->excc <= STORE_SCHED_EXCEPTIONS;
}

static int targets_check(struct store *st, const struct store_schedule *s)
{
	const struct store_target_ref *tv[] = {&s->open, &s->closed,
					       &s->holiday};
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(tv); i++) {
		err = store_target_check(st, tv[i]->type, tv[i]->id,
					 s->tenant_id);
		if (!err && s->id)
			err = store_target_loop(st, TARGET_SCHEDULE, s->id,
						tv[i], 0);
		if (err)
			return err;
	}
	return 0;
}

/* Replace the child rows of s->id by s's ranges and exceptions. */
static int children_write(struct store *st, const struct store_schedule *s)
{
	size_t i;
	int err;

	err = store_run(st, S_SCHED_RANGES_CLEAR, EIO, NULL, "i", s->id);
	if (!err)
		err = store_run(st, S_SCHED_EXCS_CLEAR, EIO, NULL, "i", s->id);
	for (i = 0; !err && i < s->rangec; i++) {
		const struct store_sched_range *r = &s->rangev[i];

		err = store_run(st, S_SCHED_RANGE_ADD, EIO, NULL, "iiddd",
				s->id, (int64_t)i, (int)r->days, (int)r->start,
				(int)r->end);
	}
	for (i = 0; !err && i < s->excc; i++) {
		const struct store_sched_exception *e = &s->excv[i];
		char day[16];

		re_snprintf(day, sizeof(day), "%04u-%02u-%02u", e->year,
			    e->month, e->day);
		err =
		    store_run(st, S_SCHED_EXC_ADD, EIO, NULL, "iissdd", s->id,
			      (int64_t)i, day, store_sched_state_name(e->state),
			      (int)e->start, (int)e->end);
	}
	return err;
}

/* Read the child rows of s->id into s. */
static int children_read(struct store *st, struct store_schedule *s)
{
	struct db_stmt *q;
	int rc, err;

	s->rangec = 0;
	s->excc = 0;
	err = store_stmt_bind(st, S_SCHED_RANGES, &q, "i", s->id);
	if (err)
		return err;
	while ((rc = db_step(q)) == DB_ROW && s->rangec < STORE_SCHED_RANGES) {
		struct store_sched_range *r = &s->rangev[s->rangec++];

		r->days = (uint8_t)store_col_int(q, 0);
		r->start = (uint16_t)store_col_int(q, 1);
		r->end = (uint16_t)store_col_int(q, 2);
	}
	if (rc != DB_DONE && rc != DB_ROW)
		err = store_dberr(st, rc, S_SCHED_RANGES, EIO);
	store_stmt_put(st, S_SCHED_RANGES, q);
	if (err)
		return err;

	err = store_stmt_bind(st, S_SCHED_EXCS, &q, "i", s->id);
	if (err)
		return err;
	while ((rc = db_step(q)) == DB_ROW &&
	       s->excc < STORE_SCHED_EXCEPTIONS) {
		struct store_sched_exception *e = &s->excv[s->excc++];
		const char *day = db_column_text(q, 0);
		const char *state = db_column_text(q, 1);

		memset(e, 0, sizeof(*e));
		if (!day ||
		    sscanf(day, "%4u-%2u-%2u", &e->year, &e->month, &e->day) !=
			3 ||
		    store_sched_state_parse(state, &e->state)) {
			err = EIO; /* not written by us */
			break;
		}
		e->start = (uint16_t)store_col_int(q, 2);
		e->end = (uint16_t)store_col_int(q, 3);
	}
	if (!err && rc != DB_DONE && rc != DB_ROW)
		err = store_dberr(st, rc, S_SCHED_EXCS, EIO);
	store_stmt_put(st, S_SCHED_EXCS, q);
	return err;
}

/* The body of store_schedule_add(), inside its transaction. */
static int sched_check(struct store *st, const void *rec)
{
	return targets_check(st, rec);
}

static int sched_write(struct store *st, const void *rec)
{
	return children_write(st, rec);
}

static int sched_read(struct store *st, void *rec)
{
	return children_read(st, rec);
}

static const struct store_tree sched_tree = {
    &schedule_rec,  offsetof(struct store_schedule, tenant_id),
    S_SCHED_ADD,    S_SCHED_GET,
    S_SCHED_UPDATE, S_SCHED_LIST,
    S_SCHED_TENANT, sched_check,
    sched_write,    sched_read,
};

int store_schedule_add(struct store *st, struct store_schedule *s)
{
	if (!st || !schedule_valid(s) || s->tenant_id <= 0)
		return EINVAL;
	if (!s->created_at)
		s->created_at = time_now_ms();
	return store_tree_add(st, &sched_tree, s);
}

int store_schedule_get(struct store *st, int64_t id, struct store_schedule *s)
{
	return store_tree_get(st, &sched_tree, id, s);
}

int store_schedule_update(struct store *st, const struct store_schedule *s)
{
	if (!st || !schedule_valid(s) || s->id <= 0)
		return EINVAL;
	return store_tree_update(st, &sched_tree, s);
}

int store_schedule_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_SCHED_INUSE, S_SCHED_DELETE, id);
}

int store_schedule_list(struct store *st, int64_t tenant_id,
			store_schedule_h *h, void *arg)
{
	return store_tree_list(st, &sched_tree, tenant_id, (store_fn *)h, arg);
}
