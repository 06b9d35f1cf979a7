/*
 * profile_check.c - the settings of a client's profile (seeds/001
 * "Unternehmen") and the checking of what a version gives: texts, the
 * extra note fields and the order form, the FAQ, opening hours.  A value
 * refused names its path ("note_fields[2].label: ...").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/core.h"
#include "route/route.h"
#include "secretariat/secretariat.h"
#include "secretariat/profile_int.h"

/* The settings, in the order a profile lists them. */
const struct profile_setting profile_setting_v[] = {
    {"greeting", PK_GREETING, 1000},
    {"instructions", PK_TEXT, 4000},
    {"transfer", PK_BOOL, 0},
    {"note_fields", PK_FIELDS, 20},
    {"faq", PK_FAQ, 100},
    {"call_guide", PK_TEXT, 8000},
    {"vip_call_guide", PK_TEXT, 8000},
    {"order_form", PK_FIELDS, 30},
    {"hours", PK_HOURS, STORE_SCHED_RANGES},
};

static const char *const field_types[] = {"text", "number", "date", "choice",
					  "bool"};

/* Asked on every call note; an extra note field may not repeat them. */
const struct profile_fixed profile_fixed_v[] = {
    {"Name", "text"},
    {"Telefonnummer", "phone"},
    {"Anliegen", "text"},
};

static const char *const day_names[7] = {"mon", "tue", "wed", "thu",
					 "fri", "sat", "sun"};

enum {
	LABEL_MAX = 64,   /* [bytes] a field's label, a choice  */
	CHOICES_MAX = 30, /* choices of a field                 */
	QUESTION_MAX = 500,
	ANSWER_MAX = 2000,
};

const size_t profile_setting_c = ARRAY_SIZE(profile_setting_v);
const size_t profile_fixed_c = ARRAY_SIZE(profile_fixed_v);

/* ---- checking values ------------------------------------------------- */

/* Well-formed UTF-8 without control characters (multi: newlines and tabs
 * allowed). */
static bool text_ok(const char *s, bool multi)
{
	const uint8_t *p = (const uint8_t *)s;

	while (*p) {
		size_t n, i;
		uint32_t cp;

		if (*p < 0x20 || *p == 0x7f) {
			if (!multi || (*p != '\n' && *p != '\r' && *p != '\t'))
				return false;
			p++;
			continue;
		}
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0)
			n = 1, cp = *p & 0x1f;
		else if ((*p & 0xf0) == 0xe0)
			n = 2, cp = *p & 0x0f;
		else if ((*p & 0xf8) == 0xf0)
			n = 3, cp = *p & 0x07;
		else
			return false;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

/* Where a refusal goes: the path of the value and the buffer. */
struct chk {
	char *why;
	size_t sz;
};

static int bad(struct chk *c, const char *path, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	re_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	re_snprintf(c->why, c->sz, "%s: %s", path, msg);
	return EINVAL;
}

/* String e of path: text (multi-line if multi), min to max bytes. */
static int str_read(struct chk *c, const char *path,
		    const struct odict_entry *e, bool multi, size_t min,
		    size_t max, const char **sp)
{
	size_t n;

	if (!e)
		return bad(c, path, "is required");
	if (e->type != ODICT_STRING)
		return bad(c, path, "must be a string");
	if (!text_ok(e->u.str, multi))
		return bad(c, path,
			   "must be UTF-8 text without control "
			   "characters");
	n = strlen(e->u.str);
	if (n < min)
		return bad(c, path, "must not be empty");
	if (n > max)
		return bad(c, path, "longer than %zu characters", max);
	*sp = e->u.str;
	return 0;
}

/* The keys of item o not among keys[] are refused. */
static int keys_check(struct chk *c, const char *path, const struct odict *o,
		      const char *const *keys, size_t n)
{
	struct le *le;
	size_t i;

	for (le = o->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;

		for (i = 0; i < n && strcmp(e->key, keys[i]); i++)
			;
		if (i == n) {
			char k[33], p[80];

			str_copy(k, e->key, sizeof(k));
			re_snprintf(p, sizeof(p), "%s.%s", path, k);
			return bad(c, p, "unknown field");
		}
	}
	return 0;
}

int profile_arr_alloc(struct odict **op)
{
	return odict_alloc(op, 8);
}

/* Append o to array arr (keys "0", "1", ...). */
int profile_arr_append(struct odict *arr, int type, ...)
{
	char key[16];
	va_list ap;
	int err;

	re_snprintf(key, sizeof(key), "%zu", list_count(&arr->lst));
	va_start(ap, type);
	switch (type) {
	case ODICT_STRING:
		err = odict_entry_add(arr, key, type, va_arg(ap, const char *));
		break;
	default:
		err =
		    odict_entry_add(arr, key, type, va_arg(ap, struct odict *));
		break;
	}
	va_end(ap);
	return err;
}

/* ---- the list settings ----------------------------------------------- */

struct list_ctx {
	struct chk *c;
	const struct profile_setting *s;
	struct odict *out; /* the normalised array */
};

typedef int(item_h)(struct list_ctx *l, const char *path, const struct odict *o,
		    size_t i);

/* Each item of array e (objects only, at most s->max) through h. */
static int items_read(struct list_ctx *l, const struct odict_entry *e,
		      item_h *h)
{
	struct le *le;
	char path[48];
	size_t i = 0;
	int err;

	if (e->type != ODICT_ARRAY)
		return bad(l->c, l->s->key, "must be an array");
	if (list_count(&e->u.odict->lst) > l->s->max)
		return bad(l->c, l->s->key, "at most %zu items", l->s->max);
	for (le = e->u.odict->lst.head; le; le = le->next, i++) {
		const struct odict_entry *it = le->data;

		re_snprintf(path, sizeof(path), "%s[%zu]", l->s->key, i);
		if (it->type != ODICT_OBJECT)
			return bad(l->c, path, "must be an object");
		err = h(l, path, it->u.odict, i);
		if (err)
			return err;
	}
	return 0;
}

static bool label_taken(const struct odict *arr, const char *label)
{
	struct le *le;

	for (le = arr->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;
		const char *l = odict_string(e->u.odict, "label");

		if (l && !str_casecmp(l, label))
			return true;
	}
	return false;
}

static int choices_read(struct chk *c, const char *path,
			const struct odict_entry *e, struct odict *out)
{
	struct odict *arr = NULL;
	char p[64];
	struct le *le, *le2;
	size_t i = 0;
	int err;

	re_snprintf(p, sizeof(p), "%s.choices", path);
	if (!e || e->type != ODICT_ARRAY || !e->u.odict->lst.head)
		return bad(c, p, "must be an array of 1 to %u strings",
			   CHOICES_MAX);
	if (list_count(&e->u.odict->lst) > CHOICES_MAX)
		return bad(c, p, "at most %u choices", CHOICES_MAX);
	err = profile_arr_alloc(&arr);
	if (err)
		return err;
	for (le = e->u.odict->lst.head; le; le = le->next, i++) {
		char ip[72];
		const char *s = NULL;

		re_snprintf(ip, sizeof(ip), "%s[%zu]", p, i);
		err = str_read(c, ip, le->data, false, 1, LABEL_MAX, &s);
		if (err)
			goto out;
		for (le2 = arr->lst.head; le2; le2 = le2->next) {
			const struct odict_entry *d = le2->data;

			if (!strcmp(d->u.str, s)) {
				err = bad(c, ip, "%s is given twice", s);
				goto out;
			}
		}
		err = profile_arr_append(arr, ODICT_STRING, s);
		if (err)
			goto out;
	}
	err = odict_entry_add(out, "choices", ODICT_ARRAY, arr);
out:
	mem_deref(arr);
	return err;
}

static int field_item(struct list_ctx *l, const char *path,
		      const struct odict *o, size_t i)
{
	static const char *const keys[] = {"label", "type", "required",
					   "choices"};
	const struct odict_entry *e;
	struct odict *it = NULL;
	const char *label = NULL, *type = NULL;
	char p[64];
	bool required = false;
	size_t t, k;
	int err;

	(void)i;
	err = keys_check(l->c, path, o, keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	re_snprintf(p, sizeof(p), "%s.label", path);
	err = str_read(l->c, p, odict_lookup(o, "label"), false, 1, LABEL_MAX,
		       &label);
	if (err)
		return err;
	if (!strcmp(l->s->key, "note_fields")) {
		for (k = 0; k < profile_fixed_c; k++) {
			if (!str_casecmp(label, profile_fixed_v[k].label))
				return bad(l->c, p,
					   "%s is always asked; choose "
					   "another label",
					   profile_fixed_v[k].label);
		}
	}
	if (label_taken(l->out, label))
		return bad(l->c, p, "%s is given twice", label);

	re_snprintf(p, sizeof(p), "%s.type", path);
	e = odict_lookup(o, "type");
	for (t = 0; e && e->type == ODICT_STRING && t < ARRAY_SIZE(field_types);
	     t++) {
		if (!strcmp(e->u.str, field_types[t]))
			break;
	}
	if (!e || e->type != ODICT_STRING || t == ARRAY_SIZE(field_types))
		return bad(l->c, p,
			   "must be text, number, date, choice or bool");
	type = field_types[t];

	e = odict_lookup(o, "required");
	if (e && e->type != ODICT_BOOL) {
		re_snprintf(p, sizeof(p), "%s.required", path);
		return bad(l->c, p, "must be true or false");
	}
	required = e && e->u.boolean;

	err = odict_alloc(&it, 8);
	if (err)
		return err;
	err = odict_entry_add(it, "label", ODICT_STRING, label);
	err |= odict_entry_add(it, "type", ODICT_STRING, type);
	err |= odict_entry_add(it, "required", ODICT_BOOL, required);
	if (err)
		goto out;
	e = odict_lookup(o, "choices");
	if (!strcmp(type, "choice")) {
		err = choices_read(l->c, path, e, it);
	}
	else if (e) {
		re_snprintf(p, sizeof(p), "%s.choices", path);
		err = bad(l->c, p, "only for type choice");
	}
	if (!err)
		err = profile_arr_append(l->out, ODICT_OBJECT, it);
out:
	mem_deref(it);
	return err;
}

static int faq_item(struct list_ctx *l, const char *path, const struct odict *o,
		    size_t i)
{
	static const char *const keys[] = {"question", "answer"};
	struct odict *it = NULL;
	const char *q = NULL, *a = NULL;
	char p[64];
	int err;

	(void)i;
	err = keys_check(l->c, path, o, keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	re_snprintf(p, sizeof(p), "%s.question", path);
	err = str_read(l->c, p, odict_lookup(o, "question"), true, 1,
		       QUESTION_MAX, &q);
	if (err)
		return err;
	re_snprintf(p, sizeof(p), "%s.answer", path);
	err = str_read(l->c, p, odict_lookup(o, "answer"), true, 1, ANSWER_MAX,
		       &a);
	if (err)
		return err;
	err = odict_alloc(&it, 4);
	if (err)
		return err;
	err = odict_entry_add(it, "question", ODICT_STRING, q);
	err |= odict_entry_add(it, "answer", ODICT_STRING, a);
	if (!err)
		err = profile_arr_append(l->out, ODICT_OBJECT, it);
	mem_deref(it);
	return err;
}

/* "HH:MM" (00:00 .. 24:00) into minutes. */
static bool hhmm_parse(const char *s, uint16_t *minp)
{
	unsigned h, m;

	if (strlen(s) != 5 || s[2] != ':')
		return false;
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return false;
	h = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	m = (unsigned)(s[3] - '0') * 10 + (unsigned)(s[4] - '0');
	if (h > 24 || (h == 24 && m))
		return false;
	*minp = (uint16_t)(h * 60 + m);
	return true;
}

/* The range of hours item o (checked: keys, days, times). */
static int range_read(struct chk *c, const char *path, const struct odict *o,
		      struct store_sched_range *r)
{
	static const char *const keys[] = {"days", "start", "end"};
	static const char *const times[] = {"start", "end"};
	uint16_t *tv[] = {&r->start, &r->end};
	const struct odict_entry *e;
	struct le *le;
	char p[64];
	size_t k;
	int err;

	err = keys_check(c, path, o, keys, ARRAY_SIZE(keys));
	if (err)
		return err;
	re_snprintf(p, sizeof(p), "%s.days", path);
	e = odict_lookup(o, "days");
	if (!e || e->type != ODICT_ARRAY || !e->u.odict->lst.head)
		return bad(c, p,
			   "must be an array of mon, tue, wed, thu, "
			   "fri, sat, sun");
	r->days = 0;
	for (le = e->u.odict->lst.head; le; le = le->next) {
		const struct odict_entry *d = le->data;
		unsigned i;

		for (i = 0; i < 7; i++) {
			if (d->type == ODICT_STRING &&
			    !strcmp(d->u.str, day_names[i]))
				break;
		}
		if (i == 7)
			return bad(c, p,
				   "must be an array of mon, tue, wed, "
				   "thu, fri, sat, sun");
		r->days |= (uint8_t)(1u << i);
	}
	for (k = 0; k < ARRAY_SIZE(times); k++) {
		re_snprintf(p, sizeof(p), "%s.%s", path, times[k]);
		e = odict_lookup(o, times[k]);
		if (!e || e->type != ODICT_STRING ||
		    !hhmm_parse(e->u.str, tv[k]))
			return bad(c, p, "must be a time HH:MM");
	}
	return 0;
}

static int range_add(struct odict *arr, const struct store_sched_range *r)
{
	struct odict *it = NULL, *days = NULL;
	char t[8];
	unsigned i;
	int err;

	err = odict_alloc(&it, 4);
	err |= profile_arr_alloc(&days);
	if (err)
		goto out;
	for (i = 0; i < 7 && !err; i++) {
		if (r->days & (1u << i))
			err = profile_arr_append(days, ODICT_STRING,
						 day_names[i]);
	}
	err |= odict_entry_add(it, "days", ODICT_ARRAY, days);
	re_snprintf(t, sizeof(t), "%02u:%02u", r->start / 60, r->start % 60);
	err |= odict_entry_add(it, "start", ODICT_STRING, t);
	re_snprintf(t, sizeof(t), "%02u:%02u", r->end / 60, r->end % 60);
	err |= odict_entry_add(it, "end", ODICT_STRING, t);
	if (!err)
		err = profile_arr_append(arr, ODICT_OBJECT, it);
out:
	mem_deref(days);
	mem_deref(it);
	return err ? ENOMEM : 0;
}

/* The ranges of an hours array (as profile_given_read() left it). */
size_t profile_ranges_of(const struct odict *arr, struct store_sched_range *rv)
{
	struct chk c = {NULL, 0};
	char none[1];
	struct le *le;
	size_t n = 0;

	c.why = none;
	c.sz = sizeof(none);
	for (le = arr ? arr->lst.head : NULL; le && n < STORE_SCHED_RANGES;
	     le = le->next) {
		const struct odict_entry *e = le->data;

		if (e->type == ODICT_OBJECT &&
		    !range_read(&c, "", e->u.odict, &rv[n]))
			n++;
	}
	return n;
}

static int hours_read(struct list_ctx *l, const struct odict_entry *e)
{
	struct store_sched_range rv[STORE_SCHED_RANGES];
	struct route_sched rs;
	struct le *le;
	char path[48], msg[160];
	size_t n = 0;
	int err;

	if (e->type != ODICT_ARRAY)
		return bad(l->c, l->s->key, "must be an array");
	if (list_count(&e->u.odict->lst) > l->s->max)
		return bad(l->c, l->s->key, "at most %zu items", l->s->max);
	for (le = e->u.odict->lst.head; le; le = le->next, n++) {
		const struct odict_entry *it = le->data;

		re_snprintf(path, sizeof(path), "hours[%zu]", n);
		if (it->type != ODICT_OBJECT)
			return bad(l->c, path, "must be an object");
		err = range_read(l->c, path, it->u.odict, &rv[n]);
		if (err)
			return err;
	}
	memset(&rs, 0, sizeof(rs));
	rs.rangev = rv;
	rs.rangec = n;
	if (route_sched_check(&rs, msg, sizeof(msg))) {
		/* its text names "ranges[i]": ours are hours[i] */
		struct mbuf *mb = mbuf_alloc(sizeof(msg));
		const char *m = msg, *r;

		if (!mb)
			return ENOMEM;
		while ((r = strstr(m, "ranges[")) != NULL) {
			(void)mbuf_write_mem(mb, (const uint8_t *)m,
					     (size_t)(r - m));
			(void)mbuf_write_str(mb, "hours[");
			m = r + 7;
		}
		(void)mbuf_write_str(mb, m);
		re_snprintf(l->c->why, l->c->sz, "%b", mb->buf, mb->end);
		mem_deref(mb);
		return EINVAL;
	}
	for (n = 0, le = e->u.odict->lst.head; le; le = le->next, n++) {
		err = range_add(l->out, &rv[n]);
		if (err)
			return err;
	}
	return 0;
}

/* Setting s of entry e, checked, into out under its key. */
static int setting_read(struct chk *c, const struct profile_setting *s,
			const struct odict_entry *e, struct odict *out)
{
	struct list_ctx l = {c, s, NULL};
	const char *str = NULL;
	int err;

	switch (s->kind) {
	case PK_GREETING:
		if (e->type == ODICT_NULL)
			return bad(c, s->key, "must not be null");
		err = str_read(c, s->key, e, false, 1, s->max, &str);
		if (!err)
			err = profile_greeting_check(str, c->why, c->sz);
		if (!err)
			err = odict_entry_add(out, s->key, ODICT_STRING, str);
		return err;

	case PK_TEXT:
		if (e->type == ODICT_NULL)
			return odict_entry_add(out, s->key, ODICT_STRING, "");
		err = str_read(c, s->key, e, true, 0, s->max, &str);
		if (!err)
			err = odict_entry_add(out, s->key, ODICT_STRING, str);
		return err;

	case PK_BOOL:
		if (e->type != ODICT_BOOL)
			return bad(c, s->key, "must be true or false");
		return odict_entry_add(out, s->key, ODICT_BOOL, e->u.boolean);

	case PK_FIELDS:
	case PK_FAQ:
	case PK_HOURS:
		break;
	}

	err = profile_arr_alloc(&l.out);
	if (err)
		return err;
	if (e->type == ODICT_NULL)
		err = 0; /* null: none */
	else if (s->kind == PK_HOURS)
		err = hours_read(&l, e);
	else
		err = items_read(&l, e,
				 s->kind == PK_FAQ ? faq_item : field_item);
	if (!err)
		err = odict_entry_add(out, s->key, ODICT_ARRAY, l.out);
	mem_deref(l.out);
	return err;
}

static const struct profile_setting *setting_find(const char *key)
{
	size_t i;

	for (i = 0; i < profile_setting_c; i++) {
		if (!strcmp(profile_setting_v[i].key, key))
			return &profile_setting_v[i];
	}
	return NULL;
}

int profile_given_read(struct odict **givenp, const struct odict *body,
		       char *why, size_t sz)
{
	struct chk c = {why, sz};
	struct odict *given = NULL;
	struct le *le;
	size_t i;
	int err;

	if (!givenp || !body || !why)
		return EINVAL;
	for (le = body->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;
		char k[65];

		str_copy(k, e->key, sizeof(k));
		if (odict_lookup(body, e->key) != e) {
			re_snprintf(why, sz, "%s: given more than once", k);
			return EBADMSG;
		}
		if (strcmp(e->key, "effective_from") && !setting_find(e->key)) {
			re_snprintf(why, sz, "%s: unknown field", k);
			return EBADMSG;
		}
	}
	err = odict_alloc(&given, 16);
	if (err)
		return err;
	for (i = 0; i < profile_setting_c; i++) {
		const struct odict_entry *e =
		    odict_lookup(body, profile_setting_v[i].key);

		if (!e)
			continue;
		err = setting_read(&c, &profile_setting_v[i], e, given);
		if (err)
			goto out;
	}
	if (!given->lst.head) {
		re_snprintf(why, sz,
			    "body: a version must give at least one setting");
		err = EINVAL;
		goto out;
	}
	*givenp = given;
	given = NULL;
out:
	mem_deref(given);
	return err;
}
