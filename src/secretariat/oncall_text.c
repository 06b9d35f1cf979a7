/*
 * oncall_text.c - what the person on call hears when phoned for an
 * urgent note (oncall_phone.c), in the tenant's language: whom the note
 * is waiting for, the caller's name and number (digit by digit), the
 * concern only when the client lets SMS and push carry it (full_text:
 * the same privacy rule), then the menu; and the confirmation after the
 * digit 1.  Pure: no store, no clock, so that the unit tests read it.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "secretariat/secretariat.h"

enum {
	CONCERN_MAX = 300, /* [bytes] of the concern spoken     */
	CALLER_MAX = 100,  /* [bytes] of the caller's name      */
};

/* What is spoken, by the tenant's language. */
struct texts {
	const char *waiting; /* %s: the note's employees           */
	const char *and;     /* between two names                  */
	const char *caller;  /* %s: the caller's name              */
	const char *number;  /* %s: the caller's number, digits    */
	const char *concern; /* %s: the concern                    */
	const char *menu;
	const char *done;
};

static const struct texts textv[] = {
    [STORE_LANG_DE] = {"Eine dringende Notiz wartet auf %s.", " und ",
		       " Anrufer: %s.", " Rufnummer: %s.", " Anliegen: %s.",
		       " Drücken Sie die 1, um die Notiz zu bestätigen, die 2, "
		       "um sie noch einmal zu hören.",
		       "Die Notiz ist bestätigt. Auf Wiederhören."},
    [STORE_LANG_EN] = {"An urgent note is waiting for %s.", " and ",
		       " Caller: %s.", " Number: %s.", " Concern: %s.",
		       " Press 1 to acknowledge the note, 2 to hear it again.",
		       "The note is acknowledged. Goodbye."},
};

/* The number as single digits ("+49221..." -> "plus 4 9 2 2 1 ..."), so
 * that it is spoken digit by digit. */
static void digits_of(char *buf, size_t sz, const char *number)
{
	size_t n = 0;
	const char *p;

	buf[0] = '\0';
	for (p = number; *p && n + 6 < sz; p++) {
		if (*p == '+')
			n += (size_t)re_snprintf(buf + n, sz - n, "plus ");
		else if (*p >= '0' && *p <= '9')
			n += (size_t)re_snprintf(buf + n, sz - n, "%c ", *p);
	}
	if (n && buf[n - 1] == ' ')
		buf[n - 1] = '\0';
}

/* s cut to at most max bytes, not inside a UTF-8 sequence, into buf. */
static void utf8_cut(char *buf, size_t sz, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		n = max;
	if (n >= sz)
		n = sz - 1;
	while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
		--n;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* fmt with s appended to buf[*lenp..sz), cut at the end of buf (not
 * inside a UTF-8 character). */
static void add(char *buf, size_t sz, size_t *lenp, const char *fmt,
		const char *s)
{
	char *t = NULL;

	if (*lenp + 1 >= sz || re_sdprintf(&t, fmt, s))
		return;
	utf8_cut(buf + *lenp, sz - *lenp, t, sz - *lenp - 1);
	*lenp += strlen(buf + *lenp);
	mem_deref(t);
}

static const struct texts *texts_of(enum store_language lang)
{
	return (size_t)lang < ARRAY_SIZE(textv) ? &textv[lang]
						: &textv[STORE_LANG_DE];
}

void secr_oncall_name_add(char *buf, size_t sz, enum store_language lang,
			  const struct store_employee *e)
{
	size_t len;

	if (!buf || !sz || !e)
		return;
	len = strlen(buf);
	if (len)
		add(buf, sz, &len, "%s", texts_of(lang)->and);
	add(buf, sz, &len, "%s", e->first_name);
	if (e->first_name[0] && e->last_name[0])
		add(buf, sz, &len, "%s", " ");
	add(buf, sz, &len, "%s", e->last_name);
}

void secr_oncall_summary(char *buf, size_t sz, enum store_language lang,
			 const char *names, const struct store_note *n,
			 bool full_text)
{
	const struct texts *tx = texts_of(lang);
	char part[CONCERN_MAX + 64];
	size_t len = 0;

	if (!buf || !sz || !n)
		return;
	buf[0] = '\0';
	add(buf, sz, &len, tx->waiting, names ? names : "");
	if (n->caller_name[0]) {
		utf8_cut(part, sizeof(part), n->caller_name, CALLER_MAX);
		add(buf, sz, &len, tx->caller, part);
	}
	if (n->caller_number[0]) {
		digits_of(part, sizeof(part), n->caller_number);
		add(buf, sz, &len, tx->number, part);
	}
	if (full_text && n->concern[0]) { /* the rule of SMS and push */
		utf8_cut(part, sizeof(part), n->concern, CONCERN_MAX);
		add(buf, sz, &len, tx->concern, part);
	}
	add(buf, sz, &len, "%s", tx->menu);
}

const char *secr_oncall_done(enum store_language lang)
{
	return texts_of(lang)->done;
}
