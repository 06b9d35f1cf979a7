/*
 * phrase.c - the sentences Switchboard speaks at run time, in correct
 * German and English, as text for media_speech(): a caller's position in
 * a queue, the expected waiting time, a number read back digit by digit.
 *
 * Numbers up to twenty are written as words, so the grammar is ours and
 * not the synthesiser's guess: "eine Minute" (not "eins Minute"),
 * "Position eins", "zwei Minuten"; larger ones as digits, which espeak-ng
 * reads correctly in both languages ("einundzwanzig").  Waiting times
 * are rounded to whole minutes and said as "etwa" / "about", under
 * 45 seconds "weniger als eine Minute", from an hour on "mehr als eine
 * Stunde": what a caller can use, not false precision.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "media/media.h"

static const char *const de_words[21] = {
    "null",     "eins",     "zwei",     "drei",     "vier",     "fünf",
    "sechs",    "sieben",   "acht",     "neun",     "zehn",     "elf",
    "zwölf",    "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn",
    "achtzehn", "neunzehn", "zwanzig",
};

static const char *const en_words[21] = {
    "zero",     "one",      "two",      "three",   "four",    "five",
    "six",      "seven",    "eight",    "nine",    "ten",     "eleven",
    "twelve",   "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen", "twenty",
};

static bool is_de(const char *lang)
{
	return !lang || strcmp(lang, "en");
}

/* n as a word (up to twenty) or digits */
static int number(char *buf, size_t sz, const char *lang, unsigned n)
{
	if (n <= 20)
		return re_snprintf(buf, sz, "%s",
				   is_de(lang) ? de_words[n] : en_words[n]) < 0
			   ? ENOMEM
			   : 0;
	return re_snprintf(buf, sz, "%u", n) < 0 ? ENOMEM : 0;
}

/* re_snprintf into buf; ENOSPC if it did not fit */
static int put(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = re_vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= sz ? ENOSPC : 0;
}

int media_phrase_position(char *buf, size_t sz, const char *lang, unsigned pos)
{
	char n[16];

	if (!buf || !sz || !pos)
		return EINVAL;
	(void)number(n, sizeof(n), lang, pos);
	if (is_de(lang))
		return put(buf, sz, "Sie sind an Position %s.", n);
	return put(buf, sz, "You are number %s in the queue.", n);
}

int media_phrase_wait(char *buf, size_t sz, const char *lang, uint32_t seconds)
{
	unsigned min = (seconds + 30) / 60;
	char n[16];

	if (!buf || !sz)
		return EINVAL;
	if (is_de(lang)) {
		if (seconds < 45)
			return put(buf, sz,
				   "Die voraussichtliche Wartezeit beträgt "
				   "weniger als eine Minute.");
		if (min >= 60)
			return put(buf, sz,
				   "Die voraussichtliche Wartezeit beträgt "
				   "mehr als eine Stunde.");
		if (min == 1)
			return put(buf, sz,
				   "Die voraussichtliche Wartezeit beträgt "
				   "etwa eine Minute.");
		(void)number(n, sizeof(n), lang, min);
		return put(buf, sz,
			   "Die voraussichtliche Wartezeit beträgt etwa %s "
			   "Minuten.",
			   n);
	}
	if (seconds < 45)
		return put(buf, sz,
			   "The expected waiting time is less than a minute.");
	if (min >= 60)
		return put(buf, sz,
			   "The expected waiting time is more than an hour.");
	if (min == 1)
		return put(buf, sz,
			   "The expected waiting time is about one minute.");
	(void)number(n, sizeof(n), lang, min);
	return put(buf, sz, "The expected waiting time is about %s minutes.",
		   n);
}

int media_phrase_digits(char *buf, size_t sz, const char *lang,
			const char *digits)
{
	size_t len = 0;
	const char *p;

	if (!buf || !sz || !digits || !*digits)
		return EINVAL;
	*buf = '\0';
	for (p = digits; *p; p++) {
		const char *w;

		if (*p >= '0' && *p <= '9')
			w = is_de(lang) ? de_words[*p - '0']
					: en_words[*p - '0'];
		else if (*p == '*')
			w = is_de(lang) ? "Stern" : "star";
		else if (*p == '#')
			w = is_de(lang) ? "Raute" : "hash";
		else if (*p == '+')
			w = "plus";
		else
			return EINVAL;
		if (put(buf + len, sz - len, "%s%s", len ? ", " : "", w))
			return ENOSPC;
		len += strlen(buf + len);
	}
	return put(buf + len, sz - len, ".");
}
