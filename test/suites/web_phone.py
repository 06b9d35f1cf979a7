#!/usr/bin/python3
"""The assistants' softphone with its own browser phone (issue 19, G1, G2:
"same login as the web app, no install"): headless Chromium
(test/web/phone.mjs) with a fake microphone playing 1000 Hz logs in as
Erika (role agent, the assistant of a client's task, NO desk phone
registered) and opens /phone; the page connects the browser phone itself.
The carrier is a baresip (440 Hz, auto answer, SIP trace) the demo trunk
is pointed at, its user the dialled number.

  call 1: task, Germany, the number without 0, "Anrufen": the browser
      phone on the same page rings (the click to call rings the
      assistant's own devices first), Erika answers there; the callee
      gets the INVITE with From and P-Asserted-Identity Erika's
      individual number (seeds/000: an assistant calls with the
      service's central number or the number it was given, never the
      client's); audio both ways
      (is_tone 1000 Hz on the callee's recording, 440 Hz in the
      browser's WebAudio analyser); "Auflegen" on the page: the record is
      answered, from Erika's individual number, ended by the caller, and the
      callee's call closed;
  call 2: "answer in the browser automatically" ticked (kept over a
      reload): the browser leg that rings right after the page's own
      POST /calls is answered without a click; the same checks.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import ROOT, Suite, Switchboard, demo_ids  # noqa: E402
from browser import WEB, report, require_front_end, start_script  # noqa: E402
from peers import Baresip  # noqa: E402
from audio import is_tone, wav_data_seconds  # noqa: E402

S = Suite("web_phone")
V = "/api/v1"
SCRIPT = os.path.join(ROOT, "test", "web", "phone.mjs")
AGENT = ("erika.assist", "agent-pw-9012")
CENTRAL = "+4930555000100"
# what Erika's calls show: the individual number she was given (demo:
# personal number shown), never the task's client's central number
SHOWN = "+4922182829902"
TYPED = "30123456"
DIALLED = "+4930123456"


def setup(sb, callee):
    tid, _, erika = demo_ids(sb, "Erika")
    st, u = sb.api("POST", V + "/users",
                   {"login": AGENT[0], "password": AGENT[1],
                    "role": "agent", "tenant_id": tid, "employee_id": erika})
    S.check(st == 201, "a login of role agent for Erika: 201", f"{st} {u}")
    st, c = sb.api("POST", V + "/tenants",
                   {"name": "Kunde GmbH", "country_code": "49",
                    "area_code": "30", "central_number": CENTRAL})
    S.check(st == 201, "a client with its central number: 201", f"{st} {c}")
    st, task = sb.api("POST", V + "/tasks",
                      {"tenant_id": c.get("id"), "area": "backoffice_de",
                       "name": "Bestellungen"})
    st2, _ = sb.api("PUT", f"{V}/tasks/{task.get('id')}/assistants",
                    {"employee_ids": [erika]})
    S.check(st == 201 and st2 == 200, "a task of the client, Erika its "
            "assistant", f"{st} {st2}")
    st, t = sb.api("PATCH", V + "/trunks/1", {"port": callee.sip_port})
    S.check(st == 200 and t.get("port") == callee.sip_port,
            "the demo trunk points at the callee's baresip", f"{st} {t}")
    return erika


def invite_heads(log):
    """The headers of each first INVITE (per Call-ID) in a SIP trace."""
    out = {}
    for msg in re.split(r"\n(?=INVITE sip:)", log):
        if not msg.startswith("INVITE sip:"):
            continue
        head = msg.split("\n\n", 1)[0].split("\r\n\r\n", 1)[0]
        cid = re.search(r"^Call-ID: *(\S+)", head, re.M | re.I)
        if cid and cid.group(1) not in out:
            out[cid.group(1)] = head
    return list(out.values())


def user_of(head, name):
    if name == "INVITE":
        m = re.match(r"INVITE sips?:([^@;> ]+)@", head)
        return m.group(1) if m else None
    m = re.search(rf"^{name}:.*?<?sips?:([^@;>]+)@", head, re.M | re.I)
    return m.group(1) if m else None


def poll(f, timeout=10):
    deadline = time.time() + timeout
    v = f()
    while not v and time.time() < deadline:
        time.sleep(0.2)
        v = f()
    return v


def browser(sb, callee, wav, erika):
    proc, err = start_script(SCRIPT, {
        "SB_URL": f"http://127.0.0.1:{sb.http_port}",
        "SB_AGENT": ":".join(AGENT), "SB_NUMBER": TYPED,
        "SB_DIALLED": DIALLED, "SB_TONE_WAV": wav}, stdin=True)

    def say(text):
        proc.stdin.write(text + "\n")
        proc.stdin.flush()

    state = {"mark": 0}

    def on_message(msg):
        ready = msg.get("ready")
        n = msg.get("n")
        if ready == "talking":
            ev = callee.wait_event("CALL_ESTABLISHED", 10,
                                   since=state["mark"])
            S.check(ev is not None, f"call {n}: the callee answered")
            heads = invite_heads(callee.log())
            h = heads[-1] if len(heads) == n else ""
            got = (user_of(h, "INVITE"), user_of(h, "From"),
                   user_of(h, "P-Asserted-Identity"))
            S.check(got == (DIALLED, SHOWN, SHOWN),
                    f"call {n}: the callee's INVITE: to {DIALLED}, From "
                    "and P-Asserted-Identity Erika's individual number, not "
                    "the client's central number",
                    f"{len(heads)} INVITEs, {got}")
            path = callee.wait_recording(2.5, timeout=15, count=n)
            t0 = max(0.0, wav_data_seconds(path) - 2.0)
            r = is_tone(path, 1000, other=440, start=t0)
            S.check(bool(r), f"call {n}: the callee hears the browser's "
                    "1000 Hz", r)
            say("ok")
        elif ready == "hungup":
            rid = msg.get("record_id")

            def ended():
                c = sb.api("GET", f"{V}/calls/{rid}")[1]
                return c if c.get("ended_at") else None
            c = poll(ended) or {}
            S.check(c.get("from_number") == SHOWN and
                    c.get("to_number") == DIALLED and
                    c.get("answered_at") and
                    c.get("disposition") == "answered" and
                    c.get("ended_by") == "caller" and
                    c.get("caller_leg") == f"employee:{erika}",
                    f"call {n}: the record: from Erika's individual number, "
                    f"Erika's leg (employee:{erika}, answered in the "
                    "browser), hung up by the assistant",
                    str(c))
            ok = callee.wait_event("CALL_CLOSED", 10,
                                   since=state["mark"]) is not None
            S.check(ok, f"call {n}: the callee's call ended")
            state["mark"] = callee.mark()
            say("ok")

    checks = 0
    rc = None
    try:
        for line in proc.stdout:
            checks += report(S, line, on_message)
        rc = proc.wait(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    S.check(rc == 0 and checks >= 25,
            f"the browser script ended cleanly ({checks} checks)",
            f"rc {rc}: {''.join(err)[-800:]}")


def main():
    require_front_end(S)
    sb = Switchboard(["--password-hash", "test", "--web-dir", WEB],
                     rtp_timeout=120).start()
    tmp = tempfile.mkdtemp(prefix="web_phone-")
    wav = os.path.join(tmp, "tone1000.wav")
    subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", "-b", "16", wav,
                    "synth", "60", "sine", "1000", "vol", "0.5"],
                   check=True, capture_output=True, timeout=60)
    callee = Baresip(DIALLED, None, server=None, tone=440,
                     auto_answer=True, sip_trace=True, name="bs-callee")
    try:
        erika = setup(sb, callee)
        callee.start()
        S.run(browser, sb, callee, wav, erika)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        callee.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
