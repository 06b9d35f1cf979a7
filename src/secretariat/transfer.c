/*
 * transfer.c - whom an agent's transfer with consultation tries, in
 * turn (seeds/001 "Vertreter wählen": "Sollte der Ansprechpartner bei
 * einem Durchstellversuch nicht erreichbar sein, versuchen wir das
 * Telefonat an den ausgewählten Vertreter durchzustellen"; issue 17):
 *
 *   1. the employee asked for;
 *   2. the employee's substitute, if it has one;
 *   3. the person on call at that moment, where the client has on-call
 *      schedules: the first of its schedules (by id) with somebody on
 *      duty then.
 *
 * Each person once (a substitute who is also on call is tried once).
 * The call handling (http/api_transfer.c through call.h) rings each
 * step's phones and transfer number and goes on to the next when one
 * cannot be reached or does not answer.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "secretariat/secretariat.h"

static const char *const role_v[] = {
    [SECR_TRY_EMPLOYEE] = "employee",
    [SECR_TRY_SUBSTITUTE] = "substitute",
    [SECR_TRY_ONCALL] = "oncall",
};

const char *secr_try_role_name(enum secr_try_role r)
{
	return (size_t)r < ARRAY_SIZE(role_v) ? role_v[r] : "";
}

struct tries {
	struct secr_try *v;
	size_t n, max;
};

static bool tried(const struct tries *t, int64_t employee_id)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->v[i].employee_id == employee_id)
			return true;
	}
	return false;
}

static void add(struct tries *t, enum secr_try_role role, int64_t employee_id)
{
	if (employee_id <= 0 || t->n >= t->max || tried(t, employee_id))
		return;
	t->v[t->n].role = role;
	t->v[t->n].employee_id = employee_id;
	t->n++;
}

int secr_transfer_tries(struct store *st, int64_t tenant_id,
			int64_t employee_id, uint64_t at, struct secr_try *tryv,
			size_t max, size_t *np)
{
	struct tries t = {tryv, 0, max};
	struct store_employee *e;
	int64_t oncall = 0;
	int err;

	if (!st || tenant_id <= 0 || !tryv || !max || !np)
		return EINVAL;
	*np = 0;
	e = mem_zalloc(sizeof(*e), NULL);
	if (!e)
		return ENOMEM;
	err = store_employee_get(st, employee_id, e);
	if (!err && e->tenant_id != tenant_id)
		err = ENOENT;
	if (err)
		goto out;
	add(&t, SECR_TRY_EMPLOYEE, e->id);
	add(&t, SECR_TRY_SUBSTITUTE, e->substitute_id);
	err = secr_oncall_first(st, tenant_id, at, &oncall);
	if (err)
		goto out;
	add(&t, SECR_TRY_ONCALL, oncall);
	*np = t.n;
out:
	mem_deref(e);
	return err;
}
