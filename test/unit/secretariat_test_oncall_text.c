/*
 * secretariat_test_oncall_text.c - what the person on call hears for an
 * urgent note (oncall_text.c): German and English, the concern only with
 * full_text (the privacy rule of SMS and push), the number digit by digit,
 * names joined, a note without caller, a long concern cut inside the
 * buffer and not inside a UTF-8 character, the confirmation.
 */
#include "core/core.h"
#include "secretariat/secretariat.h"
#include "test.h"

static const char MENU_DE[] = " Drücken Sie die 1, um die Notiz zu "
			      "bestätigen, die 2, um sie noch einmal zu hören.";

int test_secr_oncall_summary(void)
{
	struct store_note *n = NULL;
	struct store_employee e;
	char names[SECR_ONCALL_NAMES], buf[SECR_ONCALL_TEXT], want[512];
	size_t i, len;
	int err = 0;

	n = mem_zalloc(sizeof(*n), NULL);
	TEST_ASSERT(n != NULL);
	memset(&e, 0, sizeof(e));
	names[0] = '\0';
	str_copy(e.first_name, "Carl", sizeof(e.first_name));
	str_copy(e.last_name, "Chef", sizeof(e.last_name));
	secr_oncall_name_add(names, sizeof(names), STORE_LANG_DE, &e);
	str_copy(e.first_name, "", sizeof(e.first_name));
	str_copy(e.last_name, "Empfang", sizeof(e.last_name));
	secr_oncall_name_add(names, sizeof(names), STORE_LANG_DE, &e);
	TEST_EQ_STR(names, "Carl Chef und Empfang");

	str_copy(n->caller_name, "Hans Anrufer", sizeof(n->caller_name));
	str_copy(n->caller_number, "+49221987654", sizeof(n->caller_number));
	str_copy(n->concern, "Bitte dringend zurückrufen", sizeof(n->concern));

	/* full text off: no concern */
	secr_oncall_summary(buf, sizeof(buf), STORE_LANG_DE, names, n, false);
	re_snprintf(want, sizeof(want),
		    "Eine dringende Notiz wartet auf Carl Chef und Empfang. "
		    "Anrufer: Hans Anrufer. Rufnummer: plus 4 9 2 2 1 9 8 7 6 "
		    "5 4.%s",
		    MENU_DE);
	TEST_EQ_STR(buf, want);
	TEST_ASSERT(!strstr(buf, "zurückrufen"));

	/* full text on: the concern before the menu */
	secr_oncall_summary(buf, sizeof(buf), STORE_LANG_DE, names, n, true);
	re_snprintf(want, sizeof(want),
		    "Eine dringende Notiz wartet auf Carl Chef und Empfang. "
		    "Anrufer: Hans Anrufer. Rufnummer: plus 4 9 2 2 1 9 8 7 6 "
		    "5 4. Anliegen: Bitte dringend zurückrufen.%s",
		    MENU_DE);
	TEST_EQ_STR(buf, want);

	/* English; no caller name or number */
	n->caller_name[0] = '\0';
	n->caller_number[0] = '\0';
	secr_oncall_summary(buf, sizeof(buf), STORE_LANG_EN, "Carl Chef", n,
			    false);
	TEST_EQ_STR(buf, "An urgent note is waiting for Carl Chef. Press 1 to "
			 "acknowledge the note, 2 to hear it again.");
	TEST_EQ_STR(secr_oncall_done(STORE_LANG_EN),
		    "The note is acknowledged. Goodbye.");
	TEST_EQ_STR(secr_oncall_done(STORE_LANG_DE),
		    "Die Notiz ist bestätigt. Auf Wiederhören.");

	/* a long concern of "ü" (2 bytes each): cut whole, the menu kept */
	for (i = 0; i + 2 < sizeof(n->concern); i += 2)
		memcpy(n->concern + i, "ü", 2);
	n->concern[i] = '\0';
	secr_oncall_summary(buf, sizeof(buf), STORE_LANG_DE, names, n, true);
	len = strlen(buf);
	TEST_ASSERT(len < SECR_ONCALL_TEXT);
	TEST_ASSERT(strstr(buf, "Anliegen: üü") != NULL);
	re_snprintf(want, sizeof(want), "ü.%s", MENU_DE);
	TEST_ASSERT(strstr(buf, want) != NULL);

	/* a small buffer: cut, terminated */
	secr_oncall_summary(buf, 20, STORE_LANG_DE, names, n, true);
	TEST_EQ_STR(buf, "Eine dringende Noti");
out:
	mem_deref(n);
	return err;
}
