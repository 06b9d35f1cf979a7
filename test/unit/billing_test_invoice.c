/*
 * billing_test_invoice.c - invoices (billing/invoice.c, store/
 * sqlite_invoice.c): the numbers of the installation's one sequence are
 * gapless and never reused, also after a failed issue (a line the store
 * refuses rolls back the whole issue, its number with it) and an issue
 * refused for an invoiced month; a month not over, a running call; the
 * rows are immutable; a credit note takes the next number, negates every
 * amount, refers to its invoice, comes once, and frees the month; the
 * money format and the PDF's text.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "billing/billing.h"
#include "test.h"
#include "store_test.h"

#define DAY 86400000ULL

static const struct billing_issuer issuer = {"Telefonservice Süd GmbH",
					     "Hauptstraße 1|50667 Köln",
					     "DE123456789", "214/5722/0815"};

/* Invoice tenant's month at T0 (2023-11-14) into *numberp. */
static int issue(struct store *st, int64_t tenant, const char *month,
		 char *number, size_t sz)
{
	struct billing_invoice *bi = NULL;
	int err;

	err = billing_invoice_issue(&bi, st, tenant, month, T0, &issuer);
	if (!err)
		str_ncpy(number, bi->inv.number, sz);
	mem_deref(bi);
	return err;
}

int test_billing_invoice_number(void)
{
	struct store_invoice_line bad;
	struct store_invoice *inv = NULL;
	struct store_call *c = NULL;
	struct tdb db;
	int64_t t1 = 0, t2 = 0;
	char nr[32];
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	inv = mem_zalloc(sizeof(*inv), NULL);
	c = mem_zalloc(sizeof(*c), NULL);
	TEST_ASSERT(inv && c);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);

	TEST_EQ_INT(issue(db.st, t1, "2023-10", nr, sizeof(nr)), 0);
	TEST_EQ_STR(nr, "RE-2023-000001");
	TEST_EQ_INT(issue(db.st, t2, "2023-10", nr, sizeof(nr)), 0);
	TEST_EQ_STR(nr, "RE-2023-000002");
	/* refused: invoiced already, not over (Berlin), a bad month */
	TEST_EQ_INT(issue(db.st, t1, "2023-10", nr, sizeof(nr)), EEXIST);
	TEST_EQ_INT(issue(db.st, t1, "2023-11", nr, sizeof(nr)), ERANGE);
	TEST_EQ_INT(issue(db.st, t1, "2023-13", nr, sizeof(nr)), EINVAL);
	TEST_EQ_INT(issue(db.st, 999, "2023-10", nr, sizeof(nr)), ENOENT);

	/* a store error in the middle of an issue (a line the schema
	 * refuses): nothing written, the number not used */
	memset(&bad, 0, sizeof(bad));
	str_ncpy(bad.kind, "bogus", sizeof(bad.kind));
	inv->tenant_id = t1;
	str_ncpy(inv->kind, "invoice", sizeof(inv->kind));
	str_ncpy(inv->month, "2023-08", sizeof(inv->month));
	TEST_ASSERT(store_invoice_issue(db.st, inv, "RE-2023-", &bad, 1) != 0);
	TEST_EQ_INT(inv->id, 0);
	TEST_EQ_STR(inv->number, "");
	TEST_EQ_INT(raw_is(db.path, "SELECT last FROM invoice_counter", "2"),
		    0);
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM invoices", "2"), 0);

	/* a running call in the month: refused, no number used */
	c->tenant_id = t1;
	c->direction = STORE_DIR_INBOUND;
	c->started_at = T0 - 60 * DAY; /* 2023-09-15 */
	TEST_EQ_INT(store_call_add(db.st, c), 0);
	TEST_EQ_INT(issue(db.st, t1, "2023-09", nr, sizeof(nr)), EBUSY);

	/* the next issue gets the next number: no gap */
	TEST_EQ_INT(issue(db.st, t1, "2023-08", nr, sizeof(nr)), 0);
	TEST_EQ_STR(nr, "RE-2023-000003");
	TEST_EQ_INT(
	    raw_is(db.path, "SELECT group_concat(seq) FROM invoices", "1,2,3"),
	    0);

	/* immutable: the store refuses an update of any row */
	TEST_ASSERT(raw_exec(db.path, "UPDATE invoices SET net_cents = 1") !=
		    0);
	TEST_ASSERT(
	    raw_exec(db.path, "UPDATE invoice_lines SET amount_x = 1") != 0);
out:
	mem_deref(c);
	mem_deref(inv);
	tdb_close(&db);
	return err;
}

int test_billing_invoice_credit(void)
{
	struct billing_invoice *bi = NULL, *cn = NULL, *again = NULL;
	struct store_invoice_line v[3];
	struct store_invoice *inv = NULL;
	struct tdb db;
	int64_t t1 = 0, t2 = 0;
	size_t i;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	inv = mem_zalloc(sizeof(*inv), NULL);
	TEST_ASSERT(inv);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	/* an invoice with a call, the SMS and the VAT line */
	memset(v, 0, sizeof(v));
	str_ncpy(v[0].kind, "call", sizeof(v[0].kind));
	v[0].call_id = 7;
	v[0].talk_s = 61;
	v[0].acceptance = true;
	v[0].amount_x = 3540 + 59 * 61;
	v[0].cents = 119;
	str_ncpy(v[1].kind, "sms", sizeof(v[1].kind));
	v[1].quantity = 2;
	v[1].amount_x = 1200;
	v[1].cents = 20;
	str_ncpy(v[2].kind, "vat", sizeof(v[2].kind));
	v[2].vat_bp = 1900;
	v[2].amount_x = 3540 + 59 * 61 + 1200;
	v[2].cents = 139;
	v[2].vat_cents = 26;
	inv->tenant_id = t1;
	str_ncpy(inv->kind, "invoice", sizeof(inv->kind));
	str_ncpy(inv->month, "2023-10", sizeof(inv->month));
	inv->net_cents = 139;
	inv->vat_cents = 26;
	inv->gross_cents = 165;
	TEST_EQ_INT(store_invoice_issue(db.st, inv, "RE-2023-", v, 3), 0);
	TEST_EQ_STR(inv->number, "RE-2023-000001");

	TEST_EQ_INT(billing_invoice_credit(&cn, db.st, inv->id, "wrong", T0),
		    0);
	TEST_EQ_STR(cn->inv.number, "RE-2023-000002");
	TEST_EQ_STR(cn->inv.kind, "credit_note");
	TEST_EQ_INT(cn->inv.credits_id, inv->id);
	TEST_EQ_STR(cn->credits_number, "RE-2023-000001");
	TEST_EQ_INT(cn->inv.gross_cents, -165);
	TEST_EQ_INT(cn->inv.net_cents, -139);
	TEST_EQ_INT(cn->inv.vat_cents, -26);
	cn = mem_deref(cn);
	/* as stored: every amount negated */
	TEST_EQ_INT(billing_invoice_load(&cn, db.st, 2), 0);
	TEST_EQ_INT(cn->linec, 3);
	for (i = 0; i < 3; i++) {
		TEST_EQ_INT(cn->linev[i].amount_x, -v[i].amount_x);
		TEST_EQ_INT(cn->linev[i].cents, -v[i].cents);
		TEST_EQ_INT(cn->linev[i].vat_cents, -v[i].vat_cents);
	}
	TEST_EQ_INT(cn->inv.gross_cents, -165);
	TEST_EQ_STR(cn->inv.reason, "wrong");
	/* once per invoice; not of a credit note; the month is free again */
	TEST_EQ_INT(billing_invoice_credit(&bi, db.st, inv->id, "x", T0),
		    EEXIST);
	TEST_EQ_INT(billing_invoice_credit(&bi, db.st, cn->inv.id, "x", T0),
		    EINVAL);
	TEST_EQ_INT(billing_invoice_credit(&bi, db.st, 99, "x", T0), ENOENT);
	TEST_EQ_INT(
	    billing_invoice_issue(&again, db.st, t1, "2023-10", T0, &issuer),
	    0);
	TEST_EQ_STR(again->inv.number, "RE-2023-000003");
	TEST_EQ_INT(raw_is(db.path, "SELECT last FROM invoice_counter", "3"),
		    0);
out:
	mem_deref(again);
	mem_deref(bi);
	mem_deref(cn);
	mem_deref(inv);
	tdb_close(&db);
	return err;
}

/* Is s in the n bytes of p? */
static bool has(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= n; i++) {
		if (!memcmp(p + i, s, k))
			return true;
	}
	return false;
}

int test_billing_invoice_pdf(void)
{
	struct billing_invoice *bi = NULL;
	struct mbuf *mb = NULL;
	char buf[32];
	int err = 0;

	billing_eur(buf, sizeof(buf), 123456);
	TEST_EQ_STR(buf, "1.234,56 \xe2\x82\xac");
	billing_eur(buf, sizeof(buf), -5);
	TEST_EQ_STR(buf, "-0,05 \xe2\x82\xac");
	billing_eur(buf, sizeof(buf), 0);
	TEST_EQ_STR(buf, "0,00 \xe2\x82\xac");
	billing_eur(buf, sizeof(buf), 100000000);
	TEST_EQ_STR(buf, "1.000.000,00 \xe2\x82\xac");
	billing_eur(buf, sizeof(buf), 99999);
	TEST_EQ_STR(buf, "999,99 \xe2\x82\xac");

	bi = mem_zalloc(sizeof(*bi), NULL);
	TEST_ASSERT(bi);
	str_ncpy(bi->inv.number, "RE-2023-000042", sizeof(bi->inv.number));
	str_ncpy(bi->inv.kind, "invoice", sizeof(bi->inv.kind));
	str_ncpy(bi->inv.customer_name, "Müller & Söhne",
		 sizeof(bi->inv.customer_name));
	str_ncpy(bi->inv.issuer_name, issuer.name, sizeof(bi->inv.issuer_name));
	bi->inv.period_from = T0 - 30 * DAY;
	bi->inv.period_until = T0;
	bi->inv.issued_at = T0;
	bi->inv.net_cents = 123456;
	bi->inv.vat_cents = 23457;
	bi->inv.gross_cents = 146913;
	TEST_EQ_INT(billing_invoice_pdf(&mb, bi), 0);
	TEST_ASSERT(mb->end > 500 && !memcmp(mb->buf, "%PDF-", 5));
	/* the text in WinAnsiEncoding: umlauts Latin-1, the euro 0x80 (the
	 * PDF string escapes them in octal) */
	TEST_ASSERT(has(mb->buf, mb->end, "(RE-2023-000042)"));
	TEST_ASSERT(has(mb->buf, mb->end, "(Rechnungsnummer:)"));
	TEST_ASSERT(has(mb->buf, mb->end, "(Rechnungsdatum:)"));
	TEST_ASSERT(has(mb->buf, mb->end, "(Leistungszeitraum:)"));
	TEST_ASSERT(has(mb->buf, mb->end, "(M\\374ller & S\\366hne)"));
	TEST_ASSERT(has(mb->buf, mb->end, "(1.234,56 \\200)"));
	TEST_ASSERT(has(mb->buf, mb->end, "(234,57 \\200)"));
	TEST_ASSERT(has(mb->buf, mb->end, "(1.469,13 \\200)"));
	TEST_ASSERT(has(mb->buf, mb->end, "(Brutto:)"));
	TEST_ASSERT(has(mb->buf, mb->end, "WinAnsiEncoding"));
out:
	mem_deref(mb);
	mem_deref(bi);
	return err;
}
