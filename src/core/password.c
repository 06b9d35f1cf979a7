/*
 * password.c - password hashes for the logins of the API (issue 16):
 * Argon2id through libsodium's crypto_pwhash_str(), which salts, encodes
 * its parameters into the string ("$argon2id$v=19$m=65536,t=2,p=1$...")
 * and compares in constant time.  Argon2id is memory-hard: a guesser
 * with graphics cards pays for the memory of every guess.
 *
 * The cost is --password-hash: "interactive" is libsodium's INTERACTIVE
 * limits (2 passes over 64 MiB), about 0.1 s on one core of a current
 * server (0.35 s on the loaded 2-core test machine).  It runs on the
 * caller's thread; the API calls it on the workers of password_pool.c,
 * never on the main loop.  Failed logins are limited per login and per
 * address (http/login_guard.c).  "test" (1 pass over 8 KiB) exists only
 * so that the test suites can log in hundreds of times.
 */
#include <string.h>
#include <sodium.h>
#include "core/core.h"

_Static_assert(PASSWORD_HASH_SZ == crypto_pwhash_STRBYTES,
	       "PASSWORD_HASH_SZ is libsodium's crypto_pwhash_STRBYTES");

static const struct {
	const char *name;
	unsigned long long ops;
	size_t mem; /* [bytes] */
} costs[] = {
    [PASSWORD_INTERACTIVE] = {"interactive", crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE},
    [PASSWORD_TEST] = {"test", crypto_pwhash_OPSLIMIT_MIN,
		       crypto_pwhash_MEMLIMIT_MIN},
};

int password_cost_parse(const char *name, enum password_cost *costp)
{
	size_t i;

	if (!name || !costp)
		return EINVAL;
	for (i = 0; i < ARRAY_SIZE(costs); i++) {
		if (!strcmp(name, costs[i].name)) {
			*costp = (enum password_cost)i;
			return 0;
		}
	}
	return EINVAL;
}

/* sodium_init() is safe to call again; -1 only if it cannot start. */
static bool sodium_ready(void)
{
	return sodium_init() >= 0;
}

int password_hash(char *buf, size_t sz, const char *pw, enum password_cost cost)
{
	if (!buf || sz < crypto_pwhash_STRBYTES || !pw ||
	    (size_t)cost >= ARRAY_SIZE(costs) || !sodium_ready())
		return EINVAL;

	if (crypto_pwhash_str(buf, pw, strlen(pw), costs[cost].ops,
			      costs[cost].mem))
		return ENOMEM;
	return 0;
}

bool password_verify(const char *hash, const char *pw)
{
	if (!hash || !pw || !sodium_ready())
		return false;

	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

void password_verify_dummy(const char *pw, enum password_cost cost)
{
	static char dummy[ARRAY_SIZE(costs)][crypto_pwhash_STRBYTES];

	if ((size_t)cost >= ARRAY_SIZE(costs))
		return;
	if (!dummy[cost][0] && password_hash(dummy[cost], sizeof(dummy[cost]),
					     "dummy password", cost))
		return;
	(void)password_verify(dummy[cost], pw ? pw : "");
}
