/*
 * notify_test_push.c - the cryptography of Web Push (webpush.c): the
 * message encryption against the example of RFC 8291, section 5 (fixed
 * keys and salt give exactly the RFC's body), the checks of keys and
 * base64url, the audience of an endpoint, and a VAPID token taken apart
 * and its ES256 signature verified with OpenSSL; notify_push() as the
 * call notes call it, against a store.
 */
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <re.h>
#include "core/core.h"
#include "notify/push_int.h"
#include "test.h"
#include "store_test.h"

/* RFC 8291, section 5 */
#define RFC_PLAINTEXT "When I grow up, I want to be a watermelon"
#define RFC_AS_PRIV   "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
#define RFC_AS_PUB                                                             \
	"BP4z9KsN6nGRTbVYI_"                                                   \
	"c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC"                 \
	"8wEqKK6PBru3jl7A8"
#define RFC_UA_PUB                                                             \
	"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-"                   \
	"AYWXvTBHm4bjyPjs7Vd8"                                                 \
	"pZGH6SRpkNtoIAiw4"
#define RFC_SALT "DGv6ra1nlYgDCS1FRnbzlw"
#define RFC_AUTH "BTBZMqHH6r4Tts7J_aSIgg"
#define RFC_BODY                                                               \
	"DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_"                       \
	"c7VJSPQTBtkgcy27mlmlMoZI"                                             \
	"IgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_"                        \
	"yl95bQpu6cVPTpK4Mqgkf1CXz"                                            \
	"tLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"

int test_push_encrypt_rfc8291(void)
{
	struct push_fixed fix;
	uint8_t ua_pub[PUSH_PUB_LEN], auth[PUSH_AUTH_LEN];
	struct mbuf *mb = mbuf_alloc(256);
	char out[512];
	int err = 0;

	TEST_ASSERT(mb);
	TEST_EQ_INT(push_b64url_decode(fix.as_priv, PUSH_PRIV_LEN, RFC_AS_PRIV),
		    0);
	TEST_EQ_INT(push_b64url_decode(fix.as_pub, PUSH_PUB_LEN, RFC_AS_PUB),
		    0);
	TEST_EQ_INT(push_b64url_decode(fix.salt, PUSH_SALT_LEN, RFC_SALT), 0);
	TEST_EQ_INT(push_b64url_decode(ua_pub, PUSH_PUB_LEN, RFC_UA_PUB), 0);
	TEST_EQ_INT(push_b64url_decode(auth, PUSH_AUTH_LEN, RFC_AUTH), 0);

	TEST_EQ_INT(push_encrypt(mb, ua_pub, auth,
				 (const uint8_t *)RFC_PLAINTEXT,
				 strlen(RFC_PLAINTEXT), &fix),
		    0);
	/* header 86, plaintext 41 + delimiter 1 + tag 16 */
	TEST_EQ_INT(mb->end, 86 + strlen(RFC_PLAINTEXT) + 1 + 16);
	TEST_EQ_INT(push_b64url_encode(out, sizeof(out), mb->buf, mb->end), 0);
	TEST_EQ_STR(out, RFC_BODY);

	/* fresh keys and salt: same length, another body, the header's
	 * record size 4096 and key id length 65 */
	mbuf_reset(mb);
	TEST_EQ_INT(push_encrypt(mb, ua_pub, auth,
				 (const uint8_t *)RFC_PLAINTEXT,
				 strlen(RFC_PLAINTEXT), NULL),
		    0);
	TEST_EQ_INT(mb->end, 86 + strlen(RFC_PLAINTEXT) + 1 + 16);
	TEST_EQ_INT(mb->buf[16], 0x00);
	TEST_EQ_INT(mb->buf[17], 0x00);
	TEST_EQ_INT(mb->buf[18], 0x10);
	TEST_EQ_INT(mb->buf[19], 0x00);
	TEST_EQ_INT(mb->buf[20], 65);
	TEST_EQ_INT(mb->buf[21], 0x04);
	TEST_ASSERT(memcmp(mb->buf, fix.salt, PUSH_SALT_LEN) != 0);

	/* too long a payload; a point not on the curve */
	mbuf_reset(mb);
	TEST_EQ_INT(push_encrypt(mb, ua_pub, auth, (const uint8_t *)out,
				 NOTIFY_PUSH_MAX + 1, NULL),
		    EINVAL);
	ua_pub[64] ^= 1;
	TEST_EQ_INT(push_encrypt(mb, ua_pub, auth,
				 (const uint8_t *)RFC_PLAINTEXT,
				 strlen(RFC_PLAINTEXT), &fix),
		    EINVAL);
	TEST_EQ_INT(mb->end, 0);
out:
	mem_deref(mb);
	return err;
}

int test_push_keys(void)
{
	uint8_t pub[PUSH_PUB_LEN], priv[PUSH_PRIV_LEN], b[20];
	char s[200];
	int err = 0;

	TEST_EQ_INT(push_b64url_decode(pub, sizeof(pub), RFC_UA_PUB), 0);
	TEST_ASSERT(push_point_ok(pub));
	pub[40] ^= 0x20; /* Y no longer fits X */
	TEST_ASSERT(!push_point_ok(pub));
	pub[40] ^= 0x20;
	pub[0] = 0x02; /* compressed form: not what a browser gives */
	TEST_ASSERT(!push_point_ok(pub));
	memset(pub, 0, sizeof(pub));
	pub[0] = 0x04;
	TEST_ASSERT(!push_point_ok(pub));

	TEST_EQ_INT(push_key_generate(priv, pub), 0);
	TEST_ASSERT(push_point_ok(pub));

	/* base64url: exact lengths, no foreign characters, padding ok */
	TEST_EQ_INT(push_b64url_decode(b, 16, RFC_AUTH), 0);
	TEST_EQ_INT(push_b64url_decode(b, 15, RFC_AUTH), EINVAL);
	TEST_EQ_INT(push_b64url_decode(b, 16, "BTBZMqHH6r4Tts7J_aSIgg=="), 0);
	TEST_EQ_INT(push_b64url_decode(b, 16, "BTBZMqHH6r4Tts7J/aSIgg"),
		    EINVAL);
	TEST_EQ_INT(push_b64url_decode(b, 16, "BTBZMqHH 6r4Tts7J_aSIgg"),
		    EINVAL);
	TEST_EQ_INT(push_b64url_decode(b, 16, ""), EINVAL);
	TEST_EQ_INT(push_b64url_encode(s, sizeof(s), b, 16), 0);
	TEST_EQ_STR(s, RFC_AUTH);
	TEST_EQ_INT(push_b64url_encode(s, 22, b, 16), EOVERFLOW);
	TEST_EQ_INT(push_b64url_encode(s, 25, b, 16), 0); /* padded, NUL */

	TEST_EQ_INT(push_audience(s, sizeof(s),
				  "https://push.example.net/wpush/v2/abc?x=1",
				  false),
		    0);
	TEST_EQ_STR(s, "https://push.example.net");
	TEST_EQ_INT(
	    push_audience(s, sizeof(s), "https://h.example:8443/p", false), 0);
	TEST_EQ_STR(s, "https://h.example:8443");
	TEST_EQ_INT(
	    push_audience(s, sizeof(s), "http://127.0.0.1:4711/p", false),
	    EINVAL);
	TEST_EQ_INT(
	    push_audience(s, sizeof(s), "http://127.0.0.1:4711/p", true), 0);
	TEST_EQ_STR(s, "http://127.0.0.1:4711");
	TEST_EQ_INT(
	    push_audience(s, sizeof(s), "https://u:p@h.example/", false),
	    EINVAL);
	TEST_EQ_INT(push_audience(s, sizeof(s), "ftp://h.example/", true),
		    EINVAL);
	TEST_EQ_INT(push_audience(s, sizeof(s), "not a url", true), EINVAL);
out:
	return err;
}

/* Verify the raw ES256 signature sig (r | s) of data with pub. */
static bool es256_ok(const uint8_t *pub, const char *data, size_t n,
		     const uint8_t sig[64])
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ECDSA_SIG *es = ECDSA_SIG_new();
	uint8_t *der = NULL;
	int dlen;
	bool ok = false;

	if (!b || !ctx || !md || !es)
		goto out;
	OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
					"prime256v1", 0);
	OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, 65);
	params = OSSL_PARAM_BLD_to_param(b);
	if (!params || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	if (!ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL),
			    BN_bin2bn(sig + 32, 32, NULL)))
		goto out;
	dlen = i2d_ECDSA_SIG(es, &der);
	if (dlen <= 0)
		goto out;
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pk) == 1 &&
	     EVP_DigestVerify(md, der, (size_t)dlen, (const uint8_t *)data,
			      n) == 1;
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	return ok;
}

int test_push_vapid_jwt(void)
{
	uint8_t priv[PUSH_PRIV_LEN], pub[PUSH_PUB_LEN], other[PUSH_PUB_LEN];
	uint8_t opriv[PUSH_PRIV_LEN], sig[64], claims[256];
	char jwt[PUSH_JWT_MAX], part[256];
	const char *dot1, *dot2;
	struct odict *o = NULL;
	const struct odict_entry *e;
	size_t n;
	int err = 0;

	TEST_EQ_INT(push_key_generate(priv, pub), 0);
	TEST_EQ_INT(push_key_generate(opriv, other), 0);
	TEST_EQ_INT(push_vapid_jwt(jwt, sizeof(jwt), "https://push.example.net",
				   1700043200, "mailto:ops@example.com", priv,
				   pub),
		    0);

	dot1 = strchr(jwt, '.');
	TEST_ASSERT(dot1);
	dot2 = strchr(dot1 + 1, '.');
	TEST_ASSERT(dot2 && !strchr(dot2 + 1, '.'));
	/* {"typ":"JWT","alg":"ES256"} */
	TEST_EQ_INT(dot1 - jwt, 36);
	TEST_ASSERT(!strncmp(jwt, "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9", 36));

	/* the claims */
	n = (size_t)(dot2 - dot1 - 1);
	TEST_ASSERT(n < sizeof(part));
	memcpy(part, dot1 + 1, n);
	part[n] = '\0';
	n = n * 3 / 4;
	TEST_EQ_INT(push_b64url_decode(claims, n, part), 0);
	TEST_EQ_INT(json_decode_odict(&o, 8, (const char *)claims, n, 4), 0);
	e = odict_lookup(o, "aud");
	TEST_ASSERT(e && e->type == ODICT_STRING);
	TEST_EQ_STR(e->u.str, "https://push.example.net");
	e = odict_lookup(o, "sub");
	TEST_ASSERT(e && e->type == ODICT_STRING);
	TEST_EQ_STR(e->u.str, "mailto:ops@example.com");
	e = odict_lookup(o, "exp");
	TEST_ASSERT(e && e->type == ODICT_INT);
	TEST_EQ_INT(e->u.integer, 1700043200);
	TEST_EQ_INT(odict_count(o, false), 3);

	/* the signature: 64 bytes r | s over "<header>.<claims>" */
	TEST_EQ_INT(strlen(dot2 + 1), 86);
	TEST_EQ_INT(push_b64url_decode(sig, sizeof(sig), dot2 + 1), 0);
	TEST_ASSERT(es256_ok(pub, jwt, (size_t)(dot2 - jwt), sig));
	TEST_ASSERT(!es256_ok(other, jwt, (size_t)(dot2 - jwt), sig));
	jwt[40] = jwt[40] == 'A' ? 'B' : 'A';
	TEST_ASSERT(!es256_ok(pub, jwt, (size_t)(dot2 - jwt), sig));

	TEST_EQ_INT(push_vapid_jwt(jwt, 100, "https://push.example.net",
				   1700043200, "mailto:ops@example.com", priv,
				   pub),
		    EOVERFLOW);
out:
	mem_deref(o);
	return err;
}

static int count_h(const struct store_outbox *o, void *arg)
{
	unsigned *n = arg;

	if (o->channel == STORE_CHANNEL_WEBPUSH)
		++*n;
	return 0;
}

/* notify_push() as the call notes use it: one outbox row per
 * subscription of the employee, checked arguments; the dispatcher's
 * timer does not run here (no re_main), so the rows stay pending. */
int test_notify_push(void)
{
	char *argv[] = {"switchboard", NULL};
	struct config cfg;
	struct tdb db = {"", NULL};
	struct notify *n = NULL;
	struct store_push_sub s;
	struct store_outbox_filter f;
	struct notify_push p;
	char key[96], big[NOTIFY_PUSH_MAX + 8];
	uint8_t raw[PUSH_PUB_LEN];
	int64_t t1, t2, max, erika, id = 0;
	unsigned cnt = 0, rows = 0;
	int err = 0;

	TEST_EQ_INT(config_load(&cfg, 1, argv), 0);
	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Max", "10", &max), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Erika", "11", &erika), 0);
	memset(&s, 0, sizeof(s));
	s.tenant_id = t1;
	s.employee_id = max;
	str_copy(s.p256dh, RFC_UA_PUB, sizeof(s.p256dh));
	str_copy(s.auth, RFC_AUTH, sizeof(s.auth));
	str_copy(s.endpoint, "https://push.example/1", sizeof(s.endpoint));
	TEST_EQ_INT(store_push_sub_add(db.st, &s), 0);
	str_copy(s.endpoint, "https://push.example/2", sizeof(s.endpoint));
	TEST_EQ_INT(store_push_sub_add(db.st, &s), 0);

	TEST_EQ_INT(notify_alloc(&n, &cfg, db.st), 0);
	TEST_EQ_INT(notify_push_public_key(n, key, sizeof(key)), 0);
	TEST_EQ_INT(strlen(key), 87);
	TEST_EQ_INT(push_b64url_decode(raw, sizeof(raw), key), 0);
	TEST_ASSERT(push_point_ok(raw));

	memset(&p, 0, sizeof(p));
	p.tenant_id = t1;
	p.employee_id = max;
	p.payload = "{\"type\":\"note\",\"caller\":\"Herr Schmidt\"}";
	p.urgency = "high";
	p.ttl = 3600;
	TEST_EQ_INT(notify_push(n, &p, &cnt), 0);
	TEST_EQ_INT(cnt, 2);
	p.employee_id = erika; /* no subscription: nothing, no error */
	TEST_EQ_INT(notify_push(n, &p, &cnt), 0);
	TEST_EQ_INT(cnt, 0);
	TEST_EQ_INT(notify_push_to(n, s.id, &p, &id), 0);
	TEST_ASSERT(id > 0);

	memset(&f, 0, sizeof(f));
	TEST_EQ_INT(store_outbox_list(db.st, &f, count_h, &rows), 0);
	TEST_EQ_INT(rows, 3);

	/* what is refused */
	p.employee_id = max;
	p.tenant_id = t2;
	TEST_EQ_INT(notify_push(n, &p, &cnt), EXDEV);
	TEST_EQ_INT(notify_push_to(n, s.id, &p, NULL), ENOENT);
	p.tenant_id = t1;
	p.payload = "not json";
	TEST_EQ_INT(notify_push(n, &p, &cnt), EINVAL);
	p.payload = "{\"a\": 1";
	TEST_EQ_INT(notify_push(n, &p, &cnt), EINVAL);
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	big[sizeof(big) - 1] = '\0';
	p.payload = big;
	TEST_EQ_INT(notify_push(n, &p, &cnt), EINVAL);
	p.payload = "{}";
	p.urgency = "urgent";
	TEST_EQ_INT(notify_push(n, &p, &cnt), EINVAL);
	p.urgency = NULL;
	p.ttl = NOTIFY_PUSH_TTL_MAX + 1;
	TEST_EQ_INT(notify_push(n, &p, &cnt), EINVAL);
	TEST_EQ_INT(cnt, 0);
out:
	mem_deref(n);
	tdb_close(&db);
	return err;
}
