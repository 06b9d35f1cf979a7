#!/usr/bin/python3
"""End-to-end tests of the JSON provisioning API (/api/v1/...).

Starts the sanitizer build of the daemon with the demo data (test/lib/sb.py),
then drives every resource over real HTTP: authentication, CRUD with value
checks, the personal-number rules of seeds/003, bad input of every kind and
the read-only call and registration lists.  At the end the daemon must still
answer and exit with 0 after SIGTERM (ASan/LeakSanitizer would make it
non-zero).  Prints "N passed, N failed" last.
"""
import hashlib
import http.client
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard  # noqa: E402

s = Suite("api")
sb = None
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SECRETS = []          # passwords sent to the API: must never show up
TENANT = {}           # ids of the demo tenant and of the one we create


def raw(method, path, body=None, headers=None):
    """(status, headers dict, body bytes) for requests sb.api() can't make."""
    c = http.client.HTTPConnection("127.0.0.1", sb.http_port, timeout=10)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def auth():
    return {"Authorization": f"Bearer {sb.token}"}


def err_check(what, status, body, want_status, msg):
    """The reply is exactly want_status with the body {"error": msg}."""
    return s.check(status == want_status and body == {"error": msg}, what,
                   f"got {status} {body!r}, want {want_status} "
                   f"{{\"error\": {msg!r}}}")


def jl(b):
    """A raw reply body parsed as JSON, or the bytes if it is not."""
    try:
        return json.loads(b)
    except ValueError:
        return b


def by(lst, key, val):
    for x in lst:
        if x.get(key) == val:
            return x
    return None


def no_secret_fields(obj):
    text = json.dumps(obj)
    return '"password"' not in text and '"ha1"' not in text


# ---- health and authentication ----

def test_health():
    st, h, b = raw("GET", "/health")
    s.check(st == 200 and json.loads(b) == {"status": "ok"},
            "GET /health without token answers {\"status\":\"ok\"}",
            f"{st} {b!r}")
    s.check(h.get("content-type", "").startswith("application/json"),
            "health: Content-Type application/json", repr(h))
    st, h, b = raw("POST", "/health", b"{}")
    err_check("POST /health is 405", st, jl(b), 405,
              "method POST not allowed here; use GET")
    s.check(h.get("allow") == "GET", "POST /health: Allow: GET", repr(h))


def test_auth():
    st, b = sb.api("GET", "/api/v1/tenants", token=None)
    err_check("no token: 401", st, b, 401, "missing or invalid token")
    st, b = sb.api("GET", "/api/v1/tenants", token="0" * 64)
    err_check("wrong token: 401", st, b, 401, "missing or invalid token")
    st, b = sb.api("GET", "/api/v1/tenants", token=sb.token + "x")
    err_check("token with extra char: 401", st, b, 401,
              "missing or invalid token")
    st, h, b = raw("GET", "/api/v1/tenants",
                   headers={"Authorization": f"Basic {sb.token}"})
    s.check(st == 401 and h.get("www-authenticate") == "Bearer" and
            jl(b) == {"error": "missing or invalid token"},
            "Basic scheme: 401 with WWW-Authenticate: Bearer", f"{st} {h}")
    st, h, b = raw("GET", "/api/v1/tenants",
                   headers={"Authorization": "Bearer"})
    err_check("empty bearer: 401", st, jl(b), 401,
              "missing or invalid token")
    st, b = sb.api("GET", "/api/v1/nothing-here", token=None)
    err_check("unknown route without token: 401 (auth first)", st, b, 401,
              "missing or invalid token")
    st, b = sb.api("POST", "/api/v1/tenants", {"name": "X"}, token="bad")
    err_check("POST with wrong token: 401", st, b, 401,
              "missing or invalid token")
    st, b = sb.api("GET", "/api/v1/tenants", token=sb.token.upper())
    err_check("token is case-sensitive", st, b, 401,
              "missing or invalid token")
    st, h, b = raw("GET", "/api/v1/tenants",
                   headers={"Authorization": f"bearer {sb.token}"})
    s.check(st == 200, "scheme name is case-insensitive", str(st))


def test_routes():
    st, b = sb.api("GET", "/api/v1/nothing-here")
    err_check("unknown route: 404", st, b, 404,
              "no such resource: /api/v1/nothing-here")
    st, b = sb.api("GET", "/nothing")
    err_check("path outside /api/v1: 404", st, b, 404,
              "no such resource: /nothing")
    st, h, b = raw("PUT", "/api/v1/tenants", b"{}", auth())
    s.check(st == 405 and "GET" in h.get("allow", "") and
            "POST" in h.get("allow", ""),
            "PUT on a collection: 405 with Allow: GET, POST", f"{st} {h}")
    st, b = sb.api("DELETE", "/api/v1/tenants")
    err_check("DELETE on a collection: 405", st, b, 405,
              "method DELETE not allowed here; use POST, GET")
    st, b = sb.api("PUT", "/api/v1/calls", {})
    err_check("PUT /calls: 405", st, b, 405,
              "method PUT not allowed here; use GET, POST")
    st, b = sb.api("DELETE", "/api/v1/registrations")
    err_check("DELETE /registrations: 405", st, b, 405,
              "method DELETE not allowed here; use GET")
    st, b = sb.api("GET", "/api/v1/tenants/abc")
    err_check("non-numeric id: 404", st, b, 404, "tenant abc not found")
    st, b = sb.api("GET", "/api/v1/tenants/0")
    err_check("id 0: 404", st, b, 404, "tenant 0 not found")
    st, b = sb.api("GET", "/api/v1/tenants/-1")
    err_check("negative id: 404", st, b, 404, "tenant -1 not found")
    st, b = sb.api("GET", "/api/v1/tenants/99999999999999999999999")
    err_check("id beyond int64: 400 says so", st, b, 400,
              "id: 99999999999999999999999 is too large (at most "
              "9223372036854775807)")
    st, b = sb.api("GET", "/api/v1/tenants/1/extra")
    err_check("path longer than any route: 404", st, b, 404,
              "no such resource: /api/v1/tenants/1/extra")
    st, h, b = raw("GET", "/api/v1/tenants", headers=auth())
    s.check(st == 200 and h.get("content-type", "").startswith(
        "application/json"), "replies are application/json", repr(h))


# ---- demo data ----

def test_demo():
    st, ts = sb.api("GET", "/api/v1/tenants")
    t = by(ts or [], "name", DEMO["tenant"])
    s.check(st == 200 and t is not None, "demo tenant Mustermann AG listed",
            f"{st} {ts}")
    if not t:
        return
    TENANT["demo"] = t["id"]
    s.check(t["country_code"] == "49" and t["area_code"] == "221" and
            t["central_number"] == DEMO["central"],
            "demo tenant: 49 / 221 / central number", repr(t))
    s.check(ISO.match(t["created_at"] or ""), "created_at is ISO-8601 UTC",
            repr(t["created_at"]))

    st, es = sb.api("GET", f"/api/v1/employees?tenant_id={t['id']}")
    s.check(st == 200 and len(es) == 2, "two demo employees", f"{st} {es}")
    mx = by(es, "first_name", "Max")
    er = by(es, "first_name", "Erika")
    s.check(mx and mx["personal_number"] == DEMO["max_personal"] and
            mx["faults"] == [], "Max has his personal number, no faults",
            repr(mx))
    s.check(er and er["personal_number"] == DEMO["erika_personal"] and
            er["faults"] == [] and er["extension"] == "1002",
            "Erika has her personal number, extension 1002", repr(er))
    TENANT["max"] = mx and mx["id"]
    TENANT["erika"] = er and er["id"]

    st, ds = sb.api("GET", "/api/v1/devices")
    names = sorted(d["username"] for d in ds or [])
    s.check(st == 200 and names == sorted(DEMO["devices"]),
            "demo devices 1001, 1002, 1011", f"{st} {names}")
    s.check(all(no_secret_fields(d) for d in ds or []),
            "devices show neither password nor ha1", repr(ds))
    st, _, b = raw("GET", "/api/v1/devices", headers=auth())
    s.check(not any(p.encode() in b for p in DEMO["devices"].values()),
            "no demo password appears in the device list")
    d1001 = by(ds, "username", "1001")
    s.check(d1001 and d1001["employee_id"] == TENANT["max"],
            "device 1001 belongs to Max", repr(d1001))

    st, ns = sb.api("GET", f"/api/v1/numbers?tenant_id={t['id']}")
    n903 = by(ns or [], "e164", "+4922182829903")
    s.check(n903 and n903["active"] is False and
            n903["target_type"] == "none" and n903["personal"] is False,
            "+4922182829903 is inactive and free", repr(n903))
    n901 = by(ns or [], "e164", DEMO["max_personal"])
    s.check(n901 and n901["personal"] is True and
            n901["target_type"] == "employee" and
            n901["target_id"] == TENANT["max"],
            "Max's number is personal and routed to him", repr(n901))
    ann = by(ns or [], "e164", DEMO["announcement"])
    s.check(ann and ann["target_type"] == "announcement",
            "announcement number targets an announcement", repr(ann))

    st, tr = sb.api("GET", "/api/v1/trunks")
    s.check(st == 200 and len(tr) >= 1 and tr[0]["port"] ==
            DEMO["trunk_port"] and tr[0]["tenant_id"] is None and
            "password" not in tr[0], "demo trunk: shared, port 5090, "
            "no password field", repr(tr))
    st, bl = sb.api("GET", "/api/v1/number_blocks")
    s.check(st == 200 and by(bl, "first", "+4922182829900") and
            by(bl, "first", "+4922182829900")["size"] == 100,
            "demo block +4922182829900..99 (100 numbers)", repr(bl))
    st, an = sb.api("GET", "/api/v1/announcements")
    s.check(st == 200 and by(an, "file", "welcome.wav"),
            "demo announcement welcome.wav", repr(an))


# ---- tenants ----

def test_tenants():
    st, t = sb.api("POST", "/api/v1/tenants",
                   {"name": "Beispiel GmbH", "area_code": "30",
                    "central_number": "030 1234500"})
    s.check(st == 201 and t["name"] == "Beispiel GmbH" and
            t["country_code"] == "49" and t["area_code"] == "30" and
            t["central_number"] == "+49301234500" and t["id"] > 0 and
            t["language"] == "de" and ISO.match(t["created_at"]),
            "POST tenant: 201, defaults (language de) and normalised "
            "central number",
            f"{st} {t}")
    if st != 201:
        return
    tid = TENANT["b"] = t["id"]
    st, g = sb.api("GET", f"/api/v1/tenants/{tid}")
    s.check(st == 200 and g == t, "GET tenant equals the created one",
            f"{st} {g}")
    st, ls = sb.api("GET", "/api/v1/tenants")
    s.check(st == 200 and by(ls, "id", tid) == t, "tenant in the list")
    st, p = sb.api("PATCH", f"/api/v1/tenants/{tid}",
                   {"name": "Beispiel GmbH & Co. KG"})
    s.check(st == 200 and p["name"] == "Beispiel GmbH & Co. KG" and
            p["area_code"] == "30" and p["central_number"] ==
            "+49301234500", "PATCH name changes only the name", f"{st} {p}")
    st, p = sb.api("PATCH", f"/api/v1/tenants/{tid}",
                   {"central_number": None})
    s.check(st == 200 and p["central_number"] is None,
            "PATCH central_number null clears it", f"{st} {p}")
    st, p = sb.api("PATCH", f"/api/v1/tenants/{tid}",
                   {"central_number": "+49 30 1234500"})
    s.check(st == 200 and p["central_number"] == "+49301234500",
            "central_number with spaces is normalised", f"{st} {p}")
    st, p = sb.api("PATCH", f"/api/v1/tenants/{tid}", {"language": "en"})
    s.check(st == 200 and p["language"] == "en" and p["name"] ==
            "Beispiel GmbH & Co. KG", "PATCH language en", f"{st} {p}")
    st, b = sb.api("PATCH", f"/api/v1/tenants/{tid}", {"language": "fr"})
    err_check("a language we have no prompts in: 422", st, b, 422,
              "language: must be de or en")
    st, b = sb.api("PATCH", f"/api/v1/tenants/{tid}",
                   {"central_number": "12ab"})
    err_check("bad central_number: 422", st, b, 422,
              "central_number: 12ab is not a valid E.164 phone number")
    st, b = sb.api("PATCH", f"/api/v1/tenants/{tid}", {"country_code": "x"})
    err_check("bad country_code: 422", st, b, 422,
              "country_code: must be 1 to 3 digits without a leading 0, like \"49\"")
    st, b = sb.api("PATCH", f"/api/v1/tenants/{tid}", {"area_code": "030"})
    err_check("area code with leading 0: 422", st, b, 422,
              "area_code: must be 1 to 6 digits without the leading 0, like \"221\"")
    st, b = sb.api("PATCH", f"/api/v1/tenants/{tid}", {"name": ""})
    err_check("empty name: 422", st, b, 422, "name: must not be empty")
    st, b = sb.api("POST", "/api/v1/tenants", {"area_code": "30"})
    err_check("POST without name: 400", st, b, 400, "name: is required")

    st, h, b = raw("POST", "/api/v1/tenants",
                   json.dumps({"name": "Mit Location"}).encode(),
                   dict(auth(), **{"Content-Type": "application/json"}))
    loc = json.loads(b).get("id") if st == 201 else None
    s.check(st == 201 and h.get("location") == f"/api/v1/tenants/{loc}",
            "201 carries Location: /api/v1/tenants/<id>", f"{st} {h}")
    if loc:
        sb.api("DELETE", f"/api/v1/tenants/{loc}")

    # a throw-away tenant: delete works, then it is gone
    st, x = sb.api("POST", "/api/v1/tenants", {"name": "Kurzlebig"})
    st2, _ = sb.api("DELETE", f"/api/v1/tenants/{x['id']}")
    s.check(st == 201 and st2 == 204, "DELETE tenant: 204", f"{st} {st2}")
    st, b = sb.api("GET", f"/api/v1/tenants/{x['id']}")
    err_check("deleted tenant: 404", st, b, 404,
              f"tenant {x['id']} not found")
    st, b = sb.api("DELETE", f"/api/v1/tenants/{x['id']}")
    err_check("DELETE again: 404", st, b, 404, "tenant 3 not found")
    st, b = sb.api("DELETE", f"/api/v1/tenants/{TENANT['demo']}")
    err_check("DELETE tenant with data: 409", st, b, 409,
              "tenant 1 still has employees, devices, number blocks, numbers, announcements or trunks; delete them first")


# ---- number blocks and numbers ----

def test_blocks():
    tid = TENANT["b"]
    st, b = sb.api("POST", "/api/v1/number_blocks",
                   {"tenant_id": tid, "first": "030 1234500",
                    "last": "+49 30 1234599"})
    s.check(st == 201 and b["first"] == "+49301234500" and
            b["last"] == "+49301234599" and b["size"] == 100 and
            b["tenant_id"] == tid, "POST block: normalised, size 100",
            f"{st} {b}")
    TENANT["b_block"] = b.get("id")
    st, g = sb.api("GET", f"/api/v1/number_blocks/{b['id']}")
    s.check(st == 200 and g == b, "GET block", f"{st} {g}")
    st, ls = sb.api("GET", f"/api/v1/number_blocks?tenant_id={tid}")
    s.check(st == 200 and ls == [b], "list ?tenant_id shows only it",
            f"{st} {ls}")
    st, e = sb.api("POST", "/api/v1/number_blocks",
                   {"tenant_id": tid, "first": "+49301234550",
                    "last": "+49301234650"})
    err_check("overlapping block: 409", st, e, 409,
              "first: +49301234550..+49301234650 overlaps an existing block")
    st, e = sb.api("POST", "/api/v1/number_blocks",
                   {"tenant_id": tid, "first": "+49301234800",
                    "last": "+49301234700"})
    err_check("last below first: 422", st, e, 422,
              "last: must not be below first")
    st, e = sb.api("POST", "/api/v1/number_blocks",
                   {"tenant_id": tid, "first": "+49301234800",
                    "last": "+493012348000"})
    err_check("different lengths: 422", st, e, 422,
              "last: must have as many digits as first")
    st, e = sb.api("POST", "/api/v1/number_blocks",
                   {"tenant_id": 999999, "first": "+49301234800",
                    "last": "+49301234899"})
    err_check("block of unknown tenant: 422", st, e, 422,
              "tenant_id: tenant 999999 does not exist")
    st, p = sb.api("PATCH", f"/api/v1/number_blocks/{b['id']}", {})
    s.check(st == 200 and p == b, "PATCH block {} changes nothing",
            f"{st} {p}")
    st, e = sb.api("PATCH", f"/api/v1/number_blocks/{b['id']}",
                   {"last": "+49301234598"})
    err_check("PATCH block last: 400 cannot be changed", st, e, 400,
              "last: cannot be changed")
    st, x = sb.api("POST", "/api/v1/number_blocks",
                   {"tenant_id": tid, "first": "+49301239000",
                    "last": "+49301239009"})
    st2, _ = sb.api("DELETE", f"/api/v1/number_blocks/{x['id']}")
    st3, _ = sb.api("GET", f"/api/v1/number_blocks/{x['id']}")
    s.check(st == 201 and st2 == 204 and st3 == 404,
            "DELETE empty block: 204, then 404", f"{st} {st2} {st3}")


def test_numbers():
    tid = TENANT["b"]
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": "+49 30 1234510",
                    "description": "Vertrieb"})
    s.check(st == 201 and n["e164"] == "+49301234510" and
            n["active"] is True and n["target_type"] == "none" and
            n["target_id"] is None and n["personal"] is False and
            n["block_id"] == TENANT["b_block"] and
            n["description"] == "Vertrieb",
            "POST number: normalised, active, no target", f"{st} {n}")
    nid = n["id"]
    st, n2 = sb.api("POST", "/api/v1/numbers",
                    {"tenant_id": tid, "e164": "1234511", "active": False})
    s.check(st == 201 and n2["e164"] == "+49301234511" and
            n2["active"] is False,
            "local number form uses the tenant's area code", f"{st} {n2}")
    st, e = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": "+49301234510"})
    err_check("duplicate number: 409", st, e, 409,
              "e164: +49301234510 exists already")
    st, e = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": "+49301299999"})
    err_check("number outside the blocks: 422", st, e, 422,
              "e164: not inside a number block of the tenant")
    st, e = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": "+4922182829950"})
    err_check("number in another tenant's block: 422", st, e, 422,
              "e164: not inside a number block of the tenant")
    st, e = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": "hello"})
    err_check("non-number e164: 422", st, e, 422,
              "e164: hello is not a valid E.164 phone number")
    st, e = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": "+49301234512",
                    "target_type": "conference", "target_id": 1})
    err_check("unknown target_type: 422", st, e, 422,
              "target_type: must be none, employee, announcement, schedule, ivr, "
              "voicemail, external, digit_input, ring_group or queue")
    st, e = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": "+49301234512",
                    "target_type": "employee"})
    err_check("target employee without id: 422", st, e, 422,
              "target_id: is required for target_type employee")
    st, e = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": "+49301234512",
                    "target_type": "employee",
                    "target_id": TENANT["max"]})
    err_check("target employee of another tenant: 422", st, e, 422,
              "target_id: employee 1 belongs to another tenant")
    st, e = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": "+49301234512",
                    "target_type": "announcement", "target_id": 424242})
    err_check("target announcement that does not exist: 422", st, e, 422,
              "target_id: announcement 424242 does not exist")

    st, g = sb.api("GET", f"/api/v1/numbers/{nid}")
    s.check(st == 200 and g == n, "GET number", f"{st} {g}")
    st, p = sb.api("PATCH", f"/api/v1/numbers/{nid}",
                   {"active": False, "description": None})
    s.check(st == 200 and p["active"] is False and
            p["description"] is None and p["e164"] == n["e164"],
            "PATCH active/description", f"{st} {p}")
    st, e = sb.api("PATCH", f"/api/v1/numbers/{nid}", {"e164": "+4930999"})
    err_check("PATCH e164: 400 cannot be changed", st, e, 400,
              "e164: cannot be changed")
    st, e = sb.api("PATCH", f"/api/v1/numbers/{nid}", {"personal": True})
    err_check("PATCH personal: 400 read-only", st, e, 400,
              "personal: is read-only")
    st, e = sb.api("PATCH", f"/api/v1/numbers/{nid}", {"target_id": 1})
    err_check("target_id without target_type: 422", st, e, 422,
              "target_type: is required with target_id")
    st, ls = sb.api("GET", f"/api/v1/numbers?tenant_id={tid}")
    s.check(st == 200 and sorted(x["e164"] for x in ls) ==
            ["+49301234510", "+49301234511"], "numbers ?tenant_id",
            f"{st} {ls}")
    st, _ = sb.api("DELETE", f"/api/v1/numbers/{nid}")
    st2, e = sb.api("GET", f"/api/v1/numbers/{nid}")
    s.check(st == 204 and st2 == 404, "DELETE number: 204, then 404",
            f"{st} {st2}")
    st, e = sb.api("DELETE", f"/api/v1/number_blocks/{TENANT['b_block']}")
    err_check("DELETE block with numbers: 409", st, e, 409,
              "number_block 2 still has numbers; delete them first")


# ---- announcements ----

def test_announcements():
    tid = TENANT["b"]
    st, a = sb.api("POST", "/api/v1/announcements",
                   {"tenant_id": tid, "name": "Geschlossen",
                    "file": "de/closed.wav"})
    s.check(st == 201 and a["name"] == "Geschlossen" and
            a["file"] == "de/closed.wav" and a["tenant_id"] == tid,
            "POST announcement", f"{st} {a}")
    aid = a["id"]
    st, e = sb.api("POST", "/api/v1/announcements",
                   {"tenant_id": tid, "name": "x", "file": "../x.wav"})
    err_check("file leaving the prompts dir: 422", st, e, 422,
              "file: must be a .wav file name relative to the prompts directory, like greeting.wav")
    st, e = sb.api("POST", "/api/v1/announcements",
                   {"tenant_id": tid, "name": "x", "file": "/etc/x.wav"})
    err_check("absolute file: 422", st, e, 422,
              "file: must be a .wav file name relative to the prompts directory, like greeting.wav")
    st, p = sb.api("PATCH", f"/api/v1/announcements/{aid}",
                   {"name": "Betriebsferien"})
    s.check(st == 200 and p["name"] == "Betriebsferien" and
            p["file"] == a["file"], "PATCH announcement name", f"{st} {p}")
    # route a number to it: then it cannot be deleted
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": "+49301234520",
                    "target_type": "announcement", "target_id": aid})
    s.check(st == 201 and n["target_type"] == "announcement" and
            n["target_id"] == aid, "number routed to the announcement",
            f"{st} {n}")
    st, e = sb.api("DELETE", f"/api/v1/announcements/{aid}")
    err_check("DELETE announcement in use: 409", st, e, 409,
              "announcement 2 is the target of a number; route that number elsewhere first")
    st, p = sb.api("PATCH", f"/api/v1/numbers/{n['id']}",
                   {"target_type": "none"})
    s.check(st == 200 and p["target_type"] == "none" and
            p["target_id"] is None, "PATCH target_type none", f"{st} {p}")
    st, _ = sb.api("DELETE", f"/api/v1/announcements/{aid}")
    st2, _ = sb.api("GET", f"/api/v1/announcements/{aid}")
    s.check(st == 204 and st2 == 404, "DELETE announcement", f"{st} {st2}")
    sb.api("DELETE", f"/api/v1/numbers/{n['id']}")
    st, ls = sb.api("GET", f"/api/v1/announcements?tenant_id={tid}")
    s.check(st == 200 and ls == [], "tenant has no announcements left",
            f"{st} {ls}")


# ---- employees and the personal number rules ----

def test_employees():
    tid = TENANT["b"]
    st, e = sb.api("POST", "/api/v1/employees",
                   {"tenant_id": tid, "first_name": "Jana",
                    "last_name": "Beispiel", "email": "jana@beispiel.example",
                    "extension": "20"})
    s.check(st == 201 and e["personal_number"] is None and
            e["faults"] == ["no_personal_number"] and
            e["extension"] == "20" and e["show_personal_number"] is False,
            "employee without personal number shows the fault",
            f"{st} {e}")
    eid = e["id"]
    # a free active number of the tenant, in local form
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": "+49301234530"})
    st, p = sb.api("PATCH", f"/api/v1/employees/{eid}",
                   {"personal_number": "1234530"})
    s.check(st == 200 and p["personal_number"] == "+49301234530" and
            p["faults"] == [], "PATCH personal_number (local form)",
            f"{st} {p}")
    st, nn = sb.api("GET", f"/api/v1/numbers/{n['id']}")
    s.check(nn["personal"] is True and nn["target_type"] == "employee" and
            nn["target_id"] == eid, "the number is now personal and "
            "routed to her", repr(nn))
    st, p = sb.api("PATCH", f"/api/v1/employees/{eid}",
                   {"first_name": "Johanna", "show_personal_number": True})
    s.check(st == 200 and p["first_name"] == "Johanna" and
            p["last_name"] == "Beispiel" and
            p["personal_number"] == "+49301234530" and
            p["show_personal_number"] is True,
            "PATCH changes only the given fields", f"{st} {p}")
    st, g = sb.api("GET", f"/api/v1/employees/{eid}")
    s.check(st == 200 and g == p, "GET employee", f"{st} {g}")

    for body, msg in [
            ({"email": "not-an-address"},
             "email: not-an-address is not an e-mail address"),
            ({"email": "a@b"}, "email: a@b is not an e-mail address"),
            ({"email": "a b@c.de"},
             "email: a b@c.de is not an e-mail address"),
            ({"extension": "12a"}, "extension: must be 1 to 6 digits"),
            ({"extension": ""}, None),
            ({"first_name": ""}, "first_name: must not be empty")]:
        st, r = sb.api("PATCH", f"/api/v1/employees/{eid}", body)
        if msg is None:
            s.check(st == 200 and r["extension"] is None,
                    "extension \"\" clears it", f"{st} {r}")
        else:
            err_check(f"PATCH {body}: 422", st, r, 422, msg)
    st, r = sb.api("PATCH", f"/api/v1/employees/{eid}",
                   {"extension": "1234567"})
    err_check("7-digit extension refused", st, r, 400,
              "extension: longer than 6 characters")
    st, r = sb.api("PATCH", f"/api/v1/employees/{eid}",
                   {"tenant_id": TENANT["demo"]})
    err_check("PATCH tenant_id: 400 cannot be changed", st, r, 400,
              "tenant_id: cannot be changed")
    st, r = sb.api("PATCH", f"/api/v1/employees/{eid}", {"faults": []})
    err_check("PATCH faults: 400 read-only", st, r, 400,
              "faults: is read-only")
    st, r = sb.api("POST", "/api/v1/employees",
                   {"tenant_id": tid, "first_name": "A"})
    err_check("POST without last_name: 400", st, r, 400,
              "last_name: is required")
    st, r = sb.api("POST", "/api/v1/employees",
                   {"tenant_id": 424242, "first_name": "A",
                    "last_name": "B"})
    err_check("POST for unknown tenant: 422", st, r, 422,
              "tenant_id: tenant 424242 does not exist")

    # a second employee with the same extension
    st, e2 = sb.api("POST", "/api/v1/employees",
                    {"tenant_id": tid, "first_name": "Ole",
                     "last_name": "Zwo", "extension": "21"})
    st, r = sb.api("PATCH", f"/api/v1/employees/{e2['id']}",
                   {"extension": "21"})
    s.check(st == 200, "PATCH own extension again is fine", f"{st} {r}")
    sb.api("PATCH", f"/api/v1/employees/{eid}", {"extension": "20"})
    st, r = sb.api("PATCH", f"/api/v1/employees/{e2['id']}",
                   {"extension": "20"})
    err_check("extension of a colleague: 409", st, r, 409,
              "extension: 20 is taken by another employee of the tenant")
    st, ls = sb.api("GET", f"/api/v1/employees?tenant_id={tid}")
    s.check(st == 200 and sorted(x["id"] for x in ls) ==
            sorted([eid, e2["id"]]), "employees ?tenant_id", f"{st} {ls}")

    # deleting a personal number takes it away from its employee
    st, n2 = sb.api("POST", "/api/v1/numbers",
                    {"tenant_id": tid, "e164": "+49301234531"})
    st, r = sb.api("PATCH", f"/api/v1/employees/{e2['id']}",
                   {"personal_number": "+49 30 1234531"})
    st2, _ = sb.api("DELETE", f"/api/v1/numbers/{n2['id']}")
    st3, g = sb.api("GET", f"/api/v1/employees/{e2['id']}")
    s.check(st == 200 and r["personal_number"] == "+49301234531" and
            st2 == 204 and g["personal_number"] is None and
            g["faults"] == ["no_personal_number"],
            "deleting a personal number shows the fault",
            f"{st} {r} {st2} {g}")

    # deleting her frees the number
    st, _ = sb.api("DELETE", f"/api/v1/employees/{eid}")
    st2, _ = sb.api("GET", f"/api/v1/employees/{eid}")
    st3, nn = sb.api("GET", f"/api/v1/numbers/{n['id']}")
    s.check(st == 204 and st2 == 404 and nn["target_type"] == "none" and
            nn["personal"] is False,
            "DELETE employee: 204, 404 after, number free again",
            f"{st} {st2} {nn}")
    sb.api("DELETE", f"/api/v1/employees/{e2['id']}")


def test_personal_rules():
    erika = TENANT["erika"]
    demo = TENANT["demo"]
    url = f"/api/v1/employees/{erika}"

    st, r = sb.api("PATCH", url, {"personal_number": "+4922182829903"})
    err_check("inactive number refused", st, r, 409,
              "personal_number: +4922182829903 is inactive; activate it first")
    st, r = sb.api("PATCH", url, {"personal_number": DEMO["max_personal"]})
    err_check("Max's personal number refused (taken)", st, r, 409,
              "personal_number: +4922182829901 is taken by another employee (employee 1)")
    st, r = sb.api("PATCH", url, {"personal_number": DEMO["central"]})
    err_check("central number refused (routed elsewhere)", st, r, 409,
              "personal_number: +4922182829900 is routed to another target (employee 1); set its target to none first")
    st, r = sb.api("PATCH", url, {"personal_number": "+4922182829950"})
    err_check("number that does not exist refused", st, r, 422,
              "personal_number: +4922182829950 does not exist; create it under /api/v1/numbers first")
    st, r = sb.api("PATCH", url, {"personal_number": "+49301234530"})
    err_check("number of another tenant refused", st, r, 422,
              "personal_number: +49301234530 belongs to another tenant")
    st, r = sb.api("PATCH", url, {"personal_number": "abc"})
    err_check("garbage personal number refused", st, r, 422,
              "personal_number: abc is not a valid E.164 phone number")
    st, g = sb.api("GET", url)
    s.check(g["personal_number"] == DEMO["erika_personal"],
            "refusals left Erika's number alone", repr(g))

    # a create with a refused number creates nothing
    st, before = sb.api("GET", f"/api/v1/employees?tenant_id={demo}")
    st, r = sb.api("POST", "/api/v1/employees",
                   {"tenant_id": demo, "first_name": "Neu",
                    "last_name": "Ling", "personal_number": "+4922182829903"})
    st2, after = sb.api("GET", f"/api/v1/employees?tenant_id={demo}")
    s.check(st == 409 and r == {"error": "personal_number: +4922182829903 "
                                "is inactive; activate it first"} and
            after == before,
            "POST with inactive personal number creates nothing",
            f"{st} {r} {len(before)} {len(after)}")

    # remove: the fault shows, the number is free
    st, r = sb.api("PATCH", url, {"personal_number": None})
    s.check(st == 200 and r["personal_number"] is None and
            r["faults"] == ["no_personal_number"],
            "removing the personal number shows no_personal_number",
            f"{st} {r}")
    st, ns = sb.api("GET", f"/api/v1/numbers?tenant_id={demo}")
    n902 = by(ns, "e164", DEMO["erika_personal"])
    s.check(n902["personal"] is False and n902["target_type"] == "none",
            "her old number is free", repr(n902))

    # activate +4922182829903 and give it to her
    n903 = by(ns, "e164", "+4922182829903")
    st, r = sb.api("PATCH", f"/api/v1/numbers/{n903['id']}",
                   {"active": True})
    s.check(st == 200 and r["active"] is True, "activate +4922182829903",
            f"{st} {r}")
    st, r = sb.api("PATCH", url, {"personal_number": "0221 828299-03"})
    s.check(st == 200 and r["personal_number"] == "+4922182829903" and
            r["faults"] == [], "assign the activated number (national "
            "form)", f"{st} {r}")
    st, r = sb.api("GET", f"/api/v1/numbers/{n903['id']}")
    s.check(r["personal"] is True and r["target_type"] == "employee" and
            r["target_id"] == erika, "number shows personal: true",
            repr(r))
    st, r = sb.api("PATCH", f"/api/v1/numbers/{n903['id']}",
                   {"target_type": "announcement", "target_id": 1})
    err_check("personal number cannot target something else", st, r, 422,
              "target_type: a personal number can only target its employee")
    st, r = sb.api("PATCH", f"/api/v1/numbers/{n903['id']}",
                   {"target_type": "none"})
    err_check("personal number cannot be routed to none", st, r, 422,
              "target_type: a personal number can only target its employee")

    # deactivating it takes it away from her
    st, r = sb.api("PATCH", f"/api/v1/numbers/{n903['id']}",
                   {"active": False})
    st2, g = sb.api("GET", url)
    s.check(st == 200 and g["personal_number"] is None and
            g["faults"] == ["no_personal_number"],
            "deactivating her personal number shows the fault",
            f"{st} {r} {g}")

    # back to the demo state
    st, r = sb.api("PATCH", url,
                   {"personal_number": DEMO["erika_personal"]})
    s.check(st == 200 and r["personal_number"] == DEMO["erika_personal"],
            "Erika gets her number back", f"{st} {r}")


# ---- devices ----

def db_ha1(username):
    path = os.path.join(sb.dir, "switchboard.db")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        row = con.execute("SELECT ha1 FROM devices WHERE username = ?",
                          (username,)).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def md5hex(text):
    return hashlib.md5(text.encode()).hexdigest()


def test_devices():
    demo = TENANT["demo"]
    SECRETS.extend(["geheim-123", "neues-geheim-456"])
    st, d = sb.api("POST", "/api/v1/devices",
                   {"tenant_id": demo, "employee_id": TENANT["erika"],
                    "username": "erika.soft", "password": "geheim-123",
                    "name": "Softclient"})
    s.check(st == 201 and d["username"] == "erika.soft" and
            d["employee_id"] == TENANT["erika"] and
            d["name"] == "Softclient" and no_secret_fields(d),
            "POST device: 201 without password or ha1", f"{st} {d}")
    did = d["id"]
    try:
        ha1 = db_ha1("erika.soft")
        s.check(ha1 == md5hex("erika.soft:switchboard:geheim-123"),
                "only ha1 = md5(username:realm:password) is stored",
                repr(ha1))
    except sqlite3.Error as e:
        s.check(False, "read ha1 from the database", str(e))

    st, p = sb.api("PATCH", f"/api/v1/devices/{did}",
                   {"password": "neues-geheim-456"})
    s.check(st == 200 and no_secret_fields(p), "PATCH password: 200",
            f"{st} {p}")
    try:
        s.check(db_ha1("erika.soft") ==
                md5hex("erika.soft:switchboard:neues-geheim-456"),
                "PATCH password re-hashes ha1")
    except sqlite3.Error as e:
        s.check(False, "read ha1 after PATCH", str(e))

    s.check(d.get("srtp") == "auto", "device srtp defaults to auto",
            str(d.get("srtp")))
    st, p = sb.api("PATCH", f"/api/v1/devices/{did}", {"srtp": "required"})
    s.check(st == 200 and p["srtp"] == "required", "PATCH srtp: required",
            f"{st} {p}")
    st, g = sb.api("GET", f"/api/v1/devices/{did}")
    s.check(st == 200 and g["srtp"] == "required", "GET shows srtp",
            f"{st} {g}")
    for bad, code, msg in (
            ("sdes", 422, "srtp: must be auto, off, optional or required"),
            ("", 422, "srtp: must be auto, off, optional or required"),
            (1, 400, "srtp: must be a string"),
            (None, 400, "srtp: must not be null")):
        st, r = sb.api("PATCH", f"/api/v1/devices/{did}", {"srtp": bad})
        err_check(f"srtp {bad!r}: {code}", st, r, code, msg)
    st, r = sb.api("PATCH", f"/api/v1/devices/{did}",
                   {"username": "erika.soft2"})
    err_check("rename without password: 422", st, r, 422,
              "password: is required to change the username")
    st, r = sb.api("PATCH", f"/api/v1/devices/{did}",
                   {"username": "erika.soft2", "password": "neues-geheim-456",
                    "employee_id": None, "name": None})
    s.check(st == 200 and r["username"] == "erika.soft2" and
            r["employee_id"] is None and r["name"] is None,
            "rename with password, unassign", f"{st} {r}")
    try:
        s.check(db_ha1("erika.soft2") ==
                md5hex("erika.soft2:switchboard:neues-geheim-456"),
                "rename re-hashes ha1 with the new username")
    except sqlite3.Error as e:
        s.check(False, "read ha1 after rename", str(e))

    st, r = sb.api("POST", "/api/v1/devices",
                   {"tenant_id": demo, "username": "kurz1",
                    "password": "kurz"})
    err_check("short password: 422", st, r, 422,
              "password: must be at least 8 characters")
    st, r = sb.api("POST", "/api/v1/devices",
                   {"tenant_id": demo, "username": "bad user",
                    "password": "geheim-123"})
    err_check("username with space: 422", st, r, 422,
              "username: must be 1 to 32 of A-Z a-z 0-9 . _ -")
    st, r = sb.api("POST", "/api/v1/devices",
                   {"tenant_id": demo, "username": "x" * 33,
                    "password": "geheim-123"})
    err_check("33-char username refused", st, r, 400,
              "username: longer than 32 characters")
    st, r = sb.api("POST", "/api/v1/devices",
                   {"tenant_id": demo, "username": "1001",
                    "password": "geheim-123"})
    err_check("duplicate username: 409", st, r, 409, "username: 1001 is taken")
    st, r = sb.api("POST", "/api/v1/devices",
                   {"tenant_id": demo, "username": "nopw"})
    err_check("POST device without password: 400", st, r, 400,
              "password: is required")
    st, r = sb.api("POST", "/api/v1/devices",
                   {"tenant_id": TENANT["b"], "username": "b.phone",
                    "password": "geheim-123",
                    "employee_id": TENANT["max"]})
    err_check("employee of another tenant: 422", st, r, 422,
              "employee_id: employee 1 belongs to another tenant")
    st, r = sb.api("PATCH", f"/api/v1/devices/{did}", {"ha1": "0" * 32})
    err_check("ha1 is not a field: 400", st, r, 400, "ha1: unknown field")

    st, ls = sb.api("GET", f"/api/v1/devices?employee_id={TENANT['max']}")
    s.check(st == 200 and sorted(x["username"] for x in ls) ==
            ["1001", "1011"], "devices ?employee_id", f"{st} {ls}")
    st, _ = sb.api("DELETE", f"/api/v1/devices/{did}")
    st2, _ = sb.api("GET", f"/api/v1/devices/{did}")
    s.check(st == 204 and st2 == 404, "DELETE device", f"{st} {st2}")


# ---- trunks ----

def test_trunks():
    SECRETS.append("trunk-secret-789")
    st, t = sb.api("POST", "/api/v1/trunks",
                   {"name": "Carrier B", "host": "192.0.2.10",
                    "tenant_id": TENANT["b"], "username": "acc1",
                    "password": "trunk-secret-789"})
    s.check(st == 201 and t["port"] == 5060 and t["transport"] == "udp" and
            t["match_any_port"] is False and t["has_password"] is True and
            t["username"] == "acc1" and t["tenant_id"] == TENANT["b"] and
            "password" not in t,
            "POST trunk: defaults, password write-only", f"{st} {t}")
    tid = t["id"]
    st, p = sb.api("PATCH", f"/api/v1/trunks/{tid}",
                   {"port": 5080, "transport": "tcp", "match_any_port": True,
                    "tenant_id": None})
    s.check(st == 200 and p["port"] == 5080 and p["transport"] == "tcp" and
            p["match_any_port"] is True and p["tenant_id"] is None and
            p["host"] == "192.0.2.10" and p["has_password"] is True,
            "PATCH trunk", f"{st} {p}")
    st, p = sb.api("PATCH", f"/api/v1/trunks/{tid}",
                   {"tenant_id": TENANT["b"], "host": "2001:db8::1"})
    s.check(st == 200 and p["host"] == "2001:db8::1",
            "IPv6 host accepted", f"{st} {p}")
    st, ls = sb.api("GET", f"/api/v1/trunks?tenant_id={TENANT['b']}")
    s.check(st == 200 and [x["id"] for x in ls] == [tid],
            "trunks ?tenant_id lists the tenant's own", f"{st} {ls}")
    for body, msg in [
            ({"host": "carrier.example"},
             "host: carrier.example is not an IP address"),
            ({"port": 0}, "port: must be from 1 to 65535"),
            ({"port": 70000}, "port: must be from 1 to 65535"),
            ({"transport": "sctp"}, "transport: must be udp, tcp or tls"),
            ({"tenant_id": 424242},
             "tenant_id: tenant 424242 does not exist")]:
        st, r = sb.api("PATCH", f"/api/v1/trunks/{tid}", body)
        err_check(f"trunk {body}: 422", st, r, 422, msg)
    st, r = sb.api("POST", "/api/v1/trunks", {"name": "no host"})
    err_check("trunk without host: 400", st, r, 400, "host: is required")
    st, _ = sb.api("DELETE", f"/api/v1/trunks/{tid}")
    st2, _ = sb.api("GET", f"/api/v1/trunks/{tid}")
    s.check(st == 204 and st2 == 404, "DELETE trunk", f"{st} {st2}")


# ---- calls and registrations ----

def test_calls():
    st, cs = sb.api("GET", "/api/v1/calls")
    s.check(st == 200 and isinstance(cs, list), "GET /calls is a list",
            f"{st} {cs}")
    for c in cs or []:
        s.check(ISO.match(c["started_at"] or "") and
                (c["ended_at"] is None or ISO.match(c["ended_at"])),
                f"call {c['id']}: ISO times", repr(c))
    st, cs = sb.api("GET", f"/api/v1/calls?tenant_id={TENANT['demo']}"
                    "&since=2020-01-01T00:00:00Z"
                    "&until=2099-01-01T00:00:00.000Z&limit=10&offset=0")
    s.check(st == 200 and isinstance(cs, list), "calls with all filters",
            f"{st} {cs}")
    st, cs = sb.api("GET", "/api/v1/calls?since=2020-01-01T00%3A00%3A00Z")
    s.check(st == 200, "percent-encoded time", f"{st} {cs}")
    st, cs = sb.api("GET", "/api/v1/calls?since=2020-01-01T01:00:00%2B01:00"
                    "&until=2099-01-01T00:00:00.5-02:30")
    s.check(st == 200, "times with an offset", f"{st} {cs}")
    # strict ISO 8601: no signs inside fields, fixed widths, real dates
    iso = "must be an ISO-8601 time like 2026-11-25T03:34:57.123Z"
    for q, msg in [("since=2026-01-01T00:00:00.-12Z", f"since: {iso}"),
                   ("since=-999-01-01T00:00:00Z", f"since: {iso}"),
                   ("since=2026-01-+1T00:00:00Z", f"since: {iso}"),
                   ("since=2026-1-01T00:00:00Z", f"since: {iso}"),
                   ("until=2026-02-29T00:00:00Z", f"until: {iso}"),
                   ("until=2026-01-01T00:00:00", f"until: {iso}"),
                   ("since=yesterday", f"since: {iso}"),
                   ("until=2026-13-01T00:00:00Z", f"until: {iso}"),
                   ("limit=0", "limit: must be from 1 to 1000"),
                   ("limit=abc", "limit: must be from 1 to 1000"),
                   ("limit=100000", "limit: must be from 1 to 1000"),
                   ("offset=-1", "offset: must be from 0 to 100000000"),
                   ("tenant_id=x", "tenant_id: must be a positive integer"),
                   ("colour=red", "colour: unknown query parameter"),
                   ("since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z",
                    "until: must be after since")]:
        st, r = sb.api("GET", f"/api/v1/calls?{q}")
        err_check(f"calls ?{q}: 400", st, r, 400, msg)
    st, r = sb.api("GET", "/api/v1/calls/987654")
    err_check("unknown call: 404", st, r, 404, "call 987654 not found")


def test_registrations():
    st, rs = sb.api("GET", "/api/v1/registrations")
    s.check(st == 200 and isinstance(rs, list), "GET /registrations",
            f"{st} {rs}")
    st, rs = sb.api("GET", "/api/v1/registrations?device_id=1")
    s.check(st == 200 and isinstance(rs, list), "?device_id=1", f"{st}")
    st, r = sb.api("GET", "/api/v1/registrations?device_id=one")
    err_check("?device_id=one: 400", st, r, 400,
              "device_id: must be a positive integer")
    st, r = sb.api("GET", "/api/v1/employees?tenant=1")
    err_check("unknown query parameter: 400", st, r, 400,
              "tenant: unknown query parameter")


# ---- bad input ----

def test_bad_input():
    st, r = sb.api("POST", "/api/v1/tenants", '{"name": "x"')
    err_check("truncated JSON: 400", st, r, 400, "body: invalid JSON")
    st, r = sb.api("POST", "/api/v1/tenants", "name=x")
    err_check("form body: 400", st, r, 400, "body: invalid JSON")
    st, r = sb.api("POST", "/api/v1/tenants", '{"name": tru}')
    err_check("bad literal: 400", st, r, 400, "body: invalid JSON")
    SECRETS.append("hunter2secret")
    st, r = sb.api("POST", "/api/v1/devices",
                   '{"tenant_id": 1, "username": "zz", '
                   '"password": hunter2secret}')
    err_check("unquoted password: 400 (and not logged, see the end)", st, r,
              400, "body: invalid JSON")
    st, r = sb.api("POST", "/api/v1/tenants", '{"name": "x", "a": TRUE}')
    err_check("TRUE is no JSON literal: 400", st, r, 400,
              "body: invalid JSON")
    st, r = sb.api("POST", "/api/v1/employees",
                   '{"tenant_id": 01, "first_name": "a", "last_name": "b"}')
    err_check("leading zero is no JSON number: 400", st, r, 400,
              "body: invalid JSON")
    st, r = sb.api("POST", "/api/v1/tenants", '[{"name": "x"}]')
    err_check("array body: 400", st, r, 400, "body: must be a JSON object")
    st, r = sb.api("POST", "/api/v1/tenants", "")
    err_check("empty body: 400", st, r, 400, "body: a JSON object is required")
    st, r = sb.api("POST", "/api/v1/tenants", {"name": 5})
    err_check("name as number: 400", st, r, 400, "name: must be a string")
    st, r = sb.api("POST", "/api/v1/tenants", {"name": None})
    err_check("name null: 400", st, r, 400, "name: must not be null")
    st, r = sb.api("POST", "/api/v1/tenants", {"name": {"a": 1}})
    err_check("name as object: 400", st, r, 400, "name: must be a string")
    st, r = sb.api("POST", "/api/v1/tenants", {"name": ["a"]})
    err_check("name as array: 400", st, r, 400, "name: must be a string")
    st, r = sb.api("POST", "/api/v1/tenants", {"name": "x", "nmae": "y"})
    err_check("unknown field: 400 names it", st, r, 400,
              "nmae: unknown field")
    s.check(isinstance(r, dict) and r.get("error") == "nmae: unknown field",
            "the unknown-field error is exactly the name and the reason",
            repr(r))
    st, r = sb.api("POST", "/api/v1/tenants", {"name": "x", "id": 7})
    err_check("id in body: 400 read-only", st, r, 400, "id: is read-only")
    st, r = sb.api("POST", "/api/v1/tenants",
                   '{"name": "x", "name": "y"}')
    err_check("duplicate key: 400", st, r, 400, "name: given more than once")
    st, r = sb.api("POST", "/api/v1/tenants", {"name": "x" * 200})
    err_check("too long name: 400", st, r, 400,
              "name: longer than 127 characters")
    st, r = sb.api("POST", "/api/v1/tenants", {"name": "a\nb"})
    err_check("control character: 400", st, r, 400,
              "name: must be UTF-8 text without control characters")
    st, r = sb.api("POST", "/api/v1/tenants",
                   b'{"name": "\xff\xfe"}')
    err_check("invalid UTF-8: 400", st, r, 400, "name: is not valid UTF-8")
    st, r = sb.api("POST", "/api/v1/employees",
                   {"tenant_id": "1", "first_name": "a", "last_name": "b"})
    err_check("id as string: 400", st, r, 400,
              "tenant_id: must be an integer")
    st, r = sb.api("POST", "/api/v1/employees",
                   {"tenant_id": 1.5, "first_name": "a", "last_name": "b"})
    err_check("id as float: 400", st, r, 400, "tenant_id: must be an integer")
    st, r = sb.api("POST", "/api/v1/employees",
                   {"tenant_id": -3, "first_name": "a", "last_name": "b"})
    err_check("negative id: 422", st, r, 422,
              "tenant_id: must be a positive id")
    st, r = sb.api("POST", "/api/v1/employees",
                   {"tenant_id": 1, "first_name": "a", "last_name": "b",
                    "show_personal_number": "yes"})
    err_check("bool as string: 400", st, r, 400,
              "show_personal_number: must be true or false")
    st, r = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": 1, "e164": "+4922182829960",
                    "active": 1})
    err_check("active as 1: 400", st, r, 400, "active: must be true or false")
    st, r = sb.api("POST", "/api/v1/tenants",
                   '{"name": {"a": {"b": {"c": {"d": {"e": 1}}}}}}')
    err_check("deep nesting: 400", st, r, 400, "body: invalid JSON")
    st, r = sb.api("PATCH", "/api/v1/tenants/424242", {"name": "x"})
    err_check("PATCH unknown id: 404", st, r, 404, "tenant 424242 not found")
    for res, noun in [("employees", "employee"), ("devices", "device"),
                      ("numbers", "number"), ("number_blocks",
                                              "number_block"),
                      ("announcements", "announcement"),
                      ("trunks", "trunk")]:
        for m in ("GET", "DELETE"):
            st, r = sb.api(m, f"/api/v1/{res}/424242")
            err_check(f"{m} unknown {noun}: 404", st, r, 404,
                      f"{noun} 424242 not found")
        st, r = sb.api("PATCH", f"/api/v1/{res}/424242", {})
        err_check(f"PATCH unknown {noun}: 404", st, r, 404,
                  f"{noun} 424242 not found")

    big = json.dumps({"name": "x" * (70 * 1024)})
    st, r = sb.api("POST", "/api/v1/tenants", big)
    err_check("body over 64 KiB: 413", st, r, 413,
              "body: larger than 65536 bytes")
    st, r = sb.api("PATCH", f"/api/v1/tenants/{TENANT['b']}", big)
    err_check("PATCH over 64 KiB: 413", st, r, 413,
              "body: larger than 65536 bytes")


def test_garbage():
    """Odd bodies against every writing route: always a 4xx with an error
    text, never a crash."""
    bodies = ['{', '}', '{"a"}', '{"a":}', '{:1}', '{"name":"x",}',
              '{"name":"\\u0000"}', '{"name":"\\ud800"}', 'null', '42',
              '"str"', '{"name":1e999}', '{"tenant_id":99999999999999999999}',
              '{"tenant_id":-9223372036854775808}', '{"a":[1,2,{"b":[]}]}',
              '{"name":"x"}{"name":"y"}', '{"name":"x"} trailing',
              '\x00\x01\x02', '{"' + 'k' * 5000 + '":1}',
              '[' * 50 + ']' * 50, '{"a":' * 50 + '1' + '}' * 50,
              '{"name":"x","first_name":"y","last_name":"z","username":"u",'
              '"password":null,"e164":[],"host":{},"port":"80"}']
    paths = [("POST", "/api/v1/tenants"), ("POST", "/api/v1/employees"),
             ("POST", "/api/v1/devices"), ("POST", "/api/v1/numbers"),
             ("POST", "/api/v1/number_blocks"),
             ("POST", "/api/v1/announcements"), ("POST", "/api/v1/trunks"),
             ("PATCH", f"/api/v1/tenants/{TENANT['b']}"),
             ("PATCH", f"/api/v1/employees/{TENANT['erika']}"),
             ("PATCH", "/api/v1/devices/1"), ("PATCH", "/api/v1/numbers/1"),
             ("PATCH", "/api/v1/trunks/1")]
    bad = []
    for m, p in paths:
        for b in bodies:
            st, r = sb.api(m, p, b)
            # libre's decoder is lenient ('{"name":"x",}' is an object), so
            # a body may be accepted; what must never happen is a 5xx, a
            # reply that is not JSON, or a 4xx without an error text
            if 200 <= st < 300 and isinstance(r, dict) and "id" in r:
                continue
            if not (400 <= st < 500 and isinstance(r, dict) and
                    isinstance(r.get("error"), str) and r["error"]):
                bad.append((m, p, b[:40], st, r))
    s.check(not bad, f"{len(bodies) * len(paths)} odd bodies: 2xx or 4xx "
            "with an error text, never 5xx", repr(bad[:5]))
    s.check(sb.alive(), "server alive after the odd bodies")
    st, g = sb.api("GET", f"/api/v1/employees/{TENANT['erika']}")
    s.check(st == 200 and g["personal_number"] == DEMO["erika_personal"],
            "Erika unchanged after the odd bodies", f"{st} {g}")



def test_chunked():
    """A chunked body cannot be read (no Content-Length): 411 with the
    usual JSON error and Connection: close; what follows on the connection
    (the chunks, a pipelined request) is not read as requests; nothing is
    created."""
    import socket
    import time
    st, before = sb.api("GET", "/api/v1/tenants")
    c = socket.create_connection(("127.0.0.1", sb.http_port), 5)
    body = json.dumps({"name": "Chunk GmbH", "country_code": "49",
                       "area_code": "30"}).encode()
    c.sendall(b"POST /api/v1/tenants HTTP/1.1\r\nHost: x\r\n"
              b"Authorization: Bearer " + sb.token.encode() + b"\r\n"
              b"Content-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n" +
              b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n" +
              b"GET /api/v1/tenants HTTP/1.1\r\nHost: x\r\n"
              b"Authorization: Bearer " + sb.token.encode() + b"\r\n\r\n")
    raw, t0 = b"", time.time()
    c.settimeout(5)
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            raw += d
    except OSError:
        pass
    took = time.time() - t0
    c.close()
    head, _, rest = raw.decode(errors="replace").partition("\r\n\r\n")
    want = ('{"error":"Transfer-Encoding: not supported; send the body '
            'with a Content-Length"}')
    s.check(head.startswith("HTTP/1.1 411 Length Required\r\n") and
            "Connection: close" in head and rest == want,
            "a chunked body: 411, the JSON error, Connection: close, and "
            "nothing after it (the pipelined GET is not answered)", raw[:400])
    s.check(took < 4.5, "the connection is closed by the server (linger "
            "2 s)", f"{took:.2f} s")
    st2, after = sb.api("GET", "/api/v1/tenants")
    s.check(st == st2 == 200 and len(after) == len(before),
            "no tenant was created", f"{len(before)} -> {len(after)}")

# ---- the shape of every resource (docs/api.md) ----

FIELDS = {
    "tenants": {"id", "name", "country_code", "area_code", "central_number",
                "language", "moh_prompt",
                "created_at"},
    "employees": {"id", "tenant_id", "name", "first_name", "last_name",
                  "email", "cc", "position", "responsibility", "mobile",
                  "sms", "substitute_id", "extension", "transfer_number",
                  "transfer", "vip_sms", "personal_number",
                  "show_personal_number", "faults", "created_at"},
    "devices": {"id", "tenant_id", "employee_id", "username", "name",
                "srtp", "created_at"},
    "number_blocks": {"id", "tenant_id", "first", "last", "size",
                      "created_at"},
    "numbers": {"id", "tenant_id", "e164", "block_id", "active",
                "target_type", "target_id", "personal", "description",
                "forwarded_calls", "created_at"},
    "announcements": {"id", "tenant_id", "name", "file", "created_at"},
    "trunks": {"id", "tenant_id", "name", "host", "port", "transport",
               "match_any_port", "username", "has_password", "register",
               "registrar", "domain", "auth_user", "from_user", "expires",
               "ca_file", "tls_fingerprint", "tls_name",
               "registration", "priority", "match", "port_min", "port_max",
               "setup_timeout", "out_of_rotation_until", "stats",
               "created_at"},
    "nodes": {"node_id", "self", "alive", "started_at", "heartbeat_at",
              "live_calls", "leases"},
}


def test_fields():
    """Every object of every list has exactly the documented fields."""
    for res, want in FIELDS.items():
        st, ls = sb.api("GET", f"/api/v1/{res}")
        bad = [sorted(set(x) ^ want) for x in ls or []
               if set(x) != want]
        s.check(st == 200 and ls and not bad,
                f"{res}: every object has exactly the documented fields",
                f"{st} {len(ls or [])} objects, differences {bad[:2]}")
    st, st_body = sb.api("GET", "/api/v1/stats")
    s.check(st == 200 and st_body == {
        "calls_active": 0,
        "rtp": {"legs": 0, "players": 0, "received": 0, "relayed": 0,
                "played": 0, "refused": 0, "dtmf": 0},
        "prompts": {"loaded": 0, "hits": 0},
        "speech": {"synthesised": 0, "hits": 0, "synth_us": 0,
                   "synth_us_max": 0},
        "sip": {"undecodable": 0},
        "events": {"clients": 0, "published": 0, "sent": 0,
                   "slow_disconnects": 0, "queue_max": 1048576}},
        "stats of a node without calls: exactly the documented fields, "
        "all 0", f"{st} {st_body}")
    st, n = sb.api("GET", "/api/v1/nodes/node1")
    s.check(st == 200 and n["node_id"] == "node1" and n["self"] is True
            and n["alive"] is True and n["live_calls"] == 0 and
            ISO.match(n["started_at"] or "") and
            ISO.match(n["heartbeat_at"] or "") and
            [x["name"] for x in n["leases"]] ==
            ["callbacks", "escalation", "outbox", "trunkreg"],
            "GET /nodes/node1: this node, alive, no live calls, the only "
            "node: it holds the four leases", f"{st} {n}")
    st, b = sb.api("GET", "/api/v1/nodes/node9")
    err_check("unknown node: 404", st, b, 404, "node node9 not found")


# ---- authentication and roles on every route ----

def every_route():
    """(method, path, body) for every route of the API (src/http/server.c),
    with ids of existing demo objects."""
    demo = TENANT["demo"]
    out = []
    for res, oid in (("tenants", demo), ("employees", TENANT["erika"]),
                     ("devices", 1), ("number_blocks", 1), ("numbers", 1),
                     ("announcements", 1), ("trunks", 1)):
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
            ("POST", "/api/v1/nodes/node2/close_calls", {}),
            ("GET", "/api/v1/outbox", None),
            ("GET", "/api/v1/outbox/1", None),
            ("POST", "/api/v1/outbox/test-mail", {"to": "x@example.com"}),
            ("POST", "/api/v1/mailboxes", {}),
            ("GET", "/api/v1/mailboxes", None),
            ("GET", "/api/v1/mailboxes/1", None),
            ("PATCH", "/api/v1/mailboxes/1", {}),
            ("DELETE", "/api/v1/mailboxes/1", None),
            ("GET", "/api/v1/mailboxes/1/messages", None),
            ("GET", "/api/v1/messages/1", None),
            ("GET", "/api/v1/messages/1/audio", None),
            ("PATCH", "/api/v1/messages/1", {}),
            ("DELETE", "/api/v1/messages/1", None)]
    return out


def add_token(role, tenant_id):
    """A token of another role, written into the store as the server keeps
    it (sha256 of the token, api_tokens)."""
    token = os.urandom(32).hex()
    path = os.path.join(sb.dir, "switchboard.db")
    con = sqlite3.connect(path, timeout=10)
    try:
        con.execute("INSERT INTO api_tokens (token_sha256, role, tenant_id,"
                    " name, created_at) VALUES (?, ?, ?, ?, ?)",
                    (hashlib.sha256(token.encode()).hexdigest(), role,
                     tenant_id, f"test {role}", 0))
        con.commit()
    finally:
        con.close()
    return token


def snapshot():
    """Everything the admin sees, to prove a refused request changed
    nothing."""
    out = {}
    for res in FIELDS:
        if res != "nodes":
            out[res] = sb.api("GET", f"/api/v1/{res}")[1]
    return out


def test_every_route_auth():
    """Each route: 401 without a token and with a wrong one (exact body and
    WWW-Authenticate: Bearer); 403 with the documented message for a token
    of any other role, with or without a tenant, and nothing changed."""
    routes = every_route()
    bad = []
    for m, path, body in routes:
        for tok in (None, "0" * 64):
            hdrs = {"Authorization": f"Bearer {tok}"} if tok else {}
            if body is not None:
                hdrs["Content-Type"] = "application/json"
            st, h, b = raw(m, path, None if body is None else
                           json.dumps(body).encode(), hdrs)
            try:
                jb = json.loads(b)
            except ValueError:
                jb = b
            if not (st == 401 and jb == {"error": "missing or invalid token"}
                    and h.get("www-authenticate") == "Bearer"):
                bad.append((m, path, tok and "wrong", st, jb))
    s.check(not bad, f"all {len(routes)} routes: 401 {{\"error\":\"missing "
            "or invalid token\"}} with WWW-Authenticate: Bearer, without "
            "and with a wrong token", repr(bad[:4]))

    before = snapshot()
    demo = TENANT["demo"]
    for role, tenant in (("agent", demo), ("viewer", None)):
        tok = add_token(role, tenant)
        bad = []
        leaked = []
        for m, path, body in routes:
            st, r = sb.api(m, path, body, token=tok)
            # an agent reads its tenant's employees (issue 16), without
            # e-mail and CC
            if (role == "agent" and m == "GET" and
                    path.startswith("/api/v1/employees") and st == 200):
                continue
            if not (st == 403 and r == {
                    "error": f"role {role} may not {m} {path}"}):
                bad.append((m, path, st, r))
            if "@" in json.dumps(r):
                leaked.append((m, path, r))
        s.check(not bad, f"role {role} (tenant {tenant}): 403 \"role "
                f"{role} may not <method> <path>\" on all {len(routes)} "
                "routes", repr(bad[:4]))
        s.check(not leaked, f"role {role} sees no e-mail address",
                repr(leaked[:2]))
        st, r = sb.api("GET", f"/api/v1/employees?tenant_id={demo}",
                       token=tok)
        if role == "agent":
            s.check(st == 200 and r and
                    all("email" not in e and "cc" not in e for e in r),
                    "role agent: the employee list without e-mail and CC",
                    f"{st} {r}")
        else:
            s.check(st == 403 and r == {"error": f"role {role} may not GET "
                                        "/api/v1/employees"},
                    f"role {role}: the employee list is refused",
                    f"{st} {r}")
    s.check(snapshot() == before, "the refused requests changed nothing")


def test_cross_tenant():
    """Every reference from one tenant's object to another tenant's is
    refused with the documented 422 (or 409 for a block overlapping
    another tenant's), and changes nothing."""
    b, demo = TENANT["b"], TENANT["demo"]
    st, e = sb.api("POST", "/api/v1/employees",
                   {"tenant_id": b, "first_name": "Cross",
                    "last_name": "Tenant"})
    s.check(st == 201, "an employee of tenant B", f"{st} {e}")
    st, a = sb.api("POST", "/api/v1/announcements",
                   {"tenant_id": b, "name": "B", "file": "welcome.wav"})
    s.check(st == 201, "an announcement of tenant B", f"{st} {a}")
    st, ns = sb.api("GET", f"/api/v1/numbers?tenant_id={demo}")
    ann = by(ns or [], "e164", DEMO["announcement"])  # not personal
    before = snapshot()
    # device of the demo tenant -> employee of tenant B
    st, r = sb.api("PATCH", "/api/v1/devices/1", {"employee_id": e["id"]})
    err_check("PATCH device: employee of another tenant: 422", st, r, 422,
              f"employee_id: employee {e['id']} belongs to another tenant")
    # number of the demo tenant -> employee / announcement of tenant B
    st, r = sb.api("PATCH", f"/api/v1/numbers/{ann['id']}",
                   {"target_type": "employee", "target_id": e["id"]})
    err_check("PATCH number: target employee of another tenant: 422", st,
              r, 422, f"target_id: employee {e['id']} belongs to another "
              "tenant")
    st, r = sb.api("PATCH", f"/api/v1/numbers/{ann['id']}",
                   {"target_type": "announcement", "target_id": a["id"]})
    err_check("PATCH number: target announcement of another tenant: 422",
              st, r, 422, f"target_id: announcement {a['id']} belongs to "
              "another tenant")
    # employee of tenant B -> the demo tenant's personal number
    st, r = sb.api("PATCH", f"/api/v1/employees/{e['id']}",
                   {"personal_number": DEMO["max_personal"]})
    err_check("PATCH employee: personal number of another tenant: 422", st,
              r, 422, f"personal_number: {DEMO['max_personal']} belongs to "
              "another tenant")
    # a block of tenant B over the demo tenant's numbers
    st, r = sb.api("POST", "/api/v1/number_blocks",
                   {"tenant_id": b, "first": "+4922182829950",
                    "last": "+4922182829999"})
    err_check("block overlapping another tenant's block: 409", st, r, 409,
              "first: +4922182829950..+4922182829999 overlaps an existing block")
    s.check(snapshot() == before, "the refused cross-tenant changes "
            "changed nothing")
    sb.api("DELETE", f"/api/v1/employees/{e['id']}")
    sb.api("DELETE", f"/api/v1/announcements/{a['id']}")


# ---- the end ----

def test_end():
    st, r = sb.api("GET", "/health")
    s.check(st == 200 and sb.alive(), "server still alive at the end")
    log = sb.logtext()
    leaked = [p for p in SECRETS + list(DEMO["devices"].values())
              if p in log]
    s.check(not leaked, "no password in the log", repr(leaked))
    code = sb.stop()
    s.check(code == 0, "exit code 0 after SIGTERM (no ASan report)",
            f"{code}\n{sb.tail(30)}")


def main():
    global sb
    sb = Switchboard(own_trunk_port=False)
    try:
        sb.start()
        for t in (test_health, test_auth, test_routes, test_demo):
            s.run(t)
        if "demo" not in TENANT:
            s.check(False, "demo data missing: stopping")
        else:
            for t in (test_fields, test_every_route_auth, test_tenants,
                      test_blocks, test_numbers, test_announcements,
                      test_employees, test_personal_rules, test_devices,
                      test_trunks, test_cross_tenant, test_calls,
                      test_registrations, test_bad_input, test_garbage,
                      test_chunked):
                s.run(t)
        s.run(test_end)
    finally:
        if s.failed:
            print(sb.tail(20), flush=True)
        sb.cleanup()
    s.finish()


if __name__ == "__main__":
    main()
