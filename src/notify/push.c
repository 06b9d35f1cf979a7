/*
 * push.c - Web Push as a channel of the outbox: the installation's VAPID
 * key, notify_push() (one outbox row per subscription), the checks of a
 * subscription the API takes, and what the dispatcher (outbox.c) does
 * before and after an attempt of a webpush row.  The cryptography is
 * webpush.c's, the request push_send.c's; notify.h has the outcomes.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "notify/push_int.h"

static const char *const urgencies[] = {"very-low", "low", "normal", "high"};

bool notify_push_urgency_ok(const char *s)
{
	size_t i;

	for (i = 0; s && i < ARRAY_SIZE(urgencies); i++) {
		if (!strcmp(s, urgencies[i]))
			return true;
	}
	return false;
}

/* ---- the VAPID key ---------------------------------------------------- */

int push_keys_load(struct push_keys *k, struct store *st)
{
	struct store_vapid v;
	int err;

	memset(&v, 0, sizeof(v));
	memset(k, 0, sizeof(*k));

	/* a candidate: stored only if this is the installation's first */
	err = push_key_generate(k->priv, k->pub);
	if (!err)
		err = push_b64url_encode(v.private_key, sizeof(v.private_key),
					 k->priv, PUSH_PRIV_LEN);
	if (!err)
		err = push_b64url_encode(v.public_key, sizeof(v.public_key),
					 k->pub, PUSH_PUB_LEN);
	if (!err)
		err = store_vapid_init(st, &v);
	if (!err)
		err = push_b64url_decode(k->priv, PUSH_PRIV_LEN, v.private_key);
	if (!err)
		err = push_b64url_decode(k->pub, PUSH_PUB_LEN, v.public_key);
	if (!err && !push_point_ok(k->pub))
		err = EINVAL;
	if (!err)
		str_copy(k->pub_b64, v.public_key, sizeof(k->pub_b64));

	memset(&v, 0, sizeof(v));
	if (err)
		memset(k, 0, sizeof(*k));
	return err;
}

int notify_push_public_key(const struct notify *n, char *buf, size_t sz)
{
	const struct push_keys *k = n ? notify_push_keys(n) : NULL;

	if (!k || !buf || !k->pub_b64[0])
		return EINVAL;
	return str_copy(buf, k->pub_b64, sz) < sz ? 0 : EOVERFLOW;
}

/* ---- subscriptions ---------------------------------------------------- */

int notify_push_sub_check(const struct config *cfg,
			  const struct store_push_sub *s, const char **fieldp,
			  const char **whyp)
{
	uint8_t pub[PUSH_PUB_LEN], auth[PUSH_AUTH_LEN];
	char aud[300];
	const char *field = NULL, *why = NULL;
	int dest = 0;

	if (!cfg || !s)
		return EINVAL;

	if (strlen(s->endpoint) >= sizeof(s->endpoint) ||
	    push_audience(aud, sizeof(aud), s->endpoint,
			  cfg->push_allow_http) ||
	    (dest = notify_dest_check(s->endpoint, cfg->push_allow_http)) ==
		EPROTO) {
		field = "endpoint";
		why = cfg->push_allow_http ? "must be an https:// URL with a "
					     "host (http:// only to 127.0.0.1 "
					     "or [::1])"
					   : "must be an https:// URL with a "
					     "host";
	}
	else if (dest) {
		field = "endpoint";
		why = "must not be a private, loopback, link-local or "
		      "multicast address";
	}
	else if (push_b64url_decode(pub, sizeof(pub), s->p256dh) ||
		 !push_point_ok(pub)) {
		field = "keys.p256dh";
		why = "must be the base64url of an uncompressed P-256 point "
		      "(65 bytes)";
	}
	else if (push_b64url_decode(auth, sizeof(auth), s->auth)) {
		field = "keys.auth";
		why = "must be the base64url of 16 bytes";
	}

	if (fieldp)
		*fieldp = field;
	if (whyp)
		*whyp = why;
	return field ? EINVAL : 0;
}

/* ---- enqueueing ------------------------------------------------------- */

/* p checked: a JSON payload that fits, urgency and TTL. */
static bool push_ok(const struct notify_push *p)
{
	struct odict *o = NULL;
	size_t n;
	int err;

	if (!p || p->tenant_id <= 0 || !p->payload ||
	    (p->urgency && !notify_push_urgency_ok(p->urgency)) ||
	    p->ttl > NOTIFY_PUSH_TTL_MAX)
		return false;
	n = strlen(p->payload);
	if (n < 2 || n > NOTIFY_PUSH_MAX || p->payload[0] != '{' ||
	    p->payload[n - 1] != '}')
		return false;

	/* a JSON object: what a service worker's event.data.json() reads
	 * (libre's decoder alone would take a bare word) */
	err = json_decode_odict(&o, 8, p->payload, n, 8);
	mem_deref(o);
	return !err;
}

/* The outbox row of p to subscription s into o. */
static void row_of(struct store_outbox *o, const struct notify_push *p,
		   const struct store_push_sub *s)
{
	memset(o, 0, sizeof(*o));
	o->tenant_id = s->tenant_id;
	o->channel = STORE_CHANNEL_WEBPUSH;
	str_copy(o->body, p->payload, sizeof(o->body));
	o->push.subscription_id = s->id;
	str_copy(o->push.urgency, p->urgency ? p->urgency : "normal",
		 sizeof(o->push.urgency));
	o->push.ttl = p->ttl;
}

/* Enqueue p to s; its outbox id into *idp (may be NULL). */
static int enqueue(struct notify *n, const struct notify_push *p,
		   const struct store_push_sub *s, int64_t *idp)
{
	struct store_outbox *o;
	int err;

	o = mem_zalloc(sizeof(*o), NULL);
	if (!o)
		return ENOMEM;
	row_of(o, p, s);
	err = store_outbox_add(notify_store(n), o);
	if (!err) {
		info("notify: webpush %lld queued (tenant %lld, employee %lld, "
		     "subscription %lld)\n",
		     (long long)o->id, (long long)s->tenant_id,
		     (long long)s->employee_id, (long long)s->id);
		if (idp)
			*idp = o->id;
	}
	mem_deref(o);
	return err;
}

int notify_push_to(struct notify *n, int64_t subscription_id,
		   const struct notify_push *p, int64_t *idp)
{
	struct store_push_sub s;
	int err;

	if (!n || !push_ok(p) || subscription_id <= 0)
		return EINVAL;
	err = store_push_sub_get(notify_store(n), subscription_id, &s);
	if (err)
		return err;
	if (s.tenant_id != p->tenant_id)
		return ENOENT;

	err = enqueue(n, p, &s, idp);
	if (!err)
		notify_kick(n);
	return err;
}

/* The subscriptions of an employee, collected first: the rows are added
 * after the walk (a write inside a read of the same table). */
struct subs {
	struct store_push_sub *v;
	size_t n, sz;
};

static int sub_h(const struct store_push_sub *s, void *arg)
{
	struct subs *l = arg;

	if (l->n == l->sz) {
		size_t sz = l->sz ? 2 * l->sz : 4;
		struct store_push_sub *v;

		/* libre's mem_realloc() does not take NULL */
		v = l->v ? mem_realloc(l->v, sz * sizeof(*v))
			 : mem_alloc(sz * sizeof(*v), NULL);
		if (!v)
			return ENOMEM;
		l->v = v;
		l->sz = sz;
	}
	l->v[l->n++] = *s;
	return 0;
}

int notify_push(struct notify *n, const struct notify_push *p, unsigned *countp)
{
	struct store_employee e;
	struct subs l = {NULL, 0, 0};
	unsigned cnt = 0;
	size_t i;
	int err;

	if (countp)
		*countp = 0;
	if (!n || !push_ok(p) || p->employee_id <= 0)
		return EINVAL;

	err = store_employee_get(notify_store(n), p->employee_id, &e);
	if (err)
		return err;
	if (e.tenant_id != p->tenant_id)
		return EXDEV;

	err = store_push_sub_list(notify_store(n), p->tenant_id, p->employee_id,
				  sub_h, &l);
	for (i = 0; !err && i < l.n; i++) {
		err = enqueue(n, p, &l.v[i], NULL);
		if (!err)
			++cnt;
	}
	mem_deref(l.v);

	if (countp)
		*countp = cnt;
	if (cnt)
		notify_kick(n);
	return err;
}

/* ---- the dispatcher's part -------------------------------------------- */

int push_conf_make(struct push_conf *conf, const struct config *cfg,
		   struct store *st, const struct push_keys *k,
		   const struct store_outbox *o)
{
	struct store_push_sub s;
	int err;

	memset(conf, 0, sizeof(*conf));
	err = store_push_sub_get(st, o->push.subscription_id, &s);
	if (err)
		return err;

	str_copy(conf->endpoint, s.endpoint, sizeof(conf->endpoint));
	err = push_b64url_decode(conf->ua_pub, PUSH_PUB_LEN, s.p256dh);
	if (!err)
		err = push_b64url_decode(conf->auth, PUSH_AUTH_LEN, s.auth);
	if (err)
		return EINVAL;
	memcpy(conf->vapid_priv, k->priv, PUSH_PRIV_LEN);
	memcpy(conf->vapid_pub, k->pub, PUSH_PUB_LEN);
	str_copy(conf->subject, cfg->push_subject, sizeof(conf->subject));
	conf->allow_http = cfg->push_allow_http;
	return 0;
}

void push_after(struct store *st, const struct push_conf *conf,
		const struct store_outbox *o)
{
	int err;

	if (conf->status != 404 && conf->status != 410)
		return;

	err = store_push_sub_delete(st, o->push.subscription_id);
	if (!err)
		info("notify: webpush %lld: the push service says "
		     "subscription %lld is gone (HTTP %ld): deleted\n",
		     (long long)o->id, (long long)o->push.subscription_id,
		     conf->status);
	else if (err != ENOENT)
		warning("notify: webpush %lld: cannot delete subscription "
			"%lld: %m\n",
			(long long)o->id, (long long)o->push.subscription_id,
			err);
}
