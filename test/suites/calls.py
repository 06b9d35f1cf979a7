#!/usr/bin/env python3
"""calls.py - the telephony core end to end, with real peers.

sipp plays the carrier (from the demo trunk's address, moved by sb.py to a
free port: sb.trunk_port) and
baresip plays the phones of the demo employees.  Every check listens to what
actually arrived: recorded audio and its frequency, SIP messages at the far
end, call records in the API.
"""
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard  # noqa: E402
from peers import Baresip, Sipp, dominant_freq, wav_rms, write_inf  # noqa: E402

S = Suite("calls")
PW = DEMO["devices"]


def phone(sb, user, **kw):
    p = Baresip(user, PW[user], server=("127.0.0.1", sb.sip_port), **kw)
    p.start()
    return p


def calls(sb, **q):
    qs = "&".join(f"{k}={v}" for k, v in q.items())
    st, body = sb.api("GET", "/api/v1/calls" + ("?" + qs if qs else ""))
    return body if st == 200 and isinstance(body, list) else []


def wait_record(sb, call_filter, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for c in calls(sb, limit=50):
            if call_filter(c) and c.get("ended_at"):
                return c
        time.sleep(0.2)
    return None


def raw_invite(sb, user, src_port=None, body=None, timeout=3.0):
    """Send one INVITE from 127.0.0.1:src_port and return the first final
    status code (or None)."""
    src_port = src_port or sb.trunk_port
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", src_port))
    s.settimeout(timeout)
    sdp = body if body is not None else (
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
        "t=0 0\r\nm=audio 40998 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
    branch = "z9hG4bK" + os.urandom(6).hex()
    msg = (f"INVITE sip:{user}@127.0.0.1:{sb.sip_port} SIP/2.0\r\n"
           f"Via: SIP/2.0/UDP 127.0.0.1:{src_port};branch={branch};rport\r\n"
           f"From: <sip:+4930111222@127.0.0.1:{src_port}>;tag=t{branch[-6:]}\r\n"
           f"To: <sip:{user}@127.0.0.1>\r\n"
           f"Call-ID: {branch}@test\r\nCSeq: 1 INVITE\r\n"
           f"Contact: <sip:+4930111222@127.0.0.1:{src_port}>\r\n"
           "Max-Forwards: 70\r\nContent-Type: application/sdp\r\n"
           f"Content-Length: {len(sdp)}\r\n\r\n{sdp}")
    s.sendto(msg.encode(), ("127.0.0.1", sb.sip_port))
    code = None
    try:
        while True:
            data = s.recv(65535).decode(errors="replace")
            c = int(data.split(" ", 2)[1])
            if c >= 200:
                code = c
                to = [ln for ln in data.split("\r\n")
                      if ln.lower().startswith("to:")][0]
                ack = (f"ACK sip:{user}@127.0.0.1:{sb.sip_port} SIP/2.0\r\n"
                       f"Via: SIP/2.0/UDP 127.0.0.1:{src_port};branch={branch};rport\r\n"
                       f"From: <sip:+4930111222@127.0.0.1:{src_port}>;tag=t{branch[-6:]}\r\n"
                       f"{to}\r\nCall-ID: {branch}@test\r\nCSeq: 1 ACK\r\n"
                       "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
                s.sendto(ack.encode(), ("127.0.0.1", sb.sip_port))
                break
    except socket.timeout:
        pass
    finally:
        s.close()
    return code


def test_announcement_load(sb):
    """200 carrier calls to the announcement number: every one completes
    (answered, prompt played, hung up by us)."""
    run = Sipp("uac_announcement", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service=DEMO["announcement"], calls=200,
               rate=25, limit=200, timeout_s=120, trace=False,
               recv_timeout_ms=20000).run()
    S.check(run.successful == 200 and run.failed == 0,
            "200 announcement calls from sipp all complete",
            f"ok={run.successful} failed={run.failed} rc={run.rc}")
    recs = [c for c in calls(sb, limit=1000)
            if c["to_number"] == DEMO["announcement"]]
    S.check(len(recs) >= 200 and all(c["disposition"] == "answered"
                                     for c in recs[:200]),
            "announcement calls recorded as answered", f"{len(recs)} records")


def test_personal_number_call(sb):
    """Max (1001) calls Erika by her personal number; both hear the other's
    tone; hold gives Erika music on hold; resume restores the audio."""
    a = phone(sb, "1001", tone=440)
    b = phone(sb, "1002", tone=1000)
    try:
        S.check(a.wait_registered(10) and b.wait_registered(10),
                "two baresip phones register with digest auth")
        a.dial(f"sip:{DEMO['erika_personal']}@127.0.0.1:{sb.sip_port}")
        S.check(a.wait_event("CALL_ESTABLISHED", 10) is not None,
                "call by personal number is answered")
        time.sleep(3)
        S.check(a.hold().get("ok", False), "hold")
        time.sleep(3)
        S.check(a.resume().get("ok", False), "resume")
        time.sleep(3)
        a.hangup()
        S.check(b.wait_event("CALL_CLOSED", 10) is not None,
                "hang-up from the caller reaches the callee")
        time.sleep(0.5)
        ra, rb = a.recordings(), b.recordings()
        S.check(len(ra) == 1 and len(rb) == 1, "both phones recorded")
        if ra and rb:
            fa = dominant_freq(ra[0], 0.5, 2)
            fb = dominant_freq(rb[0], 0.5, 2)
            S.check(wav_rms(ra[0], 0.5, 2) > 0.05 and 900 < fa < 1100,
                    "caller hears the callee's 1000 Hz tone", f"freq {fa}")
            S.check(wav_rms(rb[0], 0.5, 2) > 0.05 and 400 < fb < 480,
                    "callee hears the caller's 440 Hz tone", f"freq {fb}")
            fh = dominant_freq(rb[0], 3.8, 1.8)
            S.check(wav_rms(rb[0], 3.8, 1.8) > 0.02 and not 400 < fh < 480,
                    "on hold the callee hears music, not the caller",
                    f"freq {fh}")
            fr = dominant_freq(rb[0], 6.8, 1.5)
            S.check(400 < fr < 480, "after resume the callee hears the "
                    "caller again", f"freq {fr}")
        rec = wait_record(sb, lambda c: c["from_number"] == "1001"
                          and c["to_number"] == DEMO["erika_personal"])
        S.check(rec is not None and rec["disposition"] == "answered"
                and rec["ended_by"] == "caller" and rec["answered_at"],
                "call record: answered, ended by caller", str(rec))
        # the other way round, by extension, hung up by the callee
        b.dial(f"sip:1001@127.0.0.1:{sb.sip_port}")
        S.check(b.wait_event("CALL_ESTABLISHED", 10) is not None,
                "call by extension is answered")
        time.sleep(1)
        a.hangup()
        S.check(b.wait_event("CALL_CLOSED", 10) is not None,
                "hang-up from the callee reaches the caller")
        rec = wait_record(sb, lambda c: c["from_number"] == "1002"
                          and c["to_number"] == "1001")
        S.check(rec is not None and rec["ended_by"] == "callee"
                and rec["direction"] == "internal",
                "internal call record ended by callee", str(rec))
    finally:
        a.stop()
        b.stop()


def test_transcoding_dtmf(sb):
    """A PCMU-only phone calls a PCMA-only phone: audio both ways through
    the conversion; RFC 4733 digits reach the far end."""
    a = phone(sb, "1001", tone=440, codecs=("pcmu",))
    b = phone(sb, "1002", tone=1000, codecs=("pcma",))
    try:
        a.wait_registered(10)
        b.wait_registered(10)
        a.dial(f"sip:1002@127.0.0.1:{sb.sip_port}")
        S.check(a.wait_event("CALL_ESTABLISHED", 10) is not None,
                "PCMU phone reaches PCMA phone")
        time.sleep(2)
        a.send_dtmf("5#")
        ev = b.wait_event("CALL_DTMF_START", 5)
        S.check(ev is not None and ev.get("param") == "5",
                "DTMF sent as RFC 4733 arrives at the other leg", str(ev))
        time.sleep(1)
        a.hangup()
        b.wait_event("CALL_CLOSED", 10)
        time.sleep(0.5)
        ra, rb = a.recordings(), b.recordings()
        if ra and rb:
            fa, fb = dominant_freq(ra[0], 0.5, 1.5), dominant_freq(rb[0], 0.5, 1.5)
            S.check(900 < fa < 1100 and 400 < fb < 480,
                    "audio both ways across PCMU/PCMA", f"{fa} / {fb}")
        else:
            S.check(False, "audio both ways across PCMU/PCMA", "no recordings")
    finally:
        a.stop()
        b.stop()


def test_parallel_ringing(sb):
    """A trunk call to Max's personal number rings his desk phone and his
    softclient at once; the softclient answers, the desk phone stops."""
    desk = phone(sb, "1001", auto_answer=False)
    soft = phone(sb, "1011", auto_answer=False, tone=700)
    uac = None
    try:
        desk.wait_registered(10)
        soft.wait_registered(10)
        uac = Sipp("uac", remote=("127.0.0.1", sb.sip_port), local_port=sb.trunk_port,
            service=DEMO["max_personal"], calls=1, duration_ms=3000,
            timeout_s=40, recv_timeout_ms=15000).start()
        e1 = desk.wait_event("CALL_INCOMING", 10)
        e2 = soft.wait_event("CALL_INCOMING", 10)
        S.check(e1 is not None and e2 is not None,
                "both devices of the employee ring at once")
        S.check(e2 is not None and "sip:sipp@" in e2.get("peeruri", ""),
                "callee sees the carrier's caller", str(e2))
        soft.accept()
        S.check(soft.wait_event("CALL_ESTABLISHED", 10) is not None,
                "softclient answers")
        S.check(desk.wait_event("CALL_CLOSED", 10) is not None,
                "the other device stops ringing (CANCEL)")
        uac.wait(30)
        S.check(uac.successful == 1, "carrier call completes",
                f"rc={uac.rc}")
        rec = wait_record(sb, lambda c: c["to_number"] == DEMO["max_personal"]
                          and c["direction"] == "inbound")
        S.check(rec is not None and rec["callee_leg"] == "device:1011",
                "record names the device that answered", str(rec))
    finally:
        if uac:
            uac.stop()
        desk.stop()
        soft.stop()
    # nobody registered for Erika now
    code = raw_invite(sb, DEMO["erika_personal"])
    S.check(code == 480, "no device registered: 480", f"got {code}")


def test_outbound_trunk(sb):
    """Devices dial national and international numbers: they leave through
    the trunk as E.164 with the caller ID of the policy."""
    cases = [("1001", "0221 123456", "+49221123456", DEMO["central"]),
             ("1002", "0033123456789", "+33123456789", DEMO["erika_personal"]),
             ("1011", "+33123456789", "+33123456789", DEMO["central"])]
    for user, dial, want_ruri, want_from in cases:
        uas = Sipp("uas_answer", local_port=sb.trunk_port, calls=1, timeout_s=30,
                   recv_timeout_ms=0).start()
        p = phone(sb, user)
        try:
            p.wait_registered(10)
            p.dial("sip:" + dial.replace(" ", "") +
                   f"@127.0.0.1:{sb.sip_port}")
            est = p.wait_event("CALL_ESTABLISHED", 10)
            time.sleep(1)
            p.hangup()
            uas.wait(15)
            logs = uas.logs()
            S.check(est is not None and f"RURI_USER={want_ruri}" in logs
                    and f"FROM_USER={want_from}" in logs,
                    f"{user} dials {dial}: trunk gets {want_ruri} "
                    f"from {want_from}", logs.strip()[-200:])
        finally:
            p.stop()
            uas.stop()


def test_rejections(sb):
    code = raw_invite(sb, "+4922182829977")
    S.check(code == 404, "unknown number: 404", f"got {code}")
    code = raw_invite(sb, "+4922182829903")
    S.check(code == 404, "inactive number: 404", f"got {code}")
    code = raw_invite(sb, DEMO["announcement"], body="v=0\r\nthis is no sdp")
    S.check(code in (400, 488), "bad SDP: 400/488", f"got {code}")
    code = raw_invite(sb, DEMO["announcement"], body=(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
        "t=0 0\r\nm=audio 40998 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n"))
    S.check(code == 488, "no common codec: 488", f"got {code}")
    # a request from a non-trunk address must authenticate
    code = raw_invite(sb, DEMO["announcement"], src_port=sb.trunk_port + 1)
    S.check(code == 407, "INVITE from an unknown address: 407", f"got {code}")
    # wrong password
    bad = Baresip("1001", "wrong-password",
                  server=("127.0.0.1", sb.sip_port))
    bad.start()
    try:
        ok = bad.wait_registered(4)
        S.check(not ok, "wrong password: registration refused")
    finally:
        bad.stop()
    S.check("403" in sb.logtext() or "wrong password" in sb.logtext(),
            "refusal logged")


def test_cancel(sb):
    """The carrier gives up while Max's phones ring: both stop ringing, the
    caller gets 487, the record says cancelled."""
    desk = phone(sb, "1001", auto_answer=False)
    soft = phone(sb, "1011", auto_answer=False)
    try:
        desk.wait_registered(10)
        soft.wait_registered(10)
        run = Sipp("uac_cancel", remote=("127.0.0.1", sb.sip_port),
                   local_port=sb.trunk_port, service=DEMO["max_personal"], calls=1,
                   duration_ms=1500, timeout_s=30).run()
        S.check(run.successful == 1, "CANCEL while ringing: 200 + 487",
                f"rc={run.rc}")
        S.check(desk.wait_event("CALL_CLOSED", 5) is not None and
                soft.wait_event("CALL_CLOSED", 5) is not None,
                "both ringing devices are cancelled")
        rec = wait_record(sb, lambda c: c["disposition"] == "cancelled")
        S.check(rec is not None and rec["ended_by"] == "caller",
                "record: cancelled by caller", str(rec))
    finally:
        desk.stop()
        soft.stop()


def test_busy(sb):
    """Erika rejects the ringing call: the caller hears busy (486) and the
    record says busy."""
    a = phone(sb, "1001")
    b = phone(sb, "1002", auto_answer=False)
    try:
        a.wait_registered(10)
        b.wait_registered(10)
        a.dial(f"sip:1002@127.0.0.1:{sb.sip_port}")
        S.check(b.wait_event("CALL_INCOMING", 10) is not None,
                "callee rings")
        b.hangup()
        ev = a.wait_event("CALL_CLOSED", 10)
        S.check(ev is not None and "486" in ev.get("param", ""),
                "caller gets 486 Busy Here", str(ev))
        rec = wait_record(sb, lambda c: c["from_number"] == "1001"
                          and c["disposition"] == "busy")
        S.check(rec is not None and rec["sip_code"] == 486,
                "record: busy, 486", str(rec))
    finally:
        a.stop()
        b.stop()


def test_tcp_and_options(sb):
    """A phone registered over TCP is called over its TCP connection's
    contact; the other phone stays on UDP.  OPTIONS is answered."""
    a = phone(sb, "1001", tone=440)
    b = phone(sb, "1002", tone=1000, transport="tcp")
    try:
        S.check(a.wait_registered(10) and b.wait_registered(10),
                "UDP and TCP phones register")
        st, regs = sb.api("GET", "/api/v1/registrations")
        S.check(st == 200 and any(r["transport"].lower() == "tcp"
                                  for r in regs),
                "registration records the TCP transport", str(regs))
        a.dial(f"sip:1002@127.0.0.1:{sb.sip_port}")
        S.check(a.wait_event("CALL_ESTABLISHED", 10) is not None,
                "UDP phone reaches TCP phone")
        time.sleep(2)
        b.hangup()
        S.check(a.wait_event("CALL_CLOSED", 10) is not None,
                "TCP phone hangs up, UDP phone gets BYE")
        time.sleep(0.5)
        ra = a.recordings()
        S.check(bool(ra) and 900 < dominant_freq(ra[0], 0.3, 1.2) < 1100,
                "audio from the TCP phone arrives")
    finally:
        a.stop()
        b.stop()
    r = subprocess.run(["sipsak", "-s", f"sip:127.0.0.1:{sb.sip_port}",
                        "-H", "127.0.0.1"], capture_output=True, timeout=20)
    S.check(r.returncode == 0, "OPTIONS answered 200 (sipsak)",
            r.stdout.decode()[-200:])


def test_late_offer(sb):
    """A carrier INVITE without SDP: we offer in the 200, the ACK answers,
    the announcement plays and we hang up."""
    _, before = sb.api("GET", "/api/v1/stats")
    run = Sipp("uac_late_offer", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service=DEMO["announcement"], calls=1,
               timeout_s=30, recv_timeout_ms=20000).run()
    _, after = sb.api("GET", "/api/v1/stats")
    played = after["rtp"]["played"] - before["rtp"]["played"]
    S.check(run.successful == 1, "late-offer INVITE answered, prompt, BYE",
            f"rc={run.rc}")
    S.check(played >= 250, "the prompt was sent as RTP to the answer's "
            "address", f"{played} packets")


def test_rtp_timeout(sb):
    """A caller that sends no RTP is hung up after --rtp-timeout (3 s here)
    and the record says so."""
    run = Sipp("uac_announcement", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service=DEMO["announcement"], calls=1,
               timeout_s=30, recv_timeout_ms=20000).run()
    rec = wait_record(sb, lambda c: c["disposition"] == "rtp_timeout")
    S.check(rec is not None and rec["ended_by"] == "system",
            "call without RTP hung up and recorded as rtp_timeout",
            f"{rec} sipp ok={run.successful}")


def main():
    sb = Switchboard().start()
    try:
        for t in (test_rejections, test_personal_number_call,
                  test_transcoding_dtmf, test_parallel_ringing, test_cancel,
                  test_busy, test_late_offer,
                  test_tcp_and_options,
                  test_outbound_trunk, test_announcement_load):
            S.run(t, sb)
            S.check(sb.alive(), f"server alive after {t.__name__}")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()

    # a short RTP timeout needs its own server
    sb = Switchboard(rtp_timeout=3).start()
    try:
        S.run(test_rtp_timeout, sb)
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit of the rtp-timeout server",
                f"exit {code}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
