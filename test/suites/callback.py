#!/usr/bin/env python3
"""callback.py - queue callbacks (virtual hold) with real phones.

Erika (1002, baresip, 1000 Hz) is the agent of a queue that offers
callbacks; the customer is Max's personal number +4922182829901 (his
baresip 1001, 800 Hz), as trunks are covered elsewhere.  Retries are
short here: SWITCHBOARD_CALLBACK_RETRY=2 s, SWITCHBOARD_CALLBACK_ATTEMPTS=2.

  completed: a request by hand (POST /api/v1/callbacks) -> Erika's phone
             rings showing the customer's number, she answers, hears whom
             she calls back, then Max's phone rings (showing the central
             number) and answers; both hear each other; the request is
             completed after 1 attempt with Erika as its agent
  failed:    Max rejects (486) every call: requested again with
             attempts 1 and a next attempt, then failed after 2
  keypad:    a caller in the queue (Max's 1001) while nobody is free
             presses 3, 1 (this number), confirms: the request is stored
             with the call's record and arrival, the caller hears the
             confirmation and is hung up
  take:      Erika, paused for callbacks, takes the second request with
             her own token: only her phone rings, the customer is called,
             completed; paused again afterwards; the first still waits;
             422/403/409/404 of a take
  cancel:    with nobody logged in the request waits; cancel: 200
             cancelled, again: 409
  errors:    422 queue_id, number, unknown field; 404; 400 state
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard, demo_ids  # noqa: E402
from peers import Baresip  # noqa: E402
from audio import is_tone  # noqa: E402

S = Suite("callback")
PW = DEMO["devices"]
CUSTOMER = "+4922182829901"  # Max's personal number
NUMBER = "+4922182829950"    # the queue


def act(sb, emp, action, reason=None):
    body = {"action": action}
    if reason:
        body["reason"] = reason
    return sb.api("POST", f"/api/v1/agents/{emp}/state", body)


def cb_wait(sb, cid, pred, timeout=20):
    deadline = time.time() + timeout
    c = None
    while time.time() < deadline:
        st, c = sb.api("GET", f"/api/v1/callbacks/{cid}")
        if st == 200 and pred(c):
            return c
        time.sleep(0.2)
    return c


def tone_at_end(ph, hz, other):
    from audio import read_wav
    recs = ph.recordings()
    if not recs:
        return "no recording"
    rate, x = read_wav(recs[-1])
    dur = len(x) / rate
    if dur < 2:
        return f"recording of {dur:.1f} s"
    return is_tone(recs[-1], hz, start=dur - 1.6, end=dur - 0.4,
                   min_seconds=0.5, other=other)


def setup(sb, tid, erika):
    st, q = sb.api("POST", "/api/v1/queues",
                   {"tenant_id": tid, "name": "Rueckruf",
                    "strategy": "ring_all", "ring_timeout": 10,
                    "wrapup": 0, "max_misses": 3, "callback": True,
                    "members": [{"employee_id": erika}]})
    S.check(st == 201 and q["callback"] is True,
            "a queue offering callbacks, Erika its member: 201", f"{st} {q}")
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": NUMBER, "target_type": "queue",
                    "target_id": q["id"]})
    S.check(st == 201, "a number routed to the queue: 201", f"{st} {n}")
    return q["id"]


def test_completed(sb, ids, qid, mx, er):
    tid, erika = ids
    st, _ = act(sb, erika, "login")
    S.check(st == 200, "Erika logs in", str(st))
    m1, m2 = mx.mark(), er.mark()
    st, cb = sb.api("POST", "/api/v1/callbacks",
                    {"queue_id": qid, "number": "0221 82829901"})
    S.check(st == 201 and cb["state"] == "requested" and
            cb["number"] == CUSTOMER and cb["attempts"] == 0 and
            cb["queue_id"] == qid and cb["tenant_id"] == tid and
            cb["agent_id"] is None and cb["call_id"] is None,
            "POST /api/v1/callbacks: 201, requested, the number in E.164",
            f"{st} {cb}")
    if st != 201:
        return
    ev = er.wait_event("CALL_ESTABLISHED", 15, since=m2)
    S.check(ev is not None, "Erika's phone rings first and she answers")
    S.check(ev is not None and f"sip:{CUSTOMER}@" in ev.get("peeruri", ""),
            "her phone shows whom she calls back", str(ev))
    ev = mx.wait_event("CALL_ESTABLISHED", 20, since=m1)
    S.check(ev is not None,
            "after the spoken number the customer's phone rings, answers")
    S.check(ev is not None and "sip:+4922182829900@" in
            ev.get("peeruri", ""),
            "the customer sees the tenant's central number", str(ev))
    c = cb_wait(sb, cb["id"], lambda c: c["state"] == "completed")
    S.check(c["state"] == "completed" and c["attempts"] == 1 and
            c["agent_id"] == erika,
            "the request: completed after 1 attempt, Erika its agent",
            str(c))
    time.sleep(3.0)
    er.hangup()
    S.check(mx.wait_event("CALL_CLOSED", 10, since=m1) is not None,
            "Erika hangs up: the customer's call ends")
    v = tone_at_end(mx, 1000, 800)
    S.check(v, "the customer hears Erika (1000 Hz)", str(v))
    v = tone_at_end(er, 800, 1000)
    S.check(v, "Erika hears the customer (800 Hz)", str(v))
    st, lst = sb.api("GET", f"/api/v1/callbacks?queue_id={qid}"
                     "&state=completed")
    S.check(st == 200 and [x["id"] for x in lst] == [cb["id"]],
            "listed with queue_id and state=completed", f"{st} {lst}")


def test_failed(sb, ids, qid, er):
    tid, erika = ids
    mx = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port),
                 auto_answer=False)
    mx.start()
    try:
        S.check(mx.wait_registered(10), "the customer's phone, by hand")
        st, cb = sb.api("POST", "/api/v1/callbacks",
                        {"queue_id": qid, "number": CUSTOMER})
        S.check(st == 201, "another request: 201", f"{st} {cb}")
        for n in (1, 2):
            m = mx.mark()
            ev = mx.wait_event("CALL_INCOMING", 20, since=m)
            S.check(ev is not None, f"attempt {n}: the customer's phone "
                    "rings")
            time.sleep(0.3)
            mx.hangup()  # rejected: 486
            if n == 1:
                c = cb_wait(sb, cb["id"], lambda c: c["attempts"] == 1 and
                            c["state"] == "requested")
                S.check(c["state"] == "requested" and c["attempts"] == 1
                        and c["next_at"] is not None,
                        "busy: requested again, 1 attempt, a next attempt "
                        "time", str(c))
        c = cb_wait(sb, cb["id"], lambda c: c["state"] == "failed")
        S.check(c["state"] == "failed" and c["attempts"] == 2,
                "after 2 attempts: failed", str(c))
        S.check(mx.wait_event("CALL_INCOMING", 4, since=mx.mark()) is None,
                "no third attempt")
        st, b = sb.api("POST", f"/api/v1/callbacks/{cb['id']}/cancel", {})
        S.error_is("cancel a failed one: 409", (st, b), 409,
                   f"callback {cb['id']} has finished (failed)")
    finally:
        mx.stop()


def test_keypad(sb, ids, qid, er):
    """Erika paused (nobody free): a caller (internal, so he types a
    number) presses 3 for a callback, types Max's number, confirms.  A
    request made by hand after his call arrived waits behind his: when
    Erika is back, his is offered first (his place kept), completes."""
    tid, erika = ids
    act(sb, erika, "logout")
    act(sb, erika, "login")
    mx = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port),
                 tone=800)
    mx.start()
    try:
        S.check(mx.wait_registered(10), "the caller's phone registers")
        st, _ = act(sb, erika, "pause", "Pause")
        S.check(st == 200, "Erika pauses: nobody free", str(st))
        m = mx.mark()
        mx.dial(f"sip:{NUMBER}@127.0.0.1:{sb.sip_port}")
        S.check(mx.wait_event("CALL_ESTABLISHED", 10, since=m) is not None,
                "the queue answers the caller")
        time.sleep(2.0)
        st, later = sb.api("POST", "/api/v1/callbacks",
                           {"queue_id": qid, "number": "+49301234567"})
        S.check(st == 201, "meanwhile a request by hand: 201",
                f"{st} {later}")
        time.sleep(2.0)
        mx.send_dtmf("3")
        time.sleep(3.0)
        mx.send_dtmf("022182829901#")  # an internal caller types one
        time.sleep(2.5)
        mx.send_dtmf("1")  # confirms the number read back
        ev = mx.wait_event("CALL_CLOSED", 25, since=m)
        S.check(ev is not None, "the caller hears the confirmation and is "
                "hung up")
        st, lst = sb.api("GET", f"/api/v1/callbacks?queue_id={qid}"
                         "&state=requested")
        mine = [x for x in lst or [] if x["number"] == CUSTOMER]
        c = mine[0] if mine else {}
        S.check(len(lst or []) == 2 and len(mine) == 1 and
                c.get("attempts") == 0 and lst[0] == c,
                "stored: requested, the typed number in E.164, listed "
                "before the later request", f"{st} {lst}")
        st, calls = sb.api("GET", f"/api/v1/calls?tenant_id={tid}")
        rec = [x for x in calls if x["to_number"] == NUMBER]
        S.check(c and rec and c.get("call_id") == rec[0]["id"],
                "with the caller's call record", f"{c} {rec[:1]}")
        S.check(c and rec and c.get("arrived_at") == rec[0]["started_at"],
                "and its arrival (the call's start)", f"{c} {rec[:1]}")
        m, me = mx.mark(), er.mark()
        st, _ = act(sb, erika, "unpause")
        ev = er.wait_event("CALL_ESTABLISHED", 15, since=me)
        S.check(ev is not None and f"sip:{CUSTOMER}@" in
                ev.get("peeruri", ""),
                "Erika back: the caller's request is offered first (his "
                "place kept)", str(ev))
        S.check(mx.wait_event("CALL_ESTABLISHED", 20, since=m) is not None,
                "the caller's phone rings and answers")
        done = cb_wait(sb, c["id"], lambda x: x["state"] == "completed") \
            if c else {}
        S.check(done.get("state") == "completed" and
                done.get("attempts") == 1,
                "the callback to the typed number completed", str(done))
        from datetime import datetime
        from zoneinfo import ZoneInfo
        day = datetime.now(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d")
        st, r = sb.api("GET", f"/api/v1/queues/{qid}/stats"
                       f"?from={day}&to={day}")
        tot = (r or {}).get("total", {})
        S.check(st == 200 and tot.get("offered") == 1 and
                tot.get("callback") == 1 and
                tot.get("callbacks_requested") == 1 and
                tot.get("callbacks_completed") == 1,
                "the queue's statistics: 1 offered, left for a callback, "
                "1 callback requested and 1 completed", f"{st} {tot}")
        time.sleep(1.0)
        me = er.mark()
        er.hangup()
        ev = er.wait_event("CALL_ESTABLISHED", 15, since=me)
        S.check(ev is not None and "sip:+49301234567@" in
                ev.get("peeruri", ""),
                "then the later request rings Erika", str(ev))
        st, x = sb.api("POST", f"/api/v1/callbacks/{later['id']}/cancel",
                       {})
        S.check(st == 200 and x["state"] == "cancelled",
                "cancelled through the API: 200", f"{st} {x}")
    finally:
        mx.stop()
        act(sb, erika, "logout")


def test_take(sb, ids, qid, er):
    """Erika, paused for callbacks, takes the second request out of its
    turn with her own token: her phone alone rings, then the customer's;
    completed; paused again with her reason afterwards; the first request
    still waits."""
    tid, erika = ids
    act(sb, erika, "logout")
    act(sb, erika, "login")
    st, _ = act(sb, erika, "pause", "Rückrufe")
    S.check(st == 200, "Erika pauses (Rückrufe)", str(st))
    mx = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port),
                 tone=800)
    mx.start()
    try:
        S.check(mx.wait_registered(10), "the customer's phone registers")
        st, a = sb.api("POST", "/api/v1/callbacks",
                       {"queue_id": qid, "number": "+49301234567"})
        st2, b = sb.api("POST", "/api/v1/callbacks",
                        {"queue_id": qid, "number": CUSTOMER})
        S.check(st == 201 and st2 == 201, "two requests: 201, 201",
                f"{st} {a} {st2} {b}")
        st, t = sb.api("POST", f"/api/v1/agents/{erika}/token", {})
        tok = t["token"] if st == 201 else None
        take = lambda i, body, token="__admin__": sb.api(  # noqa: E731
            "POST", f"/api/v1/callbacks/{i}/take", body, token=token)
        S.error_is("take as admin without agent_id: 422",
                   take(b["id"], {}), 422, "agent_id: is required")
        S.error_is("agent_id 0: 422", take(b["id"], {"agent_id": 0}), 422,
                   "agent_id: must be a positive integer")
        S.error_is("unknown agent: 422", take(b["id"], {"agent_id": 99999}),
                   422, "agent_id: does not exist")
        _, _, max_id = demo_ids(sb, "Max")
        S.error_is("not a member of the queue: 422",
                   take(b["id"], {"agent_id": max_id}), 422,
                   f"agent_id: {max_id} is not a member of queue {qid}")
        S.error_is("an agent for another: 403",
                   take(b["id"], {"agent_id": max_id}, tok), 403,
                   "agent_id: role agent may only take callbacks itself")
        S.error_is("unknown field: 422", take(b["id"], {"x": 1}, tok), 422,
                   "body.x: unknown field")
        S.error_is("unknown request: 404", take(99999, {}, tok), 404,
                   "callback 99999 not found")
        m, me = mx.mark(), er.mark()
        st, c = take(b["id"], {}, tok)
        S.check(st == 200 and c["state"] == "calling" and c["id"] == b["id"],
                "Erika takes the second request with her token: 200, "
                "calling", f"{st} {c}")
        ev = er.wait_event("CALL_ESTABLISHED", 15, since=me)
        S.check(ev is not None and f"sip:{CUSTOMER}@" in
                ev.get("peeruri", ""),
                "her phone rings for it (not for the first) and she "
                "answers", str(ev))
        S.check(mx.wait_event("CALL_ESTABLISHED", 20, since=m) is not None,
                "then the customer's phone rings and answers")
        c = cb_wait(sb, b["id"], lambda c: c["state"] == "completed")
        S.check(c["state"] == "completed" and c["agent_id"] == erika,
                "the request taken: completed, Erika its agent", str(c))
        S.error_is("take a finished one: 409", take(b["id"], {}, tok), 409,
                   f"callback {b['id']} has finished (completed)")
        S.error_is("take another while on the call: 409",
                   take(a["id"], {}, tok), 409,
                   f"agent {erika} is not available (on_call)")
        er.hangup()
        S.check(mx.wait_event("CALL_CLOSED", 10, since=m) is not None,
                "Erika hangs up: the customer's call ends")
        time.sleep(1.5)
        st, ag = sb.api("GET", f"/api/v1/agents/{erika}")
        S.check(st == 200 and ag.get("state") == "paused" and
                ag.get("reason") == "Rückrufe",
                "afterwards Erika is paused again (Rückrufe)", f"{st} {ag}")
        st, x = sb.api("GET", f"/api/v1/callbacks/{a['id']}")
        S.check(st == 200 and x["state"] == "requested" and
                x["attempts"] == 0,
                "the first request still waits, untouched", f"{st} {x}")
        st, x = sb.api("POST", f"/api/v1/callbacks/{a['id']}/cancel", {})
        S.check(st == 200 and x["state"] == "cancelled",
                "and is dropped through the API: 200", f"{st} {x}")
    finally:
        mx.stop()
        act(sb, erika, "logout")


def test_restart(sb, ids, qid, er):
    """A request survives a restart: joined again at start, it rings
    Erika once she logs in; cancelled while her call runs: hung up."""
    tid, erika = ids
    act(sb, erika, "logout")
    st, cb = sb.api("POST", "/api/v1/callbacks",
                    {"queue_id": qid, "number": "+49301234567"})
    S.check(st == 201, "a request while nobody is logged in: 201",
            f"{st} {cb}")
    code = sb.stop()
    S.check(code == 0, "the server stops cleanly", f"exit {code}")
    sb.start()
    st, c = sb.api("GET", f"/api/v1/callbacks/{cb['id']}")
    S.check(st == 200 and c["state"] == "requested",
            "after the restart: still requested", f"{st} {c}")
    S.check(er.wait_registered(70), "Erika's phone is registered")
    m = er.mark()
    st, _ = act(sb, erika, "login")
    # at once: the request that found nobody logged in joins on her login
    # (acd_cb_rejoin), not at its 10 s retry
    ev = er.wait_event("CALL_ESTABLISHED", 6, since=m)
    S.check(ev is not None and "sip:+49301234567@" in ev.get("peeruri", ""),
            "Erika logs in: the request rings her at once (not at the "
            "10 s retry)", f"{ev}\n{sb.tail(30)}")
    st, c = sb.api("POST", f"/api/v1/callbacks/{cb['id']}/cancel", {})
    S.check(st == 200 and c["state"] == "cancelled",
            "cancelled while it calls: 200", f"{st} {c}")
    S.check(er.wait_event("CALL_CLOSED", 10, since=m) is not None,
            "her call is hung up")
    act(sb, erika, "logout")


def test_cancel_errors(sb, ids, qid):
    tid, erika = ids
    act(sb, erika, "logout")
    st, cb = sb.api("POST", "/api/v1/callbacks",
                    {"queue_id": qid, "number": "+49301234567"})
    S.check(st == 201, "a request while nobody is logged in: 201",
            f"{st} {cb}")
    time.sleep(1.0)
    st, c = sb.api("GET", f"/api/v1/callbacks/{cb['id']}")
    S.check(st == 200 and c["state"] == "requested",
            "it waits: requested", f"{st} {c}")
    st, c = sb.api("POST", f"/api/v1/callbacks/{cb['id']}/cancel", {})
    S.check(st == 200 and c["state"] == "cancelled", "cancel: 200 cancelled",
            f"{st} {c}")
    S.error_is("cancel again: 409",
               sb.api("POST", f"/api/v1/callbacks/{cb['id']}/cancel", {}),
               409, f"callback {cb['id']} has finished (cancelled)")
    st, t = sb.api("POST", f"/api/v1/agents/{erika}/token", {})
    tok = t["token"] if st == 201 else None
    st, lst = sb.api("GET", "/api/v1/callbacks?tenant_id=99", token=tok)
    S.check(st == 200 and [x["id"] for x in lst] == [cb["id"]],
            "an agent's token lists its tenant's requests (tenant_id "
            "ignored)", f"{st} {lst}")
    st, x = sb.api("GET", f"/api/v1/callbacks/{cb['id']}", token=tok)
    S.check(st == 200 and x["state"] == "cancelled",
            "and reads one: 200", f"{st} {x}")
    S.error_is("unknown id: 404",
               sb.api("GET", "/api/v1/callbacks/99999"), 404,
               "callback 99999 not found")
    S.error_is("cancel unknown: 404",
               sb.api("POST", "/api/v1/callbacks/99999/cancel", {}), 404,
               "callback 99999 not found")
    post = lambda b: sb.api("POST", "/api/v1/callbacks", b)  # noqa: E731
    S.error_is("no queue_id: 422", post({"number": "+49301234567"}), 422,
               "queue_id: is required")
    S.error_is("queue_id 0: 422", post({"queue_id": 0, "number": "+4930"}),
               422, "queue_id: must be a positive integer")
    S.error_is("unknown queue: 422",
               post({"queue_id": 999, "number": "+49301234567"}), 422,
               "queue_id: queue 999 does not exist")
    S.error_is("no number: 422", post({"queue_id": qid}), 422,
               "number: is required")
    S.error_is("bad number: 422", post({"queue_id": qid, "number": "12"}),
               422, "number: must be a phone number")
    S.error_is("unknown field: 422",
               post({"queue_id": qid, "number": "+49301234567", "x": 1}),
               422, "body.x: unknown field")
    S.error_is("bad state: 400",
               sb.api("GET", "/api/v1/callbacks?state=done"), 400,
               "state: must be requested, calling, completed, failed or "
               "cancelled")
    S.error_is("bad queue_id: 400",
               sb.api("GET", "/api/v1/callbacks?queue_id=x"), 400,
               "queue_id: must be a positive integer")


def main():
    sb = Switchboard(env={"SWITCHBOARD_CALLBACK_RETRY": "2",
                          "SWITCHBOARD_CALLBACK_ATTEMPTS": "2"}).start()
    try:
        tid, ann, erika = demo_ids(sb, "Erika")
        ids = (tid, erika)
        qid = setup(sb, tid, erika)
        S.run(test_cancel_errors, sb, ids, qid)
        srv = ("127.0.0.1", sb.sip_port)
        er = Baresip("1002", PW["1002"], server=srv, tone=1000)
        er.start()
        try:
            mx = Baresip("1001", PW["1001"], server=srv, tone=800)
            mx.start()
            try:
                S.check(mx.wait_registered(10) and er.wait_registered(10),
                        "Max's and Erika's phones register")
                S.run(test_completed, sb, ids, qid, mx, er)
            finally:
                mx.stop()
            S.run(test_failed, sb, ids, qid, er)
            S.run(test_keypad, sb, ids, qid, er)
            S.run(test_take, sb, ids, qid, er)
            S.run(test_restart, sb, ids, qid, er)
        finally:
            er.stop()
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
