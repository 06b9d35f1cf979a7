/*
 * sign.c - HMAC-SHA256 (OpenSSL) for what Switchboard signs: webhooks
 * (webhook.c) and the links of call notes (note.c), and a random secret.
 */
#include <errno.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "notify/notify.h"

void notify_hmac_hex(char out[NOTIFY_HMAC_HEX], const char *key,
		     const char *msg)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	out[0] = '\0';
	if (!key || !msg)
		return;
	if (!HMAC(EVP_sha256(), key, (int)strlen(key),
		  (const unsigned char *)msg, strlen(msg), mac, &len) ||
	    len != 32)
		return;
	for (i = 0; i < len; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[2 * len] = '\0';
}

bool notify_hmac_equal(const char *a, const char *b)
{
	size_t n;

	if (!a || !b)
		return false;
	n = strlen(a);
	if (n != strlen(b) || !n)
		return false;
	return CRYPTO_memcmp(a, b, n) == 0;
}

int notify_secret_make(char *buf, size_t sz)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[32];
	size_t i;

	if (!buf || sz < 2 * sizeof(rnd) + 1)
		return EINVAL;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return EIO;
	for (i = 0; i < sizeof(rnd); i++) {
		buf[2 * i] = hex[rnd[i] >> 4];
		buf[2 * i + 1] = hex[rnd[i] & 15];
	}
	buf[2 * sizeof(rnd)] = '\0';
	return 0;
}
