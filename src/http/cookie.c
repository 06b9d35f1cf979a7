/*
 * cookie.c - the browser's session (issue 19): a session token in an
 * HttpOnly cookie instead of an Authorization header, the CSRF token
 * that every change made with that cookie must carry, and the Origin
 * check of the event stream.  Pure functions on headers and strings; the
 * decisions are server.c's (auth) and api_sessions.c's (login, logout).
 *
 * The CSRF token is derived from the session token, never stored:
 *
 *   csrf = hex(SHA-256("switchboard csrf v1:" || session token))
 *
 * The page gets it in the login's answer (and from GET
 * /api/v1/sessions/current) and sends it back as X-CSRF-Token.  Another
 * site can make the browser send the cookie, but it can read neither
 * the cookie (HttpOnly) nor our answers (no CORS), so it cannot know the
 * token; and without the session token nobody can compute it.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include "http/http_int.h"

static const char csrf_salt[] = "switchboard csrf v1:";

int api_csrf_of(char *buf, size_t sz, const char *token)
{
	uint8_t md[SHA256_DIGEST_LENGTH];
	char in[sizeof(csrf_salt) + API_TOKEN_MAX];
	size_t i, n;

	if (!buf || sz < API_CSRF_SZ || !token || !token[0])
		return EINVAL;
	n = strlen(token);
	if (n > API_TOKEN_MAX)
		return EINVAL;
	memcpy(in, csrf_salt, sizeof(csrf_salt) - 1);
	memcpy(in + sizeof(csrf_salt) - 1, token, n);
	SHA256((const uint8_t *)in, sizeof(csrf_salt) - 1 + n, md);
	explicit_bzero(in, sizeof(in));
	for (i = 0; i < sizeof(md); i++)
		re_snprintf(buf + 2 * i, 3, "%02x", md[i]);
	return 0;
}

bool api_csrf_ok(const char *token, const struct pl *given)
{
	char want[API_CSRF_SZ];

	if (!given || given->l != API_CSRF_SZ - 1 ||
	    api_csrf_of(want, sizeof(want), token))
		return false;
	return CRYPTO_memcmp(want, given->p, given->l) == 0;
}

const char *api_cookie_name(bool secure)
{
	/* __Host-: the browser takes it only from a secure origin, for
	 * Path=/ and without Domain, so no sibling host can plant one */
	return secure ? "__Host-" API_COOKIE : API_COOKIE;
}

int api_cookie_find(const struct http_msg *msg, const char *name, char *buf,
		    size_t sz)
{
	const size_t nl = str_len(name);
	struct le *le;
	bool found = false;

	if (!msg || !nl || !buf || !sz)
		return EINVAL;
	for (le = msg->hdrl.head; le; le = le->next) {
		const struct http_hdr *h = le->data;
		struct pl v, item;

		if (pl_strcasecmp(&h->name, "Cookie"))
			continue;
		v = h->val;
		while (api_hdr_item_next(&v, ';', &item)) {
			if (item.l <= nl || item.p[nl] != '=' ||
			    memcmp(item.p, name, nl))
				continue;
			/* two of them: one may be planted by another site
			 * of the domain; which one is ours is unknown */
			if (found)
				return EEXIST;
			found = true;
			pl_advance(&item, nl + 1);
			if (!item.l || item.l >= sz)
				return EINVAL;
			str_from_pl(buf, sz, &item);
		}
	}
	return found ? 0 : ENOENT;
}

int api_cookie_set_hdr(char *buf, size_t sz, const char *token, bool secure,
		       uint32_t max_age)
{
	int n;

	if (!buf || !sz)
		return EINVAL;
	n = re_snprintf(buf, sz,
			"Set-Cookie: %s=%s; Path=/; HttpOnly; SameSite=Strict;"
			" Max-Age=%u%s\r\n",
			api_cookie_name(secure), token ? token : "",
			token ? max_age : 0, secure ? "; Secure" : "");
	return n < 0 || (size_t)n >= sz - 1 ? ENOMEM : 0;
}

bool api_origin_ok(const struct pl *origin, const struct pl *host)
{
	struct pl o;

	if (!origin || !host || !origin->l || !host->l)
		return false;
	o = *origin;
	if (o.l > 7 && !memcmp(o.p, "http://", 7))
		pl_advance(&o, 7);
	else if (o.l > 8 && !memcmp(o.p, "https://", 8))
		pl_advance(&o, 8);
	else
		return false;
	/* host names compare without case; the port must be the same */
	return !pl_casecmp(&o, host);
}

/* Is origin the scheme, host and port of url (--public-url; its path
 * does not count)? */
static bool origin_of_url(const struct pl *origin, const char *url)
{
	const char *host = strstr(url, "://");
	const char *end;
	struct pl want;

	if (!host)
		return false;
	end = strchr(host + 3, '/');
	want.p = url;
	want.l = end ? (size_t)(end - url) : strlen(url);
	return !pl_casecmp(origin, &want);
}

bool api_origin_ours(const struct http_msg *msg, const struct config *cfg,
		     bool required)
{
	const struct http_hdr *o = http_msg_xhdr(msg, "Origin");
	const struct http_hdr *host = http_msg_hdr(msg, HTTP_HDR_HOST);
	const struct http_hdr *site = http_msg_xhdr(msg, "Sec-Fetch-Site");

	/* a browser that says where the request comes from: only our own
	 * pages (or the user typing it: "none") */
	if (site && pl_strcasecmp(&site->val, "same-origin") &&
	    pl_strcasecmp(&site->val, "none"))
		return false;
	if (!o)
		return !required;
	if (cfg && cfg->public_url[0])
		return origin_of_url(&o->val, cfg->public_url);
	return host && api_origin_ok(&o->val, &host->val);
}

bool api_request_changes(const struct http_msg *msg)
{
	return pl_strcmp(&msg->met, "GET") && pl_strcmp(&msg->met, "HEAD") &&
	       pl_strcmp(&msg->met, "OPTIONS");
}

bool api_cookie_secure(const struct api_req *req)
{
	/* over our own HTTPS listener (--https), or over plain HTTP with a
	 * TLS proxy in front, as --public-url says */
	if (!req)
		return false;
	if (req->conn && api_conn_secure(req->conn))
		return true;
	return req->api && req->api->cfg &&
	       !strncmp(req->api->cfg->public_url, "https://", 8);
}
