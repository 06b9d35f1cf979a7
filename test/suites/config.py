#!/usr/bin/env python3
"""config.py - the options of `switchboard --help` and their SWITCHBOARD_*
variables do what README.md and docs/api.md say, each checked by its
effect on a running server (or, for the ones that cannot be watched in a
few seconds, by the exact error that names the option).

  * --help lists every documented option with its variable
    (SWITCHBOARD_ + the flag in capitals) and the documented defaults
  * every variable reaches its own option: a bad value in the variable is
    refused with an error naming that option
  * flags win over the environment
  * one server configured only by variables, one only by flags (other
    values), the same checks on both: --sip, --http, --data-dir, --db,
    --prompts (the tone of our welcome.wav is played), --realm (the
    WWW-Authenticate realm, and the demo logins hashed with it),
    --node-id (/api/v1/nodes, call records, registrations), --media-ip
    (SDP c= and the RTP source), --rtp-min/--rtp-max, --ring-timeout,
    --rtp-timeout, --reg-max-expires (the 200's Contact expires) and
    --reg-min-expires (423 with Min-Expires), --sip-tls and --tls-cert
    (the certificate presented is that file's), --srtp-required (RTP/SAVP
    to a TLS phone), --keepalive-interval, --heartbeat-interval,
    --auth-max-failures/--auth-block, --log-level, --init-demo
  * the range checks of --smtp-url, --outbox-*, --session-lifetime,
    --login-max-failures, --login-lockout and --password-hash, by variable
    and by flag (the login options' effect: logins.py); the mail
    options' effect (mail through the server, AUTH, retries, the last
    attempt) is checked in outbox.py, with the SMTP settings given once by
    variables and once by flags

Uses the raw SIP phone of claims.py.
"""
import os
import re
import shutil
import signal
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from claims import (BIN, DEMO, LOCAL, TLSCERT, PW, Phone, Server,  # noqa: E402
                    answer_crypto, drain, free_port, judge_tone, make_prompts,
                    make_sdp, pings, rtp_sink, sdp_conn, sh, wait_for,
                    wait_record)
import claims  # noqa: E402
from sb import Suite  # noqa: E402

S = Suite("config")
claims.S = S  # judge_tone() counts into this suite

# flag: (type, documented default as --help shows it or None)
OPTIONS = {
    "sip": ("str", "127.0.0.1:5060"), "sip-tls": ("str", None),
    "tls-cert": ("str", "<data-dir>/tls.pem"), "srtp-required": ("bool", None),
    "http": ("str", "127.0.0.1:8080"), "media-ip": ("str", None),
    "https": ("str", None), "http-public": ("bool", None),
    "data-dir": ("str", "var"), "db": ("str", "<data-dir>/switchboard.db"),
    "prompts": ("str", "<data-dir>/prompts"), "realm": ("str", "switchboard"),
    "spool-dir": ("str", "<data-dir>/voicemail"),
    "backup-keep": ("u32", "7"), "purge-interval": ("u32", "3600"),
    "node-id": ("str", "node1"), "rtp-min": ("u16", "20000"),
    "rtp-max": ("u16", "39999"), "rtp-timeout": ("u32", "30"),
    "ring-timeout": ("u32", "60"), "reg-max-expires": ("u32", "3600"),
    "reg-min-expires": ("u32", "60"), "auth-max-failures": ("u32", "5"),
    "auth-window": ("u32", "60"), "auth-block": ("u32", "600"),
    "edge": ("str", None),
    "keepalive-interval": ("u32", "25"), "keepalive-max-missed": ("u32", "3"),
    "heartbeat-interval": ("u32", "10"), "node-stale-after": ("u32", "45"),
    "log-level": ("log", "info"), "init-demo": ("bool", None),
    "smtp-url": ("str", None), "smtp-from": ("str", "switchboard@localhost"),
    "smtp-user": ("str", None), "smtp-password": ("str", None),
    "outbox-retry-base": ("u32", "30"), "outbox-retry-max": ("u32", "3600"),
    "outbox-attempts": ("u32", "10"),
    "sms-gateway-url": ("str", None), "sms-gateway-token": ("str", None),
    "sms-status-token": ("str", None),
    "public-url": ("str", None), "note-edit-window": ("u32", "300"),
    "note-link-ttl": ("u32", "604800"),
    "push-subject": ("str", "mailto:switchboard@localhost"),
    "push-allow-http": ("bool", None),
    "webhook-allow-loopback": ("bool", None),
    "events-queue-max": ("u32", "1048576"), "events-ping": ("u32", "30"),
    "number-block-max": ("u32", "10000"),
    "callback-attempts": ("u32", "3"), "callback-retry": ("u32", "300"),
    "oncall-attempts": ("u32", "3"), "oncall-retry": ("u32", "180"),
    "session-lifetime": ("u32", "43200"), "session-idle": ("u32", "1800"),
    "login-max-failures": ("u32", "5"), "login-lockout": ("u32", "900"),
    "login-ip-max-failures": ("u32", "20"),
    "password-hash": ("str", "interactive"),
    "password-workers": ("u32", "2"), "password-queue": ("u32", "32"),
    "invoice-issuer-name": ("str", "Switchboard"),
    "invoice-issuer-address": ("str", None),
    "invoice-issuer-vat-id": ("str", None),
    "invoice-issuer-tax-number": ("str", None),
    "web-dir": ("str", "build/web"),
    "config": ("str", "/etc/switchboard/switchboard.conf"),
    "log-file": ("str", None),
    "metrics-listen": ("str", None), "metrics-listen-public": ("bool", None),
    "syslog": ("bool", None),
}


def env_of(flag):
    return "SWITCHBOARD_" + flag.upper().replace("-", "_")


def run(args=(), env=None, cwd=None):
    e = claims.clean_env()
    e.update(env or {})
    return subprocess.run([BIN] + list(args), env=e, cwd=cwd,
                          capture_output=True, text=True, timeout=30)


def test_help():
    r = run(["--help"])
    S.check(r.returncode == 0, "--help exits 0", r.stderr[-300:])
    text = r.stdout
    found = {}
    lines = text.splitlines()
    for i, ln in enumerate(lines):
        m = re.match(r"  --(\S+)\s+(?:VALUE\s+)?(SWITCHBOARD_\S+)$", ln)
        if m:
            found[m.group(1)] = (m.group(2), lines[i + 1].strip())
    S.check(set(found) == set(OPTIONS), "--help lists exactly the "
            "documented options", f"extra {set(found) - set(OPTIONS)}, "
            f"missing {set(OPTIONS) - set(found)}")
    bad = [f for f, (env, _) in found.items() if env != env_of(f)]
    S.check(not bad, "every option's variable is SWITCHBOARD_<FLAG>", str(bad))
    wrong = [f for f, (typ, d) in OPTIONS.items() if d and f in found and
             f"({d}" not in found[f][1] and f"{d})" not in found[f][1]]
    S.check(not wrong, "--help shows the documented defaults",
            str([(f, found[f][1]) for f in wrong]))
    S.check("flags win over the environment" in text,
            "--help says flags win over the environment")


def test_env_reaches_option():
    """A value the option refuses, given only in the variable, is refused
    naming that option (exit 2): each variable is read for its option.
    The same value as a flag, the same error."""
    for flag, (typ, _) in OPTIONS.items():
        if typ == "bool":
            continue  # no bad value: shown by effect below
        val = "x" * 5000 if typ == "str" else "loud" if typ == "log" \
            else "12x"
        want = f"switchboard: --{flag}: " + (
            "value too long" if typ == "str" else f"invalid value '{val}'")
        r = run(env={env_of(flag): val})
        r2 = run([f"--{flag}", val])
        S.check(r.returncode == 2 and r.stderr.strip() == want and
                r2.returncode == 2 and r2.stderr.strip() == want,
                f"{env_of(flag)} is --{flag}", f"{r.returncode} "
                f"{r.stderr.strip()[:120]!r} / {r2.stderr.strip()[:120]!r}")
    # the checks across options see the variables too
    r = run(env={"SWITCHBOARD_RTP_MIN": "30000"}, args=["--rtp-max", "30002"])
    S.check(r.returncode == 2 and r.stderr.strip() ==
            "switchboard: bad RTP port range 30000-30002",
            "SWITCHBOARD_RTP_MIN with --rtp-max: the range check sees both",
            r.stderr)
    r = run(env={"SWITCHBOARD_SMS_STATUS_TOKEN": "short-secret-15"})
    S.check(r.returncode == 2 and r.stderr.strip() ==
            "switchboard: --sms-status-token: must be at least 16 "
            "characters" and "short-secret-15" not in r.stderr,
            "a guessable --sms-status-token (15 characters) is refused, "
            "without echoing it", r.stderr)
    r = run(env={"SWITCHBOARD_HEARTBEAT_INTERVAL": "10",
                 "SWITCHBOARD_NODE_STALE_AFTER": "15"})
    S.check(r.returncode == 2 and r.stderr.strip() ==
            "switchboard: --node-stale-after: must be at least twice "
            "--heartbeat-interval (20 s)",
            "SWITCHBOARD_NODE_STALE_AFTER below twice the heartbeat: "
            "refused", r.stderr)
    r = run(env={"SWITCHBOARD_PURGE_INTERVAL": "604801"})
    S.check(r.returncode == 2 and r.stderr.strip() ==
            "switchboard: --purge-interval: must be at most 604800 seconds "
            "(a week); 0 turns the automatic purge off",
            "SWITCHBOARD_PURGE_INTERVAL above a week: refused", r.stderr)


def test_outbox_options():
    """The checks of the SMTP and outbox options, each given by its
    variable and by its flag: the exact error, exit 2."""
    cases = [
        ({"smtp-url": "http://127.0.0.1:25"},
         "switchboard: --smtp-url: must start with smtp:// or smtps://"),
        ({"outbox-retry-base": "0"},
         "switchboard: --outbox-retry-base: must be at least 1 second"),
        ({"outbox-retry-base": "60", "outbox-retry-max": "59"},
         "switchboard: --outbox-retry-max: must be at least "
         "--outbox-retry-base (60 s)"),
        ({"outbox-attempts": "0"},
         "switchboard: --outbox-attempts: must be from 1 to 100"),
        ({"outbox-attempts": "101"},
         "switchboard: --outbox-attempts: must be from 1 to 100"),
        # call notes (issue 17); their effect: notes.py
        ({"sms-gateway-url": "ftp://127.0.0.1/sms"},
         "switchboard: --sms-gateway-url: must start with http:// or "
         "https://"),
        ({"public-url": "example.com"},
         "switchboard: --public-url: must start with http:// or https://"),
        ({"note-edit-window": "86401"},
         "switchboard: --note-edit-window: must be at most 86400 seconds"),
        ({"note-link-ttl": "59"},
         "switchboard: --note-link-ttl: must be from 60 to 31536000 "
         "seconds"),
        # password logins (issue 16); their effect: logins.py
        ({"session-lifetime": "0"},
         "switchboard: --session-lifetime: must be from 1 to 2592000 "
         "seconds"),
        ({"login-max-failures": "0"},
         "switchboard: --login-max-failures: must be from 1 to 100"),
        ({"login-max-failures": "101"},
         "switchboard: --login-max-failures: must be from 1 to 100"),
        ({"login-lockout": "0"},
         "switchboard: --login-lockout: must be from 1 to 86400 seconds"),
        ({"password-hash": "fast"},
         "switchboard: --password-hash: must be interactive or test"),
        ({"password-workers": "0"},
         "switchboard: --password-workers: must be from 1 to 16"),
        ({"password-workers": "17"},
         "switchboard: --password-workers: must be from 1 to 16"),
        ({"password-queue": "1025"},
         "switchboard: --password-queue: must be from 0 to 1024"),
    ]
    for opts, want in cases:
        r = run(env={env_of(k): v for k, v in opts.items()})
        args = []
        for k, v in opts.items():
            args += [f"--{k}", v]
        r2 = run(args)
        S.check(r.returncode == 2 and r.stderr.strip() == want and
                r2.returncode == 2 and r2.stderr.strip() == want,
                f"{opts}: refused by variable and by flag: {want!r}",
                f"{r.returncode} {r.stderr.strip()!r} / {r2.returncode} "
                f"{r2.stderr.strip()!r}")
    r = run(["--help"])
    S.check("prefer the variable" in r.stdout and "never logged" in r.stdout,
            "--help: the SMTP password is better given by its variable and "
            "is never logged")


def test_flags_win():
    """--help: flags win over the environment."""
    r = run(env={"SWITCHBOARD_RTP_MIN": "30000", "SWITCHBOARD_RTP_MAX":
                 "30002"}, args=["--rtp-min", "2000", "--rtp-max", "2002"])
    S.check(r.returncode == 2 and r.stderr.strip() ==
            "switchboard: bad RTP port range 2000-2002",
            "--rtp-min/--rtp-max win over their variables", r.stderr)
    d = tempfile.mkdtemp(prefix="sbconfig-")
    sip, http = free_port(), free_port()
    env = {"SWITCHBOARD_REALM": "env-loses", "SWITCHBOARD_NODE_ID":
           "env-loses", "SWITCHBOARD_SIP": f"{LOCAL}:{free_port()}",
           "SWITCHBOARD_HTTP": f"{LOCAL}:{free_port()}"}
    srv = Server(["--data-dir", d, "--sip", f"{LOCAL}:{sip}", "--http",
                  f"{LOCAL}:{http}", "--realm", "flag-wins", "--node-id",
                  "flag-wins", "--prompts", claims.PROMPTS], env=env,
                 http=(LOCAL, http), sip=(LOCAL, sip), data_dir=d)
    try:
        srv.start()
        p = Phone((LOCAL, sip), "1001", PW["1001"])
        first, r = p.register()
        p.close()
        S.check('realm="flag-wins"' in first.get("www-authenticate") and
                r.status == 200, "--realm wins over SWITCHBOARD_REALM "
                "(and --sip over SWITCHBOARD_SIP)",
                first.get("www-authenticate"))
        st, nodes = srv.api("GET", "/api/v1/nodes")
        S.check(st == 200 and [n["node_id"] for n in nodes] ==
                ["flag-wins"], "--node-id wins over SWITCHBOARD_NODE_ID "
                "(and --http over SWITCHBOARD_HTTP)", str(nodes))
    finally:
        code = srv.stop()
        S.check(code == 0, "precedence server: clean exit", f"exit {code}")
        srv.cleanup()


# --------------------------------------------------------------------------
# one server by variables, one by flags, one by the file
# --------------------------------------------------------------------------
class Setup:
    def __init__(self, mode, **v):
        self.mode = mode
        self.tmp = tempfile.mkdtemp(prefix=f"sbconfig-{mode}-")
        self.data_dir = os.path.join(self.tmp, "data")
        os.makedirs(os.path.join(self.tmp, "elsewhere"))
        self.db = os.path.join(self.tmp, "elsewhere", "store.db")
        self.prompts = make_prompts(os.path.join(self.tmp, "tones"),
                                    hz=v["tone"])
        self.cert = os.path.join(self.tmp, "certs", "sip.pem")
        sh(TLSCERT, self.cert, f"{mode}.claims.test")
        self.sip = (LOCAL, free_port())
        self.http = (LOCAL, free_port())
        self.tls = (LOCAL, free_port())
        self.trunk_port = free_port()
        self.v = v
        self.opts = {
            "sip": f"{LOCAL}:{self.sip[1]}", "http": f"{LOCAL}:{self.http[1]}",
            "sip-tls": f"{LOCAL}:{self.tls[1]}", "tls-cert": self.cert,
            "data-dir": self.data_dir, "db": self.db, "prompts": self.prompts,
            "realm": v["realm"], "node-id": v["node"],
            "media-ip": v["media_ip"], "rtp-min": str(v["rtp"][0]),
            "rtp-max": str(v["rtp"][1]), "ring-timeout": str(v["ring"]),
            "rtp-timeout": str(v["rtp_timeout"]),
            "reg-max-expires": str(v["reg"][1]),
            "reg-min-expires": str(v["reg"][0]),
            "keepalive-interval": str(v["keepalive"]),
            "heartbeat-interval": str(v["heartbeat"]),
            "node-stale-after": str(2 * v["heartbeat"]),
            "auth-max-failures": str(v["auth"][0]),
            "auth-block": str(v["auth"][1]), "log-level": v["log"],
        }
        if v["srtp_required"]:
            self.opts["srtp-required"] = None
        if mode == "env":
            self.args = []
            self.env = {env_of(k): ("1" if val is None else val)
                        for k, val in self.opts.items()}
        elif mode == "file":  # everything in the file, only --config given
            conf = os.path.join(self.tmp, "switchboard.conf")
            with open(conf, "w") as f:
                f.write("# written by config.py\n\n")
                for k, val in self.opts.items():
                    f.write(f"{k} = {'yes' if val is None else val}\n")
            self.args = ["--config", conf]
            self.env = {}
        else:
            self.args = []
            for k, val in self.opts.items():
                self.args += [f"--{k}"] + ([] if val is None else [val])
            self.env = {}
        # --init-demo / SWITCHBOARD_INIT_DEMO
        if mode == "env":
            r = run(env=dict(self.env, SWITCHBOARD_INIT_DEMO="1"),
                    cwd=self.tmp)
        else:
            r = run(self.args + ["--init-demo"], cwd=self.tmp)
        self.init = r
        self.srv = Server(self.args, env=self.env, http=self.http,
                          sip=self.sip, tls=self.tls, data_dir=self.data_dir,
                          init=False)

    def label(self, what):
        return f"{self.mode}: {what}"


def check_init(u):
    flag = "SWITCHBOARD_INIT_DEMO=1" if u.mode == "env" else "--init-demo"
    said = u.v["log"] == "warn" or "demo data created in " + u.db in \
        u.init.stderr
    S.check(u.init.returncode == 0 and said, u.label(f"{flag} creates the demo data in the "
                               "--db file and exits"), u.init.stderr[-500:])
    S.check(os.path.exists(os.path.join(u.data_dir, "admin.token")) and
            not os.path.exists(os.path.join(u.data_dir, "switchboard.db")),
            u.label("admin.token in --data-dir, no database there (--db)"),
            str(os.listdir(u.data_dir)))
    con = sqlite3.connect(f"file:{u.db}?mode=ro", uri=True)
    try:
        rows = dict(con.execute("SELECT username, ha1 FROM devices"))
    finally:
        con.close()
    import hashlib
    want = {user: hashlib.md5(f"{user}:{u.v['realm']}:{pw}".encode())
            .hexdigest() for user, pw in PW.items()}
    S.check(rows == want, u.label("the --db file holds the demo devices, "
                                  "ha1 = md5(user:--realm:password)"),
            str(rows))


def check_realm_and_registrar(u):
    lo, hi = u.v["reg"]
    p = Phone(u.sip, "1002", PW["1002"])
    try:
        first, r = p.register(expires=86400)
        S.check(first.status == 401 and
                re.search(r'realm="([^"]*)"', first.get("www-authenticate"))
                .group(1) == u.v["realm"],
                u.label(f"401 WWW-Authenticate realm=\"{u.v['realm']}\""),
                first.get("www-authenticate"))
        S.check(r.status == 200 and r.all("contact") ==
                [f"<sip:1002@{LOCAL}:{p.port}>;expires={hi}"],
                u.label(f"Expires 86400 is granted --reg-max-expires {hi}"),
                f"{r.first} {r.all('contact')}")
        _, r = p.register(contact_expires=hi + 1)
        S.check(r.status == 200 and r.all("contact") ==
                [f"<sip:1002@{LOCAL}:{p.port}>;expires={hi}"],
                u.label(f"Contact expires={hi + 1} clamped to {hi}"),
                f"{r.first} {r.all('contact')}")
        _, r = p.register(expires=lo - 1)
        S.check(r.status == 423 and r.first == "SIP/2.0 423 Interval Too "
                "Brief" and r.get("min-expires") == str(lo),
                u.label(f"Expires {lo - 1}: 423 Interval Too Brief, "
                        f"Min-Expires: {lo}"),
                f"{r.first} Min-Expires={r.get('min-expires')}")
        _, r = p.register(expires=lo)
        S.check(r.status == 200 and r.all("contact") ==
                [f"<sip:1002@{LOCAL}:{p.port}>;expires={lo}"],
                u.label(f"Expires {lo} (= --reg-min-expires) is accepted"),
                f"{r.first} {r.all('contact')}")
        st, regs = u.srv.api("GET", "/api/v1/registrations")
        S.check(st == 200 and [x["node_id"] for x in regs] == [u.v["node"]],
                u.label("the binding carries --node-id"), str(regs))
    finally:
        p.close()


def check_nodes(u):
    st, nodes = u.srv.api("GET", "/api/v1/nodes")
    S.check(st == 200 and len(nodes) == 1 and
            nodes[0]["node_id"] == u.v["node"] and nodes[0]["self"] is True
            and nodes[0]["alive"] is True,
            u.label(f"/api/v1/nodes: this node is \"{u.v['node']}\""),
            str(nodes))
    hb = u.v["heartbeat"]
    seen = []

    def three():
        _, n = u.srv.api("GET", f"/api/v1/nodes/{u.v['node']}")
        at = n.get("heartbeat_at") if n else None
        if at and at not in seen:
            seen.append(at)
        return len(seen) >= 3
    wait_for(three, 3 * hb + 3, "three heartbeats", interval=0.05)

    def secs(iso):  # "2026-11-25T03:34:57.123Z"
        import calendar
        t = time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S")
        return calendar.timegm(t) + int(iso[20:23]) / 1000
    gap = secs(seen[2]) - secs(seen[1])
    S.check(abs(gap - hb) < 0.1, u.label(f"a heartbeat every "
            f"--heartbeat-interval {hb} s (heartbeat_at)"),
            f"{gap:.3f} s: {seen}")


def check_media(u):
    """--media-ip, --rtp-min/max and --prompts on an announcement call."""
    trunk = Phone(u.sip, None, None, port=u.trunk_port)
    sink = rtp_sink(free_port(even=True))
    try:
        m = trunk.mark()
        call = trunk.invite(DEMO["announcement"],
                            make_sdp(sink.getsockname()[1]))
        fin = call.wait_final()
        ip, port, _ = sdp_conn(fin.body)
        lo, hi = u.v["rtp"]
        S.check(fin.status == 200 and ip == u.v["media_ip"],
                u.label(f"SDP answer c=IN IP4 {u.v['media_ip']} "
                        "(--media-ip)"), fin.body)
        S.check(port is not None and lo <= port <= hi,
                u.label(f"RTP port {port} within --rtp-min/--rtp-max "
                        f"{lo}-{hi}"))
        pkts = drain(sink, time.time() + 10, lambda: trunk.received(
            lambda x: x.method == "BYE", m))
        srcs = {src for _, src in pkts}
        S.check(srcs == {(u.v["media_ip"], port)},
                u.label("the RTP comes from the --media-ip address and "
                        "the SDP port"), str(srcs))
        judge_tone([p[12:] for p, _ in pkts], u.v["tone"],
                   u.label("the prompt played is --prompts' welcome.wav"))
        rec = wait_record(u.srv, lambda c: c["sip_call_id"] == call.cid)
        S.check(rec["node_id"] == u.v["node"],
                u.label("the call record carries --node-id"), str(rec))
    finally:
        sink.close()
        trunk.close()


def check_timeouts(u):
    """--ring-timeout: 480 after that many seconds; --rtp-timeout: an
    answered call without RTP is ended after that many."""
    trunk = Phone(u.sip, None, None, port=u.trunk_port)
    erika = Phone(u.sip, "1002", PW["1002"])
    sink = rtp_sink(free_port(even=True))
    try:
        erika.register()
        m = erika.mark()
        t0 = time.time()
        call = trunk.invite(DEMO["erika_personal"],
                            make_sdp(sink.getsockname()[1]))
        erika.reply(erika.incoming(5, m), 180, "Ringing")
        fin = call.wait_final(u.v["ring"] + 5)
        dt = fin.t - t0
        S.check(fin.status == 480 and abs(dt - u.v["ring"]) < 0.5,
                u.label(f"--ring-timeout {u.v['ring']}: 480 after "
                        f"{u.v['ring']} s"), f"{fin.first} after {dt:.2f} s")
        m = erika.mark()
        tm = trunk.mark()
        call = trunk.invite(DEMO["erika_personal"],
                            make_sdp(sink.getsockname()[1]))
        erika.reply(erika.incoming(5, m), 200, "OK",
                    make_sdp(free_port(even=True)))
        fin = call.wait_final()
        t0 = fin.t
        bye = trunk.wait(lambda x: x.method == "BYE", u.v["rtp_timeout"] + 5,
                         "BYE for the silent call", tm)
        dt = bye.t - t0
        S.check(fin.status == 200 and
                u.v["rtp_timeout"] - 0.2 < dt < u.v["rtp_timeout"] + 1.2,
                u.label(f"--rtp-timeout {u.v['rtp_timeout']}: a silent "
                        "call is hung up after that long"), f"{dt:.2f} s")
        rec = wait_record(u.srv, lambda c: c["sip_call_id"] == call.cid)
        S.check(rec["disposition"] == "rtp_timeout",
                u.label("... recorded as rtp_timeout"), str(rec))
    finally:
        sink.close()
        trunk.close()
        erika.close()


def check_tls(u):
    """--sip-tls/--tls-cert: the certificate presented is the file's;
    --srtp-required: a TLS phone is offered RTP/SAVP (else RTP/AVP with
    a=crypto)."""
    import base64
    pem = open(u.cert).read()
    want = ssl.PEM_cert_to_DER_cert(
        re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----",
                  pem, re.S).group(0))
    got = ssl.PEM_cert_to_DER_cert(ssl.get_server_certificate(u.tls))
    S.check(got == want, u.label("TLS on --sip-tls presents the "
                                 "--tls-cert certificate"),
            base64.b64encode(got[:20]).decode())
    ph = Phone(u.tls, "1001", PW["1001"], "tls")
    trunk = Phone(u.sip, None, None, port=u.trunk_port)
    try:
        _, r = ph.register()
        m = ph.mark()
        call = trunk.invite(DEMO["max_personal"], make_sdp(free_port()))
        inv = ph.incoming(5, m)
        proto = sdp_conn(inv.body)[2]
        keys = answer_crypto(inv.body)
        if u.v["srtp_required"]:
            S.check(proto == "RTP/SAVP" and keys,
                    u.label("srtp-required: a TLS phone is offered "
                            "RTP/SAVP"), inv.body)
        else:
            S.check(proto == "RTP/AVP" and keys, u.label(
                "without srtp-required: RTP/AVP with a=crypto"), inv.body)
        ph.reply(inv, 486, "Busy Here")
        call.wait_final()
    finally:
        ph.close()
        trunk.close()


def check_keepalive(u):
    ph = Phone(u.sip, "1011", PW["1011"], contact="192.168.70.1:5060")
    try:
        m = ph.mark()
        ph.register()
        t = wait_for(lambda: len(pings(ph, m)) >= 3 and pings(ph, m),
                     4 * u.v["keepalive"] + 3, "three pings")
        gap = t[2] - t[1]
        S.check(abs(gap - u.v["keepalive"]) < 0.4,
                u.label(f"--keepalive-interval {u.v['keepalive']}: a ping "
                        "every that many seconds"), f"{gap:.2f} s")
    finally:
        ph.close()


def check_auth(u):
    """--auth-max-failures N: N-1 wrong passwords leave the address
    alone, the Nth blocks it for --auth-block seconds: the right password
    then gets 403."""
    n, block = u.v["auth"]
    ph = Phone(u.sip, "1002", "wrong-password")
    try:
        for i in range(n):
            if i == n - 1:
                st, blocks = u.srv.api("GET", "/api/v1/auth_blocks")
                S.check(st == 200 and blocks == [],
                        u.label(f"{n - 1} failures: not blocked"),
                        str(blocks))
            _, r = ph.register()
        st, blocks = u.srv.api("GET", "/api/v1/auth_blocks")
        src = [b for b in blocks if b["kind"] == "source"]
        S.check(len(src) == 1 and src[0]["key"] == LOCAL and
                src[0]["failures"] == n and src[0]["delay"] == block,
                u.label(f"{n} failures (--auth-max-failures): the address "
                        f"is blocked for --auth-block {block} s"),
                str(blocks))
        ph.password = PW["1002"]
        _, r = ph.register()
        S.check(r.status == 403, u.label("the right password is then "
                                         "refused with 403"), r.first)
    finally:
        ph.close()
        u.srv.api("DELETE", f"/api/v1/auth_blocks/{LOCAL}")
        u.srv.api("DELETE", "/api/v1/auth_blocks/1002")


def check_log_level(u):
    log = u.srv.logtext()
    if u.v["log"] == "debug":
        S.check(re.search(r"^\S+Z DEBUG ", log, re.M) is not None,
                u.label("log level debug: DEBUG lines are written"))
    else:
        lv = set(re.findall(r"^\S+Z (\w+) ", log, re.M))
        S.check(lv <= {"WARN", "ERROR"} and "switchboard running" not in log,
                u.label(f"log level {u.v['log']}: no INFO or DEBUG lines"),
                str(lv))


def run_setup(mode, v):
    u = Setup(mode, **v)
    try:
        check_init(u)
        u.srv.start()
        st, t = u.srv.api("PATCH", "/api/v1/trunks/1",
                          {"port": u.trunk_port})
        if st != 200:
            raise RuntimeError(f"trunk: {st} {t}")
        for f in (check_realm_and_registrar, check_nodes, check_media,
                  check_timeouts, check_tls, check_keepalive, check_auth,
                  check_log_level):
            S.run(f, u)
    finally:
        code = u.srv.stop()
        S.check(code == 0, u.label("clean exit"), f"exit {code}: "
                f"{u.srv.logtext()[-1500:]}")
        u.srv.cleanup()
        sh("rm", "-rf", u.tmp)


# --------------------------------------------------------------------------
# the configuration file (issue 20)
# --------------------------------------------------------------------------
ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLE = os.path.join(ROOT, "contrib", "switchboard.conf.example")


def conf_file(text):
    fd, path = tempfile.mkstemp(prefix="sbconf-", suffix=".conf")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def effective(r):
    """--check-config's `key = value` lines as a dict."""
    out = {}
    for ln in r.stdout.splitlines():
        m = re.match(r"^([a-z0-9-]+) = (.*)$", ln)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def test_file_precedence():
    """flag > variable > file > default, shown by --check-config; the file
    is read from --config, else from SWITCHBOARD_CONFIG."""
    path = conf_file("# a comment\n\n  realm = file-realm  \n"
                     "node-id=file-node\nring-timeout = 7\n"
                     "rtp-timeout = 8\nsrtp-required = yes\n"
                     "web-dir = \"\"\nsmtp-from = \"a # b@x.example\"\n")
    try:
        r = run(["--config", path, "--check-config", "--rtp-timeout", "9"],
                env={"SWITCHBOARD_NODE_ID": "env-node",
                     "SWITCHBOARD_RTP_TIMEOUT": "11"})
        e = effective(r)
        S.check(r.returncode == 0 and e.get("realm") == "file-realm" and
                e.get("node-id") == "env-node" and
                e.get("ring-timeout") == "7" and e.get("rtp-timeout") == "9"
                and e.get("reg-max-expires") == "3600" and
                e.get("srtp-required") == "true" and e.get("web-dir") == '""'
                and e.get("smtp-from") == '"a # b@x.example"'.strip('"'),
                "precedence: realm and ring-timeout from the file, node-id "
                "from the variable over the file, rtp-timeout from the flag "
                "over variable and file, reg-max-expires the default; "
                "quotes and '#' in a value", r.stdout + r.stderr)
        S.check(r.stdout.startswith(
            f"# switchboard: settings in effect (file: {path})\n"),
            "--check-config names the file read", r.stdout[:200])
        r = run(["--check-config"], env={"SWITCHBOARD_CONFIG": path})
        S.check(r.returncode == 0 and effective(r).get("realm") ==
                "file-realm", "SWITCHBOARD_CONFIG names the file",
                r.stdout + r.stderr)
        r = run(["--config", "", "--check-config"],
                env={"SWITCHBOARD_CONFIG": path})
        S.check(r.returncode == 0 and effective(r).get("realm") ==
                "switchboard" and "(file: none)" in r.stdout,
                "--config \"\" reads no file (the flag wins over "
                "SWITCHBOARD_CONFIG)", r.stdout[:200] + r.stderr)
    finally:
        os.unlink(path)
    r = run(["--check-config", "--smtp-password", "s3cret"])
    S.check(r.returncode == 0 and "s3cret" not in r.stdout and
            "# smtp-password = (set, not shown)" in r.stdout and
            "# sms-gateway-token = (not set)" in r.stdout,
            "--check-config never prints a secret", r.stdout[-400:])


def test_file_errors():
    """A bad file stops the start: "FILE:LINE: key 'x': reason", exit 2,
    like a bad flag."""
    cases = [
        ("realm = r\n\ncolour = blue\n", "{f}:3: key 'colour': unknown key"),
        ("ring-timeout = soon\n",
         "{f}:1: key 'ring-timeout': invalid value 'soon'"),
        ("# x\nsrtp-required = maybe\n",
         "{f}:2: key 'srtp-required': invalid value 'maybe'"),
        ("log-level = loud\n", "{f}:1: key 'log-level': invalid value 'loud'"),
        ("realm = " + "r" * 100 + "\n", "{f}:1: key 'realm': value too long"),
        ("outbox-attempts = 500\n",
         "{f}:1: key 'outbox-attempts': must be from 1 to 100"),
        ("outbox-retry-base = 60\noutbox-retry-max = 59\n",
         "{f}:2: key 'outbox-retry-max': must be at least "
         "--outbox-retry-base (60 s)"),
        ("rtp-min = 30000\nrtp-max = 30002\n",
         "{f}:2: key 'rtp-max': bad RTP port range 30000-30002"),
        ("realm = a\nrealm = b\n",
         "{f}:2: key 'realm': already set on line 1"),
        ("realm\n", "{f}:1: expected 'key = value'"),
        ("config = /x\n",
         "{f}:1: key 'config': not allowed in the file (it names the file)"),
    ]
    for text, want in cases:
        path = conf_file(text)
        try:
            want = want.format(f=path)
            r = run(["--config", path])
            S.check(r.returncode == 2 and r.stderr.strip() == want,
                    f"file {text.strip()[:40]!r}: exit 2, {want[len(path):]!r}",
                    f"{r.returncode} {r.stderr.strip()!r}")
        finally:
            os.unlink(path)
    # a flag or variable that overrides the bad value: the file's range
    # error is gone, a later check names the flag
    path = conf_file("outbox-attempts = 500\n")
    try:
        r = run(["--config", path, "--check-config"],
                env={"SWITCHBOARD_OUTBOX_ATTEMPTS": "5"})
        S.check(r.returncode == 0 and effective(r).get("outbox-attempts") ==
                "5", "the variable overrides the file's out-of-range value",
                r.stderr)
        r = run(["--config", path, "--outbox-attempts", "0"])
        S.check(r.returncode == 2 and r.stderr.strip() ==
                "switchboard: --outbox-attempts: must be from 1 to 100",
                "a bad flag over the file is named as the flag", r.stderr)
    finally:
        os.unlink(path)
    missing = os.path.join(tempfile.gettempdir(), "sb-no-such.conf")
    want = (f"switchboard: --config: cannot read {missing}: No such file or "
            "directory")
    r = run(["--config", missing])
    r2 = run(env={"SWITCHBOARD_CONFIG": missing})
    S.check(r.returncode == 2 and r.stderr.strip() == want and
            r2.returncode == 2 and r2.stderr.strip() == want,
            "a file named by --config or SWITCHBOARD_CONFIG that is missing "
            "is an error", f"{r.stderr!r} / {r2.stderr!r}")


def test_example():
    """contrib/switchboard.conf.example is what scripts/conf_example.py
    makes of the option table now; every option is in it; uncommented,
    it gives exactly the defaults."""
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts",
                        "conf_example.py"), BIN], capture_output=True,
                       text=True, env=claims.clean_env(), timeout=60)
    with open(EXAMPLE) as f:
        have = f.read()
    S.check(r.returncode == 0 and r.stdout == have,
            "contrib/switchboard.conf.example is up to date (run "
            "scripts/conf_example.py build/rel/switchboard > "
            "contrib/switchboard.conf.example)", r.stderr[-300:])
    keys = re.findall(r"^#([a-z0-9-]+) = ", have, re.M)
    S.check(set(keys) == set(OPTIONS) - {"config"} and
            len(keys) == len(set(keys)),
            "the example has every option but --config once",
            f"missing {set(OPTIONS) - set(keys)}")
    plain = re.sub(r"^#([a-z0-9-]+ = )", r"\1", have, flags=re.M)
    path = conf_file(plain)
    try:
        r = run(["--config", path, "--check-config"])
        d = run(["--config", "", "--check-config"])
        S.check(r.returncode == 0 and effective(r) == effective(d) and
                # all but --config and the secrets (smtp-password,
                # sms-gateway-token, sms-status-token: never printed)
                len(effective(d)) == len(OPTIONS) - 4,
                "the example with every key uncommented: exactly the "
                "defaults", r.stderr + str(set(effective(r).items()) ^
                                           set(effective(d).items())))
    finally:
        os.unlink(path)


def test_sighup():
    """SIGHUP reads the file again: log-level and reg-max-expires change
    at once (a phone's REGISTER shows it), realm is named as needing a
    restart and stays; a bad file changes nothing."""
    d = tempfile.mkdtemp(prefix="sbconfig-hup-")
    sip, http = free_port(), free_port()
    conf = os.path.join(d, "switchboard.conf")
    base = (f"sip = {LOCAL}:{sip}\nhttp = {LOCAL}:{http}\n"
            f"data-dir = {d}\nprompts = {claims.PROMPTS}\n")
    with open(conf, "w") as f:
        f.write(base + "log-level = warn\nreg-max-expires = 300\n")
    srv = Server(["--config", conf], http=(LOCAL, http), sip=(LOCAL, sip),
                 data_dir=d)
    try:
        srv.start()
        p = Phone((LOCAL, sip), "1001", PW["1001"])
        _, r = p.register(expires=3000)
        S.check(r.status == 200 and r.all("contact")[0].endswith(
            ";expires=300"), "from the file: reg-max-expires 300",
            str(r.all("contact")))
        with open(conf, "w") as f:
            f.write(base + "log-level = debug\nreg-max-expires = 200\n"
                    "realm = other-realm\n")
        srv.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "config: reloaded" in srv.logtext(), 10,
                 "the reload in the log")
        log = srv.logtext()
        S.check("INFO  config: reload: reg-max-expires = 200\n" in log and
                "WARN  config: reload: realm changed: needs a restart\n"
                in log and f"INFO  config: reloaded {conf}: 2 changes "
                "applied, 1 needs a restart\n" in log,
                "SIGHUP: the log says what changed and what needs a "
                "restart", log[-1500:])
        first, r = p.register(expires=3000)
        S.check(r.status == 200 and r.all("contact")[0].endswith(
            ";expires=200") and 'realm="switchboard"' in
            first.get("www-authenticate"),
            "after SIGHUP: reg-max-expires 200 at once, the realm still "
            "the old one", f"{r.all('contact')} "
            f"{first.get('www-authenticate')}")
        log = srv.logtext()
        after = log[log.index("config: reloaded"):]
        S.check(re.search(r"^\S+Z DEBUG ", log, re.M) and
                not re.search(r"^\S+Z DEBUG ", log[:log.index(
                    "config: reload")], re.M) and
                re.search(r"^\S+Z DEBUG ", after, re.M),
                "after SIGHUP: log level debug (DEBUG lines written, none "
                "before)", after[-800:])
        with open(conf, "w") as f:
            f.write(base + "log-level = warn\nreg-max-expires = 100\n"
                    "colour = blue\n")
        n = len(srv.logtext())
        srv.proc.send_signal(signal.SIGHUP)
        want = (f"WARN  config: reload refused, nothing changed: {conf}:7: "
                "key 'colour': unknown key\n")
        try:
            wait_for(lambda: want in srv.logtext()[n:], 10, "refusal")
        except Exception:
            pass
        _, r = p.register(expires=3000)
        S.check(want in srv.logtext()[n:] and r.status == 200 and
                r.all("contact")[0].endswith(";expires=200") and
                srv.proc.poll() is None,
                "a bad file at SIGHUP: logged with file and line, nothing "
                "changed, still running", srv.logtext()[n:][-800:])
        p.close()
    finally:
        code = srv.stop()
        S.check(code == 0, "SIGHUP server: clean exit", f"exit {code}")
        srv.cleanup()


FILTER = os.path.join(ROOT, "contrib", "fail2ban", "filter.d",
                      "switchboard.conf")


def test_log_file():
    """--log-file: the log goes there; after logrotate's move a SIGHUP
    opens the file again; contrib/fail2ban's filter, run by fail2ban-regex
    over that file, finds exactly the bad-password REGISTERs of a phone."""
    d = tempfile.mkdtemp(prefix="sbconfig-log-")
    sip, http = free_port(), free_port()
    logf = os.path.join(d, "switchboard.log")
    srv = Server(["--data-dir", d, "--sip", f"{LOCAL}:{sip}", "--http",
                  f"{LOCAL}:{http}", "--prompts", claims.PROMPTS,
                  "--log-file", logf], http=(LOCAL, http), sip=(LOCAL, sip),
                 data_dir=d)
    try:
        srv.start()

        def text(path):
            try:
                with open(path) as f:
                    return f.read()
            except OSError:
                return ""
        S.check("INFO  main: switchboard running" in text(logf) and
                "switchboard running" not in srv.logtext(),
                "--log-file: the log is in the file, not on stderr",
                srv.logtext()[-500:])
        os.rename(logf, logf + ".1")
        srv.proc.send_signal(signal.SIGHUP)
        try:
            wait_for(lambda: "config: reloaded" in text(logf), 10,
                     "the reopened log")
        except Exception:
            pass
        S.check("main: SIGHUP: log reopened" in text(logf) and
                "switchboard running" not in text(logf) and
                "switchboard running" in text(logf + ".1") and
                "SIGHUP" not in text(logf + ".1"),
                "SIGHUP after the move: a new file, the old one keeps the "
                "lines before", text(logf)[-500:])
        bad = Phone((LOCAL, sip), "1001", "not-the-password")
        statuses = [bad.register()[1].status for _ in range(3)]
        bad.close()
        good = Phone((LOCAL, sip), "1002", PW["1002"])
        _, r = good.register()
        good.close()
        try:
            wait_for(lambda: text(logf).count("auth: failure from") >= 3, 10,
                     "three failures logged")
        except Exception:
            pass
        S.check(all(st in (401, 403) for st in statuses),
                "three REGISTERs with a wrong password are refused",
                str(statuses))
        S.check(text(logf).count(
            f"auth: failure from {LOCAL} port {bad.port} user '1001' (wrong "
            "password)") == 3 and r.status == 200,
            "the file has one 'auth: failure' line per wrong password",
            text(logf)[-800:])
        if not shutil.which("fail2ban-regex"):
            S.check(False, "fail2ban-regex is on the machine (Debian "
                    "fail2ban)")
            return
        fr = subprocess.run(["fail2ban-regex", logf, FILTER],
                            capture_output=True, text=True, timeout=120)
        m = re.search(r"^Lines: (\d+) lines, (\d+) ignored, (\d+) matched",
                      fr.stdout, re.M)
        S.check(fr.returncode == 0 and m and m.group(3) == "3",
                "fail2ban-regex with contrib/fail2ban's filter over the "
                "real log: exactly the 3 failures match",
                fr.stdout[-1500:] + fr.stderr[-500:])
    finally:
        code = srv.stop()
        S.check(code == 0, "log-file server: clean exit", f"exit {code}")
        srv.cleanup()


def main():
    S.run(test_help)
    S.run(test_env_reaches_option)
    S.run(test_outbox_options)
    S.run(test_flags_win)
    S.run(run_setup, "env", dict(tone=1600, realm="env-realm", node="env-node",
          media_ip="127.0.0.2", rtp=(61000, 61019), ring=2, rtp_timeout=2,
          reg=(120, 300), keepalive=1, heartbeat=1, auth=(2, 30),
          log="debug", srtp_required=True))
    S.run(run_setup, "flags", dict(tone=1200, realm="flag-realm",
          node="flag-node", media_ip="127.0.0.3", rtp=(61100, 61119),
          ring=3, rtp_timeout=3, reg=(90, 600), keepalive=2, heartbeat=2,
          auth=(3, 45), log="warn", srtp_required=False))
    S.run(run_setup, "file", dict(tone=900, realm="file-realm",
          node="file-node", media_ip="127.0.0.4", rtp=(61200, 61219),
          ring=2, rtp_timeout=2, reg=(100, 500), keepalive=1, heartbeat=1,
          auth=(2, 40), log="warn", srtp_required=True))
    S.run(test_file_precedence)
    S.run(test_file_errors)
    S.run(test_example)
    S.run(test_sighup)
    S.run(test_log_file)
    S.finish()


if __name__ == "__main__":
    main()
