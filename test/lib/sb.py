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
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(200):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if even and port % 2:
            continue
        ok = True
        for p in ([port, port + 1] if pair else [port]):
            for k in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                t = socket.socket(socket.AF_INET, k)
                try:
                    t.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                finally:
                    t.close()
        if ok:
            return port
    raise RuntimeError("no free port")


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
    def __init__(self, extra_args=(), env=None, demo=True, rtp_timeout=None,
                 own_trunk_port=True, tls=False):
        """tls: also listen for SIP over TLS (self.tls_port) with a fresh
        self-signed certificate in the data directory."""
        self.dir = tempfile.mkdtemp(prefix="sbtest-")
        self.sip_port = free_port()
        self.http_port = free_port(socket.SOCK_STREAM)
        self.trunk_port = DEMO["trunk_port"]
        self.log_path = os.path.join(self.dir, "switchboard.log")
        os.symlink(PROMPTS, os.path.join(self.dir, "prompts"))
        self.args = [BIN, "--data-dir", self.dir,
                     "--sip", f"127.0.0.1:{self.sip_port}",
                     "--http", f"127.0.0.1:{self.http_port}",
                     "--rtp-min", "40000", "--rtp-max", "49999"]
        if rtp_timeout is not None:
            self.args += ["--rtp-timeout", str(rtp_timeout)]
        self.tls_port = None
        if tls:
            self.tls_port = free_port(socket.SOCK_STREAM)
            subprocess.run([os.path.join(ROOT, "scripts", "tlscert.sh"),
                            os.path.join(self.dir, "tls.pem")], check=True,
                           capture_output=True, timeout=30)
            self.args += ["--sip-tls", f"127.0.0.1:{self.tls_port}"]
        self.args += list(extra_args)
        self.env = dict(os.environ, **(env or {}))
        self.env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        if demo:
            r = subprocess.run(self.args + ["--init-demo"], env=self.env,
                               capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                raise RuntimeError("init-demo failed: " + r.stderr)
        self.token = open(os.path.join(self.dir, "admin.token")).read().strip() \
            if os.path.exists(os.path.join(self.dir, "admin.token")) else None
        self.proc = None
        # the demo trunk is 127.0.0.1:5090; move it to a free port so that
        # suites and benchmarks can run side by side (see start())
        self.own_trunk_port = demo and own_trunk_port

    def start(self):
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("switchboard exited: " + self.tail())
            try:
                with socket.create_connection(("127.0.0.1", self.http_port), 0.2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("switchboard did not start: " + self.tail())
        if self.own_trunk_port:
            port = free_port()
            st, body = self.api("PATCH", "/api/v1/trunks/1", {"port": port})
            if st != 200:
                raise RuntimeError(f"cannot move the demo trunk: {st} {body}")
            self.trunk_port = port
        return self
        return self

    def tail(self, n=40):
        try:
            return "".join(open(self.log_path).readlines()[-n:])
        except OSError:
            return ""

    def logtext(self):
        try:
            return open(self.log_path).read()
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
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- HTTP API -------------------------------------------------------
    def api(self, method, path, body=None, token="__admin__"):
        """Returns (status, parsed JSON or None)."""
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
            with urllib.request.urlopen(req, timeout=10) as r:
                raw = r.read()
                return r.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw) if raw else None
            except ValueError:
                return e.code, {"raw": raw.decode(errors="replace")}
