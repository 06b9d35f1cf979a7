#!/usr/bin/python3
"""Callers of the answering service (issue 16, E5, E6) against the real
server, every classify asked with at= (no clock needed).

  * VIPs per employee: a VIP of the company (employee_id null) and one of
    an employee; another tenant's employee 422 naming employee_id; the
    same number again, of the company or of another employee, 409 (a
    number is a VIP once per tenant); ?employee_id= filters.
  * Allow and block lists: numbers normalised like VIPs (0221...,
    +49221..., 0049221... are one number), prefixes ("0221 123*" is
    +49221123*), bad numbers and prefixes 422 naming number, a block
    entry for an employee 422 naming employee_id, a number on either list
    once (409), ?list= filters, expires_at null or ISO.
  * The advertising list: admin only (an agent 403); switched on per
    tenant (caller_settings, default off).
  * classify at T: precedence (an allowed number inside a blocked range,
    a blocked prefix inside an allowed one, the VIP exact over a prefix,
    an explicit allow over the advertising list), expiry (in force before
    expires_at, not at it), anonymous callers blocked only when switched
    on, an extension nothing special; bad at= and no number 400.
  * Roles and tenants: an agent of the tenant reads VIPs, lists, settings
    and classify and writes nothing (403); another tenant's agent gets
    404 for these ids, an empty list, 404 for the tenant's settings.
"""
import hashlib
import os
import sqlite3
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import demo_ids, Suite, Switchboard  # noqa: E402

S = Suite("callers")
T0 = "2026-12-07T10:00:00Z"


def add_token(sb, role, tenant_id):
    token = os.urandom(32).hex()
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    try:
        con.execute("INSERT INTO api_tokens (token_sha256, role, tenant_id,"
                    " name, created_at) VALUES (?, ?, ?, ?, ?)",
                    (hashlib.sha256(token.encode()).hexdigest(), role,
                     tenant_id, f"test {role}", 0))
        con.commit()
    finally:
        con.close()
    return token


def classify(sb, tid, number, at=T0, token="__admin__"):
    q = urllib.parse.urlencode({"number": number, "at": at},
                               quote_via=urllib.parse.quote)
    return sb.api("GET", f"/api/v1/tenants/{tid}/callers/classify?{q}",
                  token=token)


def test_vips(sb, tid, max_id, erika, other_emp):
    post = lambda b: sb.api("POST", "/api/v1/vips", b)  # noqa: E731
    st, v = post({"tenant_id": tid, "number": "0049 30 777888",
                  "name": "Dr. Anna Schmitz", "employee_id": max_id,
                  "note": "Bitte nicht nach Kontaktdaten fragen."})
    S.check(st == 201 and v == {
        "id": v.get("id"), "tenant_id": tid, "employee_id": max_id,
        "number": "+4930777888", "name": "Dr. Anna Schmitz",
        "note": "Bitte nicht nach Kontaktdaten fragen.",
        "created_at": v.get("created_at")},
        "a VIP of Max: 201, 0049 30 777888 stored as +4930777888",
        f"{st} {v}")
    st, c = post({"tenant_id": tid, "number": "0221 555 666",
                  "name": "Vorstand Müller", "employee_id": None})
    S.check(st == 201 and c.get("employee_id") is None and
            c.get("number") == "+49221555666",
            "a VIP of the company: 201, employee_id null", f"{st} {c}")
    S.error_is("another tenant's employee: 422",
               post({"tenant_id": tid, "number": "+4930111000",
                     "name": "X", "employee_id": other_emp}), 422,
               f"employee_id: employee {other_emp} belongs to another "
               "tenant")
    S.error_is("an unknown employee: 422",
               post({"tenant_id": tid, "number": "+4930111000",
                     "name": "X", "employee_id": 99999}), 422,
               "employee_id: employee 99999 does not exist")
    S.error_is("the same number for another employee: 409",
               post({"tenant_id": tid, "number": "+49 30 777888",
                     "name": "Anna", "employee_id": erika}), 409,
               f"number: +4930777888 is a VIP of tenant {tid} already")
    S.error_is("the same number for the company: 409",
               post({"tenant_id": tid, "number": "030 777888",
                     "name": "Anna"}), 409,
               f"number: +4930777888 is a VIP of tenant {tid} already")
    st, lst = sb.api("GET",
                     f"/api/v1/vips?tenant_id={tid}&employee_id={max_id}")
    S.check(st == 200 and [x["id"] for x in lst] == [v.get("id")],
            "?employee_id= lists Max's VIP only", f"{st} {lst}")
    st, p = sb.api("PATCH", f"/api/v1/vips/{c.get('id')}",
                   {"employee_id": erika})
    S.check(st == 200 and p.get("employee_id") == erika,
            "PATCH moves the company VIP to Erika", f"{st} {p}")
    st, p = sb.api("PATCH", f"/api/v1/vips/{c.get('id')}",
                   {"employee_id": None})
    S.check(st == 200 and p.get("employee_id") is None,
            "PATCH employee_id null: the company's again", f"{st} {p}")
    S.error_is("PATCH to another tenant's employee: 422",
               sb.api("PATCH", f"/api/v1/vips/{c.get('id')}",
                      {"employee_id": other_emp}), 422,
               f"employee_id: employee {other_emp} belongs to another "
               "tenant")
    return v.get("id"), c.get("id")


def test_lists(sb, tid, max_id, erika):
    post = lambda b: sb.api("POST", "/api/v1/caller_lists", b)  # noqa
    st, b = post({"tenant_id": tid, "list": "block",
                  "number": "0221 123*", "note": "Firma Nervig"})
    S.check(st == 201 and b == {
        "id": b.get("id"), "tenant_id": tid, "list": "block",
        "employee_id": None, "number": "+49221123*", "note": "Firma Nervig",
        "expires_at": None, "created_at": b.get("created_at")},
        "a blocked range: 201, 0221 123* stored as +49221123*", f"{st} {b}")
    st, a = post({"tenant_id": tid, "list": "allow", "employee_id": max_id,
                  "number": "+49 221 1234567", "note": "Steuerberater"})
    S.check(st == 201 and a.get("number") == "+492211234567" and
            a.get("employee_id") == max_id and a.get("list") == "allow",
            "an allowed number for Max: 201", f"{st} {a}")
    st, a2 = post({"tenant_id": tid, "list": "allow",
                   "number": "0049 89 *"})
    S.check(st == 201 and a2.get("number") == "+4989*" and
            a2.get("employee_id") is None,
            "an allowed range of the company: 201, 0049 89 * as +4989*",
            f"{st} {a2}")
    st, b2 = post({"tenant_id": tid, "list": "block",
                   "number": "0221 98765", "expires_at":
                   "2026-12-31T23:00:00Z"})
    S.check(st == 201 and b2.get("number") == "+4922198765" and
            b2.get("expires_at") == "2026-12-31T23:00:00.000Z",
            "a block until 2026-12-31T23:00Z: 201", f"{st} {b2}")
    st, b3 = post({"tenant_id": tid, "list": "block", "number": "+49892*"})
    S.check(st == 201, "a blocked prefix inside the allowed +4989*: 201",
            f"{st} {b3}")
    S.error_is("the blocked range again, as allow: 409",
               post({"tenant_id": tid, "list": "allow",
                     "number": "+49221123*"}), 409,
               f"number: +49221123* is on a list of tenant {tid} already")
    S.error_is("a block entry for an employee: 422",
               post({"tenant_id": tid, "list": "block",
                     "employee_id": erika, "number": "+4930999000"}), 422,
               "employee_id: a block list entry is for the whole company "
               "(must be null)")
    for bad in ("123*", "+1*", "0221*9", "abc", "12"):
        S.error_is(f"number {bad!r}: 422",
                   post({"tenant_id": tid, "list": "block", "number": bad}),
                   422, f"number: {bad} is not a valid E.164 phone number "
                   "or prefix (like +49221123*)")
    S.error_is("an unknown list: 422",
               post({"tenant_id": tid, "list": "grey", "number": "+4930"}),
               422, "list: must be allow or block")
    S.error_is("a bad expires_at: 422",
               post({"tenant_id": tid, "list": "block",
                     "number": "+4930111000", "expires_at": "morgen"}), 422,
               "expires_at: must be an ISO-8601 time like "
               "2026-12-07T10:00:00Z")
    st, lst = sb.api("GET", f"/api/v1/caller_lists?tenant_id={tid}"
                     "&list=allow")
    S.check(st == 200 and [x["id"] for x in lst] ==
            [a.get("id"), a2.get("id")], "?list=allow: the two allows",
            f"{st} {lst}")
    S.error_is("?list=grey: 400",
               sb.api("GET", "/api/v1/caller_lists?list=grey"), 400,
               "list: must be allow or block")
    st, p = sb.api("PATCH", f"/api/v1/caller_lists/{b2.get('id')}",
                   {"note": "bis Jahresende"})
    S.check(st == 200 and p.get("note") == "bis Jahresende" and
            p.get("expires_at") == "2026-12-31T23:00:00.000Z",
            "PATCH the note keeps the expiry", f"{st} {p}")
    return {"block": b.get("id"), "allow": a.get("id"),
            "allow89": a2.get("id"), "until": b2.get("id"),
            "block892": b3.get("id")}


def decision(sb, tid, number, at=T0, token="__admin__"):
    st, c = classify(sb, tid, number, at, token)
    return st, {k: c.get(k) for k in ("number", "decision", "reason",
                                      "entry_id", "employee_id")} \
        if st == 200 else c


def test_classify(sb, tid, max_id, erika, ids, vip_max, vip_co):
    cases = [
        ("a number of the blocked range, written locally", "1230000",
         {"number": "+492211230000", "decision": "block",
          "reason": "block_list", "entry_id": ids["block"],
          "employee_id": None}),
        ("the allowed number inside it (0221...)", "0221 1234567",
         {"number": "+492211234567", "decision": "allow",
          "reason": "allow_list", "entry_id": ids["allow"],
          "employee_id": max_id}),
        ("the same as 0049221...", "0049 221 1234567",
         {"number": "+492211234567", "decision": "allow",
          "reason": "allow_list", "entry_id": ids["allow"],
          "employee_id": max_id}),
        ("the same as +49221...", "+492211234567",
         {"number": "+492211234567", "decision": "allow",
          "reason": "allow_list", "entry_id": ids["allow"],
          "employee_id": max_id}),
        ("a blocked prefix inside an allowed one", "089 2111",
         {"number": "+49892111", "decision": "block",
          "reason": "block_list", "entry_id": ids["block892"],
          "employee_id": None}),
        ("the allowed range outside it", "089 3111",
         {"number": "+49893111", "decision": "allow",
          "reason": "allow_list", "entry_id": ids["allow89"],
          "employee_id": None}),
        ("Max's VIP", "030 777888",
         {"number": "+4930777888", "decision": "vip", "reason": "vip",
          "entry_id": None, "employee_id": max_id}),
        ("nobody special", "0711 123456",
         {"number": "+49711123456", "decision": "none", "reason": None,
          "entry_id": None, "employee_id": None}),
        ("an extension", "12",
         {"number": None, "decision": "none", "reason": None,
          "entry_id": None, "employee_id": None}),
        ("anonymous, not blocked (off)", "anonymous",
         {"number": None, "decision": "none", "reason": None,
          "entry_id": None, "employee_id": None}),
    ]
    for what, number, want in cases:
        st, got = decision(sb, tid, number)
        S.check(st == 200 and got == want, f"classify: {what}",
                f"{st} {got}")
    st, c = classify(sb, tid, "030 777888")
    S.check(st == 200 and c == {
        "tenant_id": tid, "caller": "030 777888", "number": "+4930777888",
        "anonymous": False, "at": "2026-12-07T10:00:00.000Z",
        "decision": "vip", "reason": "vip", "entry_id": None,
        "ad_caller_id": None, "employee_id": max_id,
        "vip": {"id": vip_max, "employee_id": max_id,
                "name": "Dr. Anna Schmitz",
                "note": "Bitte nicht nach Kontaktdaten fragen."}},
        "the whole answer of a VIP: its info and employee", f"{st} {c}")
    # expiry: in force before expires_at, not at it
    st, got = decision(sb, tid, "0221 98765", "2026-12-31T22:59:59.999Z")
    S.check(st == 200 and got["decision"] == "block" and
            got["entry_id"] == ids["until"],
            "a block in force just before its end", f"{st} {got}")
    st, got = decision(sb, tid, "0221 98765", "2026-12-31T23:00:00Z")
    S.check(st == 200 and got["decision"] == "none",
            "and not from its end on", f"{st} {got}")
    S.error_is("no number: 400",
               sb.api("GET", f"/api/v1/tenants/{tid}/callers/classify"),
               400, "number: is required")
    st, b = classify(sb, tid, "0221", "gestern")
    S.check(st == 400 and b.get("error", "").startswith("at: "),
            "a bad at=: 400 naming at", f"{st} {b}")
    S.error_is("an unknown tenant: 404", classify(sb, 99999, "0221"), 404,
               "tenant 99999 not found")


def test_advertising(sb, tid, agent):
    path = f"/api/v1/tenants/{tid}/caller_settings"
    st, s = sb.api("GET", path)
    S.check(st == 200 and s == {"tenant_id": tid, "block_advertising": False,
                                "block_anonymous": False,
                                "updated_at": None},
            "settings: both off by default", f"{st} {s}")
    post = lambda b: sb.api("POST", "/api/v1/ad_callers", b)  # noqa
    st, ad = post({"number": "0800 123*", "note": "Gewinnspiel"})
    S.check(st == 201 and ad == {"id": ad.get("id"), "number": "+49800123*",
                                 "note": "Gewinnspiel",
                                 "created_at": ad.get("created_at")},
            "an advertising range: 201, +49800123*", f"{st} {ad}")
    st, ad2 = post({"number": "+4989555000"})
    S.check(st == 201, "an advertising number inside the allowed +4989*",
            f"{st} {ad2}")
    S.error_is("the same again: 409", post({"number": "+49800123*"}), 409,
               "number: +49800123* is on the advertising list already")
    S.error_is("a local prefix: 422", post({"number": "800*"}), 422,
               "number: 800* is not a valid E.164 phone number or prefix "
               "(like +49221123*)")
    st, b = sb.api("GET", "/api/v1/ad_callers", token=agent)
    S.check(st == 403, "an agent may not read the advertising list: 403",
            f"{st} {b}")
    st, got = decision(sb, tid, "0800 1234567")
    S.check(st == 200 and got["decision"] == "none",
            "an advertising caller while the list is off: none",
            f"{st} {got}")
    st, s = sb.api("PATCH", path, {"block_advertising": True})
    S.check(st == 200 and s.get("block_advertising") is True and
            s.get("block_anonymous") is False and s.get("updated_at"),
            "PATCH block_advertising on: the other stays off", f"{st} {s}")
    st, c = classify(sb, tid, "0800 1234567")
    S.check(st == 200 and c.get("decision") == "block" and
            c.get("reason") == "advertising" and
            c.get("ad_caller_id") == ad.get("id"),
            "then blocked as advertising", f"{st} {c}")
    st, got = decision(sb, tid, "089 555000")
    S.check(st == 200 and got["decision"] == "allow",
            "an explicit allow beats the advertising list", f"{st} {got}")
    st, s = sb.api("PUT", path, {"block_anonymous": True})
    S.check(st == 200 and s.get("block_anonymous") is True and
            s.get("block_advertising") is True,
            "PUT block_anonymous on", f"{st} {s}")
    for anon in ("anonymous", "", "Unknown"):
        st, c = classify(sb, tid, anon)
        S.check(st == 200 and c.get("decision") == "block" and
                c.get("reason") == "anonymous" and c.get("anonymous") is True
                and c.get("number") is None,
                f"caller {anon!r} blocked as anonymous", f"{st} {c}")
    S.error_is("an unknown setting: 400", sb.api("PUT", path, {"x": True}),
               400, "x: unknown field")
    st, b = sb.api("PUT", path, {"block_anonymous": "yes"})
    S.check(st == 400 and b.get("error", "").startswith("block_anonymous: "),
            "a setting not a bool: 400 naming it", f"{st} {b}")
    st, s = sb.api("PUT", path, {"block_advertising": False,
                                 "block_anonymous": False})
    S.check(st == 200 and not s.get("block_advertising") and
            not s.get("block_anonymous"), "both off again", f"{st} {s}")
    st, got = decision(sb, tid, "0800 1234567")
    S.check(st == 200 and got["decision"] == "none",
            "switched off: the advertising caller is none again",
            f"{st} {got}")
    return ad.get("id")


def test_roles(sb, tid, t2, ids, vip_max, ad_id):
    agent = add_token(sb, "agent", tid)
    other = add_token(sb, "agent", t2)
    for path in (f"/api/v1/vips/{vip_max}",
                 f"/api/v1/caller_lists/{ids['block']}",
                 f"/api/v1/tenants/{tid}/caller_settings"):
        st, b = sb.api("GET", path, token=agent)
        S.check(st == 200, f"the tenant's agent reads {path}", f"{st} {b}")
    st, c = classify(sb, tid, "0221 1234567", token=agent)
    S.check(st == 200 and c.get("decision") == "allow",
            "the tenant's agent classifies", f"{st} {c}")
    st, lst = sb.api("GET", "/api/v1/caller_lists", token=agent)
    S.check(st == 200 and len(lst) == 5 and
            all(x["tenant_id"] == tid for x in lst),
            "the agent's list: its tenant's five entries", f"{st} {lst}")
    for method, path, body in (
            ("POST", "/api/v1/vips", {"tenant_id": tid,
                                      "number": "+4930111", "name": "X"}),
            ("PATCH", f"/api/v1/vips/{vip_max}", {"name": "X"}),
            ("DELETE", f"/api/v1/caller_lists/{ids['block']}", None),
            ("POST", "/api/v1/caller_lists", {"tenant_id": tid,
                                              "list": "block",
                                              "number": "+4930111"}),
            ("PUT", f"/api/v1/tenants/{tid}/caller_settings",
             {"block_anonymous": True}),
            ("POST", "/api/v1/ad_callers", {"number": "+49800*"}),
            ("DELETE", f"/api/v1/ad_callers/{ad_id}", None)):
        st, b = sb.api(method, path, body, token=agent)
        S.check(st == 403, f"agent may not {method} {path}", f"{st} {b}")
    S.error_is("another tenant's agent: VIP 404",
               sb.api("GET", f"/api/v1/vips/{vip_max}", token=other), 404,
               f"vip {vip_max} not found")
    S.error_is("another tenant's agent: list entry 404",
               sb.api("GET", f"/api/v1/caller_lists/{ids['block']}",
                      token=other), 404,
               f"caller list entry {ids['block']} not found")
    S.error_is("another tenant's agent: settings 404",
               sb.api("GET", f"/api/v1/tenants/{tid}/caller_settings",
                      token=other), 404, f"tenant {tid} not found")
    S.error_is("another tenant's agent: classify 404",
               classify(sb, tid, "0221", token=other), 404,
               f"tenant {tid} not found")
    st, lst = sb.api("GET", "/api/v1/caller_lists", token=other)
    S.check(st == 200 and lst == [], "another tenant's agent: empty list",
            f"{st} {lst}")
    st, lst = sb.api("GET", "/api/v1/vips", token=other)
    S.check(st == 200 and lst == [], "another tenant's agent: no VIPs",
            f"{st} {lst}")
    st, got = decision(sb, t2, "1230000")
    S.check(st == 200 and got["decision"] == "none" and
            got["number"] is None,
            "another tenant (no area code): 1230000 is no public number",
            f"{st} {got}")
    st, got = decision(sb, t2, "0221 1230000")
    S.check(st == 200 and got["decision"] == "none" and
            got["number"] == "+492211230000",
            "the other tenant's caller: none of the first's lists",
            f"{st} {got}")
    st, _ = sb.api("DELETE", f"/api/v1/caller_lists/{ids['until']}")
    S.check(st == 204, "DELETE an entry: 204", str(st))
    S.error_is("DELETE again: 404",
               sb.api("DELETE", f"/api/v1/caller_lists/{ids['until']}"),
               404, f"caller list entry {ids['until']} not found")


def main():
    sb = Switchboard().start()
    try:
        tid, _, erika = demo_ids(sb, "Erika")
        _, _, max_id = demo_ids(sb, "Max")
        st, t2 = sb.api("POST", "/api/v1/tenants", {"name": "Andere GmbH"})
        st, e2 = sb.api("POST", "/api/v1/employees",
                        {"tenant_id": t2["id"], "first_name": "Olga",
                         "last_name": "Other", "email": "olga@x.example"})
        agent = add_token(sb, "agent", tid)
        ids = {}

        def run_all():
            ids["vip_max"], ids["vip_co"] = test_vips(sb, tid, max_id, erika,
                                                      e2["id"])
            ids.update(test_lists(sb, tid, max_id, erika))
            test_classify(sb, tid, max_id, erika, ids, ids["vip_max"],
                          ids["vip_co"])
            ad = test_advertising(sb, tid, agent)
            test_roles(sb, tid, t2["id"], ids, ids["vip_max"], ad)
        S.run(run_all)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
