#!/usr/bin/python3
"""The browser's side of the HTTP server (issue 19, first slice), over real
sockets against the sanitizer build:

  * Static files under / (--web-dir: a small directory made here like
    Vite's output, index.html and assets/index-<hash>.js, with a symbolic
    link pointing out of it; no build of the front end needed): index.html with no-cache, hashed
    assets immutable, the right Content-Type, HEAD without a body, the
    app's routes answered with index.html, a missing file 404, path
    traversal (/../, %2e%2e, //, an encoded '/', a backslash) 400, the
    link out of the directory 404, other methods 405; /api/ keeps its
    JSON 404s.
  * Cookie login: POST /api/v1/sessions with "cookie": true sets
    sb_session (HttpOnly, SameSite=Strict, Path=/, Max-Age the session
    lifetime, no Secure over plain http; Secure with an https
    --public-url), the body has the CSRF token and never the session
    token; GET /api/v1/sessions/current tells who it is with the token.
  * CSRF: a change made with the cookie without X-CSRF-Token, or with a
    wrong one, is 403 "csrf token missing or wrong" and changes nothing;
    with the token it is done; reads need none; a bearer token needs none.
  * Roles and tenants as for tokens: the client admin's cookie gets 403
    for the operator's routes and 404 for another client's record.
  * The event stream with the cookie: upgraded only from our own page
    (Origin = Host); another origin or none is 403.
  * Logout clears the cookie; the old cookie is 401 and cleared again.
  * Login CSRF: a cookie login must be JSON (a cross-site form can only
    send text/plain or a form encoding: 415) from our own page (another
    site's Origin or Sec-Fetch-Site: 403); a browser logging in again
    ends the session its cookie held; two session cookies, or an API
    token in the cookie, are 401.  Behind https the cookie is
    __Host-sb_session and the Origin must be --public-url's.
  * A session's event stream ends at the session's expires_at (1008
    "session expired"); while the page answers pings it is not idle.
  * Hardening: hidden files (.env) are never served, API answers say
    nosniff, the pages' CSP has form-action 'self'.
"""
import http.client
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard  # noqa: E402
from ws import WsClient, WsError  # noqa: E402

S = Suite("web_session")
INDEX = (b'<!doctype html>\n<html lang="de"><head><meta charset="utf-8">'
         b'<script type="module" src="/assets/index-3f2a9c0d.js"></script>'
         b'</head><body><div id="app"></div></body></html>\n')
SCRIPT = b'document.getElementById("app").textContent = "Switchboard";\n'
FAST = ["--password-hash", "test"]
PW = {"op.web": "operator-pw-1", "chef.web": "client-pw-12"}
CSRF_ERR = {"error": "csrf token missing or wrong"}


def request(sb, method, path, body=None, headers=None):
    """(status, headers {lower: value}, raw body) of one request; a body
    is sent as JSON unless headers name another Content-Type."""
    c = http.client.HTTPConnection("127.0.0.1", sb.http_port, timeout=10)
    data = body if body is None or isinstance(body, bytes) \
        else json.dumps(body).encode()
    h = dict(headers or {})
    if data is not None and "Content-Type" not in h:
        h["Content-Type"] = "application/json"
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    raw = r.read()
    hdrs = {}
    for k, v in r.getheaders():
        k = k.lower()
        hdrs[k] = v if k not in hdrs else hdrs[k] + "\n" + v
    c.close()
    return r.status, hdrs, raw


def jbody(raw):
    try:
        return json.loads(raw)
    except ValueError:
        return None


def raw_get(sb, target):
    """Status and JSON body of a request line sent as it is (no client
    normalises the path)."""
    s = socket.create_connection(("127.0.0.1", sb.http_port), timeout=10)
    s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
              .encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    m = re.search(rb"(?i)content-length: *(\d+)", head)
    n = int(m.group(1)) if m else 0
    while len(body) < n:
        d = s.recv(65536)
        if not d:
            break
        body += d
    s.close()
    return int(head.split()[1]), jbody(body), body


def test_static(sb, webdir):
    st, h, raw = request(sb, "GET", "/")
    S.check(st == 200 and h.get("content-type") == "text/html; charset=utf-8"
            and h.get("cache-control") == "no-cache" and
            b'<div id="app">' in raw and
            "default-src 'self'" in h.get("content-security-policy", "") and
            h.get("x-content-type-options") == "nosniff",
            "GET /: index.html, text/html, no-cache, CSP and nosniff",
            f"{st} {h}")
    m = re.search(rb'src="(/assets/[^"]+\.js)"', raw)
    S.check(m is not None, "index.html names its hashed script", raw[:300])
    js = m.group(1).decode() if m else "/assets/none.js"
    st, h, body = request(sb, "GET", js)
    with open(os.path.join(webdir, js.lstrip("/")), "rb") as f:
        want = f.read()
    S.check(st == 200 and body == want and
            h.get("content-type") == "text/javascript; charset=utf-8" and
            h.get("cache-control") == "public, max-age=31536000, immutable",
            "a hashed asset: its bytes, text/javascript, cached immutable",
            f"{st} {h}")
    st, h, body = request(sb, "HEAD", js)
    S.check(st == 200 and body == b"" and
            h.get("content-length") == str(len(want)),
            "HEAD: the same Content-Length, no body", f"{st} {h}")
    for route in ("/login", "/wallboard", "/wallboard/", "/start"):
        st, h, body = request(sb, "GET", route)
        S.check(st == 200 and b'<div id="app">' in body and
                h.get("cache-control") == "no-cache",
                f"GET {route}: the app's index.html", f"{st}")
    st, h, body = request(sb, "GET", "/assets/missing-123.js")
    S.check(st == 404 and jbody(body) ==
            {"error": "/assets/missing-123.js not found"},
            "a missing file: 404 with the path", f"{st} {body[:120]}")
    for target in ("/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                   "/assets/%2E%2E/%2e%2e/switchboard.db", "//etc/passwd",
                   "/%2fetc%2fpasswd", "/assets/..%5c..%5cetc%5cpasswd",
                   "/./index.html", "/a%00.js", "/%zz"):
        st, body, _ = raw_get(sb, target)
        S.check(st == 400 and body ==
                {"error": "path: not a file of the web front end"},
                f"GET {target}: 400, nothing outside the web directory",
                f"{st} {body}")
    st, body, raw = raw_get(sb, "/escape.txt")
    S.check(st == 404 and b"root:" not in raw,
            "a symbolic link out of the web directory: 404", f"{st} {raw[:80]}")
    st, h, body = request(sb, "POST", "/", body={})
    S.check(st == 405 and h.get("allow") == "GET, HEAD" and
            jbody(body) == {"error": "method POST not allowed here; use GET "
                                     "or HEAD"},
            "POST /: 405, Allow: GET, HEAD", f"{st} {h} {body}")
    st, h, body = request(sb, "GET", "/api/v1/nothing")
    S.check(st == 401, "/api/v1/...: the API's own answer (401 first)", st)
    st, h, body = request(sb, "GET", "/api/nothing")
    S.check(st == 404 and jbody(body) ==
            {"error": "no such resource: /api/nothing"} and
            h.get("content-type") == "application/json",
            "/api/nothing: the API's JSON 404, not the app", f"{st} {body}")


def users(sb):
    st, tenants = sb.api("GET", "/api/v1/tenants")
    tid = [t for t in tenants if t["name"] == DEMO["tenant"]][0]["id"]
    st, other = sb.api("POST", "/api/v1/tenants",
                       {"name": "Andere GmbH", "country_code": "49",
                        "area_code": "30"})
    S.check(st == 201, "another client: 201", f"{st} {other}")
    for login, role, tenant in (("op.web", "operator", None),
                                ("chef.web", "client_admin", tid)):
        st, u = sb.api("POST", "/api/v1/users",
                       {"login": login, "password": PW[login], "role": role,
                        "tenant_id": tenant})
        S.check(st == 201, f"user {login} ({role}): 201", f"{st} {u}")
    return tid, other["id"]


def cookie_login(sb, login):
    st, h, raw = request(sb, "POST", "/api/v1/sessions",
                         {"login": login, "password": PW[login],
                          "cookie": True})
    m = re.fullmatch(r"sb_session=([0-9a-f]{64}); Path=/; HttpOnly; "
                     r"SameSite=Strict; Max-Age=43200",
                     h.get("set-cookie", ""))
    return st, h, jbody(raw) or {}, (m.group(1) if m else None)


def test_login(sb):
    st, h, body, tok = cookie_login(sb, "op.web")
    S.check(st == 201 and tok is not None,
            "cookie login: 201, Set-Cookie sb_session=<64 hex>; Path=/; "
            "HttpOnly; SameSite=Strict; Max-Age=43200 (no Secure on http)",
            f"{st} {h.get('set-cookie')}")
    S.check(re.fullmatch(r"[0-9a-f]{64}", body.get("csrf_token", "")) and
            "token" not in body and tok not in json.dumps(body) and
            body.get("role") == "operator",
            "the body: the CSRF token, the role, never the session token",
            str(body))
    csrf = body.get("csrf_token")
    ck = {"Cookie": f"sb_session={tok}"}
    st, h, raw = request(sb, "GET", "/api/v1/sessions/current", headers=ck)
    cur = jbody(raw) or {}
    S.check(st == 200 and cur.get("login") == "op.web" and
            cur.get("role") == "operator" and cur.get("cookie") is True and
            cur.get("csrf_token") == csrf and "set-cookie" not in h,
            "GET /api/v1/sessions/current with the cookie: who, and the "
            "same CSRF token", f"{st} {cur}")
    st, cur = sb.api("GET", "/api/v1/sessions/current")
    S.check(st == 200 and cur.get("role") == "operator" and
            cur.get("cookie") is False and cur.get("csrf_token") is None and
            cur.get("user_id") is None,
            "... with a bearer token: no CSRF token, no user", str(cur))
    st, h, raw = request(sb, "POST", "/api/v1/sessions",
                         {"login": "op.web", "password": PW["op.web"]})
    S.check(st == 201 and "set-cookie" not in h and
            re.fullmatch(r"[0-9a-f]{64}", (jbody(raw) or {}).get("token", ""))
            and "csrf_token" not in (jbody(raw) or {}),
            "a login without cookie: the token in the body as before, no "
            "cookie", f"{st} {h}")
    return tok, csrf


def test_csrf(sb, tok, csrf, tid):
    ck = {"Cookie": f"other=1; sb_session={tok}"}
    path = f"/api/v1/tenants/{tid}"
    for what, extra in (("without X-CSRF-Token", {}),
                        ("with a wrong X-CSRF-Token",
                         {"X-CSRF-Token": "0" * 64}),
                        ("with the token of another session",
                         {"X-CSRF-Token": csrf[:-1] + ("0" if csrf[-1] != "0"
                                                       else "1")})):
        st, h, raw = request(sb, "PATCH", path, {"name": "Gehackt AG"},
                             dict(ck, **extra))
        S.check(st == 403 and jbody(raw) == CSRF_ERR,
                f"PATCH with the cookie {what}: 403 csrf token missing or "
                "wrong", f"{st} {raw[:100]}")
    st, t = sb.api("GET", path)
    S.check(st == 200 and t["name"] == DEMO["tenant"],
            "... and nothing changed", str(t.get("name")))
    st, h, raw = request(sb, "DELETE", "/api/v1/sessions/current", None, ck)
    S.check(st == 403 and jbody(raw) == CSRF_ERR,
            "DELETE (logout) with the cookie without the token: 403",
            f"{st} {raw[:100]}")
    st, h, raw = request(sb, "GET", path, None, ck)
    S.check(st == 200 and (jbody(raw) or {}).get("id") == tid,
            "a read with the cookie needs no CSRF token", st)
    st, h, raw = request(sb, "PATCH", path, {"name": DEMO["tenant"]},
                         dict(ck, **{"X-CSRF-Token": csrf}))
    S.check(st == 200 and (jbody(raw) or {}).get("name") == DEMO["tenant"],
            "PATCH with the cookie and its X-CSRF-Token: 200", f"{st} {raw}")
    st, t = sb.api("PATCH", path, {"name": DEMO["tenant"]})
    S.check(st == 200, "a bearer token changes without any CSRF token", st)


def test_roles(sb, tid, other):
    st, h, body, tok = cookie_login(sb, "chef.web")
    csrf = body.get("csrf_token", "")
    ck = {"Cookie": f"sb_session={tok}"}
    st, h, raw = request(sb, "GET", "/api/v1/tenants", None, ck)
    S.check(st == 403 and jbody(raw) ==
            {"error": "role client_admin may not GET /api/v1/tenants"},
            "the client admin's cookie: 403 for the operator's list of "
            "clients", f"{st} {raw[:120]}")
    st, h, raw = request(sb, "GET", f"/api/v1/tenants/{other}", None, ck)
    S.check(st == 404 and jbody(raw) ==
            {"error": f"tenant {other} not found"},
            "... 404 for another client's record", f"{st} {raw[:120]}")
    st, h, raw = request(sb, "PATCH", f"/api/v1/tenants/{other}",
                         {"name": "X"}, dict(ck, **{"X-CSRF-Token": csrf}))
    S.check(st == 404, "... also with a valid CSRF token (404)", st)
    st, h, raw = request(sb, "GET", f"/api/v1/tenants/{tid}", None, ck)
    S.check(st == 200, "... its own record: 200", st)


def test_events(sb, tok):
    origin = f"http://127.0.0.1:{sb.http_port}"
    ws = WsClient(sb.http_port, headers={"Cookie": f"sb_session={tok}",
                                         "Origin": origin},
                  protocols=["switchboard.events.v1"])
    st = ws.connect()
    S.check(st == 101 and ws.headers.get("sec-websocket-protocol") ==
            "switchboard.events.v1",
            "the event stream with the cookie from our own page: 101", st)
    ws.close()
    for what, hdrs in (("another site's page",
                        {"Origin": "http://evil.example"}),
                       ("another port", {"Origin": "http://127.0.0.1:1"}),
                       ("no Origin", {})):
        ws = WsClient(sb.http_port,
                      headers=dict({"Cookie": f"sb_session={tok}"}, **hdrs))
        st = ws.connect()
        S.check(st == 403 and ws.json_body() ==
                {"error": "origin: must be this server's own page for a "
                          "session cookie"},
                f"the event stream with the cookie from {what}: 403", st)
    ws = WsClient(sb.http_port, token=sb.token,
                  headers={"Origin": "http://evil.example"})
    st = ws.connect()
    S.check(st == 101, "a bearer token's stream: no Origin check (101)", st)
    ws.close()


def test_logout(sb, tok, csrf):
    ck = {"Cookie": f"sb_session={tok}"}
    st, h, raw = request(sb, "DELETE", "/api/v1/sessions/current", None,
                         dict(ck, **{"X-CSRF-Token": csrf}))
    S.check(st == 204 and h.get("set-cookie") ==
            "sb_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
            "logout: 204, the cookie cleared", f"{st} {h}")
    st, h, raw = request(sb, "GET", "/api/v1/sessions/current", None, ck)
    S.check(st == 401 and jbody(raw) ==
            {"error": "missing or invalid token"} and h.get("set-cookie") ==
            "sb_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
            "the old cookie: 401, and cleared again", f"{st} {h}")


def raw_head(sb, path):
    """(status, Content-Length, bytes after the headers) of a HEAD sent on
    a raw socket: a body the server sends anyway is seen here."""
    s = socket.create_connection(("127.0.0.1", sb.http_port), timeout=10)
    s.sendall(f"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              "Connection: close\r\n\r\n".encode())
    data = b""
    s.settimeout(2)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except socket.timeout:
        pass
    s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    m = re.search(rb"(?i)content-length: *(\d+)", head)
    st = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.1 ") else 0
    return st, int(m.group(1)) if m else None, rest


def test_hardening(sb):
    for path, want in (("/nope.js", 404), ("/api/v1/tenants", 401)):
        st, clen, rest = raw_head(sb, path)
        S.check(st == want and clen and rest == b"",
                f"HEAD {path}: {want} with the Content-Length of the JSON "
                "error, and no body", f"{st} {clen} {rest[:60]}")
    st, h, raw = request(sb, "GET", "/.env")
    S.check(st == 404 and b"SECRET" not in raw,
            "a hidden file in the web directory (/.env) is never served: 404",
            f"{st} {raw[:80]}")
    st, h, raw = request(sb, "GET", "/assets/.hidden.js")
    S.check(st == 404, "... nor one in a folder (/assets/.hidden.js): 404", st)
    st, h, raw = request(sb, "GET", "/api/v1/tenants")
    S.check(st == 401 and h.get("x-content-type-options") == "nosniff",
            "API answers carry X-Content-Type-Options: nosniff", str(h))
    st, h, raw = request(sb, "GET", "/")
    S.check("form-action 'self'" in h.get("content-security-policy", ""),
            "the pages' CSP has form-action 'self'",
            h.get("content-security-policy"))


def test_login_csrf(sb):
    body = json.dumps({"login": "op.web", "password": PW["op.web"],
                       "cookie": True}).encode()
    own = f"http://127.0.0.1:{sb.http_port}"
    ct415 = {"error": 'Content-Type: a login with "cookie": true must be '
                      'application/json'}
    o403 = {"error": 'origin: a login with "cookie": true must come from '
                     "this server's own page"}
    for ctype in ("text/plain", "application/x-www-form-urlencoded",
                  "multipart/form-data; boundary=x"):
        st, h, raw = request(sb, "POST", "/api/v1/sessions", body,
                             {"Content-Type": ctype})
        S.check(st == 415 and jbody(raw) == ct415 and "set-cookie" not in h,
                f"a cookie login sent as {ctype.split(';')[0]} (what a "
                "cross-site form can send): 415 naming Content-Type",
                f"{st} {raw[:120]}")
    st, h, raw = request(sb, "POST", "/api/v1/sessions",
                         {"login": "op.web", "password": PW["op.web"],
                          "cookie": True},
                         {"Origin": "http://evil.example"})
    S.check(st == 403 and jbody(raw) == o403 and "set-cookie" not in h,
            "a cookie login from another site's page (Origin): 403 naming "
            "origin", f"{st} {raw[:120]}")
    st, h, raw = request(sb, "POST", "/api/v1/sessions",
                         {"login": "op.web", "password": PW["op.web"],
                          "cookie": True},
                         {"Origin": own, "Sec-Fetch-Site": "cross-site"})
    S.check(st == 403 and jbody(raw) == o403,
            "... or with Sec-Fetch-Site: cross-site: 403",
            f"{st} {raw[:120]}")
    st, h, raw = request(sb, "POST", "/api/v1/sessions",
                         {"login": "op.web", "password": PW["op.web"]},
                         {"Content-Type": "application/json; charset=utf-8",
                          "Origin": "http://evil.example"})
    S.check(st == 201 and "token" in (jbody(raw) or {}),
            "a token login (no cookie) is not a browser's: no Origin rule",
            st)
    st, h, raw = request(sb, "POST", "/api/v1/sessions",
                         {"login": "op.web", "password": PW["op.web"],
                          "cookie": True},
                         {"Content-Type": "application/json; charset=utf-8",
                          "Origin": own, "Sec-Fetch-Site": "same-origin"})
    m = re.match(r"sb_session=([0-9a-f]{64});", h.get("set-cookie", ""))
    S.check(st == 201 and m is not None,
            "a cookie login from our own page (JSON, Origin = Host, "
            "same-origin): 201", f"{st} {raw[:120]}")
    first = m.group(1) if m else ""
    # the same browser logs in again (as another user): the old session
    # ends
    st, h, raw = request(sb, "POST", "/api/v1/sessions",
                         {"login": "chef.web", "password": PW["chef.web"],
                          "cookie": True},
                         {"Origin": own, "Cookie": f"sb_session={first}"})
    m = re.match(r"sb_session=([0-9a-f]{64});", h.get("set-cookie", ""))
    S.check(st == 201 and m is not None and m.group(1) != first,
            "logging in again in the same browser: 201, a new cookie", st)
    st, h, raw = request(sb, "GET", "/api/v1/sessions/current", None,
                         {"Cookie": f"sb_session={first}"})
    S.check(st == 401, "... and the session the old cookie held has ended "
            "(401)", f"{st} {raw[:100]}")
    second = m.group(1) if m else ""
    st, h, raw = request(sb, "GET", "/api/v1/sessions/current", None,
                         {"Cookie": f"sb_session={second}; "
                                    f"sb_session={second}"})
    S.check(st == 401 and jbody(raw) == {"error": "missing or invalid token"}
            and "Max-Age=0" in h.get("set-cookie", ""),
            "two sb_session cookies (one may be planted by a sibling "
            "site): 401, cleared", f"{st} {raw[:100]} {h.get('set-cookie')}")
    st, h, raw = request(sb, "GET", "/api/v1/sessions/current", None,
                         {"Cookie": f"sb_session={sb.token}"})
    S.check(st == 401 and jbody(raw) == {"error": "missing or invalid token"}
            and "Max-Age=0" in h.get("set-cookie", ""),
            "an API token (not a session) in the cookie: 401, cleared",
            f"{st} {raw[:100]}")


def test_secure(webdir):
    sb = Switchboard(FAST + ["--web-dir", webdir, "--public-url",
                             "https://sb.example"]).start()
    try:
        sb.api("POST", "/api/v1/users",
               {"login": "op.web", "password": PW["op.web"],
                "role": "operator"})
        own = f"http://127.0.0.1:{sb.http_port}"
        st, h, raw = request(sb, "POST", "/api/v1/sessions",
                             {"login": "op.web", "password": PW["op.web"],
                              "cookie": True}, {"Origin": own})
        S.check(st == 403,
                "behind https: a cookie login whose Origin is the Host but "
                "not --public-url: 403", f"{st} {raw[:100]}")
        st, h, raw = request(sb, "POST", "/api/v1/sessions",
                             {"login": "op.web", "password": PW["op.web"],
                              "cookie": True},
                             {"Origin": "https://sb.example"})
        m = re.fullmatch(
            r"__Host-sb_session=([0-9a-f]{64}); Path=/; HttpOnly; "
            r"SameSite=Strict; Max-Age=43200; Secure",
            h.get("set-cookie", ""))
        S.check(st == 201 and m is not None,
                "behind https (--public-url https://...): the cookie is "
                "__Host-sb_session, Secure", f"{st} {h.get('set-cookie')}")
        tok = m.group(1) if m else ""
        st, h, raw = request(sb, "GET", "/api/v1/sessions/current", None,
                             {"Cookie": f"__Host-sb_session={tok}"})
        S.check(st == 200 and (jbody(raw) or {}).get("login") == "op.web",
                "... and is taken back under that name", st)
        st, h, raw = request(sb, "GET", "/api/v1/sessions/current", None,
                             {"Cookie": f"sb_session={tok}"})
        S.check(st == 401, "... a plain sb_session cookie is not (401)", st)
        for origin, want in (("https://sb.example", 101),
                             (own, 403)):
            ws = WsClient(sb.http_port,
                          headers={"Cookie": f"__Host-sb_session={tok}",
                                   "Origin": origin})
            st = ws.connect()
            S.check(st == want, f"the event stream from {origin}: {want}",
                    st)
            if st == 101:
                ws.close()
    finally:
        code = sb.stop()
        S.check(code == 0, "second server: clean exit", f"exit {code}")
        sb.cleanup()


def stream_closed(ws, timeout):
    """The close (code, reason) the server sent within timeout, or None;
    messages before it (and pings: answered) are read and dropped."""
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            ws.message(max(0.01, deadline - time.time()))
    except WsError:
        return ws.closed
    except OSError:
        return None
    return None


def test_stream_expiry(webdir):
    """A session of 8 s with 3 s idle; pings every second."""
    sb = Switchboard(FAST + ["--web-dir", webdir, "--session-lifetime", "8",
                             "--session-idle", "3",
                             "--events-ping", "1"]).start()
    try:
        sb.api("POST", "/api/v1/users",
               {"login": "op.web", "password": PW["op.web"],
                "role": "operator"})
        st, h, raw = request(sb, "POST", "/api/v1/sessions",
                             {"login": "op.web", "password": PW["op.web"],
                              "cookie": True})
        m = re.match(r"sb_session=([0-9a-f]{64});", h.get("set-cookie", ""))
        tok = m.group(1) if m else ""
        t0 = time.time()
        ws = WsClient(sb.http_port,
                      headers={"Cookie": f"sb_session={tok}",
                               "Origin": f"http://127.0.0.1:{sb.http_port}"},
                      protocols=["switchboard.events.v1"])
        S.check(ws.connect() == 101, "a session's event stream: 101")
        S.check(stream_closed(ws, 5) is None,
                "5 s with the page answering pings: the stream stays open")
        st, h, raw = request(sb, "GET", "/api/v1/sessions/current", None,
                             {"Cookie": f"sb_session={tok}"})
        S.check(st == 200,
                "... and the session is not idle after 5 s (idle limit 3 s): "
                "an open page uses it", f"{st} {raw[:100]}")
        closed = stream_closed(ws, 8)
        at = time.time() - t0
        S.check(closed == (1008, "session expired") and 7 <= at <= 12,
                "the stream ends at the session's end: 1008 session expired",
                f"{closed} after {at:.1f} s")
        st, h, raw = request(sb, "GET", "/api/v1/sessions/current", None,
                             {"Cookie": f"sb_session={tok}"})
        S.check(st == 401 and (jbody(raw) or {}).get("error") ==
                "session expired; log in again",
                "the API says the session expired", f"{st} {raw[:100]}")
    finally:
        code = sb.stop()
        S.check(code == 0, "third server: clean exit", f"exit {code}")
        sb.cleanup()


def main():
    tmp = tempfile.mkdtemp(prefix="sbweb-")
    webdir = os.path.join(tmp, "web")
    os.makedirs(os.path.join(webdir, "assets"))
    with open(os.path.join(webdir, "index.html"), "wb") as f:
        f.write(INDEX)
    with open(os.path.join(webdir, "assets", "index-3f2a9c0d.js"), "wb") as f:
        f.write(SCRIPT)
    os.symlink("/etc/passwd", os.path.join(webdir, "escape.txt"))
    with open(os.path.join(webdir, ".env"), "w") as f:
        f.write("SECRET=1\n")
    with open(os.path.join(webdir, "assets", ".hidden.js"), "w") as f:
        f.write("SECRET\n")
    sb = Switchboard(FAST + ["--web-dir", webdir]).start()
    try:
        S.run(test_static, sb, webdir)
        S.run(test_hardening, sb)
        tid, other = users(sb)
        tok, csrf = test_login(sb)
        S.run(test_login_csrf, sb)
        S.run(test_csrf, sb, tok, csrf, tid)
        S.run(test_roles, sb, tid, other)
        S.run(test_events, sb, tok)
        S.run(test_logout, sb, tok, csrf)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.run(test_secure, webdir)
    S.run(test_stream_expiry, webdir)
    shutil.rmtree(tmp, ignore_errors=True)
    S.finish()


if __name__ == "__main__":
    main()
