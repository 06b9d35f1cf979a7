/*
 * notify_test.c - the policy of notify/ (policy.c) at fixed times: the
 * retry schedule of notify.h for the default and the test settings, the
 * verdict after each kind of attempt (delivered, refused connection, 4xx,
 * 5xx, an unreadable attachment, the last attempt), with "now" given, so
 * no test waits; and which addresses a mail may go to.
 */
#include "core/core.h"
#include "notify/notify.h"
#include "test.h"

#define NOW 1700000000000ULL /* [ms] a fixed "now" */

int test_notify_backoff(void)
{
	/* notify.h: 30 s, 1 min, 2 min, 4 min, 8 min, 16 min, 32 min, 1 h */
	static const uint64_t want[] = {30,   60,   120,  240,  480, 960,
					1920, 3600, 3600, 3600, 3600};
	const struct notify_policy def = {30, 3600, 10};
	const struct notify_policy fast = {1, 2, 3};
	const struct notify_policy big = {4000000000U, 4000000000U, 100};
	struct config cfg;
	struct notify_policy p;
	char *argv[] = {"switchboard", NULL};
	uint64_t total = 0;
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(want); i++)
		TEST_EQ_INT(notify_backoff(&def, (uint32_t)i + 1),
			    want[i] * 1000);
	TEST_EQ_INT(notify_backoff(&def, 0), 30000);
	TEST_EQ_INT(notify_backoff(&def, 4000000000U), 3600000);
	TEST_EQ_INT(notify_backoff(NULL, 1), 0);

	/* the 10th failure is final: nine waits, about 3 h 4 min */
	for (i = 1; i < def.max_attempts; i++)
		total += notify_backoff(&def, (uint32_t)i);
	TEST_EQ_INT(total, 11010000);

	TEST_EQ_INT(notify_backoff(&fast, 1), 1000);
	TEST_EQ_INT(notify_backoff(&fast, 2), 2000);
	TEST_EQ_INT(notify_backoff(&fast, 3), 2000);
	TEST_EQ_INT(notify_backoff(&big, 50), 4000000000000ULL);

	/* the defaults of the configuration are the schedule above */
	TEST_EQ_INT(config_load(&cfg, 1, argv), 0);
	notify_policy_of(&p, &cfg);
	TEST_EQ_INT(p.retry_base, 30);
	TEST_EQ_INT(p.retry_max, 3600);
	TEST_EQ_INT(p.max_attempts, 10);
out:
	return err;
}

int test_notify_judge(void)
{
	static const struct {
		uint32_t attempts; /* before this one            */
		bool ok, permanent;
		long smtp;
		enum notify_verdict want;
		uint64_t next; /* [ms] after NOW, RETRY only */
	} v[] = {
	    {0, true, false, 250, NOTIFY_SENT, 0},
	    {8, true, false, 221, NOTIFY_SENT, 0},     /* late, still sent */
	    {0, false, false, 0, NOTIFY_RETRY, 30000}, /* refused: 30 s   */
	    {1, false, false, 0, NOTIFY_RETRY, 60000},
	    {6, false, false, 0, NOTIFY_RETRY, 1920000},
	    {7, false, false, 0, NOTIFY_RETRY, 3600000},
	    {8, false, false, 0, NOTIFY_RETRY, 3600000},
	    {9, false, false, 0, NOTIFY_FAILED, 0},      /* the 10th failure */
	    {0, false, false, 451, NOTIFY_RETRY, 30000}, /* 4xx: later      */
	    {0, false, false, 421, NOTIFY_RETRY, 30000},
	    {9, false, false, 451, NOTIFY_FAILED, 0},
	    {0, false, false, 550, NOTIFY_FAILED, 0}, /* 5xx: at once    */
	    {0, false, false, 554, NOTIFY_FAILED, 0},
	    {3, false, false, 501, NOTIFY_FAILED, 0},
	    {0, false, true, 0, NOTIFY_FAILED, 0}, /* attachment missing */
	};
	const struct notify_policy p = {30, 3600, 10};
	struct store_outbox *o;
	struct notify_result r;
	uint64_t next;
	size_t i;
	int err = 0;

	o = mem_zalloc(sizeof(*o), NULL);
	TEST_ASSERT(o != NULL);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		memset(&r, 0, sizeof(r));
		o->attempts = v[i].attempts;
		r.ok = v[i].ok;
		r.permanent = v[i].permanent;
		r.smtp = v[i].smtp;
		next = 0;
		if (notify_judge(&p, o, &r, NOW, &next) != v[i].want) {
			fprintf(stderr, "  row %zu: verdict %d, want %d\n", i,
				notify_judge(&p, o, &r, NOW, NULL), v[i].want);
			TEST_ASSERT(false);
		}
		TEST_EQ_INT(next, v[i].next ? NOW + v[i].next : 0);
	}
out:
	mem_deref(o);
	return err;
}

int test_notify_addr(void)
{
	static const struct {
		const char *s;
		bool one, list;
	} v[] = {
	    {"max@kunde.example", true, true},
	    {"max.mustermann+vm@kunde.example", true, true},
	    {"a@b", true, true},
	    {"a@x.example, b@y.example", false, true},
	    {"a@x.example,b@y.example", false, true},
	    {" a@x.example ", false, true},
	    {"a@x.example,", false, false},
	    {"", false, false},
	    {"max", false, false},
	    {"@kunde.example", false, false},
	    {"max@", false, false},
	    {"max@@kunde.example", false, false},
	    {"a@b@c", false, false},
	    {"max mustermann@kunde.example", false, false},
	    {"Max <max@kunde.example>", false, false},
	    {"max@kunde.example\r\nBcc: x@y", false, false},
	    {"max@.example", false, false},
	    {"max@kunde.", false, false},
	    {"max@kunde..example", false, false},
	    {"\"max\"@kunde.example", false, false},
	    {"a;b@kunde.example", false, false},
	};
	char longaddr[300];
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		if (notify_addr_ok(v[i].s) != v[i].one ||
		    notify_addr_list_ok(v[i].s) != v[i].list) {
			fprintf(stderr, "  \"%s\": one %d list %d\n", v[i].s,
				notify_addr_ok(v[i].s),
				notify_addr_list_ok(v[i].s));
			TEST_ASSERT(false);
		}
	}
	TEST_ASSERT(!notify_addr_ok(NULL));
	TEST_ASSERT(!notify_addr_list_ok(NULL));

	/* 254 bytes at most */
	memset(longaddr, 'a', sizeof(longaddr));
	memcpy(longaddr + 254 - 10, "@b.example", 11);
	TEST_EQ_INT(strlen(longaddr), 254);
	TEST_ASSERT(notify_addr_ok(longaddr));
	memset(longaddr, 'a', sizeof(longaddr));
	memcpy(longaddr + 255 - 10, "@b.example", 11);
	TEST_ASSERT(!notify_addr_ok(longaddr));
out:
	return err;
}
