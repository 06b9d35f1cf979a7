#!/usr/bin/python3
"""Absence info, appointments and on-call schedules (issue 16) against the
real server, every answer asked with at= (no clock needed).

  * Absence info: GET empty, PUT and PATCH set it, null clears; body
    fields checked (unknown, not a string, too long, missing).
  * Appointments: CRUD; the tenant comes from the employee; each bad
    field a 422 (or 400 for its JSON type) naming it; ends_at not after
    starts_at 422; unknown employee 422.
  * Availability: the absence info before an appointment, the
    appointment from its start (inclusive) to its end (exclusive), the
    absence info again after it; a bad at= 400.
  * On-call: rotation_days 7 by default, 0 a 422; a daily rotation from
    a Saturday over the spring switch Sunday (23 h);
    a weekly Monday 08:00 rotation over the 2026 spring switch
    (handoff at 06:00 UTC after it), an override winning over it and
    handing back, overlapping overrides 409, bad fields 422 naming them.
  * Roles and tenants: an agent of the tenant reads everything and
    writes nothing (403), never sees an e-mail; another tenant's agent
    gets 404 for these ids and empty lists.
"""
import hashlib
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import demo_ids, Suite, Switchboard  # noqa: E402

S = Suite("availability")


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


def test_absence(sb, max_id):
    path = f"/api/v1/employees/{max_id}/absence_info"
    st, a = sb.api("GET", path)
    S.check(st == 200 and a == {"employee_id": max_id, "text": None,
                                "updated_at": None},
            "absence info: none at first", f"{st} {a}")
    st, a = sb.api("PUT", path, {"text": "Nur vormittags im Hause."})
    S.check(st == 200 and a.get("text") == "Nur vormittags im Hause." and
            a.get("updated_at"), "PUT sets it", f"{st} {a}")
    st, a = sb.api("PATCH", path, {"text": None})
    S.check(st == 200 and a.get("text") is None, "PATCH null clears it",
            f"{st} {a}")
    S.error_is("an unknown field: 400", sb.api("PUT", path, {"txt": "x"}),
               400, "txt: unknown field")
    S.error_is("text missing: 422", sb.api("PUT", path, {}), 422,
               "text: is required")
    st, b = sb.api("PUT", path, {"text": 5})
    S.check(st == 400 and b.get("error", "").startswith("text: "),
            "text not a string: 400 naming text", f"{st} {b}")
    st, b = sb.api("PUT", path, {"text": "x" * 1024})
    S.check(st == 400 and b.get("error", "").startswith("text: "),
            "text of 1024 characters: 400 naming text", f"{st} {b}")
    S.error_is("an unknown employee: 404",
               sb.api("GET", "/api/v1/employees/99999/absence_info"), 404,
               "employee 99999 not found")
    st, a = sb.api("PUT", path, {"text": "Nur vormittags im Hause."})
    S.check(st == 200, "set again", f"{st} {a}")


def avail(sb, emp, at, token="__admin__"):
    return sb.api("GET", f"/api/v1/employees/{emp}/availability?at={at}",
                  token=token)


def test_appointments(sb, tid, max_id):
    post = lambda b: sb.api("POST", "/api/v1/appointments", b)  # noqa: E731
    good = {"employee_id": max_id, "starts_at": "2026-10-01T00:00:00+02:00",
            "ends_at": "2026-10-18T00:00:00+02:00",
            "text": "01.10.-17.10. im Urlaub - Rückrufe ab dem 18.10."}
    st, a = post(good)
    S.check(st == 201 and a.get("tenant_id") == tid and
            a.get("starts_at") == "2026-09-30T22:00:00.000Z" and
            a.get("ends_at") == "2026-10-17T22:00:00.000Z" and
            sorted(a) == ["created_at", "employee_id", "ends_at", "id",
                          "starts_at", "tenant_id", "text"],
            "an appointment: 201, times in UTC, tenant of the employee",
            f"{st} {a}")
    aid = a.get("id")
    st, g = sb.api("GET", f"/api/v1/appointments/{aid}")
    S.check(st == 200 and g == a, "GET returns it exactly", f"{st} {g}")
    for field, value, msg in (
            ("starts_at", "2026-10-01", "starts_at: must be an ISO-8601 "
             "time like 2026-12-07T10:00:00Z"),
            ("ends_at", "morgen", "ends_at: must be an ISO-8601 time like "
             "2026-12-07T10:00:00Z"),
            ("ends_at", "2026-09-30T22:00:00Z",
             "ends_at: must be after starts_at"),
            ("text", "", "text: must not be empty"),
            ("employee_id", 99999, "employee_id: employee 99999 does not "
             "exist"),
            ("employee_id", 0, "employee_id: must be a positive id")):
        S.error_is(f"{field} {value!r}: 422",
                   post(dict(good, **{field: value})), 422, msg)
    for field in ("employee_id", "starts_at", "ends_at", "text"):
        b = dict(good)
        del b[field]
        st, r = post(b)
        S.check(st in (400, 422) and
                r.get("error", "").startswith(field + ": "),
                f"{field} missing: refused naming it", f"{st} {r}")
    S.error_is("an unknown field: 400", post(dict(good, note="x")), 400,
               "note: unknown field")
    S.error_is("text of 256 characters: 400",
               post(dict(good, text="t" * 256)), 400,
               "text: longer than 255 characters")
    S.error_is("PATCH employee_id (fixed): 400",
               sb.api("PATCH", f"/api/v1/appointments/{aid}",
                      {"employee_id": max_id}), 400,
               "employee_id: cannot be changed")
    # a meeting inside the holiday
    st, m = post({"employee_id": max_id, "starts_at": "2026-10-05T08:00:00Z",
                  "ends_at": "2026-10-05T10:00:00Z", "text": "Im Termin"})
    S.check(st == 201, "an overlapping appointment: 201", f"{st} {m}")
    mid = m.get("id")
    st, lst = sb.api("GET", f"/api/v1/appointments?employee_id={max_id}"
                     "&since=2026-10-05T09:00:00Z")
    S.check(st == 200 and [x["id"] for x in lst] == [aid, mid],
            "list by employee and since, by start", f"{st} {lst}")
    st, lst = sb.api("GET", "/api/v1/appointments?until=2026-10-01T00:00:00Z")
    S.check(st == 200 and [x["id"] for x in lst] == [aid],
            "list until", f"{st} {lst}")

    cases = (
        ("2026-09-30T21:59:59.999Z", "absence_info",
         "Nur vormittags im Hause.", None, None,
         "2026-09-30T22:00:00.000Z"),
        ("2026-09-30T22:00:00Z", "appointment", good["text"], aid,
         "2026-09-30T22:00:00.000Z", "2026-10-05T08:00:00.000Z"),
        ("2026-10-05T08:00:00Z", "appointment", "Im Termin", mid,
         "2026-10-05T08:00:00.000Z", "2026-10-05T10:00:00.000Z"),
        ("2026-10-05T10:00:00Z", "appointment", good["text"], aid,
         "2026-09-30T22:00:00.000Z", "2026-10-17T22:00:00.000Z"),
        ("2026-10-17T21:59:59.999Z", "appointment", good["text"], aid,
         "2026-09-30T22:00:00.000Z", "2026-10-17T22:00:00.000Z"),
        ("2026-10-17T22:00:00Z", "absence_info", "Nur vormittags im Hause.",
         None, None, None),
    )
    for at, source, text, app, frm, until in cases:
        st, v = avail(sb, max_id, at)
        S.check(st == 200 and v.get("source") == source and
                v.get("text") == text and v.get("appointment_id") == app and
                v.get("from") == frm and v.get("until") == until and
                v.get("name") == "Max Mustermann",
                f"availability at {at}: {source}", f"{st} {v}")
    S.error_is("a bad at: 400", avail(sb, max_id, "heute"), 400,
               "at: must be an ISO-8601 time like 2026-11-25T03:34:57.123Z")
    S.error_is("another query parameter: 400",
               sb.api("GET", f"/api/v1/employees/{max_id}/availability"
                      "?when=x"), 400, "when: unknown query parameter")
    st, _ = sb.api("DELETE", f"/api/v1/appointments/{mid}")
    S.check(st == 204, "DELETE: 204", str(st))
    S.error_is("GET after DELETE: 404",
               sb.api("GET", f"/api/v1/appointments/{mid}"), 404,
               f"appointment {mid} not found")
    return aid


def test_oncall(sb, tid, max_id, erika, other_emp):
    post = lambda b: sb.api("POST", "/api/v1/oncall_schedules", b)  # noqa
    good = {"tenant_id": tid, "name": "Ärztlicher Notdienst",
            "handoff_day": "mon", "handoff_time": "08:00",
            "start_date": "2026-03-16",
            "members": [{"employee_id": max_id}, {"employee_id": erika}]}
    st, s = post(good)
    S.check(st == 201 and s.get("members") == good["members"] and
            s.get("handoff_time") == "08:00" and
            s.get("start_date") == "2026-03-16",
            "an on-call schedule: 201", f"{st} {s}")
    sid = s.get("id")
    for field, value, msg in (
            ("handoff_day", "monday", "handoff_day: must be mon, tue, wed, "
             "thu, fri, sat or sun"),
            ("handoff_time", "24:00", "handoff_time: must be a time HH:MM "
             "from 00:00 to 23:59"),
            ("start_date", "2026-02-30", "start_date: must be a date "
             "YYYY-MM-DD"),
            ("start_date", "2026-03-18", "start_date: 2026-03-18 is a "
             "Wednesday; the first handoff must be on a Monday "
             "(handoff_day)"),
            ("members", [], "members: at least one member is required"),
            ("members", [{"employee_id": other_emp}],
             f"members[0].employee_id: employee {other_emp} belongs to "
             "another tenant"),
            ("members", [{"id": 1}], "members[0].id: unknown field"),
            ("name", "", "name: must not be empty")):
        body = dict(good, name=good["name"] + " 2")
        body[field] = value
        S.error_is(f"schedule {field} {value!r}: 422", post(body), 422, msg)
    S.error_is("the same name again: 409", post(good), 409,
               "name: Ärztlicher Notdienst exists already")
    S.check(s.get("rotation_days") == 7, "rotation_days: 7 by default",
            f"{s}")
    S.error_is("rotation_days 0: 422",
               post(dict(good, name="x", rotation_days=0)), 422,
               "rotation_days: must be from 1 to 364 days")
    # daily from Saturday 2026-03-28 08:00: handoff_day becomes "sat"; the
    # switch Sunday is 23 h, the next handoff Monday 08:00 CEST (06:00Z)
    st, d = post(dict(good, name="Nachtdienst täglich", rotation_days=1,
                      start_date="2026-03-28"))
    S.check(st == 201 and d.get("rotation_days") == 1 and
            d.get("handoff_day") == "sat",
            "a daily rotation from a Saturday: 201, handoff_day sat",
            f"{st} {d}")
    for at, emp, frm, until in (
            ("2026-03-28T07:00:00Z", max_id, "2026-03-28T07:00:00.000Z",
             "2026-03-29T06:00:00.000Z"),
            ("2026-03-29T06:00:00Z", erika, "2026-03-29T06:00:00.000Z",
             "2026-03-30T06:00:00.000Z"),
            ("2026-03-30T06:00:00Z", max_id, "2026-03-30T06:00:00.000Z",
             "2026-03-31T06:00:00.000Z")):
        st, n = sb.api("GET", f"/api/v1/oncall_schedules/{d.get('id')}"
                       f"/now?at={at}")
        S.check(st == 200 and n.get("employee_id") == emp and
                n.get("from") == frm and n.get("until") == until,
                f"daily rotation at {at}: {emp} {frm}..{until}",
                f"{st} {n}")
    st, _ = sb.api("DELETE", f"/api/v1/oncall_schedules/{d.get('id')}")
    S.check(st == 204, "the daily rotation deleted", str(st))

    def now(at, token="__admin__"):
        return sb.api("GET", f"/api/v1/oncall_schedules/{sid}/now?at={at}",
                      token=token)
    for at, emp, src, frm, until in (
            ("2026-03-16T06:59:59Z", None, "none", None,
             "2026-03-16T07:00:00.000Z"),
            ("2026-03-16T07:00:00Z", max_id, "rotation",
             "2026-03-16T07:00:00.000Z", "2026-03-23T07:00:00.000Z"),
            ("2026-03-23T07:00:00Z", erika, "rotation",
             "2026-03-23T07:00:00.000Z", "2026-03-30T06:00:00.000Z"),
            ("2026-03-30T05:59:59Z", erika, "rotation",
             "2026-03-23T07:00:00.000Z", "2026-03-30T06:00:00.000Z"),
            ("2026-03-30T06:00:00Z", max_id, "rotation",
             "2026-03-30T06:00:00.000Z", "2026-04-06T06:00:00.000Z")):
        st, r = now(at)
        S.check(st == 200 and r.get("employee_id") == emp and
                r.get("source") == src and r.get("from") == frm and
                r.get("until") == until, f"on call at {at}: {src} {emp}",
                f"{st} {r}")
    opost = lambda b: sb.api("POST", "/api/v1/oncall_overrides", b)  # noqa
    ov = {"schedule_id": sid, "employee_id": max_id,
          "starts_at": "2026-03-25T18:00:00+01:00",
          "ends_at": "2026-03-26T08:00:00+01:00", "note": "Tausch"}
    st, o = opost(ov)
    S.check(st == 201 and o.get("tenant_id") == tid, "an override: 201",
            f"{st} {o}")
    oid = o.get("id")
    st, r = now("2026-03-25T17:00:00Z")
    S.check(st == 200 and r.get("employee_id") == max_id and
            r.get("source") == "override" and r.get("override_id") == oid and
            r.get("name") == "Max Mustermann" and
            r.get("until") == "2026-03-26T07:00:00.000Z",
            "the override wins over the rotation", f"{st} {r}")
    st, r = now("2026-03-26T07:00:00Z")
    S.check(st == 200 and r.get("employee_id") == erika and
            r.get("source") == "rotation" and
            r.get("from") == "2026-03-26T07:00:00.000Z",
            "the rotation again after it, since its end", f"{st} {r}")
    S.error_is("an overlapping override: 409",
               opost(dict(ov, starts_at="2026-03-26T06:00:00Z",
                          ends_at="2026-03-26T09:00:00Z")), 409,
               f"starts_at: overlaps override {oid} of oncall schedule "
               f"{sid}")
    for field, value, msg in (
            ("ends_at", "2026-03-25T17:00:00Z",
             "ends_at: must be after starts_at"),
            ("schedule_id", 99999,
             "schedule_id: oncall schedule 99999 does not exist"),
            ("employee_id", other_emp,
             f"employee_id: employee {other_emp} belongs to another "
             "tenant"),
            ("starts_at", "x", "starts_at: must be an ISO-8601 time like "
             "2026-12-07T10:00:00Z")):
        body = dict(ov, starts_at="2026-04-01T00:00:00Z",
                    ends_at="2026-04-02T00:00:00Z")
        body[field] = value
        S.error_is(f"override {field} {value!r}: 422", opost(body), 422,
                   msg)
    st, lst = sb.api("GET", f"/api/v1/oncall_schedules/{sid}/overrides")
    S.check(st == 200 and [x["id"] for x in lst] == [oid],
            "the schedule's overrides", f"{st} {lst}")
    return sid, oid


def test_roles(sb, tid, max_id, aid, sid, oid, other_tid):
    agent = add_token(sb, "agent", tid)
    stranger = add_token(sb, "agent", other_tid)
    reads = [f"/api/v1/employees/{max_id}/absence_info",
             f"/api/v1/employees/{max_id}/availability"
             "?at=2026-10-05T12:00:00Z",
             f"/api/v1/appointments/{aid}", "/api/v1/appointments",
             f"/api/v1/oncall_schedules/{sid}", "/api/v1/oncall_schedules",
             f"/api/v1/oncall_schedules/{sid}/now?at=2026-03-25T17:00:00Z",
             f"/api/v1/oncall_schedules/{sid}/overrides",
             f"/api/v1/oncall_overrides/{oid}"]
    for path in reads:
        st, b = sb.api("GET", path, token=agent)
        S.check(st == 200 and "email" not in json.dumps(b) and
                "@" not in json.dumps(b),
                f"agent reads {path.split('?')[0]}, no e-mail", f"{st} {b}")
    for path in reads:
        st, b = sb.api("GET", path, token=stranger)
        if path in ("/api/v1/appointments", "/api/v1/oncall_schedules"):
            S.check(st == 200 and b == [],
                    f"another tenant's agent: {path} empty", f"{st} {b}")
        else:
            S.check(st == 404, f"another tenant's agent: {path} 404",
                    f"{st} {b}")
    for method, path, body in (
            ("PUT", f"/api/v1/employees/{max_id}/absence_info",
             {"text": "x"}),
            ("POST", "/api/v1/appointments", {}),
            ("DELETE", f"/api/v1/appointments/{aid}", None),
            ("PATCH", f"/api/v1/oncall_schedules/{sid}", {"name": "x"}),
            ("POST", "/api/v1/oncall_overrides", {})):
        st, b = sb.api(method, path, body, token=agent)
        S.check(st == 403, f"agent may not {method} {path}", f"{st} {b}")
    st, b = sb.api("DELETE", f"/api/v1/employees/{max_id}")
    S.check(st == 409, "an employee on call cannot be deleted: 409",
            f"{st} {b}")


def main():
    sb = Switchboard().start()
    try:
        tid, _, erika = demo_ids(sb, "Erika")
        _, _, max_id = demo_ids(sb, "Max")
        st, t2 = sb.api("POST", "/api/v1/tenants", {"name": "Andere GmbH"})
        st, e2 = sb.api("POST", "/api/v1/employees",
                        {"tenant_id": t2["id"], "first_name": "Olga",
                         "last_name": "Other", "email": "olga@x.example"})
        ids = {}

        def run_all():
            test_absence(sb, max_id)
            ids["aid"] = test_appointments(sb, tid, max_id)
            ids["sid"], ids["oid"] = test_oncall(sb, tid, max_id, erika,
                                                 e2["id"])
            test_roles(sb, tid, max_id, ids["aid"], ids["sid"], ids["oid"],
                       t2["id"])
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
