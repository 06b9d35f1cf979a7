#!/usr/bin/python3
"""edge.py - Switchboard behind Debian's Kamailio (issue 21, first slice).

Kamailio runs with our contrib/kamailio/kamailio.cfg on loopback, one node
behind it, started with --edge <the edge's address>:

    phone 1002 (127.0.0.7) --\\
    clients (127.0.0.5/.6) ---+--> kamailio 127.0.0.1:EP --> node 127.0.0.1
    carrier (127.0.0.1:trunk) /        (dispatcher, path, record-route)
    forger (127.0.0.8) --------------------------------------> node (direct)

Phones and clients are raw UDP sockets on addresses of their own (the
guard keys on the IP).  1002 registers with a Contact nobody listens on
(10.0.0.9:5999, "behind NAT"): a request reaches it only through the
stored Path.  Checked:
  * REGISTER through the edge: 200 echoes the Path; the binding stores it,
    with the phone's real address as received (from X-Real-Source);
  * the node's keep-alive OPTIONS reach the phone through the edge;
  * a carrier's INVITE through the edge is recognised as the trunk (by its
    real address), rings 1002 through the Path (R-URI = Contact, via the
    edge, record-routed), the call is answered, and ACK and BYE follow the
    recorded route both ways;
  * five wrong passwords from one client behind the edge block that
    client's address only: it is then refused even with the right
    password of a registered device (the "already registered" exception
    is judged by the real address), another client behind the same edge
    still registers;
  * X-Real-Source sent by a non-edge sender is ignored: its failures
    block its own address.
"""
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard, free_port  # noqa: E402
from kamailio import Edge  # noqa: E402
from rawsip import SDP, Peer, hdrs, reply, status  # noqa: E402

S = Suite("edge")
PW = DEMO["devices"]
EDGE_IP = "127.0.0.1"
PHONE_IP, CLIENT_A, CLIENT_B, FORGER = ("127.0.0.7", "127.0.0.5",
                                        "127.0.0.6", "127.0.0.8")
NAT_CONTACT = "10.0.0.9:5999"


def regs(sb, device_id):
    st, body = sb.api("GET", f"/api/v1/registrations?device_id={device_id}")
    return body if st == 200 else []


def dev_id(sb, username):
    st, body = sb.api("GET", "/api/v1/devices")
    for d in body or []:
        if d.get("username") == username:
            return d["id"]
    raise RuntimeError(f"no device {username}")


def blocks(sb):
    st, body = sb.api("GET", "/api/v1/auth_blocks")
    return [(b["kind"], b["key"]) for b in body or []]




def test_register_and_call(sb, edge):
    E = (EDGE_IP, edge.port)
    phone = Peer(PHONE_IP)
    carrier = Peer("127.0.0.1", sb.trunk_port)
    try:
        r = phone.register(E, "1002", PW["1002"], contact=NAT_CONTACT,
                           extra="Supported: path\r\n")
        S.check(r is not None and status(r) == 200,
                "1002 registers through the edge: 200",
                f"got {r and r.splitlines()[0]}")
        want = (f"<sip:edge@{EDGE_IP}:{edge.port};lr;received="
                f"sip:{PHONE_IP}:{phone.port}>")
        S.check(r is not None and hdrs(r, "Path") == [want],
                "the 200 echoes the edge's Path", r and hdrs(r, "Path"))
        b = regs(sb, dev_id(sb, "1002"))
        S.check(len(b) == 1 and b[0]["path"] == want and
                b[0]["contact"] == f"sip:1002@{NAT_CONTACT}",
                "the binding stores the Contact and the Path", b)
        S.check(len(b) == 1 and
                b[0]["received"] == f"{PHONE_IP}:{phone.port}",
                "received is the phone's real address, not the edge's", b)

        # keep-alive (every second here) goes through the Path too
        opt = phone.recv(lambda d: d.startswith("OPTIONS "), timeout=5)
        S.check(opt is not None and
                opt.startswith(f"OPTIONS sip:1002@{NAT_CONTACT} SIP/2.0"),
                "the keep-alive OPTIONS reaches the phone via the edge, "
                "R-URI its Contact", opt and opt.splitlines()[0])
        S.check(opt is not None and
                f"{EDGE_IP}:{edge.port}" in hdrs(opt, "Via")[0],
                "... its top Via is the edge's",
                opt and hdrs(opt, "Via"))
        if opt:
            reply(phone, opt, 200, "OK", E)

        # a carrier's INVITE through the edge: the trunk, by its real
        # address (not 407), rings 1002 through the Path
        ruri = f"sip:{DEMO['erika_personal']}@{EDGE_IP}:{edge.port}"
        callid, ctag = carrier.request(
            E, "INVITE", ruri, "+4930123456", to_user=DEMO["erika_personal"],
            extra=(f"Contact: <sip:+4930123456@127.0.0.1:{carrier.port}>\r\n"
                   "Content-Type: application/sdp\r\n"),
            body=SDP.format(port=free_port(even=True)))
        inv = phone.recv(lambda d: d.startswith("INVITE "), timeout=8)
        S.check(inv is not None and
                inv.startswith(f"INVITE sip:1002@{NAT_CONTACT} SIP/2.0"),
                "the carrier's INVITE through the edge rings 1002 at its "
                "Contact", inv and inv.splitlines()[0])
        if not inv:
            r = carrier.recv(lambda d: d.startswith("SIP/2.0") and
                             (status(d) or 0) >= 300, timeout=1)
            print("carrier got", r and r.splitlines()[0], flush=True)
            return
        vias = hdrs(inv, "Via")
        S.check(len(vias) == 2 and f"{EDGE_IP}:{edge.port}" in vias[0] and
                f"127.0.0.1:{sb.sip_port}" in vias[1],
                "... through the edge (Via edge, then the node)", vias)
        rr = hdrs(inv, "Record-Route")
        S.check(len(rr) >= 1 and f"{EDGE_IP}:{edge.port}" in rr[0],
                "... record-routed by the edge", rr)
        S.check(hdrs(inv, "Route") == [],
                "... the edge consumed the Route (the Path)",
                hdrs(inv, "Route"))
        # the phone answers, its Contact private (the edge fixes it)
        reply(phone, inv, 180, "Ringing", E, totag="ph1",
              extra=f"Contact: <sip:1002@{NAT_CONTACT}>\r\n")
        reply(phone, inv, 200, "OK", E, totag="ph1",
              extra=(f"Contact: <sip:1002@{NAT_CONTACT}>\r\n"
                     "Content-Type: application/sdp\r\n"),
              body=SDP.format(port=free_port(even=True)))
        ack = phone.recv(lambda d: d.startswith("ACK "), timeout=5)
        S.check(ack is not None, "the node's ACK reaches the phone "
                "(record-routed through the edge)")
        # the edge fixed the phone's private Contact; the node left it so
        S.check(ack is not None and ack.startswith(
            f"ACK sip:1002@{PHONE_IP}:{phone.port} SIP/2.0"),
            "... to the Contact the edge fixed (the node rewrote nothing)",
            ack and ack.splitlines()[0])
        ok = carrier.recv(lambda d: d.startswith("SIP/2.0 200") and
                          callid in d, timeout=5)
        S.check(ok is not None, "the carrier gets 200 through the edge")
        if ok:
            # ACK along the edge's Record-Route
            route = "".join(f"Route: {v}\r\n" for v in
                            hdrs(ok, "Record-Route"))
            totag = re.search(r";tag=([^;>\s]+)", hdrs(ok, "To")[0]).group(1)
            contact = re.search(r"<([^>]+)>", hdrs(ok, "Contact")[0]).group(1)
            carrier.send(
                f"ACK {contact} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{carrier.port};"
                f"branch=z9hG4bK{os.urandom(5).hex()};rport\r\n"
                f"{route}Max-Forwards: 70\r\n"
                f"From: <sip:+4930123456@{EDGE_IP}>;tag={ctag}\r\n"
                f"To: <sip:{DEMO['erika_personal']}@{EDGE_IP}>;tag={totag}"
                f"\r\nCall-ID: {callid}\r\nCSeq: 1 ACK\r\n"
                "Content-Length: 0\r\n\r\n", E)
        time.sleep(0.5)
        # the phone hangs up: BYE along the record-route (the edge), to the
        # node's Contact
        if ack:
            route = "".join(f"Route: {v}\r\n" for v in rr)
            ncontact = re.search(r"<([^>]+)>",
                                 hdrs(inv, "Contact")[0]).group(1)
            from_h, to_h = hdrs(inv, "From")[0], hdrs(inv, "To")[0]
            phone.send(
                f"BYE {ncontact} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {PHONE_IP}:{phone.port};"
                f"branch=z9hG4bK{os.urandom(5).hex()};rport\r\n"
                f"{route}Max-Forwards: 70\r\n"
                f"From: {to_h};tag=ph1\r\nTo: {from_h}\r\n"
                f"Call-ID: {hdrs(inv, 'Call-ID')[0]}\r\nCSeq: 1 BYE\r\n"
                "Content-Length: 0\r\n\r\n", E)
            bye_ok = phone.final(hdrs(inv, "Call-ID")[0], "BYE")
            S.check(bye_ok is not None and status(bye_ok) == 200,
                    "the phone's BYE through the edge: 200",
                    bye_ok and bye_ok.splitlines()[0])
            cbye = carrier.recv(lambda d: d.startswith("BYE ") and
                                callid in d, timeout=5)
            S.check(cbye is not None and
                    f"{EDGE_IP}:{edge.port}" in hdrs(cbye, "Via")[0],
                    "the carrier gets the BYE through the edge (the node "
                    "follows the Record-Route)",
                    cbye and hdrs(cbye, "Via"))
            if cbye:
                reply(carrier, cbye, 200, "OK", E)
    finally:
        phone.close()
        carrier.close()


def test_guard(sb, edge):
    E = (EDGE_IP, edge.port)
    a, b = Peer(CLIENT_A), Peer(CLIENT_B)
    forger = Peer(FORGER)
    N = (EDGE_IP, sb.sip_port)
    try:
        r = a.register(E, "1001", PW["1001"])
        S.check(r is not None and status(r) == 200,
                "client A registers 1001 through the edge: 200")
        codes = []
        for _ in range(5):
            r = a.register(E, "1011", "wrong")
            codes.append(r and status(r))
        S.check(codes == [403] * 5, "five wrong passwords from client A: "
                "403 each", codes)
        bl = blocks(sb)
        S.check(("source", CLIENT_A) in bl,
                "A's real address is blocked", bl)
        S.check(("source", EDGE_IP) not in bl,
                "the edge's address is not", bl)
        r = a.register(E, "1011", PW["1011"])
        S.check(r is not None and status(r) == 403,
                "A with the right password of 1011: still 403",
                r and r.splitlines()[0])
        # 1002 is registered through the same edge (test_register_and_call):
        # that made "anything from the edge" trusted; now only the phone's
        # own address is
        r = a.register(E, "1002", PW["1002"])
        S.check(r is not None and status(r) == 403,
                "A with the right password of 1002, registered through the "
                "same edge: 403", r and r.splitlines()[0])
        r = b.register(E, "1001", PW["1001"])
        S.check(r is not None and status(r) == 200,
                "client B, another phone behind the same edge: 200",
                r and r.splitlines()[0])
        r = b.register(E, "1011", PW["1011"])
        S.check(r is not None and status(r) == 200,
                "client B registers 1011 behind the same edge: 200",
                r and r.splitlines()[0])

        # a non-edge sender's X-Real-Source is ignored
        forged = f"X-Real-Source: {CLIENT_B}:{b.port}\r\n"
        codes = []
        for _ in range(5):
            r = forger.register(N, "1001", "wrong", extra=forged)
            codes.append(r and status(r))
        S.check(codes == [403] * 5, "five wrong passwords from a direct "
                "sender with a forged X-Real-Source: 403 each", codes)
        bl = blocks(sb)
        S.check(("source", FORGER) in bl and ("source", CLIENT_B) not in bl,
                "the forger's own address is blocked, not the one it "
                "named", bl)
        r = b.register(E, "1011", PW["1011"])
        S.check(r is not None and status(r) == 200,
                "client B still registers through the edge: 200",
                r and r.splitlines()[0])
    finally:
        a.close()
        b.close()
        forger.close()


def test_bad_path(sb, edge):
    """A Path entry that is no sip URI: 400 naming it, nothing stored."""
    p = Peer(CLIENT_B)
    try:
        r = p.register((EDGE_IP, sb.sip_port), "1011", PW["1011"],
                       extra="Path: <sip:p1.example;lr>, <tel:+4930123>\r\n")
        S.check(r is not None and r.startswith("SIP/2.0 400 Bad Path\r\n"),
                "REGISTER with a tel: Path entry: 400 Bad Path",
                r and r.splitlines()[0])
        b = regs(sb, dev_id(sb, "1011"))
        S.check(all(x["received"] != f"{CLIENT_B}:{p.port}" for x in b),
                "... and no binding from it", b)
    finally:
        p.close()


def test_bad_edge_option():
    """--edge that is no list of addresses: the node does not start."""
    sb = Switchboard(extra_args=["--edge", "127.0.0.1:5060,edge.example"])
    try:
        try:
            sb.start(timeout=10)
            started = True
        except RuntimeError:
            started = False
        S.check(not started, "--edge 127.0.0.1:5060,edge.example: the node "
                "refuses to start")
        S.check("--edge '127.0.0.1:5060,edge.example': not a list of ip or "
                "ip:port" in sb.logtext(), "... and says why",
                sb.tail(5))
    finally:
        if sb.proc and sb.proc.poll() is None:
            sb.stop()
        sb.cleanup()


def main():
    if not shutil.which("kamailio"):
        S.check(False, "kamailio is installed (debian-packages.txt)")
        S.finish()
    sb = None
    edge = None
    try:
        # the edge's port first: the node must know it (--edge)
        sb_port = free_port()
        edge = Edge([sb_port])
        sb = Switchboard(extra_args=["--sip", f"127.0.0.1:{sb_port}",
                                     "--edge", f"{EDGE_IP}:{edge.port}",
                                     "--keepalive-interval", "1"])
        sb.start()
        edge.start()
        p = Peer(CLIENT_B)
        ok = False
        for _ in range(50):
            cid, _t = p.request((EDGE_IP, edge.port), "OPTIONS",
                                f"sip:{EDGE_IP}:{edge.port}", "probe")
            r = p.final(cid, "OPTIONS", timeout=0.2)
            if r and status(r) == 200:
                ok = True
                break
        p.close()
        if S.check(ok, "OPTIONS through the edge to the node: 200"):
            S.run(test_register_and_call, sb, edge)
            S.run(test_guard, sb, edge)
            S.run(test_bad_path, sb, edge)
        S.check("behind an edge" in sb.logtext(), "the node logs its edge")
    finally:
        if S.failed and edge:
            print(edge.logtext()[-4000:], flush=True)
        if S.failed and sb:
            print(sb.tail(60), flush=True)
        if edge:
            edge.stop()
        if sb:
            sb.stop()
            sb.cleanup()
    S.run(test_bad_edge_option)
    S.finish()


if __name__ == "__main__":
    main()
