#!/usr/bin/python3
"""The web front end in a real browser (issue 19, first slice): headless
Debian Chromium driven by playwright-core (test/web/wallboard.mjs, run with
node) against the sanitizer build serving build/web (--web-dir), with a
real call.

The suite prepares the server: users (an operator, a client admin, a login
to lock), a queue "Hotline" of the demo client with Erika as its member,
logged in and paused ("Mittag", so that a caller waits), and a number
routed to it.  The browser script then, each its own ok/FAIL line here:

  * the login page in German by default; a wrong password shows the German
    error; a login locked after five wrong passwords shows the wait from
    Retry-After (15 minutes);
  * the operator's login lands on the wallboard: the queue with 0 waiting,
    Erika under "Pause (Mittag)", the stream live; the session is an
    HttpOnly cookie the page's scripts cannot read;
  * a sipp caller from the carrier calls the queue's number (this suite
    places it when the script says it is ready): the waiting count goes to
    1 without a reload, the longest wait counts; the caller hangs up after
    8 s: 0 again, abandoned 1, service level 0 %, longest wait today ~8 s;
  * English: the texts switch, numbers follow (0%), kept across a reload;
    no untranslated key on any page in either language;
  * logout clears the cookie; the client admin's login shows no wallboard,
    /wallboard typed in says it is the operator's, the API answers 403 for
    the operator's data, and a change without the CSRF token is 403;
  * screenshots of every screen in build/screenshots/ (not committed).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import ROOT, Suite, Switchboard, demo_ids  # noqa: E402
from browser import WEB, require_front_end, run_script  # noqa: E402
from peers import Sipp  # noqa: E402

S = Suite("web_wallboard")
SCRIPT = os.path.join(ROOT, "test", "web", "wallboard.mjs")
NUMBER = "+4922182829963"
QUEUE = "Hotline"
USERS = {"op.wallboard": ("operator", "operator-pw-1"),
         "chef.wallboard": ("client_admin", "client-pw-12"),
         "gesperrt.wallboard": ("client_admin", "locked-pw-123")}
WAIT_MS = 8000  # the caller waits this long, then hangs up


def setup(sb):
    tid, _, erika = demo_ids(sb, "Erika")
    for login, (role, pw) in USERS.items():
        st, u = sb.api("POST", "/api/v1/users",
                       {"login": login, "password": pw, "role": role,
                        "tenant_id": None if role == "operator" else tid})
        S.check(st == 201, f"user {login} ({role}): 201", f"{st} {u}")
    st, q = sb.api("POST", "/api/v1/queues",
                   {"tenant_id": tid, "name": QUEUE, "ring_timeout": 5,
                    "members": [{"employee_id": erika}]})
    S.check(st == 201, "queue Hotline with Erika: 201", f"{st} {q}")
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": NUMBER, "target_type": "queue",
                    "target_id": q["id"]})
    S.check(st == 201, "a number routed to the queue: 201", f"{st} {n}")
    for action, body in (("login", {}), ("pause", {"reason": "Mittag"})):
        st, a = sb.api("POST", f"/api/v1/agents/{erika}/state",
                       dict(body, action=action))
        S.check(st == 200, f"Erika: {action}: 200", f"{st} {a}")
    st, a = sb.api("GET", f"/api/v1/agents/{erika}")
    S.check(st == 200 and a["state"] == "paused" and a["reason"] == "Mittag",
            "Erika is paused (Mittag): a caller waits", str(a))


def browser(sb):
    callers = []

    def on_message(msg):
        if msg.get("ready") == "call":
            callers.append(Sipp("uac_queue_abandon",
                                remote=("127.0.0.1", sb.sip_port),
                                local_port=sb.trunk_port, service=NUMBER,
                                keys={"caller": "+49301000009"},
                                duration_ms=WAIT_MS, timeout_s=60,
                                recv_timeout_ms=30000).start())

    try:
        run_script(S, SCRIPT, {
            "SB_URL": f"http://127.0.0.1:{sb.http_port}", "SB_QUEUE": QUEUE,
            "SB_OP": "op.wallboard:" + USERS["op.wallboard"][1],
            "SB_CA": "chef.wallboard:" + USERS["chef.wallboard"][1],
            "SB_LOCKED": "gesperrt.wallboard:" +
            USERS["gesperrt.wallboard"][1]}, on_message)
    finally:
        for c in callers:
            c.wait(60)
    caller = callers[0] if callers else None
    if caller:
        S.check(caller.successful == 1,
                "the sipp caller's call went through (waited, hung up)",
                f"rc {caller.rc}")
        caller.cleanup()


def main():
    require_front_end(S)
    # callers send no media: the RTP timeout outlasts the wait
    sb = Switchboard(["--password-hash", "test", "--web-dir", WEB],
                     rtp_timeout=120).start()
    try:
        setup(sb)
        S.run(browser, sb)
        st, calls = sb.api("GET", "/api/v1/calls?limit=5")
        c = [x for x in calls or [] if x["to_number"] == NUMBER]
        S.check(st == 200 and len(c) == 1 and c[0]["ended_at"],
                "one call to the queue's number, ended", str(c[:1]))
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
