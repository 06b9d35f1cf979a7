#!/usr/bin/env python3
"""notify.py - the server tells systemd how it is (issue 20, Type=notify
in contrib/systemd/switchboard.service.in; src/core/sdnotify.c).

The suite binds its own unix datagram socket, as systemd does, and starts
the server with NOTIFY_SOCKET (and WATCHDOG_USEC=1000000: a ping every
0.5 s) pointing at it.  Every datagram is checked whole:

  * --init-demo sends nothing (it never becomes ready)
  * READY=1 with STATUS=0 calls, 0 registrations, once listening
  * WATCHDOG=1 with the status line at least twice, 0.5 s apart
  * a phone registers (sipp reg_auth): STATUS= says 1 registration
  * SIGHUP: RELOADING=1 with MONOTONIC_USEC= (this machine's monotonic
    clock), then READY=1; POST /api/v1/reload the same
  * SIGTERM: STOPPING=1, exit 0
  * an abstract socket ("@name") with WATCHDOG_PID of another process:
    READY=1 arrives, no WATCHDOG=1 at all
"""
import os
import re
import signal
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from sb import DEMO, Suite, Switchboard  # noqa: E402
from peers import Sipp, write_inf  # noqa: E402

S = Suite("notify")
STATUS0 = "STATUS=0 calls, 0 registrations"


class Listener:
    """systemd's end: a unix datagram socket; msgs() the datagrams with
    their arrival time."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.settimeout(0.05)

    def read(self, seconds, until=None):
        """Datagrams (time, text) for seconds, or until one equals or
        matches until."""
        out = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                m = self.sock.recv(4096).decode()
            except socket.timeout:
                continue
            out.append((time.monotonic(), m))
            if until and re.fullmatch(until, m):
                break
        return out

    def close(self):
        self.sock.close()


def test_notify(tmp):
    path = os.path.join(tmp, "notify.sock")
    lis = Listener(path)
    sb = Switchboard(env={"NOTIFY_SOCKET": path,
                          "WATCHDOG_USEC": "1000000"})
    try:
        S.check(lis.read(0.3) == [], "--init-demo sends nothing")
        sb.start()
        msgs = lis.read(10, "READY=1\n.*")
        S.check([m for _, m in msgs] == ["READY=1\n" + STATUS0],
                "READY=1 with the status line, first", str(msgs))

        pings = lis.read(2.3)
        texts = [m for _, m in pings]
        gaps = sorted(b[0] - a[0] for a, b in zip(pings, pings[1:]))
        med = gaps[len(gaps) // 2] if gaps else 0
        S.check(len(texts) >= 2 and all(
            t == "WATCHDOG=1\n" + STATUS0 for t in texts),
            "WATCHDOG=1 with the status line, at least twice",
            str(texts))
        S.check(0.35 <= med <= 0.8,
                "the pings come every half WATCHDOG_USEC (0.5 s)",
                f"gaps {gaps}")

        inf = os.path.join(tmp, "users.csv")
        write_inf(inf, [("1001", DEMO["devices"]["1001"])])
        reg = Sipp("reg_auth", remote=("127.0.0.1", sb.sip_port), inf=inf,
                   calls=1, timeout_s=20).run()
        S.check(reg.successful == 1, "a phone registers (sipp)",
                f"rc={reg.rc}")
        msgs = lis.read(3, "WATCHDOG=1\n.*1 registration")
        S.check(msgs and msgs[-1][1] ==
                "WATCHDOG=1\nSTATUS=0 calls, 1 registration",
                "the status line counts the registration",
                str(msgs[-3:]))

        for how in ("SIGHUP", "POST /api/v1/reload"):
            lis.read(0.1)
            before = time.monotonic()
            if how == "SIGHUP":
                sb.proc.send_signal(signal.SIGHUP)
            else:
                st, body = sb.api("POST", "/api/v1/reload", {})
                S.check(st == 200, "POST /api/v1/reload: 200",
                        f"{st} {body}")
            msgs = [m for _, m in lis.read(10, "READY=1\n.*")
                    if not m.startswith("WATCHDOG=1")]
            after = time.monotonic()
            m = re.fullmatch(r"RELOADING=1\nMONOTONIC_USEC=(\d+)",
                             msgs[0]) if msgs else None
            S.check(len(msgs) == 2 and m and before - 1 <=
                    int(m.group(1)) / 1e6 <= after + 1 and msgs[1] ==
                    "READY=1\nSTATUS=0 calls, 1 registration",
                    f"{how}: RELOADING=1 (with the monotonic time), then "
                    "READY=1", str(msgs))

        lis.read(0.1)
        sb.proc.send_signal(signal.SIGTERM)
        msgs = [m for _, m in lis.read(10, "STOPPING=1")
                if not m.startswith("WATCHDOG=1")]
        rc = sb.stop()
        S.check(msgs == ["STOPPING=1"], "SIGTERM: STOPPING=1", str(msgs))
        S.check(rc == 0, "the server exits cleanly",
                f"rc={rc}\n{sb.tail(20)}")
    finally:
        sb.cleanup()
        lis.close()


def test_abstract_not_ours():
    name = f"@sbtest-notify-{os.getpid()}-{time.time_ns()}"
    lis = Listener("\0" + name[1:])
    sb = Switchboard(env={"NOTIFY_SOCKET": name, "WATCHDOG_USEC": "1000000",
                          "WATCHDOG_PID": "1"})
    try:
        sb.start()
        msgs = lis.read(10, "READY=1\n.*")
        S.check([m for _, m in msgs] == ["READY=1\n" + STATUS0],
                "an abstract socket (@name): READY=1", str(msgs))
        rest = lis.read(1.6)
        S.check(rest == [],
                "WATCHDOG_PID of another process: no WATCHDOG=1 at all",
                str(rest))
        rc = sb.stop()
        S.check(rc == 0, "the server exits cleanly", f"rc={rc}")
    finally:
        sb.cleanup()
        lis.close()


def main():
    tmp = tempfile.mkdtemp(prefix="sbnotify-")
    try:
        S.run(test_notify, tmp)
        S.run(test_abstract_not_ours)
    finally:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    S.finish()


if __name__ == "__main__":
    main()
