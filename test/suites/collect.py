#!/usr/bin/python3
"""Digit inputs (issue 14, B3; seeds/004: the customer number typed
before the agent answers, shown to the agent) end to end.

  * /api/v1/digit_inputs: created with its defaults and read back as
    sent; each bad field refused with the error naming it (lengths,
    terminator, prompt, a target that is none, does not exist or is of
    an unknown type, a name taken); a fallback that would lead back to
    the input without the caller typing anything (through a schedule) is
    a 422; an input a schedule or a number routes to cannot be deleted,
    nor the employee it leads to (409); unknown ids 404.
  * A number routes to an input (label Kundennummer, 4..8 keys, #,
    read-back) whose target is Erika (baresip 1002, tracing SIP).  The
    number is typed three ways, each reaching Erika's phone, which
    answers:
      - baresip 1001 by RFC 4733: 1357#, hears the read-back ("Sie haben
        eingegeben"), 2 corrects, 13579#, 1 confirms;
      - sipp from the trunk by SIP INFO (application/dtmf-relay):
        24680#, then 1 (test/data/sipp/uac_collect_info.xml);
      - baresip 1001 without RFC 4733, as tones in its audio: 4711#,
        then 1.
    Erika's phone gets exactly one INVITE per call carrying
    "X-Switchboard-Collected: Kundennummer=<the digits>", and a direct
    call to her extension none; /api/v1/calls shows each value as
    "collected" of its call record, and {} for the direct call.
"""
import glob
import math
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, demo_ids, PROMPTS, Suite, Switchboard  # noqa: E402
from peers import Baresip, Sipp  # noqa: E402
from audio import is_prompt, write_wav  # noqa: E402

S = Suite("collect")
NUMBER = "+4922182829953"
PW = DEMO["devices"]
HDR = "X-Switchboard-Collected"


def body(tid, erika, **kw):
    b = {"tenant_id": tid, "name": "Hotline", "label": "Kundennummer",
         "min_digits": 4, "max_digits": 8, "target_type": "employee",
         "target_id": erika}
    b.update(kw)
    return b


def test_api(sb, ids):
    tid, ann, erika = ids
    post = lambda **kw: sb.api("POST", "/api/v1/digit_inputs",  # noqa: E731
                               body(tid, erika, **kw))
    S.error_is("min_digits above max_digits: 422",
               post(min_digits=9), 422,
               "min_digits: must not be more than max_digits (8)")
    S.error_is("max_digits 31: 422", post(max_digits=31), 422,
               "max_digits: must be from 1 to 30")
    S.error_is("min_digits 0: 422", post(min_digits=0), 422,
               "min_digits: must be from 1 to 30")
    S.error_is("terminator 1: 422", post(terminator="1"), 422,
               "terminator: must be # or * (null: none)")
    S.error_is("digit_timeout 0: 422", post(digit_timeout=0), 422,
               "digit_timeout: must be from 1 to 30 seconds")
    S.error_is("a prompt outside the prompts directory: 422",
               post(prompt="../etc/passwd"), 422,
               "prompt: must be a file name under the prompts directory")
    S.error_is("target none: 422", post(target_type="none",
                                        target_id=None), 422,
               "target_type: is required")
    S.error_is("a target that does not exist: 422", post(target_id=99999),
               422, "target_id: employee 99999 does not exist")
    S.error_is("an unknown target type: 422",
               post(target_type="conference"),
               422, "target_type: must be none, employee, announcement, "
               "schedule, ivr, voicemail, external, digit_input, "
               "ring_group or queue")
    st, b = sb.api("POST", "/api/v1/digit_inputs",
                   {"tenant_id": tid, "name": "X", "target_type": "employee",
                    "target_id": erika})
    S.check((st, b) == (400, {"error": "label: is required"}),
            "no label: 400", f"{st} {b}")

    st, d = post()
    want = {"tenant_id": tid, "name": "Hotline", "label": "Kundennummer",
            "prompt": None, "min_digits": 4, "max_digits": 8,
            "terminator": "#", "timeout": 5, "digit_timeout": 3,
            "retries": 2, "read_back": True, "target_type": "employee",
            "target_id": erika, "fallback_type": "none",
            "fallback_id": None}
    got = {k: v for k, v in (d or {}).items() if k not in ("id",
                                                           "created_at")}
    S.check(st == 201 and got == want, "POST: 201, as sent, defaults",
            f"{st} {d}")
    did = d["id"]
    st, g = sb.api("GET", f"/api/v1/digit_inputs/{did}")
    S.check(st == 200 and g == d, "GET returns the same", f"{st} {g}")
    S.error_is("the same name again: 409", post(), 409,
               "name: Hotline exists already")
    S.error_is("an unknown id: 404",
               sb.api("GET", "/api/v1/digit_inputs/99999"), 404,
               "digit input 99999 not found")
    st, p = sb.api("PATCH", f"/api/v1/digit_inputs/{did}",
                   {"terminator": None, "read_back": False})
    S.check(st == 200 and p["terminator"] is None and
            p["read_back"] is False, "PATCH terminator null (none)",
            f"{st} {p}")
    st, p = sb.api("PATCH", f"/api/v1/digit_inputs/{did}",
                   {"terminator": "#", "read_back": True})
    S.check(st == 200 and p == d, "PATCH back: as created", f"{st} {p}")

    # a loop without typing: schedule closed -> input, its fallback ->
    # that schedule
    st, s = sb.api("POST", "/api/v1/schedules",
                   {"tenant_id": tid, "name": "Loop",
                    "closed_type": "digit_input", "closed_id": did})
    S.check(st == 201, "a schedule closed -> the input: 201", f"{st} {s}")
    S.error_is("input fallback -> that schedule would loop: 422",
               sb.api("PATCH", f"/api/v1/digit_inputs/{did}",
                      {"fallback_type": "schedule", "fallback_id": s["id"]}),
               422, "fallback_id: leads back to this digit input without "
               "the caller typing anything")
    S.error_is("the input a schedule routes to cannot be deleted: 409",
               sb.api("DELETE", f"/api/v1/digit_inputs/{did}"), 409,
               f"digit input {did} is in use by a number, a schedule, a "
               "menu or another digit input")
    st, _ = sb.api("DELETE", f"/api/v1/schedules/{s['id']}")
    S.check(st == 204, "the schedule deleted", str(st))
    st, e = sb.api("DELETE", f"/api/v1/employees/{erika}")
    S.check(st == 409, "the employee the input leads to: 409", f"{st} {e}")
    return did


def heard(phone, prompt):
    recs = phone.recordings()
    if not recs:
        return "no recording"
    return is_prompt(os.path.join(PROMPTS, prompt), recs[-1], law="pcmu",
                     windows=0.8, min_seconds=0.5)


# DTMF frequencies (row, column)
KEYS = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477),
        "4": (770, 1209), "5": (770, 1336), "6": (770, 1477),
        "7": (852, 1209), "8": (852, 1336), "9": (852, 1477),
        "*": (941, 1209), "0": (941, 1336), "#": (941, 1477)}


def tones(keys, on=0.12, off=0.15):
    """keys as DTMF tones (-10 dBFS each frequency), 8 kHz samples."""
    pcm = []
    for k in keys:
        lo, hi = KEYS[k]
        pcm += [10362 * (math.sin(2 * math.pi * lo * i / 8000) +
                         math.sin(2 * math.pi * hi * i / 8000))
                for i in range(int(8000 * on))]
        pcm += [0.0] * int(8000 * off)
    return pcm


def last_call(sb):
    st, calls = sb.api("GET", "/api/v1/calls?limit=1")
    return calls[0] if st == 200 and calls else {}


def answered_by_erika(b, mb, what):
    ev = b.wait_event("CALL_ESTABLISHED", 15, since=mb)
    S.check(ev is not None, f"{what}: Erika's phone rings and answers")
    return ev


def test_calls(sb, ids, did):
    tid, ann, erika = ids
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": NUMBER,
                    "target_type": "digit_input", "target_id": did})
    S.check(st == 201, "a number routed to the input: 201", f"{st} {n}")
    b = Baresip("1002", PW["1002"], server=("127.0.0.1", sb.sip_port),
                tone=1000, sip_trace=True, keep_dir=True)
    b.start()
    values = []
    try:
        S.check(b.wait_registered(10), "1002 registers (tracing SIP)")

        # RFC 4733: 1357#, read back, 2; 13579#, 1
        a = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port),
                    tone=440)
        a.start()
        try:
            S.check(a.wait_registered(10), "1001 registers")
            mb = b.mark()
            m = a.mark()
            a.dial(f"sip:{NUMBER}@127.0.0.1:{sb.sip_port}")
            ev = a.wait_event("CALL_ESTABLISHED", 10, since=m)
            S.check(ev is not None, "1001 calls the input: answered")
            time.sleep(5.0)  # the question plays out
            a.send_dtmf("1357#")
            time.sleep(2.5)  # "Sie haben eingegeben: eins, drei, ..."
            a.send_dtmf("2")
            time.sleep(1.0)
            a.send_dtmf("13579#")
            time.sleep(2.5)
            a.send_dtmf("1")
            answered_by_erika(b, mb, "RFC 4733 13579, 1")
            S.check(a.wait_event("CALL_CLOSED", 1, since=m) is None,
                    "RFC 4733: the caller talks to Erika")
            a.hangup()
            S.check(b.wait_event("CALL_CLOSED", 10, since=mb) is not None,
                    "RFC 4733: the caller hangs up, Erika's call ends")
            v = heard(a, "de/you_entered.wav")
            S.check(v, "RFC 4733: the caller hears the read-back", str(v))
            spoken = glob.glob(os.path.join(sb.dir, "speech", "de-*.wav"))
            v = len(spoken) == 1 and heard(a, spoken[0])
            S.check(v, "RFC 4733: the caller hears the question spoken "
                    "from the label (one text in the speech cache)",
                    f"{spoken} {v}")
            values.append("13579")
            time.sleep(0.5)
            c = last_call(sb)
            S.check(c.get("to_number") == NUMBER and
                    c.get("collected") == {"Kundennummer": "13579"},
                    "RFC 4733: the call record has Kundennummer 13579",
                    str(c))
            # a direct call to Erika's extension carries nothing
            mb = b.mark()
            m = a.mark()
            a.dial(f"sip:1002@127.0.0.1:{sb.sip_port}")
            answered_by_erika(b, mb, "a direct call to 1002")
            a.hangup()
            S.check(b.wait_event("CALL_CLOSED", 10, since=mb) is not None,
                    "the direct call ends")
            time.sleep(0.5)
            c = last_call(sb)
            S.check(c.get("to_number") == "1002" and
                    c.get("collected") == {},
                    "the direct call's record: collected {}", str(c))
        finally:
            a.stop()

        # SIP INFO from the trunk: 24680#, 1
        mb = b.mark()
        run = Sipp("uac_collect_info", remote=("127.0.0.1", sb.sip_port),
                   local_port=sb.trunk_port, service=NUMBER, calls=1,
                   timeout_s=60, recv_timeout_ms=20000).run()
        S.check(run.rc == 0 and run.successful == 1,
                "SIP INFO 2 4 6 8 0 # and 1: each 200, the call ends "
                "normally", f"rc {run.rc} {(run.errors() or '')[-600:]}")
        answered_by_erika(b, mb, "SIP INFO 24680, 1")
        S.check(b.wait_event("CALL_CLOSED", 10, since=mb) is not None,
                "SIP INFO: the trunk hangs up, Erika's call ends")
        values.append("24680")
        time.sleep(0.5)
        c = last_call(sb)
        S.check(c.get("from_number") == "+4930654321" and
                c.get("collected") == {"Kundennummer": "24680"},
                "SIP INFO: the call record has Kundennummer 24680", str(c))

        # in-band tones (no RFC 4733): 4711#, then 1 during the read-back
        tmp = tempfile.mkdtemp(prefix="collect-")
        wav = os.path.join(tmp, "keys.wav")
        pcm = [0.0] * 16000 + tones("4711#") + [0.0] * 24000 + \
            tones("1") + [0.0] * (8000 * 25)
        write_wav(wav, pcm)
        a = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port),
                    wav=wav)
        a.start()
        try:
            S.check(a.wait_registered(10), "1001 registers (playing tones)")
            mb = b.mark()
            m = a.mark()
            a.dial(f"sip:{NUMBER}@127.0.0.1:{sb.sip_port}")
            ev = a.wait_event("CALL_ESTABLISHED", 10, since=m)
            S.check(ev is not None, "in-band: answered")
            answered_by_erika(b, mb, "in-band 4711, 1")
            a.hangup()
            S.check(b.wait_event("CALL_CLOSED", 10, since=mb) is not None,
                    "in-band: the caller hangs up, Erika's call ends")
            values.append("4711")
            time.sleep(0.5)
            c = last_call(sb)
            S.check(c.get("collected") == {"Kundennummer": "4711"},
                    "in-band: the call record has Kundennummer 4711",
                    f"{c}; {[ln for ln in sb.tail(300).splitlines() if 'ivr:' in ln][-8:]}")
        finally:
            a.stop()
    finally:
        b.stop(cleanup=False)

    # the INVITEs Erika's phone got: one per call, the header exactly
    got = invites(b.log())
    b.cleanup()
    want = [f"Kundennummer={v}" for v in values]
    want.insert(1, None)  # the direct call
    S.check(got == want, "Erika's INVITEs carry X-Switchboard-Collected: "
            "Kundennummer=<the digits>, the direct call none",
            f"got {got}, want {want}")


def invites(log):
    """The X-Switchboard-Collected values of the INVITEs in a baresip SIP
    trace, one per Call-ID in order (None: no such header)."""
    out = {}
    for msg in re.split(r"\n(?=INVITE sip:)", log):
        if not msg.startswith("INVITE sip:"):
            continue
        head = msg.split("\n\n", 1)[0].split("\r\n\r\n", 1)[0]
        cid = re.search(r"^Call-ID: *(\S+)", head, re.M | re.I)
        hdr = re.findall(rf"^{HDR}: *(\S+)", head, re.M)
        if cid and cid.group(1) not in out:
            out[cid.group(1)] = hdr[0] if len(hdr) == 1 else \
                (None if not hdr else hdr)
    return list(out.values())


def main():
    sb = Switchboard().start()
    try:
        ids = demo_ids(sb, "Erika")
        did = None

        def api():
            nonlocal did
            did = test_api(sb, ids)
        S.run(api)
        if did:
            S.run(test_calls, sb, ids, did)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
