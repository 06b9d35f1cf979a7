/*
 * api_number_blocks.c - /api/v1/number_blocks: the ranges of E.164 numbers
 * a tenant owns (Rufnummernblock).  Every number of a tenant must lie in
 * one of its blocks.  A block is fixed once created, since numbers hang off
 * it: PATCH accepts no field, and a block is deleted only when empty.
 *
 * A new block must be plausible: at most --number-block-max numbers, in
 * the tenant's country (its E.164 country code), and as long as the
 * national numbers of that country can be (NSN lengths of ITU-T E.164
 * country codes for the countries we know, else 4 to 15 digits in all).
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

/* Lengths of national (significant) numbers by country code. */
static const struct {
	const char *cc;
	unsigned min, max;
} nsn_lengths[] = {
    {"1", 10, 10}, {"31", 9, 9},  {"32", 8, 9},   {"33", 9, 9},
    {"34", 9, 9},  {"39", 6, 11}, {"41", 9, 9},   {"43", 4, 13},
    {"44", 9, 10}, {"45", 8, 8},  {"46", 7, 13},  {"47", 8, 8},
    {"48", 9, 9},  {"49", 6, 13}, {"352", 4, 11}, {"353", 7, 11},
};

/* 0, or 422 naming first: b's numbers are not of the country cc. */
static int country_check(struct api_req *req, const T *b, const char *cc)
{
	const size_t ccl = strlen(cc), nsn = strlen(b->first) - 1 - ccl;
	unsigned min = 4, max = 15 - (unsigned)ccl;
	size_t i;

	if (strncmp(b->first + 1, cc, ccl))
		return api_error(req, 422,
				 "first: %s is not a number of the tenant's "
				 "country (+%s)",
				 b->first, cc);
	for (i = 0; i < ARRAY_SIZE(nsn_lengths); i++) {
		if (!strcmp(nsn_lengths[i].cc, cc)) {
			min = nsn_lengths[i].min;
			max = nsn_lengths[i].max;
		}
	}
	if (nsn < min || nsn > max)
		return api_error(req, 422,
				 "first: %s has %zu digits after +%s; numbers "
				 "of that country have %u to %u",
				 b->first, nsn, cc, min, max);
	return 0;
}

/* A new block is a range: first..last of equal length, not larger than
 * --number-block-max, in the tenant's country. */
static int block_check(struct api_req *req, void *rec, const void *old)
{
	const T *b = rec;
	const uint32_t max = req->api->cfg->number_block_max;
	unsigned long long first, last;
	struct store_tenant t;
	int err;

	if (old)
		return 0;
	if (strlen(b->first) != strlen(b->last))
		return api_error(req, 422,
				 "last: must have as many digits as first");
	if (strcmp(b->last, b->first) < 0)
		return api_error(req, 422, "last: must not be below first");
	first = strtoull(b->first + 1, NULL, 10);
	last = strtoull(b->last + 1, NULL, 10);
	if (last - first >= max)
		return api_error(req, 422,
				 "last: %s..%s holds %llu numbers; a block "
				 "holds at most %u (--number-block-max)",
				 b->first, b->last, last - first + 1, max);
	err = store_tenant_get(req->api->st, b->tenant_id, &t);
	if (err)
		return api_fail(req, err, "tenant_id: %m", err);
	return country_check(req, b, t.country_code);
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
