#!/usr/bin/env python3
"""claims.py - the behaviours README.md and docs/api.md promise about calls,
media and the running server, each with an exact assertion.

  * default addresses (in a network namespace of its own): SIP UDP+TCP and
    HTTP on 127.0.0.1, TLS on 5061 only when <data-dir>/tls.pem exists
  * what `make run` prints (scripts/run.sh, in that namespace), and that
    the printed token, phones and curl command are true
  * AES_256_CM_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32 on the wire: the
    crypto line of our answer and the length of the auth tag (10 / 4 bytes)
    of every SRTP packet we send; a plain offer as control
  * device srtp off / optional: what we offer the phone and what the call
    gets
  * --ring-timeout: the caller's status and when it comes
  * the central number rings Max's devices, not Erika's
  * keep-alive: default interval 25 s, only NATed UDP phones are pinged
  * every field of /api/v1/stats after a known sequence of events

The options themselves (--realm, --node-id, --db, --prompts, --media-ip,
--reg-*-expires, the SWITCHBOARD_* variables, --help) are in config.py,
which uses the raw SIP phone below.

The phones here are a small SIP user agent over UDP, TCP or TLS written
for this suite (Phone): it lets a check read the exact header, SDP line
or packet length the claim is about.  The servers are sb.Switchboard with
the command line exactly as a check gives it (Server).  Audio is judged
by its content (audio.py: the share of the energy at the expected
frequency, G.711 from the standard).
"""
import hashlib
import json
import math
import os
import random
import re
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from sb import (BIN, DEMO, PROMPTS, ROOT, RTP_MAX, RTP_MIN, Suite,  # noqa: E402
                Switchboard)
from peers import (WaitTimeout, free_port, make_tone_wav,  # noqa: E402
                   wait_for)
from audio import g711_decode, g711_encode, tone_share  # noqa: E402

LOCAL = "127.0.0.1"
TLSCERT = os.path.join(ROOT, "scripts", "tlscert.sh")


# --------------------------------------------------------------------------
# SIP messages
# --------------------------------------------------------------------------
class Msg:
    def __init__(self, raw, src=None):
        self.raw = raw
        self.src = src
        self.t = time.time()
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("utf-8", "replace").split("\r\n")
        self.first = lines[0]
        self.headers = []
        for ln in lines[1:]:
            if ln[:1] in (" ", "\t") and self.headers:
                n, v = self.headers[-1]
                self.headers[-1] = (n, v + " " + ln.strip())
            elif ":" in ln:
                n, _, v = ln.partition(":")
                self.headers.append((n.strip().lower(), v.strip()))
        self.body = body.decode("utf-8", "replace")
        self.is_response = self.first.startswith("SIP/2.0 ")
        self.status = int(self.first.split()[1]) if self.is_response else None
        self.method = None if self.is_response else self.first.split()[0]
        cseq = self.get("cseq").split()
        self.cseq_method = cseq[1] if len(cseq) > 1 else ""

    COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id",
               "m": "contact", "l": "content-length", "c": "content-type"}

    def all(self, name):
        name = name.lower()
        return [v for n, v in self.headers
                if n == name or self.COMPACT.get(n) == name]

    def get(self, name, default=""):
        a = self.all(name)
        return a[0] if a else default

    def __repr__(self):
        return self.first


def sdp_attr(body, prefix):
    return [ln for ln in body.splitlines() if ln.startswith(prefix)]


def sdp_conn(body):
    """(c= address, m=audio port, m=audio proto)"""
    c = sdp_attr(body, "c=IN IP4 ")
    m = sdp_attr(body, "m=audio ")
    ip = c[0].split()[-1] if c else None
    port = int(m[0].split()[1]) if m else None
    proto = m[0].split()[2] if m else None
    return ip, port, proto


def make_sdp(port, crypto=(), proto="RTP/AVP", ip=LOCAL):
    lines = ["v=0", f"o=claims 1 1 IN IP4 {ip}", "s=-", f"c=IN IP4 {ip}",
             "t=0 0", f"m=audio {port} {proto} 0 101",
             "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000",
             "a=fmtp:101 0-15", "a=ptime:20"]
    lines += [f"a=crypto:{c}" for c in crypto]
    lines.append("a=sendrecv")
    return "\r\n".join(lines) + "\r\n"


def rtp_packet(seq, ts, ssrc, payload, pt=0, marker=False):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt,
                       seq & 0xffff, ts & 0xffffffff, ssrc) + payload


def tag():
    return "%08x" % random.getrandbits(32)


class Phone:
    """A SIP user agent on 127.0.0.1 for one user: REGISTER with digest,
    INVITE/ACK/BYE as caller, and as callee the answers a test sends
    (reply()).  Its reader thread keeps every message it receives
    (self.msgs, with arrival time) and answers OPTIONS (pings) with 200,
    BYE and CANCEL by itself.  transport: udp, tcp or tls."""

    def __init__(self, server, user=None, password=None, transport="udp",
                 port=None, contact=None, answer_options=True):
        self.server = server
        self.user = user
        self.password = password
        self.transport = transport
        self.answer_options = answer_options
        self.msgs = []
        self.cond = threading.Condition()
        self.closed = False
        self.port = port or free_port()
        self.bound = None  # (Contact, ...) of our registration
        if transport == "udp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind((LOCAL, self.port))
            self.sock.settimeout(0.2)  # so that close() ends the reader
        else:
            raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            raw.bind((LOCAL, self.port))
            raw.settimeout(5)
            raw.connect(server)
            if transport == "tls":
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                raw = ctx.wrap_socket(raw)
            raw.settimeout(0.2)
            self.sock = raw
        self.contact = contact or f"{LOCAL}:{self.port}"
        self.tp = transport.upper()
        self.uparam = "" if transport == "udp" else f";transport={transport}"
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()

    # ---- wire ---------------------------------------------------------
    def send(self, text):
        data = text.encode() if isinstance(text, str) else text
        with self.lock:
            if self.transport == "udp":
                self.sock.sendto(data, self.server)
            else:
                self.sock.sendall(data)

    def _reader(self):
        buf = b""
        while not self.closed:
            try:
                if self.transport == "udp":
                    try:
                        data, src = self.sock.recvfrom(65535)
                    except socket.timeout:
                        continue
                    msgs = [(data, src)]
                else:
                    # an SSL object must not read and write at once
                    # (OpenSSL): recv under the send lock, only when data
                    # is there
                    if not (select.select([self.sock], [], [], 0.2)[0] or
                            getattr(self.sock, "pending", lambda: 0)()):
                        continue
                    with self.lock:
                        try:
                            data = self.sock.recv(65535)
                        except (ssl.SSLWantReadError, socket.timeout):
                            continue
                    if not data:
                        return
                    buf += data
                    msgs = []
                    while True:
                        buf = buf.lstrip(b"\r\n")
                        i = buf.find(b"\r\n\r\n")
                        if i < 0:
                            break
                        m = re.search(rb"(?im)^(?:content-length|l)\s*:\s*(\d+)",
                                      buf[:i])
                        n = int(m.group(1)) if m else 0
                        if len(buf) < i + 4 + n:
                            break
                        msgs.append((buf[:i + 4 + n], self.server))
                        buf = buf[i + 4 + n:]
            except OSError:
                return
            for data, src in msgs:
                if not data.strip():
                    continue
                try:
                    m = Msg(data, src)
                except (IndexError, ValueError):
                    continue
                self._auto(m)
                with self.cond:
                    self.msgs.append(m)
                    self.cond.notify_all()

    def _auto(self, m):
        if m.is_response:
            return
        if m.method == "OPTIONS" and self.answer_options:
            self.reply(m, 200, "OK")
        elif m.method == "BYE":
            self.reply(m, 200, "OK")
        elif m.method == "CANCEL":
            self.reply(m, 200, "OK")
            inv = [x for x in self.msgs if x.method == "INVITE" and
                   x.get("call-id") == m.get("call-id")]
            if inv:
                self.reply(inv[-1], 487, "Request Terminated")

    def mark(self):
        with self.cond:
            return len(self.msgs)

    def wait(self, pred, timeout, what, since=0):
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for m in self.msgs[since:]:
                    if pred(m):
                        return m
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"{self.user or 'phone'}: no {what} "
                                       f"within {timeout}s; got "
                                       f"{self.msgs[since:]}")
                self.cond.wait(left)

    def received(self, pred, since=0):
        with self.cond:
            return [m for m in self.msgs[since:] if pred(m)]

    def close(self):
        """Removes our binding (REGISTER Expires: 0), so that later
        calls do not ring a phone that is gone, and closes the socket."""
        if self.bound and not self.closed:
            try:
                self.register(expires=0)
            except (OSError, TimeoutError):
                pass
        self.closed = True
        try:
            if self.transport != "udp":
                self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(2)
        self.sock.close()

    # ---- requests -----------------------------------------------------
    def via(self, branch):
        return (f"Via: SIP/2.0/{self.tp} {LOCAL}:{self.port};"
                f"branch=z9hG4bK{branch};rport")

    def request(self, method, ruri, to, frm, call_id, cseq, extra="",
                body="", ctype="application/sdp", branch=None):
        """Sends it; returns the Via branch used."""
        branch = branch or tag()
        text = (f"{method} {ruri} SIP/2.0\r\n{self.via(branch)}\r\n"
                f"Max-Forwards: 70\r\nFrom: {frm}\r\nTo: {to}\r\n"
                f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n"
                f"Contact: <sip:{self.user or 'claims'}@{self.contact}"
                f"{self.uparam}>\r\n{extra}")
        if body:
            text += f"Content-Type: {ctype}\r\n"
        text += f"Content-Length: {len(body.encode())}\r\n\r\n{body}"
        self.send(text)
        return branch

    def final(self, call_id, cseq, method, timeout=10, since=0):
        return self.wait(lambda m: m.is_response and m.status >= 200 and
                         m.get("call-id") == call_id and
                         m.get("cseq") == f"{cseq} {method}",
                         timeout, f"final response to {method}", since)

    def digest(self, chal, method, uri):
        p = dict(re.findall(r'(\w+)="?([^",]*)"?', chal))
        ha1 = hashlib.md5(f"{self.user}:{p['realm']}:{self.password}"
                          .encode()).hexdigest()
        ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
        cnonce = tag()
        if "qop" in p:
            resp = hashlib.md5(f"{ha1}:{p['nonce']}:00000001:{cnonce}:auth:"
                               f"{ha2}".encode()).hexdigest()
            q = f', qop=auth, nc=00000001, cnonce="{cnonce}"'
        else:
            resp = hashlib.md5(f"{ha1}:{p['nonce']}:{ha2}".encode()).hexdigest()
            q = ""
        op = f', opaque="{p["opaque"]}"' if "opaque" in p else ""
        return (f'Digest username="{self.user}", realm="{p["realm"]}", '
                f'nonce="{p["nonce"]}", uri="{uri}", response="{resp}", '
                f'algorithm=MD5{q}{op}')

    def register(self, expires=None, contact_expires=None, auth=True,
                 timeout=10):
        """REGISTER (with digest when challenged and auth); returns
        (first response, final response)."""
        host = f"{self.server[0]}:{self.server[1]}"
        ruri = f"sip:{host}"
        aor = f"<sip:{self.user}@{host}>"
        cid = "reg-" + tag()
        cparam = "" if contact_expires is None else \
            f";expires={contact_expires}"
        ext = "" if expires is None else f"Expires: {expires}\r\n"
        contact = (f"Contact: <sip:{self.user}@{self.contact}{self.uparam}>"
                   f"{cparam}\r\n")
        first = None
        for cseq in (1, 2):
            m = self.mark()
            text = (f"REGISTER {ruri} SIP/2.0\r\n{self.via(tag())}\r\n"
                    f"Max-Forwards: 70\r\nFrom: {aor};tag={tag()}\r\n"
                    f"To: {aor}\r\nCall-ID: {cid}\r\nCSeq: {cseq} REGISTER\r\n"
                    f"{contact}{ext}")
            if cseq == 2:
                text += ("Authorization: " +
                         self.digest(first.get("www-authenticate"),
                                     "REGISTER", ruri) + "\r\n")
            self.send(text + "Content-Length: 0\r\n\r\n")
            r = self.final(cid, cseq, "REGISTER", timeout, m)
            if first is None:
                first = r
            if r.status != 401 or not auth:
                break
        if r.status == 200:
            self.bound = expires != 0
        return first, r

    def invite(self, number, body, timeout=10, auth=True, from_user=None):
        """INVITE sip:number@server; answers a 401/407 challenge once.
        Returns a Call (its .final is the final response)."""
        return Call(self, number, body, timeout, auth, from_user)

    # ---- answering ----------------------------------------------------
    def reply(self, req, code, reason, body="", totag=None):
        to = req.get("to")
        if ";tag=" not in to and code > 100:
            to += ";tag=" + (totag or "t" + req.get("call-id")[-8:])
        vias = "".join(f"Via: {v}\r\n" for v in req.all("via"))
        text = (f"SIP/2.0 {code} {reason}\r\n{vias}From: {req.get('from')}\r\n"
                f"To: {to}\r\nCall-ID: {req.get('call-id')}\r\n"
                f"CSeq: {req.get('cseq')}\r\n"
                f"Contact: <sip:{self.user or 'claims'}@{self.contact}"
                f"{self.uparam}>\r\n")
        if body:
            text += "Content-Type: application/sdp\r\n"
        text += f"Content-Length: {len(body.encode())}\r\n\r\n{body}"
        self.send(text)

    def incoming(self, timeout, since=0, what="INVITE"):
        return self.wait(lambda m: m.method == "INVITE", timeout,
                         what, since)


class Call:
    def __init__(self, ph, number, body, timeout, auth, from_user):
        self.ph = ph
        host = f"{ph.server[0]}:{ph.server[1]}"
        self.ruri = f"sip:{number}@{host}"
        self.to = f"<sip:{number}@{host}>"
        fu = from_user or ph.user or "+4930123456"
        self.frm = f"<sip:{fu}@{host}>;tag={tag()}"
        self.cid = "call-" + tag()
        self.cseq = 1
        self.body = body
        self.t0 = time.time()
        self.since = ph.mark()
        extra = ""
        self.branch = ph.request("INVITE", self.ruri, self.to, self.frm,
                                 self.cid, self.cseq, body=body)
        self.final = None
        self.timeout = timeout
        if auth and ph.password:
            r = ph.final(self.cid, 1, "INVITE", timeout, self.since)
            if r.status in (401, 407):
                self.ack(r)
                hdr = "www-authenticate" if r.status == 401 else \
                    "proxy-authenticate"
                extra = ("Authorization" if r.status == 401 else
                         "Proxy-Authorization") + ": " + \
                    ph.digest(r.get(hdr), "INVITE", self.ruri) + "\r\n"
                self.cseq = 2
                self.since = ph.mark()
                self.t0 = time.time()
                self.branch = ph.request("INVITE", self.ruri, self.to,
                                         self.frm, self.cid, 2, extra=extra,
                                         body=body)
            else:
                self.final = r

    def wait_final(self, timeout=None):
        if self.final is None:
            self.final = self.ph.final(self.cid, self.cseq, "INVITE",
                                       timeout or self.timeout, self.since)
            self.ack(self.final)
        return self.final

    def ack(self, r):
        """ACK: for a non-2xx in the INVITE's transaction (same branch,
        RFC 3261 17.1.1.3), for a 2xx to its Contact."""
        if r.status >= 300:
            self.ph.request("ACK", self.ruri, r.get("to"), self.frm,
                            self.cid, r.get("cseq").split()[0],
                            branch=self.branch)
            return
        self.to = r.get("to")
        m = re.search(r"<([^>]+)>", r.get("contact"))
        self.ph.request("ACK", m.group(1) if m else self.ruri, self.to,
                        self.frm, self.cid, r.get("cseq").split()[0])

    def bye(self, timeout=10):
        m = re.search(r"<([^>]+)>", self.final.get("contact"))
        self.cseq += 1
        since = self.ph.mark()
        self.ph.request("BYE", m.group(1) if m else self.ruri, self.to,
                        self.frm, self.cid, self.cseq)
        return self.ph.final(self.cid, self.cseq, "BYE", timeout, since)


# --------------------------------------------------------------------------
# a Switchboard of our own: any flags, any environment
# --------------------------------------------------------------------------
def clean_env():
    """The calling environment without SWITCHBOARD_* (ASan's leak check
    on), but SWITCHBOARD_CONFIG="": no configuration file of the machine."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SWITCHBOARD_")}
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    env["SWITCHBOARD_CONFIG"] = ""  # no /etc/switchboard/switchboard.conf
    return env


class Server(Switchboard):
    """build/test/switchboard with exactly the given args and env (the
    caller's SWITCHBOARD_* variables removed, nothing added).  http, sip
    (and tls): (ip, port) where it listens, given by args or env; start()
    waits until /health and an OPTIONS there answer.  The log is kept
    outside data_dir (which config.py makes and removes itself)."""

    def __init__(self, args=(), env=None, http=None, sip=None, tls=None,
                 data_dir=None, init=True):
        self.dir = data_dir or tempfile.mkdtemp(prefix="sbclaims-")
        self.http_port = http[1]
        self.sip_port = sip[1]
        self.tls_port = tls[1] if tls else None
        self.logdir = tempfile.mkdtemp(prefix="sbclaims-log-")
        self._setup([BIN] + list(args), dict(clean_env(), **(env or {})),
                    os.path.join(self.logdir, "switchboard.log"), init)

    def cleanup(self):
        super().cleanup()
        shutil.rmtree(self.logdir, ignore_errors=True)


def wait_record(srv, pred, timeout=10):
    """The newest call record matching pred, waited for."""
    def find():
        st, calls = srv.api("GET", "/api/v1/calls")
        return next((c for c in calls if pred(c)), None) if st == 200 \
            else None
    return wait_for(find, timeout, "call record")


def rtp_sink(port, ip=LOCAL):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, port))
    s.settimeout(0.2)
    return s


def drain(sock, until, stop=None):
    """Datagrams (data, src) until the time `until` or stop() is true."""
    out = []
    while time.time() < until and not (stop and stop()):
        try:
            out.append(sock.recvfrom(4096))
        except socket.timeout:
            continue
    return out


# --------------------------------------------------------------------------
# SRTP (RFC 3711) checked from outside: AES-CM key stream from the openssl
# tool, HMAC-SHA1 from the standard library
# --------------------------------------------------------------------------
SUITES = {  # name: (master key bytes, auth tag bytes)
    "AES_CM_128_HMAC_SHA1_80": (16, 10),
    "AES_CM_128_HMAC_SHA1_32": (16, 4),
    "AES_256_CM_HMAC_SHA1_80": (32, 10),
}


def aes_cm(key, iv, n):
    """n bytes of AES counter-mode key stream (AES-128 or -256)."""
    r = subprocess.run(["openssl", "enc", f"-aes-{len(key) * 8}-ctr",
                        "-K", key.hex(), "-iv", iv.hex(), "-nosalt"],
                       input=bytes(n), capture_output=True, timeout=10)
    if r.returncode or len(r.stdout) != n:
        raise RuntimeError("openssl enc: " + r.stderr.decode())
    return r.stdout


class SrtpKeys:
    """Session keys of one sender (RFC 3711 4.3, key derivation rate 0)."""

    def __init__(self, suite, inline):
        import base64
        klen, self.taglen = SUITES[suite]
        km = base64.b64decode(inline)
        if len(km) != klen + 14:
            raise ValueError(f"{suite}: key+salt is {len(km)} bytes")
        mk, ms = km[:klen], km[klen:]

        def derive(label, n):
            x = bytearray(ms)
            x[7] ^= label
            return aes_cm(mk, bytes(x) + b"\0\0", n)
        self.ke = derive(0, klen)
        self.ka = derive(1, 20)
        self.ks = derive(2, 14)

    def check(self, pkt, roc=0):
        """(tag ok, plain payload) of an SRTP packet (no CSRC/extension)."""
        import hmac
        body, tg = pkt[:-self.taglen], pkt[-self.taglen:]
        mac = hmac.new(self.ka, body + struct.pack("!I", roc),
                       hashlib.sha1).digest()[:self.taglen]
        seq, ssrc = struct.unpack("!H", pkt[2:4])[0], pkt[8:12]
        index = (roc << 16) | seq
        iv = bytearray(self.ks + b"\0\0")
        for i in range(4):
            iv[4 + i] ^= ssrc[i]
        for i in range(6):
            iv[8 + i] ^= (index >> (8 * (5 - i))) & 0xff
        ks = aes_cm(self.ke, bytes(iv), len(body) - 12)
        plain = bytes(a ^ b for a, b in zip(body[12:], ks))
        return hmac.compare_digest(mac, tg), plain


def crypto_line(suite, tag_no=1):
    klen = SUITES[suite][0]
    import base64
    key = base64.b64encode(os.urandom(klen + 14)).decode()
    return f"{tag_no} {suite} inline:{key}", key


def answer_crypto(body):
    """[(tag, suite, inline key)] of the a=crypto lines of an SDP."""
    out = []
    for ln in sdp_attr(body, "a=crypto:"):
        m = re.match(r"a=crypto:(\d+) (\S+) inline:([^|\s]+)", ln)
        if m:
            out.append((int(m.group(1)), m.group(2), m.group(3)))
    return out


# --------------------------------------------------------------------------
# network namespaces
# --------------------------------------------------------------------------
def sh(*cmd, ns=None, check=True, timeout=30, **kw):
    full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
    r = subprocess.run(full, capture_output=True, text=True, timeout=timeout,
                       **kw)
    if check and r.returncode:
        raise RuntimeError(f"{' '.join(full)}: {r.stdout}{r.stderr}")
    return r


def listening(ns):
    """{(udp|tcp, 'ip:port')} of the sockets listening in ns."""
    out = sh("ss", "-H", "-lntu", ns=ns).stdout
    socks = set()
    for ln in out.splitlines():
        f = ln.split()
        if len(f) >= 5:
            socks.add((f[0], f[4]))
    return socks


# --------------------------------------------------------------------------
# the server most checks here share
# --------------------------------------------------------------------------
S = Suite("claims")
PW = DEMO["devices"]
TONE = 1000          # Hz of our welcome.wav (--prompts)
TONE_SECONDS = 1.0   # so the announcement plays exactly 50 packets


def make_prompts(d, hz=TONE, seconds=TONE_SECONDS):
    os.makedirs(d, exist_ok=True)
    make_tone_wav(os.path.join(d, "welcome.wav"), hz, seconds)
    for f in ("moh.wav", "beep.wav"):
        shutil.copy(os.path.join(PROMPTS, f), os.path.join(d, f))
    return d


class Box:
    """A server on free loopback ports plus the phones a test makes."""

    def __init__(self, extra=(), tls=False):
        self.dir = tempfile.mkdtemp(prefix="sbclaims-")
        self.sip = (LOCAL, free_port())
        self.http = (LOCAL, free_port())
        self.trunk_port = free_port()
        self.prompts = make_prompts(os.path.join(self.dir, "tones"))
        args = ["--data-dir", self.dir, "--sip", f"{LOCAL}:{self.sip[1]}",
                "--http", f"{LOCAL}:{self.http[1]}",
                "--rtp-min", str(RTP_MIN), "--rtp-max", str(RTP_MAX),
                "--prompts", self.prompts]
        self.tls = None
        if tls:
            self.tls = (LOCAL, free_port())
            sh(TLSCERT, os.path.join(self.dir, "tls.pem"))
            args += ["--sip-tls", f"{LOCAL}:{self.tls[1]}"]
        self.srv = Server(args + list(extra), http=self.http, sip=self.sip,
                          tls=self.tls, data_dir=self.dir)
        self.phones = []

    def start(self):
        self.srv.start()
        st, t = self.srv.api("PATCH", "/api/v1/trunks/1",
                             {"port": self.trunk_port})
        if st != 200:
            raise RuntimeError(f"cannot move the demo trunk: {st} {t}")
        return self

    def api(self, *a, **kw):
        return self.srv.api(*a, **kw)

    def phone(self, user=None, transport="udp", **kw):
        server = self.tls if transport == "tls" else self.sip
        p = Phone(server, user, PW.get(user) if user else None, transport,
                  **kw)
        self.phones.append(p)
        return p

    def registered(self, user, transport="udp", **kw):
        p = self.phone(user, transport, **kw)
        _, r = p.register()
        if r.status != 200:
            raise RuntimeError(f"{user} did not register: {r.first}")
        return p

    def trunk(self):
        """The carrier: a phone on the demo trunk's address (calls from
        there need no login).  One at a time: a new one closes the old."""
        for p in [p for p in self.phones if p.port == self.trunk_port]:
            p.close()
            self.phones.remove(p)
        return self.phone(None, port=self.trunk_port)

    def close_phones(self):
        for p in self.phones:
            p.close()
        self.phones = []

    def stats(self):
        st, body = self.api("GET", "/api/v1/stats")
        if st != 200:
            raise RuntimeError(f"GET /api/v1/stats: {st} {body}")
        return body

    def device_id(self, user):
        st, ds = self.api("GET", "/api/v1/devices")
        return next(d["id"] for d in ds if d["username"] == user)

    def set_srtp(self, user, mode):
        st, d = self.api("PATCH", f"/api/v1/devices/{self.device_id(user)}",
                         {"srtp": mode})
        if st != 200 or d.get("srtp") != mode:
            raise RuntimeError(f"PATCH srtp {mode}: {st} {d}")

    def stop(self, what):
        self.close_phones()
        code = self.srv.stop()
        S.check(code == 0, f"{what}: clean exit (no sanitizer report)",
                f"exit {code}: {self.srv.logtext()[-2000:]}")
        self.srv.cleanup()


def send_rtp(sock, dst, n, ssrc, hz=700, seq0=1, gap=0.004):
    """n PCMU packets of a tone from sock to dst."""
    payloads = []
    for k in range(n):
        pcm = [int(8000 * math.sin(2 * math.pi * hz * (k * 160 + i) / 8000))
               for i in range(160)]
        payloads.append(g711_encode(pcm, "pcmu"))
    for k, pl in enumerate(payloads):
        sock.sendto(rtp_packet(seq0 + k, 160 * k, ssrc, pl), dst)
        time.sleep(gap)


def rms(samples):
    return math.sqrt(sum(x * x for x in samples) / len(samples)) / 32768 \
        if samples else 0.0


def judge_tone(payloads, hz, what, other=None):
    """The G.711 u-law payloads are the tone hz: most of the energy at hz
    (audio.tone_share over each 20 ms packet, 0.6 share at least, on 80 %
    of the packets), little at `other`, above a level floor.  (Packets,
    not audio.is_tone: a check here may have 30 packets, is_tone wants a
    second.)"""
    good = 0
    for p in payloads:
        pcm = g711_decode(p, "pcmu")
        ok = rms(pcm) > 0.02 and tone_share(pcm, hz) > 0.6
        if other:
            ok = ok and tone_share(pcm, other) < 0.05
        good += ok
    share = good / len(payloads) if payloads else 0
    return S.check(len(payloads) >= 10 and share >= 0.8,
                   f"{what}: the audio is the {hz} Hz tone",
                   f"{good}/{len(payloads)} packets")


# --------------------------------------------------------------------------
# /api/v1/stats
# --------------------------------------------------------------------------
STATS_ZERO = {"calls_active": 0,
              "rtp": {"legs": 0, "players": 0, "received": 0, "relayed": 0,
                      "played": 0, "refused": 0, "dtmf": 0},
              "prompts": {"loaded": 0, "hits": 0},
              "speech": {"synthesised": 0, "hits": 0, "synth_us": 0,
                         "synth_us_max": 0},
              "sip": {"undecodable": 0},
              "events": {"clients": 0, "published": 0, "sent": 0,
                         "slow_disconnects": 0, "queue_max": 1048576}}


def stats_with(**kw):
    """STATS_ZERO with some counters set: rtp and sip ones by their name
    (received=50), prompts and speech ones as prompts_loaded=1."""
    d = json.loads(json.dumps(STATS_ZERO))
    for k, v in kw.items():
        group, _, name = k.partition("_")
        if group in ("prompts", "speech") and name in d[group]:
            d[group][name] = v
        elif k in d["rtp"]:
            d["rtp"][k] = v
        elif k in d["sip"]:
            d["sip"][k] = v
        else:
            d[k] = v
    return d


ANN_TALK = 20  # packets a caller sends into the announcement


def test_stats(box):
    """Every field of /api/v1/stats after a known sequence on a fresh
    server: 3 undecodable datagrams; a trunk call to Erika with 50 RTP
    packets from the caller (relayed to her phone) and 7 from a stranger;
    an announcement of exactly 1.0 s (50 packets) into which the caller
    sends 20 packets: received, never relayed (the leg is bridged to
    nobody), so received and relayed differ by exactly those 20."""
    s0 = box.stats()
    S.check(s0 == STATS_ZERO, "stats of a fresh server: every documented "
            "field, all 0", json.dumps(s0))

    junk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(3):
        # no request or status line: libre cannot decode it
        junk.sendto(b"garbage-%d\r\n\r\n" % i, box.sip)
    junk.close()
    s1 = wait_for(lambda: (lambda s: s if s["sip"]["undecodable"] >= 3
                           else None)(box.stats()), 5, "undecodable 3")
    S.check(s1 == stats_with(undecodable=3), "3 malformed datagrams: "
            "sip.undecodable 3, nothing else", json.dumps(s1))

    erika = box.registered("1002")
    trunk = box.trunk()
    a_rtp = rtp_sink(free_port(even=True))
    e_rtp = rtp_sink(free_port(even=True))
    m = erika.mark()
    call = trunk.invite(DEMO["erika_personal"],
                        make_sdp(a_rtp.getsockname()[1]))
    inv = erika.incoming(5, m)
    erika.reply(inv, 200, "OK", make_sdp(e_rtp.getsockname()[1]))
    fin = call.wait_final()
    S.check(fin.status == 200, "trunk call to Erika answered", fin.first)
    srv_ip, srv_port, _ = sdp_conn(fin.body)
    s2 = box.stats()
    S.check(s2 == stats_with(undecodable=3, calls_active=1, legs=2),
            "during the call: calls_active 1, rtp.legs 2, players 0",
            json.dumps(s2))
    send_rtp(a_rtp, (srv_ip, srv_port), 50, 0x1234)
    got = []
    deadline = time.time() + 5
    while len(got) < 50 and time.time() < deadline:
        got += drain(e_rtp, time.time() + 0.2)
    S.check(len(got) == 50, "Erika's phone got the 50 packets",
            f"{len(got)}")
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stranger.bind((LOCAL, 0))
    send_rtp(stranger, (srv_ip, srv_port), 7, 0x6666, seq0=900)
    s3 = wait_for(lambda: (lambda s: s if s["rtp"]["refused"] >= 7
                           else None)(box.stats()), 5, "refused 7")
    S.check(s3 == stats_with(undecodable=3, calls_active=1, legs=2,
                             received=50, relayed=50, refused=7),
            "50 caller packets: rtp.received 50, rtp.relayed 50; 7 from "
            "a stranger: rtp.refused 7", json.dumps(s3))
    stranger.close()
    r = call.bye()
    S.check(r.status == 200, "BYE 200", r.first)
    s4 = wait_for(lambda: (lambda s: s if s["calls_active"] == 0 and
                           s["rtp"]["legs"] == 0 else None)(box.stats()),
                  5, "the call to end in stats")
    S.check(s4 == stats_with(undecodable=3, received=50, relayed=50,
                             refused=7),
            "after BYE: calls_active 0, legs 0, counters kept",
            json.dumps(s4))

    # the announcement: the caller talks into a leg that is bridged to
    # nobody; its packets are received (from the address of its SDP) and
    # relayed nowhere, so rtp.received and rtp.relayed part
    drain(a_rtp, time.time() + 0.1)  # nothing may be left from the call
    m = trunk.mark()
    ann = trunk.invite(DEMO["announcement"], make_sdp(a_rtp.getsockname()[1]))
    fin = ann.wait_final()
    S.check(fin.status == 200, "announcement answered", fin.first)
    ann_ip, ann_port, _ = sdp_conn(fin.body)
    s5 = box.stats()
    S.check(s5["calls_active"] == 1 and s5["rtp"]["legs"] == 1 and
            s5["rtp"]["players"] == 1,
            "during the announcement: calls_active 1, legs 1, players 1",
            json.dumps(s5))
    send_rtp(a_rtp, (ann_ip, ann_port), ANN_TALK, 0x7777, seq0=500)
    t_sent = time.time()
    heard = drain(a_rtp, time.time() + 10, lambda: trunk.received(
        lambda x: x.method == "BYE", m))
    bye = trunk.wait(lambda x: x.method == "BYE", 10, "BYE after the prompt",
                     m)
    heard += drain(a_rtp, time.time() + 0.3)
    S.check(t_sent < bye.t - 0.2, f"the caller's {ANN_TALK} packets were "
            "all sent while the prompt played",
            f"sent {bye.t - t_sent:.2f} s before the BYE")
    ssrcs = {struct.unpack("!I", d[8:12])[0] for d, _ in heard
             if len(d) >= 12}
    S.check(len(heard) == 50 and
            {src for _, src in heard} == {(ann_ip, ann_port)} and
            0x7777 not in ssrcs and len(ssrcs) == 1,
            "on the wire: the caller got the 50 packets of the prompt, "
            "from the announcement leg, none of its own back",
            f"{len(heard)} packets, SSRCs {sorted(ssrcs)}")
    s6 = wait_for(lambda: (lambda s: s if s["calls_active"] == 0 and
                           s["rtp"]["legs"] == 0 else None)(box.stats()),
                  5, "the announcement to end in stats")
    S.check(s6 == stats_with(undecodable=3, received=50 + ANN_TALK,
                             relayed=50, refused=7, played=50,
                             prompts_loaded=1),
            f"after a 1.0 s prompt with {ANN_TALK} packets from the caller: "
            f"rtp.received +{ANN_TALK} ({50 + ANN_TALK}), rtp.relayed "
            "unchanged (50), rtp.played 50, players 0, calls 0; the prompt "
            "read from disk once (prompts.loaded 1, hits 0)",
            json.dumps(s6))
    a_rtp.close()
    e_rtp.close()
    box.close_phones()


# --------------------------------------------------------------------------
# ringing: --ring-timeout and the central number
# --------------------------------------------------------------------------
RING_TIMEOUT = 3


def test_ring_timeout(box):
    """--ring-timeout 3: Erika's phone rings (180) and nobody answers; the
    caller gets 480 Temporarily Unavailable 3 s after the INVITE, the
    phone a CANCEL, the record says no_answer."""
    erika = box.registered("1002")
    trunk = box.trunk()
    sink = rtp_sink(free_port(even=True))
    m = erika.mark()
    t0 = time.time()
    call = trunk.invite(DEMO["erika_personal"],
                        make_sdp(sink.getsockname()[1]))
    inv = erika.incoming(5, m)
    erika.reply(inv, 180, "Ringing")
    trunk.wait(lambda x: x.status == 180, 5, "180 relayed to the caller",
               call.since)
    fin = call.wait_final(RING_TIMEOUT + 5)
    dt = fin.t - t0
    S.check(fin.status == 480 and "Temporarily Unavailable" in fin.first,
            "nobody answers: the caller gets 480 Temporarily Unavailable",
            fin.first)
    S.check(RING_TIMEOUT - 0.1 <= dt <= RING_TIMEOUT + 0.6,
            f"... after --ring-timeout {RING_TIMEOUT} s", f"{dt:.2f} s")
    cancel = erika.wait(lambda x: x.method == "CANCEL" and
                        x.get("call-id") == inv.get("call-id"), 3,
                        "CANCEL", m)
    S.check(abs(cancel.t - fin.t) < 0.5, "the ringing phone gets a CANCEL "
            "at the same time", f"{cancel.t - fin.t:.2f} s")
    rec = wait_record(box.srv, lambda c: c["sip_call_id"] == call.cid)
    S.check(rec["disposition"] == "no_answer" and rec["sip_code"] == 480
            and rec["ended_by"] == "system" and rec["answered_at"] is None,
            "record: no_answer, 480, ended by the system", str(rec))
    sink.close()
    box.close_phones()


def test_central_number(box):
    """The central number routes to Max (README): a trunk call to it rings
    Max's desk phone 1001 and softclient 1011, never Erika's 1002; the
    same 1002 rings for her own number (the control)."""
    max1 = box.registered("1001")
    max2 = box.registered("1011")
    erika = box.registered("1002")
    trunk = box.trunk()
    sink = rtp_sink(free_port(even=True))
    marks = {p: p.mark() for p in (max1, max2, erika)}
    call = trunk.invite(DEMO["central"], make_sdp(sink.getsockname()[1]))
    i1 = max1.incoming(5, marks[max1])
    i2 = max2.incoming(5, marks[max2])
    max1.reply(i1, 180, "Ringing")
    max2.reply(i2, 180, "Ringing")  # a CANCEL needs a provisional answer
    S.check(i1.first.startswith("INVITE sip:1001@") and
            i2.first.startswith("INVITE sip:1011@"),
            "central number: both of Max's devices ring",
            f"{i1.first} / {i2.first}")
    max1.reply(i1, 200, "OK", make_sdp(free_port(even=True)))
    fin = call.wait_final()
    S.check(fin.status == 200, "Max answers on 1001", fin.first)
    max2.wait(lambda x: x.method == "CANCEL", 5, "CANCEL to 1011",
              marks[max2])
    call.bye()
    rec = wait_record(box.srv, lambda c: c["sip_call_id"] == call.cid)
    S.check(rec["to_number"] == DEMO["central"] and
            rec["callee_leg"] == "device:1001" and
            rec["disposition"] == "answered",
            "record: to the central number, answered by device:1001",
            str(rec))
    S.check(not erika.received(lambda x: x.method == "INVITE",
                               marks[erika]),
            "Erika's phone got no INVITE for the central number")
    m = erika.mark()
    c2 = trunk.invite(DEMO["erika_personal"], make_sdp(sink.getsockname()[1]))
    inv = erika.incoming(5, m)
    S.check(inv.first.startswith("INVITE sip:1002@"), "control: the same "
            "phone rings for Erika's number", inv.first)
    erika.reply(inv, 486, "Busy Here")
    S.check(c2.wait_final().status == 486, "and the caller hears her busy")
    sink.close()
    box.close_phones()


# --------------------------------------------------------------------------
# SRTP on the wire
# --------------------------------------------------------------------------
def srtp_announcement(box, suite):
    """A trunk call to the announcement offering only `suite` (None: plain
    RTP).  Returns (final response, [packets we received])."""
    trunk = box.trunk()
    sink = rtp_sink(free_port(even=True))
    crypto = [crypto_line(suite)[0]] if suite else []
    m = trunk.mark()
    call = trunk.invite(DEMO["announcement"],
                        make_sdp(sink.getsockname()[1], crypto))
    fin = call.wait_final()
    pkts = []

    def bye_seen():
        return trunk.received(lambda x: x.method == "BYE", m)
    pkts = drain(sink, time.time() + 10, bye_seen)
    pkts += drain(sink, time.time() + 0.3)
    sink.close()
    return fin, [p for p, _ in pkts]


def test_srtp_suites(box):
    """AES_256_CM_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32 offered by a
    phone are answered with the same suite and tag and a key of our own;
    every packet of the prompt then carries a 10- resp. 4-byte tag that
    verifies with that key, and decrypts to the prompt's tone.  A plain
    offer (the control) gets plain 172-byte packets."""
    for suite, tagbytes in (("AES_256_CM_HMAC_SHA1_80", 10),
                            ("AES_CM_128_HMAC_SHA1_32", 4), (None, 0)):
        name = suite or "plain RTP"
        fin, pkts = srtp_announcement(box, suite)
        S.check(fin.status == 200, f"{name}: announcement answered",
                fin.first)
        cr = answer_crypto(fin.body)
        _, _, proto = sdp_conn(fin.body)
        if suite is None:
            S.check(cr == [] and proto == "RTP/AVP",
                    "plain offer: answer RTP/AVP without a=crypto",
                    fin.body)
            S.check(len(pkts) == 50 and {len(p) for p in pkts} == {172},
                    "plain offer: 50 packets of 12 + 160 bytes",
                    f"{len(pkts)} {sorted({len(p) for p in pkts})}")
            judge_tone([p[12:] for p in pkts], TONE, "plain offer")
            continue
        keylen = SUITES[suite][0] + 14
        import base64
        ok = (len(cr) == 1 and cr[0][0] == 1 and cr[0][1] == suite and
              len(base64.b64decode(cr[0][2])) == keylen)
        # fails today: src/media/sdes.c line_parse() decodes the key into
        # 46 bytes, libre's base64_decode() wants 3 * (64 / 4) = 48 for
        # the padded 64 characters (EOVERFLOW): AES-256 offers are
        # answered plain (reported to the lead, issue 12)
        S.check(ok and proto == "RTP/AVP",
                f"{suite}: answer a=crypto:1 {suite} with a "
                f"{keylen}-byte key", str(cr))
        if not ok:
            continue
        keys = SrtpKeys(suite, cr[0][2])
        sizes = {len(p) for p in pkts}
        S.check(len(pkts) == 50 and sizes == {12 + 160 + tagbytes},
                f"{suite}: all 50 packets are 12 + 160 + {tagbytes} "
                f"bytes (auth tag {tagbytes})",
                f"{len(pkts)} {sorted(sizes)}")
        sample = pkts[5:25]
        res = [keys.check(p) for p in sample]
        S.check(sample and all(ok for ok, _ in res),
                f"{suite}: the tags verify (HMAC-SHA1 with the answer's "
                "key)", f"{sum(ok for ok, _ in res)}/{len(sample)}")
        judge_tone([pl for _, pl in res], TONE, f"{suite}: decrypted")
    box.close_phones()


def test_device_srtp(box):
    """docs/api.md: `optional` offers keys on any transport, best effort;
    `off` never offers keys; whatever the setting, an offer with keys is
    answered with SRTP.  1002 on UDP set to optional: our INVITE offers
    RTP/AVP with the two AES_CM_128 suites; answered with the 32-bit one,
    the caller's plain audio reaches it as SRTP with 4-byte tags; answered
    without keys, the call still connects, plain.  1001 on TLS set to off:
    no a=crypto (1011 on TLS, auto, gets them: the control), yet its own
    offer with keys is answered with SRTP."""
    box.set_srtp("1002", "optional")
    box.set_srtp("1001", "off")
    try:
        erika = box.registered("1002")
        trunk = box.trunk()
        a_rtp = rtp_sink(free_port(even=True))
        e_rtp = rtp_sink(free_port(even=True))
        for answer_suite in ("AES_CM_128_HMAC_SHA1_32", None):
            m = erika.mark()
            call = trunk.invite(DEMO["erika_personal"],
                                make_sdp(a_rtp.getsockname()[1]))
            inv = erika.incoming(5, m)
            cr = answer_crypto(inv.body)
            _, _, proto = sdp_conn(inv.body)
            S.check(proto == "RTP/AVP" and
                    [(t, s) for t, s, _ in cr] ==
                    [(1, "AES_CM_128_HMAC_SHA1_80"),
                     (2, "AES_CM_128_HMAC_SHA1_32")],
                    "srtp optional on UDP: we offer RTP/AVP with both "
                    "AES_CM_128 suites", inv.body)
            mine = [f"2 {answer_suite} inline:" +
                    crypto_line(answer_suite)[1]] if answer_suite else []
            erika.reply(inv, 200, "OK",
                        make_sdp(e_rtp.getsockname()[1], mine))
            fin = call.wait_final()
            what = "answered with SHA1_32" if answer_suite else \
                "answered without keys"
            S.check(fin.status == 200, f"optional, {what}: the call "
                    "connects", fin.first)
            ip, port, _ = sdp_conn(fin.body)
            send_rtp(a_rtp, (ip, port), 30, 0x4242, hz=700, gap=0.005)
            got = []
            deadline = time.time() + 5
            while len(got) < 30 and time.time() < deadline:
                got += [p for p, _ in drain(e_rtp, time.time() + 0.2)]
            call.bye()
            if answer_suite:
                keys = SrtpKeys(answer_suite, cr[1][2])
                res = [keys.check(p) for p in got]
                S.check(len(got) == 30 and {len(p) for p in got} == {176}
                        and all(ok for ok, _ in res),
                        "optional + SHA1_32: our 30 packets to the phone "
                        "are SRTP with 4-byte tags that verify",
                        f"{len(got)} {sorted({len(p) for p in got})}")
                judge_tone([pl for _, pl in res], 700,
                           "optional + SHA1_32: decrypted relay")
            else:
                S.check(len(got) == 30 and {len(p) for p in got} == {172},
                        "optional, no keys in the answer: plain 172-byte "
                        "packets", f"{len(got)} "
                        f"{sorted({len(p) for p in got})}")
                judge_tone([p[12:] for p in got], 700,
                           "optional, plain: relay")

        off = box.registered("1001", "tls")
        auto = box.registered("1011", "tls")
        marks = {off: off.mark(), auto: auto.mark()}
        call = trunk.invite(DEMO["max_personal"],
                            make_sdp(a_rtp.getsockname()[1]))
        i_off = off.incoming(5, marks[off])
        i_auto = auto.incoming(5, marks[auto])
        S.check(answer_crypto(i_auto.body) != [],
                "control: 1011 on TLS (auto) is offered keys",
                i_auto.body)
        S.check(answer_crypto(i_off.body) == [] and
                sdp_conn(i_off.body)[2] == "RTP/AVP",
                "srtp off on TLS: RTP/AVP without a=crypto", i_off.body)
        off.reply(i_off, 486, "Busy Here")
        auto.reply(i_auto, 486, "Busy Here")
        call.wait_final()
        line, _ = crypto_line("AES_CM_128_HMAC_SHA1_80")
        c2 = off.invite(DEMO["announcement"],
                        make_sdp(a_rtp.getsockname()[1], [line]))
        fin = c2.wait_final()
        cr = answer_crypto(fin.body)
        S.check(fin.status == 200 and len(cr) == 1 and
                cr[0][:2] == (1, "AES_CM_128_HMAC_SHA1_80"),
                "srtp off: its own offer with keys is answered with SRTP",
                f"{fin.first} {cr}")
        c2.bye()
        a_rtp.close()
        e_rtp.close()
    finally:
        box.close_phones()
        box.set_srtp("1002", "auto")
        box.set_srtp("1001", "auto")


# --------------------------------------------------------------------------
# keep-alive
# --------------------------------------------------------------------------
def pings(p, since=0):
    """Distinct OPTIONS pings (by Call-ID; libre retransmits on UDP) with
    the arrival time of the first copy."""
    seen = {}
    for m in p.received(lambda x: x.method == "OPTIONS", since):
        seen.setdefault(m.get("call-id"), m.t)
    return sorted(seen.values())


class KeepaliveDefaults:
    """A server with the default --keepalive-interval (README: 25 s), and
    three phones of Max and Erika registered at its start: 1001 on UDP
    behind a NAT (Contact 192.168.77.10, not where its REGISTER came
    from), 1002 on UDP not behind one, 1011 on TCP with a private
    Contact.  Runs beside the other checks; finish() judges."""

    INTERVAL = 25

    def __init__(self):
        self.box = Box()
        self.box.start()
        self.t0 = time.time()
        self.nat = self.box.phone("1001", contact="192.168.77.10:5060")
        self.plain = self.box.phone("1002")
        self.tcp = self.box.phone("1011", "tcp",
                                  contact="192.168.77.11:5060")
        # a ping sent to the TCP phone's source over UDP would land here
        self.tcp_udp = rtp_sink(self.tcp.port)
        for p in (self.nat, self.plain, self.tcp):
            _, r = p.register()
            if r.status != 200:
                raise RuntimeError(f"{p.user}: {r.first}")

    def finish(self):
        try:
            t = wait_for(lambda: len(pings(self.nat)) >= 2 and
                         pings(self.nat),
                         2 * self.INTERVAL + 10 - (time.time() - self.t0),
                         "two pings to the NATed phone")
            gap = t[1] - t[0]
            S.check(abs(gap - self.INTERVAL) < 1.0,
                    "keep-alive default: the NATed UDP phone is pinged "
                    f"every {self.INTERVAL} s", f"{gap:.2f} s, first "
                    f"{t[0] - self.t0:.1f} s after start")
            ping = self.nat.received(lambda x: x.method == "OPTIONS")[0]
            S.check(ping.first.startswith("OPTIONS sip:1001@192.168.77.10"),
                    "the ping goes to the phone's public source, for its "
                    "private Contact", ping.first)
            S.check(pings(self.plain) == [],
                    "a UDP phone not behind NAT (Contact = source) is not "
                    "pinged", str(pings(self.plain)))
            udp = [d for d, _ in drain(self.tcp_udp, time.time() + 0.3)]
            S.check(pings(self.tcp) == [] and udp == [],
                    "a TCP phone is not pinged (not on its connection, not "
                    "over UDP to its source), even with a private Contact",
                    f"{pings(self.tcp)} {[d[:40] for d in udp]}")
        finally:
            self.tcp_udp.close()
            self.box.stop("keep-alive server")


def test_keepalive_max_missed(box):
    """--keepalive-max-missed default 3 (README): with --keepalive-interval
    1, a NATed phone that stops answering still rings after 2 missed
    pings and is unreachable after the 3rd: the caller gets 480 at once
    and the phone no INVITE."""
    ph = box.phone("1011", contact="192.168.77.12:5060",
                   answer_options=False)
    m0 = ph.mark()
    _, r = ph.register()
    S.check(r.status == 200, "NATed 1011 registers", r.first)
    wait_for(lambda: len(pings(ph, m0)) >= 3, 8, "3 pings")
    trunk = box.trunk()
    sink = rtp_sink(free_port(even=True))
    # misses are counted when the next ping is due: 3 pings sent = 2 missed
    m = ph.mark()
    call = trunk.invite(DEMO["max_personal"], make_sdp(sink.getsockname()[1]))
    inv = ph.incoming(3, m)
    S.check(len(pings(ph, m0)) == 3 and
            inv.first.startswith("INVITE sip:1011@"),
            "after 2 missed pings the phone still rings",
            f"{len(pings(ph, m0))} pings")
    ph.reply(inv, 486, "Busy Here")
    call.wait_final()
    wait_for(lambda: len(pings(ph, m0)) >= 4, 5, "the 4th ping")
    m = ph.mark()
    t0 = time.time()
    call = trunk.invite(DEMO["max_personal"], make_sdp(sink.getsockname()[1]))
    fin = call.wait_final(5)
    S.check(fin.status == 480 and fin.t - t0 < 1.0,
            "after 3 missed pings: 480 at once", f"{fin.first} after "
            f"{fin.t - t0:.2f} s")
    S.check(not ph.received(lambda x: x.method == "INVITE", m),
            "and the unreachable phone got no INVITE")
    sink.close()
    box.close_phones()


# --------------------------------------------------------------------------
# default addresses and `make run`, in a network namespace of our own
# --------------------------------------------------------------------------
NS = f"sbclaims{os.getpid() % 100000}"


def ns_probe(*args):
    """Runs this file's probe() inside the namespace; returns its lines."""
    r = sh("/usr/bin/python3", os.path.abspath(__file__), "probe", *args,
           ns=NS, check=False)
    return r.stdout.strip(), r


def probe(kind, *args):
    """Inside the namespace: `udp|tcp|tls PORT` sends OPTIONS and prints
    the status line; `register USER PASSWORD [tls]` registers with digest
    at 127.0.0.1:5060 (or 5061) and prints the challenge's realm and the
    final status line."""
    if kind in ("udp", "tcp", "tls"):
        p = Phone((LOCAL, int(args[0])), "probe", None, kind)
        cid = "probe-" + tag()
        p.request("OPTIONS", f"sip:{LOCAL}:{args[0]}", f"<sip:{LOCAL}>",
                  f"<sip:probe@{LOCAL}>;tag={tag()}", cid, 1)
        print(p.final(cid, 1, "OPTIONS", 5).first)
    elif kind == "register":
        tp = args[2] if len(args) > 2 else "udp"
        p = Phone((LOCAL, 5061 if tp == "tls" else 5060), args[0], args[1],
                  tp)
        first, r = p.register()
        m = re.search(r'realm="([^"]*)"', first.get("www-authenticate"))
        print(m.group(1) if m else "-")
        print(r.first)


def test_defaults_and_make_run():
    """README: with no options the server listens on 127.0.0.1: SIP 5060
    UDP and TCP, HTTP 8080, TLS on 5061 only when <data-dir>/tls.pem
    exists (data dir `var`).  `make run` (scripts/run.sh after `make db`)
    prints the token, the phones and the numbers: each printed fact is
    checked against the running server."""
    sh("ip", "netns", "del", NS, check=False)
    sh("ip", "netns", "add", NS)
    work = tempfile.mkdtemp(prefix="sbclaims-run-")
    srv = None
    try:
        sh("ip", "link", "set", "lo", "up", ns=NS)
        var = os.path.join(work, "var")
        os.makedirs(os.path.join(work, "build", "rel"))
        # `make run` runs build/rel/switchboard from the checkout: here the
        # sanitizer build under that name, in a directory of our own
        os.symlink(BIN, os.path.join(work, "build", "rel", "switchboard"))
        os.symlink(PROMPTS, os.path.join(work, "prompts"))
        r = subprocess.run(["ip", "netns", "exec", NS, BIN, "--init-demo"],
                           cwd=work, capture_output=True, text=True,
                           timeout=60, env=clean_env())
        S.check(r.returncode == 0 and
                os.path.exists(os.path.join(var, "switchboard.db")) and
                os.path.exists(os.path.join(var, "admin.token")),
                "no options: the data directory is ./var (database, "
                "admin.token)", r.stderr[-500:])
        os.symlink(PROMPTS, os.path.join(var, "prompts"))
        for with_cert in (False, True):
            if with_cert:
                sh(TLSCERT, os.path.join(var, "tls.pem"))
            srv = NsServer(work, [BIN])
            socks = listening(NS)
            want = {("udp", "127.0.0.1:5060"), ("tcp", "127.0.0.1:5060"),
                    ("tcp", "127.0.0.1:8080")}
            if with_cert:
                want.add(("tcp", "127.0.0.1:5061"))
            label = "with var/tls.pem" if with_cert else "without a certificate"
            S.check(socks == want, f"no options, {label}: listening on "
                    f"exactly {sorted(want)}", str(sorted(socks)))
            out, _ = ns_probe("udp", "5060")
            S.check(out == "SIP/2.0 200 OK", f"{label}: OPTIONS over UDP "
                    "on 127.0.0.1:5060 answered", out)
            out, _ = ns_probe("tcp", "5060")
            S.check(out == "SIP/2.0 200 OK", f"{label}: ... and over TCP",
                    out)
            health = sh("curl", "-s", "http://127.0.0.1:8080/health",
                        ns=NS, check=False).stdout
            S.check(health == '{"status":"ok"}', f"{label}: HTTP on "
                    "127.0.0.1:8080", health)
            if with_cert:
                out, _ = ns_probe("tls", "5061")
                S.check(out == "SIP/2.0 200 OK", "TLS on 127.0.0.1:5061 "
                        "answers with the certificate var/tls.pem", out)
            code = srv.stop()
            S.check(code == 0, f"{label}: clean exit", f"exit {code}")
            srv = None

        # make run: scripts/run.sh var (what the Makefile runs after db)
        srv = NsServer(work, [os.path.join(ROOT, "scripts", "run.sh"), "var"])
        printed = srv.stdout()
        check_make_run(printed, var)
        code = srv.stop()
        S.check(code == 0, "make run: the server stops cleanly on SIGTERM",
                f"exit {code}")
        srv = None
    finally:
        if srv:
            srv.stop()
        sh("ip", "netns", "del", NS, check=False)
        shutil.rmtree(work, ignore_errors=True)


class NsServer:
    """A command in the namespace with cwd `work`, its stdout and stderr in
    files; waits for the server's start-up line."""

    def __init__(self, work, cmd):
        self.out = tempfile.NamedTemporaryFile(prefix="sbclaims-out-",
                                               delete=False)
        self.err = tempfile.NamedTemporaryFile(prefix="sbclaims-err-",
                                               delete=False)
        self.proc = subprocess.Popen(["ip", "netns", "exec", NS] + cmd,
                                     cwd=work, stdout=self.out,
                                     stderr=self.err, env=clean_env())
        try:
            wait_for(lambda: "switchboard running" in self.stderr() or
                     self.proc.poll() is not None, 20, "the start-up line")
        except WaitTimeout:
            self.stop()
            raise
        if self.proc.poll() is not None:
            raise RuntimeError(f"{cmd} exited: {self.stderr()[-2000:]}")

    def stdout(self):
        with open(self.out.name, errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.err.name, errors="replace") as f:
            return f.read()

    def stop(self):
        # `ip netns exec` and run.sh exec the server: this pid is it
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.out, self.err):
            f.close()
            os.unlink(f.name)
        return self.proc.returncode


def check_make_run(printed, var):
    lines = printed.splitlines()

    def line(prefix):
        return next((ln.strip() for ln in lines
                     if ln.strip().startswith(prefix)), None)
    token = open(os.path.join(var, "admin.token")).read().strip()
    S.check(line("Admin token:") == f"Admin token: {token}",
            "make run prints the admin token of var/admin.token",
            str(line("Admin token:")))
    S.check(line("SIP ") == 'SIP      127.0.0.1:5060 (UDP and TCP), realm '
            '"switchboard"', "make run prints the SIP address and realm",
            str(line("SIP ")))
    S.check(line("HTTP API") == "HTTP API http://127.0.0.1:8080/api/v1/  "
            "(docs/api.md)", "make run prints the API address",
            str(line("HTTP API")))
    S.check(line("SIP/TLS") == "SIP/TLS  127.0.0.1:5061 (certificate "
            "var/tls.pem), SRTP offered",
            "make run prints TLS on 5061", str(line("SIP/TLS")))
    S.check(("tcp", "127.0.0.1:5061") in listening(NS),
            "... and TLS does listen on 127.0.0.1:5061")
    # the README's baresip examples are the printed ones
    readme = open(os.path.join(ROOT, "README.md")).read()
    for ex in ("<sip:1001@127.0.0.1:5060>;auth_pass=alpha1001",
               "<sip:1001@127.0.0.1:5061;transport=tls>;auth_pass=alpha1001;"
               "mediaenc=srtp"):
        S.check(ex in readme and any(ln.strip().endswith(ex)
                                     for ln in lines),
                f"README and make run show the account {ex}")
    # every printed phone logs in with its printed password, over UDP and
    # (for the TLS example) TLS; the realm of the challenge is the printed
    for user, pw in DEMO["devices"].items():
        pl = line(f"user {user}")
        S.check(pl is not None and pl.split()[3] == pw,
                f"make run prints phone {user} with password {pw}",
                str(pl))
        out, r = ns_probe("register", user, pw)
        S.check(out.splitlines() == ["switchboard", "SIP/2.0 200 OK"],
                f"the printed login {user}/{pw} registers (realm "
                "switchboard)", out + r.stderr[-500:])
    out, r = ns_probe("register", "1001", "alpha1001", "tls")
    S.check(out.splitlines() == ["switchboard", "SIP/2.0 200 OK"],
            "the printed TLS account registers on 5061",
            out + r.stderr[-500:])
    # the printed curl command works as printed
    cmd = next((ln.strip() for ln in lines
                if ln.strip().startswith("curl ")), "")
    out = sh("sh", "-c", cmd, ns=NS, check=False).stdout
    try:
        emps = json.loads(out)
    except ValueError:
        emps = None
    S.check(isinstance(emps, list) and
            sorted(e["first_name"] + " " + e["last_name"] for e in emps) ==
            ["Erika Musterfrau", "Max Mustermann"],
            "the printed curl command lists the demo employees", out[:300])
    # the printed numbers exist, as described
    nums = json.loads(sh("curl", "-s", "-H", f"Authorization: Bearer {token}",
                         "http://127.0.0.1:8080/api/v1/numbers",
                         ns=NS).stdout)
    by = {n["e164"]: n for n in nums}
    for e164, what in ((DEMO["max_personal"], "Max's personal number"),
                       (DEMO["erika_personal"], "Erika's personal number"),
                       (DEMO["central"], "central number (to Max)"),
                       (DEMO["announcement"], "announcement")):
        pl = next((ln for ln in lines if e164 in ln and what in ln), None)
        n = by.get(e164)
        S.check(pl is not None and n is not None and n["active"],
                f"make run prints {e164} ({what}), an active number",
                str(pl))
    S.check(by[DEMO["central"]]["target_type"] == "employee" and
            by[DEMO["central"]]["target_id"] ==
            by[DEMO["max_personal"]]["target_id"],
            "the central number's target is Max, as printed")
    st = json.loads(sh("curl", "-s", "-H", f"Authorization: Bearer {token}",
                       "http://127.0.0.1:8080/api/v1/trunks/1", ns=NS).stdout)
    S.check(line("0221..., 0033..., +33...") ==
            "0221..., 0033..., +33...    out through the demo trunk" and
            line(f"{st['name']}:") ==
            f"{st['name']}: from {st['host']} port {st['port']} "
            f"({st['transport']})",
            "make run prints the demo trunk's address (where the carrier "
            "must send from)", str(st))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "probe":
        probe(*sys.argv[2:])
        return
    if os.geteuid() != 0:
        S.check(False, "claims needs root (ip netns, ports)")
        S.finish()
    ka = None
    try:
        ka = KeepaliveDefaults()
    except Exception as e:  # noqa: BLE001 - reported, the rest goes on
        S.check(False, f"keep-alive server did not start: {e}")
    box = Box(["--keepalive-interval", "1", "--ring-timeout",
               str(RING_TIMEOUT)], tls=True)
    try:
        box.start()
        # stats first: it needs the fresh counters
        for t in (test_stats, test_ring_timeout, test_central_number,
                  test_srtp_suites, test_device_srtp,
                  test_keepalive_max_missed):
            S.run(t, box)
            box.close_phones()
            S.check(box.srv.proc.poll() is None,
                    f"server alive after {t.__name__}")
    finally:
        box.stop("claims server")
    S.run(test_defaults_and_make_run)
    if ka:
        S.run(ka.finish)
    S.finish()


if __name__ == "__main__":
    main()
