/*
 * util.c - small string helpers shared by all areas.
 */
#include <string.h>
#include <sys/random.h>
#include "core/core.h"

void str_from_pl(char *buf, size_t sz, const struct pl *pl)
{
	size_t n;

	if (!buf || !sz)
		return;
	n = pl && pl->p ? pl->l : 0;
	if (n >= sz)
		n = sz - 1;
	if (n)
		memcpy(buf, pl->p, n);
	buf[n] = '\0';
}

size_t str_copy(char *dst, const char *src, size_t sz)
{
	size_t n = src ? strlen(src) : 0;

	if (sz) {
		size_t c = n < sz ? n : sz - 1;
		if (c)
			memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

void str_random_hex(char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t rnd[64];
	size_t i;

	if (n > sizeof(rnd))
		n = sizeof(rnd);
	if (getrandom(rnd, n, 0) != (ssize_t)n) {
		for (i = 0; i < n; i++)
			rnd[i] = (uint8_t)rand_u32();
	}
	for (i = 0; i < n; i++) {
		uint8_t b = rnd[i];
		buf[2 * i] = hex[b >> 4];
		buf[2 * i + 1] = hex[b & 15];
	}
	buf[2 * n] = '\0';
}
