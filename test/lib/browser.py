"""The browser suites' harness (web_wallboard, web_console, web_office):
the front end's build and Chromium checked, and a node script of
test/web/ (playwright-core, headless /usr/bin/chromium) run with its JSON
lines read:

    require_front_end(S)
    rc = run_script(S, SCRIPT, {"SB_URL": ...}, on_message=handler)

Each {"check": text, "ok": bool, "detail": ...} line is one ok/FAIL line
of the suite ("browser: <text>"); any other JSON object goes to
on_message(msg); a line that is not JSON is echoed ("  node: ...").
"""
import json
import os
import subprocess
import threading

from sb import ROOT

WEB = os.path.join(ROOT, "build", "web")
SHOTS = os.path.join(ROOT, "build", "screenshots")
CHROMIUM = "/usr/bin/chromium"


def require_front_end(suite, web=WEB):
    """Ends the suite with a FAIL unless the front end is built and
    Chromium installed."""
    if not os.path.exists(os.path.join(web, "index.html")):
        suite.check(False, "build/web/index.html exists (run make build)")
        suite.finish()
    if not os.access(CHROMIUM, os.X_OK):
        suite.check(False, f"{CHROMIUM} is installed (make deps)")
        suite.finish()


def start_script(script, env, stdin=False):
    """(process, stderr lines) of node script with env added to ours
    (SHOTS and WEB_DIR given); stderr is collected in the background."""
    full = dict(os.environ, SHOTS=SHOTS, WEB_DIR=os.path.join(ROOT, "web"),
                **env)
    proc = subprocess.Popen(
        ["node", script], env=full,
        stdin=subprocess.PIPE if stdin else None,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err = []
    threading.Thread(target=lambda: err.extend(proc.stderr),
                     daemon=True).start()
    return proc, err


def report(suite, line, on_message=None):
    """One line of the script: a check (True), or passed on; False if
    it was no check."""
    try:
        msg = json.loads(line)
    except ValueError:
        print("  node:", line.rstrip())
        return False
    if "check" in msg:
        suite.check(msg["ok"], "browser: " + msg["check"],
                    msg.get("detail", ""))
        return True
    if on_message:
        on_message(msg)
    return False


def run_script(suite, script, env, on_message=None, timeout=240,
               min_checks=30):
    """Runs script to its end, its checks reported; then checks that it
    ended cleanly with at least min_checks checks.  Returns its exit
    code."""
    proc, err = start_script(script, env)
    checks = 0
    rc = None
    try:
        for line in proc.stdout:
            checks += report(suite, line, on_message)
        rc = proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    suite.check(rc == 0 and checks >= min_checks,
                f"the browser script ended cleanly ({checks} checks)",
                f"rc {rc}: {''.join(err)[-800:]}")
    return rc
