#!/usr/bin/env python3
"""leases.py - single-owner jobs on exactly one node (issue 21, "Failure"):
two Switchboard processes on ONE data directory (one SQLite file in WAL
mode, shared by both with the store's busy timeout) with different
--node-id, --heartbeat-interval 1 (so a lease lasts 3 s) and an SMTP sink
(aiosmtpd, as notes.py).

  * GET /api/v1/nodes on either node: the first node holds the three leases
    (outbox, escalation, trunkreg), the second none
  * a note saved through the second node: its mail is delivered exactly
    once, by the lease holder (the first node's log names the row)
  * kill -9 of the holder; a note saved meanwhile waits (pending) while
    the dead node's lease lives, then, after the TTL, the second node takes
    the three leases and delivers it exactly once; no mail arrives twice
  * a clean stop drops the leases at once (none left in the table)
"""
import os
import signal
import socket
import sqlite3
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from sb import Suite, Switchboard, demo_ids, free_port  # noqa: E402
from peers import wait_for  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402

warnings.filterwarnings("ignore", message="Session.login_data")
S = Suite("leases")
V = "/api/v1"
FROM = "notiz@switchboard.example"
ERIKA_MAIL = "erika@kunde.example"
LEASES = ["escalation", "outbox", "trunkreg"]
HEARTBEAT = 1  # [s]; a lease lasts 3 heartbeat intervals
env = {}


def server(sink, node_id, data_dir=None):
    args = ["--smtp-url", f"smtp://127.0.0.1:{sink.port}",
            "--smtp-from", FROM, "--node-id", node_id,
            "--heartbeat-interval", str(HEARTBEAT),
            "--node-stale-after", str(2 * HEARTBEAT),
            "--outbox-retry-base", "1", "--outbox-retry-max", "2",
            "--log-level", "debug"]
    if data_dir:
        args += ["--data-dir", data_dir]   # later flags win
    return Switchboard(extra_args=args, demo=data_dir is None,
                       own_trunk_port=False)


def nodes(sb):
    st, r = sb.api("GET", V + "/nodes")
    return {n["node_id"]: n for n in r} if st == 200 else {}


def held(sb, node_id):
    return sorted(x["name"] for x in nodes(sb).get(node_id, {})
                  .get("leases", []))


def db_leases(path):
    con = sqlite3.connect(path, timeout=10)
    try:
        return con.execute("SELECT name, holder FROM leases ORDER BY name"
                           ).fetchall()
    finally:
        con.close()


def new_note(sb, concern):
    return sb.api("POST", V + "/notes",
                  {"employee_ids": [env["erika"]],
                   "caller_name": "Hans Anrufer", "concern": concern},
                  env["tok"])


def mails_for(sink, nid):
    return [m for m in sink.parsed()
            if f"/notes/{nid}/open" in
            m[2].get_body(("plain",)).get_content()]


def deliveries(sb, nid):
    st, r = sb.api("GET", f"{V}/notes/{nid}/deliveries")
    return r if st == 200 else []


def setup(a):
    t, _, mx = demo_ids(a, "Max")
    _, _, er = demo_ids(a, "Erika")
    st, r = a.api("PATCH", f"{V}/employees/{er}", {"email": ERIKA_MAIL})
    S.check(st == 200, "Erika gets e-mail: 200", f"{st} {r}")
    st, r = a.api("POST", V + "/tokens", {"role": "agent", "tenant_id": t,
                                          "employee_id": mx,
                                          "name": "agent"})
    S.check(st == 201, "an agent token: 201", f"{st} {r}")
    env.update(erika=er, tok=r["token"])


def main():
    sink = SmtpSink(free_port(socket.SOCK_STREAM))
    sink.start()
    a = server(sink, "node-a")
    b = None
    db = os.path.join(a.dir, "switchboard.db")
    try:
        a.start()
        b = server(sink, "node-b", a.dir)
        b.token = a.token
        b.start()

        # who holds what
        S.check(wait_for(lambda: held(b, "node-a") == LEASES, 5,
                         "node-a's leases", lambda: repr(nodes(b))),
                "GET /nodes (on node-b): node-a, started first, holds the "
                "three leases", repr(nodes(b)))
        nb = nodes(a)
        S.check(held(a, "node-b") == [] and nb.get("node-b", {})
                .get("alive") is True and nb["node-a"]["self"] is True,
                "node-b is alive and holds no lease", repr(nb))
        lease = nodes(a)["node-a"]["leases"][0]
        S.check(set(lease) == {"name", "expires_at"} and
                lease["expires_at"].endswith("Z"),
                "a lease shows its name and expires_at", repr(lease))
        S.check(db_leases(db) == [(n, "node-a") for n in LEASES],
                "the leases table: three rows, all node-a's",
                repr(db_leases(db)))

        S.run(lambda: setup(a))

        # a note saved through node-b: delivered once, by node-a
        st, n1 = new_note(b, "Erste Notiz")
        S.check(st == 201, "POST /notes through node-b: 201", f"{st} {n1}")
        wait_for(lambda: len(mails_for(sink, n1["id"])) >= 1, 15,
                 "the first note's mail")
        time.sleep(2 * HEARTBEAT)   # a second delivery would come now
        d = deliveries(a, n1["id"])
        S.check(len(mails_for(sink, n1["id"])) == 1 and len(d) == 1 and
                d[0]["state"] == "sent" and d[0]["attempts"] == 1,
                "the first note's mail arrived exactly once, sent at the "
                "first attempt", repr(d))
        oid = d[0]["outbox_id"] if d else 0
        sent = f"notify: mail {oid} sent (attempt 1)"
        S.check(sent in a.logtext() and sent not in b.logtext(),
                "node-a (the holder) delivered it, node-b did not",
                a.tail(20))

        # kill -9 the holder; a note saved meanwhile waits for the TTL
        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait()
        t_kill = time.time()
        st, n2 = new_note(b, "Zweite Notiz")
        S.check(st == 201, "POST /notes through node-b after the kill: 201",
                f"{st} {n2}")
        time.sleep(0.5)
        d = deliveries(b, n2["id"])
        S.check(len(mails_for(sink, n2["id"])) == 0 and len(d) == 1 and
                d[0]["state"] == "pending",
                "while node-a's lease lives the mail waits (pending): "
                "node-b does not deliver", repr(d))
        ok = wait_for(lambda: held(b, "node-b") == LEASES, 10,
                      "node-b takes the leases", lambda: repr(nodes(b)))
        took = time.time() - t_kill
        S.check(ok and took >= 1.0 and took < 3 * HEARTBEAT + 2,
                "node-b takes the three leases after the TTL (3 heartbeat "
                "intervals after node-a's last renewal)",
                f"{took:.1f} s {nodes(b)}")
        S.check(db_leases(db) == [(n, "node-b") for n in LEASES],
                "the leases table: all node-b's", repr(db_leases(db)))
        wait_for(lambda: len(mails_for(sink, n2["id"])) >= 1, 15,
                 "the second note's mail")
        time.sleep(2 * HEARTBEAT)
        d = deliveries(b, n2["id"])
        oid = d[0]["outbox_id"] if d else 0
        S.check(len(mails_for(sink, n2["id"])) == 1 and
                d and d[0]["state"] == "sent" and
                f"notify: mail {oid} sent (attempt 1)" in b.logtext(),
                "node-b delivered the mail queued meanwhile exactly once",
                repr(d))
        S.check(len(mails_for(sink, n1["id"])) == 1 and
                len(sink.msgs) == 2,
                "nothing was delivered twice: two notes, two mails",
                f"{len(sink.msgs)}")

        # a clean stop gives the leases up at once
        code = b.stop()
        S.check(code == 0, "node-b stops cleanly (no leaks)",
                f"exit {code}\n{b.tail(30)}")
        S.check(db_leases(db) == [], "a clean stop drops its leases",
                repr(db_leases(db)))
    finally:
        for x in (a, b):
            if x:
                x.cleanup()
        sink.stop()
    S.finish()


if __name__ == "__main__":
    main()
