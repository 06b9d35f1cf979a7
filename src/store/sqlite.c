/*
 * sqlite.c - the SQLite implementation of store.h.
 *
 * One connection per struct store, used from the re_main thread only
 * (SQLITE_OPEN_NOMUTEX).  The file runs in WAL mode with synchronous=NORMAL
 * (a commit is an append to the WAL, no fsync; a power cut may lose the
 * last commits but never corrupts), foreign keys on and a short busy
 * timeout, so another process (the CLI, a backup) can read while we write.
 *
 * Every SQL statement is in stmt_sql[] below and is prepared once, when the
 * store opens, with SQLITE_PREPARE_PERSISTENT.  A call binds, steps and
 * resets a cached statement: the SIP hot path (device by username, number
 * by E.164, registrations of an employee, call records) does no parsing or
 * planning.  List functions step a statement while the caller's handler
 * runs; if that handler calls back into the store and needs the same
 * statement, stmt_get() hands out a fresh one, so nesting is safe.  Rows
 * a handler adds to the table being listed may or may not be seen by the
 * rest of that walk (SQLite leaves it open).
 *
 * Rules that span tables (personal numbers, "in use" checks, blocks that
 * must not overlap) run inside store_tx_begin()/store_tx_end(), which nest
 * through savepoints so that store_demo_seed() can wrap the public
 * functions in one transaction.
 *
 * Errors: SQLite constraint failures become EEXIST (unique), ENOENT or
 * EBUSY (foreign key: a missing parent on insert, a child on delete) and
 * EINVAL (check); everything else is EIO and is logged here with the
 * operation.  Values are never logged: no passwords, ha1 or tokens.
 */
#include <string.h>
#include <openssl/evp.h>
#include "core/core.h"
#include "store/sqlite_int.h"

enum {
	BUSY_TIMEOUT = 2000, /* [ms] wait for another writer's lock */
	CALL_LIMIT = 100,    /* store_call_list() default page       */
	CALL_LIMIT_MAX = 1000,
	TRUNK_PORT = 5060,
	TRUNK_EXPIRES = 600, /* [s] registration asked for          */
	SHA256_HEX = 65,     /* lower-case hex + NUL                 */
};

/* ---- statements ------------------------------------------------------- */

enum stmt_id {
	S_BEGIN = 0,
	S_COMMIT,
	S_ROLLBACK,
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,

	S_TENANT_ANY,
	S_TENANT_EXISTS,
	S_TENANT_ADD,
	S_TENANT_GET,
	S_TENANT_UPDATE,
	S_TENANT_INUSE,
	S_TENANT_DELETE,
	S_TENANT_LIST,

	S_EMP_TENANT,
	S_EMP_ADD,
	S_EMP_GET,
	S_EMP_BY_EXT,
	S_EMP_UPDATE,
	S_EMP_LIST,
	S_EMP_PERSONAL,
	S_EMP_SET_PERSONAL,
	S_EMP_BY_PERSONAL,
	S_EMP_RELEASE_NUMBERS,
	S_EMP_DELETE_DEVICES,
	S_EMP_DELETE,

	S_DEV_TENANT,
	S_DEV_ADD,
	S_DEV_GET,
	S_DEV_BY_USERNAME,
	S_DEV_UPDATE,
	S_DEV_DELETE,
	S_DEV_LIST,

	S_BLOCK_ADD,
	S_BLOCK_GET,
	S_BLOCK_OVERLAP,
	S_BLOCK_FIND,
	S_BLOCK_INUSE,
	S_BLOCK_DELETE,
	S_BLOCK_LIST,

	S_NUM_ADD,
	S_NUM_GET,
	S_NUM_BY_E164,
	S_NUM_UPDATE,
	S_NUM_UNSET_PERSONAL,
	S_NUM_DELETE,
	S_NUM_LIST,

	S_ANN_TENANT,
	S_ANN_ADD,
	S_ANN_GET,
	S_ANN_UPDATE,
	S_ANN_INUSE,
	S_ANN_DELETE,
	S_ANN_LIST,

	S_TRUNK_ADD,
	S_TRUNK_GET,
	S_TRUNK_UPDATE,
	S_TRUNK_DELETE,
	S_TRUNK_LIST,
	S_TRUNK_BY_SOURCE,
	S_TRUNK_FOR_TENANT,

	S_REG_SAVE,
	S_REG_DELETE,
	S_REG_DELETE_DEVICE,
	S_REG_LIST,
	S_REG_LIST_ALL,
	S_REG_LIST_EMPLOYEE,
	S_REG_PURGE,

	S_CALL_ADD,
	S_CALL_ANSWERED,
	S_CALL_ENDED,
	S_CALL_GET,
	S_CALL_LIST,
	S_CALL_LIST_TENANT,
	S_CALL_CLOSE_NODE,
	S_CALL_CLOSE_STALE,

	S_NODE_HEARTBEAT,
	S_NODE_GET,
	S_NODE_LIST,

	S_TOKEN_ADD,
	S_TOKEN_CHECK,
	S_TOKEN_ANY,

	S_COUNT
};

/* Column lists shared by get, lookup and list; *_read() follow them. */
#define TENANT_SELECT                                                          \
	"SELECT id, name, country_code, area_code, central_number,"            \
	" created_at FROM tenants"

#define EMP_SELECT                                                             \
	"SELECT e.id, e.tenant_id, e.first_name, e.last_name, e.email,"        \
	" e.extension, COALESCE(n.e164, ''), e.show_personal_number,"          \
	" e.created_at FROM employees e"                                       \
	" LEFT JOIN numbers n ON n.id = e.personal_number_id"

#define DEV_SELECT                                                             \
	"SELECT id, tenant_id, COALESCE(employee_id, 0), username, ha1,"       \
	" name, created_at, srtp FROM devices"

#define BLOCK_SELECT                                                           \
	"SELECT id, tenant_id, first, last, created_at FROM number_blocks"

#define NUM_SELECT                                                             \
	"SELECT n.id, n.tenant_id, n.block_id, n.e164, n.active,"              \
	" n.target_type, n.target_id,"                                         \
	" EXISTS (SELECT 1 FROM employees e"                                   \
	"  WHERE e.personal_number_id = n.id),"                                \
	" n.description, n.created_at FROM numbers n"

#define ANN_SELECT                                                             \
	"SELECT id, tenant_id, name, file, created_at FROM announcements"

#define TRUNK_SELECT                                                           \
	"SELECT id, COALESCE(tenant_id, 0), name, host, port, transport,"      \
	" match_any_port, username, password, created_at, register,"           \
	" registrar, domain, auth_user, from_user, expires FROM trunks"

#define REG_COLS                                                               \
	"r.id, r.device_id, r.contact, r.received, r.transport,"               \
	" r.call_id, r.cseq, r.user_agent, r.instance, r.path,"                \
	" r.node_id, r.expires_at, r.updated_at"

#define CALL_SELECT                                                            \
	"SELECT id, node_id, sip_call_id, tenant_id, direction,"               \
	" from_number, to_number, caller_leg, callee_leg, started_at,"         \
	" answered_at, ended_at, disposition, sip_code, ended_by"              \
	" FROM calls"

/* max(started_at, answered_at, heartbeat of the call's node) */
#define CALL_ALIVE                                                             \
	"MAX(started_at, answered_at, COALESCE((SELECT h.heartbeat_at"         \
	" FROM nodes h WHERE h.node_id = calls.node_id), 0))"

/* live calls of the node q.node_id (S_NODE_GET), n.node_id (S_NODE_LIST) */
#define LIVE_CALLS_Q                                                           \
	"(SELECT count(*) FROM calls c WHERE c.node_id = q.node_id"            \
	" AND c.ended_at = 0)"
#define LIVE_CALLS_N                                                           \
	"(SELECT count(*) FROM calls c WHERE c.node_id = n.node_id"            \
	" AND c.ended_at = 0)"

#define TOKEN_SELECT                                                           \
	"SELECT id, role, COALESCE(tenant_id, 0), name, created_at"            \
	" FROM api_tokens"

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT store",
    [S_RELEASE] = "RELEASE store",
    [S_ROLLBACK_TO] = "ROLLBACK TO store",

    [S_TENANT_ANY] = "SELECT EXISTS (SELECT 1 FROM tenants)",
    [S_TENANT_EXISTS] = "SELECT id FROM tenants WHERE id = ?1",
    [S_TENANT_ADD] = "INSERT INTO tenants (name, country_code, area_code,"
		     " central_number, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_TENANT_GET] = TENANT_SELECT " WHERE id = ?1",
    [S_TENANT_UPDATE] = "UPDATE tenants SET name = ?2, country_code = ?3,"
			" area_code = ?4, central_number = ?5 WHERE id = ?1",
    [S_TENANT_INUSE] =
	"SELECT EXISTS (SELECT 1 FROM employees WHERE tenant_id = ?1)"
	" OR EXISTS (SELECT 1 FROM devices WHERE tenant_id = ?1)"
	" OR EXISTS (SELECT 1 FROM numbers WHERE tenant_id = ?1)"
	" OR EXISTS (SELECT 1 FROM number_blocks"
	"  WHERE tenant_id = ?1)"
	" OR EXISTS (SELECT 1 FROM announcements"
	"  WHERE tenant_id = ?1)"
	" OR EXISTS (SELECT 1 FROM trunks WHERE tenant_id = ?1)",
    [S_TENANT_DELETE] = "DELETE FROM tenants WHERE id = ?1",
    [S_TENANT_LIST] = TENANT_SELECT " ORDER BY id",

    [S_EMP_TENANT] = "SELECT tenant_id FROM employees WHERE id = ?1",
    [S_EMP_ADD] = "INSERT INTO employees (tenant_id, first_name, last_name,"
		  " email, extension, show_personal_number, created_at)"
		  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_EMP_GET] = EMP_SELECT " WHERE e.id = ?1",
    [S_EMP_BY_EXT] = EMP_SELECT " WHERE e.tenant_id = ?1 AND e.extension = ?2",
    [S_EMP_UPDATE] = "UPDATE employees SET first_name = ?2, last_name = ?3,"
		     " email = ?4, extension = ?5, show_personal_number = ?6"
		     " WHERE id = ?1",
    [S_EMP_LIST] = EMP_SELECT " WHERE ?1 = 0 OR e.tenant_id = ?1 ORDER BY e.id",
    [S_EMP_PERSONAL] = "SELECT COALESCE(personal_number_id, 0) FROM employees"
		       " WHERE id = ?1",
    [S_EMP_SET_PERSONAL] =
	"UPDATE employees SET personal_number_id = ?2 WHERE id = ?1",
    [S_EMP_BY_PERSONAL] =
	"SELECT id FROM employees WHERE personal_number_id = ?1",
    [S_EMP_RELEASE_NUMBERS] =
	"UPDATE numbers SET target_type = 0, target_id = 0"
	" WHERE target_type = 1 AND target_id = ?1",
    [S_EMP_DELETE_DEVICES] = "DELETE FROM devices WHERE employee_id = ?1",
    [S_EMP_DELETE] = "DELETE FROM employees WHERE id = ?1",

    [S_DEV_TENANT] = "SELECT tenant_id FROM devices WHERE id = ?1",
    [S_DEV_ADD] =
	"INSERT INTO devices (tenant_id, employee_id, username, ha1,"
	" name, created_at, srtp) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_DEV_GET] = DEV_SELECT " WHERE id = ?1",
    [S_DEV_BY_USERNAME] = DEV_SELECT " WHERE username = ?1",
    [S_DEV_UPDATE] = "UPDATE devices SET employee_id = ?2, username = ?3,"
		     " ha1 = ?4, name = ?5, srtp = ?6 WHERE id = ?1",
    [S_DEV_DELETE] = "DELETE FROM devices WHERE id = ?1",
    [S_DEV_LIST] = DEV_SELECT " WHERE (?1 = 0 OR tenant_id = ?1)"
			      " AND (?2 = 0 OR employee_id = ?2) ORDER BY id",

    [S_BLOCK_ADD] = "INSERT INTO number_blocks (tenant_id, first, last,"
		    " created_at) VALUES (?1, ?2, ?3, ?4)",
    [S_BLOCK_GET] = BLOCK_SELECT " WHERE id = ?1",
    [S_BLOCK_OVERLAP] = "SELECT EXISTS (SELECT 1 FROM number_blocks"
			" WHERE length(first) = length(?1)"
			" AND first <= ?2 AND last >= ?1)",
    [S_BLOCK_FIND] = "SELECT id, tenant_id FROM number_blocks"
		     " WHERE length(first) = length(?1)"
		     " AND first <= ?1 AND last >= ?1"
		     " AND (?2 = 0 OR tenant_id = ?2) ORDER BY id LIMIT 1",
    [S_BLOCK_INUSE] =
	"SELECT EXISTS (SELECT 1 FROM numbers WHERE block_id = ?1)",
    [S_BLOCK_DELETE] = "DELETE FROM number_blocks WHERE id = ?1",
    [S_BLOCK_LIST] = BLOCK_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id",

    [S_NUM_ADD] = "INSERT INTO numbers (tenant_id, block_id, e164, active,"
		  " target_type, target_id, description, created_at)"
		  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_NUM_GET] = NUM_SELECT " WHERE n.id = ?1",
    [S_NUM_BY_E164] = NUM_SELECT " WHERE n.e164 = ?1",
    [S_NUM_UPDATE] = "UPDATE numbers SET active = ?2, target_type = ?3,"
		     " target_id = ?4, description = ?5 WHERE id = ?1",
    [S_NUM_UNSET_PERSONAL] = "UPDATE employees SET personal_number_id = NULL"
			     " WHERE personal_number_id = ?1",
    [S_NUM_DELETE] = "DELETE FROM numbers WHERE id = ?1",
    [S_NUM_LIST] = NUM_SELECT " WHERE ?1 = 0 OR n.tenant_id = ?1 ORDER BY n.id",

    [S_ANN_TENANT] = "SELECT tenant_id FROM announcements WHERE id = ?1",
    [S_ANN_ADD] = "INSERT INTO announcements (tenant_id, name, file,"
		  " created_at) VALUES (?1, ?2, ?3, ?4)",
    [S_ANN_GET] = ANN_SELECT " WHERE id = ?1",
    [S_ANN_UPDATE] =
	"UPDATE announcements SET name = ?2, file = ?3 WHERE id = ?1",
    [S_ANN_INUSE] = "SELECT EXISTS (SELECT 1 FROM numbers"
		    " WHERE target_type = 2 AND target_id = ?1)",
    [S_ANN_DELETE] = "DELETE FROM announcements WHERE id = ?1",
    [S_ANN_LIST] = ANN_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id",

    [S_TRUNK_ADD] =
	"INSERT INTO trunks (tenant_id, name, host, port, transport,"
	" match_any_port, username, password, register, registrar, domain,"
	" auth_user, from_user, expires, created_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
	" ?15)",
    [S_TRUNK_GET] = TRUNK_SELECT " WHERE id = ?1",
    [S_TRUNK_UPDATE] = "UPDATE trunks SET tenant_id = ?2, name = ?3, host = ?4,"
		       " port = ?5, transport = ?6, match_any_port = ?7,"
		       " username = ?8, password = ?9, register = ?10,"
		       " registrar = ?11, domain = ?12, auth_user = ?13,"
		       " from_user = ?14, expires = ?15 WHERE id = ?1",
    [S_TRUNK_DELETE] = "DELETE FROM trunks WHERE id = ?1",
    [S_TRUNK_LIST] = TRUNK_SELECT " ORDER BY id",
    /* an exact port match wins over a match_any_port trunk */
    [S_TRUNK_BY_SOURCE] = TRUNK_SELECT " WHERE host = ?1"
				       " AND (port = ?2 OR match_any_port = 1)"
				       " ORDER BY port = ?2 DESC, id LIMIT 1",
    /* own trunks first (NULL sorts as "shared" after them) */
    [S_TRUNK_FOR_TENANT] =
	TRUNK_SELECT " WHERE tenant_id = ?1 OR tenant_id IS NULL"
		     " ORDER BY tenant_id IS NULL, id LIMIT 1",

    [S_REG_SAVE] = "INSERT INTO registrations (device_id, contact, received,"
		   " transport, call_id, cseq, user_agent, instance, path,"
		   " node_id, expires_at, updated_at)"
		   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
		   " ON CONFLICT (device_id, contact) DO UPDATE SET"
		   " received = excluded.received,"
		   " transport = excluded.transport,"
		   " call_id = excluded.call_id, cseq = excluded.cseq,"
		   " user_agent = excluded.user_agent,"
		   " instance = excluded.instance, path = excluded.path,"
		   " node_id = excluded.node_id,"
		   " expires_at = excluded.expires_at,"
		   " updated_at = excluded.updated_at"
		   " RETURNING id",
    [S_REG_DELETE] = "DELETE FROM registrations WHERE device_id = ?1"
		     " AND contact = ?2",
    [S_REG_DELETE_DEVICE] = "DELETE FROM registrations WHERE device_id = ?1",
    /* two statements, so that one device's bindings come from the
     * (device_id, contact) index instead of a scan of all of them */
    [S_REG_LIST] = "SELECT " REG_COLS " FROM registrations r"
		   " WHERE r.device_id = ?1 AND r.expires_at > ?2"
		   " ORDER BY r.id",
    [S_REG_LIST_ALL] = "SELECT " REG_COLS " FROM registrations r"
		       " WHERE r.expires_at > ?2 ORDER BY r.id",
    [S_REG_LIST_EMPLOYEE] = "SELECT " REG_COLS " FROM registrations r"
			    " JOIN devices d ON d.id = r.device_id"
			    " WHERE d.employee_id = ?1 AND r.expires_at > ?2"
			    " ORDER BY r.id",
    [S_REG_PURGE] = "DELETE FROM registrations WHERE expires_at <= ?1",

    [S_CALL_ADD] = "INSERT INTO calls (node_id, sip_call_id, tenant_id,"
		   " direction, from_number, to_number, caller_leg, callee_leg,"
		   " started_at, answered_at, ended_at, disposition, sip_code,"
		   " ended_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		   " ?10, ?11, ?12, ?13, ?14)",
    [S_CALL_ANSWERED] = "UPDATE calls SET answered_at = ?2,"
			" callee_leg = COALESCE(?3, callee_leg) WHERE id = ?1",
    [S_CALL_ENDED] = "UPDATE calls SET ended_at = ?2, disposition = ?3,"
		     " sip_code = ?4, ended_by = ?5 WHERE id = ?1",
    [S_CALL_GET] = CALL_SELECT " WHERE id = ?1",
    /* bounds are always bound (0 and INT64_MAX when open), so the
	 * started_at indexes serve both the range and the order */
    [S_CALL_LIST] =
	CALL_SELECT " WHERE started_at >= ?2 AND started_at < ?3"
		    " ORDER BY started_at DESC, id DESC LIMIT ?4 OFFSET ?5",
    [S_CALL_LIST_TENANT] =
	CALL_SELECT " WHERE tenant_id = ?1"
		    " AND started_at >= ?2 AND started_at < ?3"
		    " ORDER BY started_at DESC, id DESC LIMIT ?4 OFFSET ?5",
    /* a live call's last sign of life: store.h, "nodes" */
    [S_CALL_CLOSE_NODE] = "UPDATE calls SET ended_at = " CALL_ALIVE ","
			  " disposition = 'node_failure', ended_by = 'system'"
			  " WHERE node_id = ?1 AND ended_at = 0",
    [S_CALL_CLOSE_STALE] = "UPDATE calls SET ended_at = " CALL_ALIVE ","
			   " disposition = 'node_failure', ended_by = 'system'"
			   " WHERE ended_at = 0 AND node_id <> ?1"
			   " AND " CALL_ALIVE " < ?2",

    [S_NODE_HEARTBEAT] = "INSERT INTO nodes (node_id, started_at, heartbeat_at)"
			 " VALUES (?1, ?2, ?3) ON CONFLICT (node_id) DO UPDATE"
			 " SET started_at = excluded.started_at,"
			 " heartbeat_at = excluded.heartbeat_at",
    /* one row always; the last column says whether the node is known */
    [S_NODE_GET] = "SELECT ?1, COALESCE(n.started_at, 0),"
		   " COALESCE(n.heartbeat_at, 0), " LIVE_CALLS_Q ","
		   " n.node_id IS NOT NULL OR " LIVE_CALLS_Q " > 0"
		   " FROM (SELECT ?1 AS node_id) q"
		   " LEFT JOIN nodes n ON n.node_id = q.node_id",
    [S_NODE_LIST] =
	"SELECT n.node_id, n.started_at, n.heartbeat_at, " LIVE_CALLS_N
	" FROM nodes n"
	" UNION ALL"
	" SELECT node_id, 0, 0, count(*) FROM calls"
	" WHERE ended_at = 0 AND node_id <> ''"
	" AND node_id NOT IN (SELECT node_id FROM nodes)"
	" GROUP BY node_id ORDER BY 1",

    [S_TOKEN_ADD] =
	"INSERT INTO api_tokens (token_sha256, role, tenant_id, name,"
	" created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_TOKEN_CHECK] = TOKEN_SELECT " WHERE token_sha256 = ?1",
    [S_TOKEN_ANY] = "SELECT EXISTS (SELECT 1 FROM api_tokens)",
};

struct store {
	sqlite3 *db;                  /* connection (owned)          */
	sqlite3_stmt *stmtv[S_COUNT]; /* prepared stmt_sql[] (owned) */
	unsigned txdepth;             /* open store_tx_begin() calls */
	int version;                  /* schema version after open   */
};

/* ---- helpers: errors, binding, columns -------------------------------- */

/*
 * The errno for SQLite result rc of operation op.  fkerr is what a foreign
 * key failure means here: ENOENT when inserting (the parent is missing),
 * EBUSY when deleting (children exist).  Only unexpected failures are
 * logged; SQLite's messages name tables and columns, never values.
 */
static int dberr(struct store *st, int rc, const char *op, int fkerr)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return EEXIST;

	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return fkerr;

	case SQLITE_NOMEM:
		return ENOMEM;

	default:
		break;
	}

	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		debug("store: %s: %s\n", op, sqlite3_errmsg(st->db));
		return EINVAL;
	}

	warning("store: %s: %s (%d)\n", op, sqlite3_errmsg(st->db), rc);
	return EIO;
}

/*
 * Bind str as text without copying: at most sz-1 bytes of a record field
 * (which may lack its NUL), or all of a C string when sz is 0.  NULL binds
 * "".  The statement is stepped before str can go away.
 */
static void bind_text(sqlite3_stmt *s, int i, const char *str, size_t sz)
{
	size_t n;

	if (!str)
		str = "";

	n = sz ? strnlen(str, sz - 1) : strlen(str);
	if (n > INT32_MAX)
		n = INT32_MAX;

	sqlite3_bind_text(s, i, str, (int)n, SQLITE_STATIC);
}

#define BIND_FIELD(s, i, f) bind_text((s), (i), (f), sizeof(f))
#define BIND_STR(s, i, str) bind_text((s), (i), (str), 0)

/* A reference that may be "none": 0 is stored as NULL. */
static void bind_ref(sqlite3_stmt *s, int i, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(s, i, id);
	else
		sqlite3_bind_null(s, i);
}

static void bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

static void col_text(sqlite3_stmt *s, int i, char *buf, size_t sz)
{
	str_copy(buf, (const char *)sqlite3_column_text(s, i), sz);
}

#define COL_FIELD(s, i, f) col_text((s), (i), (f), sizeof(f))

static uint64_t col_u64(sqlite3_stmt *s, int i)
{
	return (uint64_t)sqlite3_column_int64(s, i);
}

static bool str_isdigits(const char *s)
{
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
	}
	return true;
}

/* ---- helpers: statements ---------------------------------------------- */

/*
 * The cached statement id, ready to bind.  If a walk further up the stack
 * is still stepping it, a private copy is prepared instead; stmt_put()
 * tells them apart.
 */
static int stmt_get(struct store *st, enum stmt_id id, sqlite3_stmt **sp)
{
	sqlite3_stmt *s = st->stmtv[id];
	int rc;

	if (!sqlite3_stmt_busy(s)) {
		*sp = s;
		return 0;
	}

	rc = sqlite3_prepare_v3(st->db, stmt_sql[id], -1, 0, &s, NULL);
	if (rc != SQLITE_OK)
		return dberr(st, rc, "prepare", EIO);

	*sp = s;
	return 0;
}

/* Reset a statement from stmt_get() for its next use (or finalize the
 * private copy). */
static void stmt_put(struct store *st, enum stmt_id id, sqlite3_stmt *s)
{
	if (s != st->stmtv[id]) {
		sqlite3_finalize(s);
		return;
	}

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Step s once, for a write or a single-row query that was bound. */
static int step(struct store *st, sqlite3_stmt *s, const char *op, int fkerr)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;

	return dberr(st, rc, op, fkerr);
}

/* Run statement id that takes no parameters (transaction control). */
static int run(struct store *st, enum stmt_id id, const char *op)
{
	sqlite3_stmt *s;
	int err;

	err = stmt_get(st, id, &s);
	if (err)
		return err;

	err = step(st, s, op, EIO);
	stmt_put(st, id, s);

	return err;
}

/*
 * Run statement id with one id parameter: a write (*vp gets the number of
 * changed rows) or a query (*vp gets the first column of the first row,
 * ENOENT if there is none).  vp may be NULL.
 */
static int run_id(struct store *st, enum stmt_id id, int64_t v, const char *op,
		  int fkerr, int64_t *vp)
{
	sqlite3_stmt *s;
	int rc, err = 0;

	err = stmt_get(st, id, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, v);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (vp)
			*vp = sqlite3_column_int64(s, 0);
	}
	else if (rc == SQLITE_DONE) {
		if (sqlite3_column_count(s) > 0)
			err = ENOENT;
		else if (vp)
			*vp = sqlite3_changes(st->db);
	}
	else {
		err = dberr(st, rc, op, fkerr);
	}

	stmt_put(st, id, s);

	return err;
}

/* Tenant of record id: sid is one of S_*_TENANT (or S_TENANT_EXISTS, whose
 * answer is the id itself).  ENOENT if there is no such record. */
static int tenant_of(struct store *st, enum stmt_id sid, int64_t id,
		     int64_t *tenantp)
{
	if (id <= 0)
		return ENOENT;

	return run_id(st, sid, id, "tenant of", EIO, tenantp);
}

typedef void(row_read_h)(sqlite3_stmt *s, void *rec);

/* Step a bound single-row query s into rec; ENOENT if no row. */
static int row_get(struct store *st, sqlite3_stmt *s, const char *op,
		   row_read_h *readh, void *rec)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		readh(s, rec);
		return 0;
	}
	if (rc == SQLITE_DONE)
		return ENOENT;

	return dberr(st, rc, op, EIO);
}

typedef int(row_walk_h)(sqlite3_stmt *s, void *arg);

/* Step a bound query s to its end, calling rowh per row; a non-0 return of
 * rowh stops the walk and is returned. */
static int walk(struct store *st, sqlite3_stmt *s, const char *op,
		row_walk_h *rowh, void *arg)
{
	int rc, err;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		err = rowh(s, arg);
		if (err)
			return err;
	}
	if (rc != SQLITE_DONE)
		return dberr(st, rc, op, EIO);

	return 0;
}

/* ---- transactions ----------------------------------------------------- */

int store_tx_begin(struct store *st)
{
	int err;

	if (!st)
		return EINVAL;

	if (st->txdepth)
		err = run(st, S_SAVEPOINT, "savepoint");
	else
		err = run(st, S_BEGIN, "begin");
	if (err)
		return err;

	++st->txdepth;

	return 0;
}

int store_tx_end(struct store *st, int err)
{
	int e;

	if (!st || !st->txdepth)
		return err ? err : EINVAL;

	--st->txdepth;

	if (st->txdepth) {
		if (err)
			(void)run(st, S_ROLLBACK_TO, "rollback to");
		e = run(st, S_RELEASE, "release");
		return err ? err : e;
	}

	if (!err)
		err = run(st, S_COMMIT, "commit");
	if (err && !sqlite3_get_autocommit(st->db))
		(void)run(st, S_ROLLBACK, "rollback");

	return err;
}

/* ---- open, close ------------------------------------------------------ */

static void destructor(void *arg)
{
	struct store *st = arg;
	size_t i;

	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmtv[i]);

	/* the last connection checkpoints and removes the WAL */
	sqlite3_close_v2(st->db);
}

/* Run a PRAGMA and copy the text of its first result column (if any). */
static int pragma(sqlite3 *db, const char *sql, char *res, size_t sz)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (res && sz)
		res[0] = '\0';

	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW && res)
			col_text(s, 0, res, sz);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		warning("store: open: %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(s);

	return rc == SQLITE_OK ? 0 : EIO;
}

static int configure(sqlite3 *db, const char *path)
{
	char res[16];
	int err;

	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT);

	err = pragma(db, "PRAGMA journal_mode = WAL", res, sizeof(res));
	if (err)
		return err;
	if (strcmp(res, "wal"))
		warning("store: %s: journal mode is %s, not wal\n", path, res);

	err = pragma(db, "PRAGMA synchronous = NORMAL", NULL, 0);
	if (err)
		return err;

	err = pragma(db, "PRAGMA foreign_keys = ON", NULL, 0);
	if (err)
		return err;

	err = pragma(db, "PRAGMA foreign_keys", res, sizeof(res));
	if (err)
		return err;
	if (strcmp(res, "1")) {
		warning("store: %s: SQLite lacks foreign key support\n", path);
		return EIO;
	}

	return 0;
}

int store_open(struct store **stp, const char *path)
{
	struct store *st;
	size_t i;
	int rc, err;

	if (!stp || !str_isset(path))
		return EINVAL;

	st = mem_zalloc(sizeof(*st), destructor);
	if (!st)
		return ENOMEM;

	rc = sqlite3_open_v2(path, &st->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		warning("store: open %s: %s\n", path,
			st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		err = rc == SQLITE_NOMEM ? ENOMEM : EIO;
		goto out;
	}

	err = configure(st->db, path);
	if (err)
		goto out;

	err = store_migrate(st->db, &st->version);
	if (err)
		goto out;

	for (i = 0; i < S_COUNT; i++) {
		rc = sqlite3_prepare_v3(st->db, stmt_sql[i], -1,
					SQLITE_PREPARE_PERSISTENT,
					&st->stmtv[i], NULL);
		if (rc != SQLITE_OK) {
			warning("store: prepare %zu: %s\n", i,
				sqlite3_errmsg(st->db));
			err = rc == SQLITE_NOMEM ? ENOMEM : EIO;
			goto out;
		}
	}

	debug("store: %s open, schema %d\n", path, st->version);

out:
	if (err)
		mem_deref(st);
	else
		*stp = st;

	return err;
}

int store_schema_version(struct store *st)
{
	return st ? st->version : 0;
}

/*
 * The page cache of a connection grows up to PRAGMA cache_size (2 MiB by
 * default) as a load writes call records, and SQLite keeps it.  Its pages
 * are about 4.3 KiB each, allocated one by one between the short-lived
 * objects of the calls, so while they live glibc cannot give those heap
 * pages back.  sqlite3_db_release_memory() frees every page no statement
 * holds; a statement being stepped keeps its pages.
 */
int store_release_memory(struct store *st)
{
	if (!st)
		return EINVAL;

	(void)sqlite3_db_release_memory(st->db);

	return 0;
}

/* Answer of a parameterless "SELECT EXISTS (...)" into *yesp. */
static int exists(struct store *st, enum stmt_id id, const char *op, bool *yesp)
{
	sqlite3_stmt *s;
	int rc, err;

	err = stmt_get(st, id, &s);
	if (err)
		return err;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*yesp = sqlite3_column_int(s, 0) != 0;
	else
		err = dberr(st, rc, op, EIO);

	stmt_put(st, id, s);

	return err;
}

/* False on error too: a failing store must not look empty (and be seeded
 * with demo data). */
bool store_is_empty(struct store *st)
{
	bool any = true;

	if (!st || exists(st, S_TENANT_ANY, "is empty", &any))
		return false;

	return !any;
}

/* ---- tenants ---------------------------------------------------------- */

static void tenant_read(sqlite3_stmt *s, void *rec)
{
	struct store_tenant *t = rec;

	t->id = sqlite3_column_int64(s, 0);
	COL_FIELD(s, 1, t->name);
	COL_FIELD(s, 2, t->country_code);
	COL_FIELD(s, 3, t->area_code);
	COL_FIELD(s, 4, t->central_number);
	t->created_at = col_u64(s, 5);
}

static bool tenant_valid(const struct store_tenant *t)
{
	return t && str_isset(t->name) && str_isdigits(t->country_code) &&
	       str_isdigits(t->area_code) &&
	       (!t->central_number[0] || phone_is_e164(t->central_number));
}

int store_tenant_add(struct store *st, struct store_tenant *t)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !tenant_valid(t))
		return EINVAL;

	if (!t->created_at)
		t->created_at = time_now_ms();

	err = stmt_get(st, S_TENANT_ADD, &s);
	if (err)
		return err;

	BIND_FIELD(s, 1, t->name);
	BIND_FIELD(s, 2, t->country_code);
	BIND_FIELD(s, 3, t->area_code);
	BIND_FIELD(s, 4, t->central_number);
	bind_u64(s, 5, t->created_at);

	err = step(st, s, "tenant add", ENOENT);
	if (!err)
		t->id = sqlite3_last_insert_rowid(st->db);

	stmt_put(st, S_TENANT_ADD, s);

	return err;
}

int store_tenant_get(struct store *st, int64_t id, struct store_tenant *t)
{
	sqlite3_stmt *s;
	int err;

	if (!st || id <= 0 || !t)
		return EINVAL;

	err = stmt_get(st, S_TENANT_GET, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, id);
	err = row_get(st, s, "tenant get", tenant_read, t);
	stmt_put(st, S_TENANT_GET, s);

	return err;
}

int store_tenant_update(struct store *st, const struct store_tenant *t)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !tenant_valid(t) || t->id <= 0)
		return EINVAL;

	err = stmt_get(st, S_TENANT_UPDATE, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, t->id);
	BIND_FIELD(s, 2, t->name);
	BIND_FIELD(s, 3, t->country_code);
	BIND_FIELD(s, 4, t->area_code);
	BIND_FIELD(s, 5, t->central_number);

	err = step(st, s, "tenant update", ENOENT);
	if (!err && !sqlite3_changes(st->db))
		err = ENOENT;

	stmt_put(st, S_TENANT_UPDATE, s);

	return err;
}

/* The tenant's API tokens go with it (ON DELETE CASCADE). */
int store_tenant_delete(struct store *st, int64_t id)
{
	int64_t v = 0;
	int err;

	if (!st || id <= 0)
		return EINVAL;

	err = store_tx_begin(st);
	if (err)
		return err;

	err = run_id(st, S_TENANT_INUSE, id, "tenant delete", EIO, &v);
	if (!err && v)
		err = EBUSY;
	if (!err)
		err =
		    run_id(st, S_TENANT_DELETE, id, "tenant delete", EBUSY, &v);
	if (!err && !v)
		err = ENOENT;

	return store_tx_end(st, err);
}

struct tenant_walk {
	store_tenant_h *h;
	void *arg;
};

static int tenant_row(sqlite3_stmt *s, void *arg)
{
	struct tenant_walk *w = arg;
	struct store_tenant t;

	tenant_read(s, &t);
	return w->h(&t, w->arg);
}

int store_tenant_list(struct store *st, store_tenant_h *h, void *arg)
{
	struct tenant_walk w = {h, arg};
	sqlite3_stmt *s;
	int err;

	if (!st || !h)
		return EINVAL;

	err = stmt_get(st, S_TENANT_LIST, &s);
	if (err)
		return err;

	err = walk(st, s, "tenant list", tenant_row, &w);
	stmt_put(st, S_TENANT_LIST, s);

	return err;
}

/* ---- employees -------------------------------------------------------- */

static void employee_read(sqlite3_stmt *s, void *rec)
{
	struct store_employee *e = rec;

	e->id = sqlite3_column_int64(s, 0);
	e->tenant_id = sqlite3_column_int64(s, 1);
	COL_FIELD(s, 2, e->first_name);
	COL_FIELD(s, 3, e->last_name);
	COL_FIELD(s, 4, e->email);
	COL_FIELD(s, 5, e->extension);
	COL_FIELD(s, 6, e->personal_number);
	e->show_personal_number = sqlite3_column_int(s, 7) != 0;
	e->created_at = col_u64(s, 8);
}

/* A name, and an extension of digits or none. */
static bool employee_valid(const struct store_employee *e)
{
	return e && (str_isset(e->first_name) || str_isset(e->last_name)) &&
	       str_isdigits(e->extension);
}

int store_employee_add(struct store *st, struct store_employee *e)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !employee_valid(e) || e->tenant_id <= 0)
		return EINVAL;

	if (!e->created_at)
		e->created_at = time_now_ms();

	err = stmt_get(st, S_EMP_ADD, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, e->tenant_id);
	BIND_FIELD(s, 2, e->first_name);
	BIND_FIELD(s, 3, e->last_name);
	BIND_FIELD(s, 4, e->email);
	BIND_FIELD(s, 5, e->extension);
	sqlite3_bind_int(s, 6, e->show_personal_number);
	bind_u64(s, 7, e->created_at);

	err = step(st, s, "employee add", ENOENT);
	if (!err) {
		e->id = sqlite3_last_insert_rowid(st->db);
		e->personal_number[0] = '\0';
	}

	stmt_put(st, S_EMP_ADD, s);

	return err;
}

int store_employee_get(struct store *st, int64_t id, struct store_employee *e)
{
	sqlite3_stmt *s;
	int err;

	if (!st || id <= 0 || !e)
		return EINVAL;

	err = stmt_get(st, S_EMP_GET, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, id);
	err = row_get(st, s, "employee get", employee_read, e);
	stmt_put(st, S_EMP_GET, s);

	return err;
}

int store_employee_by_extension(struct store *st, int64_t tenant_id,
				const char *ext, struct store_employee *e)
{
	sqlite3_stmt *s;
	int err;

	if (!st || tenant_id <= 0 || !str_isset(ext) || !e)
		return EINVAL;

	err = stmt_get(st, S_EMP_BY_EXT, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, tenant_id);
	BIND_STR(s, 2, ext);
	err = row_get(st, s, "employee by extension", employee_read, e);
	stmt_put(st, S_EMP_BY_EXT, s);

	return err;
}

/*
 * Names, e-mail, extension and show_personal_number change; tenant_id is
 * fixed (EXDEV if it is set and differs), personal_number is ignored (see
 * store_employee_set_personal()).
 */
int store_employee_update(struct store *st, const struct store_employee *e)
{
	sqlite3_stmt *s;
	int64_t tenant_id;
	int err;

	if (!st || !employee_valid(e) || e->id <= 0)
		return EINVAL;

	err = tenant_of(st, S_EMP_TENANT, e->id, &tenant_id);
	if (err)
		return err;
	if (e->tenant_id && e->tenant_id != tenant_id)
		return EXDEV;

	err = stmt_get(st, S_EMP_UPDATE, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, e->id);
	BIND_FIELD(s, 2, e->first_name);
	BIND_FIELD(s, 3, e->last_name);
	BIND_FIELD(s, 4, e->email);
	BIND_FIELD(s, 5, e->extension);
	sqlite3_bind_int(s, 6, e->show_personal_number);

	err = step(st, s, "employee update", ENOENT);
	stmt_put(st, S_EMP_UPDATE, s);

	return err;
}

/*
 * Every number routed to the employee (its personal number and ordinary
 * ones) is released to target none, so no number points at a deleted
 * employee.  Its devices go, and their registrations with them.
 */
int store_employee_delete(struct store *st, int64_t id)
{
	int64_t v = 0;
	int err;

	if (!st || id <= 0)
		return EINVAL;

	err = store_tx_begin(st);
	if (err)
		return err;

	err = tenant_of(st, S_EMP_TENANT, id, &v);
	if (!err)
		err = run_id(st, S_EMP_RELEASE_NUMBERS, id, "employee delete",
			     EIO, NULL);
	if (!err)
		err = run_id(st, S_EMP_DELETE_DEVICES, id, "employee delete",
			     EBUSY, NULL);
	if (!err)
		err = run_id(st, S_EMP_DELETE, id, "employee delete", EBUSY,
			     NULL);

	return store_tx_end(st, err);
}

struct employee_walk {
	store_employee_h *h;
	void *arg;
};

static int employee_row(sqlite3_stmt *s, void *arg)
{
	struct employee_walk *w = arg;
	struct store_employee e;

	employee_read(s, &e);
	return w->h(&e, w->arg);
}

int store_employee_list(struct store *st, int64_t tenant_id,
			store_employee_h *h, void *arg)
{
	struct employee_walk w = {h, arg};
	sqlite3_stmt *s;
	int err;

	if (!st || tenant_id < 0 || !h)
		return EINVAL;

	err = stmt_get(st, S_EMP_LIST, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, tenant_id);
	err = walk(st, s, "employee list", employee_row, &w);
	stmt_put(st, S_EMP_LIST, s);

	return err;
}

/* Point number id at target (type, target_id), or at nothing. */
static int number_route(struct store *st, int64_t id, bool active,
			enum store_target type, int64_t target_id,
			const char *desc, size_t descsz, const char *op)
{
	sqlite3_stmt *s;
	int err;

	err = stmt_get(st, S_NUM_UPDATE, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, active);
	sqlite3_bind_int(s, 3, type == TARGET_NONE ? 0 : (int)type);
	sqlite3_bind_int64(s, 4, type == TARGET_NONE ? 0 : target_id);
	bind_text(s, 5, desc, descsz);

	err = step(st, s, op, EIO);
	if (!err && !sqlite3_changes(st->db))
		err = ENOENT;

	stmt_put(st, S_NUM_UPDATE, s);

	return err;
}

/* Release number id to target none, keeping active and description. */
static int number_release(struct store *st, int64_t id, const char *op)
{
	struct store_number n;
	int err;

	err = store_number_get(st, id, &n);
	if (err)
		return err;

	return number_route(st, id, n.active, TARGET_NONE, 0, n.description,
			    sizeof(n.description), op);
}

/* The body of store_employee_set_personal(), inside its transaction. */
static int set_personal(struct store *st, int64_t id, const char *e164)
{
	static const char op[] = "employee set personal";
	struct store_number n;
	int64_t tenant_id, old = 0, owner = 0;
	int err;

	err = tenant_of(st, S_EMP_TENANT, id, &tenant_id);
	if (err)
		return err;

	err = run_id(st, S_EMP_PERSONAL, id, op, EIO, &old);
	if (err)
		return err;

	if (!str_isset(e164)) {
		if (!old)
			return 0;
		err = run_id(st, S_EMP_SET_PERSONAL, id, op, EIO, NULL);
		if (err)
			return err;
		return number_release(st, old, op);
	}

	err = store_number_by_e164(st, e164, &n);
	if (err)
		return err;
	if (n.tenant_id != tenant_id)
		return EXDEV;
	if (!n.active)
		return EACCES;
	if (n.id == old)
		return 0;

	/* free: nobody's personal number, routed nowhere or to us */
	if (n.personal) {
		err = run_id(st, S_EMP_BY_PERSONAL, n.id, op, EIO, &owner);
		if (err)
			return err;
		if (owner != id)
			return EBUSY;
	}
	if (n.target_type != TARGET_NONE &&
	    !(n.target_type == TARGET_EMPLOYEE && n.target_id == id))
		return EBUSY;

	if (old) {
		err = number_release(st, old, op);
		if (err)
			return err;
	}

	{
		sqlite3_stmt *s;

		err = stmt_get(st, S_EMP_SET_PERSONAL, &s);
		if (err)
			return err;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, n.id);
		err = step(st, s, op, ENOENT);
		stmt_put(st, S_EMP_SET_PERSONAL, s);
		if (err)
			return err;
	}

	return number_route(st, n.id, true, TARGET_EMPLOYEE, id, n.description,
			    sizeof(n.description), op);
}

int store_employee_set_personal(struct store *st, int64_t id, const char *e164)
{
	int err;

	if (!st || id <= 0)
		return EINVAL;

	err = store_tx_begin(st);
	if (err)
		return err;

	err = set_personal(st, id, e164);

	return store_tx_end(st, err);
}

/* ---- devices ---------------------------------------------------------- */

static void device_read(sqlite3_stmt *s, void *rec)
{
	struct store_device *d = rec;

	d->id = sqlite3_column_int64(s, 0);
	d->tenant_id = sqlite3_column_int64(s, 1);
	d->employee_id = sqlite3_column_int64(s, 2);
	COL_FIELD(s, 3, d->username);
	COL_FIELD(s, 4, d->ha1);
	COL_FIELD(s, 5, d->name);
	d->created_at = col_u64(s, 6);
	COL_FIELD(s, 7, d->srtp);
}

bool store_device_srtp_valid(const char *srtp)
{
	static const char *const v[] = {"auto", "off", "optional", "required"};
	size_t i;

	for (i = 0; srtp && i < ARRAY_SIZE(v); i++)
		if (!strcmp(srtp, v[i]))
			return true;
	return false;
}

/* "" is "auto"; anything unknown is EINVAL */
static const char *device_srtp(const struct store_device *d)
{
	if (!d->srtp[0])
		return "auto";
	return store_device_srtp_valid(d->srtp) ? d->srtp : NULL;
}

/* 32 hex digits into out (lower case); false if it is no MD5 in hex. */
static bool ha1_norm(char out[33], const char *ha1)
{
	size_t i;

	for (i = 0; i < 32; i++) {
		char c = ha1[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		out[i] = c;
	}
	out[32] = '\0';

	return ha1[32] == '\0';
}

/* The employee of a device must exist (ENOENT) and share its tenant. */
static int device_employee_check(struct store *st, int64_t employee_id,
				 int64_t tenant_id)
{
	int64_t etenant;
	int err;

	if (!employee_id)
		return 0;

	err = tenant_of(st, S_EMP_TENANT, employee_id, &etenant);
	if (err)
		return err;

	return etenant == tenant_id ? 0 : EXDEV;
}

int store_device_add(struct store *st, struct store_device *d)
{
	sqlite3_stmt *s;
	char ha1[33];
	int64_t v;
	int err;

	if (!st || !d || d->tenant_id <= 0 || d->employee_id < 0 ||
	    !str_isset(d->username) || !ha1_norm(ha1, d->ha1) ||
	    !device_srtp(d))
		return EINVAL;

	err = tenant_of(st, S_TENANT_EXISTS, d->tenant_id, &v);
	if (err)
		return err;

	err = device_employee_check(st, d->employee_id, d->tenant_id);
	if (err)
		return err;

	if (!d->created_at)
		d->created_at = time_now_ms();

	err = stmt_get(st, S_DEV_ADD, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, d->tenant_id);
	bind_ref(s, 2, d->employee_id);
	BIND_FIELD(s, 3, d->username);
	BIND_FIELD(s, 4, ha1);
	BIND_FIELD(s, 5, d->name);
	bind_u64(s, 6, d->created_at);
	BIND_STR(s, 7, device_srtp(d));

	err = step(st, s, "device add", ENOENT);
	if (!err) {
		d->id = sqlite3_last_insert_rowid(st->db);
		str_copy(d->ha1, ha1, sizeof(d->ha1));
		str_copy(d->srtp, device_srtp(d), sizeof(d->srtp));
	}

	stmt_put(st, S_DEV_ADD, s);

	return err;
}

int store_device_get(struct store *st, int64_t id, struct store_device *d)
{
	sqlite3_stmt *s;
	int err;

	if (!st || id <= 0 || !d)
		return EINVAL;

	err = stmt_get(st, S_DEV_GET, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, id);
	err = row_get(st, s, "device get", device_read, d);
	stmt_put(st, S_DEV_GET, s);

	return err;
}

/* The registrar's lookup for every REGISTER and INVITE. */
int store_device_by_username(struct store *st, const char *username,
			     struct store_device *d)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !str_isset(username) || !d)
		return EINVAL;

	err = stmt_get(st, S_DEV_BY_USERNAME, &s);
	if (err)
		return err;

	BIND_STR(s, 1, username);
	err = row_get(st, s, "device by username", device_read, d);
	stmt_put(st, S_DEV_BY_USERNAME, s);

	return err;
}

/*
 * Employee, username, ha1 and name change; tenant_id is fixed (EXDEV if set
 * and different).  Registrations stay with the device.
 */
int store_device_update(struct store *st, const struct store_device *d)
{
	sqlite3_stmt *s;
	int64_t tenant_id;
	char ha1[33];
	int err;

	if (!st || !d || d->id <= 0 || d->employee_id < 0 ||
	    !str_isset(d->username) || !ha1_norm(ha1, d->ha1) ||
	    !device_srtp(d))
		return EINVAL;

	err = tenant_of(st, S_DEV_TENANT, d->id, &tenant_id);
	if (err)
		return err;
	if (d->tenant_id && d->tenant_id != tenant_id)
		return EXDEV;

	err = device_employee_check(st, d->employee_id, tenant_id);
	if (err)
		return err;

	err = stmt_get(st, S_DEV_UPDATE, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, d->id);
	bind_ref(s, 2, d->employee_id);
	BIND_FIELD(s, 3, d->username);
	BIND_FIELD(s, 4, ha1);
	BIND_FIELD(s, 5, d->name);
	BIND_STR(s, 6, device_srtp(d));

	err = step(st, s, "device update", ENOENT);
	stmt_put(st, S_DEV_UPDATE, s);

	return err;
}

/* Its registrations go with it (ON DELETE CASCADE). */
int store_device_delete(struct store *st, int64_t id)
{
	int64_t n = 0;
	int err;

	if (!st || id <= 0)
		return EINVAL;

	err = run_id(st, S_DEV_DELETE, id, "device delete", EBUSY, &n);
	if (!err && !n)
		err = ENOENT;

	return err;
}

struct device_walk {
	store_device_h *h;
	void *arg;
};

static int device_row(sqlite3_stmt *s, void *arg)
{
	struct device_walk *w = arg;
	struct store_device d;

	device_read(s, &d);
	return w->h(&d, w->arg);
}

int store_device_list(struct store *st, int64_t tenant_id, int64_t employee_id,
		      store_device_h *h, void *arg)
{
	struct device_walk w = {h, arg};
	sqlite3_stmt *s;
	int err;

	if (!st || tenant_id < 0 || employee_id < 0 || !h)
		return EINVAL;

	err = stmt_get(st, S_DEV_LIST, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, tenant_id);
	sqlite3_bind_int64(s, 2, employee_id);
	err = walk(st, s, "device list", device_row, &w);
	stmt_put(st, S_DEV_LIST, s);

	return err;
}

/* ---- number blocks ---------------------------------------------------- */

static void block_read(sqlite3_stmt *s, void *rec)
{
	struct store_number_block *b = rec;

	b->id = sqlite3_column_int64(s, 0);
	b->tenant_id = sqlite3_column_int64(s, 1);
	COL_FIELD(s, 2, b->first);
	COL_FIELD(s, 3, b->last);
	b->created_at = col_u64(s, 4);
}

/*
 * Numbers of one length compare like integers when compared as strings, so
 * "inside the block" is first <= e164 <= last between strings of the block's
 * length.  Blocks of different lengths never overlap.
 */
static int block_add(struct store *st, struct store_number_block *b)
{
	sqlite3_stmt *s;
	int64_t v;
	int err;

	err = tenant_of(st, S_TENANT_EXISTS, b->tenant_id, &v);
	if (err)
		return err;

	err = stmt_get(st, S_BLOCK_OVERLAP, &s);
	if (err)
		return err;

	BIND_FIELD(s, 1, b->first);
	BIND_FIELD(s, 2, b->last);
	err = step(st, s, "block add", EIO);
	if (!err && sqlite3_column_int(s, 0))
		err = EEXIST;

	stmt_put(st, S_BLOCK_OVERLAP, s);
	if (err)
		return err;

	err = stmt_get(st, S_BLOCK_ADD, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, b->tenant_id);
	BIND_FIELD(s, 2, b->first);
	BIND_FIELD(s, 3, b->last);
	bind_u64(s, 4, b->created_at);

	err = step(st, s, "block add", ENOENT);
	if (!err)
		b->id = sqlite3_last_insert_rowid(st->db);

	stmt_put(st, S_BLOCK_ADD, s);

	return err;
}

int store_block_add(struct store *st, struct store_number_block *b)
{
	int err;

	if (!st || !b || b->tenant_id <= 0 || !phone_is_e164(b->first) ||
	    !phone_is_e164(b->last))
		return EINVAL;

	if (strlen(b->first) != strlen(b->last) ||
	    strcmp(b->last, b->first) < 0)
		return ERANGE;

	if (!b->created_at)
		b->created_at = time_now_ms();

	err = store_tx_begin(st);
	if (err)
		return err;

	err = block_add(st, b);

	return store_tx_end(st, err);
}

int store_block_get(struct store *st, int64_t id, struct store_number_block *b)
{
	sqlite3_stmt *s;
	int err;

	if (!st || id <= 0 || !b)
		return EINVAL;

	err = stmt_get(st, S_BLOCK_GET, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, id);
	err = row_get(st, s, "block get", block_read, b);
	stmt_put(st, S_BLOCK_GET, s);

	return err;
}

int store_block_delete(struct store *st, int64_t id)
{
	int64_t v = 0;
	int err;

	if (!st || id <= 0)
		return EINVAL;

	err = store_tx_begin(st);
	if (err)
		return err;

	err = run_id(st, S_BLOCK_INUSE, id, "block delete", EIO, &v);
	if (!err && v)
		err = EBUSY;
	if (!err)
		err = run_id(st, S_BLOCK_DELETE, id, "block delete", EBUSY, &v);
	if (!err && !v)
		err = ENOENT;

	return store_tx_end(st, err);
}

struct block_walk {
	store_number_block_h *h;
	void *arg;
};

static int block_row(sqlite3_stmt *s, void *arg)
{
	struct block_walk *w = arg;
	struct store_number_block b;

	block_read(s, &b);
	return w->h(&b, w->arg);
}

/* tenant_id 0 = all tenants. */
int store_block_list(struct store *st, int64_t tenant_id,
		     store_number_block_h *h, void *arg)
{
	struct block_walk w = {h, arg};
	sqlite3_stmt *s;
	int err;

	if (!st || tenant_id < 0 || !h)
		return EINVAL;

	err = stmt_get(st, S_BLOCK_LIST, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, tenant_id);
	err = walk(st, s, "block list", block_row, &w);
	stmt_put(st, S_BLOCK_LIST, s);

	return err;
}

/* ---- numbers ---------------------------------------------------------- */

static void number_read(sqlite3_stmt *s, void *rec)
{
	struct store_number *n = rec;

	n->id = sqlite3_column_int64(s, 0);
	n->tenant_id = sqlite3_column_int64(s, 1);
	n->block_id = sqlite3_column_int64(s, 2);
	COL_FIELD(s, 3, n->e164);
	n->active = sqlite3_column_int(s, 4) != 0;
	n->target_type = (enum store_target)sqlite3_column_int(s, 5);
	n->target_id = sqlite3_column_int64(s, 6);
	n->personal = sqlite3_column_int(s, 7) != 0;
	COL_FIELD(s, 8, n->description);
	n->created_at = col_u64(s, 9);
}

/*
 * A target must be a known type (EINVAL), exist (ENOENT) and belong to
 * tenant_id (EXDEV).  TARGET_NONE ignores target_id.
 */
static int target_check(struct store *st, enum store_target type,
			int64_t target_id, int64_t tenant_id)
{
	enum stmt_id sid;
	int64_t ttenant;
	int err;

	switch (type) {
	case TARGET_NONE:
		return 0;

	case TARGET_EMPLOYEE:
		sid = S_EMP_TENANT;
		break;

	case TARGET_ANNOUNCEMENT:
		sid = S_ANN_TENANT;
		break;

	default:
		return EINVAL;
	}

	if (target_id <= 0)
		return EINVAL;

	err = tenant_of(st, sid, target_id, &ttenant);
	if (err)
		return err;

	return ttenant == tenant_id ? 0 : EXDEV;
}

/* The block of e164 among the tenant's blocks (any tenant's if 0). */
static int block_find(struct store *st, const char *e164, int64_t tenant_id,
		      int64_t *block_idp, int64_t *tenant_idp)
{
	sqlite3_stmt *s;
	int rc, err = 0;

	err = stmt_get(st, S_BLOCK_FIND, &s);
	if (err)
		return err;

	BIND_STR(s, 1, e164);
	sqlite3_bind_int64(s, 2, tenant_id);

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*block_idp = sqlite3_column_int64(s, 0);
		*tenant_idp = sqlite3_column_int64(s, 1);
	}
	else if (rc == SQLITE_DONE) {
		err = ERANGE;
	}
	else {
		err = dberr(st, rc, "number add", EIO);
	}

	stmt_put(st, S_BLOCK_FIND, s);

	return err;
}

/*
 * n->tenant_id 0 takes the tenant of the block that contains e164; a set
 * tenant_id looks only at that tenant's blocks.  A TARGET_EMPLOYEE here is
 * an ordinary number routed to the employee, not a personal number.
 */
int store_number_add(struct store *st, struct store_number *n)
{
	sqlite3_stmt *s;
	int64_t block_id = 0, tenant_id = 0;
	int err;

	if (!st || !n || n->tenant_id < 0 || !phone_is_e164(n->e164))
		return EINVAL;

	err = block_find(st, n->e164, n->tenant_id, &block_id, &tenant_id);
	if (err)
		return err;

	err = target_check(st, n->target_type, n->target_id, tenant_id);
	if (err)
		return err;

	if (!n->created_at)
		n->created_at = time_now_ms();

	err = stmt_get(st, S_NUM_ADD, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, tenant_id);
	sqlite3_bind_int64(s, 2, block_id);
	BIND_FIELD(s, 3, n->e164);
	sqlite3_bind_int(s, 4, n->active);
	sqlite3_bind_int(s, 5, (int)n->target_type);
	sqlite3_bind_int64(s, 6, n->target_type ? n->target_id : 0);
	BIND_FIELD(s, 7, n->description);
	bind_u64(s, 8, n->created_at);

	err = step(st, s, "number add", ENOENT);
	if (!err) {
		n->id = sqlite3_last_insert_rowid(st->db);
		n->tenant_id = tenant_id;
		n->block_id = block_id;
		n->personal = false;
		if (n->target_type == TARGET_NONE)
			n->target_id = 0;
	}

	stmt_put(st, S_NUM_ADD, s);

	return err;
}

int store_number_get(struct store *st, int64_t id, struct store_number *n)
{
	sqlite3_stmt *s;
	int err;

	if (!st || id <= 0 || !n)
		return EINVAL;

	err = stmt_get(st, S_NUM_GET, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, id);
	err = row_get(st, s, "number get", number_read, n);
	stmt_put(st, S_NUM_GET, s);

	return err;
}

/* The router's lookup for every inbound call. */
int store_number_by_e164(struct store *st, const char *e164,
			 struct store_number *n)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !str_isset(e164) || !n)
		return EINVAL;

	err = stmt_get(st, S_NUM_BY_E164, &s);
	if (err)
		return err;

	BIND_STR(s, 1, e164);
	err = row_get(st, s, "number by e164", number_read, n);
	stmt_put(st, S_NUM_BY_E164, s);

	return err;
}

/* The body of store_number_update(), inside its transaction. */
static int number_update(struct store *st, const struct store_number *n)
{
	static const char op[] = "number update";
	struct store_number cur;
	int64_t owner = 0;
	int err;

	err = store_number_get(st, n->id, &cur);
	if (err)
		return err;

	if (cur.personal) {
		err = run_id(st, S_EMP_BY_PERSONAL, cur.id, op, EIO, &owner);
		if (err)
			return err;

		/* deactivating it takes it from the employee (a fault) */
		if (!n->active) {
			err = run_id(st, S_NUM_UNSET_PERSONAL, cur.id, op, EIO,
				     NULL);
			if (err)
				return err;
			return number_route(st, cur.id, false, TARGET_NONE, 0,
					    n->description,
					    sizeof(n->description), op);
		}

		if (n->target_type != TARGET_EMPLOYEE || n->target_id != owner)
			return EPERM;
	}
	else {
		err = target_check(st, n->target_type, n->target_id,
				   cur.tenant_id);
		if (err)
			return err;
	}

	return number_route(st, cur.id, n->active, n->target_type, n->target_id,
			    n->description, sizeof(n->description), op);
}

int store_number_update(struct store *st, const struct store_number *n)
{
	int err;

	if (!st || !n || n->id <= 0)
		return EINVAL;

	err = store_tx_begin(st);
	if (err)
		return err;

	err = number_update(st, n);

	return store_tx_end(st, err);
}

/* A personal number is taken from its employee first (who shows a fault). */
int store_number_delete(struct store *st, int64_t id)
{
	static const char op[] = "number delete";
	int64_t v = 0;
	int err;

	if (!st || id <= 0)
		return EINVAL;

	err = store_tx_begin(st);
	if (err)
		return err;

	err = run_id(st, S_NUM_UNSET_PERSONAL, id, op, EIO, NULL);
	if (!err)
		err = run_id(st, S_NUM_DELETE, id, op, EBUSY, &v);
	if (!err && !v)
		err = ENOENT;

	return store_tx_end(st, err);
}

struct number_walk {
	store_number_h *h;
	void *arg;
};

static int number_row(sqlite3_stmt *s, void *arg)
{
	struct number_walk *w = arg;
	struct store_number n;

	number_read(s, &n);
	return w->h(&n, w->arg);
}

/* tenant_id 0 = all tenants. */
int store_number_list(struct store *st, int64_t tenant_id, store_number_h *h,
		      void *arg)
{
	struct number_walk w = {h, arg};
	sqlite3_stmt *s;
	int err;

	if (!st || tenant_id < 0 || !h)
		return EINVAL;

	err = stmt_get(st, S_NUM_LIST, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, tenant_id);
	err = walk(st, s, "number list", number_row, &w);
	stmt_put(st, S_NUM_LIST, s);

	return err;
}

/* ---- announcements ---------------------------------------------------- */

static void announcement_read(sqlite3_stmt *s, void *rec)
{
	struct store_announcement *a = rec;

	a->id = sqlite3_column_int64(s, 0);
	a->tenant_id = sqlite3_column_int64(s, 1);
	COL_FIELD(s, 2, a->name);
	COL_FIELD(s, 3, a->file);
	a->created_at = col_u64(s, 4);
}

/* A name, and a file inside the prompts directory: relative, no "..". */
static bool announcement_valid(const struct store_announcement *a)
{
	const char *p;

	if (!a || !str_isset(a->name) || !str_isset(a->file) ||
	    a->file[0] == '/')
		return false;

	for (p = a->file; p; p = strchr(p, '/')) {
		if (*p == '/')
			++p;
		if (!strncmp(p, "..", 2) && (p[2] == '/' || p[2] == '\0'))
			return false;
	}

	return true;
}

int store_announcement_add(struct store *st, struct store_announcement *a)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !announcement_valid(a) || a->tenant_id <= 0)
		return EINVAL;

	if (!a->created_at)
		a->created_at = time_now_ms();

	err = stmt_get(st, S_ANN_ADD, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, a->tenant_id);
	BIND_FIELD(s, 2, a->name);
	BIND_FIELD(s, 3, a->file);
	bind_u64(s, 4, a->created_at);

	err = step(st, s, "announcement add", ENOENT);
	if (!err)
		a->id = sqlite3_last_insert_rowid(st->db);

	stmt_put(st, S_ANN_ADD, s);

	return err;
}

int store_announcement_get(struct store *st, int64_t id,
			   struct store_announcement *a)
{
	sqlite3_stmt *s;
	int err;

	if (!st || id <= 0 || !a)
		return EINVAL;

	err = stmt_get(st, S_ANN_GET, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, id);
	err = row_get(st, s, "announcement get", announcement_read, a);
	stmt_put(st, S_ANN_GET, s);

	return err;
}

/* Name and file change; tenant_id is fixed (EXDEV if set and different). */
int store_announcement_update(struct store *st,
			      const struct store_announcement *a)
{
	sqlite3_stmt *s;
	int64_t tenant_id;
	int err;

	if (!st || !announcement_valid(a) || a->id <= 0)
		return EINVAL;

	err = tenant_of(st, S_ANN_TENANT, a->id, &tenant_id);
	if (err)
		return err;
	if (a->tenant_id && a->tenant_id != tenant_id)
		return EXDEV;

	err = stmt_get(st, S_ANN_UPDATE, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, a->id);
	BIND_FIELD(s, 2, a->name);
	BIND_FIELD(s, 3, a->file);

	err = step(st, s, "announcement update", ENOENT);
	stmt_put(st, S_ANN_UPDATE, s);

	return err;
}

int store_announcement_delete(struct store *st, int64_t id)
{
	int64_t v = 0;
	int err;

	if (!st || id <= 0)
		return EINVAL;

	err = store_tx_begin(st);
	if (err)
		return err;

	err = run_id(st, S_ANN_INUSE, id, "announcement delete", EIO, &v);
	if (!err && v)
		err = EBUSY;
	if (!err)
		err = run_id(st, S_ANN_DELETE, id, "announcement delete", EBUSY,
			     &v);
	if (!err && !v)
		err = ENOENT;

	return store_tx_end(st, err);
}

struct announcement_walk {
	store_announcement_h *h;
	void *arg;
};

static int announcement_row(sqlite3_stmt *s, void *arg)
{
	struct announcement_walk *w = arg;
	struct store_announcement a;

	announcement_read(s, &a);
	return w->h(&a, w->arg);
}

/* tenant_id 0 = all tenants. */
int store_announcement_list(struct store *st, int64_t tenant_id,
			    store_announcement_h *h, void *arg)
{
	struct announcement_walk w = {h, arg};
	sqlite3_stmt *s;
	int err;

	if (!st || tenant_id < 0 || !h)
		return EINVAL;

	err = stmt_get(st, S_ANN_LIST, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, tenant_id);
	err = walk(st, s, "announcement list", announcement_row, &w);
	stmt_put(st, S_ANN_LIST, s);

	return err;
}

/* ---- trunks ----------------------------------------------------------- */

static void trunk_read(sqlite3_stmt *s, void *rec)
{
	struct store_trunk *t = rec;

	t->id = sqlite3_column_int64(s, 0);
	t->tenant_id = sqlite3_column_int64(s, 1);
	COL_FIELD(s, 2, t->name);
	COL_FIELD(s, 3, t->host);
	t->port = (uint16_t)sqlite3_column_int(s, 4);
	COL_FIELD(s, 5, t->transport);
	t->match_any_port = sqlite3_column_int(s, 6) != 0;
	COL_FIELD(s, 7, t->username);
	COL_FIELD(s, 8, t->password);
	t->created_at = col_u64(s, 9);
	t->do_register = sqlite3_column_int(s, 10) != 0;
	COL_FIELD(s, 11, t->registrar);
	COL_FIELD(s, 12, t->domain);
	COL_FIELD(s, 13, t->auth_user);
	COL_FIELD(s, 14, t->from_user);
	t->expires = (uint32_t)sqlite3_column_int64(s, 15);
}

/*
 * Bind the columns ?1..?14 (tenant_id .. expires) shared by add and
 * update: port 0 means 5060, transport "" means "udp" and expires 0 means
 * 600; any transport but "udp", "tcp" and "tls" is EINVAL, as is a trunk without
 * host or a registering trunk without username (the account to register).
 */
static int trunk_bind(sqlite3_stmt *s, int first, const struct store_trunk *t)
{
	const char *transport = t->transport[0] ? t->transport : "udp";

	if (strcmp(transport, "udp") && strcmp(transport, "tcp") &&
	    strcmp(transport, "tls"))
		return EINVAL;
	if (t->do_register && !t->username[0])
		return EINVAL;

	bind_ref(s, first, t->tenant_id);
	BIND_FIELD(s, first + 1, t->name);
	BIND_FIELD(s, first + 2, t->host);
	sqlite3_bind_int(s, first + 3, t->port ? t->port : TRUNK_PORT);
	BIND_STR(s, first + 4, transport);
	sqlite3_bind_int(s, first + 5, t->match_any_port);
	BIND_FIELD(s, first + 6, t->username);
	BIND_FIELD(s, first + 7, t->password);
	sqlite3_bind_int(s, first + 8, t->do_register);
	BIND_FIELD(s, first + 9, t->registrar);
	BIND_FIELD(s, first + 10, t->domain);
	BIND_FIELD(s, first + 11, t->auth_user);
	BIND_FIELD(s, first + 12, t->from_user);
	sqlite3_bind_int64(s, first + 13,
			   t->expires ? t->expires : TRUNK_EXPIRES);

	return 0;
}

/* tenant_id 0: shared by all tenants; else the tenant must exist. */
int store_trunk_add(struct store *st, struct store_trunk *t)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !t || t->tenant_id < 0 || !str_isset(t->host))
		return EINVAL;

	if (!t->created_at)
		t->created_at = time_now_ms();

	err = stmt_get(st, S_TRUNK_ADD, &s);
	if (err)
		return err;

	err = trunk_bind(s, 1, t);
	if (err)
		goto out;
	bind_u64(s, 15, t->created_at);

	err = step(st, s, "trunk add", ENOENT);
	if (err)
		goto out;

	t->id = sqlite3_last_insert_rowid(st->db);
	if (!t->port)
		t->port = TRUNK_PORT;
	if (!t->transport[0])
		str_copy(t->transport, "udp", sizeof(t->transport));
	if (!t->expires)
		t->expires = TRUNK_EXPIRES;

out:
	stmt_put(st, S_TRUNK_ADD, s);

	return err;
}

int store_trunk_get(struct store *st, int64_t id, struct store_trunk *t)
{
	sqlite3_stmt *s;
	int err;

	if (!st || id <= 0 || !t)
		return EINVAL;

	err = stmt_get(st, S_TRUNK_GET, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, id);
	err = row_get(st, s, "trunk get", trunk_read, t);
	stmt_put(st, S_TRUNK_GET, s);

	return err;
}

/* Every field but created_at changes, tenant_id included. */
int store_trunk_update(struct store *st, const struct store_trunk *t)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !t || t->id <= 0 || t->tenant_id < 0 || !str_isset(t->host))
		return EINVAL;

	err = stmt_get(st, S_TRUNK_UPDATE, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, t->id);
	err = trunk_bind(s, 2, t);
	if (!err)
		err = step(st, s, "trunk update", ENOENT);
	if (!err && !sqlite3_changes(st->db))
		err = ENOENT;

	stmt_put(st, S_TRUNK_UPDATE, s);

	return err;
}

int store_trunk_delete(struct store *st, int64_t id)
{
	int64_t n = 0;
	int err;

	if (!st || id <= 0)
		return EINVAL;

	err = run_id(st, S_TRUNK_DELETE, id, "trunk delete", EBUSY, &n);
	if (!err && !n)
		err = ENOENT;

	return err;
}

struct trunk_walk {
	store_trunk_h *h;
	void *arg;
};

static int trunk_row(sqlite3_stmt *s, void *arg)
{
	struct trunk_walk *w = arg;
	struct store_trunk t;

	trunk_read(s, &t);
	return w->h(&t, w->arg);
}

int store_trunk_list(struct store *st, store_trunk_h *h, void *arg)
{
	struct trunk_walk w = {h, arg};
	sqlite3_stmt *s;
	int err;

	if (!st || !h)
		return EINVAL;

	err = stmt_get(st, S_TRUNK_LIST, &s);
	if (err)
		return err;

	err = walk(st, s, "trunk list", trunk_row, &w);
	stmt_put(st, S_TRUNK_LIST, s);

	return err;
}

/* Of several trunks on one host, one with exactly this port wins, then the
 * lowest id. */
int store_trunk_by_source(struct store *st, const char *ip, uint16_t port,
			  struct store_trunk *t)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !str_isset(ip) || !t)
		return EINVAL;

	err = stmt_get(st, S_TRUNK_BY_SOURCE, &s);
	if (err)
		return err;

	BIND_STR(s, 1, ip);
	sqlite3_bind_int(s, 2, port);
	err = row_get(st, s, "trunk by source", trunk_read, t);
	stmt_put(st, S_TRUNK_BY_SOURCE, s);

	return err;
}

/* tenant_id 0 finds only a shared trunk. */
int store_trunk_for_tenant(struct store *st, int64_t tenant_id,
			   struct store_trunk *t)
{
	sqlite3_stmt *s;
	int err;

	if (!st || tenant_id < 0 || !t)
		return EINVAL;

	err = stmt_get(st, S_TRUNK_FOR_TENANT, &s);
	if (err)
		return err;

	bind_ref(s, 1, tenant_id);
	err = row_get(st, s, "trunk for tenant", trunk_read, t);
	stmt_put(st, S_TRUNK_FOR_TENANT, s);

	return err;
}

/* ---- registrations ---------------------------------------------------- */

static void reg_read(sqlite3_stmt *s, void *rec)
{
	struct store_registration *r = rec;

	r->id = sqlite3_column_int64(s, 0);
	r->device_id = sqlite3_column_int64(s, 1);
	COL_FIELD(s, 2, r->contact);
	COL_FIELD(s, 3, r->received);
	COL_FIELD(s, 4, r->transport);
	COL_FIELD(s, 5, r->call_id);
	r->cseq = (uint32_t)sqlite3_column_int64(s, 6);
	COL_FIELD(s, 7, r->user_agent);
	COL_FIELD(s, 8, r->instance);
	COL_FIELD(s, 9, r->path);
	COL_FIELD(s, 10, r->node_id);
	r->expires_at = col_u64(s, 11);
	r->updated_at = col_u64(s, 12);
}

/* ENOENT if the device does not exist.  updated_at 0 means now. */
int store_reg_save(struct store *st, struct store_registration *r)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !r || r->device_id <= 0 || !str_isset(r->contact))
		return EINVAL;

	if (!r->updated_at)
		r->updated_at = time_now_ms();

	err = stmt_get(st, S_REG_SAVE, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, r->device_id);
	BIND_FIELD(s, 2, r->contact);
	BIND_FIELD(s, 3, r->received);
	BIND_FIELD(s, 4, r->transport);
	BIND_FIELD(s, 5, r->call_id);
	sqlite3_bind_int64(s, 6, r->cseq);
	BIND_FIELD(s, 7, r->user_agent);
	BIND_FIELD(s, 8, r->instance);
	BIND_FIELD(s, 9, r->path);
	BIND_FIELD(s, 10, r->node_id);
	bind_u64(s, 11, r->expires_at);
	bind_u64(s, 12, r->updated_at);

	err = step(st, s, "registration save", ENOENT);
	if (!err)
		r->id = sqlite3_column_int64(s, 0);

	stmt_put(st, S_REG_SAVE, s);

	return err;
}

/* ENOENT if there was no such binding. */
int store_reg_delete(struct store *st, int64_t device_id, const char *contact)
{
	sqlite3_stmt *s;
	int err;

	if (!st || device_id <= 0 || !str_isset(contact))
		return EINVAL;

	err = stmt_get(st, S_REG_DELETE, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, device_id);
	BIND_STR(s, 2, contact);
	err = step(st, s, "registration delete", EIO);
	if (!err && !sqlite3_changes(st->db))
		err = ENOENT;

	stmt_put(st, S_REG_DELETE, s);

	return err;
}

/* 0 also when the device had no bindings. */
int store_reg_delete_device(struct store *st, int64_t device_id)
{
	if (!st || device_id <= 0)
		return EINVAL;

	return run_id(st, S_REG_DELETE_DEVICE, device_id,
		      "registration delete device", EIO, NULL);
}

struct reg_walk {
	store_registration_h *h;
	void *arg;
};

static int reg_row(sqlite3_stmt *s, void *arg)
{
	struct reg_walk *w = arg;
	struct store_registration r;

	reg_read(s, &r);
	return w->h(&r, w->arg);
}

/* A binding is alive while expires_at > now. */
int store_reg_list(struct store *st, int64_t device_id, uint64_t now,
		   store_registration_h *h, void *arg)
{
	struct reg_walk w = {h, arg};
	int which = device_id ? S_REG_LIST : S_REG_LIST_ALL;
	sqlite3_stmt *s;
	int err;

	if (!st || device_id < 0 || !h)
		return EINVAL;

	err = stmt_get(st, which, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, device_id);
	bind_u64(s, 2, now);
	err = walk(st, s, "registration list", reg_row, &w);
	stmt_put(st, which, s);

	return err;
}

int store_reg_list_employee(struct store *st, int64_t employee_id, uint64_t now,
			    store_registration_h *h, void *arg)
{
	struct reg_walk w = {h, arg};
	sqlite3_stmt *s;
	int err;

	if (!st || employee_id <= 0 || !h)
		return EINVAL;

	err = stmt_get(st, S_REG_LIST_EMPLOYEE, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, employee_id);
	bind_u64(s, 2, now);
	err = walk(st, s, "registration list employee", reg_row, &w);
	stmt_put(st, S_REG_LIST_EMPLOYEE, s);

	return err;
}

/* Bindings with expires_at <= now are gone (the complement of the lists);
 * np may be NULL. */
int store_reg_purge(struct store *st, uint64_t now, unsigned *np)
{
	sqlite3_stmt *s;
	int err;

	if (!st)
		return EINVAL;

	err = stmt_get(st, S_REG_PURGE, &s);
	if (err)
		return err;

	bind_u64(s, 1, now);
	err = step(st, s, "registration purge", EIO);
	if (!err && np)
		*np = (unsigned)sqlite3_changes(st->db);

	stmt_put(st, S_REG_PURGE, s);

	return err;
}

/* ---- call records ----------------------------------------------------- */

static void call_read(sqlite3_stmt *s, void *rec)
{
	struct store_call *c = rec;

	c->id = sqlite3_column_int64(s, 0);
	COL_FIELD(s, 1, c->node_id);
	COL_FIELD(s, 2, c->sip_call_id);
	c->tenant_id = sqlite3_column_int64(s, 3);
	COL_FIELD(s, 4, c->direction);
	COL_FIELD(s, 5, c->from_number);
	COL_FIELD(s, 6, c->to_number);
	COL_FIELD(s, 7, c->caller_leg);
	COL_FIELD(s, 8, c->callee_leg);
	c->started_at = col_u64(s, 9);
	c->answered_at = col_u64(s, 10);
	c->ended_at = col_u64(s, 11);
	COL_FIELD(s, 12, c->disposition);
	c->sip_code = (uint16_t)sqlite3_column_int(s, 13);
	COL_FIELD(s, 14, c->ended_by);
}

static bool direction_valid(const char *d)
{
	return !strcmp(d, "inbound") || !strcmp(d, "outbound") ||
	       !strcmp(d, "internal");
}

/*
 * direction must be "inbound", "outbound" or "internal"; started_at 0 means
 * now.  The other fields are stored as given (normally a live call with
 * answered_at and ended_at 0).
 */
int store_call_add(struct store *st, struct store_call *c)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !c || c->tenant_id < 0 || !direction_valid(c->direction) ||
	    c->sip_code > 699)
		return EINVAL;

	if (!c->started_at)
		c->started_at = time_now_ms();

	err = stmt_get(st, S_CALL_ADD, &s);
	if (err)
		return err;

	BIND_FIELD(s, 1, c->node_id);
	BIND_FIELD(s, 2, c->sip_call_id);
	sqlite3_bind_int64(s, 3, c->tenant_id);
	BIND_FIELD(s, 4, c->direction);
	BIND_FIELD(s, 5, c->from_number);
	BIND_FIELD(s, 6, c->to_number);
	BIND_FIELD(s, 7, c->caller_leg);
	BIND_FIELD(s, 8, c->callee_leg);
	bind_u64(s, 9, c->started_at);
	bind_u64(s, 10, c->answered_at);
	bind_u64(s, 11, c->ended_at);
	BIND_FIELD(s, 12, c->disposition);
	sqlite3_bind_int(s, 13, c->sip_code);
	BIND_FIELD(s, 14, c->ended_by);

	err = step(st, s, "call add", EIO);
	if (!err)
		c->id = sqlite3_last_insert_rowid(st->db);

	stmt_put(st, S_CALL_ADD, s);

	return err;
}

/* at 0 means now; callee_leg NULL keeps the one recorded. */
int store_call_answered(struct store *st, int64_t id, uint64_t at,
			const char *callee_leg)
{
	struct store_call c;
	sqlite3_stmt *s;
	int err;

	if (!st || id <= 0)
		return EINVAL;

	err = stmt_get(st, S_CALL_ANSWERED, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, id);
	bind_u64(s, 2, at ? at : time_now_ms());
	if (callee_leg)
		bind_text(s, 3, callee_leg, sizeof(c.callee_leg));

	err = step(st, s, "call answered", EIO);
	if (!err && !sqlite3_changes(st->db))
		err = ENOENT;

	stmt_put(st, S_CALL_ANSWERED, s);

	return err;
}

/* disposition is required; at 0 means now; ended_by NULL means "". */
int store_call_ended(struct store *st, int64_t id, uint64_t at,
		     const char *disposition, uint16_t sip_code,
		     const char *ended_by)
{
	struct store_call c;
	sqlite3_stmt *s;
	int err;

	if (!st || id <= 0 || !str_isset(disposition) || sip_code > 699)
		return EINVAL;

	err = stmt_get(st, S_CALL_ENDED, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, id);
	bind_u64(s, 2, at ? at : time_now_ms());
	bind_text(s, 3, disposition, sizeof(c.disposition));
	sqlite3_bind_int(s, 4, sip_code);
	bind_text(s, 5, ended_by, sizeof(c.ended_by));

	err = step(st, s, "call ended", EIO);
	if (!err && !sqlite3_changes(st->db))
		err = ENOENT;

	stmt_put(st, S_CALL_ENDED, s);

	return err;
}

int store_call_get(struct store *st, int64_t id, struct store_call *c)
{
	sqlite3_stmt *s;
	int err;

	if (!st || id <= 0 || !c)
		return EINVAL;

	err = stmt_get(st, S_CALL_GET, &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, id);
	err = row_get(st, s, "call get", call_read, c);
	stmt_put(st, S_CALL_GET, s);

	return err;
}

struct call_walk {
	store_call_h *h;
	void *arg;
};

static int call_row(sqlite3_stmt *s, void *arg)
{
	struct call_walk *w = arg;
	struct store_call c;

	call_read(s, &c);
	return w->h(&c, w->arg);
}

/*
 * Newest first (started_at, then id, descending), not in id order as other
 * lists.  f NULL lists the newest 100 calls; a limit above 1000 is 1000.
 */
int store_call_list(struct store *st, const struct store_call_filter *f,
		    store_call_h *h, void *arg)
{
	static const struct store_call_filter none;
	struct call_walk w = {h, arg};
	enum stmt_id sid;
	sqlite3_stmt *s;
	uint32_t limit;
	int err;

	if (!st || !h)
		return EINVAL;

	if (!f)
		f = &none;
	if (f->tenant_id < 0)
		return EINVAL;

	limit = f->limit ? f->limit : CALL_LIMIT;
	if (limit > CALL_LIMIT_MAX)
		limit = CALL_LIMIT_MAX;

	sid = f->tenant_id ? S_CALL_LIST_TENANT : S_CALL_LIST;
	err = stmt_get(st, sid, &s);
	if (err)
		return err;

	if (f->tenant_id)
		sqlite3_bind_int64(s, 1, f->tenant_id);
	bind_u64(s, 2, f->since);
	sqlite3_bind_int64(s, 3,
			   f->until && f->until <= INT64_MAX
			       ? (sqlite3_int64)f->until
			       : INT64_MAX);
	sqlite3_bind_int64(s, 4, limit);
	sqlite3_bind_int64(s, 5, f->offset);

	err = walk(st, s, "call list", call_row, &w);
	stmt_put(st, sid, s);

	return err;
}

/* Run a close statement sid bound by the caller; *np gets the count. */
static int call_close(struct store *st, enum stmt_id sid, sqlite3_stmt *s,
		      unsigned *np)
{
	int err;

	err = step(st, s, "call close", EIO);
	if (np)
		*np = err ? 0 : (unsigned)sqlite3_changes(st->db);

	stmt_put(st, sid, s);

	return err;
}

int store_call_close_node(struct store *st, const char *node_id, unsigned *np)
{
	sqlite3_stmt *s;
	int err;

	if (np)
		*np = 0;
	if (!st || !str_isset(node_id))
		return EINVAL;

	err = stmt_get(st, S_CALL_CLOSE_NODE, &s);
	if (err)
		return err;

	BIND_STR(s, 1, node_id);

	return call_close(st, S_CALL_CLOSE_NODE, s, np);
}

int store_call_close_stale(struct store *st, const char *self, uint64_t before,
			   unsigned *np)
{
	sqlite3_stmt *s;
	int err;

	if (np)
		*np = 0;
	if (!st || !str_isset(self) || !before)
		return EINVAL;

	err = stmt_get(st, S_CALL_CLOSE_STALE, &s);
	if (err)
		return err;

	BIND_STR(s, 1, self);
	bind_u64(s, 2, before);

	return call_close(st, S_CALL_CLOSE_STALE, s, np);
}

/* ---- nodes ------------------------------------------------------------ */

int store_node_heartbeat(struct store *st, const char *node_id,
			 uint64_t started_at, uint64_t at)
{
	struct store_node n;
	sqlite3_stmt *s;
	int err;

	if (!st || !str_isset(node_id) || strlen(node_id) >= sizeof(n.node_id))
		return EINVAL;

	if (!at)
		at = time_now_ms();
	if (!started_at)
		started_at = at;

	err = stmt_get(st, S_NODE_HEARTBEAT, &s);
	if (err)
		return err;

	BIND_STR(s, 1, node_id);
	bind_u64(s, 2, started_at);
	bind_u64(s, 3, at);
	err = step(st, s, "node heartbeat", EIO);

	stmt_put(st, S_NODE_HEARTBEAT, s);

	return err;
}

static void node_read(sqlite3_stmt *s, void *rec)
{
	struct store_node *n = rec;
	sqlite3_int64 live = sqlite3_column_int64(s, 3);

	COL_FIELD(s, 0, n->node_id);
	n->started_at = col_u64(s, 1);
	n->heartbeat_at = col_u64(s, 2);
	n->live_calls = live > UINT32_MAX ? UINT32_MAX : (uint32_t)live;
}

int store_node_get(struct store *st, const char *node_id, struct store_node *n)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !str_isset(node_id) || !n)
		return EINVAL;

	err = stmt_get(st, S_NODE_GET, &s);
	if (err)
		return err;

	BIND_STR(s, 1, node_id);
	err = row_get(st, s, "node get", node_read, n);
	if (!err && !sqlite3_column_int(s, 4))
		err = ENOENT;

	stmt_put(st, S_NODE_GET, s);

	return err;
}

struct node_walk {
	store_node_h *h;
	void *arg;
};

static int node_row(sqlite3_stmt *s, void *arg)
{
	struct node_walk *w = arg;
	struct store_node n;

	node_read(s, &n);
	return w->h(&n, w->arg);
}

int store_node_list(struct store *st, store_node_h *h, void *arg)
{
	struct node_walk w = {h, arg};
	sqlite3_stmt *s;
	int err;

	if (!st || !h)
		return EINVAL;

	err = stmt_get(st, S_NODE_LIST, &s);
	if (err)
		return err;

	err = walk(st, s, "node list", node_row, &w);
	stmt_put(st, S_NODE_LIST, s);

	return err;
}

/* ---- API tokens ------------------------------------------------------- */

static void token_read(sqlite3_stmt *s, void *rec)
{
	struct store_token *t = rec;

	t->id = sqlite3_column_int64(s, 0);
	COL_FIELD(s, 1, t->role);
	t->tenant_id = sqlite3_column_int64(s, 2);
	COL_FIELD(s, 3, t->name);
	t->created_at = col_u64(s, 4);
}

/* Lower-case hex SHA-256 of token. */
static int token_hash(char hex[SHA256_HEX], const char *token)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned i, n = 0;

	if (!EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL) ||
	    2 * n + 1 != SHA256_HEX)
		return ENOMEM;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';

	return 0;
}

/* t->role is required; tenant_id 0 is an admin token, else the tenant
 * must exist (ENOENT).  EEXIST if the same token is stored already. */
int store_token_add(struct store *st, const char *token, struct store_token *t)
{
	char hash[SHA256_HEX];
	sqlite3_stmt *s;
	int err;

	if (!st || !str_isset(token) || !t || !str_isset(t->role) ||
	    t->tenant_id < 0)
		return EINVAL;

	err = token_hash(hash, token);
	if (err)
		return err;

	if (!t->created_at)
		t->created_at = time_now_ms();

	err = stmt_get(st, S_TOKEN_ADD, &s);
	if (err)
		return err;

	BIND_FIELD(s, 1, hash);
	BIND_FIELD(s, 2, t->role);
	bind_ref(s, 3, t->tenant_id);
	BIND_FIELD(s, 4, t->name);
	bind_u64(s, 5, t->created_at);

	err = step(st, s, "token add", ENOENT);
	if (!err)
		t->id = sqlite3_last_insert_rowid(st->db);

	stmt_put(st, S_TOKEN_ADD, s);

	return err;
}

/*
 * The lookup is by hash: a timing difference can at most tell an attacker
 * something about the SHA-256 of a guess, not about a stored token.
 * t may be NULL to only check.
 */
int store_token_check(struct store *st, const char *token,
		      struct store_token *t)
{
	struct store_token tmp;
	char hash[SHA256_HEX];
	sqlite3_stmt *s;
	int err;

	if (!st || !str_isset(token))
		return EINVAL;

	err = token_hash(hash, token);
	if (err)
		return err;

	err = stmt_get(st, S_TOKEN_CHECK, &s);
	if (err)
		return err;

	BIND_FIELD(s, 1, hash);
	err = row_get(st, s, "token check", token_read, t ? t : &tmp);
	stmt_put(st, S_TOKEN_CHECK, s);

	return err;
}

/* False on error too. */
bool store_token_any(struct store *st)
{
	bool any = false;

	if (!st || exists(st, S_TOKEN_ANY, "token any", &any))
		return false;

	return any;
}
