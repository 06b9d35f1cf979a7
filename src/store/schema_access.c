/*
 * schema_access.c - the steps of the store's schema (migrate.c) for
 * access and confidentiality (issue 16): roles, password logins and
 * sessions, the audit trail and deletion, failed logins.
 * A step that has shipped is never edited.
 */
#include "store/schema_int.h"

/* The four roles of issue 16 (src/http/roles.c): the admin runs the
 * service and is now called operator; an admin token bound to a tenant
 * (never made by the server, only by hand) becomes that client's
 * client_admin, which keeps it out of the service's routes.
 * client_admin and subaccount are new names only: the table keeps its
 * columns. */
const char schema_v22[] =
    "UPDATE api_tokens SET role = CASE WHEN tenant_id IS NULL"
    " THEN 'operator' ELSE 'client_admin' END WHERE role = 'admin';";

/* password logins and their sessions (issue 16, access): a user logs in
 * with login and password (POST /api/v1/sessions) and gets a session, an
 * api_tokens row with user_id, an absolute expiry and the time of its last
 * use (for the idle timeout).  Only an Argon2id hash of a password is
 * kept ($argon2id$..., libsodium's crypto_pwhash_str).  role is data,
 * checked against the roles of the route x role table ("admin" is the old
 * name of "operator").  failed_logins counts wrong passwords in a row,
 * locked_until [ms] ends a lock-out (0: none). */
const char schema_v23[] =
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY,"
    " login TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (login <> ''),"
    " password_hash TEXT NOT NULL"
    "  CHECK (substr(password_hash, 1, 10) = '$argon2id$'),"
    " role TEXT NOT NULL CHECK (role IN ('operator', 'admin', 'agent',"
    "  'client_admin', 'subaccount')),"
    " tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,"
    " employee_id INTEGER REFERENCES employees(id) ON DELETE CASCADE,"
    " created_at INTEGER NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
    " failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),"
    " locked_until INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX users_tenant ON users(tenant_id);"
    "CREATE INDEX users_employee ON users(employee_id);"
    "ALTER TABLE api_tokens ADD COLUMN user_id INTEGER"
    " REFERENCES users(id) ON DELETE CASCADE;"
    "ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER NOT NULL"
    " DEFAULT 0;"
    "ALTER TABLE api_tokens ADD COLUMN last_used_at INTEGER NOT NULL"
    " DEFAULT 0;"
    "CREATE INDEX api_tokens_user ON api_tokens(user_id);";

/* issue 16, access and confidentiality (seeds/002, Verschwiegenheitspflicht):
 * the audit trail of who read or changed a client's data, the client's
 * keep-times, and its requests to be deleted.  The audit trail cannot be
 * changed (a trigger refuses every UPDATE) and its entries cannot be
 * deleted while they are younger than the client's audit keep-time
 * (default 1095 days, as in sqlite_retention.c), unless the client's
 * deletion is running.  tenant_id has no REFERENCES: an entry may name a
 * client that never existed (an attempt on an unknown id), and
 * tenant_deletions outlives the client it records. */
const char schema_v24[] =
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " tenant_id INTEGER,"
    " token_id INTEGER,"
    " token_name TEXT NOT NULL DEFAULT '',"
    " role TEXT NOT NULL DEFAULT '',"
    " token_tenant_id INTEGER,"
    " employee_id INTEGER,"
    " ip TEXT NOT NULL DEFAULT '',"
    " port INTEGER NOT NULL DEFAULT 0,"
    " method TEXT NOT NULL,"
    " route TEXT NOT NULL,"
    " object_id INTEGER,"
    " status INTEGER NOT NULL,"
    " fields TEXT NOT NULL DEFAULT ''"
    ");"
    "CREATE INDEX audit_tenant ON audit(tenant_id, at);"
    "CREATE TABLE retention ("
    " tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id),"
    " call_days INTEGER NOT NULL CHECK (call_days BETWEEN 1 AND 3650),"
    " message_days INTEGER NOT NULL"
    "  CHECK (message_days BETWEEN 1 AND 3650),"
    " note_days INTEGER NOT NULL CHECK (note_days BETWEEN 1 AND 3650),"
    " audit_days INTEGER NOT NULL CHECK (audit_days BETWEEN 365 AND 3650),"
    " updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE tenant_deletions ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL,"
    " requested_at INTEGER NOT NULL,"
    " requested_by TEXT NOT NULL DEFAULT '',"
    " due_at INTEGER NOT NULL,"
    " cancelled_at INTEGER,"
    " cancelled_by TEXT NOT NULL DEFAULT '',"
    " running INTEGER NOT NULL DEFAULT 0,"
    " done_at INTEGER,"
    " rows INTEGER NOT NULL DEFAULT 0,"
    " files INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE UNIQUE INDEX tenant_deletions_open ON tenant_deletions(tenant_id)"
    " WHERE cancelled_at IS NULL AND done_at IS NULL;"
    "CREATE TRIGGER audit_immutable BEFORE UPDATE ON audit BEGIN"
    " SELECT RAISE(ABORT, 'audit entries are immutable');"
    " END;"
    "CREATE TRIGGER audit_kept BEFORE DELETE ON audit"
    " WHEN old.at > CAST(strftime('%s', 'now') AS INTEGER) * 1000"
    "  - 86400000 * coalesce((SELECT audit_days FROM retention r"
    "  WHERE r.tenant_id = old.tenant_id), 1095)"
    " AND NOT EXISTS (SELECT 1 FROM tenant_deletions d"
    "  WHERE d.tenant_id = old.tenant_id AND d.running = 1)"
    " BEGIN"
    " SELECT RAISE(ABORT, 'audit entries are kept for the retention period');"
    " END;";

/* issue 16: failed logins of unknown login names and of source addresses,
 * kept so that a restart does not lift a lock-out (http/login_guard.c);
 * bounded by the guard (oldest rows go, stale rows are purged). */
const char schema_v27[] =
    "CREATE TABLE login_failures ("
    " key TEXT PRIMARY KEY COLLATE NOCASE," /* login:<name>, addr:<ip> */
    " failures INTEGER NOT NULL DEFAULT 0,"
    " window_start INTEGER NOT NULL DEFAULT 0,"
    " locked_until INTEGER NOT NULL DEFAULT 0,"
    " updated_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX login_failures_updated ON login_failures(updated_at);";

/* issue 20, security of the API (migration 50): named API tokens with a
 * scope that narrows what the token's role may do ('full': the role's
 * routes; 'read-only': GET only; 'provisioning': no call control;
 * 'metrics': GET /metrics only; src/http/scope.c) and the first
 * characters of the token, so a list can tell tokens apart without the
 * secret.  Tokens made before keep the role's rights ('full') and have
 * no prefix.  expires_at (migration 23) now ends API tokens too. */
const char schema_v50[] =
    "ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'full'"
    " CHECK (scope IN ('full', 'read-only', 'provisioning', 'metrics'));"
    "ALTER TABLE api_tokens ADD COLUMN prefix TEXT NOT NULL DEFAULT '';";
