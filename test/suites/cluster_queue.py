#!/usr/bin/python3
"""cluster_queue.py - a queue on two nodes behind the edge (issue 21):
agents and waiting callers are rows of the shared store (src/acd/rows.c),
and the caller's node dials the agent.

    agent phones 1002 (Erika, agent 1), 1021 (Tom, agent 2): baresip
    caller phone 1001 (Max): baresip;  carrier callers: raw SIP
        all through kamailio --> node-a, node-b (one PostgreSQL, cluster.Store)

The edge hashes an INVITE over its Call-ID (dispatcher algorithm 0); the
suite computes that hash (Kamailio's ds_get_hash) to send a carrier's
call to the node it wants, learns from the first call which remainder is
which node, and checks every call's node from its record.  Checked:
  * agent states are rows every node follows: Erika logs in through
    node-b, Tom through node-a, both pause through their node; each
    node's API shows the other's change within 1.5 s;
  * a client deleted through node-b (its deletion run): node-a forgets
    its queue and agent (its log says so, exact counts, within 5 s; its
    API no longer shows them);
  * one carrier caller waits on each node: GET /queues/:id/waiting on
    either node lists both, in arrival order, with their records; Erika
    unpauses through the later caller's node: that node holds her back
    for the earlier caller of the other node, who gets her within 3.5 s
    (the later one still waits); both hang up: the lists are empty on
    both;
  * a second queue (longest idle) with agents Ana and Ben, whose phones
    ring until they answer: a carrier's caller on one node rings Ana (or
    Ben); a later caller on the other node is rung to the other agent at
    once (within 1.5 s: no hold-back for a caller whose agent rings,
    queue_entries.offered), and the earlier caller was rung first;
  * Max (baresip) calls the queue (node X, the edge's choice); Erika
    unpauses through the other node Y: X offers her, her phone rings
    (reached through the edge), she answers, each hears the other's tone;
    both nodes' APIs show her on_call (Y from X's claim); the record names
    her phone;
  * Tom unpauses; a carrier's call hashed to Y: Y does not offer Erika
    (X holds her: her phone does not ring) but Tom, who answers; its
    record is Y's and names Tom's phone;
  * Max hangs up; Erika pauses through node-a: node-b shows it;
  * Y is killed while Tom's claim is Y's; Max calls again (node X): X
    does not offer Tom while Y's heartbeat is younger than
    --node-stale-after (its API shows him on_call, Y's claim), then drops
    Y's rows and rings Tom, who answers; the record names Tom's phone.
"""
import os
import re
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sb import DEMO, Suite, demo_ids, free_port  # noqa: E402
from ports import RTP_MIN, RTP_MAX  # noqa: E402
from kamailio import Edge  # noqa: E402
from peers import wait_for  # noqa: E402
from audio import is_tone, wav_data_seconds  # noqa: E402
from edge import SDP, Peer, hdrs  # noqa: E402
from cluster import (EdgePhone, Store, node, edge_ready, calls,  # noqa
                     in_dialog, ms, HB, STALE)

S = Suite("cluster_queue")
PW = DEMO["devices"]
NUMBER = "+4922182829961"
NUMBER2 = "+4922182829962"
ANA_DEV, ANA_PW = "1031", "echo1031"
BEN_DEV, BEN_PW = "1032", "foxtrot1032"
TOM_DEV, TOM_PW = "1021", "delta1021"
CARRIER = "+4930123456"


def ds_hash(callid):
    """Kamailio 5.6 dispatcher's ds_get_hash() over a Call-ID."""
    b = [x - 256 if x > 127 else x for x in callid.encode()]
    h, i, n = 0, 0, len(b)
    while n >= 4 and i <= n - 4:
        v = ((b[i] << 24) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3]) \
            & 0xffffffff
        h = (h + (v ^ (v >> 3))) & 0xffffffff
        i += 4
    v = 0
    while i < n:
        v = ((v << 8) + b[i]) & 0xffffffff
        i += 1
    h = (h + (v ^ (v >> 3))) & 0xffffffff
    h = ((h + (h >> 11)) + ((h >> 13) + (h >> 23))) & 0xffffffff
    return h or 1


def callid_with(parity):
    while True:
        c = f"cq-{os.urandom(6).hex()}@127.0.0.1"
        if ds_hash(c) % 2 == parity:
            return c


def agent(sb, emp):
    st, a = sb.api("GET", f"/api/v1/agents/{emp}")
    return a if st == 200 else {}


def act(sb, emp, action, reason=None):
    body = {"action": action}
    if reason:
        body["reason"] = reason
    st, _ = sb.api("POST", f"/api/v1/agents/{emp}/state", body)
    return st


def shows(sb, emp, state, reason="", timeout=1.5):
    """sb's API shows emp in state (with reason) within timeout: the
    seconds it took, or None."""
    t0 = time.time()
    while True:
        a = agent(sb, emp)
        if a.get("state") == state and (a.get("reason") or "") == reason:
            return time.time() - t0
        if time.time() - t0 > timeout:
            return None
        time.sleep(0.05)


def waiting(sb, qid):
    st, body = sb.api("GET", f"/api/v1/queues/{qid}/waiting")
    return body if st == 200 else None


class World:
    pass


def setup(w):
    a = w.a
    tid, _, erika = demo_ids(a, "Erika")
    w.tid, w.erika = tid, erika
    st, e = a.api("POST", "/api/v1/employees",
                  {"tenant_id": tid, "first_name": "Tom",
                   "last_name": "Test"})
    S.check(st == 201, "agent 2 (Tom) created: 201", f"{st} {e}")
    w.tom = e["id"]
    st, d = a.api("POST", "/api/v1/devices",
                  {"tenant_id": tid, "employee_id": w.tom,
                   "username": TOM_DEV, "password": TOM_PW,
                   "name": "Tisch"})
    S.check(st == 201, "Tom's phone 1021: 201", f"{st} {d}")
    st, q = a.api("POST", "/api/v1/queues",
                  {"tenant_id": tid, "name": "Hotline",
                   "strategy": "ring_all", "ring_timeout": 15,
                   "wrapup": 2, "max_misses": 0,
                   "members": [{"employee_id": erika},
                               {"employee_id": w.tom}]})
    S.check(st == 201, "a queue with Erika and Tom: 201", f"{st} {q}")
    w.qid = q["id"]
    st, n = a.api("POST", "/api/v1/numbers",
                  {"tenant_id": tid, "e164": NUMBER, "target_type": "queue",
                   "target_id": w.qid})
    S.check(st == 201, "a number routed to the queue: 201", f"{st} {n}")


def test_states(w):
    """Agent states made through one node are followed by the other."""
    a, b = w.a, w.b
    S.check(act(b, w.erika, "login") == 200, "Erika logs in through node-b")
    t = shows(a, w.erika, "available")
    S.check(t is not None, "node-a shows Erika available within 1.5 s",
            repr(agent(a, w.erika)))
    S.check(act(a, w.tom, "login") == 200, "Tom logs in through node-a")
    t2 = shows(b, w.tom, "available")
    S.check(t2 is not None, "node-b shows Tom available within 1.5 s",
            repr(agent(b, w.tom)))
    S.check(act(b, w.erika, "pause", "Besprechung") == 200 and
            act(a, w.tom, "pause", "Mittag") == 200,
            "Erika pauses through node-b, Tom through node-a")
    S.check(shows(a, w.erika, "paused", "Besprechung") is not None and
            shows(b, w.tom, "paused", "Mittag") is not None,
            "each node shows the other's pause with its reason",
            f"{agent(a, w.erika)} {agent(b, w.tom)}")
    print(f"     followed after {t:.2f} s and {t2:.2f} s", flush=True)


def test_tenant_gone(w):
    """A client deleted through node-b leaves node-a's engine too."""
    a, b = w.a, w.b
    st, t = a.api("POST", "/api/v1/tenants", {"name": "Kurzlebig"})
    S.check(st == 201, "a second client through node-a: 201", f"{st} {t}")
    if st != 201:
        return
    tid = t["id"]
    st, e = a.api("POST", "/api/v1/employees",
                  {"tenant_id": tid, "first_name": "Kim",
                   "last_name": "Kurz"})
    st2, q = a.api("POST", "/api/v1/queues",
                   {"tenant_id": tid, "name": "Kurz", "strategy": "ring_all",
                    "members": [{"employee_id": e.get("id")}]})
    S.check(st == 201 and st2 == 201,
            "its agent Kim and its queue through node-a: 201", f"{e} {q}")
    if st2 != 201:
        return
    emp, qid = e["id"], q["id"]
    S.check(act(a, emp, "login") == 200 and
            shows(b, emp, "available") is not None,
            "Kim logs in through node-a; node-b shows him available",
            repr(agent(b, emp)))
    time.sleep(1.0)   # node-b took the queue over (acd_changes)
    mark = len(a.logtext())
    st, _ = b.api("POST", f"/api/v1/tenants/{tid}/deletion", {})
    st2, _ = b.api("POST", f"/api/v1/tenants/{tid}/deletion/run", {})
    S.check(st == 201 and st2 == 200,
            "the client's deletion, requested and run through node-b",
            f"{st} {st2}")
    want = (f"acd: tenant {tid} deleted through node-b: 1 queues, "
            "1 agents, 0 callback requests forgotten")
    t0 = time.time()
    while want not in a.logtext()[mark:] and time.time() - t0 < 5:
        time.sleep(0.1)
    took = time.time() - t0
    S.check(want in a.logtext()[mark:],
            f"node-a's log within 5 s: '{want}'",
            a.logtext()[mark:][-2000:])
    st, v = a.api("GET", "/api/v1/queues")
    S.check(st == 200 and all(x["id"] != qid for x in v),
            "node-a's GET /queues no longer lists its queue",
            f"{st} {v}")
    S.check(a.api("GET", f"/api/v1/agents/{emp}")[0] == 404,
            "node-a: its agent is gone (404)")
    print(f"     node-a forgot the client {took:.2f} s after the run",
          flush=True)


def setup2(w):
    """A second queue: Ana and Ben, longest idle, its own number."""
    a = w.a
    w.ana = w.ben = None
    ids = []
    for first, dev, pw in (("Ana", ANA_DEV, ANA_PW), ("Ben", BEN_DEV, BEN_PW)):
        st, e = a.api("POST", "/api/v1/employees",
                      {"tenant_id": w.tid, "first_name": first,
                       "last_name": "Test"})
        st2, d = a.api("POST", "/api/v1/devices",
                       {"tenant_id": w.tid, "employee_id": e.get("id"),
                        "username": dev, "password": pw, "name": "Tisch"})
        S.check(st == 201 and st2 == 201,
                f"agent {first} with phone {dev}: 201", f"{e} {d}")
        ids.append(e.get("id"))
    st, q = a.api("POST", "/api/v1/queues",
                  {"tenant_id": w.tid, "name": "Zweitlinie",
                   "strategy": "longest_idle", "ring_timeout": 20,
                   "wrapup": 0, "max_misses": 0,
                   "members": [{"employee_id": i} for i in ids]})
    st2, n = a.api("POST", "/api/v1/numbers",
                   {"tenant_id": w.tid, "e164": NUMBER2,
                    "target_type": "queue", "target_id": q.get("id")})
    S.check(st == 201 and st2 == 201,
            "a second queue (longest idle) with Ana and Ben, its number: "
            "201", f"{q} {n}")
    w.ana, w.ben = ids
    w.qid2 = q.get("id")


def test_offered(w):
    """A caller whose agent rings holds back no agent on another node."""
    a, b = w.a, w.b
    ana, ben = w.ana_phone, w.ben_phone
    for emp in (w.ana, w.ben):
        S.check(act(a, emp, "login") == 200 and
                shows(b, emp, "available") is not None,
                f"agent {emp} logs in through node-a; node-b shows it")
    p = Peer("127.0.0.1", a.trunk_port)
    oks = []
    try:
        ma, mb = ana.mark(), ben.mark()
        x1 = w.node_of[0]
        c1 = callid_with(0)
        got1, ok1, tag1 = carrier_call(w, p, c1, NUMBER2)
        if ok1:
            oks.append((ok1, tag1))
        S.check(got1 is x1, f"the first caller waits on {name(w, x1)}")
        first = None
        t0 = time.time()
        while first is None and time.time() - t0 < 5:
            if ana.wait_event("CALL_INCOMING", 0.05, since=ma):
                first, other, mo = "Ana", ben, mb
            elif ben.wait_event("CALL_INCOMING", 0.05, since=mb):
                first, other, mo = "Ben", ana, ma
        S.check(first is not None,
                f"{name(w, x1)} rings one agent for it ({first})")
        if first is None:
            return
        t1 = time.time()
        time.sleep(0.6)   # its row says offered
        c2 = callid_with(1)
        got2, ok2, tag2 = carrier_call(w, p, c2, NUMBER2)
        t_join = time.time()
        if ok2:
            oks.append((ok2, tag2))
        S.check(got2 is not None and got2 is not x1,
                "a later caller waits on the other node")
        ev = other.wait_event("CALL_INCOMING", 5, since=mo)
        t2 = time.time()
        S.check(ev is not None and t2 - t_join < 1.5,
                "the other agent rings for it at once (no hold-back for "
                "the earlier caller, whose agent rings)",
                f"{t2 - t_join:.2f} s after it joined")
        S.check(t1 < t2, "the earlier caller was rung first",
                f"{t1:.2f} {t2:.2f}")
        print(f"     second agent rang {t2 - t_join:.2f} s after the "
              "later caller joined", flush=True)
        ph1 = ana if first == "Ana" else ben
        ph1.accept()
        other.accept()
        r1 = find_rec(a, lambda c: c["sip_call_id"] == c1 and
                      c["answered_at"], 5)
        dev1 = ANA_DEV if first == "Ana" else BEN_DEV
        S.check(r1 is not None and r1["callee_leg"] == f"device:{dev1}",
                f"the earlier caller is served by {first}", repr(r1))
    finally:
        for ok, tag in oks:
            carrier_bye(w, p, ok, tag)
        p.close()
        for ph in (ana, ben):
            try:
                ph.hangup()
            except Exception:  # noqa: BLE001 - no call left
                pass
        for emp in (w.ana, w.ben):
            act(a, emp, "logout")


def carrier_call(w, peer, callid, number=NUMBER):
    """A carrier's call to the queue through the edge with callid: the
    node that answered (by the 200's Contact port), the 200, the tag."""
    cid, tag = peer.request(
        w.edge.addr, "INVITE", f"sip:{number}@127.0.0.1:{w.edge.port}",
        CARRIER, to_user=number, callid=callid,
        extra=(f"Contact: <sip:{CARRIER}@127.0.0.1:{peer.port}>"
               "\r\nContent-Type: application/sdp\r\n"),
        body=SDP.format(port=free_port(even=True)))
    ok = peer.recv(lambda d: d.startswith("SIP/2.0 200") and cid in d and
                   "INVITE" in hdrs(d, "CSeq")[0], timeout=10)
    if not ok:
        return None, None, tag
    in_dialog(peer, "ACK", ok, 1, tag, NUMBER, w.edge.addr)
    port = int(re.search(r"127\.0\.0\.1:(\d+)", hdrs(ok, "Contact")[0])
               .group(1))
    x = w.a if port == w.a.sip_port else w.b if port == w.b.sip_port \
        else None
    return x, ok, tag


def carrier_bye(w, peer, ok, tag):
    in_dialog(peer, "BYE", ok, 2, tag, NUMBER, w.edge.addr)
    peer.recv(lambda d: d.startswith("SIP/2.0 ") and
              " BYE" in hdrs(d, "CSeq")[0], timeout=5)


def find_rec(sb, pred, timeout):
    """The first call record of sb's list that pred accepts within
    timeout, or None."""
    t0 = time.time()
    while True:
        c = next((c for c in calls(sb) if pred(c)), None)
        if c or time.time() - t0 > timeout:
            return c
        time.sleep(0.1)


def name(w, x):
    return "node-a" if x is w.a else "node-b"


def test_waiting(w):
    """One caller waits on each node: both nodes list both."""
    p1 = Peer("127.0.0.1", w.a.trunk_port)
    ok1 = ok2 = None
    try:
        c1 = callid_with(0)
        x1, ok1, tag1 = carrier_call(w, p1, c1)
        if not S.check(x1 is not None, "a carrier's call waits in the "
                       "queue (answered by a node)"):
            return
        # which remainder of the hash is which node
        w.node_of = {0: x1, 1: w.b if x1 is w.a else w.a}
        time.sleep(0.3)
        c2 = callid_with(1)
        x2, ok2, tag2 = carrier_call(w, p1, c2)
        S.check(x2 is not None and x2 is not x1,
                "a second carrier's call (its Call-ID hashed to the other "
                "node) waits on the other node",
                f"{x1 and name(w, x1)} {x2 and name(w, x2)}")
        recs = {c["sip_call_id"]: c for c in calls(w.a)
                if c["sip_call_id"] in (c1, c2)}
        S.check(recs.get(c1, {}).get("node_id") == name(w, x1) and
                recs.get(c2, {}).get("node_id") == name(w, x2 or x1),
                "their records name the nodes that took them", repr(recs))
        want = [(1, recs.get(c1, {}).get("id")),
                (2, recs.get(c2, {}).get("id"))]
        lists = {}
        for x in (w.a, w.b):
            t0 = time.time()
            while True:
                v = waiting(x, w.qid)
                if (v and len(v) == 2) or time.time() - t0 > 3:
                    break
                time.sleep(0.1)
            lists[name(w, x)] = v
        S.check(all(v is not None and
                    [(e["position"], e["record_id"]) for e in v] == want
                    for v in lists.values()),
                "GET waiting on either node: both callers, in arrival "
                "order, with their records", repr(lists))
        if x2 is None or x2 is x1:
            return
        # fairness: Erika unpauses through the later caller's node, whose
        # engine knows it at once: it holds her back (at most 2 s) for
        # the earlier caller waiting on the other node, which takes her
        me = w.erika_phone.mark()
        t0 = time.time()
        S.check(act(x2, w.erika, "unpause") == 200,
                f"Erika unpauses through {name(w, x2)} (the later "
                "caller's node)")
        ev = w.erika_phone.wait_event("CALL_ESTABLISHED", 6, since=me)
        took = time.time() - t0
        r1 = find_rec(w.a, lambda c: c["sip_call_id"] == c1 and
                      c["callee_leg"] == "device:1002", 5)
        S.check(ev is not None and r1 is not None and took < 3.5,
                f"the earlier caller (on {name(w, x1)}) gets Erika, "
                f"{took:.1f} s after the unpause", repr(r1))
        r2 = find_rec(w.a, lambda c: c["sip_call_id"] == c2, 1)
        S.check(r2 is not None and r2["callee_leg"] == "queue" and
                not r2["ended_at"],
                "the later caller still waits", repr(r2))
        S.check(act(x1, w.erika, "pause", "Besprechung") == 200,
                "Erika pauses again (after this call)")
    finally:
        if ok1:
            carrier_bye(w, p1, ok1, tag1)
        if ok2:
            carrier_bye(w, p1, ok2, tag2)
        p1.close()
    time.sleep(0.5)
    S.check(waiting(w.a, w.qid) == [] and waiting(w.b, w.qid) == [],
            "both hung up: nobody waits on either node",
            f"{waiting(w.a, w.qid)} {waiting(w.b, w.qid)}")


def test_cross(w):
    """Max's call on node X is offered Erika, unpaused through node Y."""
    mx, er, tom = w.max, w.erika_phone, w.tom_phone
    me, mt = er.mark(), tom.mark()
    m = mx.mark()
    mx.dial(f"sip:{NUMBER}@127.0.0.1")
    S.check(mx.wait_event("CALL_ESTABLISHED", 15, since=m) is not None,
            "Max calls the queue through the edge: answered (waiting)")
    rec = wait_for(lambda: next((c for c in calls(w.a)
                                 if c["from_number"] == "1001" and
                                 not c["ended_at"]), None), 5,
                   "Max's live record")
    x = w.a if rec["node_id"] == "node-a" else w.b
    y = w.b if x is w.a else w.a
    w.x, w.y = x, y
    print(f"     Max's call is on {name(w, x)}; Erika unpauses through "
          f"{name(w, y)}", flush=True)
    S.check(er.wait_event("CALL_INCOMING", 1.5, since=me) is None,
            "Erika (paused) is not rung")
    S.check(act(y, w.erika, "unpause") == 200,
            f"Erika unpauses through {name(w, y)}")
    t0 = time.time()
    S.check(er.wait_event("CALL_ESTABLISHED", 10, since=me) is not None,
            f"{name(w, x)} rings Erika's phone (through the edge) and she "
            "answers", f"after {time.time() - t0:.1f} s")
    S.check(tom.wait_event("CALL_INCOMING", 0.2, since=mt) is None,
            "Tom (paused) is not rung")
    S.check(agent(x, w.erika).get("state") == "on_call" and
            shows(y, w.erika, "on_call") is not None,
            f"both nodes show Erika on_call ({name(w, y)} from "
            f"{name(w, x)}'s claim, within 1.5 s)",
            f"{agent(x, w.erika)} {agent(y, w.erika)}")
    r1 = mx.wait_recording(3.0, timeout=15)
    r2 = er.wait_recording(3.0, timeout=15)
    t1, t2 = wav_data_seconds(r1), wav_data_seconds(r2)
    v1 = is_tone(r1, 1000, other=800, start=t1 - 2.0)
    v2 = is_tone(r2, 800, other=1000, start=t2 - 2.0)
    S.check(v1, "Max hears Erika's 1000 Hz tone", str(v1))
    S.check(v2, "Erika hears Max's 800 Hz tone", str(v2))
    w.max_rec = rec["id"]


def test_busy_elsewhere(w):
    """Erika on X's call: Y offers its caller Tom, never Erika."""
    x, y, er, tom = w.x, w.y, w.erika_phone, w.tom_phone
    S.check(act(w.a, w.tom, "unpause") == 200, "Tom unpauses")
    me, mt = er.mark(), tom.mark()
    p = Peer("127.0.0.1", w.a.trunk_port)
    w.carrier = p
    parity = 0 if w.node_of[0] is y else 1
    cid = callid_with(parity)
    got, ok, tag = carrier_call(w, p, cid)
    w.carrier_ok, w.carrier_tag = ok, tag
    S.check(got is y, f"a carrier's call hashed to {name(w, y)} waits "
            "there", got and name(w, got))
    S.check(tom.wait_event("CALL_ESTABLISHED", 10, since=mt) is not None,
            f"{name(w, y)} rings Tom, who answers")
    S.check(er.wait_event("CALL_INCOMING", 1.0, since=me) is None,
            f"Erika's phone does not ring ({name(w, x)} holds her)")
    rec = wait_for(lambda: next((c for c in calls(x) if c["sip_call_id"] ==
                                 cid and c["answered_at"]), None), 5,
                   "the carrier's record")
    S.check(rec is not None and rec["node_id"] == name(w, y) and
            rec["callee_leg"] == f"device:{TOM_DEV}",
            f"its record: {name(w, y)}'s, Tom's phone answered", repr(rec))
    S.check(agent(y, w.tom).get("state") == "on_call" and
            shows(x, w.tom, "on_call") is not None,
            "both nodes show Tom on_call",
            f"{agent(x, w.tom)} {agent(y, w.tom)}")


def test_pause_seen(w):
    """Max hangs up; Erika's pause through node-a is seen by node-b."""
    mx, er = w.max, w.erika_phone
    me = er.mark()
    mx.hangup()
    S.check(er.wait_event("CALL_CLOSED", 10, since=me) is not None,
            "Max hangs up: Erika's call ends")

    def ended():
        c = [r for r in calls(w.a) if r["id"] == w.max_rec]
        return c[0] if c and c[0]["ended_at"] else None
    rec = wait_for(ended, 10, "Max's record ends")
    S.check(rec["callee_leg"] == "device:1002" and
            rec["node_id"] == name(w, w.x) and
            rec["disposition"] == "answered",
            f"Max's record: {name(w, w.x)}'s, answered by Erika's phone",
            repr(rec))
    S.check(act(w.a, w.erika, "pause", "Pause") == 200,
            "Erika pauses through node-a")
    t = shows(w.b, w.erika, "paused", "Pause")
    S.check(t is not None, "node-b shows Erika paused within 1.5 s",
            repr(agent(w.b, w.erika)))


def test_kill(w):
    """Y dies holding Tom's claim: X offers Tom once Y is stale."""
    x, y, tom, mx = w.x, w.y, w.tom_phone, w.max
    edge_mark = len(w.edge.logtext())
    y.proc.send_signal(signal.SIGKILL)
    y.proc.wait()
    t_kill = time.time()
    y.log.close()
    mt = tom.mark()
    tom.hangup()   # his call died with Y
    S.check(agent(x, w.tom).get("state") == "on_call",
            f"right after the kill {name(w, x)} shows Tom on_call "
            f"({name(w, y)}'s claim)", repr(agent(x, w.tom)))
    S.check(w.edge.wait_log(r"edge: node sip:127\.0\.0\.1:%d down" %
                            y.sip_port, timeout=10, since=edge_mark)
            is not None, f"the edge marks {name(w, y)} down")
    m = mx.mark()
    mx.dial(f"sip:{NUMBER}@127.0.0.1")
    S.check(mx.wait_event("CALL_ESTABLISHED", 15, since=m) is not None,
            f"Max calls again: answered by the queue on {name(w, x)}")
    ev = tom.wait_event("CALL_ESTABLISHED", STALE + 8, since=mt)
    t_ring = time.time()
    nodes = {n["node_id"]: n for n in (x.api("GET", "/api/v1/nodes")[1]
                                       or [])}
    hb = ms(nodes.get(name(w, y), {}).get("heartbeat_at")) or 0
    S.check(ev is not None, f"{name(w, x)} rings Tom again, he answers")
    S.check(t_ring * 1000 >= hb + STALE * 1000 and
            t_ring - t_kill <= STALE + 6,
            f"not before {name(w, y)}'s heartbeat is {STALE} s old, and "
            "soon after",
            f"rang {t_ring - t_kill:.1f} s after the kill, "
            f"{(t_ring * 1000 - hb) / 1000:.1f} s after the last heartbeat")
    print(f"     Tom rang {t_ring - t_kill:.1f} s after the kill", flush=True)
    rec = wait_for(lambda: next((c for c in calls(x) if
                                 c["from_number"] == "1001" and
                                 not c["ended_at"] and c["answered_at"]),
                                None), 5, "Max's second record")
    S.check(rec is not None and rec["node_id"] == name(w, x) and
            rec["callee_leg"] == f"device:{TOM_DEV}",
            f"the record: {name(w, x)}'s, Tom's phone answered", repr(rec))
    S.check(agent(x, w.tom).get("state") == "on_call",
            f"{name(w, x)} shows Tom on its call", repr(agent(x, w.tom)))
    mx.hangup()
    mx.wait_event("CALL_CLOSED", 10, since=m)


def main():
    if not shutil.which("kamailio"):
        S.check(False, "kamailio is installed (debian-packages.txt)")
        S.finish()
    w = World()
    w.a = w.b = w.edge = store = None
    phones = []
    half = (RTP_MIN + RTP_MAX) // 2
    try:
        store = Store()
        print(f"     store: {store.kind}", flush=True)
        pa, pb = free_port(), free_port()
        w.edge = Edge([pa, pb])
        w.a = node("node-a", pa, w.edge.port, (RTP_MIN, half), store)
        w.a.start()
        w.b = node("node-b", pb, w.edge.port, (half + 1, RTP_MAX), store)
        w.b.start()
        w.edge.start()
        S.check(edge_ready(w.edge), "OPTIONS through the edge: 200")
        setup(w)
        setup2(w)
        w.max = EdgePhone("1001", PW["1001"], w.edge.port, tone=800)
        w.erika_phone = EdgePhone("1002", PW["1002"], w.edge.port,
                                  tone=1000)
        w.tom_phone = EdgePhone(TOM_DEV, TOM_PW, w.edge.port, tone=1200)
        w.ana_phone = EdgePhone(ANA_DEV, ANA_PW, w.edge.port, tone=600,
                                auto_answer=False)
        w.ben_phone = EdgePhone(BEN_DEV, BEN_PW, w.edge.port, tone=700,
                                auto_answer=False)
        phones = [w.max, w.erika_phone, w.tom_phone, w.ana_phone,
                  w.ben_phone]
        for p in phones:
            p.start()
        S.check(all(p.wait_registered(15) for p in phones),
                "Max's, Erika's, Tom's, Ana's and Ben's phones register "
                "through the edge")
        S.run(test_states, w)
        S.run(test_tenant_gone, w)
        S.run(test_waiting, w)
        if getattr(w, "node_of", None):
            S.run(test_offered, w)
        S.run(test_cross, w)
        if getattr(w, "x", None):
            S.run(test_busy_elsewhere, w)
            S.run(test_pause_seen, w)
            S.run(test_kill, w)
        x = getattr(w, "x", w.a)
        code = x.stop()
        S.check(code == 0, f"{name(w, x)} stops cleanly (no leaks)",
                f"exit {code}\n{x.tail(30)}")
    finally:
        if S.failed and w.edge:
            print(w.edge.logtext()[-3000:], flush=True)
        for x in (w.a, w.b):
            if S.failed and x:
                print(x.tail(40), flush=True)
        for p in phones:
            try:
                p.stop()
            except Exception:  # noqa: BLE001 - best effort
                pass
        if getattr(w, "carrier", None):
            w.carrier.close()
        if w.edge:
            w.edge.stop()
        for x in (w.b, w.a):
            if x:
                x.cleanup()
        if store:
            store.close()
    S.finish()


if __name__ == "__main__":
    main()
