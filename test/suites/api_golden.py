#!/usr/bin/python3
"""The provisioning API, byte for byte: a golden transcript.

Drives a fresh daemon (demo data, test/lib/sb.py) through a long, fixed
list of requests - every route, good and bad input of every resource,
paging and filters, every role on every route - and compares each answer
(status line, headers, body bytes) with test/data/api_golden.txt, which was
recorded from the daemon before src/http/ became table-driven (issue 13).
A difference is a change of the API that a client sees.

What varies from run to run is replaced before comparing, and nothing
else: ISO-8601 times of this run (created_at, heartbeats) become
"<now>" padded to the same length, the live state of a registering trunk
(its "registration" values) becomes <v>, the age of a heartbeat in an
error text becomes <n>, and a Content-Length equal to the body's length is
written "<len>" (a wrong one stays a number).  Call records, registrations
and node rows that the requests read are written into the store first with
fixed times, as the server itself would write them.

    test/suites/api_golden.py            compare (a suite: N passed, N failed)
    test/suites/api_golden.py --record   write the transcript anew
Re-record only for an intended change of the API, and say so in the commit.
"""
import hashlib
import json
import os
import re
import socket
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, ROOT, Suite, Switchboard  # noqa: E402

GOLDEN = os.path.join(ROOT, "test", "data", "api_golden.txt")
TOKENS = {}           # name -> token; "admin" is the server's own
sb = None
T0 = 0.0              # start of the run [s]; times near it are "now"
OUT = []              # transcript records


# ---- talking HTTP, byte for byte ----

def exchange(method, path, body=None, token="admin", headers=()):
    """Send one request on a new connection; (status, headers, body bytes,
    the raw head)."""
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if token:
        tok = TOKENS.get(token, token)
        head.append(f"Authorization: Bearer {tok}")
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    if body is not None:
        head += ["Content-Type: application/json",
                 f"Content-Length: {len(body)}"]
    head += list(headers)
    data = ("\r\n".join(head) + "\r\n\r\n").encode() + (body or b"")
    s = socket.create_connection(("127.0.0.1", sb.http_port), timeout=10)
    try:
        s.sendall(data)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        rawhead, _, rest = buf.partition(b"\r\n\r\n")
        lines = rawhead.decode("latin-1").split("\r\n")
        clen = 0
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            if k.strip().lower() == "content-length":
                clen = int(v.strip())
        while len(rest) < clen:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        status = int(lines[0].split(" ")[1]) if lines[0] else 0
        return status, lines, rest[:clen]
    finally:
        s.close()


ISO = re.compile(rb'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"')
REG = re.compile(rb'"registration":\{([^{}]*)\}')
REGVAL = re.compile(rb':("(?:[^"\\]|\\.)*"|-?\d+|null|true|false)')
AGO = re.compile(rb"heartbeat \d+ s ago")


def normalise(body):
    def iso(m):
        t = time.mktime(time.strptime(m.group(1)[:19].decode(),
                                      "%Y-%m-%dT%H:%M:%S")) - time.timezone
        if T0 - 86400 <= t <= time.time() + 86400:
            return b'"<now>' + b"." * (len(m.group(1)) - 5) + b'"'
        return m.group(0)
    body = ISO.sub(iso, body)
    body = REG.sub(lambda m: b'"registration":{' +
                   REGVAL.sub(b":<v>", m.group(1)) + b"}", body)
    return AGO.sub(b"heartbeat <n> s ago", body)


def req(label, method, path, body=None, token="admin", headers=()):
    """One request into the transcript; returns the parsed JSON body (or
    None) so that later requests can use the ids it names."""
    status, lines, raw = exchange(method, path, body, token, headers)
    norm = normalise(raw)
    shown_tok = token
    if token and TOKENS["admin"].lower() in token.lower():
        shown_tok = re.sub(TOKENS["admin"], "<admin>", token,
                           flags=re.IGNORECASE)
    rec = [f"== {len(OUT) + 1} {label}",
           f"> {method} {path} [token {shown_tok}]"]
    if body is not None:
        shown = body if isinstance(body, (str, bytes)) else json.dumps(body)
        if isinstance(shown, bytes):
            shown = shown.decode("utf-8", "backslashreplace")
        if len(shown) > 300:
            shown = shown[:300] + f"... ({len(shown)} characters)"
        rec.append("> " + json.dumps(shown))
    for i, ln in enumerate(lines):
        k, _, v = ln.partition(":")
        if i and k.strip().lower() == "content-length" and \
                v.strip() == str(len(raw)):
            ln = f"{k}: <len>"
        rec.append("< " + ln)
    rec.append("< " + json.dumps(norm.decode("utf-8", "backslashreplace")))
    OUT.append("\n".join(rec))
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


# ---- fixtures written into the store ----

def db():
    return sqlite3.connect(os.path.join(sb.dir, "switchboard.db"),
                           timeout=10)


def add_token(name, role, tenant_id, employee_id=None):
    token = hashlib.sha256(f"golden-{name}".encode()).hexdigest()
    con = db()
    try:
        con.execute("INSERT INTO api_tokens (token_sha256, role, tenant_id,"
                    " name, created_at, employee_id)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (hashlib.sha256(token.encode()).hexdigest(), role,
                     tenant_id, f"golden {name}", 0, employee_id))
        con.commit()
    finally:
        con.close()
    TOKENS[name] = token


DAY = 86400000
JAN24 = 1704067200000  # 2024-01-01T00:00:00Z [ms]


def add_calls():
    """Call records of two tenants over ten days of 2024, every
    disposition, and live calls of the nodes node2 (dead) and node3
    (alive)."""
    rows = []
    disp = ["answered", "busy", "no_answer", "cancelled", "unavailable",
            "not_found", "rejected", "failed", "rtp_timeout", "node_failure"]
    for i in range(12):
        start = JAN24 + i * DAY + i * 1234
        ans = start + 3500 if i % 3 == 0 else 0
        end = start + 60000 + i
        rows.append(("node1", f"call-{i}@golden", 1 if i % 4 else 0,
                     ["inbound", "outbound", "internal"][i % 3],
                     "+4922182829901", f"+492218282990{i % 10}",
                     "device:1001" if i % 2 else "trunk:1",
                     "device:1002" if ans else "",
                     start, ans, end, disp[i % len(disp)],
                     [200, 486, 480, 487][i % 4] if i % 5 else 0,
                     ["caller", "callee", "system", ""][i % 4]))
    for node, n in (("node2", 2), ("node3", 3)):
        for i in range(n):
            start = JAN24 + 20 * DAY + i * 1000
            rows.append((node, f"live-{node}-{i}@golden", 1, "inbound",
                         "+4930123", "+4922182829900", "trunk:1", "",
                         start, 0, 0, "", 0, ""))
    con = db()
    try:
        con.executemany(
            "INSERT INTO calls (node_id, sip_call_id, tenant_id, direction,"
            " from_number, to_number, caller_leg, callee_leg, started_at,"
            " answered_at, ended_at, disposition, sip_code, ended_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("INSERT INTO nodes (node_id, started_at, heartbeat_at)"
                    " VALUES ('node2', ?, ?)", (JAN24, JAN24 + 21 * DAY))
        now = int(time.time() * 1000)
        con.execute("INSERT INTO nodes (node_id, started_at, heartbeat_at)"
                    " VALUES ('node3', ?, ?)", (now - 5000, now))
        con.commit()
    finally:
        con.close()


def add_registrations():
    far = 4102444800000  # 2100-01-01
    rows = [(1, "sip:1001@192.0.2.1:5060;transport=udp", "192.0.2.1:5060",
             "udp", "reg-a@golden", 1, "Yealink T46", "", "", "node1", far,
             JAN24),
            (1, "sip:1001@192.0.2.2:5061", "192.0.2.2:5061", "tls",
             "reg-b@golden", 7, "", "<urn:uuid:0001>", "<sip:edge@192.0.2.9;lr>",
             "node2", far, JAN24 + 1),
            (2, "sip:1002@192.0.2.3:5060", "192.0.2.3:5060", "tcp",
             "reg-c@golden", 2, "baresip", "", "", "node1", far, JAN24 + 2),
            (2, "sip:1002@192.0.2.4:5060", "192.0.2.4:5060", "udp",
             "reg-d@golden", 2, "old", "", "", "node1", JAN24, JAN24)]
    con = db()
    try:
        con.executemany(
            "INSERT INTO registrations (device_id, contact, received,"
            " transport, call_id, cseq, user_agent, instance, path, node_id,"
            " expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?)", rows)
        con.commit()
    finally:
        con.close()


# ---- the requests ----

CRUD = ["tenants", "employees", "devices", "number_blocks", "numbers",
        "announcements", "trunks"]


def every_route(ids):
    out = []
    for res in CRUD:
        oid = ids[res]
        out += [("POST", f"/api/v1/{res}", {}),
                ("GET", f"/api/v1/{res}", None),
                ("GET", f"/api/v1/{res}/{oid}", None),
                ("PATCH", f"/api/v1/{res}/{oid}", {}),
                ("DELETE", f"/api/v1/{res}/{oid}", None)]
    out += [("GET", "/api/v1/calls", None), ("GET", "/api/v1/calls/1", None),
            ("GET", "/api/v1/registrations", None),
            ("GET", "/api/v1/auth_blocks", None),
            ("DELETE", "/api/v1/auth_blocks/203.0.113.5", None),
            ("GET", "/api/v1/stats", None), ("GET", "/api/v1/nodes", None),
            ("GET", "/api/v1/nodes/node1", None),
            ("POST", "/api/v1/nodes/node2/close_calls", {})]
    return out


def health_auth_routes():
    req("health", "GET", "/health", token=None)
    req("health with token", "GET", "/health")
    req("POST health", "POST", "/health", {}, token=None)
    req("DELETE health", "DELETE", "/health", token=None)
    req("health with query", "GET", "/health?x=1", token=None)
    req("no token", "GET", "/api/v1/tenants", token=None)
    req("wrong token", "GET", "/api/v1/tenants", token="0" * 64)
    req("token plus a char", "GET", "/api/v1/tenants",
        token=TOKENS["admin"] + "x")
    req("token upper case", "GET", "/api/v1/tenants",
        token=TOKENS["admin"].upper())
    req("Basic scheme", "GET", "/api/v1/tenants", token=None,
        headers=[f"Authorization: Basic {TOKENS['admin']}"])
    req("empty Bearer", "GET", "/api/v1/tenants", token=None,
        headers=["Authorization: Bearer"])
    req("bearer lower case", "GET", "/api/v1/tenants", token=None,
        headers=[f"Authorization: bearer {TOKENS['admin']}"])
    req("two spaces", "GET", "/api/v1/tenants", token=None,
        headers=[f"Authorization: Bearer  {TOKENS['admin']}"])
    req("token with a space", "GET", "/api/v1/tenants", token=None,
        headers=[f"Authorization: Bearer {TOKENS['admin']} x"])
    req("token too long", "GET", "/api/v1/tenants", token="a" * 200)
    req("unknown route, no token", "GET", "/api/v1/nothing", token=None)
    req("unknown route", "GET", "/api/v1/nothing-here")
    req("outside /api/v1", "GET", "/nothing")
    req("/api/v1", "GET", "/api/v1")
    req("/api/v1/", "GET", "/api/v1/")
    req("/api/v1x", "GET", "/api/v1x")
    req("trailing slash", "GET", "/api/v1/tenants/")
    req("PUT collection", "PUT", "/api/v1/tenants", {})
    req("DELETE collection", "DELETE", "/api/v1/tenants")
    req("PATCH collection", "PATCH", "/api/v1/employees", {})
    req("POST item", "POST", "/api/v1/tenants/1", {})
    req("PUT item", "PUT", "/api/v1/devices/1", {})
    req("POST calls", "POST", "/api/v1/calls", {})
    req("PATCH call", "PATCH", "/api/v1/calls/1", {})
    req("DELETE registrations", "DELETE", "/api/v1/registrations")
    req("GET registration item", "GET", "/api/v1/registrations/1")
    req("POST stats", "POST", "/api/v1/stats", {})
    req("GET close_calls", "GET", "/api/v1/nodes/node2/close_calls")
    req("DELETE node", "DELETE", "/api/v1/nodes/node2")
    req("GET auth block item", "GET", "/api/v1/auth_blocks/x")
    for path in ("/api/v1/tenants/abc", "/api/v1/tenants/0",
                 "/api/v1/tenants/-1", "/api/v1/tenants/1e3",
                 "/api/v1/tenants/99999999999999999999999",
                 "/api/v1/tenants/" + "9" * 40,
                 "/api/v1/tenants/999999999999999999",
                 "/api/v1/employees/x", "/api/v1/calls/abc",
                 "/api/v1/number_blocks/0", "/api/v1/tenants/1/extra",
                 "/api/v1/tenants//1", "/api/v1//tenants"):
        req(f"path {path}", "GET", path)
    req("PATCH bad id", "PATCH", "/api/v1/trunks/zz", {"name": "x"})
    req("DELETE bad id", "DELETE", "/api/v1/numbers/0")
    req("tenant list with query", "GET", "/api/v1/tenants?x=1")
    req("tenant item with query", "GET", "/api/v1/tenants/1?x=1")


def roles(ids):
    routes = every_route(ids)
    for tok in (None, "0" * 64, "agent", "viewer"):
        for m, path, body in routes:
            req(f"{tok} on {m} {path}", m, path, body, token=tok)
    req("agent on employees with tenant", "GET",
        "/api/v1/employees?tenant_id=1", token="agent")


def demo_reads():
    for res in CRUD + ["calls", "registrations", "auth_blocks", "stats",
                       "nodes"]:
        req(f"list {res}", "GET", f"/api/v1/{res}")
    for res in CRUD:
        req(f"GET {res} 1", "GET", f"/api/v1/{res}/1")
        req(f"GET {res} 424242", "GET", f"/api/v1/{res}/424242")
        req(f"PATCH {res} 424242", "PATCH", f"/api/v1/{res}/424242", {})
        req(f"PATCH {res} 424242 bad field", "PATCH",
            f"/api/v1/{res}/424242", {"nope": 1})
        req(f"DELETE {res} 424242", "DELETE", f"/api/v1/{res}/424242")
        req(f"POST {res} {{}}", "POST", f"/api/v1/{res}", {})
        req(f"PATCH {res} 1 {{}}", "PATCH", f"/api/v1/{res}/1", {})
        req(f"PATCH {res} 1 no body", "PATCH", f"/api/v1/{res}/1")
        req(f"POST {res} no body", "POST", f"/api/v1/{res}")
        req(f"POST {res} id", "POST", f"/api/v1/{res}", {"id": 5})
        req(f"POST {res} created_at", "POST", f"/api/v1/{res}",
            {"created_at": "x"})


def tenants():
    t = req("POST tenant", "POST", "/api/v1/tenants",
            {"name": "Beispiel GmbH", "area_code": "30",
             "central_number": "030 1234500"})
    tid = t["id"]
    u = f"/api/v1/tenants/{tid}"
    req("GET tenant", "GET", u)
    req("PATCH name", "PATCH", u, {"name": "Beispiel GmbH & Co. KG"})
    req("PATCH central null", "PATCH", u, {"central_number": None})
    req("PATCH central empty", "PATCH", u, {"central_number": ""})
    req("PATCH central spaces", "PATCH", u,
        {"central_number": "+49 30 1234500"})
    for body in ({"central_number": "12ab"}, {"country_code": "x"},
                 {"country_code": "0"}, {"country_code": "1234"},
                 {"country_code": ""}, {"country_code": None},
                 {"country_code": "1"}, {"country_code": "49"},
                 {"area_code": "030"}, {"area_code": "1234567"},
                 {"area_code": "12a"}, {"area_code": ""}, {"area_code": None},
                 {"area_code": "30"}, {"name": ""}, {"name": None},
                 {"name": "Ä" * 63 + "x"}, {"name": "x" * 128},
                 {"name": "x" * 127},
                 {"name": "Beispiel GmbH", "country_code": "0",
                  "area_code": "0"},
                 {"country_code": "0", "area_code": "0"},
                 {"area_code": "0", "central_number": "x"},
                 {"area_code": "89", "central_number": "1234"},
                 {"name": DEMO["tenant"]}, {"id": 3}, {"created_at": None},
                 {"name": "Beispiel GmbH"}):
        req(f"PATCH tenant {body}", "PATCH", u, body)
    req("POST tenant without name", "POST", "/api/v1/tenants",
        {"area_code": "30"})
    req("POST tenant name taken", "POST", "/api/v1/tenants",
        {"name": DEMO["tenant"]})
    req("POST tenant all fields", "POST", "/api/v1/tenants",
        {"name": "Voll", "country_code": "43", "area_code": "1",
         "central_number": "5551234"})
    req("POST tenant bad central", "POST", "/api/v1/tenants",
        {"name": "Schlecht", "central_number": "x1"})
    x = req("POST throw-away", "POST", "/api/v1/tenants", {"name": "Kurz"})
    req("DELETE throw-away", "DELETE", f"/api/v1/tenants/{x['id']}")
    req("GET deleted", "GET", f"/api/v1/tenants/{x['id']}")
    req("DELETE again", "DELETE", f"/api/v1/tenants/{x['id']}")
    req("DELETE demo tenant", "DELETE", "/api/v1/tenants/1")
    req("list tenants", "GET", "/api/v1/tenants")
    return tid


def blocks(tid):
    b = req("POST block", "POST", "/api/v1/number_blocks",
            {"tenant_id": tid, "first": "030 1234500",
             "last": "+49 30 1234599"})
    for body in ({"tenant_id": tid, "first": "+49301234550",
                  "last": "+49301234650"},
                 {"tenant_id": tid, "first": "+49301234800",
                  "last": "+49301234700"},
                 {"tenant_id": tid, "first": "+49301234800",
                  "last": "+493012348000"},
                 {"tenant_id": 999999, "first": "+49301234800",
                  "last": "+49301234899"},
                 {"tenant_id": 0, "first": "1", "last": "2"},
                 {"tenant_id": tid, "first": "x", "last": "y"},
                 {"tenant_id": tid, "first": "+49301234800", "last": "y"},
                 {"tenant_id": tid, "first": "+49301234800"},
                 {"tenant_id": tid, "first": "+49301234800", "last": None},
                 {"tenant_id": tid, "first": "+4922182829950",
                  "last": "+4922182829999"},
                 {"tenant_id": tid, "first": "+49301234800",
                  "last": "+49301234800", "size": 1}):
        req(f"POST block {body}", "POST", "/api/v1/number_blocks", body)
    u = f"/api/v1/number_blocks/{b['id']}"
    req("GET block", "GET", u)
    req("list blocks of tenant", "GET",
        f"/api/v1/number_blocks?tenant_id={tid}")
    req("PATCH block {}", "PATCH", u, {})
    req("PATCH block last", "PATCH", u, {"last": "+49301234598"})
    req("PATCH block size", "PATCH", u, {"size": 3})
    req("PATCH block tenant", "PATCH", u, {"tenant_id": 1})
    x = req("POST block 2", "POST", "/api/v1/number_blocks",
            {"tenant_id": tid, "first": "+49301239000",
             "last": "+49301239009"})
    req("single-number block", "POST", "/api/v1/number_blocks",
        {"tenant_id": tid, "first": "+49301238000",
         "last": "+49301238000"})
    req("DELETE block 2", "DELETE", f"/api/v1/number_blocks/{x['id']}")
    req("GET block 2", "GET", f"/api/v1/number_blocks/{x['id']}")
    return b["id"]


def numbers(tid, bid):
    n = req("POST number", "POST", "/api/v1/numbers",
            {"tenant_id": tid, "e164": "+49 30 1234510",
             "description": "Vertrieb"})
    req("POST local number", "POST", "/api/v1/numbers",
        {"tenant_id": tid, "e164": "1234511", "active": False})
    for body in ({"tenant_id": tid, "e164": "+49301234510"},
                 {"tenant_id": tid, "e164": "+49301299999"},
                 {"tenant_id": tid, "e164": "+4922182829950"},
                 {"tenant_id": tid, "e164": "hello"},
                 {"tenant_id": tid, "e164": "+49301234512",
                  "target_type": "queue", "target_id": 1},
                 {"tenant_id": tid, "e164": "+49301234512",
                  "target_type": "employee"},
                 {"tenant_id": tid, "e164": "+49301234512",
                  "target_type": "employee", "target_id": 1},
                 {"tenant_id": tid, "e164": "+49301234512",
                  "target_type": "announcement", "target_id": 424242},
                 {"tenant_id": tid, "e164": "+49301234512",
                  "target_type": "none", "target_id": 3},
                 {"tenant_id": tid, "e164": "+49301234512",
                  "target_type": "none", "target_id": None},
                 {"tenant_id": tid, "e164": "+49301234513",
                  "target_id": 3},
                 {"tenant_id": tid, "e164": "+49301234514",
                  "target_type": "employee", "target_id": -1},
                 {"tenant_id": tid, "e164": "+49301234514",
                  "target_type": "employee", "target_id": 0},
                 {"tenant_id": tid, "e164": "+49301299999",
                  "target_type": "queue"},
                 {"tenant_id": tid, "e164": "x", "target_type": "queue"},
                 {"tenant_id": tid, "e164": "+49301234515",
                  "personal": True},
                 {"tenant_id": tid, "e164": "+49301234515",
                  "block_id": bid},
                 {"tenant_id": tid, "e164": "+49301234515",
                  "description": None, "active": True},
                 {"tenant_id": 1, "e164": "+4922182829960",
                  "target_type": "employee", "target_id": 2},
                 {"tenant_id": 1, "e164": "+4922182829961",
                  "target_type": "announcement", "target_id": 1}):
        req(f"POST number {body}", "POST", "/api/v1/numbers", body)
    u = f"/api/v1/numbers/{n['id']}"
    req("GET number", "GET", u)
    for body in ({"active": False, "description": None},
                 {"e164": "+4930999"}, {"personal": True},
                 {"target_id": 1}, {"target_id": None},
                 {"target_type": "none"}, {"target_type": "queue"},
                 {"target_type": "employee"},
                 {"target_type": "announcement", "target_id": 1},
                 {"target_type": None}, {"active": None},
                 {"description": "x" * 128}, {"description": "Zentrale"},
                 {"tenant_id": 1}, {"block_id": 1}):
        req(f"PATCH number {body}", "PATCH", u, body)
    req("numbers of tenant", "GET", f"/api/v1/numbers?tenant_id={tid}")
    req("numbers of demo", "GET", "/api/v1/numbers?tenant_id=1")
    req("numbers of nobody", "GET", "/api/v1/numbers?tenant_id=77")
    req("DELETE number", "DELETE", u)
    req("GET deleted number", "GET", u)
    req("DELETE block with numbers", "DELETE",
        f"/api/v1/number_blocks/{bid}")


def announcements(tid):
    a = req("POST announcement", "POST", "/api/v1/announcements",
            {"tenant_id": tid, "name": "Geschlossen",
             "file": "de/closed.wav"})
    for f in ("../x.wav", "/etc/x.wav", "x.mp3", ".wav", "a//b.wav",
              "a/.b.wav", ".hidden.wav", "a b.wav", "ok-1_2.wav", "",
              "a/../b.wav", "x.WAV"):
        req(f"POST announcement file {f!r}", "POST",
            "/api/v1/announcements", {"tenant_id": tid, "name": "x",
                                      "file": f})
    req("POST announcement bad name and file", "POST",
        "/api/v1/announcements", {"tenant_id": tid, "name": "",
                                  "file": "../x"})
    req("POST announcement no file", "POST", "/api/v1/announcements",
        {"tenant_id": tid, "name": "x"})
    u = f"/api/v1/announcements/{a['id']}"
    req("PATCH announcement name", "PATCH", u, {"name": "Betriebsferien"})
    req("PATCH announcement empty name", "PATCH", u, {"name": ""})
    req("PATCH announcement file", "PATCH", u, {"file": "en/closed.wav"})
    req("PATCH announcement tenant", "PATCH", u, {"tenant_id": 1})
    n = req("number to it", "POST", "/api/v1/numbers",
            {"tenant_id": tid, "e164": "+49301234520",
             "target_type": "announcement", "target_id": a["id"]})
    req("DELETE announcement in use", "DELETE", u)
    req("number to none", "PATCH", f"/api/v1/numbers/{n['id']}",
        {"target_type": "none"})
    req("DELETE announcement", "DELETE", u)
    req("GET deleted announcement", "GET", u)
    req("DELETE number", "DELETE", f"/api/v1/numbers/{n['id']}")
    req("announcements of tenant", "GET",
        f"/api/v1/announcements?tenant_id={tid}")
    req("announcements of demo", "GET", "/api/v1/announcements?tenant_id=1")


def employees(tid):
    e = req("POST employee", "POST", "/api/v1/employees",
            {"tenant_id": tid, "first_name": "Jana",
             "last_name": "Beispiel", "email": "jana@beispiel.example",
             "extension": "20"})
    eid = e["id"]
    u = f"/api/v1/employees/{eid}"
    n = req("free number", "POST", "/api/v1/numbers",
            {"tenant_id": tid, "e164": "+49301234530"})
    req("PATCH personal local", "PATCH", u, {"personal_number": "1234530"})
    req("number now personal", "GET", f"/api/v1/numbers/{n['id']}")
    req("PATCH same personal", "PATCH", u,
        {"personal_number": "+49301234530"})
    req("PATCH names", "PATCH", u,
        {"first_name": "Johanna", "show_personal_number": True})
    req("GET employee", "GET", u)
    for body in ({"email": "not-an-address"}, {"email": "a@b"},
                 {"email": "a b@c.de"}, {"email": "a@b..c"},
                 {"email": "@b.c"}, {"email": "a@.b.c"}, {"email": "a@b.c."},
                 {"email": "a@@b.c"}, {"email": "a<b@c.de"},
                 {"email": ""}, {"email": None}, {"email": "x@y.de"},
                 {"extension": "12a"}, {"extension": ""},
                 {"extension": "1234567"}, {"extension": None},
                 {"extension": "20"}, {"first_name": ""},
                 {"last_name": ""}, {"first_name": None},
                 {"tenant_id": 1}, {"faults": []}, {"personal_number": 5},
                 {"email": "bad", "extension": "x", "first_name": ""},
                 {"extension": "x", "personal_number": "abc"},
                 {"first_name": "", "last_name": ""},
                 {"show_personal_number": None},
                 {"show_personal_number": False}):
        req(f"PATCH employee {body}", "PATCH", u, body)
    for body in ({"tenant_id": tid, "first_name": "A"},
                 {"tenant_id": 424242, "first_name": "A", "last_name": "B"},
                 {"tenant_id": tid, "first_name": "A", "last_name": "B",
                  "extension": "20"},
                 {"tenant_id": tid, "first_name": "A", "last_name": "B",
                  "personal_number": "x"},
                 {"tenant_id": tid, "first_name": "A", "last_name": "B",
                  "personal_number": "+49301234599"},
                 {"tenant_id": tid, "first_name": "", "last_name": "B",
                  "personal_number": "x"},
                 {"tenant_id": None, "first_name": "A", "last_name": "B"},
                 {"first_name": "A", "last_name": "B"}):
        req(f"POST employee {body}", "POST", "/api/v1/employees", body)
    e2 = req("second employee", "POST", "/api/v1/employees",
             {"tenant_id": tid, "first_name": "Ole", "last_name": "Zwo",
              "extension": "21"})
    u2 = f"/api/v1/employees/{e2['id']}"
    req("own extension again", "PATCH", u2, {"extension": "21"})
    req("colleague's extension", "PATCH", u2, {"extension": "20"})
    req("employees of tenant", "GET", f"/api/v1/employees?tenant_id={tid}")
    n2 = req("number 31", "POST", "/api/v1/numbers",
             {"tenant_id": tid, "e164": "+49301234531"})
    req("give it to Ole", "PATCH", u2, {"personal_number": "+49 30 1234531"})
    req("Jana takes Ole's", "PATCH", u,
        {"personal_number": "+49301234531"})
    req("Ole's to employee Jana", "PATCH", f"/api/v1/numbers/{n2['id']}",
        {"target_type": "employee", "target_id": eid})
    req("Ole's to none", "PATCH", f"/api/v1/numbers/{n2['id']}",
        {"target_type": "none"})
    req("DELETE Ole's number", "DELETE", f"/api/v1/numbers/{n2['id']}")
    req("Ole shows the fault", "GET", u2)
    req("POST with personal", "POST", "/api/v1/employees",
        {"tenant_id": tid, "first_name": "Pia", "last_name": "Drei",
         "personal_number": "030 1234530"})
    req("DELETE Jana", "DELETE", u)
    req("GET Jana", "GET", u)
    req("number free again", "GET", f"/api/v1/numbers/{n['id']}")
    req("POST with personal again", "POST", "/api/v1/employees",
        {"tenant_id": tid, "first_name": "Pia", "last_name": "Drei",
         "personal_number": "030 1234530", "show_personal_number": True,
         "email": "pia@x.de"})
    req("DELETE Ole", "DELETE", u2)


def personal_rules():
    u = "/api/v1/employees/2"
    for pn in ("+4922182829903", DEMO["max_personal"], DEMO["central"],
               "+4922182829950", "+49301234530", "abc", "",
               DEMO["erika_personal"]):
        req(f"Erika personal {pn}", "PATCH", u, {"personal_number": pn})
    req("POST with inactive personal", "POST", "/api/v1/employees",
        {"tenant_id": 1, "first_name": "Neu", "last_name": "Ling",
         "personal_number": "+4922182829903"})
    req("employees of demo", "GET", "/api/v1/employees?tenant_id=1")
    req("remove Erika's", "PATCH", u, {"personal_number": None})
    req("numbers of demo", "GET", "/api/v1/numbers?tenant_id=1")
    req("activate 903", "PATCH", "/api/v1/numbers/5", {"active": True})
    req("give 903", "PATCH", u, {"personal_number": "0221 828299-03"})
    req("903 personal", "GET", "/api/v1/numbers/5")
    req("903 to announcement", "PATCH", "/api/v1/numbers/5",
        {"target_type": "announcement", "target_id": 1})
    req("903 to none", "PATCH", "/api/v1/numbers/5", {"target_type": "none"})
    req("903 to Max", "PATCH", "/api/v1/numbers/5",
        {"target_type": "employee", "target_id": 1})
    req("903 deactivated", "PATCH", "/api/v1/numbers/5", {"active": False})
    req("Erika after", "GET", u)
    req("Erika back", "PATCH", u, {"personal_number": DEMO["erika_personal"]})
    req("DELETE a personal number", "DELETE", "/api/v1/numbers/2")
    req("Erika without", "GET", u)


def devices(tid):
    d = req("POST device", "POST", "/api/v1/devices",
            {"tenant_id": 1, "employee_id": 2, "username": "erika.soft",
             "password": "geheim-123", "name": "Softclient"})
    u = f"/api/v1/devices/{d['id']}"
    for body in ({"password": "neues-geheim-456"}, {"srtp": "required"},
                 {"srtp": "sdes"}, {"srtp": ""}, {"srtp": 1},
                 {"srtp": None}, {"srtp": "off"}, {"srtp": "optional"},
                 {"srtp": "auto"}, {"username": "erika.soft2"},
                 {"username": "erika.soft2", "password": "neues-geheim-456",
                  "employee_id": None, "name": None},
                 {"username": "erika.soft2"}, {"username": "bad name"},
                 {"username": ""}, {"username": "bad name",
                                    "password": "x"},
                 {"password": "kurz"}, {"password": "ÄÖÜäöüßé"},
                 {"password": "äöü"}, {"password": None},
                 {"employee_id": 424242}, {"employee_id": 0},
                 {"employee_id": -2}, {"employee_id": 1},
                 {"employee_id": "1"}, {"ha1": "0" * 32},
                 {"tenant_id": 2}, {"name": ""}, {"name": "x" * 64},
                 {"username": "1001", "password": "geheim-999"},
                 {"username": "bad name", "employee_id": 424242},
                 {"password": "kurz", "employee_id": 424242},
                 {"employee_id": 424242, "srtp": "x"},
                 {"password": "kurz", "srtp": "x", "username": "a b"}):
        req(f"PATCH device {body}", "PATCH", u, body)
    for body in ({"tenant_id": 1, "username": "kurz1", "password": "kurz"},
                 {"tenant_id": 1, "username": "bad user",
                  "password": "geheim-123"},
                 {"tenant_id": 1, "username": "x" * 33,
                  "password": "geheim-123"},
                 {"tenant_id": 1, "username": "x" * 32,
                  "password": "geheim-123", "srtp": "off"},
                 {"tenant_id": 1, "username": "1001",
                  "password": "geheim-123"},
                 {"tenant_id": 1, "username": "nopw"},
                 {"tenant_id": tid, "username": "b.phone",
                  "password": "geheim-123", "employee_id": 1},
                 {"tenant_id": 424242, "username": "b.phone",
                  "password": "geheim-123"},
                 {"tenant_id": tid, "username": "b.phone",
                  "password": "geheim-123", "srtp": "nope"},
                 {"tenant_id": tid, "username": "b.phone2",
                  "password": "geheim-123", "employee_id": None,
                  "name": None}):
        req(f"POST device {body}", "POST", "/api/v1/devices", body)
    req("devices of Max", "GET", "/api/v1/devices?employee_id=1")
    req("devices of tenant", "GET", f"/api/v1/devices?tenant_id={tid}")
    req("devices of both", "GET", "/api/v1/devices?tenant_id=1&employee_id=2")
    req("devices bad employee", "GET", "/api/v1/devices?employee_id=0")
    req("DELETE device", "DELETE", u)
    req("GET deleted device", "GET", u)


def trunks(tid):
    t = req("POST trunk", "POST", "/api/v1/trunks",
            {"name": "Carrier B", "host": "192.0.2.10", "tenant_id": tid,
             "username": "acc1", "password": "trunk-secret-789"})
    u = f"/api/v1/trunks/{t['id']}"
    for body in ({"port": 5080, "transport": "tcp", "match_any_port": True,
                  "tenant_id": None},
                 {"tenant_id": tid, "host": "2001:db8::1"},
                 {"host": "carrier.example"}, {"port": 0}, {"port": 70000},
                 {"port": "5060"}, {"transport": "sctp"},
                 {"transport": "TCP"}, {"tenant_id": 424242},
                 {"tenant_id": 0}, {"name": ""}, {"host": ""},
                 {"port": 0, "host": "x"}, {"host": "x", "transport": "x"},
                 {"name": "", "port": 0}, {"tenant_id": 424242, "name": ""},
                 {"password": None}, {"password": "neu"},
                 {"username": None}, {"has_password": False},
                 {"registration": None}, {"registrar": "sip:x.example"},
                 {"registrar": "sip:192.0.2.10:5060;transport=sctp"},
                 {"registrar": "sips:192.0.2.10"},
                 {"registrar": "sip:u@192.0.2.10"},
                 {"registrar": "sip:192.0.2.10;transport=tcp"},
                 {"registrar": ""}, {"registrar": None},
                 {"domain": "bad domain"}, {"domain": "carrier.example"},
                 {"domain": ""}, {"auth_user": "a b"}, {"auth_user": "a@b"},
                 {"auth_user": "auth1"}, {"from_user": "x;y"},
                 {"from_user": "+4930123"}, {"expires": 29},
                 {"expires": 86401}, {"expires": 30}, {"expires": "60"},
                 {"register": True, "username": None},
                 {"register": True, "username": "a b"},
                 {"expires": 1, "registrar": "x"},
                 {"domain": "x y", "auth_user": "a b"},
                 {"register": True, "username": None, "expires": 5}):
        req(f"PATCH trunk {body}", "PATCH", u, body)
    req("trunks of tenant", "GET", f"/api/v1/trunks?tenant_id={tid}")
    req("trunks of demo", "GET", "/api/v1/trunks?tenant_id=1")
    req("POST trunk without host", "POST", "/api/v1/trunks",
        {"name": "no host"})
    req("POST trunk same host", "POST", "/api/v1/trunks",
        {"name": "again", "host": "2001:db8::1", "port": 5080})
    req("PATCH demo trunk onto it", "PATCH", "/api/v1/trunks/1",
        {"host": "2001:db8::1", "port": 5080})
    req("POST trunk registering without username", "POST", "/api/v1/trunks",
        {"name": "reg", "host": "192.0.2.20", "register": True})
    req("POST trunk bad everything", "POST", "/api/v1/trunks",
        {"name": "", "host": "x", "port": 0, "transport": "x"})
    req("DELETE trunk", "DELETE", u)
    req("GET deleted trunk", "GET", u)


def registering_trunk():
    r = req("POST registering trunk", "POST", "/api/v1/trunks",
            {"name": "Reg", "host": "127.0.0.1", "port": 9,
             "register": True, "username": "acc9", "password": "pw",
             "registrar": "sip:127.0.0.1:9", "domain": "carrier.example",
             "auth_user": "auth9", "from_user": "from9", "expires": 120})
    req("list trunks with it", "GET", "/api/v1/trunks")
    req("PATCH it off", "PATCH", f"/api/v1/trunks/{r['id']}",
        {"register": False})
    req("DELETE it", "DELETE", f"/api/v1/trunks/{r['id']}")


def cross_tenant(tid):
    e = req("employee of B", "POST", "/api/v1/employees",
            {"tenant_id": tid, "first_name": "Cross", "last_name": "Tenant"})
    a = req("announcement of B", "POST", "/api/v1/announcements",
            {"tenant_id": tid, "name": "B", "file": "welcome.wav"})
    req("device to B's employee", "PATCH", "/api/v1/devices/1",
        {"employee_id": e["id"]})
    req("number to B's employee", "PATCH", "/api/v1/numbers/4",
        {"target_type": "employee", "target_id": e["id"]})
    req("number to B's announcement", "PATCH", "/api/v1/numbers/4",
        {"target_type": "announcement", "target_id": a["id"]})
    req("B takes Max's number", "PATCH", f"/api/v1/employees/{e['id']}",
        {"personal_number": DEMO["max_personal"]})
    req("B's block over demo's", "POST", "/api/v1/number_blocks",
        {"tenant_id": tid, "first": "+4922182829950",
         "last": "+4922182829999"})
    req("DELETE tenant B with data", "DELETE", f"/api/v1/tenants/{tid}")
    req("DELETE B's employee", "DELETE", f"/api/v1/employees/{e['id']}")
    req("DELETE B's announcement", "DELETE",
        f"/api/v1/announcements/{a['id']}")


def calls():
    for q in ("", "?tenant_id=1", "?tenant_id=2", "?limit=3",
              "?limit=3&offset=3", "?limit=1000&offset=16",
              "?offset=100000000", "?limit=2&offset=1&tenant_id=1",
              "?since=2024-01-03T00:00:00Z",
              "?until=2024-01-03T00:00:00Z",
              "?since=2024-01-02T00:00:00Z&until=2024-01-05T00:00:00.000Z",
              "?since=2024-01-03T00:00:02.468Z",
              "?since=2024-01-01T01:00:00%2B01:00&limit=2",
              "?since=2020-01-01T00%3A00%3A00Z&limit=1",
              "?until=2099-01-01T00:00:00.5-02:30&limit=1",
              "?tenant_id=1&since=2020-01-01T00:00:00Z"
              "&until=2099-01-01T00:00:00.000Z&limit=10&offset=0",
              "?limit=2&limit=5", "?&&limit=2&", "?limit", "?limit=",
              "?tenant_id=%31", "?tenant_id=%zz", "?tenant_id=",
              "?since=2026-01-01T00:00:00.-12Z", "?since=-999-01-01T00:00:00Z",
              "?since=2026-01-+1T00:00:00Z", "?since=2026-1-01T00:00:00Z",
              "?until=2026-02-29T00:00:00Z", "?until=2026-01-01T00:00:00",
              "?since=yesterday", "?until=2026-13-01T00:00:00Z",
              "?limit=0", "?limit=abc", "?limit=100000", "?limit=1001",
              "?limit=-1", "?limit=+5", "?offset=-1", "?offset=100000001",
              "?offset=99999999999999999999999", "?tenant_id=x",
              "?tenant_id=0", "?tenant_id=-1",
              "?tenant_id=99999999999999999999", "?colour=red",
              "?" + "k" * 100 + "=1",
              "?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z",
              "?since=2026-01-01T00:00:00Z&until=2026-01-01T00:00:00Z",
              "?colour=red&limit=0", "?limit=0&colour=red"):
        req(f"calls {q}", "GET", f"/api/v1/calls{q}")
    for i in (1, 2, 5, 12, 13, 17, 18, 987654):
        req(f"call {i}", "GET", f"/api/v1/calls/{i}")


def registrations():
    for q in ("", "?device_id=1", "?device_id=2", "?device_id=3",
              "?device_id=999", "?device_id=one", "?device_id=0",
              "?tenant_id=1", "?device_id=1&device_id=2"):
        req(f"registrations {q}", "GET", f"/api/v1/registrations{q}")
    for q in ("?tenant_id=1&employee_id=1", "?employee_id=x",
              "?tenant=1", "?tenant_id=1&x=2"):
        req(f"devices {q}", "GET", f"/api/v1/devices{q}")
    for res in ("employees", "number_blocks", "numbers", "announcements",
                "trunks"):
        for q in ("?tenant_id=1", "?tenant_id=0", "?tenant_id=abc",
                  "?employee_id=1", "?tenant_id=424242"):
            req(f"{res} {q}", "GET", f"/api/v1/{res}{q}")


def nodes():
    req("nodes", "GET", "/api/v1/nodes")
    req("nodes with query", "GET", "/api/v1/nodes?x=1")
    for k in ("node1", "node2", "node3", "node9", "node%31", "node%zz",
              "%00", "x" * 100, "node1?x=1"):
        req(f"node {k}", "GET", f"/api/v1/nodes/{k}")
    u = "/api/v1/nodes/{}/close_calls"
    for k, body in (("node1", {}), ("node3", {}), ("node3", {"force": False}),
                    ("node3", {"force": "yes"}), ("node3", {"x": 1}),
                    ("node3", None), ("node3", "[]"), ("node9", {}),
                    ("node%zz", {}), ("node2", {"force": None}),
                    ("node2", {}), ("node2", {}), ("node3", {"force": True})):
        req(f"close_calls {k} {body}", "POST", u.format(k), body)
    req("nodes after", "GET", "/api/v1/nodes")
    req("calls after", "GET", "/api/v1/calls?limit=6")


def guard_stats():
    req("auth blocks", "GET", "/api/v1/auth_blocks")
    req("auth blocks query", "GET", "/api/v1/auth_blocks?x=1")
    for k in ("203.0.113.5", "1001", "203.0.113.5%3A5060%2F1001", "%zz",
              "%00", "x" * 200):
        req(f"unblock {k}", "DELETE", f"/api/v1/auth_blocks/{k}")
    req("stats", "GET", "/api/v1/stats")
    req("stats query", "GET", "/api/v1/stats?x=1")


BODIES = ['{', '}', '{"a"}', '{"a":}', '{:1}', '{"name":"x",}',
          '{"name":"\\u0000"}', '{"name":"\\ud800"}', 'null', '42',
          '"str"', '{"name":1e999}', '{"tenant_id":99999999999999999999}',
          '{"tenant_id":-9223372036854775808}', '{"a":[1,2,{"b":[]}]}',
          '{"name":"x"}{"name":"y"}', '{"name":"x"} trailing',
          '\x00\x01\x02', '{"' + 'k' * 5000 + '":1}',
          '[' * 50 + ']' * 50, '{"a":' * 50 + '1' + '}' * 50,
          '{"name":"x","first_name":"y","last_name":"z","username":"u",'
          '"password":null,"e164":[],"host":{},"port":"80"}',
          '{"name": "x"', 'name=x', '{"name": tru}', '{"name": TRUE}',
          '{"tenant_id": 01}', '[{"name": "x"}]', '', '   ', '{}',
          '{"name": "a\\nb"}', b'{"name": "\xff\xfe"}',
          '{"name": "x", "name": "y"}', '{"name": 1.5}', '{"name": -0}',
          '{"name": {"a": {"b": {"c": {"d": {"e": 1}}}}}}',
          '{"name": {"a": {"b": 1}}}', '{"name": "\\u00e4\\u20ac"}',
          '{"name": "\\ud83d\\ude00"}', '{"tenant_id": 1.0}',
          '{"tenant_id": 1e2}', '{"tenant_id": true}',
          '{"active": "true"}', '{"active": 0}']


def garbage(tid):
    paths = [("POST", "/api/v1/tenants"), ("POST", "/api/v1/employees"),
             ("POST", "/api/v1/devices"), ("POST", "/api/v1/numbers"),
             ("POST", "/api/v1/number_blocks"),
             ("POST", "/api/v1/announcements"), ("POST", "/api/v1/trunks"),
             ("PATCH", f"/api/v1/tenants/{tid}"),
             ("PATCH", "/api/v1/employees/2"),
             ("PATCH", "/api/v1/devices/1"), ("PATCH", "/api/v1/numbers/1"),
             ("PATCH", "/api/v1/number_blocks/1"),
             ("PATCH", "/api/v1/announcements/1"),
             ("PATCH", "/api/v1/trunks/1"),
             ("POST", "/api/v1/nodes/node2/close_calls")]
    for m, p in paths:
        for b in BODIES:
            req(f"garbage {m} {p}", m, p, b)
    big = json.dumps({"name": "x" * (70 * 1024)})
    req("413 POST", "POST", "/api/v1/tenants", big)
    req("413 PATCH", "PATCH", f"/api/v1/tenants/{tid}", big)
    req("64 KiB exactly", "POST", "/api/v1/tenants",
        '{"name": "' + "x" * (65536 - 12) + '"}')


def ring_groups():
    """/api/v1/ring_groups (appended after the recording of issue 13)."""
    u = "/api/v1/ring_groups"
    body = {"tenant_id": 1, "name": "Vertrieb", "strategy": "sequential",
            "timeout": 45, "skip_busy": True,
            "members": [{"employee_id": 2, "timeout": 15},
                        {"employee_id": 1}],
            "fallback_type": "announcement", "fallback_id": 1}
    for bad in ({"strategy": "random"}, {"members": []},
                {"members": None}, {"members": [1]},
                {"members": [{"employee_id": 424242}]},
                {"members": [{"employee_id": 1}, {"employee_id": 1}]},
                {"members": [{"employee_id": 1, "timeout": 301}]},
                {"members": [{"employee_id": "1"}]},
                {"members": [{"timeout": 5}]},
                {"fallback_type": "ring_group", "fallback_id": None},
                {"fallback_type": "ring_group", "fallback_id": 424242},
                {"timeout": -1}, {"skip_busy": "yes"}, {"name": ""}):
        req(f"POST ring group {bad}", "POST", u, dict(body, **bad))
    req("POST ring group without members", "POST", u,
        {"tenant_id": 1, "name": "Leer"})
    g = req("POST ring group", "POST", u, body)
    gu = f"{u}/{g['id']}"
    req("POST ring group again", "POST", u, body)
    req("GET ring group", "GET", gu)
    req("list ring groups", "GET", u)
    req("list ring groups of tenant 1", "GET", f"{u}?tenant_id=1")
    req("list ring groups bad tenant", "GET", f"{u}?tenant_id=0")
    req("PATCH ring group", "PATCH", gu,
        {"name": "Verkauf", "strategy": "simultaneous",
         "members": [{"employee_id": 1, "timeout": 30}]})
    req("PATCH ring group tenant", "PATCH", gu, {"tenant_id": 2})
    req("PATCH ring group fallback to itself", "PATCH", gu,
        {"fallback_type": "ring_group", "fallback_id": g["id"]})
    req("PATCH ring group no fallback", "PATCH", gu,
        {"fallback_type": None, "fallback_id": None})
    req("PATCH ring group fallback none", "PATCH", gu,
        {"fallback_type": "none", "fallback_id": None})
    n = req("POST number to the ring group", "POST", "/api/v1/numbers",
            {"tenant_id": 1, "e164": "+4922182829977",
             "target_type": "ring_group", "target_id": g["id"]})
    req("DELETE ring group in use", "DELETE", gu)
    req("DELETE an employee in it", "DELETE", "/api/v1/employees/1")
    for tok in (None, "agent", "viewer"):
        req(f"{tok} on GET ring groups", "GET", u, token=tok)
        req(f"{tok} on POST ring groups", "POST", u, body, token=tok)
        req(f"{tok} on DELETE ring group", "DELETE", gu, token=tok)
    req("DELETE its number", "DELETE", f"/api/v1/numbers/{n['id']}")
    req("DELETE ring group", "DELETE", gu)
    req("GET deleted ring group", "GET", gu)


def events():
    """/api/v1/events, the WebSocket stream (appended in issue 15): the
    answers before an upgrade (the stream itself: events.py)."""
    u = "/api/v1/events"
    ws = ("Upgrade: websocket", "Connection: Upgrade",
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==")
    req("events without Upgrade", "GET", u)
    req("events of the agent without Upgrade", "GET", u, token="agent")
    req("events of the viewer", "GET", u, token="viewer")
    req("events without a token", "GET", u, token=None, headers=ws)
    req("events ?access_token= wrong", "GET", u + "?access_token=" +
        "0" * 64, token=None, headers=ws)
    req("events POST", "POST", u, {})
    req("events ?x=1", "GET", u + "?x=1", headers=ws)
    req("events ?tenant_id=424242", "GET", u + "?tenant_id=424242",
        headers=ws)
    req("events ?tenant_id=2 of the agent (tenant 1)", "GET",
        u + "?tenant_id=2", token="agent", headers=ws)
    req("events version 8", "GET", u, headers=ws[:2] + (
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 8"))
    req("events without a key", "GET", u,
        headers=ws[:2] + ("Sec-WebSocket-Version: 13",))
    req("events Connection: keep-alive", "GET", u,
        headers=("Upgrade: websocket", "Connection: keep-alive",
                 "Sec-WebSocket-Version: 13"))


def queues_agents():
    """/api/v1/queues and /api/v1/agents (appended in issue 15)."""
    u = "/api/v1/queues"
    body = {"tenant_id": 1, "name": "Technik", "strategy": "skills",
            "wrapup": 30, "max_wait": 600,
            "members": [{"employee_id": 2, "tier": 0},
                        {"employee_id": 1, "tier": 1}],
            "skills": [{"skill": "de", "min_level": 5, "relax_after": 30}],
            "widen": [{"after": 20, "max_tier": 1}],
            "no_agents_type": "announcement", "no_agents_id": 1}
    for bad in ({"strategy": "random"}, {"ring_timeout": 4},
                {"members": [{"employee_id": 424242}]},
                {"members": [{"employee_id": 1}, {"employee_id": 1}]},
                {"members": [{"employee_id": 1, "tier": 10}]},
                {"skills": [{"skill": "de"}, {"skill": "de"}]},
                {"skills": [{"skill": "de", "min_level": 0}]},
                {"widen": [{"after": 20, "max_tier": 1},
                           {"after": 10, "max_tier": 2}]},
                {"schedule_id": 424242}, {"mailbox_id": 424242},
                {"timeout_type": "queue", "timeout_id": 424242},
                {"closed_type": "announcement"}, {"name": ""}):
        req(f"POST queue {bad}", "POST", u, dict(body, **bad))
    q = req("POST queue", "POST", u, body)
    qu = f"{u}/{q['id']}"
    req("POST queue again", "POST", u, body)
    req("GET queue", "GET", qu)
    req("list queues of tenant 1", "GET", f"{u}?tenant_id=1")
    req("PATCH queue", "PATCH", qu,
        {"strategy": "ring_all", "members": [{"employee_id": 2}]})
    req("PATCH queue full to itself", "PATCH", qu,
        {"full_type": "queue", "full_id": q["id"]})
    n = req("POST number to the queue", "POST", "/api/v1/numbers",
            {"tenant_id": 1, "e164": "+4922182829976",
             "target_type": "queue", "target_id": q["id"]})
    req("DELETE queue in use", "DELETE", qu)
    req("DELETE an employee in it", "DELETE", "/api/v1/employees/2")
    a = "/api/v1/agents"
    req("list agents", "GET", a)
    req("PATCH agent skills", "PATCH", f"{a}/2",
        {"skills": [{"name": "de", "level": 9}]})
    req("PATCH agent bad skill", "PATCH", f"{a}/2",
        {"skills": [{"name": "de", "level": 0}]})
    for body_ in ({"action": "pause", "reason": "Mittag"},
                  {"action": "login"}, {"action": "login"},
                  {"action": "pause"}, {"action": "pause", "reason": "Mittag"},
                  {"action": "end_wrapup"}, {"action": "unpause"},
                  {"action": "logout", "reason": "x"}, {"action": "logout"},
                  {"action": "sleep"}, {}):
        req(f"POST agent state {body_}", "POST", f"{a}/2/state", body_)
    req("GET agent", "GET", f"{a}/2")
    req("GET unknown agent", "GET", f"{a}/424242")
    for tok in (None, "agent", "viewer"):
        req(f"{tok} on GET agents", "GET", a, token=tok)
        req(f"{tok} on POST agent state", "POST", f"{a}/2/state",
            {"action": "login"}, token=tok)
        req(f"{tok} on POST queues", "POST", u, body, token=tok)
    req("DELETE its number", "DELETE", f"/api/v1/numbers/{n['id']}")
    req("DELETE queue", "DELETE", qu)
    req("GET deleted queue", "GET", qu)


def vips():
    """/api/v1/vips and what a queue's waiting caller hears (appended in
    issue 15, migration 17)."""
    u = "/api/v1/vips"
    body = {"tenant_id": 1, "number": "030 777888", "name": "Dr. Anna Schmitz",
            "note": "Vorstand"}
    for bad in ({"number": "abc"}, {"number": "12"}, {"name": ""},
                {"note": "n" * 256}, {"tenant_id": 424242}, {"x": 1}):
        req(f"POST vip {bad}", "POST", u, dict(body, **bad))
    v = req("POST vip", "POST", u, body)
    vu = f"{u}/{v['id']}"
    req("POST vip again (+49 30 777888)", "POST", u,
        dict(body, number="+49 30 777888"))
    req("GET vip", "GET", vu)
    req("list vips of tenant 1", "GET", f"{u}?tenant_id=1")
    req("PATCH vip", "PATCH", vu, {"name": "Anna Schmitz", "note": None})
    req("PATCH vip bad number", "PATCH", vu, {"number": "0"})
    for tok in (None, "agent", "viewer"):
        req(f"{tok} on GET vips", "GET", u, token=tok)
    req("DELETE vip", "DELETE", vu)
    req("GET deleted vip", "GET", vu)
    q = "/api/v1/queues"
    qb = {"tenant_id": 1, "name": "Wartend", "members": []}
    for bad in ({"announce_every": 3601}, {"greeting": "../x.wav"},
                {"greeting": "uploads/1/nope.wav"}, {"say_wait": "no"}):
        req(f"POST queue {bad}", "POST", q, dict(qb, **bad))
    w = req("POST queue with its greeting", "POST", q,
            dict(qb, greeting="de/greeting.wav", announce_every=0,
                 say_position=False))
    req("DELETE it", "DELETE", f"{q}/{w['id']}")


def run():
    # an agent token has its employee (Max): one without is refused
    add_token("agent", "agent", 1, 1)
    add_token("viewer", "viewer", None)
    add_calls()
    add_registrations()
    health_auth_routes()
    demo_reads()
    roles({r: 1 for r in CRUD})
    tid = tenants()
    bid = blocks(tid)
    numbers(tid, bid)
    announcements(tid)
    employees(tid)
    personal_rules()
    devices(tid)
    trunks(tid)
    registering_trunk()
    cross_tenant(tid)
    calls()
    registrations()
    nodes()
    guard_stats()
    garbage(tid)
    demo_reads()
    roles({"tenants": tid, "employees": 2, "devices": 1,
           "number_blocks": bid, "numbers": 1, "announcements": 1,
           "trunks": 1})
    ring_groups()
    events()
    transfers()
    queues_agents()
    queue_stats()
    vips()


def queue_stats():
    """GET /api/v1/queues/:id/stats (appended in issue 15): an empty
    winter day and the 25-hour day of 2024 (dates far from now, so that
    no time in the answers is "<now>"), the errors, the roles."""
    u = "/api/v1/queues"
    q = req("POST queue for statistics", "POST", u,
            {"tenant_id": 1, "name": "Statistik", "service_level": 30})
    su = f"{u}/{q['id']}/stats"
    req("GET stats of a winter day", "GET", f"{su}?date=2024-01-15")
    req("GET stats of the 25-hour day", "GET", f"{su}?date=2024-10-27")
    for query in ("?date=2024-02-30", "?date=x", "?to=2023-13-01",
                  "?date=2024-01-15&to=2024-01-16",
                  "?from=2024-01-15&to=2024-01-14",
                  "?from=2024-01-01&to=2024-02-01", "?day=2024-01-15"):
        req(f"GET stats {query}", "GET", su + query)
    req("GET stats of an unknown queue", "GET", f"{u}/424242/stats")
    req("POST stats", "POST", su, {})
    for tok in (None, "agent", "viewer"):
        req(f"{tok} on GET stats", "GET", f"{su}?date=2024-01-15", token=tok)
    req("DELETE the statistics queue", "DELETE", f"{u}/{q['id']}")


def transfers():
    """POST /api/v1/calls/:id/transfer (issue 15) on calls that are not
    live here: ended, another tenant's, on another node; roles."""
    con = db()
    try:
        cur = con.execute(
            "INSERT INTO calls (node_id, sip_call_id, tenant_id, direction,"
            " from_number, to_number, caller_leg, callee_leg, started_at,"
            " answered_at, ended_at, disposition, sip_code, ended_by)"
            " VALUES ('node3', 'xfer@golden', 1, 'inbound', '+4930123',"
            " '+4922182829900', 'trunk:1', '', ?, 0, 0, '', 0, '')",
            (JAN24 + 30 * DAY,))
        live = cur.lastrowid
        con.commit()
    finally:
        con.close()
    blind = {"mode": "blind", "to": {"number": "1001"}}
    for i in (1, 2, live, 987654):
        for tok in ("admin", "agent", "viewer"):
            req(f"transfer call {i} as {tok}", "POST",
                f"/api/v1/calls/{i}/transfer", blind, token=tok)
    for suffix in ("complete", "cancel"):
        for i in (2, 987654):
            req(f"transfer {suffix} call {i}", "POST",
                f"/api/v1/calls/{i}/transfer/{suffix}", {})
    req("transfer no body", "POST", "/api/v1/calls/2/transfer", None)
    req("GET transfer", "GET", "/api/v1/calls/2/transfer")
    req("agent on GET calls", "GET", "/api/v1/calls/2", token="agent")


def main():
    global sb, T0
    record = "--record" in sys.argv[1:]
    s = Suite("api_golden")
    T0 = time.time()
    sb = Switchboard(own_trunk_port=False, extra_args=[
        "--heartbeat-interval", "3600", "--node-stale-after", "7200",
        "--purge-interval", "0",   # its 2024 records stay (under load)
        "--keepalive-interval", "0"])
    try:
        sb.start()
        TOKENS["admin"] = sb.token
        s.run(run)
        code = sb.stop()
        s.check(code == 0, "exit code 0 after SIGTERM (no ASan report)",
                f"{code}\n{sb.tail(30)}")
    finally:
        if s.failed:
            print(sb.tail(20), flush=True)
        sb.cleanup()
    if record:
        with open(GOLDEN, "w") as f:
            f.write("\n".join(OUT) + "\n")
        print(f"recorded {len(OUT)} requests into {GOLDEN}")
        s.finish()
    try:
        want = open(GOLDEN).read().rstrip("\n").split("\n== ")
    except OSError as e:
        s.check(False, "golden transcript readable", str(e))
        s.finish()
    got = "\n".join(OUT).split("\n== ")
    s.check(len(got) == len(want), f"{len(want)} requests, as recorded",
            f"got {len(got)}")
    bad = 0
    for i, (g, w) in enumerate(zip(got, want)):
        if g == w:
            continue
        bad += 1
        if bad <= 20:
            s.check(False, f"answer {i + 1} as recorded",
                    f"\n--- recorded\n{w}\n--- now\n{g}")
    s.check(bad == 0, f"every answer byte for byte as recorded "
            f"({min(len(got), len(want)) - bad} of {len(want)} equal)",
            f"{bad} differ")
    s.finish()


if __name__ == "__main__":
    main()
