/*
 * migrate.c - the schema of the SQLite store and how a database file gets
 * there.
 *
 * The schema is a list of numbered steps.  A database remembers the last
 * step it received in PRAGMA user_version (0 for a new, empty file), and
 * store_migrate() applies the steps after that one, in order, inside one
 * transaction: a file is either fully upgraded or left as it was.  So an
 * operator's existing database is upgraded in place when a newer
 * Switchboard opens it, and a newer file is never opened by an older build.
 *
 * To change the schema, append a step to migrationv[] and never edit a
 * step that has shipped.  Steps run with foreign key enforcement off (the
 * SQLite way to rebuild a table: CREATE new, INSERT SELECT, DROP old,
 * ALTER RENAME), and PRAGMA foreign_key_check must pass before the commit.
 *
 * Conventions of the schema: ids are INTEGER PRIMARY KEY (rowid); "none"
 * in a nullable reference is NULL (0 in the C records); times are INTEGER
 * milliseconds UTC; strings are NOT NULL with '' for empty.  CHECK
 * constraints hold the invariants that will not change; value lists that
 * will grow (target types, transports) are checked in C instead, because
 * widening a CHECK means rebuilding the table.
 */
#include "core/core.h"
#include "store/sqlite_int.h"

struct migration {
	int version;      /* user_version after this step        */
	const char *name; /* for the log                         */
	const char *sql;  /* statements, run by sqlite3_exec()   */
};

static const char schema_v1[] =
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
static const char schema_v2[] =
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
static const char schema_v3[] =
    "ALTER TABLE devices ADD COLUMN srtp TEXT NOT NULL DEFAULT 'auto'"
    " CHECK (srtp IN ('auto', 'off', 'optional', 'required'));";

/* Nodes and their heartbeat (issue 11, after a crash): each running node
 * keeps one row here and rewrites heartbeat_at every --heartbeat-interval.
 * It is the last sign of life of all the node's live calls, so a call cut
 * by a node failure ends at max(started_at, answered_at, heartbeat_at)
 * instead of whenever someone notices (store.h, "nodes").  started_at is
 * when the node's current run began.  Records of nodes that predate this
 * step have no row: their calls close at their answer or start. */
static const char schema_v4[] =
    "CREATE TABLE nodes ("
    " node_id TEXT PRIMARY KEY CHECK (node_id <> ''),"
    " started_at INTEGER NOT NULL,"
    " heartbeat_at INTEGER NOT NULL"
    ");";

/* The outbox (issue 14): one row per outgoing delivery, so nothing is lost
 * while the SMTP server is down or the process is killed (store.h,
 * "outbox").  tenant_id is a plain value like that of call records (0 =
 * the system's own, a test mail).  channel and state are names of
 * store.h's enums, checked in C (channels will grow).  The mail payload
 * is columns; attachments are files on disk named by path, in rows of
 * their own that go with their delivery.  The partial indexes serve the
 * dispatcher's questions "what is due?" and "what did a dead node leave
 * in sending?", the last one the API's list of a tenant. */
static const char schema_v5[] =
    "CREATE TABLE outbox ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL DEFAULT 0,"
    " channel TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),"
    " next_attempt_at INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " sent_at INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " node_id TEXT NOT NULL DEFAULT '',"
    " mail_from TEXT NOT NULL DEFAULT '',"
    " mail_to TEXT NOT NULL DEFAULT '',"
    " mail_cc TEXT NOT NULL DEFAULT '',"
    " subject TEXT NOT NULL DEFAULT '',"
    " body TEXT NOT NULL DEFAULT ''"
    ");"
    "CREATE INDEX outbox_due ON outbox(next_attempt_at)"
    " WHERE state = 'pending';"
    "CREATE INDEX outbox_sending ON outbox(node_id)"
    " WHERE state = 'sending';"
    "CREATE INDEX outbox_tenant ON outbox(tenant_id, created_at);"
    "CREATE TABLE outbox_files ("
    " outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"
    " path TEXT NOT NULL CHECK (path <> ''),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " type TEXT NOT NULL CHECK (type <> ''),"
    " PRIMARY KEY (outbox_id, seq)"
    ");";

/* Time control (issue 14): a schedule of a tenant with its three
 * targets (type and id as a number's), its weekly ranges and dated
 * exceptions ("YYYY-MM-DD", the state's name) as child rows in the order
 * they were given.  The rules between rows (no overlap, no loop) are
 * checked in C before saving. */
static const char schema_v6[] =
    "CREATE TABLE schedules ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " region TEXT NOT NULL DEFAULT '',"
    " open_type INTEGER NOT NULL DEFAULT 0,"
    " open_id INTEGER NOT NULL DEFAULT 0,"
    " closed_type INTEGER NOT NULL DEFAULT 0,"
    " closed_id INTEGER NOT NULL DEFAULT 0,"
    " holiday_type INTEGER NOT NULL DEFAULT 0,"
    " holiday_id INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " UNIQUE (tenant_id, name)"
    ");"
    "CREATE TABLE schedule_ranges ("
    " schedule_id INTEGER NOT NULL REFERENCES schedules(id)"
    " ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"
    " days INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),"
    " start_min INTEGER NOT NULL CHECK (start_min >= 0),"
    " end_min INTEGER NOT NULL CHECK (end_min <= 1440),"
    " CHECK (start_min < end_min),"
    " PRIMARY KEY (schedule_id, seq)"
    ");"
    "CREATE TABLE schedule_exceptions ("
    " schedule_id INTEGER NOT NULL REFERENCES schedules(id)"
    " ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"
    " day TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " start_min INTEGER NOT NULL DEFAULT 0,"
    " end_min INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (schedule_id, seq)"
    ");";

/* The language of a tenant's prompts (issue 14); existing tenants speak
 * German as before. */
static const char schema_v7[] =
    "ALTER TABLE tenants ADD COLUMN language TEXT NOT NULL DEFAULT 'de';";

/* Voice menus (issue 14): a menu with its greeting, timeout, retries
 * and fallback target, its keys as child rows; and one view of every
 * reference to a target (type, id) with what refers to it (via, owner),
 * which the "still in use" checks of deletes read. */
static const char schema_v8[] =
    "CREATE TABLE ivr_menus ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " prompt TEXT NOT NULL DEFAULT '',"
    " timeout INTEGER NOT NULL DEFAULT 5 CHECK (timeout BETWEEN 1 AND 60),"
    " retries INTEGER NOT NULL DEFAULT 2 CHECK (retries BETWEEN 0 AND 9),"
    " direct_dial INTEGER NOT NULL DEFAULT 0 CHECK (direct_dial IN (0, 1)),"
    " fallback_type INTEGER NOT NULL DEFAULT 0,"
    " fallback_id INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " UNIQUE (tenant_id, name)"
    ");"
    "CREATE TABLE ivr_options ("
    " menu_id INTEGER NOT NULL REFERENCES ivr_menus(id) ON DELETE CASCADE,"
    " key TEXT NOT NULL,"
    " target_type INTEGER NOT NULL,"
    " target_id INTEGER NOT NULL,"
    " PRIMARY KEY (menu_id, key)"
    ");"
    "CREATE VIEW route_refs (type, id, via, owner) AS"
    " SELECT target_type, target_id, 'number', id FROM numbers"
    " UNION ALL SELECT open_type, open_id, 'schedule', id FROM schedules"
    " UNION ALL SELECT closed_type, closed_id, 'schedule', id"
    " FROM schedules"
    " UNION ALL SELECT holiday_type, holiday_id, 'schedule', id"
    " FROM schedules"
    " UNION ALL SELECT fallback_type, fallback_id, 'ivr', id"
    " FROM ivr_menus"
    " UNION ALL SELECT target_type, target_id, 'ivr', menu_id"
    " FROM ivr_options;";

/* Voicemail (issue 14, section 5): mailboxes of a tenant (of an employee,
 * at most one each, or of a department or client) with their greeting,
 * mail recipients, recording limits, the conditions of an employee's
 * calls and their time control (a schedule, in whose state schedule_state
 * the mailbox is enabled); and the messages left on them, each with the
 * outbox row of its mail.  A message's file is unique: the row names one
 * WAV file of the voicemail directory. */
static const char schema_v10[] =
    "CREATE TABLE mailboxes ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " employee_id INTEGER UNIQUE REFERENCES employees(id),"
    " active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
    " greeting TEXT NOT NULL DEFAULT '',"
    " email_to TEXT NOT NULL DEFAULT '',"
    " email_cc TEXT NOT NULL DEFAULT '',"
    " attach INTEGER NOT NULL DEFAULT 1 CHECK (attach IN (0, 1)),"
    " min_ms INTEGER NOT NULL DEFAULT 1000 CHECK (min_ms >= 0),"
    " max_ms INTEGER NOT NULL DEFAULT 120000 CHECK (max_ms > 0),"
    " silence_ms INTEGER NOT NULL DEFAULT 5000 CHECK (silence_ms >= 0),"
    " at_once INTEGER NOT NULL DEFAULT 0 CHECK (at_once IN (0, 1)),"
    " no_answer_s INTEGER NOT NULL DEFAULT 20 CHECK (no_answer_s >= 0),"
    " on_busy INTEGER NOT NULL DEFAULT 1 CHECK (on_busy IN (0, 1)),"
    " on_unreachable INTEGER NOT NULL DEFAULT 1"
    " CHECK (on_unreachable IN (0, 1)),"
    " schedule_id INTEGER REFERENCES schedules(id),"
    " schedule_state TEXT NOT NULL DEFAULT 'open',"
    " created_at INTEGER NOT NULL,"
    " UNIQUE (tenant_id, name)"
    ");"
    "CREATE TABLE vm_messages ("
    " id INTEGER PRIMARY KEY,"
    " mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id),"
    " tenant_id INTEGER NOT NULL,"
    " caller TEXT NOT NULL DEFAULT '',"
    " caller_name TEXT NOT NULL DEFAULT '',"
    " started_at INTEGER NOT NULL,"
    " duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),"
    " file TEXT NOT NULL UNIQUE CHECK (file <> ''),"
    " heard INTEGER NOT NULL DEFAULT 0 CHECK (heard IN (0, 1)),"
    " outbox_id INTEGER REFERENCES outbox(id),"
    " created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX vm_messages_mailbox ON vm_messages(mailbox_id, started_at);";
/* Prompts a tenant uploads (issue 14): a row per WAV file under the
 * prompts directory (uploads/<tenant>/...), with what the upload found
 * in it; a tenant's own music on hold; and one view of every use of a
 * prompt file (file, via, owner, name), which a prompt's delete reads.
 * Mailbox greetings are in the view too.  External numbers as
 * targets of numbers, menus and schedules (TARGET_EXTERNAL). */
static const char schema_v11[] =
    "CREATE TABLE prompts ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " purpose TEXT NOT NULL DEFAULT 'other',"
    " file TEXT NOT NULL UNIQUE CHECK (file <> ''),"
    " format TEXT NOT NULL DEFAULT '',"
    " duration_ms INTEGER NOT NULL CHECK (duration_ms > 0),"
    " rate INTEGER NOT NULL,"
    " channels INTEGER NOT NULL,"
    " bytes INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " UNIQUE (tenant_id, name)"
    ");"
    "ALTER TABLE tenants ADD COLUMN moh_prompt TEXT NOT NULL DEFAULT '';"
    "CREATE VIEW prompt_refs (file, via, owner, name) AS"
    " SELECT prompt, 'ivr menu', id, name FROM ivr_menus WHERE prompt <> ''"
    " UNION ALL SELECT file, 'announcement', id, name FROM announcements"
    " UNION ALL SELECT moh_prompt, 'tenant', id, name FROM tenants"
    " WHERE moh_prompt <> ''"
    " UNION ALL SELECT greeting, 'mailbox', id, name FROM mailboxes"
    " WHERE greeting <> '';"
    /* an external number as a target (type 6 in route_refs) */
    "CREATE TABLE external_targets ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " number TEXT NOT NULL CHECK (number LIKE '+%'),"
    " ring_timeout INTEGER NOT NULL DEFAULT 0"
    " CHECK (ring_timeout BETWEEN 0 AND 300),"
    " created_at INTEGER NOT NULL,"
    " UNIQUE (tenant_id, name)"
    ");";
/* Digit inputs (issue 14, B3): a number the caller types, read back,
 * confirmed, then the call goes on to the target (or the fallback when
 * no value came); the values typed, by the input's label, attached to
 * the call record (call_vars); route_refs with the inputs' two targets. */
static const char schema_v12[] =
    "CREATE TABLE digit_inputs ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " label TEXT NOT NULL CHECK (label <> ''),"
    " prompt TEXT NOT NULL DEFAULT '',"
    " min_digits INTEGER NOT NULL DEFAULT 1,"
    " max_digits INTEGER NOT NULL DEFAULT 10,"
    " terminator TEXT NOT NULL DEFAULT '#',"
    " timeout INTEGER NOT NULL DEFAULT 5 CHECK (timeout BETWEEN 1 AND 60),"
    " digit_timeout INTEGER NOT NULL DEFAULT 3"
    "  CHECK (digit_timeout BETWEEN 1 AND 30),"
    " retries INTEGER NOT NULL DEFAULT 2 CHECK (retries BETWEEN 0 AND 9),"
    " read_back INTEGER NOT NULL DEFAULT 1 CHECK (read_back IN (0, 1)),"
    " target_type INTEGER NOT NULL,"
    " target_id INTEGER NOT NULL,"
    " fallback_type INTEGER NOT NULL DEFAULT 0,"
    " fallback_id INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " CHECK (min_digits BETWEEN 1 AND max_digits AND max_digits <= 30),"
    " UNIQUE (tenant_id, name)"
    ");"
    "CREATE TABLE call_vars ("
    " call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " value TEXT NOT NULL,"
    " set_at INTEGER NOT NULL,"
    " PRIMARY KEY (call_id, name)"
    ");"
    "DROP VIEW route_refs;"
    "CREATE VIEW route_refs (type, id, via, owner) AS"
    " SELECT target_type, target_id, 'number', id FROM numbers"
    " UNION ALL SELECT open_type, open_id, 'schedule', id FROM schedules"
    " UNION ALL SELECT closed_type, closed_id, 'schedule', id"
    " FROM schedules"
    " UNION ALL SELECT holiday_type, holiday_id, 'schedule', id"
    " FROM schedules"
    " UNION ALL SELECT fallback_type, fallback_id, 'ivr', id"
    " FROM ivr_menus"
    " UNION ALL SELECT target_type, target_id, 'ivr', menu_id"
    " FROM ivr_options"
    " UNION ALL SELECT target_type, target_id, 'digit_input', id"
    " FROM digit_inputs"
    " UNION ALL SELECT fallback_type, fallback_id, 'digit_input', id"
    " FROM digit_inputs;";

/* Ring groups (A5, Gruppenruf): a group with its strategy, overall
 * timeout, skip_busy and fallback target; its members (employees) as
 * child rows in ringing order, each with its own timeout.  route_refs
 * gains the groups' fallbacks (via 'ring_group') and their members (via
 * 'member', type employee), so a group still routed to and an employee
 * still in a group cannot be deleted. */
static const char schema_v13[] =
    "CREATE TABLE ring_groups ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " strategy TEXT NOT NULL DEFAULT 'simultaneous',"
    " timeout INTEGER NOT NULL DEFAULT 0 CHECK (timeout BETWEEN 0 AND 900),"
    " skip_busy INTEGER NOT NULL DEFAULT 0 CHECK (skip_busy IN (0, 1)),"
    " fallback_type INTEGER NOT NULL DEFAULT 0,"
    " fallback_id INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " UNIQUE (tenant_id, name)"
    ");"
    "CREATE TABLE ring_group_members ("
    " group_id INTEGER NOT NULL REFERENCES ring_groups(id)"
    " ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"
    " employee_id INTEGER NOT NULL REFERENCES employees(id),"
    " timeout INTEGER NOT NULL CHECK (timeout BETWEEN 1 AND 300),"
    " PRIMARY KEY (group_id, seq),"
    " UNIQUE (group_id, employee_id)"
    ");"
    "CREATE INDEX ring_group_members_employee"
    " ON ring_group_members(employee_id);"
    "DROP VIEW route_refs;"
    "CREATE VIEW route_refs (type, id, via, owner) AS"
    " SELECT target_type, target_id, 'number', id FROM numbers"
    " UNION ALL SELECT open_type, open_id, 'schedule', id FROM schedules"
    " UNION ALL SELECT closed_type, closed_id, 'schedule', id"
    " FROM schedules"
    " UNION ALL SELECT holiday_type, holiday_id, 'schedule', id"
    " FROM schedules"
    " UNION ALL SELECT fallback_type, fallback_id, 'ivr', id"
    " FROM ivr_menus"
    " UNION ALL SELECT target_type, target_id, 'ivr', menu_id"
    " FROM ivr_options"
    " UNION ALL SELECT target_type, target_id, 'digit_input', id"
    " FROM digit_inputs"
    " UNION ALL SELECT fallback_type, fallback_id, 'digit_input', id"
    " FROM digit_inputs"
    " UNION ALL SELECT fallback_type, fallback_id, 'ring_group', id"
    " FROM ring_groups"
    " UNION ALL SELECT 1, employee_id, 'member', group_id"
    " FROM ring_group_members;";

/* Hotline queues (ACD, issue 15): queues with their limits and targets,
 * members with a tier, skill requirements and widening steps as child
 * rows; agents' skills and their kept state (logged in, paused with a
 * reason) so a restart keeps them; API tokens of agents (role "agent",
 * the employee they act as).  route_refs gains the queues' four targets
 * (via 'queue') and their members (via 'queue_member', type employee). */
static const char schema_v14[] =
    "CREATE TABLE queues ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " strategy TEXT NOT NULL DEFAULT 'longest_idle',"
    " ring_timeout INTEGER NOT NULL DEFAULT 20"
    "  CHECK (ring_timeout BETWEEN 5 AND 300),"
    " wrapup INTEGER NOT NULL DEFAULT 0 CHECK (wrapup BETWEEN 0 AND 3600),"
    " max_misses INTEGER NOT NULL DEFAULT 3"
    "  CHECK (max_misses BETWEEN 0 AND 99),"
    " max_wait INTEGER NOT NULL DEFAULT 0"
    "  CHECK (max_wait BETWEEN 0 AND 86400),"
    " max_len INTEGER NOT NULL DEFAULT 0 CHECK (max_len BETWEEN 0 AND 1000),"
    " service_level INTEGER NOT NULL DEFAULT 20"
    "  CHECK (service_level BETWEEN 1 AND 3600),"
    " schedule_id INTEGER NOT NULL DEFAULT 0,"
    " mailbox_id INTEGER NOT NULL DEFAULT 0,"
    " callback INTEGER NOT NULL DEFAULT 0 CHECK (callback IN (0, 1)),"
    " timeout_type INTEGER NOT NULL DEFAULT 0,"
    " timeout_id INTEGER NOT NULL DEFAULT 0,"
    " full_type INTEGER NOT NULL DEFAULT 0,"
    " full_id INTEGER NOT NULL DEFAULT 0,"
    " no_agents_type INTEGER NOT NULL DEFAULT 0,"
    " no_agents_id INTEGER NOT NULL DEFAULT 0,"
    " closed_type INTEGER NOT NULL DEFAULT 0,"
    " closed_id INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " UNIQUE (tenant_id, name)"
    ");"
    "CREATE TABLE queue_members ("
    " queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"
    " employee_id INTEGER NOT NULL REFERENCES employees(id),"
    " tier INTEGER NOT NULL DEFAULT 0 CHECK (tier BETWEEN 0 AND 9),"
    " PRIMARY KEY (queue_id, seq),"
    " UNIQUE (queue_id, employee_id)"
    ");"
    "CREATE INDEX queue_members_employee ON queue_members(employee_id);"
    "CREATE TABLE queue_skills ("
    " queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"
    " skill TEXT NOT NULL CHECK (skill <> ''),"
    " min_level INTEGER NOT NULL CHECK (min_level BETWEEN 1 AND 10),"
    " relax_after INTEGER NOT NULL DEFAULT 0"
    "  CHECK (relax_after BETWEEN 0 AND 86400),"
    " PRIMARY KEY (queue_id, seq),"
    " UNIQUE (queue_id, skill)"
    ");"
    "CREATE TABLE queue_widen ("
    " queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"
    " after INTEGER NOT NULL CHECK (after BETWEEN 0 AND 86400),"
    " max_tier INTEGER NOT NULL CHECK (max_tier BETWEEN 0 AND 9),"
    " PRIMARY KEY (queue_id, seq)"
    ");"
    "CREATE TABLE agent_skills ("
    " employee_id INTEGER NOT NULL REFERENCES employees(id)"
    "  ON DELETE CASCADE,"
    " skill TEXT NOT NULL CHECK (skill <> ''),"
    " level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 10),"
    " PRIMARY KEY (employee_id, skill)"
    ");"
    "CREATE TABLE agent_states ("
    " employee_id INTEGER PRIMARY KEY REFERENCES employees(id)"
    "  ON DELETE CASCADE,"
    " state TEXT NOT NULL"
    "  CHECK (state IN ('logged_out', 'available', 'paused')),"
    " reason TEXT NOT NULL DEFAULT '',"
    " changed_at INTEGER NOT NULL"
    ");"
    "ALTER TABLE api_tokens ADD COLUMN employee_id INTEGER"
    " REFERENCES employees(id) ON DELETE CASCADE;"
    "DROP VIEW route_refs;"
    "CREATE VIEW route_refs (type, id, via, owner) AS"
    " SELECT target_type, target_id, 'number', id FROM numbers"
    " UNION ALL SELECT open_type, open_id, 'schedule', id FROM schedules"
    " UNION ALL SELECT closed_type, closed_id, 'schedule', id"
    " FROM schedules"
    " UNION ALL SELECT holiday_type, holiday_id, 'schedule', id"
    " FROM schedules"
    " UNION ALL SELECT fallback_type, fallback_id, 'ivr', id"
    " FROM ivr_menus"
    " UNION ALL SELECT target_type, target_id, 'ivr', menu_id"
    " FROM ivr_options"
    " UNION ALL SELECT target_type, target_id, 'digit_input', id"
    " FROM digit_inputs"
    " UNION ALL SELECT fallback_type, fallback_id, 'digit_input', id"
    " FROM digit_inputs"
    " UNION ALL SELECT fallback_type, fallback_id, 'ring_group', id"
    " FROM ring_groups"
    " UNION ALL SELECT 1, employee_id, 'member', group_id"
    " FROM ring_group_members"
    " UNION ALL SELECT timeout_type, timeout_id, 'queue', id FROM queues"
    " UNION ALL SELECT full_type, full_id, 'queue', id FROM queues"
    " UNION ALL SELECT no_agents_type, no_agents_id, 'queue', id FROM queues"
    " UNION ALL SELECT closed_type, closed_id, 'queue', id FROM queues"
    " UNION ALL SELECT 3, schedule_id, 'queue', id FROM queues"
    " WHERE schedule_id <> 0"
    " UNION ALL SELECT 5, mailbox_id, 'queue', id FROM queues"
    " WHERE mailbox_id <> 0"
    " UNION ALL SELECT 1, employee_id, 'queue_member', queue_id"
    " FROM queue_members;";

/* Queue statistics (issue 15): one row per caller per queue visit,
 * written when the caller reaches the queue (or is turned away: full, no
 * agents, closed) and updated when it is answered, leaves and when the
 * agent's call ends.  Times are UTC [ms]; arrived_at is the call's arrival
 * at our server (the wait counts from there), joined_at its arrival in
 * the queue (0: never joined).  call_id is the call record's (no foreign
 * key, 0: none), agent_id the employee who answered (no foreign key: the
 * figures outlive an employee); a queue's visits go with the queue. */
static const char schema_v15[] =
    "CREATE TABLE queue_visits ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,"
    " call_id INTEGER NOT NULL DEFAULT 0,"
    " caller TEXT NOT NULL DEFAULT '',"
    " arrived_at INTEGER NOT NULL,"
    " joined_at INTEGER NOT NULL DEFAULT 0,"
    " outcome TEXT NOT NULL DEFAULT 'waiting' CHECK (outcome IN"
    "  ('waiting', 'answered', 'abandoned', 'timeout', 'full',"
    "  'no_agents', 'closed', 'voicemail', 'callback')),"
    " left_at INTEGER NOT NULL DEFAULT 0,"
    " wait_ms INTEGER NOT NULL DEFAULT 0 CHECK (wait_ms >= 0),"
    " agent_id INTEGER NOT NULL DEFAULT 0,"
    " handle_ms INTEGER NOT NULL DEFAULT 0 CHECK (handle_ms >= 0),"
    " ended_at INTEGER NOT NULL DEFAULT 0,"
    " callback_requested INTEGER NOT NULL DEFAULT 0"
    "  CHECK (callback_requested IN (0, 1)),"
    " callback_completed INTEGER NOT NULL DEFAULT 0"
    "  CHECK (callback_completed IN (0, 1))"
    ");"
    "CREATE INDEX queue_visits_queue ON queue_visits(queue_id, arrived_at);";

/* VIP callers and what a waiting caller hears (issue 15, migration 17).
 * vip_callers: numbers of a tenant whose callers are offered first in
 * every queue of the tenant; client_id is for the answering service
 * (issue 16: a VIP of one client of the tenant), NULL = the whole tenant,
 * not read yet; a number is a VIP once per tenant and client.  queues:
 * the greeting (a file under the prompts directory, "" = the default
 * please_hold.wav of the tenant's language), the seconds between
 * announcements (0 = on entry only) and whether they say the position
 * and the estimated wait; prompt_refs with the queues' greetings. */
static const char schema_v17[] =
    "CREATE TABLE vip_callers ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " client_id INTEGER,"
    " number TEXT NOT NULL CHECK (number LIKE '+%'),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " note TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL"
    ");"
    "CREATE UNIQUE INDEX vip_callers_number"
    " ON vip_callers(tenant_id, ifnull(client_id, 0), number);"
    "ALTER TABLE queues ADD COLUMN greeting TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE queues ADD COLUMN announce_every INTEGER NOT NULL"
    " DEFAULT 60 CHECK (announce_every BETWEEN 0 AND 3600);"
    "ALTER TABLE queues ADD COLUMN say_position INTEGER NOT NULL DEFAULT 1"
    " CHECK (say_position IN (0, 1));"
    "ALTER TABLE queues ADD COLUMN say_wait INTEGER NOT NULL DEFAULT 1"
    " CHECK (say_wait IN (0, 1));"
    "DROP VIEW prompt_refs;"
    "CREATE VIEW prompt_refs (file, via, owner, name) AS"
    " SELECT prompt, 'ivr menu', id, name FROM ivr_menus WHERE prompt <> ''"
    " UNION ALL SELECT file, 'announcement', id, name FROM announcements"
    " UNION ALL SELECT moh_prompt, 'tenant', id, name FROM tenants"
    " WHERE moh_prompt <> ''"
    " UNION ALL SELECT greeting, 'mailbox', id, name FROM mailboxes"
    " WHERE greeting <> ''"
    " UNION ALL SELECT greeting, 'queue', id, name FROM queues"
    " WHERE greeting <> '';";

/* queue callbacks (seeds/004: "Rückruf statt Warteschleife"): requests
 * that keep the caller's place until an agent is free */
static const char schema_v18[] =
    "CREATE TABLE callbacks ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,"
    " number TEXT NOT NULL CHECK (number <> ''),"
    " arrived_at INTEGER NOT NULL,"
    " call_id INTEGER REFERENCES calls(id),"
    " state TEXT NOT NULL CHECK (state IN ('requested', 'calling',"
    "  'completed', 'failed', 'cancelled')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_at INTEGER NOT NULL DEFAULT 0,"
    " agent_id INTEGER REFERENCES employees(id) ON DELETE SET NULL,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX callbacks_queue ON callbacks(queue_id, state);"
    "CREATE INDEX callbacks_tenant ON callbacks(tenant_id);";

/* the answering service's employee fields (seeds/001, Unternehmen >
 * Mitarbeiter): the name's written order, CC, position, responsibility,
 * SMS to a mobile, a substitute, where and which calls are put through,
 * VIP SMS.  Enum values and the mobile a SMS needs are checked in C. */
static const char schema_v19[] =
    "ALTER TABLE employees ADD COLUMN surname_first INTEGER NOT NULL"
    " DEFAULT 0 CHECK (surname_first IN (0, 1));"
    "ALTER TABLE employees ADD COLUMN cc TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE employees ADD COLUMN position TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE employees ADD COLUMN responsibility TEXT NOT NULL"
    " DEFAULT '';"
    "ALTER TABLE employees ADD COLUMN mobile TEXT NOT NULL DEFAULT ''"
    " CHECK (mobile = '' OR mobile LIKE '+%');"
    "ALTER TABLE employees ADD COLUMN sms INTEGER NOT NULL DEFAULT 0"
    " CHECK (sms IN (0, 1));"
    "ALTER TABLE employees ADD COLUMN substitute_id INTEGER"
    " REFERENCES employees(id) ON DELETE SET NULL;"
    "ALTER TABLE employees ADD COLUMN transfer_number TEXT NOT NULL"
    " DEFAULT '' CHECK (transfer_number = '' OR transfer_number LIKE '+%');"
    "ALTER TABLE employees ADD COLUMN transfer TEXT NOT NULL"
    " DEFAULT 'none';"
    "ALTER TABLE employees ADD COLUMN vip_sms INTEGER NOT NULL DEFAULT 0"
    " CHECK (vip_sms IN (0, 1));";

/* answering service (issue 16, seeds/001): an employee's permanent
 * absence info, its appointments that replace it while they run, and
 * on-call schedules (a weekly rotation of employees handing over at a
 * Berlin wall-clock time, and dated overrides that win over it).  An
 * employee's absence info and appointments go with it; an employee in a
 * rotation or an override cannot be deleted (no cascade: who is on duty
 * does not change behind the schedule's owner's back). */
static const char schema_v20[] =
    "CREATE TABLE absence_infos ("
    " employee_id INTEGER PRIMARY KEY"
    "  REFERENCES employees(id) ON DELETE CASCADE,"
    " text TEXT NOT NULL DEFAULT '',"
    " updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE appointments ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " employee_id INTEGER NOT NULL"
    "  REFERENCES employees(id) ON DELETE CASCADE,"
    " starts_at INTEGER NOT NULL,"
    " ends_at INTEGER NOT NULL,"
    " text TEXT NOT NULL CHECK (text <> ''),"
    " created_at INTEGER NOT NULL,"
    " CHECK (ends_at > starts_at)"
    ");"
    "CREATE INDEX appointments_employee"
    " ON appointments(employee_id, starts_at);"
    "CREATE INDEX appointments_tenant ON appointments(tenant_id);"
    "CREATE TABLE oncall_schedules ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " handoff_day INTEGER NOT NULL CHECK (handoff_day BETWEEN 0 AND 6),"
    " handoff_time INTEGER NOT NULL"
    "  CHECK (handoff_time BETWEEN 0 AND 1439),"
    " start_date TEXT NOT NULL,"
    " created_at INTEGER NOT NULL"
    ");"
    "CREATE UNIQUE INDEX oncall_schedules_name"
    " ON oncall_schedules(tenant_id, name);"
    "CREATE TABLE oncall_members ("
    " schedule_id INTEGER NOT NULL"
    "  REFERENCES oncall_schedules(id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"
    " employee_id INTEGER NOT NULL REFERENCES employees(id),"
    " PRIMARY KEY (schedule_id, seq)"
    ");"
    "CREATE INDEX oncall_members_employee ON oncall_members(employee_id);"
    "CREATE TABLE oncall_overrides ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " schedule_id INTEGER NOT NULL"
    "  REFERENCES oncall_schedules(id) ON DELETE CASCADE,"
    " employee_id INTEGER NOT NULL REFERENCES employees(id),"
    " starts_at INTEGER NOT NULL,"
    " ends_at INTEGER NOT NULL,"
    " note TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL,"
    " CHECK (ends_at > starts_at)"
    ");"
    "CREATE INDEX oncall_overrides_schedule"
    " ON oncall_overrides(schedule_id, starts_at);"
    "CREATE INDEX oncall_overrides_employee"
    " ON oncall_overrides(employee_id);";

/* the client's profile with dated changes (issue 16, secretariat/
 * profile.c): one row per version, the whole profile as JSON text.
 * given is what the version set itself, settings the whole profile in
 * force from effective_from (given over what was in force before it),
 * changed the settings that differ from the version before it.  A
 * cancelled version stays for the history (cancelled_at, _by). */
static const char schema_v21[] =
    "CREATE TABLE profile_versions ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    " version INTEGER NOT NULL CHECK (version > 0),"
    " effective_from INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " created_by TEXT NOT NULL DEFAULT '',"
    " given TEXT NOT NULL,"
    " settings TEXT NOT NULL,"
    " changed TEXT NOT NULL DEFAULT '',"
    " cancelled_at INTEGER,"
    " cancelled_by TEXT NOT NULL DEFAULT ''"
    ");"
    "CREATE UNIQUE INDEX profile_versions_number"
    " ON profile_versions(tenant_id, version);"
    "CREATE INDEX profile_versions_from"
    " ON profile_versions(tenant_id, effective_from);";

/* The four roles of issue 16 (src/http/roles.c): the admin runs the
 * service and is now called operator; an admin token bound to a tenant
 * (never made by the server, only by hand) becomes that client's
 * client_admin, which keeps it out of the service's routes.
 * client_admin and subaccount are new names only: the table keeps its
 * columns. */
static const char schema_v22[] =
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
static const char schema_v23[] =
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
static const char schema_v24[] =
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
/* callers of the answering service (issue 16, seeds/001 and 002,
 * secretariat/callers.c decides).  vip_callers is rebuilt: the unused
 * client_id placeholder becomes employee_id (NULL: a VIP of the whole
 * company; an employee's VIPs go with it), and a number is a VIP once
 * per tenant, of the company or of one employee (one caller, one info
 * text for the agent).  caller_entries: the tenant's allow and block
 * lists, an E.164 number or prefix ("+49221123*") once per tenant over
 * both lists, an allow entry optionally for one employee, an optional
 * end (expires_at, 0 never).  ad_callers: the operator's shared list of
 * advertising callers.  caller_settings: a tenant's switches (block the
 * advertising list, block anonymous callers), absent = both off.
 * oncall_schedules.rotation_days: a rotation hands over every N days
 * (1 daily, 7 weekly as before, 14 every two weeks). */
static const char schema_v25[] =
    "CREATE TABLE vip_callers_v25 ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " employee_id INTEGER REFERENCES employees(id) ON DELETE CASCADE,"
    " number TEXT NOT NULL CHECK (number LIKE '+%'),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " note TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL"
    ");"
    "INSERT INTO vip_callers_v25 (id, tenant_id, employee_id, number, name,"
    " note, created_at) SELECT id, tenant_id, NULL, number, name, note,"
    " created_at FROM vip_callers;"
    "DROP TABLE vip_callers;"
    "ALTER TABLE vip_callers_v25 RENAME TO vip_callers;"
    "CREATE UNIQUE INDEX vip_callers_number ON vip_callers(tenant_id, number);"
    "CREATE INDEX vip_callers_employee ON vip_callers(employee_id);"
    "CREATE TABLE caller_entries ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " list TEXT NOT NULL CHECK (list IN ('allow', 'block')),"
    " employee_id INTEGER REFERENCES employees(id) ON DELETE CASCADE,"
    " number TEXT NOT NULL CHECK (number LIKE '+%'),"
    " note TEXT NOT NULL DEFAULT '',"
    " expires_at INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " CHECK (list = 'allow' OR employee_id IS NULL)"
    ");"
    "CREATE UNIQUE INDEX caller_entries_number"
    " ON caller_entries(tenant_id, number);"
    "CREATE INDEX caller_entries_employee ON caller_entries(employee_id);"
    "CREATE TABLE ad_callers ("
    " id INTEGER PRIMARY KEY,"
    " number TEXT NOT NULL UNIQUE CHECK (number LIKE '+%'),"
    " note TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE caller_settings ("
    " tenant_id INTEGER PRIMARY KEY"
    "  REFERENCES tenants(id) ON DELETE CASCADE,"
    " block_advertising INTEGER NOT NULL DEFAULT 0"
    "  CHECK (block_advertising IN (0, 1)),"
    " block_anonymous INTEGER NOT NULL DEFAULT 0"
    "  CHECK (block_anonymous IN (0, 1)),"
    " updated_at INTEGER NOT NULL"
    ");"
    "ALTER TABLE oncall_schedules ADD COLUMN rotation_days INTEGER NOT NULL"
    " DEFAULT 7 CHECK (rotation_days BETWEEN 1 AND 364);";
/* Forwarded calls (issue 17): a client's own numbers that forward to us
 * (Rufumleitung).  A call from a carrier that names one of them in its
 * Diversion (RFC 5806) or History-Info (RFC 7044) header is the client's
 * and goes to the forwarding's target, whichever of our numbers it
 * reached; the call record keeps the client's number (forwarded_from).
 * route_refs gains the forwardings' targets. */
static const char schema_v26[] =
    "CREATE TABLE forwardings ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    " number TEXT NOT NULL UNIQUE,"
    " target_type INTEGER NOT NULL CHECK (target_type > 0),"
    " target_id INTEGER NOT NULL,"
    " description TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX forwardings_tenant ON forwardings(tenant_id);"
    "ALTER TABLE calls ADD COLUMN forwarded_from TEXT NOT NULL DEFAULT '';"
    "DROP VIEW route_refs;"
    "CREATE VIEW route_refs (type, id, via, owner) AS"
    " SELECT target_type, target_id, 'number', id FROM numbers"
    " UNION ALL SELECT open_type, open_id, 'schedule', id FROM schedules"
    " UNION ALL SELECT closed_type, closed_id, 'schedule', id"
    " FROM schedules"
    " UNION ALL SELECT holiday_type, holiday_id, 'schedule', id"
    " FROM schedules"
    " UNION ALL SELECT fallback_type, fallback_id, 'ivr', id"
    " FROM ivr_menus"
    " UNION ALL SELECT target_type, target_id, 'ivr', menu_id"
    " FROM ivr_options"
    " UNION ALL SELECT target_type, target_id, 'digit_input', id"
    " FROM digit_inputs"
    " UNION ALL SELECT fallback_type, fallback_id, 'digit_input', id"
    " FROM digit_inputs"
    " UNION ALL SELECT fallback_type, fallback_id, 'ring_group', id"
    " FROM ring_groups"
    " UNION ALL SELECT 1, employee_id, 'member', group_id"
    " FROM ring_group_members"
    " UNION ALL SELECT timeout_type, timeout_id, 'queue', id FROM queues"
    " UNION ALL SELECT full_type, full_id, 'queue', id FROM queues"
    " UNION ALL SELECT no_agents_type, no_agents_id, 'queue', id FROM queues"
    " UNION ALL SELECT closed_type, closed_id, 'queue', id FROM queues"
    " UNION ALL SELECT 3, schedule_id, 'queue', id FROM queues"
    " WHERE schedule_id <> 0"
    " UNION ALL SELECT 5, mailbox_id, 'queue', id FROM queues"
    " WHERE mailbox_id <> 0"
    " UNION ALL SELECT 1, employee_id, 'queue_member', queue_id"
    " FROM queue_members"
    " UNION ALL SELECT target_type, target_id, 'forwarding', id"
    " FROM forwardings;";

/* issue 16: failed logins of unknown login names and of source addresses,
 * kept so that a restart does not lift a lock-out (http/login_guard.c);
 * bounded by the guard (oldest rows go, stale rows are purged). */
static const char schema_v27[] =
    "CREATE TABLE login_failures ("
    " key TEXT PRIMARY KEY COLLATE NOCASE," /* login:<name>, addr:<ip> */
    " failures INTEGER NOT NULL DEFAULT 0,"
    " window_start INTEGER NOT NULL DEFAULT 0,"
    " locked_until INTEGER NOT NULL DEFAULT 0,"
    " updated_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX login_failures_updated ON login_failures(updated_at);";

/* call notes and their delivery (issue 17, notify/ and http/api_notes.c):
 * a note of a tenant for one or more of its employees (note_employees),
 * its versions (the first is the note as saved, every edit one more),
 * its deliveries (one outbox row each, per channel and recipient), who
 * opened its link and who acknowledged it (note_reads), the tenant's
 * note settings (webhook URL and secret, full text in SMS and webhook),
 * the SMS sent for billing (sms_charges, written by a trigger when an
 * outbox row of channel sms becomes sent; note_id is a plain value: the
 * bill outlives the note) and the server's own secrets (the key that
 * signs the links of notes).  The outbox gains an HTML part for mail. */
static const char schema_v29[] =
    "ALTER TABLE outbox ADD COLUMN html TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE notes ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
    " call_id INTEGER REFERENCES calls(id) ON DELETE SET NULL,"
    " profile_version_id INTEGER REFERENCES profile_versions(id)"
    "  ON DELETE SET NULL,"
    " agent_token_id INTEGER NOT NULL DEFAULT 0,"
    " agent_employee_id INTEGER NOT NULL DEFAULT 0,"
    " agent TEXT NOT NULL DEFAULT '',"
    " caller_name TEXT NOT NULL DEFAULT '',"
    " caller_number TEXT NOT NULL DEFAULT '',"
    " concern TEXT NOT NULL DEFAULT '',"
    " fields TEXT NOT NULL DEFAULT '{}',"
    " urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),"
    " version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX notes_tenant ON notes(tenant_id, created_at);"
    "CREATE TABLE note_employees ("
    " note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,"
    " employee_id INTEGER NOT NULL REFERENCES employees(id)"
    "  ON DELETE CASCADE,"
    " PRIMARY KEY (note_id, employee_id)"
    ");"
    "CREATE INDEX note_employees_employee ON note_employees(employee_id);"
    "CREATE TABLE note_versions ("
    " note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,"
    " version INTEGER NOT NULL,"
    " at INTEGER NOT NULL,"
    " agent TEXT NOT NULL DEFAULT '',"
    " caller_name TEXT NOT NULL DEFAULT '',"
    " caller_number TEXT NOT NULL DEFAULT '',"
    " concern TEXT NOT NULL DEFAULT '',"
    " fields TEXT NOT NULL DEFAULT '{}',"
    " urgent INTEGER NOT NULL DEFAULT 0,"
    " employees TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY (note_id, version)"
    ");"
    "CREATE TABLE note_deliveries ("
    " id INTEGER PRIMARY KEY,"
    " note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,"
    " outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox(id)"
    "  ON DELETE CASCADE,"
    " version INTEGER NOT NULL,"
    " employee_id INTEGER"
    ");"
    "CREATE INDEX note_deliveries_note ON note_deliveries(note_id);"
    "CREATE TABLE note_reads ("
    " note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,"
    " employee_id INTEGER NOT NULL,"
    " opened_at INTEGER NOT NULL DEFAULT 0,"
    " acked_at INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (note_id, employee_id)"
    ");"
    "CREATE TABLE note_settings ("
    " tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id)"
    "  ON DELETE CASCADE,"
    " full_text INTEGER NOT NULL DEFAULT 0 CHECK (full_text IN (0, 1)),"
    " webhook_url TEXT NOT NULL DEFAULT '',"
    " webhook_secret TEXT NOT NULL DEFAULT '',"
    " updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE sms_charges ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL,"
    " note_id INTEGER,"
    " outbox_id INTEGER NOT NULL UNIQUE,"
    " cents INTEGER NOT NULL CHECK (cents >= 0),"
    " at INTEGER NOT NULL"
    ");"
    "CREATE INDEX sms_charges_tenant ON sms_charges(tenant_id, at);"
    "CREATE TRIGGER sms_charge AFTER UPDATE OF state ON outbox"
    " WHEN new.state = 'sent' AND old.state <> 'sent'"
    " AND new.channel = 'sms' BEGIN"
    " INSERT OR IGNORE INTO sms_charges (tenant_id, note_id, outbox_id,"
    " cents, at) VALUES (new.tenant_id, (SELECT note_id FROM"
    " note_deliveries WHERE outbox_id = new.id), new.id, 10, new.sent_at);"
    " END;"
    "CREATE TABLE server_secrets ("
    " name TEXT PRIMARY KEY,"
    " value TEXT NOT NULL CHECK (value <> ''),"
    " created_at INTEGER NOT NULL"
    ");";

/* Web Push (issue 17, migration 30): the installation's VAPID key pair
 * (one row: every node signs with it, subscriptions are bound to it),
 * employees' push subscriptions (gone with the employee), and the part
 * of an outbox row that is a push: its subscription by id without a
 * foreign key (a push for a subscription deleted meanwhile fails when
 * it is sent), its urgency and TTL.  Its payload is the row's body. */
static const char schema_v30[] =
    "CREATE TABLE vapid_keys ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " private_key TEXT NOT NULL CHECK (private_key <> ''),"
    " public_key TEXT NOT NULL CHECK (public_key <> ''),"
    " created_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE push_subscriptions ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    " employee_id INTEGER NOT NULL"
    "  REFERENCES employees(id) ON DELETE CASCADE,"
    " endpoint TEXT NOT NULL CHECK (endpoint <> ''),"
    " p256dh TEXT NOT NULL CHECK (p256dh <> ''),"
    " auth TEXT NOT NULL CHECK (auth <> ''),"
    " created_at INTEGER NOT NULL,"
    " UNIQUE (employee_id, endpoint)"
    ");"
    "CREATE INDEX push_subscriptions_tenant"
    " ON push_subscriptions(tenant_id);"
    "CREATE TABLE outbox_push ("
    " outbox_id INTEGER PRIMARY KEY"
    "  REFERENCES outbox(id) ON DELETE CASCADE,"
    " subscription_id INTEGER NOT NULL,"
    " urgency TEXT NOT NULL"
    "  CHECK (urgency IN ('very-low', 'low', 'normal', 'high')),"
    " ttl INTEGER NOT NULL CHECK (ttl >= 0)"
    ");";

/* Escalation of urgent call notes (issue 17, migration 31): the
 * tenant's time after which an urgent note nobody acknowledged is
 * escalated (seconds, 0 = never), and the escalation trail of a note:
 * one row per step and person (step 'substitute': the note delivered to
 * a substitute; 'oncall': the person on call phoned), with its outcome.
 * A step that has a row is never taken again, also after a restart. */
static const char schema_v31[] =
    "ALTER TABLE note_settings ADD COLUMN escalate_after INTEGER NOT NULL"
    " DEFAULT 0 CHECK (escalate_after >= 0);"
    "CREATE TABLE note_escalations ("
    " id INTEGER PRIMARY KEY,"
    " note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    " step TEXT NOT NULL CHECK (step IN ('substitute', 'oncall')),"
    " employee_id INTEGER,"
    " at INTEGER NOT NULL,"
    " outcome TEXT NOT NULL DEFAULT '',"
    " detail TEXT NOT NULL DEFAULT ''"
    ");"
    "CREATE INDEX note_escalations_note ON note_escalations(note_id, step);"
    "CREATE INDEX notes_urgent ON notes(created_at) WHERE urgent = 1;";

/* On-call step of the escalation of urgent notes (issue 17, migration
 * 32): each call to the person on call is a trail row of its own, the
 * attempt (1, 2, ...) with the call's final SIP status; an attempt is
 * written before its call is placed, once per note (the unique index:
 * two nodes cannot both place it). */
static const char schema_v32[] =
    "ALTER TABLE note_escalations ADD COLUMN attempt INTEGER NOT NULL"
    " DEFAULT 0 CHECK (attempt >= 0);"
    "ALTER TABLE note_escalations ADD COLUMN sip_code INTEGER NOT NULL"
    " DEFAULT 0 CHECK (sip_code >= 0);"
    "CREATE UNIQUE INDEX note_escalations_attempt ON"
    " note_escalations(note_id, step, attempt) WHERE attempt > 0;";

/* Append only.  versions are 1, 2, 3, ... in this order. */

static const struct migration migrationv[] = {
    {1, "initial schema", schema_v1},
    {2, "registering trunks", schema_v2},
    {3, "device media encryption", schema_v3},
    {4, "node heartbeats", schema_v4},
    {5, "outbox", schema_v5},
    {6, "time control", schema_v6},
    {7, "tenant language", schema_v7},
    {8, "voice menus", schema_v8},
    {10, "voicemail", schema_v10},
    {11, "uploaded prompts, external targets", schema_v11},
    {12, "digit inputs", schema_v12},
    {13, "ring groups", schema_v13},
    {14, "hotline queues", schema_v14},
    {15, "queue statistics", schema_v15},
    {17, "vip callers, queue greetings", schema_v17},
    {18, "queue callbacks", schema_v18},
    {19, "answering service employees", schema_v19},
    {20, "absence info, appointments, on-call schedules", schema_v20},
    {21, "client profile versions", schema_v21},
    {22, "roles: admin is operator", schema_v22},
    {23, "password logins, sessions", schema_v23},
    {24, "audit trail, retention, deletion", schema_v24},
    {25, "callers, rotation days", schema_v25},
    {26, "forwarded calls", schema_v26},
    {27, "failed logins kept", schema_v27},
    {29, "call notes and their delivery", schema_v29},
    {30, "web push", schema_v30},
    {31, "escalation of urgent notes", schema_v31},
    {32, "on-call step of note escalation", schema_v32},
};

int store_migrate_latest(void)
{
	return migrationv[ARRAY_SIZE(migrationv) - 1].version;
}

/* Run one statement that returns nothing we need. */
static int exec(sqlite3 *db, const char *sql, const char *op)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		warning("store: migrate: %s: %s\n", op,
			msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return EIO;
	}

	return 0;
}

/* The first integer column of the first row of sql into *vp (0 if no
 * row). */
static int query_int(sqlite3 *db, const char *sql, int *vp)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		*vp = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		warning("store: migrate: %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(s);

	return rc == SQLITE_OK ? 0 : EIO;
}

/* Apply the steps after version *vp; called inside the transaction. */
static int apply(sqlite3 *db, int *vp)
{
	char pragma[48];
	size_t i;
	int bad, err;

	for (i = 0; i < ARRAY_SIZE(migrationv); i++) {
		const struct migration *m = &migrationv[i];

		if (m->version <= *vp)
			continue;

		err = exec(db, m->sql, m->name);
		if (err)
			return err;

		/* user_version lives in the file header, which is part of
		 * the transaction like any other page */
		re_snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
			    m->version);
		err = exec(db, pragma, "user_version");
		if (err)
			return err;

		info("store: migrate: schema %d -> %d (%s)\n", *vp, m->version,
		     m->name);
		*vp = m->version;
	}

	/* foreign_key_check returns one row per violation */
	err = query_int(db, "SELECT count(*) FROM pragma_foreign_key_check",
			&bad);
	if (err)
		return err;
	if (bad) {
		warning("store: migrate: %d foreign key violations\n", bad);
		return EIO;
	}

	return 0;
}

/* A file written by a newer build: its schema is unknown to us. */
static bool too_new(int v, int latest)
{
	if (v <= latest)
		return false;

	warning("store: database schema %d is newer than this build (%d); "
		"refusing to open it\n",
		v, latest);
	return true;
}

int store_migrate(sqlite3 *db, int *versionp)
{
	int latest = store_migrate_latest();
	int v = 0, err;

	if (!db || !versionp)
		return EINVAL;

	err = query_int(db, "PRAGMA user_version", &v);
	if (err)
		return err;

	if (too_new(v, latest))
		return EIO;
	if (v == latest) {
		*versionp = v;
		return 0;
	}

	/* PRAGMA foreign_keys is a no-op inside a transaction */
	err = exec(db, "PRAGMA foreign_keys = OFF", "foreign keys off");
	if (err)
		return err;

	err = exec(db, "BEGIN IMMEDIATE", "begin");
	if (err)
		goto out;

	/* another process may have migrated while we waited for the lock */
	err = query_int(db, "PRAGMA user_version", &v);
	if (!err && too_new(v, latest))
		err = EIO;
	if (!err)
		err = apply(db, &v);

	if (!err)
		err = exec(db, "COMMIT", "commit");
	if (err && !sqlite3_get_autocommit(db))
		(void)exec(db, "ROLLBACK", "rollback");

out:
	if (exec(db, "PRAGMA foreign_keys = ON", "foreign keys on") && !err)
		err = EIO;
	if (!err)
		*versionp = v;

	return err;
}
