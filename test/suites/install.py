#!/usr/bin/env python3
"""install.py - `make install` (issue 20) puts exactly the documented files
in place, honours PREFIX and DESTDIR, keeps an existing
/etc/switchboard/switchboard.conf, writes a systemd unit that
`systemd-analyze verify` accepts, and the installed binary starts with the
installed configuration and answers /health and the web front end.

  * DESTDIR=<tmp>: the exact list of files (binaries: switchboard and
    switchboard-ctl, prompts as built,
    build/web, unit, sysusers file, example and README, the configuration)
  * the unit: own user, StateDirectory, the hardening lines,
    CAP_NET_BIND_SERVICE only in a comment, Type=notify with
    NotifyAccess=main and WatchdogSec=30s (the notifications themselves:
    notify.py); `systemd-analyze verify`
  * a second install keeps an edited configuration and says so
  * PREFIX=<tmp>/usr SYSCONFDIR=<tmp>/etc: the installed binary with
    --config <installed file> (listen addresses and data directory given
    as flags, which win over the file) answers GET /health 200 and serves
    the installed web front end's index.html
"""
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from claims import LOCAL, clean_env, free_port  # noqa: E402
from sb import Suite  # noqa: E402
from peers import wait_for  # noqa: E402

S = Suite("install")
ROOT = os.path.dirname(os.path.dirname(HERE))


def make_install(*args):
    return subprocess.run(["make", "--no-print-directory", "install"] +
                          list(args), cwd=ROOT, capture_output=True,
                          text=True, timeout=900)


def tree(top):
    out = set()
    for d, _, files in os.walk(top):
        for f in files:
            out.add(os.path.relpath(os.path.join(d, f), top))
    return out


def test_destdir():
    dest = tempfile.mkdtemp(prefix="sbinstall-")
    try:
        r = make_install(f"DESTDIR={dest}")
        S.check(r.returncode == 0, "make install DESTDIR=... succeeds",
                r.stdout[-800:] + r.stderr[-800:])
        share = "usr/local/share/switchboard"
        want = {"usr/local/bin/switchboard",
                "usr/local/bin/switchboard-ctl",
                "usr/local/lib/systemd/system/switchboard.service",
                "usr/local/lib/sysusers.d/switchboard.conf",
                f"{share}/README.md", f"{share}/switchboard.conf.example",
                "etc/switchboard/switchboard.conf"}
        want |= {f"{share}/prompts/{p}" for p in
                 tree(os.path.join(ROOT, "build", "prompts"))}
        want |= {f"{share}/web/{p}" for p in
                 tree(os.path.join(ROOT, "build", "web"))}
        have = tree(dest)
        S.check(have == want and any(p.endswith("moh.wav") for p in want)
                and f"{share}/web/index.html" in want,
                f"exactly the documented files ({len(want)})",
                f"extra {sorted(have - want)[:10]}, missing "
                f"{sorted(want - have)[:10]}")
        modes = [os.stat(os.path.join(dest, "usr/local/bin", b)).st_mode &
                 0o777 for b in ("switchboard", "switchboard-ctl")]
        S.check(modes == [0o755, 0o755], "the binaries are mode 0755",
                str([oct(m) for m in modes]))
        with open(os.path.join(dest, "usr/local/lib/systemd/system/"
                               "switchboard.service")) as f:
            unit = f.read()
        lines = set(unit.splitlines())
        need = {"User=switchboard", "StateDirectory=switchboard",
                "NoNewPrivileges=yes", "ProtectSystem=strict",
                "ProtectHome=yes", "PrivateTmp=yes",
                "ExecStart=/usr/local/bin/switchboard --config "
                "/etc/switchboard/switchboard.conf",
                "ExecReload=/bin/kill -HUP $MAINPID",
                "Type=notify", "NotifyAccess=main", "WatchdogSec=30s",
                "#AmbientCapabilities=CAP_NET_BIND_SERVICE"}
        S.check(need <= lines and "@BINDIR@" not in unit and
                "@DATADIR@" not in unit and not any(
                    ln.startswith("AmbientCapabilities") or
                    ln.startswith("Type=simple") for ln in lines),
                "the unit: own user, StateDirectory, hardening, paths "
                "filled in, CAP_NET_BIND_SERVICE only as a comment, "
                "Type=notify with its watchdog",
                str(need - lines))
        with open(os.path.join(dest, "etc/switchboard/switchboard.conf")) \
                as f:
            conf = f.read()
        S.check(conf.startswith("# set by make install\ndata-dir = "
                                "/var/lib/switchboard\nweb-dir = "
                                "/usr/local/share/switchboard/web\n"),
                "the configuration: data-dir /var/lib/switchboard, the "
                "installed web-dir, then the example", conf[:200])
        with open(os.path.join(dest, "etc/switchboard/switchboard.conf"),
                  "a") as f:
            f.write("realm = kept\n")
        r = make_install(f"DESTDIR={dest}")
        with open(os.path.join(dest, "etc/switchboard/switchboard.conf")) \
                as f:
            conf2 = f.read()
        S.check(r.returncode == 0 and conf2.endswith("realm = kept\n") and
                "switchboard.conf exists, kept" in r.stdout,
                "a second install keeps the edited configuration",
                r.stdout[-400:])
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def test_prefix_runs():
    top = tempfile.mkdtemp(prefix="sbinstall-prefix-")
    proc = None
    try:
        usr, etc = os.path.join(top, "usr"), os.path.join(top, "etc")
        r = make_install(f"PREFIX={usr}", f"SYSCONFDIR={etc}")
        S.check(r.returncode == 0, "make install PREFIX=... SYSCONFDIR=...",
                r.stderr[-800:])
        unitp = os.path.join(usr, "lib/systemd/system/switchboard.service")
        if shutil.which("systemd-analyze"):
            v = subprocess.run(["systemd-analyze", "verify", unitp],
                               capture_output=True, text=True, timeout=60)
            # verify wants the user's sysusers entry; only unit errors count
            errs = [ln for ln in (v.stdout + v.stderr).splitlines()
                    if "switchboard.service" in ln]
            S.check(not errs, "systemd-analyze verify: no complaint about "
                    "the unit", "\n".join(errs))
        else:
            S.check(False, "systemd-analyze is on the machine (Debian "
                    "systemd)")
        state = os.path.join(top, "state")
        os.makedirs(state)
        subprocess.run(["cp", "-rn", os.path.join(usr, "share/switchboard/"
                                                  "prompts"), state],
                       check=True)
        sip, http = free_port(), free_port()
        conf = os.path.join(etc, "switchboard", "switchboard.conf")
        binary = os.path.join(usr, "bin", "switchboard")
        args = [binary, "--config", conf, "--data-dir", state, "--sip",
                f"{LOCAL}:{sip}", "--http", f"{LOCAL}:{http}"]
        env = clean_env()
        r = subprocess.run(args + ["--init-demo"], env=env,
                           capture_output=True, text=True, timeout=60)
        S.check(r.returncode == 0, "the installed binary: --init-demo with "
                "the installed configuration", r.stderr[-500:])
        log = open(os.path.join(top, "switchboard.log"), "w")
        proc = subprocess.Popen(args, env=env, stdout=log,
                                stderr=subprocess.STDOUT, cwd=state)

        def get(path):
            try:
                with urllib.request.urlopen(
                        f"http://{LOCAL}:{http}{path}", timeout=2) as resp:
                    return resp.status, resp.read()
            except OSError:
                return None, b""
        try:
            wait_for(lambda: get("/health")[0] == 200, 20, "/health")
        except Exception:
            pass
        st, body = get("/health")
        S.check(st == 200, "the installed binary answers GET /health 200",
                f"{st} {body[:200]!r}")
        st, body = get("/")
        with open(os.path.join(usr, "share/switchboard/web/index.html"),
                  "rb") as f:
            index = f.read()
        S.check(st == 200 and body == index, "it serves the installed web "
                "front end (web-dir from the installed file)", f"{st}")
    finally:
        if proc:
            proc.terminate()
            code = proc.wait(timeout=30)
            S.check(code == 0, "installed binary: clean exit", f"{code}")
        shutil.rmtree(top, ignore_errors=True)


def main():
    S.run(test_destdir)
    S.run(test_prefix_runs)
    S.finish()


if __name__ == "__main__":
    main()
