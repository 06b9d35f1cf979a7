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
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard, demo_ids  # noqa: E402
from ports import RTP_MIN, RTP_MAX  # noqa: E402
from peers import Sipp, wait_for  # noqa: E402
from ws import Reader, WsClient, has_key  # noqa: E402
import pg  # noqa: E402

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
    # node-a writes once it has seen node-b's heartbeat (within 1 s)
    wait_for(lambda: "other nodes alive: events written" in a.logtext(),
             10, "node-a to see node-b alive")
    if label == "PostgreSQL":
        S.check("every 500 ms and on their notifications" in a.logtext() and
                "every 500 ms and on their notifications" in b.logtext(),
                f"{label}: both nodes LISTEN (a notification wakes them)",
                a.tail(20))
    rd = streams(w)
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


def run(label, db=None, rows=None):
    w = World()
    w.a = w.b = None
    half = (RTP_MIN + RTP_MAX) // 2
    try:
        w.a = node("node-a", (RTP_MIN, half), db=db)
        w.a.start()
        w.b = node("node-b", (half + 1, RTP_MAX), w.a.dir, db=db)
        w.b.token = w.a.token
        w.b.start()
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
        for x in (w.a, w.b):
            if S.failed and x:
                print(x.tail(40), flush=True)
        for x in (w.b, w.a):
            if x:
                x.cleanup()


def main():
    S.run(run, "SQLite", None, rows_sqlite)
    with pg.Postgres() as p:
        p.createdb("sbev")
        url = f"postgresql://postgres@127.0.0.1:{p.port}/sbev"

        def rows_pg(w):
            return [(r[0], r[1], r[2], int(r[3])) for r in p.psql(
                "SELECT node_id, class, type, count(*) FROM node_events"
                " GROUP BY node_id, class, type ORDER BY 1, 2, 3",
                db="sbev")]
        S.run(run, "PostgreSQL", url, rows_pg)
        # LISTEN, not the poll: node-a was woken by node-b's notification
    S.finish()


if __name__ == "__main__":
    main()
