/*
 * api_auth_blocks.c - /api/v1/auth_blocks: the source addresses, usernames
 * and trusted pairs that the SIP password-guessing guard (sip/guard.c)
 * blocks right now, and lifting a block by hand (DELETE with the key, an
 * IP, a username or "ip:port/user", percent-encoded in the path).
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "sip/sip.h"

static int block_encode(struct odict **op, const struct sip_auth_block *b)
{
	struct odict *o;
	int err;

	err = odict_alloc(&o, 8);
	if (err)
		return err;
	err |= api_add_str(o, "kind", b->kind);
	err |= api_add_str(o, "key", b->key);
	err |= api_add_int(o, "failures", b->failures);
	err |= api_add_int(o, "refused", b->refused);
	err |= api_add_time(o, "blocked_until", b->blocked_until);
	err |= api_add_int(o, "delay", b->delay);
	if (b->throttled_until)
		err |= api_add_time(o, "throttled_until", b->throttled_until);
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

static int list_h(const struct sip_auth_block *b, void *arg)
{
	struct odict *o = NULL;
	int err = block_encode(&o, b);

	return api_list_add(arg, err, o);
}

int api_auth_block_list(struct api_req *req)
{
	static const char *const params[] = {NULL};
	struct odict *arr = NULL;
	int err;

	err = api_query_check(req, params);
	if (err)
		return err;
	err = api_list_alloc(&arr);
	if (err)
		return err;
	err = sipsrv_auth_blocks(list_h, arr);
	if (err == ENOENT) /* SIP not running: nothing is blocked */
		err = 0;
	return api_list_done(req, err, arr, "auth blocks");
}

int api_auth_block_delete(struct api_req *req)
{
	char key[160];
	int err;

	if (!api_pct_decode(key, sizeof(key), &req->key) || !key[0])
		return api_error(req, 404, "auth_block %b not found",
				 req->key.p,
				 req->key.l > 64 ? (size_t)64 : req->key.l);
	err = sipsrv_auth_unblock(key);
	if (err == ENOENT)
		return api_error(req, 404, "auth_block %s not found", key);
	if (err)
		return api_fail(req, err, "auth block %s: %m", key, err);
	return api_reply_no_content(req);
}
