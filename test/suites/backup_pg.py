#!/usr/bin/python3
"""backup_pg: the online backup of a store on PostgreSQL (issue 21,
src/store/db_pg_dump.c), its restore, and a second node's admin token.

On a throwaway PostgreSQL (test/lib/pg.py), node A (--db with a password
in the URL: trust ignores it, the log must not show it; --backup-keep 1)
gets data through the API: a client, two employees, a call note, an
uploaded prompt, a mailbox with one message (its row by psql, its file in
the spool, as the recorder leaves it).  POST /api/v1/backup: 202
"running", then "done" with exactly switchboard.dump (pg_dump's custom
format: pg_restore -l lists the tables' data), the prompt and the
voicemail file, with their sizes, and the schema version of the
database; no password in A's log.

Restore as the README says: A stops, the database is dropped and created
again, the spool and the uploads are wiped; pg_restore --clean
--if-exists of the dump, voicemail/ and uploads/ copied back, A starts:
the same GETs answer exactly the same JSON, the message's and the
prompt's audio come back byte for byte.  One more backup: with
--backup-keep 1 only it is left.

Without pg_dump in A's PATH: 503 naming the package, nothing written.
(A's pg_dump is a shim noting its arguments and environment: no password
on its command line, the connection in libpq's variables.)

Node B on the same database, its URL with a wrong password for the role
sbnode (trust at its start): no admin.token in its data directory, its
log says once how to get one; `switchboard --admin-token-new` with B's
options writes one (0600), which works on B (200), as A's token does.
Then the server asks sbnode for its password (pg_hba.conf, reloaded):
B's backup fails with pg_dump's first line ("password authentication
failed for user sbnode"), and its directory is gone.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import pg  # noqa: E402
from sb import BIN, PROMPTS, Suite, Switchboard, backup_done  # noqa: E402,E501

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from upload import upload, wav  # noqa: E402

S = Suite("backup_pg")
PASSWORD = "pw-not-logged-b4c8"
WRONG = "pw-wrong-5e1c"
NAME_RE = r"^\d{8}T\d{6}\.\d{3}Z$"


def raw(sb, path):
    import urllib.request
    req = urllib.request.Request(f"http://127.0.0.1:{sb.http_port}{path}")
    req.add_header("Authorization", f"Bearer {sb.token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def make_data(sb, p, db):
    """A client with two employees, a note, a prompt and a message; the
    ids and the bytes of the two audio files."""
    st, t = sb.api("POST", "/api/v1/tenants",
                   {"name": "Sicherung PG GmbH", "area_code": "30",
                    "central_number": "030 5550000"})
    S.check(st == 201, "a client", f"{st} {t}")
    tid = t["id"]
    emps = []
    for first, last in (("Paula", "Probe"), ("Bernd", "Backup")):
        st, e = sb.api("POST", "/api/v1/employees",
                       {"tenant_id": tid, "first_name": first,
                        "last_name": last})
        S.check(st == 201, f"employee {first}", f"{st} {e}")
        emps.append(e["id"])
    st, n = sb.api("POST", "/api/v1/notes",
                   {"tenant_id": tid, "employee_ids": emps,
                    "caller_name": "Frau Kunde",
                    "caller_number": "030 1234567",
                    "concern": "Bitte um Rückruf wegen der Sicherung"})
    S.check(st == 201, "a call note", f"{st} {n}")
    audio = wav(8000, 1, "s16", 12000)
    st, pr = upload(sb, audio, f"tenant_id={tid}&name=Sicherung"
                    "&purpose=greeting")
    S.check(st == 201, "a prompt uploaded", f"{st} {pr}")
    st, mb = sb.api("POST", "/api/v1/mailboxes",
                    {"tenant_id": tid, "name": "Zentrale"})
    S.check(st == 201, "a mailbox", f"{st} {mb}")
    spool = os.path.join(sb.dir, "voicemail", str(tid))
    os.makedirs(spool, exist_ok=True)
    vm_audio = wav(8000, 1, "alaw", 8000)
    vm_file = os.path.join(spool, "20261208T000000-node1-backup.wav")
    with open(vm_file, "wb") as f:
        f.write(vm_audio)
    now = int(time.time() * 1000)
    rows = p.psql("INSERT INTO vm_messages (mailbox_id, tenant_id, caller,"
                  " caller_name, started_at, duration_ms, file, created_at)"
                  f" VALUES ({mb['id']}, {tid}, '+4930123', 'Herr Band',"
                  f" {now - 60000}, 1000, '{vm_file}', {now})"
                  " RETURNING id", db=db)
    mid = int(rows[0][0])
    return {"tid": tid, "emps": emps, "note": n["id"], "prompt": pr,
            "audio": audio, "mailbox": mb["id"], "message": mid,
            "vm_audio": vm_audio, "vm_rel": f"voicemail/{tid}/"
            f"{os.path.basename(vm_file)}"}


def snapshot(sb, d):
    tid = d["tid"]
    paths = ["/api/v1/tenants", f"/api/v1/tenants/{tid}",
             f"/api/v1/employees?tenant_id={tid}",
             f"/api/v1/notes/{d['note']}",
             f"/api/v1/notes?tenant_id={tid}",
             f"/api/v1/prompts/{d['prompt']['id']}",
             f"/api/v1/mailboxes/{d['mailbox']}",
             f"/api/v1/mailboxes/{d['mailbox']}/messages",
             f"/api/v1/messages/{d['message']}"]
    return {p: sb.api("GET", p) for p in paths}


def test_backup_restore(p, a, pdir, db, shim):
    S.error_is("no backup yet: 404", a.api("GET", "/api/v1/backup"), 404,
               "no backup made since the start")
    d = make_data(a, p, db)
    before = snapshot(a, d)
    S.check(all(v[0] == 200 for v in before.values()),
            "the GETs to compare answer 200",
            str({k: v for k, v in before.items() if v[0] != 200}))

    st, b = a.api("POST", "/api/v1/backup", {})
    S.check(st == 202 and b["state"] == "running" and b["files"] == [] and
            re.match(NAME_RE, b["name"]), "POST /backup on PostgreSQL: "
            "202, running", f"{st} {b}")
    name = b["name"]
    b = backup_done(a, 60)
    bdir = os.path.join(a.dir, "backups", name)
    dump = os.path.join(bdir, "switchboard.dump")
    version = int(p.psql("SELECT version FROM schema_version", db=db)[0][0])
    S.check(b["state"] == "done" and b["name"] == name and
            b["dir"] == bdir and b["reason"] is None and
            b["schema_version"] == version,
            "the backup is done in <data-dir>/backups/<UTC time>, with the "
            "database's schema version", f"{json.dumps(b)} {version}")
    want = {"switchboard.dump": os.path.getsize(dump)
            if os.path.exists(dump) else -1,
            d["prompt"]["file"]: len(d["audio"]),
            d["vm_rel"]: len(d["vm_audio"])}
    got = {f["path"]: f["size"] for f in b["files"]}
    S.check(got == want and [f["path"] for f in b["files"]][0] ==
            "switchboard.dump",
            "the answer names exactly the dump, the uploaded prompt and the "
            "voicemail file with their sizes", f"{got} != {want}")
    S.check(sorted(os.listdir(bdir)) == ["switchboard.dump", "uploads",
                                         "voicemail"],
            "the backup directory holds the dump, uploads/ and voicemail/",
            str(os.listdir(bdir)))
    r = subprocess.run(["pg_restore", "-l", dump], capture_output=True,
                       text=True, timeout=60)
    S.check(r.returncode == 0 and "Format: CUSTOM" in r.stdout and
            re.search(r"TABLE DATA public tenants ", r.stdout) and
            re.search(r"TABLE DATA public vm_messages ", r.stdout),
            "the dump is pg_dump's custom format with the tables' data "
            "(pg_restore -l)", r.stdout[:600] + r.stderr[-600:])
    check_call(shim, p, db, dump)
    with open(os.path.join(bdir, d["vm_rel"]), "rb") as f:
        S.check(f.read() == d["vm_audio"],
                "the voicemail file's copy is byte for byte")
    log = a.logtext()
    S.check(PASSWORD not in log and "store: backup: pg_dump (pid " in log,
            "pg_dump ran; the password is in no log line",
            log[-1500:])

    # restore: stop, wipe the database, the spool and the uploads
    rc = a.stop()
    S.check(rc == 0, "node A stops cleanly", f"rc={rc}\n{a.tail(30)}")
    p.psql(f'DROP DATABASE "{db}"')
    p.psql(f'CREATE DATABASE "{db}"')
    S.check(p.psql("SELECT count(*) FROM pg_tables WHERE schemaname = "
                   "'public'", db=db) == [["0"]],
            "the database is empty again")
    shutil.rmtree(os.path.join(a.dir, "voicemail"))
    shutil.rmtree(os.path.join(pdir, "uploads"))
    r = subprocess.run(["pg_restore", "--clean", "--if-exists",
                        "--no-owner", "-d", p.url(db), dump],
                       capture_output=True, text=True, timeout=120)
    S.check(r.returncode == 0, "pg_restore --clean --if-exists of the dump "
            "into the database: 0", r.stderr[-1500:])
    shutil.copytree(os.path.join(bdir, "voicemail"),
                    os.path.join(a.dir, "voicemail"))
    shutil.copytree(os.path.join(bdir, "uploads"),
                    os.path.join(pdir, "uploads"))
    a.start(timeout=60)
    after = snapshot(a, d)
    for path in before:
        S.check(after[path] == before[path],
                f"restored: GET {path} answers the same",
                f"{after[path]} != {before[path]}")
    S.check(raw(a, f"/api/v1/messages/{d['message']}/audio") ==
            d["vm_audio"],
            "restored: the message's audio comes back byte for byte")
    S.check(raw(a, f"/api/v1/prompts/{d['prompt']['id']}/audio") ==
            d["audio"],
            "restored: the prompt's audio comes back byte for byte")
    st, e = a.api("POST", "/api/v1/employees",
                  {"tenant_id": d["tid"], "first_name": "Nach",
                   "last_name": "Restore"})
    S.check(st == 201 and e["id"] > max(d["emps"]),
            "restored: a new employee gets the next id (the sequences "
            "came back too)", f"{st} {e} {d['emps']}")

    st, b2 = a.api("POST", "/api/v1/backup", {})
    b2 = backup_done(a, 60) if st == 202 else b2
    S.check(st == 202 and b2["state"] == "done" and
            os.listdir(os.path.join(a.dir, "backups")) == [b2["name"]],
            "one more backup: done, and with --backup-keep 1 only it is "
            "left", f"{st} {b2} {os.listdir(os.path.join(a.dir, 'backups'))}")


def test_no_pg_dump(a, shim):
    """No pg_dump in node A's PATH: 503, nothing written."""
    os.rename(os.path.join(shim, "pg_dump"), os.path.join(shim, "gone"))
    try:
        before = os.listdir(os.path.join(a.dir, "backups"))
        S.error_is("no pg_dump: 503", a.api("POST", "/api/v1/backup", {}),
                   503, "backup: pg_dump is not installed (Debian package "
                   "postgresql-client)")
        S.check(os.listdir(os.path.join(a.dir, "backups")) == before,
                "no directory left", str(before))
    finally:
        os.rename(os.path.join(shim, "gone"), os.path.join(shim, "pg_dump"))


def test_second_node(p, a, pdir, db):
    p.psql("CREATE ROLE sbnode LOGIN SUPERUSER")
    url = f"postgresql://sbnode:{WRONG}@127.0.0.1:{p.port}/{db}"
    b = Switchboard(extra_args=["--db", url, "--node-id", "node-b",
                                "--prompts", pdir], demo=False)
    try:
        b.start(timeout=60)
        tok = os.path.join(b.dir, "admin.token")
        hint = (f"main: no {tok} on this node (the database has tokens: "
                "another node made the first); `switchboard "
                "--admin-token-new` with this node's configuration writes "
                "one for switchboard-ctl")
        S.check(not os.path.exists(tok) and
                b.logtext().count(hint) == 1,
                "node B: no admin.token, its log says once how to get one",
                b.tail(20))
        r = subprocess.run(b.args + ["--admin-token-new"], env=b.env,
                           capture_output=True, text=True, timeout=60)
        token = open(tok).read().strip() if os.path.exists(tok) else ""
        m = re.search(r"main: new operator token (\d+) \"admin@node-b\" "
                      rf"written to {re.escape(tok)}\n", r.stderr)
        S.check(r.returncode == 0 and m and
                re.fullmatch(r"[0-9a-f]{64}", token) and
                os.stat(tok).st_mode & 0o777 == 0o600 and
                token not in r.stdout + r.stderr and
                WRONG not in r.stdout + r.stderr,
                "--admin-token-new on node B: 0, a token in its admin.token "
                "(0600), named, not printed", f"{r.returncode} {r.stderr}")
        b.token = token
        st, _ = b.api("GET", "/api/v1/status")
        S.check(st == 200, "the new token on node B's API: 200", st)
        st, _ = b.api("GET", "/api/v1/status", token=a.token)
        S.check(st == 200, "node A's admin token on node B: 200", st)

        # the server asks sbnode for its password from now on
        hba = os.path.join(p.data, "pg_hba.conf")
        with open(hba) as f:
            rules = f.read()
        with open(hba, "w") as f:
            f.write("host all sbnode 127.0.0.1/32 scram-sha-256\n" + rules)
        p.psql("ALTER ROLE sbnode PASSWORD 'the-right-one'; "
               "SELECT pg_reload_conf()")
        st, bk = b.api("POST", "/api/v1/backup", {})
        S.check(st == 202 and bk["state"] == "running",
                "node B: POST /backup 202", f"{st} {bk}")
        bk = backup_done(b, 60)
        why = (f'pg_dump: error: connection to server at "127.0.0.1", '
               f'port {p.port} failed: FATAL:  password authentication '
               'failed for user "sbnode"')
        S.check(bk["state"] == "failed" and bk["reason"] == why and
                bk["files"] == [],
                "a wrong password: failed, with pg_dump's first line",
                json.dumps(bk))
        S.check(os.listdir(os.path.join(b.dir, "backups")) == [],
                "the failed backup's directory is removed",
                str(os.listdir(os.path.join(b.dir, "backups"))))
        rc = b.stop()
        log = b.logtext()
        S.check(rc == 0 and WRONG not in log and token not in log,
                "node B stops cleanly; neither its password nor its token "
                "in its log", f"rc={rc}\n{log[-1500:]}")
    finally:
        b.cleanup()


SHIM = """#!/bin/sh
# pg_dump as node A finds it in its PATH (this directory alone): its
# arguments and libpq variables noted, then Debian's
PATH=/usr/bin:/bin
{ for a in "$@"; do printf 'arg %s\\n' "$a"; done
  env | grep '^PG' | sort | sed 's/^/env /'; } > "$(dirname "$0")/call"
exec /usr/bin/pg_dump "$@"
"""


def shim_dir():
    d = tempfile.mkdtemp(prefix="sbpgdump-")
    path = os.path.join(d, "pg_dump")
    with open(path, "w") as f:
        f.write(SHIM)
    os.chmod(path, 0o755)
    return d


def check_call(shim, p, db, dump):
    """pg_dump's command line holds no password; the connection is in
    its environment."""
    try:
        lines = open(os.path.join(shim, "call")).read().splitlines()
    except OSError:
        lines = []
    args = [ln[4:] for ln in lines if ln.startswith("arg ")]
    env = dict(ln[4:].split("=", 1) for ln in lines if ln.startswith("env "))
    S.check(args == ["-Fc", "-w", "-f", dump, "-d",
                     "keepalives='1' keepalives_idle='5' "
                     "keepalives_interval='2' keepalives_count='3' "
                     "tcp_user_timeout='10000'"],
            "pg_dump's arguments: custom format, never a password prompt, "
            "the file, the parameters without a variable", str(args))
    S.check(env.get("PGPASSWORD") == PASSWORD and
            env.get("PGUSER") == "postgres" and
            env.get("PGHOST") == "127.0.0.1" and
            env.get("PGPORT") == str(p.port) and
            env.get("PGDATABASE") == db and
            env.get("PGCONNECT_TIMEOUT") == "3" and
            not any(PASSWORD in a for a in args),
            "the connection reaches pg_dump in libpq's variables (the "
            "password only there)", str(sorted(env)))


def main():
    pdir = tempfile.mkdtemp(prefix="sbprompts-")
    shim = shim_dir()
    for f in os.listdir(PROMPTS):
        if f != "uploads":
            os.symlink(os.path.join(PROMPTS, f), os.path.join(pdir, f))
    a = None
    with pg.Postgres() as p:
        db = "sbbk"
        p.createdb(db)
        url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{p.port}/{db}"
        try:
            a = Switchboard(extra_args=["--db", url, "--prompts", pdir,
                                        "--backup-keep", "1"],
                            env={"PATH": shim})
            a.start(timeout=60)
            S.run(test_backup_restore, p, a, pdir, db, shim)
            S.run(test_no_pg_dump, a, shim)
            S.run(test_second_node, p, a, pdir, db)
            rc = a.stop()
            S.check(rc == 0, "node A exits cleanly (no sanitizer report)",
                    f"rc={rc}\n{a.tail(30)}")
        finally:
            if a:
                a.cleanup()
            shutil.rmtree(pdir, ignore_errors=True)
            shutil.rmtree(shim, ignore_errors=True)
    S.finish()


if __name__ == "__main__":
    main()
