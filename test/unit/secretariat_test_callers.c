/*
 * secretariat_test_callers.c - what a caller is (secretariat/callers.c):
 * list numbers and prefixes normalised (0221..., +49221..., 0049221...,
 * "0221 123*"), how well an entry matches, the rule of precedence on
 * tables of entries (longest match, block beats allow beats VIP on a
 * tie, the advertising list only without an own match and only when
 * switched on, expiry, anonymous callers), and the store behind it
 * (migration 25): VIPs per employee (another tenant's employee EXDEV, a
 * number once per tenant), list entries, settings and classify end to
 * end.
 */
#include "core/core.h"
#include "secretariat/secretariat.h"
#include "test.h"
#include "store_test.h"

static const struct phone_ctx koeln = {"49", "221"};

int test_secr_caller_number(void)
{
	static const struct {
		const char *in, *out; /* out NULL: EINVAL */
	} v[] = {
	    {"0221 4711-0", "+4922147110"},
	    {"+49 221 47110", "+4922147110"},
	    {"0049 221 47110", "+4922147110"},
	    {"47110123", "+4922147110123"}, /* local, area 221 */
	    {"0221 123*", "+49221123*"},
	    {"+49221123*", "+49221123*"},
	    {"0049 221 123*", "+49221123*"},
	    {"+1*", NULL},      /* one digit: too wide    */
	    {"+12*", "+12*"},   /* two: the shortest     */
	    {"123*", NULL},     /* a local prefix: never */
	    {"0221*123", NULL}, /* '*' not last          */
	    {"0221**", NULL},
	    {"+0221*", NULL},            /* no country 0          */
	    {"+123456789012345*", NULL}, /* 15 digits        */
	    {"+12345678901234*", "+12345678901234*"},
	    {"12", NULL}, /* an extension          */
	    {"abc", NULL},
	    {"", NULL},
	};
	char buf[40];
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		int r = secr_caller_number(buf, sizeof(buf), v[i].in, &koeln);

		if (v[i].out) {
			if (r || strcmp(buf, v[i].out))
				fprintf(stderr, "  %s: %d %s\n", v[i].in, r,
					buf);
			TEST_EQ_INT(r, 0);
			TEST_EQ_STR(buf, v[i].out);
		}
		else {
			if (r != EINVAL)
				fprintf(stderr, "  %s: accepted\n", v[i].in);
			TEST_EQ_INT(r, EINVAL);
		}
	}
	TEST_EQ_INT(secr_caller_match("+4922147110", "+4922147110"), 12);
	TEST_EQ_INT(secr_caller_match("+4922147110", "+49221471101"), 0);
	TEST_EQ_INT(secr_caller_match("+49221*", "+4922147110"), 6);
	TEST_EQ_INT(secr_caller_match("+492214*", "+4922147110"), 7);
	TEST_EQ_INT(secr_caller_match("+492215*", "+4922147110"), 0);
	TEST_ASSERT(secr_caller_anonymous(NULL));
	TEST_ASSERT(secr_caller_anonymous(""));
	TEST_ASSERT(secr_caller_anonymous("anonymous"));
	TEST_ASSERT(!secr_caller_anonymous("0221 4711"));
out:
	return err;
}

static void entry(struct store_caller_entry *e, int64_t id,
		  enum store_caller_list list, const char *number,
		  int64_t employee, uint64_t expires)
{
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->tenant_id = 1;
	e->list = list;
	e->employee_id = employee;
	str_copy(e->number, number, sizeof(e->number));
	e->expires_at = expires;
}

int test_secr_caller_decide(void)
{
	struct store_caller_entry ev[6];
	struct store_caller_settings on = {1, true, true, 1}, off = {0};
	struct store_vip vip;
	struct store_ad_caller ad;
	struct secr_caller_in in;
	struct secr_caller c;
	int err = 0;

	entry(&ev[0], 10, STORE_CALLER_BLOCK, "+49221123*", 0, 0);
	entry(&ev[1], 11, STORE_CALLER_ALLOW, "+492211234567", 7, 0);
	entry(&ev[2], 12, STORE_CALLER_ALLOW, "+4930*", 0, 0);
	entry(&ev[3], 13, STORE_CALLER_BLOCK, "+49301*", 0, 0);
	entry(&ev[4], 14, STORE_CALLER_BLOCK, "+4940111222", 0, 2000);
	entry(&ev[5], 15, STORE_CALLER_ALLOW, "+4989*", 0, 0);
	memset(&vip, 0, sizeof(vip));
	vip.id = 20;
	vip.employee_id = 8;
	str_copy(vip.name, "Dr. Anna Schmitz", sizeof(vip.name));
	memset(&ad, 0, sizeof(ad));
	ad.id = 30;
	str_copy(ad.number, "+49800*", sizeof(ad.number));

	memset(&in, 0, sizeof(in));
	in.entryv = ev;
	in.entryc = ARRAY_SIZE(ev);
	in.settings = &on;
	in.at = 1000;

	/* a blocked range: block_list */
	in.number = "+492211230000";
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_BLOCK);
	TEST_EQ_INT(c.reason, SECR_REASON_BLOCK_LIST);
	TEST_EQ_INT(c.entry->id, 10);

	/* an allowed number inside it: the longer (exact) match wins */
	in.number = "+492211234567";
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_ALLOW);
	TEST_EQ_INT(c.reason, SECR_REASON_ALLOW_LIST);
	TEST_EQ_INT(c.entry->id, 11);
	TEST_EQ_INT(c.employee_id, 7);

	/* a blocked prefix inside an allowed one: the longer prefix wins */
	in.number = "+49301555666";
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_BLOCK);
	TEST_EQ_INT(c.entry->id, 13);
	in.number = "+49302555666";
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_ALLOW);
	TEST_EQ_INT(c.entry->id, 12);
	TEST_EQ_INT(c.employee_id, 0);

	/* expiry: in force before expires_at, not from it on */
	in.number = "+4940111222";
	in.at = 1999;
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_BLOCK);
	TEST_EQ_INT(c.entry->id, 14);
	in.at = 2000;
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_NONE);
	TEST_ASSERT(!c.entry);
	in.at = 1000;

	/* a VIP (exact) beats a prefix allow, but not an exact block */
	str_copy(vip.number, "+4930777888", sizeof(vip.number));
	in.vip = &vip;
	in.number = "+4930777888";
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_VIP);
	TEST_EQ_INT(c.reason, SECR_REASON_VIP);
	TEST_EQ_INT(c.vip->id, 20);
	TEST_EQ_INT(c.employee_id, 8);
	TEST_ASSERT(!c.entry);
	str_copy(vip.number, "+4940111222", sizeof(vip.number));
	in.number = "+4940111222";
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_BLOCK);
	TEST_ASSERT(!c.vip);
	/* same number allowed and VIP: allow, with the VIP's info */
	str_copy(vip.number, "+492211234567", sizeof(vip.number));
	in.number = "+492211234567";
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_ALLOW);
	TEST_EQ_INT(c.employee_id, 7);
	TEST_EQ_INT(c.vip->id, 20);
	/* a VIP inside a blocked range: the VIP is exact, it wins */
	str_copy(vip.number, "+492211239999", sizeof(vip.number));
	in.number = "+492211239999";
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_VIP);
	in.vip = NULL;

	/* the advertising list: only when on, only without own match */
	in.ad = &ad;
	in.number = "+49800555111";
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_BLOCK);
	TEST_EQ_INT(c.reason, SECR_REASON_ADVERTISING);
	TEST_EQ_INT(c.ad->id, 30);
	in.settings = &off;
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_NONE);
	TEST_EQ_INT(c.reason, SECR_REASON_NONE);
	in.settings = NULL;
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_NONE);
	in.settings = &on;
	str_copy(ad.number, "+4989*", sizeof(ad.number));
	in.number = "+4989123456";
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_ALLOW); /* allow beats ads */
	TEST_EQ_INT(c.entry->id, 15);
	in.ad = NULL;

	/* anonymous: blocked only when switched on */
	in.number = "";
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_BLOCK);
	TEST_EQ_INT(c.reason, SECR_REASON_ANONYMOUS);
	in.number = NULL;
	in.settings = &off;
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_NONE);

	/* nothing matches */
	in.settings = &on;
	in.number = "+4971112345";
	secr_caller_decide(&in, &c);
	TEST_EQ_INT(c.decision, SECR_CALLER_NONE);
	TEST_EQ_STR(secr_caller_decision_name(SECR_CALLER_ALLOW), "allow");
	TEST_EQ_STR(secr_caller_reason_name(SECR_REASON_ADVERTISING),
		    "advertising");
out:
	return err;
}

int test_store_callers(void)
{
	struct secr_caller_lookup *l = NULL;
	struct store_caller_settings s;
	struct store_caller_entry e, g;
	struct store_ad_caller ad;
	struct store_vip v, w;
	struct secr_caller c;
	struct tdb db;
	int64_t t1, t2, max, erika, other;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	l = mem_zalloc(sizeof(*l), NULL);
	TEST_ASSERT(l);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Max", "1001", &max), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Erika", "1002", &erika), 0);
	TEST_EQ_INT(fx_employee(db.st, t2, "Other", "2001", &other), 0);

	/* VIPs: of an employee; another tenant's employee EXDEV; once */
	memset(&v, 0, sizeof(v));
	v.tenant_id = t1;
	v.employee_id = max;
	str_copy(v.number, "+4930777888", sizeof(v.number));
	str_copy(v.name, "Dr. Anna Schmitz", sizeof(v.name));
	str_copy(v.note, "Nicht nach Kontaktdaten fragen", sizeof(v.note));
	TEST_EQ_INT(store_vip_add(db.st, &v), 0);
	TEST_EQ_INT(store_vip_get(db.st, v.id, &w), 0);
	TEST_EQ_INT(w.employee_id, max);
	w = v;
	w.id = 0;
	w.employee_id = 0;
	TEST_EQ_INT(store_vip_add(db.st, &w), EEXIST);
	str_copy(w.number, "+4930777889", sizeof(w.number));
	w.employee_id = other;
	TEST_EQ_INT(store_vip_add(db.st, &w), EXDEV);
	w.employee_id = 999999;
	TEST_EQ_INT(store_vip_add(db.st, &w), ENOENT);
	w.employee_id = 0;
	TEST_EQ_INT(store_vip_add(db.st, &w), 0);
	w.employee_id = other;
	TEST_EQ_INT(store_vip_update(db.st, &w), EXDEV);

	/* entries: a block entry for an employee EINVAL; once per tenant */
	memset(&e, 0, sizeof(e));
	e.tenant_id = t1;
	e.list = STORE_CALLER_BLOCK;
	e.employee_id = max;
	str_copy(e.number, "+49221123*", sizeof(e.number));
	TEST_EQ_INT(store_caller_entry_add(db.st, &e), EINVAL);
	e.employee_id = 0;
	TEST_EQ_INT(store_caller_entry_add(db.st, &e), 0);
	TEST_EQ_INT(store_caller_entry_get(db.st, e.id, &g), 0);
	TEST_EQ_INT(g.list, STORE_CALLER_BLOCK);
	TEST_EQ_STR(g.number, "+49221123*");
	g.id = 0;
	g.list = STORE_CALLER_ALLOW;
	TEST_EQ_INT(store_caller_entry_add(db.st, &g), EEXIST);
	str_copy(g.number, "+492211234567", sizeof(g.number));
	g.employee_id = erika;
	TEST_EQ_INT(store_caller_entry_add(db.st, &g), 0);
	g.tenant_id = t2;
	g.employee_id = 0;
	g.list = STORE_CALLER_BLOCK;
	TEST_EQ_INT(store_caller_entry_add(db.st, &g), 0); /* other tenant */
	str_copy(e.number, "+49*5", sizeof(e.number));
	TEST_EQ_INT(store_caller_entry_add(db.st, &e), EINVAL);

	/* classify end to end, in tenant One's context (49/221) */
	TEST_EQ_INT(secr_caller_classify(db.st, t1, "0221 1234567", 1, l, &c),
		    0);
	TEST_EQ_STR(l->number, "+492211234567");
	TEST_EQ_INT(l->entryc, 2);
	TEST_EQ_INT(c.decision, SECR_CALLER_ALLOW);
	TEST_EQ_INT(c.employee_id, erika);
	TEST_EQ_INT(secr_caller_classify(db.st, t1, "1230000", 1, l, &c), 0);
	TEST_EQ_STR(l->number, "+492211230000");
	TEST_EQ_INT(c.decision, SECR_CALLER_BLOCK);
	TEST_EQ_INT(secr_caller_classify(db.st, t2, "0221 1230000", 1, l, &c),
		    0);
	TEST_EQ_INT(c.decision, SECR_CALLER_NONE);
	TEST_EQ_INT(secr_caller_classify(db.st, t1, "0049 30 777888", 1, l, &c),
		    0);
	TEST_EQ_INT(c.decision, SECR_CALLER_VIP);
	TEST_EQ_INT(c.employee_id, max);
	TEST_EQ_STR(c.vip->note, "Nicht nach Kontaktdaten fragen");
	TEST_EQ_INT(secr_caller_classify(db.st, t1, "12", 1, l, &c), 0);
	TEST_EQ_INT(c.decision, SECR_CALLER_NONE);
	TEST_EQ_INT(l->anonymous, 0);

	/* settings: off by default; advertising and anonymous switched on */
	TEST_EQ_INT(store_caller_settings_get(db.st, t1, &s), 0);
	TEST_ASSERT(!s.block_advertising && !s.block_anonymous &&
		    !s.updated_at);
	memset(&ad, 0, sizeof(ad));
	str_copy(ad.number, "+49800*", sizeof(ad.number));
	TEST_EQ_INT(store_ad_caller_add(db.st, &ad), 0);
	TEST_EQ_INT(store_ad_caller_add(db.st, &ad), EEXIST);
	TEST_EQ_INT(secr_caller_classify(db.st, t1, "0800 555", 1, l, &c), 0);
	TEST_EQ_INT(c.decision, SECR_CALLER_NONE);
	TEST_ASSERT(l->has_ad);
	s.block_advertising = true;
	s.block_anonymous = true;
	TEST_EQ_INT(store_caller_settings_set(db.st, &s), 0);
	TEST_EQ_INT(secr_caller_classify(db.st, t1, "0800 555", 1, l, &c), 0);
	TEST_EQ_INT(c.decision, SECR_CALLER_BLOCK);
	TEST_EQ_INT(c.reason, SECR_REASON_ADVERTISING);
	TEST_EQ_INT(secr_caller_classify(db.st, t1, "anonymous", 1, l, &c), 0);
	TEST_EQ_INT(c.reason, SECR_REASON_ANONYMOUS);
	s.tenant_id = 999999;
	TEST_EQ_INT(store_caller_settings_set(db.st, &s), ENOENT);
	TEST_EQ_INT(secr_caller_classify(db.st, 999999, "0221 1", 1, l, &c),
		    ENOENT);

	/* an employee's VIPs and allow entries go with it */
	TEST_EQ_INT(store_employee_delete(db.st, max), 0);
	TEST_EQ_INT(store_vip_get(db.st, v.id, &w), ENOENT);
out:
	mem_deref(l);
	tdb_close(&db);
	return err;
}
