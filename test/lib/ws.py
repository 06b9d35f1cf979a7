"""A small WebSocket client (RFC 6455) for the tests of the event stream.

Python standard library only.  It frames by itself (client frames are
masked, server frames must not be) and checks what the server sends:
the 101's Sec-WebSocket-Accept, unmasked frames, no reserved bits.

    ws = WsClient(port, token=tok)            # Authorization: Bearer
    ws = WsClient(port, query="access_token=...", protocols=[...])
    st = ws.connect()                         # 101, or the error status
    ws.status, ws.headers, ws.body            # of the handshake's answer
    ev = ws.event(5)                          # next text message as JSON
    evs = ws.events_until(lambda e: ..., 10)  # up to and with the match
    ws.send(opcode, payload)                  # masked
    ws.close(1000, "bye")                     # -> (code, reason) echoed
    ws.frames(...)                            # raw (opcode, payload)

Self-test of the framing (no server): /usr/bin/python3 test/lib/ws.py
"""
import base64
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONT, TEXT, BIN, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def accept_of(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode())
                            .digest()).decode()


def encode_frame(opcode, payload=b"", mask=True, fin=True, key=None,
                 rsv=0):
    """One frame; masked (a client's) unless mask=False."""
    if isinstance(payload, str):
        payload = payload.encode()
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = key or os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def decode_frame(buf):
    """(fin, rsv, opcode, masked, payload, rest) of the first frame of buf,
    or None if it is not whole yet."""
    if len(buf) < 2:
        return None
    b0, b1 = buf[0], buf[1]
    n = b1 & 0x7F
    pos = 2
    if n == 126:
        if len(buf) < 4:
            return None
        n = struct.unpack("!H", buf[2:4])[0]
        pos = 4
    elif n == 127:
        if len(buf) < 10:
            return None
        n = struct.unpack("!Q", buf[2:10])[0]
        pos = 10
    masked = bool(b1 & 0x80)
    key = b""
    if masked:
        if len(buf) < pos + 4:
            return None
        key = buf[pos:pos + 4]
        pos += 4
    if len(buf) < pos + n:
        return None
    payload = buf[pos:pos + n]
    if masked:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return (bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0x0F, masked, payload,
            buf[pos + n:])


class WsError(RuntimeError):
    pass


class WsClient:
    def __init__(self, port, path="/api/v1/events", token=None, query=None,
                 protocols=None, headers=None, rcvbuf=None, host="127.0.0.1",
                 key=None, version="13", upgrade=True):
        self.port, self.path, self.token = port, path, token
        self.query, self.protocols = query, protocols
        self.extra = headers or {}
        self.rcvbuf, self.host = rcvbuf, host
        self.key = key or base64.b64encode(os.urandom(16)).decode()
        self.version, self.upgrade = version, upgrade
        self.sock = None
        self.buf = b""
        self.status = None
        self.headers = {}
        self.body = b""
        self.closed = None  # (code, reason) of the server's close frame
        self.pings = 0

    # ---- handshake ----------------------------------------------------
    def connect(self, timeout=5):
        """The opening handshake: returns the status (101 when upgraded);
        a non-101 answer's body is read (self.body) and the socket
        closed."""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if self.rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
        s.settimeout(timeout)
        s.connect((self.host, self.port))
        self.sock = s
        target = self.path + (f"?{self.query}" if self.query else "")
        lines = [f"GET {target} HTTP/1.1",
                 f"Host: {self.host}:{self.port}"]
        if self.upgrade:
            lines += ["Upgrade: websocket", "Connection: Upgrade",
                      f"Sec-WebSocket-Key: {self.key}",
                      f"Sec-WebSocket-Version: {self.version}"]
        if self.token:
            lines.append(f"Authorization: Bearer {self.token}")
        if self.protocols:
            lines.append("Sec-WebSocket-Protocol: " +
                         ", ".join(self.protocols))
        for k, v in self.extra.items():
            lines.append(f"{k}: {v}")
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        deadline = time.time() + timeout
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        hl = head.decode("latin-1").split("\r\n")
        self.status = int(hl[0].split()[1])
        for ln in hl[1:]:
            k, _, v = ln.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        if self.status != 101:
            n = int(self.headers.get("content-length", "0"))
            while len(self.buf) < n:
                self._fill(deadline)
            self.body = self.buf[:n]
            self.buf = b""
            s.close()
            self.sock = None
            return self.status
        if self.headers.get("sec-websocket-accept") != accept_of(self.key):
            raise WsError("bad Sec-WebSocket-Accept: "
                          f"{self.headers.get('sec-websocket-accept')}")
        return self.status

    def json_body(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def _fill(self, deadline):
        left = deadline - time.time()
        if left <= 0:
            raise socket.timeout("timed out")
        self.sock.settimeout(left)
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed by the server")
        self.buf += data

    # ---- frames -------------------------------------------------------
    def send(self, opcode, payload=b"", **kw):
        self.sock.sendall(encode_frame(opcode, payload, **kw))

    def frame(self, timeout=5):
        """The next frame as (opcode, payload); checks the server's rules
        (FIN, no mask, no reserved bits)."""
        deadline = time.time() + timeout
        while True:
            f = decode_frame(self.buf)
            if f:
                fin, rsv, op, masked, payload, self.buf = f
                if masked or rsv or not fin:
                    raise WsError(f"bad server frame: fin={fin} rsv={rsv} "
                                  f"masked={masked}")
                return op, payload
            self._fill(deadline)

    def message(self, timeout=5):
        """Next text message (pings answered, counted); a close frame is
        answered and raises WsError with self.closed set."""
        deadline = time.time() + timeout
        while True:
            op, payload = self.frame(max(0.01, deadline - time.time()))
            if op == PING:
                self.pings += 1
                self.send(PONG, payload)
            elif op == CLOSE:
                code = struct.unpack("!H", payload[:2])[0] \
                    if len(payload) >= 2 else None
                self.closed = (code, payload[2:].decode())
                try:
                    self.send(CLOSE, payload[:2])
                except OSError:
                    pass
                raise WsError(f"closed by the server: {self.closed}")
            elif op == TEXT:
                return payload.decode()
            elif op != PONG:
                raise WsError(f"unexpected opcode {op}")

    def event(self, timeout=5):
        return json.loads(self.message(timeout))

    def events_until(self, pred, timeout=10):
        """Events up to and including the first for which pred is true."""
        out = []
        deadline = time.time() + timeout
        while True:
            ev = self.event(max(0.01, deadline - time.time()))
            out.append(ev)
            if pred(ev):
                return out

    def quiet(self, secs):
        """Events that come within secs (none expected, usually)."""
        out = []
        deadline = time.time() + secs
        while time.time() < deadline:
            try:
                out.append(self.event(max(0.01, deadline - time.time())))
            except socket.timeout:
                break
        return out

    def close(self, code=1000, reason="", timeout=5):
        """Our close frame; returns the server's (code, reason) echo, and
        whether the server then closed the TCP connection."""
        self.send(CLOSE, struct.pack("!H", code) + reason.encode())
        deadline = time.time() + timeout
        echo = None
        while echo is None:
            op, payload = self.frame(max(0.01, deadline - time.time()))
            if op == CLOSE:
                echo = (struct.unpack("!H", payload[:2])[0]
                        if len(payload) >= 2 else None, payload[2:].decode())
        eof = False
        try:
            self._fill(deadline)
        except ConnectionError:
            eof = True
        except socket.timeout:
            eof = False
        self.sock.close()
        self.sock = None
        return echo, eof

    def abort(self):
        if self.sock:
            self.sock.close()
            self.sock = None


def has_key(o, key):
    """Does key occur at any depth of o (an event: e.g. "email")?"""
    if isinstance(o, dict):
        return key in o or any(has_key(v, key) for v in o.values())
    if isinstance(o, list):
        return any(has_key(v, key) for v in o)
    return False


class Reader(threading.Thread):
    """Reads a stream's events in the background (answering pings);
    the suites events, cluster_events and queue_scenario."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.c = client
        self.events = []
        self.error = None
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                self.events.append(self.c.event(0.2))
            except socket.timeout:
                continue
            except Exception as e:  # noqa: BLE001 - reported by the test
                self.error = e
                return

    def finish(self):
        self.stop = True
        self.join(5)
        return self.events


def selftest():
    ok = True
    # RFC 6455 1.3's example key
    ok &= accept_of("dGhlIHNhbXBsZSBub25jZQ==") == \
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    # RFC 6455 5.7: masked "Hello" with key 37 fa 21 3d
    f = encode_frame(TEXT, b"Hello", key=bytes([0x37, 0xfa, 0x21, 0x3d]))
    ok &= f == bytes([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d,
                      0x51, 0x58])
    d = decode_frame(f + b"x")
    ok &= d == (True, 0, TEXT, True, b"Hello", b"x")
    for n in (0, 125, 126, 65535, 65536):
        d = decode_frame(encode_frame(BIN, b"a" * n, mask=False))
        ok &= d is not None and len(d[4]) == n
    ok &= decode_frame(encode_frame(TEXT, b"a" * 300)[:-1]) is None
    print("ws.py selftest", "ok" if ok else "FAIL")
    return ok


if __name__ == "__main__":
    sys.exit(0 if selftest() else 1)
