/*
 * http_test_web.c - the browser's session (http/cookie.c) and the web
 * front end's paths (http/web.c): the session cookie found among others
 * and its Set-Cookie attributes, the CSRF token derived from the session
 * token and compared exactly, the Origin of a WebSocket against the
 * Host, and URL paths that must never leave the web directory.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "http/http_int.h"
#include "test.h"

/* A request head with the header lines hdrs, decoded by libre. */
static int msg_of(struct http_msg **msgp, const char *hdrs)
{
	struct mbuf *mb = mbuf_alloc(512);
	int err;

	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb, "GET / HTTP/1.1\r\nHost: x\r\n%s\r\n", hdrs);
	mb->pos = 0;
	if (!err)
		err = http_msg_decode(msgp, mb, true);
	mem_deref(mb);
	return err;
}

int test_web_cookie(void)
{
	struct http_msg *msg = NULL;
	char buf[120];
	int err = 0;

	TEST_EQ_INT(msg_of(&msg, "Cookie: a=1; sb_session=abc123 ;b=2\r\n"), 0);
	TEST_EQ_INT(api_cookie_find(msg, API_COOKIE, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, "abc123");
	TEST_EQ_INT(api_cookie_find(msg, "sb", buf, sizeof(buf)), ENOENT);
	TEST_EQ_INT(api_cookie_find(msg, API_COOKIE, buf, 6),
		    EINVAL); /* too long */
	msg = mem_deref(msg);

	/* a second Cookie header, and a name that only starts alike */
	TEST_EQ_INT(msg_of(&msg, "Cookie: sb_session_x=1\r\n"
				 "cookie: sb_session=zz\r\n"),
		    0);
	TEST_EQ_INT(api_cookie_find(msg, API_COOKIE, buf, sizeof(buf)), 0);
	TEST_EQ_STR(buf, "zz");
	msg = mem_deref(msg);
	TEST_EQ_INT(msg_of(&msg, "Cookie: sb_session=\r\n"), 0);
	TEST_EQ_INT(api_cookie_find(msg, API_COOKIE, buf, sizeof(buf)), EINVAL);
	msg = mem_deref(msg);

	/* two of ours (one may be a sibling site's): which is ours is
	 * unknown, so none is taken */
	TEST_EQ_INT(msg_of(&msg, "Cookie: sb_session=a1; x=2\r\n"
				 "Cookie: sb_session=b2\r\n"),
		    0);
	TEST_EQ_INT(api_cookie_find(msg, API_COOKIE, buf, sizeof(buf)), EEXIST);
	TEST_EQ_INT(api_cookie_find(msg, "__Host-sb_session", buf, sizeof(buf)),
		    ENOENT);
	TEST_EQ_STR(api_cookie_name(true), "__Host-sb_session");
	TEST_EQ_STR(api_cookie_name(false), "sb_session");

	/* the list walker under it (hdr.c): trimmed items, empty ones too */
	{
		struct pl v = PL(" a ,\tb\t,, c"), item;
		const char *want[] = {"a", "b", "", "c"};
		size_t n = 0;

		while (api_hdr_item_next(&v, ',', &item)) {
			TEST_ASSERT(n < ARRAY_SIZE(want));
			TEST_ASSERT(!pl_strcmp(&item, want[n]));
			n++;
		}
		TEST_EQ_INT(n, 4);
	}

	TEST_EQ_INT(api_cookie_set_hdr(buf, sizeof(buf), "t0k", false, 60), 0);
	TEST_EQ_STR(buf, "Set-Cookie: sb_session=t0k; Path=/; HttpOnly; "
			 "SameSite=Strict; Max-Age=60\r\n");
	TEST_EQ_INT(api_cookie_set_hdr(buf, sizeof(buf), NULL, true, 60), 0);
	TEST_EQ_STR(buf, "Set-Cookie: __Host-sb_session=; Path=/; HttpOnly; "
			 "SameSite=Strict; Max-Age=0; Secure\r\n");
	TEST_EQ_INT(api_cookie_set_hdr(buf, 20, "t0k", false, 60), ENOMEM);
out:
	mem_deref(msg);
	return err;
}

int test_web_csrf(void)
{
	char a[API_CSRF_SZ], b[API_CSRF_SZ];
	struct pl given;
	int err = 0;

	TEST_EQ_INT(api_csrf_of(a, sizeof(a), "session-one"), 0);
	TEST_EQ_INT(api_csrf_of(b, sizeof(b), "session-two"), 0);
	TEST_EQ_INT(strlen(a), 64);
	TEST_ASSERT(strcmp(a, b) != 0);
	/* sha256("switchboard csrf v1:abc") */
	TEST_EQ_INT(api_csrf_of(b, sizeof(b), "abc"), 0);
	TEST_EQ_STR(b, "24e415609948b421175816c20b128b68bebf7163f15dad6c2"
		       "b7232a875a20173");
	TEST_EQ_INT(api_csrf_of(b, API_CSRF_SZ - 1, "abc"), EINVAL);
	TEST_EQ_INT(api_csrf_of(b, sizeof(b), ""), EINVAL);

	pl_set_str(&given, a);
	TEST_ASSERT(api_csrf_ok("session-one", &given));
	TEST_ASSERT(!api_csrf_ok("session-two", &given));
	given.l = 63; /* a prefix is no token */
	TEST_ASSERT(!api_csrf_ok("session-one", &given));
	a[0] = a[0] == '0' ? '1' : '0';
	given.l = 64;
	TEST_ASSERT(!api_csrf_ok("session-one", &given));
	TEST_ASSERT(!api_csrf_ok("session-one", NULL));
out:
	return err;
}

int test_web_origin(void)
{
	static const struct {
		const char *origin, *host;
		bool ok;
	} v[] = {
	    {"http://127.0.0.1:8080", "127.0.0.1:8080", true},
	    {"https://Sb.Example", "sb.example", true},
	    {"http://127.0.0.1:8081", "127.0.0.1:8080", false},
	    {"http://evil.example", "127.0.0.1:8080", false},
	    {"http://127.0.0.1:8080.evil", "127.0.0.1:8080", false},
	    {"null", "127.0.0.1:8080", false},
	    {"ftp://127.0.0.1:8080", "127.0.0.1:8080", false},
	    {"http://", "127.0.0.1:8080", false},
	};
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		struct pl o, h;

		pl_set_str(&o, v[i].origin);
		pl_set_str(&h, v[i].host);
		if (api_origin_ok(&o, &h) != v[i].ok) {
			re_printf("origin %s host %s: want %d\n", v[i].origin,
				  v[i].host, v[i].ok);
			err = EINVAL;
		}
	}
	return err;
}

int test_web_path(void)
{
	static const struct {
		const char *path;
		int err;
		const char *rel;
	} v[] = {
	    {"/", 0, ""},
	    {"/index.html", 0, "index.html"},
	    {"/assets/index-abc.js", 0, "assets/index-abc.js"},
	    {"/wallboard/", 0, "wallboard/"},
	    {"/a%20b.txt", 0, "a b.txt"},
	    {"/../etc/passwd", EBADMSG, NULL},
	    {"/assets/../../x", EBADMSG, NULL},
	    {"/%2e%2e/x", EBADMSG, NULL},
	    {"/%2E%2e/x", EBADMSG, NULL},
	    {"/.%2e", EBADMSG, NULL},
	    {"/./index.html", EBADMSG, NULL},
	    {"//etc/passwd", EBADMSG, NULL},
	    {"/%2fetc/passwd", EBADMSG, NULL},
	    {"/a%5c..%5cb", EBADMSG, NULL},
	    {"/a%00b", EBADMSG, NULL},
	    {"/.env", ENOENT, NULL},
	    {"/assets/.git/config", ENOENT, NULL},
	    {"/%2egit/HEAD", ENOENT, NULL},
	    {"/a%zz", EBADMSG, NULL},
	    {"/a%2", EBADMSG, NULL},
	    {"index.html", EBADMSG, NULL},
	    {"", EBADMSG, NULL},
	};
	char rel[64];
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		struct pl p;
		int r;

		pl_set_str(&p, v[i].path);
		r = web_path_resolve(&p, rel, sizeof(rel));
		if (r != v[i].err || (v[i].rel && strcmp(rel, v[i].rel))) {
			re_printf("path %s: %d %s\n", v[i].path, r,
				  r ? "" : rel);
			err = EINVAL;
		}
	}
	TEST_EQ_STR(web_ctype("assets/i-1.js"),
		    "text/javascript; charset=utf-8");
	TEST_EQ_STR(web_ctype("index.html"), "text/html; charset=utf-8");
	TEST_EQ_STR(web_ctype("x.CSS"), "text/css; charset=utf-8");
	TEST_EQ_STR(web_ctype("x"), "application/octet-stream");
out:
	return err;
}

/* CSV values (csv_out.c): quoted where needed, never a formula */
int test_web_csv(void)
{
	static const struct {
		const char *in, *out;
	} v[] = {
	    {"+4930123456", "+4930123456"}, /* E.164 stays a number */
	    {"Hans Anrufer", "Hans Anrufer"},
	    {"a;b", "\"a;b\""},
	    {"say \"hi\"", "\"say \"\"hi\"\"\""},
	    {"=1+1", "\"'=1+1\""},
	    {"=HYPERLINK(\"http://x\";\"y\")",
	     "\"'=HYPERLINK(\"\"http://x\"\";\"\"y\"\")\""},
	    {"+1+cmd|' /C calc'!A0", "\"'+1+cmd|' /C calc'!A0\""},
	    {"-2", "\"'-2\""},
	    {"@SUM(A1)", "\"'@SUM(A1)\""},
	    {"\t=1", "\"'\t=1\""},
	    {"+", "\"'+\""},
	    {"", ""},
	};
	struct mbuf *mb = mbuf_alloc(256);
	char buf[128];
	size_t i;
	int err = 0;

	TEST_ASSERT(mb != NULL);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		mbuf_rewind(mb);
		TEST_EQ_INT(api_csv_val(mb, v[i].in), 0);
		TEST_ASSERT(mb->end < sizeof(buf));
		memcpy(buf, mb->buf, mb->end);
		buf[mb->end] = '\0';
		TEST_EQ_STR(buf, v[i].out);
	}
	mbuf_rewind(mb);
	TEST_EQ_INT(api_csv_val(mb, NULL), 0);
	TEST_EQ_INT(mb->end, 0);
	TEST_ASSERT(!api_csv_formula("+49221"));
	TEST_ASSERT(api_csv_formula("+49 221"));
out:
	mem_deref(mb);
	return err;
}
