#!/usr/bin/python3
"""Prompts a client uploads (/api/v1/prompts) and where they are played.

Uploads of WAV files of many rates, channel counts and sample formats
are accepted with their exact length; a file that is no WAV, too large,
too long, truncated or empty is refused with the status and error that
name the problem.  An uploaded prompt is played by an announcement (a
real phone hears the resampled melody, judged by is_prompt) and as the
tenant's music on hold (the held party hears the uploaded tone); it
cannot be named by another tenant, nor deleted while in use (409 naming
the users).

The server gets a prompts directory of its own (the shared build prompts
linked in), so that uploads land in the test's temporary directory.
"""
import json
import math
import os
import re
import struct
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, PROMPTS, Suite, Switchboard, demo_ids  # noqa: E402
from peers import Baresip, RtpCapture  # noqa: E402
from audio import (alaw_encode_sample, is_prompt, is_tone,  # noqa: E402
                   melody, ulaw_encode_sample)

S = Suite("upload")
PW = DEMO["devices"]
MAX = 10 * 1024 * 1024
SUPPORTED = ("supported are 8, 16, 24 and 32-bit PCM, 32 and 64-bit float, "
             "A-law and u-law")

# ---- WAV files made here, byte by byte --------------------------------

TAGS = {"u8": (1, 8), "s16": (1, 16), "s24": (1, 24), "s32": (1, 32),
        "f32": (3, 32), "f64": (3, 64), "alaw": (6, 8), "ulaw": (7, 8)}


def encode(fmt, x):
    """One sample x in [-1, 1] as the bytes of fmt."""
    i = max(-32768, min(32767, int(round(x * 32767))))
    if fmt == "u8":
        return bytes([(i >> 8) + 128])
    if fmt == "s16":
        return struct.pack("<h", i)
    if fmt == "s24":
        return struct.pack("<i", i << 8)[:3]
    if fmt == "s32":
        return struct.pack("<i", i << 16)
    if fmt == "f32":
        return struct.pack("<f", x)
    if fmt == "f64":
        return struct.pack("<d", x)
    if fmt == "alaw":
        return bytes([alaw_encode_sample(i)])
    return bytes([ulaw_encode_sample(i)])


def wav(rate, ch, fmt, frames=None, samples=None, freq=1000.0, amp=0.5,
        extensible=False, data=None, claim=None, tag=None, bits=None):
    """A WAV file: frames of a freq sine (or samples in [-1, 1], mono),
    the same in every channel; data replaces the sample bytes, claim the
    data chunk's size, tag/bits the fmt chunk's."""
    t, b = TAGS.get(fmt, (1, 16))
    t, b = tag if tag is not None else t, bits if bits is not None else b
    if data is None:
        if samples is None:
            samples = [amp * math.sin(2 * math.pi * freq * i / rate)
                       for i in range(frames)]
        one = [encode(fmt, x) for x in samples]
        data = b"".join(s * ch for s in one)
    block = ch * b // 8
    if extensible:
        fmtc = struct.pack("<HHIIHHHHI", 0xFFFE, ch, rate, rate * block,
                           block, b, 22, b, 0) + struct.pack("<H", t) + \
            bytes.fromhex("000000001000800000aa00389b71")
    else:
        fmtc = struct.pack("<HHIIHH", t, ch, rate, rate * block, block, b)
    size = len(data) if claim is None else claim
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmtc)) + fmtc + \
        b"LIST" + struct.pack("<I", 3) + b"abc\0" + \
        b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


# ---- HTTP --------------------------------------------------------------

def upload(sb, data, query, ctype="audio/wav"):
    """POST /api/v1/prompts?query with data as the body: (status, JSON)."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{sb.http_port}/api/v1/prompts?{query}",
        data=data, method="POST")
    req.add_header("Authorization", f"Bearer {sb.token}")
    req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, {"raw": raw.decode(errors="replace")}


def download(sb, pid):
    req = urllib.request.Request(
        f"http://127.0.0.1:{sb.http_port}/api/v1/prompts/{pid}/audio")
    req.add_header("Authorization", f"Bearer {sb.token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.headers.get("Content-Type"), r.read()


FILE_RE = re.compile(r"^uploads/(\d+)/[0-9a-f]{16}\.wav$")


def test_formats(sb, pdir, tid):
    """Every common kind of WAV is taken, with its exact length; the file
    is on disk and comes back byte for byte."""
    cases = [(8000, 1, "s16", False), (16000, 1, "s16", False),
             (44100, 2, "s16", False), (48000, 2, "f32", False),
             (48000, 1, "s24", False), (22050, 1, "u8", False),
             (8000, 1, "alaw", False), (8000, 1, "ulaw", False),
             (32000, 2, "s32", False), (16000, 1, "f64", False),
             (44100, 2, "s24", True), (48000, 1, "f32", True)]
    for i, (rate, ch, fmt, ext) in enumerate(cases):
        frames = rate * 5 // 2  # 2.5 s exactly
        data = wav(rate, ch, fmt, frames, extensible=ext)
        name = f"f{i} {rate} {fmt}"
        st, p = upload(sb, data, f"tenant_id={tid}&name=f{i}%20{rate}%20"
                       f"{fmt}&purpose=greeting")
        want = {"tenant_id": tid, "name": name, "purpose": "greeting",
                "format": {"s16": "pcm_s16", "s24": "pcm_s24",
                           "s32": "pcm_s32", "u8": "pcm_u8", "f32": "float32",
                           "f64": "float64", "alaw": "alaw",
                           "ulaw": "ulaw"}[fmt],
                "duration_ms": 2500, "rate": rate, "channels": ch,
                "bytes": len(data)}
        got = {k: p.get(k) for k in want} if st == 201 else p
        S.check(st == 201 and got == want and
                FILE_RE.match(p.get("file", "")) and
                p["file"].split("/")[1] == str(tid),
                f"upload {rate} Hz, {ch} ch, {fmt}"
                f"{' (extensible)' if ext else ''}: 201, 2500 ms",
                f"{st} {p}")
        if st != 201:
            continue
        with open(os.path.join(pdir, p["file"]), "rb") as f:
            disk = f.read()
        st2, ct, back = download(sb, p["id"])
        S.check(disk == data and st2 == 200 and ct == "audio/wav" and
                back == data, f"{name}: the file on disk and GET /audio are "
                "the upload, byte for byte", f"{st2} {ct} {len(back)}")
    st, lst = sb.api("GET", f"/api/v1/prompts?tenant_id={tid}")
    S.check(st == 200 and len(lst) == len(cases) and
            [p["name"] for p in lst][:2] == ["f0 8000 s16", "f1 16000 s16"],
            "the list has every upload in id order", f"{st} {len(lst)}")


def test_refusals(sb, tid):
    good = wav(8000, 1, "s16", 8000)
    q = f"tenant_id={tid}&name=bad"
    S.error_is("a text file: 415", upload(sb, b"hello, this is text\n", q),
               415, "file: not a WAV file (no RIFF/WAVE header)")
    S.error_is("Content-Type text/plain: 415",
               upload(sb, good, q, ctype="text/plain"), 415,
               "Content-Type: must be audio/wav (the WAV file as the body), "
               "not text/plain")
    S.error_is("an empty body: 422", upload(sb, b"", q), 422,
               "file: empty (0 bytes)")
    S.error_is("no samples: 422", upload(sb, wav(8000, 1, "s16", 0), q), 422,
               "file: no audio (0 samples)")
    S.error_is("truncated: 422",
               upload(sb, wav(8000, 1, "s16", 4000, claim=16000), q), 422,
               "file: truncated: the data chunk says 16000 bytes, the file "
               "has 8000")
    S.error_is("cut inside the header: 422", upload(sb, good[:40], q), 422,
               "file: truncated: no data chunk")
    S.error_is("12-bit PCM: 415",
               upload(sb, wav(8000, 1, "s16", 100, bits=12,
                              data=b"\0" * 150), q),
               415, "file: unsupported WAV format: format tag 1 with 12 bits;"
               f" {SUPPORTED}")
    S.error_is("MP3 in a WAV: 415",
               upload(sb, wav(8000, 1, "s16", 100, tag=0x55, bits=0,
                              data=b"\0" * 100), q),
               415, "file: unsupported WAV format: format tag 85 with 0 bits;"
               f" {SUPPORTED}")
    big = b"RIFF" + b"\0" * (MAX - 3)
    S.error_is("10 MiB + 1 byte: 413 (the body is not read)",
               upload(sb, big, q), 413,
               f"file: {MAX + 1} bytes is more than {MAX} bytes")
    S.check(sb.alive() and sb.api("GET", "/api/v1/tenants")[0] == 200,
            "the server answers on after the large body")
    silence = b"\xff" * (8000 * 301)
    S.error_is("301 s as a greeting: 422",
               upload(sb, wav(8000, 1, "ulaw", data=silence),
                      q + "&purpose=greeting"), 422,
               "file: 301 s is longer than 300 s (greeting)")
    S.error_is("612 s of music on hold: 422",
               upload(sb, wav(8000, 1, "ulaw", data=b"\xff" * (8000 * 612)),
                      q + "&purpose=music_on_hold"), 422,
               "file: 612 s is longer than 600 s (music_on_hold)")
    st, p = upload(sb, wav(8000, 1, "ulaw", data=b"\xff" * (8000 * 400 + 4)),
                   f"tenant_id={tid}&name=long%20music&purpose=music_on_hold")
    S.check(st == 201 and p["duration_ms"] == 400000,
            "400.0005 s of music on hold: 201, 400000 ms", f"{st} {p}")
    if st == 201:
        S.error_is("PATCH it to a greeting: 422", sb.api(
            "PATCH", f"/api/v1/prompts/{p['id']}", {"purpose": "greeting"}),
            422, "purpose: 400 s is longer than 300 s (greeting)")
        S.error_is("... nor to other: 422", sb.api(
            "PATCH", f"/api/v1/prompts/{p['id']}",
            {"name": "Hold music", "purpose": "other"}),
            422, "purpose: 400 s is longer than 300 s (other)")
        st2, p2 = sb.api("PATCH", f"/api/v1/prompts/{p['id']}",
                         {"name": "Hold music"})
        S.check(st2 == 200 and p2["name"] == "Hold music" and
                p2["purpose"] == "music_on_hold" and p2["file"] == p["file"],
                "PATCH a name: 200, the file unchanged", f"{st2} {p2}")
        S.error_is("PATCH the file: 400", sb.api(
            "PATCH", f"/api/v1/prompts/{p['id']}", {"file": "x.wav"}),
            400, "file: is read-only")
    S.error_is("no name: 422", upload(sb, good, f"tenant_id={tid}"), 422,
               "name: is required (a query parameter)")
    S.error_is("no tenant: 422", upload(sb, good, "name=x"), 422,
               "tenant_id: is required (a query parameter)")
    S.error_is("unknown tenant: 422", upload(sb, good, "tenant_id=99&name=x"),
               422, "tenant_id: tenant 99 does not exist")
    S.error_is("bad purpose: 422", upload(sb, good, q + "&purpose=jingle"),
               422, "purpose: must be greeting, closed, mailbox, "
               "music_on_hold or other")
    S.error_is("unknown query parameter: 400",
               upload(sb, good, q + "&colour=red"), 400,
               "colour: unknown query parameter")
    st, p = upload(sb, good, f"tenant_id={tid}&name=twice")
    S.check(st == 201, "upload 'twice': 201", f"{st} {p}")
    S.error_is("the same name again: 409",
               upload(sb, good, f"tenant_id={tid}&name=twice"), 409,
               f"name: tenant {tid} has a prompt named twice already")
    S.error_is("no token: 401", _noauth(sb, good), 401,
               "missing or invalid token")


def _noauth(sb, data):
    req = urllib.request.Request(
        f"http://127.0.0.1:{sb.http_port}/api/v1/prompts?tenant_id=1&name=n",
        data=data, method="POST")
    req.add_header("Content-Type", "audio/wav")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def phone(sb, user, **kw):
    p = Baresip(user, PW[user], server=("127.0.0.1", sb.sip_port), **kw)
    p.start()
    return p


def wait_log(sb, text, start, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if text in sb.logtext()[start:]:
            return time.time()
        time.sleep(0.05)
    raise RuntimeError(f"no '{text}' in the log")


def test_use(sb, tid, ann_id):
    """Announcements, menus and the tenant name uploads of their own
    tenant only; a prompt in use is not deleted."""
    st, other = sb.api("POST", "/api/v1/tenants", {"name": "Other GmbH"})
    oid = other["id"]
    st, op = upload(sb, wav(8000, 1, "s16", 8000), f"tenant_id={oid}&name=o")
    S.check(st == 201, "the other tenant uploads a prompt", f"{st} {op}")
    st, mine = upload(sb, wav(16000, 1, "s16", 16000, freq=600),
                      f"tenant_id={tid}&name=menu%20greeting")
    S.check(st == 201, "upload a menu greeting", f"{st} {mine}")
    S.error_is("an announcement of tenant 1 with tenant 2's upload: 422",
               sb.api("POST", "/api/v1/announcements",
                      {"tenant_id": tid, "name": "x", "file": op["file"]}),
               422, f"file: {op['file']} is a prompt of another tenant")
    S.error_is("an upload path that is no prompt: 422",
               sb.api("POST", "/api/v1/announcements",
                      {"tenant_id": tid, "name": "x",
                       "file": f"uploads/{tid}/0123456789abcdef.wav"}), 422,
               f"file: uploads/{tid}/0123456789abcdef.wav is no uploaded "
               "prompt")
    S.error_is("a menu with another tenant's upload: 422",
               sb.api("POST", "/api/v1/ivr_menus",
                      {"tenant_id": tid, "name": "m", "prompt": op["file"]}),
               422, f"prompt: {op['file']} is a prompt of another tenant")
    S.error_is("music on hold of another tenant's upload: 422",
               sb.api("PATCH", f"/api/v1/tenants/{tid}",
                      {"moh_prompt": op["file"]}), 422,
               f"moh_prompt: {op['file']} is a prompt of another tenant")
    st, menu = sb.api("POST", "/api/v1/ivr_menus",
                      {"tenant_id": tid, "name": "Main",
                       "prompt": mine["file"]})
    S.check(st == 201 and menu["prompt"] == mine["file"],
            "a menu greets with its tenant's upload: 201", f"{st} {menu}")
    S.error_is("delete the prompt a menu plays: 409",
               sb.api("DELETE", f"/api/v1/prompts/{mine['id']}"), 409,
               f"prompt {mine['id']} is in use by ivr menu {menu['id']} "
               "(Main); change that first")
    sb.api("PATCH", f"/api/v1/ivr_menus/{menu['id']}", {"prompt": None})
    path = os.path.join(sb.pdir, mine["file"])
    st, _ = sb.api("DELETE", f"/api/v1/prompts/{mine['id']}")
    S.check(st == 204 and not os.path.exists(path) and
            sb.api("GET", f"/api/v1/prompts/{mine['id']}")[0] == 404,
            "once unused it is deleted: 204, its file gone, then 404",
            f"{st} {os.path.exists(path)}")
    st, _ = sb.api("DELETE", f"/api/v1/prompts/{op['id']}")
    sb.api("DELETE", f"/api/v1/tenants/{oid}")


def test_announcement_plays(sb, tid, ann_id):
    """A melody uploaded at 44.1 kHz stereo float is what a phone calling
    the announcement number hears (resampled to 8 kHz)."""
    mel = melody(4.0, seed=7, rate=44100)
    st, p = upload(sb, wav(44100, 2, "f32", samples=[x / 32767 for x in mel]),
                   f"tenant_id={tid}&name=welcome%20melody&purpose=greeting")
    S.check(st == 201 and p["duration_ms"] == 4000,
            "upload a 4 s melody at 44.1 kHz stereo float: 201", f"{st} {p}")
    st, a = sb.api("PATCH", f"/api/v1/announcements/{ann_id}",
                   {"file": p["file"]})
    S.check(st == 200 and a["file"] == p["file"],
            "the demo announcement plays the upload", f"{st} {a}")
    S.error_is("delete it while the announcement plays it: 409",
               sb.api("DELETE", f"/api/v1/prompts/{p['id']}"), 409,
               f"prompt {p['id']} is in use by announcement {ann_id} "
               f"({a['name']}); change that first")
    ph = phone(sb, "1001", tone=440)
    try:
        S.check(ph.wait_registered(10), "phone 1001 registers")
        ph.dial(f"sip:{DEMO['announcement']}@127.0.0.1:{sb.sip_port}")
        S.check(ph.wait_event("CALL_ESTABLISHED", 10) is not None,
                "the announcement answers")
        ph.wait_event("CALL_CLOSED", 15)
        rec = ph.wait_recording(3.0)
        ref = melody(4.0, seed=7, rate=8000)
        v = is_prompt(rec, ref, law="pcmu", min_coverage=0.8)
        S.check(v, "the caller hears the uploaded melody, resampled", str(v))
    finally:
        ph.stop()


def test_moh(sb, tid):
    """The tenant's uploaded 700 Hz (44.1 kHz) is its music on hold."""
    st, p = upload(sb, wav(44100, 1, "s16", 44100 * 3, freq=700, amp=0.4),
                   f"tenant_id={tid}&name=hold%20tone&purpose=music_on_hold")
    S.check(st == 201, "upload a 700 Hz hold tone", f"{st} {p}")
    st, t = sb.api("PATCH", f"/api/v1/tenants/{tid}",
                   {"moh_prompt": p["file"]})
    S.check(st == 200 and t["moh_prompt"] == p["file"],
            "the tenant's music on hold is the upload", f"{st} {t}")
    S.error_is("delete it while it is the music on hold: 409",
               sb.api("DELETE", f"/api/v1/prompts/{p['id']}"), 409,
               f"prompt {p['id']} is in use by the music on hold of tenant "
               f"{tid} ({DEMO['tenant']}); change that first")
    a = phone(sb, "1001", tone=440)
    b = phone(sb, "1002", tone=1000)
    cap = RtpCapture(b.rtp_ports).start()
    try:
        S.check(a.wait_registered(10) and b.wait_registered(10),
                "phones 1001 and 1002 register")
        a.dial(f"sip:{DEMO['erika_personal']}@127.0.0.1:{sb.sip_port}")
        S.check(a.wait_event("CALL_ESTABLISHED", 10) is not None,
                "1001 calls Erika: answered")
        a.wait_recording(1.0)
        log0 = len(sb.logtext())
        S.check(a.hold().get("ok", False), "1001 holds")
        t_hold = wait_log(sb, "on hold, music to", log0)
        cap.wait_rtp(100, dport=b.rtp_ports, since=t_hold,
                     what="2 s of audio to the held party")
        law, held = cap.audio(dport=b.rtp_ports, since=t_hold + 0.1)
        v = is_tone(held, 700, other=440)
        S.check(v, "the held party hears the tenant's uploaded 700 Hz",
                str(v))
        a.hangup()
        b.wait_event("CALL_CLOSED", 10)
    finally:
        cap.stop()
        cap.cleanup()
        a.stop()
        b.stop()


def main():
    pdir = tempfile.mkdtemp(prefix="sbprompts-")
    for f in os.listdir(PROMPTS):
        os.symlink(os.path.join(PROMPTS, f), os.path.join(pdir, f))
    sb = Switchboard(extra_args=["--prompts", pdir])
    sb.pdir = pdir
    try:
        sb.start()
        tid, ann_id, _ = demo_ids(sb, "Max")
        for fn, args in ((test_formats, (sb, pdir, tid)),
                         (test_refusals, (sb, tid)),
                         (test_use, (sb, tid, ann_id)),
                         (test_announcement_plays, (sb, tid, ann_id)),
                         (test_moh, (sb, tid))):
            S.run(fn, *args)
        rc = sb.stop()
        S.check(rc == 0, "server exits cleanly (no sanitizer report)",
                f"rc={rc}\n{sb.tail(30)}")
    finally:
        sb.cleanup()
        for root, dirs, files in os.walk(pdir, topdown=False):
            for f in files:
                os.unlink(os.path.join(root, f))
            for d in dirs:
                p = os.path.join(root, d)
                (os.unlink if os.path.islink(p) else os.rmdir)(p)
        os.rmdir(pdir)
    S.finish()


if __name__ == "__main__":
    main()
