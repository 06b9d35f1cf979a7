#!/usr/bin/python3
"""The assistants' tasks (issue 18, seeds/000): tasks of a client, the
working time booked on them, calls booked to them, the monthly report.

  * The demo tenant (Mustermann AG) is the service, Max (phone 1001) its
    assistant; "Kunde GmbH" (central number +4930555000100) a client with
    the tasks "Bestellungen" (backoffice_eu, 1.3) and "Akquise" (sales_de,
    2.0).  The task API: made by the operator, errors naming the field
    (area, name, tenant_id, date, minutes, employee_id), 404 texts; the
    client admin reads its own tasks (403 on writing, another client's
    404); an agent lists the active tasks only.
  * Real calls: Max's baresip phone, the carrier is sipp (uas_answer) on
    the demo trunk.  A click to call with task_id: the carrier gets the
    INVITE from the service's central number (From and
    P-Asserted-Identity: seeds/000, the assistants call "mit der Rufnummer
    der my-vpa Firmenzentrale", never with the client's), the call is
    booked to the task, the record shows that number.  To +1 (outside the EU) with a task: 403 "...
    individual offer ...", Max's phone does not ring, the carrier gets
    nothing.  Without a task: the service's central number, and the
    report lists the call as booked to no task with its whole seconds.
  * The report of October 2026 (calls seeded in the DB as billing.py
    does, time booked through the API): Bestellungen 180 min booked,
    2760 s phoned (1500.5 s + 1260.7 s: whole seconds per call) > 2700 s
    included: passed, factor 1.3 applied, billed 234 min (the seed's
    example); Akquise 60 min, exactly 900 s: not passed, billed 60 min; a
    call on 30 Sep 23:30 Berlin and time on 1 Nov are not in October; an
    untasked call of Max's phone listed.  The same as CSV.  The operator
    only: an agent and a client admin 403; a bad month 422.
"""
import datetime
import os
import sqlite3
import sys
import time
import urllib.request
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, demo_ids, Suite, Switchboard  # noqa: E402
from peers import Baresip, Sipp  # noqa: E402

S = Suite("tasks")
V = "/api/v1"
PW = DEMO["devices"]
CENTRAL = "+4930555000100"
BERLIN = ZoneInfo("Europe/Berlin")
TASKED_TO = "+4930123456"
UNTASKED_TO = "+4930987654"
US = "+12125550123"


def ms(y, mo, d, h=0, mi=0, s=0.0):
    """UTC [ms] of a Berlin wall-clock time."""
    t = datetime.datetime(y, mo, d, h, mi, tzinfo=BERLIN)
    return int(t.timestamp() * 1000 + s * 1000)


def setup(sb):
    tid, _, maxid = demo_ids(sb, "Max")
    _, _, erika = demo_ids(sb, "Erika")
    st, c = sb.api("POST", V + "/tenants",
                   {"name": "Kunde GmbH", "country_code": "49",
                    "area_code": "30", "central_number": CENTRAL})
    S.check(st == 201 and c["central_number"] == CENTRAL,
            "a client with its central number: 201", f"{st} {c}")
    tok = {}
    for name, body in {
            "client": {"role": "client_admin", "tenant_id": c["id"]},
            "svc_admin": {"role": "client_admin", "tenant_id": tid},
            "agent": {"role": "agent", "tenant_id": tid,
                      "employee_id": maxid}}.items():
        st, r = sb.api("POST", V + "/tokens", dict(body, name=name))
        S.check(st == 201, f"token {name}: 201", f"{st} {r}")
        tok[name] = r["token"]
    return {"tid": tid, "max": maxid, "erika": erika, "cid": c["id"],
            "tok": tok}


def test_task_api(sb, env):
    cid = env["cid"]
    st, t1 = sb.api("POST", V + "/tasks", {"tenant_id": cid,
                                           "area": "backoffice_eu",
                                           "name": "Bestellungen"})
    S.check(st == 201 and t1["tenant_id"] == cid and
            t1["area"] == "backoffice_eu" and t1["name"] == "Bestellungen"
            and t1["active"] is True,
            "POST /tasks: 201, active by default", f"{st} {t1}")
    st, t2 = sb.api("POST", V + "/tasks", {"tenant_id": cid,
                                           "area": "sales_de",
                                           "name": "Akquise"})
    S.check(st == 201 and t2["area"] == "sales_de", "a second task: 201",
            f"{st} {t2}")
    st, t3 = sb.api("POST", V + "/tasks", {"tenant_id": cid,
                                           "area": "sales_eu",
                                           "name": "Alt", "active": True})
    S.check(st == 201, "a third task: 201", f"{st} {t3}")
    st, p = sb.api("PATCH", f"{V}/tasks/{t3['id']}",
                   {"active": False, "name": "Alt (beendet)"})
    S.check(st == 200 and p["active"] is False and
            p["name"] == "Alt (beendet)" and p["area"] == "sales_eu",
            "PATCH: inactive, renamed, area kept", f"{st} {p}")
    env.update(t1=t1["id"], t2=t2["id"], t3=t3["id"])

    # the assistants of each task: Max on all three
    put = lambda t, b, **kw: sb.api(  # noqa: E731
        "PUT", f"{V}/tasks/{t}/assistants", b, **kw)
    st, a = put(t1["id"], {"employee_ids": [env["max"], env["max"]]})
    S.check(st == 200 and a == [{"employee_id": env["max"],
                                 "name": "Max Mustermann"}],
            "PUT /tasks/:id/assistants: 200, Max once (named twice)",
            f"{st} {a}")
    for t in (t2, t3):
        st, a = put(t["id"], {"employee_ids": [env["max"]]})
        S.check(st == 200 and len(a) == 1, f"Max assists {t['name']}: 200",
                f"{st} {a}")
    S.error_is("an unknown assistant: 422, nothing changed",
               put(t1["id"], {"employee_ids": [env["erika"], 99999]}), 422,
               "employee_ids: employee 99999 does not exist")
    S.error_is("assistants not a list: 422",
               put(t1["id"], {"employee_ids": env["max"]}), 422,
               "employee_ids: must be a list of employee ids")
    S.error_is("assistants not ids: 422",
               put(t1["id"], {"employee_ids": ["x"]}), 422,
               "employee_ids: must be a list of employee ids")
    st, a = sb.api("GET", f"{V}/tasks/{t1['id']}/assistants",
                   token=env["tok"]["client"])
    S.check(st == 200 and [x["employee_id"] for x in a] == [env["max"]],
            "the client admin reads its task's assistants (the refused PUT "
            "changed nothing)", f"{st} {a}")
    S.error_is("a client admin may not set assistants: 403",
               put(t1["id"], {"employee_ids": []},
                   token=env["tok"]["client"]), 403,
               f"role client_admin may not PUT /api/v1/tasks/{t1['id']}"
               "/assistants")

    post = lambda b: sb.api("POST", V + "/tasks", b)  # noqa: E731
    S.error_is("an unknown area: 422",
               post({"tenant_id": cid, "area": "backoffice_us",
                     "name": "X"}), 422,
               "area: must be backoffice_de, backoffice_eu, sales_de or "
               "sales_eu")
    S.error_is("the same name twice: 409",
               post({"tenant_id": cid, "area": "sales_de",
                     "name": "Akquise"}), 409,
               "name: Akquise exists already")
    S.error_is("an unknown client: 422",
               post({"tenant_id": 99999, "area": "sales_de",
                     "name": "X"}), 422,
               "tenant_id: tenant 99999 does not exist")
    S.error_is("no name: 400 (as every resource's required field)",
               post({"tenant_id": cid, "area": "sales_de"}), 400,
               "name: is required")
    S.error_is("PATCH an unknown area: 422",
               sb.api("PATCH", f"{V}/tasks/{t1['id']}", {"area": "x"}),
               422, "area: must be backoffice_de, backoffice_eu, sales_de "
               "or sales_eu")
    S.error_is("GET an unknown task: 404",
               sb.api("GET", V + "/tasks/99999"), 404,
               "task 99999 not found")

    # who may do what
    ca, agent = env["tok"]["client"], env["tok"]["agent"]
    st, mine = sb.api("GET", V + "/tasks", token=ca)
    S.check(st == 200 and sorted(x["id"] for x in mine) ==
            sorted([t1["id"], t2["id"], t3["id"]]),
            "the client admin lists its own three tasks", f"{st} {mine}")
    st, one = sb.api("GET", f"{V}/tasks/{t1['id']}", token=ca)
    S.check(st == 200 and one["name"] == "Bestellungen",
            "the client admin reads its task", f"{st} {one}")
    S.error_is("a client admin may not make a task: 403",
               sb.api("POST", V + "/tasks",
                      {"tenant_id": cid, "area": "sales_de", "name": "Y"},
                      token=ca), 403,
               "role client_admin may not POST /api/v1/tasks")
    S.error_is("a client admin may not change a task: 403",
               sb.api("PATCH", f"{V}/tasks/{t1['id']}", {"active": False},
                      token=ca), 403,
               f"role client_admin may not PATCH /api/v1/tasks/{t1['id']}")
    S.error_is("another tenant's admin: 404",
               sb.api("GET", f"{V}/tasks/{t1['id']}",
                      token=env["tok"]["svc_admin"]), 404,
               f"task {t1['id']} not found")
    # a task of the client that Erika assists, not Max
    st, t4 = sb.api("POST", V + "/tasks", {"tenant_id": cid,
                                           "area": "backoffice_de",
                                           "name": "Empfang"})
    st2, a = sb.api("PUT", f"{V}/tasks/{t4['id']}/assistants",
                    {"employee_ids": [env["erika"]]})
    S.check(st == 201 and st2 == 200, "a fourth task, Erika its assistant",
            f"{st} {st2} {a}")
    env["t4"] = t4["id"]
    st, act = sb.api("GET", V + "/tasks", token=agent)
    S.check(st == 200 and [x["id"] for x in act] == [t1["id"], t2["id"]],
            "an agent lists the active tasks it assists to pick from (not "
            "the inactive one, not Erika's)", f"{st} {act}")
    S.error_is("an agent may not book time: 403",
               sb.api("POST", f"{V}/tasks/{t1['id']}/time",
                      {"employee_id": env["max"], "date": "2026-10-05",
                       "minutes": 60}, token=agent), 403,
               f"role agent may not POST /api/v1/tasks/{t1['id']}/time")


def book(sb, task, emp, date, minutes):
    return sb.api("POST", f"{V}/tasks/{task}/time",
                  {"employee_id": emp, "date": date, "minutes": minutes})


def test_time(sb, env):
    t1, t2, mx = env["t1"], env["t2"], env["max"]
    st, r = book(sb, t1, mx, "2026-10-05", 120)
    S.check(st == 201 and r["task_id"] == t1 and r["employee_id"] == mx
            and r["date"] == "2026-10-05" and r["minutes"] == 120,
            "POST /tasks/:id/time: 201", f"{st} {r}")
    for task, date, mins in ((t1, "2026-10-31", 60), (t1, "2026-11-01", 45),
                             (t1, "2026-09-30", 30), (t2, "2026-10-06", 60)):
        st, r = book(sb, task, mx, date, mins)
        S.check(st == 201, f"{mins} min on {date}: 201", f"{st} {r}")
    st, lst = sb.api("GET", f"{V}/tasks/{t1}/time")
    S.check(st == 200 and [(x["date"], x["minutes"]) for x in lst] ==
            [("2026-09-30", 30), ("2026-10-05", 120), ("2026-10-31", 60),
             ("2026-11-01", 45)],
            "GET /tasks/:id/time: by day", f"{st} {lst}")
    st, lst = sb.api("GET", f"{V}/tasks/{t1}/time",
                     token=env["tok"]["client"])
    S.check(st == 200 and len(lst) == 4,
            "the client admin reads the time booked on its task",
            f"{st} {lst}")
    S.error_is("a bad date: 422", book(sb, t1, mx, "2026-02-30", 60), 422,
               "date: must be a date YYYY-MM-DD")
    S.error_is("0 minutes: 422", book(sb, t1, mx, "2026-10-05", 0), 422,
               "minutes: must be an integer from 1 to 1440")
    S.error_is("a day has 1440 minutes: 422",
               book(sb, t1, mx, "2026-10-05", 1441), 422,
               "minutes: must be an integer from 1 to 1440")
    S.error_is("an unknown employee: 422",
               book(sb, t1, 99999, "2026-10-05", 60), 422,
               "employee_id: employee 99999 does not exist")
    S.error_is("time of an employee who does not assist the task: 422",
               book(sb, t1, env["erika"], "2026-10-05", 60), 422,
               f"employee_id: employee {env['erika']} is not an assistant "
               f"of task {t1}")
    S.error_is("an unknown task: 404",
               book(sb, 99999, mx, "2026-10-05", 60), 404,
               "task 99999 not found")
    S.error_is("an unknown field: 422",
               sb.api("POST", f"{V}/tasks/{t1}/time",
                      {"employee_id": mx, "date": "2026-10-05",
                       "minutes": 5, "hours": 1}), 422,
               "body.hours: unknown field")


def seed_october(sb, env):
    """Calls of October 2026 booked to the tasks (as the click to call
    books them), one of September, one untasked from Max's phone."""
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"))
    tid, mx = env["tid"], env["max"]
    rows = [  # (task or None, caller_leg, start, talk ms)
        (env["t1"], f"employee:{mx}", ms(2026, 10, 5, 10, 0), 1500500),
        (env["t1"], f"employee:{mx}", ms(2026, 10, 31, 23, 0), 1260700),
        (env["t2"], f"employee:{mx}", ms(2026, 10, 6, 9, 0), 900900),
        (env["t1"], f"employee:{mx}", ms(2026, 9, 30, 23, 30), 600000),
        (None, "device:1001", ms(2026, 10, 7, 8, 15), 42800),
    ]
    ids = []
    for task, leg, start, talk in rows:
        ans = start + 4000
        cur = db.execute(
            "INSERT INTO calls (tenant_id, direction, from_number,"
            " to_number, caller_leg, callee_leg, started_at, answered_at,"
            " ended_at, disposition, sip_code, ended_by) VALUES (?,"
            " 'outbound', ?, ?, ?, 'trunk:1', ?, ?, ?, 'answered', 200,"
            " 'caller')",
            (tid, DEMO["central"], TASKED_TO, leg,
             start, ans, ans + talk))
        ids.append(cur.lastrowid)
        if task:
            db.execute("INSERT INTO task_calls (call_id, task_id,"
                       " employee_id) VALUES (?, ?, ?)",
                       (cur.lastrowid, task, mx))
    db.commit()
    db.close()
    return ids


def raw_get(sb, path):
    req = urllib.request.Request(f"http://127.0.0.1:{sb.http_port}{path}")
    req.add_header("Authorization", f"Bearer {sb.token}")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


def test_report_month(sb, env):
    ids = seed_october(sb, env)
    st, r = sb.api("GET", V + "/billing/assistants?month=2026-10")
    S.check(st == 200 and r["month"] == "2026-10", "GET the report: 200",
            f"{st} {r}")
    rows = {x["task_id"]: x for x in r["tasks"]}
    S.check(sorted(rows) == sorted([env["t1"], env["t2"]]) and
            all(x["employee_id"] == env["max"] and
                x["employee"] == "Max Mustermann" for x in r["tasks"]),
            "one row per task of Max", str(r["tasks"]))
    a = rows.get(env["t1"], {})
    want_a = {"task": "Bestellungen", "tenant_id": env["cid"],
              "area": "backoffice_eu", "factor_pm": 1300,
              "work_minutes": 180, "calls": 2, "phone_seconds": 2760,
              "included_seconds": 2700, "phone_seconds_per_hour": 920,
              "threshold_passed": True, "factor_applied": True,
              "billed_milliminutes": 234000, "billed_minutes": "234",
              "amount_cents": None}
    S.check(all(a.get(k) == v for k, v in want_a.items()),
            "Bestellungen: 180 min booked (not 30 Sep, not 1 Nov), 1500 + "
            "1260 s phoned (not the call of 30 Sep 23:30 Berlin) = 2760 s > "
            "2700 s: passed, 180 x 1.3 = 234 min", str(a))
    b = rows.get(env["t2"], {})
    want_b = {"task": "Akquise", "area": "sales_de", "factor_pm": 2000,
              "work_minutes": 60, "calls": 1, "phone_seconds": 900,
              "included_seconds": 900, "phone_seconds_per_hour": 900,
              "threshold_passed": False, "factor_applied": False,
              "billed_milliminutes": 60000, "billed_minutes": "60",
              "amount_cents": None}
    S.check(all(b.get(k) == v for k, v in want_b.items()),
            "Akquise: 60 min, exactly 900 s (900.9 s: whole seconds) is "
            "not more than 15 min per hour: no factor, billed 60 min",
            str(b))
    S.check(r["no_task"] == [{"employee_id": env["max"],
                              "call_id": ids[4],
                              "started_at": "2026-10-07T06:15:00.000Z",
                              "to_number": TASKED_TO, "seconds": 42}],
            "the call from Max's phone without a task is listed, 42 s",
            str(r["no_task"]))
    st, ctype, text = raw_get(sb, V + "/billing/assistants?month=2026-10"
                              "&format=csv")
    lines = text.strip().split("\r\n")
    S.check(st == 200 and ctype.startswith("text/csv") and
            lines[0].startswith("kind;employee_id;employee;task_id;task;")
            and len(lines) == 4,
            "CSV: a header row, two task rows, one call", text)
    S.check(f"task;{env['max']};Max Mustermann;{env['t1']};Bestellungen;"
            f"{env['cid']};backoffice_eu;180;2;2760;920;yes;yes;234;;;;;"
            in lines, "CSV: the row of Bestellungen (no amount: no hourly "
            "rate agreed)", text)
    S.check(f"no_task;{env['max']};;;;;;;;;;;;;;{ids[4]};"
            f"2026-10-07T06:15:00.000Z;{TASKED_TO};42" in lines,
            "CSV: the call without a task", text)
    # the client's hourly rate: 40 EUR from 1 October, 45 EUR from the
    # 20th; each booked day at its own rate, the month's factor on each
    for day, cents in (("2026-10-01", 4000), ("2026-10-20", 4500)):
        st, t = sb.api("POST", f"{V}/tenants/{env['cid']}/tariffs",
                       {"valid_from": day, "assistant_cents_per_hour": cents})
        S.check(st == 201 and t["assistant_cents_per_hour"] == cents and
                t["processing_cents_per_min"] == 59,
                f"a tariff from {day}: {cents} cents per assistant hour, "
                "the rest as before", f"{st} {t}")
    st, r = sb.api("GET", V + "/billing/assistants?month=2026-10")
    rows = {x["task_id"]: x for x in r.get("tasks", [])}
    S.check(st == 200 and rows.get(env["t1"], {}).get("amount_cents") ==
            16250 and rows.get(env["t2"], {}).get("amount_cents") == 4000,
            "amounts: Bestellungen 120 min x 1.3 x 40 EUR/h + 60 min x 1.3 x "
            "45 EUR/h = 162.50 EUR; Akquise 60 min x 40 EUR/h = 40.00 EUR",
            str(r.get("tasks")))
    st, ctype, text = raw_get(sb, V + "/billing/assistants?month=2026-10"
                              "&format=csv")
    S.check(f"{env['cid']};backoffice_eu;180;2;2760;920;yes;yes;234;16250;"
            ";;;" in text, "CSV: the amount of Bestellungen", text)
    st, r = sb.api("GET", V + "/billing/assistants?month=2026-10"
                   f"&employee_id={env['erika']}")
    S.check(st == 200 and r["tasks"] == [] and r["no_task"] == [],
            "employee_id=Erika: nothing (she is no assistant)", f"{st} {r}")
    st, r = sb.api("GET", V + "/billing/assistants?month=2026-09")
    s9 = [x for x in r["tasks"] if x["task_id"] == env["t1"]] \
        if st == 200 else []
    S.check(s9 and s9[0]["work_minutes"] == 30 and
            s9[0]["phone_seconds"] == 600 and s9[0]["calls"] == 1 and
            s9[0]["threshold_passed"] is True and
            s9[0]["billed_minutes"] == "39",
            "September: 30 min, the call of 30 Sep 23:30 Berlin (600 s > "
            "450 s): 30 x 1.3 = 39 min", str(s9))
    S.error_is("a bad month: 422",
               sb.api("GET", V + "/billing/assistants?month=2026-13"), 422,
               "month: must be a month YYYY-MM")
    S.error_is("an agent may not read the report: 403",
               sb.api("GET", V + "/billing/assistants?month=2026-10",
                      token=env["tok"]["agent"]), 403,
               "role agent may not GET /api/v1/billing/assistants")
    S.error_is("a client admin may not read the report: 403",
               sb.api("GET", V + "/billing/assistants?month=2026-10",
                      token=env["tok"]["client"]), 403,
               "role client_admin may not GET /api/v1/billing/assistants")


def record(sb, cid, timeout=15):
    deadline = time.time() + timeout
    c = None
    while time.time() < deadline:
        st, c = sb.api("GET", f"{V}/calls/{cid}")
        if st == 200 and c.get("ended_at"):
            return c
        time.sleep(0.2)
    return c


def invites(uas):
    return [ln for ln in uas.logs().splitlines()
            if ln.startswith("RURI_USER=")]


def wait_invites(uas, n, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline and len(invites(uas)) < n:
        time.sleep(0.1)
    return invites(uas)


def click(sb, env, to, task=None):
    body = {"from": {"type": "employee", "id": env["max"]}, "to": to}
    if task is not None:
        body["task_id"] = task
    return sb.api("POST", V + "/calls", body)


def talk(sb, mx, uas, n, c, secs=2.0):
    """Max answers, the carrier gets INVITE n, they talk, Max hangs up;
    the ended record."""
    got = wait_invites(uas, n)
    time.sleep(secs)
    mx.hangup()
    return got, record(sb, c["id"])


def test_calls(sb, env):
    today = datetime.datetime.now(BERLIN).date().isoformat()
    st, r = book(sb, env["t1"], env["max"], today, 60)
    S.check(st == 201, "60 min booked today", f"{st} {r}")
    uas = Sipp("uas_answer", local_port=sb.trunk_port, calls=2,
               timeout_s=90, recv_timeout_ms=0).start()
    mx = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port))
    mx.start()
    try:
        S.check(mx.wait_registered(10), "Max's phone registers")
        m = mx.mark()
        st, c = click(sb, env, TASKED_TO, env["t1"])
        S.check(st == 201 and c["from_number"] == DEMO["central"] and
                c["from_number"] != CENTRAL and
                c["to_number"] == TASKED_TO and
                c["tenant_id"] == env["tid"] and
                c["direction"] == "outbound",
                "click to call with task_id: 201, the service's record "
                "from the service's central number", f"{st} {c}")
        if st != 201:
            return
        S.check(mx.wait_event("CALL_ESTABLISHED", 10, since=m) is not None,
                "Max's phone rings first and answers")
        got, rec = talk(sb, mx, uas, 1, c)
        S.check(len(got) == 1 and
                got[0].startswith(f"RURI_USER={TASKED_TO} "
                                  f"FROM_USER={DEMO['central']} "
                                  f"PAI_USER={DEMO['central']} "),
                "the carrier gets the INVITE from the service's central "
                "number (From and P-Asserted-Identity), not the "
                "client's", str(got))
        S.check(rec and rec.get("answered_at") and
                rec.get("disposition") == "answered",
                "the record: answered, ended", str(rec))
        db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"))
        row = db.execute("SELECT task_id, employee_id, c.answered_at,"
                         " c.ended_at FROM task_calls JOIN calls c"
                         " ON c.id = call_id WHERE call_id = ?",
                         (c["id"],)).fetchone()
        db.close()
        S.check(row is not None and row[:2] == (env["t1"], env["max"]),
                "the call is booked to Bestellungen and Max", str(row))
        tasked_s = (row[3] - row[2]) // 1000 if row else -1

        # outside the EU with a task: refused, nothing dialled
        m = mx.mark()
        S.error_is("to +1 with a task: 403",
                   click(sb, env, US, env["t1"]), 403,
                   f"to: {US} is outside the EU: individual offer, not "
                   "billed automatically")
        S.check(mx.wait_event("CALL_INCOMING", 1.5, since=m) is None and
                len(invites(uas)) == 1,
                "Max's phone does not ring, the carrier gets nothing",
                str(invites(uas)))
        S.error_is("an inactive task: 422",
                   click(sb, env, TASKED_TO, env["t3"]), 422,
                   f"task_id: task {env['t3']} is not active")
        S.error_is("an unknown task: 422", click(sb, env, TASKED_TO, 99999),
                   422, "task_id: task 99999 does not exist")
        S.error_is("a task Max does not assist: 422",
                   click(sb, env, TASKED_TO, env["t4"]), 422,
                   f"task_id: employee {env['max']} is not an assistant of "
                   f"task {env['t4']}")
        st, r = sb.api("POST", V + "/calls",
                       {"from": {"type": "employee", "id": env["max"]},
                        "to": TASKED_TO, "task_id": env["t1"]},
                       token=env["tok"]["svc_admin"])
        S.check((st, r) == (422, {"error": f"task_id: task {env['t1']} "
                                  "does not exist"}),
                "a client admin may not book to another client's task "
                "(nor present its number): 422", f"{st} {r}")
        S.error_is("task_id not an integer: 422",
                   click(sb, env, TASKED_TO, "1"), 422,
                   "task_id: must be a positive integer")

        # without a task: allowed, the service's number, "no task"
        m = mx.mark()
        st, c2 = click(sb, env, UNTASKED_TO)
        S.check(st == 201 and c2["from_number"] == DEMO["central"],
                "without a task: 201, the service's central number",
                f"{st} {c2}")
        if st != 201:
            return
        S.check(mx.wait_event("CALL_ESTABLISHED", 10, since=m) is not None,
                "Max's phone answers again")
        got, rec2 = talk(sb, mx, uas, 2, c2, 1.5)
        S.check(len(got) == 2 and
                got[1].startswith(f"RURI_USER={UNTASKED_TO} "
                                  f"FROM_USER={DEMO['central']} "),
                "the carrier gets it from the service's central number",
                str(got))
        uas.wait(20)
    finally:
        mx.stop()
        uas.stop()
    month = datetime.datetime.now(BERLIN).strftime("%Y-%m")
    st, r = sb.api("GET", f"{V}/billing/assistants?month={month}"
                   f"&employee_id={env['max']}")
    row = [x for x in r.get("tasks", []) if x["task_id"] == env["t1"]] \
        if st == 200 else []
    S.check(row and row[0]["calls"] == 1 and
            row[0]["phone_seconds"] == tasked_s and tasked_s >= 1 and
            row[0]["work_minutes"] == 60 and
            row[0]["threshold_passed"] is False and
            row[0]["billed_minutes"] == "60",
            f"this month: the real call's {tasked_s} s on Bestellungen, 60 "
            "min booked, below the threshold: 60 min", str(r))
    unt = [x for x in r.get("no_task", []) if x["call_id"] == c2["id"]]
    want = (rec2["ended_at"] and rec2["answered_at"]) and \
        (iso_ms(rec2["ended_at"]) - iso_ms(rec2["answered_at"])) // 1000
    S.check(unt and unt[0]["to_number"] == UNTASKED_TO and
            unt[0]["seconds"] == want and
            not any(x["call_id"] == c["id"] for x in r["no_task"]),
            "the call without a task is listed with its whole seconds, "
            "the tasked one is not", f"{r.get('no_task')} want {want}")


def iso_ms(s):
    t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
    return int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)


def main():
    sb = Switchboard().start()
    try:
        env = setup(sb)
        S.run(test_task_api, sb, env)
        S.run(test_time, sb, env)
        S.run(test_report_month, sb, env)
        S.run(test_calls, sb, env)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
