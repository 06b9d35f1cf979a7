/*
 * notify_test_note.c - signing (sign.c: HMAC-SHA256 against RFC 4231, the
 * link of a note) and what a call note becomes in the outbox (note.c):
 * which rows for which employees, and that SMS and webhook carry the
 * concern only with the tenant's full text on.
 */
#include <string.h>
#include "core/core.h"
#include "notify/notify.h"
#include "test.h"

int test_notify_sign(void)
{
	char a[NOTIFY_HMAC_HEX], b[NOTIFY_HMAC_HEX], s[NOTIFY_SECRET_HEX];
	int err = 0;

	/* RFC 4231, test case 2 */
	notify_hmac_hex(a, "Jefe", "what do ya want for nothing?");
	TEST_EQ_STR(a, "5bdcc146bf60754e6a042426089575c7"
		       "5a003f089d2739839dec58b964ec3843");
	TEST_ASSERT(notify_hmac_equal(a, a));
	TEST_ASSERT(!notify_hmac_equal(a, "5bdc"));
	TEST_ASSERT(!notify_hmac_equal("", ""));
	TEST_ASSERT(!notify_hmac_equal(NULL, a));

	/* a link's signature covers note, employee and expiry */
	notify_note_link_sig(a, "key", 7, 2, 1800000000);
	notify_note_link_sig(b, "key", 7, 2, 1800000000);
	TEST_EQ_STR(a, b);
	notify_note_link_sig(b, "key", 7, 3, 1800000000);
	TEST_ASSERT(strcmp(a, b));
	notify_note_link_sig(b, "key", 8, 2, 1800000000);
	TEST_ASSERT(strcmp(a, b));
	notify_note_link_sig(b, "key", 7, 2, 1800000001);
	TEST_ASSERT(strcmp(a, b));
	notify_note_link_sig(b, "other", 7, 2, 1800000000);
	TEST_ASSERT(strcmp(a, b));

	TEST_EQ_INT(notify_secret_make(s, sizeof(s)), 0);
	TEST_EQ_INT(strlen(s), 64);
	TEST_EQ_INT(notify_secret_make(s, 10), EINVAL);
out:
	return err;
}

/* Row i of outv is channel ch for employee emp. */
static bool row_is(const struct store_note_out *outv, size_t i,
		   enum store_channel ch, int64_t emp)
{
	return outv[i].o && outv[i].o->channel == ch &&
	       outv[i].employee_id == emp;
}

int test_notify_note_rows(void)
{
	static const struct notify_note_transfer xferv[] = {
	    {"Otto O", "unreached", ""},
	    {"Max M", "declined", "Rückruf <heute>"}};
	struct store_note_settings ns;
	struct store_employee e[2];
	struct store_note_out *outv = NULL;
	struct notify_note c;
	struct store_note *n;
	struct config cfg;
	char *argv[] = {"switchboard", "--smtp-from", "pbx@sb.example", NULL};
	size_t outc = 0;
	int err = 0;

	n = mem_zalloc(sizeof(*n), NULL);
	TEST_ASSERT(n != NULL);
	TEST_EQ_INT(config_load(&cfg, 3, argv), 0);
	n->id = 7;
	n->tenant_id = 1;
	n->version = 1;
	str_copy(n->caller_name, "Hans Anrufer", sizeof(n->caller_name));
	str_copy(n->caller_number, "+49221987654", sizeof(n->caller_number));
	str_copy(n->concern, "Heizung <defekt>", sizeof(n->concern));
	str_copy(n->fields, "{\"Kundennummer\":4711}", sizeof(n->fields));

	memset(e, 0, sizeof(e));
	e[0].id = 2;
	str_copy(e[0].first_name, "Erika", sizeof(e[0].first_name));
	str_copy(e[0].email, "erika@kunde.example", sizeof(e[0].email));
	str_copy(e[0].cc, "sek@kunde.example", sizeof(e[0].cc));
	str_copy(e[0].mobile, "+4917012345678", sizeof(e[0].mobile));
	e[0].sms = true;
	e[1].id = 3; /* no e-mail, SMS off: nothing for him */
	str_copy(e[1].mobile, "+4917099999999", sizeof(e[1].mobile));

	memset(&ns, 0, sizeof(ns));
	str_copy(ns.webhook_url, "http://127.0.0.1:9/hook",
		 sizeof(ns.webhook_url));
	str_copy(ns.webhook_secret, "s3cret", sizeof(ns.webhook_secret));

	memset(&c, 0, sizeof(c));
	c.note = n;
	c.empv = e;
	c.empc = 2;
	c.settings = &ns;
	c.link_key = "key";
	c.link_expires = 1800000000;

	err = notify_note_rows(&cfg, &c, &outv, &outc);
	TEST_EQ_INT(err, 0);
	TEST_EQ_INT(outc, 3);
	TEST_ASSERT(row_is(outv, 0, STORE_CHANNEL_MAIL, 2));
	TEST_ASSERT(row_is(outv, 1, STORE_CHANNEL_SMS, 2));
	TEST_ASSERT(row_is(outv, 2, STORE_CHANNEL_WEBHOOK, 0));

	/* mail: the whole note, HTML escaped, To and Cc */
	TEST_EQ_STR(outv[0].o->mail_to, "erika@kunde.example");
	TEST_EQ_STR(outv[0].o->mail_cc, "sek@kunde.example");
	TEST_EQ_STR(outv[0].o->subject, "Gesprächsnotiz: Hans Anrufer");
	TEST_ASSERT(strstr(outv[0].o->body, "Heizung <defekt>"));
	TEST_ASSERT(strstr(outv[0].o->body, "Kundennummer: 4711"));
	TEST_ASSERT(strstr(outv[0].o->html, "Heizung &lt;defekt&gt;"));
	TEST_ASSERT(!strstr(outv[0].o->html, "<defekt>"));
	TEST_ASSERT(strstr(outv[0].o->body, "/api/v1/notes/7/open?employee=2"
					    "&expires=1800000000&sig="));

	/* SMS and webhook: the name and the link, no concern */
	TEST_EQ_STR(outv[1].o->mail_to, "+4917012345678");
	TEST_ASSERT(strstr(outv[1].o->body, "Hans Anrufer"));
	TEST_ASSERT(!strstr(outv[1].o->body, "Heizung"));
	TEST_ASSERT(!strstr(outv[1].o->body, "987654"));
	TEST_EQ_STR(outv[2].o->mail_to, "http://127.0.0.1:9/hook");
	TEST_ASSERT(strstr(outv[2].o->body, "\"event\":\"note.created\""));
	TEST_ASSERT(!strstr(outv[2].o->body, "Heizung"));
	TEST_ASSERT(!strstr(outv[2].o->body, "Kundennummer"));
	outv = mem_deref(outv);

	/* full text on, a correction: the concern goes to SMS and webhook */
	ns.full_text = true;
	c.correction = true;
	err = notify_note_rows(&cfg, &c, &outv, &outc);
	TEST_EQ_INT(err, 0);
	TEST_EQ_INT(outc, 3);
	TEST_ASSERT(!strncmp(outv[0].o->subject, "Korrektur: ", 11));
	TEST_ASSERT(strstr(outv[1].o->body, "Korrektur: "));
	TEST_ASSERT(strstr(outv[1].o->body, "Heizung"));
	TEST_ASSERT(strstr(outv[2].o->body, "\"event\":\"note.corrected\""));
	TEST_ASSERT(strstr(outv[2].o->body, "Heizung"));
	TEST_ASSERT(strstr(outv[2].o->body, "\"Kundennummer\":4711"));
	outv = mem_deref(outv);

	/* the call's transfer attempts: in the mail (text and HTML), not in
	 * the SMS */
	ns.full_text = false;
	c.correction = false;
	c.xferv = xferv;
	c.xferc = ARRAY_SIZE(xferv);
	err = notify_note_rows(&cfg, &c, &outv, &outc);
	TEST_EQ_INT(err, 0);
	TEST_EQ_INT(outc, 3);
	TEST_ASSERT(
	    strstr(outv[0].o->body,
		   "Durchstellversuche:\n- Otto O: nicht erreicht\n"
		   "- Max M: abgelehnt - Nachricht: Rückruf <heute>\n"));
	TEST_ASSERT(strstr(outv[0].o->html,
			   "<li>Max M: abgelehnt &ndash; Nachricht: Rückruf "
			   "&lt;heute&gt;</li>"));
	TEST_ASSERT(!strstr(outv[1].o->body, "Rückruf"));
	outv = mem_deref(outv);
	c.xferc = 0;

	/* no webhook without a secret; no rows for nobody */
	ns.webhook_secret[0] = '\0';
	c.empc = 1;
	c.empv = &e[1];
	err = notify_note_rows(&cfg, &c, &outv, &outc);
	TEST_EQ_INT(err, 0);
	TEST_EQ_INT(outc, 0);
	outv = mem_deref(outv);
	TEST_EQ_INT(notify_note_rows(&cfg, NULL, &outv, &outc), EINVAL);
out:
	mem_deref(outv);
	mem_deref(n);
	return err;
}
