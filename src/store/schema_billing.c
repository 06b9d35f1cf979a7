/*
 * schema_billing.c - the steps of the store's schema (migrate.c) for
 * billing (issue 18): tariffs.
 * A step that has shipped is never edited.
 */
#include "store/schema_int.h"

/* Tariffs (issue 18, migration 36): a client's prices as data, versioned
 * by valid_from (UTC [ms] of 00:00 Europe/Berlin of its first day; a
 * call is billed with the row of its tenant whose valid_from is the
 * latest not after the call's start).  A row without tenant (tenant_id
 * NULL) is the list price (seeds/002, /001): what a client without a
 * tariff of its own pays.  Rows are never changed: a new price is a new
 * row. */
const char schema_v36[] =
    "CREATE TABLE tariffs ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,"
    " valid_from INTEGER NOT NULL CHECK (valid_from >= 0),"
    " acceptance_cents INTEGER NOT NULL CHECK (acceptance_cents >= 0),"
    " acceptance_threshold_s INTEGER NOT NULL CHECK (acceptance_threshold_s >= "
    "0),"
    " processing_cents_per_min INTEGER NOT NULL"
    "  CHECK (processing_cents_per_min >= 0),"
    " wrapup_cap_s INTEGER NOT NULL CHECK (wrapup_cap_s >= 0),"
    " sms_cents INTEGER NOT NULL CHECK (sms_cents >= 0),"
    " vat_bp INTEGER NOT NULL CHECK (vat_bp BETWEEN 0 AND 10000),"
    " trial_hours INTEGER NOT NULL CHECK (trial_hours >= 0),"
    " created_at INTEGER NOT NULL"
    ");"
    "CREATE UNIQUE INDEX tariffs_valid"
    " ON tariffs(ifnull(tenant_id, 0), valid_from);"
    "INSERT INTO tariffs (tenant_id, valid_from, acceptance_cents,"
    " acceptance_threshold_s, processing_cents_per_min, wrapup_cap_s,"
    " sms_cents, vat_bp, trial_hours, created_at)"
    " VALUES (NULL, 0, 59, 15, 59, 120, 10, 1900, 48, 0);";

/* Invoices (issue 18, migration 38): a month's bill frozen.  The number
 * is allocated from the one row of invoice_counter inside the
 * transaction that writes the invoice and its lines, so a failed issue
 * leaves no gap and two issues never share a number; deleting a client
 * (its invoices) never hands a number out again.  kind 'credit_note'
 * rows cancel the invoice credits_id (one credit note per invoice) with
 * negative amounts.  Rows are never changed (the triggers refuse); the
 * store has no delete but the tenant's deletion.  invoice_lines.call_id
 * is no reference: the call record may be purged, the invoice stays.
 * billing_addresses: the client's invoice address (name and lines). */
const char schema_v38[] =
    "CREATE TABLE invoice_counter ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " last INTEGER NOT NULL CHECK (last >= 0)"
    ");"
    "INSERT INTO invoice_counter (id, last) VALUES (1, 0);"
    "CREATE TABLE invoices ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL UNIQUE CHECK (seq > 0),"
    " number TEXT NOT NULL UNIQUE,"
    " kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),"
    " credits_id INTEGER REFERENCES invoices(id) ON DELETE CASCADE,"
    " reason TEXT NOT NULL,"
    " month TEXT NOT NULL,"
    " period_from INTEGER NOT NULL,"
    " period_until INTEGER NOT NULL,"
    " issued_at INTEGER NOT NULL,"
    " customer_name TEXT NOT NULL,"
    " customer_address TEXT NOT NULL,"
    " issuer_name TEXT NOT NULL,"
    " issuer_address TEXT NOT NULL,"
    " issuer_vat_id TEXT NOT NULL,"
    " issuer_tax_number TEXT NOT NULL,"
    " calls INTEGER NOT NULL,"
    " sms_count INTEGER NOT NULL,"
    " net_cents INTEGER NOT NULL,"
    " vat_cents INTEGER NOT NULL,"
    " gross_cents INTEGER NOT NULL,"
    " CHECK ((kind = 'invoice') = (credits_id IS NULL))"
    ");"
    "CREATE INDEX invoices_tenant ON invoices(tenant_id, month);"
    "CREATE UNIQUE INDEX invoices_credit ON invoices(credits_id)"
    " WHERE credits_id IS NOT NULL;"
    "CREATE TABLE invoice_lines ("
    " id INTEGER PRIMARY KEY,"
    " invoice_id INTEGER NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('call', 'sms', 'vat')),"
    " call_id INTEGER NOT NULL,"
    " started_at INTEGER NOT NULL,"
    " talk_s INTEGER NOT NULL,"
    " wrapup_s INTEGER NOT NULL,"
    " wrapup_counted_s INTEGER NOT NULL,"
    " acceptance INTEGER NOT NULL,"
    " why TEXT NOT NULL,"
    " quantity INTEGER NOT NULL,"
    " vat_bp INTEGER NOT NULL,"
    " amount_x INTEGER NOT NULL,"
    " cents INTEGER NOT NULL,"
    " vat_cents INTEGER NOT NULL"
    ");"
    "CREATE INDEX invoice_lines_invoice ON invoice_lines(invoice_id, pos);"
    "CREATE TRIGGER invoices_immutable BEFORE UPDATE ON invoices"
    " BEGIN SELECT RAISE(ABORT, 'invoices are immutable'); END;"
    "CREATE TRIGGER invoice_lines_immutable BEFORE UPDATE ON invoice_lines"
    " BEGIN SELECT RAISE(ABORT, 'invoices are immutable'); END;"
    "CREATE TABLE billing_addresses ("
    " tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL,"
    " address TEXT NOT NULL,"
    " vat_id TEXT NOT NULL,"
    " updated_at INTEGER NOT NULL"
    ");";

/* Assistants' tasks (issue 18, migration 40; seeds/000): the areas of
 * work with their factors per mille (data, seeded with the four of the
 * seed); a task of a client (tenant_id: the client the assistants work
 * for) in an area; the working time an assistant (an employee of the
 * service) booked on a task per Berlin day (day_at: UTC [ms] of its
 * 00:00 Europe/Berlin); and the calls booked to a task (task_calls:
 * the call record, the service's, with the assistant; task_id NULL:
 * placed without a task).  The client's rows go with the client. */
const char schema_v40[] =
    "CREATE TABLE task_areas ("
    " name TEXT PRIMARY KEY,"
    " factor_pm INTEGER NOT NULL CHECK (factor_pm >= 1000)"
    ");"
    "INSERT INTO task_areas (name, factor_pm) VALUES"
    " ('backoffice_de', 1200), ('backoffice_eu', 1300),"
    " ('sales_de', 2000), ('sales_eu', 2100);"
    "CREATE TABLE tasks ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    " area TEXT NOT NULL REFERENCES task_areas(name),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " active INTEGER NOT NULL DEFAULT 1,"
    " created_at INTEGER NOT NULL,"
    " UNIQUE (tenant_id, name)"
    ");"
    "CREATE TABLE task_times ("
    " id INTEGER PRIMARY KEY,"
    " task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
    " employee_id INTEGER NOT NULL REFERENCES employees(id)"
    "  ON DELETE CASCADE,"
    " date TEXT NOT NULL,"
    " day_at INTEGER NOT NULL,"
    " minutes INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 1440),"
    " created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX task_times_task ON task_times(task_id, day_at);"
    "CREATE INDEX task_times_day ON task_times(day_at);"
    "CREATE TABLE task_calls ("
    " call_id INTEGER PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,"
    " task_id INTEGER REFERENCES tasks(id) ON DELETE CASCADE,"
    " employee_id INTEGER NOT NULL REFERENCES employees(id)"
    "  ON DELETE CASCADE"
    ");"
    "CREATE INDEX task_calls_task ON task_calls(task_id);"
    "CREATE INDEX task_calls_employee ON task_calls(employee_id);";

/* The assistants a task is assigned to (issue 18, migration 41): an
 * agent lists and books to these tasks only (the clients' tasks are the
 * clients' data); the service's staff assigns them. */
const char schema_v41[] =
    "CREATE TABLE task_assistants ("
    " task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
    " employee_id INTEGER NOT NULL REFERENCES employees(id)"
    "  ON DELETE CASCADE,"
    " PRIMARY KEY (task_id, employee_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX task_assistants_employee ON task_assistants(employee_id);";
/* Invoices are kept when their client is deleted (issue 18, migration
 * 42): §147 (1) no. 4, (3) AO and §14b (1) UStG oblige the supplier to
 * keep a copy of every invoice it issued, since 2025 (Viertes
 * Bürokratieentlastungsgesetz) for 8 years after the end of the year of
 * issue.  So invoices and invoice_lines lose the foreign key to tenants
 * (ON DELETE CASCADE deleted them with the client): tenant_id stays as
 * the number the invoice was issued to; the invoice holds its own copy of
 * the customer's name and address as printed.  The tables are rebuilt
 * (SQLite cannot drop a foreign key); migrate.c runs a step with the
 * foreign keys off, so dropping the old tables deletes nothing else.
 * callback_calls: an agent's call of a queue callback (src/acd/
 * callback.c), billed like a queue visit answered: handle_ms from the
 * agent's answer to the end of the agent's call, the agent's wrap-up
 * after it; the call record is the agent's call (outbound, the
 * client's). */
const char schema_v42[] =
    "CREATE TABLE invoices_v42 ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL CHECK (tenant_id > 0),"
    " seq INTEGER NOT NULL UNIQUE CHECK (seq > 0),"
    " number TEXT NOT NULL UNIQUE,"
    " kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),"
    " credits_id INTEGER REFERENCES invoices(id),"
    " reason TEXT NOT NULL,"
    " month TEXT NOT NULL,"
    " period_from INTEGER NOT NULL,"
    " period_until INTEGER NOT NULL,"
    " issued_at INTEGER NOT NULL,"
    " customer_name TEXT NOT NULL,"
    " customer_address TEXT NOT NULL,"
    " issuer_name TEXT NOT NULL,"
    " issuer_address TEXT NOT NULL,"
    " issuer_vat_id TEXT NOT NULL,"
    " issuer_tax_number TEXT NOT NULL,"
    " calls INTEGER NOT NULL,"
    " sms_count INTEGER NOT NULL,"
    " net_cents INTEGER NOT NULL,"
    " vat_cents INTEGER NOT NULL,"
    " gross_cents INTEGER NOT NULL,"
    " CHECK ((kind = 'invoice') = (credits_id IS NULL))"
    ");"
    "INSERT INTO invoices_v42 SELECT id, tenant_id, seq, number, kind,"
    " credits_id, reason, month, period_from, period_until, issued_at,"
    " customer_name, customer_address, issuer_name, issuer_address,"
    " issuer_vat_id, issuer_tax_number, calls, sms_count, net_cents,"
    " vat_cents, gross_cents FROM invoices;"
    "CREATE TABLE invoice_lines_v42 ("
    " id INTEGER PRIMARY KEY,"
    " invoice_id INTEGER NOT NULL REFERENCES invoices(id),"
    " tenant_id INTEGER NOT NULL CHECK (tenant_id > 0),"
    " pos INTEGER NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('call', 'sms', 'vat')),"
    " call_id INTEGER NOT NULL,"
    " started_at INTEGER NOT NULL,"
    " talk_s INTEGER NOT NULL,"
    " wrapup_s INTEGER NOT NULL,"
    " wrapup_counted_s INTEGER NOT NULL,"
    " acceptance INTEGER NOT NULL,"
    " why TEXT NOT NULL,"
    " quantity INTEGER NOT NULL,"
    " vat_bp INTEGER NOT NULL,"
    " amount_x INTEGER NOT NULL,"
    " cents INTEGER NOT NULL,"
    " vat_cents INTEGER NOT NULL"
    ");"
    "INSERT INTO invoice_lines_v42 SELECT id, invoice_id, tenant_id, pos,"
    " kind, call_id, started_at, talk_s, wrapup_s, wrapup_counted_s,"
    " acceptance, why, quantity, vat_bp, amount_x, cents, vat_cents"
    " FROM invoice_lines;"
    "DROP TABLE invoice_lines;"
    "DROP TABLE invoices;"
    "ALTER TABLE invoices_v42 RENAME TO invoices;"
    "ALTER TABLE invoice_lines_v42 RENAME TO invoice_lines;"
    "CREATE INDEX invoices_tenant ON invoices(tenant_id, month);"
    "CREATE UNIQUE INDEX invoices_credit ON invoices(credits_id)"
    " WHERE credits_id IS NOT NULL;"
    "CREATE INDEX invoice_lines_invoice ON invoice_lines(invoice_id, pos);"
    "CREATE TRIGGER invoices_immutable BEFORE UPDATE ON invoices"
    " BEGIN SELECT RAISE(ABORT, 'invoices are immutable'); END;"
    "CREATE TRIGGER invoice_lines_immutable BEFORE UPDATE ON invoice_lines"
    " BEGIN SELECT RAISE(ABORT, 'invoices are immutable'); END;"
    "CREATE TRIGGER invoices_kept BEFORE DELETE ON invoices"
    " BEGIN SELECT RAISE(ABORT, 'invoices are kept (§147 AO, §14b UStG)');"
    " END;"
    "CREATE TRIGGER invoice_lines_kept BEFORE DELETE ON invoice_lines"
    " BEGIN SELECT RAISE(ABORT, 'invoices are kept (§147 AO, §14b UStG)');"
    " END;"
    "CREATE TABLE callback_calls ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    " callback_id INTEGER NOT NULL,"
    " call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,"
    " queue_id INTEGER NOT NULL,"
    " agent_id INTEGER NOT NULL,"
    " handle_ms INTEGER NOT NULL CHECK (handle_ms >= 0),"
    " ended_at INTEGER NOT NULL,"
    " wrapup_started_at INTEGER NOT NULL DEFAULT 0,"
    " wrapup_ended_at INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX callback_calls_call ON callback_calls(call_id);"
    /* the open wrap-ups a node's start or the stale check ends */
    "CREATE INDEX queue_visits_wrapup_open ON queue_visits(call_id)"
    " WHERE wrapup_started_at > 0 AND wrapup_ended_at = 0;"
    "CREATE INDEX callback_calls_wrapup_open ON callback_calls(call_id)"
    " WHERE wrapup_started_at > 0 AND wrapup_ended_at = 0;";

/* The assistants' hourly rate on the tariff (issue 18, migration 47,
 * seeds/000 "regulärer Stundensatz"): cents per hour of an assistant's
 * booked time, 0 when none is agreed (the report shows no amount). */
const char schema_v47[] =
    "ALTER TABLE tariffs ADD COLUMN assistant_cents_per_hour INTEGER"
    " NOT NULL DEFAULT 0 CHECK (assistant_cents_per_hour >= 0);";
