#!/usr/bin/python3
"""Security of the API (issue 20), over real sockets against the sanitizer
build:

  * Named API tokens with a scope and an expiry: POST /api/v1/tokens with
    "scope" (full, read-only, provisioning, metrics) and "expires_at";
    the answer shows the token once, lists and GET /:id show its prefix
    (the first 8 characters) and never the token.  Bad values: 422/400
    naming the field.
  * The scope only narrows the role: a read-only token reads, and any
    change is 403 "scope read-only may not <METHOD> <path>"; a metrics
    token gets GET /metrics and nothing else; a provisioning token
    changes the directory (tenants, queues; reads users) but not access
    (tokens at all, changes of users), live calls, /metrics or any of
    the operator's operations (OPS: status, reload, backup,
    registrations, auth blocks and unblock, live calls and hang-up,
    stats, nodes, outbox, purge, a deletion's run, routes): each its
    exact 403; a client admin's read-only token still gets the role's
    403 first for the service's routes.
  * An expired token is 401 {"error": "token: expired"}, listed with
    "expired": true and its last_used_at; a new one has last_used_at
    null and expired false.
  * Admin token rotation: POST /api/v1/tokens/rotate-admin {} (operator,
    full scope) writes a new token to <data-dir>/admin.token (mode 0600,
    nothing else beside it) and ends the old one (401).
  * HTTPS (--https with the --tls-cert certificate, as SIP over TLS): the
    API and /health over TLS, verified against the certificate; a
    password login with a cookie there is __Host-sb_session, Secure; the
    event stream (a WebSocket over TLS) is upgraded; plain HTTP to the
    HTTPS port gets no HTTP answer.
  * Plain HTTP beyond loopback is refused at the start (exit 2, naming
    --http) unless --http-public; --https with a certificate that does not
    load stops the start.
"""
import base64
import http.client
import json
import os
import re
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import BIN, DEMO, ROOT, Suite, Switchboard, free_port  # noqa: E402

S = Suite("tokens")
FAST = ["--password-hash", "test"]


def iso(ms):
    t = time.gmtime(ms // 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{ms % 1000:03d}Z"


def tenant_id(sb):
    st, tenants = sb.api("GET", "/api/v1/tenants")
    return [t for t in tenants if t["name"] == DEMO["tenant"]][0]["id"]


def parse_iso(s):
    """ms of an ISO-8601 UTC time with milliseconds."""
    import calendar
    t = calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S"))
    return t * 1000 + (int(s[20:23]) if len(s) > 20 else 0)


def make(sb, body, token="__admin__"):
    return sb.api("POST", "/api/v1/tokens", body, token=token)


def test_create_list(sb):
    st, t = make(sb, {"role": "operator", "name": "scraper",
                      "scope": "metrics"})
    tok = t.get("token", "") if st == 201 else ""
    S.check(st == 201 and re.fullmatch(r"[0-9a-f]{64}", tok) and
            t["scope"] == "metrics" and t["prefix"] == tok[:8] and
            t["expires_at"] is None and t["name"] == "scraper" and
            t["last_used_at"] is None and t["expired"] is False,
            "POST /tokens scope metrics: 201, the token once, its prefix "
            "(8 characters), no expiry", f"{st} {t}")
    st, one = sb.api("GET", f"/api/v1/tokens/{t.get('id')}")
    S.check(st == 200 and "token" not in one and
            one.get("prefix") == tok[:8] and one.get("scope") == "metrics"
            and tok not in json.dumps(one),
            "GET /tokens/:id: prefix and scope, never the token",
            f"{st} {one}")
    st, lst = sb.api("GET", "/api/v1/tokens")
    S.check(st == 200 and all("token" not in x for x in lst) and
            tok not in json.dumps(lst) and
            [x["scope"] for x in lst if x["id"] == t.get("id")] ==
            ["metrics"],
            "GET /tokens: every token without its secret, with its scope",
            f"{st} {lst}")
    admin = [x for x in lst if x["name"] == "admin"]
    S.check(len(admin) == 1 and admin[0]["scope"] == "full" and
            admin[0]["prefix"] == sb.token[:8],
            "the admin token of the first start: scope full, its prefix",
            str(admin))

    tid = tenant_id(sb)
    for body, status, msg in (
            ({"role": "operator", "scope": "all"}, 422,
             "scope: must be full, read-only, provisioning or metrics"),
            ({"role": "client_admin", "tenant_id": tid,
              "scope": "metrics"}, 422,
             "scope: a metrics token must have role operator (GET "
             "/metrics is the operator's)"),
            ({"role": "operator", "expires_at": "tomorrow"}, 400,
             "expires_at: must be an ISO-8601 UTC time such as "
             "2027-01-31T00:00:00Z"),
            ({"role": "operator", "expires_at": "2020-01-01T00:00:00Z"},
             422, "expires_at: must be in the future"),
            ({"role": "operator", "prefix": "abcdefgh"}, 400,
             "prefix: is read-only"),
            ({"role": "operator", "scope": 3}, 400,
             "scope: must be a string")):
        S.error_is(f"POST /tokens {body}: {status}", make(sb, body), status,
                   msg)


def test_read_only(sb):
    tid = tenant_id(sb)
    st, t = make(sb, {"role": "operator", "scope": "read-only",
                      "name": "auditor"})
    ro = t.get("token")
    S.check(st == 201 and t["scope"] == "read-only",
            "a read-only operator token: 201", f"{st} {t}")
    st, lst = sb.api("GET", "/api/v1/tenants", token=ro)
    S.check(st == 200 and len(lst) >= 1, "read-only: GET /tenants 200",
            f"{st}")
    st, _ = sb.api("GET", f"/api/v1/employees?tenant_id={tid}", token=ro)
    S.check(st == 200, "read-only: GET /employees 200", st)
    S.error_is("read-only: POST /tenants is 403 naming the scope",
               sb.api("POST", "/api/v1/tenants",
                      {"name": "Nie GmbH", "country_code": "49",
                       "area_code": "30"}, token=ro),
               403, "scope read-only may not POST /api/v1/tenants")
    S.error_is("read-only: PATCH /tenants/:id 403",
               sb.api("PATCH", f"/api/v1/tenants/{tid}", {"name": "X"},
                      token=ro),
               403, f"scope read-only may not PATCH /api/v1/tenants/{tid}")
    S.error_is("read-only: DELETE /tokens/:id 403",
               sb.api("DELETE", f"/api/v1/tokens/{t['id']}", token=ro),
               403, f"scope read-only may not DELETE /api/v1/tokens/"
                    f"{t['id']}")
    st, lst = sb.api("GET", "/api/v1/tenants")
    S.check(st == 200 and not [x for x in lst if x["name"] == "Nie GmbH"]
            and [x for x in lst if x["id"] == tid][0]["name"] != "X",
            "... and nothing changed", str(lst))
    st, raw = metrics(sb, ro)
    S.check(st == 200 and b"# TYPE" in raw,
            "read-only operator token: GET /metrics 200", f"{st}")

    # a client admin's read-only token: the role's 403 first
    st, ca = make(sb, {"role": "client_admin", "tenant_id": tid,
                       "scope": "read-only"})
    cro = ca.get("token")
    S.check(st == 201, "a client admin's read-only token: 201", st)
    S.error_is("client admin read-only: POST /tenants is the role's 403",
               sb.api("POST", "/api/v1/tenants", {"name": "Y"}, token=cro),
               403, "role client_admin may not POST /api/v1/tenants")
    S.error_is("client admin read-only: POST /employees is the scope's 403",
               sb.api("POST", "/api/v1/employees",
                      {"tenant_id": tid, "first_name": "A",
                       "last_name": "B", "extension": "777"}, token=cro),
               403, "scope read-only may not POST /api/v1/employees")
    st, emps = sb.api("GET", f"/api/v1/employees?tenant_id={tid}",
                      token=cro)
    S.check(st == 200 and len(emps) >= 1,
            "client admin read-only: GET its employees 200", st)


def metrics(sb, token):
    c = http.client.HTTPConnection("127.0.0.1", sb.http_port, timeout=10)
    try:
        h = {"Authorization": f"Bearer {token}"} if token else {}
        c.request("GET", "/metrics", headers=h)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def test_metrics_scope(sb):
    st, t = make(sb, {"role": "operator", "scope": "metrics"})
    mt = t.get("token")
    st, raw = metrics(sb, mt)
    S.check(st == 200 and b"switchboard_" in raw,
            "metrics token: GET /metrics 200", f"{st} {raw[:80]}")
    S.error_is("metrics token: GET /api/v1/tenants 403 naming the scope",
               sb.api("GET", "/api/v1/tenants", token=mt), 403,
               "scope metrics may not GET /api/v1/tenants")
    S.error_is("metrics token: GET /api/v1/tokens 403",
               sb.api("GET", "/api/v1/tokens", token=mt), 403,
               "scope metrics may not GET /api/v1/tokens")
    st, raw = metrics(sb, None)
    S.check(st == 401, "GET /metrics without a token: 401", st)


def test_provisioning(sb):
    tid = tenant_id(sb)
    st, t = make(sb, {"role": "operator", "scope": "provisioning"})
    pt = t.get("token")
    st, ten = sb.api("POST", "/api/v1/tenants",
                     {"name": "Prov GmbH", "country_code": "49",
                      "area_code": "30"}, token=pt)
    S.check(st == 201, "provisioning: POST /tenants 201", f"{st} {ten}")
    st, _ = sb.api("DELETE", f"/api/v1/tenants/{ten.get('id')}", token=pt)
    S.check(st == 204, "provisioning: DELETE /tenants/:id 204", st)
    S.error_is("provisioning: POST /tokens 403 (no way out of the scope)",
               make(sb, {"role": "operator"}, token=pt), 403,
               "scope provisioning may not POST /api/v1/tokens")
    S.error_is("provisioning: POST /users 403",
               sb.api("POST", "/api/v1/users",
                      {"login": "x.prov", "password": "secret-pw-12",
                       "role": "operator"}, token=pt), 403,
               "scope provisioning may not POST /api/v1/users")
    S.error_is("provisioning: POST /agents/:id/token 403 (an agent's token "
               "would have no scope)",
               sb.api("POST", "/api/v1/agents/1/token", {}, token=pt), 403,
               "scope provisioning may not POST /api/v1/agents/1/token")
    st, _ = sb.api("GET", "/api/v1/users", token=pt)
    S.check(st == 200, "provisioning: GET /users 200 (reading)", st)
    st, q = sb.api("POST", "/api/v1/queues",
                   {"tenant_id": tid, "name": "Prov-Queue"}, token=pt)
    S.check(st == 201, "provisioning: POST /queues 201 (the directory)",
            f"{st} {q}")
    # running the service needs scope full: each route's exact 403
    for method, path in OPS:
        path = path.replace(":tid", str(tid))
        S.error_is(f"provisioning: {method} {path} 403",
                   sb.api(method, path, {} if method == "POST" else None,
                          token=pt), 403,
                   f"scope provisioning may not {method} {path}")
    S.error_is("provisioning: POST /calls (live calls) 403",
               sb.api("POST", "/api/v1/calls",
                      {"tenant_id": tid, "employee_id": 1,
                       "to": "+4922100000"}, token=pt), 403,
               "scope provisioning may not POST /api/v1/calls")
    st, raw = metrics(sb, pt)
    S.check(st == 403 and json.loads(raw) ==
            {"error": "scope provisioning may not GET /metrics"},
            "provisioning: GET /metrics 403 naming the scope",
            f"{st} {raw[:100]}")


# The operator's operations a provisioning token may not use (docs/api.md,
# the token section's table; scope.c's ops[], live and access routes).
OPS = [
    ("GET", "/api/v1/tokens"), ("GET", "/api/v1/tokens/1"),
    ("POST", "/api/v1/tokens/rotate-admin"), ("DELETE", "/api/v1/tokens/1"),
    ("GET", "/api/v1/status"), ("POST", "/api/v1/reload"),
    ("POST", "/api/v1/backup"), ("GET", "/api/v1/backup"),
    ("GET", "/api/v1/registrations"), ("GET", "/api/v1/auth_blocks"),
    ("DELETE", "/api/v1/auth_blocks/192.0.2.7"),
    ("GET", "/api/v1/calls/live"), ("POST", "/api/v1/calls/1/hangup"),
    ("GET", "/api/v1/stats"), ("GET", "/api/v1/nodes"),
    ("GET", "/api/v1/nodes/node1"), ("POST", "/api/v1/nodes/node9/close_calls"),
    ("GET", "/api/v1/outbox"), ("GET", "/api/v1/outbox/1"),
    ("POST", "/api/v1/outbox/test-mail"), ("POST", "/api/v1/retention/purge"),
    ("POST", "/api/v1/tenants/:tid/deletion/run"), ("GET", "/api/v1/routes"),
    ("PATCH", "/api/v1/users/1"),
]


def test_expiry(sb):
    now = int(time.time() * 1000)
    st, t = make(sb, {"role": "operator", "name": "short",
                      "expires_at": iso(now + 2500)})
    et = t.get("token")
    S.check(st == 201 and t.get("expires_at") == iso(now + 2500),
            "a token with expires_at: 201, the time as given",
            f"{st} {t}")
    st, _ = sb.api("GET", "/api/v1/tenants", token=et)
    S.check(st == 200, "before its expiry: 200", st)
    time.sleep(max(0, (now + 2700) / 1000 - time.time()))
    S.error_is("after its expiry: 401 token: expired",
               sb.api("GET", "/api/v1/tenants", token=et), 401,
               "token: expired")
    st, raw = metrics(sb, et)
    S.check(st == 401, "an expired token: GET /metrics 401", st)
    st, one = sb.api("GET", f"/api/v1/tokens/{t.get('id')}")
    S.check(st == 200 and one.get("expires_at") == iso(now + 2500) and
            one.get("expired") is True and one.get("last_used_at") and
            now <= parse_iso(one["last_used_at"]) <= now + 2500,
            "the expired token is still listed, expired true, last used "
            "before its end (the sweep removes it 30 days later)",
            f"{st} {one}")
    st, lst = sb.api("GET", "/api/v1/tokens")
    S.check(st == 200 and [x["expired"] for x in lst
                           if x["id"] == t.get("id")] == [True] and
            [x["expired"] for x in lst if x["name"] == "admin"] == [False],
            "GET /tokens: the expired one expired true, the admin's "
            "false", str(lst))


def test_rotate(sb):
    path = os.path.join(sb.dir, "admin.token")
    old = open(path).read().strip()
    S.check(old == sb.token, "admin.token holds the admin token", old[:8])
    st, ca = make(sb, {"role": "client_admin", "tenant_id": tenant_id(sb)})
    S.error_is("rotate-admin by a client admin: the role's 403",
               sb.api("POST", "/api/v1/tokens/rotate-admin", {},
                      token=ca.get("token")), 403,
               "role client_admin may not POST /api/v1/tokens/rotate-admin")
    st, ro = make(sb, {"role": "operator", "scope": "read-only"})
    S.error_is("rotate-admin by a read-only operator token: 403",
               sb.api("POST", "/api/v1/tokens/rotate-admin", {},
                      token=ro.get("token")), 403,
               "scope read-only may not POST /api/v1/tokens/rotate-admin")
    S.error_is("rotate-admin with a field: 400",
               sb.api("POST", "/api/v1/tokens/rotate-admin", {"x": 1}), 400,
               "x: unknown field")
    st, lst0 = sb.api("GET", "/api/v1/tokens")
    old_id = [x["id"] for x in lst0 if x["prefix"] == old[:8]]
    st, r = sb.api("POST", "/api/v1/tokens/rotate-admin", {})
    new = r.get("token", "") if st == 201 else ""
    S.check(st == 201 and re.fullmatch(r"[0-9a-f]{64}", new) and
            new != old and r["role"] == "operator" and
            r["name"] == "admin" and r["scope"] == "full" and
            r["ended_id"] == (old_id[0] if old_id else -1),
            "rotate-admin: 201, a new operator token, the old one's id "
            "ended", f"{st} {r}")
    mode = stat.S_IMODE(os.stat(path).st_mode)
    S.check(open(path).read() == new + "\n" and mode == 0o600,
            "admin.token now holds the new token, mode 0600",
            f"mode {oct(mode)}")
    S.check(not [f for f in os.listdir(sb.dir) if ".tmp" in f],
            "no temporary file left beside it", str(os.listdir(sb.dir)))
    S.error_is("the old admin token: 401",
               sb.api("GET", "/api/v1/tenants", token=old), 401,
               "missing or invalid token")
    sb.token = new
    st, _ = sb.api("GET", "/api/v1/tenants")
    S.check(st == 200, "the new admin token: 200", st)
    st, lst = sb.api("GET", "/api/v1/tokens")
    S.check(st == 200 and len([x for x in lst if x["name"] == "admin"]) == 1,
            "one admin token in the list", str(lst))


# ---- HTTPS ----------------------------------------------------------------

def tls_ctx(sb):
    ctx = ssl.create_default_context(cafile=os.path.join(sb.dir, "tls.pem"))
    return ctx


def https(sb, port, method, path, body=None, headers=None):
    c = http.client.HTTPSConnection("127.0.0.1", port, timeout=10,
                                    context=tls_ctx(sb))
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    try:
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def test_https():
    port = free_port(socket.SOCK_STREAM)
    sb = Switchboard(FAST + ["--https", f"127.0.0.1:{port}"],
                     tls=True).start()
    try:
        st, h, raw = https(sb, port, "GET", "/health")
        S.check(st == 200 and json.loads(raw) == {"status": "ok"},
                "HTTPS: GET /health 200 over TLS, the certificate of "
                "--tls-cert verified", f"{st} {raw[:80]}")
        st, h, raw = https(sb, port, "GET", "/api/v1/tenants",
                           headers={"Authorization": f"Bearer {sb.token}"})
        S.check(st == 200 and isinstance(json.loads(raw), list),
                "HTTPS: GET /api/v1/tenants with the admin token 200", st)
        st, h, raw = https(sb, port, "GET", "/api/v1/tenants")
        S.check(st == 401 and json.loads(raw) ==
                {"error": "missing or invalid token"},
                "HTTPS: no token 401", st)
        st, _ = sb.api("GET", "/api/v1/tenants")
        S.check(st == 200, "plain HTTP on loopback still answers", st)

        sb.api("POST", "/api/v1/users",
               {"login": "op.tls", "password": "operator-pw-1",
                "role": "operator"})
        st, h, raw = https(sb, port, "POST", "/api/v1/sessions",
                           {"login": "op.tls", "password": "operator-pw-1",
                            "cookie": True},
                           {"Origin": f"https://127.0.0.1:{port}"})
        m = re.fullmatch(r"__Host-sb_session=([0-9a-f]{64}); Path=/; "
                         r"HttpOnly; SameSite=Strict; Max-Age=43200; "
                         r"Secure", h.get("set-cookie", ""))
        S.check(st == 201 and m is not None,
                "HTTPS: a cookie login gets __Host-sb_session, Secure",
                f"{st} {h.get('set-cookie')} {raw[:100]}")
        tok = m.group(1) if m else ""
        st, h, raw = https(sb, port, "GET", "/api/v1/sessions/current",
                           headers={"Cookie": f"__Host-sb_session={tok}"})
        S.check(st == 200 and json.loads(raw).get("login") == "op.tls",
                "HTTPS: the Secure cookie is taken back", f"{st} {raw[:80]}")

        # the event stream: a WebSocket over TLS (api_conn_take with TLS)
        raw_sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        s = tls_ctx(sb).wrap_socket(raw_sock, server_hostname="127.0.0.1")
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}"
                   f"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13"
                   f"\r\nAuthorization: Bearer {sb.token}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                break
            head += chunk
        S.check(head.startswith(b"HTTP/1.1 101 "),
                "HTTPS: the event stream is upgraded (101) over TLS",
                head[:60])
        # a masked text frame "x"; the stream stays open
        s.sendall(bytes([0x81, 0x81, 1, 2, 3, 4, ord("x") ^ 1]))
        time.sleep(0.3)
        s.close()

        # plain HTTP to the HTTPS port: no HTTP answer
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        c.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            got = c.recv(64)
        except (socket.timeout, ConnectionResetError):
            got = b""
        c.close()
        S.check(not got.startswith(b"HTTP/"),
                "plain HTTP to the HTTPS port: no HTTP answer", got[:40])
        S.check("API listening on https://127.0.0.1:" in sb.logtext(),
                "the log says where HTTPS listens", "")
    finally:
        code = sb.stop()
        S.check(code == 0, "HTTPS server: clean exit (no leaks)",
                f"exit {code}")
        sb.cleanup()


def check_config(args):
    d = tempfile.mkdtemp(prefix="sbtest-")
    env = dict(os.environ, SWITCHBOARD_CONFIG="")
    try:
        return subprocess.run([BIN, "--data-dir", d] + args +
                              ["--check-config"], env=env,
                              capture_output=True, text=True, timeout=30)
    finally:
        subprocess.run(["rm", "-rf", d])


def test_listen_rules():
    port = free_port(socket.SOCK_STREAM)
    r = check_config(["--http", f"0.0.0.0:{port}"])
    S.check(r.returncode == 2 and
            f"switchboard: --http: plain HTTP on 0.0.0.0:{port} is not a "
            "loopback address: tokens and passwords would cross the "
            "network in clear; use --https ADDR:PORT (with --tls-cert), or "
            "--http-public if a TLS proxy is in front" in r.stderr,
            "plain HTTP on 0.0.0.0 without --http-public: refused (exit 2) "
            "naming --http", f"{r.returncode} {r.stderr[-300:]}")
    r = check_config(["--http", f"0.0.0.0:{port}", "--http-public"])
    S.check(r.returncode == 0, "... with --http-public: accepted",
            f"{r.returncode} {r.stderr[-200:]}")
    r = check_config(["--http", f"127.0.0.1:{port}"])
    S.check(r.returncode == 0, "plain HTTP on 127.0.0.1: accepted",
            f"{r.returncode} {r.stderr[-200:]}")
    r = check_config(["--http", "", "--https", f"0.0.0.0:{port}"])
    S.check(r.returncode == 0, "only HTTPS on 0.0.0.0 (--http \"\"): "
            "accepted", f"{r.returncode} {r.stderr[-200:]}")
    r = check_config(["--http", ""])
    S.check(r.returncode == 2 and "switchboard: --http: is empty and "
            "--https is not set" in r.stderr,
            "no --http and no --https: refused", r.stderr[-200:])
    r = check_config(["--https", "nowhere"])
    S.check(r.returncode == 2 and "switchboard: --https: bad listen "
            "address 'nowhere'" in r.stderr, "--https nowhere: refused",
            r.stderr[-200:])

    # a certificate that does not load stops the start
    sb = Switchboard(["--https", f"127.0.0.1:{port}", "--tls-cert",
                      "/nonexistent/tls.pem"])
    try:
        try:
            sb.start(timeout=15)
            started = True
        except RuntimeError:
            started = False
        S.check(not started and "cannot load TLS certificate and key from "
                "/nonexistent/tls.pem" in sb.logtext(),
                "--https with a missing certificate: no start, the log "
                "says why", sb.tail(5))
    finally:
        sb.stop()
        sb.cleanup()


def main():
    sb = Switchboard(FAST).start()
    try:
        S.run(test_create_list, sb)
        S.run(test_read_only, sb)
        S.run(test_metrics_scope, sb)
        S.run(test_provisioning, sb)
        S.run(test_expiry, sb)
        S.run(test_rotate, sb)
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks)", f"exit {code}")
        sb.cleanup()
    S.run(test_https)
    S.run(test_listen_rules)
    S.finish()


if __name__ == "__main__":
    main()
