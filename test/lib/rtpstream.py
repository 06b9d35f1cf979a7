#!/usr/bin/python3
"""rtpstream.py - RTP header fields per packet per flow, from a tcpdump
pcap, and the RFC 3550 continuity checks the rtp suite makes on them.
Python 3 standard library only.

    from rtpstream import read_pcap, rtp_flows, continuity

    frames = read_pcap("/tmp/x.pcap")     # IPv4 UDP datagrams, in order
    flows = rtp_flows(frames)             # {(src, sport, dst, dport): [Rtp]}
    for key, pkts in flows.items():
        print(key, describe(pkts))        # SSRCs, gaps, jumps, markers

An Rtp has t (capture time, s), src/sport/dst/dport, and the header
fields v, p, x, cc, m, pt, seq, ts, ssrc, plus payload (after CSRCs and
the header extension).  RTCP (second byte 192..223, RFC 5761 4) is left
out.  A pcap still being written may end in a partial record: it is
ignored, so a file can be read while tcpdump runs (with -U).

continuity(pkts, ...) returns the list of what breaks "one stream" as
RFC 3550 describes it for a receiver: a second SSRC, a sequence number
that is not the previous one plus one (mod 2^16), a timestamp that does
not advance by one frame per packet inside a talkspurt, or that does not
follow the wall clock across a marker bit.
"""
import socket
import struct
from collections import namedtuple

Rtp = namedtuple("Rtp", "t src sport dst dport v p x cc m pt seq ts ssrc "
                        "payload")

LINK_HEADER = {1: 14, 113: 16, 276: 20, 0: 4, 101: 0}  # ether, sll, sll2,
# null (BSD loopback), raw


def read_pcap(path):
    """[(t, src, sport, dst, dport, udp payload)] of the IPv4 UDP packets
    in a classic pcap file (micro- or nanosecond, either byte order)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return []
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError(f"{path}: not a pcap file (pcapng?)")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    l2 = LINK_HEADER.get(linktype, 14)
    out = []
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII",
                                             data[pos:pos + 16])
        if pos + 16 + caplen > len(data):
            break                       # partial record: still being written
        pkt = data[pos + 16 + l2:pos + 16 + caplen]
        pos += 16 + caplen
        if len(pkt) < 28 or pkt[0] >> 4 != 4 or pkt[9] != 17:
            continue
        ihl = (pkt[0] & 15) * 4
        sport, dport = struct.unpack("!HH", pkt[ihl:ihl + 4])
        out.append((sec + frac / (1e9 if nano else 1e6),
                    socket.inet_ntoa(pkt[12:16]), sport,
                    socket.inet_ntoa(pkt[16:20]), dport, pkt[ihl + 8:]))
    return out


def parse_rtp(frame):
    """An Rtp from one read_pcap() frame, or None if it is no RTP."""
    t, src, sport, dst, dport, d = frame
    if len(d) < 12 or d[0] >> 6 != 2 or 192 <= d[1] <= 223:
        return None
    cc = d[0] & 15
    hlen = 12 + 4 * cc
    if d[0] & 0x10:                     # header extension
        if len(d) < hlen + 4:
            return None
        hlen += 4 + 4 * struct.unpack("!H", d[hlen + 2:hlen + 4])[0]
    if len(d) < hlen:
        return None
    end = len(d)
    if d[0] & 0x20 and end > hlen:      # padding
        end -= d[-1]
    seq, ts, ssrc = struct.unpack("!HII", d[2:12])
    return Rtp(t, src, sport, dst, dport, 2, (d[0] >> 5) & 1,
               (d[0] >> 4) & 1, cc, d[1] >> 7, d[1] & 0x7f, seq, ts, ssrc,
               d[hlen:end])


def rtp_flows(frames, pred=None):
    """{(src, sport, dst, dport): [Rtp, in capture order]} for the frames
    (read_pcap) that are RTP and for which pred(Rtp) is true."""
    flows = {}
    for fr in frames:
        r = parse_rtp(fr)
        if r is None or (pred and not pred(r)):
            continue
        flows.setdefault((r.src, r.sport, r.dst, r.dport), []).append(r)
    return flows


def seq_delta(a, b):
    """b - a for 16-bit sequence numbers, in -32768..32767."""
    return (b - a + 32768) % 65536 - 32768


def ts_delta(a, b):
    """b - a for 32-bit timestamps, signed."""
    return (b - a + (1 << 31)) % (1 << 32) - (1 << 31)


def describe(pkts, rate=8000):
    """What a receiver sees in one flow, for printing: packets, SSRCs with
    their counts, sequence gaps and jumps, markers, timestamp steps that
    are not one frame, each with the wall-clock time between the packets."""
    ssrcs = {}
    for r in pkts:
        ssrcs[r.ssrc] = ssrcs.get(r.ssrc, 0) + 1
    gaps, jumps, markers = [], [], []
    for i, r in enumerate(pkts):
        if r.m:
            markers.append(i)
        if not i:
            continue
        q = pkts[i - 1]
        ds = seq_delta(q.seq, r.seq)
        dt = r.t - q.t
        dts = ts_delta(q.ts, r.ts)
        if q.ssrc != r.ssrc:
            jumps.append(f"#{i} SSRC {q.ssrc:08x}->{r.ssrc:08x} "
                         f"(m={r.m}, after {dt * 1000:.0f} ms)")
            continue
        if ds != 1:
            gaps.append(f"#{i} seq {q.seq}->{r.seq} ({ds:+d}) after "
                        f"{dt * 1000:.0f} ms")
        if dts != 160 * ds:
            jumps.append(f"#{i} ts {dts:+d} for seq {ds:+d} after "
                         f"{dt * 1000:.0f} ms (wall clock "
                         f"{dt * rate:+.0f}, m={r.m})")
    return {"packets": len(pkts),
            "ssrcs": {f"{k:08x}": v for k, v in ssrcs.items()},
            "seq_gaps": gaps, "ts_jumps": jumps, "markers": markers}


def continuity(pkts, frame=160, rate=8000, tolerance_ms=30, first_marker=None):
    """Problems of one flow as one RTP stream, [] if none, each a pair
    (kind "ssrc"/"seq"/"ts", text):
      - more than one SSRC;
      - a sequence number that is not the previous one + 1 (mod 2^16):
        a gap, a repeat or a reordering (none happen on loopback);
      - without the marker bit, a timestamp that is not the previous one
        + frame (one packet = one frame);
      - with the marker bit (a new talkspurt), a timestamp that does not
        advance by the wall-clock time between the two packets (within
        tolerance_ms) or by less than one frame.
    Telephone-event packets (any PT other than 0 and 8) keep their
    timestamp within an event; pass audio packets only."""
    probs = []
    if not pkts:
        return [("seq", "no packets")]
    ssrcs = sorted({r.ssrc for r in pkts})
    if len(ssrcs) != 1:
        probs.append(("ssrc", "SSRCs " + ", ".join(
            f"{s:08x} x{sum(1 for r in pkts if r.ssrc == s)}"
            for s in ssrcs)))
    for i in range(1, len(pkts)):
        q, r = pkts[i - 1], pkts[i]
        ds = seq_delta(q.seq, r.seq)
        dts = ts_delta(q.ts, r.ts)
        dt = r.t - q.t
        where = f"#{i} (+{r.t - pkts[0].t:.3f} s)"
        if ds != 1:
            probs.append(("seq", f"{where}: seq {q.seq} -> {r.seq} "
                          f"({ds:+d}, SSRC {q.ssrc:08x} -> {r.ssrc:08x})"))
        if not r.m:
            if dts != frame * ds:
                probs.append(("ts", f"{where}: ts {dts:+d} for seq {ds:+d}"
                              f" without marker ({dt * 1000:.0f} ms)"))
        else:
            wall = dt * rate
            if dts < frame or abs(dts - wall) > tolerance_ms * rate / 1000:
                probs.append(("ts", f"{where}: new talkspurt ts {dts:+d}, "
                              f"wall clock {wall:+.0f} ({dt * 1000:.0f} ms)"))
    return probs


if __name__ == "__main__":
    import sys
    for path in sys.argv[1:]:
        for key, pk in rtp_flows(read_pcap(path)).items():
            print("%s:%d -> %s:%d" % key, describe(pk))
