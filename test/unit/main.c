/*
 * main.c - unit test runner: runs every test of TEST_LIST (or the ones
 * named on the command line; a name ending in '*' picks every test whose
 * name begins with the rest: 'test_store_*') and prints "ok"/"FAIL" per
 * test ("skip" for one that does not apply, TEST_SKIP, counted neither
 * way) and a final "N passed, N failed" line that test/run.sh adds up.
 */
#include <re.h>
#include "test.h"

struct test {
	const char *name;
	int (*fn)(void);
};

static const struct test tests[] = {
#define X(name) {#name, name},
    TEST_LIST(X)
#undef X
};

int main(int argc, char *argv[])
{
	unsigned pass = 0, fail = 0;
	size_t i;
	int err;

	err = libre_init();
	if (err)
		return 2;
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		int r, a;
		bool pick = argc < 2;
		for (a = 1; a < argc; a++) {
			size_t n = strlen(argv[a]);

			if (n && argv[a][n - 1] == '*')
				pick |= !strncmp(argv[a], tests[i].name, n - 1);
			else
				pick |= !strcmp(argv[a], tests[i].name);
		}
		if (!pick)
			continue;
		if (!tests[i].fn) /* not linked: a partial build */
			continue;
		r = tests[i].fn();
		printf("%s %s\n",
		       r == TEST_SKIP ? "skip"
		       : r            ? "FAIL"
				      : "ok  ",
		       tests[i].name);
		fflush(stdout);
		if (r == TEST_SKIP)
			continue;
		if (r)
			fail++;
		else
			pass++;
	}
	libre_close();
	printf("%u passed, %u failed\n", pass, fail);
	return fail ? 1 : 0;
}
