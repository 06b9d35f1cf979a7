#!/usr/bin/python3
"""Voicemail (issue 14, section 5) end to end: mailboxes over HTTP, real
calls from baresip that leave messages, their mails at an SMTP sink
(aiosmtpd, as in outbox.py), and the promises of durability.

  * /api/v1/mailboxes: created and read back exactly; bad fields are
    refused with a 422 naming them (email_to, greeting, min_ms, an
    employee that does not exist); one mailbox per employee (409); a
    mailbox a number routes to cannot be deleted (409); 401 without a
    token.
  * A message: baresip 1001 calls the central mailbox's number playing a
    440 Hz WAV, waits for the recording to start (the default greeting
    spoken with the mailbox's name, then the beep), holds 3 s and hangs
    up.  The messages API lists it with exact fields; the mail arrives at
    the sink: exact subject, To, Cc, body lines, a WAV attachment
    (8 kHz mono 16-bit) whose length is the message's duration_ms within
    20 ms (one packet: the recorder counts what it wrote) and which holds
    the caller's 440 Hz tone.  duration_ms is the time between the
    "recording" log line and the hang-up: 3 s, within -100 ms (the first
    packet) and +600 ms (the log is polled every 50 ms, baresip's hang-up
    command and the BYE on two cores under ASan).  /audio returns the
    same bytes as the attachment; PATCH heard; DELETE removes row and
    file.
  * An uploaded greeting (greeting: a file of the prompts directory).
  * Too short (hang-up 0.2 s into the recording, min_ms 1000): no row,
    no mail, no file.
  * SMTP sink stopped: the message's mail is pending with attempts >= 1
    and "mail server unreachable" as last_error (the generic reason; the
    raw one is the operator's, GET /outbox); the sink back, it arrives.
  * Erika's mailbox by its conditions (seeds/003): no device registered
    -> the mailbox at once; her phone rings no_answer_s (2 s) unanswered
    -> the mailbox; her phone answers busy (486) -> the mailbox; the
    mailbox off -> the caller gets 480 as before; its schedule says
    closed while the mailbox is for "open" -> 480, no mailbox.
  * kill -9 right after the message is reported saved (sink stopped, so
    the mail is still pending): after the restart the row, the file and
    the mail are there, and the mail is delivered with the file's bytes.

The server runs with --outbox-retry-base 1 --outbox-retry-max 2.
"""
import array
import calendar
import io
import os
import re
import signal
import socket
import sqlite3
import sys
import time
import urllib.request
import warnings
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from sb import DEMO, Suite, Switchboard, demo_ids, free_port  # noqa: E402
from peers import Baresip, make_tone_wav, wait_for  # noqa: E402
from audio import is_tone  # noqa: E402

from smtp_sink import SmtpSink  # noqa: E402

warnings.filterwarnings("ignore", message="Session.login_data")
S = Suite("voicemail")
PW = DEMO["devices"]
FROM = "pbx@switchboard.example"
TO = "zentrale@kunde.example"
CC = "chefin@kunde.example"
ERIKA_MAIL = "erika@kunde.example"
NUMBER = "+4922182829960"
FIELDS = {"id", "tenant_id", "name", "employee_id", "active", "greeting",
          "email_to", "email_cc", "attach", "min_ms", "max_ms",
          "silence_ms", "at_once", "no_answer_s", "on_busy",
          "on_unreachable", "schedule_id", "schedule_state", "created_at"}


Sink = SmtpSink


sb = None
sink = None
WAV440 = None


def audio_get(mid):
    req = urllib.request.Request(
        f"http://127.0.0.1:{sb.http_port}/api/v1/messages/{mid}/audio")
    req.add_header("Authorization", f"Bearer {sb.token}")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.headers.get("Content-Type"), r.read()


def messages(box):
    st, r = sb.api("GET", f"/api/v1/mailboxes/{box}/messages")
    return r if st == 200 else None


def wait_messages(box, n, timeout=10):
    return wait_for(lambda: (len(messages(box) or []) >= n and
                             messages(box)) or None, timeout,
                    f"{n} messages on mailbox {box}")


def wait_mail_state(mid, state, timeout=15):
    def get():
        st, m = sb.api("GET", f"/api/v1/messages/{mid}")
        return m if st == 200 and m["mail"] and \
            m["mail"]["state"] == state else None
    return wait_for(get, timeout, f"message {mid}'s mail {state}")


def wav_info(data):
    w = wave.open(io.BytesIO(data))
    return (w.getframerate(), w.getnchannels(), w.getsampwidth(),
            w.getnframes(), w.readframes(w.getnframes()))


def log_mark():
    return len(sb.logtext())


def wait_log(pattern, since, timeout=20):
    """The first match of pattern in the log after offset since; its time
    of discovery."""
    rx = re.compile(pattern)

    def find():
        m = rx.search(sb.logtext()[since:])
        return m
    m = wait_for(find, timeout, f"log {pattern!r}")
    return m, time.time()


def leave_message(phone, dialled, hold, box):
    """phone calls dialled, waits until mailbox box records, holds, hangs
    up; (seconds held after the recording began)."""
    mark = log_mark()
    m = phone.mark()
    phone.dial(f"sip:{dialled}@127.0.0.1:{sb.sip_port}")
    ev = phone.wait_event("CALL_ESTABLISHED", 10, since=m)
    S.check(ev is not None, f"{dialled}: the mailbox answers")
    wait_log(rf"voicemail: \S+: mailbox {box}: recording", mark, 30)
    t0 = time.time()
    time.sleep(hold)
    phone.hangup()
    held = time.time() - t0
    phone.wait_event("CALL_CLOSED", 10, since=m)
    return held


def mailbox_body(tid, **kw):
    body = {"tenant_id": tid, "name": "Empfang", "email_to": TO,
            "email_cc": CC}
    body.update(kw)
    return body


def test_api(ids):
    tid, ann, erika = ids
    post = lambda **kw: sb.api("POST", "/api/v1/mailboxes",  # noqa: E731
                               mailbox_body(tid, **kw))
    S.error_is("a bad e-mail address: 422 naming email_to",
               post(email_to="zentrale at kunde"), 422,
               "email_to: must be e-mail addresses (local@domain) "
               "separated by commas")
    S.error_is("a bad cc: 422 naming email_cc",
               post(email_cc="a@b.example, <x>"), 422,
               "email_cc: must be e-mail addresses (local@domain) "
               "separated by commas")
    S.error_is("a greeting outside the prompts: 422",
               post(greeting="../etc/passwd"), 422,
               "greeting: must be a file name under the prompts directory")
    S.error_is("min_ms not below max_ms: 422",
               post(min_ms=5000, max_ms=5000), 422,
               "min_ms: must be less than max_ms (5000)")
    S.error_is("max_ms too short: 422", post(max_ms=10), 422,
               "max_ms: must be from 1000 to 600000 ms")
    S.error_is("an employee that does not exist: 422",
               post(employee_id=99999), 422,
               "employee_id: employee 99999 does not exist")
    S.error_is("schedule_state none: 422", post(schedule_state="never"),
               422, "schedule_state: must be open, closed or holiday")
    st, m = post()
    want = {"tenant_id": tid, "name": "Empfang", "employee_id": None,
            "active": True, "greeting": None, "email_to": TO,
            "email_cc": CC, "attach": True, "min_ms": 1000,
            "max_ms": 120000, "silence_ms": 5000, "at_once": False,
            "no_answer_s": 20, "on_busy": True, "on_unreachable": True,
            "schedule_id": None, "schedule_state": "open"}
    got = {k: v for k, v in (m or {}).items() if k not in ("id",
                                                           "created_at")}
    S.check(st == 201 and got == want and set(m) == FIELDS,
            "POST: 201, as sent, the defaults", f"{st} {m}")
    st, g = sb.api("GET", f"/api/v1/mailboxes/{m['id']}")
    S.check(st == 200 and g == m, "GET returns the same", f"{st} {g}")
    S.error_is("the same name again: 409", post(), 409,
               "name: Empfang exists already")
    st, e = sb.api("POST", "/api/v1/mailboxes",
                   {"tenant_id": tid, "name": "Erika", "employee_id": erika,
                    "no_answer_s": 2})
    S.check(st == 201 and e["employee_id"] == erika and
            e["email_to"] is None, "Erika's mailbox: 201", f"{st} {e}")
    S.error_is("Erika cannot be deleted while she has a mailbox: 409",
               sb.api("DELETE", f"/api/v1/employees/{erika}"), 409,
               f"employee {erika} has mailbox {e['id']}; delete the "
               "mailbox first")
    S.error_is("a second mailbox for Erika: 409",
               sb.api("POST", "/api/v1/mailboxes",
                      {"tenant_id": tid, "name": "Erika 2",
                       "employee_id": erika}), 409,
               f"employee_id: employee {erika} has mailbox {e['id']} "
               "already")
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": NUMBER,
                    "target_type": "voicemail", "target_id": m["id"]})
    S.check(st == 201 and n["target_type"] == "voicemail",
            "a number routed to the mailbox: 201", f"{st} {n}")
    S.error_is("the mailbox a number routes to cannot be deleted: 409",
               sb.api("DELETE", f"/api/v1/mailboxes/{m['id']}"), 409,
               f"mailbox {m['id']} is in use by a number, a schedule or a "
               "menu")
    S.error_is("GET /mailboxes/99999: 404",
               sb.api("GET", "/api/v1/mailboxes/99999"), 404,
               "mailbox 99999 not found")
    S.error_is("GET /messages/99999: 404",
               sb.api("GET", "/api/v1/messages/99999"), 404,
               "message 99999 not found")
    for path in ("/api/v1/mailboxes", f"/api/v1/mailboxes/{m['id']}/"
                 "messages", "/api/v1/messages/1/audio"):
        S.error_is(f"GET {path} without a token: 401",
                   sb.api("GET", path, token=None), 401,
                   "missing or invalid token")
    return m["id"], e["id"]


def check_mail(i, msg, box_name):
    """Mail i of the sink reports message msg: headers, body, WAV."""
    mail = sink.message(i)
    mfrom, rcpts, _ = sink.msgs[i]
    subject = f"Neue Sprachnachricht von 1001 für {box_name}"
    S.check(mail["Subject"] == subject and mail["From"] == FROM and
            mail["To"] == TO and mail["Cc"] == CC and
            sorted(rcpts) == sorted([TO, CC]) and mfrom == FROM,
            "the mail: subject, From, To, Cc, envelope",
            f"{mail['Subject']!r} {mail['From']} {mail['To']} "
            f"{mail['Cc']} {rcpts}")
    body = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    secs = (msg["duration_ms"] + 500) // 1000
    S.check(f"Neue Sprachnachricht in der Mailbox {box_name}.\n" in body and
            "Anrufer: 1001 (Max Mustermann)\n" in body and
            f"Dauer: {secs // 60}:{secs % 60:02d}\n" in body and
            "Die Nachricht ist als WAV-Datei angehängt." in body,
            "the body: mailbox, caller, duration, attached", repr(body))
    epoch = calendar.timegm(time.strptime(msg["started_at"][:19],
                                          "%Y-%m-%dT%H:%M:%S"))
    zone = re.search(r"Zeit: (\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d):(\d\d) "
                     r"\((MEZ|MESZ)\)\n", body)
    ok = False
    if zone:
        off = 1 if zone.group(7) == "MEZ" else 2
        local = time.gmtime(epoch + off * 3600)
        ok = (int(zone.group(3)), int(zone.group(2)), int(zone.group(1)),
              int(zone.group(4)), int(zone.group(5)),
              int(zone.group(6))) == tuple(local[:6])
    S.check(ok, "the body: the time in Berlin with its zone", body)
    atts = list(mail.iter_attachments())
    S.check(len(atts) == 1 and atts[0].get_content_type() == "audio/wav",
            "one attachment, audio/wav", repr([a.get_content_type()
                                               for a in atts]))
    data = atts[0].get_content()
    rate, ch, width, frames, raw = wav_info(data)
    ms = frames * 1000 // rate
    S.check((rate, ch, width) == (8000, 1, 2) and
            abs(ms - msg["duration_ms"]) <= 20,
            "the attachment is a WAV, 8 kHz mono 16-bit, as long as the "
            "message (20 ms)", f"{rate} {ch} {width} {ms} ms vs "
            f"{msg['duration_ms']}")
    return data


def test_message(box):
    a = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port),
                wav=WAV440)
    a.start()
    try:
        S.check(a.wait_registered(10), "1001 registers (playing 440 Hz)")
        n0 = len(sink.msgs)
        mark = log_mark()
        held = leave_message(a, NUMBER, 3.0, box)
        wait_log(r"voicemail: message \d+ saved", mark)
        msgs = wait_messages(box, 1)
        msg = msgs[-1]
        want = {"mailbox_id": box, "tenant_id": 1, "caller": "1001",
                "caller_name": "Max Mustermann", "heard": False}
        S.check({k: msg[k] for k in want} == want and
                set(msg) == {"id", "mailbox_id", "tenant_id", "caller",
                             "caller_name", "started_at", "duration_ms",
                             "heard", "mail", "created_at"},
                "the messages API lists it: mailbox, caller, name, heard",
                repr(msg))
        S.check(2900 <= msg["duration_ms"] <= held * 1000 + 600,
                "duration_ms: the 3 s held (-100/+600 ms)",
                f"{msg['duration_ms']} ms, held {held:.2f} s")
        done = wait_mail_state(msg["id"], "sent")
        S.check(done["mail"]["attempts"] == 1 and
                done["mail"]["last_error"] is None and
                done["mail"]["sent_at"] is not None,
                "its mail: sent at the first attempt", repr(done["mail"]))
        S.check(len(sink.msgs) == n0 + 1, "one mail at the sink")
        data = check_mail(n0, msg, "Empfang")
        rate, _, _, _, raw = wav_info(data)
        x = array.array("h")
        x.frombytes(raw)
        v = is_tone(list(x), 440)
        S.check(v, "the attachment holds the caller's 440 Hz", str(v))
        st, ctype, body = audio_get(msg["id"])
        S.check(st == 200 and ctype == "audio/wav" and body == data,
                "GET /audio: audio/wav, the attachment's bytes",
                f"{st} {ctype} {len(body)} vs {len(data)}")
        st, p = sb.api("PATCH", f"/api/v1/messages/{msg['id']}",
                       {"heard": True})
        S.check(st == 200 and p["heard"] is True, "PATCH heard: true",
                f"{st} {p}")
        S.error_is("PATCH caller: read-only",
                   sb.api("PATCH", f"/api/v1/messages/{msg['id']}",
                          {"caller": "x"}), 400, "caller: is read-only")
        path = sb_file(msg["id"])
        S.check(path and os.path.exists(path),
                "the message's file is in the voicemail directory",
                str(path))
        st, _ = sb.api("DELETE", f"/api/v1/messages/{msg['id']}")
        S.check(st == 204 and messages(box) == [] and
                not os.path.exists(path),
                "DELETE: 204, row and file gone", f"{st}")

        # an uploaded greeting: a prompt file, then the beep
        st, p = sb.api("PATCH", f"/api/v1/mailboxes/{box}",
                       {"greeting": "de/please_hold.wav"})
        S.check(st == 200 and p["greeting"] == "de/please_hold.wav",
                "PATCH greeting: a file of the prompts", f"{st} {p}")
        mark = log_mark()
        leave_message(a, NUMBER, 0.2, box)
        m, _ = wait_log(r"voicemail: \S+: mailbox \d+: (\d+) ms \((\d+) "
                        r"spoken\) is shorter than 1000 ms: dropped", mark)
        S.check("prompts/de/please_hold.wav" in sb.logtext()[mark:],
                "the uploaded greeting plays", sb.logtext()[mark:][-2000:])
        S.check(messages(box) == [] and len(sink.msgs) == n0 + 1 and
                not any(f.endswith(".wav") for f in vm_files()),
                "0.2 s (min_ms 1000): dropped: no row, no mail, no file",
                f"{messages(box)} {vm_files()}")
    finally:
        a.stop()


def sb_file(mid):
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"))
    try:
        r = con.execute("SELECT file FROM vm_messages WHERE id = ?",
                        (mid,)).fetchone()
        return r[0] if r else None
    finally:
        con.close()


def vm_files():
    d = os.path.join(sb.dir, "voicemail", "1")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def test_sink_down(box):
    a = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port),
                wav=WAV440)
    a.start()
    sink.stop()
    try:
        S.check(a.wait_registered(10), "1001 registers")
        n0 = len(sink.msgs)
        leave_message(a, NUMBER, 1.5, box)
        msg = wait_messages(box, 1)[-1]
        got = wait_for(lambda: (lambda m: m if m["mail"]["attempts"] >= 1
                                else None)(
            sb.api("GET", f"/api/v1/messages/{msg['id']}")[1]), 10,
            "a failed attempt")
        S.check(got["mail"]["state"] == "pending" and
                got["mail"]["last_error"] == "mail server unreachable" and
                got["mail"]["next_attempt_at"] is not None,
                "sink down: the mail is pending, the generic reason \"mail "
                "server unreachable\"", repr(got["mail"]))
        sink.start()
        done = wait_mail_state(msg["id"], "sent", 15)
        S.check(len(sink.msgs) == n0 + 1 and
                done["mail"]["attempts"] >= 2,
                "sink back: the mail is delivered", repr(done["mail"]))
        sb.api("DELETE", f"/api/v1/messages/{msg['id']}")
    finally:
        if not sink.ctl:
            sink.start()
        a.stop()


def test_employee(tid, ebox):
    """1001 calls Erika (1002); her mailbox no_answer_s 2, on_busy,
    on_unreachable."""
    a = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port),
                wav=WAV440)
    a.start()
    b = None
    try:
        S.check(a.wait_registered(10), "1001 registers")

        def call(what):
            mark = log_mark()
            m = a.mark()
            a.dial(f"sip:1002@127.0.0.1:{sb.sip_port}")
            return mark, m

        # no device of Erika registered: the mailbox at once
        mark, m = call("unreachable")
        ev = a.wait_event(("CALL_ESTABLISHED", "CALL_CLOSED"), 10, since=m)
        S.check(ev is not None and ev["type"] == "CALL_ESTABLISHED" and
                f"employee's mailbox {ebox}: no device registered" in
                sb.logtext()[mark:],
                "no device registered: Erika's mailbox answers", str(ev))
        a.hangup()
        a.wait_event("CALL_CLOSED", 10, since=m)

        b = Baresip("1002", PW["1002"], server=("127.0.0.1", sb.sip_port),
                    auto_answer=False)
        b.start()
        S.check(b.wait_registered(10), "1002 registers (does not answer)")
        # rings 2 s unanswered: the mailbox
        mb = b.mark()
        mark, m = call("no answer")
        S.check(b.wait_event("CALL_INCOMING", 10, since=mb) is not None,
                "Erika's phone rings")
        t0 = time.time()
        ev = a.wait_event(("CALL_ESTABLISHED", "CALL_CLOSED"), 10, since=m)
        took = time.time() - t0
        S.check(ev is not None and ev["type"] == "CALL_ESTABLISHED" and
                1.5 <= took <= 4.0 and
                f"employee's mailbox {ebox}: no answer" in
                sb.logtext()[mark:],
                "2 s unanswered: the mailbox answers",
                f"{ev} after {took:.1f} s")
        S.check(b.wait_event("CALL_CLOSED", 5, since=mb) is not None,
                "and Erika's phone stops ringing")
        a.hangup()
        a.wait_event("CALL_CLOSED", 10, since=m)

        # busy: her phone rejects (486)
        mb = b.mark()
        mark, m = call("busy")
        S.check(b.wait_event("CALL_INCOMING", 10, since=mb) is not None,
                "Erika's phone rings again")
        b.hangup()
        ev = a.wait_event(("CALL_ESTABLISHED", "CALL_CLOSED"), 10, since=m)
        S.check(ev is not None and ev["type"] == "CALL_ESTABLISHED" and
                f"employee's mailbox {ebox}: busy" in sb.logtext()[mark:],
                "busy (486): the mailbox answers", str(ev))
        a.hangup()
        a.wait_event("CALL_CLOSED", 10, since=m)
        b.stop()
        b = None

        # the mailbox off: as before, 480 (no device)
        sb.api("PATCH", f"/api/v1/mailboxes/{ebox}", {"active": False})
        mark, m = call("off")
        ev = a.wait_event(("CALL_ESTABLISHED", "CALL_CLOSED"), 10, since=m)
        S.check(ev is not None and ev["type"] == "CALL_CLOSED" and
                ev.get("param", "").startswith("480 "),
                "mailbox off: the caller gets 480 as without one", str(ev))

        # its schedule says closed, the mailbox is for open: no mailbox
        st, s = sb.api("POST", "/api/v1/schedules",
                       {"tenant_id": tid, "name": "Never open"})
        S.check(st == 201, "a schedule that is never open: 201",
                f"{st} {s}")
        st, p = sb.api("PATCH", f"/api/v1/mailboxes/{ebox}",
                       {"active": True, "schedule_id": s["id"],
                        "schedule_state": "open"})
        S.check(st == 200 and p["schedule_id"] == s["id"],
                "the mailbox enabled only while open", f"{st} {p}")
        mark, m = call("closed")
        ev = a.wait_event(("CALL_ESTABLISHED", "CALL_CLOSED"), 10, since=m)
        S.check(ev is not None and ev["type"] == "CALL_CLOSED" and
                ev.get("param", "").startswith("480 "),
                "schedule closed: no mailbox, 480", str(ev))
        S.error_is("the schedule a mailbox uses cannot be deleted: 409",
                   sb.api("DELETE", f"/api/v1/schedules/{s['id']}"), 409,
                   f"schedule {s['id']} is in use by a number, another "
                   "schedule, a menu or a mailbox")
        st, p = sb.api("PATCH", f"/api/v1/mailboxes/{ebox}",
                       {"schedule_state": "closed"})
        mark, m = call("closed, mailbox for closed")
        ev = a.wait_event(("CALL_ESTABLISHED", "CALL_CLOSED"), 10, since=m)
        S.check(ev is not None and ev["type"] == "CALL_ESTABLISHED",
                "schedule closed, mailbox for closed: the mailbox answers",
                str(ev))
        a.hangup()
        a.wait_event("CALL_CLOSED", 10, since=m)
    finally:
        a.stop()
        if b:
            b.stop()


def kill9():
    sb.proc.send_signal(signal.SIGKILL)
    sb.proc.wait()
    sb.log.close()


def test_kill(box):
    a = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port),
                wav=WAV440)
    a.start()
    sink.stop()
    try:
        S.check(a.wait_registered(10), "1001 registers")
        n0 = len(sink.msgs)
        mark = log_mark()
        leave_message(a, NUMBER, 2.0, box)
        m, _ = wait_log(r"voicemail: message (\d+) saved", mark, 10)
        kill9()
    finally:
        a.stop()
    mid = int(m.group(1))
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"))
    try:
        row = con.execute("SELECT m.file, o.state FROM vm_messages m JOIN "
                          "outbox o ON o.id = m.outbox_id WHERE m.id = ?",
                          (mid,)).fetchone()
    finally:
        con.close()
    S.check(row is not None and row[1] in ("pending", "sending") and
            os.path.exists(row[0]),
            "kill -9 right after 'saved': the row, its mail and the file "
            "are there", repr(row))
    sink.start()
    sb.start()
    done = wait_mail_state(mid, "sent", 15)
    S.check(done is not None and len(sink.msgs) == n0 + 1,
            "after the restart the mail is delivered", repr(done))
    mail = sink.message(n0)
    att = list(mail.iter_attachments())[0].get_content()
    S.check(att == open(row[0], "rb").read(),
            "with the message file's bytes")

    # kill -9 the moment the caller's hang-up is sent: whatever the
    # server got to, after the restart rows and files agree (a message
    # row has its file and its mail; no file without a row, no .rec-)
    a = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port),
                wav=WAV440)
    a.start()
    try:
        S.check(a.wait_registered(10), "1001 registers")
        mark = log_mark()
        m = a.mark()
        a.dial(f"sip:{NUMBER}@127.0.0.1:{sb.sip_port}")
        a.wait_event("CALL_ESTABLISHED", 10, since=m)
        wait_log(rf"voicemail: \S+: mailbox {box}: recording", mark, 30)
        time.sleep(1.5)
        a.hangup()
        kill9()
    finally:
        a.stop()
    sb.start()
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"))
    try:
        rows = con.execute("SELECT m.file, o.id FROM vm_messages m LEFT "
                           "JOIN outbox o ON o.id = m.outbox_id").fetchall()
    finally:
        con.close()
    files = {os.path.join(sb.dir, "voicemail", "1", f) for f in vm_files()}
    S.check(all(f in files and oid for f, oid in rows) and
            files == {f for f, _ in rows},
            "kill -9 at the hang-up: after the restart every message row "
            "has its file and mail, and no file is without a row",
            f"{rows} {sorted(files)}")


def main():
    global sb, sink, WAV440
    sink = Sink(free_port(socket.SOCK_STREAM))
    sink.start()
    env = {"SWITCHBOARD_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
           "SWITCHBOARD_SMTP_FROM": FROM}
    sb = Switchboard(extra_args=["--outbox-retry-base", "1",
                                 "--outbox-retry-max", "2"], env=env)
    WAV440 = make_tone_wav(os.path.join(sb.dir, "t440.wav"), 440, 120)
    try:
        sb.start()
        ids = demo_ids(sb, "Erika")
        boxes = []

        def api():
            boxes.extend(test_api(ids))
        S.run(api)
        if boxes:
            box, ebox = boxes
            S.run(test_message, box)
            S.run(test_sink_down, box)
            S.run(test_employee, ids[0], ebox)
            S.run(test_kill, box)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        if S.failed:
            print(sb.tail(40), flush=True)
        sb.cleanup()
        sink.stop()
    S.finish()


if __name__ == "__main__":
    main()
