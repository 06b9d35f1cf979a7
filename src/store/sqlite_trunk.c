/*
 * sqlite_trunk.c - trunks in the SQLite store: the carriers that connect
 * the system to the telephone network.
 *
 * A trunk is a tenant's own or shared by all tenants (tenant_id NULL).
 * Inbound, a request is from a trunk when its source is the trunk's host
 * and port, or a port of its range, or any port (its match; an exact port
 * wins, then a range).  Outbound, a tenant's calls try its trunks by
 * priority, its own before shared ones, then by id (call/dial.c fails
 * over from one to the next).
 * A trunk may keep a registration at its carrier (issue 7); what the
 * store keeps for it are the account and its defaults, see store.h.
 */
#include "core/core.h"
#include "store/sqlite_int.h"

enum {
	TRUNK_PORT = 5060,
	TRUNK_EXPIRES = 600, /* [s] registration asked for */
};

#define TRUNK_SELECT                                                           \
	"SELECT id, COALESCE(tenant_id, 0), name, host, port, transport,"      \
	" match_any_port, username, password, created_at, register,"           \
	" registrar, domain, auth_user, from_user, expires, priority,"         \
	" match_mode, port_min, port_max, setup_timeout, ca_file,"             \
	" tls_fingerprint, tls_name FROM trunks"

static const struct store_sql sql[] = {
    {S_TRUNK_ADD, "trunk add",
     "INSERT INTO trunks (tenant_id, name, host, port, transport,"
     " match_any_port, username, password, created_at, register,"
     " registrar, domain, auth_user, from_user, expires, priority,"
     " match_mode, port_min, port_max, setup_timeout, ca_file,"
     " tls_fingerprint, tls_name)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
     " ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23) RETURNING id"},
    {S_TRUNK_GET, "trunk get", TRUNK_SELECT " WHERE id = ?1"},
    {S_TRUNK_UPDATE, "trunk update",
     "UPDATE trunks SET tenant_id = ?2, name = ?3, host = ?4,"
     " port = ?5, transport = ?6, match_any_port = ?7,"
     " username = ?8, password = ?9, register = ?10,"
     " registrar = ?11, domain = ?12, auth_user = ?13,"
     " from_user = ?14, expires = ?15, priority = ?16,"
     " match_mode = ?17, port_min = ?18, port_max = ?19,"
     " setup_timeout = ?20, ca_file = ?21, tls_fingerprint = ?22,"
     " tls_name = ?23 WHERE id = ?1"},
    {S_TRUNK_DELETE, "trunk delete", "DELETE FROM trunks WHERE id = ?1"},
    {S_TRUNK_LIST, "trunk list", TRUNK_SELECT " ORDER BY id"},
    /* an exact port match wins over a range, a range over any port */
    {S_TRUNK_BY_SOURCE, "trunk by source",
     TRUNK_SELECT " WHERE host = ?1 AND (port = ?2"
		  " OR match_mode = 'address' OR (match_mode ="
		  " 'address_port_range' AND ?2 BETWEEN port_min AND port_max))"
		  " ORDER BY port = ?2 DESC, match_mode = 'address_port_range'"
		  " DESC, id LIMIT 1"},
    /* by priority, own trunks first (NULL sorts as "shared" after them) */
    {S_TRUNK_FOR_TENANT, "trunk for tenant",
     TRUNK_SELECT " WHERE tenant_id = ?1 OR tenant_id IS NULL"
		  " ORDER BY priority, tenant_id IS NULL, id LIMIT 1"},
    {S_TRUNK_ROUTE, "trunk route",
     TRUNK_SELECT " WHERE tenant_id = ?1 OR tenant_id IS NULL"
		  " ORDER BY priority, tenant_id IS NULL, id"},
};

const struct store_sqlset store_sql_trunk = STORE_SQLSET(sql);

#define ADD_UPD (SC_ADD | SC_UPD)

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_trunk, id),
    STORE_COL(SC_REF, ADD_UPD, store_trunk, tenant_id),
    STORE_COL(SC_TEXT, ADD_UPD, store_trunk, name),
    STORE_COL(SC_TEXT, ADD_UPD, store_trunk, host),
    STORE_COL(SC_U16, ADD_UPD, store_trunk, port),
    STORE_ENUM(ADD_UPD, store_trunk, transport, &store_names_transport),
    STORE_COL(SC_BOOL, ADD_UPD, store_trunk, match_any_port),
    STORE_COL(SC_TEXT, ADD_UPD, store_trunk, username),
    STORE_COL(SC_TEXT, ADD_UPD, store_trunk, password),
    STORE_COL(SC_U64, SC_ADD, store_trunk, created_at),
    STORE_COL(SC_BOOL, ADD_UPD, store_trunk, do_register),
    STORE_COL(SC_TEXT, ADD_UPD, store_trunk, registrar),
    STORE_COL(SC_TEXT, ADD_UPD, store_trunk, domain),
    STORE_COL(SC_TEXT, ADD_UPD, store_trunk, auth_user),
    STORE_COL(SC_TEXT, ADD_UPD, store_trunk, from_user),
    STORE_COL(SC_U32, ADD_UPD, store_trunk, expires),
    STORE_COL(SC_U32, ADD_UPD, store_trunk, priority),
    STORE_ENUM(ADD_UPD, store_trunk, match, &store_names_trunk_match),
    STORE_COL(SC_U16, ADD_UPD, store_trunk, port_min),
    STORE_COL(SC_U16, ADD_UPD, store_trunk, port_max),
    STORE_COL(SC_U32, ADD_UPD, store_trunk, setup_timeout),
    STORE_COL(SC_TEXT, ADD_UPD, store_trunk, ca_file),
    STORE_COL(SC_TEXT, ADD_UPD, store_trunk, tls_fingerprint),
    STORE_COL(SC_TEXT, ADD_UPD, store_trunk, tls_name),
};

STORE_RECORD(trunk_rec, store_trunk, store_trunk_h, cols);

/*
 * t as it is stored, in *v: port 0 means 5060 and expires 0 means 600;
 * match_any_port with the default match means "address", and then
 * match_any_port follows match, and a range is kept for PORT_RANGE only.
 * False for a transport or match outside the enum, a trunk without host,
 * a negative tenant id, a range that is none (0 < port_min <= port_max)
 * or a registering trunk without username (the account to register).
 */
static bool trunk_norm(struct store_trunk *v, const struct store_trunk *t)
{
	if (!t || t->tenant_id < 0 || !str_isset(t->host) ||
	    !store_names_has(&store_names_transport, (int)t->transport) ||
	    !store_names_has(&store_names_trunk_match, (int)t->match))
		return false;

	*v = *t;
	if (!v->port)
		v->port = TRUNK_PORT;
	if (!v->expires)
		v->expires = TRUNK_EXPIRES;
	if (v->match_any_port && v->match == STORE_TRUNK_MATCH_ADDRESS_PORT)
		v->match = STORE_TRUNK_MATCH_ADDRESS; /* as callers before 51 */
	v->match_any_port = v->match == STORE_TRUNK_MATCH_ADDRESS;
	if (v->match != STORE_TRUNK_MATCH_PORT_RANGE)
		v->port_min = v->port_max = 0;
	else if (!v->port_min || v->port_min > v->port_max)
		return false;

	return !v->do_register || v->username[0];
}

/* tenant_id 0: shared by all tenants; else the tenant must exist. */
int store_trunk_add(struct store *st, struct store_trunk *t)
{
	struct store_trunk v;
	int err;

	if (!st || !trunk_norm(&v, t))
		return EINVAL;

	if (!v.created_at)
		v.created_at = time_now_ms();

	err = store_row_add(st, S_TRUNK_ADD, &trunk_rec, &v);
	if (!err)
		*t = v;

	return err;
}

int store_trunk_get(struct store *st, int64_t id, struct store_trunk *t)
{
	return store_row_get(st, S_TRUNK_GET, id, &trunk_rec, t);
}

/* Every field but created_at changes, tenant_id included. */
int store_trunk_update(struct store *st, const struct store_trunk *t)
{
	struct store_trunk v;

	if (!st || !trunk_norm(&v, t) || t->id <= 0)
		return EINVAL;

	return store_row_update(st, S_TRUNK_UPDATE, &trunk_rec, &v);
}

int store_trunk_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_COUNT, S_TRUNK_DELETE, id);
}

int store_trunk_list(struct store *st, store_trunk_h *h, void *arg)
{
	return store_row_list(st, S_TRUNK_LIST, 0, &trunk_rec, (store_fn *)h,
			      arg);
}

/* Of several trunks on one host, one with exactly this port wins, then the
 * lowest id. */
int store_trunk_by_source(struct store *st, const char *ip, uint16_t port,
			  struct store_trunk *t)
{
	if (!st || !str_isset(ip) || !t)
		return EINVAL;

	return store_row_query(st, S_TRUNK_BY_SOURCE, &trunk_rec, t, NULL, NULL,
			       "sd", ip, (int)port);
}

/* tenant_id 0 finds only a shared trunk. */
int store_trunk_for_tenant(struct store *st, int64_t tenant_id,
			   struct store_trunk *t)
{
	if (!st || tenant_id < 0 || !t)
		return EINVAL;

	return store_row_query(st, S_TRUNK_FOR_TENANT, &trunk_rec, t, NULL,
			       NULL, "r", tenant_id);
}

/* The order is the statement's (S_TRUNK_ROUTE). */
int store_trunk_route(struct store *st, int64_t tenant_id, store_trunk_h *h,
		      void *arg)
{
	struct store_trunk t;

	if (!st || tenant_id < 0 || !h)
		return EINVAL;

	return store_row_query(st, S_TRUNK_ROUTE, &trunk_rec, &t, (store_fn *)h,
			       arg, "r", tenant_id);
}
