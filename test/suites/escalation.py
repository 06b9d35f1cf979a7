#!/usr/bin/env python3
"""escalation.py - escalation of urgent call notes (issue 17: "A note
marked urgent that is not acknowledged within a time the client sets is
escalated automatically"), with a real SMTP sink on a free port:

  * the setting: escalate_after in the tenant's note settings (0 = off,
    at most 604800 s; a bad value 422 naming the field)
  * an urgent note for an employee with a substitute, not acknowledged:
    after escalate_after the substitute's mail arrives at the sink (his
    own link), the delivery is the note's, the trail in GET /notes/:id
    says so; the step is taken once
  * an urgent note acknowledged in time: no escalation
  * a note that is not urgent: no escalation
  * an urgent note for an employee without a substitute: the trail says
    "no substitute"
  * escalation off (0): nothing
  * a restart before the note is due: escalated after the restart
Step 2 (the person on call phoned) is test/suites/oncall.py; here
nobody is on call, so after step 1 the trail only gets a row saying so.
"""
import email
import email.policy
import os
import re
import sys
import time
import urllib.request
import json

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from sb import Suite, Switchboard, demo_ids, free_port  # noqa: E402

from smtp_sink import SmtpSink  # noqa: E402

S = Suite("escalation")
V = "/api/v1"
FROM = "notiz@switchboard.example"
AFTER = 2  # escalate_after [s]
BOSS_MAIL = "chef@kunde.example"
SUB_MAIL = "vertretung@kunde.example"
LONE_MAIL = "allein@kunde.example"


class Sink(SmtpSink):
    def mails(self, nid, employee):
        """(recipients, plain text) of the mails of note nid with the
        link of employee."""
        out = []
        for _, rcpt, raw in list(self.msgs):
            m = email.message_from_bytes(raw, policy=email.policy.default)
            plain = m.get_body(("plain",)).get_content()
            if f"/notes/{nid}/open?employee={employee}&" in plain:
                out.append((rcpt, plain))
        return out


sb = None
sink = None
env = {}


def wait_for(cond, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return bool(cond())


def api(method, path, body=None, token="__admin__"):
    return sb.api(method, path, body, token)


def raw(method, url):
    req = urllib.request.Request(url, data=b"" if method == "POST" else None,
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def employee(first, mail, **kw):
    body = {"tenant_id": env["a"], "first_name": first, "last_name": "Esk",
            "email": mail}
    body.update(kw)
    st, r = api("POST", V + "/employees", body)
    S.check(st == 201, f"employee {first}: 201", f"{st} {r}")
    return r["id"]


def setup():
    a, _, mx = demo_ids(sb, "Max")
    env["a"] = a
    env["sub"] = employee("Vera", SUB_MAIL)
    env["boss"] = employee("Carl", BOSS_MAIL, substitute_id=env["sub"])
    env["lone"] = employee("Lena", LONE_MAIL)
    tok = {}
    for name, body in {
            "agent": {"role": "agent", "tenant_id": a, "employee_id": mx},
            "admin": {"role": "client_admin", "tenant_id": a},
            "sub_boss": {"role": "subaccount", "tenant_id": a,
                         "employee_id": env["boss"]}}.items():
        st, r = api("POST", V + "/tokens", dict(body, name=name))
        S.check(st == 201, f"token {name}: 201", f"{st} {r}")
        tok[name] = r["token"]
    env["tok"] = tok


def put_after(v, token=None):
    return api("PUT", f"{V}/tenants/{env['a']}/note_settings",
               {"escalate_after": v}, token or env["tok"]["admin"])


def new_note(emp, urgent=True, concern="Bitte dringend zurückrufen"):
    st, n = api("POST", V + "/notes",
                {"employee_ids": [emp], "caller_name": "Hans Anrufer",
                 "caller_number": "0221 987654", "concern": concern,
                 "urgent": urgent}, env["tok"]["agent"])
    S.check(st == 201, f"an {'urgent ' if urgent else ''}note: 201",
            f"{st} {n}")
    return n if st == 201 else None


def trail(nid, token=None):
    st, r = api("GET", f"{V}/notes/{nid}", token=token or
                env["tok"]["admin"])
    return r.get("escalations") if st == 200 else None


def subst(nid):
    """The number of substitute rows in note nid's trail."""
    return len([e for e in trail(nid) or [] if e["step"] == "substitute"])


def test_settings():
    st, r = api("GET", f"{V}/tenants/{env['a']}/note_settings",
                token=env["tok"]["admin"])
    S.check(st == 200 and r.get("escalate_after") == 0,
            "note settings: escalate_after 0 (off) by default", f"{st} {r}")
    for bad in (-1, 604801):
        S.error_is(f"escalate_after {bad}: 422", put_after(bad), 422,
                   "escalate_after: must be from 0 to 604800 seconds")
    for bad in ("soon", 1.5):
        S.error_is(f"escalate_after {bad!r}: 400", put_after(bad), 400,
                   "escalate_after: must be an integer")
    st, r = put_after(AFTER, env["tok"]["agent"])
    S.check(st == 403, "an agent may not set it: 403", f"{st} {r}")
    st, r = put_after(AFTER)
    S.check(st == 200 and r["escalate_after"] == AFTER and
            r["full_text"] is False,
            f"PUT escalate_after {AFTER}: 200, the rest unchanged",
            f"{st} {r}")


def test_substitute():
    t0 = time.time()
    n = new_note(env["boss"])
    if not n:
        return
    nid = n["id"]
    S.check(n.get("escalations") == [], "a new note: no escalations yet",
            repr(n.get("escalations")))
    ok = wait_for(lambda: sink.mails(nid, env["boss"]), 10)
    S.check(ok, "the employee's own mail arrives")
    time.sleep(max(0, AFTER - 0.8 - (time.time() - t0)))
    S.check(trail(nid) == [] and not sink.mails(nid, env["sub"]),
            "before escalate_after: not escalated", repr(trail(nid)))
    ok = wait_for(lambda: sink.mails(nid, env["sub"]), AFTER + 10)
    took = time.time() - t0
    S.check(ok and AFTER - 0.5 <= took <= AFTER + 4,
            "after escalate_after the substitute's mail arrives "
            f"({took:.1f} s)")
    ms = sink.mails(nid, env["sub"])
    S.check(len(ms) == 1 and ms[0][0] == [SUB_MAIL] and
            "Bitte dringend zurückrufen" in ms[0][1],
            "to the substitute only, the whole note with his own link",
            repr(ms))
    t = [e for e in trail(nid) or [] if e["step"] == "substitute"]
    S.check(len(t) == 1 and
            {k: t[0].get(k) for k in ("step", "employee_id", "outcome",
                                      "detail")} ==
            {"step": "substitute", "employee_id": env["sub"],
             "outcome": "delivered",
             "detail": f"substitute of employee {env['boss']}"} and
            t[0].get("at"), "the trail: substitute, delivered", repr(t))
    st, d = api("GET", f"{V}/notes/{nid}/deliveries",
                token=env["tok"]["admin"])
    subd = [x for x in d if x["employee_id"] == env["sub"]] \
        if st == 200 else []
    S.check(len(subd) == 1 and subd[0]["channel"] == "mail" and
            wait_for(lambda: [x for x in api(
                "GET", f"{V}/notes/{nid}/deliveries")[1]
                if x["employee_id"] == env["sub"] and
                x["state"] == "sent"], 10),
            "the substitute's mail is one of the note's deliveries, sent",
            repr(d))
    st, r = api("GET", f"{V}/notes/{nid}", token=env["tok"]["sub_boss"])
    S.check(st == 200 and len(r.get("escalations", [])) == 1,
            "the employee's subaccount sees the trail too", f"{st}")
    time.sleep(AFTER + 1.5)
    S.check(subst(nid) == 1 and len(sink.mails(nid, env["sub"])) == 1,
            "the step is taken once: no second mail, one substitute row",
            repr(trail(nid)))
    S.check([(e["step"], e["employee_id"], e["outcome"])
             for e in trail(nid)][1:] ==
            [("oncall", None, "no one on call")],
            "step 2 a step later: nobody on call, the trail says so",
            repr(trail(nid)))
    # the substitute's own link opens and acknowledges the note
    m = re.search(r"(http://\S+/notes/\d+/open\?\S+)", ms[0][1]) \
        if ms else None
    st, r = raw("GET", m.group(1)) if m else (0, None)
    S.check(st == 200 and r.get("id") == nid,
            "the substitute's link opens the note: 200", f"{st} {r}")
    st, r = raw("POST", m.group(1).replace("/open?", "/ack?")) if m \
        else (0, None)
    S.check(st == 200 and r.get("acknowledged_at"),
            "the substitute acknowledges it by his link: 200", f"{st} {r}")
    st, r = api("GET", f"{V}/notes/{nid}")
    reads = {x["employee_id"]: x for x in r.get("reads", [])} \
        if st == 200 else {}
    S.check(reads.get(env["sub"], {}).get("acknowledged_at"),
            "the note's reads show the substitute's acknowledgement",
            f"{st} {r.get('reads') if st == 200 else r}")
    env["escalated"] = nid


def test_acknowledged():
    n = new_note(env["boss"])
    if not n:
        return
    nid = n["id"]
    ok = wait_for(lambda: sink.mails(nid, env["boss"]), 10)
    m = re.search(r"(http://\S+/notes/\d+/open\?\S+)",
                  sink.mails(nid, env["boss"])[0][1]) if ok else None
    S.check(m is not None, "the employee's link in his mail")
    if not m:
        return
    st, r = raw("POST", m.group(1).replace("/open?", "/ack?"))
    S.check(st == 200 and r.get("acknowledged_at"),
            "acknowledged by the link: 200", f"{st} {r}")
    time.sleep(AFTER + 2)
    S.check(trail(nid) == [] and not sink.mails(nid, env["sub"]),
            "an acknowledged note is not escalated", repr(trail(nid)))


def test_not_urgent():
    n = new_note(env["boss"], urgent=False)
    if not n:
        return
    time.sleep(AFTER + 2)
    S.check(trail(n["id"]) == [] and not sink.mails(n["id"], env["sub"]),
            "a note that is not urgent is never escalated",
            repr(trail(n["id"])))


def test_no_substitute():
    n = new_note(env["lone"])
    if not n:
        return
    ok = wait_for(lambda: trail(n["id"]), AFTER + 5)
    t = [e for e in trail(n["id"]) or [] if e["step"] == "substitute"]
    S.check(ok and len(t) == 1 and
            t[0]["employee_id"] is None and
            t[0]["outcome"] == "no substitute",
            "without a substitute the trail says so", repr(t))


def test_off():
    st, r = put_after(0)
    S.check(st == 200 and r["escalate_after"] == 0, "escalation off: 200",
            f"{st} {r}")
    n = new_note(env["boss"])
    if not n:
        return
    time.sleep(AFTER + 2)
    S.check(trail(n["id"]) == [] and not sink.mails(n["id"], env["sub"]),
            "escalation off: the urgent note is not escalated",
            repr(trail(n["id"])))


def test_restart():
    st, r = put_after(4)
    S.check(st == 200, "escalate_after 4: 200", f"{st} {r}")
    n = new_note(env["boss"])
    if not n:
        return
    code = sb.stop()
    S.check(code == 0, "the server stops before the note is due",
            f"exit {code}\n{sb.tail(30)}")
    sb.start()
    ok = wait_for(lambda: sink.mails(n["id"], env["sub"]), 15)
    t = trail(n["id"]) or []
    S.check(ok and subst(n["id"]) == 1 and t[0]["outcome"] == "delivered",
            "after the restart the note is escalated (state in the store)",
            repr(t))


def main():
    global sb, sink
    import socket
    sink = Sink(free_port(socket.SOCK_STREAM))
    sink.start()
    try:
        sb = Switchboard(extra_args=[
            "--smtp-url", f"smtp://127.0.0.1:{sink.port}",
            "--smtp-from", FROM,
            "--outbox-retry-base", "1", "--outbox-retry-max", "2"])
        sb.start()
        S.run(setup)
        S.run(test_settings)
        S.run(test_substitute)
        S.run(test_acknowledged)
        S.run(test_not_urgent)
        S.run(test_no_substitute)
        S.run(test_off)
        S.run(test_restart)
        code = sb.stop()
        S.check(code == 0, "the server stops cleanly (no leaks)",
                f"exit {code}\n{sb.tail(30)}")
    finally:
        if sb:
            sb.cleanup()
        sink.stop()
    S.finish()


if __name__ == "__main__":
    main()
