/*
 * query.c - the query strings of the lists: "?tenant_id=1&limit=10".
 * Each list names its parameters in a table (struct api_param); a name
 * that is not in it is an error, so that a typo does not silently list
 * everything.  Values are percent-decoded and read strictly: ids are
 * positive decimal integers, times ISO-8601 UTC, counts within a range.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

/* Next "name=value" of the query string in *rest; false at the end. */
static bool query_next(struct pl *rest, struct pl *name, struct pl *val)
{
	while (rest->l) {
		const char *amp = memchr(rest->p, '&', rest->l);
		struct pl part;
		const char *eq;

		part.p = rest->p;
		part.l = amp ? (size_t)(amp - rest->p) : rest->l;
		pl_advance(rest, amp ? part.l + 1 : part.l);
		if (!part.l)
			continue;

		eq = memchr(part.p, '=', part.l);
		name->p = part.p;
		name->l = eq ? (size_t)(eq - part.p) : part.l;
		val->p = eq ? eq + 1 : part.p + part.l;
		val->l = eq ? part.l - name->l - 1 : 0;
		return true;
	}
	return false;
}

static struct pl query_of(const struct api_req *req)
{
	struct pl q = req->msg->prm;

	if (q.l && q.p[0] == '?')
		pl_advance(&q, 1);
	return q;
}

bool api_pct_decode(char *buf, size_t sz, const struct pl *v)
{
	size_t i, n = 0;

	for (i = 0; i < v->l; i++) {
		char c = v->p[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= v->l)
				return false;
			hi = hexdigit(v->p[i + 1]);
			lo = hexdigit(v->p[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (!c || n + 1 >= sz)
			return false;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return true;
}

/* 400 "<name>: unknown query parameter" unless every parameter is in pv. */
static int query_check(struct api_req *req, const struct api_param *pv,
		       size_t pc)
{
	struct pl q = query_of(req), name, val;

	while (query_next(&q, &name, &val)) {
		size_t i;
		bool ok = false;

		for (i = 0; i < pc; i++) {
			if (!pl_strcmp(&name, pv[i].name)) {
				ok = true;
				break;
			}
		}
		if (!ok)
			return api_error(req, 400,
					 "%b: unknown query parameter", name.p,
					 name.l > 64 ? (size_t)64 : name.l);
	}
	return 0;
}

/* Raw value of the first parameter name. */
static bool query_raw(const struct api_req *req, const char *name,
		      struct pl *valp)
{
	struct pl q = query_of(req), n, v;

	while (query_next(&q, &n, &v)) {
		if (!pl_strcmp(&n, name)) {
			*valp = v;
			return true;
		}
	}
	return false;
}

/* The decoded value of parameter name into buf ("" if it does not
 * decode); false if absent. */
static bool query_get(const struct api_req *req, const char *name, char *buf,
		      size_t sz)
{
	struct pl v;

	if (!query_raw(req, name, &v))
		return false;
	if (!api_pct_decode(buf, sz, &v))
		buf[0] = '\0';
	return true;
}

/* Parse decimal digits only (no sign, no spaces) into *vp. */
static bool parse_u64(const char *s, uint64_t max, uint64_t *vp)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*vp = v;
	return true;
}

/* Optional positive id (0 if absent); 400 if malformed. */
static int query_id(struct api_req *req, const char *name, int64_t *idp)
{
	char buf[64];
	uint64_t v;
	bool digits;

	*idp = 0;
	if (!query_get(req, name, buf, sizeof(buf)))
		return 0;
	digits = buf[0] && strspn(buf, "0123456789") == strlen(buf);
	if (digits && !parse_u64(buf, INT64_MAX, &v))
		return api_error(req, 400, "%s: %s is too large (at most %lld)",
				 name, buf, (long long)INT64_MAX);
	if (!digits || !parse_u64(buf, INT64_MAX, &v) || v == 0)
		return api_error(req, 400, "%s: must be a positive integer",
				 name);
	*idp = (int64_t)v;
	return 0;
}

/* Optional unsigned integer from min to max (def if absent); 400
 * "<name>: must be from <min> to <max>" if malformed or out of range. */
static int query_uint(struct api_req *req, const char *name, uint32_t min,
		      uint32_t max, uint32_t def, uint32_t *vp)
{
	char buf[32];
	uint64_t v;

	*vp = def;
	if (!query_get(req, name, buf, sizeof(buf)))
		return 0;
	if (!parse_u64(buf, max, &v) || v < min)
		return api_error(req, 400, "%s: must be from %u to %u", name,
				 min, max);
	*vp = (uint32_t)v;
	return 0;
}

/* Optional ISO-8601 UTC time (0 if absent); 400 if malformed. */
static int query_time(struct api_req *req, const char *name, uint64_t *msp)
{
	char buf[48];

	*msp = 0;
	if (!query_get(req, name, buf, sizeof(buf)))
		return 0;
	if (time_iso_parse(buf, msp))
		return api_error(req, 400,
				 "%s: must be an ISO-8601 time like "
				 "2026-11-25T03:34:57.123Z",
				 name);
	return 0;
}

/* "a, b or c": the names of table en. */
static int names_print(struct re_printf *pf, void *arg)
{
	const struct store_names *en = arg;
	const char *s;
	int v, err = 0;

	for (v = 0; (s = store_names_get(en, v)) != NULL; v++) {
		if (v)
			err |= re_hprintf(
			    pf, store_names_has(en, v + 1) ? ", " : " or ");
		err |= re_hprintf(pf, "%s", s);
	}
	return err;
}

/* Optional name of en (0 if absent, else its value + 1); 400 "<name>:
 * must be a, b or c" otherwise. */
static int query_enum(struct api_req *req, const char *name,
		      const struct store_names *en, int *vp)
{
	char buf[32];
	int v;

	*vp = 0;
	if (!query_get(req, name, buf, sizeof(buf)))
		return 0;
	if (store_names_find(en, buf, &v))
		return api_error(req, 400, "%s: must be %H", name, names_print,
				 en);
	*vp = v + 1;
	return 0;
}

int api_query_read(struct api_req *req, const struct api_param *pv, size_t pc,
		   struct api_query *q)
{
	size_t i;
	int err;

	memset(q, 0, sizeof(*q));
	err = query_check(req, pv, pc);
	for (i = 0; i < pc && !err; i++) {
		const struct api_param *p = &pv[i];
		void *v = (uint8_t *)q + p->off;

		switch (p->kind) {
		case AP_ID:
			err = query_id(req, p->name, v);
			break;

		case AP_TIME:
			err = query_time(req, p->name, v);
			break;

		case AP_UINT:
			err =
			    query_uint(req, p->name, p->min, p->max, p->def, v);
			break;

		case AP_STATE:
			err = query_enum(req, p->name,
					 &store_names_outbox_state, v);
			break;

		case AP_STR: /* the handler's (api_query_str) */
			break;
		}
	}
	if (err)
		return err;
	if (q->since && q->until && q->until <= q->since)
		return api_error(req, 400, "until: must be after since");
	return 0;
}

int api_query_str(const struct api_req *req, const char *name, char *buf,
		  size_t sz)
{
	struct pl v;

	if (!req || !name || !buf || !sz)
		return -1;
	buf[0] = '\0';
	if (!query_raw(req, name, &v))
		return 0;
	return api_pct_decode(buf, sz, &v) ? 1 : -1;
}
