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
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import Suite, Switchboard  # noqa: E402
from peers import Baresip, dominant_freq  # noqa: E402

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


def api(sb, method, path, body=None):
    import json
    cmd = ["curl", "-s", "-X", method, "-H",
           f"Authorization: Bearer {sb.token}",
           f"http://127.0.0.1:{sb.http_port}{path}"]
    if body is not None:
        cmd[1:1] = ["-H", "Content-Type: application/json", "-d",
                    json.dumps(body)]
    out = sh(*cmd, ns=NS_SRV)
    return json.loads(out) if out.strip() else None


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
    deadline = time.time() + 20
    while time.time() < deadline:
        if "switchboard running" in sb.logtext():
            return sb
        if sb.proc.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError("server did not start: " + sb.tail())


def freq(p, start, length):
    rec = p.recordings()
    return dominant_freq(rec[-1], start, length) if rec else None


def call_check(caller, callee, dial, label, hangup_by):
    n_callee = len(callee.recordings())
    caller.dial(dial)
    S.check(caller.wait_event("CALL_ESTABLISHED", 10) is not None and
            callee.wait_event("CALL_ESTABLISHED", 10) is not None,
            f"{label}: call established")
    time.sleep(3)
    (caller if hangup_by == "caller" else callee).hangup()
    other = callee if hangup_by == "caller" else caller
    S.check(other.wait_event("CALL_CLOSED", 10) is not None,
            f"{label}: hang-up by the {hangup_by} reaches the other side "
            "(in-dialog BYE through the NAT)")
    time.sleep(0.5)
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


def add_nat_tester(sb, ext="1003", password="delta1003pw"):
    st = api(sb, "POST", "/api/v1/employees",
             {"tenant_id": 1, "first_name": "Nat", "last_name": "Tester",
              "extension": ext})
    api(sb, "POST", "/api/v1/devices",
        {"tenant_id": 1, "employee_id": st["id"], "username": ext,
         "password": password, "name": "NAT phone"})


def keepalive_phase(pings):
    """The router forgets idle UDP mappings after 5 s.  With our pings
    (every 2 s) a NATed phone is still reachable after 12 s; without them
    it is not - which proves the test can tell."""
    label = "with pings" if pings else "without pings"
    sb = start_server(["--keepalive-interval", "2" if pings else "0",
                       "--keepalive-max-missed", "2", "--ring-timeout", "5"])
    phones = []
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
        time.sleep(12)  # more than two router timeouts
        b.dial(f"sip:1003@{SRV_IP}:5060")
        est = c.wait_event("CALL_ESTABLISHED", 8)
        if pings:
            S.check(est is not None, "with pings the NATed phone is still "
                    "reachable after several router timeouts")
            b.hangup()
            c.wait_event("CALL_CLOSED", 5)
            # the phone vanishes without unregistering: after two missed
            # pings it is unreachable and a caller gets 480 at once
            c.proc.kill()
            time.sleep(7)
            S.check("unreachable after" in sb.logtext(),
                    "missed pings mark the phone unreachable")
            m = b.mark()
            t0 = time.time()
            b.dial(f"sip:1003@{SRV_IP}:5060")
            ev = b.wait_event("CALL_CLOSED", 10, since=m)
            S.check(ev is not None and "480" in ev.get("param", "") and
                    time.time() - t0 < 2,
                    "a call to the unreachable phone gets 480 at once",
                    f"{ev} after {time.time() - t0:.1f}s")
        else:
            S.check(est is None, "without pings the router forgot the "
                    "mapping and the phone does not ring")
            b.hangup()
    finally:
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
    phones = []
    try:
        lab_up()
        # the server cannot reach the home network; the home can reach it
        r = subprocess.run(["ip", "netns", "exec", NS_SRV, "ping", "-c1",
                            "-W1", HOME_IP], capture_output=True)
        S.check(r.returncode != 0, "server has no route to the home LAN")
        sb = start_server()
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
        nat_regs = [r for r in regs if r["received"].startswith(RTR_WAN)]
        S.check(len(nat_regs) == 2 and all(HOME_IP in r["contact"]
                                           for r in nat_regs),
                "bindings keep the private Contact and the public source",
                str(regs))
        call_check(a, c, f"sip:1003@{SRV_IP}:5060", "NAT -> NAT", "callee")
        call_check(b, a, f"sip:1001@{SRV_IP}:5060", "outside -> NAT",
                   "caller")
        call_check(a, b, f"sip:1002@{SRV_IP}:5060", "NAT -> outside",
                   "callee")
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
        call_check(b, d, f"sip:1004@{SRV_IP}:5060", "outside -> NAT/TCP",
                   "caller")
        call_check(d, b, f"sip:1002@{SRV_IP}:5060", "NAT/TCP -> outside",
                   "callee")
        call_check(b, e, f"sip:1005@{SRV_IP}:5060", "outside -> NAT/TLS",
                   "caller")
        call_check(e, b, f"sip:1002@{SRV_IP}:5061;transport=tls",
                   "NAT/TLS -> outside", "callee")
        log = sb.logtext()
        S.check("Contact" in log and "rewritten" in log,
                "the NATed Contacts were fixed")
        S.check("latched to " + RTR_WAN in log,
                "media latched on the router's public ports")
    except Exception as e:  # noqa: BLE001 - report, clean up, go on
        import traceback
        traceback.print_exc()
        S.check(False, f"basic NAT phase raised {type(e).__name__}: {e}")
    finally:
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
