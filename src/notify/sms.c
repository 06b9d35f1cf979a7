/*
 * sms.c - an SMS of the outbox through the configured HTTP gateway
 * (--sms-gateway-url, --sms-gateway-token): the row's body is the JSON
 * the gateway gets ({"to": "+49...", "text": "..."}, made when the row
 * was queued, notify_note_rows()), posted with the token as a bearer
 * token.  The gateway's 2xx means sent; http_post.c judges the rest.
 */
#include <stdio.h>
#include "notify/notify_int.h"

void sms_send(const struct sms_conf *conf, const struct store_outbox *o,
	      const atomic_bool *stop, struct notify_result *r)
{
	char auth[sizeof(conf->token) + 32];
	const char *hdrv[1];
	size_t hdrc = 0;

	if (conf->token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
			 conf->token);
		hdrv[hdrc++] = auth;
	}
	http_post_json(conf->url, hdrv, hdrc, o->body, NOTIFY_DEST_OPERATOR,
		       stop, r);
}
