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
import signal
import sys
import time
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard  # noqa: E402
from peers import Baresip, Sipp  # noqa: E402

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


def all_calls(sb):
    st, body = sb.api("GET", "/api/v1/calls?limit=1000")
    return body if st == 200 and isinstance(body, list) else []


def announcement_load(sb, node_sb, calls, rate):
    """sipp as the carrier (the demo trunk's address) calling the
    announcement number on node_sb, in the background."""
    return Sipp("uac_announcement", remote=("127.0.0.1", node_sb.sip_port),
                local_port=sb.trunk_port, service=DEMO["announcement"],
                calls=calls, rate=rate, timeout_s=60, trace=False,
                recv_timeout_ms=20000).start()


def wait_live(sb, node, n, timeout=15):
    """Wait until node has at least n answered live calls; returns them."""
    deadline = time.time() + timeout
    live = []
    while time.time() < deadline:
        live = [c for c in all_calls(sb) if c["node_id"] == node
                and not c["ended_at"] and c["answered_at"]]
        if len(live) >= n:
            break
        time.sleep(0.2)
    return live


def kill9(sb):
    """SIGKILL; returns the moment [s] between sending it and its death."""
    t0 = time.time()
    sb.proc.send_signal(signal.SIGKILL)
    sb.proc.wait()
    t1 = time.time()
    sb.log.close()
    return (t0 + t1) / 2, t1 - t0


def check_cut(recs, kill_t, what):
    """Every record in recs closed as node_failure within one heartbeat
    (plus SLACK) before kill_t, not before its answer."""
    bad = []
    for c in recs:
        end, ans = ms_of(c["ended_at"]), ms_of(c["answered_at"])
        if (c["disposition"] != "node_failure" or c["ended_by"] != "system"
                or end is None or not kill_t - HB - SLACK <= end <= kill_t + 0.05
                or (ans and end < ans)):
            bad.append((c["id"], c["disposition"], c["ended_at"],
                        round(kill_t - end, 3) if end else None))
    lags = [kill_t - ms_of(c["ended_at"]) for c in recs if c["ended_at"]]
    if lags:
        print(f"     {what}: end {min(lags):.3f} to {max(lags):.3f} s "
              "before the kill", flush=True)
    S.check(recs and not bad, f"{what}: {len(recs)} calls closed as "
            f"node_failure within {HB:g} s of the kill", str(bad[:5]))


def stop_phones(*phones):
    for p in phones:
        try:
            p.stop()
        except Exception:  # noqa: BLE001 - best effort
            pass


def test_restart_after_kill(sb):
    """node1 killed under load, restarted on the same data dir 8 s later."""
    # completed calls first: their records must not change
    done = Sipp("uac_announcement", remote=("127.0.0.1", sb.sip_port),
                local_port=sb.trunk_port, service=DEMO["announcement"],
                calls=5, rate=5, timeout_s=60, trace=False,
                recv_timeout_ms=20000).run()
    S.check(done.successful == 5, "5 announcement calls complete before",
            f"ok={done.successful} failed={done.failed}")
    before = {c["id"]: c for c in all_calls(sb) if c["ended_at"]}

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
        a.dial(f"sip:1002@127.0.0.1:{sb.sip_port}")
        S.check(a.wait_event("CALL_ESTABLISHED", 10) is not None,
                "1001 calls 1002")
        load = announcement_load(sb, sb, calls=40, rate=20)
        live = wait_live(sb, "node1", 21)
        S.check(len(live) >= 21, "calls up at the kill",
                f"{len(live)} live")
        time.sleep(1.5)  # the phone call a few seconds old, some beats

        live_ids = {c["id"] for c in all_calls(sb) if not c["ended_at"]}
        kill_t, took = kill9(sb)
        print(f"     killed node1 (took {took * 1000:.0f} ms)", flush=True)
        time.sleep(DOWN)
        load.stop()
        restart_t = time.time()
        sb.start()

        recs = {c["id"]: c for c in all_calls(sb)}
        S.check(all(c["ended_at"] for c in recs.values()),
                "no record is left open after the restart",
                str([i for i, c in recs.items() if not c["ended_at"]][:10]))
        S.check(all(recs.get(i) == c for i, c in before.items()),
                f"the {len(before)} completed records are unchanged")
        cut = [c for c in recs.values()
               if c["disposition"] == "node_failure"]
        check_cut(cut, kill_t, "node1 after its restart")
        # a call that ended normally between the last look and the kill
        # (a slow machine) is a completed record, ended before the kill
        gone = [c for i, c in recs.items() if i in live_ids
                and c["disposition"] != "node_failure"]
        S.check(len(cut) >= 20 and all(
            c["disposition"] == "answered"
            and ms_of(c["ended_at"]) <= kill_t + 0.05 for c in gone),
            "every call live before the kill is cut, or ended before it",
            f"{len(cut)} cut, {len(gone)} ended: {gone[:3]}")
        S.check(not any(ms_of(c["ended_at"]) >= restart_t for c in cut),
                "no cut call ends at the restart time")
        phone = [c for c in cut if c["from_number"] == "1001"
                 and c["to_number"] == "1002"]
        if S.check(len(phone) == 1, "the phone call is among them"):
            c = phone[0]
            talk = ms_of(c["ended_at"]) - ms_of(c["answered_at"])
            true_talk = kill_t - ms_of(c["answered_at"])
            S.check(true_talk - HB - SLACK <= talk <= true_talk,
                    "its billable time is the talk time up to the kill",
                    f"{talk:.3f} s of {true_talk:.3f} s (down {DOWN} s)")
        st, regs = sb.api("GET", "/api/v1/registrations")
        S.check(sorted(r["device_id"] for r in regs or []) == regs_before
                and regs_before, "registrations survive the kill",
                f"{regs_before} -> {regs}")
        st, node = sb.api("GET", "/api/v1/nodes/node1")
        S.check(st == 200 and node["self"] and node["alive"]
                and node["live_calls"] == 0
                and ms_of(node["started_at"]) >= restart_t,
                "node1 runs again, a new run, no live calls", str(node))
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
        st, body = sb.api("POST", "/api/v1/nodes/node2/close_calls", {})
        S.check(st == 409 and body["error"].startswith("node_id: node2 is alive"),
                "close_calls refuses a node that beats", f"{st} {body}")
        kill_t, _ = kill9(n2)
        load.stop()

        st, body = sb.api("POST", "/api/v1/nodes/node1/close_calls",
                          {"force": True})
        S.check(st == 409 and body["error"].startswith(
            "node_id: node1 is this node"),
            "close_calls refuses this node itself, even with force",
            f"{st} {body}")
        st, body = sb.api("POST", "/api/v1/nodes/node2/close_calls", {})
        S.check(st == 409 and "node_id" in body["error"],
                "right after the kill node2 still counts as alive",
                f"{st} {body}")
        st, body = sb.api("POST", "/api/v1/nodes/node2/close_calls",
                          {"force": "yes"})
        S.check(st == 400 and body["error"].startswith("force:"),
                "force must be true or false", f"{st} {body}")
        st, body = sb.api("POST", "/api/v1/nodes/nodeX/close_calls", {})
        S.check(st == 404 and body == {"error": "node nodeX not found"},
                "an unknown node is 404", f"{st} {body}")
        st, body = sb.api("POST", "/api/v1/nodes/node2/close_calls",
                          {"force": True})
        S.check(st == 200 and body == {"node_id": "node2", "closed": 3},
                "with force the operator closes node2's 3 calls",
                f"{st} {body}")
        recs = [c for c in all_calls(sb) if c["node_id"] == "node2"]
        check_cut(recs, kill_t, "node2 by the operator")
        st, body = sb.api("POST", "/api/v1/nodes/node2/close_calls",
                          {"force": True})
        S.check(st == 200 and body["closed"] == 0, "a second close closes "
                "nothing", f"{st} {body}")
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
        kill_t, _ = kill9(n3)
        load.stop()
        st, nodes = sb.api("GET", "/api/v1/nodes")
        n = {x["node_id"]: x for x in nodes or []}
        S.check(st == 200 and n.get("node3", {}).get("alive")
                and n["node3"]["live_calls"] == 2 and n["node1"]["self"]
                and n["node1"]["alive"] and n["node2"]["live_calls"] == 0,
                "the node list: node3 just died, node2 closed", str(nodes))
        deadline = kill_t + STALE + 2 * HB + 5
        recs = []
        while time.time() < deadline:
            recs = [c for c in all_calls(sb) if c["node_id"] == "node3"]
            if recs and all(c["ended_at"] for c in recs):
                break
            time.sleep(0.5)
        closed_t = time.time()
        S.check(closed_t > kill_t + STALE - HB - SLACK,
                "not closed before node3 went stale",
                f"{closed_t - kill_t:.1f} s after the kill")
        check_cut(recs, kill_t, "node3 by node1")
        st, node = sb.api("GET", "/api/v1/nodes/node3")
        S.check(st == 200 and not node["alive"] and node["live_calls"] == 0,
                "node3: dead, no live calls", str(node))
    finally:
        if load:
            load.stop()
        n3.cleanup()


def test_api_shape(sb):
    st, body = sb.api("GET", "/api/v1/nodes/node1/close_calls")
    S.check(st == 405, "GET on close_calls is 405", f"{st} {body}")
    st, body = sb.api("POST", "/api/v1/nodes/node1/close_calls", {},
                      token=None)
    S.check(st == 401, "close_calls needs the token", f"{st}")
    st, body = sb.api("POST", "/api/v1/nodes/node1/close_calls", {"x": 1})
    S.check(st == 400 and body == {"error": "x: unknown field"},
            "close_calls: unknown field", f"{st} {body}")
    st, body = sb.api("GET", "/api/v1/nodes?x=1")
    S.check(st == 400 and body["error"].startswith("x:"),
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
