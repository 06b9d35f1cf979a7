#!/usr/bin/python3
"""Time control (issue 14, B4) end to end: schedules over the API and calls
routed by them.

  * A schedule is created, read, listed and changed over HTTP; the reply
    shows exactly what was sent, in its canonical form (days in week
    order, times HH:MM).
  * Bad schedules are refused with the status and the error naming the
    problem: inverted and overlapping ranges, bad days, times and dates,
    a region that is no German state, missing or foreign targets, a chain
    of schedules that leads back to itself; a schedule or announcement
    still in use cannot be deleted.
  * GET /api/v1/schedules/:id/state?at=... at fixed moments: both summer
    time switch days of 2026, holidays of Bavaria and of Berlin (a day
    that is a holiday in one and a working day in the other), dated
    exceptions.
  * Calls from the carrier to a number routed to a schedule go where the
    schedule says now: open (24/7) -> the announcement answers and plays
    (sipp); today closed by an exception -> no target, 404; today a
    holiday by an exception -> the holiday target, an employee with no
    phone registered: 480.  The schedule is changed between the calls
    and the next call follows at once.
"""
import os
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import demo_ids, Suite, Switchboard  # noqa: E402
from peers import Sipp  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from calls import raw_invite  # noqa: E402

S = Suite("schedule")
NUMBER = "+4922182829950"  # a free number of the demo block
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
ALL = WEEKDAYS + ["sat", "sun"]


def office(tid, ann, emp, **kw):
    body = {"tenant_id": tid, "name": "Office hours", "region": "BY",
            "open_type": "employee", "open_id": emp,
            "closed_type": "announcement", "closed_id": ann,
            "ranges": [{"days": ["fri", "mon", "tue", "wed", "thu"],
                        "start": "08:00", "end": "18:00"}],
            "exceptions": [{"date": "2026-12-24", "state": "open",
                            "start": "09:00", "end": "12:00"},
                           {"date": "2026-12-31", "state": "closed"}]}
    body.update(kw)
    return body


def test_crud(sb, ids):
    tid, ann, emp = ids
    st, s = sb.api("POST", "/api/v1/schedules", office(tid, ann, emp))
    want = {"tenant_id": tid, "name": "Office hours", "region": "BY",
            "open_type": "employee", "open_id": emp,
            "closed_type": "announcement", "closed_id": ann,
            "holiday_type": "none", "holiday_id": None,
            "ranges": [{"days": WEEKDAYS, "start": "08:00", "end": "18:00"}],
            "exceptions": [{"date": "2026-12-24", "state": "open",
                            "start": "09:00", "end": "12:00"},
                           {"date": "2026-12-31", "state": "closed"}]}
    got = {k: v for k, v in (s or {}).items() if k not in ("id",
                                                           "created_at")}
    S.check(st == 201 and got == want, "POST: 201 with the schedule in "
            "canonical form (days in week order)", f"{st} {s}")
    sid = s["id"]
    st, g = sb.api("GET", f"/api/v1/schedules/{sid}")
    S.check(st == 200 and g == s, "GET returns the same", f"{st} {g}")
    st, p = sb.api("PATCH", f"/api/v1/schedules/{sid}",
                   {"name": "Hotline", "region": None,
                    "ranges": [{"days": ALL, "start": "00:00",
                                "end": "24:00"}]})
    S.check(st == 200 and p["name"] == "Hotline" and p["region"] is None
            and p["ranges"] == [{"days": ALL, "start": "00:00",
                                 "end": "24:00"}]
            and p["exceptions"] == want["exceptions"]
            and p["open_id"] == emp,
            "PATCH replaces name, region and ranges; exceptions and "
            "targets stay", f"{st} {p}")
    st, lst = sb.api("GET", f"/api/v1/schedules?tenant_id={tid}")
    S.check(st == 200 and [x["id"] for x in lst] == [sid],
            "list of the tenant: the one schedule", f"{st} {lst}")
    st, _ = sb.api("DELETE", f"/api/v1/schedules/{sid}")
    S.check(st == 204, "DELETE: 204", str(st))
    st, _ = sb.api("GET", f"/api/v1/schedules/{sid}")
    S.check(st == 404, "gone: 404", str(st))


def test_refused(sb, ids):
    tid, ann, emp = ids
    post = lambda **kw: sb.api("POST", "/api/v1/schedules",  # noqa: E731
                               office(tid, ann, emp, **kw))
    S.error_is("inverted range: 422",
           post(ranges=[{"days": ["mon"], "start": "18:00", "end": "08:00"}]),
           422, "ranges[0]: start 18:00 is not before end 08:00")
    S.error_is("overlapping ranges: 422 naming the day",
           post(ranges=[{"days": WEEKDAYS, "start": "08:00", "end": "12:00"},
                        {"days": ["sat", "mon"], "start": "11:00",
                         "end": "14:00"}]),
           422, "ranges[1] overlaps ranges[0] on Monday")
    S.error_is("a day that is none: 422",
           post(ranges=[{"days": ["monday"], "start": "08:00",
                         "end": "12:00"}]),
           422, "ranges[0].days: must be an array of mon, tue, wed, thu, "
           "fri, sat, sun")
    S.error_is("a time without two hour digits: 422",
           post(ranges=[{"days": ["mon"], "start": "8:00", "end": "12:00"}]),
           422, "ranges[0].start: must be a time HH:MM")
    S.error_is("24:30: 422",
           post(ranges=[{"days": ["mon"], "start": "08:00", "end": "24:30"}]),
           422, "ranges[0].end: must be a time HH:MM")
    S.error_is("an unknown key in a range: 422",
           post(ranges=[{"days": ["mon"], "start": "08:00", "end": "12:00",
                         "until": "x"}]),
           422, "ranges[0].until: unknown field")
    S.error_is("ranges not an array: 400", post(ranges="mon-fri"), 400,
           "ranges: must be an array")
    S.error_is("30 February: 422",
           post(exceptions=[{"date": "2026-02-30", "state": "closed"}]),
           422, "exceptions[0]: no such date 2026-02-30")
    S.error_is("a date in another form: 422",
           post(exceptions=[{"date": "24.12.2026", "state": "closed"}]),
           422, "exceptions[0].date: must be a date YYYY-MM-DD")
    S.error_is("closed and open on one date: 422",
           post(exceptions=[{"date": "2026-12-24", "state": "closed"},
                            {"date": "2026-12-24", "state": "open",
                             "start": "09:00", "end": "12:00"}]),
           422, "exceptions[1] contradicts exceptions[0] on 2026-12-24")
    S.error_is("hours on a closed day: 422",
           post(exceptions=[{"date": "2026-12-24", "state": "closed",
                             "start": "09:00", "end": "12:00"}]),
           422, "exceptions[0].start: only for state open")
    S.error_is("region XX: 422", post(region="XX"), 422,
           "region: must be a German federal state (BW, BY, BE, BB, HB, HH, "
           "HE, MV, NI, NW, RP, SL, SN, ST, SH, TH) or null")
    S.error_is("open target without id: 422", post(open_id=None), 422,
           "open_id: is required for open_type employee")
    S.error_is("a target that does not exist: 422", post(closed_id=99999), 422,
           "closed_id: announcement 99999 does not exist")
    S.error_is("an empty name: 422", post(name=""), 422, "name: must not be empty")


def test_loop_and_in_use(sb, ids):
    tid, ann, emp = ids
    st, a = sb.api("POST", "/api/v1/schedules", office(tid, ann, emp,
                                                       name="A"))
    st2, b = sb.api("POST", "/api/v1/schedules",
                    office(tid, ann, emp, name="B", closed_type="schedule",
                           closed_id=a["id"]))
    S.check(st == 201 and st2 == 201, "A, and B closed -> A: 201",
            f"{st} {st2}")
    S.error_is("A closed -> B would loop: 422",
           sb.api("PATCH", f"/api/v1/schedules/{a['id']}",
                  {"closed_type": "schedule", "closed_id": b["id"]}),
           422, "schedule: its targets lead back to itself")
    S.error_is("A open -> A: 422",
           sb.api("PATCH", f"/api/v1/schedules/{a['id']}",
                  {"open_type": "schedule", "open_id": a["id"]}),
           422, "schedule: its targets lead back to itself")
    S.error_is("A is B's target: cannot be deleted, 409",
           sb.api("DELETE", f"/api/v1/schedules/{a['id']}"), 409,
           f"schedule {a['id']} is in use by a number, another schedule, a menu or a mailbox")
    st, _ = sb.api("DELETE", f"/api/v1/schedules/{b['id']}")
    st2, _ = sb.api("DELETE", f"/api/v1/schedules/{a['id']}")
    S.check(st == 204 and st2 == 204, "B, then A: 204 each", f"{st} {st2}")


STATES = [
    # (moment UTC, region, state, why)
    ("2026-03-30T05:59:59Z", "BY", "closed", "outside hours"),
    ("2026-03-30T06:00:00Z", "BY", "open", "hours"),      # 08:00 CEST
    ("2026-12-07T06:59:59Z", "BY", "closed", "outside hours"),
    ("2026-12-07T07:00:00Z", "BY", "open", "hours"),      # 08:00 CET
    ("2026-06-04T10:00:00Z", "BY", "holiday", "Fronleichnam"),
    ("2026-06-04T10:00:00Z", "BE", "open", "hours"),
    ("2027-03-08T10:00:00Z", "BE", "holiday", "Internationaler Frauentag"),
    ("2027-03-08T10:00:00Z", "BY", "open", "hours"),
    ("2026-12-24T08:30:00Z", "BY", "open", "exception"),  # 09:30
    ("2026-12-24T11:00:00Z", "BY", "closed", "exception"),  # 12:00
    ("2026-12-31T10:00:00Z", "BY", "closed", "exception"),
]

DST = [
    # Sunday 01:00-04:00 local on the spring switch day
    ("2026-03-29T00:30:00Z", "open"),    # 01:30 CET
    ("2026-03-29T01:59:59Z", "open"),    # 03:59 CEST
    ("2026-03-29T02:00:00Z", "closed"),  # 04:00 CEST
    ("2026-03-22T02:30:00Z", "open"),    # 03:30 CET, a week before
]

DST_AUTUMN = [
    # Sunday 02:00-02:30 local on the autumn switch day: twice
    ("2026-10-25T00:15:00Z", "open"),    # 02:15 CEST
    ("2026-10-25T00:45:00Z", "closed"),  # 02:45 CEST
    ("2026-10-25T01:15:00Z", "open"),    # 02:15 CET
    ("2026-10-25T01:45:00Z", "closed"),  # 02:45 CET
]


def test_state(sb, ids):
    tid, ann, emp = ids
    sids = {}
    for region in ("BY", "BE"):
        st, s = sb.api("POST", "/api/v1/schedules",
                       office(tid, ann, emp, name=f"Office {region}",
                              region=region, holiday_type="employee",
                              holiday_id=emp))
        sids[region] = s["id"]
    for at, region, state, why in STATES:
        st, r = sb.api("GET", f"/api/v1/schedules/{sids[region]}/state"
                       f"?at={at}")
        tt, ti = {"open": ("employee", emp), "closed": ("announcement", ann),
                  "holiday": ("employee", emp)}[state]
        want = {"at": at.replace("Z", ".000Z"), "state": state, "why": why,
                "target_type": tt, "target_id": ti}
        S.check(st == 200 and r == want, f"{region} at {at}: {state} "
                f"({why})", f"{st} {r}")
    st, s = sb.api("POST", "/api/v1/schedules",
                   {"tenant_id": tid, "name": "Night", "open_type":
                    "announcement", "open_id": ann,
                    "ranges": [{"days": ["sun"], "start": "01:00",
                                "end": "04:00"}]})
    spring = s["id"]
    st, s = sb.api("POST", "/api/v1/schedules",
                   {"tenant_id": tid, "name": "Twice", "open_type":
                    "announcement", "open_id": ann,
                    "ranges": [{"days": ["sun"], "start": "02:00",
                                "end": "02:30"}]})
    autumn = s["id"]
    for sid, cases in ((spring, DST), (autumn, DST_AUTUMN)):
        for at, state in cases:
            st, r = sb.api("GET", f"/api/v1/schedules/{sid}/state?at={at}")
            S.check(st == 200 and r["state"] == state,
                    f"switch day {at}: {state}", f"{st} {r}")
    S.error_is("state at a time that is none: 400",
           sb.api("GET", f"/api/v1/schedules/{spring}/state?at=tomorrow"),
           400, "at: must be an ISO-8601 time")
    for sid in list(sids.values()) + [spring, autumn]:
        sb.api("DELETE", f"/api/v1/schedules/{sid}")


def berlin_today():
    """Today's date in Berlin, not within a minute of midnight."""
    now = datetime.now(ZoneInfo("Europe/Berlin"))
    if now.hour == 23 and now.minute == 59:
        import time
        time.sleep(61)
        now = datetime.now(ZoneInfo("Europe/Berlin"))
    return now.strftime("%Y-%m-%d")


def test_calls(sb, ids):
    tid, ann, emp = ids
    st, s = sb.api("POST", "/api/v1/schedules",
                   {"tenant_id": tid, "name": "Hotline 24/7",
                    "open_type": "announcement", "open_id": ann,
                    "closed_type": "none",
                    "holiday_type": "employee", "holiday_id": emp,
                    "ranges": [{"days": ALL, "start": "00:00",
                                "end": "24:00"}]})
    S.check(st == 201, "24/7 schedule: 201", f"{st} {s}")
    sid = s["id"]
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": NUMBER,
                    "target_type": "schedule", "target_id": sid})
    S.check(st == 201 and n["target_type"] == "schedule"
            and n["target_id"] == sid, "a number routed to the schedule",
            f"{st} {n}")
    run = Sipp("uac_announcement", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service=NUMBER, timeout_s=30,
               recv_timeout_ms=20000).run()
    S.check(run.rc == 0 and run.successful == 1,
            "open: the announcement answers, plays and hangs up",
            run.summary())
    run.cleanup()

    today = berlin_today()
    st, _ = sb.api("PATCH", f"/api/v1/schedules/{sid}",
                   {"exceptions": [{"date": today, "state": "closed"}]})
    S.check(st == 200, f"today ({today}) closed by an exception", str(st))
    code = raw_invite(sb, NUMBER)
    S.check(code == 404, "closed, target none: 404", str(code))

    st, _ = sb.api("PATCH", f"/api/v1/schedules/{sid}",
                   {"exceptions": [{"date": today, "state": "holiday"}]})
    code = raw_invite(sb, NUMBER, timeout=10)
    S.check(code == 480, "holiday: Max, no phone registered: 480",
            str(code))

    S.error_is("the schedule a number routes to cannot be deleted: 409",
           sb.api("DELETE", f"/api/v1/schedules/{sid}"), 409,
           f"schedule {sid} is in use by a number, another schedule, a menu or a mailbox")
    st, _ = sb.api("DELETE", f"/api/v1/numbers/{n['id']}")
    st2, _ = sb.api("DELETE", f"/api/v1/schedules/{sid}")
    S.check(st == 204 and st2 == 204, "number, then schedule: 204 each",
            f"{st} {st2}")


def main():
    sb = Switchboard().start()
    try:
        ids = demo_ids(sb, "Max")
        for t in (test_crud, test_refused, test_loop_and_in_use, test_state,
                  test_calls):
            S.run(t, sb, ids)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
