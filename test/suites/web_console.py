#!/usr/bin/python3
"""The agent console in a real browser (issue 19, H2): headless Debian
Chromium driven by playwright-core (test/web/console.mjs, run with node)
against the sanitizer build serving build/web, with a real call from a
sipp caller to Erika's baresip desk phone and the note delivered to an
SMTP sink.

The suite prepares the demo client: a profile version (greeting with
[Vorname, Nachname], instructions, no transfer option, FAQ, call guide and
VIP call guide, the note fields Kundennummer (number, required) and
Rückruf (choice)), Max's e-mail address and absence info, the VIP
+4930777888 (Max's), a queue "Sekretariat" with Erika alone (30 s wrap-up)
on a number, and a user of role agent bound to Erika.  The browser script
then, each its own ok/FAIL line here:

  * the agent logs in through the page and lands on the console (German),
    logged out; logs in to the queues with the button, pauses with Alt+P
    and the typed reason, is available again with Alt+A;
  * the suite places the VIP caller: the pop shows the client, the
    caller, the greeting with "Erika Musterfrau", the VIP info, the VIP
    call guide, instructions and standard text, what holds for Max now,
    the FAQ, the note form with the client's fields (the required one
    marked), all while the call rings: here the suite checks that the desk
    phone reports the incoming call and has not answered it, then answers;
  * the note: Alt+N focuses it; saving without the required field shows
    the server's "fields.Kundennummer: is required" at that field; saved
    with Ctrl+Enter; the suite hangs up; the wrap-up timer counts down;
  * English texts, no untranslated key, keyboard and labels;
  * a caller through the digit input (SIP INFO 24680#, then 1): the pop
    shows "Kundennummer 24680", no VIP, the normal call guide; he hangs up
    while it rings: the pop goes away;
  * screenshots build/screenshots/console-*.png.
Afterwards: the note as the API has it (fields, employee, the call), and
its mail at the SMTP sink, to Max, with the typed concern.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, ROOT, Suite, Switchboard, demo_ids, free_port  # noqa: E402
from browser import WEB, report, require_front_end, start_script  # noqa: E402
from peers import Baresip, Sipp, wait_for  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402

S = Suite("web_console")
SCRIPT = os.path.join(ROOT, "test", "web", "console.mjs")
NUMBER = "+4922182829971"
INPUT_NUMBER = "+4922182829972"  # a digit input before the queue
QUEUE = "Sekretariat"
VIP = "+4930777888"
AGENT = ("erika.konsole", "agent-pw-1234")
MAX_MAIL = "max.konsole@mustermann.example"
CONCERN = "Bittet um Rückruf wegen Vertrag 42"
GREETING = ("Mustermann AG, guten Tag, mein Name ist [Vorname, Nachname]. "
            "Was kann ich für Sie tun?")


def setup(sb):
    tid, _, erika = demo_ids(sb, "Erika")
    _, _, mx = demo_ids(sb, "Max")
    st, v = sb.api("POST", f"/api/v1/tenants/{tid}/profile/versions",
                   {"greeting": GREETING,
                    "instructions": "Rechtsanwaltskanzlei: keine Auskünfte "
                                    "zu Mandaten.",
                    "transfer": False,
                    "faq": [{"question": "Öffnungszeiten?",
                             "answer": "Mo-Fr 8-18 Uhr"}],
                    "call_guide": "1. Name erfragen\n2. Anliegen notieren",
                    "vip_call_guide": "VIP: sofort mit Namen begrüßen\n"
                                      "und Max Bescheid geben",
                    "note_fields": [
                        {"label": "Kundennummer", "type": "number",
                         "required": True},
                        {"label": "Rückruf", "type": "choice",
                         "choices": ["vormittags", "nachmittags"]}]})
    S.check(st == 201, "a profile version: 201", f"{st} {v}")
    st1, _ = sb.api("PATCH", f"/api/v1/employees/{mx}", {"email": MAX_MAIL})
    st2, _ = sb.api("PUT", f"/api/v1/employees/{mx}/absence_info",
                    {"text": "Diese Woche im Urlaub."})
    S.check(st1 == 200 and st2 == 200, "Max: e-mail and absence info",
            f"{st1} {st2}")
    st, vip = sb.api("POST", "/api/v1/vips",
                     {"tenant_id": tid, "number": "030 777888",
                      "name": "Dr. Anna Schmitz", "note": "Vorstand",
                      "employee_id": mx})
    S.check(st == 201, "the VIP 030 777888 (Max's): 201", f"{st} {vip}")
    st, q = sb.api("POST", "/api/v1/queues",
                   {"tenant_id": tid, "name": QUEUE,
                    "strategy": "longest_idle", "ring_timeout": 60,
                    "wrapup": 30, "announce_every": 0,
                    "say_position": False, "say_wait": False,
                    "members": [{"employee_id": erika}]})
    S.check(st == 201, "a queue with Erika, 30 s wrap-up: 201", f"{st} {q}")
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": NUMBER, "target_type": "queue",
                    "target_id": q.get("id")})
    S.check(st == 201, "a number routed to the queue: 201", f"{st} {n}")
    st1, d = sb.api("POST", "/api/v1/digit_inputs",
                    {"tenant_id": tid, "name": "Kundennummer",
                     "label": "Kundennummer", "min_digits": 4,
                     "max_digits": 8, "terminator": "#",
                     "target_type": "queue", "target_id": q.get("id")})
    st2, _ = sb.api("POST", "/api/v1/numbers",
                    {"tenant_id": tid, "e164": INPUT_NUMBER,
                     "target_type": "digit_input",
                     "target_id": (d or {}).get("id")})
    S.check(st1 == 201 and st2 == 201,
            "a digit input before the queue and its number",
            f"{st1} {st2} {d}")
    st, u = sb.api("POST", "/api/v1/users",
                   {"login": AGENT[0], "password": AGENT[1],
                    "role": "agent", "tenant_id": tid,
                    "employee_id": erika})
    S.check(st == 201 and u.get("employee_id") == erika,
            "a user of role agent bound to Erika: 201", f"{st} {u}")
    return {"tid": tid, "erika": erika, "max": mx, "queue": q.get("id")}


class Browser:
    """The node script: its JSON lines, and lines written to its stdin."""

    def __init__(self, sb):
        self.proc, self.err = start_script(SCRIPT, {
            "SB_URL": f"http://127.0.0.1:{sb.http_port}",
            "SB_AGENT": ":".join(AGENT), "SB_QUEUE": QUEUE,
            "SB_CONCERN": CONCERN}, stdin=True)

    def say(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()


def browser(sb, t, phone, out):
    b = Browser(sb)
    caller = digits = None
    checks = 0
    note_id = None
    mark = 0

    def on_message(msg):
        nonlocal caller, digits, note_id, mark
        ready = msg.get("ready")
        if ready == "call":
            mark = phone.mark()
            caller = Sipp("uac_queue_wait",
                          remote=("127.0.0.1", sb.sip_port),
                          local_port=sb.trunk_port, service=NUMBER,
                          keys={"caller": VIP}, timeout_s=120,
                          recv_timeout_ms=90000).start()
        elif ready == "popped":
            inc = phone.wait_event("CALL_INCOMING", 10, since=mark)
            est = [e for e in phone.events[mark:]
                   if e.get("type") == "CALL_ESTABLISHED"]
            S.check(inc is not None and not est,
                    "while the page shows the pop, Erika's desk phone "
                    "reports the incoming call, unanswered",
                    f"incoming {inc}, established {est}")
            phone.accept()
            ok = phone.wait_event("CALL_ESTABLISHED", 10,
                                  since=mark) is not None
            S.check(ok, "Erika answers on her desk phone")
            b.say("answered" if ok else "not-answered")
        elif ready == "hangup":
            note_id = msg.get("note_id")
            phone.hangup()
            ok = phone.wait_event("CALL_CLOSED", 10,
                                  since=mark) is not None
            S.check(ok, "Erika hangs up on her desk phone")
            b.say("hungup")
        elif ready == "digits":
            if caller:
                caller.wait(30)  # the trunk port is free again
            digits = Sipp("uac_collect_info",
                          remote=("127.0.0.1", sb.sip_port),
                          local_port=sb.trunk_port,
                          service=INPUT_NUMBER, timeout_s=60,
                          recv_timeout_ms=20000).start()

    try:
        for line in b.proc.stdout:
            checks += report(S, line, on_message)
        rc = b.proc.wait(timeout=240)
    finally:
        if b.proc.poll() is None:
            b.proc.kill()
            b.proc.wait()
        for run in (caller, digits):
            if run:
                run.wait(60)
    S.check(rc == 0 and checks >= 45,
            f"the browser script ended cleanly ({checks} checks)",
            f"rc {rc}: {''.join(b.err)[-800:]}")
    if caller:
        S.check(caller.successful == 1,
                "the sipp caller's call went through (answered, BYE from "
                "the agent's side)", f"rc {caller.rc}")
        caller.cleanup()
    if digits:
        S.check(digits.successful == 1,
                "the digit-input caller: 24680#, 1, hung up while ringing",
                f"rc {digits.rc}")
        digits.cleanup()
    out["note_id"] = note_id


def check_note(sb, t, sink, note_id):
    st, n = sb.api("GET", f"/api/v1/notes/{note_id}")
    S.check(st == 200 and n["caller_name"] == "Hans Anrufer" and
            n["caller_number"] == VIP and n["concern"] == CONCERN and
            n["fields"] == {"Kundennummer": 4711, "Rückruf": "vormittags"}
            and n["employee_ids"] == [t["max"]] and n["call_id"] and
            n["agent_employee_id"] == t["erika"],
            "the note as saved from the page: name, number, concern, "
            "fields, for Max, the call, by Erika", f"{st} {n}")
    st, c = sb.api("GET", f"/api/v1/calls/{n.get('call_id')}")
    S.check(st == 200 and c.get("to_number") == NUMBER,
            "the note's call is the queue call", f"{st} {c}")
    wait_for(lambda: any(MAX_MAIL in r for _, r, _ in sink.parsed()), 20,
             "the note's mail")
    mails = [m for _, r, m in sink.parsed() if MAX_MAIL in r]
    body = ""
    if mails:
        body = mails[0].get_body(preferencelist=("plain",)).get_content()
    S.check(len(mails) == 1 and CONCERN in body and "4711" in body,
            "the note's mail reached the SMTP sink, to Max, with the typed "
            "concern and the customer number",
            f"{len(mails)} mails: {body[:300]}")


def main():
    require_front_end(S)
    sink = SmtpSink(free_port())
    sink.start()
    sb = Switchboard(["--password-hash", "test", "--web-dir", WEB,
                      "--smtp-url", f"smtp://127.0.0.1:{sink.port}",
                      "--smtp-from", "zentrale@switchboard.example",
                      "--outbox-retry-base", "1"],
                     rtp_timeout=120).start()
    phone = Baresip("1002", DEMO["devices"]["1002"],
                    server=("127.0.0.1", sb.sip_port), tone=1000,
                    auto_answer=False)
    try:
        t = setup(sb)
        phone.start()
        S.check(phone.wait_registered(10), "Erika's desk phone registers")
        out = {}
        S.run(browser, sb, t, phone, out)
        if out.get("note_id"):
            S.run(check_note, sb, t, sink, out["note_id"])
        else:
            S.check(False, "the page saved a note")
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        phone.stop()
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
        sink.stop()
    S.finish()


if __name__ == "__main__":
    main()
