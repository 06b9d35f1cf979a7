#!/usr/bin/python3
"""Voice menus (issue 14, section 4) end to end: /api/v1/ivr_menus and
calls that a real phone steers with its keys.

  * A menu is created, read and changed over HTTP, the reply showing
    exactly what was sent; bad menus are refused with the error naming
    the problem: a key that is none or given twice, a target that does not
    exist, a fallback that would lead back to the menu without a key
    pressed (through a schedule); a menu a number routes to cannot be
    deleted.
  * baresip 1001 calls a number routed to the menu and presses keys (RFC
    4733): 1 rings Erika's phone (baresip 1002), which answers: the two
    talk; 9 (no such key) and then 2 reach the announcement, which plays
    and hangs up; no key at all: greeting, "no input" and greeting again
    (retries 1), then goodbye and the server hangs up, not before two
    timeouts passed.  What the caller hears is judged by its content
    (the prompt found in baresip's recording of the call).
  * A phone without RFC 4733 plays a WAV with the key 2 as a DTMF tone:
    the in-band detector hears it and the caller gets the announcement.
  * Direct dial (Durchwahl): with direct_dial on, the caller types the
    suffix of a number of the central number's block: 55 (no number) is
    not valid, 90 goes where +4922182829990 goes (the announcement).
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, demo_ids, PROMPTS, Suite, Switchboard  # noqa: E402
from peers import Baresip  # noqa: E402
from audio import is_prompt, is_tone, write_wav  # noqa: E402
import math  # noqa: E402
import tempfile  # noqa: E402

S = Suite("ivr")
NUMBER = "+4922182829951"
PW = DEMO["devices"]


def heard(phone, prompt):
    """Did phone's last call receive the whole prompt (a file of
    PROMPTS), among whatever else it heard?"""
    recs = phone.recordings()
    if not recs:
        return "no recording"
    # the prompt searched in the recording (which holds more than it):
    # most of the prompt's own windows must match the call's audio at one
    # alignment
    return is_prompt(os.path.join(PROMPTS, prompt), recs[-1], law="pcmu",
                     windows=0.8, min_seconds=0.5)


def menu_body(tid, ann, erika, **kw):
    body = {"tenant_id": tid, "name": "Hotline", "timeout": 2, "retries": 1,
            "options": [{"key": "1", "target_type": "employee",
                         "target_id": erika},
                        {"key": "2", "target_type": "announcement",
                         "target_id": ann}]}
    body.update(kw)
    return body


def test_api(sb, ids):
    tid, ann, erika = ids
    post = lambda **kw: sb.api("POST", "/api/v1/ivr_menus",  # noqa: E731
                               menu_body(tid, ann, erika, **kw))
    S.error_is("a key that is none: 422",
           post(options=[{"key": "x", "target_type": "employee",
                          "target_id": erika}]),
           422, "options[0].key: must be one of 0-9, * and #")
    S.error_is("a key twice: 422",
           post(options=[{"key": "1", "target_type": "employee",
                          "target_id": erika},
                         {"key": "1", "target_type": "announcement",
                          "target_id": ann}]),
           422, "options[1].key: 1 is given twice")
    S.error_is("a target that does not exist: 422",
           post(options=[{"key": "1", "target_type": "employee",
                          "target_id": 99999}]),
           422, "options[0].target_id: employee 99999 does not exist")
    S.error_is("a timeout of 0 s: 422", post(timeout=0), 422,
           "timeout: must be from 1 to 60 seconds")
    S.error_is("a prompt outside the prompts directory: 422",
           post(prompt="../etc/passwd"), 422,
           "prompt: must be a file name under the prompts directory")
    st, m = post()
    want = {"tenant_id": tid, "name": "Hotline", "prompt": None,
            "timeout": 2, "retries": 1, "direct_dial": False,
            "fallback_type": "none",
            "fallback_id": None,
            "options": [{"key": "1", "target_type": "employee",
                         "target_id": erika},
                        {"key": "2", "target_type": "announcement",
                         "target_id": ann}]}
    got = {k: v for k, v in (m or {}).items() if k not in ("id",
                                                           "created_at")}
    S.check(st == 201 and got == want, "POST: 201, as sent, defaults",
            f"{st} {m}")
    st, g = sb.api("GET", f"/api/v1/ivr_menus/{m['id']}")
    S.check(st == 200 and g == m, "GET returns the same", f"{st} {g}")

    # a loop without keys: schedule closed -> menu, menu fallback -> it
    st, s = sb.api("POST", "/api/v1/schedules",
                   {"tenant_id": tid, "name": "Loop", "closed_type": "ivr",
                    "closed_id": m["id"]})
    S.check(st == 201, "a schedule closed -> the menu: 201", f"{st} {s}")
    S.error_is("menu fallback -> that schedule would loop: 422",
           sb.api("PATCH", f"/api/v1/ivr_menus/{m['id']}",
                  {"fallback_type": "schedule", "fallback_id": s["id"]}),
           422, "fallback_id: leads back to this menu without a key "
           "pressed")
    S.error_is("the menu a schedule routes to cannot be deleted: 409",
           sb.api("DELETE", f"/api/v1/ivr_menus/{m['id']}"), 409,
           f"ivr menu {m['id']} is in use by a number, a schedule or "
           "another menu")
    sb.api("DELETE", f"/api/v1/schedules/{s['id']}")
    return m["id"]


def call_menu(a, sb):
    m = a.mark()
    a.dial(f"sip:{NUMBER}@127.0.0.1:{sb.sip_port}")
    ev = a.wait_event("CALL_ESTABLISHED", 10, since=m)
    S.check(ev is not None, "1001 calls the menu: answered")
    return m


def test_calls(sb, ids, mid):
    tid, ann, erika = ids
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": NUMBER, "target_type": "ivr",
                    "target_id": mid})
    S.check(st == 201, "a number routed to the menu: 201", f"{st} {n}")
    a = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port),
                tone=440)
    b = Baresip("1002", PW["1002"], server=("127.0.0.1", sb.sip_port),
                tone=1000)
    a.start()
    b.start()
    try:
        S.check(a.wait_registered(10) and b.wait_registered(10),
                "1001 and 1002 register")
        # 1: Erika
        mb = b.mark()
        m = call_menu(a, sb)
        time.sleep(0.5)
        a.send_dtmf("1")
        ev = b.wait_event("CALL_ESTABLISHED", 10, since=mb)
        S.check(ev is not None, "key 1: Erika's phone rings and answers")
        S.check(a.wait_event("CALL_CLOSED", 2, since=m) is None,
                "and the caller is still in the call")
        a.hangup()
        S.check(b.wait_event("CALL_CLOSED", 10, since=mb) is not None,
                "the caller hangs up: Erika's call ends")

        # 1 again, Erika lets it ring 3 s: the caller, answered by the
        # menu, hears the ringback tone (425 Hz, 1 s on, 4 s off) while
        # her phone rings, not silence, and then Erika (1000 Hz)
        b.stop()
        b = Baresip("1002", PW["1002"], server=("127.0.0.1", sb.sip_port),
                    tone=1000, auto_answer=False)
        b.start()
        S.check(b.wait_registered(10), "1002 registers again, answering "
                "by hand")
        mb = b.mark()
        m = call_menu(a, sb)
        t0 = time.time()
        time.sleep(0.5)
        a.send_dtmf("1")
        ev = b.wait_event("CALL_INCOMING", 10, since=mb)
        S.check(ev is not None, "key 1 again: Erika's phone rings")
        time.sleep(3.0)
        b.accept()
        ev = b.wait_event("CALL_ESTABLISHED", 10, since=mb)
        t_ans = time.time() - t0
        S.check(ev is not None, "Erika answers after 3 s")
        time.sleep(2.0)
        a.hangup()
        b.wait_event("CALL_CLOSED", 10, since=mb)
        a.wait_event("CALL_CLOSED", 10, since=m)
        recs = a.recordings()
        rec = recs[-1] if recs else None
        # the recording starts when the menu answered (t0); the key went
        # at 0.5 s: the tone's first second covers 0.9-1.4 s, then 4 s off
        # (Erika answers before it comes back)
        v = is_tone(rec, 425, start=0.9, end=1.4, min_seconds=0.3,
                    other=1000) if rec else "no recording"
        S.check(v, "while Erika's phone rings the caller hears the "
                "ringback tone (425 Hz), not silence", str(v))
        v = is_tone(rec, 1000, start=t_ans + 0.5, end=t_ans + 1.3,
                    min_seconds=0.3, other=425) if rec else "no recording"
        S.check(v, "once she answers: Erika, and no ringback tone", str(v))

        # 9 (no such key), then 2: the announcement plays and ends it
        m = call_menu(a, sb)
        time.sleep(0.5)
        a.send_dtmf("9")
        time.sleep(2.5)  # "not valid" plays out (a key would stop it)
        a.send_dtmf("2")
        ev = a.wait_event("CALL_CLOSED", 20, since=m)
        S.check(ev is not None, "keys 9 then 2: the server hangs up",
                str(ev))
        v = heard(a, "de/menu_invalid.wav")
        S.check(v, "9: the caller hears that the input is not valid", str(v))
        v = heard(a, "welcome.wav")
        S.check(v, "2: the caller hears the announcement", str(v))

        # no key: greeting, timeout, "no input" + greeting, timeout,
        # goodbye, hung up
        m = call_menu(a, sb)
        t0 = time.time()
        ev = a.wait_event("CALL_CLOSED", 30, since=m)
        took = time.time() - t0
        S.check(ev is not None and took >= 4.0,
                "no key: hung up after two timeouts of 2 s",
                f"{ev} after {took:.1f} s")
        for p, what in (("de/greeting.wav", "the greeting"),
                        ("de/menu_timeout.wav", "no input"),
                        ("de/goodbye.wav", "goodbye")):
            v = heard(a, p)
            S.check(v, f"no key: the caller hears {what}", str(v))
        v = heard(a, "welcome.wav")
        S.check(not v, "no key: and not the announcement", str(v))
    finally:
        a.stop()
        b.stop()

    # the key as a tone in the audio (a phone without RFC 4733): 2 s of
    # silence, "2" (697 + 1336 Hz, -10 dBFS each) for 150 ms, silence
    tmp = tempfile.mkdtemp(prefix="ivr-")
    wav = os.path.join(tmp, "key2.wav")
    pcm = [0.0] * 16000
    pcm += [10362 * (math.sin(2 * math.pi * 697 * i / 8000) +
                     math.sin(2 * math.pi * 1336 * i / 8000))
            for i in range(1200)]
    pcm += [0.0] * (8000 * 20)
    write_wav(wav, pcm)
    a = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port),
                wav=wav)
    a.start()
    try:
        S.check(a.wait_registered(10), "1001 registers (playing a tone)")
        m = call_menu(a, sb)
        ev = a.wait_event("CALL_CLOSED", 20, since=m)
        S.check(ev is not None, "in-band 2: the server hangs up", str(ev))
        v = heard(a, "welcome.wav")
        S.check(v, "in-band 2: the caller hears the announcement",
                f"{v}; {[ln for ln in sb.tail(200).splitlines() if 'ivr:' in ln or 'media' in ln][-12:]}")
    finally:
        a.stop()
    # direct dial (Durchwahl): the caller types the suffix of a number of
    # the central number's block: 55 is none, 90 is the announcement's
    st, p = sb.api("PATCH", f"/api/v1/ivr_menus/{mid}",
                   {"direct_dial": True})
    S.check(st == 200 and p["direct_dial"] is True, "PATCH direct_dial",
            f"{st} {p}")
    a = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port))
    a.start()
    try:
        S.check(a.wait_registered(10), "1001 registers")
        m = call_menu(a, sb)
        time.sleep(0.5)
        a.send_dtmf("55")
        time.sleep(3.0)  # "not valid" plays out
        a.send_dtmf("90")
        ev = a.wait_event("CALL_CLOSED", 20, since=m)
        S.check(ev is not None, "direct dial: the server hangs up", str(ev))
        v = heard(a, "de/menu_invalid.wav")
        S.check(v, "direct dial 55 (no such number): not valid", str(v))
        v = heard(a, "welcome.wav")
        S.check(v, "direct dial 90: the announcement's number's target",
                str(v))
    finally:
        a.stop()
    S.error_is("the menu a number routes to cannot be deleted: 409",
           sb.api("DELETE", f"/api/v1/ivr_menus/{mid}"), 409,
           f"ivr menu {mid} is in use by a number, a schedule or another "
           "menu")


def main():
    sb = Switchboard().start()
    try:
        ids = demo_ids(sb, "Erika")
        mid = None

        def api():
            nonlocal mid
            mid = test_api(sb, ids)
        S.run(api)
        if mid:
            S.run(test_calls, sb, ids, mid)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
