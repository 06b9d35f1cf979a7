#!/usr/bin/env python3
"""outbox.py - the persistent outbox and its first channel, e-mail over SMTP
(issue 14, section 5), against a real SMTP server: aiosmtpd (Debian's
python3-aiosmtpd) on 127.0.0.1 and a free port, run in this process with a
handler that records every message, can refuse a recipient with 550 or
451, can hang in DATA, and checks SMTP AUTH.

  * POST /api/v1/outbox/test-mail with a WAV attachment: the mail arrives
    (Python's email module: exact subject, From, To, Cc, envelope, the
    attachment's content type, file name and exact bytes; AUTH with the
    configured user and password); the row is sent, attempts 1
  * with the sink stopped the row is pending with attempts >= 1 and the
    connection error as last_error; it is delivered once the sink is back
  * 451 for a recipient: retried, then sent (attempts 2)
  * 550 for a recipient: failed at once with the server's reason
  * a missing attachment: failed at once with a reason naming the file
  * --outbox-attempts: the last attempt fails for good
  * kill -9 while sending (the sink hangs in DATA): the row is left in
    "sending"; after a restart on the same data directory it is sent,
    exactly once; kill -9 right after an enqueue: the row is in the
    database and the mail is delivered after the restart
  * the API: list with state, tenant_id and limit filters, one row, 401
    without a token, 403 for another role (with no address in the
    answer), 400 naming the field for a bad address, 409 without SMTP
  * the SMTP settings given by SWITCHBOARD_* variables (first server) and
    by flags (after the restart); the password is never in the log

The server runs with --outbox-retry-base 1 --outbox-retry-max 2, so a
retry comes one or two seconds after a failure.
"""
import asyncio
import warnings
import email
import email.policy
import hashlib
import os
import signal
import socket
import sqlite3
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from sb import Suite, Switchboard, free_port  # noqa: E402
from peers import make_tone_wav, wait_for  # noqa: E402

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult  # noqa: E402

warnings.filterwarnings("ignore", message="Session.login_data")
s = Suite("outbox")
sb = None
sink = None
PROMPTS = None
DEMO_TENANT = None

FROM = "pbx@switchboard.example"
USER = "pbx-mailer"
PASSWORD = "Sm7p-geheim-4711"
SUBJECT = "Switchboard test mail"
TO = "max.mustermann@kunde.example"
CC = "erika.musterfrau@kunde.example"
UNKNOWN = "nobody@kunde.example"
LATER = "later@kunde.example"
REJECT_550 = (f"550 5.1.1 <{UNKNOWN}>: Recipient address rejected: "
              "User unknown")


# docs/api.md, "Outbox"
FIELDS = {"id", "tenant_id", "channel", "state", "attempts",
          "next_attempt_at", "last_error", "from", "to", "cc", "subject",
          "attachments", "created_at", "sent_at", "delivered_at"}


class Sink:
    """An SMTP server that records what it accepts."""

    def __init__(self, port):
        self.port = port
        self.msgs = []        # (mail_from, rcpt_tos, bytes)
        self.auth = []        # (mechanism, login, password)
        self.reject = {UNKNOWN: REJECT_550}
        self.tempfail = {}    # address -> 451 answers left
        self.hang = False     # DATA waits, then 451, records nothing
        self.hung = 0         # DATA commands that hung
        self.ctl = None

    async def handle_RCPT(self, server, session, envelope, address, opts):
        if address in self.reject:
            return self.reject[address]
        if self.tempfail.get(address, 0) > 0:
            self.tempfail[address] -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hang:
            self.hung += 1
            await asyncio.sleep(20)
            return "451 4.3.0 Too late"
        self.msgs.append((envelope.mail_from, list(envelope.rcpt_tos),
                          bytes(envelope.original_content or
                                envelope.content)))
        return "250 2.0.0 Ok: queued"

    def authenticator(self, server, session, envelope, mechanism, data):
        login = data.login.decode() if data.login else ""
        pw = data.password.decode() if data.password else ""
        self.auth.append((mechanism, login, pw))
        return AuthResult(success=(login == USER and pw == PASSWORD))

    def start(self):
        self.ctl = Controller(self, hostname="127.0.0.1", port=self.port,
                              authenticator=self.authenticator,
                              auth_require_tls=False)
        self.ctl.start()

    def stop(self):
        if self.ctl:
            self.ctl.stop()
            self.ctl = None

    def by_msgid(self, msgid):
        out = []
        for m in self.msgs:
            msg = email.message_from_bytes(m[2], policy=email.policy.default)
            if msg["Message-ID"] == msgid:
                out.append((m, msg))
        return out


def row(oid):
    st, r = sb.api("GET", f"/api/v1/outbox/{oid}")
    return r if st == 200 else None


def db_row(oid):
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    try:
        return con.execute("SELECT state, attempts, subject, mail_to FROM "
                           "outbox WHERE id = ?", (oid,)).fetchone()
    finally:
        con.close()


def test_mail(to=TO, **kw):
    body = {"to": to}
    body.update(kw)
    return sb.api("POST", "/api/v1/outbox/test-mail", body)


def msgid_of(r):
    """The Message-ID smtp.c gives row r (the same on every attempt)."""
    ms = int(time_ms(r["created_at"]))
    return f"<outbox.{r['id']}.{ms}@switchboard.example>"


def time_ms(iso):
    from datetime import datetime, timezone
    d = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ")
    return round(d.replace(tzinfo=timezone.utc).timestamp() * 1000)


def wait_state(oid, state, timeout=15):
    return wait_for(lambda: (row(oid) or {}).get("state") == state and
                    row(oid), timeout, f"outbox {oid} {state}",
                    lambda: repr(row(oid)))


# ---- the mail arrives ----

def check_delivered():
    wav = os.path.join(PROMPTS, "greeting.wav")
    make_tone_wav(wav, 440, 1.5)
    data = open(wav, "rb").read()
    n0 = len(sink.msgs)
    st, r = test_mail(cc=CC, tenant_id=DEMO_TENANT, attachment="greeting.wav")
    s.check(st == 202 and r["state"] in ("pending", "sending") and
            r["channel"] == "mail" and r["to"] == [TO] and r["cc"] == [CC]
            and r["from"] == FROM and r["subject"] == SUBJECT and
            r["tenant_id"] == DEMO_TENANT and r["sent_at"] is None and
            r["attachments"] == [{"name": "greeting.wav",
                                  "type": "audio/wav"}],
            "POST test-mail: 202 with its outbox row (pending, recipients, "
            "subject, attachment)", f"{st} {r}")
    oid = r["id"]
    s.check(set(r) == FIELDS, "an outbox row has exactly the documented "
            "fields", repr(sorted(set(r) ^ FIELDS)))
    got = wait_state(oid, "sent")
    s.check(got["attempts"] == 1 and got["last_error"] is None and
            got["sent_at"] and got["next_attempt_at"] is None,
            "the row is sent after one attempt, sent_at set", repr(got))
    s.check(len(sink.msgs) == n0 + 1, "exactly one message arrived",
            f"{len(sink.msgs) - n0}")
    mfrom, rcpts, raw = sink.msgs[-1]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    s.check(mfrom == FROM and rcpts == [TO, CC],
            "envelope: MAIL FROM the --smtp-from, RCPT TO the To and Cc",
            f"{mfrom} {rcpts}")
    s.check(msg["Subject"] == SUBJECT and msg["From"] == FROM and
            msg["To"] == TO and msg["Cc"] == CC and
            msg["Message-ID"] == msgid_of(got) and msg["Date"],
            "headers: exact Subject, From, To, Cc, Message-ID, a Date",
            repr(dict(msg.items())))
    parts = [p for p in msg.walk() if not p.is_multipart()]
    text = [p for p in parts if p.get_content_type() == "text/plain"]
    att = [p for p in parts if p.get_filename()]
    s.check(msg.get_content_type() == "multipart/mixed" and len(parts) == 2
            and len(text) == 1 and "node1" in text[0].get_content(),
            "multipart/mixed: a text part naming the node, one attachment",
            repr([p.get_content_type() for p in parts]))
    s.check(len(att) == 1 and att[0].get_content_type() == "audio/wav" and
            att[0].get_filename() == "greeting.wav" and
            att[0].get_payload(decode=True) == data,
            "the attachment is audio/wav, greeting.wav, the file's exact "
            f"{len(data)} bytes",
            repr(att and (att[0].get_content_type(), att[0].get_filename(),
                          len(att[0].get_payload(decode=True) or b""))))
    s.check(bool(sink.auth) and sink.auth[-1][1:] == (USER, PASSWORD),
            "SMTP AUTH with --smtp-user and --smtp-password",
            repr([a[:2] for a in sink.auth]))


def check_utf8_subject():
    subj = ("Neue Sprachnachricht für Jürgen Größe – Rückruf erbeten, "
            "Anrufer +49 221 82829900, Dauer 0:42 — Mailbox Zentrale")
    st, r = test_mail(subject=subj)
    got = wait_state(r["id"], "sent")
    hits = sink.by_msgid(msgid_of(got))
    raw = hits[0][0][2] if hits else b""
    head = raw.split(b"\r\n\r\n", 1)[0]
    s.check(r["subject"] == subj and len(hits) == 1 and
            hits[0][1]["Subject"] == subj and b"=?UTF-8?B?" in head and
            all(b < 0x80 for b in head),
            "a UTF-8 subject longer than one encoded word arrives exact "
            "(RFC 2047, the header is ASCII)",
            repr((r.get("subject"), hits and hits[0][1]["Subject"])))


def check_sink_down():
    sink.stop()
    st, r = test_mail()
    oid = r["id"]
    got = wait_for(lambda: (lambda x: x and x["state"] == "pending" and
                            x["attempts"] >= 1 and x)(row(oid)), 15,
                   "a failed attempt", lambda: repr(row(oid)))
    want = f"curl: Failed to connect to 127.0.0.1 port {sink.port}"
    s.check(got["last_error"].startswith(want) and got["next_attempt_at"]
            and got["sent_at"] is None,
            "sink down: pending, attempts >= 1, last_error names the "
            "refused connection, a next attempt", repr(got))
    n0 = len(sink.msgs)
    time.sleep(2.5)
    got2 = row(oid)
    s.check(got2["state"] == "pending" and
            got2["attempts"] > got["attempts"],
            "still pending, and retried while the sink is down",
            f"{got['attempts']} -> {got2}")
    sink.start()
    done = wait_state(oid, "sent", 10)
    s.check(len(sink.by_msgid(msgid_of(done))) == 1 and
            len(sink.msgs) == n0 + 1 and done["last_error"] is None and
            done["attempts"] >= got2["attempts"] + 1,
            "sink back: the mail is delivered, once", repr(done))


def check_tempfail():
    sink.tempfail[LATER] = 1
    st, r = test_mail(to=LATER)
    done = wait_state(r["id"], "sent")
    s.check(done["attempts"] == 2 and len(sink.by_msgid(msgid_of(done))) == 1,
            "451 for a recipient: retried, sent at the second attempt",
            repr(done))


def check_550():
    n0 = len(sink.msgs)
    st, r = test_mail(to=UNKNOWN)
    got = wait_state(r["id"], "failed")
    want = f"SMTP {REJECT_550} (curl: RCPT failed: 550)"
    s.check(got["attempts"] == 1 and got["last_error"] == want and
            got["next_attempt_at"] is None and len(sink.msgs) == n0,
            "550 unknown recipient: failed at once, the server's reason",
            repr(got))


def check_missing_attachment():
    st, r = test_mail(attachment="missing.wav")
    got = wait_state(r["id"], "failed")
    want = (f"attachment missing.wav: cannot read {PROMPTS}/missing.wav: "
            "No such file or directory")
    s.check(got["attempts"] == 1 and got["last_error"] == want,
            "missing attachment: failed at once, the reason names the file",
            repr(got))


# ---- the API ----

def add_token(role, tenant_id):
    token = os.urandom(32).hex()
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    try:
        con.execute("INSERT INTO api_tokens (token_sha256, role, tenant_id,"
                    " name, created_at) VALUES (?, ?, ?, ?, ?)",
                    (hashlib.sha256(token.encode()).hexdigest(), role,
                     tenant_id, f"test {role}", 0))
        con.commit()
    finally:
        con.close()
    return token


def check_api():
    st, all_ = sb.api("GET", "/api/v1/outbox")
    s.check(st == 200 and len(all_) >= 5 and
            [x["id"] for x in all_] == sorted([x["id"] for x in all_],
                                              reverse=True),
            "GET /outbox: every row, newest first", f"{st} {len(all_)}")
    st, sent = sb.api("GET", "/api/v1/outbox?state=sent")
    st2, failed = sb.api("GET", "/api/v1/outbox?state=failed")
    s.check(st == 200 and st2 == 200 and sent and failed and
            all(x["state"] == "sent" for x in sent) and
            all(x["state"] == "failed" for x in failed) and
            {x["id"] for x in sent} | {x["id"] for x in failed} <=
            {x["id"] for x in all_},
            "?state=sent and ?state=failed list only those",
            f"{len(sent)} {len(failed)}")
    st, mine = sb.api("GET", f"/api/v1/outbox?tenant_id={DEMO_TENANT}")
    s.check(st == 200 and len(mine) == 1 and
            mine[0]["tenant_id"] == DEMO_TENANT,
            "?tenant_id: only that tenant's deliveries (the others are the "
            "system's own)", repr(mine))
    st, other = sb.api("GET", f"/api/v1/outbox?tenant_id={DEMO_TENANT + 1}")
    s.check(st == 200 and other == [], "another tenant sees none of them",
            repr(other))
    st, one = sb.api("GET", "/api/v1/outbox?limit=1")
    s.check(st == 200 and len(one) == 1 and one[0]["id"] == all_[0]["id"],
            "?limit=1: the newest", repr(one))
    st, r = sb.api("GET", "/api/v1/outbox?state=lost")
    s.check(st == 400 and r == {"error": "state: must be pending, sending, "
                                "sent, failed or delivered"},
            "?state=lost: 400 naming the states", f"{st} {r}")
    st, r = sb.api("GET", "/api/v1/outbox/999999")
    s.check(st == 404 and r == {"error": "outbox 999999 not found"},
            "GET /outbox/999999: 404", f"{st} {r}")
    for body, want in (
            ({"to": "not-an-address"}, "to: must be one e-mail address like "
             "name@example.com"),
            ({"to": "a@b.example, c@d.example"}, "to: must be one e-mail "
             "address like name@example.com"),
            ({"to": TO, "cc": "x y@z"}, "cc: must be one e-mail address "
             "like name@example.com"),
            ({}, "to: is required"),
            ({"to": TO, "bcc": TO}, "bcc: unknown field"),
            ({"to": TO, "attachment": "../etc/passwd"}, "attachment: must "
             "be a file name inside the prompts directory"),
            ({"to": TO, "subject": "a\r\nBcc: x@y.example"}, "subject: "
             "must be UTF-8 text without control characters")):
        n0 = len(all_)
        st, r = sb.api("POST", "/api/v1/outbox/test-mail", body)
        s.check(st == 400 and r == {"error": want},
                f"test-mail {body}: 400 {want!r}", f"{st} {r}")
    st, r = test_mail(tenant_id=999999)
    s.check(st == 422 and r == {"error": "tenant_id: tenant 999999 does not "
                                "exist"}, "test-mail for a tenant that does "
            "not exist: 422", f"{st} {r}")
    s.check(len(sb.api("GET", "/api/v1/outbox")[1]) == n0,
            "the refused test mails queued nothing")

    routes = [("GET", "/api/v1/outbox", None),
              ("GET", f"/api/v1/outbox/{all_[0]['id']}", None),
              ("POST", "/api/v1/outbox/test-mail", {"to": TO})]
    for m, path, body in routes:
        st, r = sb.api(m, path, body, token=None)
        s.check(st == 401 and r == {"error": "missing or invalid token"},
                f"{m} {path} without a token: 401", f"{st} {r}")
    tok = add_token("agent", DEMO_TENANT)
    for m, path, body in routes:
        st, r = sb.api(m, path, body, token=tok)
        s.check(st == 403 and r == {"error": f"role agent may not {m} "
                                    f"{path}"} and "@" not in repr(r),
                f"{m} {path} as an agent of the tenant: 403, no address",
                f"{st} {r}")


# ---- kill -9 ----

def kill9():
    sb.proc.send_signal(signal.SIGKILL)
    sb.proc.wait()
    sb.log.close()


def check_kill_while_sending():
    sink.hang = True
    hung0 = sink.hung
    st, r = test_mail()
    oid = r["id"]
    wait_for(lambda: sink.hung > hung0, 10, "the sink holding DATA")
    kill9()
    s.check(db_row(oid)[:2] == ("sending", 0),
            "kill -9 while sending: the row is left in 'sending'",
            repr(db_row(oid)))
    sink.hang = False
    return oid


def check_kill_after_enqueue():
    sink.stop()
    st, r = test_mail()
    kill9()
    oid = r["id"]
    got = db_row(oid)
    s.check(st == 202 and got is not None and got[0] != "sent" and
            got[2] == SUBJECT and got[3] == TO,
            "kill -9 right after the enqueue: the row is in the database",
            repr(got))
    sink.start()
    return oid


def restart_with_flags(extra):
    """Restart on the same data directory, the SMTP settings as flags
    now."""
    sb.env = {k: v for k, v in sb.env.items()
              if not k.startswith("SWITCHBOARD_SMTP")}
    sb.args += ["--smtp-url", f"smtp://127.0.0.1:{sink.port}",
                "--smtp-from", FROM, "--smtp-user", USER,
                "--smtp-password", PASSWORD] + extra
    sb.start()


def check_after_restart(oid, what):
    done = wait_state(oid, "sent", 15)
    s.check(len(sink.by_msgid(msgid_of(done))) == 1,
            f"after the restart {what} is delivered, exactly once",
            repr(done))


def check_gives_up():
    """--outbox-attempts 3 (set by the restart): the third failure is
    final."""
    sink.stop()
    st, r = test_mail()
    got = wait_state(r["id"], "failed", 20)
    s.check(got["attempts"] == 3 and got["last_error"].startswith(
        "curl: Failed to connect to 127.0.0.1 port") and
        got["next_attempt_at"] is None,
        "sink down for good: failed after --outbox-attempts 3, with the "
        "reason", repr(got))
    sink.start()


def check_no_smtp():
    other = Switchboard(own_trunk_port=False)
    try:
        other.start()
        st, r = other.api("POST", "/api/v1/outbox/test-mail", {"to": TO})
        s.check(st == 409 and r == {"error": "smtp: no SMTP server "
                                    "configured (--smtp-url)"},
                "without --smtp-url: test-mail 409", f"{st} {r}")
        s.check("notify: no --smtp-url: mails wait in the outbox" in
                other.logtext(), "and the log says mails wait")
        s.check(other.stop() == 0, "clean exit of that server")
    finally:
        other.cleanup()


def main():
    global sb, sink, PROMPTS, DEMO_TENANT
    sink = Sink(free_port(socket.SOCK_STREAM))
    sink.start()
    PROMPTS = tempfile.mkdtemp(prefix="sbtest-outbox-prompts-")
    env = {"SWITCHBOARD_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
           "SWITCHBOARD_SMTP_FROM": FROM, "SWITCHBOARD_SMTP_USER": USER,
           "SWITCHBOARD_SMTP_PASSWORD": PASSWORD}
    sb = Switchboard(extra_args=["--prompts", PROMPTS, "--log-level", "debug",
                                 "--outbox-retry-base", "1",
                                 "--outbox-retry-max", "2"],
                     env=env, own_trunk_port=False)
    try:
        sb.start()
        st, ts = sb.api("GET", "/api/v1/tenants")
        DEMO_TENANT = ts[0]["id"]
        for t in (check_delivered, check_utf8_subject, check_sink_down, check_tempfail,
                  check_550, check_missing_attachment, check_api):
            s.run(t)
        cut = check_kill_while_sending()
        restart_with_flags(["--outbox-attempts", "3"])
        s.check("1 deliveries cut by the last stop are pending again" in
                sb.logtext(), "the restart says it requeued the cut "
                "delivery")
        s.run(check_after_restart, cut,
              "the mail cut by kill -9 while sending (sent once, "
              "attempts 1)")
        s.check(row(cut)["attempts"] == 1, "the cut attempt is not counted",
                repr(row(cut)))
        queued = check_kill_after_enqueue()
        sb.start()
        s.run(check_after_restart, queued,
              "the mail queued right before kill -9")
        s.run(check_gives_up)
        log = sb.logtext()
        s.check(PASSWORD not in log and
                sum(1 for a in sink.auth if a[2] == PASSWORD) >= 2,
                "the SMTP password is used (env, then flag) and never in "
                "the log (debug level)")
        code = sb.stop()
        s.check(code == 0, "exit code 0 after SIGTERM (no ASan report)",
                f"{code}\n{sb.tail(30)}")
        s.run(check_no_smtp)
    finally:
        if s.failed:
            print(sb.tail(30), flush=True)
        sb.cleanup()
        sink.stop()
        for f in os.listdir(PROMPTS):
            os.unlink(os.path.join(PROMPTS, f))
        os.rmdir(PROMPTS)
    s.finish()


if __name__ == "__main__":
    main()
