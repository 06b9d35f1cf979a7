/*
 * sqlite_digit_input.c - digit inputs in the SQLite store: one row each
 * (label, prompt, lengths, terminator, timeouts, retries, read-back, the
 * target after a value and the fallback without one).  Targets are
 * checked as a number's (sqlite_target.c); a fallback that leads back to
 * the input without the caller typing anything (through schedules, menu
 * and input fallbacks) is refused (ELOOP).  The target is not followed:
 * it is reached only by what the caller typed, as a menu's keys.  An
 * input a number, schedule, menu or another input routes to cannot be
 * deleted (EBUSY); its own targets do not count.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define DIN_SELECT                                                             \
	"SELECT id, tenant_id, name, label, prompt, min_digits, max_digits,"   \
	" terminator, timeout, digit_timeout, retries, read_back,"             \
	" target_type, target_id, fallback_type, fallback_id, created_at"      \
	" FROM digit_inputs"

static const struct store_sql sql[] = {
    {S_DIN_TENANT, "digit input tenant",
     "SELECT tenant_id FROM digit_inputs WHERE id = ?1"},
    {S_DIN_ADD, "digit input add",
     "INSERT INTO digit_inputs (tenant_id, name, label, prompt, min_digits,"
     " max_digits, terminator, timeout, digit_timeout, retries, read_back,"
     " target_type, target_id, fallback_type, fallback_id, created_at)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
     " ?14, ?15, ?16) RETURNING id"},
    {S_DIN_GET, "digit input get", DIN_SELECT " WHERE id = ?1"},
    {S_DIN_UPDATE, "digit input update",
     "UPDATE digit_inputs SET name = ?2, label = ?3, prompt = ?4,"
     " min_digits = ?5, max_digits = ?6, terminator = ?7, timeout = ?8,"
     " digit_timeout = ?9, retries = ?10, read_back = ?11,"
     " target_type = ?12, target_id = ?13, fallback_type = ?14,"
     " fallback_id = ?15 WHERE id = ?1"},
    /* ?2: TARGET_COLLECT (bound, so the enum may be renumbered) */
    {S_DIN_INUSE, "digit input delete",
     "SELECT CAST(EXISTS (SELECT 1 FROM route_refs WHERE type = ?2 AND id = ?1"
     " AND NOT (via = 'digit_input' AND owner = ?1)) AS INTEGER)"},
    {S_DIN_DELETE, "digit input delete",
     "DELETE FROM digit_inputs WHERE id = ?1"},
    {S_DIN_LIST, "digit input list",
     DIN_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id"},
};

const struct store_sqlset store_sql_digit_input = STORE_SQLSET(sql);

#define D store_digit_input

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, D, id),
    STORE_COL(SC_I64, SC_ADD, D, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, D, name),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, D, label),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, D, prompt),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, D, min_digits),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, D, max_digits),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, D, terminator),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, D, timeout),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, D, digit_timeout),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, D, retries),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, D, read_back),
    STORE_COL(SC_INT, SC_ADD | SC_UPD, D, target.type),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, D, target.id),
    STORE_COL(SC_INT, SC_ADD | SC_UPD, D, fallback.type),
    STORE_COL(SC_I64, SC_ADD | SC_UPD, D, fallback.id),
    STORE_COL(SC_U64, SC_ADD, D, created_at),
};

STORE_RECORD(din_rec, store_digit_input, store_digit_input_h, cols);

/* The fields the database does not check. */
static bool input_valid(const struct store_digit_input *d)
{
	const char *t;

	if (!d || !str_isset(d->name) || !str_isset(d->label) ||
	    d->prompt[0] == '/' || strstr(d->prompt, "..") ||
	    d->target.type == TARGET_NONE || d->min_digits < 1 ||
	    d->min_digits > d->max_digits || d->max_digits > STORE_INPUT_DIGITS)
		return false;
	t = d->terminator;
	return !t[0] || ((t[0] == '#' || t[0] == '*') && !t[1]);
}

static int input_check(struct store *st, const void *rec)
{
	const struct store_digit_input *d = rec;
	int err;

	err =
	    store_target_check(st, d->target.type, d->target.id, d->tenant_id);
	if (!err)
		err = store_target_check(st, d->fallback.type, d->fallback.id,
					 d->tenant_id);
	if (!err && d->id)
		err = store_target_loop(st, TARGET_COLLECT, d->id, &d->fallback,
					0);
	return err;
}

static const struct store_tree din_tree = {
    &din_rec,     offsetof(struct store_digit_input, tenant_id),
    S_DIN_ADD,    S_DIN_GET,
    S_DIN_UPDATE, S_DIN_LIST,
    S_DIN_TENANT, input_check,
    NULL,         NULL,
};

int store_digit_input_add(struct store *st, struct store_digit_input *d)
{
	if (!st || !input_valid(d) || d->tenant_id <= 0)
		return EINVAL;
	if (!d->created_at)
		d->created_at = time_now_ms();
	return store_tree_add(st, &din_tree, d);
}

int store_digit_input_get(struct store *st, int64_t id,
			  struct store_digit_input *d)
{
	return store_tree_get(st, &din_tree, id, d);
}

int store_digit_input_update(struct store *st,
			     const struct store_digit_input *d)
{
	if (!st || !input_valid(d) || d->id <= 0)
		return EINVAL;
	return store_tree_update(st, &din_tree, d);
}

/* The body of store_digit_input_delete(), in its transaction. */
static int input_delete(struct store *st, void *arg)
{
	const int64_t *id = arg;
	int64_t v = 0;
	int err;

	err = store_run(st, S_DIN_INUSE, EIO, &v, "ii", *id,
			(int64_t)TARGET_COLLECT);
	if (err)
		return err;
	if (v)
		return EBUSY;
	err = store_run(st, S_DIN_DELETE, EBUSY, &v, "i", *id);
	return err ? err : v ? 0 : ENOENT;
}

int store_digit_input_delete(struct store *st, int64_t id)
{
	if (!st || id <= 0)
		return EINVAL;
	return store_tx(st, input_delete, &id);
}

int store_digit_input_list(struct store *st, int64_t tenant_id,
			   store_digit_input_h *h, void *arg)
{
	return store_tree_list(st, &din_tree, tenant_id, (store_fn *)h, arg);
}
