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
