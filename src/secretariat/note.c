/*
 * note.c - the client's extra fields of a call note, checked against the
 * field definitions (note_fields of profile.c: label, type, required,
 * choices) of the profile version the agent saw.  A note's fields are a
 * JSON object label -> value:
 *
 *   text    a string                  number  a JSON number
 *   date    "YYYY-MM-DD" (a real day) choice  one of the choices
 *   bool    true or false
 *
 * A required field must be there and not empty; a label the version does
 * not define is refused; null is "not given".  The checked object is
 * written back as JSON in the order of the definitions.
 */
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "secretariat/secretariat.h"

/* Is s a date "YYYY-MM-DD" that exists? */
static bool date_ok(const char *s)
{
	unsigned y, m, d;
	char tail;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3)
		return false;
	return y >= 1900 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= time_days_in_month(y, m);
}

static bool choice_ok(const struct odict *def, const char *s)
{
	const struct odict_entry *ch = odict_lookup(def, "choices");
	struct le *le;

	if (!ch || ch->type != ODICT_ARRAY)
		return false;
	for (le = ch->u.odict->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;

		if (e->type == ODICT_STRING && !strcmp(e->u.str, s))
			return true;
	}
	return false;
}

/* Value e of field def is right: 0, else EINVAL with why. */
static int value_check(const struct odict *def, const char *label,
		       const struct odict_entry *e, char *why, size_t sz)
{
	const char *type = odict_string(def, "type");

	if (!type)
		type = "text";
	if (!strcmp(type, "number")) {
		if (e->type == ODICT_INT || e->type == ODICT_DOUBLE)
			return 0;
		re_snprintf(why, sz, "fields.%s: must be a number", label);
		return EINVAL;
	}
	if (!strcmp(type, "bool")) {
		if (e->type == ODICT_BOOL)
			return 0;
		re_snprintf(why, sz, "fields.%s: must be true or false", label);
		return EINVAL;
	}
	if (e->type != ODICT_STRING) {
		re_snprintf(why, sz, "fields.%s: must be a string", label);
		return EINVAL;
	}
	if (!strcmp(type, "date") && !date_ok(e->u.str)) {
		re_snprintf(why, sz, "fields.%s: must be a date YYYY-MM-DD",
			    label);
		return EINVAL;
	}
	if (!strcmp(type, "choice") && !choice_ok(def, e->u.str)) {
		re_snprintf(why, sz,
			    "fields.%s: must be one of the field's "
			    "choices",
			    label);
		return EINVAL;
	}
	return 0;
}

/* Is e "not given": null or an empty string? */
static bool empty(const struct odict_entry *e)
{
	return !e || e->type == ODICT_NULL ||
	       (e->type == ODICT_STRING && !e->u.str[0]);
}

/* Is label one of the definitions defs? */
static const struct odict *def_of(const struct odict *defs, const char *label)
{
	struct le *le;

	for (le = defs ? defs->lst.head : NULL; le; le = le->next) {
		const struct odict_entry *e = le->data;
		const char *l;

		if (e->type != ODICT_OBJECT)
			continue;
		l = odict_string(e->u.odict, "label");
		if (l && !strcmp(l, label))
			return e->u.odict;
	}
	return NULL;
}

int secr_note_fields_check(const struct store_profile_version *v,
			   const struct odict *fields, char *out, size_t outsz,
			   char *why, size_t sz)
{
	struct odict *doc = NULL, *norm = NULL;
	const struct odict *defs = NULL;
	const struct odict_entry *de;
	struct le *le;
	int err, n;

	if (!out || !outsz || !why || !sz)
		return EINVAL;
	why[0] = '\0';
	if (v) {
		err = profile_settings(&doc, v);
		if (err)
			return err;
		de = odict_lookup(doc, "note_fields");
		if (de && de->type == ODICT_ARRAY)
			defs = de->u.odict;
	}

	/* every field given is defined */
	for (le = fields ? fields->lst.head : NULL; le; le = le->next) {
		const struct odict_entry *e = le->data;

		if (!def_of(defs, e->key)) {
			re_snprintf(why, sz,
				    "fields.%s: no such field in the client's "
				    "profile version",
				    e->key);
			err = EINVAL;
			goto out;
		}
	}

	err = odict_alloc(&norm, 16);
	if (err)
		goto out;
	for (le = defs ? defs->lst.head : NULL; le; le = le->next) {
		const struct odict_entry *d = le->data, *e;
		const char *label;
		bool req = false;

		if (d->type != ODICT_OBJECT)
			continue;
		label = odict_string(d->u.odict, "label");
		if (!label)
			continue;
		(void)odict_get_boolean(d->u.odict, &req, "required");
		e = fields ? odict_lookup(fields, label) : NULL;
		if (empty(e)) {
			if (req) {
				re_snprintf(why, sz, "fields.%s: is required",
					    label);
				err = EINVAL;
				goto out;
			}
			continue;
		}
		err = value_check(d->u.odict, label, e, why, sz);
		if (err)
			goto out;
		switch (e->type) {
		case ODICT_STRING:
			err = odict_entry_add(norm, label, ODICT_STRING,
					      e->u.str);
			break;
		case ODICT_INT:
			err = odict_entry_add(norm, label, ODICT_INT,
					      e->u.integer);
			break;
		case ODICT_DOUBLE:
			err = odict_entry_add(norm, label, ODICT_DOUBLE,
					      e->u.dbl);
			break;
		default:
			err = odict_entry_add(norm, label, ODICT_BOOL,
					      e->u.boolean);
			break;
		}
		if (err)
			goto out;
	}

	n = re_snprintf(out, outsz, "%H", json_encode_odict, norm);
	if (n < 0 || (size_t)n >= outsz - 1) {
		re_snprintf(why, sz, "fields: too long");
		err = EINVAL;
	}
out:
	mem_deref(norm);
	mem_deref(doc);
	return err;
}
