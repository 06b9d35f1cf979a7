#!/usr/bin/env python3
"""calls.py - the telephony core end to end, with real peers.

sipp plays the carrier (from the demo trunk's address, moved by sb.py to a
free port: sb.trunk_port) and
baresip plays the phones of the demo employees.  Every check listens to what
actually arrived: recorded audio judged by its content (audio.py: is_tone
for a phone's tone, is_prompt for the announcement and the music on hold,
compared with the prompt's own samples after a G.711 round trip), SIP
messages at the far end, call records in the API.  Audio a phone cannot
record (sipp; a baresip phone after a hold) is captured with tcpdump.
Nothing waits a fixed time: every wait is for an event (a baresip event, a
line in the server's log, packets in a capture, a recording growing) with
a timeout that fails with what was seen.
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, PROMPTS, Suite, Switchboard  # noqa: E402
from peers import (Baresip, RtpCapture, Sipp, free_port,  # noqa: E402
                   wait_for)
from audio import is_prompt, is_tone  # noqa: E402
import rawsip  # noqa: E402
from rawsip import SDP  # noqa: E402

S = Suite("calls")
PW = DEMO["devices"]
WELCOME = os.path.join(PROMPTS, "welcome.wav")
MOH = os.path.join(PROMPTS, "moh.wav")


def phone(sb, user, **kw):
    p = Baresip(user, PW[user], server=("127.0.0.1", sb.sip_port), **kw)
    p.start()
    return p


def wait_log(sb, text, start, timeout=10):
    """Wait until text appears in the server's log after offset start;
    returns the time it was seen."""
    wait_for(lambda: text in sb.logtext()[start:], timeout,
             f"{text!r} in the server's log",
             lambda: sb.logtext()[start:][-600:])
    return time.time()


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
    return rawsip.raw_invite(
        sb.sip_port, ("127.0.0.1", src_port), user,
        from_host=f"127.0.0.1:{src_port}",
        body=body if body is not None else SDP.format(port=40998),
        timeout=timeout)


def prompt_flows(cap, dport):
    """{(server port, SSRC): [packets]} of the audio sent to dport, one per
    call (a port may serve two calls one after the other, the SSRC not)."""
    flows = {}
    for p in cap.rtp(dport=dport, pts=(0, 8)):
        flows.setdefault((p["sport"], p["ssrc"]), []).append(p)
    return flows


def flow_audio(pkts):
    from audio import g711_decode
    law = "pcmu" if pkts[0]["pt"] == 0 else "pcma"
    return law, g711_decode(b"".join(p["payload"] for p in pkts
                                     if p["pt"] == pkts[0]["pt"]), law)


def test_announcement_load(sb):
    """200 carrier calls to the announcement number: every one completes
    (answered, prompt played, hung up by us); a sample of the calls (those
    whose SSRC ends in binary 00, about 50) is captured in the kernel's
    filter, and 10 of them, spread over the run, each hold the whole
    prompt.  (All 200 at once make tcpdump drop packets on this machine.)"""
    st, s0 = sb.api("GET", "/api/v1/stats")
    mp = free_port(even=True)
    # udp[19]: the last byte of the RTP SSRC (8 bytes UDP + 8 into RTP)
    cap = RtpCapture(None, bpf=f"udp and dst port {mp} and udp[19] & 3 = 0",
                     immediate=False, buffer_kib=16384).start()
    try:
        run = Sipp("uac_announcement", remote=("127.0.0.1", sb.sip_port),
                   local_port=sb.trunk_port, service=DEMO["announcement"],
                   calls=200, rate=25, limit=200, timeout_s=120, trace=False,
                   recv_timeout_ms=20000, media_port=mp).run()
    finally:
        cap.stop()
    S.check(run.successful == 200 and run.failed == 0,
            "200 announcement calls from sipp all complete",
            f"ok={run.successful} failed={run.failed} rc={run.rc}")
    recs = [c for c in calls(sb, limit=1000)
            if c["to_number"] == DEMO["announcement"]]
    S.check(len(recs) >= 200 and all(c["disposition"] == "answered"
                                     for c in recs[:200]),
            "announcement calls recorded as answered", f"{len(recs)} records")
    st, s1 = sb.api("GET", "/api/v1/stats")
    loaded = s1["prompts"]["loaded"] - s0["prompts"]["loaded"]
    hits = s1["prompts"]["hits"] - s0["prompts"]["hits"]
    S.check(loaded + hits == 200 and loaded <= 1, "the prompt cache: 200 "
            "plays, the file read from disk once at most (stats prompts)",
            f"loaded +{loaded}, hits +{hits}")
    flows = sorted(prompt_flows(cap, mp).values(), key=lambda f: f[0]["t"])
    S.check(len(flows) >= 10 and cap.dropped() == 0, "a sample of the "
            "calls captured whole", f"{len(flows)} streams, "
            f"{cap.dropped()} packets dropped by the kernel")
    sample = [flows[i * len(flows) // 10] for i in range(10)] \
        if len(flows) >= 10 else flows
    bad = []
    for f in sample:
        law, pcm = flow_audio(f)
        v = is_prompt(pcm, WELCOME, law=law, min_coverage=0.8)
        if not v:
            bad.append(f"port {f[0]['sport']}: {v}")
    S.check(len(sample) == 10 and not bad, "10 sampled calls of the load "
            "each heard the whole welcome prompt", "; ".join(bad[:3]))
    cap.cleanup()


def test_personal_number_call(sb):
    """Max (1001) calls Erika by her personal number; both hear the other's
    tone; hold gives Erika the music on hold; resume restores the audio.
    Erika's phone stops recording at the hold (baresip), so what she gets
    is captured from the start."""
    a = phone(sb, "1001", tone=440)
    b = phone(sb, "1002", tone=1000)
    cap = RtpCapture(b.rtp_ports).start()
    try:
        S.check(a.wait_registered(10) and b.wait_registered(10),
                "two baresip phones register with digest auth")
        a.dial(f"sip:{DEMO['erika_personal']}@127.0.0.1:{sb.sip_port}")
        S.check(a.wait_event("CALL_ESTABLISHED", 10) is not None,
                "call by personal number is answered")
        ra = a.wait_recording(2.0)
        rb = b.wait_recording(2.0)
        v = is_tone(ra, 1000, other=440)
        S.check(v, "caller hears the callee's 1000 Hz tone", str(v))
        v = is_tone(rb, 440, other=1000)
        S.check(v, "callee hears the caller's 440 Hz tone", str(v))

        log0 = len(sb.logtext())
        S.check(a.hold().get("ok", False), "hold")
        t_hold = wait_log(sb, "on hold, music to", log0)
        cap.wait_rtp(100, dport=b.rtp_ports, since=t_hold,
                     what="2 s of audio to the callee on hold")
        log0 = len(sb.logtext())
        S.check(a.resume().get("ok", False), "resume")
        t_res = wait_log(sb, "resumed", log0)
        cap.wait_rtp(100, dport=b.rtp_ports, since=t_res,
                     what="2 s of audio to the callee after the resume")
        law, held = cap.audio(dport=b.rtp_ports, since=t_hold, until=t_res)
        v = is_prompt(held, MOH, law=law, loop=True)
        S.check(v, "on hold the callee hears the music on hold (moh.wav)",
                str(v))
        v = is_tone(held, 440)
        S.check(not v and v.reason == "not the tone", "and not the caller's "
                "tone", str(v))
        law, back = cap.audio(dport=b.rtp_ports, since=t_res)
        v = is_tone(back, 440, other=1000)
        S.check(v, "after resume the callee hears the caller's 440 Hz "
                "again", str(v))
        a.hangup()
        S.check(b.wait_event("CALL_CLOSED", 10) is not None,
                "hang-up from the caller reaches the callee")
        rec = wait_record(sb, lambda c: c["from_number"] == "1001"
                          and c["to_number"] == DEMO["erika_personal"])
        S.check(rec is not None and rec["disposition"] == "answered"
                and rec["ended_by"] == "caller" and rec["answered_at"],
                "call record: answered, ended by caller", str(rec))
        # the other way round, by extension, hung up by the callee
        b.dial(f"sip:1001@127.0.0.1:{sb.sip_port}")
        S.check(b.wait_event("CALL_ESTABLISHED", 10) is not None,
                "call by extension is answered")
        a.hangup()
        S.check(b.wait_event("CALL_CLOSED", 10) is not None,
                "hang-up from the callee reaches the caller")
        rec = wait_record(sb, lambda c: c["from_number"] == "1002"
                          and c["to_number"] == "1001")
        S.check(rec is not None and rec["ended_by"] == "callee"
                and rec["direction"] == "internal",
                "internal call record ended by callee", str(rec))
    finally:
        cap.cleanup()
        a.stop()
        b.stop()


def test_transcoding_dtmf(sb):
    """A PCMU-only phone calls a PCMA-only phone: each hears the other's
    tone through the conversion (the wire shows PCMU on one leg and PCMA
    on the other); RFC 4733 digits reach the far end."""
    a = phone(sb, "1001", tone=440, codecs=("pcmu",))
    b = phone(sb, "1002", tone=1000, codecs=("pcma",))
    cap = RtpCapture(None, bpf=(
        f"udp and (dst portrange {a.rtp_ports[0]}-{a.rtp_ports[1]} or "
        f"dst portrange {b.rtp_ports[0]}-{b.rtp_ports[1]})")).start()
    try:
        S.check(a.wait_registered(10) and b.wait_registered(10),
                "PCMU and PCMA phones register")
        a.dial(f"sip:1002@127.0.0.1:{sb.sip_port}")
        S.check(a.wait_event("CALL_ESTABLISHED", 10) is not None,
                "PCMU phone reaches PCMA phone")
        ra = a.wait_recording(2.0)
        rb = b.wait_recording(2.0)
        a.send_dtmf("5#")
        ev = b.wait_event("CALL_DTMF_START", 5)
        S.check(ev is not None and ev.get("param") == "5",
                "DTMF sent as RFC 4733 arrives at the other leg", str(ev))
        a.hangup()
        S.check(b.wait_event("CALL_CLOSED", 10) is not None,
                "hang-up reaches the PCMA phone")
        cap.stop()
        pa = {p["pt"] for p in cap.rtp(dport=a.rtp_ports, pts=(0, 8))}
        pb = {p["pt"] for p in cap.rtp(dport=b.rtp_ports, pts=(0, 8))}
        S.check(pa == {0} and pb == {8}, "the server sends PCMU to the PCMU "
                "phone and PCMA to the PCMA phone", f"{pa} {pb}")
        v = is_tone(ra, 1000, other=440)
        S.check(v, "PCMU phone hears the PCMA phone's 1000 Hz (A-law to "
                "mu-law)", str(v))
        v = is_tone(rb, 440, other=1000)
        S.check(v, "PCMA phone hears the PCMU phone's 440 Hz (mu-law to "
                "A-law)", str(v))
    finally:
        cap.cleanup()
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
    S.check(code == 400, "unparsable SDP: 400 (Bad SDP)", f"got {code}")
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
        ok = bad.wait_registered(10)
        # the answer as the phone got it: its REGISTER_FAIL event, or its
        # log when that came before the control connection
        fails = [e.get("param", "") for e in bad.events
                 if e.get("type") == "REGISTER_FAIL"]
        plog = re.sub(r"\x1b\[[0-9;]*m", "", bad.log())
        got = fails[0] if fails else \
            (re.findall(r".*(?:fail|Forbidden|[0-9]{3} ).*", plog) or [""])[-1]
        S.check(not ok and re.search(r"\b403 Forbidden\b", got),
                "wrong password: the REGISTER is answered 403 Forbidden",
                f"registered={ok} REGISTER_FAIL {fails} log {plog[-300:]!r}")
    finally:
        bad.stop()


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
        S.check(ev is not None and ev.get("param", "").startswith("486 "),
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
        ra = a.wait_recording(1.5)
        rb = b.wait_recording(1.5)
        b.hangup()
        S.check(a.wait_event("CALL_CLOSED", 10) is not None,
                "TCP phone hangs up, UDP phone gets BYE")
        v = is_tone(ra, 1000, other=440)
        S.check(v, "the UDP phone hears the TCP phone's 1000 Hz", str(v))
        v = is_tone(rb, 440, other=1000)
        S.check(v, "the TCP phone hears the UDP phone's 440 Hz", str(v))
    finally:
        a.stop()
        b.stop()
    r = subprocess.run(["sipsak", "-v", "-s", f"sip:127.0.0.1:{sb.sip_port}",
                        "-H", "127.0.0.1"], capture_output=True, timeout=20)
    out = r.stdout.decode(errors="replace")
    S.check(r.returncode == 0 and "SIP/2.0 200 " in out,
            "OPTIONS answered 200 (sipsak)", out[-300:])


def test_late_offer(sb):
    """A carrier INVITE without SDP: we offer in the 200, the ACK answers,
    the announcement plays and we hang up."""
    mp = free_port(even=True)
    cap = RtpCapture(mp).start()
    try:
        run = Sipp("uac_late_offer", remote=("127.0.0.1", sb.sip_port),
                   local_port=sb.trunk_port, service=DEMO["announcement"],
                   calls=1, timeout_s=30, recv_timeout_ms=20000,
                   media_port=mp).run()
    finally:
        cap.stop()
    S.check(run.successful == 1, "late-offer INVITE answered, prompt, BYE",
            f"rc={run.rc}")
    law, pcm = cap.audio(dport=mp)
    v = is_prompt(pcm, WELCOME, law="pcma", min_coverage=0.8)
    S.check(law == "pcma" and v, "the whole welcome prompt arrived, in the "
            "PCMA the ACK answered, at the answer's address",
            f"{law} {v}")
    cap.cleanup()


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
