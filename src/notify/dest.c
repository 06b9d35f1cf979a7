/*
 * dest.c - where a tenant's HTTP deliveries may go: its webhook URL (note
 * settings) and its employees' Web Push endpoints are the tenant's, and
 * without a rule our server would POST wherever they point - at the
 * loopback admin port, a router in the office network, a cloud metadata
 * service (server-side request forgery).  The rule, checked twice:
 *
 *   save (notify_dest_check, main thread, no DNS): https:// with a host
 *     and no user; a literal address must pass the filter below
 *   send (notify_dest_pin, the worker): the host is resolved, every
 *     address must pass the filter, and the transfer is pinned to the
 *     checked addresses (CURLOPT_RESOLVE) so that a second lookup (a
 *     DNS rebind) cannot switch it; no redirects, no proxy
 *
 * The filter refuses the unspecified address, loopback, link-local,
 * private (RFC 1918, ULA fc00::/7), carrier-grade NAT (100.64/10),
 * multicast and reserved addresses, and IPv4 addresses of these inside
 * IPv6 (mapped ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96).
 * allow_loopback is the operator's test option (--webhook-allow-loopback,
 * --push-allow-http): then 127.0.0.0/8 and ::1 pass, and http:// is
 * accepted for 127.0.0.1 and [::1] only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include <re.h>
#include "core/core.h"
#include "notify/notify_int.h"

/* One IPv4 block: address and prefix length. */
struct v4_block {
	uint32_t net;
	unsigned bits;
};

static const struct v4_block v4_refused[] = {
    {0x00000000u, 8},  /* 0.0.0.0/8 "this network"       */
    {0x0a000000u, 8},  /* 10/8 RFC 1918                  */
    {0x64400000u, 10}, /* 100.64/10 carrier-grade NAT    */
    {0xa9fe0000u, 16}, /* 169.254/16 link-local          */
    {0xac100000u, 12}, /* 172.16/12 RFC 1918             */
    {0xc0000000u, 24}, /* 192.0.0/24 IETF protocol       */
    {0xc0a80000u, 16}, /* 192.168/16 RFC 1918            */
    {0xc6120000u, 15}, /* 198.18/15 benchmarking         */
    {0xe0000000u, 4},  /* 224/4 multicast                */
    {0xf0000000u, 4},  /* 240/4 reserved, broadcast      */
};

static bool v4_in(uint32_t a, const struct v4_block *b)
{
	uint32_t mask = b->bits ? ~0u << (32 - b->bits) : 0;

	return (a & mask) == b->net;
}

/* a in host order */
static bool v4_allowed(uint32_t a, bool allow_loopback)
{
	size_t i;

	if ((a >> 24) == 127)
		return allow_loopback;
	for (i = 0; i < ARRAY_SIZE(v4_refused); i++) {
		if (v4_in(a, &v4_refused[i]))
			return false;
	}
	return true;
}

static uint32_t v4_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static bool v6_allowed(const uint8_t *a, bool allow_loopback)
{
	static const uint8_t zero[12], mapped[12] = {[10] = 0xff, [11] = 0xff};
	static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b};

	if (!memcmp(a, zero, 12)) { /* ::, ::1, IPv4-compatible ::a.b.c.d */
		if (!memcmp(a + 12, "\0\0\0\1", 4))
			return allow_loopback;
		return v4_allowed(v4_at(a + 12), allow_loopback);
	}
	if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12))
		return v4_allowed(v4_at(a + 12), allow_loopback);
	if ((a[0] & 0xfe) == 0xfc) /* fc00::/7 unique local */
		return false;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) /* fe80::/10 link-local */
		return false;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) /* fec0::/10 site-local */
		return false;
	if (a[0] == 0xff) /* ff00::/8 multicast */
		return false;
	return true;
}

bool notify_addr_allowed(const struct sockaddr *sa, bool allow_loopback)
{
	if (!sa)
		return false;
	switch (sa->sa_family) {
	case AF_INET:
		return v4_allowed(
		    ntohl(((const struct sockaddr_in *)(const void *)sa)
			      ->sin_addr.s_addr),
		    allow_loopback);
	case AF_INET6:
		return v6_allowed(
		    ((const struct sockaddr_in6 *)(const void *)sa)
			->sin6_addr.s6_addr,
		    allow_loopback);
	default:
		return false;
	}
}

/* The parts of url we need: scheme, host (IPv6 without brackets), port
 * (the scheme's default if none).  EPROTO if it is no URL with a host,
 * or has a user or password. */
static int url_parts(const char *url, char *scheme, size_t ssz, char *host,
		     size_t hsz, char *port, size_t psz)
{
	CURLU *u = curl_url();
	char *s = NULL, *h = NULL, *p = NULL, *user = NULL, *pass = NULL;
	size_t n;
	int err = EPROTO;

	if (!u || !url)
		goto out;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || !*h ||
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) !=
		CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK)
		goto out;
	n = strlen(h);
	if (h[0] == '[' && n > 2 && h[n - 1] == ']') { /* [v6] */
		h[n - 1] = '\0';
		memmove(h, h + 1, n - 1);
	}
	if (strlen(s) >= ssz || strlen(h) >= hsz || strlen(p) >= psz)
		goto out;
	str_copy(scheme, s, ssz);
	str_copy(host, h, hsz);
	str_copy(port, p, psz);
	err = 0;
out:
	curl_free(s);
	curl_free(h);
	curl_free(p);
	curl_free(user);
	curl_free(pass);
	curl_url_cleanup(u);
	return err;
}

/* The literal address of host, if it is one (no DNS): true and *sa. */
static bool host_literal(const char *host, struct sockaddr_storage *sa)
{
	struct addrinfo hints, *res = NULL;
	bool lit;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_family = AF_UNSPEC;
	lit = getaddrinfo(host, NULL, &hints, &res) == 0 && res &&
	      res->ai_addrlen <= sizeof(*sa);
	if (lit)
		memcpy(sa, res->ai_addr, res->ai_addrlen);
	if (res)
		freeaddrinfo(res);
	return lit;
}

/* http:// is the test option's, to the loopback address only. */
static bool scheme_ok(const char *scheme, const char *host, bool allow_loopback)
{
	if (!strcmp(scheme, "https"))
		return true;
	return allow_loopback && !strcmp(scheme, "http") &&
	       (!strcmp(host, "127.0.0.1") || !strcmp(host, "::1"));
}

int notify_dest_check(const char *url, bool allow_loopback)
{
	char scheme[16], host[256], port[8];
	struct sockaddr_storage sa;
	size_t n;
	int err;

	err = url_parts(url, scheme, sizeof(scheme), host, sizeof(host), port,
			sizeof(port));
	if (err)
		return err;
	if (!scheme_ok(scheme, host, allow_loopback))
		return EPROTO;
	if (host_literal(host, &sa))
		return notify_addr_allowed((struct sockaddr *)&sa,
					   allow_loopback)
			   ? 0
			   : EACCES;
	/* a name: resolved when sent; "localhost" is loopback anyway */
	n = strlen(host);
	if (!str_casecmp(host, "localhost") ||
	    (n > 10 && !str_casecmp(host + n - 10, ".localhost")))
		return EACCES;
	return 0;
}

/* "host:port:a1,a2,..." for CURLOPT_RESOLVE of the addresses res of host,
 * each checked: 0, EACCES (one refused) or ENAMETOOLONG. */
static int pin_line(char *buf, size_t sz, const char *host, const char *port,
		    const struct addrinfo *res, bool allow_loopback)
{
	char a[INET6_ADDRSTRLEN];
	const struct addrinfo *ai;
	size_t len;
	int n;

	n = snprintf(buf, sz, "%s:%s:", host, port);
	if (n < 0 || (size_t)n >= sz)
		return ENAMETOOLONG;
	len = (size_t)n;
	for (ai = res; ai; ai = ai->ai_next) {
		const void *src;

		if (!notify_addr_allowed(ai->ai_addr, allow_loopback))
			return EACCES;
		src = ai->ai_family == AF_INET
			  ? (const void *)&(
				(const struct sockaddr_in *)(const void *)
				    ai->ai_addr)
				->sin_addr
			  : (const void *)&(
				(const struct sockaddr_in6 *)(const void *)
				    ai->ai_addr)
				->sin6_addr;
		if (!inet_ntop(ai->ai_family, src, a, sizeof(a)))
			return EINVAL;
		n = snprintf(buf + len, sz - len,
			     ai->ai_family == AF_INET6 ? "%s[%s]" : "%s%s",
			     ai == res ? "" : ",", a);
		if (n < 0 || (size_t)n >= sz - len)
			return ENAMETOOLONG;
		len += (size_t)n;
	}
	return 0;
}

int notify_dest_pin(CURL *c, const char *url, bool allow_loopback,
		    struct curl_slist **resolvep, struct notify_result *r)
{
	char scheme[16], host[256], port[8], line[1024];
	struct addrinfo hints, *res = NULL;
	struct curl_slist *l;
	int err, gai;

	*resolvep = NULL;
	err = url_parts(url, scheme, sizeof(scheme), host, sizeof(host), port,
			sizeof(port));
	if (!err && !scheme_ok(scheme, host, allow_loopback))
		err = EPROTO;
	if (err)
		goto refused;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai || !res) {
		/* perhaps later: DNS may be down */
		str_copy(r->error, "cannot resolve the host", sizeof(r->error));
		err = EHOSTUNREACH;
		goto out;
	}
	err = pin_line(line, sizeof(line), host, port, res, allow_loopback);
	if (err)
		goto refused;
	l = curl_slist_append(NULL, line);
	if (!l) {
		str_copy(r->error, "out of memory", sizeof(r->error));
		err = ENOMEM;
		goto out;
	}
	*resolvep = l;
	curl_easy_setopt(c, CURLOPT_RESOLVE, l);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
			 allow_loopback ? "https,http" : "https");
	goto out;

refused:
	/* the same reason for every refusal: it does not tell a tenant
	 * what our network holds */
	r->permanent = true;
	str_copy(r->error, "destination not allowed", sizeof(r->error));
	err = EACCES;
out:
	if (res)
		freeaddrinfo(res);
	return err;
}
