"""rawsip.py - SIP by hand over UDP for the suites that need a message
exactly as they write it (edge, cluster, via, calls, trunks, failover,
schedule): digest answers, header lookups, a raw endpoint on an address
of its own, replies to a received request, and one INVITE whose final
answer is all that counts.

    from rawsip import Peer, digest, hdrs, raw_invite, reply, status, SDP
"""
import hashlib
import os
import re
import socket
import time

from ports import free_port

DOMAIN = "127.0.0.1"   # the host part of the URIs a Peer writes

SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
       "t=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def auth_value(user, password, realm, nonce, method, uri):
    """A Digest credentials value (qop=auth, nc 1) for nonce."""
    cnonce = os.urandom(4).hex()
    ha1 = md5(f"{user}:{realm}:{password}")
    ha2 = md5(f"{method}:{uri}")
    resp = md5(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}")
    return (f'Digest username="{user}", realm="{realm}", nonce="{nonce}", '
            f'uri="{uri}", response="{resp}", algorithm=MD5, '
            f'cnonce="{cnonce}", qop=auth, nc=00000001')


def digest(chall, user, password, method, uri):
    """The credentials answering challenge header value chall."""
    realm = re.search(r'realm="([^"]+)"', chall).group(1)
    nonce = re.search(r'nonce="([^"]+)"', chall).group(1)
    return auth_value(user, password, realm, nonce, method, uri)


def status(msg):
    m = re.match(r"SIP/2\.0 (\d{3})", msg)
    return int(m.group(1)) if m else None


def hdrs(msg, name):
    """Values of header name (one entry per line) in msg."""
    head = msg.split("\r\n\r\n", 1)[0]
    return [m.group(1).strip() for m in
            re.finditer(rf"(?im)^{name}[ \t]*:(.*)$", head)]


class Peer:
    """A raw UDP SIP endpoint on an address of its own."""

    def __init__(self, ip, port=0):
        self.ip = ip
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind((ip, port))
        self.port = self.s.getsockname()[1]
        self.n = 0
        self.pending = []

    def close(self):
        self.s.close()

    def send(self, data, dst):
        self.s.sendto(data.encode(), dst)

    def recv(self, pred, timeout=5):
        """The first message (pending ones first) pred accepts; others are
        kept.  None after timeout."""
        for i, m in enumerate(self.pending):
            if pred(m):
                return self.pending.pop(i)
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.s.settimeout(max(0.01, deadline - time.time()))
            try:
                d = self.s.recv(65535).decode(errors="replace")
            except socket.timeout:
                break
            if pred(d):
                return d
            self.pending.append(d)
        return None

    def request(self, dst, method, ruri, user, extra="", body="", cseq=1,
                callid=None, tag=None, to_user=None):
        self.n += 1
        branch = f"z9hG4bK{os.urandom(5).hex()}"
        callid = callid or f"edge-{os.urandom(5).hex()}@{self.ip}"
        tag = tag or os.urandom(3).hex()
        msg = (f"{method} {ruri} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {self.ip}:{self.port};branch={branch};"
               "rport\r\n"
               "Max-Forwards: 70\r\n"
               f"From: <sip:{user}@{DOMAIN}>;tag={tag}\r\n"
               f"To: <sip:{to_user or user}@{DOMAIN}>\r\n"
               f"Call-ID: {callid}\r\nCSeq: {cseq} {method}\r\n{extra}"
               f"Content-Length: {len(body)}\r\n\r\n{body}")
        self.send(msg, dst)
        return callid, tag

    def final(self, callid, method, timeout=5):
        def pred(d):
            return (d.startswith("SIP/2.0 ") and callid in d and
                    (status(d) or 0) >= 200 and
                    re.search(rf"(?im)^cseq:.*{method}", d))
        return self.recv(pred, timeout)

    def register(self, dst, user, password, contact=None, extra=""):
        """REGISTER with digest; the final answer (or None)."""
        ruri = f"sip:{DOMAIN}"
        contact = contact or f"{self.ip}:{self.port}"
        ct = f"Contact: <sip:{user}@{contact}>\r\nExpires: 600\r\n{extra}"
        callid, tag = self.request(dst, "REGISTER", ruri, user, ct)
        r = self.final(callid, "REGISTER")
        if not r or status(r) != 401:
            return r
        auth = digest(hdrs(r, "WWW-Authenticate")[0], user, password,
                      "REGISTER", ruri)
        self.request(dst, "REGISTER", ruri, user,
                     ct + f"Authorization: {auth}\r\n", cseq=2,
                     callid=callid, tag=tag)
        return self.final(callid, "REGISTER")


def reply(peer, req, code, reason, dst, totag="", extra="", body=""):
    """A response to req (its Via, From, To, Call-ID, CSeq and
    Record-Route copied), sent to dst."""
    lines = []
    for name in ("Via", "Record-Route", "From", "To", "Call-ID", "CSeq"):
        for v in hdrs(req, name):
            if name == "To" and totag and ";tag=" not in v:
                v += f";tag={totag}"
            lines.append(f"{name}: {v}")
    msg = (f"SIP/2.0 {code} {reason}\r\n" + "\r\n".join(lines) + "\r\n"
           f"{extra}Content-Length: {len(body)}\r\n\r\n{body}")
    peer.send(msg, dst)


def raw_invite(sip_port, src, ruri_user, to_user=None, from_host=None,
               to_host="127.0.0.1", body=None, callid_host="test", bye=False,
               timeout=3.0):
    """One INVITE from src (host, port) to ruri_user at 127.0.0.1:sip_port
    (To: to_user, default ruri_user, at to_host; From: +4930111222 at
    from_host, default src's host); the SDP body (default: PCMU on a free
    port).  Returns the first final status code (ACKed; with bye, a 200 is
    hung up at once) or None."""
    host, port = src
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(src)
    s.settimeout(timeout)
    sdp = body if body is not None else SDP.format(port=free_port(even=True))
    branch = "z9hG4bK" + os.urandom(6).hex()
    via = f"Via: SIP/2.0/UDP {host}:{port};branch={branch};rport\r\n"
    frm = (f"From: <sip:+4930111222@{from_host or host}>;"
           f"tag=t{branch[-6:]}\r\n")
    ruri = f"sip:{ruri_user}@127.0.0.1:{sip_port}"
    cid = f"Call-ID: {branch}@{callid_host}\r\n"
    msg = (f"INVITE {ruri} SIP/2.0\r\n{via}{frm}"
           f"To: <sip:{to_user or ruri_user}@{to_host}>\r\n"
           f"{cid}CSeq: 1 INVITE\r\n"
           f"Contact: <sip:+4930111222@{host}:{port}>\r\n"
           "Max-Forwards: 70\r\nContent-Type: application/sdp\r\n"
           f"Content-Length: {len(sdp)}\r\n\r\n{sdp}")
    s.sendto(msg.encode(), ("127.0.0.1", sip_port))
    code = None
    try:
        while True:
            data = s.recv(65535).decode(errors="replace")
            if not data.startswith("SIP/2.0"):
                continue
            c = int(data.split(" ", 2)[1])
            if c < 200:
                continue
            code = c
            to = [ln for ln in data.split("\r\n")
                  if ln.lower().startswith("to:")][0]
            ack = (f"ACK {ruri} SIP/2.0\r\n{via}{frm}{to}\r\n"
                   f"{cid}CSeq: 1 ACK\r\n"
                   "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
            s.sendto(ack.encode(), ("127.0.0.1", sip_port))
            if c == 200 and bye:
                s.sendto((f"BYE {ruri} SIP/2.0\r\n{via}{frm}{to}\r\n"
                          f"{cid}CSeq: 2 BYE\r\n"
                          "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
                         .encode(), ("127.0.0.1", sip_port))
            break
    except socket.timeout:
        pass
    finally:
        s.close()
    return code
