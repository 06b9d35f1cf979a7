/*
 * api_auth_blocks.c - /api/v1/auth_blocks: the source addresses, usernames
 * and trusted pairs that the SIP password-guessing guard (sip/guard.c)
 * blocks right now, and lifting a block by hand (DELETE with the key, an
 * IP, a username or "ip:port/user", percent-encoded in the path).  The
 * records are the guard's, not the store's.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "sip/sip.h"

#define T struct sip_auth_block

/* "throttled_until" is there only while a username is throttled. */
static int throttled_encode(struct odict *o, const struct api_field *f,
			    const void *rec, const struct api_req *req)
{
	const T *b = rec;

	if (!b->throttled_until)
		return 0;
	return api_add_time(o, f->name, b->throttled_until);
}

static const struct api_field fields[] = {
    {API_F("kind", AK_CSTR, FF_RO), API_M(T, kind)},
    {API_F("key", AK_CSTR, FF_RO), API_M(T, key)},
    {API_F("failures", AK_INT, FF_RO), API_M(T, failures)},
    {API_F("refused", AK_INT, FF_RO), API_M(T, refused)},
    {API_F("blocked_until", AK_TIME, FF_RO), API_M(T, blocked_until)},
    {API_F("delay", AK_INT, FF_RO), API_M(T, delay)},
    {API_F("throttled_until", AK_TIME, FF_RO), .encode = throttled_encode},
};

API_LIST_H(block_h, T)

static int block_list(struct api_req *req, const struct api_query *q, void *arg)
{
	int err = sipsrv_auth_blocks(block_h, arg);

	return err == ENOENT ? 0 : err; /* SIP not running: none */
}

static int auth_block_delete(struct api_req *req)
{
	char key[160];
	int err;

	if (!api_pct_decode(key, sizeof(key), &req->key) || !key[0])
		return api_key_not_found(req, NULL);
	err = sipsrv_auth_unblock(key);
	if (err == ENOENT)
		return api_key_not_found(req, key);
	if (err)
		return api_fail(req, err, "auth block %s: %m", key, err);
	return api_reply_no_content(req);
}

static const struct api_action actions[] = {
    {"DELETE", "/:key", auth_block_delete},
};

const struct api_resource api_auth_blocks = {
    .path = "/api/v1/auth_blocks",
    .noun = "auth_block",
    .label = "auth block",
    API_FIELDS(fields),
    .size = sizeof(T),
    .list = block_list,
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
