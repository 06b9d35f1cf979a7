/*
 * store_test_input.c - digit inputs and the values attached to calls
 * against store.h: a round trip of every field, the checks the database
 * does not make (lengths, terminator, a target), targets checked like a
 * number's, a fallback loop through a menu refused (ELOOP), nothing
 * deleted while something routes to it (EBUSY); a call's values set,
 * replaced, limited to STORE_CALL_VARS names, read with the record and
 * with the list.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

static void input_fill(struct store_digit_input *d, int64_t tenant, int64_t emp)
{
	memset(d, 0, sizeof(*d));
	d->tenant_id = tenant;
	str_copy(d->name, "Hotline", sizeof(d->name));
	str_copy(d->label, "Kundennummer", sizeof(d->label));
	d->min_digits = 5;
	d->max_digits = 8;
	str_copy(d->terminator, "#", sizeof(d->terminator));
	d->timeout = 5;
	d->digit_timeout = 3;
	d->retries = 2;
	d->read_back = true;
	d->target.type = TARGET_EMPLOYEE;
	d->target.id = emp;
}

static int id_h(const struct store_digit_input *d, void *arg)
{
	return ids_add(arg, d->id);
}

int test_store_digit_input(void)
{
	struct store_digit_input d, g;
	struct store_ivr_menu *m = NULL;
	struct ids ids;
	struct tdb db;
	int64_t t1, t2, emp, emp2, ann, a, num;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	m = mem_zalloc(sizeof(*m), NULL);
	TEST_ASSERT(m);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Max", "1001", &emp), 0);
	TEST_EQ_INT(fx_employee(db.st, t2, "Other", "2001", &emp2), 0);
	TEST_EQ_INT(fx_announcement(db.st, t1, "sorry.wav", &ann), 0);

	/* round trip */
	input_fill(&d, t1, emp);
	d.fallback.type = TARGET_ANNOUNCEMENT;
	d.fallback.id = ann;
	str_copy(d.prompt, "kdnr.wav", sizeof(d.prompt));
	TEST_EQ_INT(store_digit_input_add(db.st, &d), 0);
	a = d.id;
	TEST_ASSERT(a > 0);
	memset(&g, 0xa5, sizeof(g));
	TEST_EQ_INT(store_digit_input_get(db.st, a, &g), 0);
	TEST_EQ_INT(g.tenant_id, t1);
	TEST_EQ_STR(g.name, "Hotline");
	TEST_EQ_STR(g.label, "Kundennummer");
	TEST_EQ_STR(g.prompt, "kdnr.wav");
	TEST_EQ_INT(g.min_digits, 5);
	TEST_EQ_INT(g.max_digits, 8);
	TEST_EQ_STR(g.terminator, "#");
	TEST_EQ_INT(g.timeout, 5);
	TEST_EQ_INT(g.digit_timeout, 3);
	TEST_EQ_INT(g.retries, 2);
	TEST_EQ_INT(g.read_back, true);
	TEST_EQ_INT(g.target.type, TARGET_EMPLOYEE);
	TEST_EQ_INT(g.target.id, emp);
	TEST_EQ_INT(g.fallback.type, TARGET_ANNOUNCEMENT);
	TEST_EQ_INT(g.fallback.id, ann);
	TEST_EQ_INT(g.created_at, T0);

	/* what the database does not check */
	input_fill(&d, t1, emp);
	d.min_digits = 9; /* above max 8 */
	TEST_EQ_INT(store_digit_input_add(db.st, &d), EINVAL);
	input_fill(&d, t1, emp);
	d.max_digits = STORE_INPUT_DIGITS + 1;
	TEST_EQ_INT(store_digit_input_add(db.st, &d), EINVAL);
	input_fill(&d, t1, emp);
	d.min_digits = 0;
	TEST_EQ_INT(store_digit_input_add(db.st, &d), EINVAL);
	input_fill(&d, t1, emp);
	str_copy(d.terminator, "1", sizeof(d.terminator));
	TEST_EQ_INT(store_digit_input_add(db.st, &d), EINVAL);
	input_fill(&d, t1, emp);
	d.label[0] = '\0';
	TEST_EQ_INT(store_digit_input_add(db.st, &d), EINVAL);
	input_fill(&d, t1, emp);
	d.target.type = TARGET_NONE;
	d.target.id = 0;
	TEST_EQ_INT(store_digit_input_add(db.st, &d), EINVAL);
	input_fill(&d, t1, emp);
	str_copy(d.prompt, "../x.wav", sizeof(d.prompt));
	TEST_EQ_INT(store_digit_input_add(db.st, &d), EINVAL);

	/* targets: missing, another tenant's; a name taken */
	input_fill(&d, t1, 99999);
	TEST_EQ_INT(store_digit_input_add(db.st, &d), ENOENT);
	input_fill(&d, t1, emp2);
	TEST_EQ_INT(store_digit_input_add(db.st, &d), EXDEV);
	input_fill(&d, t1, emp);
	TEST_EQ_INT(store_digit_input_add(db.st, &d), EEXIST);

	/* no terminator, read_back off: kept */
	TEST_EQ_INT(store_digit_input_get(db.st, a, &g), 0);
	g.terminator[0] = '\0';
	g.read_back = false;
	g.tenant_id = 0; /* kept as stored */
	TEST_EQ_INT(store_digit_input_update(db.st, &g), 0);
	TEST_EQ_INT(store_digit_input_get(db.st, a, &d), 0);
	TEST_EQ_STR(d.terminator, "");
	TEST_EQ_INT(d.read_back, false);
	TEST_EQ_INT(d.tenant_id, t1);

	/* a loop without typing: menu fallback -> input, input fallback ->
	 * the menu; the input's target back to the menu is no loop */
	str_copy(m->name, "Main", sizeof(m->name));
	m->tenant_id = t1;
	m->timeout = 5;
	m->retries = 1;
	m->fallback.type = TARGET_COLLECT;
	m->fallback.id = a;
	TEST_EQ_INT(store_ivr_menu_add(db.st, m), 0);
	d.fallback.type = TARGET_IVR;
	d.fallback.id = m->id;
	TEST_EQ_INT(store_digit_input_update(db.st, &d), ELOOP);
	d.fallback = (struct store_target_ref){TARGET_NONE, 0};
	d.target = (struct store_target_ref){TARGET_IVR, m->id};
	TEST_EQ_INT(store_digit_input_update(db.st, &d), 0);
	d.fallback = (struct store_target_ref){TARGET_COLLECT, a};
	TEST_EQ_INT(store_digit_input_update(db.st, &d), ELOOP);

	/* in use: by the menu, then by a number; not by itself */
	TEST_EQ_INT(store_digit_input_delete(db.st, a), EBUSY);
	TEST_EQ_INT(store_ivr_menu_delete(db.st, m->id), EBUSY); /* target */
	d.target = (struct store_target_ref){TARGET_EMPLOYEE, emp};
	d.fallback = (struct store_target_ref){TARGET_NONE, 0};
	TEST_EQ_INT(store_digit_input_update(db.st, &d), 0);
	TEST_EQ_INT(store_ivr_menu_delete(db.st, m->id), 0);
	TEST_EQ_INT(store_employee_delete(db.st, emp), EBUSY);
	TEST_EQ_INT(
	    fx_number(db.st, "+4922182829955", true, TARGET_COLLECT, a, &num),
	    0);
	TEST_EQ_INT(store_digit_input_delete(db.st, a), EBUSY);
	TEST_EQ_INT(store_number_delete(db.st, num), 0);

	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_digit_input_list(db.st, t1, id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 1, &a));
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_digit_input_list(db.st, t2, id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 0);

	TEST_EQ_INT(store_digit_input_delete(db.st, a), 0);
	TEST_EQ_INT(store_digit_input_delete(db.st, a), ENOENT);
	TEST_EQ_INT(store_digit_input_get(db.st, a, &g), ENOENT);
out:
	mem_deref(m);
	tdb_close(&db);
	return err;
}

static int call_h(const struct store_call *c, void *arg)
{
	struct store_call *out = arg;

	if (out->id == 0 || c->id == out->id)
		*out = *c;
	return 0;
}

int test_store_call_vars(void)
{
	struct store_call g;
	struct tdb db;
	int64_t c1, c2;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_call(db.st, "n1", 1, 1000, &c1), 0);
	TEST_EQ_INT(fx_call(db.st, "n1", 1, 2000, &c2), 0);

	TEST_EQ_INT(store_call_get(db.st, c1, &g), 0);
	TEST_EQ_INT(g.varc, 0);

	TEST_EQ_INT(store_call_var_set(db.st, c1, "Kundennummer", "4711"), 0);
	TEST_EQ_INT(store_call_var_set(db.st, c1, "Ticket", "99"), 0);
	TEST_EQ_INT(store_call_var_set(db.st, c1, "Kundennummer", "12345"), 0);
	TEST_EQ_INT(store_call_get(db.st, c1, &g), 0);
	TEST_EQ_INT(g.varc, 2);
	TEST_EQ_STR(g.varv[0].name, "Kundennummer");
	TEST_EQ_STR(g.varv[0].value, "12345");
	TEST_EQ_STR(g.varv[1].name, "Ticket");
	TEST_EQ_STR(g.varv[1].value, "99");

	/* bad values; four names at most */
	TEST_EQ_INT(store_call_var_set(db.st, c1, "", "1"), EINVAL);
	TEST_EQ_INT(store_call_var_set(db.st, c1, "x", ""), EINVAL);
	TEST_EQ_INT(store_call_var_set(db.st, c1, "x",
				       "12345678901234567890123456789012"),
		    EINVAL);
	TEST_EQ_INT(store_call_var_set(db.st, 99999, "x", "1"), ENOENT);
	TEST_EQ_INT(store_call_var_set(db.st, c1, "c", "3"), 0);
	TEST_EQ_INT(store_call_var_set(db.st, c1, "d", "4"), 0);
	TEST_EQ_INT(store_call_var_set(db.st, c1, "e", "5"), ENOSPC);
	TEST_EQ_INT(store_call_var_set(db.st, c1, "d", "44"), 0);

	/* the list reads them too, each call its own */
	memset(&g, 0, sizeof(g));
	g.id = c1;
	TEST_EQ_INT(store_call_list(db.st, NULL, call_h, &g), 0);
	TEST_EQ_INT(g.varc, 4);
	TEST_EQ_STR(g.varv[3].name, "d");
	TEST_EQ_STR(g.varv[3].value, "44");
	memset(&g, 0, sizeof(g));
	g.id = c2;
	TEST_EQ_INT(store_call_list(db.st, NULL, call_h, &g), 0);
	TEST_EQ_INT(g.id, c2);
	TEST_EQ_INT(g.varc, 0);
out:
	tdb_close(&db);
	return err;
}
