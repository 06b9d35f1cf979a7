/*
 * schema_secretariat.c - the steps of the store's schema (migrate.c)
 * for the answering service (issues 16 and 17): employees' fields,
 * absences and on-call schedules, the client profile, callers,
 * forwarded calls.
 * A step that has shipped is never edited.
 */
#include "store/schema_int.h"

/* the answering service's employee fields (seeds/001, Unternehmen >
 * Mitarbeiter): the name's written order, CC, position, responsibility,
 * SMS to a mobile, a substitute, where and which calls are put through,
 * VIP SMS.  Enum values and the mobile a SMS needs are checked in C. */
const char schema_v19[] =
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
const char schema_v20[] =
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
const char schema_v21[] =
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
const char schema_v25[] =
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
const char schema_v26[] =
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

/* Forwarded calls, security review: a carrier's Diversion/History-Info
 * counts only on the numbers the operator marked as serving forwarded
 * calls (a phone or an unmarked number cannot claim to be forwarded from
 * a client). */
const char schema_v33[] =
    "ALTER TABLE numbers ADD COLUMN forwarded_calls INTEGER NOT NULL"
    " DEFAULT 0 CHECK (forwarded_calls IN (0, 1));";

/* Outcomes of transfers with consultation (issue 17, migration 35): one
 * row per attempt of a call (the caller's record): its consultation's
 * own record (NULL: the step could not be rung at all, no phone), the
 * step's employee, whether it was taken, declined (with the employee's
 * message for the caller), not reached or cancelled by the agent.  A
 * note of the call lists them. */
const char schema_v35[] =
    "CREATE TABLE consult_outcomes ("
    " id INTEGER PRIMARY KEY,"
    " consult_id INTEGER UNIQUE REFERENCES calls(id) ON DELETE CASCADE,"
    " call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    " step TEXT NOT NULL DEFAULT '',"
    " employee_id INTEGER,"
    " outcome TEXT NOT NULL"
    "  CHECK (outcome IN ('taken', 'declined', 'unreached', 'cancelled')),"
    " message TEXT NOT NULL DEFAULT '',"
    " at INTEGER NOT NULL"
    ");"
    "CREATE INDEX consult_outcomes_call ON consult_outcomes(call_id);"
    "CREATE INDEX consult_outcomes_tenant ON consult_outcomes(tenant_id);";

/* Outcomes of consultations (migration 44): "caller_left" too, the
 * caller hung up while the agent consulted (the call goes on as the
 * consultation).  SQLite changes a CHECK only by rebuilding the table. */
const char schema_v44[] =
    "CREATE TABLE consult_outcomes_new ("
    " id INTEGER PRIMARY KEY,"
    " consult_id INTEGER UNIQUE REFERENCES calls(id) ON DELETE CASCADE,"
    " call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    " step TEXT NOT NULL DEFAULT '',"
    " employee_id INTEGER,"
    " outcome TEXT NOT NULL"
    "  CHECK (outcome IN ('taken', 'declined', 'unreached', 'cancelled',"
    "   'caller_left')),"
    " message TEXT NOT NULL DEFAULT '',"
    " at INTEGER NOT NULL"
    ");"
    "INSERT INTO consult_outcomes_new SELECT id, consult_id, call_id,"
    " tenant_id, step, employee_id, outcome, message, at"
    " FROM consult_outcomes;"
    "DROP TABLE consult_outcomes;"
    "ALTER TABLE consult_outcomes_new RENAME TO consult_outcomes;"
    "CREATE INDEX consult_outcomes_call ON consult_outcomes(call_id);"
    "CREATE INDEX consult_outcomes_tenant ON consult_outcomes(tenant_id);";
