/*
 * profile_view.c - the agent's view of a client's profile in force: what
 * the screen pop shows (greeting filled in, instructions or the standard
 * text, the note form with the fixed and the client's fields, ...).
 */
#include <errno.h>
#include <string.h>
#include "core/core.h"
#include "route/route.h"
#include "secretariat/secretariat.h"
#include "secretariat/profile_int.h"

/* ---- the agent's view ------------------------------------------------ */

/* The note fields: the fixed three, then the client's. */
static int note_fields_add(struct odict *o, const struct odict *extra)
{
	struct odict *arr = NULL, *it = NULL;
	struct le *le;
	size_t i;
	int err;

	err = profile_arr_alloc(&arr);
	if (err)
		return err;
	for (i = 0; i < profile_fixed_c && !err; i++) {
		err = odict_alloc(&it, 8);
		if (err)
			break;
		err = odict_entry_add(it, "label", ODICT_STRING,
				      profile_fixed_v[i].label);
		err |= odict_entry_add(it, "type", ODICT_STRING,
				       profile_fixed_v[i].type);
		err |= odict_entry_add(it, "required", ODICT_BOOL, true);
		err |= odict_entry_add(it, "fixed", ODICT_BOOL, true);
		err |= profile_arr_append(arr, ODICT_OBJECT, it);
		it = mem_deref(it);
	}
	for (le = extra ? extra->lst.head : NULL; le && !err; le = le->next) {
		const struct odict_entry *e = le->data;
		struct le *k;

		if (e->type != ODICT_OBJECT)
			continue;
		err = odict_alloc(&it, 8);
		if (err)
			break;
		for (k = e->u.odict->lst.head; k && !err; k = k->next) {
			const struct odict_entry *f = k->data;

			err = profile_entry_copy(it, f->key, f);
			if (!err && !strcmp(f->key, "required"))
				err = odict_entry_add(it, "fixed", ODICT_BOOL,
						      false);
		}
		err |= profile_arr_append(arr, ODICT_OBJECT, it);
		it = mem_deref(it);
	}
	if (!err)
		err = odict_entry_add(o, "note_fields", ODICT_ARRAY, arr);
	mem_deref(it);
	mem_deref(arr);
	return err ? ENOMEM : 0;
}

int profile_agent_view(struct odict **op, const struct store_profile_version *v,
		       const char *first, const char *last, uint64_t at)
{
	static const char *const copied[] = {"instructions", "faq",
					     "call_guide",   "vip_call_guide",
					     "order_form",   "hours"};
	struct store_sched_range rv[STORE_SCHED_RANGES];
	struct odict *doc = NULL, *o = NULL;
	const struct odict_entry *e;
	char *greeting = NULL;
	bool transfer = false;
	size_t i, n;
	int err;

	if (!op || !v)
		return EINVAL;
	err = profile_json_read(&doc, v->settings);
	if (err)
		return err;
	err = odict_alloc(&o, 32);
	if (err)
		goto out;
	err = odict_entry_add(o, "version_id", ODICT_INT, v->id);
	err |= odict_entry_add(o, "version", ODICT_INT, v->version);
	e = odict_lookup(doc, "greeting");
	if (!err && e && e->type == ODICT_STRING)
		err = profile_greeting_fill(&greeting, e->u.str, first, last);
	if (!err)
		err = odict_entry_add(o, "greeting", ODICT_STRING,
				      greeting ? greeting : "");
	(void)odict_get_boolean(doc, &transfer, "transfer");
	err |= odict_entry_add(o, "transfer", ODICT_BOOL, transfer);
	if (transfer)
		err |= odict_entry_add(o, "standard_text", ODICT_NULL);
	else
		err |= odict_entry_add(o, "standard_text", ODICT_STRING,
				       profile_no_transfer_text);
	if (!err) {
		e = odict_lookup(doc, "note_fields");
		err = note_fields_add(
		    o, e && e->type == ODICT_ARRAY ? e->u.odict : NULL);
	}
	for (i = 0; i < ARRAY_SIZE(copied) && !err; i++) {
		e = odict_lookup(doc, copied[i]);
		if (e)
			err = profile_entry_copy(o, copied[i], e);
	}
	if (err)
		goto out;

	e = odict_lookup(doc, "hours");
	n = e && e->type == ODICT_ARRAY ? profile_ranges_of(e->u.odict, rv) : 0;
	if (!n) {
		err = odict_entry_add(o, "open", ODICT_NULL);
	}
	else {
		struct route_sched rs;

		memset(&rs, 0, sizeof(rs));
		rs.rangev = rv;
		rs.rangec = n;
		err = odict_entry_add(o, "open", ODICT_BOOL,
				      route_sched_state(&rs, at, NULL) ==
					  STORE_SCHED_OPEN);
	}
	if (!err) {
		*op = o;
		o = NULL;
	}
out:
	mem_deref(greeting);
	mem_deref(o);
	mem_deref(doc);
	return err;
}
