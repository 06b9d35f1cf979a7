#!/usr/bin/python3
"""The end-to-end scenario of issue 15 (hotline queues, ACD) with real
peers: 13 sipp callers from the trunk (each its own number, From
+49301000001 .. +49301000013; 12 is on the VIP list), 2 baresip agents
(Erika's phone 1002 answers by itself; Max's phone 1001 answers by hand:
the suite accepts a call, or lets it ring), one queue (longest idle, ring
5 s, wrap-up 3 s, paused after 2 misses, callbacks offered), a sipp on
the trunk's port as the customer called back, and a WebSocket client of
/api/v1/events that reads the whole scenario.

Every step waits for what the server says (events, phone events), never
for a time; the only timed things are the server's own (ring timeout,
wrap-up) and the callers' own pace: the abandoning caller's patience
(2 s, while both agents are surely busy) and the keys of the caller who
asks for a callback (while nobody can be free).  The script (who arrives
when, who answers whom):

  A  both log in (Erika first: she is idle longest)
     C1 -> Erika; C2 -> Max (accepts); C3 arrives: both busy, hears the
     all-busy notice right after the greeting; C4 waits behind C3
     Erika hangs up C1: wrap-up 3 s, then C3 -> Erika (not C4: FIFO);
     Max hangs up C2: wrap-up, then C4 -> Max
  VIP C11 arrives (position 1), then C12, a VIP: joined at position 1
     (vip on the event), C11 second; Erika hangs up C3: C12 -> Erika
     (her INVITE carries the VIP mark); Max hangs up C4: C11 -> Max
  B  Max hangs up C11, then Erika C12 (Max is now idle longest); Max
     lets every call ring from here
     C5 -> Max, not answered in 5 s (miss 1): skipped, C5 -> Erika
     C6 -> Max, not answered (miss 2): Max paused "no answer"; C6 waits
     C7 arrives (all busy) and waits; Erika hangs up C5: C6 -> Erika
  C  C8 and C9 arrive and wait; C9 gives up after 2 s (abandoned)
  CALLBACK (Erika on C6, Max paused, C7 and C8 wait) C13 arrives
     (position 3), presses 3 in the all-busy notice, types 030 1234567
     and #, hears it read back, confirms with 1, hears that we will call
     back, and the server hangs up.  The request (+49301234567) waits in
     the queue with C13's arrival and a returning caller's priority:
     position 1, before C7 and C8, who came earlier but are normal callers
     (docs/api.md: VIPs, then callbacks, then by arrival)
     Max resumes (API): the callback -> Max: his phone rings showing
     +49301234567, he accepts and hears whom he calls back, then the
     customer is dialled through the trunk (the sipp there answers
     +49301234567, called from the tenant's central number): completed
     Erika hangs up C6: C7 -> Erika; C10 arrives, waits behind C8;
     Max hangs up the callback: C8 -> Max; Erika hangs up C7: C10 ->
     Erika; both hang up, both available again

Checks (from the agents' phones, the sipp callers, the event stream and
the API): who answered whom in exactly that order (FIFO, the VIP first,
the callback before the normal callers); the offers and misses (caller,
agent) in order, every offer to an agent whose last state was available;
each agent's states exactly as scripted; no offer within the wrap-up;
Max skipped and paused after the 2 misses; the all-busy notice at once
(the audio C3 received); each caller's events in order (new, answered,
joined, [offered, missed,] offered, bridged, left, ended); the stream's
seq without a gap; wait_ms as the call's wait since arrival (the
callback's since C13's); positions; the VIP mark on the events and in
Erika's INVITE; the callback request through the API (number, C13's
call and arrival, completed after 1 attempt by Max) and on the stream;
the customer's call through the trunk; the call records; every sipp
done.

The queue's statistics (GET /api/v1/queues/:id/stats) equal this script
exactly (check_stats: expected_stats() from the event stream): 13
offered, 11 answered, 1 abandoned, 1 left for a callback, requested and
completed; the callback waiting again is no visit of its own.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import (DEMO, PROMPTS, RTP_MAX, RTP_MIN, demo_ids, Suite,  # noqa: E402
                Switchboard)
from peers import Baresip, RtpCapture, Sipp, wait_for  # noqa: E402
from audio import is_prompt, read_wav  # noqa: E402
from ws import WsClient  # noqa: E402
from scenario import CALLBACK, Reader, Scenario, ms_of, sip_invites  # noqa

S = Suite("queue_scenario")
PW = DEMO["devices"]
NUMBER = "+4922182829961"
CALLERS = {k: f"+493010000{k:02d}" for k in range(1, 14)}
VIP, CB = 12, 13                    # the VIP; the caller asking a callback
VIP_NAME = "Dr. Anna Schmitz"
TYPED, CUSTOMER = "030 1234567", "+49301234567"   # the callback number
RING_S, WRAPUP_S, MAX_MISSES = 5, 3, 2
ABANDON_MS = 2000
# a wrap-up ends at the queue's next tick: its end plus TICK_GRACE (1 s,
# src/acd/queue.c), so 3.0-4.0 s here; 1 s more for a loaded machine
WRAPUP_SLACK_MS = 2000
DEBUG = os.environ.get("SCENARIO_DEBUG")


def expected_stats(events, k_of, chose_callback=(), service_level_s=20):
    """What the queue's statistics must say for this scenario (one hour
    bucket, unless the run crosses an hour), computed from the event
    stream: offered (joined), answered, abandoned (and the time to
    abandon), left for a callback (reason "callback"; the callers in
    chose_callback), in service level (answered within service_level_s of the
    call's arrival), the answered waits from the arrival at our server
    (for the average speed of answer, p50, p90, the longest wait), and
    the handle times (answer -> the agent's wrap-up, the call's end).
    The callback waiting again in the queue (its events name no call) is
    no visit: it is part of the original caller's (docs/api.md)."""
    queue = [e for e in events if e["class"] == "queue" and
             e.get("call_id") and e["type"] in ("joined", "left")]
    ans = [e for e in queue if e["type"] == "left" and
           e["reason"] == "answered"]
    ab = [e for e in queue if e["type"] == "left" and
          e["reason"] == "abandoned"]
    cb = [e for e in queue if e["type"] == "left" and
          e["reason"] == "callback" and
          k_of.get(e["call_id"]) in chose_callback]
    gone = ab + cb
    waits = sorted(e["wait_ms"] for e in ans)
    handle = []
    for e in ans:
        i = events.index(e)
        end = [x for x in events[i:] if x["class"] == "agent" and
               x["agent"]["id"] == e["agent_id"] and
               x["state"] == "wrapup"]
        if end:
            handle.append(ms_of(end[0]["time"]) - ms_of(e["time"]))
    return {
        # calls offered to the queue (joined), not offers to agents
        "offered": sum(1 for e in queue if e["type"] == "joined"),
        "answered": len(ans), "abandoned": len(ab), "callback": len(cb),
        "abandon_wait_ms": [e["wait_ms"] for e in ab],
        "callback_wait_ms": [e["wait_ms"] for e in cb],
        "in_service_level": sum(1 for w in waits
                                if w <= service_level_s * 1000),
        "answered_wait_ms": waits,
        "asa_ms": round(sum(waits) / len(waits)) if waits else None,
        "longest_wait_ms": waits[-1] if waits else None,
        "handle_ms": handle,
        "by_caller": {k_of.get(e["call_id"]): e["wait_ms"]
                      for e in ans + gone},
    }


def check_stats(sb, sc, evs):
    """The queue's statistics (GET /api/v1/queues/:id/stats, the day
    total of the Berlin days of the run: a new queue, so only this
    scenario) equal what the event stream shows, field by field, with the
    API's documented rules: waits from the arrival at our server over the
    callers who waited and left (answered, abandoned, left for a
    callback), percentiles by nearest rank, means rounded half up,
    service level 1000 x answered within 20 s / (answered + abandoned),
    handle = talk time; the callback requested and completed is C13's
    visit, its waiting again no visit."""
    want = expected_stats(evs, sc.k_of, (CB,))
    from datetime import datetime
    from zoneinfo import ZoneInfo
    berlin = ZoneInfo("Europe/Berlin")
    day0 = datetime.fromtimestamp(ms_of(evs[0]["time"]) / 1000,
                                  berlin).strftime("%Y-%m-%d")
    day1 = datetime.now(berlin).strftime("%Y-%m-%d")
    st, r = sb.api("GET", f"/api/v1/queues/{sc.queue}/stats"
                   f"?from={day0}&to={day1}")
    tot = (r or {}).get("total", {})
    waits = sorted(want["answered_wait_ms"] + want["abandon_wait_ms"] +
                   want["callback_wait_ms"])

    def rank(p):
        return waits[(p * len(waits) + 99) // 100 - 1]

    def half_up(s, n):
        return (2 * s + n) // (2 * n)

    n_ans, n_ab = want["answered"], want["abandoned"]
    exact = {
        "offered": 13, "answered": 11, "abandoned": 1,
        "answered_within_sl": want["in_service_level"],
        "service_level_permille": half_up(1000 * want["in_service_level"],
                                          n_ans + n_ab),
        "abandoned_avg_ms": want["abandon_wait_ms"][0],
        "asa_ms": half_up(sum(want["answered_wait_ms"]), n_ans),
        "wait_p50_ms": rank(50), "wait_p90_ms": rank(90),
        "longest_wait_ms": waits[-1],
        "timeouts": 0, "full": 0, "no_agents": 0, "closed": 0,
        "voicemail": 0, "callback": 1, "waiting": 0,
        "callbacks_requested": 1, "callbacks_completed": 1,
    }
    got = {k: tot.get(k) for k in exact}
    S.check(st == 200 and want["offered"] == 13 and n_ans == 11 and
            n_ab == 1 and want["callback"] == 1 and got == exact,
            "the queue's statistics equal the scenario: offered 13, "
            "answered 11, abandoned 1, 1 left for a callback (requested "
            "and completed; its waiting again no visit), service level, "
            "ASA from the arrival, p50/p90/longest wait over 13 waits, "
            "all exactly as the stream shows",
            f"{st} got {got} want {exact} (stream: {want['offered']} "
            f"joined, {n_ans} answered, {n_ab} abandoned, "
            f"{want['callback']} callback)")
    aht = half_up(sum(want["handle_ms"]), len(want["handle_ms"]))
    S.check(len(want["handle_ms"]) == 11 and tot.get("aht_ms") is not None
            and abs(tot["aht_ms"] - aht) <= 50,
            "average handle time (talk) within 50 ms of the stream's "
            "answer-to-wrap-up times (two clocks)",
            f"{tot.get('aht_ms')} vs {aht}")


def script(sc):
    """The scenario (see the top of this file)."""
    E, M = sc.erika, sc.max
    # A: FIFO with both agents, the all-busy notice
    sc.act(E, "login")
    sc.agent_state(E, "available")
    sc.act(M, "login")
    sc.agent_state(M, "available")
    sc.arrive(1, capture=True)
    sc.answers(E, 1)
    sc.arrive(2)
    sc.answers(M, 2, by_hand=True)
    sc.arrive(3, capture=True)          # both on a call: all busy
    # C3 hears the greeting and the all-busy notice before anyone is
    # free: wait until its capture holds them (plus a second)
    need = sc.prompt_s["please_hold"] + sc.prompt_s["queue_all_busy"] + 1.0
    wait_for(lambda: len(sc.cap.rtp(dport=sc.cap_ports[3], pts=(0, 8)))
             >= need * 50, need + 10, "caller 3's greeting and notice")
    sc.arrive(4)
    sc.hangs_up(E)                      # C1 ends, wrap-up 3 s
    sc.answers(E, 3)                    # FIFO: C3, not C4
    sc.hangs_up(M)
    sc.answers(M, 4, by_hand=True)
    # VIP (Erika on C3, Max on C4): the VIP, who comes second, is first
    sc.arrive(11)
    sc.arrive(VIP)
    sc.hangs_up(E)
    sc.answers(E, VIP)                  # offered first
    sc.hangs_up(M)
    sc.answers(M, 11, by_hand=True)
    # B: Max stops answering; skipped, then paused after 2 misses
    mark = len(sc.evs())
    sc.hangs_up(M)                      # Max idle longest from now
    sc.hangs_up(E)
    sc.agent_state(M, "available", mark)
    sc.agent_state(E, "available", mark)
    sc.arrive(5)
    sc.lets_ring(M)                     # miss 1
    sc.answers(E, 5)                    # skipped: C5 goes to Erika
    sc.arrive(6)
    sc.lets_ring(M)                     # miss 2: paused "no answer"
    sc.agent_state(M, "paused")
    st, a = sc.sb.api("GET", f"/api/v1/agents/{M}")
    S.check(st == 200 and a["state"] == "paused" and
            a["reason"] == "no answer" and a["misses"] == MAX_MISSES,
            f"after {MAX_MISSES} misses the API shows Max paused, "
            "reason \"no answer\"", f"{st} {a}")
    sc.arrive(7)                        # all busy: waits behind C6
    sc.hangs_up(E)
    sc.answers(E, 6)
    # C: an abandoning caller
    sc.arrive(8)
    sc.arrive(9, abandon_ms=ABANDON_MS)
    sc.left(9, "abandoned")
    # CALLBACK (Erika on C6, Max paused, C7 and C8 wait: nobody can be
    # free while C13 types): C13 asks to be called back at another number
    callback_request(sc)
    # the customer's end of the trunk: answers the callback's call
    sc.customer = Sipp("uas_answer", local_port=sc.sb.trunk_port,
                       timeout_s=240, recv_timeout_ms=0).start()
    sc.act(M, "unpause")
    callback_call(sc)
    sc.hangs_up(E)
    sc.answers(E, 7)
    sc.arrive(10)                       # waits behind C8
    sc.hangs_up(M)                      # the customer gets our BYE
    sc.answers(M, 8, by_hand=True)
    sc.hangs_up(E)
    sc.answers(E, 10)
    mark = len(sc.evs())
    sc.hangs_up(E)
    sc.hangs_up(M)
    sc.agent_state(M, "available", mark)
    sc.agent_state(E, "available", mark)


def callback_request(sc):
    """C13 arrives (all busy), presses 3, types the number and #, hears
    it read back, confirms with 1 (uac_queue_callback.xml, by SIP INFO):
    the request is made, C13 leaves the queue and the line, the request
    waits in the queue with C13's place."""
    mark = len(sc.evs())
    sc.arrive(CB, capture=True, scenario="uac_queue_callback")
    _, req = sc.callback_ev("requested", mark, timeout=60)
    S.check(req["number"] == CUSTOMER and req["queue_id"] == sc.queue and
            req["attempts"] == 0 and req["agent_id"] is None,
            f"caller {CB} presses 3, types {TYPED} and #, confirms it "
            f"read back with 1: a callback to {CUSTOMER} is requested "
            "(the stream's callback event)", json.dumps(req))
    sc.cb_id = req["id"]
    sc.left(CB, "callback")             # the line left by a choice
    _, j = sc.queue_ev(CALLBACK, "joined", mark)
    sc.cb_joined = j
    S.check(j["position"] == 1 and j["callback_id"] == sc.cb_id,
            "the callback waits in the queue at position 1: a returning "
            "caller's priority, before callers 7 and 8 who came earlier "
            "(callback_id: the request; no call of its own: call_id "
            "empty)", json.dumps(j))
    sc.wait_ev(lambda e: e["class"] == "call" and e["type"] == "ended" and
               e["call_id"] == sc.cid[CB], f"caller {CB}'s call ends", 30,
               mark)
    sc.callers[CB].wait(20)
    S.check(sc.callers[CB].successful == 1,
            f"caller {CB} hears the confirmation and the server hangs up "
            "(its scenario: every key answered 200, our BYE answered)",
            f"rc={sc.callers[CB].rc} {sc.callers[CB].errors()[-300:]}")
    st, c = sc.sb.api("GET", f"/api/v1/callbacks/{sc.cb_id}")
    st2, calls = sc.sb.api("GET", f"/api/v1/calls?tenant_id={sc.tid}"
                           "&limit=100")
    rec = [x for x in calls or [] if x["sip_call_id"] == sc.cid[CB]]
    S.check(st == 200 and st2 == 200 and rec and
            c["state"] == "requested" and c["number"] == CUSTOMER and
            c["call_id"] == rec[0]["id"] and
            c["arrived_at"] == rec[0]["started_at"] and
            sc.cb_joined["record_id"] == rec[0]["id"],
            f"GET /api/v1/callbacks/:id: requested, {CUSTOMER}, with "
            f"caller {CB}'s call record and its arrival (its place); the "
            "callback's joined event names that record",
            f"{st} {c} {rec[:1]} {sc.cb_joined}")


def callback_call(sc):
    """Max (resumed) is offered the callback first: his phone rings
    showing the customer's number, he accepts, hears whom he calls back,
    then the customer is dialled through the trunk and answers."""
    M = sc.max
    mark = len(sc.evs())
    ev, t_answer = sc.answers_callback(M, CUSTOMER)
    S.check(f"sip:{CUSTOMER}@" in ev.get("peeruri", ""),
            f"Max resumes: his phone rings first for the callback, showing "
            f"{CUSTOMER}; he accepts", str(ev))
    line = wait_for(lambda: [x for x in sc.customer.logs().splitlines()
                             if x.startswith("RURI_USER=")], 30,
                    "the customer's call on the trunk")
    t_dial = time.time()
    S.check(line[0].startswith(f"RURI_USER={CUSTOMER} FROM_USER="
                               f"{DEMO['central']} "),
            f"then the customer is called through the trunk: {CUSTOMER}, "
            "from the tenant's central number", line[0])
    S.check(t_dial - t_answer >= 1.5,
            "... only after Max heard whom he calls back (the spoken "
            "number first)", f"{t_dial - t_answer:.2f} s")
    _, done = sc.callback_ev("completed", mark)
    S.check(done["id"] == sc.cb_id and done["attempts"] == 1 and
            done["agent_id"] == M,
            "the customer answers: the callback is completed after 1 "
            "attempt, Max its agent", json.dumps(done))


# The agents' states, exactly, as the script makes them (login first).
CALL = ["ringing", "on_call", "wrapup", "available"]
WANT_STATES = {
    "E": ["available"] + CALL * 7,
    "M": ["available"] + CALL * 3 + ["ringing", "available",
                                     "ringing", "paused", "available"]
    + CALL * 2,
}
WANT_TOOK = {"E": [1, 3, VIP, 5, 6, 7, 10], "M": [2, 4, 11, CALLBACK, 8]}
ANSWER_ORDER = [1, 2, 3, 4, VIP, 11, 5, 6, CALLBACK, 7, 8, 10]
WANT_OFFERS = [(1, "E"), (2, "M"), (3, "E"), (4, "M"), (VIP, "E"),
               (11, "M"), (5, "M"), (5, "E"), (6, "M"), (6, "E"),
               (CALLBACK, "M"), (7, "E"), (8, "M"), (10, "E")]
WANT_MISSED = [(5, "M"), (6, "M")]
WANT_JOINED = [1, 2, 3, 4, 11, VIP, 5, 6, 7, 8, 9, CB, CALLBACK, 10]
# where each joined (1: next): C4 behind C3; the VIP before C11; C7
# behind C6, C8 behind C7, C9 behind C7 and C8, C13 behind C7 and C8;
# the callback before them; C10 behind C8
WANT_POSITIONS = [1, 1, 1, 2, 1, 1, 1, 1, 2, 2, 3, 3, 1, 2]


def check_all(sc, evs):
    E, M = sc.erika, sc.max
    name = {E: "Erika", M: "Max"}
    k_of = sc.k_of
    S.check([e["seq"] for e in evs] == list(range(1, len(evs) + 1)),
            f"the stream: seq 1..{len(evs)} without a gap",
            str([e["seq"] for e in evs][:20]))

    # who answered whom, from the phones
    S.check(sc.took.get(E) == WANT_TOOK["E"],
            f"Erika's phone got callers {WANT_TOOK['E']}, in this order",
            str(sc.took.get(E)))
    S.check(sc.took.get(M) == WANT_TOOK["M"],
            f"Max's phone got callers {WANT_TOOK['M']}, in this order",
            str(sc.took.get(M)))

    # the order from the stream: joined, answered (VIP first, the
    # callback before the normal callers, then by arrival), each by the
    # agent the phones say
    queue = [e for e in evs if e["class"] == "queue"]
    joined = [k_of.get(e["call_id"]) for e in queue if e["type"] == "joined"]
    S.check(joined == WANT_JOINED,
            f"the stream: joined in the order {WANT_JOINED} (the callback "
            f"as caller {CB} leaves the line)", str(joined))
    ans = [(k_of.get(e["call_id"]), e["agent_id"]) for e in queue
           if e["type"] == "left" and e["reason"] == "answered"]
    want = [(k, E if k in WANT_TOOK["E"] else M) for k in ANSWER_ORDER]
    S.check(ans == want,
            "the stream: answered in the order FIFO, the VIP first, the "
            "callback before the callers who waited, caller 9 "
            "(abandoned) left out, each by the agent whose phone took it",
            f"got {ans} want {want}")
    ab = [(k_of.get(e["call_id"]), e["agent_id"]) for e in queue
          if e["type"] == "left" and e["reason"] != "answered"]
    S.check(ab == [(9, None), (CB, None)] and
            [e["reason"] for e in queue if e["type"] == "left" and
             e["reason"] != "answered"] == ["abandoned", "callback"],
            f"the stream: caller 9 left abandoned, caller {CB} left the "
            "line for its callback (reason callback), nobody else "
            "unanswered", str(ab))
    w9 = [e["wait_ms"] for e in queue if e["type"] == "left" and
          k_of.get(e["call_id"]) == 9]
    S.check(len(w9) == 1 and ABANDON_MS <= w9[0] <= ABANDON_MS + 500,
            f"caller 9 gave up after its {ABANDON_MS} ms of patience "
            "(wait_ms, to +500 ms)", str(w9))
    pos = [e["position"] for e in queue if e["type"] == "joined"]
    S.check(pos == WANT_POSITIONS,
            f"the stream: the callers joined at positions {WANT_POSITIONS}",
            str(pos))

    # agents: every state change, exactly; offers only when available
    for emp, key in ((E, "E"), (M, "M")):
        st = [e for e in evs if e["class"] == "agent" and
              e["agent"]["id"] == emp]
        states = [e["state"] for e in st]
        S.check(states == WANT_STATES[key],
                f"{name[emp]}'s states on the stream, exactly as "
                "scripted", f"\n got  {states}\n want {WANT_STATES[key]}")
        bad = [(i, states[i - 1] if i else None)
               for i, s in enumerate(states)
               if s == "ringing" and (i == 0 or states[i - 1] !=
                                      "available")]
        S.check(not bad and "ringing" in states,
                f"{name[emp]} is offered a call only when his last state "
                "was available (never ringing, on a call, in wrap-up or "
                "paused)", str(bad))
        short = []
        for i, e in enumerate(st):
            if e["state"] != "wrapup":
                continue
            nxt = st[i + 1] if i + 1 < len(st) else None
            gap = ms_of(nxt["time"]) - ms_of(e["time"]) if nxt else None
            if gap is None or gap < WRAPUP_S * 1000 or \
                    gap > WRAPUP_S * 1000 + WRAPUP_SLACK_MS:
                short.append(gap)
        S.check(not short and states.count("wrapup") >= 2,
                f"{name[emp]}'s wrap-ups last {WRAPUP_S} s at least (and "
                "end by themselves, within 2 s more), then available; no "
                "offer meanwhile",
                f"{short}")
        qids = {e["queue_id"] for e in st
                if e["state"] in ("ringing", "on_call", "wrapup")}
        S.check(qids == {sc.queue}, f"{name[emp]}'s ringing, on_call and "
                "wrapup events name the queue", str(qids))
    pm = [e for e in evs if e["class"] == "agent" and
          e["agent"]["id"] == M and e["state"] == "paused"]
    S.check(len(pm) == 1 and pm[0]["reason"] == "no answer",
            "Max is paused once, with the reason \"no answer\" (after 2 "
            "misses in a row)", str(pm))
    # Max was rung for C5 and skipped: C5's offer went on to Erika
    i5 = [i for i, e in enumerate(evs) if e["class"] == "queue" and
          e["type"] == "joined" and k_of.get(e["call_id"]) == 5][0]
    j5 = [i for i, e in enumerate(evs) if e["class"] == "queue" and
          e["type"] == "left" and k_of.get(e["call_id"]) == 5][0]
    mid = [(e["agent"]["id"], e["state"]) for e in evs[i5:j5]
           if e["class"] == "agent"]
    S.check(mid == [(M, "ringing"), (M, "available"), (E, "ringing"),
                    (E, "on_call")],
            "caller 5: Max rings, misses, is available again, Erika is "
            "rung and answers (the non-answering agent skipped)", str(mid))
    ring5 = [e for e in evs[i5:j5] if e["class"] == "agent"]
    gap = ms_of(ring5[1]["time"]) - ms_of(ring5[0]["time"])
    S.check(RING_S * 1000 - 100 <= gap <= RING_S * 1000 + 1500,
            f"Max rang the ring timeout ({RING_S} s) before the skip",
            f"{gap} ms")

    # each caller's events in order
    missed = [k for k, _ in WANT_MISSED]
    for k in list(CALLERS) + [CALLBACK]:
        mine = [(e["class"], e["type"]) for e in evs
                if e.get("call_id") == sc.cid.get(k)]
        if k == CALLBACK:   # only in the queue: no call of its own
            want = [("queue", "joined"), ("queue", "offered"),
                    ("queue", "left")]
        else:
            want = [("call", "new"), ("call", "answered"),
                    ("queue", "joined")]
        if k == 9:  # hung up: the call ends, so it leaves the queue
            want += [("call", "ended"), ("queue", "left")]
        elif k == CB:   # chose a callback: leaves, then we hang up
            want += [("queue", "left"), ("call", "ended")]
        elif k != CALLBACK:
            # each offer to a caller on the line brings the agent's
            # screen pop (the operator's stream sees every pop)
            want += [("queue", "offered"), ("queue", "pop"),
                     ("queue", "missed")] * missed.count(k)
            want += [("queue", "offered"), ("queue", "pop"),
                     ("call", "bridged"), ("queue", "left"),
                     ("call", "ended")]
        S.check(mine == want, f"caller {k}'s events in order: "
                + ", ".join(t for _, t in want), str(mine))
    # offers and misses: to whom, in order; each offer to an agent who
    # was available and is now ringing (his two last states)
    offers = [(k_of.get(e["call_id"]), e["agent_id"]) for e in queue
              if e["type"] == "offered"]
    want = [(k, E if a == "E" else M) for k, a in WANT_OFFERS]
    S.check(offers == want, "the stream: the offers (caller, agent), in "
            "order: FIFO, the VIP first, Max skipped for 5, rung for 6, "
            "the callback first to Max after his resume",
            f"got {offers} want {want}")
    misses = [(k_of.get(e["call_id"]), e["agent_id"]) for e in queue
              if e["type"] == "missed"]
    want = [(k, E if a == "E" else M) for k, a in WANT_MISSED]
    S.check(misses == want, "the stream: Max missed callers 5 and 6",
            f"got {misses} want {want}")
    bad = []
    for i, e in enumerate(evs):
        if e["class"] != "queue" or e["type"] != "offered":
            continue
        before = [x["state"] for x in evs[:i] if x["class"] == "agent"
                  and x["agent"]["id"] == e["agent_id"]][-2:]
        if before != ["available", "ringing"]:
            bad.append((k_of.get(e["call_id"]), e["agent_id"], before))
    S.check(not bad and offers, "every offer on the stream goes to an "
            "agent whose state was available (now ringing)", str(bad))
    # wait_ms: from the call's arrival (its "new") to its leaving; the
    # callback's from its caller's
    new = {e["call_id"]: e for e in evs if e["class"] == "call" and
           e["type"] == "new"}
    new[""] = new.get(sc.cid[CB])
    off = []
    for e in queue:
        if e["type"] == "left":
            d = ms_of(e["time"]) - ms_of(new[e["call_id"]]["time"])
            if abs(d - e["wait_ms"]) > 50:
                off.append((k_of.get(e["call_id"]), d, e["wait_ms"]))
    S.check(not off, "left.wait_ms is the wait from the call's arrival "
            f"(its \"new\" event; the callback's: caller {CB}'s), to "
            "50 ms", str(off))
    # the bridged events of the callers name the agent's device
    dev = {E: "device:1002", M: "device:1001"}
    br = [(k_of.get(e["call_id"]), e.get("target"))
          for e in evs if e["class"] == "call" and e["type"] == "bridged"
          and e["call_id"] in k_of]
    want = [(k, dev[E if k in WANT_TOOK["E"] else M]) for k in ANSWER_ORDER
            if k != CALLBACK]
    S.check(br == want, "the call events: each caller bridged to the "
            "agent's phone, in the order answered",
            f"got {br} want {want}")


def check_vip(sc, evs):
    """The VIP mark: on every event of C12's call (set at routing), not on
    C11's; in the INVITE of Erika's phone for C12 only."""
    def of(k, cls, type_):
        return [e for e in evs if e["class"] == cls and
                e["type"] == type_ and e.get("call_id") == sc.cid.get(k)]
    mark = {"name": VIP_NAME}
    j12, j11 = of(VIP, "queue", "joined"), of(11, "queue", "joined")
    S.check(len(j12) == 1 and j12[0].get("vip") == mark and
            len(j11) == 1 and "vip" not in j11[0],
            f"caller {VIP}'s joined event has vip {{name}} (position 1, "
            "before caller 11, who has none)", f"{j12} {j11}")
    marked = [(sc.k_of.get(e.get("call_id")), e["class"], e["type"])
              for e in evs if "vip" in e]
    # the mark is set when the call is routed (issue 17: the client's
    # caller lists decide at routing), so every event of the VIP's call
    # has it, from the call's first on
    # (the pop carries the VIP inside its document, not as the mark)
    want = [(sc.k_of.get(e.get("call_id")), e["class"], e["type"])
            for e in evs if sc.k_of.get(e.get("call_id")) == VIP and
            e["type"] != "pop"]
    S.check(marked == want and len(want) >= 6 and
            (VIP, "queue", "joined") in want and
            (VIP, "call", "bridged") in want,
            f"the stream: every event of caller {VIP}'s call carries vip, "
            "nobody else's", f"{marked} != {want}")
    got = sip_invites(sc.erika_log)
    want = [(CALLERS[k], [f"vip={VIP_NAME.replace(' ', '%20')}"]
             if k == VIP else []) for k in WANT_TOOK["E"]]
    S.check(got == want,
            "Erika's INVITEs, one per caller she took: caller "
            f"{VIP}'s alone with X-Switchboard-Collected: "
            f"vip={VIP_NAME.replace(' ', '%20')}",
            f"got {got} want {want}")


def check_callback(sc, evs):
    """The callback on the stream and in the records: its states, the
    agent's call and the customer's call through the trunk."""
    M = sc.max
    cbe = [e for e in evs if e["class"] == "queue" and
           e["type"] == "callback"]
    states = [e["state"] for i, e in enumerate(cbe)
              if not i or cbe[i - 1]["state"] != e["state"]]
    S.check({e["id"] for e in cbe} == {sc.cb_id} and
            states == ["requested", "calling", "completed"] and
            cbe[-1]["attempts"] == 1 and cbe[-1]["agent_id"] == M,
            "the stream's callback events: requested, calling, completed "
            "(1 attempt, Max), one request", json.dumps(cbe))
    sc.customer.wait(30)
    S.check(sc.customer.successful == 1,
            "the customer's call on the trunk ends with Max's hang-up "
            "(our BYE answered)",
            f"rc={sc.customer.rc} {sc.customer.errors()[-300:]}")
    st, c = sc.sb.api("GET", f"/api/v1/callbacks?queue_id={sc.queue}")
    S.check(st == 200 and [(x["id"], x["state"], x["attempts"],
                            x["agent_id"], x["number"]) for x in c] ==
            [(sc.cb_id, "completed", 1, M, CUSTOMER)],
            "GET /api/v1/callbacks?queue_id=: the one request, completed "
            f"after 1 attempt by Max, to {CUSTOMER}", f"{st} {c}")
    # the agent's call: placed to Max's phone, answered there, then
    # bridged to the customer through the trunk
    rec = [e["record_id"] for e in evs if e["class"] == "call" and
           e["type"] == "new" and e["direction"] == "outbound"]
    mine = [e for e in evs if e["class"] == "call" and
            e["record_id"] in rec[:1]]
    got = [(e["type"], e.get("caller") if e["type"] in
            ("answered", "bridged") else None,
            e.get("target") if e["type"] == "bridged" else None)
           for e in mine]
    S.check(len(rec) == 1 and got == [
        ("new", None, None), ("ringing", None, None),
        ("answered", "device:1001", None),
        ("bridged", "device:1001", "trunk:1"), ("ended", None, None)],
            "the callback's call on the stream: new, ringing, answered by "
            "Max's phone, bridged to the trunk, ended (the only outbound "
            "call)", str(got))
    st, calls = sc.sb.api("GET", f"/api/v1/calls?tenant_id={sc.tid}"
                          "&limit=100")
    mine = [x for x in calls or []
            if x.get("caller_leg") == f"callback:{sc.cb_id}"]
    S.check(st == 200 and len(mine) == 1 and
            mine[0]["callee_leg"] == "trunk:1" and
            mine[0]["to_number"] == CUSTOMER and
            mine[0]["disposition"] == "answered" and
            mine[0]["answered_at"] and mine[0]["ended_at"],
            "the callback's call record: caller callback:"
            f"{sc.cb_id}, to {CUSTOMER} through the trunk, answered, ended",
            f"{st} {mine}")


def check_audio(sc):
    """C3 joined while both agents were on a call: the all-busy notice
    right after the greeting; C1 found Erika free: no notice.  C13 heard
    that we will call back before the line ended."""
    law3, a3 = sc.cap.audio(dport=sc.cap_ports[3])
    greet = os.path.join(PROMPTS, "de", "please_hold.wav")
    busy = os.path.join(PROMPTS, "de", "queue_all_busy.wav")
    g, b = sc.prompt_s["please_hold"], sc.prompt_s["queue_all_busy"]
    first = a3[:int((g + 0.3) * 8000)]
    v = is_prompt(first, greet, law=law3, min_coverage=0.8)
    S.check(v, "caller 3 hears the greeting first", str(v))
    nxt = a3[int((g - 0.3) * 8000):int((g + b + 0.8) * 8000)]
    v = is_prompt(nxt, busy, law=law3, min_coverage=0.9)
    S.check(v, "caller 3 (both agents busy) hears the all-busy notice at "
            "once after the greeting (all of it, within "
            f"{g + b + 0.8:.1f} s of the answer)", str(v))
    law1, a1 = sc.cap.audio(dport=sc.cap_ports[1])
    v = is_prompt(a1, busy, law=law1 or "pcma") if len(a1) else None
    S.check(len(a1) > 0 and not v,
            "caller 1 (Erika free) hears no all-busy notice", str(v))
    law13, a13 = sc.cap.audio(dport=sc.cap_ports[CB])
    saved = os.path.join(PROMPTS, "de", "callback_saved.wav")
    # the last thing on the line: what we played before our BYE
    tail = a13[-int((sc.prompt_s["callback_saved"] + 0.5) * 8000):]
    v = is_prompt(tail, saved, law=law13 or "pcma", min_coverage=0.9)
    S.check(v, f"caller {CB} hears that we will call back, then the "
            "line ends", str(v))


def prompt_seconds():
    out = {}
    for n in ("please_hold", "queue_all_busy", "callback_saved"):
        rate, x = read_wav(os.path.join(PROMPTS, "de", n + ".wav"))
        out[n] = len(x) / rate
    return out


def setup(sb, tid, erika, max_):
    st, q = sb.api("POST", "/api/v1/queues",
                   {"tenant_id": tid, "name": "Hotline",
                    "strategy": "longest_idle", "ring_timeout": RING_S,
                    "wrapup": WRAPUP_S, "max_misses": MAX_MISSES,
                    "callback": True,
                    "members": [{"employee_id": erika},
                                {"employee_id": max_}]})
    S.check(st == 201 and q["callback"] is True,
            "a queue (longest idle, ring 5 s, wrap-up 3 s, 2 misses, "
            "callbacks offered) with Erika and Max: 201", f"{st} {q}")
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": NUMBER, "target_type": "queue",
                    "target_id": q["id"]})
    S.check(st == 201, "a number routed to the queue: 201", f"{st} {n}")
    # every port of 127.0.0.1 is the carrier: one sipp per caller
    st, t = sb.api("PATCH", "/api/v1/trunks/1", {"match_any_port": True})
    S.check(st == 200 and t["match_any_port"] is True,
            "the demo trunk takes calls from any port of 127.0.0.1",
            f"{st} {t}")
    st, v = sb.api("POST", "/api/v1/vips",
                   {"tenant_id": tid, "number": "030 10000" + f"{VIP:02d}",
                    "name": VIP_NAME})
    S.check(st == 201 and v["number"] == CALLERS[VIP],
            f"caller {VIP}'s number is a VIP (written nationally): 201",
            f"{st} {v}")
    return q["id"]


def main():
    t0 = time.time()
    # callers send no media: the RTP timeout outlasts the scenario
    sb = Switchboard(rtp_timeout=300).start()
    sc = None
    ws = None
    try:
        tid, _, erika = demo_ids(sb, "Erika")
        _, _, max_ = demo_ids(sb, "Max")
        queue = setup(sb, tid, erika, max_)
        sc = Scenario(sb, tid, erika, max_, queue, NUMBER, CALLERS)
        sc.prompt_s = prompt_seconds()
        srv = ("127.0.0.1", sb.sip_port)
        # Erika's phone traces SIP: the VIP mark in its INVITEs
        sc.phones[erika] = Baresip("1002", PW["1002"], server=srv,
                                   tone=1000, sip_trace=True)
        sc.phones[max_] = Baresip("1001", PW["1001"], server=srv, tone=800,
                                  auto_answer=False)
        for ph in sc.phones.values():
            ph.start()
        S.check(all(ph.wait_registered(10) for ph in sc.phones.values()),
                "Erika's (answers by itself) and Max's (by hand) phones "
                "register")
        sc.marks = {e: ph.mark() for e, ph in sc.phones.items()}
        ws = WsClient(sb.http_port, token=sb.token,
                      query=f"tenant_id={tid}")
        S.check(ws.connect() == 101, "the event stream: 101")
        sc.reader = Reader(ws)
        sc.reader.start()
        # the callers whose audio is judged: their media ports
        sc.cap = RtpCapture((40000, 65535),
                            bpf=f"udp and src portrange {RTP_MIN}-{RTP_MAX}")
        sc.cap.start()
        try:
            S.run(script, sc)
        finally:
            sc.cap.stop()
            sc.erika_log = sc.phones[erika].log()
        # every caller's sipp ends by itself (our BYE, or its own)
        for k, s in sorted(sc.callers.items()):
            s.wait(20)
        ok = [k for k, s in sorted(sc.callers.items()) if s.successful == 1]
        S.check(ok == list(CALLERS),
                f"all {len(CALLERS)} sipp callers completed their scenario "
                "(11 talked until the agent hung up, 1 gave up, 1 asked "
                "for a callback)",
                str({k: (s.rc, s.successful, s.failed)
                     for k, s in sc.callers.items()}))
        time.sleep(0.3)
        evs = sc.reader.finish()
        S.check(sc.reader.error is None, "the stream stayed open",
                repr(sc.reader.error))
        if DEBUG:
            for e in evs:
                print("EV", json.dumps(e))
        print("expected statistics: " +
              json.dumps(expected_stats(evs, sc.k_of, (CB,))), flush=True)
        S.run(check_all, sc, evs)
        S.run(check_vip, sc, evs)
        S.run(check_callback, sc, evs)
        S.run(check_audio, sc)
        S.run(check_stats, sb, sc, evs)
        st, calls = sb.api("GET", f"/api/v1/calls?tenant_id={tid}&limit=100")
        mine = {c["sip_call_id"]: c for c in calls or []
                if c["to_number"] == NUMBER}
        legs = {k: (mine.get(sc.cid.get(k)) or {}).get("callee_leg")
                for k in CALLERS}
        want = {k: ("device:1002" if k in WANT_TOOK["E"] else
                    "device:1001" if k in WANT_TOOK["M"] else "queue")
                for k in CALLERS}
        S.check(st == 200 and legs == want,
                "the call records: each answered caller's callee is the "
                "agent's phone, the abandoned one's and the one who asked "
                "for a callback the queue", f"{st} {legs}")
        for emp, calls_n in ((erika, 7), (max_, 5)):
            st, a = sb.api("GET", f"/api/v1/agents/{emp}")
            S.check(st == 200 and a["state"] == "available" and
                    a["calls"] == calls_n and a["misses"] == 0,
                    f"agent {a.get('name')}: available, {calls_n} queue "
                    "calls (Max's with the callback), no misses in a row",
                    f"{st} {a}")
        S.check(sb.alive(), "the server is alive after the scenario")
    finally:
        if sc:
            for s in sc.callers.values():
                s.stop()
                s.cleanup()
            if getattr(sc, "customer", None):
                sc.customer.stop()
                sc.customer.cleanup()
            for ph in sc.phones.values():
                ph.stop()
            if sc.cap:
                sc.cap.cleanup()
        if ws:
            ws.abort()
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    print(f"scenario took {time.time() - t0:.1f} s", flush=True)
    S.finish()


if __name__ == "__main__":
    main()
