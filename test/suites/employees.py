#!/usr/bin/python3
"""Employees of the answering service (issue 16, seeds/001) against the
real server.

  * Create with every field of seeds/001 ("Nachname, Vorname", CC,
    position, responsibility, mobile written nationally, SMS, substitute,
    extension, transfer number, transfer, VIP SMS) and read it back
    exactly, the mobile stored as E.164; the old first_name/last_name
    way still works.
  * Each bad field a 422 naming it; a substitute cycle A -> B -> A 422
    naming substitute_id; SMS without a mobile 422.
  * ?sort=name lists in phone-book order (Ä as Ae, ß as ss).
  * An agent's token reads its tenant's employees without email and cc,
    and nothing of another tenant; it cannot export.
  * CSV: export (BOM, ';', CRLF), import of the export changes nothing and
    exports byte for byte the same; a Windows-1252 ','-separated file with
    quoted line breaks; a bad file 422 with each error's physical line
    and column, and nothing changed.
"""
import hashlib
import os
import sqlite3
import sys
import urllib.error
import urllib.request
import json

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import Suite, Switchboard  # noqa: E402

S = Suite("employees")


def add_token(sb, role, tenant_id, employee_id=None):
    token = os.urandom(32).hex()
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    try:
        con.execute("INSERT INTO api_tokens (token_sha256, role, tenant_id,"
                    " employee_id, name, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (hashlib.sha256(token.encode()).hexdigest(), role,
                     tenant_id, employee_id, f"test {role}", 0))
        con.commit()
    finally:
        con.close()
    return token


def raw(sb, method, path, data=None, token=None):
    """(status, headers, body bytes) of a request with a raw body."""
    req = urllib.request.Request(f"http://127.0.0.1:{sb.http_port}{path}",
                                 data=data, method=method)
    req.add_header("Authorization", f"Bearer {token or sb.token}")
    if data is not None:
        req.add_header("Content-Type", "text/csv")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_fields(sb, tid, tid2):
    post = lambda b: sb.api("POST", "/api/v1/employees", b)  # noqa: E731
    st, sub = post({"tenant_id": tid, "name": "Erika Weiß"})
    S.check(st == 201 and sub["first_name"] == "Erika" and
            sub["last_name"] == "Weiß" and sub["name"] == "Erika Weiß",
            "POST name \"Vorname Nachname\": split", f"{st} {sub}")
    body = {"tenant_id": tid, "name": "Müller, Hans",
            "email": "hans@mustermann.example",
            "cc": "team@mustermann.example; chef@mustermann.example",
            "position": "Geschäftsführer",
            "responsibility": "Neukunden/Interessenten",
            "mobile": "0170 1234 5678", "sms": True,
            "substitute_id": sub["id"], "extension": "21",
            "transfer_number": "0221 4711-21", "transfer": "vip",
            "vip_sms": True}
    st, e = post(body)
    want = {"name": "Müller, Hans", "first_name": "Hans",
            "last_name": "Müller", "email": "hans@mustermann.example",
            "cc": "team@mustermann.example, chef@mustermann.example",
            "position": "Geschäftsführer",
            "responsibility": "Neukunden/Interessenten",
            "mobile": "+4917012345678", "sms": True,
            "substitute_id": sub["id"], "extension": "21",
            "transfer_number": "+49221471121", "transfer": "vip",
            "vip_sms": True, "tenant_id": tid}
    S.check(st == 201 and all(e.get(k) == v for k, v in want.items()),
            "POST every field of seeds/001: stored as given, mobile E.164",
            f"{st} {e}")
    st, g = sb.api("GET", f"/api/v1/employees/{e['id']}")
    S.check(st == 200 and g == e, "GET reads it back exactly", f"{g}")
    st, o = post({"tenant_id": tid, "first_name": "Otto",
                  "last_name": "Öz"})
    S.check(st == 201 and o["name"] == "Otto Öz" and o["transfer"] == "none"
            and o["mobile"] is None and o["cc"] is None and not o["sms"],
            "POST first_name/last_name still works, defaults", f"{o}")

    bad = [
        ({"name": ""}, "name: write \"Vorname Nachname\" or "
         "\"Nachname, Vorname\""),
        ({"name": "a, b, c"}, "name: write \"Vorname Nachname\" or "
         "\"Nachname, Vorname\""),
        ({"name": "A B", "first_name": "A"},
         "name: give either name or first_name and last_name"),
        ({"mobile": "1701234567"}, "mobile: 1701234567 is not a mobile "
         "number; write it as +49170123456789"),
        ({"mobile": "+49 abc"}, "mobile: +49 abc is not a mobile number; "
         "write it as +49170123456789"),
        ({"cc": "a@x.example, kaputt"},
         "cc: kaputt is not an e-mail address"),
        ({"email": "nope"}, "email: nope is not an e-mail address"),
        ({"sms": True}, "sms: needs a mobile number (field mobile)"),
        ({"vip_sms": True}, "vip_sms: needs a mobile number (field mobile)"),
        ({"transfer": "sometimes"}, None),
        ({"substitute_id": 9999}, "substitute_id: employee 9999 does not "
         "exist"),
        ({"extension": "12a"}, "extension: must be 1 to 6 digits"),
        ({"transfer_number": "abc"}, None),
    ]
    for extra, msg in bad:
        b = {"tenant_id": tid, "name": "Neu Person"}
        b.update(extra)
        if "first_name" in extra:
            b = dict(extra, tenant_id=tid)
        st, r = post(b)
        field = next(iter(k for k in extra if k != "first_name"))
        if msg:
            S.error_is(f"POST bad {field} {extra[field]!r}: 422 naming it",
                       (st, r), 422, msg)
        else:
            S.check(st == 422 and r["error"].startswith(field + ":"),
                    f"POST bad {field}: 422 naming it", f"{st} {r}")

    # a substitute of another tenant, and cycles
    st, other = post({"tenant_id": tid2, "name": "Fremd Person"})
    st, r = sb.api("PATCH", f"/api/v1/employees/{sub['id']}",
                   {"substitute_id": other["id"]})
    S.error_is("PATCH substitute of another tenant: 422", (st, r), 422,
               f"substitute_id: employee {other['id']} belongs to another "
               "tenant")
    st, r = sb.api("PATCH", f"/api/v1/employees/{sub['id']}",
                   {"substitute_id": e["id"]})
    S.error_is("PATCH A -> B -> A: 422 naming substitute_id", (st, r), 422,
               f"substitute_id: employee {e['id']} leads back to this "
               "employee; substitutes must not go round in a circle")
    st, r = sb.api("PATCH", f"/api/v1/employees/{sub['id']}",
                   {"substitute_id": sub["id"]})
    S.check(st == 422 and r["error"].startswith("substitute_id:"),
            "PATCH A -> A: 422", f"{st} {r}")
    st, r = sb.api("PATCH", f"/api/v1/employees/{e['id']}",
                   {"mobile": None})
    S.error_is("PATCH mobile away while sms is on: 422", (st, r), 422,
               "sms: needs a mobile number (field mobile)")
    st, g = sb.api("GET", f"/api/v1/employees/{e['id']}")
    S.check(g == e, "refused PATCHes changed nothing", f"{g}")
    st, r = sb.api("PATCH", f"/api/v1/employees/{e['id']}",
                   {"first_name": "Hans Peter"})
    S.check(st == 200 and r["name"] == "Müller, Hans Peter",
            "PATCH first_name keeps \"Nachname, Vorname\"", f"{r}")
    st, r = sb.api("PATCH", f"/api/v1/employees/{e['id']}",
                   {"last_name": "Müller, Dr."})
    S.error_is("PATCH last_name with a comma: 422", (st, r), 422,
               "last_name: must not contain a comma")
    return e, sub


def test_sorted(sb, tid):
    st, lst = sb.api("GET", f"/api/v1/employees?tenant_id={tid}&sort=name")
    names = [x["last_name"] for x in lst]
    # demo: Mustermann, Musterfrau; ours: Müller, Weiß, Öz
    S.check(st == 200 and names == ["Müller", "Musterfrau", "Mustermann",
                                    "Öz", "Weiß"],
            "?sort=name: phone-book order (Müller as Mueller)", f"{names}")
    st, r = sb.api("GET", f"/api/v1/employees?tenant_id={tid}&sort=x")
    S.error_is("?sort=x: 400", (st, r), 400, "sort: must be name or id")


def test_agent(sb, tid, tid2, e):
    tok = add_token(sb, "agent", tid, e["id"])
    st, lst = sb.api("GET", "/api/v1/employees", token=tok)
    S.check(st == 200 and lst and
            all(x["tenant_id"] == tid for x in lst) and
            all("email" not in x and "cc" not in x for x in lst),
            "agent lists its tenant's employees without email and cc",
            f"{st} {lst}")
    st, g = sb.api("GET", f"/api/v1/employees/{e['id']}", token=tok)
    S.check(st == 200 and "email" not in g and "cc" not in g and
            g["mobile"] == e["mobile"], "agent GET: no email, no cc", f"{g}")
    st, lst2 = sb.api("GET", f"/api/v1/employees?tenant_id={tid2}",
                      token=tok)
    S.check(st == 200 and all(x["tenant_id"] == tid for x in lst2),
            "agent cannot list another tenant's", f"{lst2}")
    st, others = sb.api("GET", f"/api/v1/employees?tenant_id={tid2}")
    st, r = sb.api("GET", f"/api/v1/employees/{others[0]['id']}", token=tok)
    S.check(st == 404, "agent GET of another tenant's employee: 404",
            f"{st} {r}")
    st, r = sb.api("PATCH", f"/api/v1/employees/{e['id']}",
                   {"position": "x"}, token=tok)
    S.check(st == 403, "agent PATCH: 403", f"{st}")
    st, _, body = raw(sb, "GET", f"/api/v1/tenants/{tid}/employees.csv",
                      token=tok)
    S.check(st == 403, "agent CSV export: 403", f"{st}")


def export(sb, tid):
    st, hdr, body = raw(sb, "GET", f"/api/v1/tenants/{tid}/employees.csv")
    return st, hdr, body


def test_csv(sb, tid):
    st, hdr, body = export(sb, tid)
    S.check(st == 200 and
            hdr["Content-Type"] == "text/csv; charset=utf-8" and
            body.startswith(b"\xef\xbb\xbfID;Name;E-Mail;CC;") and
            b"\r\n" in body and "Müller, Hans Peter".encode() in body,
            "export: UTF-8 with BOM, ';', CRLF, German headers",
            f"{st} {hdr} {body[:80]!r}")
    lines = body.decode("utf-8-sig").split("\r\n")
    S.check(len(lines) == 7 and lines[-1] == "",
            "export: a header and 5 employees", f"{lines}")

    st, _, r = raw(sb, "POST", f"/api/v1/tenants/{tid}/employees.csv", body)
    S.check(st == 200 and json.loads(r) == {"created": 0, "updated": 5},
            "import of the export: 5 updated, none created", f"{st} {r}")
    st, _, body2 = export(sb, tid)
    S.check(body2 == body, "export after import: byte for byte the same",
            f"{body2!r}")

    # Windows-1252, ',', LF, quoted line breaks and quotes
    cp = ("Name,E-Mail,Position,Zuständigkeit,Mobilnummer,SMS,Vertreter,"
          "Durchstellen\n"
          "\"Jäger, Jörg\",joerg@x.example,Büro,\"Zeile 1\nZeile \"\"2\"\"\","
          "+49 151 2345678,ja,\"Müller, Hans Peter\",alle\n"
          "Ute Groß,,,,,nein,Jörg Jäger,VIP\n").encode("cp1252")
    st, _, r = raw(sb, "POST", f"/api/v1/tenants/{tid}/employees.csv", cp)
    S.check(st == 200 and json.loads(r) == {"created": 2, "updated": 0},
            "import Windows-1252 ','-separated: 2 created", f"{st} {r}")
    st, lst = sb.api("GET", f"/api/v1/employees?tenant_id={tid}")
    j = [x for x in lst if x["last_name"] == "Jäger"]
    u = [x for x in lst if x["last_name"] == "Groß"]
    S.check(len(j) == 1 and j[0]["name"] == "Jäger, Jörg" and
            j[0]["responsibility"] == "Zeile 1\nZeile \"2\"" and
            j[0]["mobile"] == "+491512345678" and j[0]["sms"] and
            j[0]["transfer"] == "all" and len(u) == 1 and
            u[0]["substitute_id"] == j[0]["id"] and
            u[0]["transfer"] == "vip",
            "cp1252 rows read back: umlauts, line break, quotes, "
            "substitutes by name", f"{j} {u}")

    # a bad file: errors by physical line and column; nothing changes
    st, _, before = export(sb, tid)
    bad = ("Name;E-Mail;Mobilnummer;SMS-Benachrichtigung;Durchstellen\r\n"
           "Neu Eins;eins@x.example;;nein;nein\r\n"
           "\"Zwei\r\nZeilen\";zwei@x.example;;;\r\n"
           "Drei Bad;kaputt;0170 12;vielleicht;\r\n"
           ";;;;\r\n"
           "Vier Bad;vier@x.example;;ja;immer\r\n").encode()
    st, _, r = raw(sb, "POST", f"/api/v1/tenants/{tid}/employees.csv", bad)
    r = json.loads(r)
    got = [(x["line"], x["column"]) for x in r.get("errors", [])]
    S.check(st == 422 and got == [(5, "email"), (5, "mobile"), (5, "sms"),
                                  (7, "transfer")] and
            r["error"].startswith("line 5, email: kaputt is not an e-mail"),
            "bad file: 422, each error with its physical line and column",
            f"{st} {r}")
    S.check(r["errors"][1]["message"] ==
            "0170 12 is not a mobile number; write it as +49170123456789",
            "bad mobile: the expected format in the message",
            f"{r['errors'][1]}")
    st, _, after = export(sb, tid)
    S.check(after == before, "refused file: nothing changed")
    st, _, r = raw(sb, "POST", f"/api/v1/tenants/{tid}/employees.csv",
                   b"Name;Vertreter\nAnna A;Bert B\nBert B;Anna A\n")
    r = json.loads(r)
    S.check(st == 422 and r["errors"][0]["column"] == "substitute",
            "import of a substitute cycle: 422 naming substitute", f"{r}")
    st, _, r = raw(sb, "POST", "/api/v1/tenants/999/employees.csv", b"x")
    S.check(st == 404, "import to an unknown tenant: 404", f"{st} {r}")


def main():
    sb = Switchboard().start()
    try:
        st, tenants = sb.api("GET", "/api/v1/tenants")
        tid = tenants[0]["id"]
        st, t2 = sb.api("POST", "/api/v1/tenants",
                        {"name": "Zweite GmbH", "country_code": "49",
                         "area_code": "30"})
        tid2 = t2["id"]
        res = {}

        def fields():
            res["e"], res["sub"] = test_fields(sb, tid, tid2)
        S.run(fields)
        if "e" in res:
            S.run(test_sorted, sb, tid)
            S.run(test_agent, sb, tid, tid2, res["e"])
            S.run(test_csv, sb, tid)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
