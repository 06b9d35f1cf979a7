#!/usr/bin/env python3
"""store_pg: the store on PostgreSQL (issue 21, src/store/db_pg.c).

A throwaway PostgreSQL (test/lib/pg.py) runs:

1. the store's unit tests (build/test/unittest 'test_store_*', SB_TEST_PG
   set: each test gets a database of its own, copied from a template the
   store migrated once).  The tests that are SQLite's by nature (the file,
   migrate.c's steps from old files, SQLite's allocator and fsync) say
   "skip"; exactly those may.  test/unit/pg_known_failures.txt lists the
   tests that still fail on PostgreSQL, each with its reason: a listed
   test that fails is expected, a listed test that passes is a failure
   (take it off the list: the list only shrinks), an unlisted test that
   fails is a failure.
2. the server on it: --db <url> migrates the database, its password
   appears in no log line and --check-config hides it; --init-demo seeds
   the demo, the API lists the demo's tenant and devices from PostgreSQL,
   a backup runs (pg_dump: suite backup_pg), a phone registers and calls the
   demo's announcement number (sipp) and the call is a row.  Until the
   store's SQL is common to both (branch pgsql), that second half is the
   pseudo test "server" of pg_known_failures.txt (known to fail; listed
   and passing is a failure, as for the tests).
"""
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
import sb  # noqa: E402
from peers import Sipp, write_inf  # noqa: E402

S = sb.Suite("store_pg")
ROOT = sb.ROOT
UNIT = os.path.join(ROOT, "build", "test", "unittest")
KNOWN = os.path.join(ROOT, "test", "unit", "pg_known_failures.txt")
# SQLite's alone (TEST_SKIP_PG in test/unit)
SQLITE_ONLY = {"test_store_open", "test_store_migrate",
               "test_store_migrate_v2", "test_store_migrate_v4",
               "test_store_oom", "test_store_durability"}
PASSWORD = "pw-not-logged-7f3a"
# parts of this suite that pg_known_failures.txt may list beside tests
PARTS = {"server"}


def known_failures():
    """{test name: reason} of pg_known_failures.txt ('#' comments)."""
    out = {}
    with open(KNOWN) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, _, reason = line.partition(" ")
            out[name] = reason.strip()
    return out


def test_unit(p):
    """The store's unit tests on PostgreSQL."""
    env = dict(os.environ, SB_TEST_PG=p.url("postgres"))
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    # stderr into stdout: each test's own lines come before its result
    r = subprocess.run([UNIT, "test_store_*"], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=900, cwd=ROOT)
    r.stderr = r.stdout
    res, lines_of, block = {}, {}, []
    for ln in r.stdout.splitlines():
        m = re.match(r"^(ok  |FAIL|skip) (\w+)$", ln)
        if m:
            res[m.group(2)] = m.group(1)
            lines_of[m.group(2)] = [x for x in block if "WARN" in x or
                                    x.startswith("  ")]
            block = []
        else:
            block.append(ln)
    S.check(len(res) >= 40 and re.search(r"^\d+ passed, \d+ failed$",
                                         r.stdout, re.M),
            f"the unit tests ran to their end on PostgreSQL ({len(res)} "
            "tests)", r.stdout[-2000:] + r.stderr[-3000:])
    san = [ln for ln in r.stderr.splitlines()
           if "Sanitizer" in ln or "runtime error:" in ln]
    S.check(not san, "no sanitizer report (leaks, UB) on PostgreSQL",
            "\n".join(san[:10]))
    known = known_failures()
    skipped = {n for n, v in res.items() if v == "skip"}
    S.check(skipped == SQLITE_ONLY,
            "exactly the SQLite-only tests are skipped",
            f"skipped {sorted(skipped)}")
    passed = sorted(n for n, v in res.items() if v == "ok  ")
    failed = sorted(n for n, v in res.items() if v == "FAIL")
    print(f"# {len(passed)} store tests pass on PostgreSQL, {len(failed)} "
          f"fail ({len(known)} known)", flush=True)
    for name in failed:
        if name in known:
            print(f"# known failure {name}: {known[name]}", flush=True)
    unexpected = [n for n in failed if n not in known]
    for name in unexpected:
        S.check(False, f"{name} passes on PostgreSQL (it fails, and is "
                "not a known failure)", "\n".join(lines_of[name][-8:]))
    fixed = [n for n in known if res.get(n) == "ok  "]
    for name in fixed:
        S.check(False, f"{name} is listed in pg_known_failures.txt but "
                "passes: take it off the list")
    gone = [n for n in known if n not in res and n not in PARTS]
    S.check(not gone, "every test of pg_known_failures.txt exists",
            f"{gone}")
    S.check(not unexpected and not fixed,
            f"the store tests on PostgreSQL: {len(passed)} pass, the "
            f"{len(failed)} failing are the known ones")
    S.check("test_store_db" in passed,
            "the driver's own test (test_store_db: types, NULL, errors, "
            "RETURNING, savepoints, booleans, 64-bit, '?' in quotes, a "
            "lost connection) passes on PostgreSQL")


class Checks:
    """Checks of one part that may be a known failure (a pseudo test name
    of pg_known_failures.txt): listed, its failures are expected and it
    must fail somewhere; not listed, each check counts as usual."""

    def __init__(self, name, known):
        self.name = name
        self.reason = known.get(name)
        self.failed = []

    def check(self, cond, what, detail=""):
        if self.reason is None:
            S.check(cond, what, detail)
        elif cond:
            print(f"# ({self.name}) ok   {what}", flush=True)
        else:
            print(f"# ({self.name}) FAIL {what} (known)", flush=True)
        if not cond:
            self.failed.append(what)
        return cond

    def done(self):
        if self.reason is None:
            return
        if self.failed:
            print(f"# known failure {self.name}: {self.reason}", flush=True)
        else:
            S.check(False, f"{self.name} is listed in pg_known_failures.txt "
                    "but passes: take it off the list")


def test_server(p):
    """The server on PostgreSQL (part "server" of pg_known_failures.txt
    while the SQL it needs is not common to both yet): --init-demo
    migrates and seeds, the API lists the demo from PostgreSQL, a phone
    registers and calls, a backup is made (pg_dump), no password in the
    logs or --check-config."""
    C = Checks("server", known_failures())
    p.createdb("sbsrv")
    url = (f"postgresql://postgres:{PASSWORD}@127.0.0.1:{p.port}/sbsrv"
           "?application_name=switchboard")
    srv = sb.Switchboard(extra_args=["--db", url], demo=False)
    code, log = None, ""
    r = subprocess.run([sb.BIN, "--config", "", "--db", url,
                        "--check-config"], capture_output=True, text=True,
                       timeout=30)
    S.check(r.returncode == 0 and PASSWORD not in r.stdout and
            f"db = postgresql://postgres:***@127.0.0.1:{p.port}/sbsrv"
            in r.stdout, "--check-config shows the URL without its "
            "password", r.stdout[-600:] + r.stderr[-300:])
    try:
        r = subprocess.run(srv.args + ["--init-demo"], env=srv.env,
                           capture_output=True, text=True, timeout=120)
        log = r.stdout + r.stderr
        rows = p.psql("SELECT version FROM schema_version", db="sbsrv")
        S.check(rows and rows[0][0].isdigit() and int(rows[0][0]) >= 58,
                "--db postgresql://... migrates the database (the "
                "driver, pg_migrate.c)", f"{rows} {log[-800:]}")
        S.check(PASSWORD not in log and
                "postgresql://postgres:***@127.0.0.1" in log,
                "the database URL is logged without its password",
                log[-1500:])
        if not C.check(r.returncode == 0, "--init-demo on PostgreSQL",
                       log[-1500:]):
            return
        rows = p.psql("SELECT count(*) FROM devices", db="sbsrv")
        C.check(rows == [["3"]], "the demo's devices are rows in "
                "PostgreSQL", f"{rows}")
        try:
            srv.start(timeout=60)
        except RuntimeError as e:
            C.check(False, "the server starts on PostgreSQL", str(e)[-1500:])
            return
        with open(os.path.join(srv.dir, "admin.token")) as f:
            srv.token = f.read().strip()
        st, tenants = srv.api("GET", "/api/v1/tenants")
        C.check(st == 200 and [t["name"] for t in tenants or []] ==
                [sb.DEMO["tenant"]],
                "GET /api/v1/tenants from PostgreSQL: the demo tenant",
                f"{st} {tenants}")
        st, devices = srv.api("GET", "/api/v1/devices")
        users = sorted(d.get("username") for d in devices or [])
        C.check(st == 200 and users == sorted(sb.DEMO["devices"]),
                "GET /api/v1/devices: the three demo phones",
                f"{st} {users}")
        st, body = srv.api("POST", "/api/v1/backup", {})
        for _ in range(600):
            if st not in (200, 202) or body.get("state") != "running":
                break
            time.sleep(0.05)
            st, body = srv.api("GET", "/api/v1/backup")
        C.check(st in (200, 202) and body.get("state") == "done" and
                [f["path"] for f in body["files"]][:1] ==
                ["switchboard.dump"],
                "POST /api/v1/backup on PostgreSQL: done, pg_dump's "
                "switchboard.dump first", f"{st} {body}")
        sip_call(srv, p, C)
    finally:
        if srv.proc:
            code = srv.stop()
            log = srv.logtext()
        srv.cleanup()
        if code is not None:
            C.check(code == 0 and PASSWORD not in log,
                    "the server stops cleanly, no password in its log",
                    log[-2000:])
        C.done()


def sip_call(srv, p, C):
    """Phone 1001 registers (digest) and calls the demo's
    announcement number: answered, hung up, recorded in PostgreSQL."""
    d = tempfile.mkdtemp(prefix="sbpg-sipp-")
    try:
        inf = write_inf(os.path.join(d, "users.csv"),
                        [("1001", sb.DEMO["devices"]["1001"])])
        with Sipp("reg_auth", remote=("127.0.0.1", srv.sip_port), inf=inf,
                  calls=1, timeout_s=30) as reg:
            reg.run()
            C.check(reg.successful == 1, "REGISTER of 1001 with its "
                    "password: 200 (device and binding from PostgreSQL)",
                    f"rc={reg.rc} {reg.errors()[-600:]}")
        rows = p.psql("SELECT count(*) FROM registrations", db="sbsrv")
        C.check(rows == [["1"]], "the binding is a row in PostgreSQL",
                f"{rows}")
        with Sipp("uac_auth_invite", remote=("127.0.0.1", srv.sip_port),
                  inf=inf, service=sb.DEMO["announcement"],
                  duration_ms=300, calls=1, timeout_s=40) as call:
            call.run()
            C.check(call.successful == 1, "1001 calls the announcement "
                    "number: 200 OK, BYE 200",
                    f"rc={call.rc} {call.errors()[-600:]}")
        rows = p.psql("SELECT count(*) FROM calls WHERE answered_at > 0"
                      " AND ended_at > 0", db="sbsrv")
        C.check(rows == [["1"]], "the call is recorded in PostgreSQL "
                "(answered, ended)", f"{rows}")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    with pg.Postgres() as p:
        S.run(test_unit, p)
        S.run(test_server, p)
    S.finish()


if __name__ == "__main__":
    main()
