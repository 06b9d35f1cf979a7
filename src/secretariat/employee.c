/*
 * employee.c - the rules of a client's employees (seeds/001, Unternehmen >
 * Mitarbeiter) that are more than storage: names written either way and
 * sorted as a German phone book does (DIN 5007-2, "Müller" as
 * "Mueller"), CC lists, mobile numbers for SMS, and substitutes that
 * never go round in a circle.  The API and the CSV import both use these,
 * so a value refused by one is refused by the other.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/core.h"
#include "secretariat/secretariat.h"

/* v (mem, or NULL) resized to sz bytes; NULL on ENOMEM (v kept). */
static void *vec_grow(void *v, size_t sz)
{
	return v ? mem_realloc(v, sz) : mem_alloc(sz, NULL);
}

/* ---- names ------------------------------------------------------------ */

/* Copy the n bytes of s into buf (sz bytes) with white space trimmed and
 * each run of it made one space; false if it does not fit. */
static bool squeeze(char *buf, size_t sz, const char *s, size_t n)
{
	size_t o = 0, i;
	bool space = false;

	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)s[i])) {
			space = o > 0;
			continue;
		}
		if (o + (space ? 2 : 1) >= sz)
			return false;
		if (space)
			buf[o++] = ' ';
		space = false;
		buf[o++] = s[i];
	}
	buf[o] = '\0';
	return true;
}

int sec_name_parse(struct store_employee *e, const char *name)
{
	char first[sizeof(e->first_name)], last[sizeof(e->last_name)];
	char all[SEC_NAME_MAX + 1];
	const char *comma, *sp;
	bool sf = false;

	if (!e || !name)
		return EINVAL;
	if (!squeeze(all, sizeof(all), name, strlen(name)))
		return ENAMETOOLONG;
	if (!all[0])
		return EINVAL;

	comma = strchr(all, ',');
	if (comma) {
		if (strchr(comma + 1, ','))
			return EINVAL;
		if (!squeeze(last, sizeof(last), all, (size_t)(comma - all)) ||
		    !squeeze(first, sizeof(first), comma + 1,
			     strlen(comma + 1)))
			return ENAMETOOLONG;
		if (!last[0] || !first[0])
			return EINVAL;
		sf = true;
	}
	else {
		sp = strrchr(all, ' ');
		if (!squeeze(first, sizeof(first), all,
			     sp ? (size_t)(sp - all) : 0) ||
		    !squeeze(last, sizeof(last), sp ? sp + 1 : all,
			     strlen(sp ? sp + 1 : all)))
			return ENAMETOOLONG;
	}

	str_copy(e->first_name, first, sizeof(e->first_name));
	str_copy(e->last_name, last, sizeof(e->last_name));
	e->surname_first = sf;
	return 0;
}

void sec_name_format(char *buf, size_t sz, const struct store_employee *e)
{
	if (!buf || !sz)
		return;
	if (!e->first_name[0] || !e->last_name[0])
		re_snprintf(buf, sz, "%s%s", e->first_name, e->last_name);
	else if (e->surname_first)
		re_snprintf(buf, sz, "%s, %s", e->last_name, e->first_name);
	else
		re_snprintf(buf, sz, "%s %s", e->first_name, e->last_name);
}

/* U+00C0..U+00FF as a phone book spells them (DIN 5007-2). */
static const char *const latin1[64] = {
    "a", "a", "a",  "a", "ae", "a",  "ae", "c", "e",  "e",  "e",  "e", "i",
    "i", "i", "i",  "d", "n",  "o",  "o",  "o", "o",  "oe", "",   "o", "u",
    "u", "u", "ue", "y", "th", "ss", "a",  "a", "a",  "a",  "ae", "a", "ae",
    "c", "e", "e",  "e", "e",  "i",  "i",  "i", "i",  "d",  "n",  "o", "o",
    "o", "o", "oe", "",  "o",  "u",  "u",  "u", "ue", "y",  "th", "y",
};

/* U+0100..U+017F: the base letter; 'I' is "ij", 'O' is "oe". */
static const char latin_a[] = "aaaaaaccccccccdd"
			      "ddeeeeeeeeeegggg"
			      "gggghhhhiiiiiiii"
			      "iiIIjjkkklllllll"
			      "lllnnnnnnnnnoooo"
			      "ooOOrrrrrrssssss"
			      "ssttttttuuuuuuuu"
			      "uuuuwwyyyzzzzzzs";

/* Append s to buf at *o (sz bytes, always terminated). */
static void put(char *buf, size_t sz, size_t *o, const char *s, size_t n)
{
	while (n-- && *o + 1 < sz)
		buf[(*o)++] = *s++;
	buf[*o] = '\0';
}

void sec_name_fold(char *buf, size_t sz, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	if (!buf || !sz)
		return;
	buf[0] = '\0';
	while (p && *p) {
		unsigned cp = 0, len = 1;
		const char *r = NULL;
		char c;

		if (*p < 0x80) {
			c = (char)tolower(*p);
			if (isalnum(*p))
				put(buf, sz, &o, &c, 1);
			++p;
			continue;
		}
		if ((*p & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
			cp = ((unsigned)(*p & 0x1f) << 6) | (p[1] & 0x3f);
			len = 2;
		}
		if (cp >= 0xc0 && cp <= 0xff) {
			r = latin1[cp - 0xc0];
		}
		else if (cp >= 0x100 && cp <= 0x17f) {
			c = latin_a[cp - 0x100];
			r = c == 'I' ? "ij" : c == 'O' ? "oe" : NULL;
			if (!r) {
				put(buf, sz, &o, &c, 1);
				p += len;
				continue;
			}
		}
		if (r) {
			put(buf, sz, &o, r, strlen(r));
			p += len;
			continue;
		}
		/* another character: its bytes as they are, after a-z */
		do {
			put(buf, sz, &o, (const char *)p, 1);
			++p;
		} while ((*p & 0xc0) == 0x80);
	}
}

int sec_employee_cmp(const struct store_employee *a,
		     const struct store_employee *b)
{
	char ka[256], kb[256];
	int r;

	sec_name_fold(ka, sizeof(ka), a->last_name);
	sec_name_fold(kb, sizeof(kb), b->last_name);
	r = strcmp(ka, kb);
	if (r)
		return r;
	sec_name_fold(ka, sizeof(ka), a->first_name);
	sec_name_fold(kb, sizeof(kb), b->first_name);
	r = strcmp(ka, kb);
	if (r)
		return r;
	r = strcmp(a->last_name, b->last_name);
	if (!r)
		r = strcmp(a->first_name, b->first_name);
	if (r)
		return r;
	return (a->id > b->id) - (a->id < b->id);
}

/* The employees of a list walk, collected. */
struct emps {
	struct store_employee *v; /* (mem) */
	size_t n, cap;
};

static int collect(const struct store_employee *e, void *arg)
{
	struct emps *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		struct store_employee *v = vec_grow(l->v, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *e;
	return 0;
}

static int cmp_emp(const void *a, const void *b)
{
	return sec_employee_cmp(a, b);
}

int sec_employee_list(struct store *st, int64_t tenant_id, bool by_name,
		      store_employee_h *h, void *arg)
{
	struct emps l = {NULL, 0, 0};
	size_t i;
	int err;

	if (!st || !h)
		return EINVAL;
	if (!by_name)
		return store_employee_list(st, tenant_id, h, arg);

	err = store_employee_list(st, tenant_id, collect, &l);
	if (!err && l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_emp);
	for (i = 0; !err && i < l.n; i++)
		err = h(&l.v[i], arg);
	mem_deref(l.v);
	return err;
}

/* ---- addresses and numbers ------------------------------------------- */

bool sec_email_ok(const char *s)
{
	const char *at, *dot, *p;

	if (!s)
		return false;
	at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@'))
		return false;
	for (p = s; *p; p++) {
		if (isspace((unsigned char)*p) || strchr("<>()[],;:\"\\", *p))
			return false;
	}
	dot = strrchr(at + 1, '.');
	return dot && dot > at + 1 && dot[1] && !strstr(at, "..") &&
	       at[1] != '.';
}

int sec_cc_normalise(char *buf, size_t sz, const char *in, char *bad,
		     size_t badsz)
{
	static const char seps[] = ",; \t\r\n";
	char addr[128];
	size_t o = 0, n, count = 0;
	const char *p = in;

	if (!buf || !sz || !in)
		return EINVAL;
	buf[0] = '\0';
	for (;;) {
		p += strspn(p, seps);
		if (!*p)
			break;
		n = strcspn(p, seps);
		if (n >= sizeof(addr)) {
			if (bad)
				re_snprintf(bad, badsz, "%b", p, n);
			return EINVAL;
		}
		memcpy(addr, p, n);
		addr[n] = '\0';
		p += n;
		if (!sec_email_ok(addr)) {
			if (bad)
				str_copy(bad, addr, badsz);
			return EINVAL;
		}
		if (++count > SEC_CC_MAX || o + n + 3 > sz)
			return E2BIG;
		o += (size_t)re_snprintf(buf + o, sz - o, "%s%s", o ? ", " : "",
					 addr);
	}
	return 0;
}

int sec_mobile_normalise(char *buf, size_t sz, const char *in,
			 const struct phone_ctx *ctx)
{
	const char *p = in;

	if (!buf || !sz || !in || !ctx)
		return EINVAL;
	buf[0] = '\0';
	while (isspace((unsigned char)*p))
		++p;
	/* "+49...", "0049..." or "0170...": never a local number, which a
	 * mobile cannot be */
	if (*p != '+' && *p != '0')
		return EINVAL;
	if (phone_normalise(buf, sz, p, ctx) != PHONE_E164 ||
	    !phone_is_e164(buf)) {
		buf[0] = '\0';
		return EINVAL;
	}
	return 0;
}

void sec_tenant_ctx(const struct store_tenant *t, struct phone_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	str_copy(ctx->country, t->country_code[0] ? t->country_code : "49",
		 sizeof(ctx->country));
	str_copy(ctx->area, t->area_code, sizeof(ctx->area));
}

const char *sec_employee_conflict(const struct store_employee *e)
{
	if (e->sms && !e->mobile[0])
		return "sms";
	if (e->vip_sms && !e->mobile[0])
		return "vip_sms";
	return NULL;
}

/* ---- substitutes ------------------------------------------------------ */

static int cmp_sub(const void *a, const void *b)
{
	const struct sec_sub *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static struct sec_sub *sub_find(struct sec_sub *v, size_t n, int64_t id)
{
	struct sec_sub key = {id, 0};

	return id ? bsearch(&key, v, n, sizeof(*v), cmp_sub) : NULL;
}

/*
 * Each row has one substitute, so the rows are a functional graph: a walk
 * from any row either ends (no substitute, or one outside v) or enters a
 * cycle.  A walk marks its rows with its own number; meeting a row of the
 * same walk is a cycle, meeting one of an earlier walk is not (that walk
 * already ended or reported).  Every row is visited once.
 */
bool sec_substitute_cycle(struct sec_sub *v, size_t n, int64_t *idp)
{
	size_t *walk, i;
	bool found = false;

	if (!v || !n)
		return false;
	qsort(v, n, sizeof(*v), cmp_sub);
	walk = mem_zalloc(n * sizeof(*walk), NULL);
	if (!walk) { /* no memory: refuse, as if there were one */
		if (idp)
			*idp = v[0].id;
		return true;
	}

	for (i = 0; i < n && !found; i++) {
		struct sec_sub *s = &v[i];

		while (s && !walk[s - v]) {
			walk[s - v] = i + 1;
			s = sub_find(v, n, s->substitute_id);
		}
		if (s && walk[s - v] == i + 1) {
			found = true;
			if (idp)
				*idp = s->id;
		}
	}
	mem_deref(walk);
	return found;
}

int sec_substitute_check(struct store *st, const struct store_employee *e)
{
	struct store_employee s;
	int64_t cur;
	unsigned steps;
	int err;

	if (!st || !e)
		return EINVAL;
	if (!e->substitute_id)
		return 0;
	if (e->substitute_id == e->id)
		return ELOOP;
	err = store_employee_get(st, e->substitute_id, &s);
	if (err)
		return err;
	if (s.tenant_id != e->tenant_id)
		return EXDEV;

	/* the stored chains have no cycle, so this one ends (bounded all
	 * the same) */
	for (cur = s.substitute_id, steps = 0; cur && steps < 100000; ++steps) {
		if (cur == e->id)
			return ELOOP;
		if (store_employee_get(st, cur, &s))
			break;
		cur = s.substitute_id;
	}
	return 0;
}
