/*
 * webpush.c - the cryptography of Web Push: message encryption (RFC 8291
 * over the "aes128gcm" content coding of RFC 8188), VAPID tokens (RFC
 * 8292: a JWT signed with ES256) and base64url, with OpenSSL 3's EVP
 * interfaces (no deprecated EC_KEY calls).
 *
 * Encryption of one message for a subscription (ua_public, auth_secret):
 *
 *   as_private, as_public  a fresh P-256 key pair, one per message
 *   ecdh_secret = ECDH(as_private, ua_public)
 *   PRK_key = HMAC-SHA-256(auth_secret, ecdh_secret)
 *   IKM     = HMAC-SHA-256(PRK_key, "WebPush: info" 0x00 ua_public
 *                                   as_public 0x01)
 *   PRK     = HMAC-SHA-256(salt, IKM)            salt: 16 random bytes
 *   CEK     = HMAC-SHA-256(PRK, "Content-Encoding: aes128gcm" 0x00 0x01)
 *             first 16 bytes
 *   NONCE   = HMAC-SHA-256(PRK, "Content-Encoding: nonce" 0x00 0x01)
 *             first 12 bytes
 *   body    = salt(16) | rs(4, 4096) | idlen(1, 65) | as_public(65) |
 *             AES-128-GCM(CEK, NONCE, plaintext 0x02) | tag(16)
 *
 * Each HKDF output is at most one SHA-256 block, so HKDF-Expand is one
 * HMAC with the counter byte 0x01 appended to its info.  The unit test
 * (test/unit/notify_test_push.c) checks the whole body against the
 * example of RFC 8291, section 5.
 *
 * Pure functions: safe on any thread, nothing logged; the intermediate
 * secrets are wiped before return.
 */
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <curl/curl.h>
#include <re.h>
#include "core/core.h"
#include "notify/push_int.h"

enum {
	SHA256_LEN = 32,
	CEK_LEN = 16,
	NONCE_LEN = 12,
	B64_MAX = 1024, /* the longest base64url we handle */
};

/* ---- base64url -------------------------------------------------------- */

int push_b64url_encode(char *out, size_t sz, const uint8_t *in, size_t n)
{
	size_t olen = sz, i;
	int err;

	if (!out || !sz || (!in && n))
		return EINVAL;
	if ((n + 2) / 3 * 4 + 1 > sz)
		return EOVERFLOW;

	err = base64_encode(in, n, out, &olen);
	if (err)
		return err;
	while (olen && out[olen - 1] == '=')
		--olen;
	for (i = 0; i < olen; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	out[olen] = '\0';
	return 0;
}

int push_b64url_decode(uint8_t *out, size_t n, const char *s)
{
	char tmp[B64_MAX + 4];
	uint8_t buf[B64_MAX];
	size_t len, i, olen = sizeof(buf);
	int err;

	if (!out || !s)
		return EINVAL;
	len = strlen(s);
	while (len && s[len - 1] == '=')
		--len;
	if (!len || len > B64_MAX || len % 4 == 1)
		return EINVAL;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9')))
			return EINVAL;
		tmp[i] = c;
	}
	while (i % 4)
		tmp[i++] = '=';

	err = base64_decode(tmp, i, buf, &olen);
	if (!err && olen != n)
		err = EINVAL;
	if (!err)
		memcpy(out, buf, n);
	OPENSSL_cleanse(buf, sizeof(buf));
	return err;
}

/* ---- keys ------------------------------------------------------------- */

/* An EVP key of P-256 from the public point and, if priv is not NULL,
 * the private scalar; NULL if OpenSSL refuses (not a point on the
 * curve). */
static EVP_PKEY *key_of(const uint8_t *priv, const uint8_t *pub)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	BIGNUM *d = NULL;

	if (!b || pub[0] != 0x04)
		goto out;
	if (!OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
					     "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub,
					      PUSH_PUB_LEN))
		goto out;
	if (priv) {
		d = BN_secure_new();
		if (!d || !BN_bin2bn(priv, PUSH_PRIV_LEN, d) ||
		    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d))
			goto out;
	}
	params = OSSL_PARAM_BLD_to_param(b);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk,
			      priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
			      params) <= 0)
		pk = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	BN_clear_free(d);
	return pk;
}

bool push_point_ok(const uint8_t pub[PUSH_PUB_LEN])
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk;
	bool ok = false;

	if (!pub)
		return false;
	pk = key_of(NULL, pub);
	if (pk)
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	if (ctx)
		ok = EVP_PKEY_public_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ok;
}

int push_key_generate(uint8_t priv[PUSH_PRIV_LEN], uint8_t pub[PUSH_PUB_LEN])
{
	EVP_PKEY *pk;
	BIGNUM *d = NULL;
	size_t len = 0;
	int err = EIO;

	if (!priv || !pub)
		return EINVAL;
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!pk)
		return EIO;
	if (EVP_PKEY_get_octet_string_param(pk,
					    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					    pub, PUSH_PUB_LEN, &len) != 1 ||
	    len != PUSH_PUB_LEN || pub[0] != 0x04)
		goto out;
	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1 ||
	    BN_bn2binpad(d, priv, PUSH_PRIV_LEN) != PUSH_PRIV_LEN)
		goto out;
	err = 0;
out:
	BN_clear_free(d);
	EVP_PKEY_free(pk);
	return err;
}

/* ---- encryption ------------------------------------------------------- */

/* HMAC-SHA-256(key, a | b | c | d) into out (32 bytes); parts may be
 * NULL with length 0. */
static int hmac4(uint8_t out[SHA256_LEN], const uint8_t *key, size_t klen,
		 const void *a, size_t an, const void *b, size_t bn,
		 const void *c, size_t cn, const void *d, size_t dn)
{
	uint8_t buf[256];
	unsigned olen = 0;
	size_t n = an + bn + cn + dn;
	int err = 0;

	if (n > sizeof(buf))
		return EINVAL;
	memcpy(buf, a, an);
	if (bn)
		memcpy(buf + an, b, bn);
	if (cn)
		memcpy(buf + an + bn, c, cn);
	if (dn)
		memcpy(buf + an + bn + cn, d, dn);
	if (!HMAC(EVP_sha256(), key, (int)klen, buf, n, out, &olen) ||
	    olen != SHA256_LEN)
		err = EIO;
	OPENSSL_cleanse(buf, sizeof(buf));
	return err;
}

/* ECDH of our key pair (priv, pub) with the peer's point into secret. */
static int ecdh(uint8_t secret[SHA256_LEN], const uint8_t *priv,
		const uint8_t *pub, const uint8_t *peer_pub)
{
	EVP_PKEY *mine = key_of(priv, pub), *peer = key_of(NULL, peer_pub);
	EVP_PKEY_CTX *ctx = NULL;
	size_t len = SHA256_LEN;
	int err = EIO;

	if (!mine || !peer) {
		err = EINVAL;
		goto out;
	}
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
	if (ctx && EVP_PKEY_derive_init(ctx) > 0 &&
	    EVP_PKEY_derive_set_peer(ctx, peer) > 0 &&
	    EVP_PKEY_derive(ctx, secret, &len) > 0 && len == SHA256_LEN)
		err = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(mine);
	return err;
}

/* AES-128-GCM of pt | 0x02 into out (n + 1 + 16 bytes). */
static int seal(uint8_t *out, const uint8_t cek[CEK_LEN],
		const uint8_t nonce[NONCE_LEN], const uint8_t *pt, size_t n)
{
	static const uint8_t delim = 0x02;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, total = 0, err = EIO;

	if (!ctx)
		return ENOMEM;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) !=
		1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, cek, nonce) != 1)
		goto out;
	if (n && EVP_EncryptUpdate(ctx, out, &len, pt, (int)n) != 1)
		goto out;
	total = len;
	if (EVP_EncryptUpdate(ctx, out + total, &len, &delim, 1) != 1)
		goto out;
	total += len;
	if (EVP_EncryptFinal_ex(ctx, out + total, &len) != 1)
		goto out;
	total += len;
	if ((size_t)total != n + 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, PUSH_TAG_LEN,
				out + total) != 1)
		goto out;
	err = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return err;
}

int push_encrypt(struct mbuf *mb, const uint8_t ua_pub[PUSH_PUB_LEN],
		 const uint8_t auth[PUSH_AUTH_LEN], const uint8_t *pt, size_t n,
		 const struct push_fixed *fix)
{
	static const char info[] = "WebPush: info"; /* with its NUL */
	static const char cek_info[] = "Content-Encoding: aes128gcm";
	static const char nonce_info[] = "Content-Encoding: nonce";
	static const uint8_t one = 0x01;
	struct push_fixed k;
	uint8_t secret[SHA256_LEN], prk_key[SHA256_LEN], ikm[SHA256_LEN];
	uint8_t prk[SHA256_LEN], cek[SHA256_LEN], nonce[SHA256_LEN];
	uint8_t *ct = NULL;
	int err;

	if (!mb || !ua_pub || !auth || (!pt && n) || n > NOTIFY_PUSH_MAX)
		return EINVAL;

	if (fix) {
		k = *fix;
	}
	else {
		err = push_key_generate(k.as_priv, k.as_pub);
		if (err)
			return err;
		if (RAND_bytes(k.salt, sizeof(k.salt)) != 1) {
			err = EIO;
			goto out;
		}
	}

	err = ecdh(secret, k.as_priv, k.as_pub, ua_pub);
	if (!err)
		err = hmac4(prk_key, auth, PUSH_AUTH_LEN, secret, SHA256_LEN,
			    NULL, 0, NULL, 0, NULL, 0);
	if (!err)
		err =
		    hmac4(ikm, prk_key, SHA256_LEN, info, sizeof(info), ua_pub,
			  PUSH_PUB_LEN, k.as_pub, PUSH_PUB_LEN, &one, 1);
	if (!err)
		err = hmac4(prk, k.salt, PUSH_SALT_LEN, ikm, SHA256_LEN, NULL,
			    0, NULL, 0, NULL, 0);
	if (!err)
		err = hmac4(cek, prk, SHA256_LEN, cek_info, sizeof(cek_info),
			    &one, 1, NULL, 0, NULL, 0);
	if (!err)
		err = hmac4(nonce, prk, SHA256_LEN, nonce_info,
			    sizeof(nonce_info), &one, 1, NULL, 0, NULL, 0);
	if (err)
		goto out;

	ct = mem_alloc(n + 1 + PUSH_TAG_LEN, NULL);
	if (!ct) {
		err = ENOMEM;
		goto out;
	}
	err = seal(ct, cek, nonce, pt, n);
	if (err)
		goto out;

	err = mbuf_write_mem(mb, k.salt, PUSH_SALT_LEN);
	err |= mbuf_write_u32(mb, htonl(PUSH_RS));
	err |= mbuf_write_u8(mb, PUSH_PUB_LEN);
	err |= mbuf_write_mem(mb, k.as_pub, PUSH_PUB_LEN);
	err |= mbuf_write_mem(mb, ct, n + 1 + PUSH_TAG_LEN);
	if (err)
		err = ENOMEM;
out:
	mem_deref(ct);
	OPENSSL_cleanse(&k, sizeof(k));
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(prk_key, sizeof(prk_key));
	OPENSSL_cleanse(ikm, sizeof(ikm));
	OPENSSL_cleanse(prk, sizeof(prk));
	OPENSSL_cleanse(cek, sizeof(cek));
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return err;
}

/* ---- VAPID ------------------------------------------------------------ */

int push_audience(char *aud, size_t sz, const char *endpoint, bool allow_http)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
	char *pass = NULL;
	int err = EINVAL, n;

	if (!u || !aud || !sz || !endpoint)
		goto out;
	if (curl_url_set(u, CURLUPART_URL, endpoint, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
		goto out;
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK)
		goto out;
	if (strcmp(scheme, "https") && !(allow_http && !strcmp(scheme, "http")))
		goto out;
	(void)curl_url_get(u, CURLUPART_PORT, &port, 0);

	n = port ? re_snprintf(aud, sz, "%s://%s:%s", scheme, host, port)
		 : re_snprintf(aud, sz, "%s://%s", scheme, host);
	err = n < 0 || (size_t)n >= sz ? EOVERFLOW : 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_free(pass);
	curl_url_cleanup(u);
	return err;
}

/* ES256 of data: the raw signature r | s (64 bytes). */
static int es256(uint8_t sig[64], const uint8_t *priv, const uint8_t *pub,
		 const char *data, size_t n)
{
	EVP_PKEY *pk = key_of(priv, pub);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[80];
	const uint8_t *p = der;
	size_t dlen = sizeof(der);
	ECDSA_SIG *es = NULL;
	const BIGNUM *r, *s;
	int err = EIO;

	if (!pk || !md)
		goto out;
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
	    EVP_DigestSign(md, der, &dlen, (const uint8_t *)data, n) != 1)
		goto out;
	es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	if (!es)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, 32) != 32 ||
	    BN_bn2binpad(s, sig + 32, 32) != 32)
		goto out;
	err = 0;
out:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	return err;
}

int push_vapid_jwt(char *buf, size_t sz, const char *aud, uint64_t exp,
		   const char *sub, const uint8_t priv[PUSH_PRIV_LEN],
		   const uint8_t pub[PUSH_PUB_LEN])
{
	/* base64url of {"typ":"JWT","alg":"ES256"} */
	static const char head[] = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9";
	struct odict *o = NULL;
	char *claims = NULL;
	uint8_t sig[64];
	size_t used;
	int err;

	if (!buf || !aud || !sub || !priv || !pub)
		return EINVAL;

	err = odict_alloc(&o, 4);
	if (err)
		return err;
	err = odict_entry_add(o, "aud", ODICT_STRING, aud);
	err |= odict_entry_add(o, "exp", ODICT_INT, (int64_t)exp);
	err |= odict_entry_add(o, "sub", ODICT_STRING, sub);
	if (!err)
		err = re_sdprintf(&claims, "%H", json_encode_odict, o);
	if (err)
		goto out;

	if (sizeof(head) + 1 >= sz) {
		err = EOVERFLOW;
		goto out;
	}
	memcpy(buf, head, sizeof(head) - 1);
	used = sizeof(head) - 1;
	buf[used++] = '.';
	err = push_b64url_encode(buf + used, sz - used, (const uint8_t *)claims,
				 strlen(claims));
	if (err)
		goto out;
	used += strlen(buf + used);

	err = es256(sig, priv, pub, buf, used);
	if (err)
		goto out;
	if (used + 2 >= sz) {
		err = EOVERFLOW;
		goto out;
	}
	buf[used++] = '.';
	err = push_b64url_encode(buf + used, sz - used, sig, sizeof(sig));
out:
	mem_deref(claims);
	mem_deref(o);
	return err;
}
