/*
 * schema_core.c - the steps of the store's schema (migrate.c) for the
 * telephone system itself: tenants, users, devices, numbers, trunks and
 * calls (the initial schema), registering trunks, media encryption,
 * node heartbeats, a tenant's language.
 * A step that has shipped is never edited.
 */
#include "store/schema_int.h"

const char schema_v1[] =
    "CREATE TABLE tenants ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " country_code TEXT NOT NULL DEFAULT '',"
    " area_code TEXT NOT NULL DEFAULT '',"
    " central_number TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL"
    ");"

    /* blocks never overlap: checked by store_block_add() */
    "CREATE TABLE number_blocks ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " first TEXT NOT NULL,"
    " last TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " CHECK (length(first) = length(last) AND first <= last)"
    ");"
    "CREATE INDEX number_blocks_tenant ON number_blocks(tenant_id);"
    "CREATE INDEX number_blocks_first ON number_blocks(first);"

    /* target_id is an employee or announcement id by target_type
	 * (enum store_target), so it has no REFERENCES clause */
    "CREATE TABLE numbers ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " block_id INTEGER NOT NULL REFERENCES number_blocks(id),"
    " e164 TEXT NOT NULL UNIQUE,"
    " active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),"
    " target_type INTEGER NOT NULL DEFAULT 0 CHECK (target_type >= 0),"
    " target_id INTEGER NOT NULL DEFAULT 0,"
    " description TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL,"
    " CHECK ((target_type = 0) = (target_id = 0))"
    ");"
    "CREATE INDEX numbers_tenant ON numbers(tenant_id);"
    "CREATE INDEX numbers_block ON numbers(block_id);"
    "CREATE INDEX numbers_target ON numbers(target_type, target_id);"

    /* personal_number_id is the only link between an employee and its
	 * personal number; numbers.personal is derived from it */
    "CREATE TABLE employees ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " first_name TEXT NOT NULL DEFAULT '',"
    " last_name TEXT NOT NULL DEFAULT '',"
    " email TEXT NOT NULL DEFAULT '',"
    " extension TEXT NOT NULL DEFAULT '',"
    " personal_number_id INTEGER UNIQUE REFERENCES numbers(id),"
    " show_personal_number INTEGER NOT NULL DEFAULT 0"
    "  CHECK (show_personal_number IN (0, 1)),"
    " created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX employees_tenant ON employees(tenant_id);"
    "CREATE UNIQUE INDEX employees_extension"
    " ON employees(tenant_id, extension) WHERE extension <> '';"

    "CREATE TABLE devices ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " employee_id INTEGER REFERENCES employees(id),"
    " username TEXT NOT NULL UNIQUE CHECK (username <> ''),"
    " ha1 TEXT NOT NULL CHECK (length(ha1) = 32),"
    " name TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX devices_tenant ON devices(tenant_id);"
    "CREATE INDEX devices_employee ON devices(employee_id);"

    "CREATE TABLE announcements ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " file TEXT NOT NULL CHECK (file <> ''),"
    " created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX announcements_tenant ON announcements(tenant_id);"

    /* tenant_id NULL: shared by all tenants */
    "CREATE TABLE trunks ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER REFERENCES tenants(id),"
    " name TEXT NOT NULL DEFAULT '',"
    " host TEXT NOT NULL CHECK (host <> ''),"
    " port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),"
    " transport TEXT NOT NULL,"
    " match_any_port INTEGER NOT NULL DEFAULT 0"
    "  CHECK (match_any_port IN (0, 1)),"
    " username TEXT NOT NULL DEFAULT '',"
    " password TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX trunks_host ON trunks(host);"
    "CREATE INDEX trunks_tenant ON trunks(tenant_id);"

    /* a binding dies with its device */
    "CREATE TABLE registrations ("
    " id INTEGER PRIMARY KEY,"
    " device_id INTEGER NOT NULL"
    "  REFERENCES devices(id) ON DELETE CASCADE,"
    " contact TEXT NOT NULL CHECK (contact <> ''),"
    " received TEXT NOT NULL DEFAULT '',"
    " transport TEXT NOT NULL DEFAULT '',"
    " call_id TEXT NOT NULL DEFAULT '',"
    " cseq INTEGER NOT NULL DEFAULT 0,"
    " user_agent TEXT NOT NULL DEFAULT '',"
    " instance TEXT NOT NULL DEFAULT '',"
    " path TEXT NOT NULL DEFAULT '',"
    " node_id TEXT NOT NULL DEFAULT '',"
    " expires_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " UNIQUE (device_id, contact)"
    ");"
    "CREATE INDEX registrations_expires ON registrations(expires_at);"

    /* call records are history: tenant_id is a plain value that
	 * outlives its tenant, 0 if unknown */
    "CREATE TABLE calls ("
    " id INTEGER PRIMARY KEY,"
    " node_id TEXT NOT NULL DEFAULT '',"
    " sip_call_id TEXT NOT NULL DEFAULT '',"
    " tenant_id INTEGER NOT NULL DEFAULT 0,"
    " direction TEXT NOT NULL DEFAULT '',"
    " from_number TEXT NOT NULL DEFAULT '',"
    " to_number TEXT NOT NULL DEFAULT '',"
    " caller_leg TEXT NOT NULL DEFAULT '',"
    " callee_leg TEXT NOT NULL DEFAULT '',"
    " started_at INTEGER NOT NULL,"
    " answered_at INTEGER NOT NULL DEFAULT 0,"
    " ended_at INTEGER NOT NULL DEFAULT 0,"
    " disposition TEXT NOT NULL DEFAULT '',"
    " sip_code INTEGER NOT NULL DEFAULT 0"
    "  CHECK (sip_code BETWEEN 0 AND 699),"
    " ended_by TEXT NOT NULL DEFAULT ''"
    ");"
    "CREATE INDEX calls_started ON calls(started_at);"
    "CREATE INDEX calls_tenant ON calls(tenant_id, started_at);"
    "CREATE INDEX calls_live ON calls(node_id) WHERE ended_at = 0;"

    /* only the SHA-256 of a token is kept; a tenant's tokens go with
	 * the tenant, tenant_id NULL for admin tokens */
    "CREATE TABLE api_tokens ("
    " id INTEGER PRIMARY KEY,"
    " token_sha256 TEXT NOT NULL UNIQUE"
    "  CHECK (length(token_sha256) = 64),"
    " role TEXT NOT NULL CHECK (role <> ''),"
    " tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL"
    ");";

/* Trunks that register to their carrier (issue 7): the account we keep
 * registered and the identity of our calls.  '' means the default named in
 * store.h (registrar sip:host:port, domain = host, auth_user = username,
 * from_user = the caller ID); expires is what we ask for. */
const char schema_v2[] =
    "ALTER TABLE trunks ADD COLUMN register INTEGER NOT NULL DEFAULT 0"
    " CHECK (register IN (0, 1));"
    "ALTER TABLE trunks ADD COLUMN registrar TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE trunks ADD COLUMN domain TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE trunks ADD COLUMN auth_user TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE trunks ADD COLUMN from_user TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE trunks ADD COLUMN expires INTEGER NOT NULL DEFAULT 600"
    " CHECK (expires > 0);";

/* Per-device media encryption (issue 7): "auto" follows the transport the
 * phone registered with (SRTP offered on TLS), the others say it outright;
 * see store.h and sip/call.c. */
const char schema_v3[] =
    "ALTER TABLE devices ADD COLUMN srtp TEXT NOT NULL DEFAULT 'auto'"
    " CHECK (srtp IN ('auto', 'off', 'optional', 'required'));";

/* Nodes and their heartbeat (issue 11, after a crash): each running node
 * keeps one row here and rewrites heartbeat_at every --heartbeat-interval.
 * It is the last sign of life of all the node's live calls, so a call cut
 * by a node failure ends at max(started_at, answered_at, heartbeat_at)
 * instead of whenever someone notices (store.h, "nodes").  started_at is
 * when the node's current run began.  Records of nodes that predate this
 * step have no row: their calls close at their answer or start. */
const char schema_v4[] = "CREATE TABLE nodes ("
			 " node_id TEXT PRIMARY KEY CHECK (node_id <> ''),"
			 " started_at INTEGER NOT NULL,"
			 " heartbeat_at INTEGER NOT NULL"
			 ");";

/* The language of a tenant's prompts (issue 14); existing tenants speak
 * German as before. */
const char schema_v7[] =
    "ALTER TABLE tenants ADD COLUMN language TEXT NOT NULL DEFAULT 'de';";

/* Issue 20: the order outbound calls try trunks in (priority, lower
 * first), which source addresses count as a trunk's (match_mode; the
 * match_any_port of older versions is "address") and how long a carrier
 * has to ring before the next trunk is tried (setup_timeout [s], 0 =
 * the ring timeout). */
const char schema_v51[] =
    "ALTER TABLE trunks ADD COLUMN priority INTEGER NOT NULL DEFAULT 0"
    " CHECK (priority >= 0);"
    "ALTER TABLE trunks ADD COLUMN match_mode TEXT NOT NULL"
    " DEFAULT 'address_port';"
    "ALTER TABLE trunks ADD COLUMN port_min INTEGER NOT NULL DEFAULT 0"
    " CHECK (port_min BETWEEN 0 AND 65535);"
    "ALTER TABLE trunks ADD COLUMN port_max INTEGER NOT NULL DEFAULT 0"
    " CHECK (port_max BETWEEN 0 AND 65535);"
    "ALTER TABLE trunks ADD COLUMN setup_timeout INTEGER NOT NULL"
    " DEFAULT 0 CHECK (setup_timeout >= 0);"
    "UPDATE trunks SET match_mode = 'address' WHERE match_any_port = 1;"
    "CREATE INDEX trunks_route ON trunks(priority, tenant_id);";

/* How a TLS trunk checks its carrier's certificate (issue 20): a CA file of
 * its own (else the system's CAs), a pinned SHA-256 fingerprint for a
 * self-signed carrier, and the name the certificate must show (else the
 * host's IP address).  See sip/trunktls.c. */
const char schema_v54[] =
    "ALTER TABLE trunks ADD COLUMN ca_file TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE trunks ADD COLUMN tls_fingerprint TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE trunks ADD COLUMN tls_name TEXT NOT NULL DEFAULT '';";

/* Leases of the jobs that run on one node at a time (issue 21, store.h
 * "leases"): holder renews expires_at on each heartbeat tick. */
const char schema_v57[] = "CREATE TABLE leases ("
			  " name TEXT PRIMARY KEY CHECK (name <> ''),"
			  " holder TEXT NOT NULL CHECK (holder <> ''),"
			  " expires_at INTEGER NOT NULL,"
			  " renewed_at INTEGER NOT NULL"
			  ");";

/* Many nodes on one store (issue 21): a callback remembers the node that
 * took it for a call (claimed atomically: state requested -> calling), so
 * the lease holder hands back only the calls of dead nodes; and the
 * registration state of a registering trunk, written by the node that
 * registers it (the "trunkreg" lease holder), so every node shows it. */
const char schema_v58[] =
    "ALTER TABLE callbacks ADD COLUMN node TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE trunk_registrations ("
    " trunk_id INTEGER PRIMARY KEY REFERENCES trunks(id) ON DELETE CASCADE,"
    " node TEXT NOT NULL CHECK (node <> ''),"
    " state TEXT NOT NULL CHECK (state IN ('unregistered', 'registering',"
    "  'registered', 'failed')),"
    " code INTEGER NOT NULL DEFAULT 0,"
    " reason TEXT NOT NULL DEFAULT '',"
    " expires_at INTEGER NOT NULL DEFAULT 0,"
    " retry_at INTEGER NOT NULL DEFAULT 0,"
    " failures INTEGER NOT NULL DEFAULT 0,"
    " updated_at INTEGER NOT NULL"
    ");";

/* Events between nodes (issue 21, src/node/events.c): each node writes
 * the bus events a stream client may want, every node reads the others'
 * rows after the last id it saw and publishes them on its own bus.  Rows
 * live a few minutes (the newest is always kept, so an id is never used
 * twice).  tenant_id 0: no tenant's (admins only); employee_id 0: for
 * everyone who may see the tenant's events. */
const char schema_v61[] = "CREATE TABLE node_events ("
			  " id INTEGER PRIMARY KEY,"
			  " node_id TEXT NOT NULL CHECK (node_id <> ''),"
			  " at INTEGER NOT NULL,"
			  " tenant_id INTEGER NOT NULL DEFAULT 0,"
			  " employee_id INTEGER NOT NULL DEFAULT 0,"
			  " class TEXT NOT NULL,"
			  " type TEXT NOT NULL,"
			  " fields TEXT NOT NULL DEFAULT '{}'"
			  ");"
			  "CREATE INDEX node_events_at ON node_events(at);";

/* Event stream clients of each node (issue 21, src/node/events.c): a
 * node with clients rewrites its row every heartbeat interval; nodes
 * write node_events rows only while some node's seen_at is younger than
 * the rows' keep time (docs/cluster.md "Events between nodes"). */
const char schema_v66[] = "CREATE TABLE event_streams ("
			  " node_id TEXT PRIMARY KEY CHECK (node_id <> ''),"
			  " clients INTEGER NOT NULL,"
			  " seen_at INTEGER NOT NULL"
			  ");";
