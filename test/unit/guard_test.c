/*
 * guard_test.c - the password-guessing guard (sip/guard.c) and the
 * nonce-count replay table (sip/auth.c) with an injected clock: sliding
 * window, blocks and their end, the user throttle, trusted pairs, the table
 * cap and expiry.  No sockets.
 */
#include "core/core.h"
#include "sip/sip_int.h"
#include "test.h"

static uint64_t now_ms;

static uint64_t fake_clock(void)
{
	return now_ms;
}

struct fixture {
	struct guard *g;
	struct sa src[12]; /* 203.0.113.1:5061 ... */
	enum log_level level;
};

static int setup(struct fixture *f, uint32_t max_entries, uint32_t block)
{
	struct guard_prm prm = {5, 60, block, max_entries};
	unsigned i;
	char ip[32];

	now_ms = 1795577697000ULL;
	time_clock_set(fake_clock);
	f->level = log_level_get();
	log_set_level(LOG_WARN);
	for (i = 0; i < ARRAY_SIZE(f->src); i++) {
		re_snprintf(ip, sizeof(ip), "203.0.113.%u", i + 1);
		sa_set_str(&f->src[i], ip, (uint16_t)(5061 + i));
	}
	return guard_alloc(&f->g, &prm);
}

static void teardown(struct fixture *f)
{
	f->g = mem_deref(f->g);
	time_clock_set(NULL);
	log_set_level(f->level);
}

/* One failed login; returns whether the next such request is refused. */
static bool fail_at(struct fixture *f, uint64_t t, const struct sa *src,
		    const char *user, bool trusted)
{
	struct guard_who w = {src, user, trusted};

	now_ms = t;
	guard_failure(f->g, &w, "wrong password");
	return guard_active(f->g, src, user) && guard_refuse(f->g, &w);
}

static bool refused(struct fixture *f, const struct sa *src, const char *user,
		    bool trusted)
{
	struct guard_who w = {src, user, trusted};

	return guard_refuse(f->g, &w);
}

struct collect {
	unsigned n;
	char kind[8];
	char key[64];
	uint32_t failures, refused, delay;
	uint64_t until, throttled;
};

static int collect_h(const struct sip_auth_block *b, void *arg)
{
	struct collect *c = arg;

	++c->n;
	str_copy(c->kind, b->kind, sizeof(c->kind));
	str_copy(c->key, b->key, sizeof(c->key));
	c->failures = b->failures;
	c->refused = b->refused;
	c->until = b->blocked_until;
	c->delay = b->delay;
	c->throttled = b->throttled_until;
	return 0;
}

int test_guard_window(void)
{
	struct fixture f = {0};
	uint64_t t0;
	int err = setup(&f, 0, 600);

	TEST_EQ_INT(err, 0);
	t0 = now_ms;

	/* five failures spread over 61 s: never five within 60 s */
	TEST_ASSERT(!fail_at(&f, t0, &f.src[0], "1001", false));
	TEST_ASSERT(!fail_at(&f, t0 + 20000, &f.src[0], "1002", false));
	TEST_ASSERT(!fail_at(&f, t0 + 40000, &f.src[0], "1003", false));
	TEST_ASSERT(!fail_at(&f, t0 + 50000, &f.src[0], "1004", false));
	TEST_ASSERT(!fail_at(&f, t0 + 60000, &f.src[0], "1005", false));
	/* the window slides: 20, 40, 50, 60, 79 s are within 60 s */
	TEST_ASSERT(fail_at(&f, t0 + 79000, &f.src[0], "1006", false));
	/* any user from there, also the right password: refused unchecked */
	TEST_ASSERT(refused(&f, &f.src[0], "1001", false));
	TEST_ASSERT(refused(&f, &f.src[0], "", false));
	/* same IP, another port: the source is the IP */
	sa_set_port(&f.src[0], 40000);
	TEST_ASSERT(refused(&f, &f.src[0], "1007", false));
	/* another source is not affected */
	TEST_ASSERT(!refused(&f, &f.src[1], "1001", false));

out:
	teardown(&f);
	return err;
}

int test_guard_block(void)
{
	struct fixture f = {0};
	struct collect c;
	uint64_t t0;
	unsigned i;
	int err = setup(&f, 0, 600);

	TEST_EQ_INT(err, 0);
	t0 = now_ms;
	for (i = 0; i < 4; i++)
		TEST_ASSERT(
		    !fail_at(&f, t0 + i * 1000, &f.src[0], "1001", false));
	TEST_ASSERT(fail_at(&f, t0 + 4000, &f.src[0], "1001", false));
	TEST_ASSERT(refused(&f, &f.src[0], "1001", false));
	TEST_ASSERT(refused(&f, &f.src[0], "1001", false));

	/* the phone of 1001 registered from that address is judged alone */
	TEST_ASSERT(!refused(&f, &f.src[0], "1001", true));

	memset(&c, 0, sizeof(c));
	TEST_EQ_INT(guard_blocks(f.g, collect_h, &c), 0);
	TEST_EQ_INT(c.n, 1);
	TEST_EQ_STR(c.kind, "source");
	TEST_EQ_STR(c.key, "203.0.113.1");
	TEST_EQ_INT(c.failures, 5);
	TEST_EQ_INT(c.refused, 3); /* fail_at()'s look counts as one */
	TEST_EQ_INT(c.until, t0 + 4000 + 600000);

	/* the block ends after --auth-block; counting starts from zero */
	now_ms = t0 + 4000 + 600000;
	TEST_ASSERT(!refused(&f, &f.src[0], "1001", false));
	for (i = 0; i < 4; i++)
		TEST_ASSERT(
		    !fail_at(&f, now_ms + 1000, &f.src[0], "1001", false));
	TEST_ASSERT(fail_at(&f, now_ms + 1000, &f.src[0], "1001", false));

	/* lifted through the API: by key, whatever the kind */
	TEST_EQ_INT(guard_unblock(f.g, "203.0.113.9"), ENOENT);
	TEST_EQ_INT(guard_unblock(f.g, "203.0.113.1"), 0);
	TEST_EQ_INT(guard_unblock(f.g, "203.0.113.1"), ENOENT);
	TEST_ASSERT(!refused(&f, &f.src[0], "1001", false));
	memset(&c, 0, sizeof(c));
	TEST_EQ_INT(guard_blocks(f.g, collect_h, &c), 0);
	TEST_EQ_INT(c.n, 0);

out:
	teardown(&f);
	return err;
}

int test_guard_user(void)
{
	struct fixture f = {0};
	struct collect c;
	uint64_t t0;
	unsigned i;
	int err = setup(&f, 0, 600);

	TEST_EQ_INT(err, 0);
	t0 = now_ms;

	/* ten addresses, one guess each: the user limit is twice 5 */
	for (i = 0; i < 9; i++)
		TEST_ASSERT(
		    !fail_at(&f, t0 + i * 1000, &f.src[i], "1001", false));
	TEST_ASSERT(fail_at(&f, t0 + 9000, &f.src[9], "1001", false));
	/* from anywhere untrusted, 1001 is throttled; other users are not */
	TEST_ASSERT(refused(&f, &f.src[11], "1001", false));
	TEST_ASSERT(!refused(&f, &f.src[11], "1002", false));
	/* 1001's own registered phone still gets checked */
	TEST_ASSERT(!refused(&f, &f.src[11], "1001", true));

	memset(&c, 0, sizeof(c));
	TEST_EQ_INT(guard_blocks(f.g, collect_h, &c), 0);
	TEST_EQ_INT(c.n, 1);
	TEST_EQ_STR(c.kind, "user");
	TEST_EQ_STR(c.key, "1001");
	TEST_EQ_INT(c.failures, 10);
	TEST_EQ_INT(c.delay, 1); /* a window of 1 s, not a lock */
	TEST_EQ_INT(c.until, t0 + 9000 + 1000);
	TEST_EQ_INT(c.throttled, t0 + 9000 + 1000 + 600000);

	/* refused requests are no failures: no source gets blocked */
	for (i = 0; i < 20; i++)
		TEST_ASSERT(refused(&f, &f.src[10], "1001", false));
	TEST_ASSERT(!refused(&f, &f.src[10], "1002", false));
	memset(&c, 0, sizeof(c));
	TEST_EQ_INT(guard_blocks(f.g, collect_h, &c), 0);
	TEST_EQ_INT(c.n, 1);
	TEST_EQ_INT(c.refused, 22);

	/* the window is over: the right password from an eleventh address
	 * is checked (and, being right, counts nothing) */
	now_ms = t0 + 9000 + 1000;
	TEST_ASSERT(!refused(&f, &f.src[10], "1001", false));

out:
	teardown(&f);
	return err;
}

/* A throttled user: one checked guess per window, the window doubling
 * with each wrong one up to --auth-block; a quiet --auth-block ends it. */
int test_guard_throttle(void)
{
	static const uint32_t want[] = {2,   4,   8,   16,  32, 64,
					128, 256, 512, 600, 600};
	struct fixture f = {0};
	struct collect c;
	struct sa guesser;
	uint64_t t0, t;
	unsigned i;
	int err = setup(&f, 0, 600);

	TEST_EQ_INT(err, 0);
	t0 = now_ms;
	for (i = 0; i < 10; i++)
		(void)fail_at(&f, t0 + i * 100, &f.src[i], "1001", false);
	TEST_ASSERT(refused(&f, &f.src[10], "1001", false)); /* 1 s window */

	/* each guess right at the end of the window is checked, fails and
	 * doubles the next window; guesses inside it are refused */
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		struct guard_who w;
		char ip[32];

		memset(&c, 0, sizeof(c));
		TEST_EQ_INT(guard_blocks(f.g, collect_h, &c), 0);
		t = c.until;
		now_ms = t - 1;
		TEST_ASSERT(refused(&f, &f.src[10], "1001", false));
		now_ms = t;
		re_snprintf(ip, sizeof(ip), "198.51.100.%u", i + 1);
		sa_set_str(&guesser, ip, 5060);
		TEST_ASSERT(!refused(&f, &guesser, "1001", false));
		w = (struct guard_who){&guesser, "1001", false};
		guard_failure(f.g, &w, "wrong password");
		memset(&c, 0, sizeof(c));
		TEST_EQ_INT(guard_blocks(f.g, collect_h, &c), 0);
		TEST_EQ_INT(c.n, 1);
		TEST_EQ_INT(c.delay, want[i]);
		TEST_EQ_INT(c.until, t + want[i] * 1000ULL);
		TEST_EQ_INT(c.failures, 11 + i);
		TEST_ASSERT(refused(&f, &f.src[11], "1001", false));
	}

	/* the right password after a window: checked, nothing changes */
	now_ms = c.until;
	TEST_ASSERT(!refused(&f, &f.src[11], "1001", false));
	memset(&c, 0, sizeof(c));
	TEST_EQ_INT(guard_blocks(f.g, collect_h, &c), 0);
	TEST_EQ_INT(c.delay, 600);

	/* --auth-block without a failure ends the throttle */
	now_ms = c.throttled - 1;
	guard_expire(f.g);
	memset(&c, 0, sizeof(c));
	TEST_EQ_INT(guard_blocks(f.g, collect_h, &c), 0);
	TEST_EQ_INT(c.n, 1);
	now_ms = c.throttled;
	guard_expire(f.g);
	memset(&c, 0, sizeof(c));
	TEST_EQ_INT(guard_blocks(f.g, collect_h, &c), 0);
	TEST_EQ_INT(c.n, 0);
	/* and counting starts again from zero */
	TEST_ASSERT(!fail_at(&f, now_ms, &f.src[11], "1001", false));
	TEST_ASSERT(!refused(&f, &f.src[10], "1001", false));

	/* lifted through the API like a block */
	for (i = 0; i < 10; i++)
		(void)fail_at(&f, now_ms + 1, &f.src[i], "1002", false);
	TEST_ASSERT(refused(&f, &f.src[11], "1002", false));
	TEST_EQ_INT(guard_unblock(f.g, "1002"), 0);
	TEST_ASSERT(!refused(&f, &f.src[11], "1002", false));

out:
	teardown(&f);
	return err;
}

int test_guard_pair(void)
{
	struct fixture f = {0};
	struct collect c;
	struct sa other;
	uint64_t t0;
	unsigned i;
	int err = setup(&f, 0, 600);

	TEST_EQ_INT(err, 0);
	t0 = now_ms;

	/* a trusted pair failing counts only against itself */
	for (i = 0; i < 4; i++)
		TEST_ASSERT(
		    !fail_at(&f, t0 + i * 1000, &f.src[0], "1001", true));
	TEST_ASSERT(fail_at(&f, t0 + 4000, &f.src[0], "1001", true));
	TEST_ASSERT(refused(&f, &f.src[0], "1001", true));

	/* the address and the user are not blocked for others */
	other = f.src[0];
	sa_set_port(&other, 5999);
	TEST_ASSERT(!refused(&f, &other, "1001", false));
	TEST_ASSERT(!refused(&f, &other, "1001", true));
	TEST_ASSERT(!refused(&f, &f.src[0], "1002", true));

	memset(&c, 0, sizeof(c));
	TEST_EQ_INT(guard_blocks(f.g, collect_h, &c), 0);
	TEST_EQ_INT(c.n, 1);
	TEST_EQ_STR(c.kind, "pair");
	TEST_EQ_STR(c.key, "203.0.113.1:5061/1001");
	TEST_EQ_INT(guard_unblock(f.g, "203.0.113.1:5061/1001"), 0);
	TEST_ASSERT(!refused(&f, &f.src[0], "1001", true));

	/* untrusted failures from a NAT address never touch the pair */
	for (i = 0; i < 5; i++)
		(void)fail_at(&f, t0 + 10000 + i, &other, "1001", false);
	TEST_ASSERT(refused(&f, &other, "1001", false));
	TEST_ASSERT(!refused(&f, &f.src[0], "1001", true));

out:
	teardown(&f);
	return err;
}

int test_guard_evict(void)
{
	struct fixture f = {0};
	uint64_t t0;
	unsigned i;
	int err = setup(&f, 4, 600);

	TEST_EQ_INT(err, 0);
	t0 = now_ms;

	/* a blocked source and its user entry: 2 entries */
	for (i = 0; i < 5; i++)
		(void)fail_at(&f, t0 + i, &f.src[0], "1001", false);
	TEST_ASSERT(refused(&f, &f.src[0], "x", false));
	TEST_EQ_INT(guard_count(f.g), 2);

	/* flood with new sources and no user: the table stays at 4 and
	 * the least recent entry that blocks nothing goes first */
	for (i = 1; i < 12; i++)
		(void)fail_at(&f, t0 + 100 + i, &f.src[i], "", false);
	TEST_EQ_INT(guard_count(f.g), 4);
	TEST_ASSERT(refused(&f, &f.src[0], "x", false));

	/* counters without a failure in the window are swept */
	now_ms = t0 + 100 + 11 + 60000;
	guard_expire(f.g);
	TEST_EQ_INT(guard_count(f.g), 1); /* the block */
	now_ms = t0 + 4 + 600000;
	guard_expire(f.g);
	TEST_EQ_INT(guard_count(f.g), 0);
	TEST_ASSERT(!refused(&f, &f.src[0], "x", false));

out:
	teardown(&f);
	return err;
}

int test_guard_disabled(void)
{
	struct fixture f = {0};
	unsigned i;
	int err = setup(&f, 0, 0); /* --auth-block 0 */

	TEST_EQ_INT(err, 0);
	for (i = 0; i < 50; i++)
		TEST_ASSERT(!fail_at(&f, now_ms + 1, &f.src[0], "1001", false));
	TEST_EQ_INT(guard_count(f.g), 0);

out:
	teardown(&f);
	return err;
}

int test_auth_nc(void)
{
	struct sipauth_nc *t = NULL;
	struct pl a, b, c;
	uint64_t exp;
	int err = 0;

	now_ms = 1795577697000ULL;
	time_clock_set(fake_clock);
	exp = now_ms + 301000;
	pl_set_str(&a, "6745c1a1aaaaaaaa0123456789abcdef");
	pl_set_str(&b, "6745c1a2bbbbbbbb0123456789abcdef");
	pl_set_str(&c, "6745c1a3cccccccc0123456789abcdef");

	err = sipauth_nc_alloc(&t, 2);
	TEST_EQ_INT(err, 0);
	TEST_EQ_INT(sipauth_nc_use(t, &a, 0, exp), EALREADY);
	TEST_EQ_INT(sipauth_nc_use(t, &a, 1, exp), 0);
	TEST_EQ_INT(sipauth_nc_use(t, &a, 1, exp), EALREADY); /* replay */
	TEST_EQ_INT(sipauth_nc_use(t, &a, 2, exp), 0);
	TEST_EQ_INT(sipauth_nc_use(t, &a, 5, exp), 0); /* gaps are fine */
	TEST_EQ_INT(sipauth_nc_use(t, &a, 4, exp), EALREADY);
	TEST_EQ_INT(sipauth_nc_use(t, &b, 1, exp + 1000), 0);

	/* full (2): a third nonce pushes out a, whose reuse is then stale */
	TEST_EQ_INT(sipauth_nc_use(t, &c, 1, exp + 2000), 0);
	TEST_EQ_INT(sipauth_nc_count(t), 2);
	TEST_EQ_INT(sipauth_nc_use(t, &a, 6, exp), ESTALE);
	TEST_EQ_INT(sipauth_nc_use(t, &b, 1, exp + 1000), EALREADY);

	/* expired nonces are forgotten */
	now_ms = exp + 2000;
	TEST_EQ_INT(sipauth_nc_use(t, &a, 1, now_ms + 300000), 0);
	TEST_EQ_INT(sipauth_nc_count(t), 1);

out:
	mem_deref(t);
	time_clock_set(NULL);
	return err;
}

/* many nonces: slabs fill, the cap evicts the oldest, expiry frees all */
int test_auth_nc_slabs(void)
{
	struct sipauth_nc *t = NULL;
	char buf[40];
	struct pl p;
	uint64_t exp;
	unsigned i;
	int err = 0;

	now_ms = 1795577697000ULL;
	time_clock_set(fake_clock);
	exp = now_ms + 301000;
	err = sipauth_nc_alloc(&t, 200);
	TEST_EQ_INT(err, 0);
	for (i = 0; i < 1000; i++) {
		re_snprintf(buf, sizeof(buf), "%08x%024u", i, i);
		pl_set_str(&p, buf);
		TEST_EQ_INT(sipauth_nc_use(t, &p, 1, exp + i), 0);
		TEST_EQ_INT(sipauth_nc_use(t, &p, 1, exp + i), EALREADY);
	}
	TEST_EQ_INT(sipauth_nc_count(t), 200);
	/* the oldest were pushed out: stale */
	re_snprintf(buf, sizeof(buf), "%08x%024u", 5, 5);
	pl_set_str(&p, buf);
	TEST_EQ_INT(sipauth_nc_use(t, &p, 2, exp + 5), ESTALE);
	/* a kept one still counts */
	re_snprintf(buf, sizeof(buf), "%08x%024u", 900, 900);
	pl_set_str(&p, buf);
	TEST_EQ_INT(sipauth_nc_use(t, &p, 2, exp + 900), 0);
	sipauth_nc_expire(t, exp + 899);
	TEST_EQ_INT(sipauth_nc_count(t), 100);
	sipauth_nc_expire(t, exp + 2000);
	TEST_EQ_INT(sipauth_nc_count(t), 0);
	for (i = 0; i < 70; i++) {
		re_snprintf(buf, sizeof(buf), "%08x%024u", i + 5000, i);
		pl_set_str(&p, buf);
		TEST_EQ_INT(sipauth_nc_use(t, &p, 1, exp + 5000), 0);
	}
	TEST_EQ_INT(sipauth_nc_count(t), 70);

out:
	mem_deref(t);
	time_clock_set(NULL);
	return err;
}
