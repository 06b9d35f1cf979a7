#!/usr/bin/python3
"""via.py - requests that come through proxies (issue 11).

Every request that passed a proxy, an SBC or Kamailio carries a Via per hop
(RFC 3261 16.6 step 8), in separate header lines or comma-separated in one
(7.3.1).  Switchboard must take them like any other request, and every
response must carry all of them, in the same order (8.2.6.2, 18.2.2) - the
top one with received/rport added - so that it finds its way back through
each proxy.

Per Via form (two and three Vias, separate lines and one comma-separated
line):
  * OPTIONS: 200,
  * REGISTER: 401 challenge, then 200 with the right digest, then 200 for
    the removal (Expires 0),
  * an INVITE from the trunk's address to Erika's personal number through
    to her registered baresip phone (sipp is the proxy side: its own Via on
    top, the hops behind it below): 100/180/200, ACK, BYE and its 200,
  * an INVITE to an unknown number from the trunk: 404 (sipp, ACK),
  * an INVITE from an address that must authenticate: 407, and an INVITE
    whose Accept excludes SDP: 406 (raw UDP).
Each response's Via list is compared with the request's: same count, same
order, same values (the top one may gain received/rport, nothing else).
"""
import os
import re
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard  # noqa: E402
from peers import Baresip, Sipp  # noqa: E402
from rawsip import digest, status  # noqa: E402

S = Suite("via")
PW = DEMO["devices"]
HOST = "127.0.0.1"

# the hops behind the proxy, nearest first (as the proxy's Via lies above)
HOPS = ["SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKhop2{n};rport=5060;"
        "received=198.51.100.20",
        "SIP/2.0/TCP 203.0.113.30:5062;branch=z9hG4bKhop3{n};alias"]
FORMS = [("2 Vias, separate lines", 1, False),
         ("3 Vias, separate lines", 2, False),
         ("2 Vias, one comma-separated line", 1, True),
         ("3 Vias, one comma-separated line", 2, True)]


def via_lines(top, hops, comma):
    """Via header lines (CRLF-terminated) for top + hops."""
    vias = [top] + hops
    if comma:
        return "Via: " + ", ".join(vias) + "\r\n"
    return "".join(f"Via: {v}\r\n" for v in vias)


def split_vias(msg):
    """The Via values of a message, in order, comma-separated lines
    split (a comma inside a quoted string is not a separator)."""
    head = msg.split("\r\n\r\n", 1)[0].replace("\r\n", "\n")
    head = re.sub(r"\n[ \t]+", " ", head)          # unfold
    out = []
    for line in head.split("\n")[1:]:
        m = re.match(r"(?i)(?:via|v)[ \t]*:[ \t]*(.*)$", line)
        if not m:
            continue
        out += [p.strip() for p in
                re.findall(r'(?:[^,"]|"[^"]*")+', m.group(1)) if p.strip()]
    return out


def norm(v):
    return re.sub(r"\s+", "", v).lower()


def vias_ok(sent, got):
    """(ok, why): got is sent, the top one possibly with received/rport
    filled in."""
    if len(got) != len(sent):
        return False, f"{len(got)} Vias instead of {len(sent)}: {got}"
    top_s = norm(sent[0]).split(";")
    top_g = [p for p in norm(got[0]).split(";")
             if not p.startswith("received=") and not p.startswith("rport")]
    top_s = [p for p in top_s if not p.startswith("rport")]
    if top_s != top_g:
        return False, f"top Via changed: {got[0]!r} for {sent[0]!r}"
    for i, (a, b) in enumerate(zip(sent[1:], got[1:]), 2):
        if norm(a) != norm(b):
            return False, f"Via {i} changed: {b!r} for {a!r}"
    return True, ""


class Proxy:
    """A UDP socket that plays the proxy nearest to us: its Via on top,
    the hops behind it below."""

    def __init__(self, sb):
        self.sb = sb
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind((HOST, 0))
        self.port = self.s.getsockname()[1]
        self.n = 0

    def close(self):
        self.s.close()

    def request(self, method, ruri, hops, comma, user="proxy", extra="",
                body="", cseq=1, callid=None, tag=None):
        """Send one request; returns (sent Vias, [responses], callid)."""
        self.n += 1
        n = f"{os.getpid()}x{self.n}"
        top = (f"SIP/2.0/UDP {HOST}:{self.port};branch=z9hG4bKtop{n};"
               "rport")
        hv = [h.format(n=n) for h in hops]
        callid = callid or f"via-{n}@{HOST}"
        tag = tag or f"t{n}"
        msg = (f"{method} {ruri} SIP/2.0\r\n"
               + via_lines(top, hv, comma) +
               "Max-Forwards: 69\r\n"
               f"From: <sip:{user}@{HOST}>;tag={tag}\r\n"
               f"To: <sip:{user}@{HOST}>\r\n"
               f"Call-ID: {callid}\r\n"
               f"CSeq: {cseq} {method}\r\n"
               f"{extra}"
               f"Content-Length: {len(body)}\r\n\r\n{body}")
        self.s.sendto(msg.encode(), (HOST, self.sb.sip_port))
        got = []
        deadline = time.time() + 3
        while time.time() < deadline:
            self.s.settimeout(max(0.01, deadline - time.time()))
            try:
                d = self.s.recv(65535).decode(errors="replace")
            except socket.timeout:
                break
            if callid not in d:
                continue
            got.append(d)
            if (status(d) or 0) >= 200:
                break
        if method == "INVITE" and got and (status(got[-1]) or 0) >= 300:
            to = re.search(r"(?im)^to[ \t]*:.*$", got[-1]).group(0)
            ack = (f"ACK {ruri} SIP/2.0\r\nVia: {top}\r\n"
                   "Max-Forwards: 69\r\n"
                   f"From: <sip:{user}@{HOST}>;tag={tag}\r\n{to}\r\n"
                   f"Call-ID: {callid}\r\nCSeq: {cseq} ACK\r\n"
                   "Content-Length: 0\r\n\r\n")
            self.s.sendto(ack.encode(), (HOST, self.sb.sip_port))
        return [top] + hv, got, callid


def check_responses(what, sent, got, want):
    """want: the final status; every response must carry sent's Vias."""
    codes = [status(d) for d in got]
    final = codes[-1] if codes else None
    S.check(final == want, f"{what}: {want}",
            f"got {codes or 'nothing'}")
    for d in got:
        ok, why = vias_ok(sent, split_vias(d))
        if not S.check(ok, f"{what}: the {status(d)} carries all "
                       f"{len(sent)} Vias in order", why):
            print(d[:600], flush=True)


def test_options(sb):
    p = Proxy(sb)
    try:
        # the control: the check that lets many Vias pass is on - a
        # header that must be single, twice, is refused and named
        sent, got, _ = p.request("OPTIONS", f"sip:{HOST}:{sb.sip_port}",
                                 HOPS[:1], False,
                                 extra="To: <sip:other@127.0.0.1>\r\n")
        S.check(bool(got) and got[-1].startswith(
            "SIP/2.0 400 Duplicate To\r\n"),
            "control: OPTIONS with two To lines: 400 Duplicate To",
            got[-1].split("\r\n", 1)[0] if got else "nothing")
        for label, nh, comma in FORMS:
            sent, got, _ = p.request("OPTIONS", f"sip:{HOST}:{sb.sip_port}",
                                     HOPS[:nh], comma)
            check_responses(f"OPTIONS, {label}", sent, got, 200)
    finally:
        p.close()


def test_register(sb):
    """1011 registers through the proxy: challenge, digest, removal."""
    p = Proxy(sb)
    uri = f"sip:{HOST}:{sb.sip_port}"
    contact = f"Contact: <sip:1011@{HOST}:{p.port}>\r\n"
    try:
        for label, nh, comma in FORMS:
            callid = f"reg-{os.urandom(4).hex()}@{HOST}"
            tag = os.urandom(3).hex()
            sent, got, _ = p.request("REGISTER", uri, HOPS[:nh], comma,
                                     user="1011", extra=contact,
                                     callid=callid, tag=tag)
            check_responses(f"REGISTER, {label}", sent, got, 401)
            if not got or status(got[-1]) != 401:
                continue
            auth = digest(got[-1], "1011", PW["1011"], "REGISTER", uri)
            sent, got, _ = p.request(
                "REGISTER", uri, HOPS[:nh], comma, user="1011",
                extra=f"{contact}Expires: 60\r\nAuthorization: {auth}\r\n",
                cseq=2, callid=callid, tag=tag)
            check_responses(f"REGISTER with digest, {label}", sent, got,
                            200)
            if got and status(got[-1]) == 200:
                S.check(f"sip:1011@{HOST}:{p.port}" in got[-1],
                        f"REGISTER, {label}: the 200 lists the binding")
            # remove it again (a new nonce: nc 1 of the old one is used)
            sent, got, _ = p.request("REGISTER", uri, HOPS[:nh], comma,
                                     user="1011", extra=contact,
                                     cseq=3, callid=callid, tag=tag)
            if got and status(got[-1]) == 401:
                auth = digest(got[-1], "1011", PW["1011"], "REGISTER", uri)
                sent, got, _ = p.request(
                    "REGISTER", uri, HOPS[:nh], comma, user="1011",
                    extra=f"{contact}Expires: 0\r\n"
                    f"Authorization: {auth}\r\n",
                    cseq=4, callid=callid, tag=tag)
            check_responses(f"REGISTER removal, {label}", sent, got, 200)
    finally:
        p.close()


def test_invite_errors(sb):
    """Error answers to INVITEs through the proxy carry every Via."""
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
           "t=0 0\r\nm=audio 40998 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
    ct = "Content-Type: application/sdp\r\n"
    p = Proxy(sb)
    try:
        for label, nh, comma in FORMS:
            ruri = f"sip:{DEMO['announcement']}@{HOST}:{sb.sip_port}"
            sent, got, _ = p.request("INVITE", ruri, HOPS[:nh], comma,
                                     extra=ct, body=sdp)
            check_responses(f"INVITE from an unknown address, {label}",
                            sent, got, 407)
            sent, got, _ = p.request("INVITE", ruri, HOPS[:nh], comma,
                                     extra=ct + "Accept: text/plain\r\n",
                                     body=sdp)
            check_responses(f"INVITE with Accept: text/plain, {label}",
                            sent, got, 406)
    finally:
        p.close()


# sipp's own branch of the INVITE, also in the ACK of a non-2xx answer
INVITE_BRANCH = "z9hG4bKinv[pid]x[call_number]"

SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="proxy with extra Vias">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
{vias}      From: sipp <sip:+4930555111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:+4930555111@[local_ip]:[local_port]
      Max-Forwards: 69
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
    ]]>
  </send>
  <recv response="100" optional="true" />
  <recv response="180" optional="true" />
  <recv response="183" optional="true" />
{final}
</scenario>
"""

ANSWERED = """  <recv response="200" rtd="true" />
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
{ack_vias}      From: sipp <sip:+4930555111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:+4930555111@[local_ip]:[local_port]
      Max-Forwards: 69
      Content-Length: 0
    ]]>
  </send>
  <pause milliseconds="1000" />
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
{bye_vias}      From: sipp <sip:+4930555111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: sip:+4930555111@[local_ip]:[local_port]
      Max-Forwards: 69
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true" />"""

# the ACK of a non-2xx: one Via, the INVITE's top one (RFC 3261 17.1.1.3)
REFUSED = """  <recv response="404" />
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=""" + \
    INVITE_BRANCH + """
      From: sipp <sip:+4930555111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 69
      Content-Length: 0
    ]]>
  </send>"""


def sipp_vias(label, nh, comma, branch="[branch]"):
    """Via lines for a sipp message: sipp's own on top, then the hops
    (their branches made unique per message with label)."""
    top = f"SIP/2.0/[transport] [local_ip]:[local_port];branch={branch}"
    hops = [h.format(n=label + "[call_number]") for h in HOPS[:nh]]
    return "".join("      " + ln + "\n"
                   for ln in via_lines(top, hops, comma).split("\r\n") if ln)


def sipp_messages(run):
    """(direction, text) of each message in sipp's -trace_msg file."""
    out = []
    for block in re.split(r"\n-{20,}[^\n]*\n", "\n" + run.messages()):
        m = re.match(r"\s*(UDP|TCP) message (sent|received)[^\n]*\n\n?",
                     block)
        if not m:
            continue
        text = block[m.end():].replace("\r\n", "\n").replace("\n", "\r\n")
        out.append((m.group(2), text))
    return out


def sipp_vias_sent(text):
    return split_vias(text)


def check_sipp(what, run, want_codes):
    """Every response sipp received carries the Vias of the request it
    answers (matched by CSeq)."""
    msgs = sipp_messages(run)
    sent = {}
    codes = []
    for direction, text in msgs:
        cseq = re.search(r"(?im)^cseq[ \t]*:[ \t]*(.+?)\s*$", text)
        cseq = cseq.group(1) if cseq else ""
        if direction == "sent" and status(text) is None:
            sent[cseq] = split_vias(text)
        elif direction == "received" and status(text) is not None:
            codes.append(f"{status(text)} {cseq.split()[-1]}")
            want = sent.get(cseq)
            ok, why = (vias_ok(want, split_vias(text)) if want
                       else (False, "no request for it"))
            S.check(ok, f"{what}: the {status(text)} to {cseq.split()[-1]} "
                    f"carries all {len(want or [])} Vias in order", why)
    S.check(all(c in codes for c in want_codes),
            f"{what}: {', '.join(want_codes)} arrived", f"got {codes}")


def write_scenario(tmp, name, final):
    path = os.path.join(tmp, name + ".xml")
    with open(path, "w") as f:
        f.write(final)
    return path


def test_invite_to_phone(sb):
    """sipp (the proxy nearest to us, from the trunk's address) sends
    INVITEs with extra Vias to Erika's personal number; her baresip phone
    answers; every response travels back with all Vias."""
    b = Baresip("1002", PW["1002"], server=(HOST, sb.sip_port), tone=1000)
    b.start()
    tmp = tempfile.mkdtemp(prefix="via-")
    try:
        S.check(b.wait_registered(10), "Erika's phone 1002 registers")
        for i, (label, nh, comma) in enumerate(FORMS):
            xml = SCENARIO.format(
                vias=sipp_vias(f"i{i}x", nh, comma, INVITE_BRANCH),
                final=ANSWERED.format(
                    ack_vias=sipp_vias(f"a{i}x", nh, comma),
                    bye_vias=sipp_vias(f"b{i}x", nh, comma)))
            path = write_scenario(tmp, f"answered{i}", xml)
            m = b.mark()
            run = Sipp(path, remote=(HOST, sb.sip_port),
                       local_port=sb.trunk_port,
                       service=DEMO["erika_personal"], calls=1,
                       timeout_s=30, recv_timeout_ms=10000).run()
            S.check(run.successful == 1 and run.failed == 0,
                    f"call through the proxy, {label}: answered by the "
                    f"phone, ACK, BYE", f"rc={run.rc} {run.errors()[-300:]}")
            S.check(b.wait_event("CALL_ESTABLISHED", 5, since=m)
                    is not None, f"call through the proxy, {label}: the "
                    "phone was in the call")
            check_sipp(f"call through the proxy, {label}", run,
                       ["180 INVITE", "200 INVITE", "200 BYE"])
            b.wait_event("CALL_CLOSED", 5, since=m)
            run.cleanup()

            xml = SCENARIO.format(
                vias=sipp_vias(f"r{i}x", nh, comma, INVITE_BRANCH),
                final=REFUSED)
            path = write_scenario(tmp, f"refused{i}", xml)
            run = Sipp(path, remote=(HOST, sb.sip_port),
                       local_port=sb.trunk_port, service="+4922182829977",
                       calls=1, timeout_s=30, recv_timeout_ms=10000).run()
            S.check(run.successful == 1,
                    f"unknown number through the proxy, {label}: 404",
                    f"rc={run.rc} {run.errors()[-300:]}")
            check_sipp(f"unknown number through the proxy, {label}", run,
                       ["404 INVITE"])
            run.cleanup()
    finally:
        b.stop()
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)


def main():
    sb = Switchboard().start()
    try:
        for t in (test_options, test_register, test_invite_errors,
                  test_invite_to_phone):
            S.run(t, sb)
            S.check(sb.alive(), f"server alive after {t.__name__}")
        # beside the exact statuses above: only the control was refused
        refusals = re.findall(r".*refused: \d+ .*", sb.logtext())
        S.check(len(refusals) == 1 and "400 Duplicate To" in refusals[0],
                "the log names one refusal only: the control's Duplicate To",
                refusals[:5])
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
