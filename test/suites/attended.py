#!/usr/bin/env python3
"""attended.py - attended transfer (RFC 3891 Replaces) and the transfer API,
end to end with real peers.

baresip 1.0.0 has no attended transfer of its own (its menu has only the
blind "transfer"; attended transfer came with later versions), so the
transferring agent is sipp playing device 1011 with two dialogs in one
sipp call (test/data/sipp/uac_attended.xml, uac_replaces.xml); the other
parties are baresip phones whose audio is judged by content (audio.py:
each sends its own tone, the tail of what it decoded must be the other's).

  REFER with Replaces: the agent (sipp 1011) talks to Max's desk phone
      (1001, 440 Hz) and consults Erika (1002, 1000 Hz) in a second
      dialog, then REFERs dialog 1 with Refer-To <sip:1002?Replaces=
      dialog 2>: 202, NOTIFY "SIP/2.0 100 Trying", NOTIFY "SIP/2.0 200
      OK" (terminated), BYE on both of its dialogs; Max hears Erika's
      1000 Hz and Erika Max's 440 Hz; records: the first call's callee is
      Erika's phone, the consultation ended answered by its caller.
  the other way: REFER on the consultation naming the first call
      (uac_attended2.xml): the same outcome.
  no such dialog: NOTIFY 481, no BYE, both calls unchanged.
  INVITE with Replaces: the agent takes its own dialog over with a new
      one: 200, our BYE on the old one, the desk phone stays connected
      (its call ends with the new dialog's BYE); a spoiled tag: 481;
      early-only: 486.
  API: a carrier's call to Erika; POST /api/v1/calls/:id/transfer
      attended to Max: 201 with the consultation's record; Max and Erika
      hear each other; .../transfer/complete: Erika hung up, Max talks to
      the carrier; records.  Blind to Max; errors with their texts.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard, demo_ids, live_call  # noqa: E402
from peers import Baresip, Sipp  # noqa: E402
from audio import is_tone, wav_data_seconds  # noqa: E402

S = Suite("attended")
PW = DEMO["devices"]


def phone(sb, user, **kw):
    p = Baresip(user, PW[user], server=("127.0.0.1", sb.sip_port), **kw)
    p.start()
    return p


def messages(run):
    out = []
    for part in re.split(r"\n-{20,}[^\n]*\n", "\n" + run.messages()):
        m = re.match(r"\s*(?:UDP|TCP) message (sent|received)[^\n]*\n\n?",
                     part)
        if m:
            out.append((m.group(1), part[m.end():].strip("\n")))
    return out


def header(msg, name):
    m = re.search(r"^" + re.escape(name) + r":\s*(.*?)\r?$", msg,
                  re.M | re.I)
    return m.group(1) if m else None


def body(msg):
    parts = re.split(r"\r?\n\r?\n", msg, maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def answer_to(msgs, cseq):
    """Status lines of the answers received to our request of CSeq cseq
    ("3 REFER"), with the Call-ID prefix d2 or d1."""
    out = []
    for d, m in msgs:
        if d == "received" and m.startswith("SIP/2.0") and \
                re.search(r"^CSeq:\s*" + re.escape(cseq) + r"\s*$", m,
                          re.M | re.I):
            cid = header(m, "Call-ID") or ""
            out.append(("d2" if cid.startswith("d2///") else "d1",
                        m.splitlines()[0].strip()))
    return out


def received(msgs, method):
    """(dialog, message) of the requests method received."""
    return [("d2" if (header(m, "Call-ID") or "").startswith("d2///")
             else "d1", m) for d, m in msgs
            if d == "received" and m.startswith(method + " ")]


def tail_tone(p, f, other):
    """Do the next 2 s phone p decodes hold tone f (not other)?"""
    recs = p.recordings()
    t0 = wav_data_seconds(recs[-1]) if recs else 0.0
    path = p.wait_recording(t0 + 2.0)
    return is_tone(path, f, other=other, start=t0 + 0.3)


def wait_record(sb, pred, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st, body_ = sb.api("GET", "/api/v1/calls?limit=50")
        for c in (body_ if st == 200 and isinstance(body_, list) else []):
            if pred(c) and c.get("ended_at"):
                return c
        time.sleep(0.2)
    return None


def agent(sb, scenario, keys):
    k = {"user": "1011"}
    k.update(keys)
    return Sipp(scenario, remote=("127.0.0.1", sb.sip_port), service="1001",
                auth=("1011", PW["1011"]), keys=k,
                extra=("-cid_str", "%u-%p-x"), timeout_s=40,
                recv_timeout_ms=20000)


# ---- REFER with Replaces ----------------------------------------------------

def test_refer_replaces(sb):
    refer_replaces(sb, "uac_attended", "d1")


def test_refer_on_consultation(sb):
    refer_replaces(sb, "uac_attended2", "d2")


def refer_replaces(sb, scenario, on):
    """The agent REFERs on dialog `on` (d1: the first call, Replaces
    naming the consultation; d2: the other way round)."""
    desk = phone(sb, "1001", tone=440)
    erika = phone(sb, "1002", tone=1000)
    run = None
    try:
        S.check(desk.wait_registered(10) and erika.wait_registered(10),
                "two baresip phones register")
        run = agent(sb, scenario, {"service2": "1002",
                                   "rprefix": "d2%2F%2F%2F"})
        run.start()
        S.check(desk.wait_event("CALL_ESTABLISHED", 10) is not None,
                "the desk phone (1001) answers the agent's first call")
        S.check(erika.wait_event("CALL_ESTABLISHED", 10) is not None,
                "Erika (1002) answers the consultation")
        run.wait(30)
        msgs = messages(run)
        S.check(run.successful == 1, "the agent's scenario completes "
                "(two NOTIFYs and two BYEs)",
                f"rc={run.rc} {run.errors()[-400:]}")
        S.check(answer_to(msgs, "3 REFER") == [(on, "SIP/2.0 202 Accepted")],
                f"REFER with Replaces on {on} answered 202 Accepted",
                str(answer_to(msgs, "3 REFER")))
        S.check({dlg for dlg, m in received(msgs, "NOTIFY")} == {on},
                f"the NOTIFYs come in the REFER's dialog ({on})")
        n = [m for dlg, m in received(msgs, "NOTIFY")]
        S.check([body(x) for x in n] == ["SIP/2.0 100 Trying",
                                        "SIP/2.0 200 OK"],
                "NOTIFY bodies: SIP/2.0 100 Trying, then SIP/2.0 200 OK",
                repr([body(x) for x in n]))
        S.check(len(n) == 2 and header(n[1], "Subscription-State")
                .startswith("terminated") and
                header(n[0], "Content-Type") == "message/sipfrag;version=2.0",
                "sipfrag NOTIFYs, the last one terminates the subscription",
                str([header(x, "Subscription-State") for x in n]))
        byes = sorted(dlg for dlg, m in received(msgs, "BYE"))
        S.check(byes == ["d1", "d2"],
                "the agent is hung up on both of its dialogs", str(byes))
        S.check(desk.wait_event("CALL_CLOSED", 1) is None and
                erika.wait_event("CALL_CLOSED", 0.1) is None,
                "the desk phone and Erika stay connected")
        v = tail_tone(desk, 1000, 440)
        S.check(v, "the desk phone (transferee) hears Erika's 1000 Hz",
                str(v))
        v = tail_tone(erika, 440, 1000)
        S.check(v, "Erika (target) hears the desk phone's 440 Hz", str(v))
        desk.hangup()
        S.check(erika.wait_event("CALL_CLOSED", 10) is not None,
                "the desk phone hangs up: Erika's call ends (one call)")
        rec = wait_record(sb, lambda c: c["to_number"] == "1001" and
                          c["caller_leg"] == "device:1011")
        S.check(rec is not None and rec["disposition"] == "answered" and
                rec["sip_code"] == 200 and rec["ended_by"] == "caller" and
                rec["callee_leg"] == "device:1002",
                "record of the first call: answered, its callee Erika's "
                "phone now, ended by the desk phone (its caller side now)",
                str(rec))
        rec2 = wait_record(sb, lambda c: c["to_number"] == "1002" and
                           c["caller_leg"] == "device:1011")
        S.check(rec2 is not None and rec2["disposition"] == "answered" and
                rec2["ended_by"] == "caller" and
                rec2["callee_leg"] == "device:1002",
                "record of the consultation: answered, ended by the agent "
                "(caller) at the transfer", str(rec2))
    finally:
        if run:
            run.stop()
        desk.stop()
        erika.stop()


def test_refer_no_dialog(sb):
    desk = phone(sb, "1001", tone=440)
    erika = phone(sb, "1002", tone=1000)
    run = None
    try:
        desk.wait_registered(10)
        erika.wait_registered(10)
        run = agent(sb, "uac_attended", {"service2": "1002",
                                         "rprefix": "nosuch"})
        run.start()
        run.wait(30)
        msgs = messages(run)
        S.check(run.successful == 1, "no such dialog: the agent hangs up "
                "both calls itself", f"rc={run.rc} {run.errors()[-400:]}")
        S.check(answer_to(msgs, "3 REFER") == [("d1", "SIP/2.0 202 Accepted")],
                "no such dialog: REFER answered 202",
                str(answer_to(msgs, "3 REFER")))
        n = [m for dlg, m in received(msgs, "NOTIFY")]
        S.check([body(x) for x in n] ==
                ["SIP/2.0 100 Trying",
                 "SIP/2.0 481 Call/Transaction Does Not Exist"],
                "NOTIFY bodies: 100 Trying, then 481 Call/Transaction Does "
                "Not Exist", repr([body(x) for x in n]))
        S.check(not received(msgs, "BYE"), "no BYE from us")
        S.check(answer_to(msgs, "4 BYE") == [("d1", "SIP/2.0 200 OK")] and
                answer_to(msgs, "3 BYE") == [("d2", "SIP/2.0 200 OK")],
                "both calls were still up: the agent's BYEs answered 200",
                str(answer_to(msgs, "4 BYE") + answer_to(msgs, "3 BYE")))
        S.check(desk.wait_event("CALL_CLOSED", 10) is not None and
                erika.wait_event("CALL_CLOSED", 10) is not None,
                "the desk phone and Erika are hung up by the agent's BYEs")
    finally:
        if run:
            run.stop()
        desk.stop()
        erika.stop()


# ---- INVITE with Replaces ---------------------------------------------------

def test_invite_replaces(sb):
    desk = phone(sb, "1001", tone=440)
    try:
        desk.wait_registered(10)
        run = agent(sb, "uac_replaces", {"rparams": ""})
        try:
            run.start()
            S.check(desk.wait_event("CALL_ESTABLISHED", 10) is not None,
                    "the desk phone answers dialog 1")
            run.wait(30)
            msgs = messages(run)
            S.check(run.successful == 1, "the take-over scenario completes",
                    f"rc={run.rc} {run.errors()[-400:]}")
            S.check(("d2", "SIP/2.0 200 OK") in answer_to(msgs, "2 INVITE"),
                    "INVITE with Replaces answered 200 OK",
                    str(answer_to(msgs, "2 INVITE")))
            S.check([dlg for dlg, m in received(msgs, "BYE")] == ["d1"],
                    "the replaced dialog gets our BYE",
                    str(received(msgs, "BYE")))
            S.check(answer_to(msgs, "3 BYE") == [("d2", "SIP/2.0 200 OK")],
                    "the new dialog's BYE is answered 200",
                    str(answer_to(msgs, "3 BYE")))
            closed = desk.wait_event("CALL_CLOSED", 10)
            S.check(closed is not None, "... and ends the desk phone's call "
                    "(it was bridged to the new dialog)")
        finally:
            run.stop()
        rec = wait_record(sb, lambda c: c["to_number"] == "1001" and
                          c["caller_leg"] == "device:1011")
        S.check(rec is not None and rec["disposition"] == "answered" and
                rec["ended_by"] == "caller" and
                rec["callee_leg"] == "device:1001",
                "record: answered, ended by the caller side (the new "
                "dialog)", str(rec))
        for rparams, want, what in (
                ("x", "SIP/2.0 481 Call/Transaction Does Not Exist",
                 "a tag that matches no dialog"),
                (";early-only", "SIP/2.0 486 Busy Here",
                 "early-only for a confirmed dialog")):
            mark = desk.mark()
            run = agent(sb, "uac_replaces", {"rparams": rparams})
            try:
                run.run()
                msgs = messages(run)
                got = [s for dlg, s in answer_to(msgs, "2 INVITE")
                       if dlg == "d2"]
                S.check(got == [want], f"{what}: {want[8:]}", str(got))
                S.check(run.successful == 1 and
                        answer_to(msgs, "3 BYE") == [("d1", "SIP/2.0 200 OK")],
                        f"{what}: dialog 1 unchanged, its BYE answered 200",
                        f"rc={run.rc} {answer_to(msgs, '3 BYE')}")
            finally:
                run.stop()
            S.check(desk.wait_event("CALL_CLOSED", 10, since=mark)
                    is not None, f"{what}: the desk phone's call ends")
    finally:
        desk.stop()


# ---- the API --------------------------------------------------------------

def carrier_call(sb, duration_ms):
    return Sipp("uac", remote=("127.0.0.1", sb.sip_port),
                local_port=sb.trunk_port, service=DEMO["erika_personal"],
                calls=1, duration_ms=duration_ms, timeout_s=60,
                recv_timeout_ms=30000).start()


def test_api_attended(sb):
    tid, ann, max_id = demo_ids(sb, "Max")
    erika = phone(sb, "1002", tone=1000)
    desk = phone(sb, "1001", tone=440)
    uac = None
    try:
        erika.wait_registered(10)
        desk.wait_registered(10)
        uac = carrier_call(sb, 14000)
        S.check(erika.wait_event("CALL_ESTABLISHED", 10) is not None,
                "Erika answers a carrier's call")
        call = live_call(sb, DEMO["erika_personal"])
        S.check(call is not None, "the live call is in /api/v1/calls")
        cid = call["id"] if call else 0
        path = f"/api/v1/calls/{cid}/transfer"
        st, b = sb.api("POST", path + "/complete", {})
        S.check(st == 409 and b == {"error": f"call {cid} has no "
                                    "consultation"},
                "complete without a consultation: 409", f"{st} {b}")
        st, b = sb.api("POST", path, {"mode": "attended",
                                      "to": {"type": "announcement",
                                             "id": ann}})
        S.check(st == 422 and b == {"error": "to: an attended transfer "
                                    "needs an employee or a number"},
                "attended to an announcement: 422", f"{st} {b}")
        st, b = sb.api("POST", path, {"mode": "attended",
                                      "to": {"type": "employee",
                                             "id": max_id}})
        S.check(st == 201 and b.get("caller_leg") == "device:1002" and
                b.get("to_number") == "1001" and
                b.get("direction") == "internal" and b.get("id") != cid,
                "attended to Max: 201 with the consultation's record "
                "(Erika's phone -> 1001)", f"{st} {b}")
        consult = b.get("id") if st == 201 else 0
        st2, b2 = sb.api("POST", path, {"mode": "blind",
                                        "to": {"type": "employee",
                                               "id": max_id}})
        S.check(st2 == 409 and b2 == {"error": f"call {cid}: a transfer is "
                                      "under way"},
                "a second transfer meanwhile: 409", f"{st2} {b2}")
        est = desk.wait_event("CALL_ESTABLISHED", 10)
        S.check(est is not None and
                f"sip:{DEMO['erika_personal']}@" not in est.get("peeruri", "")
                or est is not None,
                "Max's desk phone answers the consultation")
        v = tail_tone(desk, 1000, 440)
        S.check(v, "consultation: Max hears Erika (1000 Hz)", str(v))
        v = tail_tone(erika, 440, 1000)
        S.check(v, "consultation: Erika hears Max (440 Hz)", str(v))
        st, b = sb.api("POST", path + "/complete", {})
        S.check(st == 200 and b == {"id": cid, "consult_id": consult},
                "complete: 200 {id, consult_id}", f"{st} {b}")
        S.check(erika.wait_event("CALL_CLOSED", 10) is not None,
                "the transferor (Erika) is hung up")
        S.check(desk.wait_event("CALL_CLOSED", 1) is None,
                "Max stays on with the carrier's caller")
        st, c = sb.api("GET", f"/api/v1/calls/{consult}")
        S.check(st == 200 and c["disposition"] == "answered" and
                c["ended_by"] == "caller" and
                c["callee_leg"] == "device:1001",
                "the consultation's record: answered by Max's desk phone, "
                "ended by its caller (Erika)", f"{st} {c}")
        uac.wait(30)
        S.check(uac.successful == 1, "the carrier's call goes on and ends "
                "with its BYE answered", f"rc={uac.rc} {uac.errors()[-300:]}")
        S.check(desk.wait_event("CALL_CLOSED", 10) is not None,
                "... which ends Max's call (bridged to the carrier)")
        rec = wait_record(sb, lambda c: c["id"] == cid)
        S.check(rec is not None and rec["disposition"] == "answered" and
                rec["callee_leg"] == "device:1001" and
                rec["ended_by"] == "caller",
                "the call's record: answered, callee Max's desk phone now",
                str(rec))
        st, b = sb.api("POST", path, {"mode": "blind",
                                      "to": {"type": "employee",
                                             "id": max_id}})
        S.check(st == 409 and b == {"error": f"call {cid} has ended"},
                "transfer of an ended call: 409", f"{st} {b}")
    finally:
        if uac:
            uac.stop()
        erika.stop()
        desk.stop()


def test_api_blind(sb):
    tid, ann, max_id = demo_ids(sb, "Max")
    erika = phone(sb, "1002", tone=1000)
    desk = phone(sb, "1001", tone=440)
    uac = None
    try:
        erika.wait_registered(10)
        desk.wait_registered(10)
        uac = carrier_call(sb, 8000)
        erika.wait_event("CALL_ESTABLISHED", 10)
        call = live_call(sb, DEMO["erika_personal"])
        cid = call["id"] if call else 0
        path = f"/api/v1/calls/{cid}/transfer"
        bad = [
            ({"mode": "later", "to": {"type": "employee", "id": max_id}},
             422, "mode: must be blind or attended"),
            ({"mode": "blind"}, 422, "to: is required"),
            ({"mode": "blind", "to": {"type": "queue2", "id": 1}}, 422,
             None),
            ({"mode": "blind", "to": {"type": "employee", "id": 999999}},
             422, "to.id: employee 999999 does not exist"),
            ({"mode": "blind", "to": {"type": "employee"}}, 422,
             "to.id: is required"),
            ({"mode": "blind", "to": {"number": "1099"}}, 422,
             "to.number: 1099 leads nowhere (404 Not Found)"),
            ({"mode": "blind", "to": {"number": "1001", "id": 1}}, 422,
             "to: either number or type and id"),
            ({"mode": "blind", "to": {"type": "employee", "id": max_id},
              "x": 1}, 422, "body.x: unknown field"),
        ]
        st, t2 = sb.api("POST", "/api/v1/tenants",
                        {"name": "Andere GmbH", "area_code": "30"})
        st2, e2 = sb.api("POST", "/api/v1/employees",
                         {"tenant_id": t2.get("id"), "first_name": "Other",
                          "last_name": "Tenant"})
        S.check(st == 201 and st2 == 201, "a second tenant with an employee",
                f"{st} {t2} {st2} {e2}")
        other = e2.get("id", 0)
        bad.append(({"mode": "blind", "to": {"type": "employee",
                                             "id": other}}, 422,
                    f"to.id: employee {other} belongs to another tenant"))
        for req, want_st, want in bad:
            st, b = sb.api("POST", path, req)
            ok = st == want_st and (b.get("error") == want if want else
                                    b.get("error", "").startswith(
                                        "to.type: must be "))
            S.check(ok, f"{req}: {want_st} {want or 'to.type: ...'}",
                    f"{st} {b}")
        st, b = sb.api("POST", "/api/v1/calls/999999/transfer",
                       {"mode": "blind", "to": {"number": "1001"}})
        S.check(st == 404 and b == {"error": "call 999999 not found"},
                "unknown call: 404", f"{st} {b}")
        st, b = sb.api("POST", path, {"mode": "blind",
                                      "to": {"number": "1001"}})
        S.check(st == 202 and b == {"id": cid, "mode": "blind"},
                "blind to the number 1001: 202", f"{st} {b}")
        S.check(desk.wait_event("CALL_ESTABLISHED", 10) is not None,
                "Max's desk phone answers")
        S.check(erika.wait_event("CALL_CLOSED", 10) is not None,
                "Erika is hung up once Max answered")
        uac.wait(30)
        S.check(uac.successful == 1, "the carrier's call ends normally",
                f"rc={uac.rc} {uac.errors()[-300:]}")
        rec = wait_record(sb, lambda c: c["id"] == cid)
        S.check(rec is not None and rec["callee_leg"] == "device:1001" and
                rec["disposition"] == "answered",
                "record: answered, callee Max's desk phone", str(rec))
    finally:
        if uac:
            uac.stop()
        erika.stop()
        desk.stop()


def main():
    sb = Switchboard().start()
    try:
        for t in (test_refer_replaces, test_refer_on_consultation,
                  test_refer_no_dialog,
                  test_invite_replaces, test_api_attended, test_api_blind):
            S.run(t, sb)
            S.check(sb.alive(), f"server alive after {t.__name__}")
            time.sleep(0.2)
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
