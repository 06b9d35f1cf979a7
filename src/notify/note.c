/*
 * note.c - what a call note becomes in the outbox (notify.h, "call
 * notes"): a mail per employee (plain text and HTML, the whole note), an
 * SMS per employee who wants them (the caller's name and a link), and a
 * webhook for the tenant (JSON: the caller's name and the links), a Web
 * Push to each of the employees' subscriptions (JSON: the caller's name
 * and the employee's link; Urgency high for an urgent note), the
 * concern in SMS, webhook and push only with the tenant's full text on.  The
 * rows are made here and written by the caller together with the note
 * (store_note_save()), so a note is never saved without its deliveries.
 *
 * An employee the call was put through to (seeds/001: "In jedem Fall
 * erhalten Sie eine Anrufbenachrichtigung per Mail über den
 * erfolgreichen Durchstellversuch mit Namen und Rufnummer oder eine
 * komplette Anrufnotiz bei fehlender Durchstellung") talked to the
 * caller: its mail is a short notice (the caller's name and number, the
 * link), and it gets no SMS or push; the others get the whole note.
 *
 * The link of a note is per employee, signed and expiring:
 *   <public-url>/api/v1/notes/<id>/open?employee=<e>&expires=<s>&sig=<h>
 *   sig = hex HMAC-SHA256(server key, "note:<id>:<e>:<s>")
 * Opening it needs no login; the API checks the signature and the time
 * and records who opened it (http/api_notes.c).
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "notify/notify.h"

enum {
	/* rows of one note: mail and SMS per employee, the webhook, pushes */
	NOTE_OUT_MAX = 2 * STORE_NOTE_EMPLOYEES + 1 + NOTIFY_NOTE_PUSH_MAX,
	LINK_SZ = 512,
};

void notify_note_link_sig(char out[NOTIFY_HMAC_HEX], const char *key,
			  int64_t note_id, int64_t employee_id,
			  uint64_t expires)
{
	char msg[96];

	re_snprintf(msg, sizeof(msg), "note:%lld:%lld:%llu", (long long)note_id,
		    (long long)employee_id, (unsigned long long)expires);
	notify_hmac_hex(out, key, msg);
}

int notify_note_link(char *buf, size_t sz, const struct config *cfg,
		     const char *key, int64_t note_id, int64_t employee_id,
		     uint64_t expires)
{
	char sig[NOTIFY_HMAC_HEX], base[300];
	int n;

	if (!buf || !cfg || !key)
		return EINVAL;
	if (cfg->public_url[0])
		str_copy(base, cfg->public_url, sizeof(base));
	else
		re_snprintf(base, sizeof(base), "http://%s", cfg->http_listen);
	n = (int)strlen(base);
	while (n && base[n - 1] == '/')
		base[--n] = '\0';

	notify_note_link_sig(sig, key, note_id, employee_id, expires);
	n = re_snprintf(buf, sz,
			"%s/api/v1/notes/%lld/open?employee=%lld&expires=%llu"
			"&sig=%s",
			base, (long long)note_id, (long long)employee_id,
			(unsigned long long)expires, sig);
	return n > 0 && (size_t)n < sz - 1 ? 0 : EINVAL;
}

/* "First Last" of e. */
static void emp_name(char *buf, size_t sz, const struct store_employee *e)
{
	re_snprintf(buf, sz, "%s%s%s", e->first_name,
		    e->first_name[0] && e->last_name[0] ? " " : "",
		    e->last_name);
}

/* s with & < > " escaped for HTML. */
static int html_print(struct re_printf *pf, void *arg)
{
	const char *s = arg, *p;
	int err = 0;

	for (p = s; p && *p && !err; p++) {
		switch (*p) {
		case '&':
			err = re_hprintf(pf, "&amp;");
			break;
		case '<':
			err = re_hprintf(pf, "&lt;");
			break;
		case '>':
			err = re_hprintf(pf, "&gt;");
			break;
		case '"':
			err = re_hprintf(pf, "&quot;");
			break;
		case '\n':
			err = re_hprintf(pf, "<br>\n");
			break;
		default:
			err = pf->vph(p, 1, pf->arg);
			break;
		}
	}
	return err;
}

/* A value of the client's fields as text. */
static void value_text(char *buf, size_t sz, const struct odict_entry *e)
{
	switch (e->type) {
	case ODICT_STRING:
		str_copy(buf, e->u.str, sz);
		break;
	case ODICT_INT:
		re_snprintf(buf, sz, "%lld", (long long)e->u.integer);
		break;
	case ODICT_DOUBLE:
		re_snprintf(buf, sz, "%g", e->u.dbl);
		break;
	case ODICT_BOOL:
		str_copy(buf, e->u.boolean ? "ja" : "nein", sz);
		break;
	default:
		buf[0] = '\0';
		break;
	}
}

/* The client's fields of n as "label: value" lines, HTML rows or not. */
static int fields_print(struct mbuf *mb, const struct store_note *n, bool html)
{
	struct odict *o = NULL;
	struct le *le;
	char v[1024];
	int err;

	if (!n->fields[0] ||
	    json_decode_odict(&o, 16, n->fields, strlen(n->fields), 4))
		return 0;
	err = 0;
	for (le = o->lst.head; le && !err; le = le->next) {
		const struct odict_entry *e = le->data;

		value_text(v, sizeof(v), e);
		if (html)
			err =
			    mbuf_printf(mb, "<tr><th>%H</th><td>%H</td></tr>\n",
					html_print, e->key, html_print, v);
		else
			err = mbuf_printf(mb, "%s: %s\n", e->key, v);
	}
	mem_deref(o);
	return err;
}

/* The German word of a transfer attempt's outcome. */
static const char *outcome_word(const char *outcome)
{
	static const struct {
		const char *outcome, *word;
	} v[] = {{"taken", "angenommen"},
		 {"declined", "abgelehnt"},
		 {"unreached", "nicht erreicht"},
		 {"cancelled", "abgebrochen"},
		 {"caller_left", "Anrufer aufgelegt"}};
	size_t i;

	for (i = 0; outcome && i < ARRAY_SIZE(v); i++) {
		if (!strcmp(outcome, v[i].outcome))
			return v[i].word;
	}
	return outcome ? outcome : "";
}

/* The call's transfer attempts of c (none: nothing) as text or HTML. */
static int transfers_print(struct mbuf *mb, const struct notify_note *c,
			   bool html)
{
	size_t i;
	int err;

	if (!c->xferc)
		return 0;
	err = mbuf_printf(mb, html ? "<h2>Durchstellversuche</h2>\n<ul>\n"
				   : "Durchstellversuche:\n");
	for (i = 0; !err && i < c->xferc; i++) {
		const struct notify_note_transfer *t = &c->xferv[i];
		const char *who = t->who[0] ? t->who : "-";
		const bool msg = t->message && t->message[0];

		if (html)
			err =
			    mbuf_printf(mb, "<li>%H: %s%s%H</li>\n", html_print,
					who, outcome_word(t->outcome),
					msg ? " &ndash; Nachricht: " : "",
					html_print, msg ? t->message : "");
		else
			err = mbuf_printf(
			    mb, "- %s: %s%s%s\n", who, outcome_word(t->outcome),
			    msg ? " - Nachricht: " : "", msg ? t->message : "");
	}
	if (!err && html)
		err = mbuf_printf(mb, "</ul>\n");
	return err;
}

/* The short notice of a call put through to e: name and number. */
static int short_row(const struct config *cfg, const struct notify_note *c,
		     const struct store_employee *e, const char *link,
		     struct store_outbox *o)
{
	const struct store_note *n = c->note;
	const char *who =
	    n->caller_name[0] ? n->caller_name : "unbekannter Anrufer";
	char subject[256], text[1024], html[2048];
	struct notify_mail m;
	int err;

	re_snprintf(subject, sizeof(subject), "%sDurchgestellt: %s",
		    c->correction ? "Korrektur: " : "", who);
	re_snprintf(text, sizeof(text),
		    "Wir haben Ihnen einen Anruf durchgestellt.\n\n"
		    "Name: %s\nTelefonnummer: %s\n\nNotiz: %s\n",
		    n->caller_name, n->caller_number, link);
	re_snprintf(html, sizeof(html),
		    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		    "<title>%H</title></head><body>\n"
		    "<p>Wir haben Ihnen einen Anruf durchgestellt.</p>\n"
		    "<table>\n<tr><th>Name</th><td>%H</td></tr>\n"
		    "<tr><th>Telefonnummer</th><td>%H</td></tr>\n</table>\n"
		    "<p><a href=\"%H\">Notiz</a></p>\n</body></html>\n",
		    html_print, subject, html_print, n->caller_name, html_print,
		    n->caller_number, html_print, link);

	memset(&m, 0, sizeof(m));
	m.tenant_id = n->tenant_id;
	m.to = e->email;
	m.cc = e->cc;
	m.subject = subject;
	m.body = text;
	err = notify_mail_row(cfg, &m, o);
	if (!err)
		str_copy(o->html, html, sizeof(o->html));
	return err;
}

static int mail_row(const struct config *cfg, const struct notify_note *c,
		    const struct store_employee *e, const char *link,
		    struct store_outbox *o)
{
	const struct store_note *n = c->note;
	struct mbuf *text = mbuf_alloc(1024), *html = mbuf_alloc(2048);
	char name[140], subject[256], when[40], *t = NULL, *h = NULL;
	struct notify_mail m;
	struct time_local lt;
	int err;

	if (!text || !html) {
		err = ENOMEM;
		goto out;
	}
	emp_name(name, sizeof(name), e);
	time_berlin(n->updated_at, &lt);
	re_snprintf(when, sizeof(when), "%02u.%02u.%04u %02u:%02u", lt.day,
		    lt.month, lt.year, lt.hour, lt.minute);
	re_snprintf(subject, sizeof(subject), "%s%sGesprächsnotiz: %s",
		    c->correction ? "Korrektur: " : "",
		    n->urgent ? "[DRINGEND] " : "",
		    n->caller_name[0] ? n->caller_name : "unbekannter Anrufer");

	err = mbuf_printf(text,
			  "%sGesprächsnotiz für %s\n\n"
			  "Name: %s\nTelefonnummer: %s\nAnliegen:\n%s\n\n",
			  c->correction ? "KORREKTUR - " : "", name,
			  n->caller_name, n->caller_number, n->concern);
	err |= fields_print(text, n, false);
	err |= transfers_print(text, c, false);
	err |= mbuf_printf(text,
			   "%s\nAufgenommen von %s am %s (Version %u)\n\n"
			   "Lesen und bestätigen: %s\n",
			   n->urgent ? "Dringend: ja\n" : "", n->agent, when,
			   n->version, link);

	err |= mbuf_printf(
	    html,
	    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>%H</title></head><body>\n"
	    "<h1>%sGesprächsnotiz für %H</h1>\n%s"
	    "<table>\n<tr><th>Name</th><td>%H</td></tr>\n"
	    "<tr><th>Telefonnummer</th><td>%H</td></tr>\n"
	    "<tr><th>Anliegen</th><td>%H</td></tr>\n",
	    html_print, subject, c->correction ? "Korrektur: " : "", html_print,
	    name, n->urgent ? "<p><strong>Dringend</strong></p>\n" : "",
	    html_print, n->caller_name, html_print, n->caller_number,
	    html_print, n->concern);
	err |= fields_print(html, n, true);
	err |= mbuf_printf(html, "</table>\n");
	err |= transfers_print(html, c, true);
	err |= mbuf_printf(html,
			   "<p>Aufgenommen von %H am %s (Version "
			   "%u)</p>\n<p><a href=\"%H\">Lesen und "
			   "bestätigen</a></p>\n</body></html>\n",
			   html_print, n->agent, when, n->version, html_print,
			   link);
	if (err)
		goto out;

	mbuf_set_pos(text, 0);
	mbuf_set_pos(html, 0);
	err = mbuf_strdup(text, &t, mbuf_get_left(text));
	if (!err)
		err = mbuf_strdup(html, &h, mbuf_get_left(html));
	if (err)
		goto out;
	if (strlen(h) >= sizeof(o->html)) {
		err = EINVAL;
		goto out;
	}

	memset(&m, 0, sizeof(m));
	m.tenant_id = n->tenant_id;
	m.to = e->email;
	m.cc = e->cc;
	m.subject = subject;
	m.body = t;
	err = notify_mail_row(cfg, &m, o);
	if (!err)
		str_copy(o->html, h, sizeof(o->html));
out:
	mem_deref(text);
	mem_deref(html);
	mem_deref(t);
	mem_deref(h);
	return err;
}

/* An odict as JSON text into buf (EINVAL if it does not fit). */
static int json_into(char *buf, size_t sz, const struct odict *o)
{
	int n = re_snprintf(buf, sz, "%H", json_encode_odict, o);

	return n > 0 && (size_t)n < sz - 1 ? 0 : EINVAL;
}

static int sms_row(const struct notify_note *c, const struct store_employee *e,
		   const char *link, struct store_outbox *o)
{
	const struct store_note *n = c->note;
	const bool full = c->settings && c->settings->full_text;
	struct odict *j = NULL;
	char text[2600];
	int err;

	if (full)
		re_snprintf(text, sizeof(text), "%s%sAnruf von %s (%s): %s %s",
			    c->correction ? "Korrektur: " : "",
			    n->urgent ? "DRINGEND " : "", n->caller_name,
			    n->caller_number, n->concern, link);
	else
		re_snprintf(text, sizeof(text), "%s%sAnruf von %s: %s",
			    c->correction ? "Korrektur: " : "",
			    n->urgent ? "DRINGEND " : "", n->caller_name, link);

	err = odict_alloc(&j, 8);
	if (err)
		return err;
	err = odict_entry_add(j, "to", ODICT_STRING, e->mobile);
	err |= odict_entry_add(j, "text", ODICT_STRING, text);
	if (!err) {
		memset(o, 0, sizeof(*o));
		o->tenant_id = n->tenant_id;
		o->channel = STORE_CHANNEL_SMS;
		str_copy(o->mail_to, e->mobile, sizeof(o->mail_to));
		err = json_into(o->body, sizeof(o->body), j);
	}
	mem_deref(j);
	return err;
}

/* A Web Push of note c to subscription sub, whose employee's link is
 * link: {"type": "note", "note_id", "version", "correction", "urgent",
 * "title", "body", "url"}, the concern in the body only with full text. */
static int push_row(const struct notify_note *c,
		    const struct store_push_sub *sub, const char *link,
		    struct store_outbox *o)
{
	const struct store_note *n = c->note;
	const bool full = c->settings && c->settings->full_text;
	struct odict *j = NULL;
	char title[200], body[2200];
	int err;

	re_snprintf(title, sizeof(title), "%s%sAnruf von %s",
		    c->correction ? "Korrektur: " : "",
		    n->urgent ? "DRINGEND " : "", n->caller_name);
	if (full)
		re_snprintf(body, sizeof(body), "%s: %s", n->caller_number,
			    n->concern);
	else
		re_snprintf(body, sizeof(body),
			    "Die Notiz liegt für Sie bereit.");

	err = odict_alloc(&j, 12);
	if (err)
		return err;
	err = odict_entry_add(j, "type", ODICT_STRING, "note");
	err |= odict_entry_add(j, "note_id", ODICT_INT, n->id);
	err |= odict_entry_add(j, "version", ODICT_INT, (int64_t)n->version);
	err |= odict_entry_add(j, "correction", ODICT_BOOL, c->correction);
	err |= odict_entry_add(j, "urgent", ODICT_BOOL, n->urgent);
	err |= odict_entry_add(j, "title", ODICT_STRING, title);
	err |= odict_entry_add(j, "body", ODICT_STRING, body);
	err |= odict_entry_add(j, "url", ODICT_STRING, link);
	if (!err) {
		memset(o, 0, sizeof(*o));
		o->tenant_id = n->tenant_id;
		o->channel = STORE_CHANNEL_WEBPUSH;
		o->push.subscription_id = sub->id;
		str_copy(o->push.urgency, n->urgent ? "high" : "normal",
			 sizeof(o->push.urgency));
		o->push.ttl = 86400; /* a day: a note older than that is
					read in the mail */
		err = json_into(o->body, sizeof(o->body), j);
	}
	mem_deref(j);
	return err;
}

static int webhook_row(const struct notify_note *c, char links[][LINK_SZ],
		       struct store_outbox *o)
{
	const struct store_note *n = c->note;
	struct odict *j = NULL, *arr = NULL, *one = NULL, *f = NULL;
	char key[8], when[32];
	size_t i;
	int err;

	err = odict_alloc(&j, 16);
	err |= odict_alloc(&arr, 8);
	if (err)
		goto out;
	err =
	    odict_entry_add(j, "event", ODICT_STRING,
			    c->correction ? "note.corrected" : "note.created");
	err |= odict_entry_add(j, "note_id", ODICT_INT, n->id);
	err |= odict_entry_add(j, "tenant_id", ODICT_INT, n->tenant_id);
	err |= odict_entry_add(j, "version", ODICT_INT, (int64_t)n->version);
	err |= odict_entry_add(j, "urgent", ODICT_BOOL, n->urgent);
	err |= odict_entry_add(j, "caller_name", ODICT_STRING, n->caller_name);
	err |= odict_entry_add(j, "created_at", ODICT_STRING,
			       time_iso(when, sizeof(when), n->created_at));
	if (c->settings && c->settings->full_text) {
		err |= odict_entry_add(j, "caller_number", ODICT_STRING,
				       n->caller_number);
		err |= odict_entry_add(j, "concern", ODICT_STRING, n->concern);
		if (n->fields[0] &&
		    !json_decode_odict(&f, 16, n->fields, strlen(n->fields), 4))
			err |= odict_entry_add(j, "fields", ODICT_OBJECT, f);
	}
	for (i = 0; !err && i < c->empc; i++) {
		one = NULL;
		err = odict_alloc(&one, 4);
		if (err)
			break;
		err = odict_entry_add(one, "employee_id", ODICT_INT,
				      c->empv[i].id);
		err |= odict_entry_add(one, "link", ODICT_STRING, links[i]);
		re_snprintf(key, sizeof(key), "%zu", i);
		if (!err)
			err = odict_entry_add(arr, key, ODICT_OBJECT, one);
		one = mem_deref(one);
	}
	if (!err)
		err = odict_entry_add(j, "employees", ODICT_ARRAY, arr);
	if (err)
		goto out;

	memset(o, 0, sizeof(*o));
	o->tenant_id = n->tenant_id;
	o->channel = STORE_CHANNEL_WEBHOOK;
	str_copy(o->mail_to, c->settings->webhook_url, sizeof(o->mail_to));
	err = json_into(o->body, sizeof(o->body), j);
out:
	mem_deref(f);
	mem_deref(one);
	mem_deref(arr);
	mem_deref(j);
	return err ? (err == EINVAL ? EINVAL : ENOMEM) : 0;
}

/* The rows own their outbox records. */
static void outv_destructor(void *arg)
{
	struct store_note_out *v = arg;
	size_t i;

	for (i = 0; i < NOTE_OUT_MAX; i++)
		mem_deref(v[i].o);
}

/* A new row at *cp of outv for employee_id. */
static struct store_outbox *row_new(struct store_note_out *outv, size_t *cp,
				    int64_t employee_id)
{
	struct store_outbox *o;

	if (*cp >= NOTE_OUT_MAX)
		return NULL;
	o = mem_zalloc(sizeof(*o), NULL);
	if (!o)
		return NULL;
	outv[*cp].o = o;
	outv[*cp].employee_id = employee_id;
	++*cp;
	return o;
}

int notify_note_rows(const struct config *cfg, const struct notify_note *c,
		     struct store_note_out **outvp, size_t *outcp)
{
	char(*links)[LINK_SZ];
	struct store_note_out *outv;
	struct store_outbox *o;
	size_t i, cnt = 0;
	int err = 0;

	if (!cfg || !c || !c->note || !outvp || !outcp ||
	    c->empc > STORE_NOTE_EMPLOYEES || (c->empc && !c->empv))
		return EINVAL;

	outv = mem_zalloc(NOTE_OUT_MAX * sizeof(*outv), outv_destructor);
	links = mem_zalloc(STORE_NOTE_EMPLOYEES * sizeof(*links), NULL);
	if (!outv || !links) {
		mem_deref(outv);
		mem_deref(links);
		return ENOMEM;
	}

	for (i = 0; !err && i < c->empc; i++) {
		const struct store_employee *e = &c->empv[i];

		err = notify_note_link(links[i], sizeof(links[i]), cfg,
				       c->link_key, c->note->id, e->id,
				       c->link_expires);
		if (err)
			break;
		if (e->email[0]) {
			o = row_new(outv, &cnt, e->id);
			if (!o)
				err = ENOMEM;
			else if (e->id == c->put_through)
				err = short_row(cfg, c, e, links[i], o);
			else
				err = mail_row(cfg, c, e, links[i], o);
		}
		if (e->id == c->put_through)
			continue; /* talked to the caller: the notice is enough */
		if (!err && e->sms && e->mobile[0]) {
			o = row_new(outv, &cnt, e->id);
			err = o ? sms_row(c, e, links[i], o) : ENOMEM;
		}
	}
	for (i = 0; !err && c->subv && i < c->subc && i < NOTIFY_NOTE_PUSH_MAX;
	     i++) {
		size_t k;

		for (k = 0; k < c->empc; k++) {
			if (c->empv[k].id == c->subv[i].employee_id)
				break;
		}
		if (k == c->empc || c->subv[i].employee_id == c->put_through)
			continue; /* not one of the note's employees, or the
				     one who took the call */
		o = row_new(outv, &cnt, c->subv[i].employee_id);
		err = o ? push_row(c, &c->subv[i], links[k], o) : ENOMEM;
	}
	if (!err && c->settings && c->settings->webhook_url[0] &&
	    c->settings->webhook_secret[0]) {
		o = row_new(outv, &cnt, 0);
		err = o ? webhook_row(c, links, o) : ENOMEM;
	}

	mem_deref(links);
	if (err) {
		mem_deref(outv);
		return err;
	}
	*outvp = outv;
	*outcp = cnt;
	return 0;
}

/* The name of the link key among the server's secrets. */
static const char link_key_name[] = "note_link";

int notify_note_link_key(struct store *st, char *buf, size_t sz)
{
	char fresh[NOTIFY_SECRET_HEX];
	int err;

	err = notify_secret_make(fresh, sizeof(fresh));
	if (!err)
		err = store_secret_ensure(st, link_key_name, fresh, buf, sz);
	return err;
}
