#!/usr/bin/env python3
"""consult3.py - transfer with consultation with three baresip phones
(issue 17, seeds/001 "Bei einem Durchstellversuch halten wir zunächst mit
Ihnen Rücksprache ... Entweder nehmen Sie nun das Telefonat an oder wir
richten Ihrem Anrufer gerne etwas aus"): the caller (baresip 1030, 600
Hz) calls Erika's personal number; Erika (baresip 1002, 1000 Hz) is the
agent; Max (baresip 1001, 440 Hz, answers by hand) is the employee.
(The caller is Clara's phone 1030, made through the API: 1011 is Max's
softphone and would ring with his desk phone.)  An
SMTP sink (aiosmtpd) receives the notes; the event stream tells the
agent what happened.  Audio is judged by content (audio.py): the tail of
what a phone decodes must be the other party's tone.

  (a) taken: Max answers the consultation; .../transfer/complete: the
      agent's phone is hung up, caller and Max hear each other; GET
      /calls/:id "consults": [taken by Max]; the note of the call for
      Max: only the short notice "Durchgestellt: ..." at the sink.
  (b) declined with a message: errors (declined not a bool, message too
      long or not a text: 422 naming the field); the agent cancels with
      {"declined": true, "message"}: 200 outcome declined, event
      "consult" declined with the message, Max hung up, agent and caller
      hear each other again; a second consultation that Max ends by
      hanging up: event declined without a message, the agent adds the
      message afterwards with the same cancel (event again, with it);
      then 409 (no consultation); the note for Max lists both attempts
      with their messages (GET /notes/:id "transfer") and the whole note
      (not the short notice) reaches the sink with the message in its
      text and HTML.
  (c) unreachable: Otto (no phone) with substitute Max, escalate: Otto
      480, Max rings and rejects (486), exhausted: the agent is back with
      the caller; the note for Otto: the whole note at the sink naming
      both attempts ("nicht erreicht").
"""
import asyncio  # noqa: F401 - aiosmtpd's controller needs the loop module
import email
import email.policy
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard, demo_ids, free_port, live_call  # noqa: E402,E501
from peers import Baresip  # noqa: E402
from audio import is_tone, wav_data_seconds  # noqa: E402
from ws import WsClient  # noqa: E402

from aiosmtpd.controller import Controller  # noqa: E402

S = Suite("consult3")
PW = DEMO["devices"]
V = "/api/v1"
FROM = "notiz@switchboard.example"
MAX_MAIL = "max@kunde.example"
OTTO_MAIL = "otto@kunde.example"
MSG = "Bitte Rückruf in 30 Min <heute> & morgen"
MSG2 = "Er ruft nach 15 Uhr zurück"
CALLER, AGENT, EMPLOYEE = 600, 1000, 440  # [Hz] the phones' tones
CALLER_PW = "echo1030secret"


class Sink:
    """An SMTP sink keeping every message."""

    def __init__(self, port):
        self.port = port
        self.msgs = []
        self.ctl = None

    async def handle_DATA(self, server, session, envelope):
        self.msgs.append((list(envelope.rcpt_tos),
                          bytes(envelope.original_content or
                                envelope.content)))
        return "250 2.0.0 Ok: queued"

    def start(self):
        self.ctl = Controller(self, hostname="127.0.0.1", port=self.port)
        self.ctl.start()

    def stop(self):
        if self.ctl:
            self.ctl.stop()
            self.ctl = None

    def mail_of(self, note_id, timeout=15):
        """The parsed mail of note note_id (its link names it), or None."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for rcpt, raw in list(self.msgs):
                m = email.message_from_bytes(raw, policy=email.policy.default)
                if f"/notes/{note_id}/open" in \
                        m.get_body(("plain",)).get_content():
                    return rcpt, m
            time.sleep(0.2)
        return None


def phone(sb, user, pw=None, **kw):
    p = Baresip(user, pw or PW[user], server=("127.0.0.1", sb.sip_port),
                **kw)
    p.start()
    return p


def hears(p, f, other):
    """Do the next 2 s phone p decodes hold tone f (not other)?"""
    recs = p.recordings()
    t0 = wav_data_seconds(recs[-1]) if recs else 0.0
    return is_tone(p.wait_recording(t0 + 2.0), f, other=other,
                   start=t0 + 0.3)


def consult_events(ws, until, timeout=20):
    """The "consult" events up to the first for which until is true."""
    return [e.get("data", e) for e in
            ws.events_until(lambda e: e.get("type") == "consult" and
                            until(e.get("data", e)), timeout)
            if e.get("type") == "consult"]


def start_call(sb, caller, er):
    m = er.mark()
    caller.dial(f"sip:{DEMO['erika_personal']}@127.0.0.1:{sb.sip_port}")
    S.check(er.wait_event("CALL_ESTABLISHED", 10, since=m) is not None,
            "the agent (Erika) answers the caller's call")
    call = live_call(sb, DEMO["erika_personal"])
    return call["id"] if call else 0


def consult_max(sb, ids, cid, mx, what):
    """An attended transfer of cid to Max, answered by him: its id."""
    m = mx.mark()
    st, b = sb.api("POST", f"{V}/calls/{cid}/transfer",
                   {"mode": "attended",
                    "to": {"type": "employee", "id": ids["max"]}})
    S.check(st == 201 and b.get("to_number") == "1001",
            f"{what}: attended to Max: 201, his phone rings", f"{st} {b}")
    S.check(mx.wait_event("CALL_INCOMING", 10, since=m) is not None,
            f"{what}: Max's phone rings")
    mx.accept()
    S.check(mx.wait_event("CALL_ESTABLISHED", 10, since=m) is not None,
            f"{what}: Max answers the consultation")
    return b.get("id", 0) if st == 201 else 0


def hang_up(caller, others):
    marks = [(p, p.mark()) for p in others]
    caller.hangup()
    for p, m in marks:
        p.wait_event("CALL_CLOSED", 10, since=m)


def note(sb, ids, cid, employee):
    st, n = sb.api("POST", V + "/notes",
                   {"employee_ids": [employee], "call_id": cid,
                    "caller_name": "Hans Anrufer",
                    "caller_number": "+4922112345",
                    "concern": "Möchte Herrn Mustermann sprechen"},
                   ids["tok"])
    S.check(st == 201 and n.get("call_id") == cid,
            f"the agent saves the note of call {cid}: 201", f"{st} {n}")
    return n if st == 201 else {}


def plain(got):
    """The text part of a mail (sink.mail_of()), lines ended by \\n."""
    if not got:
        return ""
    return got[1].get_body(("plain",)).get_content().replace("\r\n", "\n")


def brief(rows):
    return [(r.get("consult_id"), r.get("step"), r.get("employee_id"),
             r.get("outcome"), r.get("message")) for r in rows]


def test_taken(sb, ids, sink, caller, er, mx):
    cid = start_call(sb, caller, er)
    m_er = er.mark()
    consult = consult_max(sb, ids, cid, mx, "taken")
    st, b = sb.api("POST", f"{V}/calls/{cid}/transfer/complete", {})
    S.check(st == 200 and b == {"id": cid, "consult_id": consult},
            "complete: 200 {id, consult_id}", f"{st} {b}")
    S.check(er.wait_event("CALL_CLOSED", 10, since=m_er) is not None,
            "the agent's phone is hung up")
    v = hears(caller, EMPLOYEE, CALLER)
    S.check(v, "the caller hears Max's 440 Hz", str(v))
    v = hears(mx, CALLER, EMPLOYEE)
    S.check(v, "Max hears the caller's 600 Hz", str(v))
    st, c = sb.api("GET", f"{V}/calls/{cid}")
    S.check(st == 200 and brief(c.get("consults", [])) ==
            [(consult, None, ids["max"], "taken", None)] and
            c["consults"][0].get("at"),
            "GET /calls/:id consults: taken by Max", f"{st} {c}")
    hang_up(caller, [mx])
    n = note(sb, ids, cid, ids["max"])
    S.check(brief(n.get("transfer", [])) ==
            [(consult, None, ids["max"], "taken", None)],
            "the note shows the transfer: taken by Max", str(n))
    got = sink.mail_of(n.get("id"))
    S.check(got is not None and got[0] == [MAX_MAIL] and
            got[1]["Subject"] == "Durchgestellt: Hans Anrufer" and
            "Durchstellversuche" not in
            got[1].get_body(("plain",)).get_content(),
            "Max gets only the short notice (he took the call)",
            str(got and got[1]["Subject"]))


def test_declined(sb, ids, ws, sink, caller, er, mx):
    cid = start_call(sb, caller, er)
    m_er = er.mark()
    path = f"{V}/calls/{cid}/transfer/cancel"
    c1 = consult_max(sb, ids, cid, mx, "declined")
    S.error_is("cancel with declined \"yes\": 422",
               sb.api("POST", path, {"declined": "yes"}), 422,
               "declined: must be true or false")
    S.error_is("a message of 501 characters: 422",
               sb.api("POST", path, {"declined": True,
                                     "message": "ä" * 501}), 422,
               "message: must be a text of at most 500 characters")
    S.error_is("a message that is a number: 422",
               sb.api("POST", path, {"declined": True, "message": 30}),
               422, "message: must be a text of at most 500 characters")
    S.error_is("a message without declined: 422",
               sb.api("POST", path, {"message": MSG}), 422,
               "message: only with declined true")
    m_mx = mx.mark()
    st, b = sb.api("POST", path, {"declined": True, "message": MSG})
    S.check(st == 200 and b == {"id": cid, "consult_id": c1,
                                "outcome": "declined"},
            "Max declines, the agent ends the consultation with his "
            "message: 200 outcome declined", f"{st} {b}")
    evs = consult_events(ws, lambda e: e.get("state") == "declined")
    ev = evs[-1] if evs else {}
    S.check(ev.get("message") == MSG and ev.get("consult_id") == c1 and
            ev.get("record_id") == cid and
            ev.get("employee_id") == ids["max"],
            "event consult: declined, Max, with the message", str(evs))
    S.check(mx.wait_event("CALL_CLOSED", 10, since=m_mx) is not None,
            "Max's phone is hung up")
    S.check(er.wait_event("CALL_CLOSED", 1, since=m_er) is None,
            "the agent stays on")
    v = hears(caller, AGENT, CALLER)
    S.check(v, "the caller hears the agent's 1000 Hz again", str(v))
    v = hears(er, CALLER, AGENT)
    S.check(v, "the agent hears the caller's 600 Hz again", str(v))

    c2 = consult_max(sb, ids, cid, mx, "hung up")
    mx.hangup()
    evs = consult_events(ws, lambda e: e.get("state") == "declined")
    ev = evs[-1] if evs else {}
    S.check(ev.get("consult_id") == c2 and "message" not in ev,
            "Max hangs up: event consult declined, without a message",
            str(evs))
    v = hears(caller, AGENT, CALLER)
    S.check(v, "the caller is back with the agent", str(v))
    st, b = sb.api("POST", path, {"declined": True, "message": MSG2})
    S.check(st == 200 and b == {"id": cid, "consult_id": c2,
                                "outcome": "declined"},
            "the agent adds Max's message afterwards: 200", f"{st} {b}")
    evs = consult_events(ws, lambda e: e.get("state") == "declined")
    ev = evs[-1] if evs else {}
    S.check(ev.get("consult_id") == c2 and ev.get("message") == MSG2,
            "event consult declined again, with the message", str(evs))
    S.error_is("cancel without a consultation: 409",
               sb.api("POST", path, {}), 409,
               f"call {cid} has no consultation")
    want = [(c1, None, ids["max"], "declined", MSG),
            (c2, None, ids["max"], "declined", MSG2)]
    st, c = sb.api("GET", f"{V}/calls/{cid}")
    S.check(st == 200 and brief(c.get("consults", [])) == want,
            "GET /calls/:id consults: both declined with the messages",
            f"{st} {c.get('consults')}")
    hang_up(caller, [er])
    n = note(sb, ids, cid, ids["max"])
    S.check(brief(n.get("transfer", [])) == want,
            "the note lists both attempts with Max's messages",
            str(n.get("transfer")))
    st, n2 = sb.api("GET", f"{V}/notes/{n.get('id')}")
    S.check(st == 200 and brief(n2.get("transfer", [])) == want,
            "GET /notes/:id shows them too", f"{st} {n2.get('transfer')}")
    got = sink.mail_of(n.get("id"))
    text = plain(got)
    html = got[1].get_body(("html",)).get_content() if got else ""
    S.check(got is not None and got[0] == [MAX_MAIL] and
            got[1]["Subject"] == "Gesprächsnotiz: Hans Anrufer",
            "Max gets the whole note (he declined)",
            str(got and got[1]["Subject"]))
    S.check(f"- {ids['max_name']}: abgelehnt - Nachricht: {MSG}\n" in text
            and f"- {ids['max_name']}: abgelehnt - Nachricht: {MSG2}\n"
            in text and "Durchstellversuche:" in text,
            "its text lists the attempts with the messages", repr(text))
    S.check("Bitte Rückruf in 30 Min &lt;heute&gt; &amp; morgen" in html and
            "<h2>Durchstellversuche</h2>" in html,
            "its HTML too (escaped)", html)


def test_unreachable(sb, ids, ws, sink, caller, er, mx):
    cid = start_call(sb, caller, er)
    m_er = er.mark()
    m = mx.mark()
    st, b = sb.api("POST", f"{V}/calls/{cid}/transfer",
                   {"mode": "attended",
                    "to": {"type": "employee", "id": ids["otto"]},
                    "escalate": True})
    S.check(st == 201 and b.get("to_number") == "1001",
            "escalate to Otto (no phone): 201, his substitute Max rings",
            f"{st} {b}")
    consult = b.get("id")
    S.check(mx.wait_event("CALL_INCOMING", 10, since=m) is not None,
            "Max's phone rings")
    time.sleep(0.5)
    mx.hangup()
    evs = consult_events(ws, lambda e: e.get("state") == "exhausted")
    S.check([(e.get("step"), e.get("state"), e.get("sip_code"))
             for e in evs] ==
            [("employee", "failed", 480), ("substitute", "ringing", None),
             ("substitute", "failed", 486), (None, "exhausted", None)],
            "events: Otto 480, Max rings and rejects, exhausted", str(evs))
    S.check(er.wait_event("CALL_CLOSED", 1, since=m_er) is None,
            "the agent is back with the caller")
    v = hears(caller, AGENT, CALLER)
    S.check(v, "the caller hears the agent again", str(v))
    want = [(None, "employee", ids["otto"], "unreached", None),
            (consult, "substitute", ids["max"], "unreached", None)]
    st, c = sb.api("GET", f"{V}/calls/{cid}")
    S.check(st == 200 and brief(c.get("consults", [])) == want,
            "GET /calls/:id consults: Otto and Max not reached",
            f"{st} {c.get('consults')}")
    hang_up(caller, [er])
    n = note(sb, ids, cid, ids["otto"])
    S.check(brief(n.get("transfer", [])) == want,
            "the note lists both attempts", str(n.get("transfer")))
    got = sink.mail_of(n.get("id"))
    text = plain(got)
    S.check(got is not None and got[0] == [OTTO_MAIL] and
            got[1]["Subject"] == "Gesprächsnotiz: Hans Anrufer" and
            "Durchstellversuche:\n- Otto Ohnetelefon: nicht erreicht\n"
            f"- {ids['max_name']}: nicht erreicht\n" in text,
            "Otto gets the whole note naming both attempts", repr(text))


def setup(sb):
    tid, _, mx = demo_ids(sb, "Max")
    _, _, er = demo_ids(sb, "Erika")
    st, e = sb.api("PATCH", f"{V}/employees/{mx}", {"email": MAX_MAIL})
    S.check(st == 200, "Max gets an e-mail address: 200", f"{st} {e}")
    max_name = f"{e.get('first_name')} {e.get('last_name')}"
    st, otto = sb.api("POST", V + "/employees",
                      {"tenant_id": tid, "first_name": "Otto",
                       "last_name": "Ohnetelefon", "substitute_id": mx,
                       "email": OTTO_MAIL})
    S.check(st == 201, "Otto (no phone), substitute Max: 201",
            f"{st} {otto}")
    st, cl = sb.api("POST", V + "/employees",
                    {"tenant_id": tid, "first_name": "Clara",
                     "last_name": "Anruferin"})
    st2, dev = sb.api("POST", V + "/devices",
                      {"tenant_id": tid, "employee_id": cl.get("id"),
                       "username": "1030", "password": CALLER_PW,
                       "name": "Claras Telefon"})
    S.check(st == 201 and st2 == 201, "the caller Clara, phone 1030: 201",
            f"{st} {cl} {st2} {dev}")
    st, tok = sb.api("POST", V + "/tokens",
                     {"role": "agent", "tenant_id": tid, "employee_id": er,
                      "name": "erika"})
    S.check(st == 201, "an agent token for Erika: 201", f"{st} {tok}")
    return {"tid": tid, "max": mx, "erika": er, "otto": otto.get("id"),
            "max_name": max_name, "tok": tok.get("token")}


def main():
    sink = Sink(free_port(socket.SOCK_STREAM))
    sink.start()
    sb = Switchboard(extra_args=[
        "--smtp-url", f"smtp://127.0.0.1:{sink.port}", "--smtp-from", FROM,
        "--outbox-retry-base", "1", "--outbox-retry-max", "2"]).start()
    caller = er = mx = ws = None
    try:
        ids = setup(sb)
        ws = WsClient(sb.http_port, token=sb.token)
        S.check(ws.connect() == 101, "the event stream is open")
        caller = phone(sb, "1030", CALLER_PW, tone=CALLER)
        er = phone(sb, "1002", tone=AGENT)
        mx = phone(sb, "1001", tone=EMPLOYEE, auto_answer=False)
        S.check(caller.wait_registered(10) and er.wait_registered(10) and
                mx.wait_registered(10), "the three phones register")
        S.run(test_taken, sb, ids, sink, caller, er, mx)
        S.run(test_declined, sb, ids, ws, sink, caller, er, mx)
        S.run(test_unreachable, sb, ids, ws, sink, caller, er, mx)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        for p in (caller, er, mx):
            if p:
                p.stop()
        if ws:
            ws.abort()
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
        sink.stop()
    S.finish()


if __name__ == "__main__":
    main()
