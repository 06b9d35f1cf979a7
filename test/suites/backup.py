#!/usr/bin/python3
"""Online backup and restore, and the call records export (issue 20,
data safety).

Export: two carrier calls (sipp) to the announcement; GET
/api/v1/calls/export as CSV has exactly the header and their two lines
(built here from GET /calls), as JSON the same values; another client's
admin gets none; bad dates 400 naming the field, over 366 days 422.

Backup:

Data is made through the API (a tenant, employees, an uploaded prompt;
a voicemail file is put on disk);
while a carrier call (sipp) is up, POST /api/v1/backup copies the
database (SQLite's backup API, stepped on a timer) and the stored audio
into <data-dir>/backups/<UTC time>/.  A second POST while it runs is 409
(two requests sent in one write, so the first is still running when the
second is read).  The answer names the files with their exact sizes and
the schema version; the copy passes SQLite's integrity check and carries
that schema version.  Then the server stops, the data directory and the
uploads are wiped, the copy is put back as the README says, the server
starts again, and the same GETs answer exactly the same JSON; the
uploaded prompt comes back byte for byte.

Keeping (--backup-keep 2 from a configuration file): beside two
directories of an operator's (one named otherwise, one a file named like
a backup) and an old backup, three more backups leave exactly the
operator's two and the newest two; backup-keep = 0 and POST /reload:
the next one removes nothing.  (A backup SQLite keeps answering busy
fails after 10 s: unit test_store_backup_busy checks the store's EBUSY;
locking the copy from here raced the copy's first cache spill.)
"""
import json
import os
import shutil
import socket
import sqlite3
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import (DEMO, PROMPTS, Suite, Switchboard, backup_done,  # noqa: E402
                demo_ids, live_call)
from peers import Sipp  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from upload import upload, wav  # noqa: E402

S = Suite("backup")
NAME_RE = r"^\d{8}T\d{6}\.\d{3}Z$"


def raw_twice(sb, path):
    """Two POSTs of path in one write on one connection: the two raw
    answers (status, JSON)."""
    req = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           f"Authorization: Bearer {sb.token}\r\n"
           "Content-Type: application/json\r\n"
           "Content-Length: 2\r\n\r\n{}").encode()
    s = socket.create_connection(("127.0.0.1", sb.http_port), timeout=10)
    s.sendall(req + req)
    buf = b""
    out = []
    deadline = time.time() + 10
    while len(out) < 2 and time.time() < deadline:
        while b"\r\n\r\n" in buf:
            head, rest = buf.split(b"\r\n\r\n", 1)
            n = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    n = int(v)
            if len(rest) < n:
                break
            st = int(head.split(b" ")[1])
            out.append((st, json.loads(rest[:n]) if n else None))
            buf = rest[n:]
        if len(out) >= 2:
            break
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return out


def download(sb, pid):
    req = urllib.request.Request(
        f"http://127.0.0.1:{sb.http_port}/api/v1/prompts/{pid}/audio")
    req.add_header("Authorization", f"Bearer {sb.token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def snapshot(sb, tid, tid2, pid):
    paths = ["/api/v1/tenants", f"/api/v1/tenants/{tid2}",
             f"/api/v1/employees?tenant_id={tid}",
             f"/api/v1/employees?tenant_id={tid2}",
             f"/api/v1/prompts?tenant_id={tid}", f"/api/v1/prompts/{pid}",
             f"/api/v1/announcements?tenant_id={tid}"]
    return {p: sb.api("GET", p) for p in paths}


def test_backup_restore(sb, pdir):
    S.error_is("no backup yet: 404", sb.api("GET", "/api/v1/backup"), 404,
               "no backup made since the start")
    tid, _, _ = demo_ids(sb, "Max")
    st, t2 = sb.api("POST", "/api/v1/tenants",
                    {"name": "Sicherung GmbH", "area_code": "30",
                     "central_number": "030 5550000"})
    S.check(st == 201, "a second tenant", f"{st} {t2}")
    tid2 = t2["id"]
    for first, last in (("Paula", "Probe"), ("Bernd", "Backup")):
        st, e = sb.api("POST", "/api/v1/employees",
                       {"tenant_id": tid2, "first_name": first,
                        "last_name": last})
        S.check(st == 201, f"employee {first} of the second tenant",
                f"{st} {e}")
    audio = wav(8000, 1, "s16", 12000)
    st, p = upload(sb, audio, f"tenant_id={tid}&name=Sicherung"
                   "&purpose=greeting")
    S.check(st == 201, "a prompt uploaded", f"{st} {p}")
    # a voicemail message's file (its row is the voicemail suite's
    # business; a file without one is swept at the next start)
    vm = os.path.join(sb.dir, "voicemail", str(tid))
    os.makedirs(vm, exist_ok=True)
    vm_audio = wav(8000, 1, "alaw", 8000)
    with open(os.path.join(vm, "msg-backup.wav"), "wb") as f:
        f.write(vm_audio)
    before = snapshot(sb, tid, tid2, p["id"])
    S.check(all(v[0] == 200 for v in before.values()),
            "the GETs to compare answer 200",
            str({k: v[0] for k, v in before.items()}))

    uac = Sipp("uac_announcement", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service=DEMO["announcement"],
               calls=1, timeout_s=40, recv_timeout_ms=20000).start()
    try:
        call = live_call(sb, DEMO["announcement"], 10)
        S.check(call is not None, "a carrier call is up")
        answers = raw_twice(sb, "/api/v1/backup")
        S.check(len(answers) == 2 and answers[0][0] == 202 and
                answers[0][1]["state"] == "running",
                "POST /backup: 202, running", str(answers[:1]))
        name = answers[0][1]["name"] if answers else "?"
        S.check(len(answers) == 2 and answers[1] ==
                (409, {"error": f"backup: {name} is still running"}),
                "a second backup while one runs: 409 naming it",
                str(answers[1:]))
        b = backup_done(sb)
        still = live_call(sb, DEMO["announcement"], 1)
        S.check(still is not None and still["id"] == call["id"],
                "the call is still up after the backup",
                str(still))
        uac.wait(40)
        S.check(uac.successful == 1, "the call completes (prompt, BYE)",
                f"rc={uac.rc}")
    finally:
        uac.stop()

    import re
    bdir = os.path.join(sb.dir, "backups", name)
    S.check(b["state"] == "done" and re.match(NAME_RE, name) and
            b["name"] == name and b["dir"] == bdir,
            "the backup is done, in <data-dir>/backups/<UTC time>",
            json.dumps(b))
    want_files = {"switchboard.db": os.path.getsize(
        os.path.join(bdir, "switchboard.db")),
        p["file"]: len(audio),
        f"voicemail/{tid}/msg-backup.wav": len(vm_audio)}
    got_files = {f["path"]: f["size"] for f in b["files"]}
    S.check(got_files == want_files and b["reason"] is None and
            set(b) == {"name", "dir", "state", "reason", "schema_version",
                       "started_at", "finished_at", "files"},
            "the answer names the database, the uploaded prompt and the "
            "voicemail file with their sizes", f"{got_files} != {want_files}")
    with open(os.path.join(bdir, p["file"]), "rb") as f:
        S.check(f.read() == audio, "the prompt's copy is byte for byte")
    with open(os.path.join(bdir, "voicemail", str(tid), "msg-backup.wav"),
              "rb") as f:
        S.check(f.read() == vm_audio,
                "the voicemail file's copy is byte for byte")
    db = sqlite3.connect(os.path.join(bdir, "switchboard.db"))
    ic = db.execute("PRAGMA integrity_check").fetchone()[0]
    uv = db.execute("PRAGMA user_version").fetchone()[0]
    jm = db.execute("PRAGMA journal_mode").fetchone()[0]
    names = [r[0] for r in db.execute(
        "SELECT name FROM tenants ORDER BY id")]
    db.close()
    S.check(ic == "ok" and uv == b["schema_version"] and uv >= 47 and
            jm == "delete",
            "the copy is intact, a plain file, with the schema version "
            "named", f"{ic} user_version={uv} {b['schema_version']} {jm}")
    S.check(names[-1] == "Sicherung GmbH", "the copy holds the new tenant",
            str(names))
    S.check(not os.path.exists(os.path.join(bdir, "switchboard.db-wal")),
            "no WAL file beside the copy")

    # restore: stop, wipe, copy back, start
    keep = tempfile.mkdtemp(prefix="sbbackup-")
    shutil.move(bdir, os.path.join(keep, name))
    src = os.path.join(keep, name)
    rc = sb.stop()
    S.check(rc == 0, "server stops cleanly", f"rc={rc}\n{sb.tail(30)}")
    for e in os.listdir(sb.dir):
        if e == "switchboard.log":
            continue
        path = os.path.join(sb.dir, e)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    shutil.rmtree(os.path.join(pdir, "uploads"))
    shutil.copy2(os.path.join(src, "switchboard.db"),
                 os.path.join(sb.dir, "switchboard.db"))
    shutil.copytree(os.path.join(src, "uploads"),
                    os.path.join(pdir, "uploads"))
    if os.path.isdir(os.path.join(src, "voicemail")):
        shutil.copytree(os.path.join(src, "voicemail"),
                        os.path.join(sb.dir, "voicemail"))
    os.symlink(PROMPTS, os.path.join(sb.dir, "prompts"))
    sb.start()
    after = snapshot(sb, tid, tid2, p["id"])
    for path in before:
        S.check(after[path] == before[path],
                f"restored: GET {path} answers the same",
                f"{after[path]} != {before[path]}")
    S.check(download(sb, p["id"]) == audio,
            "restored: the prompt's audio comes back byte for byte")
    shutil.rmtree(keep)


def get_raw(sb, path, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{sb.http_port}{path}")
    req.add_header("Authorization", f"Bearer {token or sb.token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return (r.status, r.headers.get("Content-Type"),
                    r.headers.get("Content-Disposition"), r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), None, e.read()


def iso_ms(s):
    """ISO-8601 UTC with milliseconds -> ms."""
    import datetime
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)
    return round(d.timestamp() * 1000)


HEADER = ("id;tenant_id;direction;from_number;to_number;started_at;"
          "answered_at;ended_at;duration_s;billable_s;disposition;sip_code;"
          "ended_by;queue_id;queue;agent_id;callee_leg;forwarded_from")


def want_line(c):
    """The CSV line of call record c (GET /calls/:id), from its fields."""
    dur = (iso_ms(c["ended_at"]) - iso_ms(c["started_at"])) // 1000
    bill = ((iso_ms(c["ended_at"]) - iso_ms(c["answered_at"])) // 1000
            if c["answered_at"] else 0)
    return ";".join(str(v) for v in (
        c["id"], c["tenant_id"] or "", c["direction"], c["from_number"],
        c["to_number"], c["started_at"], c["answered_at"] or "",
        c["ended_at"], dur, bill, c["disposition"], c["sip_code"] or "",
        c["ended_by"] or "", "", "", "", c["callee_leg"] or "",
        c["forwarded_from"] or ""))


def test_export(sb, tid):
    """Two carrier calls to the announcement (sipp): the export's CSV has
    exactly their lines (from the records), the JSON the same values;
    a client admin of another tenant gets none of them; bad dates are
    400 naming the field, more than a year 422."""
    runs = [Sipp("uac_announcement", remote=("127.0.0.1", sb.sip_port),
                 local_port=sb.trunk_port, service=DEMO["announcement"],
                 calls=1, timeout_s=40, recv_timeout_ms=20000).run()
            for _ in range(2)]
    S.check(all(r.successful == 1 for r in runs),
            "two announcement calls complete", str([r.rc for r in runs]))
    st, calls = sb.api("GET", "/api/v1/calls?limit=10")
    recs = sorted([c for c in calls if c["to_number"] ==
                   DEMO["announcement"] and c["ended_at"]],
                  key=lambda c: (c["started_at"], c["id"]))
    S.check(len(recs) == 2, "their two records", str(calls))
    day = recs[0]["started_at"][:10]
    import datetime
    nxt = (datetime.date.fromisoformat(day) +
           datetime.timedelta(days=1)).isoformat()
    st, ct, cd, body = get_raw(
        sb, f"/api/v1/calls/export?from={day}&to={nxt}&format=csv")
    lines = body.decode().split("\r\n")
    want = [HEADER] + [want_line(c) for c in recs] + [""]
    S.check(st == 200 and ct == "text/csv; charset=utf-8" and
            cd == 'attachment; filename="calls.csv"' and lines == want,
            "CSV export: the header and exactly the lines of the two calls",
            f"{st} {ct} {cd}\n{lines}\n!=\n{want}")
    S.check(recs and recs[0]["disposition"] == "answered" and
            want[1].split(";")[9] not in ("", "0"),
            "an answered call has billable seconds", want[1:2])
    st, arr = sb.api("GET", f"/api/v1/calls/export?from={day}"
                     f"T00:00:00Z&to={nxt}T00:00:00Z&tenant_id={tid}")
    cols = HEADER.split(";")
    ok = st == 200 and len(arr) == 2 and [list(o) for o in arr] == \
        [cols] * 2
    for o, line in zip(arr or [], want[1:3]):
        got = ";".join("" if o[k] is None else str(o[k]) for k in cols)
        ok = ok and got == line
    S.check(ok, "JSON export of the tenant: the same values, the same "
            "columns", f"{st} {arr}")
    st, other = sb.api("POST", "/api/v1/tenants",
                       {"name": "Export GmbH", "area_code": "30",
                        "central_number": "030 5550100"})
    st, t = sb.api("POST", "/api/v1/tokens",
                   {"role": "client_admin", "tenant_id": other["id"],
                    "name": "export"})
    if st == 201:
        st2, arr2 = sb.api("GET", f"/api/v1/calls/export?from={day}"
                           f"&to={nxt}&tenant_id={tid}", token=t["token"])
        S.check(st2 == 200 and arr2 == [],
                "another tenant's client admin gets none of them "
                "(tenant_id ignored)", f"{st2} {arr2}")
    else:
        S.check(False, "a client admin token of another tenant", f"{st} {t}")
    S.error_is("from not a date: 400", sb.api(
        "GET", "/api/v1/calls/export?from=2026-13-01"), 400,
        "from: must be a date YYYY-MM-DD or an ISO-8601 time")
    S.error_is("to not a date: 400", sb.api(
        "GET", "/api/v1/calls/export?from=2026-01-01&to=gestern"), 400,
        "to: must be a date YYYY-MM-DD or an ISO-8601 time")
    S.error_is("to before from: 400", sb.api(
        "GET", "/api/v1/calls/export?from=2026-02-01&to=2026-01-01"), 400,
        "to: must be after from")
    S.error_is("over a year: 422", sb.api(
        "GET", "/api/v1/calls/export?from=2025-01-01&to=2026-01-03"), 422,
        "to: the range must not exceed 366 days")
    S.check(sb.api("GET", "/api/v1/calls/export?from=2024-01-01&"
                   "to=2025-01-01")[0] == 200,
            "a leap year (366 days) is allowed")
    S.error_is("format xml: 400", sb.api(
        "GET", "/api/v1/calls/export?format=xml"), 400,
        "format: must be csv or json")


def backups(sb):
    """The entries of <data-dir>/backups, sorted."""
    return sorted(os.listdir(os.path.join(sb.dir, "backups")))


def one_backup(sb):
    st, b = sb.api("POST", "/api/v1/backup", {})
    if st != 202:
        return st, b
    return st, backup_done(sb)


def test_keep(sb, conf):
    bdir = os.path.join(sb.dir, "backups")
    os.makedirs(os.path.join(bdir, "manual-copy"), exist_ok=True)
    os.makedirs(os.path.join(bdir, "20200102T000000.000Z"))
    with open(os.path.join(bdir, "20200102T000000.000Z", "switchboard.db"),
              "wb") as f:
        f.write(b"old")
    with open(os.path.join(bdir, "20200101T000000.000Z"), "w") as f:
        f.write("an operator's file, named like a backup\n")
    theirs = ["20200101T000000.000Z", "manual-copy"]
    names = []
    want = {1: ["20200102T000000.000Z"], 2: [], 3: []}
    for i in (1, 2, 3):
        st, b = one_backup(sb)
        S.check(st == 202 and b["state"] == "done", f"backup {i}: done",
                f"{st} {b}")
        names.append(b["name"])
        kept = sorted(theirs + want[i] + names[-2:])
        S.check(backups(sb) == kept,
                f"backup {i} with --backup-keep 2: exactly the operator's "
                "two and the newest two backups", f"{backups(sb)} != {kept}")
    with open(conf, "w") as f:
        f.write("backup-keep = 0\n")
    st, r = sb.api("POST", "/api/v1/reload", {})
    S.check(st == 200, "backup-keep = 0, POST /reload: 200", f"{st} {r}")
    st, b = one_backup(sb)
    S.check(st == 202 and b["state"] == "done", "backup 4: done", str(b))
    kept = sorted(theirs + names[-2:] + [b["name"]])
    S.check(backups(sb) == kept, "backup-keep = 0: none removed",
            f"{backups(sb)} != {kept}")


def main():
    pdir = tempfile.mkdtemp(prefix="sbprompts-")
    for f in os.listdir(PROMPTS):
        # the shared prompts may hold another suite's uploads (the test
        # servers share build/test/prompts): this server's are its own
        if f != "uploads":
            os.symlink(os.path.join(PROMPTS, f), os.path.join(pdir, f))
    conf = os.path.join(pdir, "switchboard.conf")
    with open(conf, "w") as f:
        f.write("backup-keep = 2\n")
    sb = Switchboard(extra_args=["--prompts", pdir, "--config", conf])
    try:
        sb.start()
        S.run(test_export, sb, demo_ids(sb, "Max")[0])
        S.run(test_backup_restore, sb, pdir)
        S.run(test_keep, sb, conf)
        rc = sb.stop()
        S.check(rc == 0, "server exits cleanly (no sanitizer report)",
                f"rc={rc}\n{sb.tail(30)}")
    finally:
        sb.cleanup()
        shutil.rmtree(pdir, ignore_errors=True)
    S.finish()


if __name__ == "__main__":
    main()
