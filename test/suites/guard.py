#!/usr/bin/python3
"""guard.py - password guessing gets nowhere, the phones keep working.

Issue 7, point 4, with real peers on 127.0.0.1 (other 127.0.0.x addresses
stand for other sources):

* Two baresip desk phones (1001, 1002) register BEFORE the attack, as the
  phones of an office behind one NAT address do: they keep their own NAT
  port by refreshing (regint 15 s here).  sipvicious svcrack then guesses
  1001's password from the same address (127.0.0.1, another port) with the
  right password last.  It must find nothing: after 5 failures the address
  is blocked and every further guess, the right one included, gets the
  same 403 unchecked.  Meanwhile a guesser keeps going, and the registered
  phone re-registers and calls 1002 (answered): a request from the exact
  ip:port/transport of a live registration of its own device is trusted
  and checked normally.
* The limit of that rule, shown on purpose: a phone of the same office
  that starts during the block (new port, no registration yet) is refused
  until the block ends or an admin lifts it through the API.
* The API lists the block and lifts it; then a fresh login from 127.0.0.1
  (sipsak) works again.
* Guessing spread over many addresses throttles the username: after ten
  wrong passwords from ten addresses the right one from an eleventh
  registers once a 1 s window is over, while each further wrong guess
  doubles the window (2, 4, 8 s) in which untrusted attempts are refused
  unchecked; its registered phone works throughout.
* Authorization in another scheme (Basic, Bearer) gets a Digest challenge
  and counts nothing.
* Wrong user and wrong password answer with the same status line.
* A replayed Authorization (same nonce, same nc) is challenged, not
  accepted; the next nc with the same nonce is accepted.
* fail2ban-regex with contrib's filter matches every failure line of the
  daemon's log.
"""
import hashlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard  # noqa: E402
from peers import Baresip, free_port  # noqa: E402

S = Suite("guard")
PW = DEMO["devices"]
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FILTER = os.path.join(ROOT, "contrib", "fail2ban", "filter.d",
                      "switchboard.conf")
MAX_FAILURES, WINDOW, BLOCK = 5, 60, 90


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


class RawUA:
    """REGISTERs from a UDP socket of our own on src_ip, so that the digest
    (and its replay) is under our control."""

    def __init__(self, sb, src_ip="127.0.0.1"):
        self.sb = sb
        self.ip = src_ip
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind((src_ip, 0))
        self.s.settimeout(3)
        self.port = self.s.getsockname()[1]
        self.callid = os.urandom(8).hex() + "@guard"
        self.tag = os.urandom(4).hex()
        self.cseq = 0
        self.uri = f"sip:127.0.0.1:{sb.sip_port}"

    def close(self):
        self.s.close()

    def register(self, user, auth_hdr="", to_user=None):
        """Send one REGISTER (no Contact: a query) for the address of
        to_user (default: user); return the final response as text, or ""
        on timeout."""
        self.cseq += 1
        branch = "z9hG4bK" + os.urandom(8).hex()
        msg = (f"REGISTER {self.uri} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {self.ip}:{self.port};branch={branch};"
               "rport\r\n"
               "Max-Forwards: 70\r\n"
               f"From: <sip:{user}@127.0.0.1>;tag={self.tag}\r\n"
               f"To: <sip:{to_user or user}@127.0.0.1>\r\n"
               f"Call-ID: {self.callid}\r\n"
               f"CSeq: {self.cseq} REGISTER\r\n"
               f"{auth_hdr}"
               "Content-Length: 0\r\n\r\n")
        self.s.sendto(msg.encode(), ("127.0.0.1", self.sb.sip_port))
        try:
            while True:
                data = self.s.recv(65535).decode(errors="replace")
                if int(data.split(" ", 2)[1]) >= 200:
                    return data
        except (socket.timeout, ValueError, IndexError):
            return ""

    def authorization(self, user, password, chall, nc, cnonce=None):
        realm = re.search(r'realm="([^"]+)"', chall).group(1)
        nonce = re.search(r'nonce="([^"]+)"', chall).group(1)
        cnonce = cnonce or os.urandom(8).hex()
        ha1 = md5(f"{user}:{realm}:{password}")
        ha2 = md5(f"REGISTER:{self.uri}")
        resp = md5(f"{ha1}:{nonce}:{nc:08x}:{cnonce}:auth:{ha2}")
        return (f'Authorization: Digest username="{user}", realm="{realm}", '
                f'nonce="{nonce}", uri="{self.uri}", response="{resp}", '
                f'algorithm=MD5, cnonce="{cnonce}", qop=auth, nc={nc:08x}\r\n')

    def login(self, user, password):
        """Challenge, then answer it: the final response to the answer."""
        chall = self.register(user)
        if not chall.startswith("SIP/2.0 401"):
            return chall
        return self.register(user, self.authorization(user, password, chall,
                                                      1))


def wait_log(sb, pattern, timeout=10):
    """The first match of the regex pattern in the daemon's log, waiting
    for it up to timeout [s]; None if it did not appear."""
    deadline = time.time() + timeout
    while True:
        m = re.search(pattern, sb.logtext())
        if m or time.time() > deadline:
            return m
        time.sleep(0.05)


def status_line(resp):
    return resp.split("\r\n", 1)[0]


def blocks(sb):
    st, body = sb.api("GET", "/api/v1/auth_blocks")
    return body if st == 200 and isinstance(body, list) else []


def find_block(sb, kind, key):
    for b in blocks(sb):
        if b["kind"] == kind and b["key"] == key:
            return b
    return None


def unblock(sb, key):
    st, _ = sb.api("DELETE", "/api/v1/auth_blocks/" +
                   urllib.parse.quote(key, safe=""))
    return st


def phone(sb, user, **kw):
    p = Baresip(user, PW[user], server=("127.0.0.1", sb.sip_port), regint=15,
                **kw)
    p.start()
    return p


def test_same_answer(sb):
    """Unknown user and wrong password: the same status line (from an
    address of its own, so that the attack below starts from zero)."""
    ua = RawUA(sb, "127.0.0.20")
    try:
        nouser = ua.login("9999", "whatever")
        badpw = ua.login("1011", "not-charlie")  # 1002 is sprayed later
    finally:
        ua.close()
    S.check(status_line(nouser) == status_line(badpw) ==
            "SIP/2.0 403 Forbidden",
            "unknown user and wrong password: identical status lines",
            f"{status_line(nouser)!r} / {status_line(badpw)!r}")
    S.check(wait_log(sb, rf"failure from 127\.0\.0\.20 port {ua.port} "
                     r"user '9999' \(unknown user\)", 5) is not None and
            wait_log(sb, rf"failure from 127\.0\.0\.20 port {ua.port} "
                     r"user '1011' \(wrong password\)", 5) is not None,
            "the log (only) tells the two apart")


def test_replay(sb):
    """A captured Authorization sent again (same nonce, same nc) is
    challenged afresh; the next nc with the same nonce is fine."""
    ua = RawUA(sb, "127.0.0.21")
    try:
        chall = ua.register("1011")
        auth1 = ua.authorization("1011", PW["1011"], chall, 1)
        first = ua.register("1011", auth1)
        again = ua.register("1011", auth1)        # new CSeq, same header
        auth2 = ua.authorization("1011", PW["1011"], chall, 2)
        second = ua.register("1011", auth2)
        stale_again = ua.register("1011", auth2)
    finally:
        ua.close()
    S.check(status_line(first) == "SIP/2.0 200 OK",
            "digest computed from a real 401 is accepted",
            status_line(first))
    nonce1 = re.search(r'nonce="([^"]+)"', chall).group(1)
    m = re.search(r'nonce="([^"]+)"', again)
    S.check(status_line(again) == "SIP/2.0 401 Unauthorized" and
            "stale=true" not in again and m and m.group(1) != nonce1,
            "replayed nonce-count: fresh challenge with stale=false",
            again[:300])
    S.check(status_line(second) == "SIP/2.0 200 OK",
            "nc 2 with the same nonce is accepted", status_line(second))
    S.check(status_line(stale_again).startswith("SIP/2.0 401"),
            "and its replay is challenged too", status_line(stale_again))
    S.check(wait_log(sb, "nonce-count 00000001 of user '1011' replayed",
                     5) is not None, "the replay is logged")


def test_interval(sb):
    """A binding shorter than --reg-min-expires (10 here): 423 Interval
    Too Brief with Min-Expires: 10, read from the response; the control:
    the same REGISTER with Expires 10 is taken (200), then removed."""
    ua = RawUA(sb, "127.0.0.22")
    try:
        chall = ua.register("1011")
        contact = f"Contact: <sip:1011@127.0.0.22:{ua.port}>\r\n"
        answers = []
        for nc, exp in ((1, 5), (2, 10), (3, 0)):
            answers.append(ua.register("1011", ua.authorization(
                "1011", PW["1011"], chall, nc) + contact +
                f"Expires: {exp}\r\n"))
    finally:
        ua.close()
    short, ok, gone = answers
    S.check(status_line(short) == "SIP/2.0 423 Interval Too Brief" and
            re.search(r"(?m)^Min-Expires: 10\r$", short) is not None,
            "REGISTER with Expires 5: 423 Interval Too Brief, "
            "Min-Expires: 10", short[:300])
    S.check(status_line(ok) == "SIP/2.0 200 OK" and
            re.search(r"(?m)^Contact: .*expires=10", ok) is not None,
            "control: the same with Expires 10: 200, binding for 10 s",
            ok[:400])
    S.check(status_line(gone) == "SIP/2.0 200 OK",
            "and Expires 0 removes it: 200", status_line(gone))


def test_foreign_aor(sb):
    """A device may bind only its own address: 1011's valid credentials
    in a REGISTER for 1002 get 403 Forbidden, read from the response; the
    control: the same credentials for 1011's own address get 200."""
    ua = RawUA(sb, "127.0.0.23")
    try:
        chall = ua.register("1011", to_user="1002")
        contact = f"Contact: <sip:1011@127.0.0.23:{ua.port}>\r\n"
        other = ua.register("1011", ua.authorization(
            "1011", PW["1011"], chall, 1) + contact + "Expires: 60\r\n",
            to_user="1002")
        own = ua.register("1011", ua.authorization(
            "1011", PW["1011"], chall, 2) + contact + "Expires: 0\r\n")
    finally:
        ua.close()
    S.check(status_line(chall).startswith("SIP/2.0 401"),
            "REGISTER for 1002 without credentials: 401 challenge",
            status_line(chall))
    S.check(status_line(other) == "SIP/2.0 403 Forbidden",
            "1011's valid credentials binding 1002's address: 403 Forbidden",
            other[:300])
    S.check(status_line(own) == "SIP/2.0 200 OK",
            "control: the same credentials for 1011's own address: 200",
            own[:300])


class Guesser(threading.Thread):
    """Keeps guessing 1001's password from 127.0.0.1 until stopped; counts
    the answers."""

    def __init__(self, sb):
        super().__init__(daemon=True)
        self.sb = sb
        self.stop_ev = threading.Event()
        self.answers = {}

    def run(self):
        ua = RawUA(self.sb, "127.0.0.1")
        try:
            n = 0
            while not self.stop_ev.is_set():
                n += 1
                st = status_line(ua.login("1001", f"guess{n}"))
                self.answers[st] = self.answers.get(st, 0) + 1
                self.stop_ev.wait(0.3)
            # and the right password, now
            st = status_line(ua.login("1001", PW["1001"]))
            self.answers["right: " + st] = 1
        finally:
            ua.close()


def test_svcrack(sb, p1001, p1002):
    tmp = tempfile.mkdtemp(prefix="guard-")
    wl = os.path.join(tmp, "words")
    with open(wl, "w") as f:
        for i in range(30):
            f.write(f"guess{i:02d}\n")
        f.write(PW["1001"] + "\n")          # the right one, last
    t0 = time.time()
    r = subprocess.run(["svcrack", "-u", "1001", "-d", wl,
                        "-b", "127.0.0.1", "-x", "127.0.0.1",
                        "-P", str(free_port()), "-p", str(sb.sip_port),
                        "--maximumtime", "3", "127.0.0.1"],
                       capture_output=True, text=True, timeout=120)
    out = r.stdout + r.stderr
    os.unlink(wl)
    os.rmdir(tmp)
    S.check("found nothing" in out and PW["1001"] not in out,
            "svcrack with the right password last finds nothing",
            out[-600:])
    log = sb.logtext()
    S.check(f"auth: blocked 127.0.0.1 for {BLOCK} s after {MAX_FAILURES} "
            "failures" in log, "the block is logged", log[-1500:])
    wrong = len(re.findall(r"auth: failure from 127\.0\.0\.1 port \d+ user "
                           r"'1001' \(wrong password\)", log))
    S.check(wrong == MAX_FAILURES,
            f"exactly {MAX_FAILURES} passwords were checked, the rest "
            "refused unchecked", f"{wrong} checked")
    b = find_block(sb, "source", "127.0.0.1")
    S.check(b is not None and b["failures"] == MAX_FAILURES and
            b["refused"] > 0 and b["blocked_until"],
            "GET /api/v1/auth_blocks lists 127.0.0.1", str(blocks(sb)))
    if b:
        # the window is measured from the block's start: BLOCK s
        start = re.search(r"^(\S+) INFO  auth: blocked 127\.0\.0\.1 for",
                          log, re.M)
        length = iso_time(b["blocked_until"]) - iso_time(start.group(1)) \
            if start else None
        S.check(length is not None and abs(length - BLOCK) < 1.0,
                f"the block lasts {BLOCK} s from the 5th failure",
                f"{length} s")
    # the right password from the blocked address, read from the response
    ua = RawUA(sb, "127.0.0.1")
    try:
        chall = ua.register("1001")
        resp = ua.register("1001", ua.authorization("1001", PW["1001"],
                                                    chall, 1)) \
            if chall.startswith("SIP/2.0 401") else chall
    finally:
        ua.close()
    S.check(status_line(resp) == "SIP/2.0 403 Forbidden",
            "the right password from the blocked address: 403 Forbidden",
            status_line(resp))
    S.check(wait_log(sb, rf"failure from 127\.0\.0\.1 port {ua.port} user "
                     r"'1001' \(blocked\)", 5) is not None,
            "refused because of the block (not checked as a password)")
    return t0


def test_phones_keep_working(sb, p1001, p1002, t_attack):
    """While the guessing goes on, the registered phones re-register and
    call each other."""
    m1, m2 = p1001.mark(), p1002.mark()
    g = Guesser(sb)
    g.start()
    try:
        ok = p1001.wait_event("REGISTER_OK", 25, since=m1) is not None
        S.check(ok, "phone 1001 re-registers from its own port during the "
                "block", f"{time.time() - t_attack:.0f} s after the attack")
        p1001.dial(f"sip:1002@127.0.0.1:{sb.sip_port}")
        est = p1001.wait_event("CALL_ESTABLISHED", 15, since=m1) is not None
        S.check(est and p1002.wait_event("CALL_ESTABLISHED", 5,
                                         since=m2) is not None,
                "phone 1001 calls 1002 during the block: answered")
        p1001.hangup()
        S.check(p1002.wait_event("CALL_CLOSED", 10, since=m2) is not None,
                "hang-up reaches 1002")
        S.check(sb.alive(), "server alive")

        # the limit of the rule: a new phone of the same office
        # (test_lift starts the same phone after the lift: it registers)
        late = phone(sb, "1011")
        try:
            refused = wait_log(sb, rf"failure from 127\.0\.0\.1 port "
                               rf"{late.sip_port} user '1011' \(blocked\)",
                               15)
            S.check(refused is not None,
                    "a phone that starts during the block (new port, not "
                    "registered yet) is refused because of the block")
            S.check(not late.registered(),
                    "and is not registered", late.reginfo())
        finally:
            late.stop()
    finally:
        g.stop_ev.set()
        g.join(15)
    S.check(set(g.answers) == {"SIP/2.0 403 Forbidden",
                               "right: SIP/2.0 403 Forbidden"},
            "the guesser only ever got 403, also for the right password",
            str(g.answers))
    own = re.findall(rf"failure from 127\.0\.0\.1 port "
                     rf"(?:{p1001.sip_port}|{p1002.sip_port}) ",
                     sb.logtext())
    S.check(not own, "no failure from the registered phones' ports",
            str(own[:3]))


def test_lift(sb):
    st = unblock(sb, "127.0.0.1")
    S.check(st == 204, "DELETE /api/v1/auth_blocks/127.0.0.1: 204", str(st))
    S.check(unblock(sb, "127.0.0.1") == 404, "again: 404")
    S.check(find_block(sb, "source", "127.0.0.1") is None,
            "the block is gone from the list")
    r = subprocess.run(["sipsak", "-U", "-C", "sip:1001@127.0.0.1:9999",
                        "-s", "sip:1001@127.0.0.1", "-r", str(sb.sip_port),
                        "-u", "1001", "-a", PW["1001"], "-H", "127.0.0.1",
                        "-x", "60", "-i"],
                       capture_output=True, text=True, timeout=30)
    S.check(r.returncode == 0,
            "after the lift, a fresh login from 127.0.0.1 (sipsak, right "
            "password) registers", f"rc={r.returncode} {r.stdout[-300:]}")
    # and checking is normal again: a wrong password is a plain failure
    ua = RawUA(sb, "127.0.0.1")
    try:
        st = status_line(ua.login("1001", "wrong-again"))
    finally:
        ua.close()
    S.check(st == "SIP/2.0 403 Forbidden" and re.search(
        rf"port {ua.port} user '1001' \(wrong password\)", sb.logtext()),
        "a wrong password from there is checked (and counted) again")
    # the control of "a phone that starts during the block is refused":
    # the same phone, started the same way, registers once it is lifted
    late = phone(sb, "1011")
    try:
        S.check(late.wait_registered(10), "after the lift, phone 1011 "
                "started from 127.0.0.1 registers")
    finally:
        late.stop()


def iso_time(t):
    """Seconds since the epoch of an API time ("2026-...T...Z")."""
    import datetime
    return datetime.datetime.strptime(t.replace("Z", "+0000"),
                                      "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def wait_window(sb, user, pad=0.15):
    """Sleep until the user's current refusal window is over; returns the
    throttle entry seen before."""
    b = find_block(sb, "user", user)
    if b:
        time.sleep(max(0.0, iso_time(b["blocked_until"]) - time.time()
                       + pad))
    return b


def test_distributed(sb, p1002):
    """One wrong guess for 1002 from each of ten addresses: no address
    hits its limit, the username does (2 x 5) - and is throttled, not
    locked: the right password from an eleventh address registers after a
    1 s window, while each further wrong guess doubles the window in
    which untrusted attempts are refused unchecked."""
    for i in range(30, 40):
        ua = RawUA(sb, f"127.0.0.{i}")
        try:
            ua.login("1002", f"spray{i}")
        finally:
            ua.close()
    b = find_block(sb, "user", "1002")
    S.check(b is not None and b["failures"] == 2 * MAX_FAILURES and
            b["delay"] == 1,
            "ten guesses from ten addresses throttle the username: "
            "a 1 s window", str(blocks(sb)))
    S.check(not any(x["kind"] == "source" for x in blocks(sb)),
            "no single address is blocked")
    S.check("auth: blocked user '1002' for 1 s after 10 failures"
            in sb.logtext(), "the throttle is logged")

    # the owner, from a new address, after the window: registers
    wait_window(sb, "1002")
    ua = RawUA(sb, "127.0.0.40")
    try:
        st = status_line(ua.login("1002", PW["1002"]))
    finally:
        ua.close()
    S.check(st == "SIP/2.0 200 OK", "the right password from an eleventh "
            "address registers (200)", st)

    # the guesser goes on: each wrong guess after a window doubles it,
    # guesses inside it are refused unchecked (the right one too)
    seen = []
    for n, ip in enumerate(("127.0.0.41", "127.0.0.42", "127.0.0.43")):
        wait_window(sb, "1002")
        ua = RawUA(sb, ip)
        try:
            t_guess = time.time()
            wrong = status_line(ua.login("1002", f"late{n}"))
            t_answer = time.time()
            b = find_block(sb, "user", "1002")
            if b:
                # measured: the window starts at the wrong guess
                length = iso_time(b["blocked_until"])
                S.check(t_guess + b["delay"] - 0.3 <= length
                        <= t_answer + b["delay"] + 0.3,
                        f"guess {n + 1}: the window ends {b['delay']} s "
                        "after the wrong guess",
                        f"{length - t_guess:.2f} s after it")
            inside_wrong = status_line(ua.login("1002", f"inside{n}"))
            inside_right = status_line(ua.login("1002", PW["1002"]))
        finally:
            ua.close()
        b2 = find_block(sb, "user", "1002")
        seen.append(b["delay"] if b else None)
        S.check(wrong == inside_wrong == inside_right ==
                "SIP/2.0 403 Forbidden" and b2 is not None and
                b2["refused"] >= 2 * (n + 1),
                f"guess {n + 1} after the window: checked, wrong; the "
                f"window is now {seen[-1]} s and attempts inside it (the "
                "right password too) get 403 unchecked",
                f"{wrong} / {inside_wrong} / {inside_right} {b2}")
    S.check(seen == [2, 4, 8], "the window doubles with each wrong guess "
            "(2, 4, 8 s)", str(seen))
    log = sb.logtext()
    S.check(len(re.findall(r"user '1002' \(user throttled\)", log)) >= 6,
            "the refusals are logged as such")
    checked = len(re.findall(r"from 127\.0\.0\.[34]\d port \d+ user "
                             r"'1002' \(wrong password\)", log))
    S.check(checked == 2 * MAX_FAILURES + 3,
            "only the guesses after a window were checked",
            f"{checked} checked")
    m = p1002.mark()
    S.check(p1002.wait_event("REGISTER_OK", 25, since=m) is not None,
            "1002's registered phone still re-registers")
    S.check(unblock(sb, "1002") == 204, "DELETE /auth_blocks/1002: 204")
    S.check(find_block(sb, "user", "1002") is None,
            "the throttle is gone from the list")
    ua = RawUA(sb, "127.0.0.44")
    try:
        st = status_line(ua.login("1002", PW["1002"]))
    finally:
        ua.close()
    S.check(st == "SIP/2.0 200 OK", "after the lift it is accepted at once",
            st)


def invite_with(ua, hdr):
    """One INVITE to 1002 from ua's socket with the extra header line hdr;
    the final response as text (ACKed), or ""."""
    branch = "z9hG4bK" + os.urandom(8).hex()
    head = (f"sip:1002@127.0.0.1:{ua.sb.sip_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {ua.ip}:{ua.port};branch={branch};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:1001@127.0.0.1>;tag={ua.tag}\r\n")
    callid = os.urandom(8).hex() + "@guard"
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1"
           "\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")
    msg = ("INVITE " + head + "To: <sip:1002@127.0.0.1>\r\n"
           f"Call-ID: {callid}\r\nCSeq: 1 INVITE\r\n"
           f"Contact: <sip:1001@{ua.ip}:{ua.port}>\r\n{hdr}"
           "Content-Type: application/sdp\r\n"
           f"Content-Length: {len(sdp)}\r\n\r\n{sdp}")
    ua.s.sendto(msg.encode(), ("127.0.0.1", ua.sb.sip_port))
    try:
        while True:
            data = ua.s.recv(65535).decode(errors="replace")
            if int(data.split(" ", 2)[1]) >= 200:
                break
    except (socket.timeout, ValueError, IndexError):
        return ""
    to = re.search(r"(?m)^To:.*$", data).group(0)
    ack = ("ACK " + head + to + "\r\n"
           f"Call-ID: {callid}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n")
    ua.s.sendto(ack.encode(), ("127.0.0.1", ua.sb.sip_port))
    return data


def test_unknown_scheme(sb):
    """Authorization in a scheme other than Digest (Basic, Bearer) is no
    guess: a fresh Digest challenge, nothing counted, however many."""
    ua = RawUA(sb, "127.0.0.50")
    try:
        answers = set()
        for n in range(4 * MAX_FAILURES):
            hdr = ("Authorization: Basic MTAwMTp3cm9uZw==\r\n" if n % 2
                   else "Authorization: Bearer eyJhbGciOiJub25lIn0.e30.\r\n")
            r = ua.register("1001", hdr)
            answers.add(status_line(r))
            if not re.search(r'(?m)^WWW-Authenticate: Digest realm="[^"]+", '
                             r'nonce="[0-9a-f]{32}"', r):
                answers.add("no Digest challenge")
        st = status_line(ua.login("1001", PW["1001"]))
        # an INVITE's Proxy-Authorization likewise: 407, Digest
        inv = invite_with(ua, "Proxy-Authorization: Basic MTAwMTp4\r\n")
    finally:
        ua.close()
    S.check(status_line(inv) == "SIP/2.0 407 Proxy Authentication Required"
            and re.search(r'(?m)^Proxy-Authenticate: Digest realm="', inv),
            "an INVITE with Proxy-Authorization: Basic gets a Digest 407",
            inv[:300])
    S.check(answers == {"SIP/2.0 401 Unauthorized"},
            f"{4 * MAX_FAILURES} REGISTERs with Basic/Bearer credentials: "
            "each a 401 with a Digest challenge", str(answers))
    S.check(find_block(sb, "source", "127.0.0.50") is None and
            find_block(sb, "user", "1001") is None,
            "they block neither the address nor the user", str(blocks(sb)))
    S.check("127.0.0.50 port" not in sb.logtext(),
            "and are no failures in the log")
    S.check(st == "SIP/2.0 200 OK",
            "the right Digest password from there registers", st)
    # the control: wrong Digest passwords from the same address do count
    # (as 1011, whose 1 earlier failure keeps it below the user limit)
    ua = RawUA(sb, "127.0.0.50")
    try:
        got = [status_line(ua.login("1011", f"wrong{n}"))
               for n in range(MAX_FAILURES)]
        blocked = status_line(ua.login("1011", PW["1011"]))
    finally:
        ua.close()
    b = find_block(sb, "source", "127.0.0.50")
    S.check(set(got) == {"SIP/2.0 403 Forbidden"} and
            blocked == "SIP/2.0 403 Forbidden" and b is not None and
            b["failures"] == MAX_FAILURES,
            f"control: {MAX_FAILURES} wrong Digest passwords from "
            "127.0.0.50 block it (the right one then gets 403)",
            f"{got} / {blocked} / {b}")
    S.check(unblock(sb, "127.0.0.50") == 204, "and the block is lifted")


def test_fail2ban(sb):
    log = sb.logtext()
    want = len(re.findall(r"INFO  auth: failure from ", log))
    r = subprocess.run(["fail2ban-regex", sb.log_path, FILTER],
                       capture_output=True, text=True, timeout=60)
    m = re.search(r"^Failregex: (\d+) total", r.stdout, re.M)
    got = int(m.group(1)) if m else -1
    S.check(want > MAX_FAILURES and got == want,
            f"fail2ban-regex with contrib's filter matches every failure "
            f"line ({got} of {want})", r.stdout[-800:])
    hosts = set(re.findall(r"failure from (\S+) port", log))
    S.check(hosts >= {"127.0.0.1", "127.0.0.30", "127.0.0.20"},
            "failures from several addresses", str(hosts))


def main():
    sb = Switchboard(extra_args=[
        "--auth-max-failures", str(MAX_FAILURES),
        "--auth-window", str(WINDOW), "--auth-block", str(BLOCK),
        "--reg-min-expires", "10"]).start()
    p1001 = p1002 = None
    try:
        p1001 = phone(sb, "1001", tone=440)
        p1002 = phone(sb, "1002", tone=1000)
        S.check(p1001.wait_registered(10) and p1002.wait_registered(10),
                "phones 1001 and 1002 registered before the attack")
        S.run(test_same_answer, sb)
        S.run(test_replay, sb)
        S.run(test_interval, sb)
        S.run(test_foreign_aor, sb)
        t0 = time.time()
        try:
            t0 = test_svcrack(sb, p1001, p1002)
        except Exception as e:  # noqa: BLE001 - report and go on
            S.check(False, f"test_svcrack raised {type(e).__name__}: {e}")
        S.run(test_phones_keep_working, sb, p1001, p1002, t0)
        S.run(test_lift, sb)
        S.run(test_unknown_scheme, sb)
        S.run(test_distributed, sb, p1002)
        S.run(test_fail2ban, sb)
        S.check(sb.alive(), "server alive at the end")
    finally:
        for p in (p1001, p1002):
            if p:
                p.stop()
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
