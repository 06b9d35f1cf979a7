#!/usr/bin/python3
"""Password logins, sessions and lock-out (issue 16) against the real
server, with short configured times instead of sleeping for minutes.

  * Users (operator only): one of each role created; every bad field a
    422 naming it (login rule, taken in another case, password shorter
    than 10, role, tenant/employee the role needs or must not have); the
    password and its hash are never in an answer; the stored hash is an
    $argon2id$ string; an agent's token may not touch users (403).
  * Login: each role gets 201 with a token that works for its role; a
    wrong password and an unknown login get the same 401 answer; the
    login name is case-insensitive; no token needed for the login.
  * Lock-out (--login-max-failures 3, --login-lockout 2): the third wrong
    password locks, then 429 with Retry-After even for the right one;
    after 2 s the right one works; a success resets the counter.
  * Sessions: GET lists the own ones (the operator's: all), logout ends
    the session at once (401), a new password ends the user's other
    sessions, disabling ends all and the user cannot log in (403),
    deleting another user's session: 404 for a non-operator.
  * Expiry (--session-lifetime 4, --session-idle 2): idle 2 s -> 401,
    used every second it lives 4 s and then 401.
  * Per address (--login-ip-max-failures 4): the 4th failure blocks the
    address, 429 for any login, until --login-lockout passes.
  * Production cost (--password-hash interactive): the hash is
    $argon2id$v=19$m=65536,t=2,p=1$...; an unknown login takes about as
    long as a wrong password.
  * Never a password in the server log.
"""
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import demo_ids, Suite, Switchboard  # noqa: E402

S = Suite("logins")

PW = {  # login -> password; none of them may show up in the log
    "op@answering.example": "operator-secret-1",
    "Agent.Max": "agent-secret-22",
    "chef@mustermann.example": "client-admin-333",
    "erika.sub": "subaccount-4444",
}
NEW_PW = "a-brand-new-password-5"
WRONG = "wrong-password-666"
FAST = ["--password-hash", "test"]


def login(sb, name, pw):
    return sb.api("POST", "/api/v1/sessions", {"login": name,
                                               "password": pw}, token=None)


def db_rows(sb, sql, args=()):
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def test_users(sb, tid, max_id, erika, t2):
    """Creates one user of each role; returns {login: user id}."""
    post = lambda b: sb.api("POST", "/api/v1/users", b)  # noqa: E731
    ids = {}
    for name, role, tenant, emp in (
            ("op@answering.example", "operator", None, None),
            ("Agent.Max", "agent", tid, max_id),
            ("chef@mustermann.example", "client_admin", tid, None),
            ("erika.sub", "subaccount", tid, erika)):
        st, u = post({"login": name, "password": PW[name], "role": role,
                      "tenant_id": tenant, "employee_id": emp})
        S.check(st == 201 and u.get("login") == name and
                u.get("role") == role and u.get("tenant_id") == tenant and
                u.get("employee_id") == emp and u.get("disabled") is False
                and u.get("failed_logins") == 0 and
                u.get("locked_until") is None and
                sorted(u) == ["created_at", "disabled", "employee_id",
                              "failed_logins", "id", "locked_until",
                              "login", "role", "tenant_id"],
                f"user {name} ({role}): 201, no password or hash shown",
                f"{st} {u}")
        ids[name] = u.get("id")
    good = {"login": "new.user", "password": "long-enough-pw",
            "role": "client_admin", "tenant_id": tid}
    for change, status, msg in (
            ({"login": "AGENT.MAX"}, 409, "login: AGENT.MAX is taken"),
            ({"login": "ab"}, 422,
             "login: must be 3 to 254 of A-Z a-z 0-9 . _ - @ +"),
            ({"login": "with space"}, 422,
             "login: must be 3 to 254 of A-Z a-z 0-9 . _ - @ +"),
            ({"password": "short-pw1"}, 422,
             "password: must be at least 10 characters"),
            ({"role": "admin2"}, 422,
             "role: must be operator, agent, client_admin or subaccount"),
            ({"tenant_id": None}, 422,
             "tenant_id: is required for role client_admin"),
            ({"role": "operator"}, 422,
             "tenant_id: must be null for role operator"),
            ({"role": "agent"}, 422,
             "employee_id: is required for role agent"),
            ({"role": "subaccount", "employee_id": 99999}, 422,
             "employee_id: employee 99999 does not exist"),
            ({"role": "agent", "employee_id": t2["emp"]}, 422,
             "employee_id: employee %d belongs to another tenant"
             % t2["emp"]),
            ({"tenant_id": 99999}, 422,
             "tenant_id: tenant 99999 does not exist"),
            ({"disabled": "no"}, 400, "disabled: must be true or false")):
        S.error_is(f"user with {change}: {status}",
                   post(dict(good, **change)), status, msg)
    for field in ("login", "password", "role"):
        b = dict(good)
        del b[field]
        S.error_is(f"user without {field}: 400", post(b), 400,
                   f"{field}: is required")
    S.error_is("an unknown field: 400", post(dict(good, pass_word="x")),
               400, "pass_word: unknown field")

    st, lst = sb.api("GET", "/api/v1/users")
    S.check(st == 200 and [u["login"] for u in lst] == list(PW) and
            all("password" not in u and "password_hash" not in u
                for u in lst), "GET lists the four users, no password",
            f"{st} {lst}")
    st, lst = sb.api("GET", f"/api/v1/users?tenant_id={tid}")
    S.check(st == 200 and [u["login"] for u in lst] == list(PW)[1:],
            "?tenant_id= lists that client's users", f"{st} {lst}")
    st, u = sb.api("GET", f"/api/v1/users/{ids['Agent.Max']}")
    S.check(st == 200 and u.get("login") == "Agent.Max",
            "GET /users/:id reads one", f"{st} {u}")
    S.error_is("PATCH login: 400 (fixed)",
               sb.api("PATCH", f"/api/v1/users/{ids['Agent.Max']}",
                      {"login": "x.y.z"}), 400,
               "login: cannot be changed")
    S.error_is("PATCH a short password: 422",
               sb.api("PATCH", f"/api/v1/users/{ids['Agent.Max']}",
                      {"password": "short"}), 422,
               "password: must be at least 10 characters")
    S.error_is("GET an unknown user: 404",
               sb.api("GET", "/api/v1/users/99999"), 404,
               "user 99999 not found")

    rows = db_rows(sb, "SELECT login, password_hash FROM users ORDER BY id")
    S.check(len(rows) == 4 and all(h.startswith("$argon2id$v=19$")
                                   for _, h in rows),
            "every stored hash is an $argon2id$ string", str(rows))
    S.check(all(PW[n] not in h for n, h in rows),
            "no stored hash contains its password")
    st, b = post({"login": "tmp.user", "password": "long-enough-pw",
                  "role": "operator"})
    st2, _ = sb.api("DELETE", f"/api/v1/users/{b.get('id')}")
    st3, _ = sb.api("GET", f"/api/v1/users/{b.get('id')}")
    S.check(st == 201 and st2 == 204 and st3 == 404,
            "DELETE a user: 204, then 404", f"{st} {st2} {st3}")
    return ids


def test_login(sb, ids, tid):
    """Each role logs in; returns {login: token}."""
    toks = {}
    for name, pw in PW.items():
        st, s = login(sb, name, pw)
        u = sb.api("GET", f"/api/v1/users/{ids[name]}")[1]
        S.check(st == 201 and len(s.get("token", "")) == 64 and
                s.get("user_id") == ids[name] and
                s.get("role") == u["role"] and
                s.get("tenant_id") == u["tenant_id"] and
                s.get("employee_id") == u["employee_id"] and
                s.get("idle_timeout") == 1800 and
                s.get("expires_at", "").endswith("Z") and
                sorted(s) == ["employee_id", "expires_at", "id",
                              "idle_timeout", "role", "tenant_id", "token",
                              "user_id"],
                f"login {name}: 201 with a session token", f"{st} {s}")
        toks[name] = s.get("token")
    st, s = login(sb, "OP@Answering.EXAMPLE", PW["op@answering.example"])
    S.check(st == 201 and s.get("user_id") == ids["op@answering.example"],
            "the login name is case-insensitive", f"{st} {s}")
    op, agent = toks["op@answering.example"], toks["Agent.Max"]
    chef = toks["chef@mustermann.example"]
    st, b = sb.api("GET", "/api/v1/tenants", token=op)
    S.check(st == 200 and any(t["id"] == tid for t in b),
            "the operator's session reads tenants", f"{st}")
    st, b = sb.api("GET", "/api/v1/agents", token=agent)
    S.check(st == 200, "the agent's session reads agents", f"{st} {b}")
    S.error_is("the agent's session may not create tenants: 403",
               sb.api("POST", "/api/v1/tenants", {"name": "X"},
                      token=agent), 403,
               "role agent may not POST /api/v1/tenants")
    S.error_is("an agent's session may not read users: 403",
               sb.api("GET", "/api/v1/users", token=agent), 403,
               "role agent may not GET /api/v1/users")
    st, b = sb.api("GET", "/api/v1/users", token=op)
    S.check(st == 200 and len(b) == 4, "the operator's session reads users",
            f"{st}")
    st, b = sb.api("GET", "/api/v1/sessions", token=chef)
    S.check(st == 200 and len(b) == 1 and b[0].get("current") is True and
            b[0].get("user_id") == ids["chef@mustermann.example"] and
            "token" not in b[0], "a client_admin lists its own session",
            f"{st} {b}")

    bad = login(sb, "Agent.Max", WRONG)
    unknown = login(sb, "nobody.here", WRONG)
    S.error_is("a wrong password: 401", bad, 401,
               "login or password is wrong")
    S.check(bad == unknown, "an unknown login gets the same answer",
            f"{bad} / {unknown}")
    S.error_is("an empty body: 400 naming login",
               sb.api("POST", "/api/v1/sessions", {}, token=None), 400,
               "login: is required")
    S.error_is("no password: 400",
               sb.api("POST", "/api/v1/sessions", {"login": "Agent.Max"},
                      token=None), 400, "password: is required")
    S.error_is("GET /sessions without a token: 401",
               sb.api("GET", "/api/v1/sessions", token=None), 401,
               "missing or invalid token")
    # the agent's failure above is reset by its next success
    st, _ = login(sb, "Agent.Max", PW["Agent.Max"])
    st2, u = sb.api("GET", f"/api/v1/users/{ids['Agent.Max']}")
    S.check(st == 201 and u.get("failed_logins") == 0,
            "a success resets the failure counter", f"{st} {u}")
    return toks


def test_lockout(sb, ids):
    name, pw = "erika.sub", PW["erika.sub"]
    uid = ids[name]
    for i in (1, 2):
        login(sb, name, WRONG)
    st, u = sb.api("GET", f"/api/v1/users/{uid}")
    S.check(u.get("failed_logins") == 2 and u.get("locked_until") is None,
            "two wrong passwords: counted, not locked", f"{u}")
    st, _ = login(sb, name, pw)
    S.check(st == 201, "the right one still works", f"{st}")
    for i in (1, 2):
        S.error_is(f"after a success, wrong password {i}: 401 again",
                   login(sb, name, WRONG), 401, "login or password is wrong")
    S.error_is("the third wrong password in a row: 401",
               login(sb, name, WRONG), 401, "login or password is wrong")
    st, u = sb.api("GET", f"/api/v1/users/{uid}")
    S.check(u.get("locked_until") is not None, "and it is locked", f"{u}")
    import urllib.request
    req = urllib.request.Request(
        f"http://127.0.0.1:{sb.http_port}/api/v1/sessions",
        data=('{"login":"%s","password":"%s"}' % (name, pw)).encode(),
        method="POST")
    try:
        urllib.request.urlopen(req, timeout=10)
        S.check(False, "locked: the right password gets 429")
    except urllib.error.HTTPError as e:
        body = e.read().decode()
        S.check(e.code == 429 and e.headers.get("Retry-After") == "2" and
                body == '{"error":"login is locked after too many wrong '
                'passwords; try again in 2 s"}',
                "locked: the right password gets 429, Retry-After: 2",
                f"{e.code} {e.headers.get('Retry-After')} {body}")
    time.sleep(2.2)
    st, s = login(sb, name, pw)
    st2, u = sb.api("GET", f"/api/v1/users/{uid}")
    S.check(st == 201 and u.get("locked_until") is None and
            u.get("failed_logins") == 0,
            "after --login-lockout the right password works, lock gone",
            f"{st} {u}")
    # an operator's new password lifts a lock at once
    for i in range(3):
        login(sb, name, WRONG)
    st, u = sb.api("PATCH", f"/api/v1/users/{uid}",
                   {"password": PW[name]})
    st2, _ = login(sb, name, pw)
    S.check(st == 200 and u.get("locked_until") is None and st2 == 201,
            "a password set by the operator lifts the lock", f"{st} {u} {st2}")


def test_sessions(sb, ids, toks):
    name = "Agent.Max"
    uid = ids[name]
    st, a = login(sb, name, PW[name])
    st, b = login(sb, name, PW[name])
    ta, tb = a["token"], b["token"]
    st, lst = sb.api("GET", "/api/v1/sessions", token=ta)
    S.check(st == 200 and all(s["user_id"] == uid for s in lst) and
            [s["current"] for s in lst].count(True) == 1 and
            a["id"] in [s["id"] for s in lst] and
            b["id"] in [s["id"] for s in lst],
            "GET /sessions: the user's own sessions, the current marked",
            f"{st} {lst}")
    st, lst = sb.api("GET", "/api/v1/sessions")
    S.check(st == 200 and {s["user_id"] for s in lst} >= set(ids.values()),
            "the operator lists everybody's sessions", f"{st} {lst}")
    st, lst = sb.api("GET", f"/api/v1/sessions?user_id={uid}")
    S.check(st == 200 and lst and all(s["user_id"] == uid for s in lst),
            "?user_id= one user's sessions", f"{st} {lst}")
    chef = toks["chef@mustermann.example"]
    S.error_is("another user's session: 404 for a non-operator",
               sb.api("DELETE", f"/api/v1/sessions/{a['id']}", token=chef),
               404, f"session {a['id']} not found")
    st, _ = sb.api("DELETE", "/api/v1/sessions/current", token=ta)
    S.check(st == 204, "logout: 204", f"{st}")
    S.error_is("after logout the token gets 401",
               sb.api("GET", "/api/v1/agents", token=ta), 401,
               "missing or invalid token")
    st, _ = sb.api("GET", "/api/v1/agents", token=tb)
    S.check(st == 200, "the other session still works", f"{st}")
    S.error_is("the admin API token cannot log out: 422",
               sb.api("DELETE", "/api/v1/sessions/current"), 422,
               "token: is an API token, not a session; it cannot log out")
    # the operator ends one session
    st, c = login(sb, name, PW[name])
    st, _ = sb.api("DELETE", f"/api/v1/sessions/{c['id']}")
    S.error_is("a session the operator ended: 401",
               sb.api("GET", "/api/v1/agents", token=c["token"]), 401,
               "missing or invalid token")

    # a new password ends the others, but the operator's own stays
    op = toks["op@answering.example"]
    st, u = sb.api("PATCH", f"/api/v1/users/{uid}", {"password": NEW_PW},
                   token=op)
    S.check(st == 200 and "password" not in u, "PATCH password: 200",
            f"{st} {u}")
    S.error_is("a new password ends the user's sessions",
               sb.api("GET", "/api/v1/agents", token=tb), 401,
               "missing or invalid token")
    S.error_is("the old password no longer works",
               login(sb, name, PW[name]), 401, "login or password is wrong")
    st, _ = login(sb, name, NEW_PW)
    S.check(st == 201, "the new one does", f"{st}")
    opid = ids["op@answering.example"]
    st, o2 = login(sb, "op@answering.example", PW["op@answering.example"])
    st, _ = sb.api("PATCH", f"/api/v1/users/{opid}",
                   {"password": NEW_PW + "x"}, token=op)
    st2, _ = sb.api("GET", "/api/v1/users", token=op)
    S.error_is("an own new password ends the own other sessions",
               sb.api("GET", "/api/v1/users", token=o2["token"]), 401,
               "missing or invalid token")
    S.check(st == 200 and st2 == 200,
            "... but not the session that set it", f"{st} {st2}")

    # disabled: sessions end, no login
    st, d = login(sb, name, NEW_PW)
    st, u = sb.api("PATCH", f"/api/v1/users/{uid}", {"disabled": True})
    S.check(st == 200 and u.get("disabled") is True, "PATCH disabled: 200",
            f"{st} {u}")
    S.error_is("disabling ends the user's sessions",
               sb.api("GET", "/api/v1/agents", token=d["token"]), 401,
               "missing or invalid token")
    S.error_is("a disabled user cannot log in: 403",
               login(sb, name, NEW_PW), 403, "login is disabled")
    S.error_is("... and a wrong password is still a plain 401",
               login(sb, name, WRONG), 401, "login or password is wrong")
    st, u = sb.api("PATCH", f"/api/v1/users/{uid}", {"disabled": False})
    st2, _ = login(sb, name, NEW_PW)
    S.check(st == 200 and st2 == 201, "enabled again: logs in",
            f"{st} {st2}")
    # deleting a user ends its sessions
    st, e = login(sb, "chef@mustermann.example",
                  PW["chef@mustermann.example"])
    st, _ = sb.api("DELETE", f"/api/v1/users/{ids['chef@mustermann.example']}")
    S.error_is("a deleted user's sessions end",
               sb.api("GET", "/api/v1/sessions", token=e["token"]), 401,
               "missing or invalid token")


def check_log(sb, extra=()):
    log = sb.logtext()
    leaked = [p for p in list(PW.values()) + [NEW_PW, WRONG] + list(extra)
              if p in log]
    S.check(not leaked and "$argon2id$" not in log,
            "no password and no hash in the server log", str(leaked))
    S.check("http: login erika.sub from 127.0.0.1" in log and
            "locked for 2 s after 3 wrong passwords" in log,
            "a lock-out is logged with login and address")


def main_server():
    sb = Switchboard(FAST + ["--login-max-failures", "3",
                             "--login-lockout", "2",
                             "--login-ip-max-failures", "0",
                             "--log-level", "debug"]).start()
    try:
        tid, _, erika = demo_ids(sb, "Erika")
        _, _, max_id = demo_ids(sb, "Max")
        st, t = sb.api("POST", "/api/v1/tenants", {"name": "Andere GmbH"})
        st, e = sb.api("POST", "/api/v1/employees",
                       {"tenant_id": t["id"], "first_name": "Olga",
                        "last_name": "Other", "email": "olga@x.example"})

        def run_all():
            ids = test_users(sb, tid, max_id, erika, {"emp": e["id"]})
            toks = test_login(sb, ids, tid)
            test_lockout(sb, ids)
            test_sessions(sb, ids, toks)
        S.run(run_all)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        check_log(sb)
        sb.cleanup()


def expiry_server():
    sb = Switchboard(FAST + ["--session-lifetime", "4",
                             "--session-idle", "2",
                             "--login-lockout", "2",
                             "--login-ip-max-failures", "4"]).start()
    try:
        def run_all():
            st, u = sb.api("POST", "/api/v1/users",
                           {"login": "op2", "password": "op2-password",
                            "role": "operator"})
            st, s = login(sb, "op2", "op2-password")
            S.check(st == 201 and s.get("idle_timeout") == 2,
                    "idle_timeout is --session-idle", f"{st} {s}")
            time.sleep(2.3)
            S.error_is("idle longer than --session-idle: 401",
                       sb.api("GET", "/api/v1/tenants", token=s["token"]),
                       401, "session expired after being idle; log in "
                       "again")
            S.error_is("... and it stays ended",
                       sb.api("GET", "/api/v1/tenants", token=s["token"]),
                       401, "missing or invalid token")
            st, s = login(sb, "op2", "op2-password")
            t0 = time.monotonic()
            got = []
            while time.monotonic() - t0 < 2.8:
                time.sleep(0.8)
                got.append(sb.api("GET", "/api/v1/tenants",
                                  token=s["token"])[0])
            S.check(got and set(got) == {200}, "used every 0.8 s the "
                    "session lives past the idle time", str(got))
            time.sleep(max(0.0, 4.3 - (time.monotonic() - t0)))
            S.error_is("after --session-lifetime: 401 however used",
                       sb.api("GET", "/api/v1/tenants", token=s["token"]),
                       401, "session expired; log in again")

            # per address: the 4th failure blocks every login from it
            for i in range(3):
                S.error_is(f"failure {i + 1} from the address: 401",
                           login(sb, f"guess{i}", WRONG), 401,
                           "login or password is wrong")
            S.error_is("failure 4 from the address: 401",
                       login(sb, "op2", WRONG), 401,
                       "login or password is wrong")
            S.error_is("then the address is blocked, even the right "
                       "password: 429",
                       login(sb, "op2", "op2-password"), 429,
                       "too many failed logins from this address; try "
                       "again in 2 s")
            st, u = sb.api("GET", f"/api/v1/users/{u['id']}")
            S.check(u.get("locked_until") is None,
                    "the login itself is not locked (one failure)", f"{u}")
            time.sleep(2.2)
            st, _ = login(sb, "op2", "op2-password")
            S.check(st == 201, "after --login-lockout the address may log "
                    "in again", f"{st}")
        S.run(run_all)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        log = sb.logtext()
        S.check("op2-password" not in log and WRONG not in log,
                "no password in the server log")
        S.check("http: login: address 127.0.0.1 blocked for 2 s after 4 "
                "failed logins" in log, "the address block is logged")
        sb.cleanup()


def interactive_server():
    sb = Switchboard().start()
    try:
        def run_all():
            t0 = time.monotonic()
            st, u = sb.api("POST", "/api/v1/users",
                           {"login": "real.op", "password": "real-op-pass",
                            "role": "operator"})
            t_hash = time.monotonic() - t0
            h = db_rows(sb, "SELECT password_hash FROM users")[0][0]
            S.check(st == 201 and
                    h.startswith("$argon2id$v=19$m=65536,t=2,p=1$"),
                    "the default cost: Argon2id, 64 MiB, 2 passes", h[:40])

            def timed(name, pw):
                t = time.monotonic()
                r = login(sb, name, pw)
                return r, time.monotonic() - t
            wrong, unknown = [], []
            for _ in range(4):  # interleaved: the load of the machine;
                # 4 wrong passwords stay below the lock-out (5)
                wrong.append(timed("real.op", WRONG))
                unknown.append(timed("not.there", WRONG))
            ok, t_ok = timed("real.op", "real-op-pass")
            tw = sum(sorted(t for _, t in wrong)[1:3]) / 2
            tu = sum(sorted(t for _, t in unknown)[1:3]) / 2
            S.check(ok[0] == 201, "the right password logs in", f"{ok}")
            S.check(all(r == wrong[0][0] for r, _ in wrong + unknown),
                    "wrong password and unknown login: the same answer")
            S.check(0.5 < tu / tw < 2.0,
                    "an unknown login takes about as long as a wrong "
                    "password (the middle two of 4)",
                    f"wrong {tw:.3f} s, unknown {tu:.3f} s")
            print(f"info: interactive cost, sanitizer build: hash "
                  f"{t_hash * 1000:.0f} ms, login {t_ok * 1000:.0f} ms, "
                  f"wrong {tw * 1000:.0f} ms, unknown {tu * 1000:.0f} ms")
        S.run(run_all)
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        S.check("real-op-pass" not in sb.logtext(),
                "no password in the server log")
        sb.cleanup()


def raw_login(sb, name, pw):
    """(status, Retry-After header or None, body text) of a login."""
    import urllib.request
    req = urllib.request.Request(
        f"http://127.0.0.1:{sb.http_port}/api/v1/sessions",
        data=json.dumps({"login": name, "password": pw}).encode(),
        method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("Retry-After"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Retry-After"), e.read().decode()


def full_login(sb, name, pw):
    """(status, all response headers sorted, body) of a login on a raw
    connection: what a client sees, byte for byte."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", sb.http_port, timeout=30)
    try:
        c.request("POST", "/api/v1/sessions",
                  json.dumps({"login": name, "password": pw}),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, sorted(r.getheaders()), r.read().decode()
    finally:
        c.close()


def locked_body(secs):
    return ('{"error":"login is locked after too many wrong passwords; '
            f'try again in {secs} s"}}')


def enumeration_server():
    """Unknown logins are counted and locked like existing ones; the
    per-login and per-address counts survive a restart."""
    sb = Switchboard(FAST + ["--login-max-failures", "3",
                             "--login-lockout", "60",
                             "--login-ip-max-failures", "11"]).start()
    try:
        def run_all():
            st, u = sb.api("POST", "/api/v1/users",
                           {"login": "real.user", "password": "real-user-pw",
                            "role": "operator"})
            st2, _ = sb.api("POST", "/api/v1/users",
                            {"login": "other.user",
                             "password": "other-user-pw",
                             "role": "operator"})
            S.check(st == 201 and st2 == 201, "two users made", f"{st} {u}")
            real_full = [full_login(sb, "real.user", WRONG)
                         for _ in range(4)]
            ghost_full = [full_login(sb, "ghost.user", WRONG)
                          for _ in range(4)]
            S.check(ghost_full == real_full,
                    "an unknown and an existing login: the same status "
                    "lines, all headers and bodies, in the same order",
                    f"{ghost_full} / {real_full}")

            def short(r):
                return (r[0], dict(r[1]).get("Retry-After"), r[2])
            real = [short(r) for r in real_full]
            ghost = [short(r) for r in ghost_full]
            wrong = (401, None, '{"error":"login or password is wrong"}')
            S.check(real == [wrong] * 3 + [(429, "60", locked_body(60))],
                    "an existing login: 401 x3 (the third locks), then 429 "
                    "with Retry-After: 60", str(real))
            S.check(ghost == real,
                    "an unknown login: the same statuses, headers and "
                    "bodies in the same order", f"{ghost} / {real}")
            S.check(raw_login(sb, "GHOST.User", WRONG) == real[3],
                    "the unknown login's lock ignores case, as a user's")
            rows = db_rows(sb, "SELECT key, failures FROM login_failures "
                           "ORDER BY key")
            S.check(rows == [("addr:127.0.0.1", 9), ("login:ghost.user", 0)],
                    "the store keeps the unknown login's and the address's "
                    "counts (no password, no hash)", str(rows))

            code = sb.stop()
            S.check(code == 0, "first stop: clean exit", f"exit {code}")
            sb.start()
            after = [raw_login(sb, n, WRONG) for n in ("real.user",
                                                       "ghost.user")]
            S.check(all(st == 429 and ra and 1 <= int(ra) <= 60 and
                        body == locked_body(int(ra))
                        for st, ra, body in after),
                    "after a restart both logins are still locked (429, "
                    "Retry-After)", str(after))
            st, ra, body = raw_login(sb, "other.user", "other-user-pw")
            S.check((st, ra) == (429, "60") and body ==
                    '{"error":"too many failed logins from this address; '
                    'try again in 60 s"}',
                    "the 11th failure of the address blocked it: even a "
                    "right password gets 429", f"{st} {ra} {body}")
            code = sb.stop()
            S.check(code == 0, "second stop: clean exit", f"exit {code}")
            sb.start()
            st, ra, body = raw_login(sb, "other.user", "other-user-pw")
            S.check(st == 429 and body.startswith(
                '{"error":"too many failed logins from this address'),
                "the address block survives a restart too",
                f"{st} {ra} {body}")
        S.run(run_all)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        log = sb.logtext()
        S.check(WRONG not in log and "real-user-pw" not in log,
                "no password in the server log")
        S.check("http: unknown login from 127.0.0.1: locked for 60 s after "
                "3 wrong passwords" in log and "ghost.user" not in log,
                "an unknown login's lock-out is logged without the name")
        sb.cleanup()


def http_raw(port, data, want, timeout=30):
    """Send the bytes data on one connection; read until `want` HTTP
    answers are in (by their status lines) or the peer closes."""
    import socket
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        buf = b""
        while buf.count(b"HTTP/1.1 ") < want or not buf.endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        return buf.decode(errors="replace")
    finally:
        s.close()


def login_request(name, pw):
    body = json.dumps({"login": name, "password": pw})
    return (f"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\n"
            f"Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}").encode()


def concurrency_server():
    """The interactive hash runs on --password-workers threads: the main
    loop answers HTTP and SIP while logins wait for their check; a full
    queue is 503 with Retry-After; a client that leaves, pipelining and a
    stop with work in flight are handled."""
    import threading
    sb = Switchboard(["--password-workers", "1", "--password-queue", "2",
                      "--login-ip-max-failures", "0"]).start()
    try:
        def run_all():
            st, u = sb.api("POST", "/api/v1/users",
                           {"login": "busy.op", "password": "busy-op-pass",
                            "role": "operator"})
            S.check(st == 201, "a user made (its hash on the worker)",
                    f"{st} {u}")
            events, lock = [], threading.Lock()

            def note(what):
                with lock:
                    events.append(what)

            def one(i, name, pw):
                r = raw_login(sb, name, pw)
                note(("login", i, r))
            # 3 at once: one hashing, two waiting (--password-queue 2)
            logins = [("busy.op", "busy-op-pass"), ("busy.op", WRONG),
                      ("nobody.known", WRONG)]
            ts = [threading.Thread(target=one, args=(i, n, p))
                  for i, (n, p) in enumerate(logins)]
            for t in ts:
                t.start()
            time.sleep(0.05)  # let them reach the server (not a timing
            # assertion: the order below is what is checked)
            st, _ = sb.api("GET", "/api/v1/tenants")
            note(("api", st))
            note(("sip", sb._sip_ok()))
            for t in ts:
                t.join()
            kinds = [e[0] for e in events]
            S.check(("api", 200) in events and ("sip", True) in events and
                    kinds.index("api") < max(i for i, k in enumerate(kinds)
                                             if k == "login") and
                    kinds.index("sip") < max(i for i, k in enumerate(kinds)
                                             if k == "login"),
                    "while logins wait for their hash, the API and SIP "
                    "OPTIONS are answered (before the last login)",
                    str([e[:2] for e in events]))
            res = {e[1]: e[2] for e in events if e[0] == "login"}
            S.check(res.get(0, (0,))[0] == 201 and
                    res.get(1) == (401, None,
                                   '{"error":"login or password is wrong"}')
                    and res.get(2) == res.get(1),
                    "then each gets its own right answer: 201, 401, 401",
                    str(res))

            # overflow: 1 worker + 2 waiting; 6 at once: 503 for the rest
            out = []
            ts = [threading.Thread(target=lambda: out.append(
                raw_login(sb, "busy.op", "busy-op-pass"))) for _ in range(6)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            busy = (503, "1", '{"error":"too many logins and password '
                    'changes at once; try again in 1 s"}')
            ok = [r for r in out if r[0] == 201]
            S.check(len(out) == 6 and ok and busy in out and
                    all(r == busy or r[0] == 201 for r in out),
                    "6 logins at once with 1 worker and a queue of 2: "
                    "201 or 503 with Retry-After: 1, some of each",
                    str([r[:2] for r in out]))

            # pipelined: the answer to the login comes first
            txt = http_raw(sb.http_port, login_request("busy.op",
                                                       "busy-op-pass") +
                           b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", 2)
            a, b = txt.find("HTTP/1.1 201"), txt.find("HTTP/1.1 200")
            S.check(0 <= a < b and '{"status":"ok"}' in txt[b:],
                    "pipelined after a login, /health is answered after it",
                    txt[:300])

            # a client that leaves before its answer
            import socket
            c = socket.create_connection(("127.0.0.1", sb.http_port))
            c.sendall(login_request("busy.op", "busy-op-pass"))
            c.close()
            st, _ = login(sb, "busy.op", "busy-op-pass")
            S.check(st == 201 and sb.alive(),
                    "a client that left before its answer: the server "
                    "goes on, the next login works", f"{st}")
            S.check("the client left before the answer; no session"
                    in sb.logtext(), "... and it opened no session")

            # a stop with logins in flight: no leak, no hang
            def gone(name, pw):
                try:
                    raw_login(sb, name, pw)
                except OSError:
                    pass  # the server stopped: no answer
            ts = [threading.Thread(target=gone, args=("busy.op", WRONG))
                  for _ in range(3)]
            for t in ts:
                t.start()
            time.sleep(0.05)
            code = sb.stop()
            for t in ts:
                t.join()
            S.check(code == 0, "a stop with logins in flight: clean exit, "
                    "no leak", f"exit {code}: {sb.tail(20)}")
            S.check("job(s) dropped at shutdown" in sb.logtext(),
                    "... the ones still waiting were dropped unanswered")
        S.run(run_all)
    finally:
        sb.stop()
        S.check("busy-op-pass" not in sb.logtext() and
                WRONG not in sb.logtext(), "no password in the server log")
        sb.cleanup()


def client_admin_server():
    """A client_admin manages its own tenant's users of the roles
    client_admin and subaccount; anyone sets its own password."""
    sb = Switchboard(FAST + ["--login-ip-max-failures", "0"]).start()
    try:
        def run_all():
            tid, _, erika = demo_ids(sb, "Erika")
            _, _, max_id = demo_ids(sb, "Max")
            st, tb = sb.api("POST", "/api/v1/tenants", {"name": "B GmbH"})
            st, olga = sb.api("POST", "/api/v1/employees",
                              {"tenant_id": tb["id"], "first_name": "Olga",
                               "last_name": "Other",
                               "email": "olga@x.example"})
            ids = {}
            for name, role, tenant, emp in (
                    ("chef.a", "client_admin", tid, None),
                    ("chef.b", "client_admin", tb["id"], None),
                    ("agent.a", "agent", tid, max_id),
                    ("op.x", "operator", None, None)):
                st, u = sb.api("POST", "/api/v1/users",
                               {"login": name, "password": name + "-secret",
                                "role": role, "tenant_id": tenant,
                                "employee_id": emp})
                ids[name] = u.get("id")
            st, s = login(sb, "chef.a", "chef.a-secret")
            ca = s.get("token")
            S.check(st == 201 and ca, "the client admin logs in", f"{st}")

            def as_ca(method, path, body=None):
                return sb.api(method, path, body, token=ca)
            st, u = as_ca("POST", "/api/v1/users",
                          {"login": "erika.new", "password": "erika-secret-1",
                           "role": "subaccount", "tenant_id": tid,
                           "employee_id": erika})
            S.check(st == 201 and u.get("tenant_id") == tid and
                    u.get("employee_id") == erika and
                    u.get("role") == "subaccount",
                    "a client admin creates a subaccount of its tenant",
                    f"{st} {u}")
            ids["erika.new"] = u.get("id")
            st, u = as_ca("POST", "/api/v1/users",
                          {"login": "chef.a2", "password": "chef-a2-secret",
                           "role": "client_admin", "tenant_id": tid})
            S.check(st == 201 and u.get("role") == "client_admin",
                    "... and another client admin", f"{st} {u}")
            for role, emp in (("operator", None), ("agent", max_id)):
                S.error_is(f"a client admin may not grant {role}: 403",
                           as_ca("POST", "/api/v1/users",
                                 {"login": "x.y.z", "password": "long-"
                                  "enough-pw", "role": role,
                                  "tenant_id": tid if emp else None,
                                  "employee_id": emp}), 403,
                           "role: a client_admin may grant client_admin "
                           f"or subaccount only, not {role}")
            S.error_is("another tenant's employee for a subaccount: 422",
                       as_ca("POST", "/api/v1/users",
                             {"login": "x.y.z", "password": "long-enough-pw",
                              "role": "subaccount", "tenant_id": tid,
                              "employee_id": olga["id"]}), 422,
                       f"employee_id: employee {olga['id']} does not exist")
            S.error_is("a user of another tenant: 422 as if it did not "
                       "exist",
                       as_ca("POST", "/api/v1/users",
                             {"login": "x.y.z", "password": "long-enough-pw",
                              "role": "client_admin",
                              "tenant_id": tb["id"]}), 422,
                       f"tenant_id: tenant {tb['id']} does not exist")
            st, lst = as_ca("GET", "/api/v1/users")
            S.check(st == 200 and sorted(x["login"] for x in lst) ==
                    ["agent.a", "chef.a", "chef.a2", "erika.new"],
                    "the client admin lists its own tenant's users only",
                    f"{st} {lst}")
            for name in ("chef.b", "op.x"):
                uid = ids[name]
                S.error_is(f"GET {name} (not its tenant's): 404",
                           as_ca("GET", f"/api/v1/users/{uid}"), 404,
                           f"user {uid} not found")
                S.error_is(f"PATCH {name}: 404",
                           as_ca("PATCH", f"/api/v1/users/{uid}",
                                 {"disabled": True}), 404,
                           f"user {uid} not found")
            S.error_is("PATCH its tenant's agent: 403 naming role",
                       as_ca("PATCH", f"/api/v1/users/{ids['agent.a']}",
                             {"disabled": True}), 403,
                       "role: a client_admin may change users of role "
                       "client_admin or subaccount only, not agent")
            eid = ids["erika.new"]
            st, u = as_ca("PATCH", f"/api/v1/users/{eid}", {"disabled": True})
            S.check(st == 200 and u.get("disabled") is True,
                    "the client admin disables its subaccount", f"{st} {u}")
            S.error_is("... which then cannot log in",
                       login(sb, "erika.new", "erika-secret-1"), 403,
                       "login is disabled")
            st, u = as_ca("PATCH", f"/api/v1/users/{eid}",
                          {"disabled": False, "password": "erika-secret-2"})
            st2, _ = login(sb, "erika.new", "erika-secret-2")
            S.check(st == 200 and u.get("disabled") is False and st2 == 201,
                    "... enables it with a new password: it logs in",
                    f"{st} {u} {st2}")
            S.error_is("a client admin may not delete users: 403",
                       as_ca("DELETE", f"/api/v1/users/{eid}"), 403,
                       f"role client_admin may not DELETE /api/v1/users/"
                       f"{eid}")

            # one's own password
            st, s1 = login(sb, "erika.new", "erika-secret-2")
            st, s2 = login(sb, "erika.new", "erika-secret-2")
            t1, t2 = s1["token"], s2["token"]
            S.error_is("a subaccount may not list users: 403",
                       sb.api("GET", "/api/v1/users", token=t1), 403,
                       "role subaccount may not GET /api/v1/users")
            mine = "/api/v1/users/me/password"
            S.error_is("own password, wrong current one: 403 naming it",
                       sb.api("POST", mine, {"current_password": WRONG,
                                             "new_password": NEW_PW},
                              token=t1), 403, "current_password: is wrong")
            st, u = sb.api("GET", f"/api/v1/users/{eid}")
            S.check(u.get("failed_logins") == 1,
                    "... counted like a wrong login", f"{u}")
            S.error_is("a weak new password: 422 naming it",
                       sb.api("POST", mine, {"current_password":
                                             "erika-secret-2",
                                             "new_password": "short"},
                              token=t1), 422,
                       "new_password: must be at least 10 characters")
            S.error_is("without the current one: 400",
                       sb.api("POST", mine, {"new_password": NEW_PW},
                              token=t1), 400,
                       "current_password: is required")
            S.error_is("an API token has no password: 422",
                       sb.api("POST", mine, {"current_password": "x",
                                             "new_password": NEW_PW}), 422,
                       "token: is an API token, not a session; it has no "
                       "password")
            st, b = sb.api("POST", mine, {"current_password":
                                          "erika-secret-2",
                                          "new_password": NEW_PW}, token=t1)
            S.check(st == 204 and b is None, "own password changed: 204",
                    f"{st} {b}")
            S.error_is("the user's other session ended",
                       sb.api("GET", "/api/v1/sessions", token=t2), 401,
                       "missing or invalid token")
            st, lst = sb.api("GET", "/api/v1/sessions", token=t1)
            S.check(st == 200 and [x["current"] for x in lst] == [True],
                    "the session that changed it stays (the only one)",
                    f"{st} {lst}")
            st, u = sb.api("GET", f"/api/v1/users/{eid}")
            S.check(u.get("failed_logins") == 0,
                    "the failure counter is reset", f"{u}")
            S.error_is("the old password no longer logs in",
                       login(sb, "erika.new", "erika-secret-2"), 401,
                       "login or password is wrong")
            st, _ = login(sb, "erika.new", NEW_PW)
            S.check(st == 201, "the new one does", f"{st}")
            st, s = login(sb, "agent.a", "agent.a-secret")
            st, b = sb.api("POST", mine, {"current_password": "agent.a-secret",
                                          "new_password": NEW_PW},
                           token=s["token"])
            S.check(st == 204, "an agent sets its own password too", f"{st}")
        S.run(run_all)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        log = sb.logtext()
        S.check(all(p not in log for p in ("erika-secret-1", "erika-secret-2",
                                           NEW_PW, WRONG, "chef.a-secret")),
                "no password in the server log")
        sb.cleanup()


def main():
    main_server()
    expiry_server()
    enumeration_server()
    client_admin_server()
    concurrency_server()
    interactive_server()
    S.finish()


if __name__ == "__main__":
    main()
