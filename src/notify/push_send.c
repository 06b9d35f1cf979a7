/*
 * push_send.c - one Web Push message of the outbox (RFC 8030, section 5)
 * with libcurl, on the worker thread of the dispatcher (outbox.c):
 *
 *   POST <endpoint>
 *   TTL: <seconds>
 *   Urgency: very-low | low | normal | high
 *   Content-Type: application/octet-stream
 *   Content-Encoding: aes128gcm
 *   Authorization: vapid t=<JWT>, k=<VAPID public key, base64url>
 *
 *   <the body of push_encrypt(): header and one encrypted record>
 *
 * Every attempt encrypts afresh (new ephemeral key and salt) and signs a
 * new token, so a retry an hour later still has a valid exp.  The reply
 * body is not read; its status says it all (push_int.h).  Redirects are
 * not followed: a push service answers a push itself.  The endpoint is
 * the subscriber's: it goes only to the addresses dest.c allows.
 */
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
#include <re.h>
#include "core/core.h"
#include "notify/push_int.h"
#include "notify/notify_int.h"

/* The verdict on HTTP status st of the push service, into r. */
static void judge(long st, struct notify_result *r)
{
	if (st >= 200 && st <= 299) {
		r->ok = true;
		return;
	}
	if (st == 404 || st == 410) {
		r->permanent = true;
		str_copy(r->error, "subscription gone", sizeof(r->error));
		return;
	}
	/* 429 and 5xx: later; anything else will not get better */
	r->permanent = !(st == 429 || (st >= 500 && st <= 599));
	re_snprintf(r->error, sizeof(r->error), "push service: HTTP %ld", st);
}

/* Append header line fmt to *l; false on ENOMEM. */
static bool hdr_add(struct curl_slist **l, const char *line)
{
	struct curl_slist *n = curl_slist_append(*l, line);

	if (!n)
		return false;
	*l = n;
	return true;
}

void push_send(struct push_conf *conf, const struct store_outbox *o,
	       const atomic_bool *stop, struct notify_result *r)
{
	char aud[300], key[96], jwt[PUSH_JWT_MAX], line[PUSH_JWT_MAX + 128];
	char cerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL, *pin = NULL;
	struct mbuf *mb = NULL;
	CURL *c = NULL;
	CURLcode res;
	uint64_t exp;
	int err;

	memset(r, 0, sizeof(*r));
	conf->status = 0;

	mb = mbuf_alloc(PUSH_RS);
	if (!mb) {
		str_copy(r->error, "out of memory", sizeof(r->error));
		return;
	}
	err = push_audience(aud, sizeof(aud), conf->endpoint, conf->allow_http);
	if (err) {
		r->permanent = true;
		str_copy(r->error, "bad endpoint", sizeof(r->error));
		goto out;
	}
	err = push_encrypt(mb, conf->ua_pub, conf->auth,
			   (const uint8_t *)o->body, strlen(o->body), NULL);
	if (!err) {
		exp = time_now_ms() / 1000 + PUSH_JWT_LIFE;
		err = push_vapid_jwt(jwt, sizeof(jwt), aud, exp, conf->subject,
				     conf->vapid_priv, conf->vapid_pub);
	}
	if (!err)
		err = push_b64url_encode(key, sizeof(key), conf->vapid_pub,
					 PUSH_PUB_LEN);
	if (err) {
		/* a bad key of the subscription: it will not get better */
		r->permanent = err != ENOMEM;
		re_snprintf(r->error, sizeof(r->error), "cannot encrypt: %m",
			    err);
		goto out;
	}

	c = curl_easy_init();
	if (!c) {
		str_copy(r->error, "curl: no handle", sizeof(r->error));
		goto out;
	}

	re_snprintf(line, sizeof(line), "TTL: %u", o->push.ttl);
	if (!hdr_add(&hdrs, line))
		goto nomem;
	re_snprintf(line, sizeof(line), "Urgency: %s",
		    o->push.urgency[0] ? o->push.urgency : "normal");
	if (!hdr_add(&hdrs, line) ||
	    !hdr_add(&hdrs, "Content-Type: application/octet-stream") ||
	    !hdr_add(&hdrs, "Content-Encoding: aes128gcm"))
		goto nomem;
	re_snprintf(line, sizeof(line), "Authorization: vapid t=%s, k=%s", jwt,
		    key);
	if (!hdr_add(&hdrs, line))
		goto nomem;

	curl_easy_setopt(c, CURLOPT_URL, conf->endpoint);
	/* the endpoint is the tenant's: public addresses only, pinned */
	if (notify_dest_pin(c, conf->endpoint, conf->allow_http, &pin, r))
		goto out;
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, mb->buf);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)mb->end);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, notify_curl_discard);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)PUSH_CONNECT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)PUSH_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, notify_curl_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)stop);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);

	res = curl_easy_perform(c);
	r->curl = (int)res;
	if (res != CURLE_OK) {
		re_snprintf(r->error, sizeof(r->error), "curl: %s",
			    cerr[0] ? cerr : curl_easy_strerror(res));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &conf->status);
	judge(conf->status, r);
	goto out;

nomem:
	str_copy(r->error, "out of memory", sizeof(r->error));
out:
	curl_slist_free_all(hdrs);
	curl_slist_free_all(pin);
	if (c)
		curl_easy_cleanup(c);
	mem_deref(mb);
}
