/*
 * sqlite_push.c - Web Push in the SQLite store (migration 30): employees'
 * push subscriptions, the installation's VAPID key pair, and the push
 * part of an outbox row (outbox_push: subscription, urgency, TTL), which
 * sqlite_outbox.c writes and reads with the row in the same transaction.
 *
 * The VAPID key is a row, not a file in the data directory: every node
 * of an installation reads the same database, and a subscription made
 * through one node is bound to the key the browser got from it, so all
 * nodes must sign with that one key.  An insert that does nothing on a
 * conflict and a read in one transaction make the first node's key the
 * key of all.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define PUSH_SELECT                                                            \
	"SELECT id, tenant_id, employee_id, endpoint, p256dh, auth,"           \
	" created_at FROM push_subscriptions"

static const struct store_sql sql[] = {
    {S_PUSH_ADD, "push subscription add",
     "INSERT INTO push_subscriptions (tenant_id, employee_id, endpoint,"
     " p256dh, auth, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id"},
    {S_PUSH_GET, "push subscription get", PUSH_SELECT " WHERE id = ?1"},
    {S_PUSH_FIND, "push subscription find",
     PUSH_SELECT " WHERE employee_id = ?1 AND endpoint = ?2"},
    {S_PUSH_REKEY, "push subscription rekey",
     "UPDATE push_subscriptions SET p256dh = ?2, auth = ?3 WHERE id = ?1"},
    {S_PUSH_DELETE, "push subscription delete",
     "DELETE FROM push_subscriptions WHERE id = ?1"},
    {S_PUSH_LIST, "push subscription list",
     PUSH_SELECT " WHERE (?1 = 0 OR tenant_id = ?1)"
		 " AND (?2 = 0 OR employee_id = ?2) ORDER BY id"},
    {S_VAPID_ADD, "vapid add",
     "INSERT INTO vapid_keys (id, private_key, public_key,"
     " created_at) VALUES (1, ?1, ?2, ?3) ON CONFLICT DO NOTHING"},
    {S_VAPID_GET, "vapid get",
     "SELECT private_key, public_key, created_at FROM vapid_keys"
     " WHERE id = 1"},
    {S_OUTBOX_PUSH_ADD, "outbox add",
     "INSERT INTO outbox_push (outbox_id, subscription_id, urgency, ttl)"
     " VALUES (?1, ?2, ?3, ?4)"},
    {S_OUTBOX_PUSH_GET, "outbox push",
     "SELECT subscription_id, urgency, ttl FROM outbox_push"
     " WHERE outbox_id = ?1"},
};

const struct store_sqlset store_sql_push = STORE_SQLSET(sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_push_sub, id),
    STORE_COL(SC_I64, SC_ADD, store_push_sub, tenant_id),
    STORE_COL(SC_I64, SC_ADD, store_push_sub, employee_id),
    STORE_COL(SC_TEXT, SC_ADD, store_push_sub, endpoint),
    STORE_COL(SC_TEXT, SC_ADD, store_push_sub, p256dh),
    STORE_COL(SC_TEXT, SC_ADD, store_push_sub, auth),
    STORE_COL(SC_U64, SC_ADD, store_push_sub, created_at),
};

STORE_RECORD(push_rec, store_push_sub, store_push_sub_h, cols);

static const struct store_col vapid_cols[] = {
    STORE_COL(SC_TEXT, 0, store_vapid, private_key),
    STORE_COL(SC_TEXT, 0, store_vapid, public_key),
    STORE_COL(SC_U64, 0, store_vapid, created_at),
};

/* no walks of key pairs: a handler type only to build the record */
typedef int(vapid_h)(const struct store_vapid *v, void *arg);
STORE_RECORD(vapid_rec, store_vapid, vapid_h, vapid_cols);

/* ---- subscriptions ---------------------------------------------------- */

static bool keys_set(const struct store_push_sub *s)
{
	return str_isset(s->p256dh) && str_isset(s->auth);
}

int store_push_sub_add(struct store *st, struct store_push_sub *s)
{
	int err;

	if (!st || !s || s->tenant_id <= 0 || s->employee_id <= 0 ||
	    !str_isset(s->endpoint) || !keys_set(s))
		return EINVAL;
	err = store_employee_of_tenant(st, s->employee_id, s->tenant_id);
	if (err)
		return err;
	if (!s->created_at)
		s->created_at = time_now_ms();
	return store_row_add(st, S_PUSH_ADD, &push_rec, s);
}

int store_push_sub_get(struct store *st, int64_t id, struct store_push_sub *s)
{
	return store_row_get(st, S_PUSH_GET, id, &push_rec, s);
}

int store_push_sub_find(struct store *st, int64_t employee_id,
			const char *endpoint, struct store_push_sub *s)
{
	if (!st || employee_id <= 0 || !str_isset(endpoint) || !s)
		return EINVAL;
	return store_row_query(st, S_PUSH_FIND, &push_rec, s, NULL, NULL, "is",
			       employee_id, endpoint);
}

int store_push_sub_rekey(struct store *st, const struct store_push_sub *s)
{
	int64_t n = 0;
	int err;

	if (!st || !s || s->id <= 0 || !keys_set(s))
		return EINVAL;
	err = store_run(st, S_PUSH_REKEY, EIO, &n, "iss", s->id, s->p256dh,
			s->auth);
	return err ? err : n ? 0 : ENOENT;
}

int store_push_sub_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_COUNT, S_PUSH_DELETE, id);
}

int store_push_sub_list(struct store *st, int64_t tenant_id,
			int64_t employee_id, store_push_sub_h *h, void *arg)
{
	if (!st || tenant_id < 0 || employee_id < 0 || !h)
		return EINVAL;
	return store_row_query(st, S_PUSH_LIST, &push_rec, NULL, (store_fn *)h,
			       arg, "ii", tenant_id, employee_id);
}

/* ---- the VAPID key pair ----------------------------------------------- */

static int vapid_init(struct store *st, void *arg)
{
	struct store_vapid *v = arg;
	int err;

	err = store_run(st, S_VAPID_ADD, EIO, NULL, "ssu", v->private_key,
			v->public_key, v->created_at);
	if (err)
		return err;
	return store_row_query(st, S_VAPID_GET, &vapid_rec, v, NULL, NULL, "");
}

int store_vapid_init(struct store *st, struct store_vapid *v)
{
	if (!st || !v || !str_isset(v->private_key) ||
	    !str_isset(v->public_key))
		return EINVAL;
	if (!v->created_at)
		v->created_at = time_now_ms();
	return store_tx(st, vapid_init, v);
}

/* ---- the push part of an outbox row (sqlite_int.h) --------------------- */

int store_outbox_push_add(struct store *st, const struct store_outbox *o)
{
	return store_run(st, S_OUTBOX_PUSH_ADD, EIO, NULL, "iisu", o->id,
			 o->push.subscription_id, o->push.urgency,
			 (uint64_t)o->push.ttl);
}

int store_outbox_push_load(struct store *st, struct store_outbox *o)
{
	struct db_stmt *s;
	int rc, err;

	memset(&o->push, 0, sizeof(o->push));
	if (o->channel != STORE_CHANNEL_WEBPUSH)
		return 0;

	err = store_stmt_bind(st, S_OUTBOX_PUSH_GET, &s, "i", o->id);
	if (err)
		return err;
	rc = db_step(s);
	if (rc == DB_ROW) {
		int64_t ttl = db_column_int64(s, 2);

		o->push.subscription_id = db_column_int64(s, 0);
		store_col_text(s, 1, o->push.urgency, sizeof(o->push.urgency));
		o->push.ttl = ttl < 0            ? 0
			      : ttl > UINT32_MAX ? UINT32_MAX
						 : (uint32_t)ttl;
	}
	else if (rc != DB_DONE) {
		err = store_dberr(st, rc, S_OUTBOX_PUSH_GET, EIO);
	}
	store_stmt_put(st, S_OUTBOX_PUSH_GET, s);

	return err;
}
