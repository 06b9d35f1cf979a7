#!/usr/bin/python3
"""cluster_events.py - events between nodes (issue 21, src/node/events.c,
docs/cluster.md "Events between nodes"): an event stream client of one
node sees the call, queue and agent events of every node.

    node-a, node-b: one store (SQLite: one data directory; PostgreSQL:
    the throwaway cluster of test/lib/pg.py, when it can be started),
    --heartbeat-interval 1, --node-stale-after 3; no edge (the API and a
    carrier's call go to a node directly)

Checked, on each store:
  * node-b's streams: the operator's (all tenants), Mustermann's client
    admin's, Erika's agent token, the other tenant's admin; node-a's
    operator stream for comparison;
  * through node-a's API Erika logs in and pauses ("Mittag"); a carrier
    calls the announcement number of node-a (sipp): node-b's operator
    stream gets exactly node-a's events (class, type, tenant, ids and
    every field, in node-a's order), seq 1, 2, 3, ... without a gap, none
    twice, each within 3 s; the client admin's stream the same; the
    agent's the same without "email" anywhere (node-a's have Erika's);
    the other tenant's stream nothing;
  * Erika unpauses through node-b: node-a's stream gets node-b's event
    once; neither node's stream shows its own events twice (nothing is
    echoed back);
  * the store's rows: each event once, by the node it happened on.

Then, on a fresh pair of nodes (each store), issue 21 point 4:
  * no stream client anywhere: a call on node-a writes 0 rows to
    node_events; a client connects to node-b: node-a writes again within
    a heartbeat (its log says so), and the next call's rows are exactly
    the events node-b's client got, with their "id"s;
  * PostgreSQL only: the LISTEN connections are killed
    (pg_terminate_backend) and the postmaster is stopped (SIGSTOP) for
    4 s, so a new connection hangs: node-a answers every OPTIONS (sent
    every 50 ms) within 200 ms throughout; after SIGCONT both nodes
    listen again and events flow from node-a to node-b's stream;
  * replay: the only client is on node-a and reads events; node-a is
    killed; a call happens through node-b; the client reconnects to
    node-b with ?last_event_id= its last id: it gets exactly node-b's
    rows after that id, in id order, then the live ones once each; with
    Last-Event-ID the same; a bad id is a 400 naming it.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard, demo_ids  # noqa: E402
from ports import RTP_MIN, RTP_MAX  # noqa: E402
from peers import Sipp, wait_for  # noqa: E402
from ws import Reader, WsClient, has_key  # noqa: E402
from rawsip import Peer  # noqa: E402
import pg  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402

S = Suite("cluster_events")
HB, STALE = 1, 3
LATENCY = 3.0   # [s] at most from node-a's stream to node-b's


def node(node_id, rtp, data_dir=None, db=None):
    args = ["--node-id", node_id, "--heartbeat-interval", str(HB),
            "--node-stale-after", str(STALE),
            "--rtp-min", str(rtp[0]), "--rtp-max", str(rtp[1])]
    if data_dir:
        args += ["--data-dir", data_dir]   # later flags win
    if db:
        args += ["--db", db]
    return Switchboard(extra_args=args, demo=data_dir is None)


def token(sb, role, tenant_id, employee_id=None, name="t"):
    body = {"role": role, "tenant_id": tenant_id, "name": name}
    if employee_id:
        body["employee_id"] = employee_id
    st, t = sb.api("POST", "/api/v1/tokens", body)
    S.check(st == 201, f"{name}'s token ({role}): 201", f"{st} {t}")
    return t["token"]


def strip(ev):
    return {k: v for k, v in ev.items() if k not in ("seq", "time", "_t")}


def no_email(o):
    if isinstance(o, dict):
        return {k: no_email(v) for k, v in o.items()
                if k not in ("email", "cc")}
    if isinstance(o, list):
        return [no_email(v) for v in o]
    return o


class TimedReader(Reader):
    """A Reader that notes when each event arrived (_t)."""

    def run(self):
        import socket
        while not self.stop:
            try:
                ev = self.c.event(0.2)
            except socket.timeout:
                continue
            except Exception as e:  # noqa: BLE001 - reported by the test
                self.error = e
                return
            ev["_t"] = time.time()
            self.events.append(ev)


def streams(w):
    """Open node-b's four streams and node-a's operator stream."""
    a, b = w.a, w.b
    cl = {"b_admin": WsClient(b.http_port, token=a.token),
          "b_tenant": WsClient(b.http_port, token=w.tok_tenant),
          "b_agent": WsClient(b.http_port, token=w.tok_agent),
          "b_other": WsClient(b.http_port, token=w.tok_other),
          "a_admin": WsClient(a.http_port, token=a.token)}
    for name, c in cl.items():
        st = c.connect()
        S.check(st == 101, f"stream {name}: 101", f"{st} {c.body!r}")
    rd = {n: TimedReader(c) for n, c in cl.items()}
    for r in rd.values():
        r.start()
    return rd


def agent_act(sb, emp, action, reason=None):
    body = {"action": action}
    if reason:
        body["reason"] = reason
    st, _ = sb.api("POST", f"/api/v1/agents/{emp}/state", body)
    return st


def setup(w):
    a = w.a
    w.tid, _, w.erika = demo_ids(a, "Erika")
    st, q = a.api("POST", "/api/v1/queues",
                  {"tenant_id": w.tid, "name": "Hotline",
                   "strategy": "ring_all", "ring_timeout": 15,
                   "members": [{"employee_id": w.erika}]})
    S.check(st == 201, "a queue with Erika: 201", f"{st} {q}")
    st, t2 = a.api("POST", "/api/v1/tenants",
                   {"name": "Andere GmbH", "country_code": "49",
                    "area_code": "30"})
    S.check(st == 201, "another tenant: 201", f"{st} {t2}")
    w.tok_tenant = token(a, "client_admin", w.tid, name="Frau Muster")
    w.tok_agent = token(a, "agent", w.tid, w.erika, name="Erika")
    w.tok_other = token(a, "client_admin", t2["id"], name="Andere")


def test_events(w, label):
    a, b = w.a, w.b
    if label == "PostgreSQL":
        S.check("every 500 ms and on their notifications" in a.logtext() and
                "every 500 ms and on their notifications" in b.logtext(),
                f"{label}: both nodes LISTEN (a notification wakes them)",
                a.tail(20))
    rd = streams(w)
    # node-a writes once it has seen node-b's clients (within 1 s)
    wait_for(lambda: "a stream client in the cluster: events written"
             in a.logtext(), 10, "node-a to see node-b's clients")
    try:
        S.check(agent_act(a, w.erika, "login") == 200,
                f"{label}: Erika logs in through node-a")
        S.check(agent_act(a, w.erika, "pause", "Mittag") == 200,
                f"{label}: Erika pauses through node-a")
        r = Sipp("uac_announcement", remote=("127.0.0.1", a.sip_port),
                 local_port=a.trunk_port, service=DEMO["announcement"],
                 timeout_s=40, recv_timeout_ms=20000).run()
        S.check(r.successful == 1, f"{label}: a carrier's call to "
                "node-a's announcement completes", f"rc={r.rc}")
        wait_for(lambda: len(rd["a_admin"].events) >= 5 and
                 [e["type"] for e in rd["a_admin"].events][-1] == "ended",
                 10, "node-a's stream to get the call's end")
        time.sleep(LATENCY)
        ref = list(rd["a_admin"].events)
        got = rd["b_admin"].events
        kinds = [(e["class"], e["type"]) for e in ref]
        S.check(("agent", "state") in kinds and ("call", "new") in kinds
                and ("call", "answered") in kinds and
                ("call", "ended") in kinds,
                f"{label}: node-a's own stream has the agent's states and "
                "the call's new, answered, ended", f"{kinds}")
        S.check([strip(e) for e in got] == [strip(e) for e in ref],
                f"{label}: node-b's operator stream gets exactly node-a's "
                f"{len(ref)} events, in order, field by field",
                f"a: {[strip(e) for e in ref]}\nb: "
                f"{[strip(e) for e in got]}")
        S.check([e["seq"] for e in got] == list(range(1, len(got) + 1)),
                f"{label}: node-b's seq 1..{len(got)} without a gap",
                f"{[e['seq'] for e in got]}")
        S.check([e["time"] for e in got] == [e["time"] for e in ref],
                f"{label}: each event keeps node-a's time")
        lat = [g["_t"] - r_["_t"] for g, r_ in zip(got, ref)]
        S.check(lat and max(lat) < LATENCY,
                f"{label}: each within {LATENCY} s of node-a's stream "
                f"(at most {max(lat or [0]):.2f} s)", f"{lat}")
        st_ag = [e for e in ref if e["class"] == "agent"]
        S.check([(e["tenant_id"], e["agent"]["id"], e["state"],
                  e.get("reason")) for e in st_ag] ==
                [(w.tid, w.erika, "available", None),
                 (w.tid, w.erika, "paused", "Mittag")],
                f"{label}: the agent events: Erika available, then paused "
                "(Mittag), tenant Mustermann",
                f"{[strip(e) for e in st_ag]}")
        S.check(any(has_key(e, "email") for e in got),
                f"{label}: the operator's events carry Erika's e-mail")
        tgot = rd["b_tenant"].events
        S.check([strip(e) for e in tgot] ==
                [strip(e) for e in ref if e["tenant_id"] == w.tid],
                f"{label}: the client admin's stream on node-b: the same "
                "(its tenant's)", f"{[strip(e) for e in tgot]}")
        agot = rd["b_agent"].events
        S.check([strip(e) for e in agot] ==
                [no_email(strip(e)) for e in ref if e["tenant_id"] == w.tid]
                and not any(has_key(e, "email") for e in agot),
                f"{label}: Erika's agent stream on node-b: the same without "
                "any e-mail", f"{[strip(e) for e in agot]}")
        S.check(rd["b_other"].events == [],
                f"{label}: the other tenant's stream on node-b: nothing",
                f"{rd['b_other'].events}")
        # the other way round, and no echo
        na, nb = len(rd["a_admin"].events), len(got)
        S.check(agent_act(b, w.erika, "unpause") == 200,
                f"{label}: Erika unpauses through node-b")
        wait_for(lambda: len(rd["a_admin"].events) > na, LATENCY,
                 "node-a's stream to get node-b's unpause")
        time.sleep(LATENCY)
        a_new = [strip(e) for e in rd["a_admin"].events[na:]]
        b_new = [strip(e) for e in rd["b_admin"].events[nb:]]
        S.check(len(a_new) == 1 and a_new[0]["class"] == "agent" and
                a_new[0]["state"] == "available" and a_new == b_new,
                f"{label}: node-a's stream gets node-b's event once, the "
                "same as node-b's stream; node-b's once (no echo)",
                f"a: {a_new}\nb: {b_new}")
        S.check([e["seq"] for e in rd["a_admin"].events] ==
                list(range(1, na + 2)),
                f"{label}: node-a's seq 1..{na + 1}: none of its own "
                "events came back")
        for n, r_ in rd.items():
            S.check(r_.error is None, f"{label}: stream {n} stayed open",
                    f"{r_.error}")
    finally:
        for r_ in rd.values():
            r_.stop = True
        for r_ in rd.values():
            r_.join(5)
            try:
                r_.c.close()
            except Exception:  # noqa: BLE001 - best effort
                pass
    return len(ref) + 1


def rows_sqlite(w):
    import sqlite3
    con = sqlite3.connect(os.path.join(w.a.dir, "switchboard.db"),
                          timeout=10)
    try:
        return con.execute("SELECT node_id, class, type, count(*) FROM"
                           " node_events GROUP BY node_id, class, type"
                           " ORDER BY 1, 2, 3").fetchall()
    finally:
        con.close()


class World:
    pass


def announce_call(sb, label, what, trunk_port):
    r = Sipp("uac_announcement", remote=("127.0.0.1", sb.sip_port),
             local_port=trunk_port, service=DEMO["announcement"],
             timeout_s=40, recv_timeout_ms=20000).run()
    S.check(r.successful == 1, f"{label}: {what}: the call completes",
            f"rc={r.rc}")


def drain(rd, secs):
    """The events of reader rd once nothing came for secs."""
    n = -1
    while n != len(rd.events):
        n = len(rd.events)
        time.sleep(secs)
    return list(rd.events)


class Pinger(threading.Thread):
    """OPTIONS to a node every 50 ms; the answer times (None: none)."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.stop, self.rtt = port, False, []

    def run(self):
        p = Peer("127.0.0.1")
        try:
            while not self.stop:
                t0 = time.monotonic()
                cid, _ = p.request(("127.0.0.1", self.port), "OPTIONS",
                                   f"sip:127.0.0.1:{self.port}", "ping")
                r = p.final(cid, "OPTIONS", timeout=2)
                self.rtt.append(time.monotonic() - t0 if r else None)
                time.sleep(max(0, 0.05 - (time.monotonic() - t0)))
        finally:
            p.close()


def listen_outage(w, label, p):
    """Point 1: a LISTEN reconnect that hangs does not hold node-a."""
    a, b = w.a, w.b
    wait_for(lambda: len(p.psql(
        "SELECT pid FROM pg_stat_activity WHERE application_name ="
        " 'switchboard-listen'", db="sbev2")) == 2, 10,
        "both nodes' LISTEN connections")
    rd = {"b": TimedReader(WsClient(b.http_port, token=a.token))}
    S.check(rd["b"].c.connect() == 101, f"{label}: node-b's stream: 101")
    rd["b"].start()
    ping = Pinger(a.sip_port)
    ping.start()
    try:
        time.sleep(1)
        got = p.psql("SELECT count(pg_terminate_backend(pid)) FROM"
                     " pg_stat_activity WHERE application_name ="
                     " 'switchboard-listen'", db="sbev2")
        S.check(int(got[0][0]) == 2,
                f"{label}: both LISTEN connections killed", f"{got}")
        os.kill(p.proc.pid, signal.SIGSTOP)
        try:
            time.sleep(4)
        finally:
            os.kill(p.proc.pid, signal.SIGCONT)
        wait_for(lambda: "listening again on" in a.logtext() and
                 "listening again on" in b.logtext(), 15,
                 "both nodes to LISTEN again")
        time.sleep(1)
    finally:
        ping.stop = True
        ping.join(5)
    rtt = ping.rtt
    lost = sum(1 for x in rtt if x is None)
    worst = max((x for x in rtt if x is not None), default=0)
    S.check(len(rtt) >= 60 and lost == 0 and worst < 0.2,
            f"{label}: node-a answered all {len(rtt)} OPTIONS during the "
            f"outage, each within 200 ms (at most {worst * 1000:.0f} ms)",
            f"{lost} unanswered; {[round(x or -1, 3) for x in rtt]}")
    n = len(rd["b"].events)
    t0 = time.time()
    S.check(agent_act(a, w.erika, "pause", "Technik") == 200,
            f"{label}: Erika pauses through node-a")
    wait_for(lambda: len(rd["b"].events) > n, LATENCY,
             "node-b's stream to get node-a's event")
    ev = rd["b"].events[n]
    S.check(ev["class"] == "agent" and ev["state"] == "paused" and
            ev["_t"] - t0 < 1.0,
            f"{label}: afterwards node-a's event is on node-b's stream "
            f"({ev['_t'] - t0:.2f} s)", f"{strip(ev)}")
    rd["b"].stop = True
    rd["b"].join(5)
    rd["b"].c.close()


def relay(w, label, rows_after, pgc=None):
    """Points 3 and 2 of issue 21 on a fresh pair of nodes."""
    a, b = w.a, w.b
    wait_for(lambda: "following other nodes' events" in b.logtext(), 10,
             "node-b's relay")
    time.sleep(2 * HB)   # both have seen each other's heartbeat
    # 3: nobody anywhere has a stream client: nothing is written
    announce_call(a, label, "no stream client anywhere, a call on node-a",
                  a.trunk_port)
    time.sleep(1)
    S.check(rows_after(0) == [],
            f"{label}: no stream client anywhere: 0 rows in node_events",
            f"{rows_after(0)}")
    S.check("events written" not in a.logtext(),
            f"{label}: node-a never wrote", a.tail(10))
    rb = TimedReader(WsClient(b.http_port, token=a.token))
    S.check(rb.c.connect() == 101, f"{label}: a client on node-b: 101")
    t0 = time.time()
    rb.start()
    wait_for(lambda: "a stream client in the cluster: events written"
             in a.logtext(), HB + 2, "node-a to write again")
    S.check(time.time() - t0 <= HB + 1,
            f"{label}: node-a writes within a heartbeat of node-b's "
            f"client ({time.time() - t0:.1f} s)")
    announce_call(a, label, "a client on node-b, a call on node-a",
                  a.trunk_port)
    got = [e for e in drain(rb, 1.5)]
    rows = rows_after(0)
    S.check(len(got) >= 3 and [e["id"] for e in got] ==
            [r[0] for r in rows] and all(r[1] == "node-a" for r in rows)
            and [e["type"] for e in got] == [r[2] for r in rows],
            f"{label}: node-a's {len(rows)} rows are exactly node-b's "
            "client's events, by id", f"{got}\n{rows}")
    rb.stop = True
    rb.join(5)
    rb.c.close()
    if pgc:
        listen_outage(w, label, pgc)
    # 2: the only client is on node-a; node-a dies; a call on node-b;
    # the client comes back to node-b with its last id
    ra = TimedReader(WsClient(a.http_port, token=a.token))
    S.check(ra.c.connect() == 101, f"{label}: a client on node-a: 101")
    ra.start()
    act = ("unpause", None) if pgc else ("pause", "Technik")
    S.check(agent_act(a, w.erika, *act) == 200,
            f"{label}: Erika {act[0]}s through node-a")
    wait_for(lambda: ra.events and ra.events[-1]["class"] == "agent",
             5, "node-a's client to get Erika's state")
    last = ra.events[-1]["id"]
    paused = act[0] == "pause"
    ra.stop = True
    a.proc.kill()
    a.proc.wait()
    ra.join(5)
    announce_call(b, label, "node-a killed, a call on node-b",
                  a.trunk_port)
    time.sleep(1)
    missed = rows_after(last)
    S.check(len(missed) >= 3 and all(r[1] == "node-b" for r in missed),
            f"{label}: node-b wrote its {len(missed)} events after node-a "
            "died (node-a's client may come back)", f"{missed}")
    for how in ("query", "header"):
        kw = ({"query": f"last_event_id={last}"} if how == "query" else
              {"headers": {"Last-Event-ID": str(last)}})
        rc = TimedReader(WsClient(b.http_port, token=a.token, **kw))
        S.check(rc.c.connect() == 101,
                f"{label}: the client back on node-b ({how}): 101")
        rc.start()
        got = drain(rc, 1.0)
        S.check([(e["id"], e["type"]) for e in got] ==
                [(r[0], r[2]) for r in missed] and
                [e["seq"] for e in got] == list(range(1, len(got) + 1)),
                f"{label}: ({how}) it gets exactly the {len(missed)} "
                "missed events, in id order, none twice",
                f"{[(e['id'], e['type']) for e in got]}\n{missed}")
        n = len(rc.events)
        top = missed[-1][0]
        act = ("unpause", None) if paused else ("pause", "Kaffee")
        paused = not paused
        S.check(agent_act(b, w.erika, *act) == 200,
                f"{label}: Erika {act[0]}s through node-b")
        time.sleep(1.5)
        new = rows_after(top)
        live = rc.events[n:]
        S.check(len(new) == 1 and [(e["id"], e["type"]) for e in live] ==
                [(r[0], r[2]) for r in new],
                f"{label}: ({how}) then the live event once",
                f"{[(e['id'], e['type']) for e in live]}\n{new}")
        missed = missed + new
        rc.stop = True
        rc.join(5)
        rc.c.close()
        missed = [r for r in missed if r[0] > last]
    for q, hdr, what in (("last_event_id=x", None, "last_event_id"),
                         ("last_event_id=-1", None, "last_event_id"),
                         (None, {"Last-Event-ID": "12a"}, "Last-Event-ID")):
        c = WsClient(b.http_port, token=a.token, query=q, headers=hdr)
        st = c.connect()
        S.check(st == 400 and c.json_body().get("error") ==
                f"{what}: must be an event's id (an integer, 0 or more)",
                f"{label}: {q or hdr}: 400 naming {what}",
                f"{st} {c.body!r}")


def start_pair(w, db):
    """node-a (the demo data) and node-b on its store, started; w.a and
    w.b set as soon as each exists (the caller's finally cleans up)."""
    half = (RTP_MIN + RTP_MAX) // 2
    w.a = node("node-a", (RTP_MIN, half), db=db)
    w.a.start()
    w.b = node("node-b", (half + 1, RTP_MAX), w.a.dir, db=db)
    w.b.token = w.a.token
    w.b.start()


def end_pair(w):
    """The nodes' log tails if a check failed, then their cleanup."""
    for x in (w.a, w.b):
        if S.failed and x:
            print(x.tail(40), flush=True)
    for x in (w.b, w.a):
        if x:
            x.cleanup()


def run(label, db=None, rows=None):
    w = World()
    w.a = w.b = None
    try:
        start_pair(w, db)
        setup(w)
        n = test_events(w, label)
        if rows:
            got = rows(w)
            S.check(("node-a", "call", "new", 1) in got and
                    ("node-b", "agent", "state", 1) in got and
                    sum(r[3] for r in got) == n,
                    f"{label}: the store holds each event once, by its "
                    f"node ({n} rows)", f"{got}")
        for x, name in ((w.b, "node-b"), (w.a, "node-a")):
            code = x.stop()
            S.check(code == 0, f"{label}: {name} stops cleanly (no leaks)",
                    f"exit {code}\n{x.tail(30)}")
    finally:
        end_pair(w)


def run_relay(label, db=None, rows_after=None, pgc=None):
    w = World()
    w.a = w.b = None
    try:
        start_pair(w, db)
        w.tid, _, w.erika = demo_ids(w.a, "Erika")
        st, q = w.a.api("POST", "/api/v1/queues",
                        {"tenant_id": w.tid, "name": "Hotline",
                         "strategy": "ring_all", "ring_timeout": 15,
                         "members": [{"employee_id": w.erika}]})
        S.check(st == 201, f"{label}: a queue with Erika: 201", f"{st} {q}")
        S.check(agent_act(w.a, w.erika, "login") == 200,
                f"{label}: Erika logs in through node-a")
        relay(w, label, rows_after(w), pgc)
        code = w.b.stop()
        S.check(code == 0, f"{label}: node-b stops cleanly (no leaks)",
                f"exit {code}\n{w.b.tail(30)}")
    finally:
        end_pair(w)


def main():
    S.run(run, "SQLite", None, rows_sqlite)

    def rows_after_sqlite(w):
        import sqlite3

        def f(after):
            con = sqlite3.connect(os.path.join(w.a.dir, "switchboard.db"),
                                  timeout=10)
            try:
                return con.execute(
                    "SELECT id, node_id, type FROM node_events WHERE"
                    " id > ? ORDER BY id", (after,)).fetchall()
            finally:
                con.close()
        return f
    S.run(run_relay, "SQLite", None, rows_after_sqlite)
    with pg.Postgres() as p:
        p.createdb("sbev")
        url = f"postgresql://postgres@127.0.0.1:{p.port}/sbev"

        def rows_pg(w):
            return [(r[0], r[1], r[2], int(r[3])) for r in p.psql(
                "SELECT node_id, class, type, count(*) FROM node_events"
                " GROUP BY node_id, class, type ORDER BY 1, 2, 3",
                db="sbev")]
        S.run(run, "PostgreSQL", url, rows_pg)
        p.createdb("sbev2")
        url2 = f"postgresql://postgres@127.0.0.1:{p.port}/sbev2"

        def rows_after_pg(w):
            def f(after):
                return [(int(r[0]), r[1], r[2]) for r in p.psql(
                    "SELECT id, node_id, type FROM node_events WHERE"
                    f" id > {int(after)} ORDER BY id", db="sbev2")]
            return f
        S.run(run_relay, "PostgreSQL", url2, rows_after_pg, p)
        # LISTEN, not the poll: node-a was woken by node-b's notification
    S.finish()


if __name__ == "__main__":
    main()
