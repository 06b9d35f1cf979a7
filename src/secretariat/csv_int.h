/*
 * csv_int.h - what the employee CSV files (csv*.c) share inside the
 * module: the columns of the file and a growing array.
 */
#ifndef SECRETARIAT_CSV_INT_H
#define SECRETARIAT_CSV_INT_H

enum col {
	C_ID = 0,
	C_NAME,
	C_EMAIL,
	C_CC,
	C_POSITION,
	C_RESP,
	C_MOBILE,
	C_SMS,
	C_SUB,
	C_EXT,
	C_TNUM,
	C_TRANSFER,
	C_VIP_SMS,
	C_EXPORTED, /* the columns above are exported, in this order */
	C_FIRST = C_EXPORTED,
	C_LAST,
	C_COUNT,
	C_NONE = -1,
};

/* Column c: its field name (errors, English header), its German header
 * (export), and other headers accepted on import. */
struct sec_csv_column {
	const char *key;
	const char *de;
	const char *alias[3];
};
extern const struct sec_csv_column sec_csv_columns[C_COUNT];

/* Header h as a column, or C_NONE. */
enum col sec_csv_column_find(const char *h);
/* The transfer cell of the export ("alle", "VIP", "nein"). */
const char *sec_csv_transfer_de(enum store_transfer v);
/* v (mem, or NULL) resized to sz bytes; NULL on ENOMEM (v kept). */
void *sec_csv_grow(void *v, size_t sz);

#endif
