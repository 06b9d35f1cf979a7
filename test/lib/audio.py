#!/usr/bin/python3
"""audio.py - decide what a recording holds, by its content.

    sys.path.insert(0, "test/lib")
    from audio import is_tone, is_prompt

    r = is_tone("heard.wav", 1000, other=440)   # or a list/array of samples
    S.check(r, "caller hears the callee's 1000 Hz", str(r))
    r = is_prompt(samples, "build/test/prompts/welcome.wav", law="pcma")
    S.check(r, "caller hears the announcement", str(r))

Both return a Verdict: true or false, with .reason (one word or phrase
from a fixed list, see below) and the numbers behind it, so that a failing
check prints why.  Python 3 standard library only, no sox.

is_tone: the recording (quiet ends trimmed) is cut into 20 ms windows.  In
every window above the level floor the energy of the best-fitting sinusoid
at f (a least-squares fit of cos and sin at f: the Goertzel sums, with the
exact normalisation for a window that holds no whole number of periods) is
divided by the window's energy: a clean tone through G.711 gives 0.999,
white noise 2/160, a tone garbled by the wrong G.711 law 0.91-0.97.  A
window passes if that share is >= tone_share and the share at the other
party's tone is <= other_share.  The verdict is yes if >= windows of the
judged windows pass and they add up to >= min_seconds.
Reasons: "ok", "silent", "too short", "other party's tone", "not the tone",
"gaps" (too many quiet windows inside the audio).

is_prompt: the prompt's own samples go through a G.711 round trip (the law
the leg used: what a correct server sends); the recording (quiet ends
trimmed) is aligned with them, first coarsely (the loudest half second of
the recording searched over the whole prompt at 2 kHz), then in 250 ms
windows, each searched near the last window's alignment (+-60 ms, so a lost
or repeated packet does not lose the track) and refined at 8 kHz.  A window
passes if its normalised cross-correlation with the prompt is >= ncc_min;
a window counts if the recording or the aligned prompt is above the floor.
loop=True for a prompt played in a loop (music on hold).  Reasons: "ok",
"silent", "too short", "not the prompt", "incomplete" (fewer passing
windows than min_coverage of the prompt's loud windows).

G.711: encoder and decoder written from ITU-T Rec. G.711 (11/1988), tables
1a/1b (A-law, 13-bit linear) and 2a/2b (mu-law, 14-bit linear), for 16-bit
samples (the low bits are dropped, decoded values are shifted back up).

Self-test (about 5 s, no peers):  /usr/bin/python3 test/lib/audio.py selftest
"""
import array
import math
import operator
import os
import random
import struct
import sys
import tempfile
import wave

RATE = 8000


# --------------------------------------------------------------------------
# G.711
# --------------------------------------------------------------------------
def alaw_encode_sample(x):
    """16-bit linear -> A-law byte.  G.711 table 1a: the 13-bit magnitude
    0..4095 is cut into segments 0..7 (0-31 and 32-63 in steps of 2, then
    each segment twice as long with twice the step); the 8 bits are sign
    (1 = positive), segment (3 bits), step in the segment (4 bits), and
    the even bits are inverted for transmission (XOR 0x55)."""
    x >>= 3                        # 13-bit, floor
    if x >= 0:
        sign, mag = 0x80, x
    else:
        sign, mag = 0x00, -x - 1   # the negative ranges mirror the positive
    if mag > 4095:
        mag = 4095
    if mag < 32:
        seg, mant = 0, mag >> 1
    else:
        seg = mag.bit_length() - 5          # 32..63 -> 1, 2048..4095 -> 7
        mant = (mag >> seg) & 15
    return (sign | seg << 4 | mant) ^ 0x55


def alaw_decode_byte(b):
    """A-law byte -> 16-bit linear: the middle of the step (table 1b)."""
    b ^= 0x55
    seg, mant = (b >> 4) & 7, b & 15
    if seg == 0:
        mag = 2 * mant + 1
    else:
        mag = (2 * mant + 33) << (seg - 1)
    return (mag if b & 0x80 else -mag) << 3


def ulaw_encode_sample(x):
    """16-bit linear -> mu-law byte.  G.711 table 2a on the 14-bit
    magnitude 0..8158: with a bias of 33 added, the segment ends are
    powers of two (33..64 is segment 0, 4096..8191 segment 7, 16 steps
    each); the 8 bits are sign (0 = positive), segment, step, all of them
    inverted for transmission."""
    x >>= 2                        # 14-bit, floor
    if x >= 0:
        sign, mag = 0x00, x
    else:
        sign, mag = 0x80, -x - 1
    if mag > 8158:
        mag = 8158
    mag += 33
    seg = mag.bit_length() - 6              # 33..63 -> 0, 4096..8191 -> 7
    mant = (mag >> (seg + 1)) & 15
    return ~(sign | seg << 4 | mant) & 0xFF


def ulaw_decode_byte(b):
    """mu-law byte -> 16-bit linear: the middle of the step (table 2b)."""
    b = ~b & 0xFF
    seg, mant = (b >> 4) & 7, b & 15
    mag = ((2 * mant + 33) << seg) - 33
    return (-mag if b & 0x80 else mag) << 2


_DEC = {"pcmu": [ulaw_decode_byte(b) for b in range(256)],
        "pcma": [alaw_decode_byte(b) for b in range(256)]}
_ENC = {}


def _enc_table(law):
    """Encoder as a table over the significant bits (14 for mu-law, 13 for
    A-law): index (x >> shift) + offset."""
    if law not in _ENC:
        if law == "pcmu":
            _ENC[law] = (2, 8192, [ulaw_encode_sample(v << 2)
                                   for v in range(-8192, 8192)])
        elif law == "pcma":
            _ENC[law] = (3, 4096, [alaw_encode_sample(v << 3)
                                   for v in range(-4096, 4096)])
        else:
            raise ValueError(f"unknown G.711 law {law!r}")
    return _ENC[law]


def g711_encode(samples, law):
    """16-bit samples -> bytes in law "pcmu" or "pcma"."""
    shift, off, tab = _enc_table(law)
    return bytes(tab[(int(x) >> shift) + off] for x in samples)


def g711_decode(data, law):
    """G.711 bytes -> array('h') of 16-bit samples."""
    if law not in _DEC:
        raise ValueError(f"unknown G.711 law {law!r}")
    tab = _DEC[law]
    return array.array("h", [tab[b] for b in data])


def g711_roundtrip(samples, law):
    """What a receiver decodes when samples are sent in law."""
    return g711_decode(g711_encode(samples, law), law)


# --------------------------------------------------------------------------
# WAV
# --------------------------------------------------------------------------
def read_wav(path):
    """(rate, array('h')) of a 16-bit PCM WAV (first channel).  Reads a
    file that is still being written: the data run to the end of the file
    when the header's size is not filled in yet."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a WAV file")
    pos, fmt, raw = 12, None, None
    while pos + 8 <= len(data):
        cid = data[pos:pos + 4]
        size = struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = pos + 8
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", data[body:body + 16])
        elif cid == b"data":
            end = body + size
            if size == 0 or end > len(data):
                end = len(data)
            raw = data[body:end]
            break
        pos = body + size + (size & 1)
    if fmt is None or raw is None:
        raise ValueError(f"{path}: no fmt or data chunk")
    tag, channels, rate, _, _, bits = fmt
    if tag not in (1, 0xFFFE) or bits != 16:
        raise ValueError(f"{path}: not 16-bit PCM (format {tag}, {bits} "
                         "bits)")
    a = array.array("h")
    a.frombytes(raw[:len(raw) // 2 * 2])
    if sys.byteorder == "big":
        a.byteswap()
    if channels > 1:
        a = a[::channels]
    return rate, a


def wav_data_seconds(path, rate=RATE):
    """Seconds of 16-bit mono audio in a WAV that may still be growing (0
    if it does not exist yet); cheap: from the file size."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return 0.0
    return max(0, size - 44) / 2.0 / rate


def write_wav(path, samples, rate=RATE):
    w = wave.open(path, "wb")
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(rate)
    a = array.array("h", (max(-32768, min(32767, int(x))) for x in samples))
    if sys.byteorder == "big":
        a.byteswap()
    w.writeframes(a.tobytes())
    w.close()
    return path


def _samples(src):
    """(rate, sequence of samples) from a path or a sequence."""
    if isinstance(src, (str, bytes, os.PathLike)):
        return read_wav(src)
    if src is None:
        return RATE, array.array("h")
    return RATE, src


# --------------------------------------------------------------------------
# verdicts
# --------------------------------------------------------------------------
class Verdict:
    """Truth value of a content check, its reason and its numbers."""

    def __init__(self, what, ok, reason, **numbers):
        self.what = what
        self.ok = bool(ok)
        self.reason = reason
        self.numbers = numbers
        for k, v in numbers.items():
            setattr(self, k, v)

    def __bool__(self):
        return self.ok

    def __str__(self):
        nums = ", ".join(f"{k} {v:.3f}" if isinstance(v, float)
                         else f"{k} {v}" for k, v in self.numbers.items())
        return f"{self.what}: {'yes' if self.ok else 'no'} ({self.reason}; {nums})"

    __repr__ = __str__


def _dot(a, b):
    return sum(map(operator.mul, a, b))


def _dbfs(energy, n):
    if n == 0 or energy <= 0:
        return -120.0
    return 10 * math.log10(energy / n / (32768.0 ** 2))


def _median(xs):
    xs = sorted(xs)
    if not xs:
        return 0.0
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2


def _trim(x, n, floor_dbfs):
    """(first, last) window index of the audio between quiet ends, by
    windows of n samples; None if every window is quiet."""
    loud = [i for i in range(len(x) // n)
            if _dbfs(_dot(x[i * n:(i + 1) * n], x[i * n:(i + 1) * n]), n)
            >= floor_dbfs]
    return (loud[0], loud[-1]) if loud else None


_BASIS = {}


def _basis(f, n, rate):
    """cos/sin at f over n samples and the inverse of their Gram matrix."""
    key = (f, n, rate)
    if key not in _BASIS:
        w = 2 * math.pi * f / rate
        c = [math.cos(w * i) for i in range(n)]
        s = [math.sin(w * i) for i in range(n)]
        cc, ss, cs = _dot(c, c), _dot(s, s), _dot(c, s)
        det = cc * ss - cs * cs
        _BASIS[key] = (c, s, cc, ss, cs, det)
    return _BASIS[key]


def tone_share(seg, f, rate=RATE, energy=None):
    """Share (0..1) of seg's energy in the best-fitting sinusoid at f."""
    if energy is None:
        energy = _dot(seg, seg)
    if energy <= 0:
        return 0.0
    c, s, cc, ss, cs, det = _basis(f, len(seg), rate)
    if det <= 1e-9:
        return 0.0
    a, b = _dot(seg, c), _dot(seg, s)
    proj = (ss * a * a - 2 * cs * a * b + cc * b * b) / det
    return max(0.0, min(1.0, proj / energy))


# --------------------------------------------------------------------------
# is_tone
# --------------------------------------------------------------------------
def is_tone(src, f, other=None, win_ms=20, floor_dbfs=-40.0,
            tone_share_min=0.99, other_share_max=0.05, windows=0.8,
            min_seconds=1.0, max_gaps=0.1, start=None, end=None):
    """Is src (a WAV path or samples at 8 kHz) the tone f [Hz]?

    Quiet windows at the ends are trimmed; of the rest, a window is
    "quiet" below floor_dbfs, passes when the share of its energy at f is
    >= tone_share_min and at other (the other party's tone, if given)
    <= other_share_max.  Yes if >= windows (a share) of the loud windows
    pass, they hold >= min_seconds, and <= max_gaps of the trimmed
    windows are quiet.  start/end [s] cut the recording first."""
    rate, x = _samples(src)
    if start is not None or end is not None:
        x = x[int((start or 0) * rate):
              None if end is None else int(end * rate)]
    n = int(rate * win_ms / 1000)
    what = f"tone {f} Hz" + (f" (not {other} Hz)" if other else "")
    span = _trim(x, n, floor_dbfs)
    if span is None:
        return Verdict(what, False, "silent", seconds=len(x) / rate,
                       floor_dbfs=floor_dbfs)
    quiet = passed = 0
    n_other = n_impure = 0
    shares, oshares, levels = [], [], []
    for i in range(span[0], span[1] + 1):
        seg = x[i * n:(i + 1) * n]
        e = _dot(seg, seg)
        lvl = _dbfs(e, n)
        if lvl < floor_dbfs:
            quiet += 1
            continue
        levels.append(lvl)
        sf = tone_share(seg, f, rate, e)
        so = tone_share(seg, other, rate, e) if other else 0.0
        shares.append(sf)
        oshares.append(so)
        if so > other_share_max:
            n_other += 1
        elif sf < tone_share_min:
            n_impure += 1
        else:
            passed += 1
    loud = len(shares)
    total = span[1] - span[0] + 1
    nums = dict(windows=f"{passed}/{loud} pass", quiet=f"{quiet}/{total}",
                share_at_f=_median(shares), level_dbfs=_median(levels),
                seconds=passed * win_ms / 1000.0)
    if other:
        nums["share_at_other"] = _median(oshares)
    nums["need"] = (f"{windows:.0%} of windows with share >= "
                    f"{tone_share_min}" + (f", other <= {other_share_max}"
                                           if other else "")
                    + f", {min_seconds} s")
    if passed >= windows * loud and quiet <= max_gaps * total \
            and passed * win_ms / 1000.0 >= min_seconds:
        return Verdict(what, True, "ok", **nums)
    if passed < windows * loud:
        reason = "other party's tone" if n_other >= n_impure \
            else "not the tone"
    elif quiet > max_gaps * total:
        reason = "gaps"
    else:
        reason = "too short"
    return Verdict(what, False, reason, **nums)


# --------------------------------------------------------------------------
# is_prompt
# --------------------------------------------------------------------------
def _decimate(x, d):
    """Sum of each d samples (a crude low-pass) as floats."""
    m = len(x) // d
    if d == 4:
        return [float(x[4 * i] + x[4 * i + 1] + x[4 * i + 2] + x[4 * i + 3])
                for i in range(m)]
    return [float(sum(x[d * i:d * i + d])) for i in range(m)]


def _prefix_sq(x):
    out = [0.0]
    acc = 0.0
    for v in x:
        acc += v * v
        out.append(acc)
    return out


def _ncc(a, b, ea=None):
    """Normalised cross-correlation of two equally long stretches."""
    if ea is None:
        ea = _dot(a, a)
    eb = _dot(b, b)
    if ea <= 0 or eb <= 0:
        return 0.0
    return _dot(a, b) / math.sqrt(ea * eb)


def _seg(ref, pos, n):
    """ref[pos:pos+n], zeros where it runs outside ref."""
    if pos >= 0 and pos + n <= len(ref):
        return ref[pos:pos + n]
    out = [0] * n
    for i in range(max(0, -pos), min(n, len(ref) - pos)):
        out[i] = ref[pos + i]
    return out


def _best_lags(rec_d, ref_d, pre, lags, ea, k=5):
    """The k best lags (decimated) of rec_d against ref_d, best first, at
    least 2 apart (a periodic stretch has several peaks, and at 2 kHz the
    right one may lose by a little: the caller refines each at 8 kHz);
    pre: _prefix_sq(ref_d)."""
    n = len(rec_d)
    scored = []
    for lag in lags:
        if lag < 0 or lag + n > len(ref_d):
            continue
        eb = pre[lag + n] - pre[lag]
        if eb <= 0:
            continue
        scored.append((_dot(rec_d, ref_d[lag:lag + n]) / math.sqrt(ea * eb),
                       lag))
    scored.sort(reverse=True)
    out = []
    for c, lag in scored:
        if all(abs(lag - o) >= 2 for o in out):
            out.append(lag)
            if len(out) == k:
                break
    return out


def _refine(a, ref, cands, d, ea=None):
    """(ncc, lag) of the best full-rate lag within d of candidates."""
    best = (-2.0, None)
    seen = set()
    for lg in cands:
        for lag in range(lg - d, lg + d + 1):
            if lag in seen:
                continue
            seen.add(lag)
            c = _ncc(a, _seg(ref, lag, len(a)), ea)
            if c > best[0]:
                best = (c, lag)
    return best


def is_prompt(src, prompt, law="pcmu", loop=False, win_ms=250,
              floor_dbfs=-45.0, ncc_min=0.95, windows=0.8, min_seconds=1.0,
              min_coverage=0.0, search_ms=60):
    """Is src (a WAV path or samples at 8 kHz) the prompt (a WAV path or
    samples), as sent in law ("pcmu"/"pcma"; None: the prompt as is)?

    Yes if >= windows (a share) of the judged 250 ms windows correlate
    >= ncc_min with the prompt, the passing windows hold >= min_seconds,
    and they number >= min_coverage of the prompt's own loud windows
    (0.9: the whole prompt was heard)."""
    rate, rec = _samples(src)
    prate, ref0 = _samples(prompt)
    what = "prompt " + (os.path.basename(prompt) if isinstance(prompt, str)
                        else "(samples)") + (f" via {law}" if law else "")
    if rate != prate:
        raise ValueError(f"rates differ: {rate} vs {prate}")
    ref = list(g711_roundtrip(ref0, law) if law else ref0)
    n = int(rate * win_ms / 1000)
    d = 4
    n20 = rate // 50
    span = _trim(rec, n20, floor_dbfs)
    if span is None or not ref:
        return Verdict(what, False, "silent", seconds=len(rec) / rate,
                       floor_dbfs=floor_dbfs)
    rec = list(rec[span[0] * n20:(span[1] + 1) * n20])
    plen = len(ref)
    if loop:
        ref = ref * (len(rec) // plen + 3)
    # the prompt's own loud windows: what "the whole prompt" means
    ref_loud = sum(1 for i in range(plen // n)
                   if _dbfs(_dot(ref[i * n:(i + 1) * n],
                                 ref[i * n:(i + 1) * n]), n) >= floor_dbfs)

    # coarse: the loudest two seconds of the recording, over the prompt.
    # Two seconds, not half of one: music on hold is an arpeggio of 0.5 s
    # notes in which single notes repeat, and a half-second probe matched
    # the same note at another place (CI: offset 2.56 s, 4 of 8 windows)
    rec_d, ref_d = _decimate(rec, d), _decimate(ref, d)
    pn = min(len(rec_d), rate // d * 2)
    hop = max(1, pn // 5)
    starts = range(0, max(1, len(rec_d) - pn + 1), hop)
    p0 = max(starts, key=lambda s: _dot(rec_d[s:s + pn], rec_d[s:s + pn]))
    probe = rec_d[p0:p0 + pn]
    ea = _dot(probe, probe)
    if ea <= 0:
        return Verdict(what, False, "silent", seconds=len(rec) / rate)
    top = (plen // d) if loop else len(ref_d) - pn + 1
    pre = _prefix_sq(ref_d)
    cands = _best_lags(probe, ref_d, pre, range(0, max(1, top)), ea)
    # refine at full rate around them
    probe_f = rec[p0 * d:(p0 + pn) * d]
    best = _refine(probe_f, ref, [c * d for c in cands] or [0], d)
    off = best[1] - p0 * d         # ref position = rec position + off
    if loop:
        off %= plen                # the same place in an earlier loop

    # fine: window by window, following the alignment
    sd = int(search_ms / 1000 * rate / d)
    judged = passed = 0
    nccs = []
    for w in range(len(rec) // n):
        a = rec[w * n:(w + 1) * n]
        ea = _dot(a, a)
        pos = w * n + off
        r0 = _seg(ref, pos, n)
        if _dbfs(ea, n) < floor_dbfs and _dbfs(_dot(r0, r0), n) < floor_dbfs:
            continue
        judged += 1
        if ea <= 0:
            nccs.append(0.0)
            continue
        ad = _decimate(a, d)
        ead = _dot(ad, ad)
        cands = [pos]
        if ead > 0:
            base = pos // d
            cands += [x * d for x in _best_lags(
                ad, ref_d, pre, range(base - sd, base + sd + 1), ead)]
        c, lg2 = _refine(a, ref, cands, d, ea)
        nccs.append(c)
        if c >= ncc_min:
            passed += 1
            off = lg2 - w * n
    coverage = passed / ref_loud if ref_loud else 0.0
    nums = dict(windows=f"{passed}/{judged} pass", median_ncc=_median(nccs),
                seconds=passed * win_ms / 1000.0,
                coverage=min(1.0, coverage), offset_ms=off * 1000 // rate,
                need=f"{windows:.0%} of windows with ncc >= {ncc_min}, "
                f"{min_seconds} s" + (f", coverage {min_coverage}"
                                      if min_coverage else ""))
    if judged == 0:
        return Verdict(what, False, "silent", **nums)
    if passed < windows * judged:
        return Verdict(what, False, "not the prompt", **nums)
    if passed * win_ms / 1000.0 < min_seconds:
        return Verdict(what, False, "too short", **nums)
    if coverage < min_coverage:
        return Verdict(what, False, "incomplete", **nums)
    return Verdict(what, True, "ok", **nums)


# --------------------------------------------------------------------------
# test signals
# --------------------------------------------------------------------------
def tone(f, seconds, amplitude=0.3, rate=RATE, phase=0.0):
    """A sine as a list of 16-bit samples."""
    a = amplitude * 32767
    w = 2 * math.pi * f / rate
    return [int(round(a * math.sin(w * i + phase)))
            for i in range(int(seconds * rate))]


def noise(seconds, amplitude=0.1, seed=1, rate=RATE):
    rnd = random.Random(seed)
    a = amplitude * 32767
    return [max(-32768, min(32767, int(rnd.gauss(0, a))))
            for _ in range(int(seconds * rate))]


def melody(seconds, seed, rate=RATE):
    """A prompt-like test signal: notes of random pitch and length with
    harmonics and a decaying envelope, pauses in between."""
    rnd = random.Random(seed)
    out = []
    while len(out) < seconds * rate:
        f = rnd.uniform(180, 700)
        dur = int(rnd.uniform(0.12, 0.4) * rate)
        amp = rnd.uniform(0.1, 0.4) * 32767
        for i in range(dur):
            env = math.exp(-3.0 * i / dur)
            v = sum(math.sin(2 * math.pi * f * k * i / rate) / k
                    for k in (1, 2, 3))
            out.append(int(amp * env * v / 1.8))
        out.extend([0] * int(rnd.uniform(0.0, 0.15) * rate))
    return out[:int(seconds * rate)]


# --------------------------------------------------------------------------
# self-test
# --------------------------------------------------------------------------
def selftest():
    ok = True

    def check(cond, what, detail=""):
        nonlocal ok
        print(("ok   " if cond else "FAIL ") + what +
              ("" if cond else f" {detail}"), flush=True)
        ok = ok and bool(cond)
        return cond

    def expect(v, want_ok, want_reason, what):
        check(v.ok == want_ok and v.reason == want_reason,
              f"{what}: {want_reason}", str(v))
        print(f"     {v}", flush=True)

    # G.711 against values from the standard's tables
    check(ulaw_decode_byte(0x80) == 8031 << 2
          and ulaw_decode_byte(0x00) == -8031 << 2
          and ulaw_decode_byte(0xFF) == 0 and ulaw_decode_byte(0x7F) == 0
          and ulaw_decode_byte(0xFE) == 2 << 2
          and ulaw_decode_byte(0xEF) == 33 << 2,
          "mu-law decoding: 0x80 +8031, 0x00 -8031, 0xFF/0x7F 0, "
          "0xFE +2, 0xEF +33 (14-bit)")
    check(alaw_decode_byte(0xD5) == 1 << 3 and alaw_decode_byte(0x55) == -8
          and alaw_decode_byte(0xAA) == 4032 << 3
          and alaw_decode_byte(0x2A) == -(4032 << 3)
          and alaw_decode_byte(0xC5) == 33 << 3,
          "A-law decoding: 0xD5 +1, 0x55 -1, 0xAA +4032, 0x2A -4032, "
          "0xC5 +33 (13-bit)")
    check(ulaw_encode_sample(0) == 0xFF and ulaw_encode_sample(32767) == 0x80
          and ulaw_encode_sample(-32768) == 0x00
          and alaw_encode_sample(0) == 0xD5
          and alaw_encode_sample(32767) == 0xAA
          and alaw_encode_sample(-32768) == 0x2A,
          "encoding 0 and full scale: mu 0xFF/0x80/0x00, A 0xD5/0xAA/0x2A")
    for law in ("pcmu", "pcma"):
        check(all(g711_encode(g711_decode(bytes([b]), law), law)[0] == b
                  for b in range(256) if not (law == "pcmu" and b == 0x7F)),
              f"{law}: every code decodes to a value that encodes to it")
    x = list(range(-32768, 32768, 7))
    for law, bits in (("pcmu", 2), ("pcma", 3)):
        y = g711_roundtrip(x, law)
        worst = max(abs(a - b) / max(abs(a), 64 << bits)
                    for a, b in zip(x, y))
        check(worst < 1 / 16.0 + 1e-9, f"{law}: round trip within half "
              f"a step (worst {worst:.4f} of the value)")

    tmp = tempfile.mkdtemp(prefix="audio-selftest-")
    try:
        # tones: what a phone hears, as the wire carries it
        a440 = tone(440, 3)
        a1000 = tone(1000, 3, amplitude=0.5)
        lead = [0] * 1600                      # 0.2 s before the audio
        right = list(g711_roundtrip(lead + a1000, "pcmu"))
        path = write_wav(os.path.join(tmp, "right.wav"), right)
        expect(is_tone(path, 1000, other=440), True, "ok",
               "the right tone (WAV file, leading silence)")
        expect(is_tone(g711_roundtrip(a440, "pcma"), 1000, other=440),
               False, "other party's tone", "the other party's tone")
        expect(is_tone([0] * 24000, 1000, other=440), False, "silent",
               "digital silence")
        expect(is_tone(g711_roundtrip([int(v) for v in noise(3, 0.003)],
                                      "pcmu"), 1000, other=440),
               False, "silent", "noise below the floor")
        expect(is_tone(g711_roundtrip(noise(3), "pcmu"), 1000, other=440),
               False, "not the tone", "white noise")
        mu_as_a = g711_decode(g711_encode(a1000, "pcmu"), "pcma")
        expect(is_tone(mu_as_a, 1000, other=440), False, "not the tone",
               "PCMU bytes decoded as PCMA")
        a_as_mu = g711_decode(g711_encode(a1000, "pcma"), "pcmu")
        expect(is_tone(a_as_mu, 1000, other=440), False, "not the tone",
               "PCMA bytes decoded as PCMU")
        quiet_mu = g711_decode(g711_encode(tone(1000, 3, 0.05), "pcmu"),
                               "pcma")
        expect(is_tone(quiet_mu, 1000), False, "not the tone",
               "a quiet tone (-29 dBFS), PCMU decoded as PCMA")
        expect(is_tone(g711_roundtrip(a1000[:4000], "pcmu"), 1000), False,
               "too short", "half a second of the right tone")
        gappy = list(g711_roundtrip(a1000, "pcmu"))
        for i in range(0, len(gappy), 1600):
            gappy[i:i + 480] = [0] * 480
        expect(is_tone(gappy, 1000), False, "gaps",
               "the tone with 60 ms holes every 200 ms")
        both = [u + v for u, v in zip(tone(1000, 3, 0.3), tone(440, 3, 0.3))]
        expect(is_tone(g711_roundtrip(both, "pcmu"), 1000, other=440),
               False, "other party's tone", "both tones at once")

        # prompts: a melody-like signal, a second one, and the real
        # prompts when they are built
        p1 = melody(5, seed=11)
        p2 = melody(5, seed=22)
        ppath = write_wav(os.path.join(tmp, "p1.wav"), p1)
        heard = [0] * 1234 + list(g711_roundtrip(p1, "pcma")) + [0] * 800
        expect(is_prompt(heard, ppath, law="pcma", min_coverage=0.9), True,
               "ok", "the right prompt (unknown offset, whole)")
        slipped = list(g711_roundtrip(p1, "pcmu"))
        del slipped[16000:16160]                 # one packet lost
        slipped[24000:24000] = slipped[23840:24000]   # one repeated
        expect(is_prompt(slipped, p1, law="pcmu", min_coverage=0.8), True,
               "ok", "the right prompt with a lost and a repeated packet")
        expect(is_prompt(list(g711_roundtrip(p1, "pcmu"))[:20000], p1,
                         law="pcmu", min_coverage=0.9), False, "incomplete",
               "the first half of the prompt, whole prompt required")
        expect(is_prompt(g711_roundtrip(p2, "pcmu"), p1, law="pcmu"),
               False, "not the prompt", "a different prompt")
        expect(is_prompt(g711_decode(g711_encode(p1, "pcmu"), "pcma"), p1,
                         law="pcmu"), False, "not the prompt",
               "the prompt, PCMU bytes decoded as PCMA")
        expect(is_prompt(g711_decode(g711_encode(p1, "pcma"), "pcmu"), p1,
                         law="pcma"), False, "not the prompt",
               "the prompt, PCMA bytes decoded as PCMU")
        expect(is_prompt(g711_roundtrip(tone(440, 3), "pcmu"), p1,
                         law="pcmu"), False, "not the prompt",
               "a tone instead of the prompt")
        expect(is_prompt([0] * 16000, p1), False, "silent", "silence")
        looped = list(g711_roundtrip(p1 + p1, "pcmu"))[29000:29000 + 24000]
        expect(is_prompt(looped, p1, law="pcmu", loop=True), True, "ok",
               "3 s of a looped prompt from 3.6 s on (across the loop)")
        expect(is_prompt(looped, p1, law="pcmu", loop=False), False,
               "not the prompt", "the same, loop not allowed")

        here = os.path.dirname(os.path.abspath(__file__))
        prompts = os.path.join(here, "..", "..", "build", "test", "prompts")
        wel, moh = (os.path.join(prompts, f) for f in ("welcome.wav",
                                                        "moh.wav"))
        if os.path.exists(wel) and os.path.exists(moh):
            _, w = read_wav(wel)
            _, m = read_wav(moh)
            expect(is_prompt([0] * 480 + list(g711_roundtrip(w, "pcma")),
                             wel, law="pcma", min_coverage=0.9), True, "ok",
                   "welcome.wav through PCMA")
            expect(is_prompt(g711_decode(g711_encode(w, "pcma"), "pcmu"),
                             wel, law="pcma"), False, "not the prompt",
                   "welcome.wav, PCMA decoded as PCMU")
            expect(is_prompt(g711_decode(g711_encode(w, "pcmu"), "pcma"),
                             wel, law="pcmu"), False, "not the prompt",
                   "welcome.wav, PCMU decoded as PCMA")
            expect(is_prompt(g711_roundtrip(m, "pcmu")[:24000], wel,
                             law="pcmu"), False, "not the prompt",
                   "moh.wav is not welcome.wav")
            mm = list(g711_roundtrip(list(m) * 2, "pcmu"))[50000:74000]
            expect(is_prompt(mm, moh, law="pcmu", loop=True), True, "ok",
                   "3 s of moh.wav across its loop")
            expect(is_prompt(g711_decode(g711_encode(list(m) * 2, "pcmu"),
                                         "pcma")[50000:74000], moh,
                             law="pcmu", loop=True),
                   False, "not the prompt", "moh.wav, PCMU decoded as PCMA")
        else:
            print("     (build/test/prompts missing: real prompts skipped)")
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)
    print("selftest " + ("passed" if ok else "FAILED"), flush=True)
    return ok


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "selftest":
        sys.exit(0 if selftest() else 1)
    print(__doc__)
