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
 *
 * Failover (issue 20): outbound calls try a tenant's trunks in "priority"
 * order (call/dial.c); replies show what this node saw of each since it
 * started: "out_of_rotation_until" (a carrier's Retry-After) and "stats"
 * (attempts, answered, failed, asr).  "match" says which source
 * addresses are the trunk's; "match_any_port" is the older name of
 * "match": "address", kept in step with it.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "sip/sip.h"
#include "call/call.h"
#include "node/node.h"

#define T struct store_trunk

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

static bool is_ip(const char *s)
{
	struct sa sa;

	return sa_set_str(&sa, s, 0) == 0;
}

static bool is_fingerprint(const char *s)
{
	char fp[96];

	return sip_tls_fingerprint_norm(fp, sizeof(fp), s) == 0;
}

static bool is_ca_file(const char *s)
{
	return sip_tls_ca_check(s) == 0;
}

/* A DNS name the carrier's certificate shows (no IP address: leave
 * tls_name null and the host's is checked). */
static bool is_tls_name(const char *s)
{
	return s[0] && !is_ip(s) && is_domain(s) && !strchr(s, ':') &&
	       !strchr(s, '[');
}

static const struct api_rule fingerprint_rule = {
    is_fingerprint, "must be a SHA-256 fingerprint: 64 hex digits, "
		    "optionally as 32 pairs separated by colons"};
static const struct api_rule ca_file_rule = {
    is_ca_file, "%s is not an absolute path of a readable PEM file with "
		"CA certificates"};
static const struct api_rule tls_name_rule = {
    is_tls_name, "must be a DNS name (null: the certificate must name the "
		 "host's IP address)"};

static const struct api_rule user_rule = {
    is_user, "must not contain blanks or any of @<>\":;,/?"};
static const struct api_rule domain_rule = {
    is_domain, "must be a host name or IP address"};
static const struct api_rule registrar_rule = {
    is_registrar,
    "must be a SIP URI with an IP address, like sip:192.0.2.10:5060"};
static const struct api_rule host_rule = {is_ip, "%s is not an IP address"};

static int has_password_encode(struct odict *o, const struct api_field *f,
			       const void *rec, const struct api_req *req)
{
	const T *t = rec;

	return api_add_bool(o, f->name, t->password[0] != '\0');
}

/* Is node (the writer of a stored registration) dead: no heartbeat row,
 * or one older than --node-stale-after?  A store that cannot answer says
 * nothing (not dead). */
static bool writer_dead(const struct api_req *req, const char *node)
{
	struct store_node n;
	int err;

	if (!node[0] || !strcmp(node, req->api->cfg->node_id))
		return false;
	err = store_node_get(req->api->st, node, &n);
	if (err)
		return err == ENOENT;
	return !node_alive(req->api->cfg, &n, req->now);
}

/*
 * "registration": the state of a registering trunk, else null.  The node
 * that registers it (the "trunkreg" lease holder) shows its live state;
 * every other node the state that node last wrote to the store, with
 * "node" and "updated_at" saying whose and when (past its expires_at a
 * stored binding is gone: "unregistered").  A stored state other than
 * "unregistered" whose node is dead (stale heartbeat) is "unknown": that
 * node stopped working on it, and the next holder has not written its
 * own yet.
 */
static int registration_encode(struct odict *o, const struct api_field *f,
			       const void *rec, const struct api_req *req)
{
	const T *t = rec;
	struct sip_trunkreg_status s;
	struct store_trunk_reg r;
	struct odict *d;
	const char *state;
	bool stored;
	int err;

	if (!t->do_register)
		return odict_entry_add(o, f->name, ODICT_NULL);
	memset(&r, 0, sizeof(r));
	stored = !store_trunk_reg_get(req->api->st, t->id, &r);
	if (!sipsrv_trunkreg_status(t->id, &s)) {
		str_copy(r.node, req->api->cfg->node_id, sizeof(r.node));
	}
	else if (stored) { /* another node registers it */
		memset(&s, 0, sizeof(s));
		(void)sipsrv_trunkreg_state_parse(r.state, &s.state);
		s.code = r.code;
		str_copy(s.reason, r.reason, sizeof(s.reason));
		s.expires_at = r.expires_at;
		s.retry_at = r.retry_at;
		s.failures = r.failures;
		if (s.state == TRUNKREG_REGISTERED && req->now >= s.expires_at)
			s.state = TRUNKREG_UNREGISTERED;
	}
	else { /* nobody registers it (yet) */
		memset(&s, 0, sizeof(s));
		s.state = TRUNKREG_UNREGISTERED;
	}
	state = sipsrv_trunkreg_state_name(s.state);
	if (stored && s.state != TRUNKREG_UNREGISTERED &&
	    writer_dead(req, r.node))
		state = "unknown";
	err = odict_alloc(&d, 12);
	if (err)
		return err;
	err |= api_add_str(d, "state", state);
	err |= api_add_id(d, "code", s.code);
	err |= api_add_str_or_null(d, "reason", s.reason);
	err |= api_add_time(d, "expires_at", s.expires_at);
	err |= api_add_time(d, "retry_at", s.retry_at);
	err |= api_add_int(d, "failures", s.failures);
	err |= api_add_str_or_null(d, "node", r.node);
	err |= api_add_time(d, "updated_at", stored ? r.updated_at : 0);
	if (!err)
		err = odict_entry_add(o, f->name, ODICT_OBJECT, d);
	mem_deref(d);
	return err ? ENOMEM : 0;
}

/* The node's live state of the trunk (call/trunk_state.c), zero if none. */
static void live_of(const struct api_req *req, const T *t,
		    struct call_trunk_state *s)
{
	memset(s, 0, sizeof(*s));
	if (req->api->calls)
		(void)call_trunk_state_get(req->api->calls, t->id, s);
}

/* "out_of_rotation_until": until when a Retry-After keeps it out, else
 * null. */
static int rotation_encode(struct odict *o, const struct api_field *f,
			   const void *rec, const struct api_req *req)
{
	struct call_trunk_state s;

	live_of(req, rec, &s);
	return api_add_time(o, f->name,
			    s.out_until > req->now ? s.out_until : 0);
}

/* "stats": {attempts, answered, failed, asr}: asr the answered share of
 * attempts in whole percent (rounded), null before the first attempt. */
static int stats_encode(struct odict *o, const struct api_field *f,
			const void *rec, const struct api_req *req)
{
	struct call_trunk_state s;
	struct odict *r;
	int err;

	live_of(req, rec, &s);
	err = odict_alloc(&r, 8);
	if (err)
		return err;
	err |= api_add_int(r, "attempts", (int64_t)s.attempts);
	err |= api_add_int(r, "answered", (int64_t)s.answered);
	err |= api_add_int(r, "failed", (int64_t)s.failed);
	if (s.attempts)
		err |= api_add_int(r, "asr",
				   (int64_t)((s.answered * 200 + s.attempts) /
					     (s.attempts * 2)));
	else
		err |= odict_entry_add(r, "asr", ODICT_NULL);
	if (!err)
		err = odict_entry_add(o, f->name, ODICT_OBJECT, r);
	mem_deref(r);
	return err ? ENOMEM : 0;
}

static const struct api_field fields[] = {
    {API_F("id", AK_INT, FF_RO), API_M(T, id)},
    {API_F("tenant_id", AK_ID, FF_NULL | FF_EARLY), API_M(T, tenant_id),
     .ref = api_ref_tenant},
    {API_F("name", AK_STR, FF_REQUIRED | FF_EARLY), API_M(T, name), .max = 63,
     .rule = &api_rule_nonempty},
    {API_F("host", AK_STR, FF_REQUIRED), API_M(T, host), .max = 63,
     .rule = &host_rule},
    {API_F("port", AK_INT, FF_EARLY), API_M(T, port), .min = 1, .max = 65535},
    {API_F("transport", AK_ENUM, 0), API_M(T, transport), .max = 7,
     .en = &store_names_transport},
    {API_F("match_any_port", AK_BOOL, 0), API_M(T, match_any_port)},
    {API_F("username", AK_STR, FF_NULL), API_M(T, username), .max = 63},
    {API_F("password", AK_STR, FF_NULL | FF_WO), API_M(T, password), .max = 63},
    {API_F("has_password", AK_BOOL, FF_RO), .encode = has_password_encode},
    {API_F("register", AK_BOOL, 0), API_M(T, do_register)},
    {API_F("registrar", AK_STR, FF_NULL), API_M(T, registrar), .max = 127,
     .rule = &registrar_rule},
    {API_F("domain", AK_STR, FF_NULL), API_M(T, domain), .max = 63,
     .rule = &domain_rule},
    {API_F("auth_user", AK_STR, FF_NULL), API_M(T, auth_user), .max = 63,
     .rule = &user_rule},
    {API_F("from_user", AK_STR, FF_NULL), API_M(T, from_user), .max = 63,
     .rule = &user_rule},
    {API_F("expires", AK_INT, 0), API_M(T, expires), .min = 30, .max = 86400,
     .unit = "seconds"},
    {API_F("ca_file", AK_STR, FF_NULL), API_M(T, ca_file), .max = 255,
     .rule = &ca_file_rule},
    {API_F("tls_fingerprint", AK_STR, FF_NULL), API_M(T, tls_fingerprint),
     .max = 95, .rule = &fingerprint_rule},
    {API_F("tls_name", AK_STR, FF_NULL), API_M(T, tls_name), .max = 63,
     .rule = &tls_name_rule},
    {API_F("registration", AK_STR, FF_RO), .encode = registration_encode},
    {API_F("priority", AK_INT, 0), API_M(T, priority), .min = 0, .max = 1000},
    {API_F("match", AK_ENUM, 0), API_M(T, match), .max = 23,
     .en = &store_names_trunk_match},
    {API_F("port_min", AK_INT, FF_NULL), API_M(T, port_min), .min = 1,
     .max = 65535},
    {API_F("port_max", AK_INT, FF_NULL), API_M(T, port_max), .min = 1,
     .max = 65535},
    {API_F("setup_timeout", AK_INT, 0), API_M(T, setup_timeout), .min = 0,
     .max = 300, .unit = "seconds"},
    {API_F("out_of_rotation_until", AK_TIME, FF_RO), .encode = rotation_encode},
    {API_F("stats", AK_STR, FF_RO), .encode = stats_encode},
    {API_F("created_at", AK_TIME, FF_RO), API_M(T, created_at)},
};

/*
 * match and match_any_port ("address") kept in step: the one given
 * decides (both: they must agree).  A range needs both ends, in order;
 * other matches take none.
 */
static int match_check(struct api_req *req, T *t, const T *old)
{
	bool any = t->match_any_port;

	if (api_has(req, "match")) {
		if (api_has(req, "match_any_port") &&
		    any != (t->match == STORE_TRUNK_MATCH_ADDRESS))
			return api_error(req, 422,
					 "match_any_port: contradicts match "
					 "%s",
					 store_trunk_match_name(t->match));
		t->match_any_port = t->match == STORE_TRUNK_MATCH_ADDRESS;
	}
	else if (api_has(req, "match_any_port")) {
		if (any)
			t->match = STORE_TRUNK_MATCH_ADDRESS;
		else if (t->match == STORE_TRUNK_MATCH_ADDRESS)
			t->match = STORE_TRUNK_MATCH_ADDRESS_PORT;
	}
	if (t->match != STORE_TRUNK_MATCH_PORT_RANGE) {
		if ((api_has(req, "port_min") && t->port_min) ||
		    (api_has(req, "port_max") && t->port_max))
			return api_error(req, 422,
					 "%s: only with match "
					 "address_port_range",
					 api_has(req, "port_min") && t->port_min
					     ? "port_min"
					     : "port_max");
		t->port_min = t->port_max = 0;
		return 0;
	}
	(void)old;
	if (!t->port_min)
		return api_error(req, 422,
				 "port_min: required with match "
				 "address_port_range");
	if (!t->port_max)
		return api_error(req, 422,
				 "port_max: required with match "
				 "address_port_range");
	if (t->port_max < t->port_min)
		return api_error(req, 422,
				 "port_max: must not be less than port_min "
				 "(%u)",
				 t->port_min);
	return 0;
}

/* A registering trunk needs the account at the carrier.  A pinned
 * fingerprint is kept in one form ("AB:CD:..."), as it is compared. */
static int trunk_check(struct api_req *req, void *rec, const void *old)
{
	T *t = rec;
	char fp[96];
	int err;

	if (t->tls_fingerprint[0] &&
	    !sip_tls_fingerprint_norm(fp, sizeof(fp), t->tls_fingerprint))
		str_copy(t->tls_fingerprint, fp, sizeof(t->tls_fingerprint));

	err = match_check(req, t, old);
	if (err)
		return err;
	if (!t->do_register)
		return 0;
	if (!t->username[0])
		return api_error(req, 422,
				 "username: required when register is true "
				 "(the account at the carrier)");
	if (!is_user(t->username))
		return api_error(req, 422, "username: %s", user_rule.why);
	return 0;
}

static void trunk_init(void *rec)
{
	T *t = rec;

	t->port = 5060;
	t->transport = STORE_TRANSPORT_UDP;
}

static int trunk_fail(struct api_req *req, int err, const void *rec)
{
	const T *t = rec;

	if (err == EEXIST)
		return api_fail(req, err, "host: a trunk for %s:%u exists",
				t->host, t->port);
	return api_fail(req, err, "trunk: %m", err);
}

/* Every change makes SIP re-read the trunks (a deleted one unregisters). */
static void trunk_after(struct api_req *req, enum api_op op, const void *rec,
			const void *old)
{
	sipsrv_trunkreg_reload();
}

API_STORE_GET(trunk_get, store_trunk_get)

API_STORE_ADD(trunk_add, store_trunk_add)

API_STORE_UPDATE(trunk_update, store_trunk_update)

/* ?tenant_id=N lists the tenant's own trunks (not the shared ones). */
struct trunk_list {
	void *arg;
	int64_t tenant_id; /* 0 = all */
};

static int trunk_h(const T *t, void *arg)
{
	struct trunk_list *tl = arg;

	if (tl->tenant_id && t->tenant_id != tl->tenant_id)
		return 0;
	return api_list_rec(t, tl->arg);
}

static int trunk_list(struct api_req *req, const struct api_query *q, void *arg)
{
	struct trunk_list tl = {arg, q->tenant_id};

	return store_trunk_list(req->api->st, trunk_h, &tl);
}

static int trunk_print(struct re_printf *pf, void *rec)
{
	const T *t = rec;

	return re_hprintf(pf, "%s %s:%u", store_transport_name(t->transport),
			  t->host, t->port);
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
};

const struct api_resource api_trunks = {
    .path = "/api/v1/trunks",
    .noun = "trunk",
    .label = "trunk",
    API_FIELDS(fields),
    API_PARAMS(params),
    API_RECORD(T),
    .tenant_off = offsetof(T, tenant_id),
    .get = trunk_get,
    .add = trunk_add,
    .update = trunk_update,
    .del = store_trunk_delete,
    .list = trunk_list,
    .init = trunk_init,
    .check = trunk_check,
    .fail = trunk_fail,
    .after = trunk_after,
    .print = trunk_print,
};
