#!/usr/bin/python3
"""Queue calls (ACD, issue 15): a caller of a number routed to a hotline
queue, with a real phone as the caller (Max's baresip 1001) and a real
phone as the agent (Erika's baresip 1002, the queue's only member).

  * Nobody logged in (the queue has no target for it, no mailbox): the
    caller is answered, told at once that nobody is there and goodbye (the
    prompts found in what the caller's phone received), then the server
    hangs up; Erika's phone never rings; the record is answered by the
    queue.
  * Erika logged in: her phone rings at once, she answers, the caller and
    she hear each other (tones by content); meanwhile the API shows her
    on a call of the queue; after the caller hangs up she is in wrap-up
    (2 s), then available again by herself; the record names her device.
  * A queue outside its open hours (its schedule) without a closed
    target: the caller hears the closed prompt and the server hangs up.
  * Erika logged in but not answering (max_misses 1, ring 5 s): her phone
    rings 5 s, then she is paused with reason "no answer" and not rung
    again; the caller is still waiting, with music.
  * The statistics of the day (GET /api/v1/queues/:id/stats) are what
    the suite did: Hotline 3 offered - 1 nobody logged in, 1 answered
    (within the service level), 1 abandoned after the missed ring -, the
    waits and the talk time within what the suite measured; Abend 1
    closed.
"""
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, PROMPTS, demo_ids, Suite, Switchboard  # noqa: E402
from peers import Baresip  # noqa: E402
from audio import is_prompt, is_tone  # noqa: E402

S = Suite("queue")
NUMBER = "+4922182829961"
CLOSED_NUMBER = "+4922182829962"
PW = DEMO["devices"]
T = {}  # times [s] and ids the statistics are checked against


def agent(sb, emp):
    st, a = sb.api("GET", f"/api/v1/agents/{emp}")
    return (a or {}).get("state"), (a or {}).get("reason"), a


def act(sb, emp, action, reason=None):
    body = {"action": action}
    if reason:
        body["reason"] = reason
    return sb.api("POST", f"/api/v1/agents/{emp}/state", body)


def wait_state(sb, emp, state, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if agent(sb, emp)[0] == state:
            return True
        time.sleep(0.1)
    return False


def setup(sb, tid, erika):
    st, q = sb.api("POST", "/api/v1/queues",
                   {"tenant_id": tid, "name": "Hotline",
                    "strategy": "ring_all", "ring_timeout": 5,
                    "wrapup": 2, "max_misses": 1,
                    "members": [{"employee_id": erika}]})
    S.check(st == 201, "a queue with Erika as its member: 201", f"{st} {q}")
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": NUMBER, "target_type": "queue",
                    "target_id": q["id"]})
    S.check(st == 201, "a number routed to the queue: 201", f"{st} {n}")
    return q["id"]


def call_queue(mx, sb):
    m = mx.mark()
    mx.dial(f"sip:{NUMBER}@127.0.0.1:{sb.sip_port}")
    return m, mx.wait_event("CALL_ESTABLISHED", 10, since=m)


def test_nobody(sb, ids, mx, er):
    tid, erika = ids
    me = er.mark()
    m, est = call_queue(mx, sb)
    S.check(est is not None, "nobody logged in: the queue answers")
    t0 = time.time()
    ev = mx.wait_event("CALL_CLOSED", 20, since=m)
    took = time.time() - t0
    # "nobody there" (no mailbox: no choice), goodbye, hung up
    S.check(ev is not None and took < 12,
            "no mailbox: told, goodbye, hung up by the server",
            f"{ev} after {took:.1f} s")
    S.check(er.wait_event("CALL_INCOMING", 0.5, since=me) is None,
            "Erika (logged out) is not rung")
    recs = mx.recordings()
    v = is_prompt(os.path.join(PROMPTS, "de", "queue_no_agents.wav"),
                  recs[-1], law="pcmu", windows=0.8, min_seconds=0.5) \
        if recs else "no recording"
    S.check(v, "the caller is told at once that nobody is there", str(v))
    v = is_prompt(os.path.join(PROMPTS, "de", "goodbye.wav"),
                  recs[-1], law="pcmu", windows=0.8, min_seconds=0.5) \
        if recs else "no recording"
    S.check(v, "and then goodbye", str(v))
    st, calls = sb.api("GET", f"/api/v1/calls?tenant_id={tid}")
    c = [x for x in calls or [] if x["to_number"] == NUMBER]
    S.check(st == 200 and c and c[0]["callee_leg"] == "queue"
            and c[0]["disposition"] == "answered",
            "the record: answered by the queue", f"{st} {c[:1]}")


def test_answer(sb, ids, mx, er):
    tid, erika = ids
    st, _ = act(sb, erika, "login")
    S.check(st == 200, "Erika logs in", str(st))
    me = er.mark()
    T["answer_dial"] = time.time()
    m, est = call_queue(mx, sb)
    S.check(est is not None, "the queue answers the caller")
    ev = er.wait_event("CALL_ESTABLISHED", 15, since=me)
    T["answer_agent"] = time.time()
    S.check(ev is not None, "Erika's phone rings and she answers")
    state, _, a = agent(sb, erika)
    S.check(state == "on_call", "the API shows Erika on a call of the queue",
            str(a))
    time.sleep(2.0)
    T["answer_hangup"] = time.time()
    mx.hangup()
    S.check(er.wait_event("CALL_CLOSED", 10, since=me) is not None,
            "the caller hangs up: Erika's call ends")
    S.check(wait_state(sb, erika, "wrapup", 3),
            "Erika is in wrap-up after the call", str(agent(sb, erika)))
    S.check(wait_state(sb, erika, "available", 5),
            "after 2 s of wrap-up Erika is available again",
            str(agent(sb, erika)))
    recs = mx.recordings()
    rec = recs[-1] if recs else None
    dur = None
    if rec:
        from audio import read_wav
        rate, x = read_wav(rec)
        dur = len(x) / rate
    v = is_tone(rec, 1000, start=dur - 1.6, end=dur - 0.4, min_seconds=0.5,
                other=800) if rec and dur and dur > 2 else "no recording"
    S.check(v, "the caller hears Erika (1000 Hz) at the end of the call",
            str(v))
    st, calls = sb.api("GET", f"/api/v1/calls?tenant_id={tid}")
    c = [x for x in calls or [] if x["to_number"] == NUMBER]
    S.check(st == 200 and c and c[0]["callee_leg"] == "device:1002",
            "the record names Erika's phone as the callee", f"{c[:1]}")


def test_closed(sb, ids, mx):
    """A queue outside its open hours (a schedule without ranges: closed
    all week) and without a closed target: the closed prompt, then the
    server hangs up."""
    tid, erika = ids
    st, ann = sb.api("GET", f"/api/v1/announcements?tenant_id={tid}")
    st, sc = sb.api("POST", "/api/v1/schedules",
                    {"tenant_id": tid, "name": "nie", "region": "NW",
                     "open_type": "announcement", "open_id": ann[0]["id"],
                     "closed_type": "announcement",
                     "closed_id": ann[0]["id"], "ranges": []})
    S.check(st == 201, "a schedule closed all week: 201", f"{st} {sc}")
    st, q = sb.api("POST", "/api/v1/queues",
                   {"tenant_id": tid, "name": "Abend",
                    "schedule_id": sc["id"],
                    "members": [{"employee_id": erika}]})
    S.check(st == 201, "a queue with those hours: 201", f"{st} {q}")
    T["closed_queue"] = q["id"]
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": CLOSED_NUMBER,
                    "target_type": "queue", "target_id": q["id"]})
    S.check(st == 201, "its number: 201", f"{st} {n}")
    m = mx.mark()
    mx.dial(f"sip:{CLOSED_NUMBER}@127.0.0.1:{sb.sip_port}")
    est = mx.wait_event("CALL_ESTABLISHED", 10, since=m)
    closed = mx.wait_event("CALL_CLOSED", 20, since=m)
    S.check(est is not None and closed is not None,
            "closed: answered, then hung up by the server",
            f"{est} {closed}")
    recs = mx.recordings()
    v = is_prompt(os.path.join(PROMPTS, "de", "closed.wav"), recs[-1],
                  law="pcmu", windows=0.8, min_seconds=0.5) \
        if recs else "no recording"
    S.check(v, "the caller hears that we are closed", str(v))


def test_miss(sb, ids, mx):
    tid, erika = ids
    er = Baresip("1002", PW["1002"], server=("127.0.0.1", sb.sip_port),
                 tone=1000, auto_answer=False)
    er.start()
    try:
        S.check(er.wait_registered(10), "Erika's phone again, answering by "
                "hand")
        me = er.mark()
        T["miss_dial"] = time.time()
        m, est = call_queue(mx, sb)
        S.check(est is not None, "the queue answers the caller")
        ev = er.wait_event("CALL_INCOMING", 10, since=me)
        S.check(ev is not None, "Erika's phone rings")
        t0 = time.time()
        S.check(wait_state(sb, erika, "paused", 9),
                "not answered in 5 s: Erika is paused",
                str(agent(sb, erika)))
        took = time.time() - t0
        state, reason, a = agent(sb, erika)
        S.check(reason == "no answer" and 3.5 <= took <= 8.5,
                "with the reason \"no answer\", after the ring timeout",
                f"{reason} after {took:.1f} s")
        S.check(mx.wait_event("CALL_CLOSED", 2, since=m) is None,
                "the caller still waits")
        T["miss_hangup"] = time.time()
        mx.hangup()
        mx.wait_event("CALL_CLOSED", 10, since=m)
    finally:
        er.stop()


def test_stats(sb, qid):
    """The statistics equal what the suite scripted: counts exactly, the
    waits and the talk time within the times the suite took (a wait counts
    from the call's arrival at the server, after the suite's dial)."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    span = (f"?from={today - datetime.timedelta(days=1)}"
            f"&to={today + datetime.timedelta(days=1)}")
    st, r = sb.api("GET", f"/api/v1/queues/{qid}/stats{span}")
    S.check(st == 200, "the statistics of the queue: 200", f"{st} {r}")
    t = r["total"]
    counts = {k: t[k] for k in ("offered", "answered", "answered_within_sl",
                                "abandoned", "no_agents", "timeouts", "full",
                                "closed", "voicemail", "callback", "waiting")}
    want = {"offered": 3, "answered": 1, "answered_within_sl": 1,
            "abandoned": 1, "no_agents": 1, "timeouts": 0, "full": 0,
            "closed": 0, "voicemail": 0, "callback": 0, "waiting": 0}
    S.check(counts == want, "offered 3: nobody there 1, answered 1 (within "
            "the service level), abandoned 1", f"{counts}")
    S.check(t["service_level_permille"] == 500,
            "service level: 1 of 1 answered + 1 abandoned = 500 permille",
            str(t["service_level_permille"]))
    answer = (T["answer_agent"] - T["answer_dial"]) * 1000
    S.check(t["asa_ms"] is not None and 0 < t["asa_ms"] <= answer + 500,
            "ASA: from the arrival to Erika's answer, within the suite's "
            f"{answer:.0f} ms", str(t["asa_ms"]))
    talk = (T["answer_hangup"] - T["answer_agent"]) * 1000
    S.check(t["aht_ms"] is not None and 2000 <= t["aht_ms"] <= talk + 1500,
            f"AHT: the talk, 2 s to the suite's {talk:.0f} ms",
            str(t["aht_ms"]))
    gone = (T["miss_hangup"] - T["miss_dial"]) * 1000
    S.check(t["abandoned_avg_ms"] is not None and
            5000 <= t["abandoned_avg_ms"] <= gone + 1500,
            f"time to abandon: after the 5 s ring, within the suite's "
            f"{gone:.0f} ms", str(t["abandoned_avg_ms"]))
    S.check(t["longest_wait_ms"] == t["abandoned_avg_ms"] and
            t["wait_p90_ms"] == t["abandoned_avg_ms"] and
            t["wait_p50_ms"] == t["asa_ms"],
            "p50 the answered wait, p90 and the longest the abandoned one",
            str(t))
    hours = [h for h in r["hours"] if h["offered"]]
    S.check(sum(h["offered"] for h in hours) == 3,
            "the hours add up to the day", str(hours))
    st, r = sb.api("GET", f"/api/v1/queues/{T['closed_queue']}/stats{span}")
    S.check(st == 200 and r["total"]["offered"] == 1 and
            r["total"]["closed"] == 1,
            "the queue outside its hours: 1 offered, 1 closed",
            f"{st} {r and r['total']}")


def main():
    sb = Switchboard().start()
    srv = None
    try:
        tid, ann, erika = demo_ids(sb, "Erika")
        ids = (tid, erika)
        qid = setup(sb, tid, erika)
        srv = ("127.0.0.1", sb.sip_port)
        mx = Baresip("1001", PW["1001"], server=srv, tone=800)
        er = Baresip("1002", PW["1002"], server=srv, tone=1000)
        mx.start()
        er.start()
        try:
            S.check(mx.wait_registered(10) and er.wait_registered(10),
                    "Max's and Erika's phones register")
            S.run(test_nobody, sb, ids, mx, er)
            S.run(test_answer, sb, ids, mx, er)
            S.run(test_closed, sb, ids, mx)
        finally:
            er.stop()
        try:
            S.run(test_miss, sb, ids, mx)
        finally:
            mx.stop()
        S.run(test_stats, sb, qid)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
