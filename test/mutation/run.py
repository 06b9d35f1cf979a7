#!/usr/bin/python3
"""run.py - `make mutation`: the suites are proven by the bugs they catch.

test/mutation/mutants.txt lists small, realistic bugs ("mutants"): each is a
file, an exact piece of its text, the text that replaces it, and the suites
that must fail when it is planted.  For each mutant this script

  1. copies a clean tree that was built once (build/test included, times
     kept, so that only the mutated file recompiles),
  2. plants the mutant (its original text must occur exactly once: a list
     that is out of step with the code is an error, not a skip),
  3. builds the sanitizer build (a mutant that does not compile, or whose
     file is not recompiled, is an error of the list, not a kill),
  4. runs `SUITES="..." test/run.sh` for its suites:
       killed    some check failed (or a suite crashed or timed out)
       survived  every check passed: the suites cannot see this bug.

A mutant of the front end (file web/src/...ts or .tsx, module "web") is
built with `make web` instead (vite into build/web of the copy; an
unchanged build/web/index.html, i.e. the same hashed bundle, is an error
like an object file that was not recompiled) and is for the browser
suites.

Before the mutants, the suites they use run once on the unmutated copy: a
suite that fails there kills nothing, so its mutants are reported as
errors.  The run prints a table and exits 0 only when every mutant was
killed: 1 when one survived, 2 on an error.

The tree copied is the checkout's files (tracked and untracked, not the
ignored ones), so uncommitted changes are tested too; the report says so.
Working copies live in $MUTATION_DIR (default a new /tmp/sb-mutation-<uid>-*
of this run's own, removed at the end) and are removed after each mutant; logs and results.tsv go to build/mutation/.

    test/mutation/run.py                 every mutant
    test/mutation/run.py media-a2u 'sip-*'   some (ids or shell patterns)
    test/mutation/run.py --list          the list: id, file, suites, what
    test/mutation/run.py --check         is the list in step with the code?

Python standard library only; run with /usr/bin/python3.  On the shared
machine start it with `nice -n 10`.
"""
import argparse
import fnmatch
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LIST = os.path.join(ROOT, "test", "mutation", "mutants.txt")
# the suites that need the built front end (build/web)
BROWSER_SUITES = ("web_wallboard", "web_office", "web_office2", "web_console",
                  "web_console2", "webrtc", "notepage", "web_e2e",
                  "web_admin", "web_phone")

# the modules: the folders of src/
MODULES = tuple(sorted(d for d in os.listdir(os.path.join(ROOT, "src"))
                       if os.path.isdir(os.path.join(ROOT, "src", d))))


class ListError(Exception):
    pass


def suite_names(root):
    names = {"unit"}
    d = os.path.join(root, "test", "suites")
    for f in os.listdir(d):
        base, ext = os.path.splitext(f)
        if ext in (".py", ".sh"):
            names.add(base)
    return names


def parse(path):
    """mutants.txt -> [dict(id, file, suites, what, orig, repl, line)].

    A mutant is a block:
        == <id>
        file: src/<module>/<file>.c
        suites: <suite> ...
        what: <one line: the bug, and which check should catch it>
        <<<
        <original text, verbatim, any number of lines>
        ===
        <replacement text>
        >>>
    Lines outside blocks that start with '#' and blank lines are ignored.
    """
    muts, cur, mode, buf = [], None, None, []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for n, line in enumerate(lines, 1):
        if mode in ("orig", "repl"):
            if line.startswith("== ") and re.fullmatch(
                    r"== [a-z0-9][a-z0-9-]*", line):
                # a merge that lost a ">>>" would swallow the next mutant
                raise ListError(f"{path}:{n}: mutant {cur['id']} runs into "
                                f"the next one ({line!r}): its >>> is "
                                "missing")
            if line == "===" and mode == "orig":
                cur["orig"] = "\n".join(buf)
                mode, buf = "repl", []
            elif line == ">>>" and mode == "repl":
                cur["repl"] = "\n".join(buf)
                muts.append(cur)
                cur, mode, buf = None, None, []
            else:
                buf.append(line)
            continue
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("== "):
            if cur:
                raise ListError(f"{path}:{n}: mutant {cur['id']} has no "
                                "<<< === >>> text")
            cur = {"id": line[3:].strip(), "line": n}
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", cur["id"]):
                raise ListError(f"{path}:{n}: bad id '{cur['id']}'")
            continue
        if cur is None:
            raise ListError(f"{path}:{n}: text outside a mutant: {line!r}")
        if line == "<<<":
            mode, buf = "orig", []
            continue
        m = re.fullmatch(r"(file|suites|what):\s*(.*)", line)
        if not m:
            raise ListError(f"{path}:{n}: unexpected line {line!r}")
        cur[m.group(1)] = m.group(2).strip()
    if cur or mode:
        raise ListError(f"{path}: the last mutant is not closed with >>>")
    return muts


def validate(muts, root):
    """Every mutant well-formed and its original text in its file exactly
    once.  Returns a list of error strings."""
    errors, seen = [], set()
    suites = suite_names(root)
    for m in muts:
        where = f"mutant {m['id']} (mutants.txt:{m['line']})"
        if m["id"] in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(m["id"])
        for k in ("file", "suites", "what"):
            if not m.get(k):
                errors.append(f"{where}: no '{k}:' line")
        if not m.get("file"):
            continue
        web = is_web(m)
        m["module"] = "web" if web else m["file"].split("/")[1] \
            if m["file"].startswith("src/") and m["file"].count("/") >= 2 \
            else "?"
        if m["module"] not in MODULES and not web:
            errors.append(f"{where}: {m['file']} is not in src/<module>/"
                          " or web/src/")
        if web and not re.search(r"\.tsx?$", m["file"]):
            errors.append(f"{where}: only .ts and .tsx files in web/src/")
        if not web and not m["file"].endswith(".c"):
            errors.append(f"{where}: only .c files (a header rebuilds "
                          "everything)")
        m["suite_list"] = m.get("suites", "").split()
        for s in m["suite_list"]:
            if s not in suites:
                errors.append(f"{where}: no suite '{s}'")
        if m.get("orig") == m.get("repl"):
            errors.append(f"{where}: the replacement is the original")
        try:
            text = open(os.path.join(root, m["file"]), encoding="utf-8").read()
        except OSError as e:
            errors.append(f"{where}: {e}")
            continue
        count = text.count(m["orig"]) if m.get("orig") else 0
        if count != 1:
            errors.append(f"{where}: original text found {count} times in "
                          f"{m['file']} (must be exactly once)")
    return errors


def is_web(m):
    """A mutant of the front end (web/src/)."""
    return m.get("file", "").startswith("web/src/")


def web_index(tree):
    """build/web/index.html of tree (names the hashed bundle), or None."""
    try:
        with open(os.path.join(tree, "build", "web", "index.html")) as f:
            return f.read()
    except OSError:
        return None


def sh(cmd, cwd, log, timeout, env=None):
    """Run cmd (a list) in its own process group, output appended to log.
    Returns (rc, seconds); rc None on timeout (the group is killed)."""
    t0 = time.time()
    with open(log, "a") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out,
                             stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            out.write(f"\n*** timeout after {timeout} s\n")
            rc = None
    return rc, time.time() - t0


def copy_checkout(dst):
    """The checkout's files (tracked + untracked, not ignored) into dst."""
    r = subprocess.run(["git", "-C", ROOT, "ls-files", "-z", "--cached",
                        "--others", "--exclude-standard"],
                       capture_output=True, check=True)
    files = [f for f in r.stdout.split(b"\0")
             if f and os.path.lexists(os.path.join(ROOT.encode(), f))]
    os.makedirs(dst)
    tar = subprocess.Popen(["tar", "-C", ROOT, "--null", "-T", "-", "-cf",
                            "-"], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE)
    untar = subprocess.Popen(["tar", "-C", dst, "-xf", "-"],
                             stdin=tar.stdout)
    tar.stdout.close()
    tar.stdin.write(b"\0".join(files) + b"\0")
    tar.stdin.close()
    if tar.wait() or untar.wait():
        raise RuntimeError("copying the checkout failed")


def git_state():
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12",
                           "HEAD"], capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain",
                            "--untracked-files=no"], capture_output=True,
                           text=True).stdout.strip()
    return head.strip(), bool(dirty)


def build(tree, log, timeout):
    return sh(["make", "--no-print-directory", "-j2",
               "build/test/switchboard", "build/test/unittest"],
              tree, log, timeout)


def run_suites(tree, suites, log, timeout):
    env = dict(os.environ, SUITES=" ".join(suites))
    rc, secs = sh(["bash", "test/run.sh"], tree, log, timeout, env)
    failed, fails = [], []
    with open(log, errors="replace") as f:
        for line in f:
            if line.startswith("failed suites:"):
                failed = line.split(":", 1)[1].split()
            elif line.startswith("FAIL") or ": no summary line" in line:
                fails.append(line.strip()[:150])
    # the first failures, so that a kill for another reason than the
    # mutant (a peer that could not start on a busy machine) shows
    first = "; ".join(fails[:3]) + (f" (+{len(fails) - 3} more)"
                                    if len(fails) > 3 else "")
    if rc is None:
        first = f"timeout after {timeout} s" + (f"; {first}" if first else "")
    return rc, secs, failed, first


def fmt_secs(s):
    return f"{s:.0f}"


def main():
    ap = argparse.ArgumentParser(
        description="Plant each mutant of test/mutation/mutants.txt in a "
        "copy of the tree and run its suites (see the top of this file).")
    ap.add_argument("ids", nargs="*",
                    help="mutant ids or shell patterns (default: all)")
    ap.add_argument("--list", action="store_true", help="list the mutants")
    ap.add_argument("--check", action="store_true",
                    help="only check that the list is in step with the code")
    ap.add_argument("--keep", action="store_true",
                    help="keep each mutant's working copy")
    ap.add_argument("--no-baseline", action="store_true",
                    help="do not run the suites on the unmutated tree first")
    ap.add_argument("--timeout", type=int, default=900,
                    help="seconds for one mutant's suites (default 900)")
    ap.add_argument("--markdown", metavar="FILE",
                    help="also write the result table to FILE (Markdown)")
    args = ap.parse_args()

    try:
        muts = parse(LIST)
    except ListError as e:
        print(f"mutation: {e}", file=sys.stderr)
        return 2
    errors = validate(muts, ROOT)
    if args.list:
        for m in muts:
            print(f"{m['id']:<28} {m.get('file', '?'):<28} "
                  f"[{m.get('suites', '')}]\n{'':<28} {m.get('what', '')}")
    if errors:
        for e in errors:
            print(f"mutation: {e}", file=sys.stderr)
        print(f"mutation: {len(errors)} errors in test/mutation/mutants.txt",
              file=sys.stderr)
        return 2
    if args.list:
        return 0
    if args.check:
        mods = sorted({m["module"] for m in muts})
        print(f"mutation: {len(muts)} mutants in step with the code "
              f"(modules: {' '.join(mods)})")
        return 0

    if args.ids:
        pick = [m for m in muts
                if any(fnmatch.fnmatchcase(m["id"], p) for p in args.ids)]
        unknown = [p for p in args.ids
                   if not any(fnmatch.fnmatchcase(m["id"], p) for m in muts)]
        if unknown:
            print(f"mutation: no mutant matches {' '.join(unknown)}",
                  file=sys.stderr)
            return 2
        muts = pick

    # a directory of this run's own: two runs at once (two worktrees on one
    # machine) must never remove each other's copies
    work = os.environ.get("MUTATION_DIR") or tempfile.mkdtemp(
        prefix=f"sb-mutation-{os.getuid()}-")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    logdir = os.path.join(ROOT, "build", "mutation", stamp)
    os.makedirs(logdir, exist_ok=True)
    shutil.rmtree(work, ignore_errors=True)
    base = os.path.join(work, "base")
    head, dirty = git_state()
    t_start = time.time()
    print(f"mutation: {len(muts)} mutants, commit {head}"
          f"{' + uncommitted changes' if dirty else ''}; logs in "
          f"{os.path.relpath(logdir, ROOT)}", flush=True)

    # the clean tree, built once
    copy_checkout(base)
    log = os.path.join(logdir, "base.log")
    rc, secs = sh(["make", "--no-print-directory", "-j2", "build-test"],
                  base, log, 3600)
    if rc == 0:
        rc, _ = sh(["sh", "-c", "scripts/prompts.sh build/test/prompts && "
                    "scripts/tlscert.sh build/test/tls.pem"], base, log, 600)
    # the browser suites (BROWSER_SUITES) drive build/web: the
    # front end is built once here (npm ci from the lock file, vite build)
    if rc == 0 and any(is_web(m) or s in BROWSER_SUITES for m in muts
                       for s in m["suite_list"]):
        rc, _ = sh(["make", "--no-print-directory", "web"], base, log, 1200)
    if rc != 0:
        print(f"mutation: the unmutated tree does not build: see {log}",
              file=sys.stderr)
        return 2
    print(f"mutation: clean tree built in {fmt_secs(secs)} s", flush=True)

    # the suites on the unmutated tree: a failing one proves nothing
    bad_suites = set()
    used = sorted({s for m in muts for s in m["suite_list"]})
    if not args.no_baseline:
        log = os.path.join(logdir, "baseline.log")
        rc, secs, failed, first = run_suites(base, used, log,
                                             args.timeout * len(used))
        if rc != 0:
            bad_suites = set(failed) or set(used)
            print(f"mutation: on the unmutated tree these suites fail: "
                  f"{' '.join(sorted(bad_suites))} ({first}); their mutants "
                  f"are errors; see {log}", file=sys.stderr, flush=True)
        else:
            print(f"mutation: baseline {' '.join(used)} passed in "
                  f"{fmt_secs(secs)} s", flush=True)

    results = []
    for i, m in enumerate(muts, 1):
        t0 = time.time()
        log = os.path.join(logdir, f"{m['id']}.log")
        verdict, detail = None, ""
        tree = os.path.join(work, f"m-{m['id']}")
        if bad_suites & set(m["suite_list"]):
            verdict = "error"
            detail = "baseline fails: " + " ".join(
                sorted(bad_suites & set(m["suite_list"])))
        else:
            subprocess.run(["cp", "-a", base, tree], check=True)
            path = os.path.join(tree, m["file"])
            text = open(path, encoding="utf-8").read()
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(m["orig"], m["repl"], 1))
            if is_web(m):
                before = web_index(tree)
                rc, _ = sh(["make", "--no-print-directory", "web"], tree,
                           log, 1200)
                after = web_index(tree)
            else:
                obj = os.path.join(tree, "build", "test",
                                   m["file"][:-2] + ".o")
                before = os.stat(obj).st_mtime_ns \
                    if os.path.exists(obj) else 0
                rc, _ = build(tree, log, 1200)
                after = os.stat(obj).st_mtime_ns \
                    if os.path.exists(obj) else 0
            if rc != 0:
                verdict, detail = "error", "does not compile"
            elif after == before:
                verdict, detail = "error", f"{m['file']} was not recompiled"
            else:
                rc, _, failed, first = run_suites(tree, m["suite_list"], log,
                                                  args.timeout)
                if rc == 0:
                    verdict = "survived"
                else:
                    verdict = "killed"
                    detail = (" ".join(failed) + ": " if failed else "") + \
                        first
            if not args.keep:
                shutil.rmtree(tree, ignore_errors=True)
        secs = time.time() - t0
        results.append((m, verdict, secs, detail))
        print(f"mutation: [{i}/{len(muts)}] {m['id']}: {verdict} in "
              f"{fmt_secs(secs)} s{' - ' + detail if detail else ''}",
              flush=True)

    total = time.time() - t_start
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    counts = {v: sum(1 for r in results if r[1] == v)
              for v in ("killed", "survived", "error")}
    w = max(len(m["id"]) for m in muts) if muts else 2
    print()
    print(f"{'mutant':<{w}}  {'module':<6}  {'verdict':<8}  {'s':>4}  "
          "suites / first failures")
    for m, v, s, d in results:
        print(f"{m['id']:<{w}}  {m['module']:<6}  {v:<8}  {fmt_secs(s):>4}  "
              f"[{m['suites']}] {d}")
    summary = (f"{len(results)} mutants: {counts['killed']} killed, "
               f"{counts['survived']} survived, {counts['error']} errors in "
               f"{fmt_secs(total)} s")
    print(summary)
    with open(os.path.join(logdir, "results.tsv"), "w") as f:
        f.write("id\tmodule\tfile\tsuites\tverdict\tseconds\tdetail\n")
        for m, v, s, d in results:
            f.write(f"{m['id']}\t{m['module']}\t{m['file']}\t{m['suites']}"
                    f"\t{v}\t{s:.0f}\t{d}\n")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("| mutant | file | what | suites | verdict | s |\n")
            f.write("|---|---|---|---|---|---:|\n")
            for m, v, s, d in results:
                what = m["what"].replace("|", "\\|")
                f.write(f"| `{m['id']}` | {m['file']} | {what} | "
                        f"{m['suites']} | {v} | {s:.0f} |\n")
            f.write(f"\n{summary}; commit {head}"
                    f"{' + uncommitted changes' if dirty else ''}.\n")
    if counts["error"]:
        return 2
    return 1 if counts["survived"] else 0


if __name__ == "__main__":
    sys.exit(main())
