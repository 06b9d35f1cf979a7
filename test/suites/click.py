#!/usr/bin/env python3
"""click.py - click to call (POST /api/v1/calls) with real phones.

Max (1001, baresip, 800 Hz) and Erika (1002, baresip, 1000 Hz) register.
The API places a call from Max to Erika's extension: Max's phone rings
first (showing the number he calls) and answers; then Erika's phone rings
(showing Max) and answers; each hears the other's tone through us.  The
record: internal, caller_leg "employee:<Max>", callee Erika's phone,
answered, ended by the caller when Max hangs up.  Then: Max's phone
rejects (busy): the record says busy and Erika's phone never rings; the
errors with their exact status and text.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard, demo_ids  # noqa: E402
from peers import Baresip  # noqa: E402
from audio import is_tone  # noqa: E402

S = Suite("click")
PW = DEMO["devices"]


def record(sb, cid, timeout=10, ended=True):
    deadline = time.time() + timeout
    c = None
    while time.time() < deadline:
        st, c = sb.api("GET", f"/api/v1/calls/{cid}")
        if st == 200 and (c.get("ended_at") or not ended):
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


def test_click(sb, ids, mx, er):
    tid, maxid, erika = ids
    m1, m2 = mx.mark(), er.mark()
    st, c = sb.api("POST", "/api/v1/calls",
                   {"from": {"type": "employee", "id": maxid}, "to": "1002"})
    S.check(st == 201, "POST /api/v1/calls: 201", f"{st} {c}")
    if st != 201:
        return
    S.check(c["caller_leg"] == f"employee:{maxid}" and
            c["to_number"] == "1002" and c["direction"] == "internal" and
            c["from_number"] == "1001" and c["tenant_id"] == tid and
            c["answered_at"] is None and c["ended_at"] is None and
            c["sip_call_id"].startswith("sb-"),
            "the record: internal, from 1001 to 1002, caller_leg "
            "employee:<Max>, not answered yet", str(c))
    ev = mx.wait_event("CALL_ESTABLISHED", 10, since=m1)
    S.check(ev is not None, "Max's phone rings first and answers")
    S.check(ev is not None and "sip:1002@" in ev.get("peeruri", ""),
            "Max's phone shows the number he calls (1002)", str(ev))
    inc = er.wait_event("CALL_ESTABLISHED", 10, since=m2)
    S.check(inc is not None, "then Erika's phone rings and answers")
    S.check(inc is not None and "sip:1001@" in inc.get("peeruri", ""),
            "Erika's phone shows Max (1001)", str(inc))
    live = record(sb, c["id"], ended=False)
    S.check(live.get("answered_at") is not None and
            live.get("callee_leg") == "device:1002",
            "the record: answered by Erika's phone", str(live))
    time.sleep(3.0)
    mx.hangup()
    S.check(er.wait_event("CALL_CLOSED", 10, since=m2) is not None,
            "Max hangs up: Erika's call ends")
    v = tone_at_end(mx, 1000, 800)
    S.check(v, "Max hears Erika (1000 Hz)", str(v))
    v = tone_at_end(er, 800, 1000)
    S.check(v, "Erika hears Max (800 Hz)", str(v))
    r = record(sb, c["id"])
    S.check(r.get("disposition") == "answered" and r.get("sip_code") == 200
            and r.get("ended_by") == "caller",
            "the record: answered, 200, ended by the caller", str(r))


def device_id(sb, username):
    st, devs = sb.api("GET", "/api/v1/devices")
    return [d for d in devs if d["username"] == username][0]["id"]


def test_device(sb, ids, mx, er):
    """From one device: Max's desk phone 1001 rings first (his softclient
    1011 is not registered anyway), then Erika's."""
    tid, maxid, erika = ids
    m1, m2 = mx.mark(), er.mark()
    st, c = sb.api("POST", "/api/v1/calls",
                   {"from": {"type": "device", "id": device_id(sb, "1001")},
                    "to": "1002"})
    S.check(st == 201 and c["caller_leg"] == "device:1001" and
            c["to_number"] == "1002" and c["from_number"] == "1001",
            "from a device: 201, caller_leg device:1001", f"{st} {c}")
    S.check(mx.wait_event("CALL_ESTABLISHED", 10, since=m1) is not None,
            "the device rings and answers")
    S.check(er.wait_event("CALL_ESTABLISHED", 10, since=m2) is not None,
            "then Erika's phone")
    time.sleep(1.0)
    mx.hangup()
    r = record(sb, c["id"]) if st == 201 else {}
    S.check(r.get("disposition") == "answered" and
            r.get("callee_leg") == "device:1002",
            "the record: answered by Erika's phone", str(r))


def test_busy(sb, ids, er):
    """Max's phone answers 486: the call ends busy, Erika never rings."""
    tid, maxid, erika = ids
    mx = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port),
                 auto_answer=False)
    mx.start()
    try:
        S.check(mx.wait_registered(10), "Max's phone, answering by hand")
        m1, m2 = mx.mark(), er.mark()
        st, c = sb.api("POST", "/api/v1/calls",
                       {"from": {"type": "employee", "id": maxid},
                        "to": "1002"})
        S.check(st == 201, "placed: 201", f"{st} {c}")
        S.check(mx.wait_event("CALL_INCOMING", 10, since=m1) is not None,
                "Max's phone rings")
        mx.hangup()  # baresip rejects a ringing call: 486
        r = record(sb, c["id"]) if st == 201 else {}
        S.check(r.get("disposition") == "busy" and r.get("sip_code") == 486
                and r.get("answered_at") is None,
                "the record: busy, 486, never answered", str(r))
        S.check(er.wait_event("CALL_INCOMING", 1, since=m2) is None,
                "Erika's phone never rings")
    finally:
        mx.stop()


def test_errors(sb, ids):
    tid, maxid, erika = ids
    post = lambda b: sb.api("POST", "/api/v1/calls", b)  # noqa: E731
    S.error_is("no from: 422", post({"to": "1002"}), 422,
               "from: is required")
    S.error_is("from not an object: 422", post({"from": 3, "to": "1002"}),
               422, "from: must be an object")
    S.error_is("from.type ring_group: 422",
               post({"from": {"type": "ring_group", "id": 1},
                     "to": "1002"}),
               422, "from.type: must be employee or device")
    S.error_is("from device unknown: 422",
               post({"from": {"type": "device", "id": 9999}, "to": "1002"}),
               422, "from.id: device 9999 does not exist")
    soft = device_id(sb, "1011")
    S.error_is("a device not registered: 409",
               post({"from": {"type": "device", "id": soft}, "to": "1002"}),
               409, f"from: device {soft} is not registered")
    S.error_is("from.id unknown: 422",
               post({"from": {"type": "employee", "id": 9999},
                     "to": "1002"}),
               422, "from.id: employee 9999 does not exist")
    S.error_is("from.id 0: 422",
               post({"from": {"type": "employee", "id": 0}, "to": "1002"}),
               422, "from.id: must be a positive integer")
    S.error_is("unknown key: 422",
               post({"from": {"type": "employee", "id": maxid, "x": 1},
                     "to": "1002"}),
               422, "from.x: unknown field")
    S.error_is("no to: 422",
               post({"from": {"type": "employee", "id": maxid}}), 422,
               "to: is required")
    S.error_is("to empty: 422",
               post({"from": {"type": "employee", "id": maxid}, "to": ""}),
               422, "to: must be 1 to 32 characters")
    S.error_is("to leads nowhere: 422",
               post({"from": {"type": "employee", "id": maxid},
                     "to": "1099"}),
               422, "to: 1099 leads nowhere (404 Not Found)")
    S.error_is("a phone not registered: 409",
               post({"from": {"type": "employee", "id": erika},
                     "to": "1001"}),
               409, f"from: no phone of employee {erika} is registered")


def main():
    sb = Switchboard().start()
    try:
        tid, ann, erika = demo_ids(sb, "Erika")
        _, _, maxid = demo_ids(sb, "Max")
        ids = (tid, maxid, erika)
        srv = ("127.0.0.1", sb.sip_port)
        S.run(test_errors, sb, ids)
        mx = Baresip("1001", PW["1001"], server=srv, tone=800)
        er = Baresip("1002", PW["1002"], server=srv, tone=1000)
        mx.start()
        er.start()
        try:
            S.check(mx.wait_registered(10) and er.wait_registered(10),
                    "Max's and Erika's phones register")
            S.run(test_click, sb, ids, mx, er)
            S.run(test_device, sb, ids, mx, er)
        finally:
            mx.stop()
        try:
            S.run(test_busy, sb, ids, er)
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
