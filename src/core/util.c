/*
 * util.c - small string helpers shared by all areas, and file_sync() and
 * file_put(): the one place that puts a finished file on disk (fsync of
 * the file and of its directory), counted so that tests can see it
 * happened.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
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

size_t str_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			++n;
	}
	return n;
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

const char *str_url_nopass(char *buf, size_t sz, const char *url)
{
	const char *p, *at, *colon, *q;
	size_t n;

	str_copy(buf, url, sz);
	if (!url || !sz)
		return buf;

	/* scheme://user:password@host... */
	p = strstr(url, "://");
	if (p) {
		p += 3;
		n = strcspn(p, "/?#");
		at = memrchr(p, '@', n);
		colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
		if (colon)
			re_snprintf(buf, sz, "%b:***%s", url,
				    (size_t)(colon - url), at);
	}

	/* ...?password=secret&... */
	q = strchr(buf, '?');
	while (q && (q = strstr(q, "password=")) != NULL) {
		if (q[-1] == '?' || q[-1] == '&') {
			char *v = (char *)q + 9;
			size_t vl = strcspn(v, "&#");

			if (!vl)
				;
			else if (vl >= 3 || strlen(buf) + 3 - vl < sz) {
				memmove(v + 3, v + vl, strlen(v + vl) + 1);
				memcpy(v, "***", 3);
			}
			else {
				*v = '\0'; /* no room for "***": cut it */
			}
		}
		q += 9;
	}

	return buf;
}

int hexdigit(char c)
{
	return isxdigit((unsigned char)c) ? ch_hex(c) : -1;
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

/* ---- files ----------------------------------------------------------- */

static _Atomic uint64_t syncs; /* fsync() calls that succeeded */

static int fd_sync(const char *path, int flags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	int err = 0;

	if (fd < 0)
		return errno;
	if (fsync(fd))
		err = errno;
	else
		atomic_fetch_add(&syncs, 1);
	(void)close(fd);
	return err;
}

/* fsync the directory that holds path */
static int file_sync_dir(const char *path)
{
	char dir[512];
	const char *slash = strrchr(path, '/');

	if (!slash)
		return fd_sync(".", O_DIRECTORY);
	if (slash == path)
		return fd_sync("/", O_DIRECTORY);
	if ((size_t)(slash - path) >= sizeof(dir))
		return ENAMETOOLONG;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return fd_sync(dir, O_DIRECTORY);
}

int file_sync(const char *path)
{
	int err;

	if (!path || !path[0])
		return EINVAL;
	err = fd_sync(path, 0);
	if (err)
		return err;
	return file_sync_dir(path);
}

uint64_t file_sync_count(void)
{
	return atomic_load(&syncs);
}

int file_put(const char *path, const void *buf, size_t len)
{
	return file_put_mode(path, buf, len, 0644);
}

int file_put_mode(const char *path, const void *buf, size_t len, unsigned mode)
{
	const uint8_t *p = buf;
	char tmp[600], rnd[9];
	int fd, err = 0;

	if (!path || !path[0] || (len && !buf))
		return EINVAL;
	str_random_hex(rnd, 4);
	if (re_snprintf(tmp, sizeof(tmp), "%s.%s.tmp", path, rnd) < 0 ||
	    strlen(path) + 16 > sizeof(tmp))
		return ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (!err && fsync(fd))
		err = errno;
	if (!err)
		atomic_fetch_add(&syncs, 1);
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		(void)unlink(tmp);
		return err;
	}
	return file_sync_dir(path);
}

int dir_make(const char *path)
{
	char buf[512];
	size_t i, n;
	struct stat sb;

	if (!path || !path[0])
		return EINVAL;
	n = str_copy(buf, path, sizeof(buf));
	if (n >= sizeof(buf))
		return ENAMETOOLONG;
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) == 0) {
			int err = file_sync_dir(buf);

			if (err)
				return err;
		}
		else if (errno != EEXIST) {
			return errno;
		}
		if (i < n)
			buf[i] = '/';
	}
	if (stat(path, &sb))
		return errno;
	return S_ISDIR(sb.st_mode) ? 0 : ENOTDIR;
}

static int remove_one(const char *path, const struct stat *sb, int flag,
		      struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) ? errno : 0;
}

int dir_remove(const char *path)
{
	int r;

	if (!path || !path[0] || !strcmp(path, "/"))
		return EINVAL;
	/* depth first (files before their directory), no symlink followed;
	 * a handler's errno stops the walk and comes back as its result */
	r = nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return r < 0 ? errno : r;
}
