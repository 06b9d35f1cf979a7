/*
 * schema_apps.c - the steps of the store's schema (migrate.c) for the
 * applications of issue 14: the outbox, time control, voice menus,
 * voicemail, uploaded prompts and external targets, digit inputs, ring
 * groups.
 * A step that has shipped is never edited.
 */
#include "store/schema_int.h"

/* The outbox (issue 14): one row per outgoing delivery, so nothing is lost
 * while the SMTP server is down or the process is killed (store.h,
 * "outbox").  tenant_id is a plain value like that of call records (0 =
 * the system's own, a test mail).  channel and state are names of
 * store.h's enums, checked in C (channels will grow).  The mail payload
 * is columns; attachments are files on disk named by path, in rows of
 * their own that go with their delivery.  The partial indexes serve the
 * dispatcher's questions "what is due?" and "what did a dead node leave
 * in sending?", the last one the API's list of a tenant. */
const char schema_v5[] =
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
const char schema_v6[] =
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

/* Voice menus (issue 14): a menu with its greeting, timeout, retries
 * and fallback target, its keys as child rows; and one view of every
 * reference to a target (type, id) with what refers to it (via, owner),
 * which the "still in use" checks of deletes read. */
const char schema_v8[] =
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
const char schema_v10[] =
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
const char schema_v11[] =
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
const char schema_v12[] =
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
const char schema_v13[] =
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

/* One SQL for SQLite and PostgreSQL (issue 21): child rows listed in the
 * order they were written kept it by SQLite's rowid, which PostgreSQL has
 * not.  seq is that order within the parent (the insert writes the
 * parent's largest + 1); existing rows take their rowid, which keeps
 * their order. */
const char schema_v59[] =
    "ALTER TABLE call_vars ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
    "UPDATE call_vars SET seq = rowid;"
    "ALTER TABLE ivr_options ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
    "UPDATE ivr_options SET seq = rowid;"
    "ALTER TABLE note_employees ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
    "UPDATE note_employees SET seq = rowid;";
