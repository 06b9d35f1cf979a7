#!/usr/bin/env python3
"""metrics.py - GET /metrics (issue 20): the Prometheus text format with
the operator's token or on --metrics-listen without one, exact counter
values after known sequences, promtool, and --syslog.

  * no token: 401 {"error"}; a client admin's token: 403; POST: 405
    with Allow: GET
  * the operator's token: 200, Content-Type text/plain; version=0.0.4
  * the format: every sample belongs to a family with # HELP and # TYPE
    (a histogram's _bucket, _sum and _count), names as Prometheus wants
    them, counters end in _total, the families of docs/api.md are all
    there; `promtool check metrics` (Debian's prometheus) finds nothing
    (skipped with a note when promtool is not installed)
  * --metrics-listen: GET /metrics without a token 200 and the same
    families, another path 404, POST 405; an address off loopback stops
    the start (exit 2, named) unless --metrics-listen-public
  * a phone registers and unregisters (each challenged, then with
    credentials), sends 3 OPTIONS and 1 request of an unknown method:
    requests REGISTER +4, OPTIONS +3, other +1, INVITE +0; responses sent
    REGISTER 4xx +2, 2xx +2, OPTIONS 2xx +3, other 5xx +1;
    registrations 1 while registered, 0 after
  * three wrong passwords from one address with --auth-max-failures 3:
    switchboard_auth_blocks goes from 0 to 1
  * the outbox with an SMTP server that refuses connections,
    --outbox-attempts 2: a test mail's first attempt fails (attempts
    failed +1, pending 1), the second gives up (failed +1, pending 0)
  * a trunk call to a phone with 30 + 20 RTP packets (sequence numbers 1-30
    and 36-55: 5 lost) and 7 from a stranger: calls_active 1, media_legs
    2, RTP received/relayed +50, lost +5, refused +7, INVITE +1,
    responses INVITE 2xx sent +1 and received +1; after BYE 0 and 0,
    calls ended answered +1, BYE 2xx sent +1, set-up time histogram
    count +1 (in the 30 s bucket, +Inf too); a busy phone (486): busy
    +1, INVITE 4xx sent +1 and received +1, set-up time count +1 (the
    trunk got 180 while the phone was dialled)
  * a phone on TLS: switchboard_sip_connections{transport="tls"} 1, and
    0 after it closed; registrations counted (2 while both are bound)
  * --syslog: the server runs in a mount namespace of its own (unshare)
    whose /dev/log is a datagram socket of the test: the lines arrive
    with facility daemon, the level mapped (info <30>, debug <31>), ident
    switchboard[pid], the area in the text, and nothing on stderr
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from claims import (DEMO, LOCAL, PW, Box, Phone, drain, free_port,  # noqa
                    make_sdp, rtp_sink, sdp_conn, send_rtp, tag, wait_for)
import claims  # noqa: E402
from sb import BIN, Suite, Switchboard  # noqa: E402

S = Suite("metrics")
claims.S = S  # Box.stop() counts into this suite
FAMILIES = {
    "switchboard_sip_requests_total": "counter",
    "switchboard_sip_responses_total": "counter",
    "switchboard_sip_undecodable_total": "counter",
    "switchboard_sip_connections": "gauge",
    "switchboard_registrations": "gauge",
    "switchboard_calls_active": "gauge",
    "switchboard_calls_ended_total": "counter",
    "switchboard_call_setup_seconds": "histogram",
    "switchboard_auth_blocks": "gauge",
    "switchboard_media_legs": "gauge",
    "switchboard_rtp_packets_received_total": "counter",
    "switchboard_rtp_packets_relayed_total": "counter",
    "switchboard_rtp_packets_refused_total": "counter",
    "switchboard_rtp_packets_lost_total": "counter",
    "switchboard_outbox_deliveries": "gauge",
    "switchboard_outbox_attempts_failed_total": "counter",
    "switchboard_outbox_failed_total": "counter",
    "switchboard_store_write_lock_wait_seconds": "histogram",
    "switchboard_store_write_lock_held_seconds_total": "counter",
    "switchboard_store_write_lock_failed_total": "counter",
    "switchboard_trunk_attempts_total": "counter",
    "switchboard_trunk_answered_total": "counter",
    "switchboard_trunk_failed_total": "counter",
}
PROMTOOL = shutil.which("promtool")
SETUP = "switchboard_call_setup_seconds"


def get(sb, method="GET", token=True, port=None, path="/metrics"):
    if token is True:
        token = sb.token
    req = urllib.request.Request(
        f"http://{LOCAL}:{port or sb.http_port}{path}", method=method,
        headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def samples(text):
    """{sample name with labels: value}; an absent labelled counter is 0
    (use .get)."""
    out = {}
    for ln in text.splitlines():
        if ln.startswith("#") or not ln:
            continue
        name, val = ln.rsplit(" ", 1)
        out[name] = float(val) if "." in val else int(val)
    return out


def resp(d, method, cls):
    return (f'switchboard_sip_responses_total{{direction="{d}",'
            f'method="{method}",class="{cls}"}}')


def delta(a, b, k):
    return b.get(k, 0) - a.get(k, 0)


def test_access(sb):
    st, h, body = get(sb, token=False)
    S.check(st == 401 and '"error"' in body, "no token: 401", f"{st} {body}")
    st, t = sb.api("POST", "/api/v1/tokens", {"role": "client_admin",
                                              "tenant_id": 1, "name": "m"})
    st, h, body = get(sb, token=t.get("token") if st == 201 else "x")
    S.check(st == 403 and json.loads(body) == {
        "error": "role client_admin may not GET /metrics"},
        "a client admin's token: 403", f"{st} {body}")
    st, h, body = get(sb, method="POST")
    S.check(st == 405 and h.get("Allow") == "GET", "POST: 405, Allow: GET",
            f"{st} {h.get('Allow')}")
    st, h, body = get(sb)
    S.check(st == 200 and h.get("Content-Type") ==
            "text/plain; version=0.0.4; charset=utf-8",
            "the operator's token: 200, the Prometheus text type",
            f"{st} {h.get('Content-Type')}")


def family_of(name, types):
    if name in types:
        return name
    for suf in ("_bucket", "_sum", "_count"):
        base = name[:-len(suf)]
        if name.endswith(suf) and types.get(base) == "histogram":
            return base
    return None


def check_format(text, what):
    helps = dict(re.findall(r"^# HELP (\S+) (.+)$", text, re.M))
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
    bad = []
    for ln in text.splitlines():
        if ln.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-z_]+="[^"\\\n]*"'
                     r'(?:,[a-z_]+="[^"\\\n]*")*\})? (\d+(?:\.\d+)?)$', ln)
        fam = family_of(m.group(1), types) if m else None
        if not fam or fam not in helps:
            bad.append(ln)
    S.check(text.endswith("\n") and not bad, f"{what}: every sample line is "
            "valid and belongs to a family with HELP and TYPE", str(bad[:5]))
    S.check(types == FAMILIES, f"{what}: the families and types of "
            "docs/api.md", str(types))
    S.check(all(n.endswith("_total") == (t == "counter")
                for n, t in types.items()),
            f"{what}: counters and only counters end in _total", str(types))
    if not PROMTOOL:
        print("NOTE promtool not installed (Debian package prometheus): "
              "`promtool check metrics` skipped", flush=True)
        return
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text,
                       capture_output=True, text=True, timeout=60)
    S.check(r.returncode == 0 and not r.stdout.strip() and
            not r.stderr.strip(), f"{what}: promtool check metrics: no "
            "problem", f"{r.returncode} {r.stdout} {r.stderr}")


def test_format(sb):
    st, _, text = get(sb)
    check_format(text, "GET /metrics")


def test_listen(sb, mport):
    """--metrics-listen: no token needed there, only /metrics."""
    st, h, text = get(sb, token=False, port=mport)
    S.check(st == 200 and h.get("Content-Type") ==
            "text/plain; version=0.0.4; charset=utf-8",
            "--metrics-listen: GET /metrics without a token 200",
            f"{st} {text[:200]}")
    check_format(text, "--metrics-listen")
    st, _, body = get(sb, token=True, port=mport, path="/api/v1/tenants")
    S.check(st == 404 and json.loads(body) == {
        "error": "no such resource: /api/v1/tenants (this address serves "
        "only /metrics)"}, "--metrics-listen: the API is not there (404, "
        "even with the operator's token)", f"{st} {body}")
    st, h, body = get(sb, method="POST", token=False, port=mport)
    S.check(st == 405 and h.get("Allow") == "GET",
            "--metrics-listen: POST /metrics 405, Allow: GET", f"{st}")


def run_check(*args):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SWITCHBOARD_")}
    env["SWITCHBOARD_CONFIG"] = ""
    d = tempfile.mkdtemp(prefix="sbmetrics-")
    try:
        return subprocess.run([BIN, "--data-dir", d, "--check-config"] +
                              list(args), env=env, capture_output=True,
                              text=True, timeout=60)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_listen_config():
    r = run_check("--metrics-listen", "0.0.0.0:9464")
    S.check(r.returncode == 2 and r.stderr.strip() ==
            "switchboard: --metrics-listen: 0.0.0.0:9464 is not a loopback "
            "address; metrics without a token elsewhere need "
            "--metrics-listen-public",
            "--metrics-listen off loopback: exit 2, named",
            f"{r.returncode} {r.stderr!r}")
    r = run_check("--metrics-listen", "0.0.0.0:9464",
                  "--metrics-listen-public")
    S.check(r.returncode == 0 and
            "metrics-listen = 0.0.0.0:9464" in r.stdout,
            "--metrics-listen-public: accepted", f"{r.returncode} "
            f"{r.stderr!r}")
    r = run_check("--metrics-listen", "localhost")
    S.check(r.returncode == 2 and r.stderr.strip() ==
            "switchboard: --metrics-listen: 'localhost' is not an address "
            "ip:port", "--metrics-listen without a port: exit 2, named",
            f"{r.returncode} {r.stderr!r}")


def test_sip_counts(sb):
    before = samples(get(sb)[2])
    p = Phone((LOCAL, sb.sip_port), "1001", PW["1001"])
    try:
        _, r = p.register()
        S.check(r.status == 200, "the phone registers", r.first)
        mid = samples(get(sb)[2])
        host = f"{LOCAL}:{sb.sip_port}"
        for method, n in (("OPTIONS", 3), ("NEWMETHOD", 1)):
            for i in range(n):
                cid = tag()
                p.request(method, f"sip:{host}", f"<sip:{host}>",
                          f"<sip:1001@{host}>;tag={tag()}", cid, 1,
                          body="hi" if method == "NEWMETHOD" else "",
                          ctype="text/plain")
                p.final(cid, 1, method)
    finally:
        p.close()
    after = samples(get(sb)[2])

    def d(m):
        k = f'switchboard_sip_requests_total{{method="{m}"}}'
        return after[k] - before[k]
    S.check((d("REGISTER"), d("OPTIONS"), d("other"), d("INVITE")) ==
            (4, 3, 1, 0), "REGISTER +4 (challenge and credentials, at "
            "register and at the unregister of close()), OPTIONS "
            "+3, NEWMETHOD counted as other +1, INVITE +0",
            str((d("REGISTER"), d("OPTIONS"), d("other"), d("INVITE"))))
    got = {(m, c): delta(before, after, resp("sent", m, c))
           for m in ("REGISTER", "OPTIONS", "other")
           for c in ("1xx", "2xx", "3xx", "4xx", "5xx", "6xx")}
    want = {k: 0 for k in got}
    want.update({("REGISTER", "4xx"): 2, ("REGISTER", "2xx"): 2,
                 ("OPTIONS", "2xx"): 3, ("other", "5xx"): 1})
    S.check(got == want, "responses sent: REGISTER 4xx +2 (the "
            "challenges), 2xx +2, OPTIONS 2xx +3, other 5xx +1 (501), "
            "nothing else", str({k: v for k, v in got.items() if v}))
    S.check((before["switchboard_registrations"],
             mid["switchboard_registrations"],
             after["switchboard_registrations"]) == (0, 1, 0),
            "switchboard_registrations: 0, 1 while registered, 0 after",
            str((before["switchboard_registrations"],
                 mid["switchboard_registrations"],
                 after["switchboard_registrations"])))
    S.check(after["switchboard_calls_active"] == 0,
            "no call: switchboard_calls_active 0")


LOCK = "switchboard_store_write_lock_"


def test_auth_blocks(sb):
    before = samples(get(sb)[2])["switchboard_auth_blocks"]
    p = Phone((LOCAL, sb.sip_port), "1002", "wrong")
    try:
        for _ in range(3):
            p.register()
    finally:
        p.close()
    after = samples(get(sb)[2])["switchboard_auth_blocks"]
    S.check((before, after) == (0, 1), "three wrong passwords "
            "(--auth-max-failures 3): switchboard_auth_blocks 0 -> 1",
            f"{before} -> {after}")


def test_write_lock(sb):
    """A failed web login is kept in two write transactions (the store's
    write lock): the count of its address and that of its login name;
    nothing else writes meanwhile (--purge-interval 0)."""
    m0 = samples(get(sb)[2])
    for _ in range(3):
        st, r = sb.api("POST", "/api/v1/sessions",
                       {"login": "nobody", "password": "wrong"},
                       token=None)
        S.check(st == 401, "a wrong web login: 401", f"{st} {r}")
    m1 = samples(get(sb)[2])
    w = LOCK + "wait_seconds"
    got = (delta(m0, m1, w + "_count"),
           delta(m0, m1, w + '_bucket{le="+Inf"}'),
           delta(m0, m1, w + '_bucket{le="3.000000"}'),
           delta(m0, m1, LOCK + "failed_total"),
           m1[LOCK + "held_seconds_total"] > m0[LOCK + "held_seconds_total"],
           m1[w + "_sum"] > m0[w + "_sum"])
    S.check(got == (6, 6, 6, 0, True, True),
            "three failed logins kept: 6 write transactions, each lock "
            "granted within 3 s, none failed, time held and waited grow",
            str(got))


def test_outbox(sb):
    """--smtp-url points at a port nobody listens on, --outbox-attempts
    2, --outbox-retry-base 3: the first attempt fails and waits, the
    second gives up."""
    af = 'switchboard_outbox_attempts_failed_total{channel="mail"}'
    fl = 'switchboard_outbox_failed_total{channel="mail"}'
    pend = 'switchboard_outbox_deliveries{state="pending"}'
    sending = 'switchboard_outbox_deliveries{state="sending"}'
    m0 = samples(get(sb)[2])
    st, r = sb.api("POST", "/api/v1/outbox/test-mail",
                   {"to": "ops@example.com"})
    S.check(st == 202, "test mail queued (202)", f"{st} {r}")
    m1 = wait_for(lambda: (lambda m: m if m[af] > m0[af] else None)(
        samples(get(sb)[2])), 10, "the first attempt to fail")
    S.check((m0[af], m0[fl], m0[pend], m1[af], m1[fl], m1[pend],
             m1[sending]) == (0, 0, 0, 1, 0, 1, 0),
            "SMTP refused: attempts failed 0 -> 1, failed 0, pending 1, "
            "sending 0", str((m0[af], m0[fl], m0[pend], m1[af], m1[fl],
                               m1[pend], m1[sending])))
    m2 = wait_for(lambda: (lambda m: m if m[fl] > 0 else None)(
        samples(get(sb)[2])), 15, "the delivery to be given up")
    S.check((m2[af], m2[fl], m2[pend], m2[sending]) == (2, 1, 0, 0),
            "the second attempt gives up: attempts failed 2, failed 1, "
            "pending 0, sending 0",
            str((m2[af], m2[fl], m2[pend], m2[sending])))


def call_to_erika(box, trunk, erika, scode):
    """A trunk call to Erika's phone, which answers scode (200 with SDP,
    or an error); returns (call, final, caller rtp, erika rtp)."""
    a_rtp = rtp_sink(free_port(even=True))
    e_rtp = rtp_sink(free_port(even=True))
    mk = erika.mark()
    call = trunk.invite(DEMO["erika_personal"],
                        make_sdp(a_rtp.getsockname()[1]))
    inv = erika.incoming(5, mk)
    if scode == 200:
        erika.reply(inv, 200, "OK", make_sdp(e_rtp.getsockname()[1]))
    else:
        erika.reply(inv, scode, "Busy Here")
    return call, call.wait_final(), a_rtp, e_rtp


def test_call():
    """A trunk call to Erika's phone with 30 + 20 RTP packets from the
    caller (sequence numbers 1-30 and 36-55) and 7 from a stranger (as
    claims.py's test_stats), then a call Erika's phone refuses busy; a
    phone on TLS meanwhile."""
    box = Box(tls=True).start()
    srv = box.srv
    try:
        m0 = samples(get(srv)[2])
        erika = box.registered("1002")
        maxtls = box.registered("1001", "tls")
        mt = samples(get(srv)[2])
        S.check((mt['switchboard_sip_connections{transport="tls"}'],
                 mt["switchboard_registrations"]) == (1, 2),
                "a phone registered over TLS: sip_connections{tls} 1, "
                "registrations 2",
                str((mt['switchboard_sip_connections{transport="tls"}'],
                     mt["switchboard_registrations"])))
        trunk = box.trunk()
        call, fin, a_rtp, e_rtp = call_to_erika(box, trunk, erika, 200)
        S.check(fin.status == 200, "trunk call to Erika answered", fin.first)
        srv_ip, srv_port, _ = sdp_conn(fin.body)
        send_rtp(a_rtp, (srv_ip, srv_port), 30, 0x1234, seq0=1)
        send_rtp(a_rtp, (srv_ip, srv_port), 20, 0x1234, seq0=36)
        got = []
        deadline = time.time() + 5
        while len(got) < 50 and time.time() < deadline:
            got += drain(e_rtp, time.time() + 0.2)
        stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        stranger.bind((LOCAL, 0))
        send_rtp(stranger, (srv_ip, srv_port), 7, 0x6666, seq0=900)
        stranger.close()
        m1 = wait_for(lambda: (lambda m: m if m[
            "switchboard_rtp_packets_refused_total"] - m0[
            "switchboard_rtp_packets_refused_total"] >= 7 else None)(
            samples(get(srv)[2])), 5, "refused +7")

        def d(m, k):
            return m.get(k, 0) - m0.get(k, 0)
        inv_k = 'switchboard_sip_requests_total{method="INVITE"}'
        now = (m1["switchboard_calls_active"], m1["switchboard_media_legs"],
               d(m1, "switchboard_rtp_packets_received_total"),
               d(m1, "switchboard_rtp_packets_relayed_total"),
               d(m1, "switchboard_rtp_packets_lost_total"),
               d(m1, "switchboard_rtp_packets_refused_total"),
               d(m1, inv_k), d(m1, resp("sent", "INVITE", "2xx")),
               d(m1, resp("received", "INVITE", "2xx")))
        S.check(now == (1, 2, 50, 50, 5, 7, 1, 1, 1) and len(got) == 50,
                "during the call: calls_active 1, media_legs 2, RTP "
                "received +50, relayed +50, lost +5 (sequence numbers "
                "31-35), refused +7, INVITE +1, INVITE 2xx sent +1 and "
                "received +1", str(now))
        r = call.bye()
        S.check(r.status == 200, "BYE 200", r.first)
        m2 = wait_for(lambda: (lambda m: m if m["switchboard_calls_active"]
                               == 0 and m["switchboard_media_legs"] == 0
                               else None)(samples(get(srv)[2])), 5,
                      "the call to end")
        ended = 'switchboard_calls_ended_total{disposition="answered"}'
        now = (d(m2, "switchboard_rtp_packets_relayed_total"),
               d(m2, ended), d(m2, resp("sent", "BYE", "2xx")),
               d(m2, SETUP + "_count"), d(m2, SETUP + '_bucket{le="+Inf"}'),
               d(m2, SETUP + '_bucket{le="30.000"}'))
        S.check(now == (50, 1, 1, 1, 1, 1),
                "after BYE: calls_active 0, media_legs 0, relayed kept, "
                "calls ended answered +1, BYE 2xx sent +1, set-up time "
                "count +1 (buckets 30 s and +Inf +1)", str(now))
        a_rtp.close()
        e_rtp.close()

        call, fin, a_rtp, e_rtp = call_to_erika(box, trunk, erika, 486)
        m3 = wait_for(lambda: (lambda m: m if m["switchboard_calls_active"]
                               == 0 else None)(samples(get(srv)[2])), 5,
                      "the busy call to end")
        busy = 'switchboard_calls_ended_total{disposition="busy"}'
        now = (fin.status, d(m3, busy) - d(m2, busy),
               d(m3, resp("sent", "INVITE", "4xx")),
               d(m3, resp("received", "INVITE", "4xx")), d(m3, ended),
               d(m3, SETUP + "_count") - d(m2, SETUP + "_count"))
        S.check(now == (486, 1, 1, 1, 1, 1), "Erika's phone busy: 486 to "
                "the trunk, calls ended busy +1, INVITE 4xx sent +1 and "
                "received +1, answered unchanged, set-up time count +1 (the "
                "180 the trunk got while her phone was dialled)", str(now))
        a_rtp.close()
        e_rtp.close()

        maxtls.close()
        box.phones.remove(maxtls)
        m4 = wait_for(lambda: (lambda m: m if m[
            'switchboard_sip_connections{transport="tls"}'] == 0 else None)(
            samples(get(srv)[2])), 5, "the TLS connection to close")
        S.check(m4["switchboard_registrations"] == 1,
                "the TLS phone closed: sip_connections{tls} 0, "
                "registrations 1", str(m4["switchboard_registrations"]))
    finally:
        box.stop("call server")


SYSLOG_WRAP = r"""
set -e
t="$1"; shift
mkdir -p "$t/olddev"
mount --bind /dev "$t/olddev"
mount -t tmpfs tmpfs /dev
for n in null zero full random urandom tty; do
    touch "/dev/$n"
    mount --bind "$t/olddev/$n" "/dev/$n"
done
mkdir /dev/shm /dev/pts
ln -s /proc/self/fd /dev/fd
ln -s "$t/log.sock" /dev/log
exec "$@"
"""


def test_syslog():
    """--syslog: syslog(3) writes to /dev/log, which this machine lacks
    (no daemon); the server runs under unshare -m with a /dev of its own
    whose log is a socket of ours."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        print("NOTE --syslog not tested: needs root and unshare(1) for a "
              "/dev/log of its own", flush=True)
        return
    sb = Switchboard(extra_args=["--syslog", "--log-level", "debug"])
    t = tempfile.mkdtemp(prefix="sbsyslog-")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(os.path.join(t, "log.sock"))
    sock.settimeout(0.5)
    sb.args = ["unshare", "-m", "--propagation", "private", "sh", "-c",
               SYSLOG_WRAP, "sh", t] + sb.args
    lines = []
    done = threading.Event()

    def reader():
        # at once: syslog(3) blocks the server when our socket's queue
        # (10 datagrams) is full, as it would with a stalled daemon
        while not done.is_set():
            try:
                lines.append(sock.recv(65536).decode(errors="replace"))
            except socket.timeout:
                pass
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    try:
        sb.start()
        pid = sb.proc.pid
        wait_for(lambda: any("http: API listening" in x for x in lines), 10,
                 "the API's line in syslog")
    finally:
        code = sb.stop()
        done.set()
        th.join(2)
        sock.close()
        log = sb.logtext()
        sb.cleanup()
        shutil.rmtree(t, ignore_errors=True)
    S.check(code == 0, "--syslog: clean exit", f"exit {code}")
    pat = (r"^<30>\w{3} [ \d]\d \d\d:\d\d:\d\d switchboard\[" + str(pid) +
           r"\]: http: API listening on http://127\.0\.0\.1:\d+/api/v1/$")
    S.check(any(re.match(pat, x) for x in lines),
            "an info line: <30> (daemon.info), ident switchboard[pid], the "
            "area in the text", str(lines[:3]))
    S.check(any(x.startswith("<31>") and f"switchboard[{pid}]: " in x
                for x in lines), "a debug line: <31> (daemon.debug)",
            str([x for x in lines if not x.startswith("<30>")][:3]))
    S.check("API listening" not in log, "nothing of it on stderr",
            log[-300:])
    r = run_check("--syslog", "--log-file", "/tmp/sb.log")
    S.check(r.returncode == 2 and r.stderr.strip() ==
            "switchboard: --syslog: not together with --log-file",
            "--syslog with --log-file: exit 2, named",
            f"{r.returncode} {r.stderr!r}")


def main():
    mport = free_port()
    dead = free_port()
    sb = Switchboard(extra_args=[
        "--auth-max-failures", "3",
        "--metrics-listen", f"127.0.0.1:{mport}",
        "--smtp-url", f"smtp://127.0.0.1:{dead}",
        "--outbox-attempts", "2", "--outbox-retry-base", "3",
        "--outbox-retry-max", "3", "--purge-interval", "0"])
    try:
        sb.start()
        for f in (test_access, test_format, test_sip_counts,
                  test_auth_blocks, test_write_lock, test_outbox):
            S.run(f, sb)
        S.run(test_listen, sb, mport)
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit", f"exit {code}")
        sb.cleanup()
    S.run(test_listen_config)
    S.run(test_call)
    S.run(test_syslog)
    S.finish()


if __name__ == "__main__":
    main()
