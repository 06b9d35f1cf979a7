/*
 * webhook.c - a webhook of the outbox: the row's body (JSON, made when
 * the row was queued) POSTed to the tenant's URL (the row's mail_to),
 * signed so that the receiver can tell it is ours and fresh:
 *
 *   X-Switchboard-Timestamp: <unix seconds when this attempt was sent>
 *   X-Switchboard-Signature: v1=<hex HMAC-SHA256(secret,
 *                                 "<timestamp>.<body>")>
 *
 * The receiver computes the same HMAC with the secret it was shown once
 * and rejects a request whose timestamp is too old (a replay).  Each
 * attempt is signed anew with its own timestamp.  The secret is the
 * tenant's (note settings), read by the dispatcher when it claims the
 * row; it is never logged and never in the outbox.  The URL's host must
 * resolve to public addresses only (dest.c; loopback with the test
 * option --webhook-allow-loopback).  The receiver's 2xx makes the row
 * "delivered": the receiver is the destination.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "notify/notify_int.h"

void webhook_send(const char *secret, bool allow_loopback,
		  const struct store_outbox *o, const atomic_bool *stop,
		  struct notify_result *r)
{
	char ts_hdr[64], sig_hdr[128], hex[NOTIFY_HMAC_HEX], ts[24];
	const char *hdrv[2];
	size_t n;
	char *msg;

	memset(r, 0, sizeof(*r));
	if (!secret || !secret[0]) {
		r->permanent = true;
		snprintf(r->error, sizeof(r->error),
			 "the tenant has no webhook secret");
		return;
	}

	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	n = strlen(ts) + 1 + strlen(o->body) + 1;
	msg = malloc(n);
	if (!msg) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return;
	}
	snprintf(msg, n, "%s.%s", ts, o->body);
	notify_hmac_hex(hex, secret, msg);
	free(msg);

	snprintf(ts_hdr, sizeof(ts_hdr), "X-Switchboard-Timestamp: %s", ts);
	snprintf(sig_hdr, sizeof(sig_hdr), "X-Switchboard-Signature: v1=%s",
		 hex);
	hdrv[0] = ts_hdr;
	hdrv[1] = sig_hdr;
	http_post_json(o->mail_to, hdrv, 2, o->body,
		       allow_loopback ? NOTIFY_DEST_TENANT_LOOPBACK
				      : NOTIFY_DEST_TENANT,
		       stop, r);
	/* the client's own receiver took it: it reached its destination */
	r->delivered = r->ok;
}
