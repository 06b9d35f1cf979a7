#!/usr/bin/python3
"""The end-to-end scenario of issue 15 (hotline queues, ACD) with real
peers: 10 sipp callers from the trunk (each its own number, From
+49301000001 .. +49301000010), 2 baresip agents (Erika's phone 1002
answers by itself; Max's phone 1001 answers by hand: the suite accepts a
call, or lets it ring), one queue (longest idle, ring 5 s, wrap-up 3 s,
paused after 2 misses), and a WebSocket client of /api/v1/events that
reads the whole scenario.

Every step waits for what the server says (events, phone events), never
for a time; the only timed things are the server's own (ring timeout,
wrap-up) and the abandoning caller's patience (2 s, while both agents are
surely busy).  The script (who arrives when, who answers whom):

  A  both log in (Erika first: she is idle longest)
     C1 -> Erika; C2 -> Max (accepts); C3 arrives: both busy, hears the
     all-busy notice right after the greeting; C4 waits behind C3
     Erika hangs up C1: wrap-up 3 s, then C3 -> Erika (not C4: FIFO);
     Max hangs up C2: wrap-up, then C4 -> Max
  B  Max hangs up C4, then Erika C3 (Max is now idle longest); Max lets
     every call ring from here
     C5 -> Max, not answered in 5 s (miss 1): skipped, C5 -> Erika
     C6 -> Max, not answered (miss 2): Max paused "no answer"; C6 waits
     C7 arrives (all busy) and waits; Erika hangs up C5: C6 -> Erika
  C  C8 and C9 arrive and wait; C9 gives up after 2 s (abandoned)
     Max resumes (API unpause) and answers again: C7 -> Max
     C10 arrives, waits behind C8; Erika hangs up C6: C8 -> Erika;
     Max hangs up C7: C10 -> Max; both hang up, both available again

Checks (from the agents' phones, the sipp callers, the event stream and
the API): who answered whom in exactly that order (FIFO); the offers and
misses (caller, agent) in order, every offer to an agent whose last state
was available; each agent's states exactly as scripted; no offer within
the wrap-up; Max skipped and paused after the 2 misses; the all-busy
notice at once (the audio C3 received); each caller's events in order
(new, answered, joined, [offered, missed,] offered, bridged, left,
ended); the stream's seq without a gap; wait_ms as the call's wait since
arrival; positions; the call records; every sipp caller done.

The queue's statistics (GET /api/v1/queues/:id/stats) equal this script
exactly (check_stats: expected_stats() from the event stream).  Blocks
to come (marked "BLOCK VIP", "BLOCK CALLBACK"): VIP callers first (the vip
suite checks the order on its own), a callback to a typed number keeping
its place.
"""
import calendar
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, PROMPTS, demo_ids, Suite, Switchboard  # noqa: E402
from peers import Baresip, RtpCapture, Sipp, wait_for  # noqa: E402
from audio import is_prompt, read_wav  # noqa: E402
from ws import WsClient  # noqa: E402

S = Suite("queue_scenario")
PW = DEMO["devices"]
NUMBER = "+4922182829961"
CALLERS = {k: f"+493010000{k:02d}" for k in range(1, 11)}
RING_S, WRAPUP_S, MAX_MISSES = 5, 3, 2
ABANDON_MS = 2000
# a wrap-up ends at the queue's next tick: its end plus TICK_GRACE (1 s,
# src/acd/queue.c), so 3.0-4.0 s here; 1 s more for a loaded machine
WRAPUP_SLACK_MS = 2000
DEBUG = os.environ.get("SCENARIO_DEBUG")


def ms_of(iso):
    """Event time "2026-12-06T03:08:48.806Z" -> ms since the epoch."""
    base, frac = iso.rstrip("Z").split(".")
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) \
        * 1000 + int(frac)


class Reader(threading.Thread):
    """Reads the event stream in the background (answering pings)."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.c = client
        self.events = []
        self.error = None
        self.stop = False

    def run(self):
        import socket
        while not self.stop:
            try:
                self.events.append(self.c.event(0.2))
            except socket.timeout:
                continue
            except Exception as e:  # noqa: BLE001 - reported by the test
                self.error = e
                return

    def finish(self):
        self.stop = True
        self.join(5)
        return self.events


class Scenario:
    """The server, the agents' phones, the callers and the event stream,
    with the waits the script is made of."""

    def __init__(self, sb, tid, erika, max_, queue):
        self.sb = sb
        self.tid = tid
        self.erika, self.max = erika, max_
        self.queue = queue
        self.reader = None
        self.phones = {}    # employee id -> Baresip
        self.callers = {}   # k -> Sipp
        self.cid = {}       # k -> the caller's SIP Call-ID
        self.k_of = {}      # Call-ID -> k
        self.took = {}      # k -> employee id who answered (phones)
        self.cap = None
        self.t_start = time.time()

    # --- the event stream ---------------------------------------------
    def evs(self):
        return self.reader.events

    def wait_ev(self, pred, what, timeout=20, since=0):
        """The first event at index >= since matching pred: (i, event)."""
        found = []

        def look():
            if self.reader.error:
                raise RuntimeError(f"event stream: {self.reader.error!r}")
            evs = self.evs()
            for i in range(since, len(evs)):
                if pred(evs[i]):
                    found.append((i, evs[i]))
                    return True
            return False
        wait_for(look, timeout, what,
                 lambda: f"last events: {self.evs()[-5:]}")
        return found[0]

    def agent_state(self, emp, state, since=0, timeout=20):
        return self.wait_ev(
            lambda e: e["class"] == "agent" and e["agent"]["id"] == emp
            and e["state"] == state,
            f"agent {emp} {state}", timeout, since)

    def left(self, k, reason, timeout=30):
        return self.wait_ev(
            lambda e: e["class"] == "queue" and e["type"] == "left" and
            e["call_id"] == self.cid.get(k) and e["reason"] == reason,
            f"caller {k} left the queue ({reason})", timeout)

    # --- callers ---------------------------------------------------------
    def arrive(self, k, abandon_ms=None, capture=False):
        """Caller k calls the queue; returns once it joined (its event)."""
        kw = dict(remote=("127.0.0.1", self.sb.sip_port), service=NUMBER,
                  keys={"caller": CALLERS[k]}, timeout_s=150,
                  recv_timeout_ms=140000)
        if abandon_ms:
            s = Sipp("uac_queue_abandon", duration_ms=abandon_ms, **kw)
        else:
            s = Sipp("uac_queue_caller", **kw)
        self.callers[k] = s
        if capture:
            self.cap_ports[k] = s.media_port
        mark = len(self.evs())
        s.start()
        _, new = self.wait_ev(
            lambda e: e["class"] == "call" and e["type"] == "new" and
            e["from"] == CALLERS[k], f"caller {k}'s call", 15, mark)
        self.cid[k] = new["call_id"]
        self.k_of[new["call_id"]] = k
        self.wait_ev(lambda e: e["class"] == "queue" and
                     e["type"] == "joined" and
                     e["call_id"] == new["call_id"],
                     f"caller {k} joined the queue", 15, mark)

    # --- agents ----------------------------------------------------------
    def answers(self, emp, k, by_hand=False, timeout=25):
        """Agent emp's phone rings with caller k and (by hand: accepted)
        is connected; checks the phone saw k's number."""
        ph = self.phones[emp]
        ev = None
        if by_hand:
            ev = ph.wait_event("CALL_INCOMING", timeout,
                               since=self.marks[emp])
            if ev is None:
                raise RuntimeError(f"agent {emp}: no call (for caller {k})")
            self.marks[emp] = ph.mark()
            ph.accept()
        est = ph.wait_event("CALL_ESTABLISHED", timeout,
                            since=self.marks[emp])
        if est is None:
            raise RuntimeError(f"agent {emp}: not connected to caller {k}")
        self.marks[emp] = ph.mark()
        peer = (est or {}).get("peeruri", "") + " " + \
            (ev or {}).get("peeruri", "")
        got = [n for n, num in CALLERS.items() if f":{num}@" in peer]
        self.took.setdefault(emp, []).append(got[0] if got else peer)
        self.left(k, "answered")
        return got

    def lets_ring(self, emp, timeout=25):
        """Agent emp's phone rings and nobody takes it."""
        ph = self.phones[emp]
        ev = ph.wait_event("CALL_INCOMING", timeout, since=self.marks[emp])
        if ev is None:
            raise RuntimeError(f"agent {emp}: no call to let ring")
        self.marks[emp] = ph.mark()

    def hangs_up(self, emp):
        """Agent emp ends his call: the caller gets our BYE; waits for
        the wrap-up."""
        mark = len(self.evs())
        self.phones[emp].hangup()
        self.agent_state(emp, "wrapup", mark)

    def act(self, emp, action):
        st, a = self.sb.api("POST", f"/api/v1/agents/{emp}/state",
                            {"action": action})
        if st != 200:
            raise RuntimeError(f"agent {emp} {action}: {st} {a}")
        return a


def expected_stats(events, k_of, service_level_s=20):
    """What the queue's statistics must say for this scenario (one hour
    bucket, unless the run crosses an hour), computed from the event
    stream: offered (joined), answered, abandoned (and the time to
    abandon), in service level (answered within service_level_s of the
    call's arrival), the answered waits from the arrival at our server
    (for the average speed of answer, p50, p90, the longest wait), and
    the handle times (answer -> the agent's wrap-up, the call's end).
    For BLOCK STATS: compare with the API field by field; percentiles and
    rounding follow the stats API's documented rule (the waits are given
    sorted so that any rule can be applied)."""
    queue = [e for e in events if e["class"] == "queue"]
    ans = [e for e in queue if e["type"] == "left" and
           e["reason"] == "answered"]
    ab = [e for e in queue if e["type"] == "left" and
          e["reason"] == "abandoned"]
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
        "answered": len(ans), "abandoned": len(ab),
        "abandon_wait_ms": [e["wait_ms"] for e in ab],
        "in_service_level": sum(1 for w in waits
                                if w <= service_level_s * 1000),
        "answered_wait_ms": waits,
        "asa_ms": round(sum(waits) / len(waits)) if waits else None,
        "longest_wait_ms": waits[-1] if waits else None,
        "handle_ms": handle,
        "by_caller": {k_of.get(e["call_id"]): e["wait_ms"]
                      for e in ans + ab},
    }


def check_stats(sb, sc, evs):
    """The queue's statistics (GET /api/v1/queues/:id/stats, the day
    total of the Berlin days of the run: a new queue, so only this
    scenario) equal what the event stream shows, field by field, with the
    API's documented rules: waits from the arrival at our server over the
    callers who waited and left (answered and abandoned), percentiles by
    nearest rank, means rounded half up, service level 1000 x answered
    within 20 s / (answered + abandoned), handle = talk time."""
    want = expected_stats(evs, sc.k_of)
    from datetime import datetime
    from zoneinfo import ZoneInfo
    berlin = ZoneInfo("Europe/Berlin")
    day0 = datetime.fromtimestamp(ms_of(evs[0]["time"]) / 1000,
                                  berlin).strftime("%Y-%m-%d")
    day1 = datetime.now(berlin).strftime("%Y-%m-%d")
    st, r = sb.api("GET", f"/api/v1/queues/{sc.queue}/stats"
                   f"?from={day0}&to={day1}")
    tot = (r or {}).get("total", {})
    waits = sorted(want["answered_wait_ms"] + want["abandon_wait_ms"])

    def rank(p):
        return waits[(p * len(waits) + 99) // 100 - 1]

    def half_up(s, n):
        return (2 * s + n) // (2 * n)

    n_ans, n_ab = want["answered"], want["abandoned"]
    exact = {
        "offered": 10, "answered": 9, "abandoned": 1,
        "answered_within_sl": want["in_service_level"],
        "service_level_permille": half_up(1000 * want["in_service_level"],
                                          n_ans + n_ab),
        "abandoned_avg_ms": want["abandon_wait_ms"][0],
        "asa_ms": half_up(sum(want["answered_wait_ms"]), n_ans),
        "wait_p50_ms": rank(50), "wait_p90_ms": rank(90),
        "longest_wait_ms": waits[-1],
        "timeouts": 0, "full": 0, "no_agents": 0, "closed": 0,
        "voicemail": 0, "callback": 0, "waiting": 0,
        "callbacks_requested": 0, "callbacks_completed": 0,
    }
    got = {k: tot.get(k) for k in exact}
    S.check(st == 200 and n_ans == 9 and n_ab == 1 and got == exact,
            "the queue's statistics equal the scenario: offered 10, "
            "answered 9, abandoned 1, service level, ASA from the arrival, "
            "p50/p90/longest wait, all exactly as the stream shows",
            f"{st} got {got} want {exact}")
    aht = half_up(sum(want["handle_ms"]), len(want["handle_ms"]))
    S.check(len(want["handle_ms"]) == 9 and tot.get("aht_ms") is not None
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
    # BLOCK VIP (self-contained here: Erika on C3, Max on C4): C11 (a
    # normal number) arrives (position 1), then C12, a VIP number of the
    # queue: joined at position 1 (and vip true on the event), C11 moves
    # to 2; Erika hangs up C3: C12 -> Erika (offered first); Max hangs
    # up C4: C11 -> Max.  Phase B then starts as it does (Max hangs up
    # C11, Erika C12).  Extend CALLERS to 12; the tables below change:
    # WANT_TOOK (E +12, M +11), ANSWER_ORDER (..., 4, 12, 11, 5, ...),
    # WANT_OFFERS, WANT_POSITIONS (+1, 1), WANT_STATES (one CALL more
    # each), "joined in order 1..N", the agents' call counts (6, 5); the
    # VIP header on Erika's INVITE: Baresip(sip_trace=True), ph.log().
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
    # C: an abandoning caller, Max back
    sc.arrive(8)
    sc.arrive(9, abandon_ms=ABANDON_MS)
    sc.left(9, "abandoned")
    # BLOCK CALLBACK (here: Erika on C6, Max paused, C7 and C8 wait):
    # caller CB arrives (position 3), presses 3 in the all-busy notice
    # (the queue needs "callback": true), types another number and #,
    # hears it read back, confirms with 1 (sipp INFO dtmf-relay, as in
    # uac_collect_info.xml, timed after the notice); its line ends, the
    # callback keeps its place (behind C8, before C10).  After Max's
    # resume (C7) and Erika's C8, the next agent free is connected first
    # (his phone rings with the callback), then the typed number is
    # called through the trunk: a sipp uas_answer on sb.trunk_port (the
    # trunk's port; match_any_port keeps inbound working) answers, its
    # logs() show RURI_USER = the typed number in E.164.  C10 then goes
    # to the other agent.  Tables: WANT_TOOK, ANSWER_ORDER, WANT_OFFERS,
    # WANT_POSITIONS, WANT_STATES, the callback's events (planned
    # callback events), the sipp checks (CB ends by our BYE).
    sc.act(M, "unpause")
    sc.answers(M, 7, by_hand=True)
    sc.arrive(10)
    sc.hangs_up(E)
    sc.answers(E, 8)
    sc.hangs_up(M)
    sc.answers(M, 10, by_hand=True)
    mark = len(sc.evs())
    sc.hangs_up(E)
    sc.hangs_up(M)
    sc.agent_state(M, "available", mark)
    sc.agent_state(E, "available", mark)


# The agents' states, exactly, as the script makes them (login first).
CALL = ["ringing", "on_call", "wrapup", "available"]
WANT_STATES = {
    "E": ["available"] + CALL * 5,
    "M": ["available"] + CALL * 2 + ["ringing", "available",
                                     "ringing", "paused", "available"]
    + CALL * 2,
}
WANT_TOOK = {"E": [1, 3, 5, 6, 8], "M": [2, 4, 7, 10]}
ANSWER_ORDER = [1, 2, 3, 4, 5, 6, 7, 8, 10]
WANT_OFFERS = [(1, "E"), (2, "M"), (3, "E"), (4, "M"), (5, "M"), (5, "E"),
               (6, "M"), (6, "E"), (7, "M"), (8, "E"), (10, "M")]
WANT_MISSED = [(5, "M"), (6, "M")]
# where each caller joined (1: next): C4 behind C3, C7 behind C6, C8
# behind C7, C9 behind C7 and C8, C10 behind C8
WANT_POSITIONS = [1, 1, 1, 2, 1, 1, 2, 2, 3, 2]


def check_all(sc, evs):
    E, M = sc.erika, sc.max
    name = {E: "Erika", M: "Max"}
    S.check([e["seq"] for e in evs] == list(range(1, len(evs) + 1)),
            f"the stream: seq 1..{len(evs)} without a gap",
            str([e["seq"] for e in evs][:20]))

    # who answered whom, from the phones
    S.check(sc.took.get(E) == WANT_TOOK["E"],
            "Erika's phone got callers 1, 3, 5, 6, 8, in this order",
            str(sc.took.get(E)))
    S.check(sc.took.get(M) == WANT_TOOK["M"],
            "Max's phone got callers 2, 4, 7, 10, in this order",
            str(sc.took.get(M)))

    # FIFO from the stream: joined in order 1..10, answered in arrival
    # order, each by the agent the phones say
    joined = [sc.k_of.get(e["call_id"]) for e in evs
              if e["class"] == "queue" and e["type"] == "joined"]
    S.check(joined == list(range(1, 11)),
            "the stream: callers 1..10 joined in this order", str(joined))
    ans = [(sc.k_of.get(e["call_id"]), e["agent_id"]) for e in evs
           if e["class"] == "queue" and e["type"] == "left" and
           e["reason"] == "answered"]
    want = [(k, E if k in WANT_TOOK["E"] else M) for k in ANSWER_ORDER]
    S.check(ans == want,
            "the stream: answered in arrival order (FIFO), caller 9 "
            "(abandoned) left out, each by the agent whose phone took it",
            f"got {ans} want {want}")
    ab = [(sc.k_of.get(e["call_id"]), e["agent_id"]) for e in evs
          if e["class"] == "queue" and e["type"] == "left" and
          e["reason"] != "answered"]
    S.check(ab == [(9, None)], "the stream: caller 9 left abandoned, "
            "nobody else left unanswered", str(ab))
    w9 = [e["wait_ms"] for e in evs if e["class"] == "queue" and
          e["type"] == "left" and sc.k_of.get(e["call_id"]) == 9]
    S.check(len(w9) == 1 and ABANDON_MS <= w9[0] <= ABANDON_MS + 500,
            f"caller 9 gave up after its {ABANDON_MS} ms of patience "
            "(wait_ms, to +500 ms)", str(w9))
    pos = [e["position"] for e in evs
           if e["class"] == "queue" and e["type"] == "joined"]
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
          e["type"] == "joined" and sc.k_of.get(e["call_id"]) == 5][0]
    j5 = [i for i, e in enumerate(evs) if e["class"] == "queue" and
          e["type"] == "left" and sc.k_of.get(e["call_id"]) == 5][0]
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
    for k in range(1, 11):
        cid = sc.cid.get(k)
        mine = [(e["class"], e["type"]) for e in evs
                if e.get("call_id") == cid]
        want = [("call", "new"), ("call", "answered"), ("queue", "joined")]
        if k == 9:  # hung up: the call ends, so it leaves the queue
            want += [("call", "ended"), ("queue", "left")]
        else:
            want += [("queue", "offered"), ("queue", "missed")] * \
                [k for k, _ in WANT_MISSED].count(k)
            want += [("queue", "offered"), ("call", "bridged"),
                     ("queue", "left"), ("call", "ended")]
        S.check(mine == want, f"caller {k}'s events in order: "
                + ", ".join(t for _, t in want), str(mine))
    # offers and misses: to whom, in order; each offer to an agent who
    # was available and is now ringing (his two last states)
    offers = [(sc.k_of.get(e["call_id"]), e["agent_id"]) for e in evs
              if e["class"] == "queue" and e["type"] == "offered"]
    want = [(k, E if a == "E" else M) for k, a in WANT_OFFERS]
    S.check(offers == want, "the stream: the offers (caller, agent), in "
            "order: the FIFO order, Max skipped for 5, rung for 6",
            f"got {offers} want {want}")
    misses = [(sc.k_of.get(e["call_id"]), e["agent_id"]) for e in evs
              if e["class"] == "queue" and e["type"] == "missed"]
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
            bad.append((sc.k_of.get(e["call_id"]), e["agent_id"], before))
    S.check(not bad and offers, "every offer on the stream goes to an "
            "agent whose state was available (now ringing)", str(bad))
    # wait_ms: from the call's arrival (its "new") to its leaving
    off = []
    for e in evs:
        if e["class"] == "queue" and e["type"] == "left":
            new = [x for x in evs if x.get("call_id") == e["call_id"] and
                   x["type"] == "new"][0]
            d = ms_of(e["time"]) - ms_of(new["time"])
            if abs(d - e["wait_ms"]) > 50:
                off.append((sc.k_of.get(e["call_id"]), d, e["wait_ms"]))
    S.check(not off, "left.wait_ms is the wait from the call's arrival "
            "(its \"new\" event), to 50 ms", str(off))
    # the bridged events name the agent's device
    dev = {E: "device:1002", M: "device:1001"}
    br = [(sc.k_of.get(e["call_id"]), e.get("target"))
          for e in evs if e["class"] == "call" and e["type"] == "bridged"]
    want = [(k, dev[E if k in WANT_TOOK["E"] else M]) for k in ANSWER_ORDER]
    S.check(br == want, "the call events: each caller bridged to the "
            "agent's phone, in arrival order", f"got {br} want {want}")


def check_audio(sc):
    """C3 joined while both agents were on a call: the all-busy notice
    right after the greeting; C1 found Erika free: no notice."""
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


def prompt_seconds():
    out = {}
    for n in ("please_hold", "queue_all_busy"):
        rate, x = read_wav(os.path.join(PROMPTS, "de", n + ".wav"))
        out[n] = len(x) / rate
    return out


def setup(sb, tid, erika, max_):
    st, q = sb.api("POST", "/api/v1/queues",
                   {"tenant_id": tid, "name": "Hotline",
                    "strategy": "longest_idle", "ring_timeout": RING_S,
                    "wrapup": WRAPUP_S, "max_misses": MAX_MISSES,
                    "members": [{"employee_id": erika},
                                {"employee_id": max_}]})
    S.check(st == 201, "a queue (longest idle, ring 5 s, wrap-up 3 s, "
            "2 misses) with Erika and Max: 201", f"{st} {q}")
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": NUMBER, "target_type": "queue",
                    "target_id": q["id"]})
    S.check(st == 201, "a number routed to the queue: 201", f"{st} {n}")
    # every port of 127.0.0.1 is the carrier: one sipp per caller
    st, t = sb.api("PATCH", "/api/v1/trunks/1", {"match_any_port": True})
    S.check(st == 200 and t["match_any_port"] is True,
            "the demo trunk takes calls from any port of 127.0.0.1",
            f"{st} {t}")
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
        sc = Scenario(sb, tid, erika, max_, queue)
        sc.prompt_s = prompt_seconds()
        srv = ("127.0.0.1", sb.sip_port)
        sc.phones[erika] = Baresip("1002", PW["1002"], server=srv,
                                   tone=1000)
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
        # the two callers whose audio is judged: their media ports
        sc.cap_ports = {}
        sc.cap = RtpCapture((40000, 65535),
                            bpf="udp and src portrange 40000-49999")
        sc.cap.start()
        try:
            S.run(script, sc)
        finally:
            sc.cap.stop()
        # every caller's sipp ends by itself (our BYE, or its own)
        for k, s in sorted(sc.callers.items()):
            s.wait(20)
        ok = [k for k, s in sorted(sc.callers.items()) if s.successful == 1]
        S.check(ok == list(range(1, 11)),
                "all 10 sipp callers completed their scenario (9 talked "
                "until the agent hung up, 1 gave up)",
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
              json.dumps(expected_stats(evs, sc.k_of)), flush=True)
        S.run(check_all, sc, evs)
        S.run(check_audio, sc)
        S.run(check_stats, sb, sc, evs)
        st, calls = sb.api("GET", f"/api/v1/calls?tenant_id={tid}&limit=100")
        mine = {c["sip_call_id"]: c for c in calls or []
                if c["to_number"] == NUMBER}
        legs = {k: (mine.get(sc.cid.get(k)) or {}).get("callee_leg")
                for k in range(1, 11)}
        want = {k: ("device:1002" if k in WANT_TOOK["E"] else
                    "device:1001" if k in WANT_TOOK["M"] else "queue")
                for k in range(1, 11)}
        S.check(st == 200 and legs == want,
                "the call records: each answered caller's callee is the "
                "agent's phone, the abandoned one's the queue",
                f"{st} {legs}")
        for emp, calls_n in ((erika, 5), (max_, 4)):
            st, a = sb.api("GET", f"/api/v1/agents/{emp}")
            S.check(st == 200 and a["state"] == "available" and
                    a["calls"] == calls_n and a["misses"] == 0,
                    f"agent {a.get('name')}: available, {calls_n} queue "
                    "calls, no misses in a row", f"{st} {a}")
        S.check(sb.alive(), "the server is alive after the scenario")
    finally:
        if sc:
            for s in sc.callers.values():
                s.stop()
                s.cleanup()
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
