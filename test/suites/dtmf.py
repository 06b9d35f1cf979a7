#!/usr/bin/env python3
"""dtmf.py - key presses sent as RFC 4733 telephone-events reach the
server once each, and still reach the far phone.

Real peers press keys on answered calls:
  * baresip 1001 (PCMU) calls baresip 1002 (PCMA) and presses 1, 2, #;
    1002 presses 5 back.  Each press is a run of packets (start, repeats
    every 50 ms, three end packets); the far phone reports each digit
    (CALL_DTMF_START: the relay passes the events on with its payload
    type), and /api/v1/stats rtp.dtmf counts exactly one per press, in
    both directions: 3, then 4, and still 4 after the hang-up.
  * sipp plays the carrier and calls Erika's personal number (baresip
    1002 answers); it replays sipp's captures of a real phone pressing
    1, 5, # (test/data/sipp/uac_pcap_dtmf.xml: the end packet three
    times with one sequence number): 1002 gets 1, 5, #, rtp.dtmf + 3.
  * sipp plays the carrier again and sends SIP INFO in the dialog
    (test/data/sipp/uac_info.xml): text/plain is answered 415 with
    Accept naming application/dtmf-relay and application/dtmf, a
    dtmf-relay body that does not parse 400 Bad DTMF, "Signal=5" and
    application/dtmf "11" 200 each; 1002 gets 5 and # (both passed on
    as INFO application/dtmf-relay: baresip reads no application/dtmf),
    and the server's RTP count stays as it was.
  * sipp plays a carrier's phone that sends one press of key 1 both ways
    at once, RFC 4733 and SIP INFO (test/data/sipp/uac_both_ways.xml),
    to a menu whose key 1 leads to a second menu: that menu times out
    and says goodbye (BYE to sipp).  Key 1 twice would choose Erika in
    the second menu, no key at all the first menu's fallback, Erika too:
    her phone must not ring.
  * baresip 1001 calls the announcement and presses 7 while the prompt
    plays: the leg is bridged to nobody, the press is counted all the
    same (the receiver sits before the relay).
The server's count is read from the API; what the phones hear is what
baresip reports.  Every wait is for an event, with a timeout.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard, demo_ids  # noqa: E402
from peers import Baresip, Sipp, wait_for  # noqa: E402

S = Suite("dtmf")
PW = DEMO["devices"]


def phone(sb, user, **kw):
    p = Baresip(user, PW[user], server=("127.0.0.1", sb.sip_port), **kw)
    p.start()
    return p


def rtp_stats(sb):
    st, body = sb.api("GET", "/api/v1/stats")
    return body["rtp"] if st == 200 and body else {}


def wait_dtmf(sb, n, what):
    """rtp.dtmf reaches n (it is checked for equality by the caller)."""
    wait_for(lambda: rtp_stats(sb).get("dtmf", -1) >= n, 10, what,
             lambda: str(rtp_stats(sb)))
    return rtp_stats(sb).get("dtmf")


def press(sender, receiver, key):
    """sender presses key; the digit receiver's baresip reports (its
    CALL_DTMF_START param), or None."""
    m = receiver.mark()
    sender.send_dtmf(key)
    ev = receiver.wait_event("CALL_DTMF_START", 10, since=m)
    if ev is not None:
        receiver.wait_event("CALL_DTMF_END", 10, since=m)
    return ev.get("param") if ev else None


def test_bridged(sb):
    """Digits both ways on a call between two phones."""
    a = phone(sb, "1001", tone=440, codecs=("pcmu",))
    b = phone(sb, "1002", tone=1000, codecs=("pcma",))
    try:
        S.check(a.wait_registered(10) and b.wait_registered(10),
                "1001 and 1002 register")
        S.check(rtp_stats(sb).get("dtmf") == 0,
                "rtp.dtmf of a fresh server is 0", str(rtp_stats(sb)))
        a.dial(f"sip:1002@127.0.0.1:{sb.sip_port}")
        S.check(a.wait_event("CALL_ESTABLISHED", 10) is not None and
                b.wait_event("CALL_ESTABLISHED", 10) is not None,
                "1001 reaches 1002")
        got = [press(a, b, k) for k in "12#"]
        S.check(got == ["1", "2", "#"], "1002's phone gets 1, 2, # in "
                "order (relayed PCMU leg -> PCMA leg)", str(got))
        n = wait_dtmf(sb, 3, "rtp.dtmf 3")
        S.check(n == 3, "three presses of 1001: rtp.dtmf 3, one per "
                "press", str(rtp_stats(sb)))
        got = press(b, a, "5")
        S.check(got == "5", "1001's phone gets 5 from 1002", str(got))
        n = wait_dtmf(sb, 4, "rtp.dtmf 4")
        S.check(n == 4, "a press of 1002: rtp.dtmf 4", str(rtp_stats(sb)))
        a.hangup()
        S.check(b.wait_event("CALL_CLOSED", 10) is not None,
                "hang-up reaches 1002")
        wait_for(lambda: rtp_stats(sb).get("legs") == 0, 10,
                 "the call's legs to go")
        st = rtp_stats(sb)
        S.check(st.get("dtmf") == 4, "after the call: still 4 (no end "
                "or repeat packet counted as a press)", str(st))
    finally:
        a.stop()
        b.stop()


def test_pcap(sb):
    """A carrier's call replays a real phone's key presses."""
    b = phone(sb, "1002", tone=1000)
    try:
        S.check(b.wait_registered(10), "1002 registers")
        n0 = rtp_stats(sb).get("dtmf")
        run = Sipp("uac_pcap_dtmf", remote=("127.0.0.1", sb.sip_port),
                   local_port=sb.trunk_port, service=DEMO["erika_personal"],
                   calls=1, timeout_s=40, recv_timeout_ms=15000).run()
        S.check(run.rc == 0 and run.successful == 1,
                "sipp's call with three key presses succeeds",
                f"rc {run.rc} {run.screen[-300:] if run.screen else ''}")
        got = []
        for _ in range(3):
            ev = b.wait_event("CALL_DTMF_START", 5)
            got.append(ev.get("param") if ev else None)
        S.check(got == ["1", "5", "#"], "1002's phone gets 1, 5, #",
                str(got))
        wait_for(lambda: rtp_stats(sb).get("legs") == 0, 10,
                 "the call's legs to go")
        n = rtp_stats(sb).get("dtmf")
        S.check(n == n0 + 3, "three captured presses (30 packets): "
                "rtp.dtmf + 3", f"{n0} -> {n}")
        run.cleanup()
    finally:
        b.stop()


def test_info(sb):
    """Key presses as SIP INFO: exact answers, the digits passed on."""
    b = phone(sb, "1002", tone=1000)
    try:
        S.check(b.wait_registered(10), "1002 registers")
        n0 = rtp_stats(sb).get("dtmf")
        m = b.mark()
        run = Sipp("uac_info", remote=("127.0.0.1", sb.sip_port),
                   local_port=sb.trunk_port, service=DEMO["erika_personal"],
                   calls=1, timeout_s=40, recv_timeout_ms=15000).run()
        S.check(run.rc == 0 and run.successful == 1,
                "INFO text/plain: 415 with Accept; Signal=Z: 400 Bad DTMF; "
                "dtmf-relay 5 and application/dtmf 11: 200 each",
                f"rc {run.rc} {run.errors()[-600:] if run.errors() else ''}")
        got = []
        for _ in range(2):
            ev = b.wait_event("CALL_DTMF_START", 5, since=m)
            if ev is None:
                break
            got.append(ev.get("param"))
        S.check(got == ["5", "#"], "1002's phone gets 5 and # by INFO",
                str(got))
        wait_for(lambda: rtp_stats(sb).get("legs") == 0, 10,
                 "the call's legs to go")
        n = rtp_stats(sb).get("dtmf")
        S.check(n == n0, "INFO digits are not RTP events: rtp.dtmf stays",
                f"{n0} -> {n}")
        run.cleanup()
    finally:
        b.stop()


def test_both_ways(sb):
    """One press sent as RFC 4733 and as SIP INFO is one key."""
    tid, _, erika = demo_ids(sb, "Erika")
    menu = {"tenant_id": tid, "timeout": 2, "retries": 0}
    st, m2 = sb.api("POST", "/api/v1/ivr_menus", dict(
        menu, name="Second", options=[{"key": "1", "target_type": "employee",
                                       "target_id": erika}],
        fallback_type="none", fallback_id=None))
    S.check(st == 201, "second menu (1: Erika, no key: goodbye): 201",
            f"{st} {m2}")
    st, m1 = sb.api("POST", "/api/v1/ivr_menus", dict(
        menu, name="First", options=[{"key": "1", "target_type": "ivr",
                                      "target_id": m2["id"]}],
        fallback_type="employee", fallback_id=erika))
    S.check(st == 201, "first menu (1: second menu, no key: Erika): 201",
            f"{st} {m1}")
    number = "+4922182829951"
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": number, "target_type": "ivr",
                    "target_id": m1["id"]})
    S.check(st == 201, "a number routed to the first menu: 201", f"{st} {n}")
    b = phone(sb, "1002", tone=1000)
    try:
        S.check(b.wait_registered(10), "1002 registers")
        m = b.mark()
        run = Sipp("uac_both_ways", remote=("127.0.0.1", sb.sip_port),
                   local_port=sb.trunk_port, service=number,
                   calls=1, timeout_s=60, recv_timeout_ms=40000).run()
        S.check(run.rc == 0 and run.successful == 1,
                "key 1 by RFC 4733 and INFO: INFO 200, the second menu "
                "says goodbye (BYE from the server)",
                f"rc {run.rc} {run.errors()[-600:] if run.errors() else ''}")
        ev = b.wait_event("CALL_INCOMING", 1, since=m)
        S.check(ev is None, "one press, not two and not none: Erika's "
                "phone never rings", str(ev))
        run.cleanup()
    finally:
        b.stop()


def test_not_bridged(sb):
    """A press during the announcement: no peer leg, counted all the
    same."""
    a = phone(sb, "1001", tone=440)
    try:
        S.check(a.wait_registered(10), "1001 registers")
        n0 = rtp_stats(sb).get("dtmf")
        a.dial(f"sip:{DEMO['announcement']}@127.0.0.1:{sb.sip_port}")
        S.check(a.wait_event("CALL_ESTABLISHED", 10) is not None,
                "the announcement answers")
        a.send_dtmf("7")
        n = wait_dtmf(sb, n0 + 1, "rtp.dtmf + 1")
        S.check(n == n0 + 1, "a press during the prompt: rtp.dtmf + 1",
                f"{n0} -> {n}")
        a.hangup()
        wait_for(lambda: rtp_stats(sb).get("legs") == 0, 10,
                 "the call's leg to go")
        n = rtp_stats(sb).get("dtmf")
        S.check(n == n0 + 1, "after the call: + 1 still", f"{n0} -> {n}")
    finally:
        a.stop()


def stop(sb):
    """Stop the server: alive until now, then a clean exit (no leak, no
    sanitizer report)."""
    S.check(sb.alive(), "the server is alive after the calls")
    code = sb.stop()
    S.check(code == 0, "clean exit", f"exit {code}: {sb.tail(30)}")
    sb.cleanup()


def main():
    sb = Switchboard().start()
    try:
        for t in (test_bridged, test_pcap, test_info, test_both_ways,
                  test_not_bridged):
            S.run(t, sb)
    finally:
        stop(sb)
    S.finish()


if __name__ == "__main__":
    main()
