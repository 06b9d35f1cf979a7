/*
 * csv_columns.c - the columns of a client's employee file (seeds/001:
 * "Mitarbeiter exportieren", "Mitarbeiter importieren"): their names in
 * the API, their German headers and the other headers an import accepts.
 */
#include <string.h>
#include "core/core.h"
#include "secretariat/secretariat.h"
#include "secretariat/csv_int.h"

/* Column c: its field name (errors, English header), its German header
 * (export), and other headers accepted on import. */
const struct sec_csv_column sec_csv_columns[C_COUNT] = {
    [C_ID] = {"id", "ID", {"nr"}},
    [C_NAME] = {"name", "Name", {"name des mitarbeiters", "mitarbeiter"}},
    [C_EMAIL] = {"email", "E-Mail", {"e-mail-adresse", "mail"}},
    [C_CC] = {"cc", "CC", {"kopie"}},
    [C_POSITION] = {"position", "Position", {}},
    [C_RESP] = {"responsibility", "Zuständigkeit", {}},
    [C_MOBILE] = {"mobile", "Mobilnummer", {"mobil", "handy"}},
    [C_SMS] = {"sms", "SMS-Benachrichtigung", {"sms notification"}},
    [C_SUB] = {"substitute", "Vertreter", {"substitute_id"}},
    [C_EXT] = {"extension", "Durchwahl", {}},
    [C_TNUM] = {"transfer_number", "Durchstellnummer", {}},
    [C_TRANSFER] = {"transfer", "Durchstellen", {}},
    [C_VIP_SMS] = {"vip_sms", "VIP-SMS", {"vip-sms-benachrichtigung"}},
    [C_FIRST] = {"first_name", "Vorname", {}},
    [C_LAST] = {"last_name", "Nachname", {}},
};

/* Header h as a column: names compared folded (case, umlauts, and
 * anything but letters and digits left out). */
enum col sec_csv_column_find(const char *h)
{
	char fh[64], fc[64];
	size_t i, j;

	sec_name_fold(fh, sizeof(fh), h);
	for (i = 0; i < C_COUNT; i++) {
		const struct sec_csv_column *c = &sec_csv_columns[i];

		sec_name_fold(fc, sizeof(fc), c->key);
		if (!strcmp(fh, fc))
			return (enum col)i;
		sec_name_fold(fc, sizeof(fc), c->de);
		if (!strcmp(fh, fc))
			return (enum col)i;
		for (j = 0; j < ARRAY_SIZE(c->alias) && c->alias[j]; j++) {
			sec_name_fold(fc, sizeof(fc), c->alias[j]);
			if (!strcmp(fh, fc))
				return (enum col)i;
		}
	}
	return C_NONE;
}

/* The transfer cell as the export writes it. */
const char *sec_csv_transfer_de(enum store_transfer v)
{
	return v == STORE_TRANSFER_ALL   ? "alle"
	       : v == STORE_TRANSFER_VIP ? "VIP"
					 : "nein";
}
