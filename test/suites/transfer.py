#!/usr/bin/env python3
"""transfer.py - blind transfer (REFER, RFC 3515) end to end, with real peers.

sipp plays Max's softclient (device 1011, test/data/sipp/uac_refer*.xml):
it calls Erika (1002, a baresip phone), then sends REFER in that dialog.
Every check reads what arrived: the REFER's answer, the NOTIFY bodies
(message/sipfrag) and their Subscription-State in sipp's message trace,
the BYE to the transferor, the target phone's events (baresip 1001: the
transferee's call arrives and is established; it ends when the transferee
hangs up, so the two are in one call through us), the INVITE at the
carrier (sipp uas on the demo trunk) and its caller ID.

  success: REFER to 1001 -> 202, NOTIFY "SIP/2.0 100 Trying", NOTIFY
           "SIP/2.0 200 OK" (terminated), BYE to the transferor, Erika
           talks to Max's desk phone
  phone:   baresip's own REFER (its "transfer" command) from the callee
           of a carrier call: the carrier's caller ends up with 1001, the
           transferor is hung up
  busy:    REFER to an external number whose carrier answers 486 ->
           NOTIFY 486 (terminated), no BYE: the transferor's own BYE after
           it is answered 200 (Erika was bridged back to it), the trunk
           INVITE presents the tenant's central number
  refused: a bad Replaces (no from-tag) -> 400 (attended transfer:
           attended.py), tel: -> 416, no Refer-To -> 400, a call that
           is not bridged (the announcement answered it) -> 603
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard  # noqa: E402
from peers import Baresip, Sipp  # noqa: E402

S = Suite("transfer")
PW = DEMO["devices"]
EXTERNAL = "+49301234567"


def phone(sb, user, **kw):
    p = Baresip(user, PW[user], server=("127.0.0.1", sb.sip_port), **kw)
    p.start()
    return p


def messages(run):
    """sipp's message trace as a list of (direction, text) in order:
    direction "sent" or "received"."""
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
    return parts[1] if len(parts) > 1 else ""


def refer_answer(msgs):
    """The status line of the answer to our REFER, or None."""
    for d, m in msgs:
        if d == "received" and m.startswith("SIP/2.0") and \
                re.search(r"^CSeq:\s*3 REFER", m, re.M | re.I):
            return m.splitlines()[0].strip()
    return None


def notifies(msgs):
    return [m for d, m in msgs if d == "received" and m.startswith("NOTIFY")]


def refer_run(sb, referhdr, scenario="uac_refer", service="1002"):
    return Sipp(scenario, remote=("127.0.0.1", sb.sip_port), service=service,
                auth=("1011", PW["1011"]),
                keys={"user": "1011", "referhdr": referhdr},
                timeout_s=40, recv_timeout_ms=20000)


def wait_record(sb, pred, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st, body_ = sb.api("GET", "/api/v1/calls?limit=50")
        for c in (body_ if st == 200 and isinstance(body_, list) else []):
            if pred(c) and c.get("ended_at"):
                return c
        time.sleep(0.2)
    return None


def test_blind_transfer(sb):
    """The softclient (A) transfers Erika to Max's extension 1001: the
    desk phone rings showing Erika, answers, and Erika talks to it; the
    transferor got 202, NOTIFY 100 and 200, and a BYE."""
    erika = phone(sb, "1002")
    desk = phone(sb, "1001")
    run = None
    try:
        erika.wait_registered(10)
        desk.wait_registered(10)
        run = refer_run(sb, f"Refer-To: <sip:1001@127.0.0.1:{sb.sip_port}>")
        run.start()
        S.check(erika.wait_event("CALL_ESTABLISHED", 10) is not None,
                "Erika answers the softclient's call")
        est = desk.wait_event("CALL_ESTABLISHED", 15)
        S.check(est is not None,
                "the target (1001) answers: its dialog is established",
                str(desk.event_types()))
        S.check(est is not None and "sip:1002@" in est.get("peeruri", ""),
                "the target sees the transferee (1002) as caller", str(est))
        S.check(desk.wait_event("CALL_RTPESTAB", 10) is not None,
                "the target receives the transferee's RTP through us")
        run.wait(30)
        msgs = messages(run)
        S.check(run.successful == 1, "transferor's scenario completes",
                f"rc={run.rc} {run.errors()[-400:]}")
        S.check(refer_answer(msgs) == "SIP/2.0 202 Accepted",
                "REFER answered 202 Accepted", str(refer_answer(msgs)))
        n = notifies(msgs)
        S.check(len(n) == 2, "two NOTIFYs", str(len(n)))
        if len(n) == 2:
            S.check(body(n[0]).strip() == "SIP/2.0 100 Trying" and
                    body(n[1]).strip() == "SIP/2.0 200 OK",
                    "NOTIFY bodies: SIP/2.0 100 Trying, then SIP/2.0 200 OK",
                    repr([body(x) for x in n]))
            S.check(all(header(x, "Event") and
                        header(x, "Event").startswith("refer") and
                        header(x, "Content-Type") ==
                        "message/sipfrag;version=2.0" for x in n),
                    "Event: refer, Content-Type: message/sipfrag;version=2.0",
                    str([(header(x, "Event"), header(x, "Content-Type"))
                         for x in n]))
            S.check(header(n[0], "Subscription-State").startswith("active")
                    and header(n[1], "Subscription-State")
                    .startswith("terminated"),
                    "Subscription-State: active, then terminated",
                    str([header(x, "Subscription-State") for x in n]))
        byes = [m for d, m in msgs if d == "received" and
                m.startswith("BYE ")]
        S.check(len(byes) == 1, "the transferor's leg gets a BYE from us",
                str(len(byes)))
        # Erika and the desk phone are one call through us: when Erika
        # hangs up, the desk phone's dialog ends
        S.check(erika.wait_event("CALL_CLOSED", 1) is None,
                "the transferee's call goes on after the transferor left")
        erika.hangup()
        S.check(desk.wait_event("CALL_CLOSED", 10) is not None,
                "the transferee hangs up: the target's call ends (bridged)")
        rec = wait_record(sb, lambda c: c["from_number"] == "1001" and
                          c["to_number"] == "1002")
        S.check(rec is not None and rec["disposition"] == "answered" and
                rec["callee_leg"] == "device:1001" and
                rec["caller_leg"] == "device:1011",
                "record: answered, callee the target (device:1001)",
                str(rec))
    finally:
        if run:
            run.stop()
        erika.stop()
        desk.stop()


def test_phone_transfers(sb):
    """A real phone transfers: a carrier call rings Erika's desk phone
    (baresip 1002), she answers and transfers it with baresip's own REFER
    to 1001; the desk phone 1001 answers, Erika's call is ended by us, the
    carrier's call goes on with the desk phone until the carrier hangs
    up."""
    erika = phone(sb, "1002")
    desk = phone(sb, "1001")
    uac = None
    try:
        erika.wait_registered(10)
        desk.wait_registered(10)
        uac = Sipp("uac", remote=("127.0.0.1", sb.sip_port),
                   local_port=sb.trunk_port, service=DEMO["erika_personal"],
                   calls=1, duration_ms=6000, timeout_s=40,
                   recv_timeout_ms=20000).start()
        S.check(erika.wait_event("CALL_ESTABLISHED", 10) is not None,
                "Erika answers the carrier's call")
        r = erika.command("transfer", f"sip:1001@127.0.0.1:{sb.sip_port}")
        S.check(r.get("ok") is True, "baresip sends REFER", str(r))
        est = desk.wait_event("CALL_ESTABLISHED", 15)
        S.check(est is not None and "sip:sipp@" in est.get("peeruri", ""),
                "the desk phone answers the carrier's caller", str(est))
        S.check(erika.wait_event("CALL_CLOSED", 10) is not None,
                "the transferor (Erika) is hung up by us")
        uac.wait(30)
        S.check(uac.successful == 1,
                "the carrier's call goes on and ends with its BYE answered",
                f"rc={uac.rc} {uac.errors()[-300:]}")
        S.check(desk.wait_event("CALL_CLOSED", 10) is not None,
                "... which ends the desk phone's call")
    finally:
        if uac:
            uac.stop()
        erika.stop()
        desk.stop()


def test_busy_target(sb):
    """The softclient transfers Erika to an external number that is busy:
    NOTIFY 486, no BYE; Erika is bridged back to the transferor, whose own
    BYE is answered 200.  The trunk INVITE shows the central number."""
    erika = phone(sb, "1002")
    uas = Sipp("uas_busy", local_port=sb.trunk_port, calls=1, timeout_s=30,
               recv_timeout_ms=0).start()
    run = None
    try:
        erika.wait_registered(10)
        run = refer_run(sb, f"Refer-To: <sip:{EXTERNAL}@127.0.0.1>")
        run.start()
        run.wait(30)
        uas.wait(10)
        msgs = messages(run)
        S.check(run.successful == 1, "transferor's scenario completes",
                f"rc={run.rc} {run.errors()[-400:]}")
        S.check(refer_answer(msgs) == "SIP/2.0 202 Accepted",
                "busy target: REFER answered 202", str(refer_answer(msgs)))
        n = notifies(msgs)
        S.check([body(x).strip() for x in n] ==
                ["SIP/2.0 100 Trying", "SIP/2.0 486 Busy Here"],
                "NOTIFY bodies: SIP/2.0 100 Trying, then SIP/2.0 486 Busy "
                "Here", repr([body(x) for x in n]))
        S.check(len(n) == 2 and header(n[1], "Subscription-State")
                .startswith("terminated"), "the 486 NOTIFY terminates")
        S.check(not [m for d, m in msgs if d == "received" and
                     m.startswith("BYE ")], "no BYE to the transferor")
        ok = [m for d, m in msgs if d == "received" and
              re.search(r"^CSeq:\s*4 BYE", m, re.M | re.I)]
        S.check(ok and ok[0].startswith("SIP/2.0 200"),
                "reconnected: the transferor's own BYE is answered 200",
                ok[0].splitlines()[0] if ok else "no answer")
        S.check(erika.wait_event("CALL_CLOSED", 10) is not None,
                "... and ends Erika's call (she was bridged back)")
        logs = uas.logs()
        S.check(f"RURI_USER={EXTERNAL} FROM_USER={DEMO['central']}" in logs,
                "the carrier gets the number with the tenant's central "
                "number as caller ID", logs[-300:])
    finally:
        if run:
            run.stop()
        uas.stop()
        erika.stop()


def test_refused(sb):
    """REFERs we refuse, each with its status, the call unchanged."""
    erika = phone(sb, "1002")
    try:
        erika.wait_registered(10)
        cases = [
            ("Refer-To: <sip:1001@127.0.0.1?Replaces=abc%40h%3Bto-tag%3D1>",
             "1002", "SIP/2.0 400 Bad Replaces",
             "a Replaces without from-tag"),
            ("Refer-To: <tel:+49221123456>", "1002",
             "SIP/2.0 416 Unsupported URI Scheme", "a tel: URI"),
            ("X-No-Refer-To: 1", "1002", "SIP/2.0 400 Missing Refer-To",
             "no Refer-To"),
            ("Refer-To: <sip:1001@127.0.0.1>", DEMO["announcement"],
             "SIP/2.0 603 Declined", "a call that is not bridged"),
        ]
        for hdr, service, want, what in cases:
            mark = erika.mark()
            run = refer_run(sb, hdr, "uac_refer_refused", service)
            try:
                run.run()
                msgs = messages(run)
                got = refer_answer(msgs)
                S.check(got == want, f"REFER with {what}: {want[8:]}",
                        str(got))
                S.check(run.successful == 1,
                        f"{what}: the call goes on, its BYE is answered",
                        f"rc={run.rc} {run.errors()[-300:]}")
            finally:
                run.stop()
            if service == "1002":
                S.check(erika.wait_event("CALL_CLOSED", 10, since=mark)
                        is not None, f"{what}: Erika's call ends by the BYE")
    finally:
        erika.stop()


def test_allow(sb):
    """OPTIONS lists REFER in Allow."""
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(3)
    port = s.getsockname()[1]
    s.sendto((f"OPTIONS sip:127.0.0.1:{sb.sip_port} SIP/2.0\r\n"
              f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKxfer1\r\n"
              f"From: <sip:t@127.0.0.1:{port}>;tag=x1\r\n"
              f"To: <sip:127.0.0.1:{sb.sip_port}>\r\nCall-ID: xfer-opt\r\n"
              "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
              "Content-Length: 0\r\n\r\n").encode(),
             ("127.0.0.1", sb.sip_port))
    try:
        data = s.recv(4096).decode()
    except OSError:
        data = ""
    s.close()
    S.check(header(data, "Allow") ==
            "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REFER, REGISTER",
            "Allow lists REFER", str(header(data, "Allow")))


def main():
    sb = Switchboard().start()
    try:
        for t in (test_allow, test_refused, test_blind_transfer,
                  test_phone_transfers, test_busy_target):
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
