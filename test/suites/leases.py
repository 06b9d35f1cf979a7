#!/usr/bin/env python3
"""leases.py - single-owner jobs on exactly one node (issue 21, "Failure"):
two Switchboard processes on ONE data directory (one SQLite file in WAL
mode, shared by both with the store's busy timeout) with different
--node-id, --heartbeat-interval 1 (so a lease lasts 3 s) and an SMTP sink
(aiosmtpd, as notes.py).

  * GET /api/v1/nodes on either node: the first node holds the four leases
    (callbacks, outbox, escalation, trunkreg), the second none
  * a trunk registering at a sipp registrar: node-a registers it; GET
    /trunks/<id> on node-b shows node-a's state (registered, code 200,
    node "node-a", the same expires_at), not "unregistered"
  * a queue callback taken through node-b while Erika (agent, phone
    registered at node-b) is logged in on node-b: node-b does not dial it
    (node-a holds the callbacks lease; its engine has no agent): after 3
    heartbeat intervals still requested, attempts 0, Erika's phone silent
  * a note saved through the second node: its mail is delivered exactly
    once, by the lease holder (the first node's log names the row)
  * kill -9 of the holder; a note saved meanwhile waits (pending) while
    the dead node's lease lives, then, after the TTL, the second node takes
    the four leases and delivers it exactly once; no mail arrives twice
  * after the takeover node-b re-reads the callbacks: Erika's phone rings
    exactly once showing the customer, the request is claimed by node-b
    (callbacks.node) and ends failed after its 1 attempt (the customer's
    phone is offline) with Erika as agent; node-b registers the trunk
    itself (node "node-b", registered)
  * a clean stop drops the leases at once (none left in the table) and
    marks node-b's trunk registration unregistered in the store
"""
import os
import signal
import socket
import sqlite3
import sys
import time
import warnings
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from sb import DEMO, Suite, Switchboard, demo_ids, free_port  # noqa: E402
from peers import Baresip, Sipp, wait_for  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402

warnings.filterwarnings("ignore", message="Session.login_data")
S = Suite("leases")
V = "/api/v1"
FROM = "notiz@switchboard.example"
ERIKA_MAIL = "erika@kunde.example"
LEASES = ["callbacks", "escalation", "outbox", "trunkreg"]
CUSTOMER = "+4922182829901"  # Max's personal number; his phone is offline
REG_KEYS = {"auth_user": "auth4711", "auth_pass": "trunk-s3cret",
            "expires": 30}
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
                       own_trunk_port=False,
                       env={"SWITCHBOARD_CALLBACK_ATTEMPTS": "1",
                            "SWITCHBOARD_CALLBACK_RETRY": "2"})


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


def registration(sb, tid):
    st, t = sb.api("GET", f"{V}/trunks/{tid}")
    return (t or {}).get("registration") if st == 200 else None


def db_rows(path, sql):
    con = sqlite3.connect(path, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def setup_queue(a, r_port):
    """A queue offering callbacks with Erika its member; a trunk that
    registers at the sipp registrar on r_port."""
    t = env["tenant"]
    st, q = a.api("POST", V + "/queues",
                  {"tenant_id": t, "name": "Rueckruf", "strategy": "ring_all",
                   "ring_timeout": 10, "wrapup": 0, "max_misses": 3,
                   "callback": True,
                   "members": [{"employee_id": env["erika"]}]})
    S.check(st == 201, "a queue offering callbacks: 201", f"{st} {q}")
    st, tr = a.api("POST", V + "/trunks", {
        "name": "Carrier R", "tenant_id": t, "host": "127.0.0.1",
        "port": r_port, "transport": "udp", "register": True,
        "username": "acc4711", "auth_user": "auth4711",
        "password": "trunk-s3cret", "domain": "carrier.test",
        "expires": 30})
    S.check(st == 201, "a registering trunk: 201", f"{st} {tr}")
    env.update(queue=q["id"], trunk=tr["id"])


def iso(ms):
    t = datetime.fromtimestamp(ms // 1000, timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def test_dead_writer(a, b, db):
    """A registration state a dead node left in the store: "unknown" on a
    node that does not register it, with the dead node's figures."""
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))   # a registrar that never answers
    try:
        st, tr = a.api("POST", V + "/trunks", {
            "name": "Carrier S", "tenant_id": env["tenant"],
            "host": "127.0.0.1", "port": silent.getsockname()[1],
            "transport": "udp", "register": True, "username": "acc0815",
            "auth_user": "auth0815", "password": "trunk-s3cret",
            "domain": "carrier.test", "expires": 60})
        S.check(st == 201, "a trunk registering at a silent registrar: "
                "201", f"{st} {tr}")
        if st != 201:
            return
        t2 = tr["id"]
        S.check(wait_for(lambda: (registration(b, t2) or {}).get("node")
                         == "node-a", 10, "node-a's row"),
                "node-a registers it (registering, written to the store)",
                repr(registration(b, t2)))
        now = int(time.time() * 1000)
        hb, upd, retry = now - 60000, now - 30000, now + 600000
        con = sqlite3.connect(db, timeout=10)
        try:
            con.execute("INSERT INTO nodes (node_id, started_at, "
                        "heartbeat_at) VALUES ('node-gone', ?, ?)",
                        (hb - 3600000, hb))
            con.execute("UPDATE trunk_registrations SET node = "
                        "'node-gone', state = 'failed', code = 503, "
                        "reason = 'Service Unavailable', expires_at = 0, "
                        "retry_at = ?, failures = 2, updated_at = ? "
                        "WHERE trunk_id = ?", (retry, upd, t2))
            con.commit()
            rb, ra = registration(b, t2), registration(a, t2)
            con.execute("UPDATE trunk_registrations SET state = "
                        "'unregistered', code = 0, reason = '', "
                        "retry_at = 0, failures = 0 WHERE trunk_id = ?",
                        (t2,))
            con.commit()
            ru = registration(b, t2)
            con.execute("UPDATE trunk_registrations SET node = 'node-a', "
                        "state = 'failed' WHERE trunk_id = ?", (t2,))
            con.commit()
            rl = registration(b, t2)
            con.execute("DELETE FROM nodes WHERE node_id = 'node-gone'")
            con.commit()
        finally:
            con.close()
        S.check(rb == {"state": "unknown", "code": 503,
                       "reason": "Service Unavailable", "expires_at": None,
                       "retry_at": iso(retry), "failures": 2,
                       "node": "node-gone", "updated_at": iso(upd)},
                "a failed state written by a node whose heartbeat is 60 s "
                "old (stale after 2 s), on node-b: unknown, with that "
                "node's figures, node and updated_at", repr(rb))
        S.check(ra and ra["state"] == "registering" and
                ra["node"] == "node-a",
                "on node-a (it registers the trunk): its live state, "
                "registering", repr(ra))
        S.check(ru and ru["state"] == "unregistered" and
                ru["node"] == "node-gone",
                "unregistered written by the dead node stays unregistered",
                repr(ru))
        S.check(rl and rl["state"] == "failed" and rl["node"] == "node-a",
                "failed written by a live node (node-a) stays failed",
                repr(rl))
        st, _ = a.api("DELETE", f"{V}/trunks/{t2}")
        S.check(st == 204, "the trunk is deleted: 204", str(st))
    finally:
        silent.close()


def agent_state(sb, aid):
    st, r = sb.api("GET", f"{V}/agents/{aid}")
    return r.get("state") if st == 200 else f"{st} {r}"


def served(sb, cid, secs=30):
    """The callback cid once it ended (completed, failed, cancelled)."""
    c = None
    deadline = time.time() + secs
    while time.time() < deadline:
        st, c = sb.api("GET", f"{V}/callbacks/{cid}")
        if st == 200 and c["state"] in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.3)
    return c


def one_failed_call(sb, cid, phone, m0, what_call, what_end):
    """Callback cid rang Erika's phone once (since mark m0) with the
    customer, and ended failed after its one attempt (he is offline)."""
    c = served(sb, cid)
    calls = [e for e in phone.events[m0:]
             if e.get("type") == "CALL_ESTABLISHED"]
    S.check(len(calls) == 1 and CUSTOMER in calls[0].get("peeruri", ""),
            what_call, repr(phone.event_types()[m0:]))
    S.check(c and c["state"] == "failed" and c["attempts"] == 1 and
            c["agent_id"] == env["erika"], what_end, repr(c))


def test_holder_dials(a, b, phone, db):
    """Erika logged in on node-b, a callback requested through node-b: the
    holder of the callbacks lease (node-a) dials her (agents are rows)."""
    m0 = phone.mark()
    st, cb = b.api("POST", V + "/callbacks",
                   {"queue_id": env["queue"], "number": CUSTOMER})
    S.check(st == 201 and cb["state"] == "requested",
            "POST /callbacks through node-b, Erika available on node-b: 201 "
            "requested", f"{st} {cb}")
    if st != 201:
        return
    one_failed_call(b, cb["id"], phone, m0,
                    "Erika's phone (on node-b) takes one call, showing the "
                    "customer",
                    "it ends failed after its 1 attempt (customer offline), "
                    "Erika its agent")
    served_line = f"acd: callback {cb['id']} to "
    S.check(db_rows(db, f"SELECT node FROM callbacks WHERE id = "
                    f"{cb['id']}") == [("node-a",)] and
            served_line in a.logtext() and served_line not in b.logtext(),
            "dialled by node-a (the holder of the callbacks lease), not by "
            "node-b", b.tail(20))


def test_members_elsewhere(a, b, phone):
    """The queue's members changed through node-b count on node-a, the
    holder of the callbacks lease, at once (acd_changes rows), not only
    at its next start."""
    q = env["queue"]
    taken = f"acd: queue {q} changed through node-b: taken over"
    n0 = a.logtext().count(taken)
    st, r = b.api("PATCH", f"{V}/queues/{q}", {"members": []})
    S.check(st == 200 and r["members"] == [],
            "PATCH through node-b: Erika is no longer a member: 200",
            f"{st} {r}")
    S.check(wait_for(lambda: a.logtext().count(taken) > n0, 5,
                     "node-a takes the change over", lambda: a.tail(10)),
            "node-a takes the change over (within 5 s)")
    m0 = phone.mark()
    st, cb = b.api("POST", V + "/callbacks",
                   {"queue_id": q, "number": CUSTOMER})
    S.check(st == 201 and cb["state"] == "requested",
            "POST /callbacks through node-b: 201 requested", f"{st} {cb}")
    if st != 201:
        return
    time.sleep(3 * HEARTBEAT)
    st, c = b.api("GET", f"{V}/callbacks/{cb['id']}")
    S.check(st == 200 and c["state"] == "requested" and
            c["attempts"] == 0 and
            phone.wait_event(("CALL_INCOMING", "CALL_ESTABLISHED"), 0.5,
                             since=m0) is None,
            "node-a does not ring Erika, no member any more: the request "
            "waits (requested, attempts 0)", f"{st} {c}")
    st, r = b.api("PATCH", f"{V}/queues/{q}",
                  {"members": [{"employee_id": env["erika"]}]})
    S.check(st == 200 and len(r["members"]) == 1,
            "PATCH through node-b: Erika a member again: 200", f"{st} {r}")
    ev = phone.wait_event("CALL_ESTABLISHED", 6, since=m0)
    S.check(ev is not None and CUSTOMER in ev.get("peeruri", ""),
            "node-a rings her at once (the waiting request joins on the "
            "change, not at its 10 s retry)", a.tail(20))
    one_failed_call(b, cb["id"], phone, m0,
                    "one call on her phone, showing the customer",
                    "it ends failed after its 1 attempt, Erika its agent")


def test_direct_call_elsewhere(a, b, phone, db):
    """Erika on a direct call through node-b is busy for node-a too (an
    on_call claim of node-b): node-a, the holder of the callbacks lease,
    does not ring her for a callback until she hangs up."""
    mx = Baresip("1001", DEMO["devices"]["1001"],
                 server=("127.0.0.1", b.sip_port))
    mx.start()
    try:
        S.check(mx.wait_registered(15), "Max's phone registers at node-b")
        m0 = phone.mark()
        phone.dial(f"sip:1001@127.0.0.1:{b.sip_port}")
        S.check(phone.wait_event("CALL_ESTABLISHED", 10, since=m0)
                is not None, "Erika calls Max through node-b: answered")
        S.check(wait_for(lambda: db_rows(
            db, f"SELECT node_id, kind FROM agent_claims WHERE "
            f"employee_id = {env['erika']}") == [("node-b", "on_call")],
                         5, "node-b's on_call claim of Erika"),
                "the store: node-b claims her on_call (a direct call)",
                repr(db_rows(db, "SELECT * FROM agent_claims")))
        S.check(wait_for(lambda: agent_state(a, env["erika"]) ==
                         "on_call", 5, "node-a sees her on_call"),
                "GET /agents/<Erika> on node-a: on_call",
                agent_state(a, env["erika"]))
        m1 = phone.mark()
        st, cb = b.api("POST", V + "/callbacks",
                       {"queue_id": env["queue"], "number": CUSTOMER})
        S.check(st == 201, "POST /callbacks through node-b: 201",
                f"{st} {cb}")
        time.sleep(3 * HEARTBEAT)
        st, c = b.api("GET", f"{V}/callbacks/{cb['id']}")
        S.check(st == 200 and c["state"] == "requested" and
                phone.wait_event("CALL_INCOMING", 0.5, since=m1) is None,
                "node-a does not ring her during her direct call: the "
                "request waits (requested)", f"{st} {c}")
        m2 = phone.mark()
        phone.hangup()
        S.check(phone.wait_event("CALL_CLOSED", 10, since=m2) is not None,
                "Erika hangs up")
        S.check(wait_for(lambda: db_rows(
            db, f"SELECT node_id FROM agent_claims WHERE "
            f"employee_id = {env['erika']} AND node_id = 'node-b'") == [],
                         5, "node-b's claim gone"),
                "the store: node-b's claim is gone after the call")
        mx_mark = mx.mark()
        ev = phone.wait_event("CALL_ESTABLISHED", 10, since=m2)
        S.check(ev is not None and CUSTOMER in ev.get("peeruri", ""),
                "then node-a rings her, showing the customer", repr(ev))
        # the customer's number is Max's, and his phone is online now
        S.check(mx.wait_event("CALL_ESTABLISHED", 15, since=mx_mark)
                is not None, "the customer (Max's phone) answers")
        phone.hangup()
        c = served(b, cb["id"])
        S.check(c and c["state"] == "completed" and c["attempts"] == 1 and
                c["agent_id"] == env["erika"],
                "the callback is completed at its first attempt, Erika its "
                "agent", repr(c))
    finally:
        mx.stop()


def test_take_at_once(a, b, phone, db):
    """A request taken through node-a (restarted, no lease) and at once
    taken by hand on node-b (the holder), before node-b's re-read."""
    a.start()
    try:
        body = {"agent_id": env["erika"]}
        # node-b looks at the store every heartbeat (1 s); when that look
        # falls between the request and the take (seen under load), node-b
        # dials the request itself and the take is 409 "being called
        # already": that order is not the one tested here, so the request
        # ends (one failed attempt) and a new one is taken, at most twice
        for attempt in (1, 2, 3):
            m0 = phone.mark()
            st, cb = a.api("POST", V + "/callbacks",
                           {"queue_id": env["queue"], "number": CUSTOMER})
            if st != 201:
                break
            tst, r = b.api("POST", f"{V}/callbacks/{cb['id']}/take", body)
            if attempt == 3 or (tst, r) != (409, {
                    "error": f"callback {cb['id']} is being called "
                    "already"}):
                break
            print(f"     note: node-b's look at the store came before the "
                  f"take (attempt {attempt}): it dials callback {cb['id']} "
                  "itself; once more", flush=True)
            served(b, cb["id"])
            wait_for(lambda: agent_state(b, env["erika"]) == "available",
                     15, "Erika available again")
        S.check(st == 201 and cb["state"] == "requested",
                "POST /callbacks through node-a (no lease): 201 requested",
                f"{st} {cb}")
        if st != 201:
            return
        st = tst
        S.check(st == 200 and r["state"] == "calling" and
                r["attempts"] == 0,
                "at once, POST /callbacks/<id>/take on node-b (the holder, "
                "its re-read not yet done): 200 calling", f"{st} {r}")
        S.check(db_rows(db, f"SELECT node, state FROM callbacks "
                        f"WHERE id = {cb['id']}") == [("node-b",
                                                       "calling")],
                "the store: claimed by node-b")
        st, r = a.api("POST", f"{V}/callbacks/{cb['id']}/take", body)
        S.check(st == 503 and r == {
            "error": f"callback {cb['id']} is served by another node (the "
            "holder of the callbacks lease)"},
                "take on node-a (no callbacks lease): 503, served by "
                "another node", f"{st} {r}")
        one_failed_call(b, cb["id"], phone, m0,
                        "Erika's phone takes the call, showing the customer",
                        "it ends failed after its 1 attempt (customer "
                        "offline), Erika its agent")
    finally:
        code = a.stop()
        S.check(code == 0, "node-a stops cleanly (no leaks)",
                f"exit {code}\n{a.tail(30)}")


def setup(a):
    t, _, mx = demo_ids(a, "Max")
    _, _, er = demo_ids(a, "Erika")
    st, r = a.api("PATCH", f"{V}/employees/{er}", {"email": ERIKA_MAIL})
    S.check(st == 200, "Erika gets e-mail: 200", f"{st} {r}")
    st, r = a.api("POST", V + "/tokens", {"role": "agent", "tenant_id": t,
                                          "employee_id": mx,
                                          "name": "agent"})
    S.check(st == 201, "an agent token: 201", f"{st} {r}")
    env.update(erika=er, tok=r["token"], tenant=t)


def main():
    sink = SmtpSink(free_port(socket.SOCK_STREAM))
    sink.start()
    r_port = free_port()
    reg = Sipp("registrar_digest", local_port=r_port, calls=1000,
               keys=REG_KEYS, recv_timeout_ms=0, timeout_s=900).start()
    a = server(sink, "node-a")
    b = None
    phone = None
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
                "four leases", repr(nodes(b)))
        nb = nodes(a)
        S.check(held(a, "node-b") == [] and nb.get("node-b", {})
                .get("alive") is True and nb["node-a"]["self"] is True,
                "node-b is alive and holds no lease", repr(nb))
        lease = nodes(a)["node-a"]["leases"][0]
        S.check(set(lease) == {"name", "expires_at"} and
                lease["expires_at"].endswith("Z"),
                "a lease shows its name and expires_at", repr(lease))
        S.check(db_leases(db) == [(n, "node-a") for n in LEASES],
                "the leases table: four rows, all node-a's",
                repr(db_leases(db)))

        S.run(lambda: setup(a))
        S.run(lambda: setup_queue(a, r_port))
        tid = env["trunk"]

        # the trunk: node-a registers, node-b shows node-a's state
        ok = wait_for(lambda: (registration(a, tid) or {}).get("state") ==
                      "registered", 15, "node-a registers the trunk")
        ra, rb = registration(a, tid), registration(b, tid)
        S.check(ok and ra["node"] == "node-a" and ra["code"] == 200 and
                ra["updated_at"].endswith("Z"),
                "GET /trunks/<id> on node-a: registered by node-a, 200",
                repr(ra))
        S.check(rb and rb["state"] == "registered" and rb["code"] == 200 and
                rb["node"] == "node-a" and rb["failures"] == 0 and
                rb["retry_at"] is None and
                rb["expires_at"] == ra["expires_at"] and
                rb["updated_at"] == ra["updated_at"],
                "GET /trunks/<id> on node-b: node-a's state (registered, "
                "200, node-a, the same expires_at and updated_at)",
                f"{rb} / {ra}")
        S.check("trunkreg: trunk %d " % tid not in b.logtext(),
                "node-b sent no REGISTER of its own", b.tail(10))
        S.run(lambda: test_dead_writer(a, b, db))

        # a callback taken through node-b, Erika logged in on node-b
        phone = Baresip("1002", DEMO["devices"]["1002"],
                        server=("127.0.0.1", b.sip_port), tone=1000)
        phone.start()
        S.check(phone.wait_registered(15), "Erika's phone registers at "
                "node-b")
        st, _ = b.api("POST", f"{V}/agents/{env['erika']}/state",
                      {"action": "login"})
        S.check(st == 200, "Erika logs in on node-b: 200", str(st))
        S.run(lambda: test_holder_dials(a, b, phone, db))
        S.run(lambda: test_members_elsewhere(a, b, phone))
        S.run(lambda: test_direct_call_elsewhere(a, b, phone, db))

        # Erika pauses: a callback requested through node-b waits, it is
        # not lost when node-a dies, node-b dials it after the takeover
        st, _ = b.api("POST", f"{V}/agents/{env['erika']}/state",
                      {"action": "pause", "reason": "Akten"})
        S.check(st == 200, "Erika pauses through node-b: 200", str(st))
        S.check(wait_for(lambda: agent_state(a, env["erika"]) == "paused",
                         5, "node-a sees Erika paused",
                         lambda: agent_state(a, env["erika"])),
                "node-a follows her pause (agent_states rows)")
        m0 = phone.mark()
        st, cb = b.api("POST", V + "/callbacks",
                       {"queue_id": env["queue"], "number": CUSTOMER})
        S.check(st == 201 and cb["state"] == "requested",
                "POST /callbacks through node-b: 201 requested",
                f"{st} {cb}")
        time.sleep(3 * HEARTBEAT)
        st, c = b.api("GET", f"{V}/callbacks/{cb['id']}")
        S.check(st == 200 and c["state"] == "requested" and
                c["attempts"] == 0 and
                phone.wait_event(("CALL_INCOMING", "CALL_ESTABLISHED"),
                                 0.5, since=m0) is None,
                "while Erika pauses the callback waits: still requested, "
                "attempts 0, her phone silent", f"{st} {c}")

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

        # a mail node-a sends when it is killed: the server has it, the
        # 250 never reaches node-a (the sink holds its reply)
        sink.delay = 30
        st, n3 = new_note(a, "Dritte Notiz")
        S.check(st == 201, "POST /notes through node-a: 201", f"{st} {n3}")
        S.check(wait_for(lambda: len(mails_for(sink, n3["id"])) == 1, 15,
                         "the third note's mail at the server"),
                "the third note's mail reached the server (reply held)")
        d = deliveries(a, n3["id"])
        S.check(len(d) == 1 and d[0]["state"] == "sending",
                "its delivery is sending (node-a's) while the reply waits",
                repr(d))

        # kill -9 the holder; a note saved meanwhile waits for the TTL
        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait()
        t_kill = time.time()
        sink.delay = 0
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
                "node-b takes the four leases after the TTL (3 heartbeat "
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
        # the mail of the kill: sent again by node-b, the same Message-ID
        wait_for(lambda: len(mails_for(sink, n3["id"])) >= 2, 15,
                 "the third note's mail again")
        m3 = mails_for(sink, n3["id"])
        ids = [m[2]["Message-ID"] for m in m3]
        d = deliveries(b, n3["id"])
        S.check(len(m3) == 2 and ids[0] and ids[0] == ids[1],
                "the mail node-a was killed sending is sent again by "
                "node-b (at least once), with the same Message-ID",
                repr(ids))
        S.check(len(d) == 1 and d[0]["state"] == "sent" and
                d[0]["attempts"] == 1 and
                "deliveries of dead nodes are pending again" in b.logtext(),
                "its delivery: sent by node-b, one attempt counted (the "
                "killed one had no outcome)", repr(d))
        S.check(len(mails_for(sink, n1["id"])) == 1 and
                len(sink.msgs) == 4,
                "nothing else was delivered twice: three notes, four mails",
                f"{len(sink.msgs)}")

        # node-b serves the callback after the takeover, once Erika is back
        st, _ = b.api("POST", f"{V}/agents/{env['erika']}/state",
                      {"action": "unpause"})
        S.check(st == 200, "after the takeover Erika comes back through "
                "node-b: 200", str(st))
        one_failed_call(b, cb["id"], phone, m0,
                        "Erika's phone took exactly one call, showing the "
                        "customer",
                        "the callback accepted before the kill: dialled by "
                        "node-b, failed after its 1 attempt (customer "
                        "offline), Erika its agent")
        S.check(db_rows(db, f"SELECT node FROM callbacks WHERE id = "
                        f"{cb['id']}") == [("node-b",)],
                "the store: claimed by node-b",
                repr(db_rows(db, "SELECT id, node, state FROM callbacks")))

        # node-b registers the trunk itself
        ok = wait_for(lambda: (registration(b, tid) or {}).get("node") ==
                      "node-b", 15, "node-b registers the trunk")
        rb = registration(b, tid)
        S.check(ok and rb["state"] == "registered" and rb["code"] == 200,
                "after the takeover node-b registers the trunk: registered "
                "by node-b", repr(rb))

        S.run(lambda: test_take_at_once(a, b, phone, db))

        # a clean stop gives the leases up at once
        code = b.stop()
        S.check(code == 0, "node-b stops cleanly (no leaks)",
                f"exit {code}\n{b.tail(30)}")
        S.check(db_leases(db) == [], "a clean stop drops its leases",
                repr(db_leases(db)))
        rows = db_rows(db, "SELECT trunk_id, node, state, expires_at FROM "
                       "trunk_registrations")
        S.check(rows == [(tid, "node-b", "unregistered", 0)],
                "a clean stop: the trunk's stored state is unregistered, "
                "by node-b", repr(rows))
    finally:
        if phone:
            phone.stop()
        reg.stop()
        for x in (a, b):
            if x:
                x.cleanup()
        sink.stop()
    S.finish()


if __name__ == "__main__":
    main()
