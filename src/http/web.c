/*
 * web.c - the browser front end's files (issue 19), served by the same
 * listener as the API and the event stream, so that the page, its API
 * calls and its WebSocket share one origin (the session cookie is
 * SameSite=Strict and no CORS is needed).  `make` builds the files with
 * Vite into build/web (--web-dir).
 *
 *   --web-dir ""      -> 404, as any unknown path
 *   GET|HEAD /<path>  -> path resolved inside --web-dir?  no  -> 400
 *                     -> a regular file there?            yes -> 200 file
 *                     -> last segment without a '.'?      yes -> 200
 *                        (a route of the single-page app: index.html)
 *                     -> 404
 *   other methods     -> 405 (Allow: GET, HEAD)
 *
 * Nothing outside the directory is ever served: the path is decoded and
 * checked segment by segment (no "..", ".", empty segment, encoded '/',
 * backslash or NUL), and the file's real path (symbolic links resolved)
 * must still lie inside the directory's.  Vite names its output under
 * assets/ by content hash: those are cached for a year ("immutable");
 * everything else, index.html first, is revalidated on every load.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "http/http_int.h"

enum {
	WEB_FILE_MAX = 16 << 20, /* [bytes] a file at most */
};

static const struct {
	const char *ext;
	const char *ctype;
} ctypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

/* Headers of every file: no sniffing, no framing, scripts only ours. */
static const char sec_hdrs[] =
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: same-origin\r\n"
    "Content-Security-Policy: default-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'\r\n";

const char *web_ctype(const char *name)
{
	const char *dot = name ? strrchr(name, '.') : NULL;
	size_t i;

	for (i = 0; dot && i < ARRAY_SIZE(ctypes); i++) {
		if (!str_casecmp(dot, ctypes[i].ext))
			return ctypes[i].ctype;
	}
	return "application/octet-stream";
}

int web_path_resolve(const struct pl *path, char *rel, size_t sz)
{
	size_t i, n = 0, seg = 0; /* seg: where the segment began in rel */

	if (!path || !rel || !sz)
		return EINVAL;
	if (!path->l || path->p[0] != '/')
		return EBADMSG;
	for (i = 1; i <= path->l; i++) {
		char c;

		if (i == path->l || path->p[i] == '/') {
			size_t sl = n - seg;

			if (i == path->l && !sl)
				break; /* "/" itself, or a trailing '/' */
			if (!sl || (sl == 1 && rel[seg] == '.') ||
			    (sl == 2 && rel[seg] == '.' && rel[seg + 1] == '.'))
				return EBADMSG;
			/* hidden files (.env, .git, ...) are never ours */
			if (rel[seg] == '.')
				return ENOENT;
			if (i == path->l)
				break;
			if (n + 1 >= sz)
				return ENAMETOOLONG;
			rel[n++] = '/';
			seg = n;
			continue;
		}
		c = path->p[i];
		if (c == '%') {
			int hi, lo;

			if (i + 2 >= path->l)
				return EBADMSG;
			hi = hexdigit(path->p[i + 1]);
			lo = hexdigit(path->p[i + 2]);
			if (hi < 0 || lo < 0)
				return EBADMSG;
			c = (char)(hi << 4 | lo);
			i += 2;
			if (c == '/')
				return EBADMSG;
		}
		if (c == '\\' || c == '\0' || (unsigned char)c < 0x20)
			return EBADMSG;
		if (n + 1 >= sz)
			return ENAMETOOLONG;
		rel[n++] = c;
	}
	rel[n] = '\0';
	return 0;
}

/* Is the last segment of rel without a '.' (a route of the app, not a
 * file)? */
static bool is_app_route(const char *rel)
{
	const char *last = strrchr(rel, '/');

	return !strchr(last ? last + 1 : rel, '.');
}

/* Is the real path of file inside the real path of dir? */
static bool inside(const char *dir, const char *file)
{
	char rdir[PATH_MAX], rfile[PATH_MAX];
	size_t n;

	if (!realpath(dir, rdir) || !realpath(file, rfile))
		return false;
	n = strlen(rdir);
	return !strncmp(rdir, rfile, n) && rfile[n] == '/';
}

/* The bytes of the regular file path (at most WEB_FILE_MAX) into *mbp. */
static int file_read(const char *path, struct mbuf **mbp)
{
	struct mbuf *mb = NULL;
	struct stat sb;
	FILE *f;
	int err = 0;

	if (stat(path, &sb))
		return errno;
	if (!S_ISREG(sb.st_mode))
		return ENOENT;
	if (sb.st_size > WEB_FILE_MAX)
		return EFBIG;
	f = fopen(path, "rb");
	if (!f)
		return errno;
	mb = mbuf_alloc((size_t)sb.st_size + 1);
	if (!mb) {
		err = ENOMEM;
		goto out;
	}
	mb->end = fread(mb->buf, 1, (size_t)sb.st_size, f);
	if (ferror(f) || mb->end != (size_t)sb.st_size)
		err = EIO;
out:
	fclose(f);
	if (err)
		mem_deref(mb);
	else
		*mbp = mb;
	return err;
}

/* 200 with the file full (name for its type), its body left out for
 * HEAD. */
static int send_file(struct api_req *req, const char *rel,
		     const struct mbuf *file)
{
	const bool hashed = !strncmp(rel, "assets/", 7);
	struct mbuf *mb;
	int err;

	mb = mbuf_alloc(file->end + 768);
	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb,
			  "HTTP/1.1 200 OK\r\n"
			  "Content-Type: %s\r\n"
			  "Content-Length: %zu\r\n"
			  "Cache-Control: %s\r\n"
			  "%s"
			  "\r\n",
			  web_ctype(rel), file->end,
			  hashed ? "public, max-age=31536000, immutable"
				 : "no-cache",
			  sec_hdrs);
	if (!err && pl_strcmp(&req->msg->met, "HEAD"))
		err = mbuf_write_mem(mb, file->buf, file->end);
	if (!err) {
		mb->pos = 0;
		err = api_conn_send(req->conn, mb);
	}
	mem_deref(mb);
	if (!err)
		req->replied = true;
	return err;
}

void web_serve(struct api_req *req)
{
	const char *dir = req->api->cfg->web_dir;
	struct mbuf *file = NULL;
	char rel[512], path[PATH_MAX];
	int err;

	if (!dir[0]) { /* no front end: as any unknown path */
		(void)api_error(req, 404, "no such resource: %r",
				&req->msg->path);
		return;
	}
	if (pl_strcmp(&req->msg->met, "GET") &&
	    pl_strcmp(&req->msg->met, "HEAD")) {
		(void)api_error_hdrs(req, 405, "Allow: GET, HEAD\r\n",
				     "method %r not allowed here; use GET or "
				     "HEAD",
				     &req->msg->met);
		return;
	}
	err = web_path_resolve(&req->msg->path, rel, sizeof(rel));
	if (err) {
		(void)api_error(req, err == EBADMSG ? 400 : 404,
				"path: not a file of the web front end");
		return;
	}
	if (!rel[0])
		str_copy(rel, "index.html", sizeof(rel));
	re_snprintf(path, sizeof(path), "%s/%s", dir, rel);
	err = inside(dir, path) ? file_read(path, &file) : ENOENT;
	if (err == ENOENT && is_app_route(rel)) {
		str_copy(rel, "index.html", sizeof(rel));
		re_snprintf(path, sizeof(path), "%s/%s", dir, rel);
		err = inside(dir, path) ? file_read(path, &file) : ENOENT;
	}
	if (err == ENOENT || err == ENOTDIR || err == EACCES) {
		(void)api_error(req, 404, "%r not found", &req->msg->path);
		return;
	}
	if (err) {
		warning("http: web %s: %m\n", rel, err);
		(void)api_error(req, 500, "internal error");
		return;
	}
	err = send_file(req, rel, file);
	if (err)
		warning("http: web %s: %m\n", rel, err);
	mem_deref(file);
}
