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
"""
import json
import os
import re
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from claims import LOCAL, PW, Phone, tag  # noqa: E402
from sb import Suite, Switchboard  # noqa: E402

S = Suite("metrics")
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
    S.finish()


if __name__ == "__main__":
    main()
