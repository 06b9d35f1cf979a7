#!/usr/bin/env python3
"""failover.py - outbound calls fail over from trunk to trunk; Retry-After,
per-trunk counts and answer-seizure ratio; which source addresses count as
a trunk's (issue 20).

Three carriers A, B, C (raw UDP in this process: each answers INVITEs as
told - 503 with or without Retry-After, 408, 486, silence, ringing without
answer, or ringing and answer) are the demo tenant's trunks with the
priorities 10, 20, 30; the demo trunk is deleted.  Phone 1001 (baresip)
dials a national number per scenario; we check which carriers got an
INVITE and in which order, the caller's outcome (baresip's event, the
call record's disposition, sip_code and callee_leg), and at the end the
trunks' stats in the API and /metrics, exactly.

    phone 1001 --INVITE--> Switchboard --INVITE--> A (503) --> B (408) --> C

Then the match settings: a trunk whose match is address_port_range takes
calls from a second port in its range (200 from the announcement), not
from a port outside it (407) nor from another address (127.0.0.2: 407);
"address" takes any port; the API's checks of the settings.
"""
import os
import socket
import sys
import threading
import time
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard, demo_ids  # noqa: E402
from peers import Baresip, free_port  # noqa: E402
import rawsip  # noqa: E402
from rawsip import SDP  # noqa: E402

S = Suite("failover")
PW = DEMO["devices"]
RING = 6   # [s] --ring-timeout


ORDER = []              # (carrier name, number) of every new INVITE
ORDER_LOCK = threading.Lock()


def epoch(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class Carrier(threading.Thread):
    """A carrier on 127.0.0.1:port.  mode: "503" (Retry-After: retry if
    set), "408", "486", "silent" (100 Trying, nothing else), "ring" (180,
    no answer), "answer" (180, then 200 with SDP)."""

    def __init__(self, name):
        super().__init__(daemon=True)
        self.name_ = name
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.2)
        self.mode = "answer"
        self.retry = None
        self.invites = {}       # Call-ID -> (headers, addr, last reply)
        self.cancels = []       # Call-IDs cancelled
        self.stopped = False

    @staticmethod
    def parse(data):
        head = data.split("\r\n\r\n", 1)[0].split("\r\n")
        hdrs = []
        for ln in head[1:]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                hdrs.append((k.strip(), v.strip()))
        return head[0], hdrs

    def reply(self, hdrs, addr, code, reason, extra="", body=""):
        out = [f"SIP/2.0 {code} {reason}"]
        for k, v in hdrs:
            kl = k.lower()
            if kl in ("via", "from", "call-id", "cseq"):
                out.append(f"{k}: {v}")
            elif kl == "to":
                out.append(f"To: {v}" if "tag=" in v or code == 100
                           else f"To: {v};tag={self.name_}x1")
        if extra:
            out.append(extra.rstrip("\r\n"))
        if body:
            out.append("Content-Type: application/sdp")
        out.append(f"Content-Length: {len(body)}")
        msg = "\r\n".join(out) + "\r\n\r\n" + body
        self.sock.sendto(msg.encode(), addr)
        return msg

    def answer(self, cid, hdrs, addr):
        rep = None
        if self.mode == "503":
            extra = f"Retry-After: {self.retry}" if self.retry else ""
            rep = self.reply(hdrs, addr, 503, "Service Unavailable", extra)
        elif self.mode == "408":
            rep = self.reply(hdrs, addr, 408, "Request Timeout")
        elif self.mode == "486":
            rep = self.reply(hdrs, addr, 486, "Busy Here")
        elif self.mode == "silent":
            rep = self.reply(hdrs, addr, 100, "Trying")
        elif self.mode == "ring":
            rep = self.reply(hdrs, addr, 180, "Ringing")
        else:
            self.reply(hdrs, addr, 180, "Ringing")
            time.sleep(0.3)
            rep = self.reply(
                hdrs, addr, 200, "OK",
                f"Contact: <sip:c@127.0.0.1:{self.port}>",
                SDP.format(port=free_port(even=True)))
        self.invites[cid] = (hdrs, addr, rep)

    def run(self):
        while not self.stopped:
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            line, hdrs = self.parse(data.decode(errors="replace"))
            if line.startswith("SIP/2.0"):
                continue
            method = line.split(" ", 1)[0]
            cid = dict((k.lower(), v) for k, v in hdrs).get("call-id", "")
            if method == "INVITE":
                if cid in self.invites:     # retransmission
                    self.sock.sendto(self.invites[cid][2].encode(), addr)
                    continue
                user = line.split("sip:", 1)[1].split("@", 1)[0]
                with ORDER_LOCK:
                    ORDER.append((self.name_, user))
                self.answer(cid, hdrs, addr)
            elif method == "CANCEL":
                self.cancels.append(cid)
                self.reply(hdrs, addr, 200, "OK")
                if cid in self.invites:
                    ih, ia, _ = self.invites[cid]
                    self.reply(ih, ia, 487, "Request Terminated")
            elif method == "BYE":
                self.reply(hdrs, addr, 200, "OK")

    def stop(self):
        self.stopped = True
        self.sock.close()


def invites_for(number):
    with ORDER_LOCK:
        return [n for n, u in ORDER if u == number]


def record(sb, number, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st, body = sb.api("GET", "/api/v1/calls?limit=50")
        for c in body if st == 200 else []:
            if c["to_number"] == number and c.get("ended_at"):
                return c
        time.sleep(0.2)
    return None


def dial(sb, phone, national, number, answered, hold=0.5, timeout=15):
    """Phone dials national (0221...), the E.164 number; returns
    (established?, the call record once ended)."""
    m = phone.mark()
    phone.dial(f"sip:{national}@127.0.0.1:{sb.sip_port}")
    ev = phone.wait_event(("CALL_ESTABLISHED", "CALL_CLOSED"), timeout,
                          since=m)
    est = ev is not None and ev.get("type") == "CALL_ESTABLISHED"
    if est:
        time.sleep(hold)
        phone.hangup()
        phone.wait_event("CALL_CLOSED", 5, since=m)
    S.check(est == answered, f"{number}: the caller is "
            f"{'connected' if answered else 'not connected'}", str(ev))
    return est, record(sb, number)


def trunk(sb, tid):
    st, t = sb.api("GET", f"/api/v1/trunks/{tid}")
    return t if st == 200 else {}


def test_failover(sb, phone, car, ids):
    a, b, c = car
    ta, tb, tc = ids
    # 1: A 503, B 408, C answers: tried in order, the caller is connected
    a.mode, b.mode, c.mode = "503", "408", "answer"
    a.retry = None
    est, rec = dial(sb, phone, "02215550001", "+492215550001", True)
    got = invites_for("+492215550001")
    S.check(got == ["A", "B", "C"], "503 and 408 go on: A, B, C in order",
            str(got))
    S.check(rec and rec["disposition"] == "answered"
            and rec["callee_leg"] == f"trunk:{tc}",
            "record: answered by trunk C", str(rec))

    # 2: A busy: no failover, the caller gets 486
    a.mode = "486"
    est, rec = dial(sb, phone, "02215550002", "+492215550002", False)
    got = invites_for("+492215550002")
    S.check(got == ["A"], "486 is not retried: only A got the INVITE",
            str(got))
    S.check(rec and rec["sip_code"] == 486 and rec["disposition"] == "busy",
            "record: busy, 486", str(rec))

    # 3: A silent (100 Trying only) with setup_timeout 2: after 2 s the
    # INVITE is cancelled and B takes the call
    st, _ = sb.api("PATCH", f"/api/v1/trunks/{ta}", {"setup_timeout": 2})
    S.check(st == 200, "PATCH setup_timeout 2", str(st))
    a.mode, b.mode = "silent", "answer"
    t0 = time.time()
    est, rec = dial(sb, phone, "02215550003", "+492215550003", True)
    took = time.time() - t0
    got = invites_for("+492215550003")
    S.check(got == ["A", "B"], "no 18x from A in 2 s: B", str(got))
    S.check(len(a.cancels) == 1, "A's INVITE was cancelled",
            str(a.cancels))
    S.check(2.0 <= took < 6, "B was called after A's setup timeout (2 s)",
            f"{took:.1f} s")
    S.check(rec and rec["callee_leg"] == f"trunk:{tb}",
            "record: answered by trunk B", str(rec))

    # 4: A rings (180) and nobody answers: no failover after ringing,
    # the ring timeout ends it with 480
    a.mode = "ring"
    est, rec = dial(sb, phone, "02215550004", "+492215550004", False,
                    timeout=RING + 10)
    got = invites_for("+492215550004")
    S.check(got == ["A"], "A rang: B is not tried", str(got))
    S.check(rec and rec["sip_code"] == 480
            and rec["disposition"] == "no_answer",
            "record: no answer, 480", str(rec))

    # 5: A 503 with Retry-After 20: B takes the call, A out of rotation
    a.mode, a.retry = "503", 20
    t0 = time.time()
    est, rec = dial(sb, phone, "02215550005", "+492215550005", True)
    got = invites_for("+492215550005")
    S.check(got == ["A", "B"], "503 with Retry-After: A, then B", str(got))
    until = trunk(sb, ta).get("out_of_rotation_until")
    S.check(until and 19 <= epoch(until) - t0 <= 22,
            "trunk A: out_of_rotation_until about 20 s from now",
            f"{until}")
    S.check(trunk(sb, tb).get("out_of_rotation_until") is None,
            "trunk B: in rotation (null)")

    # 6: while A is out of rotation, calls go to B at once
    est, rec = dial(sb, phone, "02215550006", "+492215550006", True)
    got = invites_for("+492215550006")
    S.check(got == ["B"], "A out of rotation: only B", str(got))

    # 7: B 503, C 408: all fail, the caller gets the better of them (408)
    b.mode, c.mode = "503", "408"
    b.retry = None
    est, rec = dial(sb, phone, "02215550007", "+492215550007", False)
    got = invites_for("+492215550007")
    S.check(got == ["B", "C"], "A still out: B, C", str(got))
    S.check(rec and rec["sip_code"] == 408,
            "record: the caller got 408", str(rec))

    # the counts: A 5 attempts (503, 486, timeout, ring, 503), failed 4
    # (the ringing one was cancelled by us); B 5 (408, answered x3, 503);
    # C 2 (answered, 408)
    want = {ta: (5, 0, 4, 0), tb: (5, 3, 2, 60), tc: (2, 1, 1, 50)}
    for tid, (att, ans, fail, asr) in want.items():
        s = trunk(sb, tid).get("stats")
        S.check(s == {"attempts": att, "answered": ans, "failed": fail,
                      "asr": asr},
                f"trunk {tid}: attempts {att}, answered {ans}, failed "
                f"{fail}, asr {asr}", str(s))
    st, text = metrics(sb)
    for tid, (att, ans, fail, _) in want.items():
        for fam, v in (("attempts", att), ("answered", ans),
                       ("failed", fail)):
            line = f'switchboard_trunk_{fam}_total{{trunk="{tid}"}} {v}'
            S.check(line in text.splitlines(), f"/metrics: {line}")


def metrics(sb):
    import urllib.request
    req = urllib.request.Request(
        f"http://127.0.0.1:{sb.http_port}/metrics",
        headers={"Authorization": f"Bearer {sb.token}"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status, r.read().decode()


def raw_invite(sb, src, number, timeout=3.0):
    """One INVITE to number from src (host, port); the final status
    (ACKed; a 200 is hung up with BYE) or None."""
    return rawsip.raw_invite(sb.sip_port, src, number, callid_host="fo",
                             bye=True, timeout=timeout)


def ports_apart():
    """Two free UDP ports at least 3 apart: x inside a range x-1..x+1,
    y outside it."""
    while True:
        x, y = free_port(), free_port()
        if abs(x - y) > 2:
            return x, y


def test_match(sb):
    main_port = free_port()
    x, y = ports_apart()
    ann = DEMO["announcement"]
    base = {"name": "Ranged", "host": "127.0.0.1", "port": main_port}
    st, body = sb.api("POST", "/api/v1/trunks",
                      dict(base, match="address_port_range"))
    S.check(st == 422 and body == {"error": "port_min: required with match "
                                   "address_port_range"},
            "range without port_min: 422 naming it", f"{st} {body}")
    st, body = sb.api("POST", "/api/v1/trunks",
                      dict(base, match="address_port_range", port_min=x + 1,
                           port_max=x - 1))
    S.check(st == 422 and body == {"error": "port_max: must not be less "
                                   f"than port_min ({x + 1})"},
            "port_max < port_min: 422", f"{st} {body}")
    st, body = sb.api("POST", "/api/v1/trunks", dict(base, port_min=x))
    S.check(st == 422 and body == {"error": "port_min: only with match "
                                   "address_port_range"},
            "a range with match address_port: 422", f"{st} {body}")
    st, body = sb.api("POST", "/api/v1/trunks", dict(base, match="ports"))
    S.check(st == 422 and body == {"error": "match: must be address_port, "
                                   "address_port_range or address"},
            "unknown match: 422 naming match", f"{st} {body}")
    st, t = sb.api("POST", "/api/v1/trunks",
                   dict(base, match="address_port_range", port_min=x - 1,
                        port_max=x + 1))
    S.check(st == 201 and t["match"] == "address_port_range"
            and t["port_min"] == x - 1 and t["port_max"] == x + 1
            and t["match_any_port"] is False,
            "trunk with a port range created", f"{st} {t}")
    tid = t["id"]
    code = raw_invite(sb, ("127.0.0.1", x), ann)
    S.check(code == 200, f"from a second port in the range ({x}): the "
            "trunk's call, answered by the announcement", str(code))
    code = raw_invite(sb, ("127.0.0.1", y), ann)
    S.check(code == 407, f"from a port outside the range ({y}): 407",
            str(code))
    code = raw_invite(sb, ("127.0.0.2", x), ann)
    S.check(code == 407, "from another address (127.0.0.2), port in "
            "range: 407", str(code))
    st, t = sb.api("PATCH", f"/api/v1/trunks/{tid}", {"match": "address"})
    S.check(st == 200 and t["match_any_port"] is True
            and t["port_min"] is None and t["port_max"] is None,
            "match address: match_any_port true, no range", f"{st} {t}")
    code = raw_invite(sb, ("127.0.0.1", y), ann)
    S.check(code == 200, f"match address: port {y} is the trunk's too",
            str(code))
    code = raw_invite(sb, ("127.0.0.2", y), ann)
    S.check(code == 407, "match address: another address still 407",
            str(code))
    st, t = sb.api("PATCH", f"/api/v1/trunks/{tid}",
                   {"match_any_port": False})
    S.check(st == 200 and t["match"] == "address_port",
            "match_any_port false: match address_port", f"{st} {t}")
    st, body = sb.api("PATCH", f"/api/v1/trunks/{tid}",
                      {"match": "address", "match_any_port": False})
    S.check(st == 422 and body == {"error": "match_any_port: contradicts "
                                   "match address"},
            "match and match_any_port contradicting: 422", f"{st} {body}")
    code = raw_invite(sb, ("127.0.0.1", y), ann)
    S.check(code == 407, "address_port again: the other port 407",
            str(code))
    sb.api("DELETE", f"/api/v1/trunks/{tid}")


def main():
    sb = Switchboard(extra_args=["--ring-timeout", str(RING)]).start()
    car = [Carrier(n) for n in "ABC"]
    for c in car:
        c.start()
    phone = None
    try:
        tenant, _, _ = demo_ids(sb, "Max")
        st, _ = sb.api("DELETE", "/api/v1/trunks/1")
        S.check(st == 204, "demo trunk deleted", str(st))
        ids = []
        # shared C first by id: the order is priority, not id
        for c, prio, ten in ((car[2], 30, None), (car[0], 10, tenant),
                             (car[1], 20, None)):
            st, t = sb.api("POST", "/api/v1/trunks", {
                "name": "Carrier " + c.name_, "host": "127.0.0.1",
                "port": c.port, "priority": prio, "tenant_id": ten})
            S.check(st == 201 and t["priority"] == prio
                    and t["stats"] == {"attempts": 0, "answered": 0,
                                       "failed": 0, "asr": None}
                    and t["out_of_rotation_until"] is None
                    and t["setup_timeout"] == 0
                    and t["match"] == "address_port",
                    f"trunk {c.name_} created, priority {prio}", f"{st} {t}")
            ids.append(t["id"])
        ids = [ids[1], ids[2], ids[0]]
        phone = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port))
        phone.start()
        S.check(phone.wait_registered(10), "phone 1001 registered")
        S.run(test_failover, sb, phone, car, ids)
        S.check(sb.alive(), "server alive after failover")
        S.run(test_match, sb)
        S.check(sb.alive(), "server alive after match")
        if "-v" in sys.argv:
            print("\n".join(ln for ln in sb.logtext().splitlines()
                            if "call:" in ln))
    finally:
        if phone:
            phone.stop()
        for c in car:
            c.stop()
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
