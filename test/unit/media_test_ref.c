/*
 * media_test_ref.c - the media code's arithmetic against published
 * reference values: G.711 (ITU-T G.711 Tables 1 and 2, in the 16-bit
 * scale of G.191) and SRTP (RFC 3711 Appendix B.2 and B.3, libsrtp's
 * reference packets).  The expected values are fixed numbers from those
 * documents or worked out by hand from their tables, never the output of
 * src/media or of the library functions it calls: a test that compares the
 * code with itself cannot fail.  The socket tests that send these values
 * through the relay, the player and the SDES negotiation are in
 * media_test.c.
 */
#include <string.h>
#include <re.h>
#include <rem.h>
#include "core/core.h"
#include "media/media.h"
#include "media_ref.h"
#include "test.h"

/* ---- G.711 ----------------------------------------------------------- */

/*
 * A-law (G.711 Table 1): sign bit 1 = positive, the even bits are inverted
 * on the line (XOR 0x55).  Segment s (3 bits), step q (4 bits).  Decoder
 * output in 13-bit units: segment 0: 2q + 1; segment s >= 1:
 * (2q + 33) << (s - 1); x 8 for 16 bits.  Decision values in 16 bits:
 * segment 0 covers [0, 256) in steps of 16, segment s >= 1
 * [256 << (s - 1), 512 << (s - 1)) in steps of 16 << (s - 1).
 */
int ref_alaw_dec(uint8_t c)
{
	int v = c ^ 0x55, s = (v >> 4) & 7, q = v & 15;
	int mag = s ? (2 * q + 33) << (s + 2) : 16 * q + 8;

	return (v & 0x80) ? mag : -mag;
}

uint8_t ref_alaw_enc(int x)
{
	int m = x < 0 ? -x : x, s = 0, q;

	if (m > 32767)
		m = 32767;
	if (m < 256) {
		q = m >> 4;
	}
	else {
		for (s = 1; m >= (512 << (s - 1)); s++)
			;
		q = (m >> (s + 3)) - 16;
	}
	return (uint8_t)(((x < 0 ? 0 : 0x80) | s << 4 | q) ^ 0x55);
}

/*
 * mu-law (G.711 Table 2): every bit inverted on the line, sign bit 1 =
 * negative after inversion.  Decoder output in 14-bit units:
 * ((2q + 33) << s) - 33; x 4 for 16 bits.  Encoding: the 14-bit magnitude
 * m plus the bias 33 lies in [32 << s, 64 << s); q = ((m + 33) >> (s + 1))
 * & 15 (m + 33 clipped to 8191).
 */
int ref_ulaw_dec(uint8_t c)
{
	int v = c ^ 0xff, s = (v >> 4) & 7, q = v & 15;
	int mag = (((2 * q + 33) << s) - 33) * 4;

	return (v & 0x80) ? -mag : mag;
}

uint8_t ref_ulaw_enc(int x)
{
	int b = (x < 0 ? -x : x) / 4 + 33, s = 0, q;

	if (b > 8191)
		b = 8191;
	while (b >= (64 << s))
		s++;
	q = (b >> (s + 1)) & 15;
	return (uint8_t)(((x < 0 ? 0x80 : 0) | s << 4 | q) ^ 0xff);
}

/*
 * Worked out by hand from the tables above (mid-interval samples, so that
 * no rounding convention at a decision value matters), e.g.
 *   1000: A-law segment 2 ([512, 1024)), q = (1000 >> 5) - 16 = 15,
 *         0x80 | 0x2f = 0xaf ^ 0x55 = 0xfa, decodes to 63 << 4 = 1008;
 *         mu-law m = 250, 283 in [256, 512): s = 3, q = 17 & 15 = 1,
 *         0x31 ^ 0xff = 0xce, decodes to ((35 << 3) - 33) * 4 = 988.
 * The well-known ones: 0 is A-law 0xd5 and mu-law 0xff; full scale is
 * 0xaa / 0x80 (decoding to 32256 / 32124) and its negative 0x2a / 0x00.
 */
const struct g711_vec ref_g711[] = {
    /* x       A-law  mu-law  A dec   mu dec */
    {0, 0xd5, 0xff, 8, 0},
    {8, 0xd5, 0xfe, 8, 8},
    {-8, 0x55, 0x7e, -8, -8},
    {24, 0xd4, 0xfc, 24, 24},
    {120, 0xd2, 0xf0, 120, 120}, /* mu-law: end of segment 0 */
    {132, 0xdd, 0xef, 136, 132}, /* mu-law: start of segment 1 */
    {-132, 0x5d, 0x6f, -136, -132},
    {255, 0xda, 0xe7, 248, 260}, /* A-law: end of segment 0 */
    {257, 0xc5, 0xe7, 264, 260}, /* A-law: start of segment 1 */
    {-257, 0x45, 0x67, -264, -260},
    {1000, 0xfa, 0xce, 1008, 988},
    {-1000, 0x7a, 0x4e, -1008, -988},
    {5100, 0x86, 0xab, 4992, 5116},
    {-5100, 0x06, 0x2b, -4992, -5116},
    {32767, 0xaa, 0x80, 32256, 32124}, /* full scale */
    {-32767, 0x2a, 0x00, -32256, -32124},
};
const size_t ref_g711_n = ARRAY_SIZE(ref_g711);

/*
 * librem's mu-law decoder is G.711's, except that it decodes the two zeros
 * (0xff, 0x7f) to +2 and -2 instead of 0: half a step of 14-bit mu-law,
 * inaudible, and G.711's own mu-law to A-law table (Table 3) keeps the
 * sign of the negative zero just like that.  Exact everywhere else.
 */
static bool ulaw_lib_ok(uint8_t c)
{
	int got = g711_ulaw2pcm(c), want = ref_ulaw_dec(c);

	if (c == 0xff || c == 0x7f)
		return got == (c == 0xff ? 2 : -2) && want == 0;
	if (got != want)
		fprintf(stderr, "  mu-law 0x%02x decodes to %d, want %d\n", c,
			got, want);
	return got == want;
}

/* the relay's mu-law to A-law code for c, by the reference: decode, then
 * encode; the negative zero keeps its sign (G.711 Table 3, and librem) */
uint8_t ref_u2a(uint8_t c)
{
	return c == 0x7f ? 0x55 : ref_alaw_enc(ref_ulaw_dec(c));
}

/*
 * The reference functions agree with the hand-made vectors; librem's
 * encoders and decoders (which the player and the relay tables use) agree
 * with both; and the relay's conversion tables are G.711 decode-then-
 * encode for every one of the 256 codes, with spot values by hand.
 */
int test_media_g711(void)
{
	/* law conversion by hand: A-law 0xfa (1008) is mu-law 0xce, ... */
	static const uint8_t a2u[][2] = {
	    {0xd5, 0xfe}, {0x55, 0x7e}, {0xd4, 0xfc},
	    {0xc5, 0xe7}, {0x45, 0x67}, {0xfa, 0xce},
	    {0x7a, 0x4e}, {0xaa, 0x80}, {0x2a, 0x00},
	};
	static const uint8_t u2a[][2] = {
	    {0xff, 0xd5}, {0xfe, 0xd5}, {0xef, 0xdd},
	    {0x6f, 0x5d}, {0x80, 0xaa}, {0x00, 0x2a},
	};
	bool media = false;
	size_t i;
	int c, err = 0;

	for (i = 0; i < ref_g711_n; i++) {
		const struct g711_vec *v = &ref_g711[i];

		TEST_EQ_INT(ref_alaw_enc(v->x), v->alaw);
		TEST_EQ_INT(ref_ulaw_enc(v->x), v->ulaw);
		TEST_EQ_INT(ref_alaw_dec(v->alaw), v->adec);
		TEST_EQ_INT(ref_ulaw_dec(v->ulaw), v->udec);
		TEST_EQ_INT(g711_pcm2alaw(v->x), v->alaw);
		TEST_EQ_INT(g711_pcm2ulaw(v->x), v->ulaw);
		TEST_EQ_INT(g711_alaw2pcm(v->alaw), v->adec);
		TEST_ASSERT(ulaw_lib_ok(v->ulaw));
	}
	TEST_EQ_INT(ref_ulaw_dec(0x7f), 0); /* the other zero */
	for (c = 0; c < 256; c++) {
		TEST_EQ_INT(g711_alaw2pcm((uint8_t)c),
			    ref_alaw_dec((uint8_t)c));
		TEST_ASSERT(ulaw_lib_ok((uint8_t)c));
	}

	/* the relay's tables are made by media_init() */
	TEST_EQ_INT(media_init("127.0.0.1", 44000, 44999), 0);
	media = true;
	for (i = 0; i < ARRAY_SIZE(a2u); i++)
		TEST_EQ_INT(media_alaw2ulaw(a2u[i][0]), a2u[i][1]);
	for (i = 0; i < ARRAY_SIZE(u2a); i++)
		TEST_EQ_INT(media_ulaw2alaw(u2a[i][0]), u2a[i][1]);
	for (c = 0; c < 256; c++) {
		uint8_t want_u = ref_ulaw_enc(ref_alaw_dec((uint8_t)c));
		uint8_t want_a = ref_u2a((uint8_t)c);

		if (media_alaw2ulaw((uint8_t)c) != want_u ||
		    media_ulaw2alaw((uint8_t)c) != want_a) {
			fprintf(stderr,
				"  code 0x%02x: A->u 0x%02x (want 0x%02x), "
				"u->A 0x%02x (want 0x%02x)\n",
				c, media_alaw2ulaw((uint8_t)c), want_u,
				media_ulaw2alaw((uint8_t)c), want_a);
			err = 1;
			goto out;
		}
	}
out:
	if (media)
		media_close();
	return err;
}

/* ---- SRTP ------------------------------------------------------------ */

/* RFC 3711 B.3: master key and salt (= libsrtp's test_key) */
const uint8_t ref_srtp_key128[30] = {
    0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f,
    0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39, 0x0e, 0xc6, 0x75, 0xad,
    0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,
};

/* libsrtp's aes_256_test_key: 32-byte master key, 14-byte salt */
const uint8_t ref_srtp_key256[46] = {
    0xf0, 0xf0, 0x49, 0x14, 0xb5, 0x13, 0xf2, 0x76, 0x3a, 0x1b, 0x1f, 0xa1,
    0x30, 0xf1, 0x0e, 0x29, 0x98, 0xf6, 0xf6, 0xe4, 0x3e, 0x43, 0x09, 0xd1,
    0xe6, 0x22, 0xa0, 0xe3, 0x32, 0xb9, 0xf1, 0xb6, 0x3b, 0x04, 0x80, 0x3d,
    0xe5, 0x1e, 0xe7, 0xc9, 0x64, 0x23, 0xab, 0x5b, 0x78, 0xd2,
};

/* libsrtp srtp_plaintext_ref: PT 15, seq 0x1234, ts 0xdecafbad */
const uint8_t ref_rtp_plain[28] = {
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe,
    0xba, 0xbe, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
    0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
};

/* libsrtp srtp_ciphertext (AES_CM_128_HMAC_SHA1_80) */
const uint8_t ref_srtp128_80[38] = {
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe,
    0xba, 0xbe, 0x4e, 0x55, 0xdc, 0x4c, 0xe7, 0x99, 0x78, 0xd8,
    0x8c, 0xa4, 0xd2, 0x15, 0x94, 0x9d, 0x24, 0x02, 0xb7, 0x8d,
    0x6a, 0xcc, 0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb,
};

/* libsrtp aes_256 srtp_ciphertext (AES_256_CM_HMAC_SHA1_80) */
const uint8_t ref_srtp256_80[38] = {
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe,
    0xba, 0xbe, 0xf1, 0xd9, 0xde, 0x17, 0xff, 0x25, 0x1f, 0xf1,
    0xaa, 0x00, 0x77, 0x74, 0xb0, 0xb4, 0xb4, 0x0d, 0xa0, 0x8d,
    0x9d, 0x9a, 0x5b, 0x3a, 0x55, 0xd8, 0x87, 0x3b,
};

/* RFC 3711 B.2: AES-CM with a given session key and IV (salt << 16) */
static const uint8_t b2_key[16] = {
    0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
    0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
};
static const uint8_t b2_iv[16] = {
    0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
    0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0x00, 0x00,
};
static const uint8_t b2_keystream[48] = {
    0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1, 0x6d,
    0xd9, 0x2b, 0x4e, 0xb4, 0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02, 0xd0, 0xf7,
    0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab, 0x41, 0xe9, 0x5b, 0x3b,
    0xb0, 0xa2, 0xe8, 0xdd, 0x47, 0x79, 0x01, 0xe4, 0xfc, 0xa8, 0x94, 0xc0,
};

/* RFC 3711 B.3: the session keys derived from ref_srtp_key128 */
static const uint8_t b3_cipher_key[16] = {
    0xc6, 0x1e, 0x7a, 0x93, 0x74, 0x4f, 0x39, 0xee,
    0x10, 0x73, 0x4a, 0xfe, 0x3f, 0xf7, 0xa0, 0x87,
};
static const uint8_t b3_cipher_salt[14] = {
    0x30, 0xcb, 0xbc, 0x08, 0x86, 0x3d, 0x8c,
    0x85, 0xd4, 0x9d, 0xb3, 0x4a, 0x9a, 0xe1,
};
static const uint8_t b3_auth_key[20] = {
    0xce, 0xbe, 0x32, 0x1f, 0x6f, 0xf7, 0x71, 0x6b, 0x6f, 0xd4,
    0xab, 0x49, 0xaf, 0x25, 0x6a, 0x15, 0x6d, 0x38, 0xba, 0xa4,
};

/*
 * RFC 3711 §4.1.1, §4.2 by hand, from session keys: IV = (salt << 16) XOR
 * (SSRC << 64) XOR (index << 16), payload XOR AES-CM keystream, then the
 * HMAC-SHA1 of header, encrypted payload and ROC (0), first taglen bytes.
 * pkt is an RTP packet of len bytes with a 12-byte header; out gets len +
 * taglen bytes.
 */
static int ref_protect(const uint8_t *pkt, size_t len, size_t taglen,
		       uint8_t *out)
{
	uint8_t iv[16], mac[20], *auth;
	struct aes *aes = NULL;
	size_t i;
	int err;

	memset(iv, 0, sizeof(iv));
	memcpy(iv, b3_cipher_salt, sizeof(b3_cipher_salt));
	for (i = 0; i < 4; i++) /* SSRC */
		iv[4 + i] ^= pkt[8 + i];
	iv[12] ^= pkt[2]; /* index = ROC (0) << 16 | seq */
	iv[13] ^= pkt[3];
	err = aes_alloc(&aes, AES_MODE_CTR, b3_cipher_key, 128, iv);
	if (err)
		return err;
	memcpy(out, pkt, 12);
	err = aes_encr(aes, out + 12, pkt + 12, len - 12);
	mem_deref(aes);
	if (err)
		return err;
	auth = mem_zalloc(len + 4, NULL); /* ... || ROC */
	if (!auth)
		return ENOMEM;
	memcpy(auth, out, len);
	hmac_sha1(b3_auth_key, sizeof(b3_auth_key), auth, len + 4, mac,
		  sizeof(mac));
	mem_deref(auth);
	memcpy(out + len, mac, taglen);
	return 0;
}

/* protect (or unprotect) one packet with a fresh context; *outlen bytes */
static int one(enum srtp_suite suite, const uint8_t *key, size_t klen,
	       bool encrypt, const uint8_t *in, size_t len, uint8_t *out,
	       size_t *outlen)
{
	struct srtp *ctx = NULL;
	struct mbuf *mb = mbuf_alloc(128);
	int err;

	if (!mb)
		return ENOMEM;
	err = srtp_alloc(&ctx, suite, key, klen, 0);
	if (!err)
		err = mbuf_write_mem(mb, in, len);
	mb->pos = 0;
	if (!err)
		err = encrypt ? srtp_encrypt(ctx, mb) : srtp_decrypt(ctx, mb);
	if (!err) {
		*outlen = mb->end;
		memcpy(out, mb->buf, mb->end);
	}
	mem_deref(ctx);
	mem_deref(mb);
	return err;
}

int test_media_srtp_vectors(void)
{
	static const uint8_t zero[48];
	static const struct {
		enum srtp_suite suite;
		const uint8_t *key;
		size_t klen;
		const uint8_t *cipher; /* first 28 + taglen bytes */
		size_t taglen;
	} v[] = {
	    {SRTP_AES_CM_128_HMAC_SHA1_80, ref_srtp_key128, 30, ref_srtp128_80,
	     10},
	    {SRTP_AES_CM_128_HMAC_SHA1_32, ref_srtp_key128, 30, ref_srtp128_80,
	     4},
	    {SRTP_AES_256_CM_HMAC_SHA1_80, ref_srtp_key256, 46, ref_srtp256_80,
	     10},
	    {SRTP_AES_256_CM_HMAC_SHA1_32, ref_srtp_key256, 46, ref_srtp256_80,
	     4},
	};
	struct aes *aes = NULL;
	uint8_t buf[64], bad[38];
	size_t i, n;
	int err = 0;

	/* B.2: the AES-CM keystream of the primitive libre's srtp uses */
	TEST_EQ_INT(aes_alloc(&aes, AES_MODE_CTR, b2_key, 128, b2_iv), 0);
	TEST_EQ_INT(aes_encr(aes, buf, zero, sizeof(zero)), 0);
	TEST_ASSERT(!memcmp(buf, b2_keystream, sizeof(b2_keystream)));

	/* B.3's session keys, applied by hand, give libsrtp's reference
	 * packet: the two references agree with each other */
	TEST_EQ_INT(ref_protect(ref_rtp_plain, 28, 10, buf), 0);
	TEST_ASSERT(!memcmp(buf, ref_srtp128_80, 38));

	/* libre's srtp, from master key + salt: each suite's packet */
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		TEST_EQ_INT(one(v[i].suite, v[i].key, v[i].klen, true,
				ref_rtp_plain, 28, buf, &n),
			    0);
		TEST_EQ_INT(n, 28 + v[i].taglen);
		if (memcmp(buf, v[i].cipher, n)) {
			fprintf(stderr,
				"  suite %s: not the reference packet\n",
				srtp_suite_name(v[i].suite));
			err = 1;
			goto out;
		}
		TEST_EQ_INT(one(v[i].suite, v[i].key, v[i].klen, false,
				v[i].cipher, 28 + v[i].taglen, buf, &n),
			    0);
		TEST_EQ_INT(n, 28);
		TEST_ASSERT(!memcmp(buf, ref_rtp_plain, 28));
		/* one bit of the tag wrong: refused */
		memcpy(bad, v[i].cipher, 28 + v[i].taglen);
		bad[27 + v[i].taglen] ^= 1;
		TEST_ASSERT(one(v[i].suite, v[i].key, v[i].klen, false, bad,
				28 + v[i].taglen, buf, &n) != 0);
	}
out:
	mem_deref(aes);
	return err;
}
