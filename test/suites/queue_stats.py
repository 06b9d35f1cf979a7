#!/usr/bin/python3
"""Queue statistics through the API (issue 15): GET
/api/v1/queues/:id/stats.

  * The shape of a Berlin day: 24 hours (0:00 is 23:00 UTC the day
    before in winter), 23 on the day summer time starts (no 02:00), 25 on
    the day it ends (02:00 twice, first +02:00, then +01:00); from..to.
  * Every figure exact, from visits written into the store as the ACD
    writes them, on the 25-hour day (so the two 02:00 hours are apart):
    offered and each outcome, answered within the service level (the
    boundary counts), service level permille, time to abandon, ASA, the
    nearest-rank p50 and p90, longest wait, AHT (calls that ended), the
    callback flags; visits just outside the day and of another queue do
    not count.
  * Errors: 422 naming date, from or to; 404 for an unknown queue; 400
    for an unknown parameter; 403 for an agent's token; 405 for POST.
The real calls of test/suites/queue.py check the figures of calls placed
through the queue.
"""
import calendar
import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import demo_ids, Suite, Switchboard  # noqa: E402

S = Suite("queue_stats")
H = 3600 * 1000


def ms(y, mo, d, h=0, mi=0, s=0):
    return calendar.timegm((y, mo, d, h, mi, s)) * 1000


def stats(sb, qid, query=""):
    return sb.api("GET", f"/api/v1/queues/{qid}/stats{query}")


def test_shape(sb, qid):
    st, r = stats(sb, qid, "?date=2026-12-07")
    S.check(st == 200 and len(r["hours"]) == 24,
            "a winter day: 200, 24 hours", f"{st} {r and len(r['hours'])}")
    h0 = r["hours"][0]
    S.check(h0["start"] == "2026-12-06T23:00:00.000Z" and
            h0["date"] == "2026-12-07" and h0["hour"] == 0 and
            h0["utc_offset"] == "+01:00",
            "hour 0 starts at 23:00 UTC the day before, +01:00", str(h0))
    S.check([h["hour"] for h in r["hours"]] == list(range(24)),
            "hours 0..23 in order")
    S.check(r["queue_id"] == qid and r["from"] == "2026-12-07" and
            r["to"] == "2026-12-07" and r["time_zone"] == "Europe/Berlin"
            and r["service_level"] == 30,
            "queue, days, time zone and the queue's service level",
            str({k: v for k, v in r.items() if k not in ("hours",)}))
    empty = {"offered": 0, "answered": 0, "answered_within_sl": 0,
             "service_level_permille": None, "abandoned": 0,
             "abandoned_avg_ms": None, "asa_ms": None, "wait_p50_ms": None,
             "wait_p90_ms": None, "longest_wait_ms": None, "aht_ms": None,
             "timeouts": 0, "full": 0, "no_agents": 0, "closed": 0,
             "voicemail": 0, "callback": 0, "waiting": 0,
             "callbacks_requested": 0, "callbacks_completed": 0}
    S.check(r["total"] == empty, "no calls: zeros, and null where there is "
            "nothing to average", str(r["total"]))
    S.check(list(r["hours"][5].keys()) ==
            ["start", "date", "hour", "utc_offset"] + list(empty.keys()),
            "an hour: start, date, hour, utc_offset and the figures",
            str(list(r["hours"][5].keys())))

    st, r = stats(sb, qid, "?date=2026-03-29")
    hours = [h["hour"] for h in r["hours"]] if st == 200 else []
    S.check(hours == [0, 1] + list(range(3, 24)),
            "summer time starts: 23 hours, no 02:00", str(hours))
    S.check(r["hours"][2]["start"] == "2026-03-29T01:00:00.000Z" and
            r["hours"][2]["utc_offset"] == "+02:00" and
            r["hours"][1]["utc_offset"] == "+01:00",
            "03:00 is 01:00 UTC, +02:00", str(r["hours"][1:3]))

    st, r = stats(sb, qid, "?date=2026-10-25")
    hours = [h["hour"] for h in r["hours"]] if st == 200 else []
    S.check(hours == [0, 1, 2, 2] + list(range(3, 24)),
            "summer time ends: 25 hours, 02:00 twice", str(hours))
    two = [(h["start"], h["utc_offset"]) for h in r["hours"][2:4]]
    S.check(two == [("2026-10-25T00:00:00.000Z", "+02:00"),
                    ("2026-10-25T01:00:00.000Z", "+01:00")],
            "the first 02:00 at +02:00, the second at +01:00", str(two))

    st, r = stats(sb, qid, "?from=2026-10-24&to=2026-10-26")
    S.check(st == 200 and len(r["hours"]) == 24 + 25 + 24 and
            r["from"] == "2026-10-24" and r["to"] == "2026-10-26",
            "from..to: every hour of the three days (73)",
            f"{st} {r and len(r.get('hours', []))}")
    st, r = stats(sb, qid, "?from=2026-12-01&to=2026-12-31")
    S.check(st == 200 and len(r["hours"]) == 31 * 24,
            "31 days at most: 744 hours", f"{st}")
    st, r = stats(sb, qid, "?to=2026-12-02")
    S.check(st == 200 and r["from"] == "2026-12-02",
            "to alone: that day", f"{st} {r and r.get('from')}")
    st, r = stats(sb, qid)
    S.check(st == 200 and len(r["hours"]) in (23, 24, 25) and
            r["from"] == r["to"], "no date: today", f"{st}")


# Visits on 2026-10-25 (the 25-hour day), as (arrived [ms UTC], outcome,
# wait, handle, ended, callback requested, completed).  Service level 30 s.
T = ms(2026, 10, 25)        # 02:00 CEST, the first 02:00
VISITS = [
    # the first 02:00 (+02:00)
    (T + 60000, "answered", 10000, 60000, True, 0, 0),
    (T + 120000, "answered", 30000, 120000, True, 0, 0),  # at the SL
    (T + 180000, "answered", 30001, 0, False, 0, 0),      # still talking
    (T + 240000, "abandoned", 7000, 0, False, 0, 0),
    (T + 300000, "abandoned", 12000, 0, False, 0, 0),
    (T + 360000, "voicemail", 20000, 0, False, 0, 0),
    (T + 420000, "callback", 5000, 0, False, 1, 0),
    # the second 02:00 (+01:00)
    (T + H + 60000, "timeout", 90000, 0, False, 0, 0),
    (T + H + 120000, "full", 1000, 0, False, 0, 0),
    (T + H + 180000, "no_agents", 2000, 0, False, 0, 0),
    (T + H + 240000, "closed", 500, 0, False, 0, 0),
    (T + H + 300000, "answered", 45000, 30001, True, 0, 0),
    (T + H + 360000, "waiting", 0, 0, False, 0, 0),
    (T + H + 420000, "callback", 8000, 0, False, 1, 1),
]
OUTSIDE = [
    ms(2026, 10, 24, 21, 59, 59),   # 23:59:59 on the 24th (+02:00)
    ms(2026, 10, 25, 23),           # 00:00 on the 26th (+01:00)
]


def write_visits(sb, tid, qid, other):
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    try:
        rows = []
        for i, (at, out, wait, handle, ended, req, done) in \
                enumerate(VISITS):
            joined = 0 if out in ("full", "no_agents", "closed") else at + 3
            left = 0 if out == "waiting" else at + wait
            rows.append((tid, qid, 0, f"+4922155501{i:02d}", at, joined, out,
                         left, wait, 2 if out == "answered" else 0, handle,
                         left + handle if ended else 0, req, done))
        for at in OUTSIDE:
            rows.append((tid, qid, 0, "+49221555999", at, at, "answered",
                         at + 1000, 1000, 2, 0, 0, 0, 0))
        rows.append((tid, other, 0, "+49221555998", T + 1000, T + 1000,
                     "abandoned", T + 2000, 1000, 0, 0, 0, 0, 0))
        con.executemany(
            "INSERT INTO queue_visits (tenant_id, queue_id, call_id, caller,"
            " arrived_at, joined_at, outcome, left_at, wait_ms, agent_id,"
            " handle_ms, ended_at, callback_requested, callback_completed)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.commit()
    finally:
        con.close()


def figures(**kw):
    f = {"offered": 0, "answered": 0, "answered_within_sl": 0,
         "service_level_permille": None, "abandoned": 0,
         "abandoned_avg_ms": None, "asa_ms": None, "wait_p50_ms": None,
         "wait_p90_ms": None, "longest_wait_ms": None, "aht_ms": None,
         "timeouts": 0, "full": 0, "no_agents": 0, "closed": 0,
         "voicemail": 0, "callback": 0, "waiting": 0,
         "callbacks_requested": 0, "callbacks_completed": 0}
    f.update(kw)
    return f


def strip(h):
    return {k: v for k, v in h.items()
            if k not in ("start", "date", "hour", "utc_offset")}


def test_figures(sb, tid, qid, other):
    write_visits(sb, tid, qid, other)
    st, r = stats(sb, qid, "?date=2026-10-25")
    S.check(st == 200, "the day of the visits: 200", str(st))
    first = figures(offered=7, answered=3, answered_within_sl=2,
                    service_level_permille=400, abandoned=2,
                    abandoned_avg_ms=9500, asa_ms=23334, wait_p50_ms=12000,
                    wait_p90_ms=30001, longest_wait_ms=30001, aht_ms=90000,
                    voicemail=1, callback=1, callbacks_requested=1)
    got = strip(r["hours"][2])
    S.check(got == first,
            "the first 02:00: 7 offered, SL 2 of 3 + 2 = 400 permille, "
            "abandon 9.5 s, ASA 70001/3 = 23334, p50 12 s, p90 30.001 s, "
            "AHT of the 2 that ended 90 s", f"\n got  {got}\n want {first}")
    second = figures(offered=7, answered=1, service_level_permille=0,
                     asa_ms=45000, wait_p50_ms=45000, wait_p90_ms=90000,
                     longest_wait_ms=90000, aht_ms=30001, timeouts=1,
                     full=1, no_agents=1, closed=1, callback=1, waiting=1,
                     callbacks_requested=1, callbacks_completed=1)
    got = strip(r["hours"][3])
    S.check(got == second,
            "the second 02:00: timeout, full, no agents, closed, waiting, "
            "a completed callback", f"\n got  {got}\n want {second}")
    others = [h["hour"] for i, h in enumerate(r["hours"])
              if i not in (2, 3) and h["offered"]]
    S.check(others == [], "no other hour has calls (the visits just "
            "outside the day do not count)", str(others))
    total = figures(offered=14, answered=4, answered_within_sl=2,
                    service_level_permille=286, abandoned=2,
                    abandoned_avg_ms=9500, asa_ms=28750, wait_p50_ms=12000,
                    wait_p90_ms=45000, longest_wait_ms=90000, aht_ms=70000,
                    timeouts=1, full=1, no_agents=1, closed=1, voicemail=1,
                    callback=2, waiting=1, callbacks_requested=2,
                    callbacks_completed=1)
    S.check(r["total"] == total,
            "the day: SL 2/7 = 286 permille, ASA 115001/4 = 28750, "
            "p50 the 5th and p90 the 9th of 10 waits, AHT 210001/3 = 70000",
            f"\n got  {r['total']}\n want {total}")
    st, r = stats(sb, qid, "?from=2026-10-24&to=2026-10-26")
    S.check(st == 200 and r["total"]["offered"] == 16 and
            r["total"]["answered"] == 6,
            "from the 24th to the 26th: the two outside visits count too",
            f"{st} {r and r['total']}")
    st, r = stats(sb, other, "?date=2026-10-25")
    S.check(st == 200 and r["total"]["offered"] == 1 and
            r["total"]["abandoned"] == 1,
            "the other queue has its own visit only",
            f"{st} {r and r['total']}")


def test_errors(sb, qid, agent_token):
    u = f"/api/v1/queues/{qid}/stats"
    for q, field in (("?date=2026-02-30", "date"), ("?date=x", "date"),
                     ("?date=2026-1-05", "date"),
                     ("?date=2026-12-07T00:00:00Z", "date"),
                     ("?date=", "date"), ("?from=1969-12-31", "from"),
                     ("?from=2026-12-01&to=2026-13-01", "to")):
        S.error_is(f"{q}: 422 naming {field}", sb.api("GET", u + q), 422,
                   f"{field}: must be a date YYYY-MM-DD")
    S.error_is("date with from: 422", sb.api(
        "GET", u + "?date=2026-12-07&from=2026-12-01"), 422,
        "date: give either date or from and to")
    S.error_is("to before from: 422", sb.api(
        "GET", u + "?from=2026-12-07&to=2026-12-06"), 422,
        "to: must not be before from")
    S.error_is("32 days: 422", sb.api(
        "GET", u + "?from=2026-12-01&to=2027-01-01"), 422,
        "to: at most 31 days from from")
    S.error_is("an unknown parameter: 400", sb.api(
        "GET", u + "?day=2026-12-07"), 400, "day: unknown query parameter")
    S.error_is("an unknown queue: 404", sb.api(
        "GET", "/api/v1/queues/424242/stats"), 404,
        "queue 424242 not found")
    S.error_is("an agent's token: 403", sb.api("GET", u, token=agent_token),
               403, f"role agent may not GET /api/v1/queues/{qid}/stats")
    st, _ = sb.api("POST", u, {})
    S.check(st == 405, "POST: 405", str(st))
    st, _ = sb.api("GET", u, token=None)
    S.check(st == 401, "no token: 401", str(st))


def main():
    sb = Switchboard().start()
    try:
        tid, ann, erika = demo_ids(sb, "Erika")
        st, q = sb.api("POST", "/api/v1/queues",
                       {"tenant_id": tid, "name": "Statistik",
                        "service_level": 30,
                        "members": [{"employee_id": erika}]})
        S.check(st == 201, "a queue with a 30 s service level: 201",
                f"{st} {q}")
        st, o = sb.api("POST", "/api/v1/queues",
                       {"tenant_id": tid, "name": "Andere"})
        st, tok = sb.api("POST", f"/api/v1/agents/{erika}/token", {})
        S.check(st == 201, "an agent token for Erika: 201", f"{st} {tok}")
        S.run(test_shape, sb, q["id"])
        S.run(test_figures, sb, tid, q["id"], o["id"])
        S.run(test_errors, sb, q["id"], tok["token"])
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
