#!/usr/bin/python3
"""Malformed-input suite: RFC 4475 torture messages and garbage against the
SIP side of Switchboard.

Starts the sanitizer build (test/lib/sb.py), then per group:
  * every RFC 4475 message of test/data/rfc4475/manifest.tsv over UDP, sent
    unchanged from a fresh socket; the expectation comes from the manifest
    class (valid: exactly the status of its expect column - 416, 415, 420,
    406, 401 ... as the RFC and our configuration call for, never 400;
    invalid: 400 / the RFC's status, or nothing; any: anything; response:
    nothing; libre-drop: nothing, counted in sip.undecodable),
  * 200 seeded random datagrams (raw bytes, mutated torture messages,
    SIP-token soup),
  * a truncated INVITE, a 20 KB header line (UDP and TCP), empty datagrams
    and CRLF keep-alives,
  * INVITEs with Accept headers: without application/sdp exactly 406,
    with it (or application/*, */*, none) the 407 of an unknown address,
  * INVITEs with broken SDP from the demo trunk (127.0.0.1:5090) to the
    announcement number: 400 or 488,
  * TCP: garbage, absurd Content-Length, half messages that stall
    (connections kept open), a byte-by-byte sender,
and after each group checks that OPTIONS is still answered 200 within 2 s.
At the end: the process is alive, exits 0 on SIGTERM (ASan/LSan clean) and
its log has no sanitizer report.

    /usr/bin/python3 test/suites/sip_torture.py            # own Switchboard
    /usr/bin/python3 test/suites/sip_torture.py --target 127.0.0.1:5060
        (any SIP server already running; process checks skipped)
    -v prints every response line.
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


def collect(sock, timeout, until_final=True):
    """Datagrams received on sock until a final response (if until_final)
    or until timeout.  Returns a list of bytes."""
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
    buf = b""
    closed = False
    try:
        if chunks:
            for part, pause in chunks:
                c.sendall(part)
                time.sleep(pause)
        else:
            c.sendall(data)
        deadline = time.time() + timeout
        while time.time() < deadline:
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
            if until_final and re.search(rb"^SIP/2\.0 [2-6]\d\d ", buf, re.M) \
                    and b"\r\n\r\n" in buf:
                break
    finally:
        c.close()
    statuses = [int(x) for x in re.findall(rb"^SIP/2\.0 (\d{3}) ", buf, re.M)]
    return statuses, closed


def options_tcp(port, timeout=2.0):
    c = socket.create_connection((HOST, port), 2)
    try:
        lport = c.getsockname()[1]
        c.sendall(options_msg(port, lport, "TCP"))
        buf = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            c.settimeout(max(0.01, deadline - time.time()))
            try:
                d = c.recv(65535)
            except socket.timeout:
                break
            if not d:
                break
            buf += d
            m = re.search(rb"^SIP/2\.0 (\d{3}) ", buf, re.M)
            if m:
                return int(m.group(1))
        return None
    finally:
        c.close()


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
    method = head.split(b" ", 1)[0].upper()
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
        dropped (0 against an external server)."""
        if self.sb is None:
            return 0
        st, body = self.sb.api("GET", "/api/v1/stats")
        return body["sip"]["undecodable"] if st == 200 else -1

    def rfc4475_one(self, row, data):
        cls = row["class"]
        name = f"rfc4475 {row['name']} ({row['section']}, {cls})"
        keys = call_ids(data)
        if not keys:     # insuf has no Call-ID: match the branch
            keys = {None}
        # Several messages share branch and sent-by (z9hG4bKkdjuw ...):
        # within Timer J (32 s) the server rightly takes a later one for
        # a retransmission of the earlier transaction and repeats that
        # answer.  Accept that answer too, and say so.
        key = txn_key(data)
        twin = None
        for prev_key, prev_t, prev_name, prev_keys in self.sent:
            if key and key == prev_key and \
                    time.time() - prev_t < self.TIMER_J + 1:
                twin = prev_name
                keys = keys | prev_keys
        self.sent.append((key, time.time(), row["name"], call_ids(data)))
        s = udp_socket()
        self.catcher.add(s)
        since = time.time()
        drops_before = self.undecodable()
        try:
            s.sendto(data, (HOST, self.port))
            got = self.catcher.wait(keys, since, WAIT)
            if keys == {None}:
                br = re.search(rb"branch=([^;\s]+)", data).group(1)
                got = [d for d in got if br in d]
        finally:
            self.catcher.remove(s)
            s.close()
        final, statuses, other = summarize(got)
        seen = ",".join(str(x) for x in statuses if x) or "none"
        if VERBOSE:
            for d in got:
                print("     <- " + d.split(b"\r\n", 1)[0].decode(
                    "utf-8", "replace"), flush=True)
        rfc = {int(x) for x in row["rfc"].split(",") if x.isdigit()}
        if cls == "valid":
            # the exact answer the RFC and our configuration call for;
            # a 400 (or any other status) to a valid message is a bug
            want = int(row["expect"])
            ok = final == want
            detail = f"expected {want}, got {seen}"
            if ok and row["name"] == "dblreq":
                methods = {m.upper() for d in got
                           for m in CSEQ_RE.findall(d)}
                ok = methods <= {b"REGISTER"}
                detail = (f"answered the trailing octets too (CSeq "
                          f"methods {sorted(x.decode() for x in methods)})")
        elif cls == "invalid":
            ok = final in ({400} | rfc) or (final is None and not statuses)
            detail = (f"expected 400{'/' + '/'.join(map(str, sorted(rfc - {400}))) if rfc - {400} else ''}"
                      f" or no response, got {seen}")
        elif cls == "any":
            ok = final is not None or not statuses
            detail = f"only a provisional response ({seen})"
        elif cls == "response":
            ok = not got
            detail = f"a stray response was answered ({seen})"
        elif cls == "libre-drop":
            # valid per RFC, but libre 1.1.0's parser refuses it (see
            # manifest.tsv): it must be dropped and logged, never half-done
            # it must be that message that libre dropped: the server's
            # count of undecodable messages (sip.undecodable in
            # /api/v1/stats) went up by exactly one
            drops = (None if self.sb is None
                     else self.undecodable() - drops_before)
            counted = drops is None or drops == 1
            ok = not got and counted
            detail = (f"expected a counted drop by libre's parser, got {seen}"
                      f"{'' if counted else f' ({drops} drops counted)'}")
        else:
            ok, detail = False, f"unknown class {cls}"
        if cls == "valid" and final is None and \
                top_via_transport(data) in ("TCP", "TLS", "SCTP"):
            detail += (f"; top Via says {top_via_transport(data)} -"
                       f" over TCP: {self.rfc4475_tcp(data)}")
        if twin and got and not any(call_id(d) in call_ids(data)
                                    for d in got):
            seen += f" (= answer to {twin}: same branch/sent-by)"
        label = f"{name}: {seen}" if ok else name
        if not self.t.check(ok, label, detail):
            self.finding(f"{row['name']} ({row['section']} {row['title']}):"
                         f" {detail}")
        if self.sb and not self.sb.alive():
            self.t.check(False, f"server still running after {row['name']}",
                         self.sb.tail(60))
            return False
        return True

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
        s = udp_socket()
        kinds = [0, 0, 0]
        try:
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
                    s.sendto(data[:65000], (HOST, self.port))
                time.sleep(0.002)
            got = collect(s, 1.5, until_final=False)
        finally:
            s.close()
        st = [status_of(d) for d in got]
        print(f"     {count} datagrams (raw {kinds[0]}, mutated {kinds[1]},"
              f" token soup {kinds[2]}), {len(got)} answers: "
              f"{sorted(set(x for x in st if x))}", flush=True)
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

    def single(self, label, data, accept, wait=WAIT, sock=None):
        """Send one datagram; accept(final, statuses) -> bool."""
        s = sock or udp_socket()
        try:
            s.sendto(data, (HOST, self.port))
            got = collect(s, wait)
        finally:
            if sock is None:
                s.close()
        final, statuses, _ = summarize(got)
        seen = ",".join(str(x) for x in statuses if x) or "none"
        ok = accept(final, statuses)
        if not self.t.check(ok, f"{label}: {seen}" if ok else label,
                            f"(got {seen})"):
            self.finding(f"{label}: got {seen}")
        return got

    def malformed(self):
        lp = 40000  # only appears inside the messages
        inv = self.invite("+4922182829990", lp,
                          b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
                          b"c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                          b"m=audio 4000 RTP/AVP 8\r\n")
        cut = inv.index(b"CSeq:")
        bad_or_none = (lambda final, st: final in (400, None) and
                       (final is not None or not st))
        self.single("truncated INVITE (cut inside the header)", inv[:cut + 3],
                    bad_or_none)
        self.single("truncated INVITE (body shorter than Content-Length)",
                    inv[:-10], bad_or_none)
        self.single("INVITE cut after the request line",
                    inv[:inv.index(b"\r\n") + 2], bad_or_none)

        big = "X" * 20000
        opt = options_msg(self.port, lp).replace(
            b"Accept:", f"Subject: {big}\r\nAccept:".encode())
        anything = (lambda final, st: final is not None or not st)
        self.single("OPTIONS with a 20 KB header line (UDP)", opt, anything)
        st, closed = tcp_exchange(self.port, opt.replace(b"/UDP", b"/TCP"), 2.0)
        ok = True  # any answer or a close is fine; survival is checked below
        self.t.check(ok, f"OPTIONS with a 20 KB header line (TCP): "
                     f"{st or 'none'}{' closed' if closed else ''}")
        huge_name = options_msg(self.port, lp).replace(
            b"Accept:", ("X-" + "N" * 20000 + ": v\r\nAccept:").encode())
        self.single("OPTIONS with a 20 KB header name (UDP)", huge_name,
                    anything)
        many = options_msg(self.port, lp).replace(
            b"Accept:", b"".join(b"Via: SIP/2.0/UDP 10.0.0.%d;branch=z9hG4bK%d\r\n"
                                 % (i % 250, i) for i in range(600)) + b"Accept:")
        self.single("OPTIONS with 600 Via headers (UDP)", many, anything)

        s = udp_socket()
        try:
            for d in (b"", b"", b"", b"\r\n", b"\r\n\r\n", b"\x00",
                      b"\r\n\r\n" * 100, b" " * 1000):
                s.sendto(d, (HOST, self.port))
            collect(s, 0.5, until_final=False)
        finally:
            s.close()
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
                        f" -> {want}", inv,
                        lambda final, st, w=want: final == w)
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
            ("not SDP at all", b"this is not an SDP body\r\n"),
            ("no m= line", b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
                           b"c=IN IP4 127.0.0.1\r\nt=0 0\r\n"),
            ("m= port not a number",
             b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
             b"t=0 0\r\nm=audio notaport RTP/AVP 8\r\n"),
            ("m= without formats, bad c= address",
             b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 999.1\r\n"
             b"t=0 0\r\nm=audio 4000 RTP/AVP\r\n"),
            ("only unsupported codecs",
             b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
             b"t=0 0\r\nm=audio 4000 RTP/AVP 96 97\r\na=rtpmap:96 opus/48000/2\r\n"
             b"a=rtpmap:97 speex/16000\r\n"),
            ("binary garbage", bytes(range(256)) * 2),
            ("no c= line anywhere",
             b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
             b"m=audio 4000 RTP/AVP 8\r\n"),
        ]
        try:
            for label, body in cases:
                inv = self.invite(ann, lp, body)
                s.sendto(inv, (HOST, self.port))
                got = collect(s, 3.0)
                final, statuses, _ = summarize(got)
                seen = ",".join(str(x) for x in statuses if x) or "none"
                ok = final in (400, 488)
                if not self.t.check(
                        ok, f"trunk INVITE to {ann} with broken SDP "
                        f"({label}): {seen}" if ok else
                        f"trunk INVITE to {ann} with broken SDP ({label})",
                        f"expected 400 or 488, got {seen}"):
                    self.finding(f"broken SDP ({label}) from the trunk: "
                                 f"expected 400/488, got {seen}")
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
    def tcp(self):
        rng = random.Random(SEED + 1)
        try:
            st, closed = tcp_exchange(
                self.port, bytes(rng.randrange(256) for _ in range(8192)), 2.0,
                until_final=False)
            self.t.check(True, f"TCP garbage (8 KB random bytes): answers "
                         f"{st or 'none'}, {'closed' if closed else 'left open'}")
            st, closed = tcp_exchange(
                self.port, b"".join(b"INVITE sip:x SIP/2.0\r\n"
                                    for _ in range(200)), 2.0,
                until_final=False)
            self.t.check(True, f"TCP request lines without headers: "
                         f"{st or 'none'}, {'closed' if closed else 'left open'}")
            for cl in (b"2147483647", b"99999999999999999999", b"-1"):
                msg = options_msg(self.port, 40000, "TCP").replace(
                    b"Content-Length: 0", b"Content-Length: " + cl) + b"abc"
                st, closed = tcp_exchange(self.port, msg, 1.5)
                ok = all(x == 400 for x in st)
                if not self.t.check(ok, f"TCP OPTIONS with Content-Length "
                                    f"{cl.decode()}: {st or 'none'}"
                                    f"{' closed' if closed else ''}",
                                    "(expected 400, a close or nothing)"):
                    self.finding(f"TCP Content-Length {cl.decode()}: got {st}")
        except OSError as e:
            self.t.check(False, "TCP connect", str(e))
        # 256 KB without an end of header: the server must give up on the
        # connection instead of buffering without limit
        closed = False
        try:
            c = socket.create_connection((HOST, self.port), 2)
            c.settimeout(3)
            try:
                for _ in range(64):
                    c.sendall(b"OPTIONS sip:x SIP/2.0\r\nX: " + b"A" * 4000)
                time.sleep(0.5)
                closed = c.recv(100) == b""
            except (ConnectionError, socket.timeout) as e:
                closed = isinstance(e, ConnectionError)
            finally:
                c.close()
        except OSError as e:
            self.t.check(False, "TCP connect", str(e))
        if not self.t.check(closed, "TCP: 256 KB header without end: "
                            "connection closed by the server"):
            self.finding("TCP: 256 KB without an end of header is buffered "
                         "(connection not closed)")
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
        time.sleep(0.3)
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
        for step in (tt.rfc4475, tt.random_datagrams, tt.malformed,
                     tt.accept, tt.broken_sdp, tt.tcp):
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
