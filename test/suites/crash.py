#!/usr/bin/env python3
"""crash.py - kill -9 with calls up: nothing accepted is lost, and the calls
that were live are closed at their last sign of life, not at the restart.

Switchboard runs with a heartbeat every second (--heartbeat-interval 1).
sipp plays a carrier calling the announcement number (6.3 s prompt) and two
baresip phones talk to each other.  The daemon is killed with SIGKILL while
those calls are up, left dead for 8 s and started again on the same data
directory.  Then every record must be closed: the completed ones exactly as
before, the cut ones as node_failure with their end within one heartbeat of
the kill (never at the restart, never before their answer).

A second and third daemon (--node-id node2 / node3) share the database
file (SQLite WAL, two processes) to check what happens to the calls of a
node that never comes back: the operator's close_calls command (refused for
the node itself and, without force, for a node that still beats) and the
automatic close by node1 once node3 has been silent for --node-stale-after.
"""
import os
import re
import signal
import sys
import time
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard  # noqa: E402
from peers import Baresip, Sipp, wait_for  # noqa: E402

S = Suite("crash")
PW = DEMO["devices"]
HB = 1.0      # [s] --heartbeat-interval of every daemon here
STALE = 8     # [s] --node-stale-after: the operator's window with node2
SLACK = 0.5   # [s] a loaded sanitizer build may run a tick this late
DOWN = 8      # [s] node1 stays dead this long


def ms_of(iso):
    """Seconds since the epoch of an API time, or None."""
    if not iso:
        return None
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def msec(iso):
    """Whole milliseconds of an API time (exact comparisons), or None."""
    t = ms_of(iso)
    return None if t is None else round(t * 1000)


def all_calls(sb):
    st, body = sb.api("GET", "/api/v1/calls?limit=1000")
    if st != 200 or not isinstance(body, list):
        raise RuntimeError(f"GET /api/v1/calls: {st} {body}")
    return body


def node(sb, node_id):
    st, body = sb.api("GET", f"/api/v1/nodes/{node_id}")
    if st != 200:
        raise RuntimeError(f"GET /api/v1/nodes/{node_id}: {st} {body}")
    return body


def announcement_load(sb, node_sb, calls, rate):
    """sipp as the carrier (the demo trunk's address) calling the
    announcement number on node_sb, in the background."""
    return Sipp("uac_announcement", remote=("127.0.0.1", node_sb.sip_port),
                local_port=sb.trunk_port, service=DEMO["announcement"],
                calls=calls, rate=rate, timeout_s=60, trace=False,
                recv_timeout_ms=20000).start()


def live_answered(sb, node_id):
    return [c for c in all_calls(sb) if c["node_id"] == node_id
            and not c["ended_at"] and c["answered_at"]]


def wait_live(sb, node_id, n, timeout=15):
    """Wait until node_id has exactly n answered live calls; returns them
    (what there is on timeout)."""
    deadline = time.time() + timeout
    live = []
    while time.time() < deadline:
        live = live_answered(sb, node_id)
        if len(live) >= n:
            break
        time.sleep(0.1)
    return live


def wait_beats(sb, node_id, after_ms, beats=2):
    """Wait until node_id's heartbeat is at least `beats` intervals after
    after_ms (so that those calls have had signs of life)."""
    want = after_ms + round((beats - 0.5) * HB * 1000)
    return wait_for(lambda: (msec(node(sb, node_id)["heartbeat_at"]) or 0)
                    >= want, 10 + beats * HB,
                    f"{beats} heartbeats of {node_id}")


def kill9(sb):
    """SIGKILL; returns the moment [s] between sending it and its death."""
    t0 = time.time()
    sb.proc.send_signal(signal.SIGKILL)
    sb.proc.wait()
    t1 = time.time()
    sb.log.close()
    return (t0 + t1) / 2, t1 - t0


def common_end(recs):
    """The node's last heartbeat as the cut records show it: the end most
    of them share (every call answered before that beat ends there)."""
    ends = [msec(c["ended_at"]) for c in recs if c["ended_at"]]
    return max(set(ends), key=ends.count) if ends else None


def check_cut(recs, kill_t, what, ids, hb_ms):
    """recs are exactly the calls ids, each closed as node_failure by the
    documented rule ended_at = max(started_at, answered_at, heartbeat)
    with heartbeat = hb_ms, and that heartbeat lies within one interval
    (plus SLACK) before the kill."""
    got = {c["id"] for c in recs}
    S.check(got == set(ids), f"{what}: exactly the {len(ids)} calls live "
            "at the kill are closed", f"extra {sorted(got - set(ids))[:5]}"
            f" missing {sorted(set(ids) - got)[:5]}")
    kill_ms = round(kill_t * 1000)
    S.check(hb_ms is not None and
            kill_ms - (HB + SLACK) * 1000 <= hb_ms <= kill_ms + 50,
            f"{what}: the last heartbeat is within {HB:g} s before the kill",
            f"{None if hb_ms is None else (kill_ms - hb_ms)} ms before")
    bad = []
    for c in recs:
        start, ans, end = (msec(c["started_at"]), msec(c["answered_at"]),
                           msec(c["ended_at"]))
        want = max(start, ans or 0, hb_ms or 0)
        if (c["disposition"] != "node_failure" or c["ended_by"] != "system"
                or c["sip_code"] is not None or ans is None or end != want):
            bad.append((c["id"], c["disposition"], c["ended_by"],
                        c["sip_code"], c["answered_at"], c["ended_at"],
                        f"want end {want}"))
    S.check(recs and not bad, f"{what}: {len(recs)} calls closed as "
            "node_failure/system at max(started, answered, last heartbeat)",
            str(bad[:5]))


def stop_phones(*phones):
    for p in phones:
        try:
            p.stop()
        except Exception:  # noqa: BLE001 - best effort
            pass


CALL_FIELDS = {"id", "tenant_id", "node_id", "sip_call_id", "direction",
               "from_number", "to_number", "forwarded_from", "caller_leg",
               "callee_leg",
               "started_at", "answered_at", "ended_at", "disposition",
               "sip_code", "ended_by", "collected"}
LOAD = 40    # announcement calls up at the kill of node1 (6.3 s prompt)


def test_restart_after_kill(sb):
    """node1 killed under load, restarted on the same data dir 8 s later."""
    # completed calls first: their records must not change
    done = Sipp("uac_announcement", remote=("127.0.0.1", sb.sip_port),
                local_port=sb.trunk_port, service=DEMO["announcement"],
                calls=5, rate=5, timeout_s=60, trace=False,
                recv_timeout_ms=20000).run()
    S.check(done.successful == 5 and done.failed == 0,
            "5 announcement calls complete before",
            f"ok={done.successful} failed={done.failed}")
    before = {c["id"]: c for c in all_calls(sb)}
    bad = [c for c in before.values()
           if not (c["disposition"] == "answered" and c["sip_code"] == 200
                   and c["ended_by"] == "system" and c["node_id"] == "node1"
                   and c["to_number"] == DEMO["announcement"]
                   and c["callee_leg"] == "announcement"
                   and c["caller_leg"] == "trunk:1"
                   and c["answered_at"] and c["ended_at"])]
    S.check(len(before) == 5 and not bad, "exactly 5 records, each "
            "answered/200, ended by the system, trunk:1 -> announcement",
            f"{len(before)} records, bad: {bad[:2]}")

    a = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port), tone=440)
    b = Baresip("1002", PW["1002"], server=("127.0.0.1", sb.sip_port), tone=1000)
    load = None
    try:
        a.start()
        b.start()
        S.check(a.wait_registered(10) and b.wait_registered(10),
                "two phones register")
        st, regs = sb.api("GET", "/api/v1/registrations")
        regs_before = sorted(r["device_id"] for r in regs or [])
        S.check(st == 200 and len(regs_before) == 2,
                "two bindings before the kill", f"{st} {regs}")
        a.dial(f"sip:1002@127.0.0.1:{sb.sip_port}")
        S.check(a.wait_event("CALL_ESTABLISHED", 10) is not None and
                b.wait_event("CALL_ESTABLISHED", 10) is not None,
                "1001 calls 1002, both sides established")
        phone = wait_for(lambda: live_answered(sb, "node1"), 10,
                         "the phone call's answered record")
        # the phone call has had signs of life before the load starts
        wait_beats(sb, "node1", msec(phone[0]["answered_at"]), 2)
        load = announcement_load(sb, sb, calls=LOAD, rate=20)
        live = wait_live(sb, "node1", LOAD + 1)
        S.check(len(live) == LOAD + 1, f"{LOAD} announcement calls and the "
                "phone call up at the kill", f"{len(live)} live")
        hb_seen = msec(node(sb, "node1")["heartbeat_at"])
        live_ids = {c["id"] for c in all_calls(sb) if not c["ended_at"]}
        kill_t, took = kill9(sb)
        print(f"     killed node1 (took {took * 1000:.0f} ms)", flush=True)
        # node1 stays dead on purpose: a call closed at the restart would
        # be DOWN s too long, which the checks below would see
        time.sleep(DOWN)
        load.stop()
        restart_t = time.time()
        sb.start()

        recs = {c["id"]: c for c in all_calls(sb)}
        S.check(set(recs) == set(before) | live_ids,
                f"records: the {len(before)} completed and the "
                f"{len(live_ids)} live at the kill, no other",
                f"{len(recs)} records, extra "
                f"{sorted(set(recs) - set(before) - live_ids)[:5]}")
        S.check(all(set(c) == CALL_FIELDS for c in recs.values()),
                "every record has exactly the documented fields",
                str([sorted(set(c) ^ CALL_FIELDS) for c in recs.values()][:1]))
        S.check(all(c["ended_at"] for c in recs.values()),
                "no record is left open after the restart",
                str([i for i, c in recs.items() if not c["ended_at"]][:10]))
        S.check(all(recs.get(i) == c for i, c in before.items()),
                f"the {len(before)} completed records are unchanged")
        cut = [c for c in recs.values()
               if c["disposition"] == "node_failure"]
        # a call that ended normally between the last look and the kill
        # (a slow machine) is a completed record, ended before the kill
        gone = [c for i, c in recs.items() if i in live_ids
                and c["disposition"] != "node_failure"]
        S.check(all(c["disposition"] == "answered" and c["sip_code"] == 200
                    and ms_of(c["ended_at"]) <= kill_t + 0.05
                    for c in gone),
                "a live call not cut ended normally before the kill",
                str(gone[:3]))
        hb = common_end(cut)
        S.check(hb is not None and hb >= hb_seen,
                "the cut calls' end is the last heartbeat (not older than "
                "the one seen before the kill)", f"{hb} < {hb_seen}")
        check_cut(cut, kill_t, "node1 after its restart",
                  live_ids - {c["id"] for c in gone}, hb)
        S.check(not any(ms_of(c["ended_at"]) >= restart_t for c in cut),
                "no cut call ends at the restart time")
        phone = [c for c in cut if c["from_number"] == "1001"
                 and c["to_number"] == "1002"]
        if S.check(len(phone) == 1, "the phone call is among them"):
            c = phone[0]
            S.check(c["caller_leg"] == "device:1001" and
                    c["callee_leg"] == "device:1002" and
                    c["direction"] == "internal",
                    "phone call record: device:1001 -> device:1002, "
                    "internal", str(c))
            talk = ms_of(c["ended_at"]) - ms_of(c["answered_at"])
            true_talk = kill_t - ms_of(c["answered_at"])
            S.check(true_talk - HB - SLACK <= talk <= true_talk,
                    "its billable time is the talk time up to the kill",
                    f"{talk:.3f} s of {true_talk:.3f} s (down {DOWN} s)")
        st, regs = sb.api("GET", "/api/v1/registrations")
        S.check(st == 200 and
                sorted(r["device_id"] for r in regs or []) == regs_before,
                "registrations survive the kill",
                f"{regs_before} -> {regs}")
        n = node(sb, "node1")
        S.check(n["self"] is True and n["alive"] is True
                and n["live_calls"] == 0
                and ms_of(n["started_at"]) >= restart_t,
                "node1 runs again, a new run, no live calls", str(n))
    finally:
        if load:
            load.stop()
        stop_phones(a, b)


def second_node(sb, node_id, rtp):
    """Another daemon on sb's database file, with its own ports."""
    n = Switchboard(demo=False, extra_args=[
        "--db", os.path.join(sb.dir, "switchboard.db"), "--node-id", node_id,
        "--heartbeat-interval", f"{HB:g}", "--node-stale-after", str(STALE),
        "--rtp-min", str(rtp), "--rtp-max", str(rtp + 999)])
    n.token = sb.token
    return n.start()


def test_operator_close(sb):
    """node2 dies and stays dead: the operator closes its calls."""
    n2 = second_node(sb, "node2", 50000)
    load = None
    try:
        load = announcement_load(sb, n2, calls=3, rate=10)
        live = wait_live(sb, "node2", 3)
        S.check(len(live) == 3, "node2 holds 3 calls", f"{len(live)}")
        wait_beats(sb, "node2", max(msec(c["answered_at"]) for c in live), 1)
        st, body = sb.api("POST", "/api/v1/nodes/node2/close_calls", {})
        msg = (body or {}).get("error", "")
        S.check(st == 409 and re.fullmatch(
            r"node_id: node2 is alive \(heartbeat \d+ s ago, dead after "
            f"{STALE} s without one\\); stop it first, or send "
            r'\{"force": true\} if it is gone', msg) is not None,
            "close_calls refuses a node that beats (documented 409)",
            f"{st} {body}")
        kill_t, _ = kill9(n2)
        load.stop()

        st, body = sb.api("POST", "/api/v1/nodes/node1/close_calls",
                          {"force": True})
        S.check(st == 409 and body == {"error": "node_id: node1 is this node,"
                                       " which is running: its calls are "
                                       "real and end by themselves"},
                "close_calls refuses this node itself, even with force",
                f"{st} {body}")
        st, body = sb.api("POST", "/api/v1/nodes/node2/close_calls", {})
        S.check(st == 409 and (body or {}).get("error", "").startswith(
            "node_id: node2 is alive (heartbeat "),
            "right after the kill node2 still counts as alive",
            f"{st} {body}")
        st, body = sb.api("POST", "/api/v1/nodes/node2/close_calls",
                          {"force": "yes"})
        S.check(st == 400 and body == {"error": "force: must be true or "
                                       "false"},
                "force must be true or false", f"{st} {body}")
        st, body = sb.api("POST", "/api/v1/nodes/nodeX/close_calls", {})
        S.check(st == 404 and body == {"error": "node nodeX not found"},
                "an unknown node is 404", f"{st} {body}")
        hb = msec(node(sb, "node2")["heartbeat_at"])
        st, body = sb.api("POST", "/api/v1/nodes/node2/close_calls",
                          {"force": True})
        S.check(st == 200 and body == {"node_id": "node2", "closed": 3},
                "with force the operator closes node2's 3 calls",
                f"{st} {body}")
        recs = [c for c in all_calls(sb) if c["node_id"] == "node2"]
        check_cut(recs, kill_t, "node2 by the operator",
                  {c["id"] for c in live}, hb)
        st, body = sb.api("POST", "/api/v1/nodes/node2/close_calls",
                          {"force": True})
        S.check(st == 200 and body == {"node_id": "node2", "closed": 0},
                "a second close closes nothing", f"{st} {body}")
    finally:
        if load:
            load.stop()
        n2.cleanup()


def test_stale_close(sb):
    """node3 dies and stays dead: node1 closes its calls by itself once it
    has been silent for --node-stale-after, at its last heartbeat."""
    n3 = second_node(sb, "node3", 51000)
    load = None
    try:
        load = announcement_load(sb, n3, calls=2, rate=10)
        live = wait_live(sb, "node3", 2)
        S.check(len(live) == 2, "node3 holds 2 calls", f"{len(live)}")
        wait_beats(sb, "node3", max(msec(c["answered_at"]) for c in live), 1)
        kill_t, _ = kill9(n3)
        load.stop()
        st, nodes = sb.api("GET", "/api/v1/nodes")
        n = {x["node_id"]: x for x in nodes or []}
        S.check(st == 200 and sorted(n) == ["node1", "node2", "node3"]
                and n["node3"]["alive"] is True
                and n["node3"]["live_calls"] == 2
                and n["node3"]["self"] is False
                and n["node1"]["self"] is True
                and n["node1"]["alive"] is True
                and n["node2"]["live_calls"] == 0
                and n["node2"]["alive"] is False,
                "the node list: node3 just died, node2 closed and dead",
                str(nodes))
        hb = msec(n.get("node3", {}).get("heartbeat_at"))
        recs = wait_for(
            lambda: (lambda r: r if r and all(c["ended_at"] for c in r)
                     else None)([c for c in all_calls(sb)
                                 if c["node_id"] == "node3"]),
            STALE + 2 * HB + 10, "node1 to close node3's calls")
        closed_t = time.time()
        S.check(closed_t > kill_t + STALE - HB - SLACK,
                "not closed before node3 went stale",
                f"{closed_t - kill_t:.1f} s after the kill")
        check_cut(recs, kill_t, "node3 by node1", {c["id"] for c in live},
                  hb)
        x = node(sb, "node3")
        S.check(x["alive"] is False and x["live_calls"] == 0 and
                msec(x["heartbeat_at"]) == hb,
                "node3: dead, no live calls, heartbeat unchanged", str(x))
    finally:
        if load:
            load.stop()
        n3.cleanup()


def test_api_shape(sb):
    st, body = sb.api("GET", "/api/v1/nodes/node1/close_calls")
    S.check(st == 405 and body == {"error": "method GET not allowed here; "
                                   "use POST"},
            "GET on close_calls is 405", f"{st} {body}")
    st, body = sb.api("POST", "/api/v1/nodes/node1/close_calls", {},
                      token=None)
    S.check(st == 401 and body == {"error": "missing or invalid token"},
            "close_calls needs the token", f"{st} {body}")
    st, body = sb.api("POST", "/api/v1/nodes/node1/close_calls", {"x": 1})
    S.check(st == 400 and body == {"error": "x: unknown field"},
            "close_calls: unknown field", f"{st} {body}")
    st, body = sb.api("GET", "/api/v1/nodes?x=1")
    S.check(st == 400 and body == {"error": "x: unknown query parameter"},
            "unknown query parameter", f"{st} {body}")


def main():
    sb = Switchboard(extra_args=["--heartbeat-interval", f"{HB:g}",
                                 "--node-stale-after", str(STALE)])
    try:
        sb.start()
        S.run(test_restart_after_kill, sb)
        S.run(test_operator_close, sb)
        S.run(test_stale_close, sb)
        S.run(test_api_shape, sb)
        rc = sb.stop()
        S.check(rc == 0, "node1 stops cleanly (no leaks)", f"rc={rc}\n"
                + sb.tail(30))
    finally:
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
