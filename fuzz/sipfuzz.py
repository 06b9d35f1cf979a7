#!/usr/bin/python3
"""sipfuzz.py - fuzzes Switchboard's SIP over TCP and TLS (`make fuzz`).

UDP already survives test/suites/sip_torture.py; a stream transport adds
what a datagram cannot have: message boundaries that the receiver must
find itself (Content-Length, CRLF keep-alives), messages split over
segments and several in one segment, connections that live across many
messages and end in the middle of one.  This driver starts the sanitizer
build (build/test/switchboard, demo data, --auth-block 0) on free ports of
127.0.0.1 and, from a few worker threads at once, opens TCP and TLS
connections and sends on each:

  * 1..12 mutated messages from valid templates: REGISTER, INVITE with SDP,
    OPTIONS, UPDATE, BYE, ACK, CANCEL, PRACK, INFO, MESSAGE, SUBSCRIBE,
    NOTIFY, REFER and responses (100, 180, 200 with SDP, 401, 487);
  * mutations: Content-Length too short, too long, negative, huge, not a
    number, doubled or missing; truncated and oversized header lines,
    bodies and header blocks (up to 140 KB); extreme numbers; bare LF,
    folding; byte flips, token inserts, deletions;
  * CRLF keep-alives and stray bytes between the messages;
  * the stream split at random points into writes with 0-200 ms pauses
    (sometimes byte by byte), or pipelined in one write;
  * an end: graceful close after reading, reset (SO_LINGER 0), half-close,
    cut off in the middle of a message, or held open for a while (up to 48
    connections held at once).

A finding is: a sanitizer report in the server's stderr (ASan, UBSan,
LSan), the server process gone, or a transport that stops answering
OPTIONS on new connections (3 probes in a row; the server then gets a
SIGSEGV so that ASan prints where it hangs).  The run then stops and
saves, under fuzz/findings/<time>-<kind>/:

  report.txt    the sanitizer report and the log's tail
  case.json     the connections in flight and the 40 last ones (base64)
  connNN-*.bin  each connection's bytes, for reading
  min/          the minimised input: steps.tsv + files, the format that
                test/suites/sip_replay.py replays (conn, file, pause_ms)

Minimising (delta debugging, each try on a fresh server): replay all
connections one after another to find the one after which the server
fails, try it alone, then drop connections, drop pieces (messages and
segments), drop pauses, drop lines, cut long lines and drop byte ranges,
for as long as the failure (same kind, e.g. heap-use-after-free) stays.

Environment (all optional):
  FUZZ_SECONDS=300          fuzzing time (the minimiser has its own)
  FUZZ_SEED=N               seed (printed at start; session k of a run
                            always gets the same bytes for one seed)
  FUZZ_TRANSPORTS=tcp,tls   which transports to fuzz
  FUZZ_WORKERS=4            connections sent at the same time
  FUZZ_MINIMIZE_SECONDS=600 budget of the minimiser (0: do not minimise)
  FUZZ_FINDINGS=fuzz/findings
  FUZZ_BIN=build/test/switchboard

Other uses:
  sipfuzz.py replay DIR|case.json  replay a saved case on a fresh server,
                                   say whether it fails
  sipfuzz.py minimize case.json    minimise a saved case again

Only the Python standard library; every socket is on 127.0.0.1; the server
is started and stopped by pid.
"""
import base64
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
from sb import free_port  # noqa: E402

HOST = "127.0.0.1"
BIN = os.path.abspath(os.environ.get(
    "FUZZ_BIN", os.path.join(ROOT, "build", "test", "switchboard")))
PROMPTS = os.path.join(ROOT, "build", "test", "prompts")
FINDINGS = os.path.abspath(os.environ.get(
    "FUZZ_FINDINGS", os.path.join(ROOT, "fuzz", "findings")))

# what the server's log shows when a sanitizer caught something
REPORT_RE = re.compile(r"ERROR: (?:AddressSanitizer|LeakSanitizer)|"
                       r"runtime error:|AddressSanitizer:DEADLYSIGNAL")


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# --------------------------------------------------------------------------
# the server under test
# --------------------------------------------------------------------------
class Template:
    """A data directory made once per run (demo database, TLS certificate);
    every server gets a copy, which is much faster than --init-demo.  The
    demo trunk is moved to 127.0.0.1:9 (discard) so that INVITEs routed
    out through it reach no one's test peer."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sbfuzz-tpl-")
        r = subprocess.run([BIN, "--data-dir", self.dir, "--init-demo"],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("init-demo failed: " + r.stderr[-2000:])
        db = sqlite3.connect(os.path.join(self.dir, "switchboard.db"))
        db.execute("UPDATE trunks SET port = 9")
        db.commit()
        db.close()
        subprocess.run([os.path.join(ROOT, "scripts", "tlscert.sh"),
                        os.path.join(self.dir, "tls.pem")], check=True,
                       capture_output=True, timeout=60)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    def __init__(self, tpl):
        self.dir = tempfile.mkdtemp(prefix="sbfuzz-")
        for f in os.listdir(tpl.dir):
            shutil.copy(os.path.join(tpl.dir, f), self.dir)
        os.symlink(PROMPTS, os.path.join(self.dir, "prompts"))
        self.sip_port = free_port()
        self.tls_port = free_port(socket.SOCK_STREAM)
        self.http_port = free_port(socket.SOCK_STREAM)
        self.log_path = os.path.join(self.dir, "switchboard.log")
        self.args = [BIN, "--data-dir", self.dir,
                     "--sip", f"{HOST}:{self.sip_port}",
                     "--sip-tls", f"{HOST}:{self.tls_port}",
                     "--http", f"{HOST}:{self.http_port}",
                     "--auth-block", "0", "--log-level", "warn",
                     "--keepalive-interval", "0",
                     "--rtp-min", "40000", "--rtp-max", "49999"]
        self.env = dict(os.environ)
        self.env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        self.env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self.proc = None
        self.logf = None

    def port(self, transport):
        return self.tls_port if transport == "tls" else self.sip_port

    def start(self):
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, env=self.env,
                                     stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("switchboard exited at start:\n" +
                                   self.logtext()[-3000:])
            try:
                with socket.create_connection((HOST, self.tls_port), 0.2):
                    pass
                with socket.create_connection((HOST, self.sip_port), 0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("switchboard did not start:\n" +
                           self.logtext()[-3000:])

    def logtext(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def reported(self):
        return bool(REPORT_RE.search(self.logtext()))

    def stop(self, timeout=20):
        """SIGTERM and wait; the exit code (LSan makes it non-zero)."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def cleanup(self):
        self.kill()
        if self.logf:
            self.logf.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_server(tpl, tries=3):
    """A started Server; a port taken between free_port() and the bind
    (other tests run on this machine too) costs another try."""
    for k in range(tries):
        srv = Server(tpl)
        try:
            return srv.start()
        except RuntimeError:
            srv.cleanup()
            if k == tries - 1:
                raise
            time.sleep(0.2)


def report_of(text):
    """The sanitizer report part of a log (from its first marker)."""
    m = REPORT_RE.search(text)
    if not m:
        return ""
    start = text.rfind("\n", 0, max(0, m.start() - 200)) + 1
    return text[start:start + 20000]


def signature(text, rc=None):
    """The kind of a failure, e.g. 'asan:heap-use-after-free' or
    'ubsan:src/sip/x.c:12'; the minimiser keeps a case only while its
    failure has the same kind."""
    m = re.search(r"ERROR: AddressSanitizer: ([\w-]+(?: on unknown)?)", text)
    if m:
        kind = m.group(1).replace(" on unknown", "")
        if kind == "attempting":
            m2 = re.search(r"attempting ([\w-]+)", text)
            kind = m2.group(1) if m2 else kind
        return "asan:" + kind
    m = re.search(r"(\S+:\d+):\d+: runtime error:", text)
    if m:
        return "ubsan:" + os.path.basename(m.group(1))
    if "ERROR: LeakSanitizer" in text:
        return "lsan:leak"
    if "AddressSanitizer:DEADLYSIGNAL" in text:
        return "asan:deadly-signal"
    if rc is not None:
        return f"died:{rc}"
    return None


def top_frames(text, n=4):
    """Function names of the first stack of a report, runtime left out."""
    out = []
    for m in re.finditer(r"#\d+ 0x[0-9a-f]+ in (\S+)", text):
        f = m.group(1)
        if f.startswith(("__interceptor", "__asan", "__sanitizer",
                         "__ubsan")) or f in ("malloc", "free", "realloc",
                                              "calloc", "memcpy", "memmove"):
            continue
        out.append(f)
        if len(out) == n:
            break
    return out


# --------------------------------------------------------------------------
# connections
# --------------------------------------------------------------------------
_TLS_CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_TLS_CTX.check_hostname = False
_TLS_CTX.verify_mode = ssl.CERT_NONE


def connect(transport, port, timeout=3.0):
    s = socket.create_connection((HOST, port), timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if transport == "tls":
        try:
            s = _TLS_CTX.wrap_socket(s)
        except (OSError, ssl.SSLError):
            s.close()
            raise
    return s


def drain(s, wait=0.0, until_closed=False):
    """Read what has arrived (for up to wait s); (bytes, closed)."""
    buf = b""
    deadline = time.time() + wait
    while True:
        left = deadline - time.time()
        s.settimeout(max(left, 0.0001) if wait else 0.0001)
        try:
            d = s.recv(65536)
        except (socket.timeout, BlockingIOError, ssl.SSLWantReadError):
            if time.time() >= deadline:
                return buf, False
            continue
        except (OSError, ssl.SSLError):
            return buf, True
        if not d:
            return buf, True
        buf += d
        if not until_closed and time.time() >= deadline:
            return buf, False


def close_conn(s, end):
    try:
        if end == "rst":
            raw = s if not isinstance(s, ssl.SSLSocket) else s
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                           b"\x01\x00\x00\x00\x00\x00\x00\x00")
        elif end == "shut":
            s.shutdown(socket.SHUT_WR)
            drain(s, 0.2, until_closed=True)
    except (OSError, ValueError):
        pass
    try:
        s.close()
    except OSError:
        pass


def probe(transport, port, timeout=5.0):
    """Status of an OPTIONS on a new connection (or UDP), or None."""
    tag, cid, br = (random.getrandbits(40) for _ in range(3))
    try:
        if transport == "udp":
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((HOST, 0))
        else:
            s = connect(transport, port, timeout)
    except OSError:
        return None
    try:
        lport = s.getsockname()[1]
        msg = (f"OPTIONS sip:{HOST}:{port} SIP/2.0\r\n"
               f"Via: SIP/2.0/{transport.upper()} {HOST}:{lport}"
               f";branch=z9hG4bKprobe{br};rport\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:probe@{HOST}>;tag={tag}\r\n"
               f"To: <sip:{HOST}:{port}>\r\nCall-ID: probe{cid}@{HOST}\r\n"
               f"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()
        if transport == "udp":
            s.sendto(msg, (HOST, port))
        else:
            s.sendall(msg)
        buf = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            s.settimeout(max(0.01, deadline - time.time()))
            try:
                d = s.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                break
            if not d:
                break
            buf += d
            m = re.search(rb"^SIP/2\.0 (\d{3}) ", buf, re.M)
            if m:
                return int(m.group(1))
        return None
    except (OSError, ssl.SSLError):
        return None
    finally:
        try:
            s.close()
        except OSError:
            pass


# --------------------------------------------------------------------------
# message generation
# --------------------------------------------------------------------------
SDP = ("v=0\r\no=- {sid} {sid} IN IP4 127.0.0.1\r\ns=-\r\n"
       "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio {rtp} RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\n"
       "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
       "a=fmtp:101 0-15\r\na=sendrecv\r\n")
CRYPTO = ("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"
          "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32\r\n")

TARGETS = ["+4922182829990", "+4922182829900", "+4922182829902",
           "+4922182829903", "1002", "1001", "0221123456", "0033123456789",
           "*99", ""]
USERS = ["1001", "1002", "1011", "9999", "admin", ""]

TOKENS = [b"INVITE ", b"REGISTER ", b"OPTIONS ", b"BYE ", b"ACK ",
          b"SIP/2.0", b"SIP/2.0 200 OK", b"sip:", b"sips:", b"tel:", b"@",
          b":", b";", b",", b"<", b">", b"\"", b"\\", b"%", b"%00", b"\r\n",
          b"\r\n\r\n", b"\n", b"\r", b" ", b"\t", b"\r\n ", b"=",
          b"Via: SIP/2.0/TCP ", b"branch=z9hG4bK", b"Content-Length: ",
          b"l: ", b"CSeq: ", b"Call-ID: ", b"tag=", b"Contact: ",
          b"Content-Type: application/sdp", b"v=0\r\n", b"m=audio ",
          b"4294967296", b"-1", b"0", b"99999999999999999999", b"\x00",
          b"\xff", b";transport=tcp", b";rport", b"*"]

CL_LIES = ["{n_minus}", "{n_plus}", "0", "-1", "-{n}", "2147483647",
           "2147483648", "4294967295", "4294967296", "{n_4g}",
           "99999999999999999999", "", " ", "abc", "0x10", "1e3", "+{n}",
           " {n} ", "{n}{n}", "{n}, {n}", "65536", "65535", "131072",
           "1048576"]


class Msg:
    """A SIP message as start line, headers [(name, value)] and body;
    render() writes it out (Content-Length as the headers say)."""

    def __init__(self, start, headers, body=b""):
        self.start = start
        self.headers = headers
        self.body = body
        self.eol = b"\r\n"

    def render(self):
        out = [self.start]
        for n, v in self.headers:
            out.append(n + b":" + (b" " if v[:1] not in (b" ", b"\t") else
                                   b"") + v if n is not None else v)
        return self.eol.join(out) + self.eol + self.eol + self.body


class Gen:
    """Makes one session (one connection's plan) from its own seed."""

    def __init__(self, seed, transport, port):
        self.r = random.Random(seed)
        self.transport = transport
        self.port = port
        self.lport = 30000 + self.r.randrange(30000)

    # -- valid messages ---------------------------------------------------
    def rs(self, n=10):
        return "".join(self.r.choice("abcdef0123456789") for _ in range(n))

    def base(self, method, ruri, user, to_user, to_tag=False, cseq=1,
             body=b"", ctype="application/sdp", transport=None):
        tp = (transport or self.transport).upper()
        hdrs = [
            ("Via", f"SIP/2.0/{tp} {HOST}:{self.lport};branch=z9hG4bK"
                    f"{self.rs(12)};rport"),
            ("Max-Forwards", "70"),
            ("From", f"<sip:{user}@{HOST}:{self.port}>;tag={self.rs()}"),
            ("To", f"<sip:{to_user}@{HOST}:{self.port}>" +
             (f";tag={self.rs()}" if to_tag else "")),
            ("Call-ID", f"fz{self.rs(16)}@{HOST}"),
            ("CSeq", f"{cseq} {method}"),
            ("Contact", f"<sip:{user}@{HOST}:{self.lport};transport="
                        f"{self.transport}>"),
        ]
        if body:
            hdrs.append(("Content-Type", ctype))
        hdrs.append(("Content-Length", str(len(body))))
        return Msg(f"{method} {ruri} SIP/2.0".encode(),
                   [(n.encode(), v.encode()) for n, v in hdrs], body)

    def sdp(self):
        s = SDP.format(sid=self.r.randrange(1, 1 << 31),
                       rtp=self.r.choice([4000, 40000, 0, 65535, 70000]))
        if self.r.random() < 0.3:
            s += CRYPTO
        return s.encode()

    def auth_header(self, user, uri):
        return (f'Digest username="{user}", realm="switchboard", '
                f'nonce="{self.rs(16)}", uri="{uri}", '
                f'response="{self.rs(32)}", algorithm=MD5').encode()

    def valid(self):
        r = self.r
        kind = r.choice(["REGISTER", "REGISTER", "INVITE", "INVITE",
                         "OPTIONS", "OPTIONS", "UPDATE", "BYE", "ACK",
                         "CANCEL", "PRACK", "INFO", "MESSAGE", "SUBSCRIBE",
                         "NOTIFY", "REFER", "response"])
        user = r.choice(USERS)
        target = r.choice(TARGETS)
        dom = f"{HOST}:{self.port}"
        if kind == "REGISTER":
            m = self.base("REGISTER", f"sip:{dom}", user, user)
            m.headers.insert(-1, (b"Expires", r.choice(
                [b"3600", b"0", b"60", b"1", b"4294967296"])))
            if r.random() < 0.5:
                m.headers.insert(-1, (b"Authorization", self.auth_header(
                    user, f"sip:{dom}")))
            if r.random() < 0.1:
                m.headers[6] = (b"Contact", b"*")
            return m
        if kind == "INVITE":
            m = self.base("INVITE", f"sip:{target}@{dom}", user, target,
                          body=self.sdp())
            if r.random() < 0.4:
                m.headers.insert(-2, (b"Proxy-Authorization",
                                      self.auth_header(user, f"sip:{target}@"
                                                       f"{dom}")))
            if r.random() < 0.2:
                m.headers.insert(-2, (b"P-Asserted-Identity",
                                      b"<sip:+4930123456@127.0.0.1>"))
            return m
        if kind == "response":
            code, reason, body = r.choice([
                (100, "Trying", b""), (180, "Ringing", b""),
                (200, "OK", self.sdp()), (401, "Unauthorized", b""),
                (487, "Request Terminated", b""), (200, "OK", b"")])
            meth = r.choice(["INVITE", "OPTIONS", "BYE", "REGISTER"])
            m = self.base(meth, "x", user, target, to_tag=True, body=body)
            m.start = f"SIP/2.0 {code} {reason}".encode()
            m.headers = [(n, v) for n, v in m.headers
                         if n != b"Max-Forwards"]
            return m
        body = b""
        ctype = "application/sdp"
        if kind in ("UPDATE", "PRACK") and r.random() < 0.7:
            body = self.sdp()
        elif kind == "INFO":
            body, ctype = b"Signal=5\r\nDuration=160\r\n", \
                "application/dtmf-relay"
        elif kind == "MESSAGE":
            body, ctype = b"hello " * r.randrange(1, 50), "text/plain"
        elif kind == "NOTIFY":
            body, ctype = b"SIP/2.0 200 OK\r\n", "message/sipfrag"
        m = self.base(kind, f"sip:{target}@{dom}", user, target,
                      to_tag=kind not in ("OPTIONS", "MESSAGE", "SUBSCRIBE"),
                      cseq=r.choice([1, 2, 3, 102]), body=body, ctype=ctype)
        if kind == "SUBSCRIBE":
            m.headers.insert(-1, (b"Event", b"dialog"))
        if kind == "REFER":
            m.headers.insert(-1, (b"Refer-To", f"<sip:1002@{dom}>".encode()))
        if kind == "PRACK":
            m.headers.insert(-1, (b"RAck", b"1 1 INVITE"))
        return m

    # -- mutations ----------------------------------------------------------
    def big(self, n):
        r = self.r
        unit = r.choice([b"A", b";p=v", b"x,", b"%41", b" ", b"\xff",
                         b"<sip:a@b>,"])
        return (unit * (n // len(unit) + 1))[:n]

    def size(self):
        if self.r.random() < 0.6:
            return self.r.choice([10, 100, 500, 1000, 2000, 4000, 8000])
        return self.r.choice([8192, 16000, 32768, 40000, 65000, 65536,
                              66000, 70000, 140000])

    def mutate_struct(self, m):
        r = self.r
        op = r.randrange(14)
        hs = m.headers
        if op == 0:                                     # Content-Length lie
            n = len(m.body)
            val = r.choice(CL_LIES).format(
                n=n, n_minus=max(0, n - r.randrange(1, 300)),
                n_plus=n + r.choice([1, 2, 10, 100, 1000, 70000]),
                n_4g=n + 4294967296).encode()
            idx = [i for i, (k, _) in enumerate(hs) if k == b"Content-Length"]
            if idx:
                hs[idx[0]] = (r.choice([b"Content-Length", b"l",
                                        b"content-length", b"Content-Length "
                                        ]), val)
        elif op == 1:                                   # no Content-Length
            m.headers = [(k, v) for k, v in hs if k != b"Content-Length"]
        elif op == 2:                                   # doubled
            hs.append((b"Content-Length", str(r.choice(
                [0, len(m.body) + 5, 10 ** 9])).encode()))
        elif op == 3 and hs:                            # huge header value
            i = r.randrange(len(hs))
            k, v = hs[i]
            hs[i] = (k, v + self.big(self.size()))
        elif op == 4:                                   # huge extra header
            hs.insert(r.randrange(len(hs) + 1),
                      (r.choice([b"X-Fuzz", b"Subject", b"Via",
                                 b"Authorization", b"X" * 300]),
                       self.big(self.size())))
        elif op == 5:                                   # big body
            n = self.size()
            m.body = self.big(n) if r.random() < 0.5 else \
                (m.body or b"v=0\r\n") * (n // max(1, len(m.body or b"v")))
            cl = [i for i, (k, _) in enumerate(hs) if k == b"Content-Length"]
            if cl and r.random() < 0.7:
                hs[cl[0]] = (b"Content-Length", str(len(m.body)).encode())
        elif op == 6:                                   # many headers
            n = r.choice([50, 200, 600, 2000])
            name = r.choice([b"Via", b"Route", b"Record-Route", b"X-A",
                             b"Contact"])
            extra = [(name, b"SIP/2.0/TCP 10.0.0.%d;branch=z9hG4bK%d" %
                      (i % 250, i)) for i in range(n)]
            pos = r.randrange(len(hs) + 1)
            hs[pos:pos] = extra
        elif op == 7 and hs:                            # drop headers
            for _ in range(r.randrange(1, 4)):
                if hs:
                    del hs[r.randrange(len(hs))]
        elif op == 8 and hs:                            # duplicate a header
            hs.insert(r.randrange(len(hs) + 1), r.choice(hs))
        elif op == 9:                                   # extreme numbers
            field = r.choice([b"CSeq", b"Max-Forwards", b"Expires",
                              b"Content-Length"])
            num = r.choice([b"-1", b"0", b"4294967295", b"4294967296",
                            b"18446744073709551616", b"-2147483649",
                            b"99999999999999999999999999"])
            for i, (k, v) in enumerate(hs):
                if k == field:
                    hs[i] = (k, re.sub(rb"-?\d+", num, v, count=1)
                             if re.search(rb"\d", v) else num)
        elif op == 10:                                  # bare LF / folding
            if r.random() < 0.5:
                m.eol = b"\n"
            elif hs:
                i = r.randrange(len(hs))
                k, v = hs[i]
                hs[i] = (k, v + b"\r\n " + self.big(r.randrange(1, 200)))
        elif op == 11:                                  # start line
            m.start = r.choice([
                b"INVITE sip:x SIP/3.0", b"INVITE  SIP/2.0", b"SIP/2.0 999 X",
                b"SIP/2.0 abc Bad", b"X" * r.choice([10, 1000, 70000]),
                b"OPTIONS sip:" + self.big(self.size()) + b" SIP/2.0",
                b"", b"SIP/2.0 200", m.start + b" extra"])
        elif op == 12:                                  # header syntax
            i = r.randrange(len(hs)) if hs else None
            if i is not None and hs[i][0] is not None:
                k, v = hs[i]
                hs[i] = (r.choice([k + b" ", k.lower(), b"", k + b"\x00",
                                   None]), r.choice([v, b"", v + b";" * 50,
                                                     b"<" + v, v + b">",
                                                     b"\"" + v]))
        else:                                           # SDP damage
            if m.body:
                b = bytearray(m.body)
                for _ in range(r.randrange(1, 6)):
                    if not b:
                        break
                    pos = r.randrange(len(b))
                    b[pos:pos + r.randrange(0, 20)] = r.choice(
                        [b"m=audio 99999 RTP/AVP", b"c=IN IP6 ::",
                         b"a=crypto:", b"\r\n", b"", b"\x00" * 8])
                m.body = bytes(b)

    def mutate_bytes(self, data):
        r = self.r
        b = bytearray(data)
        for _ in range(r.randrange(1, 10)):
            op = r.randrange(4)
            pos = r.randrange(len(b)) if b else 0
            if op == 0 and b:
                b[pos] = r.randrange(256)
            elif op == 1:
                b[pos:pos] = r.choice(TOKENS)
            elif op == 2 and b:
                del b[pos:pos + r.randrange(1, 40)]
            else:
                b[pos:pos] = bytes(r.randrange(256)
                                   for _ in range(r.randrange(1, 20)))
        return bytes(b)

    def message(self):
        r = self.r
        roll = r.random()
        if roll < 0.03:                 # raw garbage
            return bytes(r.randrange(256) for _ in range(r.randrange(1, 2000)))
        m = self.valid()
        if roll < 0.35:                 # valid as it is
            return m.render()
        for _ in range(r.choice([1, 1, 1, 2, 3])):
            self.mutate_struct(m)
        data = m.render()
        if r.random() < 0.25:
            data = self.mutate_bytes(data)
        if r.random() < 0.08:           # truncated
            data = data[:r.randrange(len(data) + 1)]
        return data

    # -- a session ------------------------------------------------------------
    def session(self):
        """{'transport', 'units': [bytes], 'pieces': [[bytes, pause]],
        'end'}: units are what was put together (messages, keep-alives);
        pieces are the writes, pause in seconds after each."""
        r = self.r
        n = min(12, int(r.expovariate(1 / 3.0)) + 1)
        units = []
        keepalives = 0
        for _ in range(n):
            if r.random() < 0.2:
                keepalives += 1
                units.append(r.choice([b"\r\n\r\n", b"\r\n", b"\r\n" * 5,
                                       b"\r\n\r\n\r\n\r\n", b" ", b"\n"]))
            units.append(self.message())
        if r.random() < 0.1:
            keepalives += 1
            units.append(b"\r\n\r\n")
        stream = b"".join(units)
        end = r.choice(["fin", "fin", "fin", "rst", "shut", "cut", "cut",
                        "hold"])
        if end == "cut" and stream:
            stream = stream[:r.randrange(len(stream))]
        # the writes
        mode = r.choice(["one", "units", "random", "random", "dribble"])
        cuts = set()
        if mode == "units":
            pos = 0
            for u in units:
                pos += len(u)
                cuts.add(pos)
        elif mode == "random":
            for _ in range(r.randrange(1, 10)):
                cuts.add(r.randrange(1, len(stream) + 1) if stream else 0)
        elif mode == "dribble" and stream:
            a = r.randrange(len(stream))
            b = min(len(stream), a + r.randrange(1, 300))
            cuts.update(range(a, b, r.randrange(1, 6)))
        cuts = sorted(c for c in cuts if 0 < c < len(stream))
        pieces = []
        prev = 0
        for c in cuts + [len(stream)]:
            roll = r.random()
            pause = 0.0 if roll < 0.4 else (r.uniform(0.001, 0.02)
                                            if roll < 0.9 else
                                            r.uniform(0.05, 0.2))
            if mode == "dribble":
                pause = min(max(pause, 0.001), 0.005)
            # a pause of 0 means: the same write (so a replay sends the
            # same segments)
            if pieces and pieces[-1][1] == 0.0:
                pieces[-1] = [pieces[-1][0] + stream[prev:c], round(pause, 4)]
            else:
                pieces.append([stream[prev:c], round(pause, 4)])
            prev = c
        return {"transport": self.transport, "msgs": n,
                "keepalives": keepalives,
                "pieces": pieces, "end": end,
                "hold": round(r.uniform(0.5, 8.0), 2)}


# --------------------------------------------------------------------------
# running sessions
# --------------------------------------------------------------------------
def run_session(sess, port, stop=None, held=None):
    """Send one session; sess gets 'sent' (pieces actually written),
    'answers' (status codes seen), 'error'.  A 'hold' connection is put
    in held (list of (close time, socket)) or closed at once."""
    sess["sent"] = []
    sess["answers"] = []
    sess["t0"] = time.time()
    rx = b""
    try:
        s = connect(sess["transport"], port)
    except (OSError, ssl.SSLError) as e:
        sess["error"] = f"connect: {e}"
        return sess
    try:
        for data, pause in sess["pieces"]:
            if stop is not None and stop.is_set():
                break
            s.sendall(data)
            sess["sent"].append([data, pause])
            if pause:
                time.sleep(pause)
            rx += drain(s)[0]
        if sess["end"] in ("fin", "cut", "shut"):
            rx += drain(s, 0.05 if sess["end"] != "fin" else 0.3)[0]
    except (OSError, ssl.SSLError) as e:
        sess["error"] = f"send: {e}"
    sess["answers"] = [int(x) for x in re.findall(rb"^SIP/2\.0 (\d{3}) ",
                                                   rx, re.M)]
    if sess["end"] == "hold" and held is not None and "error" not in sess:
        held.append((time.time() + sess["hold"], s, sess))
    else:
        close_conn(s, sess["end"])
    sess["t1"] = time.time()
    return sess


def enc_case(sessions):
    out = []
    for s in sessions:
        out.append({"id": s.get("id"), "seed": s.get("seed"),
                    "transport": s["transport"], "end": s["end"],
                    "error": s.get("error"), "answers": s.get("answers"),
                    "t0": s.get("t0"), "t1": s.get("t1"),
                    "pieces": [[base64.b64encode(d).decode(), p]
                               for d, p in s.get("sent", s["pieces"])]})
    return out


def dec_case(items):
    return [{"id": c.get("id"), "transport": c["transport"],
             "end": c.get("end", "fin"),
             "pieces": [[base64.b64decode(d), p] for d, p in c["pieces"]]}
            for c in items]


# --------------------------------------------------------------------------
# the fuzz loop
# --------------------------------------------------------------------------
class Fuzzer:
    RECENT = 40        # completed sessions kept for a finding
    HELD_MAX = 48      # connections held open at once

    def __init__(self, seed, seconds, transports, workers):
        self.seed = seed
        self.seconds = seconds
        self.transports = transports
        self.workers = workers
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.next_id = 0
        self.inflight = {}
        self.recent = []
        self.held = {}     # id -> session whose connection is held open
        self.left_open = []
        self.hang = None
        self.stats = {"connections": 0, "messages": 0, "keepalives": 0,
                      "writes": 0,
                      "bytes": 0, "answers": 0, "errors": 0,
                      "by_transport": {t: 0 for t in transports},
                      "answers_by_transport": {t: 0 for t in transports},
                      "error_kinds": {}}
        self.finding = None
        self.master = random.Random(seed)

    def new_session(self):
        with self.lock:
            sid = self.next_id
            self.next_id += 1
            sseed = self.master.getrandbits(64)
        transport = self.transports[sid % len(self.transports)]
        sess = Gen(sseed, transport, self.srv.port(transport)).session()
        sess["id"] = sid
        sess["seed"] = sseed
        return sess

    def worker(self):
        held = []
        while not self.stop.is_set() and time.time() < self.deadline:
            if not self.srv.alive():
                break       # the monitor will tell
            try:
                sess = self.new_session()
            except Exception as e:  # noqa: BLE001 - a generator bug
                log(f"  generator error (session skipped): "
                    f"{type(e).__name__}: {e}")
                continue
            with self.lock:
                self.inflight[sess["id"]] = sess
            run_session(sess, self.srv.port(sess["transport"]), self.stop,
                        held if len(held) < self.HELD_MAX // self.workers
                        else None)
            with self.lock:
                self.inflight.pop(sess["id"], None)
                if held and held[-1][2] is sess:
                    self.held[sess["id"]] = sess
                if sess["sent"]:    # not: refused, nothing sent
                    self.recent.append(sess)
                    del self.recent[:-self.RECENT]
                st = self.stats
                st["connections"] += 1
                st["by_transport"][sess["transport"]] += 1
                if sess["sent"]:
                    st["messages"] += sess["msgs"]
                    st["keepalives"] += sess["keepalives"]
                st["writes"] += len(sess["sent"])
                st["bytes"] += sum(len(d) for d, _ in sess["sent"])
                st["answers"] += len(sess["answers"])
                st["answers_by_transport"][sess["transport"]] += len(
                    sess["answers"])
                st["errors"] += "error" in sess
                if "error" in sess:
                    k = re.sub(r"\(_ssl.c:\d+\)", "", sess["error"])[:50]
                    st["error_kinds"][k] = st["error_kinds"].get(k, 0) + 1
            now = time.time()
            for item in [h for h in held if h[0] <= now]:
                held.remove(item)
                close_conn(item[1], "fin")
                with self.lock:
                    self.held.pop(item[2]["id"], None)
        if not self.finding:
            for _, s, _ in held:
                close_conn(s, "fin")
        # after a finding, held connections stay open until the end (they
        # are part of the case; closing them could be what the server
        # trips over next)
        with self.lock:
            self.left_open += held

    def monitor(self):
        """Sanitizer report or exit (checked every 50 ms), or a transport
        that stops answering (prober())."""
        tail = b""
        f = open(self.srv.log_path, "rb")
        prober = threading.Thread(target=self.prober, daemon=True)
        prober.start()
        try:
            while not self.stop.is_set():
                time.sleep(0.05)
                tail = tail[-200:] + f.read()
                if REPORT_RE.search(tail.decode("utf-8", "replace")):
                    self.found("sanitizer")
                    return
                if not self.srv.alive():
                    # the report may still be on its way
                    time.sleep(0.5)
                    tail = tail[-200:] + f.read()
                    self.found("sanitizer" if REPORT_RE.search(
                        tail.decode("utf-8", "replace")) else "died")
                    return
                if self.hang:
                    self.found(self.hang)
                    return
                if time.time() >= self.deadline:
                    return
        finally:
            f.close()

    def prober(self):
        """OPTIONS on a new UDP/TCP/TLS connection in turn, one a second;
        3 failures in a row on one transport = a hang."""
        fails = {}
        order = ["udp"] + self.transports
        k = 0
        self.stop.wait(2)
        while not self.stop.is_set() and time.time() < self.deadline:
            t = order[k % len(order)]
            k += 1
            st = probe(t, self.srv.port(t) if t != "udp"
                       else self.srv.sip_port, 5.0)
            if self.stop.is_set() or not self.srv.alive():
                return
            fails[t] = 0 if st == 200 else fails.get(t, 0) + 1
            if fails[t] >= 3:
                self.hang = f"hang-{t}"
                return
            self.stop.wait(1.0)

    def found(self, kind):
        self.finding = {"kind": kind, "time": time.time()}
        self.stop.set()

    def progress(self):
        while not self.stop.wait(30):
            if time.time() >= self.deadline:
                return
            st = self.stats
            log(f"  {time.time() - self.t0:5.0f} s: {st['connections']} "
                f"connections ({st['by_transport']}), {st['messages']} "
                f"messages, {st['bytes'] / 1e6:.1f} MB, {st['answers']} "
                f"answers")

    def run(self, tpl):
        self.srv = start_server(tpl)
        log(f"server pid {self.srv.proc.pid}: SIP {HOST}:{self.srv.sip_port}"
            f" (UDP, TCP), TLS {HOST}:{self.srv.tls_port}, log "
            f"{self.srv.log_path}")
        self.t0 = time.time()
        self.deadline = self.t0 + self.seconds
        threads = [threading.Thread(target=self.worker, daemon=True)
                   for _ in range(self.workers)]
        mon = threading.Thread(target=self.monitor, daemon=True)
        prog = threading.Thread(target=self.progress, daemon=True)
        for t in threads + [mon, prog]:
            t.start()
        mon.join()
        self.stop.set()
        snap_inflight = None
        with self.lock:
            snap_inflight = [dict(s, sent=list(s["sent"]))
                             for s in list(self.inflight.values()) +
                             list(self.held.values())
                             if "sent" in s]
        for t in threads:
            t.join(15)
        self.elapsed = time.time() - self.t0
        result = {"seed": self.seed, "seconds": round(self.elapsed, 1),
                  "stats": self.stats}
        if self.finding is None:
            rc = self.srv.stop()
            text = self.srv.logtext()
            if rc != 0 or REPORT_RE.search(text):
                self.finding = {"kind": "at-exit", "time": time.time()}
                self.finding["rc"] = rc
            result["exit_code"] = rc
        if self.finding is not None:
            self.finding["after"] = round(self.finding["time"] - self.t0, 1)
            if self.finding["kind"].startswith("hang") and self.srv.alive():
                # ASan prints the stack of a SIGSEGV: where it hangs
                os.kill(self.srv.proc.pid, signal.SIGSEGV)
            deadline = time.time() + 15
            while self.srv.alive() and time.time() < deadline:
                time.sleep(0.1)
            self.srv.kill()
            text = self.srv.logtext()
            rc = self.srv.proc.returncode
            with self.lock:
                cands = snap_inflight + [s for s in self.recent if s["id"]
                                         not in {x["id"]
                                                 for x in snap_inflight}]
            cands.sort(key=lambda s: s.get("t0", 0))
            for _, s, _ in self.left_open:
                close_conn(s, "fin")
            result["finding"] = self.finding
            result["signature"] = signature(text, rc) or self.finding["kind"]
            if self.finding["kind"].startswith("hang"):
                # the SEGV is ours (the stack shows where it was busy)
                result["signature"] = self.finding["kind"]
            result["frames"] = top_frames(report_of(text))
            result["inflight_ids"] = [s["id"] for s in snap_inflight]
            result["dir"] = save_finding(result, cands, text)
        self.srv.cleanup()
        return result


def save_finding(result, cands, text):
    os.makedirs(FINDINGS, exist_ok=True)
    name = time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + \
        re.sub(r"[^\w.-]", "_", result["signature"])
    d = os.path.join(FINDINGS, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "report.txt"), "w") as f:
        f.write(report_of(text) or text[-20000:])
        f.write("\n---- log tail ----\n" + text[-5000:])
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump({"result": result, "connections": enc_case(cands)}, f,
                  indent=1)
    for i, s in enumerate(cands):
        with open(os.path.join(d, f"conn{i:02d}-{s['transport']}-"
                               f"{s['end']}.bin"), "wb") as f:
            f.write(b"".join(p for p, _ in s.get("sent", s["pieces"])))
    return d


# --------------------------------------------------------------------------
# replay and minimisation
# --------------------------------------------------------------------------
class Replayer:
    """Runs cases on fresh servers; counts tries."""

    def __init__(self, tpl):
        self.tpl = tpl
        self.tries = 0

    def run(self, conns, want=None, settle=0.3):
        """Replay conns one after another on a fresh server.  Returns
        (signature or None, index of the connection after which the
        failure showed, report text)."""
        self.tries += 1
        srv = start_server(self.tpl)
        try:
            held = []
            failed_at = None
            for i, c in enumerate(conns):
                replay_conn(c, srv.port(c["transport"]), held)
                if self.failed(srv, 0.15):
                    failed_at = i
                    break
            for s in held:
                close_conn(s, "fin")
            if failed_at is None:
                if self.failed(srv, settle):
                    failed_at = len(conns) - 1
                elif srv.alive():
                    # a crash may need one more request to show
                    for t in ("tcp", "tls"):
                        probe(t, srv.port(t), 2.0)
                    if self.failed(srv, 0.3):
                        failed_at = len(conns) - 1
            if failed_at is None:
                return None, None, ""
            deadline = time.time() + 10
            while srv.alive() and time.time() < deadline:
                time.sleep(0.05)
            srv.kill()
            text = srv.logtext()
            return signature(text, srv.proc.returncode), failed_at, text
        finally:
            srv.cleanup()

    @staticmethod
    def failed(srv, wait):
        deadline = time.time() + wait
        while True:
            if not srv.alive() or srv.reported():
                return True
            if time.time() >= deadline:
                return False
            time.sleep(0.02)


def replay_conn(c, port, held):
    try:
        s = connect(c["transport"], port)
    except (OSError, ssl.SSLError):
        return
    try:
        buf = b""
        for data, pause in c["pieces"]:
            buf += data
            if pause:
                s.sendall(buf)
                buf = b""
                time.sleep(pause)
                drain(s)
        if buf:
            s.sendall(buf)
        drain(s, 0.05)
    except (OSError, ssl.SSLError):
        pass
    if c.get("end") == "hold":
        held.append(s)
    else:
        close_conn(s, c.get("end", "fin"))


def ddmin(items, test, deadline):
    """Zeller's delta debugging: a 1-minimal sublist for which test()
    holds (or the smallest found before deadline)."""
    n = 2
    while len(items) >= 2 and time.time() < deadline:
        chunk = max(1, len(items) // n)
        subsets = [items[i:i + chunk] for i in range(0, len(items), chunk)]
        reduced = False
        for i in range(len(subsets)):
            if time.time() >= deadline:
                break
            compl = [x for j, s in enumerate(subsets) if j != i for x in s]
            if compl and test(compl):
                items = compl
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if n >= len(items):
                break
            n = min(len(items), n * 2)
    return items


def size_of(conns):
    return sum(len(d) for c in conns for d, _ in c["pieces"])


def minimize(rep, conns, sig, budget):
    """Smallest case with the same failure signature; see the module
    comment for the passes."""
    deadline = time.time() + budget
    t0 = time.time()

    def same(case):
        got, _, _ = rep.run(case)
        return got == sig

    def say(what, case):
        log(f"  minimise: {what}: {len(case)} connection(s), "
            f"{sum(len(c['pieces']) for c in case)} piece(s), "
            f"{size_of(case)} bytes ({rep.tries} tries, "
            f"{time.time() - t0:.0f} s)")

    # 1. the culprit connection
    got, at, _ = rep.run(conns)
    if got != sig:
        log(f"  minimise: replay gives {got}, not {sig}; trying again")
        got2, at, _ = rep.run(conns)
        if got2 is None or got2 != got:
            log("  minimise: does not reproduce in a replay")
            return None
        log(f"  minimise: keeping the replay's failure {got}")
        sig = got
    conns = conns[:at + 1]
    if same([conns[-1]]):
        conns = [conns[-1]]
    else:
        conns = ddmin(conns, same, deadline)
    say("connections", conns)

    def per_conn(fn, what):
        nonlocal conns
        for ci in range(len(conns)):
            if time.time() >= deadline:
                return

            def with_pieces(p, ci=ci):
                case = [dict(c) for c in conns]
                case[ci] = dict(conns[ci], pieces=p)
                return case
            new = fn(conns[ci]["pieces"], lambda p: same(with_pieces(p)))
            conns = with_pieces(new)
        say(what, conns)

    # 2. pieces (writes); split first at header-block ends and into 4 KiB
    # pieces, so that a write holding several messages can lose some, and
    # with a pause after each (separate reads on the server) if the
    # failure stays, so that each piece can shrink on its own
    def split_msgs(pieces):
        out = []
        for data, pause in pieces:
            parts = []
            for part in re.split(rb"(?<=\r\n\r\n)", data):
                parts += [part[k:k + 4096] for k in range(0, len(part), 4096)]
            for j, p in enumerate(parts):
                out.append([p, pause if j == len(parts) - 1 else 0.0])
        return out
    conns = [dict(c, pieces=split_msgs(c["pieces"])) for c in conns]
    per_conn(lambda p, t: [[d, max(w, 0.02)] for d, w in p]
             if t([[d, max(w, 0.02)] for d, w in p]) else p, "spread")
    per_conn(lambda p, t: ddmin(p, t, deadline), "pieces")

    # 3. pauses: all zero, else each one (at the end, see below)
    def pauses(p, t):
        flat = [[d, 0.0] for d, _ in p]
        if t(flat):
            return flat
        for i in range(len(p)):
            if p[i][1] and time.time() < deadline:
                q = [list(x) for x in p]
                q[i][1] = 0.0
                if t(q):
                    p = q
        return p

    # 4. bytes: what a piece says may not matter, only that it is there
    # (filler): try it as "A"s of the same length, all pieces at once,
    # else one by one
    def simplify(p, t):
        big = [i for i in range(len(p)) if len(p[i][0]) >= 64]
        allq = [[b"A" * len(d) if i in big else d, w]
                for i, (d, w) in enumerate(p)]
        if len(big) > 1 and t(allq):
            return allq
        for i in big:
            if time.time() < deadline:
                q = [list(x) for x in p]
                q[i][0] = b"A" * len(p[i][0])
                if t(q):
                    p = q
        return p
    per_conn(simplify, "filler")

    def shrink(p, t):
        """Each piece cut to its shortest working prefix: 1 byte, else
        15/16 of it (if that fails too, the piece stays), then a binary
        search in between."""
        for i in range(len(p)):
            n = len(p[i][0])
            if n < 2 or time.time() >= deadline:
                continue

            def cut(k, i=i):
                q = [list(x) for x in p]
                q[i][0] = p[i][0][:k]
                return q
            if t(cut(1)):
                p = cut(1)
                continue
            lo, hi = 1, n          # lo fails, hi works
            if n >= 16:
                if not t(cut(n - n // 16)):
                    continue
                hi = n - n // 16
            while hi - lo > max(1, hi // 64) and time.time() < deadline:
                mid = (lo + hi) // 2
                if t(cut(mid)):
                    hi = mid
                else:
                    lo = mid
            p = cut(hi)
        return p
    per_conn(shrink, "piece lengths")

    # 5. lines in each piece, long lines cut, small byte ranges
    def lines(p, t):
        for i in range(len(p)):
            if time.time() >= deadline:
                break
            ls = re.split(rb"(?<=\n)", p[i][0])
            ls = [x for x in ls if x]
            if len(ls) < 2 or len(ls) > 4000:
                continue

            def tl(sub, i=i):
                q = [list(x) for x in p]
                q[i][0] = b"".join(sub)
                return t(q)
            ls = ddmin(ls, tl, deadline)
            p = [list(x) for x in p]
            p[i][0] = b"".join(ls)
        return p
    per_conn(lines, "lines")

    def cut_long(p, t):
        for i in range(len(p)):
            ls = re.split(rb"(?<=\n)", p[i][0])
            for j in range(len(ls)):
                while len(ls[j]) > 64 and time.time() < deadline:
                    keep = len(ls[j]) // 2
                    cand = ls[:j] + [ls[j][:keep] + ls[j][-2:]
                                     if ls[j].endswith(b"\r\n")
                                     else ls[j][:keep]] + ls[j + 1:]
                    q = [list(x) for x in p]
                    q[i][0] = b"".join(cand)
                    if not t(q):
                        break
                    ls = cand
                    p = q
        return p
    per_conn(cut_long, "long lines")
    def chunks_pass(p, t, parts, min_chunk, max_len):
        """ddmin over byte ranges of each piece up to max_len bytes,
        len/parts at a time, again on the result while it shrinks."""
        for i in range(len(p)):
            while time.time() < deadline:
                data = p[i][0]
                step = max(min_chunk, len(data) // parts)
                if len(data) < 2 * min_chunk or len(data) > max_len or \
                        data == data[:1] * len(data):
                    break
                chunks = [data[k:k + step]
                          for k in range(0, len(data), step)]

                def tb(sub, i=i):
                    q = [list(x) for x in p]
                    q[i][0] = b"".join(sub)
                    return t(q)
                chunks = ddmin(chunks, tb, deadline)
                p = [list(x) for x in p]
                p[i][0] = b"".join(chunks)
                if len(p[i][0]) == len(data) or step == min_chunk:
                    break
        return p
    per_conn(lambda p, t: chunks_pass(p, t, 8, 1, 4096), "small ranges")
    per_conn(lambda p, t: ddmin(p, t, deadline), "pieces again")
    per_conn(pauses, "pauses")
    return conns


def export_min(d, conns, sig, note):
    """min/steps.tsv + files: the format of test/suites/sip_replay.py."""
    md = os.path.join(d, "min")
    os.makedirs(md, exist_ok=True)
    rows = []
    for ci, c in enumerate(conns):
        writes = []     # pieces without a pause between them: one write
        for data, pause in c["pieces"]:
            if writes and writes[-1][1] == 0.0:
                writes[-1] = [writes[-1][0] + data, pause]
            else:
                writes.append([data, pause])
        for pi, (data, pause) in enumerate(writes):
            fn = f"c{ci + 1}-{pi + 1:02d}.bin"
            with open(os.path.join(md, fn), "wb") as f:
                f.write(data)
            rows.append(f"{ci + 1}\t{fn}\t{int(round(pause * 1000))}")
    with open(os.path.join(md, "steps.tsv"), "w") as f:
        f.write(f"# {sig}; {note}\n# conn\tfile\tpause_ms "
                f"(transport of the finding: "
                f"{', '.join(c['transport'] for c in conns)})\n")
        f.write("\n".join(rows) + "\n")
    with open(os.path.join(md, "case.json"), "w") as f:
        json.dump({"signature": sig, "connections": enc_case(
            [dict(c, sent=c["pieces"]) for c in conns])}, f, indent=1)
    return md


def load_case(path):
    if os.path.isdir(path):
        for cand in ("case.json", os.path.join("min", "case.json")):
            if os.path.exists(os.path.join(path, cand)):
                path = os.path.join(path, cand)
                break
    with open(path) as f:
        j = json.load(f)
    return j, dec_case(j["connections"])


# --------------------------------------------------------------------------
def main():
    if not os.path.exists(BIN):
        sys.exit(f"{BIN} missing: make build-test")
    if not os.path.isdir(PROMPTS):
        subprocess.run([os.path.join(ROOT, "scripts", "prompts.sh"),
                        PROMPTS], check=True, capture_output=True)
    tpl = Template()
    try:
        args = sys.argv[1:]
        if args and args[0] == "replay":
            j, conns = load_case(args[1])
            rep = Replayer(tpl)
            for k in range(int(os.environ.get("FUZZ_REPLAYS", "1"))):
                sig, at, text = rep.run(conns)
                log(f"replay {k + 1}: {sig or 'no failure'}"
                    + (f" after connection {at}" if sig else ""))
                if sig:
                    print(report_of(text)[:3000])
            return
        if args and args[0] == "minimize":
            j, conns = load_case(args[1])
            sig = j.get("signature") or j["result"]["signature"]
            rep = Replayer(tpl)
            budget = float(os.environ.get("FUZZ_MINIMIZE_SECONDS", "600"))
            m = minimize(rep, conns, sig, budget)
            if m:
                d = os.path.dirname(os.path.abspath(args[1])) \
                    if not os.path.isdir(args[1]) else args[1]
                log("minimal case in " + export_min(
                    d, m, sig, f"{rep.tries} tries"))
            return
        seed = int(os.environ.get("FUZZ_SEED") or
                   random.SystemRandom().getrandbits(32))
        seconds = float(os.environ.get("FUZZ_SECONDS", "300"))
        transports = [t.strip() for t in os.environ.get(
            "FUZZ_TRANSPORTS", "tcp,tls").split(",") if t.strip()]
        workers = int(os.environ.get("FUZZ_WORKERS", "4"))
        log(f"sipfuzz: seed {seed} (FUZZ_SEED={seed} repeats the sessions), "
            f"{seconds:.0f} s, transports {','.join(transports)}, "
            f"{workers} workers, {os.path.relpath(BIN, ROOT)}")
        fz = Fuzzer(seed, seconds, transports, workers)
        res = fz.run(tpl)
        st = res["stats"]
        log(f"sent {st['connections']} connections "
            f"({', '.join(f'{k} {v}' for k, v in st['by_transport'].items())}"
            f"), {st['messages']} messages, {st['writes']} writes, "
            f"{st['bytes'] / 1e6:.1f} MB in {res['seconds']} s; "
            f"{st['answers']} responses {st['answers_by_transport']}; "
            f"{st['errors']} connections "
            f"ended by an error: {st['error_kinds']}")
        if "finding" not in res:
            log(f"no finding (server exit code {res.get('exit_code')}, no "
                f"sanitizer report); seed {seed}")
            return
        log(f"FINDING {res['signature']} after {res['finding']['after']} s "
            f"(frames: {' < '.join(res['frames'])}); saved in {res['dir']}")
        budget = float(os.environ.get("FUZZ_MINIMIZE_SECONDS", "600"))
        # a replay sees reports and deaths, not hangs: those stay as found
        if budget > 0 and res["finding"]["kind"] not in ("at-exit",) and \
                not res["finding"]["kind"].startswith("hang"):
            _, conns = load_case(res["dir"])
            rep = Replayer(tpl)
            m = minimize(rep, conns, res["signature"], budget)
            if m:
                md = export_min(res["dir"], m, res["signature"],
                                f"seed {seed}, {rep.tries} tries")
                log(f"minimal case ({size_of(m)} bytes, {len(m)} "
                    f"connection(s)) in {md}")
        sys.exit(1)
    finally:
        tpl.cleanup()


if __name__ == "__main__":
    main()
