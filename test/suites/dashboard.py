#!/usr/bin/python3
"""A client's dashboard and caller statistics (issue 17): GET
/api/v1/tenants/:id/dashboard and /api/v1/tenants/:id/call_stats.

Call records and notes are written into the store with known times (as
the B2BUA and the notes API write them), then read through the API:

  * the dashboard: the client's inbound calls newest first (no outbound,
    no consultation, no other tenant's), limit, each with its newest note
    shortened (the concern cut to 80 characters with "…"), null without
    one; an agent sees the notes it took only;
  * call_stats, exact: calls, answered, abandoned (not answered, ended by
    the caller; not one the system ended), transferred (a consultation
    record with the same sip_call_id), notes, p50 and p90 of the answer
    speeds by nearest rank, per Berlin day (a call at 23:30 UTC on a
    winter day is the next Berlin day's), per Berlin hour, per employee;
    the 25-hour day summer time ends (both 02:00 hours in hour 2);
  * roles: client admin A reads A, gets 404 for B; an agent reads the
    dashboard but gets 403 for call_stats; errors 422 naming from or to,
    400 for a bad limit or an unknown parameter.
"""
import calendar
import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import demo_ids, Suite, Switchboard  # noqa: E402

S = Suite("dashboard")
V = "/api/v1"


def ms(y, mo, d, h=0, mi=0, s=0):
    return calendar.timegm((y, mo, d, h, mi, s)) * 1000


LONG = ("Frau Müller bittet dringend um Rückruf wegen der Lieferung vom "
        "Montag; die Ware ist beschädigt angekommen und sie braucht Ersatz.")
SHORT = LONG[:80] + "…"   # 80 code points (umlauts are 2 bytes each)

# (key, tenant, direction, sip_call_id, started, answer after [ms] or None,
#  ended_by, disposition, forwarded_from)
CALLS = [
    ("c1", "A", "inbound", "sc1", ms(2026, 12, 7, 8), 5000, "callee",
     "answered", "+4922199887766"),
    ("c2", "A", "inbound", "sc2", ms(2026, 12, 7, 8, 10), 10000, "caller",
     "answered", ""),
    ("c3", "A", "inbound", "sc3", ms(2026, 12, 7, 9), 20000, "caller",
     "answered", ""),
    ("c4", "A", "inbound", "sc4", ms(2026, 12, 7, 9, 30), 40000, "callee",
     "answered", ""),
    # c4's consultation: its own record, same sip_call_id, internal
    ("x4", "A", "internal", "sc4", ms(2026, 12, 7, 9, 31), 3000, "caller",
     "answered", ""),
    ("c5", "A", "inbound", "sc5", ms(2026, 12, 7, 10), None, "caller",
     "cancelled", ""),
    # 23:30 UTC on a winter day is 00:30 of the next Berlin day
    ("c6", "A", "inbound", "sc6", ms(2026, 12, 7, 23, 30), 100000, "caller",
     "answered", ""),
    ("c1b", "A", "inbound", "sc1b", ms(2026, 12, 8, 7), 7500, "caller",
     "answered", ""),
    ("c7", "A", "inbound", "sc7", ms(2026, 12, 8, 12), None, "system",
     "no_answer", ""),
    # 23:59:59 Berlin on the 6th: before the range
    ("c8", "A", "inbound", "sc8", ms(2026, 12, 6, 22, 59, 59), 1000,
     "caller", "answered", ""),
    # not the client's inbound calls
    ("o1", "A", "outbound", "so1", ms(2026, 12, 7, 11), 2000, "caller",
     "answered", ""),
    ("b1", "B", "inbound", "sb1", ms(2026, 12, 7, 11), None, "caller",
     "cancelled", ""),
]


def write(sb, env):
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    ids = {}
    try:
        for (k, t, d, sip, start, ans, by, disp, fw) in CALLS:
            answered = start + ans if ans is not None else 0
            ended = (answered or start) + 60000
            cur = con.execute(
                "INSERT INTO calls (node_id, sip_call_id, tenant_id,"
                " direction, from_number, to_number, caller_leg, callee_leg,"
                " started_at, answered_at, ended_at, disposition, sip_code,"
                " ended_by, forwarded_from) VALUES ('node1', ?, ?, ?, ?,"
                " '+4922182829900', 'trunk:1', 'device:1001', ?, ?, ?, ?,"
                " 200, ?, ?)",
                (sip, env[t], d, f"+4922155500{len(ids):02d}", start,
                 answered, ended, disp, by, fw))
            ids[k] = cur.lastrowid
        # (key, call, created, employees, concern, urgent, taken by)
        notes = [
            ("n1", "c1", ms(2026, 12, 7, 8, 1), [env["max"], env["erika"]],
             "Rückruf erbeten", 0, env["erika"]),
            ("n2", "c1", ms(2026, 12, 7, 8, 2), [env["erika"]], LONG, 1,
             env["max"]),
            ("n3", "c6", ms(2026, 12, 7, 23, 45), [env["max"]],
             "x" * 80, 0, env["erika"]),
            ("n4", None, ms(2026, 12, 6, 22), [env["max"]], "vorher", 0,
             env["erika"]),
            ("n5", None, ms(2026, 12, 8, 10), [env["erika"]], "später", 0,
             env["max"]),
        ]
        for (k, call, at, emps, concern, urgent, by) in notes:
            cur = con.execute(
                "INSERT INTO notes (tenant_id, call_id, agent_token_id,"
                " agent_employee_id, agent, caller_name, caller_number,"
                " concern, fields, urgent, version, created_at, updated_at)"
                " VALUES (?, ?, 0, ?, 'agent', ?, '', ?, '{}', ?, 1, ?, ?)",
                (env["A"], ids[call] if call else None, by, f"Anrufer {k}",
                 concern, urgent, at, at))
            ids[k] = cur.lastrowid
            for e in emps:
                con.execute("INSERT INTO note_employees (note_id,"
                            " employee_id) VALUES (?, ?)", (ids[k], e))
        con.commit()
    finally:
        con.close()
    return ids


def test_dashboard(sb, env, ids):
    a = env["A"]
    st, r = sb.api("GET", f"{V}/tenants/{a}/dashboard", token=env["ca_a"])
    S.check(st == 200 and r["tenant_id"] == a, "client admin A: 200",
            f"{st} {r}")
    order = [c["id"] for c in r["calls"]]
    want = [ids[k] for k in ("c7", "c1b", "c6", "c5", "c4", "c3", "c2",
                             "c1", "c8")]
    S.check(order == want, "A's inbound calls newest first (no outbound, "
            "no consultation, not B's)", f"{order} want {want}")
    by = {c["id"]: c for c in r["calls"]}
    c1 = by[ids["c1"]]
    S.check(list(c1.keys()) == ["id", "from_number", "started_at",
                                "answered_at", "disposition",
                                "forwarded_from", "note"],
            "a call's fields", str(list(c1.keys())))
    S.check(c1["started_at"] == "2026-12-07T08:00:00.000Z" and
            c1["answered_at"] == "2026-12-07T08:00:05.000Z" and
            c1["disposition"] == "answered" and
            c1["forwarded_from"] == "+4922199887766" and
            c1["from_number"] == "+492215550000",
            "c1: times, disposition, forwarded_from, from_number", str(c1))
    want_note = {"id": ids["n2"], "caller_name": "Anrufer n2",
                 "concern": SHORT, "urgent": True,
                 "employee_ids": [env["erika"]]}
    S.check(c1["note"] == want_note,
            "c1's newest note (n2), its concern cut to 80 characters + …",
            f"\n got  {c1['note']}\n want {want_note}")
    S.check(len(c1["note"]["concern"]) == 81 and
            c1["note"]["concern"].endswith("…"),
            "the cut concern: 80 characters and the ellipsis")
    c6 = by[ids["c6"]]
    S.check(c6["note"] == {"id": ids["n3"], "caller_name": "Anrufer n3",
                           "concern": "x" * 80, "urgent": False,
                           "employee_ids": [env["max"]]},
            "exactly 80 characters: not cut", str(c6["note"]))
    c5 = by[ids["c5"]]
    S.check(c5["note"] is None and c5["answered_at"] is None and
            c5["disposition"] == "cancelled" and
            c5["forwarded_from"] is None,
            "no note: null; not answered: answered_at null", str(c5))

    st, r = sb.api("GET", f"{V}/tenants/{a}/dashboard?limit=3",
                   token=env["ca_a"])
    S.check(st == 200 and [c["id"] for c in r["calls"]] ==
            [ids["c7"], ids["c1b"], ids["c6"]], "limit=3: the newest 3",
            f"{st} {r}")

    # Erika's agent token: the notes she took only
    st, r = sb.api("GET", f"{V}/tenants/{a}/dashboard", token=env["agent"])
    S.check(st == 200, "agent of A: 200", f"{st} {r}")
    by = {c["id"]: c for c in r["calls"]} if st == 200 else {}
    n = by.get(ids["c1"], {}).get("note")
    S.check(n == {"id": ids["n1"], "caller_name": "Anrufer n1",
                  "concern": "Rückruf erbeten", "urgent": False,
                  "employee_ids": [env["max"], env["erika"]]},
            "the agent sees c1's newest note it took (n1), not Max's",
            str(n))

    st, r = sb.api("GET", f"{V}/tenants/{a}/dashboard", token=env["op"])
    S.check(st == 200 and len(r["calls"]) == 9, "the operator: 200",
            f"{st}")
    st, r = sb.api("GET", f"{V}/tenants/{env['B']}/dashboard",
                   token=env["ca_b"])
    S.check(st == 200 and [c["id"] for c in r["calls"]] == [ids["b1"]],
            "client admin B: B's call only", f"{st} {r}")


def day(date, calls=0, answered=0, abandoned=0, notes=0, transferred=0):
    return {"date": date, "calls": calls, "answered": answered,
            "abandoned": abandoned, "transferred": transferred,
            "notes": notes}


def test_stats(sb, env, ids):
    a = env["A"]
    u = f"{V}/tenants/{a}/call_stats"
    st, r = sb.api("GET", u + "?from=2026-12-07&to=2026-12-08",
                   token=env["ca_a"])
    S.check(st == 200, "call_stats of the 7th and 8th: 200", f"{st} {r}")
    head = {k: v for k, v in r.items()
            if k not in ("per_day", "per_hour", "per_employee")}
    want = {"tenant_id": a, "time_zone": "Europe/Berlin",
            "from": "2026-12-07", "to": "2026-12-08", "calls": 8,
            "answered": 6, "abandoned": 1, "transferred": 1, "notes": 4,
            "answer_p50_s": 10, "answer_p90_s": 100}
    S.check(head == want,
            "totals: 8 calls, 6 answered, 1 abandoned (not the one the "
            "system ended), 1 transferred, 4 notes; speeds 5 7.5 10 20 40 "
            "100 s: p50 the 3rd (10), p90 the 6th (100)",
            f"\n got  {head}\n want {want}")
    days = [day("2026-12-07", 5, 4, 1, 2, 1), day("2026-12-08", 3, 2, 0, 2)]
    S.check(r["per_day"] == days,
            "per day: 23:30 UTC on the 7th (call and note) counts for the "
            "8th in Berlin; c4's consultation makes the 7th's 1 transferred", f"\n got  {r['per_day']}\n want {days}")
    hours = [{"hour": h, "calls": 0, "answered": 0} for h in range(24)]
    for h, c, an in ((0, 1, 1), (8, 1, 1), (9, 2, 2), (10, 2, 2),
                     (11, 1, 0), (13, 1, 0)):
        hours[h] = {"hour": h, "calls": c, "answered": an}
    S.check(r["per_hour"] == hours, "per Berlin hour: 24 entries, exact",
            f"\n got  {r['per_hour']}")
    emps = [{"employee_id": env["erika"], "name": "Erika Musterfrau",
             "notes": 3},
            {"employee_id": env["max"], "name": "Max Mustermann",
             "notes": 2}]
    S.check(r["per_employee"] == emps, "per employee: most notes first",
            f"\n got  {r['per_employee']}\n want {emps}")

    st, r = sb.api("GET", u + "?from=2026-12-07", token=env["ca_a"])
    S.check(st == 200 and r["to"] == "2026-12-07" and r["calls"] == 5 and
            r["answer_p50_s"] == 10 and r["answer_p90_s"] == 40 and
            r["transferred"] == 1 and r["notes"] == 2,
            "from alone: that day; speeds 5 10 20 40: p50 10, p90 40",
            f"{st} {r}")
    st, r = sb.api("GET", u + "?from=2026-12-06&to=2026-12-06",
                   token=env["ca_a"])
    S.check(st == 200 and r["calls"] == 1 and r["notes"] == 1 and
            r["per_day"] == [day("2026-12-06", 1, 1, 0, 1)],
            "the 6th: the call at 23:59:59 Berlin", f"{st} {r}")
    st, r = sb.api("GET", u + "?from=2026-12-09&to=2026-12-10",
                   token=env["op"])
    S.check(st == 200 and r["calls"] == 0 and r["answer_p50_s"] is None
            and r["answer_p90_s"] is None and r["per_employee"] == [] and
            r["per_day"] == [day("2026-12-09"), day("2026-12-10")],
            "no calls: zeros, null percentiles, empty days listed",
            f"{st} {r}")
    st, r = sb.api("GET", u + "?from=2024-01-01&to=2024-12-31",
                   token=env["ca_a"])
    S.check(st == 200 and len(r["per_day"]) == 366,
            "366 days (a leap year): 200", f"{st}")
    st, r = sb.api("GET", u, token=env["ca_a"])
    S.check(st == 200 and r["from"] == r["to"] and len(r["per_day"]) == 1,
            "no dates: today in Berlin", f"{st}")
    st, r = sb.api("GET", f"{V}/tenants/{env['B']}/call_stats"
                   "?from=2026-12-07", token=env["ca_b"])
    S.check(st == 200 and r["calls"] == 1 and r["abandoned"] == 1 and
            r["notes"] == 0, "B: its own call only", f"{st} {r}")


def test_autumn(sb, env):
    """The day summer time ends (25 hours): 02:00 CEST and 02:00 CET both
    count in hour 2; 22:30 UTC the day before is 00:30 of that day."""
    c = env["C"]
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    try:
        for i, (start, ans) in enumerate((
                (ms(2026, 10, 24, 21, 59), 2000),   # 23:59 CEST on the 24th
                (ms(2026, 10, 24, 22, 30), 3000),   # 00:30 CEST on the 25th
                (ms(2026, 10, 25, 0, 30), 4000),    # 02:30 CEST
                (ms(2026, 10, 25, 1, 30), 0),       # 02:30 CET
                (ms(2026, 10, 25, 22, 59), 6000))):  # 23:59 CET
            con.execute(
                "INSERT INTO calls (sip_call_id, tenant_id, direction,"
                " from_number, started_at, answered_at, ended_at,"
                " disposition, ended_by) VALUES (?, ?, 'inbound',"
                " '+4930555', ?, ?, ?, ?, 'caller')",
                (f"aut{i}", c, start, start + ans if ans else 0,
                 start + 60000, "answered" if ans else "cancelled"))
        con.commit()
    finally:
        con.close()
    st, r = sb.api("GET", f"{V}/tenants/{c}/call_stats?from=2026-10-25",
                   token=env["op"])
    S.check(st == 200 and r["per_day"] == [
        day("2026-10-25", 4, 3, 1, 0)] and r["answer_p50_s"] == 4 and
        r["answer_p90_s"] == 6,
        "the 25-hour day: 4 calls (not 23:59 CEST the day before), "
        "speeds 3 4 6: p50 4, p90 6", f"{st} {r}")
    got = [(h["hour"], h["calls"], h["answered"]) for h in r["per_hour"]
           if h["calls"]] if st == 200 else []
    S.check(got == [(0, 1, 1), (2, 2, 1), (23, 1, 1)],
            "02:30 CEST and 02:30 CET both in hour 2", str(got))


def test_errors(sb, env):
    a, b = env["A"], env["B"]
    u = f"{V}/tenants/{a}/call_stats"
    for q, field in (("?from=2026-02-30", "from"), ("?from=x", "from"),
                     ("?from=2026-1-05", "from"), ("?from=", "from"),
                     ("?from=1969-12-31", "from"),
                     ("?from=2026-12-01&to=2026-13-01", "to"),
                     ("?to=2026-12-01T00:00:00Z", "to")):
        S.error_is(f"{q}: 422 naming {field}",
                   sb.api("GET", u + q, token=env["ca_a"]), 422,
                   f"{field}: must be a date YYYY-MM-DD")
    S.error_is("to before from: 422", sb.api(
        "GET", u + "?from=2026-12-07&to=2026-12-06", token=env["ca_a"]),
        422, "to: must not be before from")
    S.error_is("367 days: 422", sb.api(
        "GET", u + "?from=2024-01-01&to=2025-01-01", token=env["ca_a"]),
        422, "to: at most 366 days from from")
    S.error_is("unknown parameter: 400", sb.api(
        "GET", u + "?date=2026-12-07", token=env["ca_a"]), 400,
        "date: unknown query parameter")
    S.error_is("client admin A on B's call_stats: 404", sb.api(
        "GET", f"{V}/tenants/{b}/call_stats", token=env["ca_a"]), 404,
        f"tenant {b} not found")
    S.error_is("client admin A on B's dashboard: 404", sb.api(
        "GET", f"{V}/tenants/{b}/dashboard", token=env["ca_a"]), 404,
        f"tenant {b} not found")
    S.error_is("agent of A on B's dashboard: 404", sb.api(
        "GET", f"{V}/tenants/{b}/dashboard", token=env["agent"]), 404,
        f"tenant {b} not found")
    S.error_is("an unknown tenant: 404", sb.api(
        "GET", f"{V}/tenants/424242/dashboard", token=env["op"]), 404,
        "tenant 424242 not found")
    S.error_is("agent on call_stats: 403", sb.api(
        "GET", u, token=env["agent"]), 403,
        f"role agent may not GET {V}/tenants/{a}/call_stats")
    for q in ("?limit=0", "?limit=101", "?limit=x"):
        S.error_is(f"dashboard{q}: 400", sb.api(
            "GET", f"{V}/tenants/{a}/dashboard{q}", token=env["ca_a"]),
            400, "limit: must be from 1 to 100")
    st, _ = sb.api("GET", u, token=None)
    S.check(st == 401, "no token: 401", str(st))


def main():
    sb = Switchboard().start()
    try:
        a, _, maxid = demo_ids(sb, "Max")
        _, _, erika = demo_ids(sb, "Erika")
        st, tb = sb.api("POST", V + "/tenants",
                        {"name": "Zweite GmbH", "country_code": "49",
                         "area_code": "30"})
        S.check(st == 201, "tenant B: 201", f"{st} {tb}")
        st, tc = sb.api("POST", V + "/tenants",
                        {"name": "Dritte GmbH", "country_code": "49",
                         "area_code": "30"})
        S.check(st == 201, "tenant C: 201", f"{st} {tc}")
        env = {"A": a, "B": tb["id"], "max": maxid, "erika": erika,
               "C": tc["id"], "op": sb.token}
        for t, key in ((a, "ca_a"), (tb["id"], "ca_b")):
            st, r = sb.api("POST", V + "/tokens",
                           {"role": "client_admin", "tenant_id": t,
                            "name": key})
            S.check(st == 201, f"client admin token {key}: 201", f"{st} {r}")
            env[key] = r["token"]
        st, r = sb.api("POST", f"{V}/agents/{erika}/token", {})
        S.check(st == 201, "agent token for Erika: 201", f"{st} {r}")
        env["agent"] = r["token"]
        ids = write(sb, env)
        S.run(test_dashboard, sb, env, ids)
        S.run(test_stats, sb, env, ids)
        S.run(test_autumn, sb, env)
        S.run(test_errors, sb, env)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
