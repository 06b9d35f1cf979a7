/*
 * profile.c - a client's profile (seeds/001 "Unternehmen": greeting,
 * handling instructions, fields always asked and extra ones, FAQ, call
 * guides, order form, opening hours) as dated versions.
 *
 * Answering services fail when settings drift apart: new opening hours
 * with the old greeting.  So a change is one dated set: a version gives
 * some settings and an effective_from, and the profile in force at T is
 * the version not cancelled with the greatest effective_from <= T (ties:
 * the later created).  Each version row keeps what it gave (given) and
 * the whole profile from its time on (settings), computed by folding:
 *
 *   versions by (effective_from, version):   v1      v3      v2
 *   given:                                  {g,h}   {i}     {g}
 *   settings = given over the one before:   g1 h1   g1 h1 i3  g2 h1 i3
 *
 * A version's settings are what was in force at its time, overlaid with
 * what it gives.  A version scheduled before another scheduled one (v3
 * above, made after v2) therefore also reaches v2: its carried-over
 * settings are recomputed and rewritten in the same transaction, and so
 * are they when a scheduled version is cancelled.  Versions that have
 * taken effect are never rewritten, and no new version may take effect
 * in the past, so what an agent saw at a past moment (a call note keeps
 * the version id) stays exactly what it was.
 *
 * Opening hours live in the profile (weekly ranges shaped like a
 * schedule's, checked by route_sched_check) rather than as a reference
 * to a schedule: a schedule changes in place, which would rewrite the
 * past and break the one dated set.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/core.h"
#include "route/route.h"
#include "secretariat/secretariat.h"

const char profile_no_transfer_text[] =
    "Momentan ist niemand persönlich erreichbar. Darf ich einen Rückruf "
    "aufnehmen?";

enum pkind {
	PK_GREETING = 0,
	PK_TEXT,   /* multi-line text, "" by default            */
	PK_BOOL,   /* false by default                          */
	PK_FIELDS, /* [{label, type, required, choices}]        */
	PK_FAQ,    /* [{question, answer}]                      */
	PK_HOURS,  /* [{days, start, end}]                      */
};

/* The settings, in the order a profile lists them. */
static const struct setting {
	const char *key;
	enum pkind kind;
	size_t max; /* text: [bytes]; lists: items */
} settings[] = {
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
static const struct {
	const char *label, *type;
} fixed_fields[] = {
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
	DOC_DEPTH = 8, /* nesting of a stored profile        */
};

/* json_encode_odict as a %H printer. */
static int json_print(struct re_printf *pf, void *arg)
{
	return json_encode_odict(pf, arg);
}

/* ---- placeholders ---------------------------------------------------- */

enum ph { PH_NONE = 0, PH_FULL, PH_FIRST, PH_LAST };

/* The placeholder of the n bytes between [ and ]. */
static enum ph ph_of(const char *p, size_t n)
{
	if (n == 17 && !memcmp(p, "Vorname, Nachname", n))
		return PH_FULL;
	if (n == 7 && !memcmp(p, "Vorname", n))
		return PH_FIRST;
	if (n == 8 && !memcmp(p, "Nachname", n))
		return PH_LAST;
	return PH_NONE;
}

int profile_greeting_check(const char *greeting, char *why, size_t sz)
{
	const char *p, *q;
	unsigned found = 0;

	if (!greeting || !why)
		return EINVAL;
	for (p = strchr(greeting, '['); p; p = strchr(q, '[')) {
		q = strchr(p + 1, ']');
		if (!q)
			break; /* a lone [ is text */
		if (ph_of(p + 1, (size_t)(q - p - 1)) == PH_NONE) {
			size_t n = (size_t)(q - p - 1);

			re_snprintf(why, sz,
				    "greeting: unknown placeholder [%b]; use "
				    "[Vorname, Nachname], [Vorname] or "
				    "[Nachname]",
				    p + 1, n > 40 ? (size_t)40 : n);
			return EINVAL;
		}
		found++;
	}
	if (!found) {
		re_snprintf(why, sz,
			    "greeting: must contain the placeholder [Vorname, "
			    "Nachname] (or [Vorname] or [Nachname]) where the "
			    "agent says his name");
		return EINVAL;
	}
	return 0;
}

int profile_greeting_fill(char **outp, const char *greeting, const char *first,
			  const char *last)
{
	struct mbuf *mb;
	const char *p, *q, *s;
	int err = 0;

	if (!outp || !greeting)
		return EINVAL;
	first = first ? first : "";
	last = last ? last : "";
	mb = mbuf_alloc(strlen(greeting) + 64);
	if (!mb)
		return ENOMEM;
	for (s = greeting; (p = strchr(s, '[')) != NULL && !err; s = q + 1) {
		q = strchr(p + 1, ']');
		if (!q)
			break;
		err = mbuf_write_mem(mb, (const uint8_t *)s, (size_t)(p - s));
		switch (ph_of(p + 1, (size_t)(q - p - 1))) {
		case PH_FULL:
			err |=
			    mbuf_printf(mb, "%s%s%s", first,
					first[0] && last[0] ? " " : "", last);
			break;
		case PH_FIRST:
			err |= mbuf_write_str(mb, first);
			break;
		case PH_LAST:
			err |= mbuf_write_str(mb, last);
			break;
		case PH_NONE:
			err |= mbuf_write_mem(mb, (const uint8_t *)p,
					      (size_t)(q - p + 1));
			break;
		}
	}
	if (!err)
		err = mbuf_write_str(mb, s);
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, outp, mb->end);
	}
	mem_deref(mb);
	return err;
}

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

static int arr_alloc(struct odict **op)
{
	return odict_alloc(op, 8);
}

/* Append o to array arr (keys "0", "1", ...). */
static int arr_append(struct odict *arr, int type, ...)
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
	const struct setting *s;
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
	err = arr_alloc(&arr);
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
		err = arr_append(arr, ODICT_STRING, s);
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
		for (k = 0; k < ARRAY_SIZE(fixed_fields); k++) {
			if (!str_casecmp(label, fixed_fields[k].label))
				return bad(l->c, p,
					   "%s is always asked; choose "
					   "another label",
					   fixed_fields[k].label);
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
		err = arr_append(l->out, ODICT_OBJECT, it);
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
		err = arr_append(l->out, ODICT_OBJECT, it);
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
	err |= arr_alloc(&days);
	if (err)
		goto out;
	for (i = 0; i < 7 && !err; i++) {
		if (r->days & (1u << i))
			err = arr_append(days, ODICT_STRING, day_names[i]);
	}
	err |= odict_entry_add(it, "days", ODICT_ARRAY, days);
	re_snprintf(t, sizeof(t), "%02u:%02u", r->start / 60, r->start % 60);
	err |= odict_entry_add(it, "start", ODICT_STRING, t);
	re_snprintf(t, sizeof(t), "%02u:%02u", r->end / 60, r->end % 60);
	err |= odict_entry_add(it, "end", ODICT_STRING, t);
	if (!err)
		err = arr_append(arr, ODICT_OBJECT, it);
out:
	mem_deref(days);
	mem_deref(it);
	return err ? ENOMEM : 0;
}

/* The ranges of an hours array (as profile_given_read() left it). */
static size_t ranges_of(const struct odict *arr, struct store_sched_range *rv)
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
static int setting_read(struct chk *c, const struct setting *s,
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

	err = arr_alloc(&l.out);
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

static const struct setting *setting_find(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(settings); i++) {
		if (!strcmp(settings[i].key, key))
			return &settings[i];
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
	for (i = 0; i < ARRAY_SIZE(settings); i++) {
		const struct odict_entry *e =
		    odict_lookup(body, settings[i].key);

		if (!e)
			continue;
		err = setting_read(&c, &settings[i], e, given);
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

/* ---- folding --------------------------------------------------------- */

/* Copy entry e into o under key (containers shared: they are never
 * changed once read). */
static int entry_copy(struct odict *o, const char *key,
		      const struct odict_entry *e)
{
	switch (e->type) {
	case ODICT_STRING:
		return odict_entry_add(o, key, ODICT_STRING, e->u.str);
	case ODICT_INT:
		return odict_entry_add(o, key, ODICT_INT, e->u.integer);
	case ODICT_DOUBLE:
		return odict_entry_add(o, key, ODICT_DOUBLE, e->u.dbl);
	case ODICT_BOOL:
		return odict_entry_add(o, key, ODICT_BOOL, e->u.boolean);
	case ODICT_NULL:
		return odict_entry_add(o, key, ODICT_NULL);
	case ODICT_OBJECT:
	case ODICT_ARRAY:
		return odict_entry_add(o, key, e->type, e->u.odict);
	}
	return EINVAL;
}

/* The default of setting s into o (none for the greeting). */
static int default_add(struct odict *o, const struct setting *s)
{
	struct odict *arr = NULL;
	int err;

	switch (s->kind) {
	case PK_GREETING:
		return 0;
	case PK_TEXT:
		return odict_entry_add(o, s->key, ODICT_STRING, "");
	case PK_BOOL:
		return odict_entry_add(o, s->key, ODICT_BOOL, false);
	default:
		break;
	}
	err = arr_alloc(&arr);
	if (!err)
		err = odict_entry_add(o, s->key, ODICT_ARRAY, arr);
	mem_deref(arr);
	return err;
}

int profile_merge(struct odict **docp, const struct odict *prev,
		  const struct odict *given, char *why, size_t sz)
{
	struct odict *doc = NULL;
	size_t i;
	int err;

	if (!docp || !given || !why)
		return EINVAL;
	err = odict_alloc(&doc, 16);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(settings) && !err; i++) {
		const struct setting *s = &settings[i];
		const struct odict_entry *e = odict_lookup(given, s->key);

		if (!e && prev)
			e = odict_lookup(prev, s->key);
		err = e ? entry_copy(doc, s->key, e) : default_add(doc, s);
	}
	if (!err && !odict_lookup(doc, "greeting")) {
		re_snprintf(why, sz,
			    "greeting: is required: no version before this "
			    "one has a greeting to carry over");
		err = EINVAL;
	}
	if (err)
		mem_deref(doc);
	else
		*docp = doc;
	return err;
}

/* Entry e as JSON text {"k":...} into a new *sp ("" if e is NULL). */
static int entry_json(char **sp, const struct odict_entry *e)
{
	struct odict *o = NULL;
	int err;

	if (!e)
		return str_dup(sp, "");
	err = odict_alloc(&o, 1);
	if (!err)
		err = entry_copy(o, e->key, e);
	if (!err)
		err = re_sdprintf(sp, "%H", json_print, o);
	mem_deref(o);
	return err;
}

int profile_changed(char **sp, const struct odict *prev,
		    const struct odict *doc)
{
	struct mbuf *mb;
	size_t i;
	int err = 0;

	if (!sp || !doc)
		return EINVAL;
	mb = mbuf_alloc(64);
	if (!mb)
		return ENOMEM;
	for (i = 0; i < ARRAY_SIZE(settings) && !err; i++) {
		const char *k = settings[i].key;
		char *a = NULL, *b = NULL;

		if (!odict_lookup(doc, k))
			continue;
		err = entry_json(&a, prev ? odict_lookup(prev, k) : NULL);
		err |= entry_json(&b, odict_lookup(doc, k));
		if (!err && (!prev || strcmp(a, b)))
			err = mbuf_printf(mb, "%s%s", mb->end ? "," : "", k);
		mem_deref(a);
		mem_deref(b);
	}
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, sp, mb->end);
	}
	mem_deref(mb);
	return err;
}

static int json_read(struct odict **op, const char *s)
{
	if (!s || json_decode_odict(op, 16, s, strlen(s), DOC_DEPTH))
		return EPROTO;
	return 0;
}

int profile_settings(struct odict **op, const struct store_profile_version *v)
{
	if (!op || !v)
		return EINVAL;
	return json_read(op, v->settings);
}

/* A tenant's versions in the order they take effect. */
struct fold {
	struct store_profile_version **v; /* (refs) */
	size_t n, cap;
};

static void fold_reset(struct fold *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		mem_deref(f->v[i]);
	f->v = mem_deref(f->v);
	f->n = f->cap = 0;
}

static int fold_push(struct fold *f, struct store_profile_version *v)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		void *p = f->v ? mem_realloc(f->v, cap * sizeof(*f->v))
			       : mem_zalloc(cap * sizeof(*f->v), NULL);

		if (!p)
			return ENOMEM;
		f->v = p;
		f->cap = cap;
	}
	f->v[f->n++] = mem_ref(v);
	return 0;
}

static int collect_h(const struct store_profile_version *v, void *arg)
{
	struct store_profile_version *c = NULL;
	int err;

	if (v->cancelled_at)
		return 0;
	err = store_profile_alloc(&c);
	if (err)
		return err;
	memcpy(c, v, offsetof(struct store_profile_version, given));
	err = str_dup(&c->given, v->given);
	err |= str_dup(&c->settings, v->settings);
	err |= str_dup(&c->changed, v->changed);
	if (!err)
		err = fold_push(arg, c);
	mem_deref(c);
	return err ? ENOMEM : 0;
}

/* By effective_from, then version (a new one, version 0, last). */
static int order_cmp(const void *a, const void *b)
{
	const struct store_profile_version *x =
	    *(struct store_profile_version *const *)a;
	const struct store_profile_version *y =
	    *(struct store_profile_version *const *)b;
	int64_t vx = x->version ? x->version : INT64_MAX;
	int64_t vy = y->version ? y->version : INT64_MAX;

	if (x->effective_from != y->effective_from)
		return x->effective_from < y->effective_from ? -1 : 1;
	return vx < vy ? -1 : vx > vy;
}

/*
 * Recompute the settings and changed of the versions in f that have not
 * taken effect at now (the new one, version 0, included) by folding them
 * in order; the ones whose text changed go to rew (the new one is not
 * added).  Versions in force by now keep their stored settings.
 */
static int refold(struct fold *f, uint64_t now, struct fold *rew, char *why,
		  size_t sz)
{
	struct odict *prev = NULL, *doc = NULL, *given = NULL;
	size_t i;
	int err = 0;

	qsort(f->v, f->n, sizeof(*f->v), order_cmp);
	for (i = 0; i < f->n && !err; i++) {
		struct store_profile_version *v = f->v[i];
		char *text = NULL, *changed = NULL;

		if (v->version && v->effective_from <= now) {
			err = json_read(&doc, v->settings);
			goto next;
		}
		err = json_read(&given, v->given);
		if (!err)
			err = profile_merge(&doc, prev, given, why, sz);
		if (!err)
			err = re_sdprintf(&text, "%H", json_print, doc);
		if (!err)
			err = profile_changed(&changed, prev, doc);
		if (err)
			goto next;
		if (!v->version || strcmp(text, v->settings) ||
		    strcmp(changed, v->changed)) {
			mem_deref(v->settings);
			mem_deref(v->changed);
			v->settings = text;
			v->changed = changed;
			text = changed = NULL;
			if (v->version)
				err = fold_push(rew, v);
		}
next:
		mem_deref(text);
		mem_deref(changed);
		given = mem_deref(given);
		mem_deref(prev);
		prev = doc;
		doc = NULL;
	}
	mem_deref(prev);
	return err;
}

static int fold_load(struct store *st, int64_t tenant_id, struct fold *f)
{
	return store_profile_list(st, tenant_id, collect_h, f);
}

int profile_version_add(struct store *st, int64_t tenant_id,
			const struct odict *body, uint64_t now, const char *by,
			struct store_profile_version **vp, char *why, size_t sz)
{
	struct store_profile_change ch;
	struct store_profile_version *v = NULL;
	struct odict *given = NULL;
	struct fold f = {0}, rew = {0};
	const struct odict_entry *e;
	uint64_t from = now;
	int err;

	if (!st || tenant_id <= 0 || !body || !vp || !why)
		return EINVAL;
	err = profile_given_read(&given, body, why, sz);
	if (err)
		return err;

	e = odict_lookup(body, "effective_from");
	if (e && e->type != ODICT_NULL) {
		if (e->type != ODICT_STRING ||
		    time_iso_parse(e->u.str, &from)) {
			re_snprintf(why, sz,
				    "effective_from: must be an ISO-8601 "
				    "time like 2026-11-25T03:34:57.123Z");
			err = EINVAL;
			goto out;
		}
		if (from + PROFILE_PAST_SLACK < now) {
			re_snprintf(why, sz,
				    "effective_from: must not be in the "
				    "past: a version that took effect "
				    "cannot be changed");
			err = EINVAL;
			goto out;
		}
		if (from < now)
			from = now;
	}

	err = store_profile_alloc(&v);
	if (err)
		goto out;
	v->tenant_id = tenant_id;
	v->effective_from = from;
	v->created_at = now;
	str_copy(v->created_by, by ? by : "", sizeof(v->created_by));
	err = re_sdprintf(&v->given, "%H", json_print, given);
	err |= str_dup(&v->settings, "");
	err |= str_dup(&v->changed, "");
	if (err)
		goto out;

	err = fold_load(st, tenant_id, &f);
	if (!err)
		err = fold_push(&f, v);
	if (!err)
		err = refold(&f, now, &rew, why, sz);
	if (err)
		goto out;

	memset(&ch, 0, sizeof(ch));
	ch.add = v;
	ch.rewv = rew.v;
	ch.rewc = rew.n;
	err = store_profile_save(st, &ch);
	if (err)
		goto out;
	info("secretariat: tenant %lld: profile version %lld from %llu by "
	     "%s (%s)\n",
	     (long long)tenant_id, (long long)v->version,
	     (unsigned long long)from, v->created_by, v->changed);
	*vp = mem_ref(v);
out:
	fold_reset(&rew);
	fold_reset(&f);
	mem_deref(v);
	mem_deref(given);
	return err;
}

int profile_version_cancel(struct store *st, int64_t tenant_id, int64_t version,
			   uint64_t now, const char *by, char *why, size_t sz)
{
	struct store_profile_change ch;
	struct store_profile_version *v = NULL;
	struct fold f = {0}, rew = {0};
	size_t i;
	int err;

	if (!st || tenant_id <= 0 || version <= 0 || !why)
		return EINVAL;
	err = store_profile_get(st, tenant_id, version, &v);
	if (err)
		return err;
	if (v->cancelled_at) {
		re_snprintf(why, sz, "version %lld is cancelled already",
			    (long long)version);
		err = EBUSY;
		goto out;
	}
	if (v->effective_from <= now) {
		char t[32];

		re_snprintf(why, sz,
			    "version %lld took effect at %s; a version in "
			    "the past cannot be cancelled",
			    (long long)version,
			    time_iso(t, sizeof(t), v->effective_from));
		err = EBUSY;
		goto out;
	}

	err = fold_load(st, tenant_id, &f);
	if (err)
		goto out;
	for (i = 0; i < f.n; i++) {
		if (f.v[i]->id == v->id) {
			mem_deref(f.v[i]);
			f.v[i] = f.v[--f.n];
			break;
		}
	}
	err = refold(&f, now, &rew, why, sz);
	if (err == EINVAL)
		re_snprintf(why, sz,
			    "version %lld cannot be cancelled: a later "
			    "version takes its greeting from it",
			    (long long)version);
	if (err)
		goto out;

	memset(&ch, 0, sizeof(ch));
	ch.cancel_id = v->id;
	ch.cancel_at = now;
	ch.cancel_by = by ? by : "";
	ch.rewv = rew.v;
	ch.rewc = rew.n;
	err = store_profile_save(st, &ch);
	if (err == EBUSY)
		re_snprintf(why, sz, "version %lld took effect meanwhile",
			    (long long)version);
	if (!err)
		info("secretariat: tenant %lld: profile version %lld "
		     "cancelled by %s\n",
		     (long long)tenant_id, (long long)version, ch.cancel_by);
out:
	fold_reset(&rew);
	fold_reset(&f);
	mem_deref(v);
	return err;
}

/* ---- the agent's view ------------------------------------------------ */

/* The note fields: the fixed three, then the client's. */
static int note_fields_add(struct odict *o, const struct odict *extra)
{
	struct odict *arr = NULL, *it = NULL;
	struct le *le;
	size_t i;
	int err;

	err = arr_alloc(&arr);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(fixed_fields) && !err; i++) {
		err = odict_alloc(&it, 8);
		if (err)
			break;
		err = odict_entry_add(it, "label", ODICT_STRING,
				      fixed_fields[i].label);
		err |= odict_entry_add(it, "type", ODICT_STRING,
				       fixed_fields[i].type);
		err |= odict_entry_add(it, "required", ODICT_BOOL, true);
		err |= odict_entry_add(it, "fixed", ODICT_BOOL, true);
		err |= arr_append(arr, ODICT_OBJECT, it);
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

			err = entry_copy(it, f->key, f);
			if (!err && !strcmp(f->key, "required"))
				err = odict_entry_add(it, "fixed", ODICT_BOOL,
						      false);
		}
		err |= arr_append(arr, ODICT_OBJECT, it);
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
	err = json_read(&doc, v->settings);
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
			err = entry_copy(o, copied[i], e);
	}
	if (err)
		goto out;

	e = odict_lookup(doc, "hours");
	n = e && e->type == ODICT_ARRAY ? ranges_of(e->u.odict, rv) : 0;
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
