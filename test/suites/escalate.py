#!/usr/bin/env python3
"""escalate.py - transfer with consultation that escalates (issue 17,
seeds/001 "Vertreter wählen"): an agent puts a caller through to an
employee; whoever cannot be reached or does not take it is followed by
the employee's substitute, then by the person on call; nobody: the agent
is back with the caller.  Real peers: the caller is a carrier (sipp on
the demo trunk) calling Erika's personal number; Erika (baresip 1002) is
the agent; Max (baresip 1001, answers by hand) is the substitute; Olga
(baresip 1020, a device made through the API) is on call.  What happened
is read from the event stream ("consult" events), the phones and the
call records.

  * Otto (no phone, no transfer number) with substitute Max: POST
    .../transfer {"mode": "attended", "to": Otto, "escalate": true} ->
    201 with the consultation of the first step that rings (Max);
    events: employee Otto failed 480 (attempt 1), substitute Max ringing
    (2); Max declines -> substitute failed 486, oncall Olga ringing (3),
    answered; complete: Erika hung up, Olga talks to the carrier; the
    consultation's record is Olga's phone's.
  * Without anybody on call: to Max with escalate, Max declines ->
    failed, then "exhausted": Erika is back with the caller (her call
    goes on and ends with the carrier's BYE).
  * Errors: escalate with blind 422, to an external number 422, not a bool 422.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard, demo_ids, live_call  # noqa: E402
from peers import Baresip, Sipp  # noqa: E402
from ws import WsClient  # noqa: E402

S = Suite("escalate")
PW = DEMO["devices"]
V = "/api/v1"
OLGA_PW = "delta1020secret"


def phone(sb, user, pw=None, **kw):
    p = Baresip(user, pw or PW[user], server=("127.0.0.1", sb.sip_port),
                **kw)
    p.start()
    return p


def carrier_call(sb, duration_ms):
    return Sipp("uac", remote=("127.0.0.1", sb.sip_port),
                local_port=sb.trunk_port, service=DEMO["erika_personal"],
                calls=1, duration_ms=duration_ms, timeout_s=90,
                recv_timeout_ms=60000).start()


def consult_events(ws, until, timeout=20):
    """The "consult" events up to the first for which until is true."""
    out = []
    for e in ws.events_until(lambda e: e.get("type") == "consult" and
                             until(e.get("data", e)), timeout):
        if e.get("type") == "consult":
            out.append(e.get("data", e))
    return out


def brief(evs):
    return [(e.get("step"), e.get("employee_id"), e.get("attempt"),
             e.get("state"), e.get("sip_code")) for e in evs]


def decline(p, since, what):
    ev = p.wait_event("CALL_INCOMING", 10, since=since)
    S.check(ev is not None, f"{what}: the phone rings")
    time.sleep(0.5)
    p.command("hangup")


def test_chain(sb, ids, ws, mx, er, olga):
    uac = carrier_call(sb, 20000)
    try:
        S.check(er.wait_event("CALL_ESTABLISHED", 10) is not None,
                "chain: Erika (the agent) answers a carrier's call")
        call = live_call(sb, DEMO["erika_personal"])
        cid = call["id"] if call else 0
        path = f"{V}/calls/{cid}/transfer"
        m = mx.mark()
        st, b = sb.api("POST", path, {"mode": "attended",
                                      "to": {"type": "employee",
                                             "id": ids["otto"]},
                                      "escalate": True})
        S.check(st == 201 and b.get("caller_leg") == "device:1002" and
                b.get("to_number") == "1001",
                "escalate to Otto: 201, the consultation rings his "
                "substitute Max (1001)", f"{st} {b}")
        evs = consult_events(ws, lambda e: e.get("state") == "ringing")
        S.check(brief(evs) == [("employee", ids["otto"], 1, "failed", 480),
                               ("substitute", ids["max"], 2, "ringing",
                                None)],
                "events: Otto cannot be reached (480), Max rings",
                str(brief(evs)))
        S.check(all(e.get("record_id") == cid for e in evs),
                "the events name the caller's call", str(evs))
        decline(mx, m, "chain: Max")
        evs = consult_events(ws, lambda e: e.get("state") == "answered")
        S.check(brief(evs) == [("substitute", ids["max"], 2, "failed", 486),
                               ("oncall", ids["olga"], 3, "ringing", None),
                               ("oncall", ids["olga"], 3, "answered", 200)],
                "events: Max declines (486), Olga on call rings and "
                "answers", str(brief(evs)))
        S.check(olga.wait_event("CALL_ESTABLISHED", 10) is not None,
                "Olga's phone answered the consultation")
        consult = evs[-1].get("consult_id") if evs else 0
        st, b = sb.api("POST", path + "/complete", {})
        S.check(st == 200 and b == {"id": cid, "consult_id": consult},
                "complete: 200 {id, consult_id}", f"{st} {b}")
        S.check(er.wait_event("CALL_CLOSED", 10) is not None,
                "the agent (Erika) is hung up")
        S.check(olga.wait_event("CALL_CLOSED", 1) is None,
                "Olga stays on with the carrier's caller")
        st, c = sb.api("GET", f"{V}/calls/{consult}")
        S.check(st == 200 and c.get("callee_leg") == "device:1020" and
                c.get("answered_at"),
                "the consultation's record: answered by Olga's phone",
                f"{st} {c}")
        uac.wait(60)
        S.check(uac.successful == 1, "the carrier's call ends normally",
                f"rc={uac.rc} {uac.errors()[-300:]}")
        S.check(olga.wait_event("CALL_CLOSED", 10) is not None,
                "... which ends Olga's call")
    finally:
        uac.stop()


def test_exhausted(sb, ids, ws, mx, er):
    st, _ = sb.api("DELETE", f"{V}/oncall_schedules/{ids['sched']}")
    S.check(st == 204, "nobody on call any more: schedule deleted", str(st))
    m_er = er.mark()
    uac = carrier_call(sb, 16000)
    try:
        S.check(er.wait_event("CALL_ESTABLISHED", 10, since=m_er)
                is not None, "exhausted: Erika answers a carrier's call")
        call = live_call(sb, DEMO["erika_personal"])
        cid = call["id"] if call else 0
        path = f"{V}/calls/{cid}/transfer"
        for body, err in (
                ({"mode": "blind", "to": {"type": "employee",
                                          "id": ids["max"]},
                  "escalate": True}, "escalate: only with mode attended"),
                ({"mode": "attended", "to": {"number": "+49301234567"},
                  "escalate": True}, "escalate: only to an employee"),
                ({"mode": "attended", "to": {"type": "employee",
                                             "id": ids["max"]},
                  "escalate": "yes"}, "escalate: must be true or false")):
            st, b = sb.api("POST", path, body)
            S.check(st == 422 and b == {"error": err}, f"422 {err}",
                    f"{st} {b}")
        m = mx.mark()
        st, b = sb.api("POST", path, {"mode": "attended",
                                      "to": {"type": "employee",
                                             "id": ids["max"]},
                                      "escalate": True})
        S.check(st == 201 and b.get("to_number") == "1001",
                "escalate to Max: 201, his phone rings", f"{st} {b}")
        decline(mx, m, "exhausted: Max")
        evs = consult_events(ws, lambda e: e.get("state") == "exhausted")
        S.check(brief(evs) == [("employee", ids["max"], 1, "ringing", None),
                               ("employee", ids["max"], 1, "failed", 486),
                               (None, None, 1, "exhausted", None)],
                "events: Max rings, declines, nobody else: exhausted",
                str(brief(evs)))
        S.check(er.wait_event("CALL_CLOSED", 2, since=m_er) is None,
                "Erika is back with the caller (her call goes on)")
        uac.wait(60)
        S.check(uac.successful == 1,
                "the carrier's call ends normally with its BYE",
                f"rc={uac.rc} {uac.errors()[-300:]}")
        S.check(er.wait_event("CALL_CLOSED", 10, since=m_er) is not None,
                "... which ends Erika's call")
    finally:
        uac.stop()


def test_transfer_number(sb, ids, ws, mx, er):
    """Otto (no phone) takes transfers on his mobile: the escalation's
    first step rings that number out through the trunk (the carrier: sipp
    answering on the demo trunk's port) and the caller (Max's phone,
    calling Erika) ends up talking to it."""
    mobile = "+4917088877766"
    st, b = sb.api("PATCH", f"{V}/employees/{ids['otto']}",
                   {"transfer_number": "0170 888 777 66"})
    S.check(st == 200 and b.get("transfer_number") == mobile,
            "Otto's transfer number: 200, normalised", f"{st} {b}")
    uas = Sipp("uas_answer", local_port=sb.trunk_port, calls=1,
               timeout_s=60, recv_timeout_ms=0).start()
    m_er, m_mx = er.mark(), mx.mark()
    try:
        mx.dial(f"sip:1002@127.0.0.1:{sb.sip_port}")
        S.check(er.wait_event("CALL_ESTABLISHED", 10, since=m_er)
                is not None and
                mx.wait_event("CALL_ESTABLISHED", 10, since=m_mx)
                is not None,
                "transfer number: Max calls Erika, she answers")
        call = live_call(sb, "1002")
        cid = call["id"] if call else 0
        path = f"{V}/calls/{cid}/transfer"
        st, b = sb.api("POST", path, {"mode": "attended",
                                      "to": {"type": "employee",
                                             "id": ids["otto"]},
                                      "escalate": True})
        S.check(st == 201 and b.get("to_number") == mobile,
                "escalate to Otto: 201, the consultation dials his "
                "transfer number", f"{st} {b}")
        evs = consult_events(ws, lambda e: e.get("state") == "answered")
        S.check(brief(evs) == [("employee", ids["otto"], 1, "ringing",
                                None),
                               ("employee", ids["otto"], 1, "answered",
                                200)],
                "events: Otto's number rings and answers (step employee, "
                "attempt 1)", str(brief(evs)))
        logs = uas.logs()
        S.check(f"RURI_USER={mobile} " in logs,
                "the carrier gets the INVITE for Otto's mobile",
                logs.strip()[-300:])
        consult = evs[-1].get("consult_id") if evs else 0
        st, c = sb.api("GET", f"{V}/calls/{consult}")
        S.check(st == 200 and c.get("callee_leg", "").startswith("trunk:")
                and c.get("answered_at"),
                "the consultation's record: answered through the trunk",
                f"{st} {c}")
        st, b = sb.api("POST", path + "/complete", {})
        S.check(st == 200 and b == {"id": cid, "consult_id": consult},
                "complete: 200 {id, consult_id}", f"{st} {b}")
        S.check(er.wait_event("CALL_CLOSED", 10, since=m_er) is not None,
                "the agent (Erika) is hung up")
        S.check(mx.wait_event("CALL_CLOSED", 1, since=m_mx) is None,
                "Max (the caller) stays on, now with Otto's mobile")
        mc = mx.mark()
        mx.hangup()
        S.check(mx.wait_event("CALL_CLOSED", 10, since=mc) is not None,
                "Max hangs up")
        uas.wait(20)
        S.check(uas.successful == 1,
                "the carrier's leg ends with the caller's BYE",
                f"rc={uas.rc} {uas.errors()[-300:]}")
    finally:
        uas.stop()


def setup(sb):
    tid, _, max_id = demo_ids(sb, "Max")
    _, _, erika = demo_ids(sb, "Erika")
    st, otto = sb.api("POST", V + "/employees",
                      {"tenant_id": tid, "first_name": "Otto",
                       "last_name": "Ohnetelefon", "substitute_id": max_id})
    S.check(st == 201, "Otto, substitute Max: 201", f"{st} {otto}")
    st, olga = sb.api("POST", V + "/employees",
                      {"tenant_id": tid, "first_name": "Olga",
                       "last_name": "Oncall"})
    st2, dev = sb.api("POST", V + "/devices",
                      {"tenant_id": tid, "employee_id": olga.get("id"),
                       "username": "1020", "password": OLGA_PW,
                       "name": "Bereitschaftshandy"})
    S.check(st == 201 and st2 == 201, "Olga and her phone 1020: 201",
            f"{st} {olga} {st2} {dev}")
    st, sch = sb.api("POST", V + "/oncall_schedules",
                     {"tenant_id": tid, "name": "Bereitschaft",
                      "handoff_day": "mon", "handoff_time": "08:00",
                      "start_date": "2026-11-30",
                      "members": [{"employee_id": olga.get("id")}]})
    S.check(st == 201, "an on-call schedule with Olga: 201", f"{st} {sch}")
    return {"tid": tid, "max": max_id, "erika": erika,
            "otto": otto.get("id"), "olga": olga.get("id"),
            "sched": sch.get("id")}


def main():
    sb = Switchboard().start()
    mx = er = olga = None
    ws = None
    try:
        ids = setup(sb)
        ws = WsClient(sb.http_port, token=sb.token)
        S.check(ws.connect() == 101, "the event stream is open")
        mx = phone(sb, "1001", auto_answer=False)
        er = phone(sb, "1002", tone=1000)
        olga = phone(sb, "1020", OLGA_PW, tone=700)
        S.check(mx.wait_registered(10) and er.wait_registered(10) and
                olga.wait_registered(10), "the three phones register")
        S.run(test_chain, sb, ids, ws, mx, er, olga)
        S.run(test_exhausted, sb, ids, ws, mx, er)
        S.run(test_transfer_number, sb, ids, ws, mx, er)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        for p in (mx, er, olga):
            if p:
                p.stop()
        if ws:
            ws.abort()
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
