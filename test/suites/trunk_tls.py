#!/usr/bin/env python3
"""trunk_tls.py - a TLS trunk checks its carrier's certificate (issue 20).

The carrier is a Python TLS server on 127.0.0.1 that speaks just enough
SIP: it answers every INVITE "486 Busy Here" (so a call that reaches it
ends at once, with a code only the carrier gives) and records what it saw:
finished handshakes and their SNI, failed handshakes, INVITEs.  Its
certificates are made here with the openssl command line: a test CA, a
certificate of it for IP 127.0.0.1 and carrier.test, one of it for
other.test only, and a self-signed one for 127.0.0.1.

Our demo phone 1001 (baresip, UDP) dials a French number, which goes out
through the demo trunk, set to TLS towards the carrier.  A certificate we
accept: the carrier sees the INVITE, the phone gets its 486.  One we
refuse: the carrier sees a failed handshake and no INVITE, the phone gets
503 "Carrier TLS Certificate Refused", and our log says why.  Every case
has a carrier on a port of its own (a fresh connection: libre keeps a
connection that worked).

The TLS gauge: while a call rings at a carrier that answers 180 and
holds (ring=True), switchboard_sip_connections{transport="tls"} is 1 (our
outgoing connection, which never carried a request to us; the phone is on
UDP); the carrier sends an OPTIONS over it: still 1 (counted once); the
caller hangs up (CANCEL, the carrier's 487): still 1, libre
keeps the connection; the carrier closes it: 0.
"""
import http.client
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard  # noqa: E402
from peers import Baresip, free_port, wait_for  # noqa: E402

S = Suite("trunk_tls")
PW = DEMO["devices"]
NUMBER = "+33123456789"
REFUSED = "503 Carrier TLS Certificate Refused"


# ---- certificates ----------------------------------------------------------
def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True,
                   timeout=30)


class Certs:
    """A test CA and carrier certificates in a temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="trunktls-")
        self.ca = self.path("ca.pem")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=Switchboard Test CA",
                "-keyout", self.path("ca.key"), "-out", self.ca)
        self.good = self.signed("good", "IP:127.0.0.1,DNS:carrier.test")
        self.other = self.signed("other", "DNS:other.test")
        self.selfsigned = self.path("self.pem")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=carrier.test",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:carrier.test",
                "-keyout", self.path("self.key"), "-out", self.selfsigned)
        self.keys = {self.good: self.path("good.key"),
                     self.other: self.path("other.key"),
                     self.selfsigned: self.path("self.key")}
        # a file that holds no certificate
        self.nocert = self.path("nocert.pem")
        with open(self.nocert, "w") as f:
            f.write("not a certificate\n")

    def path(self, name):
        return os.path.join(self.dir, name)

    def signed(self, name, san):
        key, csr, crt = (self.path(f"{name}.{x}") for x in ("key", "csr",
                                                            "pem"))
        ext = self.path(f"{name}.ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n")
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes",
                "-subj", f"/CN={name}", "-keyout", key, "-out", csr)
        openssl("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey",
                self.path("ca.key"), "-CAcreateserial", "-days", "2",
                "-extfile", ext, "-out", crt)
        return crt

    def fingerprint(self, crt, colons=True):
        out = subprocess.run(["openssl", "x509", "-in", crt, "-noout",
                              "-fingerprint", "-sha256"], check=True,
                             capture_output=True, text=True).stdout
        fp = out.strip().split("=", 1)[1]
        return fp if colons else fp.replace(":", "").lower()

    def cleanup(self):
        subprocess.run(["rm", "-rf", self.dir], check=False)


# ---- the carrier -------------------------------------------------------------
class Carrier:
    """A TLS server with one certificate that answers INVITEs 486."""

    def __init__(self, cert, key, ring=False):
        self.ring = ring  # 180 and hold; a CANCEL gets 200 and 487
        self.pending = {}  # Call-ID: the INVITE's head (ring)
        self.responses = []  # status lines of responses to us
        self.conns = []
        self.port = free_port()
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.ctx.sni_callback = self._sni
        self.lock = threading.Lock()
        self.handshakes = 0
        self.failures = []
        self.invites = []
        self.sni = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _sni(self, sslsock, name, ctx):
        with self.lock:
            self.sni.append(name)

    def _serve(self):
        while self.running:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._conn, args=(c,),
                             daemon=True).start()

    def _conn(self, c):
        c.settimeout(10)
        try:
            s = self.ctx.wrap_socket(c, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with self.lock:
                self.failures.append(str(e))
            c.close()
            return
        with self.lock:
            self.handshakes += 1
            self.conns.append(s)
        buf = b""
        try:
            while self.running:
                try:
                    data = s.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    break
                buf += data
                while b"\r\n\r\n" in buf:
                    head, rest = buf.split(b"\r\n\r\n", 1)
                    clen = 0
                    for line in head.split(b"\r\n")[1:]:
                        k, _, v = line.partition(b":")
                        if k.strip().lower() in (b"content-length", b"l"):
                            clen = int(v.strip())
                    if len(rest) < clen:
                        break
                    buf = rest[clen:]
                    self._request(s, head.decode(errors="replace"))
        except (ssl.SSLError, OSError):
            pass
        finally:
            s.close()

    def _answer(self, s, lines, status):
        keep = ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq")
        out = [f"SIP/2.0 {status}"]
        for line in lines[1:]:
            name = line.split(":", 1)[0].strip().lower()
            if name in keep:
                if name in ("to", "t"):
                    line += ";tag=carrier1"
                out.append(line)
        out.append("Content-Length: 0")
        s.sendall(("\r\n".join(out) + "\r\n\r\n").encode())

    def _request(self, s, head):
        lines = head.split("\r\n")
        cid = [ln.split(":", 1)[1].strip() for ln in lines[1:]
               if ln.split(":", 1)[0].strip().lower() in ("call-id", "i")]
        cid = cid[0] if cid else ""
        if lines[0].startswith("SIP/2.0 "):
            with self.lock:
                self.responses.append(lines[0])
            return
        if lines[0].startswith("CANCEL ") and self.ring:
            self._answer(s, lines, "200 OK")
            inv = self.pending.pop(cid, None)
            if inv:
                self._answer(s, inv, "487 Request Terminated")
            return
        if not lines[0].startswith("INVITE "):
            return
        with self.lock:
            self.invites.append(lines[0])
        if self.ring:
            self.pending[cid] = lines
            self._answer(s, lines, "180 Ringing")
        else:
            self._answer(s, lines, "486 Busy Here")

    def send_options(self, sip_port):
        """An OPTIONS to us over the first connection (ours to it)."""
        with self.lock:
            s = self.conns[0]
        s.sendall((f"OPTIONS sip:127.0.0.1:{sip_port} SIP/2.0\r\n"
                   f"Via: SIP/2.0/TLS 127.0.0.1:{self.port};branch="
                   f"z9hG4bK-opt{self.port}\r\n"
                   f"Max-Forwards: 70\r\n"
                   f"From: <sip:carrier@127.0.0.1>;tag=opt1\r\n"
                   f"To: <sip:127.0.0.1:{sip_port}>\r\n"
                   f"Call-ID: opt-{self.port}@127.0.0.1\r\n"
                   f"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
                  .encode())

    def close_conns(self):
        """Close the connections (as a carrier that goes away)."""
        with self.lock:
            conns, self.conns = self.conns, []
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self.running = False
        self.sock.close()
        self.thread.join(2)
        self.close_conns()


# ---- helpers ---------------------------------------------------------------
def set_trunk(sb, carrier, **tls):
    body = {"host": "127.0.0.1", "port": carrier.port, "transport": "tls",
            "ca_file": None, "tls_fingerprint": None, "tls_name": None}
    body.update(tls)
    st, t = sb.api("PATCH", "/api/v1/trunks/1", body)
    S.check(st == 200, f"trunk set to TLS {tls}", f"{st} {t}")
    return t


def call_out(sb, phone):
    """Dial the number out through the trunk; the CALL_CLOSED param."""
    m = phone.mark()
    phone.dial(f"sip:{NUMBER}@127.0.0.1:{sb.sip_port}")
    ev = phone.wait_event("CALL_CLOSED", 15, since=m)
    return ev.get("param", "") if ev else None


def accepted(sb, phone, certs, what, cert, **tls):
    carrier = Carrier(cert, certs.keys[cert])
    try:
        set_trunk(sb, carrier, **tls)
        param = call_out(sb, phone)
        S.check(param is not None and param.startswith("486 "),
                f"{what}: the call goes out (the carrier's 486)", str(param))
        S.check(len(carrier.invites) == 1 and carrier.handshakes == 1
                and not carrier.failures,
                f"{what}: the carrier got one INVITE over one handshake",
                f"{carrier.invites} {carrier.handshakes} {carrier.failures}")
        return carrier
    finally:
        carrier.stop()


def refused(sb, phone, certs, what, cert, log_reason, **tls):
    carrier = Carrier(cert, certs.keys[cert])
    try:
        set_trunk(sb, carrier, **tls)
        mark = len(sb.logtext())
        param = call_out(sb, phone)
        S.check(param == REFUSED, f"{what}: the caller gets {REFUSED}",
                str(param))
        # the carrier's side of the failed handshake is logged by its
        # thread a moment after our side gave up
        wait_for(lambda: carrier.failures, 5, "carrier saw the failure")
        S.check(not carrier.invites and carrier.handshakes == 0
                and len(carrier.failures) == 1,
                f"{what}: no INVITE, the carrier saw a failed handshake",
                f"{carrier.invites} {carrier.handshakes} {carrier.failures}")
        want = (f"sip: trunk 1 (Demo-Carrier) at 127.0.0.1:{carrier.port}: "
                f"TLS certificate refused: {log_reason}")
        log = sb.logtext()[mark:]
        S.check(want in log, f"{what}: the log says why: {log_reason}",
                log[-600:])
    finally:
        carrier.stop()


# ---- tests -----------------------------------------------------------------
def test_api(sb, certs):
    fp = certs.fingerprint(certs.selfsigned)
    st, t = sb.api("PATCH", "/api/v1/trunks/1", {
        "tls_fingerprint": certs.fingerprint(certs.selfsigned, False),
        "ca_file": certs.ca, "tls_name": "carrier.test"})
    S.check(st == 200 and t["tls_fingerprint"] == fp and t["ca_file"] ==
            certs.ca and t["tls_name"] == "carrier.test",
            "fingerprint stored as AB:CD:... (from 64 lowercase digits), "
            "ca_file and tls_name", f"{st} {t}")
    st, t = sb.api("PATCH", "/api/v1/trunks/1", {
        "tls_fingerprint": None, "ca_file": None, "tls_name": None})
    S.check(st == 200 and t["tls_fingerprint"] is None and t["ca_file"] is
            None and t["tls_name"] is None, "null clears all three",
            f"{st} {t}")
    S.error_is("a fingerprint of 31 bytes", sb.api(
        "PATCH", "/api/v1/trunks/1", {"tls_fingerprint": fp[:-3]}), 422,
        "tls_fingerprint: must be a SHA-256 fingerprint: 64 hex digits, "
        "optionally as 32 pairs separated by colons")
    S.error_is("a fingerprint with a non-hex digit", sb.api(
        "PATCH", "/api/v1/trunks/1", {"tls_fingerprint": "G" + fp[1:]}),
        422, "tls_fingerprint: must be a SHA-256 fingerprint: 64 hex "
        "digits, optionally as 32 pairs separated by colons")
    for path, what in (("ca.pem", "a relative path"),
                       (certs.path("missing.pem"), "a missing file"),
                       (certs.nocert, "a file without certificate")):
        S.error_is(f"ca_file: {what}", sb.api(
            "PATCH", "/api/v1/trunks/1", {"ca_file": path}), 422,
            f"ca_file: {path} is not an absolute path of a readable PEM "
            "file with CA certificates")
    S.error_is("tls_name: an IP address", sb.api(
        "PATCH", "/api/v1/trunks/1", {"tls_name": "127.0.0.1"}), 422,
        "tls_name: must be a DNS name (null: the certificate must name "
        "the host's IP address)")


def tls_gauge(sb):
    """switchboard_sip_connections{transport="tls"} of GET /metrics."""
    c = http.client.HTTPConnection("127.0.0.1", sb.http_port, timeout=10)
    try:
        c.request("GET", "/metrics",
                  headers={"Authorization": f"Bearer {sb.token}"})
        text = c.getresponse().read().decode()
    finally:
        c.close()
    for ln in text.split("\n"):
        if ln.startswith('switchboard_sip_connections{transport="tls"} '):
            return int(ln.split()[1])
    return None


def gauge_case(sb, phone, certs):
    """The TLS gauge counts our connection to the carrier."""
    S.check(wait_for(lambda: tls_gauge(sb) == 0, 15, "no TLS yet"),
            "before the TLS trunk call: sip_connections{tls} 0",
            str(tls_gauge(sb)))
    carrier = Carrier(certs.good, certs.keys[certs.good], ring=True)
    try:
        set_trunk(sb, carrier, ca_file=certs.ca)
        m = phone.mark()
        phone.dial(f"sip:{NUMBER}@127.0.0.1:{sb.sip_port}")
        wait_for(lambda: carrier.invites, 10, "the INVITE at the carrier")
        ev = phone.wait_event("CALL_RINGING", 10, since=m)
        S.check(ev is not None and carrier.handshakes == 1 and
                tls_gauge(sb) == 1,
                "a TLS trunk call ringing at the carrier: "
                "sip_connections{tls} 1 (our outgoing connection)",
                f"{ev} {carrier.handshakes} {tls_gauge(sb)}")
        carrier.send_options(sb.sip_port)
        wait_for(lambda: carrier.responses, 5, "the answer to OPTIONS")
        S.check(tls_gauge(sb) == 1,
                "the carrier sent a request over it (OPTIONS, answered "
                f"{carrier.responses}): still 1, counted once",
                str(tls_gauge(sb)))
        phone.hangup()
        ev = phone.wait_event("CALL_CLOSED", 10, since=m)
        S.check(ev is not None and tls_gauge(sb) == 1,
                "the caller hung up (CANCEL): still 1, the connection "
                "stays", f"{ev} {tls_gauge(sb)}")
        carrier.close_conns()
        S.check(wait_for(lambda: tls_gauge(sb) == 0, 10, "closed"),
                "the carrier closed it: sip_connections{tls} 0",
                str(tls_gauge(sb)))
    finally:
        carrier.stop()


def test_calls(sb, certs):
    phone = Baresip("1001", PW["1001"], server=("127.0.0.1", sb.sip_port))
    phone.start()
    try:
        S.check(phone.wait_registered(10), "phone 1001 registered")
        gauge_case(sb, phone, certs)
        # (a) the CA's certificate for 127.0.0.1, the CA as ca_file
        accepted(sb, phone, certs, "CA-signed, names the IP", certs.good,
                 ca_file=certs.ca)
        c = accepted(sb, phone, certs, "CA-signed, names tls_name",
                     certs.good, ca_file=certs.ca, tls_name="carrier.test")
        S.check(c.sni == ["carrier.test"], "tls_name is sent as SNI",
                str(c.sni))
        # (b) refused
        refused(sb, phone, certs, "self-signed", certs.selfsigned,
                "self-signed certificate (depth 0, /CN=carrier.test)",
                ca_file=certs.ca)
        refused(sb, phone, certs, "CA-signed for another name",
                certs.other, "IP address mismatch (it does not name "
                "127.0.0.1; /CN=other)", ca_file=certs.ca)
        refused(sb, phone, certs, "CA-signed, tls_name not in it",
                certs.other, "hostname mismatch (it does not name "
                "carrier.test; /CN=other)", ca_file=certs.ca,
                tls_name="carrier.test")
        refused(sb, phone, certs, "no ca_file: the system's CAs",
                certs.good, "unable to get local issuer certificate "
                "(depth 0, /CN=good)")
        # (c) the pinned fingerprint accepts the self-signed one
        accepted(sb, phone, certs, "self-signed, pinned", certs.selfsigned,
                 tls_fingerprint=certs.fingerprint(certs.selfsigned))
        refused(sb, phone, certs, "pinned, another certificate",
                certs.good, f"fingerprint {certs.fingerprint(certs.good)} "
                "is not the pinned one",
                tls_fingerprint=certs.fingerprint(certs.selfsigned))
        st, calls = sb.api("GET", "/api/v1/calls?limit=1")
        last = calls[0] if st == 200 and calls else {}
        S.check(last.get("sip_code") == 503,
                "the call record of a refused call: 503", str(last))
    finally:
        phone.stop()


def main():
    certs = Certs()
    sb = Switchboard(tls=True).start()
    try:
        S.run(test_api, sb, certs)
        S.run(test_calls, sb, certs)
        S.check(sb.alive(), "server alive")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
        certs.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
