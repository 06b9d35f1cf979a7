#!/usr/bin/env python3
"""nat.py - phones behind a NAT router, in network namespaces this test
makes and removes itself.

    home ns (10.77.0.2)            router ns                 server ns
    baresip 1001, 1003 ----- 10.77.0.1 | 100.64.77.1 ----- 100.64.77.2
                            masquerade fully-random         switchboard
                                                            baresip 1002

The server has no route to 10.77.0.0/24: whatever the phones write into
Via, Contact and SDP about their private address is useless to it.  The
router gives every new destination a new public port (symmetric NAT).
Nothing here is routed to the machine's real interfaces.
"""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import Suite, Switchboard  # noqa: E402
from peers import Baresip, RtpCapture, dominant_freq, wait_for  # noqa: E402

S = Suite("nat")
P = os.getpid() % 100000
NS_SRV, NS_RTR, NS_HOME = f"sbs{P}", f"sbr{P}", f"sbh{P}"
SRV_IP, RTR_WAN, RTR_LAN, HOME_IP = ("100.64.77.2", "100.64.77.1",
                                     "10.77.0.1", "10.77.0.2")


def sh(*cmd, check=True, ns=None):
    full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
    r = subprocess.run(full, capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(full)}: {r.stderr.strip()}")
    return r.stdout


def lab_up():
    for ns in (NS_SRV, NS_RTR, NS_HOME):
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "set", "lo", "up", ns=ns)
    wan_r, wan_s = f"vrw{P}", f"vsw{P}"
    lan_r, lan_h = f"vrl{P}", f"vhl{P}"
    sh("ip", "link", "add", wan_r, "type", "veth", "peer", "name", wan_s)
    sh("ip", "link", "set", wan_r, "netns", NS_RTR)
    sh("ip", "link", "set", wan_s, "netns", NS_SRV)
    sh("ip", "link", "add", lan_r, "type", "veth", "peer", "name", lan_h)
    sh("ip", "link", "set", lan_r, "netns", NS_RTR)
    sh("ip", "link", "set", lan_h, "netns", NS_HOME)
    for ns, dev, addr in ((NS_RTR, wan_r, RTR_WAN + "/24"),
                          (NS_SRV, wan_s, SRV_IP + "/24"),
                          (NS_RTR, lan_r, RTR_LAN + "/24"),
                          (NS_HOME, lan_h, HOME_IP + "/24")):
        sh("ip", "addr", "add", addr, "dev", dev, ns=ns)
        sh("ip", "link", "set", dev, "up", ns=ns)
    sh("ip", "route", "add", "default", "via", RTR_LAN, ns=NS_HOME)
    sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns=NS_RTR)
    rules = ("table ip nat {\n chain post {\n"
             "  type nat hook postrouting priority 100; policy accept;\n"
             f"  oifname \"{wan_r}\" masquerade fully-random\n }}\n}}\n")
    r = subprocess.run(["ip", "netns", "exec", NS_RTR, "nft", "-f", "-"],
                       input=rules, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError("nft: " + r.stderr)


def lab_down():
    for ns in (NS_HOME, NS_RTR, NS_SRV):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def api_st(sb, method, path, body=None):
    """(HTTP status, parsed body) of a request to the server's API, which
    listens on the loopback of the server namespace."""
    cmd = ["curl", "-s", "-w", "\n%{http_code}", "-X", method, "-H",
           f"Authorization: Bearer {sb.token}",
           f"http://127.0.0.1:{sb.http_port}{path}"]
    if body is not None:
        cmd[1:1] = ["-H", "Content-Type: application/json", "-d",
                    json.dumps(body)]
    out = sh(*cmd, ns=NS_SRV)
    text, _, code = out.rpartition("\n")
    return int(code), (json.loads(text) if text.strip() else None)


def api(sb, method, path, body=None):
    return api_st(sb, method, path, body)[1]


class SipCap(RtpCapture):
    """tcpdump of SIP (port 5060, UDP and TCP) inside one namespace, read
    while it runs.  start() returns once tcpdump listens."""

    def __init__(self, ns, bpf="port 5060"):
        super().__init__(None, bpf=bpf, netns=ns, iface="any")

    def messages(self, since=0):
        """[(frame dict, request method or None, request URI or status,
        text)] of the SIP messages in frames[since:] (a TCP segment may
        carry several)."""
        out = []
        for f in self.frames()[since:]:
            text = f["payload"].decode("utf-8", "replace")
            for m in re.finditer(r"(?m)^(?:([A-Z]+) (\S+) SIP/2\.0|"
                                 r"SIP/2\.0 (\d{3}) [^\r\n]*)\r\n", text):
                end = text.find("\r\n\r\n", m.start())
                body = text[m.start():end if end >= 0 else len(text)]
                out.append((f, m.group(1), m.group(2) or m.group(3), body))
        return out


def start_server(extra=()):
    sb = Switchboard(own_trunk_port=False, tls=True)
    sb.sip_port = 5060
    sb.tls_port = 5061
    args = []
    skip = False
    for i, a in enumerate(sb.args):
        if skip:
            skip = False
            continue
        if a in ("--sip", "--http", "--sip-tls"):
            skip = True
            continue
        args.append(a)
    sb.args = args + ["--sip", f"{SRV_IP}:5060",
                      "--sip-tls", f"{SRV_IP}:5061",
                      "--http", f"127.0.0.1:{sb.http_port}",
                      "--log-level", "debug"] + list(extra)
    sb.log = open(sb.log_path, "a")
    sb.proc = subprocess.Popen(["ip", "netns", "exec", NS_SRV] + sb.args,
                               env=sb.env, stdout=sb.log,
                               stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "switchboard running" in sb.logtext() or
                 sb.proc.poll() is not None, 20,
                 "\"switchboard running\" in the server log")
    except RuntimeError as e:
        raise RuntimeError(f"server did not start: {e}; its log:\n"
                           + sb.tail(60))
    if sb.proc.poll() is not None:
        raise RuntimeError(f"server exited with {sb.proc.returncode}; its "
                           "log:\n" + sb.tail(60))
    return sb


def freq(p, start, length):
    rec = p.recordings()
    return dominant_freq(rec[-1], start, length) if rec else None


def relayed(sb):
    st, body = api_st(sb, "GET", "/api/v1/stats")
    if st != 200:
        raise RuntimeError(f"GET /api/v1/stats: {st} {body}")
    return body["rtp"]["relayed"]


def newest_call(sb):
    st, cs = api_st(sb, "GET", "/api/v1/calls?limit=1")
    return cs[0] if st == 200 and cs else None


def binding(sb, user):
    """The registration of device `user` (exactly one expected)."""
    st, devs = api_st(sb, "GET", "/api/v1/devices")
    dev = [d for d in devs if d["username"] == user]
    st, regs = api_st(sb, "GET",
                      f"/api/v1/registrations?device_id={dev[0]['id']}")
    return regs[0] if st == 200 and len(regs) == 1 else None


def nat_port(reg):
    """The router's public port in a binding's `received`, or None."""
    m = re.fullmatch(re.escape(RTR_WAN) + r":(\d+)", reg["received"]) \
        if reg else None
    return int(m.group(1)) if m else None


def check_in_dialog_targets(cap, since, label, phones, sb):
    """The NAT Contact rewrite, seen on the wire: the server sent ACK or
    BYE of this call to each NATed UDP/TCP phone at the router's public
    address and port of its binding, with exactly that host:port in the
    Request-URI (the rewritten Contact); and no ACK/BYE went to the router
    with any other target.  Without the rewrite the target is the phone's
    private Contact, which the server cannot reach: nothing on the wire."""
    sent = [(f, m, uri) for f, m, uri, _ in cap.messages(since)
            if m in ("ACK", "BYE") and f["src"] == SRV_IP
            and f["sport"] == 5060]
    bad = [(m, uri, f"{f['dst']}:{f['dport']}") for f, m, uri in sent
           if f["dst"] == RTR_WAN and uri.split("@", 1)[-1].split(";")[0]
           != f"{f['dst']}:{f['dport']}"]
    S.check(not bad, f"{label}: every ACK/BYE to the router carries its "
            "public address in the Request-URI", str(bad))
    for p in phones:
        port = nat_port(binding(sb, p.user))
        want = f"{RTR_WAN}:{port}"
        got = [m for f, m, uri in sent if f["dst"] == RTR_WAN and
               f["dport"] == port and
               uri.split("@", 1)[-1].split(";")[0] == want]
        S.check(port is not None and got,
                f"{label}: the server's in-dialog requests to {p.user} go "
                f"to its NAT address {want} (rewritten Contact)",
                f"sent {[(m, uri, f['dst'], f['dport']) for f, m, uri in sent]}")


def check_binding(sb, cap, p, public=True):
    """The stored binding of phone p: Contact as the phone sent it (its
    private address), received = the exact address and port its REGISTER
    came from on the wire (the router's public mapping for a NATed
    phone)."""
    reg = binding(sb, p.user)
    regs = [f for f, m, _, text in cap.messages() if m == "REGISTER" and
            re.search(r"(?im)^(?:to|t)\s*:[^\r\n]*sip:" + p.user + "@",
                      text)]
    src = f"{regs[-1]['src']}:{regs[-1]['sport']}" if regs else None
    want_host = RTR_WAN if public else p.host
    S.check(reg is not None and src is not None and
            reg["received"] == src and src.startswith(want_host + ":") and
            re.match(r"sip:[^@\s]+@" + re.escape(f"{p.host}:{p.sip_port}")
                     + r"(;|$)", reg["contact"]) and
            reg["transport"] == p.transport.upper(),
            f"binding of {p.user}: Contact {p.host}:{p.sip_port} as sent, "
            f"received = its REGISTER's source {src}",
            f"{reg}, REGISTER seen from {src}")


def call_check(sb, cap, caller, callee, dial, label, hangup_by, nat=()):
    """A call that must connect both ways, carry audio and end by a BYE
    that crosses the NAT.  nat: the phones of the call behind the NAT on
    UDP or TCP, whose in-dialog requests are checked on the wire."""
    since = len(cap.frames())
    mc, me = caller.mark(), callee.mark()
    n_callee = len(callee.recordings())
    caller.dial(dial)
    up = (caller.wait_event("CALL_ESTABLISHED", 10, since=mc) is not None,
          callee.wait_event("CALL_ESTABLISHED", 10, since=me) is not None)
    if not S.check(all(up), f"{label}: call established (both sides)",
                   f"caller {up[0]}, callee {up[1]}"):
        caller.hangup()
        callee.hangup()
        S.check(False, f"{label}: hang-up by the {hangup_by} not tested: "
                "the call never connected")
        return
    rec = wait_for(lambda: newest_call(sb), 5, "the call record")
    S.check(rec["caller_leg"] == f"device:{caller.user}" and
            rec["callee_leg"] == f"device:{callee.user}" and
            rec["answered_at"] and not rec["ended_at"],
            f"{label}: the record shows the answered live call "
            f"device:{caller.user} -> device:{callee.user}", str(rec))
    # 3 s of audio both ways went through the relay (50 packets/s each)
    r0 = relayed(sb)
    try:
        wait_for(lambda: relayed(sb) - r0 >= 300, 15,
                 f"{label}: 300 relayed RTP packets")
    except RuntimeError as e:
        S.check(False, f"{label}: audio flows", str(e))
    hanger = caller if hangup_by == "caller" else callee
    other = callee if hangup_by == "caller" else caller
    mo, mh = other.mark(), hanger.mark()
    hanger.hangup()
    ev = other.wait_event("CALL_CLOSED", 10, since=mo)
    hanger.wait_event("CALL_CLOSED", 5, since=mh)  # recordings complete
    # baresip reports a BYE from its peer as "Connection reset by peer"
    S.check(ev is not None and "Connection reset by peer" in
            ev.get("param", ""),
            f"{label}: hang-up by the {hangup_by} reaches the other side "
            "as a BYE (in-dialog BYE through the NAT)", str(ev))
    end = wait_for(lambda: (lambda c: c if c and c["id"] == rec["id"] and
                            c["ended_at"] else None)(newest_call(sb)), 5,
                   f"{label}: the call record to close")
    S.check(end["disposition"] == "answered" and end["sip_code"] == 200 and
            end["ended_by"] == hangup_by,
            f"{label}: record closed answered/200, ended by the "
            f"{hangup_by}", str(end))
    if nat:
        check_in_dialog_targets(cap, since, label, nat, sb)
    fa, fb = freq(caller, 0.5, 2), freq(callee, 0.5, 2)
    S.check(fa is not None and abs(fa - callee.tone) < 0.1 * callee.tone,
            f"{label}: caller hears the callee's {callee.tone} Hz",
            f"got {fa}")
    S.check(fb is not None and abs(fb - caller.tone) < 0.1 * caller.tone
            and len(callee.recordings()) > n_callee,
            f"{label}: callee hears the caller's {caller.tone} Hz",
            f"got {fb}")


def router_udp_timeout(seconds):
    for key in ("nf_conntrack_udp_timeout", "nf_conntrack_udp_timeout_stream"):
        sh("sysctl", "-qw", f"net.netfilter.{key}={seconds}", ns=NS_RTR)


def router_maps(home_port):
    """The router's live UDP mappings of the home phone's SIP port to the
    server (conntrack entries of this namespace)."""
    text = sh("cat", "/proc/net/nf_conntrack", ns=NS_RTR, check=False)
    return [ln for ln in text.splitlines()
            if " udp " in f" {ln} " and f"src={HOME_IP} " in ln
            and f"sport={home_port} " in ln and f"dst={SRV_IP} " in ln]


def add_nat_tester(sb, ext="1003", password="delta1003pw"):
    st, e = api_st(sb, "POST", "/api/v1/employees",
                   {"tenant_id": 1, "first_name": "Nat", "last_name": "Tester",
                    "extension": ext})
    if st != 201:
        raise RuntimeError(f"POST employee {ext}: {st} {e}")
    st, d = api_st(sb, "POST", "/api/v1/devices",
                   {"tenant_id": 1, "employee_id": e["id"], "username": ext,
                    "password": password, "name": "NAT phone"})
    if st != 201:
        raise RuntimeError(f"POST device {ext}: {st} {d}")


def keepalive_phase(pings):
    """The router forgets idle UDP mappings after 5 s.  With our pings
    (every 2 s) a NATed phone is still reachable after 12 s; without them
    the same phone, which rang through the NAT right after registering,
    does not: no INVITE reaches it and the caller gets 480 at the ring
    timeout."""
    label = "with pings" if pings else "without pings"
    sb = start_server(["--keepalive-interval", "2" if pings else "0",
                       "--keepalive-max-missed", "2", "--ring-timeout", "5"])
    phones = []
    cap_srv = cap_home = None
    try:
        add_nat_tester(sb)
        srv = (SRV_IP, 5060)
        c = Baresip("1003", "delta1003pw", server=srv, tone=1000,
                    netns=NS_HOME, host=HOME_IP)
        b = Baresip("1002", "bravo1002", server=srv, tone=700,
                    netns=NS_SRV, host=SRV_IP)
        phones = [c, b]
        for p in phones:
            p.start()
        S.check(c.wait_registered(10) and b.wait_registered(10),
                f"{label}: phones register")
        # the setup can ring the NATed phone: right after its REGISTER
        # the router still holds the mapping
        m = c.mark()
        b.dial(f"sip:1003@{SRV_IP}:5060")
        S.check(c.wait_event("CALL_ESTABLISHED", 8, since=m) is not None,
                f"{label}: the NATed phone rings and answers while the "
                "router still has its mapping")
        b.hangup()
        c.wait_event("CALL_CLOSED", 5, since=m)
        pub = nat_port(binding(sb, "1003"))
        S.check(pub is not None, f"{label}: binding received at the "
                "router's public address", str(binding(sb, "1003")))
        t_idle = time.time()
        if pings:
            # a duration is the point here: more than two router timeouts
            # without any traffic but our pings
            time.sleep(12)
            S.check(router_maps(c.sip_port),
                    "with pings the router still holds the phone's mapping "
                    "after 12 s (router timeout 5 s)")
            m = c.mark()
            b.dial(f"sip:1003@{SRV_IP}:5060")
            est = c.wait_event("CALL_ESTABLISHED", 8, since=m)
            S.check(est is not None, "with pings the NATed phone is still "
                    "reachable after several router timeouts")
            b.hangup()
            c.wait_event("CALL_CLOSED", 5, since=m)
            # the phone vanishes without unregistering: after two missed
            # pings it is unreachable and a caller gets 480 at once
            c.proc.kill()
            prev = newest_call(sb)["id"]
            wait_for(lambda: re.search(
                r"keepalive: sip:\S+@" + re.escape(HOME_IP) +
                r":\d+\S* \(" + re.escape(RTR_WAN) + f":{pub}" +
                r"\) unreachable after 2 unanswered pings", sb.logtext()),
                15, "the keepalive to mark 1003 unreachable")
            m = b.mark()
            t0 = time.time()
            b.dial(f"sip:1003@{SRV_IP}:5060")
            ev = b.wait_event("CALL_CLOSED", 10, since=m)
            took = time.time() - t0
            rec = wait_for(lambda: (lambda x: x if x and x["id"] != prev and
                                    x["ended_at"] else None)(
                newest_call(sb)), 5, "the record of the call to the lost "
                "phone")
            S.check(ev is not None and "480" in ev.get("param", "") and
                    took < 2 and rec["disposition"] == "unavailable" and
                    rec["sip_code"] == 480 and rec["ended_by"] == "system",
                    "a call to the unreachable phone gets 480 at once "
                    "(record unavailable/480/system)",
                    f"{ev} after {took:.1f}s, record {rec}")
        else:
            # wait until the router dropped the mapping (its 5 s timer)
            wait_for(lambda: not router_maps(c.sip_port) and
                     time.time() - t_idle > 6, 30,
                     "the router to forget the phone's mapping")
            cap_srv = SipCap(NS_SRV).start()
            cap_home = SipCap(NS_HOME, f"udp and dst port {c.sip_port}")
            cap_home.start()
            mc, mb = c.mark(), b.mark()
            t0 = time.time()
            b.dial(f"sip:1003@{SRV_IP}:5060")
            ev = b.wait_event("CALL_CLOSED", 15, since=mb)
            took = time.time() - t0
            rec = newest_call(sb)
            S.check(ev is not None and "480" in ev.get("param", "") and
                    4.5 <= took < 9 and rec and
                    rec["disposition"] == "no_answer" and
                    rec["sip_code"] == 480 and rec["ended_by"] == "system",
                    "without pings the caller gets 480 at the 5 s ring "
                    "timeout (record no_answer/480/system)",
                    f"{ev} after {took:.1f}s, record {rec}")
            sent = [f for f, meth, uri, _ in cap_srv.messages()
                    if meth == "INVITE" and f["src"] == SRV_IP and
                    f["sport"] == 5060 and uri.startswith("sip:1003")]
            S.check(sent and all(f["dst"] == RTR_WAN and f["dport"] == pub
                                 for f in sent),
                    "without pings the server sent the INVITE to the "
                    f"phone's old NAT address {RTR_WAN}:{pub}",
                    str([(f["dst"], f["dport"]) for f in sent]))
            got = [meth for _, meth, _, _ in cap_home.messages()]
            S.check("INVITE" not in got and
                    c.wait_event(("CALL_INCOMING", "CALL_RINGING"), 0.1,
                                 since=mc) is None,
                    "without pings no INVITE reached the phone (router "
                    "dropped it) and it did not ring", str(got))
            b.hangup()
    finally:
        for cap in (cap_srv, cap_home):
            if cap:
                cap.cleanup()
        for p in phones:
            p.stop()
        code = sb.stop()
        S.check(code == 0, f"{label}: server exits cleanly", f"exit {code}")
        sb.cleanup()


def main():
    if os.geteuid() != 0:
        S.check(False, "nat suite needs root (ip netns)")
        S.finish()
    lab_down()
    sb = None
    cap = None
    phones = []
    try:
        lab_up()
        # the server cannot reach the home network; the home can reach it
        r = subprocess.run(["ip", "netns", "exec", NS_SRV, "ping", "-c1",
                            "-W1", HOME_IP], capture_output=True)
        S.check(r.returncode != 0, "server has no route to the home LAN")
        sb = start_server()
        cap = SipCap(NS_SRV).start()
        add_nat_tester(sb)
        srv = (SRV_IP, 5060)
        a = Baresip("1001", "alpha1001", server=srv, tone=440,
                    netns=NS_HOME, host=HOME_IP)
        c = Baresip("1003", "delta1003pw", server=srv, tone=1000,
                    netns=NS_HOME, host=HOME_IP)
        b = Baresip("1002", "bravo1002", server=srv, tone=700,
                    netns=NS_SRV, host=SRV_IP)
        phones = [a, b, c]
        for p in phones:
            p.start()
        S.check(all(p.wait_registered(10) for p in phones),
                "two phones behind the NAT and one outside register")
        regs = api(sb, "GET", "/api/v1/registrations")
        S.check(len(regs) == 3 and
                sorted(r["received"].split(":")[0] for r in regs) ==
                sorted([SRV_IP, RTR_WAN, RTR_WAN]),
                "three bindings: two from the router's public address, "
                "one from the server's network", str(regs))
        for p in (a, c):
            check_binding(sb, cap, p)
        check_binding(sb, cap, b, public=False)
        call_check(sb, cap, a, c, f"sip:1003@{SRV_IP}:5060", "NAT -> NAT",
                   "callee", nat=(a, c))
        call_check(sb, cap, b, a, f"sip:1001@{SRV_IP}:5060",
                   "outside -> NAT", "caller", nat=(a,))
        call_check(sb, cap, a, b, f"sip:1002@{SRV_IP}:5060",
                   "NAT -> outside", "callee", nat=(a,))
        # TCP and TLS behind the NAT: every request to the phone, BYE
        # included, must go down its own connection
        add_nat_tester(sb, "1004", "echo1004pw")
        add_nat_tester(sb, "1005", "foxtrot1005pw")
        make = {
            "d": lambda: Baresip("1004", "echo1004pw", server=srv,
                                 transport="tcp", tone=1300, netns=NS_HOME,
                                 host=HOME_IP),
            "e": lambda: Baresip("1005", "foxtrot1005pw",
                                 server=(SRV_IP, 5061), transport="tls",
                                 tone=1700, netns=NS_HOME, host=HOME_IP,
                                 extra_account=";mediaenc=srtp",
                                 extra_config=["module srtp.so"]),
        }
        tp = {k: f().start() for k, f in make.items()}
        phones += list(tp.values())
        for k in tp:
            # once seen in CI: baresip gone before registering; show its
            # log and give it one more start
            if not tp[k].wait_registered(10) and not tp[k].alive():
                print(f"     {tp[k].name} exited: {tp[k].log()[-1500:]!r}; "
                      "starting another", flush=True)
                tp[k].stop()
                tp[k] = make[k]().start()
                phones.append(tp[k])
        d, e = tp["d"], tp["e"]
        if not S.check(d.wait_registered(10) and e.wait_registered(10),
                       "phones behind the NAT register over TCP and TLS"):
            for p in (d, e):
                print(f"     {p.name} alive={p.alive()} log tail: "
                      f"{p.log()[-1500:]!r}", flush=True)
        check_binding(sb, cap, d)
        call_check(sb, cap, b, d, f"sip:1004@{SRV_IP}:5060",
                   "outside -> NAT/TCP", "caller", nat=(d,))
        call_check(sb, cap, d, b, f"sip:1002@{SRV_IP}:5060",
                   "NAT/TCP -> outside", "callee", nat=(d,))
        # TLS: encrypted on the wire; the BYE reaching the phone and the
        # closed record are checked, and the phone hears the other side
        # only if media latched on the router's public port (the server
        # has no route to the home LAN)
        call_check(sb, cap, b, e, f"sip:1005@{SRV_IP}:5060",
                   "outside -> NAT/TLS", "caller")
        call_check(sb, cap, e, b, f"sip:1002@{SRV_IP}:5061;transport=tls",
                   "NAT/TLS -> outside", "callee")
    except Exception as e:  # noqa: BLE001 - report, clean up, go on
        import traceback
        traceback.print_exc()
        S.check(False, f"basic NAT phase raised {type(e).__name__}: {e}")
    finally:
        if cap:
            cap.cleanup()
        for p in phones:
            p.stop()
        if sb:
            code = sb.stop()
            S.check(code == 0, "server exits cleanly", f"exit {code}")
            if os.environ.get("NAT_KEEP_LOG"):
                print(sb.logtext()[-int(os.environ["NAT_KEEP_LOG"]):])
            sb.cleanup()
        phones = []
        sb = None
    try:
        router_udp_timeout(5)
        S.run(keepalive_phase, True)
        S.run(keepalive_phase, False)
    finally:
        lab_down()
    S.finish()


if __name__ == "__main__":
    main()
