#!/usr/bin/python3
"""bench/bench.py - Switchboard load benchmark, run by `make bench`
(bench/run.sh).  Python 3 standard library only; /usr/bin/python3.

Five measurements against the release build (build/rel/switchboard), each
step on a fresh daemon (sb.Switchboard: free ports, demo data, here with a
2 s 440 Hz tone as prompts/welcome.wav):

  1. announcement: sipp INVITE -> 200 -> 2 s prompt -> BYE from the server,
     stepped call rate (60 s steps), highest rate with zero failed calls,
     then a soak: 10 minutes at 80 % of that rate, zero failed calls and
     memory (VmRSS) back to idle afterwards;
  2. immediate BYE: answered and hung up at once, stepped call rate (60 s
     steps), and the same soak;
  3. RTP relay: a device calls out through the trunk (digest), RTP both
     ways through the relay (bench/rtpload gen -> Switchboard -> trunk
     sipp uas whose SDP points at bench/rtpload echo -> back), stepped
     concurrency; loss, CPU, memory per call, memory back to idle; plus
     one step with sipp's own rtp_stream to show what sipp can send;
  4. callgrind: instructions per relayed packet in a fixed window, against
     bench/baseline_relay (plain epoll/UDP relay) in the same run;
  5. registrations held: 10,000 devices (made through the API) register
     over UDP with digest (bench/sipp/reg_digest.xml, users from -inf),
     stepped registration rate, highest with zero failures; then all
     10,000 held (VmRSS per registration) and refreshed.

A test stops at the first step with failures.  If that step hit libre's
1024-descriptor limit (log: "Max 1024 fds"), the test goes on from that
step with the limit raised by bench/build/fdlimit_shim.so (LD_PRELOAD,
bench only), so the figures show both the product as built and what the
one-line fix would give.

Writes bench/RESULTS.md (figures + the exact commands) and keeps the last
run's sipp statistics and logs in bench/out/.

Every call rate is offered for at least 60 s, longer than the 32 s SIP
transaction timers (Timer B/F/H/J): shorter steps end before the server's
transaction and timer lists reach their steady size and overstate the
rate the server sustains.

Environment: BENCH_QUICK=1 (short steps, for trying the harness),
BENCH_T1_RATES / BENCH_T2_RATES / BENCH_T5_RATES="1400" (other rate steps, e.g. one step for
a smoke run), BENCH_SOAK=0 (no soaks), BENCH_SOAK_SECS (default 600),
BENCH_RESULTS (write another file than bench/RESULTS.md),
BENCH_TRUNK_PORT (default: a free port patched into the demo trunk, so a
concurrent `make test`, which uses 5090, is not disturbed),
BENCH_ONLY="1 3" (run only those tests), BENCH_BUDGET (seconds, default
2400: later steps are skipped when the run would go over it), BENCH_BIN
(another switchboard binary, e.g. a patched build to compare) and
BENCH_BIN_SOURCE (what it was built from, for RESULTS.md).

Options: --only NAME[,NAME...] runs only those tests (names or numbers:
announcement 1, bye 2, rtp 3, callgrind 4, registrations 5; wins over
BENCH_ONLY).  A partial run rewrites only its own sections of RESULTS.md
and keeps the others from the earlier run, saying so in the header.
"""
import argparse
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
import sb  # noqa: E402
import peers  # noqa: E402

REL_BIN = os.environ.get("BENCH_BIN") or os.path.join(ROOT, "build", "rel",
                                                    "switchboard")
TOOLS = os.path.join(HERE, "build")
RTPLOAD = os.path.join(TOOLS, "rtpload")
BASELINE = os.path.join(TOOLS, "baseline_relay")
SHIM = os.path.join(TOOLS, "fdlimit_shim.so")
SCEN = os.path.join(HERE, "sipp")
OUT = os.path.join(HERE, "out")
RESULTS = os.environ.get("BENCH_RESULTS") or os.path.join(HERE, "RESULTS.md")

QUICK = os.environ.get("BENCH_QUICK") == "1"
TESTS = {"announcement": "1", "bye": "2", "rtp": "3", "callgrind": "4",
         "registrations": "5"}
ALL = "1 2 3 4 5"
ONLY = set(os.environ.get("BENCH_ONLY", ALL).split())
BUDGET = float(os.environ.get("BENCH_BUDGET", "2400"))
T_START = time.time()
BUFF = 8 * 1024 * 1024
CLK_TCK = os.sysconf("SC_CLK_TCK")
ANNOUNCEMENT = sb.DEMO["announcement"]
OUT_NUMBER = "0221123456"           # a device dialling this goes to the trunk
DEVICE = ("1001", sb.DEMO["devices"]["1001"])



def env_rates(name, default):
    v = os.environ.get(name)
    return [int(x) for x in re.split(r"[,\s]+", v.strip())] if v else default


# steps: (call rates) or (concurrent calls); seconds of call arrivals
T1_RATES = env_rates("BENCH_T1_RATES", [400, 600, 800])     # target 600
T2_RATES = env_rates("BENCH_T2_RATES", [1000, 1200, 1400, 1600])  # 1400
T3_CALLS = [100, 250, 500, 750, 1000, 1500, 2000]
# every rate step outlasts the 32 s SIP transaction timers (Timer B/F/H/J),
# so the server's timer and transaction lists reach their steady size
T1_SECS = 5 if QUICK else 60
T2_SECS = 5 if QUICK else 60
# soak after tests 1 and 2: this share of the best clean rate, this long
SOAK = os.environ.get("BENCH_SOAK", "1") != "0"
SOAK_SHARE = 0.8
SOAK_SECS = int(os.environ.get("BENCH_SOAK_SECS") or (30 if QUICK else 600))
SOAK_LATER = (35, 65)   # [s] after the last call: RSS read again
SOAK_RSS_SLACK = 0.25   # back to idle: within 25 % (at least 2 MiB) of idle
T3_RATE = 250                       # call set-up rate while ramping up
T3_STEADY = 4 if QUICK else 8       # seconds all calls stream at once
T4_CALLS, T4_SECS, T4_WINDOW = 20, 10, 5
T5_USERS = 10000                    # devices registering in test 5
T5_PREFIX = "reg"                   # their usernames: reg00001 ...
T5_RATES = env_rates("BENCH_T5_RATES", [1000, 2000, 3000, 4000, 6000, 8000])
T5_SECS = 3 if QUICK else 60        # seconds of arrivals per rate step
#                                     (> the 32 s SIP transaction timers)
T5_HELD_RATE = 1000                 # at most this rate for the held run
T5_BUDGET = 130 if QUICK else 900   # [s] test 5 as a whole
T5_START = None


def elapsed():
    return time.time() - T_START


def over_budget(need):
    return elapsed() + need > BUDGET


# --------------------------------------------------------------------------
# /proc helpers
# --------------------------------------------------------------------------
def cpu_s(pid):
    """utime+stime of pid in seconds (None if gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return None


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def socket_inodes(pid):
    out = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                out.add(link[8:-1])
    except OSError:
        pass
    return out


def udp_drops(pid=None, port=None):
    """Sum of the kernel's per-socket drop counters (/proc/net/udp, last
    column) of pid's sockets, or of the socket bound to port."""
    inodes = socket_inodes(pid) if pid else None
    total = 0
    try:
        with open("/proc/net/udp") as f:
            next(f)
            for line in f:
                p = line.split()
                if inodes is not None and p[9] not in inodes:
                    continue
                if port is not None and int(p[1].split(":")[1], 16) != port:
                    continue
                total += int(p[-1])
    except OSError:
        pass
    return total


def read_json(path):
    try:
        with open(path) as f:
            return json.loads(f.read())
    except (OSError, ValueError):
        return {}


def snap(proc, path, timeout=2.0):
    """SIGUSR1 a rtpload/baseline process and read the JSON it writes."""
    try:
        os.unlink(path)
    except OSError:
        pass
    proc.send_signal(signal.SIGUSR1)
    deadline = time.time() + timeout
    while time.time() < deadline:
        d = read_json(path)
        if d:
            return d
        time.sleep(0.02)
    return {}


def stop_proc(proc, timeout=5):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cmdline(args, env=None):
    pre = "".join(f"{k}={shlex.quote(v)} " for k, v in (env or {}).items())
    return pre + " ".join(shlex.quote(str(a)) for a in args)


def ms_of(v):
    """sipp time '00:00:02:004000' (h:m:s:us) -> ms."""
    try:
        h, m, s, us = (int(x) for x in v.split(":"))
        return ((h * 60 + m) * 60 + s) * 1000 + us / 1000
    except (ValueError, AttributeError):
        return None


def csv_rows(path):
    import csv
    try:
        with open(path, newline="") as f:
            rows = [r for r in csv.reader(f, delimiter=";") if r]
    except OSError:
        return []
    if len(rows) < 2:
        return []
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def achieved_rate(path, count):
    """Calls per second while sipp was creating calls (from the 1 s rows
    of the statistics CSV; +-1 row)."""
    rows = csv_rows(path)
    if not rows:
        return None

    def t(v):
        try:
            return float(v.split("\t")[-1])
        except (ValueError, AttributeError):
            return None
    start = t(rows[0].get("StartTime"))
    for r in rows:
        try:
            created = int(r.get("TotalCallCreated", 0))
        except ValueError:
            continue
        if created >= count:
            end = t(r.get("CurrentTime"))
            if start and end and end > start:
                return created / (end - start)
    return None


# --------------------------------------------------------------------------
# Switchboard (release build) on free ports
# --------------------------------------------------------------------------
class Daemon:
    """sb.Switchboard with the release binary and the bench prompts; the
    trunk moved to TRUNK_PORT; optional LD_PRELOAD shim or valgrind."""

    def __init__(self, raised=False, wrapper=(), rtp=(40000, 59999)):
        sb.BIN = REL_BIN
        sb.PROMPTS = PROMPTS
        env = {"LD_PRELOAD": SHIM} if raised else {}
        self.env_shown = env
        self.s = sb.Switchboard(extra_args=["--log-level", "warn"], env=env)
        # sb passes --rtp-min 40000 --rtp-max 49999; widen the range
        a = self.s.args
        a[a.index("--rtp-min") + 1] = str(rtp[0])
        a[a.index("--rtp-max") + 1] = str(rtp[1])
        # sb's command without the ASan-only environment
        self.s.env.pop("ASAN_OPTIONS", None)
        if wrapper:
            self.s.args = list(wrapper) + self.s.args
        self.raised = raised

    @property
    def command(self):
        return cmdline(self.s.args, self.env_shown)

    def start(self):
        self.s.start()
        if TRUNK_PORT != sb.DEMO["trunk_port"]:
            st, body = self.s.api("PATCH", "/api/v1/trunks/1",
                                  {"port": TRUNK_PORT})
            if st != 200:
                raise RuntimeError(f"cannot move the trunk: {st} {body}")
        return self

    @property
    def pid(self):
        return self.s.proc.pid

    @property
    def port(self):
        return self.s.sip_port

    def stats(self):
        try:
            st, body = self.s.api("GET", "/api/v1/stats")
        except OSError:
            return None
        if st != 200 or not isinstance(body, dict):
            return None
        rtp = body.get("rtp", {})
        return {"calls": body.get("calls_active", 0),
                "legs": rtp.get("legs", 0), "players": rtp.get("players", 0),
                "received": rtp.get("received", 0),
                "relayed": rtp.get("relayed", 0),
                "played": rtp.get("played", 0)}

    def wait_idle(self, timeout):
        deadline = time.time() + timeout
        st = None
        while time.time() < deadline:
            st = self.stats()
            if st and st["calls"] == 0 and st["legs"] == 0:
                return True
            time.sleep(0.25)
        return False

    def fd_limit_hits(self):
        return self.s.logtext().count("Max 1024 fds")

    def warnings(self):
        lines = [l for l in self.s.logtext().splitlines()
                 if " WARN " in l or " ERROR " in l or "fd_listen" in l]
        return lines

    def stop(self, keep_log=None):
        rc = self.s.stop()
        if keep_log:
            try:
                shutil.copy(self.s.log_path, keep_log)
            except OSError:
                pass
        self.s.cleanup()
        return rc


def sipp(scenario, name, **kw):
    """peers.Sipp with load settings; its work dir under bench/out/name."""
    wd = os.path.join(OUT, name)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    kw.setdefault("trace", False)
    kw.setdefault("buff_size", BUFF)
    return peers.Sipp(scenario, workdir=wd, **kw)


def sipp_pid(s):
    return s._sipp_pid()


class Sampler:
    """Samples the daemon while a sipp run is going: CPU per second,
    RSS, calls_active."""

    def __init__(self, d):
        self.d = d
        self.peak_rss = 0
        self.peak_calls = 0
        self.peak_cpu = 0.0
        self._last = (time.time(), cpu_s(d.pid))

    def sample(self):
        now, c = time.time(), cpu_s(self.d.pid)
        lt, lc = self._last
        if c is not None and lc is not None and now - lt >= 0.9:
            self.peak_cpu = max(self.peak_cpu, 100 * (c - lc) / (now - lt))
            self._last = (now, c)
        r = rss_kib(self.d.pid) or 0
        self.peak_rss = max(self.peak_rss, r)
        st = self.d.stats()
        if st:
            self.peak_calls = max(self.peak_calls, st["calls"])


# --------------------------------------------------------------------------
# tests 1 and 2: call rate
# --------------------------------------------------------------------------
def run_sampled(d, s):
    """Start sipp s and run it to its end, sampling daemon d every 0.5 s;
    (wall seconds, the Sampler, sipp's own CPU seconds)."""
    t0 = time.time()
    s.start(settle=0)
    samp = Sampler(d)
    sp = None
    sipp_cpu = 0.0
    while s.proc.poll() is None:
        sp = sp or sipp_pid(s)
        if sp:
            sipp_cpu = cpu_s(sp) or sipp_cpu
        samp.sample()
        time.sleep(0.5)
    s.wait()
    return time.time() - t0, samp, sipp_cpu


def rate_step(test, scenario, rate, secs, raised, extra_check=None):
    count = rate * secs
    tag = f"t{test}_{'raised' if raised else 'built'}_{rate}"
    d = Daemon(raised=raised).start()
    st0 = d.stats()
    rss0 = rss_kib(d.pid)
    s = sipp(scenario, tag, remote=("127.0.0.1", d.port),
             local_port=TRUNK_PORT, service=ANNOUNCEMENT, calls=count,
             rate=rate, limit=max(2000, rate * 6),
             timeout_s=secs + 60, recv_timeout_ms=20000)
    cpu0 = cpu_s(d.pid)
    wall, samp, sipp_cpu = run_sampled(d, s)
    cpu1 = cpu_s(d.pid)
    alive = d.s.alive()
    idle = d.wait_idle(40)
    st1 = d.stats() or {}
    res = {
        "rate": rate, "count": count, "raised": raised,
        "ok": s.successful, "failed": s.failed, "created": s.created,
        "rc": s.rc, "retrans": s._num("Retransmissions(C)"),
        "achieved": achieved_rate(s.stat_path, count),
        "wall": wall,
        "cpu": (cpu1 - cpu0) if cpu0 is not None and cpu1 is not None else None,
        "peak_cpu": samp.peak_cpu, "sipp_cpu": sipp_cpu,
        "cpu_ms_call": (1000 * (cpu1 - cpu0) / s.successful
                        if cpu0 is not None and cpu1 is not None
                        and s.successful else None),
        "rss0": rss0, "peak_rss": samp.peak_rss,
        "peak_calls": samp.peak_calls,
        "played": (st1.get("played", 0) - (st0 or {}).get("played", 0)),
        "fd_hits": d.fd_limit_hits(), "alive": alive, "idle_after": idle,
        "warn": d.warnings()[:3], "stats": s.stats,
        "sb_cmd": d.command, "sipp_cmd": cmdline(s.args),
    }
    if extra_check:
        extra_check(res)
    res["clean"] = (s.rc == 0 and s.failed == 0 and s.successful == count
                    and alive)
    d.stop(keep_log=os.path.join(OUT, tag, "switchboard.log"))
    return res


def rate_test(test, scenario, rates, secs, extra_check=None):
    """Steps as built; from the first failing step that hit the fd limit,
    again with the limit raised.  Returns the list of step results."""
    results = []
    raised = False
    i = 0
    while i < len(rates):
        rate = rates[i]
        if over_budget(secs + 25):
            results.append({"rate": rate, "skipped": True, "raised": raised})
            break
        print(f"[{elapsed():5.0f}s] test {test}: {rate} cps for {secs} s"
              f"{' (fd limit raised)' if raised else ''}", flush=True)
        r = rate_step(test, scenario, rate, secs, raised, extra_check)
        print(f"         ok {r['ok']} failed {r['failed']} cpu "
              f"{pct(r['cpu'], r['wall'])} fd-limit hits {r['fd_hits']}",
              flush=True)
        results.append(r)
        if not r["clean"]:
            if not raised and r["fd_hits"]:
                raised = True
                continue        # same rate again with the limit raised
            break
        i += 1
    return results


def pct(cpu, wall):
    if cpu is None or not wall:
        return "-"
    return f"{100 * cpu / wall:.0f} %"


def check_prompt(res):
    st = res["stats"]
    res["answer_ms"] = ms_of(st.get("ResponseTimeanswer(C)"))
    res["prompt_ms"] = ms_of(st.get("ResponseTimeprompt(C)"))


def check_bye(res):
    st = res["stats"]
    res["answer_ms"] = ms_of(st.get("ResponseTimeinvite(C)"))
    res["bye_ms"] = ms_of(st.get("ResponseTimebye(C)"))


# --------------------------------------------------------------------------
# soak after tests 1 and 2
# --------------------------------------------------------------------------
def soak_rate(results):
    """SOAK_SHARE of the best clean rate as built, in tens of cps; None
    when no step was clean."""
    b, _ = best(results)
    return max(10, int(b * SOAK_SHARE / 10) * 10) if b else None


def rss_back(idle, later):
    """Memory back to idle: within SOAK_RSS_SLACK (at least 2 MiB)."""
    if not idle or not later:
        return False
    return later <= idle + max(2048, idle * SOAK_RSS_SLACK)


def soak(test, scenario, results, extra_check=None):
    """SOAK_SECS at SOAK_SHARE of the best clean rate on one fresh daemon:
    zero failed calls, then VmRSS SOAK_LATER seconds after the last call
    compared with the idle daemon's before the first.  A minute-by-minute
    timeline (CPU, RSS, calls up) shows whether anything grows."""
    rate = soak_rate(results)
    if not rate:
        return {"skipped": "no clean step"}
    need = SOAK_SECS + max(SOAK_LATER) + 30
    if over_budget(need):
        return {"skipped": "time budget", "rate": rate}
    count = rate * SOAK_SECS
    tag = f"t{test}_soak_{rate}"
    print(f"[{elapsed():5.0f}s] test {test}: soak, {rate} cps for "
          f"{SOAK_SECS} s", flush=True)
    d = Daemon().start()
    time.sleep(1)
    rss_idle = rss_kib(d.pid)
    st0 = d.stats() or {}
    s = sipp(scenario, tag, remote=("127.0.0.1", d.port),
             local_port=TRUNK_PORT, service=ANNOUNCEMENT, calls=count,
             rate=rate, limit=max(2000, rate * 6),
             timeout_s=SOAK_SECS + 120, recv_timeout_ms=20000)
    cpu0 = cpu_s(d.pid)
    t0 = time.time()
    s.start(settle=0)
    samp = Sampler(d)
    timeline = []
    mark = (t0, cpu0)
    sp, sipp_cpu = None, 0.0
    while s.proc.poll() is None:
        sp = sp or sipp_pid(s)
        if sp:
            sipp_cpu = cpu_s(sp) or sipp_cpu
        samp.sample()
        now = time.time()
        if now - mark[0] >= 60:
            c = cpu_s(d.pid)
            st = d.stats() or {}
            timeline.append({
                "t": now - t0, "rss": rss_kib(d.pid),
                "cpu": (100 * (c - mark[1]) / (now - mark[0])
                        if c is not None and mark[1] is not None else None),
                "calls": st.get("calls")})
            mark = (now, c)
        time.sleep(0.5)
    s.wait()
    wall = time.time() - t0
    cpu1 = cpu_s(d.pid)
    rss_end = rss_kib(d.pid)
    alive = d.s.alive()
    idle = d.wait_idle(40)
    t_idle = time.time()
    later = {}
    for sec in SOAK_LATER:
        wait = t_idle + sec - time.time()
        if wait > 0:
            time.sleep(wait)
        later[sec] = rss_kib(d.pid)
    st1 = d.stats() or {}
    res = {
        "rate": rate, "count": count, "secs": SOAK_SECS,
        "ok": s.successful, "failed": s.failed, "rc": s.rc,
        "retrans": s._num("Retransmissions(C)"),
        "achieved": achieved_rate(s.stat_path, count), "wall": wall,
        "cpu": (cpu1 - cpu0) if cpu0 is not None and cpu1 is not None
        else None,
        "peak_cpu": samp.peak_cpu, "sipp_cpu": sipp_cpu,
        "rss_idle": rss_idle, "peak_rss": samp.peak_rss, "rss_end": rss_end,
        "rss_later": later, "peak_calls": samp.peak_calls,
        "played": st1.get("played", 0) - st0.get("played", 0),
        "alive": alive, "idle_after": idle, "timeline": timeline,
        "warn": d.warnings()[:3], "stats": s.stats,
        "sb_cmd": d.command, "sipp_cmd": cmdline(s.args),
    }
    res["cpu_ms_call"] = (1000 * res["cpu"] / s.successful
                          if res["cpu"] is not None and s.successful
                          else None)
    if extra_check:
        extra_check(res)
    res["calls_clean"] = (s.rc == 0 and s.failed == 0 and
                          s.successful == count and alive)
    res["mem_back"] = rss_back(rss_idle, later.get(max(SOAK_LATER)))
    res["clean"] = res["calls_clean"] and res["mem_back"]
    d.stop(keep_log=os.path.join(OUT, tag, "switchboard.log"))
    print(f"         ok {s.successful} failed {s.failed} cpu "
          f"{pct(res['cpu'], wall)} RSS {kib(rss_idle)} -> "
          f"{kib(samp.peak_rss)} -> {kib(later.get(max(SOAK_LATER)))}",
          flush=True)
    return res


# --------------------------------------------------------------------------
# test 3: concurrent calls with RTP
# --------------------------------------------------------------------------
def rtp_step(calls, raised, use_sipp_rtp=False):
    tag = (f"t3_{'raised' if raised else 'built'}_{calls}"
           f"{'_sipprtp' if use_sipp_rtp else ''}")
    wd = os.path.join(OUT, tag)
    ramp = calls / T3_RATE
    stream_s = int(ramp + T3_STEADY + 2.5)
    npk = stream_s * 50
    hold_ms = int((stream_s + 1.5) * 1000)
    d = Daemon(raised=raised).start()
    time.sleep(0.3)
    rss_idle = rss_kib(d.pid)
    echo_port = peers.free_port()
    gen_port = peers.free_port()
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    echo_stat = os.path.join(wd, "echo.json")
    gen_stat = os.path.join(wd, "gen.json")
    calls_log = os.path.join(wd, "calls.log")
    echo_args = [RTPLOAD, "echo", str(echo_port), echo_stat]
    echo = subprocess.Popen(echo_args)
    uas = sipp(os.path.join(SCEN, "uas_echo_answer.xml"), tag + "_uas",
               local_port=TRUNK_PORT, calls=2 * calls + 100,
               recv_timeout_ms=0, timeout_s=stream_s + ramp + 90,
               keys={"echo_port": echo_port})
    uas.start(settle=0.3)
    inf = peers.write_inf(os.path.join(wd, "users.csv"), [DEVICE])
    gen = None
    gen_args = None
    if use_sipp_rtp:
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-t", "al",
                        os.path.join(wd, "rtp.alaw"),
                        "synth", str(stream_s), "sine", "440", "vol", "0.5"],
                       check=True, capture_output=True, timeout=60)
        uac = sipp(os.path.join(SCEN, "uac_device_rtpstream.xml"),
                   tag + "_uac", remote=("127.0.0.1", d.port),
                   service=OUT_NUMBER, inf=inf, calls=calls, rate=T3_RATE,
                   limit=calls + 50, duration_ms=hold_ms,
                   timeout_s=stream_s + ramp + 60, recv_timeout_ms=20000)
        shutil.copy(os.path.join(wd, "rtp.alaw"),
                    os.path.join(uac.dir, "rtp.alaw"))
    else:
        gen_args = [RTPLOAD, "gen", "-p", str(gen_port), "-n", str(npk),
                    "-s", gen_stat, "-l", calls_log, "-m",
                    str(int(stream_s + ramp + 60))]
        gen = subprocess.Popen(gen_args)
        uac = sipp(os.path.join(SCEN, "uac_device_rtpload.xml"),
                   tag + "_uac", remote=("127.0.0.1", d.port),
                   service=OUT_NUMBER, inf=inf, calls=calls, rate=T3_RATE,
                   limit=calls + 50, duration_ms=hold_ms,
                   timeout_s=stream_s + ramp + 60, recv_timeout_ms=20000,
                   keys={"gen_port": gen_port},
                   extra=["-trace_logs", "-log_file", calls_log])
    st0 = d.stats()
    t0 = time.time()
    uac.start(settle=0)
    # wait until all calls are up (or the ramp is clearly over)
    all_up = False
    deadline = t0 + ramp + 10
    while time.time() < deadline and uac.proc.poll() is None:
        st = d.stats()
        if st and st["calls"] >= calls:
            all_up = True
            break
        time.sleep(0.2)
    t_up = time.time() - t0
    # steady window: all calls up and streaming
    time.sleep(0.5)
    w0 = time.time()
    c0, sa = cpu_s(d.pid), d.stats()
    window = max(2.0, min(5.0, stream_s - (time.time() - t0) - 1.5))
    time.sleep(window / 2)
    rss_load = rss_kib(d.pid)
    legs_mid = (d.stats() or {}).get("legs")
    time.sleep(window / 2)
    c1, sb_ = cpu_s(d.pid), d.stats()
    w1 = time.time()
    drops_sip = udp_drops(port=d.port)
    drops_sb = udp_drops(pid=d.pid) - drops_sip
    drops_echo = udp_drops(port=echo_port)
    drops_gen = udp_drops(port=gen_port) if gen else None
    uac.wait()
    total_wall = time.time() - t0
    gen_res = {}
    if gen:
        gen_res = snap(gen, gen_stat)
        stop_proc(gen)
        gen_res = read_json(gen_stat) or gen_res
    stop_proc(echo)
    echo_res = read_json(echo_stat)
    idle = d.wait_idle(30)
    time.sleep(0.5)
    rss_after = rss_kib(d.pid)
    st1 = d.stats() or {}
    uas.stop()
    res = {
        "calls": calls, "raised": raised, "sipp_rtp": use_sipp_rtp,
        "ok": uac.successful, "failed": uac.failed, "rc": uac.rc,
        "all_up": all_up, "t_up": t_up, "stream_s": stream_s, "npk": npk,
        "hold_ms": hold_ms, "window": w1 - w0,
        "cpu_window": (c1 - c0) if c0 is not None and c1 is not None else None,
        "pps_in": ((sb_["received"] - sa["received"]) / (w1 - w0))
        if sa and sb_ else None,
        "legs_mid": legs_mid,
        "rss_idle": rss_idle, "rss_load": rss_load, "rss_after": rss_after,
        "idle_after": idle,
        "received": st1.get("received", 0) - (st0 or {}).get("received", 0),
        "relayed": st1.get("relayed", 0) - (st0 or {}).get("relayed", 0),
        "gen": gen_res, "echo": echo_res,
        "drops_sb": drops_sb, "drops_sip": drops_sip,
        "drops_echo": drops_echo,
        "drops_gen": drops_gen,
        "fd_hits": d.fd_limit_hits(), "alive": d.s.alive(),
        "warn": d.warnings()[:3], "total_wall": total_wall,
        "sb_cmd": d.command, "uac_cmd": cmdline(uac.args),
        "uas_cmd": cmdline(uas.args), "echo_cmd": cmdline(echo_args),
        "gen_cmd": cmdline(gen_args) if gen_args else None,
        "pid": d.pid, "daemon": d,
    }
    nominal = calls * npk
    e_tx = echo_res.get("tx", 0)
    e_rx = echo_res.get("rx", 0)
    if gen:
        sent = gen_res.get("sent", 0)
        res["sent"] = sent
        res["back"] = gen_res.get("received", 0)
        res["loss_in"] = (sent + e_tx) - res["received"]
        res["loss_through"] = res["received"] - res["relayed"]
        res["loss_e2e"] = sent - res["back"]
        res["clean"] = (uac.rc == 0 and uac.failed == 0
                        and uac.successful == calls and sent == nominal
                        and res["loss_in"] == 0 and res["loss_through"] == 0
                        and res["loss_e2e"] == 0)
    else:
        # what reached the server from sipp = received - what came from
        # the echo (exact when no socket of the server dropped anything)
        res["nominal"] = nominal
        res["from_sipp"] = res["received"] - e_tx
        res["echo_rx"] = e_rx
        res["clean"] = uac.rc == 0 and uac.failed == 0
    return res


LATER_S = 35     # SIP transactions (Timer J 32 s) are gone by then


def step_tag(res):
    return (f"t3_{'raised' if res['raised'] else 'built'}_{res['calls']}"
            f"{'_sipprtp' if res['sipp_rtp'] else ''}")


def malloc_trim_rss(pid):
    """Diagnostic: call malloc_trim(0) in the (idle) daemon with gdb and
    return its RSS afterwards; None without gdb or if the call failed.
    gdb gets the program as /proc/PID/exe: if build/rel/switchboard was
    rebuilt meanwhile, the path is "(deleted)" and gdb would find no
    symbols, call nothing and the RSS would look untrimmable."""
    if not shutil.which("gdb") or os.environ.get("BENCH_NO_GDB"):
        return None
    try:
        r = subprocess.run(["gdb", f"/proc/{pid}/exe", "-p", str(pid),
                            "-batch", "-nx", "-ex",
                            "call (int)malloc_trim(0)"], capture_output=True,
                           text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if not re.search(r"^\$1 = \d", r.stdout, re.M):
        return None
    time.sleep(0.2)
    return rss_kib(pid)


class Idlers:
    """Daemons of finished steps, left running idle until LATER_S after
    their calls ended, then RSS is read once more ("back to idle?") and
    they are stopped.  They cost no CPU while the next step runs."""

    def __init__(self):
        self.items = []

    def add(self, res):
        self.items.append((time.time() + LATER_S, res))

    def poll(self, wait=False):
        keep = []
        for due, res in self.items:
            if wait and time.time() < due:
                time.sleep(due - time.time())
            if time.time() >= due:
                d = res.pop("daemon")
                res["rss_later"] = rss_kib(d.pid)
                res["later_s"] = LATER_S
                res["later_alive"] = d.s.alive()
                res["rss_trim"] = malloc_trim_rss(d.pid)
                d.stop(keep_log=os.path.join(OUT, step_tag(res),
                                             "switchboard.log"))
            else:
                keep.append((due, res))
        self.items = keep


def rtp_test():
    results = []
    idlers = Idlers()
    raised = False
    i = 0
    try:
        while i < len(T3_CALLS):
            calls = T3_CALLS[i]
            need = calls / T3_RATE * 2 + T3_STEADY + 20
            if over_budget(need + 60):
                results.append({"calls": calls, "skipped": True,
                                "raised": raised})
                break
            print(f"[{elapsed():5.0f}s] test 3: {calls} concurrent calls "
                  f"with RTP{' (fd limit raised)' if raised else ''}",
                  flush=True)
            r = rtp_step(calls, raised)
            print(f"         ok {r['ok']} failed {r['failed']} sent "
                  f"{r.get('sent')} back {r.get('back')} loss in/through/e2e "
                  f"{r.get('loss_in')}/{r.get('loss_through')}/"
                  f"{r.get('loss_e2e')} cpu "
                  f"{pct(r['cpu_window'], r['window'])} rss "
                  f"{kib(r['rss_idle'])} -> {kib(r['rss_load'])} -> "
                  f"{kib(r['rss_after'])} fd-limit hits {r['fd_hits']}",
                  flush=True)
            idlers.add(r)
            idlers.poll()
            results.append(r)
            if not r["clean"]:
                if not raised and r["fd_hits"]:
                    raised = True
                    continue
                break
            i += 1
        # what sipp's own rtp_stream delivers
        sipp_res = None
        clean = [r for r in results if r.get("clean")]
        if clean and not over_budget(90):
            top = max(r["calls"] for r in clean)
            n = min(top, 1000)
            rz = next(r["raised"] for r in clean if r["calls"] == top)
            print(f"[{elapsed():5.0f}s] test 3: {n} calls, RTP from sipp "
                  "rtp_stream", flush=True)
            sipp_res = rtp_step(n, rz, use_sipp_rtp=True)
            print(f"         ok {sipp_res['ok']} failed {sipp_res['failed']}"
                  f" from sipp {sipp_res['from_sipp']} of "
                  f"{sipp_res['nominal']}", flush=True)
            d = sipp_res.pop("daemon")
            d.stop(keep_log=os.path.join(OUT, step_tag(sipp_res),
                                         "switchboard.log"))
        idlers.poll(wait=True)
    finally:
        for _, res in idlers.items:
            d = res.pop("daemon", None)
            if d:
                d.stop()
    return results, sipp_res


# --------------------------------------------------------------------------
# test 4: callgrind
# --------------------------------------------------------------------------
def callgrind_totals(path):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def newest_dump(prefix):
    d = os.path.dirname(prefix)
    base = os.path.basename(prefix)
    files = [os.path.join(d, f) for f in os.listdir(d) if f.startswith(base)
             and re.search(r"\.\d+$", f)]
    return max(files, key=os.path.getmtime) if files else None


# Static functions of Debian's libre0 1.1.0-1+b2 (stripped) that callgrind
# shows as addresses; identified by disassembly (what they call).
LIBRE_STATIC = {
    "0x0000000000053600": "fd_poll (libre main loop, static)",
    "0x0000000000046ba0": "udp_read_handler -> udp_read (libre, static)",
    "0x000000000004e790": "mbuf destructor (libre, static)",
}
# frames every sample of a thread is under: the main thread's (main,
# re_main, libc start) and, since the relay runs on the media thread, that
# thread's entry (clone, start_thread, media_main), which callgrind_annotate
# lists with the whole thread's cost even with --inclusive=no
WRAPPERS = ("(below main)", "libc-start.c", "src/main.c:main [", "ld-linux",
            "???:re_main", "clone [", "start_thread [",
            "src/media/thread.c:media_main [")


def annotate(path, inclusive=False, n=14):
    """[(Ir, function)] from callgrind_annotate, biggest first, without
    the frames every sample is under (main, re_main, libc start)."""
    try:
        r = subprocess.run(["callgrind_annotate", "--threshold=100",
                            f"--inclusive={'yes' if inclusive else 'no'}",
                            path], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return []
    rows = []
    section = False
    for line in r.stdout.splitlines():
        if "file:function" in line:
            section = True
            continue
        if section and line.startswith("-- Auto-annotated"):
            break
        m = re.match(r"\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(\S.*)$", line)
        if not (section and m):
            continue
        fn = m.group(2).strip()
        if any(w in fn for w in WRAPPERS):
            continue
        for addr, name in LIBRE_STATIC.items():
            if f"???:{addr} [" in fn and "libre.so" in fn:
                fn = f"{name} [libre.so.0]"
        fn = re.sub(r"^\./(?:[^ ]*/)?([^/ :]+):(\S+) \[/usr/lib/x86_64-linux-gnu/"
                    r"(libc[^\]]*)\]", r"\2 [\3, \1]", fn)
        fn = re.sub(r" \[/usr/lib/x86_64-linux-gnu/([^\]]+)\]", r" [\1]", fn)
        fn = re.sub(r" \[/[^\]]*/(switchboard|baseline_relay)\]", r" [\1]", fn)
        rows.append((int(m.group(1).replace(",", "")), fn))
    return rows[:n]


def cg_control(cmd, pid):
    return subprocess.run(["callgrind_control", cmd, str(pid)],
                          capture_output=True, text=True, timeout=30)


def callgrind_test():
    wd = os.path.join(OUT, "t4")
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    npk = T4_SECS * 50
    res = {"calls": T4_CALLS, "secs": T4_SECS, "window": T4_WINDOW}

    # --- Switchboard under callgrind ---------------------------------
    prefix = os.path.join(wd, "sb.callgrind")
    vg = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={prefix}"]
    d = Daemon(wrapper=vg)
    d.start()
    echo_port, gen_port = peers.free_port(), peers.free_port()
    echo_stat = os.path.join(wd, "echo.json")
    gen_stat = os.path.join(wd, "gen.json")
    calls_log = os.path.join(wd, "calls.log")
    echo_args = [RTPLOAD, "echo", str(echo_port), echo_stat]
    echo = subprocess.Popen(echo_args)
    uas = sipp(os.path.join(SCEN, "uas_echo_answer.xml"), "t4_uas",
               local_port=TRUNK_PORT, calls=2 * T4_CALLS + 100,
               recv_timeout_ms=0,
               timeout_s=120, keys={"echo_port": echo_port})
    uas.start(settle=0.3)
    inf = peers.write_inf(os.path.join(wd, "users.csv"), [DEVICE])
    gen_args = [RTPLOAD, "gen", "-p", str(gen_port), "-n", str(npk), "-s",
                gen_stat, "-l", calls_log, "-m", "120"]
    gen = subprocess.Popen(gen_args)
    uac = sipp(os.path.join(SCEN, "uac_device_rtpload.xml"), "t4_uac",
               remote=("127.0.0.1", d.port), service=OUT_NUMBER, inf=inf,
               calls=T4_CALLS, rate=10, limit=T4_CALLS + 5,
               duration_ms=(T4_SECS + 5) * 1000, timeout_s=120,
               recv_timeout_ms=30000, keys={"gen_port": gen_port},
               extra=["-trace_logs", "-log_file", calls_log])
    uac.start(settle=0)
    deadline = time.time() + 30
    while time.time() < deadline:
        st = d.stats()
        g = snap(gen, gen_stat)
        if st and st["calls"] >= T4_CALLS and g.get("streams", 0) >= T4_CALLS:
            break
        time.sleep(0.3)
    time.sleep(1.0)
    s0 = d.stats()
    cg_control("-z", d.pid)
    time.sleep(T4_WINDOW)
    cg_control("-d", d.pid)
    s1 = d.stats()
    dump = newest_dump(prefix)
    uac.wait()
    stop_proc(gen)
    stop_proc(echo)
    uas.stop()
    res["sb_cmd"] = d.command
    res["sb_uac_cmd"] = cmdline(uac.args)
    res["sb_gen_cmd"] = cmdline(gen_args)
    res["sb_echo_cmd"] = cmdline(echo_args)
    res["sb_uas_cmd"] = cmdline(uas.args)
    res["sb_ok"] = uac.successful
    res["sb_relayed"] = (s1["relayed"] - s0["relayed"]) if s0 and s1 else None
    res["sb_ir"] = callgrind_totals(dump) if dump else None
    res["sb_dump"] = dump
    res["sb_top"] = annotate(dump) if dump else []
    res["sb_incl"] = annotate(dump, inclusive=True, n=30) if dump else []
    d.stop()

    # --- baseline relay under callgrind ------------------------------
    pairs = T4_CALLS
    base = None
    for _ in range(50):
        cand = peers.free_port_range(pairs * 4 + 2)[0]
        cand += cand % 4 and (4 - cand % 4)
        if all(peers._bindable(cand + k, (socket.SOCK_DGRAM,))
               for k in range(pairs * 4)):
            base = cand
            break
    bprefix = os.path.join(wd, "base.callgrind")
    bstat = os.path.join(wd, "base.json")
    b_echo_port, b_gen_port = peers.free_port(), peers.free_port()
    b_echo_stat = os.path.join(wd, "b_echo.json")
    b_gen_stat = os.path.join(wd, "b_gen.json")
    b_echo_args = [RTPLOAD, "echo", str(b_echo_port), b_echo_stat]
    becho = subprocess.Popen(b_echo_args)
    brelay_args = ["valgrind", "--tool=callgrind",
                   f"--callgrind-out-file={bprefix}", BASELINE, str(base),
                   str(pairs), str(b_echo_port), bstat]
    blog = open(os.path.join(wd, "baseline.log"), "w")
    brelay = subprocess.Popen(brelay_args, stdout=blog, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while time.time() < deadline:
        if "ready" in open(os.path.join(wd, "baseline.log")).read():
            break
        time.sleep(0.1)
    ports = ",".join(str(base + 4 * i) for i in range(pairs))
    bgen_args = [RTPLOAD, "gen", "-p", str(b_gen_port), "-n", str(npk), "-s",
                 b_gen_stat, "-t", ports, "-m", "60"]
    bgen = subprocess.Popen(bgen_args)
    time.sleep(2.0)
    b0 = snap(brelay, bstat, timeout=5)
    cg_control("-z", brelay.pid)
    time.sleep(T4_WINDOW)
    cg_control("-d", brelay.pid)
    b1 = snap(brelay, bstat, timeout=5)
    bdump = newest_dump(bprefix)
    try:
        bgen.wait(T4_SECS + 10)
    except subprocess.TimeoutExpired:
        pass
    stop_proc(bgen)
    stop_proc(brelay, timeout=20)
    stop_proc(becho)
    blog.close()
    res["base_cmd"] = cmdline(brelay_args)
    res["base_gen_cmd"] = cmdline(bgen_args)
    res["base_echo_cmd"] = cmdline(b_echo_args)
    res["base_relayed"] = (b1.get("relayed", 0) - b0.get("relayed", 0)) \
        if b0 and b1 else None
    res["base_ir"] = callgrind_totals(bdump) if bdump else None
    res["base_top"] = annotate(bdump, n=8) if bdump else []
    return res


# --------------------------------------------------------------------------
# test 5: registrations held (10,000 devices, UDP, digest)
# --------------------------------------------------------------------------
def rss_parts(pid):
    """{'VmRSS': KiB, 'RssAnon': ..., 'RssFile': ..., 'RssShmem': ...}"""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                    out[k] = int(v.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return out


def malloc_stats(d):
    """Diagnostic: glibc's malloc_stats() called in the daemon with gdb
    (it prints to the daemon's stderr, i.e. its log); returns {'system':
    bytes the heap holds from the kernel, 'in_use': bytes allocated}
    (all arenas and mmap), or {} without gdb."""
    if not shutil.which("gdb") or os.environ.get("BENCH_NO_GDB"):
        return {}
    seen = len(d.s.logtext())
    try:
        # /proc/PID/exe: see malloc_trim_rss()
        subprocess.run(["gdb", f"/proc/{d.pid}/exe", "-p", str(d.pid),
                        "-batch", "-nx", "-ex", "call (void)malloc_stats()"],
                       capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    time.sleep(0.2)
    text = d.s.logtext()[seen:]
    i = text.rfind("Total (incl. mmap):")
    m = re.match(r"Total \(incl. mmap\):\s*system bytes\s*=\s*(\d+)\s*"
                 r"in use bytes\s*=\s*(\d+)", text[i:]) if i >= 0 else None
    return {"system": int(m.group(1)), "in_use": int(m.group(2))} if m \
        else {}


class RegTemplate:
    """A data directory with the demo data and T5_USERS devices, made once
    through the API (POST /api/v1/devices, timed), then copied into the
    data directory of every daemon of test 5."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sbbench-reg-")
        self.users = [(f"{T5_PREFIX}{i:05d}", f"pw-{T5_PREFIX}-{i:05d}")
                      for i in range(1, T5_USERS + 1)]
        self.csv = peers.write_inf(os.path.join(OUT, "t5_users.csv"),
                                   self.users)
        d = Daemon().start()
        self.sb_cmd = d.command
        t0 = time.time()
        for u, pw in self.users:
            st, body = d.s.api("POST", "/api/v1/devices",
                               {"tenant_id": 1, "username": u,
                                "password": pw})
            if st != 201:
                d.stop()
                raise RuntimeError(f"POST /api/v1/devices {u}: {st} {body}")
        self.api_s = time.time() - t0
        self.token = d.s.token
        d.s.stop()
        for f in ("switchboard.db", "switchboard.db-wal", "admin.token"):
            src = os.path.join(d.s.dir, f)
            if os.path.exists(src):
                shutil.copy(src, os.path.join(self.dir, f))
        d.s.cleanup()

    def daemon(self):
        """A fresh Daemon (not started) on a copy of the template; its log
        level is info, so that an auth failure would be logged."""
        d = Daemon()
        a = d.s.args
        a[a.index("--log-level") + 1] = "info"
        for f in ("switchboard.db", "switchboard.db-wal",
                  "switchboard.db-shm"):
            try:
                os.unlink(os.path.join(d.s.dir, f))
            except OSError:
                pass
        for f in ("switchboard.db", "switchboard.db-wal", "admin.token"):
            src = os.path.join(self.dir, f)
            if os.path.exists(src):
                shutil.copy(src, os.path.join(d.s.dir, f))
        d.s.token = self.token
        return d

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def reg_bindings(d, cseq=None):
    """(unexpired bindings, of which with CSeq cseq) read from the daemon's
    database (read-only; SQLite readers do not block its writer)."""
    import sqlite3
    path = os.path.join(d.s.dir, "switchboard.db")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            n, m = db.execute(
                "SELECT count(*), sum(cseq = ?) FROM registrations "
                "WHERE expires_at > ?",
                (cseq or -1, int(time.time() * 1000))).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None, None
    return n, (m or 0)


def reg_disk_bytes(d):
    """Bytes of the registrations table and its indexes in the database
    (dbstat), or None."""
    import sqlite3
    path = os.path.join(d.s.dir, "switchboard.db")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            (n,) = db.execute(
                "SELECT sum(pgsize) FROM dbstat WHERE name IN (SELECT name "
                "FROM sqlite_master WHERE tbl_name = 'registrations')"
            ).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    return n


def guard_state(d):
    """(blocks listed by /api/v1/auth_blocks, 'auth: failure' log lines)."""
    try:
        st, body = d.s.api("GET", "/api/v1/auth_blocks")
    except OSError:
        st, body = None, None
    blocks = len(body) if st == 200 and isinstance(body, list) else None
    return blocks, d.s.logtext().count("auth: failure")


def reg_port():
    """A free port for sipp below the kernel's ephemeral range (32768-),
    so that no socket another process opens meanwhile takes it: the
    refresh round must come from the same port."""
    return peers.free_port_range(1, lo=20000, hi=32000)[0]


def reg_sipp(tmpl, d, tag, count, rate, port=None, base_cseq=None):
    extra = ["-cid_str", "reg-%u@%s"]
    if base_cseq:
        extra += ["-base_cseq", str(base_cseq)]
    return sipp(os.path.join(SCEN, "reg_digest.xml"), tag,
                remote=("127.0.0.1", d.port), local_port=port,
                inf=tmpl.csv, calls=count, rate=rate,
                limit=max(2000, rate * 4), timeout_s=count / rate + 60,
                recv_timeout_ms=20000, extra=extra)


def sipp_elapsed(path):
    """Seconds from sipp's start to its last statistics row (written when
    it ends), from the epoch fields of the CSV's StartTime/CurrentTime."""
    rows = csv_rows(path)
    try:
        start = float(rows[0]["StartTime"].split("\t")[-1])
        end = float(rows[-1]["CurrentTime"].split("\t")[-1])
    except (IndexError, KeyError, ValueError, AttributeError):
        return None
    return end - start if end > start else None


def reg_run(d, s):
    """Run sipp s against daemon d to its end, sampling d; the figures."""
    cpu0 = cpu_s(d.pid)
    drops0 = udp_drops(port=d.port)
    wall, samp, sipp_cpu = run_sampled(d, s)
    cpu1 = cpu_s(d.pid)
    run_s = sipp_elapsed(s.stat_path) or wall
    return {
        "ok": s.successful, "failed": s.failed, "created": s.created,
        "completed": s.successful / run_s if run_s else None,
        "run_s": run_s,
        "cpu_us": (cpu1 - cpu0) * 1e6 / s.successful
        if s.successful and cpu0 is not None and cpu1 is not None else None,
        "rc": s.rc, "retrans": s._num("Retransmissions(C)"),
        "achieved": achieved_rate(s.stat_path, s.created) if s.created
        else None,
        "reg_ms": ms_of(s.stats.get("ResponseTime1(C)")),
        "wall": wall,
        "cpu": (cpu1 - cpu0) if cpu0 is not None and cpu1 is not None
        else None,
        "peak_cpu": samp.peak_cpu, "sipp_cpu": sipp_cpu,
        "peak_rss": samp.peak_rss,
        "drops_sip": udp_drops(port=d.port) - drops0,
        "sipp_cmd": cmdline(s.args),
        "errors": [l for l in s.errors().splitlines() if l.strip()][:3],
    }


def reg_step(tmpl, rate):
    count = rate * T5_SECS
    tag = f"t5_{rate}"
    d = tmpl.daemon().start()
    try:
        s = reg_sipp(tmpl, d, tag, count, rate, port=reg_port())
        res = {"rate": rate, "count": count, "raised": False,
               "sb_cmd": d.command}
        res.update(reg_run(d, s))
        want = min(count, T5_USERS)
        res["bindings"], _ = reg_bindings(d)
        res["blocks"], res["auth_failures"] = guard_state(d)
        res["alive"] = d.s.alive()
        res["warn"] = d.warnings()[:3]
        # the load generator must have offered the rate (sipp shares the CPUs),
        # and the server must have kept up: registrations completed per second
        # over sipp's whole run at least 90 % of the rate (else they queue up,
        # are dropped and retransmitted, and a longer step would fail)
        res["offered_ok"] = bool(res["achieved"]) and \
            res["achieved"] >= 0.9 * rate
        res["kept_up"] = bool(res["completed"]) and \
            res["completed"] >= 0.9 * rate
        res["clean"] = (res["rc"] == 0 and res["failed"] == 0
                        and res["kept_up"]
                        and res["ok"] == count and res["bindings"] == want
                        and res["blocks"] == 0 and res["auth_failures"] == 0
                        and res["alive"])
    finally:
        d.stop(keep_log=os.path.join(OUT, tag, "switchboard.log"))
    return res


def reg_held(tmpl, rate):
    """All T5_USERS register at rate, RSS is read before, right after and
    LATER_S later (transactions gone); then a refresh round from the same
    port (same Call-IDs and Contacts, higher CSeq), RSS again."""
    n = T5_USERS
    d = tmpl.daemon().start()
    try:
        port = reg_port()
        time.sleep(0.5)
        res = {"rate": rate, "count": n, "sb_cmd": d.command, "port": port}
        res["rss_before"] = rss_parts(d.pid)
        res["heap_before"] = malloc_stats(d)
        res["disk_before"] = reg_disk_bytes(d)
        s1 = reg_sipp(tmpl, d, "t5_held_register", n, rate, port=port)
        res["reg"] = reg_run(d, s1)
        res["rss_reg"] = rss_parts(d.pid)
        res["heap_reg"] = malloc_stats(d)
        res["bindings_reg"], _ = reg_bindings(d)
        print(f"         register: ok {res['reg']['ok']} failed "
              f"{res['reg']['failed']} bindings {res['bindings_reg']} rss "
              f"{kib(res['rss_before'].get('VmRSS'))} -> "
              f"{kib(res['rss_reg'].get('VmRSS'))}; waiting {LATER_S} s",
              flush=True)
        time.sleep(LATER_S)
        res["rss_held"] = rss_parts(d.pid)
        res["heap_held"] = malloc_stats(d)
        # what the daemon's own trim (every 60 s when no call is up)
        # would leave
        res["rss_held_trim"] = malloc_trim_rss(d.pid)
        res["bindings_held"], _ = reg_bindings(d)
        res["disk_held"] = reg_disk_bytes(d)
        s2 = reg_sipp(tmpl, d, "t5_held_refresh", n, rate, port=port,
                      base_cseq=3)
        res["ref"] = reg_run(d, s2)
        res["rss_ref"] = rss_parts(d.pid)
        res["heap_ref"] = malloc_stats(d)
        res["bindings_ref"], res["refreshed"] = reg_bindings(d, cseq=4)
        print(f"         refresh: ok {res['ref']['ok']} failed "
              f"{res['ref']['failed']} bindings {res['bindings_ref']} "
              f"refreshed {res['refreshed']} rss "
              f"{kib(res['rss_ref'].get('VmRSS'))}", flush=True)
        if not over_budget(LATER_S + 10) and \
                time.time() - T5_START + LATER_S + 10 < T5_BUDGET:
            time.sleep(LATER_S)
            res["rss_ref_later"] = rss_parts(d.pid)
            res["heap_ref_later"] = malloc_stats(d)
        res["blocks"], res["auth_failures"] = guard_state(d)
        res["alive"] = d.s.alive()
        res["warn"] = d.warnings()[:3]
        res["rss_trim"] = malloc_trim_rss(d.pid)
        for k in ("reg", "ref"):
            r = res[k]
            r["clean"] = r["rc"] == 0 and r["failed"] == 0 and r["ok"] == n
        res["clean"] = (res["reg"]["clean"] and res["ref"]["clean"]
                        and res["bindings_held"] == n
                        and res["bindings_ref"] == n and res["refreshed"] == n
                        and res["blocks"] == 0 and res["auth_failures"] == 0
                        and res["alive"])
    finally:
        d.stop(keep_log=os.path.join(OUT, "t5_held_register",
                                     "switchboard.log"))
    return res


def reg_test():
    """Rate steps (stop at the first failure or when sipp cannot offer the
    rate), one step halfway between the best clean and the first failed
    rate if time allows, then the held/refresh run."""
    global T5_START
    T5_START = time.time()
    print(f"[{elapsed():5.0f}s] test 5: {T5_USERS} devices through "
          "POST /api/v1/devices", flush=True)
    tmpl = RegTemplate()
    print(f"         {T5_USERS} devices in {tmpl.api_s:.1f} s "
          f"({T5_USERS / tmpl.api_s:.0f}/s)", flush=True)

    def fits(need):
        return (not over_budget(need) and
                time.time() - T5_START + need < T5_BUDGET)

    held_need = 2 * T5_USERS / 1000 + LATER_S + 25
    steps = []
    refined = False
    try:
        rates = list(T5_RATES)
        while rates:
            rate = rates.pop(0)
            if not fits(T5_SECS + 15 + held_need):
                steps.append({"rate": rate, "skipped": True,
                              "raised": False})
                break
            print(f"[{elapsed():5.0f}s] test 5: {rate} registrations/s for "
                  f"{T5_SECS} s", flush=True)
            r = reg_step(tmpl, rate)
            print(f"         ok {r['ok']} failed {r['failed']} retrans "
                  f"{r['retrans']} sent {fmt(r['achieved'])}/s completed "
                  f"{fmt(r['completed'])}/s "
                  f"bindings {r['bindings']} cpu {pct(r['cpu'], r['wall'])}"
                  f" sipp {pct(r['sipp_cpu'], r['wall'])} blocks "
                  f"{r['blocks']} auth failures {r['auth_failures']}",
                  flush=True)
            steps.append(r)
            if not (r["clean"] and r["offered_ok"]):
                # one step halfway to the last clean rate
                good = [x["rate"] for x in steps
                        if x.get("clean") and x.get("offered_ok")]
                mid = (max(good) + rate) // 2 if good else None
                mid = mid and (mid // 50) * 50
                if mid and not refined and mid > max(good):
                    refined = True
                    rates = [mid]
                    continue
                break
        good = [x["rate"] for x in steps
                if x.get("clean") and x.get("offered_ok")]
        held_rate = min(max(good), T5_HELD_RATE) if good else 100
        print(f"[{elapsed():5.0f}s] test 5: {T5_USERS} registrations held at"
              f" {held_rate}/s, then refreshed", flush=True)
        held = reg_held(tmpl, held_rate)
    finally:
        tmpl.cleanup()
    steps.sort(key=lambda x: x["rate"])
    return {"steps": steps, "held": held, "api_s": tmpl.api_s,
            "tmpl_cmd": tmpl.sb_cmd, "csv": tmpl.csv}


# --------------------------------------------------------------------------
# RESULTS.md
# --------------------------------------------------------------------------
def kib(v):
    return "-" if v is None else f"{v / 1024:.1f} MiB"


def fmt(v, nd=0, unit=""):
    if v is None:
        return "-"
    return f"{v:,.{nd}f}{unit}"


def machine():
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = open("/proc/loadavg").read().split()[:3]
    sv = subprocess.run(["sipp", "-v"], capture_output=True, text=True)
    m = re.search(r"SIPp v[\w.-]*\w", sv.stdout + sv.stderr)
    sipp_v = m.group(0) if m else "sipp ?"
    libre = subprocess.run(["pkg-config", "--modversion", "libre"],
                           capture_output=True, text=True).stdout.strip()
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain",
                            "src"], capture_output=True,
                           text=True).stdout.strip()
    if os.environ.get("BENCH_BIN"):
        src = (f"binary: BENCH_BIN={REL_BIN}"
               + (f" ({os.environ['BENCH_BIN_SOURCE']})"
                  if os.environ.get("BENCH_BIN_SOURCE") else "")
               + f"; work tree: git {head}"
               + (" + uncommitted changes in src/" if dirty else ""))
    else:
        src = (f"source: git {head}"
               + (" + uncommitted changes in src/" if dirty else ""))
    return (f"{os.cpu_count()} CPUs ({model}), Linux {platform.release()}, "
            f"load average at start {' '.join(load)}; {sipp_v}, libre "
            f"{libre}{tmr_note(REL_BIN)}; {src}")


def tmr_note(path):
    """Whether the binary carries src/core/tmr.c (it exports tmr_start,
    which then replaces libre's timer insertion); "" if nm cannot say."""
    try:
        r = subprocess.run(["nm", "-D", "--defined-only", path],
                           capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if r.returncode:
        return ""
    if re.search(r" T tmr_start$", r.stdout, re.M):
        return " (its tmr_start replaced by the binary's src/core/tmr.c)"
    return " (libre's own tmr_start: the binary has no src/core/tmr.c)"


def alt(results, val, unit=""):
    """Text for the 'fd limit raised' variant, empty when no step needed
    it (no step as built hit libre's descriptor limit)."""
    if not any(r.get("raised") for r in results):
        return ""
    return f"; with libre's fd limit raised (bench shim): {fmtb(val)}{unit}"


def fmtb(v):
    return "none" if v is None else f"{v:,}"


def best_calm(results):
    """Best clean rate that also needed no SIP retransmission (headroom
    left), as built / raised."""
    calm = [r for r in results if r.get("clean") and not r.get("retrans")]
    built = [r["rate"] for r in calm if not r["raised"]]
    raised = [r["rate"] for r in calm if r["raised"]]
    return (max(built) if built else None, max(raised) if raised else None)


def verdict(x):
    if x.get("clean"):
        return "clean" if not x.get("retrans") else \
            f"clean ({x['retrans']:,} retrans.)"
    return "**failed**"


def best(results, key="rate"):
    clean = [r for r in results if r.get("clean")]
    built = [r[key] for r in clean if not r["raised"]]
    raised = [r[key] for r in clean if r["raised"]]
    return (max(built) if built else None, max(raised) if raised else None)


def soak_lines(x, kind):
    """The soak's paragraph and table (inside the test's section)."""
    L = [f"### Soak: {SOAK_SECS // 60 if SOAK_SECS >= 60 else SOAK_SECS} "
         f"{'minutes' if SOAK_SECS >= 60 else 's'} at "
         f"{int(SOAK_SHARE * 100)} % of the best clean rate", ""]
    if x.get("skipped"):
        L += [f"Skipped ({x['skipped']}).", ""]
        return L
    later = x["rss_later"]
    lmax = max(SOAK_LATER)
    L.append(f"**{x['rate']} cps for {x['secs']} s: "
             f"{'clean' if x['calls_clean'] else 'FAILED'} "
             f"({x['ok']:,} of {x['count']:,} calls ok, {x['failed']:,} "
             f"failed, {x['retrans']:,} retransmissions); memory "
             f"{'back to idle' if x['mem_back'] else 'NOT back to idle'} "
             f"(VmRSS idle {kib(x['rss_idle'])}, peak {kib(x['peak_rss'])}, "
             f"at the end {kib(x['rss_end'])}, "
             + ", ".join(f"{k} s after the last call {kib(v)}"
                         for k, v in sorted(later.items()))
             + f"); server CPU {pct(x['cpu'], x['wall'])} of one core, "
             f"{fmt(x.get('cpu_ms_call'), 2)} ms per call.**")
    L.append("")
    L.append(f"One fresh daemon; sipp offers the rate for {x['secs']} s "
             "(same scenario and options as the steps above). Clean = sipp "
             "exit 0, no failed call, every call successful, and VmRSS "
             f"{lmax} s after the last call within "
             f"{int(SOAK_RSS_SLACK * 100)} % (at least 2 MiB) of the idle "
             "daemon's before the first call (the SIP transactions, Timer "
             "J/K up to 32 s, are gone by then and the daemon has trimmed "
             "its heap). Achieved "
             f"{fmt(x['achieved'], 0)} cps; answer "
             f"{fmt(x.get('answer_ms'), 1)} ms mean; sipp CPU "
             f"{pct(x['sipp_cpu'], x['wall'])}; peak calls up "
             f"{x['peak_calls']}"
             + (f"; prompt packets/call "
                f"{fmt(x['played'] / x['ok'] if x['ok'] else None, 1)}"
                if kind == "ann" else "") + ".")
    L.append("")
    if x["timeline"]:
        L.append("| minute | server CPU | VmRSS | calls up |")
        L.append("|---|---|---|---|")
        for i, p in enumerate(x["timeline"]):
            L.append(f"| {i + 1} | "
                     + (f"{p['cpu']:.0f} %" if p["cpu"] is not None else "-")
                     + f" | {kib(p['rss'])} | "
                     f"{p['calls'] if p['calls'] is not None else '-'} |")
        L.append("")
    if x.get("warn"):
        L.append("Server warnings (first lines):")
        L.append("```")
        L += x["warn"]
        L.append("```")
        L.append("")
    L.append("```sh")
    L.append(x["sb_cmd"] + " &")
    L.append("# trunk moved to the sipp port: PATCH /api/v1/trunks/1 "
             f"{{\"port\": {TRUNK_PORT}}}" if TRUNK_PORT != 5090 else
             "# demo trunk 127.0.0.1:5090")
    L.append(x["sipp_cmd"])
    L.append("# VmRSS of the daemon: /proc/PID/status, before, during, "
             f"and {', '.join(str(k) for k in SOAK_LATER)} s after")
    L.append("```")
    L.append("")
    return L


def rate_summary(what, results, secs, target, soak_res):
    """The summary line of test 1 or 2: best clean rate, its CPU per call,
    headroom, the soak."""
    b, r = best(results)
    at = next((x for x in results if x.get("clean") and not x["raised"]
               and x["rate"] == b), None)
    cpu = (f" ({fmt(at.get('cpu_ms_call'), 2)} ms server CPU per call)"
           if at else "")
    if soak_res is None:
        sk = "; no soak (BENCH_SOAK=0)"
    elif soak_res.get("skipped"):
        sk = f"; soak skipped ({soak_res['skipped']})"
    else:
        sk = (f"; soak {soak_res['secs']} s at {soak_res['rate']} cps: "
              f"**{'clean' if soak_res['calls_clean'] else 'FAILED'}** "
              f"({soak_res['failed']:,} failed, "
              f"{fmt(soak_res.get('cpu_ms_call'), 2)} ms CPU per call), "
              f"memory {'back to idle' if soak_res['mem_back'] else 'NOT back to idle'}"
              f" ({kib(soak_res['rss_idle'])} idle, "
              f"{kib(soak_res['peak_rss'])} peak, "
              f"{kib(soak_res['rss_later'].get(max(SOAK_LATER)))} "
              f"{max(SOAK_LATER)} s after)")
    return (f"- {what}: best clean **{fmtb(b)} cps as built**{cpu}"
            f"{alt(results, r, ' cps')}; without any retransmission "
            f"{fmtb(best_calm(results)[0])} cps as built"
            f"{alt(results, best_calm(results)[1], ' cps')}; "
            f"steps of {secs} s{sk}; target >= {target} cps.")


def rate_section(title, target, results, secs, kind, soak_res=None):
    L = [f"## {title}", ""]
    b, r = best(results)
    first_fail = next((x for x in results if not x.get("clean")
                       and not x.get("skipped")), None)
    cb, cr = best_calm(results)
    L.append(f"**Best clean rate as built: {fmtb(b)} cps"
             f"{alt(results, r, ' cps')}. Target: >= {target} cps.**")
    L.append("")
    L.append(f"Without a single SIP retransmission (i.e. with headroom): "
             f"{fmtb(cb)} cps as built{alt(results, cr, ' cps')}.")
    L.append("")
    L.append(f"Each step: a fresh daemon, sipp offers the rate for {secs} s "
             f"(rate x {secs} calls, `-buff_size {BUFF}`, `-l` = 6 x rate), "
             "from the trunk address. Clean = sipp exit 0, no failed call, "
             "every call successful.")
    L.append("")
    if kind == "ann":
        L.append("| build | offered cps | verdict | calls | ok | failed | "
                 "retrans | achieved cps | answer ms (mean) | 200->BYE ms "
                 "(mean) | prompt packets/call | CPU avg | CPU ms/call | "
                 "CPU peak 1 s | "
                 "sipp CPU | peak RSS | peak calls | fd-limit hits |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    else:
        L.append("| build | offered cps | verdict | calls | ok | failed | "
                 "retrans | achieved cps | 200 ms (mean) | BYE->200 ms (mean) "
                 "| CPU avg | CPU ms/call | CPU peak 1 s | sipp CPU | peak RSS "
                 "| peak calls | fd-limit hits |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for x in results:
        bl = "fd limit raised" if x["raised"] else "as built"
        if x.get("skipped"):
            L.append(f"| {bl} | {x['rate']} | skipped (time budget) |" +
                     " |" * (15 if kind == "ann" else 14))
            continue
        cells = [bl, str(x["rate"]), verdict(x), str(x["count"]),
                 str(x["ok"]),
                 str(x["failed"]), str(x["retrans"]),
                 fmt(x["achieved"], 0),
                 fmt(x.get("answer_ms"), 1)]
        if kind == "ann":
            ppc = x["played"] / x["ok"] if x["ok"] else None
            cells += [fmt(x.get("prompt_ms"), 0), fmt(ppc, 1)]
        else:
            cells += [fmt(x.get("bye_ms"), 1)]
        cells += [pct(x["cpu"], x["wall"]), fmt(x.get("cpu_ms_call"), 2),
                  f"{x['peak_cpu']:.0f} %",
                  pct(x["sipp_cpu"], x["wall"]), kib(x["peak_rss"]),
                  str(x["peak_calls"]), str(x["fd_hits"])]
        L.append("| " + " | ".join(cells) + " |")
    L.append("")
    L.append("CPU = utime+stime of the switchboard process over the step "
             "(sipp's run time), in % of one core; CPU ms/call = that CPU "
             "time divided by the successful calls; sipp CPU likewise for "
             "the load generator, which shares the 2 cores.")
    if first_fail and first_fail.get("warn"):
        L.append("")
        L.append(f"Log of the first failing step ({first_fail['rate']} cps, "
                 f"{'fd limit raised' if first_fail['raised'] else 'as built'}"
                 "), first lines:")
        L.append("```")
        L += [w.replace("\x1b", "").replace("[31m", "").replace("[;m", "")
              for w in first_fail["warn"]]
        L.append("```")
    L.append("")
    if soak_res is not None:
        L += soak_lines(soak_res, kind)
    L.append("<details><summary>Exact commands</summary>")
    L.append("")
    for x in results:
        if x.get("skipped"):
            continue
        L.append(f"{x['rate']} cps ({'fd limit raised' if x['raised'] else 'as built'}):")
        L.append("```sh")
        L.append(x["sb_cmd"] + " &")
        L.append("# trunk moved to the sipp port: PATCH /api/v1/trunks/1 "
                 f"{{\"port\": {TRUNK_PORT}}}" if TRUNK_PORT != 5090 else
                 "# demo trunk 127.0.0.1:5090")
        L.append(x["sipp_cmd"])
        L.append("```")
    L.append("</details>")
    L.append("")
    return L


def rtp_section(results, sipp_res):
    L = ["## 3. Concurrent calls with RTP through the relay", ""]
    clean = [r for r in results if r.get("clean")]
    b, r = best([x for x in results if not x.get("repeat")], key="calls")
    L.append(f"**Most concurrent calls without loss as built: {fmtb(b)}"
             f"{alt(results, r)}. Target: >= 500 "
             "G.711 calls, no packet loss, <= 64 KiB per call, memory back "
             "to idle.**")
    L.append("")
    L.append(f"Each step: a fresh daemon; sipp (bench/sipp/uac_device_rtpload.xml)"
             f" sets up the calls as device 1001 with digest at {T3_RATE} "
             f"cps to {OUT_NUMBER}, which leaves through the trunk to a sipp "
             "uas (bench/sipp/uas_echo_answer.xml) whose SDP points at "
             "`rtpload echo`. `rtpload gen` sends one G.711 A-law stream "
             "(50 packets/s, 172 bytes) to each call's Switchboard port "
             "(taken from the 200 OK); the echo sends every packet back, so "
             "each call carries 50 packets/s each way through the relay. "
             "All streams run at once for at least "
             f"{T3_STEADY} s; CPU and RSS are taken in a window inside that "
             "time. Loss at the input = (packets sent by gen + echo) - "
             "Switchboard's `received`; through = `received` - `relayed`; "
             "end to end = gen sent - gen got back. Socket drops = the "
             "kernel's drop counters (/proc/net/udp) of Switchboard's RTP "
             "sockets and of its SIP socket, at the end of the window. "
             "RSS after: when calls_active and legs are 0 again; then "
             f"{LATER_S} s later (SIP transactions gone); then after "
             "`malloc_trim(0)` called in the idle daemon with gdb (a "
             "diagnostic: if RSS drops there, the memory was free but kept "
             "by glibc's allocator, not leaked).")
    L.append("")
    L.append("| build | calls | ok/failed | all up after | packets sent (gen) | "
             "received by SB | relayed by SB | back at gen | loss in / "
             "through / end-to-end | SB socket drops RTP / SIP | relay pkt/s in "
             "window | CPU in window | RSS idle | RSS load | per call | "
             "RSS after | fd-limit hits |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for x in results:
        bl = "fd limit raised" if x["raised"] else "as built"
        if x.get("skipped"):
            L.append(f"| {bl} | {x['calls']} | skipped (time budget) |" +
                     " |" * 14)
            continue
        per_call = ((x["rss_load"] - x["rss_idle"]) / x["calls"]
                    if x["rss_load"] and x["rss_idle"] else None)
        x["per_call_kib"] = per_call
        after = kib(x["rss_after"])
        if x.get("rss_later"):
            after += f"; {kib(x['rss_later'])} {x['later_s']} s later"
        if x.get("rss_trim"):
            after += f"; {kib(x['rss_trim'])} after malloc_trim"
        L.append("| " + " | ".join([
            bl + (" (repeat)" if x.get("repeat") else ""), str(x["calls"]),
            f"{x['ok']}/{x['failed']}",
            f"{x['t_up']:.1f} s" if x["all_up"] else "never",
            fmt(x.get("sent")), fmt(x["received"]), fmt(x["relayed"]),
            fmt(x.get("back")),
            f"{fmt(x.get('loss_in'))} / {fmt(x.get('loss_through'))} / "
            f"{fmt(x.get('loss_e2e'))}",
            f"{fmt(x['drops_sb'])} / {fmt(x.get('drops_sip'))}",
            fmt(x["pps_in"]),
            pct(x["cpu_window"], x["window"]),
            kib(x["rss_idle"]), kib(x["rss_load"]),
            fmt(per_call, 1, " KiB"), after, str(x["fd_hits"])]) + " |")
    L.append("")
    steps = [x for x in clean if x.get("per_call_kib") is not None
             and not x.get("repeat")]
    if len(steps) >= 2:
        a, z = steps[0], steps[-1]
        if z["calls"] > a["calls"] and z["rss_load"] and a["rss_load"]:
            slope = (z["rss_load"] - a["rss_load"]) / (z["calls"] - a["calls"])
            L.append(f"Marginal memory per call between {a['calls']} and "
                     f"{z['calls']} calls (fresh daemons, RSS under load): "
                     f"**{slope:.1f} KiB**.")
            L.append("")
    L.append("`relay pkt/s` = Switchboard's `received` counter per second in "
             "the window (both directions). CPU = switchboard utime+stime in "
             "the window, % of one core. RSS after = when calls_active and "
             "legs are back to 0.")
    L.append("")
    if sipp_res:
        x = sipp_res
        L.append(f"**RTP from sipp itself** (`rtp_stream`, "
                 f"bench/sipp/uac_device_rtpstream.xml, {x['calls']} calls, "
                 f"{x['npk']} packets per call = {x['nominal']:,} nominal): "
                 f"Switchboard received {x['from_sipp']:,} packets from sipp "
                 f"({100 * x['from_sipp'] / x['nominal']:.2f} % of nominal) "
                 f"with {x['drops_sb']} drops on its own sockets; the echo got "
                 f"{x['echo_rx']:,}; relayed {x['relayed']:,} of "
                 f"{x['received']:,} received. Calls ok/failed "
                 f"{x['ok']}/{x['failed']}. Any shortfall with zero socket "
                 "drops at Switchboard is packets sipp did not send; that is "
                 "why the steps above use bench/rtpload.")
        L.append("")
    L.append("<details><summary>Exact commands</summary>")
    L.append("")
    for x in results + ([sipp_res] if sipp_res else []):
        if x.get("skipped"):
            continue
        L.append(f"{x['calls']} calls ({'fd limit raised' if x['raised'] else 'as built'}"
                 f"{', sipp rtp_stream' if x.get('sipp_rtp') else ''}):")
        L.append("```sh")
        L.append(x["sb_cmd"] + " &")
        if TRUNK_PORT != 5090:
            L.append("# trunk moved to the uas port: PATCH /api/v1/trunks/1 "
                     f"{{\"port\": {TRUNK_PORT}}}")
        L.append(x["echo_cmd"] + " &")
        L.append(x["uas_cmd"] + " &")
        if x.get("gen_cmd"):
            L.append(x["gen_cmd"] + " &")
        L.append(x["uac_cmd"])
        L.append("```")
    L.append("</details>")
    L.append("")
    return L


def cg_section(c):
    L = ["## 4. Callgrind: instructions per relayed packet", ""]
    sb_ipp = (c["sb_ir"] / c["sb_relayed"]) if c.get("sb_ir") and \
        c.get("sb_relayed") else None
    b_ipp = (c["base_ir"] / c["base_relayed"]) if c.get("base_ir") and \
        c.get("base_relayed") else None
    ratio = sb_ipp / b_ipp if sb_ipp and b_ipp else None
    L.append(f"**Switchboard: {fmt(sb_ipp)} instructions per relayed packet; "
             f"baseline epoll/UDP relay: {fmt(b_ipp)}; ratio "
             f"{fmt(ratio, 1)} x.**")
    L.append("")
    L.append(f"{c['calls']} calls x {c['secs']} s of RTP both ways (as in "
             "test 3: rtpload gen -> Switchboard -> echo -> back). Under "
             "`valgrind --tool=callgrind`, counters zeroed "
             "(`callgrind_control -z`) once all calls stream, dumped "
             f"(`callgrind_control -d`) {c['window']} s later; the dump's "
             "total Ir (user space of the whole process: event loop, libre, "
             "Switchboard, libc; no kernel) divided by the packets relayed "
             "in that window (Switchboard: `relayed` of /api/v1/stats; "
             "baseline: its own counter). Same for bench/baseline_relay.c "
             "(epoll, one recvfrom + one sendto per readiness event, RTP "
             "version check, 2 sockets per call) driven by the same "
             "generator.")
    L.append("")
    L.append("| | Ir in window | packets relayed | Ir per packet |")
    L.append("|---|---|---|---|")
    L.append(f"| Switchboard (release build) | {fmt(c.get('sb_ir'))} | "
             f"{fmt(c.get('sb_relayed'))} | {fmt(sb_ipp)} |")
    L.append(f"| baseline_relay | {fmt(c.get('base_ir'))} | "
             f"{fmt(c.get('base_relayed'))} | {fmt(b_ipp)} |")
    L.append("")
    if c.get("sb_top") and c.get("sb_relayed"):
        L.append("Switchboard, top functions by own (exclusive) instructions "
                 "in the window, per relayed packet:")
        L.append("")
        L.append("| Ir/packet | function |")
        L.append("|---|---|")
        for ir, fn in c["sb_top"]:
            L.append(f"| {ir / c['sb_relayed']:.1f} | `{fn}` |")
        L.append("")
    if c.get("sb_incl") and c.get("sb_relayed"):
        buf = sum(ir for ir, fn in c["sb_incl"]
                  if fn.startswith("???:mbuf_alloc ") or
                  fn.startswith("???:mbuf_resize ") or
                  fn.startswith("mbuf destructor"))
        if buf:
            L.append(f"Of the {fmt(sb_ipp)} instructions per packet, "
                     f"at least {buf / c['sb_relayed']:,.0f} go to the receive "
                     "buffer "
                     "libre's udp_read allocates for every datagram "
                     "(`mbuf_alloc` of 8 KiB, `mbuf_resize` shrinking it to "
                     "the packet, and freeing it: the inclusive costs of "
                     "`mbuf_alloc` + `mbuf_resize` + the mbuf destructor).")
            L.append("")
        L.append("Switchboard, inclusive instructions (function and what it "
                 "calls) per relayed packet:")
        L.append("")
        L.append("| Ir/packet (inclusive) | function |")
        L.append("|---|---|")
        for ir, fn in c["sb_incl"][:16]:
            L.append(f"| {ir / c['sb_relayed']:.1f} | `{fn}` |")
        L.append("")
    if c.get("base_top") and c.get("base_relayed"):
        L.append("Baseline, top functions (exclusive) per relayed packet: " +
                 ", ".join(f"`{fn.split(' [')[0]}` {ir / c['base_relayed']:.1f}"
                           for ir, fn in c["base_top"][:6]) + ".")
        L.append("")
    L.append("<details><summary>Exact commands</summary>")
    L.append("")
    L.append("```sh")
    L.append("# Switchboard")
    L.append(c["sb_cmd"] + " &")
    if TRUNK_PORT != 5090:
        L.append("# trunk moved to the uas port: PATCH /api/v1/trunks/1 "
                 f"{{\"port\": {TRUNK_PORT}}}")
    L.append(c["sb_echo_cmd"] + " &")
    L.append(c["sb_uas_cmd"] + " &")
    L.append(c["sb_gen_cmd"] + " &")
    L.append(c["sb_uac_cmd"] + " &")
    L.append("# when all calls stream: callgrind_control -z <pid>; "
             f"sleep {c['window']}; callgrind_control -d <pid>")
    L.append("# baseline")
    L.append(c["base_echo_cmd"] + " &")
    L.append(c["base_cmd"] + " &")
    L.append(c["base_gen_cmd"] + " &")
    L.append("# after 2 s: callgrind_control -z <pid>; "
             f"sleep {c['window']}; callgrind_control -d <pid>")
    L.append("```")
    L.append("</details>")
    L.append("")
    return L


def reg_verdict(x):
    if x.get("clean") and not x.get("offered_ok"):
        return (f"no failure, but sipp offered only "
                f"{fmt(x.get('achieved'))}/s")
    behind = (not x.get("kept_up") and x["rc"] == 0 and x["failed"] == 0
              and x["ok"] == x["count"] and x["alive"]
              and x["bindings"] == min(x["count"], T5_USERS)
              and x["blocks"] == 0 and x["auth_failures"] == 0)
    if behind:
        return (f"**fell behind**: no failure, but only "
                f"{fmt(x['completed'])}/s completed")
    return verdict(x)


def reg_best(steps, calm=False):
    good = [x for x in steps if x.get("clean") and x.get("offered_ok")
            and not (calm and x.get("retrans"))]
    return max(good, key=lambda x: x["rate"]) if good else None


def reg_mem(h):
    """(bytes per held registration, from VmRSS LATER_S s after the
    registration round) or None."""
    a = h.get("rss_before", {}).get("VmRSS")
    b = h.get("rss_held", {}).get("VmRSS")
    if a is None or b is None:
        return None
    return (b - a) * 1024 / h["count"]


def reg_summary(t5):
    b = reg_best(t5["steps"])
    h = t5["held"]
    per = reg_mem(h)
    ref = "clean" if h["ref"].get("clean") and h["refreshed"] == h["count"] \
        else "**failed**"
    b0 = h["rss_before"].get("VmRSS")
    trim = (f"; {kib(h['rss_held_trim'])} = "
            f"{fmt((h['rss_held_trim'] - b0) * 1024 / h['count'])} bytes "
            "each after malloc_trim(0)"
            if h.get("rss_held_trim") and b0 else "")
    i0 = (h.get("heap_before") or {}).get("in_use")
    i1 = (h.get("heap_held") or {}).get("in_use")
    inuse = (f"; malloc in use +{fmt((i1 - i0) / h['count'])} bytes each"
             if i0 and i1 else "")
    c = reg_best(t5["steps"], calm=True)
    return (f"- 5. Registrations held ({T5_USERS:,} devices, UDP, digest): "
            f"best clean rate **{fmtb(b['rate'] if b else None)} "
            f"registrations/s**; without any retransmission "
            f"{fmtb(c['rate'] if c else None)}/s; memory per held "
            f"registration **{fmt(per)} bytes** (VmRSS "
            f"{kib(h['rss_before'].get('VmRSS'))} -> "
            f"{kib(h['rss_held'].get('VmRSS'))} with {h['bindings_held']:,}"
            f" bindings{trim}{inuse}); refresh round of all "
            f"{h['count']:,}: {ref} "
            f"({h['ref']['ok']:,} ok, {h['ref']['failed']} failed); guard "
            f"blocks {h['blocks']}, auth failures {h['auth_failures']}.")


def reg_section(t5):
    steps, h = t5["steps"], t5["held"]
    L = [f"## 5. Registrations held: {T5_USERS:,} devices registering and "
         "refreshing (UDP, digest)", ""]
    b = reg_best(steps)
    c = reg_best(steps, calm=True)
    per = reg_mem(h)
    L.append("**Best clean registration rate: "
             f"{fmtb(b['rate'] if b else None)}/s. Memory per held "
             f"registration: {fmt(per)} bytes of VmRSS. "
             f"Refresh of all {h['count']:,} bindings: "
             f"{'clean' if h['clean'] else 'failed'}.**")
    L.append("")
    L.append(f"Without a single SIP retransmission (i.e. with headroom): "
             f"{fmtb(c['rate'] if c else None)}/s.")
    L.append("")
    L.append(f"{T5_USERS:,} devices (users `{T5_PREFIX}00001` ... "
             f"`{T5_PREFIX}{T5_USERS:05d}` of the demo tenant, one password "
             "each) are created once through the API, `POST /api/v1/devices`"
             f" one by one: {t5['api_s']:.1f} s "
             f"({T5_USERS / t5['api_s']:,.0f} devices/s), so no database is "
             "written behind the server's back. Every daemon of this test "
             "starts on a copy of that database (and its admin token), "
             "`--log-level info` so that an auth failure would be logged. "
             "A registration is one sipp call of bench/sipp/reg_digest.xml: "
             "REGISTER -> 401 (qop=auth) -> REGISTER with Authorization -> "
             "200 whose Contact carries `;expires=` (else the call fails); "
             f"users from `-inf` ({os.path.relpath(t5['csv'], ROOT)}, "
             "SEQUENTIAL), Expires 3600, every device from the one sipp "
             "address 127.0.0.1:port.")
    L.append("")
    L.append(f"Rate steps: a fresh daemon per step, sipp offers the rate for "
             f"{T5_SECS} s (rate x {T5_SECS} registrations; above "
             f"{T5_USERS // T5_SECS:,}/s the users come round again, i.e. "
             "some refresh their binding within the step). Clean = sipp exit"
             " 0, no failed registration, every one successful, unexpired "
             "bindings in the store (read from the database) = the distinct "
             "users, no block in `/api/v1/auth_blocks`, no "
             "`auth: failure` in the log, and the server kept up: "
             "registrations completed per second over sipp's whole run "
             "(`completed /s`) >= 90 % of the rate (a server that falls "
             "behind drops REGISTERs on its socket, sipp retransmits them "
             "and they all succeed late; a longer step would fail). The "
             "steps stop at the first step that is not clean (or where "
             "sipp, which shares the 2 CPUs, offers less than 90 % of the "
             "rate); one step halfway between the best clean rate and that "
             "one follows.")
    L.append("")
    L.append("| offered /s | verdict | registrations | ok | failed | "
             "retrans | sent /s | completed /s | registration ms (mean, "
             "both round trips) | CPU avg | CPU peak 1 s | CPU us per "
             "registration | sipp CPU | peak RSS | bindings in store | guard "
             "blocks / auth failures | SIP socket drops |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for x in steps:
        if x.get("skipped"):
            L.append(f"| {x['rate']} | skipped (time budget) |" + " |" * 15)
            continue
        L.append("| " + " | ".join([
            str(x["rate"]), reg_verdict(x), fmt(x["count"]), fmt(x["ok"]),
            str(x["failed"]), fmt(x["retrans"]), fmt(x["achieved"]),
            fmt(x["completed"]),
            fmt(x["reg_ms"], 1), pct(x["cpu"], x["wall"]),
            f"{x['peak_cpu']:.0f} %", fmt(x["cpu_us"]),
            pct(x["sipp_cpu"], x["wall"]),
            kib(x["peak_rss"]), fmtb(x["bindings"]),
            f"{fmtb(x['blocks'])} / {x['auth_failures']}",
            fmt(x["drops_sip"])]) + " |")
    L.append("")
    L.append("sent /s = sipp's rate of new registrations (statistics CSV); "
             "completed /s = successful registrations / sipp's run time "
             "(its first to its last statistics row). "
             "CPU = switchboard utime+stime over the step, % of one core; "
             "per registration: that CPU time / successful registrations "
             "(both requests, the 401 included). "
             "SIP socket drops = the kernel's drop counter of Switchboard's "
             "SIP UDP socket (receive buffer full); each drop costs sipp a "
             "retransmission 500 ms later.")
    L.append("")
    first_fail = next((x for x in steps if not x.get("clean")
                       and not x.get("skipped")), None)
    if first_fail and (first_fail.get("errors") or first_fail.get("warn")):
        L.append(f"First failing step ({first_fail['rate']}/s), first lines "
                 "of the sipp error log and of the switchboard log's "
                 "warnings:")
        L.append("```")
        L += [e[:200] for e in first_fail.get("errors", [])]
        L += [w.replace("\x1b", "").replace("[31m", "").replace("[;m", "")
              for w in first_fail.get("warn", [])]
        L.append("```")
        L.append("")

    L.append(f"**Held and refreshed** (a fresh daemon): all {h['count']:,} "
             f"register at {h['rate']}/s; {LATER_S} s later (the SIP server "
             "transactions, Timer J 32 s, are gone) VmRSS is read again; "
             "then a second round from the same sipp port refreshes every "
             "binding: same Call-ID (`-cid_str reg-%u@%s`, call n = user n) "
             "and Contact, CSeq 3/4 (`-base_cseq 3`), challenged again as "
             "after a real refresh interval (nonces live 300 s). Memory per "
             "registration = (VmRSS with the bindings held - VmRSS before) "
             f"/ {h['count']:,}.")
    L.append("")
    L.append("| round | ok | failed | retrans | sent /s | completed /s | "
             "registration ms (mean) | CPU avg | CPU us per registration | "
             "sipp CPU | SIP socket drops |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in (("register", h["reg"]), ("refresh", h["ref"])):
        L.append("| " + " | ".join([
            name, fmt(r["ok"]), str(r["failed"]), fmt(r["retrans"]),
            fmt(r["achieved"]), fmt(r["completed"]), fmt(r["reg_ms"], 1),
            pct(r["cpu"], r["wall"]), fmt(r["cpu_us"]),
            pct(r["sipp_cpu"], r["wall"]), fmt(r["drops_sip"])]) + " |")
    L.append("")

    def mib(b):
        return "-" if b is None else f"{b / 1048576:.1f} MiB"

    def row(what, rp, heap, bind, note=""):
        if not rp:
            return None
        full = "RssAnon" in rp
        shared = (rp.get("RssFile") or 0) + (rp.get("RssShmem") or 0)
        heap = heap or {}
        return ("| " + " | ".join([
            what, kib(rp.get("VmRSS")),
            kib(rp.get("RssAnon")) if full else "",
            kib(shared) if full else "",
            mib(heap.get("in_use")) if heap else "",
            mib(heap.get("system")) if heap else "",
            fmtb(bind), note]) + " |")
    L.append("| when | VmRSS | RssAnon | RssFile + RssShmem (binary, "
             "libraries, SQLite -shm) | malloc: in use | malloc: held from "
             "the kernel | unexpired bindings | |")
    L.append("|---|---|---|---|---|---|---|---|")
    b0 = h["rss_before"].get("VmRSS")
    i0 = (h.get("heap_before") or {}).get("in_use")

    def per_reg(rp, heap):
        t = []
        if rp and b0:
            t.append(f"VmRSS +{fmt((rp['VmRSS'] - b0) * 1024 / h['count'])}")
        if heap and heap.get("in_use") and i0:
            t.append(f"in use +{fmt((heap['in_use'] - i0) / h['count'])}")
        return (" bytes, ".join(t) + " bytes per registration") if t else ""
    rows = [
        row("before (devices only)", h["rss_before"], h.get("heap_before"),
            0),
        row("right after registering", h["rss_reg"], h.get("heap_reg"),
            h["bindings_reg"]),
        row(f"{LATER_S} s later", h["rss_held"], h.get("heap_held"),
            h["bindings_held"],
            "**" + per_reg(h["rss_held"], h.get("heap_held")) + "**"),
        row("then `malloc_trim(0)`", {"VmRSS": h["rss_held_trim"]}
            if h.get("rss_held_trim") else None, None, h["bindings_held"],
            per_reg({"VmRSS": h["rss_held_trim"]}, None)
            if h.get("rss_held_trim") else ""),
        row("right after the refresh round", h["rss_ref"], h.get("heap_ref"),
            h["bindings_ref"], f"{fmtb(h['refreshed'])} with CSeq 4"),
        row(f"{LATER_S} s after the refresh", h.get("rss_ref_later"),
            h.get("heap_ref_later"), h["bindings_ref"],
            per_reg(h.get("rss_ref_later"), h.get("heap_ref_later"))),
    ]
    L += [r for r in rows if r]
    if h.get("rss_trim"):
        L.append(row("then `malloc_trim(0)`", {"VmRSS": h["rss_trim"]},
                     None, h["bindings_ref"],
                     per_reg({"VmRSS": h["rss_trim"]}, None)))
    L.append("")
    L.append("malloc figures: glibc's `malloc_stats()` (all arenas and mmap),"
             " and `malloc_trim(0)`, each called in the daemon with gdb "
             "after VmRSS was read (diagnostics). VmRSS well above malloc's "
             "in-use bytes is freed memory the allocator keeps; "
             "`malloc_trim(0)` shows what the daemon's own trim (its idle "
             "tick in src/main.c, once the heap in use dropped) gives back, "
             "and what "
             "stays behind because live blocks are spread over the pages.")
    L.append("")
    t = []
    if h.get("disk_held") is not None and h.get("disk_before") is not None:
        t.append("The bindings themselves live in SQLite: the registrations "
                 f"table and its indexes grew from {fmt(h['disk_before'])} "
                 f"to {fmt(h['disk_held'])} bytes (dbstat), "
                 f"{(h['disk_held'] - h['disk_before']) / h['count']:,.0f} "
                 "bytes per binding on disk.")
    hb, hr, hh = (h.get("heap_before") or {}, h.get("heap_reg") or {},
                  h.get("heap_held") or {})
    if hb.get("in_use") and hh.get("in_use") and hr.get("in_use"):
        t.append("In memory, malloc's in-use bytes grew by "
                 f"{fmt((hh['in_use'] - hb['in_use']) / h['count'])} bytes "
                 "per registration once the REGISTER transactions were gone "
                 "(what stays per registration: the nonce-count entry of its "
                 "nonce in auth.c (in slabs of 64), dropped by the purge tick "
                 "once the nonce expired, 301 s, and SQLite's page cache, "
                 "which is bounded). Right after "
                 f"the round {mib(hr['in_use'])} were in use: all "
                 f"{2 * h['count']:,} REGISTER server transactions (request,"
                 " response) live at once for their 32 s, "
                 f"{fmt((hr['in_use'] - hb['in_use']) / (2 * h['count']))} "
                 "bytes each. The VmRSS figure is that burst's high-water "
                 "mark: the allocator keeps the freed memory"
                 + (f"; `malloc_trim(0)` gives back all but "
                    f"{kib(h['rss_held_trim'])}, the freed pieces left "
                    "between blocks still in use"
                    if h.get("rss_held_trim") else "") + ".")
    if h["reg"].get("cpu_us") and h["ref"].get("cpu_us"):
        t.append("CPU per registration: "
                 f"{fmt(h['reg']['cpu_us'])} us while the bindings build up "
                 f"(0 -> {h['count']:,}), {fmt(h['ref']['cpu_us'])} us with "
                 f"all {h['count']:,} held (refresh round).")
    t.append(f"Guard: {fmtb(h['blocks'])} blocks, {h['auth_failures']} "
             "auth failures logged.")
    L.append(" ".join(t))
    L.append("")
    L.append("<details><summary>Exact commands</summary>")
    L.append("")
    L.append("```sh")
    L.append("# devices (once): a daemon with the demo data, then for i in "
             f"00001 .. {T5_USERS:05d}:")
    L.append(t5["tmpl_cmd"] + " &")
    L.append("curl -s -X POST -H \"Authorization: Bearer $(cat <data-dir>/"
             "admin.token)\" -H 'Content-Type: application/json' -d "
             f"'{{\"tenant_id\":1,\"username\":\"{T5_PREFIX}'$i'\","
             f"\"password\":\"pw-{T5_PREFIX}-'$i'\"}}' "
             "http://127.0.0.1:<http-port>/api/v1/devices")
    L.append("# every daemon below starts on a copy of that data directory")
    L.append("```")
    for x in steps:
        if x.get("skipped"):
            continue
        L.append(f"{x['rate']} registrations/s:")
        L.append("```sh")
        L.append(x["sb_cmd"] + " &")
        L.append(x["sipp_cmd"])
        L.append("```")
    L.append("Held and refreshed:")
    L.append("```sh")
    L.append(h["sb_cmd"] + " &")
    L.append("# read = grep -E 'VmRSS|RssAnon|RssFile|RssShmem' "
             "/proc/<pid>/status; gdb /proc/<pid>/exe -p <pid> -batch -nx "
             "-ex 'call (void)malloc_stats()'; sqlite3 "
             "'file:<data-dir>/switchboard.db?mode=ro' 'SELECT count(*), "
             "sum(cseq = 4) FROM registrations WHERE expires_at > <now ms>'")
    L.append("# trim = gdb /proc/<pid>/exe -p <pid> -batch -nx -ex "
             "'call (int)malloc_trim(0)'; grep VmRSS /proc/<pid>/status")
    L.append("# read")
    L.append(h["reg"]["sipp_cmd"])
    L.append(f"# read; sleep {LATER_S}; read; trim")
    L.append(h["ref"]["sipp_cmd"])
    L.append(f"# read; sleep {LATER_S}; read; trim"
             if h.get("rss_ref_later") else "# read; trim")
    L.append("```")
    L.append("</details>")
    L.append("")
    return L


def split_results(path):
    """The parts of an earlier RESULTS.md: (its "Written by" line, its
    "Machine:" line, its "Earlier run" lines, {test: summary line},
    {test: section lines}); empty when there is none."""
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return None, None, [], {}, {}
    written = next((l for l in lines if l.startswith("Written by")), None)
    mach = next((l for l in lines if l.startswith("Machine:")), None)
    earlier = [l for l in lines if l.startswith("Earlier run")]
    summ, secs, cur = {}, {}, None
    for l in lines:
        m = re.match(r"- (\d)\. ", l)
        if m and cur is None:
            summ[m.group(1)] = l
            continue
        m = re.match(r"## (\d)\. ", l)
        if m:
            cur = m.group(1)
            secs[cur] = []
        elif l.startswith("## "):
            cur = "?"
        if cur and cur != "?":
            secs[cur].append(l)
    for k in secs:
        while secs[k] and not secs[k][-1].strip():
            secs[k].pop()
        secs[k].append("")
    return written, mach, earlier, summ, secs


def write_results(sections, header_extra=()):
    """sections and header_extra: {test number: lines} / {test number:
    summary line} of this run.  Tests not run this time keep their
    section and summary line from the earlier RESULTS.md."""
    sections, header_extra = dict(sections), dict(header_extra)
    o_written, o_mach, o_earlier, o_summ, o_secs = split_results(RESULTS)
    # every section this run did not write stays, also those of the other
    # bench scripts (6: tls_bench.py, 7: media_bench.py, 8: make fuzz)
    kept = sorted(k for k in set(o_secs) | set(o_summ) if k not in ONLY)
    ran = sorted(ONLY & set(ALL.split()))
    how = ("`make bench` (bench/run.sh -> bench/bench.py)" if not kept else
           f"`{' '.join(['bench/bench.py'] + sys.argv[1:])}`"
           if sys.argv[1:] else f"`BENCH_ONLY=\"{' '.join(ran)}\" "
           "bench/bench.py`")
    L = ["# Switchboard benchmark results", "",
         f"Written by {how} on "
         f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, "
         f"run time {elapsed():.0f} s{' (BENCH_QUICK: short steps)' if QUICK else ''}"
         + (f"; test{'s' if len(ran) > 1 else ''} {', '.join(ran)} only"
            if kept else "") + ".",
         "", f"Machine: {machine()}.", ""]
    # where each kept section comes from: the run an "Earlier run" line
    # of the earlier file names, else that file's own run
    prov = {}
    for line in o_earlier:
        m = re.match(r"Earlier run \(tests? ([\d, ]+), kept unchanged "
                     r"below\)(.*)$", line)
        if m:
            for k in m.group(1).replace(",", " ").split():
                prov[k] = m.group(2)
    last = (": " + (o_written or "").replace("Written by ", "", 1) + " "
            + (o_mach or ""))
    groups = {}
    for k in kept:
        groups.setdefault(prov.get(k, last), []).append(k)
    for prev, ks in sorted(groups.items(), key=lambda g: g[1]):
        L += [f"Earlier run (test{'s' if len(ks) > 1 else ''} "
              f"{', '.join(ks)}, kept unchanged below){prev}", ""]
    L += ["Everything on 127.0.0.1; the load generators (sipp, bench/rtpload) "
         "share the CPUs with Switchboard. Release build "
         f"`{os.path.relpath(REL_BIN, ROOT) if REL_BIN.startswith(ROOT + os.sep) else REL_BIN}`"
         " (`make build`, -O2), `--log-level warn`, "
         "demo data, prompts/welcome.wav = 2 s 440 Hz tone (sox). "
         + (f"The demo trunk (127.0.0.1:5090) is moved to port {TRUNK_PORT} "
            "through the API before each step, so a `make test` running at "
            "the same time (it uses 5090) is not disturbed; set "
            "BENCH_TRUNK_PORT=5090 to use the demo port."
            if TRUNK_PORT != 5090 else "Trunk port: the demo's 5090."),
         "", "Summary:", ""]
    for k in sorted(set(header_extra) | set(kept)):
        line = header_extra.get(k) or o_summ.get(k)
        if line:
            L.append(line)
    L.append("")
    for k in sorted(set(sections) | set(kept)):
        L += sections.get(k) or o_secs.get(k, [])
    tmp = RESULTS + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(L) + "\n")
    os.replace(tmp, RESULTS)


# --------------------------------------------------------------------------
def make_prompts(dirpath):
    os.makedirs(dirpath, exist_ok=True)
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", "-e",
                    "signed-integer", os.path.join(dirpath, "welcome.wav"),
                    "synth", "2", "sine", "440", "vol", "0.5"], check=True,
                   capture_output=True, timeout=60)
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", "-e",
                    "signed-integer", os.path.join(dirpath, "moh.wav"),
                    "synth", "4", "sine", "330", "vol", "0.3"], check=True,
                   capture_output=True, timeout=60)


def pick_trunk_port():
    env = os.environ.get("BENCH_TRUNK_PORT")
    if env:
        return int(env)
    return peers.free_port()


PROMPTS = None
TRUNK_PORT = None


def parse_args():
    global ONLY
    ap = argparse.ArgumentParser(
        description="Switchboard load benchmark; writes bench/RESULTS.md")
    ap.add_argument("--only", metavar="NAME[,NAME...]",
                    help="run only these tests: " + ", ".join(
                        f"{n} ({k})" for n, k in TESTS.items()))
    a = ap.parse_args()
    if a.only:
        ONLY = set()
        for n in re.split(r"[,\s]+", a.only.strip()):
            k = TESTS.get(n, n)
            if k not in ALL.split():
                ap.error(f"unknown test '{n}'")
            ONLY.add(k)


def main():
    global PROMPTS, TRUNK_PORT
    parse_args()
    need = [REL_BIN]
    if ONLY & {"3", "4"}:
        need += [RTPLOAD, BASELINE]
    if ONLY & {"1", "2", "3"}:
        need.append(SHIM)
    for f in need:
        if not os.path.exists(f):
            sys.exit(f"bench: {f} missing (make build; make -C bench)")
    os.makedirs(OUT, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="sbbench-")
    PROMPTS = os.path.join(tmp, "prompts")
    make_prompts(PROMPTS)
    TRUNK_PORT = pick_trunk_port()
    print(f"bench: trunk port {TRUNK_PORT}, output {RESULTS}", flush=True)

    summary, sections = {}, {}
    t1 = t2 = t3 = t4 = t5 = None
    try:
        if "1" in ONLY:
            t1 = rate_test(1, "uac_announcement", T1_RATES, T1_SECS,
                           check_prompt)
            s1 = soak(1, "uac_announcement", t1, check_prompt) \
                if SOAK else None
            summary["1"] = rate_summary(
                "1. Announcement (INVITE, 2 s prompt, BYE from the server)",
                t1, T1_SECS, 600, s1)
            sections["1"] = (rate_section(
                "1. Announcement calls: INVITE -> 200 -> 2 s prompt -> BYE "
                "from the server", 600, t1, T1_SECS, "ann", s1))
            write_results(sections, summary)
        if "2" in ONLY:
            t2 = rate_test(2, "uac_immediate_bye", T2_RATES, T2_SECS,
                           check_bye)
            s2 = soak(2, "uac_immediate_bye", t2, check_bye) \
                if SOAK else None
            summary["2"] = rate_summary(
                "2. Answered and hung up at once (uac_immediate_bye.xml to "
                "the announcement)", t2, T2_SECS, 1400, s2)
            sections["2"] = (rate_section(
                "2. Calls answered and hung up at once (no media from the "
                "caller)", 1400, t2, T2_SECS, "bye", s2))
            write_results(sections, summary)
        if "3" in ONLY:
            t3, sres = rtp_test()
            sec = rtp_section(t3, sres)
            b, r = best([x for x in t3 if not x.get("repeat")], key="calls")
            clean = [x for x in t3 if x.get("clean") and
                     x.get("per_call_kib") is not None]
            pc = clean[-1] if clean else None
            mem = ""
            if pc:
                later = pc.get("rss_later")
                mem = (f"; at {pc['calls']} calls {pc['per_call_kib']:.1f} "
                       f"KiB per call, CPU {pct(pc['cpu_window'], pc['window'])}"
                       f" of one core; RSS idle {kib(pc['rss_idle'])}, under "
                       f"load {kib(pc['rss_load'])}, after "
                       f"{kib(pc['rss_after'])}"
                       + (f", {pc['later_s']} s later {kib(later)}"
                          if later else "")
                       + (f", after malloc_trim(0) {kib(pc['rss_trim'])}"
                          if pc.get("rss_trim") else ""))
            summary["3"] = (f"- 3. RTP relay: **{fmtb(b)} concurrent calls "
                           f"without loss as built**{alt(t3, r)}{mem}; "
                           "target >= 500 calls, <= 64 "
                           "KiB/call, memory back to idle.")
            sections["3"] = sec
            write_results(sections, summary)
        if "4" in ONLY and not over_budget(90):
            print(f"[{elapsed():5.0f}s] test 4: callgrind", flush=True)
            t4 = callgrind_test()
            sections["4"] = cg_section(t4)
            ipp = (t4["sb_ir"] / t4["sb_relayed"]) if t4.get("sb_ir") and \
                t4.get("sb_relayed") else None
            bpp = (t4["base_ir"] / t4["base_relayed"]) if t4.get("base_ir") \
                and t4.get("base_relayed") else None
            summary["4"] = (f"- 4. Callgrind: **{fmt(ipp)} instructions per "
                           f"relayed packet** vs {fmt(bpp)} for a bare "
                           f"epoll relay (ratio "
                           f"{fmt(ipp / bpp if ipp and bpp else None, 1)} x).")
            write_results(sections, summary)
        elif "4" in ONLY:
            summary["4"] = "- 4. Callgrind: skipped (time budget)."
            write_results(sections, summary)
        if "5" in ONLY:
            t5 = reg_test()
            sections["5"] = reg_section(t5)
            summary["5"] = reg_summary(t5)
            write_results(sections, summary)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"bench: done in {elapsed():.0f} s; see {RESULTS}", flush=True)
    for k in sorted(summary):
        print(summary[k])


if __name__ == "__main__":
    main()
