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

#define T struct store_number_block

/* "size": how many numbers from first to last (E.164 of equal length). */
static int size_encode(struct odict *o, const struct api_field *f,
		       const void *rec, const struct api_req *req)
{
	const T *b = rec;
	unsigned long long first, last;
	int64_t n = 0;

	if (strlen(b->first) == strlen(b->last) && b->first[0]) {
		first = strtoull(b->first + 1, NULL, 10);
		last = strtoull(b->last + 1, NULL, 10);
		n = last >= first ? (int64_t)(last - first + 1) : 0;
	}
	return api_add_int(o, f->name, n);
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED), API_M(T, tenant_id),
     .ref = api_ref_tenant},
    {API_F("first", AK_PHONE, FF_REQUIRED | FF_FIXED), API_M(T, first),
     .max = 40},
    {API_F("last", AK_PHONE, FF_REQUIRED | FF_FIXED), API_M(T, last),
     .max = 40},
    {API_F("size", AK_INT, FF_RO), .encode = size_encode},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

/* A new block is a range: first..last of equal length. */
static int block_check(struct api_req *req, void *rec, const void *old)
{
	const T *b = rec;

	if (old)
		return 0;
	if (strlen(b->first) != strlen(b->last))
		return api_error(req, 422,
				 "last: must have as many digits as first");
	if (strcmp(b->last, b->first) < 0)
		return api_error(req, 422, "last: must not be below first");
	return 0;
}

static int block_fail(struct api_req *req, int err, const void *rec)
{
	const T *b = rec;

	switch (err) {
	case EEXIST:
		return api_fail(req, err,
				"first: %s..%s overlaps an existing block",
				b->first, b->last);
	case ERANGE:
		return api_fail(req, err, "last: %s..%s is not a range",
				b->first, b->last);
	case EBUSY:
		return api_fail(req, err,
				"number_block %lld still has numbers; delete "
				"them first",
				(long long)b->id);
	default:
		return api_fail(req, err, "number_block: %m", err);
	}
}

API_STORE_GET(block_get, store_block_get)

API_STORE_ADD(block_add, store_block_add)

/* Every field is fixed: a PATCH may only be {} and writes nothing. */
static int block_update(struct api_req *req, void *rec, const void *old)
{
	return 0;
}

API_LIST_H(block_h, T)

static int block_list(struct api_req *req, const struct api_query *q, void *arg)
{
	return store_block_list(req->api->st, q->tenant_id, block_h, arg);
}

static int block_print(struct re_printf *pf, void *rec)
{
	const T *b = rec;

	return re_hprintf(pf, "%s..%s, tenant %lld", b->first, b->last,
			  (long long)b->tenant_id);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

const struct api_resource api_number_blocks = {
    .path = "/api/v1/number_blocks",
    .noun = "number_block",
    .label = "number block",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = block_get,
    .add = block_add,
    .update = block_update,
    .del = store_block_delete,
    .list = block_list,
    .check = block_check,
    .fail = block_fail,
    .print = block_print,
};
