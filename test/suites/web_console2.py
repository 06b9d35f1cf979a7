#!/usr/bin/python3
"""The agent console's call actions and the assistants' softphone in a
real browser (issue 19, H2, G1, G2): headless Debian Chromium driven by
playwright-core (test/web/console2.mjs) against the sanitizer build, with
real peers: Erika's and Max's desk phones (baresip), a sipp caller from
the trunk, a sipp carrier (uas_answer) for the softphone's call out.

The suite pauses Erika (logged in, so the caller waits), places a caller
into the queue and adds a callback request; then the page, each its own
ok/FAIL line, and after each action the suite checks the server's state:

  * at page load the console lists both waiting (GET /queues/:id/waiting:
    the caller's number, "Rückruf an ..."), and the callback in its list;
    "Übernehmen" takes it: GET /callbacks/:id is "calling" with Erika as
    agent and her desk phone rings (the suite cancels it then);
  * Alt+A: available, the caller is offered: the pop says "answer on your
    phone"; the suite answers on the desk phone; a typed note survives a
    reload (sessionStorage; nothing of the caller in localStorage);
  * Alt+H holds: GET /calls/:id "on_hold": true; resume: false;
  * a consultation to Max (Alt+T, the escalating chain): the page shows
    "Mitarbeiter Max Mustermann: klingelt", Max answers ("angenommen"),
    he declines with a message the agent types: the call's consults have
    the step employee, Max, "declined" with that message; the page says
    to take a note;
  * a blind transfer to Max (Alt+B): Max answers, the call's callee leg
    is his phone, Erika's phone is hung up; Max hangs up: the caller got
    its BYE;
  * a second caller, answered on the desk phone: Alt+X hangs up from
    the console: the record answered, ended by the callee (the agent),
    the caller got its BYE;
  * the softphone (/phone): the task Erika assists, Switzerland refused
    with the server's 403 "individual offer"; Germany 030 123456 typed
    with its 0: dialled +4930123456, Erika's phone rings first and
    answers, the carrier gets the INVITE From and P-Asserted-Identity
    Erika's individual number (seeds/000: the service's number or the
    assistant's own, never the client's); "Auflegen" hangs up: the record ended by the
    caller (Erika), answered.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, ROOT, Suite, Switchboard, demo_ids  # noqa: E402
from browser import WEB, report, require_front_end, start_script  # noqa: E402
from peers import Baresip, Sipp  # noqa: E402

S = Suite("web_console2")
V = "/api/v1"
SCRIPT = os.path.join(ROOT, "test", "web", "console2.mjs")
NUMBER = "+4922182829981"
QUEUE = "Zentrale"
CALLER = "+4930111222"
CALLER2 = "+4930333444"
CB_NUMBER = "+492215550123"
AGENT = ("erika.aktionen", "agent-pw-5678")
CENTRAL = "+4930555000100"
# what Erika's calls show: the individual number she was given (demo:
# personal number shown), never the task's client's central number
SHOWN = "+4922182829902"
DIALLED = "+4930123456"
MESSAGE = "Bitte Rückruf nach 15 Uhr"


def setup(sb):
    tid, _, erika = demo_ids(sb, "Erika")
    _, _, mx = demo_ids(sb, "Max")
    st, q = sb.api("POST", V + "/queues",
                   {"tenant_id": tid, "name": QUEUE, "ring_timeout": 60,
                    "wrapup": 0, "announce_every": 0, "say_position": False,
                    "say_wait": False, "members": [{"employee_id": erika}]})
    S.check(st == 201, "a queue with Erika: 201", f"{st} {q}")
    st, n = sb.api("POST", V + "/numbers",
                   {"tenant_id": tid, "e164": NUMBER, "target_type": "queue",
                    "target_id": q.get("id")})
    S.check(st == 201, "its number: 201", f"{st} {n}")
    st, u = sb.api("POST", V + "/users",
                   {"login": AGENT[0], "password": AGENT[1],
                    "role": "agent", "tenant_id": tid, "employee_id": erika})
    S.check(st == 201, "a login of role agent for Erika: 201", f"{st} {u}")
    st, c = sb.api("POST", V + "/tenants",
                   {"name": "Kunde GmbH", "country_code": "49",
                    "area_code": "30", "central_number": CENTRAL})
    S.check(st == 201, "a client with its central number: 201", f"{st} {c}")
    st, task = sb.api("POST", V + "/tasks",
                      {"tenant_id": c.get("id"), "area": "backoffice_eu",
                       "name": "Bestellungen"})
    st2, _ = sb.api("PUT", f"{V}/tasks/{task.get('id')}/assistants",
                    {"employee_ids": [erika]})
    st3, other = sb.api("POST", V + "/tasks",
                        {"tenant_id": c.get("id"), "area": "sales_de",
                         "name": "Akquise"})
    S.check(st == 201 and st2 == 200 and st3 == 201,
            "two tasks of the client, Erika the assistant of one",
            f"{st} {st2} {st3}")
    return {"tid": tid, "erika": erika, "max": mx, "queue": q.get("id"),
            "task": task.get("id"), "other_task": other.get("id")}


def api_checks(sb, t):
    """The new routes' refusals, with an agent token of Erika."""
    st, tok = sb.api("POST", V + "/tokens",
                     {"role": "agent", "tenant_id": t["tid"],
                      "employee_id": t["erika"], "name": "erika"})
    S.check(st == 201, "an agent token for Erika", f"{st} {tok}")
    a = tok.get("token")
    S.error_is("an agent calls only from itself: 403",
               sb.api("POST", V + "/calls",
                      {"from": {"type": "employee", "id": t["max"]},
                       "to": DIALLED, "task_id": t["task"]}, token=a),
               403, "from.id: role agent may only call from itself")
    S.error_is("an agent's call needs a task: 422",
               sb.api("POST", V + "/calls",
                      {"from": {"type": "employee", "id": t["erika"]},
                       "to": DIALLED}, token=a),
               422, "task_id: is required for role agent")
    S.error_is("a task Erika does not assist: 422 does not exist",
               sb.api("POST", V + "/calls",
                      {"from": {"type": "employee", "id": t["erika"]},
                       "to": DIALLED, "task_id": t["other_task"]}, token=a),
               422, f"task_id: task {t['other_task']} does not exist")
    st, lst = sb.api("GET", V + "/tasks", token=a)
    S.check(st == 200 and [x["id"] for x in lst] == [t["task"]],
            "GET /tasks as Erika: only the task she assists", f"{st} {lst}")
    S.error_is("hold of a call that does not exist: 404",
               sb.api("POST", V + "/calls/999999/hold", {}, token=a),
               404, "call 999999 not found")
    st, w = sb.api("GET", f"{V}/queues/{t['queue']}/waiting", token=a)
    S.check(st == 200 and w == [], "nobody waits yet: []", f"{st} {w}")
    st, mq = sb.api("POST", V + "/queues",
                    {"tenant_id": t["tid"], "name": "Nur Max",
                     "members": [{"employee_id": t["max"]}]})
    S.error_is("a queue Erika does not serve: 403",
               sb.api("GET", f"{V}/queues/{mq.get('id')}/waiting",
                      token=a),
               403, f"queue {mq.get('id')} is not served by you")
    st, mt = sb.api("POST", V + "/tokens",
                    {"role": "agent", "tenant_id": t["tid"],
                     "employee_id": t["max"], "name": "max"})
    t["max_token"] = mt.get("token")
    return a


class Browser:
    def __init__(self, sb):
        self.proc, self.err = start_script(SCRIPT, {
            "SB_URL": f"http://127.0.0.1:{sb.http_port}",
            "SB_AGENT": ":".join(AGENT), "SB_QUEUE": QUEUE,
            "SB_CALLER": CALLER, "SB_CB": CB_NUMBER,
            "SB_MESSAGE": MESSAGE, "SB_CENTRAL": SHOWN,
            "SB_DIALLED": DIALLED}, stdin=True)

    def say(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()


def poll(f, timeout=10):
    deadline = time.time() + timeout
    v = f()
    while not v and time.time() < deadline:
        time.sleep(0.2)
        v = f()
    return v


def browser(sb, t, erika, mx):
    st, _ = sb.api("POST", f"{V}/agents/{t['erika']}/state",
                   {"action": "login"})
    st2, _ = sb.api("POST", f"{V}/agents/{t['erika']}/state",
                    {"action": "pause", "reason": "Rückrufe"})
    S.check(st == 200 and st2 == 200, "Erika logged in and paused")
    caller = Sipp("uac_queue_wait", remote=("127.0.0.1", sb.sip_port),
                  local_port=sb.trunk_port, service=NUMBER,
                  keys={"caller": CALLER}, timeout_s=150,
                  recv_timeout_ms=120000).start()
    st, cb = sb.api("POST", V + "/callbacks",
                    {"queue_id": t["queue"], "number": "0221 5550123"})
    S.check(st == 201 and cb["number"] == CB_NUMBER,
            "a callback request waits: 201", f"{st} {cb}")
    w = poll(lambda: len(sb.api("GET", f"{V}/queues/{t['queue']}/waiting")
                         [1] or []) == 2)
    st, lst = sb.api("GET", f"{V}/queues/{t['queue']}/waiting")
    S.check(w and [x.get("number") for x in lst] == [CB_NUMBER, CALLER] and
            lst[0]["callback_id"] == cb["id"] and lst[1]["position"] == 2
            and lst[1]["record_id"] and lst[1]["client"]["id"] == t["tid"],
            "GET /queues/:id/waiting: the callback first (a returning "
            "caller's priority), then the caller", f"{st} {lst}")
    b = Browser(sb)
    checks = 0
    state = {"rec": None, "uas": None, "mark": 0, "mmark": 0,
             "caller2": None}

    def on_message(msg):
        ready = msg.get("ready")
        if ready == "cb-taken":
            m = erika.mark()
            ok = poll(lambda: sb.api("GET", f"{V}/callbacks/{cb['id']}")[1]
                      .get("state") == "calling")
            _, c = sb.api("GET", f"{V}/callbacks/{cb['id']}")
            S.check(ok and c["attempts"] == 0,
                    "the callback taken from the page: calling (her phone "
                    "rings first, no attempt yet)", str(c))
            S.check(erika.wait_event("CALL_INCOMING", 10) is not None,
                    "Erika's desk phone rings for it")
            st, x = sb.api("POST", f"{V}/callbacks/{cb['id']}/cancel", {})
            S.check(st == 200 and x["state"] == "cancelled",
                    "the suite cancels it: her phone stops",
                    f"{st} {x}")
            erika.wait_event("CALL_CLOSED", 10, since=m)
            state["mark"] = erika.mark()
            b.say("ok")
        elif ready == "popped":
            state["rec"] = msg.get("record_id")
            inc = erika.wait_event("CALL_INCOMING", 10, since=state["mark"])
            S.check(inc is not None, "the desk phone rings with the pop")
            erika.accept()
            ok = erika.wait_event("CALL_ESTABLISHED", 10,
                                  since=state["mark"]) is not None
            S.check(ok, "Erika answers on her desk phone")
            b.say("answered")
        elif ready in ("held", "resumed"):
            _, c = sb.api("GET", f"{V}/calls/{state['rec']}")
            want = ready == "held"
            S.check(c.get("on_hold") is want and not c.get("ended_at"),
                    f"GET /calls/:id after {ready}: on_hold {want}",
                    str(c))
            if want:
                S.error_is("Max (an agent not on the call) may not take "
                           "it back: 403",
                           sb.api("POST", f"{V}/calls/{state['rec']}/resume",
                                  {}, token=t["max_token"]),
                           403, f"call {state['rec']} is not yours")
                S.error_is("a body with an unknown key: 422",
                           sb.api("POST", f"{V}/calls/{state['rec']}/hold",
                                  {"x": 1}),
                           422, "body.x: unknown field")
            b.say("ok")
        elif ready == "consulting":
            state["mmark"] = mx.mark()
            S.check(mx.wait_event("CALL_INCOMING", 15) is not None,
                    "Max's desk phone rings for the consultation")
            mx.accept()
            S.check(mx.wait_event("CALL_ESTABLISHED", 10,
                                  since=state["mmark"]) is not None,
                    "Max answers the consultation")
            b.say("ok")
        elif ready == "declined":
            _, c = sb.api("GET", f"{V}/calls/{state['rec']}")
            cons = c.get("consults") or []
            S.check(len(cons) == 1 and cons[0]["step"] == "employee" and
                    cons[0]["employee_id"] == t["max"] and
                    cons[0]["outcome"] == "declined" and
                    cons[0]["message"] == MESSAGE,
                    "the call's consult: Max, declined with the typed "
                    "message", str(cons))
            mx.wait_event("CALL_CLOSED", 10, since=state["mmark"])
            state["mmark"] = mx.mark()
            b.say("ok")
        elif ready == "blind":
            m = state["mmark"]
            S.check(mx.wait_event("CALL_INCOMING", 15, since=m) is not None,
                    "the blind transfer rings Max")
            mx.accept()
            ok = poll(lambda: sb.api("GET", f"{V}/calls/{state['rec']}")[1]
                      .get("callee_leg") == "device:1001")
            S.check(ok and erika.wait_event("CALL_CLOSED", 10,
                                            since=state["mark"]) is not None,
                    "Max took the call: its callee leg is his phone, "
                    "Erika's phone hung up")
            time.sleep(0.5)
            mx.hangup()
            caller.wait(30)
            S.check(caller.successful == 1,
                    "the sipp caller: answered, BYE after Max hung up",
                    f"rc {caller.rc}")
            b.say("ok")
        elif ready == "closed1":
            # the page closed the first call's pop: the second caller now
            # (before, a busy page could close the second call's pop)
            state["mark"] = erika.mark()
            state["caller2"] = Sipp("uac_queue_wait",
                                    remote=("127.0.0.1", sb.sip_port),
                                    local_port=sb.trunk_port, service=NUMBER,
                                    keys={"caller": CALLER2}, timeout_s=90,
                                    recv_timeout_ms=60000).start()
            b.say("ok")
        elif ready == "popped2":
            state["rec"] = msg.get("record_id")
            S.check(erika.wait_event("CALL_INCOMING", 15, since=state["mark"])
                    is not None, "the second caller rings Erika's phone")
            erika.accept()
            S.check(erika.wait_event("CALL_ESTABLISHED", 10,
                                     since=state["mark"]) is not None,
                    "Erika answers the second caller")
            b.say("ok")
        elif ready == "hungup2":
            c = poll(lambda: (lambda x: x if x.get("ended_at") else None)(
                sb.api("GET", f"{V}/calls/{state['rec']}")[1]))
            S.check(c and c["disposition"] == "answered" and
                    c["ended_by"] == "callee" and c["answered_at"] and
                    "on_hold" not in c,
                    "Alt+X hung up the queue call: answered, ended by the "
                    "callee (the agent)", str(c))
            c2 = state["caller2"]
            c2.wait(30)
            S.check(c2.successful == 1, "the second caller got its BYE",
                    f"rc {c2.rc}")
            c2.cleanup()
            state["caller2"] = None
            state["uas"] = Sipp("uas_answer", local_port=sb.trunk_port,
                                calls=1, timeout_s=90,
                                recv_timeout_ms=0).start()
            time.sleep(0.5)
            state["mark"] = erika.mark()
            b.say("ok")
        elif ready == "dialled":
            S.check(erika.wait_event("CALL_INCOMING", 10, since=state["mark"])
                    is not None,
                    "the softphone's call rings Erika's phone first")
            erika.accept()
            b.say("ok")
        elif ready == "hungup":
            rid = msg.get("record_id")
            c = poll(lambda: (sb.api("GET", f"{V}/calls/{rid}")[1]
                              if sb.api("GET", f"{V}/calls/{rid}")[1]
                              .get("ended_at") else None))
            S.check(c and c["from_number"] == SHOWN and
                    c["to_number"] == DIALLED and c["answered_at"] and
                    c["disposition"] == "answered" and
                    c["ended_by"] == "caller",
                    "the softphone's call: from Erika's individual number, "
                    "answered, hung up by the assistant", str(c))
            uas = state["uas"]
            lines = [ln for ln in uas.logs().splitlines()
                     if ln.startswith("RURI_USER=")] if uas else []
            S.check(len(lines) == 1 and lines[0].startswith(
                f"RURI_USER={DIALLED} FROM_USER={SHOWN} "
                f"PAI_USER={SHOWN} "),
                "the callee sees Erika's individual number, not the "
                "client's central number (From and P-Asserted-Identity)",
                str(lines))
            b.say("ok")

    try:
        for line in b.proc.stdout:
            checks += report(S, line, on_message)
        rc = b.proc.wait(timeout=240)
    finally:
        if b.proc.poll() is None:
            b.proc.kill()
            b.proc.wait()
        caller.wait(30)
        caller.cleanup()
        if state["caller2"]:
            state["caller2"].wait(30)
            state["caller2"].cleanup()
        if state["uas"]:
            state["uas"].wait(30)
            state["uas"].cleanup()
    S.check(rc == 0 and checks >= 25,
            f"the browser script ended cleanly ({checks} checks)",
            f"rc {rc}: {''.join(b.err)[-800:]}")


def main():
    require_front_end(S)
    sb = Switchboard(["--password-hash", "test", "--web-dir", WEB],
                     rtp_timeout=120).start()
    erika = Baresip("1002", DEMO["devices"]["1002"],
                    server=("127.0.0.1", sb.sip_port), tone=1000,
                    auto_answer=False)
    mx = Baresip("1001", DEMO["devices"]["1001"],
                 server=("127.0.0.1", sb.sip_port), tone=600,
                 auto_answer=False)
    try:
        t = setup(sb)
        erika.start()
        mx.start()
        S.check(erika.wait_registered(10) and mx.wait_registered(10),
                "Erika's and Max's desk phones register")
        S.run(api_checks, sb, t)
        S.run(browser, sb, t, erika, mx)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        erika.stop()
        mx.stop()
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
