/*
 * smtp.c - one mail of the outbox over SMTP with libcurl, on the worker
 * thread of the dispatcher (outbox.c).
 *
 * The message is built by curl_mime: a text/plain part (UTF-8, quoted-
 * printable), or a multipart/alternative of text/plain and text/html when
 * the row has HTML (a call note), and one part per attachment (base64, the file read by curl
 * while it sends), with our headers on top: Date (when the mail was
 * queued), From, To, Cc, Subject (RFC 2047 encoded words when it is not
 * plain ASCII) and a Message-ID made from the outbox id, the same on
 * every attempt.  The envelope is MAIL FROM the sender and RCPT TO each
 * address of To and Cc.  curl refuses the whole mail when one recipient
 * is refused (its default), so a 550 for one address fails the mail.
 *
 * Why the reason names the server: curl's error text is terse ("RCPT
 * failed: 550"); the debug callback keeps the last 4xx/5xx line the
 * server sent, which says what is wrong.  Only lines from the server are
 * kept, never what we sent (that holds the AUTH password).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include "notify/notify_int.h"

/* What the callbacks of one transfer see. */
struct xfer {
	const atomic_bool *stop;
	char reply[200]; /* last 4xx/5xx line of the server, "" if none */
};

static int debug_h(CURL *c, curl_infotype type, char *data, size_t size,
		   void *arg)
{
	struct xfer *x = arg;
	size_t n;

	(void)c;
	if (type != CURLINFO_HEADER_IN || size < 3 ||
	    (data[0] != '4' && data[0] != '5'))
		return 0;

	n = size < sizeof(x->reply) - 1 ? size : sizeof(x->reply) - 1;
	memcpy(x->reply, data, n);
	while (n && (x->reply[n - 1] == '\r' || x->reply[n - 1] == '\n'))
		--n;
	x->reply[n] = '\0';

	return 0;
}

/* Add each address of list ("a@x, b@y") to *rcpt as "<a@x>". */
static int rcpt_add(struct curl_slist **rcpt, const char *list)
{
	char one[260];
	const char *p, *end;
	struct curl_slist *l;
	size_t n;

	for (p = list; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		while (p < end && *p == ' ')
			++p;
		n = (size_t)(end - p);
		while (n && p[n - 1] == ' ')
			--n;
		if (!n)
			continue;
		if (n > sizeof(one) - 3)
			return EINVAL;
		snprintf(one, sizeof(one), "<%.*s>", (int)n, p);
		l = curl_slist_append(*rcpt, one);
		if (!l)
			return ENOMEM;
		*rcpt = l;
	}

	return 0;
}

static bool is_ascii(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s >= 0x80)
			return false;
	}
	return true;
}

static void b64(char *out, const unsigned char *in, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*out++ = t[in[i] >> 2];
		*out++ = t[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*out++ = t[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*out++ = t[in[i + 2] & 63];
	}
	if (i < n) {
		*out++ = t[in[i] >> 2];
		if (i + 1 < n) {
			*out++ = t[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			*out++ = t[(in[i + 1] & 15) << 2];
		}
		else {
			*out++ = t[(in[i] & 3) << 4];
			*out++ = '=';
		}
		*out++ = '=';
	}
	*out = '\0';
}

/*
 * "Subject: s" into buf: as is if s is ASCII, else RFC 2047 B-encoded
 * words of at most 45 bytes of s each (60 characters of base64, whole
 * UTF-8 characters), separated by folding white space.
 */
static void subject_header(char *buf, size_t sz, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), used;
	char word[64];

	used = (size_t)snprintf(buf, sz, "Subject: ");
	if (is_ascii(s)) {
		snprintf(buf + used, sz - used, "%s", s);
		return;
	}

	while (len && used < sz) {
		size_t n = len < 45 ? len : 45;

		/* do not cut a UTF-8 character */
		while (n < len && n > 1 && (p[n] & 0xc0) == 0x80)
			--n;
		b64(word, p, n);
		used += (size_t)snprintf(
		    buf + used, sz - used, "%s=?UTF-8?B?%s?=",
		    p == (const unsigned char *)s ? "" : "\r\n ", word);
		p += n;
		len -= n;
	}
}

/* The body with every "\n" as "\r\n" (the line end of a mail, which the
 * quoted-printable encoder keeps as a line end); malloc'ed. */
static char *crlf(const char *s)
{
	size_t n = 0;
	const char *p;
	char *out, *q;

	for (p = s; *p; p++)
		n += *p == '\n' ? 2 : 1;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (p = s, q = out; *p; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n')
			*q++ = '\r';
		*q++ = *p;
	}
	*q = '\0';
	return out;
}

/* A permanent failure of mail preparation (an attachment). */
static void perm(struct notify_result *r, const char *fmt, const char *a,
		 const char *b, int err)
{
	char e[128];

	r->permanent = true;
	snprintf(r->error, sizeof(r->error), fmt, a, b,
		 strerror_r(err, e, sizeof(e)));
}

/* Every attachment can be opened now: else a permanent failure naming
 * it (curl would only say "read error" later). */
static bool files_readable(const struct store_outbox *o,
			   struct notify_result *r)
{
	uint32_t i;
	int fd;

	for (i = 0; i < o->filec; i++) {
		const struct store_outbox_file *f = &o->filev[i];

		fd = open(f->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			perm(r, "attachment %s: cannot read %s: %s", f->name,
			     f->path, errno);
			return false;
		}
		(void)close(fd);
	}

	return true;
}

/* The headers on top of the message. */
static int headers_make(struct curl_slist **hp, const struct store_outbox *o)
{
	char line[1200];
	const char *domain = strrchr(o->mail_from, '@');
	time_t t = (time_t)(o->created_at / 1000);
	struct curl_slist *h = NULL, *l;
	struct tm tm;
	int i;

	for (i = 0; i < 6; i++) {
		switch (i) {
		case 0:
			gmtime_r(&t, &tm);
			strftime(line, sizeof(line),
				 "Date: %a, %d %b %Y %H:%M:%S +0000", &tm);
			break;
		case 1:
			snprintf(line, sizeof(line), "From: %s", o->mail_from);
			break;
		case 2:
			snprintf(line, sizeof(line), "To: %s", o->mail_to);
			break;
		case 3:
			if (!o->mail_cc[0])
				continue;
			snprintf(line, sizeof(line), "Cc: %s", o->mail_cc);
			break;
		case 4:
			subject_header(line, sizeof(line), o->subject);
			break;
		case 5:
			snprintf(line, sizeof(line),
				 "Message-ID: <outbox.%lld.%llu@%s>",
				 (long long)o->id,
				 (unsigned long long)o->created_at,
				 domain ? domain + 1 : "switchboard");
			break;
		}
		l = curl_slist_append(h, line);
		if (!l) {
			curl_slist_free_all(h);
			return ENOMEM;
		}
		h = l;
	}

	*hp = h;
	return 0;
}

/* One text part of type (quoted-printable) to m. */
static CURLcode text_add(curl_mime *m, const char *text, const char *type)
{
	curl_mimepart *part = curl_mime_addpart(m);
	CURLcode rc;

	rc = part ? curl_mime_data(part, text, CURL_ZERO_TERMINATED)
		  : CURLE_OUT_OF_MEMORY;
	if (!rc)
		rc = curl_mime_type(part, type);
	if (!rc)
		rc = curl_mime_encoder(part, "quoted-printable");
	return rc;
}

/* A multipart/alternative part to m: the plain text, then the HTML (the
 * last is what a mail client prefers, RFC 2046 5.1.4). */
static CURLcode alt_add(curl_mime *m, CURL *c, const char *text,
			const char *html)
{
	curl_mimepart *part;
	curl_mime *alt;
	CURLcode rc;

	alt = curl_mime_init(c);
	if (!alt)
		return CURLE_OUT_OF_MEMORY;
	rc = text_add(alt, text, "text/plain; charset=UTF-8");
	if (!rc)
		rc = text_add(alt, html, "text/html; charset=UTF-8");
	part = rc ? NULL : curl_mime_addpart(m);
	if (!part) {
		curl_mime_free(alt);
		return rc ? rc : CURLE_OUT_OF_MEMORY;
	}
	/* the part owns alt from here on */
	rc = curl_mime_subparts(part, alt);
	if (rc) {
		curl_mime_free(alt);
		return rc;
	}
	return curl_mime_type(part, "multipart/alternative");
}

/* The text part (with its HTML alternative) and the attachments. */
static int mime_make(curl_mime **mp, CURL *c, const struct store_outbox *o,
		     const char *text, const char *html)
{
	curl_mimepart *part;
	curl_mime *m;
	uint32_t i;
	CURLcode rc;

	m = curl_mime_init(c);
	if (!m)
		return ENOMEM;

	if (o->html[0]) {
		rc = alt_add(m, c, text, html);
		goto files;
	}

	part = curl_mime_addpart(m);
	rc = part ? curl_mime_data(part, text, CURL_ZERO_TERMINATED)
		  : CURLE_OUT_OF_MEMORY;
	if (!rc)
		rc = curl_mime_type(part, "text/plain; charset=UTF-8");
	if (!rc)
		rc = curl_mime_encoder(part, "quoted-printable");

files:

	for (i = 0; !rc && i < o->filec; i++) {
		const struct store_outbox_file *f = &o->filev[i];

		part = curl_mime_addpart(m);
		rc = part ? curl_mime_filedata(part, f->path)
			  : CURLE_OUT_OF_MEMORY;
		if (!rc)
			rc = curl_mime_filename(part, f->name);
		if (!rc)
			rc = curl_mime_type(part, f->type);
		if (!rc)
			rc = curl_mime_encoder(part, "base64");
	}

	if (rc) {
		curl_mime_free(m);
		return ENOMEM;
	}

	*mp = m;
	return 0;
}

void smtp_send(const struct smtp_conf *conf, const struct store_outbox *o,
	       const atomic_bool *stop, struct notify_result *r)
{
	char errbuf[CURL_ERROR_SIZE] = "", from[140];
	struct curl_slist *rcpt = NULL, *hdrs = NULL;
	struct xfer x = {stop, ""};
	curl_mime *mime = NULL;
	char *text = NULL, *html = NULL;
	CURL *c = NULL;
	CURLcode rc;
	long code = 0;
	int err;

	memset(r, 0, sizeof(*r));

	if (!files_readable(o, r))
		return;

	err = rcpt_add(&rcpt, o->mail_to);
	if (!err)
		err = rcpt_add(&rcpt, o->mail_cc);
	if (!err)
		err = headers_make(&hdrs, o);
	text = crlf(o->body);
	c = curl_easy_init();
	if (err || !text || !c || !rcpt) {
		r->curl = CURLE_OUT_OF_MEMORY;
		snprintf(r->error, sizeof(r->error),
			 "cannot prepare the mail: %s",
			 err == EINVAL || !rcpt ? "bad recipients"
						: "out of memory");
		r->permanent = err == EINVAL || !rcpt;
		goto out;
	}
	html = o->html[0] ? crlf(o->html) : NULL;
	err =
	    (o->html[0] && !html) ? ENOMEM : mime_make(&mime, c, o, text, html);
	if (err) {
		r->curl = CURLE_OUT_OF_MEMORY;
		snprintf(r->error, sizeof(r->error),
			 "cannot prepare the mail: out of memory");
		goto out;
	}

	snprintf(from, sizeof(from), "<%s>", o->mail_from);
	curl_easy_setopt(c, CURLOPT_URL, conf->url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	if (conf->user[0]) {
		curl_easy_setopt(c, CURLOPT_USERNAME, conf->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, conf->password);
	}
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)SMTP_CONNECT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)SMTP_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, notify_curl_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)x.stop);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_h);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, &x);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);

	rc = curl_easy_perform(c);
	(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);

	r->curl = (int)rc;
	r->ok = rc == CURLE_OK;
	r->smtp = code;
	if (!r->smtp && x.reply[0])
		r->smtp = strtol(x.reply, NULL, 10);
	if (r->ok)
		goto out;

	if (!errbuf[0])
		snprintf(errbuf, sizeof(errbuf), "%s", curl_easy_strerror(rc));
	if (x.reply[0])
		snprintf(r->error, sizeof(r->error),
			 "SMTP %.120s (curl: %.120s)", x.reply, errbuf);
	else
		snprintf(r->error, sizeof(r->error), "curl: %.240s", errbuf);

out:
	curl_mime_free(mime);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(rcpt);
	free(text);
	free(html);
}
