#!/usr/bin/env python3
"""metrics.py - GET /metrics (issue 20, first slice): the Prometheus text
format with the operator's token, and exact counter values after a known
sequence of SIP requests from a raw phone.

  * no token: 401 {"error"}; a client admin's token: 403; POST: 405
    with Allow: GET
  * the operator's token: 200, Content-Type text/plain; version=0.0.4
  * the format: every sample belongs to a family with # HELP and # TYPE,
    names as Prometheus wants them, counters end in _total, the families
    of docs/api.md are all there (promtool is not used: Debian's
    prometheus package is about 96 MB installed)
  * a phone registers and unregisters (each challenged, then with
    credentials), sends 3 OPTIONS and 1 request of an unknown method:
    REGISTER +4, OPTIONS +3, other +1, INVITE +0
  * three wrong passwords from one address with --auth-max-failures 3:
    switchboard_auth_blocks goes from 0 to 1
  * a trunk call to a phone with 50 RTP packets and 7 from a stranger:
    calls_active 1, media_legs 2, RTP received/relayed +50, refused +7,
    INVITE +1; after BYE 0 and 0, the counters kept
"""
import json
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from claims import (DEMO, LOCAL, PW, Box, Phone, drain, free_port,  # noqa
                    make_sdp, rtp_sink, sdp_conn, send_rtp, tag, wait_for)
import claims  # noqa: E402
from sb import Suite, Switchboard  # noqa: E402

S = Suite("metrics")
claims.S = S  # Box.stop() counts into this suite
FAMILIES = {
    "switchboard_sip_requests_total": "counter",
    "switchboard_sip_undecodable_total": "counter",
    "switchboard_calls_active": "gauge",
    "switchboard_auth_blocks": "gauge",
    "switchboard_media_legs": "gauge",
    "switchboard_rtp_packets_received_total": "counter",
    "switchboard_rtp_packets_relayed_total": "counter",
    "switchboard_rtp_packets_refused_total": "counter",
}


def get(sb, method="GET", token=True):
    if token is True:
        token = sb.token
    req = urllib.request.Request(
        f"http://{LOCAL}:{sb.http_port}/metrics", method=method,
        headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def samples(text):
    out = {}
    for ln in text.splitlines():
        if ln.startswith("#") or not ln:
            continue
        name, val = ln.rsplit(" ", 1)
        out[name] = int(val)
    return out


def test_access(sb):
    st, h, body = get(sb, token=False)
    S.check(st == 401 and '"error"' in body, "no token: 401", f"{st} {body}")
    st, t = sb.api("POST", "/api/v1/tokens", {"role": "client_admin",
                                              "tenant_id": 1, "name": "m"})
    st, h, body = get(sb, token=t.get("token") if st == 201 else "x")
    S.check(st == 403 and json.loads(body) == {
        "error": "role client_admin may not GET /metrics"},
        "a client admin's token: 403", f"{st} {body}")
    st, h, body = get(sb, method="POST")
    S.check(st == 405 and h.get("Allow") == "GET", "POST: 405, Allow: GET",
            f"{st} {h.get('Allow')}")
    st, h, body = get(sb)
    S.check(st == 200 and h.get("Content-Type") ==
            "text/plain; version=0.0.4; charset=utf-8",
            "the operator's token: 200, the Prometheus text type",
            f"{st} {h.get('Content-Type')}")


def test_format(sb):
    st, _, text = get(sb)
    helps = dict(re.findall(r"^# HELP (\S+) (.+)$", text, re.M))
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
    bad = []
    for ln in text.splitlines():
        if ln.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-z_]+="[^"\\\n]*"'
                     r'(?:,[a-z_]+="[^"\\\n]*")*\})? (\d+)$', ln)
        if not m or m.group(1) not in types or m.group(1) not in helps:
            bad.append(ln)
    S.check(text.endswith("\n") and not bad, "every sample line is valid "
            "and belongs to a family with HELP and TYPE", str(bad[:5]))
    S.check(types == FAMILIES, "the families and types of docs/api.md",
            str(types))
    S.check(all(n.endswith("_total") == (t == "counter")
                for n, t in types.items()),
            "counters and only counters end in _total", str(types))


def test_sip_counts(sb):
    before = samples(get(sb)[2])
    p = Phone((LOCAL, sb.sip_port), "1001", PW["1001"])
    try:
        _, r = p.register()
        S.check(r.status == 200, "the phone registers", r.first)
        host = f"{LOCAL}:{sb.sip_port}"
        for method, n in (("OPTIONS", 3), ("NEWMETHOD", 1)):
            for i in range(n):
                cid = tag()
                p.request(method, f"sip:{host}", f"<sip:{host}>",
                          f"<sip:1001@{host}>;tag={tag()}", cid, 1,
                          body="hi" if method == "NEWMETHOD" else "",
                          ctype="text/plain")
                p.final(cid, 1, method)
    finally:
        p.close()
    after = samples(get(sb)[2])

    def d(m):
        k = f'switchboard_sip_requests_total{{method="{m}"}}'
        return after[k] - before[k]
    S.check((d("REGISTER"), d("OPTIONS"), d("other"), d("INVITE")) ==
            (4, 3, 1, 0), "REGISTER +4 (challenge and credentials, at "
            "register and at the unregister of close()), OPTIONS "
            "+3, NEWMETHOD counted as other +1, INVITE +0",
            str((d("REGISTER"), d("OPTIONS"), d("other"), d("INVITE"))))
    S.check(after["switchboard_calls_active"] == 0,
            "no call: switchboard_calls_active 0")


def test_auth_blocks(sb):
    before = samples(get(sb)[2])["switchboard_auth_blocks"]
    p = Phone((LOCAL, sb.sip_port), "1002", "wrong")
    try:
        for _ in range(3):
            p.register()
    finally:
        p.close()
    after = samples(get(sb)[2])["switchboard_auth_blocks"]
    S.check((before, after) == (0, 1), "three wrong passwords "
            "(--auth-max-failures 3): switchboard_auth_blocks 0 -> 1",
            f"{before} -> {after}")


def test_call():
    """A trunk call to Erika's phone with 50 RTP packets from the caller
    and 7 from a stranger (as claims.py's test_stats): during the call
    calls_active 1 and media_legs 2, RTP received +50, relayed +50,
    refused +7, INVITE +1; after BYE calls_active and legs 0, the counters
    kept."""
    box = Box().start()
    try:
        srv = box.srv
        m0 = samples(get(srv)[2])
        erika = box.registered("1002")
        trunk = box.trunk()
        a_rtp = rtp_sink(free_port(even=True))
        e_rtp = rtp_sink(free_port(even=True))
        mk = erika.mark()
        call = trunk.invite(DEMO["erika_personal"],
                            make_sdp(a_rtp.getsockname()[1]))
        inv = erika.incoming(5, mk)
        erika.reply(inv, 200, "OK", make_sdp(e_rtp.getsockname()[1]))
        fin = call.wait_final()
        S.check(fin.status == 200, "trunk call to Erika answered", fin.first)
        srv_ip, srv_port, _ = sdp_conn(fin.body)
        send_rtp(a_rtp, (srv_ip, srv_port), 50, 0x1234)
        got = []
        deadline = time.time() + 5
        while len(got) < 50 and time.time() < deadline:
            got += drain(e_rtp, time.time() + 0.2)
        stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        stranger.bind((LOCAL, 0))
        send_rtp(stranger, (srv_ip, srv_port), 7, 0x6666, seq0=900)
        stranger.close()
        m1 = wait_for(lambda: (lambda m: m if m[
            "switchboard_rtp_packets_refused_total"] - m0[
            "switchboard_rtp_packets_refused_total"] >= 7 else None)(
            samples(get(srv)[2])), 5, "refused +7")

        def d(m, k):
            return m[k] - m0[k]
        inv_k = 'switchboard_sip_requests_total{method="INVITE"}'
        S.check((m1["switchboard_calls_active"], m1["switchboard_media_legs"],
                 d(m1, "switchboard_rtp_packets_received_total"),
                 d(m1, "switchboard_rtp_packets_relayed_total"),
                 d(m1, "switchboard_rtp_packets_refused_total"),
                 d(m1, inv_k)) == (1, 2, 50, 50, 7, 1) and len(got) == 50,
                "during the call: calls_active 1, media_legs 2, RTP "
                "received +50, relayed +50, refused +7, INVITE +1",
                str(m1))
        r = call.bye()
        S.check(r.status == 200, "BYE 200", r.first)
        m2 = wait_for(lambda: (lambda m: m if m["switchboard_calls_active"]
                               == 0 and m["switchboard_media_legs"] == 0
                               else None)(samples(get(srv)[2])), 5,
                      "the call to end")
        S.check(d(m2, "switchboard_rtp_packets_relayed_total") == 50,
                "after BYE: calls_active 0, media_legs 0, relayed kept",
                str(m2))
        a_rtp.close()
        e_rtp.close()
    finally:
        box.stop("call server")


def main():
    sb = Switchboard(extra_args=["--auth-max-failures", "3"])
    try:
        sb.start()
        for f in (test_access, test_format, test_sip_counts,
                  test_auth_blocks):
            S.run(f, sb)
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit", f"exit {code}")
        sb.cleanup()
    S.run(test_call)
    S.finish()


if __name__ == "__main__":
    main()
