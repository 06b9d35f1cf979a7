#!/usr/bin/env python3
"""rtp.py - what a phone receives is one RTP stream, across hold, music on
hold, resume and re-INVITEs (issue 12).

Max (1001, 440 Hz) calls Erika (1002, 1000 Hz), both PCMU, so a relayed
packet's payload is byte for byte the one the other phone sent: every
packet the server sends to a phone is told apart by its content as the
other phone's audio or music on hold.  tcpdump on lo records the RTP of
both phones and their SIP to the server; rtpstream.py reads the headers.

    0  talk        Max <-> Erika relayed
    1  Max holds   Erika hears music on hold, Max nothing (sendonly)
    2  Max resumes relayed again
    3  Erika holds Max hears music on hold, Erika nothing
    4  Erika resumes
    5  Max sends a re-INVITE (sendrecv, nothing changes): relay goes on

Each step waits for its re-INVITE and the server's 200 on the wire, then
for 40 packets of the new kind at the phone that should get them.  For
each direction (server -> Max, server -> Erika) the checks are exact:
  - one SSRC for the whole call (the server's stream for that leg);
  - sequence numbers consecutive mod 2^16, no gap at any switch;
  - timestamps +160 per packet inside a talkspurt, and across a switch
    (marker bit) advanced by the wall-clock time between the two packets
    (RFC 3550 5.1; 30 ms tolerance for scheduling jitter);
  - the marker bit exactly on the first packet of each part, and the
    parts in the order above, each pure (only the far phone, or only
    music), each starting after the re-INVITE that caused it, with
    packets on both sides of every switch;
  - nothing at all across the re-INVITE of step 5: no marker, no gap.
Before the fix the server passed each source's SSRC, seq and timestamp
through: Erika saw three SSRCs (Max, music, Max) and Max, after his
resume, a jump of one sequence number per packet Erika sent while he
held (~100 per 2 s), which a receiver counts as lost.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, RTP_MAX, RTP_MIN, Suite, Switchboard  # noqa: E402
from peers import Baresip, RtpCapture, in_range, wait_for  # noqa: E402
from rtpstream import (continuity, describe, read_pcap,  # noqa: E402
                       rtp_flows, ts_delta)

S = Suite("rtp")
PW = DEMO["devices"]
PART = 40                              # packets to wait for per part
TOL_MS = 30


class Call:
    """The two phones, the capture and what it saw."""

    def __init__(self, sb, a, b, cap):
        self.sb, self.a, self.b, self.cap = sb, a, b, cap

    def rtp(self):
        flows = rtp_flows(read_pcap(self.cap.path),
                          lambda r: r.pt in (0, 8, 101))
        out = {"a_out": [], "b_out": [], "to_a": [], "to_b": []}
        for (src, sport, dst, dport), pk in flows.items():
            srv_in = in_range(dport, (RTP_MIN, RTP_MAX))
            srv_out = in_range(sport, (RTP_MIN, RTP_MAX))
            if srv_in and in_range(sport, self.a.rtp_ports):
                out["a_out"] += pk
            elif srv_in and in_range(sport, self.b.rtp_ports):
                out["b_out"] += pk
            elif srv_out and in_range(dport, self.a.rtp_ports):
                out["to_a"].append(pk)
            elif srv_out and in_range(dport, self.b.rtp_ports):
                out["to_b"].append(pk)
        for k in ("to_a", "to_b"):   # one flow each, or say so
            if len(out[k]) > 1:
                raise AssertionError(f"{k}: {len(out[k])} flows from the "
                                     "server")
            out[k] = out[k][0] if out[k] else []
        return out

    def labels(self, flows, to, since):
        """labels of the packets to "to_a"/"to_b" captured after since"""
        s_a = {r.payload for r in flows["a_out"]}
        s_b = {r.payload for r in flows["b_out"]}
        out = []
        for r in flows[to]:
            if r.t < since:
                continue
            out.append("Max" if r.payload in s_a else
                       "Erika" if r.payload in s_b else "music")
        return out

    def wait_packets(self, to, label, since, n=PART, timeout=15):
        """n packets of label at the phone since the time since"""
        def enough():
            f = self.rtp()
            return self.labels(f, to, since).count(label) >= n
        wait_for(enough, timeout, f"{n} packets of {label} in {to}")

    def sip_invite(self, phone, since, sdp_dir, timeout=10):
        """(time of the phone's re-INVITE with a=sdp_dir after since, time
        of the server's 200 to it), from the capture"""
        def find():
            inv, ok = None, None
            cseq = None
            for t, src, sport, dst, dport, d in read_pcap(self.cap.path):
                if t < since:
                    continue
                if inv is None and sport == phone.sip_port and \
                        dport == self.sb.sip_port and \
                        d.startswith(b"INVITE ") and \
                        f"a={sdp_dir}".encode() in d:
                    inv = t
                    for ln in d.split(b"\r\n"):
                        if ln.lower().startswith(b"cseq:"):
                            cseq = ln.split(b":", 1)[1].strip()
                elif inv is not None and sport == self.sb.sip_port and \
                        dport == phone.sip_port and \
                        d.startswith(b"SIP/2.0 200") and cseq and \
                        cseq in d:
                    ok = t
                    break
            return (inv, ok) if ok else None
        return wait_for(find, timeout, f"re-INVITE a={sdp_dir} from "
                        f"{phone.user} and its 200")


def segments(pkts):
    """the flow split before each marker bit"""
    segs = []
    for r in pkts:
        if r.m or not segs:
            segs.append([])
        segs[-1].append(r)
    return segs


def check_direction(call, flows, to, expect, reinvite):
    """expect: [(label, t0)]: the parts of the flow to the phone, each
    starting after t0 (its re-INVITE), in order; reinvite: the time of the
    step-5 re-INVITE, inside the last part."""
    who = "Max" if to == "to_a" else "Erika"
    pkts = [r for r in flows[to] if r.pt in (0, 8)]
    d = describe(pkts)
    print(f"     server -> {who}: {d['packets']} packets, SSRCs "
          f"{d['ssrcs']}, markers at {d['markers']}", flush=True)
    for line in (d["seq_gaps"] + d["ts_jumps"])[:12]:
        print(f"       {line}", flush=True)
    S.check(len({r.pt for r in flows[to]}) == 1 and bool(pkts),
            f"{who} gets PCMU only",
            str({r.pt for r in flows[to]}))
    ssrcs = {r.ssrc for r in pkts}
    S.check(len(ssrcs) == 1, f"{who} receives one SSRC for the whole call",
            f"{sorted(f'{s:08x}' for s in ssrcs)}")
    probs = continuity(pkts, tolerance_ms=TOL_MS)
    gaps = [t for k, t in probs if k == "seq"]
    S.check(not gaps, f"{who}: sequence numbers consecutive, no gap at "
            "any switch", "; ".join(gaps[:6]))
    ts_probs = [t for k, t in probs if k == "ts"]
    S.check(not ts_probs, f"{who}: timestamps +160 per packet, across a "
            f"switch by the wall-clock time (within {TOL_MS} ms)",
            "; ".join(ts_probs[:6]))

    segs = segments(pkts)
    s_a = {r.payload for r in flows["a_out"]}
    s_b = {r.payload for r in flows["b_out"]}

    def lab(r):
        return ("Max" if r.payload in s_a else
                "Erika" if r.payload in s_b else "music")
    got = [sorted({lab(r) for r in s}) for s in segs]
    S.check(got == [[e[0]] for e in expect],
            f"{who}: marker bit exactly at each switch: "
            + " | ".join(e[0] for e in expect),
            f"parts between markers: {got}, sizes "
            f"{[len(s) for s in segs]}")
    if len(segs) != len(expect):
        return
    for i, ((label, t0), seg) in enumerate(zip(expect, segs)):
        nxt = expect[i + 1][1] if i + 1 < len(expect) else None
        S.check(len(seg) >= PART - 10 and (t0 is None or seg[0].t > t0)
                and (nxt is None or seg[-1].t < nxt + 0.5),
                f"{who}: part {i} ({label}) follows its re-INVITE, "
                f"{len(seg)} packets", f"starts {seg[0].t - (t0 or 0):.3f}"
                f" s after it")
        span = seg[-1].t - seg[0].t
        dts = ts_delta(seg[0].ts, seg[-1].ts) / 8000
        S.check(abs(dts - span) <= 0.1 + 0.02 * span,
                f"{who}: part {i} timestamps follow the wall clock",
                f"{dts:.3f} s of timestamps in {span:.3f} s")
    last = segs[-1]
    before = sum(1 for r in last if r.t < reinvite)
    after = sum(1 for r in last if r.t > reinvite)
    S.check(before >= 20 and after >= 20,
            f"{who}: relayed across Max's re-INVITE without a marker, gap "
            "or jump", f"{before} packets before it, {after} after")


def test_hold_resume(sb):
    a = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port),
                tone=440, codecs=("pcmu",))
    b = Baresip("1002", PW["1002"], server=("127.0.0.1", sb.sip_port),
                tone=1000, codecs=("pcmu",))
    cap = None
    try:
        a.start()
        b.start()
        # the ports are final once the phones run (start() may move them)
        cap = RtpCapture(None, bpf=f"udp and (portrange {a.rtp_ports[0]}-"
                         f"{a.rtp_ports[1]} or portrange {b.rtp_ports[0]}-"
                         f"{b.rtp_ports[1]} or port {sb.sip_port})").start()
        if not S.check(a.wait_registered(10) and b.wait_registered(10),
                       "phones 1001 and 1002 register",
                       a.log()[-500:] + b.log()[-500:]):
            return
        call = Call(sb, a, b, cap)
        a.dial(f"sip:{DEMO['erika_personal']}@127.0.0.1:{sb.sip_port}")
        S.check(a.wait_event("CALL_ESTABLISHED", 10) is not None and
                b.wait_event("CALL_ESTABLISHED", 10) is not None,
                "Max calls Erika by her personal number")
        t_est = time.time()
        call.wait_packets("to_b", "Max", t_est)
        call.wait_packets("to_a", "Erika", t_est)

        # 1: Max holds; Erika hears music
        t = time.time()
        S.check(a.hold().get("ok", False), "Max: hold")
        h_a, _ = call.sip_invite(a, t, "sendonly")
        call.wait_packets("to_b", "music", h_a)
        # 2: Max resumes
        t = time.time()
        S.check(a.resume().get("ok", False), "Max: resume")
        r_a, _ = call.sip_invite(a, t, "sendrecv")
        call.wait_packets("to_b", "Max", r_a)
        call.wait_packets("to_a", "Erika", r_a)
        # 3: Erika holds; Max hears music
        t = time.time()
        S.check(b.hold().get("ok", False), "Erika: hold")
        h_b, _ = call.sip_invite(b, t, "sendonly")
        call.wait_packets("to_a", "music", h_b)
        # 4: Erika resumes
        t = time.time()
        S.check(b.resume().get("ok", False), "Erika: resume")
        r_b, _ = call.sip_invite(b, t, "sendrecv")
        call.wait_packets("to_a", "Erika", r_b)
        call.wait_packets("to_b", "Max", r_b)
        # 5: a re-INVITE that changes nothing
        t = time.time()
        S.check(a.command("reinvite").get("ok", False), "Max: re-INVITE")
        ri, _ = call.sip_invite(a, t, "sendrecv")
        call.wait_packets("to_a", "Erika", ri)
        call.wait_packets("to_b", "Max", ri)

        log = sb.logtext()
        S.check(log.count("on hold, music to device:1002") == 1 and
                log.count("on hold, music to device:1001") == 1 and
                log.count("resumed") == 2,
                "server: music to Erika, then to Max, two resumes",
                f"{log.count('on hold')} holds, {log.count('resumed')} "
                "resumes")
        a.hangup()
        S.check(b.wait_event("CALL_CLOSED", 10) is not None,
                "the call hangs up")
        flows = call.rtp()
        cap.stop()
        print(f"     re-INVITEs at +{h_a - t_est:.2f} (Max hold), "
              f"+{r_a - t_est:.2f} (resume), +{h_b - t_est:.2f} (Erika "
              f"hold), +{r_b - t_est:.2f} (resume), +{ri - t_est:.2f} "
              "(Max, nothing changed)", flush=True)
        check_direction(call, flows, "to_b",
                        [("Max", None), ("music", h_a), ("Max", r_a),
                         ("Max", r_b)], ri)
        check_direction(call, flows, "to_a",
                        [("Erika", None), ("Erika", r_a), ("music", h_b),
                         ("Erika", r_b)], ri)
    finally:
        if cap:
            cap.cleanup()
        a.stop()
        b.stop()


def main():
    if os.geteuid() != 0:
        S.check(False, "rtp suite needs root (tcpdump)")
        S.finish()
    sb = Switchboard().start()
    try:
        S.run(test_hold_resume, sb)
        S.check(sb.alive(), "server alive after the calls")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
