/*
 * sqlite_invoice.c - invoices and credit notes in the SQLite store (issue
 * 18, migration 38): a month's bill frozen with a number of the
 * installation's one gapless sequence, and the clients' invoice
 * addresses.
 *
 * The number comes from the one row of invoice_counter, incremented in
 * the same transaction that writes the invoice and its lines: a failed
 * issue rolls the counter back with the rows (no gap), and SQLite's write
 * lock (BEGIN IMMEDIATE) serialises two issues (no number twice).  Rows
 * are never changed: there is no update here, and triggers refuse one.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define INV_COLS                                                               \
	"id, tenant_id, seq, number, kind, coalesce(credits_id, 0), reason,"   \
	" month, period_from, period_until, issued_at, customer_name,"         \
	" customer_address, issuer_name, issuer_address, issuer_vat_id,"       \
	" issuer_tax_number, calls, sms_count, net_cents, vat_cents,"          \
	" gross_cents"

static const struct store_sql sql[] = {
    /* an invoice of the month not cancelled by a credit note */
    {S_INV_OPEN, "invoice open",
     "SELECT count(*) FROM invoices i WHERE i.tenant_id = ?1"
     " AND i.month = ?2 AND i.kind = 'invoice' AND NOT EXISTS"
     " (SELECT 1 FROM invoices c WHERE c.credits_id = i.id)"},
    {S_INV_COUNTER_NEXT, "invoice number",
     "UPDATE invoice_counter SET last = last + 1 WHERE id = 1"},
    {S_INV_COUNTER_GET, "invoice number get",
     "SELECT last FROM invoice_counter WHERE id = 1"},
    {S_INV_ADD, "invoice add",
     "INSERT INTO invoices (tenant_id, seq, number, kind, credits_id,"
     " reason, month, period_from, period_until, issued_at, customer_name,"
     " customer_address, issuer_name, issuer_address, issuer_vat_id,"
     " issuer_tax_number, calls, sms_count, net_cents, vat_cents,"
     " gross_cents) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
     " ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21) RETURNING id"},
    {S_INV_LINE_ADD, "invoice line add",
     "INSERT INTO invoice_lines (invoice_id, tenant_id, pos, kind, call_id,"
     " started_at, talk_s, wrapup_s, wrapup_counted_s, acceptance, why,"
     " quantity, vat_bp, amount_x, cents, vat_cents) VALUES (?1, ?2, ?3,"
     " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) RETURNING "
     "id"},
    {S_INV_GET, "invoice get",
     "SELECT " INV_COLS " FROM invoices WHERE id = ?1"},
    {S_INV_LIST, "invoice list",
     "SELECT " INV_COLS " FROM invoices WHERE ?1 = 0 OR tenant_id = ?1"
     " ORDER BY seq"},
    {S_INV_LINES, "invoice lines",
     "SELECT id, invoice_id, tenant_id, pos, kind, call_id, started_at,"
     " talk_s, wrapup_s, wrapup_counted_s, acceptance, why, quantity,"
     " vat_bp, amount_x, cents, vat_cents FROM invoice_lines"
     " WHERE invoice_id = ?1 ORDER BY pos"},
    {S_INV_CREDITED, "invoice credited",
     "SELECT id FROM invoices WHERE credits_id = ?1"},
    {S_INV_RUNNING, "invoice running calls",
     "SELECT count(*) FROM calls WHERE tenant_id = ?1 AND started_at >= ?2"
     " AND started_at < ?3 AND ended_at = 0"},
    {S_BADDR_GET, "billing address get",
     "SELECT tenant_id, name, address, vat_id, updated_at"
     " FROM billing_addresses WHERE tenant_id = ?1"},
    {S_BADDR_SET, "billing address set",
     "INSERT INTO billing_addresses (tenant_id, name, address, vat_id,"
     " updated_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tenant_id) DO"
     " UPDATE SET name = excluded.name, address = excluded.address,"
     " vat_id = excluded.vat_id, updated_at = excluded.updated_at"},
};

const struct store_sqlset store_sql_invoice = STORE_SQLSET(sql);

#define I store_invoice
static const struct store_col inv_cols[] = {
    STORE_COL(SC_I64, 0, I, id),
    STORE_COL(SC_I64, SC_ADD, I, tenant_id),
    STORE_COL(SC_I64, SC_ADD, I, seq),
    STORE_COL(SC_TEXT, SC_ADD, I, number),
    STORE_COL(SC_TEXT, SC_ADD, I, kind),
    STORE_COL(SC_REF, SC_ADD, I, credits_id),
    STORE_COL(SC_TEXT, SC_ADD, I, reason),
    STORE_COL(SC_TEXT, SC_ADD, I, month),
    STORE_COL(SC_U64, SC_ADD, I, period_from),
    STORE_COL(SC_U64, SC_ADD, I, period_until),
    STORE_COL(SC_U64, SC_ADD, I, issued_at),
    STORE_COL(SC_TEXT, SC_ADD, I, customer_name),
    STORE_COL(SC_TEXT, SC_ADD, I, customer_address),
    STORE_COL(SC_TEXT, SC_ADD, I, issuer_name),
    STORE_COL(SC_TEXT, SC_ADD, I, issuer_address),
    STORE_COL(SC_TEXT, SC_ADD, I, issuer_vat_id),
    STORE_COL(SC_TEXT, SC_ADD, I, issuer_tax_number),
    STORE_COL(SC_I64, SC_ADD, I, calls),
    STORE_COL(SC_I64, SC_ADD, I, sms_count),
    STORE_COL(SC_I64, SC_ADD, I, net_cents),
    STORE_COL(SC_I64, SC_ADD, I, vat_cents),
    STORE_COL(SC_I64, SC_ADD, I, gross_cents),
};
#undef I

STORE_RECORD(inv_rec, store_invoice, store_invoice_h, inv_cols);

#define L store_invoice_line
static const struct store_col line_cols[] = {
    STORE_COL(SC_I64, 0, L, id),
    STORE_COL(SC_I64, SC_ADD, L, invoice_id),
    STORE_COL(SC_I64, SC_ADD, L, tenant_id),
    STORE_COL(SC_I64, SC_ADD, L, pos),
    STORE_COL(SC_TEXT, SC_ADD, L, kind),
    STORE_COL(SC_I64, SC_ADD, L, call_id),
    STORE_COL(SC_U64, SC_ADD, L, started_at),
    STORE_COL(SC_U32, SC_ADD, L, talk_s),
    STORE_COL(SC_U32, SC_ADD, L, wrapup_s),
    STORE_COL(SC_U32, SC_ADD, L, wrapup_counted_s),
    STORE_COL(SC_BOOL, SC_ADD, L, acceptance),
    STORE_COL(SC_TEXT, SC_ADD, L, why),
    STORE_COL(SC_I64, SC_ADD, L, quantity),
    STORE_COL(SC_U32, SC_ADD, L, vat_bp),
    STORE_COL(SC_I64, SC_ADD, L, amount_x),
    STORE_COL(SC_I64, SC_ADD, L, cents),
    STORE_COL(SC_I64, SC_ADD, L, vat_cents),
};
#undef L

STORE_RECORD(line_rec, store_invoice_line, store_invoice_line_h, line_cols);

#define A store_billing_address
static const struct store_col addr_cols[] = {
    STORE_COL(SC_I64, 0, A, tenant_id),  STORE_COL(SC_TEXT, 0, A, name),
    STORE_COL(SC_TEXT, 0, A, address),   STORE_COL(SC_TEXT, 0, A, vat_id),
    STORE_COL(SC_U64, 0, A, updated_at),
};
#undef A

typedef int(store_billing_address_h)(const struct store_billing_address *a,
				     void *arg);
STORE_RECORD(addr_rec, store_billing_address, store_billing_address_h,
	     addr_cols);

/* The invoice's rows, inside the caller's transaction. */
static int issue(struct store *st, struct store_invoice *inv,
		 const char *prefix, const struct store_invoice_line *v,
		 size_t n)
{
	struct store_invoice_line l;
	int64_t k = 0;
	size_t i;
	int err;

	if (!inv->credits_id) {
		err = store_run(st, S_INV_OPEN, EIO, &k, "is", inv->tenant_id,
				inv->month);
		if (err)
			return err;
		if (k)
			return EEXIST;
	}
	/* the number: in this transaction, or not at all */
	err = store_run(st, S_INV_COUNTER_NEXT, EIO, NULL, "");
	if (!err)
		err = store_run(st, S_INV_COUNTER_GET, EIO, &inv->seq, "");
	if (err)
		return err;
	re_snprintf(inv->number, sizeof(inv->number), "%s%06lld", prefix,
		    (long long)inv->seq);
	err = store_row_add(st, S_INV_ADD, &inv_rec, inv);
	for (i = 0; !err && i < n; i++) {
		l = v[i];
		l.invoice_id = inv->id;
		l.tenant_id = inv->tenant_id;
		l.pos = (int64_t)i + 1;
		err = store_row_add(st, S_INV_LINE_ADD, &line_rec, &l);
	}
	return err;
}

int store_invoice_issue(struct store *st, struct store_invoice *inv,
			const char *prefix, const struct store_invoice_line *v,
			size_t n)
{
	int err;

	if (!st || !inv || !prefix || (n && !v) || inv->tenant_id <= 0 ||
	    strlen(prefix) > sizeof(inv->number) - 8)
		return EINVAL;
	err = store_tx_begin(st);
	if (err)
		return err;
	err = issue(st, inv, prefix, v, n);
	err = store_tx_end(st, err);
	if (err) {
		inv->id = 0;
		inv->seq = 0;
		inv->number[0] = '\0';
	}
	return err;
}

int store_invoice_get(struct store *st, int64_t id, struct store_invoice *inv)
{
	return store_row_get(st, S_INV_GET, id, &inv_rec, inv);
}

int store_invoice_list(struct store *st, int64_t tenant_id, store_invoice_h *h,
		       void *arg)
{
	return store_row_list(st, S_INV_LIST, tenant_id, &inv_rec,
			      (store_fn *)h, arg);
}

int store_invoice_lines(struct store *st, int64_t invoice_id,
			store_invoice_line_h *h, void *arg)
{
	struct store_invoice_line l;

	if (!st || invoice_id <= 0 || !h)
		return EINVAL;
	return store_row_query(st, S_INV_LINES, &line_rec, &l, (store_fn *)h,
			       arg, "i", invoice_id);
}

int store_invoice_credited(struct store *st, int64_t id, int64_t *cnp)
{
	int err;

	if (!st || id <= 0 || !cnp)
		return EINVAL;
	*cnp = 0;
	err = store_run(st, S_INV_CREDITED, EIO, cnp, "i", id);
	return err == ENOENT ? 0 : err;
}

int store_billing_address_get(struct store *st, int64_t tenant_id,
			      struct store_billing_address *a)
{
	return store_row_get(st, S_BADDR_GET, tenant_id, &addr_rec, a);
}

int store_billing_address_set(struct store *st,
			      const struct store_billing_address *a)
{
	if (!st || !a || a->tenant_id <= 0)
		return EINVAL;
	return store_run(st, S_BADDR_SET, ENOENT, NULL, "isssu", a->tenant_id,
			 a->name, a->address, a->vat_id, a->updated_at);
}

int store_billing_running(struct store *st, int64_t tenant_id, uint64_t from,
			  uint64_t until, int64_t *np)
{
	if (!st || tenant_id <= 0 || !np)
		return EINVAL;
	return store_run(st, S_INV_RUNNING, EIO, np, "iuu", tenant_id, from,
			 until);
}
