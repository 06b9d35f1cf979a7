#!/usr/bin/env python3
"""hijack.py - RTP from a third address during a call must not take over
its media (issue 7).

Max (1001, 440 Hz) calls Erika (1002, 880 Hz) by her personal number.
Once RTP has flowed both ways, an attacker on another loopback address
(127.66.x.y) sends 2 s of valid-looking PCMU with a loud 1800 Hz tone to
the server's RTP port of Max's leg.  tcpdump on lo sees every packet of the
call, so the checks do not have to guess:

    Max 127.0.0.1 --RTP--> [leg A port] --relay--> [leg B] --> Erika
                               ^
    attacker 127.66.x.y -------+   refused: nothing relayed to Erika,
                                   nothing sent back to the attacker

The server's port of leg A is learnt from the capture (where Max's RTP
goes); Max's SSRC too, for a second round that copies it (an attacker who
can sniff the call).  rtp.refused in /api/v1/stats must grow by the
packets the attacker sent (the negative control: they did reach the port).

Round 1 (own SSRC) must be refused outright.  Round 2 copies Max's SSRC,
which is how a NAT mapping that moved looks - but Max is still talking from
his address, and the server only follows an SSRC to a new address once the
old one has gone quiet (latch() in src/media/leg.c), so it is refused too.
"""
import math
import os
import random
import select
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, RTP_MAX, RTP_MIN, Suite, Switchboard  # noqa: E402
from peers import (Baresip, RtpCapture, dominant_freq, in_range,  # noqa: E402
                   wav_rms)

S = Suite("hijack")
PW = DEMO["devices"]
TONE_A, TONE_B, TONE_X = 440, 880, 1800
ATTACK_PACKETS = 100                   # 2 s at 20 ms
# a third address on loopback, unlikely to be used by a parallel suite
ATTACKER_IP = f"127.66.{os.getpid() % 250 + 1}.{random.randrange(1, 250)}"


# --------------------------------------------------------------------------
# G.711 and RTP
# --------------------------------------------------------------------------
def ulaw(sample):
    """16-bit linear -> G.711 u-law byte (the classic Sun encoder)."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    if sample < 0:
        sample = -sample
    sample = min(sample, clip) + bias
    exp, mask = 7, 0x4000
    while exp > 0 and not sample & mask:
        exp -= 1
        mask >>= 1
    mant = (sample >> (exp + 3)) & 0x0f
    return ~(sign | (exp << 4) | mant) & 0xff


def tone_frame(hz, amp=0.8):
    """160 samples (20 ms at 8 kHz) of a sine as PCMU.  1800 Hz has a
    period of 40 samples, so every frame is the same 160 bytes: a relayed
    attacker packet is recognised by its payload alone."""
    return bytes(ulaw(int(amp * 32767 * math.sin(2 * math.pi * hz * i / 8000)))
                 for i in range(160))


def rtp_packet(seq, ts, ssrc, payload, marker=False, pt=0):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt,
                       seq & 0xffff, ts & 0xffffffff, ssrc) + payload


class Attacker:
    """A UDP socket on ATTACKER_IP that sends RTP to a target and counts
    everything that comes back to it."""

    def __init__(self, ip):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, 0))
        self.addr = self.sock.getsockname()
        self.received = []          # (time, source, bytes)
        self._stop = False
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self):
        while not self._stop:
            if select.select([self.sock], [], [], 0.1)[0]:
                try:
                    data, src = self.sock.recvfrom(4096)
                except OSError:
                    return
                self.received.append((time.time(), src, data))

    def send(self, target, ssrc, payload, count=ATTACK_PACKETS):
        """count packets, 20 ms apart (absolute schedule); returns
        (first, last) send time."""
        seq, ts = random.randrange(65536), random.randrange(1 << 32)
        t0 = time.time()
        for i in range(count):
            delay = t0 + i * 0.02 - time.time()
            if delay > 0:
                time.sleep(delay)
            self.sock.sendto(rtp_packet(seq + i, ts + 160 * i, ssrc, payload,
                                        marker=(i == 0)), target)
        return t0, time.time()

    def close(self):
        self._stop = True
        self._thread.join(1)
        self.sock.close()


# --------------------------------------------------------------------------
# waits on the capture (peers.RtpCapture) and the server
# --------------------------------------------------------------------------
def wait_until(fn, timeout, step=0.1):
    """fn() once it is true, polling every step [s]; its last (false)
    value after timeout [s]."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(step)


def capture_until(cap, pred, timeout=5):
    """The captured packets once pred(packets) holds (or after timeout
    [s]: the checks then say what is missing)."""
    pk = wait_until(lambda: (lambda p: p if pred(p) else None)(
        cap.rtp()), timeout)
    return pk if pk is not None else cap.rtp()


def refused_reaches(sb, n, timeout=5):
    """rtp.refused once it reached n (or its value after timeout [s])."""
    return wait_until(lambda: (lambda r: r if r >= n else None)(
        refused(sb)), timeout) or refused(sb)


def flow_to_server(pkts, phone):
    """(server port, SSRC, packets) of the phone's RTP to the server."""
    mine = [p for p in pkts if p["src"] == "127.0.0.1"
            and in_range(p["sport"], phone.rtp_ports)
            and in_range(p["dport"], (RTP_MIN, RTP_MAX))]
    if not mine:
        return None, None, []
    last = mine[-1]
    return last["dport"], last["ssrc"], mine


def to_phone(pkts, phone, t0, t1):
    """Audio the server sent to the phone between t0 and t1."""
    return [p for p in pkts if p["dst"] == "127.0.0.1"
            and in_range(p["dport"], phone.rtp_ports)
            and in_range(p["sport"], (RTP_MIN, RTP_MAX))
            and p["pt"] in (0, 8) and t0 <= p["t"] <= t1]


def refused(sb):
    st, body = sb.api("GET", "/api/v1/stats")
    if st != 200 or not isinstance(body, dict):
        raise RuntimeError(f"GET /api/v1/stats: {st} {body}")
    return body["rtp"]["refused"]


def wait_record(sb, pred, timeout=10):
    """The first ended call record (GET /api/v1/calls) matching pred."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        st, body = sb.api("GET", "/api/v1/calls?limit=20")
        for c in body if st == 200 and isinstance(body, list) else []:
            if pred(c) and c.get("ended_at"):
                return c
        time.sleep(0.2)
    return None


def phone(sb, user, **kw):
    p = Baresip(user, PW[user], server=("127.0.0.1", sb.sip_port), **kw)
    p.start()
    return p


# --------------------------------------------------------------------------
# the test
# --------------------------------------------------------------------------
def test_hijack(sb):
    a = phone(sb, "1001", tone=TONE_A, codecs=("pcmu",))
    b = phone(sb, "1002", tone=TONE_B, codecs=("pcmu",))
    lo = min(a.rtp_ports[0], b.rtp_ports[0])
    hi = max(a.rtp_ports[1], b.rtp_ports[1])
    cap = RtpCapture(None, bpf=f"udp and (portrange {lo}-{hi} or host "
                     f"{ATTACKER_IP})").start()
    att = Attacker(ATTACKER_IP)
    x_payload = tone_frame(TONE_X)
    try:
        S.check(a.wait_registered(10) and b.wait_registered(10),
                "phones 1001 and 1002 register")
        a.dial(f"sip:{DEMO['erika_personal']}@127.0.0.1:{sb.sip_port}")
        est = b.wait_event("CALL_ESTABLISHED", 10)
        S.check(a.wait_event("CALL_ESTABLISHED", 10) is not None
                and est is not None, "call by personal number established")

        # wait until RTP has flowed both ways for half a second
        pkts = capture_until(cap, lambda pk: len(flow_to_server(pk, a)[2])
                             >= 25 and len(flow_to_server(pk, b)[2]) >= 25,
                             10)
        port_a, ssrc_a, flow_a = flow_to_server(pkts, a)
        port_b, _, flow_b = flow_to_server(pkts, b)
        S.check(port_a is not None and len(flow_a) >= 25 and
                len(flow_b) >= 25,
                "RTP flows both ways before the attack",
                f"A->{port_a}: {len(flow_a)}, B->{port_b}: {len(flow_b)}")
        if port_a is None:
            return
        print(f"     leg A: server port {port_a}, phone SSRC {ssrc_a:08x}; "
              f"attacker {att.addr[0]}:{att.addr[1]}", flush=True)
        target = ("127.0.0.1", port_a)
        # the server sends Erika its own stream (one SSRC per leg, seq and
        # timestamps of its own: src/media/relay.c), carrying Max's audio
        ssrc_to_b = {p["ssrc"] for p in to_phone(pkts, b, 0, 1e12)}
        S.check(len(ssrc_to_b) == 1, "Erika gets one RTP stream from the "
                "server before the attack", str(ssrc_to_b))

        # --- round 1: a stranger with its own SSRC -----------------------
        r0 = refused(sb)
        x_ssrc = random.randrange(1 << 32)
        while x_ssrc == ssrc_a:
            x_ssrc = random.randrange(1 << 32)
        t1s, t1e = att.send(target, x_ssrc, x_payload)
        # wait for the server to have read them all, and for the capture
        # to hold the relayed stream up to the attack's end
        r1 = refused_reaches(sb, r0 + ATTACK_PACKETS)
        pkts = capture_until(cap,
                             lambda pk: to_phone(pk, b, t1e + 0.1, 1e12))
        seen = [p for p in pkts if p["src"] == ATTACKER_IP
                and p["dport"] == port_a]
        S.check(len(seen) == ATTACK_PACKETS,
                "control: all attacker packets reached the leg's port",
                f"{len(seen)} of {ATTACK_PACKETS} in the capture")
        S.check(r1 - r0 == ATTACK_PACKETS,
                "rtp.refused grew by the packets the attacker sent",
                f"{r0} -> {r1}")
        to_b = to_phone(pkts, b, t1s, t1e + 0.1)
        bad = [p for p in to_b if p["ssrc"] == x_ssrc
               or p["payload"] == x_payload]
        S.check(len(to_b) >= 80 and not bad,
                "during the attack Erika gets Max's stream only",
                f"{len(to_b)} packets to B, {len(bad)} from the attacker")
        _, _, flow_a1 = flow_to_server(pkts, a)
        max_audio = {p["payload"] for p in flow_a1}
        S.check(all(p["ssrc"] in ssrc_to_b and p["payload"] in max_audio
                    for p in to_b),
                "every packet relayed to Erika is Max's audio in the "
                "server's stream to her",
                f"SSRCs {({p['ssrc'] for p in to_b})} (before "
                f"{ssrc_to_b}), {sum(p['payload'] not in max_audio for p in to_b)}"
                " packets not from Max")
        S.check(not att.received,
                "the attacker receives nothing (media did not move)",
                f"{len(att.received)} packets from "
                f"{set(r[1] for r in att.received)}")
        to_a = to_phone(pkts, a, t1s, t1e + 0.1)
        S.check(len(to_a) >= 80, "Max still gets Erika's audio meanwhile",
                f"{len(to_a)} packets")

        # --- after round 1: the call goes on ----------------------------
        # watch the call go on for 1.5 s of Max's stream (75 packets)
        t3s = time.time()
        pkts = capture_until(cap, lambda pk: len(to_phone(pk, b, t3s, 1e12))
                             >= 75, 6)
        t3e = max([p["t"] for p in to_phone(pkts, b, t3s, 1e12)] or [t3s])
        to_b3 = to_phone(pkts, b, t3s, t3e)
        _, _, flow_a3 = flow_to_server(pkts, a)
        max_audio = {p["payload"] for p in flow_a3}
        S.check(len(to_b3) >= 60 and all(p["ssrc"] in ssrc_to_b and
                                         p["payload"] in max_audio
                                         for p in to_b3),
                "after the attack Erika still gets Max's stream",
                f"{len(to_b3)} packets")
        S.check(not att.received,
                "after the attack nothing goes to the attacker",
                f"{len(att.received)} packets")
        log = sb.logtext()
        S.check(f"latched to {ATTACKER_IP}" not in log,
                "the server never latched to the stranger's address",
                [ln for ln in log.splitlines() if ATTACKER_IP in ln][:3])

        # --- round 2: the attacker sniffed Max's SSRC and copies it -------
        # A known SSRC from a new address is how a NAT rebinding looks,
        # but Max keeps talking from his address: refused as well.
        n_back = len(att.received)
        n_log = sb.logtext().count(f"latched to {ATTACKER_IP}")
        t4s, t4e = att.send(target, ssrc_a, x_payload)
        r4 = refused_reaches(sb, r1 + ATTACK_PACKETS)
        back = [r for r in att.received[n_back:] if r[0] <= t4e + 0.1]
        n_log = sb.logtext().count(f"latched to {ATTACKER_IP}") - n_log
        # and then 1 s of Max's stream (50 packets)
        t5s = time.time()
        pkts = capture_until(cap, lambda pk: len(to_phone(pk, b, t5s, 1e12))
                             >= 50)
        t5e = max([p["t"] for p in to_phone(pkts, b, t5s, 1e12)] or [t5s])
        to_b4 = to_phone(pkts, b, t4s, t4e + 0.1)
        inj = [p for p in to_b4 if p["payload"] == x_payload]
        S.check(not inj and n_log == 0,
                "copied SSRC while Max talks: nothing relayed to Erika, no "
                "latch", f"{len(inj)} of {len(to_b4)} packets to Erika were "
                f"the attacker's, {n_log} latches")
        S.check(not back, "copied SSRC: Erika's audio does not go to the "
                "attacker", f"{len(back)} packets")
        S.check(r4 - r1 == ATTACK_PACKETS,
                "copied SSRC: rtp.refused grew by the packets sent",
                f"{r1} -> {r4}")
        to_b5 = to_phone(pkts, b, t5s, t5e)
        S.check(len(to_b5) >= 40 and all(p["payload"] != x_payload
                                         for p in to_b5),
                "copied SSRC: once it stops, Max's stream goes to Erika "
                "again", f"{len(to_b5)} packets")
        late = [r for r in att.received if r[0] > t5s]
        S.check(not late, "copied SSRC: once it stops, nothing goes to "
                "the attacker", f"{len(late)} packets")

        a.hangup()
        S.check(b.wait_event("CALL_CLOSED", 10) is not None,
                "the call hangs up cleanly")
        rec = wait_record(sb, lambda c: c["from_number"] == "1001"
                          and c["to_number"] == DEMO["erika_personal"])
        S.check(rec is not None and rec["disposition"] == "answered"
                and rec["ended_by"] == "caller",
                "call record: answered, ended by the caller", str(rec))
        cap.stop()

        # --- what Erika heard during and after round 1 --------------------
        rec = b.recordings()
        S.check(len(rec) == 1, "Erika's phone recorded the call", rec)
        if rec:
            first = to_phone(cap.rtp(), b, 0, 1e12)
            t0 = first[0]["t"] if first else est["_t"]
            for label, s, e in (("during the attack", t1s, t1e),
                                ("after the attack", t3s, t3e)):
                start, length = s - t0 + 0.3, e - s - 0.5
                f = dominant_freq(rec[0], start, length)
                rms = wav_rms(rec[0], start, length)
                S.check(rms > 0.05 and abs(f - TONE_A) < 0.1 * TONE_A,
                        f"Erika hears Max's {TONE_A} Hz {label}, "
                        f"not {TONE_X} Hz",
                        f"{f:.0f} Hz, RMS {rms:.3f} at {start:.1f}s")
    finally:
        att.close()
        cap.cleanup()
        a.stop()
        b.stop()


def main():
    if os.geteuid() != 0:
        S.check(False, "hijack suite needs root (tcpdump)")
        S.finish()
    sb = Switchboard(extra_args=["--log-level", "debug"]).start()
    try:
        S.run(test_hijack, sb)
        S.check(sb.alive(), "server alive after the attack")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
