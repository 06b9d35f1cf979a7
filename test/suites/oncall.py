#!/usr/bin/env python3
"""oncall.py - escalation step 2 of urgent call notes (issue 17: "then to
the on-call person by phone (a call that plays the note's summary with
speech and asks for a digit to acknowledge)"), with real peers: an SMTP
sink for the substitute's mail, Olga's phone (baresip 1020, a device
made through the API) on call, the event stream.  escalate_after 2 s,
--oncall-attempts 2, --oncall-retry 3, --ring-timeout 4:

  * acknowledged by digit: an urgent note for Carl (no phone) nobody
    acknowledges -> after 2 s his substitute Vera's mail, after 4 s
    Olga's phone rings showing the tenant's central number and answers;
    she hears the summary (speech), presses 2 (not acknowledged: the
    summary again), then 1: the note's reads show her acknowledgement,
    the call ends; the trail: substitute delivered, oncall attempt 1
    acknowledged (200); the events: delivered, ringing, answered,
    acknowledged; no second attempt
  * not answered: Olga answers by hand now; she rejects attempt 1 (busy,
    486), lets attempt 2 ring out (no_answer, 480); after 2 attempts no
    third call; the trail in order
  * nobody on call (schedule deleted): one trail row "no one on call",
    no call, no retry
  * nothing of the notes in the server's log
"""
import hashlib
import os
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from sb import DEMO, Suite, Switchboard, demo_ids, free_port  # noqa: E402
from peers import Baresip, wav_rms  # noqa: E402
from ws import WsClient  # noqa: E402
from escalation import Sink  # noqa: E402  (the SMTP sink)

S = Suite("oncall")
V = "/api/v1"
AFTER = 2  # escalate_after [s]
RETRY = 3  # --oncall-retry [s]
RING = 4   # --ring-timeout [s]
OLGA_PW = "delta1020secret"
SUB_MAIL = "vertretung@kunde.example"

sb = None
sink = None
env = {}


def wait_for(cond, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = cond()
        if r:
            return r
        time.sleep(0.1)
    return cond()


def api(method, path, body=None, token=None):
    return sb.api(method, path, body, token or "__admin__")


def setup():
    a, _, mx = demo_ids(sb, "Max")
    env["a"] = a
    ids = {}
    for key, body in (
            ("sub", {"first_name": "Vera", "email": SUB_MAIL}),
            ("olga", {"first_name": "Olga", "last_name": "Oncall"})):
        st, r = api("POST", V + "/employees",
                    dict(body, tenant_id=a, last_name=body.get(
                        "last_name", "Esk")))
        S.check(st == 201, f"employee {body['first_name']}: 201", f"{st} {r}")
        ids[key] = r.get("id")
    st, r = api("POST", V + "/employees",
                {"tenant_id": a, "first_name": "Carl", "last_name": "Chef",
                 "substitute_id": ids["sub"]})
    S.check(st == 201, "Carl (no phone), substitute Vera: 201", f"{st} {r}")
    ids["boss"] = r.get("id")
    st, dev = api("POST", V + "/devices",
                  {"tenant_id": a, "employee_id": ids["olga"],
                   "username": "1020", "password": OLGA_PW,
                   "name": "Bereitschaftshandy"})
    S.check(st == 201, "Olga's phone 1020: 201", f"{st} {dev}")
    st, sch = api("POST", V + "/oncall_schedules",
                  {"tenant_id": a, "name": "Bereitschaft",
                   "handoff_day": "mon", "handoff_time": "08:00",
                   "start_date": "2026-11-30",
                   "members": [{"employee_id": ids["olga"]}]})
    S.check(st == 201, "an on-call schedule with Olga: 201", f"{st} {sch}")
    ids["sched"] = sch.get("id")
    tok = {}
    for name, body in {
            "agent": {"role": "agent", "tenant_id": a, "employee_id": mx},
            "admin": {"role": "client_admin", "tenant_id": a}}.items():
        st, r = api("POST", V + "/tokens", dict(body, name=name))
        S.check(st == 201, f"token {name}: 201", f"{st} {r}")
        tok[name] = r.get("token")
    env.update(ids)
    env["tok"] = tok
    st, r = api("PUT", f"{V}/tenants/{a}/note_settings",
                {"escalate_after": AFTER}, tok["admin"])
    S.check(st == 200 and r.get("escalate_after") == AFTER,
            f"escalate_after {AFTER}: 200", f"{st} {r}")


def new_note():
    st, n = api("POST", V + "/notes",
                {"employee_ids": [env["boss"]], "caller_name": "Hans Anrufer",
                 "caller_number": "0221 987654",
                 "concern": "Bitte dringend zurückrufen", "urgent": True},
                env["tok"]["agent"])
    S.check(st == 201, "an urgent note for Carl: 201", f"{st} {n}")
    return n.get("id") if st == 201 else 0


def note(nid):
    st, r = api("GET", f"{V}/notes/{nid}", token=env["tok"]["admin"])
    return r if st == 200 else {}


def trail(nid):
    return [(e.get("step"), e.get("employee_id"), e.get("attempt"),
             e.get("outcome"), e.get("sip_code"))
            for e in note(nid).get("escalations", [])]


def esc_events(ws, nid, until, timeout=25):
    """The note_escalation events of note nid up to the first for which
    until is true, as (step, employee, attempt, outcome, sip_code)."""
    out = []

    def mine(e):
        d = e.get("data", e)
        return e.get("type") == "note_escalation" and d.get("note_id") == nid

    for e in ws.events_until(lambda e: mine(e) and until(e.get("data", e)),
                             timeout):
        if mine(e):
            d = e.get("data", e)
            out.append((d.get("step"), d.get("employee_id"),
                        d.get("attempt"), d.get("outcome"),
                        d.get("sip_code")))
    return out


def test_acknowledged(ws, olga):
    m = olga.mark()
    t0 = time.time()
    nid = new_note()
    if not nid:
        return
    ok = wait_for(lambda: sink.mails(nid, env["sub"]), AFTER + 8)
    S.check(ok and olga.wait_event("CALL_ESTABLISHED", 0.1, since=m) is None,
            "first the substitute's mail, no call yet")
    ev = olga.wait_event("CALL_ESTABLISHED", 2 * AFTER + 8, since=m)
    took = time.time() - t0
    S.check(ev is not None and 2 * AFTER - 0.5 <= took <= 2 * AFTER + 4,
            f"then Olga's phone rings and answers ({took:.1f} s after the "
            "note)", str(ev))
    S.check(ev is not None and
            f"sip:{DEMO['central']}@" in ev.get("peeruri", ""),
            "showing the tenant's central number",
            ev.get("peeruri") if ev else "")
    rec = olga.wait_recording(1.5, timeout=10)
    S.check(rec and wav_rms(rec, 0.2, 1.2) > 0.02,
            "she hears the summary (speech, not silence)",
            f"rms {wav_rms(rec, 0.2, 1.2) if rec else None}")
    olga.send_dtmf("2")
    time.sleep(1.5)
    S.check(not any(r.get("acknowledged_at") for r in note(nid)["reads"]),
            "the digit 2 does not acknowledge it (the summary again)",
            str(note(nid).get("reads")))
    S.check(olga.wait_event("CALL_CLOSED", 0.1, since=m) is None,
            "the call goes on after 2")
    olga.send_dtmf("1")
    reads = wait_for(lambda: [r for r in note(nid)["reads"]
                              if r.get("acknowledged_at")], 8) or []
    S.check(len(reads) == 1 and reads[0]["employee_id"] == env["olga"],
            "the digit 1: the note is acknowledged by Olga (on call)",
            str(note(nid).get("reads")))
    S.check(olga.wait_event("CALL_CLOSED", 10, since=m) is not None,
            "after the confirmation the call ends")
    S.check(trail(nid) == [("substitute", env["sub"], None, "delivered",
                            None),
                           ("oncall", env["olga"], 1, "acknowledged", 200)],
            "the trail: substitute delivered, oncall attempt 1 "
            "acknowledged (200)", str(trail(nid)))
    evs = esc_events(ws, nid, lambda d: d.get("outcome") == "acknowledged")
    S.check(evs == [("substitute", env["sub"], None, "delivered", None),
                    ("oncall", env["olga"], 1, "ringing", None),
                    ("oncall", env["olga"], 1, "answered", 200),
                    ("oncall", env["olga"], 1, "acknowledged", 200)],
            "events: delivered, ringing, answered, acknowledged", str(evs))
    done = "Die Notiz ist bestätigt. Auf Wiederhören."
    keep = "de-" + hashlib.sha256(f"de\n{done}".encode()).hexdigest() + \
        ".wav"
    left = sorted(os.listdir(os.path.join(sb.dir, "speech")))
    S.check(left == [keep],
            "the speech cache keeps the confirmation only: the summary "
            "(caller's name and number) is deleted once played",
            str(left))
    m = olga.mark()
    time.sleep(RETRY + 1)
    S.check(olga.wait_event("CALL_ESTABLISHED", 0.1, since=m) is None and
            len(trail(nid)) == 2,
            "acknowledged: no further attempt", str(trail(nid)))


def test_not_answered(ws, olga):
    m = olga.mark()
    nid = new_note()
    if not nid:
        return
    ev = olga.wait_event("CALL_INCOMING", 2 * AFTER + 10, since=m)
    S.check(ev is not None, "attempt 1: Olga's phone rings")
    time.sleep(0.3)
    olga.hangup()  # rejected: busy
    m = olga.mark()
    ev = olga.wait_event("CALL_INCOMING", RETRY + RING + 8, since=m)
    S.check(ev is not None, "attempt 2: it rings again after the retry "
            "interval")
    S.check(olga.wait_event("CALL_CLOSED", RING + 4, since=m) is not None,
            "she lets it ring out")
    t = wait_for(lambda: len(trail(nid)) == 3 and
                 trail(nid)[-1][3] != "ringing" and trail(nid), 5)
    S.check(t == [("substitute", env["sub"], None, "delivered", None),
                  ("oncall", env["olga"], 1, "busy", 486),
                  ("oncall", env["olga"], 2, "no_answer", 480)],
            "the trail: attempt 1 busy (486), attempt 2 no_answer (480)",
            str(trail(nid)))
    evs = esc_events(ws, nid, lambda d: d.get("attempt") == 2 and
                     d.get("outcome") == "no_answer")
    S.check([e for e in evs if e[0] == "oncall"] ==
            [("oncall", env["olga"], 1, "ringing", None),
             ("oncall", env["olga"], 1, "busy", 486),
             ("oncall", env["olga"], 2, "ringing", None),
             ("oncall", env["olga"], 2, "no_answer", 480)],
            "events of both attempts", str(evs))
    m = olga.mark()
    time.sleep(RETRY + 2)
    S.check(olga.wait_event("CALL_INCOMING", 0.1, since=m) is None and
            len(trail(nid)) == 3,
            "after --oncall-attempts (2) no third call", str(trail(nid)))
    S.check(not note(nid).get("reads"), "nobody acknowledged it",
            str(note(nid).get("reads")))


def test_nobody(olga):
    st, _ = api("DELETE", f"{V}/oncall_schedules/{env['sched']}")
    S.check(st == 204, "nobody on call: the schedule deleted", str(st))
    m = olga.mark()
    nid = new_note()
    if not nid:
        return
    t = wait_for(lambda: len(trail(nid)) == 2 and trail(nid),
                 2 * AFTER + 8)
    S.check(t == [("substitute", env["sub"], None, "delivered", None),
                  ("oncall", None, 1, "no one on call", None)],
            "the trail: oncall, nobody, \"no one on call\"", str(t))
    time.sleep(RETRY + 1)
    S.check(olga.wait_event("CALL_INCOMING", 0.1, since=m) is None and
            len(trail(nid)) == 2, "no call and no retry", str(trail(nid)))


def main():
    global sb, sink
    sink = Sink(free_port(socket.SOCK_STREAM))
    sink.start()
    olga = ws = None
    try:
        sb = Switchboard(extra_args=[
            "--smtp-url", f"smtp://127.0.0.1:{sink.port}",
            "--smtp-from", "notiz@switchboard.example",
            "--outbox-retry-base", "1", "--outbox-retry-max", "2",
            "--oncall-attempts", "2", "--oncall-retry", str(RETRY),
            "--ring-timeout", str(RING)])
        sb.start()
        S.run(setup)
        ws = WsClient(sb.http_port, token=sb.token)
        S.check(ws.connect() == 101, "the event stream is open")
        olga = Baresip("1020", OLGA_PW, server=("127.0.0.1", sb.sip_port),
                       tone=700)
        olga.start()
        S.check(olga.wait_registered(10), "Olga's phone registers")
        S.run(test_acknowledged, ws, olga)
        olga.stop()
        olga = Baresip("1020", OLGA_PW, server=("127.0.0.1", sb.sip_port),
                       tone=700, auto_answer=False)
        olga.start()
        S.check(olga.wait_registered(10), "Olga's phone, by hand now")
        S.run(test_not_answered, ws, olga)
        S.run(test_nobody, olga)
        S.check(sb.alive(), "the server is alive after the tests")
        log = sb.logtext()
        S.check("on-call attempt" in log and "Hans Anrufer" not in log and
                "dringend zur" not in log and "987654" not in log,
                "nothing of the notes (caller, number, concern) in the log")
    finally:
        if olga:
            olga.stop()
        if ws:
            ws.abort()
        code = sb.stop() if sb else 0
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30) if sb else ''}")
        if sb:
            sb.cleanup()
        sink.stop()
    S.finish()


if __name__ == "__main__":
    main()
