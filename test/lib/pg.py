"""A throwaway PostgreSQL for the suites (issue 21): a cluster of its own
in a temporary directory, on 127.0.0.1 and a free port of the suite's slot
(ports.py), with its unix socket in that directory, fsync off; stopped by
its pid and its directory removed.

    with pg.Postgres() as p:
        url = p.createdb("sb")          # postgresql://postgres@127.0.0.1:N/sb
        p.psql("SELECT 1", db="sb")     # rows as lists of strings

PostgreSQL refuses to run as root, and the suites run as root: the cluster
then belongs to the user `nobody` (initdb and postgres are started as it;
the client psql stays root and connects as the database user `postgres`,
trust authentication, over the socket).  Run as another user, the cluster
is that user's.

initdb takes 2-10 s on this machine (most of it the bootstrap), so one
cluster made by initdb is kept as a template in build/pg-template-<major>
(ROOT/build, made once, atomically) and each Postgres() starts from a copy
of it: start() is ~1-3 s.  `scripts/pgtmp.sh` is the same by hand.

Only the Python standard library; psql, initdb and postgres of
PostgreSQL 15 (debian-packages.txt: postgresql).
"""
import csv
import glob
import io
import re
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

import ports

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def bindir():
    """The directory of initdb and postgres (the newest installed major);
    $PG_BINDIR wins."""
    env = os.environ.get("PG_BINDIR")
    found = [os.path.join(env, "postgres")] if env else sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda p: int(p.split("/")[4]))
    found = [f for f in found if os.access(f, os.X_OK)]
    if not found:
        raise RuntimeError("PostgreSQL is not installed "
                           "(/usr/lib/postgresql/*/bin/postgres)")
    return os.path.dirname(found[-1])


def _major(bin_dir):
    return os.path.basename(os.path.dirname(bin_dir))


def _owner():
    """(uid, gid) the cluster runs as: nobody when we are root."""
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid()
    pw = pwd.getpwnam("nobody")
    return pw.pw_uid, pw.pw_gid


def _as_owner():
    """Popen arguments that run a command as the cluster's owner."""
    uid, gid = _owner()
    if os.geteuid() != 0:
        return {}
    return {"user": uid, "group": gid, "extra_groups": []}


def _template(bin_dir):
    """The directory of an initdb'd cluster, made once per major version."""
    path = os.path.join(ROOT, "build", f"pg-template-{_major(bin_dir)}")
    if os.path.exists(os.path.join(path, "PG_VERSION")):
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    uid, gid = _owner()
    tmp = tempfile.mkdtemp(prefix="pg-template-", dir=os.path.dirname(path))
    os.chown(tmp, uid, gid)
    data = os.path.join(tmp, "data")
    r = subprocess.run([os.path.join(bin_dir, "initdb"), "-D", data,
                        "-U", "postgres", "-A", "trust", "-E", "UTF8",
                        "--locale=C.UTF-8", "--no-sync", "--no-instructions",
                        # 1 MB WAL segments: a copy of 24 MB, not 40
                        "--wal-segsize=1"],
                       capture_output=True, text=True, timeout=120, cwd=tmp,
                       **_as_owner())
    if r.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"initdb failed ({r.returncode}): {r.stderr}")
    try:
        os.rename(data, path)  # another process may have been first
    except OSError:
        pass
    shutil.rmtree(tmp, ignore_errors=True)
    return path


class Postgres:
    """One throwaway cluster; start() in the constructor unless
    start=False.  self.port, self.dir (removed by stop()), self.sock."""

    SETTINGS = {
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "shared_buffers": "16MB",
        "max_connections": "40",
        "listen_addresses": "127.0.0.1",
        "log_min_messages": "warning",
        "log_min_error_statement": "panic",
    }

    def __init__(self, start=True, port=None):
        self.bin = bindir()
        self.port = port or ports.free_port()
        self.dir = None
        self.proc = None
        if start:
            self.start()

    def start(self, timeout=30):
        t0 = time.monotonic()
        tpl = _template(self.bin)
        uid, gid = _owner()
        self.dir = tempfile.mkdtemp(prefix="sbpg-")
        os.chown(self.dir, uid, gid)
        self.data = os.path.join(self.dir, "data")
        self.sock = self.dir
        subprocess.run(["cp", "-a", tpl, self.data], check=True, timeout=60)
        self.log_path = os.path.join(self.dir, "postgres.log")
        args = [os.path.join(self.bin, "postgres"), "-D", self.data,
                "-p", str(self.port), "-k", self.sock]
        for k, v in self.SETTINGS.items():
            args += ["-c", f"{k}={v}"]
        log = open(self.log_path, "w")
        os.chown(self.log_path, uid, gid)
        self.proc = subprocess.Popen(args, stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL, cwd=self.dir,
                                     **_as_owner())
        log.close()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited ({self.proc.returncode})"
                                   f": {self.logtext()}")
            r = subprocess.run([os.path.join(self.bin, "pg_isready"), "-q",
                                "-h", self.sock, "-p", str(self.port)],
                               timeout=10)
            if r.returncode == 0:
                self.started_in = time.monotonic() - t0
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"postgres not ready after {timeout} s")

    def url(self, db="postgres"):
        """The libpq URL of database db (over TCP, as a node would use)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def createdb(self, name):
        """A new empty database; its URL."""
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    NULL = "\x1dNULL"

    def psql(self, sql, db="postgres", check=True):
        """Run sql (one or more statements; stops at the first error) as
        the user postgres; the rows they print as lists of strings (NULL
        is None).  A failure raises CalledProcessError (its stderr is
        psql's) when check, else the result is (rows, stderr, returncode).
        """
        r = subprocess.run(
            ["psql", "-X", "-q", "--csv", "-t", "-P", f"null={self.NULL}",
             "-v", "ON_ERROR_STOP=1", "-h", self.sock, "-p", str(self.port),
             "-U", "postgres", "-d", db, "-f", "-"],
            input=sql, capture_output=True, text=True, timeout=120,
            env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"))
        rows = [[None if c == self.NULL else c for c in row]
                for row in csv.reader(io.StringIO(r.stdout))]
        if not check:
            return rows, r.stderr, r.returncode
        if r.returncode != 0:
            raise subprocess.CalledProcessError(r.returncode, "psql",
                                                r.stdout, r.stderr)
        return rows

    def psql_each(self, stmts, db="postgres"):
        """Run each statement of the list in one session, going on after
        an error: for each, its rows (as psql()) or ("error", SQLSTATE,
        message).  A statement that ends in a psql command (\\gdesc: its
        result's columns and types, not run) is sent as it is."""
        script = ["\\set VERBOSITY terse"]
        for q in stmts:
            q = q.rstrip()
            if not re.search(r"\\g\w*$", q):
                q = q.rstrip(";") + ";"
            script += [q,
                       "\\echo '\x1e' :SQLSTATE",
                       "\\if :ERROR", "\\echo :LAST_ERROR_MESSAGE",
                       "\\endif"]
        r = subprocess.run(
            ["psql", "-X", "-q", "--csv", "-t", "-P", f"null={self.NULL}",
             "-h", self.sock, "-p", str(self.port), "-U", "postgres",
             "-d", db, "-f", "-"],
            input="\n".join(script) + "\n", capture_output=True, text=True,
            timeout=120,
            env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"))
        chunks = r.stdout.split("\x1e ")
        if len(chunks) != len(stmts) + 1:
            raise RuntimeError(f"psql: {r.stderr}")
        out, rest = [], chunks[0]
        for chunk in chunks[1:]:
            code, _, tail = chunk.partition("\n")
            rows = [[None if c == self.NULL else c for c in row]
                    for row in csv.reader(io.StringIO(rest))]
            if code != "00000":
                msg, _, tail = tail.partition("\n")
                out.append(("error", code, msg))
            else:
                out.append(rows)
            rest = tail
        return out

    def logtext(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, timeout=15):
        """Fast shutdown by pid (SIGINT; SIGQUIT if it hangs), then the
        directory goes."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGQUIT)
                self.proc.wait(timeout)
        self.proc = None
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
