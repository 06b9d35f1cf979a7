/*
 * csv_out.c - one value of the CSV files we send (bill, export, reports):
 * quoted only where it must be, and never a formula.  A spreadsheet runs
 * a cell that starts with = + - @ (or a tab or CR before one) as a
 * formula; a caller chooses the user part of his From header, so
 * "=HYPERLINK(...)" could reach a client's Excel through the call export.
 * Such a value gets a leading apostrophe (shown as text, OWASP's advice)
 * and is quoted.  An E.164 number (+ and digits) stays as it is.
 */
#include <string.h>
#include "http/http_int.h"

static bool is_e164(const char *s)
{
	size_t i;

	if (s[0] != '+' || !s[1])
		return false;
	for (i = 1; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool api_csv_formula(const char *s)
{
	return s && s[0] && strchr("=+-@\t\r", s[0]) && !is_e164(s);
}

int api_csv_val(struct mbuf *mb, const char *s)
{
	bool formula;
	int err = 0;

	if (!mb)
		return EINVAL;
	if (!s)
		return 0;
	formula = api_csv_formula(s);
	if (!formula && !strpbrk(s, ";\"\r\n"))
		return mbuf_write_str(mb, s);
	err |= mbuf_write_u8(mb, '"');
	if (formula)
		err |= mbuf_write_u8(mb, '\'');
	for (; *s && !err; s++) {
		if (*s == '"')
			err |= mbuf_write_u8(mb, '"');
		err |= mbuf_write_u8(mb, (uint8_t)*s);
	}
	err |= mbuf_write_u8(mb, '"');
	return err;
}
