#!/usr/bin/python3
"""bench/queue_bench.py - issue 15: callers waiting in a hotline queue with
music and announcements, receiver-side jitter.  Python 3 standard library
only; run by bench/run.sh (a full `make bench`, or `bench/run.sh --only
queue`), writes section 12 of bench/RESULTS.md.

For each step N (default 100, 200, 400; stops after the first step that
fails), one fresh release daemon (ivr_bench.step: free ports, demo data,
--log-level warn) and:

  queue   a hotline queue (POST /api/v1/queues, ring-all) whose only member,
          Erika of the demo tenant, is logged in and paused (POST
          /api/v1/agents/:id/state): every caller waits and nobody is
          offered a call; a number of the demo block routes to it.
  callers sipp from the trunk's address (bench/sipp/uac_queue.xml): INVITE,
          200, ACK, HOLD_S s in the queue, BYE.  What a caller hears in
          that time is what a waiting caller hears: the greeting, at once
          the all-busy notice with its choice (keep waiting, message,
          callback), the position (spoken by espeak-ng, one phrase per
          position, then from the cache), music on hold, and every
          announcement interval (60 s) the position again.  At N / CALL_S
          calls per second, so N callers wait at once after the ramp.
          Each caller's RTP comes from `rtpload gen -j` (50 A-law packets
          per second: the waiting caller's key detector reads them), and
          gen judges the packets coming back.
  window  as bench/ivr_bench.py: gen's jitter histogram over WINDOW_S s
          once the ramp is over, CPU and /api/v1/stats at both ends.

A step passes when no call failed, the receiver-side jitter is under 5 ms
at p99 (the issue's bound), and the live calls in the window were at least
95 % of N on average.

  bench/queue_bench.py                          steps 100,200,400
  bench/queue_bench.py --steps 20 --window 20 --out /tmp/q.md   (a try)
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ivr_bench as ib  # noqa: E402
import media_bench as mb  # noqa: E402
from media_bench import fmt, sb  # noqa: E402

SECTION = "## 12. "
NUMBER = "+4922182829971"


class QueuePlan(ib.Plan):
    """Callers wait in a queue whose one agent is paused."""
    name = "queue"
    xml = "uac_queue.xml"
    hold_s = 90          # past the second announcement (60 s)
    call_s = hold_s + 0.5

    @staticmethod
    def setup(d):
        tid, _, erika = sb.demo_ids(d, "Erika")
        q = ib.api_ok(d, "POST", "/api/v1/queues",
                      {"tenant_id": tid, "name": "Bench hotline",
                       "strategy": "ring_all", "ring_timeout": 20,
                       "members": [{"employee_id": erika}]}, "queue")
        ib.api_ok(d, "POST", "/api/v1/numbers",
                  {"tenant_id": tid, "e164": NUMBER, "target_type": "queue",
                   "target_id": q["id"]}, "number")
        for body in ({"action": "login"},
                     {"action": "pause", "reason": "bench"}):
            ib.api_ok(d, "POST", f"/api/v1/agents/{erika}/state", body,
                      body["action"])
        return NUMBER


def write_md(path, steps):
    held = [r["n"] for r in steps if r["pass"]]
    best = max(held) if held else None
    L = [f"{SECTION}Callers waiting in a queue: music and announcements, "
         "jitter",
         "",
         f"**{fmt(best) if best else 'No step'} callers waiting at once "
         f"with receiver-side jitter under {ib.JITTER_P99_MS:g} ms at p99 "
         "(no call failed).**",
         "",
         "bench/queue_bench.py, one fresh release daemon per step: a "
         "ring-all queue whose only agent is logged in and paused, so every "
         "caller waits; sipp calls its number from the trunk's address "
         f"(bench/sipp/uac_queue.xml) and stays {QueuePlan.hold_s} s: the "
         "greeting, the all-busy notice with its choice, the position "
         "(espeak-ng, cached per phrase), music on hold, the announcement "
         "again after 60 s; then hangs up.  `rtpload gen -j` sends each "
         "caller's 50 packets/s and judges the packets coming back: per leg "
         "|arrival delta - RTP timestamp delta| of consecutive packets, "
         "kernel receive times (SO_TIMESTAMPNS), 50 us bins.  Measured "
         "over the window once the ramp is over.",
         "",
         ib.jitter_head("callers waiting")]
    L += [ib.jitter_row(r) for r in steps]
    L += ["",
          "CPU = switchboard utime+stime in the window, % of one core; per "
          "call = divided by the mean live calls.  Prompt cache = "
          "/api/v1/stats `prompts` at the end of the step.",
          "",
          f"Machine: {mb.machine()}; source: {mb.source()}; run "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
          "",
          "<details><summary>Exact commands (the last step)</summary>",
          "",
          "```sh"]
    if steps:
        r = steps[-1]
        L += [r["sb_cmd"] + " &",
              "# POST /api/v1/queues (member Erika), POST /api/v1/numbers "
              + NUMBER + ", POST /api/v1/agents/ID/state login, pause",
              r["gen_cmd"] + " &", r["uac_cmd"]]
    L += ["```", "</details>", ""]
    with open(path, "w") as f:
        f.write("\n".join(L))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", default="100,200,400")
    ap.add_argument("--window", type=int, default=60)
    ap.add_argument("--out", default=os.path.join(ib.OUT, "queue.md"))
    ap.add_argument("--results", help="also put the fragment into this "
                    "RESULTS.md as section 12")
    args = ap.parse_args()
    for f in (mb.REL_BIN, mb.RTPLOAD):
        if not os.path.exists(f):
            sys.exit(f"queue_bench: {f} missing (make build; make -C bench)")
    os.makedirs(ib.OUT, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="sbqueue-")
    steps = []
    try:
        prompts = os.path.join(tmp, "prompts")
        ib.make_prompts(prompts)
        for n in (int(x) for x in args.steps.split(",")):
            print(f"queue_bench: {n} callers waiting", flush=True)
            r = ib.step(n, args.window, prompts, QueuePlan)
            j = r["jitter"]
            print(f"queue_bench: {n}: ok {r['ok']} failed {r['failed']}, "
                  f"live {r['live_mean']:.0f}/{r['live_min']}, jitter p99 "
                  f"{j.get('jitter_p99_ms')} ms max {j.get('jitter_max_ms')}"
                  f", CPU {fmt(r['cpu_pct'], 1)} %: "
                  f"{'held' if r['pass'] else 'NOT held'}", flush=True)
            steps.append(r)
            if not r["pass"]:
                break
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    write_md(args.out, steps)
    if args.results:
        mb.merge_into_results(args.out, args.results, SECTION)
    return 0 if steps and steps[0]["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
