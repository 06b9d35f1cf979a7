#!/usr/bin/python3
"""The event stream GET /api/v1/events (WebSocket, RFC 6455) end to end,
read by the test client of test/lib/ws.py.

  * Refused before any upgrade, with the error naming the problem: no
    token, a wrong token (header, ?access_token=, subprotocol) 401; not
    a WebSocket request 426; version 8 426; a bad key 400; POST 405; an
    unknown query parameter 400; a tenant that does not exist 422;
    another tenant than the token's 403; roles other than operator,
    client_admin and agent, an agent without a tenant, an agent on
    another endpoint 403.
  * Real calls (sipp from the trunk, sipp as Max's softclient 1011,
    baresip as Erika 1002 and Max's desk phone 1001) give exactly the
    events expected, field by field, in order, seq 1, 2, 3, ... on each
    stream: an announcement call (new, answered, ended), a blind
    transfer (new, ringing, answered, transferred, bridged, ended), and
    a call of another tenant, which only the operator and that tenant's
    stream see.  The agent's stream has no "email" anywhere; the
    operator's has Max's and Erika's.
  * A client that stops reading (4 KiB receive buffer) while 60 calls
    come is closed with 1008 "too slow: N bytes unsent" after at most
    about twice --events-queue-max (8 KiB here) of messages; stats count
    it; a client that reads gets every event of every call.
  * Ping and pong both ways, a clean close (echo, then TCP closed), a
    client that answers no pings is dropped, and shutdown says 1001.
"""
import hashlib
import json
import os
import re
import socket
import sqlite3
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard  # noqa: E402
from peers import Baresip, Sipp, wait_for  # noqa: E402
import ws as wsl  # noqa: E402
from ws import Reader, WsClient, WsError, has_key  # noqa: E402

S = Suite("events")
PW = DEMO["devices"]
QUEUE_MAX = 8192
PROTO = "switchboard.events.v1"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def add_token(sb, role, tenant_id):
    token = os.urandom(32).hex()
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    try:
        con.execute("INSERT INTO api_tokens (token_sha256, role, tenant_id,"
                    " name, created_at) VALUES (?, ?, ?, ?, ?)",
                    (hashlib.sha256(token.encode()).hexdigest(), role,
                     tenant_id, f"test {role}", 0))
        con.commit()
    finally:
        con.close()
    return token


def stats(sb):
    st, s = sb.api("GET", "/api/v1/stats")
    return s["events"]


def refused(sb, what, status, msg, **kw):
    c = WsClient(sb.http_port, **kw)
    st = c.connect()
    S.check(st == status and c.json_body() == {"error": msg} and
            ("upgrade" not in c.headers or status == 426) and
            "sec-websocket-accept" not in c.headers,
            f"{what}: {status}, no upgrade",
            f"got {st} {c.body!r} {c.headers}")
    return c


def test_refused(sb, t):
    r = refused(sb, "no token", 401, "missing or invalid token")
    S.check(r.headers.get("www-authenticate") == "Bearer",
            "401 says WWW-Authenticate: Bearer", str(r.headers))
    refused(sb, "a wrong token in the header", 401,
            "missing or invalid token", token="0" * 64)
    refused(sb, "a wrong ?access_token=", 401, "missing or invalid token",
            query="access_token=" + "0" * 64)
    refused(sb, "a wrong bearer subprotocol", 401,
            "missing or invalid token", protocols=[PROTO, "bearer.x" * 3])
    refused(sb, "a plain GET (no Upgrade)", 426,
            "a WebSocket endpoint: Upgrade: websocket is required",
            token=sb.token, upgrade=False)
    r = refused(sb, "WebSocket version 8", 426,
                "Sec-WebSocket-Version: must be 13", token=sb.token,
                version="8")
    S.check(r.headers.get("sec-websocket-version") == "13",
            "426 names the version we speak: 13", str(r.headers))
    refused(sb, "a key that is not 16 bytes", 400,
            "Sec-WebSocket-Key: must be the base64 of 16 bytes",
            token=sb.token, key="c2hvcnQ=")
    refused(sb, "an unknown query parameter", 400,
            "since: unknown query parameter", token=sb.token,
            query="since=2026-01-01T00:00:00Z")
    refused(sb, "?tenant_id= of no tenant", 422,
            "tenant_id: tenant 99999 does not exist", token=sb.token,
            query="tenant_id=99999")
    refused(sb, "an agent asking for another tenant", 403,
            f"tenant_id: this token is tenant {t['a']}'s",
            token=t["agent"], query=f"tenant_id={t['b']}")
    refused(sb, "role viewer", 403,
            "role viewer may not GET /api/v1/events", token=t["viewer"])
    refused(sb, "an agent without a tenant", 403,
            "role agent may not GET /api/v1/events", token=t["agent0"])
    st, b = sb.api("GET", "/api/v1/tenants", token=t["agent"])
    S.error_is("an agent token on another endpoint: 403", (st, b), 403,
               "role agent may not GET /api/v1/tenants")
    c = socket.create_connection(("127.0.0.1", sb.http_port), 5)
    c.sendall(b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\n"
              b"Authorization: Bearer " + sb.token.encode() +
              b"\r\nContent-Length: 0\r\n\r\n")
    raw = c.recv(4096).decode()
    c.close()
    S.check(raw.startswith("HTTP/1.1 405 ") and
            '{"error":"method POST not allowed here; use GET"}' in raw,
            "POST: 405, use GET", raw[:200])
    S.check(stats(sb)["clients"] == 0, "no client was let in",
            str(stats(sb)))


def strip(ev):
    """An event without its time (checked apart) and seq."""
    return {k: v for k, v in ev.items() if k not in ("seq", "time")}


def seq_ok(events, first=1):
    return [e["seq"] for e in events] == list(range(first,
                                                    first + len(events)))


def call_base(tid, call_id, rec_id, direction, frm, to, caller):
    return {"class": "call", "tenant_id": tid, "call_id": call_id,
            "record_id": rec_id, "direction": direction, "from": frm,
            "to": to, "caller": caller}


def calls_of(sb):
    st, calls = sb.api("GET", "/api/v1/calls?limit=100")
    return calls


def test_calls(sb, t):
    admin = WsClient(sb.http_port, token=sb.token)
    tenant = WsClient(sb.http_port, query=f"access_token={t['scoped']}")
    agent = WsClient(sb.http_port, protocols=[PROTO, "bearer." + t["agent"]])
    other = WsClient(sb.http_port, token=t["other"])
    for name, c in (("admin (header)", admin),
                    ("tenant admin (?access_token=)", tenant),
                    ("agent (subprotocol bearer.)", agent),
                    ("the other tenant's", other)):
        st = c.connect()
        S.check(st == 101, f"{name} stream: 101 Switching Protocols",
                f"{st} {c.body!r}")
    S.check(agent.headers.get("sec-websocket-protocol") == PROTO,
            f"the subprotocol answered is {PROTO}, never the token",
            str(agent.headers))
    S.check("sec-websocket-protocol" not in admin.headers,
            "no subprotocol answered when none was offered",
            str(admin.headers))
    readers = [Reader(c) for c in (admin, tenant, agent, other)]
    for r in readers:
        r.start()
    wait_for(lambda: stats(sb)["clients"] == 4, 5, "4 clients in stats")

    # 1: a carrier calls the announcement number of Mustermann AG
    r = Sipp("uac_announcement", remote=("127.0.0.1", sb.sip_port),
             local_port=sb.trunk_port, service=DEMO["announcement"],
             timeout_s=40, recv_timeout_ms=20000).run()
    S.check(r.successful == 1, "the announcement call completes",
            f"rc={r.rc}")

    # 2: Max's softclient (sipp as 1011) calls Erika (1002), who answers
    # and is transferred to Max's desk phone (1001) by a REFER
    erika = Baresip("1002", PW["1002"], server=("127.0.0.1", sb.sip_port))
    desk = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port))
    erika.start()
    desk.start()
    try:
        erika.wait_registered(10)
        desk.wait_registered(10)
        run = Sipp("uac_refer", remote=("127.0.0.1", sb.sip_port),
                   service="1002", auth=("1011", PW["1011"]),
                   keys={"user": "1011", "referhdr":
                         f"Refer-To: <sip:1001@127.0.0.1:{sb.sip_port}>"},
                   timeout_s=40, recv_timeout_ms=20000).start()
        S.check(desk.wait_event("CALL_ESTABLISHED", 15) is not None,
                "the transfer target (1001) answers")
        run.wait(30)
        erika.hangup()
        S.check(desk.wait_event("CALL_CLOSED", 10) is not None,
                "Erika hangs up: the call ends")
    finally:
        erika.stop()
        desk.stop()

    # 3: a carrier calls the other tenant's announcement number
    r = Sipp("uac_announcement", remote=("127.0.0.1", sb.sip_port),
             local_port=sb.trunk_port, service=t["b_number"],
             timeout_s=40, recv_timeout_ms=20000).run()
    S.check(r.successful == 1, "the other tenant's call completes",
            f"rc={r.rc}")

    wait_for(lambda: sum(1 for e in readers[0].events
                         if e.get("type") == "ended") >= 3, 10,
             "three ended calls on the admin's stream")
    time.sleep(0.3)
    evs = [r.finish() for r in readers]
    for r, name in zip(readers, ("admin", "tenant", "agent", "other")):
        S.check(r.error is None, f"the {name} stream stayed open",
                repr(r.error))

    calls = sorted(calls_of(sb), key=lambda c: c["id"])
    ann, xfer, oth = calls[-3], calls[-2], calls[-1]
    A, B = t["a"], t["b"]
    max_e = {"id": t["max"], "name": "Max Mustermann",
             "email": "max.mustermann@mustermann.example"}
    erika_e = {"id": t["erika"], "name": "Erika Musterfrau",
               "email": "erika.musterfrau@mustermann.example"}

    b1 = call_base(A, ann["sip_call_id"], ann["id"], "inbound",
                   ann["from_number"], DEMO["announcement"],
                   ann["caller_leg"])
    want_ann = [
        dict(b1, type="new"),
        dict(b1, type="answered", target="announcement"),
        dict(b1, type="ended", disposition="answered", sip_code=200,
             ended_by="system"),
    ]
    # from: Max's extension (1011 is his softclient); once Max has
    # transferred Erika, she is the caller's side of the call
    b2 = dict(call_base(A, xfer["sip_call_id"], xfer["id"], "internal",
                        "1001", "1002", "device:1011"),
              caller_employee=max_e)
    b2x = dict(b2, caller="device:1002", caller_employee=erika_e)
    want_xfer = [
        dict(b2, type="new"),
        dict(b2, type="ringing", target="employee"),
        dict(b2, type="answered", target="device:1002",
             target_employee=erika_e),
        dict(b2x, type="transferred"),
        dict(b2x, type="bridged", target="device:1001",
             target_employee=max_e),
        dict(b2x, type="ended", disposition="answered", sip_code=200,
             ended_by="caller"),
    ]
    b3 = call_base(B, oth["sip_call_id"], oth["id"], "inbound",
                   oth["from_number"], t["b_number"], oth["caller_leg"])
    want_oth = [
        dict(b3, type="new"),
        dict(b3, type="answered", target="announcement"),
        dict(b3, type="ended", disposition="answered", sip_code=200,
             ended_by="system"),
    ]

    def no_email(evl):
        out = []
        for e in evl:
            e = json.loads(json.dumps(e))
            for k in ("caller_employee", "target_employee"):
                if k in e:
                    e[k].pop("email", None)
            out.append(e)
        return out

    cases = [("admin", evs[0], want_ann + want_xfer + want_oth),
             ("tenant admin", evs[1], want_ann + want_xfer),
             ("agent", evs[2], no_email(want_ann + want_xfer)),
             ("other tenant", evs[3], want_oth)]
    for name, got, want in cases:
        S.check([strip(e) for e in got] == want,
                f"{name} stream: exactly the {len(want)} events expected, "
                "in order", "\n got " + "\n     ".join(
                    json.dumps(strip(e)) for e in got) + "\n want " +
                "\n     ".join(json.dumps(e) for e in want))
        S.check(seq_ok(got) and all(ISO.match(e.get("time", ""))
                                    for e in got),
                f"{name} stream: seq 1..{len(got)}, ISO-8601 UTC times",
                str([(e.get("seq"), e.get("time")) for e in got]))
        S.check(all(list(e)[:5] == ["seq", "time", "class", "type",
                                    "tenant_id"] for e in got),
                f"{name} stream: seq, time, class, type, tenant_id first",
                str([list(e)[:5] for e in got][:2]))
    S.check(not any(has_key(e, "email") for e in evs[2]),
            "the agent's stream has no e-mail field anywhere")
    S.check(sum(1 for e in evs[0] if has_key(e, "email")) == 6,
            "the admin's stream has the e-mail addresses (6 events)")
    for c in (admin, tenant, agent, other):
        c.abort()


def test_slow_client(sb):
    s0 = stats(sb)
    slow = WsClient(sb.http_port, token=sb.token, rcvbuf=4096)
    good = WsClient(sb.http_port, token=sb.token)
    S.check(slow.connect() == 101 and good.connect() == 101,
            "a slow and a good client connected")
    reader = Reader(good)
    reader.start()
    n = 60
    run = Sipp("uac_immediate_bye", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service=DEMO["announcement"],
               calls=n, rate=30, limit=10, timeout_s=60,
               recv_timeout_ms=10000, trace=False).start()
    try:
        wait_for(lambda: stats(sb)["slow_disconnects"] >
                 s0["slow_disconnects"], 30,
                 "the slow client counted in stats")
    finally:
        pass
    # now read what the slow client was sent: events, then the close
    got, closed, nbytes = [], None, 0
    slow.sock.settimeout(5)
    try:
        while True:
            op, payload = slow.frame(5)
            nbytes += len(payload) + 4
            if op == wsl.TEXT:
                got.append(json.loads(payload))
            elif op == wsl.CLOSE:
                closed = (struct.unpack("!H", payload[:2])[0],
                          payload[2:].decode())
                break
    except (OSError, WsError) as e:
        closed = closed or ("error", str(e))
    m = re.match(r"^too slow: (\d+) bytes unsent$", closed[1]) \
        if closed and isinstance(closed[1], str) else None
    S.check(closed is not None and closed[0] == 1008 and m is not None,
            "the slow client gets close 1008 \"too slow: N bytes unsent\"",
            str(closed))
    S.check(m is not None and int(m.group(1)) <= QUEUE_MAX,
            f"N is within --events-queue-max ({QUEUE_MAX})", str(closed))
    S.check(seq_ok(got) and len(got) > 0,
            "what it got before the close: seq 1..n without a gap",
            str([e["seq"] for e in got][:50]))
    # what one client may cost: our queue plus the kernel's buffers
    # (SO_SNDBUF = the bound, which Linux doubles) and its own 4 KiB
    S.check(nbytes <= 4 * QUEUE_MAX + 16384,
            f"it was sent at most 4 x {QUEUE_MAX} + 16 KiB bytes before "
            "the close (memory per client bounded)", f"{nbytes} bytes")
    eof = False
    try:
        slow.sock.settimeout(5)
        eof = slow.sock.recv(100) == b""
    except OSError:
        eof = True
    S.check(eof, "then the server closes the connection")
    run.wait(60)
    S.check(run.successful == n, f"the {n} calls complete",
            f"ok={run.successful} failed={run.failed}")
    wait_for(lambda: sum(1 for e in reader.events
                         if e.get("type") == "ended") >= n, 15,
             "the good client sees every call end")
    evs = reader.finish()
    types = [e["type"] for e in evs]
    S.check(reader.error is None and seq_ok(evs) and
            types.count("new") == n and types.count("answered") == n and
            types.count("ended") == n and len(evs) == 3 * n,
            f"the good client got all {3 * n} events (new, answered, "
            "ended per call), seq without a gap",
            f"{len(evs)} events, error {reader.error!r}")
    s1 = stats(sb)
    S.check(s1["slow_disconnects"] == s0["slow_disconnects"] + 1 and
            s1["clients"] == 1 and s1["queue_max"] == QUEUE_MAX,
            "stats: one slow disconnect more, the good client left, "
            f"queue_max {QUEUE_MAX}", str(s1))
    good.abort()


def test_ping_close(sb):
    c = WsClient(sb.http_port, token=sb.token)
    c.connect()
    c.send(wsl.PING, b"hello")
    op, payload = c.frame(5)
    S.check(op == wsl.PONG and payload == b"hello",
            "our ping is answered by a pong with its payload",
            f"{op} {payload!r}")
    c.send(wsl.TEXT, "ignored")
    c.send(wsl.PING, b"2")
    op, payload = c.frame(5)
    S.check(op == wsl.PONG and payload == b"2",
            "a message from the client is ignored, the stream goes on",
            f"{op} {payload!r}")
    echo, eof = c.close(1000, "bye")
    S.check(echo == (1000, "") and eof,
            "our close 1000 is echoed, then the TCP connection closed",
            f"{echo} eof={eof}")
    c = WsClient(sb.http_port, token=sb.token)
    c.connect()
    c.sock.sendall(wsl.encode_frame(wsl.TEXT, b"x", mask=False))
    op, payload = c.frame(5)
    S.check(op == wsl.CLOSE and payload[:2] == struct.pack("!H", 1002),
            "an unmasked client frame: close 1002 protocol error",
            f"{op} {payload!r}")
    c.abort()
    # a frame too big: 1009, and what follows is not read as frames (a
    # ping hidden in the refused frame's payload gets no pong)
    c = WsClient(sb.http_port, token=sb.token)
    c.connect()
    c.sock.sendall(wsl.encode_frame(wsl.TEXT, b"a" * 5000)[:100])
    op, payload = c.frame(5)
    S.check(op == wsl.CLOSE and payload[:2] == struct.pack("!H", 1009),
            "a frame over 4 KiB: close 1009", f"{op} {payload!r}")
    c.sock.sendall(wsl.encode_frame(wsl.PING, b"pwnd"))
    try:
        op, payload = c.frame(4)
    except (OSError, ConnectionError, wsl.WsError) as e:
        op, payload = None, repr(e)
    S.check(op != wsl.PONG,
            "after it nothing is read as a frame: a ping in its payload "
            "gets no pong", f"{op} {payload!r}")
    c.abort()
    # a close status nobody may send (1005, RFC 6455 7.4.1): 1002
    c = WsClient(sb.http_port, token=sb.token)
    c.connect()
    c.send(wsl.CLOSE, struct.pack("!H", 1005))
    op, payload = c.frame(5)
    S.check(op == wsl.CLOSE and payload[:2] == struct.pack("!H", 1002),
            "a close with status 1005: close 1002 protocol error",
            f"{op} {payload!r}")
    c.abort()
    # fragments (RFC 6455 5.4): a message in two fragments is fine (a
    # ping between them is answered); a continuation of nothing, or a new
    # message inside a fragmented one, is a protocol error
    c = WsClient(sb.http_port, token=sb.token)
    c.connect()
    c.sock.sendall(wsl.encode_frame(wsl.TEXT, b"frag", fin=False) +
                   wsl.encode_frame(wsl.PING, b"mid") +
                   wsl.encode_frame(wsl.CONT, b"ment"))
    c.send(wsl.PING, b"after")
    got = [c.frame(5), c.frame(5)]
    S.check(got == [(wsl.PONG, b"mid"), (wsl.PONG, b"after")],
            "a message in two fragments, a ping between them: both pings "
            "answered, the stream goes on", repr(got))
    c.abort()
    for what, frames, reason in (
            ("a continuation of nothing",
             wsl.encode_frame(wsl.CONT, b"x"), b"continuation of nothing"),
            ("a new message inside a fragmented one",
             wsl.encode_frame(wsl.TEXT, b"a", fin=False) +
             wsl.encode_frame(wsl.TEXT, b"b"),
             b"message inside a fragmented one")):
        c = WsClient(sb.http_port, token=sb.token)
        c.connect()
        c.sock.sendall(frames)
        op, payload = c.frame(5)
        S.check(op == wsl.CLOSE and payload == struct.pack("!H", 1002) +
                reason, f"{what}: close 1002 \"{reason.decode()}\"",
                f"{op} {payload!r}")
        c.abort()
    wait_for(lambda: stats(sb)["clients"] == 0, 5, "no clients left")


def test_token_limit(sb):
    """One token may hold 20 streams at once; the 21st is refused (429)
    while another token still connects; one closed, one more fits."""
    cs = [WsClient(sb.http_port, token=sb.token) for _ in range(20)]
    sts = [c.connect() for c in cs]
    S.check(sts == [101] * 20, "one token: 20 streams at once", str(sts))
    c21 = WsClient(sb.http_port, token=sb.token)
    st = c21.connect()
    body = json.loads(c21.body or b"{}")
    S.check(st == 429 and body == {
        "error": "too many event streams of this token (20)"},
        "the 21st stream of the token: 429 naming the limit",
        f"{st} {c21.body!r}")
    cs[0].abort()
    wait_for(lambda: stats(sb)["clients"] == 19, 5, "19 clients")
    c22 = WsClient(sb.http_port, token=sb.token)
    S.check(c22.connect() == 101, "one closed: the token's next one fits")
    for c in cs[1:] + [c22]:
        c.abort()
    wait_for(lambda: stats(sb)["clients"] == 0, 5, "no clients left")


def revoked(sb):
    """An agent's token deleted with its employee: his open stream is
    closed (1008) at the next ping (--events-ping 1)."""
    st, tenants = sb.api("GET", "/api/v1/tenants")
    tid = [x for x in tenants if x["name"] == DEMO["tenant"]][0]["id"]
    st, e = sb.api("POST", "/api/v1/employees",
                   {"tenant_id": tid, "first_name": "Gerd",
                    "last_name": "Geht"})
    st2, tok = sb.api("POST", f"/api/v1/agents/{e['id']}/token", {})
    S.check(st == 201 and st2 == 201, "an employee with an agent token",
            f"{st} {st2} {tok}")
    c = WsClient(sb.http_port, token=tok["token"])
    c.connect()
    st, _ = sb.api("DELETE", f"/api/v1/employees/{e['id']}")
    t0 = time.time()
    frames = []
    try:
        while True:
            op, payload = c.frame(5)
            if op == wsl.PING:
                c.send(wsl.PONG, payload)
                continue
            frames.append((op, payload))
            break
    except (OSError, WsError) as ex:
        frames.append(repr(ex))
    S.check(st == 204 and frames == [(wsl.CLOSE, struct.pack("!H", 1008) +
                                      b"token revoked")] and
            time.time() - t0 < 3.0,
            "the agent's employee deleted: his open stream is closed at "
            "the next ping, 1008 \"token revoked\"",
            f"{st} {frames} after {time.time() - t0:.2f} s")
    c.abort()


def test_ping_timeout_shutdown():
    sb = Switchboard(extra_args=["--events-ping", "1"])
    try:
        sb.start()
        quiet = WsClient(sb.http_port, token=sb.token)
        alive = WsClient(sb.http_port, token=sb.token)
        quiet.connect()
        alive.connect()
        t0 = time.time()
        op, _ = quiet.frame(5)
        S.check(op == wsl.PING and 0.8 < time.time() - t0 < 3.0,
                "the server pings after --events-ping (1 s)",
                f"{op} after {time.time() - t0:.2f} s")
        reader = Reader(alive)
        reader.start()
        eof = False
        try:
            while True:
                quiet.frame(5)
        except ConnectionError:
            eof = True
        except socket.timeout:
            pass
        S.check(eof and 2.0 < time.time() - t0 < 8.0,
                "two pings unanswered: the server closes the connection",
                f"eof={eof} after {time.time() - t0:.2f} s")
        revoked(sb)
        time.sleep(0.5)
        reader.stop = True
        reader.join(5)
        S.check(reader.error is None and alive.pings >= 3,
                "a client that answers pings stays connected",
                f"pings {alive.pings} error {reader.error!r}")
        sb.proc.send_signal(15)
        try:
            op, payload = alive.frame(10)
        except (OSError, WsError) as e:
            op, payload = None, repr(e)
        S.check(op == wsl.CLOSE and payload == struct.pack("!H", 1001) +
                b"shutting down", "shutdown: close 1001 \"shutting down\"",
                f"{op} {payload!r}")
        alive.abort()
        S.check(sb.stop() == 0, "the server exits cleanly (no leaks)")
    finally:
        sb.cleanup()


def setup(sb):
    """Tenant ids, employees, a second tenant with an announcement number
    and the tokens."""
    st, tenants = sb.api("GET", "/api/v1/tenants")
    a = [x for x in tenants if x["name"] == DEMO["tenant"]][0]["id"]
    st, emps = sb.api("GET", f"/api/v1/employees?tenant_id={a}")
    ids = {e["first_name"]: e["id"] for e in emps}
    st, tb = sb.api("POST", "/api/v1/tenants",
                    {"name": "Andere GmbH", "country_code": "49",
                     "area_code": "30"})
    b = tb["id"]
    st, _ = sb.api("POST", "/api/v1/number_blocks",
                   {"tenant_id": b, "first": "+49301234500",
                    "last": "+49301234599"})
    st, an = sb.api("POST", "/api/v1/announcements",
                    {"tenant_id": b, "name": "Ansage",
                     "file": "welcome.wav"})
    st, num = sb.api("POST", "/api/v1/numbers",
                     {"tenant_id": b, "e164": "+49301234510",
                      "target_type": "announcement", "target_id": an["id"]})
    S.check(st == 201, "the other tenant's number: 201", f"{st} {num}")
    return {"a": a, "b": b, "max": ids["Max"], "erika": ids["Erika"],
            "b_number": "+49301234510",
            "scoped": add_token(sb, "client_admin", a),
            "agent": add_token(sb, "agent", a),
            "agent0": add_token(sb, "agent", None),
            "viewer": add_token(sb, "viewer", a),
            "other": add_token(sb, "client_admin", b)}


def main():
    sb = Switchboard(extra_args=["--events-queue-max", str(QUEUE_MAX)])
    try:
        sb.start()
        t = setup(sb)
        S.run(test_refused, sb, t)
        S.run(test_calls, sb, t)
        S.run(test_slow_client, sb)
        S.run(test_ping_close, sb)
        S.run(test_token_limit, sb)
        code = sb.stop()
        S.check(code == 0, "the server exits cleanly (no leaks)",
                f"exit {code}\n{sb.tail(30)}")
    finally:
        sb.cleanup()
    S.run(test_ping_timeout_shutdown)
    S.finish()


if __name__ == "__main__":
    main()
