#!/usr/bin/python3
"""bench/lock_bench.py - issue 21 point 2: does the store's write lock
limit a cluster on PostgreSQL?  Python 3 standard library only; run by
bench/run.sh (a full `make bench`, or `bench/run.sh --only lock`), writes
section 15 of bench/RESULTS.md.

On PostgreSQL every write transaction of the store (store_tx(): a note with
its version and deliveries, a voicemail, a failed login, ...) takes one
advisory lock (21, 2) shared by all nodes, so those transactions run one
at a time in the whole cluster.  Each node counts its waits for that lock
and the time it held it (/metrics: switchboard_store_write_lock_*).  The
lock limits when the time it is held, summed over the nodes, approaches
the wall-clock time: then more clients or more nodes add waiting, not
notes.

Setup: a throwaway PostgreSQL (test/lib/pg.py), two nodes of the release
build on it (--db, one --spool-dir, node-a seeds the demo data, node-b
takes node-a's admin token), `--log-level warn --purge-interval 0`, mail
deliveries to a port nobody listens on with one attempt (each note's
delivery is claimed, tried and failed by the outbox: its work on the store
stays in the measurement).

Load: client threads, each with its own HTTP/1.1 connection, POST
/api/v1/notes as the operator in a loop (the demo client, one employee
with an e-mail address: a note, its first version, its read row and one
mail delivery in one transaction) for STEP_S = 60 s per step
(BENCH_QUICK=1: 10 s, marked "not counted").  Steps: the clients on
node-a only (node-b running idle), then split over both nodes, at
BENCH_LOCK_CLIENTS (default 2, 8, 32) clients.  Per step: notes saved per
second and their latency (p50, p99), the write transactions per second of
both nodes, the lock's held share (held time of both nodes / step time),
the mean and the longest wait, transactions whose lock was not granted,
non-201 answers, the CPU of each node and of PostgreSQL.

  bench/lock_bench.py --results bench/RESULTS.md
  BENCH_QUICK=1 bench/lock_bench.py                 (a try)
"""
import argparse
import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench as B  # noqa: E402  (also puts test/lib on sys.path)
import media_bench as mb  # noqa: E402
from bench import sb  # noqa: E402
import pg  # noqa: E402
from ports import free_port  # noqa: E402

SECTION = "## 15. "
QUICK = os.environ.get("BENCH_QUICK") == "1"
STEP_S = 10 if QUICK else 60
CLIENTS = [int(x) for x in os.environ.get("BENCH_LOCK_CLIENTS",
                                          "2,8,32").split(",")]
OUT = os.path.join(B.OUT, "lock")
T0 = time.time()
LOCK = "switchboard_store_write_lock_"


def metrics(node):
    """The node's /metrics samples (name with labels: float)."""
    c = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=10)
    c.request("GET", "/metrics",
              headers={"Authorization": f"Bearer {node.token}"})
    r = c.getresponse()
    text = r.read().decode()
    c.close()
    if r.status != 200:
        raise RuntimeError(f"/metrics: {r.status} {text[:200]}")
    out = {}
    for ln in text.splitlines():
        if ln and not ln.startswith("#"):
            k, v = ln.rsplit(" ", 1)
            out[k] = float(v)
    return out


def pg_cpu(p):
    """utime+stime [s] of every process of the PostgreSQL server."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cmd.startswith("postgres") and p.dir in cmd or \
                cmd.startswith("postgres:"):
            pids.append(int(d))
    return sum(B.cpu_s(x) or 0 for x in pids)


class Client(threading.Thread):
    """POST /api/v1/notes on node until stop is set."""

    def __init__(self, node, body, stop):
        super().__init__(daemon=True)
        self.node, self.body, self.stop = node, json.dumps(body), stop
        self.ok = self.bad = 0
        self.lat = []
        self.codes = {}

    def run(self):
        c = http.client.HTTPConnection("127.0.0.1", self.node.http_port,
                                       timeout=30)
        hdr = {"Authorization": f"Bearer {self.node.token}",
               "Content-Type": "application/json"}
        while not self.stop.is_set():
            t = time.monotonic()
            try:
                c.request("POST", "/api/v1/notes", self.body, hdr)
                r = c.getresponse()
                r.read()
                st = r.status
            except (OSError, http.client.HTTPException) as e:
                st = type(e).__name__   # no answer: which failure
                c.close()
                c = http.client.HTTPConnection(
                    "127.0.0.1", self.node.http_port, timeout=30)
            if st == 201:
                self.ok += 1
                self.lat.append(time.monotonic() - t)
            else:
                self.bad += 1
                self.codes[st] = self.codes.get(st, 0) + 1
        c.close()


def pctl(v, q):
    if not v:
        return None
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def step(nodes, busy, clients, body):
    """clients threads over the nodes busy; the step's figures."""
    stop = threading.Event()
    m0 = [metrics(n) for n in nodes]
    c0 = [B.cpu_s(n.proc.pid) for n in nodes]
    load0 = os.getloadavg()
    threads = [Client(busy[i % len(busy)], body, stop)
               for i in range(clients)]
    t = time.monotonic()
    p0 = pg_cpu(PG)
    for th in threads:
        th.start()
    time.sleep(STEP_S)
    stop.set()
    for th in threads:
        th.join(35)
    dur = time.monotonic() - t
    p1 = pg_cpu(PG)
    m1 = [metrics(n) for n in nodes]
    c1 = [B.cpu_s(n.proc.pid) for n in nodes]

    def d(k):
        return sum(b.get(k, 0) - a.get(k, 0) for a, b in zip(m0, m1))

    count = d(LOCK + "wait_seconds_count")
    lat = [x for th in threads for x in th.lat]
    codes = {}
    for th in threads:
        for k, v in th.codes.items():
            codes[k] = codes.get(k, 0) + v
    ok = sum(th.ok for th in threads)
    return {
        "nodes": len(busy), "clients": clients, "secs": dur,
        "ok": ok, "bad": sum(th.bad for th in threads), "codes": codes,
        "notes_s": ok / dur,
        "p50": pctl(lat, 0.5), "p99": pctl(lat, 0.99),
        "tx_s": count / dur,
        "held": d(LOCK + "held_seconds_total") / dur,
        "wait_ms": d(LOCK + "wait_seconds_sum") / count * 1000
        if count else None,
        "failed": d(LOCK + "failed_total"),
        "wait_max_le": max_bucket(m0, m1),
        "cpu": [(b - a) / dur * 100 for a, b in zip(c0, c1)],
        "pg_cpu": (p1 - p0) / dur * 100,
        "load": (load0, os.getloadavg()),
    }


def max_bucket(m0, m1):
    """The smallest bucket bound that holds every wait of the step."""
    name = LOCK + "wait_seconds_bucket"
    total = sum(b.get(name + '{le="+Inf"}', 0) - a.get(name + '{le="+Inf"}', 0)
                for a, b in zip(m0, m1))
    bounds = sorted({k[len(name) + 5:-2] for k in m1[0]
                     if k.startswith(name) and "+Inf" not in k}, key=float)
    for le in bounds:
        k = f'{name}{{le="{le}"}}'
        if sum(b.get(k, 0) - a.get(k, 0) for a, b in zip(m0, m1)) >= total:
            return float(le)
    return None


def demo_body(node):
    st, tenants = node.api("GET", "/api/v1/tenants")
    tid = tenants[0]["id"]
    st, emps = node.api("GET", f"/api/v1/employees?tenant_id={tid}")
    emp = next(e for e in emps if e.get("email"))
    return {"tenant_id": tid, "employee_ids": [emp["id"]],
            "caller_name": "Bench Anrufer", "caller_number": "0221 987654",
            "concern": "Bittet um Rückruf wegen der Rechnung vom Montag."}


def start_nodes(tmp):
    sb.BIN = B.REL_BIN
    sb.PROMPTS = os.path.join(tmp, "prompts")
    B.make_prompts(sb.PROMPTS)
    url = PG.createdb("sb")
    spool = os.path.join(tmp, "spool")
    os.makedirs(spool)
    dead = free_port()
    nodes = []
    for i, name in enumerate(("node-a", "node-b")):
        n = sb.Switchboard(extra_args=[
            "--log-level", "warn", "--node-id", name, "--db", url,
            "--spool-dir", spool, "--purge-interval", "0",
            "--smtp-url", f"smtp://127.0.0.1:{dead}",
            "--outbox-attempts", "1"], demo=i == 0)
        n.env.pop("ASAN_OPTIONS", None)   # the release build
        if i:
            n.token = nodes[0].token
        n.start()
        nodes.append(n)
    return nodes


def f(v, nd=1):
    return "-" if v is None else f"{v:,.{nd}f}"


def write_md(path, rows, cmd, run_s):
    head = rows[0]
    lines = [
        f"{SECTION}The store's write lock on PostgreSQL: two nodes saving "
        "notes",
        "",
    ]
    one = [r for r in rows if r["nodes"] == 1]
    two = [r for r in rows if r["nodes"] == 2]
    best1 = max(one, key=lambda r: r["notes_s"])
    best2 = max(two, key=lambda r: r["notes_s"])
    top = max(rows, key=lambda r: r["held"])
    lines += [
        f"**Most notes per second: {f(best1['notes_s'])} through one node "
        f"({best1['clients']} clients), {f(best2['notes_s'])} through two "
        f"({best2['clients']} clients); the write lock was held at most "
        f"{f(top['held'] * 100)} % of the time (both nodes together, "
        f"{top['clients']} clients on {top['nodes']} node(s)).**",
        "",
        f"Written by `{cmd}` (bench/lock_bench.py) on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, run time "
        f"{run_s:.0f} s; {mb.source()}; release build `build/rel/switchboard`; PostgreSQL "
        f"{pg.bindir()}; {os.cpu_count()} CPUs.",
        "",
        "What is measured (bench/lock_bench.py's docstring has the whole "
        "set-up): client threads POST /api/v1/notes in a loop (a note, its "
        "version, read row and mail delivery: one write transaction of the "
        "store, which on PostgreSQL holds the advisory lock (21, 2) that "
        "every node's write transactions share) through node-a only, then "
        "through both nodes; steps of "
        f"{STEP_S} s{' (BENCH_QUICK: not counted)' if QUICK else ''}. "
        "Held share = the time both nodes held the lock / the step's time "
        "(/metrics `switchboard_store_write_lock_held_seconds_total`); "
        "near 100 % the lock is what limits. Wait = the mean time from "
        "BEGIN to the lock granted; max wait <= the smallest histogram "
        "bucket holding every wait. CPU in % of one core. This machine "
        "has 2 cores shared by the clients (Python), PostgreSQL, both "
        "nodes and other engineers' work: the load averages are in the "
        "table.",
        "",
        "| nodes | clients | notes/s | p50 ms | p99 ms | non-201 | write "
        "tx/s | lock held | mean wait ms | max wait <= s | lock failed | "
        "CPU node-a | CPU node-b | CPU PostgreSQL | load average |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        la = "/".join(f"{x:.2f}" for x in r["load"][0][:1] +
                      r["load"][1][:1])
        lines.append(
            f"| {r['nodes']} | {r['clients']} | {f(r['notes_s'])} | "
            f"{f(r['p50'] and r['p50'] * 1000)} | "
            f"{f(r['p99'] and r['p99'] * 1000)} | {r['bad']} "
            f"{r['codes'] if r['codes'] else ''} | {f(r['tx_s'])} | "
            f"{f(r['held'] * 100)} % | {f(r['wait_ms'], 2)} | "
            f"{r['wait_max_le']} | {int(r['failed'])} | "
            f"{f(r['cpu'][0])} % | {f(r['cpu'][1])} % | "
            f"{f(r['pg_cpu'])} % | {la} |")
    lines.append("")
    del head
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")


PG = None


def main():
    global PG
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(OUT, "lock.md"))
    ap.add_argument("--results", help="also put the fragment into this "
                    "RESULTS.md as section 15")
    ap.add_argument("--cmd", default="bench/run.sh --only lock")
    args = ap.parse_args()
    if not os.path.exists(B.REL_BIN):
        sys.exit(f"lock_bench: {B.REL_BIN} missing (make build)")
    os.makedirs(OUT, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="sblockbench-")
    PG = pg.Postgres()
    nodes = []
    rows = []
    try:
        nodes = start_nodes(tmp)
        body = demo_body(nodes[0])
        for busy in (nodes[:1], nodes):
            for c in CLIENTS:
                print(f"lock_bench: [{time.time() - T0:5.0f} s] {c} clients "
                      f"on {len(busy)} node(s) for {STEP_S} s", flush=True)
                r = step(nodes, busy, c, body)
                print(f"lock_bench:   {r['notes_s']:.1f} notes/s, tx/s "
                      f"{r['tx_s']:.1f}, held {r['held'] * 100:.1f} %, "
                      f"wait {f(r['wait_ms'], 2)} ms, bad {r['bad']} "
                      f"{r['codes']}", flush=True)
                rows.append(r)
    finally:
        for n in reversed(nodes):
            n.stop()
            try:
                shutil.copy(n.log_path, os.path.join(
                    OUT, f"switchboard-{os.path.basename(n.dir)}.log"))
            except OSError:
                pass
            n.cleanup()
        PG.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    cmd = ("BENCH_QUICK=1 " if QUICK else "") + args.cmd
    write_md(args.out, rows, cmd, time.time() - T0)
    if args.results:
        mb.merge_into_results(args.out, args.results, SECTION)
    print(f"lock_bench: done in {time.time() - T0:.0f} s; {args.out}",
          flush=True)
    return 0 if rows and all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
