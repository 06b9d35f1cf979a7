#!/usr/bin/python3
"""Issue 19 end to end ("Tests in a real browser", first and third bullet,
and "the console works with the keyboard alone"): real peers only, and in
the browser the keyboard only (no mouse click anywhere).

  * a sipp trunk caller (test/data/sipp/uac_queue_tone.xml, "Trunk
    Caller" +4930123987, playing a 440 Hz tone as PCMA) calls the demo
    client's service number, which leads to the queue "Zentrale" with
    Erika alone;
  * Erika is logged in to the console in headless Chromium
    (test/web/e2e.mjs) with the browser phone connected and a fake
    microphone of 1000 Hz; she became available with Alt+A;
  * the screen pop shows the right client (Mustermann AG) and the
    greeting with "Erika Musterfrau" while the phone panel still says
    "Es klingelt";
  * Alt+R answers in the browser; the browser hears 440 Hz (WebAudio
    analyser peak), the caller 1000 Hz (is_tone on the RTP to sipp's
    port, caught with tcpdump: sipp does not record);
  * while it rings and on the call, Tab reaches every visible control
    once and comes round again (no trap, none left out);
  * Alt+N, typing, Tab and Space fill the note (for Max), Alt+S saves it
    (the focus then sits on the saved line, the next Tab goes on to
    "Anruf schließen"), Alt+X hangs up: sipp gets the BYE;
  * every page of the agent (login, console, phone, start) in German and
    English without an untranslated key, the logout by keyboard;
    screenshots
    build/screenshots/e2e-*.png.
Afterwards: the call's record (to the number, from the caller, answered,
disposition answered), the note (name, number, concern, for Max, by
Erika, the call), and its mail at the SMTP sink: To Max, Subject
"Gesprächsnotiz: Hans Anrufer", the concern in the text.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import ROOT, Suite, Switchboard, demo_ids, free_port  # noqa: E402
from browser import WEB, report, require_front_end, start_script  # noqa: E402
from peers import RtpCapture, Sipp, wait_for  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402
from audio import is_tone  # noqa: E402

S = Suite("web_e2e")
SCRIPT = os.path.join(ROOT, "test", "web", "e2e.mjs")
NUMBER = "+4922182829973"
CALLER = "+4930123987"
CALLER_NAME = "Hans Anrufer"
CONCERN = "Bittet um Rückruf wegen der Rechnung 2026-118"
AGENT = ("erika.e2e", "agent-pw-1234")
MAX_MAIL = "max.e2e@mustermann.example"
CLIENT = "Mustermann AG"
GREETING = ("Mustermann AG, guten Tag, mein Name ist [Vorname, Nachname]. "
            "Was kann ich für Sie tun?")
SEEN = ("Mustermann AG, guten Tag, mein Name ist Erika Musterfrau. "
        "Was kann ich für Sie tun?")


def setup(sb):
    tid, _, erika = demo_ids(sb, "Erika")
    _, _, mx = demo_ids(sb, "Max")
    st, v = sb.api("POST", f"/api/v1/tenants/{tid}/profile/versions",
                   {"greeting": GREETING,
                    "instructions": "Rechnungsfragen an Max.",
                    "transfer": False})
    S.check(st == 201, "a profile version with the greeting: 201",
            f"{st} {v}")
    st, _ = sb.api("PATCH", f"/api/v1/employees/{mx}", {"email": MAX_MAIL})
    S.check(st == 200, "Max's e-mail address: 200", st)
    st, q = sb.api("POST", "/api/v1/queues",
                   {"tenant_id": tid, "name": "Zentrale",
                    "strategy": "longest_idle", "ring_timeout": 60,
                    "wrapup": 0, "announce_every": 0,
                    "say_position": False, "say_wait": False,
                    "members": [{"employee_id": erika}]})
    st2, n = sb.api("POST", "/api/v1/numbers",
                    {"tenant_id": tid, "e164": NUMBER,
                     "target_type": "queue", "target_id": q.get("id")})
    S.check(st == 201 and st2 == 201,
            "the client's service number leads to a queue with Erika: 201",
            f"{st} {q} {st2} {n}")
    st, u = sb.api("POST", "/api/v1/users",
                   {"login": AGENT[0], "password": AGENT[1],
                    "role": "agent", "tenant_id": tid,
                    "employee_id": erika})
    S.check(st == 201, "a user of role agent bound to Erika: 201",
            f"{st} {u}")
    return {"tid": tid, "erika": erika, "max": mx}


def sdp_port(run):
    """The audio port of sipp's INVITE (its rtp_stream socket)."""
    m = re.search(r"m=audio (\d+) ", run.messages() or "")
    return int(m.group(1)) if m else None


def caller_hears(run, seconds=2.5):
    """is_tone(1000 Hz, not 440) of what the server sends to sipp's
    audio port during seconds."""
    port = sdp_port(run)
    if port is None:
        return "no m=audio in sipp's INVITE"
    cap = RtpCapture(port).start()
    try:
        t0 = time.time()
        cap.wait_rtp(int(seconds * 50), timeout=seconds + 5, dport=port,
                     what="the agent's audio to the caller")
        _, pcm = cap.audio(dport=port, since=t0)
    finally:
        cap.stop()
        cap.cleanup()
    return is_tone(pcm, 1000, other=440)


def browser(sb, t, tmp, wav, out):
    proc, err = start_script(SCRIPT, {
        "SB_URL": f"http://127.0.0.1:{sb.http_port}",
        "SB_AGENT": ":".join(AGENT), "SB_CLIENT": CLIENT,
        "SB_GREETING": SEEN, "SB_CALLER": CALLER,
        "SB_CALLER_NAME": CALLER_NAME, "SB_CONCERN": CONCERN,
        "SB_FOR": "Max Mustermann", "SB_TONE_WAV": wav}, stdin=True)

    def say(text):
        proc.stdin.write(text + "\n")
        proc.stdin.flush()

    def on_message(msg):
        ready = msg.get("ready")
        if ready == "call":
            out["caller"] = Sipp("uac_queue_tone",
                                 remote=("127.0.0.1", sb.sip_port),
                                 local_port=sb.trunk_port, service=NUMBER,
                                 keys={"caller": CALLER}, workdir=tmp,
                                 timeout_s=150,
                                 recv_timeout_ms=120000).start()
        elif ready == "talking":
            v = caller_hears(out["caller"])
            S.check(bool(v), "the caller (sipp) hears the agent's browser: "
                    "1000 Hz", v)
            say("heard")
        elif ready == "hungup":
            out["note_id"] = msg.get("note_id")
            rc = out["caller"].wait(20)
            S.check(rc == 0 and out["caller"].successful == 1,
                    "the caller's call ended with our BYE (sipp: 1 "
                    "successful call)", f"rc {rc}")
            say("ok")

    checks = 0
    rc = None
    try:
        for line in proc.stdout:
            checks += report(S, line, on_message)
        rc = proc.wait(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if out.get("caller"):
            out["caller"].wait(30)
    S.check(rc == 0 and checks >= 40,
            f"the browser script ended cleanly ({checks} checks)",
            f"rc {rc}: {''.join(err)[-800:]}")


def outcome(sb, t, sink, note_id):
    st, n = sb.api("GET", f"/api/v1/notes/{note_id}")
    S.check(st == 200 and n.get("caller_name") == CALLER_NAME and
            n.get("caller_number") == CALLER and
            n.get("concern") == CONCERN and
            n.get("employee_ids") == [t["max"]] and
            n.get("agent_employee_id") == t["erika"] and n.get("call_id"),
            "the note typed with the keyboard: name, number, concern, for "
            "Max, by Erika, with its call", f"{st} {n}")
    st, c = sb.api("GET", f"/api/v1/calls/{n.get('call_id')}")
    S.check(st == 200 and c.get("to_number") == NUMBER and
            c.get("from_number") == CALLER and c.get("answered_at") and
            c.get("ended_at") and c.get("disposition") == "answered" and
            c.get("ended_by") == "callee",
            "the call's record: to the service number, from the caller, "
            "answered, disposition answered, ended by the agent (callee)",
            f"{st} {c}")
    wait_for(lambda: any(MAX_MAIL in r for _, r, _ in sink.parsed()), 20,
             "the note's mail")
    mails = [m for _, r, m in sink.parsed() if MAX_MAIL in r]
    m = mails[0] if mails else {}
    body = m.get_body(preferencelist=("plain",)).get_content() if mails \
        else ""
    S.check(len(mails) == 1 and m["To"] == MAX_MAIL and
            m["Subject"] == f"Gesprächsnotiz: {CALLER_NAME}" and
            CONCERN in body and CALLER in body,
            "the note's mail at the SMTP sink: To Max, Subject "
            "'Gesprächsnotiz: Hans Anrufer', the concern and the number",
            f"{len(mails)} mails: {m.get('To') if mails else ''} / "
            f"{m.get('Subject') if mails else ''} / {body[:300]}")


def main():
    require_front_end(S)
    sink = SmtpSink(free_port())
    sink.start()
    sb = Switchboard(["--password-hash", "test", "--web-dir", WEB,
                      "--smtp-url", f"smtp://127.0.0.1:{sink.port}",
                      "--smtp-from", "zentrale@switchboard.example",
                      "--outbox-retry-base", "1"],
                     rtp_timeout=120).start()
    tmp = tempfile.mkdtemp(prefix="web-e2e-")
    wav = os.path.join(tmp, "tone1000.wav")
    subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", "-b", "16", wav,
                    "synth", "60", "sine", "1000", "vol", "0.5"],
                   check=True, capture_output=True, timeout=60)
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-t", "al",
                    os.path.join(tmp, "tone.alaw"), "synth", "10", "sine",
                    "440", "vol", "0.5"],
                   check=True, capture_output=True, timeout=60)
    try:
        t = setup(sb)
        out = {}
        S.run(browser, sb, t, tmp, wav, out)
        if out.get("note_id"):
            S.run(outcome, sb, t, sink, out["note_id"])
        else:
            S.check(False, "the page saved a note")
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
        sink.stop()
        subprocess.run(["rm", "-rf", tmp])
    S.finish()


if __name__ == "__main__":
    main()
