/*
 * api_number_blocks.c - /api/v1/number_blocks: the ranges of E.164 numbers
 * a tenant owns (Rufnummernblock).  Every number of a tenant must lie in
 * one of its blocks.  A block is fixed once created, since numbers hang off
 * it: PATCH accepts no field, and a block is deleted only when empty.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "http/http_int.h"

static const struct api_field fields[] = {
    {"id", FT_INT, FF_RO, 0},
    {"tenant_id", FT_INT, FF_REQUIRED | FF_FIXED, 0},
    {"first", FT_STR, FF_REQUIRED | FF_FIXED, 40},
    {"last", FT_STR, FF_REQUIRED | FF_FIXED, 40},
    {"size", FT_INT, FF_RO, 0},
    {"created_at", FT_STR, FF_RO, 0},
};

/* How many numbers from first to last (both E.164 of equal length). */
static int64_t block_size(const struct store_number_block *b)
{
	unsigned long long f, l;

	if (strlen(b->first) != strlen(b->last) || !b->first[0])
		return 0;
	f = strtoull(b->first + 1, NULL, 10);
	l = strtoull(b->last + 1, NULL, 10);
	return l >= f ? (int64_t)(l - f + 1) : 0;
}

static int block_encode(struct odict **op, const struct store_number_block *b)
{
	struct odict *o;
	int err;

	err = odict_alloc(&o, 8);
	if (err)
		return err;
	err |= api_add_int(o, "id", b->id);
	err |= api_add_int(o, "tenant_id", b->tenant_id);
	err |= api_add_str(o, "first", b->first);
	err |= api_add_str(o, "last", b->last);
	err |= api_add_int(o, "size", block_size(b));
	err |= api_add_time(o, "created_at", b->created_at);
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

static int reply_block(struct api_req *req, uint16_t status,
		       const struct store_number_block *b)
{
	struct odict *o = NULL;
	int err = block_encode(&o, b);

	return api_reply_encoded(req, status, err, o, b->id);
}

int api_block_create(struct api_req *req)
{
	struct store *st = req->api->st;
	struct store_number_block b;
	struct store_tenant t;
	struct phone_ctx ctx;
	int64_t tid;
	int err;

	err = api_body_check(req, fields, ARRAY_SIZE(fields), true);
	if (err)
		return err;
	err = api_field_id(req, "tenant_id", &tid);
	if (err)
		return err;
	err = api_tenant_ref(req, "tenant_id", tid, &t);
	if (err)
		return err;

	memset(&b, 0, sizeof(b));
	b.tenant_id = tid;
	api_tenant_ctx(&t, &ctx);
	err = api_field_phone(req, "first", api_str(req, "first"), &ctx,
			      b.first, sizeof(b.first));
	if (err)
		return err;
	err = api_field_phone(req, "last", api_str(req, "last"), &ctx, b.last,
			      sizeof(b.last));
	if (err)
		return err;
	if (strlen(b.first) != strlen(b.last))
		return api_error(req, 422,
				 "last: must have as many digits as first");
	if (strcmp(b.last, b.first) < 0)
		return api_error(req, 422, "last: must not be below first");

	err = store_block_add(st, &b);
	if (err == EEXIST)
		return api_fail(req, err,
				"first: %s..%s overlaps an existing block",
				b.first, b.last);
	if (err == ERANGE)
		return api_fail(req, err, "last: %s..%s is not a range",
				b.first, b.last);
	if (err)
		return api_fail(req, err, "number_block: %m", err);
	info("http: number block %lld created (%s..%s, tenant %lld)\n",
	     (long long)b.id, b.first, b.last, (long long)tid);

	(void)store_block_get(st, b.id, &b);
	return reply_block(req, 201, &b);
}

static int list_h(const struct store_number_block *b, void *arg)
{
	struct odict *o = NULL;
	int err = block_encode(&o, b);

	return api_list_add(arg, err, o);
}

int api_block_list(struct api_req *req)
{
	static const char *const params[] = {"tenant_id", NULL};
	struct odict *arr = NULL;
	int64_t tid;
	int err;

	err = api_query_check(req, params);
	if (err)
		return err;
	err = api_query_id(req, "tenant_id", &tid);
	if (err)
		return err;
	err = api_list_alloc(&arr);
	if (err)
		return err;
	err = store_block_list(req->api->st, tid, list_h, arr);
	return api_list_done(req, err, arr, "number_blocks");
}

int api_block_get(struct api_req *req)
{
	struct store_number_block b;
	int err;

	err = store_block_get(req->api->st, req->id, &b);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "number_block: %m", err);
	return reply_block(req, 200, &b);
}

/* Every field is fixed: the body may only be {} (or repeat nothing). */
int api_block_update(struct api_req *req)
{
	struct store_number_block b;
	int err;

	err = store_block_get(req->api->st, req->id, &b);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "number_block: %m", err);
	err = api_body_check(req, fields, ARRAY_SIZE(fields), false);
	if (err)
		return err;
	return reply_block(req, 200, &b);
}

int api_block_delete(struct api_req *req)
{
	int err;

	err = store_block_delete(req->api->st, req->id);
	if (err == ENOENT)
		return api_not_found(req);
	if (err == EBUSY)
		return api_fail(req, err,
				"number_block %lld still has numbers; delete "
				"them first",
				(long long)req->id);
	if (err)
		return api_fail(req, err, "number_block: %m", err);
	info("http: number block %lld deleted\n", (long long)req->id);
	return api_reply_no_content(req);
}
