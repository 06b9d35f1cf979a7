/*
 * api_tenants.c - /api/v1/tenants: the companies whose calls we handle.
 * A tenant's country and area code are the dialling context in which the
 * other resources' phone numbers are normalised to E.164 (the tenant's own
 * central number included: in the context as the same body changes it).
 * moh_prompt: the music a caller of the tenant hears on hold, a file under
 * the prompts directory (an uploaded prompt of the tenant, see
 * api_prompts.c); null: the node's moh.wav.
 *
 * Who changes what (PATCH): a client's admin its own tenant's name,
 * language and music on hold, the fields that are the client's; the
 * dialling context and the central number are the service's
 * (FF_OPERATOR: the numbers are bought and routed by the service, and
 * the context decides how every number of the client is read).
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

#define T struct store_tenant

static bool country_ok(const char *s)
{
	return api_is_digits(s, 1, 3) && s[0] != '0';
}

static bool area_ok(const char *s)
{
	return api_is_digits(s, 1, 6) && s[0] != '0';
}

static const struct api_rule country_rule = {
    country_ok, "must be 1 to 3 digits without a leading 0, like \"49\""};
static const struct api_rule area_rule = {
    area_ok, "must be 1 to 6 digits without the leading 0, like \"221\""};

/* a WAV file under the prompts directory */
static bool moh_ok(const char *s)
{
	size_t n = strlen(s);

	return s[0] != '/' && !strstr(s, "..") && n > 4 &&
	       !strcmp(s + n - 4, ".wav");
}

static const struct api_rule moh_rule = {
    moh_ok, "must be a .wav file under the prompts directory, like "
	    "uploads/1/0123456789abcdef.wav"};

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("name", AK_STR, FF_REQUIRED), API_M(T, name), .max = 127,
     .rule = &api_rule_nonempty},
    {API_F("country_code", AK_STR, FF_OPERATOR), API_M(T, country_code),
     .max = 7, .rule = &country_rule},
    {API_F("area_code", AK_STR, FF_NULL | FF_OPERATOR), API_M(T, area_code),
     .max = 7, .rule = &area_rule},
    {API_F("central_number", AK_PHONE, FF_NULL | FF_OPERATOR),
     API_M(T, central_number), .max = 40},
    {API_F("language", AK_ENUM, 0), API_M(T, language), .max = 2,
     .en = &store_names_language},
    {API_F("moh_prompt", AK_STR, FF_NULL), API_M(T, moh_prompt), .max = 127,
     .rule = &moh_rule},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

static void tenant_init(void *rec)
{
	T *t = rec;

	str_copy(t->country_code, "49", sizeof(t->country_code));
}

/* A tenant is its own dialling context. */
static int tenant_ctx(struct api_req *req, const void *rec,
		      struct phone_ctx *ctx)
{
	api_tenant_ctx(rec, ctx);
	return 0;
}

/* Music on hold of its own: an uploaded one must be the tenant's. */
static int tenant_check(struct api_req *req, void *rec, const void *old)
{
	const T *t = rec;

	(void)old;
	return api_prompt_file(req, "moh_prompt", t->moh_prompt, t->id);
}

API_STORE_GET(tenant_get, store_tenant_get)

API_STORE_ADD(tenant_add, store_tenant_add)

API_STORE_UPDATE(tenant_update, store_tenant_update)

API_LIST_H(tenant_h, T)

static int tenant_list(struct api_req *req, const struct api_query *q,
		       void *arg)
{
	return store_tenant_list(req->api->st, tenant_h, arg);
}

static int tenant_fail(struct api_req *req, int err, const void *rec)
{
	const T *t = rec;

	switch (err) {
	case EEXIST:
		return api_fail(req, err, "name: a tenant named %s exists",
				t->name);
	case EBUSY:
		return api_fail(req, err,
				"tenant %lld still has employees, devices, "
				"number blocks, numbers, announcements or "
				"trunks; delete them first",
				(long long)t->id);
	default:
		return api_fail(req, err, "tenant: %m", err);
	}
}

/* A deleted tenant leaves nothing live behind (tenant_gone.c). */
static void tenant_after(struct api_req *req, enum api_op op, const void *rec,
			 const void *old)
{
	const T *t = rec;

	(void)old;
	if (op == API_DELETE)
		api_tenant_gone(req->api, t->id, req->now);
}

static int tenant_print(struct re_printf *pf, void *rec)
{
	const T *t = rec;

	return re_hprintf(pf, "%s", t->name);
}

const struct api_resource api_tenants = {
    .path = "/api/v1/tenants",
    .noun = "tenant",
    .label = "tenant",
    API_FIELDS(fields),
    API_RECORD(T),
    .tenant_off = offsetof(T, id),
    .get = tenant_get,
    .add = tenant_add,
    .update = tenant_update,
    .del = store_tenant_delete,
    .list = tenant_list,
    .init = tenant_init,
    .ctx = tenant_ctx,
    .check = tenant_check,
    .fail = tenant_fail,
    .after = tenant_after,
    .print = tenant_print,
};
