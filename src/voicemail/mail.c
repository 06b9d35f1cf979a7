/*
 * mail.c - the words of voicemail: the spoken default greeting, and the
 * subject and body of the mail that reports a message, in the tenant's
 * language (German or English).  Times are Berlin wall-clock times
 * (core: time_berlin) with their zone (MEZ/MESZ, CET/CEST); the caller is
 * the number as the call record has it (E.164 for calls from outside).
 * Control characters of a caller's display name become spaces, so a
 * name can never break the mail's header or body.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "voicemail/voicemail_int.h"

/* The words of one language. */
struct words {
	const char *greeting; /* %s: the mailbox's name */
	const char *subject;  /* %s caller, %s mailbox  */
	const char *unknown;  /* a caller without number */
	const char *intro;    /* %s mailbox             */
	const char *caller, *time, *duration;
	const char *attached, *not_attached;
	const char *zone[2]; /* winter, summer */
};

static const struct words words_de = {
    "Sie sind verbunden mit der Mailbox von %s. Bitte hinterlassen Sie "
    "eine Nachricht nach dem Ton.",
    "Neue Sprachnachricht von %s für %s",
    "unbekannt",
    "Neue Sprachnachricht in der Mailbox %s.",
    "Anrufer",
    "Zeit",
    "Dauer",
    "Die Nachricht ist als WAV-Datei angehängt.",
    "Die Nachricht liegt in Switchboard bereit.",
    {"MEZ", "MESZ"},
};

static const struct words words_en = {
    "You have reached the mailbox of %s. Please leave a message after the "
    "tone.",
    "New voice message from %s for %s",
    "unknown",
    "New voice message in the mailbox %s.",
    "Caller",
    "Time",
    "Duration",
    "The message is attached as a WAV file.",
    "The message is waiting in Switchboard.",
    {"CET", "CEST"},
};

static const struct words *words_of(enum store_language lang)
{
	return lang == STORE_LANG_EN ? &words_en : &words_de;
}

void vm_greeting_text(char *buf, size_t sz, enum store_language lang,
		      const char *name)
{
	re_snprintf(buf, sz, words_of(lang)->greeting, name);
}

/* s with control characters as spaces, into buf */
static const char *clean(char *buf, size_t sz, const char *s)
{
	size_t i;

	str_copy(buf, s, sz);
	for (i = 0; buf[i]; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c < ' ' || c == 0x7f)
			buf[i] = ' ';
	}
	return buf;
}

void vm_mail_text(struct vm_mail_text *t, enum store_language lang,
		  const struct store_mailbox *mb,
		  const struct store_vm_message *m)
{
	const struct words *w = words_of(lang);
	char name[128], box[64], who[200], intro[128], when[16];
	struct time_local lt;
	unsigned secs = (m->duration_ms + 500) / 1000;
	const char *caller = m->caller[0] ? m->caller : w->unknown;

	clean(box, sizeof(box), mb->name);
	clean(name, sizeof(name), m->caller_name);
	if (name[0])
		re_snprintf(who, sizeof(who), "%s (%s)", caller, name);
	else
		str_copy(who, caller, sizeof(who));
	time_berlin(m->started_at, &lt);

	re_snprintf(t->subject, sizeof(t->subject), w->subject, caller, box);
	re_snprintf(intro, sizeof(intro), w->intro, box);
	if (lang == STORE_LANG_EN)
		re_snprintf(when, sizeof(when), "%04u-%02u-%02u", lt.year,
			    lt.month, lt.day);
	else
		re_snprintf(when, sizeof(when), "%02u.%02u.%04u", lt.day,
			    lt.month, lt.year);
	re_snprintf(t->body, sizeof(t->body),
		    "%s\n\n%s: %s\n%s: %s %02u:%02u:%02u (%s)\n%s: %u:%02u\n"
		    "\n%s\n",
		    intro, w->caller, who, w->time, when, lt.hour, lt.minute,
		    lt.second, w->zone[lt.offset == 120], w->duration,
		    secs / 60, secs % 60,
		    mb->attach ? w->attached : w->not_attached);
	re_snprintf(t->file_name, sizeof(t->file_name),
		    "voicemail-%04u%02u%02u-%02u%02u%02u.wav", lt.year,
		    lt.month, lt.day, lt.hour, lt.minute, lt.second);
}
