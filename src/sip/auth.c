/*
 * auth.c - server-side SIP digest authentication (RFC 2617 / 3261 §22).
 *
 * libre 1.1.0 verifies a digest response but builds no challenge, so the
 * challenge and the nonce are ours.  A nonce is stateless and unique:
 *
 *     nonce = hex(issue time, 8) . hex(random, 8)
 *             . hex(MD5(secret : issue time : random))[0..15]
 *
 * so any request can be checked without a table, and an old nonce with a
 * valid MAC is answered with stale=true (the phone retries silently with
 * the same password).  The secret is the store's (server_secrets
 * "sip_nonce", made by the first node that starts on the store, never
 * logged), so every node of one store verifies the nonces of every other:
 * behind an edge that spreads requests over the nodes, the credentials
 * for one node's challenge may reach another.  A nonce we cannot verify,
 * or one issued before this process started (a previous run's: its
 * nonce-counts are forgotten, so it could be replayed), gets stale=true
 * too if the password is right, else it is a failure like a wrong
 * password.
 *
 *   Digest credentials (for our realm first)? -no-> 401/407 challenge
 *                (another scheme, e.g. Basic, is ignored: no failure)
 *   decodable?   -no-> failure
 *   blocked (guard.c; trusted pair judged alone)? -yes-> 403, unchecked
 *   our realm?   -no-> failure, challenge
 *   nonce: expired -> stale challenge; foreign -> stale if the password
 *          is right, else failure
 *   user known, password right? -no-> failure
 *   qop=auth: nc above the last accepted for this nonce? -no-> challenge
 *   accepted
 *
 * A failure is logged and counted by the guard and answered 403
 * "Forbidden" whatever the reason, so the answer tells an attacker
 * nothing about which users exist; an unknown user even costs the same
 * digest computation as a known one.
 *
 * "Address" is the client's: behind a trusted edge, the one the edge
 * names (edge.c), never the edge's own, for the guard and for the
 * trusted-binding test alike.
 *
 * Nonce-count replay (the end of this file): with qop=auth a request
 * carries nc, which the client raises for each request with one nonce.
 * We remember per nonce the highest nc accepted (in memory, forgotten
 * when the nonce expires, at most 65536 nonces) and challenge afresh
 * (stale=false) a request whose nc is not above it: a captured request
 * sent again is never accepted.  Requests without qop (RFC 2069) carry
 * no nc; only the nonce lifetime limits their replay.  The nonce-counts
 * are this node's: a request accepted by one node can be sent once more
 * to another node of the store within the nonce's lifetime (docs/
 * cluster.md).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <re.h>
#include "core/core.h"
#include "sip/sip_int.h"

enum {
	NONCE_TTL = 300, /* [s] */
	NONCE_LEN = 32,  /* hex characters */
	NC_MAX = 65536,  /* nonces remembered for replay protection */
	NC_HASH_SIZE = 1024,
};

static void nonce_make(struct sipsrv *srv, char *buf, size_t sz, uint32_t t,
		       uint32_t r)
{
	uint8_t d[16];

	md5_printf(d, "%s:%08x:%08x", srv->secret, t, r);
	re_snprintf(buf, sz, "%08x%08x%w", t, r, d, (size_t)8);
}

/* 0 valid, ESTALE expired but ours, EINVAL not ours; *tp = issue time */
static int nonce_check(struct sipsrv *srv, const struct pl *nonce, uint32_t *tp)
{
	char want[40];
	uint32_t t, r, now;

	if (nonce->l != NONCE_LEN)
		return EINVAL;
	t = pl_x32(&(struct pl){nonce->p, 8});
	r = pl_x32(&(struct pl){nonce->p + 8, 8});
	nonce_make(srv, want, sizeof(want), t, r);
	if (pl_strcmp(nonce, want))
		return EINVAL;
	*tp = t;
	if (t < srv->started) /* a previous run's: its nc are forgotten */
		return EINVAL;
	now = (uint32_t)(time_now_ms() / 1000);
	if (now - t > NONCE_TTL)
		return ESTALE;
	return 0;
}

static void challenge(struct sipsrv *srv, const struct sip_msg *msg, bool proxy,
		      bool stale)
{
	char nonce[40];

	nonce_make(srv, nonce, sizeof(nonce), (uint32_t)(time_now_ms() / 1000),
		   rand_u32());
	(void)sip_treplyf(NULL, NULL, srv->sip, msg, false, proxy ? 407 : 401,
			  proxy ? "Proxy Authentication Required"
				: "Unauthorized",
			  "%s: Digest realm=\"%s\", nonce=\"%s\", "
			  "qop=\"auth\", algorithm=MD5%s\r\n"
			  "Content-Length: 0\r\n\r\n",
			  proxy ? "Proxy-Authenticate" : "WWW-Authenticate",
			  srv->cfg->realm, nonce, stale ? ", stale=true" : "");
}

static int hex2bin(uint8_t *out, size_t n, const char *hex)
{
	size_t i;

	if (strlen(hex) != 2 * n)
		return EINVAL;
	for (i = 0; i < n; i++) {
		char b[3] = {hex[2 * i], hex[2 * i + 1], 0};
		char *end;
		out[i] = (uint8_t)strtoul(b, &end, 16);
		if (*end)
			return EINVAL;
	}
	return 0;
}

/* What to answer; sipauth_check() turns it into the reply. */
enum verdict {
	AUTH_OK = 0,
	AUTH_CHALLENGE,
	AUTH_STALE,
	AUTH_FORBIDDEN,
};

/* One request being authenticated. */
struct authreq {
	struct sipsrv *srv;
	const struct sip_msg *msg;
	struct httpauth_digest_resp r;
	char user[64];            /* r.username, "" if undecodable      */
	struct store_device *dev; /* filled when known                 */
	bool known;               /* user is a device                   */
	bool trust_done;          /* who.trusted is computed            */
	bool screened;            /* the guard has been asked           */
	struct sa src;            /* the client: msg->src, or behind the
				     edge the address it names (edge.c) */
	struct guard_who who;
};

struct trust_ctx {
	char src[64];   /* ip:port of the request     */
	const char *tp; /* its transport, "UDP" ...   */
	bool found;
};

static int trust_h(const struct store_registration *r, void *arg)
{
	struct trust_ctx *t = arg;

	if (!strcmp(r->received, t->src) && !str_casecmp(r->transport, t->tp))
		t->found = true;
	return 0;
}

/* Trusted: from the exact ip:port and transport of an unexpired binding
 * of the device it authenticates as.  A store error means untrusted. */
static void trust(struct authreq *a)
{
	struct trust_ctx t;

	if (a->trust_done)
		return;
	a->trust_done = true;
	if (!a->known)
		return;
	re_snprintf(t.src, sizeof(t.src), "%J", &a->src);
	t.tp = sip_transp_name(a->msg->tp);
	t.found = false;
	if (store_reg_list(a->srv->st, a->dev->id, time_now_ms(), trust_h, &t))
		return;
	a->who.trusted = t.found;
}

/* True if a block refuses the request (the guard logged it). */
static bool blocked(struct authreq *a)
{
	struct guard *g = a->srv->guard;

	if (a->screened)
		return false;
	a->screened = true;
	if (!guard_active(g, &a->src, a->user))
		return false;
	trust(a);
	return guard_refuse(g, &a->who);
}

static enum verdict fail(struct authreq *a, const char *why)
{
	if (blocked(a))
		return AUTH_FORBIDDEN;
	trust(a);
	debug("auth: %J: %r %r: %s\n", &a->src, &a->msg->met, &a->msg->ruri,
	      why);
	guard_failure(a->srv->guard, &a->who, why);
	return AUTH_FORBIDDEN;
}

/* 0 right, EAUTH wrong, ENOENT unknown user, EINVAL no usable HA1 */
static int password_check(struct authreq *a)
{
	static const uint8_t none[16];
	uint8_t ha1[16];

	if (!a->known) {
		/* the same work as for a known user */
		(void)httpauth_digest_response_auth(&a->r, &a->msg->met, none);
		return ENOENT;
	}
	if (hex2bin(ha1, sizeof(ha1), a->dev->ha1))
		return EINVAL;
	if (httpauth_digest_response_auth(&a->r, &a->msg->met, ha1))
		return EAUTH;
	return 0;
}

static enum verdict verify(struct authreq *a, const struct sip_hdr *hdr)
{
	struct sipsrv *srv = a->srv;
	uint32_t t = 0;
	int err, pw;

	if (httpauth_digest_response_decode(&a->r, &hdr->val))
		return fail(a, "malformed credentials");
	str_from_pl(a->user, sizeof(a->user), &a->r.username);
	a->known = a->r.username.l < sizeof(a->user) &&
		   !store_device_by_username(srv->st, a->user, a->dev);

	if (blocked(a))
		return AUTH_FORBIDDEN;
	if (pl_strcmp(&a->r.realm, srv->cfg->realm)) {
		(void)fail(a, "foreign realm");
		return AUTH_CHALLENGE;
	}

	err = nonce_check(srv, &a->r.nonce, &t);
	if (err == ESTALE)
		return AUTH_STALE;
	pw = password_check(a);
	if (err)
		return pw ? fail(a, "foreign nonce") : AUTH_STALE;
	if (pw == ENOENT)
		return fail(a, "unknown user");
	if (pw == EINVAL)
		return fail(a, "device without credentials");
	if (pw)
		return fail(a, "wrong password");

	if (!pl_isset(&a->r.qop))
		return AUTH_OK;
	err = sipauth_nc_use(srv->nc, &a->r.nonce, pl_x32(&a->r.nc),
			     ((uint64_t)t + NONCE_TTL + 1) * 1000);
	if (err == EALREADY) {
		info("auth: %J: nonce-count %r of user '%s' replayed, "
		     "challenged\n",
		     &a->msg->src, &a->r.nc, a->dev->username);
		return AUTH_CHALLENGE;
	}
	if (err)
		return AUTH_STALE; /* forgotten nonce (or ENOMEM): new one */
	return AUTH_OK;
}

/* The auth-scheme of a credentials header value ("Digest", "Basic"). */
static struct pl cred_scheme(const struct pl *val)
{
	struct pl pl = *val;
	size_t n = 0;

	while (pl.l && (*pl.p == ' ' || *pl.p == '\t')) {
		++pl.p;
		--pl.l;
	}
	while (n < pl.l && pl.p[n] != ' ' && pl.p[n] != '\t' &&
	       pl.p[n] != '\r' && pl.p[n] != '\n')
		++n;
	pl.l = n;
	return pl;
}

struct cred_pick {
	const char *realm;
	const struct sip_hdr *first; /* first Digest credentials        */
	const struct sip_hdr *ours;  /* first Digest ones for our realm */
};

static bool cred_pick_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
			void *arg)
{
	struct cred_pick *c = arg;
	struct pl scheme = cred_scheme(&hdr->val);
	struct pl realm;
	(void)msg;

	if (pl_strcasecmp(&scheme, "Digest"))
		return false;
	if (!c->first)
		c->first = hdr;
	if (!re_regex(hdr->val.p, hdr->val.l, "realm=\"[^\"]*\"", &realm) &&
	    !pl_strcmp(&realm, c->realm)) {
		c->ours = hdr;
		return true;
	}
	return false;
}

/*
 * The credentials to check: of the Authorization (Proxy-Authorization)
 * headers, the first Digest one for our realm, else the first Digest one
 * (a foreign realm is then a failure).  Credentials in any other scheme
 * (RFC 4475 §3.3.7: "Basic", "Bearer", "NoOneKnowsThisScheme") are no
 * attempt at our password: they are ignored, the request is challenged
 * as if it had none, and the guard counts nothing.  NULL if none.
 */
static const struct sip_hdr *cred_hdr(struct sipsrv *srv,
				      const struct sip_msg *msg, bool proxy)
{
	struct cred_pick c = {srv->cfg->realm, NULL, NULL};

	(void)sip_msg_hdr_apply(msg, true,
				proxy ? SIP_HDR_PROXY_AUTHORIZATION
				      : SIP_HDR_AUTHORIZATION,
				cred_pick_h, &c);
	return c.ours ? c.ours : c.first;
}

bool sipauth_check(struct sipsrv *srv, const struct sip_msg *msg,
		   struct store_device *dev)
{
	bool proxy = pl_strcmp(&msg->met, "REGISTER") != 0;
	const struct sip_hdr *hdr;
	struct authreq a;

	hdr = cred_hdr(srv, msg, proxy);
	if (!hdr) {
		if (sip_msg_hdr(msg, proxy ? SIP_HDR_PROXY_AUTHORIZATION
					   : SIP_HDR_AUTHORIZATION))
			debug("auth: %J: %r: credentials in an unknown "
			      "scheme, challenged\n",
			      &msg->src, &msg->met);
		challenge(srv, msg, proxy, false);
		return false;
	}

	memset(&a, 0, sizeof(a));
	a.srv = srv;
	a.msg = msg;
	a.dev = dev;
	sipedge_source(srv, msg, &a.src);
	a.who.src = &a.src;
	a.who.user = a.user;

	switch (verify(&a, hdr)) {
	case AUTH_OK:
		return true;

	case AUTH_CHALLENGE:
		challenge(srv, msg, proxy, false);
		return false;

	case AUTH_STALE:
		challenge(srv, msg, proxy, true);
		return false;

	case AUTH_FORBIDDEN:
		break;
	}
	(void)sip_treply(NULL, srv->sip, msg, 403, "Forbidden");
	return false;
}

/* The name of the nonce key among the store's server secrets. */
static const char nonce_key_name[] = "sip_nonce";

/* srv->secret: the store's, made now if this is the first node. */
static int secret_load(struct sipsrv *srv)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t rnd[32];
	char fresh[2 * sizeof(rnd) + 1];
	size_t i;
	int err;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		rand_bytes(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++) {
		fresh[2 * i] = hex[rnd[i] >> 4];
		fresh[2 * i + 1] = hex[rnd[i] & 15];
	}
	fresh[2 * sizeof(rnd)] = '\0';
	err = store_secret_ensure(srv->st, nonce_key_name, fresh, srv->secret,
				  sizeof(srv->secret));
	memset(rnd, 0, sizeof(rnd));
	memset(fresh, 0, sizeof(fresh));
	if (!err && strlen(srv->secret) < 32)
		err = EINVAL; /* too short to be a key */
	if (err)
		warning("auth: cannot read the nonce key from the store: %m\n",
			err);
	return err;
}

int sipauth_init(struct sipsrv *srv)
{
	const struct config *cfg;
	struct guard_prm prm;
	int err;

	if (!srv || !srv->cfg)
		return EINVAL;
	cfg = srv->cfg;
	srv->started = (uint32_t)(time_now_ms() / 1000);
	err = secret_load(srv);
	if (err)
		return err;
	memset(&prm, 0, sizeof(prm));
	prm.max_failures = cfg->auth_max_failures;
	prm.window = cfg->auth_window;
	prm.block = cfg->auth_block;
	err = guard_alloc(&srv->guard, &prm);
	if (err)
		return err;
	err = sipauth_nc_alloc(&srv->nc, 0);
	if (err)
		return err;
	if (prm.max_failures && prm.block)
		info("auth: %u failures in %u s block an address for %u s\n",
		     prm.max_failures, prm.window, prm.block);
	else
		info("auth: blocking after failed logins is off\n");
	return 0;
}

/* ---- nonce-count replay protection ----------------------------------- */

/*
 * Entries live in slabs of NC_SLAB, handed out in order of first use (the
 * order they expire in) and never reused; a slab is freed with its last
 * entry.  One small allocation per nonce would sit between the objects of
 * the call that brought it and outlive them by the nonce's 300 s: after a
 * load peak each of them keeps a heap page that malloc_trim() cannot give
 * back (bench/RESULTS.md, test 3: 2000 calls left 8 MiB behind).
 */
enum { NC_SLAB = 64 };

struct nc_slab;

struct nc_entry {
	struct le he;         /* in sipauth_nc.ht                        */
	struct le le;         /* in sipauth_nc.age, first use first      */
	struct nc_slab *slab; /* (weak) the slab it lives in             */
	char nonce[40];       /* as sent                                 */
	uint32_t nc;          /* highest nc accepted                     */
	uint64_t expires;     /* [ms] when the nonce expires             */
};

struct nc_slab {
	struct le le;  /* in sipauth_nc.slabs                         */
	unsigned used; /* entries handed out                          */
	unsigned live; /* of those, not forgotten yet                 */
	struct nc_entry v[NC_SLAB];
};

struct sipauth_nc {
	struct hash *ht;   /* struct nc_entry by nonce                  */
	struct list age;   /* the same entries, oldest first            */
	struct list slabs; /* struct nc_slab (owned), oldest first      */
	uint32_t count;
	uint32_t max;
	uint64_t floor; /* [ms] a nonce expiring at or before this
			     may have been forgotten to make room     */
};

static void nc_slab_destructor(void *arg)
{
	struct nc_slab *sl = arg;

	list_unlink(&sl->le);
}

static void nc_destructor(void *arg)
{
	struct sipauth_nc *t = arg;

	list_init(&t->age); /* its entries go with their slabs */
	t->ht = mem_deref(t->ht);
	list_flush(&t->slabs);
}

int sipauth_nc_alloc(struct sipauth_nc **ncp, uint32_t max)
{
	struct sipauth_nc *t;
	int err;

	if (!ncp)
		return EINVAL;
	t = mem_zalloc(sizeof(*t), nc_destructor);
	if (!t)
		return ENOMEM;
	list_init(&t->age);
	list_init(&t->slabs);
	t->max = max ? max : NC_MAX;
	err = hash_alloc(&t->ht, NC_HASH_SIZE);
	if (err) {
		mem_deref(t);
		return err;
	}
	*ncp = t;
	return 0;
}

static bool nc_cmp(struct le *le, void *arg)
{
	const struct nc_entry *e = le->data;

	return !pl_strcmp(arg, e->nonce);
}

static void nc_forget(struct sipauth_nc *t, struct nc_entry *e)
{
	struct nc_slab *sl = e->slab;

	hash_unlink(&e->he);
	list_unlink(&e->le);
	--t->count;
	if (!--sl->live)
		mem_deref(sl);
}

/* A fresh zeroed entry, in the newest slab or a new one; NULL on ENOMEM. */
static struct nc_entry *nc_entry_new(struct sipauth_nc *t)
{
	struct nc_slab *sl = list_ledata(list_tail(&t->slabs));

	if (!sl || sl->used == NC_SLAB) {
		sl = mem_zalloc(sizeof(*sl), nc_slab_destructor);
		if (!sl)
			return NULL;
		list_append(&t->slabs, &sl->le, sl);
	}
	++sl->live;
	sl->v[sl->used].slab = sl;
	return &sl->v[sl->used++];
}

void sipauth_nc_expire(struct sipauth_nc *t, uint64_t now)
{
	struct le *le;

	if (!t)
		return;
	while ((le = list_head(&t->age)) &&
	       ((struct nc_entry *)le->data)->expires <= now)
		nc_forget(t, le->data);
}

int sipauth_nc_use(struct sipauth_nc *t, const struct pl *nonce, uint32_t nc,
		   uint64_t expires)
{
	struct nc_entry *e;

	if (!t || !pl_isset(nonce) || nonce->l >= sizeof(e->nonce))
		return EINVAL;

	/* expired nonces at the old end; the rest go when they get there */
	sipauth_nc_expire(t, time_now_ms());

	e = list_ledata(
	    hash_lookup(t->ht, hash_joaat_pl(nonce), nc_cmp, (void *)nonce));
	if (e) {
		if (nc <= e->nc)
			return EALREADY;
		e->nc = nc;
		return 0;
	}
	if (!nc)
		return EALREADY;
	if (expires <= t->floor)
		return ESTALE;

	if (t->count >= t->max) {
		struct nc_entry *old = list_ledata(list_head(&t->age));

		if (old->expires > t->floor)
			t->floor = old->expires;
		nc_forget(t, old);
	}
	e = nc_entry_new(t);
	if (!e)
		return ENOMEM;
	pl_strcpy(nonce, e->nonce, sizeof(e->nonce));
	e->nc = nc;
	e->expires = expires;
	hash_append(t->ht, hash_joaat_pl(nonce), &e->he, e);
	list_append(&t->age, &e->le, e);
	++t->count;
	return 0;
}

uint32_t sipauth_nc_count(const struct sipauth_nc *t)
{
	return t ? t->count : 0;
}
