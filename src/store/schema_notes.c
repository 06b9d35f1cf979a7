/*
 * schema_notes.c - the steps of the store's schema (migrate.c) for call
 * notes (issue 17): notes and their delivery, Web Push, escalation.
 * A step that has shipped is never edited.
 */
#include "store/schema_int.h"

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
const char schema_v29[] =
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
const char schema_v30[] =
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
const char schema_v31[] =
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
const char schema_v32[] =
    "ALTER TABLE note_escalations ADD COLUMN attempt INTEGER NOT NULL"
    " DEFAULT 0 CHECK (attempt >= 0);"
    "ALTER TABLE note_escalations ADD COLUMN sip_code INTEGER NOT NULL"
    " DEFAULT 0 CHECK (sip_code >= 0);"
    "CREATE UNIQUE INDEX note_escalations_attempt ON"
    " note_escalations(note_id, step, attempt) WHERE attempt > 0;";

/* Delivery receipts (issue 17, migration 49): an outbox row can become
 * "delivered" (a webhook receiver's 2xx; an SMS gateway's report), when
 * (delivered_at, ms), and the id the SMS gateway gave the message
 * (ext_id, "" = none), by which its report finds the row.  The charge of
 * an SMS is made once, whether it is reported sent or delivered. */
const char schema_v49[] =
    "ALTER TABLE outbox ADD COLUMN delivered_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE outbox ADD COLUMN ext_id TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX outbox_ext ON outbox(channel, ext_id) WHERE ext_id <> '';"
    "DROP TRIGGER sms_charge;"
    "CREATE TRIGGER sms_charge AFTER UPDATE OF state ON outbox"
    " WHEN new.state IN ('sent', 'delivered')"
    " AND old.state NOT IN ('sent', 'delivered')"
    " AND new.channel = 'sms' BEGIN"
    " INSERT OR IGNORE INTO sms_charges (tenant_id, note_id, outbox_id,"
    " cents, at) VALUES (new.tenant_id, (SELECT note_id FROM note_deliveries"
    " WHERE outbox_id = new.id), new.id, 10, new.sent_at); END;";
