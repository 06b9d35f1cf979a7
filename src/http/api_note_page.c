/*
 * api_note_page.c - the link of a call note as a page (issue 17, "the
 * employee can acknowledge it with one click"): what an employee sees
 * who clicks the link in the mail, SMS or push, in a browser.
 *
 *   GET  /api/v1/notes/:id/open?employee=&expires=&sig=
 *        Accept: text/html ...  -> this page (the note, whom it is for,
 *                                  one button "Gelesen/bestätigen")
 *   POST /api/v1/notes/:id/ack?... (the button: a plain form, no
 *        script)               -> the same page, "Bestätigt am ..."
 *
 * Content negotiation (api_note_wants_page): an Accept header naming
 * text/html and not application/json gets the page; anything else (an
 * API client, curl, no Accept at all) the JSON of before.  The page is
 * in the tenant's language (de, en), times in Europe/Berlin.  Opening
 * it records "opened" as the JSON does; only the POST acknowledges, so
 * a mail scanner that fetches every link never acknowledges a note.
 *
 * Everything of the note (the caller's name, the concern, the fields)
 * is the caller's or an agent's text: each value goes through html_esc
 * below.  The page has no script; its headers forbid everything but its
 * own inline style (by hash) and a form to ourselves:
 *   Content-Security-Policy: default-src 'none'; style-src 'sha256-..';
 *     form-action 'self'; base-uri 'none'; frame-ancestors 'none'
 *   X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer
 *   (the link's signature stays out of other sites' logs),
 *   X-Frame-Options: DENY, Cache-Control: no-store.
 */
#include <string.h>
#include <openssl/sha.h>
#include "core/core.h"
#include "http/http_int.h"

/* The page's only style, allowed by its hash. */
static const char style[] =
    "body{font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;"
    "padding:0 1em;color:#222;background:#fafafa;line-height:1.5}"
    "h1{font-size:1.4em;margin:0 0 .2em}"
    ".urgent{display:inline-block;background:#b00020;color:#fff;"
    "padding:.1em .6em;border-radius:.3em;font-weight:bold}"
    "table{border-collapse:collapse;margin:1em 0;width:100%}"
    "th{text-align:left;vertical-align:top;padding:.3em 1em .3em 0;"
    "color:#555;font-weight:normal;white-space:nowrap}"
    "td{padding:.3em 0}"
    ".concern{white-space:pre-wrap}"
    "button{font-size:1.1em;padding:.6em 1.4em;border:0;border-radius:.3em;"
    "background:#1b5e20;color:#fff;cursor:pointer}"
    ".ack{color:#1b5e20;font-weight:bold}"
    ".muted{color:#777;font-size:.9em}";

/* The words of the page, per language (enum store_language). */
struct words {
	const char *lang;
	const char *title, *urgent, *client, *caller, *number, *concern;
	const char *for_whom, *taken, *agent, *button, *acked, *unknown;
	const char *yes, *no, *clock;
};

static const struct words wordv[] = {
    [STORE_LANG_DE] = {"de", "Gesprächsnotiz", "DRINGEND", "Kunde", "Anrufer",
		       "Rufnummer", "Anliegen", "Für", "Aufgenommen",
		       "Aufgenommen von", "Gelesen/bestätigen", "Bestätigt am",
		       "unbekannt", "ja", "nein", " Uhr"},
    [STORE_LANG_EN] = {"en", "Call note", "URGENT", "Client", "Caller",
		       "Number", "Concern", "For", "Taken", "Taken by",
		       "Read/acknowledge", "Acknowledged at", "unknown", "yes",
		       "no", " (Berlin time)"},
};

static const struct words *words_of(enum store_language l)
{
	return (size_t)l < ARRAY_SIZE(wordv) && wordv[l].lang ? &wordv[l]
							      : &wordv[0];
}

/* %H: s with & < > " ' as HTML entities: every value of the page. */
static int html_esc(struct re_printf *pf, void *arg)
{
	const char *s = arg, *p, *run;
	int err = 0;

	for (p = run = s; p && *p && !err; p++) {
		const char *ent;

		switch (*p) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		default:
			continue;
		}
		if (p > run)
			err = pf->vph(run, (size_t)(p - run), pf->arg);
		if (!err)
			err = re_hprintf(pf, "%s", ent);
		run = p + 1;
	}
	if (!err && p && p > run)
		err = pf->vph(run, (size_t)(p - run), pf->arg);
	return err;
}

/* "07.12.2026 08:15 Uhr" (de) or "2026-12-07 08:15 (Berlin time)" (en) of
 * ms, in Europe/Berlin. */
static void when(char *buf, size_t sz, uint64_t ms, const struct words *w)
{
	struct time_local lt;

	time_berlin(ms, &lt);
	if (w == &wordv[STORE_LANG_DE])
		re_snprintf(buf, sz, "%02u.%02u.%04u %02u:%02u%s", lt.day,
			    lt.month, lt.year, lt.hour, lt.minute, w->clock);
	else
		re_snprintf(buf, sz, "%04u-%02u-%02u %02u:%02u%s", lt.year,
			    lt.month, lt.day, lt.hour, lt.minute, w->clock);
}

/* What the Accept headers name: bit 0 text/html, bit 1 application/json
 * (libre gives a comma list as one header per item, or as one). */
static bool accept_h(const struct http_hdr *h, void *arg)
{
	unsigned *seen = arg;
	struct pl v = h->val, item;

	while (api_hdr_item_next(&v, ',', &item)) {
		const char *semi = memchr(item.p, ';', item.l);

		if (semi)
			item.l = (size_t)(semi - item.p);
		while (item.l && item.p[item.l - 1] == ' ')
			--item.l;
		if (!pl_strcasecmp(&item, "text/html"))
			*seen |= 1;
		else if (!pl_strcasecmp(&item, "application/json"))
			*seen |= 2;
	}
	return false; /* every Accept header */
}

bool api_note_wants_page(const struct api_req *req)
{
	unsigned seen = 0;

	(void)http_msg_hdr_apply(req->msg, true, HTTP_HDR_ACCEPT, accept_h,
				 &seen);
	return seen == 1;
}

/* The headers of every page: the CSP allows the style by its hash. */
static const char *page_hdrs(void)
{
	static char hdrs[512];
	uint8_t md[SHA256_DIGEST_LENGTH];
	char b64[64];
	size_t n = sizeof(b64) - 1;

	if (hdrs[0])
		return hdrs;
	SHA256((const uint8_t *)style, sizeof(style) - 1, md);
	if (base64_encode(md, sizeof(md), b64, &n))
		n = 0;
	b64[n] = '\0';
	re_snprintf(hdrs, sizeof(hdrs),
		    "Content-Security-Policy: default-src 'none'; "
		    "style-src 'sha256-%s'; form-action 'self'; "
		    "base-uri 'none'; frame-ancestors 'none'\r\n"
		    "X-Content-Type-Options: nosniff\r\n"
		    "Referrer-Policy: no-referrer\r\n"
		    "X-Frame-Options: DENY\r\n",
		    b64);
	return hdrs;
}

/* The page's head and its opening <body>. */
static int page_head(struct mbuf *mb, const char *lang, const char *title)
{
	return mbuf_printf(mb,
			   "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
			   "<meta charset=\"utf-8\">\n"
			   "<meta name=\"viewport\" content=\"width=device-"
			   "width, initial-scale=1\">\n"
			   "<meta name=\"robots\" content=\"noindex\">\n"
			   "<title>%H</title>\n<style>%s</style>\n</head>\n"
			   "<body>\n",
			   lang, html_esc, title, style);
}

static int send_page(struct api_req *req, uint16_t status, struct mbuf *mb)
{
	char *html = NULL;
	int err;

	mb->pos = 0;
	err = mbuf_strdup(mb, &html, mb->end);
	if (err)
		return err;
	err = api_reply_page(req, status, page_hdrs(), html);
	mem_deref(html);
	return err;
}

int api_note_page_gone(struct api_req *req)
{
	struct mbuf *mb = mbuf_alloc(2048);
	int err;

	if (!mb)
		return ENOMEM;
	err = page_head(mb, "de", "Gesprächsnotiz / Call note");
	err |= mbuf_printf(
	    mb, "<h1>Link ungültig oder abgelaufen</h1>\n"
		"<p>Dieser Link zur Gesprächsnotiz ist ungültig oder "
		"abgelaufen. Die Notiz liegt weiter in Ihrem "
		"Postfach.</p>\n"
		"<h1 lang=\"en\">Link invalid or expired</h1>\n"
		"<p lang=\"en\">This link to a call note is invalid "
		"or has expired. The note is still in your mail.</p>"
		"\n</body>\n</html>\n");
	err = err ? ENOMEM : send_page(req, 404, mb);
	mem_deref(mb);
	return err;
}

/* "First Last" of employee id, or w->unknown. */
static void emp_name(struct api_req *req, int64_t id, char *buf, size_t sz,
		     const struct words *w)
{
	struct store_employee e;

	if (store_employee_get(req->api->st, id, &e)) {
		str_copy(buf, w->unknown, sz);
		return;
	}
	re_snprintf(buf, sz, "%s%s%s", e.first_name,
		    e.first_name[0] && e.last_name[0] ? " " : "", e.last_name);
}

/* The client's fields of n as rows of the table. */
static int fields_rows(struct mbuf *mb, const struct store_note *n,
		       const struct words *w)
{
	struct odict *o = NULL;
	struct le *le;
	char v[1024];
	int err = 0;

	if (!n->fields[0] ||
	    json_decode_odict(&o, 16, n->fields, strlen(n->fields), 4))
		return 0;
	for (le = o->lst.head; le && !err; le = le->next) {
		const struct odict_entry *e = le->data;

		switch (e->type) {
		case ODICT_STRING:
			str_copy(v, e->u.str, sizeof(v));
			break;
		case ODICT_INT:
			re_snprintf(v, sizeof(v), "%lld",
				    (long long)e->u.integer);
			break;
		case ODICT_DOUBLE:
			re_snprintf(v, sizeof(v), "%g", e->u.dbl);
			break;
		case ODICT_BOOL:
			str_copy(v, e->u.boolean ? w->yes : w->no, sizeof(v));
			break;
		default:
			v[0] = '\0';
			break;
		}
		err = mbuf_printf(mb, "<tr><th>%H</th><td>%H</td></tr>\n",
				  html_esc, e->key, html_esc, v);
	}
	mem_deref(o);
	return err;
}

int api_note_page(struct api_req *req, const struct store_note *n,
		  int64_t employee, const struct store_note_read *r)
{
	enum store_language lang = STORE_LANG_DE;
	struct store_tenant *t;
	const struct words *w;
	char who[140], at[48], emp[24], exp[24], sig[80];
	struct mbuf *mb;
	int err;

	t = mem_zalloc(sizeof(*t), NULL);
	mb = mbuf_alloc(8192);
	if (!t || !mb) {
		err = ENOMEM;
		goto out;
	}
	if (!store_tenant_get(req->api->st, n->tenant_id, t))
		lang = t->language;
	w = words_of(lang);
	/* the form posts the link's own (checked) query to .../ack: a
	 * relative URL, so a prefix of a reverse proxy stays */
	if (api_query_str(req, "employee", emp, sizeof(emp)) != 1 ||
	    api_query_str(req, "expires", exp, sizeof(exp)) != 1 ||
	    api_query_str(req, "sig", sig, sizeof(sig)) != 1) {
		err = EINVAL;
		goto out;
	}

	err = page_head(mb, w->lang, w->title);
	err |= mbuf_printf(mb, "<main>\n");
	if (n->urgent)
		err |=
		    mbuf_printf(mb, "<p><span class=\"urgent\">%H</span></p>\n",
				html_esc, w->urgent);
	err |=
	    mbuf_printf(mb, "<h1>%H: %H</h1>\n", html_esc, w->title, html_esc,
			n->caller_name[0] ? n->caller_name : w->unknown);
	err |= mbuf_printf(mb, "<table>\n");
	if (t->name[0])
		err |= mbuf_printf(mb, "<tr><th>%H</th><td>%H</td></tr>\n",
				   html_esc, w->client, html_esc, t->name);
	err |= mbuf_printf(mb, "<tr><th>%H</th><td>%H</td></tr>\n", html_esc,
			   w->caller, html_esc,
			   n->caller_name[0] ? n->caller_name : w->unknown);
	err |= mbuf_printf(mb, "<tr><th>%H</th><td>%H</td></tr>\n", html_esc,
			   w->number, html_esc,
			   n->caller_number[0] ? n->caller_number : w->unknown);
	err |= mbuf_printf(
	    mb, "<tr><th>%H</th><td class=\"concern\">%H</td></tr>\n", html_esc,
	    w->concern, html_esc, n->concern);
	err |= fields_rows(mb, n, w);
	emp_name(req, employee, who, sizeof(who), w);
	err |= mbuf_printf(mb, "<tr><th>%H</th><td>%H</td></tr>\n", html_esc,
			   w->for_whom, html_esc, who);
	when(at, sizeof(at), n->created_at, w);
	err |= mbuf_printf(mb, "<tr><th>%H</th><td>%H</td></tr>\n", html_esc,
			   w->taken, html_esc, at);
	if (n->agent[0])
		err |= mbuf_printf(mb, "<tr><th>%H</th><td>%H</td></tr>\n",
				   html_esc, w->agent, html_esc, n->agent);
	err |= mbuf_printf(mb, "</table>\n");

	if (r && r->acked_at) {
		when(at, sizeof(at), r->acked_at, w);
		err |= mbuf_printf(mb, "<p class=\"ack\">%H %H</p>\n", html_esc,
				   w->acked, html_esc, at);
	}
	else {
		err |= mbuf_printf(
		    mb,
		    "<form method=\"post\" action=\"ack?employee=%H&amp;"
		    "expires=%H&amp;sig=%H\">\n"
		    "<button type=\"submit\">%H</button>\n</form>\n",
		    html_esc, emp, html_esc, exp, html_esc, sig, html_esc,
		    w->button);
	}
	err |= mbuf_printf(mb, "</main>\n</body>\n</html>\n");
	err = err ? ENOMEM : send_page(req, 200, mb);
out:
	mem_deref(mb);
	mem_deref(t);
	return err;
}
