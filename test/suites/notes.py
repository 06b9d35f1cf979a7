#!/usr/bin/env python3
"""notes.py - call notes and their delivery (issue 17, "Call notes and their
delivery"), with real peers on 127.0.0.1 and free ports:

  * an SMTP sink (aiosmtpd, as outbox.py): the mail of a note arrives at
    the employee with Cc, multipart/alternative with text/plain and
    text/html, the whole note in both, and the employee's link
  * a fake SMS gateway (http.server in this process): the JSON {"to",
    "text"} with the bearer token, the caller's name and the link, not
    the concern; the billing row (sms_charges) is 10 cents for the note;
    the gateway's 401 is final (not billed), its 503 retried until 200
  * a webhook receiver (http.server): the HMAC-SHA256 signature over
    "<timestamp>.<body>" with the secret shown once, a fresh timestamp,
    no concern without full text; with full text on, SMS and webhook
    carry the concern
  * the API: 201 with the stored note, validation against the profile
    version's fields (400/422 naming the field), the edit window (a
    correction goes out; then 409 locked), the history, the deliveries
    per channel, the roles (agent, another agent, client admin,
    subaccount, another tenant), the audit trail of a read
  * the link: opened without a login (recorded), a forged one 404,
    acknowledged by one POST
  * the SMTP sink down: the mail waits (pending, with the reason) and is
    delivered once the sink is back
  * kill -9 right after the 201: after the restart the note is there and
    its deliveries are made
"""
import asyncio
import hashlib
import hmac
import http.server
import json
import os
import re
import signal
import sqlite3
import sys
import threading
import time
import urllib.request
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from sb import Suite, Switchboard, demo_ids, free_port  # noqa: E402

from smtp_sink import SmtpSink  # noqa: E402

warnings.filterwarnings("ignore", message="Session.login_data")
S = Suite("notes")
V = "/api/v1"
FROM = "notiz@switchboard.example"
SMS_TOKEN = "sms-gw-token-4711"
WINDOW = 8  # --note-edit-window [s]
ERIKA_MAIL = "erika@kunde.example"
ERIKA_CC = "sekretariat@kunde.example"
ERIKA_MOBILE = "+4917012345678"
CONCERN = "Bittet um Rückruf wegen Angebot <Nr. 17> & Lieferung"


Sink = SmtpSink


class Receiver:
    """An HTTP server recording each POST (path, headers, body).  answer
    (None: {}) makes the answer's body from the request's number (1, 2,
    ...) and body: a fake SMS gateway answers {"id": "gw-1"} with it."""

    def __init__(self, status=200, answer=None):
        self.got = []
        self.status = status
        self.answer = answer
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                rec.got.append((self.path, dict(self.headers), body,
                                time.time()))
                out = rec.answer(len(rec.got), body) if rec.answer \
                    else b"{}"
                self.send_response(rec.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        self.th = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.th.start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


sb = None
sink = None
sms = None
hook = None
env = {}


def wait_for(cond, timeout):
    """Poll cond() until it is true (True) or timeout [s] passed (False)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return bool(cond())


def api(method, path, body=None, token="__admin__"):
    return sb.api(method, path, body, token)


def raw(method, url, body=None):
    req = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def start_server():
    global sb
    sb = Switchboard(extra_args=[
        "--smtp-url", f"smtp://127.0.0.1:{sink.port}", "--smtp-from", FROM,
        "--sms-gateway-url", f"http://127.0.0.1:{sms.port}/send",
        "--outbox-retry-base", "1", "--outbox-retry-max", "2",
        "--note-edit-window", str(WINDOW),
        # the receiver is local: the test option (never in production)
        "--webhook-allow-loopback"],
        env={"SWITCHBOARD_SMS_GATEWAY_TOKEN": SMS_TOKEN})
    sb.start()


def setup():
    a, _, mx = demo_ids(sb, "Max")
    _, _, er = demo_ids(sb, "Erika")
    st, r = api("PATCH", f"{V}/employees/{er}",
                {"email": ERIKA_MAIL, "cc": ERIKA_CC,
                 "mobile": ERIKA_MOBILE, "sms": True})
    S.check(st == 200, "Erika gets e-mail, Cc and SMS: 200", f"{st} {r}")
    st, r = api("PATCH", f"{V}/employees/{mx}", {"email": None, "sms": False})
    S.check(st == 200, "Max has no e-mail: 200", f"{st} {r}")
    st, pv = api("POST", f"{V}/tenants/{a}/profile/versions", {
        "greeting": "Mustermann AG, mein Name ist [Vorname].",
        "note_fields": [
            {"label": "Kundennummer", "type": "number", "required": True},
            {"label": "Rückruf", "type": "choice",
             "choices": ["heute", "morgen"]},
            {"label": "Termin", "type": "date"}]})
    S.check(st == 201, "the profile with note fields: 201", f"{st} {pv}")
    st, tb = api("POST", V + "/tenants", {"name": "Andere GmbH",
                                          "country_code": "49",
                                          "area_code": "30"})
    b = tb["id"]
    st, eb = api("POST", V + "/employees",
                 {"tenant_id": b, "first_name": "Bea", "last_name": "B"})
    tok = {}
    for name, body in {
            "agent": {"role": "agent", "tenant_id": a, "employee_id": mx},
            "agent2": {"role": "agent", "tenant_id": a, "employee_id": er},
            "admin": {"role": "client_admin", "tenant_id": a},
            "sub_erika": {"role": "subaccount", "tenant_id": a,
                          "employee_id": er},
            "sub_max": {"role": "subaccount", "tenant_id": a,
                        "employee_id": mx},
            "admin_b": {"role": "client_admin", "tenant_id": b},
            "agent_b": {"role": "agent", "tenant_id": b,
                        "employee_id": eb["id"]}}.items():
        st, r = api("POST", V + "/tokens", dict(body, name=name))
        S.check(st == 201, f"token {name}: 201", f"{st} {r}")
        tok[name] = r["token"]
    env.update(a=a, b=b, max=mx, erika=er, bea=eb["id"], tok=tok,
               pv=pv["id"])


def settings(full_text=False, secret=False):
    body = {"full_text": full_text,
            "webhook_url": f"http://127.0.0.1:{hook.port}/hook"}
    if secret:
        body["new_webhook_secret"] = True
    return api("PUT", f"{V}/tenants/{env['a']}/note_settings", body,
               env["tok"]["admin"])


def new_note(**kw):
    body = {"employee_ids": [env["erika"]], "caller_name": "Hans Anrufer",
            "caller_number": "0221 987654", "concern": CONCERN,
            "fields": {"Kundennummer": 4711, "Rückruf": "heute"},
            "urgent": True}
    body.update(kw)
    return api("POST", V + "/notes", body, env["tok"]["agent"])


def deliveries(nid, token="__admin__"):
    st, r = api("GET", f"{V}/notes/{nid}/deliveries", token=token)
    return r if st == 200 else []


def all_sent(nid, n):
    """n deliveries, each through: the webhook delivered (its receiver's
    2xx), mail and SMS sent (the SMS gateway of this suite's first part
    names no message id, so no report can follow)."""
    d = deliveries(nid)
    return len(d) == n and all(
        x["state"] == ("delivered" if x["channel"] == "webhook" else "sent")
        for x in d)


def mails_for(nid):
    return [m for m in sink.parsed()
            if f"/notes/{nid}/open" in
            m[2].get_body(("plain",)).get_content()]


def test_settings():
    st, r = api("GET", f"{V}/tenants/{env['a']}/note_settings",
                token=env["tok"]["admin"])
    S.check(st == 200 and r == {"tenant_id": env["a"], "full_text": False,
                                "webhook_url": None,
                                "webhook_secret_set": False,
                                "escalate_after": 0, "updated_at": None},
            "note settings: the defaults", f"{st} {r}")
    st, r = settings()
    S.check(st == 200 and re.fullmatch(r"[0-9a-f]{64}",
                                       r.get("webhook_secret", "")) and
            r["webhook_secret_set"] is True,
            "PUT note_settings with a URL: 200, the secret shown once",
            f"{st} {r}")
    env["secret"] = r.get("webhook_secret")
    st, r2 = api("GET", f"{V}/tenants/{env['a']}/note_settings",
                 token=env["tok"]["admin"])
    S.check(st == 200 and "webhook_secret" not in r2 and
            r2["webhook_secret_set"] is True and
            r2["webhook_url"] == f"http://127.0.0.1:{hook.port}/hook",
            "GET note_settings: the URL, never the secret", f"{st} {r2}")
    st, r = api("PUT", f"{V}/tenants/{env['a']}/note_settings",
                {"webhook_url": "ftp://x"}, env["tok"]["admin"])
    S.error_is("webhook_url ftp://", (st, r), 422,
               "webhook_url: must be an https:// URL with a host "
               "(http:// only to 127.0.0.1 or [::1])")
    st, r = api("PUT", f"{V}/tenants/{env['a']}/note_settings",
                {"full_text": True}, env["tok"]["agent"])
    S.check(st == 403, "an agent may not change note settings: 403",
            f"{st} {r}")
    st, r = api("GET", f"{V}/tenants/{env['a']}/note_settings",
                token=env["tok"]["admin_b"])
    S.check(st == 404 and "not found" in r["error"],
            "another tenant's note settings: 404", f"{st} {r}")


def test_create_and_deliver():
    t0 = time.time()
    st, n = new_note()
    S.check(st == 201, "POST /notes by the agent: 201", f"{st} {n}")
    if st != 201:
        return
    env["note"] = n
    want = {"tenant_id": env["a"], "call_id": None,
            "profile_version_id": env["pv"], "agent": "agent",
            "agent_employee_id": env["max"], "caller_name": "Hans Anrufer",
            "caller_number": "+49221987654", "concern": CONCERN,
            "fields": {"Kundennummer": 4711, "Rückruf": "heute"},
            "urgent": True, "employee_ids": [env["erika"]], "version": 1,
            "locked": False, "reads": []}
    bad = {k: (n.get(k), v) for k, v in want.items() if n.get(k) != v}
    S.check(not bad, "the note as stored: number E.164, fields checked, "
            "the profile version, the agent", repr(bad))
    S.check(n["created_at"] == n["updated_at"] and n["editable_until"],
            "created_at = updated_at; editable_until set", repr(n))

    ok = wait_for(lambda: all_sent(n["id"], 3), 15)
    d = deliveries(n["id"])
    S.check(ok and sorted(x["channel"] for x in d) ==
            ["mail", "sms", "webhook"] and
            all(x["attempts"] == 1 and x["last_error"] is None and
                x["version"] == 1 and x["correction"] is False for x in d),
            "three deliveries (mail, sms, webhook), each sent at the "
            "first attempt", repr(d))
    S.check([x["employee_id"] for x in d if x["channel"] != "webhook"] ==
            [env["erika"]] * 2 and
            [x["employee_id"] for x in d if x["channel"] == "webhook"] ==
            [None], "mail and SMS are Erika's, the webhook the tenant's",
            repr(d))

    # the mail
    ms = mails_for(n["id"])
    S.check(len(ms) == 1, "the SMTP sink got the mail once", len(ms))
    if ms:
        frm, rcpt, msg = ms[0]
        S.check(frm == FROM and sorted(rcpt) == sorted([ERIKA_MAIL,
                                                        ERIKA_CC]),
                "envelope: from the sender to Erika and her Cc",
                f"{frm} {rcpt}")
        S.check(msg["To"] == ERIKA_MAIL and msg["Cc"] == ERIKA_CC,
                "To: Erika, Cc: her copies", f"{msg['To']} {msg['Cc']}")
        S.check(msg["Subject"] == "[DRINGEND] Gesprächsnotiz: Hans Anrufer",
                "the subject: urgent, the caller's name", msg["Subject"])
        alt = [p for p in msg.walk()
               if p.get_content_type() == "multipart/alternative"]
        types = [p.get_content_type() for p in alt[0].iter_parts()] \
            if alt else []
        S.check(types == ["text/plain", "text/html"],
                "multipart/alternative: text/plain, then text/html", types)
        plain = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        S.check(CONCERN in plain and "Hans Anrufer" in plain and
                "+49221987654" in plain and "Kundennummer: 4711" in plain
                and "Rückruf: heute" in plain and "Erika" in plain,
                "plain text: the whole note", plain)
        esc = CONCERN.replace("&", "&amp;").replace("<", "&lt;") \
            .replace(">", "&gt;")
        S.check(esc in html and "<th>Kundennummer</th><td>4711</td>" in html
                and "Hans Anrufer" in html and "<a href=" in html,
                "HTML: the whole note, escaped, with the link", html)
        m = re.search(r"(http://\S+/notes/\d+/open\?\S+)", plain)
        env["link"] = m.group(1) if m else None
        S.check(m and m.group(1).startswith(
            f"http://127.0.0.1:{sb.http_port}/api/v1/notes/{n['id']}/open?"
            f"employee={env['erika']}&expires="),
            "the mail carries Erika's link", plain)

    # the SMS
    got = [g for g in sms.got if g[3] >= t0]
    S.check(len(got) == 1, "the SMS gateway got one request", len(got))
    if got:
        path, hdrs, body, _ = got[0]
        j = json.loads(body)
        S.check(path == "/send" and hdrs.get("Authorization") ==
                f"Bearer {SMS_TOKEN}" and
                hdrs.get("Content-Type") == "application/json",
                "POST /send, JSON, with the bearer token", repr(hdrs))
        S.check(set(j) == {"to", "text"} and j["to"] == ERIKA_MOBILE and
                "Hans Anrufer" in j["text"] and env.get("link") and
                env["link"] in j["text"],
                "SMS JSON: to Erika's mobile, the caller's name, the link",
                repr(j))
        S.check("Rückruf" not in j["text"] and "Angebot" not in j["text"]
                and "987654" not in j["text"],
                "SMS: no concern, no number (full text is off)", j["text"])

    # billing
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"))
    rows = db.execute("SELECT tenant_id, note_id, cents, at FROM sms_charges"
                      " WHERE note_id = ?", (n["id"],)).fetchall()
    db.close()
    S.check(len(rows) == 1 and rows[0][:3] == (env["a"], n["id"], 10) and
            abs(rows[0][3] / 1000 - time.time()) < 60,
            "one SMS billed: tenant, note, 10 cents, when sent", repr(rows))

    # the webhook
    hooks = [g for g in hook.got if g[3] >= t0]
    S.check(len(hooks) == 1, "the webhook receiver got one POST", len(hooks))
    if hooks:
        path, hdrs, body, at = hooks[0]
        ts = hdrs.get("X-Switchboard-Timestamp", "")
        sig = hdrs.get("X-Switchboard-Signature", "")
        mac = hmac.new(env["secret"].encode(), ts.encode() + b"." + body,
                       hashlib.sha256).hexdigest()
        S.check(sig == "v1=" + mac,
                "the signature: v1=HMAC-SHA256(secret, ts.body)",
                f"{sig} vs {mac}")
        wrong = hmac.new(b"x" * 64, ts.encode() + b"." + body,
                         hashlib.sha256).hexdigest()
        S.check(sig != "v1=" + wrong, "another secret does not verify")
        S.check(ts.isdigit() and abs(int(ts) - at) <= 5,
                "the timestamp is fresh (a replay can be told)", ts)
        j = json.loads(body)
        S.check(j.get("event") == "note.created" and
                j.get("note_id") == n["id"] and
                j.get("tenant_id") == env["a"] and
                j.get("caller_name") == "Hans Anrufer" and
                j.get("urgent") is True and
                j.get("employees") == [{"employee_id": env["erika"],
                                        "link": env.get("link")}],
                "webhook JSON: event, note, caller's name, Erika's link",
                repr(j))
        S.check("concern" not in j and "caller_number" not in j and
                "fields" not in j and CONCERN.encode() not in body,
                "webhook: no concern, number or fields (full text off)",
                repr(j))

    # the log holds no caller data
    log = sb.logtext()
    S.check("Angebot" not in log and "Hans Anrufer" not in log and
            "987654" not in log and SMS_TOKEN not in log and
            env["secret"] not in log,
            "nothing confidential in the log (concern, caller, token, "
            "secret)")


def test_validation():
    cases = [
        ({"concern": None}, 400, "concern: is required"),
        ({"employee_ids": None}, 400, "employee_ids: is required"),
        ({"employee_ids": []}, 422, "employee_ids: at least one employee"),
        ({"employee_ids": [env["bea"]]}, 422,
         f"employee_ids: employee {env['bea']} does not exist"),
        ({"caller_number": "abc"}, 422,
         "caller_number: must be a phone number"),
        ({"fields": {"Kundennummer": "x"}}, 422,
         "fields.Kundennummer: must be a number"),
        ({"fields": {"Rückruf": "heute"}}, 422,
         "fields.Kundennummer: is required"),
        ({"fields": {"Kundennummer": 1, "Rückruf": "nie"}}, 422,
         "fields.Rückruf: must be one of the field's choices"),
        ({"fields": {"Kundennummer": 1, "Termin": "2026-02-30"}}, 422,
         "fields.Termin: must be a date YYYY-MM-DD"),
        ({"fields": {"Kundennummer": 1, "Farbe": "rot"}}, 422,
         "fields.Farbe: no such field in the client's profile version"),
        ({"profile_version": 99}, 422,
         "profile_version: version 99 does not exist"),
        ({"call_id": 999999}, 422, "call_id: call 999999 does not exist"),
        ({"colour": 1}, 400, "colour: unknown field"),
        ({"urgent": "yes"}, 400, "urgent: must be true or false"),
    ]
    for extra, status, msg in cases:
        st, r = new_note(**extra)
        S.error_is(f"note with {extra}", (st, r), status, msg)
    st, r = api("POST", V + "/notes", {"concern": "x",
                                       "employee_ids": [env["erika"]]},
                env["tok"]["admin"])
    S.check(st == 403, "a client admin does not take notes: 403", f"{st}")
    st, r = api("POST", V + "/notes", {"concern": "x", "employee_ids": [1]},
                env["tok"]["sub_erika"])
    S.check(st == 403, "a subaccount does not take notes: 403", f"{st}")


def test_roles():
    n = env.get("note")
    if not n:
        return
    nid = n["id"]
    tok = env["tok"]
    for who, want in (("agent", 200), ("admin", 200), ("sub_erika", 200),
                      ("agent2", 404), ("sub_max", 404), ("admin_b", 404),
                      ("agent_b", 404)):
        st, r = api("GET", f"{V}/notes/{nid}", token=tok[who])
        S.check(st == want and (st != 404 or r == {
            "error": f"note {nid} not found"}),
            f"GET the note as {who}: {want}", f"{st} {r}")
    st, r = api("GET", f"{V}/notes?employee_id={env['erika']}",
                token=tok["admin"])
    S.check(st == 200 and any(x["id"] == nid for x in r),
            "the client admin's list filtered by employee has it",
            f"{st} {r}")
    st, r = api("GET", f"{V}/notes?employee_id={env['max']}",
                token=tok["admin"])
    S.check(st == 200 and not any(x["id"] == nid for x in r),
            "... not under another employee", f"{st}")
    st, r = api("GET", f"{V}/notes", token=tok["agent"])
    S.check(st == 200 and any(x["id"] == nid for x in r),
            "the agent's list has its own note", f"{st}")
    st, r = api("GET", f"{V}/notes", token=tok["agent2"])
    S.check(st == 200 and not any(x["id"] == nid for x in r),
            "another agent's list does not", f"{st} {r}")
    st, r = api("GET", f"{V}/notes", token=tok["sub_erika"])
    S.check(st == 200 and [x["id"] for x in r] == [nid],
            "Erika's subaccount lists the note for her", f"{st} {r}")
    st, r = api("GET", f"{V}/notes", token=tok["sub_max"])
    S.check(st == 200 and r == [], "Max's subaccount lists no note",
            f"{st} {r}")
    st, r = api("GET", f"{V}/notes", token=tok["admin_b"])
    S.check(st == 200 and r == [], "another tenant lists no note",
            f"{st} {r}")
    st, r = api("GET", f"{V}/notes?since=2000-01-01T00:00:00Z&until="
                "2000-01-02T00:00:00Z", token=tok["admin"])
    S.check(st == 200 and r == [], "from/to filters: none in 2000",
            f"{st} {r}")
    st, r = api("GET", f"{V}/notes/{nid}/history", token=tok["admin_b"])
    S.check(st == 404, "another tenant's history: 404", f"{st} {r}")
    st, r = api("GET", f"{V}/notes/{nid}/deliveries", token=tok["sub_max"])
    S.check(st == 404, "another employee's deliveries: 404", f"{st} {r}")
    st, r = api("PATCH", f"{V}/notes/{nid}", {"concern": "x"},
                token=tok["admin"])
    S.check(st == 403, "a client admin does not edit notes: 403", f"{st}")
    st, r = api("PATCH", f"{V}/notes/{nid}", {"concern": "x"},
                token=tok["agent2"])
    S.check(st == 404, "another agent's note: 404", f"{st} {r}")
    st, au = api("GET", f"{V}/tenants/{env['a']}/audit",
                 token=tok["admin"])
    reads = [x for x in au if x.get("route") == V + "/notes/:id" and
             x.get("object_id") == nid and x.get("method") == "GET"] \
        if st == 200 else []
    S.check(len(reads) >= 3, "the reads of the note are in the client's "
            "audit trail", f"{st} {reads[:2]}")


def test_edit_and_history():
    n = env.get("note")
    if not n:
        return
    nid = n["id"]
    st, r = api("PATCH", f"{V}/notes/{nid}",
                {"fields": {"Kundennummer": "viele"}}, env["tok"]["agent"])
    S.error_is("PATCH with a bad field (the note's profile version)",
               (st, r), 422, "fields.Kundennummer: must be a number")
    st, r = api("PATCH", f"{V}/notes/{nid}", {"tenant_id": env["a"]},
                env["tok"]["agent"])
    S.error_is("PATCH tenant_id", (st, r), 400, "tenant_id: cannot be changed")
    before = len(sink.msgs)
    st, r = api("PATCH", f"{V}/notes/{nid}",
                {"concern": "Rückruf bitte erst morgen"},
                env["tok"]["agent"])
    S.check(st == 200 and r["version"] == 2 and
            r["concern"] == "Rückruf bitte erst morgen" and
            r["fields"] == {"Kundennummer": 4711, "Rückruf": "heute"},
            "PATCH within the window: 200, version 2", f"{st} {r}")
    st, same = api("PATCH", f"{V}/notes/{nid}",
                   {"concern": "Rückruf bitte erst morgen"},
                   env["tok"]["agent"])
    S.check(st == 200 and same["version"] == 2,
            "an edit that changes nothing: 200, still version 2",
            f"{st} {same}")
    st, h = api("GET", f"{V}/notes/{nid}/history", token=env["tok"]["admin"])
    S.check(st == 200 and [x["version"] for x in h] == [1, 2] and
            h[0]["concern"] == CONCERN and
            h[1]["concern"] == "Rückruf bitte erst morgen" and
            all(x["agent"] == "agent" and x["saved_at"] for x in h),
            "history: both versions, readable", f"{st} {h}")
    ok = wait_for(lambda: all_sent(nid, 6), 15)
    d = deliveries(nid)
    S.check(ok and sorted(x["channel"] for x in d if x["correction"]) ==
            ["mail", "sms", "webhook"] and
            all(x["version"] == 2 for x in d if x["correction"]),
            "the edit sent a correction on every channel (version 2)",
            repr(d))
    wait_for(lambda: len(sink.msgs) > before, 10)
    subj = [m[2]["Subject"] for m in sink.parsed()[before:]]
    S.check(subj == ["Korrektur: [DRINGEND] Gesprächsnotiz: Hans Anrufer"],
            "the correction mail says so", repr(subj))
    # the lock
    left = n["created_at"]
    time.sleep(WINDOW + 0.5)
    st, r = api("PATCH", f"{V}/notes/{nid}", {"concern": "zu spät"},
                env["tok"]["agent"])
    S.error_is("PATCH after the window", (st, r), 409,
               f"note {nid} is locked: it can be edited for {WINDOW} "
               "seconds after it was saved")
    st, r = api("GET", f"{V}/notes/{nid}", token=env["tok"]["agent"])
    S.check(st == 200 and r["locked"] is True and r["version"] == 2,
            "the note shows locked, still version 2", f"{st} {r} {left}")


def test_link():
    link = env.get("link")
    n = env.get("note")
    if not link or not n:
        S.check(False, "a link to try")
        return
    st, r = raw("GET", link.replace("sig=", "sig=0"))
    S.check(st == 404 and r == {"error": "note link not found or expired"},
            "a forged link: 404", f"{st} {r}")
    # a link signed with the server's key but expired
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"))
    key = db.execute("SELECT value FROM server_secrets WHERE name = "
                     "'note_link'").fetchone()[0]
    db.close()
    exp = int(time.time()) - 5
    sig = hmac.new(key.encode(), f"note:{n['id']}:{env['erika']}:{exp}"
                   .encode(), hashlib.sha256).hexdigest()
    base = link.split("?")[0]
    st, r = raw("GET", f"{base}?employee={env['erika']}&expires={exp}"
                f"&sig={sig}")
    S.check(st == 404 and r == {"error": "note link not found or expired"},
            "a correctly signed but expired link: 404", f"{st} {r}")
    exp2 = int(time.time()) + 600
    sig2 = hmac.new(key.encode(), f"note:{n['id']}:{env['erika']}:{exp2}"
                    .encode(), hashlib.sha256).hexdigest()
    st, r = raw("GET", f"{base}?employee={env['erika']}&expires={exp2}"
                f"&sig={sig2}")
    S.check(st == 200 and r["id"] == n["id"],
            "the same signed with a later expiry: 200 (the scheme is "
            "note:<id>:<employee>:<expires>)", f"{st}")
    bad = re.sub(r"employee=\d+", f"employee={env['max']}", link)
    st, r = raw("GET", bad)
    S.check(st == 404, "the link for another employee: 404", f"{st} {r}")
    st, r = raw("GET", link)
    S.check(st == 200 and r["id"] == n["id"] and
            r["concern"] == "Rückruf bitte erst morgen" and
            len(r["reads"]) == 1 and
            r["reads"][0]["employee_id"] == env["erika"] and
            r["reads"][0]["opened_at"] and
            r["reads"][0]["acknowledged_at"] is None,
            "the link opens the note without a login; opened is recorded",
            f"{st} {r}")
    opened = r["reads"][0]["opened_at"] if st == 200 else None
    st, r = raw("POST", link.replace("/open?", "/ack?"), b"")
    S.check(st == 200 and r["note_id"] == n["id"] and
            r["employee_id"] == env["erika"] and
            r["opened_at"] == opened and r["acknowledged_at"],
            "one POST acknowledges it", f"{st} {r}")
    st, r2 = raw("POST", link.replace("/open?", "/ack?"), b"")
    S.check(st == 200 and r2["acknowledged_at"] == r["acknowledged_at"],
            "a second acknowledgement keeps the first time", f"{st} {r2}")
    st, au = api("GET", f"{V}/tenants/{env['a']}/audit",
                 token=env["tok"]["admin"])
    links = [(x["method"], x["route"], x["employee_id"], x["token_id"])
             for x in au if x.get("token_name") == "note link"] \
        if st == 200 else []
    S.check(sorted(set(links)) == [
        ("GET", V + "/notes/:id/open", env["erika"], None),
        ("POST", V + "/notes/:id/ack", env["erika"], None)],
        "the link's opens and acknowledgements are in the audit trail "
        "(Erika, no token)", repr(links))
    st, g = api("GET", f"{V}/notes/{n['id']}", token=env["tok"]["admin"])
    S.check(st == 200 and g["reads"] == [{
        "employee_id": env["erika"], "opened_at": opened,
        "acknowledged_at": r["acknowledged_at"]}],
        "the note shows who opened and acknowledged it", f"{st} {g}")


def test_full_text():
    st, r = settings(full_text=True)
    S.check(st == 200 and r["full_text"] is True and
            "webhook_secret" not in r,
            "full text on (the secret stays, not shown)", f"{st} {r}")
    t0 = time.time()
    st, n = new_note(concern="Heizung defekt", urgent=False)
    S.check(st == 201, "a note with full text on: 201", f"{st}")
    if st != 201:
        return
    wait_for(lambda: all_sent(n["id"], 3), 15)
    got = [json.loads(g[2]) for g in sms.got if g[3] >= t0]
    S.check(len(got) == 1 and "Heizung defekt" in got[0]["text"] and
            "+49221987654" in got[0]["text"],
            "the SMS carries the concern and number now", repr(got))
    hooks = [json.loads(g[2]) for g in hook.got if g[3] >= t0]
    S.check(len(hooks) == 1 and hooks[0].get("concern") ==
            "Heizung defekt" and hooks[0].get("caller_number") ==
            "+49221987654" and hooks[0].get("fields") ==
            {"Kundennummer": 4711, "Rückruf": "heute"},
            "the webhook carries concern, number and fields", repr(hooks))
    settings(full_text=False)


def test_put_through():
    """seeds/001: a call put through to the employee (its record's callee
    is the employee's phone) gets a short notice with the caller's name
    and number, not the whole note, and no SMS."""
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"))
    try:
        now = int(time.time() * 1000)
        c = db.execute(
            "INSERT INTO calls (node_id, sip_call_id, tenant_id, direction,"
            " from_number, to_number, callee_leg, started_at, answered_at,"
            " ended_at, disposition) VALUES ('node1', 'put-through@test',"
            " ?, 'inbound', '+49221987654', '+4922182829900',"
            " 'device:1002', ?, ?, ?, 'answered')",
            (env["a"], now - 60000, now - 55000, now - 1000))
        cid = c.lastrowid
        db.commit()
    finally:
        db.close()
    t0 = time.time()
    st, n = new_note(call_id=cid, urgent=False)
    S.check(st == 201 and n.get("call_id") == cid,
            "a note of a call put through to Erika: 201", f"{st} {n}")
    if st != 201:
        return
    ok = wait_for(lambda: all_sent(n["id"], 2), 15)
    d = deliveries(n["id"])
    S.check(ok and sorted(x["channel"] for x in d) == ["mail", "webhook"],
            "a mail and the webhook, no SMS for the one who took the call",
            repr(d))
    mails = mails_for(n["id"])
    S.check(len(mails) == 1, "one mail for the note", repr(len(mails)))
    if mails:
        _, to, m = mails[0]
        text = m.get_body(("plain",)).get_content()
        html = m.get_body(("html",)).get_content()
        S.check(m["Subject"] == "Durchgestellt: Hans Anrufer" and
                "Name: Hans Anrufer" in text and
                "Telefonnummer: +49221987654" in text and
                CONCERN not in text and CONCERN not in html and
                "Hans Anrufer" in html,
                "the short notice: the caller's name and number, not the "
                "concern", f"{m['Subject']} {text!r}")
    S.check(not [g for g in sms.got if g[3] >= t0],
            "no SMS to Erika for it", repr(sms.got[-1:]))


def test_smtp_down():
    sink.stop()
    st, n = new_note(concern="Während der Störung")
    S.check(st == 201, "a note while the SMTP server is down: 201", f"{st}")
    if st != 201:
        sink.start()
        return

    def waiting():
        d = [x for x in deliveries(n["id"]) if x["channel"] == "mail"]
        return d and d[0]["state"] == "pending" and d[0]["attempts"] >= 1

    ok = wait_for(waiting, 15)
    d = [x for x in deliveries(n["id"]) if x["channel"] == "mail"]
    S.check(ok and d[0]["last_error"] == "mail server unreachable" and
            d[0]["next_attempt_at"],
            "the mail waits: pending, attempts >= 1, the generic reason "
            "\"mail server unreachable\"", repr(d))
    sink.start()
    ok = wait_for(lambda: all_sent(n["id"], 3), 20)
    S.check(ok and len(mails_for(n["id"])) == 1,
            "once the sink is back the mail is delivered, once",
            repr(deliveries(n["id"])))


def test_gateway_refuses():
    """The SMS gateway's 401 is final (failed, "HTTP 401", not billed);
    its 503 is retried until it answers 200."""
    sms_of = (lambda nid: [x for x in deliveries(nid)
                           if x["channel"] == "sms"])
    sms.status = 401
    st, n = new_note(concern="Gateway sagt nein")
    ok = wait_for(lambda: sms_of(n["id"]) and
                  sms_of(n["id"])[0]["state"] == "failed", 15)
    d = sms_of(n["id"])
    S.check(ok and d[0]["attempts"] == 1 and
            d[0]["last_error"] == "HTTP 401",
            "a 401 of the SMS gateway: failed at once, \"HTTP 401\"",
            repr(d))
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"))
    cnt = db.execute("SELECT count(*) FROM sms_charges WHERE note_id = ?",
                     (n["id"],)).fetchone()[0]
    db.close()
    S.check(cnt == 0, "an SMS not sent is not billed", cnt)
    sms.status = 503
    st, n = new_note(concern="Gateway ist beschäftigt")
    ok = wait_for(lambda: sms_of(n["id"]) and
                  sms_of(n["id"])[0]["attempts"] >= 1 and
                  sms_of(n["id"])[0]["state"] == "pending", 15)
    d = sms_of(n["id"])
    S.check(ok and d[0]["last_error"] == "HTTP 503",
            "a 503: pending, retried (\"HTTP 503\")", repr(d))
    sms.status = 200
    ok = wait_for(lambda: sms_of(n["id"])[0]["state"] == "sent", 15)
    S.check(ok and sms_of(n["id"])[0]["attempts"] >= 2,
            "... and sent once the gateway answers 200", repr(sms_of(n["id"])))


def test_kill9():
    st, n = new_note(concern="Vor dem Absturz")
    sb.proc.send_signal(signal.SIGKILL)
    sb.proc.wait()
    sb.log.close()
    S.check(st == 201, "a note saved (201), then kill -9 at once", f"{st}")
    if st != 201:
        return
    sb.start()
    st, r = api("GET", f"{V}/notes/{n['id']}", token=env["tok"]["admin"])
    S.check(st == 200 and r["concern"] == "Vor dem Absturz" and
            r["version"] == 1, "after the restart the note is there",
            f"{st} {r}")
    ok = wait_for(lambda: all_sent(n["id"], 3), 20)
    S.check(ok and len(mails_for(n["id"])) >= 1,
            "... and its deliveries are made (mail, SMS, webhook)",
            repr(deliveries(n["id"])))


def main():
    global sink, sms, hook
    sink = Sink(free_port(socket_kind()))
    sink.start()
    sms = Receiver()
    hook = Receiver()
    try:
        start_server()
        S.run(setup)
        S.run(test_settings)
        S.run(test_create_and_deliver)
        S.run(test_validation)
        S.run(test_roles)
        S.run(test_edit_and_history)
        S.run(test_link)
        S.run(test_full_text)
        S.run(test_put_through)
        S.run(test_smtp_down)
        S.run(test_gateway_refuses)
        S.run(test_kill9)
        code = sb.stop()
        S.check(code == 0, "the server stops cleanly (no leaks)",
                f"exit {code}\n{sb.tail(30)}")
    finally:
        if sb:
            sb.cleanup()
        sink.stop()
        sms.stop()
        hook.stop()
    S.finish()


def socket_kind():
    import socket
    return socket.SOCK_STREAM


if __name__ == "__main__":
    main()
