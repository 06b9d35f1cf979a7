#!/usr/bin/env python3
"""ctl.py - switchboard-ctl (issue 20), the operator's command line, against
a running server: each subcommand's exact output and exit code.

  * --version, --help (the exit codes listed), no command / an unknown
    one / bad arguments: exit 1
  * where the server is: the http and data-dir keys of --config FILE
    (the server's own file), or SWITCHBOARD_HTTP / SWITCHBOARD_DATA_DIR;
    the token from <data-dir>/admin.token
  * status: version 0.20.0, node, live calls 0, the configuration file;
    --json parses (GET /api/v1/status)
  * a wrong token: 3 (401); a client admin's token: 3 (403); nobody
    listening: 2
  * registrations: Erika's phone registered: the table (USER 1002,
    contact, source, transport, expiry) as the API says; --json parses
  * calls: a trunk call to Erika with 50 RTP packets from the carrier:
    one call, two legs (trunk:1 PCMU in 50 out 0; device:1002 PCMU in 0
    out 50), state bridged, numbers and start as the call record; --json:
    the legs' fields
  * hangup 999999: 4; hangup abc: 1; hangup the call: "call N hung up",
    the carrier gets a BYE, the record is ended, calls: "no live calls"
  * blocks: three wrong passwords (--auth-max-failures 3): the blocks as
    the API lists them; unblock KEY: gone from the API; unblock of an
    unknown key: 4
  * reload: the file changed (ring-timeout 60 -> 30 applied, realm needs a
    restart): exactly those lines; a file with an unknown key: 5, the
    file's line named, nothing changed
  * backup FILE.tar.gz: one archive with <name>/switchboard.db (a
    database with the demo tenant) and the line naming it; no .part left
  * tokens: the table (ID, NAME, ROLE, SCOPE, PREFIX, CREATED, EXPIRES,
    LAST USED, EXPIRED) as GET /api/v1/tokens says; an expired token
    "yes"; token-create NAME --scope read-only: the line and the secret,
    which reads (GET 200) and changes nothing (POST 403 "scope read-only
    may not POST /api/v1/tenants"; reload with it: 3); --json --expires
    30d: the object, expiring in 30 days; bad --expires: 1, a past one
    or an unknown scope: 5 with the API's error; --scope on another
    command: 1; token-revoke ID: "token N revoked", then 401; unknown
    id: 4; token-rotate-admin: the new token in the server's file, the
    old one 401, the new one 200 (and the next ctl call takes it); with
    another --data-dir the ctl writes the new token there (0600)
  * a second node on the same database (--db the first's file): no
    admin.token, its log says once how to get one, the ctl there says it
    too (5); switchboard --admin-token-new writes one (0600, named
    admin@node-b, not printed): the ctl and the API on node B work with
    it, the first node's token too; a second run replaces the file, the
    earlier token works until revoked (401)
"""
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from claims import (DEMO, LOCAL, Box, drain, free_port, make_sdp,  # noqa
                    rtp_sink, sdp_conn, send_rtp, wait_for)
import claims  # noqa: E402
from sb import Suite, Switchboard  # noqa: E402

S = Suite("ctl")
claims.S = S
ROOT = os.path.dirname(os.path.dirname(HERE))
CTL = os.path.join(ROOT, "build", "test", "switchboard-ctl")


def ctl(*args, env=None, cfg=None):
    """(exit code, stdout, stderr) of switchboard-ctl; env: variables
    beside a clean environment (no SWITCHBOARD_*: SWITCHBOARD_CONFIG="",
    unless cfg names the configuration file)."""
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("SWITCHBOARD_")}
    e.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    e["SWITCHBOARD_CONFIG"] = cfg if cfg else ""
    e.update(env or {})
    r = subprocess.run([CTL] + list(args), env=e, capture_output=True,
                       text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


def table(text):
    """The rows of a table of switchboard-ctl as lists of cells, cut at
    the header's column starts."""
    lines = text.rstrip("\n").split("\n")
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", lines[0])]
    out = []
    for ln in lines:
        cells = []
        for i, s in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else None
            cells.append(ln[s:end].strip())
        out.append(cells)
    return out


def test_usage():
    code, out, err = ctl("--version")
    S.check((code, out) == (0, "switchboard-ctl 0.20.0\n"),
            "--version: 0, switchboard-ctl 0.20.0", f"{code} {out!r}")
    code, out, err = ctl("--help")
    S.check(code == 0 and all(f"  {n}  " in out for n in range(6)) and
            "auth refused" in out and "backup FILE" in out,
            "--help: 0, the commands and the exit codes 0-5", out[-600:])
    code, out, err = ctl()
    S.check(code == 1 and "usage: switchboard-ctl" in err,
            "no command: 1 with the usage", f"{code} {err[:200]!r}")
    code, out, err = ctl("--token", "x", "frobnicate")
    S.check((code, err) == (1, "switchboard-ctl: unknown command "
                            "'frobnicate' (--help)\n"),
            "an unknown command: 1", f"{code} {err!r}")
    code, out, err = ctl("--token", "x", "status", "extra")
    S.check((code, err) == (1, "switchboard-ctl: status: takes no "
                            "arguments\n"), "status extra: 1",
            f"{code} {err!r}")


def test_unreachable():
    port = free_port(socket.SOCK_STREAM)
    code, out, err = ctl("--url", f"http://{LOCAL}:{port}", "--token", "x",
                         "status")
    S.check(code == 2 and out == "" and err.startswith(
        f"switchboard-ctl: http://{LOCAL}:{port}: "),
        "nobody listening: exit 2, the URL named", f"{code} {err!r}")


def test_status(box, cfg):
    code, out, err = ctl("status", cfg=cfg)
    rows = table(out)
    want = [["version", "0.20.0"], ["node", "node1"], ["live calls", "0"],
            ["config file", cfg]]
    S.check(code == 0 and all(r in rows for r in want) and
            [r[0] for r in rows] == ["version", "node", "started", "uptime",
                                     "live calls", "config file"] and
            re.fullmatch(r"\d+:\d\d:\d\d", rows[3][1]),
            "status via --config's http and data-dir: version, node, "
            "started, uptime, live calls 0, the file", f"{code} {out!r} "
            f"{err!r}")
    code, out, err = ctl("--json", "status", env={
        "SWITCHBOARD_HTTP": f"{LOCAL}:{box.http[1]}",
        "SWITCHBOARD_DATA_DIR": box.dir})
    j = json.loads(out) if code == 0 else {}
    S.check(set(j) == {"version", "node_id", "started_at", "uptime_s",
                       "calls_active", "config_file"} and
            j["version"] == "0.20.0" and j["calls_active"] == 0,
            "--json status via SWITCHBOARD_HTTP/_DATA_DIR: the API's "
            "object", f"{code} {out!r} {err!r}")


def test_auth(box, cfg):
    code, out, err = ctl("--token", "wrong", "status", cfg=cfg)
    S.check((code, out, err) == (3, "", "switchboard-ctl: missing or "
                                 "invalid token (HTTP 401)\n"),
            "a wrong token: 3, the API's error", f"{code} {err!r}")
    st, t = box.api("POST", "/api/v1/tokens", {"role": "client_admin",
                                               "tenant_id": 1, "name": "c"})
    code, out, err = ctl("--token", t["token"], "calls", cfg=cfg)
    S.check((code, err) == (3, "switchboard-ctl: role client_admin may not "
                            "GET /api/v1/calls/live (HTTP 403)\n"),
            "a client admin's token: 3 (403)", f"{code} {err!r}")


def test_registrations(box, cfg):
    code, out, err = ctl("registrations", cfg=cfg)
    S.check((code, out) == (0, "no registrations\n"),
            "nobody registered: no registrations", f"{code} {out!r}")
    box.registered("1002")
    st, regs = box.api("GET", "/api/v1/registrations")
    code, out, err = ctl("registrations", cfg=cfg)
    want = [["USER", "CONTACT", "FROM", "TRANSPORT", "EXPIRES"]] + [
        ["1002", r["contact"], r["received"], r["transport"],
         r["expires_at"]] for r in regs]
    S.check(code == 0 and len(regs) == 1 and table(out) == want,
            "registrations: 1002 with contact, source, transport, expiry "
            "as the API says", f"{code} {out!r} {regs}")
    code, out, err = ctl("--json", "registrations", cfg=cfg)
    S.check(code == 0 and json.loads(out) == regs,
            "--json registrations: the API's list", f"{code} {out!r}")


def test_calls(box, cfg):
    code, out, err = ctl("calls", cfg=cfg)
    S.check((code, out) == (0, "no live calls\n"), "no call: no live calls",
            f"{code} {out!r}")
    erika = [p for p in box.phones if p.user == "1002"][0]
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
    ip, port, _ = sdp_conn(fin.body)
    send_rtp(a_rtp, (ip, port), 50, 0x4321)
    got = []
    deadline = time.time() + 5
    while len(got) < 50 and time.time() < deadline:
        got += drain(e_rtp, time.time() + 0.2)

    def live():
        c, o, _ = ctl("--json", "calls", cfg=cfg)
        j = json.loads(o) if c == 0 else []
        return j if j and j[0]["legs"] and \
            j[0]["legs"][-1]["rtp_sent"] >= 50 else None
    calls = wait_for(live, 5, "the relayed packets counted")
    c = calls[0]
    st, rec = box.api("GET", f"/api/v1/calls/{c['id']}")
    S.check(len(calls) == 1 and set(c) == {
        "id", "sip_call_id", "tenant_id", "state", "direction",
        "from_number", "to_number", "started_at", "answered_at",
        "duration_s", "on_hold", "legs"} and c["state"] == "bridged" and
        (c["from_number"], c["to_number"], c["started_at"]) ==
        (rec["from_number"], rec["to_number"], rec["started_at"]) and
        c["legs"] == [
            {"role": "caller", "leg": "trunk:1", "codec": "PCMU",
             "srtp": False, "established": True, "rtp_received": 50,
             "rtp_sent": 0},
            {"role": "callee", "leg": "device:1002", "codec": "PCMU",
             "srtp": False, "established": True, "rtp_received": 0,
             "rtp_sent": 50}] and len(got) == 50,
        "--json calls: one bridged call, its record's numbers and start, "
        "legs trunk:1 (in 50) and device:1002 (out 50), PCMU",
        f"{calls} {rec}")
    code, out, err = ctl("calls", cfg=cfg)
    rows = table(out)
    S.check(code == 0 and len(rows) == 3 and rows[0] == [
        "CALL", "STATE", "FROM", "TO", "SINCE", "DURATION", "LEG", "CODEC",
        "RTP IN", "RTP OUT"] and rows[1][:5] == [
        str(c["id"]), "bridged", rec["from_number"], rec["to_number"],
        rec["started_at"]] and re.fullmatch(r"0:00:\d\d", rows[1][5]) and
        rows[1][6:] == ["trunk:1", "PCMU", "50", "0"] and
        rows[2] == ["", "", "", "", "", "", "device:1002", "PCMU", "0",
                    "50"],
        "calls: the call's line (id, state, numbers, start, duration) and "
        "one line per leg with codec and RTP in/out", f"{code} {out!r}")

    code, out, err = ctl("hangup", "999999", cfg=cfg)
    S.check((code, err) == (4, "switchboard-ctl: call 999999 not found "
                            "(HTTP 404)\n"), "hangup 999999: 4",
            f"{code} {err!r}")
    code, out, err = ctl("hangup", "abc", cfg=cfg)
    S.check(code == 1 and "not a call id" in err, "hangup abc: 1",
            f"{code} {err!r}")
    mk = trunk.mark()
    code, out, err = ctl("hangup", str(c["id"]), cfg=cfg)
    S.check((code, out) == (0, f"call {c['id']} hung up\n"),
            "hangup: 0, call N hung up", f"{code} {out!r} {err!r}")
    bye = trunk.wait(lambda m: m.method == "BYE", 5, "BYE", mk)
    S.check(bye is not None, "the carrier gets a BYE")
    st, rec = box.api("GET", f"/api/v1/calls/{c['id']}")
    S.check(rec.get("ended_at") and rec["ended_by"] == "system",
            "the record is ended by the system", str(rec))
    code, out, err = ctl("calls", cfg=cfg)
    S.check((code, out) == (0, "no live calls\n"),
            "after the hangup: no live calls", f"{code} {out!r}")
    code, out, err = ctl("--json", "calls", cfg=cfg)
    S.check(code == 0 and json.loads(out) == [], "--json calls: []", out)
    a_rtp.close()
    e_rtp.close()


def test_blocks(box, cfg):
    code, out, err = ctl("blocks", cfg=cfg)
    S.check((code, out) == (0, "no auth blocks\n"), "no block yet",
            f"{code} {out!r}")
    p = claims.Phone(box.sip, "1001", "wrong")
    try:
        for _ in range(3):
            p.register()
    finally:
        p.close()
    st, blocks = box.api("GET", "/api/v1/auth_blocks")
    code, out, err = ctl("blocks", cfg=cfg)
    want = [["KIND", "KEY", "FAILURES", "REFUSED", "BLOCKED UNTIL"]] + [
        [b["kind"], b["key"], str(b["failures"]), str(b["refused"]),
         b["blocked_until"] or "-"] for b in blocks]
    S.check(code == 0 and len(blocks) >= 1 and table(out) == want,
            "blocks: the guard's blocks as the API lists them",
            f"{code} {out!r} {blocks}")
    code, out, err = ctl("--json", "blocks", cfg=cfg)
    S.check(code == 0 and [b["key"] for b in json.loads(out)] ==
            [b["key"] for b in blocks], "--json blocks parses", out)
    key = blocks[0]["key"] if blocks else "x"
    code, out, err = ctl("unblock", key, cfg=cfg)
    st, after = box.api("GET", "/api/v1/auth_blocks")
    S.check((code, out) == (0, f"unblocked {key}\n") and
            key not in [b["key"] for b in after],
            "unblock KEY: 0, the block is gone", f"{code} {out!r} {after}")
    code, out, err = ctl("unblock", "10.9.8.7", cfg=cfg)
    S.check((code, err) == (4, "switchboard-ctl: auth_block 10.9.8.7 not "
                            "found (HTTP 404)\n"), "unblock unknown: 4",
            f"{code} {err!r}")


def write_cfg(path, box, *lines):
    with open(path, "w") as f:
        f.write("# ctl suite\n")
        f.write(f"http = {LOCAL}:{box.http[1]}\n")
        f.write(f'data-dir = "{box.dir}"\n')
        for ln in lines:
            f.write(ln + "\n")


def test_reload(box, cfg):
    write_cfg(cfg, box, "ring-timeout = 30", "realm = elsewhere")
    code, out, err = ctl("reload", cfg=cfg)
    S.check((code, out) == (0, f"reloaded {cfg}: 1 change applied, 1 needs "
                            "a restart\napplied: ring-timeout = 30\n"
                            "needs a restart: realm\n"),
            "reload: ring-timeout applied, realm needs a restart",
            f"{code} {out!r} {err!r}")
    write_cfg(cfg, box, "ring-timeout = 20", "bogus-key = 1")
    code, out, err = ctl("reload", cfg=cfg)
    S.check((code, err) == (5, f"switchboard-ctl: reload refused, nothing "
                            f"changed: {cfg}:5: key 'bogus-key': unknown "
                            "key (HTTP 409)\n"),
            "a bad file: 5, its line named", f"{code} {err!r}")
    write_cfg(cfg, box, "ring-timeout = 30", "realm = elsewhere")
    code, out, err = ctl("--json", "reload", cfg=cfg)
    j = json.loads(out) if code == 0 else {}
    S.check(j == {"config_file": cfg, "applied": [],
                  "restart_needed": ["realm"]},
            "--json reload: nothing more applied (the bad file changed "
            "nothing), realm still waits for a restart", f"{code} {out!r}")


def test_backup(box, cfg):
    out_dir = tempfile.mkdtemp(prefix="sbctl-")
    path = os.path.join(out_dir, "b.tar.gz")
    code, out, err = ctl("backup", path, cfg=cfg)
    st, b = box.api("GET", "/api/v1/backup")
    m = re.fullmatch(r"backup (\S+): (\d+) files, (\d+) bytes written to "
                     r"(.+)\n", out)
    S.check(code == 0 and m and m.group(1) == b["name"] and
            int(m.group(2)) == len(b["files"]) and m.group(4) == path and
            not os.path.exists(path + ".part"),
            "backup FILE: 0, the line naming backup, files, bytes, FILE",
            f"{code} {out!r} {err!r}")
    with tarfile.open(path, "r:gz") as t:
        names = t.getnames()
        t.extractall(out_dir)
    db = os.path.join(out_dir, b["name"], "switchboard.db")
    S.check(names == [f"{b['name']}/{f['path']}" for f in b["files"]] and
            os.path.exists(db), "the archive holds <name>/switchboard.db "
            "and the files the API lists", str(names))
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM tenants")]
    finally:
        con.close()
    S.check(names == [DEMO["tenant"]], "the archived database has the "
            "demo tenant", str(names))
    code, out, err = ctl("backup", cfg=cfg)
    S.check(code == 1, "backup without FILE: 1", f"{code} {err!r}")


def api_as(box, token, method, path, body=None):
    old = box.srv.token
    box.srv.token = token
    try:
        return box.api(method, path, body)
    finally:
        box.srv.token = old


def token_rows(box):
    st, lst = box.api("GET", "/api/v1/tokens")
    return [["ID", "NAME", "ROLE", "SCOPE", "PREFIX", "CREATED", "EXPIRES",
             "LAST USED", "EXPIRED"]] + [
        [str(t["id"]), t["name"], t["role"], t["scope"], t["prefix"],
         t["created_at"], t["expires_at"] or "never",
         t["last_used_at"] or "never", "yes" if t["expired"] else "no"]
        for t in lst]


def test_tokens(box, cfg):
    # an API token that ends in a moment, to be listed as expired
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2))
    st, short = box.api("POST", "/api/v1/tokens",
                        {"role": "operator", "name": "short",
                         "expires_at": end})
    S.check(st == 201, "a token ending in 2 s: 201", f"{st} {short}")
    time.sleep(2.5)
    code, out, err = ctl("tokens", cfg=cfg)
    want = token_rows(box)
    rows = table(out)
    S.check(code == 0 and rows == want and
            ["short", "yes"] == [r[1] for r in rows
                                 if r[0] == str(short.get("id"))] +
            [r[8] for r in rows if r[0] == str(short.get("id"))] and
            [r for r in rows if r[1] == "admin"][0][2:5] ==
            ["operator", "full", box.srv.token[:8]],
            "tokens: the table as the API lists them; the admin token "
            "(operator, full, its prefix); the ended one expired yes",
            f"{code} {out!r} {err!r} {want}")
    code, out, err = ctl("--json", "tokens", cfg=cfg)
    j = json.loads(out) if code == 0 else []
    S.check([t["expired"] for t in j if t["id"] == short.get("id")] ==
            [True] and all("token" not in t for t in j),
            "--json tokens: expired true, no secrets", f"{code} {out!r}")

    code, out, err = ctl("token-create", "auditor", "--scope", "read-only",
                         cfg=cfg)
    m = re.fullmatch(r'token (\d+) "auditor": role operator, scope '
                     r'read-only, expires never; its secret, shown this '
                     r'once:\n([0-9a-f]{64})\n', out)
    S.check(code == 0 and m is not None,
            "token-create auditor --scope read-only: the line and the "
            "secret", f"{code} {out!r} {err!r}")
    rid, ro = (int(m.group(1)), m.group(2)) if m else (0, "x")
    st, lst = api_as(box, ro, "GET", "/api/v1/tenants")
    S.check(st == 200 and len(lst) == 1, "the read-only token: GET "
            "/api/v1/tenants 200", f"{st} {lst}")
    S.error_is("the read-only token: POST /api/v1/tenants 403",
               api_as(box, ro, "POST", "/api/v1/tenants",
                      {"name": "Nie GmbH", "country_code": "49",
                       "area_code": "30"}),
               403, "scope read-only may not POST /api/v1/tenants")
    code, out, err = ctl("--token", ro, "reload", cfg=cfg)
    S.check((code, out, err) == (3, "", "switchboard-ctl: scope read-only "
                                 "may not POST /api/v1/reload (HTTP 403)\n"),
            "reload with the read-only token: 3, the scope's 403",
            f"{code} {out!r} {err!r}")
    code, out, err = ctl("--token", ro, "status", cfg=cfg)
    S.check(code == 0, "status with the read-only token: 0",
            f"{code} {err!r}")

    code, out, err = ctl("--json", "token-create", "prometheus",
                         "--scope", "metrics", "--expires", "30d", cfg=cfg)
    j = json.loads(out) if code == 0 else {}
    exp = j.get("expires_at") or ""
    left = (time.mktime(time.strptime(exp[:19], "%Y-%m-%dT%H:%M:%S")) -
            time.mktime(time.gmtime())) if exp else 0
    S.check(j.get("name") == "prometheus" and j.get("scope") == "metrics"
            and j.get("role") == "operator" and
            re.fullmatch(r"[0-9a-f]{64}", j.get("token", "")) and
            abs(left - 30 * 86400) < 120,
            "--json token-create --scope metrics --expires 30d: the "
            "object with the secret, ending in 30 days",
            f"{code} {out!r} {err!r} {left}")
    code, out, err = ctl("token-create", "x", "--expires", "tomorrow",
                         cfg=cfg)
    S.check((code, out) == (1, "") and err.startswith(
        "switchboard-ctl: --expires: 'tomorrow' is not a time"),
        "--expires tomorrow: 1", f"{code} {err!r}")
    code, out, err = ctl("token-create", "x", "--expires",
                         "2020-01-01T00:00:00Z", cfg=cfg)
    S.check((code, err) == (5, "switchboard-ctl: expires_at: must be in "
                            "the future (HTTP 422)\n"),
            "--expires in the past: 5, the API's error", f"{code} {err!r}")
    code, out, err = ctl("token-create", "x", "--scope", "root", cfg=cfg)
    S.check((code, err) == (5, "switchboard-ctl: scope: must be full, "
                            "read-only, provisioning or metrics (HTTP "
                            "422)\n"), "--scope root: 5", f"{code} {err!r}")
    code, out, err = ctl("status", "--scope", "full", cfg=cfg)
    S.check((code, err) == (1, "switchboard-ctl: status: only token-create "
                            "takes --scope\n"), "status --scope: 1",
            f"{code} {err!r}")
    code, out, err = ctl("token-create", cfg=cfg)
    S.check(code == 1, "token-create without NAME: 1", f"{code} {err!r}")

    code, out, err = ctl("token-revoke", str(rid), cfg=cfg)
    S.check((code, out) == (0, f"token {rid} revoked\n"),
            "token-revoke ID: 0, token N revoked", f"{code} {out!r}")
    S.error_is("the revoked token: 401",
               api_as(box, ro, "GET", "/api/v1/tenants"), 401,
               "missing or invalid token")
    code, out, err = ctl("token-revoke", str(rid), cfg=cfg)
    S.check((code, err) == (4, f"switchboard-ctl: token {rid} not found "
                            "(HTTP 404)\n"), "token-revoke again: 4",
            f"{code} {err!r}")
    code, out, err = ctl("token-revoke", "abc", cfg=cfg)
    S.check(code == 1 and "not a token id" in err, "token-revoke abc: 1",
            f"{code} {err!r}")

    # rotation: the server writes its file; the ctl checks and takes it
    path = os.path.join(box.dir, "admin.token")
    old = open(path).read().strip()
    st, lst = box.api("GET", "/api/v1/tokens")
    old_id = [t["id"] for t in lst if t["prefix"] == old[:8]]
    code, out, err = ctl("token-rotate-admin", cfg=cfg)
    new = open(path).read().strip()
    m = re.fullmatch(r"admin token rotated: token (\d+) \((\w{8})\.\.\.\) "
                     r"in (.+) \(the server's\), token (\d+) ended\n", out)
    S.check(code == 0 and m is not None and new != old and
            m.group(2) == new[:8] and m.group(3) == path and
            [int(m.group(4))] == old_id,
            "token-rotate-admin: 0, the new token in the server's file, "
            "the old one's id ended", f"{code} {out!r} {err!r} {old_id}")
    S.error_is("the old admin token: 401",
               api_as(box, old, "GET", "/api/v1/status"), 401,
               "missing or invalid token")
    box.srv.token = new
    st, _ = box.api("GET", "/api/v1/status")
    S.check(st == 200, "the new admin token: 200", st)
    code, out, err = ctl("status", cfg=cfg)
    S.check(code == 0, "the next ctl call reads the new one: 0",
            f"{code} {err!r}")

    # the ctl's --data-dir is not the server's: it writes the file there
    other = tempfile.mkdtemp(prefix="sbctl-dd-")
    code, out, err = ctl("--data-dir", other, "--token", new,
                         "token-rotate-admin", cfg=cfg)
    mine = os.path.join(other, "admin.token")
    newer = open(path).read().strip()
    ok = os.path.exists(mine)
    S.check(code == 0 and ok and open(mine).read() == newer + "\n" and
            newer != new and
            os.stat(mine).st_mode & 0o777 == 0o600 and
            out.startswith("admin token rotated: token ") and
            f"({newer[:8]}...) written to {mine}, token " in out and
            os.listdir(other) == ["admin.token"],
            "another --data-dir: the ctl writes the new token there "
            "(0600, nothing else left)", f"{code} {out!r} {err!r}")
    box.srv.token = newer
    st, _ = box.api("GET", "/api/v1/status")
    S.check(st == 200, "the newest admin token: 200", st)


def test_second_node(box, cfg):
    """A second node on the server's database (one SQLite file here; many
    nodes share a PostgreSQL the same way: suite backup_pg): the store
    has tokens, so node B makes none at its start and has no admin.token;
    its log says once how to get one, and the ctl says it too.
    `switchboard --admin-token-new` with B's options writes a new operator
    token to B's data directory (0600), named admin@node-b, never printed;
    the ctl on B works with it, the first node's token still works on B,
    a second run replaces the file and the earlier one still works until
    it is revoked (then 401)."""
    db = os.path.join(box.dir, "switchboard.db")
    b = Switchboard(extra_args=["--db", db, "--node-id", "node-b"],
                    demo=False)
    try:
        b.start()
        tok = os.path.join(b.dir, "admin.token")
        hint = (f"main: no {tok} on this node (the database has tokens: "
                "another node made the first); `switchboard "
                "--admin-token-new` with this node's configuration writes "
                "one for switchboard-ctl")
        S.check(not os.path.exists(tok) and b.logtext().count(hint) == 1,
                "node B: no admin.token, its log says once how to get one",
                b.tail(20))
        env = {"SWITCHBOARD_HTTP": f"{LOCAL}:{b.http_port}",
               "SWITCHBOARD_DATA_DIR": b.dir}
        code, out, err = ctl("status", env=env)
        S.check((code, out, err) == (5, "", "switchboard-ctl: no token: "
                                     f"cannot read {tok} (No such file or "
                                     "directory); give --token or "
                                     "--data-dir, or write one on the "
                                     "server's machine: switchboard "
                                     "--admin-token-new\n"),
                "the ctl on node B without a token: 5, how to get one",
                f"{code} {out!r} {err!r}")

        def mint():
            r = subprocess.run(b.args + ["--admin-token-new"], env=b.env,
                               capture_output=True, text=True, timeout=60)
            t = open(tok).read() if os.path.exists(tok) else ""
            m = re.search(r"main: new operator token (\d+) \"admin@node-b\" "
                          rf"written to {re.escape(tok)}\n", r.stderr)
            S.check(r.returncode == 0 and m is not None and
                    re.fullmatch(r"[0-9a-f]{64}\n", t) and
                    os.stat(tok).st_mode & 0o777 == 0o600 and
                    t.strip() not in r.stdout + r.stderr,
                    "--admin-token-new: 0, the token in node B's "
                    "admin.token (0600), its id and name said, the token "
                    "not", f"{r.returncode} {r.stdout!r} {r.stderr!r}")
            return t.strip(), int(m.group(1)) if m else 0

        first, first_id = mint()
        code, out, err = ctl("status", env=env)
        S.check(code == 0 and "node-b" in out,
                "the ctl on node B reads the new token: 0",
                f"{code} {out!r} {err!r}")
        S.check(b.api("GET", "/api/v1/status", token=first)[0] == 200,
                "the new token on node B's API: 200")
        S.check(b.api("GET", "/api/v1/status", token=box.srv.token)[0] ==
                200, "the first node's admin token on node B: 200")
        st, lst = b.api("GET", "/api/v1/tokens", token=first)
        mine = [(t["name"], t["role"], t["scope"], t["prefix"])
                for t in lst or [] if t["id"] == first_id]
        S.check(st == 200 and mine == [("admin@node-b", "operator", "full",
                                        first[:8])],
                "GET /tokens lists it: admin@node-b, operator, full",
                f"{st} {mine}")
        second, second_id = mint()
        S.check(second != first and second_id > first_id and
                b.api("GET", "/api/v1/status", token=second)[0] == 200 and
                b.api("GET", "/api/v1/status", token=first)[0] == 200,
                "a second run: a new token in the file, the earlier one "
                "still works", f"{first_id} {second_id}")
        st, _ = b.api("DELETE", f"/api/v1/tokens/{first_id}", token=second)
        S.error_is("the earlier one revoked: 401",
                   b.api("GET", "/api/v1/status", token=first), 401,
                   "missing or invalid token")
        rc = b.stop()
        log = b.logtext()
        S.check(rc == 0 and first not in log and second not in log,
                "node B stops cleanly; no token in its log",
                f"rc={rc}\n{log[-1500:]}")
    finally:
        b.cleanup()


def main():
    cfgdir = tempfile.mkdtemp(prefix="sbctl-cfg-")
    cfg = os.path.join(cfgdir, "switchboard.conf")
    S.run(test_usage)
    S.run(test_unreachable)
    with open(cfg, "w") as f:  # --init-demo reads it already
        f.write("ring-timeout = 60\n")
    box = Box(extra=["--auth-max-failures", "3", "--config", cfg])
    write_cfg(cfg, box, "ring-timeout = 60")
    try:
        box.start()
        for f in (test_status, test_auth, test_registrations, test_calls,
                  test_blocks, test_reload, test_backup, test_tokens,
                  test_second_node):
            S.run(f, box, cfg)
    finally:
        box.stop("ctl server")
    S.finish()


if __name__ == "__main__":
    main()
