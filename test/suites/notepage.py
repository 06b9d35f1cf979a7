#!/usr/bin/env python3
"""notepage.py - the link of a call note as a page (issue 17: "the note's
link (signed, expiring) shows who opened it and when; the employee can
acknowledge it with one click"), with real peers on 127.0.0.1:

  * a fake SMS gateway (notes.Receiver) brings the employee's link
  * the link with Accept: text/html: our HTML page in the tenant's
    language (German; English after the tenant switches), the note
    (caller, number, concern, fields, Berlin time, urgent), whom it is
    for, one button posting to /ack; every value escaped (a caller named
    <script>...); the headers: text/html, a strict CSP whose style hash
    matches the page's style, nosniff, no-store, no-referrer, DENY
  * GET records "opened" and never acknowledges (a mail scanner); the
    button's POST acknowledges (reads.acknowledged_at) and the answer
    says "Bestätigt am ..."; the page shows it from then on
  * a forged or expired link: the 404 page; API clients (Accept:
    application/json, none) keep the JSON of before
  * headless Chromium (test/web/notepage.mjs): the page loads without a
    CSP violation, the button acknowledges, a forged link shows the 404
    page
"""
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import sqlite3
import sys
import time
import urllib.parse
import urllib.request
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from sb import ROOT, Suite, Switchboard, demo_ids  # noqa: E402
from notes import Receiver  # noqa: E402
import browser  # noqa: E402

S = Suite("notepage")
V = "/api/v1"
EVIL = "<script>alert(1)</script> & \"Söhne\""
CONCERN = "Rückruf wegen <b>Angebot</b> 'Nr. 17'\nzweite Zeile"
SCRIPT = os.path.join(ROOT, "test", "web", "notepage.mjs")

sb = None
sms = None
env = {}


def fetch(method, url, accept="text/html", body=None, ctype=None):
    """(status, headers, body text) of one request."""
    req = urllib.request.Request(url, data=body, method=method)
    if accept:
        req.add_header("Accept", accept)
    if ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def link_of(nid):
    for g in sms.got:
        m = re.search(r"(http://\S+/notes/%d/open\?\S+)" % nid,
                      json.loads(g[2])["text"])
        if m:
            return m.group(1)
    return None


def setup():
    a, _, er = demo_ids(sb, "Erika")
    st, r = sb.api("PATCH", f"{V}/employees/{er}",
                   {"mobile": "+4917012345678", "sms": True})
    S.check(st == 200, "Erika gets SMS: 200", f"{st} {r}")
    st, pv = sb.api("POST", f"{V}/tenants/{a}/profile/versions", {
        "greeting": "Mustermann AG, mein Name ist [Vorname].",
        "note_fields": [{"label": "Kunden<nr>", "type": "text"},
                        {"label": "Rückruf", "type": "bool"}]})
    S.check(st == 201, "a profile with note fields: 201", f"{st} {pv}")
    st, t = sb.api("POST", V + "/tokens", {"role": "agent", "tenant_id": a,
                                           "employee_id": er,
                                           "name": "agent"})
    env.update(a=a, erika=er, agent=t["token"])


def new_note(**kw):
    body = {"employee_ids": [env["erika"]], "caller_name": EVIL,
            "caller_number": "0221 987654", "concern": CONCERN,
            "fields": {"Kunden<nr>": "A&B", "Rückruf": True},
            "urgent": True}
    body.update(kw)
    st, n = sb.api("POST", V + "/notes", body, env["agent"])
    S.check(st == 201, "an agent saves a note: 201", f"{st} {n}")
    link = None
    if st == 201:
        end = time.time() + 15
        while not link and time.time() < end:
            link = link_of(n["id"])
            time.sleep(0.1)
    S.check(link, "the SMS gateway got the note's link", repr(sms.got[-1:]))
    return n, link


def reads(nid):
    st, n = sb.api("GET", f"{V}/notes/{nid}")
    return n["reads"] if st == 200 else None


def style_hash(page):
    m = re.search(r"<style>(.*?)</style>", page, re.S)
    if not m:
        return None
    return base64.b64encode(hashlib.sha256(m.group(1).encode())
                            .digest()).decode()


def test_page():
    n, link = new_note()
    if not link:
        return
    env.update(note=n, link=link)
    st, h, page = fetch("GET", link)
    S.check(st == 200 and h["Content-Type"] == "text/html; charset=utf-8",
            "the link in a browser (Accept: text/html): 200 text/html",
            f"{st} {h['Content-Type']}")
    csp = h.get("Content-Security-Policy", "")
    S.check(csp == "default-src 'none'; style-src 'sha256-%s'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
            % style_hash(page),
            "CSP: nothing but the page's own style (its hash) and a form "
            "to ourselves", csp)
    S.check(h.get("X-Content-Type-Options") == "nosniff" and
            h.get("Cache-Control") == "no-store" and
            h.get("Referrer-Policy") == "no-referrer" and
            h.get("X-Frame-Options") == "DENY",
            "nosniff, no-store, no-referrer, DENY", repr(dict(h)))
    S.check("<script" not in page and
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Söhne&quot;"
            in page,
            "the caller's name <script>... appears escaped, no script",
            page[:2000])
    S.check("Rückruf wegen &lt;b&gt;Angebot&lt;/b&gt; &#39;Nr. 17&#39;\n"
            "zweite Zeile" in page and "<b>" not in page,
            "the concern escaped, its lines kept", page[:2000])
    S.check("<tr><th>Kunden&lt;nr&gt;</th><td>A&amp;B</td></tr>" in page
            and "<tr><th>Rückruf</th><td>ja</td></tr>" in page,
            "the client's fields, escaped, a bool as ja", page[:3000])
    S.check('<html lang="de">' in page and
            "<title>Gesprächsnotiz</title>" in page and
            '<span class="urgent">DRINGEND</span>' in page and
            "<tr><th>Rufnummer</th><td>+49221987654</td></tr>" in page and
            "<tr><th>Für</th><td>Erika " in page and
            "<tr><th>Kunde</th><td>" in page,
            "German (the tenant's language): urgent, the number, for "
            "Erika, the client", page[:3000])
    created = datetime.datetime.fromisoformat(
        n["created_at"].replace("Z", "+00:00"))
    want = created.astimezone(ZoneInfo("Europe/Berlin")).strftime(
        "%d.%m.%Y %H:%M Uhr")
    S.check(f"<tr><th>Aufgenommen</th><td>{want}</td></tr>" in page,
            "the time in Europe/Berlin, German style", want)
    q = urllib.parse.urlsplit(link).query.replace("&", "&amp;")
    S.check(f'<form method="post" action="ack?{q}">' in page and
            "<button type=\"submit\">Gelesen/bestätigen</button>" in page,
            "one button \"Gelesen/bestätigen\", a form posting to the "
            "link's /ack", page[-800:])
    r = reads(n["id"])
    S.check(r and len(r) == 1 and r[0]["opened_at"] and
            r[0]["acknowledged_at"] is None,
            "opening the page records \"opened\", not acknowledged", repr(r))
    fetch("GET", link)
    r2 = reads(n["id"])
    S.check(r2 == r, "GETs again (a mail scanner): never acknowledged, "
            "the first open stays", repr(r2))

    # the button: the form's POST (urlencoded, empty)
    action = urllib.parse.urljoin(link, re.search(
        r'action="([^"]+)"', page).group(1).replace("&amp;", "&"))
    S.check(action == link.replace("/open?", "/ack?"),
            "the form's action resolves to the link's /ack", action)
    st, h, page2 = fetch("POST", action, body=b"",
                         ctype="application/x-www-form-urlencoded")
    r3 = reads(n["id"])
    S.check(st == 200 and h["Content-Type"] == "text/html; charset=utf-8"
            and r3 and r3[0]["acknowledged_at"],
            "the button's POST acknowledges: 200, the page", f"{st} {r3}")
    S.check('<p class="ack">Bestätigt am ' in page2 and
            "<form" not in page2,
            "the answer says \"Bestätigt am ...\", no button any more",
            page2[-600:])
    st, h, page3 = fetch("GET", link)
    S.check(st == 200 and '<p class="ack">Bestätigt am ' in page3 and
            "<form" not in page3,
            "opened again: acknowledged, no button", page3[-600:])


def test_not_found():
    link = env.get("link")
    n = env.get("note")
    if not link:
        return
    st, h, page = fetch("GET", link.replace("sig=", "sig=0"))
    S.check(st == 404 and h["Content-Type"] == "text/html; charset=utf-8"
            and "Link ungültig oder abgelaufen" in page and
            "Link invalid or expired" in page and
            h.get("Content-Security-Policy", "").startswith(
                "default-src 'none'") and
            h.get("Referrer-Policy") == "no-referrer",
            "a forged link in a browser: the 404 page (German and "
            "English), the same headers", f"{st} {page[:300]}")
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"))
    key = db.execute("SELECT value FROM server_secrets WHERE name = "
                     "'note_link'").fetchone()[0]
    db.close()
    exp = int(time.time()) - 5
    sig = hmac.new(key.encode(), f"note:{n['id']}:{env['erika']}:{exp}"
                   .encode(), hashlib.sha256).hexdigest()
    base = link.split("?")[0]
    old = f"{base}?employee={env['erika']}&expires={exp}&sig={sig}"
    st, h, page = fetch("GET", old)
    S.check(st == 404 and "Link ungültig oder abgelaufen" in page,
            "an expired link: the 404 page", f"{st}")
    st, h, page = fetch("POST", old.replace("/open?", "/ack?"), body=b"")
    S.check(st == 404 and "Link ungültig oder abgelaufen" in page,
            "its button (POST): the 404 page too", f"{st}")


def test_json_kept():
    link = env.get("link")
    n = env.get("note")
    if not link:
        return
    for accept in ("application/json", None, "*/*",
                   "text/html, application/json"):
        st, h, body = fetch("GET", link, accept=accept)
        ok = st == 200 and h["Content-Type"] == "application/json"
        j = json.loads(body) if ok else {}
        S.check(ok and j.get("id") == n["id"] and j.get("caller_name") ==
                EVIL, f"Accept {accept}: the JSON note as before", f"{st}")
    st, h, body = fetch("GET", link.replace("sig=", "sig=0"),
                        accept="application/json")
    S.check(st == 404 and json.loads(body) ==
            {"error": "note link not found or expired"},
            "a forged link for an API client: the JSON 404", f"{st} {body}")
    st, h, body = fetch("POST", link.replace("/open?", "/ack?"),
                        accept=None, body=b"")
    S.check(st == 200 and json.loads(body).get("note_id") == n["id"],
            "/ack without Accept: the JSON of before", f"{st} {body}")


def test_english():
    st, r = sb.api("PATCH", f"{V}/tenants/{env['a']}", {"language": "en"})
    S.check(st == 200, "the tenant speaks English: 200", f"{st} {r}")
    n, link = new_note(urgent=False, caller_name="Jane Caller")
    if not link:
        return
    st, h, page = fetch("GET", link)
    S.check(st == 200 and '<html lang="en">' in page and
            "<title>Call note</title>" in page and
            "<h1>Call note: Jane Caller</h1>" in page and
            "<tr><th>Concern</th>" in page and
            "<tr><th>Rückruf</th><td>yes</td></tr>" in page and
            "<button type=\"submit\">Read/acknowledge</button>" in page and
            "URGENT" not in page and "Gelesen" not in page,
            "the English tenant's page: in English, not urgent",
            page[:3000])
    S.check(re.search(r"<tr><th>Taken</th><td>\d{4}-\d\d-\d\d \d\d:\d\d "
                      r"\(Berlin time\)</td></tr>", page),
            "the time in Berlin time, ISO style", page[:3000])
    action = urllib.parse.urljoin(link, re.search(
        r'action="([^"]+)"', page).group(1).replace("&amp;", "&"))
    st, h, page2 = fetch("POST", action, body=b"")
    S.check(st == 200 and '<p class="ack">Acknowledged at ' in page2,
            "its button: \"Acknowledged at ...\"", page2[-500:])
    sb.api("PATCH", f"{V}/tenants/{env['a']}", {"language": "de"})
    env["link_en"] = link


def test_chromium():
    n, link = new_note(caller_name="Browser <i>Test</i>")
    if not link:
        return
    browser.run_script(S, SCRIPT, {
        "SB_LINK": link, "SB_BAD": link.replace("sig=", "sig=0")},
        min_checks=6, timeout=120)
    r = reads(n["id"])
    S.check(r and r[0]["acknowledged_at"],
            "after the click in Chromium the note is acknowledged", repr(r))


def main():
    global sb, sms
    sms = Receiver()
    try:
        sb = Switchboard(extra_args=[
            "--sms-gateway-url", f"http://127.0.0.1:{sms.port}/send"])
        sb.start()
        S.run(setup)
        S.run(test_page)
        S.run(test_not_found)
        S.run(test_json_kept)
        S.run(test_english)
        if os.access(browser.CHROMIUM, os.X_OK):
            S.run(test_chromium)
        else:
            S.check(False, f"{browser.CHROMIUM} is installed (make deps)")
        code = sb.stop()
        S.check(code == 0, "the server stops cleanly (no leaks)",
                f"exit {code}\n{sb.tail(30)}")
    finally:
        if sb:
            sb.cleanup()
        sms.stop()
    S.finish()


if __name__ == "__main__":
    main()
