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
 *
 * This file keeps the versions (folding, adding, cancelling); what a
 * version may give is checked in profile_check.c, the greeting's
 * placeholders are in profile_greeting.c, what an agent sees in
 * profile_view.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/core.h"
#include "route/route.h"
#include "secretariat/secretariat.h"
#include "secretariat/profile_int.h"

const char profile_no_transfer_text[] =
    "Momentan ist niemand persönlich erreichbar. Darf ich einen Rückruf "
    "aufnehmen?";

/* json_encode_odict as a %H printer. */
int profile_json_print(struct re_printf *pf, void *arg)
{
	return json_encode_odict(pf, arg);
}

/* ---- folding --------------------------------------------------------- */

/* Copy entry e into o under key (containers shared: they are never
 * changed once read). */
int profile_entry_copy(struct odict *o, const char *key,
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
static int default_add(struct odict *o, const struct profile_setting *s)
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
	err = profile_arr_alloc(&arr);
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
	for (i = 0; i < profile_setting_c && !err; i++) {
		const struct profile_setting *s = &profile_setting_v[i];
		const struct odict_entry *e = odict_lookup(given, s->key);

		if (!e && prev)
			e = odict_lookup(prev, s->key);
		err = e ? profile_entry_copy(doc, s->key, e)
			: default_add(doc, s);
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
		err = profile_entry_copy(o, e->key, e);
	if (!err)
		err = re_sdprintf(sp, "%H", profile_json_print, o);
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
	for (i = 0; i < profile_setting_c && !err; i++) {
		const char *k = profile_setting_v[i].key;
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

int profile_json_read(struct odict **op, const char *s)
{
	if (!s || json_decode_odict(op, 16, s, strlen(s), PROFILE_DOC_DEPTH))
		return EPROTO;
	return 0;
}

int profile_settings(struct odict **op, const struct store_profile_version *v)
{
	if (!op || !v)
		return EINVAL;
	return profile_json_read(op, v->settings);
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
			err = profile_json_read(&doc, v->settings);
			goto next;
		}
		err = profile_json_read(&given, v->given);
		if (!err)
			err = profile_merge(&doc, prev, given, why, sz);
		if (!err)
			err = re_sdprintf(&text, "%H", profile_json_print, doc);
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
	err = re_sdprintf(&v->given, "%H", profile_json_print, given);
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
