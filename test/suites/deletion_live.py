#!/usr/bin/python3
"""A deleted client leaves nothing live behind (issue 16), against the
real server with real peers:

  a client "Praxis Weg" with a number block, an employee with a phone
  (baresip, registered), a queue with the employee as its agent (logged
  in), a caller from the trunk waiting in the queue (sipp) while the
  agent's phone rings, a client admin's API token, a user's session and
  an event stream of the client admin; then its deletion on request is
  carried out (POST .../deletion/run).  At once:

  * the waiting caller gets the server's BYE, the agent's ringing phone
    a CANCEL (CALL_CLOSED);
  * the event stream is closed 1008 "token revoked" (not at the next
    ping, 30 s later);
  * the client admin's token and the session are 401;
  * a trunk call to the employee's number, and to the queue's, is 404
    Not Found (the answer to a number nobody has);
  * the ACD engine forgot the agent: a new employee of another client
    that gets the same id (SQLite reuses the highest id) is
    "logged_out", not the deleted agent's "ringing";
  * DELETE /tenants/:id of an empty client closes its stream at once too.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import demo_ids, Suite, Switchboard  # noqa: E402
from peers import Baresip, Sipp, wait_for  # noqa: E402
from ws import WsClient, WsError  # noqa: E402

S = Suite("deletion_live")
FAST = ["--password-hash", "test"]
FIRST, LAST = "+4922199887700", "+4922199887799"
EMP_NUMBER = "+4922199887701"
QUEUE_NUMBER = "+4922199887702"
DEV_USER, DEV_PW = "weg.20", "praxis-geheim-20"
LOGIN, LOGIN_PW = "chefin@praxis-weg.example", "praxis-secret-77"
INVALID = {"error": "missing or invalid token"}


def created(what, got):
    st, body = got
    S.check(st == 201, f"{what}: 201", f"{st} {body}")
    return body or {}


def setup(sb):
    """Client X with everything live; returns its ids and tokens."""
    x = created("client Praxis Weg", sb.api(
        "POST", "/api/v1/tenants", {"name": "Praxis Weg",
                                    "area_code": "221"}))["id"]
    created("its number block", sb.api(
        "POST", "/api/v1/number_blocks",
        {"tenant_id": x, "first": FIRST, "last": LAST}))
    emp = created("its employee", sb.api(
        "POST", "/api/v1/employees",
        {"tenant_id": x, "first_name": "Wiebke", "last_name": "Weg",
         "extension": "20"}))["id"]
    created("her phone", sb.api(
        "POST", "/api/v1/devices",
        {"tenant_id": x, "employee_id": emp, "username": DEV_USER,
         "password": DEV_PW, "name": "Softphone"}))
    q = created("its queue, her as the agent", sb.api(
        "POST", "/api/v1/queues",
        {"tenant_id": x, "name": "Anmeldung", "strategy": "ring_all",
         "ring_timeout": 60, "announce_every": 0, "say_position": False,
         "say_wait": False, "members": [{"employee_id": emp}]}))["id"]
    created("a number to her", sb.api(
        "POST", "/api/v1/numbers",
        {"tenant_id": x, "e164": EMP_NUMBER, "target_type": "employee",
         "target_id": emp}))
    created("a number to the queue", sb.api(
        "POST", "/api/v1/numbers",
        {"tenant_id": x, "e164": QUEUE_NUMBER, "target_type": "queue",
         "target_id": q}))
    ca = created("a client admin token", sb.api(
        "POST", "/api/v1/tokens",
        {"role": "client_admin", "tenant_id": x, "name": "Chefin"}))
    created("a user", sb.api(
        "POST", "/api/v1/users",
        {"login": LOGIN, "password": LOGIN_PW, "role": "client_admin",
         "tenant_id": x}))
    sess = created("her session", sb.api(
        "POST", "/api/v1/sessions", {"login": LOGIN, "password": LOGIN_PW},
        token=None))
    return {"x": x, "emp": emp, "queue": q, "ca": ca.get("token"),
            "session": sess.get("token")}


def agent_state(sb, emp):
    st, a = sb.api("GET", f"/api/v1/agents/{emp}")
    return st, (a or {}).get("state")


def stream_closed(ws, timeout):
    """The close (code, reason) the server sent within timeout, or None;
    events before it are read and dropped."""
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            ws.message(max(0.01, deadline - time.time()))
    except WsError:
        return ws.closed
    except OSError:
        return None
    return None


def test_live(sb, env):
    srv = ("127.0.0.1", sb.sip_port)
    x, emp = env["x"], env["emp"]
    ph = Baresip(DEV_USER, DEV_PW, server=srv, auto_answer=False)
    ws = WsClient(sb.http_port, token=env["ca"])
    caller = None
    try:
        ph.start()
        S.check(ph.wait_registered(10), "her phone registers")
        st, _ = sb.api("POST", f"/api/v1/agents/{emp}/state",
                       {"action": "login"})
        S.check(st == 200 and agent_state(sb, emp) == (200, "available"),
                "she logs in as the queue's agent", f"{st}")
        S.check(ws.connect() == 101, "the client admin's event stream: 101")
        m = ph.mark()
        caller = Sipp("uac_queue_wait", remote=srv,
                      local_port=sb.trunk_port, service=QUEUE_NUMBER,
                      keys={"caller": "+4930777888"}, timeout_s=90,
                      recv_timeout_ms=60000).start()
        S.check(ph.wait_event("CALL_INCOMING", 15, since=m) is not None,
                "a trunk caller waits in the queue; her phone rings")
        S.check(agent_state(sb, emp) == (200, "ringing"),
                "the agent is ringing", str(agent_state(sb, emp)))

        st, d = sb.api("POST", f"/api/v1/tenants/{x}/deletion", {})
        S.check(st == 201 and d.get("state") == "requested",
                "the client asks to be deleted", f"{st} {d}")
        m = ph.mark()
        t0 = time.time()
        st, r = sb.api("POST", f"/api/v1/tenants/{x}/deletion/run", {})
        S.check(st == 200 and r.get("state") == "done",
                "the operator carries it out: done", f"{st} {r}")

        closed = stream_closed(ws, 5)
        S.check(closed == (1008, "token revoked") and time.time() - t0 < 5,
                "its event stream is closed at once: 1008 token revoked",
                f"{closed} after {time.time() - t0:.1f} s")
        caller.wait(15)
        S.check(caller.successful == 1,
                "the waiting caller gets the server's BYE at once",
                caller.errors()[-400:])
        S.check(ph.wait_event("CALL_CLOSED", 10, since=m) is not None,
                "her ringing phone is cancelled")
    finally:
        ws.abort()
        if caller:
            caller.stop()
        ph.stop()

    S.error_is("the client admin's token: 401",
               sb.api("GET", "/api/v1/employees", token=env["ca"]),
               401, INVALID["error"])
    S.error_is("the user's session: 401",
               sb.api("GET", f"/api/v1/tenants/{x}", token=env["session"]),
               401, INVALID["error"])
    for what, number in (("her number", EMP_NUMBER),
                         ("the queue's number", QUEUE_NUMBER)):
        r = Sipp("uac_not_found", remote=srv, local_port=sb.trunk_port,
                 service=number, timeout_s=30).run()
        S.check(r.rc == 0 and r.successful == 1,
                f"a trunk call to {what}: 404 Not Found", r.errors()[-400:])
    S.error_is("her agent record: 404", sb.api("GET", f"/api/v1/agents/{emp}"),
               404, f"agent {emp} not found")


def test_agent_forgotten(sb, env):
    """The engine forgot her: the next employee gets her id (SQLite
    reuses the highest) and is a fresh, logged-out agent."""
    tid, _, _ = demo_ids(sb, "Max")
    st, e = sb.api("POST", "/api/v1/employees",
                   {"tenant_id": tid, "first_name": "Neu",
                    "last_name": "Person"})
    S.check(st == 201 and e.get("id") == env["emp"],
            "a new employee of the demo client gets the deleted one's id",
            f"{st} {e} (was {env['emp']})")
    S.check(agent_state(sb, env["emp"]) == (200, "logged_out"),
            "... and is logged out: the deleted agent's state is gone",
            str(agent_state(sb, env["emp"])))


def test_delete_route(sb):
    """DELETE /tenants/:id (an empty client): its token's event stream is
    closed at once too."""
    y = created("an empty client", sb.api(
        "POST", "/api/v1/tenants", {"name": "Leer GmbH"}))["id"]
    tok = created("its client admin token", sb.api(
        "POST", "/api/v1/tokens",
        {"role": "client_admin", "tenant_id": y, "name": "Leer"}))
    ws = WsClient(sb.http_port, token=tok.get("token"))
    try:
        S.check(ws.connect() == 101, "its event stream: 101")
        t0 = time.time()
        st, _ = sb.api("DELETE", f"/api/v1/tenants/{y}")
        S.check(st == 204, "DELETE the client: 204", f"{st}")
        closed = stream_closed(ws, 5)
        S.check(closed == (1008, "token revoked") and time.time() - t0 < 5,
                "its event stream is closed at once: 1008 token revoked",
                f"{closed} after {time.time() - t0:.1f} s")
    finally:
        ws.abort()
    S.error_is("its token: 401",
               sb.api("GET", "/api/v1/employees", token=tok.get("token")),
               401, INVALID["error"])


def main():
    sb = Switchboard(FAST).start()
    try:
        env = setup(sb)
        S.run(test_live, sb, env)
        S.run(test_agent_forgotten, sb, env)
        S.run(test_delete_route, sb)
        S.check(sb.alive(), "the server is alive after the tests")
        S.check("tenant %d gone: 1 queues, 1 agents, 1 event streams" %
                env["x"] in sb.logtext(),
                "the server says what it let go", sb.tail(20))
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
