#!/usr/bin/python3
"""Replay suite: recorded SIP byte streams that once broke the server, sent
again over TCP and over TLS, each to a fresh sanitizer build.

A case is a folder under test/data/ with a steps.tsv:

    # comment
    conn<TAB>file<TAB>pause_ms

Each row writes one file, in this order, on connection number conn (one
TCP or TLS connection per number, opened at its first row), then pauses.
The fuzzer (fuzz/sipfuzz.py) writes its minimised findings in this format.

Per case and transport: the bytes go out (a reset by the server is fine),
then the server must still run, answer OPTIONS with 200 on a new TCP
connection (and on a new TLS one), exit 0 on SIGTERM and have no
sanitizer report in its log.

Cases (steps.tsv of each says more):
  tcp-uaf/fuzz-min  found and minimised by `make fuzz` (8240 bytes, 5
                    writes): heap-use-after-free / double-free in
                    mbuf_write_mem/mbuf_resize on libre's TCP receive path
                    of a connection libre had closed but nat.c kept open
  tcp-uaf/small     the same simplified by hand: a request, a header block
                    that does not parse, 8192 bytes, 1 byte (8242 bytes)
  tcp-uaf/repro     the five messages of the first report of that bug
                    (../shared/repro/sip-tcp-uaf)

    /usr/bin/python3 test/suites/sip_replay.py [case ...]
"""
import os
import re
import socket
import ssl
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from sb import Suite, Switchboard  # noqa: E402

DATA = os.path.join(HERE, "..", "data")
CASES = ["tcp-uaf/small", "tcp-uaf/fuzz-min", "tcp-uaf/repro"]
HOST = "127.0.0.1"

CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


def read_steps(case):
    d = os.path.join(DATA, case)
    steps = []
    with open(os.path.join(d, "steps.tsv"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            conn, name, pause = cols[:3]
            expect = cols[3] if len(cols) > 3 else "-"
            with open(os.path.join(d, name), "rb") as g:
                steps.append((int(conn), name, g.read(), int(pause) / 1000,
                              expect))
    return steps


def connect(transport, port):
    s = socket.create_connection((HOST, port), 3)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return CTX.wrap_socket(s) if transport == "tls" else s


def drain(s, wait):
    """Bytes that arrive within wait s; None once the peer closed."""
    buf = b""
    deadline = time.time() + wait
    while True:
        s.settimeout(max(0.001, deadline - time.time()))
        try:
            d = s.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            return buf
        except OSError:
            return None
        if not d:
            return None if not buf else buf
        buf += d
        if time.time() >= deadline:
            return buf


def read_until(s, finals, close, timeout=3.0):
    """Read s until finals final responses came (and, with close, the
    server closed the connection) or timeout: the wait for an expected
    event.  Returns (bytes, closed)."""
    buf = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not close and len(re.findall(rb"^SIP/2\.0 [2-6]\d\d ", buf,
                                        re.M)) >= finals:
            return buf, False
        s.settimeout(max(0.001, deadline - time.time()))
        try:
            d = s.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            break
        except (OSError, ssl.SSLError):
            return buf, True
        if not d:
            return buf, True
        buf += d
    return buf, False


def replay(steps, transport, port):
    """Send the steps; returns (a note per step with what came back,
    [(step, expected, got)] of the steps whose expect column did not
    match).  expect: the statuses answered to the step and "closed" if
    the server must close the connection after it ("-": not checked,
    the step's pause is waited instead)."""
    conns = {}
    notes, wrong = [], []
    for conn, name, data, pause, expect in steps:
        got, closed = b"", False
        try:
            if conn not in conns:
                conns[conn] = connect(transport, port)
            conns[conn].sendall(data)
            if expect == "-":
                got = drain(conns[conn], max(pause, 0.01))
                closed = got is None
            else:
                want = expect.split(",")
                got, closed = read_until(
                    conns[conn], len([w for w in want if w.isdigit()]),
                    "closed" in want)
            codes = re.findall(rb"^SIP/2\.0 (\d{3})", got or b"", re.M)
            seen = [c.decode() for c in codes] + (["closed"] if closed
                                                  else [])
            notes.append(f"{name} ({len(data)} B): "
                         f"{','.join(seen) or 'no answer'}")
        except (OSError, ssl.SSLError) as e:
            seen = [f"{type(e).__name__}"]
            notes.append(f"{name}: {type(e).__name__} {e}")
            conns.pop(conn, None)
        if expect != "-" and seen != expect.split(","):
            wrong.append((name, expect, ",".join(seen)))
    for s in conns.values():
        drain(s, 0.3)
        s.close()
    return notes, wrong


def options(transport, port):
    try:
        s = connect(transport, port)
    except (OSError, ssl.SSLError):
        return None
    try:
        lport = s.getsockname()[1]
        s.sendall((f"OPTIONS sip:{HOST}:{port} SIP/2.0\r\n"
                   f"Via: SIP/2.0/{transport.upper()} {HOST}:{lport};"
                   f"branch=z9hG4bKreplay{lport};rport\r\n"
                   f"Max-Forwards: 70\r\nFrom: <sip:replay@{HOST}>;tag=1\r\n"
                   f"To: <sip:{HOST}:{port}>\r\nCall-ID: replay{lport}\r\n"
                   f"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode())
        got = drain(s, 3.0) or b""
        m = re.search(rb"^SIP/2\.0 (\d{3})", got, re.M)
        return int(m.group(1)) if m else None
    except (OSError, ssl.SSLError):
        return None
    finally:
        s.close()


def run_case(t, case, transport):
    label = f"{case} over {transport.upper()}"
    steps = read_steps(case)
    sb = Switchboard(tls=True, extra_args=["--auth-block", "0"])
    try:
        sb.start()
        port = sb.tls_port if transport == "tls" else sb.sip_port
        notes, wrong = replay(steps, transport, port)
        print("     " + "; ".join(notes), flush=True)
        if any(e != "-" for *_, e in steps):
            t.check(not wrong, f"{label}: each step answered as its "
                    "steps.tsv says", "; ".join(
                        f"{n}: expected {e}, got {g or 'nothing'}"
                        for n, e, g in wrong))
        # the OPTIONS is read after everything the replay sent (one event
        # loop): its answer, not a sleep, says the server got through it
        st = options("tcp", sb.sip_port)
        alive = sb.alive()
        if not t.check(alive, f"{label}: server still running",
                       "\n" + sb.tail(60)):
            return
        t.check(st == 200, f"{label}: OPTIONS on a new TCP connection: {st}")
        if transport == "tls":
            st = options("tls", sb.tls_port)
            t.check(st == 200, f"{label}: OPTIONS on a new TLS connection: "
                    f"{st}")
        rc = sb.stop()
        t.check(rc == 0, f"{label}: exit code 0 on SIGTERM (got {rc})",
                "\n" + sb.tail(60) if rc else "")
        bad = [line for line in sb.logtext().splitlines()
               if "ERROR: AddressSanitizer" in line or
               "runtime error" in line or "ERROR: LeakSanitizer" in line]
        t.check(not bad, f"{label}: log has no sanitizer report",
                "\n".join(bad[:5]))
    finally:
        sb.cleanup()


def main():
    t = Suite("sip_replay")
    cases = [a for a in sys.argv[1:] if not a.startswith("-")] or CASES
    for case in cases:
        for transport in ("tcp", "tls"):
            t.run(run_case, t, case, transport)
    t.finish()


if __name__ == "__main__":
    main()
