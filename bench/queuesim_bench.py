#!/usr/bin/python3
"""bench/queuesim_bench.py - issue 15: the estimated waiting time on
simulated days.  Python 3 standard library only; run by bench/run.sh (a
full `make bench`, or `bench/run.sh --only queuesim`), writes section 10
of bench/RESULTS.md.

Runs bench/build/queuesim (bench/queuesim/queuesim.c, `make -C bench
build/queuesim`) on every day file of bench/queuesim/days/ twice: with the
seed the file names and with a second seed (the file's + 1), so a method
tuned to one draw would show.  No sockets, no daemon: a simulated clock.

  bench/queuesim_bench.py                       all days, both seeds
  bench/queuesim_bench.py --out /tmp/q.md       only the fragment
"""
import argparse
import glob
import json
import os
import platform
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from media_bench import merge_into_results  # noqa: E402
ROOT = os.path.dirname(HERE)
BIN = os.path.join(HERE, "build", "queuesim")
DAYS = os.path.join(HERE, "queuesim", "days")
OUT = os.path.join(HERE, "out", "queuesim")
SECTION = "## 10. "
ORDER = ["weekday", "monday", "night"]  # then any other day, by name
METHODS = [
    ("ours_said", "ours, as said (acd_est_say_next)"),
    ("ours", "ours, estimate (acd_est_wait)"),
    ("asterisk_said", "Asterisk app_queue, as said"),
    ("full", "full information (Whitt), estimate"),
    ("full_said", "full information, rounded"),
    ("full_served", "full information, served (our formula, true rates)"),
    ("calls", "experiment: + calls in progress, mean"),
    ("calls_median", "experiment: + calls in progress, median"),
]


def rel(path):
    return os.path.relpath(path, ROOT)


def run(day, seed):
    args = [BIN, day, "--json"] + (["--seed", str(seed)] if seed else [])
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if r.returncode:
        sys.exit(f"queuesim_bench: {' '.join(args)}: {r.stderr.strip()}")
    cmd = " ".join(shlex.quote(a) for a in
                   [rel(BIN), rel(day)] + (["--seed", str(seed)]
                                           if seed else []))
    return json.loads(r.stdout), cmd


def day_files():
    files = sorted(glob.glob(os.path.join(DAYS, "*.day")))
    key = {n: i for i, n in enumerate(ORDER)}
    return sorted(files, key=lambda f: (key.get(
        os.path.basename(f)[:-4], len(ORDER)), f))


def ratio(a, b):
    return a / b if b else float("inf")


def verdict(r):
    ours, ast = r["ours_said"]["mae"], r["asterisk_said"]["mae"]
    full = r["full"]["mae"]
    return (ratio(ours, ast), ratio(ours, full),
            ratio(r["ours"]["mae"], r["full_served"]["mae"]),
            ratio(r["bound_mae"], ast),
            ratio(r["calls_median"]["mae"], ast))


def write_md(path, days):
    L = [f"{SECTION}Estimated waiting time: simulated days",
         "",
         "bench/queuesim (no sockets, a simulated clock in ms): a whole day "
         "from a day file (bench/queuesim/days/*.day: arrival rate and "
         "agents per slot, log-normal handle times, exponential patience, "
         "queues, seed), Poisson arrivals, callers who hang up when their "
         "patience runs out, agents whose shift ends finishing their call; "
         "the queue is src/acd/'s queue engine itself "
         "(bench/queuesim/engine_line.c behind bench/queuesim/line.h: one "
         "longest-idle queue, its agents logging in and out with the "
         "staffing, every offer answered at once), and the same days on "
         "the plain FIFO of bench/queuesim/fifo.c (build/queuesim_fifo) "
         "give byte-identical figures. Every caller who has to wait "
         "hears an announcement on entry and then every 60 s; at each, "
         "every method gives the wait still to come, and for every caller "
         "who is answered each announcement is compared with the wait that "
         "followed.",
         "",
         "- **ours**: src/acd/estimate.c fed with the queue's events "
         "(answered after w, abandoned after w, handled in h), asked with "
         "the callers ahead n and the agents serving s: "
         "sum_{i=1..n+1} 1/(s·mu + i·theta), mu = 1 / mean of the last "
         "~100 handle times, theta = abandonments per caller-second waited "
         "over the last ~400 callers leaving the queue (the M/M/s+M "
         "queue-length predictor for a caller who will be served). *As "
         "said*: rounded as media_phrase_wait() says it (< 45 s: less "
         "than a minute = 30 s; whole minutes), with the repeat rule "
         "(never \"one minute\" three times while not moving).",
         "- **Asterisk**: app_queue.c exactly (asterisk/asterisk master, "
         "apps/app_queue.c: recalc_holdtime() and say_position()): "
         "holdtime = ((holdtime << 2) - holdtime + wait) >> 2 in whole "
         "seconds when a caller is answered (wait = now - qe->start, "
         "at once included); a caller is told labs(((holdtime + 30) - "
         "(now - start)) / 60) minutes at every position (0 minutes: "
         "nothing said, counted as 0).",
         "- **full information**: Whitt's predictor with the day's true "
         "rates, sum_{i=0..n} 1/(s·mu + i·theta) (a caller who never hangs "
         "up); *served*: our formula with the true rates, i.e. what "
         "estimating the rates online costs us.",
         "- **experiment** (bench/queuesim/mc.c, not in the product): "
         "what knowing more would buy: 400 futures of the line drawn "
         "from the elapsed times of the calls in progress and the last "
         "128 handle times themselves (not their mean), callers ahead "
         "hanging up at the learnt rate, each future weighted by the "
         "chance the caller holds on that long; their mean, and their "
         "median (the best constant for the absolute error).",
         "- **bound**: in hindsight, the median of the waits that followed "
         "per (queue, callers ahead, agents serving) on that very day: no "
         "method that knows only the position and the agents has a lower "
         "mean absolute error.",
         "",
         "MAE = mean absolute error over the announcements, p90 = its 90th "
         "percentile (nearest rank), late = share of the answered callers "
         "with announcements who waited more than 30 s longer than some "
         "announcement told them.",
         ""]
    for d in days:
        a, b = d["runs"]
        L += [f"### {a['name']} (`{d['file']}`)",
              "",
              f"{a['queues']} queue(s), {a['days']} day(s); seed "
              f"{a['seed']}: {a['offered']} callers, {a['answered']} "
              f"answered ({a['queued_answered']} after waiting), "
              f"{a['abandoned']} abandoned, {a['announcements']} "
              f"announcements to {a['announced_callers']} answered "
              f"callers; seed {b['seed']}: {b['offered']} callers, "
              f"{b['answered']} answered ({b['queued_answered']} after "
              f"waiting), {b['abandoned']} abandoned, "
              f"{b['announcements']} announcements to "
              f"{b['announced_callers']} answered callers.",
              "",
              f"| method | MAE s (seed {a['seed']}) | p90 s | late % "
              f"| MAE s (seed {b['seed']}) | p90 s | late % |",
              "|---|---|---|---|---|---|---|"]
        for key, label in METHODS:
            x, y = a[key], b[key]
            L.append(f"| {label} | {x['mae']:.1f} | {x['p90']:.1f} | "
                     f"{x['late30']:.1f} | {y['mae']:.1f} | {y['p90']:.1f} "
                     f"| {y['late30']:.1f} |")
        L.append(f"| bound (hindsight, position and agents) | "
                 f"{a['bound_mae']:.1f} | | | {b['bound_mae']:.1f} | | |")
        L += ["",
              "Callers told \"one minute\" three times in a row without "
              f"moving (any caller, answered or not): ours "
              f"{a['thrice_ours']} / {b['thrice_ours']}, Asterisk "
              f"{a['thrice_asterisk']} / {b['thrice_asterisk']}."]
        va, vb = verdict(a), verdict(b)
        L += ["",
              f"Targets: ours as said / Asterisk = **{va[0]:.2f}** / "
              f"**{vb[0]:.2f}** (target <= 0.50: "
              f"{'met' if max(va[0], vb[0]) <= 0.5 else 'not met'}; "
              f"the bound / Asterisk = {va[3]:.2f} / {vb[3]:.2f}, the "
              f"experiment's median / Asterisk = {va[4]:.2f} / "
              f"{vb[4]:.2f}); "
              f"ours as said / full information = **{va[1]:.2f}** / "
              f"**{vb[1]:.2f}** (target <= 1.15: "
              f"{'met' if max(va[1], vb[1]) <= 1.15 else 'not met'}); "
              f"ours / full information served = {va[2]:.2f} / "
              f"{vb[2]:.2f}.",
              ""]
    vs = [verdict(r) for d in days for r in d["runs"]]
    L += ["Why the first target (at most half of Asterisk's mean absolute "
          "error) is not met: no method that knows the callers ahead and "
          "the agents can meet it on these days. The bound row, the best "
          "constant per (queue, callers ahead, agents) picked in hindsight "
          "from the very waits it is judged on, is already at "
          f"{min(v[3] for v in vs):.2f}-{max(v[3] for v in vs):.2f} of "
          "Asterisk's error; knowing the calls in progress as well and "
          "saying the median (the experiment) reaches "
          f"{min(v[4] for v in vs):.2f}-{max(v[4] for v in vs):.2f}. The "
          "rest is the randomness of handle times and hang-ups ahead "
          "(the best guess for one exponential stage is off by ln 2 = 0.69 "
          "of its mean on average), and Asterisk is not far above it "
          "where waits are short: its \"nothing said\" (0 minutes) is near "
          "the median of a short wait. Where lines are long (the Monday "
          "peak) its one number for every position costs most. The second "
          "target (within 15 % of the full-information predictor) is met "
          "on every day and seed: ours is below it, because Whitt's sum "
          "is the wait of a caller who never hangs up, and with the same "
          "formula our online rates cost 0-5 % against the true ones "
          "(row \"served\").",
          ""]
    L += [f"Machine: {os.cpu_count()} CPUs, Linux {platform.release()}; "
          f"source: {source()}; run "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. The "
          "simulation is deterministic (its own xoshiro256** seeded from "
          "the day's seed): the same command gives the same figures.",
          "",
          "<details><summary>Exact commands</summary>",
          "",
          "```sh",
          "make -C bench build/queuesim"]
    for d in days:
        L += [c for c in d["cmds"]]
    L += ["# all of them and this section: bench/run.sh --only queuesim",
          "```", "</details>", ""]
    with open(path, "w") as f:
        f.write("\n".join(L))


def source():
    try:
        r = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short",
                            "HEAD"], capture_output=True, text=True,
                           timeout=10)
        return "git " + r.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(OUT, "queuesim.md"))
    ap.add_argument("--results", help="also put the fragment into this "
                    "RESULTS.md as section 10")
    args = ap.parse_args()
    if not os.path.exists(BIN):
        sys.exit(f"queuesim_bench: {BIN} missing (make -C bench "
                 "build/queuesim)")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    days = []
    for f in day_files():
        first, cmd1 = run(f, None)
        second, cmd2 = run(f, first["seed"] + 1)
        days.append({"file": rel(f), "runs": (first, second),
                     "cmds": [cmd1, cmd2]})
        for r in (first, second):
            print(f"queuesim_bench: {r['name']} seed {r['seed']}: MAE ours "
                  f"{r['ours_said']['mae']:.1f} s, Asterisk "
                  f"{r['asterisk_said']['mae']:.1f} s, full information "
                  f"{r['full']['mae']:.1f} s, bound {r['bound_mae']:.1f} s",
                  flush=True)
    write_md(args.out, days)
    if args.results:
        merge_into_results(args.out, args.results, SECTION)
    return 0


if __name__ == "__main__":
    sys.exit(main())
