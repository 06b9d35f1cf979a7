/*
 * api_digit_inputs.c - /api/v1/digit_inputs: digit inputs of a tenant,
 * where the caller types a number (a customer number) that goes with the
 * call to the employee who answers.  A number (a schedule, a menu's key,
 * another input) routes to one with target_type "digit_input".
 *
 *   {"tenant_id": 1, "name": "Hotline", "label": "Kundennummer",
 *    "prompt": null, "min_digits": 5, "max_digits": 8, "terminator": "#",
 *    "timeout": 5, "digit_timeout": 3, "retries": 2, "read_back": true,
 *    "target_type": "employee", "target_id": 3,
 *    "fallback_type": "none", "fallback_id": null}
 *
 * label names the value: in the call record ("collected" of
 * /api/v1/calls) and in the X-Switchboard-Collected header of the INVITE
 * to the employee's phones.  prompt null: the question is spoken from the
 * label in the tenant's language; a file must be in the prompts directory
 * and play (422 naming prompt; at call time 480, not answered).
 * terminator "#" or "*" ends the input,
 * null: only max_digits or a pause after min_digits do.  read_back: the
 * number is read back and confirmed with 1 (2: type it again).  After
 * retries bad entries the call goes to the fallback without a value
 * (none: goodbye).  Each problem is a 422 naming the field: a length
 * outside 1..30 or min above max, a terminator that is none of the two,
 * a target that is none, does not exist or is another tenant's, a
 * fallback that leads back to the input without the caller typing
 * anything.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "call/call.h"

#define T struct store_digit_input

/* prompt: a file under the prompts directory */
static bool prompt_ok(const char *s)
{
	return s[0] != '/' && !strstr(s, "..");
}

static const struct api_rule prompt_rule = {
    prompt_ok, "must be a file name under the prompts directory"};

static bool terminator_ok(const char *s)
{
	return !strcmp(s, "#") || !strcmp(s, "*");
}

static const struct api_rule terminator_rule = {terminator_ok,
						"must be # or * (null: none)"};

enum { F_TARGET_TYPE = 12, F_FALLBACK_TYPE = 14 };

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED | FF_EARLY),
     API_M(T, tenant_id), .ref = api_ref_tenant},
    {API_F("name", AK_STR, FF_REQUIRED), API_M(T, name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("label", AK_STR, FF_REQUIRED), API_M(T, label),
     .max = STORE_INPUT_LABEL - 1, .rule = &api_rule_nonempty},
    {API_F("prompt", AK_STR, FF_NULL), API_M(T, prompt), .max = 127,
     .rule = &prompt_rule},
    {API_F("min_digits", AK_INT, 0), API_M(T, min_digits), .min = 1,
     .max = STORE_INPUT_DIGITS},
    {API_F("max_digits", AK_INT, 0), API_M(T, max_digits), .min = 1,
     .max = STORE_INPUT_DIGITS},
    {API_F("terminator", AK_STR, FF_NULL), API_M(T, terminator), .max = 1,
     .rule = &terminator_rule},
    {API_F("timeout", AK_INT, 0), API_M(T, timeout), .min = 1, .max = 60,
     .unit = "seconds"},
    {API_F("digit_timeout", AK_INT, 0), API_M(T, digit_timeout), .min = 1,
     .max = 30, .unit = "seconds"},
    {API_F("retries", AK_INT, 0), API_M(T, retries), .min = 0, .max = 9},
    {API_F("read_back", AK_BOOL, 0), API_M(T, read_back)},
    [F_TARGET_TYPE] = {API_F("target_type", AK_ENUM, FF_HOOK),
		       API_M(T, target.type), .max = 16,
		       .en = &store_names_target},
    {API_F("target_id", AK_ID, FF_NULL | FF_HOOK), API_M(T, target.id)},
    [F_FALLBACK_TYPE] = {API_F("fallback_type", AK_ENUM, FF_HOOK),
			 API_M(T, fallback.type), .max = 16,
			 .en = &store_names_target},
    {API_F("fallback_id", AK_ID, FF_NULL | FF_HOOK), API_M(T, fallback.id)},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

static int input_check(struct api_req *req, void *rec, const void *old)
{
	T *d = rec;
	int err;

	(void)old;
	err = api_prompt_playable(req, "prompt", d->prompt, d->tenant_id);
	if (err)
		return err;
	if (!str_casecmp(d->label, CALL_VAR_VIP))
		return api_error(req, 422,
				 "label: %s is the VIP mark of a call; choose "
				 "another",
				 d->label);
	if (d->min_digits > d->max_digits)
		return api_error(req, 422,
				 "min_digits: must not be more than "
				 "max_digits (%u)",
				 d->max_digits);
	err = api_target_pair(req, &fields[F_TARGET_TYPE], d, &d->target,
			      d->tenant_id);
	if (err)
		return err;
	if (d->target.type == TARGET_NONE)
		return api_error(req, 422, "target_type: is required");
	return api_target_pair(req, &fields[F_FALLBACK_TYPE], d, &d->fallback,
			       d->tenant_id);
}

static int input_fail(struct api_req *req, int err, const void *rec)
{
	const T *d = rec;

	switch (err) {
	case EEXIST:
		return api_fail(req, err, "name: %s exists already", d->name);
	case ELOOP:
		return api_error(req, 422,
				 "fallback_id: leads back to this digit "
				 "input without the caller typing anything");
	case EBUSY:
		return api_fail(req, err,
				"digit input %lld is in use by a number, a "
				"schedule, a menu or another digit input",
				(long long)d->id);
	default:
		return api_fail(req, err, "digit input: %m", err);
	}
}

static void input_init(void *rec)
{
	T *d = rec;

	d->min_digits = 1;
	d->max_digits = 10;
	str_copy(d->terminator, "#", sizeof(d->terminator));
	d->timeout = 5;
	d->digit_timeout = 3;
	d->retries = 2;
	d->read_back = true;
}

API_STORE_GET(input_get, store_digit_input_get)

API_STORE_ADD(input_add, store_digit_input_add)

API_STORE_UPDATE(input_update, store_digit_input_update)

API_LIST_H(input_h, T)

static int input_list(struct api_req *req, const struct api_query *q, void *arg)
{
	return store_digit_input_list(req->api->st, q->tenant_id, input_h, arg);
}

static int input_print(struct re_printf *pf, void *rec)
{
	const T *d = rec;

	return re_hprintf(pf, "%s, %s, tenant %lld", d->name, d->label,
			  (long long)d->tenant_id);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

const struct api_resource api_digit_inputs = {
    .path = "/api/v1/digit_inputs",
    .noun = "digit input",
    .label = "digit input",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = input_get,
    .add = input_add,
    .update = input_update,
    .del = store_digit_input_delete,
    .list = input_list,
    .init = input_init,
    .check = input_check,
    .fail = input_fail,
    .print = input_print,
    .enoent_unless = "target_id",
};
