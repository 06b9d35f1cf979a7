#!/usr/bin/python3
"""logs.py - a flood of bad datagrams cannot fill the disk or forge lines.

Issue 11, "Smaller": libre prints "sip: msg decode err" straight to stderr
for every datagram it cannot parse, whatever --log-level says.  Switchboard
takes those lines into its own log (src/core/libre_log.c):

* at the default level (info) a flood of 300 garbage datagrams adds not
  one line, and the server still answers OPTIONS with 200;
* at debug level each source prints exactly 5 such lines per minute (two
  sources flooding at once: 5 each, charged to the right address), every
  line carries our time stamp and level;
* bytes a client sent never reach the log raw: a request URI with ESC and
  BEL in a debug line is printed as \\x1b and \\x07, and no line of the
  log holds a control character.
"""
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import Suite, Switchboard  # noqa: E402

S = Suite("logs")
LINE = re.compile(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
                  rb"(DEBUG|INFO |WARN |ERROR) ")
PER_SOURCE = 5  # LINES_PER_WINDOW in src/core/libre_log.c


def flood(sb, src_ip, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src_ip, 0))
    for i in range(n):
        s.sendto(b"GARBAGE \x1b[31m not sip %d\r\n\r\n" % i,
                 ("127.0.0.1", sb.sip_port))
        if i % 50 == 49:
            time.sleep(0.01)  # do not overrun the socket buffer
    s.close()


def options(sb, src_ip="127.0.0.1"):
    """Status code of an OPTIONS over UDP, or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src_ip, 0))
    s.settimeout(3)
    port = s.getsockname()[1]
    msg = (f"OPTIONS sip:127.0.0.1:{sb.sip_port} SIP/2.0\r\n"
           f"Via: SIP/2.0/UDP {src_ip}:{port};branch=z9hG4bKlog{time.time_ns()}\r\n"
           f"From: <sip:probe@{src_ip}>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
           f"Call-ID: log{time.time_ns()}\r\nCSeq: 1 OPTIONS\r\n"
           "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode()
    s.sendto(msg, ("127.0.0.1", sb.sip_port))
    try:
        data = s.recv(65535)
    except OSError:
        return None
    finally:
        s.close()
    m = re.match(rb"SIP/2\.0 (\d{3}) ", data)
    return int(m.group(1)) if m else None


def undecodable(sb):
    st, body = sb.api("GET", "/api/v1/stats")
    if st != 200:
        raise RuntimeError(f"GET /api/v1/stats: {st} {body}")
    return body["sip"]["undecodable"]


def wait_undecodable(sb, n, timeout=10):
    """Wait until sip.undecodable reaches n (the flood has been read and
    refused by libre's parser); returns the last value seen."""
    deadline = time.time() + timeout
    while True:
        v = undecodable(sb)
        if v >= n or time.time() > deadline:
            return v
        time.sleep(0.05)


def wait_log(sb, needle, timeout=10):
    """Wait until the log holds needle (bytes); True if it did."""
    deadline = time.time() + timeout
    while True:
        if needle in log_bytes(sb):
            return True
        if time.time() > deadline:
            return False
        time.sleep(0.05)


def log_bytes(sb):
    with open(sb.log_path, "rb") as f:
        return f.read()


def test_info_level():
    sb = Switchboard()
    try:
        sb.start()
        before = log_bytes(sb).count(b"\n")
        u0 = undecodable(sb)
        flood(sb, "127.0.0.1", 300)
        # the control: the flood did reach libre's parser (each one a
        # "msg decode err" that could have been logged)
        u = wait_undecodable(sb, u0 + 300)
        S.check(u - u0 == 300, "info level: all 300 bad datagrams were "
                "refused by the parser (sip.undecodable +300)",
                f"+{u - u0}")
        S.check(options(sb) == 200, "after 300 bad datagrams OPTIONS gets 200")
        text = log_bytes(sb)
        added = text.count(b"\n") - before
        S.check(b"decode err" not in text,
                "info level: libre's decode errors are not printed")
        S.check(added == 0, "info level: the flood adds no lines",
                f"{added} new lines")
    finally:
        S.check(sb.stop() == 0, "info level: clean exit (no sanitizer report)")
        sb.cleanup()


def test_debug_level():
    sb = Switchboard(extra_args=["--log-level", "debug"])
    try:
        sb.start()
        u0 = undecodable(sb)
        flood(sb, "127.0.0.1", 300)
        flood(sb, "127.0.0.3", 300)
        u = wait_undecodable(sb, u0 + 600)
        S.check(u - u0 == 600, "debug level: all 600 bad datagrams were "
                "refused by the parser (sip.undecodable +600)",
                f"+{u - u0}")
        S.check(options(sb) == 200, "debug level: OPTIONS still gets 200")
        ack = (f"ACK sip:x\x1b[2J\x07@127.0.0.1:{sb.sip_port} SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 127.0.0.4:9;branch=z9hG4bKlogack\r\n"
               "From: <sip:a@127.0.0.4>;tag=1\r\nTo: <sip:c@127.0.0.1>;tag=2\r\n"
               "Call-ID: logack\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\n"
               "Content-Length: 0\r\n\r\n").encode()
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.4", 0))
        s.sendto(ack, ("127.0.0.1", sb.sip_port))
        s.close()
        S.check(wait_log(sb, b"ACK sip:x"), "debug level: the ACK's line "
                "appears in the log")
        text = log_bytes(sb)
        a = text.count(b"DEBUG libre: [127.0.0.1] sip: msg decode err")
        b = text.count(b"DEBUG libre: [127.0.0.3] sip: msg decode err")
        S.check(a == PER_SOURCE, f"debug level: {PER_SOURCE} lines from the "
                "first source, the rest held back", f"{a} lines")
        S.check(b == PER_SOURCE, f"debug level: {PER_SOURCE} lines from the "
                "second source, charged to its own address", f"{b} lines")
        S.check(text.count(b"decode err") == 2 * PER_SOURCE,
                "debug level: no decode error line escapes the limit")
        S.check(b"ACK sip:x\\x1b[2J\\x07@127.0.0.1" in text,
                "a URI's ESC and BEL are printed escaped")
        lines = text.split(b"\n")[:-1]
        bad = [ln for ln in lines if not LINE.match(ln)]
        S.check(not bad, "every line starts with time stamp and level",
                repr(bad[:3]))
        ctl = [ln for ln in lines if re.search(rb"[\x00-\x08\x0b-\x1f\x7f]", ln)]
        S.check(not ctl, "no line holds a control character", repr(ctl[:3]))
    finally:
        S.check(sb.stop() == 0, "debug level: clean exit (no sanitizer report)")
        sb.cleanup()


S.run(test_info_level)
S.run(test_debug_level)
S.finish()
