/*
 * invoice_pdf.c - an invoice or credit note as a PDF (billing.h, issue
 * 18) with libharu (libhpdf): German, with the fields §14 (4) UStG asks
 * for (supplier and customer with addresses, the supplier's tax number
 * or VAT id, the date of issue, the invoice number, the service and its
 * period, the net per VAT rate, the rate, the VAT, the gross).  The
 * built-in Helvetica in WinAnsiEncoding: our UTF-8 text is converted to
 * Windows-1252, so umlauts and the euro sign print.
 */
#include <string.h>
#include <hpdf.h>
#include <re.h>
#include "core/core.h"
#include "billing/billing.h"

enum { TOP = 800, LEFT = 50, BOTTOM = 60, LEADING = 13 };

struct pdf {
	HPDF_Doc doc;
	HPDF_Page page;
	HPDF_Font font, bold;
	float y;
};

static void on_error(HPDF_STATUS e, HPDF_STATUS detail, void *arg)
{
	(void)arg;
	warning("billing: pdf: error 0x%04x (%u)\n", (unsigned)e,
		(unsigned)detail);
}

/* UTF-8 s as Windows-1252 into buf: Latin-1 as is, the euro sign 0x80,
 * anything else '?'. */
static void cp1252(char *buf, size_t sz, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p && n + 1 < sz) {
		unsigned c = *p;

		if (c < 0x80) {
			p++;
		}
		else if ((c & 0xe0) == 0xc0 && p[1]) {
			c = ((c & 0x1f) << 6) | (p[1] & 0x3f);
			p += 2;
		}
		else if ((c & 0xf0) == 0xe0 && p[1] && p[2]) {
			c = ((c & 0x0f) << 12) | ((p[1] & 0x3f) << 6) |
			    (p[2] & 0x3f);
			p += 3;
		}
		else {
			c = '?';
			p++;
			while ((*p & 0xc0) == 0x80)
				p++;
		}
		if (c == 0x20ac)
			c = 0x80;
		else if (c > 0xff || (c >= 0x80 && c < 0xa0))
			c = '?';
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
}

static void page_new(struct pdf *p)
{
	p->page = HPDF_AddPage(p->doc);
	HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	p->y = TOP;
}

/* Text at column x of the current line (UTF-8). */
static void text(struct pdf *p, float x, bool bold, float size, const char *s)
{
	char buf[600];

	cp1252(buf, sizeof(buf), s);
	HPDF_Page_BeginText(p->page);
	HPDF_Page_SetFontAndSize(p->page, bold ? p->bold : p->font, size);
	HPDF_Page_TextOut(p->page, x, p->y, buf);
	HPDF_Page_EndText(p->page);
}

/* Go to the next line, on a new page when this one is full. */
static void nl(struct pdf *p, float n)
{
	p->y -= LEADING * n;
	if (p->y < BOTTOM)
		page_new(p);
}

/* Lines of s, separated by '\n' or '|', one per line at x. */
static void lines(struct pdf *p, float x, const char *s)
{
	char buf[160];

	while (s && *s) {
		size_t n = strcspn(s, "\n|");

		str_ncpy(buf, s, n + 1 < sizeof(buf) ? n + 1 : sizeof(buf));
		text(p, x, false, 10, buf);
		nl(p, 1);
		s += n;
		if (*s)
			s++;
	}
}

/* "19 %", "19,5 %", "7 %" */
static void rate(char *buf, size_t sz, uint32_t bp)
{
	if (bp % 100)
		re_snprintf(buf, sz, "%u,%u %%", bp / 100,
			    (bp % 100) % 10 ? bp % 100 : (bp % 100) / 10);
	else
		re_snprintf(buf, sz, "%u %%", bp / 100);
}

static void date(char *buf, size_t sz, uint64_t ms)
{
	struct time_local lt;

	time_berlin(ms, &lt);
	re_snprintf(buf, sz, "%02u.%02u.%04u", lt.day, lt.month, lt.year);
}

/* A label and its value on one line. */
static void field(struct pdf *p, const char *label, const char *value)
{
	text(p, LEFT, true, 10, label);
	text(p, LEFT + 150, false, 10, value);
	nl(p, 1);
}

static void header(struct pdf *p, const struct billing_invoice *bi)
{
	const struct store_invoice *inv = &bi->inv;
	bool credit = inv->credits_id != 0;
	char buf[256], d1[16], d2[16];

	text(p, LEFT, true, 11, inv->issuer_name);
	nl(p, 1);
	lines(p, LEFT, inv->issuer_address);
	if (inv->issuer_tax_number[0]) {
		re_snprintf(buf, sizeof(buf), "Steuernummer: %s",
			    inv->issuer_tax_number);
		text(p, LEFT, false, 10, buf);
		nl(p, 1);
	}
	if (inv->issuer_vat_id[0]) {
		re_snprintf(buf, sizeof(buf), "USt-IdNr.: %s",
			    inv->issuer_vat_id);
		text(p, LEFT, false, 10, buf);
		nl(p, 1);
	}
	nl(p, 1);
	text(p, LEFT, false, 10, inv->customer_name);
	nl(p, 1);
	lines(p, LEFT, inv->customer_address);
	nl(p, 1.5);
	text(p, LEFT, true, 16,
	     credit ? "Rechnungskorrektur (Stornorechnung)" : "Rechnung");
	nl(p, 2);
	field(p, "Rechnungsnummer:", inv->number);
	date(d1, sizeof(d1), inv->issued_at);
	field(p, "Rechnungsdatum:", d1);
	date(d1, sizeof(d1), inv->period_from);
	/* the last day: one ms before the next month */
	date(d2, sizeof(d2), inv->period_until - 1);
	re_snprintf(buf, sizeof(buf), "%s bis %s", d1, d2);
	field(p, "Leistungszeitraum:", buf);
	if (credit) {
		field(p, "Storniert Rechnung:", bi->credits_number);
		field(p, "Grund:", inv->reason);
	}
	nl(p, 1);
	text(p, LEFT, false, 10,
	     "Leistung: Telefonservice (Anrufannahme und Bearbeitung) laut "
	     "Einzelnachweis:");
	nl(p, 1.5);
}

static void call_line(struct pdf *p, const struct store_invoice_line *l)
{
	struct time_local lt;
	char buf[64];

	time_berlin(l->started_at, &lt);
	re_snprintf(buf, sizeof(buf), "%02u.%02u.%04u %02u:%02u:%02u", lt.day,
		    lt.month, lt.year, lt.hour, lt.minute, lt.second);
	text(p, LEFT, false, 9, buf);
	re_snprintf(buf, sizeof(buf), "%u s", l->talk_s);
	text(p, LEFT + 120, false, 9, buf);
	re_snprintf(buf, sizeof(buf), "%u s (%u s)", l->wrapup_counted_s,
		    l->wrapup_s);
	text(p, LEFT + 180, false, 9, buf);
	text(p, LEFT + 270, false, 9, l->acceptance ? "ja" : "nein");
	billing_eur(buf, sizeof(buf), l->cents);
	text(p, LEFT + 400, false, 9, buf);
	nl(p, 1);
}

static void body(struct pdf *p, const struct billing_invoice *bi)
{
	const struct store_invoice *inv = &bi->inv;
	char buf[128], r[16], a[32];
	size_t i;

	text(p, LEFT, true, 9, "Beginn");
	text(p, LEFT + 120, true, 9, "Gespräch");
	text(p, LEFT + 180, true, 9, "Nacharbeit (erfasst)");
	text(p, LEFT + 270, true, 9, "Annahmegebühr");
	text(p, LEFT + 400, true, 9, "Betrag");
	nl(p, 1.2);
	for (i = 0; i < bi->linec; i++) {
		const struct store_invoice_line *l = &bi->linev[i];

		if (!strcmp(l->kind, "call"))
			call_line(p, l);
	}
	for (i = 0; i < bi->linec; i++) {
		const struct store_invoice_line *l = &bi->linev[i];

		if (strcmp(l->kind, "sms"))
			continue;
		re_snprintf(buf, sizeof(buf), "SMS: %lld Stück",
			    (long long)l->quantity);
		text(p, LEFT, false, 9, buf);
		billing_eur(a, sizeof(a), l->cents);
		text(p, LEFT + 400, false, 9, a);
		nl(p, 1.5);
	}
	re_snprintf(buf, sizeof(buf),
		    "Summe: %lld Anrufe; die Beträge je Zeile sind gerundet, "
		    "die Summe wird exakt gebildet und einmal gerundet.",
		    (long long)inv->calls);
	text(p, LEFT, false, 8, buf);
	nl(p, 2);
	for (i = 0; i < bi->linec; i++) {
		const struct store_invoice_line *l = &bi->linev[i];

		if (strcmp(l->kind, "vat"))
			continue;
		rate(r, sizeof(r), l->vat_bp);
		re_snprintf(buf, sizeof(buf), "Netto (USt %s):", r);
		billing_eur(a, sizeof(a), l->cents);
		field(p, buf, a);
		re_snprintf(buf, sizeof(buf), "USt %s:", r);
		billing_eur(a, sizeof(a), l->vat_cents);
		field(p, buf, a);
	}
	billing_eur(a, sizeof(a), inv->net_cents);
	field(p, "Netto gesamt:", a);
	billing_eur(a, sizeof(a), inv->vat_cents);
	field(p, "USt gesamt:", a);
	billing_eur(a, sizeof(a), inv->gross_cents);
	field(p, "Brutto:", a);
	nl(p, 1);
	text(p, LEFT, false, 8,
	     "Leistungsdatum: der angegebene Leistungszeitraum.");
	nl(p, 1);
}

int billing_invoice_pdf(struct mbuf **mbp, const struct billing_invoice *bi)
{
	struct mbuf *mb = NULL;
	struct pdf p;
	HPDF_UINT32 sz;
	int err = 0;

	if (!mbp || !bi)
		return EINVAL;
	memset(&p, 0, sizeof(p));
	p.doc = HPDF_New(on_error, NULL);
	if (!p.doc)
		return ENOMEM;
	p.font = HPDF_GetFont(p.doc, "Helvetica", "WinAnsiEncoding");
	p.bold = HPDF_GetFont(p.doc, "Helvetica-Bold", "WinAnsiEncoding");
	if (!p.font || !p.bold) {
		err = EIO;
		goto out;
	}
	HPDF_SetInfoAttr(p.doc, HPDF_INFO_TITLE, bi->inv.number);
	page_new(&p);
	header(&p, bi);
	body(&p, bi);
	if (HPDF_SaveToStream(p.doc) != HPDF_OK) {
		err = EIO;
		goto out;
	}
	sz = HPDF_GetStreamSize(p.doc);
	mb = mbuf_alloc(sz ? sz : 1);
	if (!mb) {
		err = ENOMEM;
		goto out;
	}
	if (HPDF_ReadFromStream(p.doc, mb->buf, &sz) != HPDF_OK && !sz) {
		err = EIO;
		goto out;
	}
	mb->end = sz;
	*mbp = mb;
	mb = NULL;
out:
	mem_deref(mb);
	HPDF_Free(p.doc);
	return err;
}
