/*
 * api_trunks.c - /api/v1/trunks: SIP carriers we exchange calls with.  A
 * trunk is either a tenant's own (tenant_id) or shared by all tenants
 * (tenant_id null).  Its host is an IP address, because inbound calls are
 * recognised by source address.  The password (for carriers that challenge
 * us) is write-only: replies show only "has_password".
 *
 * A trunk with "register": true keeps a registration at its carrier
 * (sip/trunkreg.c); every change here makes SIP re-read the trunks, and
 * replies show the live state as "registration" (null for IP trunks).
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "sip/sip.h"

enum {
	EXPIRES_MIN = 30,    /* [s] */
	EXPIRES_MAX = 86400, /* [s] */
};

static const struct api_field fields[] = {
    {"id", FT_INT, FF_RO, 0},
    {"tenant_id", FT_INT, FF_NULL, 0},
    {"name", FT_STR, FF_REQUIRED, 63},
    {"host", FT_STR, FF_REQUIRED, 63},
    {"port", FT_INT, 0, 0},
    {"transport", FT_STR, 0, 7},
    {"match_any_port", FT_BOOL, 0, 0},
    {"username", FT_STR, FF_NULL, 63},
    {"password", FT_STR, FF_NULL, 63},
    {"has_password", FT_BOOL, FF_RO, 0},
    {"register", FT_BOOL, 0, 0},
    {"registrar", FT_STR, FF_NULL, 127},
    {"domain", FT_STR, FF_NULL, 63},
    {"auth_user", FT_STR, FF_NULL, 63},
    {"from_user", FT_STR, FF_NULL, 63},
    {"expires", FT_INT, 0, 0},
    {"registration", FT_STR, FF_RO, 0},
    {"created_at", FT_STR, FF_RO, 0},
};

/* "registration": the live state of a registering trunk, else null. */
static int registration_add(struct odict *o, const struct store_trunk *t)
{
	struct sip_trunkreg_status s;
	struct odict *r;
	int err;

	if (!t->do_register)
		return odict_entry_add(o, "registration", ODICT_NULL);
	if (sipsrv_trunkreg_status(t->id, &s)) {
		memset(&s, 0, sizeof(s)); /* SIP not running */
		s.state = TRUNKREG_UNREGISTERED;
	}
	err = odict_alloc(&r, 8);
	if (err)
		return err;
	err |= api_add_str(r, "state", sipsrv_trunkreg_state_name(s.state));
	if (s.code)
		err |= api_add_int(r, "code", s.code);
	else
		err |= odict_entry_add(r, "code", ODICT_NULL);
	err |= api_add_str_or_null(r, "reason", s.reason);
	err |= api_add_time(r, "expires_at", s.expires_at);
	err |= api_add_time(r, "retry_at", s.retry_at);
	err |= api_add_int(r, "failures", s.failures);
	if (!err)
		err = odict_entry_add(o, "registration", ODICT_OBJECT, r);
	mem_deref(r);
	return err ? ENOMEM : 0;
}

static int trunk_encode(struct odict **op, const struct store_trunk *t)
{
	struct odict *o;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err |= api_add_int(o, "id", t->id);
	err |= api_add_id(o, "tenant_id", t->tenant_id);
	err |= api_add_str(o, "name", t->name);
	err |= api_add_str(o, "host", t->host);
	err |= api_add_int(o, "port", t->port);
	err |= api_add_str(o, "transport", store_transport_name(t->transport));
	err |= api_add_bool(o, "match_any_port", t->match_any_port);
	err |= api_add_str_or_null(o, "username", t->username);
	err |= api_add_bool(o, "has_password", t->password[0] != '\0');
	err |= api_add_bool(o, "register", t->do_register);
	err |= api_add_str_or_null(o, "registrar", t->registrar);
	err |= api_add_str_or_null(o, "domain", t->domain);
	err |= api_add_str_or_null(o, "auth_user", t->auth_user);
	err |= api_add_str_or_null(o, "from_user", t->from_user);
	err |= api_add_int(o, "expires", t->expires);
	err |= registration_add(o, t);
	err |= api_add_time(o, "created_at", t->created_at);
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

static int reply_trunk(struct api_req *req, uint16_t status,
		       const struct store_trunk *t)
{
	struct odict *o = NULL;
	int err = trunk_encode(&o, t);

	return api_reply_encoded(req, status, err, o, t->id);
}

/* A user part we put into URIs as it is: no separators or blanks. */
static bool is_user(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s <= ' ' || strchr("@<>\":;,/?", *s))
			return false;
	}
	return true;
}

/* A host name or IP address (the AOR's domain). */
static bool is_domain(const char *s)
{
	for (; *s; s++) {
		if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') ||
		      ('0' <= *s && *s <= '9') || strchr(".-:[]", *s)))
			return false;
	}
	return true;
}

/* sip:<IP>[:port][;transport=udp|tcp|tls]: we resolve no names. */
static bool is_registrar(const char *s)
{
	struct pl pl, tp;
	struct uri uri;
	struct sa sa;

	pl_set_str(&pl, s);
	if (uri_decode(&uri, &pl) || pl_strcasecmp(&uri.scheme, "sip") ||
	    pl_isset(&uri.user) || sa_set(&sa, &uri.host, uri.port))
		return false;
	if (!msg_param_decode(&uri.params, "transport", &tp) &&
	    pl_strcasecmp(&tp, "udp") && pl_strcasecmp(&tp, "tcp") &&
	    pl_strcasecmp(&tp, "tls"))
		return false;
	return true;
}

/* The fields of a registering trunk (migration 2, sip/trunkreg.c). */
static int registration_apply(struct api_req *req, struct store_trunk *t)
{
	const char *s;
	int64_t v;

	t->do_register = api_bool(req, "register", t->do_register);

	s = api_str(req, "registrar");
	if (s && s[0] && !is_registrar(s))
		return api_error(req, 422,
				 "registrar: must be a SIP URI with an IP "
				 "address, like sip:192.0.2.10:5060");
	api_str_copy(req, "registrar", t->registrar, sizeof(t->registrar));

	s = api_str(req, "domain");
	if (s && !is_domain(s))
		return api_error(req, 422,
				 "domain: must be a host name or IP address");
	api_str_copy(req, "domain", t->domain, sizeof(t->domain));

	s = api_str(req, "auth_user");
	if (s && !is_user(s))
		return api_error(req, 422,
				 "auth_user: must not contain "
				 "blanks or any of @<>\":;,/?");
	api_str_copy(req, "auth_user", t->auth_user, sizeof(t->auth_user));

	s = api_str(req, "from_user");
	if (s && !is_user(s))
		return api_error(req, 422,
				 "from_user: must not contain "
				 "blanks or any of @<>\":;,/?");
	api_str_copy(req, "from_user", t->from_user, sizeof(t->from_user));

	if (api_has(req, "expires")) {
		v = api_int(req, "expires", 0);
		if (v < EXPIRES_MIN || v > EXPIRES_MAX)
			return api_error(req, 422,
					 "expires: must be from %d to %d "
					 "seconds",
					 EXPIRES_MIN, EXPIRES_MAX);
		t->expires = (uint32_t)v;
	}

	if (t->do_register) {
		if (!t->username[0])
			return api_error(req, 422,
					 "username: required when register "
					 "is true (the account at the "
					 "carrier)");
		if (!is_user(t->username))
			return api_error(req, 422,
					 "username: must not contain blanks "
					 "or any of @<>\":;,/?");
	}
	return 0;
}

static int trunk_apply(struct api_req *req, struct store_trunk *t)
{
	struct store_tenant tenant;
	const char *s;
	struct sa sa;
	int64_t v;
	int err;

	if (api_has(req, "tenant_id")) {
		err = api_field_id(req, "tenant_id", &v);
		if (err)
			return err;
		if (v) {
			err = api_tenant_ref(req, "tenant_id", v, &tenant);
			if (err)
				return err;
		}
		t->tenant_id = v;
	}

	s = api_str(req, "name");
	if (s && !s[0])
		return api_error(req, 422, "name: must not be empty");
	api_str_copy(req, "name", t->name, sizeof(t->name));

	if (api_has(req, "port")) {
		v = api_int(req, "port", 0);
		if (v < 1 || v > 65535)
			return api_error(req, 422,
					 "port: must be from 1 to 65535");
		t->port = (uint16_t)v;
	}

	s = api_str(req, "host");
	if (s) {
		if (sa_set_str(&sa, s, t->port))
			return api_error(req, 422,
					 "host: %s is not an IP address", s);
		str_copy(t->host, s, sizeof(t->host));
	}

	s = api_str(req, "transport");
	if (s) {
		if (store_transport_parse(s, &t->transport))
			return api_error(req, 422,
					 "transport: must be udp, tcp or tls");
	}

	t->match_any_port = api_bool(req, "match_any_port", t->match_any_port);
	api_str_copy(req, "username", t->username, sizeof(t->username));
	api_str_copy(req, "password", t->password, sizeof(t->password));
	return registration_apply(req, t);
}

int api_trunk_create(struct api_req *req)
{
	struct store *st = req->api->st;
	struct store_trunk t;
	int err;

	err = api_body_check(req, fields, ARRAY_SIZE(fields), true);
	if (err)
		return err;

	memset(&t, 0, sizeof(t));
	t.port = 5060;
	t.transport = STORE_TRANSPORT_UDP;
	err = trunk_apply(req, &t);
	if (err)
		return err;

	err = store_trunk_add(st, &t);
	if (err == EEXIST)
		return api_fail(req, err, "host: a trunk for %s:%u exists",
				t.host, t.port);
	if (err)
		return api_fail(req, err, "trunk: %m", err);
	info("http: trunk %lld created (%s %s:%u)\n", (long long)t.id,
	     store_transport_name(t.transport), t.host, t.port);
	sipsrv_trunkreg_reload();

	(void)store_trunk_get(st, t.id, &t);
	return reply_trunk(req, 201, &t);
}

struct trunk_list {
	struct odict *arr;
	int64_t tenant_id; /* 0 = all */
};

static int list_h(const struct store_trunk *t, void *arg)
{
	struct trunk_list *tl = arg;
	struct odict *o = NULL;
	int err;

	if (tl->tenant_id && t->tenant_id != tl->tenant_id)
		return 0;
	err = trunk_encode(&o, t); /* before o is passed on */
	return api_list_add(tl->arr, err, o);
}

/* ?tenant_id=N lists the tenant's own trunks (not the shared ones). */
int api_trunk_list(struct api_req *req)
{
	static const char *const params[] = {"tenant_id", NULL};
	struct trunk_list tl = {NULL, 0};
	int err;

	err = api_query_check(req, params);
	if (err)
		return err;
	err = api_query_id(req, "tenant_id", &tl.tenant_id);
	if (err)
		return err;
	err = api_list_alloc(&tl.arr);
	if (err)
		return err;
	err = store_trunk_list(req->api->st, list_h, &tl);
	return api_list_done(req, err, tl.arr, "trunks");
}

int api_trunk_get(struct api_req *req)
{
	struct store_trunk t;
	int err;

	err = store_trunk_get(req->api->st, req->id, &t);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "trunk: %m", err);
	return reply_trunk(req, 200, &t);
}

int api_trunk_update(struct api_req *req)
{
	struct store *st = req->api->st;
	struct store_trunk t;
	int err;

	err = store_trunk_get(st, req->id, &t);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "trunk: %m", err);

	err = api_body_check(req, fields, ARRAY_SIZE(fields), false);
	if (err)
		return err;
	err = trunk_apply(req, &t);
	if (err)
		return err;

	err = store_trunk_update(st, &t);
	if (err == ENOENT)
		return api_not_found(req);
	if (err == EEXIST)
		return api_fail(req, err, "host: a trunk for %s:%u exists",
				t.host, t.port);
	if (err)
		return api_fail(req, err, "trunk: %m", err);
	sipsrv_trunkreg_reload();

	(void)store_trunk_get(st, t.id, &t);
	return reply_trunk(req, 200, &t);
}

int api_trunk_delete(struct api_req *req)
{
	int err;

	err = store_trunk_delete(req->api->st, req->id);
	if (err == ENOENT)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "trunk: %m", err);
	info("http: trunk %lld deleted\n", (long long)req->id);
	sipsrv_trunkreg_reload(); /* unregisters it */
	return api_reply_no_content(req);
}
