#!/usr/bin/env python3
"""tls.py - SIP over TLS and SRTP (SDES) next to plain UDP/RTP phones.

A baresip phone registers over TLS and speaks SRTP; another registers over
UDP and speaks plain RTP.  They call each other both ways through the
server, which terminates SRTP on one leg and relays plain RTP on the other.
tcpdump on lo proves what the wire carries: the TLS connection holds no
readable SIP, the SRTP leg no readable audio (its packets carry the 10-byte
authentication tag, and decoded as G.711 they are noise, not the tone),
while the plain leg - the control that shows the check can tell - does.
What each phone hears is judged by its content (audio.py is_tone; the
trunk's announcement with is_prompt against the prompt's own samples).
With --srtp-required a TLS phone offering plain RTP is refused with 488.

Last, a trunk that registers over TLS: a second Switchboard plays the
carrier (its self-signed certificate is our trunk's ca_file); our trunk registers there as a device of its Erika named by the
number (as carriers name accounts: 4922182829902), so her calls ring us.  A call from the
carrier's phone to its Erika comes down our registration (SRTP offered on
the TLS leg) and rings our Erika; our phone's call to a number we do not
have goes out through the trunk, answers the carrier's 407, and hears the
carrier's announcement.
"""
import os
import re
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, PROMPTS, Suite, Switchboard  # noqa: E402
from peers import Baresip, RtpCapture, wait_for  # noqa: E402
from audio import g711_decode, is_prompt, is_tone  # noqa: E402

S = Suite("tls")
PW = DEMO["devices"]
WELCOME = os.path.join(PROMPTS, "welcome.wav")
SRTP_MODULE = ["module srtp.so"]


def tls_phone(sb, user, mediaenc="srtp", **kw):
    """mediaenc "srtp": best effort (RTP/AVP with a=crypto), the way the
    server offers to TLS phones by default; "srtp-mand": RTP/SAVP only, as
    the server offers with --srtp-required."""
    extra = f";mediaenc={mediaenc}" if mediaenc else ""
    p = Baresip(user, PW[user], server=("127.0.0.1", sb.tls_port),
                transport="tls", extra_account=extra,
                extra_config=SRTP_MODULE, **kw)
    p.start()
    return p


def udp_phone(sb, user, **kw):
    p = Baresip(user, PW[user], server=("127.0.0.1", sb.sip_port), **kw)
    p.start()
    return p


def as_pcmu(payloads):
    """RTP payloads (SRTP ones without their tag) read as PCMU."""
    return g711_decode(b"".join(payloads), "pcmu")


def rtp_of(segs, port_range, sent):
    """RTP audio packets the phone with these ports sent (sent=True) or
    received from the server (sent=False)."""
    lo, hi = port_range
    return [p for proto, sp, dp, p in segs
            if proto == "udp" and lo <= (sp if sent else dp) <= hi
            and len(p) >= 12 and p[0] >> 6 == 2 and (p[1] & 0x7f) == 0]


def wire_checks(cap, sb, a, b):
    segs = cap.segments()
    tls = [p for proto, sp, dp, p in segs
           if proto == "tcp" and sb.tls_port in (sp, dp) and p]
    S.check(len(tls) >= 4 and all(p[0] in (0x14, 0x15, 0x16, 0x17)
                                  and p[1] == 3 for p in tls),
            "the SIP/TLS connection carries TLS records only",
            f"{len(tls)} segments")
    leaks = [p[:60] for p in tls
             if any(w in p for w in (b"SIP/2.0", b"INVITE", b"REGISTER",
                                     b"sip:", b"Via:"))]
    S.check(not leaks, "no plaintext SIP on the TLS connection", str(leaks[:2]))

    # the server's packets to each phone: SRTP to the TLS phone (our
    # encryption), plain to the UDP phone; and what each phone sent us
    to_a, from_a = rtp_of(segs, a.rtp_ports, False), rtp_of(segs, a.rtp_ports, True)
    to_b, from_b = rtp_of(segs, b.rtp_ports, False), rtp_of(segs, b.rtp_ports, True)
    S.check(min(len(to_a), len(from_a), len(to_b), len(from_b)) > 100,
            "RTP caught both ways on both legs",
            f"{len(to_a)} {len(from_a)} {len(to_b)} {len(from_b)}")
    sizes = {len(p) for p in to_a + from_a}
    S.check(sizes == {12 + 160 + 10},
            "every packet on the TLS phone's leg carries an SRTP auth tag "
            "(182 bytes)", str(sizes))
    sizes = {len(p) for p in to_b + from_b}
    S.check(sizes == {12 + 160}, "the UDP phone's leg is plain RTP "
            "(172 bytes)", str(sizes))
    # payload read as G.711: plain shows the tones, SRTP is noise
    v = is_tone(as_pcmu([p[12:] for p in to_b]), 440, other=1000)
    S.check(v, "control: the server's plain RTP to the UDP phone decodes "
            "to the TLS phone's 440 Hz", str(v))
    v = is_tone(as_pcmu([p[12:] for p in from_b]), 1000, other=440)
    S.check(v, "control: the UDP phone's plain RTP decodes to its 1000 Hz",
            str(v))
    v = is_tone(as_pcmu([p[12:172] for p in to_a]), 1000)
    S.check(not v and v.reason == "not the tone", "the server's SRTP to "
            "the TLS phone does not decode to the UDP phone's 1000 Hz",
            str(v))
    v = is_tone(as_pcmu([p[12:172] for p in from_a]), 440)
    S.check(not v and v.reason == "not the tone", "nor the TLS phone's "
            "SRTP to its 440 Hz", str(v))


def test_tls_srtp_to_udp(sb):
    """1001 on TLS+SRTP calls 1002 on UDP+RTP by personal number, then 1002
    calls 1001 by extension (the INVITE goes down 1001's TLS connection)."""
    a = tls_phone(sb, "1001", tone=440)
    b = udp_phone(sb, "1002", tone=1000)
    cap = None
    try:
        S.check(a.wait_registered(10), "phone registers over TLS")
        S.check(b.wait_registered(10), "phone registers over UDP")
        st, regs = sb.api("GET", "/api/v1/registrations")
        tps = sorted(r["transport"] for r in regs) if st == 200 else []
        S.check(tps == ["TLS", "UDP"], "registrations show TLS and UDP",
                str(tps))
        cap = RtpCapture(None, bpf=(
            f"tcp port {sb.tls_port} or "
            f"udp portrange {a.rtp_ports[0]}-{a.rtp_ports[1]} or "
            f"udp portrange {b.rtp_ports[0]}-{b.rtp_ports[1]}")).start()
        a.dial(f"sip:{DEMO['erika_personal']}@127.0.0.1:{sb.tls_port};"
               "transport=tls")
        S.check(a.wait_event("CALL_ESTABLISHED", 10) is not None,
                "TLS/SRTP phone's call to the UDP phone is answered")
        ra = a.wait_recording(2.5)
        rb = b.wait_recording(2.5)
        a.hangup()
        S.check(b.wait_event("CALL_CLOSED", 10) is not None,
                "hang-up crosses from TLS to UDP")
        cap.stop()
        v = is_tone(ra, 1000, other=440)
        S.check(v, "TLS/SRTP phone hears the UDP phone's 1000 Hz", str(v))
        v = is_tone(rb, 440, other=1000)
        S.check(v, "UDP phone hears the SRTP phone's 440 Hz", str(v))
        wire_checks(cap, sb, a, b)

        # the other way: the server calls the TLS phone on its connection
        m = a.mark()
        b.dial(f"sip:1001@127.0.0.1:{sb.sip_port}")
        S.check(a.wait_event("CALL_ESTABLISHED", 10, since=m) is not None,
                "UDP phone's call reaches the TLS phone over its "
                "connection, SRTP offered")
        ra2 = a.wait_recording(1.5, count=2)
        rb2 = b.wait_recording(1.5, count=2)
        b.hangup()
        S.check(a.wait_event("CALL_CLOSED", 10, since=m) is not None,
                "hang-up crosses from UDP to TLS")
        v = is_tone(ra2, 1000, other=440)
        S.check(v, "TLS phone hears the caller on the second call", str(v))
        v = is_tone(rb2, 440, other=1000)
        S.check(v, "and the caller hears the TLS phone", str(v))
    finally:
        if cap:
            cap.cleanup()
        a.stop()
        b.stop()


def test_srtp_required(sb):
    """--srtp-required: a TLS phone offering plain RTP gets 488; one with
    SRTP gets through."""
    a = tls_phone(sb, "1001", mediaenc=None, tone=440)
    c = tls_phone(sb, "1011", mediaenc="srtp-mand", tone=440)
    b = udp_phone(sb, "1002", tone=1000)
    try:
        S.check(a.wait_registered(10) and c.wait_registered(10)
                and b.wait_registered(10), "three phones registered")
        a.dial(f"sip:1002@127.0.0.1:{sb.tls_port};transport=tls")
        ev = a.wait_event("CALL_CLOSED", 10)
        S.check(ev is not None and ev.get("param", "").startswith("488 "),
                "plain RTP from a TLS phone is refused with 488",
                str(ev))
        c.dial(f"sip:1002@127.0.0.1:{sb.tls_port};transport=tls")
        S.check(c.wait_event("CALL_ESTABLISHED", 10) is not None,
                "an SRTP offer from a TLS phone is answered")
        rc = c.wait_recording(1.5)
        rb = b.wait_recording(1.5)
        c.hangup()
        v = is_tone(rc, 1000, other=440)
        S.check(v, "the SRTP-only phone hears the UDP phone's 1000 Hz",
                str(v))
        v = is_tone(rb, 440, other=1000)
        S.check(v, "the UDP phone hears the SRTP-only phone's 440 Hz",
                str(v))
        S.check(b.wait_event("CALL_CLOSED", 10) is not None,
                "and hung up")
        # to TLS phones the server now offers RTP/SAVP: the SRTP-only phone
        # takes it (Max's other phone, plain RTP on TLS, refuses: 488)
        m = c.mark()
        b.dial(f"sip:1001@127.0.0.1:{sb.sip_port}")
        S.check(c.wait_event("CALL_ESTABLISHED", 10, since=m) is not None,
                "a call to an SRTP-only TLS phone is answered (RTP/SAVP "
                "offered)")
        rc = c.wait_recording(1.5, count=2)
        b.hangup()
        v = is_tone(rc, 1000, other=440)
        S.check(v, "and hears the caller over RTP/SAVP", str(v))
        S.check(c.wait_event("CALL_CLOSED", 10, since=m) is not None,
                "and hung up from the UDP side")
    finally:
        a.stop()
        c.stop()
        b.stop()


def test_crlf_keepalive(sb):
    """RFC 5626 3.5.1: a CRLFCRLF ping on a TCP or TLS connection gets a
    CRLF pong; the connection stays usable for SIP afterwards."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    for name, port, wrap in (("TCP", sb.sip_port, False),
                             ("TLS", sb.tls_port, True)):
        raw = socket.create_connection(("127.0.0.1", port), 3)
        conn = ctx.wrap_socket(raw) if wrap else raw
        try:
            conn.settimeout(3)
            conn.sendall(b"\r\n\r\n")
            pong = conn.recv(16)
            S.check(pong == b"\r\n", f"{name}: CRLF ping answered with "
                    "a CRLF pong", repr(pong))
            lport = conn.getsockname()[1]
            conn.sendall((
                f"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n"
                f"Via: SIP/2.0/{name} 127.0.0.1:{lport};branch=z9hG4bKka{port}\r\n"
                "Max-Forwards: 70\r\nFrom: <sip:ka@127.0.0.1>;tag=ka\r\n"
                "To: <sip:127.0.0.1>\r\nCall-ID: ka-" + str(port) + "\r\n"
                "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode())
            resp = conn.recv(2000)
            S.check(resp.startswith(b"SIP/2.0 200"), f"{name}: the same "
                    "connection then carries SIP", repr(resp[:40]))
        finally:
            conn.close()


def device_id(sb, username):
    st, ds = sb.api("GET", "/api/v1/devices")
    return next((d["id"] for d in ds if d["username"] == username), None)


def test_device_srtp(sb):
    """A device's own srtp setting wins over the transport: 1002 on UDP
    set to "required" gets RTP/SAVP from us and its audio is SRTP; 1011 set
    to "required" but offering plain RTP is refused with 488."""
    for user in ("1002", "1011"):
        st, d = sb.api("PATCH", f"/api/v1/devices/{device_id(sb, user)}",
                       {"srtp": "required"})
        S.check(st == 200 and d["srtp"] == "required",
                f"device {user}: srtp required", f"{st} {d}")
    a = udp_phone(sb, "1001", tone=440)
    b = Baresip("1002", PW["1002"], server=("127.0.0.1", sb.sip_port),
                tone=1000, extra_account=";mediaenc=srtp-mand",
                extra_config=SRTP_MODULE)
    b.start()
    c = udp_phone(sb, "1011", tone=440)
    cap = None
    try:
        S.check(a.wait_registered(10) and b.wait_registered(10)
                and c.wait_registered(10), "three UDP phones registered")
        cap = RtpCapture(None, bpf=f"udp portrange {b.rtp_ports[0]}-"
                         f"{b.rtp_ports[1]}").start()
        a.dial(f"sip:1002@127.0.0.1:{sb.sip_port}")
        S.check(b.wait_event("CALL_ESTABLISHED", 10) is not None,
                "an SRTP-only phone on UDP takes our RTP/SAVP offer")
        rb = b.wait_recording(2.0)
        ra = a.wait_recording(2.0)
        a.hangup()
        S.check(b.wait_event("CALL_CLOSED", 10) is not None, "hung up")
        cap.stop()
        v = is_tone(rb, 440, other=1000)
        S.check(v, "the SRTP phone hears the plain phone's 440 Hz", str(v))
        v = is_tone(ra, 1000, other=440)
        S.check(v, "the plain phone hears the SRTP phone's 1000 Hz", str(v))
        sizes = {len(p) for p in rtp_of(cap.segments(), b.rtp_ports, False)}
        S.check(sizes == {12 + 160 + 10}, "our packets to it carry the "
                "SRTP tag", str(sizes))
        m = c.mark()
        c.dial(f"sip:1002@127.0.0.1:{sb.sip_port}")
        ev = c.wait_event("CALL_CLOSED", 10, since=m)
        S.check(ev is not None and ev.get("param", "").startswith("488 "),
                "a plain offer from a device set to required: 488", str(ev))
    finally:
        if cap:
            cap.cleanup()
        a.stop()
        b.stop()
        c.stop()
        for user in ("1002", "1011"):
            sb.api("PATCH", f"/api/v1/devices/{device_id(sb, user)}",
                   {"srtp": "auto"})


def test_tls_garbage(sb):
    """Plain text to the TLS port: the handshake fails, the server lives,
    and libre's warning lands in our log with a time stamp and level, not
    raw with colour codes."""
    raw = socket.create_connection(("127.0.0.1", sb.tls_port), 3)
    try:
        raw.sendall(b"OPTIONS sip:x SIP/2.0\r\n\r\n" * 4)
        raw.settimeout(3)
        try:
            answer = raw.recv(100)
        except OSError as e:
            answer = e
    finally:
        raw.close()
    # what OpenSSL does with a non-TLS first record: a TLS alert record
    # (content type 21) or the connection closed; never a SIP answer
    S.check(answer == b"" or isinstance(answer, ConnectionResetError)
            or (isinstance(answer, bytes) and answer[:1] == b"\x15"),
            "plain text to the TLS port: the handshake fails (alert or "
            "close), no SIP answer", repr(answer)[:80])
    wait_for(lambda: "libre: tls:" in sb.logtext(), 5,
             "libre's TLS warning in the log", lambda: sb.tail(5))
    log = sb.logtext()
    lines = [ln for ln in log.splitlines() if "libre: tls:" in ln]
    S.check(lines and re.match(r"\d{4}-\d\d-\d\dT\S+Z WARN  libre: tls:",
                               lines[-1]),
            "libre's TLS warning is in our log format", repr(lines[-1:]))
    S.check("\x1b[" not in log, "no colour codes in the log")
    st, _ = sb.api("GET", "/api/v1/stats")
    S.check(st == 200, "server alive after plain text on the TLS port")


def wait_trunk(sb, tid, timeout=10):
    deadline = time.time() + timeout
    reg = None
    while time.time() < deadline:
        st, t = sb.api("GET", f"/api/v1/trunks/{tid}")
        reg = t.get("registration") if st == 200 and t else None
        if reg and reg.get("state") == "registered":
            break
        time.sleep(0.25)
    return reg


def test_tls_trunk():
    carrier = Switchboard(tls=True).start()
    ours = Switchboard(tls=True).start()
    phones = []
    try:
        account = DEMO["erika_personal"].lstrip("+")
        st, emps = carrier.api("GET", "/api/v1/employees")
        erika = [x for x in emps if x.get("extension") == "1002"]
        st, dev = carrier.api("POST", "/api/v1/devices", {
            "tenant_id": 1, "employee_id": erika[0]["id"] if erika else 0,
            "username": account, "password": "trunk-secret-1",
            "name": "PBX of the customer"})
        S.check(st == 201, "carrier: account for our trunk", f"{st} {dev}")
        # the carrier's certificate is self-signed (for 127.0.0.1): our
        # trunk trusts it as its CA file (trunk_tls.py has the refusals)
        st, t = ours.api("PATCH", "/api/v1/trunks/1", {
            "host": "127.0.0.1", "port": carrier.tls_port,
            "transport": "tls", "register": True, "username": account,
            "password": "trunk-secret-1", "expires": 60,
            "ca_file": os.path.join(carrier.dir, "tls.pem")})
        S.check(st == 200 and t["transport"] == "tls", "trunk set to TLS "
                "with registration", f"{st} {t}")
        reg = wait_trunk(ours, 1)
        S.check(reg is not None and reg.get("state") == "registered",
                "the trunk registers at the carrier over TLS", str(reg))
        st, regs = carrier.api("GET", "/api/v1/registrations")
        S.check(st == 200 and any(r["transport"] == "TLS" for r in regs),
                "the carrier holds the binding on TLS", str(regs))

        # carrier's phone -> its Erika (= our trunk) -> our Erika
        x = Baresip("1001", PW["1001"], server=("127.0.0.1", carrier.sip_port),
                    tone=440)
        e = udp_phone(ours, "1002", tone=1000)
        phones = [x, e]
        x.start()
        S.check(x.wait_registered(10) and e.wait_registered(10),
                "a phone at the carrier and one of ours registered")
        x.dial(f"sip:{DEMO['erika_personal']}@127.0.0.1:{carrier.sip_port}")
        if not S.check(e.wait_event("CALL_ESTABLISHED", 10) is not None,
                       "a carrier call arrives through the TLS registration"):
            print("carrier:", carrier.tail(15), "ours:", ours.tail(15))
        rx = x.wait_recording(2.0)
        re_ = e.wait_recording(2.0)
        x.hangup()
        S.check(e.wait_event("CALL_CLOSED", 10) is not None,
                "and is hung up from the carrier's side")
        v = is_tone(rx, 1000, other=440)
        S.check(v, "the carrier's phone hears ours (1000 Hz) across both "
                "servers and the SRTP trunk leg", str(v))
        v = is_tone(re_, 440, other=1000)
        S.check(v, "our phone hears the carrier's (440 Hz)", str(v))

        # ours -> a number we do not have -> out through the TLS trunk
        st, nums = ours.api("GET", "/api/v1/numbers")
        ann = [n for n in nums if n["e164"] == DEMO["announcement"]]
        if ann:
            ours.api("DELETE", f"/api/v1/numbers/{ann[0]['id']}")
        m = e.mark()
        e.dial(f"sip:{DEMO['announcement']}@127.0.0.1:{ours.sip_port}")
        S.check(e.wait_event("CALL_ESTABLISHED", 10, since=m) is not None,
                "our call goes out through the TLS trunk (after the "
                "carrier's 407) and is answered")
        ev = e.wait_event("CALL_CLOSED", 15, since=m)
        S.check(ev is not None and ev.get("param", "").startswith(
            "Connection reset by peer"), "the carrier's announcement ends "
            "the call (BYE from the far end)", str(ev))
        recs = e.recordings()
        # the phone speaks PCMU (its first codec); a second law on the way
        # adds only quantisation noise
        v = is_prompt(recs[-1], WELCOME, law="pcmu", min_coverage=0.8) \
            if len(recs) == 2 else f"recordings {recs}"
        S.check(v, "our phone heard the carrier's whole welcome prompt",
                str(v))
    finally:
        for p in phones:
            p.stop()
        for sb, what in ((ours, "our server"), (carrier, "the carrier")):
            code = sb.stop()
            S.check(code == 0, f"clean exit of {what}", f"exit {code}: "
                    f"{sb.tail(20)}")
            sb.cleanup()


def run_server(tests, extra=()):
    sb = Switchboard(tls=True, extra_args=extra).start()
    try:
        for t in tests:
            S.run(t, sb)
            S.check(sb.alive(), f"server alive after {t.__name__}")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()


def main():
    run_server((test_tls_srtp_to_udp, test_crlf_keepalive, test_device_srtp,
                test_tls_garbage))
    run_server((test_srtp_required,), ("--srtp-required",))
    S.run(test_tls_trunk)
    S.finish()


if __name__ == "__main__":
    main()
