#!/usr/bin/python3
"""bench/edge_bench.py - issue 21: calls per second through the Kamailio
edge, with one node and with two.  Python 3 standard library only; run by
bench/run.sh (a full `make bench`, or `bench/run.sh --only edge`), writes
section 14 of bench/RESULTS.md.

Three configurations, measured the same way, each step on fresh processes
(release build build/rel/switchboard, `--log-level warn`, demo data, a 2 s
tone as prompts/welcome.wav, as bench.py's tests):

  0  direct   one node, sipp sends to it (no edge): the baseline;
  1  edge+1   Debian's Kamailio with contrib/kamailio/kamailio.cfg
              (test/lib/kamailio.py) in front of one node (--edge);
  2  edge+2   the same edge in front of two nodes on one store, the
              dispatcher hashing INVITEs over the Call-ID.

The store (BENCH_EDGE_STORE): "pg" (the default, a cluster's real
topology, as test/suites/cluster.py): one throwaway PostgreSQL
(test/lib/pg.py) for the run and a fresh database per step, every node
on it (--db, one --spool-dir), node-a making the demo data and node-b
taking its admin token; "sqlite" (the stand-in of the first run): node-b
on node-a's data directory, one SQLite file in WAL mode.

Load: sipp test/data/sipp/uac_immediate_bye.xml (bench.py's test 2) from
the demo trunk's address to the announcement number: INVITE, 200, ACK,
BYE at once, 200.  Its per-call cost is SIP: the caller sends no media and
the prompt is cut at once, where test 1's announcement plays 100 RTP
packets per call that never pass the edge (1.23 against 0.58 ms of node
CPU per call in RESULTS.md sections 1 and 2), and would dilute the edge's
share.  The edge relays all five messages of a call statefully
(record-routed: the ACK and the BYE pass it too).

Rising rates (BENCH_EDGE_RATES, default 100,400,700,1000,1300,1600 calls
per second), STEP_S = 60 s each (longer than the 32 s SIP transaction
timers; BENCH_QUICK=1: 10 s steps, marked "not counted").  The rates are
interleaved: at each rate the configurations still in the race run one
after another, so they see the same background load of this shared
machine.  A step passes when sipp ends by itself with failed calls <= 0.1 %
of the calls, retransmissions <= 1 % of the calls, and the achieved rate at
least 97 % of the offered one; a configuration leaves the race at its
first failing step.  Result: the highest passing rate per configuration.

CPU per call: utime+stime (/proc/<pid>/stat) of each node, of every
kamailio process (the main one and all its children) and of sipp over the
step, divided by the successful calls; the figures compared across the
configurations are those of the first rate (100 calls/s), which all three
run.  Also per step: the idle CPU of nodes and edge in IDLE_S s before
sipp starts (and the per-call CPU net of it, which the estimate of what
one more node adds uses), the edge's log counts (nodes marked down,
INVITEs failed over, 200s after a branch timeout), the kernel's UDP drops
at the nodes' and the edge's sockets, and the call records per node.
Bounded: sipp -m rate*STEP_S with a hard timeout, a time budget for
the whole run (BENCH_EDGE_BUDGET, default 1800 s: a step that would not
fit is skipped and said so); everything on 127.0.0.1 on free ports; every
process started here is stopped by its pid.

  bench/edge_bench.py --results bench/RESULTS.md
  BENCH_QUICK=1 BENCH_EDGE_RATES=100,400 bench/edge_bench.py   (a try)
"""
import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench as B  # noqa: E402  (also puts test/lib on sys.path)
import media_bench as mb  # noqa: E402
from bench import sb  # noqa: E402
from kamailio import Edge  # noqa: E402
import pg  # noqa: E402

SECTION = "## 14. "
QUICK = os.environ.get("BENCH_QUICK") == "1"
STEP_S = 10 if QUICK else 60
RATES = B.env_rates("BENCH_EDGE_RATES", [100, 400, 700, 1000, 1300, 1600])
BUDGET = float(os.environ.get("BENCH_EDGE_BUDGET", "1800"))
FAIL_SHARE = 0.001       # failed calls allowed: 0.1 % of the calls
RETRANS_SHARE = 0.01     # retransmissions allowed: 1 % of the calls
ACHIEVED_SHARE = 0.97    # the achieved rate: at least 97 % of the offered
IDLE_S = 3 if QUICK else 5   # [s] idle CPU of nodes and edge, before sipp
KAM_SHM_MB = 512         # kamailio -m: its shared memory (default 64 MB)
SCENARIO = "uac_immediate_bye"
OUT = os.path.join(B.OUT, "edge")
T0 = time.time()
RTP_A = (40000, 49999)   # node-a's RTP ports (node-b: RTP_B; disjoint)
RTP_B = (50000, 59999)
STORE = os.environ.get("BENCH_EDGE_STORE", "pg")
PGSRV = None             # the run's PostgreSQL (STORE "pg")
NAMES = {0: "(0) one node direct", 1: "(1) edge + one node",
         2: "(2) edge + two nodes"}


def loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def ppid_map():
    """{pid: ppid} of every process."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                out[int(d)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return out


def tree(pid):
    """pid and all its descendants."""
    kids = {}
    for p, pp in ppid_map().items():
        kids.setdefault(pp, []).append(p)
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def cpu_sum(pids):
    """utime+stime of pids in seconds, {pid: s} (gone ones left out)."""
    out = {}
    for p in pids:
        c = B.cpu_s(p)
        if c is not None:
            out[p] = c
    return out


def delta(before, after):
    return sum(after[p] - before[p] for p in after if p in before)


class BenchEdge(Edge):
    """test/lib/kamailio.py's Edge with more shared memory: at 1,600
    calls/s two transactions per call held ~5 s (tm's wait timer) pass
    Kamailio's default of 64 MB."""

    def start(self):
        run = os.path.join(self.dir, "run")
        os.mkdir(run)
        self.args = ["kamailio", "-DD", "-E", "-m", str(KAM_SHM_MB), "-f",
                     self.cfg, "-Y", run, "-P",
                     os.path.join(run, "kamailio.pid"), "-w", self.dir]
        self.proc = subprocess.Popen(self.args, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        return self


def edge_ready(edge, timeout=10):
    """OPTIONS through the edge answered 200 (by a node) three times in a
    row, each with another Call-ID (the hash spreads them)."""
    import socket
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    lp = sock.getsockname()[1]
    deadline = time.time() + timeout
    good = 0
    try:
        while time.time() < deadline and good < 3:
            tag = os.urandom(4).hex()
            sock.sendto((f"OPTIONS sip:127.0.0.1:{edge.port} SIP/2.0\r\n"
                         f"Via: SIP/2.0/UDP 127.0.0.1:{lp};rport;"
                         f"branch=z9hG4bK{tag}\r\nMax-Forwards: 70\r\n"
                         f"From: <sip:probe@127.0.0.1>;tag={tag}\r\n"
                         "To: <sip:127.0.0.1>\r\n"
                         f"Call-ID: ready-{tag}\r\nCSeq: 1 OPTIONS\r\n"
                         "Content-Length: 0\r\n\r\n").encode(), edge.addr)
            try:
                ok = sock.recv(65535).startswith(b"SIP/2.0 200 ")
            except OSError:
                ok = False
            good = good + 1 if ok else 0
        return good >= 3
    finally:
        sock.close()


class Setup:
    """The processes of one configuration: node(s), maybe the edge."""

    def __init__(self, cfg, prompts, tag):
        sb.BIN = B.REL_BIN
        sb.PROMPTS = prompts
        self.cfg = cfg
        self.nodes = []
        self.edge = None
        self.db = self.spool = None
        if STORE == "pg":
            self.db = f"sb_{tag}"
            url = PGSRV.createdb(self.db)
            self.spool = tempfile.mkdtemp(prefix="sbedgespool-")
        for i in range(max(1, cfg)):
            rtp = RTP_A if i == 0 else RTP_B
            # the store's flags from the start: node-a's demo data is
            # made (--init-demo) where it will run
            n = sb.Switchboard(extra_args=[
                "--log-level", "warn", "--node-id", f"node-{'ab'[i]}"] +
                (["--db", url, "--spool-dir", self.spool] if self.db
                 else []), demo=i == 0,
                env={"ASAN_OPTIONS": ""})
            n.env.pop("ASAN_OPTIONS", None)   # the release build
            a = n.args
            a[a.index("--rtp-min") + 1] = str(rtp[0])
            a[a.index("--rtp-max") + 1] = str(rtp[1])
            if self.db:
                if i:
                    n.token = self.nodes[0].token
            elif i:
                # node-b on node-a's data directory (its own holds only
                # the prompts link), with node-a's admin token
                a[a.index("--data-dir") + 1] = self.nodes[0].dir
                n.token = self.nodes[0].token
            self.nodes.append(n)
        if cfg:
            self.edge = BenchEdge([n.sip_port for n in self.nodes])
            for n in self.nodes:
                n.args += ["--edge", f"127.0.0.1:{self.edge.port}"]

    def start(self):
        # node-a first: it moves the demo trunk to a free port (the sipp
        # port) in the store that node-b then reads
        for n in self.nodes:
            n.start()
        if self.edge:
            self.edge.start()
            if not edge_ready(self.edge):
                raise RuntimeError("the edge does not answer OPTIONS: "
                                   + self.edge.logtext()[-2000:])
        return self

    @property
    def trunk_port(self):
        return self.nodes[0].trunk_port

    @property
    def target(self):
        return self.edge.addr if self.edge else \
            ("127.0.0.1", self.nodes[0].sip_port)

    def node_pids(self):
        return [n.proc.pid for n in self.nodes]

    def edge_pids(self):
        return tree(self.edge.proc.pid) if self.edge else []

    def commands(self):
        out = []
        for n in self.nodes:
            out.append(B.cmdline(n.args) + " &")
            if n is self.nodes[0]:
                out.append("# trunk moved to the sipp port: PATCH "
                           f"/api/v1/trunks/1 {{\"port\": {n.trunk_port}}}")
        if self.edge:
            out.append("# contrib/kamailio/kamailio.cfg with EDGE_IP, "
                       "EDGE_PORT, NODES_LIST substituted "
                       "(test/lib/kamailio.py); nodes.list: " +
                       "; ".join(f"1 sip:127.0.0.1:{p}"
                                 for p in self.edge.node_ports))
            out.append(B.cmdline(self.edge.args) + " &")
        return out

    def stop(self, keep):
        """Stop everything (logs copied to keep); the call records per
        node and the edge's log counts."""
        counts = {}
        if self.edge:
            text = self.edge.logtext()
            counts = {"down": len(re.findall(r"edge: node \S+ down", text)),
                      "failover": text.count(" failed over to "),
                      "late": text.count("stored: 408, received: 200")}
            try:
                shutil.copy(self.edge.log.name,
                            os.path.join(keep, "kamailio.log"))
            except OSError:
                pass
            self.edge.stop()
        for n in reversed(self.nodes):
            n.stop()
            try:
                shutil.copy(n.log_path, os.path.join(
                    keep, f"switchboard-{os.path.basename(n.dir)}.log"))
            except OSError:
                pass
        recs = records(self.nodes[0].dir, self.db)
        for n in reversed(self.nodes):
            n.cleanup()
        if self.spool:
            shutil.rmtree(self.spool, ignore_errors=True)
        return recs, counts


def measure(st, s, res):
    """Run sipp s against setup st to its end; CPU of the nodes, the edge
    and sipp over the run, sipp's counts into res."""
    npids, epids = st.node_pids(), st.edge_pids()
    ports = {"node": [n.sip_port for n in st.nodes],
             "edge": [st.edge.port] if st.edge else [],
             "sipp": [st.trunk_port]}
    drops0 = {k: sum(B.udp_drops(port=p) for p in v)
              for k, v in ports.items()}
    # their idle CPU first (heartbeats, timers, the edge's probes)
    ni, ei = cpu_sum(npids), cpu_sum(epids)
    ti = time.time()
    time.sleep(IDLE_S)
    n0, e0 = cpu_sum(npids), cpu_sum(epids)
    t0 = time.time()
    res["node_idle"] = delta(ni, n0) / (t0 - ti)
    res["edge_idle"] = delta(ei, e0) / (t0 - ti) if epids else None
    s.start(settle=0)
    sp, sipp_cpu = None, 0.0
    while s.proc.poll() is None:
        sp = sp or B.sipp_pid(s)
        if sp:
            sipp_cpu = B.cpu_s(sp) or sipp_cpu
        time.sleep(0.5)
    s.wait()
    wall = time.time() - t0
    n1, e1 = cpu_sum(npids), cpu_sum(epids)
    # datagrams the kernel dropped at full receive buffers (sipp's socket
    # is gone by now: its drops are not known)
    res["drops"] = {k: sum(B.udp_drops(port=p) for p in v) - drops0[k]
                    for k, v in ports.items() if k != "sipp"}
    res.update({
        "ok": s.successful, "failed": s.failed, "created": s.created,
        "rc": s.rc, "retrans": s._num("Retransmissions(C)"),
        "achieved": B.achieved_rate(s.stat_path, res["count"]),
        "invite_ms": B.ms_of(s.stats.get("ResponseTimeinvite(C)")),
        "bye_ms": B.ms_of(s.stats.get("ResponseTimebye(C)")),
        "wall": wall, "node_cpu": delta(n0, n1),
        "edge_cpu": delta(e0, e1) if epids else None,
        "sipp_cpu": sipp_cpu, "edge_procs": len(epids),
        "alive": all(n.alive() for n in st.nodes) and
        (st.edge is None or st.edge.proc.poll() is None),
        "commands": st.commands() + [B.cmdline(s.args)],
    })
    ok = res["ok"]
    for k in ("node", "edge", "sipp"):
        c = res[f"{k}_cpu"]
        res[f"{k}_ms"] = 1000 * c / ok if c is not None and ok else None
        res[f"{k}_pct"] = 100 * c / wall if c is not None and wall else None
    # net of the idle CPU: what the calls themselves cost
    for k in ("node", "edge"):
        c, idle = res[f"{k}_cpu"], res[f"{k}_idle"]
        res[f"{k}_net_ms"] = (1000 * (c - idle * wall) / ok
                              if c is not None and idle is not None and ok
                              else None)


def step(cfg, rate, prompts):
    """One configuration at one rate on fresh processes."""
    tag = f"c{cfg}_{rate}"
    count = rate * STEP_S
    res = {"cfg": cfg, "rate": rate, "count": count, "ok": 0, "failed": 0,
           "created": 0, "rc": None, "retrans": 0, "achieved": None,
           "alive": False, "load0": loadavg(),
           "t": time.strftime("%H:%M:%S", time.gmtime())}
    for k in ("node", "edge", "sipp"):
        res[f"{k}_ms"] = res[f"{k}_pct"] = None
    for k in ("node", "edge"):
        res[f"{k}_idle"] = res[f"{k}_net_ms"] = None
    st = Setup(cfg, prompts, tag)
    keep = os.path.join(OUT, tag)
    s = None
    try:
        st.start()
        s = B.sipp(SCENARIO, os.path.join("edge", tag), remote=st.target,
                   local_port=st.trunk_port, service=B.ANNOUNCEMENT,
                   calls=count, rate=rate, limit=max(2000, rate * 6),
                   timeout_s=STEP_S + 60, recv_timeout_ms=20000)
        measure(st, s, res)
    except RuntimeError as e:
        res["error"] = str(e)[:300]
    finally:
        if s is not None and s.proc is not None and s.proc.poll() is None:
            s.stop()
        os.makedirs(keep, exist_ok=True)
        # the records per node: how the edge spread the calls
        res["records"], res["edge_log"] = st.stop(keep)
    fails = []
    if res.get("error"):
        fails.append(res["error"])
    if res["rc"] != 0 or res["created"] != count:
        fails.append(f"sipp rc {res['rc']}, {res['created']} of {count} "
                     "created")
    if res["failed"] > FAIL_SHARE * count:
        fails.append(f"{res['failed']} failed")
    if res["retrans"] > RETRANS_SHARE * count:
        fails.append(f"{res['retrans']} retransmissions")
    if not res["achieved"] or res["achieved"] < ACHIEVED_SHARE * rate:
        fails.append(f"achieved {B.fmt(res['achieved'])} cps")
    if not res["alive"]:
        fails.append("a process died")
    res["fails"] = fails
    res["pass"] = not fails
    res["load1"] = loadavg()
    return res


def records(data_dir, db=None):
    """{node_id: call records} in the (shared) store, read once the nodes
    stopped; None if it cannot be read.  db: the step's PostgreSQL
    database, else node-a's SQLite file."""
    import sqlite3
    if db:
        try:
            return {r[0]: int(r[1]) for r in PGSRV.psql(
                "SELECT node_id, count(*) FROM calls GROUP BY node_id "
                "ORDER BY node_id", db=db)}
        except (subprocess.CalledProcessError, OSError, ValueError):
            return None
    try:
        db = sqlite3.connect(f"file:{data_dir}/switchboard.db?mode=ro",
                             uri=True, timeout=10)
        try:
            return dict(db.execute("SELECT node_id, count(*) FROM calls "
                                   "GROUP BY node_id ORDER BY node_id"))
        finally:
            db.close()
    except sqlite3.Error:
        return None


def run(prompts):
    results = []
    racing = [0, 1, 2]
    for rate in RATES:
        for cfg in list(racing):
            if time.time() - T0 + STEP_S + 45 > BUDGET:
                results.append({"cfg": cfg, "rate": rate, "skipped": True})
                racing.remove(cfg)
                print(f"edge_bench: {NAMES[cfg]} at {rate} cps skipped "
                      "(time budget)", flush=True)
                continue
            print(f"edge_bench: [{time.time() - T0:5.0f} s] {NAMES[cfg]}, "
                  f"{rate} calls/s for {STEP_S} s (load {loadavg()})",
                  flush=True)
            r = step(cfg, rate, prompts)
            print(f"edge_bench:   ok {r['ok']} failed {r['failed']} retrans "
                  f"{r['retrans']} achieved {B.fmt(r['achieved'])}; CPU ms "
                  f"per call node {B.fmt(r['node_ms'], 3)} edge "
                  f"{B.fmt(r['edge_ms'], 3)} sipp {B.fmt(r['sipp_ms'], 3)}: "
                  + ("passed" if r["pass"] else
                     "FAILED " + "; ".join(r["fails"])), flush=True)
            results.append(r)
            if not r["pass"]:
                racing.remove(cfg)
        if not racing:
            break
    return results


# --------------------------------------------------------------------------
# RESULTS.md section 14
# --------------------------------------------------------------------------
def f(v, nd=0):
    return B.fmt(v, nd) if v is not None else "-"


def pct(v):
    return f"{v:.0f} %" if v is not None else "-"


def elog(r):
    c = r.get("edge_log")
    return f"{c['down']} / {c['failover']} / {c['late']}" if c else "-"


def drops(r):
    d = r.get("drops")
    if not d:
        return "-"
    return f"{d['node']} / {d['edge']}" if r["cfg"] else f"{d['node']} / -"


def ipct(v):
    """An idle CPU share (s per s) in % of one core."""
    return f"{100 * v:.1f} %" if v is not None else "-"


def best(results, cfg):
    ok = [r["rate"] for r in results if r["cfg"] == cfg and r.get("pass")]
    return max(ok) if ok else None


def first(results, cfg, rate):
    for r in results:
        if r["cfg"] == cfg and r["rate"] == rate and not r.get("skipped"):
            return r
    return None


def versions():
    def out(cmd):
        try:
            r = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=10)
            return r.stdout + r.stderr
        except (OSError, subprocess.TimeoutExpired):
            return ""
    m = re.search(r"kamailio [\d.]+", out(["kamailio", "-v"]))
    s = re.search(r"SIPp v[\w.-]*\w", out(["sipp", "-v"]))
    return (m.group(0) if m else "kamailio ?", s.group(0) if s else "sipp ?")


def verdict(r):
    if r.get("skipped"):
        return "skipped (time budget)"
    v = "passed" if r["pass"] else "**failed**: " + "; ".join(r["fails"])
    return v + (" (10-s step, not counted)" if QUICK else "")


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "-"


def estimate(results):
    """Lines: what one more node on its own machine would add, from the
    CPU per call (net of the idle CPU) at the common first rate."""
    base = RATES[0]
    r1, r2 = first(results, 1, base), first(results, 2, base)
    if not (r1 and r1.get("node_net_ms") and r1.get("edge_net_ms")):
        return ["No estimate: the first rate did not run behind the edge."]
    children = 2
    node_ms, node_idle = r1["node_net_ms"], r1["node_idle"]
    edges = [x for x in (r1, r2) if x and x.get("edge_net_ms")]
    e = max(edges, key=lambda x: x["edge_net_ms"])
    node_cap = (1 - node_idle) * 1000 / node_ms
    edge_cap = (children - e["edge_idle"]) * 1000 / e["edge_net_ms"]
    n = max(1, int(edge_cap // node_cap))
    both = [r for r in RATES if all(
        (first(results, c, r) or {}).get("pass") for c in NAMES)]
    hi = max(both) if both else None
    L = [f"**One more node on its own machine would add about "
         f"{f(node_cap)} calls/s**: one core, less the node's idle CPU "
         f"({pct(100 * node_idle)} of a core), divided by the node's CPU per "
         f"call behind the edge net of that idle CPU ({f(node_ms, 3)} ms; "
         f"configuration (1) at {base} calls/s; "
         f"{f(r1['node_ms'], 3)} ms gross). A node's SIP runs on one thread, "
         "so one core is its ceiling; in tests 1 and 2 retransmissions "
         "begin at about 90 % of a core, so some 80 % of that figure is "
         "what a node holds cleanly. The edge is the bound: "
         f"{f(e['edge_net_ms'], 3)} ms of CPU per call net of its idle "
         f"{pct(100 * e['edge_idle'])} (the higher of (1) and (2)); "
         f"kamailio.cfg's `children={children}` UDP workers can use "
         f"{children} cores, about {f(edge_cap)} calls/s, so nodes on "
         f"machines of their own add their share each up to about {n} "
         "node(s) behind one such edge; beyond that the edge needs more "
         "workers and cores (`children`) or a second edge in front of the "
         "same nodes. On this machine the second node adds nothing: it "
         "shares the same two cores with the first node, the edge and "
         "sipp" + (", and both use one PostgreSQL on the same machine."
                   if STORE == "pg" else
                   ", and both write into one SQLite file (a cluster "
                   "uses PostgreSQL, which this run does not measure).")]
    if r2 and r2.get("node_net_ms"):
        L += ["",
              f"With two nodes (configuration (2), {base} calls/s) the nodes "
              f"together spent {f(r2['node_net_ms'], 3)} ms per call net of "
              f"their idle CPU ({f(r2['node_ms'], 3)} ms gross), against "
              f"{f(node_ms, 3)} ms for one node behind the edge and "
              f"{f((first(results, 0, base) or {}).get('node_net_ms'), 3)} "
              "ms without the edge (configuration (0))."]
    if hi and hi != base:
        rr = {c: first(results, c, hi) for c in NAMES}
        L += ["",
              f"At {hi} calls/s, the highest rate all three passed, the "
              "per-call CPU (gross) was: node(s) " +
              ", ".join(f"{f(rr[c]['node_ms'], 3)}" for c in NAMES) +
              " ms in (0), (1), (2); edge " +
              ", ".join(f"{f(rr[c]['edge_ms'], 3)}" for c in (1, 2)) +
              " ms in (1), (2)."]
    return L


def write_md(path, results, cmd, run_s):
    b = {c: best(results, c) for c in NAMES}
    vk, vs = versions()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    head = (f"**Highest passing rate: (0) one node direct {f(b[0])} "
            f"calls/s, (1) edge + one node {f(b[1])} calls/s, (2) edge + "
            f"two nodes {f(b[2])} calls/s; (1)/(0) = {ratio(b[1], b[0])} "
            f"(the edge's overhead on this machine), (2)/(1) = "
            f"{ratio(b[2], b[1])}.**")
    if QUICK:
        head += (" BENCH_QUICK run: 10-s steps, shorter than the 32 s SIP "
                 "transaction timers: **not counted**.")
    L = [f"{SECTION}Calls per second through the edge: one node and two",
         "", head, "",
         f"Written by `{cmd}` (bench/edge_bench.py) on {when}, run time "
         f"{run_s:.0f} s; {mb.source()}; release build "
         f"`{os.path.relpath(B.REL_BIN, ROOT)}`; {vk} (Debian), {vs}; "
         f"{os.cpu_count()} CPUs, Linux {platform.release()}.",
         "",
         "**This machine has 2 cores, shared by everything here (sipp, "
         "Kamailio, the node or nodes) and by other engineers' builds and "
         "test suites, which ran at the same time: the load averages of "
         "each configuration are in the tables.** So the rates say what one "
         "2-core box does with all parts on it; they show the edge's cost, "
         "not how nodes scale (a second node on the same two cores brings "
         "no CPU). The estimate for more machines is below.",
         "",
         "Configurations, each step on fresh processes (release build, "
         "`--log-level warn`, demo data, a 2 s tone as the announcement): "
         "(0) sipp sends to one node directly, the baseline; (1) Debian's "
         "Kamailio with `contrib/kamailio/kamailio.cfg` (stateful relay, "
         "record-route, dispatcher with probing, `children=2`, shared memory "
         f"raised with `-m {KAM_SHM_MB}`) in front of one node started with "
         "`--edge`; (2) the same edge in front of two nodes on one store, "
         "the dispatcher hashing over the Call-ID. " +
         ("The store: one throwaway PostgreSQL 15 on this machine, a fresh "
          "database per step, every node on it (`--db`, one "
          "`--spool-dir`; as test/suites/cluster.py)."
          if STORE == "pg" else
          "The store: node-a's data directory, node-b on it (one SQLite "
          "file in WAL mode; BENCH_EDGE_STORE=sqlite)."),
         "",
         "Load: sipp `test/data/sipp/uac_immediate_bye.xml` (test 2's "
         "scenario) from the demo trunk's address to the announcement "
         "number: INVITE, 200, ACK, BYE at once, 200. Chosen over test 1's "
         "announcement because its per-call cost is SIP: no media from the "
         "caller and the prompt cut at once, where the announcement plays "
         "100 RTP packets per call that never pass the edge (1.23 against "
         "0.58 ms of node CPU per call in sections 1 and 2) and would hide "
         "the edge's share. All five messages of a call pass the edge (the "
         "ACK and BYE along the Record-Route).",
         "",
         f"Rates rise in steps of {STEP_S} s "
         f"({', '.join(str(r) for r in RATES)} calls/s), interleaved: at "
         "each rate the configurations still in the race run one after "
         "another, so they share the background load. A step passes when "
         "sipp ends by itself with failed calls <= 0.1 % and "
         "retransmissions <= 1 % of the calls, and an achieved rate of at "
         "least 97 % of the offered one; a configuration stops at its first "
         "failing step. CPU = utime+stime from /proc/<pid>/stat over sipp's "
         "run: of the node(s) summed, of every kamailio process (the main "
         "one and all its children) summed, and of sipp; in % of one core, "
         "and in ms per successful call. Idle CPU: the same processes "
         f"during {IDLE_S} s before sipp started (heartbeats, timers, the "
         "edge's OPTIONS probe of each node every second); net = the "
         "step's CPU less that idle rate over the step, per call. Edge log: "
         "how often the edge marked a node down (a missed OPTIONS probe or "
         "a failed INVITE), failed an INVITE over to the other node (no "
         "answer within `fr_timer`, 2 s: Switchboard sends no 100 Trying), "
         "and relayed a 200 that came after its branch had timed out "
         "(Kamailio's \"status rewrite ... stored: 408, received: 200\"). "
         "UDP drops: datagrams the kernel dropped at a full receive buffer "
         "(/proc/net/udp) on the nodes' SIP sockets and on the edge's.",
         "",
         "| configuration | highest passing | steps | load average at "
         f"start | at end | at {RATES[0]} calls/s, CPU ms per call: "
         "node(s) | edge | sipp | idle CPU: node(s) | edge | CPU ms per "
         "call net of idle: node(s) | edge |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for c, name in NAMES.items():
        rs = [r for r in results if r["cfg"] == c and not r.get("skipped")]
        r0 = first(results, c, RATES[0])
        L.append(f"| {name} | {f(b[c])} calls/s | {len(rs)} | "
                 f"{rs[0]['load0'] if rs else '-'} | "
                 f"{rs[-1]['load1'] if rs else '-'} | "
                 f"{f(r0 and r0.get('node_ms'), 3)} | "
                 f"{f(r0 and r0.get('edge_ms'), 3)} | "
                 f"{f(r0 and r0.get('sipp_ms'), 3)} | "
                 f"{ipct(r0 and r0.get('node_idle'))} | "
                 f"{ipct(r0 and r0.get('edge_idle'))} | "
                 f"{f(r0 and r0.get('node_net_ms'), 3)} | "
                 f"{f(r0 and r0.get('edge_net_ms'), 3)} |")
    L += ["",
          f"(1)/(0) = {ratio(b[1], b[0])}: the share of the direct rate "
          "left when the edge shares the machine; (2)/(1) = "
          f"{ratio(b[2], b[1])}: a second node on the same cores.", ""]
    L += estimate(results)
    L += ["",
          "Every step (UTC start time; load average at the step's start "
          "and end; records = call records per node in the store "
          "afterwards):",
          "",
          "| configuration | offered cps | start | verdict | calls | ok | "
          "failed | retrans | achieved cps | INVITE->200 ms | BYE->200 ms | "
          "node CPU | edge CPU | sipp CPU | node ms/call | edge ms/call | "
          "sipp ms/call | node net ms/call | edge net ms/call | records | "
          "edge log: down / failed over / late 200 | UDP drops: node(s) / "
          "edge | load average |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
          "---|---|---|---|---|---|---|"]
    for r in results:
        if r.get("skipped"):
            L.append(f"| {NAMES[r['cfg']]} | {r['rate']} | | "
                     f"{verdict(r)} |" + " |" * 19)
            continue
        recs = r.get("records") or {}
        L.append(
            f"| {NAMES[r['cfg']]} | {r['rate']} | {r['t']} | {verdict(r)} | "
            f"{r['count']} | {r['ok']} | {r['failed']} | {r['retrans']} | "
            f"{f(r['achieved'])} | {f(r.get('invite_ms'), 1)} | "
            f"{f(r.get('bye_ms'), 1)} | {pct(r['node_pct'])} | "
            f"{pct(r['edge_pct'])} | {pct(r['sipp_pct'])} | "
            f"{f(r['node_ms'], 3)} | {f(r['edge_ms'], 3)} | "
            f"{f(r['sipp_ms'], 3)} | {f(r['node_net_ms'], 3)} | "
            f"{f(r['edge_net_ms'], 3)} | "
            f"{', '.join(f'{k} {v}' for k, v in recs.items()) or '-'} | "
            f"{elog(r)} | {drops(r)} | {r['load0']} / {r['load1']} |")
    L += ["",
          f"<details><summary>Exact commands (each configuration at "
          f"{RATES[0]} calls/s)</summary>", ""]
    for c, name in NAMES.items():
        r0 = first(results, c, RATES[0])
        if not r0 or not r0.get("commands"):
            continue
        L += [f"{name}:", "```sh"] + r0["commands"] + ["```"]
    L += ["Every other step: the same with `-m rate*60 -r rate -l "
          "max(2000, 6*rate)` and fresh ports.", "</details>", ""]
    with open(path, "w") as fh:
        fh.write("\n".join(L))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(OUT, "edge.md"))
    ap.add_argument("--results", help="also put the fragment into this "
                    "RESULTS.md as section 14")
    ap.add_argument("--cmd", default="bench/run.sh --only edge",
                    help="the command named in RESULTS.md")
    args = ap.parse_args()
    if not os.path.exists(B.REL_BIN):
        sys.exit(f"edge_bench: {B.REL_BIN} missing (make build)")
    for tool in ("kamailio", "sipp", "sox"):
        if not shutil.which(tool):
            sys.exit(f"edge_bench: {tool} missing")
    os.makedirs(OUT, exist_ok=True)
    if STORE not in ("pg", "sqlite"):
        sys.exit(f"edge_bench: BENCH_EDGE_STORE: pg or sqlite, not {STORE}")
    global PGSRV
    tmp = tempfile.mkdtemp(prefix="sbedgebench-")
    try:
        if STORE == "pg":
            PGSRV = pg.Postgres()
        prompts = os.path.join(tmp, "prompts")
        B.make_prompts(prompts)
        results = run(prompts)
    finally:
        if PGSRV:
            PGSRV.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    cmd = ("BENCH_QUICK=1 " if QUICK else "") + args.cmd
    write_md(args.out, results, cmd, time.time() - T0)
    if args.results:
        mb.merge_into_results(args.out, args.results, SECTION)
    print(f"edge_bench: done in {time.time() - T0:.0f} s; {args.out}",
          flush=True)
    return 0 if any(r.get("pass") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
