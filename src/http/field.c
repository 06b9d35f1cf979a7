/*
 * field.c - one field of a resource, both ways: from a checked request
 * body into the member of the store record (apply), and from the record
 * into the JSON reply (encode).  What a field does follows from its kind
 * (AK_STR, AK_INT, ...) and its flags; a field's rule, range, enum or
 * reference adds the validation, and a hook replaces the kind where a
 * resource really differs.
 *
 * Validation errors are 422 {"error":"<field>: <why>"}; the JSON types
 * were checked before (body.c), so the accessors here cannot fail.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

enum api_ftype api_field_ftype(const struct api_field *f)
{
	switch (f->kind) {
	case AK_INT:
	case AK_ID:
		return FT_INT;

	case AK_BOOL:
		return FT_BOOL;

	case AK_LIST:
		return FT_ARRAY;

	default:
		return FT_STR;
	}
}

static void *member(void *rec, const struct api_field *f)
{
	return (uint8_t *)rec + f->off;
}

static const void *cmember(const void *rec, const struct api_field *f)
{
	return (const uint8_t *)rec + f->off;
}

int64_t api_rec_i64(const void *rec, size_t off)
{
	int64_t v;

	memcpy(&v, (const uint8_t *)rec + off, sizeof(v));
	return v;
}

/* An integer member of 2, 4 (both unsigned) or 8 bytes. */
static int64_t int_get(const void *rec, const struct api_field *f)
{
	const void *m = cmember(rec, f);
	uint32_t u32;
	uint16_t u16;

	switch (f->size) {
	case sizeof(uint16_t):
		memcpy(&u16, m, sizeof(u16));
		return u16;

	case sizeof(uint32_t):
		memcpy(&u32, m, sizeof(u32));
		return u32;

	default:
		return api_rec_i64(rec, f->off);
	}
}

static void int_set(void *rec, const struct api_field *f, int64_t v)
{
	uint32_t u32 = (uint32_t)v;
	uint16_t u16 = (uint16_t)v;

	switch (f->size) {
	case sizeof(uint16_t):
		memcpy(member(rec, f), &u16, sizeof(u16));
		break;

	case sizeof(uint32_t):
		memcpy(member(rec, f), &u32, sizeof(u32));
		break;

	case sizeof(int64_t):
		memcpy(member(rec, f), &v, sizeof(v));
		break;

	default:
		break;
	}
}

/* ---- enums ------------------------------------------------------------- */

const char *api_enum_name(const struct api_field *f, int v)
{
	const char *s = store_names_get(f->en, v);

	return s ? s : "";
}

/* "a, b or c": the names of f's enum. */
static int enum_print(struct re_printf *pf, void *arg)
{
	const struct api_field *f = arg;
	const char *s;
	int v, err = 0;

	for (v = 0; (s = store_names_get(f->en, v)) != NULL; v++) {
		if (v)
			err |= re_hprintf(
			    pf, store_names_has(f->en, v + 1) ? ", " : " or ");
		err |= re_hprintf(pf, "%s", s);
	}
	return err;
}

int api_enum_error(struct api_req *req, const struct api_field *f)
{
	return api_error(req, 422, "%s: must be %H", f->name, enum_print, f);
}

/* ---- body -> record ---------------------------------------------------- */

static int apply_str(struct api_req *req, const struct api_field *f, void *rec)
{
	const char *s = api_str(req, f->name);
	char why[256];

	if (s && f->rule && (s[0] || !(f->flags & FF_NULL)) &&
	    !f->rule->ok(s)) {
		re_snprintf(why, sizeof(why), f->rule->why, s);
		return api_error(req, 422, "%s: %s", f->name, why);
	}
	if (f->size)
		str_copy(member(rec, f), s ? s : "", f->size);
	return 0;
}

/* E.164 in the dialling context of the record (a FF_NULL field: null or
 * "" for none). */
static int apply_phone(struct api_req *req, const struct api_field *f,
		       void *rec)
{
	const struct api_resource *res = api_res(req);
	const char *s = api_str(req, f->name);
	struct phone_ctx ctx;
	char *out = member(rec, f);
	int err;

	out[0] = '\0';
	if (!s || (!s[0] && (f->flags & FF_NULL)))
		return 0;
	err = res->ctx ? res->ctx(req, rec, &ctx)
		       : api_res_tenant_ctx(req, rec, &ctx);
	if (err)
		return err;
	if (phone_normalise(out, f->size, s, &ctx) != PHONE_E164)
		return api_error(req, 422,
				 "%s: %s is not a valid E.164 phone number",
				 f->name, s);
	return 0;
}

static int apply_int(struct api_req *req, const struct api_field *f, void *rec)
{
	int64_t v = api_int(req, f->name, 0);

	if ((f->min || f->max) && (v < f->min || v > f->max))
		return api_error(req, 422, "%s: must be from %lld to %lld%s%s",
				 f->name, (long long)f->min, (long long)f->max,
				 f->unit ? " " : "", f->unit ? f->unit : "");
	int_set(rec, f, v);
	return 0;
}

static int apply_id(struct api_req *req, const struct api_field *f, void *rec)
{
	const struct api_resource *res = api_res(req);
	int64_t id;
	int err;

	err = api_field_id(req, f->name, &id);
	if (err)
		return err;
	if (id && f->ref) {
		err = f->ref(req, f, id, api_rec_i64(rec, res->tenant_off));
		if (err)
			return err;
	}
	int_set(rec, f, id);
	return 0;
}

static int apply_enum(struct api_req *req, const struct api_field *f, void *rec)
{
	int v;

	if (store_names_find(f->en, api_str(req, f->name), &v))
		return api_enum_error(req, f);
	memcpy(member(rec, f), &v, sizeof(v));
	return 0;
}

int api_field_apply(struct api_req *req, const struct api_field *f, void *rec)
{
	bool b;

	switch (f->kind) {
	case AK_STR:
		return apply_str(req, f, rec);

	case AK_PHONE:
		return apply_phone(req, f, rec);

	case AK_INT:
		return apply_int(req, f, rec);

	case AK_ID:
		return apply_id(req, f, rec);

	case AK_ENUM:
		return apply_enum(req, f, rec);

	case AK_BOOL:
		memcpy(&b, cmember(rec, f), sizeof(b));
		b = api_bool(req, f->name, b);
		memcpy(member(rec, f), &b, sizeof(b));
		return 0;

	default:
		return 0; /* read-only kinds */
	}
}

int api_fields_apply(struct api_req *req, void *rec)
{
	const struct api_resource *res = api_res(req);
	unsigned pass;
	size_t i;
	int err;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < res->fieldc; i++) {
			const struct api_field *f = &res->fieldv[i];
			bool early = (f->flags & FF_EARLY) != 0;

			if (early != (pass == 0) ||
			    (f->flags & (FF_RO | FF_HOOK)) ||
			    !api_has(req, f->name))
				continue;
			err = f->apply ? f->apply(req, f, rec)
				       : api_field_apply(req, f, rec);
			if (err)
				return err;
		}
	}
	return 0;
}

/* ---- record -> JSON ---------------------------------------------------- */

static int encode_field(struct odict *o, const struct api_field *f,
			const void *rec)
{
	const char *cs;
	int64_t v;
	uint64_t t;
	int e;
	bool b;

	switch (f->kind) {
	case AK_STR:
	case AK_PHONE:
		cs = cmember(rec, f);
		return (f->flags & FF_NULL)
			   ? api_add_str_or_null(o, f->name, cs)
			   : api_add_str(o, f->name, cs);

	case AK_CSTR:
		memcpy(&cs, cmember(rec, f), sizeof(cs));
		return api_add_str(o, f->name, cs);

	case AK_INT:
	case AK_ID:
		v = int_get(rec, f);
		return (f->flags & FF_NULL) ? api_add_id(o, f->name, v)
					    : api_add_int(o, f->name, v);

	case AK_BOOL:
		memcpy(&b, cmember(rec, f), sizeof(b));
		return api_add_bool(o, f->name, b);

	case AK_TIME:
		memcpy(&t, cmember(rec, f), sizeof(t));
		return api_add_time(o, f->name, t);

	case AK_ENUM:
		memcpy(&e, cmember(rec, f), sizeof(e));
		return api_add_str_or_null(o, f->name, api_enum_name(f, e));

	case AK_LIST:
		break; /* its encode hook only */
	}
	return EINVAL;
}

int api_encode(struct odict **op, const struct api_resource *res,
	       const void *rec, const struct api_req *req)
{
	struct odict *o;
	size_t i;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	for (i = 0; i < res->fieldc; i++) {
		const struct api_field *f = &res->fieldv[i];

		if (f->flags & FF_WO)
			continue;
		err |= f->encode ? f->encode(o, f, rec, req)
				 : encode_field(o, f, rec);
	}
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

/* ---- rules and references of several resources ------------------------ */

static bool nonempty(const char *s)
{
	return s[0] != '\0';
}

const struct api_rule api_rule_nonempty = {nonempty, "must not be empty"};

bool api_is_digits(const char *s, size_t min, size_t max)
{
	size_t n;

	if (!s)
		return false;
	for (n = 0; s[n]; n++) {
		if (!isdigit((unsigned char)s[n]))
			return false;
	}
	return n >= min && n <= max;
}

int api_field_id(struct api_req *req, const char *key, int64_t *idp)
{
	int64_t v;

	*idp = 0;
	if (!api_has(req, key) || api_is_null(req, key))
		return 0;
	v = api_int(req, key, 0);
	if (v <= 0)
		return api_error(req, 422, "%s: must be a positive id", key);
	*idp = v;
	return 0;
}

int api_ref_tenant(struct api_req *req, const struct api_field *f, int64_t id,
		   int64_t tenant_id)
{
	struct store_tenant t;
	int err;

	err = store_tenant_get(req->api->st, id, &t);
	/* another tenant is none to a tenant's token (its id does not
	 * leak) */
	if (err == ENOENT || (!err && !api_tenant_visible(req, id)))
		return api_error(req, 422, "%s: tenant %lld does not exist",
				 f->name, (long long)id);
	if (err)
		return api_fail(req, err, "%s: %m", f->name, err);
	return 0;
}

int api_ref_employee(struct api_req *req, const struct api_field *f, int64_t id,
		     int64_t tenant_id)
{
	struct store_employee e;
	int err;

	err = store_employee_get(req->api->st, id, &e);
	if (err == ENOENT || (!err && !api_tenant_visible(req, e.tenant_id)))
		return api_error(req, 422, "%s: employee %lld does not exist",
				 f->name, (long long)id);
	if (err)
		return api_fail(req, err, "%s: %m", f->name, err);
	if (e.tenant_id != tenant_id)
		return api_error(req, 422,
				 "%s: employee %lld belongs to another tenant",
				 f->name, (long long)id);
	return 0;
}

void api_tenant_ctx(const struct store_tenant *t, struct phone_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	str_copy(ctx->country, t->country_code[0] ? t->country_code : "49",
		 sizeof(ctx->country));
	str_copy(ctx->area, t->area_code, sizeof(ctx->area));
}
