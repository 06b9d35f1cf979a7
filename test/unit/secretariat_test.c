/*
 * secretariat_test.c - the employees of the answering service
 * (src/secretariat): names written either way and phone-book order
 * (DIN 5007-2), mobile and CC rules, substitute cycles, and CSV files as
 * spreadsheets write them: BOM, Windows-1252, ';' or ',', CRLF, quoted
 * line breaks, error positions in physical lines, all-or-nothing import
 * and an export that imports back unchanged.
 */
#include "core/core.h"
#include "secretariat/secretariat.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

/* ---- names ------------------------------------------------------------ */

static int name_is(const char *in, const char *first, const char *last, bool sf,
		   const char *out)
{
	struct store_employee e;
	char buf[160];
	int err = 0;

	memset(&e, 0, sizeof(e));
	TEST_EQ_INT(sec_name_parse(&e, in), 0);
	TEST_EQ_STR(e.first_name, first);
	TEST_EQ_STR(e.last_name, last);
	TEST_EQ_INT(e.surname_first, sf);
	sec_name_format(buf, sizeof(buf), &e);
	TEST_EQ_STR(buf, out);
out:
	if (err)
		fprintf(stderr, "  name \"%s\"\n", in);
	return err;
}

static int emp_h(const struct store_employee *e, void *arg)
{
	struct ids *ids = arg;

	return ids_add(ids, e->id);
}

int test_sec_names(void)
{
	static const char *const order[] = {
	    /* as a German phone book lists them */
	    "Abel, Zoe",      "Ärger, Anna", "Müller, Hans", "Mueller, Ida",
	    "Müller, Otto",   "Muster, Max", "Öz, Can",      "Strauß, Eva",
	    "Strauss, Fritz", "Zoë Weiß",    "Émile Zola",
	};
	struct store_employee v[ARRAY_SIZE(order)], e;
	char key[64];
	struct ids ids = {{0}, 0, 0};
	struct tdb db = {{0}, NULL};
	int64_t t1, t2;
	size_t i, j;
	int err = 0;

	err |= name_is("Hans Müller", "Hans", "Müller", false, "Hans Müller");
	err |= name_is("Müller, Hans", "Hans", "Müller", true, "Müller, Hans");
	err |= name_is("  Müller ,Hans  Peter ", "Hans Peter", "Müller", true,
		       "Müller, Hans Peter");
	err |= name_is("von Goethe, Johann Wolfgang", "Johann Wolfgang",
		       "von Goethe", true, "von Goethe, Johann Wolfgang");
	err |= name_is("Anna Maria Schmidt", "Anna Maria", "Schmidt", false,
		       "Anna Maria Schmidt");
	err |= name_is("Empfang", "", "Empfang", false, "Empfang");
	if (err)
		goto out;
	memset(&e, 0, sizeof(e));
	TEST_EQ_INT(sec_name_parse(&e, ""), EINVAL);
	TEST_EQ_INT(sec_name_parse(&e, " , Hans"), EINVAL);
	TEST_EQ_INT(sec_name_parse(&e, "Müller,"), EINVAL);
	TEST_EQ_INT(sec_name_parse(&e, "a, b, c"), EINVAL);
	TEST_EQ_INT(sec_name_parse(&e, "Hans "
				       "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
		    ENAMETOOLONG);
	TEST_EQ_STR(e.last_name, "");

	sec_name_fold(key, sizeof(key), "Müller-Lüdenscheidt");
	TEST_EQ_STR(key, "muellerluedenscheidt");
	sec_name_fold(key, sizeof(key), "Strauß Øre ÉÇÅ Łódź Œuvre");
	TEST_EQ_STR(key, "straussoreecalodzoeuvre");

	/* sorted from any order: reversed */
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].id = (int64_t)(ARRAY_SIZE(order) - i);
		TEST_EQ_INT(sec_name_parse(&v[i], order[i]), 0);
	}
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		for (j = i + 1; j < ARRAY_SIZE(order); j++) {
			if (sec_employee_cmp(&v[i], &v[j]) >= 0) {
				fprintf(stderr, "  \"%s\" !< \"%s\"\n",
					order[i], order[j]);
				TEST_ASSERT(false);
			}
		}
	}

	/* sec_employee_list: by name and by id, from the store */
	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	for (i = 0; i < 4; i++) {
		static const char *const names[] = {
		    "Otto Müller", "Zander, Udo", "Ida Mueller", "Ärger, Anna"};

		memset(&e, 0, sizeof(e));
		e.tenant_id = t1;
		TEST_EQ_INT(sec_name_parse(&e, names[i]), 0);
		TEST_EQ_INT(store_employee_add(db.st, &e), 0);
	}
	TEST_EQ_INT(sec_employee_list(db.st, t1, true, emp_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 4, (int64_t[]){4, 3, 1, 2}));
	ids.n = 0;
	TEST_EQ_INT(sec_employee_list(db.st, t1, false, emp_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 4, (int64_t[]){1, 2, 3, 4}));
	ids.n = 0;
	TEST_EQ_INT(sec_employee_list(db.st, t2, true, emp_h, &ids), 0);
	TEST_EQ_INT(ids.n, 0);
out:
	if (db.st)
		tdb_close(&db);
	return err;
}

int test_sec_fields(void)
{
	struct phone_ctx ctx = {"49", "221"};
	struct store_employee e;
	char buf[256], bad[64];
	int err = 0;

	TEST_EQ_INT(
	    sec_mobile_normalise(buf, sizeof(buf), "+49170123456789", &ctx), 0);
	TEST_EQ_STR(buf, "+49170123456789");
	TEST_EQ_INT(
	    sec_mobile_normalise(buf, sizeof(buf), "0170 123 456 78", &ctx), 0);
	TEST_EQ_STR(buf, "+4917012345678");
	TEST_EQ_INT(sec_mobile_normalise(buf, sizeof(buf),
					 "0049 (170) 123-45678", &ctx),
		    0);
	TEST_EQ_STR(buf, "+4917012345678");
	/* a number that could be local is not guessed */
	TEST_EQ_INT(sec_mobile_normalise(buf, sizeof(buf), "17012345678", &ctx),
		    EINVAL);
	TEST_EQ_STR(buf, "");
	TEST_EQ_INT(sec_mobile_normalise(buf, sizeof(buf), "+49 abc", &ctx),
		    EINVAL);
	TEST_EQ_INT(sec_mobile_normalise(buf, sizeof(buf), "4,91701E+13", &ctx),
		    EINVAL);

	TEST_EQ_INT(sec_cc_normalise(buf, sizeof(buf),
				     " a@x.example;b@y.example , ", bad,
				     sizeof(bad)),
		    0);
	TEST_EQ_STR(buf, "a@x.example, b@y.example");
	TEST_EQ_INT(sec_cc_normalise(buf, sizeof(buf), "", bad, sizeof(bad)),
		    0);
	TEST_EQ_STR(buf, "");
	TEST_EQ_INT(sec_cc_normalise(buf, sizeof(buf), "a@x.example, nope", bad,
				     sizeof(bad)),
		    EINVAL);
	TEST_EQ_STR(bad, "nope");
	TEST_EQ_INT(
	    sec_cc_normalise(buf, sizeof(buf),
			     "a@x.de b@x.de c@x.de d@x.de e@x.de f@x.de", bad,
			     sizeof(bad)),
	    E2BIG);

	memset(&e, 0, sizeof(e));
	TEST_ASSERT(sec_employee_conflict(&e) == NULL);
	e.sms = true;
	TEST_EQ_STR(sec_employee_conflict(&e), "sms");
	e.sms = false;
	e.vip_sms = true;
	TEST_EQ_STR(sec_employee_conflict(&e), "vip_sms");
	str_copy(e.mobile, "+49170123456789", sizeof(e.mobile));
	TEST_ASSERT(sec_employee_conflict(&e) == NULL);
out:
	return err;
}

/* ---- substitutes ------------------------------------------------------ */

int test_sec_substitutes(void)
{
	struct sec_sub none[] = {{1, 2}, {2, 3}, {3, 0}, {4, 2}, {5, 99}};
	struct sec_sub two[] = {{1, 0}, {7, 9}, {9, 7}, {3, 1}};
	struct sec_sub self[] = {{-1, 0}, {-2, -2}};
	struct sec_sub three[] = {{4, 5}, {5, 6}, {6, 4}, {8, 4}};
	struct store_employee a, b, c, x;
	struct tdb db = {{0}, NULL};
	int64_t t1, t2, id = 0;
	int err = 0;

	TEST_ASSERT(!sec_substitute_cycle(none, ARRAY_SIZE(none), &id));
	TEST_ASSERT(sec_substitute_cycle(two, ARRAY_SIZE(two), &id));
	TEST_ASSERT(id == 7 || id == 9);
	TEST_ASSERT(sec_substitute_cycle(self, ARRAY_SIZE(self), &id));
	TEST_EQ_INT(id, -2);
	TEST_ASSERT(sec_substitute_cycle(three, ARRAY_SIZE(three), &id));
	TEST_ASSERT(id >= 4 && id <= 6);

	/* against the store: A -> B, then B -> A refused */
	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	memset(&a, 0, sizeof(a));
	a.tenant_id = t1;
	str_copy(a.last_name, "A", sizeof(a.last_name));
	b = a;
	str_copy(b.last_name, "B", sizeof(b.last_name));
	c = a;
	str_copy(c.last_name, "C", sizeof(c.last_name));
	x = a;
	x.tenant_id = t2;
	TEST_EQ_INT(store_employee_add(db.st, &a), 0);
	TEST_EQ_INT(store_employee_add(db.st, &b), 0);
	TEST_EQ_INT(store_employee_add(db.st, &c), 0);
	TEST_EQ_INT(store_employee_add(db.st, &x), 0);

	a.substitute_id = b.id;
	TEST_EQ_INT(sec_substitute_check(db.st, &a), 0);
	TEST_EQ_INT(store_employee_update(db.st, &a), 0);
	b.substitute_id = c.id;
	TEST_EQ_INT(sec_substitute_check(db.st, &b), 0);
	TEST_EQ_INT(store_employee_update(db.st, &b), 0);
	c.substitute_id = a.id; /* C -> A -> B -> C */
	TEST_EQ_INT(sec_substitute_check(db.st, &c), ELOOP);
	c.substitute_id = c.id;
	TEST_EQ_INT(sec_substitute_check(db.st, &c), ELOOP);
	c.substitute_id = x.id;
	TEST_EQ_INT(sec_substitute_check(db.st, &c), EXDEV);
	c.substitute_id = 999;
	TEST_EQ_INT(sec_substitute_check(db.st, &c), ENOENT);

	/* deleting a substitute sets the reference to none */
	TEST_EQ_INT(store_employee_delete(db.st, b.id), 0);
	TEST_EQ_INT(store_employee_get(db.st, a.id, &a), 0);
	TEST_EQ_INT(a.substitute_id, 0);
out:
	if (db.st)
		tdb_close(&db);
	return err;
}

/* ---- CSV parsing ------------------------------------------------------ */

/* The records of a parse: "line:f1|f2|...\n" each. */
struct rec_log {
	char buf[1024];
	size_t n;
};

static int log_h(unsigned line, char *const *fv, size_t fc, void *arg)
{
	struct rec_log *l = arg;
	size_t i;

	l->n += (size_t)re_snprintf(l->buf + l->n, sizeof(l->buf) - l->n,
				    "%u:", line);
	for (i = 0; i < fc; i++)
		l->n +=
		    (size_t)re_snprintf(l->buf + l->n, sizeof(l->buf) - l->n,
					"%s%s", i ? "|" : "", fv[i]);
	l->n += (size_t)re_snprintf(l->buf + l->n, sizeof(l->buf) - l->n, "\n");
	return 0;
}

static int parse_is(const char *in, const char *want)
{
	struct rec_log l = {"", 0};
	char *text = NULL;
	size_t len;
	int err = 0;

	TEST_EQ_INT(
	    sec_csv_decode(&text, &len, (const uint8_t *)in, strlen(in), NULL),
	    0);
	TEST_EQ_INT(
	    sec_csv_parse(text, len, sec_csv_delim(text, len), log_h, &l, NULL),
	    0);
	TEST_EQ_STR(l.buf, want);
out:
	mem_deref(text);
	return err;
}

int test_sec_csv_parse(void)
{
	/* "Müller" in Windows-1252, with a € (0x80) and „quotes“ */
	static const uint8_t cp[] = "Name;Pos\r\nM\xfcller;\x80 \x84x\x93\r\n";
	char *text = NULL;
	unsigned line = 0;
	size_t len;
	bool w;
	int err = 0;

	err |= parse_is("a;b\r\nc;d\r\n", "1:a|b\n2:c|d\n");
	err |= parse_is("a,b\nc,d", "1:a|b\n2:c|d\n");
	err |= parse_is(
	    "\xef\xbb\xbf"
	    "a;b,c\n\"x;y\";\"Zeile 1\r\nZeile 2\"\n\nz;\"\"\"q\"\"\"\n",
	    "1:a|b,c\n2:x;y|Zeile 1\r\nZeile 2\n5:z|\"q\"\n");
	err |= parse_is("a\tb\n\"1\n2\n3\"\tc\nd\te\n",
			"1:a|b\n2:1\n2\n3|c\n5:d|e\n");
	err |= parse_is("h\rx\ry", "1:h\n2:x\n3:y\n");
	if (err)
		goto out;

	TEST_EQ_INT(sec_csv_delim("a;b,c;d", 7), ';');
	TEST_EQ_INT(sec_csv_delim("\"a;b\",c", 7), ',');
	TEST_EQ_INT(sec_csv_delim("abc", 3), ',');

	TEST_EQ_INT(sec_csv_decode(&text, &len, cp, sizeof(cp) - 1, &w), 0);
	TEST_ASSERT(w);
	TEST_EQ_STR(text, "Name;Pos\r\nMüller;€ „x“\r\n");
	text = mem_deref(text);
	TEST_EQ_INT(sec_csv_decode(&text, &len, (const uint8_t *)"\xff\xfeN\0",
				   4, NULL),
		    EPROTO);
	TEST_EQ_INT(
	    sec_csv_decode(&text, &len, (const uint8_t *)"a\x81", 2, NULL),
	    EPROTO);

	/* an unclosed quote: the line its record starts on */
	TEST_EQ_INT(sec_csv_parse("a;b\nc;\"d\ne\n", 11, ';', log_h,
				  &(struct rec_log){"", 0}, &line),
		    EPROTO);
	TEST_EQ_INT(line, 2);
	TEST_EQ_INT(sec_csv_parse("a;b\n\"x\ny\";\"q\"z\n", 15, ';', log_h,
				  &(struct rec_log){"", 0}, &line),
		    EPROTO);
	TEST_EQ_INT(line, 2);
out:
	mem_deref(text);
	return err;
}

/* ---- import and export ------------------------------------------------ */

static int import_str(struct store *st, int64_t tenant, const char *csv,
		      size_t n, struct sec_import *res)
{
	return sec_employee_import(st, tenant, (const uint8_t *)csv,
				   n ? n : strlen(csv), res);
}

static int count_h(const struct store_employee *e, void *arg)
{
	(void)e;
	++*(unsigned *)arg;
	return 0;
}

static unsigned count(struct store *st, int64_t tenant)
{
	unsigned n = 0;

	(void)store_employee_list(st, tenant, count_h, &n);
	return n;
}

/* Employee named (first, last) of tenant into *e. */
struct find {
	const char *last;
	struct store_employee *e;
};

static int find_h(const struct store_employee *e, void *arg)
{
	struct find *f = arg;

	if (strcmp(e->last_name, f->last))
		return 0;
	*f->e = *e;
	return 1;
}

static int find(struct store *st, int64_t tenant, const char *last,
		struct store_employee *e)
{
	struct find f = {last, e};

	return store_employee_list(st, tenant, find_h, &f) == 1 ? 0 : ENOENT;
}

static int error_is(const struct sec_import *res, size_t i, unsigned line,
		    const char *column)
{
	int err = 0;

	TEST_ASSERT(i < res->errc);
	TEST_EQ_INT(res->errv[i].line, line);
	TEST_EQ_STR(res->errv[i].column, column);
out:
	if (err && i < res->errc)
		fprintf(stderr, "  error %zu: line %u %s: %s\n", i,
			res->errv[i].line, res->errv[i].column,
			res->errv[i].message);
	return err;
}

int test_sec_csv_import(void)
{
	static const char good[] =
	    "\xef\xbb\xbfName;E-Mail;CC;Position;Zuständigkeit;Mobilnummer;"
	    "SMS-Benachrichtigung;Vertreter;Durchwahl;Durchstellnummer;"
	    "Durchstellen;VIP-SMS\r\n"
	    "\"Müller, Hans\";hans@mustermann.example;\"a@x.example; "
	    "b@x.example\";Geschäftsführer;\"Neukunden\r\nund \"\"Presse\"\"\";"
	    "0170 1234567;ja;Erika Weiß;21;0221 4711-21;alle;nein\r\n"
	    "Erika Weiß;erika@mustermann.example;;;;+49171999999;nein;;;;"
	    "VIP;ja\r\n";
	/* line 4 (after a quoted line break): bad mobile, bad sms; line 5:
	 * unknown substitute is only checked when the rows are clean */
	static const char bad[] = "name,email,mobile,sms,transfer\n"
				  "Eva Ok,eva@x.example,,nein,none\n"
				  "\"Zwei\nZeilen\",zz@x.example,,,\n"
				  "Udo Bad,udo@x.example,1701234,vielleicht,\n"
				  "Ina Fine,,,,immer\n";
	struct store_employee e, w;
	struct sec_import res = {0, 0, NULL, 0, false};
	struct tdb db = {{0}, NULL};
	struct mbuf *mb = NULL, *mb2 = NULL;
	int64_t t1, t2;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);

	TEST_EQ_INT(import_str(db.st, t1, good, 0, &res), 0);
	TEST_EQ_INT(res.created, 2);
	TEST_EQ_INT(res.updated, 0);
	sec_import_reset(&res);
	TEST_EQ_INT(find(db.st, t1, "Müller", &e), 0);
	TEST_EQ_INT(find(db.st, t1, "Weiß", &w), 0);
	TEST_EQ_STR(e.first_name, "Hans");
	TEST_ASSERT(e.surname_first);
	TEST_EQ_STR(e.cc, "a@x.example, b@x.example");
	TEST_EQ_STR(e.position, "Geschäftsführer");
	TEST_EQ_STR(e.responsibility, "Neukunden\r\nund \"Presse\"");
	TEST_EQ_STR(e.mobile, "+491701234567");
	TEST_ASSERT(e.sms && !e.vip_sms);
	TEST_EQ_INT(e.substitute_id, w.id);
	TEST_EQ_STR(e.extension, "21");
	TEST_EQ_STR(e.transfer_number, "+49221471121");
	TEST_EQ_INT(e.transfer, STORE_TRANSFER_ALL);
	TEST_EQ_INT(w.transfer, STORE_TRANSFER_VIP);
	TEST_ASSERT(w.vip_sms && !w.surname_first);

	/* export, import the export: nothing new, nothing changed */
	mb = mbuf_alloc(1024);
	mb2 = mbuf_alloc(1024);
	TEST_ASSERT(mb && mb2);
	TEST_EQ_INT(sec_employee_export(db.st, t1, mb), 0);
	TEST_ASSERT(mb->end > 3 &&
		    !memcmp(mb->buf, "\xef\xbb\xbfID;Name;", 11));
	TEST_EQ_INT(sec_employee_import(db.st, t1, mb->buf, mb->end, &res), 0);
	TEST_EQ_INT(res.created, 0);
	TEST_EQ_INT(res.updated, 2);
	sec_import_reset(&res);
	TEST_EQ_INT(sec_employee_export(db.st, t1, mb2), 0);
	TEST_EQ_INT(mb2->end, mb->end);
	TEST_ASSERT(!memcmp(mb->buf, mb2->buf, mb->end));

	/* a bad file: every error with its physical line; nothing changes */
	TEST_EQ_INT(import_str(db.st, t1, bad, 0, &res), EPROTO);
	err |= error_is(&res, 0, 5, "mobile");
	err |= error_is(&res, 1, 5, "sms");
	err |= error_is(&res, 2, 6, "transfer");
	TEST_EQ_INT(res.errc, 3);
	if (err)
		goto out;
	sec_import_reset(&res);
	TEST_EQ_INT(count(db.st, t1), 2);

	/* a cycle through the file: A -> B, B -> A */
	TEST_EQ_INT(import_str(db.st, t1,
			       "Name;Vertreter\nAnna A;Bert B\nBert B;Anna A\n",
			       0, &res),
		    EPROTO);
	TEST_EQ_INT(res.errc, 1);
	TEST_EQ_STR(res.errv[0].column, "substitute");
	TEST_ASSERT(res.errv[0].line == 2 || res.errv[0].line == 3);
	sec_import_reset(&res);

	/* extension 21 is Hans's, who is not in the file: the row before
	 * is not created either */
	TEST_EQ_INT(import_str(db.st, t1,
			       "Name;Durchwahl\nNeu Eins;30\nNeu "
			       "Zwei;21\n",
			       0, &res),
		    EPROTO);
	err |= error_is(&res, 0, 3, "extension");
	if (err)
		goto out;
	sec_import_reset(&res);
	TEST_EQ_INT(count(db.st, t1), 2);

	/* matched by e-mail, Windows-1252, ',' separated */
	TEST_EQ_INT(import_str(db.st, t1,
			       "E-Mail,Position\r\n"
			       "HANS@mustermann.example,Gesch\xe4"
			       "ftsf\xfchrer (neu)\r\n",
			       0, &res),
		    EPROTO); /* no name column */
	err |= error_is(&res, 0, 1, "name");
	if (err)
		goto out;
	sec_import_reset(&res);
	TEST_EQ_INT(import_str(db.st, t1,
			       "E-Mail,Name,Position\r\n"
			       "HANS@mustermann.example,\"M\xfcller, Hans\","
			       "Gesch\xe4"
			       "ftsf\xfchrer (neu)\r\n",
			       0, &res),
		    0);
	TEST_EQ_INT(res.updated, 1);
	sec_import_reset(&res);
	TEST_EQ_INT(store_employee_get(db.st, e.id, &e), 0);
	TEST_EQ_STR(e.position, "Geschäftsführer (neu)");
	TEST_EQ_STR(e.mobile, "+491701234567"); /* not in the file: kept */
	TEST_EQ_INT(count(db.st, t2), 0);
out:
	sec_import_reset(&res);
	mem_deref(mb);
	mem_deref(mb2);
	if (db.st)
		tdb_close(&db);
	return err;
}
