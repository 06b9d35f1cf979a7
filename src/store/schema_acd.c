/*
 * schema_acd.c - the steps of the store's schema (migrate.c) for
 * hotline queues (issue 15): queues, their statistics, VIP callers and
 * greetings, callbacks; the answering service's agent pool (issue 17).
 * A step that has shipped is never edited.
 */
#include "store/schema_int.h"

/* Hotline queues (ACD, issue 15): queues with their limits and targets,
 * members with a tier, skill requirements and widening steps as child
 * rows; agents' skills and their kept state (logged in, paused with a
 * reason) so a restart keeps them; API tokens of agents (role "agent",
 * the employee they act as).  route_refs gains the queues' four targets
 * (via 'queue') and their members (via 'queue_member', type employee). */
const char schema_v14[] =
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
const char schema_v15[] =
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
const char schema_v17[] =
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
const char schema_v18[] =
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

/* The answering service's agent pool (issue 17, migration 34): a queue
 * marked pool (set by the operator only) is the service's and may be the
 * target of numbers, forwardings, schedules, menus, ... of any tenant;
 * a call of client X in it stays X's (sqlite_target.c, http/target.c). */
const char schema_v34[] =
    "ALTER TABLE queues ADD COLUMN pool INTEGER NOT NULL DEFAULT 0"
    " CHECK (pool IN (0, 1));";
/* The agent's after-call work per queue visit (issue 18, migration 37):
 * when the agent's wrap-up after this visit's call started and ended
 * (UTC [ms], 0 = none or not yet), written by the ACD's statistics
 * (src/acd/stats.c) and read by billing, which finds a call's visits
 * by the index. */
const char schema_v37[] =
    "ALTER TABLE queue_visits ADD COLUMN wrapup_started_at INTEGER NOT NULL"
    " DEFAULT 0;"
    "ALTER TABLE queue_visits ADD COLUMN wrapup_ended_at INTEGER NOT NULL"
    " DEFAULT 0;"
    "CREATE INDEX queue_visits_call ON queue_visits(call_id);";

/* Queue and agent settings changed through one node (issue 21, migration
 * 63, src/acd/rows.c): a row per change (a queue added, changed or
 * deleted; an agent's skills) that the other nodes follow to take the
 * change over at once (acd_queue_sync, acd_agent_sync), not only at their
 * next start; at is the store's wall clock of the write. */
const char schema_v63[] =
    "CREATE TABLE acd_changes ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL CHECK (kind IN ('queue', 'agent')),"
    " ref_id INTEGER NOT NULL,"
    " node_id TEXT NOT NULL CHECK (node_id <> ''),"
    " at INTEGER NOT NULL"
    ");"
    "CREATE INDEX acd_changes_at ON acd_changes(at);";

/* A client deleted through one node is a third kind of settings change
 * (issue 21, migration 64, src/acd/changes.c): the other nodes forget its
 * queues and agents.  SQLite cannot change a CHECK: the table is built
 * again, its rows kept.  A waiting caller's row says whether agents ring
 * for it (queue_entries.offered, src/acd/rows.c): the other nodes hold no
 * agent back for a caller who is being offered one. */
const char schema_v64[] =
    "CREATE TABLE acd_changes_new ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL CHECK (kind IN ('queue', 'agent', 'tenant')),"
    " ref_id INTEGER NOT NULL,"
    " node_id TEXT NOT NULL CHECK (node_id <> ''),"
    " at INTEGER NOT NULL"
    ");"
    "INSERT INTO acd_changes_new (id, kind, ref_id, node_id, at)"
    " SELECT id, kind, ref_id, node_id, at FROM acd_changes;"
    "DROP TABLE acd_changes;"
    "ALTER TABLE acd_changes_new RENAME TO acd_changes;"
    "CREATE INDEX acd_changes_at ON acd_changes(at);"
    "ALTER TABLE queue_entries ADD COLUMN offered INTEGER NOT NULL"
    " DEFAULT 0 CHECK (offered IN (0, 1));";

/* Agents and waiting callers as rows every node sees (issue 21, migration
 * 60, src/acd/rows.c): agent_states.updated_at is the store's wall clock
 * of the last write (changed_at is the ACD's own time), so every node
 * polls the rows changed since it last looked; agent_claims holds the
 * agent a node rings, talks through or keeps in wrap-up (one conditional
 * write takes it; another node's claim makes him busy there);
 * queue_entries are the callers waiting in a queue on each node. */
const char schema_v60[] =
    "ALTER TABLE agent_states ADD COLUMN updated_at INTEGER NOT NULL"
    " DEFAULT 0;"
    "CREATE INDEX agent_states_updated ON agent_states(updated_at);"
    "CREATE TABLE agent_claims ("
    " employee_id INTEGER PRIMARY KEY REFERENCES employees(id)"
    "  ON DELETE CASCADE,"
    " node_id TEXT NOT NULL CHECK (node_id <> ''),"
    " kind TEXT NOT NULL CHECK (kind IN ('ringing', 'on_call', 'wrapup')),"
    " since INTEGER NOT NULL,"
    " until_at INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX agent_claims_node ON agent_claims(node_id);"
    "CREATE TABLE queue_entries ("
    " node_id TEXT NOT NULL CHECK (node_id <> ''),"
    " caller INTEGER NOT NULL,"
    " queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,"
    " call_id INTEGER,"
    " callback_id INTEGER,"
    " priority INTEGER NOT NULL DEFAULT 0,"
    " arrived_at INTEGER NOT NULL,"
    " joined_at INTEGER NOT NULL,"
    " vip TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY (node_id, caller)"
    ");"
    "CREATE INDEX queue_entries_queue ON queue_entries(queue_id, priority,"
    "  arrived_at);";
