#!/usr/bin/python3
"""bench/tls_bench.py - issue 7: calls per second for TLS+SRTP calls against
UDP+RTP calls, in the same run.  Python 3 standard library only.

Debian's sipp has no TLS, so the calls come from bench/build/sipload (libre,
bench/sipload.c; built here with `make -C bench build/sipload` when missing
or older than its source).  Each step is a fresh release daemon
(build/rel/switchboard, or BENCH_BIN) started through test/lib/sb.py the way
bench/bench.py does it (free ports, demo data, --log-level warn, a 2 s
440 Hz tone as prompts/welcome.wav), with SIP over TLS switched on (a fresh
self-signed EC certificate) for every step, UDP ones included, so both kinds
run against the same configuration.  The demo trunk is patched to
host 127.0.0.1 with "match_any_port": true: every source port of 127.0.0.1
counts as the trunk, over UDP, TCP and TLS alike (call.c looks trunks up by
source IP and port only), so no call needs digest.

sipload calls the announcement number (+4922182829990) at the step's rate
for SECS seconds; the server answers, plays the prompt (RTP, or SRTP when
the offer was RTP/SAVP with a=crypto) and hangs up with BYE.  Modes:

  udp       SIP over UDP, RTP/AVP offer
  tls       SIP over TLS on one connection (a trunk), RTP/SAVP offer
  tls-conn  SIP over TLS, a new connection (full handshake) per call,
            RTP/SAVP offer (not in the default run)

The rates are stepped in the same order for every mode (udp, then tls, at
each rate, so a change in the shared machine's load hits both); a mode stops
at its first step with any failed call.  Per step: the server's CPU time
(utime+stime from /proc/PID/stat, from just before sipload starts to when
it has seen every call end) divided by the calls, its CPU in % of one core
(average and busiest 1 s), sipload's own CPU, set-up time, media received.

Writes bench/tls_results.md (a markdown fragment: summary, table, exact
commands, machine) and keeps each step's sipload JSON and daemon log in
bench/out/tls/.  Whole run bounded by --budget (default 700 s).  Each rate
is offered for 60 s, longer than the 32 s SIP transaction timers, so the
server's timer list reaches its steady size (issue 11).

  bench/tls_bench.py                      udp and tls, 400..1400 cps, 60 s each
  bench/tls_bench.py --modes udp,tls,tls-conn --budget 600
  bench/tls_bench.py --rates 50,100 --secs 3 --out /tmp/x.md   (quick try)
  BENCH_BIN=/path/to/switchboard BENCH_BIN_SOURCE="git abc1234" bench/tls_bench.py
"""
import argparse
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
import sb  # noqa: E402
sys.path.insert(0, HERE)
from bench import cpu_s, rss_kib  # noqa: E402  (same /proc readings)
from media_bench import merge_into_results  # noqa: E402

REL_BIN = os.environ.get("BENCH_BIN") or os.path.join(ROOT, "build", "rel",
                                                    "switchboard")
SIPLOAD = os.path.join(HERE, "build", "sipload")
OUT = os.path.join(HERE, "out", "tls")
RESULTS = os.path.join(HERE, "tls_results.md")
NUMBER = sb.DEMO["announcement"]
RATES = [400, 800, 1000, 1200, 1400]
SECS = 60                  # > the 32 s SIP transaction timers
CALL_TIMEOUT = 15          # [s] sipload's limit per call
PROMPT_S = 2               # the bench prompt
MODES = {
    "udp": {"label": "UDP+RTP", "args": ["-t", "udp"], "tls": False},
    "tls": {"label": "TLS+SRTP", "args": ["-t", "tls", "--srtp"],
            "tls": True},
    "tls-conn": {"label": "TLS+SRTP, connection per call",
                 "args": ["-t", "tls", "--srtp", "--conn-per-call"],
                 "tls": True},
}
T_START = time.time()
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def elapsed():
    return time.time() - T_START


def udp_drops(port):
    """The kernel's drop counter of the UDP socket bound to port
    (/proc/net/udp, last column); None if there is none."""
    try:
        with open("/proc/net/udp") as f:
            next(f)
            for line in f:
                p = line.split()
                if int(p[1].split(":")[1], 16) == port:
                    return int(p[-1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def loadavg():
    try:
        return float(open("/proc/loadavg").read().split()[0])
    except (OSError, ValueError):
        return None


def cmdline(args):
    return " ".join(shlex.quote(str(a)) for a in args)


def ensure_sipload():
    src = os.path.join(HERE, "sipload.c")
    if (not os.path.exists(SIPLOAD)
            or os.path.getmtime(SIPLOAD) < os.path.getmtime(src)):
        subprocess.run(["make", "--no-print-directory", "-C", HERE,
                        "build/sipload"], check=True)


def make_prompts(dirpath):
    os.makedirs(dirpath, exist_ok=True)
    for name, secs, hz, vol in (("welcome.wav", PROMPT_S, 440, 0.5),
                                ("moh.wav", 4, 330, 0.3)):
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16",
                        "-e", "signed-integer", os.path.join(dirpath, name),
                        "synth", str(secs), "sine", str(hz), "vol",
                        str(vol)], check=True, capture_output=True,
                       timeout=60)


class Daemon:
    """The release build through sb.Switchboard, TLS on, RTP range
    widened, the demo trunk matching any port of 127.0.0.1."""

    def __init__(self, prompts):
        sb.BIN = REL_BIN
        sb.PROMPTS = prompts
        self.s = sb.Switchboard(extra_args=["--log-level", "warn"], tls=True)
        a = self.s.args
        a[a.index("--rtp-min") + 1] = "40000"
        a[a.index("--rtp-max") + 1] = "59999"
        self.s.env.pop("ASAN_OPTIONS", None)   # ASan build only

    def start(self):
        self.s.start()
        st, body = self.s.api("PATCH", "/api/v1/trunks/1",
                              {"host": "127.0.0.1", "match_any_port": True})
        if st != 200:
            raise RuntimeError(f"cannot patch the trunk: {st} {body}")
        return self

    @property
    def pid(self):
        return self.s.proc.pid

    @property
    def command(self):
        return cmdline(self.s.args)

    def calls_active(self):
        try:
            st, body = self.s.api("GET", "/api/v1/stats")
        except OSError:
            return None
        if st != 200 or not isinstance(body, dict):
            return None
        return body.get("calls_active", 0)

    def wait_idle(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.calls_active() == 0:
                return True
            time.sleep(0.2)
        return False

    def warnings(self):
        """The daemon's WARN/ERROR lines, and libre's own warnings, which
        it prints to stderr (so into the log) in red, without a time."""
        out = []
        for ln in self.s.logtext().splitlines():
            libre = "\x1b[31m" in ln
            ln = ANSI.sub("", ln).strip()
            if libre or " WARN " in ln or " ERROR " in ln:
                out.append(ln)
        return out

    def stop(self, keep_log):
        rc = self.s.stop()
        try:
            shutil.copy(self.s.log_path, keep_log)
        except OSError:
            pass
        self.s.cleanup()
        return rc


def step(mode, rate, secs, prompts):
    m = MODES[mode]
    count = rate * secs
    tag = f"{mode}_{rate}"
    wd = os.path.join(OUT, tag)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    d = Daemon(prompts).start()
    port = d.s.tls_port if m["tls"] else d.s.sip_port
    jpath = os.path.join(wd, "sipload.json")
    args = [SIPLOAD, *m["args"], "-r", str(rate), "-n", str(count),
            "-s", NUMBER, "--timeout", str(CALL_TIMEOUT), "--json", jpath,
            f"127.0.0.1:{port}"]
    load0 = loadavg()
    rss0 = rss_kib(d.pid)
    c0 = cpu_s(d.pid)
    t0 = time.time()
    with open(os.path.join(wd, "sipload.txt"), "w") as errf:
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=errf)
        peak_cpu, peak_rss = 0.0, rss0 or 0
        last_t, last_c = t0, c0
        limit = t0 + secs + CALL_TIMEOUT + 20
        while p.poll() is None and time.time() < limit:
            time.sleep(0.25)
            now, c = time.time(), cpu_s(d.pid)
            if c is not None and last_c is not None and now - last_t >= 0.95:
                peak_cpu = max(peak_cpu, 100 * (c - last_c) / (now - last_t))
                last_t, last_c = now, c
            peak_rss = max(peak_rss, rss_kib(d.pid) or 0)
        if p.poll() is None:
            p.kill()
        rc = p.wait()
    wall = time.time() - t0
    c1 = cpu_s(d.pid)
    sb_drops = udp_drops(d.s.sip_port)
    alive = d.s.alive()
    idle = d.wait_idle(10)
    warn = d.warnings()
    d.stop(os.path.join(wd, "switchboard.log"))
    try:
        j = json.load(open(jpath))
    except (OSError, ValueError):
        j = {}
    cpu = (c1 - c0) if c0 is not None and c1 is not None else None
    res = {
        "mode": mode, "rate": rate, "count": count, "rc": rc,
        "attempted": j.get("attempted", 0), "answered": j.get("answered", 0),
        "completed": j.get("completed", 0),
        "failed": j.get("failed", count), "failures": j.get("failures", {}),
        "placing_s": j.get("placing_s"), "elapsed_s": j.get("elapsed_s"),
        "setup_mean": j.get("setup_ms_mean"), "setup_max": j.get("setup_ms_max"),
        "media_pkts": j.get("media_packets", 0),
        "media_bytes": j.get("media_bytes", 0),
        "with_media": j.get("calls_with_media", 0),
        "srtp_answers": j.get("srtp_answers", 0),
        "retrans": j.get("invite_retrans", 0),
        "sb_drops": sb_drops, "gen_drops": j.get("sip_udp_drops"),
        "gen_cpu": j.get("cpu_s"), "wall": wall, "cpu": cpu,
        "peak_cpu": peak_cpu, "rss0": rss0, "peak_rss": peak_rss,
        "load": load0, "alive": alive, "idle_after": idle,
        "warn": warn, "sb_cmd": d.command, "gen_cmd": cmdline(args),
    }
    res["clean"] = (rc == 0 and res["failed"] == 0 and res["completed"] == count
                    and alive)
    return res


# ---- report ---------------------------------------------------------------
def fmt(v, nd=0):
    if v is None:
        return "-"
    return f"{v:,.{nd}f}"


def per_call_ms(cpu, n):
    return 1000 * cpu / n if cpu is not None and n else None


def achieved(r):
    if r.get("placing_s") and r["attempted"] > 1:
        return (r["attempted"] - 1) / r["placing_s"]
    return None


CALM_MS = 500   # [ms] T1: a UDP caller retransmits its INVITE after this


def calm(r):
    """Clean with headroom: no INVITE retransmission and every 200 within
    T1 (500 ms), the same bound for both transports; over TCP/TLS an
    overloaded server queues instead of losing, so "clean" alone would
    pass steps whose calls waited seconds for their 200."""
    return (r["clean"] and not r["retrans"]
            and (r["setup_max"] or 0) < CALM_MS)


def best(results, mode, pred=None):
    """The highest rate of mode that passed, from the lowest step up to the
    first that did not (pred: clean by default)."""
    pred = pred or (lambda r: r["clean"])
    found = None
    for r in results:
        if r["mode"] != mode:
            continue
        if not pred(r):
            break
        found = r
    return found


def machine():
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    libre = subprocess.run(["pkg-config", "--modversion", "libre"],
                           capture_output=True, text=True).stdout.strip()
    ossl = subprocess.run(["openssl", "version"], capture_output=True,
                          text=True).stdout.strip()
    return (f"{os.cpu_count()} CPUs ({model}), Linux {platform.release()}, "
            f"libre {libre}, {ossl}")


def source():
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain",
                            "src"], capture_output=True,
                           text=True).stdout.strip()
    tree = f"work tree git {head}" + (" + uncommitted changes in src/"
                                      if dirty else "")
    if os.environ.get("BENCH_BIN"):
        return (f"BENCH_BIN={REL_BIN}"
                + (f" ({os.environ['BENCH_BIN_SOURCE']})"
                   if os.environ.get("BENCH_BIN_SOURCE") else "")
                + f"; {tree}")
    return f"{os.path.relpath(REL_BIN, ROOT)} built from the {tree}"


def verdict(r):
    if r["clean"]:
        return "clean"
    f = ", ".join(f"{k} x {v}" for k, v in sorted(r["failures"].items()))
    return f"**failed** ({f or 'rc ' + str(r['rc'])})"


def ratio(a, b, nd=2):
    return f"{a / b:.{nd}f}" if a and b else "-"


def summary_lines(results, modes):
    L = []
    b = {m: best(results, m) for m in modes}
    c = {m: best(results, m, calm) for m in modes}
    top = max(r["rate"] for r in results)
    for m in modes:
        r, q = b[m], c[m]
        L.append(f"- {MODES[m]['label']}: best clean rate (zero failed calls) "
                 + (f"**{r['rate']} cps**" if r else "**none**")
                 + (" (the highest step run)" if r and r["rate"] == top
                    else "")
                 + (f", server CPU {fmt(per_call_ms(r['cpu'], r['count']), 2)}"
                    f" ms per call there" if r else "")
                 + "; with headroom (no INVITE retransmission, every 200 "
                 f"within {CALM_MS} ms) "
                 + (f"**{q['rate']} cps**" if q else "**none**"))
    if "udp" in modes and "tls" in modes:
        u, t = b["udp"], b["tls"]
        uq, tq = c["udp"], c["tls"]
        L.append(f"- TLS+SRTP / UDP+RTP: best clean rate "
                 f"**{ratio(t and t['rate'], u and u['rate'])}**"
                 + (" (both passed the highest step run: the limit "
                    "of neither was found)"
                    if t and u and t["rate"] == u["rate"] == top else "")
                 + f"; with headroom **{ratio(tq and tq['rate'], uq and uq['rate'])}**")
        # CPU per call at the rates both passed cleanly
        rows = []
        for r in results:
            if r["mode"] != "udp" or not r["clean"]:
                continue
            o = next((x for x in results if x["mode"] == "tls"
                      and x["rate"] == r["rate"] and x["clean"]), None)
            if o:
                rows.append((r["rate"], per_call_ms(r["cpu"], r["count"]),
                             per_call_ms(o["cpu"], o["count"])))
        if rows:
            L.append("- Server CPU per call, TLS+SRTP / UDP+RTP, at the "
                     "rates both passed: " + "; ".join(
                         f"{rt} cps {fmt(u_, 2)} / {fmt(t_, 2)} ms = "
                         f"{ratio(t_, u_)} x" for rt, u_, t_ in rows))
    return L


def write_md(path, results, modes, args, started_at, load_start, load_end):
    L = ["## TLS+SRTP against UDP+RTP: calls per second (issue 7)", ""]
    L.append(f"Written by `{cmdline(['bench/tls_bench.py'] + sys.argv[1:])}`"
             f" on {started_at}, run time {elapsed():.0f} s. Machine: "
             f"{machine()}; load average (1 min) {fmt(load_start, 2)} at "
             f"start, {fmt(load_end, 2)} at the end. The machine was shared "
             "with other work during the run, so absolute rates may be low; "
             "the ratio between the modes, stepped in turn in the same run, "
             "is the figure to read. Binary: " + source() + ".")
    L.append("")
    L += summary_lines(results, modes)
    L.append("")
    L.append(f"Each step: a fresh daemon (`--log-level warn`, demo data, "
             f"SIP over TLS on with a self-signed EC P-256 certificate, "
             f"prompt = {PROMPT_S} s tone), the demo trunk patched to "
             "`{\"host\": \"127.0.0.1\", \"match_any_port\": true}` so the "
             "calls need no digest; `bench/build/sipload` (bench/sipload.c, "
             "libre) places rate x "
             f"{args.secs} calls to the announcement number "
             f"{NUMBER}; the server answers, plays the prompt and hangs up. "
             "Clean = every call answered and its BYE completed (200 sent), "
             "no failure of any kind. The modes take the rates in turn (at "
             "each rate udp, then tls); a mode stops at its first failed "
             "step. With headroom = clean, no INVITE retransmission and "
             f"every 200 OK within {CALM_MS} ms (T1). The two differ under "
             "overload: over UDP the server's SIP socket overflows (drops "
             "column) and the caller retransmits, which adds load, until "
             "calls fail; over TCP/TLS nothing is lost, requests queue in "
             "the kernel and the caller waits (INVITE->200 column), so a "
             "saturated TLS step can still count as clean. sipload sets "
             "TCP_NODELAY on its own TCP sockets "
             "(see bench/sipload.c); media is counted from each call's "
             "socket buffer when the call ends.")
    L.append("")
    L.append("| mode | offered cps | verdict | calls | answered | completed "
             "| achieved cps | INVITE->200 ms mean / max | server CPU ms/call "
             "| server CPU avg / peak 1 s | sipload CPU ms/call | media "
             "pkts/call, bytes/pkt | SRTP answers | INVITE retrans. "
             "| SIP/UDP drops server / sipload | peak RSS | load avg |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        L.append(
            f"| {MODES[r['mode']]['label']} | {r['rate']} | {verdict(r)} | "
            f"{r['count']} | {r['answered']} | {r['completed']} | "
            f"{fmt(achieved(r))} | {fmt(r['setup_mean'], 1)} / "
            f"{fmt(r['setup_max'])} | "
            f"{fmt(per_call_ms(r['cpu'], r['count']), 2)} | "
            f"{fmt(100 * r['cpu'] / r['wall'] if r['cpu'] is not None else None)}"
            f" % / {fmt(r['peak_cpu'])} % | "
            f"{fmt(per_call_ms(r['gen_cpu'], r['count']), 2)} | "
            f"{fmt(r['media_pkts'] / r['count'] if r['count'] else None, 1)}, "
            f"{fmt(r['media_bytes'] / r['media_pkts'] if r['media_pkts'] else None, 0)} | "
            f"{r['srtp_answers']} | {r['retrans']} | "
            f"{fmt(r['sb_drops'])} / "
            f"{fmt(r['gen_drops'] if (r['gen_drops'] or 0) >= 0 else None)} | "
            f"{fmt((r['peak_rss'] or 0) / 1024, 1)} MiB | {fmt(r['load'], 2)} |")
    L.append("")
    L.append("Server CPU = utime+stime of the switchboard process from just "
             "before sipload starts until sipload has seen every call end "
             "(the prompts included), divided by the calls; avg in % of one "
             "core over that time. SIP/UDP drops: the kernel's drop "
             "counters (/proc/net/udp) of the server's SIP socket and of "
             "sipload's at the end of the step (UDP mode; TCP/TLS have flow "
             "control instead). Media: 50 packets/s of prompt per call; "
             "172 bytes = RTP, 182 bytes = SRTP (10-byte HMAC-SHA1-80 tag).")
    warned = [r for r in results if r["warn"]]
    if warned:
        L.append("")
        L.append("Server warnings and errors in the logs (its own WARN/ERROR "
                 "lines and libre's, which have no time stamp; first 3 per "
                 "step, the whole logs are in bench/out/tls/):")
        L.append("")
        for r in warned:
            L.append(f"- {MODES[r['mode']]['label']} {r['rate']} cps: "
                     f"{len(r['warn'])} lines, e.g. "
                     + "; ".join(f"`{w.strip()[:160]}`" for w in r["warn"][:3]))
    L.append("")
    L.append("<details><summary>Exact commands</summary>")
    L.append("")
    for r in results:
        L.append(f"{MODES[r['mode']]['label']}, {r['rate']} cps:")
        L.append("```sh")
        L.append(r["sb_cmd"] + " &")
        L.append("# PATCH /api/v1/trunks/1 {\"host\": \"127.0.0.1\", "
                 "\"match_any_port\": true}")
        L.append(r["gen_cmd"].replace(OUT + "/", "bench/out/tls/")
                 .replace(SIPLOAD, "bench/build/sipload"))
        L.append("```")
    L.append("</details>")
    L.append("")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(L))
    os.replace(tmp, path)


def print_table(results):
    print(f"{'mode':<32} {'cps':>5} {'verdict':<8} {'ok':>6} {'fail':>5} "
          f"{'setup ms':>9} {'SB ms/call':>10} {'SB cpu%':>8} "
          f"{'peak%':>6} {'gen ms/call':>11} {'B/pkt':>6} {'retr':>5} "
          f"{'drops':>5} {'load':>5}")
    for r in results:
        print(f"{MODES[r['mode']]['label']:<32} {r['rate']:>5} "
              f"{'clean' if r['clean'] else 'FAILED':<8} "
              f"{r['completed']:>6} {r['failed']:>5} "
              f"{fmt(r['setup_mean'], 1):>9} "
              f"{fmt(per_call_ms(r['cpu'], r['count']), 2):>10} "
              f"{fmt(100 * r['cpu'] / r['wall'] if r['cpu'] else None):>8} "
              f"{fmt(r['peak_cpu']):>6} "
              f"{fmt(per_call_ms(r['gen_cpu'], r['count']), 2):>11} "
              f"{fmt(r['media_bytes'] / r['media_pkts'] if r['media_pkts'] else None):>6} "
              f"{r['retrans']:>5} "
              f"{fmt((r['sb_drops'] or 0) + max(r['gen_drops'] or 0, 0)):>5} "
              f"{fmt(r['load'], 2):>5}")


def main():
    ap = argparse.ArgumentParser(
        description="TLS+SRTP against UDP+RTP call rate; writes "
        "bench/tls_results.md")
    ap.add_argument("--modes", default="udp,tls",
                    help="comma list of: " + ", ".join(MODES))
    ap.add_argument("--rates", default=",".join(map(str, RATES)))
    ap.add_argument("--secs", type=int, default=SECS,
                    help="seconds of call arrivals per step")
    ap.add_argument("--budget", type=float, default=700,
                    help="seconds; later steps are skipped past it")
    ap.add_argument("--out", default=RESULTS, help="markdown file written")
    ap.add_argument("--results", default=None,
                    help="also put the fragment into this RESULTS.md as "
                    "section 6 (bench/run.sh does)")
    args = ap.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    for m in modes:
        if m not in MODES:
            ap.error(f"unknown mode {m}")
    rates = [int(x) for x in args.rates.split(",")]

    if not os.path.exists(REL_BIN):
        sys.exit(f"tls_bench: {REL_BIN} missing (make build)")
    for tool in ("sox", "openssl"):
        if not shutil.which(tool):
            sys.exit(f"tls_bench: {tool} missing")
    ensure_sipload()
    os.makedirs(OUT, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="sbtlsbench-")
    prompts = os.path.join(tmp, "prompts")
    make_prompts(prompts)
    started_at = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    load_start = loadavg()
    results, stopped = [], set()
    est = args.secs + PROMPT_S + 4      # one step, start to stop
    try:
        for rate in rates:
            for m in modes:
                if m in stopped:
                    continue
                if elapsed() + est > args.budget:
                    print(f"[{elapsed():5.0f}s] {m} {rate} cps: skipped "
                          "(time budget)", flush=True)
                    stopped.add(m)
                    continue
                print(f"[{elapsed():5.0f}s] {MODES[m]['label']}: {rate} cps "
                      f"for {args.secs} s", flush=True)
                r = step(m, rate, args.secs, prompts)
                results.append(r)
                print(f"         {'clean' if r['clean'] else 'FAILED'}: "
                      f"completed {r['completed']}/{r['count']}, failed "
                      f"{r['failed']} {r['failures'] or ''}; server "
                      f"{fmt(per_call_ms(r['cpu'], r['count']), 2)} ms/call, "
                      f"warnings {len(r['warn'])}", flush=True)
                if not r["clean"]:
                    stopped.add(m)
            if all(m in stopped for m in modes):
                break
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if results:
        with open(os.path.join(OUT, "results.json"), "w") as f:
            json.dump(results, f, indent=1)
        write_md(args.out, results, modes, args, started_at, load_start,
                 loadavg())
        print()
        print_table(results)
        print()
        for line in summary_lines(results, modes):
            print(line)
        if args.results:
            merge_into_results(args.out, args.results, SECTION,
                               renumber=True)
        print(f"\ntls_bench: done in {elapsed():.0f} s; see {args.out}")


SECTION = "## 6. "


if __name__ == "__main__":
    main()
