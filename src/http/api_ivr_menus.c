/*
 * api_ivr_menus.c - /api/v1/ivr_menus: voice menus of a tenant.  A
 * number (or a schedule, or another menu's key) routes to a menu with
 * target_type "ivr".
 *
 *   {"tenant_id": 1, "name": "Hotline", "prompt": "hotline.wav",
 *    "timeout": 5, "retries": 2,
 *    "fallback_type": "announcement", "fallback_id": 1,
 *    "options": [{"key": "1", "target_type": "employee", "target_id": 3},
 *                {"key": "2", "target_type": "ivr", "target_id": 2}]}
 *
 * prompt null: the default greeting in the tenant's language; else a WAV
 * file in the prompts directory that plays (422 naming prompt otherwise;
 * a call to a menu whose greeting cannot play is not answered, 480); an
 * uploaded prompt ("uploads/...") must be one of the menu's tenant.  options
 * are replaced as a whole when given.  direct_dial: the caller may also
 * type the suffix of one of the tenant's numbers (the central number
 * without its final 0, plus the keys: "12" for +49221828299-12), which
 * then goes where that number goes.  Each problem is a 422 naming it:
 * a key that is none or given twice, a target that does not exist or is
 * another tenant's, a fallback that leads back to the menu without a key
 * pressed (through schedules and other menus' fallbacks).
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

#define T struct store_ivr_menu

/* prompt: a file under the prompts directory */
static bool prompt_ok(const char *s)
{
	return s[0] != '/' && !strstr(s, "..");
}

static const struct api_rule prompt_rule = {
    prompt_ok, "must be a file name under the prompts directory"};

static int option_read(struct api_req *req, const char *path,
		       const struct odict *o, T *m, struct store_ivr_option *op)
{
	static const char *const keys[] = {"key", "target_type", "target_id"};
	const struct odict_entry *id;
	char field[48];
	const char *s;
	size_t i;
	int err = 0;

	err = api_item_keys(req, o, path, keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	s = api_item_str(req, o, path, "key", true, &err);
	if (!s)
		return err;
	if (strlen(s) != 1 || !strchr("0123456789*#", s[0]))
		return api_error(req, 422,
				 "%s.key: must be one of 0-9, * and #", path);
	op->key = s[0];
	for (i = 0; i < m->optionc; i++) {
		if (m->optionv[i].key == op->key)
			return api_error(req, 422, "%s.key: %c is given twice",
					 path, op->key);
	}
	s = api_item_str(req, o, path, "target_type", true, &err);
	if (!s)
		return err;
	if (store_target_parse(s, &op->target.type) ||
	    op->target.type == TARGET_NONE)
		return api_error(req, 422, "%s.target_type: must be %H", path,
				 api_target_types, NULL);
	id = odict_lookup(o, "target_id");
	if (!id || id->type != ODICT_INT || id->u.integer <= 0)
		return api_error(
		    req, 422, "%s.target_id: must be a positive integer", path);
	op->target.id = id->u.integer;
	re_snprintf(field, sizeof(field), "%s.target_id", path);
	return api_target_ref(req, field, op->target.type, op->target.id,
			      m->tenant_id);
}

static int option_item(struct api_req *req, const char *path,
		       const struct odict *o, size_t i, void *arg)
{
	struct store_ivr_option op;
	T *m = arg;
	int err;

	memset(&op, 0, sizeof(op));
	err = option_read(req, path, o, m, &op);
	if (!err)
		m->optionv[i] = op;
	m->optionc = i + 1;
	return err;
}

static int options_apply(struct api_req *req, const struct api_field *f,
			 void *rec)
{
	T *m = rec;

	m->optionc = 0;
	return api_items_each(req, f, STORE_IVR_OPTIONS, option_item, m);
}

static int options_encode(struct odict *o, const struct api_field *f,
			  const void *rec, const struct api_req *req)
{
	const T *m = rec;
	struct odict *arr = NULL, *it = NULL;
	size_t i;
	int err;

	(void)req;
	err = api_list_alloc(&arr);
	for (i = 0; !err && i < m->optionc; i++) {
		const struct store_ivr_option *op = &m->optionv[i];
		char key[2] = {op->key, '\0'};

		err = odict_alloc(&it, 4);
		err |= api_add_str(it, "key", key);
		err |= api_add_str(it, "target_type",
				   store_target_name(op->target.type));
		err |= api_add_int(it, "target_id", op->target.id);
		err |= api_list_append(arr, it);
		it = mem_deref(it);
	}
	if (!err)
		err = odict_entry_add(o, f->name, ODICT_ARRAY, arr);
	mem_deref(it);
	mem_deref(arr);
	return err;
}

enum { F_FALLBACK_TYPE = 7 };

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_REQUIRED | FF_FIXED | FF_EARLY),
     API_M(T, tenant_id), .ref = api_ref_tenant},
    {API_F("name", AK_STR, FF_REQUIRED), API_M(T, name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("prompt", AK_STR, FF_NULL), API_M(T, prompt), .max = 127,
     .rule = &prompt_rule},
    {API_F("timeout", AK_INT, 0), API_M(T, timeout), .min = 1, .max = 60,
     .unit = "seconds"},
    {API_F("retries", AK_INT, 0), API_M(T, retries), .min = 0, .max = 9},
    {API_F("direct_dial", AK_BOOL, 0), API_M(T, direct_dial)},
    [F_FALLBACK_TYPE] = {API_F("fallback_type", AK_ENUM, FF_HOOK),
			 API_M(T, fallback.type), .max = 16,
			 .en = &store_names_target},
    {API_F("fallback_id", AK_ID, FF_NULL | FF_HOOK), API_M(T, fallback.id)},
    {API_F("options", AK_LIST, 0), .apply = options_apply,
     .encode = options_encode},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

static int menu_check(struct api_req *req, void *rec, const void *old)
{
	T *m = rec;

	int err;

	(void)old;
	err = api_prompt_playable(req, "prompt", m->prompt, m->tenant_id);
	if (err)
		return err;
	return api_target_pair(req, &fields[F_FALLBACK_TYPE], m, &m->fallback,
			       m->tenant_id);
}

static int menu_fail(struct api_req *req, int err, const void *rec)
{
	const T *m = rec;

	switch (err) {
	case EEXIST:
		return api_fail(req, err, "name: %s exists already", m->name);
	case ELOOP:
		return api_error(req, 422,
				 "fallback_id: leads back to this menu "
				 "without a key pressed");
	case EBUSY:
		return api_fail(req, err,
				"ivr menu %lld is in use by a number, a "
				"schedule or another menu",
				(long long)m->id);
	default:
		return api_fail(req, err, "ivr menu: %m", err);
	}
}

static void menu_init(void *rec)
{
	T *m = rec;

	m->timeout = 5;
	m->retries = 2;
}

API_STORE_GET(menu_get, store_ivr_menu_get)

API_STORE_ADD(menu_add, store_ivr_menu_add)

API_STORE_UPDATE(menu_update, store_ivr_menu_update)

API_LIST_H(menu_h, T)

static int menu_list(struct api_req *req, const struct api_query *q, void *arg)
{
	return store_ivr_menu_list(req->api->st, q->tenant_id, menu_h, arg);
}

static int menu_print(struct re_printf *pf, void *rec)
{
	const T *m = rec;

	return re_hprintf(pf, "%s, tenant %lld", m->name,
			  (long long)m->tenant_id);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

const struct api_resource api_ivr_menus = {
    .path = "/api/v1/ivr_menus",
    .noun = "ivr menu",
    .label = "ivr menu",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = menu_get,
    .add = menu_add,
    .update = menu_update,
    .del = store_ivr_menu_delete,
    .list = menu_list,
    .init = menu_init,
    .check = menu_check,
    .fail = menu_fail,
    .print = menu_print,
    .enoent_unless = "fallback_id",
};
