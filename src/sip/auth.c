/*
 * auth.c - server-side SIP digest authentication (RFC 2617 / 3261 §22).
 *
 * libre 1.1.0 verifies a digest response but builds no challenge, so the
 * challenge and the nonce are ours.  A nonce is stateless:
 *
 *     nonce = hex(issue time, 8) . hex(MD5(secret : issue time))[0..15]
 *
 * so any request can be checked without a table, and an old nonce with a
 * valid MAC is answered with stale=true (the phone retries silently with
 * the same password).  Unknown user and wrong password both get the same
 * 403: the answer tells an attacker nothing about which users exist.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "sip/sip_int.h"

enum { NONCE_TTL = 300 /* [s] */ };

static void nonce_make(struct sipsrv *srv, char *buf, size_t sz, uint32_t t)
{
	uint8_t d[16];

	md5_printf(d, "%b:%08x", srv->secret, sizeof(srv->secret), t);
	re_snprintf(buf, sz, "%08x%w", t, d, (size_t)8);
}

/* 0 valid, ESTALE expired but ours, EINVAL not ours */
static int nonce_check(struct sipsrv *srv, const struct pl *nonce)
{
	char want[40];
	uint32_t t, now;

	if (nonce->l != 24)
		return EINVAL;
	t = pl_x32(&(struct pl){nonce->p, 8});
	nonce_make(srv, want, sizeof(want), t);
	if (pl_strcmp(nonce, want))
		return EINVAL;
	now = (uint32_t)(time_now_ms() / 1000);
	if (now - t > NONCE_TTL)
		return ESTALE;
	return 0;
}

static void challenge(struct sipsrv *srv, const struct sip_msg *msg, bool proxy,
		      bool stale)
{
	char nonce[40];

	nonce_make(srv, nonce, sizeof(nonce), (uint32_t)(time_now_ms() / 1000));
	(void)sip_treplyf(NULL, NULL, srv->sip, msg, false, proxy ? 407 : 401,
			  proxy ? "Proxy Authentication Required"
				: "Unauthorized",
			  "%s: Digest realm=\"%s\", nonce=\"%s\", "
			  "qop=\"auth\", algorithm=MD5%s\r\n"
			  "Content-Length: 0\r\n\r\n",
			  proxy ? "Proxy-Authenticate" : "WWW-Authenticate",
			  srv->cfg->realm, nonce, stale ? ", stale=true" : "");
}

static int hex2bin(uint8_t *out, size_t n, const char *hex)
{
	size_t i;

	if (strlen(hex) != 2 * n)
		return EINVAL;
	for (i = 0; i < n; i++) {
		char b[3] = {hex[2 * i], hex[2 * i + 1], 0};
		char *end;
		out[i] = (uint8_t)strtoul(b, &end, 16);
		if (*end)
			return EINVAL;
	}
	return 0;
}

static bool forbid(struct sipsrv *srv, const struct sip_msg *msg,
		   const char *why, const struct pl *user)
{
	/* the log says why; the answer does not */
	info("auth: %J: %r %r: %s (user '%r')\n", &msg->src, &msg->met,
	     &msg->ruri, why, user);
	(void)sip_treply(NULL, srv->sip, msg, 403, "Forbidden");
	return false;
}

bool sipauth_check(struct sipsrv *srv, const struct sip_msg *msg,
		   struct store_device *dev)
{
	bool proxy = pl_strcmp(&msg->met, "REGISTER") != 0;
	struct httpauth_digest_resp r;
	const struct sip_hdr *hdr;
	char user[64];
	uint8_t ha1[16];
	int err;

	hdr = sip_msg_hdr(msg, proxy ? SIP_HDR_PROXY_AUTHORIZATION
				     : SIP_HDR_AUTHORIZATION);
	if (!hdr) {
		challenge(srv, msg, proxy, false);
		return false;
	}
	err = httpauth_digest_response_decode(&r, &hdr->val);
	if (err)
		return forbid(srv, msg, "malformed credentials", &pl_null);
	if (pl_strcmp(&r.realm, srv->cfg->realm)) {
		challenge(srv, msg, proxy, false);
		return false;
	}
	err = nonce_check(srv, &r.nonce);
	if (err == ESTALE) {
		challenge(srv, msg, proxy, true);
		return false;
	}
	if (err)
		return forbid(srv, msg, "foreign nonce", &r.username);

	str_from_pl(user, sizeof(user), &r.username);
	if (r.username.l >= sizeof(user) ||
	    store_device_by_username(srv->st, user, dev))
		return forbid(srv, msg, "unknown user", &r.username);
	if (hex2bin(ha1, sizeof(ha1), dev->ha1))
		return forbid(srv, msg, "device without credentials",
			      &r.username);
	err = httpauth_digest_response_auth(&r, &msg->met, ha1);
	if (err)
		return forbid(srv, msg, "wrong password", &r.username);
	return true;
}
