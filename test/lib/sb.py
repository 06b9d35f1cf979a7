"""Test helpers shared by the suites in test/suites/.

Switchboard(...) starts the sanitizer build of the daemon on free loopback
ports with its own temporary data directory and demo database, waits until
SIP and HTTP answer, and stops it (by pid) at the end.  Suite(...) counts
checks and prints the "N passed, N failed" line that test/run.sh adds up.

Only the Python standard library and /usr/bin/python3 are used.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ports  # noqa: E402
from ports import RTP_MIN, RTP_MAX  # noqa: E402,F401

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, "build", "test", "switchboard")
PROMPTS = os.path.join(ROOT, "build", "test", "prompts")

# Demo data, as created by store_demo_seed() (see README).
DEMO = {
    "tenant": "Mustermann AG",
    "central": "+4922182829900",
    "announcement": "+4922182829990",
    "max_personal": "+4922182829901",
    "erika_personal": "+4922182829902",
    "devices": {"1001": "alpha1001", "1002": "bravo1002", "1011": "charlie1011"},
    "trunk_port": 5090,
}


def free_port(kind=socket.SOCK_DGRAM, even=False, pair=False):
    """A port free for both UDP and TCP on 127.0.0.1 (see ports.py; kind
    is kept for old callers: both are checked)."""
    del kind
    return ports.free_port(even=even, pair=pair)


class Suite:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {what} {detail}", flush=True)
        return cond

    def error_is(self, what, got, status, msg):
        """got (status, body of sb.api()) is exactly status with the body
        {"error": msg}."""
        st, body = got
        return self.check(st == status and body == {"error": msg}, what,
                          f"got {st} {body!r}, want {status} {msg!r}")

    def run(self, fn, *args):
        """Run one test function; an exception counts as a failure."""
        try:
            fn(*args)
        except Exception as e:  # noqa: BLE001 - report and go on
            import traceback
            traceback.print_exc()
            self.check(False, f"{fn.__name__} raised {type(e).__name__}: {e}")

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed else 0)


class Switchboard:
    """The sanitizer build on free loopback ports, with a data directory and
    demo database of its own.  A suite that needs the command line exactly
    as it says (claims, config) subclasses it and calls _setup() with its
    own arguments instead (see claims.Server); start, readiness, stop and
    the API are the same."""

    def __init__(self, extra_args=(), env=None, demo=True, rtp_timeout=None,
                 own_trunk_port=True, tls=False):
        """tls: also listen for SIP over TLS (self.tls_port) with a fresh
        self-signed certificate in the data directory."""
        self.dir = tempfile.mkdtemp(prefix="sbtest-")
        self.sip_port = free_port()
        self.http_port = free_port(socket.SOCK_STREAM)
        os.symlink(PROMPTS, os.path.join(self.dir, "prompts"))
        args = [BIN, "--data-dir", self.dir,
                "--sip", f"127.0.0.1:{self.sip_port}",
                "--http", f"127.0.0.1:{self.http_port}",
                "--rtp-min", str(RTP_MIN), "--rtp-max", str(RTP_MAX),
                # no web front end unless a suite gives its own --web-dir
                # (later flags win): the API's answers do not depend on
                # whether build/web was built
                "--web-dir", ""]
        if rtp_timeout is not None:
            args += ["--rtp-timeout", str(rtp_timeout)]
        self.tls_port = None
        if tls:
            self.tls_port = free_port(socket.SOCK_STREAM)
            subprocess.run([os.path.join(ROOT, "scripts", "tlscert.sh"),
                            os.path.join(self.dir, "tls.pem")], check=True,
                           capture_output=True, timeout=30)
            args += ["--sip-tls", f"127.0.0.1:{self.tls_port}"]
        self._setup(args + list(extra_args),
                    dict(os.environ, **(env or {})),
                    os.path.join(self.dir, "switchboard.log"), demo)
        # the demo trunk is 127.0.0.1:5090; move it to a free port so that
        # suites and benchmarks can run side by side (see start())
        self.own_trunk_port = demo and own_trunk_port

    def _setup(self, args, env, log_path, demo):
        """The daemon's command line (args[0] the binary), environment
        (ASAN_OPTIONS added if missing, SWITCHBOARD_CONFIG="" too: no
        configuration file) and log file; with demo, runs it
        with --init-demo first (a failure raises with its output).  Reads
        the admin token of self.dir if there is one.  self.dir,
        self.sip_port and self.http_port (and self.tls_port) are set
        before: where the server is reached when args do not say."""
        self.args = list(args)
        self.env = env
        self.env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        # a configuration file of this machine
        # (/etc/switchboard/switchboard.conf) never reaches a suite's server
        self.env.setdefault("SWITCHBOARD_CONFIG", "")
        self.log_path = log_path
        self.trunk_port = DEMO["trunk_port"]
        self.own_trunk_port = False
        self.proc = None
        if demo:
            # generous: the sanitizer build on a busy machine (seen > 60 s
            # while other suites ran)
            r = subprocess.run(self.args + ["--init-demo"], env=self.env,
                               capture_output=True, text=True, timeout=180)
            if r.returncode != 0:
                raise RuntimeError(f"--init-demo failed ({r.returncode}): "
                                   f"{r.stdout}{r.stderr}")
        tok = os.path.join(self.dir, "admin.token")
        self.token = open(tok).read().strip() if os.path.exists(tok) \
            else None

    def _addr(self, opt, default_port):
        """(host, port) of the last `opt` in the command line (extra_args
        may override the defaults); a wildcard host is reached on
        127.0.0.1."""
        val = None
        for i, a in enumerate(self.args[:-1]):
            if a == opt:
                val = self.args[i + 1]
        if not val:
            return ("127.0.0.1", default_port)
        host, _, port = val.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1"
        return (host, int(port) if port.isdigit() else default_port)

    def _health_ok(self):
        host, port = self._addr("--http", self.http_port)
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/health",
                                        timeout=1) as r:
                return r.status == 200 and json.loads(r.read()) == \
                    {"status": "ok"}
        except (OSError, ValueError):
            return False

    def _sip_ok(self):
        """An OPTIONS over UDP answered 200: the SIP socket is bound and
        the stack runs (sipsrv answers OPTIONS without a challenge)."""
        host, port = self._addr("--sip", self.sip_port)
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            s.bind((host, 0))
            s.settimeout(0.5)
            lport = s.getsockname()[1]
            tag = os.urandom(6).hex()
            hp = f"[{host}]" if fam == socket.AF_INET6 else host
            msg = (f"OPTIONS sip:{hp}:{port} SIP/2.0\r\n"
                   f"Via: SIP/2.0/UDP {hp}:{lport};rport;"
                   f"branch=z9hG4bK-ready{tag}\r\n"
                   "Max-Forwards: 70\r\n"
                   f"From: <sip:ready@{hp}>;tag={tag}\r\n"
                   f"To: <sip:{hp}:{port}>\r\n"
                   f"Call-ID: ready-{tag}\r\nCSeq: 1 OPTIONS\r\n"
                   "Content-Length: 0\r\n\r\n").encode()
            s.sendto(msg, (host, port))
            data = s.recv(65535)
            return data.startswith(b"SIP/2.0 200 ")
        except OSError:
            return False
        finally:
            s.close()

    def _tls_ok(self):
        if not self.tls_port:
            return True
        host, port = self._addr("--sip-tls", self.tls_port)
        try:
            with socket.create_connection((host, port), 0.5):
                return True
        except OSError:
            return False

    def wait_ready(self, timeout=60):
        """Wait until /health answers {"status":"ok"}, an OPTIONS over UDP
        gets 200 and (with tls) the TLS port accepts.  The server exiting
        first, or the timeout, is a RuntimeError with its log."""
        deadline = time.time() + timeout
        pending = {"HTTP /health": self._health_ok, "SIP OPTIONS": self._sip_ok,
                   "SIP TLS port": self._tls_ok}
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"switchboard exited with code {self.proc.returncode} "
                    f"before it was ready; its log:\n{self.tail(60)}")
            for what, ok in list(pending.items()):
                if ok():
                    del pending[what]
            if not pending:
                return
            if time.time() > deadline:
                raise RuntimeError(
                    f"switchboard not ready after {timeout} s (no answer "
                    f"to {', '.join(pending)}); its log:\n{self.tail(60)}")
            time.sleep(0.05)

    def start(self, timeout=60):
        """Start the daemon and wait until HTTP and SIP answer; a start that
        fails is a RuntimeError carrying the server's log (the process is
        killed then).  timeout [s] is generous: a server that exits is seen
        at once, and the sanitizer build on a busy machine was seen taking
        more than 20 s to answer."""
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        # extra_args may have moved the listeners: talk to where they are
        self.sip_port = self._addr("--sip", self.sip_port)[1]
        self.http_port = self._addr("--http", self.http_port)[1]
        try:
            self.wait_ready(timeout)
        except RuntimeError:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.log.close()
            raise
        if self.own_trunk_port:
            port = free_port()
            st, body = self.api("PATCH", "/api/v1/trunks/1", {"port": port})
            if st != 200:
                raise RuntimeError(f"cannot move the demo trunk: {st} {body}")
            self.trunk_port = port
        return self

    def tail(self, n=40):
        try:
            return "".join(open(self.log_path).readlines()[-n:])
        except OSError:
            return ""

    def logtext(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20):
        """SIGTERM, wait; returns the exit code (ASan leak reports make it
        non-zero)."""
        if not self.proc:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return -9
        self.log.close()
        return self.proc.returncode

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not os.environ.get("SB_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print("kept", self.dir)

    # --- HTTP API -------------------------------------------------------
    def api(self, method, path, body=None, token="__admin__", timeout=10):
        """Returns (status, parsed JSON or None); timeout [s] for the
        answer."""
        if token == "__admin__":
            token = self.token
        data = None if body is None else (
            body if isinstance(body, (bytes, str)) else json.dumps(body))
        if isinstance(data, str):
            data = data.encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.http_port}{path}", data=data,
            method=method)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                raw = r.read()
                return r.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw) if raw else None
            except ValueError:
                return e.code, {"raw": raw.decode(errors="replace")}


def demo_ids(sb, first_name):
    """(tenant id, announcement id, id of the employee first_name) of the
    demo tenant, read through the API."""
    st, tenants = sb.api("GET", "/api/v1/tenants")
    tid = [t for t in tenants if t["name"] == DEMO["tenant"]][0]["id"]
    st, anns = sb.api("GET", f"/api/v1/announcements?tenant_id={tid}")
    st, emps = sb.api("GET", f"/api/v1/employees?tenant_id={tid}")
    emp = [e for e in emps if e["first_name"] == first_name][0]["id"]
    return tid, anns[0]["id"], emp


def live_call(sb, to_number, timeout=10):
    """The answered, not yet ended call record to to_number, or None."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        st, calls = sb.api("GET", "/api/v1/calls?limit=20")
        for c in calls if st == 200 else []:
            if c["to_number"] == to_number and not c.get("ended_at") and \
                    c.get("answered_at"):
                return c
        time.sleep(0.2)
    return None


def backup_done(sb, timeout=20):
    """The state of sb's last backup (GET /api/v1/backup) once it is no
    longer running, or as it is after timeout seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        st, b = sb.api("GET", "/api/v1/backup")
        if st == 200 and b["state"] != "running":
            return b
        time.sleep(0.05)
    return sb.api("GET", "/api/v1/backup")[1]
