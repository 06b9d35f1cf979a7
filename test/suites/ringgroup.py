#!/usr/bin/python3
"""Ring groups (A5, Gruppenruf) end to end: /api/v1/ring_groups and calls
to real phones (baresip).

  * API: a group is created, read, listed and changed, the reply showing
    exactly what was sent; bad groups are refused with the error naming
    the problem: a strategy that does not exist, no member, a member that
    does not exist, is given twice or is another tenant's employee, a
    member's timeout out of range, a fallback that leads back to the
    group when nobody answers (directly and through a schedule); a group
    a number routes to cannot be deleted (409 naming the number), nor an
    employee who is a member (409 naming the group).
  * Otto (device 1003, created here) calls numbers routed to groups of
    Max (1001) and Erika (1002):
      simultaneous: both phones ring, Erika answers, Max's phone gets a
        CANCEL (its call closes) and Otto talks to Erika;
      sequential: Max rings first and does not answer, Erika's phone
        rings only after Max's 3 s are over, and answers;
      skip_busy: Erika talks to Otto; Paula (1004) calls a group of
        Erika and Max: only Max's phone rings;
      fallback: nobody answers within 2 s: the announcement plays to the
        caller (judged by what the caller heard) and the server hangs up.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, demo_ids, PROMPTS, Suite, Switchboard  # noqa: E402
from peers import Baresip  # noqa: E402
from audio import is_prompt  # noqa: E402

S = Suite("ringgroup")
PW = DEMO["devices"]
GROUPS = "/api/v1/ring_groups"


def post(sb, body):
    return sb.api("POST", GROUPS, body)


def test_api(sb, ids):
    tid, ann, max_id, erika = ids
    base = {"tenant_id": tid, "name": "Vertrieb",
            "members": [{"employee_id": max_id}, {"employee_id": erika}]}

    def bad(what, status, msg, **kw):
        body = dict(base, **kw)
        S.error_is(what, post(sb, body), status, msg)

    bad("a strategy that does not exist: 422", 422,
        "strategy: must be simultaneous or sequential", strategy="random")
    bad("no member: 422", 422, "members: at least one member is required",
        members=[])
    S.error_is("members missing: 400",
               post(sb, {"tenant_id": tid, "name": "X"}), 400,
               "members: is required")
    bad("a member that does not exist: 422", 422,
        "members[1].employee_id: employee 99999 does not exist",
        members=[{"employee_id": max_id}, {"employee_id": 99999}])
    bad("a member twice: 422", 422,
        f"members[1].employee_id: employee {max_id} is given twice",
        members=[{"employee_id": max_id}, {"employee_id": max_id}])
    bad("a member's timeout of 0 s: 422", 422,
        "members[0].timeout: must be from 1 to 300 seconds",
        members=[{"employee_id": max_id, "timeout": 0}])
    bad("a member field that does not exist: 422", 422,
        "members[0].employee: unknown field",
        members=[{"employee": max_id}])
    bad("a group timeout over 900 s: 422", 422,
        "timeout: must be from 0 to 900 seconds", timeout=901)
    bad("a fallback that does not exist: 422", 422,
        "fallback_id: announcement 99999 does not exist",
        fallback_type="announcement", fallback_id=99999)

    # another tenant's employee
    st, t2 = sb.api("POST", "/api/v1/tenants",
                    {"name": "Andere GmbH", "country_code": "49",
                     "area_code": "30"})
    st2, other = sb.api("POST", "/api/v1/employees",
                        {"tenant_id": t2["id"], "first_name": "Olga",
                         "last_name": "Other"})
    S.check(st == 201 and st2 == 201, "another tenant with an employee",
            f"{st} {t2} {st2} {other}")
    bad("a member of another tenant: 422", 422,
        f"members[0].employee_id: employee {other['id']} belongs to "
        "another tenant",
        members=[{"employee_id": other["id"]}])

    st, g = post(sb, dict(base, strategy="sequential", timeout=60,
                          skip_busy=True,
                          members=[{"employee_id": erika, "timeout": 15},
                                   {"employee_id": max_id}],
                          fallback_type="announcement", fallback_id=ann))
    want = {"tenant_id": tid, "name": "Vertrieb", "strategy": "sequential",
            "timeout": 60, "skip_busy": True,
            "fallback_type": "announcement", "fallback_id": ann,
            "members": [{"employee_id": erika, "timeout": 15},
                        {"employee_id": max_id, "timeout": 20}]}
    got = {k: v for k, v in (g or {}).items() if k not in ("id",
                                                           "created_at")}
    S.check(st == 201 and got == want,
            "POST: 201, as sent, a member's timeout 20 s by default",
            f"{st} {g}")
    st, r = sb.api("GET", f"{GROUPS}/{g['id']}")
    S.check(st == 200 and r == g, "GET returns the same", f"{st} {r}")
    st, lst = sb.api("GET", f"{GROUPS}?tenant_id={tid}")
    S.check(st == 200 and [x["id"] for x in lst] == [g["id"]],
            "the tenant's list holds it", f"{st} {lst}")
    S.error_is("the same name twice: 409",
               post(sb, base), 409, "name: Vertrieb exists already")

    # B falls back to A; A's fallback to B, or to a schedule that leads
    # to B, loops
    st, b = post(sb, dict(base, name="Zentrale",
                          members=[{"employee_id": max_id}],
                          fallback_type="ring_group", fallback_id=g["id"]))
    S.check(st == 201 and b["fallback_type"] == "ring_group",
            "a group falling back to the first: 201", f"{st} {b}")
    loop = "fallback_id: leads back to this ring group when nobody answers"
    S.error_is("A's fallback -> B (-> A) would loop: 422",
               sb.api("PATCH", f"{GROUPS}/{g['id']}",
                      {"fallback_type": "ring_group", "fallback_id": b["id"]}),
               422, loop)
    st, s = sb.api("POST", "/api/v1/schedules",
                   {"tenant_id": tid, "name": "Nachts",
                    "closed_type": "ring_group", "closed_id": b["id"]})
    S.check(st == 201, "a schedule closed -> B: 201", f"{st} {s}")
    S.error_is("A's fallback -> that schedule would loop: 422",
               sb.api("PATCH", f"{GROUPS}/{g['id']}",
                      {"fallback_type": "schedule", "fallback_id": s["id"]}),
               422, loop)
    st, p = sb.api("PATCH", f"{GROUPS}/{g['id']}",
                   {"strategy": "simultaneous",
                    "members": [{"employee_id": max_id, "timeout": 30}]})
    S.check(st == 200 and p["strategy"] == "simultaneous" and
            p["members"] == [{"employee_id": max_id, "timeout": 30}] and
            p["fallback_type"] == "announcement",
            "PATCH strategy and members (replaced whole)", f"{st} {p}")
    S.error_is("a number to a group that does not exist: 422",
               sb.api("POST", "/api/v1/numbers",
                      {"tenant_id": tid, "e164": "+4922182829979",
                       "target_type": "ring_group", "target_id": 99999}),
               422, "target_id: ring_group 99999 does not exist")

    # in use: B by the schedule, A by B; the employee by A and B
    S.error_is("the group a schedule routes to cannot be deleted: 409",
               sb.api("DELETE", f"{GROUPS}/{b['id']}"), 409,
               f"ring group {b['id']} is in use by schedule {s['id']}")
    S.error_is("the group another group falls back to: 409",
               sb.api("DELETE", f"{GROUPS}/{g['id']}"), 409,
               f"ring group {g['id']} is in use by ring group {b['id']}")
    S.error_is("an employee who is a member cannot be deleted: 409",
               sb.api("DELETE", f"/api/v1/employees/{max_id}"), 409,
               f"employee {max_id} is a member of ring group {g['id']}; "
               "take it out of the group first")
    st, _ = sb.api("DELETE", f"/api/v1/schedules/{s['id']}")
    st2, _ = sb.api("DELETE", f"{GROUPS}/{b['id']}")
    st3, n = sb.api("POST", "/api/v1/numbers",
                    {"tenant_id": tid, "e164": "+4922182829979",
                     "target_type": "ring_group", "target_id": g["id"]})
    S.check(st == 204 and st2 == 204 and st3 == 201,
            "schedule and B deleted, a number routed to A",
            f"{st} {st2} {st3} {n}")
    S.error_is("the group a number routes to cannot be deleted: 409",
               sb.api("DELETE", f"{GROUPS}/{g['id']}"), 409,
               f"ring group {g['id']} is in use by number {n['id']}")
    sb.api("DELETE", f"/api/v1/numbers/{n['id']}")
    st, _ = sb.api("DELETE", f"{GROUPS}/{g['id']}")
    st2, _ = sb.api("GET", f"{GROUPS}/{g['id']}")
    S.check(st == 204 and st2 == 404, "unused: deleted (204), then 404",
            f"{st} {st2}")
    sb.api("DELETE", f"/api/v1/employees/{other['id']}")
    sb.api("DELETE", f"/api/v1/tenants/{t2['id']}")


def employee_with_device(sb, tid, first, ext, password):
    st, e = sb.api("POST", "/api/v1/employees",
                   {"tenant_id": tid, "first_name": first,
                    "last_name": "Test", "extension": ext})
    st2, d = sb.api("POST", "/api/v1/devices",
                    {"tenant_id": tid, "employee_id": e["id"],
                     "username": ext, "password": password})
    S.check(st == 201 and st2 == 201, f"{first} with device {ext}",
            f"{st} {e} {st2} {d}")
    return e["id"]


def group_number(sb, tid, e164, **body):
    st, g = post(sb, dict({"tenant_id": tid}, **body))
    st2, n = sb.api("POST", "/api/v1/numbers",
                    {"tenant_id": tid, "e164": e164,
                     "target_type": "ring_group", "target_id": g["id"]})
    S.check(st == 201 and st2 == 201,
            f"group {body['name']} on {e164}", f"{st} {g} {st2} {n}")
    return g


def incoming(phone, since, timeout=10):
    return phone.wait_event("CALL_INCOMING", timeout, since=since)


def test_calls(sb, ids):
    tid, ann, max_id, erika = ids
    employee_with_device(sb, tid, "Otto", "1003", "delta1003")
    employee_with_device(sb, tid, "Paula", "1004", "echo1004")
    members = [{"employee_id": max_id}, {"employee_id": erika}]
    group_number(sb, tid, "+4922182829970", name="Alle",
                 strategy="simultaneous", members=members)
    group_number(sb, tid, "+4922182829971", name="Reihum",
                 strategy="sequential",
                 members=[{"employee_id": max_id, "timeout": 3},
                          {"employee_id": erika, "timeout": 20}])
    group_number(sb, tid, "+4922182829972", name="Frei",
                 skip_busy=True,
                 members=[{"employee_id": erika}, {"employee_id": max_id}])
    group_number(sb, tid, "+4922182829973", name="Ansage",
                 members=[{"employee_id": max_id, "timeout": 2}],
                 fallback_type="announcement", fallback_id=ann)

    srv = ("127.0.0.1", sb.sip_port)
    otto = Baresip("1003", "delta1003", server=srv, tone=440)
    paula = Baresip("1004", "echo1004", server=srv, tone=660)
    mx = Baresip("1001", PW["1001"], server=srv, auto_answer=False,
                 tone=800)
    er = Baresip("1002", PW["1002"], server=srv, auto_answer=False,
                 tone=1000)
    phones = (otto, paula, mx, er)
    for p in phones:
        p.start()
    try:
        S.check(all(p.wait_registered(10) for p in phones),
                "1003, 1004, 1001 and 1002 register")

        # simultaneous: both ring, Erika answers, Max's phone is CANCELled
        mo, mm, me = otto.mark(), mx.mark(), er.mark()
        otto.dial(f"sip:+4922182829970@127.0.0.1:{sb.sip_port}")
        im, ie = incoming(mx, mm), incoming(er, me)
        S.check(im is not None and ie is not None,
                "simultaneous: Max's and Erika's phones both ring")
        if ie:
            er.accept()
        ev = otto.wait_event("CALL_ESTABLISHED", 10, since=mo)
        S.check(ev is not None, "simultaneous: Erika answers, Otto talks")
        ev = mx.wait_event("CALL_CLOSED", 10, since=mm)
        S.check(ev is not None,
                "simultaneous: Max's ringing phone is cancelled", str(ev))
        S.check(mx.wait_event("CALL_ESTABLISHED", 1, since=mm) is None,
                "simultaneous: and never answered")
        otto.hangup()
        S.check(er.wait_event("CALL_CLOSED", 10, since=me) is not None,
                "simultaneous: Otto hangs up, Erika's call ends")
        time.sleep(0.5)

        # sequential: Max 3 s (no answer), then Erika
        mo, mm, me = otto.mark(), mx.mark(), er.mark()
        t0 = time.time()
        otto.dial(f"sip:+4922182829971@127.0.0.1:{sb.sip_port}")
        im = incoming(mx, mm)
        S.check(im is not None, "sequential: Max's phone rings first")
        S.check(incoming(er, me, 2.0) is None,
                "sequential: Erika's phone does not ring meanwhile")
        ie = incoming(er, me, 10)
        cm = mx.wait_event("CALL_CLOSED", 1, since=mm)
        gap = ie["_t"] - im["_t"] if ie and im else None
        S.check(ie is not None and cm is not None and
                cm["_t"] <= ie["_t"] + 0.2 and gap is not None and
                2.7 <= gap <= 5.0,
                "sequential: Erika rings after Max's 3 s ran out",
                f"gap {gap}, closed {cm and cm['_t'] - t0}, "
                f"incoming {ie and ie['_t'] - t0}")
        if ie:
            er.accept()
        ev = otto.wait_event("CALL_ESTABLISHED", 10, since=mo)
        S.check(ev is not None, "sequential: Erika answers, Otto talks")
        otto.hangup()
        er.wait_event("CALL_CLOSED", 10, since=me)
        time.sleep(0.5)

        # skip_busy: Erika talks to Otto; Paula's call rings only Max
        mo, mp, mm, me = otto.mark(), paula.mark(), mx.mark(), er.mark()
        otto.dial(f"sip:1002@127.0.0.1:{sb.sip_port}")
        if incoming(er, me):
            er.accept()
        S.check(otto.wait_event("CALL_ESTABLISHED", 10, since=mo)
                is not None, "skip_busy: Otto talks to Erika")
        me2 = er.mark()
        paula.dial(f"sip:+4922182829972@127.0.0.1:{sb.sip_port}")
        im = incoming(mx, mm)
        S.check(im is not None, "skip_busy: Max's phone rings")
        S.check(incoming(er, me2, 1.5) is None,
                "skip_busy: Erika, on a call, is not rung")
        if im:
            mx.accept()
        S.check(paula.wait_event("CALL_ESTABLISHED", 10, since=mp)
                is not None, "skip_busy: Max answers Paula")
        paula.hangup()
        otto.hangup()
        mx.wait_event("CALL_CLOSED", 10, since=mm)
        er.wait_event("CALL_CLOSED", 10, since=me)
        time.sleep(0.5)

        # fallback: Max does not answer in 2 s: the announcement
        mo, mm = otto.mark(), mx.mark()
        t0 = time.time()
        otto.dial(f"sip:+4922182829973@127.0.0.1:{sb.sip_port}")
        S.check(incoming(mx, mm) is not None,
                "fallback: Max's phone rings")
        ev = otto.wait_event("CALL_ESTABLISHED", 10, since=mo)
        took = time.time() - t0
        S.check(ev is not None and took >= 1.8,
                "fallback: answered by the announcement after 2 s",
                f"{ev} after {took:.1f} s")
        S.check(mx.wait_event("CALL_CLOSED", 5, since=mm) is not None,
                "fallback: Max's phone stops ringing")
        ev = otto.wait_event("CALL_CLOSED", 20, since=mo)
        S.check(ev is not None, "fallback: the server hangs up after it",
                str(ev))
        recs = otto.recordings()
        v = is_prompt(os.path.join(PROMPTS, "welcome.wav"), recs[-1],
                      law="pcmu", windows=0.8,
                      min_seconds=0.5) if recs else "no recording"
        S.check(v, "fallback: Otto hears the announcement", str(v))
    finally:
        for p in phones:
            p.stop()

    # the call records: the fallback call answered by the announcement
    st, calls = sb.api("GET", f"/api/v1/calls?tenant_id={tid}")
    last = [c for c in calls if c["to_number"] == "+4922182829973"]
    S.check(st == 200 and len(last) == 1 and
            last[0]["callee_leg"] == "announcement" and
            last[0]["disposition"] == "answered",
            "the fallback call's record: answered by the announcement",
            f"{st} {last}")


def main():
    sb = Switchboard().start()
    try:
        tid, ann, erika = demo_ids(sb, "Erika")
        max_id = demo_ids(sb, "Max")[2]
        ids = (tid, ann, max_id, erika)
        S.run(test_api, sb, ids)
        S.run(test_calls, sb, ids)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
