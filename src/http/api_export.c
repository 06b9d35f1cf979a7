/*
 * api_export.c - GET /api/v1/tenants/:id/export: all of a client's data as
 * one JSON document (issue 16; the client's copy of its data, GDPR Art.
 * 15 and 20).  The store walks the client's rows table by table
 * (sqlite_tenant_data.c, which also leaves out the secrets: password and
 * token hashes, trunk passwords); this file only turns them into JSON:
 *
 *   {"exported_at": "...", "tenant": {...},
 *    "employees": [{...}, ...], "devices": [...], ... one array per table}
 *
 * Values are as stored, with the columns named *_at shown as ISO-8601
 * UTC times.  It is the client's own export, so e-mail addresses are in.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

struct export
{
	struct odict *doc; /* (owned) the document                     */
	struct odict *arr; /* (weak) the array of the current table     */
};

static bool is_time(const char *name)
{
	size_t n = strlen(name);

	return n > 3 && !strcmp(name + n - 3, "_at");
}

static int table_h(const char *table, void *arg)
{
	struct export *x = arg;
	struct odict *arr = NULL;
	int err;

	x->arr = NULL;
	if (!strcmp(table, "tenants"))
		return 0;
	err = api_list_alloc(&arr);
	if (err)
		return err;
	err = odict_entry_add(x->doc, table, ODICT_ARRAY, arr);
	if (!err)
		x->arr = arr; /* the document holds it */
	mem_deref(arr);
	return err;
}

static int row_h(const char *table, const struct store_cell *cv, size_t cc,
		 void *arg)
{
	struct export *x = arg;
	struct odict *o = NULL;
	size_t i;
	int err;

	err = odict_alloc(&o, 32);
	if (err)
		return err;
	for (i = 0; i < cc && !err; i++) {
		const struct store_cell *c = &cv[i];

		if (c->type == 0)
			err = odict_entry_add(o, c->name, ODICT_NULL);
		else if (c->type == 1 && is_time(c->name))
			err = api_add_time(o, c->name, (uint64_t)c->i);
		else if (c->type == 1)
			err = api_add_int(o, c->name, c->i);
		else
			err = api_add_str(o, c->name, c->s);
	}
	if (!err && !strcmp(table, "tenants"))
		err = odict_entry_add(x->doc, "tenant", ODICT_OBJECT, o);
	else if (!err && x->arr)
		err = api_list_append(x->arr, o);
	mem_deref(o);
	return err;
}

static int export_get(struct api_req *req)
{
	struct export x = {NULL, NULL};
	int err;

	err = odict_alloc(&x.doc, 64);
	if (err)
		return err;
	err = api_add_time(x.doc, "exported_at", req->now);
	if (!err)
		err = store_tenant_export(req->api->st, req->id, table_h, row_h,
					  &x);
	if (err == ENOENT)
		err = api_not_found(req);
	else if (err)
		err = api_fail(req, err, "export: %m", err);
	else
		err = api_reply_object(req, 200, x.doc);
	mem_deref(x.doc);
	return err;
}

static const struct api_action actions[] = {
    {"GET", "/:id/export", export_get},
};

const struct api_resource api_export = {
    .path = "/api/v1/tenants",
    .noun = "tenant",
    .label = "export",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
