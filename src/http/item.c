/*
 * item.c - fields that are arrays of objects (a schedule's ranges, a
 * menu's keys): the array and its items read from a request body, each
 * problem a 422 naming the item ("ranges[1].start: ...").
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

/* The string item key of object o, or NULL (and a 422 named path.key). */
const char *api_item_str(struct api_req *req, const struct odict *o,
			 const char *path, const char *key, bool required,
			 int *errp)
{
	const struct odict_entry *e = odict_lookup(o, key);

	if (!e && !required)
		return NULL;
	if (!e || e->type != ODICT_STRING) {
		*errp = api_error(req, 422, "%s.%s: %s", path, key,
				  e ? "must be a string" : "is required");
		return NULL;
	}
	return e->u.str;
}

/* Keys of item o other than those in keys[] are refused. */
int api_item_keys(struct api_req *req, const struct odict *o, const char *path,
		  const char *const *keys, size_t n)
{
	struct le *le;
	size_t i;

	for (le = o->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;
		char name[33];

		for (i = 0; i < n && strcmp(e->key, keys[i]); i++)
			;
		if (i == n) {
			str_copy(name, e->key, sizeof(name));
			return api_error(req, 422, "%s.%s: unknown field", path,
					 name);
		}
	}
	return 0;
}

/* The array of field f as objects: *np items, 422 past max. */
int api_items(struct api_req *req, const struct api_field *f, size_t max,
	      const struct odict **arrp)
{
	const struct odict_entry *e = odict_lookup(req->body, f->name);
	struct le *le;
	size_t n = 0;

	*arrp = NULL;
	if (!e || e->type == ODICT_NULL)
		return 0;
	for (le = e->u.odict->lst.head; le; le = le->next, n++) {
		const struct odict_entry *it = le->data;

		if (it->type != ODICT_OBJECT)
			return api_error(req, 422, "%s[%zu]: must be an object",
					 f->name, n);
	}
	if (n > max)
		return api_error(req, 422, "%s: at most %zu", f->name, max);
	*arrp = e->u.odict;
	return 0;
}

int api_items_each(struct api_req *req, const struct api_field *f, size_t max,
		   api_item_h *h, void *arg)
{
	const struct odict *arr;
	struct le *le;
	char path[48];
	size_t i = 0;
	int err;

	err = api_items(req, f, max, &arr);
	if (err)
		return err;
	for (le = arr ? arr->lst.head : NULL; le; le = le->next, i++) {
		const struct odict_entry *it = le->data;

		re_snprintf(path, sizeof(path), "%s[%zu]", f->name, i);
		err = h(req, path, it->u.odict, i, arg);
		if (err)
			return err;
	}
	return 0;
}
