/*
 * push_int.h - private to src/notify: the Web Push channel.  webpush.c
 * has the cryptography (RFC 8291 message encryption, RFC 8292 VAPID
 * tokens, base64url), push_send.c the HTTP request of RFC 8030 that the
 * dispatcher's worker thread makes, push.c what notify.h offers (the
 * installation's VAPID key, enqueueing pushes, checking subscriptions).
 *
 * Keys are raw bytes here: a P-256 public key is the 65-byte uncompressed
 * point (0x04 || X || Y), a private key the 32-byte big-endian scalar.
 * Nothing here logs; a private key never leaves this folder.
 */
#ifndef SWITCHBOARD_PUSH_INT_H
#define SWITCHBOARD_PUSH_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "notify/notify.h"

struct mbuf;

enum {
	PUSH_PUB_LEN = 65,  /* uncompressed P-256 point             */
	PUSH_PRIV_LEN = 32, /* P-256 private scalar                 */
	PUSH_AUTH_LEN = 16, /* the subscription's auth secret       */
	PUSH_SALT_LEN = 16,
	PUSH_RS = 4096, /* record size of the one record we send */
	PUSH_HEAD_LEN = PUSH_SALT_LEN + 4 + 1 + PUSH_PUB_LEN, /* 86 */
	PUSH_TAG_LEN = 16,
	PUSH_JWT_MAX = 1024,       /* a VAPID token, with room to spare     */
	PUSH_JWT_LIFE = 12 * 3600, /* [s] exp of a token: RFC 8292 says
				      at most 24 h                      */
	PUSH_CONNECT = 10,         /* [s] */
	PUSH_TIMEOUT = 30,         /* [s] */
};

/* ---- base64url without padding (RFC 4648, section 5) ------------------ */

/* Encode n bytes of in into out (sz: room for the padded form and its
 * NUL, 4 * ceil(n / 3) + 1, although the padding is cut).  EINVAL,
 * EOVERFLOW when it does not fit. */
int push_b64url_encode(char *out, size_t sz, const uint8_t *in, size_t n);
/* Decode s (unpadded, or padded with '=') into out, exactly n bytes;
 * EINVAL for anything else (other characters, another length). */
int push_b64url_decode(uint8_t *out, size_t n, const char *s);

/* ---- keys and encryption (webpush.c) ---------------------------------- */

/* A fresh P-256 key pair.  EIO if OpenSSL fails. */
int push_key_generate(uint8_t priv[PUSH_PRIV_LEN], uint8_t pub[PUSH_PUB_LEN]);
/* Is pub an uncompressed point on P-256 (not the point at infinity)? */
bool push_point_ok(const uint8_t pub[PUSH_PUB_LEN]);

/* The fixed inputs of a test vector: NULL in push_encrypt() means fresh
 * random ones. */
struct push_fixed {
	uint8_t as_priv[PUSH_PRIV_LEN]; /* the ephemeral key pair */
	uint8_t as_pub[PUSH_PUB_LEN];
	uint8_t salt[PUSH_SALT_LEN];
};

/*
 * The body of a push message (RFC 8291, "aes128gcm" of RFC 8188) for the
 * subscription (ua_pub, auth): header salt | rs | idlen | as_pub, then one
 * record, the n bytes of pt with the padding delimiter 0x02, sealed with
 * AES-128-GCM under a key and nonce derived (HKDF-SHA-256) from ECDH of a
 * fresh key pair (fix: the given one) with ua_pub and from auth.  Appended
 * to mb.  EINVAL for a bad key or n over NOTIFY_PUSH_MAX, EIO if
 * OpenSSL fails, ENOMEM.
 */
int push_encrypt(struct mbuf *mb, const uint8_t ua_pub[PUSH_PUB_LEN],
		 const uint8_t auth[PUSH_AUTH_LEN], const uint8_t *pt, size_t n,
		 const struct push_fixed *fix);

/*
 * The audience of endpoint (RFC 8292, "aud"): its scheme, host and port
 * if given ("https://push.example.net", "http://127.0.0.1:4711") into
 * aud.  EINVAL unless endpoint is an https URL with a host (or http,
 * when allow_http), without user or password.
 */
int push_audience(char *aud, size_t sz, const char *endpoint, bool allow_http);

/*
 * A VAPID token (RFC 8292, a JWT signed ES256) into buf:
 * base64url({"typ":"JWT","alg":"ES256"}) "." base64url({"aud":..,
 * "exp":.., "sub":..}) "." base64url(r || s).  EINVAL, EOVERFLOW, EIO.
 */
int push_vapid_jwt(char *buf, size_t sz, const char *aud, uint64_t exp,
		   const char *sub, const uint8_t priv[PUSH_PRIV_LEN],
		   const uint8_t pub[PUSH_PUB_LEN]);

/* ---- the request (push_send.c) ---------------------------------------- */

/* What the worker needs for one push, copied from the store and config
 * on the SIP thread. */
struct push_conf {
	char endpoint[STORE_PUSH_ENDPOINT_LEN];
	uint8_t ua_pub[PUSH_PUB_LEN];
	uint8_t auth[PUSH_AUTH_LEN];
	uint8_t vapid_priv[PUSH_PRIV_LEN]; /* never logged */
	uint8_t vapid_pub[PUSH_PUB_LEN];
	char subject[128]; /* "mailto:..." */
	bool allow_http;   /* --push-allow-http: loopback, http:// too */
	long status;       /* out: the push service's HTTP status, 0 if none */
};

/*
 * Encrypt o's payload (o->body) for conf's subscription and POST it to
 * its endpoint, blocking, with TTL, Urgency, Content-Encoding and the
 * VAPID Authorization; the outcome into *r and conf->status:
 *   201, 202                -> ok
 *   404, 410                -> permanent, "subscription gone"
 *   429, 5xx, no connection -> retryable
 *   other                   -> permanent, "push service: HTTP <status>"
 * *stop aborts within about a second.  Touches only its arguments and
 * libcurl; logs nothing.
 */
void push_send(struct push_conf *conf, const struct store_outbox *o,
	       const atomic_bool *stop, struct notify_result *r);

/* ---- the channel in the dispatcher (push.c, outbox.c) ----------------- */

/* The installation's VAPID key pair, as the dispatcher holds it. */
struct push_keys {
	uint8_t priv[PUSH_PRIV_LEN]; /* never logged */
	uint8_t pub[PUSH_PUB_LEN];
	char pub_b64[96]; /* base64url of pub: the application server key */
};

/* The key pair of the store into *k; made and stored first if there is
 * none yet (the first start).  The store's errors, EIO. */
int push_keys_load(struct push_keys *k, struct store *st);

/*
 * The conf of webpush row o for the worker: its subscription from st,
 * the keys, cfg's subject.  ENOENT if the subscription is gone (fail the
 * row), EINVAL if its stored keys are unusable.
 */
int push_conf_make(struct push_conf *conf, const struct config *cfg,
		   struct store *st, const struct push_keys *k,
		   const struct store_outbox *o);

/* After an attempt of row o: a subscription the push service says is
 * gone (404, 410) is deleted. */
void push_after(struct store *st, const struct push_conf *conf,
		const struct store_outbox *o);

/* outbox.c, for push.c: what the dispatcher n holds, and "look for due
 * rows now" (when the worker is free). */
struct store *notify_store(const struct notify *n);
const struct push_keys *notify_push_keys(const struct notify *n);

#endif
