/*
 * sqlite_retention.c - how long a client's data is kept, and the purge
 * that deletes for good what is older (migration 24).  A client without
 * a row of its own has the defaults of store.h (STORE_KEEP_*); the purge
 * reads each row's keep-time from its client's row in the same statement
 * (KEEP below), so one statement purges every client at once.  The
 * default audit keep-time is also in the trigger audit_kept of
 * migrate.c: change both or neither.
 *
 * Why the defaults (clients bound to professional secrecy, § 203 StGB,
 * and the GDPR's storage limitation, Art. 5(1)(e)):
 *   voicemail messages 30 days  - they are delivered by e-mail at once;
 *                                 a copy here is only a fallback;
 *   call notes         90 days  - delivered too; kept for a quarter so
 *                                 that a client can ask again;
 *   call records      180 days  - the basis of per-second billing and of
 *                                 disputes about a bill (six months, as
 *                                 § 10 TDDDG allows for traffic data);
 *   audit trail      1095 days  - it must outlive the data it protects:
 *                                 the regular limitation period for
 *                                 claims (§ 195 BGB) is three years.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

/* The cutoff [ms] of a row of table t by keep-time column c (default
 * def days): ?1 is the time of the purge. */
#define KEEP(t, c, def)                                                        \
	"(?1 - 86400000 * coalesce((SELECT " c " FROM retention r"             \
	" WHERE r.tenant_id = " t ".tenant_id), " def "))"
#define OF_TENANT(t) " AND (?2 = 0 OR " t ".tenant_id = ?2)"
#define OLD_CALLS                                                              \
	"SELECT id FROM calls WHERE ended_at > 0 AND started_at < " KEEP(      \
	    "calls", "call_days", "180") OF_TENANT("calls")

static const struct store_sql sql[] = {
    {S_RET_GET, "retention get",
     "SELECT call_days, message_days, note_days, audit_days, updated_at"
     " FROM retention WHERE tenant_id = ?1"},
    {S_RET_SET, "retention set",
     "INSERT INTO retention (tenant_id, call_days, message_days, note_days,"
     " audit_days, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
     " ON CONFLICT (tenant_id) DO UPDATE SET call_days = ?2,"
     " message_days = ?3, note_days = ?4, audit_days = ?5, updated_at = ?6"},
    {S_PURGE_VM_FILES, "purge voicemail files",
     "SELECT file FROM vm_messages WHERE created_at < " KEEP(
	 "vm_messages", "message_days", "30") OF_TENANT("vm_messages")},
    {S_PURGE_VM, "purge voicemail",
     "DELETE FROM vm_messages WHERE created_at < " KEEP(
	 "vm_messages", "message_days", "30") OF_TENANT("vm_messages")},
    {S_PURGE_OUTBOX, "purge outbox",
     "DELETE FROM outbox WHERE state IN ('sent', 'delivered', 'failed')"
     " AND created_at < " KEEP("outbox", "message_days", "30")
	 OF_TENANT("outbox") " AND id NOT IN (SELECT outbox_id FROM vm_messages"
			     " WHERE outbox_id IS NOT NULL)"
			     " AND id NOT IN (SELECT outbox_id FROM"
			     " note_deliveries)"},
    /* a note goes with its versions, deliveries and reads (cascade);
     * its outbox rows go with the next purge of the outbox */
    {S_PURGE_NOTES, "purge notes",
     "DELETE FROM notes WHERE created_at < " KEEP("notes", "note_days", "90")
	 OF_TENANT("notes")},
    {S_PURGE_CALLBACKS, "purge callbacks",
     "DELETE FROM callbacks WHERE state IN ('completed', 'failed',"
     " 'cancelled') AND created_at < " KEEP("callbacks", "call_days", "180")
	 OF_TENANT("callbacks")},
    {S_PURGE_CB_UNLINK, "purge callbacks' calls",
     "UPDATE callbacks SET call_id = NULL WHERE call_id IN (" OLD_CALLS ")"},
    {S_PURGE_VISITS, "purge queue visits",
     "DELETE FROM queue_visits WHERE (ended_at > 0 AND arrived_at < " KEEP(
	 "queue_visits", "call_days", "180") " OR call_id IN (" OLD_CALLS
					     "))" OF_TENANT("queue_visits")},
    {S_PURGE_CALLS, "purge calls",
     "DELETE FROM calls WHERE id IN (" OLD_CALLS ")"},
    {S_PURGE_AUDIT, "purge audit",
     "DELETE FROM audit WHERE at < " KEEP("audit", "audit_days", "1095")
	 OF_TENANT("audit")},
};

const struct store_sqlset store_sql_retention = STORE_SQLSET(sql);

static void defaults(struct store_retention *r, int64_t tenant_id)
{
	memset(r, 0, sizeof(*r));
	r->tenant_id = tenant_id;
	r->call_days = STORE_KEEP_CALLS;
	r->message_days = STORE_KEEP_MESSAGES;
	r->note_days = STORE_KEEP_NOTES;
	r->audit_days = STORE_KEEP_AUDIT;
}

int store_retention_get(struct store *st, int64_t tenant_id,
			struct store_retention *r)
{
	struct db_stmt *s;
	int64_t dummy;
	int rc, err;

	if (!st || !r || tenant_id <= 0)
		return EINVAL;
	err = store_tenant_of(st, S_TENANT_EXISTS, tenant_id, &dummy);
	if (err)
		return err;
	defaults(r, tenant_id);
	err = store_stmt_bind(st, S_RET_GET, &s, "i", tenant_id);
	if (err)
		return err;
	rc = db_step(s);
	if (rc == DB_ROW) {
		r->call_days = (uint32_t)store_col_int(s, 0);
		r->message_days = (uint32_t)store_col_int(s, 1);
		r->note_days = (uint32_t)store_col_int(s, 2);
		r->audit_days = (uint32_t)store_col_int(s, 3);
		r->updated_at = store_col_u64(s, 4);
	}
	else if (rc != DB_DONE) {
		err = store_dberr(st, rc, S_RET_GET, EIO);
	}
	store_stmt_put(st, S_RET_GET, s);
	return err;
}

static bool days_ok(uint32_t d, uint32_t min)
{
	return d >= min && d <= STORE_KEEP_MAX;
}

int store_retention_set(struct store *st, const struct store_retention *r)
{
	if (!st || !r || r->tenant_id <= 0 || !days_ok(r->call_days, 1) ||
	    !days_ok(r->message_days, 1) || !days_ok(r->note_days, 1) ||
	    !days_ok(r->audit_days, STORE_KEEP_AUDIT_MIN))
		return EINVAL;
	return store_run(st, S_RET_SET, ENOENT, NULL, "iddddu", r->tenant_id,
			 (int)r->call_days, (int)r->message_days,
			 (int)r->note_days, (int)r->audit_days, r->updated_at);
}

struct purge {
	int64_t tenant_id;
	uint64_t at;
	struct store_purge *p;
	store_file_h *fileh;
	void *arg;
};

/* Run delete sid bound by (at, tenant); the count of rows into *np. */
static int purge_run(struct store *st, enum store_sql_id sid,
		     const struct purge *pu, uint32_t *np)
{
	int64_t n = 0;
	int err;

	err = store_run(st, sid, EBUSY, &n, "ui", pu->at, pu->tenant_id);
	if (!err && np) {
		*np += (uint32_t)n;
		pu->p->rows += (uint32_t)n;
	}
	return err;
}

static int purge_files(struct store *st, const struct purge *pu)
{
	char path[256];
	struct db_stmt *s;
	int rc, err;

	err = store_stmt_bind(st, S_PURGE_VM_FILES, &s, "ui", pu->at,
			      pu->tenant_id);
	if (err)
		return err;
	while ((rc = db_step(s)) == DB_ROW) {
		store_col_text(s, 0, path, sizeof(path));
		if (!path[0])
			continue;
		++pu->p->files;
		if (pu->fileh) {
			err = pu->fileh(path, pu->arg);
			if (err)
				break;
		}
	}
	if (!err && rc != DB_DONE)
		err = store_dberr(st, rc, S_PURGE_VM_FILES, EIO);
	store_stmt_put(st, S_PURGE_VM_FILES, s);
	return err;
}

static int purge_tx(struct store *st, void *arg)
{
	const struct purge *pu = arg;
	struct store_purge *p = pu->p;
	int err;

	err = purge_files(st, pu);
	if (!err)
		err = purge_run(st, S_PURGE_NOTES, pu, &p->notes);
	if (!err)
		err = purge_run(st, S_PURGE_VM, pu, &p->messages);
	if (!err)
		err = purge_run(st, S_PURGE_OUTBOX, pu, &p->outbox);
	if (!err)
		err = purge_run(st, S_PURGE_CALLBACKS, pu, &p->callbacks);
	if (!err)
		err = purge_run(st, S_PURGE_CB_UNLINK, pu, NULL);
	if (!err)
		err = purge_run(st, S_PURGE_VISITS, pu, &p->visits);
	if (!err)
		err = purge_run(st, S_PURGE_CALLS, pu, &p->calls);
	if (!err)
		err = purge_run(st, S_PURGE_AUDIT, pu, &p->audit);
	return err;
}

int store_retention_purge(struct store *st, int64_t tenant_id, uint64_t at,
			  struct store_purge *p, store_file_h *fileh, void *arg)
{
	struct purge pu = {tenant_id, at, p, fileh, arg};
	int err;

	if (!st || !p || tenant_id < 0)
		return EINVAL;
	memset(p, 0, sizeof(*p));
	err = store_tx(st, purge_tx, &pu);
	if (err)
		memset(p, 0, sizeof(*p));
	return err;
}
