#!/usr/bin/python3
"""Malformed-input suite: RFC 4475 torture messages and garbage against the
SIP side of Switchboard.

Starts the sanitizer build (test/lib/sb.py), then per group:
  * every RFC 4475 message of test/data/rfc4475/manifest.tsv over UDP, sent
    unchanged from a fresh socket, and answered exactly as its expect
    column says: one final status (416, 415, 420, 406, 401, 505, a 400 ...)
    with the reason phrase and header line of its reason/header columns,
    or "drop" (libre's parser refused it: no answer, sip.undecodable of
    /api/v1/stats + 1) or "ignore" (a stray response: no answer, nothing
    counted).  A "no answer" is only believed next to its control: an
    OPTIONS from the same socket with the same Via sent-by is answered
    200 (the way back works), and its answer also ends the wait;
  * 200 seeded random datagrams (raw bytes, mutated torture messages,
    SIP-token soup): every answer a response with a named reason, every
    raw-byte datagram counted in sip.undecodable;
  * a truncated INVITE, a 20 KB header line (UDP and TCP), 600 Vias,
    empty datagrams and CRLF keep-alives, each with its exact outcome,
  * INVITEs with Accept headers: without application/sdp exactly 406,
    with it (or application/*, */*, none) the 407 of an unknown address,
  * INVITEs with broken SDP from the demo trunk to the announcement
    number: 400 Bad SDP, or 488 Not Acceptable Here for codecs only,
  * TCP: each bad input on a connection whose first OPTIONS was answered
    200: garbage, absurd Content-Length, a header without end (closed by
    the server); half messages that stall (kept open), a byte-by-byte
    sender (200),
and after each group checks that OPTIONS is still answered 200 within 2 s.
At the end: the process is alive, exits 0 on SIGTERM (ASan/LSan clean) and
its log has no sanitizer report.

    /usr/bin/python3 test/suites/sip_torture.py            # own Switchboard
    /usr/bin/python3 test/suites/sip_torture.py --target 127.0.0.1:5060
        (any SIP server already running; process checks skipped)
    -v prints every response line; --only rfc4475,tcp runs those groups.
"""
import os
import random
import re
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from sb import DEMO, Suite, Switchboard  # noqa: E402

DATA = os.path.join(HERE, "..", "data", "rfc4475")
HOST = "127.0.0.1"
WAIT = 1.5          # s to wait for a final response to one message
SEED = 4475
VERBOSE = "-v" in sys.argv

# the answers a garbage datagram may get (check.c's 400 reasons, the
# screen of sipsrv.c, auth and routing)
RANDOM_ANSWER = re.compile(
    rb"SIP/2\.0 (400 (Missing \S+|Duplicate \S+|Bad \S+|CSeq Method "
    rb"Mismatch|Unterminated Quoted String|Bad SDP)|100 Trying|"
    rb"200 OK|401 Unauthorized|403 Forbidden|404 Not Found|405 Method Not "
    rb"Allowed|407 Proxy Authentication Required|415 Unsupported Media Type|"
    rb"416 Unsupported URI Scheme|420 Bad Extension|481 [^\r]+|"
    rb"483 Too Many Hops|488 Not Acceptable Here|501 Not Implemented|"
    rb"505 Version Not Supported|406 Not Acceptable)\r\n")
STATUS_RE = re.compile(rb"^SIP/2\.0 (\d{3})[ \r]")
CSEQ_RE = re.compile(rb"^(?:CSeq)[ \t]*:[ \t]*\d+[ \t]+(\S+)", re.I | re.M)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def rnd(n=10):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                   for _ in range(n))


def status_of(data):
    m = STATUS_RE.match(data)
    return int(m.group(1)) if m else None


def udp_socket(port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((HOST, port))
    return s


def collect(sock, timeout, until_final=True, end=None):
    """Datagrams received on sock until a final response (if until_final),
    a datagram for which end(d) is true (the last in the list) or
    timeout.  Returns a list of bytes."""
    got = []
    deadline = time.time() + timeout
    while True:
        left = deadline - time.time()
        if left <= 0:
            return got
        sock.settimeout(left)
        try:
            data = sock.recv(65535)
        except (socket.timeout, BlockingIOError):
            return got
        except OSError:      # e.g. ICMP error reported on the socket
            continue
        got.append(data)
        if end and end(data):
            return got
        st = status_of(data)
        if until_final and st is not None and st >= 200:
            # linger a moment for a second (wrong) answer, e.g. dblreq
            deadline = min(deadline, time.time() + 0.2)


def summarize(datagrams):
    """(final status or None, [all statuses], [non-response datagrams])"""
    statuses = [status_of(d) for d in datagrams]
    finals = [s for s in statuses if s is not None and s >= 200]
    other = [d for d, s in zip(datagrams, statuses) if s is None]
    return (finals[0] if finals else None), statuses, other


def show(got, drops, whole=False):
    """With -v: the answers (their heads, or whole=False first lines) and
    the sip.undecodable delta."""
    if not VERBOSE:
        return
    for d in got:
        text = d.split(b"\r\n\r\n" if whole else b"\r\n", 1)[0].decode(
            "utf-8", "replace")
        print("     <- " + text.replace("\r\n", "\n        "), flush=True)
    print(f"     undecodable +{drops}", flush=True)


def options_msg(port, lport, transport="UDP"):
    tag, cid, br = rnd(), rnd(16), rnd(12)
    return (f"OPTIONS sip:{HOST}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} {HOST}:{lport};branch=z9hG4bK{br};rport\r\n"
            f"Max-Forwards: 70\r\n"
            f"From: <sip:torture@{HOST}>;tag={tag}\r\n"
            f"To: <sip:{HOST}:{port}>\r\n"
            f"Call-ID: {cid}@{HOST}\r\n"
            f"CSeq: 1 OPTIONS\r\n"
            f"Accept: application/sdp\r\n"
            f"Content-Length: 0\r\n\r\n").encode()


def control_msg(port, lport, via_of=None):
    """(Call-ID, message) of a control OPTIONS: the negative control of a
    "no answer" check, its Call-ID "ctl..." to tell its answer from the
    others.  Its top Via is rport to lport, or, with via_of (a message),
    has the transport and sent-by of via_of's top Via, so that its answer
    takes the same way back as via_of's would (RFC 3261 18.2.2)."""
    cid = ("ctl" + rnd(16)).encode()
    msg = options_msg(port, lport)
    m = via_of and re.search(
        rb"^(?:Via|v)[ \t]*:[ \t]*SIP[ \t]*/[ \t]*2\.0[ \t]*/[ \t]*"
        rb"(\w+)[ \t]+([^;,\s]+)", via_of, re.I | re.M)
    if m:
        via = (b"Via: SIP/2.0/" + m.group(1).upper() + b" " +
               m.group(2) + b";branch=z9hG4bK" + cid)
        msg = re.sub(rb"(?m)^Via: [^\r]*", lambda _: via, msg)
    msg = re.sub(rb"(?m)^Call-ID: [^\r]*", lambda _: b"Call-ID: " + cid, msg)
    return cid, msg


def options_udp(port, timeout=2.0):
    """Status of an OPTIONS over UDP (retransmitted after 0.5 s), or None."""
    s = udp_socket()
    try:
        msg = options_msg(port, s.getsockname()[1])
        deadline = time.time() + timeout
        resend = time.time() + 0.5
        s.sendto(msg, (HOST, port))
        while time.time() < deadline:
            got = collect(s, min(deadline, resend) - time.time())
            final, _, _ = summarize(got)
            if final:
                return final
            if time.time() >= resend:
                s.sendto(msg, (HOST, port))
                resend = time.time() + 1.0
        return None
    finally:
        s.close()


def tcp_exchange(port, data, timeout=2.0, until_final=True, chunks=None):
    """Send data over a new TCP connection; returns (responses, closed_by_peer)."""
    c = socket.create_connection((HOST, port), 2)
    try:
        if chunks:
            for part, pause in chunks:
                c.sendall(part)
                time.sleep(pause)
        else:
            c.sendall(data)
        buf, closed = tcp_read(c, timeout, 1 if until_final else 0)
    finally:
        c.close()
    statuses = [int(x) for x in re.findall(rb"^SIP/2\.0 (\d{3}) ", buf, re.M)]
    return statuses, closed


def tcp_read(c, timeout, finals, until_close=False):
    """Read c until finals final responses have arrived (and, with
    until_close, the peer closed) or timeout; returns (bytes, closed)."""
    buf, closed = b"", False
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not until_close and finals and len(re.findall(
                rb"^SIP/2\.0 [2-6]\d\d ", buf, re.M)) >= finals and \
                buf.endswith(b"\r\n\r\n"):
            break
        c.settimeout(max(0.01, deadline - time.time()))
        try:
            d = c.recv(65535)
        except socket.timeout:
            break
        except OSError:
            closed = True
            break
        if not d:
            closed = True
            break
        buf += d
    return buf, closed


def options_tcp(port, timeout=2.0):
    """Status of an OPTIONS over a new TCP connection, or None."""
    c = socket.create_connection((HOST, port), 2)
    try:
        c.sendall(options_msg(port, c.getsockname()[1], "TCP"))
        buf, _ = tcp_read(c, timeout, 1)
    finally:
        c.close()
    m = re.search(rb"^SIP/2\.0 (\d{3}) ", buf, re.M)
    return int(m.group(1)) if m else None


class Catcher:
    """Receives what the server sends back to the torture messages.

    Most RFC 4475 requests carry no rport, so by RFC 3261 18.2.2 the
    response goes to the packet's source IP ("received") and the port in
    the top Via's sent-by - 5060 when none is given (5050 in quotbal) - not
    to the port we sent from.  So besides the sending socket we listen on
    127.0.0.1:5060 and :5050 (UDP, and TCP for Vias that say TCP) and match
    responses by Call-ID."""

    PORTS = (5060, 5050)

    def __init__(self):
        import threading
        self.lock = threading.Condition()
        self.items = []          # (time, bytes)
        self.socks = []
        self.listeners = []
        self.missing = []
        for p in self.PORTS:
            try:
                self.socks.append(udp_socket(p))
            except OSError:
                self.missing.append(f"udp/{p}")
            try:
                ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                ls.bind((HOST, p))
                ls.listen(16)
                self.listeners.append(ls)
            except OSError:
                self.missing.append(f"tcp/{p}")
        self.conns = {}
        self.stop_flag = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def add(self, sock):
        with self.lock:
            self.socks.append(sock)

    def remove(self, sock):
        with self.lock:
            if sock in self.socks:
                self.socks.remove(sock)

    def _run(self):
        import select
        while not self.stop_flag:
            with self.lock:
                rs = list(self.socks) + list(self.listeners) + list(self.conns)
            try:
                ready = select.select(rs, [], [], 0.05)[0]
            except (OSError, ValueError):
                continue
            for r in ready:
                try:
                    if r in self.listeners:
                        c, _ = r.accept()
                        with self.lock:
                            self.conns[c] = b""
                    elif r in self.conns:
                        d = r.recv(65535)
                        if not d:
                            r.close()
                            with self.lock:
                                del self.conns[r]
                            continue
                        with self.lock:
                            msgs, rest = self._split(self.conns[r] + d)
                            for msg in msgs:
                                self.items.append((time.time(), msg))
                            self.conns[r] = rest
                            self.lock.notify_all()
                    else:
                        d = r.recv(65535)
                        with self.lock:
                            self.items.append((time.time(), d))
                            self.lock.notify_all()
                except OSError:
                    continue

    @staticmethod
    def _split(buf):
        """Complete messages from a TCP stream buffer."""
        out = []
        while b"\r\n\r\n" in buf:
            head, rest = buf.split(b"\r\n\r\n", 1)
            m = re.search(rb"^(?:Content-Length|l)[ \t]*:[ \t]*(\d+)", head,
                          re.I | re.M)
            n = int(m.group(1)) if m else 0
            if len(rest) < n:
                break
            out.append(head + b"\r\n\r\n" + rest[:n])
            buf = rest[n:]
        return out, buf

    def wait(self, keys, since, timeout, until_final=True):
        """Datagrams received after since whose Call-ID is in keys (bytes),
        until a final response arrives (+0.2 s for a second one) or
        timeout."""
        deadline = time.time() + timeout
        with self.lock:
            while True:
                got = [d for t, d in self.items
                       if t >= since and call_id(d) in keys]
                if until_final and any((status_of(d) or 0) >= 200
                                       for d in got):
                    deadline = min(deadline, time.time() + 0.2)
                left = deadline - time.time()
                if left <= 0:
                    return got
                self.lock.wait(min(left, 0.05))

    def close(self):
        self.stop_flag = True
        self.thread.join(1)
        for x in self.socks + self.listeners + list(self.conns):
            try:
                x.close()
            except OSError:
                pass


def call_id(data):
    m = re.search(rb"^(?:Call-ID|i)[ \t]*:[ \t]*(.*?)[ \t]*\r?$", data,
                  re.I | re.M)
    return m.group(1) if m else None


def call_ids(data):
    return set(re.findall(rb"^(?:Call-ID|i)[ \t]*:[ \t]*(.*?)[ \t]*\r?$",
                          data, re.I | re.M))


def head_of(data):
    """The head of a message, unfolded, as text."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    return re.sub(r"\r\n[ \t]+", " ", head)


def response_has(data, reason="-", header="-"):
    """(ok, detail): the response's reason phrase is reason and it has
    the header line header ("Name: value", value compared exactly, or
    "Name: prefix*"); "-" for no requirement."""
    head = head_of(data)
    lines = head.split("\r\n")
    got_reason = lines[0].split(" ", 2)[2] if lines[0].count(" ") >= 2 \
        else ""
    if reason != "-" and got_reason != reason:
        return False, (f"reason phrase {got_reason!r}, expected {reason!r}"
                       f" ({lines[0]})")
    if header != "-":
        name, _, value = header.partition(":")
        value = value.strip()
        have = [ln.partition(":")[2].strip() for ln in lines[1:]
                if ln.partition(":")[0].strip().lower() == name.lower()]
        if value.endswith("*"):
            match = [v for v in have if v.startswith(value[:-1])]
        else:
            match = [v for v in have if v == value]
        if not match:
            return False, (f"no header line {header!r} in the "
                           f"{lines[0]} (has {name}: {have})")
    return True, ""


def read_manifest():
    rows = []
    with open(os.path.join(DATA, "manifest.tsv"), encoding="utf-8") as f:
        head = None
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if head is None:
                head = cols
                continue
            rows.append(dict(zip(head, cols)))
    return rows


def txn_key(data):
    """(method, top Via branch, sent-by) - what a server transaction is
    matched on (RFC 3261 17.2.3), lower-cased; None if not parseable."""
    head = data.split(b"\r\n\r\n", 1)[0]
    head = re.sub(rb"\r\n[ \t]+", b" ", head)          # unfold
    # libre matches a server transaction on the CSeq method (mismatch01,
    # an OPTIONS with CSeq INVITE, is a retransmission of baddate's INVITE)
    cm = CSEQ_RE.search(head)
    method = (cm.group(1) if cm else head.split(b" ", 1)[0]).upper()
    m = re.search(rb"^(?:Via|v)[ \t]*:[ \t]*SIP[ \t]*/[ \t]*2\.0[ \t]*/[ \t]*"
                  rb"\w+[ \t]+([^;,\s]+)[ \t]*([^,\r\n]*)", head, re.I | re.M)
    if not m:
        return None
    br = re.search(rb"branch[ \t]*=[ \t]*([^;,\s]+)", m.group(2), re.I)
    return (method, br.group(1).lower() if br else b"",
            m.group(1).lower())


def top_via_transport(data):
    m = re.search(rb"^(?:Via|v)[ \t]*:[ \t]*SIP[ \t]*/[ \t]*2\.0[ \t]*/[ \t]*(\w+)",
                  data, re.I | re.M)
    return m.group(1).upper().decode() if m else "?"


# --------------------------------------------------------------------------
# the suite
# --------------------------------------------------------------------------
class Torture:
    def __init__(self, suite, port, sb=None):
        self.t = suite
        self.port = port
        self.sb = sb
        self.trunk_port = sb.trunk_port if sb else DEMO["trunk_port"]
        self.findings = []       # text lines for the summary at the end
        self.catcher = Catcher()
        self.sent = []           # (txn key, time, name, Call-IDs)
        if self.catcher.missing:
            print("     note: could not listen on " +
                  ", ".join(self.catcher.missing) + " - responses sent "
                  "there by RFC 3261 18.2.2 are not seen", flush=True)

    def alive_check(self, after):
        st = options_udp(self.port, 2.0)
        alive = self.sb.alive() if self.sb else True
        ok = self.t.check(st == 200 and alive,
                          f"server answers OPTIONS after {after}",
                          f"(OPTIONS status {st}, process alive {alive})")
        if not ok and self.sb and not alive:
            print(self.sb.tail(60), flush=True)
        return ok

    def finding(self, text):
        self.findings.append(text)

    # ---- RFC 4475 -------------------------------------------------------
    TIMER_J = 32.0   # s a server keeps a non-INVITE UDP transaction

    def rfc4475(self):
        """All manifest messages; one whose transaction key (branch,
        sent-by, method) was used less than Timer J ago is held back and
        sent in a later pass, so that each message is really parsed."""
        pending = read_manifest()
        last_use = {}
        while pending:
            later = []
            for row in pending:
                with open(os.path.join(DATA, row["file"]), "rb") as f:
                    data = f.read()
                key = txn_key(data)
                if key and time.time() - last_use.get(key, -1e9) \
                        < self.TIMER_J + 1:
                    later.append(row)
                    continue
                # only an answered request leaves a server transaction
                # (a dropped one or a stray response leaves none)
                if row["expect"].isdigit():
                    last_use[key] = time.time()
                if not self.rfc4475_one(row, data):
                    return False
            if later:
                wait = max(last_use[txn_key(open(os.path.join(
                    DATA, r["file"]), "rb").read())] for r in later) \
                    + self.TIMER_J + 1 - time.time()
                print(f"     waiting {max(wait, 0):.0f} s (Timer J) before "
                      f"{', '.join(r['name'] for r in later)}: they share "
                      f"branch and sent-by with an earlier message",
                      flush=True)
                time.sleep(max(wait, 0))
            pending = later
        return self.alive_check("the RFC 4475 messages")

    def undecodable(self):
        """sip.undecodable of /api/v1/stats: messages libre's parser
        dropped (None against an external server)."""
        if self.sb is None:
            return None
        st, body = self.sb.api("GET", "/api/v1/stats")
        if st != 200:
            raise RuntimeError(f"GET /api/v1/stats: {st} {body}")
        return body["sip"]["undecodable"]

    def control(self, sock, via_of=None, timeout=3.0):
        """The negative control of a "no answer" check: an OPTIONS from
        sock whose top Via has the transport and sent-by of via_of's top
        Via (so that its answer takes the same way back, RFC 3261 18.2.2)
        or, without via_of, rport to sock.  Returns its final status (None
        if none came within timeout).  The server reads one socket's
        datagrams in order, so once this is answered, an answer to what
        sock sent before would have arrived too: a wait on an event, not
        a sleep."""
        cid, msg = control_msg(self.port, sock.getsockname()[1], via_of)
        since = time.time()
        sock.sendto(msg, (HOST, self.port))
        got = self.catcher.wait({cid}, since, timeout)
        final, _, _ = summarize(got)
        return final

    def rfc4475_one(self, row, data):
        cls = row["class"]
        name = f"rfc4475 {row['name']} ({row['section']}, {cls})"
        keys = call_ids(data)
        if not keys:     # insuf has no Call-ID: match the branch
            keys = {None}
        # Several messages share branch and sent-by (z9hG4bKkdjuw ...):
        # within Timer J (32 s) the server rightly takes a later one for
        # a retransmission of the earlier transaction and repeats that
        # answer.  rfc4475() holds such a message back until Timer J is
        # over; twin says so if it did not.
        key = txn_key(data)
        twin = None
        for prev_key, prev_t, prev_name, prev_keys in self.sent:
            if key and key == prev_key and \
                    time.time() - prev_t < self.TIMER_J + 1:
                twin = prev_name
        self.sent.append((key, time.time(), row["name"], call_ids(data)))
        expect = row["expect"]
        s = udp_socket()
        self.catcher.add(s)
        since = time.time()
        drops_before = self.undecodable()
        ctl = None
        try:
            s.sendto(data, (HOST, self.port))
            if expect.isdigit():
                got = self.catcher.wait(keys, since, WAIT)
            else:
                # nothing may come back: the control proves that an
                # answer could have (same socket, same way back)
                ctl = self.control(s, data)
                with self.catcher.lock:
                    got = [d for t, d in self.catcher.items if t >= since
                           and call_id(d) in keys]
            if keys == {None}:
                br = re.search(rb"branch=([^;\s]+)", data).group(1)
                got = [d for d in got if br in d]
        finally:
            self.catcher.remove(s)
            s.close()
        drops = (None if drops_before is None
                 else self.undecodable() - drops_before)
        final, statuses, other = summarize(got)
        seen = ",".join(str(x) for x in statuses if x) or "none"
        show(got, drops, whole=True)
        ok, detail = self.judge(row, got, final, seen, drops, ctl)
        if ok and row["name"] == "dblreq":
            methods = {m.upper() for d in got for m in CSEQ_RE.findall(d)}
            ok = methods <= {b"REGISTER"}
            detail = (f"answered the trailing octets too (CSeq "
                      f"methods {sorted(x.decode() for x in methods)})")
        if not ok and final is None and \
                top_via_transport(data) in ("TCP", "TLS", "SCTP"):
            detail += (f"; top Via says {top_via_transport(data)} -"
                       f" over TCP: {self.rfc4475_tcp(data)}")
        if twin:
            detail += f" (shares branch/sent-by with {twin} within Timer J)"
        label = f"{name}: {seen}" if ok else name
        if not self.t.check(ok, label, detail):
            self.finding(f"{row['name']} ({row['section']} {row['title']}):"
                         f" {detail}")
        if self.sb and not self.sb.alive():
            self.t.check(False, f"server still running after {row['name']}",
                         self.sb.tail(60))
            return False
        return True

    @staticmethod
    def judge(row, got, final, seen, drops, ctl):
        """(ok, detail) of one torture message against its manifest row:
        expect is the one final status (with the reason phrase and the
        header line of the row's reason/header columns), "drop" (libre's
        parser refused it: no answer, sip.undecodable + 1) or "ignore" (a
        stray response: parsed, no answer, nothing counted)."""
        expect = row["expect"]
        if expect.isdigit():
            want = int(expect)
            finals = [d for d in got if (status_of(d) or 0) >= 200]
            if final != want:
                return False, f"expected {want}, got {seen}"
            if len(finals) != 1:
                return False, f"{len(finals)} final responses ({seen})"
            if drops:
                return False, f"answered, but counted undecodable (+{drops})"
            return response_has(finals[0], row.get("reason", "-"),
                                row.get("header", "-"))
        if expect not in ("drop", "ignore"):
            return False, f"manifest: unknown expect {expect!r}"
        if ctl != 200:
            return False, (f"control: an OPTIONS the same way got {ctl} - "
                           "the setup cannot show a missing answer")
        if got:
            return False, f"expected no answer ({expect}), got {seen}"
        want = int(row.get("drops", 1 if expect == "drop" else 0))
        if drops is not None and drops != want:
            return False, (f"expected sip.undecodable +{want} "
                           f"({'refused by libre' if want else 'parsed'}),"
                           f" got +{drops}")
        return True, ""

    def rfc4475_tcp(self, data):
        try:
            statuses, closed = tcp_exchange(self.port, data, WAIT)
        except OSError as e:
            return f"error {e}"
        return (",".join(map(str, statuses)) or "none") + \
            (" (closed)" if closed else "")

    # ---- random datagrams ----------------------------------------------
    def random_datagrams(self, count=200):
        rng = random.Random(SEED)
        corpus = []
        for row in read_manifest():
            with open(os.path.join(DATA, row["file"]), "rb") as f:
                corpus.append(f.read())
        tokens = [b"INVITE ", b"REGISTER ", b"OPTIONS ", b"BYE ", b"ACK ",
                  b"CANCEL ", b"SIP/2.0", b"SIP/2.0 200 OK", b"sip:", b"sips:",
                  b"tel:", b"@", b"127.0.0.1", b":", b";", b",", b"<", b">",
                  b"\"", b"\\", b"%", b"%00", b"\r\n", b"\r\n\r\n", b" ",
                  b"\t", b"\r\n ", b"Via: SIP/2.0/UDP ", b"branch=z9hG4bK",
                  b"Content-Length: ", b"l: ", b"CSeq: ", b"Call-ID: ",
                  b"From: ", b"To: ", b"tag=", b"Contact: ", b"Expires: ",
                  b"Max-Forwards: ", b"Authorization: Digest ",
                  b"Content-Type: application/sdp", b"v=0\r\n",
                  b"m=audio ", b"c=IN IP4 ", b"a=rtpmap:", b"4294967296",
                  b"-1", b"0", b"99999999999999999999", b"\x00", b"\xff"]
        kinds = [0, 0, 0]
        sent = []
        for i in range(count):
            kind = rng.randrange(3)
            kinds[kind] += 1
            if kind == 0:
                data = bytes(rng.randrange(256)
                             for _ in range(rng.randrange(1, 1400)))
            elif kind == 1:
                data = bytearray(rng.choice(corpus))
                for _ in range(rng.randrange(1, 12)):
                    op = rng.randrange(4)
                    pos = rng.randrange(len(data)) if data else 0
                    if op == 0 and data:
                        data[pos] = rng.randrange(256)
                    elif op == 1:
                        data[pos:pos] = rng.choice(tokens)
                    elif op == 2 and data:
                        del data[pos:pos + rng.randrange(1, 40)]
                    else:
                        data = data[:pos]
                data = bytes(data)
            else:
                data = b"".join(rng.choice(tokens)
                                for _ in range(rng.randrange(1, 80)))
            if data:
                sent.append(data[:65000])
        since = time.time()
        got, ctl, drops = self.exchange(sent, timeout=10, pace=0.002)
        # answers to requests without rport go to their Via's port
        # (the Catcher's 5060/5050)
        with self.catcher.lock:
            got += [d for t, d in self.catcher.items if t >= since]
        st = [status_of(d) for d in got]
        print(f"     {count} datagrams (raw {kinds[0]}, mutated {kinds[1]},"
              f" token soup {kinds[2]}), {len(got)} answers: "
              f"{sorted(set(x for x in st if x))}, sip.undecodable "
              f"+{drops}", flush=True)
        if VERBOSE:
            for d in got:
                print("     <- " + d.split(b"\r\n", 1)[0].decode(
                    "utf-8", "replace"), flush=True)
        self.t.check(ctl == 200, "control OPTIONS after the random "
                     "datagrams: 200", f"(got {ctl})")
        # what a garbage datagram may get: the server's own refusals,
        # each naming its reason (never a bare "Bad Request"), or the
        # answer of the method it still parsed as
        bad = [d.split(b"\r\n", 1)[0] for d in got
               if status_of(d) is None or not RANDOM_ANSWER.match(d)]
        self.t.check(not bad, "every answer to a random datagram is a "
                     "response with a named reason",
                     str(bad[:5]))
        # the raw-byte datagrams cannot be SIP: libre refuses each one
        # and counts it (a parser that took them would lower the count)
        if drops is not None:
            self.t.check(drops >= kinds[0],
                         f"sip.undecodable grew by at least the {kinds[0]} "
                         f"raw-byte datagrams", f"(+{drops})")
        return self.alive_check(f"{count} random datagrams (seed {SEED})")

    # ---- individual malformed messages -----------------------------------
    def invite(self, ruri_user, lport, body=b"", ctype="application/sdp",
               extra="", cl=None):
        tag, cid, br = rnd(), rnd(16), rnd(12)
        hdr = (f"INVITE sip:{ruri_user}@{HOST}:{self.port} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {HOST}:{lport};branch=z9hG4bK{br};rport\r\n"
               f"Max-Forwards: 70\r\n"
               f"From: \"Torture\" <sip:+4930555000@{HOST}:{lport}>;tag={tag}\r\n"
               f"To: <sip:{ruri_user}@{HOST}:{self.port}>\r\n"
               f"Call-ID: {cid}@{HOST}\r\n"
               f"CSeq: 1 INVITE\r\n"
               f"Contact: <sip:+4930555000@{HOST}:{lport}>\r\n"
               f"{extra}"
               f"Content-Type: {ctype}\r\n"
               f"Content-Length: {len(body) if cl is None else cl}\r\n\r\n")
        return hdr.encode() + body

    def exchange(self, data, timeout=3.0, pace=0.0):
        """Send data from a fresh socket, then a control OPTIONS (rport)
        from the same socket; returns (what came back before the
        control's answer, control status, sip.undecodable delta).  The
        server reads one socket's datagrams in order, so the control's
        answer marks the end of data's: no sleep."""
        s = udp_socket()
        try:
            before = self.undecodable()
            if data is not None:
                for d in (data if isinstance(data, list) else [data]):
                    s.sendto(d, (HOST, self.port))
                    if pace:
                        time.sleep(pace)  # a rate, not a wait
            cid, ctl = control_msg(self.port, s.getsockname()[1])
            s.sendto(ctl, (HOST, self.port))
            got = collect(s, timeout, until_final=False, end=lambda d:
                          call_id(d) == cid and (status_of(d) or 0) >= 200)
            ctl_st = next((status_of(d) for d in got if call_id(d) == cid and
                           (status_of(d) or 0) >= 200), None)
            got = [d for d in got if call_id(d) != cid]
            after = self.undecodable()
        finally:
            s.close()
        return got, ctl_st, (None if before is None else after - before)

    def single(self, label, data, want, reason="-", header="-", drops=None):
        """Send one datagram and check its answer: want is the one final
        status (reason phrase and header line as in response_has()), or
        "drop": no answer while the control OPTIONS from the same socket
        is answered, and sip.undecodable grew by exactly one (drops
        overrides the count)."""
        got, ctl, ndrop = self.exchange(data)
        final, statuses, _ = summarize(got)
        seen = ",".join(str(x) for x in statuses if x) or "none"
        show(got, ndrop)
        row = {"expect": str(want), "reason": reason, "header": header}
        if want == "drop" and drops is not None:
            row["drops"] = drops
        ok, detail = self.judge(row, got, final, seen, ndrop, ctl)
        if ok and ctl != 200:
            ok, detail = False, f"the control OPTIONS got {ctl}"
        label = f"{label}: {seen}" + (f", undecodable +{ndrop}"
                                      if want == "drop" else "")
        if not self.t.check(ok, label, detail):
            self.finding(f"{label}: {detail}")
        return got

    def malformed(self):
        lp = 40000  # only appears inside the messages
        inv = self.invite("+4922182829990", lp,
                          b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
                          b"c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                          b"m=audio 4000 RTP/AVP 8\r\n")
        cut = inv.index(b"CSeq:")
        self.single("truncated INVITE (cut inside the header)", inv[:cut + 3],
                    "drop")
        self.single("truncated INVITE (body shorter than Content-Length)",
                    inv[:-10], 400, "Bad Content-Length")
        self.single("INVITE cut after the request line",
                    inv[:inv.index(b"\r\n") + 2], "drop")

        big = "X" * 20000
        opt = options_msg(self.port, lp).replace(
            b"Accept:", f"Subject: {big}\r\nAccept:".encode())
        # libre reads at most 8 KiB of a datagram: a longer one is cut and
        # refused by its parser (counted); over TCP it is whole (200)
        self.single("OPTIONS with a 20 KB header line (UDP)", opt, "drop")
        st, closed = tcp_exchange(self.port, opt.replace(b"/UDP", b"/TCP"), 2.0)
        self.t.check(st == [200] and not closed,
                     "OPTIONS with a 20 KB header line (TCP): 200",
                     f"(got {st or 'none'}{', closed' if closed else ''})")
        huge_name = options_msg(self.port, lp).replace(
            b"Accept:", ("X-" + "N" * 20000 + ": v\r\nAccept:").encode())
        self.single("OPTIONS with a 20 KB header name (UDP)", huge_name,
                    "drop")
        many = options_msg(self.port, lp).replace(
            b"Accept:", b"".join(b"Via: SIP/2.0/UDP 10.0.0.%d;branch=z9hG4bK%d\r\n"
                                 % (i % 250, i) for i in range(600)) + b"Accept:")
        self.single("OPTIONS with 600 Via headers (UDP, 25 KB)", many,
                    "drop")
        st, closed = tcp_exchange(self.port, many.replace(b"/UDP", b"/TCP"),
                                  3.0)
        self.t.check(st == [200] and not closed,
                     "OPTIONS with 600 Via headers (TCP): 200",
                     f"(got {st or 'none'}{', closed' if closed else ''})")

        # methods (RFC 3261 8.2.1): one we know but do not take out of a
        # dialog 405, one we do not know 501, both with Allow
        allow = "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REFER, REGISTER"
        for method, want, reason in (
                ("SUBSCRIBE", 405, "Method Not Allowed"),
                ("PUBLISH", 405, "Method Not Allowed"),
                ("FOOBAR", 501, "Not Implemented")):
            msg = options_msg(self.port, lp).replace(
                b"OPTIONS", method.encode())
            self.single(f"{method} out of a dialog", msg, want, reason,
                        allow)
        # an extension we do not support (RFC 3261 8.2.2.3): 420 listing
        # exactly the option tags of Require
        inv = self.invite(DEMO["announcement"], lp, b"v=0\r\n",
                          extra="Require: 100rel, foo\r\n")
        self.single("INVITE with Require: 100rel, foo", inv, 420,
                    "Bad Extension", "Unsupported: 100rel, foo")
        # a version other than SIP/2.0 (RFC 3261 21.5.7): 505
        # - but libre 1.1.0's parser refuses any other version before we
        # see it (as RFC 4475 badvers): a counted drop, a known gap
        self.single("OPTIONS with SIP/3.0", options_msg(self.port, lp)
                    .replace(b" SIP/2.0\r\n", b" SIP/3.0\r\n", 1), "drop")

        # empty datagrams and keep-alives (RFC 5626 3.5.1: CRLF over UDP
        # is no SIP message): no answer, and only the NUL and the 1000
        # blanks reach the parser (2 counted)
        self.single("empty datagrams, CRLF keep-alives, NUL, blanks",
                    [b"", b"", b"", b"\r\n", b"\r\n\r\n", b"\x00",
                     b"\r\n\r\n" * 100, b" " * 1000], "drop", drops=2)
        return self.alive_check("truncated/oversized messages and empty "
                                "datagrams")

    # ---- Accept of an INVITE (RFC 3261 20.1, 21.4.7) ---------------------
    def accept(self):
        """An INVITE whose Accept leaves out application/sdp gets 406,
        before authentication is asked for; one that takes SDP (or has no
        Accept) goes on to the 407 challenge of an unknown address."""
        sdp = (b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
               b"c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")
        cases = [(None, 407), ("application/sdp", 407),
                 ("application/*", 407), ("*/*", 407),
                 ("text/plain, application/sdp;q=0.5", 407),
                 ("Application/SDP", 407),
                 ("text/plain", 406), ("text/html, image/*", 406),
                 ("application/sdp;q=0", 406),
                 ("application/sdp;q=0.0, text/plain", 406)]
        for acc, want in cases:
            extra = f"Accept: {acc}\r\n" if acc is not None else ""
            inv = self.invite(DEMO["announcement"], 40000, sdp, extra=extra)
            # the Via's rport sends the answer back to the socket
            self.single(f"INVITE with {'no Accept' if acc is None else 'Accept: ' + acc}"
                        f" -> {want}", inv, want,
                        {406: "Not Acceptable",
                         407: "Proxy Authentication Required"}[want],
                        "-" if want == 406 else
                        "Proxy-Authenticate: Digest realm=*")
        return self.alive_check("INVITEs with Accept")

    # ---- broken SDP from the trunk ----------------------------------------
    def broken_sdp(self):
        s = None
        deadline = time.time() + 20   # another suite may hold it briefly
        while s is None:
            try:
                s = udp_socket(self.trunk_port)
            except OSError as e:
                if time.time() > deadline:
                    self.t.check(False, f"bind the trunk port 127.0.0.1:{self.trunk_port}",
                                 f"({e}; another test running?)")
                    return self.alive_check("(broken SDP skipped)")
                time.sleep(0.5)
        ann = DEMO["announcement"]
        lp = self.trunk_port
        cases = [
            ("not SDP at all", 400, b"this is not an SDP body\r\n"),
            ("no m= line", 488, b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
                           b"c=IN IP4 127.0.0.1\r\nt=0 0\r\n"),
            ("m= port not a number", 488,
             b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
             b"t=0 0\r\nm=audio notaport RTP/AVP 8\r\n"),
            ("m= without formats, bad c= address", 488,
             b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 999.1\r\n"
             b"t=0 0\r\nm=audio 4000 RTP/AVP\r\n"),
            ("only unsupported codecs", 488,
             b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
             b"t=0 0\r\nm=audio 4000 RTP/AVP 96 97\r\na=rtpmap:96 opus/48000/2\r\n"
             b"a=rtpmap:97 speex/16000\r\n"),
            ("binary garbage", 400, bytes(range(256)) * 2),
            ("no c= line anywhere", 400,
             b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
             b"m=audio 4000 RTP/AVP 8\r\n"),
        ]
        reasons = {400: "Bad SDP", 488: "Not Acceptable Here"}
        try:
            for label, want, body in cases:
                inv = self.invite(ann, lp, body)
                s.sendto(inv, (HOST, self.port))
                got = collect(s, 3.0)
                final, statuses, _ = summarize(got)
                seen = ",".join(str(x) for x in statuses if x) or "none"
                ok, detail = final == want, f"expected {want}, got {seen}"
                if ok:
                    resp = next(d for d in got if status_of(d) == final)
                    ok, detail = response_has(resp, reasons[want])
                if not self.t.check(
                        ok, f"trunk INVITE to {ann} with broken SDP "
                        f"({label}): {seen}" if ok else
                        f"trunk INVITE to {ann} with broken SDP ({label})",
                        detail):
                    self.finding(f"broken SDP ({label}) from the trunk: "
                                 f"{detail}")
                if final is not None:
                    resp = next(d for d in got if status_of(d) == final)
                    self.end_invite(s, inv, resp, final)
        finally:
            s.close()
        return self.alive_check("INVITEs with broken SDP")

    def end_invite(self, s, inv, resp, final):
        """ACK the final response (and BYE after a 2xx)."""
        def hdr(msg, name):
            m = re.search(rb"^" + name + rb"[ \t]*:[ \t]*(.*?)\r\n", msg,
                          re.I | re.M)
            return m.group(1) if m else b""
        to = hdr(resp, b"To")
        frm = hdr(inv, b"From")
        cid = hdr(inv, b"Call-ID")
        ruri = inv.split(b" ", 2)[1]
        via = hdr(inv, b"Via")
        if final >= 300:
            ack = (b"ACK " + ruri + b" SIP/2.0\r\nVia: " + via +
                   b"\r\nMax-Forwards: 70\r\nFrom: " + frm + b"\r\nTo: " + to +
                   b"\r\nCall-ID: " + cid + b"\r\nCSeq: 1 ACK\r\n"
                   b"Content-Length: 0\r\n\r\n")
            s.sendto(ack, (HOST, self.port))
            return
        contact = re.search(rb"<([^>]+)>", hdr(resp, b"Contact"))
        target = contact.group(1) if contact else ruri
        for method, cseq in ((b"ACK", b"1"), (b"BYE", b"2")):
            via2 = via.replace(b"branch=z9hG4bK", b"branch=z9hG4bK" +
                               method.lower())
            m = (method + b" " + target + b" SIP/2.0\r\nVia: " + via2 +
                 b"\r\nMax-Forwards: 70\r\nFrom: " + frm + b"\r\nTo: " + to +
                 b"\r\nCall-ID: " + cid + b"\r\nCSeq: " + cseq + b" " +
                 method + b"\r\nContent-Length: 0\r\n\r\n")
            s.sendto(m, (HOST, self.port))
        collect(s, 1.0)

    # ---- TCP ------------------------------------------------------------------
    def tcp_case(self, label, bad, want, reason="-", timeout=3.0):
        """One TCP connection: a valid OPTIONS first, answered 200 (the
        control: the connection works and is read), then bad.  Then waits
        for the server's answer and/or its close; want is the list of
        statuses answered to bad followed by "closed" when the server must
        close the connection (it must, within timeout: an event, not a
        sleep), or "open" when it must keep it without answering more
        (waited for timeout [s])."""
        c = socket.create_connection((HOST, self.port), 2)
        buf, closed = b"", False
        try:
            lport = c.getsockname()[1]
            c.sendall(options_msg(self.port, lport, "TCP"))
            buf, closed = tcp_read(c, 2.0, 1)
            first = [int(x) for x in re.findall(rb"^SIP/2\.0 (\d{3}) ", buf,
                                                re.M)]
            if first != [200] or closed:
                self.t.check(False, f"{label}: control OPTIONS on the "
                             "connection", f"(got {first}, closed {closed})")
                return
            try:
                c.sendall(bad)
            except OSError:      # reset, or the server stopped reading
                pass
            # "open": nothing more may come (the control above showed that
            # an answer would), so this one waits the whole timeout
            buf, closed = tcp_read(c, timeout, 0, until_close=True)
        finally:
            c.close()
        heads = [h for h in re.findall(rb"^SIP/2\.0 \d{3} [^\r]*", buf, re.M)]
        got = [int(h[8:11]) for h in heads] + ["closed" if closed else "open"]
        ok = got == want
        if ok and reason != "-":
            ok = heads[0].decode() == f"SIP/2.0 {want[0]} {reason}"
        if not self.t.check(ok, f"{label}: {got}",
                            f"(expected {want} {reason}, got "
                            f"{[h.decode() for h in heads]} "
                            f"{'closed' if closed else 'open'})"):
            self.finding(f"{label}: got {got}, expected {want}")

    def tcp(self):
        rng = random.Random(SEED + 1)
        try:
            # no end of a header block yet: libre waits for one (up to
            # its limit, see the 256 KB case), answering nothing
            self.tcp_case("TCP garbage (8 KB random bytes) after a valid "
                          "OPTIONS", bytes(rng.randrange(256)
                                           for _ in range(8192)),
                          ["open"])
            self.tcp_case("TCP request lines without headers",
                          b"".join(b"INVITE sip:x SIP/2.0\r\n"
                                   for _ in range(200)), ["open"])
            # a body that does not come: waited for; -1: refused, 400
            for cl, want in ((b"2147483647", ["open"]),
                             (b"99999999999999999999", ["open"]),
                             (b"-1", [400, "open"])):
                msg = options_msg(self.port, 40000, "TCP").replace(
                    b"Content-Length: 0", b"Content-Length: " + cl) + b"abc"
                self.tcp_case(f"TCP OPTIONS with Content-Length "
                              f"{cl.decode()}", msg, want,
                              "Bad Content-Length" if 400 in want else "-")
            # 256 KB without an end of header: the server must give up on
            # the connection instead of buffering without limit
            self.tcp_case("TCP: 256 KB header without end",
                          b"OPTIONS sip:x SIP/2.0\r\nX: " + b"A" * 262144,
                          ["closed"])
        except OSError as e:
            self.t.check(False, "TCP connect", str(e))
        self.alive_check("TCP garbage")

        # half messages that stall, kept open while we check the server
        stalled = []
        inv = self.invite("+4922182829990", 40000, b"v=0\r\n" * 30)
        inv = inv.replace(b"/UDP", b"/TCP")
        try:
            for i in range(20):
                c = socket.create_connection((HOST, self.port), 2)
                cut = [len(inv) // 2, inv.index(b"\r\n\r\n") + 4,
                       inv.index(b"Call-ID")][i % 3]
                c.sendall(inv[:cut])
                stalled.append(c)
        except OSError as e:
            self.t.check(False, "open 20 stalled TCP connections", str(e))
        self.alive_check(f"{len(stalled)} TCP connections with half a "
                         f"message (still open)")
        st = options_tcp(self.port)
        self.t.check(st == 200, f"new TCP connection still served while "
                     f"{len(stalled)} stall: {st}", f"(OPTIONS over TCP: {st})")
        # a slow sender: one byte every 20 ms for a full OPTIONS
        msg = options_msg(self.port, 40000, "TCP")
        try:
            st, closed = tcp_exchange(self.port, None, 2.0, chunks=[
                (msg[i:i + 1], 0.005) for i in range(len(msg))])
            ok = st == [200]
            self.t.check(ok, f"OPTIONS over TCP byte by byte: {st}",
                         f"(got {st}{', closed' if closed else ''})")
        except OSError as e:
            self.t.check(False, "OPTIONS over TCP byte by byte", str(e))
        for c in stalled:
            c.close()
        return self.alive_check("closing the stalled connections")


def main():
    t = Suite("sip_torture")
    target = None
    if "--target" in sys.argv:
        host, _, port = sys.argv[sys.argv.index("--target") + 1].rpartition(":")
        target = int(port)
    sb = None
    tt = None
    try:
        if target is None:
            sb = Switchboard()
            sb.start()
            port = sb.sip_port
        else:
            port = target
        tt = Torture(t, port, sb)
        t.check(options_udp(port) == 200, "server answers OPTIONS at start")
        steps = (tt.rfc4475, tt.random_datagrams, tt.malformed,
                 tt.accept, tt.broken_sdp, tt.tcp)
        if "--only" in sys.argv:
            only = sys.argv[sys.argv.index("--only") + 1].split(",")
            steps = [f for f in steps if f.__name__ in only]
        for step in steps:
            t.run(step)
            if sb and not sb.alive():
                t.check(False, "server process alive", sb.tail(80))
                break
        if sb:
            t.check(sb.alive(), "server process alive at the end")
            rc = sb.stop()
            t.check(rc == 0, f"exit code 0 on SIGTERM (got {rc})",
                    sb.tail(60) if rc else "")
            log = sb.logtext()
            bad = [line for line in log.splitlines()
                   if "ERROR: AddressSanitizer" in line
                   or "runtime error" in line
                   or "ERROR: LeakSanitizer" in line]
            t.check(not bad, "log has no sanitizer report",
                    "\n".join(bad[:10]))
        if tt.findings:
            print("-- mishandled:", flush=True)
            for f in tt.findings:
                print("   " + f, flush=True)
    finally:
        if tt is not None:
            tt.catcher.close()
        if sb:
            sb.cleanup()
    t.finish()


if __name__ == "__main__":
    main()
