/*
 * sms.c - an SMS of the outbox through the configured HTTP gateway
 * (--sms-gateway-url, --sms-gateway-token): the row's body is the JSON
 * the gateway gets ({"to": "+49...", "text": "..."}, made when the row
 * was queued, notify_note_rows()), posted with the token as a bearer
 * token.  The gateway's 2xx means sent; http_post.c judges the rest.
 *
 * The gateway's answer may name the message ({"id": "..."} or
 * {"message_id": "..."}, a string or an integer): the dispatcher keeps
 * that id with the row, and the gateway's later report of it
 * (POST /api/v1/sms/status, http/api_sms_status.c) makes the row
 * delivered, or failed.  An answer without an id leaves it sent.
 */
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "notify/notify_int.h"

/* The id of entry e (a non-empty string or an integer) into buf. */
static int id_of(char *buf, size_t sz, const struct odict_entry *e)
{
	int n;

	if (!e)
		return ENOENT;
	if (e->type == ODICT_STRING) {
		if (!e->u.str[0])
			return ENOENT;
		if (strlen(e->u.str) >= sz)
			return EINVAL;
		str_copy(buf, e->u.str, sz);
		return 0;
	}
	if (e->type != ODICT_INT)
		return ENOENT;
	n = re_snprintf(buf, sz, "%lld", (long long)e->u.integer);
	return n > 0 && (size_t)n < sz ? 0 : EINVAL;
}

int notify_sms_id(char *buf, size_t sz, const char *answer)
{
	struct odict *o = NULL;
	int err;

	if (!buf || !sz)
		return EINVAL;
	buf[0] = '\0';
	if (!str_isset(answer))
		return ENOENT;
	if (json_decode_odict(&o, 8, answer, strlen(answer), 4))
		return EINVAL;
	err = id_of(buf, sz, odict_lookup(o, "id"));
	if (err == ENOENT)
		err = id_of(buf, sz, odict_lookup(o, "message_id"));
	mem_deref(o);
	if (err)
		buf[0] = '\0';
	return err;
}

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
