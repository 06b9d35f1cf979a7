/*
 * http_post.c - the HTTP channels of the outbox (SMS gateway, webhook):
 * one JSON POST with libcurl on the dispatcher's worker thread.
 *
 * A 2xx answer is delivered (its body is kept: an SMS gateway names the
 * message in it).  A 4xx other than 408 (timeout) and 429
 * (too many requests) is final: the receiver refuses this request and
 * will refuse it again (a bad token, a wrong number).  Anything else -
 * no connection, a timeout, 408, 429, 5xx - is retried by the outbox
 * policy (notify.h).  The reason names the status ("HTTP 503") or curl's
 * error; never a header we sent (they hold the gateway's token).  A
 * tenant's URL (a webhook) goes only to the addresses dest.c allows.
 */
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
#include "notify/notify_int.h"

void http_post_json(const char *url, const char *const *hdrv, size_t hdrc,
		    const char *body, enum notify_dest rule,
		    const atomic_bool *stop, struct notify_result *r)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL, *l, *pin = NULL;
	CURL *c = NULL;
	CURLcode rc;
	long code = 0;
	size_t i;

	memset(r, 0, sizeof(*r));

	l = curl_slist_append(NULL, "Content-Type: application/json");
	for (i = 0; l && i < hdrc; i++) {
		hdrs = l;
		l = curl_slist_append(hdrs, hdrv[i]);
	}
	if (l)
		hdrs = l;
	c = curl_easy_init();
	if (!l || !c) {
		r->curl = CURLE_OUT_OF_MEMORY;
		snprintf(r->error, sizeof(r->error),
			 "cannot prepare the request: out of memory");
		goto out;
	}

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (rule != NOTIFY_DEST_OPERATOR &&
	    notify_dest_pin(c, url, rule == NOTIFY_DEST_TENANT_LOOPBACK, &pin,
			    r))
		goto out;
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)HTTP_POST_CONNECT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)HTTP_POST_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, notify_curl_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)stop);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, notify_curl_keep);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);

	rc = curl_easy_perform(c);
	(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	r->curl = (int)rc;
	if (rc != CURLE_OK) {
		if (!errbuf[0])
			snprintf(errbuf, sizeof(errbuf), "%s",
				 curl_easy_strerror(rc));
		snprintf(r->error, sizeof(r->error), "curl: %.240s", errbuf);
		goto out;
	}
	if (code >= 200 && code <= 299) {
		r->ok = true;
		goto out;
	}
	snprintf(r->error, sizeof(r->error), "HTTP %ld", code);
	r->permanent = code >= 400 && code <= 499 && code != 408 && code != 429;

out:
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(pin);
}
